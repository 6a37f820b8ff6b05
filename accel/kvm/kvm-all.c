/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVM accelerator core: the VM, its capabilities, guest_memfd creation,
 * memslots kept in step with the flat view, and shared/private conversion.
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include "linux/kvm.h"
#include "qapi/error.h"
#include "qemu/main-loop.h"
#include "system/hostmem.h"
#include "system/kvm.h"
#include "system/runstate.h"
#include "system/kvm_int.h"
#include "system/memory.h"
#include "system/ramblock.h"

/* microvm needs few slots; the kernel offers thousands (no RSS for them). */
#define KVM_MAX_SLOTS_USED 256

/*
 * Start-up work handed to the memslot worker (see "Asynchronous initial
 * memslots" in docs/devel/kvm.rst).  Protected by async_lock.
 */
typedef enum KVMAsyncState {
    KVM_ASYNC_SYNCED,    /* everything synchronous (also before init) */
    KVM_ASYNC_OPEN,      /* collecting the first RAM sections */
    KVM_ASYNC_RUNNING,   /* the worker owns pending[] and the irqchip */
} KVMAsyncState;

typedef struct KVMState {
    int fd;
    int vm_fd;
    int vcpu_mmap_size;
    KVMCaps caps;
    KVMSlot *slots;
    unsigned nr_slots;
    GMutex slots_lock;
    MemoryListener listener;
    bool listener_registered;
    /* async start-up; async_lock also guards the two error fields */
    GMutex async_lock;
    GCond async_cond;
    Error *memslot_err;          /* first refused slot, for the check */
    bool memslots_checked;       /* kvm_memslots_check() was called */
    int async_state;             /* KVMAsyncState, read atomically */
    GArray *pending;             /* KVMSlot, built by the listener */
    int cancelled;               /* reset: the worker stops (atomic) */
    pthread_t worker;
    bool worker_started;
    bool worker_done;
    bool waiter;                 /* someone waits for the result */
    bool joining;                /* a thread is in the sync point */
    bool irqchip_pending;        /* KVM_CREATE_IRQCHIP still to do */
} KVMState;

static KVMState kvm_state = { .fd = -1, .vm_fd = -1 };
static bool kvm_initialized;
/* A machine without vCPUs needs no interrupt controller or timer. */
static bool kvm_irqchip_wanted = true;

void kvm_set_irqchip_wanted(bool wanted)
{
    kvm_irqchip_wanted = wanted;
}
static int kvm_last_init_errno;

bool kvm_enabled(void)
{
    return kvm_initialized;
}

const KVMCaps *kvm_get_caps(void)
{
    return kvm_initialized ? &kvm_state.caps : NULL;
}

int kvm_get_vm_fd(void)
{
    return kvm_initialized ? kvm_state.vm_fd : -1;
}

int kvm_accel_init_errno(void)
{
    return kvm_last_init_errno;
}

int kvm_vcpu_mmap_size(void)
{
    return kvm_state.vcpu_mmap_size;
}

static void kvm_async_sync(KVMState *s);

bool kvm_irqchip_in_kernel(void)
{
    if (!kvm_initialized) {
        return false;
    }
    kvm_async_sync(&kvm_state);
    return kvm_state.caps.irqchip;
}

/* ---- the seam: the real kernel, or a double a test installs ---- */

static int real_open_device(const char *path, int flags, void *opaque)
{
    int fd = open(path, flags);

    return fd < 0 ? -errno : fd;
}

static int real_ioctl(int fd, unsigned long request, void *arg, void *opaque)
{
    int ret = ioctl(fd, request, arg);

    return ret < 0 ? -errno : ret;
}

static int real_close(int fd, void *opaque)
{
    return close(fd) < 0 ? -errno : 0;
}

static int real_fallocate(int fd, int mode, uint64_t offset, uint64_t len,
                          void *opaque)
{
    return fallocate(fd, mode, offset, len) < 0 ? -errno : 0;
}

static const KVMOps kvm_real_ops = {
    .name = "kernel",
    .open_device = real_open_device,
    .ioctl = real_ioctl,
    .close = real_close,
    .fallocate = real_fallocate,
};

static const KVMOps *kvm_ops = &kvm_real_ops;

void kvm_set_ops(const KVMOps *ops)
{
    kvm_ops = ops ? ops : &kvm_real_ops;
}

