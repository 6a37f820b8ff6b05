/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memory-backend-memfd: shared memory from a (sealed, optionally hugetlb)
 * memfd, or with guest-memfd=on from an mmap-able guest_memfd (the
 * fully-shared design of the memfd backend).
 */
#include "qemu/osdep.h"
#include "qemu/memfd.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"
#include "system/ramblock.h"
#include "system/confidential-guest-support.h"

OBJECT_DECLARE_SIMPLE_TYPE(HostMemoryBackendMemfd, MEMORY_BACKEND_MEMFD)

struct HostMemoryBackendMemfd {
    HostMemoryBackend parent_obj;
    bool hugetlb;
    uint64_t hugetlbsize;
    bool seal;
    OnOffAuto guest_memfd;      /* auto: guest_memfd when converting in place */
    /* Given by the user (not a registered default)? */
    bool hugetlb_set, hugetlbsize_set, seal_set;
    bool init_done;
};

static bool memfd_backend_memory_alloc(HostMemoryBackend *backend,
                                       Error **errp)
{
    HostMemoryBackendMemfd *m = MEMORY_BACKEND_MEMFD(backend);
    g_autofree char *name = NULL;
    uint32_t ram_flags;
    int fd;

    if (!backend->size) {
        error_setg(errp, "can't create backend with size 0");
        return false;
    }

    if (m->guest_memfd == ON_OFF_AUTO_ON ||
        (m->guest_memfd == ON_OFF_AUTO_AUTO &&
         confidential_guest_memory_model() == CGS_MODEL_IN_PLACE)) {
        /* the kernel only allows MAP_SHARED mappings of a guest_memfd */
        if (!backend->share) {
            error_setg(errp, "Guest-memfd=on must be used with share=on");
            return false;
        }
        /* A guest_memfd has none of these: refuse rather than ignore. */
        if (m->hugetlb_set) {
            error_setg(errp, "guest-memfd=on cannot be used with hugetlb");
            return false;
        }
        if (m->hugetlbsize_set) {
            error_setg(errp, "guest-memfd=on cannot be used with hugetlbsize");
            return false;
        }
        if (m->seal_set) {
            error_setg(errp, "guest-memfd=on cannot be used with seal");
            return false;
        }
        return host_memory_backend_alloc_guest_memfd(backend, errp);
    }

    fd = qemu_memfd_create(TYPE_MEMORY_BACKEND_MEMFD, backend->size,
                           m->hugetlb, m->hugetlbsize,
                           m->seal ? F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL
                                   : 0,
                           errp);
    if (fd < 0) {
        return false;
    }
    name = host_memory_backend_get_name(backend);
    ram_flags = backend->share ? RAM_SHARED : RAM_PRIVATE;
    ram_flags |= backend->reserve ? 0 : RAM_NORESERVE;
    ram_flags |= host_memory_backend_cgs_ram_flags();
    return memory_region_init_ram_from_fd(&backend->mr, OBJECT(backend), name,
                                          backend->size, ram_flags, fd, 0,
                                          errp);
}

static bool memfd_refuse_after_init(Object *obj, Error **errp)
{
    if (host_memory_backend_mr_inited(MEMORY_BACKEND(obj))) {
        error_setg(errp, "cannot change property value");
        return true;
    }
    return false;
}

static bool get_hugetlb(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_MEMFD(obj)->hugetlb;
}

static void set_hugetlb(Object *obj, bool value, Error **errp)
{
    HostMemoryBackendMemfd *m = MEMORY_BACKEND_MEMFD(obj);

    if (memfd_refuse_after_init(obj, errp)) {
        return;
    }
    m->hugetlb = value;
    m->hugetlb_set = m->init_done;
}

static uint64_t get_hugetlbsize(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_MEMFD(obj)->hugetlbsize;
}

static void set_hugetlbsize(Object *obj, uint64_t value, Error **errp)
{
    HostMemoryBackendMemfd *m = MEMORY_BACKEND_MEMFD(obj);

    if (memfd_refuse_after_init(obj, errp)) {
        return;
    }
    if (!value) {
        error_setg(errp, "property '%s' of %s doesn't take value '%" PRIu64
                   "'", "hugetlbsize", object_get_typename(obj), value);
        return;
    }
    m->hugetlbsize = value;
    m->hugetlbsize_set = m->init_done;
}

static bool get_seal(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_MEMFD(obj)->seal;
}

static void set_seal(Object *obj, bool value, Error **errp)
{
    HostMemoryBackendMemfd *m = MEMORY_BACKEND_MEMFD(obj);

    if (memfd_refuse_after_init(obj, errp)) {
        return;
    }
    m->seal = value;
    m->seal_set = m->init_done;
}

static int get_guest_memfd(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_MEMFD(obj)->guest_memfd;
}

static void set_guest_memfd(Object *obj, int value, Error **errp)
{
    if (memfd_refuse_after_init(obj, errp)) {
        return;
    }
    MEMORY_BACKEND_MEMFD(obj)->guest_memfd = value;
}

static void memfd_backend_instance_init(Object *obj)
{
    HostMemoryBackendMemfd *m = MEMORY_BACKEND_MEMFD(obj);

    MEMORY_BACKEND(obj)->share = true;
    m->seal = true;
}

static void memfd_backend_instance_post_init(Object *obj)
{
    HostMemoryBackendMemfd *m = MEMORY_BACKEND_MEMFD(obj);

    /*
     * Registered defaults have been applied through the setters by now;
     * from here on a set means the user asked for it.
     */
    m->hugetlb_set = m->hugetlbsize_set = m->seal_set = false;
    m->init_done = true;
}

static void memfd_backend_class_init(ObjectClass *oc, const void *data)
{
    HostMemoryBackendClass *bc = MEMORY_BACKEND_CLASS(oc);
    ObjectProperty *op;

    bc->alloc = memfd_backend_memory_alloc;
    host_memory_backend_class_add_share(oc, true);

    /* Only offer huge pages where the kernel can do hugetlb memfds. */
    if (qemu_memfd_check(MFD_HUGETLB)) {
        op = object_class_property_add_bool(oc, "hugetlb", get_hugetlb,
                                            set_hugetlb);
        object_property_set_initial_bool(op, false);
        object_class_property_add_uint(oc, "hugetlbsize", UINT64_MAX,
                                       get_hugetlbsize, set_hugetlbsize);
    }
    op = object_class_property_add_bool(oc, "seal", get_seal, set_seal);
    object_property_set_initial_bool(op, true);
    op = object_class_property_add_enum(oc, "guest-memfd", "OnOffAuto",
                                        &OnOffAuto_lookup, get_guest_memfd,
                                        set_guest_memfd);
    object_property_set_initial_str(op, "auto");
}

static const TypeInfo memfd_backend_info = {
    .name = TYPE_MEMORY_BACKEND_MEMFD,
    .parent = TYPE_MEMORY_BACKEND,
    .class_init = memfd_backend_class_init,
    .instance_size = sizeof(HostMemoryBackendMemfd),
    .instance_init = memfd_backend_instance_init,
    .instance_post_init = memfd_backend_instance_post_init,
};

static void register_types(void)
{
    /* Sealed memfds are what this backend promises; skip it otherwise. */
    if (qemu_memfd_alloc_check()) {
        type_register_static(&memfd_backend_info);
    }
}

type_init(register_types);
