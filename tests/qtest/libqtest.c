/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqtest: launches the binary under test the way QEMU's libqtest does
 * (we listen on two unix sockets, QEMU connects to them) and speaks QMP
 * and the qtest protocol to it.
 */
#include "libqtest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/kvm.h>

#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS 244
#endif
#ifndef GUEST_MEMFD_FLAG_MMAP
#define GUEST_MEMFD_FLAG_MMAP (1ULL << 0)
#endif
#ifndef GUEST_MEMFD_FLAG_INIT_SHARED
#define GUEST_MEMFD_FLAG_INIT_SHARED (1ULL << 1)
#endif

/* How long QEMU may take to connect to our sockets. */
#define QTEST_CONNECT_TIMEOUT_S 60
#define QTEST_QUIT_TIMEOUT_S 30

struct QTestState {
    pid_t pid;
    bool reaped;
    int wstatus;
    int qtest_fd;
    int qmp_fd;
    char *qtest_path;
    char *qmp_path;
    GString *qtest_buf;        /* received, not yet consumed bytes */
    GString *qmp_buf;
    GQueue events;             /* json_t * events not yet consumed */
    json_t *greeting;
    bool big_endian;
};

const char *qtest_qemu_binary(void)
{
    const char *bin = getenv("QTEST_QEMU_BINARY");

    if (!bin) {
        fprintf(stderr, "Environment variable QTEST_QEMU_BINARY required\n");
        exit(1);
    }
    return bin;
}

static void qtest_check_binary_name(const char *bin)
{
    const char *sys = strstr(bin, "-system-");

    if (!sys || !sys[strlen("-system-")]) {
        fprintf(stderr, "QTEST_QEMU_BINARY must end with *-system-<arch> "
                "where 'arch' is the target\narchitecture (x86_64, aarch64, "
                "etc).\n");
        exit(1);
    }
}

static int qtest_listen(const char *path)
{
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpuint(strlen(path), <, sizeof(un.sun_path));
    strcpy(un.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0 ||
        listen(fd, 1) < 0) {
        g_error("libqtest: cannot listen on %s: %s", path, strerror(errno));
    }
    return fd;
}

static bool qtest_child_gone(QTestState *s)
{
    if (!s->reaped && waitpid(s->pid, &s->wstatus, WNOHANG) == s->pid) {
        s->reaped = true;
    }
    return s->reaped;
}

static int qtest_accept(QTestState *s, int lfd)
{
    gint64 deadline = g_get_monotonic_time() +
                      QTEST_CONNECT_TIMEOUT_S * G_USEC_PER_SEC;
    /* A stopped QEMU waits for a debugger: no time limit then. */
    bool forever = getenv("QTEST_STOP") != NULL;

    while (forever || g_get_monotonic_time() < deadline) {
        struct pollfd pfd = { .fd = lfd, .events = POLLIN };
        int fd;

        if (poll(&pfd, 1, 100) > 0) {
            fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                return fd;
            }
        }
        if (qtest_child_gone(s)) {
            g_error("libqtest: QEMU exited before connecting (status 0x%x)",
                    s->wstatus);
        }
    }
    g_error("libqtest: QEMU did not connect within %d s",
            QTEST_CONNECT_TIMEOUT_S);
    return -1;
}

static char *qtest_socket_path(const char *suffix)
{
    static unsigned instance;
    char *path;

    /* QEMU's names; a counter only when one process runs several. */
    if (instance++ == 0) {
        path = g_strdup_printf("%s/qtest-%d.%s", g_get_tmp_dir(), getpid(),
                               suffix);
    } else {
        path = g_strdup_printf("%s/qtest-%d-%u.%s", g_get_tmp_dir(),
                               getpid(), instance, suffix);
    }
    return path;
}

