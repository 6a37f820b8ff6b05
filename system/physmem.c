/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RAMBlocks: allocate, map, discard and free the host memory behind RAM
 * MemoryRegions (anonymous, memfd, file or guest_memfd backed).
 */
#include "qemu/osdep.h"
#include <linux/falloc.h>
#include "qemu/memfd.h"
#include "system/ramblock.h"
#include "system/memory.h"
#include "system/kvm.h"
#include "system/ram-block-attributes.h"


static GList *ram_blocks;      /* RAMBlock *, in allocation order */

/* Extra mapping around host[] reserved for alignment, freed with it. */
typedef struct RAMBlockMapping {
    RAMBlock block;
    void *map_base;
    size_t map_len;
} RAMBlockMapping;

static RAMBlock *ram_block_new(MemoryRegion *mr, uint64_t size,
                               uint32_t flags)
{
    RAMBlockMapping *m = g_new0(RAMBlockMapping, 1);
    RAMBlock *rb = &m->block;

    rb->mr = mr;
    rb->used_length = size;
    rb->max_length = size;
    rb->flags = flags;
    rb->fd = -1;
    rb->guest_memfd = -1;
    rb->page_size = qemu_real_host_page_size();
    if (mr && mr->name) {
        g_strlcpy(rb->idstr, mr->name, sizeof(rb->idstr));
    }
    return rb;
}

static void ram_block_release(RAMBlock *rb)
{
    RAMBlockMapping *m = container_of(rb, RAMBlockMapping, block);

    ram_block_attributes_destroy(rb);
    if (m->map_base) {
        munmap(m->map_base, m->map_len);
    }
    if (rb->fd >= 0) {
        close(rb->fd);
    }
    if (rb->guest_memfd >= 0) {
        close(rb->guest_memfd);
    }
    g_free(m);
}

static void ram_block_add(RAMBlock *rb)
{
    ram_blocks = g_list_append(ram_blocks, rb);
}

/*
 * Where a block's private memory comes from (DESIGN.md §2), chosen by the
 * flags the backend asked for:
 * - RAM_GUEST_MEMFD_IN_PLACE: the block's own mmap-able guest_memfd (it
 *   must be RAM_GUEST_MEMFD_SHARED), duplicated;
 * - RAM_GUEST_MEMFD: a new private guest_memfd beside the shared backing;
 * - neither, but RAM_GUEST_MEMFD_SHARED: the same fd, so the memslot binds
 *   the guest_memfd the host maps (no conversions ever happen).
 * Convertible blocks then get their shared/private map.
 */
static bool ram_block_add_guest_memfd(RAMBlock *rb, Error **errp)
{
    int fd;

    if ((rb->flags & RAM_GUEST_MEMFD_IN_PLACE) &&
        !(rb->flags & RAM_GUEST_MEMFD_SHARED)) {
        const char *type = rb->mr && rb->mr->owner ?
                           object_get_typename(rb->mr->owner) : "RAM";

        error_setg(errp, "cannot set up private guest memory for %s: "
                   "convert-in-place=on needs guest RAM in a guest_memfd, "
                   "not %s", rb->idstr, type);
        error_append_hint(errp, "Use memory-backend-guest-memfd, or "
                          "memory-backend-memfd with guest-memfd=on (or "
                          "auto).\n");
        return false;
    }
    if (rb->flags & RAM_GUEST_MEMFD_IN_PLACE ||
        ((rb->flags & RAM_GUEST_MEMFD_SHARED) &&
         !(rb->flags & RAM_GUEST_MEMFD))) {
        fd = fcntl(rb->fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) {
            error_setg_errno(errp, errno, "cannot duplicate guest_memfd of "
                             "RAMBlock '%s'", rb->idstr);
            return false;
        }
        rb->guest_memfd = fd;
        rb->guest_memfd_offset = rb->fd_offset;
    } else if (rb->flags & RAM_GUEST_MEMFD) {
        fd = kvm_create_guest_memfd(rb->max_length, 0, errp);
        if (fd < 0) {
            error_prepend(errp, "cannot set up private guest memory for %s: ",
                          rb->idstr);
            return false;
        }
        rb->guest_memfd = fd;
        rb->guest_memfd_offset = 0;
    }
    ram_block_attributes_create(rb);
    return true;
}

