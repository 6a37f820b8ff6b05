/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 vCPU set-up for KVM: CPUID from KVM_GET_SUPPORTED_CPUID fixed up per
 * vCPU, a sane MSR set, the boot state the machine chose, register dumps.
 */
#include "qemu/osdep.h"
#include "sev.h"
#include "linux/kvm.h"
#include "qapi/error.h"
#include "system/kvm.h"
#include "system/kvm_int.h"
#include "hw/i386/x86-cpu.h"
#include "hw/i386/cpu-models.h"

#define MAX_BOOT_CPUS 1024

/* CPUID bits we edit */
#define CPUID_1_EDX_APIC      (1u << 9)
#define CPUID_1_EDX_HTT       (1u << 28)
#define CPUID_1_ECX_X2APIC    (1u << 21)
#define CPUID_1_ECX_TSC_DL    (1u << 24)
#define CPUID_1_ECX_XSAVE     (1u << 26)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

/* MSRs */
#define MSR_IA32_SYSENTER_CS   0x174
#define MSR_IA32_SYSENTER_ESP  0x175
#define MSR_IA32_SYSENTER_EIP  0x176
#define MSR_IA32_MISC_ENABLE   0x1a0
#define MSR_MTRR_DEF_TYPE      0x2ff
#define MSR_STAR               0xc0000081
#define MSR_LSTAR              0xc0000082
#define MSR_CSTAR              0xc0000083
#define MSR_FMASK              0xc0000084
#define MSR_KERNEL_GS_BASE     0xc0000102

static struct {
    bool valid;
    unsigned gen;
    X86BootState st;
} boot_states[MAX_BOOT_CPUS];
static GMutex boot_lock;
static unsigned reset_epoch;

static GMutex cpuid_lock;
static struct kvm_cpuid2 *supported_cpuid;
static int have_xcrs = -1;            /* KVM_CAP_XCRS, probed once */

void x86_cpu_set_boot_state(unsigned cpu_index, const X86BootState *st)
{
    if (cpu_index >= MAX_BOOT_CPUS) {
        return;
    }
    g_mutex_lock(&boot_lock);
    boot_states[cpu_index].valid = true;
    boot_states[cpu_index].gen++;
    boot_states[cpu_index].st = *st;
    if (cpu_index == 0) {
        /* the BSP (re)starts: the whole machine does */
        reset_epoch++;
    }
    g_mutex_unlock(&boot_lock);
    cpu_boot_state_changed(cpu_index);
}

bool x86_cpu_get_boot_state(unsigned cpu_index, X86BootState *st,
                            unsigned *gen)
{
    bool valid;

    if (cpu_index >= MAX_BOOT_CPUS) {
        return false;
    }
    g_mutex_lock(&boot_lock);
    valid = boot_states[cpu_index].valid;
    *st = boot_states[cpu_index].st;
    *gen = boot_states[cpu_index].gen;
    g_mutex_unlock(&boot_lock);
    return valid;
}

unsigned x86_cpu_reset_epoch(void)
{
    unsigned e;

    g_mutex_lock(&boot_lock);
    e = reset_epoch;
    g_mutex_unlock(&boot_lock);
    return e;
}

/* bits needed to number @n APIC ids */
static unsigned apic_id_shift(unsigned n)
{
    unsigned shift = 0;

    while ((1u << shift) < n) {
        shift++;
    }
    return shift;
}

/* One KVM_GET_SUPPORTED_CPUID for all vCPUs (it is a /dev/kvm ioctl). */
static struct kvm_cpuid2 *get_supported_cpuid(Error **errp)
{
    unsigned nent = 64;
    int ret;

    g_mutex_lock(&cpuid_lock);
    while (!supported_cpuid) {
        struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) +
                                         nent * sizeof(c->entries[0]));

        c->nent = nent;
        ret = kvm_ioctl(KVM_GET_SUPPORTED_CPUID, c);
        if (ret == -E2BIG && nent < 4096) {
            g_free(c);
            nent *= 2;
            continue;
        }
        if (ret < 0) {
            g_free(c);
            g_mutex_unlock(&cpuid_lock);
            error_setg_errno(errp, -ret, "KVM_GET_SUPPORTED_CPUID failed");
            return NULL;
        }
        supported_cpuid = c;
    }
    g_mutex_unlock(&cpuid_lock);
    return supported_cpuid;
}

