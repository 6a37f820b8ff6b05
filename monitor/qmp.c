/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP server: one session per chardev connection, framing, dispatch. */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"
#include "monitor/monitor.h"
#include "monitor/monitor-internal.h"
#include "monitor/json-framer.h"
#include "hw/boards.h"

struct MonitorQMP {
    Chardev *chr;
    GHashTable *sessions;       /* conn id -> QMPSession * */
};

struct QMPSession {
    MonitorQMP *mon;
    int conn;
    bool negotiated;
    JSONFramer framer;
};

static GList *monitors;          /* MonitorQMP * */
static QMPSession *cur_session;

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

json_t *qmp_offered_capabilities(void)
{
    return json_array();
}

char *qmp_format_message(json_t *msg, size_t *len)
{
    char *text = json_dumps(msg, JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
    char *line = g_strconcat(text, "\r\n", NULL);

    free(text);
    *len = strlen(line);
    return line;
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
    size_t len;
    char *line = qmp_format_message(msg, &len);

    for (GList *l = monitors; l; l = l->next) {
        MonitorQMP *mon = l->data;
        GHashTableIter it;
        gpointer value;

        g_hash_table_iter_init(&it, mon->sessions);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            QMPSession *s = value;

            if (s->negotiated) {
                qemu_chr_write_all(mon->chr, s->conn, (const uint8_t *)line,
                                   len);
            }
        }
    }
    g_free(line);
}

bool qmp_session_is_negotiated(QMPSession *s)
{
    return s->negotiated;
}

bool qmp_session_negotiate(QMPSession *s, json_t *enable, Error **errp)
{
    g_autoptr(GString) unavailable = NULL;
    size_t i;
    json_t *cap;

    /* The schema already checked the enum; nothing is offered. */
    json_array_foreach(enable, i, cap) {
        if (!unavailable) {
            unavailable = g_string_new(json_string_value(cap));
        } else {
            g_string_append_printf(unavailable, ", %s",
                                   json_string_value(cap));
        }
    }
    if (unavailable) {
        error_setg(errp, "Capability %s not available", unavailable->str);
        return false;
    }
    if (s) {
        s->negotiated = true;
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

/* The request-shape checks of QEMU's qmp_dispatch_check_obj(). */
static const char *qmp_check_request(json_t *req, Error **errp)
{
    const char *key;
    const char *name = NULL;
    json_t *v;

    if (!json_is_object(req)) {
        error_setg(errp, "QMP input must be a JSON object");
        return NULL;
    }
    json_object_foreach(req, key, v) {
        if (!strcmp(key, "execute")) {
            if (!json_is_string(v)) {
                error_setg(errp, "QMP input member 'execute' must be a "
                           "string");
                return NULL;
            }
            name = json_string_value(v);
        } else if (!strcmp(key, "arguments")) {
            if (!json_is_object(v)) {
                error_setg(errp, "QMP input member 'arguments' must be an "
                           "object");
                return NULL;
            }
        } else if (strcmp(key, "id")) {
            /* "exec-oob" included: out-of-band is not offered. */
            error_setg(errp, "QMP input member '%s' is unexpected", key);
            return NULL;
        }
    }
    if (!name) {
        error_setg(errp, "QMP input lacks member 'execute'");
        return NULL;
    }
    return name;
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

json_t *qmp_dispatch(QMPSession *s, json_t *req)
{
    Error *err = NULL;
    const QmpCommand *cmd;
    const char *name;
    json_t *args;
    json_t *ret = NULL;
    json_t *rsp;
    json_t *id = json_is_object(req) ? json_object_get(req, "id") : NULL;
    bool negotiated = !s || s->negotiated;

    name = qmp_check_request(req, &err);
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
    if (err) {
        json_decref(ret);
        rsp = qmp_error_reply(err);
    } else {
        rsp = json_pack("{s:o}", "return", ret ? ret : json_object());
    }
    if (id) {
        json_object_set(rsp, "id", id);
    }
    return rsp;
}

static void qmp_session_emit(void *opaque, json_t *value, Error *err)
{
    QMPSession *s = opaque;
    json_t *rsp;

    if (err) {
        rsp = qmp_error_reply(err);
    } else {
        rsp = qmp_dispatch(s, value);
        json_decref(value);
    }
    if (rsp) {
        qmp_session_send(s, rsp);
        json_decref(rsp);
    }
}

static void qmp_session_free(gpointer data)
{
    QMPSession *s = data;

    json_framer_destroy(&s->framer);
    g_free(s);
}

static void monitor_qmp_read(void *opaque, int conn, const uint8_t *buf,
                             size_t len)
{
    MonitorQMP *mon = opaque;
    QMPSession *s = g_hash_table_lookup(mon->sessions, GINT_TO_POINTER(conn));

    if (s) {
        json_framer_feed(&s->framer, (const char *)buf, len);
    }
}

static void monitor_qmp_event(void *opaque, int conn, ChrEvent event)
{
    MonitorQMP *mon = opaque;
    QMPSession *s;
    json_t *greeting;

    switch (event) {
    case CHR_EVENT_OPENED:
        if (g_hash_table_contains(mon->sessions, GINT_TO_POINTER(conn))) {
            return;
        }
        s = g_new0(QMPSession, 1);
        s->mon = mon;
        s->conn = conn;
        json_framer_init(&s->framer, qmp_session_emit, s);
        g_hash_table_insert(mon->sessions, GINT_TO_POINTER(conn), s);
        greeting = json_pack("{s:{s:o,s:o}}", "QMP",
                             "version", qmp_version_info(),
                             "capabilities", qmp_offered_capabilities());
        qmp_session_send(s, greeting);
        json_decref(greeting);
        break;
    case CHR_EVENT_CLOSED:
        g_hash_table_remove(mon->sessions, GINT_TO_POINTER(conn));
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
    mon->sessions = g_hash_table_new_full(NULL, NULL, NULL,
                                          qmp_session_free);
    monitors = g_list_append(monitors, mon);
    qemu_chr_set_handlers(chr, monitor_qmp_read, monitor_qmp_event, mon);
    return true;
}

void monitor_qmp_cleanup_all(void)
{
    while (monitors) {
        MonitorQMP *mon = monitors->data;

        monitors = g_list_remove(monitors, mon);
        qemu_chr_fe_release(mon->chr);
        g_hash_table_destroy(mon->sessions);
        g_free(mon);
    }
}
