/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memfd creation with sealing and huge pages, plus host capability probes. */
#include "qemu/osdep.h"
#include <sys/syscall.h>
#include <sys/vfs.h>
#include "qemu/memfd.h"

#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

static int memfd_create_raw(const char *name, unsigned int flags)
{
    /* The syscall, not glibc's wrapper: the flag set is ours to probe. */
    return syscall(SYS_memfd_create, name, flags);
}

int qemu_memfd_create(const char *name, size_t size, bool hugetlb,
                      uint64_t hugetlbsize, unsigned int seals, Error **errp)
{
    unsigned int flags = MFD_CLOEXEC;
    int fd;

    if (seals) {
        flags |= MFD_ALLOW_SEALING;
    }
    if (hugetlb) {
        flags |= MFD_HUGETLB;
        if (hugetlbsize) {
            if (hugetlbsize & (hugetlbsize - 1)) {
                error_setg(errp, "Hugepage size must be a power of 2");
                return -1;
            }
            flags |= (unsigned int)__builtin_ctzll(hugetlbsize)
                     << MFD_HUGE_SHIFT;
        }
    }

    fd = memfd_create_raw(name, flags);
    if (fd < 0) {
        error_setg_errno(errp, errno, "failed to create memfd");
        return -1;
    }
    if (size && ftruncate(fd, size) < 0) {
        error_setg_errno(errp, errno, "failed to resize memfd to %zu", size);
        close(fd);
        return -1;
    }
    if (seals && fcntl(fd, F_ADD_SEALS, seals) < 0) {
        error_setg_errno(errp, errno, "failed to add seals to memfd");
        close(fd);
        return -1;
    }
    return fd;
}

bool qemu_memfd_check(unsigned int flags)
{
    /* Index by the only flag combinations we probe; cache per process. */
    static int cache_plain = -1, cache_huge = -1;
    int *cache = (flags & MFD_HUGETLB) ? &cache_huge : &cache_plain;
    int fd;

    if (*cache < 0) {
        fd = memfd_create_raw("test", flags | MFD_CLOEXEC);
        *cache = fd >= 0;
        if (fd >= 0) {
            close(fd);
        }
    }
    return *cache;
}

bool qemu_memfd_alloc_check(void)
{
    static int cached = -1;
    int fd;

    if (cached < 0) {
        fd = memfd_create_raw("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        cached = fd >= 0 && ftruncate(fd, 4096) == 0 &&
                 fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK |
                       F_SEAL_SEAL) == 0;
        if (fd >= 0) {
            close(fd);
        }
    }
    return cached;
}

size_t qemu_fd_getpagesize(int fd)
{
    struct statfs fs;
    int ret;

    if (fd >= 0) {
        do {
            ret = fstatfs(fd, &fs);
        } while (ret != 0 && errno == EINTR);
        if (ret == 0 && fs.f_type == HUGETLBFS_MAGIC) {
            return fs.f_bsize;
        }
    }
    return qemu_real_host_page_size();
}
