/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -object (dotted and JSON) and QMP object-add reach the same object: every
 * property reads back identically.  Plus every bad object-add/object-del/
 * qom-* input answers an error with QEMU's class and text, leaves nothing
 * behind, and the monitor keeps serving.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "libqtest.h"

static char *tmpdir;

typedef struct SameCase {
    const char *type;
    const char *dotted;      /* -object properties after id=..., */
    const char *json;        /* the same as JSON members */
    bool needs_kvm;
} SameCase;

static const SameCase same_cases[] = {
    { "memory-backend-ram",
      "size=4M,merge=off,dump=off,prealloc=on,share=on,prealloc-threads=2",
      "\"size\": 4194304, \"merge\": false, \"dump\": false, "
      "\"prealloc\": true, \"share\": true, \"prealloc-threads\": 2" },
    { "memory-backend-ram", "size=1G,reserve=off",
      "\"size\": 1073741824, \"reserve\": false" },
    { "memory-backend-memfd", "size=2M,seal=off,share=on",
      "\"size\": 2097152, \"seal\": false, \"share\": true" },
    { "memory-backend-shm", "size=2M,prealloc=on",
      "\"size\": 2097152, \"prealloc\": true" },
    { "memory-backend-file",
      "size=2M,mem-path=@FILE@,share=on,discard-data=on,rom=off",
      "\"size\": 2097152, \"mem-path\": \"@FILE@\", \"share\": true, "
      "\"discard-data\": true, \"rom\": \"off\"" },
    { "memory-backend-guest-memfd", "size=2M,dump=off",
      "\"size\": 2097152, \"dump\": false", true },
};

static char *subst(const char *s, const char *file)
{
    g_auto(GStrv) parts = g_strsplit(s, "@FILE@", -1);

    return g_strjoinv(file, parts);
}

static json_t *qom_get(QTestState *qts, const char *path, const char *prop)
{
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"qom-get\", \"arguments\": "
                            "{\"path\": \"%s\", \"property\": \"%s\"}}",
                            path, prop);
    json_t *ret = json_incref(json_object_get(rsp, "return"));

    json_decref(rsp);
    return ret;   /* NULL: the property is not readable */
}

static void test_same_object(const void *opaque)
{
    const SameCase *sc = opaque;
    const char *missing = sc->needs_kvm ? qtest_guest_memfd_missing() : NULL;
    g_autofree char *file = g_strdup_printf("%s/same", tmpdir);
    g_autofree char *dotted = subst(sc->dotted, file);
    g_autofree char *json = subst(sc->json, file);
    QTestState *qts;
    json_t *rsp;
    json_t *list;
    size_t i;
    json_t *prop;
    size_t compared = 0;

    if (missing) {
        g_test_skip(g_strdup_printf("%s not available", missing));
        return;
    }
    qts = qtest_initf("-machine none %s -object %s,id=cli,%s "
                      "-object '{\"qom-type\": \"%s\", \"id\": \"clijson\", "
                      "%s}'", sc->needs_kvm ? "-accel kvm -S" : "",
                      sc->type, dotted, sc->type, json);
    rsp = qtest_qmp(qts, "{\"execute\": \"object-add\", \"arguments\": "
                    "{\"qom-type\": \"%s\", \"id\": \"qmp\", %s}}", sc->type,
                    json);
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);

    rsp = qtest_qmp(qts, "{\"execute\": \"qom-list\", \"arguments\": "
                    "{\"path\": \"/objects/cli\"}}");
    list = json_object_get(rsp, "return");
    g_assert_cmpuint(json_array_size(list), >, 5);
    json_array_foreach(list, i, prop) {
        const char *name = json_string_value(json_object_get(prop, "name"));
        json_t *a = qom_get(qts, "/objects/cli", name);
        json_t *b = qom_get(qts, "/objects/qmp", name);
        json_t *c = qom_get(qts, "/objects/clijson", name);

        if (!a) {
            g_assert_null(b);
            g_assert_null(c);
            continue;
        }
        if (!json_equal(a, b) || !json_equal(a, c)) {
            g_error("%s.%s differs: -object %s, object-add %s, JSON -object "
                    "%s", sc->type, name, json_dumps(a, JSON_ENCODE_ANY),
                    json_dumps(b, JSON_ENCODE_ANY),
                    json_dumps(c, JSON_ENCODE_ANY));
        }
        compared++;
        json_decref(a);
        json_decref(b);
        json_decref(c);
    }
    g_assert_cmpuint(compared, >, 5);
    json_decref(rsp);
    qtest_quit(qts);
    unlink(file);
}

typedef struct BadCase {
    const char *name;
    const char *cmd;
    const char *cls;
    const char *desc;        /* the whole text */
    const char *leftover;    /* id that must not exist afterwards */
} BadCase;

