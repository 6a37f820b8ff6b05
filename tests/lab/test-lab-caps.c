/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs inside the nested lab's L1: the capabilities of its KVM (Linux
 * 7.3.4 with KVM_SW_PROTECTED_VM) as our accelerator probes them, checked
 * against the table of spec/kvm-lab.md section 4, and printed.  These are
 * the facts the KVM double must match.
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include "linux/kvm.h"
#include "qapi/error.h"
#include "system/kvm.h"
#include "system/kvm_int.h"

#define MiB (1024 * 1024ULL)
#define KVM_HC_MAP_GPA_RANGE 12
#define KVM_MEMORY_ATTRIBUTE_PRIVATE (1ULL << 3)

static const uint64_t gmem_flags[] = {
    0,
    GUEST_MEMFD_FLAG_MMAP,
    GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED,
};

/* What one VM type showed; filled once by probe_all(). */
typedef struct TypeProbe {
    bool created;
    char *init_error;
    KVMCaps caps;
    /* per gmem_flags[]: our kvm_create_guest_memfd(), then the raw ioctl */
    char *gmem_error[G_N_ELEMENTS(gmem_flags)];
    int gmem_errno[G_N_ELEMENTS(gmem_flags)];
} TypeProbe;

static TypeProbe probes[2];
static bool have_kvm;

static int raw_gmem(uint64_t flags)
{
    struct kvm_create_guest_memfd g = { .size = 2 * MiB, .flags = flags };
    int fd = ioctl(kvm_get_vm_fd(), KVM_CREATE_GUEST_MEMFD, &g);

    if (fd < 0) {
        return errno;
    }
    close(fd);
    return 0;
}

static void probe_type(int type, TypeProbe *p)
{
    Error *err = NULL;

    if (!kvm_accel_init(type, &err)) {
        p->init_error = g_strdup(error_get_pretty(err));
        error_free(err);
        return;
    }
    p->created = true;
    p->caps = *kvm_get_caps();
    for (unsigned i = 0; i < G_N_ELEMENTS(gmem_flags); i++) {
        int fd = kvm_create_guest_memfd(2 * MiB, gmem_flags[i], &err);

        if (fd >= 0) {
            close(fd);
        } else {
            p->gmem_error[i] = g_strdup(error_get_pretty(err));
            error_free(err);
            err = NULL;
        }
        p->gmem_errno[i] = raw_gmem(gmem_flags[i]);
    }
    kvm_accel_cleanup();
}

static const char *gmem_result(const TypeProbe *p, unsigned i)
{
    static char buf[2][G_N_ELEMENTS(gmem_flags)][32];
    char *b = buf[p == &probes[1]][i];

    if (!p->created) {
        return "-";
    }
    if (!p->gmem_errno[i]) {
        snprintf(b, sizeof(buf[0][0]), "ok");
    } else {
        snprintf(b, sizeof(buf[0][0]), "%s", strerrorname_np(p->gmem_errno[i])
                 ?: "error");
    }
    return b;
}

static void print_table(void)
{
    const TypeProbe *t0 = &probes[0], *t1 = &probes[1];

    g_test_message("L1 KVM as our accelerator probes it "
                   "(kvm_accel_init(0) and kvm_accel_init(1)):");
    g_test_message("%-40s %-12s %s", "probe", "type 0", "type 1");
    g_test_message("%-40s 0x%-10" PRIx64 " %s", "KVM_CAP_VM_TYPES (/dev/kvm)",
                   t0->caps.vm_types, "");
    g_test_message("%-40s %-12s %s", "VM created", t0->created ? "yes" : "no",
                   t1->created ? "yes" : t1->init_error);
    g_test_message("%-40s 0x%-10" PRIx64 " 0x%" PRIx64,
                   "KVM_CAP_MEMORY_ATTRIBUTES (VM fd)",
                   t0->caps.memory_attributes, t1->caps.memory_attributes);
    g_test_message("%-40s %-12d %d", "KVM_CAP_GUEST_MEMFD", t0->caps.guest_memfd,
                   t1->caps.guest_memfd);
    g_test_message("%-40s 0x%-10" PRIx64 " 0x%" PRIx64,
                   "KVM_CAP_GUEST_MEMFD_FLAGS", t0->caps.guest_memfd_flags,
                   t1->caps.guest_memfd_flags);
    g_test_message("%-40s %-12d %d", "KVM_CAP_USER_MEMORY2",
                   t0->caps.user_memory2, t1->caps.user_memory2);
    g_test_message("%-40s %-12d %d", "KVM_CAP_MEMORY_FAULT_INFO",
                   t0->caps.memory_fault_info, t1->caps.memory_fault_info);
    g_test_message("%-40s 0x%-10" PRIx64 " 0x%" PRIx64,
                   "KVM_CAP_EXIT_HYPERCALL", t0->caps.exit_hypercall,
                   t1->caps.exit_hypercall);
    g_test_message("%-40s 0x%-10" PRIx64 " 0x%" PRIx64,
                   "KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES",
                   t0->caps.gmem_memory_attributes,
                   t1->caps.gmem_memory_attributes);
    g_test_message("%-40s %-12d %d", "KVM_CAP_PRE_FAULT_MEMORY",
                   t0->caps.pre_fault_memory, t1->caps.pre_fault_memory);
    g_test_message("%-40s %s/%s/%-6s %s/%s/%s",
                   "guest_memfd 0 / MMAP / MMAP|INIT_SHARED",
                   gmem_result(t0, 0), gmem_result(t0, 1), gmem_result(t0, 2),
                   gmem_result(t1, 0), gmem_result(t1, 1), gmem_result(t1, 2));
    for (unsigned t = 0; t < 2; t++) {
        for (unsigned i = 0; i < G_N_ELEMENTS(gmem_flags); i++) {
            if (probes[t].gmem_error[i]) {
                g_test_message("type %u, kvm_create_guest_memfd(0x%" PRIx64
                               "): %s", t, gmem_flags[i],
                               probes[t].gmem_error[i]);
            }
        }
    }
}

