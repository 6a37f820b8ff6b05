/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fault injection through the KVM seam: every KVM call the VMM makes at
 * start-up and at run time fails once with each errno it can return, and
 * each must give one clear error (or be retried, for EINTR) and leave no
 * fd, mapping or KVM object behind.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <linux/falloc.h>
#include "qapi/error.h"
#include "system/cpus.h"
#include "system/hostmem.h"
#include "system/memory.h"
#include "system/ramblock.h"
#include "kvm-double.h"

#define MiB (1024 * 1024ULL)

typedef enum Stage {
    STARTUP,           /* accel init, guest_memfd, memslots, irqchip, vCPU */
    HOTPLUG,           /* RAM mapped at run time (synchronous memslot) */
    PREALLOC,          /* preallocating a guest_memfd */
} Stage;

typedef struct FaultOp {
    const char *name;
    unsigned long request;
    KVMDoubleProfile profile;
    int vm_type;
    Stage stage;
    /* the error the VMM reports: printf format taking strerror() */
    const char *msg;
    bool prefix;         /* msg is only the start of the text */
} FaultOp;

#define HOST KVM_DOUBLE_HOST_618
#define LAB KVM_DOUBLE_LAB_73

static const FaultOp ops[] = {
    /* cached for the process once it succeeded: must come first */
    { "GET_SUPPORTED_CPUID", KVM_GET_SUPPORTED_CPUID, HOST, 0, STARTUP,
      "KVM_GET_SUPPORTED_CPUID failed: %s" },
    { "open /dev/kvm", KVM_DOUBLE_OP_OPEN, HOST, 0, STARTUP,
      "Could not access KVM kernel module: %s" },
    { "GET_API_VERSION", KVM_GET_API_VERSION, HOST, 0, STARTUP,
      "kvm version too old" },
    { "CREATE_VM", KVM_CREATE_VM, HOST, 0, STARTUP,
      "ioctl(KVM_CREATE_VM) failed: %s" },
    { "GET_VCPU_MMAP_SIZE", KVM_GET_VCPU_MMAP_SIZE, HOST, 0, STARTUP,
      "KVM_GET_VCPU_MMAP_SIZE failed: %s" },
    { "SET_IDENTITY_MAP_ADDR", KVM_SET_IDENTITY_MAP_ADDR, HOST, 0, STARTUP,
      "KVM_SET_IDENTITY_MAP_ADDR failed: %s" },
    { "SET_TSS_ADDR", KVM_SET_TSS_ADDR, HOST, 0, STARTUP,
      "KVM_SET_TSS_ADDR failed: %s" },
    { "CREATE_GUEST_MEMFD", KVM_CREATE_GUEST_MEMFD, HOST, 0, STARTUP,
      "Error creating KVM guest_memfd: %s" },
    { "SET_USER_MEMORY_REGION2", KVM_SET_USER_MEMORY_REGION2, HOST, 0,
      STARTUP, "KVM_SET_USER_MEMORY_REGION2 failed for slot 0 (gpa 0x0 "
      "size 0x200000 ", true },
    { "CREATE_IRQCHIP", KVM_CREATE_IRQCHIP, HOST, 0, STARTUP,
      "Create kernel irqchip failed: %s" },
    { "CREATE_PIT2", KVM_CREATE_PIT2, HOST, 0, STARTUP,
      "Create kernel PIT failed: %s" },
    { "CREATE_VCPU", KVM_CREATE_VCPU, HOST, 0, STARTUP,
      "kvm_init_vcpu: kvm_create_vcpu failed (0): %s" },
    { "SET_CPUID2", KVM_SET_CPUID2, HOST, 0, STARTUP,
      "KVM_SET_CPUID2 failed for vCPU 0: %s" },
    { "SET_MSRS", KVM_SET_MSRS, HOST, 0, STARTUP,
      "KVM_SET_MSRS failed: %s" },
    { "SET_USER_MEMORY_REGION2 (hot-add)", KVM_SET_USER_MEMORY_REGION2,
      HOST, 0, HOTPLUG, "KVM_SET_USER_MEMORY_REGION2 failed for slot 1 "
      "(gpa 0x10000000 size 0x200000 ", true },
    { "fallocate(guest_memfd)", KVM_DOUBLE_OP_FALLOCATE, HOST, 0, PREALLOC,
      "qemu_prealloc_mem: preallocating memory failed: %s" },
};

