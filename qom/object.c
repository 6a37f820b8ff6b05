/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QOM core: type registry, class and instance life cycle, interfaces,
 * properties (generic and typed), the composition tree and path lookup.
 */

#include "qemu/osdep.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "qapi/error.h"
#include "qapi/qapi-schema.h"

/* ------------------------------------------------------------------ */
/* Types */

struct TypeImpl {
    char *name;
    char *parent;
    struct TypeImpl *parent_type;

    size_t instance_size;
    size_t instance_align;
    size_t class_size;

    void (*instance_init)(Object *obj);
    void (*instance_post_init)(Object *obj);
    void (*instance_finalize)(Object *obj);
    void (*class_init)(ObjectClass *klass, const void *data);
    void (*class_base_init)(ObjectClass *klass, const void *data);
    const void *class_data;

    bool abstract;
    char **interfaces;          /* NULL-terminated names */

    ObjectClass *class;

    /*
     * Per-class caches of the class properties (own and inherited) that
     * need work at instance init (defaults) or finalize (release), so
     * object_new does not walk every property hash table.
     */
    GPtrArray *init_props;
    GPtrArray *release_props;
    unsigned props_gen;
};

typedef struct TypeImpl TypeImpl;

static GHashTable *type_table;
/* Bumped whenever a class property is added, invalidating the caches. */
static unsigned class_props_gen = 1;

static GHashTable *type_table_get(void)
{
    /* Constructors register types before main(): create on first use. */
    if (!type_table) {
        type_table = g_hash_table_new(g_str_hash, g_str_equal);
    }
    return type_table;
}

static TypeImpl *type_get_by_name(const char *name)
{
    if (!name) {
        return NULL;
    }
    return g_hash_table_lookup(type_table_get(), name);
}

static TypeImpl *type_new(const TypeInfo *info)
{
    TypeImpl *ti = g_new0(TypeImpl, 1);
    size_t n = 0;

    g_assert(info->name);
    ti->name = g_strdup(info->name);
    ti->parent = g_strdup(info->parent);
    ti->instance_size = info->instance_size;
    ti->instance_align = info->instance_align;
    ti->class_size = info->class_size;
    ti->instance_init = info->instance_init;
    ti->instance_post_init = info->instance_post_init;
    ti->instance_finalize = info->instance_finalize;
    ti->class_init = info->class_init;
    ti->class_base_init = info->class_base_init;
    ti->class_data = info->class_data;
    ti->abstract = info->abstract;

    if (info->interfaces) {
        while (info->interfaces[n].type) {
            n++;
        }
    }
    ti->interfaces = g_new0(char *, n + 1);
    for (size_t i = 0; i < n; i++) {
        ti->interfaces[i] = g_strdup(info->interfaces[i].type);
    }
    return ti;
}

Type type_register_static(const TypeInfo *info)
{
    TypeImpl *ti;

    if (type_get_by_name(info->name)) {
        g_error("Registering '%s' which already exists", info->name);
    }
    ti = type_new(info);
    g_hash_table_insert(type_table_get(), ti->name, ti);
    return ti;
}

void type_register_static_array(const TypeInfo *infos, int nr)
{
    for (int i = 0; i < nr; i++) {
        type_register_static(&infos[i]);
    }
}

static TypeImpl *type_get_parent(TypeImpl *ti)
{
    if (!ti->parent_type && ti->parent) {
        ti->parent_type = type_get_by_name(ti->parent);
        if (!ti->parent_type) {
            g_error("Type '%s' is missing its parent '%s'", ti->name,
                    ti->parent);
        }
    }
    return ti->parent_type;
}

static bool type_is_ancestor(TypeImpl *ti, TypeImpl *ancestor)
{
    while (ti) {
        if (ti == ancestor) {
            return true;
        }
        ti = type_get_parent(ti);
    }
    return false;
}

static size_t type_class_size(TypeImpl *ti)
{
    if (ti->class_size) {
        return ti->class_size;
    }
    if (type_get_parent(ti)) {
        return type_class_size(type_get_parent(ti));
    }
    return sizeof(ObjectClass);
}

static size_t type_instance_size(TypeImpl *ti)
{
    if (ti->instance_size) {
        return ti->instance_size;
    }
    if (type_get_parent(ti)) {
        return type_instance_size(type_get_parent(ti));
    }
    return 0;
}

static size_t type_instance_align(TypeImpl *ti)
{
    if (ti->instance_align) {
        return ti->instance_align;
    }
    if (type_get_parent(ti)) {
        return type_instance_align(type_get_parent(ti));
    }
    return 0;
}

static void type_initialize(TypeImpl *ti);

/*
 * Each (class, interface) pair gets its own InterfaceClass, an instance of
 * a hidden type deriving from the interface (or, when inherited, from the
 * parent class's InterfaceClass, so method pointers set by a parent's
 * class_init are inherited too).
 */
static void type_initialize_interface(TypeImpl *ti, TypeImpl *iface_type,
                                      TypeImpl *parent_type)
{
    TypeInfo info = { 0 };
    TypeImpl *hidden;
    InterfaceClass *iface;
    char *name = g_strdup_printf("%s::%s", ti->name, iface_type->name);

    info.name = name;
    info.parent = parent_type->name;
    info.abstract = true;
    hidden = type_new(&info);
    hidden->parent_type = parent_type;
    type_initialize(hidden);
    g_free(name);

    iface = (InterfaceClass *)hidden->class;
    iface->concrete_class = ti->class;
    iface->interface_type = iface_type;
    ti->class->interfaces = g_slist_append(ti->class->interfaces, iface);
}

static void type_initialize(TypeImpl *ti)
{
    TypeImpl *parent;

    if (ti->class) {
        return;
    }

    ti->class_size = type_class_size(ti);
    ti->instance_size = type_instance_size(ti);
    ti->instance_align = type_instance_align(ti);
    if (ti->instance_size == 0) {
        /* Only abstract types (interfaces) may be instance-less. */
        ti->abstract = true;
    }
    ti->class = g_malloc0(ti->class_size);

    parent = type_get_parent(ti);
    if (parent) {
        GSList *e;

        type_initialize(parent);
        g_assert(parent->class_size <= ti->class_size);
        memcpy(ti->class, parent->class, parent->class_size);
        ti->class->interfaces = NULL;

        for (e = parent->class->interfaces; e; e = e->next) {
            InterfaceClass *iface = e->data;

            type_initialize_interface(ti, iface->interface_type,
                                      OBJECT_CLASS(iface)->type);
        }
        for (char **n = ti->interfaces; *n; n++) {
            TypeImpl *t = type_get_by_name(*n);
            bool have = false;

            if (!t) {
                g_error("Type '%s' implements unknown interface '%s'",
                        ti->name, *n);
            }
            for (e = ti->class->interfaces; e; e = e->next) {
                if (type_is_ancestor(OBJECT_CLASS(e->data)->type, t)) {
                    have = true;
                    break;
                }
            }
            if (!have) {
                type_initialize_interface(ti, t, t);
            }
        }
    }

    ti->class->properties = g_hash_table_new(g_str_hash, g_str_equal);
    ti->class->type = ti;

    for (TypeImpl *p = parent; p; p = type_get_parent(p)) {
        if (p->class_base_init) {
            p->class_base_init(ti->class, ti->class_data);
        }
    }
    if (ti->class_init) {
        ti->class_init(ti->class, ti->class_data);
    }
}

