/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests of the KVM double where no kernel here can be the reference: the
 * per-guest_memfd attribute ABI of the v7 series (spec §10.3), VM-scoped
 * attributes of the lab profile, fault injection and scripted exits
 * through the VMM's own vCPU loop.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <linux/falloc.h>
#include "qapi/error.h"
#include "system/cpus.h"
#include "kvm-double.h"

#define MiB (1024 * 1024ULL)

typedef struct Fix {
    KVMDouble *d;
    const KVMOps *ops;
    int dev, vm;
} Fix;

static int fx_ioctl(Fix *f, int fd, unsigned long req, void *arg)
{
    return f->ops->ioctl(fd, req, arg, f->ops->opaque);
}

static void fix_init(Fix *f, KVMDoubleProfile p, int vm_type)
{
    f->d = kvm_double_new(p);
    f->ops = kvm_double_ops(f->d);
    f->dev = f->ops->open_device("/dev/kvm", O_RDWR, f->ops->opaque);
    g_assert_cmpint(f->dev, >=, 0);
    f->vm = fx_ioctl(f, f->dev, KVM_CREATE_VM, (void *)(uintptr_t)vm_type);
    g_assert_cmpint(f->vm, >=, 0);
}

static int fix_gmem(Fix *f, uint64_t size, uint64_t flags)
{
    struct kvm_create_guest_memfd g = { .size = size, .flags = flags };

    return fx_ioctl(f, f->vm, KVM_CREATE_GUEST_MEMFD, &g);
}

static void fix_fini(Fix *f)
{
    f->ops->close(f->vm, f->ops->opaque);
    f->ops->close(f->dev, f->ops->opaque);
    g_assert_cmpuint(kvm_double_open_fds(f->d), ==, 0);
    kvm_double_free(f->d);
}

static int attr2(Fix *f, int gmem, uint64_t off, uint64_t size,
                 uint64_t attrs, uint64_t *error_offset)
{
    struct kvm_memory_attributes2 a = {
        .offset = off, .size = size, .attributes = attrs,
        .error_offset = 0x5a5a,
    };
    int ret = fx_ioctl(f, gmem, KVM_SET_MEMORY_ATTRIBUTES2, &a);

    if (error_offset) {
        *error_offset = a.error_offset;
    }
    return ret;
}

