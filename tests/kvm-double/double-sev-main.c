/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main() of a test-only qemu-system-x86_64 on the KVM double with its
 * SEV-SNP layer: an SNP host that does not exist here.  Environment:
 * QEMU_KVM_DOUBLE=PROFILE (default inplace-v7), QEMU_KVM_DOUBLE_SEV_LOG=
 * FILE (the layer's ioctl log and the launch digest, written at exit),
 * QEMU_KVM_DOUBLE_SEV_FAIL=CMD:NTH:FW (SEV command id CMD fails the NTH
 * time with firmware status FW).
 */
#include "qemu/osdep.h"
#include "linux/kvm.h"
#include "kvm-double.h"
#include "kvm-double-sev.h"

/* system/vl.c's main(), renamed for this build */
int qemu_vl_main(int argc, char **argv);

static void write_log(KVMDoubleSev *s, const char *path)
{
    const GPtrArray *log = kvm_double_sev_log(s);
    GString *out = g_string_new(NULL);
    uint8_t ld[SNP_DIGEST_SIZE];

    for (guint i = 0; i < log->len; i++) {
        g_string_append_printf(out, "%s\n",
                               (const char *)g_ptr_array_index(log, i));
    }
    kvm_double_sev_digest(s, ld);
    g_string_append(out, "digest ");
    for (int i = 0; i < SNP_DIGEST_SIZE; i++) {
        g_string_append_printf(out, "%02x", ld[i]);
    }
    g_string_append_printf(out, "\nstate %d\n", kvm_double_sev_state(s));
    g_file_set_contents(path, out->str, out->len, NULL);
    g_string_free(out, true);
}

int main(int argc, char **argv)
{
    const char *name = getenv("QEMU_KVM_DOUBLE");
    const char *log = getenv("QEMU_KVM_DOUBLE_SEV_LOG");
    const char *fail = getenv("QEMU_KVM_DOUBLE_SEV_FAIL");
    KVMDoubleProfile p = KVM_DOUBLE_INPLACE_V7;
    KVMDoubleSevConfig cfg;
    unsigned cmd, nth, fw;
    KVMDoubleSev *s;
    KVMDouble *d;
    int status;

    if (name && *name && !kvm_double_profile_parse(name, &p)) {
        fprintf(stderr, "QEMU_KVM_DOUBLE: unknown profile '%s'\n", name);
        return 1;
    }
    d = kvm_double_new(p);
    /* an SNP host: VM types 0, 1 and 4 */
    kvm_double_set_cap(d, -1, KVM_CAP_VM_TYPES, 0x3 | (1 << KVM_X86_SNP_VM));
    kvm_double_sev_default_config(&cfg);
    cfg.per_gmem_attributes = p == KVM_DOUBLE_INPLACE_V7;
    s = kvm_double_sev_new(kvm_double_ops(d), &cfg);
    if (fail && sscanf(fail, "%u:%u:%u", &cmd, &nth, &fw) == 3) {
        kvm_double_sev_inject_fw_error(s, cmd, nth, fw);
    }
    kvm_set_ops(kvm_double_sev_ops(s));
    status = qemu_vl_main(argc, argv);
    kvm_set_ops(NULL);
    if (log) {
        write_log(s, log);
    }
    kvm_double_sev_free(s);
    kvm_double_free(d);
    return status;
}
