/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory preallocation: populate a RAM area with several threads, using
 * fallocate() on the backing fd where possible (no page table work, the
 * kernel defers zeroing to first touch), MADV_POPULATE_WRITE for anonymous
 * memory, and touching pages only when the kernel offers neither.
 */
#include "qemu/osdep.h"
#include <pthread.h>
#include <sched.h>
#include <linux/falloc.h>
#include "qemu/memfd.h"
#include "system/hostmem.h"
#include "qemu/thread-context.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

typedef enum PreallocMethod {
    PREALLOC_FALLOCATE,
    PREALLOC_POPULATE_WRITE,
    PREALLOC_POPULATE_READ,
    PREALLOC_TOUCH,
} PreallocMethod;

typedef struct PreallocChunk {
    int fd;
    uint64_t fd_offset;        /* of @addr */
    char *addr;
    size_t len;
    size_t pagesize;
    PreallocMethod method;
    int err;                   /* 0 or a positive errno */
} PreallocChunk;

static QemuGmemFallocateFn gmem_fallocate_fn;

void qemu_prealloc_set_gmem_fallocate(QemuGmemFallocateFn fn)
{
    gmem_fallocate_fn = fn;
}

/* fallocate(): 0 or -errno; a guest_memfd goes through the KVM seam. */
static int prealloc_fallocate(int fd, bool is_gmem, int mode,
                              uint64_t offset, uint64_t len)
{
    if (is_gmem && gmem_fallocate_fn) {
        return gmem_fallocate_fn(fd, mode, offset, len);
    }
    return fallocate(fd, mode, offset, len) < 0 ? -errno : 0;
}

static int do_madvise_retry(char *addr, size_t len, int advice)
{
    while (madvise(addr, len, advice) < 0) {
        if (errno != EINTR && errno != EAGAIN) {
            return errno;
        }
    }
    return 0;
}

/*
 * Linux < 5.14 has no MADV_POPULATE_*: probe once on a scratch page, so a
 * real EINVAL later is reported instead of touching pages that may fault.
 */
