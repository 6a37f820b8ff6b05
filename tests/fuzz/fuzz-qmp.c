/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: QMP as a client reaches it.  Each input is one client
 * session on a chardev the QMP monitor owns: the bytes go through the
 * monitor's read handler, the JSON framer, request checks, argument
 * validation against the schema and the command handlers, on a
 * "-machine none -accel qtest" machine.
 */
#include "qemu/osdep.h"
#include "monitor/monitor.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "tests/fuzz/fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static Chardev *qmp_chr;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    Error *err = NULL;

    fuzz_machine_init(0);
    qmp_chr = fuzz_chardev_new("qmp");
    if (!monitor_new_qmp(qmp_chr, &err)) {
        error_report_err(err);
        abort();
    }
    return 0;
}

static int collect_id(Object *child, void *opaque)
{
    g_ptr_array_add(opaque,
                    g_strdup(object_get_canonical_path_component(child)));
    return 0;
}

/*
 * Inputs must not depend on the ones before them: what a session created
 * under /objects goes with it (objects in use by others go last).
 */
static void delete_user_objects(void)
{
    for (int pass = 0; pass < 4; pass++) {
        g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

        object_child_foreach(object_get_objects_root(), collect_id, ids);
        if (!ids->len) {
            return;
        }
        for (guint i = 0; i < ids->len; i++) {
            user_creatable_del(g_ptr_array_index(ids, i), NULL);
        }
    }
}

/*
 * A QMP client is trusted with the host: mem-path creates and truncates
 * files where it points, prealloc commits as much memory as it is told.
 * Inputs that use them would have the fuzzer damage this machine, not
 * find bugs; they are not run (libFuzzer keeps them out of the corpus).
 */
static bool touches_host(const uint8_t *data, size_t size)
{
    static const char *const words[] = { "mem-path", "prealloc" };

    for (unsigned i = 0; i < G_N_ELEMENTS(words); i++) {
        if (memmem(data, size, words[i], strlen(words[i]))) {
            return true;
        }
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (touches_host(data, size)) {
        return -1;
    }
    fuzz_chardev_session(qmp_chr, data, size);
    delete_user_objects();
    return 0;
}
