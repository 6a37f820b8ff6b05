/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM vCPU: creation, and the KVM_RUN loop that turns exits into
 * device accesses, conversions, resets and guest errors.
 */
#include "qemu/osdep.h"
#include "linux/kvm.h"
#include "qapi/error.h"
#include "qemu/main-loop.h"
#include "system/kvm.h"
#include "system/kvm_int.h"
#include "system/cpus.h"
#include "system/memory.h"
#include "system/runstate.h"
#include "hw/i386/x86-cpu.h"

#define X86_EFLAGS_IF (1ULL << 9)


bool kvm_init_vcpu(CPUState *cpu, Error **errp)
{
    Error *local_err = NULL;
    int mmap_size = kvm_vcpu_mmap_size();
    int ret;
    void *run;

    cpu->kvm_fd = -1;
    ret = kvm_vm_ioctl(KVM_CREATE_VCPU, (void *)(uintptr_t)cpu->cpu_index);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "kvm_init_vcpu: kvm_create_vcpu failed "
                         "(%u)", cpu->cpu_index);
        return false;
    }
    cpu->kvm_fd = ret;
    run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
               cpu->kvm_fd, 0);
    if (run == MAP_FAILED) {
        error_setg_errno(errp, errno, "mmap'ing vcpu state failed");
        goto fail;
    }
    if (!kvm_arch_init_vcpu(cpu, &local_err)) {
        error_propagate(errp, local_err);
        munmap(run, mmap_size);
        goto fail;
    }
    /*
     * Published only now and under the CPU lock: cpu_kick() writes
     * immediate_exit through it from other threads, so it must never
     * see a mapping that a failed set-up is about to unmap.
     */
    qemu_cpus_lock();
    cpu->kvm_run = run;
    qemu_cpus_unlock();
    return true;

fail:
    kvm_destroy_vcpu(cpu);
    return false;
}

void kvm_destroy_vcpu(CPUState *cpu)
{
    struct kvm_run *run;

    qemu_cpus_lock();
    run = cpu->kvm_run;
    cpu->kvm_run = NULL;
    qemu_cpus_unlock();
    if (run) {
        munmap(run, kvm_vcpu_mmap_size());
    }
    if (cpu->kvm_fd >= 0) {
        kvm_fd_close(cpu->kvm_fd);
        cpu->kvm_fd = -1;
    }
}

static void cpu_set_flag(CPUState *cpu, bool *flag)
{
    qemu_cpus_lock();
    *flag = true;
    qemu_cpus_unlock();
}

static void cpu_guest_error_dump(CPUState *cpu)
{
    fprintf(stderr, "vCPU %u registers:\n", cpu->cpu_index);
    kvm_arch_dump_vcpu(cpu, stderr);
}

/* Picks up a boot state given since the last run; false = keep parked. */
static bool kvm_cpu_prepare(CPUState *cpu)
{
    X86BootState st;
    unsigned gen;
    Error *err = NULL;

    if (!x86_cpu_get_boot_state(cpu->cpu_index, &st, &gen)) {
        if (kvm_irqchip_in_kernel()) {
            unsigned epoch = x86_cpu_reset_epoch();

            if (epoch != cpu->reset_epoch) {
                /* the machine rebooted: an AP the guest had started goes
                 * back to waiting for INIT/SIPI */
                struct kvm_mp_state mp = {
                    .mp_state = KVM_MP_STATE_UNINITIALIZED,
                };

                int r = kvm_fd_ioctl(cpu->kvm_fd, KVM_SET_MP_STATE, &mp);

                if (r < 0) {
                    warn_report("vCPU %u: cannot put it back to wait for "
                                "SIPI: %s", cpu->cpu_index, strerror(-r));
                }
                cpu->reset_epoch = epoch;
            }
            return true;         /* an AP waiting in the kernel for SIPI */
        }
        /* Without an irqchip nothing could ever start it. */
        cpu_set_flag(cpu, &cpu->idle);
        return false;
    }
    if (gen != cpu->boot_gen) {
        if (!x86_cpu_put_boot_state(cpu->kvm_fd, &st, &err)) {
            error_prepend(&err, "vCPU %u: ", cpu->cpu_index);
            qemu_system_guest_error("%s", error_get_pretty(err));
            error_free(err);
            cpu_set_flag(cpu, &cpu->crashed);
            return false;
        }
        cpu->boot_gen = gen;
    }
    return true;
}

