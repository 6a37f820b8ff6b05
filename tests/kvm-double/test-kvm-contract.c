/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Contract tests: the same ioctl sequences run against the real kernel
 * and against the KVM double of the matching profile; every result is
 * recorded and the two records must be equal, so the double cannot drift
 * from the kernels it stands for.
 *
 * Usage: test-kvm-contract [--tap] [--profile=host-6.18|lab-7.3]
 * (env KVM_CONTRACT_PROFILE too).  Without /dev/kvm every case skips.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <linux/falloc.h>
#include "kvm-double.h"

#define MiB (1024 * 1024ULL)

static KVMDoubleProfile profile = KVM_DOUBLE_HOST_618;

typedef struct Side {
    const KVMOps *ops;
    KVMDouble *d;           /* NULL: the real kernel */
    GString *log;
    int dev;
} Side;

static const long caps_probed[] = {
    KVM_CAP_IRQCHIP, KVM_CAP_SET_TSS_ADDR, KVM_CAP_NR_VCPUS,
    KVM_CAP_NR_MEMSLOTS, KVM_CAP_PIT2, KVM_CAP_SET_IDENTITY_MAP_ADDR,
    KVM_CAP_MAX_VCPUS, KVM_CAP_IMMEDIATE_EXIT, KVM_CAP_EXIT_HYPERCALL,
    KVM_CAP_USER_MEMORY2, KVM_CAP_MEMORY_FAULT_INFO,
    KVM_CAP_MEMORY_ATTRIBUTES, KVM_CAP_GUEST_MEMFD, KVM_CAP_VM_TYPES,
    KVM_CAP_PRE_FAULT_MEMORY, KVM_CAP_GUEST_MEMFD_FLAGS,
    KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES,
};

static int s_ioctl(Side *s, int fd, unsigned long req, void *arg)
{
    return s->ops->ioctl(fd, req, arg, s->ops->opaque);
}

static void s_close(Side *s, int fd)
{
    if (fd >= 0) {
        s->ops->close(fd, s->ops->opaque);
    }
}

/* Record "what=result": errno names for failures, "fd" for new fds. */
static void note(Side *s, const char *what, int ret, bool is_fd)
{
    if (ret < 0) {
        g_string_append_printf(s->log, "%s=%s\n", what,
                               strerrorname_np(-ret));
    } else if (is_fd) {
        g_string_append_printf(s->log, "%s=fd\n", what);
    } else {
        g_string_append_printf(s->log, "%s=%d\n", what, ret);
    }
}

