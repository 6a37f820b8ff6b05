/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP server: one session per chardev connection, framing, dispatch. */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"
#include "monitor/monitor.h"
#include "monitor/monitor-internal.h"
#include "monitor/json-framer.h"
#include "hw/boards.h"
#include "qemu/main-loop.h"

/*
 * Threads.  A monitor on a chardev that can run in another GMainContext (a
 * socket) reads and parses its input in the monitor I/O thread, so that
 * out-of-band commands ("exec-oob") are answered even while the main
 * thread is busy or blocked in an in-band command.  In-band requests go
 * through a per-session queue to the main thread, which runs them one at a
 * time, in order, under the BQL.  Other monitors (stdio) do the same from
 * the main loop, without the OOB capability.
 *
 * Flow control, QEMU's rules: without OOB a session has at most one
 * request queued or running; with OOB up to QMP_REQ_QUEUE_LEN_MAX in-band
 * requests wait while one runs.  An OOB request behind a full queue waits
 * its turn too.  QEMU enforces this by not reading; we keep reading and
 * parsing into the session's backlog, in order, and stop the input only
 * when the backlog reaches QMP_BACKLOG_PAUSE requests.  The difference is
 * not visible in replies or their order, and it saves the main thread a
 * hand-over to the reading thread after every request (on this kind of
 * host, one cross-CPU wake-up costs tens of microseconds).
 *
 * Locking: qmp_lock guards the monitor list, every session table and
 * every session's queues and flags.  It is taken inside a chardev's lock
 * (the chardev calls us with its lock held), so nobody calls into a chardev
 * while holding qmp_lock.
 */
#define QMP_REQ_QUEUE_LEN_MAX 8
/* Parsed requests a session may hold beyond its queue before its input
 * stops (it resumes below half). */
#define QMP_BACKLOG_PAUSE 16

struct MonitorQMP {
    Chardev *chr;
    bool use_io_thread;
    GHashTable *sessions;       /* conn id -> QMPSession * */
};

struct QMPSession {
    MonitorQMP *mon;
    int conn;
    gint ref;
    bool negotiated;
    bool oob;                   /* capability "oob" enabled */
    bool closed;
    bool running;               /* the main thread runs one of ours */
    bool paused;                /* input stopped: the backlog is long */
    bool resume_scheduled;
    bool pending;               /* on the dispatcher's list */
    GQueue requests;            /* QMPRequest *, for the main thread */
    GQueue backlog;             /* QMPRequest *, parsed, waiting for room */
    JSONFramer framer;          /* used by the reading thread only */
};

typedef struct QMPRequest {
    json_t *req;
    Error *err;                 /* a framing/parse error instead */
} QMPRequest;

static GMutex qmp_lock;
static GList *monitors;          /* MonitorQMP * */
static GQueue pending_sessions = G_QUEUE_INIT;   /* sessions with requests */
static bool dispatch_scheduled;
static __thread QMPSession *cur_session;

/* The monitor I/O thread (one for all monitors, as QEMU's). */
static GThread *io_thread;
static GMainContext *io_context;
static GMainLoop *io_loop;

static gpointer monitor_io_thread_run(gpointer opaque)
{
    g_main_context_push_thread_default(io_context);
    g_main_loop_run(io_loop);
    g_main_context_pop_thread_default(io_context);
    return NULL;
}

/*
 * The context is made when the first monitor wants it; the thread starts
 * once every chardev is set up (monitor_start_io_thread()), so nothing
 * but jobs and writes ever crosses from the main thread into it.
 */
static GMainContext *monitor_io_context(void)
{
    if (!io_context) {
        io_context = g_main_context_new();
        io_loop = g_main_loop_new(io_context, FALSE);
        qemu_context_jobs_init(NULL);
        qemu_context_jobs_init(io_context);
    }
    return io_context;
}

void monitor_start_io_thread(void)
{
    if (io_context && !io_thread) {
        io_thread = g_thread_new("mon_iothread", monitor_io_thread_run, NULL);
    }
}

static void monitor_io_thread_quit(void *opaque)
{
    g_main_loop_quit(io_loop);
}

