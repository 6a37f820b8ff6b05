/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Counting this process's open fds, for tests that check nothing leaks. */
#ifndef TESTS_UNIT_PROC_COUNT_H
#define TESTS_UNIT_PROC_COUNT_H

#include <glib.h>

static inline int count_fds(void)
{
    GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
    int n = 0;

    g_assert_nonnull(d);
    while (g_dir_read_name(d)) {
        n++;
    }
    g_dir_close(d);
    return n;
}

#endif
