/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The block graph: nodes, their names, children and references, and the
 * synchronous request path every driver is reached through.
 */
#include "qemu/osdep.h"
#include "qom/object_interfaces.h"   /* id_wellformed() */
#include "block/block_int.h"

static const BlockDriver *const block_drivers[] = {
    &bdrv_blkdebug,
    &bdrv_null_aio,
    &bdrv_null_co,
};

/* Every open node, the most recently opened first (QEMU's query order). */
static GList *graph_nodes;

static const BlockDriver *bdrv_find_format(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(block_drivers); i++) {
        if (!strcmp(block_drivers[i]->format_name, name)) {
            return block_drivers[i];
        }
    }
    return NULL;
}

BlockDriverState *bdrv_find_node(const char *node_name)
{
    GList *l;

    for (l = graph_nodes; l; l = l->next) {
        BlockDriverState *bs = l->data;

        if (!strcmp(bs->node_name, node_name)) {
            return bs;
        }
    }
    return NULL;
}

BlockDriverState *bdrv_next_node(BlockDriverState *bs)
{
    GList *l;

    if (!bs) {
        return graph_nodes ? graph_nodes->data : NULL;
    }
    l = g_list_find(graph_nodes, bs);
    return l && l->next ? l->next->data : NULL;
}

const char *bdrv_get_node_name(const BlockDriverState *bs)
{
    return bs->node_name;
}

const char *bdrv_get_format_name(const BlockDriverState *bs)
{
    return bs->drv->format_name;
}

int bdrv_get_refcnt(const BlockDriverState *bs)
{
    return bs->refcnt;
}

bool bdrv_is_read_only(const BlockDriverState *bs)
{
    return bs->read_only;
}

BlockDriverState *bdrv_get_child(BlockDriverState *bs, const char *role)
{
    guint i;

    for (i = 0; i < bs->children->len; i++) {
        BdrvChild *c = g_ptr_array_index(bs->children, i);

        if (!strcmp(c->name, role)) {
            return c->bs;
        }
    }
    return NULL;
}

BlockDriverState *bdrv_filter_bs(BlockDriverState *bs)
{
    if (!bs->drv->is_filter || !bs->children->len) {
        return NULL;
    }
    return ((BdrvChild *)g_ptr_array_index(bs->children, 0))->bs;
}

/*
 * QEMU's generated names: '#' cannot start a user's name, then the
 * subsystem, a counter and two random digits.
 */
static char *bdrv_generate_node_name(void)
{
    static uint64_t counter;

    return g_strdup_printf("#block%" PRIu64 "%02d", counter++,
                           (int)g_random_int_range(0, 100));
}

static bool bdrv_assign_node_name(BlockDriverState *bs, const char *name,
                                  Error **errp)
{
    g_autofree char *generated = NULL;

    if (!name) {
        name = generated = bdrv_generate_node_name();
    } else if (!id_wellformed(name)) {
        error_setg(errp, "Invalid node-name: '%s'", name);
        return false;
    }
    if (bdrv_find_node(name)) {
        error_setg(errp, "Duplicate nodes with node-name='%s'", name);
        return false;
    }
    if (strlen(name) >= sizeof(bs->node_name)) {
        error_setg(errp, "Node name too long");
        return false;
    }
    g_strlcpy(bs->node_name, name, sizeof(bs->node_name));
    graph_nodes = g_list_prepend(graph_nodes, bs);
    return true;
}

static bool opt_bool(json_t *options, const char *key, bool def)
{
    json_t *v = json_object_get(options, key);

    return v ? json_is_true(v) : def;
}

static void bdrv_child_free(BdrvChild *c)
{
    bdrv_unref(c->bs);
    g_free(c->name);
    g_free(c);
}

/* Close and free @bs; safe on a node whose open failed half-way. */
static void bdrv_delete(BlockDriverState *bs)
{
    if (bs->drv && bs->drv->bdrv_close) {
        bs->drv->bdrv_close(bs);
    }
    /* children go last: the driver may still flush to them */
    while (bs->children->len) {
        bdrv_child_free(g_ptr_array_steal_index(bs->children,
                                                bs->children->len - 1));
    }
    g_ptr_array_free(bs->children, TRUE);
    graph_nodes = g_list_remove(graph_nodes, bs);
    json_decref(bs->options);
    g_free(bs->opaque);
    g_free(bs);
}