static void handle_io(struct kvm_run *run)
{
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    unsigned size = run->io.size;

    bql_lock();
    for (uint32_t i = 0; i < run->io.count; i++, data += size) {
        uint64_t val = 0;

        if (run->io.direction == KVM_EXIT_IO_OUT) {
            memcpy(&val, data, size);          /* x86: little endian */
            cpu_io_write(run->io.port, val, size);
        } else {
            val = cpu_io_read(run->io.port, size);
            memcpy(data, &val, size);
        }
    }
    bql_unlock();
}

static void handle_mmio(struct kvm_run *run)
{
    unsigned len = MIN(run->mmio.len, sizeof(run->mmio.data));

    bql_lock();
    if (run->mmio.is_write) {
        address_space_write(&address_space_memory, run->mmio.phys_addr,
                            run->mmio.data, len);
    } else {
        address_space_read(&address_space_memory, run->mmio.phys_addr,
                           run->mmio.data, len);
    }
    bql_unlock();
}

static void handle_hypercall(struct kvm_run *run)
{
    uint64_t gpa = run->hypercall.args[0];
    uint64_t npages = run->hypercall.args[1];
    uint64_t attrs = run->hypercall.args[2];
    int ret;

    if (run->hypercall.nr != KVM_HC_MAP_GPA_RANGE) {
        run->hypercall.ret = -ENOSYS;
        return;
    }
    /* bits 63:5 are reserved; the page count must not wrap the range */
    if ((attrs & ~0x1fULL) || npages > (UINT64_MAX - gpa) / 4096) {
        run->hypercall.ret = -EINVAL;
        return;
    }
    /* takes the BQL itself, for bounded time */
    ret = kvm_convert_guest_request(gpa, npages * 4096,
                                    attrs & KVM_MAP_GPA_RANGE_ENCRYPTED,
                                    "KVM_HC_MAP_GPA_RANGE");
    run->hypercall.ret = ret;
}

static void handle_hlt(CPUState *cpu)
{
    struct kvm_regs regs;
    bool report = false;

    /* Interrupts off and no irqchip: only a reset or resume can help. */
    if (!kvm_irqchip_in_kernel() &&
        kvm_fd_ioctl(cpu->kvm_fd, KVM_GET_REGS, &regs) == 0 &&
        !(regs.rflags & X86_EFLAGS_IF)) {
        qemu_cpus_lock();
        report = !cpu->halt_reported;
        cpu->halt_reported = true;
        qemu_cpus_unlock();
    }
    if (report) {
        info_report("vCPU %u halted", cpu->cpu_index);
    }
    cpu_set_flag(cpu, &cpu->halted);
}

