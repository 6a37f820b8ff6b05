/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The x86 CPU model names and properties of -cpu, and query-cpu-definitions. */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/option.h"
#include "qapi/qapi-schema.h"
#include "qapi/qapi-commands.h"
#include "hw/i386/cpu-models.h"

/*
 * The guest's CPUID is always what this host's KVM supports (see cpu.c);
 * a model name selects no feature subset yet, which is why only the
 * host-following models are reported as not migration-safe.
 */
typedef struct X86CPUModel {
    const char *name;
    const char *desc;
    bool migration_safe;
    bool is_static;
} X86CPUModel;

static const X86CPUModel models[] = {
    { "base", "base CPU model type with no features enabled", true, true },
    { "host", "processor with all supported host features", false, false },
    { "kvm32", "Common 32-bit KVM processor", true, false },
    { "kvm64", "Common KVM processor", true, false },
    { "max", "Enables all features supported by the accelerator in the "
      "current host", false, false },
    { "qemu32", "QEMU Virtual CPU version 2.5+", true, false },
    { "qemu64", "QEMU Virtual CPU version 2.5+", true, false },
};

static const X86CPUModel *chosen = &models[6];
static bool apic_id_given;
static uint32_t apic_id;

static const X86CPUModel *find_model(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        if (!strcmp(models[i].name, name)) {
            return &models[i];
        }
    }
    return NULL;
}

bool x86_cpu_model_parse(const char *arg, Error **errp)
{
    g_autoptr(KeyValueList) kv = keyval_list_parse(arg, "model", errp);
    const X86CPUModel *m;
    const char *name;

    if (!kv) {
        return false;
    }
    name = keyval_list_get(kv, "model");
    if (!name) {
        error_setg(errp, "Parameter 'model' is missing");
        return false;
    }
    m = find_model(name);
    if (!m) {
        error_setg(errp, "unable to find CPU model '%s'", name);
        return false;
    }
    for (guint i = 0; i < kv->items->len; i++) {
        KeyValue *item = g_ptr_array_index(kv->items, i);
        uint64_t v;

        if (!strcmp(item->key, "model")) {
            continue;
        }
        if (strcmp(item->key, "apic-id")) {
            error_setg(errp, "Property '%s" X86_CPU_TYPE_SUFFIX ".%s' not "
                       "found", m->name, item->key);
            return false;
        }
        if (qemu_strtou64(item->value, NULL, 0, &v) < 0 || v > UINT32_MAX) {
            error_setg(errp, "Parameter 'apic-id' expects uint32_t");
            return false;
        }
        apic_id = v;
        apic_id_given = true;
    }
    chosen = m;
    return true;
}

const char *x86_cpu_model_name(void)
{
    return chosen->name;
}

bool x86_cpu_model_apic_id(uint32_t *id)
{
    *id = apic_id;
    return apic_id_given;
}

void x86_cpu_model_print_list(void)
{
    printf("Available CPUs:\n");
    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        printf("  %-14s %s\n", models[i].name, models[i].desc);
    }
}

void qmp_query_cpu_definitions(json_t *args, json_t **ret, Error **errp)
{
    json_t *list = json_array();

    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        g_autofree char *type = g_strconcat(models[i].name,
                                            X86_CPU_TYPE_SUFFIX, NULL);

        json_array_append_new(list, json_pack(
            "{s:s,s:b,s:b,s:s,s:b}", "name", models[i].name,
            "migration-safe", models[i].migration_safe,
            "static", models[i].is_static, "typename", type,
            "deprecated", false));
    }
    *ret = list;
}
