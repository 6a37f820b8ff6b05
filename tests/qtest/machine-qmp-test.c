/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole replies of the connect-time QMP commands (query-machines & co.). */
#include "qemu/osdep.h"
#include <jansson.h>
#include "libqtest.h"

typedef struct ReplyCase {
    const char *name;
    const char *args;       /* command line */
    const char *cmd;        /* QMP command, JSON */
    const char *reply;      /* the whole expected reply, JSON */
} ReplyCase;

#define NONE "-nodefaults -machine none"
#define UUID "c0ffee00-1234-5678-9abc-def012345678"

static const ReplyCase cases[] = {
    { "query-machines", NONE, "{\"execute\": \"query-machines\"}",
      "{\"return\": ["
      "{\"name\": \"microvm\", \"is-default\": true, \"cpu-max\": 288,"
      " \"hotpluggable-cpus\": false, \"numa-mem-supported\": false,"
      " \"deprecated\": false, \"default-cpu-type\": \"qemu64-x86_64-cpu\","
      " \"default-ram-id\": \"microvm.ram\", \"acpi\": false},"
      "{\"name\": \"none\", \"cpu-max\": 1, \"hotpluggable-cpus\": false,"
      " \"numa-mem-supported\": false, \"deprecated\": false,"
      " \"default-ram-id\": \"ram\", \"acpi\": false}]}" },
    { "query-current-machine", NONE,
      "{\"execute\": \"query-current-machine\"}",
      "{\"return\": {\"wakeup-suspend-support\": false}}" },
    { "query-target", NONE, "{\"execute\": \"query-target\"}",
      "{\"return\": {\"arch\": \"x86_64\"}}" },
    { "query-kvm-qtest", NONE, "{\"execute\": \"query-kvm\"}",
      "{\"return\": {\"enabled\": false, \"present\": true}}" },
    { "query-name-unset", NONE, "{\"execute\": \"query-name\"}",
      "{\"return\": {}}" },
    { "query-name", NONE " -name guest=vm1,debug-threads=on",
      "{\"execute\": \"query-name\"}", "{\"return\": {\"name\": \"vm1\"}}" },
    { "query-name-implied", NONE " -name vm2",
      "{\"execute\": \"query-name\"}", "{\"return\": {\"name\": \"vm2\"}}" },
    { "query-uuid-unset", NONE, "{\"execute\": \"query-uuid\"}",
      "{\"return\": {\"UUID\": \"00000000-0000-0000-0000-000000000000\"}}" },
    { "query-uuid", NONE " -uuid " UUID, "{\"execute\": \"query-uuid\"}",
      "{\"return\": {\"UUID\": \"" UUID "\"}}" },
    { "query-cpus-fast-none", NONE, "{\"execute\": \"query-cpus-fast\"}",
      "{\"return\": []}" },
    { "query-hotpluggable-cpus", NONE,
      "{\"execute\": \"query-hotpluggable-cpus\"}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": "
      "\"machine does not support hot-plugging CPUs\"}}" },
    { "query-memory-size-summary-none", NONE,
      "{\"execute\": \"query-memory-size-summary\"}",
      "{\"return\": {\"base-memory\": 0}}" },
    { "query-memory-size-summary", NONE " -object memory-backend-ram,"
      "id=r,size=2M -machine memory-backend=r",
      "{\"execute\": \"query-memory-size-summary\"}",
      "{\"return\": {\"base-memory\": 2097152}}" },
    { "system_wakeup", NONE, "{\"execute\": \"system_wakeup\"}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": "
      "\"wake-up from suspend is not supported by this guest\"}}" },
    { "query-machines-bad-arg", NONE,
      "{\"execute\": \"query-machines\", \"arguments\": "
      "{\"compat-props\": 1}}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": "
      "\"Invalid parameter type for 'compat-props', expected: boolean\"}}" },
    { "qom-list-get-missing", NONE,
      "{\"execute\": \"qom-list-get\", \"arguments\": "
      "{\"paths\": [\"/machine\", \"/nope\"]}}",
      "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": "
      "\"Device '/nope' not found\"}}" },
    { "query-command-line-options-name", NONE,
      "{\"execute\": \"query-command-line-options\", \"arguments\": "
      "{\"option\": \"name\"}}",
      "{\"return\": [{\"parameters\": ["
      "{\"name\": \"guest\", \"type\": \"string\"},"
      "{\"name\": \"process\", \"type\": \"string\"},"
      "{\"name\": \"debug-threads\", \"type\": \"boolean\"}],"
      " \"option\": \"name\"}]}" },
    /* as QEMU 7.2 answers it */
    { "query-command-line-options-sandbox", NONE,
      "{\"execute\": \"query-command-line-options\", \"arguments\": "
      "{\"option\": \"sandbox\"}}",
      "{\"return\": [{\"parameters\": ["
      "{\"name\": \"resourcecontrol\", \"type\": \"string\"}, "
      "{\"name\": \"spawn\", \"type\": \"string\"}, "
      "{\"name\": \"elevateprivileges\", \"type\": \"string\"}, "
      "{\"name\": \"obsolete\", \"type\": \"string\"}, "
      "{\"name\": \"enable\", \"type\": \"boolean\"}], "
      "\"option\": \"sandbox\"}]}" },
    { "query-command-line-options-bad", NONE,
      "{\"execute\": \"query-command-line-options\", \"arguments\": "
      "{\"option\": \"nosuch\"}}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": "
      "\"invalid option name: nosuch\"}}" },
    { "qom-list-get", NONE " -object memory-backend-ram,id=m,size=64K",
      "{\"execute\": \"qom-list-get\", \"arguments\": "
      "{\"paths\": [\"/objects/m\"]}}", NULL },
};