const KVMOps *kvm_get_ops(void)
{
    return kvm_ops;
}

static int do_ioctl(int fd, unsigned long type, void *arg)
{
    int ret;

    do {
        ret = kvm_ops->ioctl(fd, type, arg, kvm_ops->opaque);
    } while (ret == -EINTR);
    return ret;
}

int kvm_fd_ioctl(int fd, unsigned long type, void *arg)
{
    return do_ioctl(fd, type, arg);
}

int kvm_fd_ioctl_once(int fd, unsigned long type, void *arg)
{
    return kvm_ops->ioctl(fd, type, arg, kvm_ops->opaque);
}

int kvm_fd_close(int fd)
{
    return fd < 0 ? -EBADF : kvm_ops->close(fd, kvm_ops->opaque);
}

int kvm_gmem_fallocate(int fd, int mode, uint64_t offset, uint64_t len)
{
    int ret;

    do {
        ret = kvm_ops->fallocate(fd, mode, offset, len, kvm_ops->opaque);
    } while (ret == -EINTR);
    return ret;
}

int kvm_ioctl(unsigned long type, void *arg)
{
    return do_ioctl(kvm_state.fd, type, arg);
}

int kvm_vm_ioctl(unsigned long type, void *arg)
{
    return do_ioctl(kvm_state.vm_fd, type, arg);
}

int64_t kvm_check_extension_fd(int fd, long cap)
{
    int ret = do_ioctl(fd, KVM_CHECK_EXTENSION, (void *)(uintptr_t)cap);

    return ret < 0 ? 0 : ret;
}

#define check_extension kvm_check_extension_fd

static void kvm_probe_caps(KVMState *s)
{
    KVMCaps *c = &s->caps;
    int vm = s->vm_fd;
    int64_t v;

    c->user_memory2 = check_extension(vm, KVM_CAP_USER_MEMORY2) > 0;
    c->memory_fault_info = check_extension(vm, KVM_CAP_MEMORY_FAULT_INFO) > 0;
    c->memory_attributes = check_extension(vm, KVM_CAP_MEMORY_ATTRIBUTES);
    c->guest_memfd = check_extension(vm, KVM_CAP_GUEST_MEMFD) > 0;
    c->guest_memfd_flags = c->guest_memfd ?
        check_extension(vm, KVM_CAP_GUEST_MEMFD_FLAGS) : 0;
    c->gmem_memory_attributes =
        check_extension(vm, KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES);
    c->pre_fault_memory = check_extension(vm, KVM_CAP_PRE_FAULT_MEMORY) > 0;
    c->exit_hypercall = check_extension(vm, KVM_CAP_EXIT_HYPERCALL);
    v = check_extension(vm, KVM_CAP_NR_MEMSLOTS);
    c->nr_memslots = v > 0 ? v : 32;       /* documented minimum */
    v = check_extension(vm, KVM_CAP_MAX_VCPUS);
    if (v <= 0) {
        v = check_extension(vm, KVM_CAP_NR_VCPUS);
    }
    c->max_vcpus = v > 0 ? v : 4;           /* api.rst: assume 4 */
    /* Set once the irqchip really exists: kvm_arch_irqchip_create(). */
    c->irqchip = false;
}

static void kvm_listener_add(MemoryListener *l, MemoryRegionSection *s);
static void kvm_listener_del(MemoryListener *l, MemoryRegionSection *s);
static void kvm_listener_commit(MemoryListener *l);

static void kvm_state_reset(KVMState *s)
{
    /*
     * The worker uses the VM fd and the RAM mappings: let it finish;
     * work it has not started is moot now.  It owns what it took from
     * pending[], so this only flags it and drops what is still queued.
     */
    g_mutex_lock(&s->async_lock);
    /* The worker polls it between ioctls without taking async_lock. */
    g_atomic_int_set(&s->cancelled, true);
    s->irqchip_pending = false;
    if (s->pending) {
        g_array_set_size(s->pending, 0);
    }
    g_mutex_unlock(&s->async_lock);
    kvm_async_sync(s);
    if (s->pending) {
        g_array_free(s->pending, true);
    }
    if (s->listener_registered) {
        memory_listener_unregister(&s->listener);
        s->listener_registered = false;
    }
    if (s->vm_fd >= 0) {
        kvm_fd_close(s->vm_fd);
    }
    if (s->fd >= 0) {
        kvm_fd_close(s->fd);
    }
    g_free(s->slots);
    if (s->memslot_err) {
        error_free(s->memslot_err);
    }
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    s->vm_fd = -1;
    s->async_state = KVM_ASYNC_SYNCED;
}

