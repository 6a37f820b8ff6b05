/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vCPU threads: creation, pause/resume for vm_stop/vm_start. */
#ifndef SYSTEM_CPUS_H
#define SYSTEM_CPUS_H

#include "qemu/osdep.h"
#include "qapi/error.h"

/* Create @n vCPU threads (accelerator specific), initially paused. */
bool cpus_create(unsigned n, Error **errp);
void pause_all_vcpus(void);
void resume_all_vcpus(void);
/* Stop and join all vCPU threads (exit path). */
void cpus_destroy(void);
unsigned cpus_count(void);

#endif