static const BadCase bad_cases[] = {
    { "unknown-command", "{\"execute\": \"object-frobnicate\"}",
      "CommandNotFound", "The command object-frobnicate has not been found" },
    { "size-wrong-type",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", \"size\": \"1G\"}}",
      "GenericError", "Parameter 'size' expects uint64", "b1" },
    { "share-wrong-type",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", \"size\": 1048576, "
      "\"share\": \"on\"}}",
      "GenericError", "Invalid parameter type for 'share', expected: boolean",
      "b1" },
    { "missing-id",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"size\": 1048576}}",
      "GenericError", "Parameter 'id' is missing" },
    { "missing-qom-type",
      "{\"execute\": \"object-add\", \"arguments\": {\"id\": \"b1\"}}",
      "GenericError", "Parameter 'qom-type' is missing", "b1" },
    { "unknown-property",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", \"size\": 1048576, "
      "\"foo\": 1}}",
      "GenericError", "Parameter 'foo' is unexpected", "b1" },
    { "bad-enum",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", \"size\": 1048576, "
      "\"policy\": \"nope\"}}",
      "GenericError", "Parameter 'policy' does not accept value 'nope'",
      "b1" },
    { "unknown-type",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-nope\", \"id\": \"b1\"}}",
      "GenericError",
      "Parameter 'qom-type' does not accept value 'memory-backend-nope'",
      "b1" },
    { "size-zero",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", \"size\": 0}}",
      "GenericError",
      "property 'size' of memory-backend-ram doesn't take value '0'", "b1" },
    { "bad-id",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"1bad\", \"size\": 1048576}}",
      "GenericError", "Parameter 'id' expects an identifier", "1bad" },
    { "duplicate-id",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"keep\", \"size\": 1048576}}",
      "GenericError",
      "attempt to add duplicate property 'keep' to object (type "
      "'container')" },
    { "missing-mem-path",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-file\", \"id\": \"b1\", \"size\": 1048576}}",
      "GenericError", "Parameter 'mem-path' is missing", "b1" },
    { "shm-share-off",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-shm\", \"id\": \"b1\", \"size\": 1048576, "
      "\"share\": false}}",
      "GenericError", "can't create shm backend with `share=off`", "b1" },
    { "prealloc-without-reserve",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", \"size\": 1048576, "
      "\"prealloc\": true, \"reserve\": false}}",
      "GenericError", "'prealloc=on' and 'reserve=off' are incompatible",
      "b1" },
    { "policy-without-nodes",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", \"size\": 1048576, "
      "\"policy\": \"bind\"}}",
      "GenericError", "host-nodes must be set for policy bind", "b1" },
    { "prealloc-threads-negative",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", \"size\": 1048576, "
      "\"prealloc-threads\": -1}}",
      "GenericError", "Parameter 'prealloc-threads' expects uint32_t", "b1" },
    { "prealloc-threads-overflow",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", \"size\": 1048576, "
      "\"prealloc-threads\": 4294967296}}",
      "GenericError", "Parameter 'prealloc-threads' expects uint32_t", "b1" },
    { "host-nodes-negative",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", \"size\": 1048576, "
      "\"host-nodes\": [-1], \"policy\": \"bind\"}}",
      "GenericError", "Parameter 'null' expects uint16_t", "b1" },
    { "empty-id",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"\", \"size\": 1048576}}",
      "GenericError", "Parameter 'id' expects an identifier" },
    /*
     * Where QEMU is wrong: QEMU 10.2.50 takes -5 as 2^64 - 5 (its visitor
     * accepts negative uint64 for compatibility) and then aborts on an
     * assertion in find_ram_offset().  We refuse the size and go on.
     */
    { "size-negative-better-than-qemu",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", \"size\": -5}}",
      "GenericError",
      "cannot set up guest memory 'b1': size 0xfffffffffffffffb is too large",
      "b1" },
    { "size-huge-better-than-qemu",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", \"size\": -1}}",
      "GenericError",
      "cannot set up guest memory 'b1': size 0xffffffffffffffff is too large",
      "b1" },
    { "size-8e-unbacked",
      "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
      "\"memory-backend-ram\", \"id\": \"b1\", "
      "\"size\": 9223372036854775807}}",
      "GenericError", "cannot set up guest memory 'b1': Cannot allocate memory",
      "b1" },
    { "hmp-cpu-index",
      "{\"execute\": \"human-monitor-command\", \"arguments\": "
      "{\"command-line\": \"info status\", \"cpu-index\": 3}}",
      "GenericError", "Parameter 'cpu-index' expects a CPU number" },
    { "object-del-unknown",
      "{\"execute\": \"object-del\", \"arguments\": {\"id\": \"nope\"}}",
      "GenericError", "object 'nope' not found" },
    { "object-del-in-use",
      "{\"execute\": \"object-del\", \"arguments\": {\"id\": \"ram0\"}}",
      "GenericError", "object 'ram0' is in use, can not be deleted" },
    { "object-del-missing-id",
      "{\"execute\": \"object-del\"}",
      "GenericError", "Parameter 'id' is missing" },
    { "qom-get-missing-path",
      "{\"execute\": \"qom-get\", \"arguments\": {\"path\": "
      "\"/objects/nope\", \"property\": \"size\"}}",
      "DeviceNotFound", "Device '/objects/nope' not found" },
    { "qom-get-missing-property",
      "{\"execute\": \"qom-get\", \"arguments\": {\"path\": "
      "\"/objects/keep\", \"property\": \"nope\"}}",
      "GenericError", "Property 'memory-backend-ram.nope' not found" },
    { "qom-set-after-creation",
      "{\"execute\": \"qom-set\", \"arguments\": {\"path\": "
      "\"/objects/keep\", \"property\": \"size\", \"value\": 4096}}",
      "GenericError", "cannot change property size of memory-backend-ram " },
    { "qom-list-missing-path",
      "{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"nope\"}}",
      "DeviceNotFound", "Device 'nope' not found" },
    { "qom-list-properties-unknown",
      "{\"execute\": \"qom-list-properties\", \"arguments\": "
      "{\"typename\": \"nope\"}}",
      "DeviceNotFound", "Class 'nope' not found" },
};

