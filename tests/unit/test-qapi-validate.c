/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for qapi_validate(): schema checks of QMP/JSON-form input. */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"

/*
 * Validate @json as @type; return the error text or NULL.  The texts use
 * single quotes for readability (like QEMU's JSON extension).
 */
static char *check(const char *type, const char *json)
{
    g_autofree char *text = g_strdelimit(g_strdup(json), "'", '"');
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    Error *err = NULL;
    char *msg = NULL;
    bool ok;

    g_assert_nonnull(v);
    ok = qapi_validate(type, v, &err);
    g_assert(ok == (err == NULL));
    if (err) {
        msg = g_strdup(error_get_pretty(err));
        error_free(err);
    }
    json_decref(v);
    return msg;
}

static void assert_ok(const char *type, const char *json)
{
    g_autofree char *msg = check(type, json);

    if (msg) {
        g_test_message("%s rejected %s: %s", type, json, msg);
    }
    g_assert_null(msg);
}

static void assert_err(const char *type, const char *json,
                       const char *expected)
{
    g_autofree char *msg = check(type, json);

    g_assert_nonnull(msg);
    g_assert_cmpstr(msg, ==, expected);
}

static void test_object_add_ok(void)
{
    assert_ok("ObjectOptions",
              "{'qom-type': 'memory-backend-ram', 'id': 'm0',"
              " 'size': 1073741824}");
    assert_ok("ObjectOptions",
              "{'qom-type': 'memory-backend-ram', 'id': 'm0', 'size': 4096,"
              " 'share': true, 'merge': false, 'dump': false,"
              " 'prealloc': true, 'prealloc-threads': 4,"
              " 'host-nodes': [0, 1], 'policy': 'bind', 'reserve': true,"
              " 'x-use-canonical-path-for-ramblock-id': false}");
    assert_ok("ObjectOptions",
              "{'qom-type': 'memory-backend-file', 'id': 'f', 'size': 4096,"
              " 'mem-path': '/tmp', 'rom': 'auto', 'readonly': false,"
              " 'offset': 0, 'align': 0, 'discard-data': true}");
    assert_ok("ObjectOptions",
              "{'qom-type': 'memory-backend-memfd', 'id': 'm', 'size': 4096,"
              " 'guest-memfd': 'on', 'share': true, 'seal': false,"
              " 'hugetlb': false, 'hugetlbsize': 0}");
    assert_ok("ObjectOptions",
              "{'qom-type': 'memory-backend-guest-memfd', 'id': 'g',"
              " 'size': 4096, 'share': true}");
    assert_ok("ObjectOptions",
              "{'qom-type': 'thread-context', 'id': 't',"
              " 'cpu-affinity': [0, 1], 'node-affinity': [0]}");
    assert_ok("ObjectOptions",
              "{'qom-type': 'qtest', 'id': 'q', 'chardev': 'c'}");
}

static void test_missing_unexpected(void)
{
    assert_err("ObjectOptions",
               "{'qom-type': 'memory-backend-ram', 'id': 'm0'}",
               "Parameter 'size' is missing");
    assert_err("ObjectOptions", "{'id': 'm0', 'size': 1}",
               "Parameter 'qom-type' is missing");
    assert_err("ObjectOptions",
               "{'qom-type': 'memory-backend-ram', 'size': 1}",
               "Parameter 'id' is missing");
    assert_err("ObjectOptions",
               "{'qom-type': 'memory-backend-ram', 'id': 'm0', 'size': 1,"
               " 'foo': 1}",
               "Parameter 'foo' is unexpected");
    assert_err("ObjectOptions",
               "{'qom-type': 'memory-backend-file', 'id': 'f', 'size': 1}",
               "Parameter 'mem-path' is missing");
    assert_err("ObjectOptions",
               "{'qom-type': 'qtest', 'id': 'q'}",
               "Parameter 'chardev' is missing");
    /* Missing members are found before unexpected ones, as in QEMU. */
    assert_err("ObjectOptions",
               "{'qom-type': 'memory-backend-ram', 'id': 'm0', 'foo': 1}",
               "Parameter 'size' is missing");
}

/* Review requirement 8: the guest-memfd type has exactly the common set. */
static void test_guest_memfd_branch(void)
{
    assert_err("ObjectOptions",
               "{'qom-type': 'memory-backend-guest-memfd', 'id': 'g',"
               " 'size': 4096, 'guest-memfd': 'on'}",
               "Parameter 'guest-memfd' is unexpected");
    assert_err("ObjectOptions",
               "{'qom-type': 'memory-backend-guest-memfd', 'id': 'g',"
               " 'size': 4096, 'seal': true}",
               "Parameter 'seal' is unexpected");
    assert_err("ObjectOptions",
               "{'qom-type': 'memory-backend-ram', 'id': 'm',"
               " 'size': 4096, 'mem-path': '/tmp'}",
               "Parameter 'mem-path' is unexpected");
}

