/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Host facts queried once and cached (page size). */

#include "qemu/osdep.h"

size_t qemu_real_host_page_size(void)
{
    /* Racing first callers all store the same value, so no lock needed. */
    static size_t page_size;

    if (!page_size) {
        long r = sysconf(_SC_PAGESIZE);

        page_size = r > 0 ? (size_t)r : 4096;
    }
    return page_size;
}
