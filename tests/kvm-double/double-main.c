/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main() of a test-only build of qemu-system-x86_64 that runs on the KVM
 * double: QEMU_KVM_DOUBLE=PROFILE puts it behind the seam, and
 * QEMU_KVM_DOUBLE_FAIL=REQUEST:NTH:ERRNO[,...] injects faults.  The
 * production binary has neither the double nor these variables.
 */
#include "qemu/osdep.h"
#include "kvm-double.h"

/* system/vl.c's main(), renamed for this build */
int qemu_vl_main(int argc, char **argv);

int main(int argc, char **argv)
{
    const char *name = getenv("QEMU_KVM_DOUBLE");
    const char *faults = getenv("QEMU_KVM_DOUBLE_FAIL");
    KVMDoubleProfile p;
    Error *err = NULL;
    KVMDouble *d;
    int status;

    if (!name || !*name) {
        return qemu_vl_main(argc, argv);
    }
    if (!kvm_double_profile_parse(name, &p)) {
        fprintf(stderr, "QEMU_KVM_DOUBLE: unknown profile '%s' (host-6.18, "
                "lab-7.3, inplace-v7)\n", name);
        return 1;
    }
    d = kvm_double_new(p);
    if (faults && *faults && !kvm_double_fail_parse(d, faults, &err)) {
        fprintf(stderr, "QEMU_KVM_DOUBLE_FAIL: %s\n", error_get_pretty(err));
        error_free(err);
        kvm_double_free(d);
        return 1;
    }
    kvm_double_install(d);
    status = qemu_vl_main(argc, argv);
    kvm_double_uninstall();
    kvm_double_free(d);
    return status;
}
