/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for size, integer and boolean parsing (util/cutils.c). */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/units.h"

typedef struct SizeCase {
    const char *in;
    int ret;
    uint64_t val;
} SizeCase;

/* Whole-string parses (end == NULL), default unit bytes. */
static const SizeCase strtosz_cases[] = {
    { "0", 0, 0 },
    { "12345", 0, 12345 },
    { "  42", 0, 42 },
    { "1B", 0, 1 },
    { "1b", 0, 1 },
    { "1K", 0, KiB },
    { "1k", 0, KiB },
    { "1M", 0, MiB },
    { "1m", 0, MiB },
    { "1G", 0, GiB },
    { "1g", 0, GiB },
    { "1T", 0, TiB },
    { "1P", 0, PiB },
    { "1E", 0, EiB },
    { "500M", 0, 500 * MiB },
    { "8G", 0, 8 * GiB },
    { "64G", 0, 64 * GiB },
    { "1.5G", 0, GiB + GiB / 2 },
    { "1.5k", 0, 1536 },
    { "0.5M", 0, MiB / 2 },
    { ".5M", 0, MiB / 2 },
    { "1.k", 0, KiB },
    { "1.1k", 0, 1126 },              /* truncated, not rounded */
    { "12.345M", 0, 12944670 },
    { "15.9E", 0, (UINT64_C(15) << 60) + UINT64_C(1037629354146162278) },
    { "0x0", 0, 0 },
    { "0xab", 0, 0xab },
    { "0xae", 0, 0xae },              /* 'e' is a hex digit here */
    { "0X10", 0, 16 },
    { "18446744073709550591", 0, UINT64_C(0xfffffffffffffbff) },
    { "16383P", 0, UINT64_C(16383) << 50 },
    /* syntax errors */
    { "", -EINVAL, 0 },
    { " ", -EINVAL, 0 },
    { ".", -EINVAL, 0 },
    { "k", -EINVAL, 0 },
    { "-1", -EINVAL, 0 },
    { "-0", -EINVAL, 0 },
    { "+1", -EINVAL, 0 },
    { "1.5", -EINVAL, 0 },            /* fraction of a byte */
    { "1.5B", -EINVAL, 0 },
    { "1X", -EINVAL, 0 },
    { "1Q", -EINVAL, 0 },
    { "1KiB", -EINVAL, 0 },
    { "1 G", -EINVAL, 0 },
    { "1e3", -EINVAL, 0 },
    { "0x", -EINVAL, 0 },
    { "0x1.8", -EINVAL, 0 },
    { "0x18M", -EINVAL, 0 },          /* hex takes no suffix */
    { "1G2", -EINVAL, 0 },
    { "abc", -EINVAL, 0 },
    /* overflow */
    { "16E", -ERANGE, 0 },
    { "17179869184G", -ERANGE, 0 },
    { "16384P", -ERANGE, 0 },
    { "18446744073709550592", -ERANGE, 0 },
    { "18446744073709551615", -ERANGE, 0 },
    { "99999999999999999999", -ERANGE, 0 },
    { "0xffffffffffffffff", -ERANGE, 0 },
    { "0x10000000000000000", -ERANGE, 0 },
    { "15.99999999999999999999E", -ERANGE, 0 },
};

static void test_strtosz_table(void)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(strtosz_cases); i++) {
        const SizeCase *c = &strtosz_cases[i];
        uint64_t v = 0xdead;
        int ret = qemu_strtosz(c->in, NULL, &v);

        g_test_message("qemu_strtosz(\"%s\")", c->in);
        g_assert_cmpint(ret, ==, c->ret);
        g_assert_cmpuint(v, ==, c->val);
    }
}

static void test_strtosz_end(void)
{
    const char *in = "4G,share=on";
    const char *end = NULL;
    uint64_t v;

    g_assert_cmpint(qemu_strtosz(in, &end, &v), ==, 0);
    g_assert_cmpuint(v, ==, 4 * GiB);
    g_assert_true(end == in + 2);

    in = "123abc";
    g_assert_cmpint(qemu_strtosz(in, &end, &v), ==, 0);
    g_assert_cmpuint(v, ==, 123);
    g_assert_true(end == in + 3);

    in = "zzz";
    end = NULL;
    g_assert_cmpint(qemu_strtosz(in, &end, &v), ==, -EINVAL);
    g_assert_true(end == in);

    in = "16E";
    g_assert_cmpint(qemu_strtosz(in, &end, &v), ==, -ERANGE);
    g_assert_true(end == in);
}

static const SizeCase strtosz_mib_cases[] = {
    { "128", 0, 128 * MiB },
    { "1", 0, MiB },
    { "1.5", 0, MiB + MiB / 2 },      /* default unit MiB allows fractions */
    { "2G", 0, 2 * GiB },
    { "512K", 0, 512 * KiB },
    { "4096B", 0, 4096 },
    { "0", 0, 0 },
    { "17592186044416", -ERANGE, 0 }, /* 2^44 MiB = 2^64 bytes */
    { "-5", -EINVAL, 0 },
    { "", -EINVAL, 0 },
    { "1.5B", -EINVAL, 0 },
};

static void test_strtosz_mib(void)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(strtosz_mib_cases); i++) {
        const SizeCase *c = &strtosz_mib_cases[i];
        uint64_t v = 0xdead;
        int ret = qemu_strtosz_MiB(c->in, NULL, &v);

        g_test_message("qemu_strtosz_MiB(\"%s\")", c->in);
        g_assert_cmpint(ret, ==, c->ret);
        g_assert_cmpuint(v, ==, c->val);
    }
}

