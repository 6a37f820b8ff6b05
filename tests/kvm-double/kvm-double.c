/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM double: a fake /dev/kvm installed behind the KVMOps seam, which
 * models VMs, vCPUs, guest_memfd files, memslots and both attribute ABIs
 * from spec/kvm-guest-memfd-abi.md (see docs/devel/kvm-double.rst).
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <linux/falloc.h>
#include "kvm-double.h"

#define DPAGE 4096ULL
/* x86-64 TASK_SIZE with 4-level paging: what access_ok() accepts */
#define DUSER_TOP 0x00007ffffffff000ULL
#define DVCPU_MMAP_SIZE 12288
#define DMAX_VCPUS 1024
#define DNR_MEMSLOTS 32764

typedef enum DKind { D_DEV, D_VM, D_VCPU } DKind;

typedef struct DVm DVm;

typedef struct DGmem {
    int fd;                  /* the fd created; dups share the inode */
    ino_t ino;
    uint64_t size;
    uint64_t flags;
    DVm *vm;
    uint8_t *private;        /* one byte per page: PRIVATE */
    uint8_t *pinned;
    uint8_t *bound;          /* page bound to some memslot */
} DGmem;

typedef struct DExit {
    uint32_t reason;
    uint64_t a[4];
} DExit;

typedef struct DVcpu {
    int fd;
    unsigned id;
    DVm *vm;
    GQueue exits;            /* DExit */
    bool hc_pending;
    bool hc_done;
    int64_t hc_ret;
    unsigned runs;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    struct kvm_mp_state mp;
} DVcpu;

struct DVm {
    int fd;
    int type;
    GArray *slots;           /* kvm_userspace_memory_region2, by slot */
    GHashTable *attrs;       /* gfn -> VM-scoped attributes (non-zero) */
    uint64_t hypercalls;
    bool irqchip;
    bool pit;
};

typedef struct DFault {
    unsigned long request;
    unsigned left;
    int err;
} DFault;

typedef struct DObj {
    DKind kind;
    void *p;
} DObj;

typedef struct DCapOverride {
    int vm_type;
    long cap;
    int64_t value;
} DCapOverride;

struct KVMDouble {
    KVMOps ops;
    KVMDoubleProfile profile;
    GMutex lock;
    GHashTable *objs;        /* fd -> DObj (dev, VM, vCPU) */
    GPtrArray *vms;          /* DVm, newest last */
    GPtrArray *vcpus;        /* DVcpu */
    GPtrArray *gmems;        /* DGmem */
    GArray *faults;          /* DFault */
    GArray *overrides;       /* DCapOverride */
    GHashTable *counts;      /* request -> calls */
    unsigned ioctls;
    KVMDoubleHook hook;
    void *hook_opaque;
};

static const char *const profile_names[KVM_DOUBLE_NR_PROFILES] = {
    [KVM_DOUBLE_HOST_618] = "host-6.18",
    [KVM_DOUBLE_LAB_73] = "lab-7.3",
    [KVM_DOUBLE_INPLACE_V7] = "inplace-v7",
};

bool kvm_double_profile_parse(const char *name, KVMDoubleProfile *out)
{
    for (int i = 0; i < KVM_DOUBLE_NR_PROFILES; i++) {
        if (!g_strcmp0(name, profile_names[i])) {
            *out = i;
            return true;
        }
    }
    return false;
}

const char *kvm_double_profile_name(KVMDoubleProfile p)
{
    return p < KVM_DOUBLE_NR_PROFILES ? profile_names[p] : "?";
}

static const struct {
    const char *name;
    unsigned long request;
} request_names[] = {
    { "OPEN", KVM_DOUBLE_OP_OPEN },
    { "FALLOCATE", KVM_DOUBLE_OP_FALLOCATE },
    { "CLOSE", KVM_DOUBLE_OP_CLOSE },
#define R(x) { #x, KVM_##x }
    R(GET_API_VERSION), R(CREATE_VM), R(CHECK_EXTENSION),
    R(GET_VCPU_MMAP_SIZE), R(GET_SUPPORTED_CPUID), R(CREATE_VCPU),
    R(SET_USER_MEMORY_REGION), R(SET_USER_MEMORY_REGION2), R(SET_TSS_ADDR),
    R(SET_IDENTITY_MAP_ADDR), R(CREATE_IRQCHIP), R(CREATE_PIT2),
    R(IRQ_LINE_STATUS), R(ENABLE_CAP), R(SET_MEMORY_ATTRIBUTES),
    R(SET_MEMORY_ATTRIBUTES2), R(CREATE_GUEST_MEMFD), R(RUN), R(GET_REGS),
    R(SET_REGS), R(GET_SREGS), R(SET_SREGS), R(SET_FPU), R(SET_CPUID2),
    R(SET_MSRS), R(GET_MP_STATE), R(SET_MP_STATE), R(MEMORY_ENCRYPT_OP),
#undef R
};

static const struct {
    const char *name;
    int err;
} errno_names[] = {
    { "ENOMEM", ENOMEM }, { "EFAULT", EFAULT }, { "EINVAL", EINVAL },
    { "EAGAIN", EAGAIN }, { "EINTR", EINTR }, { "ENOSPC", ENOSPC },
    { "ENOENT", ENOENT }, { "EBADF", EBADF }, { "ENOTTY", ENOTTY },
    { "EEXIST", EEXIST }, { "EIO", EIO }, { "EPERM", EPERM },
};

bool kvm_double_request_parse(const char *name, unsigned long *out)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(request_names); i++) {
        if (!g_strcmp0(name, request_names[i].name)) {
            *out = request_names[i].request;
            return true;
        }
    }
    return false;
}

