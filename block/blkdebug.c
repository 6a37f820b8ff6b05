/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The blkdebug filter driver: passes requests to its image child and
 * fails chosen ones, following rules from a configuration file in
 * QEMU's syntax and from the node's options.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qom/object_interfaces.h"   /* id_wellformed() */
#include "block/block_int.h"

typedef enum BlkdebugAction {
    ACTION_INJECT_ERROR,
    ACTION_SET_STATE,
} BlkdebugAction;

typedef struct BlkdebugRule {
    BlkdebugEvent event;
    BlkdebugAction action;
    int state;                  /* 0: any state */
    uint64_t iotype_mask;       /* bits of BlkdebugIOType */
    int error;
    bool once;
    bool immediately;
    int64_t offset;             /* byte offset of the sector, or -1 */
    int new_state;
} BlkdebugRule;

typedef struct BDRVBlkdebugState {
    int state;
    /* per event, the rules it fires (the last added first, as QEMU) */
    GList *rules[BLKDBG__MAX];
    /* the error rules armed by the last event that armed any */
    GList *active_rules;
    char *config_file;
    BdrvChild *image;
} BDRVBlkdebugState;

/* -- configuration file -------------------------------------------------- */

typedef enum ConfigType {
    CONFIG_STRING,
    CONFIG_NUMBER,
    CONFIG_BOOL,
} ConfigType;

typedef struct ConfigKey {
    const char *name;
    ConfigType type;
} ConfigKey;

static const ConfigKey inject_error_keys[] = {
    { "event", CONFIG_STRING },
    { "state", CONFIG_NUMBER },
    { "iotype", CONFIG_STRING },
    { "errno", CONFIG_NUMBER },
    { "sector", CONFIG_NUMBER },
    { "once", CONFIG_BOOL },
    { "immediately", CONFIG_BOOL },
    { NULL }
};

static const ConfigKey set_state_keys[] = {
    { "event", CONFIG_STRING },
    { "state", CONFIG_NUMBER },
    { "new_state", CONFIG_NUMBER },
    { NULL }
};

typedef struct ConfigSection {
    char *group;
    char *id;                   /* from [group "id"], or NULL */
    GPtrArray *keys;            /* char *, pairs: key, value */
} ConfigSection;

static void config_section_free(ConfigSection *sec)
{
    if (sec) {
        g_free(sec->group);
        g_free(sec->id);
        g_ptr_array_free(sec->keys, TRUE);
        g_free(sec);
    }
}

static ConfigSection *config_section_new(const char *group, const char *id)
{
    ConfigSection *sec = g_new0(ConfigSection, 1);

    sec->group = g_strdup(group);
    sec->id = g_strdup(id);
    sec->keys = g_ptr_array_new_with_free_func(g_free);
    return sec;
}

/* A QemuOpts number: unsigned with base prefixes, negatives wrap. */
static bool config_number(const char *key, const char *str, json_t **out,
                          Error **errp)
{
    const char *p = str;
    uint64_t u;
    int64_t i;
    int err;

    while (g_ascii_isspace(*p)) {
        p++;
    }
    if (*p == '-') {
        err = qemu_strtoi64(str, NULL, 0, &i);
        u = (uint64_t)i;
    } else {
        err = qemu_strtou64(str, NULL, 0, &u);
    }
    if (err == -ERANGE) {
        error_setg(errp, "Value '%s' is too large for parameter '%s'",
                   str, key);
        return false;
    }
    if (err) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, key, "a number");
        return false;
    }
    *out = json_integer((json_int_t)u);
    return true;
}

static bool config_bool(const char *key, const char *str, json_t **out,
                        Error **errp)
{
    static const char *const yes[] = { "on", "yes", "true", "y", NULL };
    static const char *const no[] = { "off", "no", "false", "n", NULL };

    if (g_strv_contains(yes, str)) {
        *out = json_true();
    } else if (g_strv_contains(no, str)) {
        *out = json_false();
    } else {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, key, "'on' or 'off'");
        return false;
    }
    return true;
}

/*
 * Turn a finished section into one rule object, typed like the
 * inject-error / set-state options; QemuOpts' checks and texts.
 */
