/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OVMF's GUID table at the end of a firmware image and the SEV metadata
 * it points to (the regions an SEV-SNP launch must pre-validate).
 */
#ifndef HW_I386_OVMF_METADATA_H
#define HW_I386_OVMF_METADATA_H

#include "qemu/osdep.h"
#include "qapi/error.h"

/* GUIDs of the table entries we look for (text form, as OVMF documents). */
#define OVMF_TABLE_FOOTER_GUID     "96b582de-1fb2-45f7-baea-a366c55a082d"
#define OVMF_SEV_METADATA_GUID     "dc886566-984a-4798-a75e-5585a7bf67cc"
#define OVMF_SEV_HASH_TABLE_GUID   "7255371f-3a3b-4b04-927b-1da6efa8d454"
#define OVMF_SEV_INFO_BLOCK_GUID   "00f771de-1a7e-4fcb-890e-68c77e2fb44e"

/* Descriptor types of the "ASEV" metadata (OVMF's ResetVector/Sev.nasm). */
typedef enum OvmfSevDescType {
    OVMF_SEV_DESC_UNDEF = 0,
    OVMF_SEV_DESC_SNP_SEC_MEM = 1,     /* pre-validate, zero-filled */
    OVMF_SEV_DESC_SNP_SECRETS = 2,     /* the firmware's secrets page */
    OVMF_SEV_DESC_CPUID = 3,           /* the CPUID table page */
    OVMF_SEV_DESC_SNP_SVSM_CAA = 4,    /* SVSM calling area */
    OVMF_SEV_DESC_SNP_KERNEL_HASHES = 0x10,
} OvmfSevDescType;

typedef struct OvmfSevDesc {
    uint32_t base;      /* guest physical address */
    uint32_t len;       /* bytes */
    uint32_t type;      /* OvmfSevDescType */
} OvmfSevDesc;

typedef struct OvmfSevMetadata {
    uint32_t version;
    unsigned ndesc;
    OvmfSevDesc *desc;
} OvmfSevMetadata;

/* 16-byte on-disk (EFI, mixed-endian) form of a GUID in text form. */
bool ovmf_guid_parse(const char *text, uint8_t out[16]);

/*
 * The GUID table of firmware image @img (@size bytes, the whole flash
 * image as mapped ending at 4 GiB).  False when the image has no table;
 * a table whose footer length does not fit sets *errp ("OVMF table has
 * invalid size %d").  Without errp a missing or bad table is just false.
 */
bool ovmf_table_locate(const uint8_t *img, size_t size,
                       const uint8_t **table, size_t *table_len,
                       Error **errp);
/* Entry @guid of the table: its data (inside @img) and length. */
bool ovmf_table_find(const uint8_t *img, size_t size, const char *guid,
                     const uint8_t **data, size_t *len);
/*
 * The SEV metadata ("ASEV" header and descriptors) of @img.  False with
 * "Failed to locate SEV metadata header" when there is none (QEMU's
 * wording), or an error naming what is malformed.
 */
bool ovmf_sev_metadata_parse(const uint8_t *img, size_t size,
                             OvmfSevMetadata *md, Error **errp);
void ovmf_sev_metadata_free(OvmfSevMetadata *md);
const char *ovmf_sev_desc_type_name(uint32_t type);
/*
 * The KVM_SEV_SNP_PAGE_TYPE_* an SNP launch gives descriptor type @type:
 * SNP_SEC_MEM -> ZERO, SNP_SECRETS -> SECRETS, CPUID -> CPUID,
 * SNP_KERNEL_HASHES -> NORMAL with kernel-hashes=on (else ZERO), any
 * other -> ZERO (QEMU's mapping).
 */
uint8_t ovmf_sev_desc_snp_page_type(uint32_t type, bool kernel_hashes);
/* The SEV kernel hashes area (OVMF_SEV_HASH_TABLE_GUID): base and size. */
bool ovmf_sev_hash_table(const uint8_t *img, size_t size, uint32_t *base,
                         uint32_t *len);

#endif
