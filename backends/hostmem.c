/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The abstract "memory-backend" type: common properties, their rules, and
 * the complete step (allocate, madvise, NUMA binding, preallocation).
 */
#include "qemu/osdep.h"
#include <sys/syscall.h>
#include <linux/kvm.h>
#include "qemu/thread-context.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"
#include "system/ramblock.h"
#include "system/kvm.h"
#include "hw/boards.h"
#include "system/confidential-guest-support.h"

#ifndef GUEST_MEMFD_FLAG_MMAP
#define GUEST_MEMFD_FLAG_MMAP           (1ULL << 0)
#endif
#ifndef GUEST_MEMFD_FLAG_INIT_SHARED
#define GUEST_MEMFD_FLAG_INIT_SHARED    (1ULL << 1)
#endif
#ifndef MPOL_MF_STRICT
#define MPOL_MF_STRICT  (1 << 0)
#define MPOL_MF_MOVE    (1 << 1)
#endif
#define HOSTMEM_MPOL_PREFERRED_MANY 5


static const char *backend_type(Object *obj)
{
    return object_get_typename(obj);
}

bool host_memory_backend_mr_inited(HostMemoryBackend *backend)
{
    return backend->mr_inited;
}

MemoryRegion *host_memory_backend_get_memory(HostMemoryBackend *backend)
{
    return backend->mr_inited ? &backend->mr : NULL;
}

void host_memory_backend_set_mapped(HostMemoryBackend *backend, bool mapped)
{
    backend->is_mapped = mapped;
}

bool host_memory_backend_is_mapped(HostMemoryBackend *backend)
{
    return backend->is_mapped;
}

size_t host_memory_backend_pagesize(HostMemoryBackend *backend)
{
    if (backend->mr_inited && backend->mr.ram_block) {
        return backend->mr.ram_block->page_size;
    }
    return qemu_real_host_page_size();
}

char *host_memory_backend_get_name(HostMemoryBackend *backend)
{
    const char *id = object_get_canonical_path_component(OBJECT(backend));

    if (!id) {
        return g_strdup(backend_type(OBJECT(backend)));
    }
    if (backend->use_canonical_path) {
        return object_get_canonical_path(OBJECT(backend));
    }
    return g_strdup(id);
}

bool host_memory_backend_is_guest_memfd(HostMemoryBackend *backend)
{
    return backend->mr_inited && backend->mr.ram_block &&
           (backend->mr.ram_block->flags & RAM_GUEST_MEMFD_SHARED);
}

uint32_t host_memory_backend_cgs_ram_flags(void)
{
    switch (confidential_guest_memory_model()) {
    case CGS_MODEL_LEGACY:
        return RAM_GUEST_MEMFD;
    case CGS_MODEL_IN_PLACE:
        return RAM_GUEST_MEMFD_IN_PLACE;
    default:
        return 0;
    }
}

bool host_memory_backend_alloc_guest_memfd(HostMemoryBackend *backend,
                                           Error **errp)
{
    g_autofree char *name = NULL;
    uint32_t ram_flags;
    int fd;

    fd = kvm_create_guest_memfd(backend->size,
                                GUEST_MEMFD_FLAG_MMAP |
                                GUEST_MEMFD_FLAG_INIT_SHARED, errp);
    if (fd < 0) {
        return false;
    }
    name = host_memory_backend_get_name(backend);
    ram_flags = RAM_SHARED | RAM_GUEST_MEMFD_SHARED;
    ram_flags |= backend->reserve ? 0 : RAM_NORESERVE;
    ram_flags |= host_memory_backend_cgs_ram_flags();
    return memory_region_init_ram_from_fd(&backend->mr, OBJECT(backend), name,
                                          backend->size, ram_flags, fd, 0,
                                          errp);
}

/* Unmap (if still mapped somewhere), free the RAMBlock and its fds. */
static void host_memory_backend_release_mr(HostMemoryBackend *backend)
{
    if (!backend->mr_inited) {
        return;
    }
    memory_region_finalize(&backend->mr);
    backend->mr_inited = false;
}