bool kvm_double_fail_parse(KVMDouble *d, const char *spec, Error **errp)
{
    g_auto(GStrv) items = g_strsplit(spec, ",", -1);

    for (char **it = items; *it; it++) {
        g_auto(GStrv) f = g_strsplit(*it, ":", -1);
        unsigned long req;
        unsigned i;
        char *end;
        long nth;

        if (g_strv_length(f) != 3 || !kvm_double_request_parse(f[0], &req)) {
            error_setg(errp, "kvm-double: bad fault '%s' (want "
                       "REQUEST:NTH:ERRNO)", *it);
            return false;
        }
        nth = strtol(f[1], &end, 10);
        for (i = 0; i < G_N_ELEMENTS(errno_names); i++) {
            if (!strcmp(f[2], errno_names[i].name)) {
                break;
            }
        }
        if (*end || nth < 1 || i == G_N_ELEMENTS(errno_names)) {
            error_setg(errp, "kvm-double: bad fault '%s' (want "
                       "REQUEST:NTH:ERRNO)", *it);
            return false;
        }
        kvm_double_fail(d, req, nth, errno_names[i].err);
    }
    return true;
}

/* ---- capabilities: the facts each profile stands for ---- */

static bool type_has_private_mem(int vm_type)
{
    return vm_type == KVM_X86_SW_PROTECTED_VM ||
           vm_type == KVM_X86_SNP_VM || vm_type == KVM_X86_TDX_VM;
}

int64_t kvm_double_profile_cap(KVMDoubleProfile p, int vm_type, long cap)
{
    bool dev = vm_type < 0;
    bool priv = !dev && type_has_private_mem(vm_type);

    switch (cap) {
    case KVM_CAP_IRQCHIP:
    case KVM_CAP_HLT:
    case KVM_CAP_USER_MEMORY:
    case KVM_CAP_SET_TSS_ADDR:
    case KVM_CAP_PIT2:
    case KVM_CAP_SET_IDENTITY_MAP_ADDR:
    case KVM_CAP_IMMEDIATE_EXIT:
    case KVM_CAP_USER_MEMORY2:
    case KVM_CAP_MEMORY_FAULT_INFO:
    case KVM_CAP_GUEST_MEMFD:
        return 1;
    case KVM_CAP_NR_VCPUS:
        /*
         * The machine's online CPUs: 2 here; the lab's L1 kernel has no
         * ACPI and brings up one CPU of L1's two (measured in the lab).
         */
        return p == KVM_DOUBLE_LAB_73 ? 1 : 2;
    case KVM_CAP_NR_MEMSLOTS:
        return DNR_MEMSLOTS;
    case KVM_CAP_MAX_VCPUS:
        return DMAX_VCPUS;
    case KVM_CAP_EXIT_HYPERCALL:
        return 1ULL << KVM_HC_MAP_GPA_RANGE;
    case KVM_CAP_PRE_FAULT_MEMORY:
        /* the kernel offers it with two-dimensional paging: the lab's npt */
        return p == KVM_DOUBLE_LAB_73;
    case KVM_CAP_VM_TYPES:
        return p == KVM_DOUBLE_HOST_618 ? 0x1 : 0x3;
    case KVM_CAP_MEMORY_ATTRIBUTES:
        /* v7 with vm_memory_attributes=0 and kernels without: 0 */
        if (p != KVM_DOUBLE_LAB_73) {
            return 0;
        }
        return dev || priv ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
    case KVM_CAP_GUEST_MEMFD_FLAGS:
        /* INIT_SHARED only without private memory, except in-place v7 */
        if (priv && p != KVM_DOUBLE_INPLACE_V7) {
            return GUEST_MEMFD_FLAG_MMAP;
        }
        return GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
    case KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES:
        if (p != KVM_DOUBLE_INPLACE_V7) {
            return 0;
        }
        return dev || priv ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
    default:
        return 0;
    }
}

static int64_t double_cap(KVMDouble *d, int vm_type, long cap)
{
    for (guint i = 0; i < d->overrides->len; i++) {
        DCapOverride *o = &g_array_index(d->overrides, DCapOverride, i);

        if (o->cap == cap && o->vm_type == vm_type) {
            return o->value;
        }
    }
    return kvm_double_profile_cap(d->profile, vm_type, cap);
}

void kvm_double_set_cap(KVMDouble *d, int vm_type, long cap, int64_t value)
{
    DCapOverride o = { .vm_type = vm_type, .cap = cap, .value = value };

    g_mutex_lock(&d->lock);
    g_array_append_val(d->overrides, o);
    g_mutex_unlock(&d->lock);
}

/* The in-place ABI exists only with vm_memory_attributes=0 (spec §10.2). */
static bool gmem_attributes_mode(KVMDouble *d)
{
    return double_cap(d, -1, KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES) != 0;
}

/* ---- per-page state ---- */

static void pages_set(uint8_t *a, uint64_t first, uint64_t n, bool v)
{
    memset(a + first, v, n);
}

/* First page in [first, end) whose state is @v, or @end. */
static uint64_t pages_find(const uint8_t *a, uint64_t first, uint64_t end,
                           bool v)
{
    while (first < end && a[first] != v) {
        first++;
    }
    return first;
}

/* ---- fds ---- */

static int new_memfd(const char *name, uint64_t size, bool seal)
{
    int fd = memfd_create(name, MFD_CLOEXEC | (seal ? MFD_ALLOW_SEALING : 0));

    if (fd < 0) {
        return -errno;
    }
    if (size && ftruncate(fd, size) < 0) {
        int err = errno;

        close(fd);
        return -err;
    }
    /* a guest_memfd has a fixed size (spec §4) */
    if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK |
                      F_SEAL_SEAL) < 0) {
        int err = errno;

        close(fd);
        return -err;
    }
    return fd;
}

static void add_obj(KVMDouble *d, int fd, DKind kind, void *p)
{
    DObj *o = g_new0(DObj, 1);

    o->kind = kind;
    o->p = p;
    g_hash_table_insert(d->objs, GINT_TO_POINTER(fd), o);
}

