/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The x86 part of the KVM userspace ABI that qemu-gmem uses, written from
 * the layouts in docs (spec/kvm-guest-memfd-abi.md and the kernel's api.rst
 * facts); a subset, self-contained, never mixed with <asm/kvm.h>.
 */
#ifndef QEMU_GMEM_ASM_X86_KVM_H
#define QEMU_GMEM_ASM_X86_KVM_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* VM types: the argument of KVM_CREATE_VM, bit positions of KVM_CAP_VM_TYPES */
#define KVM_X86_DEFAULT_VM          0
#define KVM_X86_SW_PROTECTED_VM     1
#define KVM_X86_SEV_VM              2
#define KVM_X86_SEV_ES_VM           3
#define KVM_X86_SNP_VM              4
#define KVM_X86_TDX_VM              5

#define KVM_NR_INTERRUPTS 256

/* KVM_GET_REGS / KVM_SET_REGS */
struct kvm_regs {
    __u64 rax, rbx, rcx, rdx;
    __u64 rsi, rdi, rsp, rbp;
    __u64 r8,  r9,  r10, r11;
    __u64 r12, r13, r14, r15;
    __u64 rip, rflags;
};

struct kvm_segment {
    __u64 base;
    __u32 limit;
    __u16 selector;
    __u8  type;
    __u8  present, dpl, db, s, l, g, avl;
    __u8  unusable;
    __u8  padding;
};

struct kvm_dtable {
    __u64 base;
    __u16 limit;
    __u16 padding[3];
};

/* KVM_GET_SREGS / KVM_SET_SREGS */
struct kvm_sregs {
    struct kvm_segment cs, ds, es, fs, gs, ss;
    struct kvm_segment tr, ldt;
    struct kvm_dtable gdt, idt;
    __u64 cr0, cr2, cr3, cr4, cr8;
    __u64 efer;
    __u64 apic_base;
    __u64 interrupt_bitmap[(KVM_NR_INTERRUPTS + 63) / 64];
};

/* KVM_GET_FPU / KVM_SET_FPU */
struct kvm_fpu {
    __u8  fpr[8][16];
    __u16 fcw;
    __u16 fsw;
    __u8  ftwx;
    __u8  pad1;
    __u16 last_opcode;
    __u64 last_ip;
    __u64 last_dp;
    __u8  xmm[16][16];
    __u32 mxcsr;
    __u32 pad2;
};

/* KVM_GET_XCRS / KVM_SET_XCRS (KVM_CAP_XCRS): extended control registers */
#define KVM_MAX_XCRS 16
struct kvm_xcr {
    __u32 xcr;
    __u32 reserved;
    __u64 value;
};

struct kvm_xcrs {
    __u32 nr_xcrs;
    __u32 flags;
    struct kvm_xcr xcrs[KVM_MAX_XCRS];
    __u64 padding[16];
};

/* KVM_GET_MSRS / KVM_SET_MSRS (both return the number of MSRs processed) */
struct kvm_msr_entry {
    __u32 index;
    __u32 reserved;
    __u64 data;
};

struct kvm_msrs {
    __u32 nmsrs;
    __u32 pad;
    struct kvm_msr_entry entries[];
};

struct kvm_msr_list {
    __u32 nmsrs;
    __u32 indices[];
};

/* KVM_GET_SUPPORTED_CPUID / KVM_SET_CPUID2 */
#define KVM_CPUID_FLAG_SIGNIFCANT_INDEX  (1 << 0)

struct kvm_cpuid_entry2 {
    __u32 function;
    __u32 index;
    __u32 flags;
    __u32 eax;
    __u32 ebx;
    __u32 ecx;
    __u32 edx;
    __u32 padding[3];
};

struct kvm_cpuid2 {
    __u32 nent;
    __u32 padding;
    struct kvm_cpuid_entry2 entries[];
};

/* KVM_CREATE_PIT2 */
#define KVM_PIT_SPEAKER_DUMMY  1

struct kvm_pit_config {
    __u32 flags;
    __u32 pad[15];
};