bool kvm_accel_init(int vm_type, Error **errp)
{
    KVMState *s = &kvm_state;
    const char *dev = getenv("QEMU_KVM_DEVICE");
    int64_t types;
    int ret;

    if (kvm_initialized) {
        error_setg(errp, "KVM is already initialized");
        return false;
    }
    kvm_last_init_errno = 0;
    kvm_state_reset(s);
    ret = kvm_ops->open_device(dev && *dev ? dev : "/dev/kvm",
                               O_RDWR | O_CLOEXEC, kvm_ops->opaque);
    if (ret < 0) {
        kvm_last_init_errno = -ret;
        error_setg(errp, "Could not access KVM kernel module: %s",
                   strerror(-ret));
        goto fail;
    }
    s->fd = ret;

    ret = do_ioctl(s->fd, KVM_GET_API_VERSION, NULL);
    if (ret != KVM_API_VERSION) {
        kvm_last_init_errno = ret < 0 ? -ret : EINVAL;
        error_setg(errp, ret < KVM_API_VERSION ? "kvm version too old"
                                                : "kvm version not supported");
        goto fail;
    }
    s->caps.api_version = ret;

    /* Kernels before KVM_CAP_VM_TYPES know only the default type. */
    types = check_extension(s->fd, KVM_CAP_VM_TYPES);
    if (!types) {
        types = 1ULL << KVM_X86_DEFAULT_VM;
    }
    s->caps.vm_types = types;
    if (vm_type < 0 || vm_type >= 64 || !(types & (1ULL << vm_type))) {
        /* x86 VM types (spec/kvm-guest-memfd-abi.md §2), for the message */
        static const char *const type_names[] = {
            "KVM_X86_DEFAULT_VM", "KVM_X86_SW_PROTECTED_VM", "KVM_X86_SEV_VM",
            "KVM_X86_SEV_ES_VM", "KVM_X86_SNP_VM", "KVM_X86_TDX_VM",
        };

        kvm_last_init_errno = EINVAL;
        error_setg(errp, "KVM VM type %d (%s) is not supported by this host "
                   "(KVM_CAP_VM_TYPES=0x%" PRIx64 ")", vm_type,
                   vm_type >= 0 && vm_type < (int)ARRAY_SIZE(type_names) ?
                   type_names[vm_type] : "unknown", types);
        goto fail;
    }

    ret = do_ioctl(s->fd, KVM_CREATE_VM, (void *)(uintptr_t)vm_type);
    if (ret < 0) {
        kvm_last_init_errno = -ret;
        error_setg(errp, "ioctl(KVM_CREATE_VM) failed: %s", strerror(-ret));
        goto fail;
    }
    s->vm_fd = ret;
    s->caps.vm_type = vm_type;

    ret = do_ioctl(s->fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
    if (ret < (int)sizeof(struct kvm_run)) {
        kvm_last_init_errno = ret < 0 ? -ret : EINVAL;
        error_setg(errp, "KVM_GET_VCPU_MMAP_SIZE failed: %s",
                   strerror(kvm_last_init_errno));
        goto fail;
    }
    s->vcpu_mmap_size = ret;

    kvm_probe_caps(s);
    /*
     * The irqchip is created after the initial memslots (by the worker or
     * at the sync point): KVM only needs it before the first vCPU, and
     * with it in place every later KVM_SET_USER_MEMORY_REGION2 costs
     * milliseconds more on kvm_pvm.
     */
    s->irqchip_pending = kvm_irqchip_wanted;
    ret = kvm_arch_vm_init(s->vm_fd, &s->caps, errp);
    if (ret < 0) {
        kvm_last_init_errno = -ret;
        goto fail;
    }

    s->nr_slots = MIN(s->caps.nr_memslots, KVM_MAX_SLOTS_USED);
    s->slots = g_new0(KVMSlot, s->nr_slots);
    for (unsigned i = 0; i < s->nr_slots; i++) {
        s->slots[i].id = i;
        s->slots[i].guest_memfd = -1;
    }
    kvm_initialized = true;
    qemu_prealloc_set_gmem_fallocate(kvm_gmem_fallocate);
    cpus_register_accel(&kvm_accel_ops);

    s->listener.region_add = kvm_listener_add;
    s->listener.region_del = kvm_listener_del;
    s->listener.commit = kvm_listener_commit;
    s->listener.priority = 10;
    s->listener.name = "kvm-memory";
    memory_listener_register(&s->listener, &address_space_memory);
    s->listener_registered = true;
    /* From here the first RAM mapped goes to the worker. */
    s->pending = g_array_new(false, true, sizeof(KVMSlot));
    g_atomic_int_set(&s->async_state, KVM_ASYNC_OPEN);
    return true;

fail:
    kvm_state_reset(s);
    return false;
}

void kvm_accel_cleanup(void)
{
    if (!kvm_initialized) {
        return;
    }
    kvm_initialized = false;
    kvm_confidential_cleanup();
    qemu_prealloc_set_gmem_fallocate(NULL);
    cpus_register_accel(NULL);
    /* Unregistering first keeps the listener from deleting slots one by
     * one: closing the VM drops them all at once. */
    kvm_state_reset(&kvm_state);
}

int kvm_create_guest_memfd(uint64_t size, uint64_t flags, Error **errp)
{
    struct kvm_create_guest_memfd gmem = { .size = size, .flags = flags };
    const KVMCaps *c = &kvm_state.caps;
    int fd;

    if (!kvm_initialized) {
        error_setg(errp, "guest-memfd requires KVM accelerator");
        return -1;
    }
    if (!c->guest_memfd) {
        error_setg(errp, "KVM does not support guest_memfd");
        return -1;
    }
    if (flags & ~c->guest_memfd_flags) {
        error_setg(errp, "Current KVM instance does not support guest-memfd "
                   "flag: 0x%" PRIx64, flags & ~c->guest_memfd_flags);
        error_append_hint(errp, "KVM_CAP_GUEST_MEMFD_FLAGS is 0x%" PRIx64
                          " for this VM; guest_memfd with mmap "
                          "(GUEST_MEMFD_FLAG_MMAP|INIT_SHARED) needs "
                          "Linux 6.18 or later\n", c->guest_memfd_flags);
        return -1;
    }
    fd = kvm_vm_ioctl(KVM_CREATE_GUEST_MEMFD, &gmem);
    if (fd < 0) {
        error_setg_errno(errp, -fd, "Error creating KVM guest_memfd");
        return -1;
    }
    return fd;
}

int kvm_set_irq(int irq, int level)
{
    struct kvm_irq_level event = { .irq = irq, .level = level };
    int ret;

    if (!kvm_irqchip_in_kernel()) {
        return -ENODEV;
    }
    ret = kvm_vm_ioctl(KVM_IRQ_LINE_STATUS, &event);
    return ret < 0 ? ret : event.status;
}

/* ---- memslots ---- */

/*
 * Do the VMAs over [@hva, @hva + @len) map file (@dev, @ino) from offset
 * @off on, without a gap?  A slot may span several VMAs (an mprotect or
 * mbind splits one), and any of them could have been replaced, so each
 * is checked.  KVM never checks this itself (spec §5.1), so we ask the
 * kernel's own record of our mappings.
 */
static bool hva_maps_file(uint64_t hva, uint64_t len, dev_t dev, ino_t ino,
                          uint64_t off, Error **errp)
{
    g_autofree char *maps = NULL;
    g_auto(GStrv) lines = NULL;
    uint64_t at = hva;               /* first byte not yet verified */

    if (!g_file_get_contents("/proc/self/maps", &maps, NULL, NULL)) {
        error_setg(errp, "cannot read /proc/self/maps");
        return false;
    }
    lines = g_strsplit(maps, "\n", -1);
    /* /proc/self/maps lists VMAs in address order */
    for (char **l = lines; *l && at < hva + len; l++) {
        unsigned long long start, end, foff, inode;
        unsigned maj, min;

        if (sscanf(*l, "%llx-%llx %*s %llx %x:%x %llu", &start, &end, &foff,
                   &maj, &min, &inode) != 6 || end <= at) {
            continue;
        }
        if (start > at) {
            break;                   /* a hole at @at */
        }
        if (inode != ino || maj != major(dev) || min != minor(dev)) {
            error_setg(errp, "userspace_addr 0x%" PRIx64 " is not a mapping "
                       "of the guest_memfd", at);
            return false;
        }
        if (foff + (at - start) != off + (at - hva)) {
            error_setg(errp, "userspace_addr 0x%" PRIx64 " maps guest_memfd "
                       "offset 0x%llx, not 0x%" PRIx64, at,
                       foff + (at - start), off + (at - hva));
            return false;
        }
        at = end;
    }
    if (at < hva + len) {
        error_setg(errp, "userspace_addr 0x%" PRIx64 " is not mapped", at);
        return false;
    }
    return true;
}

bool kvm_gmem_alias_check(RAMBlock *rb, uint64_t hva, uint64_t size,
                          uint64_t gmem_offset, Error **errp)
{
    Error *local_err = NULL;
    uint64_t expect;
    struct stat a, b;

    if (!rb || rb->guest_memfd < 0) {
        return true;
    }
    expect = (uint64_t)(uintptr_t)rb->host +
             (gmem_offset - rb->guest_memfd_offset);
    if (gmem_offset < rb->guest_memfd_offset || hva != expect) {
        error_setg(errp, "guest_memfd aliasing check failed for RAMBlock "
                   "'%s': userspace_addr 0x%" PRIx64 " does not map "
                   "guest_memfd offset 0x%" PRIx64 " (expected 0x%" PRIx64
                   ")", rb->idstr, hva, gmem_offset, expect);
        return false;
    }
    if (!(rb->flags & RAM_GUEST_MEMFD_SHARED) ||
        (rb->flags & RAM_GUEST_MEMFD)) {
        /* legacy: shared pages live elsewhere by design */
        return true;
    }
    if (fstat(rb->fd, &a) < 0 || fstat(rb->guest_memfd, &b) < 0) {
        error_setg_errno(errp, errno, "guest_memfd aliasing check "
                         "failed for RAMBlock '%s'", rb->idstr);
        return false;
    }
    if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
        error_setg(errp, "guest_memfd aliasing check failed for RAMBlock "
                   "'%s': the mapped fd %d and guest_memfd %d are "
                   "different files", rb->idstr, rb->fd, rb->guest_memfd);
        return false;
    }
    if (!hva_maps_file(hva, size, b.st_dev, b.st_ino, gmem_offset,
                       &local_err)) {
        error_propagate(errp, local_err);
        error_prepend(errp, "guest_memfd aliasing check failed for RAMBlock "
                      "'%s': ", rb->idstr);
        return false;
    }
    return true;
}

