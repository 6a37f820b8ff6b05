/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SEV QMP commands on a machine without SEV: QEMU's reply shape for
 * query-sev and its error texts for the others; and the sev-snp-guest
 * type as QMP introspection sees it.
 */
#include <string.h>
#include <glib.h>
#include <jansson.h>
#include "libqtest.h"

static void assert_error(json_t *r, const char *desc)
{
    json_t *e = json_object_get(r, "error");

    g_assert_nonnull(e);
    g_assert_cmpstr(json_string_value(json_object_get(e, "class")), ==,
                    "GenericError");
    g_assert_cmpstr(json_string_value(json_object_get(e, "desc")), ==, desc);
}

static void test_no_sev(void)
{
    QTestState *qts = qtest_init("-machine none -display none -nodefaults");
    json_t *want = json_loads("{\"enabled\": false, \"api-major\": 0, "
                              "\"api-minor\": 0, \"build-id\": 0, "
                              "\"state\": \"uninit\", \"sev-type\": \"sev\", "
                              "\"policy\": 0, \"handle\": 0}", 0, NULL);
    json_t *r;

    r = qtest_qmp(qts, "{\"execute\": \"query-sev\"}");
    g_assert_true(json_equal(json_object_get(r, "return"), want));
    json_decref(r);
    json_decref(want);

    r = qtest_qmp(qts, "{\"execute\": \"query-sev-capabilities\"}");
    assert_error(r, "KVM not enabled");
    json_decref(r);
    r = qtest_qmp(qts, "{\"execute\": \"query-sev-launch-measure\"}");
    assert_error(r, "SEV launch measurement is not available");
    json_decref(r);
    r = qtest_qmp(qts, "{\"execute\": \"query-sev-attestation-report\", "
                  "\"arguments\": {\"mnonce\": \"AAAAAAAAAAAAAAAAAAAAAA==\"}}");
    assert_error(r, "SEV is not enabled");
    json_decref(r);
    /* still alive and answering */
    r = qtest_qmp(qts, "{\"execute\": \"query-status\"}");
    g_assert_nonnull(json_object_get(r, "return"));
    json_decref(r);
    qtest_quit(qts);
}

static void test_kvm_without_sev(void)
{
    QTestState *qts;
    json_t *r;

    if (qtest_kvm_missing()) {
        g_test_skip(qtest_kvm_missing());
        return;
    }
    qts = qtest_init_raw("-machine none -accel kvm -display none "
                         "-nodefaults");
    r = qtest_qmp(qts, "{\"execute\": \"qmp_capabilities\"}");
    json_decref(r);
    /* a KVM without KVM_MEMORY_ENCRYPT_OP (Intel, kvm_pvm) */
    r = qtest_qmp(qts, "{\"execute\": \"query-sev-capabilities\"}");
    assert_error(r, "SEV is not enabled in KVM");
    json_decref(r);
    qtest_quit(qts);
}

static void test_schema(void)
{
    QTestState *qts = qtest_init("-machine none -display none -nodefaults");
    const char *want[] = {
        "author-key-enabled", "cbitpos", "convert-in-place",
        "guest-visible-workarounds", "host-data", "id-auth", "id-block",
        "kernel-hashes", "policy", "reduced-phys-bits", "sev-device",
        "vcek-disabled",
    };
    json_t *r, *list, *p;
    size_t i;
    unsigned found = 0;

    r = qtest_qmp(qts, "{\"execute\": \"qom-list-properties\", "
                  "\"arguments\": {\"typename\": \"sev-snp-guest\"}}");
    list = json_object_get(r, "return");
    g_assert_true(json_is_array(list));
    json_array_foreach(list, i, p) {
        const char *name = json_string_value(json_object_get(p, "name"));

        for (size_t k = 0; k < G_N_ELEMENTS(want); k++) {
            found += !g_strcmp0(name, want[k]);
        }
        if (!g_strcmp0(name, "sev-device")) {
            g_assert_cmpstr(json_string_value(json_object_get(p,
                            "description")), ==, "SEV device to use");
        }
    }
    g_assert_cmpuint(found, ==, G_N_ELEMENTS(want));
    json_decref(r);
    /* abstract: not creatable */
    r = qtest_qmp(qts, "{\"execute\": \"object-add\", \"arguments\": "
                  "{\"qom-type\": \"sev-common\", \"id\": \"x\"}}");
    g_assert_nonnull(json_object_get(r, "error"));
    json_decref(r);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sev/qmp/no-sev", test_no_sev);
    g_test_add_func("/sev/qmp/kvm-without-sev", test_kvm_without_sev);
    g_test_add_func("/sev/qmp/schema", test_schema);
    return g_test_run();
}
