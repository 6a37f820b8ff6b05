/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The qtest protocol: reply formats, bad commands, log, -object qtest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include "libqtest.h"

static void assert_reply_re(QTestState *qts, const char *cmd,
                            const char *pattern)
{
    char *rsp = qtest_command(qts, "%s", cmd);

    if (!g_regex_match_simple(pattern, rsp, 0, 0)) {
        g_error("'%s' -> '%s', expected /%s/", cmd, rsp, pattern);
    }
    g_free(rsp);
}

static void test_formats(void)
{
    QTestState *qts = qtest_init("-machine none,memory-backend=m "
                                 "-object memory-backend-ram,id=m,size=1M");

    assert_reply_re(qts, "endianness", "^OK little$");
    assert_reply_re(qts, "writeb 0x10 0x5a", "^OK$");
    assert_reply_re(qts, "readb 0x10", "^OK 0x000000000000005a$");
    assert_reply_re(qts, "writew 16 0x1234", "^OK$");
    assert_reply_re(qts, "readw 0x10", "^OK 0x0000000000001234$");
    /* Octal, as qemu_strtou64 base 0 reads it. */
    assert_reply_re(qts, "writel 020 0xcafef00d", "^OK$");
    assert_reply_re(qts, "readl 0x10", "^OK 0x00000000cafef00d$");
    assert_reply_re(qts, "writeq 0x10 0x0102030405060708", "^OK$");
    assert_reply_re(qts, "readq 0x10", "^OK 0x0102030405060708$");
    assert_reply_re(qts, "read 0x10 4", "^OK 0x08070605$");
    assert_reply_re(qts, "write 0x20 4 0xaabb", "^OK$");
    assert_reply_re(qts, "read 0x20 4", "^OK 0xaabb0000$");
    assert_reply_re(qts, "b64write 0x30 3 AQID", "^OK$");
    assert_reply_re(qts, "b64read 0x30 3", "^OK AQID$");
    assert_reply_re(qts, "memset 0x40 8 0x11", "^OK$");
    assert_reply_re(qts, "readq 0x40", "^OK 0x1111111111111111$");
    assert_reply_re(qts, "outb 0x80 0x12", "^OK$");
    assert_reply_re(qts, "inb 0x80", "^OK 0x[0-9a-f]{4,}$");
    assert_reply_re(qts, "inw 0x80", "^OK 0x[0-9a-f]{4,}$");
    assert_reply_re(qts, "inl 0x80", "^OK 0x[0-9a-f]{4,}$");
    assert_reply_re(qts, "clock_step 100", "^OK 100$");
    assert_reply_re(qts, "clock_set 1000", "^OK 1000$");
    assert_reply_re(qts, "clock_set 10", "^FAIL ");
    assert_reply_re(qts, "module_load foo bar", "^FAIL");
    qtest_quit(qts);
}

static const char *const bad_commands[] = {
    "frobnicate 1 2",
    "readb",
    "readb zz",
    "readq 0x10 0x20",
    "writeb 0x10",
    "writeb 0x10 nope",
    "read 0x10 0",
    "read 0x10",
    "write 0x10 4 0xzz",
    "write 0x10 2 0x112233",
    "write 0x10 4",
    "b64read 0x10",
    "memset 0x10 4 0x100",
    "outb 0x10000 1",
    "inb",
    "clock_step x",
    "irq_intercept_in /no/such/device",
    "irq_intercept_out",
    "set_irq_in /machine unnamed-gpio-in 0 1",
    "",
    "   ",
};

static void test_bad_commands(void)
{
    QTestState *qts = qtest_init("-machine none,memory-backend=m "
                                 "-object memory-backend-ram,id=m,size=1M");

    qtest_writeb(qts, 0x100, 0x42);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_commands); i++) {
        char *rsp = qtest_command(qts, "%s", bad_commands[i]);

        g_test_message("'%s' -> '%s'", bad_commands[i], rsp);
        g_assert_true(g_str_has_prefix(rsp, "FAIL") ||
                      g_str_has_prefix(rsp, "ERR"));
        g_free(rsp);
        /* The server is still there and memory untouched. */
        g_assert_cmphex(qtest_readb(qts, 0x100), ==, 0x42);
    }
    assert_reply_re(qts, "frob", "^FAIL Unknown command 'frob'$");
    assert_reply_re(qts, "write 0 4 0xzz", "^ERR invalid argument size$");
    assert_reply_re(qts, "irq_intercept_in /no/such/device",
                    "^FAIL Unknown device$");
    qtest_quit(qts);
}

