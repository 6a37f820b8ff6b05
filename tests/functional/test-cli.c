/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line that works: -version, -h, the help outputs, a start and
 * clean exit with every memory backend under -machine none, run states and
 * the SIGTERM path.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "../qtest/libqtest.h"

#define PFX "qemu-system-x86_64: "

static char *tmp_dir;

static int run(const char *const *argv, char **out, char **err)
{
    return qtest_run_binary(argv, out, err, 60);
}

static void test_version(void)
{
    const char *argv[] = { "-version", NULL };
    char *out, *err;
    char **lines;

    g_assert_cmpint(run(argv, &out, &err), ==, 0);
    g_assert_cmpstr(err, ==, "");
    lines = g_strsplit(out, "\n", -1);
    g_assert_cmpstr(lines[0], ==,
                    "QEMU emulator version 11.0.50 (qemu-gmem)");
    g_assert_true(g_str_has_prefix(lines[1], "Copyright (c) "));
    g_assert_cmpstr(lines[2], ==, "");
    g_assert_null(lines[3]);
    g_strfreev(lines);
    g_free(out);
    g_free(err);
}

static void test_help(void)
{
    static const char *const opts[] = {
        "-h ", "-version", "-machine ", "-accel ", "-enable-kvm", "-m ",
        "-smp ", "-object ", "-S ", "-nodefaults", "-display ",
        "-nographic", "-serial ", "-chardev ", "-mon ", "-qmp ",
        "-qtest ", "-qtest-log ", "-kernel ", "-initrd ", "-append ",
        "-device ", "-no-reboot", "-no-shutdown", "-name ", "-run-with ",
    };
    const char *help_forms[] = { "-h", "-help", "--help" };
    size_t i, f;

    for (f = 0; f < G_N_ELEMENTS(help_forms); f++) {
        const char *argv[] = { help_forms[f], NULL };
        char *out, *err;

        g_assert_cmpint(run(argv, &out, &err), ==, 0);
        g_assert_cmpstr(err, ==, "");
        g_assert_nonnull(strstr(out, "usage: qemu-system-x86_64 "
                                "[options]\n"));
        for (i = 0; i < G_N_ELEMENTS(opts); i++) {
            char *line = g_strdup_printf("\n%s", opts[i]);

            if (!strstr(out, line)) {
                g_test_message("option %s missing from -h", opts[i]);
            }
            g_assert_nonnull(strstr(out, line));
            g_free(line);
        }
        g_free(out);
        g_free(err);
    }
}

static void test_object_help(void)
{
    static const char *const expected_types[] = {
        "memory-backend-file", "memory-backend-guest-memfd",
        "memory-backend-memfd", "memory-backend-ram", "memory-backend-shm",
        "thread-context",
    };
    const char *argv[] = { "-object", "help", NULL };
    const char *argv2[] = { "-object", "?", NULL };
    char *out, *err, *out2;
    char **lines;
    size_t i, n;

    g_assert_cmpint(run(argv, &out, &err), ==, 0);
    g_assert_cmpstr(err, ==, "");
    lines = g_strsplit(out, "\n", -1);
    n = g_strv_length(lines);
    g_assert_cmpuint(n, >=, 3);
    g_assert_cmpstr(lines[0], ==, "List of user creatable objects:");
    g_assert_cmpstr(lines[n - 1], ==, "");     /* ends with a newline */
    for (i = 1; i < n - 1; i++) {
        g_assert_true(g_str_has_prefix(lines[i], "  "));
        g_assert_null(strchr(lines[i] + 2, ' '));
        if (i > 1) {
            g_assert_cmpint(strcmp(lines[i - 1], lines[i]), <, 0);
        }
    }
    /* No abstract type is listed. */
    g_assert_null(strstr(out, "  memory-backend\n"));
    for (i = 0; i < G_N_ELEMENTS(expected_types); i++) {
        char *line = g_strdup_printf("\n  %s\n", expected_types[i]);

        g_assert_nonnull(strstr(out, line));
        g_free(line);
    }
    g_assert_cmpint(run(argv2, &out2, NULL), ==, 0);
    g_assert_cmpstr(out2, ==, out);
    g_strfreev(lines);
    g_free(out);
    g_free(out2);
    g_free(err);
}

typedef struct PropHelp {
    const char *name, *type, *desc, *defval;
} PropHelp;

