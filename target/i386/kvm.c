/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The x86 part of the KVM accelerator (the kvm_arch_* hooks): real-mode
 * helper pages, the in-kernel irqchip and PIT, and the CPUID/MSR set-up
 * of each vCPU.
 */
#include "qemu/osdep.h"
#include "linux/kvm.h"
#include "qapi/error.h"
#include "system/cpus.h"
#include "system/kvm.h"
#include "system/kvm_int.h"

/* Where VMX keeps its real-mode helpers: above any RAM microvm maps. */
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ULL
#define KVM_TSS_ADDR          0xfffbd000ULL

int kvm_arch_vm_init(int vm_fd, const KVMCaps *caps, Error **errp)
{
    uint64_t idmap = KVM_IDENTITY_MAP_ADDR;
    int ret;

    /* VMX needs these pages to emulate real mode; others ignore them. */
    if (kvm_check_extension_fd(vm_fd, KVM_CAP_SET_IDENTITY_MAP_ADDR)) {
        ret = kvm_fd_ioctl(vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "KVM_SET_IDENTITY_MAP_ADDR failed");
            return ret;
        }
    }
    if (kvm_check_extension_fd(vm_fd, KVM_CAP_SET_TSS_ADDR)) {
        ret = kvm_fd_ioctl(vm_fd, KVM_SET_TSS_ADDR,
                           (void *)(uintptr_t)KVM_TSS_ADDR);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "KVM_SET_TSS_ADDR failed");
            return ret;
        }
    }
    /* KVM_CAP_EXIT_HYPERCALL: confidential guests only (kvm-convert.c) */
    return 0;
}

bool kvm_arch_irqchip_create(int vm_fd, bool *created, Error **errp)
{
    struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
    int ret;

    *created = false;
    if (!kvm_check_extension_fd(vm_fd, KVM_CAP_IRQCHIP)) {
        return true;
    }
    ret = kvm_fd_ioctl(vm_fd, KVM_CREATE_IRQCHIP, NULL);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Create kernel irqchip failed");
        return false;
    }
    *created = true;
    if (kvm_check_extension_fd(vm_fd, KVM_CAP_PIT2)) {
        ret = kvm_fd_ioctl(vm_fd, KVM_CREATE_PIT2, &pit);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Create kernel PIT failed");
            return false;
        }
    }
    return true;
}

bool kvm_arch_init_vcpu(CPUState *cpu, Error **errp)
{
    return x86_cpu_setup_cpuid(cpu->kvm_fd, cpu->cpu_index, cpus_count(),
                               errp) &&
           x86_cpu_setup_msrs(cpu->kvm_fd, errp);
}

void kvm_arch_dump_vcpu(CPUState *cpu, FILE *f)
{
    x86_cpu_dump_fd(cpu->kvm_fd, f);
}
