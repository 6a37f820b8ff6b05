/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SEV-SNP launch engine: the queue of launch updates, their
 * conversion to private and the LAUNCH_UPDATE loop, the CPUID page, and
 * the firmware status texts.  Kept free of QOM so it runs against the
 * KVM double on its own.
 */
#include "qemu/osdep.h"
#include "linux/kvm.h"
#include "linux/psp-sev.h"
#include "sev.h"
#include "hw/i386/ovmf-metadata.h"

#define SEV_PAGE ((uint64_t)4096)

G_STATIC_ASSERT(sizeof(struct kvm_sev_cmd) == 24);
G_STATIC_ASSERT(sizeof(struct kvm_sev_init) == 48);
G_STATIC_ASSERT(sizeof(struct kvm_sev_snp_launch_start) == 64);
G_STATIC_ASSERT(sizeof(struct kvm_sev_snp_launch_update) == 64);
G_STATIC_ASSERT(sizeof(struct kvm_sev_snp_launch_finish) == 88);

/* The SEV-SNP firmware ABI's CPUID page. */
typedef struct SnpCpuidFunc {
    uint32_t eax_in, ecx_in;
    uint64_t xcr0_in, xss_in;
    uint32_t eax, ebx, ecx, edx;
    uint64_t reserved;
} SnpCpuidFunc;

typedef struct SnpCpuidPage {
    uint32_t count;
    uint32_t reserved1;
    uint64_t reserved2;
    SnpCpuidFunc entries[SEV_SNP_CPUID_MAX];
} SnpCpuidPage;

G_STATIC_ASSERT(sizeof(SnpCpuidFunc) == 48);
G_STATIC_ASSERT(sizeof(SnpCpuidPage) <= SEV_PAGE);

static const char *const fw_errors[SEV_RET_MAX] = {
    [SEV_RET_SUCCESS] = "",
    [SEV_RET_INVALID_PLATFORM_STATE] = "Platform state is invalid",
    [SEV_RET_INVALID_GUEST_STATE] = "Guest state is invalid",
    [SEV_RET_INAVLID_CONFIG] = "Platform configuration is invalid",
    [SEV_RET_INVALID_LEN] = "Buffer too small",
    [SEV_RET_ALREADY_OWNED] = "Platform is already owned",
    [SEV_RET_INVALID_CERTIFICATE] = "Certificate is invalid",
    [SEV_RET_POLICY_FAILURE] = "Policy is not allowed",
    [SEV_RET_INACTIVE] = "Guest is not active",
    [SEV_RET_INVALID_ADDRESS] = "Invalid address",
    [SEV_RET_BAD_SIGNATURE] = "Bad signature",
    [SEV_RET_BAD_MEASUREMENT] = "Bad measurement",
    [SEV_RET_ASID_OWNED] = "ASID is already owned",
    [SEV_RET_INVALID_ASID] = "Invalid ASID",
    [SEV_RET_WBINVD_REQUIRED] = "WBINVD is required",
    [SEV_RET_DFFLUSH_REQUIRED] = "DF_FLUSH is required",
    [SEV_RET_INVALID_GUEST] = "Guest handle is invalid",
    [SEV_RET_INVALID_COMMAND] = "Invalid command",
    [SEV_RET_ACTIVE] = "Guest is active",
    [SEV_RET_HWSEV_RET_PLATFORM] = "Hardware error",
    [SEV_RET_HWSEV_RET_UNSAFE] = "Hardware unsafe",
    [SEV_RET_UNSUPPORTED] = "Feature not supported",
    [SEV_RET_INVALID_PARAM] = "Invalid parameter",
    [SEV_RET_RESOURCE_LIMIT] = "Required firmware resource depleted",
    [SEV_RET_SECURE_DATA_INVALID] = "Part-specific integrity check failure",
};

const char *sev_fw_error_to_str(int code)
{
    if (code < 0 || code >= SEV_RET_MAX) {
        return "unknown error";
    }
    return fw_errors[code];
}

void sev_launch_init(SevLaunch *l, const SevLaunchOps *ops, int sev_fd,
                     bool in_place)
{
    memset(l, 0, sizeof(*l));
    l->ops = *ops;
    l->sev_fd = sev_fd;
    l->in_place = in_place;
    l->items = g_array_new(false, true, sizeof(SevLaunchItem));
}

void sev_launch_cleanup(SevLaunch *l)
{
    if (l->items) {
        g_array_free(l->items, true);
        l->items = NULL;
    }
}

