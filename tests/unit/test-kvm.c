/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Contract tests of the real KVM: capability probing, VM types,
 * guest_memfd rules, memslots (aliasing rule, overlaps) and a tiny
 * long-mode guest doing port I/O on vCPU threads.
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include <linux/falloc.h>
#include "linux/kvm.h"
#include "qapi/error.h"
#include "system/kvm.h"
#include "system/kvm_int.h"
#include "system/cpus.h"
#include "system/memory.h"
#include "system/ramblock.h"
#include "hw/i386/x86-cpu.h"
#include "kvm-double.h"

#define MiB (1024 * 1024ULL)

static bool kvm_usable(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        g_autofree char *msg = g_strdup_printf("KVM not available: "
                                               "/dev/kvm: %s",
                                               strerror(errno));
        g_test_skip(msg);
        return false;
    }
    close(fd);
    return true;
}

static int raw_check(int fd, long cap)
{
    int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

    return r < 0 ? 0 : r;
}

static bool init_kvm(void)
{
    if (!kvm_usable()) {
        return false;
    }
    kvm_accel_init(KVM_X86_DEFAULT_VM, &error_abort);
    return true;
}

/* guest_memfd with mmap, or skip naming the capability */
static bool need_gmem_mmap(void)
{
    const KVMCaps *c = kvm_get_caps();
    uint64_t want = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;

    if (!c->guest_memfd || (c->guest_memfd_flags & want) != want) {
        g_test_skip("KVM_CAP_GUEST_MEMFD_FLAGS not available: guest_memfd "
                    "with MMAP|INIT_SHARED needs Linux 6.18");
        kvm_accel_cleanup();
        return false;
    }
    return true;
}

/*
 * The VMM's capability probe against independent facts: for every
 * profile of the KVM double (whose values the contract test holds to
 * the real kernels) and every VM type it offers, each KVMCaps field must
 * be what that kernel answers on the VM fd -- not on /dev/kvm, which
 * differs for KVM_CAP_MEMORY_ATTRIBUTES in the lab profile.
 */
static void test_caps(void)
{
    for (int p = 0; p < KVM_DOUBLE_NR_PROFILES; p++) {
        int64_t types = kvm_double_profile_cap(p, -1, KVM_CAP_VM_TYPES);

        for (int t = 0; t < 8; t++) {
            KVMDouble *d;
            const KVMCaps *c;

            if (!(types & (1ULL << t))) {
                continue;
            }
            g_test_message("profile %s, VM type %d",
                           kvm_double_profile_name(p), t);
            d = kvm_double_new(p);
            kvm_double_install(d);
            g_assert_true(kvm_accel_init(t, &error_abort));
            c = kvm_get_caps();
            g_assert_true(kvm_enabled());
            g_assert_cmpint(c->api_version, ==, 12);
            g_assert_cmpint(c->vm_type, ==, t);
            g_assert_cmphex(c->vm_types, ==, types);
#define PCAP(cap) kvm_double_profile_cap(p, t, cap)
            g_assert_cmpint(c->user_memory2, ==,
                            PCAP(KVM_CAP_USER_MEMORY2) > 0);
            g_assert_cmpint(c->memory_fault_info, ==,
                            PCAP(KVM_CAP_MEMORY_FAULT_INFO) > 0);
            g_assert_cmphex(c->memory_attributes, ==,
                            PCAP(KVM_CAP_MEMORY_ATTRIBUTES));
            g_assert_cmpint(c->guest_memfd, ==, PCAP(KVM_CAP_GUEST_MEMFD) > 0);
            g_assert_cmphex(c->guest_memfd_flags, ==,
                            PCAP(KVM_CAP_GUEST_MEMFD_FLAGS));
            g_assert_cmphex(c->gmem_memory_attributes, ==,
                            PCAP(KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES));
            g_assert_cmpint(c->pre_fault_memory, ==,
                            PCAP(KVM_CAP_PRE_FAULT_MEMORY) > 0);
            g_assert_cmphex(c->exit_hypercall, ==,
                            PCAP(KVM_CAP_EXIT_HYPERCALL));
            g_assert_cmpint(c->nr_memslots, ==, PCAP(KVM_CAP_NR_MEMSLOTS));
            g_assert_cmpint(c->max_vcpus, ==, PCAP(KVM_CAP_MAX_VCPUS));
#undef PCAP
            /* "irqchip" means created, which happens at the sync point */
            g_assert_true(kvm_irqchip_in_kernel());
            g_assert_true(kvm_double_irqchip_created(d));
            kvm_accel_cleanup();
            g_assert_false(kvm_enabled());
            g_assert_null(kvm_get_caps());
            kvm_double_uninstall();
            g_assert_cmpuint(kvm_double_open_fds(d), ==, 0);
            kvm_double_free(d);
        }
    }
}

