/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Chardevs in-process: option errors, socket server connections, file output. */
#include "qemu/osdep.h"
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "chardev/char.h"
#include "qemu/main-loop.h"
#include "proc-count.h"

typedef struct Seen {
    GString *data[8];        /* bytes read per conn id */
    int opened;
    int closed;
    int last_closed;
} Seen;

static void seen_read(void *opaque, int conn, const uint8_t *buf, size_t len)
{
    Seen *s = opaque;

    g_assert_cmpint(conn, <, 8);
    if (!s->data[conn]) {
        s->data[conn] = g_string_new(NULL);
    }
    g_string_append_len(s->data[conn], (const char *)buf, len);
}

static void seen_event(void *opaque, int conn, ChrEvent ev)
{
    Seen *s = opaque;

    if (ev == CHR_EVENT_OPENED) {
        s->opened++;
    } else {
        s->closed++;
        s->last_closed = conn;
    }
}

/* Run the loop until @cond holds (bounded: a hang fails the test). */
#define LOOP_UNTIL(cond) \
    do { \
        for (int i_ = 0; !(cond) && i_ < 5000; i_++) { \
            qemu_main_loop_iterate(false); \
            g_usleep(1000); \
        } \
        g_assert_true(cond); \
    } while (0)

static void expect_error(const char *spec, const char *msg)
{
    Error *err = NULL;

    g_assert_null(qemu_chr_new("bad", spec, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, msg);
    error_free(err);
}

static void test_option_errors(void)
{
    Error *err = NULL;
    KeyValueList *kv;

    expect_error("bogus:x", "'bogus:x' is not a valid char driver");
    expect_error("unix:/tmp/x,server=maybe",
                 "Parameter 'server' expects 'on' or 'off'");
    expect_error("unix:/tmp/x,frob=1", "Invalid parameter 'frob'");
    expect_error("tcp:127.0.0.1", "chardev: socket: no host given");
    expect_error("chardev:nope", "chardev: 'nope' not found");

    kv = keyval_list_parse("socket,id=c1,path=/tmp/y", "backend", &error_abort);
    g_assert_nonnull(qemu_chr_new_from_opts(kv, &error_abort));
    g_assert_null(qemu_chr_new_from_opts(kv, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "attempt to add duplicate property 'c1' to object "
                    "(type 'container')");
    error_free(err);
    err = NULL;
    keyval_list_free(kv);
    kv = keyval_list_parse("nope,id=c2", "backend", &error_abort);
    g_assert_null(qemu_chr_new_from_opts(kv, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "'nope' is not a valid char driver name");
    error_free(err);
    keyval_list_free(kv);
    g_assert_nonnull(qemu_chr_new("s1", "stdio", &error_abort));
    expect_error("stdio", "cannot use stdio by multiple character devices");
    qemu_chr_cleanup();
}

static int connect_unix(const char *path)
{
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(un.sun_path, path, sizeof(un.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&un, sizeof(un)), ==, 0);
    return fd;
}

static char *read_some(int fd, size_t want)
{
    GString *s = g_string_new(NULL);
    char buf[256];

    while (s->len < want) {
        ssize_t n;

        qemu_main_loop_iterate(false);
        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            g_string_append_len(s, buf, n);
        } else {
            g_usleep(1000);
        }
    }
    return g_string_free(s, FALSE);
}

static void test_socket_server(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-chardev-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "s.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off",
                                            path);
    Seen seen = { 0 };
    Chardev *chr = qemu_chr_new("srv", spec, &error_abort);
    struct stat st;
    int a, b;
    char *got;

    g_assert_cmpstr(qemu_chr_get_id(chr), ==, "srv");
    g_assert_true(qemu_chr_find("srv") == chr);
    qemu_chr_set_handlers(chr, seen_read, seen_event, &seen);
    g_assert_true(qemu_chr_realize_all(&error_abort));
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);

    a = connect_unix(path);
    b = connect_unix(path);
    LOOP_UNTIL(seen.opened == 2);
    g_assert_cmpint(write(a, "from-a", 6), ==, 6);
    g_assert_cmpint(write(b, "from-b", 6), ==, 6);
    LOOP_UNTIL(seen.data[0] && seen.data[1] && seen.data[0]->len == 6 &&
               seen.data[1]->len == 6);
    g_assert_cmpstr(seen.data[0]->str, ==, "from-a");
    g_assert_cmpstr(seen.data[1]->str, ==, "from-b");

    /* Addressed writes reach one client; conn -1 reaches all. */
    g_assert_cmpint(qemu_chr_write_all(chr, 1, (const uint8_t *)"to-b", 4),
                    ==, 4);
    g_assert_cmpint(qemu_chr_write_all(chr, -1, (const uint8_t *)"all", 3),
                    ==, 3);
    got = read_some(a, 3);
    g_assert_cmpstr(got, ==, "all");
    g_free(got);
    got = read_some(b, 7);
    g_assert_cmpstr(got, ==, "to-ball");
    g_free(got);

    close(a);
    LOOP_UNTIL(seen.closed == 1);
    g_assert_cmpint(seen.last_closed, ==, 0);
    g_assert_cmpint(qemu_chr_write_all(chr, 0, (const uint8_t *)"x", 1), <,
                    0);
    /* b is unaffected. */
    g_assert_cmpint(qemu_chr_write_all(chr, 1, (const uint8_t *)"ok", 2), ==,
                    2);
    got = read_some(b, 2);
    g_assert_cmpstr(got, ==, "ok");
    g_free(got);

    qemu_chr_cleanup();
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    close(b);
    for (int i = 0; i < 8; i++) {
        if (seen.data[i]) {
            g_string_free(seen.data[i], TRUE);
        }
    }
    rmdir(dir);
}

