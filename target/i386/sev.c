/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sev-guest and sev-snp-guest objects, host discovery for SEV-SNP,
 * the SNP launch of the machine's guest, and the SEV QMP commands.
 */
#include "qemu/osdep.h"
#include "linux/kvm.h"
#include "linux/psp-sev.h"
#include "qapi/qapi-commands.h"
#include "qapi/qapi-types.h"
#include "qom/object_interfaces.h"
#include "system/confidential-guest-support.h"
#include "system/kvm.h"
#include "system/kvm_int.h"
#include "system/memory.h"
#include "hw/boards.h"
#include "hw/i386/ovmf-metadata.h"
#include "sev.h"

OBJECT_DECLARE_SIMPLE_TYPE(SevCommonState, SEV_COMMON)
OBJECT_DECLARE_SIMPLE_TYPE(SevGuestState, SEV_GUEST)
OBJECT_DECLARE_SIMPLE_TYPE(SevSnpGuestState, SEV_SNP_GUEST)

struct SevCommonState {
    ConfidentialGuestSupport parent_obj;
    char *sev_device;
    uint32_t cbitpos;
    uint32_t reduced_phys_bits;
    bool kernel_hashes;
    /* runtime */
    int sev_fd;
    uint8_t api_major, api_minor, build_id;
    SevState state;
    SevLaunch launch;
    bool launch_inited;
    uint8_t *firmware;           /* OVMF image whose metadata is queued */
    size_t firmware_size;
};

struct SevGuestState {
    SevCommonState parent_obj;
    char *dh_cert_file;
    char *session_file;
    uint32_t policy;
    uint32_t handle;
    int legacy_vm_type;       /* OnOffAuto */
};

struct SevSnpGuestState {
    SevCommonState parent_obj;
    uint64_t policy;
    char *gosvw_b64;
    uint8_t gosvw[16];
    char *id_block_b64;
    uint8_t *id_block;
    char *id_auth_b64;
    uint8_t *id_auth;
    bool author_key_enabled;
    char *host_data_b64;
    uint8_t host_data[KVM_SEV_SNP_FINISH_DATA_SIZE];
    bool vcek_disabled;
};

/* The reason recorded once an SNP guest is launched (no migration). */
static const char *migration_blocker;

static SevCommonState *sev_current(void)
{
    ConfidentialGuestSupport *cgs = confidential_guest_support_current();

    return cgs && object_dynamic_cast(OBJECT(cgs), TYPE_SEV_COMMON) ?
           SEV_COMMON(cgs) : NULL;
}

bool sev_enabled(void)
{
    return sev_current() != NULL;
}

bool sev_snp_enabled(void)
{
    SevCommonState *s = sev_current();

    return s && object_dynamic_cast(OBJECT(s), TYPE_SEV_SNP_GUEST);
}

const char *sev_migration_blocker(void)
{
    return migration_blocker;
}

/* ---- base64 properties ---- */

static bool b64_valid(const char *s)
{
    size_t n = strlen(s), pad = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (c == '=') {
            pad++;
        } else if (pad || !(g_ascii_isalnum(c) || c == '+' || c == '/')) {
            return false;
        }
    }
    return n % 4 == 0 && pad <= 2;
}

/* Decoded bytes of @value (caller frees), or NULL with *errp set. */
static uint8_t *b64_decode(const char *value, gsize *len, Error **errp)
{
    if (!b64_valid(value)) {
        error_setg(errp, "Base64 data is invalid");
        return NULL;
    }
    *len = 0;
    return g_base64_decode(value, len);
}

/* ---- sev-common ---- */

/*
 * A CPUID table from vCPU fd @fd (KVM_GET_CPUID2), or from /dev/kvm when
 * @fd is -1 (KVM_GET_SUPPORTED_CPUID), growing the buffer while KVM says E2BIG.  Caller frees;
 * NULL with *ret set to -errno.
 */
