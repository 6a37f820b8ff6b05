/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the memory backends: every type created through the
 * user-creatable path, the RAMBlocks they produce, their property rules and
 * error texts, and that failures leave no fd or mapping behind.
 */
#include "qemu/osdep.h"
#include <linux/kvm.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include "qemu/memfd.h"
#include "qemu/units.h"
#include "qemu/thread-context.h"
#include "qom/object_interfaces.h"
#include "system/hostmem.h"
#include "system/ramblock.h"
#include "system/kvm.h"
#include "proc-count.h"

#ifndef GUEST_MEMFD_FLAG_INIT_SHARED
#define GUEST_MEMFD_FLAG_INIT_SHARED (1ULL << 1)
#endif


static char *tmpdir;

static Object *create(const char *type, const char *id, const char *props,
                      Error **errp)
{
    json_error_t jerr;
    json_t *p = json_loads(props ? props : "{}", 0, &jerr);
    Object *obj;

    g_assert_nonnull(p);
    obj = user_creatable_add_type(type, id, p, errp);
    json_decref(p);
    return obj;
}

static RAMBlock *block_of(Object *obj)
{
    MemoryRegion *mr = host_memory_backend_get_memory(MEMORY_BACKEND(obj));

    g_assert_nonnull(mr);
    g_assert_nonnull(mr->ram_block);
    return mr->ram_block;
}

static void destroy(const char *id)
{
    g_assert_true(user_creatable_del(id, &error_abort));
}

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

/*
 * Mappings a failed backend could leave behind.  Memfds, guest_memfds
 * and files always show by name and are always counted.  Anonymous
 * mappings are counted too, except under ThreadSanitizer, whose runtime
 * maps and unmaps anonymous memory of its own at any moment (shadow and
 * metadata for each new mapping, its allocator): there only the named
 * ones can be compared, and the plain and ASan builds check the rest.
 */
static int count_maps(void)
{
    g_autofree char *s = NULL;
    g_auto(GStrv) lines = NULL;
    int n = 0;

    g_assert_true(g_file_get_contents("/proc/self/maps", &s, NULL, NULL));
    lines = g_strsplit(s, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(lines[i], " ", -1);
        const char *name = "";
        int fields = 0;

        if (!*lines[i]) {
            continue;
        }
        /* address perms offset dev inode [name], blank-padded */
        for (int j = 0; f[j]; j++) {
            if (*f[j] && ++fields == 6) {
                name = f[j];
                break;
            }
        }
#if defined(UNDER_TSAN) || defined(__SANITIZE_ADDRESS__)
        /*
         * The sanitizers' allocators map anonymous regions of their own
         * whenever they like; what a backend leaves behind (a file, memfd
         * or shm mapping) has a name.  The plain build counts them all.
         */
        if (!*name || *name == '[') {
            continue;
        }
#endif
        (void)name;
        n++;
    }
    return n;
}

static size_t resident_pages(void *p, size_t len)
{
    size_t ps = qemu_real_host_page_size(), n = len / ps, i, count = 0;
    g_autofree unsigned char *vec = g_malloc(n);

    g_assert_cmpint(mincore(p, len, vec), ==, 0);
    for (i = 0; i < n; i++) {
        count += vec[i] & 1;
    }
    return count;
}

/* A write through the mapping is what the fd holds. */
static void check_visible_via_pread(RAMBlock *rb)
{
    char buf[16] = "";

    memcpy(rb->host + 4096, "hello, fd", 10);
    g_assert_cmpint(pread(rb->fd, buf, 10, rb->fd_offset + 4096), ==, 10);
    g_assert_cmpstr(buf, ==, "hello, fd");
}

static void test_ram(void)
{
    Object *obj = create("memory-backend-ram", "r0",
                         "{\"size\": 4194304}", &error_abort);
    RAMBlock *rb = block_of(obj);

    g_assert_cmpuint(rb->used_length, ==, 4 * MiB);
    g_assert_cmpint(rb->fd, ==, -1);
    g_assert_cmpint(rb->guest_memfd, ==, -1);
    g_assert_false(rb->flags & (RAM_SHARED | RAM_NORESERVE |
                                RAM_GUEST_MEMFD_SHARED));
    g_assert_cmpstr(rb->idstr, ==, "r0");
    g_assert_false(object_property_get_bool(obj, "share", &error_abort));
    g_assert_true(object_property_get_bool(obj, "merge", &error_abort));
    g_assert_true(object_property_get_bool(obj, "dump", &error_abort));
    g_assert_true(object_property_get_bool(obj, "reserve", &error_abort));
    g_assert_cmpuint(object_property_get_uint(obj, "prealloc-threads",
                                              &error_abort), ==, 1);
    g_assert_cmpuint(object_property_get_uint(obj, "size", &error_abort),
                     ==, 4 * MiB);
    rb->host[4 * MiB - 1] = 1;           /* mapped and writable */
    g_assert_true(qemu_ram_block_by_name("r0") == rb);
    destroy("r0");
    g_assert_null(qemu_ram_block_by_name("r0"));
}