void module_call_init_qom(void)
{
    /* Types register from constructors; make the tree exist early. */
    object_get_root();
}

/* ------------------------------------------------------------------ */
/* Classes and casts */

ObjectClass *object_class_by_name(const char *typename)
{
    TypeImpl *ti = type_get_by_name(typename);

    if (!ti) {
        return NULL;
    }
    type_initialize(ti);
    return ti->class;
}

ObjectClass *object_class_get_parent(ObjectClass *klass)
{
    TypeImpl *parent = type_get_parent(klass->type);

    if (!parent) {
        return NULL;
    }
    type_initialize(parent);
    return parent->class;
}

const char *object_class_get_name(ObjectClass *klass)
{
    return klass->type->name;
}

bool object_class_is_abstract(ObjectClass *klass)
{
    return klass->type->abstract;
}

ObjectClass *object_get_class(Object *obj)
{
    return obj->class;
}

const char *object_get_typename(const Object *obj)
{
    return obj->class->type->name;
}

static TypeImpl *interface_type(void)
{
    static TypeImpl *iface;

    if (!iface) {
        iface = type_get_by_name(TYPE_INTERFACE);
    }
    return iface;
}

ObjectClass *object_class_dynamic_cast(ObjectClass *klass,
                                       const char *typename)
{
    TypeImpl *target;
    TypeImpl *type;

    if (!klass) {
        return NULL;
    }
    type = klass->type;
    /* Fast path: exact type, no hash lookup needed. */
    if (type->name == typename || !strcmp(type->name, typename)) {
        return klass;
    }
    target = type_get_by_name(typename);
    if (!target) {
        return NULL;
    }
    type_initialize(target);

    if (klass->interfaces && type_is_ancestor(target, interface_type())) {
        ObjectClass *found = NULL;
        int count = 0;

        for (GSList *e = klass->interfaces; e; e = e->next) {
            ObjectClass *ic = e->data;

            if (type_is_ancestor(ic->type, target)) {
                found = ic;
                count++;
            }
        }
        /* Implemented twice along different paths: ambiguous. */
        return count == 1 ? found : NULL;
    }
    if (type_is_ancestor(type, target)) {
        return klass;
    }
    return NULL;
}

ObjectClass *object_class_dynamic_cast_assert(ObjectClass *klass,
                                              const char *typename,
                                              const char *file, int line,
                                              const char *func)
{
    ObjectClass *ret;

    if (!klass) {
        return NULL;
    }
    ret = object_class_dynamic_cast(klass, typename);
    if (!ret) {
        fprintf(stderr, "%s:%d:%s: Object %p is not an instance of type %s\n",
                file, line, func, (void *)klass, typename);
        abort();
    }
    return ret;
}

Object *object_dynamic_cast(Object *obj, const char *typename)
{
    if (obj && object_class_dynamic_cast(obj->class, typename)) {
        return obj;
    }
    return NULL;
}

Object *object_dynamic_cast_assert(Object *obj, const char *typename,
                                   const char *file, int line,
                                   const char *func)
{
    if (obj && !object_dynamic_cast(obj, typename)) {
        fprintf(stderr, "%s:%d:%s: Object %p is not an instance of type %s\n",
                file, line, func, (void *)obj, typename);
        abort();
    }
    return obj;
}

typedef struct ClassListData {
    GSList *list;
    const char *implements;
    bool include_abstract;
} ClassListData;

static void class_list_add(gpointer key, gpointer value, gpointer opaque)
{
    TypeImpl *ti = value;
    ClassListData *d = opaque;

    type_initialize(ti);
    if (!d->include_abstract && ti->abstract) {
        return;
    }
    if (d->implements &&
        !object_class_dynamic_cast(ti->class, d->implements)) {
        return;
    }
    d->list = g_slist_prepend(d->list, ti->class);
}

GSList *object_class_get_list(const char *implements_type,
                              bool include_abstract)
{
    ClassListData d = {
        .implements = implements_type,
        .include_abstract = include_abstract,
    };
    GPtrArray *all = g_ptr_array_new();
    GHashTableIter it;
    gpointer v;

    /*
     * Snapshot first: a class_init run by type_initialize may register
     * types and must not disturb the iteration.
     */
    g_hash_table_iter_init(&it, type_table_get());
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        g_ptr_array_add(all, v);
    }
    for (guint i = 0; i < all->len; i++) {
        class_list_add(NULL, g_ptr_array_index(all, i), &d);
    }
    g_ptr_array_free(all, TRUE);
    return d.list;
}

static gint class_cmp(gconstpointer a, gconstpointer b)
{
    return g_ascii_strcasecmp(object_class_get_name((ObjectClass *)a),
                              object_class_get_name((ObjectClass *)b));
}

GSList *object_class_get_list_sorted(const char *implements_type,
                                     bool include_abstract)
{
    return g_slist_sort(object_class_get_list(implements_type,
                                              include_abstract),
                        class_cmp);
}

/* ------------------------------------------------------------------ */
/* Enum lookup */

const char *qapi_enum_lookup(const QEnumLookup *lookup, int val)
{
    g_assert(val >= 0 && val < lookup->size);
    return lookup->array[val];
}

