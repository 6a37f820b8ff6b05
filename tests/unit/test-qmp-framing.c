/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the QMP input framer (monitor/json-framer.c). */
#include "qemu/osdep.h"
#include "monitor/json-framer.h"

typedef struct Collected {
    GPtrArray *values;     /* json_t *, or NULL entries for errors */
    GPtrArray *errors;     /* char * (desc), "" for values */
} Collected;

static void collect(void *opaque, json_t *value, Error *err)
{
    Collected *c = opaque;

    g_ptr_array_add(c->values, value);
    g_ptr_array_add(c->errors, g_strdup(err ? error_get_pretty(err) : ""));
    if (err) {
        error_free(err);
    }
}

static void collected_init(Collected *c)
{
    c->values = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
    c->errors = g_ptr_array_new_with_free_func(g_free);
}

static void collected_free(Collected *c)
{
    g_ptr_array_free(c->values, TRUE);
    g_ptr_array_free(c->errors, TRUE);
}

/* Feed @input in pieces of @chunk bytes (0: all at once). */
static void run(JSONFramer *f, const char *input, size_t len, size_t chunk)
{
    if (!chunk) {
        json_framer_feed(f, input, len);
        return;
    }
    for (size_t off = 0; off < len; off += chunk) {
        json_framer_feed(f, input + off, MIN(chunk, len - off));
    }
}

static char *dump(json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    char *r = g_strdup(s);

    free(s);
    return r;
}

typedef struct Case {
    const char *input;
    /* expected sequence: "V:<compact json>" or "E:<error prefix>" */
    const char *expect[6];
} Case;

static const Case cases[] = {
    { "{\"execute\": \"query-status\"}",
      { "V:{\"execute\":\"query-status\"}" } },
    { "{\"a\":1}{\"b\":2}\n[3]",
      { "V:{\"a\":1}", "V:{\"b\":2}", "V:[3]" } },
    { "  \r\n\t{\"s\": \"}{][\\\"\"}",
      { "V:{\"s\":\"}{][\\\"\"}" } },
    { "{'execute': 'qmp_capabilities'}",
      { "V:{\"execute\":\"qmp_capabilities\"}" } },
    { "{'q': 'it\\'s \"x\"'}",
      { "V:{\"q\":\"it's \\\"x\\\"\"}" } },
    { "42 ",
      { "V:42" } },
    { "\"str\"",
      { "V:\"str\"" } },
    { "}{\"a\":1}",
      { "E:JSON parse error, stray '}'", "V:{\"a\":1}" } },
    { "@@@ {\"a\":1}",
      { "E:JSON parse error, stray '@'", "V:{\"a\":1}" } },
    { "\x01{\"a\":1}",
      { "E:JSON parse error, stray '\\x01'", "V:{\"a\":1}" } },
    /* QEMU's lexer: the bad byte ends the value, its "}" is stray. */
    { "{\"a\": @}{\"b\":1}",
      { "E:JSON parse error, stray '@'", "E:JSON parse error, stray '}'",
        "V:{\"b\":1}" } },
    /* Answered at once, not when a closing bracket comes (qmp-test). */
    { "{\x01",
      { "E:JSON parse error, stray '\\x01'" } },
    { "{'execute': 'x', 'id':'\n",
      { "E:JSON parse error, stray '\\x0A'" } },
    { "%p{\"b\":1}",
      { "E:JSON parse error, stray '%'", "V:{\"b\":1}" } },
    { "[1, %d]",
      { "E:JSON parse error, stray '%'", "E:JSON parse error, stray ']'" } },
    { "{\"a\": \"\xc3\x28\"}",
      { "E:JSON parse error, " } },
    { "{\"a\":1]",
      { "E:JSON parse error, " } },
    { "{\"a\": \"x\xff\"}",
      { "E:JSON parse error, " } },
    { "{\"a\": \xff {\"b\":1}",
      { "E:JSON parse error, stray '\\xFF'", "V:{\"b\":1}" } },
    { "\xff\xff{\"b\":1}",
      { "V:{\"b\":1}" } },
    { "nul {\"b\":1}",
      { "E:JSON parse error, ", "V:{\"b\":1}" } },
};