bool x86_cpu_setup_cpuid(int vcpu_fd, unsigned cpu_index, unsigned ncpus,
                         Error **errp)
{
    struct kvm_cpuid2 *sup = get_supported_cpuid(errp);
    g_autofree struct kvm_cpuid2 *c = NULL;
    size_t sz;
    int ret;

    if (!sup) {
        return false;
    }
    sz = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
    c = g_memdup2(sup, sz);
    x86_cpu_model_filter_cpuid(c->entries, c->nent);
    for (unsigned i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];

        switch (e->function) {
        case 1:
            /* APIC id, and the package holds exactly our -smp vCPUs */
            e->ebx = (e->ebx & 0x0000ffff) | (cpu_index << 24) |
                     (MIN(ncpus, 255u) << 16);
            if (ncpus > 1) {
                e->edx |= CPUID_1_EDX_HTT;
            }
            e->ecx |= CPUID_1_ECX_HYPERVISOR;
            if (!kvm_irqchip_in_kernel()) {
                /* no local APIC to offer without the in-kernel irqchip */
                e->edx &= ~CPUID_1_EDX_APIC;
                e->ecx &= ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DL);
            }
            break;
        case 4:
            /* cores per package - 1, in bits 31:26 */
            e->eax = (e->eax & 0x03ffffff) | ((MIN(ncpus, 64u) - 1) << 26);
            break;
        case 0xb:
        case 0x1f:
            /* one thread per core, all vCPUs cores of one package */
            if (e->index == 0) {
                e->eax = 0;
                e->ebx = 1;
                e->ecx = (1 << 8) | e->index;         /* SMT level */
            } else if (e->index == 1) {
                e->eax = apic_id_shift(ncpus);
                e->ebx = ncpus;
                e->ecx = (2 << 8) | e->index;         /* core level */
            } else {
                e->eax = e->ebx = 0;
                e->ecx = e->index;                    /* invalid level */
            }
            e->edx = cpu_index;       /* x2APIC id */
            break;
        case 0x80000008:
            /* AMD: number of cores - 1, and the APIC id width */
            e->ecx = (e->ecx & ~0xf0ffu) | (MIN(ncpus, 256u) - 1) |
                     (apic_id_shift(ncpus) << 12);
            break;
        case 0xa:
            /* no PMU: we configure no counters and save none */
            e->eax = e->ebx = e->ecx = e->edx = 0;
            break;
        default:
            break;
        }
        if (sev_snp_enabled()) {
            /* what an SNP guest may not be offered (target/i386/sev.c) */
            uint32_t idx = e->index;

            e->eax = sev_snp_mask_cpuid(e->function, idx, SEV_CPUID_EAX,
                                        e->eax);
            e->ebx = sev_snp_mask_cpuid(e->function, idx, SEV_CPUID_EBX,
                                        e->ebx);
            e->ecx = sev_snp_mask_cpuid(e->function, idx, SEV_CPUID_ECX,
                                        e->ecx);
            e->edx = sev_snp_mask_cpuid(e->function, idx, SEV_CPUID_EDX,
                                        e->edx);
        }
    }
    ret = kvm_fd_ioctl(vcpu_fd, KVM_SET_CPUID2, c);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "KVM_SET_CPUID2 failed for vCPU %u",
                         cpu_index);
        return false;
    }
    return true;
}

static const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *c,
                                                  uint32_t function,
                                                  uint32_t index)
{
    for (unsigned i = 0; i < c->nent; i++) {
        if (c->entries[i].function == function &&
            c->entries[i].index == index) {
            return &c->entries[i];
        }
    }
    return NULL;
}

/*
 * XCR0 as the boot state leaves it: every user state component that the
 * vCPU's CPUID offers (leaf 0xd subleaf 0), the value Linux loads with its
 * first XSETBV.  Real CPUs reset XCR0 to x87 only, but the guest cannot
 * see the difference: with CR4.OSXSAVE clear XGETBV/XSAVE fault, and its
 * own XSETBV replaces the value.  It matters where the CPU under KVM does
 * not intercept XSETBV for its hypervisor (QEMU 7.2's TCG SVM, which hosts
 * the nested lab): there the guest's XSETBV changes the real XCR0 behind
 * KVM's back, so KVM keeps answering CPUID 0xd with the sizes of its stale
 * XCR0 (Linux: "XSAVE consistency problem", then a dead boot) and loads
 * the stale value on VM entry.  Starting KVM's copy at the value the guest
 * will write keeps both views equal.
 */
