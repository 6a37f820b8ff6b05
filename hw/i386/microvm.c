/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The microvm machine: guest RAM from the machine's memory backend mapped
 * below and above 4 GiB, an 8250 UART, reset via port 0x64, and direct
 * long-mode boot of the built-in guest, a Linux bzImage or an ELF guest.
 */
#include "qemu/osdep.h"
#include "hw/i386/microvm.h"
#include "hw/char/serial.h"
#include "hw/misc/debug-exit.h"
#include "system/kvm.h"
#include "system/runstate.h"

OBJECT_DECLARE_SIMPLE_TYPE(MicrovmMachineState, MICROVM_MACHINE)

struct MicrovmMachineState {
    MachineState parent_obj;
    X86RamLayout layout;
    MemoryRegion ram_below_4g;
    MemoryRegion ram_above_4g;
    MemoryRegion reset_port;
    SerialState *serial;
    X86Boot boot;
    bool initialized;
};

#define KBD_RESET_PORT 0x64
#define KBD_CMD_RESET  0xfe

static GPtrArray *isa_devices;   /* DebugExitState * */

void microvm_ram_layout(uint64_t ram_size, X86RamLayout *layout)
{
    layout->below_4g = MIN(ram_size, MICROVM_LOWMEM_MAX);
    layout->above_4g = ram_size - layout->below_4g;
}

static void microvm_set_irq(void *opaque, int irq, int level)
{
    /* Without an irqchip (-ENODEV) nobody could take the interrupt: the
     * guests we run then poll the UART. */
    if (kvm_enabled()) {
        kvm_set_irq(irq, level);
    }
}

static uint64_t reset_port_read(void *opaque, hwaddr addr, unsigned size)
{
    /* No keyboard controller: "input buffer empty", nothing to read. */
    return 0x00;
}

static void reset_port_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    if ((val & 0xff) == KBD_CMD_RESET) {
        qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
    }
}

static const MemoryRegionOps reset_port_ops = {
    .read = reset_port_read,
    .write = reset_port_write,
};

static void microvm_machine_init(MachineState *ms, Error **errp)
{
    MicrovmMachineState *mms = MICROVM_MACHINE(ms);
    MemoryRegion *sysmem = get_system_memory();
    unsigned ncpus = ms->smp_cpus ? ms->smp_cpus : 1;

    if (ncpus > MICROVM_MAX_CPUS) {
        error_setg(errp, "Invalid SMP CPUs %u. The max CPUs supported by "
                   "machine 'microvm' is %d", ncpus, MICROVM_MAX_CPUS);
        return;
    }
    if (!ms->ram) {
        error_setg(errp, "machine 'microvm' needs guest RAM (-m or "
                   "-machine memory-backend=)");
        return;
    }
    microvm_ram_layout(memory_region_size(ms->ram), &mms->layout);

    memory_region_transaction_begin();
    memory_region_init_alias(&mms->ram_below_4g, OBJECT(ms), "ram-below-4g",
                             ms->ram, 0, mms->layout.below_4g);
    memory_region_add_subregion(sysmem, 0, &mms->ram_below_4g);
    if (mms->layout.above_4g) {
        memory_region_init_alias(&mms->ram_above_4g, OBJECT(ms),
                                 "ram-above-4g", ms->ram,
                                 mms->layout.below_4g,
                                 mms->layout.above_4g);
        memory_region_add_subregion(sysmem, X86_ABOVE_4G_BASE,
                                    &mms->ram_above_4g);
    }
    memory_region_init_io(&mms->reset_port, OBJECT(ms), &reset_port_ops, mms,
                          "reset-port", 1);
    memory_region_add_subregion(get_system_io(), KBD_RESET_PORT,
                                &mms->reset_port);
    memory_region_transaction_commit();
    mms->initialized = true;
    /*
     * The RAM slots are being registered by the KVM memslot worker while
     * we load the guest; cpus_create() waits for it and reports a refused
     * slot (kvm_memslots_check()) before any vCPU exists.
     */

    mms->serial = serial_isa_init(get_system_io(), MICROVM_SERIAL_BASE,
                                  MICROVM_SERIAL_IRQ, serial_hd(0),
                                  microvm_set_irq, mms, errp);
    if (!mms->serial) {
        return;
    }

    if (!x86_boot_prepare(&mms->boot, &mms->layout, ncpus,
                          ms->kernel_filename, ms->initrd_filename,
                          ms->kernel_cmdline, errp)) {
        return;
    }
    x86_boot_load(&mms->boot, errp);
}

static void microvm_machine_reset(MachineState *ms)
{
    MicrovmMachineState *mms = MICROVM_MACHINE(ms);

    if (mms->serial) {
        serial_reset(mms->serial);
    }
    if (mms->boot.blobs) {
        Error *err = NULL;

        /* a confidential guest's RAM may be private by now: no reboot */
        if (!x86_boot_load(&mms->boot, &err)) {
            qemu_system_guest_error("%s", error_get_pretty(err));
            error_free(err);
        }
    }
}

static void microvm_machine_finalize(Object *obj)
{
    MicrovmMachineState *mms = MICROVM_MACHINE(obj);

    serial_free(mms->serial);
    mms->serial = NULL;
    x86_boot_cleanup(&mms->boot);
    if (mms->initialized) {
        memory_region_transaction_begin();
        memory_region_finalize(&mms->ram_below_4g);
        if (mms->layout.above_4g) {
            memory_region_finalize(&mms->ram_above_4g);
        }
        memory_region_finalize(&mms->reset_port);
        memory_region_transaction_commit();
        mms->initialized = false;
    }
}

static void microvm_machine_class_init(ObjectClass *oc, const void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    mc->name = "microvm";
    mc->desc = "microvm (i386)";
    mc->init = microvm_machine_init;
    mc->reset = microvm_machine_reset;
    mc->max_cpus = MICROVM_MAX_CPUS;
    mc->default_ram_size = 128 * 1024 * 1024;
    mc->default_ram_id = "microvm.ram";
    mc->no_cpus = false;
}

static const TypeInfo microvm_types[] = {
    {
        .name = TYPE_MICROVM_MACHINE,
        .parent = TYPE_MACHINE,
        .instance_size = sizeof(MicrovmMachineState),
        .instance_finalize = microvm_machine_finalize,
        .class_init = microvm_machine_class_init,
    },
};

DEFINE_TYPES(microvm_types)

static const char *const device_names[] = {
    TYPE_ISA_DEBUG_EXIT,
    NULL,
};

const char *const *microvm_device_names(void)
{
    return device_names;
}

bool microvm_add_device(MachineState *ms, const KeyValueList *opts,
                        Error **errp)
{
    const char *driver = keyval_list_get(opts, "driver");
    DebugExitState *d;

    if (!driver) {
        error_setg(errp, "Parameter 'driver' is missing");
        return false;
    }
    if (strcmp(driver, TYPE_ISA_DEBUG_EXIT)) {
        error_setg(errp, "'%s' is not a valid device model name", driver);
        return false;
    }
    d = debug_exit_create(get_system_io(), opts, errp);
    if (!d) {
        return false;
    }
    if (!isa_devices) {
        isa_devices = g_ptr_array_new();
    }
    g_ptr_array_add(isa_devices, d);
    return true;
}

void microvm_devices_cleanup(void)
{
    if (!isa_devices) {
        return;
    }
    for (guint i = 0; i < isa_devices->len; i++) {
        debug_exit_free(g_ptr_array_index(isa_devices, i));
    }
    g_ptr_array_free(isa_devices, true);
    isa_devices = NULL;
}
