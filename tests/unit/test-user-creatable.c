/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for user-creatable objects: add/del under /objects and help. */

#include "qemu/osdep.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "qapi/error.h"

bool qapi_qom_type_known(const char *qom_type);

#define TYPE_TEST_UC "test-uc"
#define TYPE_TEST_UC_ABSTRACT "test-uc-abstract"
#define TYPE_TEST_UC_EMPTY "test-uc-empty"
#define TYPE_TEST_PLAIN "test-plain"

typedef struct TestUC {
    Object parent;
    uint64_t size;
    bool share;
    bool fail_complete;
    bool in_use;
    bool completed;
    int mode;
    char *label;
} TestUC;

#define TEST_UC(obj) OBJECT_CHECK(TestUC, (obj), TYPE_TEST_UC)

static const char *const mode_names[] = { "fast", "slow" };
static const QEnumLookup mode_lookup = { .array = mode_names, .size = 2 };

/* Live instances; every failure path must bring this back. */
static int live;
static GString *finalized;

static uint64_t uc_get_size(Object *obj, Error **errp)
{
    return TEST_UC(obj)->size;
}

static void uc_set_size(Object *obj, uint64_t v, Error **errp)
{
    if (v == 0) {
        error_setg(errp, "property 'size' of %s doesn't take value '0'",
                   object_get_typename(obj));
        return;
    }
    TEST_UC(obj)->size = v;
}

static bool uc_get_share(Object *obj, Error **errp)
{
    return TEST_UC(obj)->share;
}

static void uc_set_share(Object *obj, bool v, Error **errp)
{
    TEST_UC(obj)->share = v;
}

static bool uc_get_fail(Object *obj, Error **errp)
{
    return TEST_UC(obj)->fail_complete;
}

static void uc_set_fail(Object *obj, bool v, Error **errp)
{
    TEST_UC(obj)->fail_complete = v;
}

static bool uc_get_in_use(Object *obj, Error **errp)
{
    return TEST_UC(obj)->in_use;
}

static void uc_set_in_use(Object *obj, bool v, Error **errp)
{
    TEST_UC(obj)->in_use = v;
}

static int uc_get_mode(Object *obj, Error **errp)
{
    return TEST_UC(obj)->mode;
}

static void uc_set_mode(Object *obj, int v, Error **errp)
{
    TEST_UC(obj)->mode = v;
}

static char *uc_get_label(Object *obj, Error **errp)
{
    return g_strdup(TEST_UC(obj)->label);
}

static void uc_complete(Object *obj, Error **errp)
{
    TestUC *uc = TEST_UC(obj);

    if (uc->fail_complete) {
        error_setg(errp, "can't create backend with size 0");
        return;
    }
    uc->completed = true;
}

static bool uc_can_be_deleted(Object *obj)
{
    return !TEST_UC(obj)->in_use;
}

static void uc_init(Object *obj)
{
    live++;
}

static void uc_finalize(Object *obj)
{
    char *path = g_strdup(TEST_UC(obj)->label ? TEST_UC(obj)->label : "?");

    live--;
    g_string_append_printf(finalized, "%s;", path);
    g_free(path);
    g_free(TEST_UC(obj)->label);
}

static void uc_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);
    ObjectProperty *p;

    ucc->complete = uc_complete;
    ucc->can_be_deleted = uc_can_be_deleted;

    p = object_class_property_add_uint(oc, "size", UINT64_MAX, uc_get_size,
                                       uc_set_size);
    object_class_property_set_description(oc, "size",
                                          "Size of the memory region "
                                          "(ex: 500M)");
    (void)p;
    p = object_class_property_add_bool(oc, "share", uc_get_share,
                                       uc_set_share);
    object_property_set_default_bool(p, false);
    object_class_property_set_description(oc, "share",
                                          "Mark the memory as private to "
                                          "QEMU or shared");
    /* Default but no description. */
    p = object_class_property_add_bool(oc, "fail-complete", uc_get_fail,
                                       uc_set_fail);
    object_property_set_default_bool(p, false);
    /* Neither default nor description. */
    object_class_property_add_bool(oc, "in-use", uc_get_in_use,
                                   uc_set_in_use);
    p = object_class_property_add_enum(oc, "mode", "TestMode", &mode_lookup,
                                       uc_get_mode, uc_set_mode);
    object_property_set_default_str(p, "fast");
    object_class_property_set_description(oc, "mode", "How fast to go");
    /* Read-only: not listed in help. */
    object_class_property_add_str(oc, "label", uc_get_label, NULL);
}

