/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "thread-context" object: a thread of its own, pinned to a CPU
 * affinity (given as CPUs or as host NUMA nodes), that creates helper
 * threads such as preallocation workers, which inherit the affinity.
 * Creating threads there rather than with an affinity attribute means no
 * sched_setaffinity() call after start-up, so it works under -sandbox
 * resourcecontrol=deny, and "thread-id" is a real thread, as in QEMU.
 */
#include "qemu/osdep.h"
#include <pthread.h>
#include <sys/syscall.h>
#include "qemu/thread-context.h"
#include "qom/object_interfaces.h"

OBJECT_DECLARE_SIMPLE_TYPE(ThreadContext, THREAD_CONTEXT)

struct ThreadContext {
    Object parent_obj;
    GArray *cpus;        /* uint16_t: cpu-affinity as given */
    GArray *nodes;       /* uint16_t: node-affinity as given */
    cpu_set_t set;
    bool has_set;

    /* The context thread and its one request slot. */
    pthread_t thread;
    bool running;
    pid_t tid;
    GMutex lock;
    GCond cond;
    bool quit;
    void *(*req_fn)(void *);
    void *req_arg;
    bool req_pending;
    int req_rc;
    pthread_t req_thread;
};

static void *thread_context_run(void *opaque)
{
    ThreadContext *tc = opaque;

    g_mutex_lock(&tc->lock);
    tc->tid = syscall(SYS_gettid);
    g_cond_broadcast(&tc->cond);
    for (;;) {
        while (!tc->quit && !tc->req_pending) {
            g_cond_wait(&tc->cond, &tc->lock);
        }
        if (tc->quit) {
            break;
        }
        /* Created here, the new thread inherits our affinity. */
        tc->req_rc = pthread_create(&tc->req_thread, NULL, tc->req_fn,
                                    tc->req_arg);
        tc->req_pending = false;
        g_cond_broadcast(&tc->cond);
    }
    g_mutex_unlock(&tc->lock);
    return NULL;
}

bool thread_context_create_thread(Object *obj, pthread_t *thread,
                                  void *(*fn)(void *), void *arg)
{
    ThreadContext *tc = (ThreadContext *)object_dynamic_cast(obj,
                                                    TYPE_THREAD_CONTEXT);
    bool ok;

    if (!tc || !tc->running) {
        return false;
    }
    g_mutex_lock(&tc->lock);
    while (tc->req_pending) {
        g_cond_wait(&tc->cond, &tc->lock);
    }
    tc->req_fn = fn;
    tc->req_arg = arg;
    tc->req_pending = true;
    g_cond_broadcast(&tc->cond);
    while (tc->req_pending) {
        g_cond_wait(&tc->cond, &tc->lock);
    }
    ok = tc->req_rc == 0;
    if (ok) {
        *thread = tc->req_thread;
    }
    g_mutex_unlock(&tc->lock);
    return ok;
}

/* Add the CPUs of a sysfs cpulist ("0-3,6") to @set. */
static bool cpulist_parse(const char *s, cpu_set_t *set)
{
    while (*s && *s != '\n') {
        char *end;
        unsigned long a = strtoul(s, &end, 10), b = a;

        if (end == s) {
            return false;
        }
        if (*end == '-') {
            s = end + 1;
            b = strtoul(s, &end, 10);
            if (end == s) {
                return false;
            }
        }
        for (; a <= b && a < CPU_SETSIZE; a++) {
            CPU_SET(a, set);
        }
        s = *end == ',' ? end + 1 : end;
    }
    return true;
}

static bool thread_context_apply(ThreadContext *tc, cpu_set_t *set,
                                 Error **errp)
{
    cpu_set_t allowed, eff;

    /* The threads must be able to run somewhere we may run. */
    if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
        CPU_AND(&eff, set, &allowed);
        if (!CPU_COUNT(&eff)) {
            error_setg_errno(errp, EINVAL, "Setting CPU affinity failed");
            return false;
        }
    }
    /* A running context (qom-set) moves at once; else at complete(). */
    if (tc->running && sched_setaffinity(tc->tid, sizeof(*set), set)) {
        error_setg_errno(errp, errno, "Setting CPU affinity failed");
        return false;
    }
    tc->set = *set;
    tc->has_set = true;
    return true;
}

static GArray *u16_array(const uint16_t *v, size_t n)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(uint16_t));

    g_array_append_vals(a, v, n);
    return a;
}

static GArray *get_cpu_affinity(Object *obj, Error **errp)
{
    ThreadContext *tc = THREAD_CONTEXT(obj);

    return u16_array(tc->cpus ? (uint16_t *)tc->cpus->data : NULL,
                     tc->cpus ? tc->cpus->len : 0);
}

