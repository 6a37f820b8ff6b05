/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Chardev registry, option parsing and the connection I/O of all backends. */
#include "qemu/osdep.h"
#include <glib-unix.h>
#include <poll.h>
#include <sys/socket.h>
#include "chardev/char.h"
#include "chardev/chardev-internal.h"
#include "qemu/cutils.h"
#include "qemu/main-loop.h"
#include "qemu/yank.h"

/*
 * A peer whose backlog is already this large when more output comes is
 * dropped.  The check is on the backlog, not backlog plus message, so one
 * large message (a qtest read of a big range) is always queued whole.
 */
#define CHR_MAX_PENDING (64 * 1024 * 1024)

static GList *chardevs;          /* Chardev *, creation order */
static bool chardevs_realized;

static const ChardevDriver *const drivers[] = {
    &chardev_socket_driver,
    &chardev_stdio_driver,
    &chardev_file_driver,
    &chardev_null_driver,
};

static void chr_conn_close(ChrConn *conn);
static void chr_conn_watch_input(ChrConn *conn);

GSource *chr_watch_fd(Chardev *chr, int fd, GIOCondition cond,
                      GUnixFDSourceFunc fn, gpointer opaque)
{
    GSource *src = g_unix_fd_source_new(fd, cond);

    g_source_set_callback(src, (GSourceFunc)(void (*)(void))fn, opaque,
                          NULL);
    g_source_attach(src, chr->ctx);
    return src;
}

GSource *chr_watch_timeout(Chardev *chr, guint ms, GSourceFunc fn,
                           gpointer opaque)
{
    GSource *src = g_timeout_source_new(ms);

    g_source_set_callback(src, fn, opaque, NULL);
    g_source_attach(src, chr->ctx);
    return src;
}

void chr_unwatch(GSource **src)
{
    if (*src) {
        g_source_destroy(*src);
        g_source_unref(*src);
        *src = NULL;
    }
}

static void chr_conn_unref(ChrConn *conn)
{
    g_assert(conn->ref > 0);
    if (--conn->ref == 0) {
        g_byte_array_unref(conn->out);
        g_free(conn);
    }
}

bool chr_opt_bool(const KeyValueList *opts, const char *key, bool def,
                  bool *out, Error **errp)
{
    const char *v = keyval_list_get(opts, key);

    if (!v) {
        *out = def;
        return true;
    }
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *out = false;
        return true;
    }
    error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
    return false;
}

static void chr_emit(Chardev *chr, int conn_id, ChrEvent ev)
{
    if (chr->event) {
        chr->event(chr->opaque, conn_id, ev);
    }
}

static gboolean chr_conn_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    ChrConn *conn = opaque;
    Chardev *chr = conn->chr;
    GSource *self;
    uint8_t buf[65536];
    ssize_t n;
    gboolean ret = G_SOURCE_CONTINUE;

    g_rec_mutex_lock(&chr->lock);
    self = conn->in_watch;
    if (!chr->read) {
        /*
         * No frontend: the watch is there only to notice a socket peer
         * leaving (HUP/ERR), so its fd is not kept until the next write.
         * Pending input stays unread.
         */
        chr_unwatch(&conn->in_watch);
        chr_conn_close(conn);
        g_rec_mutex_unlock(&chr->lock);
        return G_SOURCE_REMOVE;
    }
    n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        g_rec_mutex_unlock(&chr->lock);
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        chr_unwatch(&conn->in_watch);
        if (conn->is_socket) {
            chr_conn_close(conn);
        } else {
            /* stdin at EOF: output keeps working, the reader is told. */
            chr_emit(chr, conn->id, CHR_EVENT_CLOSED);
        }
        g_rec_mutex_unlock(&chr->lock);
        return G_SOURCE_REMOVE;
    }
    /* The handler may close or pause this very connection. */
    conn->ref++;
    chr->read(chr->opaque, conn->id, buf, n);
    if (conn->closed || conn->in_watch != self) {
        ret = G_SOURCE_REMOVE;
    }
    chr_conn_unref(conn);
    g_rec_mutex_unlock(&chr->lock);
    return ret;
}

static void chr_conn_watch_input(ChrConn *conn)
{
    GIOCondition cond;

    if (conn->rfd < 0 || conn->in_watch || conn->closed) {
        return;
    }
    if (conn->chr->read && conn->paused) {
        return;
    }
    if (conn->chr->read) {
        cond = G_IO_IN | G_IO_HUP | G_IO_ERR;
    } else if (conn->is_socket) {
        cond = G_IO_HUP | G_IO_ERR;
    } else {
        return;
    }
    conn->in_watch = chr_watch_fd(conn->chr, conn->rfd, cond,
                                  chr_conn_readable, conn);
}

