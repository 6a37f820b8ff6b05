/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the QOM core: types, casts, properties, tree, refcounts. */

#include "qemu/osdep.h"
#include "qom/object.h"
#include "qapi/error.h"

/* Life-cycle events of the test types, in order. */
static GString *events;

static void log_event(const char *ev)
{
    if (events->len) {
        g_string_append_c(events, ',');
    }
    g_string_append(events, ev);
}

static void events_reset(void)
{
    g_string_truncate(events, 0);
}

/* ---- test-pet: an interface ---- */

#define TYPE_TEST_PET "test-pet"

typedef struct TestPetClass {
    InterfaceClass parent_class;
    const char *(*cuddle)(Object *obj);
} TestPetClass;

#define TEST_PET_GET_CLASS(obj) \
    OBJECT_GET_CLASS(TestPetClass, (obj), TYPE_TEST_PET)

/* ---- test-animal: abstract base with every property kind ---- */

#define TYPE_TEST_ANIMAL "test-animal"
#define TYPE_TEST_DOG "test-dog"
#define TYPE_TEST_PUPPY "test-puppy"

typedef enum TestColor {
    TEST_COLOR_RED,
    TEST_COLOR_GREEN,
    TEST_COLOR_BLUE,
} TestColor;

static const char *const test_color_names[] = { "red", "green", "blue" };
static const QEnumLookup test_color_lookup = {
    .array = test_color_names,
    .size = 3,
};

OBJECT_DECLARE_TYPE(TestAnimal, TestAnimalClass, TEST_ANIMAL)

struct TestAnimalClass {
    ObjectClass parent_class;
    const char *(*speak)(TestAnimal *a);
};

struct TestAnimal {
    Object parent;
    char *name;
    uint64_t legs;
    uint64_t legs_seen_at_init;
    bool happy;
    TestColor color;
    GArray *nodes;
    Object *friend;
};

static char *animal_get_name(Object *obj, Error **errp)
{
    return g_strdup(TEST_ANIMAL(obj)->name);
}

static void animal_set_name(Object *obj, const char *v, Error **errp)
{
    g_free(TEST_ANIMAL(obj)->name);
    TEST_ANIMAL(obj)->name = g_strdup(v);
}

static uint64_t animal_get_legs(Object *obj, Error **errp)
{
    return TEST_ANIMAL(obj)->legs;
}

static void animal_set_legs(Object *obj, uint64_t v, Error **errp)
{
    if (v == 0) {
        error_setg(errp, "an animal needs legs");
        return;
    }
    TEST_ANIMAL(obj)->legs = v;
}

static bool animal_get_happy(Object *obj, Error **errp)
{
    return TEST_ANIMAL(obj)->happy;
}

static void animal_set_happy(Object *obj, bool v, Error **errp)
{
    TEST_ANIMAL(obj)->happy = v;
}

static int animal_get_color(Object *obj, Error **errp)
{
    return TEST_ANIMAL(obj)->color;
}

static void animal_set_color(Object *obj, int v, Error **errp)
{
    TEST_ANIMAL(obj)->color = v;
}

static GArray *animal_get_nodes(Object *obj, Error **errp)
{
    return g_array_ref(TEST_ANIMAL(obj)->nodes);
}

static void animal_set_nodes(Object *obj, const uint16_t *v, size_t n,
                             Error **errp)
{
    GArray *a = TEST_ANIMAL(obj)->nodes;

    g_array_set_size(a, 0);
    g_array_append_vals(a, v, n);
}

static const char *animal_speak(TestAnimal *a)
{
    return "...";
}

static void animal_class_init(ObjectClass *oc, const void *data)
{
    TestAnimalClass *ac = TEST_ANIMAL_CLASS(oc);
    ObjectProperty *p;

    ac->speak = animal_speak;
    object_class_property_add_str(oc, "name", animal_get_name,
                                  animal_set_name);
    object_class_property_set_description(oc, "name", "The animal's name");
    p = object_class_property_add_uint(oc, "legs", UINT32_MAX,
                                       animal_get_legs, animal_set_legs);
    object_property_set_default_uint(p, 4);
    p = object_class_property_add_bool(oc, "happy", animal_get_happy,
                                       animal_set_happy);
    object_property_set_default_bool(p, true);
    p = object_class_property_add_enum(oc, "color", "TestColor",
                                       &test_color_lookup,
                                       animal_get_color, animal_set_color);
    object_property_set_default_str(p, "green");
    object_class_property_add_uint16_list(oc, "nodes", animal_get_nodes,
                                          animal_set_nodes);
    object_class_property_add_link(oc, "friend", TYPE_TEST_ANIMAL,
                                   offsetof(TestAnimal, friend), NULL,
                                   OBJ_PROP_LINK_STRONG);
    object_class_property_add_bool(oc, "read-only", animal_get_happy, NULL);
}