static bool host_memory_backend_do_prealloc(HostMemoryBackend *backend,
                                            bool fresh, Error **errp)
{
    RAMBlock *rb = backend->mr.ram_block;
    cpu_set_t cpus;
    Object *context = NULL;
    int fd = -1;

    /*
     * fallocate only helps where the mapping shows the file's pages; a
     * read-only fd makes it fail with EBADF and prealloc read the pages in.
     */
    if (rb->fd >= 0 && (rb->flags & (RAM_SHARED | RAM_READONLY_FD))) {
        fd = rb->fd;
    }
    if (backend->prealloc_context &&
        thread_context_get_affinity(backend->prealloc_context, &cpus)) {
        context = backend->prealloc_context;
    }
    /* prealloc-threads may exceed INT_MAX; more than pages is clamped */
    return qemu_prealloc_mem_affinity(fd, rb->fd_offset, (char *)rb->host,
                                      rb->used_length,
                                      MIN(backend->prealloc_threads,
                                          (uint32_t)INT_MAX),
                                      !!(rb->flags & RAM_GUEST_MEMFD_SHARED),
                                      context, fresh, errp);
}

static bool host_memory_backend_bind(HostMemoryBackend *backend,
                                     void *ptr, uint64_t sz, Error **errp)
{
    unsigned long nodes[MAX_NODES / (8 * sizeof(unsigned long)) + 1];
    unsigned long maxnode = 0;
    int mode = backend->policy;
    long ret;
    guint i;

    memset(nodes, 0, sizeof(nodes));
    for (i = 0; backend->host_nodes && i < backend->host_nodes->len; i++) {
        uint16_t n = g_array_index(backend->host_nodes, uint16_t, i);
        nodes[n / (8 * sizeof(unsigned long))] |=
            1UL << (n % (8 * sizeof(unsigned long)));
        maxnode = MAX(maxnode, (unsigned long)n + 1);
    }

    if (maxnode && backend->policy == HOST_MEM_POLICY_DEFAULT) {
        error_setg(errp, "host-nodes must be empty for policy default,"
                   " or you should explicitly specify a policy other"
                   " than default");
        return false;
    }
    if (!maxnode && backend->policy != HOST_MEM_POLICY_DEFAULT) {
        error_setg(errp, "host-nodes must be set for policy %s",
                   qapi_enum_lookup(&HostMemPolicy_lookup, backend->policy));
        return false;
    }
    if (!maxnode) {
        return true;
    }
    /*
     * mbind() reads maxnode - 1 bits of the mask; passing one more than
     * the highest node keeps that node (nodes[] has a spare bit for it).
     */
    ret = -1;
    if (backend->policy == HOST_MEM_POLICY_PREFERRED) {
        ret = syscall(SYS_mbind, ptr, sz, HOSTMEM_MPOL_PREFERRED_MANY, nodes,
                      maxnode + 1, MPOL_MF_STRICT | MPOL_MF_MOVE);
        /* EINVAL: no MPOL_PREFERRED_MANY before Linux 5.15 */
    }
    if (ret < 0) {
        ret = syscall(SYS_mbind, ptr, sz, mode, nodes, maxnode + 1,
                      MPOL_MF_STRICT | MPOL_MF_MOVE);
    }
    if (ret < 0) {
        error_setg_errno(errp, errno, "cannot bind memory to host NUMA nodes");
        return false;
    }
    return true;
}

static void host_memory_backend_complete(Object *obj, Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);
    HostMemoryBackendClass *bc = MEMORY_BACKEND_GET_CLASS(obj);
    void *ptr;
    uint64_t sz;

    if (!bc->alloc) {
        return;
    }
    if (!bc->alloc(backend, errp)) {
        return;
    }
    backend->mr_inited = true;

    ptr = memory_region_get_ram_ptr(&backend->mr);
    sz = memory_region_size(&backend->mr);
    sz = QEMU_ALIGN_UP(sz, host_memory_backend_pagesize(backend));

    if (backend->merge) {
        /* KSM may be compiled out: being unmergeable is fine then */
        madvise(ptr, sz, MADV_MERGEABLE);
    }
    if (!backend->dump) {
        madvise(ptr, sz, MADV_DONTDUMP);
    }
    if (!host_memory_backend_bind(backend, ptr, sz, errp)) {
        goto fail;
    }
    /*
     * After binding, so the pages come from the requested nodes.  Only
     * memory this complete() just created is known to hold nothing: a
     * named file may carry the user's data, which a failed preallocation
     * must not punch away (qemu_prealloc_mem_affinity probes it instead).
     */
    if (backend->prealloc &&
        !host_memory_backend_do_prealloc(backend,
                                         !(backend->mr.ram_block->flags &
                                           RAM_NAMED_FILE),
                                         errp)) {
        goto fail;
    }
    return;

fail:
    host_memory_backend_release_mr(backend);
}

static bool host_memory_backend_can_be_deleted(Object *obj)
{
    return !host_memory_backend_is_mapped(MEMORY_BACKEND(obj));
}

