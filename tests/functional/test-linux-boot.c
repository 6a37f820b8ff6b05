/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Debian's Linux kernel loaded with -kernel/-initrd/-append on the microvm
 * machine with guest_memfd RAM.  The bzImage's decompressor must find our
 * command line through boot_params; the kernel proper (the same package's
 * vmlinux, so the decompressor's minutes of emulated ring-0 xz work are
 * skipped) must print its "Linux version" banner, our exact command line
 * and an e820 map equal to the machine's RAM layout.  Reaching init needs
 * hardware virtualization: it runs in the nested lab (tests/lab), whose kernel
 * and initramfs come in QEMU_GMEM_LINUX_KERNEL/_VMLINUX/_INITRD.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <stdio.h>
#include "tests/qtest/libqtest.h"

#define MiB ((guint64)1 << 20)
#define GiB ((guint64)1 << 30)
#define LOWMEM_MAX (3 * GiB)
#define RAM_SIZE (3584 * MiB)   /* 3 GiB below 4 GiB, 512 MiB above */

static char *kernel, *vmlinux, *initrd, *setup_error;
/* the initramfs is tests/lab's, whose /init reports what the guest sees */
static bool lab_initrd;
static char *tmpdir;

static void linux_setup(void)
{
    const char *root = g_getenv("QEMU_GMEM_SOURCE_ROOT");
    g_autofree char *script = NULL, *out = NULL, *err = NULL;
    g_auto(GStrv) lines = NULL;
    GError *gerr = NULL;
    int status = 0;

    /* the nested lab brings its own kernel and guest initramfs */
    if (g_getenv("QEMU_GMEM_LINUX_KERNEL")) {
        kernel = g_strdup(g_getenv("QEMU_GMEM_LINUX_KERNEL"));
        vmlinux = g_strdup(g_getenv("QEMU_GMEM_LINUX_VMLINUX") ?: kernel);
        initrd = g_strdup(g_getenv("QEMU_GMEM_LINUX_INITRD"));
        if (!initrd) {
            setup_error = g_strdup("QEMU_GMEM_LINUX_KERNEL set without "
                                   "QEMU_GMEM_LINUX_INITRD");
        }
        lab_initrd = true;
        return;
    }
    script = g_build_filename(root ? root : ".", "tests", "functional",
                              "linux-setup.sh", NULL);
    {
        char *argv[] = { (char *)"bash", script, NULL };

        if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                          &out, &err, &status, &gerr)) {
            setup_error = g_strdup(gerr->message);
            g_error_free(gerr);
            return;
        }
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        setup_error = g_strdup_printf("linux-setup.sh failed: %s", err);
        return;
    }
    lines = g_strsplit(out, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "KERNEL=")) {
            kernel = g_strdup(lines[i] + 7);
        } else if (g_str_has_prefix(lines[i], "VMLINUX=")) {
            vmlinux = g_strdup(lines[i] + 8);
        } else if (g_str_has_prefix(lines[i], "INITRD=")) {
            initrd = g_strdup(lines[i] + 7);
        }
    }
    if (!kernel || !vmlinux || !initrd) {
        setup_error = g_strdup("linux-setup.sh printed no "
                               "KERNEL/VMLINUX/INITRD");
    }
}

static bool skip_if_missing(void)
{
    const char *missing = qtest_kvm_missing();

    if (!missing) {
        missing = qtest_guest_memfd_missing();
    }
    if (missing) {
        g_test_skip(g_strdup_printf("%s not available: Linux on guest_memfd "
                                    "RAM needs it", missing));
        return true;
    }
    if (setup_error) {
        g_test_skip(g_strdup_printf("Debian kernel not available: %s",
                                    setup_error));
        return true;
    }
    return false;
}

static bool host_has_hw_virt(void)
{
    g_autofree char *cpuinfo = NULL;

    if (!g_file_get_contents("/proc/cpuinfo", &cpuinfo, NULL, NULL)) {
        return false;
    }
    return strstr(cpuinfo, " vmx") || strstr(cpuinfo, " svm");
}

/* Poll the serial log until every string of @want is present or the
 * process is gone; a generous bound, never a timing assertion. */
static bool wait_serial(const char *path, const char *const *want,
                        unsigned max_s, char **log)
{
    for (unsigned i = 0; i < max_s * 2; i++) {
        bool all = true;

        g_free(*log);
        *log = NULL;
        if (g_file_get_contents(path, log, NULL, NULL)) {
            for (int j = 0; want[j]; j++) {
                all = all && strstr(*log, want[j]);
            }
            if (all) {
                return true;
            }
        }
        g_usleep(500 * 1000);
    }
    return false;
}

/*
 * "BIOS-e820: [mem 0x...-0x...] usable" lines, in order.  Linux 7 calls
 * usable RAM "System RAM" (and pads the column): both read as "usable";
 * its "[gap ...]" lines are left out.
 */
