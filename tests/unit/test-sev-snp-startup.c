/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A whole SEV-SNP start-up of the microvm machine with the built-in
 * guest, in-process, against the KVM double with its SEV-SNP layer:
 * sev-snp-guest, KVM_X86_SNP_VM, INIT2 + LAUNCH_START, RAM, the loader's
 * blobs queued, vCPUs, the launch, in both memory models; and a launch
 * that fails midway.  No machine here has SNP hardware.
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "linux/kvm.h"
#include "linux/psp-sev.h"
#include "system/kvm.h"
#include "system/kvm_int.h"
#include "system/memory.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"
#include "system/confidential-guest-support.h"
#include "hw/boards.h"
#include "system/cpus.h"
#include "qemu/main-loop.h"
#include "kvm-double.h"
#include "qapi/qapi-commands.h"
#include "kvm-double-sev.h"
#include "kvm-double-sev-startup.h"
#include "../../target/i386/sev.h"
#include "ovmf-amdsev-fetch.h"

static void print_log(const Run *r, const char *what)
{
    g_test_message("%s launch, as the double saw it:",
                   what);
    for (guint i = 0; i < r->log->len; i++) {
        const char *l = g_ptr_array_index(r->log, i);

        if (g_str_has_prefix(l, "KVM_SEV") || g_str_has_prefix(l, "SEV_") ||
            g_str_has_prefix(l, "KVM_SET_MEMORY_ATTRIBUTES") ||
            g_str_has_prefix(l, "KVM_CREATE_VM") ||
            g_str_has_prefix(l, "KVM_CREATE_VCPU")) {
            g_test_message("  %s", l);
        }
    }
}

static void test_builtin_both_models(void)
{
    Run legacy, in_place;

    g_assert_true(sev_startup(&legacy, false, 256 * MiB, NULL, 0, &error_abort));
    g_assert_cmpint(kvm_double_sev_state(legacy.sev), ==,
                    SEV_DOUBLE_FINISHED);
    g_assert_cmpuint(kvm_double_sev_vmsas(legacy.sev), ==, 1);
    g_assert_cmpstr(sev_migration_blocker(), ==,
                    "SEV-SNP: Migration is not implemented");
    {
        /* the host offers TSC deadline and VIRT_SSBD; the vCPU lacks them */
        const struct kvm_cpuid2 *c = kvm_double_sev_vcpu_cpuid(legacy.sev);
        unsigned checked = 0;

        g_assert_nonnull(c);
        for (uint32_t i = 0; i < c->nent; i++) {
            if (c->entries[i].function == 1) {
                g_assert_cmphex(c->entries[i].ecx & (1u << 24), ==, 0);
                checked++;
            } else if (c->entries[i].function == 0x80000008) {
                g_assert_cmphex(c->entries[i].ebx & (1u << 25), ==, 0);
                checked++;
            }
        }
        g_assert_cmpuint(checked, ==, 2);
    }
    {
        json_t *want = json_loads("{\"enabled\": true, \"api-major\": 1, "
                                  "\"api-minor\": 55, \"build-id\": 21, "
                                  "\"state\": \"running\", "
                                  "\"sev-type\": \"sev-snp\", "
                                  "\"snp-policy\": 196608}", 0, NULL);
        json_t *ret = NULL, *args = json_pack("{s:s}", "mnonce",
                                              "AAAAAAAAAAAAAAAAAAAAAA==");
        Error *err = NULL;

        qmp_query_sev(NULL, &ret, &error_abort);
        g_assert_true(json_equal(ret, want));
        json_decref(ret);
        json_decref(want);
        /* SNP guests get their reports from the guest, not from KVM */
        qmp_query_sev_attestation_report(args, &ret, &err);
        g_assert_cmpstr(error_get_pretty(err), ==, "SEV: Failed to query the "
                        "attestation report length ret=-22 fw_err=0 ()");
        error_free(err);
        json_decref(args);
    }
    sev_startup_end(&legacy);
    print_log(&legacy, "legacy");

    g_assert_true(sev_startup(&in_place, true, 256 * MiB, NULL, 0,
                          &error_abort));
    g_assert_cmpint(kvm_double_sev_state(in_place.sev), ==,
                    SEV_DOUBLE_FINISHED);
    sev_startup_end(&in_place);
    print_log(&in_place, "in-place");

    /* same guest, same measurement; only legacy copied from uaddr */
    g_assert_cmpmem(legacy.digest, SNP_DIGEST_SIZE, in_place.digest,
                    SNP_DIGEST_SIZE);
    g_assert_cmpuint(legacy.copied, >, 0);
    g_assert_cmpuint(in_place.copied, ==, 0);
    for (guint i = 0; i < in_place.log->len; i++) {
        const char *l = g_ptr_array_index(in_place.log, i);

        g_assert_false(g_str_has_prefix(l, "KVM_SET_MEMORY_ATTRIBUTES "));
        if (g_str_has_prefix(l, "KVM_SEV_SNP_LAUNCH_UPDATE")) {
            g_assert_nonnull(strstr(l, "uaddr 0 "));
        }
    }
    sev_startup_free(&legacy);
    sev_startup_free(&in_place);
}

static void test_host_data_reaches_finish(void)
{
    Run r;
    uint8_t hd[32];
    bool idb;

    /* 32 bytes of 0x41 ('A'), base64 */
    g_assert_true(sev_startup(&r, true, 64 * MiB,
                          "\"host-data\": \"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
                          "QUFBQUFBQUE=\", \"policy\": 196608", 0,
                          &error_abort));
    g_assert_true(kvm_double_sev_finish_data(r.sev, hd, &idb));
    g_assert_cmpuint(hd[0], ==, 'A');
    g_assert_cmpuint(hd[31], ==, 'A');
    g_assert_false(idb);
    g_assert_cmphex(kvm_double_sev_policy(r.sev), ==, 0x30000);
    sev_startup_end(&r);
    sev_startup_free(&r);
}

