/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The human monitor: whole outputs of its commands through QMP
 * human-monitor-command, and a session on -monitor stdio (greeting,
 * prompt, QEMU's echo, quit).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "libqtest.h"

#define RAM_ARGS "-machine none,memory-backend=ram0 " \
                 "-object memory-backend-ram,id=ram0,size=4M"

/* The text human-monitor-command returned (g_free), or NULL on error. */
static char *hmp(QTestState *qts, const char *line)
{
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"human-monitor-command\", "
                            "\"arguments\": {\"command-line\": \"%s\"}}",
                            line);
    const char *text = json_string_value(json_object_get(rsp, "return"));
    char *copy = g_strdup(text);

    json_decref(rsp);
    return copy;
}

static void assert_hmp(QTestState *qts, const char *line,
                       const char *expected)
{
    g_autofree char *out = hmp(qts, line);

    if (g_strcmp0(out, expected)) {
        g_test_message("'%s' printed:\n%s\nexpected:\n%s", line, out,
                       expected);
    }
    g_assert_cmpstr(out, ==, expected);
}

typedef struct HmpCase {
    const char *line;
    const char *output;     /* the whole text, "\r\n" line ends */
} HmpCase;

static const HmpCase cases[] = {
    { "info status", "VM status: running\r\n" },
    { "info version", "11.0.50qemu-gmem\r\n" },
    { "info kvm", "kvm support: disabled\r\n" },
    /* No -name: QEMU prints nothing at all. */
    { "info name", "" },
    { "info memory-attributes",
      "no RAM with a shared/private map (not a confidential guest)\r\n" },
    { "info memdev",
      "memory backend: ram0\r\n"
      "  size:  4194304\r\n"
      "  merge: true\r\n"
      "  dump: true\r\n"
      "  prealloc: false\r\n"
      "  share: false\r\n"
      "  reserve: true\r\n"
      "  policy: default\r\n"
      "  host nodes: \r\n"
      "\r\n" },
    { "info mtree",
      "address-space: memory\r\n"
      "  0000000000000000-ffffffffffffffff (prio 0, container): system\r\n"
      "    0000000000000000-00000000003fffff (prio 0, ram): ram0\r\n"
      "\r\n"
      "address-space: I/O\r\n"
      "  0000000000000000-000000000000ffff (prio 0, container): io\r\n"
      "\r\n" },
    { "info mtree -o",
      "address-space: memory\r\n"
      "  0000000000000000-ffffffffffffffff (prio 0, container): system"
      " orphan\r\n"
      "    0000000000000000-00000000003fffff (prio 0, ram): ram0"
      " owner:{obj path=/objects/ram0}\r\n"
      "\r\n"
      "address-space: I/O\r\n"
      "  0000000000000000-000000000000ffff (prio 0, container): io"
      " orphan\r\n"
      "\r\n" },
    { "info mtree -f",
      "FlatView #0\r\n"
      " AS \"memory\", root: system\r\n"
      " Root memory region: system\r\n"
      "  0000000000000000-00000000003fffff (prio 0, ram): ram0\r\n"
      "\r\n"
      "FlatView #1\r\n"
      " AS \"I/O\", root: io\r\n"
      " Root memory region: io\r\n"
      "\r\n" },
    { "info mtree -x",
      "mtree: unsupported option -x\r\n"
      "Try \"help info mtree\" for more information\r\n" },
    { "info qom-tree /objects",
      "/objects (container)\r\n"
      "  /ram0 (memory-backend-ram)\r\n" },
    { "info qom-tree /nope",
      "Path '/nope' could not be resolved.\r\n" },
    { "info bogus", "unknown command: 'info bogus'\r\n" },
    { "bogus 1 2", "unknown command: 'bogus'\r\n" },
    { "", "" },
    { "info status extra",
      "status: extraneous characters at the end of line\r\n"
      "Try \"help info status\" for more information\r\n" },
    { "object_add",
      "object_add: string expected\r\n"
      "Try \"help object_add\" for more information\r\n" },
    { "help quit", "quit|q  -- quit the emulator\r\n" },
    { "help q", "quit|q  -- quit the emulator\r\n" },
    { "help info memdev", "info memdev  -- show memory backends\r\n" },
    { "help info nope", "unknown command: 'info nope'\r\n" },
    { "help nope", "unknown command: 'nope'\r\n" },
    { "help",
      "help|? [cmd] -- show the help\r\n"
      "quit|q  -- quit the emulator\r\n"
      "stop|s  -- stop emulation\r\n"
      "cont|c  -- resume emulation\r\n"
      "system_powerdown  -- send system power down event\r\n"
      "object_add [qom-type=]type,id=str[,prop=value][,...] -- create QOM "
      "object\r\n"
      "object_del id -- destroy QOM object\r\n"
      "info [subcommand] -- show various information about the system "
      "state\r\n" },
    { "info",
      "info version  -- show the version of QEMU\r\n"
      "info mtree [-f][-d][-o][-D] -- show memory tree (-f: dump flat view "
      "for address spaces;-d: dump dispatch tree, valid with -f only);"
      "-o: dump region owners/parents;-D: dump disabled regions\r\n"
      "info kvm  -- show KVM information\r\n"
      "info status  -- show the current VM status (running|paused)\r\n"
      "info name  -- show the current VM name\r\n"
      "info qom-tree [path] -- show QOM composition tree\r\n"
      "info memdev  -- show memory backends\r\n"
      "info memory-attributes  -- show the shared/private state of guest "
      "RAM\r\n" },
    /* object_add: QEMU's keyval visitor texts, "Error: " in front. */
    { "object_add memory-backend-ram,id=m1,size=0",
      "Error: property 'size' of memory-backend-ram doesn't take value "
      "'0'\r\n" },
    { "object_add memory-backend-ram,id=m1,size=1Q",
      "Error: Parameter 'size' expects size\r\n" },
    { "object_add memory-backend-ram,id=m1,size=1M,share=yes",
      "Error: Parameter 'share' expects 'on' or 'off'\r\n" },
    { "object_add memory-backend-ram,id=m1,size=1M,foo=1",
      "Error: Parameter 'foo' is unexpected\r\n" },
    { "object_add memory-backend-ram,id=m1",
      "Error: Parameter 'size' is missing\r\n" },
    { "object_add memory-backend-ram,id=m1,size=1M,prealloc-threads=x",
      "Error: Parameter 'prealloc-threads' expects integer\r\n" },
    { "object_add memory-backend-ram,id=m1,size=1M,host-nodes=0",
      "Error: Invalid parameter type for 'host-nodes', expected: array\r\n" },
    { "object_add memory-backend-ram,id=0m,size=1M",
      "Error: Parameter 'id' expects an identifier\r\n"
      "Identifiers consist of letters, digits, '-', '.', '_', starting "
      "with a letter.\r\n" },
    { "object_add memory-backend-ram,id=ram0,size=1M",
      "Error: attempt to add duplicate property 'ram0' to object (type "
      "'container')\r\n" },
    { "object_del nope", "Error: object 'nope' not found\r\n" },
    { "object_del ram0",
      "Error: object 'ram0' is in use, can not be deleted\r\n" },
};

