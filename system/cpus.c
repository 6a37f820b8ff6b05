/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vCPU threads: one pthread per vCPU, started paused; vm_start/vm_stop
 * resume and park them (kick = signal + the accelerator's kick).  The
 * accelerator is reached only through its AccelOps table.
 */
#include "qemu/osdep.h"
#include <pthread.h>
#include <signal.h>
#include "linux/kvm.h"
#include "qapi/error.h"
#include "qemu/main-loop.h"
#include "system/cpus.h"
#include "system/kvm_int.h"     /* struct CPUState */
#include "system/runstate.h"

static GMutex cpus_lock;
static GCond cpus_cond;
static CPUState **cpus;
static unsigned ncpus;            /* CPUStates (KVM vCPU: kvm_fd >= 0) */
static unsigned ncpus_requested;  /* -smp, also without KVM */
static __thread CPUState *current_cpu;
/* Creates the KVM vCPUs once the initial memslots are in (see cpus_create). */
static pthread_t init_thread;
static bool init_thread_started;
static const AccelOps *accel_ops;
/* The table the existing vCPUs were created with, until cpus_destroy(). */
static const AccelOps *vcpu_ops;

void cpus_register_accel(const AccelOps *ops)
{
    accel_ops = ops;
}

void qemu_cpus_lock(void)
{
    g_mutex_lock(&cpus_lock);
}

void qemu_cpus_unlock(void)
{
    g_mutex_unlock(&cpus_lock);
}

unsigned cpus_count(void)
{
    return ncpus_requested;
}

CPUState *qemu_get_cpu(unsigned index)
{
    return index < ncpus ? cpus[index] : NULL;
}

static bool must_park_locked(CPUState *cpu)
{
    return cpu->stop || cpu->exit_thread || cpu->crashed || cpu->halted ||
           cpu->idle;
}

bool cpu_should_park(CPUState *cpu)
{
    bool r;

    qemu_cpus_lock();
    r = must_park_locked(cpu);
    qemu_cpus_unlock();
    return r;
}

/* Called with cpus_lock held. */
void cpu_kick(CPUState *cpu)
{
    /* covers a kick that lands between the flag check and KVM_RUN */
    if (vcpu_ops) {
        vcpu_ops->kick_vcpu(cpu);
    }
    if (cpu->thread_started && cpu != current_cpu) {
        pthread_kill(cpu->thread, SIG_IPI);
    }
}

void cpu_boot_state_changed(unsigned cpu_index)
{
    CPUState *cpu;

    qemu_cpus_lock();
    cpu = qemu_get_cpu(cpu_index);
    if (cpu) {
        cpu->crashed = false;
        cpu->halted = false;
        cpu->idle = false;
        cpu->halt_reported = false;
        g_cond_broadcast(&cpus_cond);
    }
    qemu_cpus_unlock();
}

static void sig_ipi_handler(int sig)
{
    /* Only there to make KVM_RUN return with EINTR. */
}

static void *vcpu_thread_fn(void *opaque)
{
    CPUState *cpu = opaque;
    sigset_t set;

    current_cpu = cpu;
    sigemptyset(&set);
    sigaddset(&set, SIG_IPI);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    qemu_cpus_lock();
    for (;;) {
        while (!cpu->exit_thread && must_park_locked(cpu)) {
            cpu->stopped = true;
            g_cond_broadcast(&cpus_cond);
            g_cond_wait(&cpus_cond, &cpus_lock);
        }
        if (cpu->exit_thread) {
            break;
        }
        cpu->stopped = false;
        qemu_cpus_unlock();
        vcpu_ops->cpu_exec(cpu);
        qemu_cpus_lock();
    }
    cpu->stopped = true;
    g_cond_broadcast(&cpus_cond);
    qemu_cpus_unlock();
    return NULL;
}

static bool all_parked_locked(void)
{
    for (unsigned i = 0; i < ncpus; i++) {
        if (cpus[i] != current_cpu && !cpus[i]->stopped) {
            return false;
        }
    }
    return true;
}

/* Waiting for vCPUs that may need the BQL to reach their parking spot. */
static void wait_all_parked(void)
{
    bool had_bql = bql_locked();

    if (had_bql) {
        bql_unlock();
    }
    qemu_cpus_lock();
    while (!all_parked_locked()) {
        for (unsigned i = 0; i < ncpus; i++) {
            if (!cpus[i]->stopped) {
                cpu_kick(cpus[i]);
            }
        }
        /* re-kick now and then: a signal may land before KVM_RUN */
        g_cond_wait_until(&cpus_cond, &cpus_lock, g_get_monotonic_time() +
                          10 * G_TIME_SPAN_MILLISECOND);
    }
    qemu_cpus_unlock();
    if (had_bql) {
        bql_lock();
    }
}

void pause_all_vcpus(void)
{
    qemu_cpus_lock();
    for (unsigned i = 0; i < ncpus; i++) {
        cpus[i]->stop = true;
        cpu_kick(cpus[i]);
    }
    qemu_cpus_unlock();
    wait_all_parked();
}

void resume_all_vcpus(void)
{
    qemu_cpus_lock();
    for (unsigned i = 0; i < ncpus; i++) {
        cpus[i]->stop = false;
        cpus[i]->halted = false;
    }
    g_cond_broadcast(&cpus_cond);
    qemu_cpus_unlock();
}

static bool install_sig_ipi(Error **errp)
{
    struct sigaction sa = { .sa_handler = sig_ipi_handler };

    /* no SA_RESTART: KVM_RUN must come back with EINTR */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIG_IPI, &sa, NULL) < 0) {
        error_setg_errno(errp, errno, "cannot install the vCPU kick signal");
        return false;
    }
    return true;
}