static void uc_empty_class_init(ObjectClass *oc, const void *data)
{
    object_class_property_add_str(oc, "ro", uc_get_label, NULL);
}

static const TypeInfo uc_types[] = {
    {
        .name = TYPE_TEST_UC_ABSTRACT,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_size = sizeof(TestUC),
        .interfaces = (const InterfaceInfo[]) {
            { TYPE_USER_CREATABLE },
            { }
        },
    },
    {
        .name = TYPE_TEST_UC,
        .parent = TYPE_TEST_UC_ABSTRACT,
        .instance_init = uc_init,
        .instance_finalize = uc_finalize,
        .class_init = uc_class_init,
    },
    {
        .name = TYPE_TEST_UC_EMPTY,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(TestUC),
        .class_init = uc_empty_class_init,
        .interfaces = (const InterfaceInfo[]) {
            { TYPE_USER_CREATABLE },
            { }
        },
    },
    {
        .name = TYPE_TEST_PLAIN,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(Object),
    },
};

DEFINE_TYPES(uc_types)

static json_t *props_from(const char *json)
{
    json_error_t jerr;
    json_t *v = json_loads(json, 0, &jerr);

    g_assert_nonnull(v);
    return v;
}

static void assert_error(Error **errp, const char *msg)
{
    g_assert_nonnull(*errp);
    g_assert_cmpstr(error_get_pretty(*errp), ==, msg);
    error_free(*errp);
    *errp = NULL;
}

static int objects_count(void)
{
    ObjectPropertyIterator iter;
    ObjectProperty *p;
    int n = 0;

    object_property_iter_init(&iter, object_get_objects_root());
    while ((p = object_property_iter_next(&iter))) {
        n += g_str_has_prefix(p->type, "child<");
    }
    return n;
}

/* Label the object so finalize order can be observed. */
static Object *add(const char *type, const char *id, const char *json,
                   Error **errp)
{
    json_t *props = json ? props_from(json) : NULL;
    Object *obj = user_creatable_add_type(type, id, props, errp);

    json_decref(props);
    if (obj && object_dynamic_cast(obj, TYPE_TEST_UC)) {
        TEST_UC(obj)->label = g_strdup(id);
    }
    return obj;
}

static void test_add_ok(void)
{
    Object *obj = add(TYPE_TEST_UC, "u1",
                      "{\"size\": 1048576, \"share\": true, \"mode\": \"slow\"}",
                      &error_abort);
    TestUC *uc = TEST_UC(obj);
    char *path;

    g_assert_true(uc->completed);
    g_assert_cmpuint(uc->size, ==, 1048576);
    g_assert_true(uc->share);
    g_assert_cmpint(uc->mode, ==, 1);
    g_assert_false(uc->fail_complete);        /* default applied */
    g_assert_true(object_resolve_path("/objects/u1", NULL) == obj);
    path = object_get_canonical_path(obj);
    g_assert_cmpstr(path, ==, "/objects/u1");
    g_free(path);
    /* The tree owns the only reference. */
    g_assert_cmpuint(obj->ref, ==, 1);
    g_assert_cmpint(live, ==, 1);

    /* uint64 values above INT64_MAX arrive as two's complement or reals. */
    g_assert_true(object_property_set_int(obj, "size", -1, &error_abort));
    g_assert_cmpuint(uc->size, ==, UINT64_MAX);
    g_assert_true(object_property_set_uint(obj, "size", UINT64_C(1) << 63,
                                           &error_abort));
    g_assert_cmpuint(object_property_get_uint(obj, "size", &error_abort), ==,
                     UINT64_C(1) << 63);

    g_assert_true(user_creatable_del("u1", &error_abort));
    g_assert_cmpint(live, ==, 0);
    g_assert_null(object_resolve_path("/objects/u1", NULL));
}

