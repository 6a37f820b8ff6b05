/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of system/memory.c: flat view rendering (priorities, aliases,
 * holes, enable/readonly), listener notification and replay, and
 * address_space_read/write/set against RAM and I/O test regions.
 */
#include "qemu/osdep.h"
#include "system/memory.h"
#include "system/ramblock.h"

/* ---- a recording I/O region ---- */

typedef struct IoLog {
    GString *log;
    uint8_t mem[64];
} IoLog;

static uint64_t log_read(void *opaque, hwaddr addr, unsigned size)
{
    IoLog *l = opaque;
    uint64_t v = 0;

    g_string_append_printf(l->log, "r%u@%" PRIx64 ";", size, addr);
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)l->mem[(addr + i) % sizeof(l->mem)] << (8 * i);
    }
    return v;
}

static void log_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    IoLog *l = opaque;

    g_string_append_printf(l->log, "w%u@%" PRIx64 "=%" PRIx64 ";", size,
                           addr, val);
    for (unsigned i = 0; i < size; i++) {
        l->mem[(addr + i) % sizeof(l->mem)] = val >> (8 * i);
    }
}

static const MemoryRegionOps log_ops = {
    .read = log_read,
    .write = log_write,
};

static IoLog *iolog_new(void)
{
    IoLog *l = g_new0(IoLog, 1);

    l->log = g_string_new("");
    return l;
}

static void iolog_free(IoLog *l)
{
    g_string_free(l->log, true);
    g_free(l);
}

/* ---- a recording listener ---- */

typedef struct RecListener {
    MemoryListener ml;
    GString *log;
    int depth;
} RecListener;

static void rec_begin(MemoryListener *ml)
{
    RecListener *r = container_of(ml, RecListener, ml);

    g_assert_cmpint(r->depth, ==, 0);
    r->depth++;
    g_string_append(r->log, "begin;");
}

static void rec_commit(MemoryListener *ml)
{
    RecListener *r = container_of(ml, RecListener, ml);

    g_assert_cmpint(r->depth, ==, 1);
    r->depth--;
    g_string_append(r->log, "commit;");
}

static void rec_section(RecListener *r, const char *what,
                        MemoryRegionSection *s)
{
    g_assert_cmpint(r->depth, ==, 1);
    g_string_append_printf(r->log, "%s %s %" PRIx64 "+%" PRIx64 " @%" PRIx64
                           "%s;", what, s->mr->name,
                           s->offset_within_address_space, s->size,
                           s->offset_within_region, s->readonly ? " ro" : "");
}

static void rec_add(MemoryListener *ml, MemoryRegionSection *s)
{
    rec_section(container_of(ml, RecListener, ml), "add", s);
}

static void rec_del(MemoryListener *ml, MemoryRegionSection *s)
{
    rec_section(container_of(ml, RecListener, ml), "del", s);
}

static void rec_init(RecListener *r)
{
    memset(r, 0, sizeof(*r));
    r->log = g_string_new("");
    r->ml.begin = rec_begin;
    r->ml.commit = rec_commit;
    r->ml.region_add = rec_add;
    r->ml.region_del = rec_del;
    r->ml.name = "test";
}

static char *rec_take(RecListener *r)
{
    char *s = g_strdup(r->log->str);

    g_string_truncate(r->log, 0);
    return s;
}

/* ---- flat view dump through address_space_foreach_section ---- */

static int dump_section(MemoryRegionSection *s, void *opaque)
{
    GString *out = opaque;

    g_string_append_printf(out, "%" PRIx64 "+%" PRIx64 ":%s@%" PRIx64 "%s;",
                           s->offset_within_address_space, s->size,
                           s->mr ? s->mr->name : "hole",
                           s->offset_within_region,
                           s->readonly ? " ro" : "");
    return 0;
}

static char *dump(AddressSpace *as, hwaddr addr, uint64_t size)
{
    GString *out = g_string_new("");

    address_space_foreach_section(as, addr, size, dump_section, out);
    return g_string_free(out, false);
}

