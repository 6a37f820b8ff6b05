/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VM run state, vm start/stop, shutdown/reset requests from any thread. */
#ifndef SYSTEM_RUNSTATE_H
#define SYSTEM_RUNSTATE_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-types.h"   /* RunState, ShutdownCause (schema enums) */

RunState runstate_get(void);
bool runstate_is_running(void);
bool runstate_check(RunState state);
void runstate_set(RunState new_state);

typedef void VMChangeStateHandler(void *opaque, bool running, RunState state);
void *qemu_add_vm_change_state_handler(VMChangeStateHandler *cb,
                                       void *opaque);
void qemu_del_vm_change_state_handler(void *entry);

/* Main thread only: start (emits RESUME) / stop (pauses vCPUs, emits STOP). */
void vm_start(void);
int vm_stop(RunState state);
/* Exit path: stop the vCPUs without a STOP event (QEMU's vm_shutdown). */
void vm_shutdown(void);

/*
 * Any thread.  The main loop acts on them: shutdown -> SHUTDOWN event and
 * exit (or pause with -no-shutdown); reset -> RESET event, machine reset,
 * or shutdown with -no-reboot; exit -> leave with @status (debug-exit).
 */
void qemu_system_shutdown_request(ShutdownCause cause);
void qemu_system_reset_request(ShutdownCause cause);
void qemu_system_exit_request(int status);
void qemu_system_powerdown_request(void);
/* Guest/VMM fatal error: print the message, stop the VM, exit status 1. */
void qemu_system_guest_error(const char *fmt, ...) QEMU_PRINTF(1, 2);

/*
 * The main loop calls this after every dispatch (main thread, BQL held).
 * It acts on pending requests (events, vm_stop, machine reset) and
 * returns true with *status set when the process should leave the loop.
 */
bool main_loop_should_exit(int *status);
/* True if any request is pending (cheap; any thread). */
bool runstate_request_pending(void);

/* -no-reboot: a reset request becomes a shutdown. */
void runstate_set_no_reboot(bool no_reboot);
bool runstate_get_no_reboot(void);
/* -no-shutdown: a guest shutdown pauses the VM instead of exiting. */
void runstate_set_no_shutdown(bool no_shutdown);
/* qtest drives the process: don't print "terminating on signal". */
void runstate_set_qtest_driver(bool qtest);

/*
 * SIGTERM/SIGINT/SIGHUP: print "terminating on signal N from pid P (cmd)"
 * and shut down with reason host-signal.  The handler only writes to a
 * pipe; a GLib source on the default main context does the rest.
 */
bool runstate_init_signals(Error **errp);
/* Record a termination signal (normally called from that source). */
void qemu_system_killed(int signal, pid_t pid);

#endif
