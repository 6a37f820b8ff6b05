/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP against the real binary: negotiation, bad input, clients, chardevs. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include "libqtest.h"

static const char *err_class(json_t *rsp)
{
    return json_string_value(json_object_get(json_object_get(rsp, "error"),
                                             "class"));
}

static const char *err_desc(json_t *rsp)
{
    return json_string_value(json_object_get(json_object_get(rsp, "error"),
                                             "desc"));
}

static void assert_error(json_t *rsp, const char *cls, const char *desc)
{
    g_assert_nonnull(rsp);
    g_assert_null(json_object_get(rsp, "return"));
    g_assert_cmpstr(err_class(rsp), ==, cls);
    if (desc) {
        g_assert_cmpstr(err_desc(rsp), ==, desc);
    }
}

/* The monitor still serves: a command with a fresh id is answered. */
static void assert_alive(QTestState *qts)
{
    static int seq = 1000;
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"query-version\", "
                            "\"id\": %d}", ++seq);

    g_assert_nonnull(rsp);
    g_assert_nonnull(json_object_get(rsp, "return"));
    g_assert_cmpint(json_integer_value(json_object_get(rsp, "id")), ==, seq);
    json_decref(rsp);
}

static void test_greeting(void)
{
    QTestState *qts = qtest_init("-machine none");
    json_t *qmp = json_object_get(qtest_qmp_greeting(qts), "QMP");
    json_t *ver = json_object_get(qmp, "version");
    json_t *qemu = json_object_get(ver, "qemu");
    json_t *rsp;

    json_t *caps = json_pack("[s]", "oob");

    /* A socket monitor runs in the I/O thread, so it offers OOB. */
    g_assert_true(json_equal(json_object_get(qmp, "capabilities"), caps));
    json_decref(caps);
    g_assert_cmpint(json_integer_value(json_object_get(qemu, "major")), ==,
                    11);
    g_assert_cmpint(json_integer_value(json_object_get(qemu, "minor")), ==,
                    0);
    g_assert_cmpint(json_integer_value(json_object_get(qemu, "micro")), ==,
                    50);
    g_assert_true(json_is_string(json_object_get(ver, "package")));
    /* query-version has the greeting's shape. */
    rsp = qtest_qmp(qts, "{\"execute\": \"query-version\"}");
    g_assert_true(json_equal(json_object_get(rsp, "return"), ver));
    json_decref(rsp);
    qtest_quit(qts);
}

static void test_negotiation(void)
{
    QTestState *qts = qtest_init_raw("-machine none -accel qtest");
    json_t *rsp;

    rsp = qtest_qmp(qts, "{\"execute\": \"query-status\"}");
    assert_error(rsp, "CommandNotFound",
                 "Expecting capabilities negotiation with "
                 "'qmp_capabilities'");
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"no-such-command\"}");
    assert_error(rsp, "CommandNotFound",
                 "Expecting capabilities negotiation with "
                 "'qmp_capabilities'");
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"qmp_capabilities\", "
                    "\"arguments\": {\"enable\": [\"bogus\"]}}");
    assert_error(rsp, "GenericError", NULL);
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"qmp_capabilities\", \"id\": 7}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    g_assert_cmpint(json_object_size(json_object_get(rsp, "return")), ==, 0);
    g_assert_cmpint(json_integer_value(json_object_get(rsp, "id")), ==, 7);
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"qmp_capabilities\"}");
    assert_error(rsp, "CommandNotFound",
                 "Capabilities negotiation is already complete, command "
                 "ignored");
    json_decref(rsp);
    /* The id comes back verbatim, whatever JSON it is. */
    rsp = qtest_qmp(qts, "{\"execute\": \"query-status\", "
                    "\"id\": {\"a\": [1, \"x\", null, 2.5]}}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    {
        json_t *id = json_pack("{s:[i,s,n,f]}", "a", 1, "x", 2.5);

        g_assert_true(json_equal(json_object_get(rsp, "id"), id));
        json_decref(id);
    }
    json_decref(rsp);
    qtest_quit(qts);
}

typedef struct BadInput {
    const char *name;
    const char *data;        /* sent raw */
    const char *cls;
    const char *desc;        /* exact, or prefix when ending in '*' */
    bool has_id;
    int more;                /* further "JSON parse error" replies */
} BadInput;

