/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Splits a QMP input byte stream into JSON values for jansson to parse. */
#ifndef MONITOR_JSON_FRAMER_H
#define MONITOR_JSON_FRAMER_H

#include "qemu/osdep.h"
#include <jansson.h>
#include "qapi/error.h"

/* QEMU's json-streamer limits. */
#define JSON_FRAMER_MAX_SIZE (64 * 1024 * 1024)
#define JSON_FRAMER_MAX_TOKENS (2 * 1024 * 1024)
#define JSON_FRAMER_MAX_DEPTH 1024

/*
 * Called once per top-level value: either @value (a new reference the
 * callee owns) or @err (owned by the callee) is set.
 */
typedef void JSONFramerEmit(void *opaque, json_t *value, Error *err);

typedef enum {
    JSON_FRAMER_TOP,        /* between values */
    JSON_FRAMER_VALUE,      /* inside an object, array or string */
    JSON_FRAMER_SCALAR,     /* inside a top-level number or literal */
    JSON_FRAMER_DISCARD,    /* skipping the rest of an over-limit value */
    JSON_FRAMER_RECOVER,    /* skipping after a stray byte */
} JSONFramerMode;

typedef struct JSONFramer {
    JSONFramerEmit *emit;
    void *opaque;
    JSONFramerMode mode;
    GString *buf;           /* current value, single quotes rewritten */
    unsigned depth;
    size_t tokens;
    bool in_string;
    bool escape;
    char quote;
    /* Limits, preset to QEMU's; tests may lower them. */
    size_t max_size;
    size_t max_tokens;
    unsigned max_depth;
} JSONFramer;

void json_framer_init(JSONFramer *f, JSONFramerEmit *emit, void *opaque);
void json_framer_feed(JSONFramer *f, const char *data, size_t len);
/* End of input: an unfinished top-level number/literal is completed. */
void json_framer_flush(JSONFramer *f);
void json_framer_destroy(JSONFramer *f);

#endif
