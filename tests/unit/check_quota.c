/* check_quota.c - the client quota store (broker/meta/quota.c): Kafka's
 * eight levels, the sampled-rate sensors and throttle times, entity paths
 * and the znode JSON, malformed input included. */
#include "meta/quota.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"

static const sk_quota_entity_t E_UC = {SK_QUOTA_NAME, SK_QUOTA_NAME, "alice", "app"};
static const sk_quota_entity_t E_UCD = {SK_QUOTA_NAME, SK_QUOTA_DEFAULT, "alice", NULL};
static const sk_quota_entity_t E_U = {SK_QUOTA_NAME, SK_QUOTA_NONE, "alice", NULL};
static const sk_quota_entity_t E_UDC = {SK_QUOTA_DEFAULT, SK_QUOTA_NAME, NULL, "app"};
static const sk_quota_entity_t E_UDCD = {SK_QUOTA_DEFAULT, SK_QUOTA_DEFAULT, NULL, NULL};
static const sk_quota_entity_t E_UD = {SK_QUOTA_DEFAULT, SK_QUOTA_NONE, NULL, NULL};
static const sk_quota_entity_t E_C = {SK_QUOTA_NONE, SK_QUOTA_NAME, NULL, "app"};
static const sk_quota_entity_t E_CD = {SK_QUOTA_NONE, SK_QUOTA_DEFAULT, NULL, NULL};

static void set1(sk_quota_t *q, const sk_quota_entity_t *e, sk_quota_kind_t k, double v)
{
    double vals[SK_QUOTA_KINDS] = {-1, -1, -1};
    vals[k] = v;
    ck_assert_int_eq(sk_quota_set(q, e, vals), SK_OK);
}

static double bound(sk_quota_t *q, const char *u, const char *c, int *level)
{
    return sk_quota_bound(q, SK_QUOTA_PRODUCE, u, strlen(u), c, strlen(c), level);
}

START_TEST(test_keys)
{
    ck_assert_str_eq(sk_quota_key(SK_QUOTA_PRODUCE), "producer_byte_rate");
    ck_assert_str_eq(sk_quota_key(SK_QUOTA_FETCH), "consumer_byte_rate");
    ck_assert_str_eq(sk_quota_key(SK_QUOTA_REQUEST), "request_percentage");
    ck_assert_int_eq(sk_quota_key_kind("consumer_byte_rate", 18), SK_QUOTA_FETCH);
    ck_assert_int_eq(sk_quota_key_kind("consumer_byte_rat", 17), -1);
    ck_assert_int_eq(sk_quota_key_kind("SCRAM-SHA-256", 13), -1);
}
END_TEST

/* Each level wins over the ones below it, and taking it away uncovers the
 * next one, for (alice, app). */
START_TEST(test_precedence)
{
    sk_quota_t *q = sk_quota_new(11, 1000);
    const sk_quota_entity_t *all[8] = {&E_UC, &E_UCD, &E_U, &E_UDC, &E_UDCD, &E_UD, &E_C, &E_CD};
    int level;
    ck_assert(bound(q, "alice", "app", &level) < 0);
    ck_assert_int_eq(level, 0);
    for (int i = 7; i >= 0; i--) {
        set1(q, all[i], SK_QUOTA_PRODUCE, 100 * (i + 1));
        ck_assert_double_eq(bound(q, "alice", "app", &level), 100 * (i + 1));
        ck_assert_int_eq(level, i + 1);
    }
    ck_assert_int_eq(sk_quota_count(q), 8);
    ck_assert_int_eq(sk_quota_kind_count(q, SK_QUOTA_PRODUCE), 8);
    ck_assert_int_eq(sk_quota_kind_count(q, SK_QUOTA_FETCH), 0);
    for (int i = 0; i < 8; i++) {
        ck_assert_double_eq(bound(q, "alice", "app", &level), 100 * (i + 1));
        set1(q, all[i], SK_QUOTA_PRODUCE, -1); /* removed */
    }
    ck_assert(bound(q, "alice", "app", &level) < 0);
    ck_assert_int_eq(sk_quota_count(q), 0);
    /* other names fall through to the defaults only */
    set1(q, &E_U, SK_QUOTA_PRODUCE, 5);
    set1(q, &E_CD, SK_QUOTA_PRODUCE, 7);
    ck_assert_double_eq(bound(q, "bob", "app", &level), 7);
    ck_assert_int_eq(level, 8);
    ck_assert_double_eq(bound(q, "alice", "x", &level), 5);
    /* kinds are resolved on their own */
    set1(q, &E_UC, SK_QUOTA_FETCH, 9);
    ck_assert_double_eq(bound(q, "alice", "app", &level), 5);
    ck_assert_double_eq(sk_quota_bound(q, SK_QUOTA_FETCH, "alice", 5, "app", 3, &level), 9);
    ck_assert_int_eq(level, 1);
    /* a name is not a prefix match, and "" is a name like any other */
    ck_assert(sk_quota_bound(q, SK_QUOTA_FETCH, "alice", 5, "app2", 4, &level) < 0);
    ck_assert(sk_quota_bound(q, SK_QUOTA_FETCH, "", 0, "", 0, &level) < 0);
    double v[SK_QUOTA_KINDS];
    ck_assert_int_eq(sk_quota_get(q, &E_UC, v), 1);
    ck_assert_double_eq(v[SK_QUOTA_FETCH], 9);
    ck_assert_double_eq(v[SK_QUOTA_PRODUCE], -1);
    sk_quota_entity_t none = {SK_QUOTA_NONE, SK_QUOTA_NONE, NULL, NULL};
    ck_assert_int_eq(sk_quota_set(q, &none, v), SK_EINVAL);
    sk_quota_free(q);
}
END_TEST

