/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The shared/private map of guest RAM: one bitmap per RAMBlock at host
 * page granularity, the only record of which pages are private, with
 * listeners for DMA users and conversion counters.
 */
#ifndef SYSTEM_RAM_BLOCK_ATTRIBUTES_H
#define SYSTEM_RAM_BLOCK_ATTRIBUTES_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "system/ramblock.h"

/* How a RAMBlock converts, decided by its flags when it is created. */
typedef enum RamBlockConvertModel {
    RAM_CONVERT_NONE,      /* no private memory: cannot convert */
    RAM_CONVERT_LEGACY,    /* RAM_GUEST_MEMFD: shared backing + private gmem */
    RAM_CONVERT_IN_PLACE,  /* RAM_GUEST_MEMFD_IN_PLACE: one gmem, both states */
} RamBlockConvertModel;

/* The model of @rb, from its flags only (never from KVM's caps). */
RamBlockConvertModel ram_block_convert_model(const RAMBlock *rb);
const char *ram_block_convert_model_name(RamBlockConvertModel m);

typedef struct RamBlockAttrStats {
    uint64_t to_private, to_private_bytes;
    uint64_t to_shared, to_shared_bytes;
    uint64_t failures;
    uint64_t kernel_ns;             /* time spent in conversion ioctls */
} RamBlockAttrStats;

typedef struct RamBlockAttributes {
    RAMBlock *rb;
    RamBlockConvertModel model;
    uint64_t page_size;             /* host page size: one bit per page */
    uint64_t nr_pages;
    uint64_t nr_private;
    unsigned long *bitmap;          /* set = private */
    RamBlockAttrStats stats;
} RamBlockAttributes;

/*
 * Create the map of a convertible block (legacy: all private, in-place:
 * all shared, as the kernel starts them) and hang it on rb->attributes.
 * Blocks of RAM_CONVERT_NONE get none.
 */
void ram_block_attributes_create(RAMBlock *rb);
void ram_block_attributes_destroy(RAMBlock *rb);
static inline RamBlockAttributes *ram_block_attributes_get(RAMBlock *rb)
{
    return rb ? (RamBlockAttributes *)rb->attributes : NULL;
}

/* Page-aligned [offset, offset+size) inside the block? */
bool ram_block_attributes_range_valid(const RamBlockAttributes *attr,
                                      uint64_t offset, uint64_t size);
/* State of one page, and whether a whole range is in one state. */
bool ram_block_attributes_is_private(const RamBlockAttributes *attr,
                                     uint64_t offset);
bool ram_block_attributes_range_is(const RamBlockAttributes *attr,
                                   uint64_t offset, uint64_t size,
                                   bool private);
/*
 * Record what the kernel accepted: [offset, offset+size) is now private
 * (or shared).  Only conversion code calls this.
 */
void ram_block_attributes_set_range(RamBlockAttributes *attr, uint64_t offset,
                                    uint64_t size, bool private);
/*
 * The first run, at or after @offset and before @end, of pages whose
 * state is not @private: true with *run_start / *run_size set, false when
 * the whole rest already is in that state.
 */
bool ram_block_attributes_next_run(const RamBlockAttributes *attr,
                                   uint64_t offset, uint64_t end,
                                   bool private, uint64_t *run_start,
                                   uint64_t *run_size);

/*
 * Listeners of other subsystems (the model for DMA users such as vfio):
 * @discard runs before a range turns private (unmap, drop page pins),
 * @populate after it turned shared (map it again; may fail, e.g. when the
 * IOMMU refuses).  Offsets are within the RAMBlock.
 */
typedef struct RamBlockAttrListener RamBlockAttrListener;
struct RamBlockAttrListener {
    void (*discard)(RamBlockAttrListener *l, RAMBlock *rb, uint64_t offset,
                    uint64_t size);
    int (*populate)(RamBlockAttrListener *l, RAMBlock *rb, uint64_t offset,
                    uint64_t size);
    void *opaque;
};
void ram_block_attributes_listener_add(RamBlockAttrListener *l);
void ram_block_attributes_listener_del(RamBlockAttrListener *l);
void ram_block_attributes_notify_discard(RAMBlock *rb, uint64_t offset,
                                         uint64_t size);
/* 0, or the first listener's negative error (later ones still run). */
int ram_block_attributes_notify_populate(RAMBlock *rb, uint64_t offset,
                                         uint64_t size);

/*
 * The host never touches a private page: true when no page of guest
 * physical [gpa, gpa+size) is private (RAM without a map, MMIO and holes
 * count as accessible); else an error naming the first private page.
 */
bool ram_block_attributes_check_host_access(uint64_t gpa, uint64_t size,
                                            Error **errp);

/*
 * The x-query-memory-attributes result (a JSON array of
 * MemoryAttributesInfo), with at most @max_ranges ranges per block.
 */
json_t *ram_block_attributes_query(uint64_t max_ranges);
/* The same as text, for HMP "info memory-attributes" (caller frees). */
char *ram_block_attributes_format_text(json_t *info);

#endif
