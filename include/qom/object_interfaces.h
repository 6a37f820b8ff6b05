/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * User-creatable objects: the one path shared by -object (both syntaxes)
 * and QMP object-add / object-del.
 */
#ifndef QOM_OBJECT_INTERFACES_H
#define QOM_OBJECT_INTERFACES_H

#include "qom/object.h"

#define TYPE_USER_CREATABLE "user-creatable"

typedef struct UserCreatableClass {
    InterfaceClass parent_class;
    /* Called after all properties are set; allocation happens here. */
    void (*complete)(Object *obj, Error **errp);
    /* false -> object-del refuses: "object '<id>' is in use, can not be deleted" */
    bool (*can_be_deleted)(Object *obj);
    /*
     * -object creates late objects after the accelerator is set up (a
     * memory backend may need the VM for a guest_memfd), the others
     * before it (a confidential-guest-support object chooses the VM
     * type).  Each class says which it is; the default is early.
     */
    bool late;
} UserCreatableClass;

#define USER_CREATABLE_GET_CLASS(obj) \
    OBJECT_GET_CLASS(UserCreatableClass, (obj), TYPE_USER_CREATABLE)
#define USER_CREATABLE_CLASS(klass) \
    OBJECT_CLASS_CHECK(UserCreatableClass, (klass), TYPE_USER_CREATABLE)

/* Identifier rule: letter first, then letters, digits, '-', '.', '_'. */
bool id_wellformed(const char *id);

bool user_creatable_complete(Object *obj, Error **errp);
bool user_creatable_can_be_deleted(Object *obj);
/* Whether -object creates @type late (see UserCreatableClass.late). */
bool user_creatable_type_is_late(const char *type);

/*
 * Create @type with @id under /objects from @props (a JSON object of
 * already typed values; may be NULL).  Checks, in QEMU's order: type exists
 * ("invalid object type: <t>"), is user-creatable ("object type '<t>'
 * isn't supported by object-add"), is not abstract ("object type '<t>' is
 * abstract"), id well formed ("Parameter 'id' expects an identifier" plus
 * a hint).  Properties are set in the order given, then the object becomes
 * /objects/<id> (taken: "attempt to add duplicate property '<id>' to
 * object (type 'container')"), then complete runs.  On any failure nothing
 * is left behind: the object is unparented and freed.
 *
 * Returns a BORROWED pointer: the /objects tree holds the only reference
 * (do not object_unref it; user_creatable_del() or object_unparent() ends
 * its life).
 */
Object *user_creatable_add_type(const char *type, const char *id,
                                json_t *props, Error **errp);

/*
 * Create from a full ObjectOptions JSON object ({"qom-type":..., "id":...,
 * props...}): validates against the QAPI schema first (so QMP object-add
 * and -object '{json}' and the dotted form, once converted, behave the
 * same), then user_creatable_add_type().
 */
Object *user_creatable_add_qapi(json_t *options, Error **errp);

/* Delete /objects/<id>: "object '<id>' not found" / in-use error. */
bool user_creatable_del(const char *id, Error **errp);

/* Print "-object help" / "-object TYPE,help" (spec format) to stdout. */
void user_creatable_print_types(void);
bool user_creatable_print_help(const char *type, Error **errp);

/* Called by qom/ on teardown: unparent all of /objects in reverse order. */
void user_creatable_cleanup(void);

#endif
