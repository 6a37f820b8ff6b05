/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the generated schema data: enums and lookups, QOM help
 * texts, and the query-qmp-schema (introspection) list.
 */
#include "qemu/osdep.h"
#include <linux/mempolicy.h>
#include "qapi/qapi-schema.h"
#include "qapi/qapi-events.h"

static void assert_lookup(const QEnumLookup *l, const char *const *expect)
{
    int i;

    for (i = 0; expect[i]; i++) {
        g_assert_cmpint(i, <, l->size);
        g_assert_cmpstr(l->array[i], ==, expect[i]);
    }
    g_assert_cmpint(i, ==, l->size);
}

static void test_enums(void)
{
    const char *const policy[] = { "default", "preferred", "bind",
                                   "interleave", NULL };
    const char *const onoff[] = { "auto", "on", "off", NULL };
    int i;

    assert_lookup(&HostMemPolicy_lookup, policy);
    assert_lookup(&OnOffAuto_lookup, onoff);
    /* The backend hands the enum value straight to mbind(). */
    g_assert_cmpint(HOST_MEM_POLICY_DEFAULT, ==, MPOL_DEFAULT);
    g_assert_cmpint(HOST_MEM_POLICY_PREFERRED, ==, MPOL_PREFERRED);
    g_assert_cmpint(HOST_MEM_POLICY_BIND, ==, MPOL_BIND);
    g_assert_cmpint(HOST_MEM_POLICY_INTERLEAVE, ==, MPOL_INTERLEAVE);
    g_assert_cmpint(HOST_MEM_POLICY__MAX, ==, 4);

    g_assert_cmpint(RUN_STATE__MAX, ==, 16);
    g_assert_cmpstr(RunState_lookup.array[RUN_STATE_RUNNING], ==, "running");
    g_assert_cmpstr(RunState_lookup.array[RUN_STATE_FINISH_MIGRATE], ==,
                    "finish-migrate");
    g_assert_cmpstr(RunState_lookup.array[RUN_STATE_GUEST_PANICKED], ==,
                    "guest-panicked");
    g_assert_cmpint(SHUTDOWN_CAUSE__MAX, ==, 11);
    g_assert_cmpstr(ShutdownCause_lookup.array[SHUTDOWN_CAUSE_HOST_QMP_QUIT],
                    ==, "host-qmp-quit");
    g_assert_cmpstr(QMPCapability_lookup.array[QMP_CAPABILITY_OOB], ==,
                    "oob");
    g_assert_cmpstr(ObjectType_lookup.array[OBJECT_TYPE_MEMORY_BACKEND_RAM],
                    ==, "memory-backend-ram");
    g_assert_cmpstr(ObjectType_lookup.array[
                        OBJECT_TYPE_MEMORY_BACKEND_GUEST_MEMFD], ==,
                    "memory-backend-guest-memfd");
    /* ObjectType stays sorted, new types go in their place. */
    for (i = 1; i < ObjectType_lookup.size; i++) {
        g_assert_cmpint(strcmp(ObjectType_lookup.array[i - 1],
                               ObjectType_lookup.array[i]), <, 0);
    }
    g_assert_null(ObjectType_lookup.array[OBJECT_TYPE__MAX]);
    g_assert_cmpstr(QAPI_EVENT_SHUTDOWN, ==, "SHUTDOWN");
    g_assert_cmpstr(QAPI_EVENT_RESET, ==, "RESET");
}

static void test_qom_help(void)
{
    static const struct {
        const char *type, *prop, *help;
    } cases[] = {
        { "memory-backend-ram", "merge", "Mark memory as mergeable" },
        { "memory-backend-ram", "dump",
          "Set to 'off' to exclude from core dump" },
        { "memory-backend-ram", "prealloc", "Preallocate memory" },
        { "memory-backend-ram", "prealloc-threads",
          "Number of CPU threads to use for prealloc" },
        { "memory-backend-ram", "prealloc-context",
          "Context to use for creating CPU threads for preallocation" },
        { "memory-backend-ram", "size",
          "Size of the memory region (ex: 500M)" },
        { "memory-backend-ram", "host-nodes",
          "Binds memory to the list of NUMA host nodes" },
        { "memory-backend-ram", "policy", "Set the NUMA policy" },
        { "memory-backend-ram", "share",
          "Mark the memory as private to QEMU or shared" },
        { "memory-backend-ram", "reserve",
          "Reserve swap space (or huge pages) if applicable" },
        { "memory-backend-ram", "x-use-canonical-path-for-ramblock-id",
          NULL },
        { "memory-backend-file", "merge", "Mark memory as mergeable" },
        { "memory-backend-file", "offset",
          "Offset into the target file (ex: 1G)" },
        { "memory-backend-file", "rom",
          "Whether to create Read Only Memory (ROM)" },
        { "memory-backend-file", "mem-path", NULL },
        { "memory-backend-file", "align", NULL },
        { "memory-backend-memfd", "hugetlb", "Use huge pages" },
        { "memory-backend-memfd", "hugetlbsize",
          "Huge pages size (ex: 2M, 1G)" },
        { "memory-backend-memfd", "seal", "Seal growing & shrinking" },
        { "memory-backend-memfd", "guest-memfd", "Use guest memfd" },
        { "memory-backend-guest-memfd", "size",
          "Size of the memory region (ex: 500M)" },
        { "memory-backend-guest-memfd", "seal", NULL },
        { "memory-backend-ram", "seal", NULL },
        { "memory-backend-ram", "no-such-prop", NULL },
        { "no-such-type", "size", NULL },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpstr(qapi_qom_property_help(cases[i].type, cases[i].prop),
                        ==, cases[i].help);
    }
}

