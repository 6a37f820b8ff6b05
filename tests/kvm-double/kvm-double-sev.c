/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SEV-SNP for the KVM double: /dev/sev, KVM_SEV_INIT2 and the SNP launch
 * commands with the kernel's checks, and the launch digest the firmware
 * would compute, layered over another KVMOps.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <sys/ioctl.h>
#include "linux/kvm.h"
#include "linux/psp-sev.h"
#include "kvm-double-sev.h"

#define PAGE ((uint64_t)4096)
/* Where the firmware ABI says VMSA pages are measured. */
#define SNP_VMSA_GPA 0xFFFFFFFFF000ULL
#define SNP_PAGE_TYPE_VMSA 2
#define SNP_POLICY_RESERVED_MBO (1ULL << 17)

typedef struct DoubleSlot {
    uint32_t id;
    uint64_t gpa, size, uaddr, gmem_offset;
    int gmem_fd;                 /* -1: no KVM_MEM_GUEST_MEMFD */
} DoubleSlot;

typedef struct DoubleGmem {
    GHashTable *private;         /* page index -> 1 (per-gmem mode) */
    GHashTable *populated;       /* page index -> 1 */
} DoubleGmem;

typedef struct FwInjection {
    uint32_t cmd;
    unsigned nth;
    uint32_t fw_error;
} FwInjection;

struct KVMDoubleSev {
    KVMOps ops;
    const KVMOps *lower;
    KVMDoubleSevConfig cfg;
    int dev_fd, vm_fd;
    uint64_t vm_type;
    unsigned vcpus;
    GArray *slots;               /* DoubleSlot */
    GHashTable *gmems;           /* fd -> DoubleGmem* */
    GHashTable *vm_private;      /* gfn -> 1 (VM-scoped mode) */
    GHashTable *psp_fds;         /* fd -> 1 */
    KVMDoubleSevState state;
    uint8_t ld[SNP_DIGEST_SIZE];
    uint64_t policy;
    uint8_t host_data[32];
    bool id_block_en;
    unsigned vmsas;
    uint64_t pages_measured, bytes_copied;
    unsigned cmd_calls[KVM_SEV_NR_MAX];
    unsigned update_calls;
    GArray *inject;              /* FwInjection */
    GArray *cpuid_reject;        /* uint32_t pairs */
    GPtrArray *log;
    struct kvm_cpuid2 *cpuid;    /* the first KVM_SET_CPUID2 seen */
};

void kvm_double_sev_default_config(KVMDoubleSevConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->psp_present = true;
    cfg->snp_vm_type = true;
    /* ABI 0-17, SMT, MBO, debug, single socket: KVM's mask (spec §4) */
    cfg->policy_mask = 0x3ffffULL | (1ULL << 19) | (1ULL << 20);
    cfg->cbitpos = 51;
}

void snp_sha384(const void *data, size_t len, uint8_t out[SNP_DIGEST_SIZE])
{
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA384);
    gsize n = SNP_DIGEST_SIZE;

    g_checksum_update(c, data, len);
    g_checksum_get_digest(c, out, &n);
    g_checksum_free(c);
}

void snp_digest_update(uint8_t ld[SNP_DIGEST_SIZE], uint8_t page_type,
                       uint64_t gpa, const uint8_t contents[SNP_DIGEST_SIZE])
{
    /* PAGE_INFO: DIGEST_CUR, CONTENTS, LENGTH, PAGE_TYPE, IMI/VMPL, GPA */
    uint8_t info[0x70] = { 0 };

    memcpy(info, ld, SNP_DIGEST_SIZE);
    memcpy(info + 0x30, contents, SNP_DIGEST_SIZE);
    info[0x60] = sizeof(info) & 0xff;
    info[0x61] = sizeof(info) >> 8;
    info[0x62] = page_type;
    for (int i = 0; i < 8; i++) {
        info[0x68 + i] = gpa >> (8 * i);
    }
    snp_sha384(info, sizeof(info), ld);
}

