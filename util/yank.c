/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The yank instances and the QMP commands yank and query-yank. */
#include "qemu/osdep.h"
#include <jansson.h>
#include "qemu/yank.h"
#include "qapi/qapi-schema.h"

typedef struct YankEntry {
    json_t *instance;       /* {"type": ..., key: name} */
    YankFunc *fn;
    void *opaque;
} YankEntry;

/* Taken by the I/O thread too: a plain lock, never held while blocking. */
static GMutex yank_lock;
static GList *yank_entries;      /* YankEntry *, newest first */

static json_t *yank_instance(const char *type, const char *key,
                             const char *name)
{
    return json_pack("{s:s,s:s}", "type", type, key, name);
}

void yank_register(const char *type, const char *key, const char *name,
                   YankFunc *fn, void *opaque)
{
    YankEntry *e = g_new0(YankEntry, 1);

    e->instance = yank_instance(type, key, name);
    e->fn = fn;
    e->opaque = opaque;
    g_mutex_lock(&yank_lock);
    yank_entries = g_list_prepend(yank_entries, e);
    g_mutex_unlock(&yank_lock);
}

/* Called with yank_lock held. */
static GList *yank_find(json_t *instance)
{
    for (GList *l = yank_entries; l; l = l->next) {
        YankEntry *e = l->data;

        if (json_equal(e->instance, instance)) {
            return l;
        }
    }
    return NULL;
}

void yank_unregister(const char *type, const char *key, const char *name)
{
    json_t *instance = yank_instance(type, key, name);
    GList *l;

    g_mutex_lock(&yank_lock);
    l = yank_find(instance);
    if (l) {
        YankEntry *e = l->data;

        yank_entries = g_list_delete_link(yank_entries, l);
        json_decref(e->instance);
        g_free(e);
    }
    g_mutex_unlock(&yank_lock);
    json_decref(instance);
}

void qmp_yank(json_t *args, json_t **ret, Error **errp)
{
    json_t *instances = json_object_get(args, "instances");
    size_t i;
    json_t *inst;

    g_mutex_lock(&yank_lock);
    /* All or nothing, as QEMU: look every instance up first. */
    json_array_foreach(instances, i, inst) {
        if (!yank_find(inst)) {
            g_mutex_unlock(&yank_lock);
            error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND,
                      "Instance not found");
            return;
        }
    }
    json_array_foreach(instances, i, inst) {
        YankEntry *e = yank_find(inst)->data;

        e->fn(e->opaque);
    }
    g_mutex_unlock(&yank_lock);
}

void qmp_query_yank(json_t *args, json_t **ret, Error **errp)
{
    json_t *list = json_array();

    g_mutex_lock(&yank_lock);
    for (GList *l = yank_entries; l; l = l->next) {
        YankEntry *e = l->data;

        json_array_append(list, e->instance);
    }
    g_mutex_unlock(&yank_lock);
    *ret = list;
}
