/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP under load: N clients at once on one QMP socket, each sending a
 * mixed stream of commands (object-add/object-del of every backend type,
 * qom-get/qom-set, query-*) while the built-in guest runs.  Reports reply
 * latency p50/p99 and commands/s; fails only on what is not timing: a
 * wrong or missing reply (deadlock ends in the per-reply timeout), QEMU's
 * fds differing before and after, or its RSS growing by more than the
 * warm-up round left it at (a leak per command shows as megabytes).
 *
 * Usage: bench-qmp-load [-c CLIENTS] [-n COMMANDS-PER-CLIENT]
 * ($QTEST_QEMU_BINARY names the binary; unix sockets only).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <glib/gstdio.h>
#include "../qtest/libqtest.h"

#define MiB (1024 * 1024)
/* No reply within this long is a hang, not a slow command. */
#define REPLY_TIMEOUT_MS 30000
/* RSS growth allowed over the warm-up level: allocator slack, not leaks. */
#define RSS_SLACK_KB (16 * 1024)

typedef struct Client {
    pthread_t thread;
    int index;
    int commands;
    const char *sock;
    const char *tmpdir;
    bool gmem;
    double *lat_us;         /* one per command */
    int done;
    char *failure;          /* first problem seen, or NULL */
    GString *in;
} Client;

static double now_us(void)
{
    return (double)g_get_monotonic_time();
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static int connect_unix(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    for (int i = 0; fd >= 0 && i < 500; i++) {
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            return fd;
        }
        g_usleep(10 * 1000);
    }
    if (fd >= 0) {
        close(fd);
    }
    return -1;
}

/* Next message (reply or event) from @c's connection, or NULL. */
static json_t *client_read(Client *c, int fd)
{
    for (;;) {
        char *nl = memchr(c->in->str, '\n', c->in->len);
        char buf[65536];
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        ssize_t n;

        if (nl) {
            json_t *msg = json_loadb(c->in->str, nl - c->in->str, 0, NULL);

            g_string_erase(c->in, 0, nl - c->in->str + 1);
            return msg;
        }
        if (poll(&pfd, 1, REPLY_TIMEOUT_MS) != 1) {
            return NULL;
        }
        n = read(fd, buf, sizeof(buf));
        if (n <= 0) {
            return NULL;
        }
        g_string_append_len(c->in, buf, n);
    }
}

