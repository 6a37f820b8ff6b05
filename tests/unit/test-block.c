/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the block layer: node names and references, the null
 * drivers, blkdebug's configuration parser and its error injection.
 */
#include "qemu/osdep.h"
#include "block/block_int.h"

/* Open from JSON text; the text must pass the schema. */
static BlockDriverState *open_json(const char *text, Error **errp)
{
    json_t *opts = json_loads(text, 0, NULL);
    BlockDriverState *bs;

    g_assert(opts);
    g_assert(qapi_validate("BlockdevOptions", opts, &error_abort));
    bs = bdrv_open_blockdev(opts, errp);
    json_decref(opts);
    return bs;
}

static void assert_open_error(const char *text, const char *expected)
{
    Error *err = NULL;

    g_assert_null(open_json(text, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, expected);
    error_free(err);
    /* nothing half-made stays behind */
    g_assert_null(bdrv_next_node(NULL));
}

static void test_null_defaults(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"n0\"}",
                                     &error_abort);
    uint8_t buf[512];

    g_assert_cmpint(bdrv_getlength(bs), ==, 1 << 30);
    /* read-zeroes defaults to false: the buffer stays as it was */
    memset(buf, 0xa5, sizeof(buf));
    g_assert_cmpint(bdrv_pread(bs, 0, sizeof(buf), buf), ==, 0);
    g_assert_cmpint(buf[0], ==, 0xa5);
    g_assert_cmpint(buf[511], ==, 0xa5);
    /* writes are dropped, not refused */
    g_assert_cmpint(bdrv_pwrite(bs, 4096, sizeof(buf), buf), ==, 0);
    g_assert_cmpint(bdrv_flush(bs), ==, 0);
    /* outside the node */
    g_assert_cmpint(bdrv_pread(bs, (1 << 30) - 256, sizeof(buf), buf), ==,
                    -EIO);
    g_assert_cmpint(bdrv_pread(bs, -1, 1, buf), ==, -EIO);
    g_assert_true(bdrv_find_node("n0") == bs);
    bdrv_unref(bs);
    g_assert_null(bdrv_find_node("n0"));
}

static void test_null_options(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-aio\", "
                                     "\"node-name\": \"n0\", "
                                     "\"size\": 4096, \"read-zeroes\": true, "
                                     "\"read-only\": true, "
                                     "\"latency-ns\": 1000}",
                                     &error_abort);
    uint8_t buf[4096];

    g_assert_cmpint(bdrv_getlength(bs), ==, 4096);
    memset(buf, 0xa5, sizeof(buf));
    g_assert_cmpint(bdrv_pread(bs, 100, 1000, buf + 100), ==, 0);
    g_assert_cmpint(buf[99], ==, 0xa5);
    g_assert_cmpint(buf[100], ==, 0);
    g_assert_cmpint(buf[1099], ==, 0);
    g_assert_cmpint(buf[1100], ==, 0xa5);
    g_assert_true(bdrv_is_read_only(bs));
    g_assert_cmpint(bdrv_pwrite(bs, 0, 512, buf), ==, -EPERM);
    g_assert_cmpint(bdrv_pwrite_zeroes(bs, 0, 512), ==, -EPERM);
    g_assert_cmpint(bdrv_pread(bs, 4000, 200, buf), ==, -EIO);
    bdrv_unref(bs);
}