/* The line format of spec §2.2 (QEMU's object_property_help()). */
static char *format_prop(const PropHelp *p)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, "  %s=<%s>", p->name, p->type);
    if (p->desc || p->defval) {
        while (s->len < 24) {
            g_string_append_c(s, ' ');
        }
        g_string_append(s, " - ");
    }
    if (p->desc) {
        g_string_append(s, p->desc);
    }
    if (p->defval) {
        g_string_append_printf(s, " (default: %s)", p->defval);
    }
    return g_string_free(s, FALSE);
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_object_type_help(void)
{
    /*
     * memory-backend-guest-memfd maps straight to MemoryBackendProperties
     * (review requirement 8): exactly the common properties, with the
     * descriptions of spec §1.1 and, as in QEMU, no "(default: ...)":
     * memory backends register no property defaults.
     */
    static const PropHelp props[] = {
        { "dump", "bool", "Set to 'off' to exclude from core dump", NULL },
        { "host-nodes", "int", "Binds memory to the list of NUMA host nodes",
          NULL },
        { "merge", "bool", "Mark memory as mergeable", NULL },
        { "policy", "HostMemPolicy", "Set the NUMA policy", NULL },
        { "prealloc-context", "link<thread-context>",
          "Context to use for creating CPU threads for preallocation", NULL },
        { "prealloc-threads", "int",
          "Number of CPU threads to use for prealloc", NULL },
        { "prealloc", "bool", "Preallocate memory", NULL },
        { "reserve", "bool", "Reserve swap space (or huge pages) if "
          "applicable", NULL },
        { "share", "bool", "Mark the memory as private to QEMU or shared",
          NULL },
        { "size", "int", "Size of the memory region (ex: 500M)", NULL },
        { "x-use-canonical-path-for-ramblock-id", "bool", NULL, NULL },
    };
    const char *argv[] = { "-object", "memory-backend-guest-memfd,help",
                           NULL };
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    GString *expected = g_string_new("memory-backend-guest-memfd options:\n");
    char *out, *err;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(props); i++) {
        g_ptr_array_add(lines, format_prop(&props[i]));
    }
    g_ptr_array_sort(lines, cmp_str);
    for (i = 0; i < lines->len; i++) {
        g_string_append_printf(expected, "%s\n",
                               (char *)g_ptr_array_index(lines, i));
    }
    g_assert_cmpint(run(argv, &out, &err), ==, 0);
    g_assert_cmpstr(err, ==, "");
    g_assert_cmpstr(out, ==, expected->str);
    g_string_free(expected, TRUE);
    g_ptr_array_free(lines, TRUE);
    g_free(out);
    g_free(err);
}

static void test_machine_help(void)
{
    const char *argv[] = { "-machine", "help", NULL };
    const char *argv2[] = { "-M", "?", NULL };
    char *out, *err, *out2;

    g_assert_cmpint(run(argv, &out, &err), ==, 0);
    g_assert_cmpstr(err, ==, "");
    g_assert_true(g_str_has_prefix(out, "Supported machines are:\n"));
    g_assert_nonnull(strstr(out, "\nnone                 empty machine\n"));
    g_assert_nonnull(strstr(out, "\nmicrovm              "));
    g_assert_cmpint(run(argv2, &out2, NULL), ==, 0);
    g_assert_cmpstr(out2, ==, out);
    g_free(out);
    g_free(out2);
    g_free(err);
}

typedef struct BackendCase {
    const char *name;
    const char *args;       /* after "-machine none"; "%s" is the temp dir */
    bool kvm;               /* needs KVM with guest_memfd */
} BackendCase;

#define MB0 " -machine memory-backend=m0"

