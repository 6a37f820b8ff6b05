/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The abstract confidential-guest-support type: what a confidential VM
 * type (sw-protected-vm, later sev-snp-guest) tells the rest of the VMM,
 * i.e. the KVM VM type and the memory model (legacy or in-place).
 */
#ifndef SYSTEM_CONFIDENTIAL_GUEST_SUPPORT_H
#define SYSTEM_CONFIDENTIAL_GUEST_SUPPORT_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object.h"

#define TYPE_CONFIDENTIAL_GUEST_SUPPORT "confidential-guest-support"
#define TYPE_SW_PROTECTED_VM "sw-protected-vm"

OBJECT_DECLARE_TYPE(ConfidentialGuestSupport, ConfidentialGuestSupportClass,
                    CONFIDENTIAL_GUEST_SUPPORT)

struct ConfidentialGuestSupport {
    Object parent_obj;
    /* convert-in-place property (the user's choice) */
    bool convert_in_place;
    /* the concrete type accepts convert-in-place=on (set in instance_init) */
    bool allow_convert_in_place;
    /* set once the accelerator has set the VM up for this guest */
    bool ready;
    /* named by a machine's confidential-guest-support= */
    bool in_use;
};

struct ConfidentialGuestSupportClass {
    ObjectClass parent_class;
    /* KVM_CREATE_VM type and its UAPI name (for error messages) */
    int kvm_vm_type;
    const char *kvm_vm_type_name;
    /*
     * After the VM exists: check the kernel offers what the memory model
     * needs and prepare the VM for conversions.  Sets cgs->ready.
     */
    bool (*kvm_init)(ConfidentialGuestSupport *cgs, Error **errp);
    /*
     * Before the loader writes [gpa, gpa+size): make it memory the host
     * may write and the guest will read.  NULL: nothing to do.
     */
    bool (*prepare_load)(ConfidentialGuestSupport *cgs, uint64_t gpa,
                         uint64_t size, Error **errp);
};

/* The memory model of a VM, chosen once at start-up (DESIGN.md §2). */
typedef enum ConfidentialMemoryModel {
    CGS_MODEL_NONE,       /* not a confidential guest */
    CGS_MODEL_LEGACY,     /* shared backing + private guest_memfd */
    CGS_MODEL_IN_PLACE,   /* one guest_memfd, per-gmem attributes */
} ConfidentialMemoryModel;

/* The CGS of the current machine, or NULL. */
ConfidentialGuestSupport *confidential_guest_support_current(void);
/* Model of the current machine's CGS (CGS_MODEL_NONE without one). */
ConfidentialMemoryModel confidential_guest_memory_model(void);
const char *confidential_memory_model_name(ConfidentialMemoryModel m);

/*
 * Start-up calls this with true once the machine has its CGS: from then
 * on creating another one (QMP object-add) is refused.
 */
void confidential_guest_support_close_creation(bool closed);

/* Run the class's kvm_init (see above); true without a hook. */
bool confidential_guest_kvm_init(ConfidentialGuestSupport *cgs, Error **errp);
/* Run the class's prepare_load for the current machine's CGS, if any. */
bool confidential_guest_prepare_load(uint64_t gpa, uint64_t size,
                                     Error **errp);

#endif
