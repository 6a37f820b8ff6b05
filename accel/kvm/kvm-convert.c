/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared/private conversion of guest memory: the one entry point for
 * KVM_EXIT_MEMORY_FAULT, the KVM_HC_MAP_GPA_RANGE exit and the SNP launch,
 * routed per section by the RAMBlock's model, plus the per-VM set-up a
 * confidential guest needs.
 */
#include "qemu/osdep.h"
#include <sched.h>
#include <time.h>
#include "qemu/main-loop.h"
#include "linux/kvm.h"
#include "qapi/error.h"
#include "system/kvm.h"
#include "system/kvm_int.h"
#include "system/memory.h"
#include "system/ramblock.h"
#include "system/ram-block-attributes.h"

/*
 * EAGAIN from KVM_SET_MEMORY_ATTRIBUTES2 means a page still has extra
 * references (a pin, in-flight I/O): the listeners have been told to drop
 * theirs, the kernel already retried once; a couple more tries cover a
 * transient reference, then the guest hears about it.
 */
#define CONVERT_EAGAIN_RETRIES 2
/* Refused guest requests reported before the log goes quiet. */
#define CONVERT_REPORT_LIMIT 16
/* Guest requests between two sched_yield()s of the vCPU thread. */
#define CONVERT_YIELD_EVERY 16

static ConfidentialMemoryModel vm_model = CGS_MODEL_NONE;
static MemoryListener initial_listener;
static bool initial_listener_on;
static Error *initial_err;
static unsigned reports_left = CONVERT_REPORT_LIMIT;
static gint guest_requests;   /* all vCPU threads count here */
static int convert_log = -1;  /* QEMU_GMEM_CONVERT_LOG set: log requests */

static const char *state_name(bool to_private)
{
    return to_private ? "private" : "shared";
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int timed_ioctl(RamBlockAttributes *attr, int fd, unsigned long req,
                       void *arg)
{
    uint64_t t0 = now_ns();
    int ret = kvm_fd_ioctl(fd, req, arg);

    attr->stats.kernel_ns += now_ns() - t0;
    return ret;
}

static void count(RamBlockAttributes *attr, bool to_private, uint64_t bytes)
{
    if (to_private) {
        attr->stats.to_private++;
        attr->stats.to_private_bytes += bytes;
    } else {
        attr->stats.to_shared++;
        attr->stats.to_shared_bytes += bytes;
    }
}

/* ---- legacy: VM-wide attribute, then drop the stale copy ---- */

static int legacy_set_attr(RamBlockAttributes *attr, hwaddr gpa,
                           uint64_t size, bool to_private, Error **errp)
{
    struct kvm_memory_attributes a = {
        .address = gpa,
        .size = size,
        .attributes = to_private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
    };
    int ret = timed_ioctl(attr, kvm_get_vm_fd(), KVM_SET_MEMORY_ATTRIBUTES,
                          &a);

    if (ret < 0) {
        error_setg_errno(errp, -ret, "Unable to set memory attributes of "
                         "(0x%" HWADDR_PRIx ", + 0x%" PRIx64 ") to %s", gpa,
                         size, state_name(to_private));
    }
    return ret;
}

static int convert_legacy_run(RamBlockAttributes *attr, hwaddr gpa,
                              uint64_t off, uint64_t size, bool to_private,
                              Error **errp)
{
    RAMBlock *rb = attr->rb;
    int ret;

    ret = legacy_set_attr(attr, gpa, size, to_private, errp);
    if (ret < 0) {
        return ret;
    }
    /* the kernel took it: the map follows, then listeners, then discard */
    ram_block_attributes_set_range(attr, off, size, to_private);
    count(attr, to_private, size);
    if (to_private) {
        ram_block_attributes_notify_discard(rb, off, size);
        /* hugetlb backing is preallocated on purpose: keep it */
        if (rb->page_size != qemu_real_host_page_size()) {
            return 0;
        }
        ret = ram_block_discard_range(rb, off, size);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "cannot discard the shared pages "
                             "of RAMBlock '%s' (0x%" PRIx64 ", + 0x%" PRIx64
                             ")", rb->idstr, off, size);
        }
        return ret;
    }
    ret = ram_block_attributes_notify_populate(rb, off, size);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Failed to notify the listener the state "
                         "change of (0x%" HWADDR_PRIx " + 0x%" PRIx64 ") to "
                         "shared", gpa, size);
        return ret;
    }
    ret = ram_block_discard_guest_memfd_range(rb, off, size);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "cannot discard the private pages of "
                         "RAMBlock '%s' (0x%" PRIx64 ", + 0x%" PRIx64 ")",
                         rb->idstr, off, size);
    }
    return ret;
}

