/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Host memory backends: the abstract memory-backend type and its API. */
#ifndef SYSTEM_HOSTMEM_H
#define SYSTEM_HOSTMEM_H

#include "qemu/osdep.h"
#include <sched.h>
#include "qom/object.h"
#include "system/memory.h"
#include "qapi/qapi-types.h"   /* HostMemPolicy */

#define TYPE_MEMORY_BACKEND "memory-backend"
#define TYPE_MEMORY_BACKEND_RAM "memory-backend-ram"
#define TYPE_MEMORY_BACKEND_FILE "memory-backend-file"
#define TYPE_MEMORY_BACKEND_MEMFD "memory-backend-memfd"
#define TYPE_MEMORY_BACKEND_SHM "memory-backend-shm"
#define TYPE_MEMORY_BACKEND_GUEST_MEMFD "memory-backend-guest-memfd"

#define MAX_NODES 128

OBJECT_DECLARE_TYPE(HostMemoryBackend, HostMemoryBackendClass, MEMORY_BACKEND)

struct HostMemoryBackendClass {
    ObjectClass parent_class;
    /* Produce backend->mr (a RAM region) of backend->size. */
    bool (*alloc)(HostMemoryBackend *backend, Error **errp);
};

struct HostMemoryBackend {
    Object parent;
    uint64_t size;
    bool merge, dump, use_canonical_path;
    bool prealloc, is_mapped, share, reserve;
    uint32_t prealloc_threads;
    Object *prealloc_context;        /* thread-context */
    GArray *host_nodes;              /* uint16_t */
    HostMemPolicy policy;
    MemoryRegion mr;
    bool mr_inited;
};

bool host_memory_backend_mr_inited(HostMemoryBackend *backend);
MemoryRegion *host_memory_backend_get_memory(HostMemoryBackend *backend);
void host_memory_backend_set_mapped(HostMemoryBackend *backend, bool mapped);
bool host_memory_backend_is_mapped(HostMemoryBackend *backend);
size_t host_memory_backend_pagesize(HostMemoryBackend *backend);
/* RAMBlock id: canonical path or plain id. Caller frees. */
char *host_memory_backend_get_name(HostMemoryBackend *backend);
/* Is the backend's memory a guest_memfd (either design)? */
bool host_memory_backend_is_guest_memfd(HostMemoryBackend *backend);

/*
 * Both guest_memfd designs: create an MMAP|INIT_SHARED guest_memfd of
 * backend->size through KVM and map it as backend->mr, flagged
 * RAM_SHARED | RAM_GUEST_MEMFD_SHARED (+ RAM_NORESERVE for reserve=off).
 */
bool host_memory_backend_alloc_guest_memfd(HostMemoryBackend *backend,
                                           Error **errp);
/*
 * The RAM flags a backend adds to ask for private memory when the
 * machine is a confidential guest: RAM_GUEST_MEMFD (legacy model) or
 * RAM_GUEST_MEMFD_IN_PLACE (convert-in-place=on); 0 otherwise.  physmem
 * creates the guest_memfd (or refuses a block that cannot convert in
 * place).
 */
uint32_t host_memory_backend_cgs_ram_flags(void);

/*
 * Register "share" on a concrete backend class with that type's default
 * (false for ram/file, true for memfd/shm/guest-memfd).
 */
void host_memory_backend_class_add_share(ObjectClass *oc, bool def);

/*
 * fallocate() for fd_is_guest_memfd fds: 0 or -errno.  A guest_memfd is
 * KVM's, so preallocation reaches it through the KVM seam, which
 * kvm_accel_init() installs here (util never calls into accel/kvm).
 * NULL restores the plain system call.
 */
typedef int (*QemuGmemFallocateFn)(int fd, int mode, uint64_t offset,
                                   uint64_t len);
void qemu_prealloc_set_gmem_fallocate(QemuGmemFallocateFn fn);

/*
 * Populate [area, area+sz) with @max_threads threads: fallocate for fd
 * memory (KEEP_SIZE for guest_memfd), MADV_POPULATE_WRITE for anonymous,
 * touching pages as the last resort.  ENOSPC/ENOMEM -> one error, memory
 * given back.  (util/oslib-posix.c)
 */
bool qemu_prealloc_mem(int fd, uint64_t fd_offset, char *area, size_t sz,
                       int max_threads, bool fd_is_guest_memfd,
                       Error **errp);
/*
 * As qemu_prealloc_mem, worker threads created by thread-context
 * @context (NULL: by the caller, inheriting its affinity).
 * @fresh: the caller knows nothing was written yet, so a failure may give
 * everything back without probing what the range holds.
 */
bool qemu_prealloc_mem_affinity(int fd, uint64_t fd_offset, char *area,
                                size_t sz, int max_threads,
                                bool fd_is_guest_memfd,
                                Object *context, bool fresh,
                                Error **errp);

#endif
