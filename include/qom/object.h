/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QOM: types, classes, single inheritance, interfaces, properties,
 * composition tree and reference counting.
 *
 * Property values travel as jansson json_t (integers for int/size/uint16,
 * true/false, strings for str/enum/link, arrays for lists).  QMP qom-get /
 * qom-set use them as they are; the -object command line converts its
 * strings to typed JSON once, in qapi/qapi-keyval.c, from the QAPI schema.
 */
#ifndef QOM_OBJECT_H
#define QOM_OBJECT_H

#include "qemu/osdep.h"
#include <jansson.h>
#include "qapi/error.h"

typedef struct TypeImpl *Type;
typedef struct ObjectClass ObjectClass;
typedef struct Object Object;
typedef struct ObjectProperty ObjectProperty;
typedef struct InterfaceClass InterfaceClass;
typedef struct InterfaceInfo InterfaceInfo;
typedef struct QEnumLookup QEnumLookup;

#define TYPE_OBJECT "object"
#define TYPE_INTERFACE "interface"
#define TYPE_CONTAINER "container"

/* Enum value <-> string table (generated from the schema for QAPI enums). */
struct QEnumLookup {
    const char *const *array;
    int size;
};
const char *qapi_enum_lookup(const QEnumLookup *lookup, int val);
/* -1 if not found */
int qapi_enum_parse(const QEnumLookup *lookup, const char *buf);

/*
 * Getter returns a new reference (NULL with *errp set on failure).
 * Setter receives a borrowed value; validates it and returns false with
 * *errp set on failure, leaving the object unchanged.
 */
typedef json_t *ObjectPropertyGet(Object *obj, ObjectProperty *prop,
                                  Error **errp);
typedef bool ObjectPropertySet(Object *obj, ObjectProperty *prop,
                               json_t *value, Error **errp);
typedef void ObjectPropertyRelease(Object *obj, ObjectProperty *prop);
/* Called at instance init for class properties with a default. */
typedef void ObjectPropertyInit(Object *obj, ObjectProperty *prop);

struct ObjectProperty {
    char *name;
    char *type;           /* "bool", "int", "size", "string", "uint16List"
                           * rendered as "int", enum type name,
                           * "link<TYPE>", "child<TYPE>" */
    char *description;    /* NULL: looked up in the QAPI schema, see below */
    ObjectPropertyGet *get;
    ObjectPropertySet *set;
    ObjectPropertyRelease *release;
    ObjectPropertyInit *init;
    json_t *defval;       /* registered default, or NULL */
    bool defval_hidden;   /* an initial value only, see set_initial */
    void *opaque;         /* accessor-specific */
};

typedef struct TypeInfo {
    const char *name;
    const char *parent;
    size_t instance_size;
    size_t instance_align;
    void (*instance_init)(Object *obj);
    void (*instance_post_init)(Object *obj);
    void (*instance_finalize)(Object *obj);
    bool abstract;
    size_t class_size;
    void (*class_init)(ObjectClass *klass, const void *data);
    void (*class_base_init)(ObjectClass *klass, const void *data);
    const void *class_data;
    const InterfaceInfo *interfaces; /* terminated by { } */
} TypeInfo;

struct InterfaceInfo {
    const char *type;
};

struct ObjectClass {
    Type type;
    GSList *interfaces;          /* InterfaceClass * */
    GHashTable *properties;      /* name -> ObjectProperty *, own props */
    void (*unparent)(Object *obj);
};

struct InterfaceClass {
    ObjectClass parent_class;
    ObjectClass *concrete_class;
    Type interface_type;
};

struct Object {
    ObjectClass *class;
    GHashTable *properties;      /* name -> ObjectProperty *, instance props */
    uint32_t ref;
    Object *parent;              /* set while a child<> of @parent */
};

/* Registration: call from constructors via type_init(). */
Type type_register_static(const TypeInfo *info);
void type_register_static_array(const TypeInfo *infos, int nr);
#define DEFINE_TYPES(type_array)                                        \
    static void __attribute__((constructor)) do_qemu_init_##type_array(void) \
    {                                                                   \
        type_register_static_array(type_array, ARRAY_SIZE(type_array)); \
    }
#define type_init(function)                                             \
    static void __attribute__((constructor)) do_qemu_init_##function(void) \
    {                                                                   \
        function();                                                     \
    }

