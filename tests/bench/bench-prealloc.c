/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark (prints, never asserts): preallocation of 4 GiB memfd and
 * guest_memfd backends through the backend's prealloc path, next to a
 * MADV_POPULATE_WRITE baseline (QEMU's way) and a bare fallocate loop on
 * the same kind of fd, all measured in the same run.
 *
 *   bench-prealloc [--size-mib N] [--runs N]
 */
#include "qemu/osdep.h"
#include <pthread.h>
#include <time.h>
#include <linux/falloc.h>
#include <linux/kvm.h>
#include "qemu/units.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"
#include "system/ramblock.h"
#include "system/kvm.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif


typedef enum Method { M_BACKEND, M_POPULATE, M_FALLOCATE, M__MAX } Method;
static const char *method_name[] = {
    "backend prealloc", "MADV_POPULATE_WRITE", "bare fallocate",
};

typedef struct Worker {
    RAMBlock *rb;
    uint64_t off, len;
    Method m;
    int err;
} Worker;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker_fn(void *opaque)
{
    Worker *w = opaque;

    if (w->m == M_POPULATE) {
        if (madvise(w->rb->host + w->off, w->len, MADV_POPULATE_WRITE)) {
            w->err = errno;
        }
    } else if (fallocate(w->rb->fd, FALLOC_FL_KEEP_SIZE,
                         w->rb->fd_offset + w->off, w->len)) {
        w->err = errno;
    }
    return NULL;
}

/* The baselines: one contiguous chunk per thread, like the real path. */
static bool run_threads(RAMBlock *rb, Method m, int threads)
{
    size_t ps = qemu_real_host_page_size();
    uint64_t pages = rb->used_length / ps, done = 0;
    pthread_t tid[64];
    Worker w[64];
    int i;

    for (i = 0; i < threads; i++) {
        uint64_t n = pages / threads + ((uint64_t)i < pages % threads);
        w[i] = (Worker) { rb, done * ps, n * ps, m, 0 };
        done += n;
        pthread_create(&tid[i], NULL, worker_fn, &w[i]);
    }
    for (i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        if (w[i].err) {
            fprintf(stderr, "%s failed: %s\n", method_name[m],
                    strerror(w[i].err));
            return false;
        }
    }
    return true;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Median of @v (left in run order: runs are paired across arrays). */
static double median(const double *v, int n)
{
    double s[32];

    memcpy(s, v, n * sizeof(*v));
    qsort(s, n, sizeof(*s), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static bool bench_one(const char *type, const char *extra, uint64_t size,
                      int threads, int runs)
{
    double secs[M__MAX][32], touch[2][32];
    int r, m;

    for (r = 0; r < runs; r++) {
        for (m = 0; m < M__MAX; m++) {
            g_autofree char *json = g_strdup_printf(
                "{\"size\": %" PRIu64 ", \"prealloc-threads\": %d%s}",
                size, threads, extra);
            json_t *props = json_loads(json, 0, NULL);
            Error *err = NULL;
            Object *obj = user_creatable_add_type(type, "bench", props,
                                                  &err);
            RAMBlock *rb;
            double t0;
            bool ok;

            json_decref(props);
            if (!obj) {
                fprintf(stderr, "%s: %s\n", type, error_get_pretty(err));
                error_free(err);
                return false;
            }
            rb = host_memory_backend_get_memory(MEMORY_BACKEND(obj))
                     ->ram_block;
            t0 = now();
            if (m == M_BACKEND) {
                ok = object_property_set_bool(obj, "prealloc", true, &err);
                if (!ok) {
                    fprintf(stderr, "%s\n", error_get_pretty(err));
                    error_free(err);
                }
            } else {
                ok = run_threads(rb, m, threads);
            }
            secs[m][r] = now() - t0;
            /*
             * Honesty check: what the first guest touch still costs after
             * each method (fallocate leaves page tables and zeroing to it).
             */
            if (ok && m != M_FALLOCATE) {
                t0 = now();
                ok = run_threads(rb, M_POPULATE, threads);
                touch[m == M_BACKEND ? 0 : 1][r] = now() - t0;
            }
            user_creatable_del("bench", &error_abort);
            if (!ok) {
                return false;
            }
        }
    }

    printf("%-28s %d thread%s, %.1f GiB, median of %d runs:\n", type,
           threads, threads > 1 ? "s" : "", (double)size / GiB, runs);
    {
        double med[M__MAX];

        for (m = 0; m < M__MAX; m++) {
            med[m] = median(secs[m], runs);
            printf("  %-22s %7.2f GB/s  (%.3f s)\n", method_name[m],
                   size / med[m] / 1e9, med[m]);
        }
        printf("  first full touch afterwards: backend %.3f s,"
               " populate baseline %.3f s\n",
               median(touch[0], runs), median(touch[1], runs));
        printf("  ratio vs MADV_POPULATE_WRITE: %.2fx;"
               " vs bare fallocate: %.0f%%\n",
               med[M_POPULATE] / med[M_BACKEND],
               100.0 * med[M_FALLOCATE] / med[M_BACKEND]);
        for (r = 0; r < runs; r++) {
            touch[0][r] += secs[M_BACKEND][r];
            touch[1][r] += secs[M_POPULATE][r];
        }
        printf("  prealloc + first full touch: backend %.3f s,"
               " populate baseline %.3f s\n",
               median(touch[0], runs), median(touch[1], runs));
    }
    return true;
}

int main(int argc, char **argv)
{
    uint64_t size = 4 * GiB;
    int runs = 5, i, t;
    Error *err = NULL;
    bool gmem = false;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--size-mib") && i + 1 < argc) {
            size = strtoull(argv[++i], NULL, 0) * MiB;
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
            runs = MIN(32, MAX(1, runs));
        } else {
            fprintf(stderr, "usage: %s [--size-mib N] [--runs N]\n", argv[0]);
            return 1;
        }
    }
    module_call_init_qom();
    if (kvm_accel_init(0, &err)) {
        gmem = kvm_get_caps()->guest_memfd_flags & GUEST_MEMFD_FLAG_INIT_SHARED;
    }
    if (err) {
        printf("# memory-backend-guest-memfd skipped: %s\n",
               error_get_pretty(err));
        error_free(err);
    } else if (!gmem) {
        printf("# memory-backend-guest-memfd skipped: KVM_CAP_GUEST_MEMFD_FLAGS"
               " lacks INIT_SHARED (or accel/kvm not linked)\n");
    }
    printf("# host: %ld online CPUs, page size %zu\n",
           sysconf(_SC_NPROCESSORS_ONLN), qemu_real_host_page_size());
    for (t = 1; t <= 2; t++) {
        if (gmem) {
            bench_one("memory-backend-guest-memfd", "", size, t, runs);
        }
        bench_one("memory-backend-memfd", "", size, t, runs);
    }
    return 0;
}
