/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of hw/char/serial.c through port I/O: divisor latch, scratch,
 * line status, THR-empty and receive interrupts gated by OUT2, loopback,
 * and output reaching the chardev.
 */
#include "qemu/osdep.h"
#include <glib/gstdio.h>
#include "hw/char/serial.h"

#define BASE 0x3f8

typedef struct IrqLog {
    int level;
    int changes;
} IrqLog;

static void irq_fn(void *opaque, int irq, int level)
{
    IrqLog *l = opaque;

    g_assert_cmpint(irq, ==, 4);
    l->level = level;
    l->changes++;
}

static uint8_t in(unsigned reg)
{
    return cpu_io_read(BASE + reg, 1);
}

static void out(unsigned reg, uint8_t v)
{
    cpu_io_write(BASE + reg, v, 1);
}

static void test_registers_and_irq(void)
{
    IrqLog irq = { 0 };
    SerialState *s = serial_isa_init(get_system_io(), BASE, 4, NULL, irq_fn,
                                     &irq, &error_abort);

    /* idle: transmitter empty, no data, no interrupt pending */
    g_assert_cmphex(in(5) & 0x61, ==, 0x60);
    g_assert_cmphex(in(2) & 0x0f, ==, 0x01);

    /* scratch register */
    out(7, 0xa5);
    g_assert_cmphex(in(7), ==, 0xa5);

    /* divisor latch behind DLAB */
    out(3, 0x83);
    out(0, 0x01);
    out(1, 0x00);
    g_assert_cmphex(in(0), ==, 0x01);
    g_assert_cmphex(in(1), ==, 0x00);
    out(3, 0x03);
    g_assert_cmphex(in(3), ==, 0x03);
    g_assert_cmphex(in(1), ==, 0x00);      /* IER again */

    /* THR-empty interrupt: pending at once, line raised only with OUT2 */
    out(1, 0x02);
    g_assert_cmphex(in(2) & 0x0f, ==, 0x02);
    g_assert_cmpint(irq.level, ==, 0);
    out(4, 0x08);                           /* OUT2 */
    out(1, 0x00);
    out(1, 0x02);
    g_assert_cmpint(irq.level, ==, 1);
    /* reading IIR acknowledges THRI */
    g_assert_cmphex(in(2) & 0x0f, ==, 0x02);
    g_assert_cmphex(in(2) & 0x0f, ==, 0x01);
    g_assert_cmpint(irq.level, ==, 0);

    /* loopback: transmitted bytes come back as received data + RDI */
    out(4, 0x18);                           /* LOOP | OUT2 */
    out(1, 0x01);                           /* RDI only */
    out(0, 'x');
    out(0, 'y');
    g_assert_cmphex(in(5) & 0x01, ==, 0x01);
    g_assert_cmpint(irq.level, ==, 1);
    g_assert_cmphex(in(2) & 0x0f, ==, 0x04);
    g_assert_cmphex(in(0), ==, 'x');
    g_assert_cmphex(in(0), ==, 'y');
    g_assert_cmphex(in(5) & 0x01, ==, 0x00);
    g_assert_cmpint(irq.level, ==, 0);
    g_assert_cmpint(irq.changes, >=, 4);

    serial_reset(s);
    g_assert_cmphex(in(4), ==, 0);
    serial_free(s);
    /* the ports are gone with it */
    g_assert_cmphex(in(7), ==, 0xff);
}

/* Wider port accesses reach consecutive byte registers. */
static void test_wide_access(void)
{
    SerialState *s = serial_isa_init(get_system_io(), BASE, 4, NULL, NULL,
                                     NULL, &error_abort);

    /* 16-bit write at MSR: low byte to MSR (read-only), high to SCR */
    cpu_io_write(BASE + 6, 0xa500, 2);
    g_assert_cmphex(in(7), ==, 0xa5);
    out(7, 0x5a);
    g_assert_cmphex(cpu_io_read(BASE + 6, 2) >> 8, ==, 0x5a);
    /* 32-bit write at 4: MCR, LSR (ignored), MSR (ignored), SCR */
    cpu_io_write(BASE + 4, 0x3c000008, 4);
    g_assert_cmphex(in(4), ==, 0x08);
    g_assert_cmphex(in(7), ==, 0x3c);
    serial_free(s);
}

static void test_output_to_chardev(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-serial-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "out", NULL);
    g_autofree char *spec = g_strdup_printf("file:%s", path);
    g_autofree char *data = NULL;
    Error *err = NULL;
    Chardev *chr = qemu_chr_new("serial-test", spec, &err);
    SerialState *s;

    if (!chr) {
        g_test_skip(error_get_pretty(err));
        error_free(err);
        return;
    }
    /* file chardevs open their file when realized */
    g_assert_true(qemu_chr_realize_all(&error_abort));
    s = serial_isa_init(get_system_io(), BASE, 4, chr, NULL, NULL,
                        &error_abort);
    for (const char *p = "hello\n"; *p; p++) {
        while (!(in(5) & 0x20)) {
            /* transmitter busy: never, but poll as a driver would */
        }
        out(0, *p);
    }
    serial_free(s);
    qemu_chr_cleanup();
    g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
    g_assert_cmpstr(data, ==, "hello\n");
    g_unlink(path);
    g_rmdir(dir);
}

/* A chardev another front end holds is refused, and freed again after. */
static void test_chardev_in_use(void)
{
    Error *err = NULL;
    Chardev *chr = qemu_chr_new("serial-busy", "null", &error_abort);
    SerialState *s;

    g_assert_true(qemu_chr_fe_claim(chr, &error_abort));
    s = serial_isa_init(get_system_io(), BASE, 4, chr, NULL, NULL, &err);
    g_assert_null(s);
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Device 'serial-busy' is in use");
    error_free(err);
    qemu_chr_fe_release(chr);

    s = serial_isa_init(get_system_io(), BASE, 4, chr, NULL, NULL,
                        &error_abort);
    g_assert_nonnull(s);
    serial_free(s);
    /* released by serial_free: claimable again */
    g_assert_true(qemu_chr_fe_claim(chr, &error_abort));
    qemu_chr_fe_release(chr);
    qemu_chr_cleanup();
}

static void test_serial_hds(void)
{
    Error *err = NULL;

    g_assert_null(serial_hd(0));
    for (int i = 0; i < MAX_SERIAL_PORTS; i++) {
        g_assert_cmpint(serial_hds_add(NULL, &error_abort), ==, i);
    }
    g_assert_cmpint(serial_hds_add(NULL, &err), ==, -1);
    g_assert_nonnull(err);
    error_free(err);
    g_assert_cmpint(serial_hds_count(), ==, MAX_SERIAL_PORTS);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_init();
    g_test_add_func("/serial/registers-irq", test_registers_and_irq);
    g_test_add_func("/serial/output", test_output_to_chardev);
    g_test_add_func("/serial/wide-access", test_wide_access);
    g_test_add_func("/serial/chardev-in-use", test_chardev_in_use);
    g_test_add_func("/serial/hds", test_serial_hds);
    return g_test_run();
}
