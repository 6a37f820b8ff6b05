/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Conversions against the KVM double (tests/kvm-double): in-place routing
 * with KVM_SET_MEMORY_ATTRIBUTES2, listener order, EAGAIN and failures in
 * the middle of a range (map and kernel state read back and compared),
 * legacy routing with VM attributes and discard, and the capability
 * checks of each model.  No kernel we can run has the in-place ABI.
 */
#include "qemu/osdep.h"
#include "qemu/memfd.h"
#include "qemu/units.h"
#include "linux/kvm.h"
#include "system/kvm.h"
#include "system/kvm_int.h"
#include "system/memory.h"
#include "system/ramblock.h"
#include "system/ram-block-attributes.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"
#include "system/confidential-guest-support.h"
#include "hw/boards.h"
#include "system/cpus.h"
#include "qemu/main-loop.h"
#include "hw/i386/x86-boot.h"
#include "hw/i386/x86-cpu.h"
#include "kvm-double.h"

#define PSZ 4096ULL

static KVMDouble *dbl;

static void start(KVMDoubleProfile p, int vm_type)
{
    dbl = kvm_double_new(p);
    kvm_double_install(dbl);
    g_assert_true(kvm_accel_init(vm_type, &error_abort));
}

static void stop(void)
{
    kvm_accel_cleanup();
    kvm_double_uninstall();
    /* everything the VMM got from the "kernel" was given back */
    g_assert_cmpuint(kvm_double_open_fds(dbl), ==, 0);
    kvm_double_free(dbl);
    dbl = NULL;
}

/* An in-place block: an MMAP|INIT_SHARED guest_memfd converting in place. */
static void inplace_block(MemoryRegion *mr, const char *name, uint64_t size)
{
    int fd = kvm_create_guest_memfd(size, GUEST_MEMFD_FLAG_MMAP |
                                    GUEST_MEMFD_FLAG_INIT_SHARED,
                                    &error_abort);

    g_assert_true(memory_region_init_ram_from_fd(mr, NULL, name, size,
                                                 RAM_SHARED |
                                                 RAM_GUEST_MEMFD_SHARED |
                                                 RAM_GUEST_MEMFD_IN_PLACE,
                                                 fd, 0, &error_abort));
}

/* The map and the double agree on every page of @rb. */
static void assert_agree_gmem(RAMBlock *rb)
{
    RamBlockAttributes *a = ram_block_attributes_get(rb);

    for (uint64_t off = 0; off < rb->max_length; off += PSZ) {
        int64_t k = kvm_double_gmem_attributes(dbl, rb->guest_memfd,
                                               rb->guest_memfd_offset + off);

        g_assert_cmpint(k, >=, 0);
        if (!!k != ram_block_attributes_is_private(a, off)) {
            g_error("map and kernel disagree at offset 0x%" PRIx64
                    " of %s", off, rb->idstr);
        }
    }
}

/* ---- a listener that records what the kernel said at each call ---- */

typedef struct Rec {
    RamBlockAttrListener l;
    GString *log;
} Rec;

static const char *kstate(RAMBlock *rb, uint64_t off)
{
    if (ram_block_convert_model(rb) == RAM_CONVERT_IN_PLACE) {
        return kvm_double_gmem_attributes(dbl, rb->guest_memfd,
                                          rb->guest_memfd_offset + off) ?
               "P" : "S";
    }
    return "?";
}

static void rec_discard(RamBlockAttrListener *l, RAMBlock *rb, uint64_t off,
                        uint64_t size)
{
    Rec *r = container_of(l, Rec, l);

    g_string_append_printf(r->log, "discard %" PRIx64 "+%" PRIx64 " %s;",
                           off, size, kstate(rb, off));
}

static int rec_populate(RamBlockAttrListener *l, RAMBlock *rb, uint64_t off,
                        uint64_t size)
{
    Rec *r = container_of(l, Rec, l);

    g_string_append_printf(r->log, "populate %" PRIx64 "+%" PRIx64 " %s;",
                           off, size, kstate(rb, off));
    return 0;
}

