/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -sandbox on the real kernel: QEMU's option errors word for word, the
 * filter visible in /proc, QMP and memory backends working under it, and
 * the built-in guest running on guest_memfd with every group denied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/seccomp.h>
#include <glib.h>
#include "../qtest/libqtest.h"

#define PFX "qemu-system-x86_64: "
#define QT "-machine", "none", "-accel", "qtest", "-display", "none", \
           "-nodefaults"
#define FULL "on,obsolete=deny,elevateprivileges=deny,spawn=deny," \
             "resourcecontrol=deny"

static const char *seccomp_missing(void)
{
    /* EFAULT: the kernel checked the flags and wanted a filter. */
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
                SECCOMP_FILTER_FLAG_TSYNC, NULL) < 0 && errno == EFAULT) {
        return NULL;
    }
    return "seccomp() with SECCOMP_FILTER_FLAG_TSYNC is not available";
}

typedef struct ErrCase {
    const char *arg;
    const char *expected;
} ErrCase;

/* Texts as Debian's QEMU 7.2 prints them for the same arguments. */
static const ErrCase err_cases[] = {
    { "on,obsolete=x",
      PFX "-sandbox on,obsolete=x: invalid argument for obsolete\n" },
    { "on,elevateprivileges=x",
      PFX "-sandbox on,elevateprivileges=x: invalid argument for "
      "elevateprivileges\n" },
    { "on,spawn=x", PFX "-sandbox on,spawn=x: invalid argument for spawn\n" },
    { "on,resourcecontrol=x",
      PFX "-sandbox on,resourcecontrol=x: invalid argument for "
      "resourcecontrol\n" },
    { "bogus",
      PFX "-sandbox bogus: Parameter 'enable' expects 'on' or 'off'\n" },
    { "on,foo=1", PFX "-sandbox on,foo=1: Invalid parameter 'foo'\n" },
};

static void test_errors(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(err_cases); i++) {
        const char *argv[] = { QT, "-sandbox", err_cases[i].arg, NULL };
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;
        int status = qtest_run_binary(argv, &out, &err, 60);

        g_test_message("-sandbox %s", err_cases[i].arg);
        g_assert_cmpint(status, ==, 1);
        g_assert_cmpstr(err, ==, err_cases[i].expected);
        g_assert_cmpstr(out, ==, "");
    }
}

/* The value of one "Key:\tvalue" line of /proc/PID/status. */
static char *proc_status(pid_t pid, const char *key)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autofree char *prefix = g_strdup_printf("%s:", key);

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], prefix)) {
            return g_strstrip(g_strdup(lines[i] + strlen(prefix)));
        }
    }
    return NULL;
}

static void check_filters(QTestState *qts, const char *count)
{
    g_autofree char *mode = proc_status(qtest_pid(qts), "Seccomp");
    g_autofree char *n = proc_status(qtest_pid(qts), "Seccomp_filters");
    g_autofree char *nnp = proc_status(qtest_pid(qts), "NoNewPrivs");

    g_assert_cmpstr(mode, ==, count ? "2" : "0");
    if (n) {        /* the line exists since Linux 5.9 */
        g_assert_cmpstr(n, ==, count ? count : "0");
    }
    g_assert_cmpstr(nnp, ==, count ? "1" : "0");
}

