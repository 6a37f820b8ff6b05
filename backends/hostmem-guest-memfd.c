/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memory-backend-guest-memfd: guest RAM in an mmap-able, initially shared
 * guest_memfd obtained from KVM (the dedicated-backend design).
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"

static bool guest_memfd_backend_memory_alloc(HostMemoryBackend *backend,
                                             Error **errp)
{
    if (!backend->size) {
        error_setg(errp, "can't create backend with size 0");
        return false;
    }
    /*
     * KVM_CREATE_GUEST_MEMFD takes whole pages only; say so with the text
     * QEMU uses for a backend whose size does not fit its page size,
     * rather than pass on the kernel's bare EINVAL.
     */
    if (!QEMU_IS_ALIGNED(backend->size, qemu_real_host_page_size())) {
        g_autofree char *page = size_to_str(qemu_real_host_page_size());

        error_setg(errp, "backend '%s' memory size must be multiple of %s",
                   object_get_typename(OBJECT(backend)), page);
        return false;
    }
    /* the kernel only allows MAP_SHARED mappings of a guest_memfd */
    if (!backend->share) {
        error_setg(errp, "memory-backend-guest-memfd requires share=on");
        return false;
    }
    return host_memory_backend_alloc_guest_memfd(backend, errp);
}

static void guest_memfd_backend_instance_init(Object *obj)
{
    MEMORY_BACKEND(obj)->share = true;
}

static void guest_memfd_backend_class_init(ObjectClass *oc, const void *data)
{
    HostMemoryBackendClass *bc = MEMORY_BACKEND_CLASS(oc);

    bc->alloc = guest_memfd_backend_memory_alloc;
    host_memory_backend_class_add_share(oc, true);
}

static const TypeInfo guest_memfd_backend_info = {
    .name = TYPE_MEMORY_BACKEND_GUEST_MEMFD,
    .parent = TYPE_MEMORY_BACKEND,
    .class_init = guest_memfd_backend_class_init,
    .instance_init = guest_memfd_backend_instance_init,
};

static void register_types(void)
{
    type_register_static(&guest_memfd_backend_info);
}

type_init(register_types);
