/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Direct long-mode boot for x86 machines: builds the identity page tables,
 * GDT and boot data in guest RAM and loads the built-in guest, a Linux
 * bzImage (x86 boot protocol, 64-bit entry) or an ELF64 executable.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include <elf.h>
#include "hw/i386/x86-boot.h"
#include "system/confidential-guest-support.h"
#include "system/ram-block-attributes.h"
#include "system/memory.h"
#include "pc-bios/guest/guest-abi.h"

/* Setup header offsets (Documentation/arch/x86/boot.rst) */
#define SETUP_SECTS         0x1f1
#define BOOT_FLAG           0x1fe
#define SETUP_JUMP          0x200
#define SETUP_HDR_MAGIC     0x202
#define SETUP_VERSION       0x206
#define TYPE_OF_LOADER      0x210
#define LOADFLAGS           0x211
#define CODE32_START        0x214
#define RAMDISK_IMAGE       0x218
#define RAMDISK_SIZE        0x21c
#define CMD_LINE_PTR        0x228
#define INITRD_ADDR_MAX     0x22c
#define KERNEL_ALIGNMENT    0x230
#define RELOCATABLE_KERNEL  0x234
#define XLOADFLAGS          0x236
#define CMDLINE_SIZE        0x238
#define PREF_ADDRESS        0x258
#define INIT_SIZE           0x260
#define SETUP_HDR_MIN_END   0x264

/* boot_params offsets */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_E820_TABLE        0x2d0
#define BP_E820_MAX          128

#define LOADED_HIGH         0x01
#define CAN_USE_HEAP        0x80
#define XLF_KERNEL_64       0x01

#define X86_CR0_PE  (1ULL << 0)
#define X86_CR0_MP  (1ULL << 1)
#define X86_CR0_ET  (1ULL << 4)
#define X86_CR0_NE  (1ULL << 5)
#define X86_CR0_WP  (1ULL << 16)
#define X86_CR0_PG  (1ULL << 31)
#define X86_CR4_PAE (1ULL << 5)
#define X86_EFER_LME (1ULL << 8)
#define X86_EFER_LMA (1ULL << 10)

#define PTE_P   (1ULL << 0)
#define PTE_RW  (1ULL << 1)
#define PTE_US  (1ULL << 2)
#define PTE_PS  (1ULL << 7)

#define BOOT_CS 0x10
#define BOOT_DS 0x18

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

static inline uint16_t ld16(const uint8_t *p)
{
    return p[0] | p[1] << 8;
}

static inline uint32_t ld32(const uint8_t *p)
{
    return ld16(p) | (uint32_t)ld16(p + 2) << 16;
}

static inline uint64_t ld64(const uint8_t *p)
{
    return ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static inline void st16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static inline void st32(uint8_t *p, uint32_t v)
{
    st16(p, v);
    st16(p + 2, v >> 16);
}

static inline void st64(uint8_t *p, uint64_t v)
{
    st32(p, v);
    st32(p + 4, v >> 32);
}

static void add_blob(X86Boot *boot, const char *name, hwaddr gpa,
                     GBytes *data)
{
    X86BootBlob *b = g_new0(X86BootBlob, 1);

    b->gpa = gpa;
    b->data = data;
    b->name = g_strdup(name);
    g_ptr_array_add(boot->blobs, b);
}

static void blob_free(gpointer p)
{
    X86BootBlob *b = p;

    g_bytes_unref(b->data);
    g_free(b->name);
    g_free(b);
}

/* Whole file, or -errno. */
static int read_whole_file(const char *path, uint8_t **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    size_t done = 0;
    uint8_t *buf;

    if (fd < 0) {
        return -errno;
    }
    if (fstat(fd, &st) < 0) {
        int ret = -errno;

        close(fd);
        return ret;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return -EISDIR;
    }
    buf = g_malloc(st.st_size ? st.st_size : 1);
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, st.st_size - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            int ret = n < 0 ? -errno : -EIO;

            g_free(buf);
            close(fd);
            return ret;
        }
        done += n;
    }
    close(fd);
    *data = buf;
    *len = done;
    return 0;
}