static void test_status(void)
{
    QTestState *qts;
    json_t *rsp;

    if (seccomp_missing()) {
        g_test_skip(seccomp_missing());
        return;
    }
    /* off: nothing installed, values not even checked (as QEMU) */
    qts = qtest_init("-machine none -sandbox off,spawn=x");
    check_filters(qts, NULL);
    qtest_quit(qts);

    /* one filter per -sandbox on, on every thread */
    qts = qtest_init("-machine none -sandbox " FULL " -sandbox on");
    check_filters(qts, "2");
    {
        g_autofree char *dir = g_strdup_printf("/proc/%d/task",
                                               (int)qtest_pid(qts));
        GDir *d = g_dir_open(dir, 0, NULL);
        const char *tid;
        int threads = 0;

        g_assert_nonnull(d);
        while ((tid = g_dir_read_name(d))) {
            g_autofree char *path = g_strdup_printf("%s/%s/status", dir,
                                                    tid);
            g_autofree char *text = NULL;

            g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
            g_assert_nonnull(strstr(text, "\nSeccomp:\t2\n"));
            threads++;
        }
        g_dir_close(d);
        /* main and the monitor I/O thread at least */
        g_assert_cmpint(threads, >=, 2);
    }
    /* QMP and memory backends (memfd_create, mmap, prealloc) still work */
    rsp = qtest_qmp(qts, "{\"execute\": \"object-add\", \"arguments\": "
                    "{\"qom-type\": \"memory-backend-memfd\", \"id\": "
                    "\"m0\", \"size\": 8388608, \"prealloc\": true}}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    rsp = qtest_qmp(qts, "{\"execute\": \"object-del\", \"arguments\": "
                    "{\"id\": \"m0\"}}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    qtest_quit(qts);
}

/* A thread context is made before the filter, as in QEMU. */
static void test_thread_context(void)
{
    QTestState *qts;
    json_t *rsp;

    if (seccomp_missing()) {
        g_test_skip(seccomp_missing());
        return;
    }
    qts = qtest_init("-machine none -sandbox on,resourcecontrol=deny "
                     "-object thread-context,id=tc0,cpu-affinity=0 "
                     "-object memory-backend-memfd,id=m0,size=8M,"
                     "prealloc=on,prealloc-context=tc0");
    check_filters(qts, "1");
    rsp = qtest_qmp(qts, "{\"execute\": \"qom-get\", \"arguments\": "
                    "{\"path\": \"/objects/m0\", \"property\": "
                    "\"prealloc\"}}");
    g_assert_true(json_is_true(json_object_get(rsp, "return")));
    json_decref(rsp);
    /* the context is a thread of its own, made before the filter */
    rsp = qtest_qmp(qts, "{\"execute\": \"qom-get\", \"arguments\": "
                    "{\"path\": \"/objects/tc0\", \"property\": "
                    "\"thread-id\"}}");
    {
        json_int_t tid = json_integer_value(json_object_get(rsp, "return"));
        g_autofree char *task = g_strdup_printf("/proc/%d/task/%lld",
                                                (int)qtest_pid(qts),
                                                (long long)tid);

        g_assert_cmpint(tid, !=, qtest_pid(qts));
        g_assert_true(g_file_test(task, G_FILE_TEST_IS_DIR));
    }
    json_decref(rsp);
    /* moving it later is a sched_setaffinity() the filter refuses */
    rsp = qtest_qmp(qts, "{\"execute\": \"qom-set\", \"arguments\": "
                    "{\"path\": \"/objects/tc0\", \"property\": "
                    "\"cpu-affinity\", \"value\": [0]}}");
    g_assert_cmpstr(json_string_value(json_object_get(
        json_object_get(rsp, "error"), "desc")), ==,
        "Setting CPU affinity failed: Operation not permitted");
    json_decref(rsp);
    qtest_quit(qts);
}

/* The whole VMM under every group: the built-in guest on guest_memfd. */
static void test_guest(void)
{
    const char *argv[] = {
        "-machine", "microvm", "-accel", "kvm", "-m", "64M", "-smp", "2",
        "-object", "memory-backend-guest-memfd,id=ram0,size=64M",
        "-machine", "memory-backend=ram0", "-display", "none",
        "-nodefaults", "-serial", "stdio",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-sandbox", FULL, NULL
    };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status;

    if (seccomp_missing() || qtest_kvm_missing() ||
        qtest_guest_memfd_missing()) {
        g_test_skip(seccomp_missing() ?: qtest_kvm_missing() ?:
                    qtest_guest_memfd_missing());
        return;
    }
    status = qtest_run_binary(argv, &out, &err, 300);
    g_assert_cmpint(status, ==, 33);
    g_assert_nonnull(strstr(out, "qemu-gmem guest: PASS"));
    g_assert_cmpstr(err, ==, "");
}

int main(int argc, char **argv)
{
#ifdef __SANITIZE_ADDRESS__
    /*
     * LeakSanitizer's exit-time check clones a tracer process
     * (CLONE_VM|CLONE_UNTRACED, no CLONE_THREAD), which spawn=deny
     * refuses, so LSan would report a fatal error instead of leaks.
     * Other tests check these code paths for leaks.
     */
    {
        const char *opts = g_getenv("ASAN_OPTIONS");
        g_autofree char *more = g_strdup_printf("%s%sdetect_leaks=0",
                                                opts ? opts : "",
                                                opts ? ":" : "");

        g_setenv("ASAN_OPTIONS", more, TRUE);
    }
#endif
    g_test_init(&argc, &argv, NULL);
    qtest_qemu_binary();
    g_test_add_func("/sandbox/errors", test_errors);
    g_test_add_func("/sandbox/status", test_status);
    g_test_add_func("/sandbox/thread-context", test_thread_context);
    g_test_add_func("/sandbox/guest", test_guest);
    return g_test_run();
}
