/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * 16550A-compatible UART (8250 family) on I/O ports: enough for polled
 * output, interrupt-driven output and input as Linux's 8250 driver and the
 * built-in guest use them.
 */
#include "qemu/osdep.h"
#include "hw/char/serial.h"

/* Register offsets */
#define UART_RBR 0      /* receive buffer (read, DLAB=0) */
#define UART_THR 0      /* transmit holding (write, DLAB=0) */
#define UART_IER 1
#define UART_IIR 2      /* read */
#define UART_FCR 2      /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI    0x01
#define UART_IER_THRI   0x02
#define UART_IER_RLSI   0x04
#define UART_IER_MSI    0x08

#define UART_IIR_NO_INT 0x01
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_FIFO   0xc0

#define UART_LCR_DLAB   0x80

#define UART_MCR_LOOP   0x10
#define UART_MCR_OUT2   0x08

#define UART_LSR_DR     0x01
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40

#define UART_MSR_DCD    0x80
#define UART_MSR_DSR    0x20
#define UART_MSR_CTS    0x10

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLR_RX 0x02

#define RX_FIFO_SIZE 256

struct SerialState {
    MemoryRegion io;
    Chardev *chr;
    int irq;
    SerialIrqFn *irq_fn;
    void *irq_opaque;
    int irq_level;

    uint16_t divider;
    uint8_t ier, lcr, mcr, scr, fcr;
    /* THR-empty interrupt pending until IIR is read or THR written */
    bool thri_pending;

    uint8_t rx[RX_FIFO_SIZE];
    unsigned rx_head, rx_count;
};

static Chardev *serial_hds[MAX_SERIAL_PORTS];
static int serial_hds_n;

int serial_hds_add(Chardev *chr, Error **errp)
{
    if (serial_hds_n >= MAX_SERIAL_PORTS) {
        error_setg(errp, "Too many serial ports (maximum %d)",
                   MAX_SERIAL_PORTS);
        return -1;
    }
    serial_hds[serial_hds_n] = chr;
    return serial_hds_n++;
}

Chardev *serial_hd(int i)
{
    if (i < 0 || i >= serial_hds_n) {
        return NULL;
    }
    return serial_hds[i];
}

int serial_hds_count(void)
{
    return serial_hds_n;
}

static uint8_t serial_iir(SerialState *s)
{
    uint8_t fifo = (s->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0;

    if ((s->ier & UART_IER_RDI) && s->rx_count) {
        return UART_IIR_RDI | fifo;
    }
    if ((s->ier & UART_IER_THRI) && s->thri_pending) {
        return UART_IIR_THRI | fifo;
    }
    return UART_IIR_NO_INT | fifo;
}

static void serial_update_irq(SerialState *s)
{
    /* PC wiring: OUT2 gates the interrupt line. */
    int level = !(serial_iir(s) & UART_IIR_NO_INT) &&
                (s->mcr & UART_MCR_OUT2);

    if (level != s->irq_level) {
        s->irq_level = level;
        if (s->irq_fn) {
            s->irq_fn(s->irq_opaque, s->irq, level);
        }
    }
}

static void serial_rx_push(SerialState *s, uint8_t c)
{
    if (s->rx_count == RX_FIFO_SIZE) {
        return;   /* overrun: drop, as hardware would */
    }
    s->rx[(s->rx_head + s->rx_count) % RX_FIFO_SIZE] = c;
    s->rx_count++;
}

static void serial_transmit(SerialState *s, uint8_t c)
{
    if (s->mcr & UART_MCR_LOOP) {
        serial_rx_push(s, c);
    } else if (s->chr) {
        qemu_chr_write_all(s->chr, -1, &c, 1);
    }
    /* Transmission is instantaneous: THR is empty again at once. */
    s->thri_pending = true;
}

static uint8_t serial_read_reg(SerialState *s, hwaddr addr)
{
    uint8_t ret = 0;

    switch (addr) {
    case UART_RBR:
        if (s->lcr & UART_LCR_DLAB) {
            ret = s->divider & 0xff;
        } else if (s->rx_count) {
            ret = s->rx[s->rx_head];
            s->rx_head = (s->rx_head + 1) % RX_FIFO_SIZE;
            s->rx_count--;
        }
        break;
    case UART_IER:
        ret = (s->lcr & UART_LCR_DLAB) ? s->divider >> 8 : s->ier;
        break;
    case UART_IIR:
        ret = serial_iir(s);
        if ((ret & 0x0f) == UART_IIR_THRI) {
            s->thri_pending = false;
        }
        break;
    case UART_LCR:
        ret = s->lcr;
        break;
    case UART_MCR:
        ret = s->mcr;
        break;
    case UART_LSR:
        ret = UART_LSR_THRE | UART_LSR_TEMT | (s->rx_count ? UART_LSR_DR : 0);
        break;
    case UART_MSR:
        if (s->mcr & UART_MCR_LOOP) {
            /* loopback: outputs RTS/DTR/OUT1/OUT2 read back as inputs */
            ret = (s->mcr & 0x0c) << 4 | (s->mcr & 0x02) << 3 |
                  (s->mcr & 0x01) << 5;
        } else {
            ret = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
        }
        break;
    case UART_SCR:
        ret = s->scr;
        break;
    }
    serial_update_irq(s);
    return ret;
}

/*
 * The UART is byte-wide: a wider access reaches consecutive registers,
 * lowest address in the lowest byte, like a bus splitting it would.
 */
static uint64_t serial_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t val = 0;

    for (unsigned i = 0; i < size && addr + i < 8; i++) {
        val |= (uint64_t)serial_read_reg(opaque, addr + i) << (8 * i);
    }
    return val;
}