ChrConn *chr_conn_add(Chardev *chr, int rfd, int wfd, bool is_socket,
                      bool own_fds)
{
    ChrConn *conn = g_new0(ChrConn, 1);

    conn->chr = chr;
    conn->id = chr->next_conn_id++;
    conn->rfd = rfd;
    conn->wfd = wfd;
    conn->is_socket = is_socket;
    conn->own_fds = own_fds;
    conn->ref = 1;
    conn->out = g_byte_array_new();
    chr->conns = g_list_append(chr->conns, conn);
    chr_conn_watch_input(conn);
    chr_emit(chr, conn->id, CHR_EVENT_OPENED);
    return conn;
}

static void chr_conn_close(ChrConn *conn)
{
    Chardev *chr = conn->chr;

    if (conn->closed) {
        return;
    }
    conn->closed = true;
    chr_unwatch(&conn->in_watch);
    chr_unwatch(&conn->out_watch);
    if (conn->own_fds) {
        if (conn->rfd >= 0) {
            close(conn->rfd);
        }
        if (conn->wfd >= 0 && conn->wfd != conn->rfd) {
            close(conn->wfd);
        }
    }
    conn->rfd = conn->wfd = -1;
    chr->conns = g_list_remove(chr->conns, conn);
    if (conn->is_socket) {
        chr_socket_resume_accept(chr);
    }
    chr_emit(chr, conn->id, CHR_EVENT_CLOSED);
    chr_conn_unref(conn);
}

static void chr_conn_close_job(void *opaque)
{
    ChrConn *conn = opaque;
    Chardev *chr = conn->chr;

    g_rec_mutex_lock(&chr->lock);
    chr_conn_close(conn);
    chr_conn_unref(conn);
    g_rec_mutex_unlock(&chr->lock);
}

/*
 * Errors while writing are acted on later, in the chardev's own context:
 * callers may be iterating, or be another thread.
 */
static void chr_conn_schedule_close(ChrConn *conn)
{
    conn->ref++;
    qemu_context_schedule(conn->chr->ctx, chr_conn_close_job, conn);
}

/* True in the thread that runs the chardev's watches (now). */
static bool chr_in_own_context(Chardev *chr)
{
    return g_main_context_is_owner(chr->ctx ? chr->ctx
                                            : g_main_context_default());
}

static gboolean chr_conn_writable(gint fd, GIOCondition cond,
                                  gpointer opaque);

/* Another thread queued output: its watch is added in the right thread. */
static void chr_conn_watch_output_job(void *opaque)
{
    ChrConn *conn = opaque;
    Chardev *chr = conn->chr;

    g_rec_mutex_lock(&chr->lock);
    if (!conn->closed && conn->out->len && !conn->out_watch) {
        conn->out_watch = chr_watch_fd(chr, conn->wfd, G_IO_OUT,
                                       chr_conn_writable, conn);
    }
    chr_conn_unref(conn);
    g_rec_mutex_unlock(&chr->lock);
}

