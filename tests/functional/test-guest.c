/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The built-in guest on real KVM: every memory backend type with 1 vCPU
 * at 256 MiB and with 2 vCPUs across the 4 GiB hole, checked by exit status
 * and the checksum it prints; plus guests that crash and kernels that
 * cannot be loaded.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <elf.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include "tests/qtest/libqtest.h"
#include "pc-bios/guest/guest-abi.h"

#define MiB ((guint64)1 << 20)
#define GiB ((guint64)1 << 30)
#define LOWMEM_MAX (3 * GiB)
/* RAM above 4 GiB in the cases that cross the hole */
#define ABOVE_4G_SIZE (64 * MiB)

typedef struct GuestCase {
    const char *backend;   /* QOM type */
    const char *extra;     /* extra backend properties, or "" */
    bool gmem;             /* needs guest_memfd */
    bool file;             /* needs a mem-path */
    unsigned cpus;
    uint64_t size;
} GuestCase;

static char *tmpdir;

/*
 * The guest's memory test writes, at every 8-byte aligned guest-physical
 * address a it covers, the word (a XOR seed) * PATTERN_MUL mod 2^64 and
 * reports the sum of those words.  The expected sum is derived here from
 * that definition by counting bits, not by calling the guest's pattern
 * function or looping over the words: a change to the guest's pattern, to
 * the ranges it covers or to its summing shows up as a mismatch.
 */
#define PATTERN_MUL 0x9e3779b97f4a7c15ULL

/* How many x in [0, n) have bit k set. */
static uint64_t ones_below(uint64_t n, unsigned k)
{
    uint64_t period = (uint64_t)1 << (k + 1);
    uint64_t half = (uint64_t)1 << k;
    uint64_t rest = n % period;

    return (n / period) * half + (rest > half ? rest - half : 0);
}

/* Sum mod 2^64 of (a XOR seed) over a = lo, lo + 8, ... < hi (8-aligned). */
static uint64_t xor_sum(uint64_t lo, uint64_t hi, uint64_t seed)
{
    uint64_t n = (hi - lo) / 8;
    uint64_t sum = 0;

    for (unsigned b = 0; b < 64; b++) {
        /* the low three bits of an aligned address are 0 */
        uint64_t set = b < 3 ? 0 : ones_below(hi / 8, b - 3) -
                                   ones_below(lo / 8, b - 3);

        if (seed & ((uint64_t)1 << b)) {
            set = n - set;
        }
        sum += set << b;
    }
    return sum;
}

static uint64_t expected_checksum(uint64_t size, uint64_t seed)
{
    uint64_t below = size < LOWMEM_MAX ? size : LOWMEM_MAX;
    uint64_t above = size - below;

    return (xor_sum(GUEST_TEST_START, below, seed) +
            xor_sum(4 * GiB, 4 * GiB + above, seed)) * PATTERN_MUL;
}

/* The closed form against a plain sum over ranges small enough to loop. */
static void test_checksum_model(void)
{
    static const uint64_t seeds[] = {
        0, GUEST_DEFAULT_SEED, ~0ULL, 0x8, 0x8000000000000000ULL,
    };
    static const uint64_t ranges[][2] = {
        { 0x200000, 0x280000 }, { 0x1f8, 0x2008 },
        { 0xfffff000, 0x100001000 }, { 0x8, 0x10 }, { 0x100, 0x100 },
        { 0xfffffffffff00000ULL, 0xfffffffffffffff8ULL },
    };

    for (unsigned s = 0; s < G_N_ELEMENTS(seeds); s++) {
        for (unsigned r = 0; r < G_N_ELEMENTS(ranges); r++) {
            uint64_t want = 0;

            for (uint64_t a = ranges[r][0]; a < ranges[r][1]; a += 8) {
                want += a ^ seeds[s];
            }
            g_assert_cmphex(xor_sum(ranges[r][0], ranges[r][1], seeds[s]),
                            ==, want);
        }
    }
}

static bool skip_if_missing(bool gmem)
{
    const char *missing = qtest_kvm_missing();

    if (missing) {
        g_test_skip(g_strdup_printf("%s not available: the built-in guest "
                                    "needs KVM", missing));
        return true;
    }
    if (gmem) {
        missing = qtest_guest_memfd_missing();
        if (missing) {
            g_test_skip(g_strdup_printf("%s not available: guest_memfd "
                                        "with mmap", missing));
            return true;
        }
    }
    return false;
}