/* Send @cmd and wait for its reply (events in between are skipped). */
static json_t *client_cmd(Client *c, int fd, const char *cmd)
{
    size_t len = strlen(cmd);

    if (write(fd, cmd, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
        return NULL;
    }
    for (;;) {
        json_t *msg = client_read(c, fd);

        if (!msg || !json_object_get(msg, "event")) {
            return msg;
        }
        json_decref(msg);
    }
}

/*
 * The i-th command of client @c: a cycle of 16 that creates and deletes
 * one object of each backend type and queries in between.  Every command
 * must succeed: ids are per client, so clients never collide.
 */
static char *command(Client *c, int i)
{
    int k = i % 16;
    int round = i / 16;
    char id[32];

    g_snprintf(id, sizeof(id), "c%d-%d-%d", c->index, round, k / 2);
    switch (k) {
    case 0:
        return g_strdup_printf("{\"execute\": \"object-add\", \"arguments\": "
                               "{\"qom-type\": \"memory-backend-ram\", "
                               "\"id\": \"%s\", \"size\": %d}}", id, MiB);
    case 2:
        return g_strdup_printf("{\"execute\": \"object-add\", \"arguments\": "
                               "{\"qom-type\": \"memory-backend-memfd\", "
                               "\"id\": \"%s\", \"size\": %d}}", id, MiB);
    case 4:
        return g_strdup_printf("{\"execute\": \"object-add\", \"arguments\": "
                               "{\"qom-type\": \"memory-backend-shm\", "
                               "\"id\": \"%s\", \"size\": %d}}", id, MiB);
    case 6:
        return g_strdup_printf("{\"execute\": \"object-add\", \"arguments\": "
                               "{\"qom-type\": \"memory-backend-file\", "
                               "\"id\": \"%s\", \"size\": %d, \"mem-path\": "
                               "\"%s/c%d\", \"discard-data\": true}}", id,
                               MiB, c->tmpdir, c->index);
    case 8:
        if (c->gmem) {
            return g_strdup_printf("{\"execute\": \"object-add\", "
                                   "\"arguments\": {\"qom-type\": "
                                   "\"memory-backend-guest-memfd\", "
                                   "\"id\": \"%s\", \"size\": %d}}", id,
                                   2 * MiB);
        }
        return g_strdup_printf("{\"execute\": \"object-add\", \"arguments\": "
                               "{\"qom-type\": \"memory-backend-memfd\", "
                               "\"id\": \"%s\", \"size\": %d, "
                               "\"share\": false}}", id, MiB);
    case 10:
        return g_strdup_printf("{\"execute\": \"object-add\", \"arguments\": "
                               "{\"qom-type\": \"thread-context\", "
                               "\"id\": \"%s\"}}", id);
    case 1: case 3: case 5: case 7: case 9: case 11:
        return g_strdup_printf("{\"execute\": \"object-del\", \"arguments\": "
                               "{\"id\": \"%s\"}}", id);
    case 12:
        return g_strdup("{\"execute\": \"qom-get\", \"arguments\": "
                        "{\"path\": \"/machine\", \"property\": \"type\"}}");
    case 13:
        return g_strdup("{\"execute\": \"qom-set\", \"arguments\": "
                        "{\"path\": \"/machine\", \"property\": "
                        "\"dump-guest-core\", \"value\": true}}");
    case 14:
        return g_strdup("{\"execute\": \"query-status\"}");
    default:
        return g_strdup("{\"execute\": \"query-memdev\"}");
    }
}

static void *client_run(void *opaque)
{
    Client *c = opaque;
    int fd = connect_unix(c->sock);
    json_t *msg;

    c->in = g_string_new(NULL);
    if (fd < 0) {
        c->failure = g_strdup("cannot connect");
        return NULL;
    }
    msg = client_read(c, fd);                   /* greeting */
    json_decref(msg);
    msg = client_cmd(c, fd, "{\"execute\": \"qmp_capabilities\"}");
    if (!msg || !json_object_get(msg, "return")) {
        c->failure = g_strdup("no qmp_capabilities reply");
        json_decref(msg);
        close(fd);
        return NULL;
    }
    json_decref(msg);
    for (int i = 0; i < c->commands; i++) {
        g_autofree char *cmd = command(c, i);
        double t0 = now_us();

        msg = client_cmd(c, fd, cmd);
        c->lat_us[i] = now_us() - t0;
        if (!msg || !json_object_get(msg, "return")) {
            char *s = msg ? json_dumps(msg, JSON_COMPACT) : NULL;

            c->failure = g_strdup_printf("%s -> %s", cmd,
                                         s ? s : "no reply (timeout/EOF)");
            free(s);
            json_decref(msg);
            break;
        }
        json_decref(msg);
        c->done++;
    }
    close(fd);
    g_string_free(c->in, TRUE);
    return NULL;
}

static int count_fds(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/fd", (int)pid);
    GDir *d = g_dir_open(path, 0, NULL);
    int n = 0;

    g_assert_nonnull(d);
    while (g_dir_read_name(d)) {
        n++;
    }
    g_dir_close(d);
    return n;
}

static long rss_kb(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    const char *p;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    p = strstr(text, "VmRSS:");
    g_assert_nonnull(p);
    return strtol(p + 6, NULL, 10);
}

/*
 * The server notices a client's close when it next polls: wait (bounded)
 * for its fd count to come back to @want, and return the count seen.
 */
static int settled_fds(pid_t pid, int want)
{
    int n = count_fds(pid);

    for (int i = 0; i < 1000 && n != want; i++) {
        g_usleep(10 * 1000);
        n = count_fds(pid);
    }
    return n;
}

/* The guest's RAM counts in QEMU's RSS: wait until its test is over. */
static void wait_guest_done(const char *serial)
{
    for (int i = 0; i < 6000; i++) {
        g_autofree char *text = NULL;

        if (g_file_get_contents(serial, &text, NULL, NULL) &&
            strstr(text, "qemu-gmem guest: PASS")) {
            return;
        }
        g_usleep(10 * 1000);
    }
    g_error("the built-in guest did not report PASS within 60 s");
}

/* A sanitizer runtime in QEMU changes what its RSS means. */
static bool sanitized(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/maps", (int)pid);
    g_autofree char *maps = NULL;

    g_assert_true(g_file_get_contents(path, &maps, NULL, NULL));
    return strstr(maps, "libasan") || strstr(maps, "libtsan");
}

/* The reply to qom-list /objects, as text (replies list in a fixed order). */
static char *list_objects(QTestState *qts)
{
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"qom-list\", "
                            "\"arguments\": {\"path\": \"/objects\"}}");
    char *s = json_dumps(json_object_get(rsp, "return"), JSON_COMPACT);
    char *copy = g_strdup(s);

    free(s);
    json_decref(rsp);
    return copy;
}