/* The page-aligned part of a RAM section, as KVM wants it. */
static bool section_to_slot(MemoryRegionSection *sec, KVMSlot *slot)
{
    uint64_t psz = qemu_real_host_page_size();
    hwaddr start = QEMU_ALIGN_UP(sec->offset_within_address_space, psz);
    uint64_t delta = start - sec->offset_within_address_space;
    MemoryRegion *mr = sec->mr;
    RAMBlock *rb;

    if (!mr || !memory_region_is_ram(mr) || delta >= sec->size) {
        return false;
    }
    memset(slot, 0, sizeof(*slot));
    slot->start_addr = start;
    slot->memory_size = QEMU_ALIGN_DOWN(sec->size - delta, psz);
    if (!slot->memory_size) {
        return false;
    }
    rb = mr->ram_block;
    slot->block = rb;
    slot->userspace_addr = (uint64_t)(uintptr_t)memory_region_get_ram_ptr(mr)
                           + sec->offset_within_region + delta;
    slot->guest_memfd = -1;
    if (sec->readonly || mr->readonly || (rb && (rb->flags & RAM_READONLY))) {
        slot->flags = KVM_MEM_READONLY;
    }
    if (rb && rb->guest_memfd >= 0) {
        /* READONLY stays: slot_add() refuses the pair, never drops it */
        slot->flags |= KVM_MEM_GUEST_MEMFD;
        slot->guest_memfd = rb->guest_memfd;
        slot->guest_memfd_offset = rb->guest_memfd_offset +
                                   sec->offset_within_region + delta;
    }
    return true;
}

