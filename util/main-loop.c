/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GLib main loop of the main thread and the big lock (BQL) it shares. */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"

static GMutex bql;
static __thread bool bql_held;
static GThread *main_thread;
static QemuMainLoopExitCheck *exit_check;
static GPollFunc glib_poll;


void bql_lock(void)
{
    g_assert(!bql_held);
    g_mutex_lock(&bql);
    bql_held = true;
}

void bql_unlock(void)
{
    g_assert(bql_held);
    bql_held = false;
    g_mutex_unlock(&bql);
}

bool bql_locked(void)
{
    return bql_held;
}

/* Constructors run in the thread that later calls main() and the loop. */
static void __attribute__((constructor)) main_loop_record_thread(void)
{
    main_thread = g_thread_self();
}

bool qemu_in_main_thread(void)
{
    return main_thread == g_thread_self();
}

void qemu_main_loop_set_exit_check(QemuMainLoopExitCheck *check)
{
    exit_check = check;
}

void qemu_notify_event(void)
{
    /*
     * vCPU threads call this while the main thread may still be entering
     * its loop: GLib's default context is created once under its own
     * lock, so ask GLib rather than share a pointer of ours.
     */
    g_main_context_wakeup(g_main_context_default());
}

/*
 * GLib calls this to block; vCPU threads need the BQL while we sleep, so it
 * is released for exactly the duration of the poll.
 */
static gint main_loop_poll(GPollFD *fds, guint nfds, gint timeout)
{
    gint ret;

    bql_unlock();
    ret = glib_poll(fds, nfds, timeout);
    bql_lock();
    return ret;
}

int qemu_main_loop(void)
{
    GMainContext *loop_ctx = g_main_context_default();
    bool took_lock = false;
    int status = 0;

    if (!bql_held) {
        bql_lock();
        took_lock = true;
    }
    if (!glib_poll) {
        glib_poll = g_main_context_get_poll_func(loop_ctx);
        g_main_context_set_poll_func(loop_ctx, main_loop_poll);
    }
    for (;;) {
        /* Requests made while dispatching are acted on before sleeping. */
        if (exit_check && exit_check(&status)) {
            break;
        }
        g_main_context_iteration(loop_ctx, TRUE);
    }
    if (took_lock) {
        bql_unlock();
    }
    return status;
}

bool qemu_main_loop_iterate(bool blocking)
{
    bool took_lock = false;
    bool ret;

    if (!bql_held) {
        bql_lock();
        took_lock = true;
    }
    ret = g_main_context_iteration(g_main_context_default(), blocking);
    if (took_lock) {
        bql_unlock();
    }
    return ret;
}
