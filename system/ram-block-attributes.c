/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The shared/private map of guest RAM (one bitmap per RAMBlock), its
 * listeners, the host-access check and the x-query-memory-attributes
 * command.
 */
#include "qemu/osdep.h"
#include "qapi/qapi-commands.h"
#include "system/memory.h"
#include "system/ramblock.h"
#include "system/ram-block-attributes.h"

#define BITS_PER_WORD (8 * sizeof(unsigned long))
#ifndef DIV_ROUND_UP
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#endif
/* Ranges a query returns per block unless the caller asks otherwise. */
#define QUERY_DEFAULT_MAX_RANGES 64

static GList *listeners;     /* RamBlockAttrListener *, registration order */

RamBlockConvertModel ram_block_convert_model(const RAMBlock *rb)
{
    if (!rb || rb->guest_memfd < 0) {
        return RAM_CONVERT_NONE;
    }
    if (rb->flags & RAM_GUEST_MEMFD_IN_PLACE) {
        return RAM_CONVERT_IN_PLACE;
    }
    if (rb->flags & RAM_GUEST_MEMFD) {
        return RAM_CONVERT_LEGACY;
    }
    return RAM_CONVERT_NONE;
}

const char *ram_block_convert_model_name(RamBlockConvertModel m)
{
    switch (m) {
    case RAM_CONVERT_LEGACY:
        return "legacy";
    case RAM_CONVERT_IN_PLACE:
        return "in-place";
    default:
        return "none";
    }
}

/* ---- bitmap ---- */

static bool bit_test(const unsigned long *map, uint64_t n)
{
    return map[n / BITS_PER_WORD] & (1UL << (n % BITS_PER_WORD));
}

/* Set or clear bits [start, end); returns how many changed. */
static uint64_t bits_assign(unsigned long *map, uint64_t start, uint64_t end,
                            bool set)
{
    uint64_t changed = 0;

    while (start < end) {
        uint64_t w = start / BITS_PER_WORD;
        unsigned lo = start % BITS_PER_WORD;
        unsigned n = MIN(end - start, (uint64_t)(BITS_PER_WORD - lo));
        unsigned long mask = n == BITS_PER_WORD ? ~0UL
                                                : ((1UL << n) - 1) << lo;
        unsigned long old = map[w];

        map[w] = set ? old | mask : old & ~mask;
        changed += __builtin_popcountl((old ^ map[w]) & mask);
        start += n;
    }
    return changed;
}

/* First bit in [start, end) equal to @value, or @end. */
static uint64_t bits_find(const unsigned long *map, uint64_t start,
                          uint64_t end, bool value)
{
    while (start < end) {
        uint64_t w = start / BITS_PER_WORD;
        unsigned lo = start % BITS_PER_WORD;
        unsigned long word = value ? map[w] : ~map[w];

        word &= ~0UL << lo;
        if (word) {
            uint64_t hit = w * BITS_PER_WORD + __builtin_ctzl(word);

            return MIN(hit, end);
        }
        start = (w + 1) * BITS_PER_WORD;
    }
    return end;
}

/* ---- the map ---- */

void ram_block_attributes_create(RAMBlock *rb)
{
    RamBlockConvertModel model = ram_block_convert_model(rb);
    RamBlockAttributes *attr;
    uint64_t words;

    if (model == RAM_CONVERT_NONE || rb->attributes) {
        return;
    }
    attr = g_new0(RamBlockAttributes, 1);
    attr->rb = rb;
    attr->model = model;
    attr->page_size = qemu_real_host_page_size();
    attr->nr_pages = DIV_ROUND_UP(rb->max_length, attr->page_size);
    words = DIV_ROUND_UP(attr->nr_pages, BITS_PER_WORD);
    attr->bitmap = g_new0(unsigned long, words);
    /*
     * As the kernel starts them: legacy RAM is made private when it is
     * mapped (kvm-convert.c), an INIT_SHARED guest_memfd starts shared.
     */
    if (model == RAM_CONVERT_LEGACY) {
        bits_assign(attr->bitmap, 0, attr->nr_pages, true);
        attr->nr_private = attr->nr_pages;
    }
    rb->attributes = attr;
}

void ram_block_attributes_destroy(RAMBlock *rb)
{
    RamBlockAttributes *attr = ram_block_attributes_get(rb);

    if (!attr) {
        return;
    }
    rb->attributes = NULL;
    g_free(attr->bitmap);
    g_free(attr);
}

bool ram_block_attributes_range_valid(const RamBlockAttributes *attr,
                                      uint64_t offset, uint64_t size)
{
    uint64_t len = attr->nr_pages * attr->page_size;

    return QEMU_IS_ALIGNED(offset, attr->page_size) &&
           QEMU_IS_ALIGNED(size, attr->page_size) &&
           offset <= len && size <= len - offset;
}

