/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the shared/private map (system/ram-block-attributes.c),
 * the routing of a RAMBlock by its flags, the host-access checks of the
 * loader, and the confidential-guest-support QOM rules.
 */
#include "qemu/osdep.h"
#include "qemu/memfd.h"
#include "qemu/units.h"
#include "qom/object_interfaces.h"
#include "system/memory.h"
#include "system/ramblock.h"
#include "system/ram-block-attributes.h"
#include "system/confidential-guest-support.h"
#include "hw/i386/x86-boot.h"

#define PSZ 4096ULL

/* A block with @flags over a memfd; with IN_PLACE it gets a map. */
static void block_init(MemoryRegion *mr, const char *name, uint64_t size,
                       uint32_t flags)
{
    int fd = qemu_memfd_create(name, size, false, 0, 0, &error_abort);

    g_assert_true(memory_region_init_ram_from_fd(mr, NULL, name, size,
                                                 RAM_SHARED | flags, fd, 0,
                                                 &error_abort));
}

static void test_model_from_flags(void)
{
    RAMBlock rb = { .guest_memfd = -1 };

    /* no private guest_memfd: never convertible, whatever the flags */
    rb.flags = RAM_GUEST_MEMFD | RAM_GUEST_MEMFD_IN_PLACE;
    g_assert_cmpint(ram_block_convert_model(&rb), ==, RAM_CONVERT_NONE);
    rb.guest_memfd = 3;
    rb.flags = RAM_GUEST_MEMFD_SHARED;      /* a non-CoCo gmem block */
    g_assert_cmpint(ram_block_convert_model(&rb), ==, RAM_CONVERT_NONE);
    rb.flags = RAM_GUEST_MEMFD;
    g_assert_cmpint(ram_block_convert_model(&rb), ==, RAM_CONVERT_LEGACY);
    /* a gmem used as the shared side, private gmem beside it: legacy */
    rb.flags = RAM_GUEST_MEMFD | RAM_GUEST_MEMFD_SHARED;
    g_assert_cmpint(ram_block_convert_model(&rb), ==, RAM_CONVERT_LEGACY);
    rb.flags = RAM_GUEST_MEMFD_SHARED | RAM_GUEST_MEMFD_IN_PLACE;
    g_assert_cmpint(ram_block_convert_model(&rb), ==, RAM_CONVERT_IN_PLACE);
    g_assert_cmpstr(ram_block_convert_model_name(RAM_CONVERT_IN_PLACE), ==,
                    "in-place");
}

static void test_map_initial_state(void)
{
    RAMBlock legacy = { .guest_memfd = 3, .flags = RAM_GUEST_MEMFD,
                        .max_length = 1 * MiB };
    RAMBlock inplace = { .guest_memfd = 3, .max_length = 1 * MiB,
                         .flags = RAM_GUEST_MEMFD_SHARED |
                                  RAM_GUEST_MEMFD_IN_PLACE };
    RAMBlock none = { .guest_memfd = 3, .flags = RAM_GUEST_MEMFD_SHARED,
                      .max_length = 1 * MiB };
    RamBlockAttributes *a;

    ram_block_attributes_create(&legacy);
    ram_block_attributes_create(&inplace);
    ram_block_attributes_create(&none);
    g_assert_null(none.attributes);
    a = ram_block_attributes_get(&legacy);
    g_assert_cmpuint(a->nr_pages, ==, 256);
    g_assert_cmpuint(a->nr_private, ==, 256);
    g_assert_true(ram_block_attributes_range_is(a, 0, 1 * MiB, true));
    a = ram_block_attributes_get(&inplace);
    g_assert_cmpuint(a->nr_private, ==, 0);
    g_assert_true(ram_block_attributes_range_is(a, 0, 1 * MiB, false));
    ram_block_attributes_destroy(&legacy);
    ram_block_attributes_destroy(&inplace);
    g_assert_null(legacy.attributes);
}

