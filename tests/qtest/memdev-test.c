/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory backends through the real binary: object-add with each property,
 * query-memdev/qom-get agreement, guest memory that is the backend's own
 * fd (checked through a second mapping of that fd), and object-del giving
 * back fds and mappings.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "libqtest.h"

#define MiB (1024 * 1024)

static char *tmpdir;

static void qmp_assert_ok(QTestState *qts, json_t *rsp)
{
    if (!json_object_get(rsp, "return")) {
        char *s = json_dumps(rsp, 0);

        g_error("QMP command failed: %s", s);
    }
    json_decref(rsp);
}

static json_t *qom_get(QTestState *qts, const char *path, const char *prop)
{
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"qom-get\", \"arguments\": "
                            "{\"path\": \"%s\", \"property\": \"%s\"}}",
                            path, prop);
    json_t *ret = json_incref(json_object_get(rsp, "return"));

    g_assert_nonnull(ret);
    json_decref(rsp);
    return ret;
}

static json_t *find_memdev(QTestState *qts, const char *id)
{
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"query-memdev\"}");
    json_t *list = json_object_get(rsp, "return");
    json_t *found = NULL;
    size_t i;
    json_t *m;

    g_assert_true(json_is_array(list));
    json_array_foreach(list, i, m) {
        if (!g_strcmp0(json_string_value(json_object_get(m, "id")), id)) {
            found = json_incref(m);
        }
    }
    json_decref(rsp);
    return found;
}

static bool host_has_node0(void)
{
    return g_file_test("/sys/devices/system/node/node0", G_FILE_TEST_IS_DIR);
}

/* object-add @props (JSON object text without braces) as @type/@id. */
static json_t *object_add(QTestState *qts, const char *type, const char *id,
                          const char *props)
{
    return qtest_qmp(qts, "{\"execute\": \"object-add\", \"arguments\": "
                     "{\"qom-type\": \"%s\", \"id\": \"%s\"%s%s}}", type, id,
                     *props ? ", " : "", props);
}

static void object_del(QTestState *qts, const char *id)
{
    qmp_assert_ok(qts, qtest_qmp(qts, "{\"execute\": \"object-del\", "
                                 "\"arguments\": {\"id\": \"%s\"}}", id));
}

typedef struct BackendCase {
    const char *type;
    const char *props;       /* JSON members, size included */
    bool needs_kvm;
    bool needs_numa;
    bool guest_memfd;        /* query-memdev must say "guest-memfd": true */
} BackendCase;

static const BackendCase prop_cases[] = {
    { "memory-backend-ram",
      "\"size\": 4194304, \"merge\": false, \"dump\": false, "
      "\"prealloc\": true, \"share\": true, \"reserve\": true, "
      "\"prealloc-threads\": 2, "
      "\"x-use-canonical-path-for-ramblock-id\": false" },
    { "memory-backend-ram",
      "\"size\": 2097152, \"reserve\": false, \"share\": false" },
    { "memory-backend-ram",
      "\"size\": 2097152, \"host-nodes\": [0], \"policy\": \"bind\"",
      false, true },
    { "memory-backend-ram",
      "\"size\": 2097152, \"host-nodes\": [0], \"policy\": \"preferred\"",
      false, true },
    { "memory-backend-memfd",
      "\"size\": 4194304, \"share\": true, \"seal\": true, "
      "\"hugetlb\": false, \"merge\": false" },
    { "memory-backend-memfd",
      "\"size\": 2097152, \"seal\": false, \"share\": false, "
      "\"prealloc\": true, \"dump\": false" },
    { "memory-backend-shm",
      "\"size\": 4194304, \"share\": true, \"prealloc\": true, "
      "\"merge\": false" },
    { "memory-backend-file",
      "\"size\": 4194304, \"mem-path\": \"@FILE@\", \"share\": true, "
      "\"discard-data\": true, \"readonly\": false, \"rom\": \"off\", "
      "\"align\": 2097152, \"prealloc\": true" },
    { "memory-backend-file",
      "\"size\": 2097152, \"mem-path\": \"@FILE@\", \"share\": false, "
      "\"dump\": false" },
    { "memory-backend-memfd",
      "\"size\": 2097152, \"guest-memfd\": \"on\", \"share\": true", true,
      false, true },
    { "memory-backend-guest-memfd",
      "\"size\": 4194304, \"prealloc\": true, \"merge\": false", true,
      false, true },
    { "memory-backend-guest-memfd",
      "\"size\": 2097152, \"dump\": false", true, false, true },
};

/* Members of Memdev that mirror a property of the same name. */
static const char *const memdev_members[] = {
    "size", "merge", "dump", "prealloc", "share", "reserve", "host-nodes",
    "policy",
};