static void set_cpu_affinity(Object *obj, const uint16_t *v, size_t n,
                             Error **errp)
{
    ThreadContext *tc = THREAD_CONTEXT(obj);
    cpu_set_t set;
    size_t i;

    if (!n) {
        error_setg(errp, "CPU list is empty");
        return;
    }
    CPU_ZERO(&set);
    for (i = 0; i < n; i++) {
        if (v[i] >= CPU_SETSIZE) {
            error_setg(errp, "CPU %d is out of range", v[i]);
            return;
        }
        CPU_SET(v[i], &set);
    }
    if (!thread_context_apply(tc, &set, errp)) {
        return;
    }
    if (tc->cpus) {
        g_array_free(tc->cpus, TRUE);
    }
    tc->cpus = u16_array(v, n);
}

static GArray *get_node_affinity(Object *obj, Error **errp)
{
    ThreadContext *tc = THREAD_CONTEXT(obj);

    return u16_array(tc->nodes ? (uint16_t *)tc->nodes->data : NULL,
                     tc->nodes ? tc->nodes->len : 0);
}

static void set_node_affinity(Object *obj, const uint16_t *v, size_t n,
                              Error **errp)
{
    ThreadContext *tc = THREAD_CONTEXT(obj);
    cpu_set_t set;
    size_t i;

    if (!n) {
        error_setg(errp, "Node list is empty");
        return;
    }
    CPU_ZERO(&set);
    for (i = 0; i < n; i++) {
        g_autofree char *path = NULL;
        g_autofree char *list = NULL;

        path = g_strdup_printf("/sys/devices/system/node/node%d/cpulist",
                               v[i]);
        if (!g_file_get_contents(path, &list, NULL, NULL) ||
            !cpulist_parse(list, &set)) {
            error_setg(errp, "Cannot determine CPUs of host NUMA node %d",
                       v[i]);
            return;
        }
    }
    if (!thread_context_apply(tc, &set, errp)) {
        return;
    }
    if (tc->nodes) {
        g_array_free(tc->nodes, TRUE);
    }
    tc->nodes = u16_array(v, n);
}

static uint64_t get_thread_id(Object *obj, Error **errp)
{
    ThreadContext *tc = THREAD_CONTEXT(obj);

    return tc->running ? (uint64_t)tc->tid : 0;
}

static void thread_context_complete(Object *obj, Error **errp)
{
    ThreadContext *tc = THREAD_CONTEXT(obj);
    int rc;

    rc = pthread_create(&tc->thread, NULL, thread_context_run, tc);
    if (rc) {
        error_setg_errno(errp, rc, "failed to create thread-context thread");
        return;
    }
    g_mutex_lock(&tc->lock);
    while (!tc->tid) {
        g_cond_wait(&tc->cond, &tc->lock);
    }
    g_mutex_unlock(&tc->lock);
    tc->running = true;
    if (tc->has_set &&
        sched_setaffinity(tc->tid, sizeof(tc->set), &tc->set)) {
        error_setg_errno(errp, errno, "Setting CPU affinity failed");
    }
}

static void thread_context_init(Object *obj)
{
    ThreadContext *tc = THREAD_CONTEXT(obj);

    g_mutex_init(&tc->lock);
    g_cond_init(&tc->cond);
}

bool thread_context_get_affinity(Object *obj, cpu_set_t *set)
{
    ThreadContext *tc = (ThreadContext *)object_dynamic_cast(obj,
                                                    TYPE_THREAD_CONTEXT);

    if (!tc || !tc->has_set) {
        return false;
    }
    *set = tc->set;
    return true;
}

static void thread_context_finalize(Object *obj)
{
    ThreadContext *tc = THREAD_CONTEXT(obj);

    if (tc->thread) {
        g_mutex_lock(&tc->lock);
        tc->quit = true;
        g_cond_broadcast(&tc->cond);
        g_mutex_unlock(&tc->lock);
        pthread_join(tc->thread, NULL);
    }
    g_mutex_clear(&tc->lock);
    g_cond_clear(&tc->cond);

    if (tc->cpus) {
        g_array_free(tc->cpus, TRUE);
    }
    if (tc->nodes) {
        g_array_free(tc->nodes, TRUE);
    }
}

static void thread_context_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    ucc->complete = thread_context_complete;
    object_class_property_add_uint16_list(oc, "cpu-affinity",
                                          get_cpu_affinity, set_cpu_affinity);
    object_class_property_add_uint16_list(oc, "node-affinity",
                                          get_node_affinity,
                                          set_node_affinity);
    object_class_property_add_uint(oc, "thread-id", INT32_MAX,
                                   get_thread_id, NULL);
}

static const TypeInfo thread_context_info = {
    .name = TYPE_THREAD_CONTEXT,
    .parent = TYPE_OBJECT,
    .class_init = thread_context_class_init,
    .instance_size = sizeof(ThreadContext),
    .instance_init = thread_context_init,
    .instance_finalize = thread_context_finalize,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void register_types(void)
{
    type_register_static(&thread_context_info);
}

type_init(register_types);