static void test_attr2_rules(void)
{
    const uint64_t P = KVM_MEMORY_ATTRIBUTE_PRIVATE;
    struct kvm_memory_attributes2 a = { .size = 4096, .attributes = P };
    Fix f;
    int gmem, priv;
    uint64_t eo;

    fix_init(&f, KVM_DOUBLE_INPLACE_V7, KVM_X86_SW_PROTECTED_VM);
    /* in-place v7: a CoCo VM accepts INIT_SHARED (patch 19) */
    gmem = fix_gmem(&f, MiB, GUEST_MEMFD_FLAG_MMAP |
                    GUEST_MEMFD_FLAG_INIT_SHARED);
    g_assert_cmpint(gmem, >=, 0);
    priv = fix_gmem(&f, MiB, GUEST_MEMFD_FLAG_MMAP);
    g_assert_cmpint(priv, >=, 0);
    /* initial state: PRIVATE unless INIT_SHARED */
    g_assert_cmpint(kvm_double_gmem_attributes(f.d, gmem, 0), ==, 0);
    g_assert_cmpint(kvm_double_gmem_attributes(f.d, priv, MiB - 4096), ==, P);

    /* every EINVAL rule of §10.3 */
    a.flags = 1;
    g_assert_cmpint(fx_ioctl(&f, gmem, KVM_SET_MEMORY_ATTRIBUTES2, &a), ==,
                    -EINVAL);
    a.flags = 0;
    a.reserved[10] = 1;
    g_assert_cmpint(fx_ioctl(&f, gmem, KVM_SET_MEMORY_ATTRIBUTES2, &a), ==,
                    -EINVAL);
    g_assert_cmpint(attr2(&f, gmem, 0, 4096, 1, NULL), ==, -EINVAL);
    g_assert_cmpint(attr2(&f, gmem, 0, 0, P, NULL), ==, -EINVAL);
    g_assert_cmpint(attr2(&f, gmem, 100, 4096, P, NULL), ==, -EINVAL);
    g_assert_cmpint(attr2(&f, gmem, 0, 100, P, NULL), ==, -EINVAL);
    g_assert_cmpint(attr2(&f, gmem, MiB, 4096, P, NULL), ==, -EINVAL);
    g_assert_cmpint(attr2(&f, gmem, MiB - 4096, 8192, P, NULL), ==, -EINVAL);
    g_assert_cmpint(attr2(&f, gmem, 4096, UINT64_MAX - 4095, P, NULL), ==,
                    -EINVAL);
    /* none of them changed anything */
    g_assert_cmpint(kvm_double_gmem_attributes(f.d, gmem, 0), ==, 0);
    /* the VM fd has no such ioctl */
    g_assert_cmpint(attr2(&f, f.vm, 0, 4096, P, NULL), ==, -ENOTTY);

    /* a pinned page refuses to become private: EAGAIN at its offset */
    kvm_double_gmem_pin(f.d, gmem, 3 * 4096, true);
    g_assert_cmpint(attr2(&f, gmem, 0, 8 * 4096, P, &eo), ==, -EAGAIN);
    g_assert_cmphex(eo, ==, 3 * 4096);
    g_assert_cmpint(kvm_double_gmem_attributes(f.d, gmem, 0), ==, 0);
    /* the pages around it convert */
    g_assert_cmpint(attr2(&f, gmem, 0, 3 * 4096, P, &eo), ==, 0);
    g_assert_cmphex(eo, ==, 0x5a5a);          /* written only on failure */
    g_assert_cmpint(kvm_double_gmem_attributes(f.d, gmem, 2 * 4096), ==, P);
    g_assert_cmpint(kvm_double_gmem_attributes(f.d, gmem, 3 * 4096), ==, 0);
    /* to shared is never refused by a pin */
    g_assert_cmpint(attr2(&f, gmem, 0, 8 * 4096, 0, NULL), ==, 0);
    /* already in that state: early return, even over the pinned page */
    g_assert_cmpint(attr2(&f, gmem, 0, 8 * 4096, 0, NULL), ==, 0);
    kvm_double_gmem_pin(f.d, gmem, 3 * 4096, false);
    g_assert_cmpint(attr2(&f, gmem, 0, 8 * 4096, P, NULL), ==, 0);
    g_assert_cmpint(kvm_double_gmem_attributes(f.d, gmem, 3 * 4096), ==, P);
    kvm_double_gmem_pin(f.d, gmem, 3 * 4096, true);
    g_assert_cmpint(attr2(&f, gmem, 0, 8 * 4096, P, NULL), ==, 0);

    /* ENOMEM reports the starting offset, and nothing changes */
    kvm_double_fail(f.d, KVM_SET_MEMORY_ATTRIBUTES2, 1, ENOMEM);
    g_assert_cmpint(attr2(&f, gmem, 16 * 4096, 4096, P, &eo), ==, -ENOMEM);
    g_assert_cmphex(eo, ==, 16 * 4096);
    g_assert_cmpint(kvm_double_gmem_attributes(f.d, gmem, 16 * 4096), ==, 0);

    /* a dup of the fd is the same file */
    {
        int dup = fcntl(gmem, F_DUPFD_CLOEXEC, 0);

        g_assert_cmpint(attr2(&f, dup, 16 * 4096, 4096, P, NULL), ==, 0);
        g_assert_cmpint(kvm_double_gmem_attributes(f.d, gmem, 16 * 4096),
                        ==, P);
        close(dup);
    }
    f.ops->close(gmem, f.ops->opaque);
    f.ops->close(priv, f.ops->opaque);
    fix_fini(&f);
}

