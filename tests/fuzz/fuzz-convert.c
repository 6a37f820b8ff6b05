/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: sequences of shared/private conversions and backend
 * deletion over random ranges, through the real kvm_convert_memory() and
 * the memory core, against the KVM double's in-place profile (per-
 * guest_memfd attributes).  After every step the double's kernel state
 * and the shared/private map must match a model of which pages are
 * private (a request that cannot be done whole changes nothing), and
 * deleting a backend must give back its guest_memfd.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "system/kvm.h"
#include "system/memory.h"
#include "system/ramblock.h"
#include "system/ram-block-attributes.h"
#include "tests/kvm-double/kvm-double.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define PAGE 4096ULL
#define BLOCK_PAGES 256                 /* 1 MiB per backend */
/* two backends with a hole between: A at 0, B at 2 MiB; 3 MiB in all */
#define SPACE_PAGES (3 * BLOCK_PAGES)

static const uint64_t block_gpa[2] = { 0, 2 * BLOCK_PAGES * PAGE };
static MemoryRegion blocks[2];
static bool present[2];
static bool model[2][BLOCK_PAGES];      /* true: private */
static KVMDouble *dbl;
static unsigned fds_one_block;          /* the double's fds per backend */

static void block_add(int b)
{
    uint64_t flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
    int fd = kvm_create_guest_memfd(BLOCK_PAGES * PAGE, flags, &error_abort);
    g_autofree char *name = g_strdup_printf("fuzz-gmem%d", b);

    memset(&blocks[b], 0, sizeof(blocks[b]));
    g_assert(memory_region_init_ram_from_fd(&blocks[b], NULL, name,
                                            BLOCK_PAGES * PAGE,
                                            RAM_SHARED |
                                            RAM_GUEST_MEMFD_SHARED |
                                            RAM_GUEST_MEMFD_IN_PLACE, fd, 0,
                                            &error_abort));
    memory_region_add_subregion(get_system_memory(), block_gpa[b],
                                &blocks[b]);
    g_assert(kvm_memslots_check(&error_abort));
    memset(model[b], 0, sizeof(model[b]));  /* INIT_SHARED */
    present[b] = true;
}

static void block_del(int b)
{
    memory_region_del_subregion(get_system_memory(), &blocks[b]);
    memory_region_finalize(&blocks[b]);
    present[b] = false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    unsigned base;

    error_init("qemu-fuzz");
    dbl = kvm_double_new(KVM_DOUBLE_INPLACE_V7);
    kvm_double_install(dbl);
    g_assert(kvm_accel_init(KVM_X86_SW_PROTECTED_VM, &error_abort));
    base = kvm_double_open_fds(dbl);
    block_add(0);
    fds_one_block = kvm_double_open_fds(dbl) - base;
    block_add(1);
    return 0;
}

/* Which backend page @page of the space is, or -1 for the hole. */
static int block_of(uint64_t page, uint64_t *idx)
{
    for (int b = 0; b < 2; b++) {
        uint64_t first = block_gpa[b] / PAGE;

        if (present[b] && page >= first && page < first + BLOCK_PAGES) {
            *idx = page - first;
            return b;
        }
    }
    return -1;
}

/*
 * What the conversion must do: a hole may become shared (a no-op) but not
 * private, and a request that cannot be done whole is refused (-EINVAL)
 * before anything changes; otherwise every backend page takes the state.
 */
static int model_convert(uint64_t first, uint64_t n, bool to_private)
{
    uint64_t i;

    for (uint64_t p = first; to_private && p < first + n; p++) {
        if (block_of(p, &i) < 0) {
            return -EINVAL;
        }
    }
    for (uint64_t p = first; p < first + n; p++) {
        int b = block_of(p, &i);

        if (b >= 0) {
            model[b][i] = to_private;
        }
    }
    return 0;
}

static int convert(uint64_t gpa, uint64_t size, bool to_private)
{
    Error *err = NULL;
    int ret = kvm_convert_memory(gpa, size, to_private, &err);

    /* a refusal always says why */
    g_assert((ret < 0) == (err != NULL));
    error_free(err);
    return ret;
}

static void check_state(void)
{
    for (int b = 0; b < 2; b++) {
        if (!present[b]) {
            continue;
        }
        for (unsigned i = 0; i < BLOCK_PAGES; i++) {
            RAMBlock *rb = blocks[b].ram_block;
            int64_t attr = kvm_double_gmem_attributes(dbl, rb->guest_memfd,
                                                      i * PAGE);
            bool map = ram_block_attributes_is_private(
                ram_block_attributes_get(rb), i * PAGE);

            if ((attr == KVM_MEMORY_ATTRIBUTE_PRIVATE) != model[b][i] ||
                map != model[b][i]) {
                fprintf(stderr, "backend %d page %u: double has 0x%" PRIx64
                        ", map %d, model %s\n", b, i, attr, map,
                        model[b][i] ? "private" : "shared");
                abort();
            }
        }
    }
}

/*
 * Each step is 5 bytes: op, start page (2 bytes), page count (2 bytes).
 * op & 3: 0 to-private, 1 to-shared, 2 delete and re-create a backend
 * (start's low bit picks it), 3 a misaligned or empty range (refused).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned fds0;

    for (int b = 0; b < 2; b++) {
        if (present[b]) {
            block_del(b);
        }
        block_add(b);
    }
    fds0 = kvm_double_open_fds(dbl);
    for (size_t pos = 0; pos + 5 <= size; pos += 5) {
        unsigned op = data[pos] & 3;
        uint64_t start = (data[pos + 1] | data[pos + 2] << 8) %
                         (SPACE_PAGES + 16);
        uint64_t n = (data[pos + 3] | data[pos + 4] << 8) %
                     (SPACE_PAGES + 16);
        int want, got;

        switch (op) {
        case 0:
        case 1:
            if (!n) {
                n = 1;
            }
            want = model_convert(start, n, op == 0);
            got = convert(start * PAGE, n * PAGE, op == 0);
            if (got != want) {
                fprintf(stderr, "convert pages %" PRIu64 "+%" PRIu64
                        " to %s: %d, model %d\n", start, n,
                        op ? "shared" : "private", got, want);
                abort();
            }
            break;
        case 2:
            if (present[start & 1]) {
                block_del(start & 1);
                /* its guest_memfd went with it */
                g_assert_cmpuint(kvm_double_open_fds(dbl), ==,
                                 fds0 - fds_one_block);
            }
            block_add(start & 1);
            break;
        default:
            /* refused before anything is touched */
            got = convert(start * PAGE + 1 + n % (PAGE - 1),
                          n & 1 ? PAGE : 0, true);
            g_assert_cmpint(got, ==, -EINVAL);
            break;
        }
        check_state();
        g_assert_cmpuint(kvm_double_open_fds(dbl), ==, fds0);
    }
    return 0;
}
