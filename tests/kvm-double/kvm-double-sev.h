/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SEV-SNP part of the KVM double: a KVMOps layer that sits on top of
 * another KVMOps (the base double of tests/kvm-double, or anything that
 * models VMs, memslots and guest_memfd) and adds /dev/sev and the
 * KVM_MEMORY_ENCRYPT_OP commands of an SNP VM, with the kernel's argument
 * and ordering rules and the firmware's launch digest.
 */
#ifndef TESTS_KVM_DOUBLE_SEV_H
#define TESTS_KVM_DOUBLE_SEV_H

#include "qemu/osdep.h"
#include "system/kvm_int.h"

#define SNP_DIGEST_SIZE 48

typedef struct KVMDoubleSev KVMDoubleSev;

typedef struct KVMDoubleSevConfig {
    /* /dev/sev exists and SEV_PLATFORM_STATUS answers */
    bool psp_present;
    /* KVM_CAP_VM_TYPES gets KVM_X86_SNP_VM added */
    bool snp_vm_type;
    /*
     * The v7 kernel with vm_memory_attributes=0: PRIVATE is tracked per
     * guest_memfd (KVM_SET_MEMORY_ATTRIBUTES2) and LAUNCH_UPDATE takes
     * uaddr 0 as "populate in place".  Otherwise the mainline rules.
     */
    bool per_gmem_attributes;
    uint64_t vmsa_features;           /* KVM_X86_SEV_VMSA_FEATURES */
    /* C-bit position KVM_GET_SUPPORTED_CPUID reports (0x8000001F EBX) */
    uint32_t cbitpos;
    uint64_t policy_mask;             /* accepted SNP policy bits */
    /* at most this many pages per LAUNCH_UPDATE call (0: no limit) */
    unsigned max_pages_per_call;
    /* return EAGAIN (after 0 pages) on the Nth LAUNCH_UPDATE call */
    unsigned eagain_on_call;
} KVMDoubleSevConfig;

/* Config of a healthy SNP host (what tests start from). */
void kvm_double_sev_default_config(KVMDoubleSevConfig *cfg);

/* @lower: the KVMOps the layer forwards everything else to. */
KVMDoubleSev *kvm_double_sev_new(const KVMOps *lower,
                                 const KVMDoubleSevConfig *cfg);
const KVMOps *kvm_double_sev_ops(KVMDoubleSev *d);
void kvm_double_sev_free(KVMDoubleSev *d);

/*
 * The @nth (1-based) KVM_MEMORY_ENCRYPT_OP of command @cmd_id fails with
 * firmware status @fw_error (EIO to the caller), as a PSP would.
 */
void kvm_double_sev_inject_fw_error(KVMDoubleSev *d, uint32_t cmd_id,
                                    unsigned nth, uint32_t fw_error);
/* The firmware rejects CPUID leaf @function/@index (corrects its EAX). */
void kvm_double_sev_reject_cpuid(KVMDoubleSev *d, uint32_t function,
                                 uint32_t index);

/* State read back by tests. */
typedef enum KVMDoubleSevState {
    SEV_DOUBLE_NONE,           /* no INIT2 yet */
    SEV_DOUBLE_INIT,           /* INIT2 done */
    SEV_DOUBLE_LAUNCHING,      /* SNP_LAUNCH_START done */
    SEV_DOUBLE_FINISHED,       /* SNP_LAUNCH_FINISH done */
} KVMDoubleSevState;

KVMDoubleSevState kvm_double_sev_state(KVMDoubleSev *d);
void kvm_double_sev_digest(KVMDoubleSev *d, uint8_t out[SNP_DIGEST_SIZE]);
/* One line per call the layer saw ("NAME args -> result"), in order. */
const GPtrArray *kvm_double_sev_log(KVMDoubleSev *d);
void kvm_double_sev_log_clear(KVMDoubleSev *d);
/* Pages measured so far, and bytes the layer copied from uaddr. */
uint64_t kvm_double_sev_pages_measured(KVMDoubleSev *d);
uint64_t kvm_double_sev_bytes_copied(KVMDoubleSev *d);
unsigned kvm_double_sev_update_calls(KVMDoubleSev *d);
/* The first KVM_SET_CPUID2 the VMM issued (a vCPU's table), or NULL. */
const struct kvm_cpuid2 *kvm_double_sev_vcpu_cpuid(KVMDoubleSev *d);
/* vCPUs that got a measured VMSA at FINISH. */
unsigned kvm_double_sev_vmsas(KVMDoubleSev *d);
/* The last LAUNCH_START policy, FINISH host_data, and whether FINISH
 * received an ID block. */
uint64_t kvm_double_sev_policy(KVMDoubleSev *d);
bool kvm_double_sev_finish_data(KVMDoubleSev *d, uint8_t host_data[32],
                                bool *id_block_en);

/*
 * Lower half for tests of the SEV layer alone (until it sits on the base
 * double): every call succeeds, fds are memfds.
 */
const KVMOps *kvm_double_sev_accept_all_ops(void);

/*
 * The firmware's launch digest step on its own (SEV-SNP firmware ABI,
 * PAGE_INFO hashed with SHA-384): @contents is 48 bytes (SHA-384 of the
 * page for NORMAL/VMSA pages, zeros otherwise).
 */
void snp_digest_update(uint8_t ld[SNP_DIGEST_SIZE], uint8_t page_type,
                       uint64_t gpa, const uint8_t contents[SNP_DIGEST_SIZE]);
void snp_sha384(const void *data, size_t len, uint8_t out[SNP_DIGEST_SIZE]);

#endif