static int set_region2(KVMSlot *slot, bool add)
{
    struct kvm_userspace_memory_region2 r = {
        .slot = slot->id,
        .flags = add ? slot->flags : 0,
        .guest_phys_addr = slot->start_addr,
        .memory_size = add ? slot->memory_size : 0,
        .userspace_addr = slot->userspace_addr,
    };

    if (add && slot->guest_memfd >= 0) {
        r.guest_memfd = slot->guest_memfd;
        r.guest_memfd_offset = slot->guest_memfd_offset;
    }
    return kvm_vm_ioctl(KVM_SET_USER_MEMORY_REGION2, &r);
}

/* Alias check and ioctl for a slot built by section_to_slot(). */
static bool slot_add(KVMState *s, KVMSlot want, Error **errp)
{
    KVMSlot *free_slot = NULL;
    int ret;

    if (!s->caps.user_memory2) {
        error_setg(errp, "KVM does not support KVM_SET_USER_MEMORY_REGION2 "
                   "(KVM_CAP_USER_MEMORY2): Linux 6.8 or later is needed");
        return false;
    }
    if ((want.flags & KVM_MEM_GUEST_MEMFD) &&
        (want.flags & KVM_MEM_READONLY)) {
        /* KVM refuses the pair (EINVAL); guest writes must not succeed */
        error_setg(errp, "memslot at 0x%" HWADDR_PRIx " refused: "
                   "read-only memory cannot be backed by guest_memfd "
                   "(KVM_MEM_READONLY with KVM_MEM_GUEST_MEMFD)",
                   want.start_addr);
        return false;
    }
    if (want.guest_memfd >= 0 &&
        !kvm_gmem_alias_check(want.block, want.userspace_addr,
                              want.memory_size, want.guest_memfd_offset,
                              errp)) {
        error_prepend(errp, "memslot at 0x%" HWADDR_PRIx " refused: ",
                      want.start_addr);
        return false;
    }

    g_mutex_lock(&s->slots_lock);
    for (unsigned i = 0; i < s->nr_slots; i++) {
        if (!s->slots[i].used) {
            free_slot = &s->slots[i];
            break;
        }
    }
    if (!free_slot) {
        g_mutex_unlock(&s->slots_lock);
        error_setg(errp, "no free KVM memslot for 0x%" HWADDR_PRIx
                   " (%u in use)", want.start_addr, s->nr_slots);
        return false;
    }
    want.id = free_slot->id;
    ret = set_region2(&want, true);
    if (ret < 0) {
        g_mutex_unlock(&s->slots_lock);
        error_setg_errno(errp, -ret, "KVM_SET_USER_MEMORY_REGION2 failed for "
                         "slot %u (gpa 0x%" HWADDR_PRIx " size 0x%" PRIx64
                         " hva 0x%" PRIx64 " flags 0x%x guest_memfd %d "
                         "offset 0x%" PRIx64 ")", want.id, want.start_addr,
                         want.memory_size, want.userspace_addr, want.flags,
                         want.guest_memfd, want.guest_memfd_offset);
        return false;
    }
    want.used = true;
    *free_slot = want;
    g_mutex_unlock(&s->slots_lock);
    return true;
}