static void animal_init(Object *obj)
{
    TestAnimal *a = TEST_ANIMAL(obj);

    /* Defaults are in place before instance_init runs, as in QEMU. */
    a->legs_seen_at_init = a->legs;
    a->nodes = g_array_new(FALSE, TRUE, sizeof(uint16_t));
    log_event("init:animal");
}

static void animal_finalize(Object *obj)
{
    TestAnimal *a = TEST_ANIMAL(obj);

    g_free(a->name);
    g_array_unref(a->nodes);
    log_event("fin:animal");
}

static const char *dog_speak(TestAnimal *a)
{
    return "woof";
}

static const char *dog_cuddle(Object *obj)
{
    return "wag";
}

static void dog_class_init(ObjectClass *oc, const void *data)
{
    TestPetClass *pc = OBJECT_CLASS_CHECK(TestPetClass, oc, TYPE_TEST_PET);

    TEST_ANIMAL_CLASS(oc)->speak = dog_speak;
    pc->cuddle = dog_cuddle;
}

static void dog_init(Object *obj)
{
    log_event("init:dog");
}

static void dog_finalize(Object *obj)
{
    log_event("fin:dog");
}

static void puppy_init(Object *obj)
{
    log_event("init:puppy");
}

static void puppy_post_init(Object *obj)
{
    log_event("post:puppy");
}

static void puppy_finalize(Object *obj)
{
    log_event("fin:puppy");
}

static int base_init_calls;

static void animal_class_base_init(ObjectClass *oc, const void *data)
{
    base_init_calls++;
}

static const TypeInfo test_types[] = {
    {
        .name = TYPE_TEST_PET,
        .parent = TYPE_INTERFACE,
        .class_size = sizeof(TestPetClass),
    },
    {
        .name = TYPE_TEST_ANIMAL,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_size = sizeof(TestAnimal),
        .instance_init = animal_init,
        .instance_finalize = animal_finalize,
        .class_size = sizeof(TestAnimalClass),
        .class_init = animal_class_init,
        .class_base_init = animal_class_base_init,
    },
    {
        .name = TYPE_TEST_DOG,
        .parent = TYPE_TEST_ANIMAL,
        .instance_init = dog_init,
        .instance_finalize = dog_finalize,
        .class_init = dog_class_init,
        .interfaces = (const InterfaceInfo[]) {
            { TYPE_TEST_PET },
            { }
        },
    },
    {
        .name = TYPE_TEST_PUPPY,
        .parent = TYPE_TEST_DOG,
        .instance_init = puppy_init,
        .instance_post_init = puppy_post_init,
        .instance_finalize = puppy_finalize,
    },
};

/* A type whose properties are plain fields (no accessors of its own). */
#define TYPE_TEST_FIELDS "test-fields"
typedef struct TestFields {
    Object parent_obj;
    bool b;
    char *s;
    uint8_t u8;
    uint32_t u32;
    uint64_t u64;
    int color;
} TestFields;

static void fields_finalize(Object *obj)
{
    g_free(((TestFields *)obj)->s);
}

static void fields_class_init(ObjectClass *oc, const void *data)
{
    ObjectProperty *op;

    op = object_class_property_add_bool_field(oc, "b",
                                              offsetof(TestFields, b));
    object_property_set_default_bool(op, true);
    op = object_class_property_add_str_field(oc, "s",
                                             offsetof(TestFields, s));
    object_property_set_default_str(op, "dflt");
    object_class_property_add_uint_field(oc, "u8", offsetof(TestFields, u8),
                                         sizeof(uint8_t));
    object_class_property_add_uint_field(oc, "u32",
                                         offsetof(TestFields, u32),
                                         sizeof(uint32_t));
    object_class_property_add_uint_field(oc, "u64",
                                         offsetof(TestFields, u64),
                                         sizeof(uint64_t));
    object_class_property_add_enum_field(oc, "color", "TestColor",
                                         &test_color_lookup,
                                         offsetof(TestFields, color));
}