/* KVM_GET_LAPIC / KVM_SET_LAPIC */
#define KVM_APIC_REG_SIZE 0x400
struct kvm_lapic_state {
    char regs[KVM_APIC_REG_SIZE];
};

/*
 * ---- SEV / SEV-SNP: KVM_MEMORY_ENCRYPT_OP commands (sev-snp-launch.md) ----
 */
enum sev_cmd_id {
    KVM_SEV_INIT = 0,
    KVM_SEV_ES_INIT,
    KVM_SEV_LAUNCH_START,
    KVM_SEV_LAUNCH_UPDATE_DATA,
    KVM_SEV_LAUNCH_UPDATE_VMSA,
    KVM_SEV_LAUNCH_SECRET,
    KVM_SEV_LAUNCH_MEASURE,
    KVM_SEV_LAUNCH_FINISH,
    KVM_SEV_SEND_START,
    KVM_SEV_SEND_UPDATE_DATA,
    KVM_SEV_SEND_UPDATE_VMSA,
    KVM_SEV_SEND_FINISH,
    KVM_SEV_RECEIVE_START,
    KVM_SEV_RECEIVE_UPDATE_DATA,
    KVM_SEV_RECEIVE_UPDATE_VMSA,
    KVM_SEV_RECEIVE_FINISH,
    KVM_SEV_GUEST_STATUS,
    KVM_SEV_DBG_DECRYPT,
    KVM_SEV_DBG_ENCRYPT,
    KVM_SEV_CERT_EXPORT,
    KVM_SEV_GET_ATTESTATION_REPORT,
    KVM_SEV_SEND_CANCEL,
    KVM_SEV_INIT2,
    KVM_SEV_SNP_LAUNCH_START = 100,
    KVM_SEV_SNP_LAUNCH_UPDATE,
    KVM_SEV_SNP_LAUNCH_FINISH,
    KVM_SEV_NR_MAX,
};

struct kvm_sev_cmd {
    __u32 id;
    __u32 pad0;
    __u64 data;
    __u32 error;
    __u32 sev_fd;
};

struct kvm_sev_init {
    __u64 vmsa_features;
    __u32 flags;
    __u16 ghcb_version;
    __u16 pad1;
    __u32 pad2[8];
};

struct kvm_sev_snp_launch_start {
    __u64 policy;
    __u8  gosvw[16];
    __u16 flags;
    __u8  pad0[6];
    __u64 pad1[4];
};

#define KVM_SEV_SNP_PAGE_TYPE_NORMAL      0x1
#define KVM_SEV_SNP_PAGE_TYPE_ZERO        0x3
#define KVM_SEV_SNP_PAGE_TYPE_UNMEASURED  0x4
#define KVM_SEV_SNP_PAGE_TYPE_SECRETS     0x5
#define KVM_SEV_SNP_PAGE_TYPE_CPUID       0x6

struct kvm_sev_snp_launch_update {
    __u64 gfn_start;
    __u64 uaddr;
    __u64 len;
    __u8  type;
    __u8  pad0;
    __u16 flags;
    __u32 pad1;
    __u64 pad2[4];
};

#define KVM_SEV_SNP_ID_BLOCK_SIZE     96
#define KVM_SEV_SNP_ID_AUTH_SIZE      4096
#define KVM_SEV_SNP_FINISH_DATA_SIZE  32

struct kvm_sev_snp_launch_finish {
    __u64 id_block_uaddr;
    __u64 id_auth_uaddr;
    __u8  id_block_en;
    __u8  auth_key_en;
    __u8  vcek_disabled;
    __u8  host_data[KVM_SEV_SNP_FINISH_DATA_SIZE];
    __u8  pad0[3];
    __u16 flags;
    __u64 pad1[4];
};

/* KVM_GET_DEVICE_ATTR on /dev/kvm: what SEV features KVM can enable */
#define KVM_X86_GRP_SEV            1
#define KVM_X86_SEV_VMSA_FEATURES  0

#endif