static uint64_t ram_top(const X86RamLayout *layout)
{
    return layout->above_4g ? X86_ABOVE_4G_BASE + layout->above_4g
                            : layout->below_4g;
}

/* True if [gpa, gpa + len) is guest RAM. */
static bool range_is_ram(const X86RamLayout *layout, uint64_t gpa,
                         uint64_t len)
{
    if (gpa + len < gpa) {
        return false;
    }
    if (gpa + len <= layout->below_4g) {
        return true;
    }
    return gpa >= X86_ABOVE_4G_BASE &&
           gpa + len <= X86_ABOVE_4G_BASE + layout->above_4g;
}

unsigned x86_build_e820(const X86RamLayout *layout, E820Entry *table,
                        unsigned max)
{
    unsigned n = 0;

    if (layout->below_4g && n < max) {
        table[n++] = (E820Entry) { 0, layout->below_4g, E820_RAM };
    }
    if (layout->above_4g && n < max) {
        table[n++] = (E820Entry) { X86_ABOVE_4G_BASE, layout->above_4g,
                                   E820_RAM };
    }
    return n;
}

GBytes *x86_build_page_tables(uint64_t top, hwaddr base, hwaddr limit,
                              Error **errp)
{
    uint64_t npd = (MAX(top, 1) + GiB - 1) / GiB;
    uint64_t npdpt = (npd + 511) / 512;
    uint64_t size = (1 + npdpt + npd) * 4096;
    uint8_t *t;

    if (npdpt > 512 || base + size > limit) {
        error_setg(errp, "guest RAM up to 0x%" PRIx64 " needs 0x%" PRIx64
                   " bytes of page tables, more than the 0x%" PRIx64
                   " reserved for them", top, size, (uint64_t)(limit - base));
        return NULL;
    }
    t = g_malloc0(size);
    for (uint64_t i = 0; i < npdpt; i++) {
        st64(t + i * 8, (base + 4096 * (1 + i)) | PTE_P | PTE_RW | PTE_US);
    }
    for (uint64_t i = 0; i < npd; i++) {
        hwaddr pd = base + 4096 * (1 + npdpt + i);
        uint8_t *pdpte = t + 4096 * (1 + i / 512) + (i % 512) * 8;
        uint8_t *pdt = t + (pd - base);

        st64(pdpte, pd | PTE_P | PTE_RW | PTE_US);
        for (uint64_t j = 0; j < 512; j++) {
            st64(pdt + j * 8, (i * GiB + j * 2 * MiB) | PTE_P | PTE_RW |
                 PTE_US | PTE_PS);
        }
    }
    return g_bytes_new_take(t, size);
}

GBytes *x86_build_gdt(void)
{
    uint8_t *g = g_malloc0(64);

    /* 0x10: flat 64-bit code, 0x18: flat data (Linux __BOOT_CS/DS) */
    st64(g + BOOT_CS, 0x00af9b000000ffffULL);
    st64(g + BOOT_DS, 0x00cf93000000ffffULL);
    st64(g + 0x28, 0x00cff3000000ffffULL);
    st64(g + 0x30, 0x00affb000000ffffULL);
    return g_bytes_new_take(g, 64);
}

void x86_long_mode_state(X86BootState *st, hwaddr pml4, uint64_t rip,
                         uint64_t rsp)
{
    memset(st, 0, sizeof(*st));
    st->long_mode = true;
    st->rip = rip;
    st->rsp = rsp;
    st->rflags = 0x2;
    st->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
              X86_CR0_WP | X86_CR0_PG;
    st->cr3 = pml4;
    st->cr4 = X86_CR4_PAE;
    st->efer = X86_EFER_LME | X86_EFER_LMA;
    st->gdt_base = GUEST_GDT_ADDR;
    st->gdt_limit = 63;
    st->cs = BOOT_CS;
    st->ds = BOOT_DS;
}

