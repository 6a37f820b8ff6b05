/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The real start-up and QMP paths of qemu-system-x86_64 against the KVM
 * double with injected kernel failures: start-up prints one error and
 * exits 1; over QMP the command fails, nothing is left behind and the
 * process keeps serving.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <jansson.h>
#include "../qtest/libqtest.h"

#define PFX "qemu-system-x86_64: "
#define MACHINE "-M", "microvm", "-accel", "kvm", "-display", "none", \
                "-nodefaults", "-S", "-m", "256M", "-M", "memory-backend=ram0"
#define GMEM "memory-backend-guest-memfd,id=ram0,size=256M"

typedef struct StartCase {
    const char *name;
    const char *fail;             /* QEMU_KVM_DOUBLE_FAIL */
    const char *backend;          /* -object */
    const char *expected;         /* the whole of stderr */
    bool prefix;                  /* expected is only its start */
} StartCase;

static const StartCase start_cases[] = {
    { "open", "OPEN:1:ENOENT", GMEM,
      PFX "-accel kvm: Could not access KVM kernel module: "
      "No such file or directory\n"
      PFX "-accel kvm: failed to initialize kvm: "
      "No such file or directory\n" },
    { "create-vm", "CREATE_VM:1:ENOMEM", GMEM,
      PFX "-accel kvm: ioctl(KVM_CREATE_VM) failed: "
      "Cannot allocate memory\n"
      PFX "-accel kvm: failed to initialize kvm: "
      "Cannot allocate memory\n" },
    { "tss", "SET_TSS_ADDR:1:EFAULT", GMEM,
      PFX "-accel kvm: KVM_SET_TSS_ADDR failed: Bad address\n"
      PFX "-accel kvm: failed to initialize kvm: Bad address\n" },
    { "guest-memfd", "CREATE_GUEST_MEMFD:1:ENOMEM", GMEM,
      PFX "Error creating KVM guest_memfd: "
      "Cannot allocate memory\n" },
    { "prealloc", "FALLOCATE:1:ENOSPC", GMEM ",prealloc=on",
      PFX "qemu_prealloc_mem: preallocating "
      "memory failed: No space left on device\n" },
    { "memslot", "SET_USER_MEMORY_REGION2:1:EFAULT", GMEM,
      PFX "KVM_SET_USER_MEMORY_REGION2 failed for slot 0 (gpa 0x0 size "
      "0x10000000 hva 0x", true },
    { "irqchip", "CREATE_IRQCHIP:1:ENOMEM", GMEM,
      PFX "Create kernel irqchip failed: Cannot allocate memory\n" },
    { "vcpu", "CREATE_VCPU:1:EINVAL", GMEM,
      PFX "kvm_init_vcpu: kvm_create_vcpu failed (0): Invalid argument\n" },
    { "cpuid", "SET_CPUID2:1:E2BIG", GMEM, NULL },
    { "msrs", "SET_MSRS:1:EFAULT", GMEM,
      PFX "KVM_SET_MSRS failed: Bad address\n" },
};

static void test_startup(gconstpointer data)
{
    const StartCase *c = data;
    const char *argv[] = { MACHINE, "-object", c->backend, NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status;

    if (!c->expected) {
        /* an errno the double cannot name: the parser must refuse it */
        g_setenv("QEMU_KVM_DOUBLE", "host-6.18", true);
        g_setenv("QEMU_KVM_DOUBLE_FAIL", c->fail, true);
        status = qtest_run_binary(argv, &out, &err, 30);
        g_assert_cmpint(status, ==, 1);
        g_assert_cmpstr(err, ==, "QEMU_KVM_DOUBLE_FAIL: kvm-double: bad "
                        "fault 'SET_CPUID2:1:E2BIG' (want "
                        "REQUEST:NTH:ERRNO)\n");
        return;
    }
    g_setenv("QEMU_KVM_DOUBLE", "host-6.18", true);
    g_setenv("QEMU_KVM_DOUBLE_FAIL", c->fail, true);
    status = qtest_run_binary(argv, &out, &err, 30);
    g_assert_cmpint(status, ==, 1);
    if (c->prefix) {
        g_assert_true(g_str_has_prefix(err, c->expected));
        g_assert_true(g_str_has_suffix(err, ": Bad address\n"));
        /* one line */
        g_assert_true(strchr(err, '\n') == err + strlen(err) - 1);
    } else {
        g_assert_cmpstr(err, ==, c->expected);
    }
}

static unsigned count_fds(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/fd", (int)pid);
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    unsigned n = 0;

    g_assert_nonnull(dir);
    while (g_dir_read_name(dir)) {
        n++;
    }
    return n;
}

static void expect_error(json_t *rsp, const char *desc)
{
    json_t *e = json_object_get(rsp, "error");

    g_assert_nonnull(e);
    g_assert_cmpstr(json_string_value(json_object_get(e, "class")), ==,
                    "GenericError");
    g_assert_cmpstr(json_string_value(json_object_get(e, "desc")), ==, desc);
    json_decref(rsp);
}

static void expect_ok(json_t *rsp)
{
    g_assert_nonnull(json_object_get(rsp, "return"));
    json_decref(rsp);
}

/* QMP: the kernel refuses, the command fails, the process lives on. */
static void test_qmp(void)
{
    QTestState *qts;
    unsigned fds;
    pid_t pid;

    g_setenv("QEMU_KVM_DOUBLE", "host-6.18", true);
    g_setenv("QEMU_KVM_DOUBLE_FAIL",
             "CREATE_GUEST_MEMFD:1:ENOMEM,FALLOCATE:1:ENOSPC", true);
    qts = qtest_init_raw("-M none -accel kvm -display none -nodefaults");
    expect_ok(qtest_qmp(qts, "{'execute': 'qmp_capabilities'}"));
    pid = qtest_pid(qts);
    fds = count_fds(pid);
    expect_error(qtest_qmp(qts, "{'execute': 'object-add', 'arguments': "
                           "{'qom-type': 'memory-backend-guest-memfd', "
                           "'id': 'm0', 'size': 67108864}}"),
                 "Error creating KVM guest_memfd: Cannot allocate memory");
    g_assert_cmpuint(count_fds(pid), ==, fds);
    expect_error(qtest_qmp(qts, "{'execute': 'object-add', 'arguments': "
                           "{'qom-type': 'memory-backend-guest-memfd', "
                           "'id': 'm0', 'size': 67108864, "
                           "'prealloc': true}}"),
                 "qemu_prealloc_mem: preallocating memory failed: "
                 "No space left on device");
    g_assert_cmpuint(count_fds(pid), ==, fds);
    /* nothing half-created: the id is free, and it works now */
    expect_ok(qtest_qmp(qts, "{'execute': 'object-add', 'arguments': "
                        "{'qom-type': 'memory-backend-guest-memfd', "
                        "'id': 'm0', 'size': 67108864, 'prealloc': true}}"));
    expect_ok(qtest_qmp(qts, "{'execute': 'object-del', 'arguments': "
                        "{'id': 'm0'}}"));
    g_assert_cmpuint(count_fds(pid), ==, fds);
    expect_ok(qtest_qmp(qts, "{'execute': 'query-status'}"));
    qtest_quit(qts);
    g_unsetenv("QEMU_KVM_DOUBLE_FAIL");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (unsigned i = 0; i < G_N_ELEMENTS(start_cases); i++) {
        g_autofree char *path = g_strdup_printf("/double-binary/startup/%s",
                                                start_cases[i].name);

        g_test_add_data_func(path, &start_cases[i], test_startup);
    }
    g_test_add_func("/double-binary/qmp", test_qmp);
    return g_test_run();
}
