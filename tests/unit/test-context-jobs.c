/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for util/context-jobs.c: work handed to a context's thread. */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"

typedef struct Worker {
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
} Worker;

typedef struct Seen {
    GMutex lock;
    GThread *ran_in[16];
    int order[16];
    int n;
} Seen;

typedef struct Job {
    Seen *seen;
    int tag;
} Job;

static gpointer worker_run(gpointer opaque)
{
    Worker *w = opaque;

    g_main_context_push_thread_default(w->ctx);
    g_main_loop_run(w->loop);
    g_main_context_pop_thread_default(w->ctx);
    return NULL;
}

static void worker_start(Worker *w)
{
    w->ctx = g_main_context_new();
    w->loop = g_main_loop_new(w->ctx, FALSE);
    qemu_context_jobs_init(w->ctx);
    w->thread = g_thread_new("worker", worker_run, w);
}

static void worker_quit(void *opaque)
{
    g_main_loop_quit(((Worker *)opaque)->loop);
}

static void worker_stop(Worker *w)
{
    qemu_context_schedule(w->ctx, worker_quit, w);
    g_thread_join(w->thread);
    qemu_context_jobs_cleanup(w->ctx);
    g_main_loop_unref(w->loop);
    g_main_context_unref(w->ctx);
}

static void record(void *opaque)
{
    Job *j = opaque;

    g_mutex_lock(&j->seen->lock);
    j->seen->ran_in[j->seen->n] = g_thread_self();
    j->seen->order[j->seen->n++] = j->tag;
    g_mutex_unlock(&j->seen->lock);
    g_free(j);
}

static Job *job(Seen *seen, int tag)
{
    Job *j = g_new0(Job, 1);

    j->seen = seen;
    j->tag = tag;
    return j;
}

static int seen_count(Seen *seen)
{
    int n;

    g_mutex_lock(&seen->lock);
    n = seen->n;
    g_mutex_unlock(&seen->lock);
    return n;
}

/* Jobs for a worker run in the worker's thread, in the order queued. */
static void test_worker_thread(void)
{
    Seen seen = { 0 };
    Worker w;
    gint64 deadline;

    g_mutex_init(&seen.lock);
    worker_start(&w);
    for (int i = 0; i < 10; i++) {
        qemu_context_schedule(w.ctx, record, job(&seen, i));
    }
    deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (seen_count(&seen) < 10 && g_get_monotonic_time() < deadline) {
        g_usleep(1000);
    }
    g_assert_cmpint(seen_count(&seen), ==, 10);
    for (int i = 0; i < 10; i++) {
        g_assert_cmpint(seen.order[i], ==, i);
        g_assert_true(seen.ran_in[i] == w.thread);
    }
    worker_stop(&w);
    g_mutex_clear(&seen.lock);
}

static gpointer schedule_from_thread(gpointer opaque)
{
    Seen *seen = opaque;

    for (int i = 0; i < 5; i++) {
        qemu_context_schedule(NULL, record, job(seen, 100 + i));
    }
    return NULL;
}

/* The main loop's jobs, queued by another thread, run when it iterates. */
static void test_main_loop(void)
{
    Seen seen = { 0 };
    GThread *t;

    g_mutex_init(&seen.lock);
    qemu_context_jobs_init(NULL);
    t = g_thread_new("producer", schedule_from_thread, &seen);
    g_thread_join(t);
    g_assert_cmpint(seen_count(&seen), ==, 0);
    while (seen_count(&seen) < 5) {
        g_main_context_iteration(NULL, TRUE);
    }
    for (int i = 0; i < 5; i++) {
        g_assert_cmpint(seen.order[i], ==, 100 + i);
        g_assert_true(seen.ran_in[i] == g_thread_self());
    }
    g_mutex_clear(&seen.lock);
}

/* Flush runs what is queued now, in the caller; nothing runs twice. */
static void test_flush(void)
{
    Seen seen = { 0 };

    g_mutex_init(&seen.lock);
    qemu_context_schedule(NULL, record, job(&seen, 1));
    qemu_context_schedule(NULL, record, job(&seen, 2));
    qemu_context_jobs_flush(NULL);
    g_assert_cmpint(seen_count(&seen), ==, 2);
    g_assert_cmpint(seen.order[0], ==, 1);
    g_assert_cmpint(seen.order[1], ==, 2);
    while (g_main_context_iteration(NULL, FALSE)) {
        /* the wake-up left in the eventfd finds no job */
    }
    g_assert_cmpint(seen_count(&seen), ==, 2);
    g_mutex_clear(&seen.lock);
}

/* Jobs left when a worker stops run in cleanup, not never. */
static void test_cleanup_runs_leftovers(void)
{
    Seen seen = { 0 };
    GMainContext *ctx = g_main_context_new();

    g_mutex_init(&seen.lock);
    qemu_context_jobs_init(ctx);
    qemu_context_schedule(ctx, record, job(&seen, 7));
    g_assert_cmpint(seen_count(&seen), ==, 0);
    qemu_context_jobs_cleanup(ctx);
    g_assert_cmpint(seen_count(&seen), ==, 1);
    g_assert_true(seen.ran_in[0] == g_thread_self());
    g_main_context_unref(ctx);
    g_mutex_clear(&seen.lock);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/context-jobs/worker-thread", test_worker_thread);
    g_test_add_func("/context-jobs/main-loop", test_main_loop);
    g_test_add_func("/context-jobs/flush", test_flush);
    g_test_add_func("/context-jobs/cleanup-runs-leftovers",
                    test_cleanup_runs_leftovers);
    return g_test_run();
}