/* The guest_memfd behind @fd (or a dup of it), or NULL. */
static DGmem *gmem_of(KVMDouble *d, int fd)
{
    struct stat st;

    if (fd < 0 || fstat(fd, &st) < 0) {
        return NULL;
    }
    for (guint i = 0; i < d->gmems->len; i++) {
        DGmem *g = g_ptr_array_index(d->gmems, i);

        if (g->ino == st.st_ino) {
            return g;
        }
    }
    return NULL;
}

static void gmem_free(gpointer p)
{
    DGmem *g = p;

    g_free(g->private);
    g_free(g->pinned);
    g_free(g->bound);
    g_free(g);
}

static void vm_free(DVm *vm)
{
    g_array_free(vm->slots, true);
    g_hash_table_destroy(vm->attrs);
    g_free(vm);
}

static void vcpu_free(gpointer p)
{
    DVcpu *v = p;

    g_queue_clear_full(&v->exits, g_free);
    g_free(v);
}

/* ---- fault injection ---- */

static void count_call(KVMDouble *d, unsigned long request)
{
    gpointer k = GSIZE_TO_POINTER(request);
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(d->counts, k));

    g_hash_table_insert(d->counts, k, GUINT_TO_POINTER(n + 1));
}

/* -errno if an injected fault fires for this call of @request, else 0. */
static int injected(KVMDouble *d, unsigned long request)
{
    int err = 0;

    for (guint i = 0; i < d->faults->len; i++) {
        DFault *f = &g_array_index(d->faults, DFault, i);

        if (f->request != request) {
            continue;
        }
        if (--f->left == 0) {
            if (!err) {
                err = -f->err;
            }
            g_array_remove_index(d->faults, i);
            i--;
        }
    }
    return err;
}

void kvm_double_fail(KVMDouble *d, unsigned long request, unsigned nth,
                     int err)
{
    DFault f = { .request = request, .left = MAX(nth, 1), .err = err };

    g_mutex_lock(&d->lock);
    g_array_append_val(d->faults, f);
    g_mutex_unlock(&d->lock);
}

void kvm_double_clear_faults(KVMDouble *d)
{
    g_mutex_lock(&d->lock);
    g_array_set_size(d->faults, 0);
    g_mutex_unlock(&d->lock);
}

unsigned kvm_double_count(KVMDouble *d, unsigned long request)
{
    unsigned n;

    g_mutex_lock(&d->lock);
    n = request == KVM_DOUBLE_OP_ANY ? d->ioctls :
        GPOINTER_TO_UINT(g_hash_table_lookup(d->counts,
                                             GSIZE_TO_POINTER(request)));
    g_mutex_unlock(&d->lock);
    return n;
}

/* ---- /dev/kvm ---- */

static int dev_get_supported_cpuid(struct kvm_cpuid2 *c)
{
    /* a small, plausible AMD-style table: enough for the VMM's fix-ups */
    static const struct kvm_cpuid_entry2 tab[] = {
        { .function = 0, .eax = 0xd, .ebx = 0x68747541,
          .ecx = 0x444d4163, .edx = 0x69746e65 },
        { .function = 1, .eax = 0x00a00f11, .ecx = 0x80000000 | (1u << 26),
          .edx = (1u << 9) | (1u << 0) },
        { .function = 0xd, .index = 0, .flags = 1, .eax = 0x7,
          .ebx = 0x340, .ecx = 0x340 },
        { .function = 0x80000000, .eax = 0x80000008 },
        { .function = 0x80000008, .eax = 0x3030 },
    };

    if (c->nent < G_N_ELEMENTS(tab)) {
        c->nent = G_N_ELEMENTS(tab);
        return -E2BIG;
    }
    c->nent = G_N_ELEMENTS(tab);
    memcpy(c->entries, tab, sizeof(tab));
    return 0;
}

static int dev_create_vm(KVMDouble *d, unsigned long type)
{
    DVm *vm;
    int fd;

    if (type >= 64 || !(double_cap(d, -1, KVM_CAP_VM_TYPES) & (1ULL << type))) {
        return -EINVAL;
    }
    fd = new_memfd("kvm-double-vm", 0, false);
    if (fd < 0) {
        return fd;
    }
    vm = g_new0(DVm, 1);
    vm->fd = fd;
    vm->type = type;
    vm->slots = g_array_new(false, true,
                            sizeof(struct kvm_userspace_memory_region2));
    vm->attrs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                      NULL);
    g_ptr_array_add(d->vms, vm);
    add_obj(d, fd, D_VM, vm);
    return fd;
}

static int dev_ioctl(KVMDouble *d, unsigned long req, void *arg)
{
    switch (req) {
    case KVM_GET_API_VERSION:
        return KVM_API_VERSION;
    case KVM_CHECK_EXTENSION:
        return double_cap(d, -1, (long)(uintptr_t)arg);
    case KVM_GET_VCPU_MMAP_SIZE:
        return DVCPU_MMAP_SIZE;
    case KVM_CREATE_VM:
        return dev_create_vm(d, (uintptr_t)arg);
    case KVM_GET_SUPPORTED_CPUID:
        return dev_get_supported_cpuid(arg);
    default:
        return -ENOTTY;
    }
}

/* ---- guest_memfd ---- */

static int vm_create_gmem(KVMDouble *d, DVm *vm,
                          struct kvm_create_guest_memfd *c)
{
    uint64_t ok = double_cap(d, vm->type, KVM_CAP_GUEST_MEMFD_FLAGS);
    uint64_t pages;
    DGmem *g;
    struct stat st;
    int fd;