static void test_strtou64(void)
{
    uint64_t v;
    const char *end;
    const char *s;

    g_assert_cmpint(qemu_strtou64("0x1000", NULL, 0, &v), ==, 0);
    g_assert_cmpuint(v, ==, 0x1000);
    g_assert_cmpint(qemu_strtou64("010", NULL, 0, &v), ==, 0);
    g_assert_cmpuint(v, ==, 8);
    g_assert_cmpint(qemu_strtou64("010", NULL, 10, &v), ==, 0);
    g_assert_cmpuint(v, ==, 10);
    g_assert_cmpint(qemu_strtou64("18446744073709551615", NULL, 0, &v), ==, 0);
    g_assert_cmpuint(v, ==, UINT64_MAX);
    g_assert_cmpint(qemu_strtou64("18446744073709551616", NULL, 0, &v), ==,
                    -ERANGE);
    g_assert_cmpint(qemu_strtou64("-1", NULL, 0, &v), ==, -EINVAL);
    g_assert_cmpint(qemu_strtou64("", NULL, 0, &v), ==, -EINVAL);
    g_assert_cmpint(qemu_strtou64("12x", NULL, 0, &v), ==, -EINVAL);
    s = "12 rest";
    g_assert_cmpint(qemu_strtou64(s, &end, 0, &v), ==, 0);
    g_assert_cmpuint(v, ==, 12);
    g_assert_true(end == s + 2);
    s = "x";
    g_assert_cmpint(qemu_strtou64(s, &end, 0, &v), ==, -EINVAL);
    g_assert_true(end == s);
}

static void test_strtoi(void)
{
    int64_t v64;
    int v;
    unsigned long ul;

    g_assert_cmpint(qemu_strtoi64("-42", NULL, 0, &v64), ==, 0);
    g_assert_cmpint(v64, ==, -42);
    g_assert_cmpint(qemu_strtoi64("9223372036854775808", NULL, 0, &v64), ==,
                    -ERANGE);
    g_assert_cmpint(qemu_strtoi("2147483647", NULL, 0, &v), ==, 0);
    g_assert_cmpint(v, ==, INT_MAX);
    g_assert_cmpint(qemu_strtoi("2147483648", NULL, 0, &v), ==, -ERANGE);
    g_assert_cmpint(qemu_strtoi("-2147483649", NULL, 0, &v), ==, -ERANGE);
    g_assert_cmpint(v, ==, INT_MIN);
    g_assert_cmpint(qemu_strtoi("0x7f", NULL, 0, &v), ==, 0);
    g_assert_cmpint(v, ==, 127);
    g_assert_cmpint(qemu_strtoi("seven", NULL, 0, &v), ==, -EINVAL);
    g_assert_cmpint(qemu_strtoul("4096", NULL, 10, &ul), ==, 0);
    g_assert_cmpuint(ul, ==, 4096);
}

static void test_parse_bool(void)
{
    static const char *const yes[] = { "on", "yes", "true", "y" };
    static const char *const no[] = { "off", "no", "false", "n" };
    static const char *const bad[] = { "", "1", "0", "On", "enable", "tru" };
    size_t i;
    bool b;

    for (i = 0; i < ARRAY_SIZE(yes); i++) {
        b = false;
        g_assert_true(qemu_parse_bool(yes[i], &b));
        g_assert_true(b);
    }
    for (i = 0; i < ARRAY_SIZE(no); i++) {
        b = true;
        g_assert_true(qemu_parse_bool(no[i], &b));
        g_assert_false(b);
    }
    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        g_assert_false(qemu_parse_bool(bad[i], &b));
    }
}

static void test_size_to_str(void)
{
    static const struct {
        uint64_t v;
        const char *s;
    } cases[] = {
        { 0, "0 B" },
        { 512, "512 B" },
        { 999, "999 B" },
        { 1000, "0.977 KiB" },
        { KiB, "1 KiB" },
        { 512 * MiB, "512 MiB" },
        { GiB, "1 GiB" },
        { GiB + GiB / 2, "1.5 GiB" },
        { 64 * GiB, "64 GiB" },
        { EiB, "1 EiB" },
        { UINT64_MAX, "16 EiB" },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        char *s = size_to_str(cases[i].v);

        g_assert_cmpstr(s, ==, cases[i].s);
        g_free(s);
    }
}

static void test_host_page_size(void)
{
    size_t ps = qemu_real_host_page_size();

    g_assert_cmpuint(ps, ==, (size_t)sysconf(_SC_PAGESIZE));
    g_assert_true((ps & (ps - 1)) == 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cutils/strtosz/table", test_strtosz_table);
    g_test_add_func("/cutils/strtosz/end", test_strtosz_end);
    g_test_add_func("/cutils/strtosz/mib", test_strtosz_mib);
    g_test_add_func("/cutils/strtou64", test_strtou64);
    g_test_add_func("/cutils/strtoi", test_strtoi);
    g_test_add_func("/cutils/parse-bool", test_parse_bool);
    g_test_add_func("/cutils/size-to-str", test_size_to_str);
    g_test_add_func("/osdep/host-page-size", test_host_page_size);
    return g_test_run();
}
