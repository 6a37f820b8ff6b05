/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the qtest protocol server.  Each input is one client
 * session: line splitting, the overlong-line path, every command's
 * argument parsing, and memory/port accesses against 1 MiB of RAM on a
 * "-machine none -accel qtest" machine.
 */
#include "qemu/osdep.h"
#include "system/qtest.h"
#include "tests/fuzz/fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static Chardev *qtest_chr;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    Error *err = NULL;

    fuzz_machine_init(1 * 1024 * 1024);
    qtest_chr = fuzz_chardev_new("qtest");
    if (!qtest_server_start(qtest_chr, NULL, &err)) {
        error_report_err(err);
        abort();
    }
    return 0;
}

/*
 * Transfers may be as large as 256 MiB (QTEST_MAX_XFER): legitimate, but
 * seconds of hex-encoding under ASan and coverage, which libFuzzer would
 * report as a hang.  Inputs whose size argument asks for more than 64 KiB
 * are not run; the limit itself is checked by the corpus ("errors").
 */
static bool big_transfer(const uint8_t *data, size_t size)
{
    const uint8_t *end = data + size;

    while (data < end) {
        const uint8_t *nl = memchr(data, '\n', end - data);
        size_t len = (nl ? nl : end) - data;
        /* the server reads each line as a C string: it ends at a NUL */
        g_autofree char *line = g_strndup((const char *)data, len);
        g_auto(GStrv) all = g_strsplit(line, " ", -1);
        const char *w[3] = { NULL };
        int n = 0;

        /* words as the server sees them: runs of spaces are one */
        for (char **p = all; *p && n < 3; p++) {
            if (**p) {
                w[n++] = *p;
            }
        }
        if (n == 3 &&
            (g_str_has_suffix(w[0], "read") ||
             g_str_has_suffix(w[0], "write") || !strcmp(w[0], "memset")) &&
            g_ascii_strtoull(w[2], NULL, 0) > 64 * 1024) {
            return true;
        }
        data += len + 1;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (big_transfer(data, size)) {
        return -1;
    }
    fuzz_chardev_session(qtest_chr, data, size);
    return 0;
}
