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
#include "kvm-double-sev.h"
#include "../../target/i386/sev.h"

typedef struct Run {
    KVMDouble *dbl;
    KVMDoubleSev *sev;
    MachineState *ms;
    uint8_t digest[SNP_DIGEST_SIZE];
    GPtrArray *log;
    uint64_t copied;
    unsigned updates;
} Run;

static void run_free(Run *r)
{
    if (r->log) {
        g_ptr_array_free(r->log, true);
    }
}

/* vl.c's start-up order, for one SNP guest on @ram_size of RAM. */
static bool startup(Run *r, bool in_place, uint64_t ram_size,
                    const char *snp_json, uint32_t fail_cmd, Error **errp)
{
    KVMDoubleSevConfig cfg;
    g_autofree char *props = g_strdup_printf(
        "{\"cbitpos\": 51, \"reduced-phys-bits\": 1, "
        "\"convert-in-place\": %s%s%s}", in_place ? "true" : "false",
        snp_json ? ", " : "", snp_json ? snp_json : "");
    json_t *j = json_loads(props, 0, NULL);
    json_t *mem;
    Object *o;
    bool ok = false;

    memset(r, 0, sizeof(*r));
    r->dbl = kvm_double_new(in_place ? KVM_DOUBLE_INPLACE_V7
                                     : KVM_DOUBLE_LAB_73);
    /* the base double's host with SNP: VM types 0, 1 and 4 */
    kvm_double_set_cap(r->dbl, -1, KVM_CAP_VM_TYPES,
                       0x3 | (1 << KVM_X86_SNP_VM));
    kvm_double_sev_default_config(&cfg);
    cfg.per_gmem_attributes = in_place;
    r->sev = kvm_double_sev_new(kvm_double_ops(r->dbl), &cfg);
    if (fail_cmd) {
        kvm_double_sev_inject_fw_error(r->sev, fail_cmd, 2,
                                       SEV_RET_RESOURCE_LIMIT);
    }
    kvm_set_ops(kvm_double_sev_ops(r->sev));

    r->ms = MACHINE(object_new(MACHINE_TYPE_NAME("microvm")));
    object_property_add_child(object_get_root(), "machine", OBJECT(r->ms));
    object_unref(OBJECT(r->ms));
    current_machine_set(r->ms);
    o = user_creatable_add_type(TYPE_SEV_SNP_GUEST, "sev0", j, errp);
    json_decref(j);
    if (!o ||
        !object_property_set_str(OBJECT(r->ms), "confidential-guest-support",
                                 "sev0", errp)) {
        return false;
    }
    confidential_guest_support_close_creation(true);
    if (!kvm_accel_init(KVM_X86_SNP_VM, errp) ||
        !confidential_guest_kvm_init(r->ms->cgs, errp)) {
        return false;
    }
    mem = json_pack("{s:I}", "size", (json_int_t)ram_size);
    o = user_creatable_add_type(in_place ? TYPE_MEMORY_BACKEND_GUEST_MEMFD
                                         : TYPE_MEMORY_BACKEND_RAM,
                                "ram0", mem, errp);
    json_decref(mem);
    if (!o ||
        !object_property_set_str(OBJECT(r->ms), "memory-backend", "ram0",
                                 errp) ||
        !machine_run_board_init(r->ms, errp) ||
        !sev_launch_prepare(errp) || !cpus_create(1, errp)) {
        return false;
    }
    ok = sev_launch(errp);
    kvm_double_sev_digest(r->sev, r->digest);
    return ok;
}