int qapi_enum_parse(const QEnumLookup *lookup, const char *buf)
{
    if (!buf) {
        return -1;
    }
    for (int i = 0; i < lookup->size; i++) {
        if (!strcmp(lookup->array[i], buf)) {
            return i;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* Properties: generic */

static void object_property_free(gpointer data)
{
    ObjectProperty *prop = data;

    if (prop->defval) {
        json_decref(prop->defval);
    }
    g_free(prop->name);
    g_free(prop->type);
    g_free(prop->description);
    g_free(prop);
}

static ObjectProperty *property_new(const char *name, const char *type,
                                    ObjectPropertyGet *get,
                                    ObjectPropertySet *set,
                                    ObjectPropertyRelease *release,
                                    void *opaque)
{
    ObjectProperty *prop = g_new0(ObjectProperty, 1);

    prop->name = g_strdup(name);
    prop->type = g_strdup(type);
    prop->get = get;
    prop->set = set;
    prop->release = release;
    prop->opaque = opaque;
    return prop;
}

ObjectProperty *object_class_property_find(ObjectClass *klass,
                                           const char *name)
{
    for (; klass; klass = object_class_get_parent(klass)) {
        ObjectProperty *prop = g_hash_table_lookup(klass->properties, name);

        if (prop) {
            return prop;
        }
    }
    return NULL;
}

ObjectProperty *object_property_find(Object *obj, const char *name)
{
    ObjectProperty *prop = g_hash_table_lookup(obj->properties, name);

    if (prop) {
        return prop;
    }
    return object_class_property_find(obj->class, name);
}

ObjectProperty *object_property_find_err(Object *obj, const char *name,
                                         Error **errp)
{
    ObjectProperty *prop = object_property_find(obj, name);

    if (!prop) {
        error_setg(errp, "Property '%s.%s' not found",
                   object_get_typename(obj), name);
    }
    return prop;
}

ObjectProperty *object_class_property_add(ObjectClass *klass,
                                          const char *name, const char *type,
                                          ObjectPropertyGet *get,
                                          ObjectPropertySet *set,
                                          ObjectPropertyRelease *release,
                                          void *opaque)
{
    ObjectProperty *prop;

    if (object_class_property_find(klass, name)) {
        g_error("attempt to add duplicate property '%s' to class (type '%s')",
                name, object_class_get_name(klass));
    }
    prop = property_new(name, type, get, set, release, opaque);
    g_hash_table_insert(klass->properties, prop->name, prop);
    class_props_gen++;
    return prop;
}

ObjectProperty *object_property_try_add(Object *obj, const char *name,
                                        const char *type,
                                        ObjectPropertyGet *get,
                                        ObjectPropertySet *set,
                                        ObjectPropertyRelease *release,
                                        void *opaque, Error **errp)
{
    ObjectProperty *prop;
    size_t len = strlen(name);

    /* "foo[*]" picks the first free "foo[N]", as in QEMU. */
    if (len >= 3 && !memcmp(name + len - 3, "[*]", 4)) {
        char *base = g_strndup(name, len - 3);

        for (int i = 0; i < INT16_MAX; i++) {
            char *full = g_strdup_printf("%s[%d]", base, i);

            if (!object_property_find(obj, full)) {
                prop = object_property_try_add(obj, full, type, get, set,
                                               release, opaque, errp);
                g_free(full);
                g_free(base);
                return prop;
            }
            g_free(full);
        }
        g_free(base);
        error_setg(errp, "attempt to add duplicate property '%s' to object "
                   "(type '%s')", name, object_get_typename(obj));
        return NULL;
    }

    if (object_property_find(obj, name)) {
        error_setg(errp, "attempt to add duplicate property '%s' to object "
                   "(type '%s')", name, object_get_typename(obj));
        return NULL;
    }
    prop = property_new(name, type, get, set, release, opaque);
    g_hash_table_insert(obj->properties, prop->name, prop);
    return prop;
}

void object_property_del(Object *obj, const char *name)
{
    ObjectProperty *prop = g_hash_table_lookup(obj->properties, name);

    if (!prop) {
        return;
    }
    if (prop->release) {
        prop->release(obj, prop);
    }
    g_hash_table_remove(obj->properties, name);
    object_property_free(prop);
}

json_t *object_property_get(Object *obj, const char *name, Error **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);

    if (!prop) {
        return NULL;
    }
    if (!prop->get) {
        error_setg(errp, "Property '%s.%s' is not readable",
                   object_get_typename(obj), name);
        return NULL;
    }
    return prop->get(obj, prop, errp);
}

bool object_property_set(Object *obj, const char *name, json_t *value,
                         Error **errp)
{
    ObjectProperty *prop = object_property_find_err(obj, name, errp);

    if (!prop) {
        return false;
    }
    if (!prop->set) {
        error_setg(errp, "Property '%s.%s' is not writable",
                   object_get_typename(obj), name);
        return false;
    }
    return prop->set(obj, prop, value, errp);
}

static bool set_and_decref(Object *obj, const char *name, json_t *v,
                           Error **errp)
{
    bool ok = object_property_set(obj, name, v, errp);

    json_decref(v);
    return ok;
}

bool object_property_set_bool(Object *obj, const char *name, bool v,
                              Error **errp)
{
    return set_and_decref(obj, name, json_boolean(v), errp);
}

bool object_property_set_int(Object *obj, const char *name, int64_t v,
                             Error **errp)
{
    return set_and_decref(obj, name, json_integer(v), errp);
}

/*
 * jansson integers are signed 64-bit; values above INT64_MAX travel as
 * reals (the uint setters accept integral reals).
 */
static json_t *json_from_uint(uint64_t v)
{
    if (v <= INT64_MAX) {
        return json_integer((json_int_t)v);
    }
    return json_real((double)v);
}

bool object_property_set_uint(Object *obj, const char *name, uint64_t v,
                              Error **errp)
{
    return set_and_decref(obj, name, json_from_uint(v), errp);
}

bool object_property_set_str(Object *obj, const char *name, const char *v,
                             Error **errp)
{
    return set_and_decref(obj, name, json_string(v), errp);
}

bool object_property_get_bool(Object *obj, const char *name, Error **errp)
{
    json_t *v = object_property_get(obj, name, errp);
    bool ret = false;

    if (!v) {
        return false;
    }
    if (!json_is_boolean(v)) {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, name, "boolean");
    } else {
        ret = json_is_true(v);
    }
    json_decref(v);
    return ret;
}

/* Integral JSON number to uint64; false if not representable. */
static bool json_get_uint(json_t *v, uint64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);

        if (i < 0) {
            return false;
        }
        *out = (uint64_t)i;
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);

        if (d >= 0 && d < 18446744073709551616.0 && d == (double)(uint64_t)d) {
            *out = (uint64_t)d;
            return true;
        }
    }
    return false;
}

int64_t object_property_get_int(Object *obj, const char *name, Error **errp)
{
    json_t *v = object_property_get(obj, name, errp);
    int64_t ret = -1;

    if (!v) {
        return -1;
    }
    if (!json_is_integer(v)) {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, name, "int");
    } else {
        ret = json_integer_value(v);
    }
    json_decref(v);
    return ret;
}