/* QEMU's texts, from bdrv_open_common, bdrv_assign_node_name, null_open. */
static void test_open_errors(void)
{
    assert_open_error("{\"driver\": \"null-co\", \"node-name\": \"1a\"}",
                      "Invalid node-name: '1a'");
    assert_open_error("{\"driver\": \"null-co\", \"node-name\": "
                      "\"a234567890123456789012345678901x\"}",
                      "Node name too long");
    assert_open_error("{\"driver\": \"null-co\", \"force-share\": true}",
                      "force-share=on can only be used with read-only "
                      "images");
    assert_open_error("{\"driver\": \"null-co\", "
                      "\"detect-zeroes\": \"unmap\"}",
                      "setting detect-zeroes to unmap is not allowed "
                      "without setting discard operation to unmap");
    assert_open_error("{\"driver\": \"null-co\", \"latency-ns\": -1}",
                      "latency-ns is invalid");
    assert_open_error("{\"driver\": \"null-co\", \"size\": -5}",
                      "Parameter 'size' expects a non-negative number "
                      "below 2^64");
    assert_open_error("{\"driver\": \"blkdebug\", \"image\": \"nowhere\"}",
                      "Cannot find device='nowhere' nor node-name='nowhere'");
    assert_open_error("{\"driver\": \"blkdebug\", \"config\": "
                      "\"/nonexistent/blkdebug.conf\", "
                      "\"image\": {\"driver\": \"null-co\"}}",
                      "Could not read blkdebug config file: No such file "
                      "or directory");
    assert_open_error("{\"driver\": \"blkdebug\", \"align\": 3, "
                      "\"image\": {\"driver\": \"null-co\"}}",
                      "Cannot meet constraints with align 3");
    assert_open_error("{\"driver\": \"blkdebug\", \"align\": 4096, "
                      "\"max-transfer\": 1000, "
                      "\"image\": {\"driver\": \"null-co\"}}",
                      "Cannot meet constraints with max-transfer 1000");
    /* the parent's name is taken before the child is opened */
    assert_open_error("{\"driver\": \"blkdebug\", \"node-name\": \"a\", "
                      "\"image\": {\"driver\": \"null-co\", "
                      "\"node-name\": \"a\"}}",
                      "Duplicate nodes with node-name='a'");
}

static void test_children(void)
{
    BlockDriverState *n0 = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"n0\"}",
                                     &error_abort);
    BlockDriverState *b1, *b2, *inline_child;
    g_autofree char *name = NULL;

    b1 = open_json("{\"driver\": \"blkdebug\", \"node-name\": \"b1\", "
                   "\"image\": \"n0\"}", &error_abort);
    b2 = open_json("{\"driver\": \"blkdebug\", \"node-name\": \"b2\", "
                   "\"read-only\": true, "
                   "\"image\": {\"driver\": \"null-co\"}}", &error_abort);
    g_assert_true(bdrv_get_child(b1, "image") == n0);
    g_assert_cmpint(bdrv_get_refcnt(n0), ==, 2);
    /* an inline child gets QEMU's generated name and inherits read-only */
    inline_child = bdrv_get_child(b2, "image");
    g_assert_true(g_str_has_prefix(bdrv_get_node_name(inline_child),
                                   "#block"));
    g_assert_true(bdrv_is_read_only(inline_child));
    name = bdrv_get_filename(b2);
    g_assert_cmpstr(name, ==, "blkdebug::null-co://");
    g_clear_pointer(&name, g_free);
    name = bdrv_get_filename(open_json("{\"driver\": \"null-co\", "
                                       "\"node-name\": \"z\", "
                                       "\"size\": 4096}", &error_abort));
    g_assert_cmpstr(name, ==, "json:{\"driver\": \"null-co\", "
                    "\"size\": 4096}");
    bdrv_unref(bdrv_find_node("z"));
    /* closing the parent closes the inline child, not the referenced one */
    bdrv_unref(b2);
    bdrv_unref(b1);
    g_assert_cmpint(bdrv_get_refcnt(n0), ==, 1);
    g_assert_true(bdrv_next_node(NULL) == n0);
    g_assert_null(bdrv_next_node(n0));
    bdrv_unref(n0);
}

/* -- blkdebug configuration ----------------------------------------------- */