static const BackendCase backend_cases[] = {
    { "ram", "-object memory-backend-ram,id=m0,size=4M" MB0, false },
    { "ram-json", "-object '{\"qom-type\": \"memory-backend-ram\", "
      "\"id\": \"m0\", \"size\": 4194304}'" MB0, false },
    { "ram-with-matching-m", "-m 4M -object memory-backend-ram,id=m0,"
      "size=4M" MB0, false },
    { "default-ram", "-m 4M", false },
    { "file", "-object memory-backend-file,id=m0,size=4M,mem-path=%s" MB0,
      false },
    { "file-shared", "-object memory-backend-file,id=m0,size=4M,"
      "mem-path=%s/f,share=on" MB0, false },
    { "memfd", "-object memory-backend-memfd,id=m0,size=4M" MB0, false },
    { "shm", "-object memory-backend-shm,id=m0,size=4M" MB0, false },
    { "ram-prealloc", "-object memory-backend-ram,id=m0,size=4M,"
      "prealloc=on" MB0, false },
    { "guest-memfd", "-object memory-backend-guest-memfd,id=m0,size=4M" MB0,
      true },
    { "memfd-guest-memfd", "-object memory-backend-memfd,id=m0,size=4M,"
      "guest-memfd=on" MB0, true },
};

/*
 * Only the file a test named itself ("f") may remain: a mem-path directory
 * gets an unlinked temporary file.
 */
static void assert_tmp_dir_clean(void)
{
    GDir *d = g_dir_open(tmp_dir, 0, NULL);
    const char *n;

    g_assert_nonnull(d);
    while ((n = g_dir_read_name(d))) {
        g_assert_cmpstr(n, ==, "f");
    }
    g_dir_close(d);
}

/*
 * Start with the backend as RAM of -machine none, reach it at GPA 0 over
 * qtest, check the run state, quit over QMP: SHUTDOWN host-qmp-quit and
 * exit status 0.
 */
static void test_start_backend(gconstpointer opaque)
{
    const BackendCase *c = opaque;
    char *object = g_strdup_printf(c->args, tmp_dir);
    char *args;
    QTestState *qts;
    json_t *rsp, *ret, *ev;
    const char *missing;
    int wstatus;

    if (c->kvm && (missing = qtest_guest_memfd_missing())) {
        g_autofree char *why = g_strdup_printf("%s not available: the "
                                               "backend needs KVM", missing);

        g_test_skip(why);
        g_free(object);
        return;
    }
    args = g_strdup_printf("-machine none %s -nodefaults %s",
                           c->kvm ? "-accel kvm" : "", object);
    qts = qtest_init(args);

    qtest_writeq(qts, 0, 0x0123456789abcdefULL);
    qtest_writeq(qts, 4 * 1024 * 1024 - 8, 0xfedcba9876543210ULL);
    g_assert_cmphex(qtest_readq(qts, 0), ==, 0x0123456789abcdefULL);
    g_assert_cmphex(qtest_readq(qts, 4 * 1024 * 1024 - 8), ==,
                    0xfedcba9876543210ULL);

    rsp = qtest_qmp(qts, "{\"execute\": \"query-status\"}");
    g_assert_cmpstr(json_string_value(json_object_get(
        json_object_get(rsp, "return"), "status")), ==, "running");
    json_decref(rsp);

    /* Machine RAM is the named backend, or the default one called "ram". */
    rsp = qtest_qmp(qts, "{\"execute\": \"query-memdev\"}");
    ret = json_object_get(rsp, "return");
    g_assert_cmpuint(json_array_size(ret), ==, 1);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(ret, 0),
                                                      "id")), ==,
                    strstr(c->args, MB0) ? "m0" : "ram");
    g_assert_cmpint(json_integer_value(json_object_get(
        json_array_get(ret, 0), "size")), ==, 4 * 1024 * 1024);
    json_decref(rsp);

    rsp = qtest_qmp(qts, "{\"execute\": \"quit\"}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    ev = qtest_qmp_eventwait(qts, "SHUTDOWN");
    g_assert_true(json_is_false(json_object_get(json_object_get(ev, "data"),
                                                "guest")));
    g_assert_cmpstr(json_string_value(json_object_get(
        json_object_get(ev, "data"), "reason")), ==, "host-qmp-quit");
    json_decref(ev);
    wstatus = qtest_wait_exit(qts);
    g_assert_true(WIFEXITED(wstatus));
    g_assert_cmpint(WEXITSTATUS(wstatus), ==, 0);
    qtest_quit(qts);
    assert_tmp_dir_clean();
    g_free(args);
    g_free(object);
}

static const char *status_of(QTestState *qts)
{
    static char buf[64];
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"query-status\"}");
    json_t *ret = json_object_get(rsp, "return");

    g_assert_nonnull(ret);
    g_assert_true(json_is_boolean(json_object_get(ret, "running")));
    g_strlcpy(buf, json_string_value(json_object_get(ret, "status")),
              sizeof(buf));
    g_assert_cmpint(json_is_true(json_object_get(ret, "running")), ==,
                    !strcmp(buf, "running"));
    json_decref(rsp);
    return buf;
}