RAMBlock *qemu_ram_alloc(uint64_t size, uint32_t ram_flags, MemoryRegion *mr,
                         Error **errp)
{
    RAMBlockMapping *m;
    RAMBlock *rb;
    int mflags;
    void *p;

    if (!size) {
        error_setg(errp, "cannot set up guest memory '%s': size 0",
                   mr && mr->name ? mr->name : "");
        return NULL;
    }
    /* Rounding a size near 2^64 up to a page would wrap to 0. */
    if (size > UINT64_MAX - (qemu_real_host_page_size() - 1)) {
        error_setg(errp, "cannot set up guest memory '%s': size 0x%" PRIx64
                   " is too large", mr && mr->name ? mr->name : "", size);
        return NULL;
    }
    size = QEMU_ALIGN_UP(size, qemu_real_host_page_size());
    if (ram_flags & RAM_SHARED) {
        /* Shared RAM gets an fd so it can be passed to other processes. */
        int fd = qemu_memfd_create(mr && mr->name ? mr->name : "ram-block",
                                   size, false, 0, 0, errp);
        if (fd < 0) {
            return NULL;
        }
        return qemu_ram_alloc_from_fd(size, mr, ram_flags, fd, 0, errp);
    }

    mflags = MAP_PRIVATE | MAP_ANONYMOUS;
    if (ram_flags & RAM_NORESERVE) {
        mflags |= MAP_NORESERVE;
    }
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, mflags, -1, 0);
    if (p == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot set up guest memory '%s'",
                         mr && mr->name ? mr->name : "");
        return NULL;
    }
    rb = ram_block_new(mr, size, ram_flags);
    m = container_of(rb, RAMBlockMapping, block);
    m->map_base = p;
    m->map_len = size;
    rb->host = p;
    if (!ram_block_add_guest_memfd(rb, errp)) {
        ram_block_release(rb);
        return NULL;
    }
    ram_block_add(rb);
    return rb;
}