static void notef(Side *s, int ret, bool is_fd, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static void notef(Side *s, int ret, bool is_fd, const char *fmt, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    note(s, what, ret, is_fd);
}

static uint64_t vm_types(Side *s)
{
    int r = s_ioctl(s, s->dev, KVM_CHECK_EXTENSION,
                    (void *)(uintptr_t)KVM_CAP_VM_TYPES);

    return r > 0 ? r : 1;
}

static int create_vm(Side *s, int type)
{
    return s_ioctl(s, s->dev, KVM_CREATE_VM, (void *)(uintptr_t)type);
}

static int create_gmem(Side *s, int vm, uint64_t size, uint64_t flags)
{
    struct kvm_create_guest_memfd g = { .size = size, .flags = flags };

    return s_ioctl(s, vm, KVM_CREATE_GUEST_MEMFD, &g);
}

/* ---- the cases: each drives one side and logs what it saw ---- */

static void case_caps(Side *s)
{
    note(s, "api", s_ioctl(s, s->dev, KVM_GET_API_VERSION, NULL), false);
    note(s, "mmap_size", s_ioctl(s, s->dev, KVM_GET_VCPU_MMAP_SIZE, NULL),
         false);
    for (unsigned i = 0; i < G_N_ELEMENTS(caps_probed); i++) {
        notef(s, s_ioctl(s, s->dev, KVM_CHECK_EXTENSION,
                         (void *)(uintptr_t)caps_probed[i]), false,
              "dev.cap%ld", caps_probed[i]);
    }
    for (int t = 0; t <= KVM_X86_TDX_VM; t++) {
        int vm = create_vm(s, t);

        notef(s, vm, true, "create_vm(%d)", t);
        if (vm < 0) {
            continue;
        }
        for (unsigned i = 0; i < G_N_ELEMENTS(caps_probed); i++) {
            notef(s, s_ioctl(s, vm, KVM_CHECK_EXTENSION,
                             (void *)(uintptr_t)caps_probed[i]), false,
                  "vm%d.cap%ld", t, caps_probed[i]);
        }
        s_close(s, vm);
    }
}

static void case_gmem_create(Side *s)
{
    uint64_t types = vm_types(s);

    for (int t = 0; t < 8; t++) {
        struct kvm_create_guest_memfd g = { .size = 64 * 1024 };
        int vm, fd;

        if (!(types & (1ULL << t))) {
            continue;
        }
        vm = create_vm(s, t);
        g_assert_cmpint(vm, >=, 0);
        for (uint64_t f = 0; f < 8; f++) {
            fd = create_gmem(s, vm, 64 * 1024, f);
            notef(s, fd, true, "vm%d.gmem(flags=%" PRIu64 ")", t, f);
            s_close(s, fd);
        }
        fd = create_gmem(s, vm, 0, 0);
        notef(s, fd, true, "vm%d.gmem(size=0)", t);
        s_close(s, fd);
        fd = create_gmem(s, vm, 4097, 0);
        notef(s, fd, true, "vm%d.gmem(size=4097)", t);
        s_close(s, fd);
        g.reserved[0] = 1;
        fd = s_ioctl(s, vm, KVM_CREATE_GUEST_MEMFD, &g);
        notef(s, fd, true, "vm%d.gmem(reserved!=0)", t);
        s_close(s, fd);
        s_close(s, vm);
    }
}

static void case_gmem_fallocate(Side *s)
{
    static const struct {
        const char *name;
        int mode;
        uint64_t off, len;
    } ops[] = {
        { "mode0", 0, 0, 4096 },
        { "keep", FALLOC_FL_KEEP_SIZE, 0, MiB },
        { "keep-unaligned-off", FALLOC_FL_KEEP_SIZE, 1, 4096 },
        { "keep-unaligned-len", FALLOC_FL_KEEP_SIZE, 0, 100 },
        { "keep-beyond", FALLOC_FL_KEEP_SIZE, MiB, 4096 },
        { "keep-straddle", FALLOC_FL_KEEP_SIZE, MiB - 4096, 8192 },
        { "punch", FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 0, 4096 },
        { "zero-range", FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE, 0, 4096 },
        { "collapse", FALLOC_FL_COLLAPSE_RANGE, 0, 4096 },
    };
    int vm = create_vm(s, KVM_X86_DEFAULT_VM);
    int fd = create_gmem(s, vm, MiB, 0);

    note(s, "gmem", fd, true);
    for (unsigned i = 0; fd >= 0 && i < G_N_ELEMENTS(ops); i++) {
        note(s, ops[i].name, s->ops->fallocate(fd, ops[i].mode, ops[i].off,
                                               ops[i].len, s->ops->opaque),
             false);
    }
    s_close(s, fd);
    s_close(s, vm);
}

static int region2(Side *s, int vm, uint32_t slot, uint32_t flags,
                   uint64_t gpa, uint64_t size, uint64_t hva, int gmem,
                   uint64_t goff)
{
    struct kvm_userspace_memory_region2 r = {
        .slot = slot, .flags = flags, .guest_phys_addr = gpa,
        .memory_size = size, .userspace_addr = hva,
        .guest_memfd = gmem, .guest_memfd_offset = goff,
    };

    return s_ioctl(s, vm, KVM_SET_USER_MEMORY_REGION2, &r);
}

static void case_region2(Side *s)
{
    const uint32_t G = KVM_MEM_GUEST_MEMFD;
    int vm = create_vm(s, KVM_X86_DEFAULT_VM);
    int vm2 = create_vm(s, KVM_X86_DEFAULT_VM);
    int gmem = create_gmem(s, vm, 4 * MiB, GUEST_MEMFD_FLAG_MMAP |
                           GUEST_MEMFD_FLAG_INIT_SHARED);
    int other = create_gmem(s, vm2, 4 * MiB, 0);
    int plain = memfd_create("contract-plain", MFD_CLOEXEC);
    uint8_t *p, *anon;
    uint64_t h, a;

    g_assert_cmpint(gmem, >=, 0);
    g_assert_cmpint(other, >=, 0);
    p = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, gmem, 0);
    g_assert_true(p != MAP_FAILED);
    anon = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(anon != MAP_FAILED);
    h = (uintptr_t)p;
    a = (uintptr_t)anon;

    note(s, "gmem-slot", region2(s, vm, 1, G, 0, MiB, h, gmem, 0), false);
    note(s, "same-gmem-range", region2(s, vm, 2, G, 16 * MiB, MiB,
                                       h, gmem, 0), false);
    note(s, "partly-same-range", region2(s, vm, 2, G, 16 * MiB, MiB,
                                         h + MiB / 2, gmem, MiB / 2), false);
    note(s, "gpa-overlap", region2(s, vm, 2, G, MiB / 2, MiB, h + MiB,
                                   gmem, MiB), false);
    note(s, "unaligned-gpa", region2(s, vm, 2, 0, 32 * MiB + 1, MiB, a,
                                     -1, 0), false);
    note(s, "unaligned-size", region2(s, vm, 2, 0, 32 * MiB, MiB + 1, a,
                                      -1, 0), false);
    note(s, "unaligned-hva", region2(s, vm, 2, 0, 32 * MiB, MiB, a + 1,
                                     -1, 0), false);
    note(s, "kernel-hva", region2(s, vm, 2, 0, 32 * MiB, MiB,
                                  0xffff800000000000ULL, -1, 0), false);
    note(s, "gpa-wrap", region2(s, vm, 2, 0, UINT64_MAX - MiB + 1 -
                                4095, 2 * MiB, a, -1, 0), false);
    note(s, "unaligned-goff", region2(s, vm, 2, G, 32 * MiB, MiB, h + MiB,
                                      gmem, MiB + 4), false);
    note(s, "goff-beyond", region2(s, vm, 2, G, 32 * MiB, 2 * MiB,
                                   h + 3 * MiB, gmem, 3 * MiB), false);
    note(s, "bad-fd", region2(s, vm, 2, G, 32 * MiB, MiB, h + MiB, 1000,
                              MiB), false);
    note(s, "not-gmem-fd", region2(s, vm, 2, G, 32 * MiB, MiB, h + MiB,
                                   plain, MiB), false);
    note(s, "other-vm-gmem", region2(s, vm, 2, G, 32 * MiB, MiB, h + MiB,
                                     other, MiB), false);
    note(s, "gmem-readonly", region2(s, vm, 2, G | KVM_MEM_READONLY,
                                     32 * MiB, MiB, h + MiB, gmem, MiB),
         false);
    note(s, "gmem-dirty-log", region2(s, vm, 2, G | KVM_MEM_LOG_DIRTY_PAGES,
                                      32 * MiB, MiB, h + MiB, gmem, MiB),
         false);
    note(s, "unknown-flag", region2(s, vm, 2, 1u << 7, 32 * MiB, MiB, a,
                                    -1, 0), false);
    note(s, "slot-id-too-big", region2(s, vm, 40000, 0, 32 * MiB, MiB, a,
                                       -1, 0), false);
    note(s, "address-space-2", region2(s, vm, 2 | (2u << 16), 0, 32 * MiB,
                                       MiB, a, -1, 0), false);
    note(s, "anon-slot", region2(s, vm, 2, 0, 32 * MiB, MiB, a, -1, 0),
         false);
    note(s, "anon-readonly-toggle", region2(s, vm, 2, KVM_MEM_READONLY,
                                            32 * MiB, MiB, a, -1, 0), false);
    note(s, "anon-resize", region2(s, vm, 2, 0, 32 * MiB, 2 * MiB, a,
                                   -1, 0), false);
    note(s, "anon-move", region2(s, vm, 2, 0, 48 * MiB, MiB, a, -1, 0),
         false);
    note(s, "gmem-resubmit", region2(s, vm, 1, G, 0, MiB, h, gmem, 0),
         false);
    note(s, "gmem-move", region2(s, vm, 1, G, 64 * MiB, MiB, h, gmem, 0),
         false);
    note(s, "delete-missing", region2(s, vm, 9, 0, 0, 0, 0, -1, 0), false);
    note(s, "delete-gmem", region2(s, vm, 1, 0, 0, 0, 0, -1, 0), false);
    note(s, "rebind-freed-range", region2(s, vm, 3, G, 16 * MiB, MiB, h,
                                          gmem, 0), false);
    {
        struct kvm_userspace_memory_region r = {
            .slot = 4, .flags = G, .guest_phys_addr = 80 * MiB,
            .memory_size = MiB, .userspace_addr = a,
        };

        note(s, "legacy-ioctl-gmem-flag",
             s_ioctl(s, vm, KVM_SET_USER_MEMORY_REGION, &r), false);
        r.flags = 0;
        note(s, "legacy-ioctl", s_ioctl(s, vm, KVM_SET_USER_MEMORY_REGION,
                                        &r), false);
    }
    munmap(p, 4 * MiB);
    munmap(anon, 4 * MiB);
    close(plain);
    s_close(s, other);
    s_close(s, gmem);
    s_close(s, vm2);
    s_close(s, vm);
}