/* -S keeps the VM in prelaunch; cont/stop move it and emit the events. */
static void test_runstate(void)
{
    QTestState *qts = qtest_init("-machine none -nodefaults -S");
    json_t *rsp;

    g_assert_cmpstr(status_of(qts), ==, "prelaunch");
    rsp = qtest_qmp(qts, "{\"execute\": \"cont\"}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    json_decref(qtest_qmp_eventwait(qts, "RESUME"));
    g_assert_cmpstr(status_of(qts), ==, "running");

    rsp = qtest_qmp(qts, "{\"execute\": \"stop\"}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
    json_decref(qtest_qmp_eventwait(qts, "STOP"));
    g_assert_cmpstr(status_of(qts), ==, "paused");
    qtest_quit(qts);
}

static void check_reset_event(json_t *ev)
{
    json_t *data = json_object_get(ev, "data");

    g_assert_true(json_is_true(json_object_get(data, "guest")));
    g_assert_cmpstr(json_string_value(json_object_get(data, "reason")), ==,
                    "guest-reset");
}

/* A guest reset (port 0x64) resets the machine and keeps it running. */
static void test_guest_reset(void)
{
    QTestState *qts = qtest_init("-machine microvm -m 16M -nodefaults");
    json_t *ev;

    qtest_outb(qts, 0x64, 0xfe);
    ev = qtest_qmp_eventwait(qts, "RESET");
    check_reset_event(ev);
    json_decref(ev);
    g_assert_cmpstr(status_of(qts), ==, "running");
    qtest_quit(qts);
}

/* -no-reboot turns the reset into a shutdown: SHUTDOWN, exit status 0. */
static void test_no_reboot(void)
{
    QTestState *qts = qtest_init("-machine microvm -m 16M -nodefaults "
                                 "-no-reboot");
    json_t *ev;
    int wstatus;

    qtest_outb(qts, 0x64, 0xfe);
    ev = qtest_qmp_eventwait(qts, "SHUTDOWN");
    check_reset_event(ev);
    json_decref(ev);
    wstatus = qtest_wait_exit(qts);
    g_assert_true(WIFEXITED(wstatus));
    g_assert_cmpint(WEXITSTATUS(wstatus), ==, 0);
    qtest_quit(qts);
}

/* -device isa-debug-exit on any machine: status (v << 1) | 1. */
static void test_debug_exit(gconstpointer opaque)
{
    char *args = g_strdup_printf("-machine %s -nodefaults -device "
                                 "isa-debug-exit,iobase=0xf4,iosize=0x04",
                                 (const char *)opaque);
    QTestState *qts = qtest_init(args);
    int wstatus;

    qtest_outb(qts, 0xf4, 0x2a);
    wstatus = qtest_wait_exit(qts);
    g_assert_true(WIFEXITED(wstatus));
    g_assert_cmpint(WEXITSTATUS(wstatus), ==, (0x2a << 1) | 1);
    qtest_quit(qts);
    g_free(args);
}

static int unix_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Read until @needle shows up or EOF; returns what was read. */
static char *read_until(int fd, const char *needle)
{
    GString *buf = g_string_new(NULL);
    char chunk[1024];
    ssize_t n;

    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };

        if (needle && strstr(buf->str, needle)) {
            break;
        }
        if (poll(&pfd, 1, 30000) <= 0) {
            break;
        }
        n = read(fd, chunk, sizeof(chunk));
        if (n <= 0) {
            break;
        }
        g_string_append_len(buf, chunk, n);
    }
    return g_string_free(buf, FALSE);
}

static char *my_argv0(void)
{
    char *cmdline = NULL;
    gsize len;

    g_assert_true(g_file_get_contents("/proc/self/cmdline", &cmdline, &len,
                                      NULL));
    return cmdline;     /* first NUL-terminated string */
}

/*
 * SIGTERM, SIGINT, SIGHUP: QEMU's message naming our pid and argv[0], a
 * SHUTDOWN event with reason host-signal, exit status 0 and the socket
 * file removed.
 */
