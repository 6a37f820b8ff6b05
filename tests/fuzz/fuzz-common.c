/* SPDX-License-Identifier: GPL-2.0-or-later */
/* In-process set-up shared by the libFuzzer targets that need a machine. */
#include "tests/fuzz/fuzz-common.h"
#include "chardev/chardev-internal.h"
#include "hw/boards.h"
#include "qemu/main-loop.h"
#include "qom/object.h"
#include "system/memory.h"
#include "system/qtest.h"

static MemoryRegion fuzz_ram;

static void check(bool ok, Error *err)
{
    if (!ok) {
        error_report_err(err);
        abort();
    }
}

void fuzz_machine_init(uint64_t ram_size)
{
    Error *err = NULL;
    MachineClass *mc;
    Object *obj;

    error_init("qemu-fuzz");
    module_call_init_qom();
    bql_lock();
    memory_init();
    mc = machine_find_class("none");
    g_assert(mc);
    obj = object_new(object_class_get_name(OBJECT_CLASS(mc)));
    object_property_add_child(object_get_root(), "machine", obj);
    object_unref(obj);
    current_machine_set(MACHINE(obj));
    check(qtest_accel_init(&err), err);
    check(machine_run_board_init(MACHINE(obj), &err), err);
    if (ram_size) {
        check(memory_region_init_ram_flags_nomigrate(&fuzz_ram, NULL,
                                                     "fuzz-ram", ram_size, 0,
                                                     &err), err);
        memory_region_add_subregion(get_system_memory(), 0, &fuzz_ram);
    }
}

Chardev *fuzz_chardev_new(const char *id)
{
    Error *err = NULL;
    Chardev *chr = qemu_chr_new(id, "null", &err);

    check(chr != NULL, err);
    return chr;
}

void fuzz_chardev_session(Chardev *chr, const uint8_t *data, size_t size)
{
    ChrConn *conn = chr_conn_add(chr, -1, -1, false, false);
    int id = conn->id;
    size_t pos = 0;

    /* The first byte picks the read size (1..256): framers must not care. */
    size_t chunk = size ? (size_t)data[0] + 1 : 1;

    while (pos < size) {
        size_t n = MIN(chunk, size - pos);

        chr->read(chr->opaque, id, data + pos, n);
        pos += n;
        /* Front ends may answer from the main loop (QMP's dispatcher). */
        while (g_main_context_iteration(NULL, FALSE)) {
            /* run everything that is ready */
        }
    }
    qemu_chr_close_conn(chr, id);
}
