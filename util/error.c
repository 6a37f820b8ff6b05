/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error objects and the program-name-prefixed reporting functions. */

#include "qemu/osdep.h"
#include "qapi/error.h"

struct Error {
    char *msg;
    GString *hint;
    ErrorClass cls;
    char *prefix;               /* replaces program name and location */
    const char *src;
    const char *func;
    int line;
};

/*
 * Only the addresses of these two matter: they mark the special
 * destinations "abort on error" and "report and exit".
 */
Error *error_abort;
Error *error_fatal;

static char *progname;

static const char *const error_class_names[ERROR_CLASS__MAX] = {
    [ERROR_CLASS_GENERIC_ERROR] = "GenericError",
    [ERROR_CLASS_COMMAND_NOT_FOUND] = "CommandNotFound",
    [ERROR_CLASS_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
    [ERROR_CLASS_DEVICE_NOT_FOUND] = "DeviceNotFound",
    [ERROR_CLASS_KVM_MISSING_CAP] = "KVMMissingCap",
};

const char *error_class_name(ErrorClass cls)
{
    if (cls < 0 || cls >= ERROR_CLASS__MAX) {
        return "GenericError";
    }
    return error_class_names[cls];
}

void error_init(const char *argv0)
{
    g_free(progname);
    progname = argv0 ? g_path_get_basename(argv0) : NULL;
}

const char *error_get_progname(void)
{
    return progname ? progname : "qemu-system-x86_64";
}

static __thread Location *cur_loc;
static __thread ErrorPrinter *cur_printer;

void loc_push_option(Location *loc, const char *opt, const char *arg)
{
    loc->text = arg ? g_strdup_printf("-%s %s", opt, arg)
                    : g_strdup_printf("-%s", opt);
    loc->prev = cur_loc;
    cur_loc = loc;
}

void loc_pop(Location *loc)
{
    g_assert(cur_loc == loc);
    cur_loc = loc->prev;
    g_free(loc->text);
    loc->text = NULL;
}

void error_printer_push(ErrorPrinter *p, ErrorPrintFunc *print,
                        void *opaque)
{
    p->print = print;
    p->opaque = opaque;
    p->prev = cur_printer;
    cur_printer = p;
}

void error_printer_pop(ErrorPrinter *p)
{
    g_assert(cur_printer == p);
    cur_printer = p->prev;
}

/*
 * One report: "PROG: [LOC: ]KIND MSG\n[HINT]" on stderr, or "KIND MSG\n
 * [HINT]" to the monitor that redirected reports.  The whole text is built
 * first so that concurrent reporters (vCPU threads) do not interleave
 * within a line.
 */
static void report(const char *prefix, const char *kind, const char *msg,
                   const char *hint)
{
    GString *out = g_string_new(NULL);

    if (prefix && !cur_printer) {
        g_string_append_printf(out, "%s: ", prefix);
    } else if (!cur_printer) {
        g_string_append_printf(out, "%s: ", error_get_progname());
        if (cur_loc) {
            g_string_append_printf(out, "%s: ", cur_loc->text);
        }
    }
    g_string_append_printf(out, "%s%s\n", kind, msg);
    if (hint) {
        g_string_append(out, hint);
    }
    if (cur_printer) {
        cur_printer->print(cur_printer->opaque, out->str);
    } else {
        fputs(out->str, stderr);
    }
    g_string_free(out, TRUE);
}

static void print_prefixed(const char *kind, const char *fmt, va_list ap)
{
    char *body = g_strdup_vprintf(fmt, ap);

    report(NULL, kind, body, NULL);
    g_free(body);
}

void error_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    print_prefixed("", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    print_prefixed("warning: ", fmt, ap);
    va_end(ap);
}

void info_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    print_prefixed("info: ", fmt, ap);
    va_end(ap);
}

static void error_print(const char *kind, const Error *err)
{
    report(err->prefix, kind, err->msg, err->hint ? err->hint->str : NULL);
}

void error_report_err(Error *err)
{
    error_print("", err);
    error_free(err);
}

void warn_report_err(Error *err)
{
    error_print("warning: ", err);
    error_free(err);
}