static void test_ram_share_reserve(void)
{
    Object *obj = create("memory-backend-ram", "r1",
                         "{\"size\": 4194304, \"share\": true,"
                         " \"reserve\": false,"
                         " \"x-use-canonical-path-for-ramblock-id\": true}",
                         &error_abort);
    RAMBlock *rb = block_of(obj);

    g_assert_true(rb->flags & RAM_SHARED);
    g_assert_true(rb->flags & RAM_NORESERVE);
    g_assert_cmpint(rb->fd, >=, 0);
    g_assert_cmpstr(rb->idstr, ==, "/objects/r1");
    check_visible_via_pread(rb);
    destroy("r1");
}

static void test_memfd(void)
{
    Object *obj = create("memory-backend-memfd", "m0",
                         "{\"size\": 4194304}", &error_abort);
    RAMBlock *rb = block_of(obj);
    json_t *gm;
    int seals;

    g_assert_true(object_property_get_bool(obj, "share", &error_abort));
    g_assert_true(object_property_get_bool(obj, "seal", &error_abort));
    /* auto, and no confidential guest converting in place: a memfd */
    gm = object_property_get(obj, "guest-memfd", &error_abort);
    g_assert_cmpstr(json_string_value(gm), ==, "auto");
    json_decref(gm);
    g_assert_true(rb->flags & RAM_SHARED);
    g_assert_cmpint(rb->fd, >=, 0);
    g_assert_cmpint(rb->guest_memfd, ==, -1);
    seals = fcntl(rb->fd, F_GET_SEALS);
    g_assert_cmpint(seals & (F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL), ==,
                    F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    check_visible_via_pread(rb);
    destroy("m0");

    obj = create("memory-backend-memfd", "m1",
                 "{\"size\": 4194304, \"seal\": false}", &error_abort);
    g_assert_cmpint(fcntl(block_of(obj)->fd, F_GET_SEALS) &
                    (F_SEAL_GROW | F_SEAL_SHRINK), ==, 0);
    destroy("m1");
}

static void test_shm(void)
{
    Object *obj = create("memory-backend-shm", "s0",
                         "{\"size\": 4194304}", &error_abort);
    RAMBlock *rb = block_of(obj);
    g_autofree char *name = g_strdup_printf("/dev/shm/qemu-%d-shm-s0",
                                            (int)getpid());

    g_assert_true(object_property_get_bool(obj, "share", &error_abort));
    g_assert_true(rb->flags & RAM_SHARED);
    g_assert_cmpint(rb->fd, >=, 0);
    /* unlinked right after creation */
    g_assert_false(g_file_test(name, G_FILE_TEST_EXISTS));
    check_visible_via_pread(rb);
    destroy("s0");
}

static void test_file_dir(void)
{
    g_autofree char *props = g_strdup_printf(
        "{\"size\": 4194304, \"mem-path\": \"%s\", \"share\": true}", tmpdir);
    Object *obj = create("memory-backend-file", "f0", props, &error_abort);
    RAMBlock *rb = block_of(obj);
    GDir *d = g_dir_open(tmpdir, 0, NULL);

    /* the temporary file is unlinked: the directory stays empty */
    g_assert_null(g_dir_read_name(d));
    g_dir_close(d);
    g_assert_true(rb->flags & RAM_SHARED);
    g_assert_true(rb->flags & RAM_NAMED_FILE);
    check_visible_via_pread(rb);
    destroy("f0");
}

static void test_file_existing(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "ram.img", NULL);
    g_autofree char *props = NULL;
    char *data = g_malloc0(8 * MiB);
    Object *obj;
    RAMBlock *rb;

    memcpy(data + 4 * MiB, "second half", 12);
    g_assert_true(g_file_set_contents(path, data, 8 * MiB, NULL));
    props = g_strdup_printf("{\"size\": 4194304, \"mem-path\": \"%s\","
                            " \"offset\": 4194304, \"readonly\": true,"
                            " \"prealloc\": true}",
                            path);
    obj = create("memory-backend-file", "f1", props, &error_abort);
    rb = block_of(obj);
    /* readonly=on, rom=auto -> ROM, private mapping of a read-only fd */
    g_assert_true(rb->flags & RAM_READONLY);
    g_assert_true(rb->flags & RAM_READONLY_FD);
    g_assert_false(rb->flags & RAM_SHARED);
    g_assert_cmpuint(rb->fd_offset, ==, 4 * MiB);
    g_assert_cmpstr((char *)rb->host, ==, "second half");
    g_assert_true(rb->mr->readonly);
    /* prealloc on a read-only fd reads the pages in */
    g_assert_cmpuint(resident_pages(rb->host, rb->used_length), ==,
                     rb->used_length / qemu_real_host_page_size());
    destroy("f1");

    /* discard-data punches the file when the backend goes away */
    g_free(props);
    props = g_strdup_printf("{\"size\": 4194304, \"mem-path\": \"%s\","
                            " \"share\": true, \"discard-data\": true}",
                            path);
    obj = create("memory-backend-file", "f2", props, &error_abort);
    g_assert_cmpint(block_of(obj)->host[0], ==, 0);
    destroy("f2");
    {
        g_autofree char *back = NULL;
        gsize len;

        g_assert_true(g_file_get_contents(path, &back, &len, NULL));
        g_assert_cmpuint(len, ==, 8 * MiB);
        g_assert_cmpint(back[4 * MiB], ==, 's');   /* outside the block */
    }
    unlink(path);
    g_free(data);
}

