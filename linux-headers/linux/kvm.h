/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The generic KVM userspace ABI that qemu-gmem uses (guest_memfd, memslots,
 * vCPU run area), written from spec/kvm-guest-memfd-abi.md.  A subset, and
 * self-contained: the distribution's <linux/kvm.h> predates guest_memfd and
 * must never be included next to this file.
 */
#ifndef QEMU_GMEM_LINUX_KVM_H
#define QEMU_GMEM_LINUX_KVM_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include "asm-x86/kvm.h"

#define KVM_API_VERSION 12

#define KVMIO 0xAE

/* ---- /dev/kvm ioctls ---- */
#define KVM_GET_API_VERSION        _IO(KVMIO,   0x00)
#define KVM_CREATE_VM              _IO(KVMIO,   0x01) /* arg: VM type */
#define KVM_GET_MSR_INDEX_LIST     _IOWR(KVMIO, 0x02, struct kvm_msr_list)
#define KVM_CHECK_EXTENSION        _IO(KVMIO,   0x03) /* also on a VM fd */
#define KVM_GET_VCPU_MMAP_SIZE     _IO(KVMIO,   0x04)
#define KVM_GET_SUPPORTED_CPUID    _IOWR(KVMIO, 0x05, struct kvm_cpuid2)

/* ---- VM ioctls ---- */
#define KVM_CREATE_VCPU            _IO(KVMIO,   0x41)
#define KVM_SET_USER_MEMORY_REGION _IOW(KVMIO, 0x46, \
                                        struct kvm_userspace_memory_region)
#define KVM_SET_TSS_ADDR           _IO(KVMIO,   0x47)
#define KVM_SET_IDENTITY_MAP_ADDR  _IOW(KVMIO,  0x48, __u64)
#define KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, \
                                         struct kvm_userspace_memory_region2)
#define KVM_CREATE_IRQCHIP         _IO(KVMIO,   0x60)
#define KVM_IRQ_LINE               _IOW(KVMIO,  0x61, struct kvm_irq_level)
#define KVM_IRQ_LINE_STATUS        _IOWR(KVMIO, 0x67, struct kvm_irq_level)
#define KVM_CREATE_PIT2            _IOW(KVMIO,  0x77, struct kvm_pit_config)
#define KVM_ENABLE_CAP             _IOW(KVMIO,  0xa3, struct kvm_enable_cap)
#define KVM_MEMORY_ENCRYPT_OP      _IOWR(KVMIO, 0xba, unsigned long)
#define KVM_SET_MEMORY_ATTRIBUTES  _IOW(KVMIO,  0xd2, \
                                        struct kvm_memory_attributes)
#define KVM_CREATE_GUEST_MEMFD     _IOWR(KVMIO, 0xd4, \
                                         struct kvm_create_guest_memfd)

/* ---- vCPU ioctls ---- */
#define KVM_RUN                    _IO(KVMIO,   0x80)
#define KVM_GET_REGS               _IOR(KVMIO,  0x81, struct kvm_regs)
#define KVM_SET_REGS               _IOW(KVMIO,  0x82, struct kvm_regs)
#define KVM_GET_SREGS              _IOR(KVMIO,  0x83, struct kvm_sregs)
#define KVM_SET_SREGS              _IOW(KVMIO,  0x84, struct kvm_sregs)
#define KVM_GET_MSRS               _IOWR(KVMIO, 0x88, struct kvm_msrs)
#define KVM_SET_MSRS               _IOW(KVMIO,  0x89, struct kvm_msrs)
#define KVM_GET_FPU                _IOR(KVMIO,  0x8c, struct kvm_fpu)
#define KVM_SET_FPU                _IOW(KVMIO,  0x8d, struct kvm_fpu)
#define KVM_GET_XCRS               _IOR(KVMIO,  0xa6, struct kvm_xcrs)
#define KVM_SET_XCRS               _IOW(KVMIO,  0xa7, struct kvm_xcrs)
#define KVM_GET_LAPIC              _IOR(KVMIO,  0x8e, struct kvm_lapic_state)
#define KVM_SET_LAPIC              _IOW(KVMIO,  0x8f, struct kvm_lapic_state)
#define KVM_SET_CPUID2             _IOW(KVMIO,  0x90, struct kvm_cpuid2)
#define KVM_GET_CPUID2             _IOWR(KVMIO, 0x91, struct kvm_cpuid2)
#define KVM_GET_MP_STATE           _IOR(KVMIO,  0x98, struct kvm_mp_state)
#define KVM_SET_MP_STATE           _IOW(KVMIO,  0x99, struct kvm_mp_state)
#define KVM_PRE_FAULT_MEMORY       _IOWR(KVMIO, 0xd5, \
                                         struct kvm_pre_fault_memory)