void sev_launch_queue(SevLaunch *l, uint64_t gpa, void *hva, uint64_t len,
                      uint8_t type)
{
    uint64_t start = QEMU_ALIGN_DOWN(gpa, SEV_PAGE);
    SevLaunchItem it = {
        .gpa = start,
        .hva = (uint8_t *)hva - (gpa - start),
        .len = QEMU_ALIGN_UP(gpa + len, SEV_PAGE) - start,
        .type = type,
    };

    g_array_append_val(l->items, it);
}

int sev_launch_cmd(SevLaunch *l, uint32_t id, void *data, int *fw_error)
{
    struct kvm_sev_cmd cmd = {
        .id = id,
        .data = (uintptr_t)data,
        .sev_fd = l->sev_fd,
    };
    int ret = l->ops.encrypt_op(&cmd, l->ops.opaque);

    if (fw_error) {
        *fw_error = cmd.error;
    }
    return ret;
}

bool sev_snp_launch_start(SevLaunch *l, uint64_t policy,
                          const uint8_t gosvw[16], Error **errp)
{
    struct kvm_sev_init init = { 0 };
    struct kvm_sev_snp_launch_start start = { .policy = policy };
    int ret, fw = 0;

    ret = sev_launch_cmd(l, KVM_SEV_INIT2, &init, &fw);
    if (ret < 0) {
        error_setg(errp, "sev_common_kvm_init: failed to initialize ret=%d "
                   "fw_error=%d '%s'", ret, fw, sev_fw_error_to_str(fw));
        return false;
    }
    memcpy(start.gosvw, gosvw, sizeof(start.gosvw));
    ret = sev_launch_cmd(l, KVM_SEV_SNP_LAUNCH_START, &start, &fw);
    if (ret < 0) {
        error_setg(errp, "sev_snp_launch_start: SNP_LAUNCH_START ret=%d "
                   "fw_error=%d '%s'", ret, fw, sev_fw_error_to_str(fw));
        error_append_hint(errp, "sev_common_kvm_init: failed to create "
                          "encryption context\n");
        return false;
    }
    return true;
}

static const char *page_type_name(uint8_t type)
{
    switch (type) {
    case KVM_SEV_SNP_PAGE_TYPE_NORMAL:
        return "Normal";
    case KVM_SEV_SNP_PAGE_TYPE_ZERO:
        return "Zero";
    case KVM_SEV_SNP_PAGE_TYPE_UNMEASURED:
        return "Unmeasured";
    case KVM_SEV_SNP_PAGE_TYPE_SECRETS:
        return "Secrets";
    case KVM_SEV_SNP_PAGE_TYPE_CPUID:
        return "Cpuid";
    default:
        return "unknown";
    }
}