static QTestState *qtest_spawn(const char *extra_args, bool accel_qtest)
{
    const char *bin = qtest_qemu_binary();
    QTestState *s = g_new0(QTestState, 1);
    const char *trace = getenv("QTEST_TRACE");
    g_autofree char *trace_arg = NULL;
    g_autofree char *cmd = NULL;
    int qtest_lfd, qmp_lfd;

    qtest_check_binary_name(bin);
    s->qtest_path = qtest_socket_path("sock");
    s->qmp_path = g_strdup(s->qtest_path);
    strcpy(s->qmp_path + strlen(s->qmp_path) - 4, "qmp");
    s->qtest_buf = g_string_new(NULL);
    s->qmp_buf = g_string_new(NULL);
    g_queue_init(&s->events);
    qtest_lfd = qtest_listen(s->qtest_path);
    qmp_lfd = qtest_listen(s->qmp_path);

    if (trace) {
        trace_arg = g_strdup_printf("-trace %s ", trace);
    }
    cmd = g_strdup_printf("exec %s %s-qtest unix:%s -qtest-log %s "
                          "-chardev socket,path=%s,id=char0 "
                          "-mon chardev=char0,mode=control "
                          "-display none -audio none "
                          "-run-with exit-with-parent=on %s%s",
                          bin, trace_arg ? trace_arg : "", s->qtest_path,
                          getenv("QTEST_LOG") ? "/dev/fd/2" : "/dev/null",
                          s->qmp_path, extra_args ? extra_args : "",
                          accel_qtest ? " -accel qtest" : "");
    if (getenv("QTEST_LOG")) {
        fprintf(stderr, "libqtest: starting: %s\n", cmd);
    }
    s->pid = fork();
    g_assert_cmpint(s->pid, >=, 0);
    if (s->pid == 0) {
        execlp("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    if (getenv("QTEST_STOP")) {
        kill(s->pid, SIGSTOP);
        fprintf(stderr, "libqtest: QEMU pid %d stopped (QTEST_STOP); "
                "attach a debugger and send SIGCONT\n", (int)s->pid);
    }
    s->qtest_fd = qtest_accept(s, qtest_lfd);
    s->qmp_fd = qtest_accept(s, qmp_lfd);
    close(qtest_lfd);
    close(qmp_lfd);
    unlink(s->qtest_path);
    unlink(s->qmp_path);
    s->greeting = qtest_qmp_receive(s);
    g_assert(s->greeting && json_object_get(s->greeting, "QMP"));
    return s;
}

QTestState *qtest_init_raw(const char *extra_args)
{
    return qtest_spawn(extra_args, false);
}

QTestState *qtest_init(const char *extra_args)
{
    QTestState *s = qtest_spawn(extra_args, true);
    json_t *rsp = qtest_qmp(s, "{\"execute\": \"qmp_capabilities\"}");
    char *endian;

    g_assert(rsp && json_object_get(rsp, "return"));
    json_decref(rsp);
    endian = qtest_command(s, "endianness");
    g_assert(g_str_has_prefix(endian, "OK "));
    s->big_endian = !strcmp(endian + 3, "big");
    g_free(endian);
    return s;
}

QTestState *qtest_initf(const char *fmt, ...)
{
    va_list ap;
    char *args;
    QTestState *s;

    va_start(ap, fmt);
    args = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    s = qtest_init(args);
    g_free(args);
    return s;
}

pid_t qtest_pid(QTestState *s)
{
    return s->pid;
}

int qtest_wait_exit(QTestState *s)
{
    while (!s->reaped) {
        if (waitpid(s->pid, &s->wstatus, 0) == s->pid) {
            s->reaped = true;
        } else if (errno != EINTR) {
            break;
        }
    }
    return s->wstatus;
}

void qtest_quit(QTestState *s)
{
    json_t *ev;

    if (!s) {
        return;
    }
    if (!qtest_child_gone(s)) {
        gint64 deadline = g_get_monotonic_time() +
                          QTEST_QUIT_TIMEOUT_S * G_USEC_PER_SEC;

        kill(s->pid, SIGTERM);
        while (!qtest_child_gone(s) && g_get_monotonic_time() < deadline) {
            g_usleep(1000);
        }
        if (!s->reaped) {
            kill(s->pid, SIGKILL);
            qtest_wait_exit(s);
        }
    }
    if (WIFSIGNALED(s->wstatus) && WTERMSIG(s->wstatus) != SIGTERM &&
        WTERMSIG(s->wstatus) != SIGKILL) {
        g_error("libqtest: QEMU died from signal %d (%s)",
                WTERMSIG(s->wstatus), strsignal(WTERMSIG(s->wstatus)));
    }
    if (s->qtest_fd >= 0) {
        close(s->qtest_fd);
    }
    if (s->qmp_fd >= 0) {
        close(s->qmp_fd);
    }
    unlink(s->qtest_path);
    unlink(s->qmp_path);
    while ((ev = g_queue_pop_head(&s->events))) {
        json_decref(ev);
    }
    json_decref(s->greeting);
    g_string_free(s->qtest_buf, TRUE);
    g_string_free(s->qmp_buf, TRUE);
    g_free(s->qtest_path);
    g_free(s->qmp_path);
    g_free(s);
}

static void send_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_error("libqtest: send failed: %s", strerror(errno));
        }
        data += n;
        len -= n;
    }
}