static void test_term_signal(gconstpointer opaque)
{
    int sig = GPOINTER_TO_INT(opaque);
    char *sock = g_strdup_printf("%s/qmp.sock", tmp_dir);
    char *qmp_arg = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    const char *argv[] = {
        qtest_qemu_binary(), "-machine", "none", "-accel", "qtest",
        "-display", "none", "-nodefaults", "-qmp", qmp_arg, NULL
    };
    GError *gerr = NULL;
    GPid pid;
    int err_fd, fd = -1, wstatus, i;
    char *got, *events, *err_text, *expected, *argv0;
    GString *err_buf = g_string_new(NULL);
    char chunk[1024];
    ssize_t n;

    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                           NULL, &pid, NULL, NULL, &err_fd,
                                           &gerr));
    for (i = 0; i < 3000 && fd < 0; i++) {
        fd = unix_connect(sock);
        if (fd < 0) {
            g_usleep(10 * 1000);
        }
    }
    g_assert_cmpint(fd, >=, 0);
    got = read_until(fd, "\r\n");
    g_assert_nonnull(strstr(got, "\"QMP\""));
    g_free(got);
    g_assert_cmpint(write(fd, "{\"execute\": \"qmp_capabilities\"}\n", 32),
                    ==, 32);
    got = read_until(fd, "\"return\"");
    g_assert_nonnull(strstr(got, "\"return\""));
    g_free(got);

    g_assert_cmpint(kill(pid, sig), ==, 0);
    events = read_until(fd, NULL);      /* until QEMU closes it */
    while ((n = read(err_fd, chunk, sizeof(chunk))) > 0) {
        g_string_append_len(err_buf, chunk, n);
    }
    g_assert_cmpint(waitpid(pid, &wstatus, 0), ==, pid);
    g_assert_true(WIFEXITED(wstatus));
    g_assert_cmpint(WEXITSTATUS(wstatus), ==, 0);

    argv0 = my_argv0();
    expected = g_strdup_printf(PFX "terminating on signal %d from pid %d "
                               "(%s)\n", sig, (int)getpid(), argv0);
    err_text = g_string_free(err_buf, FALSE);
    g_assert_cmpstr(err_text, ==, expected);
    g_assert_nonnull(strstr(events, "\"SHUTDOWN\""));
    g_assert_nonnull(strstr(events, "\"host-signal\""));
    g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));

    close(fd);
    close(err_fd);
    g_spawn_close_pid(pid);
    g_free(events);
    g_free(err_text);
    g_free(expected);
    g_free(argv0);
    g_free(qmp_arg);
    g_free(sock);
}

int main(int argc, char **argv)
{
    int ret;
    size_t i;

    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("qemu-gmem-cli-XXXXXX", NULL);
    g_assert(tmp_dir);

    g_test_add_func("/cli/version", test_version);
    g_test_add_func("/cli/help", test_help);
    g_test_add_func("/cli/object-help", test_object_help);
    g_test_add_func("/cli/object-type-help", test_object_type_help);
    g_test_add_func("/cli/machine-help", test_machine_help);
    for (i = 0; i < G_N_ELEMENTS(backend_cases); i++) {
        char *path = g_strdup_printf("/cli/start/%s", backend_cases[i].name);

        g_test_add_data_func(path, &backend_cases[i], test_start_backend);
        g_free(path);
    }
    g_test_add_func("/cli/runstate", test_runstate);
    g_test_add_func("/cli/guest-reset", test_guest_reset);
    g_test_add_func("/cli/no-reboot", test_no_reboot);
    g_test_add_data_func("/cli/debug-exit/none", "none", test_debug_exit);
    g_test_add_data_func("/cli/debug-exit/microvm", "microvm -m 16M",
                         test_debug_exit);
    g_test_add_data_func("/cli/signal/term", GINT_TO_POINTER(SIGTERM),
                         test_term_signal);
    g_test_add_data_func("/cli/signal/int", GINT_TO_POINTER(SIGINT),
                         test_term_signal);
    g_test_add_data_func("/cli/signal/hup", GINT_TO_POINTER(SIGHUP),
                         test_term_signal);
    ret = g_test_run();
    {
        char *f = g_strdup_printf("%s/f", tmp_dir);

        g_unlink(f);
        g_free(f);
    }
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
    return ret;
}
