/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runtime view of the QAPI schema (the qapi/ JSON files).
 * scripts/qapi-gen.py turns the schema into tables
 * (build/qapi/qapi-tables.c) and C enums (build/qapi/qapi-types.h); this
 * API validates and converts values with them.  Nothing else in the tree
 * knows member lists of schema types.
 */
#ifndef QAPI_SCHEMA_H
#define QAPI_SCHEMA_H

#include "qemu/osdep.h"
#include <jansson.h>
#include "qapi/error.h"
#include "qemu/option.h"
#include "qapi/qapi-types.h"   /* generated: enums + their QEnumLookup */

/*
 * Validate @value against schema type @type (struct, union, enum,
 * alternate, array "[T]" or builtin: "str", "int", "size", "uint16",
 * "uint32", "uint64", "bool", "number", "any", "null").  Error texts as
 * QEMU's QObject input visitor: "Parameter 'p' is missing",
 * "Parameter 'p' is unexpected", "Invalid parameter type for 'p',
 * expected: integer|boolean|string|object|array|number",
 * "Parameter 'p' does not accept value 'v'" (enum / union discriminator),
 * "Parameter 'p' expects uint64" (uint64/size not an integer),
 * "Parameter 'p' expects uint16_t" (range).  Nested members are named
 * "outer.inner" / "list[2]".  Like QEMU, "uint64" and "size" accept
 * negative integers (-1 is 2^64 - 1): JSON integers are int64, so read
 * such members with (uint64_t)json_integer_value().
 */
bool qapi_validate(const char *type, json_t *value, Error **errp);

/*
 * Convert dotted-form string options to the typed JSON object that
 * qapi_validate(@type) accepts: booleans on/off/yes/no/true/false, sizes
 * with suffixes, integers with base detection, [uint16] lists from repeated
 * keys and "a-b" ranges, enums checked.  Unknown key -> "Invalid parameter
 * 'k'"; conversion errors as QEMU's opts visitor ("Parameter 'share'
 * expects 'on' or 'off'", "Parameter 'size' expects a size value",
 * "Parameter 'prealloc-threads' expects uint32_t").  For flat unions
 * (ObjectOptions) the discriminator value selects the branch.  Returns a
 * new reference.
 */
json_t *qapi_keyval_to_json(const char *type, const KeyValueList *kv,
                            Error **errp);
/*
 * The same with the rules and texts of QEMU's keyval input visitor (HMP
 * object_add): booleans only on/off, lists only as "name.N=",
 * "Parameter 'size' expects size", "Parameter 'foo' is unexpected".
 */
json_t *qapi_keyval_to_json_keyval(const char *type, const KeyValueList *kv,
                                   Error **errp);
/*
 * The JSON form of an option (-object '{...}', -blockdev '{...}'):
 * parsed (duplicate keys refused, "JSON parse error, ...") and checked
 * against @type.  Returns a new reference.
 */
json_t *qapi_json_option_parse(const char *type, const char *arg,
                               Error **errp);

/* SchemaInfo list for query-qmp-schema (new reference). */
json_t *qapi_introspect(void);

/*
 * Help text of a member as registered for QOM (first line of the member's
 * doc comment) for user-creatable type @qom_type (walks ObjectOptions
 * branches and struct bases), or NULL.
 */
const char *qapi_qom_property_help(const char *qom_type, const char *prop);
/*
 * Schema member names of the ObjectOptions branch for @qom_type, base
 * members first (NULL-terminated, static), or NULL for an unknown type.
 */
const char *const *qapi_qom_property_names(const char *qom_type);
/* Is @qom_type a member of the ObjectType enum? */
bool qapi_qom_type_known(const char *qom_type);

/* Commands (table generated from the schema, handlers written by hand). */
typedef void QmpCommandFunc(json_t *args, json_t **ret, Error **errp);
typedef struct QmpCommand {
    const char *name;
    QmpCommandFunc *fn;
    const char *arg_type;     /* schema struct for arguments, or NULL */
    bool allow_oob;
    bool allow_preconfig;
} QmpCommand;
const QmpCommand *qmp_find_command(const char *name);
const QmpCommand *qmp_commands_list(size_t *n);

#endif