uint64_t object_property_get_uint(Object *obj, const char *name,
                                  Error **errp)
{
    json_t *v = object_property_get(obj, name, errp);
    uint64_t ret = 0;

    if (!v) {
        return 0;
    }
    if (!json_get_uint(v, &ret)) {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, name, "uint");
        ret = 0;
    }
    json_decref(v);
    return ret;
}

char *object_property_get_str(Object *obj, const char *name, Error **errp)
{
    json_t *v = object_property_get(obj, name, errp);
    char *ret = NULL;

    if (!v) {
        return NULL;
    }
    if (!json_is_string(v)) {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, name, "string");
    } else {
        ret = g_strdup(json_string_value(v));
    }
    json_decref(v);
    return ret;
}

const char *object_property_get_description(ObjectClass *klass,
                                            ObjectProperty *prop)
{
    const char *help = NULL;
    GSList *list;

    if (prop->description) {
        return prop->description;
    }
    if (!object_class_is_abstract(klass)) {
        return qapi_qom_property_help(object_class_get_name(klass),
                                      prop->name);
    }
    /* The schema documents concrete types; ask any of them. */
    list = object_class_get_list_sorted(object_class_get_name(klass), false);
    for (GSList *e = list; e && !help; e = e->next) {
        help = qapi_qom_property_help(object_class_get_name(e->data),
                                      prop->name);
    }
    g_slist_free(list);
    return help;
}

void object_property_iter_init(ObjectPropertyIterator *iter, Object *obj)
{
    g_hash_table_iter_init(&iter->iter, obj->properties);
    iter->nextclass = obj->class;
}

void object_class_property_iter_init(ObjectPropertyIterator *iter,
                                     ObjectClass *klass)
{
    g_hash_table_iter_init(&iter->iter, klass->properties);
    iter->nextclass = object_class_get_parent(klass);
}

ObjectProperty *object_property_iter_next(ObjectPropertyIterator *iter)
{
    gpointer key, val;

    while (!g_hash_table_iter_next(&iter->iter, &key, &val)) {
        if (!iter->nextclass) {
            return NULL;
        }
        g_hash_table_iter_init(&iter->iter, iter->nextclass->properties);
        iter->nextclass = object_class_get_parent(iter->nextclass);
    }
    return val;
}

/* ------------------------------------------------------------------ */
/* Defaults and descriptions */

static void object_property_init_defval(Object *obj, ObjectProperty *prop)
{
    /* A registered default the setter refuses is a programming error. */
    prop->set(obj, prop, prop->defval, &error_abort);
}

static void property_set_default(ObjectProperty *prop, json_t *value)
{
    if (prop->defval) {
        json_decref(prop->defval);
    }
    prop->defval = value;
    prop->defval_hidden = false;
    prop->init = object_property_init_defval;
    class_props_gen++;
}

json_t *object_property_get_default(const ObjectProperty *prop)
{
    return prop->defval_hidden ? NULL : prop->defval;
}

void object_property_set_initial_bool(ObjectProperty *prop, bool value)
{
    property_set_default(prop, json_boolean(value));
    prop->defval_hidden = true;
}

void object_property_set_initial_uint(ObjectProperty *prop, uint64_t value)
{
    property_set_default(prop, json_from_uint(value));
    prop->defval_hidden = true;
}

void object_property_set_initial_str(ObjectProperty *prop, const char *value)
{
    property_set_default(prop, json_string(value));
    prop->defval_hidden = true;
}

void object_property_set_default_bool(ObjectProperty *prop, bool value)
{
    property_set_default(prop, json_boolean(value));
}

void object_property_set_default_uint(ObjectProperty *prop, uint64_t value)
{
    property_set_default(prop, json_from_uint(value));
}

void object_property_set_default_str(ObjectProperty *prop, const char *value)
{
    property_set_default(prop, json_string(value));
}

void object_class_property_set_description(ObjectClass *klass,
                                           const char *name,
                                           const char *description)
{
    ObjectProperty *prop = object_class_property_find(klass, name);

    g_assert(prop);
    g_free(prop->description);
    prop->description = g_strdup(description);
}

/* ------------------------------------------------------------------ */
/* Typed accessors */

typedef struct TypedAccess {
    union {
        struct {
            ObjectBoolGet *get;
            ObjectBoolSet *set;
        } b;
        struct {
            ObjectStrGet *get;
            ObjectStrSet *set;
        } s;
        struct {
            ObjectUintGet *get;
            ObjectUintSet *set;
            uint64_t max;
        } u;
        struct {
            ObjectEnumGet *get;
            ObjectEnumSet *set;
            const QEnumLookup *lookup;
        } e;
        struct {
            ObjectU16ListGet *get;
            ObjectU16ListSet *set;
        } l;
    };
    /*
     * A field property (no accessors): the value lives at @offset in
     * the instance, an integer @width bytes wide.
     */
    ptrdiff_t offset;
    uint8_t width;
} TypedAccess;

#define FIELD(obj, ta) ((char *)(obj) + (ta)->offset)

static uint64_t field_uint_read(Object *obj, TypedAccess *ta)
{
    switch (ta->width) {
    case 1:
        return *(uint8_t *)FIELD(obj, ta);
    case 2:
        return *(uint16_t *)FIELD(obj, ta);
    case 4:
        return *(uint32_t *)FIELD(obj, ta);
    default:
        return *(uint64_t *)FIELD(obj, ta);
    }
}

static void field_uint_write(Object *obj, TypedAccess *ta, uint64_t v)
{
    switch (ta->width) {
    case 1:
        *(uint8_t *)FIELD(obj, ta) = v;
        break;
    case 2:
        *(uint16_t *)FIELD(obj, ta) = v;
        break;
    case 4:
        *(uint32_t *)FIELD(obj, ta) = v;
        break;
    default:
        *(uint64_t *)FIELD(obj, ta) = v;
        break;
    }
}

/* Call a typed setter; its Error is the result. */
#define CALL_SETTER(setter, obj, value, errp) ({                        \
            Error *local_err_ = NULL;                                   \
            (setter)((obj), (value), &local_err_);                      \
            bool ok_ = !local_err_;                                     \
            error_propagate((errp), local_err_);                        \
            ok_;                                                        \
        })

static json_t *prop_get_bool(Object *obj, ObjectProperty *prop, Error **errp)
{
    TypedAccess *ta = prop->opaque;
    Error *err = NULL;
    bool v = ta->b.get ? ta->b.get(obj, &err) : *(bool *)FIELD(obj, ta);

    if (err) {
        error_propagate(errp, err);
        return NULL;
    }
    return json_boolean(v);
}