static const BadInput bad_inputs[] = {
    { "unknown-command", "{\"execute\": \"query-foo\"}",
      "CommandNotFound", "The command query-foo has not been found" },
    { "unknown-command-id", "{\"execute\": \"foo\", \"id\": \"x\"}",
      "CommandNotFound", "The command foo has not been found", true },
    { "array", "[]", "GenericError", "QMP input must be a JSON object" },
    { "array-of-object", "[{\"execute\": \"query-status\"}]",
      "GenericError", "QMP input must be a JSON object" },
    { "number", "42\n", "GenericError", "QMP input must be a JSON object" },
    { "string", "\"query-status\"", "GenericError",
      "QMP input must be a JSON object" },
    { "literal", "true\n", "GenericError",
      "QMP input must be a JSON object" },
    { "empty-object", "{}", "GenericError",
      "QMP input lacks member 'execute'" },
    { "only-arguments", "{\"arguments\": {}}", "GenericError",
      "QMP input lacks member 'execute'" },
    { "execute-number", "{\"execute\": 1}", "GenericError",
      "QMP input member 'execute' must be a string" },
    { "execute-null", "{\"execute\": null}", "GenericError",
      "QMP input member 'execute' must be a string" },
    { "execute-array", "{\"execute\": [\"query-status\"]}", "GenericError",
      "QMP input member 'execute' must be a string" },
    { "arguments-array",
      "{\"execute\": \"query-status\", \"arguments\": []}", "GenericError",
      "QMP input member 'arguments' must be an object" },
    { "arguments-string",
      "{\"execute\": \"query-status\", \"arguments\": \"x\"}",
      "GenericError", "QMP input member 'arguments' must be an object" },
    { "unknown-key", "{\"execute\": \"query-status\", \"foo\": 1}",
      "GenericError", "QMP input member 'foo' is unexpected" },
    { "exec-oob-not-enabled",
      "{\"exec-oob\": \"query-status\", \"id\": 1}", "GenericError",
      "QMP input member 'exec-oob' is unexpected", true },
    { "unexpected-argument",
      "{\"execute\": \"query-status\", \"arguments\": {\"x\": 1}}",
      "GenericError", "Parameter 'x' is unexpected" },
    { "missing-argument",
      "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/\"}}",
      "GenericError", "Parameter 'property' is missing" },
    { "wrong-argument-type",
      "{\"execute\": \"qom-get\", \"arguments\": "
      "{\"path\": 1, \"property\": \"type\"}}",
      "GenericError", "Invalid parameter type for 'path', expected: string" },
    { "bad-enum",
      "{\"execute\": \"object-add\", \"arguments\": "
      "{\"qom-type\": \"no-such-type\", \"id\": \"x\"}}",
      "GenericError",
      "Parameter 'qom-type' does not accept value 'no-such-type'" },
    { "missing-path", "{\"execute\": \"qom-list\", \"arguments\": "
      "{\"path\": \"/no/such/path\"}}",
      "DeviceNotFound", "Device '/no/such/path' not found" },
    { "syntax-missing-value", "{\"execute\": }", "GenericError",
      "JSON parse error, *" },
    { "syntax-missing-colon", "{\"execute\" \"query-status\"}",
      "GenericError", "JSON parse error, *" },
    { "syntax-trailing-comma", "{\"execute\": \"query-status\",}",
      "GenericError", "JSON parse error, *" },
    { "syntax-mismatched-bracket", "{\"execute\": \"query-status\"]",
      "GenericError", "JSON parse error, *" },
    { "stray-close", "}", "GenericError", "JSON parse error, *" },
    { "stray-bytes", "@@@\n", "GenericError", "JSON parse error, *" },
    { "bad-literal", "\xff\xfe garbage\n", "GenericError",
      "JSON parse error, *" },
    { "invalid-utf8", "{\"execute\": \"\xc3\x28\"}", "GenericError",
      "JSON parse error, *" },
    /* As in QEMU, the bad byte ends the value and its '}' is stray. */
    { "control-char-in-string", "{\"execute\": \"a\x01" "b\"}",
      "GenericError", "JSON parse error, stray '\\x01'", false, 1 },
    { "newline-in-string", "{\"execute\": \"x\", \"id\": \"\n",
      "GenericError", "JSON parse error, stray '\\x0A'" },
    { "control-char-in-object", "{\x01", "GenericError",
      "JSON parse error, stray '\\x01'" },
    { "interpolation", "%p", "GenericError",
      "JSON parse error, stray '%'" },
    { "interpolation-in-object", "{\"execute\": %s}", "GenericError",
      "JSON parse error, stray '%'", false, 1 },
    { "bad-escape", "{\"execute\": \"\\u00\"}", "GenericError",
      "JSON parse error, *" },
    { "reset-byte-mid-value", "{\"execute\": \"query-st\xff",
      "GenericError", "JSON parse error, *" },
};

static void check_bad_input(QTestState *qts, const BadInput *bi)
{
    json_t *rsp;
    const char *desc;

    g_test_message("bad input: %s", bi->name);
    qtest_qmp_send_raw(qts, bi->data, strlen(bi->data));
    rsp = qtest_qmp_receive(qts);
    g_assert_nonnull(rsp);
    assert_error(rsp, bi->cls, NULL);
    desc = err_desc(rsp);
    if (g_str_has_suffix(bi->desc, "*")) {
        g_autofree char *prefix = g_strndup(bi->desc, strlen(bi->desc) - 1);

        g_assert_true(g_str_has_prefix(desc, prefix));
    } else {
        g_assert_cmpstr(desc, ==, bi->desc);
    }
    g_assert_true(!!json_object_get(rsp, "id") == bi->has_id);
    json_decref(rsp);
    for (int i = 0; i < bi->more; i++) {
        rsp = qtest_qmp_receive(qts);
        assert_error(rsp, "GenericError", NULL);
        g_assert_true(g_str_has_prefix(err_desc(rsp), "JSON parse error, "));
        json_decref(rsp);
    }
    assert_alive(qts);
}

static void test_malformed(void)
{
    QTestState *qts = qtest_init("-machine none");

    for (size_t i = 0; i < G_N_ELEMENTS(bad_inputs); i++) {
        check_bad_input(qts, &bad_inputs[i]);
    }
    g_test_message("malformed-input cases: %zu",
                   G_N_ELEMENTS(bad_inputs) + 3);
    qtest_quit(qts);
}

