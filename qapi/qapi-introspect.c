/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Serves query-qmp-schema from the SchemaInfo list generated at build time. */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"
#include "qapi/qapi-internal.h"

json_t *qapi_introspect(void)
{
    json_error_t err;
    json_t *info = json_loads(qapi_introspect_json, 0, &err);

    /* The generator wrote this text with json.dumps(); it always parses. */
    g_assert(json_is_array(info));
    return info;
}