/* vm_memory_attributes=1 kernels: the per-gmem ABI does not exist */
static void test_attr2_absent(void)
{
    Fix f;
    int gmem;

    fix_init(&f, KVM_DOUBLE_LAB_73, KVM_X86_SW_PROTECTED_VM);
    gmem = fix_gmem(&f, MiB, GUEST_MEMFD_FLAG_MMAP);
    g_assert_cmpint(attr2(&f, gmem, 0, 4096, KVM_MEMORY_ATTRIBUTE_PRIVATE,
                          NULL), ==, -ENOTTY);
    /* and a SW_PROTECTED VM does not take INIT_SHARED (lab §4) */
    g_assert_cmpint(fix_gmem(&f, MiB, GUEST_MEMFD_FLAG_MMAP |
                             GUEST_MEMFD_FLAG_INIT_SHARED), ==, -EINVAL);
    f.ops->close(gmem, f.ops->opaque);
    fix_fini(&f);
}

static void test_vm_attributes(void)
{
    struct kvm_memory_attributes a = {
        .address = 2 * MiB, .size = 3 * 4096,
        .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE,
    };
    Fix f, g, h;

    fix_init(&f, KVM_DOUBLE_LAB_73, KVM_X86_SW_PROTECTED_VM);
    g_assert_cmpint(fx_ioctl(&f, f.vm, KVM_SET_MEMORY_ATTRIBUTES, &a), ==, 0);
    g_assert_cmphex(kvm_double_gpa_attributes(f.d, 2 * MiB + 8192), ==,
                    KVM_MEMORY_ATTRIBUTE_PRIVATE);
    g_assert_cmphex(kvm_double_gpa_attributes(f.d, 2 * MiB + 12288), ==, 0);
    a.size = 4096;
    a.attributes = 0;
    g_assert_cmpint(fx_ioctl(&f, f.vm, KVM_SET_MEMORY_ATTRIBUTES, &a), ==, 0);
    g_assert_cmphex(kvm_double_gpa_attributes(f.d, 2 * MiB), ==, 0);
    g_assert_cmphex(kvm_double_gpa_attributes(f.d, 2 * MiB + 4096), ==,
                    KVM_MEMORY_ATTRIBUTE_PRIVATE);
    fix_fini(&f);

    /* a default VM has no PRIVATE attribute */
    fix_init(&g, KVM_DOUBLE_LAB_73, KVM_X86_DEFAULT_VM);
    a.attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE;
    g_assert_cmpint(fx_ioctl(&g, g.vm, KVM_SET_MEMORY_ATTRIBUTES, &a), ==,
                    -EINVAL);
    fix_fini(&g);

    /* vm_memory_attributes=0: the VM ioctl is gone (spec §6, §10.2) */
    fix_init(&h, KVM_DOUBLE_INPLACE_V7, KVM_X86_SW_PROTECTED_VM);
    g_assert_cmpint(fx_ioctl(&h, h.vm, KVM_SET_MEMORY_ATTRIBUTES, &a), ==,
                    -ENOTTY);
    g_assert_cmpint(fx_ioctl(&h, h.vm, KVM_CHECK_EXTENSION,
                             (void *)KVM_CAP_MEMORY_ATTRIBUTES), ==, 0);
    g_assert_cmpint(fx_ioctl(&h, h.vm, KVM_CHECK_EXTENSION,
                             (void *)KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES),
                    ==, KVM_MEMORY_ATTRIBUTE_PRIVATE);
    fix_fini(&h);
}