static void test_map_runs(void)
{
    /* 200 pages: runs cross the 64-bit words of the bitmap */
    RAMBlock rb = { .guest_memfd = 3, .max_length = 200 * PSZ,
                    .flags = RAM_GUEST_MEMFD_SHARED |
                             RAM_GUEST_MEMFD_IN_PLACE };
    RamBlockAttributes *a;
    uint64_t s, n;

    ram_block_attributes_create(&rb);
    a = ram_block_attributes_get(&rb);
    g_assert_true(ram_block_attributes_range_valid(a, 0, 200 * PSZ));
    g_assert_false(ram_block_attributes_range_valid(a, 1, PSZ));
    g_assert_false(ram_block_attributes_range_valid(a, 0, 201 * PSZ));
    g_assert_false(ram_block_attributes_range_valid(a, 199 * PSZ,
                                                    UINT64_MAX - PSZ + 1));

    ram_block_attributes_set_range(a, 60 * PSZ, 10 * PSZ, true);
    ram_block_attributes_set_range(a, 120 * PSZ, 80 * PSZ, true);
    g_assert_cmpuint(a->nr_private, ==, 90);
    /* setting what already is counts nothing */
    ram_block_attributes_set_range(a, 65 * PSZ, 10 * PSZ, true);
    g_assert_cmpuint(a->nr_private, ==, 95);
    g_assert_true(ram_block_attributes_is_private(a, 74 * PSZ));
    g_assert_false(ram_block_attributes_is_private(a, 75 * PSZ));
    g_assert_false(ram_block_attributes_range_is(a, 0, 61 * PSZ, false));
    g_assert_true(ram_block_attributes_range_is(a, 0, 60 * PSZ, false));

    /* runs not yet private, from 0 */
    g_assert_true(ram_block_attributes_next_run(a, 0, 200 * PSZ, true, &s,
                                                &n));
    g_assert_cmpuint(s, ==, 0);
    g_assert_cmpuint(n, ==, 60 * PSZ);
    g_assert_true(ram_block_attributes_next_run(a, 60 * PSZ, 200 * PSZ, true,
                                                &s, &n));
    g_assert_cmpuint(s, ==, 75 * PSZ);
    g_assert_cmpuint(n, ==, 45 * PSZ);
    g_assert_false(ram_block_attributes_next_run(a, 120 * PSZ, 200 * PSZ,
                                                 true, &s, &n));
    /* runs not yet shared, clipped at the end asked for */
    g_assert_true(ram_block_attributes_next_run(a, 0, 130 * PSZ, false, &s,
                                                &n));
    g_assert_cmpuint(s, ==, 60 * PSZ);
    g_assert_cmpuint(n, ==, 15 * PSZ);
    g_assert_true(ram_block_attributes_next_run(a, 75 * PSZ, 130 * PSZ, false,
                                                &s, &n));
    g_assert_cmpuint(s, ==, 120 * PSZ);
    g_assert_cmpuint(n, ==, 10 * PSZ);

    ram_block_attributes_set_range(a, 0, 200 * PSZ, false);
    g_assert_cmpuint(a->nr_private, ==, 0);
    ram_block_attributes_destroy(&rb);
}

/* ---- listeners ---- */

typedef struct RecListener {
    RamBlockAttrListener l;
    GString *log;
    int fail;
} RecListener;

static void rec_discard(RamBlockAttrListener *l, RAMBlock *rb,
                        uint64_t off, uint64_t size)
{
    RecListener *r = container_of(l, RecListener, l);

    g_string_append_printf(r->log, "%s:discard %" PRIx64 "+%" PRIx64 ";",
                           (char *)l->opaque, off, size);
}

static int rec_populate(RamBlockAttrListener *l, RAMBlock *rb,
                        uint64_t off, uint64_t size)
{
    RecListener *r = container_of(l, RecListener, l);

    g_string_append_printf(r->log, "%s:populate %" PRIx64 "+%" PRIx64 ";",
                           (char *)l->opaque, off, size);
    return r->fail;
}

static void test_listeners(void)
{
    GString *log = g_string_new("");
    RecListener a = { { rec_discard, rec_populate, "a" }, log, 0 };
    RecListener b = { { rec_discard, rec_populate, "b" }, log, -EIO };
    RAMBlock rb = { 0 };

    ram_block_attributes_listener_add(&a.l);
    ram_block_attributes_listener_add(&b.l);
    ram_block_attributes_notify_discard(&rb, 0x1000, 0x2000);
    /* the first error is returned, every listener still hears about it */
    g_assert_cmpint(ram_block_attributes_notify_populate(&rb, 0, 0x1000), ==,
                    -EIO);
    g_assert_cmpstr(log->str, ==, "a:discard 1000+2000;b:discard 1000+2000;"
                    "a:populate 0+1000;b:populate 0+1000;");
    ram_block_attributes_listener_del(&a.l);
    ram_block_attributes_listener_del(&b.l);
    g_string_truncate(log, 0);
    ram_block_attributes_notify_discard(&rb, 0, 0x1000);
    g_assert_cmpstr(log->str, ==, "");
    g_string_free(log, true);
}

/* ---- the host never touches a private page ---- */