/* mmap @fd so that the result is aligned to @align (a power of two). */
static void *ram_mmap_aligned(int fd, uint64_t offset, size_t size,
                              size_t align, int prot, int flags,
                              void **base, size_t *base_len)
{
    size_t hps = qemu_real_host_page_size();
    uint8_t *resv, *aligned;
    size_t resv_len;
    void *p;

    if (align <= hps) {
        p = mmap(NULL, size, prot, flags, fd, offset);
        if (p == MAP_FAILED) {
            return NULL;
        }
        *base = p;
        *base_len = size;
        return p;
    }
    if (size > SIZE_MAX - align) {
        /* the reservation would wrap and MAP_FIXED could hit other maps */
        errno = ENOMEM;
        return NULL;
    }
    resv_len = size + align;
    resv = mmap(NULL, resv_len, PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (resv == MAP_FAILED) {
        return NULL;
    }
    aligned = (uint8_t *)QEMU_ALIGN_UP((uintptr_t)resv, align);
    p = mmap(aligned, size, prot, flags | MAP_FIXED, fd, offset);
    if (p == MAP_FAILED) {
        int e = errno;
        munmap(resv, resv_len);
        errno = e;
        return NULL;
    }
    /* Trim the reservation around the mapping. */
    if (aligned > resv) {
        munmap(resv, aligned - resv);
    }
    if (resv + resv_len > aligned + size) {
        munmap(aligned + size, resv + resv_len - (aligned + size));
    }
    *base = aligned;
    *base_len = size;
    return aligned;
}

RAMBlock *qemu_ram_alloc_from_fd_align(uint64_t size, MemoryRegion *mr,
                                       uint32_t ram_flags, int fd,
                                       uint64_t offset, uint64_t align,
                                       Error **errp)
{
    const char *name = mr && mr->name ? mr->name : "";
    RAMBlockMapping *m;
    RAMBlock *rb;
    size_t page_size = qemu_fd_getpagesize(fd);
    struct stat st;
    int prot, mflags;
    void *base = NULL, *p;
    size_t base_len = 0;

    if (align % page_size) {
        error_setg(errp, "alignment 0x%" PRIx64 " must be multiples of page"
                   " size 0x%zx", align, page_size);
        goto fail;
    }
    if (align && (align & (align - 1))) {
        error_setg(errp, "alignment 0x%" PRIx64 " must be a power of two",
                   align);
        goto fail;
    }
    if (size < page_size) {
        error_setg(errp, "memory size 0x%" PRIx64 " must be equal to or "
                   "larger than page size 0x%zx", size, page_size);
        goto fail;
    }
    if (offset % page_size) {
        error_setg(errp, "offset 0x%" PRIx64 " must be multiples of page "
                   "size 0x%zx", offset, page_size);
        goto fail;
    }
    /*
     * Page rounding and offset + size must not wrap, and the end must be
     * a valid file offset (off_t) for ftruncate and mmap.
     */
    if (size > (uint64_t)INT64_MAX - (page_size - 1) ||
        offset > (uint64_t)INT64_MAX - QEMU_ALIGN_UP(size, page_size)) {
        error_setg(errp, "'size' option 0x%" PRIx64 " plus 'offset' option "
                   "0x%" PRIx64 " is beyond the largest file size", size,
                   offset);
        goto fail;
    }
    size = QEMU_ALIGN_UP(size, page_size);

    if (fstat(fd, &st) < 0) {
        error_setg_errno(errp, errno, "cannot stat backing store of %s",
                         name);
        goto fail;
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size < offset + size) {
        error_setg(errp, "%s backing store size 0x%" PRIx64 " is too small "
                   "for 'size' option 0x%" PRIx64 " plus 'offset' option "
                   "0x%" PRIx64, name, (uint64_t)st.st_size, size, offset);
        goto fail;
    }
    if (S_ISREG(st.st_mode) && st.st_size == 0 &&
        !(ram_flags & RAM_READONLY_FD) &&
        ftruncate(fd, offset + size) < 0) {
        error_setg_errno(errp, errno, "cannot resize backing store of %s "
                         "to 0x%" PRIx64, name, offset + size);
        goto fail;
    }

    /*
     * Write protection follows what the guest may do (RAM_READONLY), not
     * how the fd was opened: readonly=on,rom=off,share=off maps a
     * read-only file privately and lets the guest write its own copy.
     */
    prot = PROT_READ | ((ram_flags & RAM_READONLY) ? 0 : PROT_WRITE);
    mflags = (ram_flags & RAM_SHARED) ? MAP_SHARED : MAP_PRIVATE;
    if (ram_flags & RAM_NORESERVE) {
        mflags |= MAP_NORESERVE;
    }
    p = ram_mmap_aligned(fd, offset, size, MAX(align, page_size), prot,
                         mflags, &base, &base_len);
    if (!p) {
        error_setg_errno(errp, errno, "unable to map backing store for "
                         "guest RAM");
        goto fail;
    }

    rb = ram_block_new(mr, size, ram_flags);
    m = container_of(rb, RAMBlockMapping, block);
    m->map_base = base;
    m->map_len = base_len;
    rb->host = p;
    rb->page_size = page_size;
    rb->fd = fd;
    rb->fd_offset = offset;
    if (!ram_block_add_guest_memfd(rb, errp)) {
        ram_block_release(rb);
        return NULL;
    }
    ram_block_add(rb);
    return rb;

fail:
    close(fd);
    return NULL;
}

RAMBlock *qemu_ram_alloc_from_fd(uint64_t size, MemoryRegion *mr,
                                 uint32_t ram_flags, int fd, uint64_t offset,
                                 Error **errp)
{
    return qemu_ram_alloc_from_fd_align(size, mr, ram_flags, fd, offset, 0,
                                        errp);
}

void qemu_ram_free(RAMBlock *block)
{
    if (!block) {
        return;
    }
    ram_blocks = g_list_remove(ram_blocks, block);
    ram_block_release(block);
}

void qemu_ram_set_idstr(RAMBlock *block, const char *name)
{
    g_strlcpy(block->idstr, name ? name : "", sizeof(block->idstr));
}

RAMBlock *qemu_ram_block_by_name(const char *name)
{
    GList *l;

    for (l = ram_blocks; l; l = l->next) {
        RAMBlock *rb = l->data;
        if (!strcmp(rb->idstr, name)) {
            return rb;
        }
    }
    return NULL;
}

int qemu_ram_foreach_block(RAMBlockIterFunc func, void *opaque)
{
    GList *l, *next;
    int ret;

    for (l = ram_blocks; l; l = next) {
        next = l->next;           /* @func may free the block */
        ret = func(l->data, opaque);
        if (ret) {
            return ret;
        }
    }
    return 0;
}

static bool ram_block_range_ok(RAMBlock *rb, uint64_t start, size_t length)
{
    return QEMU_IS_ALIGNED(start, rb->page_size) &&
           QEMU_IS_ALIGNED(length, rb->page_size) &&
           start <= rb->used_length && length <= rb->used_length - start;
}

int ram_block_discard_range(RAMBlock *rb, uint64_t start, size_t length)
{
    if (!ram_block_range_ok(rb, start, length)) {
        return -EINVAL;
    }
    if (!length) {
        return 0;
    }
    if (rb->fd >= 0 && (rb->flags & RAM_SHARED)) {
        /* Freeing the file range also zaps every mapping of it. */
        if (fallocate(rb->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      rb->fd_offset + start, length) < 0) {
            return -errno;
        }
        return 0;
    }
    /* anonymous or MAP_PRIVATE: drop our private copies */
    if (madvise(rb->host + start, length, MADV_DONTNEED) < 0) {
        return -errno;
    }
    return 0;
}

int ram_block_discard_guest_memfd_range(RAMBlock *rb, uint64_t start,
                                        size_t length)
{
    if (rb->guest_memfd < 0 || !ram_block_range_ok(rb, start, length)) {
        return -EINVAL;
    }
    if (!length) {
        return 0;
    }
    return kvm_gmem_fallocate(rb->guest_memfd,
                              FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                              rb->guest_memfd_offset + start, length);
}

/* MemoryRegion side: only the RAM parts of memory.h live here. */

static void ram_region_setup(MemoryRegion *mr, Object *owner,
                             const char *name, uint64_t size,
                             uint32_t ram_flags)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = g_strdup(name);
    mr->owner = owner;
    mr->size = size;
    mr->enabled = true;
    mr->readonly = !!(ram_flags & RAM_READONLY);
}

