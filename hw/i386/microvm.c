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
#include "hw/i386/cpu-models.h"
#include "qemu/units.h"
#include "linux/kvm.h"
#include "system/hostmem.h"
#include "system/ramblock.h"
#include "system/confidential-guest-support.h"
#include "target/i386/sev.h"

/* QEMU's microvm limit (x86 APIC ids); -smp and query-machines use it. */
#define MICROVM_TYPE_MAX_CPUS 288

OBJECT_DECLARE_SIMPLE_TYPE(MicrovmMachineState, MICROVM_MACHINE)

struct MicrovmMachineState {
    MachineState parent_obj;
    X86RamLayout layout;
    MemoryRegion ram_below_4g;
    MemoryRegion ram_above_4g;
    MemoryRegion reset_port;
    MemoryRegion bios;         /* -bios, ending at 4 GiB */
    bool bios_inited;
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

/* Beyond this the image would reach the I/O APIC (0xfec00000). */
#define MICROVM_BIOS_MAX (16 * MiB)

/*
 * The -bios image as QEMU's x86 machines map it: the whole file ends at
 * 4 GiB, read-only for a normal VM.  A confidential guest's copy is
 * private memory (SNP has no read-only slots), written while shared and
 * measured by the launch.
 */
static bool microvm_map_bios(MicrovmMachineState *mms, const char *name,
                             Error **errp)
{
    g_autofree uint8_t *img = NULL;
    uint32_t flags = host_memory_backend_cgs_ram_flags();
    bool cgs = flags != 0;
    gsize size = 0;
    uint64_t base;
    bool ok;

    if (!g_file_get_contents(name, (char **)&img, &size, NULL) ||
        size == 0 || size % (64 * KiB)) {
        /* QEMU's x86_bios_rom_init() prints this one with "qemu: " */
        error_setg(errp, "could not load PC BIOS '%s'", name);
        error_set_report_prefix(errp, "qemu");
        return false;
    }
    if (size > MICROVM_BIOS_MAX) {
        error_setg(errp, "qemu-gmem's microvm maps at most %llu MiB of "
                   "firmware; '%s' has %zu bytes",
                   (unsigned long long)(MICROVM_BIOS_MAX / MiB), name,
                   (size_t)size);
        return false;
    }
    base = X86_ABOVE_4G_BASE - size;
    if (flags & RAM_GUEST_MEMFD_IN_PLACE) {
        int fd = kvm_create_guest_memfd(size, GUEST_MEMFD_FLAG_MMAP |
                                        GUEST_MEMFD_FLAG_INIT_SHARED, errp);

        ok = fd >= 0 &&
             memory_region_init_ram_from_fd(&mms->bios, OBJECT(mms),
                                            "pc.bios", size,
                                            RAM_SHARED |
                                            RAM_GUEST_MEMFD_SHARED | flags,
                                            fd, 0, errp);
    } else {
        ok = memory_region_init_ram_flags_nomigrate(&mms->bios, OBJECT(mms),
                                                    "pc.bios", size, flags,
                                                    errp);
    }
    if (!ok) {
        return false;
    }
    mms->bios_inited = true;
    if (!cgs) {
        memory_region_set_readonly(&mms->bios, true);
    }
    memory_region_add_subregion(get_system_memory(), base, &mms->bios);
    /* legacy private memory starts private: share it for the copy */
    if ((flags & RAM_GUEST_MEMFD) &&
        kvm_convert_memory(base, size, false, errp) < 0) {
        return false;
    }
    memcpy(memory_region_get_ram_ptr(&mms->bios), img, size);
    if (cgs && sev_snp_enabled()) {
        return sev_snp_add_firmware(img, size,
                                    memory_region_get_ram_ptr(&mms->bios),
                                    errp);
    }
    return true;
}

static void microvm_machine_init(MachineState *ms, Error **errp)
{
    MicrovmMachineState *mms = MICROVM_MACHINE(ms);
    MemoryRegion *sysmem = get_system_memory();
    unsigned ncpus = ms->smp_cpus ? ms->smp_cpus : 1;
    uint32_t apic_id;

    if (ncpus > MICROVM_MAX_CPUS) {
        /* The machine type allows 288 (as QEMU's); our boot code fewer. */
        error_setg(errp, "qemu-gmem's microvm boots at most %d vCPUs, not "
                   "%u", MICROVM_MAX_CPUS, ncpus);
        return;
    }
    if (x86_cpu_model_apic_id(&apic_id) && apic_id != 0) {
        /* vCPU n always gets APIC id n: only vCPU 0's can be "chosen". */
        error_setg(errp, "qemu-gmem's microvm gives vCPU 0 the APIC id 0; "
                   "-cpu apic-id=%u is not supported", apic_id);
        return;
    }
    if (x86_cpu_model_apic_id(&apic_id) && ncpus > 1) {
        error_setg(errp, "-cpu apic-id= applies to every vCPU: it needs "
                   "-smp 1");
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

    if (ms->firmware) {
        if (ms->kernel_filename) {
            /* QEMU boots -kernel through an option ROM of the firmware */
            error_setg(errp, "qemu-gmem's microvm boots -kernel directly; "
                       "it cannot be combined with -bios");
            return;
        }
        if (!microvm_map_bios(mms, ms->firmware, errp)) {
            return;
        }
        x86_boot_prepare_firmware(&mms->boot, ncpus);
    } else if (!x86_boot_prepare(&mms->boot, &mms->layout, ncpus,
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
        if (mms->bios_inited) {
            if (memory_region_is_mapped(&mms->bios)) {
                memory_region_del_subregion(get_system_memory(), &mms->bios);
            }
            memory_region_finalize(&mms->bios);
            mms->bios_inited = false;
        }
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
    mc->max_cpus = MICROVM_TYPE_MAX_CPUS;
    mc->default_ram_size = 128 * 1024 * 1024;
    mc->default_ram_id = "microvm.ram";
    /* There is no "pc" here: microvm is what runs without -machine. */
    mc->is_default = true;
    mc->default_cpu_type = X86_CPU_TYPE_NAME("qemu64");
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