/* Run the binary on the microvm machine; returns the exit status. */
static int run_microvm(const char *const *extra, char **out, char **err)
{
    GPtrArray *argv = g_ptr_array_new();
    int status;

    g_ptr_array_add(argv, (gpointer)"-M");
    g_ptr_array_add(argv, (gpointer)"microvm");
    g_ptr_array_add(argv, (gpointer)"-accel");
    g_ptr_array_add(argv, (gpointer)"kvm");
    g_ptr_array_add(argv, (gpointer)"-display");
    g_ptr_array_add(argv, (gpointer)"none");
    g_ptr_array_add(argv, (gpointer)"-serial");
    g_ptr_array_add(argv, (gpointer)"stdio");
    g_ptr_array_add(argv, (gpointer)"-device");
    g_ptr_array_add(argv, (gpointer)"isa-debug-exit,iobase=0xf4,iosize=0x04");
    for (int i = 0; extra[i]; i++) {
        g_ptr_array_add(argv, (gpointer)extra[i]);
    }
    g_ptr_array_add(argv, NULL);
    status = qtest_run_binary((const char *const *)argv->pdata, out, err,
                              900);
    g_ptr_array_free(argv, true);
    return status;
}

static void test_builtin(gconstpointer data)
{
    const GuestCase *c = data;
    g_autofree char *mem = g_strdup_printf("%" G_GUINT64_FORMAT "M",
                                           c->size / MiB);
    g_autofree char *smp = g_strdup_printf("%u", c->cpus);
    g_autofree char *path = NULL;
    g_autofree char *obj = NULL;
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *want = NULL;
    int status;

    if (skip_if_missing(c->gmem)) {
        return;
    }
    if (c->file) {
        path = g_build_filename(tmpdir, "guest-ram", NULL);
        obj = g_strdup_printf("%s,id=ram0,size=%s,mem-path=%s%s", c->backend,
                              mem, path, c->extra);
    } else {
        obj = g_strdup_printf("%s,id=ram0,size=%s%s", c->backend, mem,
                              c->extra);
    }
    {
        const char *args[] = {
            "-m", mem, "-smp", smp, "-object", obj,
            "-M", "memory-backend=ram0", NULL
        };

        status = run_microvm(args, &out, &err);
    }
    if (path) {
        g_unlink(path);
    }
    if (status != GUEST_STATUS_PASS) {
        g_printerr("status %d\nstdout:\n%s\nstderr:\n%s\n", status, out, err);
    }
    g_assert_cmpint(status, ==, GUEST_STATUS_PASS);
    want = g_strdup_printf("qemu-gmem guest: checksum 0x%016" G_GINT64_MODIFIER
                           "x", expected_checksum(c->size, GUEST_DEFAULT_SEED));
    g_assert_nonnull(strstr(out, want));
    g_assert_nonnull(strstr(out, "qemu-gmem guest: PASS"));
    if (c->cpus == 1) {
        g_assert_nonnull(strstr(out, "started on 1 vCPU,"));
    } else {
        g_autofree char *s = g_strdup_printf("started on %u vCPUs,",
                                             c->cpus);

        g_assert_nonnull(strstr(out, s));
    }
    if (c->size > LOWMEM_MAX) {
        /* the guest saw and tested RAM above 4 GiB */
        g_assert_nonnull(strstr(out, "RAM 0x0000000100000000-"));
    }
}

/* The seed comes from -append: a different seed, a different checksum. */
static void test_seed(void)
{
    const uint64_t seed = 0x123456789abcdef0ULL;
    g_autofree char *out = NULL, *err = NULL, *want = NULL;
    const char *args[] = {
        "-m", "64M", "-append", "seed=0x123456789abcdef0", NULL
    };
    int status;

    if (skip_if_missing(false)) {
        return;
    }
    status = run_microvm(args, &out, &err);
    g_assert_cmpint(status, ==, GUEST_STATUS_PASS);
    want = g_strdup_printf("checksum 0x%016" G_GINT64_MODIFIER "x",
                           expected_checksum(64 * MiB, seed));
    g_assert_nonnull(strstr(out, want));
    g_assert_cmpuint(expected_checksum(64 * MiB, seed), !=,
                     expected_checksum(64 * MiB, GUEST_DEFAULT_SEED));
}

