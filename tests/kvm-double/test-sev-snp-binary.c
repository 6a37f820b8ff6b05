/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command lines, run by the real start-up code on the KVM
 * double with its SEV-SNP layer (tests/kvm-double/double-sev-main.c):
 * the in-place and the legacy SNP launch of the built-in guest complete
 * (query-sev says running) with the same digest and the expected ioctls,
 * and a firmware error midway ends start-up with status 1 and QEMU's
 * message, the launch never finished.
 */
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "../unit/ovmf-amdsev-fetch.h"

#define SNP "sev-snp-guest,id=sev0,cbitpos=51,reduced-phys-bits=1"
/* the in-place command line */
#define IN_PLACE_ARGS "-object " SNP ",convert-in-place=on " \
    "-machine microvm,confidential-guest-support=sev0,memory-backend=ram0 " \
    "-object memory-backend-guest-memfd,id=ram0,size=256M"

typedef struct Result {
    int status;
    char *out, *err, *log;
} Result;

static void result_free(Result *r)
{
    g_free(r->out);
    g_free(r->err);
    g_free(r->log);
}

/* Run with @env (NULL-terminated "K=V" list), QMP commands on stdin. */
static void run(const char *const *env, const char *args, const char *qmp,
                Result *r)
{
    g_autofree char *dir = g_dir_make_tmp("sev-snp-XXXXXX", NULL);
    g_autofree char *in = g_build_filename(dir, "qmp.in", NULL);
    g_autofree char *log = g_build_filename(dir, "double.log", NULL);
    g_autofree char *cmd = NULL;
    g_autoptr(GString) envs = g_string_new(NULL);

    g_assert_true(g_file_set_contents(in, qmp ? qmp : "", -1, NULL));
    for (int i = 0; env && env[i]; i++) {
        g_string_append_printf(envs, "%s ", env[i]);
    }
    cmd = g_strdup_printf("env %s QEMU_KVM_DOUBLE_SEV_LOG=%s %s %s "
                          "-display none -nodefaults < %s", envs->str, log,
                          g_getenv("QTEST_QEMU_BINARY"), args, in);
    memset(r, 0, sizeof(*r));
    g_assert_true(g_spawn_sync(NULL, (char *[]){ "/bin/sh", "-c", cmd, NULL },
                               NULL, 0, NULL, NULL, &r->out, &r->err,
                               &r->status, NULL));
    g_file_get_contents(log, &r->log, NULL, NULL);
    g_unlink(in);
    g_unlink(log);
    g_rmdir(dir);
}

static const char *QMP_RUN =
    "{\"execute\": \"qmp_capabilities\"}\n"
    "{\"execute\": \"query-sev\"}\n"
    "{\"execute\": \"quit\"}\n";

static char *digest_of(const char *log)
{
    const char *p = strstr(log, "\ndigest ");

    g_assert_nonnull(p);
    return g_strndup(p + 8, 96);
}

/* The SEV lines of the log, in order, for comparison and the report. */
static char *sev_lines(const char *log)
{
    g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
    GString *s = g_string_new(NULL);

    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "KVM_SEV") ||
            g_str_has_prefix(*l, "KVM_SET_MEMORY_ATTRIBUTES")) {
            g_string_append_printf(s, "%s\n", *l);
        }
    }
    return g_string_free(s, false);
}

/* One FINISH, after the last LAUNCH_UPDATE (teardown lines may follow). */
static void assert_finish_last(const char *lines)
{
    const char *fin = strstr(lines, "KVM_SEV_SNP_LAUNCH_FINISH -> 0 fw 0\n");

    g_assert_nonnull(fin);
    g_assert_true(g_strrstr(lines, "KVM_SEV_SNP_LAUNCH_FINISH") == fin);
    g_assert_true(g_strrstr(lines, "KVM_SEV_SNP_LAUNCH_UPDATE") < fin);
}

