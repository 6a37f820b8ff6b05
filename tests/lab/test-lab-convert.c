/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The built-in guest's conversion test on a real sw-protected-vm (legacy
 * model) in the nested lab: every shared-backing type, 1 and 2 vCPUs, the
 * host reading the guest's pages while it waits and after it is done.
 */
#include <glib.h>
#include <inttypes.h>
#include <glib/gstdio.h>
#include <string.h>
#include <stdio.h>
#include <stddef.h>
#include <unistd.h>
#include "tests/qtest/libqtest.h"
#include "pc-bios/guest/guest-abi.h"

#define RAM_SIZE "32M"
#define WAIT_S 90

typedef struct ConvCase {
    const char *backend;
    bool file;
    unsigned cpus;
} ConvCase;

static char *tmpdir;

static char *slurp(const char *path)
{
    char *s = NULL;

    if (!g_file_get_contents(path, &s, NULL, NULL)) {
        return g_strdup("");
    }
    return s;
}

/*
 * Wait until the guest's info block (shared: the loader wrote it) holds
 * @want at @field; the console file is only complete once QEMU exits.
 */
static bool wait_info(QTestState *qts, size_t field, uint64_t want)
{
    for (int i = 0; i < WAIT_S * 10; i++) {
        uint64_t v = qtest_readq(qts, GUEST_INFO_ADDR + field);

        if (v == want) {
            return true;
        }
        if (field == offsetof(GuestInfo, conv_result) && v) {
            return false;
        }
        g_usleep(100000);
    }
    return false;
}

/* Read the region over qtest: refused while private, the bytes once
 * shared (qtest goes through the host's shared mapping). */
static bool read_region(QTestState *qts, uint64_t base, uint64_t *buf)
{
    g_autofree char *r = qtest_command(qts, "read 0x%" PRIx64 " 0x8", base);

    if (strncmp(r, "OK", 2)) {
        return false;
    }
    qtest_memread(qts, base, buf, GUEST_CONVERT_SIZE);
    return true;
}

/* Words of the region not equal to the shared marker (or zero). */
static uint64_t count_bad(const uint64_t *buf, uint64_t base, bool zero,
                          uint64_t *priv_seen)
{
    uint64_t bad = 0;

    for (uint64_t i = 0; i < GUEST_CONVERT_SIZE / 8; i++) {
        uint64_t a = base + i * 8;
        uint64_t want = zero ? 0 : guest_shared_word(a, GUEST_DEFAULT_SEED);

        if (buf[i] == guest_private_word(a, GUEST_DEFAULT_SEED)) {
            (*priv_seen)++;
        }
        bad += buf[i] != want;
    }
    return bad;
}

static void print_map(QTestState *qts, const char *when)
{
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"x-query-memory-attributes\", "
                            "\"arguments\": {\"max-ranges\": 16}}");
    char *txt = json_dumps(json_object_get(rsp, "return"), JSON_COMPACT);

    g_assert_nonnull(txt);
    g_test_message("x-query-memory-attributes %s: %s", when, txt);
    free(txt);
    json_decref(rsp);
}

static json_t *block_stats(QTestState *qts)
{
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"x-query-memory-attributes\"}");
    json_t *ret = json_object_get(rsp, "return");
    json_t *st;

    g_assert_cmpuint(json_array_size(ret), ==, 1);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(ret, 0),
                                                      "model")), ==, "legacy");
    st = json_object_get(json_array_get(ret, 0), "stats");
    json_incref(st);
    json_decref(rsp);
    return st;
}

static uint64_t stat_of(json_t *st, const char *name)
{
    return json_integer_value(json_object_get(st, name));
}

