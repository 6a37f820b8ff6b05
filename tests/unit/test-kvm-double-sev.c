/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SEV-SNP layer of the KVM double on its own: the kernel's argument
 * and ordering rules for INIT2 and the SNP launch commands, the launch
 * digest against a hand-built PAGE_INFO chain, legacy vs in-place.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include "linux/kvm.h"
#include "linux/psp-sev.h"
#include "../kvm-double/kvm-double-sev.h"

#define PAGE 4096
#define RAM_SIZE (64 * PAGE)

#define low_ops (*kvm_double_sev_accept_all_ops())

typedef struct Fixture {
    KVMDoubleSev *d;
    const KVMOps *ops;
    int dev, vm, gmem, psp;
    uint8_t *ram;             /* legacy: shared backing; in-place: gmem map */
    bool in_place;
} Fixture;

static int op(Fixture *f, int fd, unsigned long req, void *arg)
{
    return f->ops->ioctl(fd, req, arg, f->ops->opaque);
}

static int sev(Fixture *f, uint32_t id, void *data, uint32_t *fw)
{
    struct kvm_sev_cmd c = { .id = id, .data = (uintptr_t)data,
                             .sev_fd = f->psp };
    int ret = op(f, f->vm, KVM_MEMORY_ENCRYPT_OP, &c);

    if (fw) {
        *fw = c.error;
    }
    return ret;
}

static void fixture_setup(Fixture *f, bool in_place, KVMDoubleSevConfig *cfg)
{
    KVMDoubleSevConfig def;
    struct kvm_create_guest_memfd g = {
        .size = RAM_SIZE,
        .flags = in_place ? GUEST_MEMFD_FLAG_MMAP |
                            GUEST_MEMFD_FLAG_INIT_SHARED : 0,
    };
    struct kvm_userspace_memory_region2 r = { 0 };

    if (!cfg) {
        kvm_double_sev_default_config(&def);
        def.per_gmem_attributes = in_place;
        cfg = &def;
    }
    memset(f, 0, sizeof(*f));
    f->in_place = in_place;
    f->d = kvm_double_sev_new(&low_ops, cfg);
    f->ops = kvm_double_sev_ops(f->d);
    f->dev = f->ops->open_device("/dev/kvm", O_RDWR, f->ops->opaque);
    g_assert_cmpint(f->dev, >=, 0);
    f->vm = op(f, f->dev, KVM_CREATE_VM, (void *)(uintptr_t)KVM_X86_SNP_VM);
    g_assert_cmpint(f->vm, >=, 0);
    f->gmem = op(f, f->vm, KVM_CREATE_GUEST_MEMFD, &g);
    g_assert_cmpint(f->gmem, >=, 0);
    if (in_place) {
        f->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                      f->gmem, 0);
    } else {
        f->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    }
    g_assert_true(f->ram != MAP_FAILED);
    r.slot = 0;
    r.flags = KVM_MEM_GUEST_MEMFD;
    r.guest_phys_addr = 0;
    r.memory_size = RAM_SIZE;
    r.userspace_addr = (uintptr_t)f->ram;
    r.guest_memfd = f->gmem;
    g_assert_cmpint(op(f, f->vm, KVM_SET_USER_MEMORY_REGION2, &r), ==, 0);
    f->psp = f->ops->open_device("/dev/sev", O_RDWR, f->ops->opaque);
    g_assert_cmpint(f->psp, >=, 0);
}

static void fixture_teardown(Fixture *f)
{
    munmap(f->ram, RAM_SIZE);
    f->ops->close(f->psp, f->ops->opaque);
    f->ops->close(f->gmem, f->ops->opaque);
    f->ops->close(f->vm, f->ops->opaque);
    f->ops->close(f->dev, f->ops->opaque);
    kvm_double_sev_free(f->d);
}