static bool prop_set_bool(Object *obj, ObjectProperty *prop, json_t *value,
                          Error **errp)
{
    TypedAccess *ta = prop->opaque;

    if (!json_is_boolean(value)) {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, prop->name, "boolean");
        return false;
    }
    if (!ta->b.set) {
        *(bool *)FIELD(obj, ta) = json_is_true(value);
        return true;
    }
    return CALL_SETTER(ta->b.set, obj, json_is_true(value), errp);
}

ObjectProperty *object_class_property_add_bool(ObjectClass *klass,
                                               const char *name,
                                               ObjectBoolGet *get,
                                               ObjectBoolSet *set)
{
    TypedAccess *ta = g_new0(TypedAccess, 1);

    ta->b.get = get;
    ta->b.set = set;
    return object_class_property_add(klass, name, "bool",
                                     get ? prop_get_bool : NULL,
                                     set ? prop_set_bool : NULL,
                                     NULL, ta);
}

static json_t *prop_get_str(Object *obj, ObjectProperty *prop, Error **errp)
{
    TypedAccess *ta = prop->opaque;
    Error *err = NULL;
    char *v = ta->s.get ? ta->s.get(obj, &err)
                        : g_strdup(*(char **)FIELD(obj, ta));
    json_t *ret;

    if (err) {
        error_propagate(errp, err);
        g_free(v);
        return NULL;
    }
    ret = json_string(v ? v : "");
    g_free(v);
    return ret;
}

static bool prop_set_str(Object *obj, ObjectProperty *prop, json_t *value,
                         Error **errp)
{
    TypedAccess *ta = prop->opaque;

    if (!json_is_string(value)) {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, prop->name, "string");
        return false;
    }
    if (!ta->s.set) {
        char **field = (char **)FIELD(obj, ta);

        g_free(*field);
        *field = g_strdup(json_string_value(value));
        return true;
    }
    return CALL_SETTER(ta->s.set, obj, json_string_value(value), errp);
}

ObjectProperty *object_class_property_add_str(ObjectClass *klass,
                                              const char *name,
                                              ObjectStrGet *get,
                                              ObjectStrSet *set)
{
    TypedAccess *ta = g_new0(TypedAccess, 1);

    ta->s.get = get;
    ta->s.set = set;
    return object_class_property_add(klass, name, "string",
                                     get ? prop_get_str : NULL,
                                     set ? prop_set_str : NULL,
                                     NULL, ta);
}

static json_t *prop_get_uint(Object *obj, ObjectProperty *prop, Error **errp)
{
    TypedAccess *ta = prop->opaque;
    Error *err = NULL;
    uint64_t v = ta->u.get ? ta->u.get(obj, &err) : field_uint_read(obj, ta);

    if (err) {
        error_propagate(errp, err);
        return NULL;
    }
    return json_from_uint(v);
}

static const char *uint_type_name(uint64_t max)
{
    switch (max) {
    case UINT8_MAX:
        return "uint8";
    case UINT16_MAX:
        return "uint16";
    case UINT32_MAX:
        return "uint32";
    default:
        return "uint64";
    }
}

static bool prop_set_uint(Object *obj, ObjectProperty *prop, json_t *value,
                          Error **errp)
{
    TypedAccess *ta = prop->opaque;
    uint64_t v;

    if (json_is_integer(value)) {
        json_int_t i = json_integer_value(value);

        /*
         * Negative integers wrap, as in QEMU's input visitor; the QAPI
         * runtime relies on it to carry uint64 values above INT64_MAX.
         * Narrower types then fail the range check.
         */
        if ((uint64_t)i > ta->u.max) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, prop->name,
                       uint_type_name(ta->u.max));
            return false;
        }
        v = (uint64_t)i;
    } else if (json_is_real(value) && json_get_uint(value, &v)) {
        /* Integral reals carry values above INT64_MAX (jansson limit). */
        if (v > ta->u.max) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, prop->name,
                       uint_type_name(ta->u.max));
            return false;
        }
    } else {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, prop->name, "integer");
        return false;
    }
    if (!ta->u.set) {
        field_uint_write(obj, ta, v);
        return true;
    }
    return CALL_SETTER(ta->u.set, obj, v, errp);
}

ObjectProperty *object_class_property_add_uint(ObjectClass *klass,
                                               const char *name,
                                               uint64_t max,
                                               ObjectUintGet *get,
                                               ObjectUintSet *set)
{
    TypedAccess *ta = g_new0(TypedAccess, 1);

    ta->u.get = get;
    ta->u.set = set;
    ta->u.max = max;
    return object_class_property_add(klass, name, "int",
                                     get ? prop_get_uint : NULL,
                                     set ? prop_set_uint : NULL,
                                     NULL, ta);
}

static json_t *prop_get_enum(Object *obj, ObjectProperty *prop, Error **errp)
{
    TypedAccess *ta = prop->opaque;
    Error *err = NULL;
    int v = ta->e.get ? ta->e.get(obj, &err) : *(int *)FIELD(obj, ta);

    if (err) {
        error_propagate(errp, err);
        return NULL;
    }
    return json_string(qapi_enum_lookup(ta->e.lookup, v));
}

static bool prop_set_enum(Object *obj, ObjectProperty *prop, json_t *value,
                          Error **errp)
{
    TypedAccess *ta = prop->opaque;
    int v;

    if (!json_is_string(value)) {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, prop->name, "string");
        return false;
    }
    v = qapi_enum_parse(ta->e.lookup, json_string_value(value));
    if (v < 0) {
        error_setg(errp, "Parameter '%s' does not accept value '%s'",
                   prop->name, json_string_value(value));
        return false;
    }
    if (!ta->e.set) {
        *(int *)FIELD(obj, ta) = v;
        return true;
    }
    return CALL_SETTER(ta->e.set, obj, v, errp);
}

ObjectProperty *object_class_property_add_enum(ObjectClass *klass,
                                               const char *name,
                                               const char *typename,
                                               const QEnumLookup *lookup,
                                               ObjectEnumGet *get,
                                               ObjectEnumSet *set)
{
    TypedAccess *ta = g_new0(TypedAccess, 1);

    ta->e.get = get;
    ta->e.set = set;
    ta->e.lookup = lookup;
    return object_class_property_add(klass, name, typename,
                                     get ? prop_get_enum : NULL,
                                     set ? prop_set_enum : NULL,
                                     NULL, ta);
}

