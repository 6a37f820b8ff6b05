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

#endif
