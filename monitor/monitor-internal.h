/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private interface between the QMP server and the QMP command handlers. */
#ifndef MONITOR_INTERNAL_H
#define MONITOR_INTERNAL_H

#include "qemu/osdep.h"
#include <jansson.h>
#include "monitor/monitor.h"

#define QEMU_VERSION_MAJOR 11
#define QEMU_VERSION_MINOR 0
#define QEMU_VERSION_MICRO 50
#define QEMU_PACKAGE "qemu-gmem"

typedef struct MonitorQMP MonitorQMP;
typedef struct QMPSession QMPSession;

/* {"qemu": {"micro", "minor", "major"}, "package"}: new reference. */
json_t *qmp_version_info(void);

/*
 * The session whose command is being dispatched (NULL outside dispatch,
 * e.g. in unit tests calling handlers directly).
 */
QMPSession *qmp_current_session(void);
bool qmp_session_is_negotiated(QMPSession *s);
/* qmp_capabilities: check @enable and leave negotiation mode. */
bool qmp_session_negotiate(QMPSession *s, json_t *enable, Error **errp);

/* Events: deliver a built event message to all negotiated sessions. */
void monitor_qmp_broadcast(json_t *msg);
/* Serialize @msg the way QEMU does ("\r\n"-terminated); caller g_free. */
char *qmp_format_message(json_t *msg, size_t *len);
/* Dispatch one parsed request; returns the reply (NULL: none). */
json_t *qmp_dispatch(QMPSession *s, json_t *req);

#endif