static void make_private(Fixture *f, uint64_t gpa, uint64_t len)
{
    if (f->in_place) {
        struct kvm_memory_attributes2 a = {
            .offset = gpa, .size = len,
            .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE,
        };
        g_assert_cmpint(op(f, f->gmem, KVM_SET_MEMORY_ATTRIBUTES2, &a), ==, 0);
    } else {
        struct kvm_memory_attributes a = {
            .address = gpa, .size = len,
            .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE,
        };
        g_assert_cmpint(op(f, f->vm, KVM_SET_MEMORY_ATTRIBUTES, &a), ==, 0);
    }
}

static void start(Fixture *f)
{
    struct kvm_sev_init init = { 0 };
    struct kvm_sev_snp_launch_start st = { .policy = 0x30000 };

    g_assert_cmpint(sev(f, KVM_SEV_INIT2, &init, NULL), ==, 0);
    g_assert_cmpint(sev(f, KVM_SEV_SNP_LAUNCH_START, &st, NULL), ==, 0);
}

static int update(Fixture *f, uint64_t gpa, uint64_t len, uint8_t type,
                  uint32_t *fw)
{
    struct kvm_sev_snp_launch_update u = {
        .gfn_start = gpa / PAGE, .len = len, .type = type,
        .uaddr = f->in_place ? 0 : (uintptr_t)(f->ram + gpa),
    };
    int ret;

    do {
        ret = sev(f, KVM_SEV_SNP_LAUNCH_UPDATE, &u, fw);
    } while ((ret == 0 && u.len) || ret == -EAGAIN);
    if (!ret) {
        g_assert_cmphex(u.gfn_start * PAGE, ==, gpa + len);
    }
    return ret;
}

/* The chain as the firmware ABI defines it, written out independently. */
static void expect_step(uint8_t ld[48], uint8_t type, uint64_t gpa,
                        const uint8_t *page)
{
    uint8_t info[112] = { 0 };
    gsize n = 48;
    GChecksum *c;

    memcpy(info, ld, 48);
    if (page) {
        c = g_checksum_new(G_CHECKSUM_SHA384);
        g_checksum_update(c, page, PAGE);
        g_checksum_get_digest(c, info + 48, &n);
        g_checksum_free(c);
    }
    info[96] = 112;
    info[98] = type;
    memcpy(info + 104, &gpa, 8);
    c = g_checksum_new(G_CHECKSUM_SHA384);
    g_checksum_update(c, info, sizeof(info));
    n = 48;
    g_checksum_get_digest(c, ld, &n);
    g_checksum_free(c);
}

/* Same launch in both modes: same digest, and it is the expected one. */
static void launch_pattern(bool in_place, uint8_t out[48])
{
    Fixture f;
    struct kvm_sev_snp_launch_finish fin = { .host_data = { 0xab } };
    uint8_t ld[48] = { 0 }, zero[PAGE] = { 0 }, got[48], hd[32];
    bool idb;
    int vcpu;

    fixture_setup(&f, in_place, NULL);
    for (int i = 0; i < 4 * PAGE; i++) {
        f.ram[i] = i * 7 + 1;
    }
    start(&f);
    vcpu = op(&f, f.vm, KVM_CREATE_VCPU, 0);
    g_assert_cmpint(vcpu, >=, 0);
    make_private(&f, 0, 6 * PAGE);
    g_assert_cmpint(update(&f, 0, 4 * PAGE, KVM_SEV_SNP_PAGE_TYPE_NORMAL,
                           NULL), ==, 0);
    g_assert_cmpint(update(&f, 4 * PAGE, PAGE, KVM_SEV_SNP_PAGE_TYPE_ZERO,
                           NULL), ==, 0);
    g_assert_cmpint(update(&f, 5 * PAGE, PAGE, KVM_SEV_SNP_PAGE_TYPE_SECRETS,
                           NULL), ==, 0);
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_FINISH, &fin, NULL), ==, 0);
    g_assert_cmpint(kvm_double_sev_state(f.d), ==, SEV_DOUBLE_FINISHED);
    g_assert_cmpuint(kvm_double_sev_vmsas(f.d), ==, 1);
    g_assert_true(kvm_double_sev_finish_data(f.d, hd, &idb));
    g_assert_cmpuint(hd[0], ==, 0xab);
    g_assert_false(idb);
    g_assert_cmpuint(kvm_double_sev_bytes_copied(f.d), ==,
                     in_place ? 0 : 5 * PAGE);   /* NORMAL + SECRETS */

    for (int i = 0; i < 4; i++) {
        uint8_t page[PAGE];

        for (int j = 0; j < PAGE; j++) {
            page[j] = (i * PAGE + j) * 7 + 1;
        }
        expect_step(ld, 1, i * PAGE, page);
    }
    expect_step(ld, 3, 4 * PAGE, NULL);
    expect_step(ld, 5, 5 * PAGE, NULL);
    expect_step(ld, 2, 0xFFFFFFFFF000ULL, zero);
    kvm_double_sev_digest(f.d, got);
    g_assert_cmpmem(got, 48, ld, 48);
    memcpy(out, got, 48);
    f.ops->close(vcpu, f.ops->opaque);
    fixture_teardown(&f);
}

