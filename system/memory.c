/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory region tree, flat views of the system memory and I/O address
 * spaces, listener notification and guest-physical reads and writes.
 */
#include "qemu/osdep.h"
#include "system/memory.h"
#include "system/ramblock.h"

/*
 * One piece of a flat view: [addr, addr + size) of the address space maps
 * [offset, offset + size) of the terminal region @mr.  Holes are not
 * stored.  Ranges are sorted and never overlap.
 */
typedef struct FlatRange {
    hwaddr addr;
    uint64_t size;
    MemoryRegion *mr;
    hwaddr offset;
    bool readonly;
} FlatRange;

struct FlatView {
    GArray *ranges;          /* FlatRange */
};

struct AddressSpace {
    const char *name;
    MemoryRegion *root;
    FlatView *current;
    GList *listeners;        /* MemoryListener *, ascending priority */
};

typedef unsigned __int128 u128;

static MemoryRegion system_memory;
static MemoryRegion system_io;
static bool memory_initialized;

AddressSpace address_space_memory = { .name = "memory" };
AddressSpace address_space_io = { .name = "I/O" };

static unsigned transaction_depth;
static bool topology_changed;

/* Size of a region as a 128-bit quantity: UINT64_MAX means all of 2^64. */
static u128 mr_size128(const MemoryRegion *mr)
{
    if (mr->size == UINT64_MAX) {
        return (u128)1 << 64;
    }
    return mr->size;
}

static FlatView *flatview_new(void)
{
    FlatView *fv = g_new0(FlatView, 1);

    fv->ranges = g_array_new(false, false, sizeof(FlatRange));
    return fv;
}

static void flatview_free(FlatView *fv)
{
    if (fv) {
        g_array_free(fv->ranges, true);
        g_free(fv);
    }
}