static void test_limits(void)
{
    QTestState *qts = qtest_init("-machine none");
    GString *in = g_string_new(NULL);
    json_t *rsp;

    /* Nesting: 1025 levels refused, then the rest of it is skipped. */
    for (int i = 0; i < 1025; i++) {
        g_string_append_c(in, '[');
    }
    for (int i = 0; i < 1025; i++) {
        g_string_append_c(in, ']');
    }
    qtest_qmp_send_raw(qts, in->str, in->len);
    rsp = qtest_qmp_receive(qts);
    assert_error(rsp, "GenericError", "JSON nesting depth limit exceeded");
    json_decref(rsp);
    assert_alive(qts);

    /* Size: a 65 MiB string. */
    g_string_assign(in, "{\"execute\": \"query-status\", \"id\": \"");
    for (size_t i = 0; i < 65 * 1024 * 1024; i++) {
        g_string_append_c(in, 'a');
    }
    g_string_append(in, "\"}");
    qtest_qmp_send_raw(qts, in->str, in->len);
    rsp = qtest_qmp_receive(qts);
    assert_error(rsp, "GenericError", "JSON token size limit exceeded");
    json_decref(rsp);
    assert_alive(qts);

    /* Token count: an array of 2 Mi + 1 numbers. */
    g_string_assign(in, "[");
    for (size_t i = 0; i < 2 * 1024 * 1024; i++) {
        g_string_append(in, "1,");
    }
    g_string_append(in, "1]");
    qtest_qmp_send_raw(qts, in->str, in->len);
    rsp = qtest_qmp_receive(qts);
    assert_error(rsp, "GenericError", "JSON token count limit exceeded");
    json_decref(rsp);
    assert_alive(qts);
    g_string_free(in, TRUE);
    qtest_quit(qts);
}

static void test_split_input(void)
{
    QTestState *qts = qtest_init("-machine none");
    const char *cmd = "{\"execute\": \"query-status\", \"id\": \"split\"}"
                      "{'execute': 'query-version', 'id': 'single'}";
    json_t *rsp;

    /* One byte per write: values end wherever the stream says. */
    for (const char *p = cmd; *p; p++) {
        qtest_qmp_send_raw(qts, p, 1);
        g_usleep(200);
    }
    rsp = qtest_qmp_receive(qts);
    g_assert_cmpstr(json_string_value(json_object_get(rsp, "id")), ==,
                    "split");
    g_assert_true(json_is_boolean(json_object_get(json_object_get(rsp,
                                                   "return"), "running")));
    json_decref(rsp);
    rsp = qtest_qmp_receive(qts);
    g_assert_cmpstr(json_string_value(json_object_get(rsp, "id")), ==,
                    "single");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    qtest_quit(qts);
}

/* A raw QMP client on an extra -qmp socket. */
typedef struct Client {
    int fd;
    GString *buf;
} Client;

static Client *client_connect(const char *path)
{
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    Client *c = g_new0(Client, 1);

    c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(c->fd, >=, 0);
    strcpy(un.sun_path, path);
    g_assert_cmpint(connect(c->fd, (struct sockaddr *)&un, sizeof(un)), ==,
                    0);
    c->buf = g_string_new(NULL);
    return c;
}

static json_t *client_recv(Client *c)
{
    for (;;) {
        char *nl = memchr(c->buf->str, '\n', c->buf->len);
        char chunk[4096];
        ssize_t n;

        if (nl) {
            json_t *msg = json_loadb(c->buf->str, nl - c->buf->str, 0, NULL);

            g_string_erase(c->buf, 0, nl - c->buf->str + 1);
            g_assert_nonnull(msg);
            return msg;
        }
        n = read(c->fd, chunk, sizeof(chunk));
        g_assert_cmpint(n, >, 0);
        g_string_append_len(c->buf, chunk, n);
    }
}

static json_t *client_cmd(Client *c, const char *cmd)
{
    g_assert_cmpint(write(c->fd, cmd, strlen(cmd)), ==, strlen(cmd));
    for (;;) {
        json_t *msg = client_recv(c);

        if (!json_object_get(msg, "event")) {
            return msg;
        }
        json_decref(msg);
    }
}

static void client_close(Client *c)
{
    close(c->fd);
    g_string_free(c->buf, TRUE);
    g_free(c);
}

