/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Turns the dotted command-line form (-object TYPE,id=x,size=1G,...) into
 * the typed JSON object the schema describes, with the error texts of
 * QEMU's opts visitor (-object) or of its keyval input visitor (HMP's
 * object_add): QEMU parses the two with different visitors.
 */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"
#include "qapi/qapi-internal.h"
#include <math.h>
#include "qemu/cutils.h"

/* Longest "a-b" range of a list element (QEMU's OPTS_VISITOR_RANGE_MAX). */
#define KEYVAL_RANGE_MAX 65536

typedef enum KeyvalForm {
    FORM_OPTS,        /* QemuOpts + opts visitor (-object) */
    FORM_KEYVAL,      /* keyval + keyval input visitor (object_add) */
} KeyvalForm;

static bool parse_bool(KeyvalForm form, const char *name, const char *str,
                       bool *res, Error **errp)
{
    bool opts = form == FORM_OPTS;

    /* The keyval visitor knows only on/off. */
    if (!strcmp(str, "on") || (opts && (!strcmp(str, "yes") ||
                                        !strcmp(str, "true") ||
                                        !strcmp(str, "y")))) {
        *res = true;
        return true;
    }
    if (!strcmp(str, "off") || (opts && (!strcmp(str, "no") ||
                                         !strcmp(str, "false") ||
                                         !strcmp(str, "n")))) {
        *res = false;
        return true;
    }
    error_setg(errp, "Parameter '%s' expects 'on' or 'off'", name);
    return false;
}

static bool parse_size(KeyvalForm form, const char *name, const char *str,
                       uint64_t *res, Error **errp)
{
    if (qemu_strtosz(str, NULL, res) < 0) {
        /* Unlike -m (QemuOpts), neither visitor adds the suffix hint. */
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name,
                   form == FORM_OPTS ? "a size value" : "size");
        return false;
    }
    return true;
}

/* Unsigned decimal/hex/octal number; "-N" is refused unlike strtoull. */
static bool parse_unsigned(const char *str, const char **end, uint64_t *res)
{
    const char *p = str;

    while (g_ascii_isspace(*p)) {
        p++;
    }
    if (*p == '-' || *p == '+' || !*p) {
        return false;
    }
    return qemu_strtou64(p, end, 0, res) == 0;
}

typedef struct UnsignedRange {
    const char *name;
    uint64_t max;
    const char *c_name;
} UnsignedRange;

/* @name is what QEMU's range check prints (visit_type_uint32: uint32_t). */
static const UnsignedRange unsigned_types[] = {
    { "uint8", UINT8_MAX, "uint8_t" }, { "uint16", UINT16_MAX, "uint16_t" },
    { "uint32", UINT32_MAX, "uint32_t" }, { "uint64", UINT64_MAX, "uint64" },
};

typedef struct SignedRange {
    const char *name;
    int64_t min, max;
    const char *c_name;
} SignedRange;

static const SignedRange signed_types[] = {
    { "int", INT64_MIN, INT64_MAX, "int64_t" },
    { "int8", INT8_MIN, INT8_MAX, "int8_t" },
    { "int16", INT16_MIN, INT16_MAX, "int16_t" },
    { "int32", INT32_MIN, INT32_MAX, "int32_t" },
    { "int64", INT64_MIN, INT64_MAX, "int64_t" },
};

static const UnsignedRange *unsigned_type(const char *type)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(unsigned_types); i++) {
        if (!strcmp(unsigned_types[i].name, type)) {
            return &unsigned_types[i];
        }
    }
    return NULL;
}

static const SignedRange *signed_type(const char *type)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(signed_types); i++) {
        if (!strcmp(signed_types[i].name, type)) {
            return &signed_types[i];
        }
    }
    return NULL;
}

static json_t *check_unsigned(const char *name, const UnsignedRange *r,
                              uint64_t v, Error **errp)
{
    if (v > r->max) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name, r->c_name);
        return NULL;
    }
    /* uint64 values above INT64_MAX travel as their two's complement. */
    return json_integer((json_int_t)v);
}

