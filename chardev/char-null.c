/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Null chardev: swallows output, never produces input. */
#include "qemu/osdep.h"
#include "chardev/chardev-internal.h"

static bool null_realize(Chardev *chr, Error **errp)
{
    chr_conn_add(chr, -1, -1, false, false);
    return true;
}

const ChardevDriver chardev_null_driver = {
    .name = "null",
    .realize = null_realize,
};