static void test_several_clients(void)
{
    char *path = g_strdup_printf("%s/qmp-test-%d.sock", g_get_tmp_dir(),
                                 getpid());
    char *args = g_strdup_printf("-machine none -qmp unix:%s,server=on,"
                                 "wait=off", path);
    QTestState *qts = qtest_init(args);
    Client *c[3];
    struct stat st;
    json_t *rsp;

    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_true(S_ISSOCK(st.st_mode));
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    for (int i = 0; i < 3; i++) {
        json_t *greeting;

        c[i] = client_connect(path);
        greeting = client_recv(c[i]);
        g_assert_nonnull(json_object_get(greeting, "QMP"));
        json_decref(greeting);
    }
    /* Negotiation is per session: c[1] and c[2] stay in it for now. */
    rsp = client_cmd(c[0], "{\"execute\": \"qmp_capabilities\"}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    rsp = client_cmd(c[1], "{\"execute\": \"query-status\"}");
    assert_error(rsp, "CommandNotFound", NULL);
    json_decref(rsp);
    for (int i = 1; i < 3; i++) {
        rsp = client_cmd(c[i], "{\"execute\": \"qmp_capabilities\"}");
        g_assert_nonnull(json_object_get(rsp, "return"));
        json_decref(rsp);
    }
    /* Interleaved requests: each session gets its own reply. */
    for (int i = 0; i < 3; i++) {
        char *cmd = g_strdup_printf("{\"execute\": \"query-status\", "
                                    "\"id\": %d}", i);

        g_assert_cmpint(write(c[i]->fd, cmd, strlen(cmd)), >, 0);
        g_free(cmd);
    }
    for (int i = 2; i >= 0; i--) {
        rsp = client_recv(c[i]);
        g_assert_cmpint(json_integer_value(json_object_get(rsp, "id")), ==,
                        i);
        json_decref(rsp);
    }
    /* Events reach every negotiated session, with a timestamp. */
    rsp = qtest_qmp(qts, "{\"execute\": \"stop\"}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    for (int i = 0; i < 3; i++) {
        json_t *ev = client_recv(c[i]);
        json_t *ts = json_object_get(ev, "timestamp");

        g_assert_cmpstr(json_string_value(json_object_get(ev, "event")), ==,
                        "STOP");
        g_assert_cmpint(json_integer_value(json_object_get(ts, "seconds")),
                        >, 0);
        g_assert_true(json_is_integer(json_object_get(ts, "microseconds")));
        json_decref(ev);
    }
    json_decref(qtest_qmp_eventwait(qts, "STOP"));
    rsp = qtest_qmp(qts, "{\"execute\": \"query-status\"}");
    g_assert_true(json_is_false(json_object_get(json_object_get(rsp,
                                                 "return"), "running")));
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"cont\"}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    json_decref(qtest_qmp_eventwait(qts, "RESUME"));

    /* One client leaving does not disturb the others. */
    client_close(c[1]);
    rsp = client_cmd(c[2], "{\"execute\": \"query-version\"}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    assert_alive(qts);
    client_close(c[0]);
    client_close(c[2]);
    qtest_quit(qts);
    /* The socket file goes away with the process. */
    g_assert_cmpint(stat(path, &st), ==, -1);
    g_free(args);
    g_free(path);
}

static void test_commands(void)
{
    QTestState *qts = qtest_init("-machine none");
    static const char *const needed[] = {
        "qmp_capabilities", "query-version", "query-commands",
        "query-status", "query-qmp-schema", "stop", "cont", "quit",
        "object-add", "object-del", "qom-list", "qom-get", "qom-set",
        "qom-list-types", "qom-list-properties", "query-memdev",
    };
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"query-commands\"}");
    json_t *list = json_object_get(rsp, "return");

    for (size_t i = 0; i < G_N_ELEMENTS(needed); i++) {
        bool found = false;
        size_t j;
        json_t *e;

        json_array_foreach(list, j, e) {
            found |= !g_strcmp0(json_string_value(json_object_get(e, "name")),
                                needed[i]);
        }
        g_assert_true(found);
    }
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"query-qmp-schema\"}");
    list = json_object_get(rsp, "return");
    g_assert_cmpuint(json_array_size(list), >, 10);
    {
        bool found = false;
        size_t j;
        json_t *e;

        json_array_foreach(list, j, e) {
            g_assert_true(json_is_string(json_object_get(e, "meta-type")));
            if (!g_strcmp0(json_string_value(json_object_get(e, "name")),
                           "query-memdev")) {
                found = true;
                g_assert_cmpstr(json_string_value(json_object_get(e,
                                "meta-type")), ==, "command");
            }
        }
        g_assert_true(found);
    }
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"query-status\"}");
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(rsp,
                    "return"), "status")), ==, "running");
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"human-monitor-command\", "
                    "\"arguments\": {\"command-line\": \"info nothing\"}}");
    /* As QEMU: HMP's own complaint is the command's successful output. */
    g_assert_cmpstr(json_string_value(json_object_get(rsp, "return")), ==,
                    "unknown command: 'info nothing'\r\n");
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"system_powerdown\"}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    rsp = qtest_qmp_eventwait(qts, "POWERDOWN");
    g_assert_nonnull(json_object_get(rsp, "timestamp"));
    g_assert_null(json_object_get(rsp, "data"));
    json_decref(rsp);
    qtest_quit(qts);
}

static void test_quit(void)
{
    QTestState *qts = qtest_init("-machine none");
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"quit\", \"id\": 1}");
    json_t *ev;
    int status;

    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    ev = qtest_qmp_eventwait(qts, "SHUTDOWN");
    g_assert_true(json_is_false(json_object_get(json_object_get(ev, "data"),
                                                "guest")));
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(ev,
                    "data"), "reason")), ==, "host-qmp-quit");
    json_decref(ev);
    status = qtest_wait_exit(qts);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    qtest_quit(qts);
}

static int free_tcp_port(void)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port;

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
    port = ntohs(sin.sin_port);
    close(fd);
    return port;
}

static Client *client_connect_tcp(int port)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    Client *c = g_new0(Client, 1);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(port);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    g_assert_cmpint(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)), ==,
                    0);
    c->buf = g_string_new(NULL);
    return c;
}

