/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Regression tests for the accelerator bugs found in review (issue 11
 * item 5), driven through the KVM double so that each one can stop the
 * VMM at the exact point where the bug was.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <sys/resource.h>
#include "qapi/error.h"
#include "system/cpus.h"
#include "system/memory.h"
#include "system/ramblock.h"
#include "kvm-double.h"

#define MiB (1024 * 1024ULL)

static KVMDouble *start(KVMDoubleProfile p)
{
    KVMDouble *d = kvm_double_new(p);

    kvm_double_install(d);
    g_assert_true(kvm_accel_init(KVM_X86_DEFAULT_VM, &error_abort));
    return d;
}

static void finish(KVMDouble *d)
{
    kvm_accel_cleanup();
    kvm_double_uninstall();
    g_assert_cmpuint(kvm_double_open_fds(d), ==, 0);
    kvm_double_free(d);
}

static pid_t main_tid;
static int worker_nice = 100;
static int hook_calls_off_main;

static void record_worker_nice(int fd, unsigned long req, void *opaque)
{
    if (req == KVM_SET_USER_MEMORY_REGION2 && gettid() != main_tid) {
        errno = 0;
        g_atomic_int_set(&worker_nice, getpriority(PRIO_PROCESS, gettid()));
        g_atomic_int_inc(&hook_calls_off_main);
    }
}

/*
 * The memslot worker runs at the process's priority: at nice 19 the
 * sync point waits on a thread it cannot raise without CAP_SYS_NICE.
 */
static void test_worker_priority(void)
{
    KVMDouble *d = start(KVM_DOUBLE_HOST_618);
    MemoryRegion a, b;

    main_tid = gettid();
    kvm_double_set_hook(d, record_worker_nice, NULL);
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    g_assert_true(memory_region_init_ram_flags_nomigrate(&a, NULL, "prio-a",
                                                         2 * MiB, 0,
                                                         &error_abort));
    g_assert_true(memory_region_init_ram_flags_nomigrate(&b, NULL, "prio-b",
                                                         2 * MiB, 0,
                                                         &error_abort));
    memory_region_transaction_begin();
    memory_region_add_subregion(get_system_memory(), 0, &a);
    memory_region_add_subregion(get_system_memory(), 8 * MiB, &b);
    memory_region_transaction_commit();
    g_assert_true(kvm_memslots_check(&error_abort));
    /* the slots went in from the worker, at our own nice value */
    g_assert_cmpint(g_atomic_int_get(&hook_calls_off_main), ==, 2);
    g_assert_cmpint(g_atomic_int_get(&worker_nice), ==,
                    getpriority(PRIO_PROCESS, 0));
    g_assert_cmpuint(kvm_double_nr_slots(d), ==, 2);
    kvm_double_set_hook(d, NULL, NULL);
    memory_region_del_subregion(get_system_memory(), &b);
    memory_region_del_subregion(get_system_memory(), &a);
    memory_region_finalize(&b);
    memory_region_finalize(&a);
    finish(d);
}

static int run_seen_during_setup = -1;

static void check_run_unpublished(int fd, unsigned long req, void *opaque)
{
    CPUState *cpu;

    if (req != KVM_SET_CPUID2 && req != KVM_SET_MSRS) {
        return;
    }
    qemu_cpus_lock();
    cpu = qemu_get_cpu(0);
    if (cpu && cpu->kvm_run) {
        run_seen_during_setup = 1;
    } else if (run_seen_during_setup < 0) {
        run_seen_during_setup = 0;
    }
    qemu_cpus_unlock();
}

static bool maps_mention(const char *what)
{
    g_autofree char *maps = NULL;

    g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
    return strstr(maps, what) != NULL;
}

/*
 * cpu_kick() writes immediate_exit through cpu->kvm_run from any
 * thread: a vCPU whose set-up is still running (or failing, and about to
 * unmap it) must not have it published.
 */