static bool add_common_tables(X86Boot *boot, const X86RamLayout *layout,
                              Error **errp)
{
    GBytes *pt = x86_build_page_tables(ram_top(layout), GUEST_PT_ADDR,
                                       GUEST_PT_END, errp);

    if (!pt) {
        return false;
    }
    add_blob(boot, "gdt", GUEST_GDT_ADDR, x86_build_gdt());
    add_blob(boot, "page-tables", GUEST_PT_ADDR, pt);
    return true;
}

static uint64_t cpu_stack_top(unsigned i)
{
    return GUEST_STACK_ADDR + (uint64_t)(i + 1) * GUEST_STACK_SIZE;
}

bool x86_builtin_parse_opts(const char *append, X86BuiltinOpts *opts,
                            Error **errp)
{
    g_auto(GStrv) words = NULL;

    opts->halt = false;
    opts->convert = false;
    opts->seed = GUEST_DEFAULT_SEED;
    if (!append) {
        return true;
    }
    words = g_strsplit_set(append, " \t", -1);
    for (int i = 0; words[i]; i++) {
        const char *w = words[i];

        if (!*w) {
            continue;
        }
        if (!strcmp(w, "halt")) {
            opts->halt = true;
        } else if (!strcmp(w, "convert")) {
            opts->convert = true;
        } else if (g_str_has_prefix(w, "seed=")) {
            if (qemu_strtou64(w + 5, NULL, 0, &opts->seed) < 0) {
                error_setg(errp, "built-in guest: invalid seed '%s'", w + 5);
                return false;
            }
        } else {
            error_setg(errp, "built-in guest: unknown option '%s' in "
                       "-append (known: halt, convert, seed=N)", w);
            return false;
        }
    }
    return true;
}

static GBytes *build_guest_info(const X86RamLayout *layout, unsigned ncpus,
                                const X86BuiltinOpts *opts)
{
    GuestInfo *bi = g_new0(GuestInfo, 1);

    bi->magic = GUEST_INFO_MAGIC;
    bi->version = GUEST_INFO_VERSION;
    bi->cpu_count = ncpus;
    bi->flags = (opts->halt ? GUEST_FLAG_HALT : 0) |
                (opts->convert ? GUEST_FLAG_CONVERT : 0);
    bi->seed = opts->seed;
    bi->known_addr = GUEST_KNOWN_ADDR;
    bi->test_start = GUEST_TEST_START;
    if (layout->below_4g) {
        bi->ranges[bi->nr_ranges].start = 0;
        bi->ranges[bi->nr_ranges++].size = layout->below_4g;
    }
    if (layout->above_4g) {
        bi->ranges[bi->nr_ranges].start = X86_ABOVE_4G_BASE;
        bi->ranges[bi->nr_ranges++].size = layout->above_4g;
    }
    return g_bytes_new_take(bi, sizeof(*bi));
}

static bool prepare_builtin(X86Boot *boot, const X86RamLayout *layout,
                            const char *append, Error **errp)
{
    X86BuiltinOpts opts;

    /* The image must end below the tested area (a build-time fact). */
    g_assert(GUEST_LOAD_ADDR + qemu_guest_blob_size <= GUEST_TEST_START);
    if (!x86_builtin_parse_opts(append, &opts, errp)) {
        return false;
    }
    if (layout->below_4g < GUEST_TEST_START + GUEST_KNOWN_SIZE) {
        error_setg(errp, "the built-in guest needs more than %llu MiB of "
                   "RAM", GUEST_TEST_START >> 20);
        return false;
    }
    if (!add_common_tables(boot, layout, errp)) {
        return false;
    }
    add_blob(boot, "guest-info", GUEST_INFO_ADDR,
             build_guest_info(layout, boot->ncpus, &opts));
    add_blob(boot, "builtin-guest", GUEST_LOAD_ADDR,
             g_bytes_new_static(qemu_guest_blob, qemu_guest_blob_size));
    boot->kind = X86_BOOT_BUILTIN;
    boot->nstart = boot->ncpus;
    for (unsigned i = 0; i < boot->ncpus; i++) {
        X86BootState *st = &boot->cpu[i];

        x86_long_mode_state(st, GUEST_PT_ADDR, GUEST_LOAD_ADDR,
                            cpu_stack_top(i));
        st->rdi = i;
        st->rsi = GUEST_INFO_ADDR;
    }
    return true;
}

