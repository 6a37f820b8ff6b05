/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the -object argument parser, both forms (dotted keys
 * and JSON) through keyval parsing, id checks, string-to-type conversion
 * and schema validation, as system/vl.c runs them.
 */
#include "qemu/osdep.h"
#include <jansson.h>
#include "qapi/qapi-schema.h"
#include "qemu/option.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    error_init("qemu-fuzz");
    module_call_init_qom();
    return 0;
}

static void parse_json(const char *arg)
{
    json_error_t jerr;
    json_t *options = json_loads(arg, JSON_REJECT_DUPLICATES, &jerr);
    Error *err = NULL;

    if (!options) {
        return;
    }
    if (!qapi_validate("ObjectOptions", options, &err)) {
        /* every refusal carries a message for the user */
        g_assert(err && *error_get_pretty(err));
        error_free(err);
    }
    json_decref(options);
}

static void parse_dotted(const char *arg)
{
    Error *err = NULL;
    KeyValueList *kv = keyval_list_parse(arg, "qom-type", &err);
    const char *id;
    json_t *options;

    if (!kv) {
        g_assert(err && *error_get_pretty(err));
        error_free(err);
        return;
    }
    id = keyval_list_get(kv, "id");
    if (keyval_list_get(kv, "qom-type") && id && id_wellformed(id)) {
        options = qapi_keyval_to_json("ObjectOptions", kv, &err);
        if (options && !qapi_validate("ObjectOptions", options, &err)) {
            json_decref(options);
            options = NULL;
        }
        if (options) {
            /* what validation accepted converts back to a JSON object */
            char *text = json_dumps(options, JSON_COMPACT);

            g_assert(text);
            parse_json(text);
            free(text);
            json_decref(options);
        } else {
            g_assert(err && *error_get_pretty(err));
            error_free(err);
        }
    }
    keyval_list_free(kv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a command-line argument is a C string: it ends at the first NUL */
    char *arg = g_strndup((const char *)data, size);

    if (arg[0] == '{') {
        parse_json(arg);
    } else {
        parse_dotted(arg);
    }
    g_free(arg);
    return 0;
}
