/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SNP launch engine of target/i386 against the SEV-SNP layer of the
 * KVM double: the ioctl sequence of legacy and in-place launches, equal
 * digests, the LAUNCH_UPDATE loop, and every failure message.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include "linux/kvm.h"
#include "linux/psp-sev.h"
#include "../kvm-double/kvm-double-sev.h"
#include "../../target/i386/sev.h"
#include "ovmf-amdsev-fetch.h"

#define PAGE 4096
#define RAM_DEFAULT (256 * PAGE)

typedef struct Env {
    KVMDoubleSev *d;
    const KVMOps *ops;
    int dev, vm, gmem, psp, vcpu;
    uint8_t *ram;
    uint64_t ram_size;
    /* a firmware flash ending at 4 GiB, in its own slot and guest_memfd */
    int flash_gmem;
    uint8_t *flash;
    uint64_t flash_size;
    bool in_place;
    bool fail_convert;
    SevLaunch l;
} Env;

static int env_ioctl(Env *e, int fd, unsigned long req, void *arg)
{
    return e->ops->ioctl(fd, req, arg, e->ops->opaque);
}

static int env_encrypt(void *cmd, void *opaque)
{
    Env *e = opaque;

    return env_ioctl(e, e->vm, KVM_MEMORY_ENCRYPT_OP, cmd);
}

/* What kvm_convert_memory() issues in each model, for one gmem slot at 0. */
static bool env_convert(uint64_t gpa, uint64_t len, void *opaque,
                        Error **errp)
{
    Env *e = opaque;
    int ret;

    if (e->fail_convert) {
        error_setg(errp, "Unable to convert (0x%" PRIx64 ", + 0x%" PRIx64
                   ") to private: Resource temporarily unavailable", gpa,
                   len);
        return false;
    }
    if (e->in_place) {
        bool fl = e->flash && gpa >= (4ULL << 30) - e->flash_size;
        struct kvm_memory_attributes2 a = {
            .offset = fl ? gpa - ((4ULL << 30) - e->flash_size) : gpa,
            .size = len,
            .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE,
        };
        ret = env_ioctl(e, fl ? e->flash_gmem : e->gmem,
                        KVM_SET_MEMORY_ATTRIBUTES2, &a);
    } else {
        struct kvm_memory_attributes a = {
            .address = gpa, .size = len,
            .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE,
        };
        ret = env_ioctl(e, e->vm, KVM_SET_MEMORY_ATTRIBUTES, &a);
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "conversion failed");
    }
    return ret == 0;
}

static uint8_t *env_map(Env *e, int gmem, uint64_t size)
{
    void *p = e->in_place ?
        mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, gmem, 0) :
        mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
             -1, 0);

    g_assert_true(p != MAP_FAILED);
    return p;
}

static void env_setup_sized(Env *e, bool in_place,
                            const KVMDoubleSevConfig *cfg, uint64_t ram_size,
                            uint64_t flash_size);

static void env_setup(Env *e, bool in_place, const KVMDoubleSevConfig *cfg)
{
    env_setup_sized(e, in_place, cfg, RAM_DEFAULT, 0);
}

static void env_setup_sized(Env *e, bool in_place,
                            const KVMDoubleSevConfig *cfg, uint64_t ram_size,
                            uint64_t flash_size)
{
    KVMDoubleSevConfig def;
    struct kvm_create_guest_memfd g = {
        .size = ram_size,
        .flags = in_place ? GUEST_MEMFD_FLAG_MMAP |
                            GUEST_MEMFD_FLAG_INIT_SHARED : 0,
    };
    struct kvm_userspace_memory_region2 r = { 0 };
    SevLaunchOps ops = { env_encrypt, env_convert, e };

    if (!cfg) {
        kvm_double_sev_default_config(&def);
        def.per_gmem_attributes = in_place;
        cfg = &def;
    }
    memset(e, 0, sizeof(*e));
    e->in_place = in_place;
    e->ram_size = ram_size;
    e->flash_gmem = -1;
    e->d = kvm_double_sev_new(kvm_double_sev_accept_all_ops(), cfg);
    e->ops = kvm_double_sev_ops(e->d);
    e->dev = e->ops->open_device("/dev/kvm", O_RDWR, e->ops->opaque);
    e->vm = env_ioctl(e, e->dev, KVM_CREATE_VM,
                      (void *)(uintptr_t)KVM_X86_SNP_VM);
    e->gmem = env_ioctl(e, e->vm, KVM_CREATE_GUEST_MEMFD, &g);
    g_assert_cmpint(e->gmem, >=, 0);
    e->ram = env_map(e, e->gmem, ram_size);
    r.flags = KVM_MEM_GUEST_MEMFD;
    r.memory_size = ram_size;
    r.userspace_addr = (uintptr_t)e->ram;
    r.guest_memfd = e->gmem;
    g_assert_cmpint(env_ioctl(e, e->vm, KVM_SET_USER_MEMORY_REGION2, &r),
                    ==, 0);
    if (flash_size) {
        g.size = flash_size;
        e->flash_gmem = env_ioctl(e, e->vm, KVM_CREATE_GUEST_MEMFD, &g);
        g_assert_cmpint(e->flash_gmem, >=, 0);
        e->flash = env_map(e, e->flash_gmem, flash_size);
        e->flash_size = flash_size;
        r.slot = 1;
        r.guest_phys_addr = (4ULL << 30) - flash_size;
        r.memory_size = flash_size;
        r.userspace_addr = (uintptr_t)e->flash;
        r.guest_memfd = e->flash_gmem;
        g_assert_cmpint(env_ioctl(e, e->vm, KVM_SET_USER_MEMORY_REGION2, &r),
                        ==, 0);
    }
    e->psp = e->ops->open_device("/dev/sev", O_RDWR, e->ops->opaque);
    sev_launch_init(&e->l, &ops, e->psp, in_place);
}

