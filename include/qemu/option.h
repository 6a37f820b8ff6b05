/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Comma-separated option strings: "[implied=]v0,key=value,..." as used by
 * -object, -machine, -accel, -chardev, -m, -smp.  Values are strings here;
 * typed conversion happens once, from the QAPI schema (qapi/qapi-keyval.c)
 * or in the one place that owns a non-QAPI option.
 */
#ifndef QEMU_OPTION_H
#define QEMU_OPTION_H

#include "qemu/osdep.h"
#include "qapi/error.h"

typedef struct KeyValue {
    char *key;
    char *value;
} KeyValue;

typedef struct KeyValueList {
    GPtrArray *items;   /* KeyValue *, in command-line order, repeats kept */
    bool help;          /* "help" or "?" appeared as a key or the implied value */
} KeyValueList;

/*
 * ",," inside a value is a literal comma.  The first element without '='
 * is the value of @implied_key (NULL: no implied key, error
 * "Invalid parameter '<elem>'").  A later element without '=' is a flag:
 * "key" means key=on.  Empty key -> "Invalid parameter ''".
 */
KeyValueList *keyval_list_parse(const char *str, const char *implied_key,
                                Error **errp);
void keyval_list_free(KeyValueList *list);
/* Last value given for @key, or NULL. */
const char *keyval_list_get(const KeyValueList *list, const char *key);
/* Remove every occurrence of @key; returns the last value (caller frees). */
char *keyval_list_take(KeyValueList *list, const char *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KeyValueList, keyval_list_free)

#endif