static const TypeInfo test_fields_type = {
    .name = TYPE_TEST_FIELDS,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(TestFields),
    .instance_finalize = fields_finalize,
    .class_init = fields_class_init,
};

static void register_test_types(void)
{
    type_register_static_array(test_types, G_N_ELEMENTS(test_types));
    type_register_static(&test_fields_type);
}

type_init(register_test_types)

/* ---- helpers ---- */

static void assert_error(Error **errp, const char *msg)
{
    g_assert_nonnull(*errp);
    g_assert_cmpstr(error_get_pretty(*errp), ==, msg);
    error_free(*errp);
    *errp = NULL;
}

static bool set_json(Object *obj, const char *name, const char *json,
                     Error **errp)
{
    json_error_t jerr;
    json_t *v = json_loads(json, JSON_DECODE_ANY, &jerr);
    bool ok;

    g_assert_nonnull(v);
    ok = object_property_set(obj, name, v, errp);
    json_decref(v);
    return ok;
}

static char *get_json(Object *obj, const char *name)
{
    json_t *v = object_property_get(obj, name, &error_abort);
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    char *ret = g_strdup(s);

    free(s);
    json_decref(v);
    return ret;
}

/* ---- tests ---- */

static void test_inheritance_and_casts(void)
{
    Object *dog = object_new(TYPE_TEST_DOG);
    Object *puppy = object_new(TYPE_TEST_PUPPY);
    ObjectClass *dc = object_get_class(dog);
    ObjectClass *pc = object_get_class(puppy);
    TestPetClass *dog_pet, *puppy_pet;

    g_assert_true(object_dynamic_cast(dog, TYPE_TEST_ANIMAL) == dog);
    g_assert_true(object_dynamic_cast(dog, TYPE_OBJECT) == dog);
    g_assert_true(object_dynamic_cast(dog, TYPE_TEST_PET) == dog);
    g_assert_null(object_dynamic_cast(dog, TYPE_TEST_PUPPY));
    g_assert_null(object_dynamic_cast(dog, TYPE_CONTAINER));
    g_assert_null(object_dynamic_cast(dog, "no-such-type"));
    g_assert_true(object_dynamic_cast(puppy, TYPE_TEST_DOG) == puppy);

    g_assert_cmpstr(object_get_typename(puppy), ==, TYPE_TEST_PUPPY);
    g_assert_cmpstr(object_class_get_name(object_class_get_parent(pc)), ==,
                    TYPE_TEST_DOG);
    g_assert_true(object_class_by_name(TYPE_TEST_DOG) == dc);
    g_assert_null(object_class_by_name("no-such-type"));
    g_assert_true(object_class_is_abstract(
                      object_class_by_name(TYPE_TEST_ANIMAL)));
    g_assert_false(object_class_is_abstract(dc));

    /* Virtual methods: overridden in dog, inherited by puppy. */
    g_assert_cmpstr(TEST_ANIMAL_GET_CLASS(dog)->speak(TEST_ANIMAL(dog)), ==,
                    "woof");
    g_assert_cmpstr(TEST_ANIMAL_GET_CLASS(puppy)->speak(TEST_ANIMAL(puppy)),
                    ==, "woof");
    /* animal, dog and puppy classes each got the base init hook... */
    g_assert_cmpint(base_init_calls, >=, 2);

    /* Interfaces: one InterfaceClass per implementing class. */
    dog_pet = TEST_PET_GET_CLASS(dog);
    puppy_pet = TEST_PET_GET_CLASS(puppy);
    g_assert_true((void *)dog_pet != (void *)dc);
    g_assert_true(dog_pet != puppy_pet);
    g_assert_true(dog_pet->parent_class.concrete_class == dc);
    g_assert_true(puppy_pet->parent_class.concrete_class == pc);
    g_assert_cmpstr(dog_pet->cuddle(dog), ==, "wag");
    g_assert_cmpstr(puppy_pet->cuddle(puppy), ==, "wag");
    g_assert_null(object_class_dynamic_cast(
                      object_class_by_name(TYPE_CONTAINER), TYPE_TEST_PET));

    object_unref(dog);
    object_unref(puppy);
}

static bool list_has(GSList *l, const char *name)
{
    for (; l; l = l->next) {
        if (!strcmp(object_class_get_name(l->data), name)) {
            return true;
        }
    }
    return false;
}