/*
 * One message larger than the 64 MiB backlog cap is queued whole for a
 * peer that is not reading yet; only output added on top of a backlog
 * already over the cap gets the peer dropped.
 */
static void test_backlog_cap(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-chardev-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "s.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off",
                                            path);
    const size_t big = 80 * 1024 * 1024;
    uint8_t *msg = g_malloc(big);
    Seen seen = { 0 };
    Chardev *chr = qemu_chr_new("srv", spec, &error_abort);
    int a;

    memset(msg, 'm', big);
    qemu_chr_set_handlers(chr, seen_read, seen_event, &seen);
    g_assert_true(qemu_chr_realize_all(&error_abort));
    a = connect_unix(path);
    LOOP_UNTIL(seen.opened == 1);
    g_assert_cmpint(qemu_chr_write_all(chr, 0, msg, big), ==, big);
    qemu_main_loop_iterate(false);
    g_assert_cmpint(seen.closed, ==, 0);
    g_assert_cmpint(qemu_chr_write_all(chr, 0, (const uint8_t *)"x", 1), ==,
                    -ENOBUFS);
    LOOP_UNTIL(seen.closed == 1);
    qemu_chr_cleanup();
    close(a);
    g_free(msg);
    rmdir(dir);
}

/* Clients of a listening chardev nobody reads from don't leak their fds. */
static void test_no_frontend_hangup(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-chardev-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "s.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off",
                                            path);
    int before;

    g_assert_nonnull(qemu_chr_new("orphan", spec, &error_abort));
    g_assert_true(qemu_chr_realize_all(&error_abort));
    before = count_fds();
    for (int i = 0; i < 20; i++) {
        int fd = connect_unix(path);

        /* Accepted while the client is still there. */
        LOOP_UNTIL(count_fds() == before + 2);
        close(fd);
        LOOP_UNTIL(count_fds() == before);
    }
    qemu_chr_cleanup();
    rmdir(dir);
}

static gboolean set_flag(gpointer opaque)
{
    *(bool *)opaque = true;
    return G_SOURCE_REMOVE;
}

/*
 * accept() failing for lack of fds leaves the connection queued and the
 * listen fd readable; the listener must back off instead of waking the
 * loop over and over, and accept the client once fds are free again.
 */
