/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private interface between chardev/char.c and the chardev backends. */
#ifndef CHARDEV_INTERNAL_H
#define CHARDEV_INTERNAL_H

#include <glib-unix.h>
#include "chardev/char.h"

typedef struct ChardevDriver ChardevDriver;
typedef struct ChrConn ChrConn;

struct ChardevDriver {
    const char *name;
    /* Keys the backend accepts besides "backend" and "id". */
    const char *const *keys;
    /* Check and store the options; nothing is opened yet. */
    bool (*parse)(Chardev *chr, const KeyValueList *opts, Error **errp);
    /* Open files, listen, connect (once, from qemu_chr_realize_all). */
    bool (*realize)(Chardev *chr, Error **errp);
    /* Undo realize: close listeners, unlink socket files. */
    void (*cleanup)(Chardev *chr);
    /* Its watches can run in another GMainContext (a monitor I/O thread). */
    bool gcontext;
};

struct Chardev {
    char *id;
    const ChardevDriver *drv;
    ChrReadHandler *read;
    ChrEventHandler *event;
    void *opaque;
    GList *conns;             /* ChrConn *, oldest first */
    int next_conn_id;
    bool realized;
    bool fe_claimed;          /* a front end owns this chardev */
    bool fe_attached;         /* ... and has installed its handlers */
    bool yank_registered;     /* a socket: a yank instance */
    /*
     * Where the watches run (NULL: the main loop).  Writes may come from
     * any thread; everything else happens in the thread running @ctx.
     * @lock guards the connection list and every connection's state.
     */
    GMainContext *ctx;
    GRecMutex lock;

    /* socket */
    bool is_unix;
    char *path;
    char *host;
    char *port;
    bool server;
    bool wait;
    int listen_fd;
    GSource *listen_watch;
    GSource *accept_retry;    /* timer while accept() lacks fds */
    bool accept_warned;
    bool unlink_path;
    /* file */
    bool append;
};

/* One byte stream of a chardev. rfd < 0: output only; wfd < 0: discard. */
struct ChrConn {
    Chardev *chr;
    int id;
    int rfd;
    int wfd;
    bool is_socket;
    bool own_fds;             /* close rfd/wfd when the connection ends */
    bool closed;
    bool paused;              /* the front end takes no input for now */
    unsigned ref;
    GSource *in_watch;
    GSource *out_watch;
    GByteArray *out;          /* bytes the peer has not taken yet */
};

extern const ChardevDriver chardev_socket_driver;
extern const ChardevDriver chardev_stdio_driver;
extern const ChardevDriver chardev_file_driver;
extern const ChardevDriver chardev_null_driver;

/* Watches in the chardev's context; chr_unwatch() destroys and clears. */
GSource *chr_watch_fd(Chardev *chr, int fd, GIOCondition cond,
                      GUnixFDSourceFunc fn, gpointer opaque);
GSource *chr_watch_timeout(Chardev *chr, guint ms, GSourceFunc fn,
                           gpointer opaque);
void chr_unwatch(GSource **src);

/* A connection went away: a listener starved of fds may accept again. */
void chr_socket_resume_accept(Chardev *chr);
/* The chardev changed context: watch the listener there. */
void chr_socket_rewatch(Chardev *chr);
/* Add a connection and announce it with CHR_EVENT_OPENED. */
ChrConn *chr_conn_add(Chardev *chr, int rfd, int wfd, bool is_socket,
                      bool own_fds);
/* Parse a boolean option ("Parameter 'k' expects 'on' or 'off'"). */
bool chr_opt_bool(const KeyValueList *opts, const char *key, bool def,
                  bool *out, Error **errp);

#endif