/* Takes over @options (a validated BlockdevOptions object). */
static BlockDriverState *bdrv_open_common(json_t *options, Error **errp)
{
    const char *driver = json_string_value(json_object_get(options,
                                                           "driver"));
    const BlockDriver *drv = bdrv_find_format(driver);
    json_t *cache = json_object_get(options, "cache");
    const char *discard = json_string_value(json_object_get(options,
                                                            "discard"));
    const char *dz = json_string_value(json_object_get(options,
                                                       "detect-zeroes"));
    BlockDriverState *bs;

    g_assert(drv);
    bs = g_new0(BlockDriverState, 1);
    bs->drv = drv;
    bs->refcnt = 1;
    bs->options = options;
    bs->children = g_ptr_array_new();
    bs->request_alignment = 1;
    bs->read_only = opt_bool(options, "read-only", false);
    bs->auto_read_only = opt_bool(options, "auto-read-only", false);
    bs->force_share = opt_bool(options, "force-share", false);
    bs->active = opt_bool(options, "active", true);
    bs->cache_direct = cache && opt_bool(cache, "direct", false);
    bs->cache_no_flush = cache && opt_bool(cache, "no-flush", false);
    bs->discard_unmap = discard && !strcmp(discard, "unmap");
    bs->detect_zeroes = BLOCKDEV_DETECT_ZEROES_OPTIONS_OFF;
    if (dz) {
        /* the schema checked the value */
        bs->detect_zeroes = qapi_enum_parse(&BlockdevDetectZeroesOptions_lookup,
                                            dz);
    }

    /* QEMU's order (bdrv_open_common): flags, then the name, then open. */
    if (bs->force_share && !bs->read_only) {
        error_setg(errp, "force-share=on can only be used with read-only "
                   "images");
        goto fail_early;
    }
    if (bs->detect_zeroes == BLOCKDEV_DETECT_ZEROES_OPTIONS_UNMAP &&
        !bs->discard_unmap) {
        error_setg(errp, "setting detect-zeroes to unmap is not allowed "
                   "without setting discard operation to unmap");
        goto fail_early;
    }
    if (!bdrv_assign_node_name(bs, json_string_value(
                                   json_object_get(options, "node-name")),
                               errp)) {
        goto fail_early;
    }
    bs->opaque = g_malloc0(drv->instance_size);
    bs->opening = true;
    if (!drv->bdrv_open(bs, options, errp)) {
        bdrv_delete(bs);
        return NULL;
    }
    bs->opening = false;
    return bs;

fail_early:
    bs->drv = NULL;
    bdrv_delete(bs);
    return NULL;
}

BlockDriverState *bdrv_open_blockdev(json_t *options, Error **errp)
{
    return bdrv_open_common(json_deep_copy(options), errp);
}

static void set_default_bool(json_t *obj, const char *key, bool value)
{
    if (!json_object_get(obj, key)) {
        json_object_set_new(obj, key, json_boolean(value));
    }
}

/* A child made inline takes what its parent says, unless it says itself. */
static void bdrv_inherit_options(BlockDriverState *parent, json_t *child)
{
    json_t *cache = json_object_get(child, "cache");

    set_default_bool(child, "read-only", parent->read_only);
    set_default_bool(child, "auto-read-only", parent->auto_read_only);
    set_default_bool(child, "force-share", parent->force_share);
    if (!cache) {
        cache = json_object();
        json_object_set_new(child, "cache", cache);
    }
    set_default_bool(cache, "direct", parent->cache_direct);
    set_default_bool(cache, "no-flush", parent->cache_no_flush);
    /* QEMU lets children below a node pass discards on. */
    if (!json_object_get(child, "discard")) {
        json_object_set_new(child, "discard", json_string("unmap"));
    }
}

BdrvChild *bdrv_open_child(BlockDriverState *parent, json_t *ref,
                           const char *role, Error **errp)
{
    BlockDriverState *bs;
    BdrvChild *c;

    if (json_is_string(ref)) {
        const char *name = json_string_value(ref);

        /* QEMU looks for a device first; there are no devices here. */
        bs = bdrv_find_node(name);
        if (!bs) {
            error_setg(errp, "Cannot find device='%s' nor node-name='%s'",
                       name, name);
            return NULL;
        }
        /* only the parent and its ancestors are still being opened */
        if (bs->opening) {
            error_setg(errp, "Making '%s' a %s child of '%s' would create a "
                       "cycle", name, role, parent->node_name);
            return NULL;
        }
        bdrv_ref(bs);
    } else {
        json_t *copy = json_deep_copy(ref);

        bdrv_inherit_options(parent, copy);
        bs = bdrv_open_common(copy, errp);
        if (!bs) {
            return NULL;
        }
    }
    c = g_new0(BdrvChild, 1);
    c->name = g_strdup(role);
    c->bs = bs;
    c->parent = parent;
    g_ptr_array_add(parent->children, c);
    return c;
}

