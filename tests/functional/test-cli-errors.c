/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bad command lines: each must print QEMU's message on stderr, exit with
 * status 1 and leave nothing behind (files, shm objects, processes).
 */

#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "../qtest/libqtest.h"

#define PFX "qemu-system-x86_64: "
#define SIZE_HINT \
    "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, " \
    "peta-\nand exabytes, respectively.\n"
#define ID_HINT \
    "Identifiers consist of letters, digits, '-', '.', '_', starting with " \
    "a letter.\n"

/* Common prefixes: a machine without vCPUs, with or without KVM. */
#define QT "-machine", "none", "-accel", "qtest", "-display", "none", \
           "-nodefaults"
#define KV "-machine", "none", "-accel", "kvm", "-display", "none", \
           "-nodefaults"

enum {
    NEED_KVM = 1 << 0,          /* /dev/kvm usable */
    NEED_GMEM = 1 << 1,         /* guest_memfd MMAP|INIT_SHARED */
    NEED_NO_HUGEPAGES = 1 << 2, /* host has no free huge pages */
    ENV_NO_KVM = 1 << 3,        /* run with QEMU_KVM_DEVICE=/nonexistent */
};

typedef struct CliErrorCase {
    const char *name;
    const char *argv[24];      /* "@TMP@" is replaced by the temp dir */
    const char *expected;      /* the whole of stderr, "@TMP@" replaced */
    unsigned flags;
} CliErrorCase;

#define OBJ(arg) "-object", arg
#define E_OBJ(arg, msg) PFX "-object " arg ": " msg "\n"
/*
 * QEMU creates objects after option parsing: errors of property setters
 * and complete() carry no "-object ...:" location.
 */
#define E_NEW(msg) PFX msg "\n"

/* microvm on KVM with -bios (the image is read at machine init) */
#define MV "-machine", "microvm", "-accel", "kvm", "-m", "16M", \
           "-display", "none", "-nodefaults"