/* ---- crafted images ---- */

/* An ELF64 executable with @code at 1 MiB. */
static char *write_elf(const char *name, const uint8_t *code, size_t len)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    Elf64_Ehdr eh = { 0 };
    Elf64_Phdr ph = { 0 };
    GByteArray *b = g_byte_array_new();

    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_entry = 0x100000;
    eh.e_phoff = sizeof(eh);
    eh.e_ehsize = sizeof(eh);
    eh.e_phentsize = sizeof(ph);
    eh.e_phnum = 1;
    ph.p_type = PT_LOAD;
    ph.p_flags = PF_R | PF_X;
    ph.p_offset = sizeof(eh) + sizeof(ph);
    ph.p_vaddr = ph.p_paddr = 0x100000;
    ph.p_filesz = ph.p_memsz = len;
    g_byte_array_append(b, (guint8 *)&eh, sizeof(eh));
    g_byte_array_append(b, (guint8 *)&ph, sizeof(ph));
    g_byte_array_append(b, code, len);
    g_assert_true(g_file_set_contents(path, (char *)b->data, b->len, NULL));
    g_byte_array_free(b, true);
    return path;
}

/* A minimal bzImage: setup header of boot protocol 2.15 with a 64-bit
 * entry, and a "kernel" that would spin. */
static char *write_bzimage(const char *name, uint32_t initrd_addr_max)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    size_t len = 5 * 512 + 4096;
    uint8_t *k = g_malloc0(len);

    k[0x1f1] = 4;                       /* setup_sects */
    k[0x1fe] = 0x55;
    k[0x1ff] = 0xaa;
    k[0x200] = 0xeb;                    /* jump over the header */
    k[0x201] = 0x66;
    memcpy(k + 0x202, "HdrS", 4);
    k[0x206] = 0x0f;                    /* version 2.15 */
    k[0x207] = 0x02;
    memcpy(k + 0x22c, &initrd_addr_max, 4);
    k[0x236] = 0x01;                    /* XLF_KERNEL_64 */
    k[0x238] = 0xff;                    /* cmdline_size 255 */
    k[0x259] = 0x00;
    k[0x25b] = 0x01;                    /* pref_address 0x1000000 */
    k[0x261] = 0x10;                    /* init_size 0x1000 */
    k[5 * 512 + 0x200] = 0xeb;          /* startup_64: jmp . */
    k[5 * 512 + 0x201] = 0xfe;
    g_assert_true(g_file_set_contents(path, (char *)k, len, NULL));
    g_free(k);
    return path;
}

static void test_triple_fault(void)
{
    /* ud2 with no IDT: #UD cannot be delivered -> triple fault */
    static const uint8_t code[] = { 0x0f, 0x0b };
    g_autofree char *elf = NULL;
    g_autofree char *out = NULL, *err = NULL;
    int status;

    if (skip_if_missing(false)) {
        return;
    }
    elf = write_elf("ud2.elf", code, sizeof(code));
    {
        const char *args[] = { "-m", "64M", "-kernel", elf, "-no-reboot",
                               NULL };

        status = run_microvm(args, &out, &err);
    }
    g_unlink(elf);
    /* -no-reboot: an error, the registers, and the cause as the last line */
    g_assert_cmpint(status, ==, 1);
    g_assert_cmpstr(out, ==, "");
    g_assert_true(g_str_has_prefix(err, "vCPU 0 registers:\n"));
    g_assert_nonnull(strstr(err, "\nRIP=0000000000100000 "));
    g_assert_nonnull(strstr(err, "\nIDT=     0000000000000000 00000000\n"));
    g_assert_true(g_str_has_suffix(err, "\nqemu-system-x86_64: vCPU 0: "
                                   "triple fault (KVM_EXIT_SHUTDOWN)\n"));
}