/*
 * readonly=on,rom=off,share=off: the file is opened read-only but the
 * guest gets a writable private copy; the file itself never changes.
 */
static void test_file_readonly_private(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "ro-priv.img", NULL);
    g_autofree char *props = NULL;
    g_autofree char *back = NULL;
    char *data = g_malloc0(4 * MiB);
    gsize len;
    Object *obj;
    RAMBlock *rb;

    memcpy(data, "original", 9);
    g_assert_true(g_file_set_contents(path, data, 4 * MiB, NULL));
    props = g_strdup_printf("{\"size\": 4194304, \"mem-path\": \"%s\","
                            " \"readonly\": true, \"rom\": \"off\"}",
                            path);
    obj = create("memory-backend-file", "frp", props, &error_abort);
    rb = block_of(obj);
    g_assert_true(rb->flags & RAM_READONLY_FD);
    g_assert_false(rb->flags & RAM_READONLY);
    g_assert_false(rb->mr->readonly);
    g_assert_cmpstr((char *)rb->host, ==, "original");
    /* would SIGSEGV on a PROT_READ mapping */
    memcpy(rb->host, "modified", 9);
    g_assert_cmpstr((char *)rb->host, ==, "modified");
    destroy("frp");
    g_assert_true(g_file_get_contents(path, &back, &len, NULL));
    g_assert_cmpuint(len, ==, 4 * MiB);
    g_assert_cmpstr(back, ==, "original");
    unlink(path);
    g_free(data);
}

static void test_file_align(void)
{
    g_autofree char *props = g_strdup_printf(
        "{\"size\": 4194304, \"mem-path\": \"%s\", \"align\": 2097152}",
        tmpdir);
    Object *obj = create("memory-backend-file", "f3", props, &error_abort);

    g_assert_cmpuint((uintptr_t)block_of(obj)->host % (2 * MiB), ==, 0);
    destroy("f3");
}

static void test_prealloc(void)
{
    Object *obj = create("memory-backend-ram", "p0",
                         "{\"size\": 8388608, \"prealloc\": true,"
                         " \"prealloc-threads\": 2}", &error_abort);
    RAMBlock *rb = block_of(obj);
    size_t ps = qemu_real_host_page_size();
    struct stat st;

    g_assert_cmpuint(resident_pages(rb->host, rb->used_length), ==,
                     rb->used_length / ps);
    destroy("p0");

    obj = create("memory-backend-memfd", "p1",
                 "{\"size\": 8388608, \"prealloc\": true,"
                 " \"prealloc-threads\": 3}", &error_abort);
    rb = block_of(obj);
    g_assert_cmpint(fstat(rb->fd, &st), ==, 0);
    g_assert_cmpuint((uint64_t)st.st_blocks * 512, >=, 8 * MiB);
    g_assert_cmpuint(st.st_size, ==, 8 * MiB);
    destroy("p1");

    /* prealloc switched on after creation takes effect at once */
    obj = create("memory-backend-ram", "p2", "{\"size\": 8388608}",
                 &error_abort);
    rb = block_of(obj);
    g_assert_cmpuint(resident_pages(rb->host, rb->used_length), ==, 0);
    g_assert_true(object_property_set_bool(obj, "prealloc", true,
                                           &error_abort));
    g_assert_cmpuint(resident_pages(rb->host, rb->used_length), ==,
                     rb->used_length / ps);
    g_assert_true(object_property_get_bool(obj, "prealloc", &error_abort));
    destroy("p2");
}

/*
 * Child of test_prealloc_keeps_file_data: in a private mount namespace,
 * fill a 4 MiB tmpfs so preallocating a 16 MiB file on it fails with
 * ENOSPC.  Returns 0 (pass), 77 (cannot set up: skip).
 */
static int prealloc_small_fs_child(void)
{
    g_autofree char *mnt = g_build_filename(tmpdir, "small-fs", NULL);
    g_autofree char *path = g_build_filename(mnt, "data.img", NULL);
    g_autofree char *props = NULL;
    g_autofree char *back = NULL;
    Error *err = NULL;
    gsize len;

    if (unshare(CLONE_NEWNS) < 0 &&
        unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
        return 77;
    }
    /* keep the tmpfs out of the parent's namespace */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mkdir(mnt, 0700) < 0 ||
        mount("tmpfs", mnt, "tmpfs", 0, "size=4m") < 0) {
        return 77;
    }
    g_assert_true(g_file_set_contents(path, "precious", 9, NULL));
    g_assert_cmpint(truncate(path, 16 * MiB), ==, 0);
    props = g_strdup_printf("{\"size\": 16777216, \"mem-path\": \"%s\","
                            " \"share\": true, \"prealloc\": true,"
                            " \"prealloc-threads\": 2}", path);
    g_assert_null(create("memory-backend-file", "pk", props, &err));
    g_assert_nonnull(err);
    g_assert_true(g_str_has_prefix(error_get_pretty(err),
                  "qemu_prealloc_mem: preallocating memory failed: "));
    error_free(err);
    /* the file the user handed us keeps its contents and its size */
    g_assert_true(g_file_get_contents(path, &back, &len, NULL));
    g_assert_cmpuint(len, ==, 16 * MiB);
    g_assert_cmpstr(back, ==, "precious");
    unlink(path);
    umount2(mnt, MNT_DETACH);
    rmdir(mnt);
    return 0;
}

