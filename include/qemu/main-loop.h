/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The main loop (GLib, main thread) and the big lock shared with vCPUs. */
#ifndef QEMU_MAIN_LOOP_H
#define QEMU_MAIN_LOOP_H

#include "qemu/osdep.h"

/* Held by the main loop while it dispatches and by vCPU threads while they
 * handle an exit (device emulation). */
void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void);

/* Wake the main loop from any thread (e.g. after a shutdown request). */
void qemu_notify_event(void);
/* Runs until a shutdown/exit request is processed; returns exit status. */
int qemu_main_loop(void);

/*
 * Exit hook: before every sleep, the loop calls @check (runstate.c
 * registers one).  It processes pending shutdown/reset/exit requests
 * (emitting their events) and returns true with *status set when the loop
 * must return.  Called in the main thread with the BQL held.  Without a
 * hook the loop never returns.
 */
typedef bool QemuMainLoopExitCheck(int *status);
void qemu_main_loop_set_exit_check(QemuMainLoopExitCheck *check);

/* True in the thread that runs (or will run) qemu_main_loop(). */
bool qemu_in_main_thread(void);
/* One loop iteration (takes the BQL if not held); for tests and for
 * waiting on chardevs during start-up.  Returns true if events were
 * dispatched. */
bool qemu_main_loop_iterate(bool blocking);

/*
 * Jobs: run @fn(@opaque) soon in the thread that runs @ctx (NULL: the
 * main loop), whichever thread asks.  A context other than the main
 * loop's is set up with qemu_context_jobs_init() before its thread starts
 * and torn down with qemu_context_jobs_cleanup() after it stopped (jobs
 * still queued then run in the caller).
 */
typedef void QemuContextJobFunc(void *opaque);
void qemu_context_schedule(GMainContext *ctx, QemuContextJobFunc *fn,
                           void *opaque);
void qemu_context_jobs_init(GMainContext *ctx);
void qemu_context_jobs_cleanup(GMainContext *ctx);
/* Run the jobs queued for @ctx now, in the caller (e.g. before freeing
 * what they refer to). */
void qemu_context_jobs_flush(GMainContext *ctx);

#endif
