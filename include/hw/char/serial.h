/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 8250/16550A UART on the I/O port bus, and the -serial chardev list. */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include "qemu/osdep.h"
#include "system/memory.h"
#include "chardev/char.h"

#define MAX_SERIAL_PORTS 4

typedef struct SerialState SerialState;

/* Raises or lowers interrupt line @irq; set by the board (KVM irqchip). */
typedef void SerialIrqFn(void *opaque, int irq, int level);

/*
 * -serial SPEC, in command-line order: the vl code creates the chardev
 * (qemu_chr_new("serialN", spec)) and records it here; NULL records a
 * "none"/absent port so indices keep their meaning.  Returns the index,
 * or -1 with *errp set when there are too many ports.
 */
int serial_hds_add(Chardev *chr, Error **errp);
/* Chardev of the @i-th -serial, or NULL. */
Chardev *serial_hd(int i);
int serial_hds_count(void);

/*
 * Create a UART whose 8 registers sit at @base of @io (the I/O address
 * space root).  @chr may be NULL: output is dropped, input never arrives.
 * Fails ("Device 'ID' is in use") when another front end holds @chr.
 */
SerialState *serial_isa_init(MemoryRegion *io, hwaddr base, int irq,
                             Chardev *chr, SerialIrqFn *irq_fn,
                             void *irq_opaque, Error **errp);
void serial_reset(SerialState *s);
void serial_free(SerialState *s);

#endif
