/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checks a JSON value against a schema type, with the error texts of
 * QEMU's QObject input visitor (QMP arguments, -object JSON form).
 */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"
#include "qapi/qapi-internal.h"

static int type_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const QapiTypeInfo *)elem)->name);
}

const QapiTypeInfo *qapi_type_lookup(const char *name)
{
    return bsearch(name, qapi_type_table, qapi_type_table_len,
                   sizeof(qapi_type_table[0]), type_cmp);
}

/* Name of @member inside @outer, as QEMU's visitors print it. */
static char *member_name(const char *outer, const char *member)
{
    return outer ? g_strdup_printf("%s.%s", outer, member)
                 : g_strdup(member);
}

/*
 * Integer ranges of the sized builtins; @max is unsigned for uint64.
 * @c_name is what QEMU's range check prints (visit_type_uint32 says
 * "uint32_t").
 */
typedef struct IntRange {
    const char *name;
    int64_t min;
    uint64_t max;
    const char *c_name;
} IntRange;

static const IntRange int_ranges[] = {
    { "int8", INT8_MIN, INT8_MAX, "int8_t" },
    { "int16", INT16_MIN, INT16_MAX, "int16_t" },
    { "int32", INT32_MIN, INT32_MAX, "int32_t" },
    { "uint8", 0, UINT8_MAX, "uint8_t" },
    { "uint16", 0, UINT16_MAX, "uint16_t" },
    { "uint32", 0, UINT32_MAX, "uint32_t" },
};

static const IntRange *int_range(const char *type)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(int_ranges); i++) {
        if (!strcmp(int_ranges[i].name, type)) {
            return &int_ranges[i];
        }
    }
    return NULL;
}

static bool is_int_type(const char *type)
{
    return !strcmp(type, "int") || !strcmp(type, "int64") ||
           !strcmp(type, "uint64") || !strcmp(type, "size") ||
           int_range(type) != NULL;
}

/* The member alone ("b" of "a.b"), "null" for a list element ("a[2]"). */
static const char *plain_name(const char *name)
{
    const char *dot = strrchr(name, '.');

    if (g_str_has_suffix(name, "]")) {
        return "null";
    }
    return dot ? dot + 1 : name;
}

static bool type_error(const char *name, const char *expected, Error **errp)
{
    error_setg(errp, QERR_INVALID_PARAMETER_TYPE, name, expected);
    return false;
}

static bool validate_builtin(const char *type, json_t *value,
                             const char *name, Error **errp)
{
    const IntRange *range;

    if (!strcmp(type, "any")) {
        return true;
    }
    if (!strcmp(type, "str")) {
        return json_is_string(value) || type_error(name, "string", errp);
    }
    if (!strcmp(type, "bool")) {
        return json_is_boolean(value) || type_error(name, "boolean", errp);
    }
    if (!strcmp(type, "null")) {
        return json_is_null(value) || type_error(name, "null", errp);
    }
    if (!strcmp(type, "number")) {
        return json_is_number(value) || type_error(name, "number", errp);
    }
    g_assert(is_int_type(type));
    /*
     * Unsigned types are visited as uint64 first: a non-integer reads
     * "Parameter 'x' expects uint64"; signed ones say "expected: integer".
     */
    if (!json_is_integer(value)) {
        if (type[0] == 'u' || !strcmp(type, "size")) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name, "uint64");
            return false;
        }
        return type_error(name, "integer", errp);
    }
    /*
     * uint64 and size accept negative numbers, like QEMU does for
     * backward compatibility (-1 means 2^64 - 1); so do the smaller
     * unsigned types, whose range check then refuses the huge value.
     */
    range = int_range(type);
    if (range) {
        json_int_t v = json_integer_value(value);
        bool bad = range->min ? v < range->min || v > (json_int_t)range->max
                              : (uint64_t)v > range->max;

        if (bad) {
            /*
             * QEMU's range check names the member alone, not its outer
             * path, and a list element (visited without a name) "null".
             */
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, plain_name(name),
                       range->c_name);
            return false;
        }
    }
    return true;
}

static bool validate(const char *type, json_t *value, const char *name,
                     Error **errp);

/* Visit @members of @obj in schema order; missing mandatory ones fail. */
static bool validate_members(const QapiMember *members, int n, json_t *obj,
                             const char *name, Error **errp)
{
    int i;

    for (i = 0; i < n; i++) {
        json_t *v = json_object_get(obj, members[i].name);
        g_autofree char *full = NULL;

        full = member_name(name, members[i].name);
        if (!v) {
            if (!members[i].optional) {
                error_setg(errp, QERR_MISSING_PARAMETER, full);
                return false;
            }
            continue;
        }
        if (!validate(members[i].type, v, full, errp)) {
            return false;
        }
    }
    return true;
}