static void monitor_io_thread_stop(void)
{
    if (io_thread) {
        qemu_context_schedule(io_context, monitor_io_thread_quit, NULL);
        g_thread_join(io_thread);
        io_thread = NULL;
    }
    if (io_context) {
        qemu_context_jobs_cleanup(io_context);
    }
}

QMPSession *qmp_current_session(void)
{
    return cur_session;
}

json_t *qmp_version_info(void)
{
    return json_pack("{s:{s:i,s:i,s:i},s:s}", "qemu",
                     "micro", QEMU_VERSION_MICRO,
                     "minor", QEMU_VERSION_MINOR,
                     "major", QEMU_VERSION_MAJOR,
                     "package", QEMU_PACKAGE);
}

/* Capabilities @mon offers in its greeting: "oob" with an I/O thread. */
static json_t *qmp_offered_capabilities(MonitorQMP *mon)
{
    json_t *caps = json_array();

    if (mon && mon->use_io_thread) {
        json_array_append_new(caps, json_string("oob"));
    }
    return caps;
}

char *qmp_format_message(json_t *msg, size_t *len)
{
    char *text = json_dumps(msg, JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
    char *line = g_strconcat(text, "\r\n", NULL);

    free(text);
    *len = strlen(line);
    return line;
}

static void qmp_session_ref(QMPSession *s)
{
    g_atomic_int_inc(&s->ref);
}

static void qmp_request_free(QMPRequest *r)
{
    json_decref(r->req);
    if (r->err) {
        error_free(r->err);
    }
    g_free(r);
}

static void qmp_session_unref(QMPSession *s)
{
    if (g_atomic_int_dec_and_test(&s->ref)) {
        g_queue_clear_full(&s->requests, (GDestroyNotify)qmp_request_free);
        g_queue_clear_full(&s->backlog, (GDestroyNotify)qmp_request_free);
        json_framer_destroy(&s->framer);
        g_free(s);
    }
}

static void qmp_session_send(QMPSession *s, json_t *msg)
{
    size_t len;
    char *line = qmp_format_message(msg, &len);

    qemu_chr_write_all(s->mon->chr, s->conn, (const uint8_t *)line, len);
    g_free(line);
}

void monitor_qmp_broadcast(json_t *msg)
{
    g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func(
        (GDestroyNotify)qmp_session_unref);
    size_t len;
    char *line = qmp_format_message(msg, &len);

    g_mutex_lock(&qmp_lock);
    for (GList *l = monitors; l; l = l->next) {
        MonitorQMP *mon = l->data;
        GHashTableIter it;
        gpointer value;

        g_hash_table_iter_init(&it, mon->sessions);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            QMPSession *s = value;

            if (s->negotiated) {
                qmp_session_ref(s);
                g_ptr_array_add(to, s);
            }
        }
    }
    g_mutex_unlock(&qmp_lock);
    for (guint i = 0; i < to->len; i++) {
        QMPSession *s = g_ptr_array_index(to, i);

        qemu_chr_write_all(s->mon->chr, s->conn, (const uint8_t *)line, len);
    }
    g_free(line);
}

bool qmp_session_is_negotiated(QMPSession *s)
{
    bool ret;

    g_mutex_lock(&qmp_lock);
    ret = s->negotiated;
    g_mutex_unlock(&qmp_lock);
    return ret;
}

bool qmp_session_negotiate(QMPSession *s, json_t *enable, Error **errp)
{
    g_autoptr(GString) unavailable = NULL;
    bool oob = false;
    size_t i;
    json_t *cap;

    /* The schema already checked the enum ("oob" is its only member). */
    json_array_foreach(enable, i, cap) {
        const char *name = json_string_value(cap);

        if (!strcmp(name, "oob") && s && s->mon->use_io_thread) {
            oob = true;
            continue;
        }
        if (!unavailable) {
            unavailable = g_string_new(name);
        } else {
            g_string_append_printf(unavailable, ", %s", name);
        }
    }
    if (unavailable) {
        error_setg(errp, "Capability %s not available", unavailable->str);
        return false;
    }
    if (s) {
        g_mutex_lock(&qmp_lock);
        s->negotiated = true;
        s->oob = oob;
        g_mutex_unlock(&qmp_lock);
    }
    return true;
}