/* Index of the first range whose end is above @addr. */
static guint flatview_lower_bound(FlatView *fv, hwaddr addr)
{
    guint lo = 0, hi = fv->ranges->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        FlatRange *r = &g_array_index(fv->ranges, FlatRange, mid);

        if ((u128)r->addr + r->size <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/*
 * Fill the holes of [start, end) in @fv with pieces of @mr; higher
 * priority content was rendered first, so what is already there wins.
 */
static void flatview_insert_gaps(FlatView *fv, MemoryRegion *mr,
                                 u128 start, u128 end, hwaddr offset,
                                 bool readonly)
{
    guint i = flatview_lower_bound(fv, (hwaddr)start);
    u128 cur = start;

    while (cur < end) {
        u128 next_start = end;
        /* Copy what we need: inserting below may move the array. */
        bool have_next = i < fv->ranges->len;
        hwaddr next_addr = 0;
        FlatRange *r;

        if (have_next) {
            next_addr = g_array_index(fv->ranges, FlatRange, i).addr;
            if (next_addr < next_start) {
                next_start = next_addr;
            }
        }
        if (cur < next_start) {
            FlatRange nr = {
                .addr = (hwaddr)cur,
                .size = (uint64_t)(next_start - cur),
                .mr = mr,
                .offset = offset + (hwaddr)(cur - start),
                .readonly = readonly,
            };
            g_array_insert_val(fv->ranges, i, nr);
            i++;
        }
        if (!have_next || next_addr >= end) {
            break;
        }
        r = &g_array_index(fv->ranges, FlatRange, i);
        cur = (u128)r->addr + r->size;
        i++;
    }
}

/*
 * Render @mr placed at @base into @fv, clipped to [clip_start, clip_end).
 * @offset is the offset inside @mr that appears at @base.
 */
static void render_region(FlatView *fv, MemoryRegion *mr, u128 base,
                          u128 clip_start, u128 clip_end, bool readonly)
{
    u128 start, end;
    GList *l;

    if (!mr->enabled) {
        return;
    }
    start = MAX(base, clip_start);
    end = MIN(base + mr_size128(mr), clip_end);
    if (start >= end) {
        return;
    }
    readonly |= mr->readonly;

    if (mr->alias) {
        /* The alias target appears shifted so that alias_offset lands at
         * base; it may start below zero, hence the clip at start. */
        u128 target_base = base - mr->alias_offset;

        if (base < mr->alias_offset) {
            /* Target base below address 0: render with a shifted clip. */
            hwaddr skip = mr->alias_offset - (hwaddr)base;
            FlatView *tmp = flatview_new();

            render_region(tmp, mr->alias, 0, start + skip, end + skip,
                          readonly);
            for (guint i = 0; i < tmp->ranges->len; i++) {
                FlatRange *r = &g_array_index(tmp->ranges, FlatRange, i);
                flatview_insert_gaps(fv, r->mr, (u128)r->addr - skip,
                                     (u128)r->addr - skip + r->size,
                                     r->offset, r->readonly);
            }
            flatview_free(tmp);
            return;
        }
        render_region(fv, mr->alias, target_base, start, end, readonly);
        return;
    }

    for (l = mr->subregions; l; l = l->next) {
        MemoryRegion *sub = l->data;

        render_region(fv, sub, base + sub->addr, start, end, readonly);
    }

    if (!mr->ram && !mr->ops && mr->is_container) {
        return;
    }
    flatview_insert_gaps(fv, mr, start, end, (hwaddr)(start - base),
                         readonly);
}

static void flatview_simplify(FlatView *fv)
{
    guint i = 0;

    /* Merge neighbours that continue the same region, so a RAM region
     * cut by an overlay and reassembled yields one section per piece. */
    while (i + 1 < fv->ranges->len) {
        FlatRange *a = &g_array_index(fv->ranges, FlatRange, i);
        FlatRange *b = &g_array_index(fv->ranges, FlatRange, i + 1);

        if (a->mr == b->mr && a->readonly == b->readonly &&
            (u128)a->addr + a->size == b->addr &&
            a->offset + a->size == b->offset) {
            a->size += b->size;
            g_array_remove_index(fv->ranges, i + 1);
        } else {
            i++;
        }
    }
}

static FlatView *generate_flatview(MemoryRegion *root)
{
    FlatView *fv = flatview_new();

    if (root) {
        render_region(fv, root, 0, 0, mr_size128(root), false);
        flatview_simplify(fv);
    }
    return fv;
}

static void section_from_range(MemoryRegionSection *s, FlatView *fv,
                               const FlatRange *r)
{
    *s = (MemoryRegionSection) {
        .mr = r->mr,
        .fv = fv,
        .offset_within_region = r->offset,
        .offset_within_address_space = r->addr,
        .size = r->size,
        .readonly = r->readonly,
    };
}

static bool range_equal(const FlatRange *a, const FlatRange *b)
{
    return a->addr == b->addr && a->size == b->size && a->mr == b->mr &&
           a->offset == b->offset && a->readonly == b->readonly;
}

static void listeners_begin(AddressSpace *as)
{
    for (GList *l = as->listeners; l; l = l->next) {
        MemoryListener *ml = l->data;

        if (ml->begin) {
            ml->begin(ml);
        }
    }
}

static void listeners_commit(AddressSpace *as)
{
    for (GList *l = as->listeners; l; l = l->next) {
        MemoryListener *ml = l->data;

        if (ml->commit) {
            ml->commit(ml);
        }
    }
}

/* True if @r appears unchanged in @fv (ranges are sorted, disjoint). */
static bool flatview_has_range(FlatView *fv, const FlatRange *r)
{
    guint i = flatview_lower_bound(fv, r->addr);

    return i < fv->ranges->len &&
           range_equal(&g_array_index(fv->ranges, FlatRange, i), r);
}

/* Report ranges of @from missing in @to: region_del when @adding is false
 * (from = old view), region_add otherwise (from = new view). */
static void flatview_diff(AddressSpace *as, FlatView *from, FlatView *to,
                          bool adding)
{
    for (guint i = 0; i < from->ranges->len; i++) {
        FlatRange *r = &g_array_index(from->ranges, FlatRange, i);
        MemoryRegionSection s;

        if (flatview_has_range(to, r)) {
            continue;
        }
        section_from_range(&s, from, r);
        if (adding) {
            for (GList *l = as->listeners; l; l = l->next) {
                MemoryListener *ml = l->data;

                if (ml->region_add) {
                    ml->region_add(ml, &s);
                }
            }
        } else {
            for (GList *l = g_list_last(as->listeners); l; l = l->prev) {
                MemoryListener *ml = l->data;

                if (ml->region_del) {
                    ml->region_del(ml, &s);
                }
            }
        }
    }
}

static void address_space_update(AddressSpace *as)
{
    FlatView *old = as->current;
    FlatView *new = generate_flatview(as->root);
    FlatView empty = { .ranges = NULL };

    if (!old) {
        empty.ranges = g_array_new(false, false, sizeof(FlatRange));
        old = &empty;
    }
    listeners_begin(as);
    /* All deletions first, so a listener never sees overlapping slots. */
    flatview_diff(as, old, new, false);
    flatview_diff(as, new, old, true);
    as->current = new;
    listeners_commit(as);
    if (old == &empty) {
        g_array_free(empty.ranges, true);
    } else {
        flatview_free(old);
    }
}

static void memory_region_topology_changed(void)
{
    if (transaction_depth) {
        topology_changed = true;
        return;
    }
    if (address_space_memory.root) {
        address_space_update(&address_space_memory);
    }
    if (address_space_io.root) {
        address_space_update(&address_space_io);
    }
    topology_changed = false;
}

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    g_assert(transaction_depth > 0);
    if (--transaction_depth == 0 && topology_changed) {
        memory_region_topology_changed();
    }
}

/*
 * Any change re-renders both address spaces: aliases may point at any
 * region, and rendering costs a few microseconds per flat range, never
 * anything proportional to RAM size.
 */
static void mr_changed(MemoryRegion *mr)
{
    memory_region_topology_changed();
}

void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = g_strdup(name);
    mr->owner = owner;
    mr->size = size;
    mr->enabled = true;
    mr->is_container = true;
}