/* Returns bytes written, 0 if the peer can't take more now, -errno. */
static ssize_t chr_conn_try_write(ChrConn *conn, const uint8_t *buf,
                                  size_t len)
{
    ssize_t n;

    do {
        if (conn->is_socket) {
            n = send(conn->wfd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        } else {
            n = write(conn->wfd, buf, len);
        }
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
    }
    return n;
}

static gboolean chr_conn_writable(gint fd, GIOCondition cond,
                                  gpointer opaque)
{
    ChrConn *conn = opaque;
    Chardev *chr = conn->chr;
    ssize_t n;

    g_rec_mutex_lock(&chr->lock);
    n = chr_conn_try_write(conn, conn->out->data, conn->out->len);
    if (n < 0) {
        chr_unwatch(&conn->out_watch);
        g_byte_array_set_size(conn->out, 0);
        chr_conn_schedule_close(conn);
        g_rec_mutex_unlock(&chr->lock);
        return G_SOURCE_REMOVE;
    }
    g_byte_array_remove_range(conn->out, 0, n);
    if (conn->out->len == 0) {
        chr_unwatch(&conn->out_watch);
        g_rec_mutex_unlock(&chr->lock);
        return G_SOURCE_REMOVE;
    }
    g_rec_mutex_unlock(&chr->lock);
    return G_SOURCE_CONTINUE;
}

static int chr_conn_write(ChrConn *conn, const uint8_t *buf, size_t len)
{
    ssize_t n = 0;

    if (conn->closed) {
        return -EPIPE;
    }
    if (conn->wfd < 0) {
        return len;
    }
    if (conn->out->len == 0) {
        n = chr_conn_try_write(conn, buf, len);
        if (n < 0) {
            chr_conn_schedule_close(conn);
            return n;
        }
    }
    if (n < len) {
        if (conn->out->len > CHR_MAX_PENDING) {
            chr_conn_schedule_close(conn);
            return -ENOBUFS;
        }
        g_byte_array_append(conn->out, buf + n, len - n);
        if (!conn->out_watch && chr_in_own_context(conn->chr)) {
            conn->out_watch = chr_watch_fd(conn->chr, conn->wfd, G_IO_OUT,
                                           chr_conn_writable, conn);
        } else if (!conn->out_watch) {
            conn->ref++;
            qemu_context_schedule(conn->chr->ctx, chr_conn_watch_output_job,
                                  conn);
        }
    }
    return len;
}

static ChrConn *chr_find_conn(Chardev *chr, int id)
{
    for (GList *l = chr->conns; l; l = l->next) {
        ChrConn *conn = l->data;

        if (conn->id == id) {
            return conn;
        }
    }
    return NULL;
}

int qemu_chr_write_all(Chardev *chr, int conn, const uint8_t *buf,
                       size_t len)
{
    ChrConn *c;
    int ret = len;

    g_rec_mutex_lock(&chr->lock);
    if (conn >= 0) {
        c = chr_find_conn(chr, conn);
        ret = c ? chr_conn_write(c, buf, len) : -EPIPE;
    } else {
        /* Broadcast; nobody listening is not an error (serial output). */
        for (GList *l = chr->conns; l; l = l->next) {
            chr_conn_write(l->data, buf, len);
        }
    }
    g_rec_mutex_unlock(&chr->lock);
    return ret;
}

void qemu_chr_close_conn(Chardev *chr, int conn)
{
    ChrConn *c;

    g_rec_mutex_lock(&chr->lock);
    c = chr_find_conn(chr, conn);
    if (c) {
        chr_conn_close(c);
    }
    g_rec_mutex_unlock(&chr->lock);
}

bool qemu_chr_has_gcontext(Chardev *chr)
{
    return chr->drv->gcontext;
}

/* Move every watch of @chr into @ctx (NULL: the main loop). */
void qemu_chr_set_gcontext(Chardev *chr, GMainContext *ctx)
{
    g_assert(!ctx || chr->drv->gcontext);
    g_rec_mutex_lock(&chr->lock);
    if (chr->ctx != ctx) {
        if (chr->ctx) {
            g_main_context_unref(chr->ctx);
        }
        chr->ctx = ctx ? g_main_context_ref(ctx) : NULL;
        if (chr->drv == &chardev_socket_driver) {
            chr_socket_rewatch(chr);
        }
        for (GList *l = chr->conns; l; l = l->next) {
            ChrConn *c = l->data;
            bool writing = c->out_watch != NULL;

            chr_unwatch(&c->in_watch);
            chr_unwatch(&c->out_watch);
            chr_conn_watch_input(c);
            if (writing) {
                c->out_watch = chr_watch_fd(chr, c->wfd, G_IO_OUT,
                                            chr_conn_writable, c);
            }
        }
    }
    g_rec_mutex_unlock(&chr->lock);
}

void qemu_chr_accept_input(Chardev *chr, int conn, bool accept)
{
    ChrConn *c;

    g_rec_mutex_lock(&chr->lock);
    c = chr_find_conn(chr, conn);
    if (c && c->paused == accept) {
        c->paused = !accept;
        if (accept) {
            chr_conn_watch_input(c);
        } else if (chr->read) {
            chr_unwatch(&c->in_watch);
        }
    }
    g_rec_mutex_unlock(&chr->lock);
}

bool qemu_chr_fe_claim(Chardev *chr, Error **errp)
{
    if (chr->fe_claimed) {
        error_setg(errp, "Device '%s' is in use", chr->id);
        return false;
    }
    chr->fe_claimed = true;
    return true;
}

void qemu_chr_fe_release(Chardev *chr)
{
    if (chr->fe_attached) {
        qemu_chr_set_handlers(chr, NULL, NULL, NULL);
    }
    chr->fe_claimed = false;
}

void qemu_chr_set_handlers(Chardev *chr, ChrReadHandler *read,
                           ChrEventHandler *event, void *opaque)
{
    if (read || event) {
        /*
         * Callers without an Error ** (the serial port) get the claim
         * check here; monitor and qtest claim first, then attach.
         */
        if (chr->fe_attached && chr->opaque != opaque) {
            error_report("Device '%s' is in use", chr->id);
            return;
        }
        chr->fe_claimed = true;
        chr->fe_attached = true;
    } else {
        chr->fe_claimed = false;
        chr->fe_attached = false;
    }
    g_rec_mutex_lock(&chr->lock);
    chr->read = read;
    chr->event = event;
    chr->opaque = opaque;
    for (GList *l = chr->conns; l; l = l->next) {
        ChrConn *conn = l->data;

        /* The kind of watch depends on whether there is a reader. */
        chr_unwatch(&conn->in_watch);
        chr_conn_watch_input(conn);
    }
    /* Streams opened before the frontend came are announced now. */
    if (event) {
        GList *copy = g_list_copy(chr->conns);

        for (GList *l = copy; l; l = l->next) {
            chr_emit(chr, ((ChrConn *)l->data)->id, CHR_EVENT_OPENED);
        }
        g_list_free(copy);
    }
    g_rec_mutex_unlock(&chr->lock);
}

Chardev *qemu_chr_find(const char *id)
{
    for (GList *l = chardevs; l; l = l->next) {
        Chardev *chr = l->data;

        if (!strcmp(chr->id, id)) {
            return chr;
        }
    }
    return NULL;
}

const char *qemu_chr_get_id(Chardev *chr)
{
    return chr->id;
}

/* yank: shut the connected sockets down; each end then sees EOF. */
static void chr_yank(void *opaque)
{
    Chardev *chr = opaque;

    g_rec_mutex_lock(&chr->lock);
    for (GList *l = chr->conns; l; l = l->next) {
        ChrConn *conn = l->data;

        if (conn->is_socket && conn->rfd >= 0) {
            shutdown(conn->rfd, SHUT_RDWR);
        }
    }
    g_rec_mutex_unlock(&chr->lock);
}

static void chr_free(Chardev *chr)
{
    if (chr->yank_registered) {
        yank_unregister("chardev", "id", chr->id);
    }
    if (chr->ctx) {
        g_main_context_unref(chr->ctx);
    }
    g_rec_mutex_clear(&chr->lock);
    g_free(chr->id);
    g_free(chr->path);
    g_free(chr->host);
    g_free(chr->port);
    g_free(chr);
}

static bool chr_check_keys(const ChardevDriver *drv, const KeyValueList *opts,
                           Error **errp)
{
    for (guint i = 0; i < opts->items->len; i++) {
        const KeyValue *kv = g_ptr_array_index(opts->items, i);
        bool known = !strcmp(kv->key, "backend") || !strcmp(kv->key, "id");

        for (const char *const *k = drv->keys; !known && k && *k; k++) {
            known = !strcmp(*k, kv->key);
        }
        if (!known) {
            error_setg(errp, QERR_INVALID_PARAMETER, kv->key);
            return false;
        }
    }
    return true;
}

static Chardev *chr_create(const char *backend, const char *id,
                           const KeyValueList *opts, Error **errp)
{
    const ChardevDriver *drv = NULL;
    Chardev *chr;

    for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
        if (!strcmp(drivers[i]->name, backend)) {
            drv = drivers[i];
        }
    }
    if (!drv) {
        error_setg(errp, "'%s' is not a valid char driver name", backend);
        return NULL;
    }
    if (qemu_chr_find(id)) {
        error_setg(errp, "attempt to add duplicate property '%s' to object "
                   "(type 'container')", id);
        return NULL;
    }
    if (!chr_check_keys(drv, opts, errp)) {
        return NULL;
    }
    chr = g_new0(Chardev, 1);
    chr->id = g_strdup(id);
    chr->drv = drv;
    chr->listen_fd = -1;
    g_rec_mutex_init(&chr->lock);
    if (drv->parse && !drv->parse(chr, opts, errp)) {
        chr_free(chr);
        return NULL;
    }
    if (chardevs_realized && drv->realize && !drv->realize(chr, errp)) {
        /* A half-done realize may have bound a socket file. */
        if (drv->cleanup) {
            drv->cleanup(chr);
        }
        chr_free(chr);
        return NULL;
    }
    chr->realized = chardevs_realized;
    chardevs = g_list_append(chardevs, chr);
    if (drv == &chardev_socket_driver) {
        yank_register("chardev", "id", chr->id, chr_yank, chr);
        chr->yank_registered = true;
    }
    return chr;
}

