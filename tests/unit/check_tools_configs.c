/* check_tools_configs.c - skein-configs' --add-config syntax, key checks,
 * entity paths and names (tools/configs_cmd.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "configs_cmd.h"

static char err[512];

START_TEST(test_parse_add)
{
    sk_cfg_kv_t *kv;
    int n;
    ck_assert_int_eq(sk_cfg_parse_add("retention.ms=1000, cleanup.policy=[compact,delete],"
                                      "x=", &kv, &n, err, sizeof(err)), 0);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(kv[0].key, "retention.ms");
    ck_assert_str_eq(kv[0].value, "1000");
    ck_assert_str_eq(kv[1].key, "cleanup.policy");
    ck_assert_str_eq(kv[1].value, "compact,delete");
    ck_assert_str_eq(kv[2].key, "x");
    ck_assert_str_eq(kv[2].value, "");
    sk_cfg_kv_free(kv, n);
    const char *bad[] = {"", "novalue", "a=[1,2", "a=[1]x", "=1", ",a=1", "a=1,,b", "a,b=1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(sk_cfg_parse_add(bad[i], &kv, &n, err, sizeof(err)) == -1, "accepted %s",
                      bad[i]);
        ck_assert_ptr_null(kv);
        ck_assert_int_eq(n, 0);
    }
}
END_TEST

START_TEST(test_check)
{
    ck_assert_int_eq(sk_cfg_check("topics", "retention.ms", "1000", err, sizeof(err)), 0);
    ck_assert_int_eq(sk_cfg_check("topics", "retention.ms", "soon", err, sizeof(err)), -1);
    ck_assert(strstr(err, "Invalid value soon for configuration retention.ms"));
    ck_assert_int_eq(sk_cfg_check("topics", "no.such", "1", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "Unknown topic config name: no.such");
    ck_assert_int_eq(sk_cfg_check("brokers", "log.cleaner.threads", "4", err, sizeof(err)), 0);
    ck_assert_int_eq(sk_cfg_check("brokers", "log.cleaner.threads", "40", err, sizeof(err)), -1);
    ck_assert_int_eq(sk_cfg_check("brokers", "broker.id", "4", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "Cannot update these configs dynamically: Set(broker.id)");
    ck_assert_int_eq(sk_cfg_check("brokers", "broker.id", NULL, err, sizeof(err)), -1);
    ck_assert_int_eq(sk_cfg_check("users", "producer_byte_rate", "1024", err, sizeof(err)), 0);
    ck_assert_int_eq(sk_cfg_check("users", "producer_byte_rate", "-1", err, sizeof(err)), -1);
    ck_assert_int_eq(sk_cfg_check("clients", "request_percentage", "12.5", err, sizeof(err)), 0);
    ck_assert_int_eq(sk_cfg_check("clients", "request_percentage", "x", err, sizeof(err)), -1);
    ck_assert_int_eq(sk_cfg_check("clients", "retention.ms", "1", err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_entities)
{
    char *s = sk_cfg_sanitize("al ice@example.com*");
    ck_assert_str_eq(s, "al%20ice%40example.com%2A");
    free(s);
    s = sk_cfg_sanitize("<default>");
    ck_assert_str_eq(s, "<default>");
    free(s);
    sk_cfg_entity_t e = {{"users", "clients"}, {"bob/x", "app"}, {0, 0}, 2};
    s = sk_cfg_entity_path(&e);
    ck_assert_str_eq(s, "users/bob%2Fx/clients/app");
    free(s);
    s = sk_cfg_entity_label(&e);
    ck_assert_str_eq(s, "user-principal 'bob/x', client-id 'app'");
    free(s);
    sk_cfg_entity_t d = {{"brokers", NULL}, {NULL, NULL}, {1, 0}, 1};
    s = sk_cfg_entity_path(&d);
    ck_assert_str_eq(s, "brokers/<default>");
    free(s);
    s = sk_cfg_entity_label(&d);
    ck_assert_str_eq(s, "default brokers");
    free(s);
    sk_cfg_entity_t t = {{"topics", NULL}, {"orders", NULL}, {0, 0}, 1};
    s = sk_cfg_entity_label(&t);
    ck_assert_str_eq(s, "topic 'orders'");
    free(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("tools_configs");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_parse_add);
    tcase_add_test(tc, test_check);
    tcase_add_test(tc, test_entities);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
