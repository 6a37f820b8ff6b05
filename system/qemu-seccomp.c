/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -sandbox on: a seccomp-BPF filter, built here without libseccomp, that
 * denies the system calls QEMU's sandbox denies (the same groups, the same
 * calls, the same answers) on every thread of the process.
 */
#include "qemu/osdep.h"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "qemu/option.h"
#include "system/seccomp.h"

/* What a rule does when it matches; TRAP becomes KILL_PROCESS if the
 * kernel has it (as QEMU does). */
enum {
    ACT_TRAP,
    ACT_EPERM,
    ACT_ENOSYS,
    ACT_KILL,
};

/* Which argument test, if any, must also hold for the rule to match. */
enum {
    ARG_NONE,
    ARG_MASKED_EQ,      /* (arg & mask) == datum */
    ARG_NE,             /* arg != datum */
};

typedef struct SandboxRule {
    int nr;
    uint8_t set;
    uint8_t action;
    uint8_t cmp;
    uint8_t arg;
    uint64_t mask;
    uint64_t datum;
} SandboxRule;

#define R(name, set, act) { __NR_##name, SANDBOX_SET_##set, ACT_##act }
/* clone() that lacks a flag every pthread_create() passes: a process. */
#define CLONE_NEEDS(flag) \
    { __NR_clone, SANDBOX_SET_SPAWN, ACT_EPERM, ARG_MASKED_EQ, 0, \
      (flag), 0 }
/* clone() with a flag only a new process (or namespace) uses. */
#define CLONE_DENIES(flag) \
    { __NR_clone, SANDBOX_SET_SPAWN, ACT_EPERM, ARG_MASKED_EQ, 0, \
      (flag), (flag) }

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/*
 * QEMU's deny list (system/qemu-seccomp.c upstream), restricted to the
 * calls x86-64 has; libseccomp drops the others on this architecture too.
 */
static const SandboxRule rules[] = {
    R(reboot, DEFAULT, TRAP),
    R(swapon, DEFAULT, TRAP),
    R(swapoff, DEFAULT, TRAP),
    R(syslog, DEFAULT, TRAP),
    R(mount, DEFAULT, TRAP),
    R(kexec_load, DEFAULT, TRAP),
    R(afs_syscall, DEFAULT, TRAP),
    R(getpmsg, DEFAULT, TRAP),
    R(putpmsg, DEFAULT, TRAP),
    R(security, DEFAULT, TRAP),
    R(tuxcall, DEFAULT, TRAP),
    R(vserver, DEFAULT, TRAP),

    R(_sysctl, OBSOLETE, TRAP),
    R(create_module, OBSOLETE, TRAP),
    R(get_kernel_syms, OBSOLETE, TRAP),
    R(query_module, OBSOLETE, TRAP),
    R(sysfs, OBSOLETE, TRAP),
    R(uselib, OBSOLETE, TRAP),
    R(ustat, OBSOLETE, TRAP),

    R(setuid, PRIVILEGED, TRAP),
    R(setgid, PRIVILEGED, TRAP),
    R(setpgid, PRIVILEGED, TRAP),
    R(setsid, PRIVILEGED, TRAP),
    R(setreuid, PRIVILEGED, TRAP),
    R(setregid, PRIVILEGED, TRAP),
    R(setresuid, PRIVILEGED, TRAP),
    R(setresgid, PRIVILEGED, TRAP),
    R(setfsuid, PRIVILEGED, TRAP),
    R(setfsgid, PRIVILEGED, TRAP),

    R(fork, SPAWN, EPERM),
    R(vfork, SPAWN, EPERM),
    R(execve, SPAWN, EPERM),
    /* no flag but the exit signal: fork() by another name */
    { __NR_clone, SANDBOX_SET_SPAWN, ACT_EPERM, ARG_MASKED_EQ, 0,
      ~(uint64_t)CSIGNAL, 0 },
    CLONE_NEEDS(CLONE_VM),
    CLONE_NEEDS(CLONE_FS),
    CLONE_NEEDS(CLONE_FILES),
    CLONE_NEEDS(CLONE_SIGHAND),
    CLONE_NEEDS(CLONE_THREAD),
    CLONE_NEEDS(CLONE_SYSVSEM),
    CLONE_NEEDS(CLONE_SETTLS),
    CLONE_NEEDS(CLONE_PARENT_SETTID),
    CLONE_NEEDS(CLONE_CHILD_CLEARTID),
    CLONE_DENIES(CLONE_PIDFD),
    CLONE_DENIES(CLONE_PTRACE),
    CLONE_DENIES(CLONE_VFORK),
    CLONE_DENIES(CLONE_PARENT),
    CLONE_DENIES(CLONE_NEWNS),
    CLONE_DENIES(CLONE_UNTRACED),
    CLONE_DENIES(CLONE_NEWCGROUP),
    CLONE_DENIES(CLONE_NEWUTS),
    CLONE_DENIES(CLONE_NEWIPC),
    CLONE_DENIES(CLONE_NEWUSER),
    CLONE_DENIES(CLONE_NEWPID),
    CLONE_DENIES(CLONE_NEWNET),
    CLONE_DENIES(CLONE_IO),
    /* glibc then falls back to clone(), which the rules above judge */
    R(clone3, SPAWN, ENOSYS),
    /*
     * QEMU's rules for these three have libseccomp's action 0, which
     * kills the calling thread only and leaves a process with a thread
     * missing; we kill the process.
     */
    R(execveat, SPAWN, KILL),
    R(setns, SPAWN, KILL),
    R(unshare, SPAWN, KILL),

    R(setpriority, RESOURCECTL, EPERM),
    R(sched_setparam, RESOURCECTL, EPERM),
    { __NR_sched_setscheduler, SANDBOX_SET_RESOURCECTL, ACT_EPERM, ARG_NE,
      1, 0, SCHED_IDLE },
    R(sched_setaffinity, RESOURCECTL, EPERM),
};

