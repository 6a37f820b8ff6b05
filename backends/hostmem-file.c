/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * memory-backend-file: guest RAM mapped from a file, or from an unlinked
 * temporary file when mem-path names a directory (e.g. hugetlbfs).
 */
#include "qemu/osdep.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"
#include "system/ramblock.h"

OBJECT_DECLARE_SIMPLE_TYPE(HostMemoryBackendFile, MEMORY_BACKEND_FILE)

struct HostMemoryBackendFile {
    HostMemoryBackend parent_obj;
    char *mem_path;
    uint64_t align;
    uint64_t offset;
    bool discard_data;
    bool readonly;
    OnOffAuto rom;
    /* file alloc created; removed if complete() fails after alloc */
    char *created_path;
};

/*
 * Open @path: an existing file, a new file (@created set), or a directory
 * in which an unlinked temporary file is made.  -errno on failure.
 */
static int file_ram_open(const char *path, const char *region_name,
                         bool readonly, bool *created)
{
    int fd;

    *created = false;
    for (;;) {
        fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (fd >= 0) {
            return fd;
        }
        if (errno == ENOENT) {
            if (readonly) {
                return -ENOENT;
            }
            fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (fd >= 0) {
                *created = true;
                return fd;
            }
        } else if (errno == EISDIR) {
            g_autofree char *safe = g_strdup(region_name);
            g_autofree char *tmpl = NULL;

            g_strdelimit(safe, "/", '_');
            tmpl = g_strdup_printf("%s/qemu_back_mem.%s.XXXXXX", path, safe);
            fd = mkostemp(tmpl, O_CLOEXEC);
            if (fd >= 0) {
                unlink(tmpl);
                return fd;
            }
        }
        /* lost a race with another creator/remover: try again */
        if (errno != EEXIST && errno != EINTR) {
            return -errno;
        }
    }
}

static bool file_backend_memory_alloc(HostMemoryBackend *backend,
                                      Error **errp)
{
    HostMemoryBackendFile *fb = MEMORY_BACKEND_FILE(backend);
    g_autofree char *name = NULL;
    uint32_t ram_flags;
    bool created;
    int fd;

    if (!backend->size) {
        error_setg(errp, "can't create backend with size 0");
        return false;
    }
    if (!fb->mem_path) {
        error_setg(errp, "mem-path property not set");
        return false;
    }

    switch (fb->rom) {
    case ON_OFF_AUTO_AUTO:
        /* historically a read-only file always meant ROM */
        fb->rom = fb->readonly ? ON_OFF_AUTO_ON : ON_OFF_AUTO_OFF;
        break;
    case ON_OFF_AUTO_ON:
        if (!fb->readonly) {
            error_setg(errp, "property 'rom' = 'on' is not supported with"
                       " 'readonly' = 'off'");
            return false;
        }
        break;
    case ON_OFF_AUTO_OFF:
        if (fb->readonly && backend->share) {
            error_setg(errp, "property 'rom' = 'off' is incompatible with"
                       " 'readonly' = 'on' and 'share' = 'on'");
            return false;
        }
        break;
    default:
        g_assert_not_reached();
    }

    name = host_memory_backend_get_name(backend);
    ram_flags = backend->share ? RAM_SHARED : RAM_PRIVATE;
    ram_flags |= fb->readonly ? RAM_READONLY_FD : 0;
    ram_flags |= fb->rom == ON_OFF_AUTO_ON ? RAM_READONLY : 0;
    ram_flags |= backend->reserve ? 0 : RAM_NORESERVE;
    ram_flags |= host_memory_backend_cgs_ram_flags();
    ram_flags |= RAM_NAMED_FILE;

    fd = file_ram_open(fb->mem_path, name, fb->readonly, &created);
    if (fd < 0) {
        error_setg_errno(errp, -fd, "can't open backing store %s for guest "
                         "RAM", fb->mem_path);
        return false;
    }
    if (!memory_region_init_ram_from_fd_align(&backend->mr, OBJECT(backend),
                                              name, backend->size, ram_flags,
                                              fd, fb->offset, fb->align,
                                              errp)) {
        /* a file we created for nothing must not stay behind */
        if (created) {
            unlink(fb->mem_path);
        }
        return false;
    }
    if (created) {
        g_free(fb->created_path);
        fb->created_path = g_strdup(fb->mem_path);
    }
    return true;
}

static bool file_refuse_after_init(Object *obj, const char *name,
                                   Error **errp)
{
    if (host_memory_backend_mr_inited(MEMORY_BACKEND(obj))) {
        error_setg(errp, "cannot change property '%s' of %s", name,
                   object_get_typename(obj));
        return true;
    }
    return false;
}