/* One "\n"-terminated line (terminator stripped), or NULL at EOF. */
static char *read_line(int fd, GString *buf)
{
    size_t scanned = 0;     /* big replies take many reads: scan once */

    for (;;) {
        char *nl = memchr(buf->str + scanned, '\n', buf->len - scanned);
        char chunk[65536];
        ssize_t n;

        if (nl) {
            size_t len = nl - buf->str;
            char *line = g_strndup(buf->str, len);

            g_string_erase(buf, 0, len + 1);
            if (len && line[len - 1] == '\r') {
                line[len - 1] = '\0';
            }
            return line;
        }
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return NULL;
        }
        scanned = buf->len;
        g_string_append_len(buf, chunk, n);
    }
}

static json_t *qmp_read_message(QTestState *s)
{
    for (;;) {
        char *line = read_line(s->qmp_fd, s->qmp_buf);
        json_error_t jerr;
        json_t *msg;

        if (!line) {
            return NULL;
        }
        if (getenv("QTEST_LOG")) {
            fprintf(stderr, "[R] %s\n", line);
        }
        if (!*line) {
            g_free(line);
            continue;
        }
        msg = json_loads(line, 0, &jerr);
        if (!msg) {
            g_error("libqtest: bad QMP message '%s': %s", line, jerr.text);
        }
        g_free(line);
        return msg;
    }
}

json_t *qtest_qmp_receive(QTestState *s)
{
    json_t *msg = g_queue_pop_head(&s->events);

    return msg ? msg : qmp_read_message(s);
}

void qtest_qmp_send_raw(QTestState *s, const char *data, size_t len)
{
    if (getenv("QTEST_LOG")) {
        fprintf(stderr, "[S] %.*s\n", (int)len, data);
    }
    send_all(s->qmp_fd, data, len);
}

json_t *qtest_qmp(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    char *req;

    va_start(ap, fmt);
    req = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qtest_qmp_send_raw(s, req, strlen(req));
    g_free(req);
    for (;;) {
        json_t *msg = qmp_read_message(s);

        if (!msg || !json_object_get(msg, "event")) {
            return msg;
        }
        g_queue_push_tail(&s->events, msg);
    }
}

json_t *qtest_qmp_eventwait(QTestState *s, const char *name)
{
    for (GList *l = s->events.head; l; l = l->next) {
        json_t *ev = l->data;

        if (!g_strcmp0(json_string_value(json_object_get(ev, "event")),
                       name)) {
            g_queue_delete_link(&s->events, l);
            return ev;
        }
    }
    for (;;) {
        json_t *msg = qmp_read_message(s);

        if (!msg) {
            g_error("libqtest: QMP closed while waiting for event %s", name);
        }
        if (!g_strcmp0(json_string_value(json_object_get(msg, "event")),
                       name)) {
            return msg;
        }
        if (json_object_get(msg, "event")) {
            g_queue_push_tail(&s->events, msg);
        } else {
            json_decref(msg);
        }
    }
}

json_t *qtest_qmp_greeting(QTestState *s)
{
    return s->greeting;
}

char *qtest_command(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    char *cmd;
    char *line;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (getenv("QTEST_LOG")) {
        fprintf(stderr, "[S] %s\n", cmd);
    }
    send_all(s->qtest_fd, cmd, strlen(cmd));
    send_all(s->qtest_fd, "\n", 1);
    g_free(cmd);
    for (;;) {
        line = read_line(s->qtest_fd, s->qtest_buf);
        if (!line) {
            g_error("libqtest: qtest connection closed");
        }
        if (!g_str_has_prefix(line, "IRQ")) {
            return line;
        }
        g_free(line);
    }
}

