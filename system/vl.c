/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main(): the command line, start-up phases, the main loop and teardown. */

#include "qemu/osdep.h"
#include <sys/prctl.h>
#include <signal.h>
#include <jansson.h>
#include "qapi/error.h"
#include "qapi/qapi-schema.h"
#include "qemu/cutils.h"
#include "qemu/option.h"
#include "qemu/units.h"
#include "qemu/main-loop.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "chardev/char.h"
#include "monitor/monitor.h"
#include "monitor/hmp.h"
#include "system/memory.h"
#include "system/hostmem.h"
#include "system/kvm.h"
#include "system/cpus.h"
#include "system/runstate.h"
#include "system/seccomp.h"
#include "hw/boards.h"
#include "hw/i386/cpu-models.h"
#include "hw/char/serial.h"
#include "hw/i386/microvm.h"
#include "system/qtest.h"
#include "system/confidential-guest-support.h"
#include "target/i386/sev.h"
#include "block/block.h"

#define QEMU_VERSION_STRING "11.0.50"
#define QEMU_PKGVERSION "qemu-gmem"
#define QEMU_COPYRIGHT "Copyright (c) 2026 the qemu-gmem developers"

enum {
    HAS_ARG = 1,
};

typedef enum QemuOptionIndex {
    OPT_HELP,
    OPT_VERSION,
    OPT_OBJECT,
    OPT_BLOCKDEV,
    OPT_MACHINE,
    OPT_ACCEL,
    OPT_ENABLE_KVM,
    OPT_M,
    OPT_SMP,
    OPT_S,
    OPT_PRECONFIG,
    OPT_NODEFAULTS,
    OPT_DISPLAY,
    OPT_NOGRAPHIC,
    OPT_SERIAL,
    OPT_CHARDEV,
    OPT_MON,
    OPT_MONITOR,
    OPT_QMP,
    OPT_QTEST,
    OPT_QTEST_LOG,
    OPT_KERNEL,
    OPT_BIOS,
    OPT_INITRD,
    OPT_APPEND,
    OPT_DEVICE,
    OPT_NO_REBOOT,
    OPT_NO_SHUTDOWN,
    OPT_DAEMONIZE,
    OPT_SANDBOX,
    OPT_NAME,
    OPT_UUID,
    OPT_CPU,
    OPT_RUN_WITH,
    OPT_AUDIO,
    OPT_TRACE,
} QemuOptionIndex;

typedef struct QemuOptionDef {
    const char *name;
    int flags;
    QemuOptionIndex index;
    const char *usage;     /* "-name ARG" part of the help line */
    const char *help;
} QemuOptionDef;

static const QemuOptionDef qemu_options[] = {
    { "h", 0, OPT_HELP, "-h or -help", "display this help and exit" },
    { "help", 0, OPT_HELP, NULL, NULL },
    { "version", 0, OPT_VERSION, "-version", "display version information "
      "and exit" },
    { "machine", HAS_ARG, OPT_MACHINE,
      "-machine [type=]name[,prop=value[,...]]",
      "select the machine ('-machine help' for a list);\n"
      "                memory-backend=id: guest RAM from that backend;\n"
      "                accel=kvm[:qtest]: accelerators to try;\n"
      "                mem-merge=on|off, dump-guest-core=on|off" },
    { "M", HAS_ARG, OPT_MACHINE, "-M name", "same as -machine" },
    { "accel", HAS_ARG, OPT_ACCEL, "-accel kvm|qtest",
      "add an accelerator; repeatable, tried in order" },
    { "enable-kvm", 0, OPT_ENABLE_KVM, "-enable-kvm", "same as -accel kvm" },
    { "m", HAS_ARG, OPT_M, "-m [size=]megs[,slots=n,maxmem=size]",
      "guest RAM size (MiB without a suffix; K, M, G, T accepted)" },
    { "smp", HAS_ARG, OPT_SMP, "-smp [cpus=]n", "number of vCPUs" },
    { "object", HAS_ARG, OPT_OBJECT, "-object TYPE,id=ID[,prop=value...]",
      "create a user-creatable object ('-object help',\n"
      "                '-object TYPE,help'); also -object '{JSON}'" },
    { "blockdev", HAS_ARG, OPT_BLOCKDEV,
      "-blockdev driver=DRV,node-name=N[,opt=value...]",
      "add a block node (null-co, null-aio, blkdebug); also JSON" },
    { "S", 0, OPT_S, "-S", "do not start the vCPUs at start-up (use 'cont')" },
    { "preconfig", 0, OPT_PRECONFIG, "--preconfig",
      "pause before machine init, for QMP (x-exit-preconfig)" },
    { "nodefaults", 0, OPT_NODEFAULTS, "-nodefaults",
      "don't create default devices" },
    { "display", HAS_ARG, OPT_DISPLAY, "-display none",
      "no display (the only one there is)" },
    { "nographic", 0, OPT_NOGRAPHIC, "-nographic",
      "no display; serial port on stdio" },
    { "serial", HAS_ARG, OPT_SERIAL, "-serial dev",
      "serial port on chardev spec (stdio, null, file:PATH,\n"
      "                unix:PATH[,server=on], tcp:HOST:PORT, chardev:ID,\n"
      "                none)" },
    { "chardev", HAS_ARG, OPT_CHARDEV,
      "-chardev backend,id=id[,opts]",
      "character device (socket, stdio, file, null)" },
    { "mon", HAS_ARG, OPT_MON, "-mon [chardev=]name[,mode=readline|control]",
      "monitor on a chardev: human (readline, the default) or QMP" },
    { "monitor", HAS_ARG, OPT_MONITOR, "-monitor dev",
      "human monitor on chardev spec dev (stdio, chardev:ID, none...)" },
    { "qmp", HAS_ARG, OPT_QMP, "-qmp dev", "QMP monitor on chardev spec dev" },
    { "qtest", HAS_ARG, OPT_QTEST, "-qtest dev",
      "qtest protocol on chardev spec dev" },
    { "qtest-log", HAS_ARG, OPT_QTEST_LOG, "-qtest-log file",
      "log the qtest protocol to file" },
    { "bios", HAS_ARG, OPT_BIOS, "-bios file",
      "set the filename for the BIOS" },
    { "kernel", HAS_ARG, OPT_KERNEL, "-kernel bzImage",
      "Linux kernel (bzImage) or ELF64 guest" },
    { "initrd", HAS_ARG, OPT_INITRD, "-initrd file",
      "initial ram disk" },
    { "append", HAS_ARG, OPT_APPEND, "-append cmdline",
      "kernel command line" },
    { "device", HAS_ARG, OPT_DEVICE, "-device driver[,prop=value...]",
      "add a device (isa-debug-exit,iobase=0xf4,iosize=0x04)" },
    { "no-reboot", 0, OPT_NO_REBOOT, "-no-reboot",
      "exit instead of rebooting" },
    { "no-shutdown", 0, OPT_NO_SHUTDOWN, "-no-shutdown",
      "stop the guest instead of exiting on guest shutdown" },
    { "daemonize", 0, OPT_DAEMONIZE, "-daemonize", "not supported" },
    { "sandbox", HAS_ARG, OPT_SANDBOX,
      "-sandbox on[,obsolete=allow|deny][,elevateprivileges=allow|deny|"
      "children]\n"
      "          [,spawn=allow|deny][,resourcecontrol=allow|deny]",
      "seccomp system call filter (default 'off')" },
    { "name", HAS_ARG, OPT_NAME, "-name [guest=]name[,debug-threads=on|off]",
      "name of the guest (query-name)" },
    { "uuid", HAS_ARG, OPT_UUID, "-uuid %08x-%04x-%04x-%04x-%012x",
      "UUID of the guest (query-uuid)" },
    { "cpu", HAS_ARG, OPT_CPU, "-cpu model[,apic-id=n]",
      "select the CPU model ('-cpu help' for a list)" },
    { "run-with", HAS_ARG, OPT_RUN_WITH, "-run-with exit-with-parent=on",
      "exit when the parent process exits" },
    { "audio", HAS_ARG, OPT_AUDIO, "-audio none", "no audio (accepted)" },
    { "trace", HAS_ARG, OPT_TRACE, "-trace ...", "accepted and ignored" },
};

