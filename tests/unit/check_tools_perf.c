/* check_tools_perf.c - unit tests for skein-perf's latency statistics and
 * report lines. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "perf_stats.h"

START_TEST(test_empty)
{
    sk_lat_t *l = sk_lat_new(10, 1);
    sk_lat_summary_t s;
    sk_lat_summarize(l, &s);
    ck_assert_int_eq(s.count, 0);
    ck_assert(s.avg_ms == 0.0 && s.max_ms == 0.0 && s.p99_ms == 0.0);
    char line[512];
    sk_perf_format_total(line, sizeof(line), "sent", 0, 0, 0, &s);
    ck_assert_str_eq(line, "0 records sent, 0.0 records/sec (0.00 MB/sec), 0.00 ms avg latency, "
                           "0.00 ms max latency, 0.00 ms 50th, 0.00 ms 95th, 0.00 ms 99th, "
                           "0.00 ms 99.9th.");
    sk_lat_free(l);
}
END_TEST

START_TEST(test_exact_percentiles)
{
    /* 1..1000 ms, added in a scrambled order; all kept (capacity 1000) */
    sk_lat_t *l = sk_lat_new(1000, 7);
    for (int i = 0; i < 1000; i++)
        sk_lat_add(l, (int64_t)(((i * 389) % 1000) + 1) * 1000);
    sk_lat_summary_t s;
    sk_lat_summarize(l, &s);
    ck_assert_int_eq(s.count, 1000);
    ck_assert_double_eq_tol(s.avg_ms, 500.5, 1e-9);
    ck_assert_double_eq_tol(s.max_ms, 1000.0, 1e-9);
    ck_assert_double_eq_tol(s.p50_ms, 500.0, 1e-9);
    ck_assert_double_eq_tol(s.p95_ms, 950.0, 1e-9);
    ck_assert_double_eq_tol(s.p99_ms, 990.0, 1e-9);
    ck_assert_double_eq_tol(s.p999_ms, 999.0, 1e-9);
    /* summarizing twice gives the same figures; adding more changes them */
    sk_lat_summary_t again;
    sk_lat_summarize(l, &again);
    ck_assert(memcmp(&s, &again, sizeof(s)) == 0);
    sk_lat_add(l, 5000000);
    sk_lat_summarize(l, &again);
    ck_assert_double_eq_tol(again.max_ms, 5000.0, 1e-9);
    ck_assert_int_eq(again.count, 1001);
    sk_lat_free(l);
}
END_TEST

START_TEST(test_single_and_negative)
{
    sk_lat_t *l = sk_lat_new(4, 3);
    sk_lat_add(l, -50); /* clock noise counts as 0 */
    sk_lat_summary_t s;
    sk_lat_summarize(l, &s);
    ck_assert_int_eq(s.count, 1);
    ck_assert(s.max_ms == 0.0 && s.p50_ms == 0.0 && s.p999_ms == 0.0);
    sk_lat_add(l, 2500);
    sk_lat_summarize(l, &s);
    ck_assert_double_eq_tol(s.avg_ms, 1.25, 1e-9);
    ck_assert_double_eq_tol(s.p50_ms, 0.0, 1e-9);
    ck_assert_double_eq_tol(s.p95_ms, 2.5, 1e-9);
    sk_lat_free(l);
}
END_TEST

START_TEST(test_reservoir_stays_representative)
{
    /* 200000 values uniform over 0..999 us kept in 5000 samples: count, avg
     * and max are exact, percentiles close */
    sk_lat_t *l = sk_lat_new(5000, 12345);
    int64_t sum = 0;
    for (int i = 0; i < 200000; i++) {
        int64_t v = (int64_t)((i * 7919) % 1000);
        sum += v;
        sk_lat_add(l, v);
    }
    sk_lat_summary_t s;
    sk_lat_summarize(l, &s);
    ck_assert_int_eq(s.count, 200000);
    ck_assert_double_eq_tol(s.avg_ms, (double)sum / 200000.0 / 1000.0, 1e-9);
    ck_assert_double_eq_tol(s.max_ms, 0.999, 1e-9);
    ck_assert_double_eq_tol(s.p50_ms, 0.5, 0.05);
    ck_assert_double_eq_tol(s.p95_ms, 0.95, 0.03);
    ck_assert(s.p50_ms <= s.p95_ms && s.p95_ms <= s.p99_ms && s.p99_ms <= s.p999_ms &&
              s.p999_ms <= s.max_ms);
    sk_lat_free(l);
}
END_TEST