static void env_teardown(Env *e)
{
    sev_launch_cleanup(&e->l);
    munmap(e->ram, e->ram_size);
    if (e->flash) {
        munmap(e->flash, e->flash_size);
        e->ops->close(e->flash_gmem, e->ops->opaque);
    }
    if (e->vcpu > 0) {
        e->ops->close(e->vcpu, e->ops->opaque);
    }
    e->ops->close(e->psp, e->ops->opaque);
    e->ops->close(e->gmem, e->ops->opaque);
    e->ops->close(e->vm, e->ops->opaque);
    e->ops->close(e->dev, e->ops->opaque);
    kvm_double_sev_free(e->d);
}

/* A vCPU CPUID as KVM_GET_CPUID2 would return it. */
static struct kvm_cpuid2 *fake_cpuid(unsigned n)
{
    struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + n * sizeof(c->entries[0]));

    c->nent = n;
    for (unsigned i = 0; i < n; i++) {
        c->entries[i].function = i < 3 ? i : (i == 3 ? 7 : 0xd);
        c->entries[i].index = i >= 4 ? i - 4 : 0;
        c->entries[i].flags = i >= 3 ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
        c->entries[i].eax = 0x100 + i;
        c->entries[i].ebx = 0xffffffff;
        c->entries[i].ecx = 0xffffffff;
        c->entries[i].edx = 0xffffffff;
    }
    return c;
}

/*
 * The launch of a firmware image: 3 NORMAL pages of "firmware", then
 * metadata-like ZERO / SECRETS / CPUID pages, as sev.c queues them.
 */
static void queue_image(Env *e)
{
    g_autofree struct kvm_cpuid2 *c = fake_cpuid(6);

    for (int i = 0; i < 3 * PAGE; i++) {
        e->ram[0x10000 + i] = (i * 13) ^ 0x5a;
    }
    sev_launch_queue(&e->l, 0x10000, e->ram + 0x10000, 3 * PAGE - 100,
                     KVM_SEV_SNP_PAGE_TYPE_NORMAL);
    sev_launch_queue(&e->l, 0x20000, e->ram + 0x20000, 4 * PAGE,
                     KVM_SEV_SNP_PAGE_TYPE_ZERO);
    sev_launch_queue(&e->l, 0x24000, e->ram + 0x24000, PAGE,
                     KVM_SEV_SNP_PAGE_TYPE_SECRETS);
    g_assert_true(sev_snp_build_cpuid_page(c, e->ram + 0x25000,
                                           &error_abort));
    sev_launch_queue(&e->l, 0x25000, e->ram + 0x25000, PAGE,
                     KVM_SEV_SNP_PAGE_TYPE_CPUID);
}

static bool run_launch(Env *e, Error **errp)
{
    struct kvm_sev_snp_launch_finish fin = { 0 };
    uint8_t gosvw[16] = { 0 };

    return sev_snp_launch_start(&e->l, SEV_SNP_DEFAULT_POLICY, gosvw, errp) &&
           (e->vcpu = env_ioctl(e, e->vm, KVM_CREATE_VCPU, 0)) > 0 &&
           sev_snp_launch_update_all(&e->l, errp) &&
           sev_snp_launch_finish_cmd(&e->l, &fin, errp);
}