/*
 * Common tail of the Linux loaders: @bp is a boot_params page holding the
 * kernel's setup header (from the bzImage, or synthesized for a vmlinux);
 * add the command line, e820, initrd, page tables and the BSP state.
 * The kernel image itself is the caller's blob.
 */
static bool linux_boot_finish(X86Boot *boot, const X86RamLayout *layout,
                              uint8_t *bp, uint64_t kernel_end,
                              uint64_t entry, const char *initrd,
                              const char *append, Error **errp)
{
    size_t cmdline_len = append ? strlen(append) : 0;
    uint32_t cmdline_max = ld32(bp + CMDLINE_SIZE);
    E820Entry e820[BP_E820_MAX];
    unsigned ne820;

    if (cmdline_len > cmdline_max || cmdline_len >= GUEST_CMDLINE_MAX) {
        error_setg(errp, "kernel command line too long (%zu bytes, the "
                   "kernel accepts %u)", cmdline_len,
                   MIN(cmdline_max, (uint32_t)GUEST_CMDLINE_MAX - 1));
        return false;
    }
    bp[TYPE_OF_LOADER] = 0xff;
    bp[LOADFLAGS] |= LOADED_HIGH | CAN_USE_HEAP;
    st32(bp + CMD_LINE_PTR, GUEST_CMDLINE_ADDR);
    st32(bp + BP_EXT_CMD_LINE_PTR, 0);
    ne820 = x86_build_e820(layout, e820, BP_E820_MAX);
    bp[BP_E820_ENTRIES] = ne820;
    memcpy(bp + BP_E820_TABLE, e820, ne820 * sizeof(E820Entry));

    if (initrd) {
        uint8_t *idata;
        size_t ilen;
        int ret = read_whole_file(initrd, &idata, &ilen);
        uint64_t initrd_max, initrd_addr;

        if (ret < 0) {
            error_setg(errp, "error reading initrd %s: %s", initrd,
                       g_strerror(-ret));
            return false;
        }
        initrd_max = MIN((uint64_t)ld32(bp + INITRD_ADDR_MAX),
                         layout->below_4g - 1);
        if (ilen >= initrd_max || initrd_max - ilen < kernel_end) {
            error_setg(errp, "initrd is too large, cannot support."
                       "(max: %" PRIu64 ", need %zu)",
                       initrd_max > kernel_end ? initrd_max - kernel_end : 0,
                       ilen);
            g_free(idata);
            return false;
        }
        initrd_addr = (initrd_max - ilen) & ~4095ULL;
        st32(bp + RAMDISK_IMAGE, initrd_addr);
        st32(bp + RAMDISK_SIZE, ilen);
        st32(bp + BP_EXT_RAMDISK_IMAGE, 0);
        st32(bp + BP_EXT_RAMDISK_SIZE, 0);
        add_blob(boot, "initrd", initrd_addr, g_bytes_new_take(idata, ilen));
    }

    if (!add_common_tables(boot, layout, errp)) {
        return false;
    }
    add_blob(boot, "cmdline", GUEST_CMDLINE_ADDR,
             g_bytes_new(append ? append : "", cmdline_len + 1));
    add_blob(boot, "boot_params", GUEST_BOOT_PARAMS_ADDR,
             g_bytes_new(bp, 4096));
    boot->kind = X86_BOOT_LINUX;
    /* The APs wait for the kernel's INIT/SIPI. */
    boot->nstart = 1;
    x86_long_mode_state(&boot->cpu[0], GUEST_PT_ADDR, entry,
                        cpu_stack_top(0));
    boot->cpu[0].rsi = GUEST_BOOT_PARAMS_ADDR;
    return true;
}