/* Kafka's Rate: at least num - 1 windows, throttle (rate - bound) / bound
 * x window, at most num windows. */
START_TEST(test_throttle)
{
    sk_quota_t *q = sk_quota_new(11, 1000);
    /* nothing configured: nothing measured */
    ck_assert_int_eq(sk_quota_record(q, SK_QUOTA_PRODUCE, "u", 1, "c", 1, 1e12, 0), 0);
    set1(q, &E_CD, SK_QUOTA_PRODUCE, 1000);
    int64_t t0 = 50000;
    ck_assert_int_eq(sk_quota_record(q, SK_QUOTA_PRODUCE, "u", 1, "c", 1, 5000, t0), 0);
    ck_assert_double_eq_tol(sk_quota_rate(q, SK_QUOTA_PRODUCE, "u", 1, "c", 1, t0), 500, 1e-9);
    /* 15,000 bytes over 100 ms + 10 windows: 1485.1/s, 4900 ms */
    ck_assert_int_eq(sk_quota_record(q, SK_QUOTA_PRODUCE, "u", 1, "c", 1, 10000, t0 + 100), 4900);
    /* another client id has its own sensor (level 8 is per client id) */
    ck_assert_int_eq(sk_quota_record(q, SK_QUOTA_PRODUCE, "u", 1, "d", 1, 9000, t0 + 100), 0);
    /* far over: bounded by 11 windows */
    ck_assert_int_eq(sk_quota_record(q, SK_QUOTA_PRODUCE, "u", 1, "c", 1, 1e9, t0 + 200), 11000);
    /* after 11 windows every sample has expired */
    ck_assert_double_eq(sk_quota_rate(q, SK_QUOTA_PRODUCE, "u", 1, "c", 1, t0 + 11200), 0);
    uint64_t n, ms;
    sk_quota_throttled(q, SK_QUOTA_PRODUCE, &n, &ms);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(ms, 15900);
    /* unrecord takes a throttled value back (a Fetch sent without its records) */
    ck_assert_int_gt(sk_quota_record(q, SK_QUOTA_PRODUCE, "u", 1, "e", 1, 20000, t0), 0);
    sk_quota_unrecord(q, SK_QUOTA_PRODUCE, "u", 1, "e", 1, 20000, t0);
    ck_assert_double_eq(sk_quota_rate(q, SK_QUOTA_PRODUCE, "u", 1, "e", 1, t0), 0);
    /* a user quota is shared by the user's client ids */
    set1(q, &E_U, SK_QUOTA_FETCH, 100);
    ck_assert_int_eq(sk_quota_record(q, SK_QUOTA_FETCH, "alice", 5, "a", 1, 1000, t0), 0);
    ck_assert_int_gt(sk_quota_record(q, SK_QUOTA_FETCH, "alice", 5, "b", 1, 1000, t0), 0);
    ck_assert_double_eq_tol(sk_quota_rate(q, SK_QUOTA_FETCH, "alice", 5, "zz", 2, t0), 200, 1e-9);
    /* a steady 900 B/s stays unthrottled over a minute, 1100 B/s does not */
    sk_quota_t *q2 = sk_quota_new(11, 1000);
    set1(q2, &E_C, SK_QUOTA_PRODUCE, 1000);
    int32_t worst = 0;
    for (int i = 0; i < 600; i++)
        worst += sk_quota_record(q2, SK_QUOTA_PRODUCE, "", 0, "app", 3, 90, i * 100);
    ck_assert_int_eq(worst, 0);
    for (int i = 600; i < 1200; i++)
        worst += sk_quota_record(q2, SK_QUOTA_PRODUCE, "", 0, "app", 3, 110, i * 100);
    ck_assert_int_gt(worst, 0);
    /* request_percentage: 20 ms of work a second is 2 % */
    set1(q2, &E_C, SK_QUOTA_REQUEST, 1);
    for (int i = 0; i < 110; i++)
        sk_quota_record(q2, SK_QUOTA_REQUEST, "", 0, "app", 3, 2000, 100000 + i * 100);
    ck_assert_double_eq_tol(sk_quota_rate(q2, SK_QUOTA_REQUEST, "", 0, "app", 3, 111000), 2.0,
                            0.2);
    ck_assert_int_gt(sk_quota_record(q2, SK_QUOTA_REQUEST, "", 0, "app", 3, 2000, 111000), 0);
    sk_quota_free(q2);
    sk_quota_free(q);
}
END_TEST

