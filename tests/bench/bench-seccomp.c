/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the -sandbox filter costs per system call: the same calls timed
 * in one child process before and after it loads the full filter (every
 * group), medians of ROUNDS rounds of CALLS calls.  getpid() is the
 * cheapest call there is; ioctl() on a bad fd stands for KVM_RUN and the
 * other ioctls of the vCPU loop (the filter checks every rule for it).
 */
#include "qemu/osdep.h"
#include <sys/syscall.h>
#include <sys/wait.h>
#include "system/seccomp.h"

#define ROUNDS 31
#define CALLS 200000

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double ns_per_call(long nr)
{
    double r[ROUNDS];

    for (int i = 0; i < ROUNDS; i++) {
        gint64 t0 = g_get_monotonic_time();

        for (int j = 0; j < CALLS; j++) {
            if (nr == __NR_ioctl) {
                syscall(__NR_ioctl, -1, 0, 0);
            } else {
                syscall(nr);
            }
        }
        r[i] = (g_get_monotonic_time() - t0) * 1000.0 / CALLS;
    }
    qsort(r, ROUNDS, sizeof(r[0]), cmp_double);
    return r[ROUNDS / 2];
}

int main(void)
{
    pid_t pid = fork();
    int status;

    if (pid == 0) {
        double g0 = ns_per_call(__NR_getpid);
        double i0 = ns_per_call(__NR_ioctl);
        double g1, i1;
        Error *err = NULL;

        if (!qemu_sandbox_install(SANDBOX_SET_DEFAULT | SANDBOX_SET_OBSOLETE |
                                  SANDBOX_SET_PRIVILEGED |
                                  SANDBOX_SET_SPAWN |
                                  SANDBOX_SET_RESOURCECTL, &err)) {
            error_report_err(err);
            _exit(1);
        }
        g1 = ns_per_call(__NR_getpid);
        i1 = ns_per_call(__NR_ioctl);
        printf("getpid   %7.1f ns -> %7.1f ns with the filter (%+.1f ns, "
               "x%.2f)\n", g0, g1, g1 - g0, g1 / g0);
        printf("ioctl    %7.1f ns -> %7.1f ns with the filter (%+.1f ns, "
               "x%.2f)\n", i0, i1, i1 - i0, i1 / i0);
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
