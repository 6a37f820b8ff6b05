/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the KVM accelerator shared by accel/kvm, system/cpus.c and
 * target/i386/cpu.c, and the hooks its contract tests (test-kvm) use.
 */
#ifndef SYSTEM_KVM_INT_H
#define SYSTEM_KVM_INT_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "system/cpus.h"
#include "system/kvm.h"
#include "system/memory.h"
#include "system/ramblock.h"
#include "hw/i386/x86-cpu.h"
#include <pthread.h>
#include <signal.h>

struct kvm_run;

/* One KVM memslot as registered with KVM_SET_USER_MEMORY_REGION2. */
typedef struct KVMSlot {
    bool used;
    uint32_t id;
    uint32_t flags;                  /* KVM_MEM_* */
    hwaddr start_addr;
    uint64_t memory_size;
    uint64_t userspace_addr;
    int guest_memfd;                 /* -1 when not a gmem slot */
    uint64_t guest_memfd_offset;
    RAMBlock *block;
} KVMSlot;

/*
 * The one seam between the VMM and KVM (DESIGN.md section 5): every
 * system call whose meaning is KVM's goes through these hooks -- opening
 * the device node, every ioctl on /dev/kvm, VM, vCPU and guest_memfd fds,
 * closing them, and fallocate() on a guest_memfd.  The default is the
 * real kernel; tests install a double (tests/kvm-double) before
 * kvm_accel_init().  Each hook returns its result (>= 0) or -errno.
 */
typedef struct KVMOps {
    const char *name;
    int (*open_device)(const char *path, int flags, void *opaque);
    int (*ioctl)(int fd, unsigned long request, void *arg, void *opaque);
    int (*close)(int fd, void *opaque);
    int (*fallocate)(int fd, int mode, uint64_t offset, uint64_t len,
                     void *opaque);
    void *opaque;
} KVMOps;

/* NULL puts the real kernel back.  Only while KVM is not initialised. */
void kvm_set_ops(const KVMOps *ops);
const KVMOps *kvm_get_ops(void);

/* Ioctls through the seam: result, or -errno (EINTR is retried). */
int kvm_fd_ioctl(int fd, unsigned long type, void *arg);
/* Same, EINTR returned: KVM_RUN, where EINTR is how a kick arrives. */
int kvm_fd_ioctl_once(int fd, unsigned long type, void *arg);
/* Close a /dev/kvm, VM or vCPU fd through the seam; 0 or -errno. */
int kvm_fd_close(int fd);
/* KVM_CHECK_EXTENSION on @fd: the value, 0 for "no" and errors alike. */
int64_t kvm_check_extension_fd(int fd, long cap);
/* /dev/kvm and VM ioctls: result, or -errno on failure. */
int kvm_ioctl(unsigned long type, void *arg);
int kvm_vm_ioctl(unsigned long type, void *arg);
int kvm_vcpu_mmap_size(void);
bool kvm_irqchip_in_kernel(void);

/*
 * Memslot plumbing behind the MemoryListener.  @section is a RAM section
 * of address_space_memory.  Adding checks the guest_memfd aliasing rule
 * (spec §5.1) before the ioctl and refuses the slot when it is broken.
 */
bool kvm_memslot_add_section(MemoryRegionSection *section, Error **errp);
bool kvm_memslot_del_section(MemoryRegionSection *section, Error **errp);
/*
 * The aliasing rule on its own: for a slot of @size bytes binding @rb's
 * guest_memfd at @gmem_offset, @hva must map the same pages
 * (block->host + (gmem_offset - block->guest_memfd_offset)), and for
 * RAM_GUEST_MEMFD_SHARED blocks fd and guest_memfd must be the same
 * inode and every VMA of [@hva, @hva + @size) must map that file at the
 * matching offset.
 */
bool kvm_gmem_alias_check(RAMBlock *rb, uint64_t hva, uint64_t size,
                          uint64_t gmem_offset, Error **errp);