void bdrv_ref(BlockDriverState *bs)
{
    bs->refcnt++;
}

void bdrv_unref(BlockDriverState *bs)
{
    if (!bs) {
        return;
    }
    g_assert(bs->refcnt > 0);
    if (--bs->refcnt == 0) {
        bdrv_delete(bs);
    }
}

/* -- requests ----------------------------------------------------------- */

int64_t bdrv_getlength(BlockDriverState *bs)
{
    return bs->drv->bdrv_getlength(bs);
}

static int bdrv_check_request(BlockDriverState *bs, int64_t offset,
                              int64_t bytes)
{
    int64_t len = bdrv_getlength(bs);

    if (len < 0) {
        return len;
    }
    if (offset < 0 || bytes < 0 || offset > len || bytes > len - offset) {
        return -EIO;
    }
    return 0;
}

/* One driver call per max_transfer piece; requests are aligned here. */
static int bdrv_driver_io(BlockDriverState *bs, BlockIOType type,
                          int64_t offset, int64_t bytes, void *buf)
{
    int64_t chunk = bs->max_transfer ? bs->max_transfer : bytes;
    int ret = 0;

    do {
        int64_t n = MIN(bytes, chunk);

        switch (type) {
        case BDRV_IO_READ:
            ret = bs->drv->bdrv_preadv(bs, offset, n, buf);
            break;
        case BDRV_IO_WRITE:
            ret = bs->drv->bdrv_pwritev(bs, offset, n, buf);
            break;
        case BDRV_IO_WRITE_ZEROES:
            ret = bs->drv->bdrv_pwrite_zeroes(bs, offset, n);
            break;
        case BDRV_IO_DISCARD:
            ret = bs->drv->bdrv_pdiscard(bs, offset, n);
            break;
        case BDRV_IO_FLUSH:
            g_assert_not_reached();
        }
        if (ret < 0) {
            return ret;
        }
        offset += n;
        bytes -= n;
        if (buf) {
            buf = (uint8_t *)buf + n;
        }
    } while (bytes > 0);
    return 0;
}

/* The aligned range around [offset, offset + bytes), inside the node. */
static void bdrv_align_range(BlockDriverState *bs, int64_t offset,
                             int64_t bytes, int64_t *start, int64_t *end)
{
    int64_t align = bs->request_alignment;

    *start = offset / align * align;
    *end = MIN((offset + bytes + align - 1) / align * align,
               bdrv_getlength(bs));
}

static bool bdrv_is_aligned(BlockDriverState *bs, int64_t offset,
                            int64_t bytes)
{
    return offset % bs->request_alignment == 0 &&
           bytes % bs->request_alignment == 0;
}

int bdrv_pread(BlockDriverState *bs, int64_t offset, int64_t bytes,
               void *buf)
{
    int64_t start, end;
    g_autofree uint8_t *bounce = NULL;
    int ret = bdrv_check_request(bs, offset, bytes);

    if (ret < 0 || !bytes) {
        return ret;
    }
    if (bdrv_is_aligned(bs, offset, bytes)) {
        return bdrv_driver_io(bs, BDRV_IO_READ, offset, bytes, buf);
    }
    bdrv_align_range(bs, offset, bytes, &start, &end);
    bounce = g_malloc(end - start);
    /* what a driver leaves alone must read as the caller's buffer */
    memcpy(bounce + (offset - start), buf, bytes);
    ret = bdrv_driver_io(bs, BDRV_IO_READ, start, end - start, bounce);
    if (ret == 0) {
        memcpy(buf, bounce + (offset - start), bytes);
    }
    return ret;
}

