/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory regions (RAM, I/O, alias, container), address spaces, flat views
 * and listeners.  A MemoryRegion is a plain struct embedded in its owner
 * (a backend, a device, the machine); it is not a QOM object here.
 */
#ifndef SYSTEM_MEMORY_H
#define SYSTEM_MEMORY_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object.h"

typedef struct MemoryRegion MemoryRegion;
typedef struct RAMBlock RAMBlock;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;

typedef enum MemTxResult {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1,
    MEMTX_DECODE_ERROR = 2,
} MemTxResult;

typedef struct MemoryRegionOps {
    /* size is 1, 2, 4 or 8; addr is relative to the region */
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
} MemoryRegionOps;

struct MemoryRegion {
    char *name;
    Object *owner;
    uint64_t size;
    bool ram;                 /* backed by @ram_block */
    bool readonly;
    bool enabled;
    bool is_container;
    RAMBlock *ram_block;
    const MemoryRegionOps *ops;
    void *opaque;
    MemoryRegion *alias;      /* alias target */
    hwaddr alias_offset;
    MemoryRegion *container;  /* parent when mapped as a subregion */
    hwaddr addr;              /* offset inside @container */
    int priority;
    GList *subregions;        /* MemoryRegion *, highest priority first */
    unsigned mapped_count;    /* how many times it is a subregion */
};

typedef struct MemoryRegionSection {
    MemoryRegion *mr;                  /* terminal region (aliases resolved) */
    FlatView *fv;
    hwaddr offset_within_region;
    hwaddr offset_within_address_space;
    uint64_t size;
    bool readonly;
} MemoryRegionSection;

typedef struct MemoryListener MemoryListener;
struct MemoryListener {
    void (*begin)(MemoryListener *listener);
    void (*commit)(MemoryListener *listener);
    /* Called for sections that appear / disappear between two flat views
     * (a changed section is del then add). RAM and I/O sections alike. */
    void (*region_add)(MemoryListener *listener, MemoryRegionSection *s);
    void (*region_del)(MemoryListener *listener, MemoryRegionSection *s);
    int priority;
    const char *name;
    AddressSpace *address_space;   /* set by register */
};

/* Construction.  owner may be NULL.  RAM variants fail with *errp set. */
void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size);
void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size);
/* Anonymous (or, with RAM_SHARED, memfd-backed) RAM. */
bool memory_region_init_ram_flags_nomigrate(MemoryRegion *mr, Object *owner,
                                            const char *name, uint64_t size,
                                            uint32_t ram_flags,
                                            Error **errp);
/* mmap @fd at @offset; RAM_SHARED selects MAP_SHARED. Takes ownership of fd. */
bool memory_region_init_ram_from_fd(MemoryRegion *mr, Object *owner,
                                    const char *name, uint64_t size,
                                    uint32_t ram_flags, int fd,
                                    uint64_t offset, Error **errp);
void memory_region_init_alias(MemoryRegion *mr, Object *owner,
                              const char *name, MemoryRegion *orig,
                              hwaddr offset, uint64_t size);
/* Free the RAMBlock (unmap, close fds) and subregion bookkeeping. */
void memory_region_finalize(MemoryRegion *mr);

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion);
void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion,
                                         int priority);
void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);

uint64_t memory_region_size(const MemoryRegion *mr);
bool memory_region_is_ram(const MemoryRegion *mr);
bool memory_region_is_mapped(const MemoryRegion *mr);
void *memory_region_get_ram_ptr(MemoryRegion *mr);
int memory_region_get_fd(MemoryRegion *mr);
bool memory_region_has_guest_memfd(const MemoryRegion *mr);
const char *memory_region_name(const MemoryRegion *mr);

/* Batch topology changes: listeners see one begin/.../commit. */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

MemoryRegion *get_system_memory(void);
MemoryRegion *get_system_io(void);
extern AddressSpace address_space_memory;
extern AddressSpace address_space_io;

void memory_listener_register(MemoryListener *listener, AddressSpace *as);
void memory_listener_unregister(MemoryListener *listener);

/* Terminal section covering @addr (size clipped to the flat range), or
 * .mr == NULL when nothing is mapped there. */
MemoryRegionSection memory_region_find(MemoryRegion *root, hwaddr addr,
                                       uint64_t size);
/* Calls @fn for each flat range intersecting [addr, addr+size), holes
 * included as sections with mr == NULL. Stops early on non-zero return. */
typedef int MemorySectionFn(MemoryRegionSection *s, void *opaque);
int address_space_foreach_section(AddressSpace *as, hwaddr addr,
                                  uint64_t size, MemorySectionFn *fn,
                                  void *opaque);

/* RAM through its host mapping; I/O and MMIO through ops (little endian
 * accesses split into naturally aligned 1/2/4/8-byte pieces). */
MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf,
                               hwaddr len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                const void *buf, hwaddr len);
MemTxResult address_space_set(AddressSpace *as, hwaddr addr, uint8_t c,
                              hwaddr len);
/* Convenience for port I/O from vCPU exits and qtest. */
uint64_t cpu_io_read(hwaddr port, unsigned size);
void cpu_io_write(hwaddr port, uint64_t val, unsigned size);

/* Initialise system memory / io roots (called once from main). */
void memory_init(void);

#endif