void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size)
{
    memory_region_init(mr, owner, name, size);
    mr->is_container = false;
    mr->ops = ops;
    mr->opaque = opaque;
}

void memory_region_init_alias(MemoryRegion *mr, Object *owner,
                              const char *name, MemoryRegion *orig,
                              hwaddr offset, uint64_t size)
{
    memory_region_init(mr, owner, name, size);
    mr->is_container = false;
    mr->alias = orig;
    mr->alias_offset = offset;
}

void memory_region_finalize(MemoryRegion *mr)
{
    memory_region_transaction_begin();
    if (mr->container) {
        memory_region_del_subregion(mr->container, mr);
    }
    while (mr->subregions) {
        memory_region_del_subregion(mr, mr->subregions->data);
    }
    memory_region_transaction_commit();
    if (mr->ram_block) {
        qemu_ram_free(mr->ram_block);
        mr->ram_block = NULL;
    }
    g_free(mr->name);
    mr->name = NULL;
}

static gint subregion_cmp(gconstpointer a, gconstpointer b)
{
    const MemoryRegion *ma = a, *mb = b;

    /* Highest priority first; among equals, the newest first, which
     * matches "later mapping wins" for overlapping equal priorities. */
    return mb->priority - ma->priority;
}

static void add_subregion_common(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *sub)
{
    g_assert(sub->container == NULL);
    sub->container = mr;
    sub->addr = offset;
    sub->mapped_count++;
    mr->subregions = g_list_insert_sorted(mr->subregions, sub,
                                          subregion_cmp);
    mr_changed(mr);
}

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion)
{
    subregion->priority = 0;
    add_subregion_common(mr, offset, subregion);
}

void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion,
                                         int priority)
{
    subregion->priority = priority;
    add_subregion_common(mr, offset, subregion);
}

void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion)
{
    g_assert(subregion->container == mr);
    mr->subregions = g_list_remove(mr->subregions, subregion);
    subregion->container = NULL;
    if (subregion->mapped_count) {
        subregion->mapped_count--;
    }
    mr_changed(mr);
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled == enabled) {
        return;
    }
    mr->enabled = enabled;
    mr_changed(mr);
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly == readonly) {
        return;
    }
    mr->readonly = readonly;
    mr_changed(mr);
}

bool memory_region_is_mapped(const MemoryRegion *mr)
{
    return mr->container != NULL;
}

MemoryRegion *get_system_memory(void)
{
    memory_init();
    return &system_memory;
}

MemoryRegion *get_system_io(void)
{
    memory_init();
    return &system_io;
}

void memory_init(void)
{
    if (memory_initialized) {
        return;
    }
    memory_initialized = true;
    memory_region_init(&system_memory, NULL, "system", UINT64_MAX);
    memory_region_init(&system_io, NULL, "io", 65536);
    address_space_memory.root = &system_memory;
    address_space_io.root = &system_io;
    address_space_memory.current = flatview_new();
    address_space_io.current = flatview_new();
}