/* One -object, parsed to its ObjectOptions JSON at option time. */
typedef struct ObjectOption {
    char *arg;              /* as given, for error locations */
    json_t *options;        /* full ObjectOptions object */
    bool dotted;
} ObjectOption;

typedef struct VLState {
    GPtrArray *objects;         /* ObjectOption * */
    GPtrArray *machine_kv;      /* KeyValue * merged from all -machine */
    GPtrArray *accels;          /* char * from -accel / -enable-kvm */
    GPtrArray *accel_args;      /* char *: the -accel argument, NULL for
                                 * -enable-kvm (QEMU's error location) */
    GPtrArray *chardev_args;    /* char * */
    GPtrArray *mon_args;        /* char * */
    GPtrArray *monitor_args;    /* char *: -monitor (human monitors) */
    GPtrArray *qmp_args;        /* char * */
    GPtrArray *serial_args;     /* char * */
    GPtrArray *device_args;     /* char * */
    char *m_arg;
    char *smp_arg;
    const char *qtest_spec;
    const char *qtest_log;
    const char *kernel;
    const char *bios;
    const char *initrd;
    const char *append;
    const char *name;
    bool start_paused;
    bool preconfig;
    bool nodefaults;
    bool nographic;
    bool no_reboot;
    bool no_shutdown;
    bool exit_with_parent;
} VLState;

static const char *progname(void)
{
    return error_get_progname();
}

static void print_version(void)
{
    printf("QEMU emulator version " QEMU_VERSION_STRING " ("
           QEMU_PKGVERSION ")\n" QEMU_COPYRIGHT "\n");
}

static void print_help(void)
{
    size_t i;

    print_version();
    printf("usage: %s [options]\n\n", progname());
    printf("qemu-gmem implements these options of QEMU:\n\n");
    for (i = 0; i < ARRAY_SIZE(qemu_options); i++) {
        const QemuOptionDef *o = &qemu_options[i];

        if (!o->usage) {
            continue;
        }
        /* QEMU's layout: help text in column 17, on its own line if the
         * synopsis is longer. */
        if (strlen(o->usage) < 16) {
            printf("%-16s%s\n", o->usage, o->help);
        } else {
            printf("%s\n                %s\n", o->usage, o->help);
        }
    }
    printf("\nDuring emulation, SIGTERM or SIGINT ends the process "
           "cleanly.\n");
}

/* QEMU prefixes errors tied to one option with "-opt arg: ". */
static void error_prepend_opt(Error **errp, const char *opt, const char *arg)
{
    if (arg) {
        error_prepend(errp, "-%s %s: ", opt, arg);
    } else {
        error_prepend(errp, "-%s: ", opt);
    }
}

static void object_option_free(gpointer p)
{
    ObjectOption *o = p;

    g_free(o->arg);
    json_decref(o->options);
    g_free(o);
}

static bool object_id_seen(VLState *s, const char *id)
{
    guint i;

    for (i = 0; i < s->objects->len; i++) {
        ObjectOption *o = g_ptr_array_index(s->objects, i);
        json_t *oid = json_object_get(o->options, "id");

        if (o->dotted && json_is_string(oid) &&
            !strcmp(json_string_value(oid), id)) {
            return true;
        }
    }
    return false;
}

/*
 * -object: returns 1 when help was printed (exit 0), 0 on success, -1 with
 * *errp set.
 */
static int parse_object(VLState *s, const char *arg, Error **errp)
{
    ObjectOption *o;
    json_t *options;

    if (arg[0] == '{') {
        options = qapi_json_option_parse("ObjectOptions", arg, errp);
        if (!options) {
            return -1;
        }
        o = g_new0(ObjectOption, 1);
        o->arg = g_strdup(arg);
        o->options = options;
        g_ptr_array_add(s->objects, o);
        return 0;
    } else {
        g_autoptr(KeyValueList) kv = keyval_list_parse(arg, "qom-type", errp);
        const char *type, *id;

        if (!kv) {
            return -1;
        }
        type = keyval_list_get(kv, "qom-type");
        if ((!type && kv->help) ||
            (type && (!strcmp(type, "help") || !strcmp(type, "?")))) {
            user_creatable_print_types();
            return 1;
        }
        if (!type) {
            error_setg(errp, QERR_MISSING_PARAMETER, "qom-type");
            return -1;
        }
        if (kv->help) {
            return user_creatable_print_help(type, errp) ? 1 : -1;
        }
        id = keyval_list_get(kv, "id");
        if (!id) {
            error_setg(errp, QERR_MISSING_PARAMETER, "id");
            return -1;
        }
        if (!id_wellformed(id)) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "id",
                       "an identifier");
            error_append_hint(errp, "Identifiers consist of letters, "
                              "digits, '-', '.', '_', starting with a "
                              "letter.\n");
            return -1;
        }
        if (object_id_seen(s, id)) {
            error_setg(errp, "Duplicate ID '%s' for object", id);
            return -1;
        }
        options = qapi_keyval_to_json("ObjectOptions", kv, errp);
        if (!options) {
            return -1;
        }
        if (!qapi_validate("ObjectOptions", options, errp)) {
            json_decref(options);
            return -1;
        }
        o = g_new0(ObjectOption, 1);
        o->arg = g_strdup(arg);
        o->options = options;
        o->dotted = true;
        g_ptr_array_add(s->objects, o);
        return 0;
    }
}