/* Convert one scalar string @str for member @name of schema type @type. */
static json_t *convert_scalar(KeyvalForm form, const char *name,
                              const char *type, const char *str,
                              Error **errp)
{
    const QapiTypeInfo *ti = qapi_type_lookup(type);
    const UnsignedRange *ur;
    const SignedRange *sr;
    uint64_t u;
    int64_t i;
    bool b;

    if (ti && ti->kind == QAPI_KIND_ENUM) {
        int n;

        for (n = 0; n < ti->lookup->size; n++) {
            if (!strcmp(ti->lookup->array[n], str)) {
                return json_string(str);
            }
        }
        /* the visitor names an enum by its member name alone */
        error_setg(errp, "Parameter '%s' does not accept value '%s'",
                   strrchr(name, '.') ? strrchr(name, '.') + 1 : name, str);
        return NULL;
    }
    if (!strcmp(type, "str") || !strcmp(type, "any")) {
        /* jansson strings must be UTF-8; json_string() fails silently. */
        if (!g_utf8_validate(str, -1, NULL)) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name,
                       "a UTF-8 string");
            return NULL;
        }
        return json_string(str);
    }
    if (!strcmp(type, "bool")) {
        return parse_bool(form, name, str, &b, errp) ? json_boolean(b)
                                                     : NULL;
    }
    if (!strcmp(type, "size")) {
        return parse_size(form, name, str, &u, errp)
               ? json_integer((json_int_t)u) : NULL;
    }
    ur = unsigned_type(type);
    if (ur) {
        if (!parse_unsigned(str, NULL, &u)) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name,
                       form == FORM_OPTS ? "a uint64 value" : "integer");
            return NULL;
        }
        return check_unsigned(name, ur, u, errp);
    }
    sr = signed_type(type);
    if (sr) {
        if (qemu_strtoi64(str, NULL, 0, &i) < 0) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name,
                       form == FORM_OPTS ? "an int64 value" : "integer");
            return NULL;
        }
        if (i < sr->min || i > sr->max) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name, sr->c_name);
            return NULL;
        }
        return json_integer(i);
    }
    if (!strcmp(type, "number")) {
        char *end;
        double d = g_ascii_strtod(str, &end);

        /* json_real() refuses NaN and infinities. */
        if (!*str || *end || !isfinite(d)) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name, "a number");
            return NULL;
        }
        return json_real(d);
    }
    error_setg(errp, "Parameter '%s' cannot be set in this form", name);
    return NULL;
}

/*
 * Append the elements one list value stands for: a single number, an
 * inclusive range "a-b" of unsigned numbers, or a scalar of another type.
 */
static bool append_list_value(KeyvalForm form, json_t *arr,
                              const char *name, const char *elem_type,
                              const char *str, Error **errp)
{
    const UnsignedRange *ur = unsigned_type(elem_type);
    const QapiTypeInfo *ti;
    uint64_t lo, hi, v;
    const char *end;
    json_t *e;

    /* Ranges are an opts visitor feature. */
    if (ur && form == FORM_OPTS) {
        if (!parse_unsigned(str, &end, &lo)) {
            goto bad;
        }
        hi = lo;
        if (*end == '-') {
            if (!parse_unsigned(end + 1, NULL, &hi) || hi < lo ||
                hi - lo >= KEYVAL_RANGE_MAX) {
                goto bad;
            }
        } else if (*end) {
            goto bad;
        }
        for (v = lo; ; v++) {
            /* QEMU visits list elements without a name: "null". */
            e = check_unsigned("null", ur, v, errp);
            if (!e) {
                return false;
            }
            json_array_append_new(arr, e);
            if (v == hi) {
                return true;
            }
        }
    }
    ti = qapi_type_lookup(elem_type);
    /* the keyval visitor names an enum list element "null" */
    e = convert_scalar(form, form == FORM_KEYVAL && ti &&
                             ti->kind == QAPI_KIND_ENUM ? "null" : name,
                       elem_type, str, errp);
    if (!e) {
        return false;
    }
    json_array_append_new(arr, e);
    return true;

bad:
    error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name,
               "a uint64 value or range");
    return false;
}

/* Is @key the list element form "NAME.N" of member @name? */
static bool is_list_element_key(const char *key, const char *name)
{
    size_t len = strlen(name);
    const char *p;

    if (strncmp(key, name, len) || key[len] != '.' || !key[len + 1]) {
        return false;
    }
    for (p = key + len + 1; *p; p++) {
        if (!g_ascii_isdigit(*p)) {
            return false;
        }
    }
    return true;
}