/* Casts.  The checked variants abort on a wrong type (broken invariant). */
Object *object_dynamic_cast(Object *obj, const char *typename);
Object *object_dynamic_cast_assert(Object *obj, const char *typename,
                                   const char *file, int line,
                                   const char *func);
ObjectClass *object_class_dynamic_cast(ObjectClass *klass,
                                       const char *typename);
ObjectClass *object_class_dynamic_cast_assert(ObjectClass *klass,
                                              const char *typename,
                                              const char *file, int line,
                                              const char *func);
ObjectClass *object_get_class(Object *obj);
const char *object_get_typename(const Object *obj);
ObjectClass *object_class_by_name(const char *typename);
ObjectClass *object_class_get_parent(ObjectClass *klass);
const char *object_class_get_name(ObjectClass *klass);
bool object_class_is_abstract(ObjectClass *klass);
/* List of ObjectClass * of types implementing @implements_type (or all). */
GSList *object_class_get_list(const char *implements_type,
                              bool include_abstract);
GSList *object_class_get_list_sorted(const char *implements_type,
                                     bool include_abstract);

#define OBJECT(obj) ((Object *)(obj))
#define OBJECT_CLASS(klass) ((ObjectClass *)(klass))
#define OBJECT_CHECK(type, obj, name) \
    ((type *)object_dynamic_cast_assert(OBJECT(obj), (name), \
                                        __FILE__, __LINE__, __func__))
#define OBJECT_CLASS_CHECK(class_type, klass, name) \
    ((class_type *)object_class_dynamic_cast_assert(OBJECT_CLASS(klass), \
                                        (name), __FILE__, __LINE__, __func__))
#define OBJECT_GET_CLASS(class_type, obj, name) \
    OBJECT_CLASS_CHECK(class_type, object_get_class(OBJECT(obj)), name)

/*
 * OBJECT_DECLARE_TYPE(HostMemoryBackend, HostMemoryBackendClass,
 *                     MEMORY_BACKEND) defines MEMORY_BACKEND(obj),
 * MEMORY_BACKEND_CLASS(klass), MEMORY_BACKEND_GET_CLASS(obj); needs
 * TYPE_MEMORY_BACKEND defined.
 */