static char *expand_file(const char *props, const char *file)
{
    g_auto(GStrv) parts = g_strsplit(props, "@FILE@", -1);

    return g_strjoinv(file, parts);
}

static void test_properties(const void *opaque)
{
    const BackendCase *bc = opaque;
    const char *missing = bc->needs_kvm ? qtest_guest_memfd_missing() : NULL;
    g_autofree char *file = g_strdup_printf("%s/props", tmpdir);
    g_autofree char *props = expand_file(bc->props, file);
    g_autofree char *obj_text = g_strdup_printf("{%s}", props);
    json_t *asked = json_loads(obj_text, 0, NULL);
    QTestState *qts;
    json_t *memdev;
    const char *key;
    json_t *value;

    if (missing) {
        g_test_skip(g_strdup_printf("%s not available", missing));
        json_decref(asked);
        return;
    }
    if (bc->needs_numa && !host_has_node0()) {
        g_test_skip("host NUMA node 0 not available");
        json_decref(asked);
        return;
    }
    g_assert_nonnull(asked);
    qts = qtest_init(bc->needs_kvm ? "-machine none -accel kvm -S"
                                   : "-machine none");
    qmp_assert_ok(qts, object_add(qts, bc->type, "m1", props));
    /* qom-get returns every property exactly as asked. */
    json_object_foreach(asked, key, value) {
        json_t *got = qom_get(qts, "/objects/m1", key);

        if (!json_equal(got, value)) {
            g_error("%s.%s: asked %s, qom-get %s", bc->type, key,
                    json_dumps(value, JSON_ENCODE_ANY),
                    json_dumps(got, JSON_ENCODE_ANY));
        }
        json_decref(got);
    }
    /* query-memdev agrees with the properties, member by member. */
    memdev = find_memdev(qts, "m1");
    g_assert_nonnull(memdev);
    for (size_t i = 0; i < G_N_ELEMENTS(memdev_members); i++) {
        json_t *member = json_object_get(memdev, memdev_members[i]);
        json_t *prop = qom_get(qts, "/objects/m1", memdev_members[i]);

        if (!strcmp(memdev_members[i], "reserve") && !member) {
            json_decref(prop);
            continue;   /* optional member */
        }
        g_assert_nonnull(member);
        g_assert_true(json_equal(member, prop));
        json_decref(prop);
    }
    /* guest_memfd memory says so; other memory has no such member. */
    if (bc->guest_memfd) {
        g_assert_true(json_is_true(json_object_get(memdev, "guest-memfd")));
    } else {
        g_assert_null(json_object_get(memdev, "guest-memfd"));
    }
    g_assert_cmpstr(json_string_value(json_object_get(memdev, "id")), ==,
                    "m1");
    json_decref(memdev);
    object_del(qts, "m1");
    memdev = find_memdev(qts, "m1");
    g_assert_null(memdev);
    json_decref(asked);
    qtest_quit(qts);
    unlink(file);
}

/* Inodes of shared mappings of exactly @size bytes in @pid. */
static GArray *mapped_inodes(pid_t pid, uint64_t size)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/maps", pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GArray *inodes = g_array_new(FALSE, FALSE, sizeof(uint64_t));

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        uint64_t start, end, off, ino;
        char perms[8];
        unsigned maj, min;

        if (sscanf(*l, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %"
                   SCNu64, &start, &end, perms, &off, &maj, &min, &ino) == 7 &&
            end - start == size && perms[3] == 's' && ino) {
            g_array_append_val(inodes, ino);
        }
    }
    return inodes;
}

static int count_mappings_of_size(pid_t pid, uint64_t size)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/maps", pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    int n = 0;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        uint64_t start, end;

        if (sscanf(*l, "%" SCNx64 "-%" SCNx64, &start, &end) == 2 &&
            end - start == size) {
            n++;
        }
    }
    return n;
}