static void test_host_access(void)
{
    MemoryRegion mr;
    RamBlockAttributes *a;
    Error *err = NULL;
    json_t *q, *b;

    block_init(&mr, "cgs-ram", 2 * MiB,
               RAM_GUEST_MEMFD_SHARED | RAM_GUEST_MEMFD_IN_PLACE);
    a = ram_block_attributes_get(mr.ram_block);
    g_assert_nonnull(a);
    g_assert_cmpint(a->model, ==, RAM_CONVERT_IN_PLACE);
    memory_region_add_subregion(get_system_memory(), 16 * MiB, &mr);

    g_assert_true(ram_block_attributes_check_host_access(16 * MiB, 2 * MiB,
                                                         &error_abort));
    ram_block_attributes_set_range(a, 0x5000, 0x2000, true);
    g_assert_true(ram_block_attributes_check_host_access(16 * MiB, 0x5000,
                                                         &error_abort));
    g_assert_false(ram_block_attributes_check_host_access(16 * MiB + 0x4ff0,
                                                          0x20, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "guest memory at 0x1005000 "
                    "is private (RAMBlock 'cgs-ram' offset 0x5000): the "
                    "host cannot access it");
    g_clear_pointer(&err, error_free);
    /* starting inside a private page names that page's address */
    g_assert_false(ram_block_attributes_check_host_access(16 * MiB + 0x6008,
                                                          1, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "guest memory at 0x1006008 "
                    "is private (RAMBlock 'cgs-ram' offset 0x6000): the "
                    "host cannot access it");
    g_clear_pointer(&err, error_free);
    /* holes and memory without a map are the host's */
    g_assert_true(ram_block_attributes_check_host_access(1 * GiB, 4096,
                                                         &error_abort));

    /* the query: one block, three runs, counters */
    a->stats.to_private = 1;
    a->stats.to_private_bytes = 0x2000;
    q = ram_block_attributes_query(64);
    g_assert_cmpuint(json_array_size(q), ==, 1);
    b = json_array_get(q, 0);
    g_assert_cmpstr(json_string_value(json_object_get(b, "model")), ==,
                    "in-place");
    g_assert_cmpint(json_integer_value(json_object_get(b, "private-bytes")),
                    ==, 0x2000);
    g_assert_cmpint(json_integer_value(json_object_get(b, "shared-bytes")),
                    ==, 2 * MiB - 0x2000);
    g_assert_cmpuint(json_array_size(json_object_get(b, "ranges")), ==, 3);
    g_assert_true(json_is_true(json_object_get(json_array_get(
                      json_object_get(b, "ranges"), 1), "private")));
    g_assert_false(json_is_true(json_object_get(b, "ranges-truncated")));
    json_decref(q);
    /* capped */
    q = ram_block_attributes_query(2);
    b = json_array_get(q, 0);
    g_assert_cmpuint(json_array_size(json_object_get(b, "ranges")), ==, 2);
    g_assert_true(json_is_true(json_object_get(b, "ranges-truncated")));
    {
        g_autofree char *text = ram_block_attributes_format_text(q);

        g_assert_cmpstr(text, ==,
            "cgs-ram: model in-place, 2097152 bytes, private 8192, "
            "shared 2088960\n"
            "  0x0000000000000000-0x0000000000004fff shared\n"
            "  0x0000000000005000-0x0000000000006fff private\n"
            "  ...\n"
            "  conversions: to private 1 (8192 bytes), to shared 0 (0 "
            "bytes), failed 0, 0 ns in the kernel\n");
    }
    json_decref(q);

    memory_region_del_subregion(get_system_memory(), &mr);
    memory_region_finalize(&mr);
}

static void test_loader_refuses_private(void)
{
    MemoryRegion mr;
    X86Boot boot = { 0 };
    X86BootBlob *blob = g_new0(X86BootBlob, 1);
    static const uint8_t data[16] = { 0xaa };
    Error *err = NULL;

    block_init(&mr, "boot-ram", 1 * MiB,
               RAM_GUEST_MEMFD_SHARED | RAM_GUEST_MEMFD_IN_PLACE);
    memory_region_add_subregion(get_system_memory(), 0, &mr);
    ram_block_attributes_set_range(ram_block_attributes_get(mr.ram_block),
                                   0x7000, 0x1000, true);
    blob->name = g_strdup("kernel");
    blob->gpa = 0x7ff8;
    blob->data = g_bytes_new_static(data, sizeof(data));
    boot.blobs = g_ptr_array_new();
    g_ptr_array_add(boot.blobs, blob);

    g_assert_false(x86_boot_load(&boot, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "cannot load kernel: guest "
                    "memory at 0x7ff8 is private (RAMBlock 'boot-ram' "
                    "offset 0x7000): the host cannot access it");
    g_clear_pointer(&err, error_free);
    /* nothing was written into the page */
    g_assert_cmpuint(mr.ram_block->host[0x7ff8], ==, 0);
    /* the same blob one page later goes in */
    blob->gpa = 0x8000;
    g_assert_true(x86_boot_load(&boot, &error_abort));
    g_assert_cmpuint(mr.ram_block->host[0x8000], ==, 0xaa);

    g_ptr_array_free(boot.blobs, true);
    g_bytes_unref(blob->data);
    g_free(blob->name);
    g_free(blob);
    memory_region_del_subregion(get_system_memory(), &mr);
    memory_region_finalize(&mr);
}

/* ---- confidential-guest-support ---- */

#define TYPE_TEST_CGS_NO_INPLACE "test-cgs-no-inplace"

static const TypeInfo test_cgs_info = {
    .name = TYPE_TEST_CGS_NO_INPLACE,
    .parent = TYPE_CONFIDENTIAL_GUEST_SUPPORT,
    .instance_size = sizeof(ConfidentialGuestSupport),
};

static void test_cgs_properties(void)
{
    Object *o = object_new(TYPE_SW_PROTECTED_VM);
    ConfidentialGuestSupportClass *cc = CONFIDENTIAL_GUEST_SUPPORT_GET_CLASS(o);
    Error *err = NULL;

    g_assert_cmpint(cc->kvm_vm_type, ==, 1);
    g_assert_cmpstr(cc->kvm_vm_type_name, ==, "KVM_X86_SW_PROTECTED_VM");
    g_assert_false(object_property_get_bool(o, "convert-in-place",
                                            &error_abort));
    g_assert_true(object_property_set_bool(o, "convert-in-place", true,
                                           &error_abort));
    /* chosen once: not while a machine uses it */
    CONFIDENTIAL_GUEST_SUPPORT(o)->in_use = true;
    g_assert_false(object_property_set_bool(o, "convert-in-place", false,
                                            &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "cannot change property "
                    "value");
    g_clear_pointer(&err, error_free);
    g_assert_false(user_creatable_can_be_deleted(o));
    CONFIDENTIAL_GUEST_SUPPORT(o)->in_use = false;
    g_assert_true(user_creatable_can_be_deleted(o));
    object_unref(o);

    /* early by class: created before the accelerator */
    g_assert_false(user_creatable_type_is_late(TYPE_SW_PROTECTED_VM));
    g_assert_true(user_creatable_type_is_late("memory-backend-ram"));

    type_register_static(&test_cgs_info);
    o = object_new(TYPE_TEST_CGS_NO_INPLACE);
    g_assert_false(object_property_set_bool(o, "convert-in-place", true,
                                            &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "In-place conversion support "
                    "is not supported for this guest configuration.");
    g_clear_pointer(&err, error_free);
    g_assert_false(object_property_get_bool(o, "convert-in-place",
                                            &error_abort));
    object_unref(o);
}

static void test_cgs_creation_closed(void)
{
    Error *err = NULL;

    confidential_guest_support_close_creation(true);
    g_assert_null(user_creatable_add_type(TYPE_SW_PROTECTED_VM, "late0", NULL,
                                          &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "object type 'sw-protected-vm' "
                    "cannot be created after the machine is initialized: it "
                    "chooses the KVM VM type");
    g_clear_pointer(&err, error_free);
    /* nothing half-made is left */
    g_assert_null(object_resolve_path_component(object_get_objects_root(),
                                                "late0"));
    confidential_guest_support_close_creation(false);
    g_assert_nonnull(user_creatable_add_type(TYPE_SW_PROTECTED_VM, "early0",
                                             NULL, &error_abort));
    g_assert_true(user_creatable_del("early0", &error_abort));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    module_call_init_qom();
    memory_init();
    g_test_add_func("/ram-block-attributes/model-from-flags",
                    test_model_from_flags);
    g_test_add_func("/ram-block-attributes/initial-state",
                    test_map_initial_state);
    g_test_add_func("/ram-block-attributes/runs", test_map_runs);
    g_test_add_func("/ram-block-attributes/listeners", test_listeners);
    g_test_add_func("/ram-block-attributes/host-access", test_host_access);
    g_test_add_func("/ram-block-attributes/loader",
                    test_loader_refuses_private);
    g_test_add_func("/cgs/properties", test_cgs_properties);
    g_test_add_func("/cgs/creation-closed", test_cgs_creation_closed);
    return g_test_run();
}
