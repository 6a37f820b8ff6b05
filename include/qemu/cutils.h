/* SPDX-License-Identifier: GPL-2.0-or-later */
/* String to number conversions with QEMU's rules. */
#ifndef QEMU_CUTILS_H
#define QEMU_CUTILS_H

#include "qemu/osdep.h"

/*
 * All return 0 on success, -EINVAL on syntax error, -ERANGE on overflow.
 * If endptr is NULL the whole string must be consumed.  base 0 = auto
 * (0x hex, leading 0 octal, else decimal).  Leading whitespace is skipped;
 * a negative number is rejected by the unsigned variants except qemu_strtou64
 * which, like QEMU, accepts "-N" as 2^64 - N only when allow_negative is set.
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
 * multiplied by @default_suffix_mult.  Fractions are allowed only with a
 * suffix other than B; hex numbers only without fraction.  Overflow beyond
 * UINT64_MAX -> -ERANGE.
 */
int qemu_strtosz(const char *nptr, const char **end, uint64_t *result);
int qemu_strtosz_MiB(const char *nptr, const char **end, uint64_t *result);

/* "on"/"yes"/"true"/"y" -> true, "off"/"no"/"false"/"n" -> false. */
bool qemu_parse_bool(const char *s, bool *result);

/* Human readable size: "1 GiB", "512 MiB", "1.5 GiB". Caller frees. */
char *size_to_str(uint64_t val);

#endif
