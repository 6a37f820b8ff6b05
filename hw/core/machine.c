/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The abstract "machine" type: common properties and guest RAM set-up. */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"
#include "system/memory.h"
#include "hw/boards.h"
#include "system/confidential-guest-support.h"

static MachineState *current_machine;

MachineState *current_machine_get(void)
{
    return current_machine;
}

void current_machine_set(MachineState *ms)
{
    current_machine = ms;
}

static bool machine_ready;

void machine_set_ready(void)
{
    machine_ready = true;
}

bool machine_is_ready(void)
{
    return machine_ready;
}

static bool preconfig_active, preconfig_left;

void machine_preconfig_enter(void)
{
    preconfig_active = true;
}

bool machine_preconfig_left(void)
{
    return preconfig_left;
}

bool machine_preconfig_exit(Error **errp)
{
    if (!preconfig_active) {
        error_setg(errp, "The command is permitted only before machine "
                   "initialization");
        return false;
    }
    preconfig_active = false;
    preconfig_left = true;
    return true;
}

static char *vm_name;
static uint8_t vm_uuid[16];

void qemu_vm_set_name(const char *name)
{
    g_free(vm_name);
    vm_name = g_strdup(name);
}

const char *qemu_vm_name(void)
{
    return vm_name;
}

bool qemu_vm_set_uuid(const char *str)
{
    static const int dash[] = { 8, 13, 18, 23 };
    uint8_t uuid[16];
    size_t n = 0;

    if (strlen(str) != 36) {
        return false;
    }
    for (size_t i = 0; i < 36; ) {
        if (n < 4 && (int)i == dash[n]) {
            if (str[i] != '-') {
                return false;
            }
            i++;
            n++;
            continue;
        }
        if (!g_ascii_isxdigit(str[i]) || !g_ascii_isxdigit(str[i + 1])) {
            return false;
        }
        uuid[(i - n) / 2] = g_ascii_xdigit_value(str[i]) << 4 |
                            g_ascii_xdigit_value(str[i + 1]);
        i += 2;
    }
    memcpy(vm_uuid, uuid, sizeof(uuid));
    return true;
}

char *qemu_vm_uuid_string(void)
{
    const uint8_t *u = vm_uuid;

    return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                           "%02x%02x%02x%02x%02x%02x",
                           u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
                           u[8], u[9], u[10], u[11], u[12], u[13], u[14],
                           u[15]);
}

static char *machine_get_memdev(Object *obj, Error **errp)
{
    return g_strdup(MACHINE(obj)->ram_memdev_id);
}

static void machine_set_memdev(Object *obj, const char *value, Error **errp)
{
    MachineState *ms = MACHINE(obj);

    g_free(ms->ram_memdev_id);
    ms->ram_memdev_id = g_strdup(value);
}

static char *machine_get_accel(Object *obj, Error **errp)
{
    return g_strdup(MACHINE(obj)->accel);
}

static void machine_set_accel(Object *obj, const char *value, Error **errp)
{
    MachineState *ms = MACHINE(obj);

    g_free(ms->accel);
    ms->accel = g_strdup(value);
}

static char *machine_get_kernel(Object *obj, Error **errp)
{
    return g_strdup(MACHINE(obj)->kernel_filename);
}

static void machine_set_kernel(Object *obj, const char *value, Error **errp)
{
    MachineState *ms = MACHINE(obj);

    g_free(ms->kernel_filename);
    ms->kernel_filename = g_strdup(value);
}

static char *machine_get_firmware(Object *obj, Error **errp)
{
    return g_strdup(MACHINE(obj)->firmware);
}

static void machine_set_firmware(Object *obj, const char *value,
                                 Error **errp)
{
    MachineState *ms = MACHINE(obj);

    g_free(ms->firmware);
    ms->firmware = g_strdup(value);
}

static char *machine_get_initrd(Object *obj, Error **errp)
{
    return g_strdup(MACHINE(obj)->initrd_filename);
}

static void machine_set_initrd(Object *obj, const char *value, Error **errp)
{
    MachineState *ms = MACHINE(obj);

    g_free(ms->initrd_filename);
    ms->initrd_filename = g_strdup(value);
}

static char *machine_get_append(Object *obj, Error **errp)
{
    return g_strdup(MACHINE(obj)->kernel_cmdline);
}

static void machine_set_append(Object *obj, const char *value, Error **errp)
{
    MachineState *ms = MACHINE(obj);

    g_free(ms->kernel_cmdline);
    ms->kernel_cmdline = g_strdup(value);
}

static bool machine_get_mem_merge(Object *obj, Error **errp)
{
    return MACHINE(obj)->mem_merge;
}

