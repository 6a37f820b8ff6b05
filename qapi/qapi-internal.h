/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Layout of the schema tables that scripts/qapi-gen.py writes into
 * build/qapi/qapi-tables.c; private to the qapi/ runtime.
 */
#ifndef QAPI_QAPI_INTERNAL_H
#define QAPI_QAPI_INTERNAL_H

#include "qemu/osdep.h"
#include "qom/object.h"

typedef enum QapiKind {
    QAPI_KIND_BUILTIN,
    QAPI_KIND_ENUM,
    QAPI_KIND_STRUCT,
    QAPI_KIND_UNION,
    QAPI_KIND_ALTERNATE,
    QAPI_KIND_ARRAY,
} QapiKind;

typedef struct QapiMember {
    const char *name;       /* member name; union variant: tag value */
    const char *type;       /* type name, arrays spelled "[T]" */
    bool optional;
    const char *qom_help;   /* first line of the member doc, or NULL */
} QapiMember;

typedef struct QapiTypeInfo {
    const char *name;
    QapiKind kind;
    const QEnumLookup *lookup;      /* enum */
    const char *base;               /* struct, union */
    /* struct, union: all members, base ones first; alternate: choices */
    const QapiMember *members;
    int n_members;
    const char *discriminator;      /* union */
    const QapiMember *variants;     /* union */
    int n_variants;
    const char *element_type;       /* array */
} QapiTypeInfo;

/* Generated. */
extern const QapiTypeInfo qapi_type_table[];
extern const size_t qapi_type_table_len;
extern const char qapi_introspect_json[];

/* NULL if @name is not a schema or builtin type. */
const QapiTypeInfo *qapi_type_lookup(const char *name);

#endif