/* Properties */

static uint64_t get_size(Object *obj, Error **errp)
{
    return MEMORY_BACKEND(obj)->size;
}

static void set_size(Object *obj, uint64_t value, Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (backend->mr_inited) {
        error_setg(errp, "cannot change property %s of %s ", "size",
                   backend_type(obj));
        return;
    }
    if (!value) {
        error_setg(errp, "property '%s' of %s doesn't take value '%" PRIu64
                   "'", "size", backend_type(obj), value);
        return;
    }
    backend->size = value;
}

static bool get_merge(Object *obj, Error **errp)
{
    return MEMORY_BACKEND(obj)->merge;
}

static void set_merge(Object *obj, bool value, Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (backend->mr_inited && value != backend->merge) {
        madvise(memory_region_get_ram_ptr(&backend->mr),
                memory_region_size(&backend->mr),
                value ? MADV_MERGEABLE : MADV_UNMERGEABLE);
    }
    backend->merge = value;
}

static bool get_dump(Object *obj, Error **errp)
{
    return MEMORY_BACKEND(obj)->dump;
}

static void set_dump(Object *obj, bool value, Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (backend->mr_inited && value != backend->dump) {
        madvise(memory_region_get_ram_ptr(&backend->mr),
                memory_region_size(&backend->mr),
                value ? MADV_DODUMP : MADV_DONTDUMP);
    }
    backend->dump = value;
}

static bool get_prealloc(Object *obj, Error **errp)
{
    return MEMORY_BACKEND(obj)->prealloc;
}

static void set_prealloc(Object *obj, bool value, Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (value && !backend->reserve) {
        error_setg(errp, "'prealloc=on' and 'reserve=off' are incompatible");
        return;
    }
    if (!backend->mr_inited) {
        backend->prealloc = value;
        return;
    }
    /* Populated memory cannot be "un-preallocated": off is a no-op then. */
    if (value && !backend->prealloc) {
        if (!host_memory_backend_do_prealloc(backend, false, errp)) {
            return;
        }
        backend->prealloc = true;
    }
}

static uint64_t get_prealloc_threads(Object *obj, Error **errp)
{
    return MEMORY_BACKEND(obj)->prealloc_threads;
}

static void set_prealloc_threads(Object *obj, uint64_t value, Error **errp)
{
    if (!value) {
        error_setg(errp, "property '%s' of %s doesn't take value '%" PRIu64
                   "'", "prealloc-threads", backend_type(obj), value);
        return;
    }
    MEMORY_BACKEND(obj)->prealloc_threads = value;
}

static bool get_share(Object *obj, Error **errp)
{
    return MEMORY_BACKEND(obj)->share;
}

static void set_share(Object *obj, bool value, Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (backend->mr_inited) {
        error_setg(errp, "cannot change property value");
        return;
    }
    backend->share = value;
}

static bool get_reserve(Object *obj, Error **errp)
{
    return MEMORY_BACKEND(obj)->reserve;
}

static void set_reserve(Object *obj, bool value, Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    if (backend->mr_inited) {
        error_setg(errp, "cannot change property value");
        return;
    }
    if (backend->prealloc && !value) {
        error_setg(errp, "'prealloc=on' and 'reserve=off' are incompatible");
        return;
    }
    backend->reserve = value;
}

static bool get_use_canonical_path(Object *obj, Error **errp)
{
    return MEMORY_BACKEND(obj)->use_canonical_path;
}

static void set_use_canonical_path(Object *obj, bool value, Error **errp)
{
    MEMORY_BACKEND(obj)->use_canonical_path = value;
}

static int get_policy(Object *obj, Error **errp)
{
    return MEMORY_BACKEND(obj)->policy;
}

static void set_policy(Object *obj, int value, Error **errp)
{
    MEMORY_BACKEND(obj)->policy = value;
}

static GArray *get_host_nodes(Object *obj, Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);
    GArray *copy = g_array_new(FALSE, FALSE, sizeof(uint16_t));

    if (backend->host_nodes) {
        g_array_append_vals(copy, backend->host_nodes->data,
                            backend->host_nodes->len);
    }
    return copy;
}

static gint cmp_u16(gconstpointer a, gconstpointer b)
{
    return (gint)*(const uint16_t *)a - (gint)*(const uint16_t *)b;
}