static char *get_mem_path(Object *obj, Error **errp)
{
    return g_strdup(MEMORY_BACKEND_FILE(obj)->mem_path);
}

static void set_mem_path(Object *obj, const char *value, Error **errp)
{
    HostMemoryBackendFile *fb = MEMORY_BACKEND_FILE(obj);

    if (file_refuse_after_init(obj, "mem-path", errp)) {
        return;
    }
    g_free(fb->mem_path);
    fb->mem_path = g_strdup(value);
}

static uint64_t get_align(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_FILE(obj)->align;
}

static void set_align(Object *obj, uint64_t value, Error **errp)
{
    if (file_refuse_after_init(obj, "align", errp)) {
        return;
    }
    MEMORY_BACKEND_FILE(obj)->align = value;
}

static uint64_t get_offset(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_FILE(obj)->offset;
}

static void set_offset(Object *obj, uint64_t value, Error **errp)
{
    if (file_refuse_after_init(obj, "offset", errp)) {
        return;
    }
    MEMORY_BACKEND_FILE(obj)->offset = value;
}

static bool get_discard_data(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_FILE(obj)->discard_data;
}

static void set_discard_data(Object *obj, bool value, Error **errp)
{
    MEMORY_BACKEND_FILE(obj)->discard_data = value;
}

static bool get_readonly(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_FILE(obj)->readonly;
}

static void set_readonly(Object *obj, bool value, Error **errp)
{
    if (file_refuse_after_init(obj, "readonly", errp)) {
        return;
    }
    MEMORY_BACKEND_FILE(obj)->readonly = value;
}

static int get_rom(Object *obj, Error **errp)
{
    return MEMORY_BACKEND_FILE(obj)->rom;
}

static void set_rom(Object *obj, int value, Error **errp)
{
    if (file_refuse_after_init(obj, "rom", errp)) {
        return;
    }
    MEMORY_BACKEND_FILE(obj)->rom = value;
}

static void file_backend_instance_init(Object *obj)
{
    MEMORY_BACKEND_FILE(obj)->rom = ON_OFF_AUTO_AUTO;
}

static void file_backend_instance_finalize(Object *obj)
{
    HostMemoryBackendFile *fb = MEMORY_BACKEND_FILE(obj);
    HostMemoryBackend *backend = MEMORY_BACKEND(obj);

    /* Runs before the parent frees the mapping. */
    if (fb->discard_data && host_memory_backend_mr_inited(backend)) {
        madvise(memory_region_get_ram_ptr(&backend->mr),
                memory_region_size(&backend->mr), MADV_REMOVE);
    }
    /*
     * The base complete() releases the memory when binding or preallocation
     * fails after alloc: a file alloc created for it must go too.
     */
    if (fb->created_path && !host_memory_backend_mr_inited(backend)) {
        unlink(fb->created_path);
    }
    g_free(fb->created_path);
    fb->created_path = NULL;
    g_free(fb->mem_path);
    fb->mem_path = NULL;
}

static void file_backend_class_init(ObjectClass *oc, const void *data)
{
    HostMemoryBackendClass *bc = MEMORY_BACKEND_CLASS(oc);
    ObjectProperty *op;

    bc->alloc = file_backend_memory_alloc;
    host_memory_backend_class_add_share(oc, false);

    op = object_class_property_add_bool(oc, "discard-data", get_discard_data,
                                        set_discard_data);
    object_property_set_initial_bool(op, false);
    object_class_property_add_str(oc, "mem-path", get_mem_path, set_mem_path);
    op = object_class_property_add_uint(oc, "align", UINT64_MAX, get_align,
                                        set_align);
    object_property_set_initial_uint(op, 0);
    op = object_class_property_add_uint(oc, "offset", UINT64_MAX, get_offset,
                                        set_offset);
    object_property_set_initial_uint(op, 0);
    op = object_class_property_add_bool(oc, "readonly", get_readonly,
                                        set_readonly);
    object_property_set_initial_bool(op, false);
    op = object_class_property_add_enum(oc, "rom", "OnOffAuto",
                                        &OnOffAuto_lookup, get_rom, set_rom);
    object_property_set_initial_str(op, "auto");
}

static const TypeInfo file_backend_info = {
    .name = TYPE_MEMORY_BACKEND_FILE,
    .parent = TYPE_MEMORY_BACKEND,
    .class_init = file_backend_class_init,
    .instance_size = sizeof(HostMemoryBackendFile),
    .instance_init = file_backend_instance_init,
    .instance_finalize = file_backend_instance_finalize,
};

static void register_types(void)
{
    type_register_static(&file_backend_info);
}

type_init(register_types);