static json_t *qmp_error_reply(Error *err)
{
    json_t *rsp = json_pack("{s:{s:s,s:s}}", "error",
                            "class", error_class_name(error_get_class(err)),
                            "desc", error_get_pretty(err));

    error_free(err);
    return rsp;
}

/*
 * The request-shape checks of QEMU's qmp_dispatch_check_obj(); "exec-oob"
 * is a member only where OOB is enabled.  Sets *@oob for "exec-oob".
 * Where a request has several faults, QEMU reports the first in its
 * dictionary's order, which visits "exec-oob", then "execute", then
 * "arguments" (observed); other members are taken in the order sent.
 */
static const char *qmp_check_request(json_t *req, bool allow_oob, bool *oob,
                                     Error **errp)
{
    static const char *const exec_keys[] = { "exec-oob", "execute" };
    const char *key;
    const char *exec_key = NULL;
    const char *name = NULL;
    json_t *v;

    if (!json_is_object(req)) {
        error_setg(errp, "QMP input must be a JSON object");
        return NULL;
    }
    for (size_t i = 0; i < ARRAY_SIZE(exec_keys); i++) {
        key = exec_keys[i];
        v = json_object_get(req, key);
        if (!v || (!allow_oob && !strcmp(key, "exec-oob"))) {
            continue;
        }
        if (!json_is_string(v)) {
            error_setg(errp, "QMP input member '%s' must be a string", key);
            return NULL;
        }
        if (exec_key) {
            error_setg(errp, "QMP input member '%s' clashes with '%s'",
                       key, exec_key);
            return NULL;
        }
        exec_key = key;
        name = json_string_value(v);
    }
    json_object_foreach(req, key, v) {
        if (!strcmp(key, "execute") || !strcmp(key, "id") ||
            (allow_oob && !strcmp(key, "exec-oob"))) {
            continue;
        }
        if (!strcmp(key, "arguments")) {
            if (!json_is_object(v)) {
                error_setg(errp, "QMP input member 'arguments' must be an "
                           "object");
                return NULL;
            }
        } else {
            error_setg(errp, "QMP input member '%s' is unexpected", key);
            return NULL;
        }
    }
    if (!name) {
        error_setg(errp, "QMP input lacks member 'execute'");
        return NULL;
    }
    *oob = !strcmp(exec_key, "exec-oob");
    return name;
}

/* QEMU's qmp_is_oob(): how the reading thread tells OOB requests apart. */
static bool qmp_request_is_oob(json_t *req)
{
    return json_is_object(req) && json_object_get(req, "exec-oob") &&
           !json_object_get(req, "execute");
}

static bool qmp_check_args(const QmpCommand *cmd, json_t *args,
                           Error **errp)
{
    if (cmd->arg_type) {
        return qapi_validate(cmd->arg_type, args, errp);
    }
    if (json_object_size(args)) {
        const char *key = json_object_iter_key(json_object_iter(args));

        error_setg(errp, "Parameter '%s' is unexpected", key);
        return false;
    }
    return true;
}

static bool qmp_session_oob_enabled(QMPSession *s)
{
    bool ret;

    if (!s) {
        return false;
    }
    g_mutex_lock(&qmp_lock);
    ret = s->oob;
    g_mutex_unlock(&qmp_lock);
    return ret;
}

