/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared/private conversion of guest memory: the one entry point for
 * KVM_EXIT_MEMORY_FAULT, the KVM_HC_MAP_GPA_RANGE exit and the SNP launch.
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include "linux/kvm.h"
#include "qapi/error.h"
#include "system/kvm.h"
#include "system/kvm_int.h"
#include "system/memory.h"
#include "system/ramblock.h"

typedef struct ConvertCtx {
    bool to_private;
    int ret;
} ConvertCtx;

static const char *state_name(bool to_private)
{
    return to_private ? "private" : "shared";
}

static int convert_gmem_section(MemoryRegionSection *sec, ConvertCtx *ctx)
{
    const KVMCaps *c = kvm_get_caps();
    RAMBlock *rb = sec->mr->ram_block;
    hwaddr gpa = sec->offset_within_address_space;
    int ret;

    if (c->gmem_memory_attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE) {
        /* in-place: per-guest_memfd attributes, same pages both ways */
        struct kvm_memory_attributes2 attr = {
            .offset = rb->guest_memfd_offset + sec->offset_within_region,
            .size = sec->size,
            .attributes = ctx->to_private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
        };

        ret = kvm_fd_ioctl(rb->guest_memfd, KVM_SET_MEMORY_ATTRIBUTES2, &attr);
        if (ret < 0) {
            error_report("Unable to convert guest_memfd range (offset 0x%"
                         PRIx64 ", + 0x%" PRIx64 ") to %s: %s",
                         (uint64_t)attr.offset, (uint64_t)attr.size,
                         state_name(ctx->to_private), strerror(-ret));
        }
        return ret;
    }
    if (c->memory_attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE) {
        /* legacy: VM-scoped attribute, then drop the stale copy */
        struct kvm_memory_attributes attr = {
            .address = gpa,
            .size = sec->size,
            .attributes = ctx->to_private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
        };

        ret = kvm_vm_ioctl(KVM_SET_MEMORY_ATTRIBUTES, &attr);
        if (ret < 0) {
            error_report("Unable to set memory attributes of (0x%"
                         HWADDR_PRIx ", + 0x%" PRIx64 ") to %s: %s", gpa,
                         sec->size, state_name(ctx->to_private),
                         strerror(-ret));
            return ret;
        }
        if (ctx->to_private) {
            if (rb->page_size == qemu_real_host_page_size()) {
                ram_block_discard_range(rb, sec->offset_within_region,
                                        sec->size);
            }
        } else {
            ram_block_discard_guest_memfd_range(rb, sec->offset_within_region,
                                                sec->size);
        }
        return 0;
    }
    error_report("Cannot convert memory to %s: KVM_CAP_MEMORY_ATTRIBUTES "
                 "(private) not supported by this VM (nor "
                 "KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES)",
                 state_name(ctx->to_private));
    return -ENOTSUP;
}

static int convert_section(MemoryRegionSection *sec, void *opaque)
{
    ConvertCtx *ctx = opaque;
    MemoryRegion *mr = sec->mr;

    if (!mr) {
        /* Firmware converts holes to shared (PCI windows); nothing to do. */
        if (!ctx->to_private) {
            return 0;
        }
    } else if (memory_region_has_guest_memfd(mr)) {
        ctx->ret = convert_gmem_section(sec, ctx);
        return ctx->ret;
    } else if (!ctx->to_private && !memory_region_is_ram(mr)) {
        return 0;   /* MMIO made shared: already is */
    }
    error_report("Convert non guest_memfd backed memory region (0x%"
                 HWADDR_PRIx ", + 0x%" PRIx64 ") to %s",
                 sec->offset_within_address_space, sec->size,
                 state_name(ctx->to_private));
    ctx->ret = -EINVAL;
    return ctx->ret;
}

int kvm_convert_memory(hwaddr start, hwaddr size, bool to_private)
{
    ConvertCtx ctx = { .to_private = to_private, .ret = 0 };
    uint64_t psz = qemu_real_host_page_size();

    if (!kvm_enabled()) {
        return -ENODEV;
    }
    if (!size || !QEMU_IS_ALIGNED(start, psz) || !QEMU_IS_ALIGNED(size, psz) ||
        start + size < start) {
        error_report("Invalid conversion range (0x%" HWADDR_PRIx ", + 0x%"
                     HWADDR_PRIx ") to %s", start, size,
                     state_name(to_private));
        return -EINVAL;
    }
    address_space_foreach_section(&address_space_memory, start, size,
                                  convert_section, &ctx);
    return ctx.ret;
}