static bool ram_region_finish(MemoryRegion *mr, RAMBlock *rb)
{
    if (!rb) {
        g_free(mr->name);
        mr->name = NULL;
        return false;
    }
    mr->ram = true;
    mr->ram_block = rb;
    return true;
}

bool memory_region_init_ram_flags_nomigrate(MemoryRegion *mr, Object *owner,
                                            const char *name, uint64_t size,
                                            uint32_t ram_flags,
                                            Error **errp)
{
    ram_region_setup(mr, owner, name, size, ram_flags);
    return ram_region_finish(mr, qemu_ram_alloc(size, ram_flags, mr, errp));
}

bool memory_region_init_ram_from_fd_align(MemoryRegion *mr, Object *owner,
                                          const char *name, uint64_t size,
                                          uint32_t ram_flags, int fd,
                                          uint64_t offset, uint64_t align,
                                          Error **errp)
{
    ram_region_setup(mr, owner, name, size, ram_flags);
    return ram_region_finish(mr,
                             qemu_ram_alloc_from_fd_align(size, mr, ram_flags,
                                                          fd, offset, align,
                                                          errp));
}

bool memory_region_init_ram_from_fd(MemoryRegion *mr, Object *owner,
                                    const char *name, uint64_t size,
                                    uint32_t ram_flags, int fd,
                                    uint64_t offset, Error **errp)
{
    return memory_region_init_ram_from_fd_align(mr, owner, name, size,
                                                ram_flags, fd, offset, 0,
                                                errp);
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    hwaddr off = 0;

    while (mr->alias) {
        off += mr->alias_offset;
        mr = mr->alias;
    }
    if (!mr->ram_block) {
        return NULL;
    }
    return mr->ram_block->host + off;
}

int memory_region_get_fd(MemoryRegion *mr)
{
    while (mr->alias) {
        mr = mr->alias;
    }
    return mr->ram_block ? mr->ram_block->fd : -1;
}

bool memory_region_has_guest_memfd(const MemoryRegion *mr)
{
    while (mr->alias) {
        mr = mr->alias;
    }
    return mr->ram_block && mr->ram_block->guest_memfd >= 0;
}

bool memory_region_is_ram(const MemoryRegion *mr)
{
    return mr->ram;
}

uint64_t memory_region_size(const MemoryRegion *mr)
{
    return mr->size;
}

const char *memory_region_name(const MemoryRegion *mr)
{
    return mr->name;
}
