/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SEV-SNP launch cost against the KVM double: a 256 MiB and a 4 GiB
 * microvm guest (the built-in guest), legacy vs in-place, split into the
 * conversions and the LAUNCH_UPDATE calls, with the bytes the VMM and
 * "KVM" copied.  Prints medians; never fails on time.
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/main-loop.h"
#include "system/memory.h"
#include "kvm-double-sev-startup.h"
#include "../../target/i386/sev.h"

typedef struct Sample {
    double accel, board, launch, convert, update;
    unsigned convert_calls, update_calls;
    uint64_t convert_bytes, update_bytes, vmm_copied, kvm_copied;
} Sample;

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

static void one(bool in_place, uint64_t size, Sample *s)
{
    Run r;
    const SevLaunch *l;

    if (!sev_startup(&r, in_place, size, NULL, 0, &error_abort)) {
        g_assert_not_reached();
    }
    l = sev_snp_launch_state();
    s->accel = r.t_accel / 1e6;
    s->board = r.t_board / 1e6;
    s->launch = r.t_launch / 1e6;
    s->convert = l->convert_ns / 1e6;
    s->update = l->update_ns / 1e6;
    s->convert_calls = l->convert_calls;
    s->update_calls = l->update_calls;
    s->convert_bytes = l->convert_bytes;
    s->update_bytes = l->update_bytes;
    s->vmm_copied = l->snapshot_bytes;
    s->kvm_copied = kvm_double_sev_bytes_copied(r.sev);
    sev_startup_end(&r);
    sev_startup_free(&r);
}

int main(int argc, char **argv)
{
    static const uint64_t sizes[] = { 256 * MiB, 4 * GiB };
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    double base_launch[2] = { 0 };

    module_call_init_qom();
    memory_init();
    bql_lock();
    printf("SEV-SNP launch against the KVM double (built-in guest, 1 vCPU), "
           "%d runs, medians\n", runs);
    printf("%-6s %-8s %9s %9s %9s | %5s %9s %9s | %5s %9s %9s | %9s %9s\n",
           "RAM", "model", "accel ms", "board ms", "launch ms", "conv",
           "bytes/cv", "conv ms", "upd", "bytes/up", "upd ms", "VMM copy",
           "KVM copy");
    for (size_t si = 0; si < G_N_ELEMENTS(sizes); si++) {
        for (int m = 0; m < 2; m++) {
            g_autofree double *a = g_new(double, runs);
            g_autofree double *b = g_new(double, runs);
            g_autofree double *la = g_new(double, runs);
            g_autofree double *c = g_new(double, runs);
            g_autofree double *u = g_new(double, runs);
            Sample s = { 0 };
            double ml;

            for (int i = 0; i < runs; i++) {
                one(m, sizes[si], &s);
                a[i] = s.accel;
                b[i] = s.board;
                la[i] = s.launch;
                c[i] = s.convert;
                u[i] = s.update;
            }
            ml = median(la, runs);
            if (!m) {
                base_launch[si] = ml;
            }
            printf("%4" PRIu64 "M %-8s %9.3f %9.3f %9.3f | %5u %9" PRIu64
                   " %9.3f | %5u %9" PRIu64 " %9.3f | %9" PRIu64 " %9" PRIu64
                   "%s\n", sizes[si] >> 20, m ? "in-place" : "legacy",
                   median(a, runs), median(b, runs), ml, s.convert_calls,
                   s.convert_calls ? s.convert_bytes / s.convert_calls : 0,
                   median(c, runs), s.update_calls,
                   s.update_calls ? s.update_bytes / s.update_calls : 0,
                   median(u, runs), s.vmm_copied, s.kvm_copied,
                   m ? g_strdup_printf("   launch %.2fx of legacy",
                                       ml / base_launch[si]) : "");
        }
    }
    return 0;
}
