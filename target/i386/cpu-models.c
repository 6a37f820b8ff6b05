/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The x86 CPU model names and properties of -cpu, and query-cpu-definitions. */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/option.h"
#include "qapi/qapi-schema.h"
#include "qapi/qapi-commands.h"
#include "hw/i386/cpu-models.h"
#include "linux/kvm.h"

/*
 * A named model is the intersection of its feature words (QEMU's
 * definitions of the same name) with what this host's KVM supports;
 * "host" and "max" are all of the latter.  Without -cpu the guest gets
 * everything KVM supports, as before models existed: our guests and the
 * Linux boot tests rely on it.
 */
typedef struct X86CPUModel {
    const char *name;
    const char *desc;
    bool migration_safe;
    bool is_static;
    bool filter;                   /* false: everything KVM supports */
    uint32_t edx1, ecx1;           /* CPUID.1 */
    uint32_t edx81, ecx81;         /* CPUID.80000001h */
} X86CPUModel;

/* CPUID.1 EDX bits */
#define F_FPU      (1u << 0)
#define F_VME      (1u << 1)
#define F_DE       (1u << 2)
#define F_PSE      (1u << 3)
#define F_TSC      (1u << 4)
#define F_MSR      (1u << 5)
#define F_PAE      (1u << 6)
#define F_MCE      (1u << 7)
#define F_CX8      (1u << 8)
#define F_APIC     (1u << 9)
#define F_SEP      (1u << 11)
#define F_MTRR     (1u << 12)
#define F_PGE      (1u << 13)
#define F_MCA      (1u << 14)
#define F_CMOV     (1u << 15)
#define F_PAT      (1u << 16)
#define F_PSE36    (1u << 17)
#define F_CLFLUSH  (1u << 19)
#define F_MMX      (1u << 23)
#define F_FXSR     (1u << 24)
#define F_SSE      (1u << 25)
#define F_SSE2     (1u << 26)
/* CPUID.1 ECX bits */
#define F_SSE3     (1u << 0)
#define F_CX16     (1u << 13)
#define F_X2APIC   (1u << 21)
/* CPUID.80000001h bits */
#define F_SYSCALL  (1u << 11)
#define F_NX       (1u << 20)
#define F_LM       (1u << 29)
#define F_LAHF_LM  (1u << 0)

#define PPRO (F_FPU | F_DE | F_PSE | F_TSC | F_MSR | F_MCE | F_CX8 | F_PGE | \
              F_CMOV | F_PAT | F_FXSR | F_MMX | F_SSE | F_SSE2 | F_PAE | \
              F_SEP | F_APIC)
#define KVM_PPRO (PPRO | F_VME | F_MTRR | F_CLFLUSH | F_MCA | F_PSE36)

/*
 * Under KVM QEMU turns x2apic on and svm off for every named model, so
 * x2APIC is kept and qemu64's SVM left out.
 */
static const X86CPUModel models[] = {
    { "base", "base CPU model type with no features enabled", true, true,
      true, 0, 0, 0, 0 },
    { "host", "processor with all supported host features", false, false,
      false },
    { "kvm32", "Common 32-bit KVM processor", true, false, true,
      KVM_PPRO, F_SSE3 | F_X2APIC, 0, 0 },
    { "kvm64", "Common KVM processor", true, false, true,
      KVM_PPRO, F_SSE3 | F_CX16 | F_X2APIC, F_LM | F_SYSCALL | F_NX, 0 },
    { "max", "Enables all features supported by the accelerator in the "
      "current host", false, false, false },
    { "qemu32", "QEMU Virtual CPU version 2.5+", true, false, true,
      PPRO, F_SSE3 | F_X2APIC, 0, 0 },
    { "qemu64", "QEMU Virtual CPU version 2.5+", true, false, true,
      PPRO | F_MTRR | F_CLFLUSH | F_MCA | F_PSE36,
      F_SSE3 | F_CX16 | F_X2APIC, F_LM | F_SYSCALL | F_NX, F_LAHF_LM },
};

/* NULL: no -cpu, the guest sees all KVM supports. */
static const X86CPUModel *chosen;
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
    return chosen ? chosen->name : "qemu64";
}

void x86_cpu_model_filter_cpuid(struct kvm_cpuid_entry2 *e, unsigned n)
{
    if (!chosen || !chosen->filter) {
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        switch (e[i].function) {
        case 1:
            e[i].edx &= chosen->edx1;
            e[i].ecx &= chosen->ecx1;
            break;
        case 7:
            /* none of these models has structured extended features */
            e[i].eax = e[i].ebx = e[i].ecx = e[i].edx = 0;
            break;
        case 0x80000001:
            e[i].edx &= chosen->edx81;
            e[i].ecx &= chosen->ecx81;
            break;
        default:
            break;
        }
    }
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