static bool put_xcr0(int vcpu_fd, Error **errp)
{
    struct kvm_cpuid2 *sup = get_supported_cpuid(errp);
    const struct kvm_cpuid_entry2 *leaf1, *xsave;
    struct kvm_xcrs xcrs = { .nr_xcrs = 1 };
    int ret;

    if (!sup) {
        return false;
    }
    g_mutex_lock(&cpuid_lock);
    if (have_xcrs < 0) {
        ret = kvm_ioctl(KVM_CHECK_EXTENSION, (void *)(uintptr_t)KVM_CAP_XCRS);
        have_xcrs = ret > 0;
    }
    g_mutex_unlock(&cpuid_lock);
    leaf1 = cpuid_find(sup, 1, 0);
    xsave = cpuid_find(sup, 0xd, 0);
    if (!have_xcrs || !leaf1 || !(leaf1->ecx & CPUID_1_ECX_XSAVE) ||
        !xsave || !(xsave->eax & 1)) {
        return true;            /* no XSAVE for this guest: nothing to set */
    }
    xcrs.xcrs[0].xcr = 0;
    xcrs.xcrs[0].value = ((uint64_t)xsave->edx << 32) | xsave->eax;
    ret = kvm_fd_ioctl(vcpu_fd, KVM_SET_XCRS, &xcrs);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "KVM_SET_XCRS failed (XCR0=0x%" PRIx64
                         ")", (uint64_t)xcrs.xcrs[0].value);
        return false;
    }
    return true;
}

bool x86_cpu_setup_msrs(int vcpu_fd, Error **errp)
{
    static const struct {
        uint32_t index;
        uint64_t value;
    } init[] = {
        { MSR_IA32_SYSENTER_CS, 0 },
        { MSR_IA32_SYSENTER_ESP, 0 },
        { MSR_IA32_SYSENTER_EIP, 0 },
        { MSR_STAR, 0 },
        { MSR_LSTAR, 0 },
        { MSR_CSTAR, 0 },
        { MSR_FMASK, 0 },
        { MSR_KERNEL_GS_BASE, 0 },
        { MSR_IA32_MISC_ENABLE, 1 },          /* fast strings */
        { MSR_MTRR_DEF_TYPE, 0x806 },         /* MTRRs on, default WB */
    };
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e[ARRAY_SIZE(init)];
    } msrs = { .hdr.nmsrs = ARRAY_SIZE(init) };
    int ret;

    for (unsigned i = 0; i < ARRAY_SIZE(init); i++) {
        msrs.e[i].index = init[i].index;
        msrs.e[i].data = init[i].value;
    }
    ret = kvm_fd_ioctl(vcpu_fd, KVM_SET_MSRS, &msrs);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "KVM_SET_MSRS failed");
        return false;
    }
    if (ret < (int)ARRAY_SIZE(init)) {
        error_setg(errp, "KVM_SET_MSRS: MSR 0x%x refused (%d of %zu set)",
                   msrs.e[ret].index, ret, ARRAY_SIZE(init));
        return false;
    }
    return true;
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, bool code,
                     bool long_mode)
{
    memset(s, 0, sizeof(*s));
    s->selector = sel;
    s->present = 1;
    s->s = 1;
    if (long_mode) {
        s->base = 0;
        s->limit = 0xffffffff;
        s->g = 1;
        s->type = code ? 11 : 3;     /* execute/read or read/write, accessed */
        s->l = code;
        s->db = !code;
    } else {
        s->base = (uint64_t)sel << 4;
        s->limit = 0xffff;
        s->type = code ? 11 : 3;
    }
}