static void error_handle(Error **errp, Error *err)
{
    if (errp == &error_abort) {
        fprintf(stderr, "Unexpected error in %s() at %s:%d:\n",
                err->func, err->src, err->line);
        error_print("", err);
        abort();
    }
    if (errp == &error_fatal) {
        error_report_err(err);
        exit(1);
    }
    if (!errp) {
        error_free(err);
        return;
    }
    /* Setting an error twice is a programming error, as in QEMU. */
    g_assert(*errp == NULL);
    *errp = err;
}

static void error_setv(Error **errp, const char *src, int line,
                       const char *func, ErrorClass cls, const char *fmt,
                       va_list ap, int os_errno)
{
    Error *err;
    int saved_errno = errno;

    if (!errp) {
        return;
    }
    err = g_new0(Error, 1);
    err->msg = g_strdup_vprintf(fmt, ap);
    if (os_errno) {
        char *m = g_strdup_printf("%s: %s", err->msg, g_strerror(os_errno));

        g_free(err->msg);
        err->msg = m;
    }
    err->cls = cls;
    err->src = src;
    err->line = line;
    err->func = func;
    error_handle(errp, err);
    errno = saved_errno;
}

void error_setg_internal(Error **errp, const char *src, int line,
                         const char *func, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_setv(errp, src, line, func, ERROR_CLASS_GENERIC_ERROR, fmt, ap, 0);
    va_end(ap);
}

void error_setg_errno_internal(Error **errp, const char *src, int line,
                               const char *func, int os_errno,
                               const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_setv(errp, src, line, func, ERROR_CLASS_GENERIC_ERROR, fmt, ap,
               os_errno);
    va_end(ap);
}

void error_set_internal(Error **errp, const char *src, int line,
                        const char *func, ErrorClass cls,
                        const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_setv(errp, src, line, func, cls, fmt, ap, 0);
    va_end(ap);
}

void error_propagate(Error **dst_errp, Error *local_err)
{
    if (!local_err) {
        return;
    }
    if (dst_errp == &error_abort || dst_errp == &error_fatal) {
        error_handle(dst_errp, local_err);
        return;
    }
    if (dst_errp && !*dst_errp) {
        *dst_errp = local_err;
    } else {
        error_free(local_err);
    }
}

void error_prepend(Error **errp, const char *fmt, ...)
{
    va_list ap;
    char *prefix;
    char *m;

    if (!errp || !*errp) {
        return;
    }
    va_start(ap, fmt);
    prefix = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    m = g_strconcat(prefix, (*errp)->msg, NULL);
    g_free(prefix);
    g_free((*errp)->msg);
    (*errp)->msg = m;
}

void error_set_report_prefix(Error **errp, const char *prefix)
{
    if (errp && errp != &error_abort && errp != &error_fatal && *errp) {
        g_free((*errp)->prefix);
        (*errp)->prefix = g_strdup(prefix);
    }
}

void error_append_hint(Error *const *errp, const char *fmt, ...)
{
    va_list ap;
    Error *err;

    /*
     * Hints for &error_fatal are lost in QEMU too unless the caller uses
     * ERRP_GUARD; here the destination simply holds nothing yet.
     */
    if (!errp || errp == &error_abort || errp == &error_fatal || !*errp) {
        return;
    }
    err = *errp;
    if (!err->hint) {
        err->hint = g_string_new(NULL);
    }
    va_start(ap, fmt);
    g_string_append_vprintf(err->hint, fmt, ap);
    va_end(ap);
}

const char *error_get_pretty(const Error *err)
{
    return err->msg;
}

const char *error_get_hint(const Error *err)
{
    return err->hint ? err->hint->str : NULL;
}

ErrorClass error_get_class(const Error *err)
{
    return err->cls;
}

Error *error_copy(const Error *err)
{
    Error *copy = g_new0(Error, 1);

    copy->msg = g_strdup(err->msg);
    copy->hint = err->hint ? g_string_new(err->hint->str) : NULL;
    copy->cls = err->cls;
    copy->prefix = g_strdup(err->prefix);
    copy->src = err->src;
    copy->line = err->line;
    copy->func = err->func;
    return copy;
}

void error_free(Error *err)
{
    if (!err) {
        return;
    }
    g_free(err->msg);
    g_free(err->prefix);
    if (err->hint) {
        g_string_free(err->hint, TRUE);
    }
    g_free(err);
}

void error_free_or_abort(Error **errp)
{
    g_assert(errp && *errp);
    error_free(*errp);
    *errp = NULL;
}
