/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memfd helpers: create sealed or hugetlb memfds, probe host support. */
#ifndef QEMU_MEMFD_H
#define QEMU_MEMFD_H

#include "qemu/osdep.h"
#include "qapi/error.h"

#ifndef F_LINUX_SPECIFIC_BASE
#define F_LINUX_SPECIFIC_BASE 1024
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS (F_LINUX_SPECIFIC_BASE + 9)
#define F_GET_SEALS (F_LINUX_SPECIFIC_BASE + 10)
#define F_SEAL_SEAL     0x0001
#define F_SEAL_SHRINK   0x0002
#define F_SEAL_GROW     0x0004
#define F_SEAL_WRITE    0x0008
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

/*
 * memfd_create(@name, flags derived from @hugetlb/@hugetlbsize/@seals),
 * ftruncate to @size, add @seals.  hugetlbsize 0 = default huge page size.
 * Error "failed to create memfd: <strerror>" (or names the failing step).
 * Returns the fd or -1.
 */
int qemu_memfd_create(const char *name, size_t size, bool hugetlb,
                      uint64_t hugetlbsize, unsigned int seals, Error **errp);

/* Does memfd_create accept @flags (MFD_* bits) on this host?  Cached. */
bool qemu_memfd_check(unsigned int flags);

/* Can memfds be created and sealed on this host? */
bool qemu_memfd_alloc_check(void);

/* Page size of the memory behind @fd (huge page size on hugetlbfs). */
size_t qemu_fd_getpagesize(int fd);

#endif