static const CliErrorCase cases[] = {
    /* -bios, in QEMU's x86_bios_rom_init() words */
    { "bios-missing", { MV, "-bios", "@TMP@/no-such.bin" },
      "qemu: could not load PC BIOS '@TMP@/no-such.bin'\n", NEED_KVM },
    { "bios-not-64k-multiple", { MV, "-bios", "@TMP@/bios-4k.bin" },
      "qemu: could not load PC BIOS '@TMP@/bios-4k.bin'\n", NEED_KVM },
    { "bios-empty", { MV, "-bios", "@TMP@/bios-empty.bin" },
      "qemu: could not load PC BIOS '@TMP@/bios-empty.bin'\n", NEED_KVM },
    { "bios-with-kernel", { MV, "-bios", "@TMP@/bios-64k.bin", "-kernel",
                            "@TMP@/bios-64k.bin" },
      E_NEW("qemu-gmem's microvm boots -kernel directly; it cannot be "
            "combined with -bios"), NEED_KVM },
    /* Sizes */
    { "size-zero-ram", { QT, OBJ("memory-backend-ram,id=m0,size=0") },
      E_NEW("property 'size' of memory-backend-ram doesn't take value '0'") },
    { "size-zero-memfd", { QT, OBJ("memory-backend-memfd,id=m0,size=0") },
      E_NEW("property 'size' of memory-backend-memfd doesn't take value '0'") },
    { "size-zero-json", { QT, OBJ("{\"qom-type\":\"memory-backend-ram\","
                                  "\"id\":\"m0\",\"size\":0}") },
      E_NEW("property 'size' of memory-backend-ram doesn't take value '0'") },
    { "size-bad-suffix", { QT, OBJ("memory-backend-ram,id=m0,size=1Q") },
      E_OBJ("memory-backend-ram,id=m0,size=1Q",
            "Parameter 'size' expects a size value") },
    { "size-garbage", { QT, OBJ("memory-backend-ram,id=m0,size=big") },
      E_OBJ("memory-backend-ram,id=m0,size=big",
            "Parameter 'size' expects a size value") },
    { "size-negative", { QT, OBJ("memory-backend-ram,id=m0,size=-1") },
      E_OBJ("memory-backend-ram,id=m0,size=-1",
            "Parameter 'size' expects a size value") },
    { "size-overflow", { QT, OBJ("memory-backend-ram,id=m0,size=16E") },
      E_OBJ("memory-backend-ram,id=m0,size=16E",
            "Parameter 'size' expects a size value") },
    { "size-json-string", { QT, OBJ("{\"qom-type\":\"memory-backend-ram\","
                                    "\"id\":\"m0\",\"size\":\"1G\"}") },
      E_OBJ("{\"qom-type\":\"memory-backend-ram\",\"id\":\"m0\","
            "\"size\":\"1G\"}",
            "Parameter 'size' expects uint64") },

    { "prealloc-threads-overflow", { QT, OBJ("memory-backend-ram,id=m0,"
                                             "size=1M,"
                                             "prealloc-threads=4294967296") },
      E_OBJ("memory-backend-ram,id=m0,size=1M,prealloc-threads=4294967296",
            "Parameter 'prealloc-threads' expects uint32_t") },
    { "prealloc-threads-negative", { QT, OBJ("memory-backend-ram,id=m0,"
                                             "size=1M,prealloc-threads=-1") },
      E_OBJ("memory-backend-ram,id=m0,size=1M,prealloc-threads=-1",
            "Parameter 'prealloc-threads' expects a uint64 value") },
    { "prealloc-threads-json-overflow",
      { QT, OBJ("{\"qom-type\":\"memory-backend-ram\",\"id\":\"m0\","
                "\"size\":1048576,\"prealloc-threads\":-1}") },
      E_OBJ("{\"qom-type\":\"memory-backend-ram\",\"id\":\"m0\","
            "\"size\":1048576,\"prealloc-threads\":-1}",
            "Parameter 'prealloc-threads' expects uint32_t") },
    { "hugetlbsize-not-power-of-2", { QT, OBJ("memory-backend-memfd,id=m0,"
                                              "size=4M,hugetlb=on,"
                                              "hugetlbsize=3M") },
      E_NEW("Hugepage size must be a power of 2") },
    /*
     * Where QEMU is wrong: it takes a negative JSON size as 2^64 - n and
     * aborts (assertion in find_ram_offset); we refuse it.
     */
    { "size-json-negative-better-than-qemu",
      { QT, OBJ("{\"qom-type\":\"memory-backend-ram\",\"id\":\"m0\","
                "\"size\":-5}") },
      E_NEW("cannot set up guest memory 'm0': size 0xfffffffffffffffb is too "
            "large") },
    { "size-unbackable", { QT, OBJ("memory-backend-ram,id=m0,size=8E") },
      E_NEW("cannot set up guest memory 'm0': Cannot allocate memory") },
    { "empty-id", { QT, OBJ("memory-backend-ram,id=,size=1M") },
      E_OBJ("memory-backend-ram,id=,size=1M",
            "Parameter 'id' expects an identifier") ID_HINT },

    /* Properties, enums, booleans */
    { "unknown-property", { QT, OBJ("memory-backend-ram,id=m0,size=1M,"
                                    "foo=bar") },
      E_OBJ("memory-backend-ram,id=m0,size=1M,foo=bar",
            "Invalid parameter 'foo'") },
    { "unknown-property-json", { QT, OBJ("{\"qom-type\":\"memory-backend-ram\","
                                         "\"id\":\"m0\",\"size\":1048576,"
                                         "\"foo\":1}") },
      E_OBJ("{\"qom-type\":\"memory-backend-ram\",\"id\":\"m0\","
            "\"size\":1048576,\"foo\":1}",
            "Parameter 'foo' is unexpected") },
    { "bad-enum", { QT, OBJ("memory-backend-ram,id=m0,size=1M,policy=fast") },
      E_OBJ("memory-backend-ram,id=m0,size=1M,policy=fast",
            "Parameter 'policy' does not accept value 'fast'") },
    { "bad-bool", { QT, OBJ("memory-backend-ram,id=m0,size=1M,share=maybe") },
      E_OBJ("memory-backend-ram,id=m0,size=1M,share=maybe",
            "Parameter 'share' expects 'on' or 'off'") },
    { "prealloc-threads-zero", { QT, OBJ("memory-backend-ram,id=m0,size=1M,"
                                         "prealloc-threads=0") },
      E_NEW("property 'prealloc-threads' of memory-backend-ram doesn't take "
            "value '0'") },

    /* Missing members */
    { "missing-qom-type", { QT, OBJ("id=m0,size=1M") },
      E_OBJ("id=m0,size=1M", "Parameter 'qom-type' is missing") },
    { "missing-id", { QT, OBJ("memory-backend-ram,size=1M") },
      E_OBJ("memory-backend-ram,size=1M", "Parameter 'id' is missing") },
    { "missing-id-json", { QT, OBJ("{\"qom-type\":\"memory-backend-ram\","
                                   "\"size\":1048576}") },
      E_OBJ("{\"qom-type\":\"memory-backend-ram\",\"size\":1048576}",
            "Parameter 'id' is missing") },
    { "missing-size", { QT, OBJ("memory-backend-ram,id=m0") },
      E_OBJ("memory-backend-ram,id=m0", "Parameter 'size' is missing") },
    { "missing-mem-path", { QT, OBJ("memory-backend-file,id=m0,size=1M") },
      E_OBJ("memory-backend-file,id=m0,size=1M",
            "Parameter 'mem-path' is missing") },

    /* Identifiers */
    { "duplicate-id", { QT, OBJ("memory-backend-ram,id=m0,size=1M"),
                        OBJ("memory-backend-ram,id=m0,size=2M") },
      E_OBJ("memory-backend-ram,id=m0,size=2M",
            "Duplicate ID 'm0' for object") },
    { "duplicate-id-json", { QT, OBJ("{\"qom-type\":\"memory-backend-ram\","
                                     "\"id\":\"m0\",\"size\":1048576}"),
                             OBJ("{\"qom-type\":\"memory-backend-ram\","
                                 "\"id\":\"m0\",\"size\":1048576}") },
      E_NEW("attempt to add duplicate property 'm0' to object "
            "(type 'container')") },
    { "invalid-id", { QT, OBJ("memory-backend-ram,id=0abc,size=1M") },
      E_OBJ("memory-backend-ram,id=0abc,size=1M",
            "Parameter 'id' expects an identifier") ID_HINT },
    { "invalid-id-json", { QT, OBJ("{\"qom-type\":\"memory-backend-ram\","
                                   "\"id\":\"a b\",\"size\":1048576}") },
      E_NEW("Parameter 'id' expects an identifier") ID_HINT },

    /* prealloc vs reserve, both orders */
    { "prealloc-then-reserve-off", { QT, OBJ("memory-backend-ram,id=m0,"
                                             "size=1M,prealloc=on,"
                                             "reserve=off") },
      E_NEW("'prealloc=on' and 'reserve=off' are incompatible") },
    { "reserve-off-then-prealloc", { QT, OBJ("memory-backend-ram,id=m0,"
                                             "size=1M,reserve=off,"
                                             "prealloc=on") },
      E_NEW("'prealloc=on' and 'reserve=off' are incompatible") },

    /* NUMA */
    { "host-nodes-with-default-policy", { QT, OBJ("memory-backend-ram,id=m0,"
                                                  "size=1M,host-nodes=0") },
      E_NEW("host-nodes must be empty for policy default, or you should "
            "explicitly specify a policy other than default") },
    { "policy-bind-without-nodes", { QT, OBJ("memory-backend-ram,id=m0,"
                                             "size=1M,policy=bind") },
      E_NEW("host-nodes must be set for policy bind") },
    { "policy-interleave-without-nodes", { QT, OBJ("memory-backend-ram,"
                                                   "id=m0,size=1M,"
                                                   "policy=interleave") },
      E_NEW("host-nodes must be set for policy interleave") },
    { "host-nodes-beyond-host", { QT, OBJ("memory-backend-ram,id=m0,size=1M,"
                                          "host-nodes=100,policy=bind") },
      E_NEW("cannot bind memory to host NUMA nodes: Invalid argument") },
    { "host-nodes-128", { QT, OBJ("memory-backend-ram,id=m0,size=1M,"
                                  "host-nodes=128,policy=bind") },
      E_NEW("Invalid host-nodes value: 128") },

    /* Type-specific rules */
    { "shm-share-off", { QT, OBJ("memory-backend-shm,id=m0,size=1M,"
                                 "share=off") },
      E_NEW("can't create shm backend with `share=off`") },
    { "file-bad-mem-path", { QT, OBJ("memory-backend-file,id=m0,size=1M,"
                                     "mem-path=@TMP@/no/such/dir") },
      E_NEW("can't open backing store @TMP@/no/such/dir for guest RAM: "
            "No such file or directory") },
    { "memfd-hugetlb-without-hugepages", { QT, OBJ("memory-backend-memfd,"
                                                   "id=m0,size=2M,"
                                                   "hugetlb=on") },
      E_NEW("unable to map backing store for guest RAM: "
            "Cannot allocate memory"),
      NEED_NO_HUGEPAGES },

    { "memfd-hugetlbsize-zero", { QT, OBJ("memory-backend-memfd,id=m0,"
                                          "size=2M,hugetlbsize=0") },
      E_NEW("property 'hugetlbsize' of memory-backend-memfd doesn't take "
            "value '0'") },
    { "file-rom-off-readonly-shared", { QT, OBJ("memory-backend-file,id=m0,"
                                                "size=2M,mem-path=@TMP@,"
                                                "readonly=on,rom=off,"
                                                "share=on") },
      E_NEW("property 'rom' = 'off' is incompatible with 'readonly' = 'on' "
            "and 'share' = 'on'") },

    /* guest_memfd designs */
    { "memfd-gmem-share-off", { KV, OBJ("memory-backend-memfd,id=m0,size=2M,"
                                        "guest-memfd=on,share=off") },
      E_NEW("Guest-memfd=on must be used with share=on"),
      NEED_KVM },
    { "memfd-gmem-hugetlb", { KV, OBJ("memory-backend-memfd,id=m0,size=2M,"
                                      "guest-memfd=on,hugetlb=on") },
      E_NEW("guest-memfd=on cannot be used with hugetlb"),
      NEED_KVM },
    { "memfd-gmem-seal", { KV, OBJ("memory-backend-memfd,id=m0,size=2M,"
                                   "guest-memfd=on,seal=on") },
      E_NEW("guest-memfd=on cannot be used with seal"),
      NEED_KVM },
    { "memfd-gmem-hugetlbsize", { KV, OBJ("memory-backend-memfd,id=m0,"
                                          "size=2M,guest-memfd=on,"
                                          "hugetlbsize=2M") },
      E_NEW("guest-memfd=on cannot be used with hugetlbsize"),
      NEED_KVM },
    { "gmem-share-off", { KV, OBJ("memory-backend-guest-memfd,id=m0,size=2M,"
                                  "share=off") },
      E_NEW("memory-backend-guest-memfd requires share=on"),
      NEED_KVM },
    { "gmem-without-kvm", { QT, OBJ("memory-backend-guest-memfd,id=m0,"
                                    "size=2M") },
      E_NEW("guest-memfd requires KVM accelerator") },
    { "memfd-gmem-without-kvm", { QT, OBJ("memory-backend-memfd,id=m0,"
                                          "size=2M,guest-memfd=on") },
      E_NEW("guest-memfd requires KVM accelerator") },
    { "missing-dev-kvm", { KV, OBJ("memory-backend-guest-memfd,id=m0,"
                                   "size=2M") },
      PFX "-accel kvm: Could not access KVM kernel module: No such file or "
      "directory\n"
      PFX "-accel kvm: failed to initialize kvm: No such file or directory\n",
      ENV_NO_KVM },

    /* Machine RAM */
    { "m-vs-backend-size", { QT, "-m", "2M",
                             OBJ("memory-backend-ram,id=m0,size=1M"),
                             "-machine", "memory-backend=m0" },
      PFX "Machine memory size does not match the size of the memory "
      "backend\n" },
    { "backend-not-found", { QT, "-machine", "memory-backend=nope" },
      PFX "Memory backend 'nope' not found\n" },
    { "backend-not-a-backend", { QT, OBJ("thread-context,id=tc0"),
                                 "-machine", "memory-backend=tc0" },
      PFX "Memory backend 'tc0' not found\n" },
    { "reserved-default-ram-id", { QT, "-m", "4M",
                                   OBJ("memory-backend-ram,id=ram,size=4M") },
      PFX "object's id 'ram' is reserved for the default RAM backend, it "
      "can't be used for any other purposes\n"
      "Change the object's 'id' to something else or disable automatic "
      "creation of the default RAM backend by setting "
      "'memory-backend=ram' with '-machine'.\n" },
    { "m-garbage", { QT, "-m", "lots" },
      PFX "-m lots: Parameter 'size' expects a non-negative number below "
      "2^64\n" SIZE_HINT },
    { "m-overflow", { QT, "-m", "17179869184G" },
      PFX "-m 17179869184G: Value '17179869184G' is out of range for "
      "parameter 'size'\n" },
    { "m-maxmem-below-size", { QT, "-m", "size=64M,maxmem=32M" },
      PFX "-m size=64M,maxmem=32M: invalid value of maxmem: maximum memory "
      "size (0x2000000) must be at least the initial memory size "
      "(0x4000000)\n" },

    /* a chardev serves one front end */
    { "serial-on-monitor-chardev", { "-machine", "microvm", "-accel", "qtest",
                                     "-display", "none", "-nodefaults",
                                     "-chardev", "null,id=c0",
                                     "-mon", "chardev=c0,mode=control",
                                     "-serial", "chardev:c0" },
      PFX "Device 'c0' is in use\n" },

    /* Kernel */
    { "kernel-missing", { "-machine", "microvm", "-accel", "qtest",
                          "-display", "none", "-nodefaults",
                          "-kernel", "/nonexistent" },
      "qemu: could not open kernel file '/nonexistent': No such file or "
      "directory\n" },

    /* Monitors */
    { "mon-bad-mode", { QT, "-chardev", "null,id=c0",
                        "-mon", "chardev=c0,mode=fancy" },
      PFX "-mon chardev=c0,mode=fancy: Parameter 'mode' does not accept "
      "value 'fancy'\n" },
    { "monitor-unknown-chardev", { QT, "-monitor", "chardev:nope" },
      PFX "-monitor chardev:nope: chardev \"nope\" not found\n" },

    /* CPUs */
    { "smp-too-many-microvm", { "-machine", "microvm", "-accel", "qtest",
                                "-display", "none", "-nodefaults",
                                "-smp", "289" },
      PFX "Invalid SMP CPUs 289. The max CPUs supported by machine "
      "'microvm' is 288\n" },
    /* Our own limit below the machine type's: ours, not QEMU's, text. */
    { "smp-boot-limit-microvm", { "-machine", "microvm", "-accel", "qtest",
                                  "-display", "none", "-nodefaults",
                                  "-smp", "9" },
      PFX "qemu-gmem's microvm boots at most 8 vCPUs, not 9\n" },
    { "smp-too-many-none", { QT, "-smp", "2" },
      PFX "Invalid SMP CPUs 2. The max CPUs supported by machine 'none' "
      "is 1\n" },
    { "smp-zero", { QT, "-smp", "0" },
      PFX "Invalid CPU topology: CPU topology parameters must be greater "
      "than zero\n" },

    /* Options */
    { "unknown-option", { QT, "-foo" }, PFX "-foo: invalid option\n" },
    { "missing-argument", { QT, "-m" }, PFX "-m: requires an argument\n" },
    { "bad-json", { QT, OBJ("{\"qom-type\": ") },
      E_OBJ("{\"qom-type\": ", "JSON parse error, unexpected token near "
            "end of file") },
    { "json-not-object", { QT, OBJ("{\"qom-type\": [1]}") },
      E_OBJ("{\"qom-type\": [1]}",
            "Invalid parameter type for 'qom-type', expected: string") },
    { "unknown-qom-type", { QT, OBJ("memory-backend-foo,id=m0") },
      E_OBJ("memory-backend-foo,id=m0",
            "Parameter 'qom-type' does not accept value "
            "'memory-backend-foo'") },
    { "unknown-machine", { "-machine", "pc", "-accel", "qtest" },
      PFX "unsupported machine type: \"pc\"\n"
      "Use -machine help to list supported machines\n" },
    { "unknown-machine-property", { "-machine", "none,foo=bar", "-accel",
                                    "qtest" },
      PFX "Property 'none-machine.foo' not found\n" },
    { "machine-bad-bool", { "-machine", "none,mem-merge=maybe", "-accel",
                            "qtest" },
      PFX "Parameter 'mem-merge' expects 'on' or 'off'\n" },
    { "unknown-accel", { "-machine", "none", "-accel", "tcg" },
      PFX "-accel tcg: invalid accelerator tcg\n" },
    { "accel-fallback-kvm", { "-machine", "none,accel=kvm:qtest",
                              "-machine", "memory-backend=nope" },
      PFX "Could not access KVM kernel module: No such file or directory\n"
      PFX "failed to initialize kvm: No such file or directory\n"
      PFX "falling back to qtest\n"
      PFX "Memory backend 'nope' not found\n",
      ENV_NO_KVM },
    { "accel-fallback-invalid", { "-machine", "none", "-accel", "tcg",
                                  "-accel", "qtest",
                                  "-machine", "memory-backend=nope" },
      PFX "-accel tcg: invalid accelerator tcg\n"
      PFX "falling back to qtest\n"
      PFX "Memory backend 'nope' not found\n" },
    { "accel-bogus", { "-machine", "none", "-accel", "bogus" },
      PFX "-accel bogus: invalid accelerator bogus\n" },
    { "accel-both-ways", { "-machine", "none,accel=qtest", "-accel",
                           "qtest" },
      PFX "The -accel and \"-machine accel=\" options are incompatible\n" },
    { "unknown-device", { QT, "-device", "foo" },
      PFX "-device foo: 'foo' is not a valid device model name\n" },
    { "display-unavailable", { "-machine", "none", "-accel", "qtest",
                               "-display", "gtk,gl=on" },
      PFX "Display 'gtk' is not available.\n" },
    { "daemonize", { QT, "-daemonize" },
      PFX "-daemonize: daemonizing is not supported by qemu-gmem\n" },
    { "unknown-chardev-backend", { QT, "-chardev", "bogus,id=c0" },
      PFX "-chardev bogus,id=c0: 'bogus' is not a valid char driver name\n" },
    { "mon-unknown-chardev", { QT, "-mon", "chardev=nope,mode=control" },
      PFX "-mon chardev=nope,mode=control: chardev \"nope\" not found\n" },
};

