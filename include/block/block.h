/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The block layer's public interface: opening and closing nodes of the
 * block graph, finding them by name, and synchronous I/O on them.
 */
#ifndef BLOCK_BLOCK_H
#define BLOCK_BLOCK_H

#include "qemu/osdep.h"
#include <jansson.h>
#include "qapi/error.h"
#include "qapi/qapi-schema.h"

#define BDRV_SECTOR_SIZE 512

typedef struct BlockDriverState BlockDriverState;
typedef struct BdrvChild BdrvChild;

/*
 * Open a node (and the children given inline in it) from @options, a
 * BlockdevOptions object that qapi_validate() accepted; @options is
 * not modified.  The caller holds the only reference.  A node without
 * "node-name" gets a generated one.
 */
BlockDriverState *bdrv_open_blockdev(json_t *options, Error **errp);
void bdrv_ref(BlockDriverState *bs);
/* Drop a reference; the last one closes the node and its children. */
void bdrv_unref(BlockDriverState *bs);

BlockDriverState *bdrv_find_node(const char *node_name);
/* Iterate over all nodes, the most recently opened first; NULL starts. */
BlockDriverState *bdrv_next_node(BlockDriverState *bs);
const char *bdrv_get_node_name(const BlockDriverState *bs);
const char *bdrv_get_format_name(const BlockDriverState *bs);
int bdrv_get_refcnt(const BlockDriverState *bs);
bool bdrv_is_read_only(const BlockDriverState *bs);
/* Child @role of @bs ("image"), or NULL. */
BlockDriverState *bdrv_get_child(BlockDriverState *bs, const char *role);

/*
 * Synchronous I/O.  Each returns 0 or a negative errno: -EIO for a
 * request outside the node, -EPERM for a write to a read-only node,
 * or whatever the driver fails with.
 */
int64_t bdrv_getlength(BlockDriverState *bs);
int bdrv_pread(BlockDriverState *bs, int64_t offset, int64_t bytes,
               void *buf);
int bdrv_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes,
                const void *buf);
int bdrv_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes);
int bdrv_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes);
int bdrv_flush(BlockDriverState *bs);

/*
 * Announce @event on @bs, as a format driver does on its file child;
 * blkdebug arms its rules on such events.
 */
void bdrv_debug_event(BlockDriverState *bs, BlkdebugEvent event);

/* The file name query-named-block-nodes shows for @bs (g_free it). */
char *bdrv_get_filename(BlockDriverState *bs);
/* query-named-block-nodes' list (new reference). */
json_t *bdrv_named_nodes_list(bool flat);

/*
 * blockdev.c: nodes the monitor owns.  blockdev_add() is blockdev-add
 * on validated BlockdevOptions; blockdev_parse_option() turns a
 * -blockdev argument (dotted keys or JSON) into them.
 */
bool blockdev_add(json_t *options, Error **errp);
json_t *blockdev_parse_option(const char *arg, Error **errp);
/*
 * -blockdev: parse now (errors prefixed "-blockdev ARG: "), open in
 * blockdev_open_queued() once the early objects exist, with the same
 * prefix, as QEMU does.  The queue is emptied either way.
 */
bool blockdev_queue_option(const char *optname, const char *arg,
                           Error **errp);
bool blockdev_open_queued(Error **errp);
void blockdev_close_all_bdrv_states(void);

#endif