/* tcp (both spellings), file and null chardevs carry monitors too. */
static void test_chardev_backends(void)
{
    int port1 = free_tcp_port();
    int port2 = free_tcp_port();
    g_autofree char *file = g_strdup_printf("%s/qmp-test-%d.out",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *args = g_strdup_printf(
        "-machine none "
        "-chardev socket,id=t1,host=127.0.0.1,port=%d,server=on,wait=off "
        "-mon chardev=t1,mode=control "
        "-qmp tcp:127.0.0.1:%d,server=on,wait=off "
        "-chardev file,id=f1,path=%s -mon chardev=f1,mode=control "
        "-chardev null,id=n1 -mon chardev=n1,mode=control", port1, port2,
        file);
    QTestState *qts = qtest_init(args);
    int ports[] = { port1, port2 };
    g_autofree char *text = NULL;

    for (int i = 0; i < 2; i++) {
        Client *c = client_connect_tcp(ports[i]);
        json_t *msg = client_recv(c);

        g_assert_nonnull(json_object_get(msg, "QMP"));
        json_decref(msg);
        msg = client_cmd(c, "{\"execute\": \"qmp_capabilities\"}");
        g_assert_nonnull(json_object_get(msg, "return"));
        json_decref(msg);
        msg = client_cmd(c, "{\"execute\": \"query-status\"}");
        g_assert_nonnull(json_object_get(msg, "return"));
        json_decref(msg);
        client_close(c);
    }
    /* The file monitor got its greeting, "\r\n"-terminated. */
    g_assert_true(g_file_get_contents(file, &text, NULL, NULL));
    g_assert_true(g_str_has_prefix(text, "{\"QMP\": {\"version\": "));
    g_assert_true(g_str_has_suffix(text, "}}\r\n"));
    assert_alive(qts);
    qtest_quit(qts);
    unlink(file);
}

/* -qmp stdio: a whole session over the process's stdin/stdout. */
static void test_stdio(void)
{
    const char *argv[] = {
        qtest_qemu_binary(), "-machine", "none", "-accel", "qtest",
        "-display", "none", "-qmp", "stdio", NULL
    };
    /* stdio has no I/O thread: "oob" is not offered there. */
    const char *input = "{\"execute\": \"qmp_capabilities\", "
                        "\"arguments\": {\"enable\": [\"oob\"]}}\n"
                        "{\"execute\": \"qmp_capabilities\"}\n"
                        "{\"execute\": \"query-status\", \"id\": 5}\n"
                        "{\"execute\": \"quit\"}\n";
    GPid pid;
    int in_fd, out_fd;
    int status;
    g_autoptr(GString) out = g_string_new(NULL);
    char chunk[4096];
    ssize_t n;
    g_auto(GStrv) lines = NULL;
    json_t *msg;

    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                           NULL, &pid, &in_fd, &out_fd, NULL,
                                           NULL));
    g_assert_cmpint(write(in_fd, input, strlen(input)), ==, strlen(input));
    while ((n = read(out_fd, chunk, sizeof(chunk))) > 0) {
        g_string_append_len(out, chunk, n);
    }
    close(in_fd);
    close(out_fd);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    lines = g_strsplit(out->str, "\r\n", -1);
    g_assert_cmpuint(g_strv_length(lines), >=, 6);
    msg = json_loads(lines[0], 0, NULL);
    g_assert_cmpuint(json_array_size(json_object_get(
        json_object_get(msg, "QMP"), "capabilities")), ==, 0);
    json_decref(msg);
    msg = json_loads(lines[1], 0, NULL);
    assert_error(msg, "GenericError", "Capability oob not available");
    json_decref(msg);
    msg = json_loads(lines[3], 0, NULL);
    g_assert_cmpint(json_integer_value(json_object_get(msg, "id")), ==, 5);
    json_decref(msg);
    g_assert_nonnull(strstr(out->str, "\"event\": \"SHUTDOWN\""));
}

/* server=on without wait=off: start-up waits for the first client. */
static void test_server_wait(void)
{
    g_autofree char *path = g_strdup_printf("%s/qmp-wait-%d.sock",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on", path);
    const char *argv[] = {
        qtest_qemu_binary(), "-machine", "none", "-accel", "qtest",
        "-display", "none", "-qmp", spec, NULL
    };
    GPid pid;
    int err_fd;
    int status;
    Client *c = NULL;
    json_t *msg;
    g_autoptr(GString) err = g_string_new(NULL);
    char chunk[1024];
    ssize_t n;

    unlink(path);
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                           NULL, &pid, NULL, NULL, &err_fd,
                                           NULL));
    /* The notice is printed before blocking in accept. */
    while (!strstr(err->str, "\n") &&
           (n = read(err_fd, chunk, sizeof(chunk))) > 0) {
        g_string_append_len(err, chunk, n);
    }
    g_assert_nonnull(strstr(err->str, "QEMU waiting for connection on: "
                            "disconnected:unix:"));
    c = client_connect(path);
    msg = client_recv(c);
    g_assert_nonnull(json_object_get(msg, "QMP"));
    json_decref(msg);
    msg = client_cmd(c, "{\"execute\": \"qmp_capabilities\"}");
    json_decref(msg);
    msg = client_cmd(c, "{\"execute\": \"quit\"}");
    g_assert_nonnull(json_object_get(msg, "return"));
    json_decref(msg);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    client_close(c);
    close(err_fd);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

