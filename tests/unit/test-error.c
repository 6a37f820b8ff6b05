/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the Error API and the program-name-prefixed reporting. */

#include "qemu/osdep.h"
#include "qapi/error.h"

static bool fail_with(Error **errp, const char *what)
{
    error_setg(errp, "failed: %s", what);
    return false;
}

static void test_setg_and_free(void)
{
    Error *err = NULL;

    g_assert_false(fail_with(&err, "x"));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, "failed: x");
    g_assert_cmpint(error_get_class(err), ==, ERROR_CLASS_GENERIC_ERROR);
    g_assert_null(error_get_hint(err));
    error_free_or_abort(&err);
    g_assert_null(err);

    /* A NULL errp means "ignore". */
    g_assert_false(fail_with(NULL, "y"));
}

static void test_setg_errno(void)
{
    Error *err = NULL;
    char *expect = g_strdup_printf("open foo: %s", g_strerror(ENOENT));

    error_setg_errno(&err, ENOENT, "open %s", "foo");
    g_assert_cmpstr(error_get_pretty(err), ==, expect);
    error_free(err);
    g_free(expect);
}

static void test_set_class(void)
{
    Error *err = NULL;

    error_set(&err, ERROR_CLASS_DEVICE_NOT_FOUND, "Device '%s' not found",
              "/x");
    g_assert_cmpint(error_get_class(err), ==, ERROR_CLASS_DEVICE_NOT_FOUND);
    g_assert_cmpstr(error_get_pretty(err), ==, "Device '/x' not found");
    error_free(err);
}

static void test_class_names(void)
{
    g_assert_cmpstr(error_class_name(ERROR_CLASS_GENERIC_ERROR), ==,
                    "GenericError");
    g_assert_cmpstr(error_class_name(ERROR_CLASS_COMMAND_NOT_FOUND), ==,
                    "CommandNotFound");
    g_assert_cmpstr(error_class_name(ERROR_CLASS_DEVICE_NOT_ACTIVE), ==,
                    "DeviceNotActive");
    g_assert_cmpstr(error_class_name(ERROR_CLASS_DEVICE_NOT_FOUND), ==,
                    "DeviceNotFound");
    g_assert_cmpstr(error_class_name(ERROR_CLASS_KVM_MISSING_CAP), ==,
                    "KVMMissingCap");
}

static void test_propagate(void)
{
    Error *dst = NULL;
    Error *local = NULL;
    Error *second = NULL;

    error_propagate(&dst, NULL);
    g_assert_null(dst);

    error_setg(&local, "first");
    error_propagate(&dst, local);
    g_assert_cmpstr(error_get_pretty(dst), ==, "first");

    /* The first error wins; the later one is freed. */
    error_setg(&second, "second");
    error_propagate(&dst, second);
    g_assert_cmpstr(error_get_pretty(dst), ==, "first");
    error_free(dst);

    /* Propagating into NULL frees. */
    local = NULL;
    error_setg(&local, "dropped");
    error_propagate(NULL, local);
}

static void test_prepend_hint_copy(void)
{
    Error *err = NULL;
    Error *copy;

    error_prepend(&err, "ignored: ");
    g_assert_null(err);
    error_setg(&err, "bad value");
    error_prepend(&err, "property '%s': ", "size");
    g_assert_cmpstr(error_get_pretty(err), ==, "property 'size': bad value");
    error_append_hint(&err, "Try %s\n", "1G");
    error_append_hint(&err, "Or %s\n", "2G");
    g_assert_cmpstr(error_get_hint(err), ==, "Try 1G\nOr 2G\n");
    copy = error_copy(err);
    error_free(err);
    g_assert_cmpstr(error_get_pretty(copy), ==, "property 'size': bad value");
    g_assert_cmpstr(error_get_hint(copy), ==, "Try 1G\nOr 2G\n");
    error_free(copy);
}

static void test_report_prefix(void)
{
    if (g_test_subprocess()) {
        Error *err = NULL;

        error_init("/usr/bin/qemu-system-x86_64");
        error_report("plain %d", 1);
        warn_report("careful");
        info_report("fyi");
        error_setg(&err, "with hint");
        error_append_hint(&err, "hint line\n");
        error_report_err(err);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("qemu-system-x86_64: plain 1\n"
                              "qemu-system-x86_64: warning: careful\n"
                              "qemu-system-x86_64: info: fyi\n"
                              "qemu-system-x86_64: with hint\n"
                              "hint line\n");
}

static void collect(void *opaque, const char *text)
{
    g_string_append(opaque, text);
}

/* QEMU's report shapes: option locations, a monitor, a fixed prefix. */
static void test_locations(void)
{
    if (g_test_subprocess()) {
        GString *mon = g_string_new(NULL);
        ErrorPrinter printer;
        Location loc, inner;
        Error *err = NULL;

        error_init("qemu-system-x86_64");
        loc_push_option(&loc, "accel", "bogus");
        error_report("invalid accelerator %s", "bogus");
        loc_push_option(&inner, "S", NULL);
        warn_report("inner");
        loc_pop(&inner);
        /* A monitor command: no program name, no location. */
        error_printer_push(&printer, collect, mon);
        error_setg(&err, "in monitor");
        error_append_hint(&err, "its hint\n");
        error_report_err(err);
        error_printer_pop(&printer);
        loc_pop(&loc);
        error_report("no location");
        err = NULL;
        error_setg(&err, "could not open kernel file '/x': gone");
        error_set_report_prefix(&err, "qemu");
        error_report_err(err);
        g_assert_cmpstr(mon->str, ==, "in monitor\nits hint\n");
        g_string_free(mon, TRUE);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("qemu-system-x86_64: -accel bogus: invalid "
                              "accelerator bogus\n"
                              "qemu-system-x86_64: -S: warning: inner\n"
                              "qemu-system-x86_64: no location\n"
                              "qemu: could not open kernel file '/x': gone\n");
}

static void test_progname(void)
{
    error_init("/some/dir/my-prog");
    g_assert_cmpstr(error_get_progname(), ==, "my-prog");
    error_init(NULL);
    g_assert_cmpstr(error_get_progname(), ==, "qemu-system-x86_64");
}

static void test_fatal_exits(void)
{
    if (g_test_subprocess()) {
        error_init("prog");
        error_setg(&error_fatal, "fatal %s", "thing");
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("prog: fatal thing\n");
}

static void test_abort_aborts(void)
{
    if (g_test_subprocess()) {
        error_init("prog");
        error_setg(&error_abort, "unexpected");
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*prog: unexpected*");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/error/setg", test_setg_and_free);
    g_test_add_func("/error/setg-errno", test_setg_errno);
    g_test_add_func("/error/set-class", test_set_class);
    g_test_add_func("/error/class-names", test_class_names);
    g_test_add_func("/error/propagate", test_propagate);
    g_test_add_func("/error/prepend-hint-copy", test_prepend_hint_copy);
    g_test_add_func("/error/report-prefix", test_report_prefix);
    g_test_add_func("/error/locations", test_locations);
    g_test_add_func("/error/progname", test_progname);
    g_test_add_func("/error/fatal", test_fatal_exits);
    g_test_add_func("/error/abort", test_abort_aborts);
    return g_test_run();
}
