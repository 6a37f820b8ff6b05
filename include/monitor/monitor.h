/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP monitors: creation from the command line, and event emission. */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include "qemu/osdep.h"
#include <jansson.h>
#include "qapi/error.h"
#include "chardev/char.h"

/* -mon chardev=ID,mode=control / -qmp SPEC: a QMP monitor on @chr. */
bool monitor_new_qmp(Chardev *chr, Error **errp);
/* Once every chardev is realized: start the monitor I/O thread (if a
 * monitor needs one). */
void monitor_start_io_thread(void);
/*
 * Send an event to every negotiated QMP session:
 * {"event": NAME, "data": DATA, "timestamp": {...}}.  Steals @data (may be
 * NULL: no "data" member).  Any thread; delivered from the main loop.
 */
void qapi_event_emit(const char *name, json_t *data);
void monitor_cleanup(void);

#endif