#define OBJECT_DECLARE_TYPE(InstanceType, ClassType, MODULE_OBJ_NAME)    \
    typedef struct InstanceType InstanceType;                           \
    typedef struct ClassType ClassType;                                 \
    static inline G_GNUC_UNUSED InstanceType *                          \
    MODULE_OBJ_NAME(const void *obj)                                    \
    { return OBJECT_CHECK(InstanceType, obj, TYPE_##MODULE_OBJ_NAME); } \
    static inline G_GNUC_UNUSED ClassType *                             \
    MODULE_OBJ_NAME##_GET_CLASS(const void *obj)                        \
    { return OBJECT_GET_CLASS(ClassType, obj, TYPE_##MODULE_OBJ_NAME); } \
    static inline G_GNUC_UNUSED ClassType *                             \
    MODULE_OBJ_NAME##_CLASS(const void *klass)                          \
    { return OBJECT_CLASS_CHECK(ClassType, klass, TYPE_##MODULE_OBJ_NAME); }
#define OBJECT_DECLARE_SIMPLE_TYPE(InstanceType, MODULE_OBJ_NAME)        \
    typedef struct InstanceType InstanceType;                           \
    static inline G_GNUC_UNUSED InstanceType *                          \
    MODULE_OBJ_NAME(const void *obj)                                    \
    { return OBJECT_CHECK(InstanceType, obj, TYPE_##MODULE_OBJ_NAME); }

/* Lifecycle */
Object *object_new(const char *typename);
Object *object_new_with_class(ObjectClass *klass);
void object_ref(Object *obj);
void object_unref(Object *obj);   /* finalizes and frees at 0 */
/* Remove @obj from its parent (drops the parent's reference). */
void object_unparent(Object *obj);

/* Properties */
ObjectProperty *object_property_find(Object *obj, const char *name);
ObjectProperty *object_property_find_err(Object *obj, const char *name,
                                         Error **errp);
ObjectProperty *object_class_property_find(ObjectClass *klass,
                                           const char *name);
/*
 * Errors: "Property '<type>.<name>' not found"; no getter -> "Property
 * '<type>.<name>' is not readable"; no setter -> "Property '<type>.<name>'
 * is not writable" (QEMU >= 7.2 texts).
 */
json_t *object_property_get(Object *obj, const char *name, Error **errp);
bool object_property_set(Object *obj, const char *name, json_t *value,
                         Error **errp);
bool object_property_set_bool(Object *obj, const char *name, bool v,
                              Error **errp);
bool object_property_set_int(Object *obj, const char *name, int64_t v,
                             Error **errp);
bool object_property_set_uint(Object *obj, const char *name, uint64_t v,
                              Error **errp);
bool object_property_set_str(Object *obj, const char *name, const char *v,
                             Error **errp);
bool object_property_get_bool(Object *obj, const char *name, Error **errp);
int64_t object_property_get_int(Object *obj, const char *name, Error **errp);
uint64_t object_property_get_uint(Object *obj, const char *name,
                                  Error **errp);
char *object_property_get_str(Object *obj, const char *name, Error **errp);
/* Description: explicit one, else the QAPI schema member doc (may be NULL). */
const char *object_property_get_description(ObjectClass *klass,
                                            ObjectProperty *prop);

/* Iteration over class (incl. parents) and instance properties. */
typedef struct ObjectPropertyIterator {
    ObjectClass *nextclass;
    GHashTableIter iter;
} ObjectPropertyIterator;
void object_property_iter_init(ObjectPropertyIterator *iter, Object *obj);
void object_class_property_iter_init(ObjectPropertyIterator *iter,
                                     ObjectClass *klass);
ObjectProperty *object_property_iter_next(ObjectPropertyIterator *iter);

/*
 * Generic registration; the typed helpers below are what types use.
 * Class property names are unique along the class chain (abort on dup:
 * a programming error).  Instance property dup -> error
 * "attempt to add duplicate property '<name>' to object (type '<type>')".
 */
ObjectProperty *object_class_property_add(ObjectClass *klass,
                                          const char *name, const char *type,
                                          ObjectPropertyGet *get,
                                          ObjectPropertySet *set,
                                          ObjectPropertyRelease *release,
                                          void *opaque);
ObjectProperty *object_property_try_add(Object *obj, const char *name,
                                        const char *type,
                                        ObjectPropertyGet *get,
                                        ObjectPropertySet *set,
                                        ObjectPropertyRelease *release,
                                        void *opaque, Error **errp);
void object_property_del(Object *obj, const char *name);

/*
 * Typed accessors (NULL setter = read-only property).  The JSON value is
 * checked before the typed setter runs: wrong JSON type -> "Invalid
 * parameter type for '<name>', expected: boolean|integer|string|array";
 * uint out of [0, max] -> "Parameter '<name>' expects uint8|uint16|uint32|
 * uint64"; list element -> "Parameter '<name>[i]' expects uint16".
 */
typedef bool ObjectBoolGet(Object *obj, Error **errp);
typedef void ObjectBoolSet(Object *obj, bool value, Error **errp);
ObjectProperty *object_class_property_add_bool(ObjectClass *klass,
                                               const char *name,
                                               ObjectBoolGet *get,
                                               ObjectBoolSet *set);
typedef char *ObjectStrGet(Object *obj, Error **errp);
typedef void ObjectStrSet(Object *obj, const char *value, Error **errp);
ObjectProperty *object_class_property_add_str(ObjectClass *klass,
                                              const char *name,
                                              ObjectStrGet *get,
                                              ObjectStrSet *set);
/* Unsigned integer, QOM type "int" (size/uint32/... visited the same). */
typedef uint64_t ObjectUintGet(Object *obj, Error **errp);
typedef void ObjectUintSet(Object *obj, uint64_t value, Error **errp);
ObjectProperty *object_class_property_add_uint(ObjectClass *klass,
                                               const char *name,
                                               uint64_t max,
                                               ObjectUintGet *get,
                                               ObjectUintSet *set);
typedef int ObjectEnumGet(Object *obj, Error **errp);
typedef void ObjectEnumSet(Object *obj, int value, Error **errp);
/* Bad value -> "Parameter '<name>' does not accept value '<v>'" */
ObjectProperty *object_class_property_add_enum(ObjectClass *klass,
                                               const char *name,
                                               const char *typename,
                                               const QEnumLookup *lookup,
                                               ObjectEnumGet *get,
                                               ObjectEnumSet *set);
/* uint16 list (host-nodes): QOM type "int", JSON array of integers. */
typedef GArray *ObjectU16ListGet(Object *obj, Error **errp); /* uint16_t */
typedef void ObjectU16ListSet(Object *obj, const uint16_t *v, size_t n,
                              Error **errp);
ObjectProperty *object_class_property_add_uint16_list(ObjectClass *klass,
                                                      const char *name,
                                                      ObjectU16ListGet *get,
                                                      ObjectU16ListSet *set);
/*
 * The same kinds of property for a plain field of the instance, at
 * @offset (offsetof(TYPE, member)), read and written with no code of the
 * type's own: bool, char * (the type frees it at finalize), an unsigned
 * integer of @width bytes (sizeof the member; its range is the type's),
 * an enum stored as int.  Errors as for the accessor versions.
 */
ObjectProperty *object_class_property_add_bool_field(ObjectClass *klass,
                                                     const char *name,
                                                     ptrdiff_t offset);
ObjectProperty *object_class_property_add_str_field(ObjectClass *klass,
                                                    const char *name,
                                                    ptrdiff_t offset);
ObjectProperty *object_class_property_add_uint_field(ObjectClass *klass,
                                                     const char *name,
                                                     ptrdiff_t offset,
                                                     size_t width);
ObjectProperty *object_class_property_add_enum_field(ObjectClass *klass,
                                                     const char *name,
                                                     const char *typename,
                                                     const QEnumLookup *lookup,
                                                     ptrdiff_t offset);
/*
 * link<TYPE> property stored in *(Object **)((char *)obj + offset).
 * Value is a path (absolute or partial) or "" to clear.  check may veto
 * (set *errp); a NULL check accepts any object of TYPE.  Errors: "Path
 * '<p>' does not uniquely identify an object", "Device '<p>' not found"
 * (DeviceNotFound), wrong type "Invalid parameter type for '<name>',
 * expected: <TYPE>".  OBJ_PROP_LINK_STRONG: the link holds a reference,
 * dropped on change and at finalize.
 */
typedef void ObjectLinkCheck(const Object *obj, const char *name,
                             Object *val, Error **errp);
#define OBJ_PROP_LINK_STRONG 0x1
ObjectProperty *object_class_property_add_link(ObjectClass *klass,
                                               const char *name,
                                               const char *type,
                                               ptrdiff_t offset,
                                               ObjectLinkCheck *check,
                                               int flags);
/*
 * Register a default: shown by help/introspection and applied at init by
 * calling the setter, before any instance_init runs (QEMU's order).
 */
void object_property_set_default_bool(ObjectProperty *prop, bool value);
void object_property_set_default_uint(ObjectProperty *prop, uint64_t value);
void object_property_set_default_str(ObjectProperty *prop, const char *value);
/*
 * An initial value applied the same way, but not a registered default:
 * help and introspection do not show it.  QEMU's memory backends set
 * their initial values in instance_init, so "-object TYPE,help" and
 * qom-list-properties show no default for them.
 */
void object_property_set_initial_bool(ObjectProperty *prop, bool value);
void object_property_set_initial_uint(ObjectProperty *prop, uint64_t value);
void object_property_set_initial_str(ObjectProperty *prop, const char *value);
/* The default help and introspection show (NULL: none registered). */
json_t *object_property_get_default(const ObjectProperty *prop);
void object_class_property_set_description(ObjectClass *klass,
                                           const char *name,
                                           const char *description);

/* Composition tree */
Object *object_get_root(void);
Object *object_get_objects_root(void);        /* "/objects" container */
Object *object_get_container(const char *name); /* child of root */
/* Adds child<TYPE> property @name, takes a reference. */
bool object_property_try_add_child(Object *obj, const char *name,
                                   Object *child, Error **errp);
void object_property_add_child(Object *obj, const char *name, Object *child);
Object *object_resolve_path_component(Object *parent, const char *part);
/* Absolute "/a/b" or partial path; *ambiguous set for several matches. */
Object *object_resolve_path(const char *path, bool *ambiguous);
Object *object_resolve_path_type(const char *path, const char *typename,
                                 bool *ambiguous);
char *object_get_canonical_path(const Object *obj);   /* caller frees */
const char *object_get_canonical_path_component(const Object *obj);
typedef int ObjectChildFn(Object *child, void *opaque);
int object_child_foreach(Object *obj, ObjectChildFn *fn, void *opaque);
Object *container_get(Object *root, const char *path);

/* Initialise the type system (idempotent). */
void module_call_init_qom(void);

#endif