/* ---- device attributes (also on /dev/kvm: KVM_X86_GRP_SEV) ---- */
struct kvm_device_attr {
    __u32 flags;
    __u32 group;
    __u64 attr;
    __u64 addr;      /* user pointer to the value */
};
#define KVM_HAS_DEVICE_ATTR        _IOW(KVMIO,  0xe3, struct kvm_device_attr)
#define KVM_GET_DEVICE_ATTR        _IOW(KVMIO,  0xe2, struct kvm_device_attr)

/* ---- capabilities (KVM_CHECK_EXTENSION argument) ---- */
#define KVM_CAP_IRQCHIP                  0
#define KVM_CAP_HLT                      1
#define KVM_CAP_USER_MEMORY              3
#define KVM_CAP_SET_TSS_ADDR             4
#define KVM_CAP_NR_VCPUS                 9
#define KVM_CAP_NR_MEMSLOTS              10
#define KVM_CAP_PIT                      11
#define KVM_CAP_PIT2                     33
#define KVM_CAP_SET_IDENTITY_MAP_ADDR    37
#define KVM_CAP_XCRS                     56
#define KVM_CAP_MAX_VCPUS                66
#define KVM_CAP_READONLY_MEM             81
#define KVM_CAP_IMMEDIATE_EXIT           136
#define KVM_CAP_EXIT_HYPERCALL           201
#define KVM_CAP_USER_MEMORY2             231
#define KVM_CAP_MEMORY_FAULT_INFO        232
#define KVM_CAP_MEMORY_ATTRIBUTES        233
#define KVM_CAP_GUEST_MEMFD              234
#define KVM_CAP_VM_TYPES                 235
#define KVM_CAP_PRE_FAULT_MEMORY         236
#define KVM_CAP_GUEST_MEMFD_FLAGS        244
/*
 * IN-FLIGHT, not in any released kernel: "[PATCH v7 00/42] guest_memfd:
 * In-place conversion support" numbers this cap 249; v8 renumbers it to
 * 250 (KVM_CAP_S390_HPAGE_2G took 249).  Kept in this one place so a
 * rebase onto the merged value is a one-line change.
 */
#define KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES 249

/* ---- memslots ---- */
#define KVM_MEM_LOG_DIRTY_PAGES  (1u << 0)
#define KVM_MEM_READONLY         (1u << 1)
#define KVM_MEM_GUEST_MEMFD      (1u << 2)

struct kvm_userspace_memory_region {
    __u32 slot;
    __u32 flags;
    __u64 guest_phys_addr;
    __u64 memory_size;       /* bytes */
    __u64 userspace_addr;    /* start of the userspace allocated memory */
};

/* 160 bytes; the first five fields match kvm_userspace_memory_region */
struct kvm_userspace_memory_region2 {
    __u32 slot;
    __u32 flags;
    __u64 guest_phys_addr;
    __u64 memory_size;
    __u64 userspace_addr;
    __u64 guest_memfd_offset;
    __u32 guest_memfd;
    __u32 pad1;
    __u64 pad2[14];
};

/* ---- guest_memfd ---- */
#define GUEST_MEMFD_FLAG_MMAP         (1ULL << 0)
#define GUEST_MEMFD_FLAG_INIT_SHARED  (1ULL << 1)

struct kvm_create_guest_memfd {
    __u64 size;
    __u64 flags;
    __u64 reserved[6];
};

/* ---- memory attributes ---- */
#define KVM_MEMORY_ATTRIBUTE_PRIVATE  (1ULL << 3)

struct kvm_memory_attributes {
    __u64 address;
    __u64 size;
    __u64 attributes;
    __u64 flags;
};

/*
 * IN-FLIGHT (v7 and v8 of the in-place conversion series, not merged):
 * issued on a guest_memfd fd, offsets are file offsets.  Shares nr 0xd2
 * with KVM_SET_MEMORY_ATTRIBUTES; direction and size make the code differ.
 */
struct kvm_memory_attributes2 {
    union {
        __u64 address;
        __u64 offset;
    };
    __u64 size;
    __u64 attributes;
    __u64 flags;
    __u64 error_offset;      /* out, written on failure only */
    __u64 reserved[11];
};
#define KVM_SET_MEMORY_ATTRIBUTES2 _IOWR(KVMIO, 0xd2, \
                                         struct kvm_memory_attributes2)

struct kvm_pre_fault_memory {
    __u64 gpa;
    __u64 size;
    __u64 flags;
    __u64 padding[5];
};