bool kvm_memslot_add_section(MemoryRegionSection *section, Error **errp)
{
    KVMSlot want;

    if (!kvm_initialized || !section_to_slot(section, &want)) {
        return true;
    }
    kvm_async_sync(&kvm_state);
    return slot_add(&kvm_state, want, errp);
}

bool kvm_memslot_del_section(MemoryRegionSection *section, Error **errp)
{
    KVMState *s = &kvm_state;
    KVMSlot want;
    int ret;

    if (!kvm_initialized || !section_to_slot(section, &want)) {
        return true;
    }
    kvm_async_sync(s);
    g_mutex_lock(&s->slots_lock);
    for (unsigned i = 0; i < s->nr_slots; i++) {
        KVMSlot *slot = &s->slots[i];

        if (!slot->used || slot->start_addr != want.start_addr ||
            slot->memory_size != want.memory_size) {
            continue;
        }
        ret = set_region2(slot, false);
        if (ret < 0) {
            g_mutex_unlock(&s->slots_lock);
            error_setg_errno(errp, -ret, "KVM_SET_USER_MEMORY_REGION2 "
                             "failed to delete slot %u (gpa 0x%" HWADDR_PRIx
                             " size 0x%" PRIx64 ")", slot->id,
                             slot->start_addr, slot->memory_size);
            return false;
        }
        slot->used = false;
        slot->block = NULL;
        slot->guest_memfd = -1;
        break;
    }
    g_mutex_unlock(&s->slots_lock);
    return true;
}

