/* SPDX-License-Identifier: GPL-2.0-or-later */
/* String-to-number conversions (integers, sizes, booleans) with QEMU's rules. */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/units.h"
#include <ctype.h>

/*
 * Shared tail of the integer parsers: classify what strtoull/strtoll left
 * behind.  @ep is where the C library stopped.
 */
static int check_strtox(const char *nptr, const char *ep,
                        const char **endptr, int libc_errno)
{
    if (ep == nptr) {
        /* No digits at all: the end pointer stays at the start. */
        if (endptr) {
            *endptr = nptr;
        }
        return -EINVAL;
    }
    if (endptr) {
        *endptr = ep;
    }
    if (libc_errno == ERANGE) {
        return -ERANGE;
    }
    if (!endptr && *ep) {
        return -EINVAL;
    }
    return 0;
}

static const char *skip_space(const char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    return s;
}

int qemu_strtoi64(const char *nptr, const char **endptr, int base,
                  int64_t *result)
{
    char *ep;
    long long v;

    if (!nptr) {
        if (endptr) {
            *endptr = nptr;
        }
        *result = 0;
        return -EINVAL;
    }
    errno = 0;
    v = strtoll(nptr, &ep, base);
    *result = v;
    return check_strtox(nptr, ep, endptr, errno);
}

int qemu_strtou64(const char *nptr, const char **endptr, int base,
                  uint64_t *result)
{
    char *ep;
    unsigned long long v;
    const char *p;

    *result = 0;
    if (!nptr) {
        if (endptr) {
            *endptr = nptr;
        }
        return -EINVAL;
    }
    /*
     * strtoull silently wraps "-1" to UINT64_MAX; no caller here wants
     * that, so a sign is a syntax error.
     */
    p = skip_space(nptr);
    if (*p == '-') {
        if (endptr) {
            *endptr = nptr;
        }
        return -EINVAL;
    }
    errno = 0;
    v = strtoull(nptr, &ep, base);
    *result = v;
    return check_strtox(nptr, ep, endptr, errno);
}

int qemu_strtoi(const char *nptr, const char **endptr, int base, int *result)
{
    int64_t v;
    int ret = qemu_strtoi64(nptr, endptr, base, &v);

    if (ret == -EINVAL) {
        *result = 0;
        return ret;
    }
    if (ret == -ERANGE || v > INT_MAX || v < INT_MIN) {
        *result = (v < 0) ? INT_MIN : INT_MAX;
        return -ERANGE;
    }
    *result = (int)v;
    return 0;
}

int qemu_strtoul(const char *nptr, const char **endptr, int base,
                 unsigned long *result)
{
    uint64_t v;
    int ret = qemu_strtou64(nptr, endptr, base, &v);

    G_STATIC_ASSERT(sizeof(unsigned long) == sizeof(uint64_t));
    *result = v;
    return ret;
}

static int64_t suffix_mul(char suffix)
{
    switch (g_ascii_toupper(suffix)) {
    case 'B':
        return 1;
    case 'K':
        return KiB;
    case 'M':
        return MiB;
    case 'G':
        return GiB;
    case 'T':
        return TiB;
    case 'P':
        return PiB;
    case 'E':
        return EiB;
    default:
        return -1;
    }
}

/*
 * QEMU historically converted sizes through a double, so anything at or
 * above the last double below 2^64 was out of range; keep that limit so
 * the same inputs are accepted and refused.
 */
#define STRTOSZ_LIMIT UINT64_C(0xfffffffffffffc00)

static int do_strtosz(const char *nptr, const char **end,
                      char default_suffix, uint64_t *result)
{
    const char *p;
    const char *endptr = nptr;
    uint64_t val = 0;
    uint64_t frac_num = 0;      /* fraction digits as an integer */
    uint64_t frac_den = 1;      /* 10^(number of digits kept) */
    bool have_digits = false;
    bool have_frac = false;
    int64_t mul;
    unsigned __int128 total;
    int ret = -EINVAL;

    *result = 0;
    if (!nptr) {
        goto out;
    }
    p = skip_space(nptr);
    if (*p == '-' || *p == '+') {
        goto out;
    }

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        /* Hex is a plain byte count: no fraction, no suffix. */
        const char *hp;
        int r = qemu_strtou64(p, &hp, 16, &val);

        if (r == -ERANGE) {
            ret = -ERANGE;
            goto out;
        }
        if (r || hp == p + 1 || *hp == '.' || suffix_mul(*hp) > 0) {
            goto out;
        }
        if (val >= STRTOSZ_LIMIT) {
            ret = -ERANGE;
            goto out;
        }
        *result = val;
        endptr = hp;
        ret = 0;
        goto out;
    }

    while (g_ascii_isdigit(*p)) {
        unsigned d = *p - '0';

        if (val > (UINT64_MAX - d) / 10) {
            ret = -ERANGE;
            goto out;
        }
        val = val * 10 + d;
        have_digits = true;
        p++;
    }
    if (*p == '.') {
        p++;
        while (g_ascii_isdigit(*p)) {
            /* Digits beyond 10^-18 cannot change a byte count. */
            if (frac_den < UINT64_C(1000000000000000000)) {
                frac_num = frac_num * 10 + (*p - '0');
                frac_den *= 10;
            }
            have_frac = true;
            p++;
        }
    }
    if (!have_digits && !have_frac) {
        goto out;
    }

    mul = suffix_mul(*p);
    if (mul > 0) {
        p++;
    } else {
        mul = suffix_mul(default_suffix);
        g_assert(mul > 0);
    }
    if (mul == 1 && frac_num != 0) {
        /* A fraction of a byte makes no sense. */
        goto out;
    }

    total = (unsigned __int128)val * (uint64_t)mul +
            (unsigned __int128)frac_num * (uint64_t)mul / frac_den;
    if (total >= STRTOSZ_LIMIT) {
        ret = -ERANGE;
        goto out;
    }
    *result = (uint64_t)total;
    endptr = p;
    ret = 0;

out:
    if (end) {
        *end = ret == 0 ? endptr : nptr;
    } else if (ret == 0 && *endptr) {
        *result = 0;
        ret = -EINVAL;
    }
    return ret;
}

int qemu_strtosz(const char *nptr, const char **end, uint64_t *result)
{
    return do_strtosz(nptr, end, 'B', result);
}

int qemu_strtosz_MiB(const char *nptr, const char **end, uint64_t *result)
{
    return do_strtosz(nptr, end, 'M', result);
}

bool qemu_parse_bool(const char *s, bool *result)
{
    static const char *const on[] = { "on", "yes", "true", "y" };
    static const char *const off[] = { "off", "no", "false", "n" };
    size_t i;

    if (!s) {
        return false;
    }
    for (i = 0; i < ARRAY_SIZE(on); i++) {
        if (!strcmp(s, on[i])) {
            *result = true;
            return true;
        }
        if (!strcmp(s, off[i])) {
            *result = false;
            return true;
        }
    }
    return false;
}

char *size_to_str(uint64_t val)
{
    static const char *const suffixes[] = {
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"
    };
    int i = 0;

    /*
     * Move to the next unit once the figure would print as 1000 or more,
     * so values never need four integer digits ("1000 MiB" -> "0.977 GiB").
     */
    while (i < 6 && (double)val >= 1000.0 * (double)(UINT64_C(1) << (i * 10))) {
        i++;
    }
    return g_strdup_printf("%0.3g %sB",
                           (double)val / (double)(UINT64_C(1) << (i * 10)),
                           suffixes[i]);
}