    if (!double_cap(d, vm->type, KVM_CAP_GUEST_MEMFD)) {
        return -EINVAL;
    }
    /*
     * reserved[] is not checked: the spec says EINVAL, but the 6.18 kernel
     * creates the file (the contract test records this).
     */
    if ((c->flags & ~ok) || !c->size || (c->size & (DPAGE - 1))) {
        return -EINVAL;
    }
    fd = new_memfd("kvm-double-gmem", c->size, true);
    if (fd < 0) {
        return fd;
    }
    if (fstat(fd, &st) < 0) {
        close(fd);
        return -EIO;
    }
    pages = c->size / DPAGE;
    g = g_new0(DGmem, 1);
    g->fd = fd;
    g->ino = st.st_ino;
    g->size = c->size;
    g->flags = c->flags;
    g->vm = vm;
    g->private = g_malloc0(pages);
    g->pinned = g_malloc0(pages);
    g->bound = g_malloc0(pages);
    /* in-place v7: pages start private unless INIT_SHARED (spec §10.1) */
    pages_set(g->private, 0, pages,
              !(c->flags & GUEST_MEMFD_FLAG_INIT_SHARED));
    g_ptr_array_add(d->gmems, g);
    return fd;
}

static bool range_ok(uint64_t off, uint64_t size, uint64_t limit)
{
    return size && !(off & (DPAGE - 1)) && !(size & (DPAGE - 1)) &&
           off + size > off && off < limit && off + size <= limit;
}

static int gmem_set_attributes2(KVMDouble *d, int fd,
                                struct kvm_memory_attributes2 *a)
{
    DGmem *g = gmem_of(d, fd);
    uint64_t mask, first, n;
    bool to_private;

    if (!g) {
        return -ENOTTY;        /* not a guest_memfd: no such ioctl */
    }
    if (!gmem_attributes_mode(d)) {
        return -ENOTTY;
    }
    mask = double_cap(d, g->vm ? g->vm->type : -1,
                      KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES);
    for (unsigned i = 0; i < G_N_ELEMENTS(a->reserved); i++) {
        if (a->reserved[i]) {
            return -EINVAL;
        }
    }
    if (a->flags || (a->attributes & ~mask) ||
        !range_ok(a->offset, a->size, g->size)) {
        return -EINVAL;
    }
    to_private = a->attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE;
    first = a->offset / DPAGE;
    n = a->size / DPAGE;
    /* nothing to do when the range already is in that state */
    if (pages_find(g->private, first, first + n, !to_private) ==
        first + n) {
        return 0;
    }
    if (to_private) {
        uint64_t p = pages_find(g->pinned, first, first + n, true);

        if (p < first + n) {
            a->error_offset = p * DPAGE;
            return -EAGAIN;
        }
    }
    pages_set(g->private, first, n, to_private);
    return 0;
}

static int double_fallocate(int fd, int mode, uint64_t offset, uint64_t len,
                            void *opaque)
{
    KVMDouble *d = opaque;
    DGmem *g;
    int ret;

    g_mutex_lock(&d->lock);
    count_call(d, KVM_DOUBLE_OP_FALLOCATE);
    ret = injected(d, KVM_DOUBLE_OP_FALLOCATE);
    g = gmem_of(d, fd);
    if (!ret && g) {
        /* guest_memfd's rules (spec §4) */
        if (!(mode & FALLOC_FL_KEEP_SIZE) ||
            (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))) {
            ret = -EOPNOTSUPP;
        } else if ((offset | len) & (DPAGE - 1) || offset + len < offset ||
                   offset + len > g->size) {
            ret = -EINVAL;
        }
    }
    g_mutex_unlock(&d->lock);
    if (ret) {
        return ret;
    }
    return fallocate(fd, mode, offset, len) < 0 ? -errno : 0;
}

/* ---- memslots ---- */

static struct kvm_userspace_memory_region2 *find_slot(DVm *vm, uint32_t id,
                                                     guint *idx)
{
    for (guint i = 0; i < vm->slots->len; i++) {
        struct kvm_userspace_memory_region2 *s =
            &g_array_index(vm->slots, struct kvm_userspace_memory_region2, i);

        if (s->slot == id) {
            if (idx) {
                *idx = i;
            }
            return s;
        }
    }
    return NULL;
}

static void gmem_bind(KVMDouble *d,
                      const struct kvm_userspace_memory_region2 *s, bool bind)
{
    DGmem *g;

    if (!(s->flags & KVM_MEM_GUEST_MEMFD)) {
        return;
    }
    for (guint i = 0; i < d->gmems->len; i++) {
        g = g_ptr_array_index(d->gmems, i);
        /* the slot keeps the inode in pad1's place: see vm_set_region */
        if ((uint32_t)g->ino == s->pad1) {
            pages_set(g->bound, s->guest_memfd_offset / DPAGE,
                      s->memory_size / DPAGE, bind);
            return;
        }
    }
}