bool kvm_memslot_lookup(hwaddr gpa, KVMSlot *out)
{
    bool found = false;

    kvm_async_sync(&kvm_state);
    g_mutex_lock(&kvm_state.slots_lock);
    for (unsigned i = 0; i < kvm_state.nr_slots; i++) {
        KVMSlot *slot = &kvm_state.slots[i];

        if (slot->used && gpa >= slot->start_addr &&
            gpa - slot->start_addr < slot->memory_size) {
            *out = *slot;
            found = true;
            break;
        }
    }
    g_mutex_unlock(&kvm_state.slots_lock);
    return found;
}

unsigned kvm_memslots_used(void)
{
    unsigned n = 0;

    kvm_async_sync(&kvm_state);
    g_mutex_lock(&kvm_state.slots_lock);
    for (unsigned i = 0; i < kvm_state.nr_slots; i++) {
        n += kvm_state.slots[i].used;
    }
    g_mutex_unlock(&kvm_state.slots_lock);
    return n;
}

/*
 * The one route for a refused memslot, from the listener or the worker:
 * kept (the first one) for kvm_memslots_check(), or, when nobody will
 * ask for it, reported now -- after the check, or from the start-up
 * worker of a machine without vCPUs, which never reaches the check and
 * must not go on without its RAM (the main loop acts on the exit
 * request).
 */
static void kvm_record_memslot_error(KVMState *s, Error *err, bool startup)
{
    bool report, orphan = false;

    g_mutex_lock(&s->async_lock);
    report = s->memslots_checked;
    if (!report && startup && !s->waiter && !kvm_irqchip_wanted) {
        report = orphan = true;
        s->memslots_checked = true;
    }
    if (!report) {
        if (!s->memslot_err) {
            s->memslot_err = err;
        } else {
            error_free(err);
        }
    }
    g_mutex_unlock(&s->async_lock);
    if (report) {
        error_report_err(err);
    }
    if (orphan) {
        qemu_system_exit_request(EXIT_FAILURE);
    }
}

static void kvm_listener_add(MemoryListener *l, MemoryRegionSection *s)
{
    KVMState *ks = &kvm_state;
    Error *err = NULL;
    KVMSlot want;

    if (g_atomic_int_get(&ks->async_state) == KVM_ASYNC_OPEN &&
        section_to_slot(s, &want)) {
        g_mutex_lock(&ks->async_lock);
        if (g_atomic_int_get(&ks->async_state) == KVM_ASYNC_OPEN &&
            !ks->joining) {
            g_array_append_val(ks->pending, want);
            g_mutex_unlock(&ks->async_lock);
            return;
        }
        g_mutex_unlock(&ks->async_lock);
    }
    if (!kvm_memslot_add_section(s, &err)) {
        kvm_record_memslot_error(ks, err, false);
    }
}

static void kvm_listener_del(MemoryListener *l, MemoryRegionSection *s)
{
    Error *err = NULL;

    if (!kvm_memslot_del_section(s, &err)) {
        kvm_record_memslot_error(&kvm_state, err, false);
    }
}

bool kvm_memslots_check(Error **errp)
{
    Error *err;

    kvm_async_sync(&kvm_state);
    g_mutex_lock(&kvm_state.async_lock);
    err = kvm_state.memslot_err;
    kvm_state.memslot_err = NULL;
    kvm_state.memslots_checked = true;
    g_mutex_unlock(&kvm_state.async_lock);
    if (err) {
        error_propagate(errp, err);
        return false;
    }
    return true;
}

/* ---- asynchronous initial memslots ---- */

/*
 * Slots and irqchip in the order that is fastest on kvm_pvm; a refused
 * slot goes the one route, kvm_record_memslot_error().  Runs on the
 * worker, or on the main thread at the sync point when no worker was
 * started.  It takes pending[] for itself under async_lock, so that
 * kvm_state_reset() can cancel what is left without racing it.
 */