static char *tmp_dir;
static bool host_has_hugepages;

static char *subst(const char *s)
{
    GString *out = g_string_new(NULL);
    const char *p;

    while ((p = strstr(s, "@TMP@"))) {
        g_string_append_len(out, s, p - s);
        g_string_append(out, tmp_dir);
        s = p + 5;
    }
    g_string_append(out, s);
    return g_string_free(out, FALSE);
}

/* g_ptr_array_sort() passes pointers to the elements */
static gint cmp_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in @dir whose name contains @filter (NULL: all). */
static char *dir_listing(const char *dir, const char *filter)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    char *joined;

    if (d) {
        while ((n = g_dir_read_name(d))) {
            if (!filter || strstr(n, filter)) {
                g_ptr_array_add(names, g_strdup(n));
            }
        }
        g_dir_close(d);
    }
    g_ptr_array_sort(names, cmp_names);
    g_ptr_array_add(names, NULL);
    joined = g_strjoinv("\n", (char **)names->pdata);
    g_ptr_array_free(names, TRUE);
    return joined;
}

static void test_case(gconstpointer opaque)
{
    const CliErrorCase *c = opaque;
    const char *argv[G_N_ELEMENTS(c->argv) + 1];
    char *expanded[G_N_ELEMENTS(c->argv)];
    char *out = NULL, *err = NULL, *expected;
    char *shm_before, *shm_after, *tmp_before, *tmp_after;
    const char *missing;
    int n, status;

    if ((c->flags & NEED_KVM) && (missing = qtest_kvm_missing())) {
        g_autofree char *why = g_strdup_printf("%s not available: the case "
                                               "needs KVM", missing);

        g_test_skip(why);
        return;
    }
    if ((c->flags & NEED_GMEM) && (missing = qtest_guest_memfd_missing())) {
        g_autofree char *why = g_strdup_printf("%s not available", missing);

        g_test_skip(why);
        return;
    }
    if ((c->flags & NEED_NO_HUGEPAGES) && host_has_hugepages) {
        g_test_skip("host has free huge pages: hugetlb memory would work");
        return;
    }

    for (n = 0; c->argv[n]; n++) {
        expanded[n] = subst(c->argv[n]);
        argv[n] = expanded[n];
    }
    argv[n] = NULL;
    expected = subst(c->expected);

    shm_before = dir_listing("/dev/shm", "qemu");
    tmp_before = dir_listing(tmp_dir, NULL);
    if (c->flags & ENV_NO_KVM) {
        g_setenv("QEMU_KVM_DEVICE", "/nonexistent", TRUE);
    }
    status = qtest_run_binary(argv, &out, &err, 60);
    if (c->flags & ENV_NO_KVM) {
        g_unsetenv("QEMU_KVM_DEVICE");
    }
    shm_after = dir_listing("/dev/shm", "qemu");
    tmp_after = dir_listing(tmp_dir, NULL);

    if (g_test_verbose() || status != 1 || g_strcmp0(err, expected)) {
        g_test_message("case %s: status %d\nstderr: %s\nexpected: %s",
                       c->name, status, err, expected);
    }
    /* Status 1 also proves the process ended by itself, not by timeout. */
    g_assert_cmpint(status, ==, 1);
    g_assert_cmpstr(err, ==, expected);
    g_assert_cmpstr(out, ==, "");
    g_assert_cmpstr(shm_after, ==, shm_before);
    g_assert_cmpstr(tmp_after, ==, tmp_before);

    g_free(shm_before);
    g_free(shm_after);
    g_free(tmp_before);
    g_free(tmp_after);
    g_free(expected);
    g_free(out);
    g_free(err);
    while (n-- > 0) {
        g_free(expanded[n]);
    }
}

