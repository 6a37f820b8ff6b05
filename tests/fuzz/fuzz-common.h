/* SPDX-License-Identifier: GPL-2.0-or-later */
/* In-process set-up shared by the libFuzzer targets that need a machine. */
#ifndef TESTS_FUZZ_FUZZ_COMMON_H
#define TESTS_FUZZ_FUZZ_COMMON_H

#include "qemu/osdep.h"
#include "chardev/char.h"

/*
 * What `qemu-system-x86_64 -machine none -accel qtest` has before its main
 * loop, with @ram_size bytes of RAM at guest-physical 0 (0: none).
 * Aborts on failure: a harness that cannot start finds nothing.
 */
void fuzz_machine_init(uint64_t ram_size);

/* A "null" chardev (its output is discarded) for a front end to claim. */
Chardev *fuzz_chardev_new(const char *id);

/*
 * One client session: connect (the front end sees CHR_EVENT_OPENED), hand
 * it @data the way a socket read would, in chunks whose sizes come from
 * the input so that framing across reads is exercised, then disconnect.
 */
void fuzz_chardev_session(Chardev *chr, const uint8_t *data, size_t size);

#endif