/* A kernel without guest_memfd: the probe says so and creation refuses. */
static void test_caps_no_gmem(void)
{
    KVMDouble *d = kvm_double_new(KVM_DOUBLE_HOST_618);
    Error *err = NULL;

    kvm_double_set_cap(d, KVM_X86_DEFAULT_VM, KVM_CAP_GUEST_MEMFD, 0);
    kvm_double_install(d);
    g_assert_true(kvm_accel_init(KVM_X86_DEFAULT_VM, &error_abort));
    g_assert_false(kvm_get_caps()->guest_memfd);
    /* the flags are not even asked for without the cap */
    g_assert_cmphex(kvm_get_caps()->guest_memfd_flags, ==, 0);
    g_assert_cmpint(kvm_create_guest_memfd(MiB, 0, &err), <, 0);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "KVM does not support guest_memfd");
    error_free(err);
    kvm_accel_cleanup();
    kvm_double_uninstall();
    kvm_double_free(d);
}

static void test_vm_types(void)
{
    Error *err = NULL;
    uint64_t types;
    int dev, t;

    if (!kvm_usable()) {
        return;
    }
    dev = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    types = raw_check(dev, KVM_CAP_VM_TYPES);
    close(dev);
    for (t = 1; t <= KVM_X86_TDX_VM; t++) {
        if (types & (1ULL << t)) {
            continue;
        }
        g_assert_false(kvm_accel_init(t, &err));
        g_assert_nonnull(strstr(error_get_pretty(err), "KVM_CAP_VM_TYPES"));
        g_assert_nonnull(strstr(error_get_pretty(err), "not supported"));
        g_assert_cmpint(kvm_accel_init_errno(), ==, EINVAL);
        g_assert_false(kvm_enabled());
        error_free(err);
        err = NULL;
    }
    g_assert_false(kvm_accel_init(64, &err));
    error_free(err);
    err = NULL;
    /* and a good type still works afterwards: nothing was left behind */
    g_assert_true(kvm_accel_init(KVM_X86_DEFAULT_VM, &error_abort));
    g_assert_false(kvm_accel_init(KVM_X86_DEFAULT_VM, &err));
    error_free(err);
    kvm_accel_cleanup();
}

static void test_missing_device(void)
{
    Error *err = NULL;

    g_setenv("QEMU_KVM_DEVICE", "/nonexistent/kvm", true);
    g_assert_false(kvm_accel_init(KVM_X86_DEFAULT_VM, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Could not access KVM kernel module: "
                    "No such file or directory");
    g_assert_cmpint(kvm_accel_init_errno(), ==, ENOENT);
    error_free(err);
    err = NULL;

    /* something that is not KVM at all */
    g_setenv("QEMU_KVM_DEVICE", "/dev/null", true);
    g_assert_false(kvm_accel_init(KVM_X86_DEFAULT_VM, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "kvm version too old");
    error_free(err);
    g_unsetenv("QEMU_KVM_DEVICE");
    g_assert_false(kvm_enabled());
}

static void test_gmem_without_kvm(void)
{
    Error *err = NULL;

    g_assert_false(kvm_enabled());
    g_assert_cmpint(kvm_create_guest_memfd(2 * MiB, 0, &err), <, 0);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "guest-memfd requires KVM accelerator");
    error_free(err);
}

static void test_gmem_create(void)
{
    uint64_t flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
    Error *err = NULL;
    uint8_t *p, *q;
    int fd, fd2;

    if (!init_kvm() || !need_gmem_mmap()) {
        return;
    }
    fd = kvm_create_guest_memfd(4 * MiB, flags, &error_abort);
    g_assert_cmpint(fd, >=, 0);
    p = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    g_assert_true(p != MAP_FAILED);
    g_assert_cmpint(p[12345], ==, 0);          /* zeroed on first touch */
    p[12345] = 0xa5;
    /* a second mapping of the same file sees the same page */
    q = mmap(NULL, 4 * MiB, PROT_READ, MAP_SHARED, fd, 0);
    g_assert_true(q != MAP_FAILED);
    g_assert_cmpint(q[12345], ==, 0xa5);
    munmap(q, 4 * MiB);
    /* private (COW) mappings are refused */
    q = mmap(NULL, 4 * MiB, PROT_READ, MAP_PRIVATE, fd, 0);
    g_assert_true(q == MAP_FAILED);
    g_assert_cmpint(errno, ==, EINVAL);
    /* not resizable */
    g_assert_cmpint(ftruncate(fd, 8 * MiB), <, 0);
    munmap(p, 4 * MiB);
    close(fd);

    /* without MMAP the file cannot be mapped */
    fd2 = kvm_create_guest_memfd(2 * MiB, 0, &error_abort);
    q = mmap(NULL, 2 * MiB, PROT_READ, MAP_SHARED, fd2, 0);
    g_assert_true(q == MAP_FAILED);
    g_assert_cmpint(errno, ==, ENODEV);
    close(fd2);

    /* size must be page aligned and non-zero */
    g_assert_cmpint(kvm_create_guest_memfd(4097, 0, &err), <, 0);
    g_assert_nonnull(strstr(error_get_pretty(err),
                            "Error creating KVM guest_memfd"));
    error_free(err);
    err = NULL;
    kvm_accel_cleanup();
}

static void test_gmem_bad_flag(void)
{
    const KVMCaps *c;
    uint64_t bad;
    g_autofree char *want = NULL;
    Error *err = NULL;

    if (!init_kvm()) {
        return;
    }
    c = kvm_get_caps();
    if (!c->guest_memfd) {
        g_test_skip("KVM_CAP_GUEST_MEMFD not available");
        kvm_accel_cleanup();
        return;
    }
    /* the lowest flag bit this VM does not offer */
    bad = (c->guest_memfd_flags + 1) & ~c->guest_memfd_flags;
    g_assert_cmpint(kvm_create_guest_memfd(2 * MiB,
                                           GUEST_MEMFD_FLAG_MMAP | bad,
                                           &err), <, 0);
    want = g_strdup_printf("Current KVM instance does not support "
                           "guest-memfd flag: 0x%" PRIx64, bad);
    g_assert_cmpstr(error_get_pretty(err), ==, want);
    g_assert_nonnull(error_get_hint(err));
    g_assert_nonnull(strstr(error_get_hint(err), "KVM_CAP_GUEST_MEMFD_FLAGS"));
    g_assert_nonnull(strstr(error_get_hint(err), "6.18"));
    error_free(err);
    kvm_accel_cleanup();
}

static void test_gmem_fallocate(void)
{
    uint64_t flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
    long psz = sysconf(_SC_PAGESIZE);
    uint8_t *p;
    int fd;

    if (!init_kvm() || !need_gmem_mmap()) {
        return;
    }
    fd = kvm_create_guest_memfd(4 * MiB, flags, &error_abort);
    /* KEEP_SIZE is mandatory */
    g_assert_cmpint(fallocate(fd, 0, 0, psz), <, 0);
    g_assert_cmpint(errno, ==, EOPNOTSUPP);
    g_assert_cmpint(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 4 * MiB), ==, 0);
    g_assert_cmpint(fallocate(fd, FALLOC_FL_KEEP_SIZE, 1, psz), <, 0);
    g_assert_cmpint(errno, ==, EINVAL);
    g_assert_cmpint(fallocate(fd, FALLOC_FL_KEEP_SIZE, 4 * MiB, psz), <, 0);
    g_assert_cmpint(errno, ==, EINVAL);
    g_assert_cmpint(fallocate(fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE,
                              0, psz), <, 0);
    g_assert_cmpint(errno, ==, EOPNOTSUPP);

    /* PUNCH_HOLE frees: the next access sees fresh zeroes */
    p = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    g_assert_true(p != MAP_FAILED);
    memset(p, 0x5a, 2 * psz);
    g_assert_cmpint(fallocate(fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
                              0, psz), ==, 0);
    g_assert_cmpint(p[0], ==, 0);
    g_assert_cmpint(p[psz], ==, 0x5a);
    munmap(p, 4 * MiB);
    close(fd);
    kvm_accel_cleanup();
}

