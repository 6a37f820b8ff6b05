/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The qtest accelerator: a machine without vCPUs, driven only by qtest. */
#include "qemu/osdep.h"
#include "system/qtest.h"

static bool qtest_accel_active;

bool qtest_accel_init(Error **errp)
{
    /* Nothing to open: memory is plain host memory mapped by the machine. */
    qtest_accel_active = true;
    return true;
}

bool qtest_accel_enabled(void)
{
    return qtest_accel_active;
}
