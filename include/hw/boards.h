/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Machines: the abstract "machine" QOM type, "none" and "microvm". */
#ifndef HW_BOARDS_H
#define HW_BOARDS_H

#include "qemu/osdep.h"
#include "qom/object.h"
#include "qemu/option.h"
#include "system/memory.h"
#include "system/hostmem.h"

#define TYPE_MACHINE "machine"
#define TYPE_MACHINE_SUFFIX "-machine"
#define MACHINE_TYPE_NAME(name) (name TYPE_MACHINE_SUFFIX)

OBJECT_DECLARE_TYPE(MachineState, MachineClass, MACHINE)

struct MachineClass {
    ObjectClass parent_class;
    const char *name;              /* "none", "microvm" */
    const char *desc;
    void (*init)(MachineState *ms, Error **errp);
    void (*reset)(MachineState *ms);
    int max_cpus;
    uint64_t default_ram_size;
    const char *default_ram_id;    /* NULL: no default RAM backend */
    const char *alias;             /* another -machine name, or NULL */
    bool is_default;               /* used without -machine */
    const char *default_cpu_type;  /* QOM type of -cpu's default, or NULL */
    bool no_cpus;                  /* "none": no vCPUs unless -smp */
    /*
     * -device DRIVER,k=v,...: called once per -device after the board
     * init, in command-line order (@opts still holds "driver").  NULL: the
     * generic I/O-bus devices of hw/ (microvm_add_device()) are used.
     * Unknown drivers fail with "'DRIVER' is not a valid device model
     * name".
     */
    bool (*device_add)(MachineState *ms, const KeyValueList *opts,
                       Error **errp);
};

struct MachineState {
    Object parent_obj;
    uint64_t ram_size;             /* -m or backend size */
    bool ram_size_given;           /* -m was on the command line */
    char *ram_memdev_id;           /* memory-backend= */
    HostMemoryBackend *memdev;     /* resolved RAM backend, or NULL */
    MemoryRegion *ram;             /* backend's region */
    unsigned smp_cpus;
    char *kernel_filename;
    char *firmware;                /* -bios / firmware= */
    char *initrd_filename;
    char *kernel_cmdline;
    bool mem_merge, dump_guest_core;
    char *accel;                   /* accel= property */
    /* confidential-guest-support= (a strong link), or NULL */
    struct ConfidentialGuestSupport *cgs;
};

MachineState *current_machine_get(void);
/* Set by main once the machine object exists (NULL on teardown). */
void current_machine_set(MachineState *ms);

/*
 * Whether machine init is complete; until then (--preconfig) QMP runs only
 * the commands marked allow-preconfig.
 */
void machine_set_ready(void);
bool machine_is_ready(void);

/*
 * --preconfig: main enters it before machine init and runs the main loop
 * until x-exit-preconfig (machine_preconfig_exit()) leaves it.
 */
void machine_preconfig_enter(void);
bool machine_preconfig_left(void);
bool machine_preconfig_exit(Error **errp);

/* -name guest=NAME (NULL: none given) and -uuid, for query-name/-uuid. */
void qemu_vm_set_name(const char *name);
const char *qemu_vm_name(void);
/* Parses the 8-4-4-4-12 hex form; false if @str is not one. */
bool qemu_vm_set_uuid(const char *str);
/* The UUID in 8-4-4-4-12 form (all zeroes without -uuid); g_free() it. */
char *qemu_vm_uuid_string(void);

/* The "-machine help" listing. */
void machine_print_list(void);
/* Class of machine @name ("none", "microvm"), or NULL. */
MachineClass *machine_find_class(const char *name);

/*
 * Take @backend as guest RAM: refuses a backend that is already mapped
 * ("memory backend %s can't be used multiple times."), marks it mapped and
 * returns its region.
 */
MemoryRegion *machine_consume_memdev(MachineState *ms,
                                     HostMemoryBackend *backend,
                                     Error **errp);

/*
 * Create the default RAM backend if needed, resolve memory-backend=,
 * check sizes ("Memory backend '%s' not found", "Machine memory size does
 * not match the size of the memory backend", "memory backend %s can't be
 * used multiple times."), mark it mapped, then call MachineClass::init.
 */
bool machine_run_board_init(MachineState *ms, Error **errp);

#endif