/* True if the ELF carries a note named "Linux": a vmlinux. */
static bool elf_is_linux(const uint8_t *data, size_t len,
                         const Elf64_Ehdr *eh)
{
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        uint64_t off, end;

        memcpy(&ph, data + eh->e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_NOTE || ph.p_offset > len ||
            ph.p_filesz > len - ph.p_offset) {
            continue;
        }
        off = ph.p_offset;
        end = ph.p_offset + ph.p_filesz;
        while (off + sizeof(Elf64_Nhdr) <= end) {
            Elf64_Nhdr nh;
            uint64_t name = off + sizeof(nh);

            memcpy(&nh, data + off, sizeof(nh));
            if (name + nh.n_namesz > end) {
                break;
            }
            if (nh.n_namesz == 6 && !memcmp(data + name, "Linux", 6)) {
                return true;
            }
            off = name + QEMU_ALIGN_UP((uint64_t)nh.n_namesz, 4) +
                  QEMU_ALIGN_UP((uint64_t)nh.n_descsz, 4);
        }
    }
    return false;
}

static bool prepare_elf(X86Boot *boot, const X86RamLayout *layout,
                        const char *kernel, const uint8_t *data, size_t len,
                        const char *initrd, const char *append,
                        Error **errp)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    X86BuiltinOpts opts = { .seed = GUEST_DEFAULT_SEED };
    unsigned loaded = 0;
    uint64_t kernel_end = 0;
    bool linux_elf;

    if (len < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64 ||
        eh->e_type != ET_EXEC) {
        error_setg(errp, "could not load kernel '%s': not an ELF64 x86-64 "
                   "executable", kernel);
        return false;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > len ||
        (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff) {
        error_setg(errp, "could not load kernel '%s': truncated ELF program "
                   "headers", kernel);
        return false;
    }
    linux_elf = elf_is_linux(data, len, eh);
    if (initrd && !linux_elf) {
        error_setg(errp, "could not load kernel '%s': -initrd needs a "
                   "Linux kernel", kernel);
        return false;
    }
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;

        memcpy(&ph, data + eh->e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_LOAD || !ph.p_memsz) {
            continue;
        }
        if (ph.p_filesz > ph.p_memsz || ph.p_offset > len ||
            ph.p_filesz > len - ph.p_offset) {
            error_setg(errp, "could not load kernel '%s': segment %u exceeds "
                       "the file", kernel, i);
            return false;
        }
        if (!range_is_ram(layout, ph.p_paddr, ph.p_memsz) ||
            ph.p_paddr < GUEST_LOAD_ADDR) {
            error_setg(errp, "could not load kernel '%s': segment %u at "
                       "0x%" PRIx64 "+0x%" PRIx64 " is not in guest RAM "
                       "above 1 MiB", kernel, i, (uint64_t)ph.p_paddr,
                       (uint64_t)ph.p_memsz);
            return false;
        }
        if (ph.p_filesz == ph.p_memsz) {
            add_blob(boot, "elf-segment", ph.p_paddr,
                     g_bytes_new(data + ph.p_offset, ph.p_filesz));
        } else {
            uint8_t *seg = g_malloc0(ph.p_memsz);

            memcpy(seg, data + ph.p_offset, ph.p_filesz);
            add_blob(boot, "elf-segment", ph.p_paddr,
                     g_bytes_new_take(seg, ph.p_memsz));
        }
        kernel_end = MAX(kernel_end, ph.p_paddr + ph.p_memsz);
        loaded++;
    }
    if (!loaded) {
        error_setg(errp, "could not load kernel '%s': no loadable segment",
                   kernel);
        return false;
    }
    if (linux_elf) {
        /*
         * An uncompressed vmlinux: enter startup_64 directly through the
         * 64-bit boot protocol with a boot_params we synthesize (there is
         * no setup header in the file).  Skips the bzImage decompressor,
         * which matters where ring-0 code is emulated.
         */
        g_autofree uint8_t *bp = g_malloc0(4096);

        st16(bp + BOOT_FLAG, 0xaa55);
        memcpy(bp + SETUP_HDR_MAGIC, "HdrS", 4);
        st16(bp + SETUP_VERSION, 0x020f);
        st32(bp + CODE32_START, eh->e_entry);
        st32(bp + INITRD_ADDR_MAX, 0x7fffffff);
        st32(bp + KERNEL_ALIGNMENT, 0x200000);
        st16(bp + XLOADFLAGS, XLF_KERNEL_64);
        st32(bp + CMDLINE_SIZE, 2047);
        st64(bp + PREF_ADDRESS, eh->e_entry);
        st32(bp + INIT_SIZE, kernel_end - eh->e_entry);
        return linux_boot_finish(boot, layout, bp, kernel_end, eh->e_entry,
                                 initrd, append, errp);
    }
    if (!add_common_tables(boot, layout, errp)) {
        return false;
    }
    /* ELF guests get the built-in guest's info block and registers. */
    add_blob(boot, "guest-info", GUEST_INFO_ADDR,
             build_guest_info(layout, 1, &opts));
    boot->kind = X86_BOOT_ELF;
    boot->nstart = 1;
    x86_long_mode_state(&boot->cpu[0], GUEST_PT_ADDR, eh->e_entry,
                        cpu_stack_top(0));
    boot->cpu[0].rsi = GUEST_INFO_ADDR;
    return true;
}