static struct kvm_cpuid2 *get_cpuid_table(int fd, unsigned long req,
                                          int *ret)
{
    struct kvm_cpuid2 *c = NULL;
    unsigned n = 64;

    do {
        g_free(c);
        c = g_malloc0(sizeof(*c) + n * sizeof(c->entries[0]));
        c->nent = n;
        *ret = fd < 0 ? kvm_ioctl(req, c) : kvm_fd_ioctl(fd, req, c);
        n *= 2;
    } while (*ret == -E2BIG && n <= 4096);
    if (*ret < 0) {
        g_free(c);
        return NULL;
    }
    return c;
}

/* EBX[5:0] of leaf 0x8000001F as KVM reports it (0: no SEV leaf). */
static uint32_t host_cbitpos(void)
{
    g_autofree struct kvm_cpuid2 *c = NULL;
    int ret;

    c = get_cpuid_table(-1, KVM_GET_SUPPORTED_CPUID, &ret);
    for (unsigned i = 0; c && i < c->nent; i++) {
        if (c->entries[i].function == 0x8000001f) {
            return c->entries[i].ebx & 0x3f;
        }
    }
    return 0;
}

static int encrypt_op(void *cmd, void *opaque)
{
    return kvm_vm_ioctl(KVM_MEMORY_ENCRYPT_OP, cmd);
}

static bool convert_private(uint64_t gpa, uint64_t len, void *opaque,
                            Error **errp)
{
    return kvm_convert_memory(gpa, len, true, errp) == 0;
}

static int psp_cmd(int fd, uint32_t cmd, void *data, int *fw_error)
{
    struct sev_issue_cmd c = { .cmd = cmd, .data = (uintptr_t)data };
    int ret = kvm_fd_ioctl(fd, SEV_ISSUE_CMD, &c);

    *fw_error = c.error;
    return ret;
}

/*
 * Host discovery, in QEMU's order and words, after the VM of the right
 * type exists: C-bit, reduced-phys-bits, the SEV device, its status.
 */
static bool sev_common_kvm_init(SevCommonState *s, Error **errp)
{
    const KVMOps *ops = kvm_get_ops();
    struct sev_user_data_status st = { 0 };
    uint32_t host = host_cbitpos();
    int fd, ret, fw = 0;

    s->state = SEV_STATE_UNINIT;
    if (host != s->cbitpos) {
        error_setg(errp, "sev_common_kvm_init: cbitpos check failed, host "
                   "'%u' requested '%u'", host, s->cbitpos);
        return false;
    }
    if (s->reduced_phys_bits < 1 || s->reduced_phys_bits > 63) {
        error_setg(errp, "sev_common_kvm_init: reduced_phys_bits check "
                   "failed, it should be in the range of 1 to 63, requested "
                   "'%u'", s->reduced_phys_bits);
        return false;
    }
    /* through the KVM seam, so the double can stand in for the PSP */
    fd = ops->open_device(s->sev_device, O_RDWR | O_CLOEXEC, ops->opaque);
    if (fd < 0) {
        error_setg(errp, "sev_common_kvm_init: Failed to open %s '%s'",
                   s->sev_device, strerror(-fd));
        return false;
    }
    s->sev_fd = fd;
    ret = psp_cmd(fd, SEV_PLATFORM_STATUS, &st, &fw);
    if (ret < 0) {
        error_setg(errp, "sev_common_kvm_init: failed to get platform "
                   "status ret=%d fw_error='%d: %s'", ret, fw,
                   sev_fw_error_to_str(fw));
        return false;
    }
    s->api_major = st.api_major;
    s->api_minor = st.api_minor;
    s->build_id = st.build;
    return true;
}

static void sev_common_close(SevCommonState *s)
{
    const KVMOps *ops = kvm_get_ops();

    if (s->launch_inited) {
        sev_launch_cleanup(&s->launch);
        s->launch_inited = false;
    }
    g_clear_pointer(&s->firmware, g_free);
    if (s->sev_fd >= 0) {
        ops->close(s->sev_fd, ops->opaque);
        s->sev_fd = -1;
    }
}

static void sev_common_instance_init(Object *obj)
{
    SevCommonState *s = SEV_COMMON(obj);

    s->sev_fd = -1;
    s->state = SEV_STATE_UNINIT;
}

