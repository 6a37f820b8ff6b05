/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Splitting "[implied=]v0,key=value,..." option strings into key/value lists. */

#include "qemu/osdep.h"
#include "qemu/option.h"

static void key_value_free(gpointer p)
{
    KeyValue *kv = p;

    g_free(kv->key);
    g_free(kv->value);
    g_free(kv);
}

static void add_pair(KeyValueList *list, const char *key, char *value)
{
    KeyValue *kv = g_new(KeyValue, 1);

    kv->key = g_strdup(key);
    kv->value = value;
    g_ptr_array_add(list->items, kv);
}

/*
 * Copy one element starting at *p into a new string, turning ",," into
 * ",", and advance *p past the terminating single comma (or to the NUL).
 */
static char *next_element(const char **p)
{
    GString *s = g_string_new(NULL);
    const char *q = *p;

    while (*q) {
        if (*q == ',') {
            if (q[1] == ',') {
                g_string_append_c(s, ',');
                q += 2;
                continue;
            }
            q++;
            break;
        }
        g_string_append_c(s, *q);
        q++;
    }
    *p = q;
    return g_string_free(s, FALSE);
}

static bool is_help(const char *s)
{
    return !strcmp(s, "help") || !strcmp(s, "?");
}

KeyValueList *keyval_list_parse(const char *str, const char *implied_key,
                                Error **errp)
{
    KeyValueList *list = g_new0(KeyValueList, 1);
    const char *p = str ? str : "";
    bool first = true;

    list->items = g_ptr_array_new_with_free_func(key_value_free);
    while (*p) {
        char *elem = next_element(&p);
        char *eq;

        if (!*elem) {
            /* Stray empty elements ("a=1,") carry nothing; skip them. */
            g_free(elem);
            first = false;
            continue;
        }
        eq = strchr(elem, '=');
        if (!eq) {
            if (is_help(elem)) {
                list->help = true;
                g_free(elem);
            } else if (first) {
                if (!implied_key) {
                    error_setg(errp, QERR_INVALID_PARAMETER, elem);
                    g_free(elem);
                    keyval_list_free(list);
                    return NULL;
                }
                add_pair(list, implied_key, elem);
            } else {
                /* A bare later element is a flag: "key" means key=on. */
                add_pair(list, elem, g_strdup("on"));
                g_free(elem);
            }
        } else if (eq == elem) {
            error_setg(errp, QERR_INVALID_PARAMETER, "");
            g_free(elem);
            keyval_list_free(list);
            return NULL;
        } else {
            *eq = '\0';
            add_pair(list, elem, g_strdup(eq + 1));
            g_free(elem);
        }
        first = false;
    }
    return list;
}

void keyval_list_free(KeyValueList *list)
{
    if (!list) {
        return;
    }
    g_ptr_array_free(list->items, TRUE);
    g_free(list);
}

const char *keyval_list_get(const KeyValueList *list, const char *key)
{
    guint i;

    for (i = list->items->len; i > 0; i--) {
        KeyValue *kv = g_ptr_array_index(list->items, i - 1);

        if (!strcmp(kv->key, key)) {
            return kv->value;
        }
    }
    return NULL;
}

char *keyval_list_take(KeyValueList *list, const char *key)
{
    char *last = NULL;
    guint i = 0;

    while (i < list->items->len) {
        KeyValue *kv = g_ptr_array_index(list->items, i);

        if (!strcmp(kv->key, key)) {
            g_free(last);
            last = kv->value;
            kv->value = NULL;
            g_ptr_array_remove_index(list->items, i);
        } else {
            i++;
        }
    }
    return last;
}