static bool config_section_done(ConfigSection *sec, GHashTable *ids,
                                json_t *inject, json_t *set_state,
                                Error **errp)
{
    const ConfigKey *keys;
    json_t *list, *rule;
    guint i;

    if (!strcmp(sec->group, "inject-error")) {
        keys = inject_error_keys;
        list = inject;
    } else if (!strcmp(sec->group, "set-state")) {
        keys = set_state_keys;
        list = set_state;
    } else {
        error_setg(errp, "There is no option group '%s'", sec->group);
        return false;
    }
    if (sec->id) {
        g_autofree char *gid = g_strdup_printf("%s\n%s", sec->group,
                                               sec->id);

        if (!id_wellformed(sec->id)) {
            error_setg(errp, QERR_INVALID_PARAMETER_VALUE, "id",
                       "an identifier");
            error_append_hint(errp, "Identifiers consist of letters, "
                              "digits, '-', '.', '_', starting with a "
                              "letter.\n");
            return false;
        }
        if (g_hash_table_contains(ids, gid)) {
            error_setg(errp, "Duplicate ID '%s' for %s", sec->id,
                       sec->group);
            return false;
        }
        g_hash_table_add(ids, g_steal_pointer(&gid));
    }
    rule = json_object();
    for (i = 0; i < sec->keys->len; i += 2) {
        const char *key = g_ptr_array_index(sec->keys, i);
        const char *value = g_ptr_array_index(sec->keys, i + 1);
        const ConfigKey *k;
        json_t *v = NULL;
        bool ok = true;

        for (k = keys; k->name && strcmp(k->name, key); k++) {
            /* find the key */
        }
        if (!k->name) {
            error_setg(errp, QERR_INVALID_PARAMETER, key);
            json_decref(rule);
            return false;
        }
        switch (k->type) {
        case CONFIG_STRING:
            v = json_string(value);
            ok = v != NULL;
            if (!ok) {
                error_setg(errp, QERR_INVALID_PARAMETER_VALUE, key,
                           "a UTF-8 string");
            }
            break;
        case CONFIG_NUMBER:
            ok = config_number(key, value, &v, errp);
            break;
        case CONFIG_BOOL:
            ok = config_bool(key, value, &v, errp);
            break;
        }
        if (!ok) {
            json_decref(rule);
            return false;
        }
        /* QemuOpts answers the last of repeated keys */
        json_object_set_new(rule, key, v);
    }
    json_array_append_new(list, rule);
    return true;
}

/* Copy the run of @p that @accept takes, at most @max bytes; its length. */
static size_t take_run(const char *p, size_t max, bool (*accept)(char),
                       char *out)
{
    size_t n = 0;

    while (p[n] && n < max && accept(p[n])) {
        n++;
    }
    memcpy(out, p, n);
    out[n] = '\0';
    return n;
}

static bool not_space(char c)
{
    return !g_ascii_isspace(c);
}

static bool not_quote(char c)
{
    return c != '"';
}

static bool not_bracket(char c)
{
    return c != ']';
}

static const char *skip_white(const char *p)
{
    while (g_ascii_isspace(*p)) {
        p++;
    }
    return p;
}

/*
 * A section header: [group] or [group "id"].  Like QEMU, a group name
 * runs to the first ']' (or 63 bytes), and a malformed header is read
 * as a key line instead.
 */
static bool parse_header(const char *line, char *group, char *id)
{
    const char *p = line + 1;
    size_t n = take_run(p, 63, not_space, group);

    id[0] = '\0';
    if (n) {
        const char *q = skip_white(p + n);

        if (*q == '"' && take_run(q + 1, 63, not_quote, id)) {
            return true;
        }
    }
    return take_run(p, 63, not_bracket, group) > 0;
}

/*
 * key = "value".  As in QEMU, anything after the key that is not
 * ` = "value"` leaves the value empty; a line without a key is an error.
 */
static bool parse_key_line(const char *line, char *key, char *value)
{
    const char *p = skip_white(line);

    value[0] = '\0';
    if (!take_run(p, 63, not_space, key)) {
        return false;
    }
    p = skip_white(p + strlen(key));
    if (*p == '=') {
        p = skip_white(p + 1);
        if (*p == '"') {
            take_run(p + 1, 1023, not_quote, value);
        }
    }
    return true;
}