static char *e820_lines(const char *log)
{
    GString *s = g_string_new("");
    g_auto(GStrv) lines = g_strsplit(log, "\n", -1);

    for (int i = 0; lines[i]; i++) {
        const char *p = strstr(lines[i], "BIOS-e820: ");
        const char *end = p ? strchr(p, ']') : NULL;

        /* Linux 7 also lists the holes: not part of the map */
        if (end && !g_str_has_prefix(p, "BIOS-e820: [gap ")) {
            g_autofree char *type = g_strstrip(g_strdup(end + 1));

            g_string_append_len(s, p, end + 1 - p);
            g_string_append_printf(s, " %s\n",
                                   strcmp(type, "System RAM") ? type
                                                              : "usable");
        }
    }
    return g_string_free(s, false);
}

static bool e820_complete(const char *log)
{
    const char *p = strstr(log, "BIOS-provided physical RAM map");
    g_auto(GStrv) lines = NULL;
    bool seen = false;

    if (!p) {
        return false;
    }
    lines = g_strsplit(p, "\n", -1);
    /* the last element is an unterminated (partial) line: ignore it */
    for (int i = 1; lines[i] && lines[i + 1]; i++) {
        if (strstr(lines[i], "BIOS-e820: ")) {
            seen = true;
        } else if (seen) {
            return true;
        }
    }
    return false;
}

static char *expected_e820(void)
{
    uint64_t below = MIN(RAM_SIZE, LOWMEM_MAX);
    uint64_t above = RAM_SIZE - below;
    GString *s = g_string_new("");

    g_string_append_printf(s, "BIOS-e820: [mem 0x%016" G_GINT64_MODIFIER
                           "x-0x%016" G_GINT64_MODIFIER "x] usable\n",
                           (guint64)0, below - 1);
    if (above) {
        g_string_append_printf(s, "BIOS-e820: [mem 0x%016" G_GINT64_MODIFIER
                               "x-0x%016" G_GINT64_MODIFIER "x] usable\n",
                               4 * GiB, 4 * GiB + above - 1);
    }
    return g_string_free(s, false);
}

static QTestState *start_linux(const char *image, const char *serial,
                               const char *cmdline)
{
    return qtest_initf("-M microvm -accel kvm -m %" G_GUINT64_FORMAT "M "
                       "-object memory-backend-guest-memfd,id=ram0,size=%"
                       G_GUINT64_FORMAT "M -M memory-backend=ram0 "
                       "-kernel %s -initrd %s -append '%s' "
                       "-serial file:%s -no-reboot",
                       RAM_SIZE / MiB, RAM_SIZE / MiB, image, initrd,
                       cmdline, serial);
}

static void test_early_boot(void)
{
    /* the marker proves the command line arrives unchanged */
    const char *cmdline = "console=ttyS0 earlyprintk=serial,ttyS0,115200 "
                          "nokaslr panic=-1 qemu_gmem_marker=e820-check";
    g_autofree char *serial = NULL, *log = NULL, *want_cmd = NULL;
    g_autofree char *got = NULL, *want = NULL;
    QTestState *qts;

    if (skip_if_missing()) {
        return;
    }
    serial = g_build_filename(tmpdir, "linux-serial.log", NULL);
    want_cmd = g_strdup_printf("Command line: %s", cmdline);
    qts = start_linux(vmlinux, serial, cmdline);
    {
        const char *wanted[] = { "Linux version", want_cmd,
                                 "BIOS-provided physical RAM map", NULL };
        bool ok = wait_serial(serial, wanted, 2400, &log);

        /* the map is complete once a line follows the e820 lines */
        for (unsigned i = 0; ok && i < 240 && !e820_complete(log); i++) {
            g_usleep(500 * 1000);
            g_free(log);
            log = NULL;
            g_file_get_contents(serial, &log, NULL, NULL);
        }
        if (!ok) {
            g_printerr("serial log:\n%s\n", log ? log : "(none)");
        }
        g_assert_true(ok);
    }
    g_test_message("serial log (head):\n%.*s", 4000, log);
    g_assert_nonnull(strstr(log, want_cmd));
    got = e820_lines(log);
    want = expected_e820();
    g_assert_cmpstr(got, ==, want);
    qtest_quit(qts);
    g_unlink(serial);
}

/*
 * The bzImage itself: its decompressor parses our command line from
 * boot_params and says so on the serial port ("nokaslr").  Under software
 * virtualization the xz decompression that follows takes hours of
 * emulated ring-0 code, so the test stops here.
 */
static void test_bzimage_decompressor(void)
{
    const char *cmdline = "console=ttyS0 earlyprintk=serial,ttyS0,115200 "
                          "nokaslr";
    g_autofree char *serial = NULL, *log = NULL;
    QTestState *qts;

    if (skip_if_missing()) {
        return;
    }
    serial = g_build_filename(tmpdir, "linux-bzimage.log", NULL);
    qts = start_linux(kernel, serial, cmdline);
    {
        const char *wanted[] = { "KASLR disabled: 'nokaslr' on cmdline.",
                                 NULL };

        if (!wait_serial(serial, wanted, 900, &log)) {
            g_printerr("serial log:\n%s\n", log ? log : "(none)");
            g_assert_not_reached();
        }
    }
    qtest_quit(qts);
    g_unlink(serial);
}