static void sev_common_finalize(Object *obj)
{
    SevCommonState *s = SEV_COMMON(obj);

    sev_common_close(s);
    g_free(s->sev_device);
}

static void sev_common_class_init(ObjectClass *oc, const void *data)
{
    ObjectProperty *op;

    op = object_class_property_add_str_field(oc, "sev-device",
            offsetof(SevCommonState, sev_device));
    object_property_set_default_str(op, SEV_DEFAULT_DEVICE);
    object_class_property_set_description(oc, "sev-device",
                                          "SEV device to use");
    op = object_class_property_add_uint_field(oc, "cbitpos",
            offsetof(SevCommonState, cbitpos), sizeof(uint32_t));
    object_property_set_default_uint(op, 0);
    object_class_property_add_uint_field(oc, "reduced-phys-bits",
            offsetof(SevCommonState, reduced_phys_bits), sizeof(uint32_t));
    op = object_class_property_add_bool_field(oc, "kernel-hashes",
            offsetof(SevCommonState, kernel_hashes));
    object_property_set_default_bool(op, false);
    object_class_property_set_description(oc, "kernel-hashes",
            "add kernel hashes to guest firmware for measured Linux boot");
}

/* ---- sev-guest ---- */

static bool sev_guest_kvm_init(ConfidentialGuestSupport *cgs, Error **errp)
{
    SevCommonState *s = SEV_COMMON(cgs);

    if (!sev_common_kvm_init(s, errp)) {
        sev_common_close(s);
        return false;
    }
    sev_common_close(s);
    error_setg(errp, "sev-guest: the SEV and SEV-ES launch is not "
               "implemented by qemu-gmem; use sev-snp-guest");
    return false;
}

static void sev_guest_finalize(Object *obj)
{
    SevGuestState *s = SEV_GUEST(obj);

    g_free(s->dh_cert_file);
    g_free(s->session_file);
}

static void sev_guest_class_init(ObjectClass *oc, const void *data)
{
    ConfidentialGuestSupportClass *cc = CONFIDENTIAL_GUEST_SUPPORT_CLASS(oc);
    ObjectProperty *op;

    /* legacy-vm-type=auto picks the default type + KVM_SEV_INIT */
    cc->kvm_vm_type = KVM_X86_DEFAULT_VM;
    cc->kvm_vm_type_name = "KVM_X86_DEFAULT_VM";
    cc->kvm_init = sev_guest_kvm_init;
    object_class_property_add_str_field(oc, "dh-cert-file",
            offsetof(SevGuestState, dh_cert_file));
    object_class_property_set_description(oc, "dh-cert-file",
            "guest owners DH certificate (encoded with base64)");
    object_class_property_add_str_field(oc, "session-file",
            offsetof(SevGuestState, session_file));
    object_class_property_set_description(oc, "session-file",
            "guest owners session parameters (encoded with base64)");
    op = object_class_property_add_uint_field(oc, "policy",
            offsetof(SevGuestState, policy), sizeof(uint32_t));
    object_property_set_default_uint(op, SEV_DEFAULT_GUEST_POLICY);
    op = object_class_property_add_uint_field(oc, "handle",
            offsetof(SevGuestState, handle), sizeof(uint32_t));
    object_property_set_default_uint(op, 0);
    op = object_class_property_add_enum_field(oc, "legacy-vm-type",
            "OnOffAuto", &OnOffAuto_lookup,
            offsetof(SevGuestState, legacy_vm_type));
    object_property_set_default_str(op, "auto");
}

/* ---- sev-snp-guest ---- */

static char *snp_get_gosvw(Object *obj, Error **errp)
{
    return g_strdup(SEV_SNP_GUEST(obj)->gosvw_b64);
}

static void snp_set_gosvw(Object *obj, const char *v, Error **errp)
{
    SevSnpGuestState *s = SEV_SNP_GUEST(obj);
    g_autofree uint8_t *blob = NULL;
    gsize len;

    blob = b64_decode(v, &len, errp);
    if (!blob) {
        return;
    }
    if (len != sizeof(s->gosvw)) {
        error_setg(errp, "parameter length of %" G_GSIZE_FORMAT
                   " exceeds max of %zu", len, sizeof(s->gosvw));
        return;
    }
    memcpy(s->gosvw, blob, len);
    g_free(s->gosvw_b64);
    s->gosvw_b64 = g_strdup(v);
}