/* x32 system calls (same audit arch, this bit set) could bypass us. */
#define X32_SYSCALL_BIT 0x40000000u

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (ARG_LO(i) + 4)

typedef struct Prog {
    GArray *insns;      /* struct sock_filter */
} Prog;

static void emit(Prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
    struct sock_filter f = { code, jt, jf, k };

    g_array_append_val(p->insns, f);
}

static int sandbox_seccomp(unsigned op, unsigned flags, void *args)
{
    return syscall(__NR_seccomp, op, flags, args);
}

static uint32_t sandbox_ret(uint8_t action, bool kill_process)
{
    switch (action) {
    case ACT_TRAP:
        return kill_process ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_TRAP;
    case ACT_EPERM:
        return SECCOMP_RET_ERRNO | EPERM;
    case ACT_ENOSYS:
        return SECCOMP_RET_ERRNO | ENOSYS;
    default:
        return kill_process ? SECCOMP_RET_KILL_PROCESS
                            : SECCOMP_RET_KILL_THREAD;
    }
}

/*
 * One rule: "nr matches (and the argument test holds): return action",
 * else fall through to the next rule.  Jumps are relative, so each block
 * is laid out first and its "skip to the end" offsets counted after.
 */
static void emit_rule(Prog *p, const SandboxRule *r, bool kill_process)
{
    struct sock_filter b[12];
    int n = 0;
    int skips[12];
    int nskips = 0;
    int to_ret[12];
    int nto_ret = 0;

    b[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, nr));
    skips[nskips++] = n;
    b[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->nr,
                                          0, 0);
    if (r->cmp == ARG_MASKED_EQ) {
        uint32_t halves[2][2] = {
            { (uint32_t)r->mask, (uint32_t)r->datum },
            { (uint32_t)(r->mask >> 32), (uint32_t)(r->datum >> 32) },
        };

        for (int h = 0; h < 2; h++) {
            if (!halves[h][0]) {
                continue;       /* no bit of this half is tested */
            }
            b[n++] = (struct sock_filter)BPF_STMT(
                BPF_LD | BPF_W | BPF_ABS, h ? ARG_HI(r->arg) : ARG_LO(r->arg));
            b[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K,
                                                  halves[h][0]);
            skips[nskips++] = n;
            b[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                                  halves[h][1], 0, 0);
        }
    } else if (r->cmp == ARG_NE) {
        /* differs in the low half: match; else it must differ above */
        b[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                              ARG_LO(r->arg));
        to_ret[nto_ret++] = n;
        b[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                              (uint32_t)r->datum, 0, 0);
        b[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                              ARG_HI(r->arg));
        skips[nskips++] = n;
        b[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                              (uint32_t)(r->datum >> 32),
                                              0, 0);
        /* equal above too: no match (jt), else match (jf) */
        b[n - 1].jt = 1;        /* over the return, patched below */
        b[n - 1].jf = 0;
        nskips--;
    }
    b[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
                                          sandbox_ret(r->action,
                                                      kill_process));
    /* Conditions that fail jump past the return, to the next rule. */
    for (int i = 0; i < nskips; i++) {
        b[skips[i]].jt = 0;
        b[skips[i]].jf = n - skips[i] - 1;
    }
    if (r->cmp == ARG_NE) {
        /* low halves equal: go and compare the high halves */
        b[to_ret[0]].jt = 0;
        b[to_ret[0]].jf = n - to_ret[0] - 2;
    }
    for (int i = 0; i < n; i++) {
        g_array_append_val(p->insns, b[i]);
    }
}