START_TEST(test_window_and_lines)
{
    sk_perf_window_t w;
    sk_perf_window_reset(&w, 1000);
    ck_assert_int_eq(w.start_ms, 1000);
    for (int i = 0; i < 100; i++)
        sk_perf_window_add(&w, 1024 * 1024 / 100, (i + 1) * 1000);
    sk_perf_window_add(&w, 0, -5);
    ck_assert_int_eq(w.records, 101);
    ck_assert_int_eq(w.lat_max_us, 100000);
    char line[512];
    sk_perf_format_window(line, sizeof(line), "sent", &w, 2000);
    ck_assert_str_eq(line, "101 records sent, 50.5 records/sec (0.50 MB/sec), 50.0 ms avg "
                           "latency, 100.0 ms max latency.");

    sk_lat_summary_t s = {100000, 12.346, 56.789, 10.1, 40.0, 50.0, 55.0};
    sk_perf_format_total(line, sizeof(line), "received", 100000, 100 * 1024 * 1024, 4000, &s);
    ck_assert_str_eq(line, "100000 records received, 25000.0 records/sec (25.00 MB/sec), 12.35 "
                           "ms avg latency, 56.79 ms max latency, 10.10 ms 50th, 40.00 ms 95th, "
                           "50.00 ms 99th, 55.00 ms 99.9th.");
    /* a zero-length interval does not divide by zero */
    sk_perf_format_window(line, sizeof(line), "sent", &w, 0);
    ck_assert_ptr_nonnull(strstr(line, "101 records sent, 101000.0 records/sec"));
}
END_TEST

START_TEST(test_pace)
{
    /* no limit: never wait */
    ck_assert_int_eq(sk_perf_pace_wait_us(0, 5, -1, 0), 0);
    ck_assert_int_eq(sk_perf_pace_wait_us(0, 5, 0, 0), 0);
    /* the first record leaves at once */
    ck_assert_int_eq(sk_perf_pace_wait_us(1000, 0, 10, 0), 0);
    /* 4 records/s: record i is due at start + i * 250 ms */
    ck_assert_int_eq(sk_perf_pace_wait_us(1000000, 1, 4, 1000000), 250000);
    ck_assert_int_eq(sk_perf_pace_wait_us(1000000, 3, 4, 1100000), 650000);
    ck_assert_int_eq(sk_perf_pace_wait_us(1000000, 4, 4, 1999999), 1);
    ck_assert_int_eq(sk_perf_pace_wait_us(1000000, 4, 4, 2000000), 0);
    /* late: send at once (no waiting makes up for it, no sending early either) */
    ck_assert_int_eq(sk_perf_pace_wait_us(1000000, 4, 4, 9000000), 0);
    /* 3 records/s: 333333 us apart, rounded down within each second */
    ck_assert_int_eq(sk_perf_pace_wait_us(0, 1, 3, 0), 333333);
    ck_assert_int_eq(sk_perf_pace_wait_us(0, 2, 3, 0), 666666);
    ck_assert_int_eq(sk_perf_pace_wait_us(0, 3, 3, 0), 1000000);
    /* a simulated sender that sends whenever the wait is 0 keeps the rate:
     * 66,000 records/s for 2 s in 1 us steps gives 132,000 records, the last
     * one due at 1999984.8 us */
    int64_t sent = 0;
    for (int64_t now = 0; now < 2000000; now++)
        while (sk_perf_pace_wait_us(0, sent, 66000, now) == 0)
            sent++;
    ck_assert_int_eq(sent, 132000);
    /* huge rates and counts do not overflow */
    ck_assert_int_eq(sk_perf_pace_wait_us(0, INT64_MAX / 2, INT64_MAX / 4, 0), 2000000);
    int64_t w = sk_perf_pace_wait_us(0, INT64_MAX - 1, INT64_MAX, 0); /* ~1 s, to 1 us */
    ck_assert(w >= 999999 && w <= 1000000);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("tools_perf");
    TCase *tc = tcase_create("stats");
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_exact_percentiles);
    tcase_add_test(tc, test_single_and_negative);
    tcase_add_test(tc, test_reservoir_stays_representative);
    tcase_add_test(tc, test_window_and_lines);
    tcase_add_test(tc, test_pace);
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