static void check_case(const Case *tc, size_t chunk)
{
    JSONFramer f;
    Collected c;
    size_t n = 0;

    collected_init(&c);
    json_framer_init(&f, collect, &c);
    run(&f, tc->input, strlen(tc->input), chunk);
    json_framer_flush(&f);
    while (n < G_N_ELEMENTS(tc->expect) && tc->expect[n]) {
        n++;
    }
    g_assert_cmpuint(c.values->len, ==, n);
    for (size_t i = 0; i < n; i++) {
        const char *exp = tc->expect[i];

        if (exp[0] == 'V') {
            char *got = dump(g_ptr_array_index(c.values, i));

            g_assert_cmpstr(got, ==, exp + 2);
            g_free(got);
        } else {
            g_assert_null(g_ptr_array_index(c.values, i));
            g_assert_true(g_str_has_prefix(g_ptr_array_index(c.errors, i),
                                           exp + 2));
        }
    }
    json_framer_destroy(&f);
    collected_free(&c);
}

static void test_cases(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        check_case(&cases[i], 0);
    }
}

/* Every split point of the input yields the same result. */
static void test_split_reads(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        for (size_t chunk = 1; chunk < 8; chunk++) {
            check_case(&cases[i], chunk);
        }
    }
}

static void test_depth_limit(void)
{
    JSONFramer f;
    Collected c;
    GString *in = g_string_new(NULL);

    collected_init(&c);
    json_framer_init(&f, collect, &c);
    for (int i = 0; i < JSON_FRAMER_MAX_DEPTH; i++) {
        g_string_append_c(in, '[');
    }
    for (int i = 0; i < JSON_FRAMER_MAX_DEPTH; i++) {
        g_string_append_c(in, ']');
    }
    /* 1024 levels are fine, 1025 are not. */
    run(&f, in->str, in->len, 0);
    g_assert_cmpuint(c.values->len, ==, 1);
    g_assert_nonnull(g_ptr_array_index(c.values, 0));
    g_string_prepend_c(in, '[');
    g_string_append(in, "]{\"after\":1}");
    run(&f, in->str, in->len, 0);
    g_assert_cmpuint(c.values->len, ==, 3);
    g_assert_null(g_ptr_array_index(c.values, 1));
    g_assert_cmpstr(g_ptr_array_index(c.errors, 1), ==,
                    "JSON nesting depth limit exceeded");
    g_assert_nonnull(g_ptr_array_index(c.values, 2));
    json_framer_destroy(&f);
    collected_free(&c);
    g_string_free(in, TRUE);
}

static void test_size_limits(void)
{
    JSONFramer f;
    Collected c;
    GString *in = g_string_new("{\"a\": \"");

    collected_init(&c);
    json_framer_init(&f, collect, &c);
    f.max_size = 1000;
    f.max_tokens = 50;
    for (int i = 0; i < 2000; i++) {
        g_string_append_c(in, i % 2 ? '}' : '[');   /* inside the string */
    }
    g_string_append(in, "\"}{\"b\": 1}");
    run(&f, in->str, in->len, 7);
    g_assert_cmpuint(c.values->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(c.errors, 0), ==,
                    "JSON token size limit exceeded");
    g_assert_nonnull(g_ptr_array_index(c.values, 1));

    g_string_assign(in, "[");
    for (int i = 0; i < 100; i++) {
        g_string_append(in, "1,");
    }
    g_string_append(in, "1] [2]");
    run(&f, in->str, in->len, 0);
    g_assert_cmpuint(c.values->len, ==, 4);
    g_assert_cmpstr(g_ptr_array_index(c.errors, 2), ==,
                    "JSON token count limit exceeded");
    g_assert_nonnull(g_ptr_array_index(c.values, 3));
    json_framer_destroy(&f);
    collected_free(&c);
    g_string_free(in, TRUE);
}

/* A top-level string over the size limit: the value after it still parses. */
static void test_long_toplevel_string(void)
{
    JSONFramer f;
    Collected c;
    GString *in = g_string_new("\"");

    collected_init(&c);
    json_framer_init(&f, collect, &c);
    f.max_size = 100;
    for (int i = 0; i < 300; i++) {
        g_string_append_c(in, 'x');
    }
    g_string_append(in, "\" {\"b\": 1}");
    run(&f, in->str, in->len, 0);
    g_assert_cmpuint(c.values->len, ==, 2);
    g_assert_null(g_ptr_array_index(c.values, 0));
    g_assert_cmpstr(g_ptr_array_index(c.errors, 0), ==,
                    "JSON token size limit exceeded");
    g_assert_nonnull(g_ptr_array_index(c.values, 1));
    json_framer_destroy(&f);
    collected_free(&c);
    g_string_free(in, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-framing/cases", test_cases);
    g_test_add_func("/qmp-framing/split-reads", test_split_reads);
    g_test_add_func("/qmp-framing/depth-limit", test_depth_limit);
    g_test_add_func("/qmp-framing/size-limits", test_size_limits);
    g_test_add_func("/qmp-framing/long-toplevel-string",
                    test_long_toplevel_string);
    return g_test_run();
}