static unsigned attr2_calls(void)
{
    return kvm_double_count(dbl, KVM_SET_MEMORY_ATTRIBUTES2);
}

static void test_inplace(void)
{
    MemoryRegion ram0, ram1, mmio;
    static const MemoryRegionOps no_ops;
    Rec rec = { { rec_discard, rec_populate }, g_string_new("") };
    RamBlockAttributes *a0, *a1;
    Error *err = NULL;
    unsigned calls, falloc;

    start(KVM_DOUBLE_INPLACE_V7, KVM_X86_SW_PROTECTED_VM);
    g_assert_true(kvm_confidential_setup(CGS_MODEL_IN_PLACE, &error_abort));
    g_assert_cmphex(kvm_double_hypercalls_enabled(dbl), ==,
                    1ULL << KVM_HC_MAP_GPA_RANGE);
    inplace_block(&ram0, "ram0", 2 * MiB);
    inplace_block(&ram1, "ram1", 2 * MiB);
    memory_region_init_io(&mmio, NULL, &no_ops, NULL, "mmio", 64 * KiB);
    memory_region_transaction_begin();
    memory_region_add_subregion(get_system_memory(), 0, &ram0);
    memory_region_add_subregion(get_system_memory(), 2 * MiB, &ram1);
    memory_region_add_subregion(get_system_memory(), 4 * MiB, &mmio);
    memory_region_transaction_commit();
    a0 = ram_block_attributes_get(ram0.ram_block);
    a1 = ram_block_attributes_get(ram1.ram_block);
    g_assert_nonnull(a0);
    g_assert_cmpint(a0->model, ==, RAM_CONVERT_IN_PLACE);
    /* nothing private at start, in the map and in the kernel */
    g_assert_cmpuint(a0->nr_private, ==, 0);
    assert_agree_gmem(ram0.ram_block);
    g_assert_cmpuint(kvm_double_count(dbl, KVM_SET_MEMORY_ATTRIBUTES), ==,
                     0);
    ram_block_attributes_listener_add(&rec.l);
    falloc = kvm_double_count(dbl, KVM_DOUBLE_OP_FALLOCATE);

    /* content survives a round trip: the same pages, no discard */
    memset(ram0.ram_block->host + 0x5000, 0x5a, 2 * PSZ);
    g_assert_cmpint(kvm_convert_memory(0x5000, 0x2000, true, &error_abort),
                    ==, 0);
    g_assert_cmpstr(rec.log->str, ==, "discard 5000+2000 S;");
    g_assert_cmpuint(a0->nr_private, ==, 2);
    assert_agree_gmem(ram0.ram_block);
    /* the host never touches it now */
    g_assert_false(ram_block_attributes_check_host_access(0x5ff8, 16, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "guest memory at 0x5ff8 is "
                    "private (RAMBlock 'ram0' offset 0x5000): the host "
                    "cannot access it");
    g_clear_pointer(&err, error_free);

    /* already private: no kernel call, no listener */
    calls = attr2_calls();
    g_string_truncate(rec.log, 0);
    g_assert_cmpint(kvm_convert_memory(0x5000, 0x2000, true, &error_abort),
                    ==, 0);
    g_assert_cmpuint(attr2_calls(), ==, calls);
    g_assert_cmpstr(rec.log->str, ==, "");
    /* mixed range: only the two shared runs go to the kernel */
    g_assert_cmpint(kvm_convert_memory(0x4000, 0x4000, true, &error_abort),
                    ==, 0);
    g_assert_cmpuint(attr2_calls(), ==, calls + 2);
    g_assert_cmpstr(rec.log->str, ==, "discard 4000+1000 S;"
                    "discard 7000+1000 S;");
    assert_agree_gmem(ram0.ram_block);

    /* to shared: convert first, then the listeners see shared pages */
    g_string_truncate(rec.log, 0);
    g_assert_cmpint(kvm_convert_memory(0x4000, 0x4000, false, &error_abort),
                    ==, 0);
    g_assert_cmpstr(rec.log->str, ==, "populate 4000+4000 S;");
    g_assert_cmpuint(a0->nr_private, ==, 0);
    g_assert_cmpuint(ram0.ram_block->host[0x5000], ==, 0x5a);
    g_assert_cmpuint(ram0.ram_block->host[0x6fff], ==, 0x5a);
    /* in place: nothing was ever punched */
    g_assert_cmpuint(kvm_double_count(dbl, KVM_DOUBLE_OP_FALLOCATE), ==,
                     falloc);
    g_assert_cmpuint(a0->stats.to_private, ==, 3);
    g_assert_cmpuint(a0->stats.to_private_bytes, ==, 0x4000);
    g_assert_cmpuint(a0->stats.to_shared, ==, 1);

    /* a pinned page: EAGAIN, retried, then refused; nothing changed */
    kvm_double_gmem_pin(dbl, ram0.ram_block->guest_memfd, 0x11000, true);
    g_string_truncate(rec.log, 0);
    calls = attr2_calls();
    g_assert_cmpint(kvm_convert_memory(0x10000, 0x4000, true, &err), ==,
                    -EAGAIN);
    g_assert_cmpstr(error_get_pretty(err), ==, "Unable to convert "
                    "guest_memfd of RAMBlock 'ram0' (offset 0x10000, + "
                    "0x4000) to private (error offset 0x11000): Resource "
                    "temporarily unavailable");
    g_clear_pointer(&err, error_free);
    g_assert_cmpuint(attr2_calls(), ==, calls + 3);
    /* told to unmap, then to map again what stayed shared */
    g_assert_cmpstr(rec.log->str, ==, "discard 10000+4000 S;"
                    "populate 10000+4000 S;");
    g_assert_cmpuint(a0->stats.failures, ==, 1);
    assert_agree_gmem(ram0.ram_block);
    /* once the pin is gone it works */
    kvm_double_gmem_pin(dbl, ram0.ram_block->guest_memfd, 0x11000, false);
    g_assert_cmpint(kvm_convert_memory(0x10000, 0x4000, true, &error_abort),
                    ==, 0);
    assert_agree_gmem(ram0.ram_block);

    /* failure in the middle of a range: ram0's part done, ram1's not */
    kvm_double_fail(dbl, KVM_SET_MEMORY_ATTRIBUTES2, 2, ENOMEM);
    g_assert_cmpint(kvm_convert_memory(1 * MiB, 2 * MiB, true, &err), ==,
                    -ENOMEM);
    g_assert_cmpstr(error_get_pretty(err), ==, "Unable to convert "
                    "guest_memfd of RAMBlock 'ram1' (offset 0x0, + 0x100000) "
                    "to private (error offset 0x0): Cannot allocate memory");
    g_clear_pointer(&err, error_free);
    g_assert_true(ram_block_attributes_range_is(a0, 1 * MiB, 1 * MiB, true));
    g_assert_true(ram_block_attributes_range_is(a1, 0, 2 * MiB, false));
    assert_agree_gmem(ram0.ram_block);
    assert_agree_gmem(ram1.ram_block);
    kvm_double_clear_faults(dbl);
    {
        /* what x-query-memory-attributes answers now (for the docs) */
        json_t *q = ram_block_attributes_query(8);
        g_autofree char *text = json_dumps(q, JSON_INDENT(1));
        g_autofree char *hmp = ram_block_attributes_format_text(q);

        g_test_message("x-query-memory-attributes:\n%s\n%s", text, hmp);
        g_assert_cmpuint(json_array_size(q), ==, 2);
        json_decref(q);
    }

    /* bad requests change nothing */
    calls = attr2_calls();
    g_assert_cmpint(kvm_convert_memory(0x1001, 0x1000, true, &err), ==,
                    -EINVAL);
    g_clear_pointer(&err, error_free);
    /* RAM then MMIO, to private: refused whole, the RAM page stays */
    g_assert_cmpint(kvm_convert_memory(4 * MiB - PSZ, 2 * PSZ, true, &err),
                    ==, -EINVAL);
    g_assert_cmpstr(error_get_pretty(err), ==, "Convert non guest_memfd "
                    "backed memory region (0x400000, + 0x1000) to private");
    g_clear_pointer(&err, error_free);
    g_assert_false(ram_block_attributes_is_private(a1, 2 * MiB - PSZ));
    /* outside RAM, to private */
    g_assert_cmpint(kvm_convert_memory(1 * GiB, PSZ, true, &err), ==,
                    -EINVAL);
    g_clear_pointer(&err, error_free);
    /* MMIO and holes to shared: fine, and nothing for the kernel */
    g_assert_cmpint(kvm_convert_memory(4 * MiB, 64 * KiB, false,
                                       &error_abort), ==, 0);
    g_assert_cmpint(kvm_convert_memory(1 * GiB, PSZ, false, &error_abort),
                    ==, 0);
    g_assert_cmpuint(attr2_calls(), ==, calls);
    assert_agree_gmem(ram1.ram_block);

    ram_block_attributes_listener_del(&rec.l);
    g_string_free(rec.log, true);
    memory_region_transaction_begin();
    memory_region_del_subregion(get_system_memory(), &ram0);
    memory_region_del_subregion(get_system_memory(), &ram1);
    memory_region_del_subregion(get_system_memory(), &mmio);
    memory_region_transaction_commit();
    memory_region_finalize(&ram0);
    memory_region_finalize(&ram1);
    memory_region_finalize(&mmio);
    stop();
}

static void test_inplace_needs_gmem_attributes(void)
{
    Error *err = NULL;

    start(KVM_DOUBLE_LAB_73, KVM_X86_SW_PROTECTED_VM);
    g_assert_false(kvm_confidential_setup(CGS_MODEL_IN_PLACE, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "convert-in-place=on needs "
                    "per-guest_memfd memory attributes: "
                    "KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES is 0x0 for this "
                    "VM (a kernel with in-place conversion, booted with "
                    "kvm.vm_memory_attributes=0, offers them)");
    g_clear_pointer(&err, error_free);
    /* nothing enabled for a guest that will not run */
    g_assert_cmphex(kvm_double_hypercalls_enabled(dbl), ==, 0);
    stop();

    start(KVM_DOUBLE_INPLACE_V7, KVM_X86_SW_PROTECTED_VM);
    g_assert_false(kvm_confidential_setup(CGS_MODEL_LEGACY, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "convert-in-place=off needs "
                    "VM memory attributes: KVM_CAP_MEMORY_ATTRIBUTES is 0x0 "
                    "for this VM");
    g_clear_pointer(&err, error_free);
    stop();
}

static void test_legacy(void)
{
    MemoryRegion ram;
    Rec rec = { { rec_discard, rec_populate }, g_string_new("") };
    RamBlockAttributes *a;
    RAMBlock *rb;
    unsigned falloc;

    start(KVM_DOUBLE_LAB_73, KVM_X86_SW_PROTECTED_VM);
    g_assert_true(kvm_confidential_setup(CGS_MODEL_LEGACY, &error_abort));
    /* a shared memfd backing plus a private guest_memfd from physmem */
    g_assert_true(memory_region_init_ram_flags_nomigrate(&ram, NULL, "ram0",
                                                         2 * MiB,
                                                         RAM_SHARED |
                                                         RAM_GUEST_MEMFD,
                                                         &error_abort));
    rb = ram.ram_block;
    g_assert_cmpint(rb->guest_memfd, >=, 0);
    g_assert_cmpint(rb->fd, !=, rb->guest_memfd);
    g_assert_cmpint(kvm_double_gmem_flags(dbl, rb->guest_memfd), ==, 0);
    a = ram_block_attributes_get(rb);
    g_assert_cmpint(a->model, ==, RAM_CONVERT_LEGACY);
    memory_region_add_subregion(get_system_memory(), 16 * MiB, &ram);
    /* private from the start, in the map and in the VM's attributes */
    g_assert_cmpuint(a->nr_private, ==, a->nr_pages);
    g_assert_cmphex(kvm_double_gpa_attributes(dbl, 16 * MiB), ==,
                    KVM_MEMORY_ATTRIBUTE_PRIVATE);
    g_assert_cmphex(kvm_double_gpa_attributes(dbl, 18 * MiB - PSZ), ==,
                    KVM_MEMORY_ATTRIBUTE_PRIVATE);
    g_assert_cmphex(kvm_double_gpa_attributes(dbl, 18 * MiB), ==, 0);

    ram_block_attributes_listener_add(&rec.l);
    falloc = kvm_double_count(dbl, KVM_DOUBLE_OP_FALLOCATE);
    /* to shared: attribute, map, listeners, then punch the guest_memfd */
    g_assert_cmpint(kvm_convert_memory(16 * MiB, 0x2000, false, &error_abort),
                    ==, 0);
    g_assert_cmphex(kvm_double_gpa_attributes(dbl, 16 * MiB), ==, 0);
    g_assert_cmphex(kvm_double_gpa_attributes(dbl, 16 * MiB + 0x2000), ==,
                    KVM_MEMORY_ATTRIBUTE_PRIVATE);
    g_assert_cmpuint(kvm_double_count(dbl, KVM_DOUBLE_OP_FALLOCATE), ==,
                     falloc + 1);
    g_assert_cmpstr(rec.log->str, ==, "populate 0+2000 ?;");
    g_assert_true(ram_block_attributes_check_host_access(16 * MiB, 0x2000,
                                                         &error_abort));
    /* the host writes while shared; to private drops the shared copy */
    memset(rb->host, 0xa5, 0x2000);
    g_string_truncate(rec.log, 0);
    g_assert_cmpint(kvm_convert_memory(16 * MiB, 0x2000, true, &error_abort),
                    ==, 0);
    g_assert_cmpstr(rec.log->str, ==, "discard 0+2000 ?;");
    g_assert_cmphex(kvm_double_gpa_attributes(dbl, 16 * MiB), ==,
                    KVM_MEMORY_ATTRIBUTE_PRIVATE);
    g_assert_cmpuint(rb->host[0], ==, 0);
    g_assert_cmpuint(rb->host[0x1fff], ==, 0);
    /* a refused VM attribute leaves map and kernel as they were */
    kvm_double_fail(dbl, KVM_SET_MEMORY_ATTRIBUTES, 1, ENOMEM);
    g_assert_cmpint(kvm_convert_memory(16 * MiB, PSZ, false, NULL), ==,
                    -ENOMEM);
    g_assert_true(ram_block_attributes_is_private(a, 0));
    g_assert_cmphex(kvm_double_gpa_attributes(dbl, 16 * MiB), ==,
                    KVM_MEMORY_ATTRIBUTE_PRIVATE);
    g_assert_cmpuint(a->stats.failures, ==, 1);

    ram_block_attributes_listener_del(&rec.l);
    g_string_free(rec.log, true);
    memory_region_del_subregion(get_system_memory(), &ram);
    /* the range no longer holds the block: shared again */
    g_assert_cmphex(kvm_double_gpa_attributes(dbl, 16 * MiB + PSZ), ==, 0);
    memory_region_finalize(&ram);
    stop();
}

static void test_no_type1(void)
{
    Error *err = NULL;

    dbl = kvm_double_new(KVM_DOUBLE_HOST_618);
    kvm_double_install(dbl);
    g_assert_false(kvm_accel_init(KVM_X86_SW_PROTECTED_VM, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "KVM VM type 1 "
                    "(KVM_X86_SW_PROTECTED_VM) is not supported by this host "
                    "(KVM_CAP_VM_TYPES=0x1)");
    g_clear_pointer(&err, error_free);
    kvm_double_uninstall();
    g_assert_cmpuint(kvm_double_open_fds(dbl), ==, 0);
    kvm_double_free(dbl);
    dbl = NULL;
}

/* ---- start-up: the machine, its CGS and the backends ---- */

static MachineState *machine_with_cgs(bool in_place)
{
    MachineState *ms = MACHINE(object_new(MACHINE_TYPE_NAME("none")));
    json_t *props = json_pack("{s:b}", "convert-in-place", in_place);

    object_property_add_child(object_get_root(), "machine", OBJECT(ms));
    object_unref(OBJECT(ms));
    current_machine_set(ms);
    g_assert_nonnull(user_creatable_add_type(TYPE_SW_PROTECTED_VM, "cgs0",
                                             props, &error_abort));
    json_decref(props);
    g_assert_true(object_property_set_str(OBJECT(ms),
                                          "confidential-guest-support",
                                          "cgs0", &error_abort));
    g_assert_true(confidential_guest_kvm_init(ms->cgs, &error_abort));
    g_assert_true(ms->cgs->ready);
    return ms;
}

static void machine_end(MachineState *ms)
{
    if (ms->ram && ms->ram->container) {
        memory_region_del_subregion(ms->ram->container, ms->ram);
    }
    current_machine_set(NULL);
    object_unparent(OBJECT(ms));
    user_creatable_cleanup();
}

static Object *backend(const char *type, const char *id, const char *json,
                       Error **errp)
{
    json_t *props = json_loads(json, 0, NULL);
    Object *o = user_creatable_add_type(type, id, props, errp);

    json_decref(props);
    return o;
}

static void test_startup_inplace(void)
{
    MachineState *ms;
    Object *o;
    RAMBlock *rb;
    Error *err = NULL;

    start(KVM_DOUBLE_INPLACE_V7, KVM_X86_SW_PROTECTED_VM);
    ms = machine_with_cgs(true);
    g_assert_cmpint(confidential_guest_memory_model(), ==,
                    CGS_MODEL_IN_PLACE);
    /* the machine's CGS cannot go away */
    g_assert_false(user_creatable_del("cgs0", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "object 'cgs0' is in use, "
                    "can not be deleted");
    g_clear_pointer(&err, error_free);

    /* memory-backend-memfd with guest-memfd=auto becomes a guest_memfd */
    o = backend("memory-backend-memfd", "m0", "{\"size\": 2097152}",
                &error_abort);
    g_assert_true(host_memory_backend_is_guest_memfd(MEMORY_BACKEND(o)));
    rb = MEMORY_BACKEND(o)->mr.ram_block;
    g_assert_true(rb->flags & RAM_GUEST_MEMFD_IN_PLACE);
    g_assert_cmpint(kvm_double_gmem_flags(dbl, rb->fd), ==,
                    GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED);
    g_assert_cmpint(ram_block_convert_model(rb), ==, RAM_CONVERT_IN_PLACE);

    /* what cannot convert in place is refused, naming backend and rule */
    g_assert_null(backend("memory-backend-memfd", "m1",
                          "{\"size\": 2097152, \"guest-memfd\": \"off\"}",
                          &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "cannot set up private guest "
                    "memory for m1: convert-in-place=on needs guest RAM in a "
                    "guest_memfd, not memory-backend-memfd");
    g_clear_pointer(&err, error_free);
    g_assert_null(backend("memory-backend-ram", "m2", "{\"size\": 2097152}",
                          &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "cannot set up private guest "
                    "memory for m2: convert-in-place=on needs guest RAM in a "
                    "guest_memfd, not memory-backend-ram");
    g_clear_pointer(&err, error_free);
    g_assert_null(object_resolve_path_component(object_get_objects_root(),
                                                "m2"));

    /* the default RAM backend is a guest_memfd too */
    ms->ram_size = 2 * MiB;
    g_assert_true(machine_run_board_init(ms, &error_abort));
    o = object_resolve_path_component(object_get_objects_root(), "ram");
    g_assert_nonnull(o);
    g_assert_cmpstr(object_get_typename(o), ==,
                    TYPE_MEMORY_BACKEND_GUEST_MEMFD);
    g_assert_true(host_memory_backend_is_guest_memfd(MEMORY_BACKEND(o)));
    machine_end(ms);
    stop();
}

static void test_startup_legacy(void)
{
    MachineState *ms;
    Object *o;
    RAMBlock *rb;

    start(KVM_DOUBLE_LAB_73, KVM_X86_SW_PROTECTED_VM);
    ms = machine_with_cgs(false);
    g_assert_cmpint(confidential_guest_memory_model(), ==, CGS_MODEL_LEGACY);
    g_assert_cmphex(kvm_double_hypercalls_enabled(dbl), ==,
                    1ULL << KVM_HC_MAP_GPA_RANGE);
    /* the same memfd line: a memfd here, plus a private guest_memfd */
    o = backend("memory-backend-memfd", "m0", "{\"size\": 2097152}",
                &error_abort);
    g_assert_false(host_memory_backend_is_guest_memfd(MEMORY_BACKEND(o)));
    rb = MEMORY_BACKEND(o)->mr.ram_block;
    g_assert_cmpint(ram_block_convert_model(rb), ==, RAM_CONVERT_LEGACY);
    g_assert_cmpint(kvm_double_gmem_flags(dbl, rb->guest_memfd), ==, 0);
    g_assert_cmpint(kvm_double_gmem_flags(dbl, rb->fd), ==, -EBADF);
    /* any backend type works in the legacy model */
    o = backend("memory-backend-ram", "m1", "{\"size\": 2097152}",
                &error_abort);
    rb = MEMORY_BACKEND(o)->mr.ram_block;
    g_assert_cmpint(ram_block_convert_model(rb), ==, RAM_CONVERT_LEGACY);
    g_assert_cmpuint(ram_block_attributes_get(rb)->nr_private, ==, 512);
    machine_end(ms);
    stop();
}

static void test_default_vm_no_conversions(void)
{
    /* a guest that is not confidential: no hypercall exits for us */
    start(KVM_DOUBLE_LAB_73, KVM_X86_DEFAULT_VM);
    g_assert_cmphex(kvm_double_hypercalls_enabled(dbl), ==, 0);
    stop();
}

/* ---- requests from the guest: scripted exits of a real vCPU thread ---- */

/* Let vCPU 0 run until it took @runs exits and parked on the last HLT. */
static void run_until(unsigned runs)
{
    gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    CPUState *c = qemu_get_cpu(0);

    resume_all_vcpus();
    for (;;) {
        bool parked;

        qemu_cpus_lock();
        parked = c->halted && c->stopped;
        qemu_cpus_unlock();
        if (parked && kvm_double_vcpu_runs(dbl, 0) >= runs) {
            return;
        }
        if (g_get_monotonic_time() > deadline) {
            g_error("vCPU 0 did not run: %u exits, halted %d crashed %d",
                    kvm_double_vcpu_runs(dbl, 0), c->halted, c->crashed);
        }
        g_usleep(500);
    }
}

static int64_t hypercall(uint64_t gpa, uint64_t npages, uint64_t attrs)
{
    unsigned runs = kvm_double_vcpu_runs(dbl, 0);
    int64_t ret = 1;

    kvm_double_queue_hypercall(dbl, 0, KVM_HC_MAP_GPA_RANGE, gpa, npages,
                               attrs);
    /* the HLT's KVM_RUN is where the double reads the ret back */
    kvm_double_queue_hlt(dbl, 0);
    run_until(runs + 2);
    g_assert_true(kvm_double_hypercall_ret(dbl, 0, &ret));

    return ret;
}

static void test_guest_requests(void)
{
    MemoryRegion ram;
    RamBlockAttributes *a;
    unsigned runs;

    start(KVM_DOUBLE_INPLACE_V7, KVM_X86_SW_PROTECTED_VM);
    g_assert_true(kvm_confidential_setup(CGS_MODEL_IN_PLACE, &error_abort));
    inplace_block(&ram, "ram0", 2 * MiB);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    a = ram_block_attributes_get(ram.ram_block);
    g_assert_true(cpus_create(1, &error_abort));
    {
        /* where it "runs" does not matter: the double scripts the exits */
        X86BootState st;

        x86_long_mode_state(&st, 0x1000, 0x2000, 0x3000);
        x86_cpu_set_boot_state(0, &st);
    }
    /* the vCPU is created off the main thread: script it once it exists */
    while (kvm_double_nr_vcpus(dbl) < 1) {
        g_usleep(500);
    }

    /* a good request: two pages to private */
    g_assert_cmpint(hypercall(0x5000, 2, KVM_MAP_GPA_RANGE_ENCRYPTED), ==, 0);
    g_assert_true(ram_block_attributes_range_is(a, 0x5000, 0x2000, true));
    assert_agree_gmem(ram.ram_block);
    /* bad ones fail back to the guest, and change nothing */
    g_assert_cmpint(hypercall(0x5800, 1, 0), ==, -EINVAL);      /* unaligned */
    g_assert_cmpint(hypercall(1 * GiB, 1, KVM_MAP_GPA_RANGE_ENCRYPTED), ==,
                    -EINVAL);                                 /* not RAM */
    g_assert_cmpint(hypercall(0x5000, 2, 1ULL << 5), ==, -EINVAL); /* rsvd */
    g_assert_cmpint(hypercall(0x5000, UINT64_MAX / 2, 0), ==, -EINVAL);
    g_assert_true(ram_block_attributes_range_is(a, 0x5000, 0x2000, true));

    /* an implicit conversion: the guest touched a page as shared */
    runs = kvm_double_vcpu_runs(dbl, 0);
    kvm_double_queue_memory_fault(dbl, 0, 0x6000, 0x1000, false);
    kvm_double_queue_hlt(dbl, 0);
    run_until(runs + 2);
    g_assert_false(ram_block_attributes_is_private(a, 0x6000));
    g_assert_true(ram_block_attributes_is_private(a, 0x5000));
    assert_agree_gmem(ram.ram_block);
    g_assert_false(qemu_get_cpu(0)->crashed);

    /*
     * A guest flooding conversion requests: each exit does bounded work
     * and gives the big lock back, so the main loop (QMP) gets it while
     * the flood is still going on.
     */
    {
        const unsigned flood = 100000;
        unsigned before = kvm_double_vcpu_runs(dbl, 0), during;
        json_t *q;

        for (unsigned i = 0; i < flood; i++) {
            kvm_double_queue_hypercall(dbl, 0, KVM_HC_MAP_GPA_RANGE,
                                       0x100000 + (i % 64) * 0x1000, 1,
                                       i & 1 ? 0
                                             : KVM_MAP_GPA_RANGE_ENCRYPTED);
        }
        kvm_double_queue_hlt(dbl, 0);
        resume_all_vcpus();
        while (kvm_double_vcpu_runs(dbl, 0) < before + 10) {
            g_usleep(100);
        }
        bql_lock();
        q = ram_block_attributes_query(4);
        during = kvm_double_vcpu_runs(dbl, 0);
        bql_unlock();
        g_test_message("main loop got the lock after %u of %u exits",
                       during - before, flood);
        g_assert_cmpuint(during, <, before + flood);
        g_assert_cmpuint(json_array_size(q), ==, 1);
        json_decref(q);
        run_until(before + flood + 1);
        g_assert_cmpuint(a->stats.failures, ==, 0);
    }

    cpus_destroy();
    memory_region_del_subregion(get_system_memory(), &ram);
    memory_region_finalize(&ram);
    stop();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    module_call_init_qom();
    memory_init();
    g_test_add_func("/kvm-convert/in-place", test_inplace);
    g_test_add_func("/kvm-convert/in-place-needs-gmem-attributes",
                    test_inplace_needs_gmem_attributes);
    g_test_add_func("/kvm-convert/legacy", test_legacy);
    g_test_add_func("/kvm-convert/no-type1", test_no_type1);
    g_test_add_func("/kvm-convert/startup-in-place", test_startup_inplace);
    g_test_add_func("/kvm-convert/startup-legacy", test_startup_legacy);
    g_test_add_func("/kvm-convert/guest-requests", test_guest_requests);
    g_test_add_func("/kvm-convert/default-vm-no-hypercall-exits",
                    test_default_vm_no_conversions);
    return g_test_run();
}
