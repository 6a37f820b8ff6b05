/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest protocol server: line commands that read and write guest
 * memory and I/O ports, for tests driving the binary (spec: QEMU's qtest).
 *
 * Unlike QEMU, malformed commands never abort the process: syntax errors
 * answer "ERR <reason>", refused operations "FAIL <reason>".
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "system/memory.h"
#include "system/qtest.h"
#include "system/ram-block-attributes.h"

/* Largest single read/write/memset the protocol accepts. */
#define QTEST_MAX_XFER (256 * 1024 * 1024)
/* Longest command line: a hex "write" of QTEST_MAX_XFER bytes, and slack. */
#define QTEST_MAX_LINE (2 * (size_t)QTEST_MAX_XFER + 4096)

/* Input of one connection not yet ended by a newline. */
typedef struct QtestLine {
    GString *buf;
    size_t scanned;             /* bytes of buf known to hold no newline */
    bool skipping;              /* over-long line: drop up to its newline */
} QtestLine;

typedef struct QtestServer {
    Chardev *chr;
    FILE *log;
    GHashTable *lines;          /* conn id -> QtestLine * */
} QtestServer;

static QtestServer *server;
static int64_t qtest_clock;
static gint64 qtest_start_us;

bool qtest_enabled(void)
{
    return server != NULL;
}

int64_t qtest_clock_ns(void)
{
    return qtest_clock;
}

static void qtest_log(QtestServer *s, char dir, const char *line)
{
    gint64 us;

    if (!s || !s->log) {
        return;
    }
    us = g_get_monotonic_time() - qtest_start_us;
    fprintf(s->log, "[%c +%" PRId64 ".%06" PRId64 "] %s\n", dir,
            us / G_USEC_PER_SEC, us % G_USEC_PER_SEC, line);
    fflush(s->log);
}

static bool parse_num(const char *word, uint64_t *val)
{
    return word && qemu_strtou64(word, NULL, 0, val) == 0;
}

static char *err_args(const char *cmd)
{
    return g_strdup_printf("ERR wrong number of arguments for '%s'", cmd);
}

static char *err_number(const char *word)
{
    return g_strdup_printf("ERR invalid number '%s'", word ? word : "");
}

static unsigned access_size(const char *cmd)
{
    switch (cmd[strlen(cmd) - 1]) {
    case 'b':
        return 1;
    case 'w':
        return 2;
    case 'l':
        return 4;
    default:
        return 8;
    }
}

static char *cmd_out(char **w, int n)
{
    uint64_t addr, val;
    unsigned size = access_size(w[0]);

    if (n != 3) {
        return err_args(w[0]);
    }
    if (!parse_num(w[1], &addr) || addr > 0xffff) {
        return err_number(w[1]);
    }
    if (!parse_num(w[2], &val)) {
        return err_number(w[2]);
    }
    cpu_io_write(addr, val, size);
    return g_strdup("OK");
}

static char *cmd_in(char **w, int n)
{
    uint64_t addr;
    unsigned size = access_size(w[0]);

    if (n != 2) {
        return err_args(w[0]);
    }
    if (!parse_num(w[1], &addr) || addr > 0xffff) {
        return err_number(w[1]);
    }
    return g_strdup_printf("OK 0x%04" PRIx64, cpu_io_read(addr, size));
}

/*
 * A private page of a confidential guest is not the host's to touch (an
 * in-place one raises SIGBUS): answer FAIL instead of accessing it.
 */
static char *refuse_private(uint64_t addr, uint64_t size)
{
    Error *err = NULL;
    char *reply;

    if (ram_block_attributes_check_host_access(addr, size, &err)) {
        return NULL;
    }
    reply = g_strconcat("FAIL ", error_get_pretty(err), NULL);
    error_free(err);
    return reply;
}

static char *cmd_write_n(char **w, int n)
{
    uint64_t addr, val;
    unsigned size = access_size(w[0]);
    uint8_t buf[8];
    char *reply;

    if (n != 3) {
        return err_args(w[0]);
    }
    if (!parse_num(w[1], &addr)) {
        return err_number(w[1]);
    }
    if (!parse_num(w[2], &val)) {
        return err_number(w[2]);
    }
    /* x86 target: little endian in guest memory. */
    for (unsigned i = 0; i < size; i++) {
        buf[i] = val >> (8 * i);
    }
    if ((reply = refuse_private(addr, size))) {
        return reply;
    }
    address_space_write(&address_space_memory, addr, buf, size);
    return g_strdup("OK");
}

static char *cmd_read_n(char **w, int n)
{
    uint64_t addr, val = 0;
    unsigned size = access_size(w[0]);
    uint8_t buf[8] = { 0 };
    char *reply;

    if (n != 2) {
        return err_args(w[0]);
    }
    if (!parse_num(w[1], &addr)) {
        return err_number(w[1]);
    }
    if ((reply = refuse_private(addr, size))) {
        return reply;
    }
    address_space_read(&address_space_memory, addr, buf, size);
    for (unsigned i = 0; i < size; i++) {
        val |= (uint64_t)buf[i] << (8 * i);
    }
    return g_strdup_printf("OK 0x%016" PRIx64, val);
}

static char *parse_addr_size(char **w, uint64_t *addr, uint64_t *size)
{
    if (!parse_num(w[1], addr)) {
        return err_number(w[1]);
    }
    if (!parse_num(w[2], size)) {
        return err_number(w[2]);
    }
    if (*size == 0 || *size > QTEST_MAX_XFER) {
        return g_strdup("ERR invalid argument size");
    }
    return NULL;
}

static char *cmd_read(char **w, int n, bool b64)
{
    uint64_t addr, size;
    char *err;
    uint8_t *data;
    char *reply;

    if (n != 3) {
        return err_args(w[0]);
    }
    if ((err = parse_addr_size(w, &addr, &size)) ||
        (err = refuse_private(addr, size))) {
        return err;
    }
    data = g_malloc(size);
    address_space_read(&address_space_memory, addr, data, size);
    if (b64) {
        char *enc = g_base64_encode(data, size);

        reply = g_strconcat("OK ", enc, NULL);
        g_free(enc);
    } else {
        static const char hex[] = "0123456789abcdef";
        GString *out = g_string_sized_new(5 + 2 * size);

        g_string_append(out, "OK 0x");
        for (uint64_t i = 0; i < size; i++) {
            g_string_append_c(out, hex[data[i] >> 4]);
            g_string_append_c(out, hex[data[i] & 0xf]);
        }
        reply = g_string_free(out, FALSE);
    }
    g_free(data);
    return reply;
}

static int hexval(char c)
{
    return g_ascii_xdigit_value(c);
}

static char *cmd_write(char **w, int n)
{
    uint64_t addr, size;
    const char *hex;
    size_t hex_len;
    uint8_t *data;
    char *err;

    if (n != 4) {
        return err_args(w[0]);
    }
    if ((err = parse_addr_size(w, &addr, &size)) ||
        (err = refuse_private(addr, size))) {
        return err;
    }
    hex = w[3];
    hex_len = strlen(hex);
    if (hex_len < 3 || hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X') ||
        (hex_len - 2) % 2 || (hex_len - 2) / 2 > size) {
        return g_strdup("ERR invalid argument size");
    }
    data = g_malloc0(size);
    for (size_t i = 0; i < (hex_len - 2) / 2; i++) {
        int hi = hexval(hex[2 + 2 * i]);
        int lo = hexval(hex[3 + 2 * i]);

        if (hi < 0 || lo < 0) {
            g_free(data);
            return g_strdup("ERR invalid argument size");
        }
        data[i] = hi << 4 | lo;
    }
    address_space_write(&address_space_memory, addr, data, size);
    g_free(data);
    return g_strdup("OK");
}

static char *cmd_b64write(char **w, int n)
{
    uint64_t addr, size;
    gsize len = 0;
    guchar *data;
    char *err;

    if (n != 4) {
        return err_args(w[0]);
    }
    if ((err = parse_addr_size(w, &addr, &size)) ||
        (err = refuse_private(addr, size))) {
        return err;
    }
    data = g_base64_decode(w[3], &len);
    if (len != size) {
        /* QEMU writes what it got and only logs the mismatch. */
        g_autofree char *msg = g_strdup_printf(
            "b64write: data length mismatch (told %" PRIu64 ", found %zu)",
            size, (size_t)len);

        qtest_log(server, 'I', msg);
    }
    address_space_write(&address_space_memory, addr, data, MIN(len, size));
    g_free(data);
    return g_strdup("OK");
}

static char *cmd_memset(char **w, int n)
{
    uint64_t addr, size, val;
    char *err;

    if (n != 4) {
        return err_args(w[0]);
    }
    if ((err = parse_addr_size(w, &addr, &size))) {
        return err;
    }
    if (!parse_num(w[3], &val) || val > 0xff) {
        return err_number(w[3]);
    }
    if ((err = refuse_private(addr, size))) {
        return err;
    }
    address_space_set(&address_space_memory, addr, val, size);
    return g_strdup("OK");
}

static char *cmd_clock(char **w, int n)
{
    uint64_t ns;

    if (!strcmp(w[0], "clock_step")) {
        if (n > 2) {
            return err_args(w[0]);
        }
        if (n == 1) {
            /* No timers exist here, so there is no deadline to step to. */
            return g_strdup("FAIL could not advance time");
        }
        if (!parse_num(w[1], &ns) || ns > INT64_MAX - qtest_clock) {
            return err_number(w[1]);
        }
        qtest_clock += ns;
    } else {
        if (n != 2) {
            return err_args(w[0]);
        }
        if (!parse_num(w[1], &ns) || ns > INT64_MAX) {
            return err_number(w[1]);
        }
        if ((int64_t)ns < qtest_clock) {
            return g_strdup("FAIL cannot advance clock to the requested "
                            "time");
        }
        qtest_clock = ns;
    }
    return g_strdup_printf("OK %" PRId64, qtest_clock);
}

static char *cmd_irq(char **w, int n)
{
    bool ambiguous = false;

    if (n < 2) {
        return err_args(w[0]);
    }
    if (!object_resolve_path(w[1], &ambiguous)) {
        return g_strdup("FAIL Unknown device");
    }
    /* No device here exposes GPIO lines to intercept. */
    if (!strcmp(w[0], "set_irq_in")) {
        return g_strdup("FAIL Unknown GPIO");
    }
    return g_strdup("FAIL No intercepts installed");
}

char *qtest_process_command(const char *line)
{
    g_auto(GStrv) all = g_strsplit(line, " ", -1);
    g_autofree char **w = g_new0(char *, g_strv_length(all) + 1);
    int n = 0;

    for (char **p = all; *p; p++) {
        if (**p) {
            w[n++] = *p;
        }
    }
    if (n == 0) {
        return g_strdup("ERR empty command");
    }
    if (!strcmp(w[0], "outb") || !strcmp(w[0], "outw") ||
        !strcmp(w[0], "outl")) {
        return cmd_out(w, n);
    }
    if (!strcmp(w[0], "inb") || !strcmp(w[0], "inw") ||
        !strcmp(w[0], "inl")) {
        return cmd_in(w, n);
    }
    if (!strcmp(w[0], "writeb") || !strcmp(w[0], "writew") ||
        !strcmp(w[0], "writel") || !strcmp(w[0], "writeq")) {
        return cmd_write_n(w, n);
    }
    if (!strcmp(w[0], "readb") || !strcmp(w[0], "readw") ||
        !strcmp(w[0], "readl") || !strcmp(w[0], "readq")) {
        return cmd_read_n(w, n);
    }
    if (!strcmp(w[0], "read")) {
        return cmd_read(w, n, false);
    }
    if (!strcmp(w[0], "b64read")) {
        return cmd_read(w, n, true);
    }
    if (!strcmp(w[0], "write")) {
        return cmd_write(w, n);
    }
    if (!strcmp(w[0], "b64write")) {
        return cmd_b64write(w, n);
    }
    if (!strcmp(w[0], "memset")) {
        return cmd_memset(w, n);
    }
    if (!strcmp(w[0], "clock_step") || !strcmp(w[0], "clock_set")) {
        return cmd_clock(w, n);
    }
    if (!strcmp(w[0], "endianness")) {
        return g_strdup("OK little");
    }
    if (!strcmp(w[0], "irq_intercept_in") ||
        !strcmp(w[0], "irq_intercept_out") || !strcmp(w[0], "set_irq_in")) {
        return cmd_irq(w, n);
    }
    if (!strcmp(w[0], "module_load")) {
        return g_strdup("FAIL");
    }
    return g_strdup_printf("FAIL Unknown command '%s'", w[0]);
}

static void qtest_handle_line(QtestServer *s, int conn, const char *line)
{
    char *reply;
    char *out;

    qtest_log(s, 'R', line);
    reply = qtest_process_command(line);
    qtest_log(s, 'S', reply);
    out = g_strconcat(reply, "\n", NULL);
    qemu_chr_write_all(s->chr, conn, (const uint8_t *)out, strlen(out));
    g_free(out);
    g_free(reply);
}

static void qtest_read(void *opaque, int conn, const uint8_t *buf,
                       size_t len)
{
    QtestServer *s = opaque;
    QtestLine *l = g_hash_table_lookup(s->lines, GINT_TO_POINTER(conn));
    size_t start = 0;           /* first byte of the next line */
    char *nl;

    if (!l) {
        l = g_new0(QtestLine, 1);
        l->buf = g_string_new(NULL);
        g_hash_table_insert(s->lines, GINT_TO_POINTER(conn), l);
    }
    g_string_append_len(l->buf, (const char *)buf, len);
    /* Only new bytes are searched: a big write arrives in many reads. */
    while ((nl = memchr(l->buf->str + l->scanned, '\n',
                        l->buf->len - l->scanned))) {
        char *line = g_strndup(l->buf->str + start,
                               nl - (l->buf->str + start));

        start = nl - l->buf->str + 1;
        l->scanned = start;
        if (l->skipping) {
            l->skipping = false;
        } else {
            g_strchomp(line);    /* tolerate "\r\n" */
            qtest_handle_line(s, conn, line);
        }
        g_free(line);
        /* The reply may have failed and the connection be gone. */
        if (g_hash_table_lookup(s->lines, GINT_TO_POINTER(conn)) != l) {
            return;
        }
    }
    /* Consumed lines go in one move, not one per line. */
    g_string_erase(l->buf, 0, start);
    l->scanned = l->buf->len;
    if (!l->skipping && l->buf->len > QTEST_MAX_LINE) {
        const char *err = "ERR line too long\n";

        qtest_log(s, 'S', "ERR line too long");
        l->skipping = true;
        qemu_chr_write_all(s->chr, conn, (const uint8_t *)err, strlen(err));
    }
    if (l->skipping) {
        g_string_truncate(l->buf, 0);
        l->scanned = 0;
    }
}

static void qtest_event(void *opaque, int conn, ChrEvent event)
{
    QtestServer *s = opaque;

    if (event == CHR_EVENT_OPENED) {
        qtest_log(s, 'I', "OPENED");
    } else {
        g_hash_table_remove(s->lines, GINT_TO_POINTER(conn));
        qtest_log(s, 'I', "CLOSED");
    }
}

static void qtest_line_free(gpointer p)
{
    QtestLine *l = p;

    g_string_free(l->buf, TRUE);
    g_free(l);
}

bool qtest_server_start(Chardev *chr, const char *log, Error **errp)
{
    FILE *f = NULL;

    /* Before anything else: this must not touch the chardev's owner. */
    if (!qemu_chr_fe_claim(chr, errp)) {
        return false;
    }
    if (server) {
        error_setg(errp, "Only one qtest server is supported");
        qemu_chr_fe_release(chr);
        return false;
    }
    if (log) {
        f = fopen(log, "w");
        if (!f) {
            error_setg_errno(errp, errno, "Could not open '%s'", log);
            qemu_chr_fe_release(chr);
            return false;
        }
        setvbuf(f, NULL, _IOLBF, 0);
    }
    qtest_start_us = g_get_monotonic_time();
    server = g_new0(QtestServer, 1);
    server->chr = chr;
    server->log = f;
    server->lines = g_hash_table_new_full(NULL, NULL, NULL, qtest_line_free);
    qemu_chr_set_handlers(chr, qtest_read, qtest_event, server);
    return true;
}

bool qtest_server_init(const char *spec, const char *log, Error **errp)
{
    Chardev *chr = qemu_chr_new("qtest", spec, errp);

    return chr && qtest_server_start(chr, log, errp);
}

/* -object qtest,id=ID,chardev=CHR[,log=FILE] */

typedef struct QTest {
    Object parent;
    char *chardev;
    char *log;
} QTest;

static char *qtest_get_chardev(Object *obj, Error **errp)
{
    return g_strdup(((QTest *)obj)->chardev);
}

static void qtest_set_chardev(Object *obj, const char *value, Error **errp)
{
    QTest *q = (QTest *)obj;

    g_free(q->chardev);
    q->chardev = g_strdup(value);
}

static char *qtest_get_log(Object *obj, Error **errp)
{
    return g_strdup(((QTest *)obj)->log);
}

static void qtest_set_log(Object *obj, const char *value, Error **errp)
{
    QTest *q = (QTest *)obj;

    g_free(q->log);
    q->log = g_strdup(value);
}

static void qtest_complete(Object *obj, Error **errp)
{
    QTest *q = (QTest *)obj;
    Chardev *chr;

    if (!q->chardev) {
        error_setg(errp, "Parameter 'chardev' is missing");
        return;
    }
    chr = qemu_chr_find(q->chardev);
    if (!chr) {
        error_setg(errp, "Device '%s' not found", q->chardev);
        return;
    }
    qtest_server_start(chr, q->log, errp);
}

static void qtest_instance_finalize(Object *obj)
{
    QTest *q = (QTest *)obj;

    g_free(q->chardev);
    g_free(q->log);
}

static void qtest_class_init(ObjectClass *oc, const void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    ucc->complete = qtest_complete;
    object_class_property_add_str(oc, "chardev", qtest_get_chardev,
                                  qtest_set_chardev);
    object_class_property_add_str(oc, "log", qtest_get_log, qtest_set_log);
}

static const TypeInfo qtest_types[] = {
    {
        .name = TYPE_QTEST,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(QTest),
        .instance_finalize = qtest_instance_finalize,
        .class_init = qtest_class_init,
        .interfaces = (const InterfaceInfo[]) {
            { TYPE_USER_CREATABLE },
            { }
        },
    },
};

DEFINE_TYPES(qtest_types)