static int vm_set_region(KVMDouble *d, DVm *vm,
                         const struct kvm_userspace_memory_region2 *m,
                         bool v2)
{
    uint32_t valid = KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY;
    uint16_t as_id = m->slot >> 16, id = m->slot & 0xffff;
    struct kvm_userspace_memory_region2 *old, rec;
    bool gmem = m->flags & KVM_MEM_GUEST_MEMFD;
    guint idx;
    DGmem *g;

    if (v2 && double_cap(d, vm->type, KVM_CAP_GUEST_MEMFD)) {
        valid |= KVM_MEM_GUEST_MEMFD;
    }
    if (gmem) {
        valid &= ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY);
    }
    if (m->flags & ~valid) {
        return -EINVAL;
    }
    if (as_id >= 2 || id >= DNR_MEMSLOTS) {
        return -EINVAL;
    }
    if ((m->memory_size | m->guest_phys_addr | m->userspace_addr) &
        (DPAGE - 1)) {
        return -EINVAL;
    }
    if (m->userspace_addr + m->memory_size < m->userspace_addr ||
        m->userspace_addr + m->memory_size > DUSER_TOP) {
        return -EINVAL;
    }
    if (gmem && ((m->guest_memfd_offset & (DPAGE - 1)) ||
                 m->guest_memfd_offset + m->memory_size <
                 m->guest_memfd_offset)) {
        return -EINVAL;
    }
    if (m->guest_phys_addr + m->memory_size < m->guest_phys_addr) {
        return -EINVAL;
    }
    old = find_slot(vm, m->slot, &idx);
    if (!m->memory_size) {
        if (!old) {
            return -EINVAL;
        }
        gmem_bind(d, old, false);
        g_array_remove_index(vm->slots, idx);
        return 0;
    }
    if (old) {
        /* guest_memfd slots are immutable (spec §5) */
        if (gmem || (old->flags & KVM_MEM_GUEST_MEMFD)) {
            return -EINVAL;
        }
        if (m->userspace_addr != old->userspace_addr ||
            m->memory_size != old->memory_size ||
            ((m->flags ^ old->flags) & KVM_MEM_READONLY)) {
            return -EINVAL;
        }
    }
    for (guint i = 0; i < vm->slots->len; i++) {
        struct kvm_userspace_memory_region2 *s =
            &g_array_index(vm->slots, struct kvm_userspace_memory_region2, i);

        if (s == old || (s->slot >> 16) != as_id) {
            continue;
        }
        if (m->guest_phys_addr < s->guest_phys_addr + s->memory_size &&
            s->guest_phys_addr < m->guest_phys_addr + m->memory_size) {
            return -EEXIST;
        }
    }
    rec = *m;
    rec.pad1 = 0;
    if (gmem) {
        struct stat st;

        if (fstat(m->guest_memfd, &st) < 0) {
            return -EBADF;
        }
        g = gmem_of(d, m->guest_memfd);
        if (!g || g->vm != vm ||
            m->guest_memfd_offset + m->memory_size > g->size) {
            return -EINVAL;
        }
        uint64_t end = (m->guest_memfd_offset + m->memory_size) / DPAGE;

        if (pages_find(g->bound, m->guest_memfd_offset / DPAGE, end, true) <
            end) {
            /* the lab's 7.3 (kvm_gmem_bind) says EEXIST, 6.18 EINVAL */
            return d->profile == KVM_DOUBLE_LAB_73 ? -EEXIST : -EINVAL;
        }
        rec.pad1 = (uint32_t)g->ino;
    }
    if (old) {
        *old = rec;
    } else {
        g_array_append_val(vm->slots, rec);
        gmem_bind(d, &rec, true);
    }
    return 0;
}

/* ---- VM-scoped attributes ---- */

static int vm_set_attributes(KVMDouble *d, DVm *vm,
                             struct kvm_memory_attributes *a)
{
    uint64_t mask;

    /* absent on 6.18 kernels without it and with vm_memory_attributes=0 */
    if (d->profile != KVM_DOUBLE_LAB_73) {
        return -ENOTTY;
    }
    mask = double_cap(d, vm->type, KVM_CAP_MEMORY_ATTRIBUTES);
    if (a->flags || (a->attributes & ~mask) ||
        !range_ok(a->address, a->size, UINT64_MAX)) {
        return -EINVAL;
    }
    for (uint64_t gfn = a->address / DPAGE;
         gfn < (a->address + a->size) / DPAGE; gfn++) {
        if (a->attributes) {
            uint64_t *k = g_new(uint64_t, 1);

            *k = gfn;
            g_hash_table_replace(vm->attrs, k,
                                 GSIZE_TO_POINTER(a->attributes));
        } else {
            g_hash_table_remove(vm->attrs, &gfn);
        }
    }
    return 0;
}

/* ---- vCPUs ---- */

static int vm_create_vcpu(KVMDouble *d, DVm *vm, unsigned long id)
{
    DVcpu *v;
    int fd;

    if (id >= DMAX_VCPUS) {
        return -EINVAL;
    }
    for (guint i = 0; i < d->vcpus->len; i++) {
        DVcpu *o = g_ptr_array_index(d->vcpus, i);

        if (o->vm == vm && o->id == id) {
            return -EEXIST;
        }
    }
    /* kvm_run lives in the memfd: the VMM's real mmap() of it works */
    fd = new_memfd("kvm-double-vcpu", DVCPU_MMAP_SIZE, false);
    if (fd < 0) {
        return fd;
    }
    v = g_new0(DVcpu, 1);
    v->fd = fd;
    v->id = id;
    v->vm = vm;
    v->mp.mp_state = id ? KVM_MP_STATE_UNINITIALIZED : KVM_MP_STATE_RUNNABLE;
    v->sregs.cr0 = 0x60000010;
    v->regs.rflags = 2;
    g_queue_init(&v->exits);
    g_ptr_array_add(d->vcpus, v);
    add_obj(d, fd, D_VCPU, v);
    return fd;
}

static int vcpu_run(KVMDouble *d, DVcpu *v)
{
    struct kvm_run run;
    DExit *e;
    int ret = 0;

    if (pread(v->fd, &run, sizeof(run), 0) != sizeof(run)) {
        return -EFAULT;
    }
    if (v->hc_pending) {
        v->hc_pending = false;
        v->hc_done = true;
        v->hc_ret = run.hypercall.ret;
    }
    if (run.immediate_exit) {
        /* the kernel leaves exit_reason alone here (contract test) */
        ret = -EINTR;
        goto out;
    }
    v->runs++;
    memset(run.padding, 0, sizeof(run.padding));
    e = g_queue_pop_head(&v->exits);
    while (e && e->reason == KVM_EXIT_HYPERCALL && v->vm &&
           !(v->vm->hypercalls & (1ULL << e->a[0]))) {
        /* not enabled: KVM completes it in the kernel */
        g_free(e);
        e = g_queue_pop_head(&v->exits);
    }
    if (!e) {
        run.exit_reason = KVM_EXIT_HLT;
        goto out;
    }
    run.exit_reason = e->reason;
    switch (e->reason) {
    case KVM_EXIT_MEMORY_FAULT:
        run.memory_fault.gpa = e->a[0];
        run.memory_fault.size = e->a[1];
        run.memory_fault.flags = e->a[2] ? KVM_MEMORY_EXIT_FLAG_PRIVATE : 0;
        ret = -EFAULT;
        break;
    case KVM_EXIT_HYPERCALL:
        run.hypercall.nr = e->a[0];
        run.hypercall.args[0] = e->a[1];
        run.hypercall.args[1] = e->a[2];
        run.hypercall.args[2] = e->a[3];
        run.hypercall.ret = 0;
        run.hypercall.flags = KVM_EXIT_HYPERCALL_LONG_MODE;
        v->hc_pending = true;
        break;
    default:
        break;
    }
    g_free(e);
out:
    if (pwrite(v->fd, &run, sizeof(run), 0) != sizeof(run)) {
        return -EFAULT;
    }
    return ret;
}