/* A RAM region over a fresh MMAP|INIT_SHARED guest_memfd, as hostmem does */
static void gmem_ram_init(MemoryRegion *mr, const char *name, uint64_t size)
{
    uint64_t flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
    int fd = kvm_create_guest_memfd(size, flags, &error_abort);

    memset(mr, 0, sizeof(*mr));
    g_assert_true(memory_region_init_ram_from_fd(mr, NULL, name, size,
                                                 RAM_SHARED |
                                                 RAM_GUEST_MEMFD_SHARED,
                                                 fd, 0, &error_abort));
    g_assert_nonnull(mr->ram_block);
    g_assert_cmpint(mr->ram_block->guest_memfd, >=, 0);
}

static void test_memslot_listener(void)
{
    MemoryRegion mr, ro;
    KVMSlot slot;
    unsigned before, first_id;

    if (!init_kvm() || !need_gmem_mmap()) {
        return;
    }
    before = kvm_memslots_used();
    gmem_ram_init(&mr, "test-gmem", 4 * MiB);
    memory_region_add_subregion(get_system_memory(), 16 * MiB, &mr);
    g_assert_true(kvm_memslots_check(&error_abort));
    g_assert_cmpuint(kvm_memslots_used(), ==, before + 1);
    g_assert_true(kvm_memslot_lookup(16 * MiB + 4096, &slot));
    g_assert_cmphex(slot.start_addr, ==, 16 * MiB);
    g_assert_cmphex(slot.memory_size, ==, 4 * MiB);
    g_assert_cmphex(slot.flags, ==, KVM_MEM_GUEST_MEMFD);
    g_assert_cmpint(slot.guest_memfd, ==, mr.ram_block->guest_memfd);
    g_assert_cmphex(slot.guest_memfd_offset, ==,
                    mr.ram_block->guest_memfd_offset);
    g_assert_cmphex(slot.userspace_addr, ==,
                    (uint64_t)(uintptr_t)mr.ram_block->host);
    first_id = slot.id;
    g_assert_false(kvm_memslot_lookup(20 * MiB, &slot));

    memory_region_del_subregion(get_system_memory(), &mr);
    g_assert_cmpuint(kvm_memslots_used(), ==, before);
    g_assert_false(kvm_memslot_lookup(16 * MiB, &slot));
    memory_region_finalize(&mr);

    /* ordinary read-only RAM: a KVM_MEM_READONLY slot, id recycled */
    memset(&ro, 0, sizeof(ro));
    g_assert_true(memory_region_init_ram_flags_nomigrate(&ro, NULL, "test-ro",
                                                         2 * MiB, 0,
                                                         &error_abort));
    memory_region_set_readonly(&ro, true);
    memory_region_add_subregion(get_system_memory(), 48 * MiB, &ro);
    g_assert_true(kvm_memslots_check(&error_abort));
    g_assert_true(kvm_memslot_lookup(48 * MiB, &slot));
    g_assert_cmphex(slot.flags, ==, KVM_MEM_READONLY);
    g_assert_cmpint(slot.guest_memfd, ==, -1);
    g_assert_cmpuint(slot.id, ==, first_id);
    memory_region_del_subregion(get_system_memory(), &ro);
    g_assert_cmpuint(kvm_memslots_used(), ==, before);
    memory_region_finalize(&ro);
    kvm_accel_cleanup();
}