static void test_priority_and_holes(void)
{
    MemoryRegion *sys = get_system_memory();
    MemoryRegion a, b, c;
    IoLog *l = iolog_new();
    g_autofree char *d1 = NULL, *d2 = NULL, *d3 = NULL;

    memory_region_init_io(&a, NULL, &log_ops, l, "a", 0x1000);
    memory_region_init_io(&b, NULL, &log_ops, l, "b", 0x1000);
    memory_region_init_io(&c, NULL, &log_ops, l, "c", 0x100);
    memory_region_add_subregion(sys, 0x10000, &a);
    /* b overlaps the upper half of a at a higher priority */
    memory_region_add_subregion_overlap(sys, 0x10800, &b, 1);
    /* c is below a: hidden where they overlap */
    memory_region_add_subregion_overlap(sys, 0x10100, &c, -1);

    d1 = dump(&address_space_memory, 0xf000, 0x3000);
    g_assert_cmpstr(d1, ==,
                    "f000+1000:hole@0;"
                    "10000+800:a@0;"
                    "10800+1000:b@0;"
                    "11800+800:hole@0;");

    memory_region_set_enabled(&b, false);
    d2 = dump(&address_space_memory, 0x10000, 0x1000);
    g_assert_cmpstr(d2, ==, "10000+1000:a@0;");

    memory_region_set_enabled(&a, false);
    d3 = dump(&address_space_memory, 0x10000, 0x1000);
    g_assert_cmpstr(d3, ==, "10000+100:hole@0;10100+100:c@0;"
                            "10200+e00:hole@0;");

    memory_region_finalize(&a);
    memory_region_finalize(&b);
    memory_region_finalize(&c);
    g_assert_false(memory_region_is_mapped(&a));
    iolog_free(l);
}

static void test_alias_and_container(void)
{
    MemoryRegion *sys = get_system_memory();
    MemoryRegion cont, target, alias;
    IoLog *l = iolog_new();
    MemoryRegionSection s;
    g_autofree char *d = NULL;

    memory_region_init(&cont, NULL, "cont", 0x10000);
    memory_region_init_io(&target, NULL, &log_ops, l, "target", 0x4000);
    memory_region_add_subregion(&cont, 0x1000, &target);
    /* alias of target's second half, mapped elsewhere */
    memory_region_init_alias(&alias, NULL, "alias", &target, 0x2000, 0x2000);
    memory_region_add_subregion(sys, 0x100000, &cont);
    memory_region_add_subregion(sys, 0x200000, &alias);

    s = memory_region_find(sys, 0x201000, 0x10000);
    g_assert(s.mr == &target);
    g_assert_cmphex(s.offset_within_region, ==, 0x3000);
    g_assert_cmphex(s.size, ==, 0x1000);   /* clipped to the flat range */

    s = memory_region_find(sys, 0x101800, 4);
    g_assert(s.mr == &target);
    g_assert_cmphex(s.offset_within_region, ==, 0x800);

    s = memory_region_find(sys, 0x100800, 4);
    g_assert_null(s.mr);

    d = dump(&address_space_memory, 0x1ff000, 0x4000);
    g_assert_cmpstr(d, ==, "1ff000+1000:hole@0;200000+2000:target@2000;"
                           "202000+1000:hole@0;");

    /* a write through the alias reaches the target at the right offset */
    g_assert_cmpint(address_space_write(&address_space_memory, 0x200010,
                                        "\x11\x22\x33\x44", 4), ==, MEMTX_OK);
    g_assert_cmpstr(l->log->str, ==, "w4@2010=44332211;");

    memory_region_transaction_begin();
    memory_region_finalize(&alias);
    memory_region_finalize(&cont);
    memory_region_transaction_commit();
    memory_region_finalize(&target);
    iolog_free(l);
}

static void test_alias_below_zero(void)
{
    MemoryRegion *sys = get_system_memory();
    MemoryRegion target, alias;
    IoLog *l = iolog_new();
    MemoryRegionSection s;

    /* An alias whose offset exceeds its address: the target "starts"
     * below address 0, which must not wrap around. */
    memory_region_init_io(&target, NULL, &log_ops, l, "t", 0x100000);
    memory_region_init_alias(&alias, NULL, "al", &target, 0x80000, 0x1000);
    memory_region_add_subregion(sys, 0x3000, &alias);
    s = memory_region_find(sys, 0x3800, 8);
    g_assert(s.mr == &target);
    g_assert_cmphex(s.offset_within_region, ==, 0x80800);
    s = memory_region_find(sys, 0x4000, 8);
    g_assert_null(s.mr);
    memory_region_finalize(&alias);
    memory_region_finalize(&target);
    iolog_free(l);
}