/* Slot covering @gpa (copied to *out), false when none. */
bool kvm_memslot_lookup(hwaddr gpa, KVMSlot *out);
unsigned kvm_memslots_used(void);

/* ---- vCPUs (kvm-cpus.c), driven by the threads of system/cpus.c ---- */

typedef struct CPUState {
    unsigned cpu_index;
    pthread_t thread;
    bool thread_started;
    int kvm_fd;
    struct kvm_run *kvm_run;
    /* Protected by qemu_cpus_lock() */
    bool stop;            /* asked to park (paused VM) */
    bool stopped;         /* parked, not in KVM_RUN */
    bool exit_thread;
    bool crashed;         /* guest error reported: parked until reset */
    bool halted;          /* HLT/SHUTDOWN reached userspace: until resume */
    bool idle;            /* no boot state and nothing to wake it */
    bool halt_reported;
    /* vCPU thread only */
    unsigned boot_gen;    /* generation of the boot state applied */
    unsigned reset_epoch; /* machine boot seen (APs without boot state) */
} CPUState;

/* The vCPU of @index, or NULL. */
CPUState *qemu_get_cpu(unsigned index);

/* Create the KVM vCPU, map kvm_run, set CPUID and MSRs. */
bool kvm_init_vcpu(CPUState *cpu, Error **errp);
void kvm_destroy_vcpu(CPUState *cpu);
/*
 * Enter KVM_RUN until something asks the vCPU to park (stop request,
 * userspace HLT, fatal guest error).  Called without the BQL.
 */
void kvm_cpu_exec(CPUState *cpu);

/* The accelerator's operations for system/cpus.c (registered at init). */
extern const AccelOps kvm_accel_ops;

/* system/cpus.c services for the run loop. */
void qemu_cpus_lock(void);
void qemu_cpus_unlock(void);
bool cpu_should_park(CPUState *cpu);
void cpu_kick(CPUState *cpu);
/* A new boot state for @cpu_index: un-park it (crash/halt are over). */
void cpu_boot_state_changed(unsigned cpu_index);
/* Signal used to kick vCPUs out of KVM_RUN. */
#define SIG_IPI SIGUSR1

/*
 * The architecture's part of the accelerator (target/i386/kvm.c).
 * kvm_arch_vm_init(): right after KVM_CREATE_VM and the capability
 * probe (x86: real-mode helper pages).
 * kvm_arch_irqchip_create(): before the first vCPU, after the initial
 * memslots; *created says whether an in-kernel irqchip now exists.
 * kvm_arch_init_vcpu(): after KVM_CREATE_VCPU and the kvm_run mapping.
 */
int kvm_arch_vm_init(int vm_fd, const KVMCaps *caps, Error **errp);
bool kvm_arch_irqchip_create(int vm_fd, bool *created, Error **errp);
bool kvm_arch_init_vcpu(CPUState *cpu, Error **errp);
void kvm_arch_dump_vcpu(CPUState *cpu, FILE *f);

/* target/i386/cpu.c */
/* CPUID table from KVM_GET_SUPPORTED_CPUID, fixed up for @cpu_index. */
bool x86_cpu_setup_cpuid(int vcpu_fd, unsigned cpu_index, unsigned ncpus,
                         Error **errp);
bool x86_cpu_setup_msrs(int vcpu_fd, Error **errp);
bool x86_cpu_put_boot_state(int vcpu_fd, const X86BootState *st,
                            Error **errp);
/*
 * The boot state recorded for @cpu_index and its generation (bumped on
 * every x86_cpu_set_boot_state()); false if none was ever given.
 */
bool x86_cpu_get_boot_state(unsigned cpu_index, X86BootState *st,
                            unsigned *gen);
/* Bumped whenever vCPU 0 gets a boot state, i.e. on every machine boot. */
unsigned x86_cpu_reset_epoch(void);
void x86_cpu_dump_fd(int vcpu_fd, FILE *f);

#endif
