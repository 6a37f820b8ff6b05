/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The human monitor's commands and their tables, printing what QEMU's
 * commands print; data comes from the QMP commands where QEMU does so.
 */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"
#include "qapi/qapi-commands.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "qemu/option.h"
#include "system/memory.h"
#include "system/kvm.h"
#include "system/runstate.h"
#include "system/ram-block-attributes.h"
#include "monitor/hmp.h"

/*
 * Run QMP command @name without arguments; NULL (and *errp set) if it
 * fails.  A command another part of the tree has not implemented yet
 * answers NULL with *errp unset.
 */
static json_t *hmp_qmp(const char *name, Error **errp)
{
    const QmpCommand *cmd = qmp_find_command(name);
    json_t *args, *ret = NULL;
    Error *err = NULL;

    if (!cmd) {
        return NULL;
    }
    args = json_object();
    cmd->fn(args, &ret, &err);
    json_decref(args);
    if (err) {
        json_decref(ret);
        error_propagate(errp, err);
        return NULL;
    }
    return ret ? ret : json_object();
}

static const char *json_bool_str(json_t *obj, const char *key)
{
    return json_is_true(json_object_get(obj, key)) ? "true" : "false";
}

/* help, quit, stop, cont, system_powerdown */

static void hmp_help(Monitor *mon, const HMPArgs *args)
{
    hmp_help_cmd(mon, hmp_arg_str(args, "name"));
}

static void hmp_info_help(Monitor *mon, const HMPArgs *args)
{
    hmp_help_cmd(mon, "info");
}

static void hmp_quit(Monitor *mon, const HMPArgs *args)
{
    /* No prompt after it: the process is on its way out. */
    monitor_suspend(mon);
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
}

static void hmp_run_qmp(Monitor *mon, const char *name)
{
    Error *err = NULL;

    json_decref(hmp_qmp(name, &err));
    hmp_handle_error(mon, err);
}

static void hmp_stop(Monitor *mon, const HMPArgs *args)
{
    hmp_run_qmp(mon, "stop");
}

static void hmp_cont(Monitor *mon, const HMPArgs *args)
{
    hmp_run_qmp(mon, "cont");
}

static void hmp_system_powerdown(Monitor *mon, const HMPArgs *args)
{
    hmp_run_qmp(mon, "system_powerdown");
}

/* object_add, object_del */

static void hmp_object_add(Monitor *mon, const HMPArgs *args)
{
    const char *spec = hmp_arg_str(args, "object");
    g_autoptr(KeyValueList) kv = NULL;
    Error *err = NULL;
    json_t *options;

    /* QEMU parses HMP's object_add with keyval and its keyval visitor. */
    kv = keyval_list_parse(spec, "qom-type", &err);
    if (!kv) {
        hmp_handle_error(mon, err);
        return;
    }
    if (!keyval_list_get(kv, "qom-type")) {
        error_setg(&err, QERR_MISSING_PARAMETER, "qom-type");
        hmp_handle_error(mon, err);
        return;
    }
    options = qapi_keyval_to_json_keyval("ObjectOptions", kv, &err);
    if (options) {
        user_creatable_add_qapi(options, &err);
        json_decref(options);
    }
    hmp_handle_error(mon, err);
}

static void hmp_object_del(Monitor *mon, const HMPArgs *args)
{
    Error *err = NULL;

    user_creatable_del(hmp_arg_str(args, "id"), &err);
    hmp_handle_error(mon, err);
}

/* info version, status, kvm, name */

static void hmp_info_version(Monitor *mon, const HMPArgs *args)
{
    json_t *info = hmp_qmp("query-version", NULL);
    json_t *qemu = json_object_get(info, "qemu");

    /* QEMU glues the package string to the version, without a blank. */
    monitor_printf(mon, "%" JSON_INTEGER_FORMAT ".%" JSON_INTEGER_FORMAT
                   ".%" JSON_INTEGER_FORMAT "%s\n",
                   json_integer_value(json_object_get(qemu, "major")),
                   json_integer_value(json_object_get(qemu, "minor")),
                   json_integer_value(json_object_get(qemu, "micro")),
                   json_string_value(json_object_get(info, "package")));
    json_decref(info);
}

static void hmp_info_status(Monitor *mon, const HMPArgs *args)
{
    json_t *info = hmp_qmp("query-status", NULL);
    bool running = json_is_true(json_object_get(info, "running"));
    const char *status = json_string_value(json_object_get(info, "status"));

    monitor_printf(mon, "VM status: %s", running ? "running" : "paused");
    if (!running && g_strcmp0(status, "paused")) {
        monitor_printf(mon, " (%s)", status);
    }
    monitor_printf(mon, "\n");
    json_decref(info);
}

