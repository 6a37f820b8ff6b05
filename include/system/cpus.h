/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vCPU threads: creation, pause/resume for vm_stop/vm_start. */
#ifndef SYSTEM_CPUS_H
#define SYSTEM_CPUS_H

#include "qemu/osdep.h"
#include "qapi/error.h"

typedef struct CPUState CPUState;

/*
 * What the vCPU threads need from the accelerator (as QEMU's AccelOps):
 * system/cpus.c reaches the accelerator only through this table, which
 * the accelerator registers when it is initialised.  No table: no vCPU
 * threads (qtest).
 */
typedef struct AccelOps {
    const char *name;
    /* most vCPUs the accelerator can create */
    unsigned (*max_vcpus)(void);
    /* true while vCPU creation would have to wait (e.g. memslot worker) */
    bool (*vcpus_pending)(void);
    /* wait until vCPUs may be created; an error of that work ends it */
    bool (*vcpus_ready)(Error **errp);
    bool (*init_vcpu)(CPUState *cpu, Error **errp);
    void (*destroy_vcpu)(CPUState *cpu);
    /* run until the vCPU must park; on its thread, without the BQL */
    void (*cpu_exec)(CPUState *cpu);
    /* make a running cpu_exec() return soon; called with the CPU lock */
    void (*kick_vcpu)(CPUState *cpu);
} AccelOps;

/* NULL unregisters.  Only while no vCPU exists. */
void cpus_register_accel(const AccelOps *ops);

/* Create @n vCPU threads (accelerator specific), initially paused. */
bool cpus_create(unsigned n, Error **errp);
void pause_all_vcpus(void);
void resume_all_vcpus(void);
/* Stop and join all vCPU threads (exit path). */
void cpus_destroy(void);
unsigned cpus_count(void);

#endif
