/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Confidential guest objects and the memory-attributes query over QMP:
 * a CGS cannot be created once the machine exists, one that no machine
 * uses can be deleted, convert-in-place cannot change, the query answers
 * on a guest that is not confidential, and qtest memory access works.
 */
#include <string.h>
#include "libqtest.h"

static void assert_error(json_t *rsp, const char *cls, const char *desc)
{
    json_t *err = json_object_get(rsp, "error");

    g_assert_nonnull(err);
    g_assert_cmpstr(json_string_value(json_object_get(err, "class")), ==,
                    cls);
    g_assert_cmpstr(json_string_value(json_object_get(err, "desc")), ==,
                    desc);
}

static bool object_exists(QTestState *qts, const char *id)
{
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"qom-list\", \"arguments\":"
                            " {\"path\": \"/objects\"}}");
    json_t *list = json_object_get(rsp, "return"), *p;
    bool found = false;
    size_t i;

    json_array_foreach(list, i, p) {
        found |= !strcmp(json_string_value(json_object_get(p, "name")), id);
    }
    json_decref(rsp);
    return found;
}

static void test_object_add_after_init(void)
{
    QTestState *qts = qtest_init("-machine none -display none -nodefaults");
    json_t *rsp;

    rsp = qtest_qmp(qts, "{\"execute\": \"object-add\", \"arguments\": "
                    "{\"qom-type\": \"sw-protected-vm\", \"id\": \"cgs1\"}}");
    assert_error(rsp, "GenericError", "object type 'sw-protected-vm' cannot "
                 "be created after the machine is initialized: it chooses "
                 "the KVM VM type");
    json_decref(rsp);
    g_assert_false(object_exists(qts, "cgs1"));
    /* a bad value is refused by the schema before anything else */
    rsp = qtest_qmp(qts, "{\"execute\": \"object-add\", \"arguments\": "
                    "{\"qom-type\": \"sw-protected-vm\", \"id\": \"cgs2\", "
                    "\"convert-in-place\": \"yes\"}}");
    assert_error(rsp, "GenericError", "Invalid parameter type for "
                 "'convert-in-place', expected: boolean");
    json_decref(rsp);
    g_assert_false(object_exists(qts, "cgs2"));
    /* the monitor keeps serving */
    rsp = qtest_qmp(qts, "{\"execute\": \"query-status\"}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    qtest_quit(qts);
}

static void test_unused_cgs(void)
{
    QTestState *qts = qtest_init("-machine none -display none -nodefaults "
                                 "-object sw-protected-vm,id=cgs0,"
                                 "convert-in-place=on");
    json_t *rsp;

    rsp = qtest_qmp(qts, "{\"execute\": \"qom-get\", \"arguments\": "
                    "{\"path\": \"/objects/cgs0\", \"property\": "
                    "\"convert-in-place\"}}");
    g_assert_true(json_is_true(json_object_get(rsp, "return")));
    json_decref(rsp);
    /* no machine uses it: it may go */
    rsp = qtest_qmp(qts, "{\"execute\": \"object-del\", \"arguments\": "
                    "{\"id\": \"cgs0\"}}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    g_assert_false(object_exists(qts, "cgs0"));
    qtest_quit(qts);
}

static void test_query_not_confidential(void)
{
    QTestState *qts = qtest_init("-machine none -display none -nodefaults "
                                 "-object memory-backend-ram,id=m0,size=2M "
                                 "-machine memory-backend=m0");
    json_t *rsp;
    char *reply;

    rsp = qtest_qmp(qts, "{\"execute\": \"x-query-memory-attributes\"}");
    g_assert_true(json_is_array(json_object_get(rsp, "return")));
    g_assert_cmpuint(json_array_size(json_object_get(rsp, "return")), ==, 0);
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"x-query-memory-attributes\", "
                    "\"arguments\": {\"max-ranges\": 0}}");
    assert_error(rsp, "GenericError", "Parameter 'max-ranges' expects a "
                 "positive number");
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"x-query-memory-attributes\", "
                    "\"arguments\": {\"max-ranges\": \"all\"}}");
    assert_error(rsp, "GenericError",
                 "Parameter 'max-ranges' expects uint64");
    json_decref(rsp);
    /* RAM without a map is the host's: qtest reads and writes it */
    qtest_writel(qts, 0x1000, 0xdeadbeef);
    g_assert_cmphex(qtest_readl(qts, 0x1000), ==, 0xdeadbeef);
    reply = qtest_command(qts, "memset 0x2000 16 0x5a");
    g_assert_cmpstr(reply, ==, "OK");
    g_free(reply);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cgs/object-add-after-init", test_object_add_after_init);
    g_test_add_func("/cgs/unused-cgs-deletable", test_unused_cgs);
    g_test_add_func("/cgs/query-not-confidential",
                    test_query_not_confidential);
    return g_test_run();
}