static void test_memslot_wrong_alias(void)
{
    MemoryRegion mr;
    MemoryRegionSection sec;
    RAMBlock *rb;
    uint8_t *real_host, *anon;
    int real_fd, other;
    Error *err = NULL;
    unsigned before;

    if (!init_kvm() || !need_gmem_mmap()) {
        return;
    }
    gmem_ram_init(&mr, "test-alias", 4 * MiB);
    rb = mr.ram_block;
    before = kvm_memslots_used();
    sec = (MemoryRegionSection) {
        .mr = &mr, .offset_within_region = 0,
        .offset_within_address_space = 32 * MiB, .size = 4 * MiB,
    };

    /* userspace_addr one page off the pages the guest_memfd offset names */
    real_host = rb->host;
    rb->host = real_host + qemu_real_host_page_size();
    g_assert_false(kvm_memslot_add_section(&sec, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "aliasing"));
    g_assert_nonnull(strstr(error_get_pretty(err), "maps guest_memfd offset"));
    error_free(err);
    err = NULL;

    /* userspace_addr is other memory altogether */
    anon = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    g_assert_true(anon != MAP_FAILED);
    rb->host = anon;
    g_assert_false(kvm_memslot_add_section(&sec, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "not a mapping of the "
                            "guest_memfd"));
    error_free(err);
    err = NULL;
    munmap(anon, 4 * MiB);
    rb->host = real_host;

    /* the caller's arithmetic must agree with the block's */
    g_assert_false(kvm_gmem_alias_check(rb, (uintptr_t)rb->host + 4096,
                                        4096, rb->guest_memfd_offset + 8192,
                                        &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "expected"));
    error_free(err);
    err = NULL;
    g_assert_cmpuint(kvm_memslots_used(), ==, before);

    /* the mapped fd is not the guest_memfd */
    real_fd = rb->fd;
    other = memfd_create("not-gmem", MFD_CLOEXEC);
    g_assert_cmpint(other, >=, 0);
    rb->fd = other;
    g_assert_false(kvm_memslot_add_section(&sec, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "different files"));
    error_free(err);
    err = NULL;
    rb->fd = real_fd;
    close(other);
    g_assert_cmpuint(kvm_memslots_used(), ==, before);

    /* the helper agrees on the good alias, and the slot goes in */
    g_assert_true(kvm_gmem_alias_check(rb, (uintptr_t)rb->host + 8192,
                                       4096, rb->guest_memfd_offset + 8192,
                                       &error_abort));
    g_assert_true(kvm_memslot_add_section(&sec, &error_abort));
    g_assert_cmpuint(kvm_memslots_used(), ==, before + 1);
    g_assert_true(kvm_memslot_del_section(&sec, &error_abort));
    g_assert_cmpuint(kvm_memslots_used(), ==, before);
    memory_region_finalize(&mr);
    kvm_accel_cleanup();
}

/*
 * The first RAM transaction after kvm_accel_init() goes to the memslot
 * worker; kvm_memslots_check() is the sync point after which the slots
 * and the irqchip are there, and later changes are synchronous again.
 */
static void test_memslot_async(void)
{
    MemoryRegion a, b, c;
    KVMSlot slot;
    unsigned before;

    if (!init_kvm() || !need_gmem_mmap()) {
        return;
    }
    gmem_ram_init(&a, "test-async-a", 4 * MiB);
    gmem_ram_init(&b, "test-async-b", 2 * MiB);
    memory_region_transaction_begin();
    memory_region_add_subregion(get_system_memory(), 16 * MiB, &a);
    memory_region_add_subregion(get_system_memory(), 64 * MiB, &b);
    memory_region_transaction_commit();

    g_assert_true(kvm_memslots_check(&error_abort));
    g_assert_false(kvm_memslots_pending());
    /* the irqchip the worker created after the slots */
    g_assert_cmpint(kvm_irqchip_in_kernel(), ==,
                    raw_check(kvm_get_vm_fd(), KVM_CAP_IRQCHIP) > 0);
    g_assert_true(kvm_memslot_lookup(16 * MiB, &slot));
    g_assert_cmphex(slot.memory_size, ==, 4 * MiB);
    g_assert_cmpint(slot.guest_memfd, ==, a.ram_block->guest_memfd);
    g_assert_cmphex(slot.userspace_addr, ==,
                    (uint64_t)(uintptr_t)a.ram_block->host);
    g_assert_true(kvm_memslot_lookup(64 * MiB + 4096, &slot));
    g_assert_cmphex(slot.start_addr, ==, 64 * MiB);
    g_assert_cmphex(slot.memory_size, ==, 2 * MiB);
    g_assert_cmpint(slot.guest_memfd, ==, b.ram_block->guest_memfd);
    before = kvm_memslots_used();

    /* after the sync point: visible as soon as the listener returns */
    gmem_ram_init(&c, "test-async-c", 2 * MiB);
    memory_region_add_subregion(get_system_memory(), 96 * MiB, &c);
    g_assert_false(kvm_memslots_pending());
    g_assert_cmpuint(kvm_memslots_used(), ==, before + 1);
    g_assert_true(kvm_memslot_lookup(96 * MiB, &slot));

    memory_region_del_subregion(get_system_memory(), &c);
    memory_region_del_subregion(get_system_memory(), &b);
    memory_region_del_subregion(get_system_memory(), &a);
    g_assert_false(kvm_memslot_lookup(16 * MiB, &slot));
    g_assert_cmpuint(kvm_memslots_used(), ==, before - 2);
    memory_region_finalize(&c);
    memory_region_finalize(&b);
    memory_region_finalize(&a);
    kvm_accel_cleanup();
}