/* true: keep running; false: the vCPU parks */
static bool handle_exit(CPUState *cpu)
{
    struct kvm_run *run = cpu->kvm_run;

    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        handle_io(run);
        return true;
    case KVM_EXIT_MMIO:
        handle_mmio(run);
        return true;
    case KVM_EXIT_HYPERCALL:
        handle_hypercall(run);
        return true;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
        return true;
    case KVM_EXIT_HLT:
        handle_hlt(cpu);
        return false;
    case KVM_EXIT_SHUTDOWN:
        cpu_guest_error_dump(cpu);
        if (runstate_get_no_reboot()) {
            /* issue 4: with -no-reboot a triple fault ends the VM as an
             * error, unlike a reset the guest asked for */
            qemu_system_guest_error("vCPU %u: triple fault "
                                    "(KVM_EXIT_SHUTDOWN)", cpu->cpu_index);
            cpu_set_flag(cpu, &cpu->crashed);
            return false;
        }
        warn_report("vCPU %u: triple fault (KVM_EXIT_SHUTDOWN), "
                    "resetting the guest", cpu->cpu_index);
        qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        cpu_set_flag(cpu, &cpu->halted);
        return false;
    case KVM_EXIT_SYSTEM_EVENT:
        if (run->system_event.type == 2) {
            qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        } else {
            qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
        }
        cpu_set_flag(cpu, &cpu->halted);
        return false;
    case KVM_EXIT_INTERNAL_ERROR:
        if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION) {
            fprintf(stderr, "emulation failure\n");
        }
        for (uint32_t i = 0; i < MIN(run->internal.ndata, 16u); i++) {
            fprintf(stderr, "extra data[%u]: 0x%016llx\n", i,
                    run->internal.data[i]);
        }
        cpu_guest_error_dump(cpu);
        qemu_system_guest_error("KVM internal error. Suberror: %d",
                                run->internal.suberror);
        cpu_set_flag(cpu, &cpu->crashed);
        return false;
    case KVM_EXIT_FAIL_ENTRY:
        cpu_guest_error_dump(cpu);
        qemu_system_guest_error("KVM: entry failed, hardware error 0x%llx",
                                run->fail_entry.hardware_entry_failure_reason);
        cpu_set_flag(cpu, &cpu->crashed);
        return false;
    default:
        cpu_guest_error_dump(cpu);
        qemu_system_guest_error("KVM: unhandled exit reason %u",
                                run->exit_reason);
        cpu_set_flag(cpu, &cpu->crashed);
        return false;
    }
}

static bool handle_memory_fault(CPUState *cpu)
{
    struct kvm_run *run = cpu->kvm_run;
    bool to_private = run->memory_fault.flags & KVM_MEMORY_EXIT_FLAG_PRIVATE;
    int ret;

    ret = kvm_convert_guest_request(run->memory_fault.gpa,
                                    run->memory_fault.size, to_private,
                                    "KVM_EXIT_MEMORY_FAULT");
    if (ret < 0) {
        qemu_system_guest_error("KVM: failed to convert memory fault at "
                                "0x%llx (+0x%llx) to %s: %s",
                                run->memory_fault.gpa, run->memory_fault.size,
                                to_private ? "private" : "shared",
                                strerror(-ret));
        cpu_set_flag(cpu, &cpu->crashed);
        return false;
    }
    return true;
}

void kvm_cpu_exec(CPUState *cpu)
{
    struct kvm_run *run = cpu->kvm_run;

    while (!cpu_should_park(cpu)) {
        int ret;

        if (!kvm_cpu_prepare(cpu)) {
            return;
        }
        /* not retried on EINTR: that is how a kick gets us out */
        ret = kvm_fd_ioctl_once(cpu->kvm_fd, KVM_RUN, NULL);
        /* cpu_kick() sets it from other threads */
        __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_RELAXED);
        if (ret < 0) {
            int err = -ret;

            if (err == EINTR || err == EAGAIN) {
                continue;               /* a kick: re-check the flags */
            }
            if ((err == EFAULT || err == EHWPOISON) &&
                run->exit_reason == KVM_EXIT_MEMORY_FAULT) {
                if (!handle_memory_fault(cpu)) {
                    return;
                }
                continue;
            }
            cpu_guest_error_dump(cpu);
            qemu_system_guest_error("error: kvm run failed %s",
                                    strerror(err));
            cpu_set_flag(cpu, &cpu->crashed);
            return;
        }
        if (!handle_exit(cpu)) {
            return;
        }
    }
}

static unsigned kvm_max_vcpus(void)
{
    return kvm_get_caps()->max_vcpus;
}

/* The vCPU thread clears immediate_exit after KVM_RUN: hence atomic. */
static void kvm_kick_vcpu(CPUState *cpu)
{
    if (cpu->kvm_run) {
        __atomic_store_n(&cpu->kvm_run->immediate_exit, 1, __ATOMIC_RELAXED);
    }
}

const AccelOps kvm_accel_ops = {
    .name = "kvm",
    .max_vcpus = kvm_max_vcpus,
    .vcpus_pending = kvm_memslots_pending,
    .vcpus_ready = kvm_memslots_check,
    .init_vcpu = kvm_init_vcpu,
    .destroy_vcpu = kvm_destroy_vcpu,
    .cpu_exec = kvm_cpu_exec,
    .kick_vcpu = kvm_kick_vcpu,
};