/* Each class says whether it needs the accelerator (object_interfaces.h). */
static bool object_is_late(ObjectOption *o)
{
    const char *type = json_string_value(json_object_get(o->options,
                                                         "qom-type"));

    return user_creatable_type_is_late(type);
}

/*
 * Made before -sandbox takes effect, as in QEMU: a thread context sets
 * CPU affinities, which resourcecontrol=deny forbids afterwards.
 */
static bool object_is_pre_sandbox(ObjectOption *o)
{
    return !g_strcmp0(json_string_value(json_object_get(o->options,
                                                        "qom-type")),
                      "thread-context");
}

static bool create_objects_pre_sandbox(VLState *s, Error **errp)
{
    for (guint i = 0; i < s->objects->len; i++) {
        ObjectOption *o = g_ptr_array_index(s->objects, i);

        if (object_is_pre_sandbox(o) &&
            !user_creatable_add_qapi(o->options, errp)) {
            return false;
        }
    }
    return true;
}

static bool create_objects(VLState *s, bool late, Error **errp)
{
    guint i;

    for (i = 0; i < s->objects->len; i++) {
        ObjectOption *o = g_ptr_array_index(s->objects, i);

        if (object_is_late(o) != late || object_is_pre_sandbox(o)) {
            continue;
        }
        /*
         * QEMU creates objects after option parsing, with no location:
         * property and complete() errors carry no "-object ...:" prefix.
         */
        if (!user_creatable_add_qapi(o->options, errp)) {
            return false;
        }
    }
    return true;
}

static int parse_machine(VLState *s, const char *arg, Error **errp)
{
    g_autoptr(KeyValueList) kv = keyval_list_parse(arg, "type", errp);
    const char *type;
    guint i;

    if (!kv) {
        return -1;
    }
    type = keyval_list_get(kv, "type");
    if (kv->help || (type && (!strcmp(type, "help") || !strcmp(type, "?")))) {
        machine_print_list();
        return 1;
    }
    for (i = 0; i < kv->items->len; i++) {
        KeyValue *src = g_ptr_array_index(kv->items, i);
        KeyValue *dst = g_new0(KeyValue, 1);

        dst->key = g_strdup(src->key);
        dst->value = g_strdup(src->value);
        g_ptr_array_add(s->machine_kv, dst);
    }
    return 0;
}

static void keyvalue_free(gpointer p)
{
    KeyValue *kv = p;

    g_free(kv->key);
    g_free(kv->value);
    g_free(kv);
}

static const char *machine_kv_get(VLState *s, const char *key)
{
    const char *v = NULL;
    guint i;

    for (i = 0; i < s->machine_kv->len; i++) {
        KeyValue *kv = g_ptr_array_index(s->machine_kv, i);

        if (!strcmp(kv->key, key)) {
            v = kv->value;
        }
    }
    return v;
}

/* -m [size=]N[,slots=n,maxmem=size]: N without a suffix is MiB. */
static bool parse_memory(const char *arg, MachineState *ms, Error **errp)
{
    g_autoptr(KeyValueList) kv = keyval_list_parse(arg, "size", errp);
    const char *size_str, *maxmem_str, *slots_str;
    uint64_t size = 0, maxmem = 0;
    guint i;
    int ret;

    if (!kv) {
        return false;
    }
    for (i = 0; i < kv->items->len; i++) {
        KeyValue *item = g_ptr_array_index(kv->items, i);

        if (strcmp(item->key, "size") && strcmp(item->key, "maxmem") &&
            strcmp(item->key, "slots")) {
            error_setg(errp, QERR_INVALID_PARAMETER, item->key);
            return false;
        }
    }
    size_str = keyval_list_get(kv, "size");
    if (size_str) {
        if (!*size_str) {
            error_setg(errp, "missing 'size' option value");
            return false;
        }
        ret = qemu_strtosz_MiB(size_str, NULL, &size);
        if (ret == -ERANGE) {
            error_setg(errp, "Value '%s' is out of range for parameter "
                       "'size'", size_str);
            return false;
        } else if (ret < 0) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "size",
                       "a non-negative number below 2^64");
            error_append_hint(errp, "Optional suffix k, M, G, T, P or E "
                              "means kilo-, mega-, giga-, tera-, peta-\n"
                              "and exabytes, respectively.\n");
            return false;
        }
    }
    /* QEMU: "-m 0" means the machine's default. */
    if (size) {
        if (size > UINT64_MAX - 8191) {
            error_setg(errp, "ram size too large");
            return false;
        }
        ms->ram_size = QEMU_ALIGN_UP(size, 8192);
        ms->ram_size_given = true;
    }
    maxmem_str = keyval_list_get(kv, "maxmem");
    slots_str = keyval_list_get(kv, "slots");
    if (maxmem_str) {
        ret = qemu_strtosz_MiB(maxmem_str, NULL, &maxmem);
        if (ret < 0) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "maxmem",
                       "a non-negative number below 2^64");
            return false;
        }
        if (maxmem < ms->ram_size) {
            error_setg(errp, "invalid value of maxmem: maximum memory size "
                       "(0x%" PRIx64 ") must be at least the initial memory "
                       "size (0x%" PRIx64 ")", maxmem, ms->ram_size);
            return false;
        }
    }
    if (slots_str) {
        uint64_t slots;

        if (qemu_strtou64(slots_str, NULL, 0, &slots) < 0) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "slots",
                       "a number");
            return false;
        }
        if (slots && !maxmem_str) {
            error_setg(errp, "slots specified but no max-size");
            return false;
        }
        if (slots) {
            error_setg(errp, "memory hotplug is not supported by this "
                       "machine (slots=%" PRIu64 ")", slots);
            return false;
        }
    }
    if (maxmem_str && maxmem > ms->ram_size) {
        error_setg(errp, "memory hotplug is not supported by this machine "
                   "(maxmem must equal the initial memory size)");
        return false;
    }
    return true;
}