static bool key_matches(const QapiMember *m, const char *key)
{
    return !strcmp(m->name, key) ||
           (m->type[0] == '[' && is_list_element_key(key, m->name));
}

static json_t *keyval_to_json(KeyvalForm form, const char *type,
                              const KeyValueList *kv, const char *prefix,
                              Error **errp);

static void sub_item_free(gpointer p)
{
    KeyValue *kv = p;

    g_free(kv->key);
    g_free(kv->value);
    g_free(kv);
}

/* The items of @kv below "@name." with that prefix removed, or NULL. */
static KeyValueList *keyval_sublist(const KeyValueList *kv, const char *name)
{
    size_t len = strlen(name);
    KeyValueList *sub = NULL;
    guint i;

    for (i = 0; i < kv->items->len; i++) {
        KeyValue *item = g_ptr_array_index(kv->items, i);
        KeyValue *copy;

        if (strncmp(item->key, name, len) || item->key[len] != '.') {
            continue;
        }
        if (!sub) {
            sub = g_new0(KeyValueList, 1);
            sub->items = g_ptr_array_new_with_free_func(sub_item_free);
        }
        copy = g_new0(KeyValue, 1);
        copy->key = g_strdup(item->key + len + 1);
        copy->value = g_strdup(item->value);
        g_ptr_array_add(sub->items, copy);
    }
    return sub;
}

static bool is_object_type(const char *type)
{
    const QapiTypeInfo *ti = qapi_type_lookup(type);

    return ti && (ti->kind == QAPI_KIND_STRUCT || ti->kind == QAPI_KIND_UNION);
}

/*
 * Members written as "name.key=..." in the keyval form: structs, unions,
 * alternates and lists of objects ("name.0.key=...").
 */
static bool is_nested_member(const QapiMember *m)
{
    const QapiTypeInfo *ti = qapi_type_lookup(m->type);

    if (ti && ti->kind == QAPI_KIND_ARRAY) {
        return is_object_type(ti->element_type);
    }
    return ti && (is_object_type(m->type) || ti->kind == QAPI_KIND_ALTERNATE);
}

/* The alternative of alternate @ti for an object (@object) or a string. */
static const char *alternative_for(const QapiTypeInfo *ti, bool object)
{
    int i;

    for (i = 0; i < ti->n_members; i++) {
        if (is_object_type(ti->members[i].type) == object) {
            return ti->members[i].type;
        }
    }
    return NULL;
}

/* "name.0.k=..,name.1.k=..": one object per index, no index missing. */
static json_t *convert_object_list(KeyvalForm form, const char *elem_type,
                                   const char *name, const char *full,
                                   const KeyValueList *kv, Error **errp)
{
    g_autoptr(KeyValueList) sub = keyval_sublist(kv, name);
    json_t *arr;
    guint64 n = 0, count = 0;
    guint i;

    if (!sub) {
        return NULL;
    }
    for (i = 0; i < sub->items->len; i++) {
        KeyValue *item = g_ptr_array_index(sub->items, i);
        g_autofree char *index = g_strndup(item->key,
                                           strcspn(item->key, "."));

        /* an object with other keys is not a list */
        if (!g_ascii_string_to_unsigned(index, 10, 0, G_MAXINT, &n, NULL)) {
            error_setg(errp, QERR_INVALID_PARAMETER_TYPE, full, "array");
            return NULL;
        }
        count = MAX(count, n + 1);
    }
    arr = json_array();
    for (n = 0; n < count; n++) {
        g_autofree char *index = g_strdup_printf("%" G_GUINT64_FORMAT, n);
        g_autofree char *elem_full = g_strdup_printf("%s.%s", full, index);
        g_autofree char *elem_prefix = g_strdup_printf("%s.", elem_full);
        g_autoptr(KeyValueList) elem = keyval_sublist(sub, index);
        json_t *v;

        if (!elem) {
            error_setg(errp, "Parameter '%s' missing", elem_full);
            json_decref(arr);
            return NULL;
        }
        v = keyval_to_json(form, elem_type, elem, elem_prefix, errp);
        if (!v) {
            json_decref(arr);
            return NULL;
        }
        json_array_append_new(arr, v);
    }
    return arr;
}

