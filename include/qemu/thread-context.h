/* SPDX-License-Identifier: GPL-2.0-or-later */
/* thread-context: a QOM object describing where helper threads may run. */
#ifndef QEMU_THREAD_CONTEXT_H
#define QEMU_THREAD_CONTEXT_H

#include "qemu/osdep.h"
#include <pthread.h>
#include <sched.h>
#include "qom/object.h"

#define TYPE_THREAD_CONTEXT "thread-context"

/*
 * CPU set threads created "in" @tc should run on (cpu-affinity, or the
 * CPUs of node-affinity's nodes).  false when @tc sets no affinity.
 */
bool thread_context_get_affinity(Object *tc, cpu_set_t *set);
/*
 * Create a thread running @fn(@arg) from @tc's own thread, so that it
 * inherits @tc's affinity without a system call of its own.  false if
 * @tc is not a running thread context or pthread_create() failed there.
 */
bool thread_context_create_thread(Object *tc, pthread_t *thread,
                                  void *(*fn)(void *), void *arg);

#endif