static void check_case(gconstpointer data)
{
    const ReplyCase *c = data;
    QTestState *qts = qtest_init(c->args);
    json_t *rsp = qtest_qmp(qts, "%s", c->cmd);

    if (c->reply) {
        json_error_t jerr;
        json_t *want = json_loads(c->reply, 0, &jerr);
        g_autofree char *got = json_dumps(rsp, JSON_PRESERVE_ORDER);

        g_assert_nonnull(want);
        if (!json_equal(rsp, want)) {
            g_test_message("got %s", got);
        }
        g_assert_true(json_equal(rsp, want));
        json_decref(want);
    } else {
        /* Every property of the backend, each with the qom-get value. */
        json_t *props = json_object_get(json_array_get(
            json_object_get(rsp, "return"), 0), "properties");
        json_t *p;
        size_t i;

        g_assert_cmpuint(json_array_size(props), >, 5);
        json_array_foreach(props, i, p) {
            const char *name = json_string_value(json_object_get(p, "name"));
            json_t *one = qtest_qmp(qts, "{\"execute\": \"qom-get\", "
                                    "\"arguments\": {\"path\": "
                                    "\"/objects/m\", \"property\": \"%s\"}}",
                                    name);
            json_t *ret = json_object_get(one, "return");

            if (ret) {
                g_assert_true(json_equal(json_object_get(p, "value"), ret));
            } else {
                g_assert_null(json_object_get(p, "value"));
            }
            json_decref(one);
        }
    }
    json_decref(rsp);
    qtest_quit(qts);
}

static json_t *reply(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);

    g_assert_nonnull(v);
    return v;
}

static void assert_reply(json_t *rsp, const char *want_text)
{
    json_t *want = reply(want_text);
    g_autofree char *got = json_dumps(rsp, JSON_PRESERVE_ORDER);

    if (!json_equal(rsp, want)) {
        g_test_message("got %s", got);
    }
    g_assert_true(json_equal(rsp, want));
    json_decref(want);
    json_decref(rsp);
}

/* --preconfig: only allow-preconfig commands until x-exit-preconfig. */
static void test_preconfig(void)
{
    QTestState *qts = qtest_init(NONE " --preconfig");
    json_t *ev;

    assert_reply(qtest_qmp(qts, "{\"execute\": \"query-cpus-fast\"}"),
                 "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                 "\"The command 'query-cpus-fast' is permitted only after "
                 "machine initialization has completed\"}}");
    assert_reply(qtest_qmp(qts, "{\"execute\": \"query-status\"}"),
                 "{\"return\": {\"running\": false, "
                 "\"status\": \"prelaunch\"}}");
    assert_reply(qtest_qmp(qts, "{\"execute\": \"x-exit-preconfig\"}"),
                 "{\"return\": {}}");
    ev = qtest_qmp_eventwait(qts, "RESUME");
    json_decref(ev);
    assert_reply(qtest_qmp(qts, "{\"execute\": \"x-exit-preconfig\"}"),
                 "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                 "\"The command is permitted only before machine "
                 "initialization\"}}");
    assert_reply(qtest_qmp(qts, "{\"execute\": \"query-cpus-fast\"}"),
                 "{\"return\": []}");
    qtest_quit(qts);
}

/* system_reset is answered, then the RESET event says who asked. */
static void test_system_reset(void)
{
    QTestState *qts = qtest_init(NONE);
    json_t *ev, *want;

    assert_reply(qtest_qmp(qts, "{\"execute\": \"system_reset\"}"),
                 "{\"return\": {}}");
    ev = qtest_qmp_eventwait(qts, "RESET");
    want = json_pack("{s:b,s:s}", "guest", 0, "reason",
                     "host-qmp-system-reset");
    g_assert_true(json_equal(json_object_get(ev, "data"), want));
    json_decref(want);
    json_decref(ev);
    qtest_quit(qts);
}