static void hmp_info_kvm(Monitor *mon, const HMPArgs *args)
{
    json_t *info = hmp_qmp("query-kvm", NULL);
    bool present = true, enabled = kvm_enabled();

    if (info) {
        present = json_is_true(json_object_get(info, "present"));
        enabled = json_is_true(json_object_get(info, "enabled"));
    }
    monitor_printf(mon, "kvm support: ");
    if (present) {
        monitor_printf(mon, "%s\n", enabled ? "enabled" : "disabled");
    } else {
        monitor_printf(mon, "not compiled\n");
    }
    json_decref(info);
}

static void hmp_info_name(Monitor *mon, const HMPArgs *args)
{
    json_t *info = hmp_qmp("query-name", NULL);
    const char *name = json_string_value(json_object_get(info, "name"));

    if (name) {
        monitor_printf(mon, "%s\n", name);
    }
    json_decref(info);
}

/* info memdev */

/* "0-1,3": a uint16 list as QEMU's string output visitor prints it. */
static void append_ranges(GString *out, json_t *nodes)
{
    size_t n = json_array_size(nodes);

    for (size_t i = 0; i < n; i++) {
        json_int_t lo = json_integer_value(json_array_get(nodes, i));
        json_int_t hi = lo;

        while (i + 1 < n &&
               json_integer_value(json_array_get(nodes, i + 1)) == hi + 1) {
            hi++;
            i++;
        }
        g_string_append_printf(out, "%s%" JSON_INTEGER_FORMAT,
                               lo == json_integer_value(
                                   json_array_get(nodes, 0)) ? "" : ",", lo);
        if (hi != lo) {
            g_string_append_printf(out, "-%" JSON_INTEGER_FORMAT, hi);
        }
    }
}

/* info memory-attributes: the same data as x-query-memory-attributes */
static char *hmp_memory_attributes_text(Error **errp)
{
    json_t *list = hmp_qmp("x-query-memory-attributes", errp);
    char *text;

    if (!list) {
        return NULL;
    }
    text = ram_block_attributes_format_text(list);
    json_decref(list);
    return text;
}

static char *hmp_memdev_text(Error **errp)
{
    json_t *list = hmp_qmp("query-memdev", errp);
    GString *out = g_string_new(NULL);
    size_t i;
    json_t *m;

    json_array_foreach(list, i, m) {
        json_t *reserve = json_object_get(m, "reserve");

        g_string_append_printf(out, "memory backend: %s\n",
                               json_string_value(json_object_get(m, "id")));
        g_string_append_printf(out, "  size:  %" JSON_INTEGER_FORMAT "\n",
                               json_integer_value(json_object_get(m, "size")));
        g_string_append_printf(out, "  merge: %s\n", json_bool_str(m, "merge"));
        g_string_append_printf(out, "  dump: %s\n", json_bool_str(m, "dump"));
        g_string_append_printf(out, "  prealloc: %s\n",
                               json_bool_str(m, "prealloc"));
        g_string_append_printf(out, "  share: %s\n", json_bool_str(m, "share"));
        if (reserve) {
            g_string_append_printf(out, "  reserve: %s\n",
                                   json_is_true(reserve) ? "true" : "false");
        }
        g_string_append_printf(out, "  policy: %s\n",
                               json_string_value(json_object_get(m,
                                                                 "policy")));
        g_string_append(out, "  host nodes: ");
        append_ranges(out, json_object_get(m, "host-nodes"));
        g_string_append_c(out, '\n');
    }
    g_string_append_c(out, '\n');
    json_decref(list);
    return g_string_free(out, FALSE);
}

/* info qom-tree */

static int cmp_child_name(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(object_get_canonical_path_component(*(Object **)a),
                     object_get_canonical_path_component(*(Object **)b));
}

static int collect_child(Object *child, void *opaque)
{
    g_ptr_array_add(opaque, child);
    return 0;
}

static void print_qom_tree(Monitor *mon, Object *obj, int indent)
{
    GPtrArray *children = g_ptr_array_new();
    const char *name = obj == object_get_root() ? ""
                       : object_get_canonical_path_component(obj);

    monitor_printf(mon, "%*s/%s (%s)\n", indent, "", name,
                   object_get_typename(obj));
    object_child_foreach(obj, collect_child, children);
    g_ptr_array_sort(children, cmp_child_name);
    for (guint i = 0; i < children->len; i++) {
        print_qom_tree(mon, g_ptr_array_index(children, i), indent + 2);
    }
    g_ptr_array_free(children, TRUE);
}

