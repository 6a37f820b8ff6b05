/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The human monitor: line editing on a chardev, command-line parsing
 * against the tables of hmp-cmds.c, and QMP human-monitor-command.
 */
#include "qemu/osdep.h"
#include "qapi/qapi-schema.h"
#include "qapi/qapi-commands.h"
#include "monitor/hmp.h"
#include "monitor/monitor-internal.h"

#define HMP_LINE_MAX 4096
#define HMP_HISTORY 64
#define HMP_MAX_ARGS 16

typedef enum {
    ESC_NONE,
    ESC_SEEN,     /* after ESC */
    ESC_CSI,      /* after ESC [ (or 0x9b) */
    ESC_SS3,      /* after ESC O */
} EscState;

/*
 * The line editor.  What it echoes is what QEMU's readline echoes (users
 * and tests see the very same bytes): after each key the line is redrawn
 * from its start when its text changed, then the cursor moved.
 */
typedef struct LineEditor {
    char buf[HMP_LINE_MAX + 1];
    int len, cursor;
    char shown[HMP_LINE_MAX + 1];
    int shown_len, shown_cursor;
    EscState esc;
    int esc_param;
    char *history[HMP_HISTORY];
    int hist_pos;              /* -1: not browsing */
} LineEditor;

struct Monitor {
    Chardev *chr;              /* NULL: output only collected */
    int conn;
    GString *out;
    int suspended;             /* > 0: no prompt, input ignored */
    LineEditor ed;
};

typedef struct MonitorHMP {
    Chardev *chr;
    GHashTable *sessions;      /* conn -> Monitor * */
} MonitorHMP;

static GList *hmp_monitors;    /* MonitorHMP * */

struct HMPArgs {
    GHashTable *values;        /* name -> char * ("" for a given flag) */
};

const char *hmp_qemu_version(void)
{
    return G_STRINGIFY(QEMU_VERSION_MAJOR) "." G_STRINGIFY(QEMU_VERSION_MINOR)
           "." G_STRINGIFY(QEMU_VERSION_MICRO);
}

/* Output */

static void monitor_flush(Monitor *mon)
{
    if (mon->chr && mon->out->len) {
        qemu_chr_write_all(mon->chr, mon->conn, (const uint8_t *)mon->out->str,
                           mon->out->len);
        g_string_truncate(mon->out, 0);
    }
}

void monitor_puts(Monitor *mon, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            g_string_append_c(mon->out, '\r');
        }
        g_string_append_c(mon->out, *p);
    }
    monitor_flush(mon);
}

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    monitor_puts(mon, text);
    g_free(text);
}

bool hmp_handle_error(Monitor *mon, Error *err)
{
    if (!err) {
        return false;
    }
    monitor_printf(mon, "Error: %s\n", error_get_pretty(err));
    if (error_get_hint(err)) {
        monitor_puts(mon, error_get_hint(err));
    }
    error_free(err);
    return true;
}

void monitor_suspend(Monitor *mon)
{
    mon->suspended++;
}

static void monitor_print_error(void *opaque, const char *text)
{
    monitor_puts(opaque, text);
}

/* Arguments */

const char *hmp_arg_str(const HMPArgs *args, const char *name)
{
    return g_hash_table_lookup(args->values, name);
}

bool hmp_arg_flag(const HMPArgs *args, const char *name)
{
    return g_hash_table_contains(args->values, name);
}

/*
 * One word: blanks skipped, then either a double-quoted string with
 * \n \r \\ \' \" escapes or everything up to the next blank.  NULL at the
 * end of the line or on a malformed string (reported as QEMU does).
 */
static char *get_word(Monitor *mon, const char **pp)
{
    const char *p = *pp;
    GString *w;

    while (g_ascii_isspace(*p)) {
        p++;
    }
    if (!*p) {
        *pp = p;
        return NULL;
    }
    w = g_string_new(NULL);
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p != '\\') {
                g_string_append_c(w, *p);
                continue;
            }
            p++;
            switch (*p) {
            case 'n':
                g_string_append_c(w, '\n');
                break;
            case 'r':
                g_string_append_c(w, '\r');
                break;
            case '\\':
            case '\'':
            case '"':
                g_string_append_c(w, *p);
                break;
            default:
                monitor_printf(mon, "unsupported escape code: '\\%c'\n", *p);
                goto fail;
            }
        }
        if (*p != '"') {
            monitor_printf(mon, "unterminated string\n");
            goto fail;
        }
        p++;
    } else {
        while (*p && !g_ascii_isspace(*p)) {
            g_string_append_c(w, *p++);
        }
    }
    *pp = p;
    return g_string_free(w, FALSE);

