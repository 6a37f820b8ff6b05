/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVM accelerator: the only code that opens /dev/kvm.  Capabilities are
 * probed once, at accelerator init, into one struct.
 */
#ifndef SYSTEM_KVM_H
#define SYSTEM_KVM_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "system/confidential-guest-support.h"

typedef struct KVMCaps {
    int api_version;
    uint64_t vm_types;               /* KVM_CAP_VM_TYPES bitmask */
    int vm_type;                     /* type the VM was created with */
    bool user_memory2;               /* KVM_CAP_USER_MEMORY2 */
    bool memory_fault_info;          /* KVM_CAP_MEMORY_FAULT_INFO */
    uint64_t memory_attributes;      /* KVM_CAP_MEMORY_ATTRIBUTES (VM fd) */
    bool guest_memfd;                /* KVM_CAP_GUEST_MEMFD (VM fd) */
    uint64_t guest_memfd_flags;      /* KVM_CAP_GUEST_MEMFD_FLAGS (VM fd) */
    uint64_t gmem_memory_attributes; /* KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES */
    bool pre_fault_memory;           /* KVM_CAP_PRE_FAULT_MEMORY */
    uint64_t exit_hypercall;         /* KVM_CAP_EXIT_HYPERCALL mask */
    int nr_memslots;                 /* KVM_CAP_NR_MEMSLOTS */
    int max_vcpus;                   /* KVM_CAP_MAX_VCPUS */
    bool irqchip;                    /* KVM_CAP_IRQCHIP */
} KVMCaps;

/* True once the KVM accelerator is initialised. */
bool kvm_enabled(void);
const KVMCaps *kvm_get_caps(void);
int kvm_get_vm_fd(void);

/*
 * Open the KVM device node (env QEMU_KVM_DEVICE overrides /dev/kvm for
 * tests), check the API version, create the VM of @vm_type, probe caps.
 * Errors name what is missing ("Could not access KVM kernel module: ...",
 * "KVM VM type %d is not supported by this host (KVM_CAP_VM_TYPES=0x..)").
 */
bool kvm_accel_init(int vm_type, Error **errp);
/*
 * Before kvm_accel_init(): whether to create the in-kernel irqchip and PIT
 * (default true).  A machine that will never run a vCPU skips them: they
 * cost milliseconds of start-up in the kernel.
 */
void kvm_set_irqchip_wanted(bool wanted);
void kvm_accel_cleanup(void);

/*
 * KVM_CREATE_GUEST_MEMFD.  Not KVM -> "guest-memfd requires KVM
 * accelerator"; no cap -> "KVM does not support guest_memfd"; a flag not in
 * KVM_CAP_GUEST_MEMFD_FLAGS -> "Current KVM instance does not support
 * guest-memfd flag: 0x%x" with a hint naming KVM_CAP_GUEST_MEMFD_FLAGS and
 * Linux 6.18; ioctl failure -> "Error creating KVM guest_memfd: <errno>".
 * Returns fd >= 0, or < 0 with *errp set.
 */
int kvm_create_guest_memfd(uint64_t size, uint64_t flags, Error **errp);

/*
 * fallocate() on a guest_memfd, through the KVM seam (a double of the
 * kernel checks the modes guest_memfd accepts): 0 or -errno, EINTR
 * retried.  physmem punches holes with it; util's preallocation gets it
 * through qemu_prealloc_set_gmem_fallocate() at kvm_accel_init().
 */
int kvm_gmem_fallocate(int fd, int mode, uint64_t offset, uint64_t len);

/*
 * Shared/private conversion (accel/kvm/kvm-convert.c), the one entry
 * point for KVM_EXIT_MEMORY_FAULT, the KVM_HC_MAP_GPA_RANGE exit and the
 * loader/launch.  [start, start+size) must be host-page aligned; each
 * section is handled by its RAMBlock's model (in-place: per-guest_memfd
 * KVM_SET_MEMORY_ATTRIBUTES2, legacy: VM-wide KVM_SET_MEMORY_ATTRIBUTES
 * then discard of the stale copy); holes and MMIO may become shared (a
 * no-op) but not private.  A request that cannot be done whole is refused
 * before anything changes.  0 or -errno with *errp set; on a kernel
 * failure midway, what the kernel accepted stays converted and the
 * shared/private map says so.
 */
int kvm_convert_memory(hwaddr start, hwaddr size, bool to_private,
                       Error **errp);
/*
 * The same for a request from the guest (@origin names the exit), called
 * from a vCPU thread without the BQL: it takes the BQL for the one
 * conversion only.  Errors are reported (the first few only; a guest may
 * repeat them forever) and returned for the guest to see.
 */
int kvm_convert_guest_request(hwaddr start, hwaddr size, bool to_private,
                              const char *origin);
/*
 * After kvm_accel_init() for a confidential guest: check the kernel
 * offers what @model needs (in-place: KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES
 * with PRIVATE, i.e. vm_memory_attributes=0; legacy:
 * KVM_CAP_MEMORY_ATTRIBUTES with PRIVATE), enable KVM_CAP_EXIT_HYPERCALL
 * for KVM_HC_MAP_GPA_RANGE, and (legacy) make RAM private as it is mapped.
 */
bool kvm_confidential_setup(ConfidentialMemoryModel model, Error **errp);
/* Whether making RAM private at start-up worked (after machine init). */
bool kvm_confidential_check(Error **errp);
void kvm_confidential_cleanup(void);
ConfidentialMemoryModel kvm_confidential_model(void);

/* Wait until the memslot worker's start-up slots are registered. */
void kvm_memslots_sync(void);

/*
 * errno of the last failed kvm_accel_init() (0 if none): QEMU prints
 * "failed to initialize kvm: <strerror(errno)>" after the cause.
 */
int kvm_accel_init_errno(void);

/*
 * The memory listener cannot fail; the first memslot refused by the
 * aliasing check or by the kernel is kept and reported here (then
 * cleared).
 *
 * The RAM of the first memory transaction after kvm_accel_init() (the
 * machine's) is registered by a worker thread, followed by the irqchip
 * (kvm_set_irqchip_wanted()), so that start-up does not wait for the
 * kernel.  kvm_memslots_check() is the sync point: it waits for that work
 * (or does it, if no worker was started), and it returns the worker's
 * error.  Call it before the first vCPU is created; cpus_create() does.
 * Every later memslot change, lookup and cleanup syncs first.  A machine
 * without vCPUs (kvm_set_irqchip_wanted(false)) has nobody to ask: the
 * worker reports its error and requests exit(EXIT_FAILURE) itself.
 */
bool kvm_memslots_check(Error **errp);
/* True while the memslot worker runs (kvm_memslots_check() would wait). */
bool kvm_memslots_pending(void);

/* Drive GSI @irq of the in-kernel irqchip; 0 or -errno. */
int kvm_set_irq(int irq, int level);

#endif
