/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "container" type: plain nodes of the composition tree (/, /objects). */

#include "qemu/osdep.h"
#include "qom/object.h"

Object *container_get(Object *root, const char *path)
{
    char **parts = g_strsplit(path, "/", 0);
    Object *obj = root;

    for (char **p = parts; *p; p++) {
        Object *child;

        if (!**p) {
            continue;
        }
        child = object_resolve_path_component(obj, *p);
        if (!child) {
            child = object_new(TYPE_CONTAINER);
            object_property_add_child(obj, *p, child);
            /* The tree holds the only reference from here on. */
            object_unref(child);
        }
        obj = child;
    }
    g_strfreev(parts);
    return obj;
}

static const TypeInfo container_info = {
    .name = TYPE_CONTAINER,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(Object),
};

static void container_register_types(void)
{
    type_register_static(&container_info);
}

type_init(container_register_types)