/* A slot the worker could not register is reported at the sync point. */
static void test_memslot_async_error(void)
{
    MemoryRegion mr;
    KVMSlot slot;
    uint8_t *real_host;
    Error *err = NULL;

    if (!init_kvm() || !need_gmem_mmap()) {
        return;
    }
    gmem_ram_init(&mr, "test-async-bad", 4 * MiB);
    /* userspace_addr one page off the guest_memfd pages it should map */
    real_host = mr.ram_block->host;
    mr.ram_block->host = real_host + qemu_real_host_page_size();
    memory_region_add_subregion(get_system_memory(), 16 * MiB, &mr);
    /* the worker reads ram_block->host: restore it only after the sync */
    g_assert_false(kvm_memslots_check(&err));
    mr.ram_block->host = real_host;
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(error_get_pretty(err), "aliasing"));
    g_assert_nonnull(strstr(error_get_pretty(err), "refused"));
    error_free(err);
    g_assert_false(kvm_memslot_lookup(16 * MiB, &slot));
    /* reported once */
    g_assert_true(kvm_memslots_check(&error_abort));

    memory_region_del_subregion(get_system_memory(), &mr);
    memory_region_finalize(&mr);
    kvm_accel_cleanup();
}

static void test_memslot_overlap(void)
{
    uint64_t flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
    struct kvm_userspace_memory_region2 r = { 0 };
    uint8_t *p;
    int fd;

    if (!init_kvm() || !need_gmem_mmap()) {
        return;
    }
    fd = kvm_create_guest_memfd(4 * MiB, flags, &error_abort);
    p = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    g_assert_true(p != MAP_FAILED);
    r.slot = 100;
    r.flags = KVM_MEM_GUEST_MEMFD;
    r.guest_phys_addr = 64 * MiB;
    r.memory_size = 2 * MiB;
    r.userspace_addr = (uintptr_t)p;
    r.guest_memfd = fd;
    r.guest_memfd_offset = 0;
    g_assert_cmpint(kvm_vm_ioctl(KVM_SET_USER_MEMORY_REGION2, &r), ==, 0);

    /* same file range at another GPA: refused */
    r.slot = 101;
    r.guest_phys_addr = 128 * MiB;
    r.userspace_addr = (uintptr_t)p + MiB;
    r.guest_memfd_offset = MiB;
    g_assert_cmpint(kvm_vm_ioctl(KVM_SET_USER_MEMORY_REGION2, &r), ==,
                    -EINVAL);
    /* the disjoint range is fine */
    r.userspace_addr = (uintptr_t)p + 2 * MiB;
    r.guest_memfd_offset = 2 * MiB;
    g_assert_cmpint(kvm_vm_ioctl(KVM_SET_USER_MEMORY_REGION2, &r), ==, 0);
    /* gmem slots cannot be read-only */
    r.slot = 102;
    r.flags = KVM_MEM_GUEST_MEMFD | KVM_MEM_READONLY;
    r.guest_phys_addr = 256 * MiB;
    g_assert_cmpint(kvm_vm_ioctl(KVM_SET_USER_MEMORY_REGION2, &r), ==,
                    -EINVAL);
    munmap(p, 4 * MiB);
    close(fd);
    kvm_accel_cleanup();
}