static bool update_one(SevLaunch *l, const SevLaunchItem *it, Error **errp)
{
    struct kvm_sev_snp_launch_update u = {
        .gfn_start = it->gpa / SEV_PAGE,
        .len = it->len,
        .type = it->type,
    };
    g_autofree SnpCpuidPage *saved = NULL;
    void *snap = NULL;
    Error *local_err = NULL;
    bool ok = false;
    int64_t t0;
    int ret = 0, fw = 0;

    if (!it->hva || !it->len) {
        error_setg(errp, "SNP_LAUNCH_UPDATE called with invalid address/ "
                   "length: %p / %" PRIx64, it->hva, it->len);
        return false;
    }
    /*
     * The firmware may reject the CPUID page: compare against the copy
     * sent.  In place the page becomes private (unreadable) below.
     */
    if (it->type == KVM_SEV_SNP_PAGE_TYPE_CPUID) {
        saved = g_memdup2(it->hva, sizeof(*saved));
    }
    /* kernel v7 patch 20: uaddr 0 populates from the gmem pages in place */
    u.uaddr = l->in_place ? 0 : (uintptr_t)it->hva;
    if (!l->in_place && l->snapshot_source &&
        it->type != KVM_SEV_SNP_PAGE_TYPE_ZERO) {
        if (posix_memalign(&snap, SEV_PAGE, it->len)) {
            error_setg(errp, "SEV-SNP: no memory for 0x%" PRIx64 " bytes of "
                       "launch data", it->len);
            return false;
        }
        memcpy(snap, it->hva, it->len);
        l->snapshot_bytes += it->len;
        u.uaddr = (uintptr_t)snap;
    }

    t0 = g_get_monotonic_time();
    l->convert_calls++;
    l->convert_bytes += it->len;
    if (!l->ops.convert_private(it->gpa, it->len, l->ops.opaque,
                                &local_err)) {
        error_propagate(errp, local_err);
        error_prepend(errp, "SEV-SNP: failed to configure initial private "
                      "guest memory: ");
        goto out;
    }
    l->convert_ns += (g_get_monotonic_time() - t0) * 1000;

    t0 = g_get_monotonic_time();
    while (u.len || ret == -EAGAIN) {
        uint64_t before = u.len;

        ret = sev_launch_cmd(l, KVM_SEV_SNP_LAUNCH_UPDATE, &u, &fw);
        l->update_calls++;
        l->update_bytes += before - u.len;
        if (ret < 0 && ret != -EAGAIN) {
            break;
        }
    }
    l->update_ns += (g_get_monotonic_time() - t0) * 1000;
    if (ret < 0) {
        if (it->type == KVM_SEV_SNP_PAGE_TYPE_CPUID) {
            g_autofree char *rep = NULL;

            if (l->in_place) {
                rep = g_strdup("SEV-SNP: the firmware's corrected CPUID "
                               "table stays in the private page "
                               "(in-place launch)\n");
            } else {
                rep = sev_snp_cpuid_mismatch_report(saved,
                                                    snap ? snap : it->hva);
            }
            error_setg(errp, "%sSEV-SNP: failed update CPUID page\n"
                       "SNP_LAUNCH_UPDATE ret=%d fw_error=%d '%s'", rep,
                       ret, fw, sev_fw_error_to_str(fw));
        } else {
            error_setg(errp, "SNP_LAUNCH_UPDATE ret=%d fw_error=%d '%s'",
                       ret, fw, sev_fw_error_to_str(fw));
        }
        error_append_hint(errp, "while updating GPA 0x%" PRIx64 "+0x%" PRIx64
                          " (%s)\n", it->gpa, it->len,
                          page_type_name(it->type));
        goto out;
    }
    if (u.gfn_start * SEV_PAGE != it->gpa + it->len) {
        error_setg(errp, "SEV-SNP: expected update of GPA range %" PRIx64
                   "-%" PRIx64 ",got GPA range %" PRIx64 "-%" PRIx64,
                   it->gpa, it->gpa + it->len, it->gpa,
                   (uint64_t)u.gfn_start * SEV_PAGE);
        goto out;
    }
    ok = true;
out:
    free(snap);
    return ok;
}

bool sev_snp_launch_update_all(SevLaunch *l, Error **errp)
{
    for (guint i = 0; i < l->items->len; i++) {
        if (!update_one(l, &g_array_index(l->items, SevLaunchItem, i),
                        errp)) {
            return false;
        }
    }
    return true;
}

bool sev_snp_launch_finish_cmd(SevLaunch *l, void *finish, Error **errp)
{
    int fw = 0;
    int ret = sev_launch_cmd(l, KVM_SEV_SNP_LAUNCH_FINISH, finish, &fw);

    if (ret < 0) {
        error_setg(errp, "SNP_LAUNCH_FINISH ret=%d fw_error=%d '%s'", ret, fw,
                   sev_fw_error_to_str(fw));
        return false;
    }
    return true;
}

/* ---- CPUID ---- */

#define CPUID_1_ECX_TSC_DEADLINE      (1u << 24)
#define CPUID_7_0_EBX_TSC_ADJUST      (1u << 1)
#define CPUID_7_0_EDX_SPEC_CTRL       (1u << 26)
#define CPUID_7_0_EDX_STIBP           (1u << 27)
#define CPUID_7_0_EDX_FLUSH_L1D       (1u << 28)
#define CPUID_7_0_EDX_ARCH_CAP        (1u << 29)
#define CPUID_7_0_EDX_CORE_CAP        (1u << 30)
#define CPUID_7_0_EDX_SSBD            (1u << 31)
#define CPUID_8000_0008_EBX_VIRT_SSBD (1u << 25)

uint32_t sev_snp_mask_cpuid(uint32_t function, uint32_t index, int reg,
                            uint32_t value)
{
    /* what an SNP guest cannot be given (the hypervisor owns these) */
    if (function == 1 && reg == SEV_CPUID_ECX) {
        return value & ~CPUID_1_ECX_TSC_DEADLINE;
    }
    if (function == 7 && index == 0 && reg == SEV_CPUID_EBX) {
        return value & ~CPUID_7_0_EBX_TSC_ADJUST;
    }
    if (function == 7 && index == 0 && reg == SEV_CPUID_EDX) {
        return value & ~(CPUID_7_0_EDX_SPEC_CTRL | CPUID_7_0_EDX_STIBP |
                         CPUID_7_0_EDX_FLUSH_L1D | CPUID_7_0_EDX_ARCH_CAP |
                         CPUID_7_0_EDX_CORE_CAP | CPUID_7_0_EDX_SSBD);
    }
    if (function == 0x80000008 && reg == SEV_CPUID_EBX) {
        return value & ~CPUID_8000_0008_EBX_VIRT_SSBD;
    }
    return value;
}

