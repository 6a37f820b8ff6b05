/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP commands about the machine: query-memdev, query-machines and the
 * other queries management clients make at connect, system_reset/_wakeup,
 * x-exit-preconfig and query-command-line-options. */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"
#include "qapi/qapi-commands.h"
#include "qom/object.h"
#include "system/hostmem.h"
#include "qemu/main-loop.h"
#include "hw/boards.h"
#include "system/runstate.h"
#include "system/kvm.h"

static int memdev_collect(Object *child, void *opaque)
{
    json_t *list = opaque;
    static const char *const bools[] = {
        "merge", "dump", "prealloc", "share",
    };
    HostMemoryBackend *backend;
    json_t *m;
    json_t *v;

    if (!object_dynamic_cast(child, TYPE_MEMORY_BACKEND)) {
        return 0;
    }
    backend = MEMORY_BACKEND(child);
    /* Member order is the schema's (spec: Memdev as serialized). */
    m = json_object();
    json_object_set_new(m, "id", json_string(
                            object_get_canonical_path_component(child)));
    json_object_set_new(m, "size", json_integer(backend->size));
    for (size_t i = 0; i < ARRAY_SIZE(bools); i++) {
        json_object_set_new(m, bools[i],
                            json_boolean(object_property_get_bool(child,
                                                                  bools[i],
                                                                  NULL)));
    }
    if (object_property_find(child, "reserve")) {
        json_object_set_new(m, "reserve",
                            json_boolean(object_property_get_bool(child,
                                                                  "reserve",
                                                                  NULL)));
    }
    v = object_property_get(child, "host-nodes", NULL);
    json_object_set_new(m, "host-nodes", v ? v : json_array());
    v = object_property_get(child, "policy", NULL);
    json_object_set_new(m, "policy", v ? v : json_string("default"));
    /* Present only for guest_memfd memory (schema: absent otherwise). */
    if (host_memory_backend_is_guest_memfd(backend)) {
        json_object_set_new(m, "guest-memfd", json_true());
    }
    json_array_append_new(list, m);
    return 0;
}

void qmp_query_memdev(json_t *args, json_t **ret, Error **errp)
{
    json_t *list = json_array();

    object_child_foreach(object_get_objects_root(), memdev_collect, list);
    *ret = list;
}

static gint machine_info_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(MACHINE_CLASS((gpointer)a)->name,
                  MACHINE_CLASS((gpointer)b)->name);
}

void qmp_query_machines(json_t *args, json_t **ret, Error **errp)
{
    GSList *classes = object_class_get_list(TYPE_MACHINE, false);
    json_t *list = json_array();

    classes = g_slist_sort(classes, machine_info_cmp);
    for (GSList *l = classes; l; l = l->next) {
        MachineClass *mc = MACHINE_CLASS(l->data);
        json_t *m = json_pack("{s:s}", "name", mc->name);

        if (mc->alias) {
            json_object_set_new(m, "alias", json_string(mc->alias));
        }
        if (mc->is_default) {
            json_object_set_new(m, "is-default", json_true());
        }
        json_object_set_new(m, "cpu-max",
                            json_integer(mc->max_cpus ? mc->max_cpus : 1));
        json_object_set_new(m, "hotpluggable-cpus", json_false());
        json_object_set_new(m, "numa-mem-supported", json_false());
        json_object_set_new(m, "deprecated", json_false());
        if (mc->default_cpu_type) {
            json_object_set_new(m, "default-cpu-type",
                                json_string(mc->default_cpu_type));
        }
        if (mc->default_ram_id) {
            json_object_set_new(m, "default-ram-id",
                                json_string(mc->default_ram_id));
        }
        json_object_set_new(m, "acpi", json_boolean(
            object_class_property_find(OBJECT_CLASS(mc), "acpi") != NULL));
        json_array_append_new(list, m);
    }
    g_slist_free(classes);
    *ret = list;
}

void qmp_query_current_machine(json_t *args, json_t **ret, Error **errp)
{
    *ret = json_pack("{s:b}", "wakeup-suspend-support", false);
}

void qmp_query_target(json_t *args, json_t **ret, Error **errp)
{
    *ret = json_pack("{s:s}", "arch", "x86_64");
}

void qmp_query_kvm(json_t *args, json_t **ret, Error **errp)
{
    *ret = json_pack("{s:b,s:b}", "enabled", kvm_enabled(), "present", true);
}

void qmp_query_uuid(json_t *args, json_t **ret, Error **errp)
{
    char *s = qemu_vm_uuid_string();

    *ret = json_pack("{s:s}", "UUID", s);
    g_free(s);
}

void qmp_query_name(json_t *args, json_t **ret, Error **errp)
{
    const char *name = qemu_vm_name();

    *ret = name ? json_pack("{s:s}", "name", name) : json_object();
}

void qmp_query_cpus_fast(json_t *args, json_t **ret, Error **errp)
{
    MachineState *ms = current_machine_get();
    unsigned n = ms ? ms->smp_cpus : 0;
    json_t *list = json_array();

    for (unsigned i = 0; i < n; i++) {
        g_autofree char *path = g_strdup_printf("/machine/cpu[%u]", i);

        /* One socket of one die, one thread per core: core-id = index. */
        json_array_append_new(list, json_pack(
            "{s:i,s:s,s:i,s:{s:i,s:i,s:i,s:i},s:s}",
            "cpu-index", (int)i, "qom-path", path,
            "thread-id", (int)getpid(),
            "props", "socket-id", 0, "die-id", 0, "core-id", (int)i,
            "thread-id", 0, "target", "x86_64"));
    }
    *ret = list;
}