bool x86_cpu_put_boot_state(int vcpu_fd, const X86BootState *st,
                            Error **errp)
{
    struct kvm_sregs sregs;
    struct kvm_regs regs = { 0 };
    struct kvm_fpu fpu = { 0 };
    struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
    int ret;

    ret = kvm_fd_ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "KVM_GET_SREGS failed");
        return false;
    }
    seg_flat(&sregs.cs, st->cs, true, st->long_mode);
    if (!st->long_mode && st->cs_base) {
        sregs.cs.base = st->cs_base;
    }
    seg_flat(&sregs.ds, st->ds, false, st->long_mode);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    if (st->long_mode || st->cr0) {
        sregs.cr0 = st->cr0;
    }
    sregs.cr3 = st->cr3;
    sregs.cr4 = st->cr4;
    sregs.efer = st->efer;
    sregs.cr2 = 0;
    sregs.gdt.base = st->gdt_base;
    sregs.gdt.limit = st->gdt_limit;
    /* An exception must end the guest (triple fault), not jump through a
     * table nobody wrote. */
    sregs.idt.base = 0;
    sregs.idt.limit = st->long_mode ? 0 : 0x3ff;
    memset(sregs.interrupt_bitmap, 0, sizeof(sregs.interrupt_bitmap));
    ret = kvm_fd_ioctl(vcpu_fd, KVM_SET_SREGS, &sregs);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "KVM_SET_SREGS failed");
        return false;
    }

    regs.rip = st->rip;
    regs.rsp = st->rsp;
    regs.rsi = st->rsi;
    regs.rdi = st->rdi;
    regs.rbx = st->rbx;
    regs.rflags = st->rflags ? st->rflags : 0x2;
    ret = kvm_fd_ioctl(vcpu_fd, KVM_SET_REGS, &regs);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "KVM_SET_REGS failed");
        return false;
    }

    fpu.fcw = 0x37f;
    fpu.mxcsr = 0x1f80;
    ret = kvm_fd_ioctl(vcpu_fd, KVM_SET_FPU, &fpu);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "KVM_SET_FPU failed");
        return false;
    }
    if (!put_xcr0(vcpu_fd, errp)) {
        return false;
    }
    /* APs of an in-kernel irqchip wait for SIPI unless told otherwise. */
    if (kvm_irqchip_in_kernel()) {
        ret = kvm_fd_ioctl(vcpu_fd, KVM_SET_MP_STATE, &mp);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "KVM_SET_MP_STATE failed");
            return false;
        }
    }
    return true;
}

static void dump_seg(FILE *f, const char *name, const struct kvm_segment *s)
{
    uint32_t flags = (s->type << 8) | (s->s << 12) | (s->dpl << 13) |
                     (s->present << 15) | (s->avl << 20) | (s->l << 21) |
                     (s->db << 22) | (s->g << 23);

    fprintf(f, "%-3s=%04x %016" PRIx64 " %08x %08x DPL=%d\n", name,
            s->selector, (uint64_t)s->base, s->limit, flags, s->dpl);
}

void x86_cpu_dump_fd(int vcpu_fd, FILE *f)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    int ret;

    ret = kvm_fd_ioctl(vcpu_fd, KVM_GET_REGS, &r);
    if (ret >= 0) {
        ret = kvm_fd_ioctl(vcpu_fd, KVM_GET_SREGS, &s);
    }
    if (ret < 0) {
        fprintf(f, "(registers unavailable: %s)\n", strerror(-ret));
        return;
    }
    fprintf(f, "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
            "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
            "R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n"
            "R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n"
            "RIP=%016llx RFL=%08llx CPL=%d\n",
            r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp,
            r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15,
            r.rip, r.rflags, s.cs.dpl);
    dump_seg(f, "ES", &s.es);
    dump_seg(f, "CS", &s.cs);
    dump_seg(f, "SS", &s.ss);
    dump_seg(f, "DS", &s.ds);
    dump_seg(f, "FS", &s.fs);
    dump_seg(f, "GS", &s.gs);
    dump_seg(f, "LDT", &s.ldt);
    dump_seg(f, "TR", &s.tr);
    fprintf(f, "GDT=     %016llx %08x\n", s.gdt.base, s.gdt.limit);
    fprintf(f, "IDT=     %016llx %08x\n", s.idt.base, s.idt.limit);
    fprintf(f, "CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx\n",
            s.cr0, s.cr2, s.cr3, s.cr4);
    fprintf(f, "EFER=%016llx\n", s.efer);
}

void x86_cpu_dump_state(unsigned cpu_index, FILE *f)
{
    CPUState *cpu = qemu_get_cpu(cpu_index);

    if (!cpu || cpu->kvm_fd < 0) {
        fprintf(f, "vCPU %u does not exist\n", cpu_index);
        return;
    }
    x86_cpu_dump_fd(cpu->kvm_fd, f);
}
