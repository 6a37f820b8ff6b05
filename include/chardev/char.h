/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Character devices: the byte streams monitors, qtest and the serial port
 * run on (unix/tcp socket servers and clients, stdio, file, null).  I/O
 * callbacks run in the main loop under the BQL, or, for a chardev moved to
 * another GMainContext (a QMP monitor's I/O thread), in that thread; writes
 * may come from any thread.
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/option.h"

typedef struct Chardev Chardev;

typedef enum {
    CHR_EVENT_OPENED,    /* a client connected (or stdio/file ready) */
    CHR_EVENT_CLOSED,    /* the client went away */
} ChrEvent;

/*
 * A chardev may carry several connections at once (a listening socket
 * accepts many); @conn identifies one, so a monitor keeps one session per
 * connection.  Single-stream chardevs use conn 0.
 */
typedef void ChrReadHandler(void *opaque, int conn, const uint8_t *buf,
                            size_t len);
typedef void ChrEventHandler(void *opaque, int conn, ChrEvent event);

/* -chardev BACKEND,id=ID,...  (socket,path=|host=,port=,server=,wait=;
 * stdio; file,path=; null). */
Chardev *qemu_chr_new_from_opts(const KeyValueList *opts, Error **errp);
/* Legacy spec strings: "stdio", "null", "file:PATH", "unix:PATH[,opts]",
 * "tcp:HOST:PORT[,opts]", "chardev:ID" (existing).  @label names the new
 * chardev (e.g. "serial0", "compat_monitor0"). */
Chardev *qemu_chr_new(const char *label, const char *spec, Error **errp);
Chardev *qemu_chr_find(const char *id);
const char *qemu_chr_get_id(Chardev *chr);

/*
 * A chardev serves one front end (monitor, qtest, serial port); a second
 * one would steal the first one's input.  Claim before attaching: fails
 * with "Device 'ID' is in use" when one is attached already.  Setting
 * non-NULL handlers claims implicitly (and is refused, with an error
 * message, if another front end holds the chardev); setting NULL handlers
 * or qemu_chr_fe_release() lets go.
 */
bool qemu_chr_fe_claim(Chardev *chr, Error **errp);
void qemu_chr_fe_release(Chardev *chr);
void qemu_chr_set_handlers(Chardev *chr, ChrReadHandler *read,
                           ChrEventHandler *event, void *opaque);
/* Write to one connection (conn < 0: all). Returns bytes or -errno. */
int qemu_chr_write_all(Chardev *chr, int conn, const uint8_t *buf,
                       size_t len);
void qemu_chr_close_conn(Chardev *chr, int conn);
/*
 * Stop (false) or resume (true) reading from one connection: a front end
 * that cannot take more input yet leaves it in the kernel's buffers.
 * Call from the thread running the chardev's context.
 */
void qemu_chr_accept_input(Chardev *chr, int conn, bool accept);
/* Whether the backend can run its watches in another GMainContext. */
bool qemu_chr_has_gcontext(Chardev *chr);
/*
 * Run the chardev's watches (and so its front end's callbacks) in @ctx,
 * NULL for the main loop.  Only for chardevs with qemu_chr_has_gcontext().
 */
void qemu_chr_set_gcontext(Chardev *chr, GMainContext *ctx);
/* Called once from main after option parsing: connect client sockets,
 * start listening (servers with wait=on block for the first client). */
bool qemu_chr_realize_all(Error **errp);
void qemu_chr_cleanup(void);  /* closes all, unlinks socket files */

#endif