bool qemu_sandbox_install(unsigned sets, Error **errp)
{
    uint32_t kill = SECCOMP_RET_KILL_PROCESS;
    bool kill_process = sandbox_seccomp(SECCOMP_GET_ACTION_AVAIL, 0,
                                        &kill) == 0;
    Prog p = { g_array_new(FALSE, FALSE, sizeof(struct sock_filter)) };
    struct sock_fprog prog;
    int rc;

    /* Only the x86-64 ABI; an x32 or i386 call is killed outright. */
    emit(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0,
         offsetof(struct seccomp_data, arch));
    emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64);
    emit(&p, BPF_RET | BPF_K, 0, 0, sandbox_ret(ACT_KILL, kill_process));
    emit(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0,
         offsetof(struct seccomp_data, nr));
    emit(&p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, X32_SYSCALL_BIT);
    emit(&p, BPF_RET | BPF_K, 0, 0, sandbox_ret(ACT_KILL, kill_process));
    for (size_t i = 0; i < G_N_ELEMENTS(rules); i++) {
        if (sets & rules[i].set) {
            emit_rule(&p, &rules[i], kill_process);
        }
    }
    emit(&p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);

    prog.len = p.insns->len;
    prog.filter = (struct sock_filter *)p.insns->data;
    /* A filter may only be loaded by a process that cannot gain rights. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
        error_setg(errp, "failed to set no_new_privs aborting");
        g_array_free(p.insns, TRUE);
        return false;
    }
    rc = sandbox_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
                         &prog);
    g_array_free(p.insns, TRUE);
    if (rc > 0) {
        /* TSYNC names a thread that could not take the filter. */
        error_setg(errp, "failed to load seccomp syscall filter in kernel: "
                   "thread %d could not be synchronized", rc);
        return false;
    }
    if (rc < 0) {
        error_setg_errno(errp, errno,
                         "failed to load seccomp syscall filter in kernel");
        return false;
    }
    return true;
}

typedef struct SandboxArg {
    char *arg;
    bool enable;
    char *obsolete, *elevateprivileges, *spawn, *resourcecontrol;
} SandboxArg;

static GPtrArray *sandbox_args;      /* SandboxArg *, in command-line order */

static void sandbox_arg_free(gpointer p)
{
    SandboxArg *a = p;

    g_free(a->arg);
    g_free(a->obsolete);
    g_free(a->elevateprivileges);
    g_free(a->spawn);
    g_free(a->resourcecontrol);
    g_free(a);
}

static bool parse_bool_value(const char *key, const char *v, bool *out,
                             Error **errp)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") ||
        !strcmp(v, "y")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false") ||
        !strcmp(v, "n")) {
        *out = false;
        return true;
    }
    error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
    return false;
}