static int vcpu_ioctl(KVMDouble *d, DVcpu *v, unsigned long req, void *arg)
{
    switch (req) {
    case KVM_RUN:
        return vcpu_run(d, v);
    case KVM_GET_REGS:
        memcpy(arg, &v->regs, sizeof(v->regs));
        return 0;
    case KVM_SET_REGS:
        memcpy(&v->regs, arg, sizeof(v->regs));
        return 0;
    case KVM_GET_SREGS:
        memcpy(arg, &v->sregs, sizeof(v->sregs));
        return 0;
    case KVM_SET_SREGS:
        memcpy(&v->sregs, arg, sizeof(v->sregs));
        return 0;
    case KVM_SET_FPU:
        memcpy(&v->fpu, arg, sizeof(v->fpu));
        return 0;
    case KVM_GET_FPU:
        memcpy(arg, &v->fpu, sizeof(v->fpu));
        return 0;
    case KVM_GET_MP_STATE:
        memcpy(arg, &v->mp, sizeof(v->mp));
        return 0;
    case KVM_SET_MP_STATE:
        /* other states than RUNNABLE need the in-kernel LAPIC */
        if ((!v->vm || !v->vm->irqchip) &&
            ((struct kvm_mp_state *)arg)->mp_state !=
            KVM_MP_STATE_RUNNABLE) {
            return -EINVAL;
        }
        memcpy(&v->mp, arg, sizeof(v->mp));
        return 0;
    case KVM_SET_CPUID2:
        return ((struct kvm_cpuid2 *)arg)->nent > 256 ? -E2BIG : 0;
    case KVM_SET_MSRS:
        return ((struct kvm_msrs *)arg)->nmsrs;
    default:
        return -ENOTTY;
    }
}

static int vm_ioctl(KVMDouble *d, DVm *vm, unsigned long req, void *arg)
{
    switch (req) {
    case KVM_CHECK_EXTENSION:
        return double_cap(d, vm->type, (long)(uintptr_t)arg);
    case KVM_CREATE_VCPU:
        return vm_create_vcpu(d, vm, (uintptr_t)arg);
    case KVM_CREATE_GUEST_MEMFD:
        return vm_create_gmem(d, vm, arg);
    case KVM_SET_USER_MEMORY_REGION2:
        return vm_set_region(d, vm, arg, true);
    case KVM_SET_USER_MEMORY_REGION: {
        struct kvm_userspace_memory_region2 m = { 0 };

        memcpy(&m, arg, sizeof(struct kvm_userspace_memory_region));
        return vm_set_region(d, vm, &m, false);
    }
    case KVM_SET_MEMORY_ATTRIBUTES:
        return vm_set_attributes(d, vm, arg);
    case KVM_ENABLE_CAP: {
        struct kvm_enable_cap *c = arg;

        if (c->flags || c->cap != KVM_CAP_EXIT_HYPERCALL ||
            (c->args[0] & ~double_cap(d, vm->type, c->cap))) {
            return -EINVAL;
        }
        vm->hypercalls = c->args[0];
        return 0;
    }
    case KVM_SET_TSS_ADDR:
    case KVM_SET_IDENTITY_MAP_ADDR:
        return 0;
    case KVM_CREATE_IRQCHIP:
        if (vm->irqchip) {
            return -EEXIST;
        }
        for (guint i = 0; i < d->vcpus->len; i++) {
            if (((DVcpu *)g_ptr_array_index(d->vcpus, i))->vm == vm) {
                return -EINVAL;     /* only before the first vCPU */
            }
        }
        vm->irqchip = true;
        return 0;
    case KVM_CREATE_PIT2:
        if (vm->pit) {
            return -EEXIST;
        }
        vm->pit = true;
        return 0;
    case KVM_IRQ_LINE_STATUS:
        if (!vm->irqchip) {
            return -ENXIO;
        }
        ((struct kvm_irq_level *)arg)->status = 1;
        return 0;
    default:
        return -ENOTTY;
    }
}

/* ---- the seam ---- */

static int double_open(const char *path, int flags, void *opaque)
{
    KVMDouble *d = opaque;
    int ret;

    g_mutex_lock(&d->lock);
    count_call(d, KVM_DOUBLE_OP_OPEN);
    ret = injected(d, KVM_DOUBLE_OP_OPEN);
    if (!ret) {
        ret = new_memfd("kvm-double-dev", 0, false);
        if (ret >= 0) {
            add_obj(d, ret, D_DEV, NULL);
        }
    }
    g_mutex_unlock(&d->lock);
    return ret;
}

void kvm_double_set_hook(KVMDouble *d, KVMDoubleHook fn, void *opaque)
{
    g_mutex_lock(&d->lock);
    d->hook = fn;
    d->hook_opaque = opaque;
    g_mutex_unlock(&d->lock);
}