static void hmp_info_qom_tree(Monitor *mon, const HMPArgs *args)
{
    const char *path = hmp_arg_str(args, "path");
    bool ambiguous = false;
    Object *obj;

    if (path) {
        obj = object_resolve_path(path, &ambiguous);
        if (!obj) {
            monitor_printf(mon, "Path '%s' could not be resolved.\n", path);
            return;
        }
        if (ambiguous) {
            monitor_printf(mon, "Warning: Path '%s' is ambiguous.\n", path);
            return;
        }
    } else {
        /* QEMU starts at the machine (qdev_get_machine()). */
        obj = object_resolve_path("/machine", NULL);
        if (!obj) {
            obj = object_get_root();
        }
    }
    print_qom_tree(mon, obj, 0);
}

/* info mtree */

typedef struct MtreeState {
    Monitor *mon;
    bool owner;
    bool disabled;
    GPtrArray *aliased;        /* alias targets still to print */
} MtreeState;

/* Last address of a region starting at @start (UINT64_MAX size: 2^64). */
static hwaddr mr_last(hwaddr start, uint64_t size)
{
    if (size == UINT64_MAX) {
        return start + UINT64_MAX;
    }
    return size ? start + size - 1 : start;
}

static const char *mr_type(const MemoryRegion *mr)
{
    if (mr->alias) {
        return mr_type(mr->alias);
    }
    if (mr->ram && mr->readonly) {
        return "rom";
    }
    if (mr->ram) {
        return "ram";
    }
    return mr->container ? "i/o" : "container";
}

static void mtree_print_owner(MtreeState *st, const MemoryRegion *mr)
{
    g_autofree char *path = NULL;

    if (!mr->owner) {
        monitor_printf(st->mon, " orphan");
        return;
    }
    /* Our regions are not QOM objects: the owner is the only parent. */
    path = object_get_canonical_path(mr->owner);
    monitor_printf(st->mon, " owner:{%s", object_dynamic_cast(mr->owner,
                                                              "device")
                   ? "dev" : "obj");
    if (path) {
        monitor_printf(st->mon, " path=%s}", path);
    } else {
        monitor_printf(st->mon, " type=%s}", object_get_typename(mr->owner));
    }
}

static int cmp_subregion(gconstpointer a, gconstpointer b)
{
    const MemoryRegion *x = *(MemoryRegion **)a;
    const MemoryRegion *y = *(MemoryRegion **)b;

    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    return y->priority - x->priority;
}

static void mtree_print_mr(MtreeState *st, const MemoryRegion *mr,
                           int level, hwaddr base)
{
    hwaddr start = base + mr->addr;
    hwaddr last = mr_last(start, mr->size);
    GPtrArray *subs;

    if (start < base || last < start) {
        monitor_printf(st->mon, "[DETECTED OVERFLOW!] ");
    }
    if (mr->alias && !g_ptr_array_find(st->aliased, mr->alias, NULL)) {
        g_ptr_array_add(st->aliased, mr->alias);
    }
    if (mr->enabled || st->disabled) {
        for (int i = 0; i < level; i++) {
            monitor_printf(st->mon, "  ");
        }
        monitor_printf(st->mon, "%016" PRIx64 "-%016" PRIx64
                       " (prio %d, %s): ", start, last, mr->priority,
                       mr_type(mr));
        if (mr->alias) {
            monitor_printf(st->mon, "alias %s @%s %016" PRIx64 "-%016"
                           PRIx64, memory_region_name(mr),
                           memory_region_name(mr->alias), mr->alias_offset,
                           mr_last(mr->alias_offset, mr->size));
        } else {
            monitor_printf(st->mon, "%s", memory_region_name(mr));
        }
        monitor_printf(st->mon, "%s", mr->enabled ? "" : " [disabled]");
        if (st->owner) {
            mtree_print_owner(st, mr);
        }
        monitor_printf(st->mon, "\n");
    }
    /* Address order, higher priority first at the same address (stable). */
    subs = g_ptr_array_new();
    for (GList *l = mr->subregions; l; l = l->next) {
        g_ptr_array_add(subs, l->data);
    }
    g_ptr_array_sort(subs, cmp_subregion);
    for (guint i = 0; i < subs->len; i++) {
        mtree_print_mr(st, g_ptr_array_index(subs, i), level + 1, start);
    }
    g_ptr_array_free(subs, TRUE);
}

typedef struct FlatState {
    MtreeState *st;
    bool kvm_slots;
} FlatState;

static int mtree_print_range(MemoryRegionSection *s, void *opaque)
{
    FlatState *fs = opaque;
    Monitor *mon = fs->st->mon;
    const MemoryRegion *mr = s->mr;

    if (!mr) {
        return 0;
    }
    monitor_printf(mon, "  %016" PRIx64 "-%016" PRIx64 " (prio %d, %s): %s",
                   s->offset_within_address_space,
                   mr_last(s->offset_within_address_space, s->size),
                   mr->priority, s->readonly ? "rom" : mr_type(mr),
                   memory_region_name(mr));
    if (s->offset_within_region) {
        monitor_printf(mon, " @%016" PRIx64, s->offset_within_region);
    }
    if (fs->st->owner) {
        mtree_print_owner(fs->st, mr);
    }
    /* KVM maps the RAM of the memory address space into memslots. */
    if (fs->kvm_slots && mr->ram) {
        monitor_printf(mon, " kvm");
    }
    monitor_printf(mon, "\n");
    return 0;
}