static void test_emulation_failure(void)
{
    /*
     * popcnt in ring 0: kvm_pvm emulates supervisor code and its emulator
     * lacks popcnt; hardware KVM runs it and then fails to fetch
     * instructions from the MMIO hole.  Either way: emulation failure.
     */
    static const uint8_t code[] = {
        0xf3, 0x0f, 0xb8, 0xc0,                     /* popcnt %eax,%eax */
        0x48, 0xb8, 0x00, 0x00, 0x00, 0xd0, 0x00, 0x00, 0x00, 0x00,
        0xff, 0xe0,                                 /* jmp *%rax */
    };
    g_autofree char *elf = NULL;
    g_autofree char *out = NULL, *err = NULL;
    int status;

    if (skip_if_missing(false)) {
        return;
    }
    elf = write_elf("mmio-fetch.elf", code, sizeof(code));
    {
        const char *args[] = { "-m", "64M", "-kernel", elf, "-no-reboot",
                               NULL };

        status = run_microvm(args, &out, &err);
    }
    g_test_message("emulation failure: status %d, stderr: %s", status, err);
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "KVM internal error"));
    /* the register dump shows where it happened */
    g_assert_nonnull(strstr(err, "RIP="));
    g_unlink(elf);
}

/* Port 0x64 <- 0xfe resets: the image is reloaded and runs again, unless
 * -no-reboot turns the reset into a clean shutdown. */
static void test_reset_port(void)
{
    static const uint8_t code[] = {
        0x66, 0xba, 0xf8, 0x03,         /* mov $0x3f8, %dx */
        0xb0, 'R',                      /* mov $'R', %al */
        0xee,                           /* out %al, (%dx) */
        0xb0, 0xfe,                     /* mov $0xfe, %al */
        0xe6, 0x64,                     /* out %al, $0x64 */
        0xeb, 0xfe,                     /* jmp . */
    };
    g_autofree char *elf = NULL;
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *out2 = NULL, *serial = NULL;
    QTestState *qts;
    gsize len;
    int status;

    if (skip_if_missing(false)) {
        return;
    }
    elf = write_elf("reset.elf", code, sizeof(code));
    {
        const char *args[] = { "-m", "64M", "-kernel", elf, "-no-reboot",
                               NULL };

        status = run_microvm(args, &out, &err);
    }
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpstr(out, ==, "R");
    g_assert_cmpstr(err, ==, "");
    /*
     * Without -no-reboot every reset reloads the image.  Counted by the
     * RESET events QMP sends, not by how much output a time window holds:
     * after the second event the image has run at least twice, and every
     * run printed exactly one 'R' before resetting.
     */
    serial = g_build_filename(tmpdir, "reset-serial", NULL);
    qts = qtest_initf("-M microvm -accel kvm -m 64M -kernel %s "
                      "-serial file:%s", elf, serial);
    for (int i = 0; i < 2; i++) {
        json_t *ev = qtest_qmp_eventwait(qts, "RESET");
        json_t *data = json_object_get(ev, "data");

        g_assert_true(json_is_true(json_object_get(data, "guest")));
        g_assert_cmpstr(json_string_value(json_object_get(data, "reason")),
                        ==, "guest-reset");
        json_decref(ev);
    }
    qtest_quit(qts);
    g_assert_true(g_file_get_contents(serial, &out2, &len, NULL));
    g_assert_cmpuint(len, >=, 2);
    g_assert_cmpuint(strspn(out2, "R"), ==, len);
    g_unlink(serial);
    g_unlink(elf);
}

static void expect_error(const char *const *args, const char *msg)
{
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *want = g_strdup_printf("qemu-system-x86_64: %s\n", msg);
    int status = run_microvm(args, &out, &err);

    if (!strstr(err, want)) {
        g_printerr("want: %sgot: %s", want, err);
    }
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, want));
}

