/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqtest: start the binary named by $QTEST_QEMU_BINARY the way QEMU's
 * libqtest does (it listens on two unix sockets, QEMU connects to them),
 * then talk QMP and the qtest protocol to it.
 */
#ifndef LIBQTEST_H
#define LIBQTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <glib.h>
#include <jansson.h>

typedef struct QTestState QTestState;

/*
 * Start QEMU with @extra_args (shell words) followed by "-accel qtest",
 * read the greeting, negotiate capabilities, query endianness.  Aborts the
 * test on failure.
 */
QTestState *qtest_init(const char *extra_args);
QTestState *qtest_initf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* Same, without "-accel qtest" appended and without qmp_capabilities. */
QTestState *qtest_init_raw(const char *extra_args);
/* SIGTERM, wait (SIGKILL after 30 s), unlink sockets, free. */
void qtest_quit(QTestState *s);
/* Wait for QEMU to exit by itself; returns the raw wait status. */
int qtest_wait_exit(QTestState *s);
pid_t qtest_pid(QTestState *s);

/* QMP.  @fmt is printf-style and must produce one JSON object.  Returns
 * the reply (events received meanwhile are queued). Caller json_decref. */
json_t *qtest_qmp(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Send raw bytes on the QMP socket (for malformed-input tests). */
void qtest_qmp_send_raw(QTestState *s, const char *data, size_t len);
/* Next message (reply or event), or NULL on EOF. */
json_t *qtest_qmp_receive(QTestState *s);
/* Wait for event @name (queued ones first); returns it. */
json_t *qtest_qmp_eventwait(QTestState *s, const char *name);
/* The greeting as received. */
json_t *qtest_qmp_greeting(QTestState *s);
/* Open another QMP client connection? Not via libqtest: the qmp-test
 * connects to an extra -qmp unix socket of its own. */

/* qtest protocol.  Full reply line without "\n"; caller g_free. */
char *qtest_command(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
uint8_t qtest_readb(QTestState *s, uint64_t addr);
uint16_t qtest_readw(QTestState *s, uint64_t addr);
uint32_t qtest_readl(QTestState *s, uint64_t addr);
uint64_t qtest_readq(QTestState *s, uint64_t addr);
void qtest_writeb(QTestState *s, uint64_t addr, uint8_t v);
void qtest_writew(QTestState *s, uint64_t addr, uint16_t v);
void qtest_writel(QTestState *s, uint64_t addr, uint32_t v);
void qtest_writeq(QTestState *s, uint64_t addr, uint64_t v);
void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size);
void qtest_memwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size);
void qtest_bufread(QTestState *s, uint64_t addr, void *data, size_t size);
void qtest_bufwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size);
void qtest_memset(QTestState *s, uint64_t addr, uint8_t patt, size_t size);
uint8_t qtest_inb(QTestState *s, uint16_t port);
uint16_t qtest_inw(QTestState *s, uint16_t port);
uint32_t qtest_inl(QTestState *s, uint16_t port);
void qtest_outb(QTestState *s, uint16_t port, uint8_t v);
void qtest_outw(QTestState *s, uint16_t port, uint16_t v);
void qtest_outl(QTestState *s, uint16_t port, uint32_t v);

/*
 * Host probes for skipping: NULL if usable, else a static string naming
 * what is missing ("/dev/kvm", "KVM_CAP_GUEST_MEMFD_FLAGS MMAP|INIT_SHARED").
 */
const char *qtest_kvm_missing(void);
const char *qtest_guest_memfd_missing(void);

/* Run the binary with @argv (NULL-terminated, without argv[0]); capture
 * stdout/stderr; returns the exit status (WEXITSTATUS, or 128+signal). */
int qtest_run_binary(const char *const *argv, char **out, char **err,
                     int timeout_s);
const char *qtest_qemu_binary(void);

#endif