static void mtree_print_flatview(MtreeState *st, int n, const char *as_name,
                                 AddressSpace *as, MemoryRegion *root,
                                 bool kvm_slots)
{
    FlatState fs = { .st = st, .kvm_slots = kvm_slots };

    monitor_printf(st->mon, "FlatView #%d\n", n);
    monitor_printf(st->mon, " AS \"%s\", root: %s\n", as_name,
                   memory_region_name(root));
    monitor_printf(st->mon, " Root memory region: %s\n",
                   memory_region_name(root));
    address_space_foreach_section(as, 0, UINT64_MAX, mtree_print_range, &fs);
    monitor_printf(st->mon, "\n");
}

static void hmp_info_mtree(Monitor *mon, const HMPArgs *args)
{
    MtreeState st = {
        .mon = mon,
        .owner = hmp_arg_flag(args, "owner"),
        .disabled = hmp_arg_flag(args, "disabled"),
        .aliased = g_ptr_array_new(),
    };

    if (hmp_arg_flag(args, "flatview")) {
        mtree_print_flatview(&st, 0, "memory", &address_space_memory,
                             get_system_memory(), kvm_enabled());
        mtree_print_flatview(&st, 1, "I/O", &address_space_io,
                             get_system_io(), false);
        g_ptr_array_free(st.aliased, TRUE);
        return;
    }
    monitor_printf(mon, "address-space: memory\n");
    mtree_print_mr(&st, get_system_memory(), 1, 0);
    monitor_printf(mon, "\n");
    monitor_printf(mon, "address-space: I/O\n");
    mtree_print_mr(&st, get_system_io(), 1, 0);
    monitor_printf(mon, "\n");
    /* The queue grows while it is printed: aliases of aliases. */
    for (guint i = 0; i < st.aliased->len; i++) {
        const MemoryRegion *mr = g_ptr_array_index(st.aliased, i);

        monitor_printf(mon, "memory-region: %s\n", memory_region_name(mr));
        mtree_print_mr(&st, mr, 1, 0);
        monitor_printf(mon, "\n");
    }
    g_ptr_array_free(st.aliased, TRUE);
}

/*
 * The tables, in the order of QEMU's hmp-commands.hx and
 * hmp-commands-info.hx (help lists them in table order).
 */
const HMPCommand hmp_cmds[] = {
    { "help|?", "name:S?", "[cmd]", "show the help", .cmd = hmp_help },
    { "quit|q", "", "", "quit the emulator", .cmd = hmp_quit },
    { "stop|s", "", "", "stop emulation", .cmd = hmp_stop },
    { "cont|c", "", "", "resume emulation", .cmd = hmp_cont },
    { "system_powerdown", "", "", "send system power down event",
      .cmd = hmp_system_powerdown },
    { "object_add", "object:S", "[qom-type=]type,id=str[,prop=value][,...]",
      "create QOM object", .cmd = hmp_object_add },
    { "object_del", "id:s", "id", "destroy QOM object",
      .cmd = hmp_object_del },
    { "info", "item:s?", "[subcommand]",
      "show various information about the system state",
      .cmd = hmp_info_help, .sub_table = hmp_info_cmds },
    { NULL },
};

const HMPCommand hmp_info_cmds[] = {
    { "version", "", "", "show the version of QEMU",
      .cmd = hmp_info_version },
    { "mtree", "flatview:-f,dispatch_tree:-d,owner:-o,disabled:-D",
      "[-f][-d][-o][-D]",
      "show memory tree (-f: dump flat view for address spaces;"
      "-d: dump dispatch tree, valid with -f only);"
      "-o: dump region owners/parents;"
      "-D: dump disabled regions",
      .cmd = hmp_info_mtree },
    { "kvm", "", "", "show KVM information", .cmd = hmp_info_kvm },
    { "status", "", "", "show the current VM status (running|paused)",
      .cmd = hmp_info_status },
    { "name", "", "", "show the current VM name", .cmd = hmp_info_name },
    { "qom-tree", "path:s?", "[path]", "show QOM composition tree",
      .cmd = hmp_info_qom_tree },
    { "memdev", "", "", "show memory backends", .text = hmp_memdev_text },
    { "memory-attributes", "", "",
      "show the shared/private state of guest RAM",
      .text = hmp_memory_attributes_text },
    { NULL },
};