static void test_kernel_errors(void)
{
    g_autofree char *missing = g_build_filename(tmpdir, "no-such-kernel",
                                                NULL);
    g_autofree char *text = g_build_filename(tmpdir, "not-a-kernel.txt",
                                             NULL);
    g_autofree char *bz = NULL, *bz_small = NULL, *initrd = NULL;
    g_autofree char *msg = NULL;
    g_autofree char *no_initrd = g_build_filename(tmpdir, "no-such-initrd",
                                                  NULL);

    if (skip_if_missing(false)) {
        return;
    }
    {
        const char *args[] = { "-m", "64M", "-kernel", missing, NULL };
        g_autofree char *out = NULL, *err = NULL;

        /* QEMU prints this one with its own "qemu: " prefix. */
        msg = g_strdup_printf("qemu: could not open kernel file '%s': No "
                              "such file or directory\n", missing);
        g_assert_cmpint(run_microvm(args, &out, &err), ==, 1);
        g_assert_nonnull(strstr(err, msg));
        g_clear_pointer(&msg, g_free);
    }
    g_assert_true(g_file_set_contents(text, "hello, I am not a kernel\n", -1,
                                      NULL));
    {
        const char *args[] = { "-m", "64M", "-kernel", text, NULL };

        msg = g_strdup_printf("could not load kernel '%s': not a Linux "
                              "bzImage (no \"HdrS\" setup header) nor an "
                              "ELF64 executable", text);
        expect_error(args, msg);
        g_clear_pointer(&msg, g_free);
    }
    bz = write_bzimage("bzImage", 0x7fffffff);
    {
        const char *args[] = { "-m", "64M", "-kernel", bz, "-initrd",
                               no_initrd, NULL };

        msg = g_strdup_printf("error reading initrd %s: No such file or "
                              "directory", no_initrd);
        expect_error(args, msg);
        g_clear_pointer(&msg, g_free);
    }
    /* initrd_addr_max at 20 MiB: 4 MiB left above the kernel's 16 MiB */
    bz_small = write_bzimage("bzImage-small", 20 * MiB - 1);
    initrd = g_build_filename(tmpdir, "initrd", NULL);
    {
        g_autofree char *data = g_malloc0(5 * MiB);
        const char *args[] = { "-m", "64M", "-kernel", bz_small, "-initrd",
                               initrd, NULL };

        g_assert_true(g_file_set_contents(initrd, data, 5 * MiB, NULL));
        msg = g_strdup_printf("initrd is too large, cannot support.(max: %"
                              G_GUINT64_FORMAT ", need %" G_GUINT64_FORMAT
                              ")", (guint64)(20 * MiB - 1 - 16 * MiB -
                                             0x1000),
                              (guint64)(5 * MiB));
        expect_error(args, msg);
        g_clear_pointer(&msg, g_free);
    }
    g_unlink(text);
    g_unlink(bz);
    g_unlink(bz_small);
    g_unlink(initrd);
}

static const struct {
    const char *name, *type, *extra;
    bool gmem, file;
} backends[] = {
    { "ram", "memory-backend-ram", "", false, false },
    { "file", "memory-backend-file", "", false, true },
    { "memfd", "memory-backend-memfd", "", false, false },
    { "shm", "memory-backend-shm", "", false, false },
    { "guest-memfd", "memory-backend-guest-memfd", "", true, false },
    { "memfd-gmem", "memory-backend-memfd", ",guest-memfd=on", true, false },
};

static void add_case(unsigned b, uint64_t size, unsigned cpus)
{
    GuestCase *c = g_new0(GuestCase, 1);
    g_autofree char *path = NULL;

    c->backend = backends[b].type;
    c->extra = backends[b].extra;
    c->gmem = backends[b].gmem;
    c->file = backends[b].file;
    c->cpus = cpus;
    c->size = size;
    path = g_strdup_printf("/guest/builtin/%s/%" G_GUINT64_FORMAT "M/smp%u",
                           backends[b].name, size / MiB, cpus);
    g_test_add_data_func_full(path, c, test_builtin, g_free);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-guest-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);

    g_test_add_func("/guest/checksum-model", test_checksum_model);
    for (unsigned b = 0; b < G_N_ELEMENTS(backends); b++) {
        add_case(b, 256 * MiB, 1);
        /* two vCPUs splitting the RAM, small enough for the nested lab */
        add_case(b, 64 * MiB, 2);
        /*
         * RAM above the 4 GiB hole, once per backend and with two vCPUs:
         * the guest's run time grows with the RAM it tests (about 15 s per
         * GiB under kvm_pvm), so the smallest size that puts RAM above
         * 4 GiB, both vCPUs sharing the work.
         */
        add_case(b, LOWMEM_MAX + ABOVE_4G_SIZE, 2);
    }
    g_test_add_func("/guest/builtin/seed", test_seed);
    g_test_add_func("/guest/negative/emulation-failure",
                    test_emulation_failure);
    g_test_add_func("/guest/negative/kernel-errors", test_kernel_errors);
    g_test_add_func("/guest/reset-port", test_reset_port);
    /* last: it fails until a triple fault ends the VM with an error */
    g_test_add_func("/guest/negative/triple-fault", test_triple_fault);
    ret = g_test_run();
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return ret;
}