/* ---- in-place: per-guest_memfd attribute on the same pages ---- */

/*
 * KVM_SET_MEMORY_ATTRIBUTES2 over [off, off+size) of @rb.  The kernel
 * converts a range whole or not at all (it checks every page's references
 * before it flips any, spec §10.3): on failure nothing changed and
 * error_offset only names the page that stopped it.  EAGAIN (extra
 * references) is retried; the listeners were told to drop theirs.
 */
static int inplace_set(RamBlockAttributes *attr, uint64_t off, uint64_t size,
                       bool to_private, Error **errp)
{
    RAMBlock *rb = attr->rb;
    unsigned retries = CONVERT_EAGAIN_RETRIES;
    struct kvm_memory_attributes2 a;
    int ret;

    do {
        memset(&a, 0, sizeof(a));
        a.offset = rb->guest_memfd_offset + off;
        a.size = size;
        a.attributes = to_private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
        ret = timed_ioctl(attr, rb->guest_memfd, KVM_SET_MEMORY_ATTRIBUTES2,
                          &a);
    } while (ret == -EAGAIN && retries--);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Unable to convert guest_memfd of "
                         "RAMBlock '%s' (offset 0x%" PRIx64 ", + 0x%" PRIx64
                         ") to %s (error offset 0x%" PRIx64 ")", rb->idstr,
                         (uint64_t)a.offset, (uint64_t)a.size,
                         state_name(to_private), (uint64_t)a.error_offset);
        return ret;
    }
    /* the kernel took it: the map follows */
    ram_block_attributes_set_range(attr, off, size, to_private);
    count(attr, to_private, size);
    return 0;
}

static int convert_inplace_run(RamBlockAttributes *attr, uint64_t off,
                               uint64_t size, bool to_private, Error **errp)
{
    int ret;

    if (to_private) {
        /* unmap before converting to private (RFC patch 8 order) */
        ram_block_attributes_notify_discard(attr->rb, off, size);
        ret = inplace_set(attr, off, size, true, errp);
        if (ret < 0) {
            /* it stayed shared: DMA users may map it again */
            ram_block_attributes_notify_populate(attr->rb, off, size);
        }
        return ret;
    }
    ret = inplace_set(attr, off, size, false, errp);
    if (ret < 0) {
        return ret;
    }
    /* map after converting to shared */
    ret = ram_block_attributes_notify_populate(attr->rb, off, size);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Failed to notify the listener the state "
                         "change of (0x%" PRIx64 " + 0x%" PRIx64 ") to shared",
                         off, size);
    }
    return ret;
}

/* ---- the walk over sections ---- */

typedef struct ConvertCtx {
    bool to_private;
    bool check_only;
    Error **errp;
} ConvertCtx;

static int convert_section(MemoryRegionSection *sec, void *opaque)
{
    ConvertCtx *ctx = opaque;
    MemoryRegion *mr = sec->mr;
    RamBlockAttributes *attr;
    uint64_t off, end, run, len;

    if (!mr || !memory_region_is_ram(mr)) {
        /* holes and MMIO: firmware makes them shared (PCI windows) */
        if (!ctx->to_private) {
            return 0;
        }
        goto refuse;
    }
    attr = ram_block_attributes_get(mr->ram_block);
    if (!attr ||
        !ram_block_attributes_range_valid(attr, sec->offset_within_region,
                                          sec->size)) {
        goto refuse;
    }
    if (ctx->check_only) {
        return 0;
    }
    off = sec->offset_within_region;
    end = off + sec->size;
    /* only what is not yet in the wanted state goes to the kernel */
    while (ram_block_attributes_next_run(attr, off, end, ctx->to_private,
                                         &run, &len)) {
        hwaddr gpa = sec->offset_within_address_space +
                     (run - sec->offset_within_region);
        int ret;

        if (attr->model == RAM_CONVERT_IN_PLACE) {
            ret = convert_inplace_run(attr, run, len, ctx->to_private,
                                      ctx->errp);
        } else {
            ret = convert_legacy_run(attr, gpa, run, len, ctx->to_private,
                                     ctx->errp);
        }
        if (ret < 0) {
            attr->stats.failures++;
            return ret;
        }
        off = run + len;
    }
    return 0;

refuse:
    error_setg(ctx->errp, "Convert non guest_memfd backed memory region "
               "(0x%" HWADDR_PRIx ", + 0x%" PRIx64 ") to %s",
               sec->offset_within_address_space, sec->size,
               state_name(ctx->to_private));
    return -EINVAL;
}

