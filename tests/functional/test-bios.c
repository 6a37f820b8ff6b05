/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -bios on the microvm machine with real KVM: a few bytes of 16-bit code
 * at the reset vector, run by the BSP, end the VM through isa-debug-exit.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "../qtest/libqtest.h"

#define FW_SIZE (64 * 1024)

/*
 * @val written to port 0xf4 by code at 0xfffffff0 (the last 16 bytes of
 * the image); the rest of the image is hlt, so a start elsewhere stops
 * without writing.  Returns the exit status of the run.
 */
static int run_firmware(uint8_t val, char **err)
{
    g_autofree char *dir = g_dir_make_tmp("bios-XXXXXX", NULL);
    g_autofree char *fw = g_build_filename(dir, "fw.bin", NULL);
    g_autofree uint8_t *img = g_malloc(FW_SIZE);
    const uint8_t code[] = {
        0xb0, val,              /* mov al, val */
        0xe6, 0xf4,             /* out 0xf4, al */
        0xf4,                   /* hlt */
    };
    const char *argv[] = {
        "-machine", "microvm", "-accel", "kvm", "-m", "16M",
        "-display", "none", "-nodefaults", "-bios", fw,
        "-device", "isa-debug-exit,iobase=0xf4,iosize=4", NULL
    };
    g_autofree char *out = NULL;
    int status;

    memset(img, 0xf4, FW_SIZE);
    memcpy(img + FW_SIZE - 16, code, sizeof(code));
    g_assert_true(g_file_set_contents(fw, (char *)img, FW_SIZE, NULL));
    status = qtest_run_binary(argv, &out, err, 60);
    g_unlink(fw);
    g_rmdir(dir);
    return status;
}

static void test_reset_vector(void)
{
    const char *missing = qtest_kvm_missing();

    if (missing) {
        g_autofree char *why = g_strdup_printf("%s not available: the "
                                               "test needs KVM", missing);
        g_test_skip(why);
        return;
    }
    /* two values: the status comes from the code, not from the machine */
    for (int v = 0x11; v <= 0x2a; v += 0x19) {
        g_autofree char *err = NULL;
        int status = run_firmware(v, &err);

        g_assert_cmpstr(err, ==, "");
        /* isa-debug-exit: exit((val << 1) | 1) */
        g_assert_cmpint(status, ==, (v << 1) | 1);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bios/reset-vector", test_reset_vector);
    return g_test_run();
}