static void test_convert(void)
{
    MemoryRegion mr;
    Error *err = NULL;

    if (!init_kvm() || !need_gmem_mmap()) {
        return;
    }
    gmem_ram_init(&mr, "test-convert", 4 * MiB);
    memory_region_add_subregion(get_system_memory(), 16 * MiB, &mr);

    g_assert_cmpint(kvm_convert_memory(16 * MiB + 1, 4096, true, &err), ==,
                    -EINVAL);
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid conversion range "
                    "(0x1000001, + 0x1000) to private");
    g_clear_pointer(&err, error_free);
    g_assert_cmpint(kvm_convert_memory(16 * MiB, 0, true, &err), ==, -EINVAL);
    g_clear_pointer(&err, error_free);
    /* a range that wraps around the address space */
    g_assert_cmpint(kvm_convert_memory(-4096ULL, 8192, false, &err), ==,
                    -EINVAL);
    g_clear_pointer(&err, error_free);
    /* a hole becomes shared trivially, but never private */
    g_assert_cmpint(kvm_convert_memory(1024 * MiB, 4096, false, &err), ==, 0);
    g_assert_null(err);
    g_assert_cmpint(kvm_convert_memory(1024 * MiB, 4096, true, &err), ==,
                    -EINVAL);
    g_assert_cmpstr(error_get_pretty(err), ==, "Convert non guest_memfd "
                    "backed memory region (0x40000000, + 0x1000) to "
                    "private");
    g_clear_pointer(&err, error_free);
    /*
     * Routing follows the block, not the VM: a guest_memfd block of a
     * VM that is not confidential has no private side and no map, so it
     * never converts, whatever the kernel offers.
     */
    g_assert_null(mr.ram_block->attributes);
    for (int i = 0; i < 2; i++) {
        g_assert_cmpint(kvm_convert_memory(16 * MiB, 8192, i, &err), ==,
                        -EINVAL);
        g_assert_cmpstr(error_get_pretty(err), ==, i ?
                        "Convert non guest_memfd backed memory region "
                        "(0x1000000, + 0x2000) to private" :
                        "Convert non guest_memfd backed memory region "
                        "(0x1000000, + 0x2000) to shared");
        g_clear_pointer(&err, error_free);
    }
    memory_region_del_subregion(get_system_memory(), &mr);
    memory_region_finalize(&mr);
    kvm_accel_cleanup();
}

/* ---- a tiny guest on a real vCPU thread ---- */

#define TEST_MMIO_GPA 0x3fe00000ULL

static int io_writes;
static int io_last;
static int mmio_writes;
static int mmio_last;

static uint64_t test_io_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0x99;
}

static void test_io_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    g_atomic_int_set(&io_last, (int)((addr << 16) | (val & 0xffff)));
    g_atomic_int_inc(&io_writes);
}

static const MemoryRegionOps test_io_ops = {
    .read = test_io_read,
    .write = test_io_write,
};

static uint64_t test_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0x55;
}

static void test_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    g_atomic_int_set(&mmio_last, (int)((addr << 16) | (val & 0xffff)));
    g_atomic_int_inc(&mmio_writes);
}

static const MemoryRegionOps test_mmio_ops = {
    .read = test_mmio_read,
    .write = test_mmio_write,
};

typedef struct TestGuest {
    MemoryRegion ram, io, mmio;
} TestGuest;

/*
 * 2 MiB of guest_memfd RAM at 0 holding identity page tables (2 MiB pages:
 * this host has no 1 GiB pages), a GDT and @code at 0x8000; ports
 * 0x10-0x13 and a 4 KiB MMIO page are test devices.  One vCPU, paused,
 * with a long-mode boot state.
 */
static bool guest_setup_full(TestGuest *g, const uint8_t *code, size_t len,
                             unsigned ncpus, bool sync_first)
{
    X86BootState st = { 0 };
    uint64_t *pml4, *pdpt, *pd, *gdt;
    uint8_t *m;

    if (!init_kvm() || !need_gmem_mmap()) {
        return false;
    }
    g_atomic_int_set(&io_writes, 0);
    g_atomic_int_set(&mmio_writes, 0);
    memset(g, 0, sizeof(*g));
    gmem_ram_init(&g->ram, "test-vcpu-ram", 2 * MiB);
    memory_region_add_subregion(get_system_memory(), 0, &g->ram);
    memory_region_init_io(&g->io, NULL, &test_io_ops, NULL, "test-io", 4);
    memory_region_add_subregion(get_system_io(), 0x10, &g->io);
    memory_region_init_io(&g->mmio, NULL, &test_mmio_ops, NULL, "test-mmio",
                          4096);
    memory_region_add_subregion(get_system_memory(), TEST_MMIO_GPA,
                                &g->mmio);
    if (sync_first) {
        g_assert_true(kvm_memslots_check(&error_abort));
    }

    m = memory_region_get_ram_ptr(&g->ram);
    pml4 = (uint64_t *)(m + 0x1000);
    pdpt = (uint64_t *)(m + 0x2000);
    pd = (uint64_t *)(m + 0x3000);
    pml4[0] = 0x2000 | 3;
    pdpt[0] = 0x3000 | 3;
    pd[0] = 0x83;
    pd[TEST_MMIO_GPA >> 21] = TEST_MMIO_GPA | 0x83;
    gdt = (uint64_t *)(m + 0x500);
    gdt[1] = 0x00af9b000000ffffULL;
    gdt[2] = 0x00cf93000000ffffULL;
    memcpy(m + 0x8000, code, len);

    st.long_mode = true;
    st.rip = 0x8000;
    st.rsp = 0x7000;
    st.rflags = 0x2;
    st.cr0 = 0x80050033;
    st.cr3 = 0x1000;
    st.cr4 = 0x20;
    st.efer = 0x500;
    st.gdt_base = 0x500;
    st.gdt_limit = 23;
    st.cs = 0x8;
    st.ds = 0x10;
    g_assert_true(cpus_create(ncpus, &error_abort));
    x86_cpu_set_boot_state(0, &st);
    return true;
}

static bool guest_setup_n(TestGuest *g, const uint8_t *code, size_t len,
                          unsigned ncpus)
{
    return guest_setup_full(g, code, len, ncpus, true);
}

static bool guest_setup(TestGuest *g, const uint8_t *code, size_t len)
{
    return guest_setup_n(g, code, len, 1);
}

