/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP handlers for the object model: qom-*, object-add, object-del. */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"
#include "qapi/qapi-commands.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"

/* qom-get/qom-set report an ambiguous path as not found, like QEMU. */
static Object *qom_resolve(const char *path, bool say_ambiguous,
                           Error **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path(path, &ambiguous);

    if (!obj) {
        if (ambiguous && say_ambiguous) {
            error_setg(errp, "Path '%s' is ambiguous", path);
        } else {
            error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Device '%s' not found", path);
        }
    }
    return obj;
}

void qmp_qom_list(json_t *args, json_t **ret, Error **errp)
{
    Object *obj = qom_resolve(json_string_value(json_object_get(args, "path")),
                              true, errp);
    ObjectPropertyIterator iter;
    ObjectProperty *prop;
    json_t *list;

    if (!obj) {
        return;
    }
    list = json_array();
    object_property_iter_init(&iter, obj);
    while ((prop = object_property_iter_next(&iter))) {
        json_array_append_new(list, json_pack("{s:s,s:s}", "name", prop->name,
                                              "type", prop->type));
    }
    *ret = list;
}

void qmp_qom_get(json_t *args, json_t **ret, Error **errp)
{
    Object *obj = qom_resolve(json_string_value(json_object_get(args, "path")),
                              false, errp);

    if (obj) {
        *ret = object_property_get(obj,
                   json_string_value(json_object_get(args, "property")),
                   errp);
    }
}

void qmp_qom_set(json_t *args, json_t **ret, Error **errp)
{
    Object *obj = qom_resolve(json_string_value(json_object_get(args, "path")),
                              false, errp);

    if (obj) {
        object_property_set(obj,
                            json_string_value(json_object_get(args,
                                                              "property")),
                            json_object_get(args, "value"), errp);
    }
}

void qmp_qom_list_types(json_t *args, json_t **ret, Error **errp)
{
    const char *implements = json_string_value(json_object_get(args,
                                                               "implements"));
    bool abstract = json_is_true(json_object_get(args, "abstract"));
    GSList *classes = object_class_get_list(implements, abstract);
    json_t *list = json_array();

    for (GSList *l = classes; l; l = l->next) {
        ObjectClass *klass = l->data;
        ObjectClass *parent = object_class_get_parent(klass);
        json_t *info = json_pack("{s:s}", "name",
                                 object_class_get_name(klass));

        if (object_class_is_abstract(klass)) {
            json_object_set_new(info, "abstract", json_true());
        }
        if (parent) {
            json_object_set_new(info, "parent",
                                json_string(object_class_get_name(parent)));
        }
        json_array_append_new(list, info);
    }
    g_slist_free(classes);
    *ret = list;
}

void qmp_qom_list_properties(json_t *args, json_t **ret, Error **errp)
{
    const char *typename = json_string_value(json_object_get(args,
                                                             "typename"));
    ObjectClass *klass = object_class_by_name(typename);
    ObjectPropertyIterator iter;
    ObjectProperty *prop;
    Object *obj = NULL;
    json_t *list;

    if (!klass) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND, "Class '%s' not found",
                  typename);
        return;
    }
    if (!object_class_dynamic_cast(klass, TYPE_OBJECT)) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "typename",
                   TYPE_OBJECT);
        return;
    }
    /* Instance properties only exist on an instance; abstract: class. */
    if (object_class_is_abstract(klass)) {
        object_class_property_iter_init(&iter, klass);
    } else {
        obj = object_new(typename);
        object_property_iter_init(&iter, obj);
    }
    list = json_array();
    while ((prop = object_property_iter_next(&iter))) {
        json_t *info = json_pack("{s:s,s:s}", "name", prop->name,
                                 "type", prop->type);
        const char *desc = object_property_get_description(klass, prop);

        if (desc) {
            json_object_set_new(info, "description", json_string(desc));
        }
        if (object_property_get_default(prop)) {
            json_object_set(info, "default-value",
                            object_property_get_default(prop));
        }
        json_array_append_new(list, info);
    }
    if (obj) {
        object_unref(obj);
    }
    *ret = list;
}

void qmp_object_add(json_t *args, json_t **ret, Error **errp)
{
    /* Same entry point as -object: the object is owned by /objects. */
    user_creatable_add_qapi(args, errp);
}

void qmp_object_del(json_t *args, json_t **ret, Error **errp)
{
    user_creatable_del(json_string_value(json_object_get(args, "id")), errp);
}