static void case_attributes(Side *s)
{
    uint64_t types = vm_types(s);

    for (int t = 0; t < 8; t++) {
        struct kvm_memory_attributes a = { .size = 4096 };
        struct kvm_memory_attributes2 a2 = { .size = 4096 };
        int vm, gmem;

        if (!(types & (1ULL << t))) {
            continue;
        }
        vm = create_vm(s, t);
        a.attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE;
        notef(s, s_ioctl(s, vm, KVM_SET_MEMORY_ATTRIBUTES, &a), false,
              "vm%d.attr(private)", t);
        a.attributes = 0;
        notef(s, s_ioctl(s, vm, KVM_SET_MEMORY_ATTRIBUTES, &a), false,
              "vm%d.attr(shared)", t);
        a.flags = 1;
        notef(s, s_ioctl(s, vm, KVM_SET_MEMORY_ATTRIBUTES, &a), false,
              "vm%d.attr(flags)", t);
        a.flags = 0;
        a.address = 100;
        notef(s, s_ioctl(s, vm, KVM_SET_MEMORY_ATTRIBUTES, &a), false,
              "vm%d.attr(unaligned)", t);
        a.address = 0;
        a.size = 0;
        notef(s, s_ioctl(s, vm, KVM_SET_MEMORY_ATTRIBUTES, &a), false,
              "vm%d.attr(size0)", t);
        a.size = 4096;
        a.attributes = 1;
        notef(s, s_ioctl(s, vm, KVM_SET_MEMORY_ATTRIBUTES, &a), false,
              "vm%d.attr(rwx-bit)", t);

        gmem = create_gmem(s, vm, MiB, 0);
        a2.attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE;
        notef(s, s_ioctl(s, gmem, KVM_SET_MEMORY_ATTRIBUTES2, &a2), false,
              "vm%d.attr2(private)", t);
        a2.attributes = 0;
        notef(s, s_ioctl(s, gmem, KVM_SET_MEMORY_ATTRIBUTES2, &a2), false,
              "vm%d.attr2(shared)", t);
        notef(s, s_ioctl(s, vm, KVM_SET_MEMORY_ATTRIBUTES2, &a2), false,
              "vm%d.attr2-on-vm-fd", t);
        s_close(s, gmem);
        s_close(s, vm);
    }
}

