/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File chardev: output appended to or replacing a file; no input. */
#include "qemu/osdep.h"
#include "chardev/chardev-internal.h"

static const char *const file_keys[] = { "path", "append", NULL };

static bool file_parse(Chardev *chr, const KeyValueList *opts, Error **errp)
{
    const char *path = keyval_list_get(opts, "path");

    if (!path) {
        error_setg(errp, "chardev: file: no filename given");
        return false;
    }
    chr->path = g_strdup(path);
    return chr_opt_bool(opts, "append", false, &chr->append, errp);
}

static bool file_realize(Chardev *chr, Error **errp)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC |
                (chr->append ? O_APPEND : O_TRUNC);
    int fd = open(chr->path, flags, 0666);

    if (fd < 0) {
        error_setg_errno(errp, errno, "Could not open '%s'", chr->path);
        return false;
    }
    chr_conn_add(chr, -1, fd, false, true);
    return true;
}

const ChardevDriver chardev_file_driver = {
    .name = "file",
    .keys = file_keys,
    .parse = file_parse,
    .realize = file_realize,
};