static void set_host_nodes(Object *obj, const uint16_t *v, size_t n,
                           Error **errp)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);
    GArray *nodes;
    size_t i;

    for (i = 0; i < n; i++) {
        if (v[i] >= MAX_NODES) {
            error_setg(errp, "Invalid host-nodes value: %d", v[i]);
            return;
        }
    }
    /* Kept as a set, like the node mask it stands for. */
    nodes = g_array_new(FALSE, FALSE, sizeof(uint16_t));
    g_array_append_vals(nodes, v, n);
    g_array_sort(nodes, cmp_u16);
    for (i = 1; i < nodes->len;) {
        if (g_array_index(nodes, uint16_t, i) ==
            g_array_index(nodes, uint16_t, i - 1)) {
            g_array_remove_index(nodes, i);
        } else {
            i++;
        }
    }
    if (backend->host_nodes) {
        g_array_free(backend->host_nodes, TRUE);
    }
    backend->host_nodes = nodes;
}

static void allow_set_link(const Object *obj, const char *name, Object *val,
                           Error **errp)
{
    /* any thread-context will do; the type is checked by the link */
}

void host_memory_backend_class_add_share(ObjectClass *oc, bool def)
{
    ObjectProperty *op;

    op = object_class_property_add_bool(oc, "share", get_share, set_share);
    object_property_set_initial_bool(op, def);
}

static void host_memory_backend_init(Object *obj)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);
    MachineState *ms = current_machine_get();

    /*
     * The registered defaults were applied before this runs; merge and
     * dump then follow -machine mem-merge / dump-guest-core, as in QEMU.
     */
    backend->merge = ms ? ms->mem_merge : true;
    backend->dump = ms ? ms->dump_guest_core : true;
    backend->reserve = true;
    backend->prealloc_threads = 1;
    backend->policy = HOST_MEM_POLICY_DEFAULT;
    if (!backend->host_nodes) {
        backend->host_nodes = g_array_new(FALSE, FALSE, sizeof(uint16_t));
    }
}

static void host_memory_backend_finalize(Object *obj)
{
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    host_memory_backend_release_mr(backend);
    if (backend->host_nodes) {
        g_array_free(backend->host_nodes, TRUE);
        backend->host_nodes = NULL;
    }
}

static void host_memory_backend_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);
    ObjectProperty *op;

    ucc->complete = host_memory_backend_complete;
    ucc->can_be_deleted = host_memory_backend_can_be_deleted;
    /* a guest_memfd needs the VM: created after the accelerator */
    ucc->late = true;

    op = object_class_property_add_bool(oc, "merge", get_merge, set_merge);
    object_property_set_initial_bool(op, true);
    op = object_class_property_add_bool(oc, "dump", get_dump, set_dump);
    object_property_set_initial_bool(op, true);
    op = object_class_property_add_bool(oc, "prealloc", get_prealloc,
                                        set_prealloc);
    object_property_set_initial_bool(op, false);
    op = object_class_property_add_uint(oc, "prealloc-threads", UINT32_MAX,
                                        get_prealloc_threads,
                                        set_prealloc_threads);
    object_property_set_initial_uint(op, 1);
    object_class_property_add_link(oc, "prealloc-context",
                                   TYPE_THREAD_CONTEXT,
                                   offsetof(HostMemoryBackend,
                                            prealloc_context),
                                   allow_set_link, OBJ_PROP_LINK_STRONG);
    object_class_property_add_uint(oc, "size", UINT64_MAX, get_size,
                                   set_size);
    object_class_property_add_uint16_list(oc, "host-nodes", get_host_nodes,
                                          set_host_nodes);
    op = object_class_property_add_enum(oc, "policy", "HostMemPolicy",
                                        &HostMemPolicy_lookup, get_policy,
                                        set_policy);
    object_property_set_initial_str(op, "default");
    op = object_class_property_add_bool(oc, "reserve", get_reserve,
                                        set_reserve);
    object_property_set_initial_bool(op, true);
    op = object_class_property_add_bool(oc,
                                        "x-use-canonical-path-for-ramblock-id",
                                        get_use_canonical_path,
                                        set_use_canonical_path);
    object_property_set_initial_bool(op, false);
}

static const TypeInfo host_memory_backend_info = {
    .name = TYPE_MEMORY_BACKEND,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .class_size = sizeof(HostMemoryBackendClass),
    .class_init = host_memory_backend_class_init,
    .instance_size = sizeof(HostMemoryBackend),
    .instance_init = host_memory_backend_init,
    .instance_finalize = host_memory_backend_finalize,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void register_types(void)
{
    type_register_static(&host_memory_backend_info);
}

type_init(register_types);