void memory_listener_register(MemoryListener *listener, AddressSpace *as)
{
    GList *l;
    FlatView *fv;

    memory_init();
    listener->address_space = as;
    for (l = as->listeners; l; l = l->next) {
        MemoryListener *other = l->data;

        if (other->priority > listener->priority) {
            break;
        }
    }
    as->listeners = g_list_insert_before(as->listeners, l, listener);

    /* Replay what is already mapped, as one transaction. */
    fv = as->current;
    if (listener->begin) {
        listener->begin(listener);
    }
    for (guint i = 0; fv && i < fv->ranges->len; i++) {
        MemoryRegionSection s;

        section_from_range(&s, fv, &g_array_index(fv->ranges, FlatRange, i));
        if (listener->region_add) {
            listener->region_add(listener, &s);
        }
    }
    if (listener->commit) {
        listener->commit(listener);
    }
}

void memory_listener_unregister(MemoryListener *listener)
{
    AddressSpace *as = listener->address_space;
    FlatView *fv;

    if (!as) {
        return;
    }
    fv = as->current;
    if (listener->begin) {
        listener->begin(listener);
    }
    for (guint i = fv ? fv->ranges->len : 0; i > 0; i--) {
        MemoryRegionSection s;

        section_from_range(&s, fv,
                           &g_array_index(fv->ranges, FlatRange, i - 1));
        if (listener->region_del) {
            listener->region_del(listener, &s);
        }
    }
    if (listener->commit) {
        listener->commit(listener);
    }
    as->listeners = g_list_remove(as->listeners, listener);
    listener->address_space = NULL;
}

/* Address space whose root is @root, or NULL for a free-standing tree. */
static AddressSpace *as_for_root(MemoryRegion *root)
{
    if (root == address_space_memory.root) {
        return &address_space_memory;
    }
    if (root == address_space_io.root) {
        return &address_space_io;
    }
    return NULL;
}

MemoryRegionSection memory_region_find(MemoryRegion *root, hwaddr addr,
                                       uint64_t size)
{
    MemoryRegionSection s = { 0 };
    AddressSpace *as = as_for_root(root);
    FlatView *fv = as ? as->current : generate_flatview(root);
    guint i = flatview_lower_bound(fv, addr);

    if (i < fv->ranges->len) {
        FlatRange *r = &g_array_index(fv->ranges, FlatRange, i);

        if (r->addr <= addr) {
            uint64_t off = addr - r->addr;
            uint64_t len = MIN(size, r->size - off);

            s = (MemoryRegionSection) {
                .mr = r->mr,
                .fv = as ? fv : NULL,
                .offset_within_region = r->offset + off,
                .offset_within_address_space = addr,
                .size = len,
                .readonly = r->readonly,
            };
        }
    }
    if (!as) {
        flatview_free(fv);
    }
    return s;
}

int address_space_foreach_section(AddressSpace *as, hwaddr addr,
                                  uint64_t size, MemorySectionFn *fn,
                                  void *opaque)
{
    FlatView *fv = as->current;
    u128 cur = addr, end = (u128)addr + size;
    guint i;

    if (!fv) {
        return 0;
    }
    i = flatview_lower_bound(fv, addr);
    while (cur < end) {
        MemoryRegionSection s = { .fv = fv };
        FlatRange *r = i < fv->ranges->len ?
                       &g_array_index(fv->ranges, FlatRange, i) : NULL;
        int ret;

        if (r && r->addr <= cur) {
            u128 rend = MIN((u128)r->addr + r->size, end);

            s.mr = r->mr;
            s.offset_within_region = r->offset + (hwaddr)(cur - r->addr);
            s.offset_within_address_space = (hwaddr)cur;
            s.size = (uint64_t)(rend - cur);
            s.readonly = r->readonly;
            cur = rend;
            i++;
        } else {
            u128 hend = r ? MIN((u128)r->addr, end) : end;

            s.offset_within_address_space = (hwaddr)cur;
            s.size = (uint64_t)(hend - cur);
            cur = hend;
        }
        ret = fn(&s, opaque);
        if (ret) {
            return ret;
        }
    }
    return 0;
}

/* Largest naturally aligned access of at most 8 bytes at @addr within @len. */
static unsigned access_size(hwaddr addr, hwaddr len)
{
    unsigned sz = 8;

    while (sz > 1 && (sz > len || (addr & (sz - 1)))) {
        sz >>= 1;
    }
    return sz;
}

static void mmio_read(MemoryRegion *mr, hwaddr off, uint8_t *buf, hwaddr len)
{
    while (len) {
        unsigned sz = access_size(off, len);
        uint64_t v = mr->ops && mr->ops->read ?
                     mr->ops->read(mr->opaque, off, sz) : UINT64_MAX;

        for (unsigned b = 0; b < sz; b++) {
            buf[b] = v >> (8 * b);
        }
        buf += sz;
        off += sz;
        len -= sz;
    }
}

