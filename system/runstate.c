/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VM run state and the shutdown/reset/exit requests the main loop acts on. */

#include "qemu/osdep.h"
#include <signal.h>
#include <glib-unix.h>
#include "qapi/error.h"
#include "qapi/qapi-types.h"
#include "qom/object.h"
#include "qemu/main-loop.h"
#include "monitor/monitor.h"
#include "system/runstate.h"
#include "system/cpus.h"
#include "hw/boards.h"

static RunState current_run_state = RUN_STATE_PRELAUNCH;

typedef struct VMChangeStateEntry {
    VMChangeStateHandler *cb;
    void *opaque;
} VMChangeStateEntry;

static GList *vm_change_state_handlers;

/*
 * Requests are plain ints updated atomically: they are set from vCPU
 * threads and read by the main loop.  A cause is stored +1 so that 0 means
 * "nothing pending" even for SHUTDOWN_CAUSE_NONE.
 */
static int shutdown_requested;
static int reset_requested;
static int powerdown_requested;
static int exit_requested;
static int exit_request_status;
static int guest_error_requested;

static bool no_reboot;
static bool no_shutdown;
static bool qtest_driver;

/* Set by the signal path; -no-shutdown must not keep a killed VMM alive. */
static int shutdown_signal;
static pid_t shutdown_pid;
static int force_poweroff;

RunState runstate_get(void)
{
    return current_run_state;
}

bool runstate_check(RunState state)
{
    return current_run_state == state;
}

bool runstate_is_running(void)
{
    return current_run_state == RUN_STATE_RUNNING;
}

void runstate_set(RunState new_state)
{
    g_assert(new_state < RUN_STATE__MAX);
    current_run_state = new_state;
}

void *qemu_add_vm_change_state_handler(VMChangeStateHandler *cb,
                                       void *opaque)
{
    VMChangeStateEntry *e = g_new0(VMChangeStateEntry, 1);

    e->cb = cb;
    e->opaque = opaque;
    vm_change_state_handlers = g_list_append(vm_change_state_handlers, e);
    return e;
}

void qemu_del_vm_change_state_handler(void *entry)
{
    vm_change_state_handlers = g_list_remove(vm_change_state_handlers, entry);
    g_free(entry);
}

static void vm_state_notify(bool running, RunState state)
{
    GList *l = vm_change_state_handlers;

    /* Handlers may unregister themselves: fetch next before calling. */
    while (l) {
        GList *next = l->next;
        VMChangeStateEntry *e = l->data;

        e->cb(e->opaque, running, state);
        l = next;
    }
}

void vm_start(void)
{
    if (runstate_is_running()) {
        return;
    }
    qapi_event_emit("RESUME", NULL);
    runstate_set(RUN_STATE_RUNNING);
    vm_state_notify(true, RUN_STATE_RUNNING);
    resume_all_vcpus();
}

int vm_stop(RunState state)
{
    if (runstate_is_running()) {
        pause_all_vcpus();
        runstate_set(state);
        vm_state_notify(false, state);
        qapi_event_emit("STOP", NULL);
    } else {
        runstate_set(state);
    }
    return 0;
}

void vm_shutdown(void)
{
    if (runstate_is_running()) {
        pause_all_vcpus();
        runstate_set(RUN_STATE_SHUTDOWN);
        vm_state_notify(false, RUN_STATE_SHUTDOWN);
    }
}

void runstate_set_no_reboot(bool v)
{
    no_reboot = v;
}

bool runstate_get_no_reboot(void)
{
    return no_reboot;
}

void runstate_set_no_shutdown(bool v)
{
    no_shutdown = v;
}

void runstate_set_qtest_driver(bool v)
{
    qtest_driver = v;
}

void qemu_system_shutdown_request(ShutdownCause cause)
{
    g_atomic_int_set(&shutdown_requested, (int)cause + 1);
    qemu_notify_event();
}

void qemu_system_reset_request(ShutdownCause cause)
{
    if (no_reboot && cause != SHUTDOWN_CAUSE_SUBSYSTEM_RESET) {
        g_atomic_int_set(&shutdown_requested, (int)cause + 1);
    } else {
        g_atomic_int_set(&reset_requested, (int)cause + 1);
    }
    qemu_notify_event();
}

void qemu_system_exit_request(int status)
{
    g_atomic_int_set(&exit_request_status, status);
    g_atomic_int_set(&exit_requested, 1);
    qemu_notify_event();
}

void qemu_system_powerdown_request(void)
{
    g_atomic_int_set(&powerdown_requested, 1);
    qemu_notify_event();
}

void qemu_system_guest_error(const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_report("%s", msg);
    g_free(msg);
    g_atomic_int_set(&guest_error_requested, 1);
    qemu_notify_event();
}

void qemu_system_killed(int signal, pid_t pid)
{
    shutdown_signal = signal;
    shutdown_pid = pid;
    g_atomic_int_set(&force_poweroff, 1);
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_SIGNAL);
}

bool runstate_request_pending(void)
{
    return g_atomic_int_get(&shutdown_requested) ||
           g_atomic_int_get(&reset_requested) ||
           g_atomic_int_get(&powerdown_requested) ||
           g_atomic_int_get(&exit_requested) ||
           g_atomic_int_get(&guest_error_requested);
}