static void print_log(Env *e, const char *what)
{
    const GPtrArray *log = kvm_double_sev_log(e->d);

    g_test_message("%s: the double's log", what);
    for (guint i = 0; i < log->len; i++) {
        g_test_message("  %s", (const char *)g_ptr_array_index(log, i));
    }
}

static void test_legacy_vs_in_place(void)
{
    Env a, b;
    uint8_t da[48], db[48];

    env_setup(&a, false, NULL);
    queue_image(&a);
    g_assert_true(run_launch(&a, &error_abort));
    print_log(&a, "legacy");
    env_setup(&b, true, NULL);
    queue_image(&b);
    g_assert_true(run_launch(&b, &error_abort));
    print_log(&b, "in-place");

    g_assert_cmpint(kvm_double_sev_state(a.d), ==, SEV_DOUBLE_FINISHED);
    g_assert_cmpint(kvm_double_sev_state(b.d), ==, SEV_DOUBLE_FINISHED);
    kvm_double_sev_digest(a.d, da);
    kvm_double_sev_digest(b.d, db);
    g_assert_cmpmem(da, 48, db, 48);
    g_assert_cmpuint(kvm_double_sev_pages_measured(a.d), ==, 9);
    g_assert_cmpuint(kvm_double_sev_vmsas(a.d), ==, 1);
    /* legacy copies NORMAL, SECRETS and CPUID from uaddr; in place none */
    g_assert_cmpuint(kvm_double_sev_bytes_copied(a.d), ==, 5 * PAGE);
    g_assert_cmpuint(kvm_double_sev_bytes_copied(b.d), ==, 0);
    g_assert_cmpuint(a.l.convert_calls, ==, 4);
    g_assert_cmpuint(a.l.update_calls, ==, 4);
    g_assert_cmpuint(a.l.update_bytes, ==, 9 * PAGE);
    /* the in-place launch never used the VM-scoped attribute */
    for (guint i = 0; i < kvm_double_sev_log(b.d)->len; i++) {
        const char *line = g_ptr_array_index(kvm_double_sev_log(b.d), i);

        g_assert_false(g_str_has_prefix(line, "KVM_SET_MEMORY_ATTRIBUTES "));
        if (g_str_has_prefix(line, "KVM_SEV_SNP_LAUNCH_UPDATE")) {
            g_assert_nonnull(strstr(line, "uaddr 0 "));
        }
    }
    env_teardown(&a);
    env_teardown(&b);
}

static void test_partial_progress(void)
{
    Env e;
    KVMDoubleSevConfig cfg;

    kvm_double_sev_default_config(&cfg);
    cfg.max_pages_per_call = 2;
    cfg.eagain_on_call = 1;
    env_setup(&e, false, &cfg);
    queue_image(&e);
    g_assert_true(run_launch(&e, &error_abort));
    /* 3 normal: EAGAIN, 2, 1; 4 zero: 2, 2; secrets 1; cpuid 1 */
    g_assert_cmpuint(e.l.update_calls, ==, 7);
    g_assert_cmpuint(kvm_double_sev_pages_measured(e.d), ==, 9);
    env_teardown(&e);
}

