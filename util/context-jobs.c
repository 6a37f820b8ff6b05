/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running a function in the thread of a GMainContext, from any thread. */
#include "qemu/osdep.h"
#include <glib-unix.h>
#include <sys/eventfd.h>
#include "qemu/main-loop.h"

/*
 * Why not g_idle_add() / g_source_attach() from the calling thread: they
 * work, but GLib's context bookkeeping is locked inside libglib, which
 * ThreadSanitizer cannot see, so every such call from a second thread
 * would be reported as a race.  Here the hand-over is our own mutex, and
 * the only thing another thread does to the context is write an eventfd.
 */
typedef struct ContextJobs {
    GMainContext *ctx;          /* NULL: the main loop's */
    int efd;
    GSource *src;
    GQueue jobs;                /* ContextJob * */
} ContextJobs;

typedef struct ContextJob {
    QemuContextJobFunc *fn;
    void *opaque;
} ContextJob;

static GMutex jobs_lock;
static GList *contexts;          /* ContextJobs * */

/* Called with jobs_lock held. */
static ContextJobs *context_find(GMainContext *ctx)
{
    for (GList *l = contexts; l; l = l->next) {
        ContextJobs *cj = l->data;

        if (cj->ctx == ctx) {
            return cj;
        }
    }
    return NULL;
}

static gboolean context_jobs_run(gint fd, GIOCondition cond, gpointer opaque)
{
    ContextJobs *cj = opaque;
    uint64_t n;
    GQueue todo = G_QUEUE_INIT;
    ContextJob *job;

    if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN) {
        return G_SOURCE_CONTINUE;
    }
    g_mutex_lock(&jobs_lock);
    while ((job = g_queue_pop_head(&cj->jobs))) {
        g_queue_push_tail(&todo, job);
    }
    g_mutex_unlock(&jobs_lock);
    while ((job = g_queue_pop_head(&todo))) {
        job->fn(job->opaque);
        g_free(job);
    }
    return G_SOURCE_CONTINUE;
}

/* Called with jobs_lock held. */
static ContextJobs *context_jobs_new(GMainContext *ctx)
{
    ContextJobs *cj = g_new0(ContextJobs, 1);

    cj->ctx = ctx ? g_main_context_ref(ctx) : NULL;
    cj->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    g_assert(cj->efd >= 0);
    g_queue_init(&cj->jobs);
    cj->src = g_unix_fd_source_new(cj->efd, G_IO_IN);
    g_source_set_callback(cj->src, (GSourceFunc)(void (*)(void))
                          context_jobs_run, cj, NULL);
    g_source_attach(cj->src, ctx);
    contexts = g_list_prepend(contexts, cj);
    return cj;
}

void qemu_context_jobs_init(GMainContext *ctx)
{
    g_mutex_lock(&jobs_lock);
    if (!context_find(ctx)) {
        context_jobs_new(ctx);
    }
    g_mutex_unlock(&jobs_lock);
}

void qemu_context_schedule(GMainContext *ctx, QemuContextJobFunc *fn,
                           void *opaque)
{
    ContextJob *job = g_new0(ContextJob, 1);
    ContextJobs *cj;
    uint64_t one = 1;

    if (ctx == g_main_context_default()) {
        ctx = NULL;
    }
    job->fn = fn;
    job->opaque = opaque;
    g_mutex_lock(&jobs_lock);
    cj = context_find(ctx);
    if (!cj) {
        /* The main loop's is set up on first use. */
        g_assert(!ctx);
        cj = context_jobs_new(NULL);
    }
    g_queue_push_tail(&cj->jobs, job);
    if (write(cj->efd, &one, sizeof(one)) < 0) {
        /* The counter is non-zero already: the wake-up is pending. */
    }
    g_mutex_unlock(&jobs_lock);
}

/* Run what is queued for @ctx now, in the caller. */
void qemu_context_jobs_flush(GMainContext *ctx)
{
    ContextJobs *cj;
    ContextJob *job;

    for (;;) {
        g_mutex_lock(&jobs_lock);
        cj = context_find(ctx);
        job = cj ? g_queue_pop_head(&cj->jobs) : NULL;
        g_mutex_unlock(&jobs_lock);
        if (!job) {
            return;
        }
        job->fn(job->opaque);
        g_free(job);
    }
}

void qemu_context_jobs_cleanup(GMainContext *ctx)
{
    ContextJobs *cj;

    qemu_context_jobs_flush(ctx);
    g_mutex_lock(&jobs_lock);
    cj = context_find(ctx);
    if (cj) {
        contexts = g_list_remove(contexts, cj);
    }
    g_mutex_unlock(&jobs_lock);
    if (!cj) {
        return;
    }
    g_source_destroy(cj->src);
    g_source_unref(cj->src);
    close(cj->efd);
    if (cj->ctx) {
        g_main_context_unref(cj->ctx);
    }
    g_free(cj);
}