static void dlog(KVMDoubleSev *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void dlog(KVMDoubleSev *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(d->log, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/*
 * guest_memfds are known by inode: the VMM may dup() the fd it got (an
 * in-place RAMBlock's guest_memfd is a dup of its fd, RFC patch 5).
 */
static gpointer gmem_key(int fd)
{
    struct stat st;

    if (fd < 0 || fstat(fd, &st) < 0) {
        return NULL;
    }
    return GSIZE_TO_POINTER((gsize)st.st_ino);
}

static DoubleGmem *gmem_get(KVMDoubleSev *d, int fd)
{
    gpointer k = gmem_key(fd);

    return k ? g_hash_table_lookup(d->gmems, k) : NULL;
}

static void gmem_free(gpointer p)
{
    DoubleGmem *g = p;

    g_hash_table_destroy(g->private);
    g_hash_table_destroy(g->populated);
    g_free(g);
}

static const DoubleSlot *slot_for(KVMDoubleSev *d, uint64_t gpa)
{
    for (guint i = 0; i < d->slots->len; i++) {
        const DoubleSlot *s = &g_array_index(d->slots, DoubleSlot, i);

        if (gpa >= s->gpa && gpa - s->gpa < s->size) {
            return s;
        }
    }
    return NULL;
}

static void set_range(GHashTable *h, uint64_t first, uint64_t n, bool on)
{
    for (uint64_t i = 0; i < n; i++) {
        if (on) {
            g_hash_table_add(h, GSIZE_TO_POINTER(first + i));
        } else {
            g_hash_table_remove(h, GSIZE_TO_POINTER(first + i));
        }
    }
}

static bool page_private(KVMDoubleSev *d, const DoubleSlot *s, uint64_t gfn)
{
    if (d->cfg.per_gmem_attributes) {
        DoubleGmem *g = gmem_get(d, s->gmem_fd);
        uint64_t idx = (s->gmem_offset + gfn * PAGE - s->gpa) / PAGE;

        return g && g_hash_table_contains(g->private, GSIZE_TO_POINTER(idx));
    }
    return g_hash_table_contains(d->vm_private, GSIZE_TO_POINTER(gfn));
}

/* ---- firmware status handling ---- */

static bool fw_injected(KVMDoubleSev *d, uint32_t id, uint32_t *fw)
{
    for (guint i = 0; i < d->inject->len; i++) {
        FwInjection *f = &g_array_index(d->inject, FwInjection, i);

        if (f->cmd == id && f->nth == d->cmd_calls[id]) {
            *fw = f->fw_error;
            return true;
        }
    }
    return false;
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++) {
        if (b[i]) {
            return false;
        }
    }
    return true;
}

/* ---- the commands ---- */

static int sev_init2(KVMDoubleSev *d, struct kvm_sev_cmd *cmd)
{
    struct kvm_sev_init *p = (void *)(uintptr_t)cmd->data;
    uint16_t ghcb;

    if (d->vm_type != KVM_X86_SEV_VM && d->vm_type != KVM_X86_SEV_ES_VM &&
        d->vm_type != KVM_X86_SNP_VM) {
        return -EINVAL;
    }
    if (!p) {
        return -EFAULT;
    }
    if (d->state != SEV_DOUBLE_NONE || d->vcpus || p->flags ||
        (p->vmsa_features & ~d->cfg.vmsa_features) || p->ghcb_version > 2) {
        return -EINVAL;
    }
    ghcb = p->ghcb_version ? p->ghcb_version : 2;
    if (d->vm_type == KVM_X86_SNP_VM && ghcb < 2) {
        return -EINVAL;
    }
    d->state = SEV_DOUBLE_INIT;
    return 0;
}

static int snp_launch_start(KVMDoubleSev *d, struct kvm_sev_cmd *cmd)
{
    struct kvm_sev_snp_launch_start *p = (void *)(uintptr_t)cmd->data;

    if (d->vm_type != KVM_X86_SNP_VM) {
        return -ENOTTY;
    }
    if (!p) {
        return -EFAULT;
    }
    if (d->state != SEV_DOUBLE_INIT || p->flags ||
        (p->policy & ~d->cfg.policy_mask) ||
        !(p->policy & SNP_POLICY_RESERVED_MBO)) {
        return -EINVAL;
    }
    d->policy = p->policy;
    d->state = SEV_DOUBLE_LAUNCHING;
    return 0;
}

typedef struct SnpCpuidEntry {
    uint32_t eax_in, ecx_in;
    uint64_t xcr0_in, xss_in;
    uint32_t eax, ebx, ecx, edx;
    uint64_t reserved;
} SnpCpuidEntry;

/* Firmware CPUID check: true if the page is acceptable, else corrected. */
static bool cpuid_check(KVMDoubleSev *d, uint8_t *page)
{
    uint32_t count;
    bool ok = true;

    memcpy(&count, page, 4);
    if (count > 64) {
        return false;
    }
    for (uint32_t i = 0; i < count; i++) {
        SnpCpuidEntry e;

        memcpy(&e, page + 16 + i * sizeof(e), sizeof(e));
        for (guint j = 0; j + 1 < d->cpuid_reject->len; j += 2) {
            if (e.eax_in == g_array_index(d->cpuid_reject, uint32_t, j) &&
                e.ecx_in == g_array_index(d->cpuid_reject, uint32_t, j + 1)) {
                e.eax &= ~1u;      /* the "corrected" value */
                e.eax ^= 0x100;
                memcpy(page + 16 + i * sizeof(e), &e, sizeof(e));
                ok = false;
            }
        }
    }
    return ok;
}

static bool gmem_rw(int fd, uint64_t off, void *buf, bool write)
{
    void *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

    if (m == MAP_FAILED) {
        return false;
    }
    if (write) {
        memcpy(m, buf, PAGE);
    } else {
        memcpy(buf, m, PAGE);
    }
    munmap(m, PAGE);
    return true;
}

static int snp_launch_update(KVMDoubleSev *d, struct kvm_sev_cmd *cmd)
{
    struct kvm_sev_snp_launch_update *p = (void *)(uintptr_t)cmd->data;
    const DoubleSlot *s;
    uint64_t npages, done = 0;
    uint32_t fw;

    if (d->vm_type != KVM_X86_SNP_VM || d->state == SEV_DOUBLE_NONE) {
        return -ENOTTY;
    }
    if (d->state != SEV_DOUBLE_LAUNCHING) {
        return -EINVAL;
    }
    if (!p) {
        return -EFAULT;
    }
    if (!p->len || p->len % PAGE || p->flags || p->pad0 || p->pad1 ||
        !all_zero(p->pad2, sizeof(p->pad2))) {
        return -EINVAL;
    }
    switch (p->type) {
    case KVM_SEV_SNP_PAGE_TYPE_NORMAL:
    case KVM_SEV_SNP_PAGE_TYPE_ZERO:
    case KVM_SEV_SNP_PAGE_TYPE_UNMEASURED:
    case KVM_SEV_SNP_PAGE_TYPE_SECRETS:
    case KVM_SEV_SNP_PAGE_TYPE_CPUID:
        break;
    default:
        return -EINVAL;
    }
    if (p->uaddr % PAGE) {
        return -EINVAL;
    }
    /* uaddr 0 means "in place" only in per-gmem mode (v7 patch 20) */
    if (!p->uaddr && p->type != KVM_SEV_SNP_PAGE_TYPE_ZERO &&
        !d->cfg.per_gmem_attributes) {
        return -EFAULT;
    }
    npages = p->len / PAGE;
    s = slot_for(d, p->gfn_start * PAGE);
    if (!s || s->gmem_fd < 0 ||
        p->gfn_start * PAGE + p->len > s->gpa + s->size) {
        return -EINVAL;
    }
    d->update_calls++;
    if (d->cfg.eagain_on_call && d->update_calls == d->cfg.eagain_on_call) {
        return -EAGAIN;
    }
    for (uint64_t i = 0; i < npages; i++) {
        uint64_t gfn = p->gfn_start + i;
        if (!page_private(d, s, gfn)) {
            return -EINVAL;
        }
    }
    if (d->cfg.max_pages_per_call) {
        npages = MIN(npages, d->cfg.max_pages_per_call);
    }
    for (; done < npages; done++) {
        uint64_t gfn = p->gfn_start;
        uint64_t off = s->gmem_offset + gfn * PAGE - s->gpa;
        DoubleGmem *g = gmem_get(d, s->gmem_fd);
        uint8_t contents[SNP_DIGEST_SIZE] = { 0 };
        g_autofree uint8_t *page = g_malloc0(PAGE);
        bool from_user = p->uaddr && p->type != KVM_SEV_SNP_PAGE_TYPE_ZERO;

        if (g && g_hash_table_contains(g->populated,
                                       GSIZE_TO_POINTER(off / PAGE))) {
            return done ? 0 : -EEXIST;
        }
        if (from_user) {
            memcpy(page, (void *)(uintptr_t)p->uaddr, PAGE);
            d->bytes_copied += PAGE;
        } else if (p->type != KVM_SEV_SNP_PAGE_TYPE_ZERO &&
                   !gmem_rw(s->gmem_fd, off, page, false)) {
            return -EFAULT;
        }
        if (p->type == KVM_SEV_SNP_PAGE_TYPE_ZERO) {
            memset(page, 0, PAGE);
        }
        if (p->type == KVM_SEV_SNP_PAGE_TYPE_CPUID && !cpuid_check(d, page)) {
            /* KVM hands the corrected table back and fails the call */
            if (p->uaddr) {
                memcpy((void *)(uintptr_t)p->uaddr, page, PAGE);
            } else {
                gmem_rw(s->gmem_fd, off, page, true);
            }
            cmd->error = SEV_RET_INVALID_PARAM;
            return -EIO;
        }
        if (fw_injected(d, KVM_SEV_SNP_LAUNCH_UPDATE, &fw)) {
            cmd->error = fw;
            return -EIO;
        }
        if (p->type == KVM_SEV_SNP_PAGE_TYPE_NORMAL) {
            snp_sha384(page, PAGE, contents);
        }
        snp_digest_update(d->ld, p->type, gfn * PAGE, contents);
        d->pages_measured++;
        /* the private page now holds what was measured */
        if (from_user || p->type == KVM_SEV_SNP_PAGE_TYPE_ZERO) {
            gmem_rw(s->gmem_fd, off, page, true);
        }
        if (g) {
            g_hash_table_add(g->populated, GSIZE_TO_POINTER(off / PAGE));
        }
        p->gfn_start++;
        p->len -= PAGE;
        if (p->uaddr) {
            p->uaddr += PAGE;
        }
    }
    return 0;
}

static int snp_launch_finish(KVMDoubleSev *d, struct kvm_sev_cmd *cmd)
{
    struct kvm_sev_snp_launch_finish *p = (void *)(uintptr_t)cmd->data;
    uint8_t zero_page_hash[SNP_DIGEST_SIZE];
    g_autofree uint8_t *vmsa = g_malloc0(PAGE);
    uint8_t ld[SNP_DIGEST_SIZE];
    uint32_t fw;

    if (d->vm_type != KVM_X86_SNP_VM || d->state == SEV_DOUBLE_NONE) {
        return -ENOTTY;
    }
    if (d->state != SEV_DOUBLE_LAUNCHING) {
        return -EINVAL;
    }
    if (!p) {
        return -EFAULT;
    }
    if (p->flags || !all_zero(p->pad0, sizeof(p->pad0)) ||
        !all_zero(p->pad1, sizeof(p->pad1))) {
        return -EINVAL;
    }
    if (fw_injected(d, KVM_SEV_SNP_LAUNCH_FINISH, &fw)) {
        cmd->error = fw;
        return -EIO;
    }
    /*
     * Each vCPU's VMSA is measured here.  The double has no model of the
     * VMSA contents: it measures a zero page per vCPU, which keeps the
     * shape of the chain (one VMSA entry per vCPU) but not real values.
     */
    memcpy(ld, d->ld, sizeof(ld));
    snp_sha384(vmsa, PAGE, zero_page_hash);
    for (unsigned i = 0; i < d->vcpus; i++) {
        snp_digest_update(ld, SNP_PAGE_TYPE_VMSA, SNP_VMSA_GPA,
                          zero_page_hash);
    }
    if (p->id_block_en) {
        uint8_t block[KVM_SEV_SNP_ID_BLOCK_SIZE];
        uint64_t policy;

        if (!p->id_block_uaddr || !p->id_auth_uaddr) {
            return -EFAULT;
        }
        memcpy(block, (void *)(uintptr_t)p->id_block_uaddr, sizeof(block));
        memcpy(&policy, block + 88, 8);
        /* the firmware checks the ID block against the launch */
        if (memcmp(block, ld, SNP_DIGEST_SIZE)) {
            cmd->error = SEV_RET_BAD_MEASUREMENT;
            return -EIO;
        }
        if (policy != d->policy) {
            cmd->error = SEV_RET_POLICY_FAILURE;
            return -EIO;
        }
    }
    memcpy(d->ld, ld, sizeof(ld));
    d->vmsas = d->vcpus;
    memcpy(d->host_data, p->host_data, sizeof(d->host_data));
    d->id_block_en = p->id_block_en;
    d->state = SEV_DOUBLE_FINISHED;
    return 0;
}

static const char *cmd_name(uint32_t id)
{
    switch (id) {
    case KVM_SEV_INIT2:
        return "KVM_SEV_INIT2";
    case KVM_SEV_SNP_LAUNCH_START:
        return "KVM_SEV_SNP_LAUNCH_START";
    case KVM_SEV_SNP_LAUNCH_UPDATE:
        return "KVM_SEV_SNP_LAUNCH_UPDATE";
    case KVM_SEV_SNP_LAUNCH_FINISH:
        return "KVM_SEV_SNP_LAUNCH_FINISH";
    default:
        return "KVM_SEV_(unsupported)";
    }
}

static int encrypt_op(KVMDoubleSev *d, struct kvm_sev_cmd *cmd)
{
    struct kvm_sev_snp_launch_update before = { 0 };
    int ret;

    if (!cmd) {
        return 0;   /* KVM's "is SEV there" probe */
    }
    if (cmd->id < KVM_SEV_NR_MAX) {
        d->cmd_calls[cmd->id]++;
    }
    if (cmd->id == KVM_SEV_SNP_LAUNCH_UPDATE && cmd->data) {
        before = *(struct kvm_sev_snp_launch_update *)(uintptr_t)cmd->data;
    }
    cmd->error = 0;
    if (cmd->id != KVM_SEV_INIT2 && d->state == SEV_DOUBLE_NONE) {
        ret = -ENOTTY;
    } else if (!g_hash_table_contains(d->psp_fds,
                                      GINT_TO_POINTER(cmd->sev_fd))) {
        ret = -EBADF;
    } else if (cmd->id != KVM_SEV_SNP_LAUNCH_UPDATE &&
               cmd->id != KVM_SEV_SNP_LAUNCH_FINISH && cmd->id < KVM_SEV_NR_MAX &&
               ({ uint32_t fw; fw_injected(d, cmd->id, &fw) ?
                  (cmd->error = fw, true) : false; })) {
        ret = -EIO;
    } else {
        switch (cmd->id) {
        case KVM_SEV_INIT2:
            ret = sev_init2(d, cmd);
            break;
        case KVM_SEV_SNP_LAUNCH_START:
            ret = snp_launch_start(d, cmd);
            break;
        case KVM_SEV_SNP_LAUNCH_UPDATE:
            ret = snp_launch_update(d, cmd);
            break;
        case KVM_SEV_SNP_LAUNCH_FINISH:
            ret = snp_launch_finish(d, cmd);
            break;
        default:
            ret = -EINVAL;
            break;
        }
    }
    if (cmd->id == KVM_SEV_SNP_LAUNCH_UPDATE) {
        dlog(d, "%s gpa 0x%" PRIx64 " len 0x%" PRIx64 " type %u uaddr %s"
             " -> %d fw %u", cmd_name(cmd->id),
             (uint64_t)before.gfn_start * PAGE, (uint64_t)before.len,
             before.type, before.uaddr ? "hva" : "0", ret, cmd->error);
    } else {
        dlog(d, "%s -> %d fw %u", cmd_name(cmd->id), ret, cmd->error);
    }
    return ret;
}

static int psp_ioctl(KVMDoubleSev *d, unsigned long req, void *arg)
{
    struct sev_issue_cmd *c = arg;
    struct sev_user_data_status *st;

    if (req != SEV_ISSUE_CMD || !c) {
        return -ENOTTY;
    }
    if (c->cmd != SEV_PLATFORM_STATUS) {
        c->error = SEV_RET_INVALID_COMMAND;
        return -EIO;
    }
    st = (void *)(uintptr_t)c->data;
    memset(st, 0, sizeof(*st));
    st->api_major = 1;
    st->api_minor = 55;
    st->build = 21;
    st->state = 2;     /* "working": a guest may be launched */
    c->error = 0;
    dlog(d, "SEV_PLATFORM_STATUS -> 0");
    return 0;
}

/* ---- the KVMOps layer ---- */

/*
 * An SEV host reports leaf 0x8000001F with its C-bit position in EBX
 * (KVM keeps EBX[5:0]); add or patch it into the lower half's table.
 */
static int supported_cpuid(KVMDoubleSev *d, int fd, struct kvm_cpuid2 *c)
{
    uint32_t room = c->nent;
    int ret;

    ret = d->lower->ioctl(fd, KVM_GET_SUPPORTED_CPUID, c, d->lower->opaque);
    if (ret < 0 || !d->cfg.snp_vm_type) {
        return ret;
    }
    for (uint32_t i = 0; i < c->nent; i++) {
        /* features an AMD host offers that an SNP guest must not get */
        if (c->entries[i].function == 1) {
            c->entries[i].ecx |= 1u << 24;          /* TSC deadline */
        } else if (c->entries[i].function == 0x80000008) {
            c->entries[i].ebx |= 1u << 25;          /* VIRT_SSBD */
        }
    }
    for (uint32_t i = 0; i < c->nent; i++) {
        if (c->entries[i].function == 0x8000001f) {
            c->entries[i].ebx = (c->entries[i].ebx & ~0x3fu) | d->cfg.cbitpos;
            return ret;
        }
    }
    if (c->nent >= room) {
        c->nent = room + 1;
        return -E2BIG;
    }
    memset(&c->entries[c->nent], 0, sizeof(c->entries[0]));
    c->entries[c->nent].function = 0x8000001f;
    c->entries[c->nent].eax = 0x1b;      /* SME, SEV, SEV-ES, SNP */
    c->entries[c->nent].ebx = d->cfg.cbitpos;
    c->nent++;
    return ret;
}

static int l_open(const char *path, int flags, void *opaque)
{
    KVMDoubleSev *d = opaque;
    int fd;

    if (g_str_has_suffix(path, "/sev")) {
        if (!d->cfg.psp_present) {
            return -ENOENT;
        }
        fd = memfd_create("kvm-double-sev-psp", MFD_CLOEXEC);
        if (fd < 0) {
            return -errno;
        }
        g_hash_table_add(d->psp_fds, GINT_TO_POINTER(fd));
        return fd;
    }
    fd = d->lower->open_device(path, flags, d->lower->opaque);
    if (fd >= 0 && d->dev_fd < 0) {
        d->dev_fd = fd;
    }
    return fd;
}

static int l_close(int fd, void *opaque)
{
    KVMDoubleSev *d = opaque;

    if (g_hash_table_remove(d->psp_fds, GINT_TO_POINTER(fd))) {
        return close(fd) < 0 ? -errno : 0;
    }
    if (fd == d->vm_fd) {
        d->vm_fd = -1;
    }
    if (fd == d->dev_fd) {
        d->dev_fd = -1;
    }
    return d->lower->close(fd, d->lower->opaque);
}

static int l_fallocate(int fd, int mode, uint64_t offset, uint64_t len,
                       void *opaque)
{
    KVMDoubleSev *d = opaque;

    return d->lower->fallocate(fd, mode, offset, len, d->lower->opaque);
}

static void track_region(KVMDoubleSev *d,
                         const struct kvm_userspace_memory_region2 *r)
{
    DoubleSlot s = {
        .id = r->slot, .gpa = r->guest_phys_addr, .size = r->memory_size,
        .uaddr = r->userspace_addr, .gmem_offset = r->guest_memfd_offset,
        .gmem_fd = (r->flags & KVM_MEM_GUEST_MEMFD) ? (int)r->guest_memfd
                                                    : -1,
    };

    for (guint i = 0; i < d->slots->len; i++) {
        if (g_array_index(d->slots, DoubleSlot, i).id == r->slot) {
            g_array_remove_index(d->slots, i);
            break;
        }
    }
    if (r->memory_size) {
        g_array_append_val(d->slots, s);
    }
}

static int l_ioctl(int fd, unsigned long req, void *arg, void *opaque)
{
    KVMDoubleSev *d = opaque;
    int ret;

    if (g_hash_table_contains(d->psp_fds, GINT_TO_POINTER(fd))) {
        return psp_ioctl(d, req, arg);
    }
    if (fd == d->vm_fd && req == KVM_MEMORY_ENCRYPT_OP) {
        return encrypt_op(d, arg);
    }
    if (req == KVM_GET_SUPPORTED_CPUID && fd == d->dev_fd) {
        return supported_cpuid(d, fd, arg);
    }
    if (req == KVM_GET_CPUID2 && d->cpuid) {
        /* what the VMM set is what it reads back (a vCPU's CPUID) */
        struct kvm_cpuid2 *c = arg;

        if (c->nent < d->cpuid->nent) {
            c->nent = d->cpuid->nent;
            return -E2BIG;
        }
        memcpy(c->entries, d->cpuid->entries,
               d->cpuid->nent * sizeof(c->entries[0]));
        c->nent = d->cpuid->nent;
        return 0;
    }
    if (req == KVM_SET_CPUID2 && !d->cpuid) {
        const struct kvm_cpuid2 *c = arg;

        d->cpuid = g_memdup2(c, sizeof(*c) + c->nent * sizeof(c->entries[0]));
    }
    if (req == KVM_CHECK_EXTENSION &&
        (unsigned long)(uintptr_t)arg == KVM_CAP_VM_TYPES) {
        ret = d->lower->ioctl(fd, req, arg, d->lower->opaque);
        if (ret >= 0 && d->cfg.snp_vm_type) {
            ret |= 1 << KVM_X86_SNP_VM;
        }
        return ret;
    }
    ret = d->lower->ioctl(fd, req, arg, d->lower->opaque);
    if (ret < 0) {
        if (fd == d->vm_fd && (req == KVM_SET_MEMORY_ATTRIBUTES ||
                               req == KVM_SET_USER_MEMORY_REGION2)) {
            dlog(d, "%s -> %d", req == KVM_SET_MEMORY_ATTRIBUTES ?
                 "KVM_SET_MEMORY_ATTRIBUTES" : "KVM_SET_USER_MEMORY_REGION2",
                 ret);
        }
        return ret;
    }
    if (req == KVM_CREATE_VM) {
        d->vm_fd = ret;
        d->vm_type = (unsigned long)(uintptr_t)arg;
        d->state = SEV_DOUBLE_NONE;
        dlog(d, "KVM_CREATE_VM type %" PRIu64, d->vm_type);
    } else if (fd == d->vm_fd && req == KVM_CREATE_VCPU) {
        d->vcpus++;
        dlog(d, "KVM_CREATE_VCPU %lu%s", (unsigned long)(uintptr_t)arg,
             d->state == SEV_DOUBLE_FINISHED ? " (after FINISH: no VMSA)"
                                             : "");
    } else if (fd == d->vm_fd && req == KVM_CREATE_GUEST_MEMFD) {
        const struct kvm_create_guest_memfd *g = arg;
        DoubleGmem *gm = g_new0(DoubleGmem, 1);

        gm->private = g_hash_table_new(NULL, NULL);
        gm->populated = g_hash_table_new(NULL, NULL);
        /* without INIT_SHARED a guest_memfd starts out private */
        if (d->cfg.per_gmem_attributes &&
            !(g->flags & GUEST_MEMFD_FLAG_INIT_SHARED)) {
            set_range(gm->private, 0, g->size / PAGE, true);
        }
        g_hash_table_insert(d->gmems, gmem_key(ret), gm);
        dlog(d, "KVM_CREATE_GUEST_MEMFD size 0x%" PRIx64 " flags 0x%" PRIx64,
             (uint64_t)g->size, (uint64_t)g->flags);
    } else if (fd == d->vm_fd && req == KVM_SET_USER_MEMORY_REGION2) {
        const struct kvm_userspace_memory_region2 *r = arg;

        track_region(d, r);
        dlog(d, "KVM_SET_USER_MEMORY_REGION2 slot %u gpa 0x%" PRIx64
             " size 0x%" PRIx64 " flags 0x%x", r->slot,
             (uint64_t)r->guest_phys_addr, (uint64_t)r->memory_size,
             r->flags);
    } else if (fd == d->vm_fd && req == KVM_SET_MEMORY_ATTRIBUTES) {
        const struct kvm_memory_attributes *a = arg;

        set_range(d->vm_private, a->address / PAGE, a->size / PAGE,
                  a->attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE);
        dlog(d, "KVM_SET_MEMORY_ATTRIBUTES gpa 0x%" PRIx64 " size 0x%" PRIx64
             " %s", (uint64_t)a->address, (uint64_t)a->size,
             (a->attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE) ? "private"
                                                            : "shared");
    } else if (req == KVM_SET_MEMORY_ATTRIBUTES2 && gmem_get(d, fd)) {
        const struct kvm_memory_attributes2 *a = arg;

        set_range(gmem_get(d, fd)->private, a->offset / PAGE, a->size / PAGE,
                  a->attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE);
        dlog(d, "KVM_SET_MEMORY_ATTRIBUTES2 offset 0x%" PRIx64 " size 0x%"
             PRIx64 " %s", (uint64_t)a->offset, (uint64_t)a->size,
             (a->attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE) ? "private"
                                                            : "shared");
    }
    return ret;
}

KVMDoubleSev *kvm_double_sev_new(const KVMOps *lower,
                                 const KVMDoubleSevConfig *cfg)
{
    KVMDoubleSev *d = g_new0(KVMDoubleSev, 1);

    d->lower = lower;
    d->cfg = *cfg;
    d->dev_fd = -1;
    d->vm_fd = -1;
    d->slots = g_array_new(false, true, sizeof(DoubleSlot));
    d->gmems = g_hash_table_new_full(NULL, NULL, NULL, gmem_free);
    d->vm_private = g_hash_table_new(NULL, NULL);
    d->psp_fds = g_hash_table_new(NULL, NULL);
    d->inject = g_array_new(false, true, sizeof(FwInjection));
    d->cpuid_reject = g_array_new(false, true, sizeof(uint32_t));
    d->log = g_ptr_array_new_with_free_func(g_free);
    d->ops.name = "kvm-double-sev";
    d->ops.open_device = l_open;
    d->ops.ioctl = l_ioctl;
    d->ops.close = l_close;
    d->ops.fallocate = l_fallocate;
    d->ops.opaque = d;
    return d;
}

const KVMOps *kvm_double_sev_ops(KVMDoubleSev *d)
{
    return &d->ops;
}

void kvm_double_sev_free(KVMDoubleSev *d)
{
    GHashTableIter it;
    gpointer fd;

    if (!d) {
        return;
    }
    g_hash_table_iter_init(&it, d->psp_fds);
    while (g_hash_table_iter_next(&it, &fd, NULL)) {
        close(GPOINTER_TO_INT(fd));
    }
    g_array_free(d->slots, true);
    g_hash_table_destroy(d->gmems);
    g_hash_table_destroy(d->vm_private);
    g_hash_table_destroy(d->psp_fds);
    g_array_free(d->inject, true);
    g_array_free(d->cpuid_reject, true);
    g_ptr_array_free(d->log, true);
    g_free(d->cpuid);
    g_free(d);
}

void kvm_double_sev_inject_fw_error(KVMDoubleSev *d, uint32_t cmd_id,
                                    unsigned nth, uint32_t fw_error)
{
    FwInjection f = { .cmd = cmd_id, .nth = nth, .fw_error = fw_error };

    g_array_append_val(d->inject, f);
}

void kvm_double_sev_reject_cpuid(KVMDoubleSev *d, uint32_t function,
                                 uint32_t index)
{
    g_array_append_val(d->cpuid_reject, function);
    g_array_append_val(d->cpuid_reject, index);
}

KVMDoubleSevState kvm_double_sev_state(KVMDoubleSev *d)
{
    return d->state;
}

void kvm_double_sev_digest(KVMDoubleSev *d, uint8_t out[SNP_DIGEST_SIZE])
{
    memcpy(out, d->ld, SNP_DIGEST_SIZE);
}

const GPtrArray *kvm_double_sev_log(KVMDoubleSev *d)
{
    return d->log;
}

void kvm_double_sev_log_clear(KVMDoubleSev *d)
{
    g_ptr_array_set_size(d->log, 0);
}

uint64_t kvm_double_sev_pages_measured(KVMDoubleSev *d)
{
    return d->pages_measured;
}

uint64_t kvm_double_sev_bytes_copied(KVMDoubleSev *d)
{
    return d->bytes_copied;
}

unsigned kvm_double_sev_update_calls(KVMDoubleSev *d)
{
    return d->update_calls;
}

unsigned kvm_double_sev_vmsas(KVMDoubleSev *d)
{
    return d->vmsas;
}

uint64_t kvm_double_sev_policy(KVMDoubleSev *d)
{
    return d->policy;
}

bool kvm_double_sev_finish_data(KVMDoubleSev *d, uint8_t host_data[32],
                                bool *id_block_en)
{
    memcpy(host_data, d->host_data, 32);
    *id_block_en = d->id_block_en;
    return d->state == SEV_DOUBLE_FINISHED;
}

/*
 * A stand-in for the base double until the two are joined: accepts every
 * call and hands out memfds as VM, vCPU and guest_memfd fds (sized to the
 * guest_memfd), so the SEV layer can be exercised on its own.
 */
static int aa_open(const char *path, int flags, void *opaque)
{
    int fd = memfd_create("kvm-double-dev", MFD_CLOEXEC);

    return fd < 0 ? -errno : fd;
}

static int aa_ioctl(int fd, unsigned long req, void *arg, void *opaque)
{
    int nfd;

    switch (req) {
    case KVM_CHECK_EXTENSION:
        return (uintptr_t)arg == KVM_CAP_VM_TYPES ? 1 : 0;
    case KVM_CREATE_VM:
    case KVM_CREATE_VCPU:
        nfd = memfd_create("kvm-double-fd", MFD_CLOEXEC);
        return nfd < 0 ? -errno : nfd;
    case KVM_CREATE_GUEST_MEMFD:
        nfd = memfd_create("kvm-double-gmem", MFD_CLOEXEC);
        if (nfd < 0) {
            return -errno;
        }
        if (ftruncate(nfd, ((struct kvm_create_guest_memfd *)arg)->size)) {
            int e = errno;

            close(nfd);
            return -e;
        }
        return nfd;
    default:
        return 0;
    }
}

static int aa_close(int fd, void *opaque)
{
    return close(fd) < 0 ? -errno : 0;
}

static int aa_fallocate(int fd, int mode, uint64_t o, uint64_t l, void *op)
{
    return 0;
}

const KVMOps *kvm_double_sev_accept_all_ops(void)
{
    static const KVMOps ops = {
        .name = "accept-all",
        .open_device = aa_open,
        .ioctl = aa_ioctl,
        .close = aa_close,
        .fallocate = aa_fallocate,
    };

    return &ops;
}

const struct kvm_cpuid2 *kvm_double_sev_vcpu_cpuid(KVMDoubleSev *d)
{
    return d->cpuid;
}
