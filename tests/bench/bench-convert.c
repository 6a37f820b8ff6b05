/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark (prints, never asserts): what the VMM itself adds to a
 * shared/private conversion (the map, routing by the block's model, the
 * listeners), measured against the KVM double so the kernel's share is
 * small and known: kvm_convert_memory() round trips beside a bare loop of
 * the same ioctls on the same double, in the same run.
 *
 *   bench-convert [--runs N]
 *   bench-convert --real [--runs N] [--tap]
 *
 * --real: figures (a), on the real /dev/kvm of the nested lab (a
 * KVM_X86_SW_PROTECTED_VM, legacy model): round trips of 4 KiB, 2 MiB and
 * 64 MiB through kvm_convert_memory(), the attribute ioctls alone, and the
 * discard alone on populated pages; --tap wraps the figures for the lab.
 */
#include "qemu/osdep.h"
#include <time.h>
#include "qemu/units.h"
#include "linux/kvm.h"
#include "system/kvm.h"
#include "system/kvm_int.h"
#include "system/memory.h"
#include "system/ramblock.h"
#include "system/ram-block-attributes.h"
#include "kvm-double.h"

#define BLOCK_SIZE (64 * MiB)

static uint64_t listener_calls;

static void noop_discard(RamBlockAttrListener *l, RAMBlock *rb, uint64_t off,
                         uint64_t size)
{
    listener_calls++;
}

static int noop_populate(RamBlockAttrListener *l, RAMBlock *rb, uint64_t off,
                         uint64_t size)
{
    listener_calls++;
    return 0;
}

static RamBlockAttrListener listener = { noop_discard, noop_populate };

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One ioctl per conversion, as the VMM would issue it: ns per conversion. */
static double bare_loop(bool inplace, RAMBlock *rb, hwaddr base,
                        uint64_t size, unsigned iters)
{
    uint64_t slots = BLOCK_SIZE / size;
    double t0 = now_ns();

    for (unsigned i = 0; i < iters; i++) {
        uint64_t off = (i % slots) * size;

        for (int dir = 1; dir >= 0; dir--) {
            int ret;

            if (inplace) {
                struct kvm_memory_attributes2 a = {
                    .offset = rb->guest_memfd_offset + off, .size = size,
                    .attributes = dir ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
                };

                ret = kvm_fd_ioctl(rb->guest_memfd,
                                   KVM_SET_MEMORY_ATTRIBUTES2, &a);
            } else {
                struct kvm_memory_attributes a = {
                    .address = base + off, .size = size,
                    .attributes = dir ? 0 : KVM_MEMORY_ATTRIBUTE_PRIVATE,
                };

                ret = kvm_vm_ioctl(KVM_SET_MEMORY_ATTRIBUTES, &a);
            }
            if (ret < 0) {
                fprintf(stderr, "bare ioctl failed: %s\n", strerror(-ret));
                exit(1);
            }
        }
    }
    return (now_ns() - t0) / (2.0 * iters);
}

static double vmm_loop(bool inplace, hwaddr base, uint64_t size,
                       unsigned iters)
{
    uint64_t slots = BLOCK_SIZE / size;
    double t0 = now_ns();

    for (unsigned i = 0; i < iters; i++) {
        uint64_t off = (i % slots) * size;

        /* in place starts shared, legacy private: go there and back */
        if (kvm_convert_memory(base + off, size, inplace, &error_abort) ||
            kvm_convert_memory(base + off, size, !inplace, &error_abort)) {
            exit(1);
        }
    }
    return (now_ns() - t0) / (2.0 * iters);
}

static void run(bool inplace, int runs)
{
    static const uint64_t sizes[] = { 4 * KiB, 2 * MiB };
    KVMDouble *d = kvm_double_new(inplace ? KVM_DOUBLE_INPLACE_V7
                                          : KVM_DOUBLE_LAB_73);
    const hwaddr base = 0;
    MemoryRegion mr;

    kvm_double_install(d);
    kvm_accel_init(KVM_X86_SW_PROTECTED_VM, &error_abort);
    kvm_confidential_setup(inplace ? CGS_MODEL_IN_PLACE : CGS_MODEL_LEGACY,
                           &error_abort);
    if (inplace) {
        int fd = kvm_create_guest_memfd(BLOCK_SIZE, GUEST_MEMFD_FLAG_MMAP |
                                        GUEST_MEMFD_FLAG_INIT_SHARED,
                                        &error_abort);

        memory_region_init_ram_from_fd(&mr, NULL, "bench-ram", BLOCK_SIZE,
                                       RAM_SHARED | RAM_GUEST_MEMFD_SHARED |
                                       RAM_GUEST_MEMFD_IN_PLACE, fd, 0,
                                       &error_abort);
    } else {
        memory_region_init_ram_flags_nomigrate(&mr, NULL, "bench-ram",
                                               BLOCK_SIZE,
                                               RAM_SHARED | RAM_GUEST_MEMFD,
                                               &error_abort);
    }
    memory_region_add_subregion(get_system_memory(), base, &mr);
    kvm_memslots_sync();

    printf("%s model (double profile %s), %d runs, medians:\n",
           inplace ? "in-place" : "legacy",
           kvm_double_profile_name(inplace ? KVM_DOUBLE_INPLACE_V7
                                           : KVM_DOUBLE_LAB_73), runs);
    printf("  %-8s %12s %12s %12s %8s\n", "size", "bare ioctl", "VMM total",
           "VMM adds", "ratio");
    for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
        unsigned iters = sizes[s] == 4 * KiB ? 20000 : 1000;
        double bare[64], vmm[64], add[64];

        for (int r = 0; r < runs; r++) {
            bare[r] = bare_loop(inplace, mr.ram_block, base, sizes[s], iters);
            vmm[r] = vmm_loop(inplace, base, sizes[s], iters);
            add[r] = vmm[r] - bare[r];
        }
        {
            double mb = median(bare, runs), mv = median(vmm, runs);
            double ma = median(add, runs);

            printf("  %-8s %9.0f ns %9.0f ns %9.0f ns %7.2fx\n",
                   sizes[s] == 4 * KiB ? "4 KiB" : "2 MiB", mb, mv, ma,
                   mv / mb);
        }
    }
    if (!inplace) {
        printf("  (legacy VMM total includes the discard system calls on "
               "real memfds: punch of the shared memfd or the guest_memfd)\n");
    }
    memory_region_del_subregion(get_system_memory(), &mr);
    memory_region_finalize(&mr);
    kvm_accel_cleanup();
    kvm_double_uninstall();
    kvm_double_free(d);
}

