/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The in-process SEV-SNP start-up on the KVM double shared by
 * test-sev-snp-startup and bench-snp-launch.
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
#include "system/cpus.h"
#include "qemu/main-loop.h"
#include "kvm-double-sev-startup.h"
#include "../../target/i386/sev.h"

void sev_startup_free(Run *r)
{
    if (r->log) {
        g_ptr_array_free(r->log, true);
    }
}

bool sev_startup(Run *r, bool in_place, uint64_t ram_size,
                    const char *snp_json, uint32_t fail_cmd, Error **errp)
{
    return sev_startup_fw(r, in_place, ram_size, snp_json, fail_cmd, NULL, 0,
                          errp);
}

static bool map_firmware(Run *r, bool in_place, const uint8_t *fw,
                         size_t size, Error **errp)
{
    json_t *mem = json_pack("{s:I}", "size", (json_int_t)size);
    uint64_t base = (4ULL << 30) - size;
    Object *o;

    o = user_creatable_add_type(in_place ? TYPE_MEMORY_BACKEND_GUEST_MEMFD
                                         : TYPE_MEMORY_BACKEND_RAM,
                                "flash0", mem, errp);
    json_decref(mem);
    if (!o) {
        return false;
    }
    r->flash = host_memory_backend_get_memory(MEMORY_BACKEND(o));
    memory_region_add_subregion(get_system_memory(), base, r->flash);
    /* a loader writes shared memory; legacy RAM starts private */
    if (!in_place && kvm_convert_memory(base, size, false, errp) < 0) {
        return false;
    }
    memcpy(memory_region_get_ram_ptr(r->flash), fw, size);
    return sev_snp_add_firmware(fw, size, memory_region_get_ram_ptr(r->flash),
                                errp);
}

bool sev_startup_fw(Run *r, bool in_place, uint64_t ram_size,
                    const char *snp_json, uint32_t fail_cmd,
                    const uint8_t *fw, size_t fw_size, Error **errp)
{
    KVMDoubleSevConfig cfg;
    g_autofree char *props = g_strdup_printf(
        "{\"cbitpos\": 51, \"reduced-phys-bits\": 1, "
        "\"convert-in-place\": %s%s%s}", in_place ? "true" : "false",
        snp_json ? ", " : "", snp_json ? snp_json : "");
    json_t *j = json_loads(props, 0, NULL);
    json_t *mem;
    Object *o;
    int64_t t;
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
    t = g_get_monotonic_time();
    if (!kvm_accel_init(KVM_X86_SNP_VM, errp) ||
        !confidential_guest_kvm_init(r->ms->cgs, errp)) {
        return false;
    }
    r->t_accel = (g_get_monotonic_time() - t) * 1000;
    t = g_get_monotonic_time();
    mem = json_pack("{s:I}", "size", (json_int_t)ram_size);
    o = user_creatable_add_type(in_place ? TYPE_MEMORY_BACKEND_GUEST_MEMFD
                                         : TYPE_MEMORY_BACKEND_RAM,
                                "ram0", mem, errp);
    json_decref(mem);
    if (!o ||
        !object_property_set_str(OBJECT(r->ms), "memory-backend", "ram0",
                                 errp) ||
        !machine_run_board_init(r->ms, errp) ||
        (fw && !map_firmware(r, in_place, fw, fw_size, errp)) ||
        !sev_launch_prepare(errp) || !cpus_create(1, errp)) {
        return false;
    }
    r->t_board = (g_get_monotonic_time() - t) * 1000;
    t = g_get_monotonic_time();
    ok = sev_launch(errp);
    r->t_launch = (g_get_monotonic_time() - t) * 1000;
    kvm_double_sev_digest(r->sev, r->digest);
    return ok;
}

void sev_startup_end(Run *r)
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
    if (r->flash) {
        memory_region_del_subregion(get_system_memory(), r->flash);
        r->flash = NULL;
    }
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

