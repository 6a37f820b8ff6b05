/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Socket chardev: unix or tcp, listening (many clients) or connecting. */
#include "qemu/osdep.h"
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "chardev/chardev-internal.h"

static const char *const socket_keys[] = {
    "path", "host", "port", "server", "wait", "nowait", "nodelay", NULL
};

static bool socket_parse(Chardev *chr, const KeyValueList *opts,
                         Error **errp)
{
    const char *path = keyval_list_get(opts, "path");
    const char *host = keyval_list_get(opts, "host");
    const char *port = keyval_list_get(opts, "port");
    bool nowait;

    if (!chr_opt_bool(opts, "server", false, &chr->server, errp) ||
        !chr_opt_bool(opts, "wait", true, &chr->wait, errp) ||
        !chr_opt_bool(opts, "nowait", false, &nowait, errp)) {
        return false;
    }
    /* The old flag spelling "server,nowait" still appears in scripts. */
    if (nowait) {
        chr->wait = false;
    }
    if (path && (host || port)) {
        error_setg(errp, "chardev: socket: 'path' cannot be used with "
                   "'host' or 'port'");
        return false;
    }
    if (path) {
        struct sockaddr_un un;

        if (strlen(path) >= sizeof(un.sun_path)) {
            error_setg(errp, "UNIX socket path '%s' is too long", path);
            error_append_hint(errp, "Path must be less than %zu bytes\n",
                              sizeof(un.sun_path));
            return false;
        }
        chr->is_unix = true;
        chr->path = g_strdup(path);
        return true;
    }
    if (!port) {
        error_setg(errp, "chardev: socket: no host given");
        return false;
    }
    /* "[::1]" as written in tcp:[::1]:4444 */
    if (host && host[0] == '[' && host[strlen(host) - 1] == ']') {
        chr->host = g_strndup(host + 1, strlen(host) - 2);
    } else {
        chr->host = g_strdup(host ? host : "");
    }
    chr->port = g_strdup(port);
    return true;
}

static void socket_set_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void socket_new_conn(Chardev *chr, int fd)
{
    if (!chr->is_unix) {
        int one = 1;

        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    socket_set_nonblock(fd);
    chr_conn_add(chr, fd, fd, true, true);
}

/* How long a listener starved of fds waits before trying accept() again. */
#define SOCKET_ACCEPT_RETRY_MS 100

static gboolean socket_accept(gint fd, GIOCondition cond, gpointer opaque);

static void socket_watch_listener(Chardev *chr)
{
    chr_unwatch(&chr->accept_retry);
    if (!chr->listen_watch && chr->listen_fd >= 0) {
        chr->listen_watch = chr_watch_fd(chr, chr->listen_fd, G_IO_IN,
                                         socket_accept, chr);
    }
}

static gboolean socket_accept_retry(gpointer opaque)
{
    Chardev *chr = opaque;

    g_rec_mutex_lock(&chr->lock);
    chr_unwatch(&chr->accept_retry);
    socket_watch_listener(chr);
    g_rec_mutex_unlock(&chr->lock);
    return G_SOURCE_REMOVE;
}

void chr_socket_resume_accept(Chardev *chr)
{
    if (chr->accept_retry) {
        socket_watch_listener(chr);
    }
}

void chr_socket_rewatch(Chardev *chr)
{
    chr_unwatch(&chr->listen_watch);
    socket_watch_listener(chr);
}

static gboolean socket_accept(gint fd, GIOCondition cond, gpointer opaque)
{
    Chardev *chr = opaque;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

    g_rec_mutex_lock(&chr->lock);
    if (cfd >= 0) {
        socket_new_conn(chr, cfd);
        g_rec_mutex_unlock(&chr->lock);
        return G_SOURCE_CONTINUE;
    }
    if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS &&
        errno != ENOMEM) {
        /* EAGAIN, ECONNABORTED, ...: nothing pending for us. */
        g_rec_mutex_unlock(&chr->lock);
        return G_SOURCE_CONTINUE;
    }
    /*
     * The pending connection stays queued, so the listen fd stays
     * readable: watching it now would spin.  Look again after a pause,
     * or sooner when one of our connections frees an fd.
     */
    if (!chr->accept_warned) {
        warn_report("chardev '%s': cannot accept connections: %s; "
                    "retrying", chr->id, strerror(errno));
        chr->accept_warned = true;
    }
    chr_unwatch(&chr->listen_watch);
    chr->accept_retry = chr_watch_timeout(chr, SOCKET_ACCEPT_RETRY_MS,
                                          socket_accept_retry, chr);
    g_rec_mutex_unlock(&chr->lock);
    return G_SOURCE_REMOVE;
}