bool qemu_sandbox_parse(const char *arg, Error **errp)
{
    g_autoptr(KeyValueList) kv = keyval_list_parse(arg, "enable", errp);
    SandboxArg *a;

    if (!kv) {
        return false;
    }
    a = g_new0(SandboxArg, 1);
    for (guint i = 0; i < kv->items->len; i++) {
        KeyValue *item = g_ptr_array_index(kv->items, i);
        char **slot = NULL;

        if (!strcmp(item->key, "enable")) {
            if (!parse_bool_value("enable", item->value, &a->enable, errp)) {
                sandbox_arg_free(a);
                return false;
            }
            continue;
        }
        if (!strcmp(item->key, "obsolete")) {
            slot = &a->obsolete;
        } else if (!strcmp(item->key, "elevateprivileges")) {
            slot = &a->elevateprivileges;
        } else if (!strcmp(item->key, "spawn")) {
            slot = &a->spawn;
        } else if (!strcmp(item->key, "resourcecontrol")) {
            slot = &a->resourcecontrol;
        } else {
            error_setg(errp, "Invalid parameter '%s'", item->key);
            sandbox_arg_free(a);
            return false;
        }
        g_free(*slot);
        *slot = g_strdup(item->value);
    }
    a->arg = g_strdup(arg);
    if (!sandbox_args) {
        sandbox_args = g_ptr_array_new_with_free_func(sandbox_arg_free);
    }
    g_ptr_array_add(sandbox_args, a);
    return true;
}

/* "allow"/"deny" (and "children" where given) for one key, QEMU's texts. */
static bool sandbox_value(const char *key, const char *v, bool children_ok,
                          int *out, Error **errp)
{
    if (!v) {
        *out = -1;
    } else if (!strcmp(v, "allow")) {
        *out = 0;
    } else if (!strcmp(v, "deny")) {
        *out = 1;
    } else if (children_ok && !strcmp(v, "children")) {
        *out = 2;
    } else {
        error_setg(errp, "invalid argument for %s", key);
        return false;
    }
    return true;
}

static bool sandbox_apply_one(SandboxArg *a, Error **errp)
{
    unsigned sets = SANDBOX_SET_DEFAULT | SANDBOX_SET_OBSOLETE;
    int obsolete, priv, spawn, rctl;

    if (!sandbox_value("obsolete", a->obsolete, false, &obsolete, errp) ||
        !sandbox_value("elevateprivileges", a->elevateprivileges, true,
                       &priv, errp) ||
        !sandbox_value("spawn", a->spawn, false, &spawn, errp) ||
        !sandbox_value("resourcecontrol", a->resourcecontrol, false, &rctl,
                       errp)) {
        return false;
    }
    if (obsolete == 0) {
        sets &= ~SANDBOX_SET_OBSOLETE;
    }
    if (priv >= 1) {
        sets |= SANDBOX_SET_PRIVILEGED;
    }
    if (spawn == 1) {
        sets |= SANDBOX_SET_SPAWN;
    }
    if (rctl == 1) {
        sets |= SANDBOX_SET_RESOURCECTL;
    }
    return qemu_sandbox_install(sets, errp);
}

bool qemu_sandbox_apply(Error **errp)
{
    bool ok = true;

    for (guint i = 0; ok && sandbox_args && i < sandbox_args->len; i++) {
        SandboxArg *a = g_ptr_array_index(sandbox_args, i);

        if (!a->enable) {
            continue;
        }
        /* An unusable kernel is named, not reported as a failed load. */
        if (sandbox_seccomp(SECCOMP_SET_MODE_FILTER,
                            SECCOMP_FILTER_FLAG_TSYNC, NULL) == 0 ||
            errno != EFAULT) {
            error_setg(errp, "seccomp filters on all threads are not "
                       "supported by this kernel (seccomp() with "
                       "SECCOMP_FILTER_FLAG_TSYNC, Linux 3.17)");
            ok = false;
        } else {
            ok = sandbox_apply_one(a, errp);
        }
        if (!ok) {
            error_prepend(errp, "-sandbox %s: ", a->arg);
        }
    }
    g_clear_pointer(&sandbox_args, g_ptr_array_unref);
    return ok;
}
