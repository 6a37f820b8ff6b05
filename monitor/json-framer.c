/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP input framing.  Finds where each top-level JSON value of the input
 * stream ends (tracking strings, escapes and brackets only) and hands that
 * slice to jansson, which does the actual parsing.  Also enforces QEMU's
 * limits and rewrites QEMU's single-quoted strings into JSON strings.
 *
 * Resynchronisation after bad input (documented in docs/system/qmp.rst):
 *  - a stray structural byte at top level ("}", "]", ",", ":") is reported
 *    and skipped;
 *  - a byte no JSON token has (control characters, "%", non-ASCII) outside
 *    strings, or a raw control character inside one, abandons the value at
 *    once and recovers like a stray byte at top level;
 *  - any other stray byte is reported and input is skipped up to the next
 *    structural byte, whitespace/control character or 0xFE/0xFF, like
 *    QEMU's lexer recovery;
 *  - a value that breaks a limit is reported once and the rest of it is
 *    skipped up to its closing bracket or quote (or a 0xFF byte);
 *  - 0xFF or 0xFE inside an unfinished value (strings included: they are
 *    never valid UTF-8) abandons it with an error; QMP clients send 0xFF
 *    to reset the parser.
 */
#include "qemu/osdep.h"
#include "json-framer.h"

/* Buffer capacity kept across values; a huge one is given back. */
#define JSON_FRAMER_KEEP (64 * 1024)

static void framer_reset(JSONFramer *f, JSONFramerMode mode)
{
    if (f->buf->allocated_len > JSON_FRAMER_KEEP) {
        g_string_free(f->buf, TRUE);
        f->buf = g_string_new(NULL);
    } else {
        g_string_truncate(f->buf, 0);
    }
    f->mode = mode;
    f->depth = 0;
    f->tokens = 0;
    f->in_string = false;
    f->escape = false;
}

void json_framer_init(JSONFramer *f, JSONFramerEmit *emit, void *opaque)
{
    memset(f, 0, sizeof(*f));
    f->emit = emit;
    f->opaque = opaque;
    f->buf = g_string_sized_new(256);
    f->max_size = JSON_FRAMER_MAX_SIZE;
    f->max_tokens = JSON_FRAMER_MAX_TOKENS;
    f->max_depth = JSON_FRAMER_MAX_DEPTH;
    framer_reset(f, JSON_FRAMER_TOP);
}

void json_framer_destroy(JSONFramer *f)
{
    if (f->buf) {
        g_string_free(f->buf, TRUE);
        f->buf = NULL;
    }
}

static void framer_error(JSONFramer *f, JSONFramerMode next,
                         const char *fmt, ...) QEMU_PRINTF(3, 4);

static void framer_error(JSONFramer *f, JSONFramerMode next,
                         const char *fmt, ...)
{
    Error *err = NULL;
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    framer_reset(f, next);
    error_setg(&err, "%s", msg);
    g_free(msg);
    f->emit(f->opaque, NULL, err);
}

static void framer_stray(JSONFramer *f, unsigned char c, JSONFramerMode next)
{
    if (c > 0x20 && c < 0x7f) {
        framer_error(f, next, "JSON parse error, stray '%c'", c);
    } else {
        framer_error(f, next, "JSON parse error, stray '\\x%02X'", c);
    }
}

static void framer_complete(JSONFramer *f)
{
    json_error_t jerr;
    json_t *v = json_loadb(f->buf->str, f->buf->len, JSON_DECODE_ANY, &jerr);

    if (!v) {
        framer_error(f, JSON_FRAMER_TOP, "JSON parse error, %s", jerr.text);
        return;
    }
    framer_reset(f, JSON_FRAMER_TOP);
    f->emit(f->opaque, v, NULL);
}

static bool is_scalar_char(unsigned char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '+' || c == '.' ||
           c == '_';
}

static bool is_structural(unsigned char c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ',' ||
           c == ':';
}

/* A byte that may appear outside strings within a JSON value. */
static bool is_json_char(unsigned char c)
{
    return is_scalar_char(c) || is_structural(c) || c == ' ' || c == '\t' ||
           c == '\r' || c == '\n';
}

/* Inside a string; true when the string just ended. */
static bool framer_string_char(JSONFramer *f, unsigned char c, bool keep)
{
    if (f->escape) {
        f->escape = false;
        if (keep) {
            /* \' is QEMU's extension; JSON has no such escape. */
            if (c == '\'') {
                g_string_append_c(f->buf, '\'');
            } else {
                g_string_append_c(f->buf, '\\');
                g_string_append_c(f->buf, c);
            }
        }
        return false;
    }
    if (c == '\\') {
        f->escape = true;
        return false;
    }
    if (c == (unsigned char)f->quote) {
        f->in_string = false;
        if (keep) {
            g_string_append_c(f->buf, '"');
        }
        return true;
    }
    if (keep) {
        if (c == '"') {
            g_string_append(f->buf, "\\\"");
        } else {
            g_string_append_c(f->buf, c);
        }
    }
    return false;
}