static void case_vcpu(Side *s)
{
    int vm = create_vm(s, KVM_X86_DEFAULT_VM);
    int size = s_ioctl(s, s->dev, KVM_GET_VCPU_MMAP_SIZE, NULL);
    struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
    struct kvm_enable_cap cap = { .cap = KVM_CAP_EXIT_HYPERCALL };
    struct kvm_run *run;
    int cpu;

    cpu = s_ioctl(s, vm, KVM_CREATE_VCPU, (void *)0);
    note(s, "vcpu0", cpu, true);
    note(s, "vcpu0-again", s_ioctl(s, vm, KVM_CREATE_VCPU, (void *)0), true);
    note(s, "vcpu-id-too-big", s_ioctl(s, vm, KVM_CREATE_VCPU,
                                       (void *)(uintptr_t)100000), true);
    note(s, "mp-runnable-no-irqchip", s_ioctl(s, cpu, KVM_SET_MP_STATE, &mp),
         false);
    mp.mp_state = KVM_MP_STATE_UNINITIALIZED;
    note(s, "mp-uninit-no-irqchip", s_ioctl(s, cpu, KVM_SET_MP_STATE, &mp),
         false);
    run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
    g_assert_true(run != MAP_FAILED);
    run->immediate_exit = 1;
    note(s, "run-immediate-exit", s_ioctl(s, cpu, KVM_RUN, NULL), false);
    notef(s, 0, false, "exit_reason-%u", run->exit_reason);
    munmap(run, size);
    cap.args[0] = 1ULL << KVM_HC_MAP_GPA_RANGE;
    note(s, "enable-exit-hypercall", s_ioctl(s, vm, KVM_ENABLE_CAP, &cap),
         false);
    cap.args[0] = 1;
    note(s, "enable-exit-hypercall-bad", s_ioctl(s, vm, KVM_ENABLE_CAP,
                                                 &cap), false);
    note(s, "unknown-vm-ioctl", s_ioctl(s, vm, _IO(KVMIO, 0xff), NULL),
         false);
    note(s, "irqchip-after-vcpu", s_ioctl(s, vm, KVM_CREATE_IRQCHIP, NULL),
         false);
    s_close(s, cpu);
    s_close(s, vm);

    vm = create_vm(s, KVM_X86_DEFAULT_VM);
    note(s, "irqchip", s_ioctl(s, vm, KVM_CREATE_IRQCHIP, NULL), false);
    note(s, "irqchip-again", s_ioctl(s, vm, KVM_CREATE_IRQCHIP, NULL),
         false);
    cpu = s_ioctl(s, vm, KVM_CREATE_VCPU, (void *)1);
    note(s, "vcpu1", cpu, true);
    mp.mp_state = KVM_MP_STATE_UNINITIALIZED;
    note(s, "mp-uninit-irqchip", s_ioctl(s, cpu, KVM_SET_MP_STATE, &mp),
         false);
    s_close(s, cpu);
    s_close(s, vm);
}