static bool buffer_is_zero(const void *buf, int64_t len)
{
    const uint8_t *p = buf;
    int64_t i;

    for (i = 0; i < len; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

static int bdrv_check_write(BlockDriverState *bs, int64_t offset,
                            int64_t bytes)
{
    int ret = bdrv_check_request(bs, offset, bytes);

    if (ret == 0 && bs->read_only) {
        ret = -EPERM;
    }
    return ret;
}

/* Read-modify-write of the aligned range around an unaligned request. */
static int bdrv_rmw(BlockDriverState *bs, int64_t offset, int64_t bytes,
                    const void *buf)
{
    int64_t start, end;
    g_autofree uint8_t *bounce = NULL;
    int ret;

    bdrv_align_range(bs, offset, bytes, &start, &end);
    bounce = g_malloc0(end - start);
    ret = bdrv_driver_io(bs, BDRV_IO_READ, start, end - start, bounce);
    if (ret < 0) {
        return ret;
    }
    if (buf) {
        memcpy(bounce + (offset - start), buf, bytes);
    } else {
        memset(bounce + (offset - start), 0, bytes);
    }
    return bdrv_driver_io(bs, BDRV_IO_WRITE, start, end - start, bounce);
}

/* Zeros without a buffer: the driver's write-zeroes, else plain writes. */
static int bdrv_do_zeroes(BlockDriverState *bs, int64_t offset,
                          int64_t bytes)
{
    g_autofree uint8_t *zeros = NULL;

    if (!bdrv_is_aligned(bs, offset, bytes)) {
        return bdrv_rmw(bs, offset, bytes, NULL);
    }
    if (bs->drv->bdrv_pwrite_zeroes) {
        return bdrv_driver_io(bs, BDRV_IO_WRITE_ZEROES, offset, bytes, NULL);
    }
    zeros = g_malloc0(bytes);
    return bdrv_driver_io(bs, BDRV_IO_WRITE, offset, bytes, zeros);
}

int bdrv_pwrite(BlockDriverState *bs, int64_t offset, int64_t bytes,
                const void *buf)
{
    bool zero;
    int ret = bdrv_check_write(bs, offset, bytes);

    if (ret < 0 || !bytes) {
        return ret;
    }
    /* detect-zeroes turns a buffer of zeros into a write-zeroes request */
    zero = bs->detect_zeroes != BLOCKDEV_DETECT_ZEROES_OPTIONS_OFF &&
           buffer_is_zero(buf, bytes);
    bdrv_debug_event(bs, zero ? BLKDBG_PWRITEV_ZERO : BLKDBG_PWRITEV);
    if (zero) {
        ret = bdrv_do_zeroes(bs, offset, bytes);
    } else if (bdrv_is_aligned(bs, offset, bytes)) {
        ret = bdrv_driver_io(bs, BDRV_IO_WRITE, offset, bytes, (void *)buf);
    } else {
        ret = bdrv_rmw(bs, offset, bytes, buf);
    }
    bdrv_debug_event(bs, BLKDBG_PWRITEV_DONE);
    return ret;
}

int bdrv_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    int ret = bdrv_check_write(bs, offset, bytes);

    if (ret < 0 || !bytes) {
        return ret;
    }
    bdrv_debug_event(bs, BLKDBG_PWRITEV_ZERO);
    ret = bdrv_do_zeroes(bs, offset, bytes);
    bdrv_debug_event(bs, BLKDBG_PWRITEV_DONE);
    return ret;
}

int bdrv_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    int64_t align = bs->request_alignment;
    int64_t start, end;
    int ret = bdrv_check_write(bs, offset, bytes);

    /* discard=ignore: the request succeeds and stops here */
    if (ret < 0 || !bs->discard_unmap || !bs->drv->bdrv_pdiscard) {
        return ret;
    }
    /* a discard is advisory: only whole aligned blocks are passed on */
    start = (offset + align - 1) / align * align;
    end = (offset + bytes) / align * align;
    if (end <= start) {
        return 0;
    }
    return bdrv_driver_io(bs, BDRV_IO_DISCARD, start, end - start, NULL);
}