static void test_class_list(void)
{
    GSList *l = object_class_get_list(TYPE_TEST_ANIMAL, false);

    g_assert_true(list_has(l, TYPE_TEST_DOG));
    g_assert_true(list_has(l, TYPE_TEST_PUPPY));
    g_assert_false(list_has(l, TYPE_TEST_ANIMAL));
    g_assert_cmpuint(g_slist_length(l), ==, 2);
    g_slist_free(l);

    l = object_class_get_list(TYPE_TEST_ANIMAL, true);
    g_assert_true(list_has(l, TYPE_TEST_ANIMAL));
    g_slist_free(l);

    l = object_class_get_list_sorted(TYPE_TEST_PET, false);
    g_assert_cmpuint(g_slist_length(l), ==, 2);
    g_assert_cmpstr(object_class_get_name(l->data), ==, TYPE_TEST_DOG);
    g_assert_cmpstr(object_class_get_name(l->next->data), ==,
                    TYPE_TEST_PUPPY);
    g_slist_free(l);

    l = object_class_get_list(NULL, false);
    g_assert_true(list_has(l, TYPE_CONTAINER));
    g_assert_false(list_has(l, TYPE_OBJECT));
    g_slist_free(l);
}

static void test_init_finalize_order(void)
{
    Object *puppy;

    events_reset();
    puppy = object_new(TYPE_TEST_PUPPY);
    g_assert_cmpstr(events->str, ==,
                    "init:animal,init:dog,init:puppy,post:puppy");
    events_reset();
    object_unref(puppy);
    g_assert_cmpstr(events->str, ==, "fin:puppy,fin:dog,fin:animal");
}

static void test_defaults(void)
{
    Object *dog = object_new(TYPE_TEST_DOG);
    TestAnimal *a = TEST_ANIMAL(dog);
    ObjectProperty *p;

    g_assert_cmpuint(a->legs, ==, 4);
    g_assert_cmpuint(a->legs_seen_at_init, ==, 4);
    g_assert_true(a->happy);
    g_assert_cmpint(a->color, ==, TEST_COLOR_GREEN);
    g_assert_cmpuint(object_property_get_uint(dog, "legs", &error_abort), ==,
                     4);
    g_assert_true(object_property_get_bool(dog, "happy", &error_abort));

    p = object_property_find(dog, "legs");
    g_assert_nonnull(p->defval);
    g_assert_cmpint(json_integer_value(p->defval), ==, 4);
    p = object_property_find(dog, "color");
    g_assert_cmpstr(json_string_value(p->defval), ==, "green");
    p = object_property_find(dog, "name");
    g_assert_null(p->defval);
    object_unref(dog);
}

static void test_property_types(void)
{
    Object *dog = object_new(TYPE_TEST_DOG);
    static const struct {
        const char *name, *type;
    } expect[] = {
        { "type", "string" },
        { "name", "string" },
        { "legs", "int" },
        { "happy", "bool" },
        { "color", "TestColor" },
        { "nodes", "int" },
        { "friend", "link<test-animal>" },
    };
    char *s;

    for (size_t i = 0; i < ARRAY_SIZE(expect); i++) {
        ObjectProperty *p = object_property_find(dog, expect[i].name);

        g_assert_nonnull(p);
        g_assert_cmpstr(p->type, ==, expect[i].type);
    }
    s = object_property_get_str(dog, "type", &error_abort);
    g_assert_cmpstr(s, ==, TYPE_TEST_DOG);
    g_free(s);
    g_assert_cmpstr(object_property_get_description(
                        object_get_class(dog),
                        object_property_find(dog, "name")),
                    ==, "The animal's name");
    object_unref(dog);
}

