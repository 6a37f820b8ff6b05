/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OVMF GUID table and SEV metadata parsing: synthetic images for every
 * malformed case, and Debian's ovmf-amdsev (real SNP firmware) checked
 * against an independent reading of its "ASEV" header.
 */
#include "qemu/osdep.h"
#include "hw/i386/ovmf-metadata.h"
#include "linux/kvm.h"
#include "ovmf-amdsev-fetch.h"

#define IMG_SIZE (64 * 1024)

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = v >> (8 * i);
    }
}

/*
 * An image whose GUID table holds @n entries (guid, data) written the
 * way OVMF lays them out; returns the table's start offset.
 */
typedef struct Entry {
    const char *guid;
    const uint8_t *data;
    size_t len;
} Entry;

static size_t build_table(uint8_t *img, size_t size, const Entry *e, int n)
{
    size_t end = size - 32 - 18;   /* below the footer entry */
    size_t total = 18;
    uint8_t g[16];

    for (int i = 0; i < n; i++) {
        size_t elen = e[i].len + 18;

        g_assert(ovmf_guid_parse(e[i].guid, g));
        memcpy(img + end - 16, g, 16);
        put_le16(img + end - 18, elen);
        memcpy(img + end - elen, e[i].data, e[i].len);
        end -= elen;
        total += elen;
    }
    g_assert(ovmf_guid_parse(OVMF_TABLE_FOOTER_GUID, g));
    memcpy(img + size - 48, g, 16);
    put_le16(img + size - 50, total);
    return end;
}

/* "ASEV" header at @off from the end, with @n descriptors. */
static void build_metadata(uint8_t *img, size_t size, uint32_t off,
                           const OvmfSevDesc *d, uint32_t n)
{
    uint8_t *h = img + size - off;

    memcpy(h, "ASEV", 4);
    put_le32(h + 4, 16 + 12 * n);
    put_le32(h + 8, 1);
    put_le32(h + 12, n);
    for (uint32_t i = 0; i < n; i++) {
        put_le32(h + 16 + 12 * i, d[i].base);
        put_le32(h + 20 + 12 * i, d[i].len);
        put_le32(h + 24 + 12 * i, d[i].type);
    }
}

static void test_guid(void)
{
    uint8_t g[16];
    static const uint8_t footer[16] = {
        0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
        0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d,
    };

    g_assert_true(ovmf_guid_parse(OVMF_TABLE_FOOTER_GUID, g));
    g_assert_cmpmem(g, 16, footer, 16);
    g_assert_false(ovmf_guid_parse("96b582de-1fb2-45f7-baea-a366c55a082", g));
    g_assert_false(ovmf_guid_parse("96b582de-1fb2-45f7-baea-a366c55a082x", g));
}

static const OvmfSevDesc synth[] = {
    { 0x800000, 0x9000, OVMF_SEV_DESC_SNP_SEC_MEM },
    { 0x809000, 0x1000, OVMF_SEV_DESC_SNP_SECRETS },
    { 0x80a000, 0x1000, OVMF_SEV_DESC_CPUID },
    { 0x80b000, 0x1000, OVMF_SEV_DESC_SNP_KERNEL_HASHES },
    { 0x80c000, 0x1000, 7 },
};

