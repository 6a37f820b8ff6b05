/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a block driver implements and what it may see of a node: the
 * interface between block/block.c and the drivers in block/.
 */
#ifndef BLOCK_BLOCK_INT_H
#define BLOCK_BLOCK_INT_H

#include "block/block.h"

/* QEMU keeps node names in a 32-byte array, hence 31 characters. */
#define BDRV_NODE_NAME_SIZE 32

typedef enum BlockIOType {
    BDRV_IO_READ,
    BDRV_IO_WRITE,
    BDRV_IO_WRITE_ZEROES,
    BDRV_IO_DISCARD,
    BDRV_IO_FLUSH,
} BlockIOType;

typedef struct BlockDriver {
    const char *format_name;
    size_t instance_size;
    /* a filter passes I/O to one child, shown as its backing image */
    bool is_filter;
    /*
     * @options is the node's own BlockdevOptions object (children
     * inline are still inside it).  On failure bdrv_close is called
     * too, so it must cope with a half-opened state.
     */
    bool (*bdrv_open)(BlockDriverState *bs, json_t *options, Error **errp);
    void (*bdrv_close)(BlockDriverState *bs);
    int64_t (*bdrv_getlength)(BlockDriverState *bs);
    /* bytes the node takes on the host, or -1 when unknown */
    int64_t (*bdrv_get_allocated_file_size)(BlockDriverState *bs);
    /* Requests are within the node; each returns 0 or -errno. */
    int (*bdrv_preadv)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       void *buf);
    int (*bdrv_pwritev)(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        const void *buf);
    int (*bdrv_pwrite_zeroes)(BlockDriverState *bs, int64_t offset,
                              int64_t bytes);
    int (*bdrv_pdiscard)(BlockDriverState *bs, int64_t offset,
                         int64_t bytes);
    int (*bdrv_flush)(BlockDriverState *bs);
    void (*bdrv_debug_event)(BlockDriverState *bs, BlkdebugEvent event);
    /*
     * The node's short file name ("null-co://") when its options allow
     * one, else NULL and query results show "json:{options}".
     */
    char *(*bdrv_refresh_filename)(BlockDriverState *bs);
} BlockDriver;

struct BdrvChild {
    char *name;                 /* role, e.g. "image" */
    BlockDriverState *bs;
    BlockDriverState *parent;
};

struct BlockDriverState {
    const BlockDriver *drv;
    void *opaque;
    char node_name[BDRV_NODE_NAME_SIZE];
    int refcnt;
    json_t *options;            /* as opened, with inherited defaults */
    GPtrArray *children;        /* BdrvChild *, in attach order */
    bool read_only;
    bool auto_read_only;
    bool force_share;
    bool active;
    bool cache_direct;
    bool cache_no_flush;
    bool discard_unmap;
    BlockdevDetectZeroesOptions detect_zeroes;
    uint32_t request_alignment; /* 1 unless a driver asks for more */
    uint32_t max_transfer;      /* 0: no limit */
    bool opening;               /* its driver's open has not returned yet */
};

extern const BlockDriver bdrv_null_co;
extern const BlockDriver bdrv_null_aio;
extern const BlockDriver bdrv_blkdebug;

/*
 * Open child @role of @parent from @ref (a BlockdevRef: inline options,
 * which inherit the parent's read-only, cache and force-share settings,
 * or the name of an existing node).  QEMU's error for an unknown name.
 */
BdrvChild *bdrv_open_child(BlockDriverState *parent, json_t *ref,
                           const char *role, Error **errp);
/* Is @key a member every node has (BlockdevOptions' base)? */
bool bdrv_is_base_option(const char *key);

/*
 * Parse a blkdebug configuration file (QEMU's -readconfig syntax with
 * [inject-error] and [set-state] sections): append one object per
 * section to @inject / @set_state, typed like the inject-error and
 * set-state options.  Event and iotype names are checked later, when
 * the rules are made, as QEMU does.
 */
bool blkdebug_parse_config(FILE *f, json_t *inject, json_t *set_state,
                           Error **errp);

/* The single child of a filter, or NULL. */
BlockDriverState *bdrv_filter_bs(BlockDriverState *bs);

#endif