/*
 * A chardev serves one front end: a qtest server on the monitor's own
 * chardev is refused (it would steal the monitor's input), at run time
 * and on the command line.
 */
static void test_chardev_in_use(void)
{
    QTestState *qts = qtest_init("-machine none");
    static const char *const cli[][8] = {
        { "-chardev", "null,id=c0", "-mon", "chardev=c0,mode=control",
          "-qtest", "chardev:c0", NULL },
        { "-chardev", "null,id=c0", "-mon", "chardev=c0,mode=control",
          "-mon", "chardev=c0,mode=control", NULL },
        { "-chardev", "null,id=c0", "-mon", "chardev=c0,mode=control",
          "-object", "qtest,id=q,chardev=c0", NULL },
    };
    g_autofree char *rsp_line = NULL;
    json_t *rsp;

    rsp = qtest_qmp(qts, "{\"execute\": \"object-add\", \"arguments\": "
                    "{\"qom-type\": \"qtest\", \"id\": \"q\", "
                    "\"chardev\": \"char0\"}}");
    assert_error(rsp, "GenericError", "Device 'char0' is in use");
    json_decref(rsp);
    assert_alive(qts);
    /* Nothing half-made is left behind. */
    rsp = qtest_qmp(qts, "{\"execute\": \"qom-list\", \"arguments\": "
                    "{\"path\": \"/objects/q\"}}");
    g_assert_nonnull(json_object_get(rsp, "error"));
    json_decref(rsp);
    /* The qtest connection that was there first still works too. */
    rsp_line = qtest_command(qts, "endianness");
    g_assert_true(g_str_has_prefix(rsp_line, "OK "));
    qtest_quit(qts);

    for (size_t i = 0; i < G_N_ELEMENTS(cli); i++) {
        const char *argv[16] = { "-machine", "none", "-accel", "qtest",
                                 "-display", "none" };
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;
        size_t n = 6;

        for (size_t j = 0; cli[i][j]; j++) {
            argv[n++] = cli[i][j];
        }
        g_assert_cmpint(qtest_run_binary(argv, &out, &err, 30), ==, 1);
        g_assert_nonnull(strstr(err, "Device 'c0' is in use"));
    }
}

/* A second QMP socket of the same process, and a client on it. */
static char *extra_qmp_path(const char *tag)
{
    return g_strdup_printf("%s/qmp-%s-%d.sock", g_get_tmp_dir(), tag,
                           getpid());
}

static Client *client_negotiate(const char *path, bool oob)
{
    Client *c = client_connect(path);
    json_t *msg = client_recv(c);

    g_assert_nonnull(json_object_get(msg, "QMP"));
    json_decref(msg);
    msg = client_cmd(c, oob ? "{\"execute\": \"qmp_capabilities\", "
                              "\"arguments\": {\"enable\": [\"oob\"]}}"
                            : "{\"execute\": \"qmp_capabilities\"}");
    g_assert_nonnull(json_object_get(msg, "return"));
    json_decref(msg);
    return c;
}

/* Request-shape rules once OOB is on; texts as QEMU answers them. */
static void test_oob_rules(void)
{
    static const struct {
        const char *req;
        const char *cls;
        const char *desc;
    } rows[] = {
        { "{\"exec-oob\": 1, \"id\": 1}", "GenericError",
          "QMP input member 'exec-oob' must be a string" },
        { "{\"arguments\": 1, \"exec-oob\": 1, \"id\": 1}", "GenericError",
          "QMP input member 'exec-oob' must be a string" },
        { "{\"execute\": 1, \"exec-oob\": 1, \"id\": 1}", "GenericError",
          "QMP input member 'exec-oob' must be a string" },
        { "{\"execute\": \"query-name\", \"exec-oob\": \"query-name\", "
          "\"id\": 1}", "GenericError",
          "QMP input member 'execute' clashes with 'exec-oob'" },
        { "{\"exec-oob\": \"query-name\", \"execute\": \"query-name\", "
          "\"id\": 1}", "GenericError",
          "QMP input member 'execute' clashes with 'exec-oob'" },
        { "{\"arguments\": 1, \"execute\": 1, \"id\": 1}", "GenericError",
          "QMP input member 'execute' must be a string" },
        { "{\"exec-oob\": \"query-status\", \"id\": 1}", "GenericError",
          "The command query-status does not support OOB" },
        { "{\"exec-oob\": \"qmp_capabilities\", \"id\": 1}", "GenericError",
          "The command qmp_capabilities does not support OOB" },
        { "{\"exec-oob\": \"no-such-command\", \"id\": 1}",
          "CommandNotFound", "The command no-such-command has not been found" },
        { "{\"exec-oob\": \"query-yank\", \"bogus\": 1, \"id\": 1}",
          "GenericError", "QMP input member 'bogus' is unexpected" },
        { "{\"exec-oob\": \"yank\", \"id\": 1}", "GenericError",
          "Parameter 'instances' is missing" },
        { "{\"execute\": \"qmp_capabilities\", \"id\": 1}", "CommandNotFound",
          "Capabilities negotiation is already complete, command ignored" },
    };
    g_autofree char *path = extra_qmp_path("oob-rules");
    g_autofree char *args = g_strdup_printf(
        "-machine none -qmp unix:%s,server=on,wait=off", path);
    QTestState *qts = qtest_init(args);
    Client *c = client_negotiate(path, true);

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        json_t *rsp = client_cmd(c, rows[i].req);

        g_test_message("%s", rows[i].req);
        assert_error(rsp, rows[i].cls, rows[i].desc);
        g_assert_cmpint(json_integer_value(json_object_get(rsp, "id")), ==,
                        1);
        json_decref(rsp);
    }
    client_close(c);

    /* Without the capability "exec-oob" is no member at all. */
    c = client_negotiate(path, false);
    {
        json_t *rsp = client_cmd(c, "{\"exec-oob\": \"query-yank\"}");

        assert_error(rsp, "GenericError",
                     "QMP input member 'exec-oob' is unexpected");
        json_decref(rsp);
    }
    client_close(c);
    assert_alive(qts);
    qtest_quit(qts);
}