/* -smp [cpus=]N[,maxcpus=N] with the machine's limit. */
static bool parse_smp(const char *arg, MachineState *ms, Error **errp)
{
    g_autoptr(KeyValueList) kv = keyval_list_parse(arg, "cpus", errp);
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    uint64_t cpus = 1;
    const char *v;
    guint i;

    if (!kv) {
        return false;
    }
    for (i = 0; i < kv->items->len; i++) {
        KeyValue *item = g_ptr_array_index(kv->items, i);
        uint64_t n;

        if (strcmp(item->key, "cpus") && strcmp(item->key, "maxcpus") &&
            strcmp(item->key, "sockets") && strcmp(item->key, "cores") &&
            strcmp(item->key, "threads")) {
            error_setg(errp, QERR_INVALID_PARAMETER, item->key);
            return false;
        }
        if (qemu_strtou64(item->value, NULL, 10, &n) < 0 || n > INT_MAX) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, item->key,
                       "a number");
            return false;
        }
        if (n == 0) {
            error_setg(errp, "Invalid CPU topology: CPU topology parameters "
                       "must be greater than zero");
            return false;
        }
    }
    v = keyval_list_get(kv, "cpus");
    if (v) {
        qemu_strtou64(v, NULL, 10, &cpus);
    } else {
        /* sockets * cores * threads, as QEMU computes a missing count. */
        const char *keys[] = { "sockets", "cores", "threads" };

        for (i = 0; i < ARRAY_SIZE(keys); i++) {
            uint64_t n = 1;

            v = keyval_list_get(kv, keys[i]);
            if (v) {
                qemu_strtou64(v, NULL, 10, &n);
            }
            cpus *= n;
        }
    }
    if (cpus > (uint64_t)mc->max_cpus) {
        error_setg(errp, "Invalid SMP CPUs %" PRIu64 ". The max CPUs "
                   "supported by machine '%s' is %d", cpus, mc->name,
                   mc->max_cpus);
        return false;
    }
    v = keyval_list_get(kv, "maxcpus");
    if (v) {
        uint64_t maxcpus;

        qemu_strtou64(v, NULL, 10, &maxcpus);
        if (maxcpus < cpus) {
            error_setg(errp, "maxcpus must be equal to or greater than smp");
            return false;
        }
        if (maxcpus > (uint64_t)mc->max_cpus) {
            error_setg(errp, "Invalid SMP CPUs %" PRIu64 ". The max CPUs "
                       "supported by machine '%s' is %d", maxcpus, mc->name,
                       mc->max_cpus);
            return false;
        }
    }
    ms->smp_cpus = cpus;
    return true;
}

static MachineState *create_machine(VLState *s, Error **errp)
{
    const char *type = machine_kv_get(s, "type");
    MachineClass *mc;
    Object *obj;
    guint i;

    if (!type) {
        type = machine_find_class("microvm") ? "microvm" : "none";
    }
    mc = machine_find_class(type);
    if (!mc) {
        error_setg(errp, "unsupported machine type: \"%s\"", type);
        error_append_hint(errp, "Use -machine help to list supported "
                          "machines\n");
        return NULL;
    }
    obj = object_new(object_class_get_name(OBJECT_CLASS(mc)));
    object_property_add_child(object_get_root(), "machine", obj);
    object_unref(obj);

    for (i = 0; i < s->machine_kv->len; i++) {
        KeyValue *kv = g_ptr_array_index(s->machine_kv, i);
        ObjectProperty *prop;
        json_t *value;
        bool ok;

        /* the CGS link waits for the early objects (wire_cgs()) */
        if (!strcmp(kv->key, "type") || !strcmp(kv->key, "accel") ||
            !strcmp(kv->key, "confidential-guest-support") ||
            !strcmp(kv->key, "memory-encryption")) {
            continue;
        }
        prop = object_property_find_err(obj, kv->key, errp);
        if (!prop) {
            goto fail;
        }
        if (!strcmp(prop->type, "bool")) {
            bool b;

            if (!qemu_parse_bool(kv->value, &b)) {
                error_setg(errp, "Parameter '%s' expects 'on' or 'off'",
                           kv->key);
                goto fail;
            }
            value = json_boolean(b);
        } else if (!strcmp(prop->type, "int")) {
            uint64_t n;

            if (qemu_strtosz(kv->value, NULL, &n) < 0) {
                error_setg(errp, QERR_INVALID_PARAMETER_VALUE, kv->key,
                           "a number");
                goto fail;
            }
            value = json_integer((json_int_t)n);
        } else {
            value = json_string(kv->value);
        }
        ok = object_property_set(obj, kv->key, value, errp);
        json_decref(value);
        if (!ok) {
            goto fail;
        }
    }
    return MACHINE(obj);

fail:
    object_unparent(obj);
    return NULL;
}

/* Build the accelerator list: -accel / -enable-kvm or -machine accel=. */
static char **accel_list(VLState *s, Error **errp)
{
    const char *macc = machine_kv_get(s, "accel");
    GPtrArray *list = g_ptr_array_new();
    guint i;

    if (macc && s->accels->len) {
        error_setg(errp, "The -accel and \"-machine accel=\" options are "
                   "incompatible");
        g_ptr_array_free(list, TRUE);
        return NULL;
    }
    if (macc) {
        char **parts = g_strsplit(macc, ":", -1);

        for (i = 0; parts[i]; i++) {
            if (*parts[i]) {
                g_ptr_array_add(list, g_strdup(parts[i]));
            }
        }
        g_strfreev(parts);
    }
    for (i = 0; i < s->accels->len; i++) {
        g_ptr_array_add(list, g_strdup(g_ptr_array_index(s->accels, i)));
    }
    if (!list->len) {
        g_ptr_array_add(list, g_strdup(s->qtest_spec ? "qtest" : "kvm"));
    }
    g_ptr_array_add(list, NULL);
    return (char **)g_ptr_array_free(list, FALSE);
}