static bool madv_populate_supported(void)
{
    /*
     * Every prealloc thread asks: atomic, and a second concurrent probe is
     * harmless (same answer).  A plain int here was a data race (TSan).
     */
    static int supported = -1;
    int v = g_atomic_int_get(&supported);

    if (v < 0) {
        size_t ps = qemu_real_host_page_size();
        void *p = mmap(NULL, ps, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        v = p != MAP_FAILED && madvise(p, ps, MADV_POPULATE_WRITE) == 0;
        if (p != MAP_FAILED) {
            munmap(p, ps);
        }
        g_atomic_int_set(&supported, v);
    }
    return v;
}

static void touch_pages(char *addr, size_t len, size_t pagesize)
{
    size_t off;

    /* Read then write the same byte: populates without changing data. */
    for (off = 0; off < len; off += pagesize) {
        volatile char *p = addr + off;
        *p = *p;
    }
}

static int prealloc_chunk_populate(PreallocChunk *c)
{
    if (c->method == PREALLOC_POPULATE_WRITE ||
        c->method == PREALLOC_POPULATE_READ) {
        if (madv_populate_supported()) {
            return do_madvise_retry(c->addr, c->len,
                                    c->method == PREALLOC_POPULATE_WRITE ?
                                    MADV_POPULATE_WRITE : MADV_POPULATE_READ);
        }
        c->method = PREALLOC_TOUCH;
    }
    touch_pages(c->addr, c->len, c->pagesize);
    return 0;
}

static int prealloc_chunk(PreallocChunk *c, bool fd_is_guest_memfd)
{
    int ret;

    if (c->method == PREALLOC_FALLOCATE) {
        /*
         * KEEP_SIZE: guest_memfd requires it, and a sealed memfd or a file
         * must never grow because of preallocation.
         */
        while ((ret = prealloc_fallocate(c->fd, fd_is_guest_memfd,
                                         FALLOC_FL_KEEP_SIZE, c->fd_offset,
                                         c->len)) < 0) {
            errno = -ret;
            if (errno == EINTR) {
                continue;      /* allocation is idempotent: just retry */
            }
            /* ENODEV: not a regular file (e.g. a character device) */
            if (errno == EOPNOTSUPP || errno == ENOSYS || errno == ENODEV) {
                c->method = PREALLOC_POPULATE_WRITE;
                break;
            }
            if (errno == EBADF && !fd_is_guest_memfd) {
                /* fd opened read-only: all we can do is read it in */
                c->method = PREALLOC_POPULATE_READ;
                break;
            }
            return errno;
        }
        if (c->method == PREALLOC_FALLOCATE) {
            return 0;
        }
    }
    return prealloc_chunk_populate(c);
}

typedef struct PreallocThread {
    PreallocChunk chunk;
    bool fd_is_guest_memfd;
    pthread_t thread;
    bool started;
} PreallocThread;

static void *prealloc_thread_fn(void *opaque)
{
    PreallocThread *t = opaque;

    t->chunk.err = prealloc_chunk(&t->chunk, t->fd_is_guest_memfd);
    return NULL;
}

/*
 * Is nothing of the range populated yet?  Only then may a failed
 * preallocation hand memory back without destroying data someone wrote.
 */
static bool prealloc_range_is_empty(int fd, uint64_t fd_offset, char *area,
                                    size_t sz, bool fd_is_guest_memfd)
{
    size_t hps = qemu_real_host_page_size();
    size_t npages = sz / hps, i;
    unsigned char *vec;
    bool empty = true;

    if (fd >= 0) {
        off_t data = lseek(fd, fd_offset, SEEK_DATA);
        if (data < 0 && errno == ENXIO) {
            return true;
        }
        if (data >= 0) {
            return (uint64_t)data >= fd_offset + sz;
        }
        /*
         * guest_memfd has neither SEEK_DATA nor mincore residency: assume
         * it holds data rather than risk punching it.
         */
        if (fd_is_guest_memfd) {
            return false;
        }
    }
    vec = g_try_malloc(npages ? npages : 1);
    if (!vec || mincore(area, sz, vec) < 0) {
        g_free(vec);
        return false;
    }
    for (i = 0; i < npages; i++) {
        if (vec[i] & 1) {
            empty = false;
            break;
        }
    }
    g_free(vec);
    return empty;
}

static void prealloc_give_back(int fd, uint64_t fd_offset, char *area,
                               size_t sz, bool fd_is_guest_memfd)
{
    if (fd >= 0 &&
        prealloc_fallocate(fd, fd_is_guest_memfd,
                           FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                           fd_offset, sz) == 0) {
        return;
    }
    /* anonymous memory (or a private mapping of a file) */
    madvise(area, sz, MADV_DONTNEED);
}

bool qemu_prealloc_mem_affinity(int fd, uint64_t fd_offset, char *area,
                                size_t sz, int max_threads,
                                bool fd_is_guest_memfd,
                                Object *context, bool fresh,
                                Error **errp)
{
    size_t pagesize = fd >= 0 ? qemu_fd_getpagesize(fd)
                              : qemu_real_host_page_size();
    size_t npages, per, extra, done = 0;
    PreallocThread *threads;
    int nthreads, i, err = 0;

    if (!sz) {
        return true;
    }
    npages = sz / pagesize;
    if (!npages || (uintptr_t)area % pagesize || sz % pagesize) {
        error_setg(errp, "qemu_prealloc_mem: area %p+0x%zx is not aligned "
                   "to its page size 0x%zx", area, sz, pagesize);
        return false;
    }
    nthreads = max_threads < 1 ? 1 : max_threads;
    if ((size_t)nthreads > npages) {
        nthreads = npages;
    }
    if (!fresh) {
        fresh = prealloc_range_is_empty(fd, fd_offset, area, sz,
                                        fd_is_guest_memfd);
    }

    threads = g_new0(PreallocThread, nthreads);
    per = npages / nthreads;
    extra = npages % nthreads;
    for (i = 0; i < nthreads; i++) {
        size_t pages = per + ((size_t)i < extra ? 1 : 0);
        PreallocChunk *c = &threads[i].chunk;

        c->fd = fd;
        c->fd_offset = fd_offset + done * pagesize;
        c->addr = area + done * pagesize;
        c->len = pages * pagesize;
        c->pagesize = pagesize;
        c->method = fd >= 0 ? PREALLOC_FALLOCATE : PREALLOC_POPULATE_WRITE;
        threads[i].fd_is_guest_memfd = fd_is_guest_memfd;
        done += pages;
    }

    /*
     * The calling thread does the first chunk itself, unless a context
     * was given: then every chunk, the first one too, is populated by a
     * thread the context created on its CPUs (first touch decides the
     * NUMA node).
     */
    for (i = context ? 0 : 1; i < nthreads; i++) {
        bool started = context
            ? thread_context_create_thread(context, &threads[i].thread,
                                           prealloc_thread_fn, &threads[i])
            : pthread_create(&threads[i].thread, NULL, prealloc_thread_fn,
                             &threads[i]) == 0;

        if (started) {
            threads[i].started = true;
        } else {
            prealloc_thread_fn(&threads[i]);
        }
    }
    if (!threads[0].started) {
        prealloc_thread_fn(&threads[0]);
    }
    for (i = 0; i < nthreads; i++) {
        if (threads[i].started) {
            pthread_join(threads[i].thread, NULL);
        }
        if (threads[i].chunk.err && !err) {
            err = threads[i].chunk.err;
        }
    }
    g_free(threads);

    if (err) {
        if (fresh) {
            prealloc_give_back(fd, fd_offset, area, sz,
                               fd_is_guest_memfd);
        }
        error_setg_errno(errp, err,
                         "qemu_prealloc_mem: preallocating memory failed");
        return false;
    }
    return true;
}

bool qemu_prealloc_mem(int fd, uint64_t fd_offset, char *area, size_t sz,
                       int max_threads, bool fd_is_guest_memfd,
                       Error **errp)
{
    return qemu_prealloc_mem_affinity(fd, fd_offset, area, sz, max_threads,
                                      fd_is_guest_memfd, NULL, false, errp);
}
