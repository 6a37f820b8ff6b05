/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QOM's view of the schema: which object types are user-creatable, their
 * property names and help texts, all read from the ObjectOptions union.
 */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"
#include "qapi/qapi-internal.h"

/* Properties struct of the ObjectOptions branch for @qom_type, or NULL. */
static const QapiTypeInfo *qom_branch(const char *qom_type)
{
    const QapiTypeInfo *opts = qapi_type_lookup("ObjectOptions");
    int i;

    g_assert(opts && opts->kind == QAPI_KIND_UNION);
    for (i = 0; i < opts->n_variants; i++) {
        if (!strcmp(opts->variants[i].name, qom_type)) {
            return qapi_type_lookup(opts->variants[i].type);
        }
    }
    return NULL;
}

const char *qapi_qom_property_help(const char *qom_type, const char *prop)
{
    const QapiTypeInfo *ti = qom_branch(qom_type);
    int i;

    for (i = 0; ti && i < ti->n_members; i++) {
        if (!strcmp(ti->members[i].name, prop)) {
            return ti->members[i].qom_help;
        }
    }
    return NULL;
}

const char *const *qapi_qom_property_names(const char *qom_type)
{
    static GHashTable *cache;
    G_LOCK_DEFINE_STATIC(cache);
    const QapiTypeInfo *ti = qom_branch(qom_type);
    const char **names;
    int i;

    if (!ti) {
        return NULL;
    }
    /* Built once per type and kept for the life of the process. */
    G_LOCK(cache);
    if (!cache) {
        cache = g_hash_table_new(g_str_hash, g_str_equal);
    }
    names = g_hash_table_lookup(cache, ti->name);
    if (!names) {
        names = g_new0(const char *, ti->n_members + 1);
        for (i = 0; i < ti->n_members; i++) {
            names[i] = ti->members[i].name;
        }
        g_hash_table_insert(cache, (gpointer)ti->name, names);
    }
    G_UNLOCK(cache);
    return names;
}

bool qapi_qom_type_known(const char *qom_type)
{
    int i;

    for (i = 0; i < OBJECT_TYPE__MAX; i++) {
        if (!strcmp(ObjectType_lookup.array[i], qom_type)) {
            return true;
        }
    }
    return false;
}