static json_t *prop_get_u16list(Object *obj, ObjectProperty *prop,
                                Error **errp)
{
    TypedAccess *ta = prop->opaque;
    Error *err = NULL;
    GArray *arr = ta->l.get(obj, &err);
    json_t *ret;

    if (err) {
        error_propagate(errp, err);
        if (arr) {
            g_array_unref(arr);
        }
        return NULL;
    }
    ret = json_array();
    for (guint i = 0; arr && i < arr->len; i++) {
        json_array_append_new(ret,
                              json_integer(g_array_index(arr, uint16_t, i)));
    }
    if (arr) {
        g_array_unref(arr);
    }
    return ret;
}

static bool prop_set_u16list(Object *obj, ObjectProperty *prop,
                             json_t *value, Error **errp)
{
    TypedAccess *ta = prop->opaque;
    size_t n, i;
    uint16_t *v;
    bool ok;

    if (!json_is_array(value)) {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, prop->name, "array");
        return false;
    }
    n = json_array_size(value);
    v = g_new0(uint16_t, n ? n : 1);
    for (i = 0; i < n; i++) {
        json_t *e = json_array_get(value, i);
        char *ename;

        if (!json_is_integer(e) || json_integer_value(e) < 0 ||
            json_integer_value(e) > UINT16_MAX) {
            ename = g_strdup_printf("%s[%zu]", prop->name, i);
            if (!json_is_integer(e)) {
                error_setg(errp, QERR_INVALID_PARAMETER_TYPE, ename,
                           "integer");
            } else {
                error_setg(errp, QERR_INVALID_PARAMETER_VALUE, ename,
                           "uint16");
            }
            g_free(ename);
            g_free(v);
            return false;
        }
        v[i] = (uint16_t)json_integer_value(e);
    }
    {
        Error *err = NULL;

        ta->l.set(obj, v, n, &err);
        ok = !err;
        error_propagate(errp, err);
    }
    g_free(v);
    return ok;
}

ObjectProperty *object_class_property_add_uint16_list(ObjectClass *klass,
                                                      const char *name,
                                                      ObjectU16ListGet *get,
                                                      ObjectU16ListSet *set)
{
    TypedAccess *ta = g_new0(TypedAccess, 1);

    ta->l.get = get;
    ta->l.set = set;
    return object_class_property_add(klass, name, "int",
                                     get ? prop_get_u16list : NULL,
                                     set ? prop_set_u16list : NULL,
                                     NULL, ta);
}

/* ------------------------------------------------------------------ */
/* Links */

typedef struct LinkProperty {
    ptrdiff_t offset;
    ObjectLinkCheck *check;
    int flags;
    char *target_type;
} LinkProperty;

static Object **link_slot(Object *obj, LinkProperty *lp)
{
    return (Object **)((char *)obj + lp->offset);
}

static bool prop_is_link(const ObjectProperty *prop)
{
    return g_str_has_prefix(prop->type, "link<");
}

static bool prop_is_child(const ObjectProperty *prop)
{
    return g_str_has_prefix(prop->type, "child<");
}

static json_t *prop_get_link(Object *obj, ObjectProperty *prop, Error **errp)
{
    Object *target = *link_slot(obj, prop->opaque);
    char *path;
    json_t *ret;

    if (!target) {
        return json_string("");
    }
    path = object_get_canonical_path(target);
    ret = json_string(path ? path : "");
    g_free(path);
    return ret;
}

static Object *resolve_link(Object *obj, const char *name, const char *path,
                            const char *target_type, Error **errp)
{
    bool ambiguous = false;
    Object *target = object_resolve_path_type(path, target_type, &ambiguous);

    if (ambiguous) {
        error_setg(errp, "Path '%s' does not uniquely identify an object",
                   path);
        return NULL;
    }
    if (!target) {
        ambiguous = false;
        if (object_resolve_path(path, &ambiguous) || ambiguous) {
            error_setg(errp, QERR_INVALID_PARAMETER_TYPE, name, target_type);
        } else {
            error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Device '%s' not found", path);
        }
    }
    return target;
}

static bool prop_set_link(Object *obj, ObjectProperty *prop, json_t *value,
                          Error **errp)
{
    LinkProperty *lp = prop->opaque;
    Object **slot = link_slot(obj, lp);
    Object *old = *slot;
    Object *target = NULL;
    const char *path;

    if (!json_is_string(value)) {
        error_setg(errp, QERR_INVALID_PARAMETER_TYPE, prop->name, "string");
        return false;
    }
    path = json_string_value(value);
    if (*path) {
        target = resolve_link(obj, prop->name, path, lp->target_type, errp);
        if (!target) {
            return false;
        }
    }
    if (lp->check) {
        Error *err = NULL;

        lp->check(obj, prop->name, target, &err);
        if (err) {
            error_propagate(errp, err);
            return false;
        }
    }
    *slot = target;
    if (lp->flags & OBJ_PROP_LINK_STRONG) {
        if (target) {
            object_ref(target);
        }
        if (old) {
            object_unref(old);
        }
    }
    return true;
}

static void prop_release_link(Object *obj, ObjectProperty *prop)
{
    LinkProperty *lp = prop->opaque;
    Object **slot = link_slot(obj, lp);

    if ((lp->flags & OBJ_PROP_LINK_STRONG) && *slot) {
        Object *old = *slot;

        *slot = NULL;
        object_unref(old);
    }
}

ObjectProperty *object_class_property_add_link(ObjectClass *klass,
                                               const char *name,
                                               const char *type,
                                               ptrdiff_t offset,
                                               ObjectLinkCheck *check,
                                               int flags)
{
    LinkProperty *lp = g_new0(LinkProperty, 1);
    char *full_type = g_strdup_printf("link<%s>", type);
    ObjectProperty *prop;

    lp->offset = offset;
    lp->check = check;
    lp->flags = flags;
    lp->target_type = g_strdup(type);
    prop = object_class_property_add(klass, name, full_type, prop_get_link,
                                     prop_set_link,
                                     (flags & OBJ_PROP_LINK_STRONG) ?
                                     prop_release_link : NULL, lp);
    g_free(full_type);
    return prop;
}

/* ------------------------------------------------------------------ */
/* Instances */