/*
 * The -accel argument list[@i] came from, or NULL (-machine accel=,
 * -enable-kvm, the default): QEMU reports accelerator errors at the
 * location of their -accel option.
 */
static const char *accel_arg(VLState *s, int i)
{
    if (machine_kv_get(s, "accel") || i >= (int)s->accel_args->len) {
        return NULL;
    }
    return g_ptr_array_index(s->accel_args, i);
}

/* Initialise one accelerator; failures are reported here, as QEMU does. */
static bool try_accelerator(VLState *s, const char *name,
                            ConfidentialGuestSupportClass *cc, bool *use_kvm)
{
    Error *local_err = NULL;

    if (!strcmp(name, "kvm")) {
        /* the confidential guest type chooses the VM type */
        if (kvm_accel_init(cc ? cc->kvm_vm_type : 0, &local_err)) {
            *use_kvm = true;
            return true;
        }
        /*
         * libqtest appends "-accel qtest": a quiet fallback, as QEMU --
         * unless a confidential guest needs KVM: then say why it is not
         * there.
         */
        if (s->qtest_spec && !cc) {
            error_free(local_err);
            return false;
        }
        error_report_err(local_err);
        error_report("failed to initialize %s: %s", name,
                     strerror(kvm_accel_init_errno() ?: EINVAL));
        return false;
    }
    if (!strcmp(name, "qtest")) {
        if (qtest_accel_init(&local_err)) {
            *use_kvm = false;
            return true;
        }
        error_prepend(&local_err, "failed to initialize %s: ", name);
        error_report_err(local_err);
        return false;
    }
    error_report("invalid accelerator %s", name);
    return false;
}

/*
 * Try each accelerator in order, as QEMU: an unknown name or a failed
 * init is reported and the next one tried.  When none works, everything
 * has been reported already: false with *errp unset.
 */
static bool configure_accelerator(VLState *s, MachineState *ms,
                                  bool *use_kvm, Error **errp)
{
    g_auto(GStrv) list = accel_list(s, errp);
    ConfidentialGuestSupportClass *cc =
        ms->cgs ? CONFIDENTIAL_GUEST_SUPPORT_GET_CLASS(ms->cgs) : NULL;
    bool init_failed = false;
    int i;

    if (!list) {
        return false;
    }
    for (i = 0; list[i]; i++) {
        const char *arg = accel_arg(s, i);
        Location loc;
        bool ok;

        if (arg) {
            loc_push_option(&loc, "accel", arg);
        }
        ok = try_accelerator(s, list[i], cc, use_kvm);
        if (arg) {
            loc_pop(&loc);
        }
        if (ok) {
            break;
        }
        init_failed = true;
        if (!list[i + 1]) {
            return false;
        }
    }
    if (init_failed && !s->qtest_spec) {
        error_report("falling back to %s", *use_kvm ? "kvm" : "qtest");
    }
    return true;
}

/*
 * -machine confidential-guest-support=ID (alias memory-encryption=): set
 * once the early objects exist, after which no CGS can be created.
 */
static bool wire_cgs(VLState *s, MachineState *ms, Error **errp)
{
    const char *id = machine_kv_get(s, "confidential-guest-support");

    if (!id) {
        id = machine_kv_get(s, "memory-encryption");
    }
    if (id && *id &&
        !object_property_set_str(OBJECT(ms), "confidential-guest-support",
                                 id, errp)) {
        return false;
    }
    confidential_guest_support_close_creation(true);
    return true;
}

/* After the accelerator: the VM must be able to run this guest. */
static bool cgs_accel_init(MachineState *ms, bool use_kvm, Error **errp)
{
    if (!ms->cgs) {
        return true;
    }
    if (use_kvm && !confidential_guest_kvm_init(ms->cgs, errp)) {
        return false;
    }
    if (!ms->cgs->ready) {
        error_setg(errp, "accelerator does not support confidential guest %s",
                   object_get_typename(OBJECT(ms->cgs)));
        return false;
    }
    return true;
}

static bool parse_run_with(VLState *s, const char *arg, Error **errp)
{
    g_autoptr(KeyValueList) kv = keyval_list_parse(arg, NULL, errp);
    guint i;

    if (!kv) {
        return false;
    }
    for (i = 0; i < kv->items->len; i++) {
        KeyValue *item = g_ptr_array_index(kv->items, i);

        if (!strcmp(item->key, "exit-with-parent")) {
            if (!qemu_parse_bool(item->value, &s->exit_with_parent)) {
                error_setg(errp, "Parameter 'exit-with-parent' expects 'on' "
                           "or 'off'");
                return false;
            }
        } else {
            error_setg(errp, QERR_INVALID_PARAMETER, item->key);
            return false;
        }
    }
    return true;
}

static bool create_chardevs(VLState *s, Error **errp)
{
    guint i;

    for (i = 0; i < s->chardev_args->len; i++) {
        const char *arg = g_ptr_array_index(s->chardev_args, i);
        g_autoptr(KeyValueList) kv = keyval_list_parse(arg, "backend", errp);

        if (!kv || !qemu_chr_new_from_opts(kv, errp)) {
            error_prepend_opt(errp, "chardev", arg);
            return false;
        }
    }
    for (i = 0; i < s->serial_args->len; i++) {
        const char *arg = g_ptr_array_index(s->serial_args, i);
        Chardev *chr = NULL;
        char *label;

        if (strcmp(arg, "none")) {
            label = g_strdup_printf("serial%u", i);
            chr = qemu_chr_new(label, arg, errp);
            g_free(label);
            if (!chr) {
                error_prepend(errp, "could not connect serial device to "
                              "character backend '%s': ", arg);
                error_prepend_opt(errp, "serial", arg);
                return false;
            }
        }
        if (serial_hds_add(chr, errp) < 0) {
            return false;
        }
    }
    return true;
}

