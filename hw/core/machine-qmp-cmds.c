/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP query-memdev. */
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