static void test_listener(void)
{
    MemoryRegion *sys = get_system_memory();
    MemoryRegion a, b;
    IoLog *l = iolog_new();
    RecListener r;
    g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL, *s4 = NULL;
    g_autofree char *s5 = NULL, *s6 = NULL, *s7 = NULL;

    memory_region_init_io(&a, NULL, &log_ops, l, "a", 0x2000);
    memory_region_add_subregion(sys, 0x40000, &a);

    rec_init(&r);
    memory_listener_register(&r.ml, &address_space_memory);
    g_assert(r.ml.address_space == &address_space_memory);
    s1 = rec_take(&r);
    /* replay of what is already mapped */
    g_assert_cmpstr(s1, ==, "begin;add a 40000+2000 @0;commit;");

    memory_region_init_io(&b, NULL, &log_ops, l, "b", 0x1000);
    memory_region_add_subregion_overlap(sys, 0x41000, &b, 1);
    s2 = rec_take(&r);
    /* a is cut: the old section goes, the shorter one comes back */
    g_assert_cmpstr(s2, ==, "begin;del a 40000+2000 @0;"
                            "add a 40000+1000 @0;add b 41000+1000 @0;"
                            "commit;");

    memory_region_set_readonly(&b, true);
    s3 = rec_take(&r);
    g_assert_cmpstr(s3, ==, "begin;del b 41000+1000 @0;"
                            "add b 41000+1000 @0 ro;commit;");

    /* a transaction batches several changes into one notification */
    memory_region_transaction_begin();
    memory_region_del_subregion(sys, &b);
    memory_region_set_readonly(&b, false);
    memory_region_add_subregion(sys, 0x50000, &b);
    s4 = rec_take(&r);
    g_assert_cmpstr(s4, ==, "");
    memory_region_transaction_commit();
    s5 = rec_take(&r);
    g_assert_cmpstr(s5, ==, "begin;del a 40000+1000 @0;"
                            "del b 41000+1000 @0 ro;"
                            "add a 40000+2000 @0;add b 50000+1000 @0;"
                            "commit;");

    /* each change outside a transaction is its own notification */
    memory_region_set_enabled(&b, false);
    memory_region_set_enabled(&b, true);
    s6 = rec_take(&r);
    g_assert_cmpstr(s6, ==, "begin;del b 50000+1000 @0;commit;"
                            "begin;add b 50000+1000 @0;commit;");

    memory_listener_unregister(&r.ml);
    s7 = rec_take(&r);
    g_assert_cmpstr(s7, ==, "begin;del b 50000+1000 @0;"
                            "del a 40000+2000 @0;commit;");
    g_assert_null(r.ml.address_space);

    memory_region_finalize(&a);
    memory_region_finalize(&b);
    /* unregistered: no more notifications */
    g_assert_cmpstr(r.log->str, ==, "");
    g_string_free(r.log, true);
    iolog_free(l);
}