static void test_kvm_run_publication(void)
{
    KVMDouble *d = start(KVM_DOUBLE_HOST_618);
    Error *err = NULL;

    kvm_double_set_hook(d, check_run_unpublished, NULL);
    kvm_double_fail(d, KVM_SET_MSRS, 1, EFAULT);
    g_assert_false(cpus_create(1, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, "KVM_SET_MSRS failed: "
                    "Bad address");
    error_free(err);
    g_assert_cmpint(run_seen_during_setup, ==, 0);
    /* nothing of the vCPU is left */
    g_assert_false(maps_mention("kvm-double-vcpu"));
    g_assert_cmpuint(kvm_double_nr_vcpus(d), ==, 0);
    g_assert_null(qemu_get_cpu(0));

    /* and a good set-up publishes it */
    g_assert_true(cpus_create(1, &error_abort));
    g_assert_nonnull(qemu_get_cpu(0)->kvm_run);
    g_assert_true(maps_mention("kvm-double-vcpu"));
    kvm_double_set_hook(d, NULL, NULL);
    cpus_destroy();
    g_assert_false(maps_mention("kvm-double-vcpu"));
    finish(d);
}

/* A RAM region over a guest_memfd of the double, as hostmem does. */
static void gmem_ram_init(MemoryRegion *mr, const char *name, uint64_t size)
{
    uint64_t flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
    int fd = kvm_create_guest_memfd(size, flags, &error_abort);

    memset(mr, 0, sizeof(*mr));
    g_assert_true(memory_region_init_ram_from_fd(mr, NULL, name, size,
                                                 RAM_SHARED |
                                                 RAM_GUEST_MEMFD_SHARED,
                                                 fd, 0, &error_abort));
}

/* Every VMA of a slot must map the guest_memfd at the right offset. */
static void test_alias_every_vma(void)
{
    KVMDouble *d = start(KVM_DOUBLE_HOST_618);
    MemoryRegionSection sec;
    MemoryRegion mr;
    RAMBlock *rb;
    Error *err = NULL;
    int other;
    void *p;

    gmem_ram_init(&mr, "alias-vmas", 4 * MiB);
    rb = mr.ram_block;
    sec = (MemoryRegionSection) {
        .mr = &mr, .offset_within_region = 0,
        .offset_within_address_space = 32 * MiB, .size = 4 * MiB,
    };
    g_assert_true(kvm_memslots_check(&error_abort));

    /* the second half replaced by another file: the first byte is fine */
    other = memfd_create("alias-other", MFD_CLOEXEC);
    g_assert_cmpint(ftruncate(other, 2 * MiB), ==, 0);
    p = mmap(rb->host + 2 * MiB, 2 * MiB, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_FIXED, other, 0);
    g_assert_true(p == rb->host + 2 * MiB);
    g_assert_false(kvm_memslot_add_section(&sec, &err));
    g_assert_nonnull(strstr(error_get_pretty(err),
                            "is not a mapping of the guest_memfd"));
    g_assert_nonnull(strstr(error_get_pretty(err), "aliasing"));
    error_free(err);
    err = NULL;

    /* the same guest_memfd, but its first half mapped twice */
    p = mmap(rb->host + 2 * MiB, 2 * MiB, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_FIXED, rb->fd, rb->fd_offset);
    g_assert_true(p == rb->host + 2 * MiB);
    g_assert_false(kvm_memslot_add_section(&sec, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "maps guest_memfd offset "
                            "0x0, not 0x200000"));
    error_free(err);
    err = NULL;

    /* the right pages back, but with a hole in the middle */
    p = mmap(rb->host + 2 * MiB, 2 * MiB, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_FIXED, rb->fd, rb->fd_offset + 2 * MiB);
    g_assert_true(p == rb->host + 2 * MiB);
    g_assert_cmpint(munmap(rb->host + 3 * MiB, 4096), ==, 0);
    g_assert_false(kvm_memslot_add_section(&sec, &err));
    {
        g_autofree char *want = g_strdup_printf(
            "userspace_addr %p is not mapped", rb->host + 3 * MiB);

        g_assert_cmpstr(strstr(error_get_pretty(err), "userspace_addr"), ==,
                        want);
    }
    error_free(err);
    err = NULL;
    g_assert_cmpuint(kvm_double_nr_slots(d), ==, 0);

    /* hole filled: accepted, over three VMAs */
    p = mmap(rb->host + 3 * MiB, 4096, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_FIXED, rb->fd, rb->fd_offset + 3 * MiB);
    g_assert_true(p == rb->host + 3 * MiB);
    g_assert_true(kvm_memslot_add_section(&sec, &error_abort));
    g_assert_cmpuint(kvm_double_nr_slots(d), ==, 1);
    g_assert_true(kvm_memslot_del_section(&sec, &error_abort));
    close(other);
    memory_region_finalize(&mr);
    finish(d);
}

/* Read-only guest_memfd memory is refused, not made writable. */
static void test_readonly_gmem(void)
{
    KVMDouble *d = start(KVM_DOUBLE_HOST_618);
    MemoryRegion mr;
    Error *err = NULL;

    g_assert_true(kvm_memslots_check(&error_abort));
    gmem_ram_init(&mr, "ro-gmem", 2 * MiB);
    memory_region_set_readonly(&mr, true);
    memory_region_add_subregion(get_system_memory(), 16 * MiB, &mr);
    /* after the check a refused slot is reported, never kept silently */
    g_assert_cmpuint(kvm_double_nr_slots(d), ==, 0);
    memory_region_del_subregion(get_system_memory(), &mr);
    {
        MemoryRegionSection sec = {
            .mr = &mr, .offset_within_address_space = 16 * MiB,
            .size = 2 * MiB,
        };

        g_assert_false(kvm_memslot_add_section(&sec, &err));
        g_assert_cmpstr(error_get_pretty(err), ==,
                        "memslot at 0x1000000 refused: read-only memory "
                        "cannot be backed by guest_memfd (KVM_MEM_READONLY "
                        "with KVM_MEM_GUEST_MEMFD)");
        error_free(err);
    }
    g_assert_cmpuint(kvm_double_count(d, KVM_SET_USER_MEMORY_REGION2), ==,
                     0);
    memory_region_finalize(&mr);
    finish(d);
}

/*
 * A refused slot of the first transaction is kept for the sync point,
 * whichever thread found it, and reported there exactly once.
 */
static void test_worker_error_route(void)
{
    KVMDouble *d = start(KVM_DOUBLE_HOST_618);
    MemoryRegion a;
    Error *err = NULL;

    memset(&a, 0, sizeof(a));
    g_assert_true(memory_region_init_ram_flags_nomigrate(&a, NULL, "route-a",
                                                         2 * MiB, 0,
                                                         &error_abort));
    kvm_double_fail(d, KVM_SET_USER_MEMORY_REGION2, 1, ENOMEM);
    memory_region_add_subregion(get_system_memory(), 0, &a);
    g_assert_false(kvm_memslots_check(&err));
    g_assert_nonnull(strstr(error_get_pretty(err),
                            "KVM_SET_USER_MEMORY_REGION2 failed for slot"));
    g_assert_nonnull(strstr(error_get_pretty(err), "Cannot allocate memory"));
    error_free(err);
    g_assert_true(kvm_memslots_check(&error_abort));
    /* the irqchip is not created over a machine without its RAM */
    g_assert_false(kvm_double_irqchip_created(d));
    memory_region_del_subregion(get_system_memory(), &a);
    memory_region_finalize(&a);
    finish(d);
}

/* Cleanup while the worker still has slots queued: nothing is left. */
static void test_reset_during_worker(void)
{
    KVMDouble *d = start(KVM_DOUBLE_HOST_618);
    MemoryRegion r[16];

    memory_region_transaction_begin();
    for (unsigned i = 0; i < G_N_ELEMENTS(r); i++) {
        memset(&r[i], 0, sizeof(r[i]));
        g_assert_true(memory_region_init_ram_flags_nomigrate(&r[i], NULL,
                                                             "reset", MiB, 0,
                                                             &error_abort));
        memory_region_add_subregion(get_system_memory(), i * 2 * MiB, &r[i]);
    }
    memory_region_transaction_commit();
    kvm_accel_cleanup();
    g_assert_false(kvm_enabled());
    g_assert_cmpuint(kvm_double_count(d, KVM_SET_USER_MEMORY_REGION2), <=,
                     G_N_ELEMENTS(r));
    for (unsigned i = 0; i < G_N_ELEMENTS(r); i++) {
        memory_region_del_subregion(get_system_memory(), &r[i]);
        memory_region_finalize(&r[i]);
    }
    kvm_double_uninstall();
    g_assert_cmpuint(kvm_double_open_fds(d), ==, 0);
    kvm_double_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm-races/worker-priority", test_worker_priority);
    g_test_add_func("/kvm-races/kvm-run-publication",
                    test_kvm_run_publication);
    g_test_add_func("/kvm-races/alias-every-vma", test_alias_every_vma);
    g_test_add_func("/kvm-races/readonly-gmem", test_readonly_gmem);
    g_test_add_func("/kvm-races/worker-error-route", test_worker_error_route);
    g_test_add_func("/kvm-races/reset-during-worker",
                    test_reset_during_worker);
    return g_test_run();
}