static void test_accept_emfile(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-chardev-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "s.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off",
                                            path);
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    Seen seen = { 0 };
    Chardev *chr = qemu_chr_new("starved", spec, &error_abort);
    GArray *fillers = g_array_new(FALSE, FALSE, sizeof(int));
    struct rlimit saved, low;
    bool done = false;
    int wakeups = 0;
    int c, fd;

    qemu_chr_set_handlers(chr, seen_read, seen_event, &seen);
    g_assert_true(qemu_chr_realize_all(&error_abort));
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(c, >=, 0);
    g_strlcpy(un.sun_path, path, sizeof(un.sun_path));

    /* Use up every fd the (lowered) limit allows. */
    g_assert_cmpint(getrlimit(RLIMIT_NOFILE, &saved), ==, 0);
    low = saved;
    low.rlim_cur = MIN(saved.rlim_cur, (rlim_t)(count_fds() + 64));
    g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &low), ==, 0);
    while ((fd = dup(0)) >= 0) {
        g_array_append_val(fillers, fd);
    }
    g_assert_cmpint(errno, ==, EMFILE);

    /* Queued by the kernel; our accept() cannot get an fd for it. */
    g_assert_cmpint(connect(c, (struct sockaddr *)&un, sizeof(un)), ==, 0);
    g_timeout_add(300, set_flag, &done);
    while (!done) {
        qemu_main_loop_iterate(true);
        wakeups++;
    }
    g_test_message("loop wake-ups while starved: %d", wakeups);
    g_assert_cmpint(seen.opened, ==, 0);
    /* Spinning gives thousands; backing off gives a few retries. */
    g_assert_cmpint(wakeups, <, 30);

    for (guint i = 0; i < fillers->len; i++) {
        close(g_array_index(fillers, int, i));
    }
    g_array_free(fillers, TRUE);
    g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &saved), ==, 0);

    LOOP_UNTIL(seen.opened == 1);
    g_assert_cmpint(write(c, "hi", 2), ==, 2);
    LOOP_UNTIL(seen.data[0] && seen.data[0]->len == 2);
    g_assert_cmpstr(seen.data[0]->str, ==, "hi");
    g_string_free(seen.data[0], TRUE);
    qemu_chr_cleanup();
    close(c);
    rmdir(dir);
}

static void test_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-chardev-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "out.txt", NULL);
    g_autofree char *spec = g_strdup_printf("file:%s", path);
    g_autofree char *text = NULL;
    Chardev *chr = qemu_chr_new("f", spec, &error_abort);

    g_assert_true(qemu_chr_realize_all(&error_abort));
    g_assert_cmpint(qemu_chr_write_all(chr, -1, (const uint8_t *)"hello\n",
                                       6), ==, 6);
    qemu_chr_cleanup();
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "hello\n");
    unlink(path);
    rmdir(dir);
}

/* A chardev moved into another context: its callbacks run in that thread. */
typedef struct CtxSeen {
    GMutex lock;
    GString *data;
    GThread *reader;
    int opened;
    int closed;
} CtxSeen;

static void ctx_read(void *opaque, int conn, const uint8_t *buf, size_t len)
{
    CtxSeen *s = opaque;

    g_mutex_lock(&s->lock);
    g_string_append_len(s->data, (const char *)buf, len);
    s->reader = g_thread_self();
    g_mutex_unlock(&s->lock);
}

static void ctx_event(void *opaque, int conn, ChrEvent ev)
{
    CtxSeen *s = opaque;

    g_mutex_lock(&s->lock);
    if (ev == CHR_EVENT_OPENED) {
        s->opened++;
    } else {
        s->closed++;
    }
    g_mutex_unlock(&s->lock);
}

static size_t ctx_seen_len(CtxSeen *s)
{
    size_t n;

    g_mutex_lock(&s->lock);
    n = s->data->len;
    g_mutex_unlock(&s->lock);
    return n;
}

static int ctx_seen_closed(CtxSeen *s)
{
    int n;

    g_mutex_lock(&s->lock);
    n = s->closed;
    g_mutex_unlock(&s->lock);
    return n;
}

static GMainLoop *ctx_loop;

