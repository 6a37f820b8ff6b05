/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The built-in guest: a freestanding memory tester.  Every vCPU writes a
 * position-dependent pattern over its share of the RAM above the guest,
 * reads it back, and the first vCPU reports a checksum on the serial port
 * and ends the VM through isa-debug-exit.  Only port I/O: no interrupts,
 * no exceptions; hypercalls only in the conversion test ("convert" on the
 * command line; see docs/system/builtin-guest.rst).
 */
#include <stdint.h>
#include <stddef.h>
#include "guest-abi.h"

#define COM1 0x3f8

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;

    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/*
 * Console output goes through the UART's 16-byte transmit FIFO: wait for
 * THRE (transmitter empty) once, then hand over up to 16 bytes with one
 * string instruction.  Every port access is a VM exit, so a line costs two
 * exits per 16 bytes instead of two per byte.  Only vCPU 0 prints, so one
 * line buffer is enough; every message ends with a newline, which flushes.
 */
#define UART_TX_FIFO 16

static uint8_t tx_buf[UART_TX_FIFO];
static unsigned tx_len;

static void serial_init(void)
{
    outb(COM1 + 2, 0x07);   /* FCR: enable FIFOs, clear both */
}

static void serial_flush(void)
{
    const uint8_t *p = tx_buf;
    uint64_t n = tx_len;

    if (!n) {
        return;
    }
    /* Poll THRE; bounded so a missing UART can't hang the guest. */
    for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++) {
        __asm__ volatile("pause");
    }
    __asm__ volatile("cld; rep outsb"
                     : "+S"(p), "+c"(n)
                     : "d"((uint16_t)COM1)
                     : "memory");
    tx_len = 0;
}

static void serial_putc(char c)
{
    tx_buf[tx_len++] = (uint8_t)c;
    if (tx_len == UART_TX_FIFO || c == '\n') {
        serial_flush();
    }
}

static void puts_raw(const char *s)
{
    while (*s) {
        if (*s == '\n') {
            serial_putc('\r');
        }
        serial_putc(*s++);
    }
}

static void put_hex(uint64_t v)
{
    char buf[19];

    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 16; i++) {
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
    }
    buf[18] = 0;
    puts_raw(buf);
}

static void put_dec(uint64_t v)
{
    char buf[21];
    int i = 20;

    buf[i] = 0;
    do {
        buf[--i] = '0' + v % 10;
        v /= 10;
    } while (v);
    puts_raw(&buf[i]);
}

static void say(const char *s)
{
    puts_raw("qemu-gmem guest: ");
    puts_raw(s);
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" ::: "memory");
}

/*
 * The tester runs in ring 3 (start.S explains why), where hlt would fault:
 * spin politely instead; the VMM exits or stops us.
 */
static void halt_forever(void)
{
    for (;;) {
        __asm__ volatile("pause");
    }
}

static uint64_t tested_bytes(const GuestInfo *bi)
{
    uint64_t total = 0;

    for (uint64_t r = 0; r < bi->nr_ranges; r++) {
        uint64_t s = bi->ranges[r].start, e = s + bi->ranges[r].size;

        if (s < bi->test_start) {
            s = bi->test_start;
        }
        if (e > s) {
            total += e - s;
        }
    }
    return total;
}

/*
 * Apply @fn to the guest-physical piece [lin, lin + len) of the tested
 * area, where linear offsets run through the RAM ranges in order.
 */
typedef void PieceFn(GuestInfo *bi, unsigned cpu, uint64_t gpa, uint64_t len,
                     int pass);

static void for_each_piece(GuestInfo *bi, unsigned cpu, uint64_t lin,
                           uint64_t len, int pass, PieceFn *fn)
{
    for (uint64_t r = 0; r < bi->nr_ranges && len; r++) {
        uint64_t s = bi->ranges[r].start, e = s + bi->ranges[r].size;
        uint64_t n;

        if (s < bi->test_start) {
            s = bi->test_start;
        }
        if (e <= s) {
            continue;
        }
        if (lin >= e - s) {
            lin -= e - s;
            continue;
        }
        n = e - s - lin;
        if (n > len) {
            n = len;
        }
        fn(bi, cpu, s + lin, n, pass);
        len -= n;
        lin = 0;
    }
}