static void serial_write_reg(SerialState *s, hwaddr addr, uint8_t v)
{

    switch (addr) {
    case UART_THR:
        if (s->lcr & UART_LCR_DLAB) {
            s->divider = (s->divider & 0xff00) | v;
        } else {
            serial_transmit(s, v);
        }
        break;
    case UART_IER:
        if (s->lcr & UART_LCR_DLAB) {
            s->divider = (s->divider & 0x00ff) | (v << 8);
        } else {
            uint8_t old = s->ier;

            s->ier = v & 0x0f;
            /* Enabling THRI with an empty THR raises it at once. */
            if (!(old & UART_IER_THRI) && (s->ier & UART_IER_THRI)) {
                s->thri_pending = true;
            }
        }
        break;
    case UART_FCR:
        s->fcr = v & 0xc9;
        if (v & UART_FCR_CLR_RX) {
            s->rx_count = 0;
        }
        break;
    case UART_LCR:
        s->lcr = v;
        break;
    case UART_MCR:
        s->mcr = v & 0x1f;
        break;
    case UART_SCR:
        s->scr = v;
        break;
    default:
        break;
    }
    serial_update_irq(s);
}

static void serial_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    for (unsigned i = 0; i < size && addr + i < 8; i++) {
        serial_write_reg(opaque, addr + i, val >> (8 * i));
    }
}

static const MemoryRegionOps serial_ops = {
    .read = serial_read,
    .write = serial_write,
};

static void serial_chr_read(void *opaque, int conn, const uint8_t *buf,
                            size_t len)
{
    SerialState *s = opaque;

    for (size_t i = 0; i < len; i++) {
        serial_rx_push(s, buf[i]);
    }
    serial_update_irq(s);
}

void serial_reset(SerialState *s)
{
    s->divider = 12;     /* 9600 baud */
    s->ier = 0;
    s->lcr = 0x03;       /* 8N1 */
    s->mcr = 0;
    s->scr = 0;
    s->fcr = 0;
    s->thri_pending = false;
    s->rx_count = 0;
    s->rx_head = 0;
    serial_update_irq(s);
}

SerialState *serial_isa_init(MemoryRegion *io, hwaddr base, int irq,
                             Chardev *chr, SerialIrqFn *irq_fn,
                             void *irq_opaque, Error **errp)
{
    SerialState *s;

    if (chr && !qemu_chr_fe_claim(chr, errp)) {
        return NULL;
    }
    s = g_new0(SerialState, 1);

    s->chr = chr;
    s->irq = irq;
    s->irq_fn = irq_fn;
    s->irq_opaque = irq_opaque;
    serial_reset(s);
    memory_region_init_io(&s->io, NULL, &serial_ops, s, "serial", 8);
    memory_region_add_subregion(io, base, &s->io);
    if (chr) {
        qemu_chr_set_handlers(chr, serial_chr_read, NULL, s);
    }
    return s;
}

void serial_free(SerialState *s)
{
    if (!s) {
        return;
    }
    if (s->chr) {
        qemu_chr_fe_release(s->chr);
    }
    memory_region_finalize(&s->io);
    g_free(s);
}
