/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Confidential guests on the command line: every bad combination ends
 * with QEMU's message, exit status 1 and nothing left behind; on a host
 * without KVM_X86_SW_PROTECTED_VM (this one) sw-protected-vm fails
 * naming the VM type and KVM_CAP_VM_TYPES.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <glib.h>
#include "linux/kvm.h"
#include "../qtest/libqtest.h"

#define PFX "qemu-system-x86_64: "
#define BASE "-display", "none", "-nodefaults"
#define CGS(opts) "-object", "sw-protected-vm,id=cgs0" opts, \
                  "-machine", "confidential-guest-support=cgs0"

enum {
    NEED_KVM = 1 << 0,
    NEED_NO_TYPE1 = 1 << 1,     /* the host lacks KVM_X86_SW_PROTECTED_VM */
};

typedef struct Case {
    const char *name;
    const char *argv[16];
    const char *expected;       /* all of stderr; %s: KVM_CAP_VM_TYPES */
    unsigned flags;
} Case;

static const Case cases[] = {
    { "cgs-not-found", { "-machine", "microvm,confidential-guest-support=x",
                         "-accel", "qtest", BASE },
      PFX "Device 'x' not found\n" },
    { "cgs-wrong-type", { "-object", "thread-context,id=t0", "-machine",
                          "microvm,confidential-guest-support=t0", "-accel",
                          "qtest", BASE },
      PFX "Invalid parameter type for 'confidential-guest-support', "
      "expected: confidential-guest-support\n" },
    /* memory backends are late objects: not there yet for the link */
    { "cgs-is-a-backend", { "-object", "memory-backend-ram,id=m0,size=2M",
                            "-machine", "microvm,confidential-guest-support="
                            "m0", "-accel", "qtest", BASE },
      PFX "Device 'm0' not found\n" },
    { "cgs-alias-memory-encryption", { "-machine",
                                       "microvm,memory-encryption=nope",
                                       "-accel", "qtest", BASE },
      PFX "Device 'nope' not found\n" },
    { "cgs-bad-bool", { "-object", "sw-protected-vm,id=c,convert-in-place="
                        "maybe", "-accel", "qtest", BASE },
      PFX "-object sw-protected-vm,id=c,convert-in-place=maybe: Parameter "
      "'convert-in-place' expects 'on' or 'off'\n" },
    { "cgs-unknown-property", { "-object", "sw-protected-vm,id=c,cbitpos=51",
                                "-accel", "qtest", BASE },
      PFX "-object sw-protected-vm,id=c,cbitpos=51: Invalid parameter "
      "'cbitpos'\n" },
    { "memfd-guest-memfd-bad", { "-object", "memory-backend-memfd,id=m,"
                                 "size=1M,guest-memfd=maybe", "-accel",
                                 "qtest", BASE },
      PFX "-object memory-backend-memfd,id=m,size=1M,guest-memfd=maybe: "
      "Parameter 'guest-memfd' does not accept value 'maybe'\n" },
    { "cgs-qtest-accel", { "-machine", "microvm", CGS(""), "-accel", "qtest",
                           BASE },
      PFX "accelerator does not support confidential guest "
      "sw-protected-vm\n" },
    { "sw-protected-vm-no-type1", { "-machine", "microvm", CGS(""), "-accel",
                                    "kvm", BASE },
      PFX "-accel kvm: KVM VM type 1 (KVM_X86_SW_PROTECTED_VM) "
      "is not supported by this host (KVM_CAP_VM_TYPES=%s)\n"
      PFX "-accel kvm: failed to initialize kvm: Invalid argument\n",
      NEED_KVM | NEED_NO_TYPE1 },
    { "sw-protected-vm-in-place-no-type1",
      { "-machine", "microvm", CGS(",convert-in-place=on"), "-object",
        "memory-backend-ram,id=m0,size=2M", "-machine", "memory-backend=m0",
        "-accel", "kvm", BASE },
      PFX "-accel kvm: KVM VM type 1 (KVM_X86_SW_PROTECTED_VM) "
      "is not supported by this host (KVM_CAP_VM_TYPES=%s)\n"
      PFX "-accel kvm: failed to initialize kvm: Invalid argument\n",
      NEED_KVM | NEED_NO_TYPE1 },
};

static char vm_types[32];

static uint64_t probe_vm_types(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    int r;

    if (fd < 0) {
        return 0;
    }
    r = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
    close(fd);
    return r > 0 ? (uint64_t)r : 1;     /* no cap: the default type only */
}

static char *shm_listing(void)
{
    GString *s = g_string_new("");
    DIR *d = opendir("/dev/shm");
    struct dirent *e;

    while (d && (e = readdir(d))) {
        if (strstr(e->d_name, "qemu")) {
            g_string_append_printf(s, "%s\n", e->d_name);
        }
    }
    if (d) {
        closedir(d);
    }
    return g_string_free(s, FALSE);
}

static void test_case(gconstpointer opaque)
{
    const Case *c = opaque;
    uint64_t types = probe_vm_types();
    char *out = NULL, *err = NULL, *before, *after;
    g_autofree char *expected = NULL;
    const char *missing;
    int status;

    if ((c->flags & NEED_KVM) && (missing = qtest_kvm_missing())) {
        g_autofree char *why = g_strdup_printf("%s not available", missing);

        g_test_skip(why);
        return;
    }
    if ((c->flags & NEED_NO_TYPE1) && (types & (1ULL << 1))) {
        g_test_skip("host has KVM_X86_SW_PROTECTED_VM (the lab runs the "
                    "real legacy tests)");
        return;
    }
    snprintf(vm_types, sizeof(vm_types), "0x%" G_GINT64_MODIFIER "x",
             (guint64)types);
    expected = g_strdup_printf(c->expected, vm_types);
    before = shm_listing();
    status = qtest_run_binary(c->argv, &out, &err, 60);
    after = shm_listing();
    if (status != 1 || g_strcmp0(err, expected)) {
        g_test_message("case %s: status %d\nstderr: %s\nexpected: %s",
                       c->name, status, err, expected);
    }
    g_assert_cmpint(status, ==, 1);
    g_assert_cmpstr(err, ==, expected);
    g_assert_cmpstr(out, ==, "");
    g_assert_cmpstr(after, ==, before);
    g_free(before);
    g_free(after);
    g_free(out);
    g_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/cgs-cli/%s", cases[i].name);

        g_test_add_data_func(path, &cases[i], test_case);
    }
    return g_test_run();
}
