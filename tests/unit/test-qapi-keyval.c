/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for qapi_keyval_to_json(): the dotted -object form. */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"

static void kv_free(gpointer p)
{
    KeyValue *kv = p;

    g_free(kv->key);
    g_free(kv->value);
    g_free(kv);
}

/*
 * Build the list the option parser would produce for "TYPE,k=v,...":
 * the first element is the implied qom-type (unless it contains '=').
 * No ",," escapes here, the tests do not need them.
 */
static KeyValueList *kv_build(const char *str)
{
    g_auto(GStrv) parts = g_strsplit(str, ",", -1);
    KeyValueList *l = g_new0(KeyValueList, 1);
    int i;

    l->items = g_ptr_array_new_with_free_func(kv_free);
    for (i = 0; parts[i]; i++) {
        KeyValue *kv = g_new0(KeyValue, 1);
        char *eq = strchr(parts[i], '=');

        if (eq) {
            kv->key = g_strndup(parts[i], eq - parts[i]);
            kv->value = g_strdup(eq + 1);
        } else if (i == 0) {
            kv->key = g_strdup("qom-type");
            kv->value = g_strdup(parts[i]);
        } else {
            kv->key = g_strdup(parts[i]);
            kv->value = g_strdup("on");
        }
        g_ptr_array_add(l->items, kv);
    }
    return l;
}

static void kv_list_free(KeyValueList *l)
{
    g_ptr_array_free(l->items, TRUE);
    g_free(l);
}

/* Convert @opts; returns the JSON text (sorted keys) or NULL + *msg. */
static char *convert(const char *opts, char **msg, char **hint)
{
    KeyValueList *l = kv_build(opts);
    Error *err = NULL;
    json_t *v = qapi_keyval_to_json("ObjectOptions", l, &err);
    char *text = NULL;

    kv_list_free(l);
    g_assert((v == NULL) == (err != NULL));
    if (v) {
        Error *verr = NULL;

        /* Whatever the dotted form produces must pass the JSON checks. */
        g_assert_true(qapi_validate("ObjectOptions", v, &verr));
        g_assert_null(verr);
        text = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
        json_decref(v);
        *msg = NULL;
    } else {
        *msg = g_strdup(error_get_pretty(err));
        if (hint) {
            *hint = g_strdup(error_get_hint(err));
        }
        error_free(err);
    }
    return text;
}

static void assert_json(const char *opts, const char *expected)
{
    g_autofree char *msg = NULL;
    char *text = convert(opts, &msg, NULL);

    if (!text) {
        g_test_message("%s: %s", opts, msg);
    }
    g_assert_nonnull(text);
    g_assert_cmpstr(text, ==, expected);
    free(text);
}

static void assert_err(const char *opts, const char *expected)
{
    g_autofree char *msg = NULL;
    char *text = convert(opts, &msg, NULL);

    g_assert_null(text);
    g_assert_cmpstr(msg, ==, expected);
}

static void test_conversions(void)
{
    assert_json("memory-backend-ram,id=m0,size=1G",
                "{\"id\":\"m0\",\"qom-type\":\"memory-backend-ram\","
                "\"size\":1073741824}");
    assert_json("memory-backend-ram,id=m0,size=4096,share=on,merge=off,"
                "dump=no,prealloc=yes,reserve=true,prealloc-threads=0x10,"
                "policy=bind,host-nodes=0-1,host-nodes=4",
                "{\"dump\":false,\"host-nodes\":[0,1,4],\"id\":\"m0\","
                "\"merge\":false,\"policy\":\"bind\",\"prealloc\":true,"
                "\"prealloc-threads\":16,\"qom-type\":\"memory-backend-ram\","
                "\"reserve\":true,\"share\":true,\"size\":4096}");
    /* Flags without '=' mean on; repeated scalar keys: last one wins. */
    assert_json("memory-backend-memfd,id=m,size=2M,size=4M,guest-memfd,"
                "share=on",
                "{\"guest-memfd\":\"on\",\"id\":\"m\","
                "\"qom-type\":\"memory-backend-memfd\",\"share\":true,"
                "\"size\":4194304}");
    assert_json("memory-backend-file,id=f,size=1.5k,mem-path=/dev/shm,"
                "rom=off,offset=1M",
                "{\"id\":\"f\",\"mem-path\":\"/dev/shm\",\"offset\":1048576,"
                "\"qom-type\":\"memory-backend-file\",\"rom\":\"off\","
                "\"size\":1536}");
    /* keyval's list syntax "key.N" is understood too. */
    assert_json("thread-context,id=t,cpu-affinity.0=1,cpu-affinity.1=3",
                "{\"cpu-affinity\":[1,3],\"id\":\"t\","
                "\"qom-type\":\"thread-context\"}");
    assert_json("memory-backend-guest-memfd,id=g,size=8G,share=on",
                "{\"id\":\"g\",\"qom-type\":\"memory-backend-guest-memfd\","
                "\"share\":true,\"size\":8589934592}");
}