fail:
    g_string_free(w, TRUE);
    *pp = p;
    return NULL;
}

/* Is @name one of the '|'-separated names of @names? */
static bool cmd_name_matches(const char *name, const char *names)
{
    size_t len = strlen(name);

    for (const char *p = names; ; ) {
        const char *bar = strchrnul(p, '|');

        if ((size_t)(bar - p) == len && !strncmp(p, name, len)) {
            return true;
        }
        if (!*bar) {
            return false;
        }
        p = bar + 1;
    }
}

static const HMPCommand *find_cmd(const HMPCommand *table, const char *name)
{
    for (const HMPCommand *c = table; c->name; c++) {
        if (cmd_name_matches(name, c->name)) {
            return c;
        }
    }
    return NULL;
}

/*
 * Find the command at *@cmdp, descending into sub-tables ("info mtree").
 * An unknown name is reported with the line up to it, as QEMU does.
 */
static const HMPCommand *parse_command(Monitor *mon, const char *start,
                                       const char **cmdp,
                                       const HMPCommand *table)
{
    const char *p = *cmdp;
    const char *name_start;
    const HMPCommand *cmd;
    g_autofree char *name = NULL;

    while (g_ascii_isspace(*p)) {
        p++;
    }
    if (!*p) {
        return NULL;
    }
    name_start = p;
    while (*p && *p != '/' && !g_ascii_isspace(*p)) {
        p++;
    }
    name = g_strndup(name_start, p - name_start);
    cmd = find_cmd(table, name);
    if (!cmd) {
        monitor_printf(mon, "unknown command: '%.*s'\n", (int)(p - start),
                       start);
        return NULL;
    }
    while (g_ascii_isspace(*p)) {
        p++;
    }
    *cmdp = p;
    if (cmd->sub_table && *p) {
        return parse_command(mon, start, cmdp, cmd->sub_table);
    }
    return cmd;
}

/*
 * Parse the rest of the line by @cmd's args_type ("key:T[?]" entries,
 * comma separated).  T is 's' (a word), 'S' (the rest of the line) or
 * '-x' (a flag written "-x"); '?' makes an argument optional.
 */
static HMPArgs *parse_arguments(Monitor *mon, const HMPCommand *cmd,
                                const char **endp)
{
    HMPArgs *args = g_new0(HMPArgs, 1);
    g_auto(GStrv) specs = g_strsplit(cmd->args_type, ",", -1);
    const char *p = *endp;

    args->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         g_free);
    for (char **spec = specs; *spec && **spec; spec++) {
        const char *colon = strchr(*spec, ':');
        g_autofree char *key = g_strndup(*spec, colon - *spec);
        const char *type = colon + 1;
        bool optional = type[1] == '?';
        char *word;

        while (g_ascii_isspace(*p)) {
            p++;
        }
        switch (type[0]) {
        case 's':
            if (optional && !*p) {
                break;
            }
            word = get_word(mon, &p);
            if (!word) {
                monitor_printf(mon, "%s: string expected\n", cmd->name);
                goto fail;
            }
            g_hash_table_insert(args->values, g_strdup(key), word);
            break;
        case 'S':
            if (optional && !*p) {
                break;
            }
            if (!*p) {
                monitor_printf(mon, "%s: string expected\n", cmd->name);
                goto fail;
            }
            g_hash_table_insert(args->values, g_strdup(key), g_strdup(p));
            p += strlen(p);
            break;
        case '-':
            /* Flags may come in any order: each spec takes its own. */
            if (p[0] == '-' && p[1] == type[1] &&
                (!p[2] || g_ascii_isspace(p[2]))) {
                g_hash_table_insert(args->values, g_strdup(key),
                                    g_strdup(""));
                p += 2;
                /* Look at the line again for the following flags. */
            } else if (p[0] == '-' && p[1] &&
                       !strstr(cmd->args_type,
                               (char[]){ ':', '-', p[1], 0 })) {
                monitor_printf(mon, "%s: unsupported option -%c\n",
                               cmd->name, p[1]);
                goto fail;
            }
            break;
        default:
            g_assert_not_reached();
        }
    }
    while (g_ascii_isspace(*p)) {
        p++;
    }
    /* A flag given after another one's position: take it now. */
    while (p[0] == '-' && p[1]) {
        bool known = false;

        for (char **spec = specs; *spec && **spec; spec++) {
            const char *colon = strchr(*spec, ':');

            if (colon[1] == '-' && colon[2] == p[1] &&
                (!p[2] || g_ascii_isspace(p[2]))) {
                g_hash_table_insert(args->values,
                                    g_strndup(*spec, colon - *spec),
                                    g_strdup(""));
                known = true;
            }
        }
        if (!known) {
            break;
        }
        p += 2;
        while (g_ascii_isspace(*p)) {
            p++;
        }
    }
    if (*p) {
        monitor_printf(mon, "%s: extraneous characters at the end of line\n",
                       cmd->name);
        goto fail;
    }
    *endp = p;
    return args;