static char *write_config(const char *text)
{
    char *path = NULL;
    int fd = g_file_open_tmp("blkdebug-XXXXXX.conf", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    close(fd);
    return path;
}

/* Parse @text; NULL and the error text in *@err_text on failure. */
static char *parse_config(const char *text, char **err_text)
{
    g_autofree char *path = write_config(text);
    FILE *f = fopen(path, "r");
    json_t *inject = json_array(), *set_state = json_array();
    Error *err = NULL;
    char *res = NULL;

    g_assert_nonnull(f);
    if (blkdebug_parse_config(f, inject, set_state, &err)) {
        json_t *both = json_pack("[o, o]", inject, set_state);

        res = json_dumps(both, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(both);
    } else {
        *err_text = g_strdup(error_get_pretty(err));
        error_free(err);
        json_decref(inject);
        json_decref(set_state);
    }
    fclose(f);
    unlink(path);
    return res;
}

static void test_config_parse(void)
{
    char *err = NULL;
    char *res = parse_config("# rules\n"
                             "[inject-error]\n"
                             "event = \"read_aio\"\n"
                             "errno = \"28\"\n"
                             "  sector = \"0x10\"\n"
                             "once = \"on\"\n"
                             "\n"
                             "[set-state]\n"
                             "event = \"pwritev\"\n"
                             "state = \"1\"\n"
                             "new_state = \"2\"\n"
                             "[inject-error \"second\"]\n"
                             "event = \"none\"\n"
                             "iotype = \"write\"\n", &err);

    g_assert_null(err);
    g_assert_cmpstr(res, ==,
                    "[[{\"errno\":28,\"event\":\"read_aio\",\"once\":true,"
                    "\"sector\":16},{\"event\":\"none\",\"iotype\":\"write\"}],"
                    "[{\"event\":\"pwritev\",\"new_state\":2,\"state\":1}]]");
    free(res);
}

/* QEMU's texts: qemu_config_foreach, find_list, QemuOpts validation. */
static void test_config_errors(void)
{
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        { "event = \"none\"\n", "no group defined" },
        { "[inject-error]\n   \n", "parse error" },
        { "[suspend]\nevent = \"none\"\n",
          "There is no option group 'suspend'" },
        { "[inject-error]\nfoo = \"1\"\n", "Invalid parameter 'foo'" },
        { "[inject-error]\nerrno = \"x\"\n",
          "Parameter 'errno' expects a number" },
        { "[inject-error]\nonce = \"maybe\"\n",
          "Parameter 'once' expects 'on' or 'off'" },
        { "[set-state]\nnew_state = \"99999999999999999999\"\n",
          "Value '99999999999999999999' is too large for parameter "
          "'new_state'" },
        { "[inject-error \"a\"]\n[inject-error \"a\"]\n",
          "Duplicate ID 'a' for inject-error" },
        /* a key without a quoted value reads as empty, as in QEMU */
        { "[inject-error]\nerrno = 5\n",
          "Parameter 'errno' expects a number" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *err = NULL;
        char *res = parse_config(cases[i].text, &err);

        g_assert_null(res);
        g_assert_cmpstr(err, ==, cases[i].error);
        g_free(err);
    }
}

/* Rules are checked when the node is opened (blkdebug's add_rule). */
static void test_rule_errors(void)
{
    static const struct {
        const char *config;
        const char *error;
    } cases[] = {
        { "[inject-error]\nerrno = \"5\"\n", "Missing event name for rule" },
        { "[inject-error]\nevent = \"bogus\"\n",
          "invalid parameter value: bogus" },
        { "[inject-error]\nevent = \"none\"\niotype = \"sideways\"\n",
          "invalid parameter value: sideways" },
        { "[set-state]\nevent = \"nothing\"\nnew_state = \"2\"\n",
          "invalid parameter value: nothing" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = write_config(cases[i].config);
        g_autofree char *opts = g_strdup_printf(
            "{\"driver\": \"blkdebug\", \"config\": \"%s\", "
            "\"image\": {\"driver\": \"null-co\"}}", path);

        assert_open_error(opts, cases[i].error);
        unlink(path);
    }
}

/* -- blkdebug error injection ---------------------------------------------- */

static BlockDriverState *open_blkdebug(const char *config, const char *extra)
{
    g_autofree char *path = config ? write_config(config) : NULL;
    g_autofree char *cfg = path ? g_strdup_printf("\"config\": \"%s\", ",
                                                  path)
                                : g_strdup("");
    g_autofree char *text = g_strdup_printf(
        "{\"driver\": \"blkdebug\", \"node-name\": \"dbg\", %s%s"
        "\"image\": {\"driver\": \"null-co\", \"read-zeroes\": true, "
        "\"size\": 1048576}}", cfg, extra ? extra : "");
    BlockDriverState *bs = open_json(text, &error_abort);

    if (path) {
        unlink(path);
    }
    return bs;
}

static void test_inject_on_open(void)
{
    /* event "none" arms at open; only sector 8 (bytes 4096..4607) fails */
    BlockDriverState *bs = open_blkdebug("[inject-error]\n"
                                         "event = \"none\"\n"
                                         "errno = \"28\"\n"
                                         "sector = \"8\"\n", NULL);
    uint8_t buf[4096];

    g_assert_cmpint(bdrv_pread(bs, 0, 4096, buf), ==, 0);
    g_assert_cmpint(bdrv_pread(bs, 4096, 512, buf), ==, -ENOSPC);
    g_assert_cmpint(bdrv_pread(bs, 4000, 100, buf), ==, -ENOSPC);
    g_assert_cmpint(bdrv_pwrite(bs, 4608, 512, buf), ==, 0);
    g_assert_cmpint(bdrv_pwrite(bs, 4096, 1, buf), ==, -ENOSPC);
    /* the rule stays armed */
    g_assert_cmpint(bdrv_pread(bs, 4096, 512, buf), ==, -ENOSPC);
    bdrv_unref(bs);
}

static void test_inject_once_iotype(void)
{
    /* rules from the options; "once" drops the rule after one failure */
    BlockDriverState *bs = open_blkdebug(NULL,
        "\"inject-error\": [{\"event\": \"none\", \"iotype\": \"write\", "
        "\"once\": true}, {\"event\": \"none\", \"iotype\": \"flush\", "
        "\"errno\": 5}], ");
    uint8_t buf[512] = { 1 };

    g_assert_cmpint(bdrv_pread(bs, 0, 512, buf), ==, 0);
    g_assert_cmpint(bdrv_pwrite(bs, 0, 512, buf), ==, -EIO);
    g_assert_cmpint(bdrv_pwrite(bs, 0, 512, buf), ==, 0);
    g_assert_cmpint(bdrv_flush(bs), ==, -EIO);
    g_assert_cmpint(bdrv_pdiscard(bs, 0, 512), ==, 0);
    bdrv_unref(bs);
}

static void test_state_machine(void)
{
    /*
     * State 1 -> 2 on the first write; in state 2 a read_aio event (a
     * format driver's) arms a read error.  Before that, read_aio arms
     * nothing.
     */
    BlockDriverState *bs = open_blkdebug("[set-state]\n"
                                         "event = \"pwritev\"\n"
                                         "state = \"1\"\n"
                                         "new_state = \"2\"\n"
                                         "[inject-error]\n"
                                         "event = \"read_aio\"\n"
                                         "state = \"2\"\n"
                                         "errno = \"13\"\n", NULL);
    uint8_t buf[512] = { 1 };

    bdrv_debug_event(bs, BLKDBG_READ_AIO);
    g_assert_cmpint(bdrv_pread(bs, 0, 512, buf), ==, 0);
    g_assert_cmpint(bdrv_pwrite(bs, 0, 512, buf), ==, 0);
    g_assert_cmpint(bdrv_pread(bs, 0, 512, buf), ==, 0);
    bdrv_debug_event(bs, BLKDBG_READ_AIO);
    g_assert_cmpint(bdrv_pread(bs, 0, 512, buf), ==, -EACCES);
    bdrv_unref(bs);
}

static void test_alignment(void)
{
    /* align=4096: unaligned requests are widened and still correct */
    BlockDriverState *bs = open_blkdebug(NULL, "\"align\": 4096, "
                                         "\"max-transfer\": 8192, ");
    uint8_t buf[100];

    memset(buf, 0xa5, sizeof(buf));
    g_assert_cmpint(bdrv_pread(bs, 5000, sizeof(buf), buf), ==, 0);
    g_assert_cmpint(buf[0], ==, 0);
    g_assert_cmpint(buf[99], ==, 0);
    g_assert_cmpint(bdrv_pwrite(bs, 5000, sizeof(buf), buf), ==, 0);
    bdrv_unref(bs);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/block/null/defaults", test_null_defaults);
    g_test_add_func("/block/null/options", test_null_options);
    g_test_add_func("/block/open-errors", test_open_errors);
    g_test_add_func("/block/children", test_children);
    g_test_add_func("/block/blkdebug/config-parse", test_config_parse);
    g_test_add_func("/block/blkdebug/config-errors", test_config_errors);
    g_test_add_func("/block/blkdebug/rule-errors", test_rule_errors);
    g_test_add_func("/block/blkdebug/inject-on-open", test_inject_on_open);
    g_test_add_func("/block/blkdebug/once-iotype", test_inject_once_iotype);
    g_test_add_func("/block/blkdebug/state-machine", test_state_machine);
    g_test_add_func("/block/blkdebug/alignment", test_alignment);
    return g_test_run();
}