static char *snp_get_id_block(Object *obj, Error **errp)
{
    return g_strdup(SEV_SNP_GUEST(obj)->id_block_b64);
}

static void snp_set_id_block(Object *obj, const char *v, Error **errp)
{
    SevSnpGuestState *s = SEV_SNP_GUEST(obj);
    uint8_t *blob;
    gsize len;

    blob = b64_decode(v, &len, errp);
    if (!blob) {
        return;
    }
    if (len != KVM_SEV_SNP_ID_BLOCK_SIZE) {
        error_setg(errp, "parameter length of %" G_GSIZE_FORMAT
                   " not equal to %u", len, KVM_SEV_SNP_ID_BLOCK_SIZE);
        g_free(blob);
        return;
    }
    g_free(s->id_block);
    s->id_block = blob;
    g_free(s->id_block_b64);
    s->id_block_b64 = g_strdup(v);
}

static char *snp_get_id_auth(Object *obj, Error **errp)
{
    return g_strdup(SEV_SNP_GUEST(obj)->id_auth_b64);
}

static void snp_set_id_auth(Object *obj, const char *v, Error **errp)
{
    SevSnpGuestState *s = SEV_SNP_GUEST(obj);
    g_autofree uint8_t *blob = NULL;
    gsize len;

    blob = b64_decode(v, &len, errp);
    if (!blob) {
        return;
    }
    if (len > KVM_SEV_SNP_ID_AUTH_SIZE) {
        error_setg(errp, "parameter length:ID_AUTH %" G_GSIZE_FORMAT
                   " exceeds max of %u", len, KVM_SEV_SNP_ID_AUTH_SIZE);
        return;
    }
    /* the kernel always reads the full 4 KiB */
    g_free(s->id_auth);
    s->id_auth = g_malloc0(KVM_SEV_SNP_ID_AUTH_SIZE);
    memcpy(s->id_auth, blob, len);
    g_free(s->id_auth_b64);
    s->id_auth_b64 = g_strdup(v);
}

static char *snp_get_host_data(Object *obj, Error **errp)
{
    return g_strdup(SEV_SNP_GUEST(obj)->host_data_b64);
}

static void snp_set_host_data(Object *obj, const char *v, Error **errp)
{
    SevSnpGuestState *s = SEV_SNP_GUEST(obj);
    g_autofree uint8_t *blob = NULL;
    gsize len;

    blob = b64_decode(v, &len, errp);
    if (!blob) {
        return;
    }
    if (len != sizeof(s->host_data)) {
        error_setg(errp, "parameter length of %" G_GSIZE_FORMAT
                   " not equal to %zu", len, sizeof(s->host_data));
        return;
    }
    memcpy(s->host_data, blob, len);
    g_free(s->host_data_b64);
    s->host_data_b64 = g_strdup(v);
}

static bool sev_snp_kvm_init(ConfidentialGuestSupport *cgs, Error **errp)
{
    SevSnpGuestState *snp = SEV_SNP_GUEST(cgs);
    SevCommonState *s = SEV_COMMON(cgs);
    SevLaunchOps ops = { encrypt_op, convert_private, s };

    if (s->kernel_hashes) {
        error_setg(errp, "SEV-SNP: kernel-hashes=on (measured direct kernel "
                   "boot) is not implemented by qemu-gmem");
        return false;
    }
    if (!(snp->policy & SEV_SNP_POLICY_MBO)) {
        error_setg(errp, "SEV-SNP: policy 0x%" PRIx64 " has bit 17 clear; "
                   "the SNP firmware ABI reserves it and requires it set",
                   snp->policy);
        return false;
    }
    /* the memory model first: it names a missing kernel capability */
    if (!kvm_confidential_setup(cgs->convert_in_place ? CGS_MODEL_IN_PLACE
                                                      : CGS_MODEL_LEGACY,
                                errp) ||
        !sev_common_kvm_init(s, errp)) {
        goto fail;
    }
    sev_launch_init(&s->launch, &ops, s->sev_fd, cgs->convert_in_place);
    /* legacy: our conversion to private discards the shared copy */
    s->launch.snapshot_source = !cgs->convert_in_place;
    s->launch_inited = true;
    if (!sev_snp_launch_start(&s->launch, snp->policy, snp->gosvw, errp)) {
        goto fail;
    }
    s->state = SEV_STATE_LAUNCH_UPDATE;
    return true;

fail:
    sev_common_close(s);
    return false;
}

