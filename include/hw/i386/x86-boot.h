/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Booting x86 guests directly in long mode: the built-in guest, a Linux
 * bzImage (x86 boot protocol, 64-bit entry) or an ELF64 image, with the
 * identity page tables, GDT and e820 map the VMM builds in guest RAM.
 */
#ifndef HW_I386_X86_BOOT_H
#define HW_I386_X86_BOOT_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/i386/x86-cpu.h"

/* Guest RAM: [0, below_4g) and [4 GiB, 4 GiB + above_4g). */
typedef struct X86RamLayout {
    uint64_t below_4g;
    uint64_t above_4g;
} X86RamLayout;

#define X86_ABOVE_4G_BASE (4ULL << 30)

/* e820 entry as in boot_params (20 bytes, packed) */
#define E820_RAM        1
#define E820_RESERVED   2
typedef struct __attribute__((packed)) E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} E820Entry;

/* Bytes copied into guest RAM at machine init and again on every reset. */
typedef struct X86BootBlob {
    hwaddr gpa;
    GBytes *data;
    char *name;
} X86BootBlob;

typedef enum X86BootKind {
    X86_BOOT_BUILTIN,    /* the embedded memory tester */
    X86_BOOT_LINUX,      /* bzImage */
    X86_BOOT_ELF,        /* ELF64 executable */
    X86_BOOT_FIRMWARE,   /* -bios: the BSP at the reset vector */
} X86BootKind;

typedef struct X86Boot {
    X86BootKind kind;
    GPtrArray *blobs;          /* X86BootBlob * */
    unsigned ncpus;
    /* vCPUs [0, nstart) get a boot state; the others wait for a SIPI */
    unsigned nstart;
    X86BootState cpu[8];
} X86Boot;

/* Options of the built-in guest, from -append: "halt", "seed=N". */
typedef struct X86BuiltinOpts {
    bool halt;
    bool convert;       /* the conversion test (pc-bios/guest/convert.c) */
    uint64_t seed;
} X86BuiltinOpts;

bool x86_builtin_parse_opts(const char *append, X86BuiltinOpts *opts,
                            Error **errp);

/*
 * Decide what to boot (@kernel NULL: the built-in guest) and prepare the
 * blobs and vCPU states.  Errors: "could not load kernel '%s': %s",
 * "could not load initrd '%s': %s", "initrd is too large, cannot support
 * (max: %u, need %u)", ...
 */
bool x86_boot_prepare(X86Boot *boot, const X86RamLayout *layout,
                      unsigned ncpus, const char *kernel, const char *initrd,
                      const char *append, Error **errp);
/*
 * Boot firmware the machine mapped below 4 GiB: nothing is loaded, vCPU 0
 * starts at the architectural reset vector (real mode, CS 0xf000 with
 * base 0xffff0000, IP 0xfff0) and the others wait for INIT/SIPI.
 */
void x86_boot_prepare_firmware(X86Boot *boot, unsigned ncpus);
/* Copy the blobs into guest RAM and hand the vCPU states to the
 * accelerator; at init and on reset. */
/*
 * Write the blobs into guest RAM and hand the vCPUs their boot state.
 * Never writes a private page: the confidential guest may prepare the
 * range (confidential_guest_prepare_load()), and a page still private
 * fails the load ("cannot load NAME: guest memory at 0x... is private").
 */
bool x86_boot_load(X86Boot *boot, Error **errp);
void x86_boot_cleanup(X86Boot *boot);

/* Pieces exposed for unit tests. */
unsigned x86_build_e820(const X86RamLayout *layout, E820Entry *table,
                        unsigned max);
/*
 * Identity map [0, top) with 2 MiB pages: PML4 at @base, then PDPTs and
 * PDs.  Returns the table bytes (caller frees) or NULL when they do not
 * fit in [base, limit).
 */
GBytes *x86_build_page_tables(uint64_t top, hwaddr base, hwaddr limit,
                              Error **errp);
GBytes *x86_build_gdt(void);
/* Long-mode state with CR3 at @pml4, code selector 0x10, data 0x18. */
void x86_long_mode_state(X86BootState *st, hwaddr pml4, uint64_t rip,
                         uint64_t rsp);

extern const uint8_t qemu_guest_blob[];
extern const size_t qemu_guest_blob_size;

#endif