static void test_launches(void)
{
    const char *inplace_env[] = { "QEMU_KVM_DOUBLE=inplace-v7", NULL };
    const char *legacy_env[] = { "QEMU_KVM_DOUBLE=lab-7.3", NULL };
    Result a, b;
    g_autofree char *da = NULL, *db = NULL, *la = NULL, *lb = NULL;

    run(inplace_env, IN_PLACE_ARGS " -S -qmp stdio", QMP_RUN, &a);
    run(legacy_env, "-object " SNP " -machine microvm,"
        "confidential-guest-support=sev0 -m 256M -S -qmp stdio", QMP_RUN, &b);
    g_assert_cmpstr(a.err, ==, "");
    g_assert_cmpstr(b.err, ==, "");
    g_assert_true(WIFEXITED(a.status) && WEXITSTATUS(a.status) == 0);
    g_assert_true(WIFEXITED(b.status) && WEXITSTATUS(b.status) == 0);
    for (int i = 0; i < 2; i++) {
        g_assert_nonnull(strstr(i ? b.out : a.out, "{\"return\": "
            "{\"enabled\": true, \"api-major\": 1, \"api-minor\": 55, "
            "\"build-id\": 21, \"state\": \"running\", \"sev-type\": "
            "\"sev-snp\", \"snp-policy\": 196608}}"));
    }
    la = sev_lines(a.log);
    lb = sev_lines(b.log);
    g_test_message("in-place:\n%s", la);
    g_test_message("legacy:\n%s", lb);
    g_assert_true(g_str_has_prefix(la, "KVM_SEV_INIT2 -> 0 fw 0\n"
                                   "KVM_SEV_SNP_LAUNCH_START -> 0 fw 0\n"
                                   "KVM_SET_MEMORY_ATTRIBUTES2 "));
    assert_finish_last(la);
    g_assert_null(strstr(la, "KVM_SET_MEMORY_ATTRIBUTES "));
    g_assert_null(strstr(la, "uaddr hva"));
    g_assert_true(g_str_has_prefix(lb, "KVM_SEV_INIT2 -> 0 fw 0\n"
                                   "KVM_SEV_SNP_LAUNCH_START -> 0 fw 0\n"
                                   "KVM_SET_MEMORY_ATTRIBUTES gpa 0x0 size "
                                   "0x10000000 private\n"));
    assert_finish_last(lb);
    g_assert_null(strstr(lb, "KVM_SET_MEMORY_ATTRIBUTES2"));
    g_assert_null(strstr(lb, "uaddr 0 "));
    da = digest_of(a.log);
    db = digest_of(b.log);
    g_assert_cmpstr(da, ==, db);
    g_test_message("digest %s (both)", da);
    result_free(&a);
    result_free(&b);
}

static void test_fails_midway(void)
{
    /* SNP_LAUNCH_UPDATE (101), 2nd call, SEV_RET_RESOURCE_LIMIT (23) */
    const char *env[] = { "QEMU_KVM_DOUBLE=inplace-v7",
                          "QEMU_KVM_DOUBLE_SEV_FAIL=101:2:23", NULL };
    Result r;

    run(env, IN_PLACE_ARGS, NULL, &r);
    g_assert_cmpstr(r.err, ==, "qemu-system-x86_64: SNP_LAUNCH_UPDATE ret=-5 "
                    "fw_error=23 'Required firmware resource depleted'\n"
                    "while updating GPA 0x30000+0x3000 (Normal)\n");
    g_assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1);
    /* no FINISH: the double stayed in the launching state (2) */
    g_assert_null(strstr(r.log, "KVM_SEV_SNP_LAUNCH_FINISH"));
    g_assert_nonnull(strstr(r.log, "\nstate 2\n"));
    result_free(&r);
}

static void test_in_place_needs_v7_kernel(void)
{
    const char *env[] = { "QEMU_KVM_DOUBLE=lab-7.3", NULL };
    Result r;

    run(env, IN_PLACE_ARGS, NULL, &r);
    g_assert_cmpstr(r.err, ==, "qemu-system-x86_64: convert-in-place=on needs "
                    "per-guest_memfd memory attributes: "
                    "KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES is 0x0 for this VM "
                    "(a kernel with in-place conversion, booted with "
                    "kvm.vm_memory_attributes=0, offers them)\n");
    g_assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1);
    g_assert_null(strstr(r.log, "KVM_SEV_INIT2"));
    result_free(&r);
}