static void test_field_properties(void)
{
    Object *obj = object_new(TYPE_TEST_FIELDS);
    TestFields *f = (TestFields *)obj;
    Error *err = NULL;
    char *v;

    /* defaults land in the fields */
    g_assert_true(f->b);
    g_assert_cmpstr(f->s, ==, "dflt");

    g_assert_true(set_json(obj, "b", "false", &error_abort));
    g_assert_false(f->b);
    g_assert_true(set_json(obj, "s", "\"abc\"", &error_abort));
    g_assert_cmpstr(f->s, ==, "abc");
    g_assert_true(set_json(obj, "u8", "255", &error_abort));
    g_assert_cmpuint(f->u8, ==, 255);
    g_assert_true(set_json(obj, "u32", "4294967295", &error_abort));
    g_assert_cmpuint(f->u32, ==, UINT32_MAX);
    /* a negative JSON integer carries values above INT64_MAX */
    g_assert_true(set_json(obj, "u64", "-1", &error_abort));
    g_assert_cmpuint(f->u64, ==, UINT64_MAX);
    g_assert_true(set_json(obj, "color", "\"blue\"", &error_abort));
    g_assert_cmpint(f->color, ==, TEST_COLOR_BLUE);
    v = get_json(obj, "u32");
    g_assert_cmpstr(v, ==, "4294967295");
    g_free(v);
    v = get_json(obj, "s");
    g_assert_cmpstr(v, ==, "\"abc\"");
    g_free(v);

    /* the field's width is the range; errors leave it unchanged */
    g_assert_false(set_json(obj, "u8", "256", &err));
    assert_error(&err, "Parameter 'u8' expects uint8");
    g_assert_cmpuint(f->u8, ==, 255);
    g_assert_false(set_json(obj, "u32", "4294967296", &err));
    assert_error(&err, "Parameter 'u32' expects uint32");
    g_assert_false(set_json(obj, "b", "1", &err));
    assert_error(&err, "Invalid parameter type for 'b', expected: boolean");
    g_assert_false(set_json(obj, "color", "\"mauve\"", &err));
    assert_error(&err, "Parameter 'color' does not accept value 'mauve'");
    g_assert_cmpint(f->color, ==, TEST_COLOR_BLUE);
    object_unref(obj);
}

static void test_property_set_get(void)
{
    Object *dog = object_new(TYPE_TEST_DOG);
    TestAnimal *a = TEST_ANIMAL(dog);
    Error *err = NULL;
    char *s;

    g_assert_true(object_property_set_str(dog, "name", "rex", &error_abort));
    s = object_property_get_str(dog, "name", &error_abort);
    g_assert_cmpstr(s, ==, "rex");
    g_free(s);

    g_assert_true(set_json(dog, "legs", "3", &error_abort));
    g_assert_cmpuint(a->legs, ==, 3);
    g_assert_true(object_property_set_uint(dog, "legs", UINT32_MAX,
                                           &error_abort));
    g_assert_cmpuint(a->legs, ==, UINT32_MAX);

    g_assert_true(set_json(dog, "happy", "false", &error_abort));
    g_assert_false(a->happy);
    g_assert_true(object_property_set_bool(dog, "happy", true, &error_abort));
    g_assert_true(a->happy);

    g_assert_true(set_json(dog, "color", "\"blue\"", &error_abort));
    g_assert_cmpint(a->color, ==, TEST_COLOR_BLUE);
    s = get_json(dog, "color");
    g_assert_cmpstr(s, ==, "\"blue\"");
    g_free(s);

    g_assert_true(set_json(dog, "nodes", "[0, 4, 65535]", &error_abort));
    g_assert_cmpuint(a->nodes->len, ==, 3);
    s = get_json(dog, "nodes");
    g_assert_cmpstr(s, ==, "[0,4,65535]");
    g_free(s);
    g_assert_true(set_json(dog, "nodes", "[]", &error_abort));
    g_assert_cmpuint(a->nodes->len, ==, 0);

    /* Type errors leave the object unchanged. */
    a->legs = 4;
    g_assert_false(set_json(dog, "happy", "1", &err));
    assert_error(&err, "Invalid parameter type for 'happy', expected: boolean");
    g_assert_false(set_json(dog, "happy", "\"on\"", &err));
    assert_error(&err, "Invalid parameter type for 'happy', expected: boolean");
    g_assert_false(set_json(dog, "legs", "\"8\"", &err));
    assert_error(&err, "Invalid parameter type for 'legs', expected: integer");
    g_assert_false(set_json(dog, "legs", "1.5", &err));
    assert_error(&err, "Invalid parameter type for 'legs', expected: integer");
    g_assert_false(set_json(dog, "legs", "-1", &err));
    assert_error(&err, "Parameter 'legs' expects uint32");
    g_assert_false(set_json(dog, "legs", "4294967296", &err));
    assert_error(&err, "Parameter 'legs' expects uint32");
    g_assert_false(set_json(dog, "legs", "0", &err));
    assert_error(&err, "an animal needs legs");
    g_assert_cmpuint(a->legs, ==, 4);
    g_assert_false(set_json(dog, "color", "\"purple\"", &err));
    assert_error(&err, "Parameter 'color' does not accept value 'purple'");
    g_assert_false(set_json(dog, "color", "2", &err));
    assert_error(&err, "Invalid parameter type for 'color', expected: string");
    g_assert_cmpint(a->color, ==, TEST_COLOR_BLUE);
    g_assert_false(set_json(dog, "name", "true", &err));
    assert_error(&err, "Invalid parameter type for 'name', expected: string");
    g_assert_false(set_json(dog, "nodes", "5", &err));
    assert_error(&err, "Invalid parameter type for 'nodes', expected: array");
    g_assert_false(set_json(dog, "nodes", "[1, 65536]", &err));
    assert_error(&err, "Parameter 'nodes[1]' expects uint16");
    g_assert_false(set_json(dog, "nodes", "[1, \"a\"]", &err));
    assert_error(&err,
                 "Invalid parameter type for 'nodes[1]', expected: integer");
    g_assert_false(set_json(dog, "nodes", "[-1]", &err));
    assert_error(&err, "Parameter 'nodes[0]' expects uint16");

    /* Unknown, read-only, write-only. */
    g_assert_false(set_json(dog, "nope", "1", &err));
    assert_error(&err, "Property 'test-dog.nope' not found");
    g_assert_null(object_property_get(dog, "nope", &err));
    assert_error(&err, "Property 'test-dog.nope' not found");
    g_assert_false(object_property_set_str(dog, "type", "x", &err));
    assert_error(&err, "Property 'test-dog.type' is not writable");
    g_assert_false(set_json(dog, "read-only", "true", &err));
    assert_error(&err, "Property 'test-dog.read-only' is not writable");
    g_assert_null(object_property_find_err(dog, "nope", &err));
    assert_error(&err, "Property 'test-dog.nope' not found");
    object_unref(dog);
}