/* Sensors of groups idle for 11 windows are freed as new ones come. */
START_TEST(test_sensor_expiry)
{
    sk_quota_t *q = sk_quota_new(11, 1000);
    set1(q, &E_CD, SK_QUOTA_PRODUCE, 1e6);
    char c[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(c, sizeof(c), "client-%d", i);
        sk_quota_record(q, SK_QUOTA_PRODUCE, "", 0, c, strlen(c), 1, (int64_t)i * 1000);
    }
    /* only the last 11 seconds' clients can be measured */
    ck_assert_double_eq(sk_quota_rate(q, SK_QUOTA_PRODUCE, "", 0, "client-0", 8, 5000000), 0);
    sk_quota_free(q);
}
END_TEST

START_TEST(test_paths)
{
    char buf[512];
    sk_quota_entity_t e;
    ck_assert_int_eq(sk_quota_entity_parse("users/alice", &e, buf, sizeof(buf)), SK_OK);
    ck_assert_int_eq(e.user_part, SK_QUOTA_NAME);
    ck_assert_str_eq(e.user, "alice");
    ck_assert_int_eq(e.client_part, SK_QUOTA_NONE);
    ck_assert_int_eq(sk_quota_entity_parse("users/<default>/clients/my%20app%2A", &e, buf,
                                           sizeof(buf)), SK_OK);
    ck_assert_int_eq(e.user_part, SK_QUOTA_DEFAULT);
    ck_assert_str_eq(e.client, "my app*");
    char *p = sk_quota_entity_path(&e);
    ck_assert_str_eq(p, "users/<default>/clients/my%20app%2A");
    free(p);
    ck_assert_int_eq(sk_quota_entity_parse("clients/<default>", &e, buf, sizeof(buf)), SK_OK);
    ck_assert_int_eq(e.client_part, SK_QUOTA_DEFAULT);
    ck_assert_int_eq(e.user_part, SK_QUOTA_NONE);
    /* a user literally named <default> is sanitized, never the default */
    sk_quota_entity_t lit = {SK_QUOTA_NAME, SK_QUOTA_NONE, "<default>", NULL};
    p = sk_quota_entity_path(&lit);
    ck_assert_str_eq(p, "users/%3Cdefault%3E");
    ck_assert_int_eq(sk_quota_entity_parse(p, &e, buf, sizeof(buf)), SK_OK);
    ck_assert_int_eq(e.user_part, SK_QUOTA_NAME);
    ck_assert_str_eq(e.user, "<default>");
    free(p);
    p = sk_quota_sanitize("CN=a,O=b~x_y.z-1", 16);
    ck_assert_str_eq(p, "CN%3Da%2CO%3Db~x_y.z-1");
    free(p);
    const char *bad[] = {"users/", "users", "clients/", "topics/x", "users/a/clients",
                         "users/a/clients/", "users/a/x/b", "clients/a/b", "users/%4",
                         "users/%zz", "users/%00", "users/a/clients/b/c", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        ck_assert_msg(sk_quota_entity_parse(bad[i], &e, buf, sizeof(buf)) == SK_EPARSE, "%s",
                      bad[i]);
    /* a name that does not fit the caller's buffer */
    ck_assert_int_eq(sk_quota_entity_parse("users/abcdefgh", &e, buf, 4), SK_EPARSE);
}
END_TEST

START_TEST(test_znode)
{
    char err[200];
    double v[SK_QUOTA_KINDS];
    const char *j = "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=x,stored_key=y,"
                    "server_key=z,iterations=4096\",\"producer_byte_rate\":\"1048576\","
                    "\"request_percentage\":\"200.0\"}}";
    ck_assert_int_eq(sk_quota_znode_parse(j, strlen(j), v, err, sizeof(err)), SK_OK);
    ck_assert_double_eq(v[SK_QUOTA_PRODUCE], 1048576);
    ck_assert_double_eq(v[SK_QUOTA_FETCH], -1);
    ck_assert_double_eq(v[SK_QUOTA_REQUEST], 200);
    const char *bad[] = {
        "{\"version\":1,\"config\":{\"producer_byte_rate\":\"-5\"}}",
        "{\"version\":1,\"config\":{\"producer_byte_rate\":\"fast\"}}",
        "{\"version\":1,\"config\":{\"producer_byte_rate\":\"\"}}",
        "{\"version\":1,\"config\":{\"consumer_byte_rate\":\" 5\"}}",
        "{\"version\":1,\"config\":{\"consumer_byte_rate\":\"5x\"}}",
        "{\"version\":1,\"config\":{\"request_percentage\":\"NaN\"}}",
        "{\"version\":1,\"config\":{\"request_percentage\":\"inf\"}}",
        "{\"version\":1,\"config\":{\"request_percentage\":5}}",
        "{\"version\":1,\"config\":{\"producer_byte_rate\":\"1\"",
        "not json",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        ck_assert_msg(sk_quota_znode_parse(bad[i], strlen(bad[i]), v, err, sizeof(err)) ==
                          SK_EPARSE, "%s", bad[i]);
        ck_assert_double_eq(v[SK_QUOTA_PRODUCE], -1);
    }
    ck_assert_ptr_nonnull(strstr(err, ""));
    /* update: SCRAM kept, values in Kafka's forms, removals */
    double set[SK_QUOTA_KINDS] = {-1, 2048, 12.5};
    int rm[SK_QUOTA_KINDS] = {1, 0, 0}, empty = 1;
    char *out = sk_quota_znode_update(j, strlen(j), set, rm, &empty, err, sizeof(err));
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(empty, 0);
    ck_assert_ptr_nonnull(strstr(out, "\"SCRAM-SHA-256\":\"salt=x,stored_key=y,server_key=z,"
                                      "iterations=4096\""));
    ck_assert_ptr_null(strstr(out, "producer_byte_rate"));
    ck_assert_ptr_nonnull(strstr(out, "\"consumer_byte_rate\":\"2048\""));
    ck_assert_ptr_nonnull(strstr(out, "\"request_percentage\":\"12.5\""));
    ck_assert_int_eq(sk_quota_znode_parse(out, strlen(out), v, err, sizeof(err)), SK_OK);
    ck_assert_double_eq(v[SK_QUOTA_FETCH], 2048);
    free(out);
    double pct[SK_QUOTA_KINDS] = {1048576, -1, 200};
    int none[SK_QUOTA_KINDS] = {0, 0, 0};
    char f[64];
    const double pv[] = {200, 0.5, 12.25, 1e7, 0.0001, 0};
    const char *pf[] = {"200.0", "0.5", "12.25", "1.0E7", "1.0E-4", "0.0"};
    for (int i = 0; i < 6; i++) {
        double one[SK_QUOTA_KINDS] = {-1, -1, pv[i]};
        out = sk_quota_znode_update(NULL, 0, one, none, &empty, err, sizeof(err));
        snprintf(f, sizeof(f), "\"request_percentage\":\"%s\"", pf[i]);
        ck_assert_msg(strstr(out, f) != NULL, "%s", out);
        free(out);
    }
    out = sk_quota_znode_update(NULL, 0, pct, none, &empty, err, sizeof(err));
    ck_assert_str_eq(out, "{\"version\":1,\"config\":{\"producer_byte_rate\":\"1048576\","
                          "\"request_percentage\":\"200.0\"}}");
    free(out);
    double unset[SK_QUOTA_KINDS] = {-1, -1, -1};
    int all[SK_QUOTA_KINDS] = {1, 1, 1};
    const char *only = "{\"version\":1,\"config\":{\"producer_byte_rate\":\"10\"}}";
    out = sk_quota_znode_update(only, strlen(only), unset, all, &empty, err, sizeof(err));
    ck_assert_int_eq(empty, 1);
    free(out);
    ck_assert_ptr_null(sk_quota_znode_update("{", 1, unset, all, &empty, err, sizeof(err)));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("quota");
    TCase *tc = tcase_create("quota");
    tcase_add_test(tc, test_keys);
    tcase_add_test(tc, test_precedence);
    tcase_add_test(tc, test_throttle);
    tcase_add_test(tc, test_sensor_expiry);
    tcase_add_test(tc, test_paths);
    tcase_add_test(tc, test_znode);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
