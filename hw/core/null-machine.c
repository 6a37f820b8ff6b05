/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "none" machine: no devices, no vCPUs; RAM (if any) mapped at GPA 0. */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "system/memory.h"
#include "hw/boards.h"

static void machine_none_init(MachineState *ms, Error **errp)
{
    /* Lets qtest reach a backend's memory without a real board. */
    if (ms->ram) {
        memory_region_add_subregion(get_system_memory(), 0, ms->ram);
    }
}

static void machine_none_class_init(ObjectClass *oc, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    mc->name = "none";
    mc->desc = "empty machine";
    mc->init = machine_none_init;
    mc->max_cpus = 1;
    mc->default_ram_size = 0;
    mc->default_ram_id = "ram";
    mc->no_cpus = true;
}

static const TypeInfo null_machine_types[] = {
    {
        .name = MACHINE_TYPE_NAME("none"),
        .parent = TYPE_MACHINE,
        .class_init = machine_none_class_init,
    },
};

DEFINE_TYPES(null_machine_types)