static int unix_socket(const char *path, struct sockaddr_un *un)
{
    memset(un, 0, sizeof(*un));
    un->sun_family = AF_UNIX;
    g_strlcpy(un->sun_path, path, sizeof(un->sun_path));
    return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static bool unix_listen(Chardev *chr, Error **errp)
{
    struct sockaddr_un un;
    mode_t old_umask;
    int fd = unix_socket(chr->path, &un);
    int ret;

    if (fd < 0) {
        error_setg_errno(errp, errno, "Failed to create Unix socket");
        return false;
    }
    if (unlink(chr->path) < 0 && errno != ENOENT) {
        error_setg_errno(errp, errno, "Failed to unlink socket %s",
                         chr->path);
        close(fd);
        return false;
    }
    /* Only our user may talk to the monitor: created 0600, no window. */
    old_umask = umask(0177);
    ret = bind(fd, (struct sockaddr *)&un, sizeof(un));
    umask(old_umask);
    if (ret < 0) {
        error_setg_errno(errp, errno, "Failed to bind socket to %s",
                         chr->path);
        close(fd);
        return false;
    }
    chr->unlink_path = true;
    if (listen(fd, 8) < 0) {
        error_setg_errno(errp, errno, "Failed to listen on socket");
        close(fd);
        return false;
    }
    chr->listen_fd = fd;
    return true;
}

static struct addrinfo *tcp_resolve(Chardev *chr, bool passive, Error **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = passive ? AI_PASSIVE : 0,
    };
    struct addrinfo *res = NULL;
    const char *host = *chr->host ? chr->host : (passive ? NULL : "localhost");
    int rc = getaddrinfo(host, chr->port, &hints, &res);

    if (rc) {
        error_setg(errp, "address resolution failed for %s:%s: %s",
                   chr->host, chr->port, gai_strerror(rc));
        return NULL;
    }
    return res;
}

static bool tcp_listen(Chardev *chr, Error **errp)
{
    struct addrinfo *res = tcp_resolve(chr, true, errp);
    int saved_errno = 0;

    if (!res) {
        return false;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int one = 1;
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                        ai->ai_protocol);

        if (fd < 0) {
            saved_errno = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, 8) == 0) {
            chr->listen_fd = fd;
            break;
        }
        saved_errno = errno;
        close(fd);
    }
    freeaddrinfo(res);
    if (chr->listen_fd < 0) {
        error_setg_errno(errp, saved_errno, "Failed to bind socket");
        return false;
    }
    return true;
}

static int socket_connect(Chardev *chr, Error **errp)
{
    int fd = -1;

    if (chr->is_unix) {
        struct sockaddr_un un;

        fd = unix_socket(chr->path, &un);
        if (fd < 0 || connect(fd, (struct sockaddr *)&un, sizeof(un)) < 0) {
            error_setg_errno(errp, errno, "Failed to connect to '%s'",
                             chr->path);
            if (fd >= 0) {
                close(fd);
            }
            return -1;
        }
        return fd;
    } else {
        struct addrinfo *res = tcp_resolve(chr, false, errp);
        int saved_errno = ECONNREFUSED;

        if (!res) {
            return -1;
        }
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
            fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                        ai->ai_protocol);
            if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
                break;
            }
            saved_errno = errno;
            if (fd >= 0) {
                close(fd);
            }
            fd = -1;
        }
        freeaddrinfo(res);
        if (fd < 0) {
            error_setg_errno(errp, saved_errno, "Failed to connect to '%s:%s'",
                             chr->host, chr->port);
        }
        return fd;
    }
}

static bool socket_realize(Chardev *chr, Error **errp)
{
    if (!chr->server) {
        int fd = socket_connect(chr, errp);

        if (fd < 0) {
            return false;
        }
        socket_new_conn(chr, fd);
        return true;
    }
    if (!(chr->is_unix ? unix_listen(chr, errp) : tcp_listen(chr, errp))) {
        return false;
    }
    if (chr->wait) {
        int cfd;

        if (chr->is_unix) {
            info_report("QEMU waiting for connection on: "
                        "disconnected:unix:%s,server=on", chr->path);
        } else {
            info_report("QEMU waiting for connection on: "
                        "disconnected:tcp:%s:%s,server=on",
                        chr->host, chr->port);
        }
        do {
            cfd = accept4(chr->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        } while (cfd < 0 && errno == EINTR);
        if (cfd >= 0) {
            socket_new_conn(chr, cfd);
        }
    }
    socket_set_nonblock(chr->listen_fd);
    socket_watch_listener(chr);
    return true;
}

static void socket_cleanup(Chardev *chr)
{
    chr_unwatch(&chr->accept_retry);
    chr_unwatch(&chr->listen_watch);
    if (chr->listen_fd >= 0) {
        close(chr->listen_fd);
        chr->listen_fd = -1;
    }
    if (chr->unlink_path) {
        unlink(chr->path);
        chr->unlink_path = false;
    }
}

const ChardevDriver chardev_socket_driver = {
    .name = "socket",
    .keys = socket_keys,
    .parse = socket_parse,
    .realize = socket_realize,
    .cleanup = socket_cleanup,
    .gcontext = true,
};