/* ---- running a case on both sides ---- */

typedef void (*CaseFn)(Side *s);

static bool run_side(Side *s, CaseFn fn)
{
    int fd = s->ops->open_device("/dev/kvm", O_RDWR | O_CLOEXEC,
                                 s->ops->opaque);

    if (fd < 0) {
        return false;
    }
    s->dev = fd;
    fn(s);
    s_close(s, fd);
    return true;
}

static void run_contract(gconstpointer data)
{
    CaseFn fn = (CaseFn)data;
    g_autoptr(GString) real_log = g_string_new(NULL);
    g_autoptr(GString) dbl_log = g_string_new(NULL);
    Side real = { .log = real_log };
    Side dbl = { .log = dbl_log };

    kvm_set_ops(NULL);
    real.ops = kvm_get_ops();
    dbl.d = kvm_double_new(profile);
    dbl.ops = kvm_double_ops(dbl.d);

    g_assert_true(run_side(&dbl, fn));
    /* the double gave back everything the case closed */
    g_assert_cmpuint(kvm_double_open_fds(dbl.d), ==, 0);
    kvm_double_free(dbl.d);
    if (!run_side(&real, fn)) {
        g_test_skip("no /dev/kvm: the double's side ran alone");
        return;
    }
    if (g_test_verbose()) {
        g_test_message("kernel:\n%s", real_log->str);
        g_test_message("double:\n%s", dbl_log->str);
    }
    /* line by line, so that a failure names the first disagreement */
    {
        g_auto(GStrv) a = g_strsplit(real_log->str, "\n", -1);
        g_auto(GStrv) b = g_strsplit(dbl_log->str, "\n", -1);

        for (unsigned i = 0; a[i] || b[i]; i++) {
            g_assert_cmpstr(b[i], ==, a[i]);
        }
    }
}

int main(int argc, char **argv)
{
    const char *env = getenv("KVM_CONTRACT_PROFILE");
    const char *name = env;

    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "--profile=")) {
            name = argv[i] + strlen("--profile=");
        }
    }
    g_test_init(&argc, &argv, NULL);
    if (name && !kvm_double_profile_parse(name, &profile)) {
        fprintf(stderr, "unknown profile '%s' (host-6.18, lab-7.3, "
                "inplace-v7)\n", name);
        return 1;
    }
    g_test_add_data_func("/kvm-contract/caps", case_caps, run_contract);
    g_test_add_data_func("/kvm-contract/gmem-create", case_gmem_create,
                         run_contract);
    g_test_add_data_func("/kvm-contract/gmem-fallocate", case_gmem_fallocate,
                         run_contract);
    g_test_add_data_func("/kvm-contract/region2", case_region2,
                         run_contract);
    g_test_add_data_func("/kvm-contract/attributes", case_attributes,
                         run_contract);
    g_test_add_data_func("/kvm-contract/vcpu", case_vcpu, run_contract);
    return g_test_run();
}
