/* perf_stats.c - latency reservoir and report lines for skein-perf (see
 * perf_stats.h). */
#include "perf_stats.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct sk_lat_s {
    int64_t *samples;
    size_t cap;
    size_t n_samples;
    int64_t count;
    int64_t sum_us;
    int64_t max_us;
    uint64_t rng;
    int sorted;
};

/* xorshift64*: cheap and good enough for choosing reservoir slots */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

sk_lat_t *sk_lat_new(size_t max_samples, uint64_t seed)
{
    sk_lat_t *l = sk_calloc(1, sizeof(*l));
    l->cap = max_samples ? max_samples : 1;
    l->samples = sk_calloc(l->cap, sizeof(int64_t));
    l->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
    return l;
}

void sk_lat_free(sk_lat_t *l)
{
    if (!l)
        return;
    free(l->samples);
    free(l);
}

void sk_lat_add(sk_lat_t *l, int64_t us)
{
    if (us < 0)
        us = 0;
    l->count++;
    l->sum_us += us;
    if (us > l->max_us)
        l->max_us = us;
    l->sorted = 0;
    if (l->n_samples < l->cap) {
        l->samples[l->n_samples++] = us;
        return;
    }
    /* reservoir: keep each of the count values with probability cap/count */
    uint64_t j = next_rand(&l->rng) % (uint64_t)l->count;
    if (j < l->cap)
        l->samples[j] = us;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double rank_ms(const sk_lat_t *l, double p)
{
    size_t n = l->n_samples;
    size_t rank = (size_t)ceil(p * (double)n);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)l->samples[rank - 1] / 1000.0;
}

void sk_lat_summarize(sk_lat_t *l, sk_lat_summary_t *out)
{
    memset(out, 0, sizeof(*out));
    out->count = l->count;
    if (l->count == 0)
        return;
    if (!l->sorted) {
        qsort(l->samples, l->n_samples, sizeof(int64_t), cmp_i64);
        l->sorted = 1;
    }
    out->avg_ms = (double)l->sum_us / (double)l->count / 1000.0;
    out->max_ms = (double)l->max_us / 1000.0;
    out->p50_ms = rank_ms(l, 0.50);
    out->p95_ms = rank_ms(l, 0.95);
    out->p99_ms = rank_ms(l, 0.99);
    out->p999_ms = rank_ms(l, 0.999);
}

void sk_perf_window_reset(sk_perf_window_t *w, int64_t now_ms)
{
    memset(w, 0, sizeof(*w));
    w->start_ms = now_ms;
}

void sk_perf_window_add(sk_perf_window_t *w, int64_t bytes, int64_t lat_us)
{
    w->records++;
    w->bytes += bytes;
    if (lat_us < 0)
        lat_us = 0;
    w->lat_sum_us += lat_us;
    if (lat_us > w->lat_max_us)
        w->lat_max_us = lat_us;
}

static void rates(int64_t records, int64_t bytes, int64_t elapsed_ms, double *rps, double *mbps)
{
    double secs = elapsed_ms > 0 ? (double)elapsed_ms / 1000.0 : 0.001;
    *rps = (double)records / secs;
    *mbps = (double)bytes / (1024.0 * 1024.0) / secs;
}

void sk_perf_format_window(char *buf, size_t len, const char *verb, const sk_perf_window_t *w,
                           int64_t elapsed_ms)
{
    double rps, mbps;
    rates(w->records, w->bytes, elapsed_ms, &rps, &mbps);
    double avg = w->records ? (double)w->lat_sum_us / (double)w->records / 1000.0 : 0.0;
    snprintf(buf, len,
             "%" PRId64 " records %s, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, "
             "%.1f ms max latency.",
             w->records, verb, rps, mbps, avg, (double)w->lat_max_us / 1000.0);
}

void sk_perf_format_total(char *buf, size_t len, const char *verb, int64_t records,
                          int64_t bytes, int64_t elapsed_ms, const sk_lat_summary_t *s)
{
    double rps, mbps;
    rates(records, bytes, elapsed_ms, &rps, &mbps);
    snprintf(buf, len,
             "%" PRId64 " records %s, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, "
             "%.2f ms max latency, %.2f ms 50th, %.2f ms 95th, %.2f ms 99th, %.2f ms 99.9th.",
             records, verb, rps, mbps, s->avg_ms, s->max_ms, s->p50_ms, s->p95_ms, s->p99_ms,
             s->p999_ms);
}

int64_t sk_perf_pace_wait_us(int64_t start_us, int64_t i, int64_t rate, int64_t now_us)
{
    if (rate <= 0 || i <= 0)
        return 0;
    /* whole seconds and the remainder apart, so i * 1e6 cannot overflow (the
     * remainder in double: exact below 9e9 records/s, close enough above) */
    int64_t due_us = start_us + (i / rate) * 1000000 +
                     (int64_t)((double)(i % rate) * 1e6 / (double)rate);
    return due_us > now_us ? due_us - now_us : 0;
}
