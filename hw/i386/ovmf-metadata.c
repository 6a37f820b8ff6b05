/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parser for OVMF's GUID table and its SEV metadata: what an SEV-SNP
 * launch needs to know about the firmware image before it encrypts it.
 */
#include "qemu/osdep.h"
#include "hw/i386/ovmf-metadata.h"
#include "linux/kvm.h"

/*
 * The image ends with the reset vector (16 bytes) and 16 bytes OVMF
 * reserves; below them sits the footer GUID, below that the u16 length
 * of the whole table.  Entries are laid out back to front: data, u16
 * length (data + 18), GUID.
 */
#define OVMF_FOOTER_END_OFFSET   32
#define OVMF_ENTRY_TRAILER       (16 + 2)

#define SEV_METADATA_SIGNATURE   "ASEV"
#define SEV_METADATA_HDR_SIZE    16
#define SEV_METADATA_DESC_SIZE   12

static uint16_t get_le16(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = g_ascii_tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool ovmf_guid_parse(const char *text, uint8_t out[16])
{
    /* text order of the bytes; the first three fields are stored LE */
    static const int pos[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
                                 8, 9, 10, 11, 12, 13, 14, 15 };
    uint8_t be[16];
    int n = 0;

    for (const char *p = text; *p; p++) {
        int hi, lo;

        if (*p == '-') {
            continue;
        }
        hi = hexval(p[0]);
        lo = p[1] ? hexval(p[1]) : -1;
        if (hi < 0 || lo < 0 || n == 16) {
            return false;
        }
        be[n++] = hi << 4 | lo;
        p++;
    }
    if (n != 16 || strlen(text) != 36) {
        return false;
    }
    for (int i = 0; i < 16; i++) {
        out[i] = be[pos[i]];
    }
    return true;
}

bool ovmf_table_locate(const uint8_t *img, size_t size,
                       const uint8_t **table, size_t *table_len,
                       Error **errp)
{
    uint8_t footer[16];
    size_t guid_at, len_at;
    uint16_t total;

    if (size < OVMF_FOOTER_END_OFFSET + OVMF_ENTRY_TRAILER) {
        return false;
    }
    ovmf_guid_parse(OVMF_TABLE_FOOTER_GUID, footer);
    guid_at = size - OVMF_FOOTER_END_OFFSET - 16;
    len_at = guid_at - 2;
    if (memcmp(img + guid_at, footer, 16)) {
        return false;
    }
    total = get_le16(img + len_at);
    if (total < OVMF_ENTRY_TRAILER ||
        total - OVMF_ENTRY_TRAILER > len_at) {
        error_setg(errp, "OVMF table has invalid size %d",
                   (int)total - OVMF_ENTRY_TRAILER);
        return false;
    }
    *table_len = total - OVMF_ENTRY_TRAILER;
    *table = img + len_at - *table_len;
    return true;
}

bool ovmf_table_find(const uint8_t *img, size_t size, const char *guid,
                     const uint8_t **data, size_t *len)
{
    const uint8_t *table;
    size_t left;
    uint8_t want[16];

    if (!ovmf_guid_parse(guid, want) ||
        !ovmf_table_locate(img, size, &table, &left, NULL)) {
        return false;
    }
    /* walk from the end of the table towards its start */
    while (left >= OVMF_ENTRY_TRAILER) {
        const uint8_t *end = table + left;
        uint16_t elen = get_le16(end - OVMF_ENTRY_TRAILER);

        if (elen < OVMF_ENTRY_TRAILER || elen > left) {
            return false;
        }
        if (!memcmp(end - 16, want, 16)) {
            *data = end - elen;
            *len = elen - OVMF_ENTRY_TRAILER;
            return true;
        }
        left -= elen;
    }
    return false;
}

bool ovmf_sev_metadata_parse(const uint8_t *img, size_t size,
                             OvmfSevMetadata *md, Error **errp)
{
    const uint8_t *data, *hdr;
    size_t dlen;
    uint32_t offset, hlen, ndesc;

    memset(md, 0, sizeof(*md));
    if (!ovmf_table_find(img, size, OVMF_SEV_METADATA_GUID, &data, &dlen) ||
        dlen < 4) {
        error_setg(errp, "Failed to locate SEV metadata header");
        return false;
    }
    offset = get_le32(data);
    if (offset > size || offset < SEV_METADATA_HDR_SIZE) {
        error_setg(errp, "Failed to locate SEV metadata header");
        error_append_hint(errp, "the SEV metadata offset 0x%x lies outside "
                          "the %zu-byte firmware image\n", offset, size);
        return false;
    }
    hdr = img + size - offset;
    hlen = get_le32(hdr + 4);
    if (memcmp(hdr, SEV_METADATA_SIGNATURE, 4) ||
        hlen < SEV_METADATA_HDR_SIZE || hlen > offset) {
        error_setg(errp, "Failed to locate SEV metadata header");
        error_append_hint(errp, "no valid \"ASEV\" header at image offset "
                          "0x%zx\n", size - offset);
        return false;
    }
    ndesc = get_le32(hdr + 12);
    if (ndesc > (hlen - SEV_METADATA_HDR_SIZE) / SEV_METADATA_DESC_SIZE) {
        error_setg(errp, "SEV metadata header of %u bytes cannot hold %u "
                   "descriptors", hlen, ndesc);
        return false;
    }
    md->version = get_le32(hdr + 8);
    md->ndesc = ndesc;
    md->desc = g_new0(OvmfSevDesc, ndesc);
    for (unsigned i = 0; i < ndesc; i++) {
        const uint8_t *d = hdr + SEV_METADATA_HDR_SIZE +
                           i * SEV_METADATA_DESC_SIZE;

        md->desc[i].base = get_le32(d);
        md->desc[i].len = get_le32(d + 4);
        md->desc[i].type = get_le32(d + 8);
    }
    return true;
}

void ovmf_sev_metadata_free(OvmfSevMetadata *md)
{
    g_free(md->desc);
    memset(md, 0, sizeof(*md));
}

const char *ovmf_sev_desc_type_name(uint32_t type)
{
    switch (type) {
    case OVMF_SEV_DESC_SNP_SEC_MEM:
        return "SNP_SEC_MEM";
    case OVMF_SEV_DESC_SNP_SECRETS:
        return "SNP_SECRETS";
    case OVMF_SEV_DESC_CPUID:
        return "CPUID";
    case OVMF_SEV_DESC_SNP_SVSM_CAA:
        return "SNP_SVSM_CAA";
    case OVMF_SEV_DESC_SNP_KERNEL_HASHES:
        return "SNP_KERNEL_HASHES";
    default:
        return "UNDEF";
    }
}

uint8_t ovmf_sev_desc_snp_page_type(uint32_t type, bool kernel_hashes)
{
    switch (type) {
    case OVMF_SEV_DESC_SNP_SECRETS:
        return KVM_SEV_SNP_PAGE_TYPE_SECRETS;
    case OVMF_SEV_DESC_CPUID:
        return KVM_SEV_SNP_PAGE_TYPE_CPUID;
    case OVMF_SEV_DESC_SNP_KERNEL_HASHES:
        return kernel_hashes ? KVM_SEV_SNP_PAGE_TYPE_NORMAL
                             : KVM_SEV_SNP_PAGE_TYPE_ZERO;
    default:
        /* SNP_SEC_MEM, the SVSM calling area and unknown types */
        return KVM_SEV_SNP_PAGE_TYPE_ZERO;
    }
}

bool ovmf_sev_hash_table(const uint8_t *img, size_t size, uint32_t *base,
                         uint32_t *len)
{
    const uint8_t *data;
    size_t dlen;

    if (!ovmf_table_find(img, size, OVMF_SEV_HASH_TABLE_GUID, &data, &dlen) ||
        dlen < 8) {
        return false;
    }
    *base = get_le32(data);
    *len = get_le32(data + 4);
    return true;
}
