/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The abstract confidential-guest-support type and its convert-in-place
 * property, which picks the memory model of the whole VM once.
 */
#include "qemu/osdep.h"
#include "qom/object_interfaces.h"
#include "system/confidential-guest-support.h"
#include "hw/boards.h"

/*
 * A CGS decides the VM type, so it must exist before the accelerator:
 * start-up closes creation once the machine is wired to its CGS.
 */
static bool cgs_creation_closed;

void confidential_guest_support_close_creation(bool closed)
{
    cgs_creation_closed = closed;
}

ConfidentialGuestSupport *confidential_guest_support_current(void)
{
    MachineState *ms = current_machine_get();

    return ms ? ms->cgs : NULL;
}

ConfidentialMemoryModel confidential_guest_memory_model(void)
{
    ConfidentialGuestSupport *cgs = confidential_guest_support_current();

    if (!cgs) {
        return CGS_MODEL_NONE;
    }
    return cgs->convert_in_place ? CGS_MODEL_IN_PLACE : CGS_MODEL_LEGACY;
}

const char *confidential_memory_model_name(ConfidentialMemoryModel m)
{
    switch (m) {
    case CGS_MODEL_LEGACY:
        return "legacy";
    case CGS_MODEL_IN_PLACE:
        return "in-place";
    default:
        return "none";
    }
}

bool confidential_guest_kvm_init(ConfidentialGuestSupport *cgs, Error **errp)
{
    ConfidentialGuestSupportClass *cc =
        CONFIDENTIAL_GUEST_SUPPORT_GET_CLASS(cgs);

    if (cc->kvm_init && !cc->kvm_init(cgs, errp)) {
        return false;
    }
    cgs->ready = true;
    return true;
}

bool confidential_guest_prepare_load(uint64_t gpa, uint64_t size,
                                     Error **errp)
{
    ConfidentialGuestSupport *cgs = confidential_guest_support_current();
    ConfidentialGuestSupportClass *cc;

    if (!cgs) {
        return true;
    }
    cc = CONFIDENTIAL_GUEST_SUPPORT_GET_CLASS(cgs);
    return !cc->prepare_load || cc->prepare_load(cgs, gpa, size, errp);
}

static bool cgs_get_convert_in_place(Object *obj, Error **errp)
{
    return CONFIDENTIAL_GUEST_SUPPORT(obj)->convert_in_place;
}

static void cgs_set_convert_in_place(Object *obj, bool value, Error **errp)
{
    ConfidentialGuestSupport *cgs = CONFIDENTIAL_GUEST_SUPPORT(obj);

    if (cgs->in_use) {
        error_setg(errp, "cannot change property value");
        return;
    }
    if (value && !cgs->allow_convert_in_place) {
        error_setg(errp, "In-place conversion support is not supported for "
                   "this guest configuration.");
        return;
    }
    cgs->convert_in_place = value;
}

static void cgs_complete(Object *obj, Error **errp)
{
    if (cgs_creation_closed) {
        error_setg(errp, "object type '%s' cannot be created after the "
                   "machine is initialized: it chooses the KVM VM type",
                   object_get_typename(obj));
        error_append_hint(errp, "Create it with -object and name it with "
                          "-machine confidential-guest-support=ID.\n");
    }
}

static bool cgs_can_be_deleted(Object *obj)
{
    return !CONFIDENTIAL_GUEST_SUPPORT(obj)->in_use;
}

static void cgs_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);
    ObjectProperty *op;

    ucc->complete = cgs_complete;
    ucc->can_be_deleted = cgs_can_be_deleted;
    /* created before the accelerator: it chooses the VM type */
    ucc->late = false;
    op = object_class_property_add_bool(oc, "convert-in-place",
                                        cgs_get_convert_in_place,
                                        cgs_set_convert_in_place);
    object_property_set_default_bool(op, false);
}

static const TypeInfo cgs_info = {
    .name = TYPE_CONFIDENTIAL_GUEST_SUPPORT,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(ConfidentialGuestSupport),
    .class_size = sizeof(ConfidentialGuestSupportClass),
    .class_init = cgs_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void register_types(void)
{
    type_register_static(&cgs_info);
}

type_init(register_types);