bool ram_block_attributes_is_private(const RamBlockAttributes *attr,
                                     uint64_t offset)
{
    uint64_t page = offset / attr->page_size;

    return page < attr->nr_pages && bit_test(attr->bitmap, page);
}

bool ram_block_attributes_range_is(const RamBlockAttributes *attr,
                                   uint64_t offset, uint64_t size,
                                   bool private)
{
    uint64_t first = offset / attr->page_size;
    uint64_t end = DIV_ROUND_UP(offset + size, attr->page_size);

    end = MIN(end, attr->nr_pages);
    return bits_find(attr->bitmap, first, end, !private) == end;
}

void ram_block_attributes_set_range(RamBlockAttributes *attr, uint64_t offset,
                                    uint64_t size, bool private)
{
    uint64_t first = offset / attr->page_size;
    uint64_t end = MIN(first + size / attr->page_size, attr->nr_pages);
    uint64_t changed;

    g_assert(ram_block_attributes_range_valid(attr, offset, size));
    changed = bits_assign(attr->bitmap, first, end, private);
    if (private) {
        attr->nr_private += changed;
    } else {
        attr->nr_private -= changed;
    }
}

bool ram_block_attributes_next_run(const RamBlockAttributes *attr,
                                   uint64_t offset, uint64_t end,
                                   bool private, uint64_t *run_start,
                                   uint64_t *run_size)
{
    uint64_t first = offset / attr->page_size;
    uint64_t last = MIN(end / attr->page_size, attr->nr_pages);
    uint64_t s, e;

    s = bits_find(attr->bitmap, first, last, !private);
    if (s >= last) {
        return false;
    }
    e = bits_find(attr->bitmap, s, last, private);
    *run_start = s * attr->page_size;
    *run_size = (e - s) * attr->page_size;
    return true;
}

/* ---- listeners ---- */

void ram_block_attributes_listener_add(RamBlockAttrListener *l)
{
    listeners = g_list_append(listeners, l);
}

void ram_block_attributes_listener_del(RamBlockAttrListener *l)
{
    listeners = g_list_remove(listeners, l);
}

void ram_block_attributes_notify_discard(RAMBlock *rb, uint64_t offset,
                                         uint64_t size)
{
    for (GList *e = listeners; e; e = e->next) {
        RamBlockAttrListener *l = e->data;

        if (l->discard) {
            l->discard(l, rb, offset, size);
        }
    }
}

int ram_block_attributes_notify_populate(RAMBlock *rb, uint64_t offset,
                                         uint64_t size)
{
    int first = 0;

    for (GList *e = listeners; e; e = e->next) {
        RamBlockAttrListener *l = e->data;
        int ret = l->populate ? l->populate(l, rb, offset, size) : 0;

        if (ret < 0 && !first) {
            first = ret;
        }
    }
    return first;
}

/* ---- the host-access check ---- */

typedef struct AccessCheck {
    Error **errp;
} AccessCheck;

static int check_section(MemoryRegionSection *s, void *opaque)
{
    AccessCheck *ac = opaque;
    RamBlockAttributes *attr;
    uint64_t start, end, first;

    if (!s->mr || !s->mr->ram_block) {
        return 0;
    }
    attr = ram_block_attributes_get(s->mr->ram_block);
    if (!attr || !attr->nr_private) {
        return 0;
    }
    start = s->offset_within_region / attr->page_size;
    end = MIN(DIV_ROUND_UP(s->offset_within_region + s->size,
                           attr->page_size), attr->nr_pages);
    first = bits_find(attr->bitmap, start, end, true);
    if (first >= end) {
        return 0;
    }
    error_setg(ac->errp, "guest memory at 0x%" HWADDR_PRIx " is private "
               "(RAMBlock '%s' offset 0x%" PRIx64 "): the host cannot "
               "access it",
               s->offset_within_address_space +
               MAX(first * attr->page_size, s->offset_within_region) -
               s->offset_within_region,
               s->mr->ram_block->idstr, first * attr->page_size);
    return -1;
}

bool ram_block_attributes_check_host_access(uint64_t gpa, uint64_t size,
                                            Error **errp)
{
    AccessCheck ac = { .errp = errp };

    if (!size) {
        return true;
    }
    if (gpa + size < gpa) {
        size = -gpa;         /* clip at the top of the address space */
    }
    return address_space_foreach_section(&address_space_memory, gpa, size,
                                         check_section, &ac) == 0;
}

/* ---- x-query-memory-attributes ---- */

