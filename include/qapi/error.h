/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error objects: created where a failure is detected, propagated up through
 * Error ** parameters, reported once at the top.
 *
 * Conventions (as in QEMU):
 *  - errp may be NULL (ignore), &error_abort (abort on error),
 *    &error_fatal (report and exit(1); only main() may pass it) or the
 *    address of a local Error * that must be NULL on entry.
 *  - A function that sets *errp also returns a failure value.
 */
#ifndef QAPI_ERROR_H
#define QAPI_ERROR_H

#include "qemu/osdep.h"

typedef struct Error Error;

/* Order and names mirror QAPI's ErrorClass enum (qapi/control.json). */
typedef enum ErrorClass {
    ERROR_CLASS_GENERIC_ERROR,
    ERROR_CLASS_COMMAND_NOT_FOUND,
    ERROR_CLASS_DEVICE_NOT_ACTIVE,
    ERROR_CLASS_DEVICE_NOT_FOUND,
    ERROR_CLASS_KVM_MISSING_CAP,
    ERROR_CLASS__MAX,
} ErrorClass;

/* "GenericError", "CommandNotFound", ... */
const char *error_class_name(ErrorClass cls);

extern Error *error_abort;
extern Error *error_fatal;

void error_setg_internal(Error **errp, const char *src, int line,
                         const char *func, const char *fmt, ...)
    QEMU_PRINTF(5, 6);
void error_setg_errno_internal(Error **errp, const char *src, int line,
                               const char *func, int os_errno,
                               const char *fmt, ...) QEMU_PRINTF(6, 7);
void error_set_internal(Error **errp, const char *src, int line,
                        const char *func, ErrorClass cls,
                        const char *fmt, ...) QEMU_PRINTF(6, 7);

#define error_setg(errp, fmt, ...) \
    error_setg_internal((errp), __FILE__, __LINE__, __func__, \
                        (fmt), ## __VA_ARGS__)
/* Appends ": strerror(os_errno)" to the message. */
#define error_setg_errno(errp, os_errno, fmt, ...) \
    error_setg_errno_internal((errp), __FILE__, __LINE__, __func__, \
                              (os_errno), (fmt), ## __VA_ARGS__)
#define error_set(errp, cls, fmt, ...) \
    error_set_internal((errp), __FILE__, __LINE__, __func__, (cls), \
                       (fmt), ## __VA_ARGS__)

/* "Parameter 'NAME' expects VALUE"-style helpers used by the visitors. */
#define QERR_MISSING_PARAMETER "Parameter '%s' is missing"
#define QERR_INVALID_PARAMETER "Invalid parameter '%s'"
#define QERR_INVALID_PARAMETER_TYPE \
    "Invalid parameter type for '%s', expected: %s"
#define QERR_INVALID_PARAMETER_VALUE "Parameter '%s' expects %s"
#define QERR_PROPERTY_VALUE_BAD \
    "Property '%s.%s' doesn't take value '%s'"

/*
 * Move @local_err into *dst_errp (or handle error_abort / error_fatal /
 * NULL).  If *dst_errp is already set, @local_err is freed.
 */
void error_propagate(Error **dst_errp, Error *local_err);
/* Prefix the message of *errp (no-op when errp is NULL or *errp unset). */
void error_prepend(Error **errp, const char *fmt, ...) QEMU_PRINTF(2, 3);
/* Add a hint printed on its own line after the message by error_report_err. */
void error_append_hint(Error *const *errp, const char *fmt, ...)
    QEMU_PRINTF(2, 3);

/*
 * Report *errp as "PREFIX: message" instead of "PROG: message": for the
 * few texts QEMU prints with its own fixed prefix ("qemu: could not open
 * kernel file ...").  No-op when errp is NULL or *errp unset.
 */
void error_set_report_prefix(Error **errp, const char *prefix);

const char *error_get_pretty(const Error *err);
const char *error_get_hint(const Error *err); /* NULL if none */
ErrorClass error_get_class(const Error *err);
Error *error_copy(const Error *err);
void error_free(Error *err);
void error_free_or_abort(Error **errp);

/* Print "PROGNAME: message\n[hint]" to stderr and free @err. */
void error_report_err(Error *err);
/* Print "PROGNAME: message\n" to stderr. */
void error_report(const char *fmt, ...) QEMU_PRINTF(1, 2);
void warn_report(const char *fmt, ...) QEMU_PRINTF(1, 2);   /* "PROG: warning: " */
void info_report(const char *fmt, ...) QEMU_PRINTF(1, 2);   /* "PROG: info: " */
void warn_report_err(Error *err);

/*
 * Where a report comes from.  While a command-line option is processed,
 * QEMU prints "PROG: -opt arg: message"; errors found later (creating an
 * -object, initialising the machine) carry no location.  Main thread only.
 */
typedef struct Location {
    char *text;                 /* "-object memory-backend-ram,..." */
    struct Location *prev;
} Location;

/* Push "-@opt @arg" (or "-@opt" when @arg is NULL) as the location. */
void loc_push_option(Location *loc, const char *opt, const char *arg);
void loc_pop(Location *loc);

/*
 * Send error_report() & co. of this thread somewhere else (an HMP
 * monitor): they are then printed without program name and location, as
 * QEMU does while a monitor command runs.
 */
typedef void ErrorPrintFunc(void *opaque, const char *text);
typedef struct ErrorPrinter {
    ErrorPrintFunc *print;
    void *opaque;
    struct ErrorPrinter *prev;
} ErrorPrinter;

void error_printer_push(ErrorPrinter *p, ErrorPrintFunc *print,
                        void *opaque);
void error_printer_pop(ErrorPrinter *p);

/* Program name used as the prefix; basename of argv[0]. */
void error_init(const char *argv0);
const char *error_get_progname(void);

#endif