bool sev_snp_build_cpuid_page(const void *kvm_cpuid2, void *page,
                              Error **errp)
{
    const struct kvm_cpuid2 *c = kvm_cpuid2;
    SnpCpuidPage *p = page;

    if (c->nent > SEV_SNP_CPUID_MAX) {
        error_setg(errp, "SEV-SNP: CPUID entry count (%u) exceeds max (%d)",
                   c->nent, SEV_SNP_CPUID_MAX);
        return false;
    }
    memset(page, 0, SEV_PAGE);
    for (uint32_t i = 0; i < c->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &c->entries[i];
        SnpCpuidFunc *f = &p->entries[i];

        f->eax_in = e->function;
        if (e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) {
            f->ecx_in = e->index;
        }
        f->eax = sev_snp_mask_cpuid(e->function, f->ecx_in, SEV_CPUID_EAX,
                                    e->eax);
        f->ebx = sev_snp_mask_cpuid(e->function, f->ecx_in, SEV_CPUID_EBX,
                                    e->ebx);
        f->ecx = sev_snp_mask_cpuid(e->function, f->ecx_in, SEV_CPUID_ECX,
                                    e->ecx);
        f->edx = sev_snp_mask_cpuid(e->function, f->ecx_in, SEV_CPUID_EDX,
                                    e->edx);
        /* the guest sizes XSAVE itself from the sub-leaves: XCR0=1 only */
        if (f->eax_in == 0xd && (f->ecx_in == 0 || f->ecx_in == 1)) {
            f->ebx = 0x240;
            f->xcr0_in = 1;
            f->xss_in = 0;
        }
    }
    p->count = c->nent;
    return true;
}

char *sev_snp_cpuid_mismatch_report(const void *ours, const void *fw)
{
    const SnpCpuidPage *a = ours, *b = fw;
    GString *s = g_string_new(NULL);

    if (a->count != b->count) {
        g_string_append_printf(s, "SEV-SNP: CPUID validation failed due to "
                               "count mismatch, provided: %u, expected: %u\n",
                               a->count, b->count);
        return g_string_free(s, false);
    }
    for (uint32_t i = 0; i < a->count && i < SEV_SNP_CPUID_MAX; i++) {
        const SnpCpuidFunc *x = &a->entries[i], *y = &b->entries[i];

        if (memcmp(x, y, sizeof(*x))) {
            g_string_append_printf(s, "SEV-SNP: CPUID validation failed for "
                "function 0x%x, index: 0x%x, provided: eax:0x%08x, ebx: "
                "0x%08x, ecx: 0x%08x, edx: 0x%08x, expected: eax:0x%08x, "
                "ebx: 0x%08x, ecx: 0x%08x, edx: 0x%08x\n", x->eax_in,
                x->ecx_in, x->eax, x->ebx, x->ecx, x->edx, y->eax, y->ebx,
                y->ecx, y->edx);
        }
    }
    return g_string_free(s, false);
}

bool sev_snp_queue_ovmf(SevLaunch *l, const uint8_t *img, size_t size,
                        void *flash_hva, SevGpaToHva gpa_to_hva,
                        void *opaque, const void *kvm_cpuid2,
                        Error **errp)
{
    OvmfSevMetadata md;

    if (!ovmf_sev_metadata_parse(img, size, &md, errp)) {
        return false;
    }
    if (flash_hva) {
        sev_launch_queue(l, (4ULL << 30) - size, flash_hva, size,
                         KVM_SEV_SNP_PAGE_TYPE_NORMAL);
    }
    for (unsigned i = 0; i < md.ndesc; i++) {
        const OvmfSevDesc *d = &md.desc[i];
        uint8_t type = ovmf_sev_desc_snp_page_type(d->type, false);
        void *hva = gpa_to_hva(d->base, d->len, opaque);

        if (!hva) {
            error_setg(errp, "snp_populate_metadata_pages: Failed to get HVA "
                       "for GPA 0x%x sz 0x%x", d->base, d->len);
            ovmf_sev_metadata_free(&md);
            return false;
        }
        if (type == KVM_SEV_SNP_PAGE_TYPE_CPUID &&
            !sev_snp_build_cpuid_page(kvm_cpuid2, hva, errp)) {
            error_prepend(errp, "SEV-SNP: failed to generate CPUID table "
                          "information: ");
            ovmf_sev_metadata_free(&md);
            return false;
        }
        sev_launch_queue(l, d->base, hva, d->len, type);
    }
    ovmf_sev_metadata_free(&md);
    return true;
}