static void test_io_split_and_unmapped(void)
{
    MemoryRegion *sys = get_system_memory();
    MemoryRegion a;
    IoLog *l = iolog_new();
    uint8_t buf[16];
    uint8_t w[11] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };

    memory_region_init_io(&a, NULL, &log_ops, l, "a", 0x100);
    memory_region_add_subregion(sys, 0x80000, &a);

    /* 11 bytes at offset 1: 1 + 2 + 4 + 4 naturally aligned accesses */
    g_assert_cmpint(address_space_write(&address_space_memory, 0x80001, w,
                                        11), ==, MEMTX_OK);
    g_assert_cmpstr(l->log->str, ==, "w1@1=1;w2@2=302;w4@4=7060504;"
                                     "w4@8=b0a0908;");
    g_string_truncate(l->log, 0);
    memset(buf, 0, sizeof(buf));
    g_assert_cmpint(address_space_read(&address_space_memory, 0x80000, buf,
                                       16), ==, MEMTX_OK);
    g_assert_cmpstr(l->log->str, ==, "r8@0;r8@8;");
    g_assert_cmpmem(buf + 1, 11, w, 11);

    /* straddling the end: the unmapped part reads as 0xff */
    memset(buf, 0, sizeof(buf));
    g_assert_cmpint(address_space_read(&address_space_memory, 0x800fc, buf,
                                       8), ==, MEMTX_DECODE_ERROR);
    for (int i = 4; i < 8; i++) {
        g_assert_cmphex(buf[i], ==, 0xff);
    }
    g_assert_cmpint(address_space_write(&address_space_memory, 0x900000, w,
                                        4), ==, MEMTX_DECODE_ERROR);

    g_string_truncate(l->log, 0);
    g_assert_cmpint(address_space_set(&address_space_memory, 0x80010, 0xab,
                                      3), ==, MEMTX_OK);
    g_assert_cmpstr(l->log->str, ==, "w2@10=abab;w1@12=ab;");

    memory_region_finalize(&a);
    iolog_free(l);
}

static void test_cpu_io(void)
{
    MemoryRegion *io = get_system_io();
    MemoryRegion port;
    IoLog *l = iolog_new();

    memory_region_init_io(&port, NULL, &log_ops, l, "port", 8);
    memory_region_add_subregion(io, 0x3f8, &port);
    cpu_io_write(0x3f9, 0x5a, 1);
    cpu_io_write(0x3fc, 0x11223344, 4);
    g_assert_cmphex(cpu_io_read(0x3f9, 1), ==, 0x5a);
    g_assert_cmphex(cpu_io_read(0x3fc, 2), ==, 0x3344);
    /* nothing behind port 0x80 */
    g_assert_cmphex(cpu_io_read(0x80, 1), ==, 0xff);
    g_assert_cmphex(cpu_io_read(0x80, 4), ==, 0xffffffff);
    g_assert_cmpstr(l->log->str, ==, "w1@1=5a;w4@4=11223344;r1@1;r2@4;");
    memory_region_finalize(&port);
    iolog_free(l);
}

static void test_ram(void)
{
    MemoryRegion *sys = get_system_memory();
    MemoryRegion ram, alias, mmio;
    IoLog *l = iolog_new();
    Error *err = NULL;
    uint8_t *host;
    uint8_t buf[32], pat[32];

    g_assert_true(memory_region_init_ram_flags_nomigrate(&ram, NULL, "ram",
                                                         0x200000, 0, &err));
    g_assert_null(err);
    host = memory_region_get_ram_ptr(&ram);
    g_assert_nonnull(host);
    memory_region_init_alias(&alias, NULL, "ram-hi", &ram, 0x100000,
                             0x100000);
    memory_region_init_io(&mmio, NULL, &log_ops, l, "mmio", 0x1000);
    memory_region_transaction_begin();
    memory_region_add_subregion(sys, 0x1000000, &ram);
    memory_region_add_subregion(sys, 0x3000000, &alias);
    memory_region_add_subregion_overlap(sys, 0x1100000, &mmio, 1);
    memory_region_transaction_commit();

    for (int i = 0; i < 32; i++) {
        pat[i] = i * 7 + 1;
    }
    /* the write lands in the host mapping, at the alias offset too */
    g_assert_cmpint(address_space_write(&address_space_memory, 0x3000100,
                                        pat, 32), ==, MEMTX_OK);
    g_assert_cmpmem(host + 0x100100, 32, pat, 32);
    g_assert_cmpint(address_space_read(&address_space_memory, 0x1000000 +
                                       0x100100 + 0x1000, buf, 32), ==,
                    MEMTX_OK);
    g_assert_cmpint(address_space_read(&address_space_memory, 0x3000100,
                                       buf, 32), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 32, pat, 32);

    /* an access crossing from RAM into the MMIO overlay */
    g_assert_cmpint(address_space_write(&address_space_memory, 0x10ffff0,
                                        pat, 32), ==, MEMTX_OK);
    g_assert_cmpmem(host + 0xffff0, 16, pat, 16);
    g_assert_cmpstr(l->log->str, ==, "w8@0=a29b948d867f7871;"
                                     "w8@8=dad3ccc5beb7b0a9;");

    g_assert_cmpint(address_space_set(&address_space_memory, 0x1000010, 0xcd,
                                      0x20), ==, MEMTX_OK);
    g_assert_cmphex(host[0x10], ==, 0xcd);
    g_assert_cmphex(host[0x2f], ==, 0xcd);
    g_assert_cmphex(host[0x30], ==, 0);

    /* read-only RAM: reads work, writes are dropped */
    memory_region_set_readonly(&alias, true);
    g_assert_cmpint(address_space_write(&address_space_memory, 0x3000100,
                                        "\0\0\0\0", 4), ==, MEMTX_OK);
    g_assert_cmpmem(host + 0x100100, 4, pat, 4);

    memory_region_transaction_begin();
    memory_region_finalize(&mmio);
    memory_region_finalize(&alias);
    memory_region_transaction_commit();
    memory_region_finalize(&ram);
    iolog_free(l);
}