void qmp_query_hotpluggable_cpus(json_t *args, json_t **ret, Error **errp)
{
    error_setg(errp, "machine does not support hot-plugging CPUs");
}

void qmp_query_memory_size_summary(json_t *args, json_t **ret, Error **errp)
{
    MachineState *ms = current_machine_get();

    *ret = json_pack("{s:I}", "base-memory",
                     (json_int_t)(ms && ms->ram ? ms->ram_size : 0));
}

void qmp_system_reset(json_t *args, json_t **ret, Error **errp)
{
    qemu_system_reset_request(SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
}

void qmp_system_wakeup(json_t *args, json_t **ret, Error **errp)
{
    /* No machine here can suspend, so there is never anything to wake. */
    error_setg(errp, "wake-up from suspend is not supported by this guest");
}

void qmp_x_exit_preconfig(json_t *args, json_t **ret, Error **errp)
{
    if (machine_preconfig_exit(errp)) {
        /* main() builds the machine once the main loop returns. */
        qemu_notify_event();
    }
}

typedef struct CmdlineParam {
    const char *name;
    const char *type;
} CmdlineParam;

typedef struct CmdlineOption {
    const char *option;
    const CmdlineParam *params;    /* NULL: the machine properties */
} CmdlineOption;

static const CmdlineParam accel_params[] = {
    { "accel", "string" }, { NULL }
};
static const CmdlineParam name_params[] = {
    { "guest", "string" }, { "process", "string" },
    { "debug-threads", "boolean" }, { NULL }
};
static const CmdlineParam memory_params[] = {
    { "size", "size" }, { "slots", "number" }, { "maxmem", "size" },
    { NULL }
};
static const CmdlineParam smp_params[] = {
    { "cpus", "number" }, { "maxcpus", "number" }, { "sockets", "number" },
    { "dies", "number" }, { "clusters", "number" }, { "cores", "number" },
    { "threads", "number" }, { NULL }
};

/* QEMU 7.2 lists them in this order; libvirt probes for the option. */
static const CmdlineParam sandbox_params[] = {
    { "resourcecontrol", "string" }, { "spawn", "string" },
    { "elevateprivileges", "string" }, { "obsolete", "string" },
    { "enable", "boolean" }, { NULL }
};

static const CmdlineOption cmdline_options[] = {
    { "accel", accel_params },
    { "machine", NULL },
    { "memory", memory_params },
    { "name", name_params },
    { "sandbox", sandbox_params },
    { "smp-opts", smp_params },
};

static const char *cmdline_type(const char *qom_type)
{
    if (!strcmp(qom_type, "bool") || !strcmp(qom_type, "OnOffAuto")) {
        return "boolean";
    }
    if (!strcmp(qom_type, "int")) {
        return "number";
    }
    if (!strcmp(qom_type, "size")) {
        return "size";
    }
    return "string";
}

/* Settable properties of every machine type, each name once, and "type". */
static json_t *machine_cmdline_params(void)
{
    GSList *classes = object_class_get_list(TYPE_MACHINE, false);
    json_t *list = json_array();
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

    json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "name", "type",
                                          "type", "string",
                                          "help", "machine type"));
    for (GSList *l = classes; l; l = l->next) {
        ObjectPropertyIterator iter;
        ObjectProperty *prop;

        object_class_property_iter_init(&iter, l->data);
        while ((prop = object_property_iter_next(&iter))) {
            json_t *p;

            if (!prop->set || g_hash_table_contains(seen, prop->name)) {
                continue;
            }
            g_hash_table_add(seen, prop->name);
            p = json_pack("{s:s,s:s}", "name", prop->name,
                          "type", cmdline_type(prop->type));
            if (prop->description) {
                json_object_set_new(p, "help",
                                    json_string(prop->description));
            }
            json_array_append_new(list, p);
        }
    }
    g_hash_table_destroy(seen);
    g_slist_free(classes);
    return list;
}

void qmp_query_command_line_options(json_t *args, json_t **ret,
                                    Error **errp)
{
    const char *option = json_string_value(json_object_get(args, "option"));
    json_t *list = json_array();

    for (size_t i = 0; i < ARRAY_SIZE(cmdline_options); i++) {
        const CmdlineOption *o = &cmdline_options[i];
        json_t *params;

        if (option && strcmp(option, o->option)) {
            continue;
        }
        if (o->params) {
            params = json_array();
            for (const CmdlineParam *p = o->params; p->name; p++) {
                json_array_append_new(params, json_pack("{s:s,s:s}",
                                                        "name", p->name,
                                                        "type", p->type));
            }
        } else {
            params = machine_cmdline_params();
        }
        json_array_append_new(list, json_pack("{s:o,s:s}",
                                              "parameters", params,
                                              "option", o->option));
    }
    if (option && !json_array_size(list)) {
        json_decref(list);
        error_setg(errp, "invalid option name: %s", option);
        return;
    }
    *ret = list;
}