/* A failed preallocation never punches holes into an existing file. */
static void test_prealloc_keeps_file_data(void)
{
    pid_t pid = fork();
    int status;

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        _exit(prealloc_small_fs_child());
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        g_test_skip("MOUNT NAMESPACE not available: cannot make a small "
                    "tmpfs to provoke ENOSPC");
        return;
    }
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

/* The VmFlags line of the mapping containing @addr, or NULL. */
static char *vmflags_of(void *addr)
{
    g_autofree char *smaps = NULL;
    g_auto(GStrv) lines = NULL;
    bool in = false;
    int i;

    g_assert_true(g_file_get_contents("/proc/self/smaps", &smaps, NULL,
                                      NULL));
    lines = g_strsplit(smaps, "\n", -1);
    for (i = 0; lines[i]; i++) {
        unsigned long lo, hi;

        /* only the mapping header lines start with "lo-hi" in hex */
        if (sscanf(lines[i], "%lx-%lx ", &lo, &hi) == 2) {
            in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
        } else if (in && g_str_has_prefix(lines[i], "VmFlags:")) {
            return g_strdup(lines[i]);
        }
    }
    return NULL;
}

static bool has_vmflag(void *addr, const char *flag)
{
    g_autofree char *f = vmflags_of(addr);
    g_autofree char *needle = g_strdup_printf(" %s", flag);

    g_assert_nonnull(f);
    return strstr(f, needle) != NULL;
}

/* merge and dump reach the mapping at creation and when changed later. */
static void test_merge_dump(void)
{
    Object *obj = create("memory-backend-ram", "md",
                         "{\"size\": 4194304, \"dump\": false}",
                         &error_abort);
    RAMBlock *rb = block_of(obj);
    /* a kernel without KSM refuses MADV_MERGEABLE: nothing to see then */
    bool ksm = madvise(rb->host, 4096, MADV_MERGEABLE) == 0;

    g_assert_true(has_vmflag(rb->host, "dd"));      /* MADV_DONTDUMP */
    g_assert_true(!ksm || has_vmflag(rb->host, "mg"));
    g_assert_true(object_property_set_bool(obj, "dump", true,
                                           &error_abort));
    g_assert_false(has_vmflag(rb->host, "dd"));
    g_assert_true(object_property_set_bool(obj, "merge", false,
                                           &error_abort));
    g_assert_false(has_vmflag(rb->host, "mg"));
    destroy("md");
}

