/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP benchmarks (issue 3): start-up to an answered qmp_capabilities with a
 * 16 GiB RAM backend and -S, and object-add + object-del of a 1 GiB
 * guest_memfd backend repeated over one connection (rate, RSS, fds).
 * Prints figures; never fails on time.
 *
 * Usage: bench-qmp [-n RUNS] [-l LOOPS]; QTEST_QEMU_BINARY defaults to the
 * qemu-system-x86_64 of the same build directory.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "../qtest/libqtest.h"

static double now_ms(void)
{
    return g_get_monotonic_time() / 1000.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void qmp_ok(QTestState *qts, const char *cmd)
{
    json_t *rsp = qtest_qmp(qts, "%s", cmd);

    if (!json_object_get(rsp, "return")) {
        char *s = json_dumps(rsp, 0);

        fprintf(stderr, "bench-qmp: %s failed: %s\n", cmd, s);
        exit(1);
    }
    json_decref(rsp);
}

static void quit(QTestState *qts)
{
    qmp_ok(qts, "{\"execute\": \"quit\"}");
    qtest_wait_exit(qts);
    qtest_quit(qts);
}

/* Start-up until qmp_capabilities is answered; median over @runs. */
static void bench_startup(const char *label, const char *args, int runs)
{
    double *t = g_new(double, runs);

    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        QTestState *qts = qtest_init_raw(args);

        qmp_ok(qts, "{\"execute\": \"qmp_capabilities\"}");
        t[i] = now_ms() - t0;
        quit(qts);
    }
    qsort(t, runs, sizeof(double), cmp_double);
    printf("startup %-44s median %7.2f ms  min %7.2f  max %7.2f  (n=%d)\n",
           label, t[runs / 2], t[0], t[runs - 1], runs);
    g_free(t);
}

static long rss_kib(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
    g_autofree char *text = NULL;
    const char *p;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        !(p = strstr(text, "VmRSS:"))) {
        return -1;
    }
    return strtol(p + 6, NULL, 10);
}

static int fd_count(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/fd", pid);
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;

    while (d && (de = readdir(d))) {
        n += de->d_name[0] != '.';
    }
    if (d) {
        closedir(d);
    }
    return n;
}

static void bench_add_del(const char *type, const char *args, int loops)
{
    QTestState *qts = qtest_init_raw(args);
    pid_t pid = qtest_pid(qts);
    g_autofree char *add = g_strdup_printf(
        "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"%s\", "
        "\"id\": \"b\", \"size\": 1073741824}}", type);
    long rss0, rss1;
    int fds0, fds1;
    double t0, t;

    qmp_ok(qts, "{\"execute\": \"qmp_capabilities\"}");
    /* One warm-up round so lazily created state is not counted as leak. */
    qmp_ok(qts, add);
    qmp_ok(qts, "{\"execute\": \"object-del\", \"arguments\": {\"id\": "
           "\"b\"}}");
    rss0 = rss_kib(pid);
    fds0 = fd_count(pid);
    t0 = now_ms();
    for (int i = 0; i < loops; i++) {
        qmp_ok(qts, add);
        qmp_ok(qts, "{\"execute\": \"object-del\", \"arguments\": {\"id\": "
               "\"b\"}}");
    }
    t = now_ms() - t0;
    rss1 = rss_kib(pid);
    fds1 = fd_count(pid);
    printf("object-add+object-del %s 1 GiB x%d: %.0f pairs/s "
           "(%.3f ms each); RSS %ld -> %ld KiB; fds %d -> %d\n", type, loops,
           loops / (t / 1000.0), t / loops, rss0, rss1, fds0, fds1);
    quit(qts);
}

int main(int argc, char **argv)
{
    int runs = 21;
    int loops = 1000;
    int opt;

    while ((opt = getopt(argc, argv, "n:l:")) != -1) {
        if (opt == 'n') {
            runs = MAX(1, atoi(optarg));
        } else if (opt == 'l') {
            loops = MAX(1, atoi(optarg));
        } else {
            fprintf(stderr, "usage: %s [-n RUNS] [-l LOOPS]\n", argv[0]);
            return 2;
        }
    }
    if (!getenv("QTEST_QEMU_BINARY")) {
        g_autofree char *dir = g_path_get_dirname(argv[0]);
        g_autofree char *bin = g_build_filename(dir, "..", "..",
                                                "qemu-system-x86_64", NULL);

        setenv("QTEST_QEMU_BINARY", bin, 1);
    }
    printf("binary: %s\n", qtest_qemu_binary());
    bench_startup("-M none, 16 GiB memfd, -accel qtest -S",
                  "-machine none,memory-backend=ram0 -object "
                  "memory-backend-memfd,id=ram0,size=16G -accel qtest -S",
                  runs);
    if (qtest_guest_memfd_missing()) {
        printf("guest_memfd figures skipped: %s not available\n",
               qtest_guest_memfd_missing());
        return 0;
    }
    bench_startup("-M none, 16 GiB guest_memfd, -accel kvm -S",
                  "-machine none,memory-backend=ram0 -object "
                  "memory-backend-guest-memfd,id=ram0,size=16G -accel kvm -S",
                  runs);
    bench_startup("-M microvm, 16 GiB guest_memfd, -accel kvm -S",
                  "-machine microvm,memory-backend=ram0 -m 16G -object "
                  "memory-backend-guest-memfd,id=ram0,size=16G -accel kvm -S "
                  "-nodefaults", runs);
    bench_add_del("memory-backend-guest-memfd",
                  "-machine none -accel kvm -S", loops);
    bench_add_del("memory-backend-memfd", "-machine none -accel kvm -S",
                  loops);
    return 0;
}
