/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The part of the AMD PSP (/dev/sev) userspace ABI and the SEV firmware
 * status codes qemu-gmem uses, written from spec/sev-snp-launch.md.
 */
#ifndef QEMU_GMEM_LINUX_PSP_SEV_H
#define QEMU_GMEM_LINUX_PSP_SEV_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Firmware status, as returned in kvm_sev_cmd.error / sev_issue_cmd.error */
typedef enum {
    SEV_RET_SUCCESS = 0,
    SEV_RET_INVALID_PLATFORM_STATE,
    SEV_RET_INVALID_GUEST_STATE,
    SEV_RET_INAVLID_CONFIG,            /* sic, as the kernel spells it */
    SEV_RET_INVALID_LEN,
    SEV_RET_ALREADY_OWNED,
    SEV_RET_INVALID_CERTIFICATE,
    SEV_RET_POLICY_FAILURE,
    SEV_RET_INACTIVE,
    SEV_RET_INVALID_ADDRESS,
    SEV_RET_BAD_SIGNATURE,
    SEV_RET_BAD_MEASUREMENT,
    SEV_RET_ASID_OWNED,
    SEV_RET_INVALID_ASID,
    SEV_RET_WBINVD_REQUIRED,
    SEV_RET_DFFLUSH_REQUIRED,
    SEV_RET_INVALID_GUEST,
    SEV_RET_INVALID_COMMAND,
    SEV_RET_ACTIVE,
    SEV_RET_HWSEV_RET_PLATFORM,
    SEV_RET_HWSEV_RET_UNSAFE,
    SEV_RET_UNSUPPORTED,
    SEV_RET_INVALID_PARAM,
    SEV_RET_RESOURCE_LIMIT,
    SEV_RET_SECURE_DATA_INVALID,
    SEV_RET_MAX,
} sev_ret_code;

/* Commands of SEV_ISSUE_CMD */
#define SEV_FACTORY_RESET    0
#define SEV_PLATFORM_STATUS  1
#define SEV_PEK_GEN          2
#define SEV_PEK_CSR          3
#define SEV_PDH_GEN          4
#define SEV_PDH_CERT_EXPORT  5
#define SEV_PEK_CERT_IMPORT  6
#define SEV_GET_ID           7
#define SEV_GET_ID2          8
#define SNP_PLATFORM_STATUS  9

struct sev_user_data_status {
    __u8  api_major;
    __u8  api_minor;
    __u8  state;
    __u32 flags;
    __u8  build;
    __u32 guest_count;
} __attribute__((packed));

struct sev_user_data_pdh_cert_export {
    __u64 pdh_cert_address;
    __u32 pdh_cert_len;
    __u64 cert_chain_address;
    __u32 cert_chain_len;
} __attribute__((packed));

struct sev_issue_cmd {
    __u32 cmd;
    __u64 data;
    __u32 error;
} __attribute__((packed));

#define SEV_IOC_TYPE  'S'
#define SEV_ISSUE_CMD _IOWR(SEV_IOC_TYPE, 0x0, struct sev_issue_cmd)

#endif