static void guest_teardown(TestGuest *g)
{
    pause_all_vcpus();
    cpus_destroy();
    memory_region_del_subregion(get_system_memory(), &g->mmio);
    memory_region_del_subregion(get_system_io(), &g->io);
    memory_region_del_subregion(get_system_memory(), &g->ram);
    memory_region_finalize(&g->mmio);
    memory_region_finalize(&g->io);
    memory_region_finalize(&g->ram);
    kvm_accel_cleanup();
}

/* Generous: this host's nested KVM can be slow under load. */
static bool wait_until(bool (*cond)(void))
{
    for (int i = 0; i < 60000; i++) {
        if (cond()) {
            return true;
        }
        g_usleep(1000);
    }
    return cond();
}

static bool two_io_writes(void)
{
    return g_atomic_int_get(&io_writes) >= 2;
}

static bool one_io_write(void)
{
    return g_atomic_int_get(&io_writes) >= 1;
}

static bool cpu0_flag(size_t off)
{
    CPUState *cpu;
    bool r;

    qemu_cpus_lock();
    cpu = qemu_get_cpu(0);
    r = cpu && *(bool *)((char *)cpu + off);
    qemu_cpus_unlock();
    return r;
}

static bool cpu0_halted(void)
{
    return cpu0_flag(offsetof(CPUState, halted));
}

static bool cpu0_crashed(void)
{
    return cpu0_flag(offsetof(CPUState, crashed));
}

static void test_vcpu_io(void)
{
    /*
     * mov al, 0x42; out 0x10, al; in al, 0x11; out 0x12, al;
     * 1: hlt; jmp 1b
     */
    static const uint8_t code[] = {
        0xb0, 0x42, 0xe6, 0x10, 0xe4, 0x11, 0xe6, 0x12, 0xf4, 0xeb, 0xfd,
    };
    TestGuest g;
    Error *err = NULL;

    if (!guest_setup(&g, code, sizeof(code))) {
        return;
    }
    /* a second set of vCPUs, or more than KVM allows, is refused */
    g_assert_false(cpus_create(kvm_get_caps()->max_vcpus + 1, &err));
    error_free(err);
    err = NULL;
    g_assert_cmpuint(cpus_count(), ==, 1);

    g_assert_cmpint(g_atomic_int_get(&io_writes), ==, 0);  /* paused */
    resume_all_vcpus();
    g_assert_true(wait_until(two_io_writes));
    g_assert_cmpint(g_atomic_int_get(&io_writes), ==, 2);
    /* port 0x12 (offset 2) got what port 0x11 returned */
    g_assert_cmphex(g_atomic_int_get(&io_last), ==, (2 << 16) | 0x99);
    /* the vCPU now sleeps in hlt: pausing must still get it out */
    pause_all_vcpus();
    x86_cpu_dump_state(0, stderr);
    guest_teardown(&g);
}

/*
 * cpus_create() straight after mapping RAM: the vCPUs are created once
 * the memslot worker is done (on a helper thread if it still runs), and
 * the guest runs on the slots it registered.
 */
static void test_vcpu_async_create(void)
{
    /* mov al, 0x42; out 0x10, al; in al, 0x11; out 0x12, al; hlt loop */
    static const uint8_t code[] = {
        0xb0, 0x42, 0xe6, 0x10, 0xe4, 0x11, 0xe6, 0x12, 0xf4, 0xeb, 0xfd,
    };
    TestGuest g;
    KVMSlot slot;

    if (!guest_setup_full(&g, code, sizeof(code), 1, false)) {
        return;
    }
    resume_all_vcpus();
    g_assert_true(wait_until(two_io_writes));
    g_assert_cmphex(g_atomic_int_get(&io_last), ==, (2 << 16) | 0x99);
    g_assert_false(kvm_memslots_pending());
    g_assert_true(kvm_memslot_lookup(0, &slot));
    g_assert_cmpint(slot.guest_memfd, ==, g.ram.ram_block->guest_memfd);
    pause_all_vcpus();
    guest_teardown(&g);
}

static void test_vcpu_ap_waits(void)
{
    /* out 0x10, al; 1: hlt; jmp 1b */
    static const uint8_t code[] = { 0xe6, 0x10, 0xf4, 0xeb, 0xfd };
    TestGuest g;

    if (!guest_setup_n(&g, code, sizeof(code), 2)) {
        return;
    }
    if (!kvm_irqchip_in_kernel()) {
        g_test_skip("KVM_CAP_IRQCHIP not available: no AP waits for SIPI");
        guest_teardown(&g);
        return;
    }
    resume_all_vcpus();
    g_assert_true(wait_until(one_io_write));
    /* vCPU 1 got no boot state: it sleeps in the kernel, unharmed */
    g_assert_cmpint(g_atomic_int_get(&io_writes), ==, 1);
    qemu_cpus_lock();
    g_assert_false(qemu_get_cpu(1)->crashed);
    qemu_cpus_unlock();
    /* a reboot (new BSP state) while paused, then run again */
    pause_all_vcpus();
    {
        X86BootState st;
        unsigned gen;

        g_assert_true(x86_cpu_get_boot_state(0, &st, &gen));
        x86_cpu_set_boot_state(0, &st);
    }
    resume_all_vcpus();
    g_assert_true(wait_until(two_io_writes));
    qemu_cpus_lock();
    g_assert_false(qemu_get_cpu(1)->crashed);
    qemu_cpus_unlock();
    guest_teardown(&g);
}