static void test_convert(gconstpointer data)
{
    const ConvCase *c = data;
    g_autofree char *log = g_build_filename(tmpdir, "console", NULL);
    g_autofree char *path = g_build_filename(tmpdir, "guest-ram", NULL);
    g_autofree char *errlog = g_build_filename(tmpdir, "stderr", NULL);
    g_autofree char *obj = NULL, *args = NULL, *console = NULL;
    g_autofree uint64_t *buf = g_malloc(GUEST_CONVERT_SIZE);
    QTestState *qts;
    json_t *st;
    uint64_t priv_seen = 0, mid_shared;

    g_unlink(log);
    g_unlink(path);
    obj = c->file ? g_strdup_printf("%s,id=ram0,size=" RAM_SIZE
                                    ",mem-path=%s", c->backend, path)
                  : g_strdup_printf("%s,id=ram0,size=" RAM_SIZE, c->backend);
    args = g_strdup_printf("-M microvm,memory-backend=ram0,"
                           "confidential-guest-support=cgs0 -accel kvm "
                           "-object sw-protected-vm,id=cgs0 -object %s "
                           "-m " RAM_SIZE " -smp %u -serial file:%s "
                           "-device isa-debug-exit,iobase=0xf4,iosize=0x04 "
                           "-append 'convert halt' 2>%s", obj, c->cpus, log,
                           errlog);
    qts = qtest_init(args);

    g_assert_true(wait_info(qts, offsetof(GuestInfo, conv_waiting),
                            c->cpus));
    print_map(qts, "mid-run");
    st = block_stats(qts);
    /*
     * Private at start (not a conversion); the loader's ranges and one
     * hypercall per vCPU went to shared; nothing went private yet.
     */
    g_assert_cmpuint(stat_of(st, "to-shared"), >, c->cpus);
    g_assert_cmpuint(stat_of(st, "to-private"), ==, 0);
    mid_shared = stat_of(st, "to-shared");
    json_decref(st);

    /* a page the guest wrote while private is not the host's to read */
    {
        g_autofree char *r = qtest_command(qts, "read 0x%llx 0x8",
                                           GUEST_KNOWN_ADDR);
        g_test_message("qtest read of a private page: %s", r);
        g_assert_true(g_str_has_prefix(r, "FAIL "));
        g_assert_nonnull(strstr(r, "private"));
    }
    for (unsigned i = 0; i < c->cpus; i++) {
        uint64_t base = GUEST_CONVERT_BASE + i * GUEST_CONVERT_STRIDE;

        g_assert_true(read_region(qts, base, buf));
        g_assert_cmpuint(count_bad(buf, base, false, &priv_seen), ==, 0);
    }
    for (unsigned i = 0; i < c->cpus; i++) {
        qtest_writeq(qts, GUEST_CONVERT_BASE + i * GUEST_CONVERT_STRIDE,
                     GUEST_CONVERT_GO);
    }
    if (!wait_info(qts, offsetof(GuestInfo, conv_result),
                   GUEST_CONVERT_PASS)) {
        qtest_quit(qts);
        console = slurp(log);
        g_test_message("console:\n%s", console);
        g_assert_not_reached();
    }

    /* shared again; both stale copies were dropped on the way */
    for (unsigned i = 0; i < c->cpus; i++) {
        uint64_t base = GUEST_CONVERT_BASE + i * GUEST_CONVERT_STRIDE;

        g_assert_true(read_region(qts, base, buf));
        g_assert_cmpuint(count_bad(buf, base, true, &priv_seen), ==, 0);
    }
    g_assert_cmpuint(priv_seen, ==, 0);
    st = block_stats(qts);
    /* after the go: one to private and one back per vCPU, 2 MiB each */
    g_assert_cmpuint(stat_of(st, "to-shared"), ==, mid_shared + c->cpus);
    g_assert_cmpuint(stat_of(st, "to-private"), ==, c->cpus);
    g_assert_cmpuint(stat_of(st, "to-private-bytes"), ==,
                     c->cpus * GUEST_CONVERT_SIZE);
    g_assert_cmpuint(stat_of(st, "failures"), ==, 0);
    json_decref(st);
    print_map(qts, "at the end");
    console = slurp(log);
    g_test_message("console:\n%s", console);
    qtest_quit(qts);
    {
        g_autofree char *e = slurp(errlog);

        /* the requests our code resolved, as logged by kvm-convert.c */
        g_test_message("stderr (QEMU_GMEM_CONVERT_LOG):\n%s", e);
        g_assert_nonnull(strstr(e, "kvm-convert: KVM_HC_MAP_GPA_RANGE"));
    }
    g_unlink(errlog);
    g_unlink(log);
    g_unlink(path);
}

/* guest_memfd as the shared side needs INIT_SHARED, which type 1 refuses */
static void test_guest_memfd_refused(void)
{
    const char *argv[] = {
        "-M", "microvm,memory-backend=ram0,confidential-guest-support=cgs0",
        "-accel", "kvm", "-object", "sw-protected-vm,id=cgs0",
        "-object", "memory-backend-guest-memfd,id=ram0,size=" RAM_SIZE,
        "-m", RAM_SIZE, "-display", "none", NULL
    };
    g_autofree char *out = NULL, *err = NULL;
    int status = qtest_run_binary(argv, &out, &err, 120);

    g_test_message("stderr: %s", err);
    g_assert_cmpint(status, ==, 1);
    g_assert_true(g_str_has_prefix(err, "qemu-system-x86_64: Current KVM "
                                   "instance does not support guest-memfd "
                                   "flag: 0x2\n"));
    g_assert_nonnull(strstr(err, "INIT_SHARED"));
}

int main(int argc, char **argv)
{
    static const char *const backends[] = {
        "memory-backend-ram", "memory-backend-file", "memory-backend-memfd",
        "memory-backend-shm",
    };
    int ret;

    g_test_init(&argc, &argv, NULL);
    /* every guest request is logged on stderr (accel/kvm/kvm-convert.c) */
    g_setenv("QEMU_GMEM_CONVERT_LOG", "1", true);
    tmpdir = g_dir_make_tmp("lab-convert-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    for (unsigned b = 0; b < G_N_ELEMENTS(backends); b++) {
        for (unsigned cpus = 1; cpus <= 2; cpus++) {
            ConvCase *c = g_new0(ConvCase, 1);
            g_autofree char *name = NULL;

            c->backend = backends[b];
            c->file = b == 1;
            c->cpus = cpus;
            name = g_strdup_printf("/lab/convert/%s/%u",
                                   backends[b] + strlen("memory-backend-"),
                                   cpus);
            g_test_add_data_func_full(name, c, test_convert, g_free);
        }
    }
    g_test_add_func("/lab/convert/guest-memfd-refused",
                    test_guest_memfd_refused);
    ret = g_test_run();
    g_rmdir(tmpdir);
    return ret;
}