bool blkdebug_parse_config(FILE *f, json_t *inject, json_t *set_state,
                           Error **errp)
{
    g_autoptr(GHashTable) ids = g_hash_table_new_full(g_str_hash,
                                                      g_str_equal,
                                                      g_free, NULL);
    ConfigSection *sec = NULL;
    char line[1024], group[64], id[64], key[64], value[1024];
    bool ok = false;

    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '\n' || line[0] == '#') {
            continue;
        }
        if (line[0] == '[' && parse_header(line, group, id)) {
            if (sec && !config_section_done(sec, ids, inject, set_state,
                                            errp)) {
                goto out;
            }
            config_section_free(sec);
            sec = config_section_new(group, id[0] ? id : NULL);
            continue;
        }
        if (!parse_key_line(line, key, value)) {
            error_setg(errp, "parse error");
            goto out;
        }
        if (!sec) {
            error_setg(errp, "no group defined");
            goto out;
        }
        g_ptr_array_add(sec->keys, g_strdup(key));
        g_ptr_array_add(sec->keys, g_strdup(value));
    }
    if (ferror(f)) {
        error_setg_errno(errp, errno, "Cannot read config file");
        goto out;
    }
    ok = !sec || config_section_done(sec, ids, inject, set_state, errp);
out:
    config_section_free(sec);
    return ok;
}

/* -- rules ------------------------------------------------------------- */

static int64_t rule_int(json_t *rule, const char *key, int64_t def)
{
    json_t *v = json_object_get(rule, key);

    return v ? json_integer_value(v) : def;
}

static bool rule_enum(const QEnumLookup *lookup, const char *str, int *out,
                      Error **errp)
{
    *out = qapi_enum_parse(lookup, str);
    if (*out < 0) {
        error_setg(errp, "invalid parameter value: %s", str);
        return false;
    }
    return true;
}

static bool add_rule(BDRVBlkdebugState *s, json_t *spec,
                     BlkdebugAction action, Error **errp)
{
    const char *event_name = json_string_value(json_object_get(spec,
                                                               "event"));
    const char *iotype = json_string_value(json_object_get(spec,
                                                           "iotype"));
    BlkdebugRule *rule;
    int event, io;
    int64_t sector;

    if (!event_name) {
        error_setg(errp, "Missing event name for rule");
        return false;
    }
    if (!rule_enum(&BlkdebugEvent_lookup, event_name, &event, errp)) {
        return false;
    }
    rule = g_new0(BlkdebugRule, 1);
    rule->event = event;
    rule->action = action;
    rule->state = rule_int(spec, "state", 0);
    if (action == ACTION_INJECT_ERROR) {
        rule->error = rule_int(spec, "errno", EIO);
        rule->once = json_is_true(json_object_get(spec, "once"));
        rule->immediately = json_is_true(json_object_get(spec,
                                                         "immediately"));
        sector = rule_int(spec, "sector", -1);
        rule->offset = sector == -1 ? -1 : sector * BDRV_SECTOR_SIZE;
        if (iotype) {
            if (!rule_enum(&BlkdebugIOType_lookup, iotype, &io, errp)) {
                g_free(rule);
                return false;
            }
            rule->iotype_mask = 1ull << io;
        } else {
            /* QEMU's default leaves block-status alone */
            rule->iotype_mask = (1ull << BLKDEBUG_IO_TYPE_READ) |
                                (1ull << BLKDEBUG_IO_TYPE_WRITE) |
                                (1ull << BLKDEBUG_IO_TYPE_WRITE_ZEROES) |
                                (1ull << BLKDEBUG_IO_TYPE_DISCARD) |
                                (1ull << BLKDEBUG_IO_TYPE_FLUSH);
        }
    } else {
        rule->new_state = rule_int(spec, "new_state", 0);
    }
    s->rules[event] = g_list_prepend(s->rules[event], rule);
    return true;
}

static bool add_rules(BDRVBlkdebugState *s, json_t *list,
                      BlkdebugAction action, Error **errp)
{
    size_t i;
    json_t *spec;

    json_array_foreach(list, i, spec) {
        if (!add_rule(s, spec, action, errp)) {
            return false;
        }
    }
    return true;
}

static bool read_config(BDRVBlkdebugState *s, json_t *options, Error **errp)
{
    json_t *inject = json_array();
    json_t *set_state = json_array();
    json_t *extra;
    bool ok = false;

    if (s->config_file) {
        /* read synchronously to EOF: a FIFO blocks until its writer ends */
        FILE *f = fopen(s->config_file, "r");
        bool parsed;

        if (!f) {
            error_setg_errno(errp, errno,
                             "Could not read blkdebug config file");
            goto out;
        }
        parsed = blkdebug_parse_config(f, inject, set_state, errp);
        fclose(f);
        if (!parsed) {
            goto out;
        }
    }
    /* rules from the options come after the file's, as in QEMU */
    extra = json_object_get(options, "inject-error");
    if (extra) {
        json_array_extend(inject, extra);
    }
    extra = json_object_get(options, "set-state");
    if (extra) {
        json_array_extend(set_state, extra);
    }
    ok = add_rules(s, inject, ACTION_INJECT_ERROR, errp) &&
         add_rules(s, set_state, ACTION_SET_STATE, errp);
out:
    json_decref(inject);
    json_decref(set_state);
    return ok;
}