/* Count the log lines starting with @prefix. */
static unsigned count_lines(const char *lines, const char *prefix)
{
    g_auto(GStrv) l = g_strsplit(lines, "\n", -1);
    unsigned n = 0;

    for (char **p = l; *p; p++) {
        n += g_str_has_prefix(*p, prefix);
    }
    return n;
}

/*
 * -bios OVMF.amdsev.fd: the image is the first LAUNCH_UPDATE (NORMAL, the
 * whole file ending at 4 GiB), then its metadata regions (ZERO, one
 * SECRETS, one CPUID), no built-in guest; both models, one digest.
 */
static void test_bios_ovmf(gconstpointer path)
{
    const char *inplace_env[] = { "QEMU_KVM_DOUBLE=inplace-v7", NULL };
    const char *legacy_env[] = { "QEMU_KVM_DOUBLE=lab-7.3", NULL };
    /* g_autofree on an array would free only its first element */
    char *args[2] = { NULL, NULL }, *digest[2] = { NULL, NULL };
    g_autofree char *first = NULL;
    GStatBuf st;

    if (!path) {
        g_test_skip(g_getenv("OVMF_AMDSEV_SKIP"));
        return;
    }
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    first = g_strdup_printf("KVM_SEV_SNP_LAUNCH_UPDATE gpa 0x%llx len 0x%llx "
                            "type 1 ", (4ULL << 30) - (unsigned long long)
                            st.st_size, (unsigned long long)st.st_size);
    args[0] = g_strdup_printf(IN_PLACE_ARGS " -bios %s -S -qmp stdio",
                              (const char *)path);
    args[1] = g_strdup_printf("-object " SNP " -machine microvm,"
                              "confidential-guest-support=sev0 -m 256M "
                              "-bios %s -S -qmp stdio", (const char *)path);
    for (int m = 0; m < 2; m++) {
        g_autofree char *lines = NULL;
        const char *upd;
        Result r;

        run(m ? legacy_env : inplace_env, args[m], QMP_RUN, &r);
        g_assert_cmpstr(r.err, ==, "");
        g_assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
        g_assert_nonnull(strstr(r.out, "\"state\": \"running\""));
        lines = sev_lines(r.log);
        g_test_message("-bios OVMF.amdsev.fd, %s:\n%s",
                       m ? "legacy" : "in-place", lines);
        upd = strstr(lines, "KVM_SEV_SNP_LAUNCH_UPDATE");
        g_assert_nonnull(upd);
        g_assert_true(g_str_has_prefix(upd, first));
        g_assert_nonnull(strstr(upd, m ? " uaddr hva " : " uaddr 0 "));
        /* nothing else NORMAL: the built-in guest is not loaded */
        g_assert_cmpuint(count_lines(lines, "KVM_SEV_SNP_LAUNCH_UPDATE"), >,
                         3);
        g_assert_null(strstr(upd + strlen(first), " type 1 "));
        g_assert_null(strstr(upd + strlen(first), " type 2 "));
        g_assert_null(strstr(upd + strlen(first), " type 4 "));
        g_assert_nonnull(strstr(upd, " type 3 "));
        g_assert_true(strstr(upd, " type 5 ") ==
                      g_strrstr(upd, " type 5 "));
        g_assert_true(strstr(upd, " type 6 ") ==
                      g_strrstr(upd, " type 6 "));
        g_assert_nonnull(strstr(upd, " type 5 "));
        g_assert_nonnull(strstr(upd, " type 6 "));
        assert_finish_last(lines);
        digest[m] = digest_of(r.log);
        result_free(&r);
    }
    g_assert_cmpstr(digest[0], ==, digest[1]);
    g_test_message("digest %s (both)", digest[0]);
    for (int m = 0; m < 2; m++) {
        g_free(args[m]);
        g_free(digest[m]);
    }
}

