/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 vCPU boot state handed from the machine to the accelerator, plus the
 * CPUID/MSR set-up and register dump the KVM vCPU code uses.
 */
#ifndef HW_I386_X86_CPU_H
#define HW_I386_X86_CPU_H

#include "qemu/osdep.h"
#include "qapi/error.h"

/*
 * Register state a vCPU starts from, chosen by the machine (the VMM enters
 * the guest directly, there is no firmware).  Segment descriptors are
 * derived: @cs is flat 64-bit code when @long_mode, otherwise a real-mode
 * segment with base cs << 4; @ds (also used for es/fs/gs/ss) is flat data
 * in long mode, a real-mode segment otherwise.
 */
typedef struct X86BootState {
    bool long_mode;
    uint64_t rip, rsp, rsi, rdi, rbx, rflags;
    uint64_t cr0, cr3, cr4, efer;
    uint64_t gdt_base;
    uint16_t gdt_limit;
    uint16_t cs, ds;
    /* real mode: a nonzero base replaces cs << 4 (the reset vector) */
    uint64_t cs_base;
} X86BootState;

/*
 * Record the state vCPU @cpu_index starts from.  May be called before the
 * vCPUs exist (machine init) and again on reset while they are paused; the
 * state is applied before the vCPU's next KVM_RUN.  A vCPU that never gets
 * a boot state waits for INIT/SIPI (in-kernel irqchip) or stays parked.
 */
void x86_cpu_set_boot_state(unsigned cpu_index, const X86BootState *st);

/* QEMU-style "RAX=... RBX=..." dump of a vCPU's registers. */
void x86_cpu_dump_state(unsigned cpu_index, FILE *f);

#endif