static int count_fds(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/fd", pid);
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;

    g_assert_nonnull(d);
    while ((de = readdir(d))) {
        n += de->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

/*
 * The fd in QEMU whose file is mapped as the @size-byte shared mapping,
 * duplicated into this process with pidfd_getfd(2); -1 if none.
 */
static int grab_backend_fd(pid_t pid, uint64_t size)
{
    GArray *inodes = mapped_inodes(pid, size);
    g_autofree char *dir = g_strdup_printf("/proc/%d/fd", pid);
    DIR *d = opendir(dir);
    struct dirent *de;
    int found = -1;

    g_assert_nonnull(d);
    while ((de = readdir(d)) && found < 0) {
        g_autofree char *p = g_strdup_printf("%s/%s", dir, de->d_name);
        struct stat st;

        if (de->d_name[0] == '.' || stat(p, &st) < 0) {
            continue;
        }
        for (guint i = 0; i < inodes->len; i++) {
            if (g_array_index(inodes, uint64_t, i) == st.st_ino) {
                found = atoi(de->d_name);
            }
        }
    }
    closedir(d);
    g_array_free(inodes, TRUE);
    if (found >= 0) {
        int pidfd = syscall(SYS_pidfd_open, pid, 0);
        int fd;

        g_assert_cmpint(pidfd, >=, 0);
        fd = syscall(SYS_pidfd_getfd, pidfd, found, 0);
        close(pidfd);
        if (fd < 0) {
            g_test_message("pidfd_getfd: %s", strerror(errno));
        }
        return fd;
    }
    return -1;
}

typedef struct PatternCase {
    const char *name;
    const char *object;      /* -object text; @FILE@ replaced */
    bool needs_kvm;
    bool has_fd;             /* found via /proc/PID/{maps,fd} */
    bool is_file;            /* open mem-path ourselves */
} PatternCase;

static const PatternCase pattern_cases[] = {
    { "ram", "memory-backend-ram,id=mem0,size=8M", false, false, false },
    { "memfd", "memory-backend-memfd,id=mem0,size=8M", false, true, false },
    { "shm", "memory-backend-shm,id=mem0,size=8M", false, true, false },
    { "file", "memory-backend-file,id=mem0,size=8M,mem-path=@FILE@,share=on",
      false, true, true },
    { "guest-memfd", "memory-backend-guest-memfd,id=mem0,size=8M", true,
      true, false },
};

static void fill_pattern(uint8_t *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (i * 31 + seed) ^ (i >> 8);
    }
}

static void test_pattern(const void *opaque)
{
    const PatternCase *pc = opaque;
    const uint64_t size = 8 * MiB;
    const uint64_t offsets[] = { 0, 4096 + 17, size - 64 * 1024 };
    const size_t chunk = 64 * 1024 - 17;
    const char *missing = pc->needs_kvm ? qtest_guest_memfd_missing() : NULL;
    g_autofree char *file = g_strdup_printf("%s/pattern", tmpdir);
    g_autofree char *obj = expand_file(pc->object, file);
    g_autofree uint8_t *pat = g_malloc(chunk);
    g_autofree uint8_t *back = g_malloc(chunk);
    QTestState *qts;
    uint8_t *map = NULL;
    int fd = -1;

    if (missing) {
        g_test_skip(g_strdup_printf("%s not available", missing));
        return;
    }
    qts = qtest_initf("-machine none,memory-backend=mem0 -object %s %s", obj,
                      pc->needs_kvm ? "-accel kvm -S" : "");
    if (pc->is_file) {
        fd = open(file, O_RDWR);
    } else if (pc->has_fd) {
        fd = grab_backend_fd(qtest_pid(qts), size);
    }
    if (pc->has_fd) {
        g_assert_cmpint(fd, >=, 0);
        /* A second mapping of the backend's own memory. */
        map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        g_assert_true(map != MAP_FAILED);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(offsets); i++) {
        fill_pattern(pat, chunk, i + 1);
        /* qtest -> guest memory -> backend fd */
        qtest_memwrite(qts, offsets[i], pat, chunk);
        qtest_memread(qts, offsets[i], back, chunk);
        g_assert_cmpmem(back, chunk, pat, chunk);
        if (map) {
            g_assert_cmpmem(map + offsets[i], chunk, pat, chunk);
            /* backend fd -> guest memory -> qtest */
            fill_pattern(pat, chunk, i + 100);
            memcpy(map + offsets[i], pat, chunk);
            qtest_bufread(qts, offsets[i], back, chunk);
            g_assert_cmpmem(back, chunk, pat, chunk);
        }
    }
    /* Byte-wise accessors and memset land in the same memory. */
    qtest_writeq(qts, 0x100, 0x1122334455667788ULL);
    g_assert_cmphex(qtest_readl(qts, 0x104), ==, 0x11223344);
    g_assert_cmphex(qtest_readw(qts, 0x100), ==, 0x7788);
    qtest_memset(qts, 0x200, 0xa5, 32);
    g_assert_cmphex(qtest_readb(qts, 0x21f), ==, 0xa5);
    if (map) {
        g_assert_cmphex(map[0x107], ==, 0x11);
        g_assert_cmphex(map[0x200], ==, 0xa5);
        munmap(map, size);
    }
    if (fd >= 0) {
        close(fd);
    }
    qtest_quit(qts);
    unlink(file);
}

typedef struct FreeCase {
    const char *type;
    const char *props;
    bool needs_kvm;
    bool has_fd;
} FreeCase;

static const FreeCase free_cases[] = {
    { "memory-backend-ram", "\"size\": 67108864", false, false },
    { "memory-backend-memfd", "\"size\": 67108864", false, true },
    { "memory-backend-shm", "\"size\": 67108864", false, true },
    { "memory-backend-file", "\"size\": 67108864, \"share\": true, "
      "\"mem-path\": \"@FILE@\"", false, true },
    { "memory-backend-guest-memfd", "\"size\": 67108864", true, true },
};

static void test_object_del_frees(const void *opaque)
{
    const FreeCase *fc = opaque;
    const uint64_t size = 64 * MiB;
    const char *missing = fc->needs_kvm ? qtest_guest_memfd_missing() : NULL;
    g_autofree char *file = g_strdup_printf("%s/free", tmpdir);
    g_autofree char *props = expand_file(fc->props, file);
    QTestState *qts;
    pid_t pid;
    int fds0, maps0;

    if (missing) {
        g_test_skip(g_strdup_printf("%s not available", missing));
        return;
    }
    qts = qtest_init(fc->needs_kvm ? "-machine none -accel kvm -S"
                                   : "-machine none");
    pid = qtest_pid(qts);
    fds0 = count_fds(pid);
    maps0 = count_mappings_of_size(pid, size);
    for (int round = 0; round < 3; round++) {
        qmp_assert_ok(qts, object_add(qts, fc->type, "m1", props));
        g_assert_cmpint(count_mappings_of_size(pid, size), ==, maps0 + 1);
        if (fc->has_fd) {
            g_assert_cmpint(count_fds(pid), >, fds0);
        }
        object_del(qts, "m1");
        g_assert_cmpint(count_fds(pid), ==, fds0);
        g_assert_cmpint(count_mappings_of_size(pid, size), ==, maps0);
    }
    qtest_quit(qts);
    unlink(file);
}

static void test_in_use(void)
{
    QTestState *qts = qtest_init("-machine none,memory-backend=mem0 "
                                 "-object memory-backend-ram,id=mem0,"
                                 "size=4M");
    json_t *rsp = qtest_qmp(qts, "{\"execute\": \"object-del\", "
                            "\"arguments\": {\"id\": \"mem0\"}}");
    json_t *m;

    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(rsp,
                    "error"), "desc")), ==,
                    "object 'mem0' is in use, can not be deleted");
    json_decref(rsp);
    m = find_memdev(qts, "mem0");
    g_assert_nonnull(m);
    g_assert_cmpint(json_integer_value(json_object_get(m, "size")), ==,
                    4 * MiB);
    json_decref(m);
    /* Still the guest's memory. */
    qtest_writel(qts, 0x1000, 0xdeadbeef);
    g_assert_cmphex(qtest_readl(qts, 0x1000), ==, 0xdeadbeef);
    qtest_quit(qts);
}

