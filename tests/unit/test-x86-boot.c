/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of hw/i386/x86-boot.c: identity page tables, GDT, e820 from
 * the RAM layout, built-in guest options, and what the bzImage and ELF
 * loaders put where (boot_params fields, initrd placement, entry state).
 */
#include "qemu/osdep.h"
#include <elf.h>
#include <glib/gstdio.h>
#include "hw/i386/x86-boot.h"
#include "pc-bios/guest/guest-abi.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static char *tmpdir;

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

/* Walk the tables the way the MMU does, for an identity check. */
static uint64_t translate(const uint8_t *t, hwaddr base, uint64_t va)
{
    uint64_t pml4e = rd64(t + ((va >> 39) & 511) * 8);
    uint64_t pdpte, pde;

    g_assert_true(pml4e & 1);
    pdpte = rd64(t + ((pml4e & ~0xfffULL) - base) + ((va >> 30) & 511) * 8);
    g_assert_true(pdpte & 1);
    g_assert_false(pdpte & (1 << 7));    /* no 1 GiB pages */
    pde = rd64(t + ((pdpte & ~0xfffULL) - base) + ((va >> 21) & 511) * 8);
    g_assert_true(pde & 1);
    g_assert_true(pde & (1 << 7));       /* 2 MiB page */
    return (pde & ~(2 * MiB - 1) & ((1ULL << 52) - 1)) | (va & (2 * MiB - 1));
}

static void test_page_tables(void)
{
    const hwaddr base = GUEST_PT_ADDR;
    uint64_t top = 4 * GiB + 1536 * MiB;
    Error *err = NULL;
    GBytes *pt = x86_build_page_tables(top, base, GUEST_PT_END, &err);
    gsize len;
    const uint8_t *t;
    const uint64_t probes[] = {
        0, 0x1000, 0x100000, 3 * GiB - 8, 3 * GiB + 12345, 4 * GiB,
        top - 8, 0x123456789ULL
    };

    g_assert_null(err);
    t = g_bytes_get_data(pt, &len);
    /* PML4 + 1 PDPT + 6 PDs (1 GiB each, rounded up) */
    g_assert_cmpuint(len, ==, (1 + 1 + 6) * 4096);
    for (unsigned i = 0; i < G_N_ELEMENTS(probes); i++) {
        g_assert_cmphex(translate(t, base, probes[i]), ==, probes[i]);
    }
    g_bytes_unref(pt);

    /* too much RAM for the reserved area: a clear error, no tables */
    pt = x86_build_page_tables(512 * GiB, base, GUEST_PT_END, &err);
    g_assert_null(pt);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(error_get_pretty(err), "page tables"));
    error_free(err);
}

static void test_gdt_and_state(void)
{
    GBytes *g = x86_build_gdt();
    gsize len;
    const uint8_t *p = g_bytes_get_data(g, &len);
    X86BootState st;

    g_assert_cmpuint(len, >=, 0x38);
    /* Linux __BOOT_CS: present, DPL 0, code, L=1 */
    g_assert_cmphex(rd64(p + 0x10) & 0x00af9a0000000000ULL, ==,
                    0x00af9a0000000000ULL);
    /* user code for the built-in guest's ring 3: DPL 3, L=1 */
    g_assert_cmphex((rd64(p + 0x30) >> 45) & 3, ==, 3);
    g_assert_cmphex((rd64(p + 0x30) >> 53) & 1, ==, 1);
    g_bytes_unref(g);

    x86_long_mode_state(&st, 0x30000, 0x100200, 0x92000);
    g_assert_true(st.long_mode);
    g_assert_cmphex(st.cr3, ==, 0x30000);
    g_assert_cmphex(st.cr0 & 0x80000001, ==, 0x80000001);   /* PG, PE */
    g_assert_cmphex(st.cr4 & 0x20, ==, 0x20);                /* PAE */
    g_assert_cmphex(st.efer & 0x500, ==, 0x500);             /* LME, LMA */
    g_assert_cmpuint(st.cs, ==, 0x10);
    g_assert_cmpuint(st.ds, ==, 0x18);
    g_assert_cmphex(st.rip, ==, 0x100200);
}

static void test_e820(void)
{
    E820Entry e[4];
    X86RamLayout small = { .below_4g = 256 * MiB };
    X86RamLayout big = { .below_4g = 3 * GiB, .above_4g = 1536 * MiB };

    g_assert_cmpuint(x86_build_e820(&small, e, 4), ==, 1);
    g_assert_cmphex(e[0].addr, ==, 0);
    g_assert_cmphex(e[0].size, ==, 256 * MiB);
    g_assert_cmpuint(e[0].type, ==, E820_RAM);
    g_assert_cmpuint(x86_build_e820(&big, e, 4), ==, 2);
    g_assert_cmphex(e[1].addr, ==, 4 * GiB);
    g_assert_cmphex(e[1].size, ==, 1536 * MiB);
    g_assert_cmpuint(sizeof(E820Entry), ==, 20);
}