Chardev *qemu_chr_new_from_opts(const KeyValueList *opts, Error **errp)
{
    const char *backend = keyval_list_get(opts, "backend");
    const char *id = keyval_list_get(opts, "id");

    if (!backend) {
        error_setg(errp, QERR_MISSING_PARAMETER, "backend");
        return NULL;
    }
    if (!id) {
        error_setg(errp, "chardev: no id specified");
        return NULL;
    }
    return chr_create(backend, id, opts, errp);
}

Chardev *qemu_chr_new(const char *label, const char *spec, Error **errp)
{
    g_autoptr(KeyValueList) kv = NULL;
    const char *backend = NULL;
    const char *rest = NULL;
    const char *implied = NULL;
    KeyValue *item;

    if (g_str_has_prefix(spec, "chardev:")) {
        Chardev *chr = qemu_chr_find(spec + strlen("chardev:"));

        if (!chr) {
            error_setg(errp, "chardev: '%s' not found",
                       spec + strlen("chardev:"));
        }
        return chr;
    }
    if (!strcmp(spec, "stdio") || !strcmp(spec, "null")) {
        backend = spec;
        rest = "";
    } else if (g_str_has_prefix(spec, "file:")) {
        backend = "file";
        rest = spec + 5;
        implied = "path";
    } else if (g_str_has_prefix(spec, "unix:")) {
        backend = "socket";
        rest = spec + 5;
        implied = "path";
    } else if (g_str_has_prefix(spec, "tcp:")) {
        backend = "socket";
        rest = spec + 4;
        implied = "host";
    } else {
        error_setg(errp, "'%s' is not a valid char driver", spec);
        return NULL;
    }
    if (*rest) {
        kv = keyval_list_parse(rest, implied, errp);
        if (!kv) {
            return NULL;
        }
    } else {
        kv = g_new0(KeyValueList, 1);
        kv->items = g_ptr_array_new();
    }
    if (!strcmp(backend, "socket") && implied && !strcmp(implied, "host")) {
        /* tcp:HOST:PORT: the implied value still carries the port. */
        for (guint i = 0; i < kv->items->len; i++) {
            KeyValue *h = g_ptr_array_index(kv->items, i);
            char *colon;

            if (strcmp(h->key, "host") || !(colon = strrchr(h->value, ':'))) {
                continue;
            }
            item = g_new0(KeyValue, 1);
            item->key = g_strdup("port");
            item->value = g_strdup(colon + 1);
            *colon = '\0';
            g_ptr_array_add(kv->items, item);
            break;
        }
    }
    return chr_create(backend, label, kv, errp);
}