fail:
    *endp = p;
    g_hash_table_destroy(args->values);
    g_free(args);
    return NULL;
}

void handle_hmp_command(Monitor *mon, const char *cmdline)
{
    const char *start = cmdline;
    const char *p = cmdline;
    const HMPCommand *cmd;
    HMPArgs *args;
    ErrorPrinter printer;

    cmd = parse_command(mon, start, &p, hmp_cmds);
    if (!cmd) {
        return;
    }
    args = parse_arguments(mon, cmd, &p);
    if (!args) {
        while (p > start && g_ascii_isspace(p[-1])) {
            p--;
        }
        monitor_printf(mon, "Try \"help %.*s\" for more information\n",
                       (int)(p - start), start);
        return;
    }
    /* error_report() from inside a command goes to this monitor. */
    error_printer_push(&printer, monitor_print_error, mon);
    if (cmd->text) {
        Error *err = NULL;
        char *text = cmd->text(&err);

        if (!hmp_handle_error(mon, err)) {
            monitor_puts(mon, text);
        }
        g_free(text);
    } else {
        cmd->cmd(mon, args);
    }
    error_printer_pop(&printer);
    g_hash_table_destroy(args->values);
    g_free(args);
}

/* help */

static void help_dump_one(Monitor *mon, const HMPCommand *cmd,
                          char **prefix, int n_prefix)
{
    for (int i = 0; i < n_prefix; i++) {
        monitor_printf(mon, "%s ", prefix[i]);
    }
    monitor_printf(mon, "%s %s -- %s\n", cmd->name, cmd->params, cmd->help);
}

static void help_dump(Monitor *mon, const HMPCommand *table, char **words,
                      int n_words, int index)
{
    const HMPCommand *cmd;

    if (index >= n_words) {
        for (cmd = table; cmd->name; cmd++) {
            help_dump_one(mon, cmd, words, index);
        }
        return;
    }
    cmd = find_cmd(table, words[index]);
    if (cmd && cmd->sub_table) {
        help_dump(mon, cmd->sub_table, words, n_words, index + 1);
    } else if (cmd) {
        help_dump_one(mon, cmd, words, index);
    } else {
        monitor_printf(mon, "unknown command: '");
        for (int i = 0; i <= index; i++) {
            monitor_printf(mon, "%s%s", words[i], i == index ? "'\n" : " ");
        }
    }
}

void hmp_help_cmd(Monitor *mon, const char *name)
{
    GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
    const char *p = name ? name : "";
    char *w;

    for (;;) {
        while (g_ascii_isspace(*p)) {
            p++;
        }
        if (!*p) {
            break;
        }
        if (words->len >= HMP_MAX_ARGS || !(w = get_word(mon, &p))) {
            g_ptr_array_free(words, TRUE);
            return;
        }
        g_ptr_array_add(words, w);
    }
    help_dump(mon, hmp_cmds, (char **)words->pdata, words->len, 0);
    g_ptr_array_free(words, TRUE);
}

/* Line editing */

static void editor_show_prompt(Monitor *mon)
{
    monitor_puts(mon, "(qemu) ");
    mon->ed.shown_len = 0;
    mon->ed.shown_cursor = 0;
    mon->ed.esc = ESC_NONE;
}

static void editor_redraw(Monitor *mon)
{
    LineEditor *ed = &mon->ed;
    GString *s = g_string_new(NULL);

    if (ed->len != ed->shown_len || memcmp(ed->buf, ed->shown, ed->len)) {
        for (int i = 0; i < ed->shown_cursor; i++) {
            g_string_append(s, "\033[D");
        }
        g_string_append_len(s, ed->buf, ed->len);
        g_string_append(s, "\033[K");
        memcpy(ed->shown, ed->buf, ed->len);
        ed->shown_len = ed->len;
        ed->shown_cursor = ed->len;
    }
    for (; ed->shown_cursor < ed->cursor; ed->shown_cursor++) {
        g_string_append(s, "\033[C");
    }
    for (; ed->shown_cursor > ed->cursor; ed->shown_cursor--) {
        g_string_append(s, "\033[D");
    }
    if (s->len) {
        monitor_puts(mon, s->str);
    }
    g_string_free(s, TRUE);
}