static GPtrArray *collect_class_props(ObjectClass *klass, bool want_init)
{
    GPtrArray *arr = g_ptr_array_new();
    GSList *chain = NULL;

    /* Parents' properties first, so defaults apply top-down. */
    for (ObjectClass *k = klass; k; k = object_class_get_parent(k)) {
        chain = g_slist_prepend(chain, k);
    }
    for (GSList *e = chain; e; e = e->next) {
        ObjectClass *k = e->data;
        GHashTableIter it;
        gpointer v;

        g_hash_table_iter_init(&it, k->properties);
        while (g_hash_table_iter_next(&it, NULL, &v)) {
            ObjectProperty *prop = v;

            if (want_init ? prop->init != NULL : prop->release != NULL) {
                g_ptr_array_add(arr, prop);
            }
        }
    }
    g_slist_free(chain);
    return arr;
}

static void type_refresh_prop_cache(TypeImpl *ti)
{
    if (ti->props_gen == class_props_gen) {
        return;
    }
    if (ti->init_props) {
        g_ptr_array_free(ti->init_props, TRUE);
        g_ptr_array_free(ti->release_props, TRUE);
    }
    ti->init_props = collect_class_props(ti->class, true);
    ti->release_props = collect_class_props(ti->class, false);
    ti->props_gen = class_props_gen;
}

static void object_init_with_type(Object *obj, TypeImpl *ti)
{
    TypeImpl *parent = type_get_parent(ti);

    if (parent) {
        object_init_with_type(obj, parent);
    }
    if (ti->instance_init) {
        ti->instance_init(obj);
    }
}

static void object_post_init_with_type(Object *obj, TypeImpl *ti)
{
    TypeImpl *parent;

    if (ti->instance_post_init) {
        ti->instance_post_init(obj);
    }
    parent = type_get_parent(ti);
    if (parent) {
        object_post_init_with_type(obj, parent);
    }
}

static void instance_property_free(gpointer data)
{
    object_property_free(data);
}

Object *object_new_with_class(ObjectClass *klass)
{
    TypeImpl *ti = klass->type;
    Object *obj;

    type_initialize(ti);
    g_assert(!ti->abstract);
    g_assert(ti->instance_size >= sizeof(Object));

    if (ti->instance_align > 2 * sizeof(void *)) {
        void *p = NULL;

        if (posix_memalign(&p, ti->instance_align, ti->instance_size)) {
            g_error("out of memory allocating a '%s'", ti->name);
        }
        memset(p, 0, ti->instance_size);
        obj = p;
    } else {
        obj = g_malloc0(ti->instance_size);
    }
    obj->class = ti->class;
    obj->ref = 1;
    obj->properties = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                            NULL);

    type_refresh_prop_cache(ti);
    for (guint i = 0; i < ti->init_props->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(ti->init_props, i);

        prop->init(obj, prop);
    }
    object_init_with_type(obj, ti);
    object_post_init_with_type(obj, ti);
    return obj;
}

Object *object_new(const char *typename)
{
    TypeImpl *ti = type_get_by_name(typename);

    if (!ti) {
        g_error("object_new: unknown type '%s'", typename);
    }
    type_initialize(ti);
    return object_new_with_class(ti->class);
}

static void object_deinit(Object *obj, TypeImpl *ti)
{
    TypeImpl *parent;

    if (ti->instance_finalize) {
        ti->instance_finalize(obj);
    }
    parent = type_get_parent(ti);
    if (parent) {
        object_deinit(obj, parent);
    }
}

static void object_property_del_all(Object *obj)
{
    TypeImpl *ti = obj->class->type;
    GHashTableIter it;
    gpointer v;
    bool released;

    type_refresh_prop_cache(ti);
    for (guint i = 0; i < ti->release_props->len; i++) {
        ObjectProperty *prop = g_ptr_array_index(ti->release_props, i);

        prop->release(obj, prop);
    }

    /*
     * A release hook may add or delete instance properties (a child's
     * finalizer touching its parent), so restart the scan after each one.
     */
    do {
        released = false;
        g_hash_table_iter_init(&it, obj->properties);
        while (g_hash_table_iter_next(&it, NULL, &v)) {
            ObjectProperty *prop = v;

            g_hash_table_iter_steal(&it);
            if (prop->release) {
                prop->release(obj, prop);
            }
            instance_property_free(prop);
            released = true;
            break;
        }
    } while (released);
}

static void object_finalize(Object *obj)
{
    TypeImpl *ti = obj->class->type;

    object_property_del_all(obj);
    object_deinit(obj, ti);
    g_assert(obj->ref == 0);
    g_hash_table_unref(obj->properties);
    g_free(obj);
}

void object_ref(Object *obj)
{
    if (!obj) {
        return;
    }
    __atomic_fetch_add(&obj->ref, 1, __ATOMIC_RELAXED);
}

void object_unref(Object *obj)
{
    if (!obj) {
        return;
    }
    g_assert(obj->ref > 0);
    if (__atomic_sub_fetch(&obj->ref, 1, __ATOMIC_ACQ_REL) == 0) {
        object_finalize(obj);
    }
}

/* ------------------------------------------------------------------ */
/* Composition tree */

static json_t *prop_get_child(Object *obj, ObjectProperty *prop,
                              Error **errp)
{
    char *path = object_get_canonical_path(prop->opaque);
    json_t *ret = json_string(path ? path : "");

    g_free(path);
    return ret;
}

static void prop_release_child(Object *obj, ObjectProperty *prop)
{
    Object *child = prop->opaque;

    if (child->class->unparent) {
        child->class->unparent(child);
    }
    child->parent = NULL;
    object_unref(child);
}

bool object_property_try_add_child(Object *obj, const char *name,
                                   Object *child, Error **errp)
{
    char *type;
    ObjectProperty *prop;

    g_assert(!child->parent);
    type = g_strdup_printf("child<%s>", object_get_typename(child));
    prop = object_property_try_add(obj, name, type, prop_get_child, NULL,
                                   prop_release_child, child, errp);
    g_free(type);
    if (!prop) {
        return false;
    }
    object_ref(child);
    child->parent = obj;
    return true;
}

void object_property_add_child(Object *obj, const char *name, Object *child)
{
    object_property_try_add_child(obj, name, child, &error_abort);
}

static ObjectProperty *child_property_of(Object *parent, const Object *child)
{
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, parent->properties);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        ObjectProperty *prop = v;

        if (prop->opaque == child && prop_is_child(prop)) {
            return prop;
        }
    }
    return NULL;
}

void object_unparent(Object *obj)
{
    ObjectProperty *prop;

    if (!obj->parent) {
        return;
    }
    prop = child_property_of(obj->parent, obj);
    g_assert(prop);
    object_property_del(obj->parent, prop->name);
}

const char *object_get_canonical_path_component(const Object *obj)
{
    ObjectProperty *prop;

    if (!obj->parent) {
        return NULL;
    }
    prop = child_property_of(obj->parent, obj);
    return prop ? prop->name : NULL;
}

