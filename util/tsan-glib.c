/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ThreadSanitizer builds only: tell TSan about GLib's mutexes.  GLib's
 * GMutex and GCond on Linux are built on raw futex system calls inside the
 * (uninstrumented) libglib, so TSan never sees the lock order they create
 * and reports every access they protect as a race.  These wrappers take
 * the place of GLib's functions for our code and annotate the
 * acquire/release that the real call performs, instead of suppressing
 * reports.
 */
#include "qemu/osdep.h"
#include <dlfcn.h>

void __tsan_acquire(void *addr);
void __tsan_release(void *addr);

/*
 * GLib's own function of that name (the next definition after ours).
 * Two threads may look it up at once the first time: the pointer is
 * accessed atomically so that this lookup is no data race itself.
 */
#define REAL(name) \
    static __typeof__(&name) real_##name##_ptr; \
    __typeof__(&name) real_##name = \
        __atomic_load_n(&real_##name##_ptr, __ATOMIC_RELAXED); \
    if (!real_##name) { \
        real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name); \
        g_assert(real_##name); \
        __atomic_store_n(&real_##name##_ptr, real_##name, __ATOMIC_RELAXED); \
    }

void g_mutex_lock(GMutex *mutex)
{
    REAL(g_mutex_lock);
    real_g_mutex_lock(mutex);
    __tsan_acquire(mutex);
}

gboolean g_mutex_trylock(GMutex *mutex)
{
    gboolean ok;

    REAL(g_mutex_trylock);
    ok = real_g_mutex_trylock(mutex);
    if (ok) {
        __tsan_acquire(mutex);
    }
    return ok;
}

void g_mutex_unlock(GMutex *mutex)
{
    REAL(g_mutex_unlock);
    __tsan_release(mutex);
    real_g_mutex_unlock(mutex);
}

void g_cond_wait(GCond *cond, GMutex *mutex)
{
    REAL(g_cond_wait);
    __tsan_release(mutex);
    real_g_cond_wait(cond, mutex);
    __tsan_acquire(mutex);
}

gboolean g_cond_wait_until(GCond *cond, GMutex *mutex, gint64 end_time)
{
    gboolean ok;

    REAL(g_cond_wait_until);
    __tsan_release(mutex);
    ok = real_g_cond_wait_until(cond, mutex, end_time);
    __tsan_acquire(mutex);
    return ok;
}

/* A GRecMutex is a lock too (the chardevs' connection lock). */
void g_rec_mutex_lock(GRecMutex *mutex)
{
    REAL(g_rec_mutex_lock);
    real_g_rec_mutex_lock(mutex);
    __tsan_acquire(mutex);
}

gboolean g_rec_mutex_trylock(GRecMutex *mutex)
{
    gboolean ok;

    REAL(g_rec_mutex_trylock);
    ok = real_g_rec_mutex_trylock(mutex);
    if (ok) {
        __tsan_acquire(mutex);
    }
    return ok;
}

void g_rec_mutex_unlock(GRecMutex *mutex)
{
    REAL(g_rec_mutex_unlock);
    __tsan_release(mutex);
    real_g_rec_mutex_unlock(mutex);
}