static void test_types(void)
{
    const char *base = "{'qom-type': 'memory-backend-ram', 'id': 'm0', ";
    struct {
        const char *members;
        const char *error;
    } cases[] = {
        { "'size': 1, 'share': 'yes'}",
          "Invalid parameter type for 'share', expected: boolean" },
        { "'size': '1G'}",
          "Parameter 'size' expects uint64" },
        { "'size': 1.5}",
          "Parameter 'size' expects uint64" },
        { "'size': 1, 'policy': 'x'}",
          "Parameter 'policy' does not accept value 'x'" },
        { "'size': 1, 'policy': 1}",
          "Invalid parameter type for 'policy', expected: string" },
        { "'size': 1, 'host-nodes': 0}",
          "Invalid parameter type for 'host-nodes', expected: array" },
        { "'size': 1, 'host-nodes': [0, 65536]}",
          "Parameter 'null' expects uint16_t" },
        { "'size': 1, 'host-nodes': [-1]}",
          "Parameter 'null' expects uint16_t" },
        { "'size': 1, 'host-nodes': ['0']}",
          "Parameter 'host-nodes[0]' expects uint64" },
        { "'size': 1, 'prealloc-threads': 4294967296}",
          "Parameter 'prealloc-threads' expects uint32_t" },
        { "'size': 1, 'prealloc-context': 5}",
          "Invalid parameter type for 'prealloc-context', expected: string" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *json = g_strconcat(base, cases[i].members, NULL);

        assert_err("ObjectOptions", json, cases[i].error);
    }
    assert_err("ObjectOptions",
               "{'qom-type': 'bogus', 'id': 'x'}",
               "Parameter 'qom-type' does not accept value 'bogus'");
    assert_err("ObjectOptions", "[1]",
               "Invalid parameter type for 'null', expected: object");
    /* uint32 upper bound is inclusive. */
    assert_ok("ObjectOptions",
              "{'qom-type': 'memory-backend-ram', 'id': 'm0', 'size': 1,"
              " 'prealloc-threads': 4294967295}");
    /* Like QEMU, a negative size passes as 2^64 - n; the backend rejects it. */
    assert_ok("ObjectOptions",
              "{'qom-type': 'memory-backend-ram', 'id': 'm0', 'size': -1}");
}

static void test_nested_and_builtin(void)
{
    assert_ok("VersionInfo",
              "{'qemu': {'major': 11, 'minor': 0, 'micro': 50},"
              " 'package': ''}");
    assert_err("VersionInfo",
               "{'qemu': {'major': 11, 'minor': 'x', 'micro': 50},"
               " 'package': ''}",
               "Invalid parameter type for 'qemu.minor', expected: integer");
    assert_err("VersionInfo",
               "{'qemu': {'major': 11, 'minor': 0}, 'package': ''}",
               "Parameter 'qemu.micro' is missing");
    assert_err("VersionInfo",
               "{'qemu': {'major': 1, 'minor': 0, 'micro': 0, 'x': 1},"
               " 'package': ''}",
               "Parameter 'qemu.x' is unexpected");
    assert_ok("[Memdev]", "[]");
    assert_err("[Memdev]", "[{'size': 1}]",
               "Parameter 'null[0].merge' is missing");
    /* query-memdev's guest-memfd member: optional, boolean. */
    assert_ok("Memdev",
              "{'size': 4096, 'merge': true, 'dump': true,"
              " 'prealloc': false, 'share': true, 'host-nodes': [],"
              " 'policy': 'default', 'guest-memfd': true}");
    assert_err("Memdev",
               "{'size': 4096, 'merge': true, 'dump': true,"
               " 'prealloc': false, 'share': true, 'host-nodes': [],"
               " 'policy': 'default', 'guest-memfd': 'yes'}",
               "Invalid parameter type for 'guest-memfd', expected: "
               "boolean");
    assert_ok("q_obj_qmp_capabilities-arg", "{'enable': ['oob']}");
    assert_err("q_obj_qmp_capabilities-arg", "{'enable': ['x']}",
               "Parameter 'null' does not accept value 'x'");
    assert_ok("q_obj_qom-set-arg",
              "{'path': '/objects/m', 'property': 'size', 'value': [1]}");
    assert_ok("str", "'x'");
    assert_err("str", "1", "Invalid parameter type for 'null', "
               "expected: string");
    assert_ok("number", "1");
    assert_ok("number", "1.5");
    assert_err("int8", "128", "Parameter 'null' expects int8_t");
    assert_ok("int8", "-128");
    assert_ok("null", "null");
    assert_ok("any", "{'a': [null]}");

    {
        Error *err = NULL;
        json_t *v = json_integer(1);

        g_assert_false(qapi_validate("NoSuchType", v, &err));
        g_assert_nonnull(err);
        error_free(err);
        json_decref(v);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qapi/validate/object-add-ok", test_object_add_ok);
    g_test_add_func("/qapi/validate/missing-unexpected",
                    test_missing_unexpected);
    g_test_add_func("/qapi/validate/guest-memfd-branch",
                    test_guest_memfd_branch);
    g_test_add_func("/qapi/validate/types", test_types);
    g_test_add_func("/qapi/validate/nested-builtin", test_nested_and_builtin);
    return g_test_run();
}