static bool prepare_linux(X86Boot *boot, const X86RamLayout *layout,
                          const char *kernel, const uint8_t *data, size_t len,
                          const char *initrd, const char *append,
                          Error **errp)
{
    uint16_t version = ld16(data + SETUP_VERSION);
    unsigned setup_sects = data[SETUP_SECTS] ? data[SETUP_SECTS] : 4;
    size_t setup_size = (setup_sects + 1) * 512;
    size_t hdr_end = SETUP_JUMP + 2 + data[SETUP_JUMP + 1];
    uint64_t load_addr, kernel_end;
    g_autofree uint8_t *bp = g_malloc0(4096);

    if (version < 0x020c || !(ld16(data + XLOADFLAGS) & XLF_KERNEL_64)) {
        error_setg(errp, "could not load kernel '%s': boot protocol %u.%02u "
                   "kernel without 64-bit entry point (need 2.12 with "
                   "XLF_KERNEL_64)", kernel, version >> 8, version & 0xff);
        return false;
    }
    if (len < SETUP_HDR_MIN_END || setup_size >= len || hdr_end > 4096 ||
        hdr_end > len) {
        error_setg(errp, "could not load kernel '%s': truncated bzImage",
                   kernel);
        return false;
    }
    load_addr = ld64(data + PREF_ADDRESS);
    if (!load_addr) {
        load_addr = 0x100000;
    }
    kernel_end = load_addr + MAX((uint64_t)ld32(data + INIT_SIZE),
                                 len - setup_size);
    if (kernel_end > layout->below_4g) {
        error_setg(errp, "could not load kernel '%s': it needs RAM up to "
                   "0x%" PRIx64 " but RAM below 4 GiB ends at 0x%" PRIx64,
                   kernel, kernel_end, layout->below_4g);
        return false;
    }

    /* boot_params starts as the kernel's own setup header */
    memcpy(bp + SETUP_SECTS, data + SETUP_SECTS, hdr_end - SETUP_SECTS);
    st32(bp + CODE32_START, load_addr);
    if (!linux_boot_finish(boot, layout, bp, kernel_end, load_addr + 0x200,
                           initrd, append, errp)) {
        return false;
    }
    add_blob(boot, "kernel", load_addr,
             g_bytes_new(data + setup_size, len - setup_size));
    return true;
}