/*
 * A nested member in the keyval form: false with *errp set on error;
 * *done tells whether the member was given.
 */
static bool convert_nested(KeyvalForm form, const QapiMember *m,
                           const char *full, const KeyValueList *kv,
                           json_t *out, bool *done, Error **errp)
{
    const QapiTypeInfo *ti = qapi_type_lookup(m->type);
    g_autoptr(KeyValueList) sub = keyval_sublist(kv, m->name);
    g_autofree char *prefix = g_strdup_printf("%s.", full);
    const char *last = NULL;
    const char *type;
    json_t *v;
    guint i;

    *done = false;
    for (i = 0; i < kv->items->len; i++) {
        KeyValue *item = g_ptr_array_index(kv->items, i);

        if (!strcmp(item->key, m->name)) {
            last = item->value;
        }
    }
    if (sub && last) {
        error_setg(errp, "Parameters '%s.*' used inconsistently", full);
        return false;
    }
    if (ti->kind == QAPI_KIND_ARRAY) {
        if (last) {
            error_setg(errp, QERR_INVALID_PARAMETER_TYPE, full, "array");
            return false;
        }
        v = convert_object_list(form, ti->element_type, m->name, full, kv,
                                errp);
        if (!v) {
            return !sub;
        }
    } else if (sub) {
        type = ti->kind == QAPI_KIND_ALTERNATE ? alternative_for(ti, true)
                                               : m->type;
        if (!type) {
            error_setg(errp, QERR_INVALID_PARAMETER_TYPE, full, ti->name);
            return false;
        }
        v = keyval_to_json(form, type, sub, prefix, errp);
        if (!v) {
            return false;
        }
    } else if (last) {
        type = ti->kind == QAPI_KIND_ALTERNATE ? alternative_for(ti, false)
                                               : NULL;
        if (!type) {
            error_setg(errp, QERR_INVALID_PARAMETER_TYPE, full,
                       ti->kind == QAPI_KIND_ALTERNATE ? ti->name : "object");
            return false;
        }
        v = convert_scalar(form, full, type, last, errp);
        if (!v) {
            return false;
        }
    } else {
        return true;
    }
    json_object_set_new(out, m->name, v);
    *done = true;
    return true;
}

/* Convert the values given for @m, in schema order like QEMU's visitor. */
static bool convert_member(KeyvalForm form, const QapiMember *m,
                           const KeyValueList *kv, const char *prefix,
                           json_t *out, Error **errp)
{
    g_autofree char *full = g_strconcat(prefix ? prefix : "", m->name, NULL);
    const char *last = NULL;
    json_t *arr = NULL;
    json_t *v;
    guint i;

    if (form == FORM_KEYVAL && is_nested_member(m)) {
        bool done;

        if (!convert_nested(form, m, full, kv, out, &done, errp)) {
            return false;
        }
        if (done) {
            return true;
        }
    } else if (m->type[0] == '[') {
        g_autofree char *elem_type = g_strndup(m->type + 1,
                                               strlen(m->type) - 2);

        for (i = 0; i < kv->items->len; i++) {
            KeyValue *item = g_ptr_array_index(kv->items, i);

            if (!key_matches(m, item->key)) {
                continue;
            }
            /* keyval spells a list "name.0=..."; "name=" is a scalar. */
            if (form == FORM_KEYVAL && !strcmp(item->key, m->name)) {
                error_setg(errp, QERR_INVALID_PARAMETER_TYPE, full,
                           "array");
                json_decref(arr);
                return false;
            }
            if (!arr) {
                arr = json_array();
            }
            if (!append_list_value(form, arr, full, elem_type,
                                   item->value, errp)) {
                json_decref(arr);
                return false;
            }
        }
        if (arr) {
            json_object_set_new(out, m->name, arr);
            return true;
        }
    } else {
        /* A repeated scalar key: the last occurrence wins. */
        for (i = 0; i < kv->items->len; i++) {
            KeyValue *item = g_ptr_array_index(kv->items, i);

            if (!strcmp(item->key, m->name)) {
                last = item->value;
            }
        }
        if (last) {
            v = convert_scalar(form, full, m->type, last, errp);
            if (!v) {
                return false;
            }
            json_object_set_new(out, m->name, v);
            return true;
        }
    }
    if (!m->optional) {
        error_setg(errp, QERR_MISSING_PARAMETER, full);
        return false;
    }
    return true;
}