/* Reply must be "OK" or "OK <value>"; returns the value part. */
static uint64_t qtest_rsp_value(char *line)
{
    uint64_t v;

    if (!g_str_has_prefix(line, "OK")) {
        g_error("libqtest: unexpected qtest reply '%s'", line);
    }
    v = line[2] == ' ' ? g_ascii_strtoull(line + 3, NULL, 0) : 0;
    g_free(line);
    return v;
}

static uint64_t qtest_read_n(QTestState *s, const char *cmd, uint64_t addr)
{
    return qtest_rsp_value(qtest_command(s, "%s 0x%" PRIx64, cmd, addr));
}

uint8_t qtest_readb(QTestState *s, uint64_t addr)
{
    return qtest_read_n(s, "readb", addr);
}

uint16_t qtest_readw(QTestState *s, uint64_t addr)
{
    return qtest_read_n(s, "readw", addr);
}

uint32_t qtest_readl(QTestState *s, uint64_t addr)
{
    return qtest_read_n(s, "readl", addr);
}

uint64_t qtest_readq(QTestState *s, uint64_t addr)
{
    return qtest_read_n(s, "readq", addr);
}

static void qtest_write_n(QTestState *s, const char *cmd, uint64_t addr,
                          uint64_t v)
{
    qtest_rsp_value(qtest_command(s, "%s 0x%" PRIx64 " 0x%" PRIx64, cmd,
                                  addr, v));
}

void qtest_writeb(QTestState *s, uint64_t addr, uint8_t v)
{
    qtest_write_n(s, "writeb", addr, v);
}

void qtest_writew(QTestState *s, uint64_t addr, uint16_t v)
{
    qtest_write_n(s, "writew", addr, v);
}

void qtest_writel(QTestState *s, uint64_t addr, uint32_t v)
{
    qtest_write_n(s, "writel", addr, v);
}

void qtest_writeq(QTestState *s, uint64_t addr, uint64_t v)
{
    qtest_write_n(s, "writeq", addr, v);
}

void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    uint8_t *out = data;
    char *line;
    const char *hex;

    if (!size) {
        return;
    }
    line = qtest_command(s, "read 0x%" PRIx64 " 0x%zx", addr, size);
    if (!g_str_has_prefix(line, "OK 0x") || strlen(line) != 5 + 2 * size) {
        g_error("libqtest: unexpected qtest reply '%.80s'", line);
    }
    hex = line + 5;
    for (size_t i = 0; i < size; i++) {
        out[i] = g_ascii_xdigit_value(hex[2 * i]) << 4 |
                 g_ascii_xdigit_value(hex[2 * i + 1]);
    }
    g_free(line);
}

void qtest_memwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size)
{
    const uint8_t *in = data;
    GString *hex;

    if (!size) {
        return;
    }
    hex = g_string_sized_new(2 * size + 3);
    g_string_append(hex, "0x");
    for (size_t i = 0; i < size; i++) {
        g_string_append_printf(hex, "%02x", in[i]);
    }
    qtest_rsp_value(qtest_command(s, "write 0x%" PRIx64 " 0x%zx %s", addr,
                                  size, hex->str));
    g_string_free(hex, TRUE);
}

void qtest_bufread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    char *line;
    guchar *dec;
    gsize len = 0;

    if (!size) {
        return;
    }
    line = qtest_command(s, "b64read 0x%" PRIx64 " 0x%zx", addr, size);
    if (!g_str_has_prefix(line, "OK ")) {
        g_error("libqtest: unexpected qtest reply '%.80s'", line);
    }
    dec = g_base64_decode(line + 3, &len);
    g_assert_cmpuint(len, ==, size);
    memcpy(data, dec, size);
    g_free(dec);
    g_free(line);
}

void qtest_bufwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size)
{
    char *enc;

    if (!size) {
        return;
    }
    enc = g_base64_encode(data, size);
    qtest_rsp_value(qtest_command(s, "b64write 0x%" PRIx64 " 0x%zx %s", addr,
                                  size, enc));
    g_free(enc);
}

void qtest_memset(QTestState *s, uint64_t addr, uint8_t patt, size_t size)
{
    if (!size) {
        return;
    }
    qtest_rsp_value(qtest_command(s, "memset 0x%" PRIx64 " 0x%zx 0x%02x",
                                  addr, size, patt));
}

