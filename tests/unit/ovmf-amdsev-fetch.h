/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For tests: the path of Debian's OVMF.amdsev.fd, fetched by
 * tests/kvm-double/ovmf-amdsev-setup.sh (env OVMF_AMDSEV_SETUP), or NULL
 * with the reason in *skip.
 */
#ifndef TESTS_OVMF_AMDSEV_FETCH_H
#define TESTS_OVMF_AMDSEV_FETCH_H

#include <glib.h>
#include <string.h>

static inline char *ovmf_amdsev_fetch(char **skip)
{
    const char *script = g_getenv("OVMF_AMDSEV_SETUP");
    g_autofree char *out = NULL, *errs = NULL, *cmd = NULL;
    int status = 0;
    char *p;

    if (g_getenv("OVMF_AMDSEV")) {
        return g_strdup(g_getenv("OVMF_AMDSEV"));
    }
    if (!script) {
        *skip = g_strdup("OVMF_AMDSEV_SETUP not set");
        return NULL;
    }
    cmd = g_strdup_printf("bash %s", script);
    if (!g_spawn_command_line_sync(cmd, &out, &errs, &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL) ||
        !(p = strstr(out, "OVMF_AMDSEV="))) {
        *skip = g_strdup(errs && *errs ? errs : "ovmf-amdsev setup failed");
        return NULL;
    }
    p += strlen("OVMF_AMDSEV=");
    p[strcspn(p, "\n")] = 0;
    return g_strdup(p);
}

#endif