static gpointer ctx_thread_run(gpointer opaque)
{
    GMainContext *ctx = opaque;

    g_main_context_push_thread_default(ctx);
    g_main_loop_run(ctx_loop);
    g_main_context_pop_thread_default(ctx);
    return NULL;
}

static Chardev *ctx_pause_chr;

/* In the chardev's own thread, as a front end pauses. */
static void ctx_pause(void *opaque)
{
    qemu_chr_accept_input(ctx_pause_chr, 0, GPOINTER_TO_INT(opaque));
}

static void ctx_thread_quit(void *opaque)
{
    g_main_loop_quit(ctx_loop);
}

#define WAIT_UNTIL(cond) \
    do { \
        for (int i_ = 0; !(cond) && i_ < 5000; i_++) { \
            g_usleep(1000); \
        } \
        g_assert_true(cond); \
    } while (0)

static void test_socket_in_context(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-chardev-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "c.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off",
                                            path);
    Chardev *chr = qemu_chr_new("ctxsrv", spec, &error_abort);
    GMainContext *ctx = g_main_context_new();
    CtxSeen seen = { .data = g_string_new(NULL) };
    GThread *t;
    int fd;
    char *got;

    g_mutex_init(&seen.lock);
    g_assert_true(qemu_chr_has_gcontext(chr));
    ctx_loop = g_main_loop_new(ctx, FALSE);
    qemu_context_jobs_init(NULL);
    qemu_context_jobs_init(ctx);
    qemu_chr_set_gcontext(chr, ctx);
    qemu_chr_set_handlers(chr, ctx_read, ctx_event, &seen);
    g_assert_true(qemu_chr_realize_all(&error_abort));
    t = g_thread_new("chr-ctx", ctx_thread_run, ctx);

    /* Accept and read happen without the main loop running at all. */
    fd = connect_unix(path);
    g_assert_cmpint(write(fd, "abc", 3), ==, 3);
    WAIT_UNTIL(ctx_seen_len(&seen) == 3);
    g_assert_true(seen.reader == t);

    /* Paused input stays in the socket until resumed. */
    ctx_pause_chr = chr;
    qemu_context_schedule(ctx, ctx_pause, GINT_TO_POINTER(false));
    g_usleep(50 * 1000);
    g_assert_cmpint(write(fd, "def", 3), ==, 3);
    g_usleep(100 * 1000);
    g_assert_cmpuint(ctx_seen_len(&seen), ==, 3);
    qemu_context_schedule(ctx, ctx_pause, GINT_TO_POINTER(true));
    WAIT_UNTIL(ctx_seen_len(&seen) == 6);

    /* Output from this (main) thread reaches the peer. */
    g_assert_cmpint(qemu_chr_write_all(chr, 0, (const uint8_t *)"xyz", 3),
                    ==, 3);
    got = read_some(fd, 3);
    g_assert_cmpstr(got, ==, "xyz");
    g_free(got);

    close(fd);
    WAIT_UNTIL(ctx_seen_closed(&seen) == 1);
    qemu_context_schedule(ctx, ctx_thread_quit, NULL);
    g_thread_join(t);
    qemu_context_jobs_cleanup(ctx);
    qemu_chr_set_handlers(chr, NULL, NULL, NULL);
    qemu_chr_set_gcontext(chr, NULL);
    g_assert_cmpstr(seen.data->str, ==, "abcdef");
    qemu_chr_cleanup();
    g_main_loop_unref(ctx_loop);
    g_main_context_unref(ctx);
    g_string_free(seen.data, TRUE);
    g_mutex_clear(&seen.lock);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chardev/option-errors", test_option_errors);
    g_test_add_func("/chardev/socket-server", test_socket_server);
    g_test_add_func("/chardev/backlog-cap", test_backlog_cap);
    g_test_add_func("/chardev/no-frontend-hangup", test_no_frontend_hangup);
    g_test_add_func("/chardev/accept-emfile", test_accept_emfile);
    g_test_add_func("/chardev/file", test_file);
    g_test_add_func("/chardev/socket-in-context", test_socket_in_context);
    return g_test_run();
}