static bool names_contain(const char *const *names, const char *name)
{
    for (; *names; names++) {
        if (!strcmp(*names, name)) {
            return true;
        }
    }
    return false;
}

static void test_qom_names(void)
{
    const char *const *ram = qapi_qom_property_names("memory-backend-ram");
    const char *const *gmem =
        qapi_qom_property_names("memory-backend-guest-memfd");
    const char *const *memfd =
        qapi_qom_property_names("memory-backend-memfd");
    const char *const common[] = {
        "dump", "host-nodes", "merge", "policy", "prealloc",
        "prealloc-threads", "prealloc-context", "share", "reserve", "size",
        "x-use-canonical-path-for-ramblock-id", NULL
    };
    size_t i;

    g_assert_nonnull(ram);
    for (i = 0; common[i]; i++) {
        g_assert_cmpstr(ram[i], ==, common[i]);
        /* Review requirement 8: same member set as the common struct. */
        g_assert_cmpstr(gmem[i], ==, common[i]);
        g_assert_true(names_contain(memfd, common[i]));
    }
    g_assert_null(ram[i]);
    g_assert_null(gmem[i]);
    g_assert_true(names_contain(memfd, "guest-memfd"));
    g_assert_false(names_contain(ram, "id"));
    g_assert_false(names_contain(ram, "qom-type"));
    /* Static, cached storage. */
    g_assert_true(ram == qapi_qom_property_names("memory-backend-ram"));
    g_assert_null(qapi_qom_property_names("no-such-type"));

    g_assert_true(qapi_qom_type_known("memory-backend-shm"));
    g_assert_true(qapi_qom_type_known("memory-backend-guest-memfd"));
    g_assert_true(qapi_qom_type_known("thread-context"));
    g_assert_false(qapi_qom_type_known("memory-backend"));
    g_assert_false(qapi_qom_type_known("memory-backend-epc"));
}

static json_t *find_info(json_t *list, const char *name)
{
    size_t i;
    json_t *v;

    json_array_foreach(list, i, v) {
        if (!strcmp(json_string_value(json_object_get(v, "name")), name)) {
            return v;
        }
    }
    return NULL;
}

static void assert_type_listed(json_t *list, json_t *info, const char *key)
{
    const char *t = json_string_value(json_object_get(info, key));

    if (t) {
        g_assert_nonnull(find_info(list, t));
    }
}

static void test_introspect(void)
{
    json_t *list = qapi_introspect();
    json_t *again = qapi_introspect();
    Error *err = NULL;
    json_t *info, *m, *members;
    size_t i, j;

    /* The list describes itself: it must validate as [SchemaInfo]. */
    g_assert_true(qapi_validate("[SchemaInfo]", list, &err));
    g_assert_null(err);
    g_assert_true(json_equal(list, again));
    g_assert_true(list != again);
    json_decref(again);

    /* Every referenced type is described. */
    json_array_foreach(list, i, info) {
        assert_type_listed(list, info, "arg-type");
        assert_type_listed(list, info, "ret-type");
        assert_type_listed(list, info, "element-type");
        members = json_object_get(info, "members");
        json_array_foreach(members, j, m) {
            assert_type_listed(list, m, "type");
        }
        members = json_object_get(info, "variants");
        json_array_foreach(members, j, m) {
            assert_type_listed(list, m, "type");
        }
    }

    info = find_info(list, "query-memdev");
    g_assert_nonnull(info);
    g_assert_cmpstr(json_string_value(json_object_get(info, "meta-type")),
                    ==, "command");
    g_assert_cmpstr(json_string_value(json_object_get(info, "ret-type")),
                    ==, "[Memdev]");

    /* Memdev members in the serialization order of the spec. */
    info = find_info(list, "Memdev");
    {
        const char *const order[] = { "id", "size", "merge", "dump",
                                      "prealloc", "share", "reserve",
                                      "host-nodes", "policy",
                                      "guest-memfd" };
        members = json_object_get(info, "members");
        g_assert_cmpint(json_array_size(members), ==, G_N_ELEMENTS(order));
        for (i = 0; i < G_N_ELEMENTS(order); i++) {
            m = json_array_get(members, i);
            g_assert_cmpstr(json_string_value(json_object_get(m, "name")),
                            ==, order[i]);
        }
    }

    info = find_info(list, "ObjectOptions");
    g_assert_cmpstr(json_string_value(json_object_get(info, "tag")), ==,
                    "qom-type");
    members = json_object_get(info, "variants");
    json_array_foreach(members, i, m) {
        if (!strcmp(json_string_value(json_object_get(m, "case")),
                    "memory-backend-guest-memfd")) {
            g_assert_cmpstr(json_string_value(json_object_get(m, "type")),
                            ==, "MemoryBackendProperties");
            break;
        }
    }
    g_assert_cmpint(i, <, json_array_size(members));

    info = find_info(list, "SHUTDOWN");
    g_assert_cmpstr(json_string_value(json_object_get(info, "meta-type")),
                    ==, "event");
    json_decref(list);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qapi/schema/enums", test_enums);
    g_test_add_func("/qapi/schema/qom-help", test_qom_help);
    g_test_add_func("/qapi/schema/qom-names", test_qom_names);
    g_test_add_func("/qapi/schema/introspect", test_introspect);
    return g_test_run();
}