static void editor_set_line(LineEditor *ed, const char *text)
{
    ed->len = MIN(strlen(text), HMP_LINE_MAX);
    memcpy(ed->buf, text, ed->len);
    ed->cursor = ed->len;
}

static void editor_history_add(LineEditor *ed, const char *line)
{
    int n;

    if (!*line) {
        return;
    }
    /* A repeated line moves to the end instead of appearing twice. */
    for (n = 0; n < HMP_HISTORY && ed->history[n]; n++) {
        if (!strcmp(ed->history[n], line)) {
            char *same = ed->history[n];

            memmove(&ed->history[n], &ed->history[n + 1],
                    (HMP_HISTORY - n - 1) * sizeof(char *));
            ed->history[HMP_HISTORY - 1] = NULL;
            for (n = 0; ed->history[n]; n++) {
            }
            ed->history[n] = same;
            ed->hist_pos = -1;
            return;
        }
    }
    if (n == HMP_HISTORY) {
        g_free(ed->history[0]);
        memmove(&ed->history[0], &ed->history[1],
                (HMP_HISTORY - 1) * sizeof(char *));
        n = HMP_HISTORY - 1;
    }
    ed->history[n] = g_strdup(line);
    ed->hist_pos = -1;
}

static void editor_history_move(LineEditor *ed, int dir)
{
    int n = 0;

    while (n < HMP_HISTORY && ed->history[n]) {
        n++;
    }
    if (dir < 0) {
        if (ed->hist_pos == 0 || n == 0) {
            return;
        }
        ed->hist_pos = ed->hist_pos < 0 ? n - 1 : ed->hist_pos - 1;
        editor_set_line(ed, ed->history[ed->hist_pos]);
    } else {
        if (ed->hist_pos < 0) {
            return;
        }
        if (ed->hist_pos + 1 < n) {
            ed->hist_pos++;
            editor_set_line(ed, ed->history[ed->hist_pos]);
        } else {
            ed->hist_pos = -1;
            editor_set_line(ed, "");
        }
    }
}

static void editor_insert(LineEditor *ed, char c)
{
    if (ed->len < HMP_LINE_MAX) {
        memmove(ed->buf + ed->cursor + 1, ed->buf + ed->cursor,
                ed->len - ed->cursor);
        ed->buf[ed->cursor++] = c;
        ed->len++;
    }
}

static void editor_delete(LineEditor *ed)
{
    if (ed->cursor < ed->len) {
        memmove(ed->buf + ed->cursor, ed->buf + ed->cursor + 1,
                ed->len - ed->cursor - 1);
        ed->len--;
    }
}

static void editor_enter(Monitor *mon)
{
    LineEditor *ed = &mon->ed;
    char *line;

    ed->buf[ed->len] = '\0';
    line = g_strdup(ed->buf);
    editor_history_add(ed, line);
    monitor_puts(mon, "\n");
    ed->len = ed->cursor = 0;
    ed->shown_len = ed->shown_cursor = 0;
    handle_hmp_command(mon, line);
    g_free(line);
    if (!mon->suspended) {
        editor_show_prompt(mon);
    }
}