static int count_ram(MemoryRegionSection *s, void *opaque)
{
    unsigned *n = opaque;

    if (s->mr && memory_region_is_ram(s->mr)) {
        (*n)++;
    }
    return 0;
}

static void test_big_ram_no_page_work(void)
{
    MemoryRegion *sys = get_system_memory();
    MemoryRegion ram, lo, hi;
    Error *err = NULL;
    RecListener r;
    unsigned n = 0;
    uint64_t size = 64ULL << 30;
    g_autofree char *s1 = NULL;
    uint64_t v = 0x1122334455667788ULL, back = 0;

    /* 64 GiB of reserved-but-untouched RAM: rendering and access must not
     * depend on its size. */
    if (!memory_region_init_ram_flags_nomigrate(&ram, NULL, "big", size,
                                                RAM_NORESERVE, &err)) {
        g_test_skip(error_get_pretty(err));
        error_free(err);
        return;
    }
    rec_init(&r);
    memory_listener_register(&r.ml, &address_space_memory);
    g_free(rec_take(&r));
    memory_region_init_alias(&lo, NULL, "lo", &ram, 0, 3ULL << 30);
    memory_region_init_alias(&hi, NULL, "hi", &ram, 3ULL << 30,
                             size - (3ULL << 30));
    memory_region_transaction_begin();
    memory_region_add_subregion(sys, 0, &lo);
    memory_region_add_subregion(sys, 4ULL << 30, &hi);
    memory_region_transaction_commit();
    s1 = rec_take(&r);
    g_assert_cmpstr(s1, ==, "begin;add big 0+c0000000 @0;"
                            "add big 100000000+f40000000 @c0000000;commit;");
    address_space_foreach_section(&address_space_memory, 0, UINT64_MAX,
                                  count_ram, &n);
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpint(address_space_write(&address_space_memory,
                                        (4ULL << 30) + size - (3ULL << 30) - 8,
                                        &v, 8), ==, MEMTX_OK);
    g_assert_cmpint(address_space_read(&address_space_memory,
                                       (4ULL << 30) + size - (3ULL << 30) - 8,
                                       &back, 8), ==, MEMTX_OK);
    g_assert_cmphex(back, ==, v);
    memory_listener_unregister(&r.ml);
    g_string_free(r.log, true);
    memory_region_transaction_begin();
    memory_region_finalize(&lo);
    memory_region_finalize(&hi);
    memory_region_transaction_commit();
    memory_region_finalize(&ram);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_init();
    g_test_add_func("/memory/flatview/priority-holes", test_priority_and_holes);
    g_test_add_func("/memory/flatview/alias-container",
                    test_alias_and_container);
    g_test_add_func("/memory/flatview/alias-below-zero",
                    test_alias_below_zero);
    g_test_add_func("/memory/listener", test_listener);
    g_test_add_func("/memory/rw/io-split-unmapped",
                    test_io_split_and_unmapped);
    g_test_add_func("/memory/rw/cpu-io", test_cpu_io);
    g_test_add_func("/memory/rw/ram", test_ram);
    g_test_add_func("/memory/ram/big", test_big_ram_no_page_work);
    return g_test_run();
}
