/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Contract between the VMM (hw/i386/x86-boot.c), the built-in guest
 * (pc-bios/guest) and the tests that check its work: fixed guest-physical
 * addresses, the boot info block and the memory pattern.  Freestanding:
 * only <stdint.h> types.
 */
#ifndef PC_BIOS_GUEST_ABI_H
#define PC_BIOS_GUEST_ABI_H

#include <stdint.h>

/* Low memory layout used by the VMM when it enters a guest in long mode. */
#define GUEST_GDT_ADDR          0x1000ULL
#define GUEST_INFO_ADDR         0x2000ULL
#define GUEST_BOOT_PARAMS_ADDR  0x7000ULL     /* Linux zero page */
#define GUEST_CMDLINE_ADDR      0x20000ULL    /* Linux command line */
#define GUEST_CMDLINE_MAX       0x10000ULL
#define GUEST_PT_ADDR           0x30000ULL    /* PML4, PDPTs, PDs */
#define GUEST_PT_END            0x90000ULL
#define GUEST_STACK_ADDR        0x90000ULL    /* one stack per vCPU */
#define GUEST_STACK_SIZE        0x2000ULL
#define GUEST_MAX_CPUS          8
#define GUEST_LOAD_ADDR         0x100000ULL   /* the built-in guest's image */
/* First byte the memory test covers: everything above the guest. */
#define GUEST_TEST_START        0x200000ULL
/* The known pattern page (first page of the tested area by default). */
#define GUEST_KNOWN_ADDR        GUEST_TEST_START
#define GUEST_KNOWN_SIZE        0x1000ULL

#define GUEST_INFO_MAGIC        0x464e494d454d4751ULL  /* "QGMEMINF" */
#define GUEST_INFO_VERSION      1
#define GUEST_MAX_RANGES        4

/* flags */
#define GUEST_FLAG_HALT         (1ULL << 0)  /* halt instead of debug-exit */
#define GUEST_FLAG_CONVERT      (1ULL << 1)  /* the conversion test */

/*
 * The conversion test (docs/system/builtin-guest.rst): vCPU i converts the
 * 2 MiB at GUEST_CONVERT_BASE + i * GUEST_CONVERT_STRIDE.  While it waits
 * for the host, the region is shared and holds guest_shared_word(); the
 * host checks it and writes GUEST_CONVERT_GO into the region's first word.
 */
#define GUEST_CONVERT_BASE      0x1000000ULL
#define GUEST_CONVERT_STRIDE    0x400000ULL
#define GUEST_CONVERT_SIZE      0x200000ULL
#define GUEST_CONVERT_GO        0x216f672074736f68ULL  /* "host go!" */

/* debug-exit values written to port 0xf4: status = (v << 1) | 1 */
#define GUEST_DEBUG_EXIT_PORT   0xf4
#define GUEST_EXIT_PASS         0x10         /* exit status 33 */
#define GUEST_EXIT_FAIL         0x11         /* exit status 35 */
#define GUEST_STATUS_PASS       ((GUEST_EXIT_PASS << 1) | 1)
#define GUEST_STATUS_FAIL       ((GUEST_EXIT_FAIL << 1) | 1)

#define GUEST_DEFAULT_SEED      0x5eed0f9e3779b97fULL

typedef struct GuestRamRange {
    uint64_t start;
    uint64_t size;
} GuestRamRange;

/* At GUEST_INFO_ADDR; the pointer also arrives in %rsi, the vCPU index in
 * %rdi.  The VMM fills the first part; the guest uses the rest. */
typedef struct GuestInfo {
    uint64_t magic;
    uint32_t version;
    uint32_t cpu_count;
    uint64_t flags;
    uint64_t seed;
    uint64_t known_addr;
    uint64_t test_start;
    uint64_t nr_ranges;
    GuestRamRange ranges[GUEST_MAX_RANGES];   /* all guest RAM, ascending */
    /* written by the guest */
    volatile uint64_t cpus_done;
    volatile uint64_t sum[GUEST_MAX_CPUS];
    volatile uint64_t errors[GUEST_MAX_CPUS];
    volatile uint64_t first_bad[GUEST_MAX_CPUS];
    volatile uint64_t bytes[GUEST_MAX_CPUS];
    /* the conversion test */
    volatile uint64_t conv_start;      /* set by vCPU 0 after the memory test */
    volatile uint64_t conv_waiting;    /* vCPUs waiting for the host */
    volatile uint64_t conv_done;       /* vCPUs other than 0 finished */
    volatile uint64_t conv_errors[GUEST_MAX_CPUS];
    volatile uint64_t conv_first_bad[GUEST_MAX_CPUS];
    volatile uint64_t conv_result;     /* GUEST_CONVERT_PASS / _FAIL */
} GuestInfo;

#define GUEST_CONVERT_PASS      1
#define GUEST_CONVERT_FAIL      2

/* The 64-bit word the test leaves at guest-physical address @gpa
 * (8-byte aligned). */
static inline uint64_t guest_pattern(uint64_t gpa, uint64_t seed)
{
    return (gpa ^ seed) * 0x9e3779b97f4a7c15ULL;
}

/* Words of the known page hold the complement: they are written after the
 * verification pass, so finding them proves the host sees the last write. */
static inline uint64_t guest_known_word(uint64_t gpa, uint64_t seed)
{
    return ~guest_pattern(gpa, seed);
}

/* What the conversion test writes into private and into shared pages:
 * distinct from each other, from zero and from the memory pattern. */
static inline uint64_t guest_private_word(uint64_t gpa, uint64_t seed)
{
    return guest_pattern(gpa, seed) ^ 0x2145544156495250ULL;  /* PRIVATE! */
}

static inline uint64_t guest_shared_word(uint64_t gpa, uint64_t seed)
{
    return guest_pattern(gpa, seed) ^ 0x2121444552414853ULL;  /* SHARED!! */
}

#endif