/*
 * A reply larger than the chardev's 64 MiB backlog cap (a 40 MiB hex read)
 * arrives whole and the connection stays usable; a command line spread
 * over many socket reads (an 8 MiB hex write) is assembled correctly.
 */
static void test_large_transfer(void)
{
    const size_t big = 40 * 1024 * 1024;
    const size_t wr = 8 * 1024 * 1024;
    QTestState *qts = qtest_init("-machine none,memory-backend=m "
                                 "-object memory-backend-ram,id=m,size=48M");
    uint8_t *in = g_malloc(wr);
    uint8_t *out = g_malloc(big);

    for (size_t i = 0; i < wr; i++) {
        in[i] = (uint8_t)(i * 7 + (i >> 13));
    }
    qtest_memwrite(qts, 0x1000, in, wr);
    qtest_memset(qts, big - 16, 0xa5, 16);
    qtest_memread(qts, 0, out, big);
    g_assert_true(memcmp(out + 0x1000, in, wr) == 0);
    g_assert_cmphex(out[big - 1], ==, 0xa5);
    g_assert_cmphex(out[big - 17], ==, 0);
    g_assert_cmphex(qtest_readb(qts, 0x1001), ==, in[1]);
    g_free(in);
    g_free(out);
    qtest_quit(qts);
}

static void test_log(void)
{
    g_autofree char *log = g_strdup_printf("%s/qtest-log-%d.txt",
                                           g_get_tmp_dir(), getpid());
    g_autofree char *args = g_strdup_printf("-machine none -qtest-log %s",
                                            log);
    g_autofree char *text = NULL;
    QTestState *qts = qtest_init(args);

    g_free(qtest_command(qts, "clock_step 7"));
    qtest_quit(qts);
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    g_assert_true(g_regex_match_simple("^\\[R \\+[0-9]+\\.[0-9]{6}\\] "
                                       "clock_step 7$", text,
                                       G_REGEX_MULTILINE, 0));
    g_assert_true(g_regex_match_simple("^\\[S \\+[0-9]+\\.[0-9]{6}\\] "
                                       "OK 7$", text, G_REGEX_MULTILINE, 0));
    unlink(log);
}

/*
 * -object qtest on a listening chardev, driven by a raw client.  Only one
 * qtest server may exist, so this runs without libqtest's -qtest.
 */
static void test_object_qtest(void)
{
    g_autofree char *path = g_strdup_printf("%s/qtest-obj-%d.sock",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *chardev = g_strdup_printf("socket,id=qt,path=%s,"
                                               "server=on,wait=off", path);
    const char *argv[] = {
        qtest_qemu_binary(), "-machine", "none,memory-backend=m",
        "-object", "memory-backend-ram,id=m,size=1M",
        "-chardev", chardev, "-object", "qtest,id=qtobj,chardev=qt",
        "-accel", "qtest", "-display", "none", NULL
    };
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    const char *cmd = "writel 0x200 0x11223344\nreadl 0x200\n";
    char buf[256] = "";
    size_t got = 0;
    GPid pid;
    int fd = -1;

    unlink(path);
    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                NULL));
    strcpy(un.sun_path, path);
    for (int i = 0; i < 3000 && fd < 0; i++) {
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&un, sizeof(un)) < 0) {
            close(fd);
            fd = -1;
            g_usleep(10 * 1000);
        }
    }
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, cmd, strlen(cmd)), ==, strlen(cmd));
    while (!strstr(buf, "0x0000000011223344\n") && got < sizeof(buf) - 1) {
        ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);

        g_assert_cmpint(n, >, 0);
        got += n;
        buf[got] = '\0';
    }
    g_assert_cmpstr(buf, ==, "OK\nOK 0x0000000011223344\n");
    close(fd);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    g_spawn_close_pid(pid);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_qemu_binary();
    g_test_add_func("/qtest-proto/formats", test_formats);
    g_test_add_func("/qtest-proto/bad-commands", test_bad_commands);
    g_test_add_func("/qtest-proto/large-transfer", test_large_transfer);
    g_test_add_func("/qtest-proto/log", test_log);
    g_test_add_func("/qtest-proto/object-qtest", test_object_qtest);
    return g_test_run();
}