static void test_outputs(void)
{
    QTestState *qts = qtest_init(RAM_ARGS);

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        assert_hmp(qts, cases[i].line, cases[i].output);
    }
    qtest_quit(qts);
}

/* object_add/object_del reach the same objects as QMP; stop/cont too. */
static void test_object_add_del(void)
{
    QTestState *qts = qtest_init(RAM_ARGS);

    assert_hmp(qts, "object_add memory-backend-ram,id=m1,size=1M,"
               "merge=off,host-nodes.0=0,policy=preferred", "");
    assert_hmp(qts, "info memdev",
               "memory backend: ram0\r\n"
               "  size:  4194304\r\n  merge: true\r\n  dump: true\r\n"
               "  prealloc: false\r\n  share: false\r\n  reserve: true\r\n"
               "  policy: default\r\n  host nodes: \r\n"
               "memory backend: m1\r\n"
               "  size:  1048576\r\n  merge: false\r\n  dump: true\r\n"
               "  prealloc: false\r\n  share: false\r\n  reserve: true\r\n"
               "  policy: preferred\r\n  host nodes: 0\r\n"
               "\r\n");
    assert_hmp(qts, "info qom-tree /objects",
               "/objects (container)\r\n"
               "  /m1 (memory-backend-ram)\r\n"
               "  /ram0 (memory-backend-ram)\r\n");
    assert_hmp(qts, "object_del m1", "");
    assert_hmp(qts, "object_del m1", "Error: object 'm1' not found\r\n");
    assert_hmp(qts, "stop", "");
    assert_hmp(qts, "info status", "VM status: paused\r\n");
    assert_hmp(qts, "c", "");
    assert_hmp(qts, "info status", "VM status: running\r\n");
    qtest_quit(qts);
}

/* -S: QEMU names the run state when it is not plain "paused". */
static void test_status_prelaunch(void)
{
    QTestState *qts = qtest_init("-machine none -S");

    assert_hmp(qts, "info status", "VM status: paused (prelaunch)\r\n");
    assert_hmp(qts, "cont", "");
    assert_hmp(qts, "info status", "VM status: running\r\n");
    assert_hmp(qts, "stop", "");
    assert_hmp(qts, "info status", "VM status: paused\r\n");
    qtest_quit(qts);
}