static void test_digest_modes(void)
{
    uint8_t legacy[48], in_place[48];

    launch_pattern(false, legacy);
    launch_pattern(true, in_place);
    g_assert_cmpmem(legacy, 48, in_place, 48);
}

static void test_order(void)
{
    Fixture f;
    struct kvm_sev_init init = { 0 };
    struct kvm_sev_snp_launch_start st = { .policy = 0x30000 };
    struct kvm_sev_snp_launch_finish fin = { 0 };
    int vcpu;

    fixture_setup(&f, false, NULL);
    /* nothing but INIT2 before INIT2 */
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_START, &st, NULL), ==, -ENOTTY);
    g_assert_cmpint(update(&f, 0, PAGE, 1, NULL), ==, -ENOTTY);
    /* INIT2 with vCPUs around, with flags, twice */
    vcpu = op(&f, f.vm, KVM_CREATE_VCPU, 0);
    g_assert_cmpint(sev(&f, KVM_SEV_INIT2, &init, NULL), ==, -EINVAL);
    f.ops->close(vcpu, f.ops->opaque);
    fixture_teardown(&f);

    fixture_setup(&f, false, NULL);
    init.flags = 1;
    g_assert_cmpint(sev(&f, KVM_SEV_INIT2, &init, NULL), ==, -EINVAL);
    init.flags = 0;
    init.ghcb_version = 1;
    g_assert_cmpint(sev(&f, KVM_SEV_INIT2, &init, NULL), ==, -EINVAL);
    init.ghcb_version = 3;
    g_assert_cmpint(sev(&f, KVM_SEV_INIT2, &init, NULL), ==, -EINVAL);
    init.ghcb_version = 0;
    init.vmsa_features = 1;
    g_assert_cmpint(sev(&f, KVM_SEV_INIT2, &init, NULL), ==, -EINVAL);
    init.vmsa_features = 0;
    g_assert_cmpint(sev(&f, KVM_SEV_INIT2, &init, NULL), ==, 0);
    g_assert_cmpint(sev(&f, KVM_SEV_INIT2, &init, NULL), ==, -EINVAL);
    /* UPDATE and FINISH before LAUNCH_START */
    make_private(&f, 0, PAGE);
    g_assert_cmpint(update(&f, 0, PAGE, 1, NULL), ==, -EINVAL);
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_FINISH, &fin, NULL), ==,
                    -EINVAL);
    /* policy: bit 17 must be one, bit 18 is not accepted, flags zero */
    st.policy = 0x10000;
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_START, &st, NULL), ==, -EINVAL);
    st.policy = 0x70000;
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_START, &st, NULL), ==, -EINVAL);
    st.policy = 0x30000;
    st.flags = 1;
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_START, &st, NULL), ==, -EINVAL);
    st.flags = 0;
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_START, &st, NULL), ==, 0);
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_START, &st, NULL), ==, -EINVAL);
    g_assert_cmpuint(kvm_double_sev_policy(f.d), ==, 0x30000);
    /* a PSP fd is required */
    {
        struct kvm_sev_cmd c = { .id = KVM_SEV_SNP_LAUNCH_FINISH,
                                 .data = (uintptr_t)&fin, .sev_fd = f.vm };
        g_assert_cmpint(op(&f, f.vm, KVM_MEMORY_ENCRYPT_OP, &c), ==, -EBADF);
    }
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_FINISH, &fin, NULL), ==, 0);
    /* no launch command after FINISH */
    g_assert_cmpint(update(&f, 0, PAGE, 1, NULL), ==, -EINVAL);
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_FINISH, &fin, NULL), ==,
                    -EINVAL);
    fixture_teardown(&f);
}