int kvm_convert_memory(hwaddr start, hwaddr size, bool to_private,
                       Error **errp)
{
    ConvertCtx ctx = { .to_private = to_private, .errp = errp };
    uint64_t psz = qemu_real_host_page_size();
    int ret;

    if (!kvm_enabled()) {
        error_setg(errp, "Cannot convert memory to %s: KVM is not enabled",
                   state_name(to_private));
        return -ENODEV;
    }
    if (!size || !QEMU_IS_ALIGNED(start, psz) || !QEMU_IS_ALIGNED(size, psz) ||
        start + size < start) {
        error_setg(errp, "Invalid conversion range (0x%" HWADDR_PRIx ", + 0x%"
                   HWADDR_PRIx ") to %s", start, size, state_name(to_private));
        return -EINVAL;
    }
    if (initial_err) {
        error_setg(errp, "Cannot convert memory to %s: %s",
                   state_name(to_private), error_get_pretty(initial_err));
        return -EIO;
    }
    /* the slots the memslot worker registers must be final first */
    kvm_memslots_sync();
    /* a request that cannot be done entirely is refused before any change */
    ctx.check_only = true;
    ret = address_space_foreach_section(&address_space_memory, start, size,
                                        convert_section, &ctx);
    if (ret) {
        return ret;
    }
    ctx.check_only = false;
    return address_space_foreach_section(&address_space_memory, start, size,
                                         convert_section, &ctx);
}

int kvm_convert_guest_request(hwaddr start, hwaddr size, bool to_private,
                              const char *origin)
{
    Error *err = NULL;
    int ret;

    bql_lock();
    ret = kvm_convert_memory(start, size, to_private, &err);
    bql_unlock();
    /* the lab's evidence that real exits reach this path (tests/lab) */
    if (convert_log < 0) {
        convert_log = getenv("QEMU_GMEM_CONVERT_LOG") != NULL;
    }
    if (convert_log) {
        fprintf(stderr, "kvm-convert: %s 0x%" HWADDR_PRIx " + 0x%"
                HWADDR_PRIx " to %s: %s\n", origin, start, size,
                state_name(to_private), ret < 0 ? strerror(-ret) : "done");
    }
    /*
     * A guest can issue these back to back: the lock is free again, and
     * a main loop woken for it (QMP) should get it before this vCPU's
     * next exit does, so step aside now and then.
     */
    if (!((g_atomic_int_add(&guest_requests, 1) + 1) % CONVERT_YIELD_EVERY)) {
        sched_yield();
    }
    if (ret < 0) {
        /* a guest can repeat a bad request forever: keep the log short */
        if (reports_left) {
            reports_left--;
            error_prepend(&err, "%s: ", origin);
            if (!reports_left) {
                error_append_hint(&err, "(further refused conversion "
                                  "requests are not reported)\n");
            }
            error_report_err(err);
        } else {
            error_free(err);
        }
    }
    return ret;
}

/* ---- per-VM set-up ---- */

/*
 * Legacy RAM is private from the start (QEMU does the same when the slot
 * is registered).  Attributes belong to guest physical addresses, not to
 * memslots, so they follow the flat view here, independent of the
 * memslot worker.
 */
