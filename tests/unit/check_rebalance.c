/* check_rebalance.c - unit tests for controller/rebalance.c: the
 * /admin/preferred_replica_election JSON (valid, duplicate, malformed) and
 * the auto-rebalance imbalance rule. */
#include "kerr.h"
#include "rebalance.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *json, sk_ctrl_tp_t **out, int *n)
{
    char err[256];
    err[0] = '\0';
    int rc = sk_rebalance_parse_election(json, json ? strlen(json) : 0, 1, out, n, err,
                                         sizeof(err));
    if (rc != SK_OK)
        ck_assert_msg(err[0] != '\0', "no reason given for %s", json);
    return rc;
}

START_TEST(test_parse_ok)
{
    sk_ctrl_tp_t *v;
    int n;
    ck_assert_int_eq(parse("{\"version\":1,\"partitions\":[{\"topic\":\"foo\",\"partition\":0},"
                           "{\"topic\":\"bar\",\"partition\":3},"
                           "{\"topic\":\"foo\",\"partition\":0}]}",
                           &v, &n),
                     SK_OK);
    ck_assert_int_eq(n, 2); /* duplicate dropped */
    ck_assert_str_eq(v[0].topic, "foo");
    ck_assert_int_eq(v[0].partition, 0);
    ck_assert_str_eq(v[1].topic, "bar");
    ck_assert_int_eq(v[1].partition, 3);
    sk_rebalance_tps_free(v, n);
    ck_assert_int_eq(parse("{\"version\":1,\"partitions\":[]}", &v, &n), SK_OK);
    ck_assert_int_eq(n, 0);
    sk_rebalance_tps_free(v, n);
    /* the tool's --path-to-json-file format has no version */
    char err[64];
    const char *nov = "{\"partitions\":[{\"topic\":\"t\",\"partition\":1}]}";
    ck_assert_int_eq(sk_rebalance_parse_election(nov, strlen(nov), 0, &v, &n, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(v[0].partition, 1);
    sk_rebalance_tps_free(v, n);
    ck_assert_int_eq(sk_rebalance_parse_election(nov, strlen(nov), 1, &v, &n, err, sizeof(err)),
                     SK_EPARSE);
    const char *v2 = "{\"version\":2,\"partitions\":[]}";
    ck_assert_int_eq(sk_rebalance_parse_election(v2, strlen(v2), 0, &v, &n, err, sizeof(err)),
                     SK_EPARSE);
}
END_TEST

START_TEST(test_parse_bad)
{
    static const char *const bad[] = {
        NULL,
        "",
        "not json",
        "[]",
        "{\"partitions\":[]}",
        "{\"version\":2,\"partitions\":[]}",
        "{\"version\":\"1\",\"partitions\":[]}",
        "{\"version\":1}",
        "{\"version\":1,\"partitions\":{}}",
        "{\"version\":1,\"partitions\":[1]}",
        "{\"version\":1,\"partitions\":[{\"topic\":\"foo\"}]}",
        "{\"version\":1,\"partitions\":[{\"partition\":0}]}",
        "{\"version\":1,\"partitions\":[{\"topic\":\"\",\"partition\":0}]}",
        "{\"version\":1,\"partitions\":[{\"topic\":\"foo\",\"partition\":-1}]}",
        "{\"version\":1,\"partitions\":[{\"topic\":\"foo\",\"partition\":4294967296}]}",
        "{\"version\":1,\"partitions\":[{\"topic\":\"foo\",\"partition\":\"0\"}]}",
        "{\"version\":1,\"partitions\":[{\"topic\":7,\"partition\":0}]}",
        "{\"version\":1,\"version\":1,\"partitions\":[]}",
        "{\"version\":1,\"partitions\":[{\"topic\":\"a\",\"partition\":0},{\"topic\":\"b\"}]}",
        "{\"version\":1,\"partitions\":[{\"topic\":\"foo\",\"partition\":0}]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sk_ctrl_tp_t *v = (sk_ctrl_tp_t *)1;
        int n = 5;
        ck_assert_msg(parse(bad[i], &v, &n) == SK_EPARSE, "case %zu accepted", i);
        ck_assert_ptr_null(v);
        ck_assert_int_eq(n, 0);
    }
    /* Every strict prefix of a valid document fails cleanly. */
    const char *good = "{\"version\":1,\"partitions\":[{\"topic\":\"foo\",\"partition\":12}]}";
    for (size_t len = 0; len < strlen(good); len++) {
        char *copy = malloc(len + 1);
        memcpy(copy, good, len);
        sk_ctrl_tp_t *v;
        int n;
        char err[128];
        ck_assert_int_eq(sk_rebalance_parse_election(copy, len, 1, &v, &n, err, sizeof(err)),
                         SK_EPARSE);
        free(copy);
    }
}
END_TEST

START_TEST(test_imbalance)
{
    ck_assert(!sk_rebalance_imbalanced(0, 0, 10));
    ck_assert(!sk_rebalance_imbalanced(10, 0, 10));
    ck_assert(!sk_rebalance_imbalanced(10, 1, 10)); /* exactly 10%: not above */
    ck_assert(sk_rebalance_imbalanced(10, 2, 10));
    ck_assert(sk_rebalance_imbalanced(1, 1, 10));
    ck_assert(sk_rebalance_imbalanced(3, 1, 0));
    ck_assert(!sk_rebalance_imbalanced(3, 3, 100));
    ck_assert(!sk_rebalance_imbalanced(-1, 1, 10));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rebalance");
    TCase *tc = tcase_create("rebalance");
    tcase_add_test(tc, test_parse_ok);
    tcase_add_test(tc, test_parse_bad);
    tcase_add_test(tc, test_imbalance);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
