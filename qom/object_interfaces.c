/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * User-creatable objects: creation under /objects, deletion and the
 * "-object help" texts, shared by the command line and QMP.
 */

#include "qemu/osdep.h"
#include "qom/object_interfaces.h"
#include "qapi/error.h"
#include "qapi/qapi-schema.h"

/* Ids in creation order, so teardown can go in reverse. */
static GPtrArray *created_ids;

bool id_wellformed(const char *id)
{
    if (!id || !g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

bool user_creatable_complete(Object *obj, Error **errp)
{
    ObjectClass *ic = object_class_dynamic_cast(object_get_class(obj),
                                                TYPE_USER_CREATABLE);
    UserCreatableClass *ucc = (UserCreatableClass *)ic;
    Error *err = NULL;

    if (!ucc || !ucc->complete) {
        return true;
    }
    ucc->complete(obj, &err);
    if (err) {
        error_propagate(errp, err);
        return false;
    }
    return true;
}

bool user_creatable_can_be_deleted(Object *obj)
{
    ObjectClass *ic = object_class_dynamic_cast(object_get_class(obj),
                                                TYPE_USER_CREATABLE);
    UserCreatableClass *ucc = (UserCreatableClass *)ic;

    if (ucc && ucc->can_be_deleted) {
        return ucc->can_be_deleted(obj);
    }
    return true;
}

bool user_creatable_type_is_late(const char *type)
{
    ObjectClass *oc = type ? object_class_by_name(type) : NULL;
    UserCreatableClass *ucc;

    oc = oc ? object_class_dynamic_cast(oc, TYPE_USER_CREATABLE) : NULL;
    ucc = (UserCreatableClass *)oc;
    return ucc && ucc->late;
}

static void remember_id(const char *id)
{
    if (!created_ids) {
        created_ids = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(created_ids, g_strdup(id));
}

static void forget_id(const char *id)
{
    for (guint i = 0; created_ids && i < created_ids->len; i++) {
        if (!strcmp(g_ptr_array_index(created_ids, i), id)) {
            g_ptr_array_remove_index(created_ids, i);
            return;
        }
    }
}

Object *user_creatable_add_type(const char *type, const char *id,
                                json_t *props, Error **errp)
{
    ObjectClass *klass = object_class_by_name(type);
    Object *root;
    Object *obj;
    const char *key;
    json_t *value;
    Error *err = NULL;

    if (!klass) {
        error_setg(errp, "invalid object type: %s", type);
        return NULL;
    }
    if (!object_class_dynamic_cast(klass, TYPE_USER_CREATABLE)) {
        error_setg(errp, "object type '%s' isn't supported by object-add",
                   type);
        return NULL;
    }
    if (object_class_is_abstract(klass)) {
        error_setg(errp, "object type '%s' is abstract", type);
        return NULL;
    }
    if (!id_wellformed(id)) {
        error_setg(&err, QERR_INVALID_PARAMETER_VALUE, "id",
                   "an identifier");
        error_append_hint(&err, "Identifiers consist of letters, digits, "
                          "'-', '.', '_', starting with a letter.\n");
        error_propagate(errp, err);
        return NULL;
    }

    obj = object_new_with_class(klass);
    if (props) {
        json_object_foreach(props, key, value) {
            if (!object_property_set(obj, key, value, &err)) {
                goto fail;
            }
        }
    }

    root = object_get_objects_root();
    if (!object_property_try_add_child(root, id, obj, &err)) {
        goto fail;
    }
    if (!user_creatable_complete(obj, &err)) {
        object_unparent(obj);
        goto fail;
    }
    remember_id(id);
    /* The /objects tree now holds the object; drop the creation ref. */
    object_unref(obj);
    return obj;

fail:
    error_propagate(errp, err);
    object_unref(obj);
    return NULL;
}

Object *user_creatable_add_qapi(json_t *options, Error **errp)
{
    json_t *type;
    json_t *id;
    json_t *props;
    const char *key;
    json_t *value;
    Object *obj;

    if (!json_is_object(options)) {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, "options", "object");
        return NULL;
    }
    if (!qapi_validate("ObjectOptions", options, errp)) {
        return NULL;
    }
    /* Checks the schema makes when it is present; kept for the fallback. */
    type = json_object_get(options, "qom-type");
    if (!type) {
        error_setg(errp, QERR_MISSING_PARAMETER, "qom-type");
        return NULL;
    }
    if (!json_is_string(type)) {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, "qom-type", "string");
        return NULL;
    }
    if (!qapi_qom_type_known(json_string_value(type))) {
        error_setg(errp, "Parameter 'qom-type' does not accept value '%s'",
                   json_string_value(type));
        return NULL;
    }
    id = json_object_get(options, "id");
    if (!id) {
        error_setg(errp, QERR_MISSING_PARAMETER, "id");
        return NULL;
    }
    if (!json_is_string(id)) {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, "id", "string");
        return NULL;
    }

    props = json_object();
    json_object_foreach(options, key, value) {
        if (strcmp(key, "qom-type") && strcmp(key, "id")) {
            json_object_set(props, key, value);
        }
    }
    obj = user_creatable_add_type(json_string_value(type),
                                  json_string_value(id), props, errp);
    json_decref(props);
    return obj;
}