static void test_fault_injection(void)
{
    KVMDouble *d = kvm_double_new(KVM_DOUBLE_HOST_618);
    const KVMOps *ops = kvm_double_ops(d);
    int dev = ops->open_device("/dev/kvm", O_RDWR, ops->opaque);
    int vm;

    /* the 2nd call from now fails, once, and has no effect */
    kvm_double_fail(d, KVM_CREATE_VM, 2, EINTR);
    vm = ops->ioctl(dev, KVM_CREATE_VM, 0, ops->opaque);
    g_assert_cmpint(vm, >=, 0);
    ops->close(vm, ops->opaque);
    g_assert_cmpint(ops->ioctl(dev, KVM_CREATE_VM, 0, ops->opaque), ==,
                    -EINTR);
    g_assert_cmpint(kvm_double_vm_fd(d), ==, -1);
    vm = ops->ioctl(dev, KVM_CREATE_VM, 0, ops->opaque);
    g_assert_cmpint(vm, >=, 0);
    g_assert_cmpuint(kvm_double_count(d, KVM_CREATE_VM), ==, 3);
    g_assert_cmpuint(kvm_double_count(d, KVM_DOUBLE_OP_ANY), ==, 3);

    kvm_double_fail(d, KVM_DOUBLE_OP_OPEN, 1, ENOENT);
    g_assert_cmpint(ops->open_device("/dev/kvm", O_RDWR, ops->opaque), ==,
                    -ENOENT);
    {
        struct kvm_create_guest_memfd g = { .size = MiB };
        int fd = ops->ioctl(vm, KVM_CREATE_GUEST_MEMFD, &g, ops->opaque);

        kvm_double_fail(d, KVM_DOUBLE_OP_FALLOCATE, 1, ENOSPC);
        g_assert_cmpint(ops->fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, MiB,
                                       ops->opaque), ==, -ENOSPC);
        g_assert_cmpint(ops->fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, MiB,
                                       ops->opaque), ==, 0);
        ops->close(fd, ops->opaque);
    }
    ops->close(vm, ops->opaque);
    ops->close(dev, ops->opaque);
    g_assert_cmpuint(kvm_double_open_fds(d), ==, 0);
    kvm_double_free(d);
}

/*
 * The VMM's vCPU loop against scripted exits, on a VM that is not
 * confidential: MAP_GPA_RANGE was not enabled, so KVM keeps it; a memory
 * fault it cannot resolve parks the vCPU as crashed, without another
 * KVM_RUN, and the process goes on.
 */
static void test_vcpu_script(void)
{
    KVMDouble *d = kvm_double_new(KVM_DOUBLE_LAB_73);
    int64_t ret = 0;

    kvm_double_install(d);
    kvm_accel_init(KVM_X86_DEFAULT_VM, &error_abort);
    g_assert_cmphex(kvm_double_hypercalls_enabled(d), ==, 0);
    g_assert_true(cpus_create(1, &error_abort));
    g_assert_true(kvm_double_irqchip_created(d));
    g_assert_cmpuint(kvm_double_nr_vcpus(d), ==, 1);
    kvm_double_queue_hypercall(d, 0, KVM_HC_MAP_GPA_RANGE, 0, 1,
                               KVM_MAP_GPA_RANGE_ENCRYPTED);
    /* no RAM at 1 GiB: the conversion fails */
    kvm_double_queue_memory_fault(d, 0, 1ULL << 30, 4096, true);
    kvm_double_queue_hlt(d, 0);
    resume_all_vcpus();
    for (int i = 0; i < 5000 && !kvm_double_vcpu_runs(d, 0); i++) {
        g_usleep(1000);
    }
    pause_all_vcpus();
    g_assert_cmpuint(kvm_double_vcpu_runs(d, 0), ==, 1);
    g_assert_false(kvm_double_hypercall_ret(d, 0, &ret));
    /* a resume does not run a crashed vCPU again */
    resume_all_vcpus();
    pause_all_vcpus();
    g_assert_cmpuint(kvm_double_vcpu_runs(d, 0), ==, 1);
    cpus_destroy();
    kvm_accel_cleanup();
    kvm_double_uninstall();
    /* vCPU, VM and device fds all went back through the seam */
    g_assert_cmpuint(kvm_double_open_fds(d), ==, 0);
    g_assert_cmpuint(kvm_double_count(d, KVM_DOUBLE_OP_CLOSE), ==, 3);
    kvm_double_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm-double/attr2/rules", test_attr2_rules);
    g_test_add_func("/kvm-double/attr2/absent", test_attr2_absent);
    g_test_add_func("/kvm-double/vm-attributes", test_vm_attributes);
    g_test_add_func("/kvm-double/fault-injection", test_fault_injection);
    g_test_add_func("/kvm-double/vcpu-script", test_vcpu_script);
    return g_test_run();
}
