/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The built-in guest runs on guest_memfd RAM and halts; the host then finds
 * the guest's pattern both through qtest reads (the VMM's mapping) and
 * through its own second mmap of the guest_memfd taken from the QEMU
 * process with pidfd_getfd(2): one set of pages, no copy.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "tests/qtest/libqtest.h"
#include "pc-bios/guest/guest-abi.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define MiB ((guint64)1 << 20)
#define GiB ((guint64)1 << 30)
#define LOWMEM_MAX (3 * GiB)

typedef struct PatternCase {
    const char *object;    /* backend with "%s" for the size */
    uint64_t size;
} PatternCase;

static char *tmpdir;

/* Offset in the backend of guest-physical @gpa (microvm layout). */
static uint64_t gpa_to_offset(uint64_t gpa, uint64_t size)
{
    uint64_t below = MIN(size, LOWMEM_MAX);

    return gpa < below ? gpa : below + (gpa - 4 * GiB);
}

static bool wait_for_serial(const char *path, const char *what,
                            char **contents)
{
    /* A bound, not a timing assertion: the guest writes GiBs first. */
    for (int i = 0; i < 6000; i++) {
        g_free(*contents);
        *contents = NULL;
        if (g_file_get_contents(path, contents, NULL, NULL) &&
            strstr(*contents, what)) {
            return true;
        }
        g_usleep(100 * 1000);
    }
    return false;
}

/* The QEMU process's guest_memfd: first fd whose link names kvm-gmem. */
static int find_gmem_fd(pid_t pid)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/fd", (int)pid);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    int found = -1;

    if (!d) {
        return -1;
    }
    while ((name = g_dir_read_name(d)) && found < 0) {
        g_autofree char *p = g_build_filename(dir, name, NULL);
        g_autofree char *target = g_file_read_link(p, NULL);

        if (target && strstr(target, "kvm-gmem")) {
            found = atoi(name);
        }
    }
    g_dir_close(d);
    return found;
}

static void check_words(const uint8_t *buf, uint64_t gpa, size_t len,
                        uint64_t seed, bool known)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v, want;

        memcpy(&v, buf + i, 8);
        want = known ? guest_known_word(gpa + i, seed)
                     : guest_pattern(gpa + i, seed);
        if (v != want) {
            g_printerr("gpa 0x%" G_GINT64_MODIFIER "x: 0x%016"
                       G_GINT64_MODIFIER "x, want 0x%016" G_GINT64_MODIFIER
                       "x\n", gpa + i, v, want);
        }
        g_assert_cmphex(v, ==, want);
    }
}

