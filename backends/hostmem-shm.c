/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memory-backend-shm: an anonymous POSIX shared memory object. */
#include "qemu/osdep.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"
#include "system/ramblock.h"

static bool shm_backend_memory_alloc(HostMemoryBackend *backend, Error **errp)
{
    g_autofree char *backend_name = NULL;
    g_autofree char *shm_name = NULL;
    uint32_t ram_flags;
    int fd;

    if (!backend->size) {
        error_setg(errp, "can't create backend with size 0");
        return false;
    }
    if (!backend->share) {
        error_setg(errp, "can't create shm backend with `share=off`");
        return false;
    }

    /*
     * POSIX has no anonymous shm objects: make the name unique, open it
     * with mode 0 so no one else can open it, and unlink it right away.
     */
    backend_name = host_memory_backend_get_name(backend);
    g_strdelimit(backend_name, "/", '_');
    shm_name = g_strdup_printf("/qemu-%d-shm-%s", (int)getpid(),
                               backend_name);
    fd = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "failed to create POSIX shared memory");
        return false;
    }
    shm_unlink(shm_name);

    if (ftruncate(fd, backend->size) < 0) {
        error_setg_errno(errp, errno, "failed to resize POSIX shared memory "
                         "to %" PRIu64, backend->size);
        close(fd);
        return false;
    }

    ram_flags = RAM_SHARED;
    ram_flags |= backend->reserve ? 0 : RAM_NORESERVE;
    ram_flags |= host_memory_backend_cgs_ram_flags();
    g_free(backend_name);
    backend_name = host_memory_backend_get_name(backend);
    return memory_region_init_ram_from_fd(&backend->mr, OBJECT(backend),
                                          backend_name, backend->size,
                                          ram_flags, fd, 0, errp);
}

static void shm_backend_instance_init(Object *obj)
{
    MEMORY_BACKEND(obj)->share = true;
}

static void shm_backend_class_init(ObjectClass *oc, const void *data)
{
    HostMemoryBackendClass *bc = MEMORY_BACKEND_CLASS(oc);

    bc->alloc = shm_backend_memory_alloc;
    host_memory_backend_class_add_share(oc, true);
}

static const TypeInfo shm_backend_info = {
    .name = TYPE_MEMORY_BACKEND_SHM,
    .parent = TYPE_MEMORY_BACKEND,
    .class_init = shm_backend_class_init,
    .instance_init = shm_backend_instance_init,
};

static void register_types(void)
{
    type_register_static(&shm_backend_info);
}

type_init(register_types);
