/* SPDX-License-Identifier: GPL-2.0-or-later */
/* thread-context: a QOM object describing where helper threads may run. */
#ifndef QEMU_THREAD_CONTEXT_H
#define QEMU_THREAD_CONTEXT_H

#include "qemu/osdep.h"
#include <sched.h>
#include "qom/object.h"

#define TYPE_THREAD_CONTEXT "thread-context"

/*
 * CPU set threads created "in" @tc should run on (cpu-affinity, or the
 * CPUs of node-affinity's nodes).  false when @tc sets no affinity.
 */
bool thread_context_get_affinity(Object *tc, cpu_set_t *set);

#endif