/* Called with every async signal blocked (inherited by the threads). */
static bool start_vcpu_threads(Error **errp)
{
    for (unsigned i = 0; i < ncpus; i++) {
        int ret = pthread_create(&cpus[i]->thread, NULL, vcpu_thread_fn,
                                 cpus[i]);

        if (ret) {
            error_setg_errno(errp, ret, "cannot create vCPU %u thread", i);
            return false;
        }
        qemu_cpus_lock();
        cpus[i]->thread_started = true;
        qemu_cpus_unlock();
    }
    return true;
}

/*
 * The sync point of the KVM memslot worker for the vCPUs, off the main
 * thread: the main loop (QMP) runs while the kernel builds the memslots.
 * Nothing can run before this ends: vCPUs that do not exist yet count as
 * parked, and their threads start with the stop flags resume/pause left.
 * A failure ends the process as a start-up error would.
 */
static void *vcpu_init_thread_fn(void *opaque)
{
    Error *err = NULL;

    if (vcpu_ops->vcpus_ready(&err)) {
        for (unsigned i = 0; i < ncpus; i++) {
            if (!vcpu_ops->init_vcpu(cpus[i], &err)) {
                break;
            }
        }
    }
    if (!err && !start_vcpu_threads(&err)) {
        /* a thread that did start must not run the guest now */
        qemu_cpus_lock();
        for (unsigned i = 0; i < ncpus; i++) {
            cpus[i]->exit_thread = true;
            cpu_kick(cpus[i]);
        }
        g_cond_broadcast(&cpus_cond);
        qemu_cpus_unlock();
    }
    if (err) {
        error_report_err(err);
        qemu_system_exit_request(EXIT_FAILURE);
    }
    return NULL;
}

bool cpus_create(unsigned n, Error **errp)
{
    sigset_t all, old;
    int ret;

    if (cpus) {
        error_setg(errp, "vCPUs already created");
        return false;
    }
    ncpus_requested = n;
    if (!accel_ops || n == 0) {
        return true;            /* qtest: no vCPU threads */
    }
    if (n > accel_ops->max_vcpus()) {
        error_setg(errp, "Number of SMP cpus requested (%u) exceeds the "
                   "maximum cpus supported by KVM (%u)", n,
                   accel_ops->max_vcpus());
        return false;
    }
    if (!install_sig_ipi(errp)) {
        return false;
    }

    vcpu_ops = accel_ops;
    cpus = g_new0(CPUState *, n);
    for (unsigned i = 0; i < n; i++) {
        CPUState *cpu = g_new0(CPUState, 1);

        cpu->cpu_index = i;
        cpu->kvm_fd = -1;
        cpu->stop = true;
        cpu->stopped = true;     /* no thread yet: nothing to wait for */
        cpus[i] = cpu;
    }
    ncpus = n;

    /* Threads take every async signal blocked (the main loop handles
     * them) and unblock only SIG_IPI themselves. */
    sigfillset(&all);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    if (accel_ops->vcpus_pending()) {
        ret = pthread_create(&init_thread, NULL, vcpu_init_thread_fn, NULL);
        if (!ret) {
            init_thread_started = true;
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            return true;
        }
        /* no thread: do it here */
    }
    if (!accel_ops->vcpus_ready(errp)) {
        goto fail;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!accel_ops->init_vcpu(cpus[i], errp)) {
            goto fail;
        }
    }
    if (!start_vcpu_threads(errp)) {
        goto fail;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return true;

fail:
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    cpus_destroy();
    return false;
}

void cpus_destroy(void)
{
    bool had_bql = bql_locked();

    if (!cpus) {
        return;
    }
    if (init_thread_started) {
        /* It takes no lock the caller may hold; the memslot worker it
         * waits for ends on its own. */
        pthread_join(init_thread, NULL);
        init_thread_started = false;
    }
    qemu_cpus_lock();
    for (unsigned i = 0; i < ncpus; i++) {
        cpus[i]->exit_thread = true;
        cpus[i]->stop = true;
        cpu_kick(cpus[i]);
    }
    g_cond_broadcast(&cpus_cond);
    qemu_cpus_unlock();

    if (had_bql) {
        bql_unlock();
    }
    for (unsigned i = 0; i < ncpus; i++) {
        if (cpus[i]->thread_started) {
            /* keep kicking: the thread may be back in KVM_RUN already */
            while (pthread_tryjoin_np(cpus[i]->thread, NULL) == EBUSY) {
                qemu_cpus_lock();
                cpu_kick(cpus[i]);
                qemu_cpus_unlock();
                g_usleep(1000);
            }
        }
    }
    if (had_bql) {
        bql_lock();
    }
    for (unsigned i = 0; i < ncpus; i++) {
        vcpu_ops->destroy_vcpu(cpus[i]);
        g_free(cpus[i]);
    }
    g_free(cpus);
    cpus = NULL;
    ncpus = 0;
    vcpu_ops = NULL;
}