bool qemu_chr_realize_all(Error **errp)
{
    for (GList *l = chardevs; l; l = l->next) {
        Chardev *chr = l->data;

        bool ok;

        if (chr->realized) {
            continue;
        }
        g_rec_mutex_lock(&chr->lock);
        ok = !chr->drv->realize || chr->drv->realize(chr, errp);
        g_rec_mutex_unlock(&chr->lock);
        if (!ok) {
            return false;
        }
        chr->realized = true;
    }
    chardevs_realized = true;
    return true;
}

/* Push out what is still queued (e.g. the reply to "quit"), bounded. */
static void chr_conn_flush(ChrConn *conn)
{
    gint64 deadline = g_get_monotonic_time() + G_USEC_PER_SEC;

    while (conn->out->len && conn->wfd >= 0 &&
           g_get_monotonic_time() < deadline) {
        struct pollfd pfd = { .fd = conn->wfd, .events = POLLOUT };
        ssize_t n;

        if (poll(&pfd, 1, 100) <= 0) {
            continue;
        }
        n = chr_conn_try_write(conn, conn->out->data, conn->out->len);
        if (n < 0) {
            break;
        }
        g_byte_array_remove_range(conn->out, 0, n);
    }
}

void qemu_chr_cleanup(void)
{
    /* Deferred closes and output watches refer to what goes away now. */
    qemu_context_jobs_flush(NULL);
    while (chardevs) {
        Chardev *chr = g_list_last(chardevs)->data;

        chardevs = g_list_remove(chardevs, chr);
        g_rec_mutex_lock(&chr->lock);
        chr->read = NULL;
        chr->event = NULL;
        chr->fe_claimed = chr->fe_attached = false;
        while (chr->conns) {
            ChrConn *conn = chr->conns->data;

            chr_conn_flush(conn);
            chr_conn_close(conn);
        }
        if (chr->drv->cleanup) {
            chr->drv->cleanup(chr);
        }
        g_rec_mutex_unlock(&chr->lock);
        chr_free(chr);
    }
    chardevs_realized = false;
}