static void editor_key(Monitor *mon, uint8_t c)
{
    LineEditor *ed = &mon->ed;

    switch (ed->esc) {
    case ESC_NONE:
        switch (c) {
        case 1:                          /* ^A */
            ed->cursor = 0;
            break;
        case 4:                          /* ^D */
            editor_delete(ed);
            break;
        case 5:                          /* ^E */
            ed->cursor = ed->len;
            break;
        case '\n':
        case '\r':
            editor_enter(mon);
            return;
        case 27:
            ed->esc = ESC_SEEN;
            break;
        case 8:
        case 127:
            if (ed->cursor > 0) {
                ed->cursor--;
                editor_delete(ed);
            }
            break;
        case 155:
            ed->esc = ESC_CSI;
            ed->esc_param = 0;
            break;
        default:
            if (c >= 32) {
                editor_insert(ed, c);
            }
            break;
        }
        break;
    case ESC_SEEN:
        ed->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : ESC_NONE;
        ed->esc_param = 0;
        break;
    case ESC_CSI:
        if (c >= '0' && c <= '9') {
            ed->esc_param = ed->esc_param * 10 + (c - '0');
            return;
        }
        switch (c) {
        case 'A':
        case 'F':
            editor_history_move(ed, -1);
            break;
        case 'B':
        case 'E':
            editor_history_move(ed, 1);
            break;
        case 'C':
            ed->cursor = MIN(ed->cursor + 1, ed->len);
            break;
        case 'D':
            ed->cursor = MAX(ed->cursor - 1, 0);
            break;
        case '~':
            if (ed->esc_param == 1) {
                ed->cursor = 0;
            } else if (ed->esc_param == 3) {
                editor_delete(ed);
            } else if (ed->esc_param == 4) {
                ed->cursor = ed->len;
            }
            break;
        }
        ed->esc = ESC_NONE;
        break;
    case ESC_SS3:
        if (c == 'F') {
            ed->cursor = ed->len;
        } else if (c == 'H') {
            ed->cursor = 0;
        }
        ed->esc = ESC_NONE;
        break;
    }
    editor_redraw(mon);
}

/* Chardev front end */

static Monitor *monitor_new(Chardev *chr, int conn)
{
    Monitor *mon = g_new0(Monitor, 1);

    mon->chr = chr;
    mon->conn = conn;
    mon->out = g_string_new(NULL);
    mon->ed.hist_pos = -1;
    return mon;
}

static void monitor_free(gpointer p)
{
    Monitor *mon = p;

    for (int i = 0; i < HMP_HISTORY; i++) {
        g_free(mon->ed.history[i]);
    }
    g_string_free(mon->out, TRUE);
    g_free(mon);
}

static void monitor_hmp_read(void *opaque, int conn, const uint8_t *buf,
                             size_t len)
{
    MonitorHMP *hmp = opaque;
    Monitor *mon = g_hash_table_lookup(hmp->sessions, GINT_TO_POINTER(conn));

    for (size_t i = 0; mon && i < len && !mon->suspended; i++) {
        editor_key(mon, buf[i]);
    }
}

static void monitor_hmp_event(void *opaque, int conn, ChrEvent event)
{
    MonitorHMP *hmp = opaque;
    Monitor *mon;

    switch (event) {
    case CHR_EVENT_OPENED:
        if (g_hash_table_contains(hmp->sessions, GINT_TO_POINTER(conn))) {
            return;
        }
        mon = monitor_new(hmp->chr, conn);
        g_hash_table_insert(hmp->sessions, GINT_TO_POINTER(conn), mon);
        monitor_printf(mon, "QEMU %s monitor - type 'help' for more "
                       "information\n", hmp_qemu_version());
        editor_show_prompt(mon);
        break;
    case CHR_EVENT_CLOSED:
        g_hash_table_remove(hmp->sessions, GINT_TO_POINTER(conn));
        break;
    }
}

bool monitor_new_hmp(Chardev *chr, Error **errp)
{
    MonitorHMP *hmp;

    if (!qemu_chr_fe_claim(chr, errp)) {
        return false;
    }
    hmp = g_new0(MonitorHMP, 1);
    hmp->chr = chr;
    hmp->sessions = g_hash_table_new_full(NULL, NULL, NULL, monitor_free);
    hmp_monitors = g_list_append(hmp_monitors, hmp);
    qemu_chr_set_handlers(chr, monitor_hmp_read, monitor_hmp_event, hmp);
    return true;
}

void monitor_hmp_cleanup_all(void)
{
    while (hmp_monitors) {
        MonitorHMP *hmp = hmp_monitors->data;

        hmp_monitors = g_list_remove(hmp_monitors, hmp);
        qemu_chr_fe_release(hmp->chr);
        g_hash_table_destroy(hmp->sessions);
        g_free(hmp);
    }
}

/* QMP */

void qmp_human_monitor_command(json_t *args, json_t **ret, Error **errp)
{
    const char *line = json_string_value(json_object_get(args,
                                                         "command-line"));
    json_t *cpu = json_object_get(args, "cpu-index");
    Monitor *mon;

    /* No command here acts on "the current CPU"; only CPU 0 exists. */
    if (cpu && json_integer_value(cpu) != 0) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "cpu-index",
                   "a CPU number");
        return;
    }
    mon = monitor_new(NULL, 0);
    handle_hmp_command(mon, line);
    *ret = json_string(mon->out->str);
    monitor_free(mon);
}