bool user_creatable_del(const char *id, Error **errp)
{
    Object *root = object_get_objects_root();
    Object *obj = object_resolve_path_component(root, id);

    if (!obj) {
        error_setg(errp, "object '%s' not found", id);
        return false;
    }
    if (!user_creatable_can_be_deleted(obj)) {
        error_setg(errp, "object '%s' is in use, can not be deleted", id);
        return false;
    }
    forget_id(id);
    object_unparent(obj);
    return true;
}

static gint pstrcmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void user_creatable_print_types(void)
{
    GSList *list = object_class_get_list_sorted(TYPE_USER_CREATABLE, false);
    GPtrArray *names = g_ptr_array_new();

    for (GSList *e = list; e; e = e->next) {
        g_ptr_array_add(names, (gpointer)object_class_get_name(e->data));
    }
    g_slist_free(list);
    /* Byte-wise order, like every other sorted help list. */
    g_ptr_array_sort(names, pstrcmp);
    printf("List of user creatable objects:\n");
    for (guint i = 0; i < names->len; i++) {
        printf("  %s\n", (const char *)g_ptr_array_index(names, i));
    }
    g_ptr_array_free(names, TRUE);
}

static char *property_help_line(const char *name, const char *type,
                                json_t *defval, const char *description)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, "  %s=<%s>", name, type);
    if (description || defval) {
        while (s->len < 24) {
            g_string_append_c(s, ' ');
        }
        g_string_append(s, " - ");
    }
    if (description) {
        g_string_append(s, description);
    }
    if (defval) {
        char *json = json_dumps(defval, JSON_COMPACT | JSON_ENCODE_ANY);

        g_string_append_printf(s, " (default: %s)", json);
        free(json);
    }
    return g_string_free(s, FALSE);
}

bool user_creatable_print_help(const char *type, Error **errp)
{
    ObjectClass *klass;
    ObjectPropertyIterator iter;
    ObjectProperty *prop;
    GPtrArray *lines;

    if (!strcmp(type, "help") || !strcmp(type, "?")) {
        user_creatable_print_types();
        return true;
    }
    klass = object_class_by_name(type);
    if (!klass) {
        error_setg(errp, "invalid object type: %s", type);
        return false;
    }
    if (!object_class_dynamic_cast(klass, TYPE_USER_CREATABLE)) {
        error_setg(errp, "object type '%s' isn't supported by object-add",
                   type);
        return false;
    }

    lines = g_ptr_array_new_with_free_func(g_free);
    object_class_property_iter_init(&iter, klass);
    while ((prop = object_property_iter_next(&iter))) {
        if (!prop->set || !strcmp(prop->name, "type")) {
            continue;
        }
        g_ptr_array_add(lines, property_help_line(
                            prop->name, prop->type,
                            object_property_get_default(prop),
                            object_property_get_description(klass, prop)));
    }
    g_ptr_array_sort(lines, pstrcmp);
    if (lines->len) {
        printf("%s options:\n", type);
    } else {
        printf("There are no options for %s.\n", type);
    }
    for (guint i = 0; i < lines->len; i++) {
        printf("%s\n", (const char *)g_ptr_array_index(lines, i));
    }
    g_ptr_array_free(lines, TRUE);
    return true;
}

void user_creatable_cleanup(void)
{
    Object *root = object_get_objects_root();

    /* Reverse creation order: later objects may link to earlier ones. */
    while (created_ids && created_ids->len) {
        char *id = g_ptr_array_steal_index(created_ids,
                                           created_ids->len - 1);
        Object *obj = object_resolve_path_component(root, id);

        if (obj && obj->parent == root) {
            object_unparent(obj);
        }
        g_free(id);
    }
    /* Whatever else was put under /objects directly. */
    while (true) {
        ObjectPropertyIterator iter;
        ObjectProperty *prop;
        Object *child = NULL;

        object_property_iter_init(&iter, root);
        while ((prop = object_property_iter_next(&iter))) {
            if (g_str_has_prefix(prop->type, "child<")) {
                child = prop->opaque;
                break;
            }
        }
        if (!child) {
            break;
        }
        object_unparent(child);
    }
}

static const TypeInfo user_creatable_info = {
    .name = TYPE_USER_CREATABLE,
    .parent = TYPE_INTERFACE,
    .class_size = sizeof(UserCreatableClass),
};

static void user_creatable_register_types(void)
{
    type_register_static(&user_creatable_info);
}

type_init(user_creatable_register_types)
