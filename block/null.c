/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The null-co and null-aio drivers: a device of fixed length that drops
 * writes and reads as zeros only with read-zeroes=on, for tests.
 */
#include "qemu/osdep.h"
#include "block/block_int.h"

typedef struct BDRVNullState {
    int64_t length;
    int64_t latency_ns;
    bool read_zeroes;
} BDRVNullState;

static bool null_open(BlockDriverState *bs, json_t *options, Error **errp)
{
    BDRVNullState *s = bs->opaque;
    json_t *size = json_object_get(options, "size");
    json_t *latency = json_object_get(options, "latency-ns");

    /*
     * QEMU reads "size" as a size option and aborts on a negative one
     * (error_abort in null_open); we give the error that option reports.
     */
    s->length = 1 << 30;
    if (size) {
        if (json_integer_value(size) < 0) {
            error_setg(errp, "Parameter 'size' expects a non-negative "
                       "number below 2^64");
            error_append_hint(errp, "Optional suffix k, M, G, T, P or E "
                              "means kilo-, mega-, giga-, tera-, peta-\n"
                              "and exabytes, respectively.\n");
            return false;
        }
        s->length = json_integer_value(size);
    }
    /* uint64 in the schema, read back as int64 by QEMU: -1 is refused */
    s->latency_ns = latency ? json_integer_value(latency) : 0;
    if (s->latency_ns < 0) {
        error_setg(errp, "latency-ns is invalid");
        return false;
    }
    s->read_zeroes = json_is_true(json_object_get(options, "read-zeroes"));
    return true;
}

static int64_t null_getlength(BlockDriverState *bs)
{
    return ((BDRVNullState *)bs->opaque)->length;
}

static int64_t null_get_allocated_file_size(BlockDriverState *bs)
{
    return 0;
}

static void null_wait(BlockDriverState *bs)
{
    BDRVNullState *s = bs->opaque;
    struct timespec ts = {
        .tv_sec = s->latency_ns / 1000000000,
        .tv_nsec = s->latency_ns % 1000000000,
    };

    if (s->latency_ns) {
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
            /* sleep the rest after a signal */
        }
    }
}

static int null_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                       void *buf)
{
    BDRVNullState *s = bs->opaque;

    if (s->read_zeroes) {
        memset(buf, 0, bytes);
    }
    null_wait(bs);
    return 0;
}

static int null_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                        const void *buf)
{
    null_wait(bs);
    return 0;
}

static int null_flush(BlockDriverState *bs)
{
    null_wait(bs);
    return 0;
}

/* "null-co://" unless options that change the data were given */
static char *null_refresh_filename(BlockDriverState *bs)
{
    if (json_object_get(bs->options, "size") ||
        json_object_get(bs->options, "read-zeroes")) {
        return NULL;
    }
    return g_strdup_printf("%s://", bs->drv->format_name);
}

#define NULL_DRIVER(name)                                       \
    {                                                           \
        .format_name = name,                                    \
        .instance_size = sizeof(BDRVNullState),                 \
        .bdrv_open = null_open,                                 \
        .bdrv_getlength = null_getlength,                       \
        .bdrv_get_allocated_file_size = null_get_allocated_file_size, \
        .bdrv_preadv = null_preadv,                             \
        .bdrv_pwritev = null_pwritev,                           \
        .bdrv_flush = null_flush,                               \
        .bdrv_refresh_filename = null_refresh_filename,         \
    }

const BlockDriver bdrv_null_co = NULL_DRIVER("null-co");
/* QEMU's null-aio differs only in its completion path. */
const BlockDriver bdrv_null_aio = NULL_DRIVER("null-aio");