static void expect_failure(Env *e, const char *want)
{
    Error *err = NULL;

    g_assert_false(run_launch(e, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, want);
    error_free(err);
    /* nothing half-launched: no FINISH happened */
    g_assert_cmpint(kvm_double_sev_state(e->d), !=, SEV_DOUBLE_FINISHED);
}

static void test_fw_error_mid_way(void)
{
    Env e;

    env_setup(&e, true, NULL);
    kvm_double_sev_inject_fw_error(e.d, KVM_SEV_SNP_LAUNCH_UPDATE, 2,
                                   SEV_RET_RESOURCE_LIMIT);
    queue_image(&e);
    expect_failure(&e, "SNP_LAUNCH_UPDATE ret=-5 fw_error=23 'Required "
                   "firmware resource depleted'");
    env_teardown(&e);

    env_setup(&e, false, NULL);
    kvm_double_sev_inject_fw_error(e.d, KVM_SEV_SNP_LAUNCH_FINISH, 1,
                                   SEV_RET_INVALID_GUEST_STATE);
    queue_image(&e);
    expect_failure(&e, "SNP_LAUNCH_FINISH ret=-5 fw_error=2 'Guest state is "
                   "invalid'");
    env_teardown(&e);

    env_setup(&e, false, NULL);
    kvm_double_sev_inject_fw_error(e.d, KVM_SEV_SNP_LAUNCH_START, 1,
                                   SEV_RET_POLICY_FAILURE);
    queue_image(&e);
    expect_failure(&e, "sev_snp_launch_start: SNP_LAUNCH_START ret=-5 "
                   "fw_error=7 'Policy is not allowed'");
    env_teardown(&e);
}

static void test_cpuid_rejected(void)
{
    Env e;
    Error *err = NULL;
    const char *msg;

    env_setup(&e, false, NULL);
    kvm_double_sev_reject_cpuid(e.d, 7, 0);
    queue_image(&e);
    g_assert_false(run_launch(&e, &err));
    msg = error_get_pretty(err);
    g_assert_true(g_str_has_prefix(msg, "SEV-SNP: CPUID validation failed "
                                   "for function 0x7, index: 0x0, provided: "
                                   "eax:0x00000103, ebx: 0xfffffffd, ecx: "
                                   "0xffffffff, edx: 0x03ffffff, expected: "
                                   "eax:0x00000002, "));
    g_assert_nonnull(strstr(msg, "\nSEV-SNP: failed update CPUID page\n"
                            "SNP_LAUNCH_UPDATE ret=-5 fw_error=22 'Invalid "
                            "parameter'"));
    /* exactly one leaf was reported */
    g_assert_null(strstr(strstr(msg, "function 0x7") + 1, "function 0x"));
    error_free(err);
    env_teardown(&e);
}

static void test_convert_failure(void)
{
    Env e;

    env_setup(&e, true, NULL);
    e.fail_convert = true;
    queue_image(&e);
    expect_failure(&e, "SEV-SNP: failed to configure initial private guest "
                   "memory: Unable to convert (0x10000, + 0x3000) to "
                   "private: Resource temporarily unavailable");
    env_teardown(&e);
}

static void test_not_private_rejected(void)
{
    Env e;
    struct kvm_sev_snp_launch_update u = {
        .gfn_start = 0x30, .len = PAGE, .type = KVM_SEV_SNP_PAGE_TYPE_ZERO,
    };
    int fw = 0;

    env_setup(&e, true, NULL);
    g_assert_true(sev_snp_launch_start(&e.l, SEV_SNP_DEFAULT_POLICY,
                                       (uint8_t[16]){ 0 }, &error_abort));
    /* bypassing the engine's conversion: the kernel's rule bites */
    g_assert_cmpint(sev_launch_cmd(&e.l, KVM_SEV_SNP_LAUNCH_UPDATE, &u, &fw),
                    ==, -EINVAL);
    env_teardown(&e);
}

static void test_cpuid_page(void)
{
    g_autofree struct kvm_cpuid2 *c = fake_cpuid(6);
    g_autofree struct kvm_cpuid2 *big = fake_cpuid(65);
    g_autofree uint32_t *page = g_malloc0(PAGE);
    Error *err = NULL;

    g_assert_true(sev_snp_build_cpuid_page(c, page, &error_abort));
    g_assert_cmpuint(page[0], ==, 6);
    /* entry 3 = leaf 7.0: TSC_ADJUST and the speculation bits masked */
    g_assert_cmphex(page[4 + 3 * 12 + 0], ==, 7);
    g_assert_cmphex(page[4 + 3 * 12 + 7], ==, 0xfffffffd);
    g_assert_cmphex(page[4 + 3 * 12 + 9], ==, 0x03ffffff);
    /* leaf 1 ECX: TSC deadline masked */
    g_assert_cmphex(page[4 + 1 * 12 + 8], ==, 0xfeffffff);
    /* 0xD.0 and 0xD.1: EBX 0x240, XCR0_IN 1 */
    g_assert_cmphex(page[4 + 4 * 12 + 0], ==, 0xd);
    g_assert_cmphex(page[4 + 4 * 12 + 7], ==, 0x240);
    g_assert_cmphex(page[4 + 4 * 12 + 2], ==, 1);
    g_assert_cmphex(page[4 + 5 * 12 + 1], ==, 1);
    g_assert_cmphex(page[4 + 5 * 12 + 7], ==, 0x240);
    g_assert_false(sev_snp_build_cpuid_page(big, page, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "SEV-SNP: CPUID entry count (65) exceeds max (64)");
    error_free(err);
    g_assert_cmpstr(sev_fw_error_to_str(99), ==, "unknown error");
    g_assert_cmpstr(sev_fw_error_to_str(0), ==, "");
}

static void *env_gpa_to_hva(uint64_t gpa, uint64_t len, void *opaque)
{
    Env *e = opaque;

    return gpa + len <= e->ram_size ? e->ram + gpa : NULL;
}

/* The launch of OVMF.amdsev.fd: the flash and its metadata, both modes. */
static void test_ovmf(gconstpointer path)
{
    g_autofree uint8_t *img = NULL;
    g_autofree struct kvm_cpuid2 *c = fake_cpuid(6);
    uint8_t digest[2][48];
    const uint8_t *asev;
    uint32_t ndesc;
    gsize size;

    if (!path) {
        g_test_skip(g_getenv("OVMF_AMDSEV_SKIP"));
        return;
    }
    g_assert_true(g_file_get_contents(path, (char **)&img, &size, NULL));
    /* the descriptors read straight from the "ASEV" header */
    asev = memmem(img, size, "ASEV", 4);
    g_assert_nonnull(asev);
    memcpy(&ndesc, asev + 12, 4);

    for (int mode = 0; mode < 2; mode++) {
        Env e;
        uint64_t pages = size / PAGE;

        env_setup_sized(&e, mode, NULL, 16 << 20, size);
        memcpy(e.flash, img, size);
        g_assert_true(sev_snp_queue_ovmf(&e.l, img, size, e.flash,
                                         env_gpa_to_hva, &e, c,
                                         &error_abort));
        g_assert_cmpuint(e.l.items->len, ==, 1 + ndesc);
        g_assert_cmphex(g_array_index(e.l.items, SevLaunchItem, 0).gpa, ==,
                        (4ULL << 30) - size);
        g_assert_cmphex(g_array_index(e.l.items, SevLaunchItem, 0).len, ==,
                        size);
        for (uint32_t i = 0; i < ndesc; i++) {
            const SevLaunchItem *it =
                &g_array_index(e.l.items, SevLaunchItem, i + 1);
            uint32_t raw[3];
            uint8_t want;

            memcpy(raw, asev + 16 + 12 * i, 12);
            want = raw[2] == 2 ? KVM_SEV_SNP_PAGE_TYPE_SECRETS :
                   raw[2] == 3 ? KVM_SEV_SNP_PAGE_TYPE_CPUID :
                                 KVM_SEV_SNP_PAGE_TYPE_ZERO;
            g_assert_cmphex(it->gpa, ==, raw[0]);
            g_assert_cmphex(it->len, ==, raw[1]);
            g_assert_cmpuint(it->type, ==, want);
            pages += raw[1] / PAGE;
            if (mode == 0) {
                g_test_message("queued gpa 0x%08" PRIx64 " len 0x%06" PRIx64
                               " page type %u", it->gpa, it->len, it->type);
            }
        }
        g_assert_true(run_launch(&e, &error_abort));
        g_assert_cmpuint(kvm_double_sev_pages_measured(e.d), ==, pages);
        kvm_double_sev_digest(e.d, digest[mode]);
        if (mode) {
            print_log(&e, "OVMF in-place");
        } else {
            print_log(&e, "OVMF legacy");
        }
        env_teardown(&e);
    }
    g_assert_cmpmem(digest[0], 48, digest[1], 48);
}

static void test_ovmf_no_metadata(void)
{
    Env e;
    g_autofree struct kvm_cpuid2 *c = fake_cpuid(2);
    g_autofree uint8_t *img = g_malloc0(64 * 1024);
    Error *err = NULL;

    env_setup_sized(&e, false, NULL, 16 << 20, 64 * 1024);
    g_assert_false(sev_snp_queue_ovmf(&e.l, img, 64 * 1024, e.flash,
                                      env_gpa_to_hva, &e, c, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Failed to locate SEV metadata header");
    error_free(err);
    g_assert_cmpuint(e.l.items->len, ==, 0);
    env_teardown(&e);
}

int main(int argc, char **argv)
{
    g_autofree char *amdsev = NULL, *skip = NULL;

    g_test_init(&argc, &argv, NULL);
    amdsev = ovmf_amdsev_fetch(&skip);
    if (skip) {
        g_setenv("OVMF_AMDSEV_SKIP", skip, true);
    }
    g_test_add_data_func("/sev-launch/ovmf-amdsev", amdsev, test_ovmf);
    g_test_add_func("/sev-launch/ovmf-no-metadata", test_ovmf_no_metadata);
    g_test_add_func("/sev-launch/legacy-vs-in-place", test_legacy_vs_in_place);
    g_test_add_func("/sev-launch/partial-progress", test_partial_progress);
    g_test_add_func("/sev-launch/fw-error-mid-way", test_fw_error_mid_way);
    g_test_add_func("/sev-launch/cpuid-rejected", test_cpuid_rejected);
    g_test_add_func("/sev-launch/convert-failure", test_convert_failure);
    g_test_add_func("/sev-launch/not-private", test_not_private_rejected);
    g_test_add_func("/sev-launch/cpuid-page", test_cpuid_page);
    return g_test_run();
}