static int double_ioctl(int fd, unsigned long req, void *arg, void *opaque)
{
    KVMDouble *d = opaque;
    KVMDoubleHook hook;
    void *hook_opaque;
    DObj *o;
    int ret;

    g_mutex_lock(&d->lock);
    hook = d->hook;
    hook_opaque = d->hook_opaque;
    g_mutex_unlock(&d->lock);
    if (hook) {
        hook(fd, req, hook_opaque);
    }
    g_mutex_lock(&d->lock);
    d->ioctls++;
    count_call(d, req);
    ret = injected(d, req);
    if (ret) {
        if (req == KVM_SET_MEMORY_ATTRIBUTES2 && arg &&
            (ret == -ENOMEM || ret == -EAGAIN)) {
            struct kvm_memory_attributes2 *a = arg;

            a->error_offset = a->offset;
        }
        goto out;
    }
    o = g_hash_table_lookup(d->objs, GINT_TO_POINTER(fd));
    if (!o) {
        if (req == KVM_SET_MEMORY_ATTRIBUTES2) {
            ret = gmem_set_attributes2(d, fd, arg);
        } else {
            ret = fcntl(fd, F_GETFD) < 0 ? -EBADF : -ENOTTY;
        }
    } else if (o->kind == D_DEV) {
        ret = dev_ioctl(d, req, arg);
    } else if (o->kind == D_VM) {
        ret = vm_ioctl(d, o->p, req, arg);
    } else {
        ret = vcpu_ioctl(d, o->p, req, arg);
    }
out:
    g_mutex_unlock(&d->lock);
    return ret;
}

static int double_close(int fd, void *opaque)
{
    KVMDouble *d = opaque;
    DObj *o;
    int ret;

    g_mutex_lock(&d->lock);
    count_call(d, KVM_DOUBLE_OP_CLOSE);
    o = g_hash_table_lookup(d->objs, GINT_TO_POINTER(fd));
    if (o && o->kind == D_VCPU) {
        DVcpu *v = o->p;

        g_ptr_array_remove(d->vcpus, v);
    } else if (o && o->kind == D_VM) {
        DVm *vm = o->p;

        /* guest_memfds keep working for the double, unbound */
        for (guint i = 0; i < d->gmems->len; i++) {
            DGmem *g = g_ptr_array_index(d->gmems, i);

            if (g->vm == vm) {
                g->vm = NULL;
                pages_set(g->bound, 0, g->size / DPAGE, false);
            }
        }
        for (guint i = 0; i < d->vcpus->len; i++) {
            DVcpu *v = g_ptr_array_index(d->vcpus, i);

            if (v->vm == vm) {
                v->vm = NULL;
            }
        }
        g_ptr_array_remove(d->vms, vm);
        vm_free(vm);
    }
    if (o) {
        g_hash_table_remove(d->objs, GINT_TO_POINTER(fd));
    }
    ret = close(fd) < 0 ? -errno : 0;
    g_mutex_unlock(&d->lock);
    return ret;
}

KVMDouble *kvm_double_new(KVMDoubleProfile p)
{
    KVMDouble *d = g_new0(KVMDouble, 1);

    d->profile = p;
    g_mutex_init(&d->lock);
    d->objs = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    d->vms = g_ptr_array_new();
    d->vcpus = g_ptr_array_new_with_free_func(vcpu_free);
    d->gmems = g_ptr_array_new_with_free_func(gmem_free);
    d->faults = g_array_new(false, true, sizeof(DFault));
    d->overrides = g_array_new(false, true, sizeof(DCapOverride));
    d->counts = g_hash_table_new(NULL, NULL);
    d->ops = (KVMOps) {
        .name = "kvm-double",
        .open_device = double_open,
        .ioctl = double_ioctl,
        .close = double_close,
        .fallocate = double_fallocate,
        .opaque = d,
    };
    return d;
}

void kvm_double_free(KVMDouble *d)
{
    GHashTableIter it;
    gpointer key;

    if (!d) {
        return;
    }
    g_hash_table_iter_init(&it, d->objs);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        close(GPOINTER_TO_INT(key));
    }
    g_hash_table_destroy(d->objs);
    for (guint i = 0; i < d->vms->len; i++) {
        vm_free(g_ptr_array_index(d->vms, i));
    }
    g_ptr_array_free(d->vms, true);
    g_ptr_array_free(d->vcpus, true);
    g_ptr_array_free(d->gmems, true);
    g_array_free(d->faults, true);
    g_array_free(d->overrides, true);
    g_hash_table_destroy(d->counts);
    g_mutex_clear(&d->lock);
    g_free(d);
}

const KVMOps *kvm_double_ops(KVMDouble *d)
{
    return &d->ops;
}

void kvm_double_install(KVMDouble *d)
{
    kvm_set_ops(&d->ops);
}

void kvm_double_uninstall(void)
{
    kvm_set_ops(NULL);
}

/* ---- readback ---- */

/* Is @g's file still open under its original fd? */
static bool gmem_fd_open(DGmem *g)
{
    struct stat st;

    return fstat(g->fd, &st) == 0 && st.st_ino == g->ino;
}

unsigned kvm_double_open_fds(KVMDouble *d)
{
    unsigned n;

    g_mutex_lock(&d->lock);
    n = g_hash_table_size(d->objs);
    for (guint i = 0; i < d->gmems->len; i++) {
        n += gmem_fd_open(g_ptr_array_index(d->gmems, i));
    }
    g_mutex_unlock(&d->lock);
    return n;
}

static DVm *newest_vm(KVMDouble *d)
{
    return d->vms->len ? g_ptr_array_index(d->vms, d->vms->len - 1) : NULL;
}

int kvm_double_vm_fd(KVMDouble *d)
{
    DVm *vm;
    int fd;

    g_mutex_lock(&d->lock);
    vm = newest_vm(d);
    fd = vm ? vm->fd : -1;
    g_mutex_unlock(&d->lock);
    return fd;
}

