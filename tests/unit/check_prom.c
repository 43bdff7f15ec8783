/* check_prom.c - the Prometheus text format writer (common/prom.h) and the
 * counter registry (common/metrics.h): escaping, number formatting,
 * histograms (cumulative buckets, _sum, _count), per-topic counters. */
#include "prom.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static char *render_text(sk_prom_t *p)
{
    size_t len;
    char *b = sk_prom_take(p, &len);
    char *s = malloc(len + 1);
    memcpy(s, b ? b : "", len);
    s[len] = '\0';
    free(b);
    return s;
}

START_TEST(test_family_and_help_escaping)
{
    sk_prom_t p;
    sk_prom_init(&p);
    sk_prom_family(&p, "x_total", "counter", "back\\slash and\nnewline \"quotes\" kept");
    char *s = render_text(&p);
    ck_assert_str_eq(s, "# HELP x_total back\\\\slash and\\nnewline \"quotes\" kept\n"
                        "# TYPE x_total counter\n");
    free(s);
}
END_TEST

START_TEST(test_label_escaping)
{
    sk_prom_t p;
    sk_prom_init(&p);
    sk_prom_label_t l[2] = {{"topic", "a\\b\"c\nd"}, {"partition", "7"}};
    sk_prom_u64(&p, "m", l, 2, 3);
    sk_prom_u64(&p, "m", NULL, 0, 4);
    sk_prom_label_t e = {"group", ""};
    sk_prom_u64(&p, "m", &e, 1, 5);
    char *s = render_text(&p);
    ck_assert_str_eq(s, "m{topic=\"a\\\\b\\\"c\\nd\",partition=\"7\"} 3\n"
                        "m 4\n"
                        "m{group=\"\"} 5\n");
    free(s);
}
END_TEST

START_TEST(test_numbers)
{
    sk_prom_t p;
    sk_prom_init(&p);
    sk_prom_u64(&p, "a", NULL, 0, UINT64_MAX);
    sk_prom_i64(&p, "b", NULL, 0, INT64_MIN);
    sk_prom_i64(&p, "c", NULL, 0, 0);
    sk_prom_f64(&p, "d", NULL, 0, 2.5);
    sk_prom_f64(&p, "e", NULL, 0, 1e300 * 1e300);
    sk_prom_f64(&p, "f", NULL, 0, 42.0);
    sk_prom_f64(&p, "g", NULL, 0, 0.1 + 0.2);  /* 15 digits do not read back */
    sk_prom_f64(&p, "h", NULL, 0, 5.13);
    char *s = render_text(&p);
    ck_assert_str_eq(s, "a 18446744073709551615\n"
                        "b -9223372036854775808\n"
                        "c 0\n"
                        "d 2.5\n"
                        "e +Inf\n"
                        "f 42\n"
                        "g 0.30000000000000004\n"
                        "h 5.13\n");
    free(s);
}
END_TEST

START_TEST(test_histogram_cumulative)
{
    sk_met_hist_t h;
    memset(&h, 0, sizeof(h));
    sk_met_hist_observe(&h, 0.25);   /* le 0.5 */
    sk_met_hist_observe(&h, 0.5);    /* le 0.5: bounds are inclusive */
    sk_met_hist_observe(&h, 3);      /* le 5 */
    sk_met_hist_observe(&h, 99999);  /* +Inf */
    sk_met_hist_observe(&h, -1);     /* counted as 0 */
    ck_assert_uint_eq(h.count, 5);
    sk_prom_t p;
    sk_prom_init(&p);
    sk_prom_label_t l = {"request", "Produce"};
    sk_prom_hist(&p, "t_ms", &l, 1, &h);
    char *s = render_text(&p);
    /* Every bound appears in order, the counts never decrease, +Inf is
     * the total, then _sum and _count. */
    const char *want[] = {
        "t_ms_bucket{request=\"Produce\",le=\"0.5\"} 3\n",
        "t_ms_bucket{request=\"Produce\",le=\"1\"} 3\n",
        "t_ms_bucket{request=\"Produce\",le=\"2.5\"} 3\n",
        "t_ms_bucket{request=\"Produce\",le=\"5\"} 4\n",
        "t_ms_bucket{request=\"Produce\",le=\"30000\"} 4\n",
        "t_ms_bucket{request=\"Produce\",le=\"+Inf\"} 5\n",
        "t_ms_sum{request=\"Produce\"} 100002.75\n",
        "t_ms_count{request=\"Produce\"} 5\n",
    };
    const char *at = s;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const char *f = strstr(at, want[i]);
        ck_assert_msg(f != NULL, "missing or out of order: %s in\n%s", want[i], s);
        at = f + strlen(want[i]);
    }
    /* one line per bound plus +Inf, _sum, _count */
    int lines = 0;
    for (const char *c = s; *c; c++)
        lines += *c == '\n';
    ck_assert_int_eq(lines, SK_MET_NBOUNDS + 3);
    /* le values are the bounds, increasing */
    double prev = -1;
    for (const char *c = strstr(s, "le=\""); c; c = strstr(c + 1, "le=\"")) {
        if (strncmp(c + 4, "+Inf", 4) == 0)
            break;
        double v = strtod(c + 4, NULL);
        ck_assert(v > prev);
        prev = v;
    }
    ck_assert(prev == sk_met_bounds_ms[SK_MET_NBOUNDS - 1]);
    free(s);
}
END_TEST