/* gpa -> host pointer of guest RAM, or NULL when not RAM throughout. */
static void *gpa_to_hva(uint64_t gpa, uint64_t len)
{
    MemoryRegionSection sec = memory_region_find(get_system_memory(), gpa,
                                                 len);

    if (!sec.mr || !memory_region_is_ram(sec.mr) || sec.size < len) {
        return NULL;
    }
    return (uint8_t *)memory_region_get_ram_ptr(sec.mr) +
           sec.offset_within_region;
}

/*
 * The loader is about to write [gpa, gpa+size): that is launch data, to
 * be measured as NORMAL pages.  It is written while the range is still
 * shared (in place: the guest_memfd pages themselves), so nothing to do
 * to the memory.  After the launch the guest's memory is sealed.
 */
static bool sev_snp_prepare_load(ConfidentialGuestSupport *cgs, uint64_t gpa,
                                 uint64_t size, Error **errp)
{
    SevCommonState *s = SEV_COMMON(cgs);
    void *hva;

    if (!size) {
        return true;
    }
    if (s->state != SEV_STATE_LAUNCH_UPDATE) {
        error_setg(errp, "SEV-SNP: guest memory cannot be reloaded after "
                   "the launch (reset is not supported)");
        return false;
    }
    hva = gpa_to_hva(gpa, size);
    if (!hva) {
        error_setg(errp, "SEV-SNP: launch data at 0x%" PRIx64 "+0x%" PRIx64
                   " is not in guest RAM", gpa, size);
        return false;
    }
    /*
     * Legacy RAM starts private; the loader writes its shared copy, which
     * the host may only touch once the range is shared again (the launch
     * snapshots it before making it private for LAUNCH_UPDATE).
     */
    if (!cgs->convert_in_place) {
        uint64_t psz = qemu_real_host_page_size();
        uint64_t start = QEMU_ALIGN_DOWN(gpa, psz);
        uint64_t end = QEMU_ALIGN_UP(gpa + size, psz);

        if (kvm_convert_memory(start, end - start, false, errp) < 0) {
            return false;
        }
    }
    sev_launch_queue(&s->launch, gpa, hva, size,
                     KVM_SEV_SNP_PAGE_TYPE_NORMAL);
    return true;
}

const SevLaunch *sev_snp_launch_state(void)
{
    SevCommonState *s = sev_current();

    return s && s->launch_inited ? &s->launch : NULL;
}

bool sev_snp_add_firmware(const uint8_t *img, size_t size, void *flash_hva,
                          Error **errp)
{
    SevCommonState *s = sev_current();
    OvmfSevMetadata md;

    if (!s || !sev_snp_enabled() || s->state != SEV_STATE_LAUNCH_UPDATE) {
        error_setg(errp, "SEV-SNP: no launch to add firmware to");
        return false;
    }
    if (s->firmware) {
        error_setg(errp, "SEV-SNP: a firmware image was already added");
        return false;
    }
    /* QEMU only finds out at the launch; failing here names the image */
    if (!ovmf_sev_metadata_parse(img, size, &md, errp)) {
        return false;
    }
    ovmf_sev_metadata_free(&md);
    s->firmware = g_memdup2(img, size);
    s->firmware_size = size;
    sev_launch_queue(&s->launch, (4ULL << 30) - size, flash_hva, size,
                     KVM_SEV_SNP_PAGE_TYPE_NORMAL);
    return true;
}