uint64_t kvm_double_gpa_attributes(KVMDouble *d, uint64_t gpa)
{
    uint64_t gfn = gpa / DPAGE, v = 0;
    DVm *vm;

    g_mutex_lock(&d->lock);
    vm = newest_vm(d);
    if (vm) {
        v = GPOINTER_TO_SIZE(g_hash_table_lookup(vm->attrs, &gfn));
    }
    g_mutex_unlock(&d->lock);
    return v;
}

int64_t kvm_double_gmem_attributes(KVMDouble *d, int gmem_fd,
                                   uint64_t offset)
{
    DGmem *g;
    int64_t v;

    g_mutex_lock(&d->lock);
    g = gmem_of(d, gmem_fd);
    if (!g) {
        v = -EBADF;
    } else if (offset >= g->size) {
        v = -EINVAL;
    } else {
        v = g->private[offset / DPAGE] ?
            KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
    }
    g_mutex_unlock(&d->lock);
    return v;
}

int64_t kvm_double_gmem_flags(KVMDouble *d, int gmem_fd)
{
    DGmem *g;
    int64_t v;

    g_mutex_lock(&d->lock);
    g = gmem_of(d, gmem_fd);
    v = g ? (int64_t)g->flags : -EBADF;
    g_mutex_unlock(&d->lock);
    return v;
}

static gint slot_cmp(gconstpointer a, gconstpointer b)
{
    const struct kvm_userspace_memory_region2 *x = a, *y = b;

    return x->slot < y->slot ? -1 : x->slot > y->slot;
}

unsigned kvm_double_nr_slots(KVMDouble *d)
{
    DVm *vm;
    unsigned n;

    g_mutex_lock(&d->lock);
    vm = newest_vm(d);
    n = vm ? vm->slots->len : 0;
    g_mutex_unlock(&d->lock);
    return n;
}

bool kvm_double_get_slot(KVMDouble *d, unsigned i,
                         struct kvm_userspace_memory_region2 *out)
{
    bool ok = false;
    DVm *vm;

    g_mutex_lock(&d->lock);
    vm = newest_vm(d);
    if (vm && i < vm->slots->len) {
        g_array_sort(vm->slots, slot_cmp);
        *out = g_array_index(vm->slots, struct kvm_userspace_memory_region2,
                             i);
        out->pad1 = 0;
        ok = true;
    }
    g_mutex_unlock(&d->lock);
    return ok;
}

uint64_t kvm_double_hypercalls_enabled(KVMDouble *d)
{
    DVm *vm;
    uint64_t v;

    g_mutex_lock(&d->lock);
    vm = newest_vm(d);
    v = vm ? vm->hypercalls : 0;
    g_mutex_unlock(&d->lock);
    return v;
}

bool kvm_double_irqchip_created(KVMDouble *d)
{
    DVm *vm;
    bool v;

    g_mutex_lock(&d->lock);
    vm = newest_vm(d);
    v = vm && vm->irqchip;
    g_mutex_unlock(&d->lock);
    return v;
}

unsigned kvm_double_nr_vcpus(KVMDouble *d)
{
    unsigned n;

    g_mutex_lock(&d->lock);
    n = d->vcpus->len;
    g_mutex_unlock(&d->lock);
    return n;
}

void kvm_double_gmem_pin(KVMDouble *d, int gmem_fd, uint64_t offset,
                         bool pinned)
{
    DGmem *g;

    g_mutex_lock(&d->lock);
    g = gmem_of(d, gmem_fd);
    if (g && offset < g->size) {
        g->pinned[offset / DPAGE] = pinned;
    }
    g_mutex_unlock(&d->lock);
}

/* ---- scripted exits ---- */

static DVcpu *vcpu_by_index(KVMDouble *d, unsigned index)
{
    for (guint i = 0; i < d->vcpus->len; i++) {
        DVcpu *v = g_ptr_array_index(d->vcpus, i);

        if (v->id == index) {
            return v;
        }
    }
    return NULL;
}

static void queue_exit(KVMDouble *d, unsigned index, uint32_t reason,
                       uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    DExit *e = g_new0(DExit, 1);
    DVcpu *v;

    e->reason = reason;
    e->a[0] = a0;
    e->a[1] = a1;
    e->a[2] = a2;
    e->a[3] = a3;
    g_mutex_lock(&d->lock);
    v = vcpu_by_index(d, index);
    if (v) {
        g_queue_push_tail(&v->exits, e);
    } else {
        g_free(e);
    }
    g_mutex_unlock(&d->lock);
}

void kvm_double_queue_memory_fault(KVMDouble *d, unsigned index,
                                   uint64_t gpa, uint64_t size,
                                   bool to_private)
{
    queue_exit(d, index, KVM_EXIT_MEMORY_FAULT, gpa, size, to_private, 0);
}

void kvm_double_queue_hypercall(KVMDouble *d, unsigned index, uint64_t nr,
                                uint64_t a0, uint64_t a1, uint64_t a2)
{
    queue_exit(d, index, KVM_EXIT_HYPERCALL, nr, a0, a1, a2);
}

void kvm_double_queue_hlt(KVMDouble *d, unsigned index)
{
    queue_exit(d, index, KVM_EXIT_HLT, 0, 0, 0, 0);
}

bool kvm_double_hypercall_ret(KVMDouble *d, unsigned index, int64_t *ret)
{
    DVcpu *v;
    bool ok = false;

    g_mutex_lock(&d->lock);
    v = vcpu_by_index(d, index);
    if (v && v->hc_done) {
        *ret = v->hc_ret;
        ok = true;
    }
    g_mutex_unlock(&d->lock);
    return ok;
}

unsigned kvm_double_vcpu_runs(KVMDouble *d, unsigned index)
{
    DVcpu *v;
    unsigned n = 0;

    g_mutex_lock(&d->lock);
    v = vcpu_by_index(d, index);
    if (v) {
        n = v->runs;
    }
    g_mutex_unlock(&d->lock);
    return n;
}