START_TEST(test_histogram_bounds_text)
{
    /* the le texts the writer prints are exactly the bounds observed against */
    sk_met_hist_t h;
    memset(&h, 0, sizeof(h));
    sk_prom_t p;
    sk_prom_init(&p);
    sk_prom_hist(&p, "x", NULL, 0, &h);
    char *s = render_text(&p);
    int i = 0;
    for (const char *c = strstr(s, "le=\""); c && i < SK_MET_NBOUNDS; c = strstr(c + 1, "le=\""))
        ck_assert(strtod(c + 4, NULL) == sk_met_bounds_ms[i++]);
    ck_assert_int_eq(i, SK_MET_NBOUNDS);
    ck_assert_ptr_nonnull(strstr(s, "x_bucket{le=\"+Inf\"} 0\nx_sum 0\nx_count 0\n"));
    free(s);
}
END_TEST

START_TEST(test_topic_registry)
{
    sk_met_reset();
    char name[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof(name), "t%04d", 999 - i);
        sk_met_topic(name, strlen(name))->bytes_in = (uint64_t)(999 - i);
    }
    ck_assert_uint_eq(sk_met.n_topics, 1000);
    /* found again by name of a given length (not NUL-terminated) */
    ck_assert_uint_eq(sk_met_topic("t0500xyz", 5)->bytes_in, 500);
    for (int i = 0; i < 1000; i += 2) {
        snprintf(name, sizeof(name), "t%04d", i);
        sk_met_topic_remove(name);
    }
    sk_met_topic_remove("absent");
    ck_assert_uint_eq(sk_met.n_topics, 500);
    size_t n;
    sk_met_topic_t **v = sk_met_topics_sorted(&n);
    ck_assert_uint_eq(n, 500);
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "t%04d", (int)(2 * i + 1));
        ck_assert_str_eq(v[i]->name, name);
        ck_assert_uint_eq(v[i]->bytes_in, 2 * i + 1);
        /* every survivor is still found after the removals moved it */
        ck_assert_ptr_eq(sk_met_topic(name, strlen(name)), v[i]);
    }
    free(v);
    ck_assert_uint_eq(sk_met.n_topics, 500);
    sk_met_reset();
    ck_assert_uint_eq(sk_met.n_topics, 0);
}
END_TEST

START_TEST(test_request_slots)
{
    sk_met_reset();
    sk_met_request(0, 9);
    sk_met_request(0, 9);
    sk_met_request(-1, 0);    /* ignored */
    sk_met_request(1000, 99); /* last slot */
    ck_assert_uint_eq(sk_met.requests[0][9], 2);
    ck_assert_uint_eq(sk_met.requests[SK_MET_MAX_API - 1][SK_MET_MAX_VERSION - 1], 1);
    sk_met_request_time(1, SK_MET_REQ_TOTAL, 1500);
    ck_assert_uint_eq(sk_met.req_time[1][SK_MET_REQ_TOTAL].count, 1);
    ck_assert_uint_eq(sk_met.req_time[1][SK_MET_REQ_TOTAL].bucket[2], 1); /* le 2.5 */
    sk_met_reset();
}
END_TEST

static Suite *prom_suite(void)
{
    Suite *s = suite_create("prom");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_family_and_help_escaping);
    tcase_add_test(tc, test_label_escaping);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_histogram_cumulative);
    tcase_add_test(tc, test_histogram_bounds_text);
    tcase_add_test(tc, test_topic_registry);
    tcase_add_test(tc, test_request_slots);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(prom_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