static void test_bad_input(void)
{
    QTestState *qts = qtest_init("-machine none,memory-backend=ram0 "
                                 "-object memory-backend-ram,id=ram0,size=4M "
                                 "-object memory-backend-ram,id=keep,"
                                 "size=1M");

    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        const BadCase *bc = &bad_cases[i];
        json_t *rsp = qtest_qmp(qts, "%s", bc->cmd);
        json_t *err = json_object_get(rsp, "error");
        const char *desc = json_string_value(json_object_get(err, "desc"));

        g_test_message("bad input: %s -> %s", bc->name, desc);
        g_assert_nonnull(err);
        g_assert_cmpstr(json_string_value(json_object_get(err, "class")), ==,
                        bc->cls);
        g_assert_cmpstr(desc, ==, bc->desc);
        json_decref(rsp);
        if (bc->leftover) {
            /* A failed object-add leaves nothing under /objects. */
            rsp = qtest_qmp(qts, "{\"execute\": \"qom-list\", \"arguments\": "
                            "{\"path\": \"/objects/%s\"}}", bc->leftover);
            g_assert_cmpstr(json_string_value(json_object_get(
                json_object_get(rsp, "error"), "class")), ==,
                "DeviceNotFound");
            json_decref(rsp);
        }
        /* Still serving. */
        rsp = qtest_qmp(qts, "{\"execute\": \"qom-get\", \"arguments\": "
                        "{\"path\": \"/objects/keep\", \"property\": "
                        "\"size\"}}");
        g_assert_cmpint(json_integer_value(json_object_get(rsp, "return")),
                        ==, 1048576);
        json_decref(rsp);
    }
    qtest_quit(qts);
}

/*
 * merge and dump default to the machine's mem-merge / dump-guest-core, on
 * the command line and over QMP alike; an explicit value wins.
 */
static void test_machine_defaults(void)
{
    QTestState *qts = qtest_init("-machine none,mem-merge=off,"
                                 "dump-guest-core=off "
                                 "-object memory-backend-ram,id=cli,size=1M");
    json_t *rsp, *v;

    rsp = qtest_qmp(qts, "{\"execute\": \"object-add\", \"arguments\": "
                    "{\"qom-type\": \"memory-backend-memfd\", "
                    "\"id\": \"qmp\", \"size\": 1048576, "
                    "\"merge\": true}}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    v = qom_get(qts, "/objects/cli", "merge");
    g_assert_true(json_is_false(v));
    json_decref(v);
    v = qom_get(qts, "/objects/cli", "dump");
    g_assert_true(json_is_false(v));
    json_decref(v);
    v = qom_get(qts, "/objects/qmp", "merge");
    g_assert_true(json_is_true(v));
    json_decref(v);
    v = qom_get(qts, "/objects/qmp", "dump");
    g_assert_true(json_is_false(v));
    json_decref(v);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qtest_qemu_binary();
    tmpdir = g_dir_make_tmp("object-add-test-XXXXXX", NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(same_cases); i++) {
        char *name = g_strdup_printf("/object-add/same-as-cli/%s/%zu",
                                     same_cases[i].type, i);

        g_test_add_data_func(name, &same_cases[i], test_same_object);
        g_free(name);
    }
    g_test_add_func("/object-add/bad-input", test_bad_input);
    g_test_add_func("/object-add/machine-defaults", test_machine_defaults);
    ret = g_test_run();
    rmdir(tmpdir);
    g_free(tmpdir);
    return ret;
}