static void *launch_gpa_to_hva(uint64_t gpa, uint64_t len, void *opaque)
{
    return gpa_to_hva(gpa, len);
}

/* vCPU 0's CPUID table as KVM has it (caller frees), or NULL. */
static struct kvm_cpuid2 *vcpu0_cpuid(Error **errp)
{
    struct kvm_cpuid2 *c;
    int ret;

    c = get_cpuid_table(qemu_get_cpu(0)->kvm_fd, KVM_GET_CPUID2, &ret);
    if (!c) {
        error_setg(errp, "SEV-SNP: unable to query CPUID values for CPU: "
                   "'%s'", strerror(-ret));
    }
    return c;
}

/* The firmware's metadata regions, queued behind what was loaded. */
static bool queue_firmware_metadata(SevCommonState *s, Error **errp)
{
    ConfidentialGuestSupport *cgs = CONFIDENTIAL_GUEST_SUPPORT(s);
    g_autofree struct kvm_cpuid2 *cpuid = vcpu0_cpuid(errp);
    OvmfSevMetadata md;

    if (!cpuid) {
        return false;
    }
    /* legacy RAM is private: the CPUID page is written through shared */
    if (!cgs->convert_in_place) {
        if (!ovmf_sev_metadata_parse(s->firmware, s->firmware_size, &md,
                                     errp)) {
            return false;
        }
        for (unsigned i = 0; i < md.ndesc; i++) {
            if (md.desc[i].type == OVMF_SEV_DESC_CPUID &&
                kvm_convert_memory(md.desc[i].base, md.desc[i].len, false,
                                   errp) < 0) {
                ovmf_sev_metadata_free(&md);
                return false;
            }
        }
        ovmf_sev_metadata_free(&md);
    }
    return sev_snp_queue_ovmf(&s->launch, s->firmware, s->firmware_size,
                              NULL, launch_gpa_to_hva, NULL, cpuid, errp);
}

bool sev_launch_prepare(Error **errp)
{
    if (sev_snp_enabled()) {
        /* synchronous vCPU creation: all of them exist before FINISH */
        return kvm_memslots_check(errp);
    }
    return true;
}

bool sev_launch(Error **errp)
{
    SevCommonState *s = sev_current();
    SevSnpGuestState *snp;
    struct kvm_sev_snp_launch_finish fin = { 0 };

    if (!s || !sev_snp_enabled() || !kvm_enabled()) {
        return true;
    }
    snp = SEV_SNP_GUEST(s);
    if (s->state != SEV_STATE_LAUNCH_UPDATE) {
        error_setg(errp, "SEV-SNP: no launch in progress");
        return false;
    }
    if (!qemu_get_cpu(0) || qemu_get_cpu(0)->kvm_fd < 0) {
        error_setg(errp, "SEV-SNP: the vCPUs must exist before "
                   "SNP_LAUNCH_FINISH");
        return false;
    }
    if (s->firmware && !queue_firmware_metadata(s, errp)) {
        return false;
    }
    if (!sev_snp_launch_update_all(&s->launch, errp)) {
        return false;
    }
    if (snp->id_block) {
        fin.id_block_en = 1;
        fin.id_block_uaddr = (uintptr_t)snp->id_block;
        if (!snp->id_auth) {
            snp->id_auth = g_malloc0(KVM_SEV_SNP_ID_AUTH_SIZE);
        }
        fin.id_auth_uaddr = (uintptr_t)snp->id_auth;
    }
    fin.auth_key_en = snp->author_key_enabled;
    fin.vcek_disabled = snp->vcek_disabled;
    memcpy(fin.host_data, snp->host_data, sizeof(fin.host_data));
    if (!sev_snp_launch_finish_cmd(&s->launch, &fin, errp)) {
        return false;
    }
    s->state = SEV_STATE_RUNNING;
    migration_blocker = "SEV-SNP: Migration is not implemented";
    return true;
}

static void sev_snp_instance_init(Object *obj)
{
    /* RFC patch 12: SNP may convert in place */
    CONFIDENTIAL_GUEST_SUPPORT(obj)->allow_convert_in_place = true;
}

