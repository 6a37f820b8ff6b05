/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stdio chardev: the process's stdin/stdout as one stream. */
#include "qemu/osdep.h"
#include "chardev/chardev-internal.h"

static bool stdio_in_use;

static bool stdio_parse(Chardev *chr, const KeyValueList *opts, Error **errp)
{
    if (stdio_in_use) {
        error_setg(errp, "cannot use stdio by multiple character devices");
        return false;
    }
    stdio_in_use = true;
    return true;
}

static bool stdio_realize(Chardev *chr, Error **errp)
{
    chr_conn_add(chr, STDIN_FILENO, STDOUT_FILENO, false, false);
    return true;
}

static void stdio_cleanup(Chardev *chr)
{
    stdio_in_use = false;
}

static const char *const stdio_keys[] = { "signal", "mux", NULL };

const ChardevDriver chardev_stdio_driver = {
    .name = "stdio",
    .keys = stdio_keys,
    .parse = stdio_parse,
    .realize = stdio_realize,
    .cleanup = stdio_cleanup,
};