static void test_errors(void)
{
    struct {
        const char *opts;
        const char *error;
    } cases[] = {
        { "id=m0,size=1G", "Parameter 'qom-type' is missing" },
        { "bogus,id=x", "Parameter 'qom-type' does not accept value 'bogus'" },
        { "memory-backend-ram,size=1G", "Parameter 'id' is missing" },
        { "memory-backend-ram,id=m0", "Parameter 'size' is missing" },
        { "memory-backend-ram,id=m0,size=1G,foo=1",
          "Invalid parameter 'foo'" },
        { "memory-backend-ram,id=m0,size=1G,share=maybe",
          "Parameter 'share' expects 'on' or 'off'" },
        { "memory-backend-ram,id=m0,size=1G,policy=x",
          "Parameter 'policy' does not accept value 'x'" },
        { "memory-backend-ram,id=m0,size=1G,prealloc-threads=4294967296",
          "Parameter 'prealloc-threads' expects uint32_t" },
        { "memory-backend-ram,id=m0,size=1G,prealloc-threads=-1",
          "Parameter 'prealloc-threads' expects a uint64 value" },
        { "memory-backend-ram,id=m0,size=1G,prealloc-threads=two",
          "Parameter 'prealloc-threads' expects a uint64 value" },
        { "memory-backend-ram,id=m0,size=1G,host-nodes=a",
          "Parameter 'host-nodes' expects a uint64 value or range" },
        { "memory-backend-ram,id=m0,size=1G,host-nodes=3-1",
          "Parameter 'host-nodes' expects a uint64 value or range" },
        { "memory-backend-ram,id=m0,size=1G,host-nodes=0-70000",
          "Parameter 'host-nodes' expects a uint64 value or range" },
        { "memory-backend-ram,id=m0,size=1G,host-nodes=65536",
          "Parameter 'null' expects uint16_t" },
        /* Review requirement 8: no memfd-only keys on the guest-memfd type. */
        { "memory-backend-guest-memfd,id=g,size=1G,guest-memfd=on",
          "Invalid parameter 'guest-memfd'" },
        { "memory-backend-guest-memfd,id=g,size=1G,hugetlb=on",
          "Invalid parameter 'hugetlb'" },
        { "memory-backend-ram,id=m0,size=1G,mem-path=/tmp",
          "Invalid parameter 'mem-path'" },
        { "memory-backend-file,id=f,size=1G",
          "Parameter 'mem-path' is missing" },
        { "memory-backend-file,id=f,size=1G,mem-path=/tmp,rom=maybe",
          "Parameter 'rom' does not accept value 'maybe'" },
        /* Members are checked in schema order, unknown keys at the end. */
        { "memory-backend-ram,foo=1,id=m0,share=maybe",
          "Parameter 'share' expects 'on' or 'off'" },
        { "memory-backend-ram,foo=1,id=m0",
          "Parameter 'size' is missing" },
        /* Bytes that are not UTF-8 cannot become a JSON string. */
        { "memory-backend-file,id=f,size=1G,mem-path=/tmp/\xff",
          "Parameter 'mem-path' expects a UTF-8 string" },
        { "qtest,id=q,chardev=\xc3",
          "Parameter 'chardev' expects a UTF-8 string" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        assert_err(cases[i].opts, cases[i].error);
    }
}

static void test_size_errors(void)
{
    const char *bad[] = {
        "memory-backend-ram,id=m0,size=abc",
        "memory-backend-ram,id=m0,size=1Q",
        "memory-backend-ram,id=m0,size=-1",
        "memory-backend-ram,id=m0,size=16E",
        "memory-backend-ram,id=m0,size=",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *msg = NULL;
        g_autofree char *hint = NULL;
        char *text = convert(bad[i], &msg, &hint);

        g_assert_null(text);
        /* QEMU's opts visitor: no suffix hint (unlike -m). */
        g_assert_cmpstr(msg, ==, "Parameter 'size' expects a size value");
        g_assert_null(hint);
    }
}

static void test_not_object(void)
{
    KeyValueList *l = kv_build("x=1");
    Error *err = NULL;

    g_assert_null(qapi_keyval_to_json("str", l, &err));
    g_assert_nonnull(err);
    error_free(err);
    kv_list_free(l);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qapi/keyval/conversions", test_conversions);
    g_test_add_func("/qapi/keyval/errors", test_errors);
    g_test_add_func("/qapi/keyval/size-errors", test_size_errors);
    g_test_add_func("/qapi/keyval/not-object", test_not_object);
    return g_test_run();
}