/* The lines of @log that start with @prefix, prefix removed, in order. */
static char *prefixed_lines(const char *log, const char *prefix)
{
    GString *s = g_string_new("");
    g_auto(GStrv) lines = g_strsplit(log, "\n", -1);

    for (int i = 0; lines[i]; i++) {
        g_strchomp(lines[i]);
        if (g_str_has_prefix(lines[i], prefix)) {
            g_string_append(s, lines[i] + strlen(prefix));
            g_string_append_c(s, '\n');
        }
    }
    return g_string_free(s, false);
}

/*
 * To init on guest_memfd RAM.  With the lab's initramfs, /init reports
 * what the guest sees (tests/lab/lab.py, L2_INIT) and ends the VM through
 * isa-debug-exit with 0x21, so the exit status is (0x21 << 1) | 1.
 */
static void test_boot_to_init(void)
{
    const char *cmdline = "console=ttyS0 panic=-1 rdinit=/init "
                          "qemu_gmem_marker=init-check";
    g_autofree char *mem = g_strdup_printf("%" G_GUINT64_FORMAT "M",
                                           RAM_SIZE / MiB);
    g_autofree char *obj = g_strdup_printf("memory-backend-guest-memfd,"
                                           "id=ram0,size=%s", mem);
    g_autofree char *out = NULL, *err = NULL, *want = NULL, *got = NULL;
    g_autofree char *want_cmd = NULL, *memtotal = NULL;
    const char *args[] = {
        "-M", "microvm", "-accel", "kvm", "-m", mem, "-object", obj,
        "-M", "memory-backend=ram0", "-kernel", kernel, "-initrd", initrd,
        "-append", cmdline, "-serial", "stdio", "-display", "none",
        "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        NULL
    };
    guint64 kb;
    int status;

    if (skip_if_missing()) {
        return;
    }
    if (!host_has_hw_virt()) {
        g_test_skip("vmx/svm not available in /proc/cpuinfo: under this "
                    "host's software virtualization the kernel's ring-0 "
                    "code is emulated (about 0.3 M instructions/s) and "
                    "stalls in mem_init, init is out of reach");
        return;
    }
    status = qtest_run_binary(args, &out, &err, 500);
    if (!strstr(out, "qemu-gmem initramfs: init reached") ||
        (lab_initrd && status != ((0x21 << 1) | 1))) {
        g_printerr("exit status %d\nserial log:\n%s\nstderr:\n%s\n", status,
                   out, err);
    }
    g_assert_nonnull(strstr(out, "qemu-gmem initramfs: init reached"));
    if (!lab_initrd) {
        /* linux-setup.sh's /init prints the command line, then powers off */
        g_assert_nonnull(strstr(out, cmdline));
        return;
    }
    g_test_message("guest /init output:\n%s",
                   strstr(out, "qemu-gmem initramfs: init reached"));
    g_assert_cmpint(status, ==, (0x21 << 1) | 1);
    g_assert_nonnull(strstr(out, "qemu-gmem initramfs: end"));
    want_cmd = g_strdup_printf("%s\n", cmdline);
    got = prefixed_lines(out, "cmdline: ");
    g_assert_cmpstr(got, ==, want_cmd);
    g_clear_pointer(&got, g_free);
    /* the map as the guest's dmesg has it, against the machine's layout */
    {
        g_autofree char *dmesg = prefixed_lines(out, "e820: ");

        got = e820_lines(dmesg);
    }
    want = expected_e820();
    g_assert_cmpstr(got, ==, want);
    /*
     * MemTotal is the RAM minus what the kernel keeps for itself: its
     * image, the struct page array (64 bytes per 4 KiB page, 1.6%) and
     * the low reservations, a few MiB.  5% bounds these with room to
     * spare, while a RAM range missing from the map (the 512 MiB above
     * 4 GiB is 14% of it) or a wrong size falls outside.
     */
    memtotal = prefixed_lines(out, "MemTotal:");
    g_assert_true(sscanf(memtotal, " %" G_GUINT64_FORMAT " kB", &kb) == 1);
    g_test_message("MemTotal %" G_GUINT64_FORMAT " kB of %" G_GUINT64_FORMAT
                   " kB RAM (%.1f%%)", kb, RAM_SIZE / 1024,
                   100.0 * kb * 1024 / RAM_SIZE);
    g_assert_cmpuint(kb * 1024, <=, RAM_SIZE);
    g_assert_cmpuint(kb * 1024, >=, RAM_SIZE / 100 * 95);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-linux-boot-XXXXXX", NULL);
    linux_setup();
    g_test_add_func("/linux-boot/bzimage-decompressor",
                    test_bzimage_decompressor);
    g_test_add_func("/linux-boot/early-boot", test_early_boot);
    g_test_add_func("/linux-boot/init", test_boot_to_init);
    ret = g_test_run();
    g_rmdir(tmpdir);
    g_free(tmpdir);
    g_free(kernel);
    g_free(vmlinux);
    g_free(initrd);
    g_free(setup_error);
    return ret;
}