static void test_synthetic(void)
{
    g_autofree uint8_t *img = g_malloc0(IMG_SIZE);
    uint8_t off[4], hashes[8];
    Entry e[2] = {
        { OVMF_SEV_HASH_TABLE_GUID, hashes, sizeof(hashes) },
        { OVMF_SEV_METADATA_GUID, off, sizeof(off) },
    };
    OvmfSevMetadata md;
    Error *err = NULL;
    uint32_t base, len;

    put_le32(off, 0x1000);
    put_le32(hashes, 0x80bc00);
    put_le32(hashes + 4, 0x400);
    build_table(img, IMG_SIZE, e, 2);
    build_metadata(img, IMG_SIZE, 0x1000, synth, G_N_ELEMENTS(synth));

    g_assert_true(ovmf_sev_metadata_parse(img, IMG_SIZE, &md, &err));
    g_assert_null(err);
    g_assert_cmpuint(md.ndesc, ==, G_N_ELEMENTS(synth));
    g_assert_cmpuint(md.version, ==, 1);
    for (unsigned i = 0; i < md.ndesc; i++) {
        g_assert_cmpuint(md.desc[i].base, ==, synth[i].base);
        g_assert_cmpuint(md.desc[i].len, ==, synth[i].len);
        g_assert_cmpuint(md.desc[i].type, ==, synth[i].type);
    }
    g_assert_cmpuint(ovmf_sev_desc_snp_page_type(md.desc[0].type, false), ==,
                     KVM_SEV_SNP_PAGE_TYPE_ZERO);
    g_assert_cmpuint(ovmf_sev_desc_snp_page_type(md.desc[1].type, false), ==,
                     KVM_SEV_SNP_PAGE_TYPE_SECRETS);
    g_assert_cmpuint(ovmf_sev_desc_snp_page_type(md.desc[2].type, false), ==,
                     KVM_SEV_SNP_PAGE_TYPE_CPUID);
    g_assert_cmpuint(ovmf_sev_desc_snp_page_type(md.desc[3].type, false), ==,
                     KVM_SEV_SNP_PAGE_TYPE_ZERO);
    g_assert_cmpuint(ovmf_sev_desc_snp_page_type(md.desc[3].type, true), ==,
                     KVM_SEV_SNP_PAGE_TYPE_NORMAL);
    g_assert_cmpuint(ovmf_sev_desc_snp_page_type(md.desc[4].type, true), ==,
                     KVM_SEV_SNP_PAGE_TYPE_ZERO);
    g_assert_true(ovmf_sev_hash_table(img, IMG_SIZE, &base, &len));
    g_assert_cmphex(base, ==, 0x80bc00);
    g_assert_cmphex(len, ==, 0x400);
    ovmf_sev_metadata_free(&md);
}