/* One entry per -smp vCPU, one socket of one die, a core each. */
static void test_cpus_fast_microvm(void)
{
    QTestState *qts = qtest_init("-nodefaults -machine microvm -m 16M "
                                 "-smp 2");
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"query-cpus-fast\"}");
    int pid = qtest_pid(qts);
    json_t *want = json_pack(
        "{s:[{s:i,s:s,s:i,s:{s:i,s:i,s:i,s:i},s:s},"
        "{s:i,s:s,s:i,s:{s:i,s:i,s:i,s:i},s:s}]}", "return",
        "cpu-index", 0, "qom-path", "/machine/cpu[0]", "thread-id", pid,
        "props", "socket-id", 0, "die-id", 0, "core-id", 0, "thread-id", 0,
        "target", "x86_64",
        "cpu-index", 1, "qom-path", "/machine/cpu[1]", "thread-id", pid,
        "props", "socket-id", 0, "die-id", 0, "core-id", 1, "thread-id", 0,
        "target", "x86_64");

    g_assert_true(json_equal(rsp, want));
    json_decref(want);
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"query-memory-size-summary\"}");
    want = json_pack("{s:{s:I}}", "return", "base-memory",
                     (json_int_t)16 << 20);
    g_assert_true(json_equal(rsp, want));
    json_decref(want);
    json_decref(rsp);
    qtest_quit(qts);
}

static void check_cli_on(const char *machine, const char *opt,
                         const char *val, const char *want)
{
    const char *argv[] = { "-machine", machine, "-accel", "qtest",
                           "-display", "none", "-nodefaults", "-m", "16M",
                           opt, val, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = qtest_run_binary(argv, &out, &err, 30);

    g_assert_cmpint(status, ==, 1);
    g_assert_cmpstr(err, ==, want);
}

static void check_cli(const char *opt, const char *val, const char *want)
{
    const char *argv[] = { "-machine", "none", opt, val, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = qtest_run_binary(argv, &out, &err, 30);

    g_assert_cmpint(status, ==, 1);
    g_assert_cmpstr(err, ==, want);
}

/* -machine's parameters are the machine properties, QOM types mapped. */
static void test_cmdline_machine(void)
{
    QTestState *qts = qtest_init(NONE);
    json_t *rsp = qtest_qmp(qts, "{\"execute\": "
                            "\"query-command-line-options\", \"arguments\": "
                            "{\"option\": \"machine\"}}");
    json_t *params = json_object_get(json_array_get(
        json_object_get(rsp, "return"), 0), "parameters");
    json_t *p;
    size_t i;
    int found = 0;

    json_array_foreach(params, i, p) {
        const char *name = json_string_value(json_object_get(p, "name"));
        const char *type = json_string_value(json_object_get(p, "type"));

        if (!strcmp(name, "type") || !strcmp(name, "memory-backend")) {
            g_assert_cmpstr(type, ==, "string");
            found++;
        } else if (!strcmp(name, "mem-merge")) {
            g_assert_cmpstr(type, ==, "boolean");
            found++;
        }
    }
    g_assert_cmpint(found, ==, 3);
    json_decref(rsp);
    qtest_quit(qts);
}

static void test_cpu_option(void)
{
    /* machine-none-test's line, then errors as QEMU words them. */
    QTestState *qts = qtest_init(NONE " -cpu qemu64,apic-id=0");
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"query-cpu-definitions\"}");
    json_t *m;
    size_t i;
    bool seen = false;

    json_array_foreach(json_object_get(rsp, "return"), i, m) {
        if (!strcmp(json_string_value(json_object_get(m, "name")),
                    "qemu64")) {
            json_t *want = json_pack("{s:s,s:b,s:b,s:s,s:b}",
                                     "name", "qemu64",
                                     "migration-safe", true, "static", false,
                                     "typename", "qemu64-x86_64-cpu",
                                     "deprecated", false);

            g_assert_true(json_equal(m, want));
            json_decref(want);
            seen = true;
        }
    }
    g_assert_true(seen);
    json_decref(rsp);
    qtest_quit(qts);

    check_cli("-cpu", "nosuch",
              "qemu-system-x86_64: unable to find CPU model 'nosuch'\n");
    check_cli("-cpu", "qemu64,foo=1", "qemu-system-x86_64: Property "
              "'qemu64-x86_64-cpu.foo' not found\n");
    check_cli_on("microvm", "-cpu", "qemu64,apic-id=3",
                 "qemu-system-x86_64: qemu-gmem's microvm gives vCPU 0 the "
                 "APIC id 0; -cpu apic-id=3 is not supported\n");
    check_cli("-uuid", "123", "qemu-system-x86_64: failed to parse UUID "
              "string: wrong format\n");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/machine-qmp/%s",
                                                cases[i].name);

        g_test_add_data_func(path, &cases[i], check_case);
    }
    g_test_add_func("/machine-qmp/cpu-option", test_cpu_option);
    g_test_add_func("/machine-qmp/preconfig", test_preconfig);
    g_test_add_func("/machine-qmp/cpus-fast-microvm", test_cpus_fast_microvm);
    g_test_add_func("/machine-qmp/cmdline-machine", test_cmdline_machine);
    g_test_add_func("/machine-qmp/system-reset", test_system_reset);
    return g_test_run();
}