char *object_get_canonical_path(const Object *obj)
{
    Object *root = object_get_root();
    GPtrArray *parts;
    GString *s;

    if (obj == root) {
        return g_strdup("/");
    }
    parts = g_ptr_array_new();
    while (obj != root) {
        const char *c = object_get_canonical_path_component(obj);

        if (!c) {
            /* Not attached to the tree: no canonical path. */
            g_ptr_array_free(parts, TRUE);
            return NULL;
        }
        g_ptr_array_add(parts, (gpointer)c);
        obj = obj->parent;
    }
    s = g_string_new(NULL);
    for (guint i = parts->len; i > 0; i--) {
        g_string_append_c(s, '/');
        g_string_append(s, g_ptr_array_index(parts, i - 1));
    }
    g_ptr_array_free(parts, TRUE);
    return g_string_free(s, FALSE);
}

Object *object_resolve_path_component(Object *parent, const char *part)
{
    ObjectProperty *prop = object_property_find(parent, part);

    if (!prop) {
        return NULL;
    }
    if (prop_is_child(prop)) {
        return prop->opaque;
    }
    if (prop_is_link(prop)) {
        return *link_slot(parent, prop->opaque);
    }
    return NULL;
}

static Object *resolve_abs(Object *parent, char **parts,
                           const char *typename)
{
    for (; *parts; parts++) {
        if (!**parts) {
            continue;
        }
        parent = object_resolve_path_component(parent, *parts);
        if (!parent) {
            return NULL;
        }
    }
    return object_dynamic_cast(parent, typename);
}

static Object *resolve_partial(Object *parent, char **parts,
                               const char *typename, bool *ambiguous)
{
    Object *obj = resolve_abs(parent, parts, typename);
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, parent->properties);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        ObjectProperty *prop = v;
        Object *found;

        if (!prop_is_child(prop)) {
            continue;
        }
        found = resolve_partial(prop->opaque, parts, typename, ambiguous);
        if (*ambiguous) {
            return NULL;
        }
        if (found) {
            if (obj && obj != found) {
                *ambiguous = true;
                return NULL;
            }
            obj = found;
        }
    }
    return obj;
}

Object *object_resolve_path_type(const char *path, const char *typename,
                                 bool *ambiguous)
{
    bool ambig = false;
    char **parts;
    Object *obj;

    if (ambiguous) {
        *ambiguous = false;
    }
    if (!path || !*path) {
        return NULL;
    }
    parts = g_strsplit(path, "/", 0);
    if (path[0] == '/') {
        obj = resolve_abs(object_get_root(), parts + 1, typename);
    } else {
        obj = resolve_partial(object_get_root(), parts, typename, &ambig);
        if (ambiguous) {
            *ambiguous = ambig;
        }
    }
    g_strfreev(parts);
    return obj;
}

Object *object_resolve_path(const char *path, bool *ambiguous)
{
    return object_resolve_path_type(path, TYPE_OBJECT, ambiguous);
}

int object_child_foreach(Object *obj, ObjectChildFn *fn, void *opaque)
{
    GPtrArray *children = g_ptr_array_new();
    GHashTableIter it;
    gpointer v;
    int ret = 0;

    /* Snapshot with references: @fn may unparent children. */
    g_hash_table_iter_init(&it, obj->properties);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        ObjectProperty *prop = v;

        if (prop_is_child(prop)) {
            object_ref(prop->opaque);
            g_ptr_array_add(children, prop->opaque);
        }
    }
    for (guint i = 0; i < children->len; i++) {
        if (!ret) {
            ret = fn(g_ptr_array_index(children, i), opaque);
        }
        object_unref(g_ptr_array_index(children, i));
    }
    g_ptr_array_free(children, TRUE);
    return ret;
}

Object *object_get_root(void)
{
    static Object *root;

    if (!root) {
        root = object_new(TYPE_CONTAINER);
    }
    return root;
}

Object *object_get_container(const char *name)
{
    return container_get(object_get_root(), name);
}

Object *object_get_objects_root(void)
{
    return object_get_container("objects");
}

/* ------------------------------------------------------------------ */
/* Base types */

static char *object_get_type(Object *obj, Error **errp)
{
    return g_strdup(object_get_typename(obj));
}

static void object_class_init(ObjectClass *klass, const void *data)
{
    object_class_property_add_str(klass, "type", object_get_type, NULL);
}

static const TypeInfo base_types[] = {
    {
        .name = TYPE_OBJECT,
        .instance_size = sizeof(Object),
        .class_size = sizeof(ObjectClass),
        .class_init = object_class_init,
        .abstract = true,
    },
    {
        .name = TYPE_INTERFACE,
        .class_size = sizeof(InterfaceClass),
        .abstract = true,
    },
};

DEFINE_TYPES(base_types)

static TypedAccess *field_access(ptrdiff_t offset, size_t width)
{
    TypedAccess *ta = g_new0(TypedAccess, 1);

    ta->offset = offset;
    ta->width = width;
    return ta;
}

ObjectProperty *object_class_property_add_bool_field(ObjectClass *klass,
                                                     const char *name,
                                                     ptrdiff_t offset)
{
    return object_class_property_add(klass, name, "bool", prop_get_bool,
                                     prop_set_bool, NULL,
                                     field_access(offset, sizeof(bool)));
}

ObjectProperty *object_class_property_add_str_field(ObjectClass *klass,
                                                    const char *name,
                                                    ptrdiff_t offset)
{
    return object_class_property_add(klass, name, "string", prop_get_str,
                                     prop_set_str, NULL,
                                     field_access(offset, sizeof(char *)));
}

ObjectProperty *object_class_property_add_uint_field(ObjectClass *klass,
                                                     const char *name,
                                                     ptrdiff_t offset,
                                                     size_t width)
{
    TypedAccess *ta = field_access(offset, width);

    g_assert(width == 1 || width == 2 || width == 4 || width == 8);
    ta->u.max = width == 8 ? UINT64_MAX : (1ull << (8 * width)) - 1;
    return object_class_property_add(klass, name, "int", prop_get_uint,
                                     prop_set_uint, NULL, ta);
}

ObjectProperty *object_class_property_add_enum_field(ObjectClass *klass,
                                                     const char *name,
                                                     const char *typename,
                                                     const QEnumLookup *lookup,
                                                     ptrdiff_t offset)
{
    TypedAccess *ta = field_access(offset, sizeof(int));

    ta->e.lookup = lookup;
    return object_class_property_add(klass, name, typename, prop_get_enum,
                                     prop_set_enum, NULL, ta);
}