static void expect_set_error(Object *obj, const char *prop, json_t *v,
                             const char *msg)
{
    Error *err = NULL;

    g_assert_false(object_property_set(obj, prop, v, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, msg);
    error_free(err);
    json_decref(v);
}

static void test_after_init(void)
{
    Object *obj = create("memory-backend-memfd", "a0", "{\"size\": 4194304}",
                         &error_abort);

    expect_set_error(obj, "size", json_integer(8 * MiB),
                     "cannot change property size of memory-backend-memfd ");
    expect_set_error(obj, "share", json_false(),
                     "cannot change property value");
    expect_set_error(obj, "reserve", json_false(),
                     "cannot change property value");
    expect_set_error(obj, "seal", json_false(),
                     "cannot change property value");
    /* merge and dump stay changeable */
    g_assert_true(object_property_set_bool(obj, "merge", false,
                                           &error_abort));
    g_assert_true(object_property_set_bool(obj, "dump", false,
                                           &error_abort));
    g_assert_false(object_property_get_bool(obj, "dump", &error_abort));
    destroy("a0");
}

/* Discarding gives memory back: the next read sees zeroes. */
static void test_discard(void)
{
    static const char *const types[] = {
        "memory-backend-ram", "memory-backend-memfd", "memory-backend-shm",
    };
    size_t ps = qemu_real_host_page_size();
    size_t i;

    for (i = 0; i < ARRAY_SIZE(types); i++) {
        Object *obj = create(types[i], "d0", "{\"size\": 4194304}",
                             &error_abort);
        RAMBlock *rb = block_of(obj);

        memset(rb->host, 0x5a, 4 * ps);
        g_assert_cmpint(ram_block_discard_range(rb, ps, 2 * ps), ==, 0);
        g_assert_cmpint(rb->host[0], ==, 0x5a);
        g_assert_cmpint(rb->host[ps], ==, 0);
        g_assert_cmpint(rb->host[2 * ps + ps - 1], ==, 0);
        g_assert_cmpint(rb->host[3 * ps], ==, 0x5a);
        if (rb->fd >= 0) {
            char c = 1;
            g_assert_cmpint(pread(rb->fd, &c, 1, ps), ==, 1);
            g_assert_cmpint(c, ==, 0);
        }
        /* unaligned or out of range */
        g_assert_cmpint(ram_block_discard_range(rb, 1, ps), ==, -EINVAL);
        g_assert_cmpint(ram_block_discard_range(rb, 0, 8 * MiB), ==,
                        -EINVAL);
        /* no private guest_memfd on these */
        g_assert_cmpint(ram_block_discard_guest_memfd_range(rb, 0, ps), ==,
                        -EINVAL);
        destroy("d0");
    }
}

static void *report_affinity(void *opaque)
{
    cpu_set_t *set = opaque;

    sched_getaffinity(0, sizeof(*set), set);
    return NULL;
}

/* Preallocation threads created through a thread-context. */
static void test_thread_context(void)
{
    Object *tc = create("thread-context", "tc0", "{\"cpu-affinity\": [0]}",
                        &error_abort);
    Object *tc1 = create("thread-context", "tc1",
                         "{\"node-affinity\": [0]}", &error_abort);
    cpu_set_t set;
    Object *obj;
    RAMBlock *rb;

    g_assert_true(thread_context_get_affinity(tc, &set));
    g_assert_cmpint(CPU_COUNT(&set), ==, 1);
    g_assert_true(CPU_ISSET(0, &set));
    g_assert_true(thread_context_get_affinity(tc1, &set));
    g_assert_true(CPU_ISSET(0, &set));
    /* thread-id is the context's own thread, pinned to the CPU asked */
    {
        uint64_t tid = object_property_get_uint(tc, "thread-id",
                                                &error_abort);
        g_autofree char *task = g_strdup_printf("/proc/self/task/%" PRIu64,
                                                tid);
        cpu_set_t got;
        pthread_t t;

        g_assert_cmpuint(tid, !=, (uint64_t)getpid());
        g_assert_true(g_file_test(task, G_FILE_TEST_IS_DIR));
        CPU_ZERO(&got);
        g_assert_cmpint(sched_getaffinity(tid, sizeof(got), &got), ==, 0);
        g_assert_cmpint(CPU_COUNT(&got), ==, 1);
        g_assert_true(CPU_ISSET(0, &got));
        /* a thread it creates inherits that affinity */
        CPU_ZERO(&got);
        g_assert_true(thread_context_create_thread(tc, &t, report_affinity,
                                                   &got));
        pthread_join(t, NULL);
        g_assert_cmpint(CPU_COUNT(&got), ==, 1);
        g_assert_true(CPU_ISSET(0, &got));
    }
    obj = create("memory-backend-ram", "tcm",
                 "{\"size\": 4194304, \"prealloc\": true,"
                 " \"prealloc-threads\": 2, \"prealloc-context\": \"tc0\"}",
                 &error_abort);
    rb = block_of(obj);
    g_assert_cmpuint(resident_pages(rb->host, rb->used_length), ==,
                     rb->used_length / qemu_real_host_page_size());
    destroy("tcm");
    destroy("tc1");
    destroy("tc0");
}

static void test_in_use(void)
{
    Object *obj = create("memory-backend-ram", "u0", "{\"size\": 4194304}",
                         &error_abort);
    Error *err = NULL;

    host_memory_backend_set_mapped(MEMORY_BACKEND(obj), true);
    g_assert_false(user_creatable_del("u0", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "object 'u0' is in use, can not be deleted");
    error_free(err);
    host_memory_backend_set_mapped(MEMORY_BACKEND(obj), false);
    destroy("u0");
}

typedef struct BadCase {
    const char *type;
    const char *props;        /* %s -> tmpdir */
    const char *error;        /* the whole text */
} BadCase;

static const BadCase bad_cases[] = {
    { "memory-backend-ram", "{\"size\": 0}",
      "property 'size' of memory-backend-ram doesn't take value '0'" },
    { "memory-backend-ram", "{}", "can't create backend with size 0" },
    { "memory-backend-memfd", "{}", "can't create backend with size 0" },
    { "memory-backend-shm", "{}", "can't create backend with size 0" },
    { "memory-backend-guest-memfd", "{}",
      "can't create backend with size 0" },
    { "memory-backend-file", "{\"mem-path\": \"%s\"}",
      "can't create backend with size 0" },
    { "memory-backend-ram", "{\"size\": 4096, \"prealloc-threads\": 0}",
      "property 'prealloc-threads' of memory-backend-ram doesn't take "
      "value '0'" },
    { "memory-backend-ram",
      "{\"size\": 4096, \"prealloc\": true, \"reserve\": false}",
      "'prealloc=on' and 'reserve=off' are incompatible" },
    { "memory-backend-ram",
      "{\"size\": 4096, \"reserve\": false, \"prealloc\": true}",
      "'prealloc=on' and 'reserve=off' are incompatible" },
    { "memory-backend-ram", "{\"size\": 4096, \"host-nodes\": [0, 128]}",
      "Invalid host-nodes value: 128" },
    { "memory-backend-ram", "{\"size\": 4096, \"host-nodes\": [0]}",
      "host-nodes must be empty for policy default, or you should "
      "explicitly specify a policy other than default" },
    { "memory-backend-ram", "{\"size\": 4096, \"policy\": \"bind\"}",
      "host-nodes must be set for policy bind" },
    { "memory-backend-ram", "{\"size\": 4096, \"policy\": \"interleave\"}",
      "host-nodes must be set for policy interleave" },
    { "memory-backend-ram",
      "{\"size\": 4096, \"host-nodes\": [127], \"policy\": \"bind\"}",
      "cannot bind memory to host NUMA nodes: Invalid argument" },
    { "memory-backend-memfd",
      "{\"size\": 4096, \"host-nodes\": [127], \"policy\": \"preferred\"}",
      "cannot bind memory to host NUMA nodes: Invalid argument" },
    { "memory-backend-shm", "{\"size\": 4096, \"share\": false}",
      "can't create shm backend with `share=off`" },
    { "memory-backend-file", "{\"size\": 4096}",
      "mem-path property not set" },
    { "memory-backend-file",
      "{\"size\": 4096, \"mem-path\": \"%s\", \"rom\": \"on\"}",
      "property 'rom' = 'on' is not supported with 'readonly' = 'off'" },
    { "memory-backend-file",
      "{\"size\": 4096, \"mem-path\": \"%s/ro\", \"rom\": \"off\","
      " \"readonly\": true, \"share\": true}",
      "property 'rom' = 'off' is incompatible with 'readonly' = 'on' and "
      "'share' = 'on'" },
    { "memory-backend-file",
      "{\"size\": 4096, \"mem-path\": \"%s/missing\", \"readonly\": true}",
      "can't open backing store %s/missing for guest RAM: No such file or "
      "directory" },
    { "memory-backend-file",
      "{\"size\": 4096, \"mem-path\": \"%s/small\", \"offset\": 4096}",
      "bad backing store size 0x1000 is too small for 'size' option "
      "0x1000 plus 'offset' option 0x1000" },
    { "memory-backend-file",
      "{\"size\": 4096, \"mem-path\": \"%s\", \"align\": 12288}",
      "alignment 0x3000 must be a power of two" },
    { "memory-backend-file",
      "{\"size\": 4096, \"mem-path\": \"%s\", \"align\": 2048}",
      "alignment 0x800 must be multiples of page size 0x1000" },
    { "memory-backend-file",
      "{\"size\": 4096, \"mem-path\": \"%s\", \"offset\": 100}",
      "offset 0x64 must be multiples of page size 0x1000" },
    { "memory-backend-memfd",
      "{\"size\": 4096, \"guest-memfd\": \"on\", \"share\": false}",
      "Guest-memfd=on must be used with share=on" },
    { "memory-backend-memfd",
      "{\"size\": 4096, \"guest-memfd\": \"on\", \"seal\": true}",
      "guest-memfd=on cannot be used with seal" },
    { "memory-backend-memfd",
      "{\"size\": 4096, \"seal\": false, \"guest-memfd\": \"on\"}",
      "guest-memfd=on cannot be used with seal" },
    { "memory-backend-guest-memfd", "{\"size\": 4096, \"share\": false}",
      "memory-backend-guest-memfd requires share=on" },
    { "memory-backend-ram", "{\"size\": 4096, \"prealloc\": true,"
      " \"prealloc-context\": \"nosuch\"}", "Device 'nosuch' not found" },
    { "memory-backend-ram", "{\"size\": 4096, \"policy\": \"preferred\"}",
      "host-nodes must be set for policy preferred" },
    { "memory-backend-guest-memfd",
      "{\"size\": 4096, \"reserve\": false, \"prealloc\": true}",
      "'prealloc=on' and 'reserve=off' are incompatible" },
    { "memory-backend-file",
      "{\"size\": 4096, \"mem-path\": \"/nonexistent-dir/f\"}",
      "can't open backing store /nonexistent-dir/f for guest RAM: No such "
      "file or directory" },
    { "memory-backend-file",
      "{\"size\": 2048, \"mem-path\": \"%s\"}",
      "memory size 0x800 must be equal to or larger than page size 0x1000" },
    { "memory-backend-memfd",
      "{\"size\": 4096, \"prealloc-threads\": 0}",
      "property 'prealloc-threads' of memory-backend-memfd doesn't take "
      "value '0'" },
    { "memory-backend-shm", "{\"size\": 0}",
      "property 'size' of memory-backend-shm doesn't take value '0'" },
    { "memory-backend-guest-memfd",
      "{\"size\": 4096, \"host-nodes\": [300], \"policy\": \"bind\"}",
      "Invalid host-nodes value: 300" },
    { "thread-context", "{\"cpu-affinity\": [1000]}",
      "Setting CPU affinity failed: Invalid argument" },
    { "thread-context", "{\"node-affinity\": [127]}",
      "Cannot determine CPUs of host NUMA node 127" },
    /* a file alloc created must go when binding fails after it */
    { "memory-backend-file",
      "{\"size\": 4096, \"mem-path\": \"%s/bindfail\","
      " \"host-nodes\": [127], \"policy\": \"bind\"}",
      "cannot bind memory to host NUMA nodes: Invalid argument" },
    /* offset + size wrapping past 2^64 must not pass the size check */
    { "memory-backend-file",
      "{\"size\": 8192, \"mem-path\": \"%s/small\","
      " \"offset\": -4096}",
      "'size' option 0x2000 plus 'offset' option 0xfffffffffffff000 is "
      "beyond the largest file size" },
    { "memory-backend-file",
      "{\"size\": 8192, \"mem-path\": \"%s/wrap\","
      " \"offset\": -4096}",
      "'size' option 0x2000 plus 'offset' option 0xfffffffffffff000 is "
      "beyond the largest file size" },
    { "memory-backend-file",
      "{\"size\": -4095, \"mem-path\": \"%s\"}",
      "'size' option 0xfffffffffffff001 plus 'offset' option 0x0 is "
      "beyond the largest file size" },
    { "memory-backend-ram", "{\"size\": -4095}",
      "cannot set up guest memory 'bad': size 0xfffffffffffff001 is too "
      "large" },
};

/* hugetlb cases only where MFD_HUGETLB registers the properties */
static const BadCase bad_hugetlb_cases[] = {
    { "memory-backend-memfd",
      "{\"size\": 4194304, \"hugetlb\": true, \"hugetlbsize\": 4194304}",
      "failed to create memfd: @HUGE4M_ERRNO@" },
    { "memory-backend-memfd",
      "{\"size\": 4194304, \"hugetlb\": true, \"hugetlbsize\": 3145728}",
      "Hugepage size must be a power of 2" },
    { "memory-backend-memfd", "{\"size\": 4194304, \"hugetlbsize\": 0}",
      "property 'hugetlbsize' of memory-backend-memfd doesn't take "
      "value '0'" },
    { "memory-backend-memfd",
      "{\"size\": 4194304, \"guest-memfd\": \"on\", \"hugetlb\": false}",
      "guest-memfd=on cannot be used with hugetlb" },
    { "memory-backend-memfd",
      "{\"size\": 4194304, \"guest-memfd\": \"on\","
      " \"hugetlbsize\": 2097152}",
      "guest-memfd=on cannot be used with hugetlbsize" },
};

/*
 * What the kernel answers a 4 MiB hugetlb memfd (x86 has no such page
 * size; kernels differ in the errno): asked directly, as the oracle.
 */
static const char *huge4m_strerror(void)
{
    int fd = memfd_create("probe", MFD_CLOEXEC | MFD_HUGETLB |
                          (22u << MFD_HUGE_SHIFT));

    if (fd >= 0) {
        close(fd);
        return "(no error)";
    }
    return g_strerror(errno);
}

static void run_bad_case(const BadCase *c)
{
    g_autofree char *props = g_strdup_printf(c->props, tmpdir);
    g_autofree char *fmt = g_strdup_printf(c->error, tmpdir);
    g_auto(GStrv) parts = g_strsplit(fmt, "@HUGE4M_ERRNO@", -1);
    g_autofree char *want = g_strjoinv(huge4m_strerror(), parts);
    int fds = count_fds(), maps = count_maps();
    Error *err = NULL;

    g_assert_null(create(c->type, "bad", props, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, want);
    error_free(err);
    /* nothing left: no object, no fd, no mapping, no file */
    g_assert_null(object_resolve_path_component(object_get_objects_root(),
                                                "bad"));
    g_assert_cmpint(count_fds(), ==, fds);
    g_assert_cmpint(count_maps(), ==, maps);
}

static bool hugetlb_pool_has_pages(void)
{
    g_autofree char *s = NULL;

    return g_file_get_contents("/sys/kernel/mm/hugepages/hugepages-2048kB/"
                               "free_hugepages", &s, NULL, NULL) && atoi(s);
}

static void test_bad_input(void)
{
    g_autofree char *small = g_build_filename(tmpdir, "small", NULL);
    g_autofree char *ro = g_build_filename(tmpdir, "ro", NULL);
    size_t i;

    g_assert_true(g_file_set_contents(small, "x", 4096 - 4095, NULL));
    g_assert_cmpint(truncate(small, 4096), ==, 0);
    g_assert_true(g_file_set_contents(ro, "", 0, NULL));
    g_assert_cmpint(truncate(ro, 4096), ==, 0);
    if (g_file_test("/sys/devices/system/node/node127", G_FILE_TEST_EXISTS)) {
        g_test_message("host has node 127: mbind cases are not errors");
    }
    for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        if (strstr(bad_cases[i].props, "[127]") &&
            g_file_test("/sys/devices/system/node/node127",
                        G_FILE_TEST_EXISTS)) {
            continue;
        }
        g_test_message("case %zu: %s %s", i, bad_cases[i].type,
                       bad_cases[i].props);
        run_bad_case(&bad_cases[i]);
    }
    if (qemu_memfd_check(MFD_HUGETLB)) {
        for (i = 0; i < ARRAY_SIZE(bad_hugetlb_cases); i++) {
            g_test_message("hugetlb case %zu: %s", i,
                           bad_hugetlb_cases[i].props);
            run_bad_case(&bad_hugetlb_cases[i]);
        }
        if (!hugetlb_pool_has_pages()) {
            static const BadCase no_pages = {
                "memory-backend-memfd",
                "{\"size\": 4194304, \"hugetlb\": true}",
                "unable to map backing store for guest RAM: Cannot allocate"
                " memory",
            };
            run_bad_case(&no_pages);
        }
    }
    unlink(small);
    unlink(ro);
    /* a failing file backend never leaves a file it created */
    {
        GDir *d = g_dir_open(tmpdir, 0, NULL);
        g_assert_null(g_dir_read_name(d));
        g_dir_close(d);
    }
}

/* Without KVM both guest_memfd designs fail cleanly. */
static void test_guest_memfd_no_kvm(void)
{
    static const BadCase cases[] = {
        { "memory-backend-guest-memfd", "{\"size\": 4194304}",
          "guest-memfd requires KVM accelerator" },
        { "memory-backend-memfd",
          "{\"size\": 4194304, \"guest-memfd\": \"on\"}",
          "guest-memfd requires KVM accelerator" },
    };
    size_t i;

    if (kvm_get_caps() && kvm_enabled()) {
        g_test_skip("KVM already initialised in this process");
        return;
    }
    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        run_bad_case(&cases[i]);
    }
}

static bool kvm_ready(void)
{
    static int ready = -1;
    Error *err = NULL;
    const KVMCaps *caps;
    int fd;

    if (ready >= 0) {
        return ready;
    }
    ready = 0;
    fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        g_test_skip("KVM not available: cannot open /dev/kvm");
        return false;
    }
    close(fd);
    if (!kvm_accel_init(0, &err)) {
        g_test_message("%s", error_get_pretty(err));
        error_free(err);
        g_test_skip("KVM not available: VM creation failed");
        return false;
    }
    caps = kvm_get_caps();
    if (!caps->guest_memfd ||
        !(caps->guest_memfd_flags & GUEST_MEMFD_FLAG_INIT_SHARED)) {
        g_test_skip("KVM_CAP_GUEST_MEMFD_FLAGS not available: no "
                    "MMAP|INIT_SHARED guest_memfd (needs Linux 6.18)");
        return false;
    }
    ready = 1;
    return true;
}