static void test_pattern(gconstpointer data)
{
    const PatternCase *c = data;
    const char *missing = qtest_kvm_missing();
    g_autofree char *serial = NULL, *out = NULL, *obj = NULL, *args = NULL;
    uint64_t below = MIN(c->size, LOWMEM_MAX);
    /* known page, a page in the middle of low RAM, the last low page and,
     * with RAM above 4 GiB, its first and last pages */
    uint64_t samples[5];
    unsigned nsamples = 0;
    QTestState *qts;
    json_t *rsp;
    int pidfd, target, gfd;
    uint8_t *map;
    struct stat st;
    uint8_t buf[4096];
    uint64_t probe = 0x0123456789abcdefULL, back;

    if (missing) {
        g_test_skip(g_strdup_printf("%s not available: needs KVM", missing));
        return;
    }
    missing = qtest_guest_memfd_missing();
    if (missing) {
        g_test_skip(g_strdup_printf("%s not available: guest_memfd with "
                                    "mmap", missing));
        return;
    }

    serial = g_build_filename(tmpdir, "serial.log", NULL);
    g_unlink(serial);
    obj = g_strdup_printf(c->object, c->size / MiB);
    args = g_strdup_printf("-M microvm -accel kvm -m %" G_GUINT64_FORMAT "M "
                           "-object %s -M memory-backend=ram0 "
                           "-serial file:%s -append halt",
                           c->size / MiB, obj, serial);
    qts = qtest_init(args);

    if (!wait_for_serial(serial, "qemu-gmem guest: halting", &out)) {
        g_printerr("serial output:\n%s\n", out ? out : "(none)");
        g_assert_not_reached();
    }
    g_assert_nonnull(strstr(out, "qemu-gmem guest: PASS"));
    g_assert_nonnull(strstr(out, "known pattern at 0x0000000000200000"));

    rsp = qtest_qmp(qts, "{\"execute\": \"stop\"}");
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);

    samples[nsamples++] = GUEST_KNOWN_ADDR + GUEST_KNOWN_SIZE;
    samples[nsamples++] = (below / 2) & ~0xfffULL;
    samples[nsamples++] = below - 4096;
    if (c->size > LOWMEM_MAX) {
        samples[nsamples++] = 4 * GiB;
        samples[nsamples++] = 4 * GiB + (c->size - below) - 4096;
    }

    /* 1. through the VMM's own mapping: qtest reads with the VM stopped */
    qtest_memread(qts, GUEST_KNOWN_ADDR, buf, sizeof(buf));
    check_words(buf, GUEST_KNOWN_ADDR, sizeof(buf), GUEST_DEFAULT_SEED, true);
    for (unsigned i = 0; i < nsamples; i++) {
        qtest_memread(qts, samples[i], buf, sizeof(buf));
        check_words(buf, samples[i], sizeof(buf), GUEST_DEFAULT_SEED, false);
    }

    /* 2. through a second mapping of the guest_memfd itself */
    pidfd = syscall(SYS_pidfd_open, qtest_pid(qts), 0);
    target = find_gmem_fd(qtest_pid(qts));
    g_assert_cmpint(target, >=, 0);
    gfd = pidfd >= 0 ? syscall(SYS_pidfd_getfd, pidfd, target, 0) : -1;
    if (gfd < 0) {
        g_autofree char *why = g_strdup_printf("pidfd_getfd not available: "
                                               "%s", g_strerror(errno));

        qtest_quit(qts);
        g_test_skip(why);
        return;
    }
    g_assert_cmpint(fstat(gfd, &st), ==, 0);
    g_assert_cmpuint(st.st_size, ==, c->size);
    map = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, gfd, 0);
    g_assert_true(map != MAP_FAILED);
    check_words(map + GUEST_KNOWN_ADDR, GUEST_KNOWN_ADDR, GUEST_KNOWN_SIZE,
                GUEST_DEFAULT_SEED, true);
    for (unsigned i = 0; i < nsamples; i++) {
        check_words(map + gpa_to_offset(samples[i], c->size), samples[i],
                    4096, GUEST_DEFAULT_SEED, false);
    }

    /* 3. same pages both ways: a store through our mapping is what the
     * VMM reads back, in low and (if any) high RAM */
    for (unsigned i = 0; i < nsamples; i++) {
        uint64_t off = gpa_to_offset(samples[i], c->size);

        probe += i;
        memcpy(map + off + 8, &probe, 8);
        back = qtest_readq(qts, samples[i] + 8);
        g_assert_cmphex(back, ==, probe);
        qtest_writeq(qts, samples[i] + 16, ~probe);
        memcpy(&back, map + off + 16, 8);
        g_assert_cmphex(back, ==, ~probe);
    }

    munmap(map, c->size);
    close(gfd);
    close(pidfd);
    qtest_quit(qts);
    g_unlink(serial);
}

int main(int argc, char **argv)
{
    static const PatternCase cases[] = {
        { "memory-backend-guest-memfd,id=ram0,size=%" G_GUINT64_FORMAT "M",
          4352 * MiB },
        { "memory-backend-memfd,id=ram0,size=%" G_GUINT64_FORMAT "M,"
          "guest-memfd=on", 256 * MiB },
    };
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-gmem-pattern-XXXXXX", NULL);
    g_test_add_data_func("/gmem-pattern/guest-memfd/4352M", &cases[0],
                         test_pattern);
    g_test_add_data_func("/gmem-pattern/memfd-guest-memfd/256M", &cases[1],
                         test_pattern);
    ret = g_test_run();
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return ret;
}