static void test_ids(void)
{
    static const char *const good[] = {
        "a", "A", "mem0", "a-b", "a.b", "a_b", "Z9-._x",
    };
    static const char *const bad[] = {
        "", "0abc", "-a", ".a", "_a", "a b", "a/b", "a,b", "a@b", "é",
    };
    Error *err = NULL;

    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        g_assert_true(id_wellformed(good[i]));
        g_assert_nonnull(add(TYPE_TEST_UC, good[i], NULL, &error_abort));
        g_assert_true(user_creatable_del(good[i], &error_abort));
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        g_assert_false(id_wellformed(bad[i]));
        g_assert_null(add(TYPE_TEST_UC, bad[i], NULL, &err));
        g_assert_cmpstr(error_get_hint(err), ==,
                        "Identifiers consist of letters, digits, '-', '.', "
                        "'_', starting with a letter.\n");
        assert_error(&err, "Parameter 'id' expects an identifier");
    }
    g_assert_false(id_wellformed(NULL));
    g_assert_cmpint(live, ==, 0);
    g_assert_cmpint(objects_count(), ==, 0);
}

static void test_add_failures_leave_nothing(void)
{
    Error *err = NULL;

    g_assert_nonnull(add(TYPE_TEST_UC, "dup", NULL, &error_abort));
    g_assert_cmpint(live, ==, 1);

    g_assert_null(add(TYPE_TEST_UC, "dup", NULL, &err));
    assert_error(&err, "attempt to add duplicate property 'dup' to object "
                 "(type 'container')");
    g_assert_cmpint(live, ==, 1);

    g_assert_null(add("no-such-type", "x", NULL, &err));
    assert_error(&err, "invalid object type: no-such-type");
    g_assert_null(add(TYPE_TEST_UC_ABSTRACT, "x", NULL, &err));
    assert_error(&err, "object type 'test-uc-abstract' is abstract");
    g_assert_null(add(TYPE_TEST_PLAIN, "x", NULL, &err));
    assert_error(&err, "object type 'test-plain' isn't supported by "
                 "object-add");

    /* Property errors, in order: the first bad one is reported. */
    g_assert_null(add(TYPE_TEST_UC, "x", "{\"size\": 0}", &err));
    assert_error(&err, "property 'size' of test-uc doesn't take value '0'");
    g_assert_null(add(TYPE_TEST_UC, "x", "{\"share\": true, \"bogus\": 1}",
                      &err));
    assert_error(&err, "Property 'test-uc.bogus' not found");
    g_assert_null(add(TYPE_TEST_UC, "x", "{\"mode\": \"warp\"}", &err));
    assert_error(&err, "Parameter 'mode' does not accept value 'warp'");
    g_assert_null(add(TYPE_TEST_UC, "x", "{\"label\": \"l\"}", &err));
    assert_error(&err, "Property 'test-uc.label' is not writable");
    g_assert_cmpint(live, ==, 1);

    /* complete() failing removes the half-built object from /objects. */
    g_assert_null(add(TYPE_TEST_UC, "x", "{\"fail-complete\": true}", &err));
    assert_error(&err, "can't create backend with size 0");
    g_assert_null(object_resolve_path("/objects/x", NULL));
    g_assert_cmpint(live, ==, 1);
    g_assert_cmpint(objects_count(), ==, 1);

    g_assert_true(user_creatable_del("dup", &error_abort));
    g_assert_cmpint(live, ==, 0);
    g_assert_cmpint(objects_count(), ==, 0);
}

static void test_del(void)
{
    Error *err = NULL;
    Object *obj;

    g_assert_false(user_creatable_del("ghost", &err));
    assert_error(&err, "object 'ghost' not found");

    obj = add(TYPE_TEST_UC, "busy", "{\"in-use\": true}", &error_abort);
    g_assert_false(user_creatable_can_be_deleted(obj));
    g_assert_false(user_creatable_del("busy", &err));
    assert_error(&err, "object 'busy' is in use, can not be deleted");
    g_assert_true(object_resolve_path("/objects/busy", NULL) == obj);

    g_assert_true(object_property_set_bool(obj, "in-use", false,
                                           &error_abort));
    g_assert_true(user_creatable_del("busy", &error_abort));
    g_assert_cmpint(live, ==, 0);
}

