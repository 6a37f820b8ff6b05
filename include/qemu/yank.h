/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Registry of yank instances (QMP yank / query-yank). */
#ifndef QEMU_YANK_H
#define QEMU_YANK_H

#include "qemu/osdep.h"

typedef void YankFunc(void *opaque);

/*
 * Register instance {"type": @type, @key: @name}; yanking it calls
 * @fn(@opaque), from whichever thread runs the command (the monitor I/O
 * thread for exec-oob), so @fn must be thread-safe.  Unregister before
 * @opaque goes away: that waits for a yank in progress.
 */
void yank_register(const char *type, const char *key, const char *name,
                   YankFunc *fn, void *opaque);
void yank_unregister(const char *type, const char *key, const char *name);

#endif