#define PROGRESS_CHUNK (256ULL << 20)

static void piece_work(GuestInfo *bi, unsigned cpu, uint64_t gpa,
                       uint64_t len, int pass)
{
    const uint64_t seed = bi->seed;
    volatile uint64_t *p;
    uint64_t end = gpa + len;

    /* Chunks keep progress lines flowing from vCPU 0 on big RAM. */
    while (gpa < end) {
        uint64_t cend = end - gpa > PROGRESS_CHUNK ? gpa + PROGRESS_CHUNK
                                                   : end;

        p = (volatile uint64_t *)gpa;
        if (pass == 0) {
            for (uint64_t a = gpa; a < cend; a += 8) {
                *p++ = guest_pattern(a, seed);
            }
        } else {
            uint64_t sum = 0, errors = 0;

            for (uint64_t a = gpa; a < cend; a += 8) {
                uint64_t v = *p++;

                sum += v;
                if (__builtin_expect(v != guest_pattern(a, seed), 0)) {
                    if (!errors && !bi->errors[cpu]) {
                        bi->first_bad[cpu] = a;
                    }
                    errors++;
                }
            }
            bi->sum[cpu] += sum;
            bi->errors[cpu] += errors;
        }
        bi->bytes[cpu] += cend - gpa;
        if (cpu == 0 && cend != end) {
            say(pass == 0 ? "written " : "verified ");
            put_dec(bi->bytes[0] >> 20);
            puts_raw(" MiB\n");
        }
        gpa = cend;
    }
}


/* ---- the conversion test (ring 0) ---- */

#define KVM_HC_MAP_GPA_RANGE        12
#define MAP_GPA_RANGE_PAGE_SZ_2M    1
#define MAP_GPA_RANGE_ENCRYPTED     (1ULL << 4)
/* the host has minutes under nested emulation; a spin bound, not a timer */
#define CONVERT_WAIT_SPINS          (1ULL << 36)

static int use_vmmcall = -1;

/* KVM's hypercall: AMD decodes vmmcall, Intel vmcall (by CPUID vendor). */
static int64_t map_gpa_range(uint64_t gpa, uint64_t npages, uint64_t attrs)
{
    uint64_t ret = KVM_HC_MAP_GPA_RANGE;

    if (use_vmmcall < 0) {
        uint32_t a = 0, b, c, d;

        __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
        use_vmmcall = b == 0x68747541;    /* "Auth"enticAMD */
    }
    if (use_vmmcall) {
        __asm__ volatile("vmmcall" : "+a"(ret)
                         : "b"(gpa), "c"(npages), "d"(attrs) : "memory");
    } else {
        __asm__ volatile("vmcall" : "+a"(ret)
                         : "b"(gpa), "c"(npages), "d"(attrs) : "memory");
    }
    return (int64_t)ret;
}

typedef enum { FILL_PRIVATE, FILL_SHARED } FillKind;

static uint64_t fill_word(FillKind k, uint64_t a, uint64_t seed)
{
    return k == FILL_PRIVATE ? guest_private_word(a, seed)
                             : guest_shared_word(a, seed);
}

static void conv_fill(uint64_t base, FillKind k, uint64_t seed)
{
    volatile uint64_t *p = (volatile uint64_t *)base;

    for (uint64_t a = base; a < base + GUEST_CONVERT_SIZE; a += 8) {
        *p++ = fill_word(k, a, seed);
    }
}

/* Count the words of the region that differ from @k's (or zero, k < 0). */
static uint64_t conv_check(GuestInfo *bi, unsigned cpu, uint64_t base,
                           int k)
{
    volatile uint64_t *p = (volatile uint64_t *)base;
    uint64_t bad = 0;

    for (uint64_t a = base; a < base + GUEST_CONVERT_SIZE; a += 8) {
        uint64_t want = k < 0 ? 0 : fill_word((FillKind)k, a, bi->seed);

        if (*p++ != want) {
            if (!bad && !bi->conv_errors[cpu]) {
                bi->conv_first_bad[cpu] = a;
            }
            bad++;
        }
    }
    return bad;
}

static void conv_expect(GuestInfo *bi, unsigned cpu, int64_t got,
                        int want_ok)
{
    if ((got == 0) != want_ok) {
        if (!bi->conv_errors[cpu]) {
            bi->conv_first_bad[cpu] = 1;   /* not an address: a hypercall */
        }
        bi->conv_errors[cpu]++;
    }
}

