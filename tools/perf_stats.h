/* perf_stats.h - latency and throughput figures for skein-perf.
 *
 * Latencies are kept in microseconds: count, sum and maximum exactly, and a
 * uniform random sample (reservoir, bounded size) for the percentiles.
 * Reporting lines follow Kafka's producer-performance wording:
 *   100000 records sent, 48123.4 records/sec (4.59 MB/sec), 12.34 ms avg
 *   latency, 56.78 ms max latency, 10.12 ms 50th, 40.00 ms 95th, 50.00 ms
 *   99th, 55.00 ms 99.9th.
 * (MB = 1024 * 1024 bytes; percentiles with two decimals, since a local
 * broker answers in well under a millisecond).
 * @locality any
 */
#ifndef SK_PERF_STATS_H
#define SK_PERF_STATS_H
#include <stddef.h>
#include <stdint.h>

typedef struct sk_lat_s sk_lat_t;

/* max_samples >= 1; seed for the reservoir's choices. */
sk_lat_t *sk_lat_new(size_t max_samples, uint64_t seed);
void sk_lat_free(sk_lat_t *l);
/* Add one latency (negative values count as 0). */
void sk_lat_add(sk_lat_t *l, int64_t us);

typedef struct sk_lat_summary {
    int64_t count;
    double avg_ms;
    double max_ms;
    double p50_ms;
    double p95_ms;
    double p99_ms;
    double p999_ms;
} sk_lat_summary_t;

/* Figures over everything added so far (all 0 when nothing was added).
 * Percentile p is the sample at rank ceil(p * n) (nearest rank). */
void sk_lat_summarize(sk_lat_t *l, sk_lat_summary_t *out);

/* Counts of one reporting interval. */
typedef struct sk_perf_window {
    int64_t start_ms;
    int64_t records;
    int64_t bytes;
    int64_t lat_sum_us;
    int64_t lat_max_us;
} sk_perf_window_t;

void sk_perf_window_reset(sk_perf_window_t *w, int64_t now_ms);
void sk_perf_window_add(sk_perf_window_t *w, int64_t bytes, int64_t lat_us);

/* "N records <verb>, R records/sec (M MB/sec), A ms avg latency, X ms max
 * latency." for an interval of elapsed_ms. */
void sk_perf_format_window(char *buf, size_t len, const char *verb, const sk_perf_window_t *w,
                           int64_t elapsed_ms);
/* The final line: totals over elapsed_ms with the summary's percentiles. */
void sk_perf_format_total(char *buf, size_t len, const char *verb, int64_t records,
                          int64_t bytes, int64_t elapsed_ms, const sk_lat_summary_t *s);

/* Fixed offered load (produce --throughput): record i (0-based) is due
 * i / rate seconds after start_us, as kafka-producer-perf-test's throttler
 * schedules it. Returns how many microseconds to wait at now_us before
 * sending record i; 0 when it is due (or late: a producer that fell behind
 * sends at once, so the average rate still comes out as asked). rate <= 0
 * means no limit (always 0). */
int64_t sk_perf_pace_wait_us(int64_t start_us, int64_t i, int64_t rate, int64_t now_us);

#endif