static void check_gmem_block(Object *obj)
{
    RAMBlock *rb = block_of(obj);
    char *alias;

    g_assert_true(rb->flags & RAM_SHARED);
    g_assert_true(rb->flags & RAM_GUEST_MEMFD_SHARED);
    g_assert_cmpint(rb->fd, >=, 0);
    g_assert_cmpint(rb->guest_memfd, >=, 0);
    g_assert_cmpint(rb->guest_memfd, !=, rb->fd);
    g_assert_cmpuint(rb->guest_memfd_offset, ==, rb->fd_offset);
    g_assert_true(host_memory_backend_is_guest_memfd(MEMORY_BACKEND(obj)));
    /* no read() on a guest_memfd: look through a second mapping */
    memcpy(rb->host + 8192, "gmem", 5);
    alias = mmap(NULL, rb->used_length, PROT_READ, MAP_SHARED,
                 rb->guest_memfd, rb->guest_memfd_offset);
    g_assert(alias != MAP_FAILED);
    g_assert_cmpstr(alias + 8192, ==, "gmem");
    munmap(alias, rb->used_length);
}

static void test_guest_memfd(void)
{
    Object *obj;
    struct stat st;

    if (!kvm_ready()) {
        return;
    }
    obj = create("memory-backend-guest-memfd", "g0",
                 "{\"size\": 8388608, \"prealloc\": true,"
                 " \"prealloc-threads\": 2}", &error_abort);
    g_assert_true(object_property_get_bool(obj, "share", &error_abort));
    /*
     * guest_memfd reports neither st_blocks nor mincore residency, so the
     * fallocate path is checked on memfd (test-prealloc); here prealloc
     * must simply succeed with KEEP_SIZE and leave the size alone.
     */
    g_assert_cmpint(fstat(block_of(obj)->fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 8 * MiB);
    check_gmem_block(obj);
    /* punching the guest_memfd zeroes what the mapping shows */
    memset(block_of(obj)->host, 0x77, 8192);
    g_assert_cmpint(ram_block_discard_guest_memfd_range(block_of(obj), 0,
                                                        4096), ==, 0);
    g_assert_cmpint(block_of(obj)->host[0], ==, 0);
    g_assert_cmpint(block_of(obj)->host[4096], ==, 0x77);
    g_assert_cmpint(ram_block_discard_range(block_of(obj), 4096, 4096), ==,
                    0);
    g_assert_cmpint(block_of(obj)->host[4096], ==, 0);
    destroy("g0");

    /* the seal default (true) does not count as "seal given" */
    obj = create("memory-backend-memfd", "g1",
                 "{\"size\": 8388608, \"guest-memfd\": \"on\"}", &error_abort);
    g_assert_true(object_property_get_bool(obj, "seal", &error_abort));
    check_gmem_block(obj);
    destroy("g1");
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    module_call_init_qom();
    tmpdir = g_dir_make_tmp("test-hostmem-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);

    g_test_add_func("/hostmem/ram/basic", test_ram);
    g_test_add_func("/hostmem/ram/share-reserve", test_ram_share_reserve);
    g_test_add_func("/hostmem/memfd/basic", test_memfd);
    g_test_add_func("/hostmem/shm/basic", test_shm);
    g_test_add_func("/hostmem/file/dir", test_file_dir);
    g_test_add_func("/hostmem/file/existing", test_file_existing);
    g_test_add_func("/hostmem/file/align", test_file_align);
    g_test_add_func("/hostmem/file/readonly-private",
                    test_file_readonly_private);
    g_test_add_func("/hostmem/prealloc", test_prealloc);
    g_test_add_func("/hostmem/prealloc-keeps-file-data",
                    test_prealloc_keeps_file_data);
    g_test_add_func("/hostmem/after-init", test_after_init);
    g_test_add_func("/hostmem/in-use", test_in_use);
    g_test_add_func("/hostmem/thread-context", test_thread_context);
    g_test_add_func("/hostmem/discard", test_discard);
    g_test_add_func("/hostmem/merge-dump", test_merge_dump);
    g_test_add_func("/hostmem/bad-input", test_bad_input);
    g_test_add_func("/hostmem/guest-memfd/no-kvm", test_guest_memfd_no_kvm);
    g_test_add_func("/hostmem/guest-memfd/kvm", test_guest_memfd);
    ret = g_test_run();
    rmdir(tmpdir);
    return ret;
}