uint8_t qtest_inb(QTestState *s, uint16_t port)
{
    return qtest_rsp_value(qtest_command(s, "inb 0x%x", port));
}

uint16_t qtest_inw(QTestState *s, uint16_t port)
{
    return qtest_rsp_value(qtest_command(s, "inw 0x%x", port));
}

uint32_t qtest_inl(QTestState *s, uint16_t port)
{
    return qtest_rsp_value(qtest_command(s, "inl 0x%x", port));
}

void qtest_outb(QTestState *s, uint16_t port, uint8_t v)
{
    qtest_rsp_value(qtest_command(s, "outb 0x%x 0x%x", port, v));
}

void qtest_outw(QTestState *s, uint16_t port, uint16_t v)
{
    qtest_rsp_value(qtest_command(s, "outw 0x%x 0x%x", port, v));
}

void qtest_outl(QTestState *s, uint16_t port, uint32_t v)
{
    qtest_rsp_value(qtest_command(s, "outl 0x%x 0x%x", port, v));
}

const char *qtest_kvm_missing(void)
{
    const char *dev = getenv("QEMU_KVM_DEVICE");
    int fd = open(dev ? dev : "/dev/kvm", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        return "/dev/kvm";
    }
    close(fd);
    return NULL;
}

const char *qtest_guest_memfd_missing(void)
{
    const char *dev = getenv("QEMU_KVM_DEVICE");
    int kvm = open(dev ? dev : "/dev/kvm", O_RDWR | O_CLOEXEC);
    int vm;
    int flags;

    if (kvm < 0) {
        return "/dev/kvm";
    }
    vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        close(kvm);
        return "KVM_CREATE_VM";
    }
    flags = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS);
    close(vm);
    close(kvm);
    if (flags < 0 ||
        (flags & (GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED)) !=
        (GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED)) {
        return "KVM_CAP_GUEST_MEMFD_FLAGS MMAP|INIT_SHARED";
    }
    return NULL;
}

int qtest_run_binary(const char *const *argv, char **out, char **err,
                     int timeout_s)
{
    const char *bin = qtest_qemu_binary();
    GPtrArray *args = g_ptr_array_new();
    GString *bufs[2] = { g_string_new(NULL), g_string_new(NULL) };
    int fds[2] = { -1, -1 };
    GError *gerr = NULL;
    GPid pid;
    gint64 deadline = g_get_monotonic_time() +
                      (gint64)timeout_s * G_USEC_PER_SEC;
    bool killed = false;
    int status = 0;

    g_ptr_array_add(args, (gpointer)bin);
    for (const char *const *a = argv; a && *a; a++) {
        g_ptr_array_add(args, (gpointer)*a);
    }
    g_ptr_array_add(args, NULL);
    if (!g_spawn_async_with_pipes(NULL, (char **)args->pdata, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                  &pid, NULL, &fds[0], &fds[1], &gerr)) {
        g_error("libqtest: cannot run %s: %s", bin, gerr->message);
    }
    g_ptr_array_free(args, TRUE);
    while (fds[0] >= 0 || fds[1] >= 0) {
        struct pollfd pfd[2] = {
            { .fd = fds[0], .events = POLLIN },
            { .fd = fds[1], .events = POLLIN },
        };
        gint64 left = deadline - g_get_monotonic_time();

        if (left <= 0 && !killed) {
            kill(pid, SIGKILL);
            killed = true;
        }
        if (poll(pfd, 2, left > 0 ? (int)MIN(left / 1000 + 1, 1000) : 100)
            <= 0) {
            continue;
        }
        for (int i = 0; i < 2; i++) {
            char chunk[4096];
            ssize_t n;

            if (fds[i] < 0 || !pfd[i].revents) {
                continue;
            }
            n = read(fds[i], chunk, sizeof(chunk));
            if (n > 0) {
                g_string_append_len(bufs[i], chunk, n);
            } else if (n == 0 || errno != EINTR) {
                close(fds[i]);
                fds[i] = -1;
            }
        }
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        /* retry */
    }
    if (out) {
        *out = g_string_free(bufs[0], FALSE);
    } else {
        g_string_free(bufs[0], TRUE);
    }
    if (err) {
        *err = g_string_free(bufs[1], FALSE);
    } else {
        g_string_free(bufs[1], TRUE);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}
