/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor's side of the block layer: blockdev-add, blockdev-del,
 * query-named-block-nodes and -blockdev, with the nodes they own.
 */
#include "qemu/osdep.h"
#include "qapi/qapi-commands.h"
#include "block/block_int.h"

/* Nodes made by blockdev-add / -blockdev, in creation order. */
static GList *monitor_bdrv_states;

bool blockdev_add(json_t *options, Error **errp)
{
    BlockDriverState *bs;

    if (!json_is_string(json_object_get(options, "node-name"))) {
        error_setg(errp, "'node-name' must be specified for the root node");
        return false;
    }
    bs = bdrv_open_blockdev(options, errp);
    if (!bs) {
        return false;
    }
    monitor_bdrv_states = g_list_append(monitor_bdrv_states, bs);
    return true;
}

json_t *blockdev_parse_option(const char *arg, Error **errp)
{
    json_t *options;

    if (arg[0] == '{') {
        return qapi_json_option_parse("BlockdevOptions", arg, errp);
    } else {
        g_autoptr(KeyValueList) kv = keyval_list_parse(arg, "driver", errp);

        if (!kv) {
            return NULL;
        }
        options = qapi_keyval_to_json_keyval("BlockdevOptions", kv, errp);
        if (!options) {
            return NULL;
        }
    }
    if (!qapi_validate("BlockdevOptions", options, errp)) {
        json_decref(options);
        return NULL;
    }
    return options;
}

/* One -blockdev, parsed at option time and opened after early objects. */
typedef struct BlockdevQueued {
    char *loc;                  /* "-blockdev ARG", QEMU's error location */
    json_t *options;
} BlockdevQueued;

static GPtrArray *blockdev_queue;

bool blockdev_queue_option(const char *optname, const char *arg,
                           Error **errp)
{
    json_t *options = blockdev_parse_option(arg, errp);
    BlockdevQueued *q;

    if (!options) {
        error_prepend(errp, "-%s %s: ", optname, arg);
        return false;
    }
    if (!blockdev_queue) {
        blockdev_queue = g_ptr_array_new();
    }
    q = g_new0(BlockdevQueued, 1);
    q->loc = g_strdup_printf("-%s %s", optname, arg);
    q->options = options;
    g_ptr_array_add(blockdev_queue, q);
    return true;
}

bool blockdev_open_queued(Error **errp)
{
    bool ok = true;
    guint i;

    for (i = 0; blockdev_queue && i < blockdev_queue->len; i++) {
        BlockdevQueued *q = g_ptr_array_index(blockdev_queue, i);

        /* unlike -object, QEMU keeps the option's location here */
        if (ok && !blockdev_add(q->options, errp)) {
            error_prepend(errp, "%s: ", q->loc);
            ok = false;
        }
        json_decref(q->options);
        g_free(q->loc);
        g_free(q);
    }
    if (blockdev_queue) {
        g_ptr_array_free(blockdev_queue, TRUE);
        blockdev_queue = NULL;
    }
    return ok;
}

void blockdev_close_all_bdrv_states(void)
{
    GList *l;

    /* the newest first: a node may use an older one as its child */
    for (l = g_list_last(monitor_bdrv_states); l; l = l->prev) {
        bdrv_unref(l->data);
    }
    g_list_free(monitor_bdrv_states);
    monitor_bdrv_states = NULL;
}

void qmp_blockdev_add(json_t *args, json_t **ret, Error **errp)
{
    blockdev_add(args, errp);
}

void qmp_blockdev_del(json_t *args, json_t **ret, Error **errp)
{
    const char *name = json_string_value(json_object_get(args, "node-name"));
    BlockDriverState *bs = bdrv_find_node(name);

    if (!bs) {
        error_setg(errp, "Failed to find node with node-name='%s'", name);
        return;
    }
    if (!g_list_find(monitor_bdrv_states, bs)) {
        error_setg(errp, "Node %s is not owned by the monitor",
                   bdrv_get_node_name(bs));
        return;
    }
    /* QEMU names the device first; nodes here have no device */
    if (bdrv_get_refcnt(bs) > 1) {
        error_setg(errp, "Block device %s is in use",
                   bdrv_get_node_name(bs));
        return;
    }
    monitor_bdrv_states = g_list_remove(monitor_bdrv_states, bs);
    bdrv_unref(bs);
}

void qmp_query_named_block_nodes(json_t *args, json_t **ret, Error **errp)
{
    *ret = bdrv_named_nodes_list(json_is_true(json_object_get(args,
                                                              "flat")));
}