static json_t *block_ranges(RamBlockAttributes *attr, uint64_t max,
                            bool *truncated)
{
    json_t *ranges = json_array();
    uint64_t page = 0;

    *truncated = false;
    while (page < attr->nr_pages) {
        bool private = bit_test(attr->bitmap, page);
        uint64_t end = bits_find(attr->bitmap, page, attr->nr_pages,
                                 !private);
        json_t *r;

        if (json_array_size(ranges) >= max) {
            *truncated = true;
            break;
        }
        r = json_pack("{s:I, s:I, s:b}",
                      "offset", (json_int_t)(page * attr->page_size),
                      "size", (json_int_t)((end - page) * attr->page_size),
                      "private", private);
        json_array_append_new(ranges, r);
        page = end;
    }
    return ranges;
}

typedef struct QueryCtx {
    json_t *list;
    uint64_t max_ranges;
} QueryCtx;

static int query_block(RAMBlock *rb, void *opaque)
{
    QueryCtx *q = opaque;
    RamBlockAttributes *attr = ram_block_attributes_get(rb);
    RamBlockAttrStats *st;
    uint64_t len;
    bool truncated;
    json_t *info, *ranges, *stats;

    if (!attr) {
        return 0;
    }
    st = &attr->stats;
    len = attr->nr_pages * attr->page_size;
    ranges = block_ranges(attr, q->max_ranges, &truncated);
    stats = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
                      "to-private", (json_int_t)st->to_private,
                      "to-private-bytes", (json_int_t)st->to_private_bytes,
                      "to-shared", (json_int_t)st->to_shared,
                      "to-shared-bytes", (json_int_t)st->to_shared_bytes,
                      "failures", (json_int_t)st->failures,
                      "kernel-ns", (json_int_t)st->kernel_ns);
    info = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:b, s:o}",
                     "ramblock", rb->idstr,
                     "model", ram_block_convert_model_name(attr->model),
                     "page-size", (json_int_t)attr->page_size,
                     "size", (json_int_t)len,
                     "private-bytes",
                     (json_int_t)(attr->nr_private * attr->page_size),
                     "shared-bytes",
                     (json_int_t)((attr->nr_pages - attr->nr_private) *
                                  attr->page_size),
                     "ranges", ranges,
                     "ranges-truncated", truncated,
                     "stats", stats);
    json_array_append_new(q->list, info);
    return 0;
}

json_t *ram_block_attributes_query(uint64_t max_ranges)
{
    QueryCtx q = { .list = json_array(), .max_ranges = max_ranges };

    qemu_ram_foreach_block(query_block, &q);
    return q.list;
}

void qmp_x_query_memory_attributes(json_t *args, json_t **ret, Error **errp)
{
    json_t *max = args ? json_object_get(args, "max-ranges") : NULL;
    uint64_t n = QUERY_DEFAULT_MAX_RANGES;

    if (max) {
        n = (uint64_t)json_integer_value(max);
        if (!n) {
            error_setg(errp, "Parameter 'max-ranges' expects a positive "
                       "number");
            return;
        }
    }
    *ret = ram_block_attributes_query(n);
}

char *ram_block_attributes_format_text(json_t *info)
{
    GString *out = g_string_new(NULL);
    size_t i, j;
    json_t *b, *r;

    if (!json_array_size(info)) {
        g_string_append(out, "no RAM with a shared/private map "
                        "(not a confidential guest)\n");
    }
    json_array_foreach(info, i, b) {
        json_t *st = json_object_get(b, "stats");

#define GETI(o, k) ((uint64_t)json_integer_value(json_object_get((o), (k))))
        g_string_append_printf(out, "%s: model %s, %" PRIu64 " bytes, "
                               "private %" PRIu64 ", shared %" PRIu64 "\n",
                               json_string_value(json_object_get(b,
                                                                 "ramblock")),
                               json_string_value(json_object_get(b, "model")),
                               GETI(b, "size"), GETI(b, "private-bytes"),
                               GETI(b, "shared-bytes"));
        json_array_foreach(json_object_get(b, "ranges"), j, r) {
            g_string_append_printf(out, "  0x%016" PRIx64 "-0x%016" PRIx64
                                   " %s\n", GETI(r, "offset"),
                                   GETI(r, "offset") + GETI(r, "size") - 1,
                                   json_is_true(json_object_get(r, "private"))
                                   ? "private" : "shared");
        }
        if (json_is_true(json_object_get(b, "ranges-truncated"))) {
            g_string_append(out, "  ...\n");
        }
        g_string_append_printf(out, "  conversions: to private %" PRIu64
                               " (%" PRIu64 " bytes), to shared %" PRIu64
                               " (%" PRIu64 " bytes), failed %" PRIu64
                               ", %" PRIu64 " ns in the kernel\n",
                               GETI(st, "to-private"),
                               GETI(st, "to-private-bytes"),
                               GETI(st, "to-shared"),
                               GETI(st, "to-shared-bytes"),
                               GETI(st, "failures"), GETI(st, "kernel-ns"));
#undef GETI
    }
    return g_string_free(out, FALSE);
}