static void test_vcpu_max(void)
{
    Error *err = NULL;

    if (!init_kvm()) {
        return;
    }
    g_assert_false(cpus_create(kvm_get_caps()->max_vcpus + 1, &err));
    g_assert_nonnull(strstr(error_get_pretty(err),
                            "exceeds the maximum cpus supported by KVM"));
    error_free(err);
    kvm_accel_cleanup();
}

static void test_vcpu_mmio(void)
{
    /*
     * mov byte [TEST_MMIO_GPA + 0x10], 0x77; mov al, [TEST_MMIO_GPA + 0x20];
     * out 0x10, al; 1: hlt; jmp 1b
     */
    static const uint8_t code[] = {
        0xc6, 0x04, 0x25, 0x10, 0x00, 0xe0, 0x3f, 0x77,
        0x8a, 0x04, 0x25, 0x20, 0x00, 0xe0, 0x3f,
        0xe6, 0x10, 0xf4, 0xeb, 0xfd,
    };
    TestGuest g;

    if (!guest_setup(&g, code, sizeof(code))) {
        return;
    }
    resume_all_vcpus();
    g_assert_true(wait_until(one_io_write));
    g_assert_cmpint(g_atomic_int_get(&mmio_writes), ==, 1);
    g_assert_cmphex(g_atomic_int_get(&mmio_last), ==, (0x10 << 16) | 0x77);
    /* the byte read from the MMIO page reached port 0x10 */
    g_assert_cmphex(g_atomic_int_get(&io_last), ==, 0x55);
    guest_teardown(&g);
}

static void test_vcpu_triple_fault(void)
{
    /* out 0x10, al; ud2 -- with no IDT: #UD -> #DF -> triple fault */
    static const uint8_t code[] = { 0xe6, 0x10, 0x0f, 0x0b };
    TestGuest g;

    if (!guest_setup(&g, code, sizeof(code))) {
        return;
    }
    resume_all_vcpus();
    /* KVM_EXIT_SHUTDOWN: a reset is requested and the vCPU parks */
    g_assert_true(wait_until(cpu0_halted));
    g_assert_cmpint(g_atomic_int_get(&io_writes), ==, 1);
    g_assert_false(cpu0_crashed());
    guest_teardown(&g);
}

static void test_vcpu_emulation_failure(void)
{
    /*
     * popcnt in ring 0: kvm_pvm emulates supervisor code and its emulator
     * lacks popcnt; on hardware KVM it runs and the jump into the MMIO
     * page then cannot be fetched.  Either way the run loop must stop
     * the vCPU with an internal error, not spin.
     */
    static const uint8_t code[] = {
        0xf3, 0x0f, 0xb8, 0xc0,                         /* popcnt eax, eax */
        0x48, 0xb8, 0x00, 0x00, 0xe0, 0x3f, 0, 0, 0, 0, /* mov rax, MMIO */
        0xff, 0xe0,                                     /* jmp rax */
    };
    TestGuest g;

    if (!guest_setup(&g, code, sizeof(code))) {
        return;
    }
    resume_all_vcpus();
    g_assert_true(wait_until(cpu0_crashed));
    /* resuming does not restart a crashed vCPU; a new boot state would */
    resume_all_vcpus();
    g_assert_true(cpu0_crashed());
    guest_teardown(&g);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_init();
    g_test_add_func("/kvm/caps", test_caps);
    g_test_add_func("/kvm/caps/no-guest-memfd", test_caps_no_gmem);
    g_test_add_func("/kvm/vm-types", test_vm_types);
    g_test_add_func("/kvm/missing-device", test_missing_device);
    g_test_add_func("/kvm/gmem/without-kvm", test_gmem_without_kvm);
    g_test_add_func("/kvm/gmem/create", test_gmem_create);
    g_test_add_func("/kvm/gmem/bad-flag", test_gmem_bad_flag);
    g_test_add_func("/kvm/gmem/fallocate", test_gmem_fallocate);
    g_test_add_func("/kvm/memslot/listener", test_memslot_listener);
    g_test_add_func("/kvm/memslot/wrong-alias", test_memslot_wrong_alias);
    g_test_add_func("/kvm/memslot/overlap", test_memslot_overlap);
    g_test_add_func("/kvm/memslot/async", test_memslot_async);
    g_test_add_func("/kvm/memslot/async-error", test_memslot_async_error);
    g_test_add_func("/kvm/convert", test_convert);
    g_test_add_func("/kvm/vcpu/io", test_vcpu_io);
    g_test_add_func("/kvm/vcpu/async-create", test_vcpu_async_create);
    g_test_add_func("/kvm/vcpu/max", test_vcpu_max);
    g_test_add_func("/kvm/vcpu/ap-waits", test_vcpu_ap_waits);
    g_test_add_func("/kvm/vcpu/mmio", test_vcpu_mmio);
    g_test_add_func("/kvm/vcpu/triple-fault", test_vcpu_triple_fault);
    g_test_add_func("/kvm/vcpu/emulation-failure",
                    test_vcpu_emulation_failure);
    return g_test_run();
}