json_t *qmp_dispatch(QMPSession *s, json_t *req)
{
    Error *err = NULL;
    const QmpCommand *cmd;
    const char *name;
    json_t *args;
    json_t *ret = NULL;
    json_t *rsp;
    json_t *id = json_is_object(req) ? json_object_get(req, "id") : NULL;
    bool negotiated = !s || qmp_session_is_negotiated(s);
    bool oob = false;

    name = qmp_check_request(req, qmp_session_oob_enabled(s), &oob, &err);
    if (!name) {
        goto out;
    }
    cmd = qmp_find_command(name);
    if (!negotiated && (!cmd || strcmp(name, "qmp_capabilities"))) {
        error_set(&err, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "Expecting capabilities negotiation with "
                  "'qmp_capabilities'");
        goto out;
    }
    if (!cmd) {
        error_set(&err, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "The command %s has not been found", name);
        goto out;
    }
    if (oob && !cmd->allow_oob) {
        error_setg(&err, "The command %s does not support OOB", name);
        goto out;
    }
    if (!cmd->allow_preconfig && !machine_is_ready()) {
        error_setg(&err, "The command '%s' is permitted only after machine "
                   "initialization has completed", name);
        goto out;
    }
    args = json_object_get(req, "arguments");
    args = args ? json_incref(args) : json_object();
    if (!qmp_check_args(cmd, args, &err)) {
        json_decref(args);
        goto out;
    }
    cur_session = s;
    cmd->fn(args, &ret, &err);
    cur_session = NULL;
    json_decref(args);

out:
    /* Members in the order QEMU prints them: return, id, error. */
    if (err) {
        json_t *e;

        json_decref(ret);
        rsp = json_object();
        if (id) {
            json_object_set(rsp, "id", id);
        }
        e = qmp_error_reply(err);
        json_object_update(rsp, e);
        json_decref(e);
    } else {
        rsp = json_pack("{s:o}", "return", ret ? ret : json_object());
        if (id) {
            json_object_set(rsp, "id", id);
        }
    }
    return rsp;
}

static GMainContext *qmp_session_context(QMPSession *s)
{
    return s->mon->use_io_thread ? io_context : NULL;
}

static void qmp_dispatcher(void *opaque);

/* Called with qmp_lock held. */
static void qmp_dispatcher_kick(void)
{
    if (!dispatch_scheduled) {
        dispatch_scheduled = true;
        qemu_context_schedule(NULL, qmp_dispatcher, NULL);
    }
}

/* Called with qmp_lock held: queue @r for the main thread. */
static void qmp_session_enqueue(QMPSession *s, QMPRequest *r)
{
    g_queue_push_tail(&s->requests, r);
    if (!s->pending) {
        s->pending = true;
        qmp_session_ref(s);
        g_queue_push_tail(&pending_sessions, s);
    }
    qmp_dispatcher_kick();
}

/* Called with qmp_lock held: may one more request go to the main thread? */
static bool qmp_session_has_room(QMPSession *s)
{
    if (s->oob) {
        return s->requests.length < QMP_REQ_QUEUE_LEN_MAX;
    }
    return !s->requests.length && !s->running;
}

/* OOB commands are safe in any thread and without the BQL. */
static void qmp_session_run_oob(QMPSession *s, QMPRequest *r)
{
    json_t *rsp = qmp_dispatch(s, r->req);

    qmp_session_send(s, rsp);
    json_decref(rsp);
    qmp_request_free(r);
}

/*
 * Called with qmp_lock held: move requests from the backlog to the queue
 * while it has room.  OOB requests met on the way go to @oob, to be run
 * once the lock is dropped: they waited behind a full queue, as they
 * would have waited unread in QEMU's socket.  Returns true when the
 * caller must schedule the resumption of input.
 */
static bool qmp_session_refill(QMPSession *s, GQueue *oob)
{
    QMPRequest *r;

    while ((r = g_queue_peek_head(&s->backlog))) {
        if (!r->err && s->oob && qmp_request_is_oob(r->req)) {
            g_queue_push_tail(oob, g_queue_pop_head(&s->backlog));
        } else if (qmp_session_has_room(s)) {
            qmp_session_enqueue(s, g_queue_pop_head(&s->backlog));
        } else {
            break;
        }
    }
    if (s->paused && !s->resume_scheduled && !s->closed &&
        s->backlog.length < QMP_BACKLOG_PAUSE / 2) {
        s->resume_scheduled = true;
        qmp_session_ref(s);
        return true;
    }
    return false;
}

/* In the reading thread: the backlog has room again; read on. */
static void qmp_session_resume(void *opaque)
{
    QMPSession *s = opaque;
    bool closed;

    g_mutex_lock(&qmp_lock);
    s->resume_scheduled = false;
    closed = s->closed;
    s->paused = closed;
    g_mutex_unlock(&qmp_lock);
    if (!closed) {
        qemu_chr_accept_input(s->mon->chr, s->conn, true);
    }
    qmp_session_unref(s);
}