static void test_update_args(void)
{
    Fixture f;
    struct kvm_sev_snp_launch_update u = { 0 };

    fixture_setup(&f, false, NULL);
    start(&f);
    make_private(&f, 0, 8 * PAGE);
    /* zero / unaligned length */
    g_assert_cmpint(update(&f, 0, 0, 1, NULL), ==, -EINVAL);
    g_assert_cmpint(update(&f, 0, 100, 1, NULL), ==, -EINVAL);
    /* page types: 0, VMSA (2), 7 are refused */
    g_assert_cmpint(update(&f, 0, PAGE, 0, NULL), ==, -EINVAL);
    g_assert_cmpint(update(&f, 0, PAGE, 2, NULL), ==, -EINVAL);
    g_assert_cmpint(update(&f, 0, PAGE, 7, NULL), ==, -EINVAL);
    /* flags and padding */
    u.gfn_start = 0;
    u.len = PAGE;
    u.type = 1;
    u.uaddr = (uintptr_t)f.ram;
    u.flags = 1;
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_UPDATE, &u, NULL), ==, -EINVAL);
    u.flags = 0;
    u.pad2[3] = 1;
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_UPDATE, &u, NULL), ==, -EINVAL);
    u.pad2[3] = 0;
    /* legacy: a NORMAL page needs its source */
    u.uaddr = 0;
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_UPDATE, &u, NULL), ==, -EFAULT);
    /* ...but ZERO does not */
    g_assert_cmpint(update(&f, 7 * PAGE, PAGE, 3, NULL), ==, 0);
    /* not private: pages 8.. */
    g_assert_cmpint(update(&f, 8 * PAGE, PAGE, 1, NULL), ==, -EINVAL);
    g_assert_cmpint(update(&f, 6 * PAGE, 3 * PAGE, 1, NULL), ==, -EINVAL);
    /* outside any memslot, or running past its end */
    make_private(&f, RAM_SIZE - PAGE, PAGE);
    g_assert_cmpint(update(&f, RAM_SIZE, PAGE, 3, NULL), ==, -EINVAL);
    g_assert_cmpint(update(&f, RAM_SIZE - PAGE, 2 * PAGE, 3, NULL), ==,
                    -EINVAL);
    /* no double population */
    g_assert_cmpint(update(&f, 0, PAGE, 1, NULL), ==, 0);
    g_assert_cmpint(update(&f, 0, PAGE, 1, NULL), ==, -EEXIST);
    g_assert_cmpint(update(&f, 7 * PAGE, PAGE, 3, NULL), ==, -EEXIST);
    fixture_teardown(&f);
}