static bool read_free_hugepages(void)
{
    char *meminfo = NULL;
    const char *p;
    bool has = false;

    if (g_file_get_contents("/proc/meminfo", &meminfo, NULL, NULL) &&
        (p = strstr(meminfo, "HugePages_Free:"))) {
        has = strtoul(p + strlen("HugePages_Free:"), NULL, 10) > 0;
    }
    g_free(meminfo);
    return has;
}

int main(int argc, char **argv)
{
    int ret;
    size_t i;

    g_test_init(&argc, &argv, NULL);
    /* One bad case must not hide the verdict on the others. */
    g_test_set_nonfatal_assertions();
    tmp_dir = g_dir_make_tmp("qemu-gmem-cli-XXXXXX", NULL);
    g_assert(tmp_dir);
    host_has_hugepages = read_free_hugepages();
    /* the -bios cases' images, there before and after every case */
    {
        g_autofree char *z = g_malloc0(64 * 1024);
        g_autofree char *f4k = g_build_filename(tmp_dir, "bios-4k.bin", NULL);
        g_autofree char *f0 = g_build_filename(tmp_dir, "bios-empty.bin",
                                               NULL);
        g_autofree char *f64k = g_build_filename(tmp_dir, "bios-64k.bin",
                                                 NULL);

        g_assert_true(g_file_set_contents(f4k, z, 4096, NULL));
        g_assert_true(g_file_set_contents(f0, z, 0, NULL));
        g_assert_true(g_file_set_contents(f64k, z, 64 * 1024, NULL));
    }

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *path = g_strdup_printf("/cli-errors/%s", cases[i].name);

        g_test_add_data_func(path, &cases[i], test_case);
        g_free(path);
    }
    ret = g_test_run();
    for (const char *const *f = (const char *const[]){ "bios-4k.bin",
             "bios-empty.bin", "bios-64k.bin", NULL }; *f; f++) {
        g_autofree char *p = g_build_filename(tmp_dir, *f, NULL);

        g_unlink(p);
    }
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
    return ret;
}
