/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SEV / SEV-SNP guests: the sev-guest and sev-snp-guest objects and the
 * SNP launch (INIT2, LAUNCH_START, the queue of LAUNCH_UPDATEs, FINISH).
 */
#ifndef TARGET_I386_SEV_H
#define TARGET_I386_SEV_H

#include "qemu/osdep.h"
#include "qapi/error.h"

#define TYPE_SEV_COMMON      "sev-common"
#define TYPE_SEV_GUEST       "sev-guest"
#define TYPE_SEV_SNP_GUEST   "sev-snp-guest"
#define TYPE_X86_CONFIDENTIAL_GUEST "x86-confidential-guest"

#define SEV_DEFAULT_DEVICE       "/dev/sev"
#define SEV_DEFAULT_GUEST_POLICY 0x1
#define SEV_SNP_DEFAULT_POLICY   0x30000ULL
#define SEV_SNP_POLICY_MBO       (1ULL << 17)
#define SEV_SNP_CPUID_MAX        64

/* QEMU's text for a firmware status code ("unknown error" past the end). */
const char *sev_fw_error_to_str(int code);

/* ---- the launch engine (no QOM: testable on its own) ---- */

typedef struct SevLaunchItem {
    uint64_t gpa;
    void *hva;            /* host mapping of [gpa, gpa + len) */
    uint64_t len;
    uint8_t type;         /* KVM_SEV_SNP_PAGE_TYPE_* */
} SevLaunchItem;

/*
 * How the engine reaches the kernel: the VM's KVM_MEMORY_ENCRYPT_OP and
 * the shared/private conversion path.  kvm.c's versions by default;
 * tests put the KVM double behind them.
 */
typedef struct SevLaunchOps {
    int (*encrypt_op)(void *cmd, void *opaque);        /* 0 or -errno */
    bool (*convert_private)(uint64_t gpa, uint64_t len, void *opaque,
                            Error **errp);
    void *opaque;
} SevLaunchOps;

typedef struct SevLaunch {
    SevLaunchOps ops;
    int sev_fd;
    /* in-place: launch data already sits in the guest_memfd; uaddr 0 */
    bool in_place;
    /*
     * Legacy with a conversion that discards the shared copy (ours):
     * snapshot each item before converting and give KVM the snapshot.
     */
    bool snapshot_source;
    GArray *items;        /* SevLaunchItem, in queue order */
    /* statistics of the last run */
    unsigned update_calls, convert_calls;
    uint64_t update_bytes, convert_bytes, snapshot_bytes;
    int64_t convert_ns, update_ns;
} SevLaunch;

void sev_launch_init(SevLaunch *l, const SevLaunchOps *ops, int sev_fd,
                     bool in_place);
void sev_launch_cleanup(SevLaunch *l);
/* Queue [gpa, gpa+len) (page-aligned outward) of page type @type. */
void sev_launch_queue(SevLaunch *l, uint64_t gpa, void *hva, uint64_t len,
                      uint8_t type);

/*
 * Queue an OVMF firmware launch as QEMU does: the flash image @img
 * (@size bytes, mapped at @flash_hva, ending at 4 GiB) as NORMAL (not
 * when @flash_hva is NULL: queued already), then
 * each SEV metadata descriptor in table order (SNP_SEC_MEM -> ZERO,
 * SNP_SECRETS -> SECRETS, CPUID -> CPUID with the page built from
 * @kvm_cpuid2, kernel hashes -> ZERO, others ZERO).  @gpa_to_hva maps a
 * descriptor's range to host memory (NULL: not RAM).  Errors: "Failed to
 * locate SEV metadata header", "Failed to get HVA for GPA 0x%x sz 0x%x".
 */
typedef void *(*SevGpaToHva)(uint64_t gpa, uint64_t len, void *opaque);
bool sev_snp_queue_ovmf(SevLaunch *l, const uint8_t *img, size_t size,
                        void *flash_hva, SevGpaToHva gpa_to_hva,
                        void *opaque, const void *kvm_cpuid2,
                        Error **errp);

/* One KVM_MEMORY_ENCRYPT_OP; 0 or -errno, firmware status in *fw_error. */
int sev_launch_cmd(SevLaunch *l, uint32_t id, void *data, int *fw_error);
/* KVM_SEV_INIT2 (all zero) and KVM_SEV_SNP_LAUNCH_START. */
bool sev_snp_launch_start(SevLaunch *l, uint64_t policy,
                          const uint8_t gosvw[16], Error **errp);
/*
 * Every queued item: convert to private, then LAUNCH_UPDATE until done
 * (partial progress and EAGAIN loop), with QEMU's end-GPA check.  Errors
 * in QEMU's words: "SNP_LAUNCH_UPDATE ret=%d fw_error=%d '%s'", for a
 * CPUID page preceded by one "SEV-SNP: CPUID validation failed for
 * function ..." line per rejected leaf and "SEV-SNP: failed update CPUID
 * page".
 */
bool sev_snp_launch_update_all(SevLaunch *l, Error **errp);
/* KVM_SEV_SNP_LAUNCH_FINISH with the given finish struct. */
bool sev_snp_launch_finish_cmd(SevLaunch *l, void *finish, Error **errp);

/*
 * The SNP CPUID page from a KVM CPUID table (struct kvm_cpuid2), with
 * QEMU's fix-ups: at most 64 entries, leaf 0xD sub-leaves 0/1 with
 * EBX=0x240 and XCR0_IN=1, and the SNP feature masks.  @page is 4 KiB.
 */
bool sev_snp_build_cpuid_page(const void *kvm_cpuid2, void *page,
                              Error **errp);
/*
 * Per-leaf "CPUID validation failed" lines comparing @ours (the page we
 * sent) with @fw (what the firmware corrected), as one string.
 */
char *sev_snp_cpuid_mismatch_report(const void *ours, const void *fw);
/* The SNP feature masks applied to vCPU CPUID values. */
uint32_t sev_snp_mask_cpuid(uint32_t function, uint32_t index, int reg,
                            uint32_t value);
enum { SEV_CPUID_EAX, SEV_CPUID_EBX, SEV_CPUID_ECX, SEV_CPUID_EDX };

/* ---- the machine's SEV object (target/i386/sev.c) ---- */

/* The launch of the machine's SNP guest (statistics), or NULL. */
const SevLaunch *sev_snp_launch_state(void);

/* True when the machine's confidential-guest-support is an SEV type. */
bool sev_enabled(void);
bool sev_snp_enabled(void);
/*
 * Before the vCPUs are created: an SNP launch measures every vCPU, so
 * their creation must not be deferred (the memslots are synced here).
 */
bool sev_launch_prepare(Error **errp);
/*
 * After the vCPUs exist, before they first run: the whole SNP launch.
 * Nothing to do without an SEV object.  On failure nothing launched
 * stays usable and start-up ends with the firmware's status.
 */
bool sev_launch(Error **errp);
/*
 * The machine maps firmware image @img (@size bytes) at 4 GiB - @size,
 * host view @flash_hva, already written: it is queued as NORMAL now, and
 * its SEV metadata regions at the launch (the CPUID page then comes from
 * vCPU 0).  "Failed to locate SEV metadata header" without metadata.
 */
bool sev_snp_add_firmware(const uint8_t *img, size_t size, void *flash_hva,
                          Error **errp);
/* The migration blocker's reason once launched, or NULL. */
const char *sev_migration_blocker(void);

#endif