/* QEMU's echo of typing @text at the end of the line, key by key. */
static void append_echo(GString *s, const char *text)
{
    size_t n = strlen(text);

    for (size_t k = 1; k <= n; k++) {
        for (size_t i = 1; i < k; i++) {
            g_string_append(s, "\033[D");
        }
        g_string_append_len(s, text, k);
        g_string_append(s, "\033[K");
    }
}

/* Run the binary with -monitor stdio, feed @input, return its stdout. */
static char *run_monitor_stdio(const char *input, int *status)
{
    const char *argv[] = { qtest_qemu_binary(), "-machine", "none",
                           "-accel", "qtest", "-display", "none",
                           "-nodefaults", "-monitor", "stdio", NULL };
    GError *gerr = NULL;
    GPid pid;
    int in_fd, out_fd;
    GString *out = g_string_new(NULL);
    char buf[4096];
    ssize_t n;
    int wstatus;

    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                           NULL, &pid, &in_fd, &out_fd, NULL,
                                           &gerr));
    g_assert_cmpint(write(in_fd, input, strlen(input)), ==, strlen(input));
    close(in_fd);
    while ((n = read(out_fd, buf, sizeof(buf))) > 0) {
        g_string_append_len(out, buf, n);
    }
    close(out_fd);
    g_assert_cmpint(waitpid(pid, &wstatus, 0), ==, pid);
    g_spawn_close_pid(pid);
    *status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    return g_string_free(out, FALSE);
}

static void test_monitor_stdio(void)
{
    GString *expected = g_string_new("QEMU 11.0.50 monitor - type 'help' "
                                     "for more information\r\n(qemu) ");
    int status;
    char *out = run_monitor_stdio("info status\nnope\nq\n", &status);

    append_echo(expected, "info status");
    g_string_append(expected, "\r\nVM status: running\r\n(qemu) ");
    append_echo(expected, "nope");
    g_string_append(expected, "\r\nunknown command: 'nope'\r\n(qemu) ");
    append_echo(expected, "q");
    /* quit: no prompt after it, and the process ends by itself. */
    g_string_append(expected, "\r\n");
    g_assert_cmpstr(out, ==, expected->str);
    g_assert_cmpint(status, ==, 0);
    g_free(out);
    g_string_free(expected, TRUE);
}

/* Editing keys: backspace, cursor left + insert, history recall. */
static void test_monitor_editing(void)
{
    int status;
    char *out = run_monitor_stdio("x\bq\x1b[A\n", &status);
    const char *expected =
        "QEMU 11.0.50 monitor - type 'help' for more information\r\n"
        "(qemu) "
        "x\033[K"                 /* x */
        "\033[D\033[K"            /* backspace: the line redrawn empty */
        "q\033[K"                 /* q */
        ""                        /* ESC, [: nothing shown yet */
        "\r\n";                   /* up: no history yet; enter runs q */

    g_assert_cmpstr(out, ==, expected);
    g_assert_cmpint(status, ==, 0);
    g_free(out);
}

/* -mon without mode= is a human monitor (QEMU's default), per client. */
static void test_mon_socket(void)
{
    g_autofree char *dir = g_dir_make_tmp("hmp-test-XXXXXX", NULL);
    g_autofree char *path = g_strdup_printf("%s/hmp.sock", dir);
    const char *greeting = "QEMU 11.0.50 monitor - type 'help' for more "
                           "information\r\n(qemu) ";
    const char *reply = "\r\nVM status: running\r\n(qemu) ";
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    QTestState *qts;
    GString *want = g_string_new(greeting);
    GString *got = g_string_new(NULL);
    char buf[256];
    int fd;

    qts = qtest_initf("-machine none -chardev socket,id=h0,path=%s,"
                      "server=on,wait=off -mon chardev=h0", path);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==,
                    0);
    g_assert_cmpint(write(fd, "info status\r", 12), ==, 12);
    append_echo(want, "info status");
    g_string_append(want, reply);
    while (got->len < want->len) {
        ssize_t n = read(fd, buf, sizeof(buf));

        g_assert_cmpint(n, >, 0);
        g_string_append_len(got, buf, n);
    }
    g_assert_cmpstr(got->str, ==, want->str);
    close(fd);
    qtest_quit(qts);
    unlink(path);
    rmdir(dir);
    g_string_free(want, TRUE);
    g_string_free(got, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_qemu_binary();
    g_test_add_func("/hmp/outputs", test_outputs);
    g_test_add_func("/hmp/object-add-del", test_object_add_del);
    g_test_add_func("/hmp/status-prelaunch", test_status_prelaunch);
    g_test_add_func("/hmp/monitor-stdio", test_monitor_stdio);
    g_test_add_func("/hmp/monitor-editing", test_monitor_editing);
    g_test_add_func("/hmp/mon-socket", test_mon_socket);
    return g_test_run();
}