static void mmio_write(MemoryRegion *mr, hwaddr off, const uint8_t *buf,
                       hwaddr len)
{
    while (len) {
        unsigned sz = access_size(off, len);
        uint64_t v = 0;

        for (unsigned b = 0; b < sz; b++) {
            v |= (uint64_t)buf[b] << (8 * b);
        }
        if (mr->ops && mr->ops->write) {
            mr->ops->write(mr->opaque, off, v, sz);
        }
        buf += sz;
        off += sz;
        len -= sz;
    }
}

typedef enum { AS_READ, AS_WRITE, AS_SET } AccessKind;

/*
 * Walk [addr, addr+len) range by range; RAM via memcpy/memset on the host
 * mapping (no per-page work), the rest via ops.
 */
static MemTxResult address_space_access(AddressSpace *as, hwaddr addr,
                                        uint8_t *rbuf, const uint8_t *wbuf,
                                        uint8_t c, hwaddr len,
                                        AccessKind kind)
{
    FlatView *fv = as->current;
    MemTxResult res = MEMTX_OK;
    guint i;

    if (!fv) {
        if (kind == AS_READ) {
            memset(rbuf, 0xff, len);
        }
        return len ? MEMTX_DECODE_ERROR : MEMTX_OK;
    }
    i = flatview_lower_bound(fv, addr);
    while (len) {
        FlatRange *r = i < fv->ranges->len ?
                       &g_array_index(fv->ranges, FlatRange, i) : NULL;
        hwaddr chunk;

        if (!r || r->addr > addr) {
            /* hole up to the next range */
            chunk = r ? MIN(len, r->addr - addr) : len;
            if (kind == AS_READ) {
                memset(rbuf, 0xff, chunk);
            }
            res = MEMTX_DECODE_ERROR;
        } else {
            hwaddr off = r->offset + (addr - r->addr);

            chunk = MIN(len, r->size - (addr - r->addr));
            if (r->mr->ram) {
                uint8_t *host = (uint8_t *)memory_region_get_ram_ptr(r->mr)
                                + off;

                if (kind == AS_READ) {
                    memcpy(rbuf, host, chunk);
                } else if (r->readonly) {
                    /* writes to ROM are dropped */
                } else if (kind == AS_WRITE) {
                    memcpy(host, wbuf, chunk);
                } else {
                    memset(host, c, chunk);
                }
            } else if (kind == AS_READ) {
                mmio_read(r->mr, off, rbuf, chunk);
            } else if (kind == AS_WRITE) {
                mmio_write(r->mr, off, wbuf, chunk);
            } else {
                uint8_t tmp[64];
                hwaddr done = 0;

                memset(tmp, c, sizeof(tmp));
                while (done < chunk) {
                    hwaddr n = MIN(chunk - done, sizeof(tmp));

                    mmio_write(r->mr, off + done, tmp, n);
                    done += n;
                }
            }
            i++;
        }
        addr += chunk;
        len -= chunk;
        if (rbuf) {
            rbuf += chunk;
        }
        if (wbuf) {
            wbuf += chunk;
        }
    }
    return res;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr, void *buf,
                               hwaddr len)
{
    return address_space_access(as, addr, buf, NULL, 0, len, AS_READ);
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                const void *buf, hwaddr len)
{
    return address_space_access(as, addr, NULL, buf, 0, len, AS_WRITE);
}

MemTxResult address_space_set(AddressSpace *as, hwaddr addr, uint8_t c,
                              hwaddr len)
{
    return address_space_access(as, addr, NULL, NULL, c, len, AS_SET);
}

uint64_t cpu_io_read(hwaddr port, unsigned size)
{
    uint8_t buf[8];
    uint64_t v = 0;

    g_assert(size >= 1 && size <= 8);
    address_space_read(&address_space_io, port, buf, size);
    for (unsigned b = 0; b < size; b++) {
        v |= (uint64_t)buf[b] << (8 * b);
    }
    return v;
}

void cpu_io_write(hwaddr port, uint64_t val, unsigned size)
{
    uint8_t buf[8];

    g_assert(size >= 1 && size <= 8);
    for (unsigned b = 0; b < size; b++) {
        buf[b] = val >> (8 * b);
    }
    address_space_write(&address_space_io, port, buf, size);
}