/* Outside qmp_lock: what qmp_session_refill() left to do. */
static void qmp_session_after_refill(QMPSession *s, GQueue *oob,
                                     bool resume)
{
    QMPRequest *r;

    while ((r = g_queue_pop_head(oob))) {
        qmp_session_run_oob(s, r);
    }
    if (resume) {
        qemu_context_schedule(qmp_session_context(s), qmp_session_resume, s);
    }
}

/*
 * One parsed value, in the reading thread.  An OOB request with nothing
 * waiting ahead of it runs now; an in-band one goes to the main thread's
 * queue if there is room, else to the backlog, and a long backlog stops
 * the input.
 */
static void qmp_session_emit(void *opaque, json_t *value, Error *err)
{
    QMPSession *s = opaque;
    QMPRequest *r = g_new0(QMPRequest, 1);
    bool pause = false;

    r->req = value;
    r->err = err;
    g_mutex_lock(&qmp_lock);
    if (!s->backlog.length && !r->err && s->oob &&
        qmp_request_is_oob(r->req)) {
        g_mutex_unlock(&qmp_lock);
        qmp_session_run_oob(s, r);
        return;
    }
    if (!s->backlog.length && qmp_session_has_room(s)) {
        qmp_session_enqueue(s, r);
    } else {
        g_queue_push_tail(&s->backlog, r);
        if (s->backlog.length >= QMP_BACKLOG_PAUSE && !s->paused) {
            s->paused = pause = true;
        }
    }
    g_mutex_unlock(&qmp_lock);
    if (pause) {
        qemu_chr_accept_input(s->mon->chr, s->conn, false);
    }
}

/* How many requests one dispatcher run takes before yielding. */
#define QMP_DISPATCH_BATCH 32

/*
 * Main thread, BQL held: in-band requests, round robin over sessions,
 * a batch at a time (one wake-up of the main thread serves every client
 * whose request came meanwhile).
 */
static void qmp_dispatcher(void *opaque)
{
    for (int n = 0; n < QMP_DISPATCH_BATCH; n++) {
        GQueue oob = G_QUEUE_INIT;
        QMPSession *s;
        QMPRequest *r;
        json_t *rsp;
        bool resume = false;

        g_mutex_lock(&qmp_lock);
        s = g_queue_pop_head(&pending_sessions);
        if (!s) {
            dispatch_scheduled = false;
            g_mutex_unlock(&qmp_lock);
            return;
        }
        r = g_queue_pop_head(&s->requests);
        if (!r) {
            /* Closed meanwhile: its requests were dropped. */
            s->pending = false;
            g_mutex_unlock(&qmp_lock);
            qmp_session_unref(s);
            continue;
        }
        if (s->requests.length) {
            g_queue_push_tail(&pending_sessions, s);
            qmp_session_ref(s);
        } else {
            s->pending = false;
        }
        s->running = true;
        /* With OOB a slot is free now, while the command runs. */
        if (s->oob) {
            resume = qmp_session_refill(s, &oob);
        }
        g_mutex_unlock(&qmp_lock);
        qmp_session_after_refill(s, &oob, resume);

        rsp = r->err ? qmp_error_reply(g_steal_pointer(&r->err))
                     : qmp_dispatch(s, r->req);
        qmp_request_free(r);
        if (rsp) {
            qmp_session_send(s, rsp);
            json_decref(rsp);
        }

        /* Without OOB the slot frees only now (qmp_capabilities may
         * have switched the mode: the current one applies). */
        g_mutex_lock(&qmp_lock);
        s->running = false;
        resume = qmp_session_refill(s, &oob);
        g_mutex_unlock(&qmp_lock);
        qmp_session_after_refill(s, &oob, resume);
        qmp_session_unref(s);
    }
    /* Let the rest of the main loop run; the next batch follows. */
    qemu_context_schedule(NULL, qmp_dispatcher, NULL);
}