static void test_hmp_info_memdev(void)
{
    QTestState *qts = qtest_init("-machine none");
    json_t *rsp;
    const char *text;

    qmp_assert_ok(qts, object_add(qts, "memory-backend-ram", "m1",
                                  "\"size\": 1048576, \"merge\": false"));
    rsp = qtest_qmp(qts, "{\"execute\": \"human-monitor-command\", "
                    "\"arguments\": {\"command-line\": \"info memdev\"}}");
    text = json_string_value(json_object_get(rsp, "return"));
    g_assert_nonnull(text);
    g_assert_nonnull(strstr(text, "memory backend: m1\r\n"));
    g_assert_nonnull(strstr(text, "  size:  1048576\r\n"));
    g_assert_nonnull(strstr(text, "  merge: false\r\n"));
    g_assert_nonnull(strstr(text, "  policy: default\r\n"));
    json_decref(rsp);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qtest_qemu_binary();
    tmpdir = g_dir_make_tmp("memdev-test-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    for (size_t i = 0; i < G_N_ELEMENTS(prop_cases); i++) {
        char *name = g_strdup_printf("/memdev/properties/%s/%zu",
                                     prop_cases[i].type, i);

        g_test_add_data_func(name, &prop_cases[i], test_properties);
        g_free(name);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(pattern_cases); i++) {
        char *name = g_strdup_printf("/memdev/pattern/%s",
                                     pattern_cases[i].name);

        g_test_add_data_func(name, &pattern_cases[i], test_pattern);
        g_free(name);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(free_cases); i++) {
        char *name = g_strdup_printf("/memdev/object-del-frees/%s",
                                     free_cases[i].type);

        g_test_add_data_func(name, &free_cases[i], test_object_del_frees);
        g_free(name);
    }
    g_test_add_func("/memdev/in-use", test_in_use);
    g_test_add_func("/memdev/hmp-info-memdev", test_hmp_info_memdev);
    ret = g_test_run();
    rmdir(tmpdir);
    g_free(tmpdir);
    return ret;
}