static void framer_value_char(JSONFramer *f, unsigned char c)
{
    if (c == 0xff || c == 0xfe) {
        /* Never valid UTF-8, not even in a string: a reset request. */
        framer_stray(f, c, JSON_FRAMER_TOP);
        return;
    }
    if (f->in_string) {
        if (c < 0x20) {
            /* JSON strings take control characters only as escapes. */
            framer_stray(f, c, JSON_FRAMER_RECOVER);
            return;
        }
        if (framer_string_char(f, c, true) && f->depth == 0) {
            framer_complete(f);
            return;
        }
    } else if (c == '"' || c == '\'') {
        f->in_string = true;
        f->quote = c;
        f->tokens++;
        g_string_append_c(f->buf, '"');
    } else if (c == '{' || c == '[') {
        f->tokens++;
        if (++f->depth > f->max_depth) {
            unsigned depth = f->depth;

            framer_error(f, JSON_FRAMER_DISCARD,
                         "JSON nesting depth limit exceeded");
            f->depth = depth;
            return;
        }
        g_string_append_c(f->buf, c);
    } else if (c == '}' || c == ']') {
        f->tokens++;
        g_string_append_c(f->buf, c);
        if (--f->depth == 0) {
            framer_complete(f);
            return;
        }
    } else if (!is_json_char(c)) {
        /*
         * Reported at once, like QEMU's lexer does: waiting for the
         * closing bracket would leave the client without an answer.
         */
        framer_stray(f, c, JSON_FRAMER_RECOVER);
        return;
    } else {
        if (c == ',' || c == ':' ||
            (is_scalar_char(c) && f->buf->len &&
             !is_scalar_char(f->buf->str[f->buf->len - 1]))) {
            f->tokens++;
        }
        g_string_append_c(f->buf, c);
    }
    if (f->buf->len > f->max_size) {
        unsigned depth = f->depth;
        bool in_string = f->in_string;
        char quote = f->quote;

        framer_error(f, JSON_FRAMER_DISCARD,
                     "JSON token size limit exceeded");
        f->depth = depth;
        f->in_string = in_string;
        f->quote = quote;
    } else if (f->tokens > f->max_tokens) {
        unsigned depth = f->depth;

        framer_error(f, JSON_FRAMER_DISCARD,
                     "JSON token count limit exceeded");
        f->depth = depth;
    }
}

static void framer_discard_char(JSONFramer *f, unsigned char c)
{
    if (c == 0xff) {
        framer_reset(f, JSON_FRAMER_TOP);
    } else if (f->in_string) {
        /*
         * An over-long string at top level has no bracket to wait for:
         * its closing quote ends the skipping.
         */
        if (framer_string_char(f, c, false) && f->depth == 0) {
            framer_reset(f, JSON_FRAMER_TOP);
        }
    } else if (c == '"' || c == '\'') {
        f->in_string = true;
        f->quote = c;
    } else if (c == '{' || c == '[') {
        f->depth++;
    } else if ((c == '}' || c == ']') && --f->depth == 0) {
        framer_reset(f, JSON_FRAMER_TOP);
    }
}

static void framer_top_char(JSONFramer *f, unsigned char c)
{
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        return;
    }
    if (c == '{' || c == '[') {
        f->mode = JSON_FRAMER_VALUE;
        f->depth = 1;
        f->tokens = 1;
        g_string_append_c(f->buf, c);
    } else if (c == '"' || c == '\'') {
        f->mode = JSON_FRAMER_VALUE;
        f->in_string = true;
        f->quote = c;
        f->tokens = 1;
        g_string_append_c(f->buf, '"');
    } else if (is_scalar_char(c)) {
        f->mode = JSON_FRAMER_SCALAR;
        f->tokens = 1;
        g_string_append_c(f->buf, c);
    } else if (is_structural(c)) {
        framer_stray(f, c, JSON_FRAMER_TOP);
    } else if (c == 0xff || c == 0xfe) {
        /* Explicit reset request between values: nothing to report. */
    } else {
        framer_stray(f, c, JSON_FRAMER_RECOVER);
    }
}

void json_framer_feed(JSONFramer *f, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = data[i];

        switch (f->mode) {
        case JSON_FRAMER_TOP:
            framer_top_char(f, c);
            break;
        case JSON_FRAMER_VALUE:
            framer_value_char(f, c);
            break;
        case JSON_FRAMER_SCALAR:
            if (is_scalar_char(c)) {
                g_string_append_c(f->buf, c);
                if (f->buf->len > f->max_size) {
                    framer_error(f, JSON_FRAMER_RECOVER,
                                 "JSON token size limit exceeded");
                }
                break;
            }
            framer_complete(f);
            framer_top_char(f, c);
            break;
        case JSON_FRAMER_DISCARD:
            framer_discard_char(f, c);
            break;
        case JSON_FRAMER_RECOVER:
            if (c < 0x20 || c == ' ' || c >= 0xfe) {
                f->mode = JSON_FRAMER_TOP;
            } else if (is_structural(c)) {
                f->mode = JSON_FRAMER_TOP;
                framer_top_char(f, c);
            }
            break;
        }
    }
}

void json_framer_flush(JSONFramer *f)
{
    if (f->mode == JSON_FRAMER_SCALAR) {
        framer_complete(f);
    }
}
