/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP events: built with a timestamp, delivered from the main loop. */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "monitor/monitor.h"
#include "monitor/monitor-internal.h"
#include "monitor/hmp.h"

void monitor_qmp_cleanup_all(void);

static GMutex pending_lock;
static GQueue pending = G_QUEUE_INIT;   /* json_t * events from other threads */

static json_t *event_build(const char *name, json_t *data)
{
    gint64 now = g_get_real_time();
    json_t *msg = json_pack("{s:{s:I,s:I},s:s}", "timestamp",
                            "seconds", (json_int_t)(now / G_USEC_PER_SEC),
                            "microseconds",
                            (json_int_t)(now % G_USEC_PER_SEC),
                            "event", name);

    if (data) {
        json_object_set_new(msg, "data", data);
    }
    return msg;
}

static void event_flush_pending(void)
{
    json_t *msg;

    for (;;) {
        g_mutex_lock(&pending_lock);
        msg = g_queue_pop_head(&pending);
        g_mutex_unlock(&pending_lock);
        if (!msg) {
            break;
        }
        monitor_qmp_broadcast(msg);
        json_decref(msg);
    }
}

static void event_flush_job(void *opaque)
{
    event_flush_pending();
}

void qapi_event_emit(const char *name, json_t *data)
{
    json_t *msg = event_build(name, data);

    if (qemu_in_main_thread()) {
        /* Keep order with events queued earlier by other threads. */
        event_flush_pending();
        monitor_qmp_broadcast(msg);
        json_decref(msg);
        return;
    }
    g_mutex_lock(&pending_lock);
    g_queue_push_tail(&pending, msg);
    g_mutex_unlock(&pending_lock);
    qemu_context_schedule(NULL, event_flush_job, NULL);
}

void monitor_cleanup(void)
{
    event_flush_pending();
    monitor_qmp_cleanup_all();
    monitor_hmp_cleanup_all();
}