static void kvm_async_work(KVMState *s)
{
    GArray *work;
    bool irqchip, failed = false;

    g_mutex_lock(&s->async_lock);
    work = s->pending;
    s->pending = NULL;
    irqchip = s->irqchip_pending;
    s->irqchip_pending = false;
    g_mutex_unlock(&s->async_lock);

    for (guint i = 0; work && i < work->len; i++) {
        Error *err = NULL;

        if (g_atomic_int_get(&s->cancelled)) {
            break;
        }
        if (!slot_add(s, g_array_index(work, KVMSlot, i), &err)) {
            kvm_record_memslot_error(s, err, true);
            failed = true;
        }
    }
    if (work) {
        g_array_free(work, true);
    }
    if (!failed && irqchip && !g_atomic_int_get(&s->cancelled)) {
        Error *err = NULL;

        if (!kvm_arch_irqchip_create(s->vm_fd, &s->caps.irqchip, &err)) {
            kvm_record_memslot_error(s, err, true);
        }
    }
}

/*
 * The worker runs at the process's priority.  It used to drop to nice
 * 19 to leave the CPU to the main thread, but the sync point then waits
 * for a thread it cannot raise again without CAP_SYS_NICE (priority
 * inversion under load).  Its work is a bounded number of ioctls, and
 * the main thread sleeps in poll() meanwhile, so the scheduler's wake-up
 * preemption already gives QMP the CPU when a command arrives.
 */
static void *kvm_async_worker(void *opaque)
{
    KVMState *s = opaque;

    kvm_async_work(s);
    g_mutex_lock(&s->async_lock);
    s->worker_done = true;
    g_cond_broadcast(&s->async_cond);
    g_mutex_unlock(&s->async_lock);
    return NULL;
}

/* End of the first memory transaction: hand its RAM to the worker. */
static void kvm_listener_commit(MemoryListener *l)
{
    KVMState *s = &kvm_state;
    sigset_t all, old;
    int ret;

    if (g_atomic_int_get(&s->async_state) != KVM_ASYNC_OPEN) {
        return;
    }
    g_mutex_lock(&s->async_lock);
    if (g_atomic_int_get(&s->async_state) != KVM_ASYNC_OPEN || s->joining ||
        !s->pending->len) {
        g_mutex_unlock(&s->async_lock);
        return;
    }
    /* Signals belong to the main loop, as for the vCPU threads. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    ret = pthread_create(&s->worker, NULL, kvm_async_worker, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!ret) {
        s->worker_started = true;
        g_atomic_int_set(&s->async_state, KVM_ASYNC_RUNNING);
    }
    /* else no thread: the sync point does the work inline */
    g_mutex_unlock(&s->async_lock);
}

/*
 * The sync point: wait for the worker (or do its work here), after which
 * memslots and irqchip are final and every later change is synchronous.
 * Any thread; the first one in joins the worker, the others wait.
 */
static void kvm_async_sync(KVMState *s)
{
    if (g_atomic_int_get(&s->async_state) == KVM_ASYNC_SYNCED) {
        return;
    }
    g_mutex_lock(&s->async_lock);
    while (g_atomic_int_get(&s->async_state) != KVM_ASYNC_SYNCED) {
        if (s->joining) {
            g_cond_wait(&s->async_cond, &s->async_lock);
            continue;
        }
        s->joining = true;
        /* someone is here for the result: errors wait for the check */
        s->waiter = true;
        if (s->worker_started) {
            while (!s->worker_done) {
                g_cond_wait(&s->async_cond, &s->async_lock);
            }
            g_mutex_unlock(&s->async_lock);
            pthread_join(s->worker, NULL);
            g_mutex_lock(&s->async_lock);
            s->worker_started = false;
        } else {
            g_mutex_unlock(&s->async_lock);
            kvm_async_work(s);
            g_mutex_lock(&s->async_lock);
        }
        s->joining = false;
        g_atomic_int_set(&s->async_state, KVM_ASYNC_SYNCED);
        g_cond_broadcast(&s->async_cond);
    }
    g_mutex_unlock(&s->async_lock);
}

void kvm_memslots_sync(void)
{
    kvm_async_sync(&kvm_state);
}

bool kvm_memslots_pending(void)
{
    return g_atomic_int_get(&kvm_state.async_state) == KVM_ASYNC_RUNNING;
}
