/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "microvm" machine: guest RAM split around a 1 GiB MMIO hole below
 * 4 GiB, an 8250 UART at 0x3f8 (IRQ 4), reset through port 0x64, the
 * in-kernel irqchip/PIT of KVM, and direct long-mode boot.
 */
#ifndef HW_I386_MICROVM_H
#define HW_I386_MICROVM_H

#include "qemu/osdep.h"
#include "qemu/option.h"
#include "hw/boards.h"
#include "hw/i386/x86-boot.h"

#define TYPE_MICROVM_MACHINE MACHINE_TYPE_NAME("microvm")

/* RAM below 4 GiB ends here at the latest; above it is the MMIO hole. */
#define MICROVM_LOWMEM_MAX  (3ULL << 30)
#define MICROVM_MAX_CPUS    8
#define MICROVM_SERIAL_BASE 0x3f8
#define MICROVM_SERIAL_IRQ  4

/* The RAM layout the microvm machine uses for @ram_size bytes. */
void microvm_ram_layout(uint64_t ram_size, X86RamLayout *layout);

/*
 * -device DRIVER[,prop=value...] for any machine (opts parsed with implied
 * key "driver"): "isa-debug-exit" (iobase=, iosize=) on the I/O bus.
 * Unknown driver -> "'%s' is not a valid device model name".  Call after
 * the machine object exists, before vCPUs run.
 */
bool microvm_add_device(MachineState *ms, const KeyValueList *opts,
                        Error **errp);
/* Device names for "-device help". */
const char *const *microvm_device_names(void);
/* Free the -device devices (exit path). */
void microvm_devices_cleanup(void);

#endif
