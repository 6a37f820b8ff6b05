/* SPDX-License-Identifier: GPL-2.0-or-later */
/* isa-debug-exit: a guest write of v ends QEMU with status (v << 1) | 1. */
#ifndef HW_MISC_DEBUG_EXIT_H
#define HW_MISC_DEBUG_EXIT_H

#include "qemu/osdep.h"
#include "qemu/option.h"
#include "system/memory.h"

#define TYPE_ISA_DEBUG_EXIT "isa-debug-exit"

typedef struct DebugExitState DebugExitState;

/*
 * Properties as in QEMU: iobase (default 0x501), iosize (default 0x02).
 * Numbers accept 0x prefixes.  Unknown keys ->
 * "Property 'isa-debug-exit.KEY' not found".
 */
DebugExitState *debug_exit_create(MemoryRegion *io, const KeyValueList *opts,
                                  Error **errp);
void debug_exit_free(DebugExitState *s);

#endif
