/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -sandbox: the seccomp system-call filter QEMU installs on itself. */
#ifndef SYSTEM_SECCOMP_H
#define SYSTEM_SECCOMP_H

#include "qemu/osdep.h"
#include "qapi/error.h"

/* The groups of system calls -sandbox denies (QEMU's sets). */
enum {
    SANDBOX_SET_DEFAULT = 1 << 0,       /* always, with -sandbox on */
    SANDBOX_SET_OBSOLETE = 1 << 1,      /* obsolete=deny (the default) */
    SANDBOX_SET_PRIVILEGED = 1 << 2,    /* elevateprivileges=deny|children */
    SANDBOX_SET_SPAWN = 1 << 3,         /* spawn=deny */
    SANDBOX_SET_RESOURCECTL = 1 << 4,   /* resourcecontrol=deny */
};

/*
 * At option time: check the syntax of one -sandbox argument and keep it
 * ("Invalid parameter 'k'", "Parameter 'enable' expects 'on' or 'off'").
 * Values are checked when the filter is applied, as QEMU does, so
 * "-sandbox off,spawn=x" is accepted.
 */
bool qemu_sandbox_parse(const char *arg, Error **errp);

/*
 * Install the filter of every "-sandbox on", in order (each is one
 * filter; the kernel applies them all), on every thread of the process.
 * Errors carry the option's location.  Does nothing without -sandbox on.
 */
bool qemu_sandbox_apply(Error **errp);

/*
 * Build and load a filter for @sets (SANDBOX_SET_*), synchronised to all
 * threads, after setting no_new_privs.  For qemu_sandbox_apply() and for
 * the unit tests, which load it in a child process.
 */
bool qemu_sandbox_install(unsigned sets, Error **errp);

#endif
