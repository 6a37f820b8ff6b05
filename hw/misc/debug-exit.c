/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isa-debug-exit: lets a test guest end the VMM with a chosen status
 * ((value << 1) | 1, so it never collides with a clean 0 exit).
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "hw/misc/debug-exit.h"
#include "system/runstate.h"

struct DebugExitState {
    MemoryRegion io;
    uint32_t iobase;
    uint32_t iosize;
};

static uint64_t debug_exit_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void debug_exit_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    qemu_system_exit_request((int)((val << 1) | 1));
}

static const MemoryRegionOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
};

static bool parse_u32_prop(const char *name, const char *str, uint32_t max,
                           uint32_t *out, Error **errp)
{
    uint64_t v;

    if (qemu_strtou64(str, NULL, 0, &v) < 0 || v > max) {
        error_setg(errp, "Parameter '%s' expects %s", name,
                   max == UINT16_MAX ? "uint16_t" : "uint32_t");
        return false;
    }
    *out = v;
    return true;
}

DebugExitState *debug_exit_create(MemoryRegion *io, const KeyValueList *opts,
                                  Error **errp)
{
    uint32_t iobase = 0x501, iosize = 0x02;
    DebugExitState *s;

    for (guint i = 0; opts && i < opts->items->len; i++) {
        KeyValue *kv = g_ptr_array_index(opts->items, i);

        if (!strcmp(kv->key, "driver") || !strcmp(kv->key, "id")) {
            continue;
        }
        if (!strcmp(kv->key, "iobase")) {
            if (!parse_u32_prop("iobase", kv->value, UINT16_MAX, &iobase,
                                errp)) {
                return NULL;
            }
        } else if (!strcmp(kv->key, "iosize")) {
            if (!parse_u32_prop("iosize", kv->value, UINT32_MAX, &iosize,
                                errp)) {
                return NULL;
            }
        } else {
            error_setg(errp, "Property '%s.%s' not found",
                       TYPE_ISA_DEBUG_EXIT, kv->key);
            return NULL;
        }
    }
    if (iosize == 0 || iobase + (uint64_t)iosize > 0x10000) {
        error_setg(errp, "isa-debug-exit: I/O range 0x%x+0x%x is outside "
                   "the I/O address space", iobase, iosize);
        return NULL;
    }
    s = g_new0(DebugExitState, 1);
    s->iobase = iobase;
    s->iosize = iosize;
    memory_region_init_io(&s->io, NULL, &debug_exit_ops, s,
                          TYPE_ISA_DEBUG_EXIT, iosize);
    memory_region_add_subregion(io, iobase, &s->io);
    return s;
}

void debug_exit_free(DebugExitState *s)
{
    if (s) {
        memory_region_finalize(&s->io);
        g_free(s);
    }
}