static bool create_monitors(VLState *s, Error **errp)
{
    guint i;

    for (i = 0; i < s->mon_args->len; i++) {
        const char *arg = g_ptr_array_index(s->mon_args, i);
        g_autoptr(KeyValueList) kv = keyval_list_parse(arg, "chardev", errp);
        const char *id, *mode;
        Chardev *chr;
        guint j;

        if (!kv) {
            error_prepend_opt(errp, "mon", arg);
            return false;
        }
        for (j = 0; j < kv->items->len; j++) {
            KeyValue *item = g_ptr_array_index(kv->items, j);

            if (strcmp(item->key, "chardev") && strcmp(item->key, "mode") &&
                strcmp(item->key, "pretty") && strcmp(item->key, "id")) {
                error_setg(errp, QERR_INVALID_PARAMETER, item->key);
                error_prepend_opt(errp, "mon", arg);
                return false;
            }
        }
        id = keyval_list_get(kv, "chardev");
        mode = keyval_list_get(kv, "mode");
        if (!id) {
            error_setg(errp, "chardev name not specified");
            error_prepend_opt(errp, "mon", arg);
            return false;
        }
        /* QEMU's default mode is the human monitor. */
        if (mode && strcmp(mode, "control") && strcmp(mode, "readline")) {
            error_setg(errp, "Parameter 'mode' does not accept value '%s'",
                       mode);
            error_prepend_opt(errp, "mon", arg);
            return false;
        }
        chr = qemu_chr_find(id);
        if (!chr) {
            error_setg(errp, "chardev \"%s\" not found", id);
            error_prepend_opt(errp, "mon", arg);
            return false;
        }
        if (mode && !strcmp(mode, "control") ? !monitor_new_qmp(chr, errp)
                                             : !monitor_new_hmp(chr, errp)) {
            return false;
        }
    }
    for (i = 0; i < s->monitor_args->len; i++) {
        const char *arg = g_ptr_array_index(s->monitor_args, i);
        const char *id;
        Chardev *chr;

        if (!strcmp(arg, "none")) {
            continue;
        }
        if ((id = g_str_has_prefix(arg, "chardev:") ? arg + 8 : NULL)) {
            chr = qemu_chr_find(id);
            if (!chr) {
                error_setg(errp, "chardev \"%s\" not found", id);
            }
        } else {
            g_autofree char *label = g_strdup_printf(
                "compat_monitor%u", s->qmp_args->len + i);

            chr = qemu_chr_new(label, arg, errp);
        }
        if (!chr) {
            error_prepend_opt(errp, "monitor", arg);
            return false;
        }
        if (!monitor_new_hmp(chr, errp)) {
            return false;
        }
    }
    for (i = 0; i < s->qmp_args->len; i++) {
        const char *arg = g_ptr_array_index(s->qmp_args, i);
        char *label = g_strdup_printf("compat_monitor%u", i);
        Chardev *chr = qemu_chr_new(label, arg, errp);

        g_free(label);
        if (!chr) {
            error_prepend_opt(errp, "qmp", arg);
            return false;
        }
        if (!monitor_new_qmp(chr, errp)) {
            return false;
        }
    }
    return true;
}

static bool create_devices(VLState *s, MachineState *ms, Error **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    guint i;

    for (i = 0; i < s->device_args->len; i++) {
        const char *arg = g_ptr_array_index(s->device_args, i);
        g_autoptr(KeyValueList) kv = keyval_list_parse(arg, "driver", errp);
        const char *driver;

        if (!kv) {
            error_prepend_opt(errp, "device", arg);
            return false;
        }
        driver = keyval_list_get(kv, "driver");
        if (!driver) {
            error_setg(errp, QERR_MISSING_PARAMETER, "driver");
            error_prepend_opt(errp, "device", arg);
            return false;
        }
        /* The I/O-bus devices of hw/ work on every machine. */
        if (!(mc->device_add ? mc->device_add : microvm_add_device)(ms, kv,
                                                                    errp)) {
            error_prepend_opt(errp, "device", arg);
            return false;
        }
    }
    return true;
}

static const QemuOptionDef *lookup_option(const char *arg)
{
    size_t i;

    if (arg[0] != '-') {
        return NULL;
    }
    arg++;
    if (arg[0] == '-') {
        arg++;      /* --option is accepted like -option */
    }
    for (i = 0; i < ARRAY_SIZE(qemu_options); i++) {
        if (!strcmp(qemu_options[i].name, arg)) {
            return &qemu_options[i];
        }
    }
    return NULL;
}

/*
 * Returns -1 to continue, otherwise the exit status (0 after help or
 * version, 1 on error, already reported).
 */
