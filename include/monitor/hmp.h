/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The human monitor (HMP): QEMU's text command language over a chardev
 * (-monitor, -mon mode=readline) and through QMP human-monitor-command.
 */
#ifndef MONITOR_HMP_H
#define MONITOR_HMP_H

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "chardev/char.h"

/* Where one command's output goes: a chardev connection or a buffer. */
typedef struct Monitor Monitor;

/* Parsed arguments of one command, by the names of its args_type. */
typedef struct HMPArgs HMPArgs;

/* A string argument ('s', 'S'), or NULL when an optional one is absent. */
const char *hmp_arg_str(const HMPArgs *args, const char *name);
/* A flag argument ('-x'): was it given? */
bool hmp_arg_flag(const HMPArgs *args, const char *name);

typedef void HMPCommandFunc(Monitor *mon, const HMPArgs *args);
/*
 * A command that only formats text (QEMU's cmd_info_hrt): the monitor
 * prints the returned string (g_free'd) or "Error: ..." when it fails.
 */
typedef char *HMPTextFunc(Error **errp);

/*
 * One entry of a command table, with QEMU's fields: @name may list
 * aliases ("quit|q"); @args_type is QEMU's argument syntax ("name:S?",
 * "path:s?", "flatview:-f"); @params and @help are what "help" prints.
 * Exactly one of @cmd, @text and @sub_table is set.
 */
typedef struct HMPCommand {
    const char *name;
    const char *args_type;
    const char *params;
    const char *help;
    HMPCommandFunc *cmd;
    HMPTextFunc *text;
    const struct HMPCommand *sub_table;
} HMPCommand;

/* The tables (monitor/hmp-cmds.c), ended by an entry with name NULL. */
extern const HMPCommand hmp_cmds[];
extern const HMPCommand hmp_info_cmds[];

/* Print to the monitor; "\n" goes out as "\r\n", as QEMU's monitor does. */
void monitor_printf(Monitor *mon, const char *fmt, ...) QEMU_PRINTF(2, 3);
void monitor_puts(Monitor *mon, const char *text);
/* "Error: MSG\n[HINT]" when @err is set (then freed); returns err != NULL. */
bool hmp_handle_error(Monitor *mon, Error *err);
/* "help [NAME]": the whole table, or the entries NAME selects. */
void hmp_help_cmd(Monitor *mon, const char *name);
/* Keep the prompt away after the command (quit: QEMU is going away). */
void monitor_suspend(Monitor *mon);

/* Run one command line; its output goes to @mon. */
void handle_hmp_command(Monitor *mon, const char *cmdline);

/* -monitor DEV / -mon chardev=ID,mode=readline: an HMP monitor on @chr. */
bool monitor_new_hmp(Chardev *chr, Error **errp);
void monitor_hmp_cleanup_all(void);

/* QEMU_VERSION as the monitor greeting prints it ("11.0.50"). */
const char *hmp_qemu_version(void);

#endif
