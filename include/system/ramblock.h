/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RAMBlock: one contiguous host mapping of guest RAM and where it comes
 * from (fd, guest_memfd), allocated and freed by system/physmem.c.
 */
#ifndef SYSTEM_RAMBLOCK_H
#define SYSTEM_RAMBLOCK_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "system/memory.h"

/* RAM flags (values follow QEMU's numbering where QEMU has the flag). */
#define RAM_PREALLOC            (1u << 0)   /* memory supplied by caller */
#define RAM_SHARED              (1u << 1)   /* MAP_SHARED */
#define RAM_NORESERVE           (1u << 7)   /* MAP_NORESERVE (reserve=off) */
#define RAM_NAMED_FILE          (1u << 9)
#define RAM_READONLY            (1u << 10)  /* guest sees ROM */
#define RAM_READONLY_FD         (1u << 11)  /* fd opened/mapped read-only */
#define RAM_GUEST_MEMFD         (1u << 12)  /* has a private guest_memfd
                                             * beside the shared backing
                                             * (legacy conversion) */
#define RAM_PRIVATE             (1u << 13)  /* explicitly MAP_PRIVATE */
#define RAM_GUEST_MEMFD_SHARED  (1u << 14)  /* fd is an mmap-able guest_memfd
                                             * used in place */
#define RAM_GUEST_MEMFD_IN_PLACE (1u << 15) /* converts in place: needs
                                             * RAM_GUEST_MEMFD_SHARED, its
                                             * fd is its private memory */

struct RAMBlock {
    MemoryRegion *mr;
    uint8_t *host;            /* host mapping of [0, used_length) */
    uint64_t used_length;
    uint64_t max_length;
    size_t page_size;         /* host page size backing it (hugetlb: huge) */
    uint32_t flags;           /* RAM_* */
    int fd;                   /* memory the host maps, -1 if anonymous */
    uint64_t fd_offset;       /* offset of host[0] in fd */
    int guest_memfd;          /* memory KVM serves private pages from, -1 */
    uint64_t guest_memfd_offset; /* offset of block start in guest_memfd */
    char idstr[256];
    void *attributes;         /* RamBlockAttributes (shared/private map) */
};

RAMBlock *qemu_ram_alloc(uint64_t size, uint32_t ram_flags, MemoryRegion *mr,
                         Error **errp);
/* Takes ownership of @fd (closed on failure too). */
RAMBlock *qemu_ram_alloc_from_fd(uint64_t size, MemoryRegion *mr,
                                 uint32_t ram_flags, int fd, uint64_t offset,
                                 Error **errp);
/*
 * As qemu_ram_alloc_from_fd, with the mapping aligned to @align (0 = the
 * fd's page size; else a power-of-two multiple of it).
 */
RAMBlock *qemu_ram_alloc_from_fd_align(uint64_t size, MemoryRegion *mr,
                                       uint32_t ram_flags, int fd,
                                       uint64_t offset, uint64_t align,
                                       Error **errp);
/* memory_region_init_ram_from_fd() with an alignment (hostmem-file). */
bool memory_region_init_ram_from_fd_align(MemoryRegion *mr, Object *owner,
                                          const char *name, uint64_t size,
                                          uint32_t ram_flags, int fd,
                                          uint64_t offset, uint64_t align,
                                          Error **errp);
void qemu_ram_free(RAMBlock *block);
void qemu_ram_set_idstr(RAMBlock *block, const char *name);
RAMBlock *qemu_ram_block_by_name(const char *name);
/* Iterate all blocks; stop on non-zero return. */
typedef int RAMBlockIterFunc(RAMBlock *rb, void *opaque);
int qemu_ram_foreach_block(RAMBlockIterFunc func, void *opaque);

/* Give the memory of [start, start+length) back (MADV_REMOVE/PUNCH_HOLE or
 * MADV_DONTNEED); 0 or -errno. */
int ram_block_discard_range(RAMBlock *rb, uint64_t start, size_t length);
int ram_block_discard_guest_memfd_range(RAMBlock *rb, uint64_t start,
                                        size_t length);

#endif
