/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A double of /dev/kvm behind the KVMOps seam: the guest_memfd, memslot,
 * attribute and exit ABIs of spec/kvm-guest-memfd-abi.md, per kernel
 * profile, with state readback and fault injection for tests.
 */
#ifndef TESTS_KVM_DOUBLE_H
#define TESTS_KVM_DOUBLE_H

#include "qemu/osdep.h"
#include "linux/kvm.h"
#include "qapi/error.h"
#include "system/kvm_int.h"

/*
 * Which kernel the double is.  The capability values of each profile are
 * the measured facts of the spec (this host's kvm_pvm; the lab's table in
 * spec/kvm-lab.md §4) or the v7 series' documented values.
 */
typedef enum KVMDoubleProfile {
    KVM_DOUBLE_HOST_618,      /* "host-6.18": kvm_pvm, Linux 6.18, type 0 */
    KVM_DOUBLE_LAB_73,        /* "lab-7.3": Linux 7.3 + SW_PROTECTED_VM */
    KVM_DOUBLE_INPLACE_V7,    /* "inplace-v7": vm_memory_attributes=0 */
    KVM_DOUBLE_NR_PROFILES,
} KVMDoubleProfile;

typedef struct KVMDouble KVMDouble;

/* Pseudo request numbers for fault injection and counting. */
#define KVM_DOUBLE_OP_OPEN      0x1ul   /* open_device */
#define KVM_DOUBLE_OP_FALLOCATE 0x2ul   /* fallocate on a guest_memfd */
#define KVM_DOUBLE_OP_CLOSE     0x3ul   /* close through the seam */
/* Any ioctl request, for kvm_double_count(). */
#define KVM_DOUBLE_OP_ANY       0x0ul

/* "host-6.18", "lab-7.3", "inplace-v7"; false if unknown. */
bool kvm_double_profile_parse(const char *name, KVMDoubleProfile *out);
const char *kvm_double_profile_name(KVMDoubleProfile p);
/*
 * KVM_CHECK_EXTENSION(@cap) of the profile, without any double: on
 * /dev/kvm when @vm_type < 0, else on a VM of that type.  The tests'
 * independent facts (test_caps compares the VMM's probe with these).
 */
int64_t kvm_double_profile_cap(KVMDoubleProfile p, int vm_type, long cap);

/*
 * A request by name, for command lines and logs: the ioctl name without
 * "KVM_" ("CREATE_VM", "SET_USER_MEMORY_REGION2", ...) or "OPEN",
 * "FALLOCATE", "CLOSE".  false if unknown.
 */
bool kvm_double_request_parse(const char *name, unsigned long *out);
/*
 * Faults from a string "NAME:NTH:ERRNO[,...]" (ERRNO by name, e.g.
 * "CREATE_VM:1:ENOMEM,FALLOCATE:1:ENOSPC"); false with *errp set.
 */
bool kvm_double_fail_parse(KVMDouble *d, const char *spec, Error **errp);

KVMDouble *kvm_double_new(KVMDoubleProfile p);
/* Closes every fd the double still has open (a leak the test reports). */
void kvm_double_free(KVMDouble *d);
/* The seam table; kvm_double_install() is kvm_set_ops(kvm_double_ops()). */
const KVMOps *kvm_double_ops(KVMDouble *d);
void kvm_double_install(KVMDouble *d);
void kvm_double_uninstall(void);

/* Override a capability answer (VM of @vm_type, or /dev/kvm if < 0). */
void kvm_double_set_cap(KVMDouble *d, int vm_type, long cap, int64_t value);

/*
 * Fault injection: the @nth (1 = next) call of @request from now on
 * fails with -@err, without side effects.  @request is an ioctl number or
 * a KVM_DOUBLE_OP_*.  Several may be queued.
 */
void kvm_double_fail(KVMDouble *d, unsigned long request, unsigned nth,
                     int err);
void kvm_double_clear_faults(KVMDouble *d);
/* Calls of @request so far, failed ones included (OP_ANY: all ioctls). */
unsigned kvm_double_count(KVMDouble *d, unsigned long request);

/*
 * Called on the calling thread before every ioctl (@fd, @request) reaches
 * the double, without the double's lock: lets a test observe or stall
 * the VMM at an exact point (e.g. from the memslot worker).  NULL: none.
 */
typedef void (*KVMDoubleHook)(int fd, unsigned long request, void *opaque);
void kvm_double_set_hook(KVMDouble *d, KVMDoubleHook fn, void *opaque);

/* ---- state readback ---- */

/* Fds the double handed out that are still open (dev, VM, vCPU, gmem). */
unsigned kvm_double_open_fds(KVMDouble *d);
/* The newest VM's fd, or -1. */
int kvm_double_vm_fd(KVMDouble *d);
/* VM-scoped KVM_SET_MEMORY_ATTRIBUTES value of @gpa's page (newest VM). */
uint64_t kvm_double_gpa_attributes(KVMDouble *d, uint64_t gpa);
/*
 * Per-guest_memfd attribute of the page at @offset of @gmem_fd (any fd of
 * that file, dups included): KVM_MEMORY_ATTRIBUTE_PRIVATE or 0; -EBADF if
 * it is no guest_memfd of the double, -EINVAL beyond its size.
 */
int64_t kvm_double_gmem_attributes(KVMDouble *d, int gmem_fd,
                                   uint64_t offset);
/* Creation flags of a guest_memfd, or -EBADF. */
int64_t kvm_double_gmem_flags(KVMDouble *d, int gmem_fd);
/* Memslots of the newest VM, in slot-id order. */
unsigned kvm_double_nr_slots(KVMDouble *d);
bool kvm_double_get_slot(KVMDouble *d, unsigned i,
                         struct kvm_userspace_memory_region2 *out);
/* Mask enabled with KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL). */
uint64_t kvm_double_hypercalls_enabled(KVMDouble *d);
bool kvm_double_irqchip_created(KVMDouble *d);
unsigned kvm_double_nr_vcpus(KVMDouble *d);

/*
 * A page of a guest_memfd held by someone (GUP, VFIO): converting it to
 * private fails with EAGAIN and error_offset = its offset (spec §10.3).
 */
void kvm_double_gmem_pin(KVMDouble *d, int gmem_fd, uint64_t offset,
                         bool pinned);

/* ---- scripted KVM_RUN ---- */

/*
 * Exits vCPU @index returns from its next KVM_RUNs, in order; with none
 * queued KVM_RUN exits with KVM_EXIT_HLT.  A memory fault is delivered as
 * the kernel does: -EFAULT with exit_reason KVM_EXIT_MEMORY_FAULT.
 */
void kvm_double_queue_memory_fault(KVMDouble *d, unsigned index,
                                   uint64_t gpa, uint64_t size,
                                   bool to_private);
void kvm_double_queue_hypercall(KVMDouble *d, unsigned index, uint64_t nr,
                                uint64_t a0, uint64_t a1, uint64_t a2);
void kvm_double_queue_hlt(KVMDouble *d, unsigned index);
/*
 * hypercall.ret the VMM left for the last completed hypercall of vCPU
 * @index (read at its next KVM_RUN); false if none was completed.
 */
bool kvm_double_hypercall_ret(KVMDouble *d, unsigned index, int64_t *ret);
/* KVM_RUN calls of vCPU @index that returned an exit (not EINTR). */
unsigned kvm_double_vcpu_runs(KVMDouble *d, unsigned index);

#endif
