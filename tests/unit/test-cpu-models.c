/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -cpu parsing and how a named model narrows KVM's supported CPUID. */
#include "qemu/osdep.h"
#include "linux/kvm.h"
#include "hw/i386/cpu-models.h"

/* A host whose KVM supports every bit of the leaves models touch. */
static void full_host(struct kvm_cpuid_entry2 *e)
{
    static const uint32_t fns[] = { 0, 1, 7, 0x80000001 };

    memset(e, 0, 4 * sizeof(*e));
    for (int i = 0; i < 4; i++) {
        e[i].function = fns[i];
        e[i].eax = e[i].ebx = e[i].ecx = e[i].edx = 0xffffffff;
    }
}

static void parse_ok(const char *arg)
{
    Error *err = NULL;

    g_assert_true(x86_cpu_model_parse(arg, &err));
    g_assert_null(err);
}

static void test_qemu64(void)
{
    struct kvm_cpuid_entry2 e[4];
    uint32_t apic_id = 7;

    parse_ok("qemu64,apic-id=0");
    g_assert_cmpstr(x86_cpu_model_name(), ==, "qemu64");
    g_assert_true(x86_cpu_model_apic_id(&apic_id));
    g_assert_cmpuint(apic_id, ==, 0);
    full_host(e);
    x86_cpu_model_filter_cpuid(e, 4);
    /* leaf 0 untouched; QEMU's qemu64 words, x2apic on, svm off (KVM) */
    g_assert_cmphex(e[0].eax, ==, 0xffffffff);
    g_assert_cmphex(e[1].edx, ==, 0x078bfbfd);
    g_assert_cmphex(e[1].ecx, ==, 0x00202001);
    g_assert_cmphex(e[1].eax, ==, 0xffffffff);
    g_assert_cmphex(e[2].ebx | e[2].ecx | e[2].edx | e[2].eax, ==, 0);
    g_assert_cmphex(e[3].edx, ==, 0x20100800);
    g_assert_cmphex(e[3].ecx, ==, 0x00000001);
}

static void test_host_unfiltered(void)
{
    struct kvm_cpuid_entry2 e[4], want[4];

    parse_ok("host");
    full_host(e);
    full_host(want);
    x86_cpu_model_filter_cpuid(e, 4);
    g_assert_cmpmem(e, sizeof(e), want, sizeof(want));
    parse_ok("max");
    x86_cpu_model_filter_cpuid(e, 4);
    g_assert_cmpmem(e, sizeof(e), want, sizeof(want));
}

static void test_errors(void)
{
    static const struct {
        const char *arg, *msg;
    } cases[] = {
        { "nosuch", "unable to find CPU model 'nosuch'" },
        { "qemu64,foo=on", "Property 'qemu64-x86_64-cpu.foo' not found" },
        { "kvm64,apic-id=x", "Parameter 'apic-id' expects uint32_t" },
        { "qemu64,apic-id=4294967296",
          "Parameter 'apic-id' expects uint32_t" },
    };

    parse_ok("kvm32");
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Error *err = NULL;

        g_assert_false(x86_cpu_model_parse(cases[i].arg, &err));
        g_assert_cmpstr(error_get_pretty(err), ==, cases[i].msg);
        error_free(err);
        /* a refused -cpu leaves the earlier choice in place */
        g_assert_cmpstr(x86_cpu_model_name(), ==, "kvm32");
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpu-models/qemu64", test_qemu64);
    g_test_add_func("/cpu-models/host-unfiltered", test_host_unfiltered);
    g_test_add_func("/cpu-models/errors", test_errors);
    return g_test_run();
}