static const int ioctl_errnos[] = { ENOMEM, EFAULT, EINVAL, EAGAIN, EINTR };

static unsigned count_fds(void)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
    unsigned n = 0;

    g_assert_nonnull(dir);
    while (g_dir_read_name(dir)) {
        n++;
    }
    return n;
}

static bool maps_mention_double(void)
{
    g_autofree char *maps = NULL;

    g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
    if (strstr(maps, "memfd:kvm-double")) {
        g_test_message("%s", maps);
        return true;
    }
    return false;
}

typedef struct Machine {
    MemoryRegion ram;
    bool ram_init, ram_mapped;
} Machine;

/* The start-up sequence of a one-vCPU guest on guest_memfd RAM. */
static bool machine_start(Machine *m, const FaultOp *op, Error **errp)
{
    uint64_t flags = GUEST_MEMFD_FLAG_MMAP;
    int fd;

    if (!kvm_accel_init(op->vm_type, errp)) {
        return false;
    }
    if (kvm_get_caps()->guest_memfd_flags & GUEST_MEMFD_FLAG_INIT_SHARED) {
        flags |= GUEST_MEMFD_FLAG_INIT_SHARED;
    }
    fd = kvm_create_guest_memfd(2 * MiB, flags, errp);
    if (fd < 0) {
        return false;
    }
    memset(&m->ram, 0, sizeof(m->ram));
    if (!memory_region_init_ram_from_fd(&m->ram, NULL, "fault-ram", 2 * MiB,
                                        RAM_SHARED | RAM_GUEST_MEMFD_SHARED,
                                        fd, 0, errp)) {
        close(fd);
        return false;
    }
    m->ram_init = true;
    memory_region_add_subregion(get_system_memory(), 0, &m->ram);
    m->ram_mapped = true;
    if (!kvm_memslots_check(errp)) {
        return false;
    }
    return cpus_create(1, errp);
}

static void machine_stop(Machine *m)
{
    cpus_destroy();
    if (m->ram_mapped) {
        memory_region_del_subregion(get_system_memory(), &m->ram);
    }
    if (m->ram_init) {
        memory_region_finalize(&m->ram);
    }
    kvm_accel_cleanup();
}

