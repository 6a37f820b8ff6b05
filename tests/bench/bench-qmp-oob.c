/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the monitor I/O thread costs and buys.  One process with two QMP
 * monitors: -qmp stdio (main loop only, no OOB) and a unix socket (read
 * by the I/O thread, OOB enabled).  Measures round trips, medians and p99
 * of N samples each:
 *   A  in-band query-name on stdio (the baseline: no thread hop)
 *   B  in-band query-name on the socket (I/O thread -> main -> reply)
 *   C  exec-oob query-yank on the socket (answered by the I/O thread)
 *   D  in-band query-yank on the socket (same command, main thread)
 * then C and D again while LOAD client threads keep the main thread busy
 * with in-band query-qmp-schema (a large reply) on their own sessions.
 * Ratios: B/A (thread hop), D/C idle and under load (what OOB saves).
 *
 * Usage: bench-qmp-oob [-n SAMPLES] [-l LOAD-CLIENTS]
 * ($QTEST_QEMU_BINARY names the binary; $BENCH_ACCEL the accelerator,
 * default qtest.)
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <glib.h>

typedef struct Conn {
    int rfd, wfd;
    GString *buf;
} Conn;

static double now_us(void)
{
    return g_get_monotonic_time();
}

static void die(const char *msg)
{
    fprintf(stderr, "bench-qmp-oob: %s\n", msg);
    exit(1);
}

/* One line (a message), without its CR LF; caller g_free. */
static char *conn_line(Conn *c)
{
    for (;;) {
        char *nl = memchr(c->buf->str, '\n', c->buf->len);
        char chunk[65536];
        ssize_t n;

        if (nl) {
            char *line = g_strndup(c->buf->str, nl - c->buf->str);

            g_string_erase(c->buf, 0, nl - c->buf->str + 1);
            return line;
        }
        n = read(c->rfd, chunk, sizeof(chunk));
        if (n <= 0) {
            die("connection lost");
        }
        g_string_append_len(c->buf, chunk, n);
    }
}

static void conn_send(Conn *c, const char *msg)
{
    size_t len = strlen(msg);

    if (write(c->wfd, msg, len) != (ssize_t)len) {
        die("write failed");
    }
}

/* Send, then read up to the reply (events are skipped). */
static double conn_rtt(Conn *c, const char *msg)
{
    double t0 = now_us();

    conn_send(c, msg);
    for (;;) {
        char *line = conn_line(c);
        /* Events start with "timestamp"; replies with return, id or error. */
        bool reply = !g_str_has_prefix(line, "{\"timestamp\"");
        bool error = g_str_has_prefix(line, "{\"error\"") ||
                     (g_str_has_prefix(line, "{\"id\"") &&
                      strstr(line, "\"error\": {\"class\"") &&
                      !strstr(line, "\"return\""));

        if (error) {
            fprintf(stderr, "unexpected error: %s\n", line);
            exit(1);
        }
        g_free(line);
        if (reply) {
            return now_us() - t0;
        }
    }
}