static void blkdebug_debug_event(BlockDriverState *bs, BlkdebugEvent event)
{
    BDRVBlkdebugState *s = bs->opaque;
    int new_state = s->state;
    bool armed = false;
    GList *l;

    for (l = s->rules[event]; l; l = l->next) {
        BlkdebugRule *rule = l->data;

        if (rule->state && rule->state != s->state) {
            continue;
        }
        if (rule->action == ACTION_INJECT_ERROR) {
            /* the first armed rule replaces what earlier events armed */
            if (!armed) {
                g_list_free(s->active_rules);
                s->active_rules = NULL;
                armed = true;
            }
            s->active_rules = g_list_prepend(s->active_rules, rule);
        } else {
            new_state = rule->new_state;
        }
    }
    s->state = new_state;
}

static int rule_check(BlockDriverState *bs, int64_t offset, int64_t bytes,
                      BlkdebugIOType iotype)
{
    BDRVBlkdebugState *s = bs->opaque;
    BlkdebugRule *rule = NULL;
    GList *l;
    int error;

    for (l = s->active_rules; l; l = l->next) {
        BlkdebugRule *r = l->data;

        if ((r->offset == -1 ||
             (bytes && r->offset >= offset && r->offset < offset + bytes)) &&
            (r->iotype_mask & (1ull << iotype))) {
            rule = r;
            break;
        }
    }
    if (!rule || !rule->error) {
        return 0;
    }
    error = rule->error;
    if (rule->once) {
        s->active_rules = g_list_remove(s->active_rules, rule);
        s->rules[rule->event] = g_list_remove(s->rules[rule->event], rule);
        g_free(rule);
    }
    return -error;
}

/* -- driver ------------------------------------------------------------ */

/* QEMU reads these as size options: a negative value fails parsing. */
static bool get_limit(json_t *options, const char *name, uint64_t *out,
                      Error **errp)
{
    json_t *v = json_object_get(options, name);

    *out = 0;
    if (!v) {
        return true;
    }
    if (json_integer_value(v) < 0) {
        error_setg(errp, QERR_INVALID_PARAMETER_VALUE, name,
                   "a non-negative number below 2^64");
        error_append_hint(errp, "Optional suffix k, M, G, T, P or E means"
                          " kilo-, mega-, giga-, tera-, peta-\n"
                          "and exabytes, respectively.\n");
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

static bool limit_ok(uint64_t value, uint64_t multiple_of)
{
    return !value || (value < INT_MAX && value % multiple_of == 0);
}

static bool blkdebug_open(BlockDriverState *bs, json_t *options,
                          Error **errp)
{
    static const char *const names[] = {
        "align", "max-transfer", "opt-write-zero", "max-write-zero",
        "opt-discard", "max-discard",
    };
    enum { ALIGN, MAX_TRANSFER, OPT_WZ, MAX_WZ, OPT_DISCARD, MAX_DISCARD };
    BDRVBlkdebugState *s = bs->opaque;
    uint64_t v[G_N_ELEMENTS(names)];
    uint64_t align;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!get_limit(options, names[i], &v[i], errp)) {
            return false;
        }
    }
    s->config_file = g_strdup(json_string_value(json_object_get(options,
                                                                "config")));
    if (!read_config(s, options, errp)) {
        return false;
    }
    s->state = 1;
    s->image = bdrv_open_child(bs, json_object_get(options, "image"),
                               "image", errp);
    if (!s->image) {
        return false;
    }
    if (v[ALIGN] && (v[ALIGN] >= INT_MAX || (v[ALIGN] & (v[ALIGN] - 1)))) {
        error_setg(errp, "Cannot meet constraints with align %" PRIu64,
                   v[ALIGN]);
        return false;
    }
    align = MAX(v[ALIGN], s->image->bs->request_alignment);
    /* each limit must be a multiple of the alignment (and of its opt-) */
    if (!limit_ok(v[MAX_TRANSFER], align) || !limit_ok(v[OPT_WZ], align) ||
        !limit_ok(v[MAX_WZ], MAX(v[OPT_WZ], align)) ||
        !limit_ok(v[OPT_DISCARD], align) ||
        !limit_ok(v[MAX_DISCARD], MAX(v[OPT_DISCARD], align))) {
        for (i = MAX_TRANSFER; i < G_N_ELEMENTS(names); i++) {
            uint64_t m = i == MAX_WZ ? MAX(v[OPT_WZ], align)
                       : i == MAX_DISCARD ? MAX(v[OPT_DISCARD], align)
                       : align;

            if (!limit_ok(v[i], m)) {
                error_setg(errp, "Cannot meet constraints with %s %" PRIu64,
                           names[i], v[i]);
                return false;
            }
        }
    }
    bs->request_alignment = align;
    bs->max_transfer = v[MAX_TRANSFER];
    blkdebug_debug_event(bs, BLKDBG_NONE);
    return true;
}