static void test_builtin_opts(void)
{
    X86BuiltinOpts o;
    Error *err = NULL;

    g_assert_true(x86_builtin_parse_opts(NULL, &o, &error_abort));
    g_assert_false(o.halt);
    g_assert_cmphex(o.seed, ==, GUEST_DEFAULT_SEED);
    g_assert_true(x86_builtin_parse_opts("  halt seed=0x42 ", &o,
                                         &error_abort));
    g_assert_true(o.halt);
    g_assert_false(o.convert);
    g_assert_cmphex(o.seed, ==, 0x42);
    g_assert_true(x86_builtin_parse_opts("convert", &o, &error_abort));
    g_assert_true(o.convert);
    g_assert_false(o.halt);
    g_assert_false(x86_builtin_parse_opts("console=ttyS0", &o, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "built-in guest: unknown option 'console=ttyS0' in "
                    "-append (known: halt, convert, seed=N)");
    error_free(err);
    err = NULL;
    g_assert_false(x86_builtin_parse_opts("seed=pony", &o, &err));
    error_free(err);
}

static X86BootBlob *find_blob(X86Boot *b, const char *name)
{
    for (guint i = 0; i < b->blobs->len; i++) {
        X86BootBlob *blob = g_ptr_array_index(b->blobs, i);

        if (!strcmp(blob->name, name)) {
            return blob;
        }
    }
    return NULL;
}

static void test_builtin_prepare(void)
{
    X86RamLayout l = { .below_4g = 3 * GiB, .above_4g = 1 * GiB };
    X86Boot b;
    X86BootBlob *info;
    const GuestInfo *gi;

    g_assert_true(x86_boot_prepare(&b, &l, 2, NULL, NULL, "seed=7",
                                   &error_abort));
    g_assert_cmpint(b.kind, ==, X86_BOOT_BUILTIN);
    g_assert_cmpuint(b.nstart, ==, 2);
    g_assert_cmpuint(b.cpu[1].rdi, ==, 1);
    g_assert_cmphex(b.cpu[1].rsi, ==, GUEST_INFO_ADDR);
    g_assert_cmphex(b.cpu[0].rsp, !=, b.cpu[1].rsp);
    info = find_blob(&b, "guest-info");
    g_assert_nonnull(info);
    gi = g_bytes_get_data(info->data, NULL);
    g_assert_cmphex(gi->magic, ==, GUEST_INFO_MAGIC);
    g_assert_cmpuint(gi->cpu_count, ==, 2);
    g_assert_cmpuint(gi->seed, ==, 7);
    g_assert_cmpuint(gi->nr_ranges, ==, 2);
    g_assert_cmphex(gi->ranges[1].start, ==, 4 * GiB);
    g_assert_cmphex(gi->ranges[1].size, ==, 1 * GiB);
    g_assert_nonnull(find_blob(&b, "builtin-guest"));
    x86_boot_cleanup(&b);
}

/* A bzImage-shaped file: setup header only, 4 KiB of "kernel". */
static char *make_bzimage(uint16_t version, uint16_t xlf, uint32_t initrd_max)
{
    char *path = g_build_filename(tmpdir, "bz", NULL);
    size_t len = 5 * 512 + 4096;
    uint8_t *k = g_malloc0(len);
    uint64_t pref = 16 * MiB;
    uint32_t init_size = 8 * MiB;
    uint32_t cmdline_size = 64;

    k[0x1f1] = 4;
    k[0x201] = 0x6a;
    memcpy(k + 0x202, "HdrS", 4);
    memcpy(k + 0x206, &version, 2);
    memcpy(k + 0x22c, &initrd_max, 4);
    memcpy(k + 0x236, &xlf, 2);
    memcpy(k + 0x238, &cmdline_size, 4);
    memcpy(k + 0x258, &pref, 8);
    memcpy(k + 0x260, &init_size, 4);
    memset(k + 5 * 512, 0x90, 4096);
    g_assert_true(g_file_set_contents(path, (char *)k, len, NULL));
    g_free(k);
    return path;
}

static void test_bzimage(void)
{
    X86RamLayout l = { .below_4g = 3 * GiB, .above_4g = 512 * MiB };
    g_autofree char *bz = make_bzimage(0x020f, 1, 0x7fffffff);
    g_autofree char *old = NULL;
    g_autofree char *initrd = g_build_filename(tmpdir, "initrd", NULL);
    X86Boot b;
    X86BootBlob *bp, *kern, *rd, *cmd;
    const uint8_t *p;
    Error *err = NULL;

    g_assert_true(g_file_set_contents(initrd, "0123456789", 10, NULL));
    g_assert_true(x86_boot_prepare(&b, &l, 2, bz, initrd, "console=ttyS0",
                                   &error_abort));
    g_assert_cmpint(b.kind, ==, X86_BOOT_LINUX);
    g_assert_cmpuint(b.nstart, ==, 1);          /* APs wait for SIPI */
    g_assert_cmphex(b.cpu[0].rip, ==, 16 * MiB + 0x200);
    g_assert_cmphex(b.cpu[0].rsi, ==, GUEST_BOOT_PARAMS_ADDR);
    bp = find_blob(&b, "boot_params");
    kern = find_blob(&b, "kernel");
    rd = find_blob(&b, "initrd");
    cmd = find_blob(&b, "cmdline");
    g_assert_nonnull(bp);
    g_assert_cmphex(kern->gpa, ==, 16 * MiB);
    g_assert_cmpuint(g_bytes_get_size(kern->data), ==, 4096);
    g_assert_cmpstr(g_bytes_get_data(cmd->data, NULL), ==, "console=ttyS0");
    p = g_bytes_get_data(bp->data, NULL);
    g_assert_cmpmem(p + 0x202, 4, "HdrS", 4);
    g_assert_cmpuint(p[0x210], ==, 0xff);              /* type_of_loader */
    g_assert_cmphex(rd32(p + 0x228), ==, GUEST_CMDLINE_ADDR);
    /* initrd as high as initrd_addr_max allows, page aligned */
    g_assert_cmphex(rd32(p + 0x218), ==, rd->gpa);
    g_assert_cmpuint(rd32(p + 0x21c), ==, 10);
    g_assert_cmphex(rd->gpa, ==, (0x7fffffffULL - 10) & ~0xfffULL);
    /* e820 = the layout */
    g_assert_cmpuint(p[0x1e8], ==, 2);
    g_assert_cmphex(rd64(p + 0x2d0), ==, 0);
    g_assert_cmphex(rd64(p + 0x2d8), ==, 3 * GiB);
    g_assert_cmphex(rd64(p + 0x2e4), ==, 4 * GiB);
    g_assert_cmphex(rd64(p + 0x2ec), ==, 512 * MiB);
    x86_boot_cleanup(&b);

    /* command line over cmdline_size */
    g_assert_false(x86_boot_prepare(&b, &l, 1, bz, NULL,
                                    "0123456789012345678901234567890123456789"
                                    "01234567890123456789012345", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "command line too long"));
    error_free(err);
    err = NULL;
    x86_boot_cleanup(&b);

    /* 2.10 kernels have no 64-bit entry we can use */
    g_unlink(bz);
    old = make_bzimage(0x020a, 0, 0x7fffffff);
    g_assert_false(x86_boot_prepare(&b, &l, 1, old, NULL, NULL, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "2.10"));
    error_free(err);
    x86_boot_cleanup(&b);
    g_unlink(old);
    g_unlink(initrd);
}

static void test_elf(void)
{
    X86RamLayout l = { .below_4g = 256 * MiB };
    g_autofree char *path = g_build_filename(tmpdir, "guest.elf", NULL);
    Elf64_Ehdr eh = { 0 };
    Elf64_Phdr ph = { 0 };
    uint8_t file[sizeof(eh) + sizeof(ph) + 4] = { 0 };
    X86Boot b;
    X86BootBlob *seg;
    Error *err = NULL;

    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_entry = 0x200002;
    eh.e_phoff = sizeof(eh);
    eh.e_phentsize = sizeof(ph);
    eh.e_phnum = 1;
    ph.p_type = PT_LOAD;
    ph.p_offset = sizeof(eh) + sizeof(ph);
    ph.p_paddr = 0x200000;
    ph.p_filesz = 4;
    ph.p_memsz = 0x3000;                   /* bss zero-filled */
    memcpy(file, &eh, sizeof(eh));
    memcpy(file + sizeof(eh), &ph, sizeof(ph));
    memcpy(file + sizeof(eh) + sizeof(ph), "\xf4\xf4\xeb\xfe", 4);
    g_assert_true(g_file_set_contents(path, (char *)file, sizeof(file),
                                      NULL));
    g_assert_true(x86_boot_prepare(&b, &l, 1, path, NULL, NULL,
                                   &error_abort));
    g_assert_cmpint(b.kind, ==, X86_BOOT_ELF);
    g_assert_cmphex(b.cpu[0].rip, ==, 0x200002);
    seg = find_blob(&b, "elf-segment");
    g_assert_cmphex(seg->gpa, ==, 0x200000);
    g_assert_cmpuint(g_bytes_get_size(seg->data), ==, 0x3000);
    x86_boot_cleanup(&b);

    /* a segment outside RAM is refused */
    ph.p_paddr = 512 * MiB;
    memcpy(file + sizeof(eh), &ph, sizeof(ph));
    g_assert_true(g_file_set_contents(path, (char *)file, sizeof(file),
                                      NULL));
    g_assert_false(x86_boot_prepare(&b, &l, 1, path, NULL, NULL, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "not in guest RAM"));
    error_free(err);
    x86_boot_cleanup(&b);
    g_unlink(path);
}

/* An ELF with a "Linux" note is booted like a kernel: boot_params in %rsi */
static void test_vmlinux(void)
{
    X86RamLayout l = { .below_4g = 256 * MiB };
    g_autofree char *path = g_build_filename(tmpdir, "vmlinux", NULL);
    g_autofree char *initrd = g_build_filename(tmpdir, "rd", NULL);
    struct {
        Elf64_Ehdr eh;
        Elf64_Phdr ph[2];
        Elf64_Nhdr nh;
        char name[8];
        uint32_t desc;
        uint8_t code[4];
    } f = { 0 };
    X86Boot b;
    X86BootBlob *bp = NULL, *cmd = NULL;
    const uint8_t *p;

    memcpy(f.eh.e_ident, ELFMAG, SELFMAG);
    f.eh.e_ident[EI_CLASS] = ELFCLASS64;
    f.eh.e_ident[EI_DATA] = ELFDATA2LSB;
    f.eh.e_type = ET_EXEC;
    f.eh.e_machine = EM_X86_64;
    f.eh.e_entry = 0x1000000;
    f.eh.e_phoff = offsetof(typeof(f), ph);
    f.eh.e_phentsize = sizeof(Elf64_Phdr);
    f.eh.e_phnum = 2;
    f.ph[0].p_type = PT_LOAD;
    f.ph[0].p_offset = offsetof(typeof(f), code);
    f.ph[0].p_paddr = 0x1000000;
    f.ph[0].p_filesz = f.ph[0].p_memsz = 4;
    f.ph[1].p_type = PT_NOTE;
    f.ph[1].p_offset = offsetof(typeof(f), nh);
    f.ph[1].p_filesz = sizeof(f.nh) + 8 + 4;
    f.nh.n_namesz = 6;
    f.nh.n_descsz = 4;
    memcpy(f.name, "Linux", 6);
    g_assert_true(g_file_set_contents(path, (char *)&f, sizeof(f), NULL));
    g_assert_true(g_file_set_contents(initrd, "rd", 2, NULL));
    g_assert_true(x86_boot_prepare(&b, &l, 1, path, initrd, "root=/dev/x",
                                   &error_abort));
    g_assert_cmpint(b.kind, ==, X86_BOOT_LINUX);
    g_assert_cmphex(b.cpu[0].rip, ==, 0x1000000);
    g_assert_cmphex(b.cpu[0].rsi, ==, GUEST_BOOT_PARAMS_ADDR);
    bp = find_blob(&b, "boot_params");
    cmd = find_blob(&b, "cmdline");
    g_assert_nonnull(bp);
    g_assert_nonnull(find_blob(&b, "initrd"));
    g_assert_cmpstr(g_bytes_get_data(cmd->data, NULL), ==, "root=/dev/x");
    p = g_bytes_get_data(bp->data, NULL);
    g_assert_cmpmem(p + 0x202, 4, "HdrS", 4);
    g_assert_cmphex(rd32(p + 0x228), ==, GUEST_CMDLINE_ADDR);
    g_assert_cmpuint(p[0x1e8], ==, 1);
    g_assert_cmphex(rd64(p + 0x2d8), ==, 256 * MiB);
    g_assert_cmpuint(rd32(p + 0x21c), ==, 2);
    x86_boot_cleanup(&b);
    g_unlink(path);
    g_unlink(initrd);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-x86-boot-XXXXXX", NULL);
    g_test_add_func("/x86-boot/page-tables", test_page_tables);
    g_test_add_func("/x86-boot/gdt-state", test_gdt_and_state);
    g_test_add_func("/x86-boot/e820", test_e820);
    g_test_add_func("/x86-boot/builtin-opts", test_builtin_opts);
    g_test_add_func("/x86-boot/builtin-prepare", test_builtin_prepare);
    g_test_add_func("/x86-boot/bzimage", test_bzimage);
    g_test_add_func("/x86-boot/elf", test_elf);
    g_test_add_func("/x86-boot/vmlinux", test_vmlinux);
    ret = g_test_run();
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return ret;
}