static json_t *ro_get(Object *obj, ObjectProperty *prop, Error **errp)
{
    return json_integer(7);
}

static void test_instance_properties(void)
{
    Object *dog = object_new(TYPE_TEST_DOG);
    Error *err = NULL;
    ObjectPropertyIterator iter;
    ObjectProperty *p;
    int n = 0;
    bool saw_type = false, saw_extra = false;

    g_assert_nonnull(object_property_try_add(dog, "extra", "int", ro_get,
                                             NULL, NULL, NULL, &error_abort));
    g_assert_cmpint(object_property_get_int(dog, "extra", &error_abort), ==,
                    7);
    g_assert_null(object_property_try_add(dog, "extra", "int", ro_get, NULL,
                                          NULL, NULL, &err));
    assert_error(&err, "attempt to add duplicate property 'extra' to object "
                 "(type 'test-dog')");
    /* Clashing with a class property is a duplicate too. */
    g_assert_null(object_property_try_add(dog, "legs", "int", ro_get, NULL,
                                          NULL, NULL, &err));
    assert_error(&err, "attempt to add duplicate property 'legs' to object "
                 "(type 'test-dog')");
    p = object_property_try_add(dog, "slot[*]", "int", ro_get, NULL, NULL,
                                NULL, &error_abort);
    g_assert_cmpstr(p->name, ==, "slot[0]");
    p = object_property_try_add(dog, "slot[*]", "int", ro_get, NULL, NULL,
                                NULL, &error_abort);
    g_assert_cmpstr(p->name, ==, "slot[1]");

    object_property_iter_init(&iter, dog);
    while ((p = object_property_iter_next(&iter))) {
        n++;
        saw_type |= !strcmp(p->name, "type");
        saw_extra |= !strcmp(p->name, "extra");
    }
    g_assert_true(saw_type && saw_extra);
    /* type + 7 animal properties + extra + 2 slots */
    g_assert_cmpint(n, ==, 11);

    object_property_del(dog, "extra");
    g_assert_null(object_property_find(dog, "extra"));
    object_unref(dog);
}