/* Pipelined in-band requests: all answered, in order, with and without
 * OOB (queue limits, paused input and the backlog all on the way). */
static void test_oob_flow(void)
{
    g_autofree char *path = extra_qmp_path("oob-flow");
    g_autofree char *args = g_strdup_printf(
        "-machine none -qmp unix:%s,server=on,wait=off", path);
    QTestState *qts = qtest_init(args);

    for (int oob = 0; oob < 2; oob++) {
        Client *c = client_negotiate(path, oob);
        g_autoptr(GString) burst = g_string_new(NULL);

        for (int i = 0; i < 40; i++) {
            g_string_append_printf(burst, "{\"execute\": \"query-name\", "
                                   "\"id\": %d}", i);
            if (i == 20) {
                /* A malformed request keeps its place in line. */
                g_string_append(burst, "{\"id\": \"bad\"}");
            }
        }
        g_assert_cmpint(write(c->fd, burst->str, burst->len), ==,
                        burst->len);
        for (int i = 0; i < 41; i++) {
            json_t *rsp = client_recv(c);
            json_t *id = json_object_get(rsp, "id");

            if (i == 21) {
                g_assert_cmpstr(json_string_value(id), ==, "bad");
                assert_error(rsp, "GenericError",
                             "QMP input lacks member 'execute'");
            } else {
                g_assert_cmpint(json_integer_value(id), ==,
                                i < 21 ? i : i - 1);
                g_assert_nonnull(json_object_get(rsp, "return"));
            }
            json_decref(rsp);
        }
        client_close(c);
    }

    /* A client leaving with requests still queued loses only those. */
    for (int round = 0; round < 5; round++) {
        Client *c = client_negotiate(path, round & 1);
        g_autoptr(GString) burst = g_string_new(NULL);

        for (int i = 0; i < 30; i++) {
            g_string_append(burst, "{\"execute\": \"query-status\"}");
        }
        g_assert_cmpint(write(c->fd, burst->str, burst->len), ==,
                        burst->len);
        client_close(c);
    }
    assert_alive(qts);
    qtest_quit(qts);
}