static bool convert_members(KeyvalForm form, const QapiMember *members,
                            int n, const KeyValueList *kv, const char *prefix,
                            json_t *out, Error **errp)
{
    int i;

    for (i = 0; i < n; i++) {
        if (!convert_member(form, &members[i], kv, prefix, out, errp)) {
            return false;
        }
    }
    return true;
}

static bool known_member_key(KeyvalForm form, const QapiMember *m,
                             const char *key)
{
    size_t len = strlen(m->name);

    if (key_matches(m, key)) {
        return true;
    }
    return form == FORM_KEYVAL && is_nested_member(m) &&
           !strncmp(key, m->name, len) && key[len] == '.';
}

static bool known_key(KeyvalForm form, const QapiTypeInfo *ti,
                      const QapiTypeInfo *branch, const char *key)
{
    int i;

    for (i = 0; i < ti->n_members; i++) {
        if (known_member_key(form, &ti->members[i], key)) {
            return true;
        }
    }
    for (i = 0; branch && i < branch->n_members; i++) {
        if (known_member_key(form, &branch->members[i], key)) {
            return true;
        }
    }
    return false;
}

/* @prefix: where the object sits ("image."), for error texts; or NULL. */
static json_t *keyval_to_json(KeyvalForm form, const char *type,
                              const KeyValueList *kv, const char *prefix,
                              Error **errp)
{
    const QapiTypeInfo *ti = qapi_type_lookup(type);
    const QapiTypeInfo *branch = NULL;
    json_t *out;
    guint i;

    if (!ti || (ti->kind != QAPI_KIND_STRUCT &&
                ti->kind != QAPI_KIND_UNION)) {
        error_setg(errp, "Type '%s' has no dotted-key form", type);
        return NULL;
    }
    out = json_object();
    if (!convert_members(form, ti->members, ti->n_members, kv, prefix, out,
                         errp)) {
        goto fail;
    }
    if (ti->kind == QAPI_KIND_UNION) {
        const char *tag = json_string_value(json_object_get(
                                                out, ti->discriminator));
        int n;

        for (n = 0; n < ti->n_variants; n++) {
            if (!strcmp(ti->variants[n].name, tag)) {
                branch = qapi_type_lookup(ti->variants[n].type);
                break;
            }
        }
        if (branch && !convert_members(form, branch->members,
                                       branch->n_members, kv, prefix, out,
                                       errp)) {
            goto fail;
        }
    }
    /* Like the opts visitor, leftover keys are reported last. */
    for (i = 0; i < kv->items->len; i++) {
        KeyValue *item = g_ptr_array_index(kv->items, i);

        if (!known_key(form, ti, branch, item->key)) {
            if (form == FORM_OPTS) {
                error_setg(errp, QERR_INVALID_PARAMETER, item->key);
            } else {
                error_setg(errp, "Parameter '%s%s' is unexpected",
                           prefix ? prefix : "", item->key);
            }
            goto fail;
        }
    }
    return out;

fail:
    json_decref(out);
    return NULL;
}

json_t *qapi_keyval_to_json(const char *type, const KeyValueList *kv,
                            Error **errp)
{
    return keyval_to_json(FORM_OPTS, type, kv, NULL, errp);
}

json_t *qapi_keyval_to_json_keyval(const char *type, const KeyValueList *kv,
                                   Error **errp)
{
    return keyval_to_json(FORM_KEYVAL, type, kv, NULL, errp);
}

json_t *qapi_json_option_parse(const char *type, const char *arg,
                               Error **errp)
{
    json_error_t jerr;
    json_t *options = json_loads(arg, JSON_REJECT_DUPLICATES, &jerr);

    if (!options) {
        error_setg(errp, "JSON parse error, %s", jerr.text);
        return NULL;
    }
    if (!qapi_validate(type, options, errp)) {
        json_decref(options);
        return NULL;
    }
    return options;
}