static void machine_set_mem_merge(Object *obj, bool value, Error **errp)
{
    MACHINE(obj)->mem_merge = value;
}

static bool machine_get_dump_guest_core(Object *obj, Error **errp)
{
    return MACHINE(obj)->dump_guest_core;
}

static void machine_set_dump_guest_core(Object *obj, bool value,
                                        Error **errp)
{
    MACHINE(obj)->dump_guest_core = value;
}

/*
 * The link's type check (done by QOM) is the only constraint; the object
 * is marked in use so object-del refuses it while the machine has it.
 */
static void machine_check_cgs(const Object *obj, const char *name,
                              Object *val, Error **errp)
{
    MachineState *ms = MACHINE(obj);

    if (ms->cgs && OBJECT(ms->cgs) != val) {
        ms->cgs->in_use = false;
    }
    if (val) {
        CONFIDENTIAL_GUEST_SUPPORT(val)->in_use = true;
    }
}

static void machine_class_init(ObjectClass *oc, const void *data)
{
    ObjectProperty *prop;

    object_class_property_add_str(oc, "memory-backend", machine_get_memdev,
                                  machine_set_memdev);
    object_class_property_set_description(oc, "memory-backend",
                                          "Id of the memory backend object "
                                          "that provides guest RAM");
    object_class_property_add_str(oc, "accel", machine_get_accel,
                                  machine_set_accel);
    object_class_property_set_description(oc, "accel",
                                          "Accelerator list (kvm:qtest)");
    prop = object_class_property_add_bool(oc, "mem-merge",
                                          machine_get_mem_merge,
                                          machine_set_mem_merge);
    object_property_set_default_bool(prop, true);
    object_class_property_set_description(oc, "mem-merge",
                                          "Let the host merge identical "
                                          "guest pages (KSM)");
    prop = object_class_property_add_bool(oc, "dump-guest-core",
                                          machine_get_dump_guest_core,
                                          machine_set_dump_guest_core);
    object_property_set_default_bool(prop, true);
    object_class_property_set_description(oc, "dump-guest-core",
                                          "Include guest memory in a core "
                                          "dump");
    object_class_property_add_str(oc, "kernel", machine_get_kernel,
                                  machine_set_kernel);
    object_class_property_set_description(oc, "kernel",
                                          "Linux kernel image file");
    object_class_property_add_str(oc, "firmware", machine_get_firmware,
                                  machine_set_firmware);
    object_class_property_set_description(oc, "firmware",
                                          "Firmware image");
    object_class_property_add_str(oc, "initrd", machine_get_initrd,
                                  machine_set_initrd);
    object_class_property_set_description(oc, "initrd",
                                          "Linux initial ramdisk file");
    object_class_property_add_str(oc, "append", machine_get_append,
                                  machine_set_append);
    object_class_property_set_description(oc, "append",
                                          "Linux kernel command line");
    object_class_property_add_link(oc, "confidential-guest-support",
                                   TYPE_CONFIDENTIAL_GUEST_SUPPORT,
                                   offsetof(MachineState, cgs),
                                   machine_check_cgs, OBJ_PROP_LINK_STRONG);
    object_class_property_set_description(oc, "confidential-guest-support",
                                          "Set confidential guest scheme to "
                                          "support");
}

static void machine_instance_init(Object *obj)
{
    MachineState *ms = MACHINE(obj);
    MachineClass *mc = MACHINE_GET_CLASS(obj);

    /* Also applied by the registered defaults; set here so the struct is
     * right even before properties are initialised. */
    ms->mem_merge = true;
    ms->dump_guest_core = true;
    ms->ram_size = mc->default_ram_size;
    ms->smp_cpus = mc->no_cpus ? 0 : 1;
}

static void machine_instance_finalize(Object *obj)
{
    MachineState *ms = MACHINE(obj);

    if (ms->cgs) {
        ms->cgs->in_use = false;
    }
    if (ms->memdev) {
        host_memory_backend_set_mapped(ms->memdev, false);
        object_unref(OBJECT(ms->memdev));
        ms->memdev = NULL;
    }
    g_free(ms->ram_memdev_id);
    g_free(ms->accel);
    g_free(ms->firmware);
    g_free(ms->kernel_filename);
    g_free(ms->initrd_filename);
    g_free(ms->kernel_cmdline);
    if (current_machine == ms) {
        current_machine = NULL;
    }
}

MachineClass *machine_find_class(const char *name)
{
    GSList *list = object_class_get_list(TYPE_MACHINE, false);
    MachineClass *found = NULL;
    GSList *l;

    for (l = list; l; l = l->next) {
        MachineClass *mc = MACHINE_CLASS(l->data);

        if (mc->name && !strcmp(mc->name, name)) {
            found = mc;
            break;
        }
    }
    g_slist_free(list);
    return found;
}

