/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP query-memdev and the human monitor's "info memdev". */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"
#include "qapi/qapi-commands.h"
#include "qom/object.h"
#include "system/hostmem.h"

static int memdev_collect(Object *child, void *opaque)
{
    json_t *list = opaque;
    static const char *const bools[] = {
        "merge", "dump", "prealloc", "share",
    };
    HostMemoryBackend *backend;
    json_t *m;
    json_t *v;

    if (!object_dynamic_cast(child, TYPE_MEMORY_BACKEND)) {
        return 0;
    }
    backend = MEMORY_BACKEND(child);
    /* Member order is the schema's (spec: Memdev as serialized). */
    m = json_object();
    json_object_set_new(m, "id", json_string(
                            object_get_canonical_path_component(child)));
    json_object_set_new(m, "size", json_integer(backend->size));
    for (size_t i = 0; i < ARRAY_SIZE(bools); i++) {
        json_object_set_new(m, bools[i],
                            json_boolean(object_property_get_bool(child,
                                                                  bools[i],
                                                                  NULL)));
    }
    if (object_property_find(child, "reserve")) {
        json_object_set_new(m, "reserve",
                            json_boolean(object_property_get_bool(child,
                                                                  "reserve",
                                                                  NULL)));
    }
    v = object_property_get(child, "host-nodes", NULL);
    json_object_set_new(m, "host-nodes", v ? v : json_array());
    v = object_property_get(child, "policy", NULL);
    json_object_set_new(m, "policy", v ? v : json_string("default"));
    /* Present only for guest_memfd memory (schema: absent otherwise). */
    if (host_memory_backend_is_guest_memfd(backend)) {
        json_object_set_new(m, "guest-memfd", json_true());
    }
    json_array_append_new(list, m);
    return 0;
}

void qmp_query_memdev(json_t *args, json_t **ret, Error **errp)
{
    json_t *list = json_array();

    object_child_foreach(object_get_objects_root(), memdev_collect, list);
    *ret = list;
}

/* "0-1,3" as QEMU's string output visitor prints a uint16 list. */
static void append_ranges(GString *out, json_t *nodes)
{
    size_t i = 0;
    size_t n = json_array_size(nodes);

    while (i < n) {
        json_int_t lo = json_integer_value(json_array_get(nodes, i));
        json_int_t hi = lo;

        while (i + 1 < n &&
               json_integer_value(json_array_get(nodes, i + 1)) == hi + 1) {
            hi++;
            i++;
        }
        if (out->len && out->str[out->len - 1] != ' ') {
            g_string_append_c(out, ',');
        }
        if (lo == hi) {
            g_string_append_printf(out, "%" JSON_INTEGER_FORMAT, lo);
        } else {
            g_string_append_printf(out, "%" JSON_INTEGER_FORMAT "-%"
                                   JSON_INTEGER_FORMAT, lo, hi);
        }
        i++;
    }
}

static char *hmp_info_memdev(void)
{
    GString *out = g_string_new(NULL);
    json_t *list = NULL;
    size_t i;
    json_t *m;

    qmp_query_memdev(NULL, &list, NULL);
    json_array_foreach(list, i, m) {
        json_t *reserve = json_object_get(m, "reserve");

        g_string_append_printf(out, "memory backend: %s\n",
                               json_string_value(json_object_get(m, "id")));
        g_string_append_printf(out, "  size:  %" JSON_INTEGER_FORMAT "\n",
                               json_integer_value(json_object_get(m, "size")));
        g_string_append_printf(out, "  merge: %s\n",
                               json_is_true(json_object_get(m, "merge")) ?
                               "true" : "false");
        g_string_append_printf(out, "  dump: %s\n",
                               json_is_true(json_object_get(m, "dump")) ?
                               "true" : "false");
        g_string_append_printf(out, "  prealloc: %s\n",
                               json_is_true(json_object_get(m, "prealloc")) ?
                               "true" : "false");
        g_string_append_printf(out, "  share: %s\n",
                               json_is_true(json_object_get(m, "share")) ?
                               "true" : "false");
        if (reserve) {
            g_string_append_printf(out, "  reserve: %s\n",
                                   json_is_true(reserve) ? "true" : "false");
        }
        g_string_append_printf(out, "  policy: %s\n",
                               json_string_value(json_object_get(m,
                                                                 "policy")));
        g_string_append(out, "  host nodes: ");
        append_ranges(out, json_object_get(m, "host-nodes"));
        g_string_append_c(out, '\n');
    }
    json_decref(list);
    return g_string_free(out, FALSE);
}

void qmp_human_monitor_command(json_t *args, json_t **ret, Error **errp)
{
    const char *line = json_string_value(json_object_get(args,
                                                         "command-line"));
    g_auto(GStrv) words = g_strsplit_set(line, " \t", -1);
    GPtrArray *argv = g_ptr_array_new();

    for (char **w = words; *w; w++) {
        if (**w) {
            g_ptr_array_add(argv, *w);
        }
    }
    if (argv->len == 2 && !strcmp(argv->pdata[0], "info") &&
        !strcmp(argv->pdata[1], "memdev")) {
        char *text = hmp_info_memdev();

        *ret = json_string(text);
        g_free(text);
    } else {
        error_setg(errp, "The human monitor here supports only 'info "
                   "memdev'; use QMP for '%s'", line);
    }
    g_ptr_array_free(argv, TRUE);
}