static void test_tree_paths(void)
{
    Object *objects = object_get_objects_root();
    Object *dog = object_new(TYPE_TEST_DOG);
    Object *other = object_new(TYPE_TEST_PUPPY);
    Object *box = container_get(object_get_root(), "/test-box/inner");
    bool ambiguous = true;
    char *path;

    g_assert_true(object_get_objects_root() == objects);
    g_assert_true(object_resolve_path("/objects", NULL) == objects);
    g_assert_true(object_resolve_path("/", NULL) == object_get_root());
    path = object_get_canonical_path(object_get_root());
    g_assert_cmpstr(path, ==, "/");
    g_free(path);
    g_assert_null(object_get_canonical_path(dog));

    object_property_add_child(objects, "rex", dog);
    g_assert_cmpuint(dog->ref, ==, 2);
    g_assert_true(dog->parent == objects);
    object_unref(dog);
    path = object_get_canonical_path(dog);
    g_assert_cmpstr(path, ==, "/objects/rex");
    g_free(path);
    g_assert_cmpstr(object_get_canonical_path_component(dog), ==, "rex");
    g_assert_cmpstr(object_property_find(objects, "rex")->type, ==,
                    "child<test-dog>");

    g_assert_true(object_resolve_path("/objects/rex", &ambiguous) == dog);
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path("//objects///rex", NULL) == dog);
    g_assert_true(object_resolve_path("rex", &ambiguous) == dog);
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path("objects/rex", NULL) == dog);
    g_assert_null(object_resolve_path("/objects/nobody", NULL));
    g_assert_null(object_resolve_path("nobody", &ambiguous));
    g_assert_false(ambiguous);
    g_assert_true(object_resolve_path_type("rex", TYPE_TEST_ANIMAL, NULL) ==
                  dog);
    g_assert_null(object_resolve_path_type("/objects/rex", TYPE_TEST_PUPPY,
                                           NULL));
    g_assert_true(object_resolve_path_component(objects, "rex") == dog);

    /* A second "rex" elsewhere makes the partial path ambiguous. */
    object_property_add_child(box, "rex", other);
    object_unref(other);
    g_assert_null(object_resolve_path("rex", &ambiguous));
    g_assert_true(ambiguous);
    g_assert_true(object_resolve_path("inner/rex", &ambiguous) == other);
    g_assert_false(ambiguous);
    /* Typed partial lookup: only one of them is a puppy. */
    g_assert_true(object_resolve_path_type("rex", TYPE_TEST_PUPPY,
                                           &ambiguous) == other);
    path = object_get_canonical_path(other);
    g_assert_cmpstr(path, ==, "/test-box/inner/rex");
    g_free(path);

    object_unparent(object_resolve_path("/test-box", NULL));
    g_assert_null(object_resolve_path("/test-box/inner/rex", NULL));
    g_assert_true(object_resolve_path("rex", NULL) == dog);
    object_unparent(dog);
    g_assert_null(object_resolve_path("rex", NULL));
}

static void test_links(void)
{
    Object *objects = object_get_objects_root();
    Object *dog = object_new(TYPE_TEST_DOG);
    Object *pal = object_new(TYPE_TEST_PUPPY);
    Object *box = container_get(object_get_root(), "/test-links");
    Error *err = NULL;
    char *s;

    object_property_add_child(objects, "dog", dog);
    object_property_add_child(objects, "pal", pal);
    object_unref(dog);

    s = get_json(dog, "friend");
    g_assert_cmpstr(s, ==, "\"\"");
    g_free(s);

    g_assert_cmpuint(pal->ref, ==, 2);
    g_assert_true(set_json(dog, "friend", "\"/objects/pal\"", &error_abort));
    g_assert_true(TEST_ANIMAL(dog)->friend == pal);
    g_assert_cmpuint(pal->ref, ==, 3);           /* strong link */
    s = get_json(dog, "friend");
    g_assert_cmpstr(s, ==, "\"/objects/pal\"");
    g_free(s);
    /* Links are followed by absolute paths. */
    g_assert_true(object_resolve_path("/objects/dog/friend", NULL) == pal);

    g_assert_true(set_json(dog, "friend", "\"pal\"", &error_abort));
    g_assert_cmpuint(pal->ref, ==, 3);
    g_assert_true(set_json(dog, "friend", "\"\"", &error_abort));
    g_assert_null(TEST_ANIMAL(dog)->friend);
    g_assert_cmpuint(pal->ref, ==, 2);

    g_assert_false(set_json(dog, "friend", "\"/objects/nobody\"", &err));
    g_assert_cmpint(error_get_class(err), ==, ERROR_CLASS_DEVICE_NOT_FOUND);
    assert_error(&err, "Device '/objects/nobody' not found");
    g_assert_false(set_json(dog, "friend", "\"/objects\"", &err));
    assert_error(&err,
                 "Invalid parameter type for 'friend', expected: test-animal");
    g_assert_false(set_json(dog, "friend", "1", &err));
    assert_error(&err, "Invalid parameter type for 'friend', expected: string");

    /* Two animals called "pal": the partial path no longer identifies one. */
    object_property_add_child(box, "pal", object_new(TYPE_TEST_DOG));
    object_unref(object_resolve_path("/test-links/pal", NULL));
    g_assert_false(set_json(dog, "friend", "\"pal\"", &err));
    assert_error(&err, "Path 'pal' does not uniquely identify an object");
    object_unparent(box);

    /* Finalizing the linker drops its strong reference. */
    g_assert_true(set_json(dog, "friend", "\"pal\"", &error_abort));
    g_assert_cmpuint(pal->ref, ==, 3);
    object_unparent(dog);
    g_assert_cmpuint(pal->ref, ==, 2);
    object_unparent(pal);
    g_assert_cmpuint(pal->ref, ==, 1);
    object_unref(pal);
}

