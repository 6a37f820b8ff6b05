/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The qtest protocol server (-qtest, -object qtest) and qtest accelerator. */
#ifndef SYSTEM_QTEST_H
#define SYSTEM_QTEST_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "chardev/char.h"

#define TYPE_QTEST "qtest"

/*
 * -qtest SPEC [-qtest-log FILE]: create the chardev from the legacy SPEC
 * ("unix:PATH" connects as a client, as libqtest expects) and serve the
 * qtest protocol on it.  Call after option parsing, before
 * qemu_chr_realize_all(); @log may be NULL (no log).
 */
bool qtest_server_init(const char *spec, const char *log, Error **errp);
/* Serve the protocol on an existing chardev (used by -object qtest). */
bool qtest_server_start(Chardev *chr, const char *log, Error **errp);
/* True once a qtest server exists (-qtest or -object qtest). */
bool qtest_enabled(void);

/*
 * The qtest accelerator (-accel qtest): no vCPUs; guest memory is only
 * touched through the protocol.  cpus_create() creates no threads when
 * KVM is not initialised.
 */
bool qtest_accel_init(Error **errp);
bool qtest_accel_enabled(void);

/*
 * Protocol core, exposed for unit tests: handle one command line (without
 * "\n") and return the reply line (without "\n"), caller frees.  Asynchronous
 * IRQ lines are not produced here.
 */
char *qtest_process_command(const char *line);
/* Virtual clock of the qtest protocol (ns). */
int64_t qtest_clock_ns(void);

#endif