static bool need_kvm(void)
{
    if (!have_kvm) {
        g_test_skip("/dev/kvm not available: the lab test runs inside L1");
    }
    return have_kvm;
}

static void test_vm_types(void)
{
    if (!need_kvm()) {
        return;
    }
    /* types 0 (default) and 1 (KVM_X86_SW_PROTECTED_VM), and no other */
    g_assert_cmphex(probes[0].caps.vm_types, ==,
                    (1 << KVM_X86_DEFAULT_VM) | (1 << KVM_X86_SW_PROTECTED_VM));
    g_assert_cmpstr(probes[0].init_error, ==, NULL);
    g_assert_cmpstr(probes[1].init_error, ==, NULL);
    g_assert_true(probes[0].created && probes[1].created);
    g_assert_cmpint(probes[0].caps.vm_type, ==, KVM_X86_DEFAULT_VM);
    g_assert_cmpint(probes[1].caps.vm_type, ==, KVM_X86_SW_PROTECTED_VM);
}

static void test_memory_attributes(void)
{
    if (!need_kvm() || !probes[1].created) {
        g_assert_true(!have_kvm || probes[1].created);
        return;
    }
    g_assert_cmphex(probes[0].caps.memory_attributes, ==, 0);
    g_assert_cmphex(probes[1].caps.memory_attributes, ==,
                    KVM_MEMORY_ATTRIBUTE_PRIVATE);
    /* the in-place series is in no Debian kernel up to 7.3 */
    g_assert_cmphex(probes[0].caps.gmem_memory_attributes, ==, 0);
    g_assert_cmphex(probes[1].caps.gmem_memory_attributes, ==, 0);
}

static void test_gmem_caps(void)
{
    if (!need_kvm() || !probes[1].created) {
        g_assert_true(!have_kvm || probes[1].created);
        return;
    }
    g_assert_true(probes[0].caps.guest_memfd);
    g_assert_true(probes[1].caps.guest_memfd);
    g_assert_cmphex(probes[0].caps.guest_memfd_flags, ==,
                    GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED);
    g_assert_cmphex(probes[1].caps.guest_memfd_flags, ==,
                    GUEST_MEMFD_FLAG_MMAP);
    g_assert_true(probes[0].caps.user_memory2);
    g_assert_true(probes[1].caps.user_memory2);
    g_assert_true(probes[0].caps.memory_fault_info);
    g_assert_true(probes[1].caps.memory_fault_info);
}

static void test_exit_hypercall(void)
{
    if (!need_kvm() || !probes[1].created) {
        g_assert_true(!have_kvm || probes[1].created);
        return;
    }
    g_assert_cmphex(probes[0].caps.exit_hypercall, ==,
                    1ULL << KVM_HC_MAP_GPA_RANGE);
    g_assert_cmphex(probes[1].caps.exit_hypercall, ==,
                    1ULL << KVM_HC_MAP_GPA_RANGE);
}

static void test_gmem_create(void)
{
    if (!need_kvm() || !probes[1].created) {
        g_assert_true(!have_kvm || probes[1].created);
        return;
    }
    /* type 0: all three; ours and the kernel agree */
    for (unsigned i = 0; i < G_N_ELEMENTS(gmem_flags); i++) {
        g_assert_cmpstr(probes[0].gmem_error[i], ==, NULL);
        g_assert_cmpint(probes[0].gmem_errno[i], ==, 0);
    }
    /* type 1: no INIT_SHARED (its memory starts private) */
    g_assert_cmpstr(probes[1].gmem_error[0], ==, NULL);
    g_assert_cmpint(probes[1].gmem_errno[0], ==, 0);
    g_assert_cmpstr(probes[1].gmem_error[1], ==, NULL);
    g_assert_cmpint(probes[1].gmem_errno[1], ==, 0);
    g_assert_cmpstr(probes[1].gmem_error[2], ==,
                    "Current KVM instance does not support guest-memfd "
                    "flag: 0x2");
    g_assert_cmpint(probes[1].gmem_errno[2], ==, EINVAL);
}

int main(int argc, char **argv)
{
    int fd, ret;

    g_test_init(&argc, &argv, NULL);
    /* every row of the table is checked even when an earlier one differs */
    g_test_set_nonfatal_assertions();
    fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    have_kvm = fd >= 0;
    if (have_kvm) {
        close(fd);
        probe_type(KVM_X86_DEFAULT_VM, &probes[0]);
        probe_type(KVM_X86_SW_PROTECTED_VM, &probes[1]);
        print_table();
    }
    g_test_add_func("/lab/caps/vm-types", test_vm_types);
    g_test_add_func("/lab/caps/memory-attributes", test_memory_attributes);
    g_test_add_func("/lab/caps/guest-memfd", test_gmem_caps);
    g_test_add_func("/lab/caps/exit-hypercall", test_exit_hypercall);
    g_test_add_func("/lab/caps/guest-memfd-create", test_gmem_create);
    ret = g_test_run();
    for (unsigned t = 0; t < 2; t++) {
        g_free(probes[t].init_error);
        for (unsigned i = 0; i < G_N_ELEMENTS(gmem_flags); i++) {
            g_free(probes[t].gmem_error[i]);
        }
    }
    return ret;
}