static void test_refcount_finalize(void)
{
    Object *objects = object_get_objects_root();
    Object *dog = object_new(TYPE_TEST_DOG);
    Object *parent = object_new(TYPE_TEST_DOG);
    Object *child = object_new(TYPE_TEST_PUPPY);

    object_property_add_child(objects, "keep", dog);
    object_ref(dog);                     /* caller keeps one */
    g_assert_cmpuint(dog->ref, ==, 3);
    events_reset();
    object_unparent(dog);
    g_assert_null(dog->parent);
    g_assert_cmpuint(dog->ref, ==, 2);
    g_assert_cmpstr(events->str, ==, "");
    object_unref(dog);
    g_assert_cmpstr(events->str, ==, "");
    object_unref(dog);
    g_assert_cmpstr(events->str, ==, "fin:dog,fin:animal");

    /* A parent's finalize releases its children. */
    object_property_add_child(parent, "kid", child);
    object_unref(child);
    events_reset();
    object_unref(parent);
    g_assert_cmpstr(events->str, ==,
                    "fin:puppy,fin:dog,fin:animal,fin:dog,fin:animal");

    /* Unparenting an object without a parent is harmless. */
    dog = object_new(TYPE_TEST_DOG);
    object_unparent(dog);
    object_unref(dog);
}

static int count_child(Object *child, void *opaque)
{
    (*(int *)opaque)++;
    return 0;
}

static void test_child_foreach(void)
{
    Object *box = container_get(object_get_root(), "/test-foreach");
    int n = 0;

    container_get(box, "a");
    container_get(box, "b/c");
    g_assert_cmpint(object_child_foreach(box, count_child, &n), ==, 0);
    g_assert_cmpint(n, ==, 2);
    g_assert_true(object_resolve_path("/test-foreach/b/c", NULL) ==
                  container_get(object_get_root(), "test-foreach/b/c"));
    g_assert_true(object_get_container("test-foreach") == box);
    object_unparent(box);
}

static void test_enum_lookup(void)
{
    g_assert_cmpstr(qapi_enum_lookup(&test_color_lookup, 2), ==, "blue");
    g_assert_cmpint(qapi_enum_parse(&test_color_lookup, "red"), ==, 0);
    g_assert_cmpint(qapi_enum_parse(&test_color_lookup, "Red"), ==, -1);
    g_assert_cmpint(qapi_enum_parse(&test_color_lookup, NULL), ==, -1);
}

static void test_bad_cast_aborts(void)
{
    if (g_test_subprocess()) {
        Object *c = object_new(TYPE_CONTAINER);

        TEST_ANIMAL(c);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*is not an instance of type test-animal*");
}

int main(int argc, char **argv)
{
    events = g_string_new(NULL);
    g_test_init(&argc, &argv, NULL);
    module_call_init_qom();
    g_test_add_func("/qom/inheritance-casts", test_inheritance_and_casts);
    g_test_add_func("/qom/class-list", test_class_list);
    g_test_add_func("/qom/init-finalize-order", test_init_finalize_order);
    g_test_add_func("/qom/defaults", test_defaults);
    g_test_add_func("/qom/property-types", test_property_types);
    g_test_add_func("/qom/property-set-get", test_property_set_get);
    g_test_add_func("/qom/field-properties", test_field_properties);
    g_test_add_func("/qom/instance-properties", test_instance_properties);
    g_test_add_func("/qom/tree-paths", test_tree_paths);
    g_test_add_func("/qom/links", test_links);
    g_test_add_func("/qom/refcount-finalize", test_refcount_finalize);
    g_test_add_func("/qom/child-foreach", test_child_foreach);
    g_test_add_func("/qom/enum-lookup", test_enum_lookup);
    g_test_add_func("/qom/bad-cast-aborts", test_bad_cast_aborts);
    return g_test_run();
}