static void test_fails_midway(void)
{
    Run r;
    Error *err = NULL;

    g_assert_false(sev_startup(&r, true, 64 * MiB, NULL,
                           KVM_SEV_SNP_LAUNCH_UPDATE, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, "SNP_LAUNCH_UPDATE ret=-5 "
                    "fw_error=23 'Required firmware resource depleted'");
    error_free(err);
    /* no FINISH: nothing launched, and nothing leaks (shutdown checks) */
    g_assert_cmpint(kvm_double_sev_state(r.sev), ==, SEV_DOUBLE_LAUNCHING);
    sev_startup_end(&r);
    sev_startup_free(&r);
}

static void test_wrong_cbitpos(void)
{
    Run r;
    Error *err = NULL;
    char json[] = "\"cbitpos\": 47";

    /* a later key wins in our JSON: cbitpos 47 on a host with 51 */
    g_assert_false(sev_startup(&r, false, 64 * MiB, json, 0, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "sev_common_kvm_init: cbitpos "
                    "check failed, host '51' requested '47'");
    error_free(err);
    sev_startup_end(&r);
    sev_startup_free(&r);
}

static void test_in_place_needs_gmem_backend(void)
{
    Run r;
    Error *err = NULL;
    json_t *mem;

    /* a zero-sized RAM backend stops start-up before the board exists */
    g_assert_false(sev_startup(&r, true, 0, NULL, 0, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "property 'size' of memory-backend-guest-memfd doesn't "
                    "take value '0'");
    error_free(err);
    err = NULL;
    /* the brief's bad input: in place on a backend that is not a gmem */
    mem = json_pack("{s:I}", "size", (json_int_t)(64 * MiB));
    g_assert_null(user_creatable_add_type(TYPE_MEMORY_BACKEND_RAM, "ram1",
                                          mem, &err));
    json_decref(mem);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(error_get_pretty(err), "convert-in-place=on "
                            "needs guest RAM in a guest_memfd, not "
                            "memory-backend-ram"));
    error_free(err);
    sev_startup_end(&r);
    sev_startup_free(&r);
}

/* OVMF.amdsev.fd as the machine's firmware, both models, one digest. */
static void test_ovmf_firmware(gconstpointer path)
{
    g_autofree uint8_t *img = NULL;
    uint8_t digest[2][SNP_DIGEST_SIZE];
    gsize size;

    if (!path) {
        g_test_skip(g_getenv("OVMF_AMDSEV_SKIP"));
        return;
    }
    g_assert_true(g_file_get_contents(path, (char **)&img, &size, NULL));
    for (int m = 0; m < 2; m++) {
        Run r;
        unsigned cpuid_updates = 0;

        g_assert_true(sev_startup_fw(&r, m, 64 * MiB, NULL, 0, img, size,
                                     &error_abort));
        g_assert_cmpint(kvm_double_sev_state(r.sev), ==,
                        SEV_DOUBLE_FINISHED);
        memcpy(digest[m], r.digest, SNP_DIGEST_SIZE);
        sev_startup_end(&r);
        print_log(&r, m ? "OVMF + built-in guest, in-place" :
                                "OVMF + built-in guest, legacy");
        for (guint i = 0; i < r.log->len; i++) {
            const char *l = g_ptr_array_index(r.log, i);

            /* the flash first, the CPUID page from vCPU 0 accepted */
            if (g_str_has_prefix(l, "KVM_SEV_SNP_LAUNCH_UPDATE gpa 0xffc")) {
                g_assert_cmpuint(cpuid_updates, ==, 0);
            }
            cpuid_updates += strstr(l, " type 6 ") != NULL;
        }
        g_assert_cmpuint(cpuid_updates, ==, 1);
        sev_startup_free(&r);
    }
    g_assert_cmpmem(digest[0], SNP_DIGEST_SIZE, digest[1], SNP_DIGEST_SIZE);
}

static void test_firmware_without_metadata(void)
{
    Run r;
    g_autofree uint8_t *img = g_malloc0(64 * KiB);
    Error *err = NULL;

    g_assert_false(sev_startup_fw(&r, true, 64 * MiB, NULL, 0, img, 64 * KiB,
                                  &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Failed to locate SEV metadata header");
    error_free(err);
    sev_startup_end(&r);
    sev_startup_free(&r);
}

int main(int argc, char **argv)
{
    g_autofree char *amdsev = NULL, *skip = NULL;

    g_test_init(&argc, &argv, NULL);
    amdsev = ovmf_amdsev_fetch(&skip);
    if (skip) {
        g_setenv("OVMF_AMDSEV_SKIP", skip, true);
    }
    g_test_add_data_func("/sev-snp/startup/ovmf-firmware", amdsev,
                         test_ovmf_firmware);
    g_test_add_func("/sev-snp/startup/firmware-without-metadata",
                    test_firmware_without_metadata);
    module_call_init_qom();
    memory_init();
    bql_lock();
    g_test_add_func("/sev-snp/startup/builtin-legacy-and-in-place",
                    test_builtin_both_models);
    g_test_add_func("/sev-snp/startup/host-data", test_host_data_reaches_finish);
    g_test_add_func("/sev-snp/startup/fails-midway", test_fails_midway);
    g_test_add_func("/sev-snp/startup/wrong-cbitpos", test_wrong_cbitpos);
    g_test_add_func("/sev-snp/startup/in-place-needs-gmem",
                    test_in_place_needs_gmem_backend);
    return g_test_run();
}