/*
 * What the legacy model promises, on this vCPU's region, which is private
 * when we start: private data reads back; to shared, the guest sees the
 * shared copy (zero: nothing ever wrote it); the host sees what the guest
 * writes there and answers through it; back to private, the private copy
 * was dropped at the first conversion (zero); to shared again, the shared
 * copy was dropped at the second one (zero again).  A bad request fails
 * back to us and changes nothing.
 */
static void convert_test(GuestInfo *bi, unsigned cpu)
{
    uint64_t base = GUEST_CONVERT_BASE + cpu * GUEST_CONVERT_STRIDE;
    uint64_t npages = GUEST_CONVERT_SIZE >> 12;
    volatile uint64_t *go = (volatile uint64_t *)base;
    uint64_t spins = 0;

    conv_fill(base, FILL_PRIVATE, bi->seed);
    bi->conv_errors[cpu] += conv_check(bi, cpu, base, FILL_PRIVATE);

    conv_expect(bi, cpu, map_gpa_range(base, npages, 0), 1);
    bi->conv_errors[cpu] += conv_check(bi, cpu, base, -1);
    conv_fill(base, FILL_SHARED, bi->seed);

    __atomic_fetch_add(&bi->conv_waiting, 1, __ATOMIC_SEQ_CST);
    if (cpu == 0) {
        while (__atomic_load_n(&bi->conv_waiting, __ATOMIC_SEQ_CST) <
               bi->cpu_count && ++spins < CONVERT_WAIT_SPINS) {
            cpu_relax();
        }
        say("convert: regions shared, waiting for the host\n");
    }
    while (*go != GUEST_CONVERT_GO && ++spins < CONVERT_WAIT_SPINS) {
        cpu_relax();
    }
    conv_expect(bi, cpu, *go == GUEST_CONVERT_GO ? 0 : -1, 1);

    conv_expect(bi, cpu, map_gpa_range(base, npages,
                                       MAP_GPA_RANGE_ENCRYPTED |
                                       MAP_GPA_RANGE_PAGE_SZ_2M), 1);
    bi->conv_errors[cpu] += conv_check(bi, cpu, base, -1);
    conv_fill(base, FILL_PRIVATE, bi->seed);
    bi->conv_errors[cpu] += conv_check(bi, cpu, base, FILL_PRIVATE);

    conv_expect(bi, cpu, map_gpa_range(base, npages, 0), 1);
    bi->conv_errors[cpu] += conv_check(bi, cpu, base, -1);

    /* unaligned, and reserved attribute bits: refused, region unchanged */
    conv_expect(bi, cpu, map_gpa_range(base + 8, 1, MAP_GPA_RANGE_ENCRYPTED),
                0);
    conv_expect(bi, cpu, map_gpa_range(base, 1, 1ULL << 40), 0);
    bi->conv_errors[cpu] += conv_check(bi, cpu, base, -1);
}

/* vCPU 0: wait for the others at each step, report, end the VM. */
static void convert_report(GuestInfo *bi, uint64_t n)
{
    uint64_t errors = 0;

    bi->conv_start = 1;
    convert_test(bi, 0);
    while (__atomic_load_n(&bi->conv_done, __ATOMIC_SEQ_CST) < n - 1) {
        cpu_relax();
    }
    for (uint64_t i = 0; i < n; i++) {
        if (bi->conv_errors[i]) {
            if (!errors) {
                say("convert: first bad word at ");
                put_hex(bi->conv_first_bad[i]);
                puts_raw(" (vCPU ");
                put_dec(i);
                puts_raw(")\n");
            }
            errors += bi->conv_errors[i];
        }
    }
    if (errors) {
        bi->conv_result = GUEST_CONVERT_FAIL;
        say("convert: FAIL: ");
        put_dec(errors);
        puts_raw(" errors\n");
        outb(GUEST_DEBUG_EXIT_PORT, GUEST_EXIT_FAIL);
        halt_forever();
    }
    bi->conv_result = GUEST_CONVERT_PASS;
    say("convert: round trips done\n");
}

void guest_main(uint64_t cpu, GuestInfo *bi);