/* The discard a legacy round trip does, alone, on pages that hold data. */
static double discard_loop(RAMBlock *rb, uint64_t size, unsigned iters)
{
    uint64_t slots = BLOCK_SIZE / size;
    double t = 0;

    for (unsigned i = 0; i < iters; i++) {
        uint64_t off = (i % slots) * size;
        double t0;

        /* populate both copies, untimed: a guest would have used them */
        memset(rb->host + off, 0x5a, size);
        if (fallocate(rb->guest_memfd, FALLOC_FL_KEEP_SIZE,
                      rb->guest_memfd_offset + off,
                      size) < 0) {
            fprintf(stderr, "fallocate of the guest_memfd: %s\n",
                    strerror(errno));
            exit(1);
        }
        t0 = now_ns();
        if (ram_block_discard_guest_memfd_range(rb, off, size) < 0 ||
            ram_block_discard_range(rb, off, size) < 0) {
            fprintf(stderr, "discard failed\n");
            exit(1);
        }
        t += now_ns() - t0;
    }
    return t / (2.0 * iters);
}

static void run_real(int runs, bool tap)
{
    static const uint64_t sizes[] = { 4 * KiB, 2 * MiB, 64 * MiB };
    static const unsigned iters[] = { 2000, 100, 4 };
    const char *pfx = tap ? "# " : "";
    const hwaddr base = 0;
    MemoryRegion mr;
    Error *err = NULL;

    if (!kvm_accel_init(KVM_X86_SW_PROTECTED_VM, &err) ||
        !kvm_confidential_setup(CGS_MODEL_LEGACY, &err)) {
        if (tap) {
            printf("1..0 # SKIP %s\n", error_get_pretty(err));
            error_free(err);
            return;
        }
        error_report_err(err);
        exit(1);
    }
    memory_region_init_ram_flags_nomigrate(&mr, NULL, "bench-ram", BLOCK_SIZE,
                                           RAM_SHARED | RAM_GUEST_MEMFD,
                                           &error_abort);
    memory_region_add_subregion(get_system_memory(), base, &mr);
    kvm_memslots_sync();

    if (tap) {
        printf("1..1\n");
    }
    printf("%slegacy model on the real kernel (KVM_X86_SW_PROTECTED_VM, "
           "shared memfd + guest_memfd), %d runs, medians per conversion:\n",
           pfx, runs);
    printf("%s  %-8s %12s %12s %12s %12s %10s\n", pfx, "size",
           "round/2", "attr ioctl", "discard", "conv/s", "GB/s");
    for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
        double vmm[64], bare[64], disc[64];

        for (int r = 0; r < runs; r++) {
            vmm[r] = vmm_loop(false, base, sizes[s], iters[s]);
            bare[r] = bare_loop(false, mr.ram_block, base, sizes[s],
                                iters[s]);
            disc[r] = discard_loop(mr.ram_block, sizes[s], iters[s]);
        }
        {
            double mv = median(vmm, runs), mb = median(bare, runs);
            double md = median(disc, runs);
            double per = mv + md;   /* a conversion with data to drop */

            printf("%s  %-8s %9.0f ns %9.0f ns %9.0f ns %12.0f %10.3f\n",
                   pfx, sizes[s] == 4 * KiB ? "4 KiB" :
                   sizes[s] == 2 * MiB ? "2 MiB" : "64 MiB", mv, mb, md,
                   1e9 / per, sizes[s] / per);
        }
    }
    printf("%s  (round/2: kvm_convert_memory() there and back, halved, on "
           "empty pages; discard: both stale copies dropped after they were "
           "populated; conv/s and GB/s from round/2 + discard)\n", pfx);
    if (tap) {
        printf("ok 1 - bench-convert --real\n");
    }
    memory_region_del_subregion(get_system_memory(), &mr);
    memory_region_finalize(&mr);
    kvm_accel_cleanup();
}

int main(int argc, char **argv)
{
    int runs = 7;
    bool real = false, tap = false;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
            runs = MAX(1, MIN(64, runs));
        } else if (!strcmp(argv[i], "--real")) {
            real = true;
        } else if (!strcmp(argv[i], "--tap")) {
            tap = true;
        }
    }
    module_call_init_qom();
    memory_init();
    ram_block_attributes_listener_add(&listener);
    if (real) {
        run_real(runs, tap);
        return 0;
    }
    run(true, runs);
    run(false, runs);
    printf("listener calls: %" PRIu64 "\n", listener_calls);
    return 0;
}