static void sev_snp_finalize(Object *obj)
{
    SevSnpGuestState *s = SEV_SNP_GUEST(obj);

    g_free(s->gosvw_b64);
    g_free(s->id_block_b64);
    g_free(s->id_block);
    g_free(s->id_auth_b64);
    g_free(s->id_auth);
    g_free(s->host_data_b64);
    if (sev_current() == SEV_COMMON(obj)) {
        migration_blocker = NULL;
    }
}

static void sev_snp_class_init(ObjectClass *oc, const void *data)
{
    ConfidentialGuestSupportClass *cc = CONFIDENTIAL_GUEST_SUPPORT_CLASS(oc);
    ObjectProperty *op;

    cc->kvm_vm_type = KVM_X86_SNP_VM;
    cc->kvm_vm_type_name = "KVM_X86_SNP_VM";
    cc->kvm_init = sev_snp_kvm_init;
    cc->prepare_load = sev_snp_prepare_load;
    op = object_class_property_add_uint_field(oc, "policy",
            offsetof(SevSnpGuestState, policy), sizeof(uint64_t));
    object_property_set_default_uint(op, SEV_SNP_DEFAULT_POLICY);
    object_class_property_add_str(oc, "guest-visible-workarounds",
                                  snp_get_gosvw, snp_set_gosvw);
    object_class_property_add_str(oc, "id-block", snp_get_id_block,
                                  snp_set_id_block);
    object_class_property_add_str(oc, "id-auth", snp_get_id_auth,
                                  snp_set_id_auth);
    op = object_class_property_add_bool_field(oc, "author-key-enabled",
            offsetof(SevSnpGuestState, author_key_enabled));
    object_property_set_default_bool(op, false);
    object_class_property_add_str(oc, "host-data", snp_get_host_data,
                                  snp_set_host_data);
    op = object_class_property_add_bool_field(oc, "vcek-disabled",
            offsetof(SevSnpGuestState, vcek_disabled));
    object_property_set_default_bool(op, false);
}

static const TypeInfo sev_types[] = {
    {
        /* QEMU's abstract x86 layer between the generic CGS and SEV/TDX */
        .name = TYPE_X86_CONFIDENTIAL_GUEST,
        .parent = TYPE_CONFIDENTIAL_GUEST_SUPPORT,
        .abstract = true,
        .instance_size = sizeof(ConfidentialGuestSupport),
        .class_size = sizeof(ConfidentialGuestSupportClass),
    }, {
        .name = TYPE_SEV_COMMON,
        .parent = TYPE_X86_CONFIDENTIAL_GUEST,
        .abstract = true,
        .instance_size = sizeof(SevCommonState),
        .instance_init = sev_common_instance_init,
        .instance_finalize = sev_common_finalize,
        .class_size = sizeof(ConfidentialGuestSupportClass),
        .class_init = sev_common_class_init,
    }, {
        .name = TYPE_SEV_GUEST,
        .parent = TYPE_SEV_COMMON,
        .instance_size = sizeof(SevGuestState),
        .instance_finalize = sev_guest_finalize,
        .class_init = sev_guest_class_init,
    }, {
        .name = TYPE_SEV_SNP_GUEST,
        .parent = TYPE_SEV_COMMON,
        .instance_size = sizeof(SevSnpGuestState),
        .instance_init = sev_snp_instance_init,
        .instance_finalize = sev_snp_finalize,
        .class_init = sev_snp_class_init,
    },
};

DEFINE_TYPES(sev_types)

/* ---- QMP ---- */