static void monitor_qmp_read(void *opaque, int conn, const uint8_t *buf,
                             size_t len)
{
    MonitorQMP *mon = opaque;
    QMPSession *s;

    g_mutex_lock(&qmp_lock);
    s = g_hash_table_lookup(mon->sessions, GINT_TO_POINTER(conn));
    if (s) {
        qmp_session_ref(s);
    }
    g_mutex_unlock(&qmp_lock);
    if (s) {
        json_framer_feed(&s->framer, (const char *)buf, len);
        qmp_session_unref(s);
    }
}

/* Called with qmp_lock held: the session's pending work is dropped. */
static void qmp_session_close(QMPSession *s)
{
    s->closed = true;
    g_queue_clear_full(&s->requests, (GDestroyNotify)qmp_request_free);
    g_queue_clear_full(&s->backlog, (GDestroyNotify)qmp_request_free);
}

static void monitor_qmp_event(void *opaque, int conn, ChrEvent event)
{
    MonitorQMP *mon = opaque;
    QMPSession *s;
    json_t *greeting;

    switch (event) {
    case CHR_EVENT_OPENED:
        g_mutex_lock(&qmp_lock);
        if (g_hash_table_contains(mon->sessions, GINT_TO_POINTER(conn))) {
            g_mutex_unlock(&qmp_lock);
            return;
        }
        s = g_new0(QMPSession, 1);
        s->mon = mon;
        s->conn = conn;
        s->ref = 1;
        g_queue_init(&s->requests);
        g_queue_init(&s->backlog);
        json_framer_init(&s->framer, qmp_session_emit, s);
        g_hash_table_insert(mon->sessions, GINT_TO_POINTER(conn), s);
        g_mutex_unlock(&qmp_lock);
        greeting = json_pack("{s:{s:o,s:o}}", "QMP",
                             "version", qmp_version_info(),
                             "capabilities", qmp_offered_capabilities(mon));
        qmp_session_send(s, greeting);
        json_decref(greeting);
        break;
    case CHR_EVENT_CLOSED:
        g_mutex_lock(&qmp_lock);
        s = g_hash_table_lookup(mon->sessions, GINT_TO_POINTER(conn));
        if (s) {
            qmp_session_close(s);
            g_hash_table_remove(mon->sessions, GINT_TO_POINTER(conn));
        }
        g_mutex_unlock(&qmp_lock);
        break;
    }
}

bool monitor_new_qmp(Chardev *chr, Error **errp)
{
    MonitorQMP *mon;

    if (!qemu_chr_fe_claim(chr, errp)) {
        return false;
    }
    mon = g_new0(MonitorQMP, 1);
    mon->chr = chr;
    mon->use_io_thread = qemu_chr_has_gcontext(chr);
    mon->sessions = g_hash_table_new_full(NULL, NULL, NULL,
                                          (GDestroyNotify)qmp_session_unref);
    g_mutex_lock(&qmp_lock);
    monitors = g_list_append(monitors, mon);
    g_mutex_unlock(&qmp_lock);
    if (mon->use_io_thread) {
        qemu_chr_set_gcontext(chr, monitor_io_context());
    }
    qemu_chr_set_handlers(chr, monitor_qmp_read, monitor_qmp_event, mon);
    return true;
}

void monitor_qmp_cleanup_all(void)
{
    /* Nothing may read or answer while the sessions go away. */
    monitor_io_thread_stop();
    g_mutex_lock(&qmp_lock);
    while (pending_sessions.length) {
        QMPSession *s = g_queue_pop_head(&pending_sessions);

        s->pending = false;
        qmp_session_unref(s);
    }
    g_mutex_unlock(&qmp_lock);
    while (monitors) {
        MonitorQMP *mon = monitors->data;
        GHashTableIter it;
        gpointer value;

        monitors = g_list_remove(monitors, mon);
        qemu_chr_fe_release(mon->chr);
        if (mon->use_io_thread) {
            qemu_chr_set_gcontext(mon->chr, NULL);
        }
        g_hash_table_iter_init(&it, mon->sessions);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            qmp_session_close(value);
        }
        g_hash_table_destroy(mon->sessions);
        g_free(mon);
    }
    if (io_context) {
        g_main_loop_unref(io_loop);
        io_loop = NULL;
        g_main_context_unref(io_context);
        io_context = NULL;
    }
}