/* One round: @nclients clients of @ncmds commands; returns the seconds. */
static double run_round(const char *sock, const char *tmpdir, bool gmem,
                        int nclients, int ncmds, GArray *lat)
{
    Client *cl = g_new0(Client, nclients);
    double t0 = now_us();

    for (int i = 0; i < nclients; i++) {
        cl[i].index = i;
        cl[i].commands = ncmds;
        cl[i].sock = sock;
        cl[i].tmpdir = tmpdir;
        cl[i].gmem = gmem;
        cl[i].lat_us = g_new0(double, ncmds);
        g_assert_cmpint(pthread_create(&cl[i].thread, NULL, client_run,
                                       &cl[i]), ==, 0);
    }
    for (int i = 0; i < nclients; i++) {
        pthread_join(cl[i].thread, NULL);
    }
    t0 = (now_us() - t0) / 1e6;
    for (int i = 0; i < nclients; i++) {
        if (cl[i].failure) {
            g_printerr("client %d failed after %d commands: %s\n", i,
                       cl[i].done, cl[i].failure);
        }
        g_assert_null(cl[i].failure);
        g_assert_cmpint(cl[i].done, ==, ncmds);
        if (lat) {
            g_array_append_vals(lat, cl[i].lat_us, ncmds);
        }
        g_free(cl[i].lat_us);
        g_free(cl[i].failure);
    }
    g_free(cl);
    return t0;
}

int main(int argc, char **argv)
{
    int nclients = 8, ncmds = 10000, opt;
    g_autofree char *tmpdir = g_dir_make_tmp("bench-qmp-load-XXXXXX", NULL);
    g_autofree char *sock = g_build_filename(tmpdir, "qmp.sock", NULL);
    g_autofree char *serial = g_build_filename(tmpdir, "serial", NULL);
    g_autofree char *args = NULL;
    GArray *lat = g_array_new(FALSE, FALSE, sizeof(double));
    const char *missing = qtest_kvm_missing();
    bool gmem = !qtest_guest_memfd_missing();
    QTestState *qts;
    int fds0, fds1;
    long rss0, rss1;
    double secs, *v;
    g_autofree char *objs0 = NULL, *objs1 = NULL;

    while ((opt = getopt(argc, argv, "c:n:")) != -1) {
        if (opt == 'c') {
            nclients = atoi(optarg);
        } else if (opt == 'n') {
            ncmds = atoi(optarg);
        } else {
            fprintf(stderr, "usage: %s [-c CLIENTS] [-n COMMANDS]\n",
                    argv[0]);
            return 2;
        }
    }
    if (missing) {
        /* TAP-style skip: meson counts it as skipped, not passed */
        printf("1..0 # SKIP %s not available: the guest needs KVM\n",
               missing);
        return 0;
    }
    /* The built-in guest tests its RAM, then halts: a vCPU exists. */
    args = g_strdup_printf("-M microvm -accel kvm -m 64M -smp 2 "
                           "-append halt -serial file:%s "
                           "-qmp unix:%s,server=on,wait=off", serial, sock);
    qts = qtest_init_raw(args);
    json_decref(qtest_qmp(qts, "{\"execute\": \"qmp_capabilities\"}"));
    wait_guest_done(serial);
    fds0 = count_fds(qtest_pid(qts));
    objs0 = list_objects(qts);

    /* Warm-up at a tenth of the load: allocator pools, type caches. */
    run_round(sock, tmpdir, gmem, nclients, MAX(ncmds / 10, 16), NULL);
    g_assert_cmpint(settled_fds(qtest_pid(qts), fds0), ==, fds0);
    rss0 = rss_kb(qtest_pid(qts));

    secs = run_round(sock, tmpdir, gmem, nclients, ncmds, lat);

    fds1 = settled_fds(qtest_pid(qts), fds0);
    rss1 = rss_kb(qtest_pid(qts));
    g_array_sort(lat, cmp_double);
    v = (double *)lat->data;
    printf("bench-qmp-load: %d clients x %d commands (guest_memfd: %s)\n",
           nclients, ncmds, gmem ? "yes" : "no, memfd instead");
    printf("  %.0f commands/s over %.2f s\n", lat->len / secs, secs);
    printf("  reply latency p50 %.0f us, p99 %.0f us, max %.0f us\n",
           v[lat->len / 2], v[(size_t)(lat->len * 0.99)],
           v[lat->len - 1]);
    printf("  QEMU fds %d -> %d, RSS %ld -> %ld KiB\n", fds0, fds1, rss0,
           rss1);
    g_assert_cmpint(fds1, ==, fds0);
    if (sanitized(qtest_pid(qts))) {
        /* ASan's quarantine holds freed memory; LSan checks at exit */
        printf("  RSS not compared: QEMU runs under a sanitizer\n");
    } else {
        g_assert_cmpint(rss1 - rss0, <, RSS_SLACK_KB);
    }
    /* nothing left of what the clients created */
    objs1 = list_objects(qts);
    g_assert_cmpstr(objs1, ==, objs0);
    qtest_quit(qts);
    g_array_free(lat, TRUE);
    for (int i = 0; i < nclients; i++) {
        g_autofree char *f = g_strdup_printf("%s/c%d", tmpdir, i);

        g_unlink(f);
    }
    g_unlink(serial);
    g_rmdir(tmpdir);
    return 0;
}
