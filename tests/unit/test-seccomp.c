/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The -sandbox filter on the real kernel: each case loads it in a child
 * process and makes one system call, which must be allowed, refused with
 * the right errno, or end the process with SIGSYS.
 */
#include "qemu/osdep.h"
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include "system/seccomp.h"

#define ALL (SANDBOX_SET_DEFAULT | SANDBOX_SET_OBSOLETE | \
             SANDBOX_SET_PRIVILEGED | SANDBOX_SET_SPAWN | \
             SANDBOX_SET_RESOURCECTL)
#define BASE (SANDBOX_SET_DEFAULT | SANDBOX_SET_OBSOLETE)

/* What the child reports: 0 = call allowed, errno = refused with it. */
typedef long ProbeFunc(void);

static long r_errno(long rc)
{
    return rc < 0 ? errno : 0;
}

static long probe_getpid(void)
{
    return r_errno(syscall(__NR_getpid) > 0 ? 0 : -1);
}

static long probe_fork(void)
{
    pid_t pid = fork();

    if (pid == 0) {
        _exit(0);
    }
    if (pid > 0) {
        waitpid(pid, NULL, 0);
        return 0;
    }
    return errno;
}

static long probe_execve(void)
{
    char *argv[] = { (char *)"/bin/true", NULL };
    char *envp[] = { NULL };

    return r_errno(execve("/bin/true", argv, envp));
}

static long probe_clone3(void)
{
    struct clone_args args = { .exit_signal = SIGCHLD };
    long pid = syscall(__NR_clone3, &args, sizeof(args));

    if (pid == 0) {
        _exit(0);
    }
    if (pid > 0) {
        waitpid(pid, NULL, 0);
    }
    return r_errno(pid);
}

static void *thread_fn(void *opaque)
{
    return opaque;
}

static long probe_thread(void)
{
    pthread_t t;
    void *ret = NULL;
    int rc = pthread_create(&t, NULL, thread_fn, (void *)0x1);

    if (rc) {
        return rc;
    }
    pthread_join(t, &ret);
    return ret == (void *)0x1 ? 0 : EINVAL;
}

static long probe_setuid(void)
{
    return r_errno(setuid(getuid()));
}

static long probe_setpriority(void)
{
    return r_errno(setpriority(PRIO_PROCESS, 0, 0));
}

static long probe_setaffinity(void)
{
    cpu_set_t set;

    sched_getaffinity(0, sizeof(set), &set);
    return r_errno(sched_setaffinity(0, sizeof(set), &set));
}

static long probe_sched_idle(void)
{
    struct sched_param p = { 0 };

    return r_errno(sched_setscheduler(0, SCHED_IDLE, &p));
}

static long probe_sched_batch(void)
{
    struct sched_param p = { 0 };

    return r_errno(sched_setscheduler(0, SCHED_BATCH, &p));
}

static long probe_mount(void)
{
    /* Bad arguments: allowed, the kernel itself refuses it. */
    return r_errno(mount(NULL, NULL, NULL, 0, NULL));
}

static long probe_uselib(void)
{
    return r_errno(syscall(__NR_uselib, NULL));
}

static long probe_unshare(void)
{
    return r_errno(unshare(0));
}

static long probe_x32(void)
{
    /* getpid through the x32 ABI: same arch, bit 30 set in the number */
    return r_errno(syscall(__NR_getpid | 0x40000000));
}

/* The filter reaches threads that existed before it was loaded. */
static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_state;

static void *fork_later(void *opaque)
{
    long *out = opaque;

    pthread_mutex_lock(&gate);
    while (gate_state == 0) {
        pthread_cond_wait(&gate_cond, &gate);
    }
    pthread_mutex_unlock(&gate);
    *out = probe_fork();
    return NULL;
}

typedef struct Case {
    const char *name;
    unsigned sets;
    ProbeFunc *probe;
    int expect_errno;       /* 0: allowed */
    bool expect_sigsys;     /* the process is killed */
} Case;