static gint machine_class_cmp(gconstpointer a, gconstpointer b)
{
    const MachineClass *ma = a, *mb = b;

    return strcmp(ma->name ? ma->name : "", mb->name ? mb->name : "");
}

void machine_print_list(void)
{
    GSList *list = object_class_get_list(TYPE_MACHINE, false);
    GSList *l;

    list = g_slist_sort(list, machine_class_cmp);
    printf("Supported machines are:\n");
    for (l = list; l; l = l->next) {
        MachineClass *mc = MACHINE_CLASS(l->data);

        printf("%-20s %s\n", mc->name, mc->desc ? mc->desc : "");
    }
    g_slist_free(list);
}

MemoryRegion *machine_consume_memdev(MachineState *ms,
                                     HostMemoryBackend *backend,
                                     Error **errp)
{
    if (host_memory_backend_is_mapped(backend)) {
        error_setg(errp, "memory backend %s can't be used multiple times.",
                   object_get_canonical_path_component(OBJECT(backend)));
        return NULL;
    }
    host_memory_backend_set_mapped(backend, true);
    return host_memory_backend_get_memory(backend);
}

/*
 * QEMU's create_default_memdev(): a plain RAM backend named after the
 * machine's RAM, with the short RAMBlock id for migration compatibility.
 * A guest converting in place needs its RAM in a guest_memfd, so there it
 * is one (the same command line then works with and without a CGS).
 */
static bool create_default_memdev(MachineState *ms, const char *id,
                                  Error **errp)
{
    json_t *props = json_pack("{s:I, s:b}", "size", (json_int_t)ms->ram_size,
                              "x-use-canonical-path-for-ramblock-id", 0);
    const char *type = TYPE_MEMORY_BACKEND_RAM;
    Object *obj;

    if (confidential_guest_memory_model() == CGS_MODEL_IN_PLACE) {
        type = TYPE_MEMORY_BACKEND_GUEST_MEMFD;
    }
    obj = user_creatable_add_type(type, id, props, errp);
    json_decref(props);
    if (!obj) {
        return false;
    }
    g_free(ms->ram_memdev_id);
    ms->ram_memdev_id = g_strdup(id);
    return true;
}

bool machine_run_board_init(MachineState *ms, Error **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);

    if (ms->ram_memdev_id) {
        Object *o = object_resolve_path_type(ms->ram_memdev_id,
                                             TYPE_MEMORY_BACKEND, NULL);
        uint64_t backend_size;

        if (!o) {
            error_setg(errp, "Memory backend '%s' not found",
                       ms->ram_memdev_id);
            return false;
        }
        backend_size = MEMORY_BACKEND(o)->size;
        if (!ms->ram_size_given) {
            ms->ram_size = backend_size;
        } else if (ms->ram_size != backend_size) {
            error_setg(errp, "Machine memory size does not match the size "
                       "of the memory backend");
            return false;
        }
    } else if (mc->default_ram_id && ms->ram_size) {
        if (object_property_find(object_get_objects_root(),
                                 mc->default_ram_id)) {
            error_setg(errp, "object's id '%s' is reserved for the default "
                       "RAM backend, it can't be used for any other "
                       "purposes", mc->default_ram_id);
            error_append_hint(errp, "Change the object's 'id' to something "
                              "else or disable automatic creation of the "
                              "default RAM backend by setting "
                              "'memory-backend=%s' with '-machine'.\n",
                              mc->default_ram_id);
            return false;
        }
        if (!create_default_memdev(ms, mc->default_ram_id, errp)) {
            return false;
        }
    }

    if (ms->ram_memdev_id) {
        Object *o = object_resolve_path_type(ms->ram_memdev_id,
                                             TYPE_MEMORY_BACKEND, NULL);
        HostMemoryBackend *backend;

        g_assert(o);
        backend = MEMORY_BACKEND(o);
        ms->ram = machine_consume_memdev(ms, backend, errp);
        if (!ms->ram) {
            return false;
        }
        object_ref(o);
        ms->memdev = backend;
    }

    if (mc->init) {
        Error *local_err = NULL;

        mc->init(ms, &local_err);
        if (local_err) {
            error_propagate(errp, local_err);
            return false;
        }
    }
    return true;
}

static const TypeInfo machine_types[] = {
    {
        .name = TYPE_MACHINE,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_size = sizeof(MachineState),
        .instance_init = machine_instance_init,
        .instance_finalize = machine_instance_finalize,
        .class_size = sizeof(MachineClass),
        .class_init = machine_class_init,
    },
};

DEFINE_TYPES(machine_types)