/* A -bios image without OVMF's metadata cannot be launched as SNP. */
static void test_bios_without_metadata(void)
{
    const char *env[] = { "QEMU_KVM_DOUBLE=inplace-v7", NULL };
    g_autofree char *dir = g_dir_make_tmp("sev-bios-XXXXXX", NULL);
    g_autofree char *fw = g_build_filename(dir, "plain.bin", NULL);
    g_autofree char *zeros = g_malloc0(64 * 1024);
    g_autofree char *args = NULL;
    g_autoptr(GDir) d = NULL;
    Result r;

    g_assert_true(g_file_set_contents(fw, zeros, 64 * 1024, NULL));
    args = g_strdup_printf(IN_PLACE_ARGS " -bios %s", fw);
    run(env, args, NULL, &r);
    g_assert_cmpstr(r.err, ==, "qemu-system-x86_64: Failed to locate SEV "
                    "metadata header\n");
    g_assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1);
    g_assert_null(strstr(r.log, "KVM_SEV_SNP_LAUNCH_UPDATE"));
    g_assert_null(strstr(r.log, "KVM_SEV_SNP_LAUNCH_FINISH"));
    /* nothing left behind in the directory the image came from */
    g_unlink(fw);
    d = g_dir_open(dir, 0, NULL);
    g_assert_null(g_dir_read_name(d));
    g_rmdir(dir);
    result_free(&r);
}

/*
 * A second sev-snp-guest the machine does not link is only an object, as
 * in QEMU: one launch, of sev0, and sev1 still listed.
 */
static void test_second_cgs_unused(void)
{
    const char *env[] = { "QEMU_KVM_DOUBLE=lab-7.3", NULL };
    g_autofree char *lines = NULL;
    Result r;

    run(env, "-object " SNP " -object sev-snp-guest,id=sev1,cbitpos=51,"
        "reduced-phys-bits=1,policy=0x30000 -machine microvm,"
        "confidential-guest-support=sev0 -m 256M -S -qmp stdio",
        "{\"execute\": \"qmp_capabilities\"}\n"
        "{\"execute\": \"query-sev\"}\n"
        "{\"execute\": \"qom-get\", \"arguments\": {\"path\": "
        "\"/machine\", \"property\": \"confidential-guest-support\"}}\n"
        "{\"execute\": \"qom-get\", \"arguments\": {\"path\": "
        "\"/objects/sev1\", \"property\": \"type\"}}\n"
        "{\"execute\": \"quit\"}\n", &r);
    g_assert_cmpstr(r.err, ==, "");
    g_assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    g_assert_nonnull(strstr(r.out, "\"state\": \"running\""));
    g_assert_nonnull(strstr(r.out, "{\"return\": \"/objects/sev0\"}"));
    g_assert_nonnull(strstr(r.out, "{\"return\": \"sev-snp-guest\"}"));
    lines = sev_lines(r.log);
    g_assert_cmpuint(count_lines(lines, "KVM_SEV_INIT2 "), ==, 1);
    g_assert_cmpuint(count_lines(lines, "KVM_SEV_SNP_LAUNCH_START "), ==, 1);
    g_assert_cmpuint(count_lines(lines, "KVM_SEV_SNP_LAUNCH_FINISH "), ==, 1);
    result_free(&r);
}

int main(int argc, char **argv)
{
    g_autofree char *amdsev = NULL, *skip = NULL;

    g_test_init(&argc, &argv, NULL);
    amdsev = ovmf_amdsev_fetch(&skip);
    if (skip) {
        g_setenv("OVMF_AMDSEV_SKIP", skip, true);
    }
    g_test_add_data_func("/sev-snp/binary/bios-ovmf", amdsev,
                         test_bios_ovmf);
    g_test_add_func("/sev-snp/binary/bios-without-metadata",
                    test_bios_without_metadata);
    g_test_add_func("/sev-snp/binary/second-cgs-unused",
                    test_second_cgs_unused);
    g_test_add_func("/sev-snp/binary/launches", test_launches);
    g_test_add_func("/sev-snp/binary/fails-midway", test_fails_midway);
    g_test_add_func("/sev-snp/binary/in-place-needs-v7",
                    test_in_place_needs_v7_kernel);
    return g_test_run();
}