bool x86_boot_prepare(X86Boot *boot, const X86RamLayout *layout,
                      unsigned ncpus, const char *kernel, const char *initrd,
                      const char *append, Error **errp)
{
    g_autofree uint8_t *data = NULL;
    size_t len = 0;
    bool ok;
    int ret;

    memset(boot, 0, sizeof(*boot));
    boot->blobs = g_ptr_array_new_with_free_func(blob_free);
    boot->ncpus = MIN(ncpus, (unsigned)ARRAY_SIZE(boot->cpu));

    if (!kernel) {
        if (initrd) {
            error_setg(errp, "-initrd only allowed with -kernel option");
            return false;
        }
        return prepare_builtin(boot, layout, append, errp);
    }
    ret = read_whole_file(kernel, &data, &len);
    if (ret < 0) {
        /* QEMU's load_linux() prints this one with "qemu: " itself. */
        error_setg(errp, "could not open kernel file '%s': %s", kernel,
                   g_strerror(-ret));
        error_set_report_prefix(errp, "qemu");
        return false;
    }
    if (len >= SETUP_HDR_MIN_END &&
        !memcmp(data + SETUP_HDR_MAGIC, "HdrS", 4)) {
        ok = prepare_linux(boot, layout, kernel, data, len, initrd, append,
                           errp);
    } else if (len >= SELFMAG && !memcmp(data, ELFMAG, SELFMAG)) {
        ok = prepare_elf(boot, layout, kernel, data, len, initrd, append,
                         errp);
    } else {
        error_setg(errp, "could not load kernel '%s': not a Linux bzImage "
                   "(no \"HdrS\" setup header) nor an ELF64 executable",
                   kernel);
        return false;
    }
    return ok;
}

void x86_boot_prepare_firmware(X86Boot *boot, unsigned ncpus)
{
    X86BootState *st = &boot->cpu[0];

    memset(boot, 0, sizeof(*boot));
    boot->kind = X86_BOOT_FIRMWARE;
    /* empty, but present: every reset puts vCPU 0 back at the vector */
    boot->blobs = g_ptr_array_new_with_free_func(blob_free);
    boot->ncpus = MIN(ncpus, (unsigned)ARRAY_SIZE(boot->cpu));
    boot->nstart = 1;
    st->cs = 0xf000;
    st->cs_base = 0xffff0000;
    st->rip = 0xfff0;
    st->cr0 = 0x60000010;      /* CD | NW | ET, as after RESET */
    st->gdt_limit = 0xffff;
    st->rflags = 0x2;
}

bool x86_boot_load(X86Boot *boot, Error **errp)
{
    for (guint i = 0; boot->blobs && i < boot->blobs->len; i++) {
        X86BootBlob *b = g_ptr_array_index(boot->blobs, i);
        gsize len;
        const void *p = g_bytes_get_data(b->data, &len);

        /*
         * A confidential guest first makes the range something the host
         * may write; a page that is still private is never touched.
         */
        if (!confidential_guest_prepare_load(b->gpa, len, errp) ||
            !ram_block_attributes_check_host_access(b->gpa, len, errp)) {
            error_prepend(errp, "cannot load %s: ", b->name);
            return false;
        }
        address_space_write(&address_space_memory, b->gpa, p, len);
    }
    for (unsigned i = 0; i < boot->nstart; i++) {
        x86_cpu_set_boot_state(i, &boot->cpu[i]);
    }
    return true;
}

void x86_boot_cleanup(X86Boot *boot)
{
    if (boot->blobs) {
        g_ptr_array_free(boot->blobs, true);
        boot->blobs = NULL;
    }
}