static const Case cases[] = {
    { "getpid", ALL, probe_getpid, 0, false },
    { "fork-allowed", BASE, probe_fork, 0, false },
    { "fork-denied", BASE | SANDBOX_SET_SPAWN, probe_fork, EPERM, false },
    { "execve-denied", BASE | SANDBOX_SET_SPAWN, probe_execve, EPERM,
      false },
    { "clone3-enosys", BASE | SANDBOX_SET_SPAWN, probe_clone3, ENOSYS,
      false },
    { "threads-still-work", ALL, probe_thread, 0, false },
    { "unshare-kills", BASE | SANDBOX_SET_SPAWN, probe_unshare, 0, true },
    { "setuid-allowed", BASE, probe_setuid, 0, false },
    { "setuid-kills", BASE | SANDBOX_SET_PRIVILEGED, probe_setuid, 0, true },
    { "setpriority-denied", BASE | SANDBOX_SET_RESOURCECTL,
      probe_setpriority, EPERM, false },
    { "setaffinity-allowed", BASE, probe_setaffinity, 0, false },
    { "setaffinity-denied", BASE | SANDBOX_SET_RESOURCECTL,
      probe_setaffinity, EPERM, false },
    { "sched-idle-allowed", ALL, probe_sched_idle, 0, false },
    { "sched-batch-denied", BASE | SANDBOX_SET_RESOURCECTL,
      probe_sched_batch, EPERM, false },
    { "mount-kills", SANDBOX_SET_DEFAULT, probe_mount, 0, true },
    { "uselib-kills", BASE, probe_uselib, 0, true },
    { "uselib-obsolete-allowed", SANDBOX_SET_DEFAULT, probe_uselib, -1,
      false },
    { "x32-kills", SANDBOX_SET_DEFAULT, probe_x32, 0, true },
};

static void run_case(gconstpointer data)
{
    const Case *c = data;
    int status;
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        Error *err = NULL;

        if (!qemu_sandbox_install(c->sets, &err)) {
            _exit(200);
        }
        _exit(MIN(c->probe(), 199));
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    if (c->expect_sigsys) {
        g_assert_true(WIFSIGNALED(status));
        g_assert_cmpint(WTERMSIG(status), ==, SIGSYS);
        return;
    }
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), !=, 200);
    if (c->expect_errno == -1) {
        /* allowed: the kernel answers, whatever it says */
        return;
    }
    g_assert_cmpint(WEXITSTATUS(status), ==, c->expect_errno);
}

static void test_tsync(void)
{
    int status;
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        pthread_t t;
        long result = -1;

        pthread_create(&t, NULL, fork_later, &result);
        if (!qemu_sandbox_install(BASE | SANDBOX_SET_SPAWN, NULL)) {
            _exit(200);
        }
        pthread_mutex_lock(&gate);
        gate_state = 1;
        pthread_cond_signal(&gate_cond);
        pthread_mutex_unlock(&gate);
        pthread_join(t, NULL);
        _exit(result == EPERM ? 0 : 1);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

/* Installing also sets no_new_privs, as libseccomp does for QEMU. */
static void test_no_new_privs(void)
{
    int status;
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0) {
            _exit(2);
        }
        if (!qemu_sandbox_install(SANDBOX_SET_DEFAULT, NULL)) {
            _exit(200);
        }
        _exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* EFAULT: the kernel checked the flags and wanted a filter. */
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
                SECCOMP_FILTER_FLAG_TSYNC, NULL) == 0 || errno != EFAULT) {
        g_test_message("SKIP: seccomp() with SECCOMP_FILTER_FLAG_TSYNC "
                       "is not available");
        printf("1..0 # SKIP seccomp() with SECCOMP_FILTER_FLAG_TSYNC is "
               "not available\n");
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/seccomp/%s",
                                                cases[i].name);

        g_test_add_data_func(path, &cases[i], run_case);
    }
    g_test_add_func("/seccomp/tsync", test_tsync);
    g_test_add_func("/seccomp/no-new-privs", test_no_new_privs);
    return g_test_run();
}
