/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sw-protected-vm: a confidential guest on KVM_X86_SW_PROTECTED_VM (VM
 * type 1), private memory without hardware encryption -- the one
 * confidential VM type a stock Linux KVM can run for testing.
 */
#include "qemu/osdep.h"
#include "qom/object_interfaces.h"
#include "system/confidential-guest-support.h"
#include "linux/kvm.h"
#include "system/kvm.h"

static bool sw_protected_vm_kvm_init(ConfidentialGuestSupport *cgs,
                                     Error **errp)
{
    return kvm_confidential_setup(cgs->convert_in_place ? CGS_MODEL_IN_PLACE
                                                        : CGS_MODEL_LEGACY,
                                  errp);
}

/*
 * No launch measurement or encryption exists for this type: the only way
 * to hand the guest its boot image is shared memory, so the loader's
 * ranges are converted to shared before they are written.
 */
static bool sw_protected_vm_prepare_load(ConfidentialGuestSupport *cgs,
                                         uint64_t gpa, uint64_t size,
                                         Error **errp)
{
    uint64_t psz = qemu_real_host_page_size();
    uint64_t start = QEMU_ALIGN_DOWN(gpa, psz);
    uint64_t end = QEMU_ALIGN_UP(gpa + size, psz);

    if (!size) {
        return true;
    }
    return kvm_convert_memory(start, end - start, false, errp) == 0;
}

static void sw_protected_vm_init(Object *obj)
{
    /* per-guest_memfd attributes work for this VM type (v7 selftests) */
    CONFIDENTIAL_GUEST_SUPPORT(obj)->allow_convert_in_place = true;
}

static void sw_protected_vm_class_init(ObjectClass *oc, const void *data)
{
    ConfidentialGuestSupportClass *cc = CONFIDENTIAL_GUEST_SUPPORT_CLASS(oc);

    cc->kvm_vm_type = KVM_X86_SW_PROTECTED_VM;
    cc->kvm_vm_type_name = "KVM_X86_SW_PROTECTED_VM";
    cc->kvm_init = sw_protected_vm_kvm_init;
    cc->prepare_load = sw_protected_vm_prepare_load;
}

static const TypeInfo sw_protected_vm_info = {
    .name = TYPE_SW_PROTECTED_VM,
    .parent = TYPE_CONFIDENTIAL_GUEST_SUPPORT,
    .instance_size = sizeof(ConfidentialGuestSupport),
    .instance_init = sw_protected_vm_init,
    .class_init = sw_protected_vm_class_init,
};

static void register_types(void)
{
    type_register_static(&sw_protected_vm_info);
}

type_init(register_types);
