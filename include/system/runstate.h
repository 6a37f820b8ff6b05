/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VM run state, vm start/stop, shutdown/reset requests from any thread. */
#ifndef SYSTEM_RUNSTATE_H
#define SYSTEM_RUNSTATE_H

#include "qemu/osdep.h"
#include "qapi/qapi-types.h"   /* RunState, ShutdownCause (schema enums) */

RunState runstate_get(void);
bool runstate_is_running(void);
void runstate_set(RunState new_state);

typedef void VMChangeStateHandler(void *opaque, bool running, RunState state);
void *qemu_add_vm_change_state_handler(VMChangeStateHandler *cb,
                                       void *opaque);
void qemu_del_vm_change_state_handler(void *entry);

/* Main thread only: start (emits RESUME) / stop (pauses vCPUs, emits STOP). */
void vm_start(void);
int vm_stop(RunState state);

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

#endif
