/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sev-snp-guest on the command line of the real binary: on a host
 * without SEV-SNP the probe fails in one line naming what is missing,
 * and every bad property value fails with QEMU's text; always exit 1.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <glib.h>

#define PFX "qemu-system-x86_64: "
#define KVM_CHECK_EXTENSION 0xae03
#define KVM_CAP_VM_TYPES 235
#define SNP_BIT (1 << 4)

typedef struct Case {
    const char *name;
    const char *argv[16];
    const char *expected;       /* whole stderr; "%s" = KVM_CAP_VM_TYPES */
    bool probe;                 /* needs /dev/kvm without SNP */
} Case;

#define SNP "sev-snp-guest,id=sev0,cbitpos=51,reduced-phys-bits=1"
#define QT "-machine", "none", "-accel", "qtest", "-display", "none", \
           "-nodefaults"
#define E_OBJ(arg, msg) PFX "-object " arg ": " msg "\n"
/* errors of setters and complete(): QEMU prints no -object location */
#define E_SET(arg, msg) PFX msg "\n"
/* the missing hardware in one line, then QEMU's trailer */
#define PROBE PFX "KVM VM type 4 (KVM_X86_SNP_VM) " \
              "is not supported by this host (KVM_CAP_VM_TYPES=%s)\n" \
              PFX "failed to initialize kvm: Invalid argument\n"

static const Case cases[] = {
    { "probe-in-place",
      { "-object", SNP ",convert-in-place=on",
        "-machine", "microvm,confidential-guest-support=sev0,"
                    "memory-backend=ram0",
        "-object", "memory-backend-guest-memfd,id=ram0,size=256M",
        "-display", "none", "-nodefaults" },
      PROBE, true },
    { "probe-legacy",
      { "-object", SNP, "-machine", "microvm,confidential-guest-support=sev0",
        "-m", "256M", "-display", "none", "-nodefaults" },
      PROBE, true },
    { "no-kvm-accel",
      { "-object", SNP, "-machine", "microvm,confidential-guest-support=sev0",
        "-accel", "qtest", "-display", "none", "-nodefaults" },
      PFX "accelerator does not support confidential guest sev-snp-guest\n" },
    { "sev-guest-in-place",
      { QT, "-object", "sev-guest,id=s,reduced-phys-bits=1,"
                       "convert-in-place=on" },
      E_SET("sev-guest,id=s,reduced-phys-bits=1,convert-in-place=on",
            "In-place conversion support is not supported for this guest "
            "configuration.") },
    { "id-block-size",
      { QT, "-object", "sev-snp-guest,id=s,reduced-phys-bits=1,id-block=AAAA" },
      E_SET("sev-snp-guest,id=s,reduced-phys-bits=1,id-block=AAAA",
            "parameter length of 3 not equal to 96") },
    { "host-data-size",
      { QT, "-object", "sev-snp-guest,id=s,reduced-phys-bits=1,"
                       "host-data=AAAAAA==" },
      E_SET("sev-snp-guest,id=s,reduced-phys-bits=1,host-data=AAAAAA==",
            "parameter length of 4 not equal to 32") },
    { "gosvw-size",
      { QT, "-object", "sev-snp-guest,id=s,reduced-phys-bits=1,"
                       "guest-visible-workarounds=AAAAAAAAAAAAAAAAAAAAAAAA" },
      E_SET("sev-snp-guest,id=s,reduced-phys-bits=1,"
            "guest-visible-workarounds=AAAAAAAAAAAAAAAAAAAAAAAA",
            "parameter length of 18 exceeds max of 16") },
    { "bad-base64",
      { QT, "-object", "sev-snp-guest,id=s,reduced-phys-bits=1,"
                       "host-data=not!base64" },
      E_SET("sev-snp-guest,id=s,reduced-phys-bits=1,host-data=not!base64",
            "Base64 data is invalid") },
    { "reduced-phys-bits-missing",
      { QT, "-object", "sev-snp-guest,id=s" },
      E_OBJ("sev-snp-guest,id=s", "Parameter 'reduced-phys-bits' is missing") },
    { "policy-type",
      { QT, "-object", "sev-snp-guest,id=s,reduced-phys-bits=1,policy=x" },
      E_OBJ("sev-snp-guest,id=s,reduced-phys-bits=1,policy=x",
            "Parameter 'policy' expects a uint64 value") },
};

/* KVM_CAP_VM_TYPES of this host, -1 without /dev/kvm. */
static long host_vm_types(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    long r;

    if (fd < 0) {
        return -1;
    }
    r = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
    close(fd);
    return r <= 0 ? 1 : r;      /* no cap: only the default type */
}

static void run_case(gconstpointer data)
{
    const Case *c = data;
    const char *bin = g_getenv("QTEST_QEMU_BINARY");
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autofree char *out = NULL, *err = NULL;
    char *want;
    g_autoptr(GError) gerr = NULL;
    int status;

    g_assert_nonnull(bin);
    if (c->probe) {
        long types = host_vm_types();

        if (types < 0) {
            g_test_skip("no /dev/kvm");
            return;
        }
        if (types & SNP_BIT) {
            g_test_skip("this host offers KVM_X86_SNP_VM: no probe error");
            return;
        }
        g_autofree char *t = g_strdup_printf("0x%lx", types);

        want = g_strdup_printf(c->expected, t);
    } else {
        want = g_strdup(c->expected);
    }
    g_ptr_array_add(argv, (char *)bin);
    for (int i = 0; c->argv[i]; i++) {
        g_ptr_array_add(argv, (char *)c->argv[i]);
    }
    g_ptr_array_add(argv, NULL);
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                               G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, &out,
                               &err, &status, &gerr));
    g_assert_cmpstr(err, ==, want);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_free(want);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/sev-snp/cli/%s",
                                                cases[i].name);

        g_test_add_data_func(path, &cases[i], run_case);
    }
    return g_test_run();
}
