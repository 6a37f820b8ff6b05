/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the comma-separated option parser (util/qemu-option.c). */

#include "qemu/osdep.h"
#include "qemu/option.h"

static const KeyValue *item(const KeyValueList *l, guint i)
{
    g_assert_cmpuint(i, <, l->items->len);
    return g_ptr_array_index(l->items, i);
}

static void assert_item(const KeyValueList *l, guint i, const char *key,
                        const char *value)
{
    const KeyValue *kv = item(l, i);

    g_assert_cmpstr(kv->key, ==, key);
    g_assert_cmpstr(kv->value, ==, value);
}

static void test_object_line(void)
{
    g_autoptr(KeyValueList) l = NULL;

    l = keyval_list_parse("memory-backend-ram,id=mem0,size=1G,share=on",
                          "qom-type", &error_abort);
    g_assert_cmpuint(l->items->len, ==, 4);
    g_assert_false(l->help);
    assert_item(l, 0, "qom-type", "memory-backend-ram");
    assert_item(l, 1, "id", "mem0");
    assert_item(l, 2, "size", "1G");
    assert_item(l, 3, "share", "on");
}

static void test_comma_escape(void)
{
    g_autoptr(KeyValueList) l = NULL;

    l = keyval_list_parse("memory-backend-file,mem-path=/tmp/a,,b,,,id=x",
                          "qom-type", &error_abort);
    g_assert_cmpuint(l->items->len, ==, 3);
    assert_item(l, 1, "mem-path", "/tmp/a,b,");
    assert_item(l, 2, "id", "x");
}

static void test_escape_in_implied(void)
{
    g_autoptr(KeyValueList) l = NULL;

    l = keyval_list_parse("a,,b,k=v", "type", &error_abort);
    g_assert_cmpuint(l->items->len, ==, 2);
    assert_item(l, 0, "type", "a,b");
    assert_item(l, 1, "k", "v");
}

static void test_flags_and_repeats(void)
{
    g_autoptr(KeyValueList) l = NULL;
    char *v;

    l = keyval_list_parse("t,host-nodes=0,prealloc,host-nodes=4,x=",
                          "qom-type", &error_abort);
    g_assert_cmpuint(l->items->len, ==, 5);
    assert_item(l, 2, "prealloc", "on");
    assert_item(l, 4, "x", "");
    g_assert_cmpstr(keyval_list_get(l, "host-nodes"), ==, "4");
    g_assert_null(keyval_list_get(l, "absent"));

    v = keyval_list_take(l, "host-nodes");
    g_assert_cmpstr(v, ==, "4");
    g_free(v);
    g_assert_cmpuint(l->items->len, ==, 3);
    g_assert_null(keyval_list_get(l, "host-nodes"));
    g_assert_null(keyval_list_take(l, "host-nodes"));
    /* Order of what remains is kept. */
    assert_item(l, 0, "qom-type", "t");
    assert_item(l, 1, "prealloc", "on");
    assert_item(l, 2, "x", "");
}

static void test_value_with_equals(void)
{
    g_autoptr(KeyValueList) l = NULL;

    l = keyval_list_parse("k=a=b", NULL, &error_abort);
    g_assert_cmpuint(l->items->len, ==, 1);
    assert_item(l, 0, "k", "a=b");
}

static void test_help(void)
{
    KeyValueList *l;

    l = keyval_list_parse("help", "qom-type", &error_abort);
    g_assert_true(l->help);
    g_assert_cmpuint(l->items->len, ==, 0);
    keyval_list_free(l);

    l = keyval_list_parse("?", "qom-type", &error_abort);
    g_assert_true(l->help);
    keyval_list_free(l);

    l = keyval_list_parse("memory-backend-ram,help", "qom-type",
                          &error_abort);
    g_assert_true(l->help);
    g_assert_cmpuint(l->items->len, ==, 1);
    assert_item(l, 0, "qom-type", "memory-backend-ram");
    keyval_list_free(l);

    l = keyval_list_parse("memory-backend-ram,id=help", "qom-type",
                          &error_abort);
    g_assert_false(l->help);
    keyval_list_free(l);
}

static void test_errors(void)
{
    Error *err = NULL;

    g_assert_null(keyval_list_parse("bare,k=v", NULL, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid parameter 'bare'");
    error_free(err);
    err = NULL;

    g_assert_null(keyval_list_parse("t,=v", "type", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid parameter ''");
    error_free(err);
}

static void test_empty(void)
{
    KeyValueList *l;

    l = keyval_list_parse("", "type", &error_abort);
    g_assert_cmpuint(l->items->len, ==, 0);
    g_assert_false(l->help);
    keyval_list_free(l);

    l = keyval_list_parse("k=v,", NULL, &error_abort);
    g_assert_cmpuint(l->items->len, ==, 1);
    keyval_list_free(l);
    keyval_list_free(NULL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/keyval-list/object-line", test_object_line);
    g_test_add_func("/keyval-list/comma-escape", test_comma_escape);
    g_test_add_func("/keyval-list/escape-in-implied", test_escape_in_implied);
    g_test_add_func("/keyval-list/flags-and-repeats", test_flags_and_repeats);
    g_test_add_func("/keyval-list/value-with-equals", test_value_with_equals);
    g_test_add_func("/keyval-list/help", test_help);
    g_test_add_func("/keyval-list/errors", test_errors);
    g_test_add_func("/keyval-list/empty", test_empty);
    return g_test_run();
}