static void run_row(const FaultOp *op, int err)
{
    KVMDouble *d = kvm_double_new(op->profile);
    unsigned fds_before = count_fds();
    Machine m = { 0 };
    Error *local_err = NULL;
    bool ok;

    kvm_double_install(d);
    if (op->stage == STARTUP) {
        kvm_double_fail(d, op->request, 1, err);
        ok = machine_start(&m, op, &local_err);
        /* the call was really made, once or retried */
        g_assert_cmpuint(kvm_double_count(d, op->request), >=, 1);
        if (err == EINTR && op->request != KVM_DOUBLE_OP_OPEN) {
            /* every KVM ioctl but KVM_RUN is retried on EINTR */
            g_assert_null(local_err);
            g_assert_true(ok);
        } else {
            g_autofree char *want = g_strdup_printf(op->msg, strerror(err));

            g_assert_false(ok);
            g_assert_nonnull(local_err);
            if (op->prefix) {
                g_autofree char *tail = g_strdup_printf(": %s",
                                                        strerror(err));

                g_assert_true(g_str_has_prefix(error_get_pretty(local_err),
                                               want));
                g_assert_true(g_str_has_suffix(error_get_pretty(local_err),
                                               tail));
            } else {
                g_assert_cmpstr(error_get_pretty(local_err), ==, want);
            }
            error_free(local_err);
        }
    } else if (op->stage == HOTPLUG) {
        MemoryRegion hot;
        MemoryRegionSection sec;
        g_autofree char *want = g_strdup_printf(op->msg, strerror(err));
        g_autofree char *tail = g_strdup_printf(": %s", strerror(err));

        g_assert_true(machine_start(&m, op, &error_abort));
        memset(&hot, 0, sizeof(hot));
        g_assert_true(memory_region_init_ram_flags_nomigrate(&hot, NULL,
                                                             "fault-hot",
                                                             2 * MiB, 0,
                                                             &error_abort));
        sec = (MemoryRegionSection) {
            .mr = &hot, .offset_within_address_space = 256 * MiB,
            .size = 2 * MiB,
        };
        kvm_double_fail(d, op->request, 1, err);
        ok = kvm_memslot_add_section(&sec, &local_err);
        if (err == EINTR) {
            g_assert_true(ok);
            g_assert_cmpuint(kvm_double_nr_slots(d), ==, 2);
            g_assert_true(kvm_memslot_del_section(&sec, &error_abort));
        } else {
            g_assert_false(ok);
            g_assert_true(g_str_has_prefix(error_get_pretty(local_err),
                                           want));
            g_assert_true(g_str_has_suffix(error_get_pretty(local_err),
                                           tail));
            error_free(local_err);
            /* not registered, and the next one goes in */
            g_assert_cmpuint(kvm_double_nr_slots(d), ==, 1);
            g_assert_true(kvm_memslot_add_section(&sec, &error_abort));
            g_assert_true(kvm_memslot_del_section(&sec, &error_abort));
        }
        g_assert_cmpuint(kvm_double_nr_slots(d), ==, 1);
        memory_region_finalize(&hot);
    } else {
        RAMBlock *rb;

        g_assert_true(machine_start(&m, op, &error_abort));
        rb = m.ram.ram_block;
        kvm_double_fail(d, op->request, 1, err);
        ok = qemu_prealloc_mem(rb->guest_memfd, rb->guest_memfd_offset,
                               (char *)rb->host, 2 * MiB, 1, true,
                               &local_err);
        g_assert_cmpuint(kvm_double_count(d, op->request), >=, 1);
        if (err == EINTR) {
            g_assert_true(ok);
        } else {
            g_autofree char *want = g_strdup_printf(op->msg, strerror(err));

            g_assert_false(ok);
            g_assert_cmpstr(error_get_pretty(local_err), ==, want);
            error_free(local_err);
        }
    }
    machine_stop(&m);
    kvm_double_uninstall();
    /* nothing left behind */
    g_assert_cmpuint(kvm_double_open_fds(d), ==, 0);
    g_assert_cmpuint(count_fds(), ==, fds_before);
    g_assert_false(maps_mention_double());
    g_assert_false(kvm_enabled());
    g_assert_null(qemu_get_cpu(0));
    kvm_double_free(d);
}

typedef struct Row {
    const FaultOp *op;
    int err;
} Row;

static void test_row(gconstpointer data)
{
    const Row *r = data;

    run_row(r->op, r->err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (unsigned i = 0; i < G_N_ELEMENTS(ops); i++) {
        const int *errs = ioctl_errnos;
        unsigned nerr = G_N_ELEMENTS(ioctl_errnos);
        static const int fallocate_errnos[] = { ENOSPC, ENOMEM, EINTR };

        if (ops[i].stage == PREALLOC) {
            errs = fallocate_errnos;
            nerr = G_N_ELEMENTS(fallocate_errnos);
        }
        for (unsigned j = 0; j < nerr; j++) {
            Row *r = g_new(Row, 1);
            g_autofree char *path = NULL;
            g_autofree char *name = g_strdelimit(g_strdup(ops[i].name),
                                                 " ()/", '-');

            r->op = &ops[i];
            r->err = errs[j];
            path = g_strdup_printf("/kvm-faults/%02u-%s/%s", i, name,
                                   strerrorname_np(errs[j]));
            g_test_add_data_func_full(path, r, test_row, g_free);
        }
    }
    return g_test_run();
}