static void test_add_qapi(void)
{
    Error *err = NULL;
    json_t *opts;
    Object *obj;

    opts = props_from("{\"id\": \"q0\"}");
    g_assert_null(user_creatable_add_qapi(opts, &err));
    json_decref(opts);
    assert_error(&err, "Parameter 'qom-type' is missing");

    if (!qapi_qom_type_known(TYPE_TEST_UC)) {
        /*
         * The generated schema is linked in: ObjectOptions knows only the
         * real types, so validation refuses ours before anything exists.
         */
        opts = props_from("{\"qom-type\": \"test-uc\", \"id\": \"q0\"}");
        g_assert_null(user_creatable_add_qapi(opts, &err));
        json_decref(opts);
        assert_error(&err,
                     "Parameter 'qom-type' does not accept value 'test-uc'");
        g_assert_cmpint(live, ==, 0);
        g_assert_cmpint(objects_count(), ==, 0);
        return;
    }
    opts = props_from("{\"qom-type\": \"test-uc\", \"id\": \"q1\", "
                      "\"size\": 4096}");
    obj = user_creatable_add_qapi(opts, &error_abort);
    json_decref(opts);
    g_assert_nonnull(obj);
    g_assert_cmpuint(TEST_UC(obj)->size, ==, 4096);
    g_assert_true(user_creatable_del("q1", &error_abort));

    opts = props_from("{\"qom-type\": \"test-uc\"}");
    g_assert_null(user_creatable_add_qapi(opts, &err));
    json_decref(opts);
    assert_error(&err, "Parameter 'id' is missing");
    g_assert_cmpint(live, ==, 0);
}

static void test_cleanup_reverse_order(void)
{
    Object *plain = object_new(TYPE_TEST_PLAIN);

    g_string_truncate(finalized, 0);
    add(TYPE_TEST_UC, "first", NULL, &error_abort);
    add(TYPE_TEST_UC, "second", NULL, &error_abort);
    add(TYPE_TEST_UC, "third", NULL, &error_abort);
    /* Something put under /objects without going through add_type. */
    object_property_add_child(object_get_objects_root(), "plain", plain);
    object_unref(plain);
    g_assert_cmpint(live, ==, 3);

    user_creatable_cleanup();
    g_assert_cmpstr(finalized->str, ==, "third;second;first;");
    g_assert_cmpint(live, ==, 0);
    g_assert_cmpint(objects_count(), ==, 0);
}

static const char expected_help[] =
    "test-uc options:\n"
    "  fail-complete=<bool>   -  (default: false)\n"
    "  in-use=<bool>\n"
    "  mode=<TestMode>        - How fast to go (default: \"fast\")\n"
    "  share=<bool>           - Mark the memory as private to QEMU or shared"
    " (default: false)\n"
    "  size=<int>             - Size of the memory region (ex: 500M)\n";

static void test_help_type(void)
{
    if (g_test_subprocess()) {
        user_creatable_print_help(TYPE_TEST_UC, &error_abort);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout(expected_help);
}

static void test_help_empty(void)
{
    if (g_test_subprocess()) {
        user_creatable_print_help(TYPE_TEST_UC_EMPTY, &error_abort);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout("There are no options for test-uc-empty.\n");
}

static void test_help_list(void)
{
    if (g_test_subprocess()) {
        user_creatable_print_help("help", &error_abort);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    /* Abstract and non-user-creatable types are not listed. */
    g_test_trap_assert_stdout("List of user creatable objects:\n"
                              "*  test-uc\n  test-uc-empty\n*");
    g_test_trap_assert_stdout_unmatched("*test-uc-abstract*");
    g_test_trap_assert_stdout_unmatched("*test-plain*");
}

static void test_help_errors(void)
{
    Error *err = NULL;

    g_assert_false(user_creatable_print_help("no-such-type", &err));
    assert_error(&err, "invalid object type: no-such-type");
    g_assert_false(user_creatable_print_help(TYPE_TEST_PLAIN, &err));
    assert_error(&err, "object type 'test-plain' isn't supported by "
                 "object-add");
}

int main(int argc, char **argv)
{
    finalized = g_string_new(NULL);
    g_test_init(&argc, &argv, NULL);
    module_call_init_qom();
    g_test_add_func("/user-creatable/add-ok", test_add_ok);
    g_test_add_func("/user-creatable/ids", test_ids);
    g_test_add_func("/user-creatable/failures-leave-nothing",
                    test_add_failures_leave_nothing);
    g_test_add_func("/user-creatable/del", test_del);
    g_test_add_func("/user-creatable/add-qapi", test_add_qapi);
    g_test_add_func("/user-creatable/cleanup-reverse-order",
                    test_cleanup_reverse_order);
    g_test_add_func("/user-creatable/help/type", test_help_type);
    g_test_add_func("/user-creatable/help/empty", test_help_empty);
    g_test_add_func("/user-creatable/help/list", test_help_list);
    g_test_add_func("/user-creatable/help/errors", test_help_errors);
    return g_test_run();
}