static void shutdown_all(Run *r)
{
    const GPtrArray *log = kvm_double_sev_log(r->sev);

    r->log = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < log->len; i++) {
        g_ptr_array_add(r->log, g_strdup(g_ptr_array_index(log, i)));
    }
    r->copied = kvm_double_sev_bytes_copied(r->sev);
    r->updates = kvm_double_sev_update_calls(r->sev);
    bql_unlock();
    cpus_destroy();
    bql_lock();
    if (r->ms) {
        if (r->ms->ram && r->ms->ram->container) {
            memory_region_del_subregion(r->ms->ram->container, r->ms->ram);
        }
        current_machine_set(NULL);
        object_unparent(OBJECT(r->ms));
    }
    user_creatable_cleanup();
    confidential_guest_support_close_creation(false);
    kvm_accel_cleanup();
    kvm_set_ops(NULL);
    /* everything the VMM got from the "kernel" was given back */
    g_assert_cmpuint(kvm_double_open_fds(r->dbl), ==, 0);
    kvm_double_sev_free(r->sev);
    kvm_double_free(r->dbl);
}

static void print_log(const Run *r, const char *what)
{
    g_test_message("%s launch of the built-in guest, as the double saw it:",
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

    g_assert_true(startup(&legacy, false, 256 * MiB, NULL, 0, &error_abort));
    g_assert_cmpint(kvm_double_sev_state(legacy.sev), ==,
                    SEV_DOUBLE_FINISHED);
    g_assert_cmpuint(kvm_double_sev_vmsas(legacy.sev), ==, 1);
    g_assert_cmpstr(sev_migration_blocker(), ==,
                    "SEV-SNP: Migration is not implemented");
    shutdown_all(&legacy);
    print_log(&legacy, "legacy");

    g_assert_true(startup(&in_place, true, 256 * MiB, NULL, 0,
                          &error_abort));
    g_assert_cmpint(kvm_double_sev_state(in_place.sev), ==,
                    SEV_DOUBLE_FINISHED);
    shutdown_all(&in_place);
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
    run_free(&legacy);
    run_free(&in_place);
}

static void test_host_data_reaches_finish(void)
{
    Run r;
    uint8_t hd[32];
    bool idb;

    /* 32 bytes of 0x41 ('A'), base64 */
    g_assert_true(startup(&r, true, 64 * MiB,
                          "\"host-data\": \"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
                          "QUFBQUFBQUE=\", \"policy\": 196608", 0,
                          &error_abort));
    g_assert_true(kvm_double_sev_finish_data(r.sev, hd, &idb));
    g_assert_cmpuint(hd[0], ==, 'A');
    g_assert_cmpuint(hd[31], ==, 'A');
    g_assert_false(idb);
    g_assert_cmphex(kvm_double_sev_policy(r.sev), ==, 0x30000);
    shutdown_all(&r);
    run_free(&r);
}

static void test_fails_midway(void)
{
    Run r;
    Error *err = NULL;

    g_assert_false(startup(&r, true, 64 * MiB, NULL,
                           KVM_SEV_SNP_LAUNCH_UPDATE, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, "SNP_LAUNCH_UPDATE ret=-5 "
                    "fw_error=23 'Required firmware resource depleted'");
    error_free(err);
    /* no FINISH: nothing launched, and nothing leaks (shutdown checks) */
    g_assert_cmpint(kvm_double_sev_state(r.sev), ==, SEV_DOUBLE_LAUNCHING);
    shutdown_all(&r);
    run_free(&r);
}

static void test_wrong_cbitpos(void)
{
    Run r;
    Error *err = NULL;
    char json[] = "\"cbitpos\": 47";

    /* a later key wins in our JSON: cbitpos 47 on a host with 51 */
    g_assert_false(startup(&r, false, 64 * MiB, json, 0, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "sev_common_kvm_init: cbitpos "
                    "check failed, host '51' requested '47'");
    error_free(err);
    shutdown_all(&r);
    run_free(&r);
}

static void test_in_place_needs_gmem_backend(void)
{
    Run r;
    Error *err = NULL;
    json_t *mem;

    /* a zero-sized RAM backend stops start-up before the board exists */
    g_assert_false(startup(&r, true, 0, NULL, 0, &err));
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
    shutdown_all(&r);
    run_free(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
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