/* yank and query-yank: every socket chardev, out of band. */
static void test_yank(void)
{
    g_autofree char *path = extra_qmp_path("yank");
    g_autofree char *path2 = extra_qmp_path("yank2");
    g_autofree char *args = g_strdup_printf(
        "-machine none -chardev socket,id=qmpy,path=%s,server=on,wait=off "
        "-mon chardev=qmpy,mode=control "
        "-chardev socket,id=spare,path=%s,server=on,wait=off "
        "-mon chardev=spare,mode=control "
        "-chardev null,id=nothing", path, path2);
    QTestState *qts = qtest_init(args);
    Client *c = client_negotiate(path, true);
    Client *victim;
    json_t *rsp, *list, *inst;
    size_t i;
    bool seen_qmpy = false, seen_spare = false;

    rsp = client_cmd(c, "{\"exec-oob\": \"query-yank\", \"id\": 2}");
    list = json_object_get(rsp, "return");
    g_assert_true(json_is_array(list));
    json_array_foreach(list, i, inst) {
        const char *id = json_string_value(json_object_get(inst, "id"));

        g_assert_cmpuint(json_object_size(inst), ==, 2);
        g_assert_cmpstr(json_string_value(json_object_get(inst, "type")), ==,
                        "chardev");
        g_assert_cmpstr(id, !=, "nothing");
        seen_qmpy |= !strcmp(id, "qmpy");
        seen_spare |= !strcmp(id, "spare");
    }
    g_assert_true(seen_qmpy && seen_spare);
    json_decref(rsp);

    /* All or nothing: one unknown instance and nobody is yanked. */
    rsp = client_cmd(c, "{\"exec-oob\": \"yank\", \"arguments\": "
                     "{\"instances\": [{\"type\": \"chardev\", \"id\": "
                     "\"qmpy\"}, {\"type\": \"chardev\", \"id\": "
                     "\"nothing\"}]}}");
    assert_error(rsp, "DeviceNotFound", "Instance not found");
    json_decref(rsp);
    rsp = client_cmd(c, "{\"exec-oob\": \"yank\", \"arguments\": "
                     "{\"instances\": [{\"type\": \"block-node\", "
                     "\"node-name\": \"n0\"}]}}");
    assert_error(rsp, "DeviceNotFound", "Instance not found");
    json_decref(rsp);
    rsp = client_cmd(c, "{\"execute\": \"yank\", \"arguments\": "
                     "{\"instances\": []}}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);

    /* Yanking 'spare' cuts its client loose; it still listens. */
    victim = client_connect(path2);
    /* Its greeting says the connection was accepted. */
    json_decref(client_recv(victim));
    rsp = client_cmd(c, "{\"exec-oob\": \"yank\", \"arguments\": "
                     "{\"instances\": [{\"type\": \"chardev\", \"id\": "
                     "\"spare\"}]}}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    {
        char b;

        g_assert_cmpint(read(victim->fd, &b, 1), ==, 0);
    }
    client_close(victim);
    victim = client_negotiate(path2, false);
    client_close(victim);

    /* Yanking our own monitor: the reply is lost with the connection. */
    {
        static const char self[] = "{\"exec-oob\": \"yank\", \"arguments\": "
            "{\"instances\": [{\"type\": \"chardev\", \"id\": \"qmpy\"}]}}";
        char chunk[256];

        g_assert_cmpint(write(c->fd, self, strlen(self)), ==, strlen(self));

        while (read(c->fd, chunk, sizeof(chunk)) > 0) {
            /* drain until EOF */
        }
    }
    client_close(c);
    c = client_negotiate(path, false);
    client_close(c);
    assert_alive(qts);
    qtest_quit(qts);
}

/*
 * The point of OOB: while the main thread is blocked in an in-band
 * command (blkdebug reading its config from a FIFO nobody writes yet),
 * exec-oob commands are answered, and one of them frees another
 * monitor's client; in-band requests wait their turn, in order.
 */
static void test_oob_overtakes(void)
{
    g_autofree char *dir = g_dir_make_tmp("qmp-oob-XXXXXX", NULL);
    g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
    g_autofree char *path = extra_qmp_path("oob-over");
    g_autofree char *path2 = extra_qmp_path("oob-over2");
    g_autofree char *args = g_strdup_printf(
        "-machine none -qmp unix:%s,server=on,wait=off "
        "-chardev socket,id=other,path=%s,server=on,wait=off "
        "-mon chardev=other,mode=control", path, path2);
    g_autofree char *block = NULL;
    QTestState *qts = qtest_init(args);
    Client *c = client_negotiate(path, true);
    Client *stuck = client_negotiate(path2, false);
    json_t *rsp;
    int fd;
    char b;

    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    block = g_strdup_printf("{\"execute\": \"blockdev-add\", \"id\": \"blk\", "
                            "\"arguments\": {\"driver\": \"blkdebug\", "
                            "\"node-name\": \"b0\", \"config\": \"%s\", "
                            "\"image\": {\"driver\": \"null-co\"}}}", fifo);
    g_assert_cmpint(write(c->fd, block, strlen(block)), ==, strlen(block));
    {
        static const char ib[] = "{\"execute\": \"query-name\", "
                                 "\"id\": \"ib\"}";

        g_assert_cmpint(write(c->fd, ib, strlen(ib)), ==, strlen(ib));
    }

    /*
     * Answered although blockdev-add cannot finish before the FIFO gets
     * a writer, which only happens below.
     */
    rsp = client_cmd(c, "{\"exec-oob\": \"query-yank\", \"id\": \"oob1\"}");
    g_assert_cmpstr(json_string_value(json_object_get(rsp, "id")), ==,
                    "oob1");
    g_assert_true(json_is_array(json_object_get(rsp, "return")));
    json_decref(rsp);
    rsp = client_cmd(c, "{\"exec-oob\": \"yank\", \"id\": \"oob2\", "
                     "\"arguments\": {\"instances\": [{\"type\": "
                     "\"chardev\", \"id\": \"other\"}]}}");
    g_assert_cmpstr(json_string_value(json_object_get(rsp, "id")), ==,
                    "oob2");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    g_assert_cmpint(read(stuck->fd, &b, 1), ==, 0);
    client_close(stuck);

    /* Only now does blockdev-add get its config: it returns, then ib. */
    fd = open(fifo, O_WRONLY);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    rsp = client_recv(c);
    g_assert_cmpstr(json_string_value(json_object_get(rsp, "id")), ==,
                    "blk");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    rsp = client_recv(c);
    g_assert_cmpstr(json_string_value(json_object_get(rsp, "id")), ==,
                    "ib");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    client_close(c);
    assert_alive(qts);
    qtest_quit(qts);
    unlink(fifo);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_qemu_binary();
    g_test_add_func("/qmp/greeting", test_greeting);
    g_test_add_func("/qmp/negotiation", test_negotiation);
    g_test_add_func("/qmp/malformed", test_malformed);
    g_test_add_func("/qmp/limits", test_limits);
    g_test_add_func("/qmp/split-input", test_split_input);
    g_test_add_func("/qmp/several-clients", test_several_clients);
    g_test_add_func("/qmp/commands", test_commands);
    g_test_add_func("/qmp/quit", test_quit);
    g_test_add_func("/qmp/chardev-backends", test_chardev_backends);
    g_test_add_func("/qmp/stdio", test_stdio);
    g_test_add_func("/qmp/server-wait", test_server_wait);
    g_test_add_func("/qmp/chardev-in-use", test_chardev_in_use);
    g_test_add_func("/qmp/oob/rules", test_oob_rules);
    g_test_add_func("/qmp/oob/flow", test_oob_flow);
    g_test_add_func("/qmp/yank", test_yank);
    g_test_add_func("/qmp/oob/overtakes", test_oob_overtakes);
    return g_test_run();
}
