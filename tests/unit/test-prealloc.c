/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of qemu_prealloc_mem(): population, data safety and errors. */
#include "qemu/osdep.h"
#include <sys/syscall.h>
#include <linux/falloc.h>
#include "qemu/memfd.h"
#include "system/hostmem.h"

#define AREA_SIZE (32u << 20)

/* Number of pages of [p, p+len) that mincore() reports resident. */
static size_t resident_pages(void *p, size_t len)
{
    size_t ps = qemu_real_host_page_size(), n = len / ps, i, count = 0;
    unsigned char *vec = g_malloc(n);

    g_assert_cmpint(mincore(p, len, vec), ==, 0);
    for (i = 0; i < n; i++) {
        count += vec[i] & 1;
    }
    g_free(vec);
    return count;
}

/* Bytes the fd has allocated, from st_blocks. */
static uint64_t fd_allocated(int fd)
{
    struct stat st;

    g_assert_cmpint(fstat(fd, &st), ==, 0);
    return (uint64_t)st.st_blocks * 512;
}

static void test_anon(gconstpointer data)
{
    int threads = GPOINTER_TO_INT(data);
    size_t ps = qemu_real_host_page_size();
    char *p = mmap(NULL, AREA_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    Error *err = NULL;

    g_assert(p != MAP_FAILED);
    madvise(p, AREA_SIZE, MADV_NOHUGEPAGE);
    g_assert_cmpuint(resident_pages(p, AREA_SIZE), ==, 0);
    g_assert_true(qemu_prealloc_mem(-1, 0, p, AREA_SIZE, threads, false,
                                    &err));
    g_assert_null(err);
    g_assert_cmpuint(resident_pages(p, AREA_SIZE), ==, AREA_SIZE / ps);
    munmap(p, AREA_SIZE);
}

static void test_memfd(gconstpointer data)
{
    int threads = GPOINTER_TO_INT(data);
    Error *err = NULL;
    int fd = qemu_memfd_create("test-prealloc", AREA_SIZE, false, 0,
                               F_SEAL_GROW | F_SEAL_SHRINK, &err);
    char *p;

    g_assert_null(err);
    g_assert_cmpint(fd, >=, 0);
    p = mmap(NULL, AREA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    g_assert(p != MAP_FAILED);
    g_assert_cmpuint(fd_allocated(fd), ==, 0);
    g_assert_true(qemu_prealloc_mem(fd, 0, p, AREA_SIZE, threads, false,
                                    &err));
    g_assert_null(err);
    /* every page of the file is allocated, and the size did not change */
    g_assert_cmpuint(fd_allocated(fd), >=, AREA_SIZE);
    g_assert_cmpint(lseek(fd, 0, SEEK_END), ==, AREA_SIZE);
    munmap(p, AREA_SIZE);
    close(fd);
}

/* Only the window [off, off+len) of the fd is populated. */
static void test_memfd_offset(void)
{
    size_t ps = qemu_real_host_page_size();
    Error *err = NULL;
    int fd = qemu_memfd_create("test-prealloc", AREA_SIZE, false, 0, 0,
                               &err);
    char *p;

    g_assert_cmpint(fd, >=, 0);
    p = mmap(NULL, AREA_SIZE / 2, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
             AREA_SIZE / 2);
    g_assert(p != MAP_FAILED);
    g_assert_true(qemu_prealloc_mem(fd, AREA_SIZE / 2, p, 16 * ps, 3, false,
                                    &err));
    /* shmem counts fallocated pages in st_blocks; nothing else is there */
    g_assert_cmpuint(fd_allocated(fd), ==, 16 * ps);
    munmap(p, AREA_SIZE / 2);
    close(fd);
}

/* Preallocating memory that holds data must keep the data. */
static void test_keeps_data(void)
{
    size_t ps = qemu_real_host_page_size(), i;
    Error *err = NULL;
    int fd = qemu_memfd_create("test-prealloc", AREA_SIZE, false, 0, 0,
                               &err);
    char *p, *q;

    g_assert_cmpint(fd, >=, 0);
    p = mmap(NULL, AREA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    q = mmap(NULL, AREA_SIZE, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert(p != MAP_FAILED && q != MAP_FAILED);
    for (i = 0; i < AREA_SIZE; i += 7 * ps) {
        p[i] = (char)(i / ps + 1);
        q[i + 1] = (char)(i / ps + 2);
    }
    g_assert_true(qemu_prealloc_mem(fd, 0, p, AREA_SIZE, 2, false, &err));
    g_assert_true(qemu_prealloc_mem(-1, 0, q, AREA_SIZE, 2, false, &err));
    for (i = 0; i < AREA_SIZE; i += ps) {
        g_assert_cmpint(p[i], ==, i % (7 * ps) ? 0 : (char)(i / ps + 1));
        g_assert_cmpint(q[i + 1], ==,
                        i % (7 * ps) ? 0 : (char)(i / ps + 2));
    }
    munmap(p, AREA_SIZE);
    munmap(q, AREA_SIZE);
    close(fd);
}

/* More threads than pages, and a page count not divisible by them. */
static void test_odd_split(void)
{
    size_t ps = qemu_real_host_page_size();
    char *p = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *q = mmap(NULL, 37 * ps, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    g_assert(p != MAP_FAILED && q != MAP_FAILED);
    g_assert_true(qemu_prealloc_mem(-1, 0, p, 3 * ps, 16, false,
                                    &error_abort));
    g_assert_cmpuint(resident_pages(p, 3 * ps), ==, 3);
    g_assert_true(qemu_prealloc_mem(-1, 0, q, 37 * ps, 4, false,
                                    &error_abort));
    g_assert_cmpuint(resident_pages(q, 37 * ps), ==, 37);
    munmap(p, 3 * ps);
    munmap(q, 37 * ps);
}

/* An fd that cannot fallocate: prealloc falls back to populating. */
static void test_fallocate_fallback(void)
{
    size_t ps = qemu_real_host_page_size();
    int fd = open("/dev/zero", O_RDWR);
    char *p;

    g_assert_cmpint(fd, >=, 0);
    p = mmap(NULL, 64 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    g_assert(p != MAP_FAILED);
    g_assert_cmpint(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, ps), <, 0);
    g_assert_cmpuint(resident_pages(p, 64 * ps), ==, 0);
    g_assert_true(qemu_prealloc_mem(fd, 0, p, 64 * ps, 2, false,
                                    &error_abort));
    g_assert_cmpuint(resident_pages(p, 64 * ps), ==, 64);
    munmap(p, 64 * ps);
    close(fd);
}

static void test_unaligned(void)
{
    size_t ps = qemu_real_host_page_size();
    char *p = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    Error *err = NULL;

    g_assert_false(qemu_prealloc_mem(-1, 0, p + 1, 2 * ps, 1, false, &err));
    g_assert_nonnull(err);
    error_free(err);
    munmap(p, 4 * ps);
}

/* A mapping that cannot be populated: one error with the errno. */
static void test_fault_error(void)
{
    size_t ps = qemu_real_host_page_size();
    char *p = mmap(NULL, 4 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    Error *err = NULL;

    g_assert_false(qemu_prealloc_mem(-1, 0, p, 4 * ps, 2, false, &err));
    g_assert_nonnull(err);
    g_assert_true(g_str_has_prefix(error_get_pretty(err),
                  "qemu_prealloc_mem: preallocating memory failed: "));
    error_free(err);
    munmap(p, 4 * ps);
}

/*
 * Huge pages that the pool cannot supply: fallocate fails with ENOSPC, the
 * caller gets one error and nothing stays allocated.
 */
static void test_hugetlb_enospc(void)
{
    Error *err = NULL;
    char *p;
    int fd;
    size_t hps;
    g_autofree char *free_pages = NULL;
    g_autofree char *path = NULL;

    if (!qemu_memfd_check(MFD_HUGETLB)) {
        g_test_skip("MFD_HUGETLB not available: no hugetlbfs in this kernel");
        return;
    }
    fd = qemu_memfd_create("test-prealloc", 0, true, 0, 0, &err);
    g_assert_cmpint(fd, >=, 0);
    hps = qemu_fd_getpagesize(fd);
    path = g_strdup_printf("/sys/kernel/mm/hugepages/hugepages-%zukB/"
                           "free_hugepages", hps >> 10);
    if (!g_file_get_contents(path, &free_pages, NULL, NULL) ||
        atoi(free_pages) >= 64) {
        g_test_skip("HUGETLB pool has free pages: cannot provoke ENOSPC");
        close(fd);
        return;
    }
    g_assert_cmpint(ftruncate(fd, 64 * hps), ==, 0);
    p = mmap(NULL, 64 * hps, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_NORESERVE, fd, 0);
    g_assert(p != MAP_FAILED);
    g_assert_false(qemu_prealloc_mem(fd, 0, p, 64 * hps, 2, false, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "qemu_prealloc_mem: preallocating memory failed: "
                    "No space left on device");
    error_free(err);
    g_assert_cmpuint(fd_allocated(fd), ==, 0);
    munmap(p, 64 * hps);
    close(fd);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/prealloc/anon/1-thread", GINT_TO_POINTER(1),
                         test_anon);
    g_test_add_data_func("/prealloc/anon/4-threads", GINT_TO_POINTER(4),
                         test_anon);
    g_test_add_data_func("/prealloc/memfd/1-thread", GINT_TO_POINTER(1),
                         test_memfd);
    g_test_add_data_func("/prealloc/memfd/3-threads", GINT_TO_POINTER(3),
                         test_memfd);
    g_test_add_func("/prealloc/memfd/offset", test_memfd_offset);
    g_test_add_func("/prealloc/keeps-data", test_keeps_data);
    g_test_add_func("/prealloc/odd-split", test_odd_split);
    g_test_add_func("/prealloc/unaligned", test_unaligned);
    g_test_add_func("/prealloc/fallocate-fallback", test_fallocate_fallback);
    g_test_add_func("/prealloc/fault-error", test_fault_error);
    g_test_add_func("/prealloc/hugetlb-enospc", test_hugetlb_enospc);
    return g_test_run();
}