static bool in_members(const QapiMember *members, int n, const char *key)
{
    int i;

    for (i = 0; i < n; i++) {
        if (!strcmp(members[i].name, key)) {
            return true;
        }
    }
    return false;
}

static bool validate_object(const QapiTypeInfo *ti, json_t *value,
                            const char *name, Error **errp)
{
    const QapiTypeInfo *branch = NULL;
    const char *key;
    json_t *v;

    if (!json_is_object(value)) {
        return type_error(name ? name : "null", "object", errp);
    }
    if (!validate_members(ti->members, ti->n_members, value, name, errp)) {
        return false;
    }
    if (ti->kind == QAPI_KIND_UNION) {
        /* The base check above proved the tag present and valid. */
        const char *tag = json_string_value(json_object_get(
                                                value, ti->discriminator));
        int i;

        for (i = 0; i < ti->n_variants; i++) {
            if (!strcmp(ti->variants[i].name, tag)) {
                branch = qapi_type_lookup(ti->variants[i].type);
                g_assert(branch && branch->kind == QAPI_KIND_STRUCT);
                break;
            }
        }
        if (branch && !validate_members(branch->members, branch->n_members,
                                        value, name, errp)) {
            return false;
        }
    }
    json_object_foreach(value, key, v) {
        if (!in_members(ti->members, ti->n_members, key) &&
            !(branch && in_members(branch->members, branch->n_members,
                                   key))) {
            g_autofree char *full = member_name(name, key);

            error_setg(errp, "Parameter '%s' is unexpected", full);
            return false;
        }
    }
    return true;
}

/* Does @value's JSON type fit the alternative of schema type @type? */
static bool alternative_fits(const char *type, json_t *value)
{
    const QapiTypeInfo *ti = qapi_type_lookup(type);

    switch (ti->kind) {
    case QAPI_KIND_ENUM:
        return json_is_string(value);
    case QAPI_KIND_STRUCT:
    case QAPI_KIND_UNION:
        return json_is_object(value);
    case QAPI_KIND_ARRAY:
        return json_is_array(value);
    case QAPI_KIND_ALTERNATE:
        return false;
    case QAPI_KIND_BUILTIN:
        break;
    }
    if (!strcmp(type, "str")) {
        return json_is_string(value);
    }
    if (!strcmp(type, "bool")) {
        return json_is_boolean(value);
    }
    if (!strcmp(type, "null")) {
        return json_is_null(value);
    }
    if (!strcmp(type, "number")) {
        return json_is_number(value);
    }
    if (!strcmp(type, "any")) {
        return true;
    }
    return json_is_integer(value);
}

static bool validate(const char *type, json_t *value, const char *name,
                     Error **errp)
{
    const QapiTypeInfo *ti = qapi_type_lookup(type);
    size_t i;

    if (!ti) {
        error_setg(errp, "Unknown schema type '%s'", type);
        return false;
    }
    switch (ti->kind) {
    case QAPI_KIND_BUILTIN:
        return validate_builtin(type, value, name, errp);
    case QAPI_KIND_ENUM:
        if (!json_is_string(value)) {
            return type_error(name, "string", errp);
        }
        for (i = 0; i < (size_t)ti->lookup->size; i++) {
            if (!strcmp(ti->lookup->array[i], json_string_value(value))) {
                return true;
            }
        }
        /* like its range check, QEMU's enum check names the member alone */
        error_setg(errp, "Parameter '%s' does not accept value '%s'",
                   plain_name(name), json_string_value(value));
        return false;
    case QAPI_KIND_STRUCT:
    case QAPI_KIND_UNION:
        return validate_object(ti, value, name, errp);
    case QAPI_KIND_ALTERNATE:
        for (i = 0; i < (size_t)ti->n_members; i++) {
            if (alternative_fits(ti->members[i].type, value)) {
                return validate(ti->members[i].type, value, name, errp);
            }
        }
        return type_error(name, ti->name, errp);
    case QAPI_KIND_ARRAY:
        if (!json_is_array(value)) {
            return type_error(name, "array", errp);
        }
        for (i = 0; i < json_array_size(value); i++) {
            g_autofree char *full = g_strdup_printf("%s[%zu]", name, i);

            if (!validate(ti->element_type, json_array_get(value, i), full,
                          errp)) {
                return false;
            }
        }
        return true;
    }
    g_assert_not_reached();
}

bool qapi_validate(const char *type, json_t *value, Error **errp)
{
    const QapiTypeInfo *ti = qapi_type_lookup(type);

    /*
     * Members of a top-level object are named plainly ("size"); a
     * top-level scalar has no name, QEMU prints "null" then.
     */
    if (ti && (ti->kind == QAPI_KIND_STRUCT || ti->kind == QAPI_KIND_UNION)) {
        return validate_object(ti, value, NULL, errp);
    }
    return validate(type, value, "null", errp);
}