/* argv[0] of @pid, as the "terminating on signal" message shows it. */
static char *pid_name(pid_t pid)
{
    char *path = g_strdup_printf("/proc/%d/cmdline", (int)pid);
    char *contents = NULL;
    gsize len;

    if (!g_file_get_contents(path, &contents, &len, NULL) || len == 0) {
        g_free(contents);
        contents = NULL;
    }
    g_free(path);
    return contents;   /* NUL-separated: the first string is argv[0] */
}

static void kill_report(void)
{
    if (!shutdown_signal) {
        return;
    }
    if (!qtest_driver) {
        if (shutdown_pid == 0) {
            error_report("terminating on signal %d", shutdown_signal);
        } else {
            char *cmd = pid_name(shutdown_pid);

            error_report("terminating on signal %d from pid %d (%s)",
                         shutdown_signal, (int)shutdown_pid,
                         cmd ? cmd : "<unknown process>");
            g_free(cmd);
        }
    }
    shutdown_signal = 0;
}

static bool caused_by_guest(ShutdownCause cause)
{
    return cause > SHUTDOWN_CAUSE_HOST_UI;
}

static json_t *cause_data(ShutdownCause cause)
{
    return json_pack("{s:b, s:s}", "guest", caused_by_guest(cause),
                     "reason", qapi_enum_lookup(&ShutdownCause_lookup, cause));
}

static void system_reset(ShutdownCause cause)
{
    MachineState *ms = current_machine_get();

    if (ms) {
        MachineClass *mc = MACHINE_GET_CLASS(ms);

        if (mc->reset) {
            mc->reset(ms);
        }
    }
    if (cause != SHUTDOWN_CAUSE_SUBSYSTEM_RESET) {
        qapi_event_emit("RESET", cause_data(cause));
    }
}

bool main_loop_should_exit(int *status)
{
    int req;

    if (g_atomic_int_get(&guest_error_requested)) {
        g_atomic_int_set(&guest_error_requested, 0);
        vm_stop(RUN_STATE_INTERNAL_ERROR);
        *status = EXIT_FAILURE;
        return true;
    }
    if (g_atomic_int_get(&exit_requested)) {
        g_atomic_int_set(&exit_requested, 0);
        *status = g_atomic_int_get(&exit_request_status);
        return true;
    }
    req = g_atomic_int_and(&shutdown_requested, 0);
    if (req) {
        ShutdownCause cause = req - 1;

        kill_report();
        qapi_event_emit("SHUTDOWN", cause_data(cause));
        if (no_shutdown && !g_atomic_int_get(&force_poweroff) &&
            cause != SHUTDOWN_CAUSE_HOST_QMP_QUIT) {
            vm_stop(RUN_STATE_SHUTDOWN);
        } else {
            *status = EXIT_SUCCESS;
            return true;
        }
    }
    req = g_atomic_int_and(&reset_requested, 0);
    if (req) {
        bool running = runstate_is_running();

        if (running) {
            pause_all_vcpus();
        }
        system_reset(req - 1);
        if (running) {
            resume_all_vcpus();
        } else {
            /* As QEMU: a reset VM that is not running waits for "cont". */
            runstate_set(RUN_STATE_PRELAUNCH);
        }
    }
    if (g_atomic_int_and(&powerdown_requested, 0)) {
        qapi_event_emit("POWERDOWN", NULL);
    }
    return false;
}

/* Signals: the handler only records and writes to a pipe. */
typedef struct SignalRecord {
    int sig;
    pid_t pid;
} SignalRecord;

static int signal_pipe[2] = { -1, -1 };

static void term_signal_handler(int sig, siginfo_t *info, void *ctx)
{
    SignalRecord rec = { .sig = sig, .pid = info ? info->si_pid : 0 };
    int saved_errno = errno;
    ssize_t r;

    r = write(signal_pipe[1], &rec, sizeof(rec));
    (void)r;
    errno = saved_errno;
}

static gboolean signal_pipe_ready(gint fd, GIOCondition cond, gpointer data)
{
    SignalRecord rec;

    while (read(fd, &rec, sizeof(rec)) == sizeof(rec)) {
        qemu_system_killed(rec.sig, rec.pid);
    }
    return G_SOURCE_CONTINUE;
}

bool runstate_init_signals(Error **errp)
{
    static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
    struct sigaction act;
    size_t i;

    if (signal_pipe[0] >= 0) {
        return true;
    }
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        error_setg_errno(errp, errno, "failed to create signal pipe");
        return false;
    }
    g_unix_fd_add_full(G_PRIORITY_DEFAULT, signal_pipe[0], G_IO_IN,
                       signal_pipe_ready, NULL, NULL);

    memset(&act, 0, sizeof(act));
    act.sa_sigaction = term_signal_handler;
    act.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&act.sa_mask);
    for (i = 0; i < ARRAY_SIZE(sigs); i++) {
        sigaction(sigs[i], &act, NULL);
    }
    /* A QMP client that disconnects must not kill us with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    return true;
}