static int parse_args(VLState *s, int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const QemuOptionDef *o;
        const char *optarg = NULL;
        const char *optname;
        Error *err = NULL;
        int r;

        if (a[0] != '-' || a[1] == '\0') {
            error_report("%s: drive and disk image arguments are not "
                         "supported", a);
            return 1;
        }
        o = lookup_option(a);
        if (!o) {
            error_report("%s: invalid option", a);
            return 1;
        }
        optname = a[1] == '-' ? a + 2 : a + 1;
        if (o->flags & HAS_ARG) {
            if (i + 1 >= argc) {
                error_report("%s: requires an argument", a);
                return 1;
            }
            optarg = argv[++i];
        }

        switch (o->index) {
        case OPT_HELP:
            print_help();
            return 0;
        case OPT_VERSION:
            print_version();
            return 0;
        case OPT_OBJECT:
            r = parse_object(s, optarg, &err);
            if (r > 0) {
                return 0;
            }
            if (r < 0) {
                error_prepend_opt(&err, optname, optarg);
                error_report_err(err);
                return 1;
            }
            break;
        case OPT_BLOCKDEV:
            if (!blockdev_queue_option(optname, optarg, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        case OPT_MACHINE:
            r = parse_machine(s, optarg, &err);
            if (r > 0) {
                return 0;
            }
            if (r < 0) {
                error_prepend_opt(&err, optname, optarg);
                error_report_err(err);
                return 1;
            }
            break;
        case OPT_ACCEL: {
            g_autoptr(KeyValueList) kv = keyval_list_parse(optarg, "accel",
                                                           &err);
            const char *name;
            guint j;

            if (!kv) {
                error_prepend_opt(&err, optname, optarg);
                error_report_err(err);
                return 1;
            }
            name = keyval_list_get(kv, "accel");
            if (kv->help || (name && !strcmp(name, "help"))) {
                printf("Accelerators supported in QEMU binary:\nkvm\n"
                       "qtest\n");
                return 0;
            }
            if (!name) {
                error_report("-%s %s: Parameter 'accel' is missing", optname,
                             optarg);
                return 1;
            }
            for (j = 0; j < kv->items->len; j++) {
                KeyValue *item = g_ptr_array_index(kv->items, j);

                if (strcmp(item->key, "accel")) {
                    error_report("-%s %s: Property '%s-accel.%s' not found",
                                 optname, optarg, name, item->key);
                    return 1;
                }
            }
            g_ptr_array_add(s->accels, g_strdup(name));
            g_ptr_array_add(s->accel_args, g_strdup(optarg));
            break;
        }
        case OPT_ENABLE_KVM:
            g_ptr_array_add(s->accels, g_strdup("kvm"));
            g_ptr_array_add(s->accel_args, NULL);
            break;
        case OPT_M:
            g_free(s->m_arg);
            s->m_arg = g_strdup(optarg);
            break;
        case OPT_SMP:
            g_free(s->smp_arg);
            s->smp_arg = g_strdup(optarg);
            break;
        case OPT_S:
            s->start_paused = true;
            break;
        case OPT_PRECONFIG:
            s->preconfig = true;
            break;
        case OPT_NODEFAULTS:
            s->nodefaults = true;
            break;
        case OPT_DISPLAY:
            if (strcmp(optarg, "none") && !g_str_has_prefix(optarg, "none,")) {
                g_autofree char *type = g_strndup(optarg,
                                                  strcspn(optarg, ","));

                error_report("Display '%s' is not available.", type);
                return 1;
            }
            break;
        case OPT_NOGRAPHIC:
            s->nographic = true;
            break;
        case OPT_SERIAL:
            if (s->serial_args->len >= MAX_SERIAL_PORTS) {
                error_report("-%s %s: too many serial ports", optname,
                             optarg);
                return 1;
            }
            g_ptr_array_add(s->serial_args, g_strdup(optarg));
            break;
        case OPT_CHARDEV:
            g_ptr_array_add(s->chardev_args, g_strdup(optarg));
            break;
        case OPT_MON:
            g_ptr_array_add(s->mon_args, g_strdup(optarg));
            break;
        case OPT_MONITOR:
            g_ptr_array_add(s->monitor_args, g_strdup(optarg));
            break;
        case OPT_QMP:
            g_ptr_array_add(s->qmp_args, g_strdup(optarg));
            break;
        case OPT_QTEST:
            s->qtest_spec = optarg;
            break;
        case OPT_QTEST_LOG:
            s->qtest_log = optarg;
            break;
        case OPT_KERNEL:
            s->kernel = optarg;
            break;
        case OPT_BIOS:
            s->bios = optarg;
            break;
        case OPT_INITRD:
            s->initrd = optarg;
            break;
        case OPT_APPEND:
            s->append = optarg;
            break;
        case OPT_DEVICE:
            if (!strcmp(optarg, "help") || !strcmp(optarg, "?")) {
                const char *const *names = microvm_device_names();

                printf("Misc devices:\n");
                for (; *names; names++) {
                    printf("name \"%s\", bus ISA\n", *names);
                }
                return 0;
            }
            g_ptr_array_add(s->device_args, g_strdup(optarg));
            break;
        case OPT_NO_REBOOT:
            s->no_reboot = true;
            break;
        case OPT_NO_SHUTDOWN:
            s->no_shutdown = true;
            break;
        case OPT_SANDBOX:
            if (!qemu_sandbox_parse(optarg, &err)) {
                error_prepend_opt(&err, optname, optarg);
                error_report_err(err);
                return 1;
            }
            break;
        case OPT_DAEMONIZE:
            error_report("-%s: daemonizing is not supported by qemu-gmem",
                         optname);
            return 1;
        case OPT_NAME: {
            g_autoptr(KeyValueList) kv = keyval_list_parse(optarg, "guest",
                                                           &err);
            guint j;

            if (!kv) {
                error_prepend_opt(&err, optname, optarg);
                error_report_err(err);
                return 1;
            }
            for (j = 0; j < kv->items->len; j++) {
                KeyValue *item = g_ptr_array_index(kv->items, j);

                /* process= names the host thread: nothing to do here. */
                if (strcmp(item->key, "guest") &&
                    strcmp(item->key, "process") &&
                    strcmp(item->key, "debug-threads")) {
                    error_report("-%s %s: Invalid parameter '%s'", optname,
                                 optarg, item->key);
                    return 1;
                }
            }
            s->name = optarg;
            qemu_vm_set_name(keyval_list_get(kv, "guest"));
            break;
        }
        case OPT_UUID:
            if (!qemu_vm_set_uuid(optarg)) {
                error_report("failed to parse UUID string: wrong format");
                return 1;
            }
            break;
        case OPT_CPU:
            if (!strcmp(optarg, "help") || !strcmp(optarg, "?")) {
                x86_cpu_model_print_list();
                return 0;
            }
            if (!x86_cpu_model_parse(optarg, &err)) {
                error_report_err(err);
                return 1;
            }
            break;
        case OPT_RUN_WITH:
            if (!parse_run_with(s, optarg, &err)) {
                error_prepend_opt(&err, optname, optarg);
                error_report_err(err);
                return 1;
            }
            break;
        case OPT_AUDIO:
            if (strcmp(optarg, "none") && strcmp(optarg, "driver=none")) {
                error_report("-%s %s: audio is not supported; only "
                             "'-audio none' is accepted", optname, optarg);
                return 1;
            }
            break;
        case OPT_TRACE:
            warn_report("-%s %s: tracing is not supported, ignored",
                        optname, optarg);
            break;
        }
    }
    return -1;
}

static void vl_state_init(VLState *s)
{
    memset(s, 0, sizeof(*s));
    s->objects = g_ptr_array_new_with_free_func(object_option_free);
    s->machine_kv = g_ptr_array_new_with_free_func(keyvalue_free);
    s->accels = g_ptr_array_new_with_free_func(g_free);
    s->accel_args = g_ptr_array_new_with_free_func(g_free);
    s->chardev_args = g_ptr_array_new_with_free_func(g_free);
    s->mon_args = g_ptr_array_new_with_free_func(g_free);
    s->monitor_args = g_ptr_array_new_with_free_func(g_free);
    s->qmp_args = g_ptr_array_new_with_free_func(g_free);
    s->serial_args = g_ptr_array_new_with_free_func(g_free);
    s->device_args = g_ptr_array_new_with_free_func(g_free);
}

static void vl_state_free(VLState *s)
{
    g_ptr_array_free(s->objects, TRUE);
    g_ptr_array_free(s->machine_kv, TRUE);
    g_ptr_array_free(s->accels, TRUE);
    g_ptr_array_free(s->accel_args, TRUE);
    g_ptr_array_free(s->chardev_args, TRUE);
    g_ptr_array_free(s->mon_args, TRUE);
    g_ptr_array_free(s->monitor_args, TRUE);
    g_ptr_array_free(s->qmp_args, TRUE);
    g_ptr_array_free(s->serial_args, TRUE);
    g_ptr_array_free(s->device_args, TRUE);
    g_free(s->m_arg);
    g_free(s->smp_arg);
}

/* Everything start-up built, in reverse order; safe after a failure. */
static void qemu_cleanup(MachineState *ms, bool cpus_created)
{
    if (cpus_created) {
        /* vCPU threads take the BQL to finish an exit; let them. */
        bql_unlock();
        cpus_destroy();
        bql_lock();
    }
    microvm_devices_cleanup();
    if (ms) {
        if (ms->ram && ms->ram->container) {
            memory_region_del_subregion(ms->ram->container, ms->ram);
        }
        current_machine_set(NULL);
        object_unparent(OBJECT(ms));
    }
    blockdev_close_all_bdrv_states();
    user_creatable_cleanup();
    confidential_guest_support_close_creation(false);
    monitor_cleanup();
    qemu_chr_cleanup();
    if (kvm_enabled()) {
        kvm_accel_cleanup();
    }
}

/* --preconfig: the main loop runs before machine init until x-exit-preconfig. */
static bool preconfig_should_exit(int *status)
{
    if (machine_preconfig_left()) {
        return true;
    }
    return main_loop_should_exit(status);
}

static int qemu_run(VLState *s)
{
    MachineState *ms = NULL;
    bool cpus_created = false;
    bool use_kvm = false;
    Error *err = NULL;
    int status = EXIT_FAILURE;

    if (s->exit_with_parent && prctl(PR_SET_PDEATHSIG, SIGTERM) < 0) {
        error_setg_errno(&err, errno, "failed to set exit-with-parent");
        goto fail;
    }
    if (!runstate_init_signals(&err)) {
        goto fail;
    }
    runstate_set_no_reboot(s->no_reboot);
    runstate_set_no_shutdown(s->no_shutdown);
    runstate_set_qtest_driver(s->qtest_spec != NULL);
    if (!create_objects_pre_sandbox(s, &err) || !qemu_sandbox_apply(&err)) {
        goto fail;
    }
    /* Other threads hand work to the main loop from the start. */
    qemu_context_jobs_init(NULL);
    qemu_main_loop_set_exit_check(main_loop_should_exit);

    memory_init();

    ms = create_machine(s, &err);
    if (!ms) {
        goto fail;
    }
    current_machine_set(ms);
    if (s->m_arg && !parse_memory(s->m_arg, ms, &err)) {
        error_prepend_opt(&err, "m", s->m_arg);
        goto fail;
    }
    if (s->smp_arg) {
        if (!parse_smp(s->smp_arg, ms, &err)) {
            goto fail;
        }
    }
    if ((s->bios && !object_property_set_str(OBJECT(ms), "firmware",
                                              s->bios, &err)) ||
        (s->kernel && !object_property_set_str(OBJECT(ms), "kernel",
                                                s->kernel, &err)) ||
        (s->initrd && !object_property_set_str(OBJECT(ms), "initrd",
                                                s->initrd, &err)) ||
        (s->append && !object_property_set_str(OBJECT(ms), "append",
                                                s->append, &err))) {
        goto fail;
    }
    if (!s->serial_args->len && s->nographic && !s->nodefaults) {
        g_ptr_array_add(s->serial_args, g_strdup("stdio"));
    }

    /* Chardevs, then their users, then connect/listen all at once. */
    if (!create_chardevs(s, &err) || !create_monitors(s, &err)) {
        goto fail;
    }
    if (s->qtest_spec) {
        if (!qtest_server_init(s->qtest_spec, s->qtest_log, &err)) {
            goto fail;
        }
    }
    /* Early objects (e.g. -object qtest) may attach to a chardev too. */
    if (!create_objects(s, false, &err) || !blockdev_open_queued(&err)) {
        goto fail;
    }
    if (!qemu_chr_realize_all(&err)) {
        goto fail;
    }
    monitor_start_io_thread();
    if (!wire_cgs(s, ms, &err)) {
        goto fail;
    }
    kvm_set_irqchip_wanted(ms->smp_cpus > 0);
    if (!configure_accelerator(s, ms, &use_kvm, &err) ||
        !cgs_accel_init(ms, use_kvm, &err)) {
        goto fail;
    }
    if (!create_objects(s, true, &err)) {
        goto fail;
    }
    if (s->preconfig) {
        machine_preconfig_enter();
        qemu_main_loop_set_exit_check(preconfig_should_exit);
        status = qemu_main_loop();
        qemu_main_loop_set_exit_check(main_loop_should_exit);
        if (!machine_preconfig_left()) {
            /* quit or a signal during preconfig */
            vm_shutdown();
            qemu_cleanup(ms, cpus_created);
            return status;
        }
        status = EXIT_FAILURE;
    }
    if (!machine_run_board_init(ms, &err)) {
        goto fail;
    }
    /* a confidential guest's RAM must have become private as mapped */
    if (ms->cgs && use_kvm && !kvm_confidential_check(&err)) {
        goto fail;
    }
    if (!create_devices(s, ms, &err)) {
        goto fail;
    }
    if (use_kvm && ms->smp_cpus) {
        if (!sev_launch_prepare(&err) || !cpus_create(ms->smp_cpus, &err)) {
            goto fail;
        }
        cpus_created = true;
    }
    /* the confidential launch: vCPUs exist, none has run */
    if (!sev_launch(&err)) {
        goto fail;
    }

    machine_set_ready();
    if (!s->start_paused) {
        vm_start();
    }
    status = qemu_main_loop();
    vm_shutdown();
    qemu_cleanup(ms, cpus_created);
    return status;

fail:
    if (err) {
        error_report_err(err);
    }
    qemu_cleanup(ms, cpus_created);
    return EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    VLState s;
    int status;

    error_init(argv[0]);
    module_call_init_qom();
    vl_state_init(&s);

    status = parse_args(&s, argc, argv);
    if (status < 0) {
        bql_lock();
        status = qemu_run(&s);
        bql_unlock();
    }
    vl_state_free(&s);
    fflush(stdout);
    return status;
}
