/* SPDX-License-Identifier: GPL-2.0-or-later */
/* String to number conversions with QEMU's rules. */
#ifndef QEMU_CUTILS_H
#define QEMU_CUTILS_H

#include "qemu/osdep.h"

/*
 * All return 0 on success, -EINVAL on syntax error, -ERANGE on overflow.
 * If endptr is NULL the whole string must be consumed.  base 0 = auto
 * (0x hex, leading 0 octal, else decimal).  Leading whitespace is skipped.
 * The unsigned variants reject a minus sign with -EINVAL (QEMU's
 * qemu_strtou64 wraps "-N" to 2^64 - N; no caller here wants that).
 * On -ERANGE the result saturates; on -EINVAL *endptr is @nptr.
 */
int qemu_strtoi64(const char *nptr, const char **endptr, int base,
                  int64_t *result);
int qemu_strtou64(const char *nptr, const char **endptr, int base,
                  uint64_t *result);
int qemu_strtoi(const char *nptr, const char **endptr, int base, int *result);
int qemu_strtoul(const char *nptr, const char **endptr, int base,
                 unsigned long *result);

/*
 * Sizes: digits with optional fraction ("1.5G") and a suffix B, K, M, G, T,
 * P, E (case-insensitive, powers of 1024).  Without a suffix the number is
 * multiplied by the default unit (bytes; MiB for qemu_strtosz_MiB).  A
 * fraction needs a unit other than bytes ("1.5" and "1.5B" are -EINVAL) and
 * is truncated to whole bytes; "0x..." hex takes neither fraction nor
 * suffix; no sign.  Results at or above 0xfffffffffffffc00 (QEMU's limit,
 * e.g. "16E") -> -ERANGE.  On error *result is 0 and *end is @nptr.
 */
int qemu_strtosz(const char *nptr, const char **end, uint64_t *result);
int qemu_strtosz_MiB(const char *nptr, const char **end, uint64_t *result);

/* "on"/"yes"/"true"/"y" -> true, "off"/"no"/"false"/"n" -> false. */
bool qemu_parse_bool(const char *s, bool *result);

/* Human readable size: "1 GiB", "512 MiB", "1.5 GiB". Caller frees. */
char *size_to_str(uint64_t val);

#endif