void qmp_query_sev(json_t *args, json_t **ret, Error **errp)
{
    SevCommonState *s = sev_current();
    json_t *r = json_object();
    bool snp = sev_snp_enabled();

    /* QEMU's shape: without SEV everything is zero, type "sev" */
    json_object_set_new(r, "enabled", json_boolean(s != NULL));
    json_object_set_new(r, "api-major", json_integer(s ? s->api_major : 0));
    json_object_set_new(r, "api-minor", json_integer(s ? s->api_minor : 0));
    json_object_set_new(r, "build-id", json_integer(s ? s->build_id : 0));
    json_object_set_new(r, "state", json_string(
                            SevState_str(s ? s->state : SEV_STATE_UNINIT)));
    json_object_set_new(r, "sev-type", json_string(snp ? "sev-snp" : "sev"));
    if (snp) {
        json_object_set_new(r, "snp-policy",
                            json_integer(SEV_SNP_GUEST(s)->policy));
    } else {
        json_object_set_new(r, "policy",
                            json_integer(s ? SEV_GUEST(s)->policy : 0));
        json_object_set_new(r, "handle",
                            json_integer(s ? SEV_GUEST(s)->handle : 0));
    }
    *ret = r;
}

void qmp_query_sev_launch_measure(json_t *args, json_t **ret, Error **errp)
{
    /* only SEV/SEV-ES guests have one, and we launch none of them */
    error_setg(errp, "SEV launch measurement is not available");
}

void qmp_query_sev_capabilities(json_t *args, json_t **ret, Error **errp)
{
    SevCommonState *s = sev_current();
    const KVMOps *ops = kvm_get_ops();
    const char *dev = s ? s->sev_device : SEV_DEFAULT_DEVICE;
    struct sev_user_data_pdh_cert_export ex = { 0 };
    int fd, r, fw = 0;

    if (!kvm_enabled()) {
        error_setg(errp, "KVM not enabled");
        return;
    }
    if (kvm_vm_ioctl(KVM_MEMORY_ENCRYPT_OP, NULL) < 0) {
        error_setg(errp, "SEV is not enabled in KVM");
        return;
    }
    fd = ops->open_device(dev, O_RDWR | O_CLOEXEC, ops->opaque);
    if (fd < 0) {
        error_setg_errno(errp, -fd, "SEV: Failed to open %s", dev);
        return;
    }
    /* the length query answers INVALID_LEN by design */
    r = psp_cmd(fd, SEV_PDH_CERT_EXPORT, &ex, &fw);
    if (r < 0 && fw != SEV_RET_INVALID_LEN) {
        error_setg(errp, "SEV: Failed to export PDH cert ret=%d fw_err=%d "
                   "(%s)", r, fw, sev_fw_error_to_str(fw));
        ops->close(fd, ops->opaque);
        return;
    }
    /* no PSP here or in the double exports certificates */
    error_setg(errp, "SEV: Failed to export PDH cert ret=%d fw_err=%d (%s)",
               -ENOTSUP, SEV_RET_UNSUPPORTED,
               sev_fw_error_to_str(SEV_RET_UNSUPPORTED));
    ops->close(fd, ops->opaque);
}

void qmp_query_sev_attestation_report(json_t *args, json_t **ret,
                                      Error **errp)
{
    SevCommonState *s = sev_current();
    const char *mnonce = json_string_value(json_object_get(args, "mnonce"));
    g_autofree uint8_t *buf = NULL;
    gsize len = 0;
    int r, fw = 0;
    struct {
        __u8 mnonce[16];
        __u64 uaddr;
        __u32 len;
    } in = { { 0 } };    /* struct kvm_sev_attestation_report */

    if (!s) {
        error_setg(errp, "SEV is not enabled");
        return;
    }
    buf = g_base64_decode(mnonce ? mnonce : "", &len);
    if (!buf) {
        error_setg(errp, "SEV: failed to decode mnonce input");
        return;
    }
    if (len != sizeof(in.mnonce)) {
        error_setg(errp, "SEV: mnonce must be %zu bytes (got %"
                   G_GSIZE_FORMAT ")", sizeof(in.mnonce), len);
        return;
    }
    memcpy(in.mnonce, buf, sizeof(in.mnonce));
    r = sev_launch_cmd(&s->launch, KVM_SEV_GET_ATTESTATION_REPORT, &in, &fw);
    error_setg(errp, "SEV: Failed to query the attestation report length "
               "ret=%d fw_err=%d (%s)", r < 0 ? r : -EINVAL, fw,
               sev_fw_error_to_str(fw));
}