static Conn *conn_unix(const char *path, bool oob)
{
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    Conn *c = g_new0(Conn, 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(un.sun_path, path, sizeof(un.sun_path));
    for (int i = 0; connect(fd, (struct sockaddr *)&un, sizeof(un)); i++) {
        if (i > 5000) {
            die("cannot connect");
        }
        g_usleep(1000);
    }
    c->rfd = c->wfd = fd;
    c->buf = g_string_new(NULL);
    g_free(conn_line(c));
    conn_rtt(c, oob ? "{\"execute\": \"qmp_capabilities\", \"arguments\": "
                      "{\"enable\": [\"oob\"]}}"
                    : "{\"execute\": \"qmp_capabilities\"}");
    return c;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

typedef struct Stat {
    double p50, p99;
} Stat;

static Stat measure(Conn *c, const char *msg, int n)
{
    double *v = g_new(double, n);
    Stat st;

    for (int i = 0; i < n; i++) {
        v[i] = conn_rtt(c, msg);
    }
    qsort(v, n, sizeof(*v), cmp_double);
    st.p50 = v[n / 2];
    st.p99 = v[(int)(n * 0.99)];
    g_free(v);
    return st;
}

static volatile int load_stop;

typedef struct Load {
    char *path;
    long count;
} Load;

static void *load_run(void *opaque)
{
    Load *l = opaque;
    Conn *c = conn_unix(l->path, false);
    long *count = &l->count;

    while (!load_stop) {
        conn_rtt(c, "{\"execute\": \"query-qmp-schema\"}");
        (*count)++;
    }
    close(c->rfd);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *bin = getenv("QTEST_QEMU_BINARY");
    /* BENCH_ACCEL=tcg for a QEMU built without qtest (a reference run). */
    const char *accel = getenv("BENCH_ACCEL") ?: "qtest";
    int n = 2000, load = 4, opt;
    g_autofree char *dir = g_dir_make_tmp("bench-qmp-oob-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *qmp_arg = NULL;
    int in[2], out[2];
    pid_t pid;
    Conn std = { 0 };
    Conn *sock;
    Stat a, b, c, d, cl, dl;
    pthread_t *threads;
    Load *loads;
    GPtrArray *argv_q = g_ptr_array_new();
    double t0, secs;
    long total = 0;
    int status;

    while ((opt = getopt(argc, argv, "n:l:")) != -1) {
        if (opt == 'n') {
            n = atoi(optarg);
        } else if (opt == 'l') {
            load = atoi(optarg);
        } else {
            die("usage: bench-qmp-oob [-n SAMPLES] [-l LOAD-CLIENTS]");
        }
    }
    if (!bin) {
        die("set QTEST_QEMU_BINARY");
    }
    qmp_arg = g_strdup_printf("unix:%s,server=on,wait=off", path);
    if (pipe(in) || pipe(out)) {
        die("pipe");
    }
    /* One socket per load client: QEMU's socket chardev takes one
     * client at a time, and the reference run must work the same way. */
    loads = g_new0(Load, load);
    for (const char *a = "-machine none -display none -nodefaults -qmp "
                         "stdio -qmp"; a; a = NULL) {
        g_auto(GStrv) w = g_strsplit(a, " ", -1);

        g_ptr_array_add(argv_q, (char *)bin);
        for (int i = 0; w[i]; i++) {
            g_ptr_array_add(argv_q, g_strdup(w[i]));
        }
    }
    g_ptr_array_add(argv_q, qmp_arg);
    g_ptr_array_add(argv_q, "-accel");
    g_ptr_array_add(argv_q, (char *)accel);
    for (int i = 0; i < load; i++) {
        loads[i].path = g_strdup_printf("%s/load%d.sock", dir, i);
        g_ptr_array_add(argv_q, "-qmp");
        g_ptr_array_add(argv_q, g_strdup_printf("unix:%s,server=on,"
                                                "wait=off", loads[i].path));
    }
    g_ptr_array_add(argv_q, NULL);
    pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execv(bin, (char **)argv_q->pdata);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    std.rfd = out[0];
    std.wfd = in[1];
    std.buf = g_string_new(NULL);
    g_free(conn_line(&std));
    conn_rtt(&std, "{\"execute\": \"qmp_capabilities\"}");
    sock = conn_unix(path, true);

    /* Warm-up, then the idle figures. */
    measure(&std, "{\"execute\": \"query-name\"}", n / 10 + 1);
    measure(sock, "{\"execute\": \"query-name\"}", n / 10 + 1);
    a = measure(&std, "{\"execute\": \"query-name\"}", n);
    b = measure(sock, "{\"execute\": \"query-name\"}", n);
    c = measure(sock, "{\"exec-oob\": \"query-yank\"}", n);
    d = measure(sock, "{\"execute\": \"query-yank\"}", n);

    threads = g_new0(pthread_t, load);
    for (int i = 0; i < load; i++) {
        pthread_create(&threads[i], NULL, load_run, &loads[i]);
    }
    g_usleep(300 * 1000);
    t0 = now_us();
    cl = measure(sock, "{\"exec-oob\": \"query-yank\"}", n);
    dl = measure(sock, "{\"execute\": \"query-yank\"}", n / 4 + 1);
    secs = (now_us() - t0) / 1e6;
    load_stop = 1;
    for (int i = 0; i < load; i++) {
        pthread_join(threads[i], NULL);
        total += loads[i].count;
        unlink(loads[i].path);
    }

    printf("samples %d, load clients %d (query-qmp-schema, %.0f/s during "
           "the loaded runs)\n", n, load, total / secs);
    printf("A in-band query-name, stdio      p50 %7.1f us  p99 %8.1f us\n",
           a.p50, a.p99);
    printf("B in-band query-name, socket     p50 %7.1f us  p99 %8.1f us\n",
           b.p50, b.p99);
    printf("C exec-oob query-yank, idle      p50 %7.1f us  p99 %8.1f us\n",
           c.p50, c.p99);
    printf("D in-band query-yank, idle       p50 %7.1f us  p99 %8.1f us\n",
           d.p50, d.p99);
    printf("C exec-oob query-yank, loaded    p50 %7.1f us  p99 %8.1f us\n",
           cl.p50, cl.p99);
    printf("D in-band query-yank, loaded     p50 %7.1f us  p99 %8.1f us\n",
           dl.p50, dl.p99);
    printf("ratios: B/A %.2f  D/C idle %.2f  D/C loaded %.2f (p99 %.2f)\n",
           b.p50 / a.p50, d.p50 / c.p50, dl.p50 / cl.p50, dl.p99 / cl.p99);

    conn_send(&std, "{\"execute\": \"quit\"}");
    waitpid(pid, &status, 0);
    unlink(path);
    rmdir(dir);
    return 0;
}
