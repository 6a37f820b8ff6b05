/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The x86 CPU models and properties of -cpu, and query-cpu-definitions. */
#ifndef HW_I386_CPU_MODELS_H
#define HW_I386_CPU_MODELS_H

#include "qemu/osdep.h"
#include "qapi/error.h"

#define X86_CPU_TYPE_SUFFIX "-x86_64-cpu"
#define X86_CPU_TYPE_NAME(name) (name X86_CPU_TYPE_SUFFIX)

/*
 * Parse "-cpu MODEL[,prop=value...]" and remember it for the machine.
 * Errors as QEMU words them: "unable to find CPU model 'foo'",
 * "Property 'qemu64-x86_64-cpu.foo' not found", bad values.
 */
bool x86_cpu_model_parse(const char *arg, Error **errp);
/* The chosen model ("qemu64" without -cpu). */
const char *x86_cpu_model_name(void);
/* apic-id= given with -cpu; false when it was not. */
bool x86_cpu_model_apic_id(uint32_t *apic_id);
/*
 * The hook x86_cpu_setup_cpuid() calls on a copy of KVM's supported CPUID
 * before its own fix-ups: keeps of CPUID.1, 7 and 80000001h only what the
 * chosen named model has (nothing changes for host, max or no -cpu).
 */
struct kvm_cpuid_entry2;
void x86_cpu_model_filter_cpuid(struct kvm_cpuid_entry2 *entries,
                                unsigned n);
/* "-cpu help": the model list as QEMU prints it. */
void x86_cpu_model_print_list(void);

#endif