static void test_in_place_rules(void)
{
    Fixture f;

    fixture_setup(&f, true, NULL);
    start(&f);
    /* INIT_SHARED gmem: nothing is private until converted */
    g_assert_cmpint(update(&f, 0, PAGE, 1, NULL), ==, -EINVAL);
    /* the VM-scoped attribute does not count in per-gmem mode */
    {
        struct kvm_memory_attributes a = {
            .address = 0, .size = PAGE,
            .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE,
        };
        op(&f, f.vm, KVM_SET_MEMORY_ATTRIBUTES, &a);
    }
    g_assert_cmpint(update(&f, 0, PAGE, 1, NULL), ==, -EINVAL);
    make_private(&f, 0, 2 * PAGE);
    memset(f.ram, 0x5a, PAGE);
    g_assert_cmpint(update(&f, 0, PAGE, 1, NULL), ==, 0);
    /* a source address still works (copy semantics) */
    {
        g_autofree uint8_t *src = g_malloc(2 * PAGE);
        uint8_t *aligned = (uint8_t *)QEMU_ALIGN_UP((uintptr_t)src, PAGE);
        struct kvm_sev_snp_launch_update u = {
            .gfn_start = 1, .len = PAGE, .type = 1,
            .uaddr = (uintptr_t)aligned,
        };
        g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_UPDATE, &u, NULL), ==, 0);
        g_assert_cmphex(u.uaddr, ==, (uintptr_t)aligned + PAGE);
    }
    g_assert_cmpuint(kvm_double_sev_bytes_copied(f.d), ==, PAGE);
    fixture_teardown(&f);
}

static void test_progress_and_eagain(void)
{
    Fixture f;
    KVMDoubleSevConfig cfg;

    kvm_double_sev_default_config(&cfg);
    cfg.max_pages_per_call = 3;
    cfg.eagain_on_call = 2;
    fixture_setup(&f, false, &cfg);
    start(&f);
    make_private(&f, 0, 10 * PAGE);
    g_assert_cmpint(update(&f, 0, 10 * PAGE, 1, NULL), ==, 0);
    /* 3+EAGAIN+3+3+1 */
    g_assert_cmpuint(kvm_double_sev_update_calls(f.d), ==, 5);
    g_assert_cmpuint(kvm_double_sev_pages_measured(f.d), ==, 10);
    fixture_teardown(&f);
}

static void test_cpuid_reject(void)
{
    Fixture f;
    uint32_t fw = 0;
    uint32_t *page;

    fixture_setup(&f, false, NULL);
    kvm_double_sev_reject_cpuid(f.d, 0x7, 0);
    start(&f);
    make_private(&f, 0, PAGE);
    page = (uint32_t *)f.ram;
    page[0] = 2;                       /* count */
    page[4] = 0x1;                     /* entry 0: leaf 1 */
    page[4 + 12] = 0x7;                /* entry 1: leaf 7.0 */
    page[4 + 12 + 6] = 0x1234;         /* its eax */
    g_assert_cmpint(update(&f, 0, PAGE, 6, &fw), ==, -EIO);
    g_assert_cmpuint(fw, ==, SEV_RET_INVALID_PARAM);
    /* the corrected table came back to uaddr */
    g_assert_cmphex(page[4 + 12 + 6], !=, 0x1234);
    g_assert_cmphex(page[4 + 6], ==, 0);
    fixture_teardown(&f);
}

static void test_fw_injection(void)
{
    Fixture f;
    uint32_t fw = 0;
    struct kvm_sev_snp_launch_finish fin = { 0 };

    fixture_setup(&f, false, NULL);
    kvm_double_sev_inject_fw_error(f.d, KVM_SEV_SNP_LAUNCH_UPDATE, 2,
                                   SEV_RET_RESOURCE_LIMIT);
    kvm_double_sev_inject_fw_error(f.d, KVM_SEV_SNP_LAUNCH_FINISH, 1,
                                   SEV_RET_INVALID_GUEST_STATE);
    start(&f);
    make_private(&f, 0, 2 * PAGE);
    g_assert_cmpint(update(&f, 0, PAGE, 1, &fw), ==, 0);
    g_assert_cmpint(update(&f, PAGE, PAGE, 1, &fw), ==, -EIO);
    g_assert_cmpuint(fw, ==, SEV_RET_RESOURCE_LIMIT);
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_FINISH, &fin, &fw), ==, -EIO);
    g_assert_cmpuint(fw, ==, SEV_RET_INVALID_GUEST_STATE);
    g_assert_cmpint(kvm_double_sev_state(f.d), ==, SEV_DOUBLE_LAUNCHING);
    fixture_teardown(&f);
}