/* ---- misc VM / vCPU argument structs ---- */
struct kvm_enable_cap {
    __u32 cap;
    __u32 flags;
    __u64 args[4];
    __u8  pad[64];
};

struct kvm_irq_level {
    union {
        __u32 irq;
        __s32 status;
    };
    __u32 level;
};

#define KVM_MP_STATE_RUNNABLE        0
#define KVM_MP_STATE_UNINITIALIZED   1
#define KVM_MP_STATE_INIT_RECEIVED   2
#define KVM_MP_STATE_HALTED          3
#define KVM_MP_STATE_SIPI_RECEIVED   4
struct kvm_mp_state {
    __u32 mp_state;
};

/* ---- hypercalls forwarded with KVM_CAP_EXIT_HYPERCALL ---- */
#define KVM_HC_MAP_GPA_RANGE              12
#define KVM_MAP_GPA_RANGE_PAGE_SZ_4K      0
#define KVM_MAP_GPA_RANGE_PAGE_SZ_2M      (1 << 0)
#define KVM_MAP_GPA_RANGE_PAGE_SZ_1G      (1 << 1)
#define KVM_MAP_GPA_RANGE_ENC_STAT(n)     ((n) << 4)
#define KVM_MAP_GPA_RANGE_ENCRYPTED       KVM_MAP_GPA_RANGE_ENC_STAT(1)
#define KVM_MAP_GPA_RANGE_DECRYPTED       KVM_MAP_GPA_RANGE_ENC_STAT(0)
#define KVM_EXIT_HYPERCALL_LONG_MODE      (1ULL << 0)

/* ---- the vCPU run area (mmap of the vCPU fd) ---- */
#define KVM_EXIT_UNKNOWN          0
#define KVM_EXIT_EXCEPTION        1
#define KVM_EXIT_IO               2
#define KVM_EXIT_HYPERCALL        3
#define KVM_EXIT_DEBUG            4
#define KVM_EXIT_HLT              5
#define KVM_EXIT_MMIO             6
#define KVM_EXIT_IRQ_WINDOW_OPEN  7
#define KVM_EXIT_SHUTDOWN         8
#define KVM_EXIT_FAIL_ENTRY       9
#define KVM_EXIT_INTR             10
#define KVM_EXIT_NMI              16
#define KVM_EXIT_INTERNAL_ERROR   17
#define KVM_EXIT_SYSTEM_EVENT     24
#define KVM_EXIT_X86_RDMSR        29
#define KVM_EXIT_X86_WRMSR        30
#define KVM_EXIT_MEMORY_FAULT     39

#define KVM_INTERNAL_ERROR_EMULATION              1
#define KVM_INTERNAL_ERROR_SIMUL_EX               2
#define KVM_INTERNAL_ERROR_DELIVERY_EV            3
#define KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON 4

#define KVM_EXIT_IO_IN   0
#define KVM_EXIT_IO_OUT  1

#define KVM_MEMORY_EXIT_FLAG_PRIVATE  (1ULL << 3)

struct kvm_run {
    /* in */
    __u8 request_interrupt_window;
    __u8 immediate_exit;
    __u8 padding1[6];
    /* out */
    __u32 exit_reason;                  /* offset 8 */
    __u8 ready_for_interrupt_injection;
    __u8 if_flag;
    __u16 flags;
    /* in (pre_kvm_run), out (post_kvm_run) */
    __u64 cr8;
    __u64 apic_base;
    union {                             /* offset 32 */
        struct {
            __u64 hardware_exit_reason;
        } hw;
        struct {
            __u64 hardware_entry_failure_reason;
            __u32 cpu;
        } fail_entry;
        struct {
            __u32 exception;
            __u32 error_code;
        } ex;
        struct {
            __u8 direction;
            __u8 size;                  /* bytes */
            __u16 port;
            __u32 count;
            __u64 data_offset;          /* relative to the kvm_run start */
        } io;
        struct {
            __u64 phys_addr;
            __u8  data[8];
            __u32 len;
            __u8  is_write;
        } mmio;
        struct {
            __u64 nr;
            __u64 args[6];
            __u64 ret;
            union {
                __u32 longmode;
                __u64 flags;
            };
        } hypercall;
        struct {
            __u32 suberror;
            __u32 ndata;
            __u64 data[16];
        } internal;
        struct {
            __u32 type;
            __u32 ndata;
            union {
                __u64 flags;
                __u64 data[16];
            };
        } system_event;
        struct {
            __u64 flags;
            __u64 gpa;
            __u64 size;
        } memory_fault;
        char padding[256];
    };
    __u64 kvm_valid_regs;
    __u64 kvm_dirty_regs;
    union {
        char padding[2048];
    } s;
};

#endif