static void initial_region_add(MemoryListener *l, MemoryRegionSection *sec)
{
    RamBlockAttributes *attr;
    uint64_t off, end, run, len;

    if (!sec->mr || !sec->mr->ram_block) {
        return;
    }
    attr = ram_block_attributes_get(sec->mr->ram_block);
    if (!attr || attr->model != RAM_CONVERT_LEGACY ||
        !ram_block_attributes_range_valid(attr, sec->offset_within_region,
                                          sec->size)) {
        return;
    }
    off = sec->offset_within_region;
    end = off + sec->size;
    while (ram_block_attributes_next_run(attr, off, end, false, &run, &len)) {
        Error *err = NULL;

        if (legacy_set_attr(attr, sec->offset_within_address_space +
                            (run - sec->offset_within_region), len, true,
                            &err) < 0) {
            if (!initial_err) {
                initial_err = err;
            } else {
                error_free(err);
            }
            return;
        }
        off = run + len;
    }
}

static void initial_region_del(MemoryListener *l, MemoryRegionSection *sec)
{
    RamBlockAttributes *attr;
    Error *err = NULL;

    if (!sec->mr || !sec->mr->ram_block) {
        return;
    }
    attr = ram_block_attributes_get(sec->mr->ram_block);
    if (!attr || attr->model != RAM_CONVERT_LEGACY || !kvm_enabled()) {
        return;
    }
    /* the address range no longer holds this block: nothing private there */
    if (legacy_set_attr(attr, sec->offset_within_address_space, sec->size,
                        false, &err) < 0) {
        warn_report_err(err);
    }
}

bool kvm_confidential_setup(ConfidentialMemoryModel model, Error **errp)
{
    const KVMCaps *c = kvm_get_caps();
    int ret;

    if (!c) {
        error_setg(errp, "a confidential guest needs the KVM accelerator");
        return false;
    }
    if (!c->guest_memfd) {
        error_setg(errp, "KVM does not support guest_memfd");
        return false;
    }
    if (model == CGS_MODEL_IN_PLACE &&
        !(c->gmem_memory_attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE)) {
        error_setg(errp, "convert-in-place=on needs per-guest_memfd memory "
                   "attributes: KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES is "
                   "0x%" PRIx64 " for this VM (a kernel with in-place "
                   "conversion, booted with kvm.vm_memory_attributes=0, "
                   "offers them)", c->gmem_memory_attributes);
        return false;
    }
    if (model == CGS_MODEL_LEGACY &&
        !(c->memory_attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE)) {
        error_setg(errp, "convert-in-place=off needs VM memory attributes: "
                   "KVM_CAP_MEMORY_ATTRIBUTES is 0x%" PRIx64 " for this VM",
                   c->memory_attributes);
        if (c->gmem_memory_attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE) {
            error_append_hint(errp, "This kernel converts guest_memfd in "
                              "place (vm_memory_attributes=0): use "
                              "convert-in-place=on.\n");
        }
        return false;
    }
    /* only a confidential guest's MAP_GPA_RANGE is ours to handle */
    if (c->exit_hypercall & (1ULL << KVM_HC_MAP_GPA_RANGE)) {
        struct kvm_enable_cap cap = {
            .cap = KVM_CAP_EXIT_HYPERCALL,
            .args[0] = 1ULL << KVM_HC_MAP_GPA_RANGE,
        };

        ret = kvm_vm_ioctl(KVM_ENABLE_CAP, &cap);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to enable "
                             "KVM_CAP_EXIT_HYPERCALL for "
                             "KVM_HC_MAP_GPA_RANGE");
            return false;
        }
    }
    vm_model = model;
    reports_left = CONVERT_REPORT_LIMIT;
    if (model == CGS_MODEL_LEGACY && !initial_listener_on) {
        initial_listener.region_add = initial_region_add;
        initial_listener.region_del = initial_region_del;
        /* after the memslot listener (10): slots first, as QEMU */
        initial_listener.priority = 20;
        initial_listener.name = "kvm-private-at-start";
        memory_listener_register(&initial_listener, &address_space_memory);
        initial_listener_on = true;
    }
    return true;
}

bool kvm_confidential_check(Error **errp)
{
    if (initial_err) {
        error_propagate(errp, error_copy(initial_err));
        return false;
    }
    return true;
}

void kvm_confidential_cleanup(void)
{
    if (initial_listener_on) {
        memory_listener_unregister(&initial_listener);
        initial_listener_on = false;
    }
    if (initial_err) {
        error_free(initial_err);
        initial_err = NULL;
    }
    vm_model = CGS_MODEL_NONE;
}

ConfidentialMemoryModel kvm_confidential_model(void)
{
    return vm_model;
}