int bdrv_flush(BlockDriverState *bs)
{
    guint i;
    int ret;

    /* nothing to write back below a read-only node */
    if (bs->read_only) {
        return 0;
    }
    if (!bs->cache_no_flush && bs->drv->bdrv_flush) {
        ret = bs->drv->bdrv_flush(bs);
        if (ret < 0) {
            return ret;
        }
    }
    for (i = 0; i < bs->children->len; i++) {
        BdrvChild *c = g_ptr_array_index(bs->children, i);

        ret = bdrv_flush(c->bs);
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

void bdrv_debug_event(BlockDriverState *bs, BlkdebugEvent event)
{
    if (bs->drv->bdrv_debug_event) {
        bs->drv->bdrv_debug_event(bs, event);
    }
}

/* -- query-named-block-nodes ------------------------------------------- */

bool bdrv_is_base_option(const char *key)
{
    static const char *const base[] = {
        "driver", "node-name", "discard", "cache", "active", "read-only",
        "auto-read-only", "force-share", "detect-zeroes", NULL
    };

    return g_strv_contains(base, key);
}

/*
 * QEMU shows list options of objects flattened ("set-state.0.event");
 * lists of permissions do not define the data and are left out.
 */
static void bdrv_flatten_rules(json_t *full, const char *key, json_t *list)
{
    size_t i;
    json_t *elem;

    json_array_foreach(list, i, elem) {
        const char *sub;
        json_t *v;

        if (!json_is_object(elem)) {
            continue;
        }
        json_object_foreach(elem, sub, v) {
            g_autofree char *name = g_strdup_printf("%s.%zu.%s", key, i, sub);

            json_object_set(full, name, v);
        }
    }
}

/*
 * The options that define the node's data, QEMU's "full open options":
 * the driver, the driver's own members and, for a filter, its child's.
 */
static json_t *bdrv_full_open_options(BlockDriverState *bs)
{
    json_t *full = json_object();
    const char *key;
    json_t *v;

    json_object_set_new(full, "driver", json_string(bs->drv->format_name));
    json_object_foreach(bs->options, key, v) {
        BlockDriverState *child = bdrv_get_child(bs, key);

        if (child) {
            json_object_set_new(full, key, bdrv_full_open_options(child));
        } else if (json_is_array(v)) {
            bdrv_flatten_rules(full, key, v);
        } else if (!bdrv_is_base_option(key) && strcmp(key, "latency-ns")) {
            json_object_set(full, key, v);
        }
    }
    return full;
}

static char *bdrv_filename(BlockDriverState *bs)
{
    char *name = bs->drv->bdrv_refresh_filename
                 ? bs->drv->bdrv_refresh_filename(bs) : NULL;
    json_t *full;
    char *text;

    if (name) {
        return name;
    }
    full = bdrv_full_open_options(bs);
    /* QEMU's JSON writer puts a space after ':' and ','. */
    text = json_dumps(full, JSON_PRESERVE_ORDER);
    name = g_strdup_printf("json:%s", text);
    free(text);
    json_decref(full);
    return name;
}

char *bdrv_get_filename(BlockDriverState *bs)
{
    return bdrv_filename(bs);
}

static json_t *bdrv_image_info(BlockDriverState *bs, bool flat, int *depth)
{
    g_autofree char *filename = bdrv_filename(bs);
    BlockDriverState *below = bdrv_filter_bs(bs);
    int64_t allocated = bs->drv->bdrv_get_allocated_file_size
                        ? bs->drv->bdrv_get_allocated_file_size(bs) : -1;
    json_t *info = json_pack("{s:s, s:s}", "filename", filename,
                             "format", bs->drv->format_name);

    if (allocated >= 0) {
        json_object_set_new(info, "actual-size", json_integer(allocated));
    }
    json_object_set_new(info, "virtual-size",
                        json_integer(bdrv_getlength(bs)));
    if (!flat && below) {
        (*depth)++;
        json_object_set_new(info, "backing-image",
                            bdrv_image_info(below, false, depth));
    }
    return info;
}

static json_t *bdrv_block_device_info(BlockDriverState *bs, bool flat)
{
    g_autofree char *filename = bdrv_filename(bs);
    json_t *children = json_array();
    json_t *info, *image;
    int depth = 0;
    guint i;

    for (i = 0; i < bs->children->len; i++) {
        BdrvChild *c = g_ptr_array_index(bs->children, i);

        json_array_append_new(children, json_pack("{s:s, s:s}",
                                                  "child", c->name,
                                                  "node-name",
                                                  c->bs->node_name));
    }
    image = bdrv_image_info(bs, flat, &depth);
    info = json_pack("{s:s, s:s, s:b, s:s, s:i, s:o, s:b, s:b, s:s}",
                     "file", filename, "node-name", bs->node_name,
                     "ro", bs->read_only, "drv", bs->drv->format_name,
                     "backing_file_depth", depth, "children", children,
                     "active", bs->active, "encrypted", 0,
                     "detect_zeroes",
                     BlockdevDetectZeroesOptions_str(bs->detect_zeroes));
    /* no throttling here: QEMU reports 0 for every limit then */
    json_object_set_new(info, "bps", json_integer(0));
    json_object_set_new(info, "bps_rd", json_integer(0));
    json_object_set_new(info, "bps_wr", json_integer(0));
    json_object_set_new(info, "iops", json_integer(0));
    json_object_set_new(info, "iops_rd", json_integer(0));
    json_object_set_new(info, "iops_wr", json_integer(0));
    json_object_set_new(info, "image", image);
    json_object_set_new(info, "cache",
                        json_pack("{s:b, s:b, s:b}", "writeback", 1,
                                  "direct", bs->cache_direct,
                                  "no-flush", bs->cache_no_flush));
    json_object_set_new(info, "write_threshold", json_integer(0));
    return info;
}

json_t *bdrv_named_nodes_list(bool flat)
{
    json_t *list = json_array();
    GList *l;

    for (l = graph_nodes; l; l = l->next) {
        json_array_append_new(list, bdrv_block_device_info(l->data, flat));
    }
    return list;
}