static void blkdebug_close(BlockDriverState *bs)
{
    BDRVBlkdebugState *s = bs->opaque;
    size_t i;

    for (i = 0; i < BLKDBG__MAX; i++) {
        g_list_free_full(s->rules[i], g_free);
    }
    g_list_free(s->active_rules);
    g_free(s->config_file);
}

static int64_t blkdebug_getlength(BlockDriverState *bs)
{
    BDRVBlkdebugState *s = bs->opaque;

    return bdrv_getlength(s->image->bs);
}

static int blkdebug_preadv(BlockDriverState *bs, int64_t offset,
                           int64_t bytes, void *buf)
{
    BDRVBlkdebugState *s = bs->opaque;
    int err = rule_check(bs, offset, bytes, BLKDEBUG_IO_TYPE_READ);

    return err ? err : bdrv_pread(s->image->bs, offset, bytes, buf);
}

static int blkdebug_pwritev(BlockDriverState *bs, int64_t offset,
                            int64_t bytes, const void *buf)
{
    BDRVBlkdebugState *s = bs->opaque;
    int err = rule_check(bs, offset, bytes, BLKDEBUG_IO_TYPE_WRITE);

    return err ? err : bdrv_pwrite(s->image->bs, offset, bytes, buf);
}

static int blkdebug_pwrite_zeroes(BlockDriverState *bs, int64_t offset,
                                  int64_t bytes)
{
    BDRVBlkdebugState *s = bs->opaque;
    int err = rule_check(bs, offset, bytes, BLKDEBUG_IO_TYPE_WRITE_ZEROES);

    return err ? err : bdrv_pwrite_zeroes(s->image->bs, offset, bytes);
}

static int blkdebug_pdiscard(BlockDriverState *bs, int64_t offset,
                             int64_t bytes)
{
    BDRVBlkdebugState *s = bs->opaque;
    int err = rule_check(bs, offset, bytes, BLKDEBUG_IO_TYPE_DISCARD);

    return err ? err : bdrv_pdiscard(s->image->bs, offset, bytes);
}

/* The generic layer flushes the image child after this. */
static int blkdebug_flush(BlockDriverState *bs)
{
    return rule_check(bs, 0, 0, BLKDEBUG_IO_TYPE_FLUSH);
}

/* "blkdebug:CONFIG:IMAGE" while nothing but config and image is set. */
static char *blkdebug_refresh_filename(BlockDriverState *bs)
{
    BDRVBlkdebugState *s = bs->opaque;
    BlockDriverState *child = s->image->bs;
    g_autofree char *below = NULL;
    const char *key;
    json_t *v;

    json_object_foreach(bs->options, key, v) {
        if (!bdrv_is_base_option(key) && strcmp(key, "config") &&
            strcmp(key, "image") && strcmp(key, "take-child-perms") &&
            strcmp(key, "unshare-child-perms")) {
            return NULL;
        }
    }
    below = child->drv->bdrv_refresh_filename
            ? child->drv->bdrv_refresh_filename(child) : NULL;
    if (!below) {
        return NULL;
    }
    return g_strdup_printf("blkdebug:%s:%s",
                           s->config_file ? s->config_file : "", below);
}

const BlockDriver bdrv_blkdebug = {
    .format_name = "blkdebug",
    .instance_size = sizeof(BDRVBlkdebugState),
    .is_filter = true,
    .bdrv_open = blkdebug_open,
    .bdrv_close = blkdebug_close,
    .bdrv_getlength = blkdebug_getlength,
    .bdrv_preadv = blkdebug_preadv,
    .bdrv_pwritev = blkdebug_pwritev,
    .bdrv_pwrite_zeroes = blkdebug_pwrite_zeroes,
    .bdrv_pdiscard = blkdebug_pdiscard,
    .bdrv_flush = blkdebug_flush,
    .bdrv_debug_event = blkdebug_debug_event,
    .bdrv_refresh_filename = blkdebug_refresh_filename,
};