static void expect_no_metadata(const uint8_t *img, size_t size)
{
    OvmfSevMetadata md;
    Error *err = NULL;

    g_assert_false(ovmf_sev_metadata_parse(img, size, &md, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Failed to locate SEV metadata header");
    error_free(err);
    g_assert_null(md.desc);
}

static void test_malformed(void)
{
    g_autofree uint8_t *img = g_malloc0(IMG_SIZE);
    const uint8_t *t;
    size_t tl;
    uint8_t off[4];
    Entry e = { OVMF_SEV_METADATA_GUID, off, sizeof(off) };
    Error *err = NULL;

    /* no table at all: a plain -bios image */
    expect_no_metadata(img, IMG_SIZE);
    g_assert_false(ovmf_table_locate(img, IMG_SIZE, &t, &tl, NULL));

    /* a table without the metadata entry */
    build_table(img, IMG_SIZE, NULL, 0);
    g_assert_true(ovmf_table_locate(img, IMG_SIZE, &t, &tl, NULL));
    g_assert_cmpuint(tl, ==, 0);
    expect_no_metadata(img, IMG_SIZE);

    /* footer length larger than the image */
    put_le16(img + IMG_SIZE - 50, 0xffff);
    g_assert_true(ovmf_table_locate(img, 0x100, &t, &tl, NULL) == false);
    put_le16(img + IMG_SIZE - 50, 10);
    g_assert_false(ovmf_table_locate(img, IMG_SIZE, &t, &tl, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "OVMF table has invalid size -8");
    error_free(err);
    err = NULL;

    /* metadata offset beyond the image, then a bad signature */
    memset(img, 0, IMG_SIZE);
    put_le32(off, IMG_SIZE + 1);
    build_table(img, IMG_SIZE, &e, 1);
    expect_no_metadata(img, IMG_SIZE);
    put_le32(off, 0x1000);
    build_table(img, IMG_SIZE, &e, 1);
    build_metadata(img, IMG_SIZE, 0x1000, synth, 1);
    memcpy(img + IMG_SIZE - 0x1000, "BSEV", 4);
    expect_no_metadata(img, IMG_SIZE);

    /* more descriptors than the header length holds */
    build_metadata(img, IMG_SIZE, 0x1000, synth, 1);
    put_le32(img + IMG_SIZE - 0x1000 + 12, 2);
    {
        OvmfSevMetadata md;

        g_assert_false(ovmf_sev_metadata_parse(img, IMG_SIZE, &md, &err));
        g_assert_cmpstr(error_get_pretty(err), ==,
                        "SEV metadata header of 28 bytes cannot hold 2 "
                        "descriptors");
        error_free(err);
    }

    /* an entry length running past the table start ends the walk */
    build_table(img, IMG_SIZE, &e, 1);
    put_le16(img + IMG_SIZE - 32 - 18 - 18, 0x7000);
    expect_no_metadata(img, IMG_SIZE);
}

/*
 * The real firmware.  The independent reading: find the single "ASEV"
 * signature by scanning the image (no GUID table involved), and check
 * that the GUID table's offset points at exactly it, then compare each
 * descriptor and the invariants SNP OVMF relies on.
 */
static void test_amdsev(gconstpointer path)
{
    g_autofree uint8_t *img = NULL;
    g_autoptr(GError) gerr = NULL;
    OvmfSevMetadata md;
    Error *err = NULL;
    const uint8_t *hit, *next;
    gsize size;
    unsigned secrets = 0, cpuid = 0;
    uint32_t n, hbase, hlen;

    if (!path) {
        g_test_skip(g_getenv("OVMF_AMDSEV_SKIP"));
        return;
    }
    g_assert_true(g_file_get_contents(path, (char **)&img, &size, &gerr));
    hit = memmem(img, size, "ASEV", 4);
    g_assert_nonnull(hit);
    next = memmem(hit + 4, size - (hit + 4 - img), "ASEV", 4);
    g_assert_null(next);

    g_assert_true(ovmf_sev_metadata_parse(img, size, &md, &err));
    g_assert_null(err);
    memcpy(&n, hit + 12, 4);
    g_assert_cmpuint(md.ndesc, ==, n);
    g_assert_cmpuint(md.ndesc, >=, 3);
    for (unsigned i = 0; i < md.ndesc; i++) {
        uint32_t raw[3];
        OvmfSevDesc *d = &md.desc[i];

        memcpy(raw, hit + 16 + 12 * i, 12);
        g_assert_cmphex(d->base, ==, raw[0]);
        g_assert_cmphex(d->len, ==, raw[1]);
        g_assert_cmphex(d->type, ==, raw[2]);
        /* launch updates are whole pages, in RAM below the flash */
        g_assert_cmphex(d->base % 4096, ==, 0);
        g_assert_cmphex(d->len % 4096, ==, 0);
        g_assert_cmpuint(d->len, >, 0);
        g_assert_cmphex((uint64_t)d->base + d->len, <=,
                        (4ULL << 30) - size);
        g_test_message("%-18s gpa 0x%08x len 0x%06x -> page type %u",
                       ovmf_sev_desc_type_name(d->type), d->base, d->len,
                       ovmf_sev_desc_snp_page_type(d->type, false));
        if (d->type == OVMF_SEV_DESC_SNP_SECRETS) {
            secrets++;
            g_assert_cmphex(d->len, ==, 4096);
        } else if (d->type == OVMF_SEV_DESC_CPUID) {
            cpuid++;
            g_assert_cmphex(d->len, ==, 4096);
        }
        /* regions do not overlap */
        for (unsigned j = 0; j < i; j++) {
            OvmfSevDesc *o = &md.desc[j];

            g_assert_true(d->base + d->len <= o->base ||
                          o->base + o->len <= d->base);
        }
    }
    g_assert_cmpuint(secrets, ==, 1);
    g_assert_cmpuint(cpuid, ==, 1);
    /* the kernel hashes table lies inside the SNP_KERNEL_HASHES region */
    if (ovmf_sev_hash_table(img, size, &hbase, &hlen)) {
        bool inside = false;

        for (unsigned i = 0; i < md.ndesc; i++) {
            OvmfSevDesc *d = &md.desc[i];

            if (d->type == OVMF_SEV_DESC_SNP_KERNEL_HASHES &&
                hbase >= d->base && hbase + hlen <= d->base + d->len) {
                inside = true;
            }
        }
        g_assert_true(inside);
    }
    ovmf_sev_metadata_free(&md);
}

int main(int argc, char **argv)
{
    g_autofree char *amdsev = NULL, *skip = NULL;

    g_test_init(&argc, &argv, NULL);
    amdsev = ovmf_amdsev_fetch(&skip);
    if (skip) {
        g_setenv("OVMF_AMDSEV_SKIP", skip, true);
    }
    g_test_add_func("/ovmf/guid", test_guid);
    g_test_add_func("/ovmf/synthetic", test_synthetic);
    g_test_add_func("/ovmf/malformed", test_malformed);
    g_test_add_data_func("/ovmf/amdsev", amdsev, test_amdsev);
    return g_test_run();
}