void guest_main(uint64_t cpu, GuestInfo *bi)
{
    uint64_t total, lo, hi, n;

    /*
     * Everything below divides by cpu_count and indexes the per-CPU and
     * range arrays: a block we cannot trust must not fault the guest.
     */
    if (bi->magic != GUEST_INFO_MAGIC || cpu >= GUEST_MAX_CPUS ||
        bi->cpu_count == 0 || bi->cpu_count > GUEST_MAX_CPUS ||
        cpu >= bi->cpu_count || bi->nr_ranges > GUEST_MAX_RANGES) {
        if (cpu == 0) {
            say("bad boot info block\n");
            outb(GUEST_DEBUG_EXIT_PORT, GUEST_EXIT_FAIL);
        }
        halt_forever();
    }
    n = bi->cpu_count;
    total = tested_bytes(bi);
    lo = (total / n * cpu) & ~0xfffULL;
    hi = cpu + 1 == n ? total : (total / n * (cpu + 1)) & ~0xfffULL;

    if (cpu == 0) {
        serial_init();
        say("started on ");
        put_dec(n);
        puts_raw(n == 1 ? " vCPU, seed " : " vCPUs, seed ");
        put_hex(bi->seed);
        puts_raw("\n");
        for (uint64_t r = 0; r < bi->nr_ranges; r++) {
            say("RAM ");
            put_hex(bi->ranges[r].start);
            puts_raw("-");
            put_hex(bi->ranges[r].start + bi->ranges[r].size - 1);
            puts_raw("\n");
        }
        say("testing ");
        put_dec(total >> 20);
        puts_raw(" MiB from ");
        put_hex(bi->test_start);
        puts_raw("\n");
    }

    bi->bytes[cpu] = 0;
    for_each_piece(bi, cpu, lo, hi - lo, 0, piece_work);
    if (cpu == 0) {
        /* the first-touch benchmark times the write pass up to here */
        say("pattern written\n");
    }
    bi->bytes[cpu] = 0;
    for_each_piece(bi, cpu, lo, hi - lo, 1, piece_work);

    if (cpu != 0) {
        __atomic_fetch_add(&bi->cpus_done, 1, __ATOMIC_SEQ_CST);
        if (bi->flags & GUEST_FLAG_CONVERT) {
            while (!bi->conv_start) {
                cpu_relax();
            }
            convert_test(bi, cpu);
            __atomic_fetch_add(&bi->conv_done, 1, __ATOMIC_SEQ_CST);
        }
        halt_forever();
    }

    while (__atomic_load_n(&bi->cpus_done, __ATOMIC_SEQ_CST) < n - 1) {
        cpu_relax();
    }

    uint64_t sum = 0, errors = 0;

    for (uint64_t i = 0; i < n; i++) {
        sum += bi->sum[i];
        errors += bi->errors[i];
    }
    say("checksum ");
    put_hex(sum);
    puts_raw("\n");

    if (errors) {
        for (uint64_t i = 0; i < n; i++) {
            if (bi->errors[i]) {
                say("mismatch at ");
                put_hex(bi->first_bad[i]);
                puts_raw("\n");
                break;
            }
        }
        say("FAIL: ");
        put_dec(errors);
        puts_raw(" bad words\n");
        outb(GUEST_DEBUG_EXIT_PORT, GUEST_EXIT_FAIL);
        halt_forever();
    }

    if (bi->known_addr >= bi->test_start && total >= GUEST_KNOWN_SIZE) {
        volatile uint64_t *k = (volatile uint64_t *)bi->known_addr;

        for (uint64_t a = bi->known_addr;
             a < bi->known_addr + GUEST_KNOWN_SIZE; a += 8) {
            *k++ = guest_known_word(a, bi->seed);
        }
        say("known pattern at ");
        put_hex(bi->known_addr);
        puts_raw("\n");
    }
    if (bi->flags & GUEST_FLAG_CONVERT) {
        convert_report(bi, n);
    }
    say("PASS\n");
    if (bi->flags & GUEST_FLAG_HALT) {
        say("halting\n");
        halt_forever();
    }
    /* Without an isa-debug-exit device on port 0xf4 this does nothing and
     * the guest just spins: there is no other way out for it. */
    outb(GUEST_DEBUG_EXIT_PORT, GUEST_EXIT_PASS);
    halt_forever();
}