static void test_id_block(void)
{
    Fixture f;
    uint8_t block[96] = { 0 };
    g_autofree uint8_t *auth = g_malloc0(4096);
    uint64_t policy = 0x30000;
    uint32_t fw = 0;
    struct kvm_sev_snp_launch_finish fin = {
        .id_block_uaddr = (uintptr_t)block,
        .id_auth_uaddr = (uintptr_t)auth,
        .id_block_en = 1,
    };

    fixture_setup(&f, false, NULL);
    start(&f);
    make_private(&f, 0, PAGE);
    g_assert_cmpint(update(&f, 0, PAGE, 3, NULL), ==, 0);
    memcpy(block + 88, &policy, 8);
    /* a digest that is not the launch's */
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_FINISH, &fin, &fw), ==, -EIO);
    g_assert_cmpuint(fw, ==, SEV_RET_BAD_MEASUREMENT);
    /* the right one (no vCPUs: no VMSA) */
    kvm_double_sev_digest(f.d, block);
    g_assert_cmpint(sev(&f, KVM_SEV_SNP_LAUNCH_FINISH, &fin, &fw), ==, 0);
    fixture_teardown(&f);
}

static void test_psp(void)
{
    Fixture f;
    KVMDoubleSevConfig cfg;
    struct sev_user_data_status st;
    struct sev_issue_cmd c = { .cmd = SEV_PLATFORM_STATUS,
                               .data = (uintptr_t)&st };

    fixture_setup(&f, false, NULL);
    g_assert_cmpint(op(&f, f.psp, SEV_ISSUE_CMD, &c), ==, 0);
    g_assert_cmpuint(st.api_major, ==, 1);
    g_assert_cmpint(op(&f, f.dev, KVM_CHECK_EXTENSION,
                       (void *)(uintptr_t)KVM_CAP_VM_TYPES), ==,
                    1 | (1 << KVM_X86_SNP_VM));
    fixture_teardown(&f);

    kvm_double_sev_default_config(&cfg);
    cfg.psp_present = false;
    cfg.snp_vm_type = false;
    f.d = kvm_double_sev_new(&low_ops, &cfg);
    f.ops = kvm_double_sev_ops(f.d);
    g_assert_cmpint(f.ops->open_device("/dev/sev", O_RDWR, f.ops->opaque), ==,
                    -ENOENT);
    f.dev = f.ops->open_device("/dev/kvm", O_RDWR, f.ops->opaque);
    g_assert_cmpint(op(&f, f.dev, KVM_CHECK_EXTENSION,
                       (void *)(uintptr_t)KVM_CAP_VM_TYPES), ==, 1);
    f.ops->close(f.dev, f.ops->opaque);
    kvm_double_sev_free(f.d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm-double-sev/digest-legacy-vs-in-place",
                    test_digest_modes);
    g_test_add_func("/kvm-double-sev/order", test_order);
    g_test_add_func("/kvm-double-sev/update-args", test_update_args);
    g_test_add_func("/kvm-double-sev/in-place-rules", test_in_place_rules);
    g_test_add_func("/kvm-double-sev/progress-eagain",
                    test_progress_and_eagain);
    g_test_add_func("/kvm-double-sev/cpuid-reject", test_cpuid_reject);
    g_test_add_func("/kvm-double-sev/fw-injection", test_fw_injection);
    g_test_add_func("/kvm-double-sev/id-block", test_id_block);
    g_test_add_func("/kvm-double-sev/psp", test_psp);
    return g_test_run();
}
