/* metrics.c - the counter registry (see metrics.h). */
#include "metrics.h"

#include "mem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

sk_met_t sk_met;

/* From half a millisecond to ten seconds: requests answered from memory
 * land in the first buckets, long polls and acks=all waits in the last. */
const double sk_met_bounds_ms[SK_MET_NBOUNDS] = {
    0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000,
};

int64_t sk_met_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void sk_met_hist_observe(sk_met_hist_t *h, double ms)
{
    if (!(ms > 0))
        ms = 0; /* also NaN */
    int i = 0;
    while (i < SK_MET_NBOUNDS && ms > sk_met_bounds_ms[i])
        i++;
    h->bucket[i]++;
    h->count++;
    h->sum_ms += ms;
}

static int api_slot(int16_t api_key)
{
    if (api_key < 0)
        return -1;
    return api_key < SK_MET_MAX_API ? api_key : SK_MET_MAX_API - 1;
}

void sk_met_request(int16_t api_key, int16_t version)
{
    int a = api_slot(api_key);
    if (a < 0 || version < 0)
        return;
    int v = version < SK_MET_MAX_VERSION ? version : SK_MET_MAX_VERSION - 1;
    sk_met.requests[a][v]++;
}

void sk_met_request_time(int16_t api_key, int phase, int64_t us)
{
    int a = api_slot(api_key);
    if (a < 0 || phase < 0 || phase >= SK_MET_REQ_NPHASES)
        return;
    sk_met_hist_observe(&sk_met.req_time[a][phase], (double)us / 1000.0);
}

/* ---- per-topic counters: open addressing on the name's FNV-1a hash ---- */

static uint64_t name_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t slot_of(sk_met_topic_t **tab, size_t cap, const char *name, size_t len)
{
    size_t i = (size_t)name_hash(name, len) & (cap - 1);
    while (tab[i] && !(strlen(tab[i]->name) == len && memcmp(tab[i]->name, name, len) == 0))
        i = (i + 1) & (cap - 1);
    return i;
}

static void grow(void)
{
    size_t cap = sk_met.cap_topics ? sk_met.cap_topics * 2 : 64;
    sk_met_topic_t **tab = sk_calloc(cap, sizeof(*tab));
    for (size_t i = 0; i < sk_met.cap_topics; i++) {
        sk_met_topic_t *t = sk_met.topics[i];
        if (t)
            tab[slot_of(tab, cap, t->name, strlen(t->name))] = t;
    }
    free(sk_met.topics);
    sk_met.topics = tab;
    sk_met.cap_topics = cap;
}

sk_met_topic_t *sk_met_topic(const char *name, size_t len)
{
    if ((sk_met.n_topics + 1) * 2 > sk_met.cap_topics)
        grow();
    size_t i = slot_of(sk_met.topics, sk_met.cap_topics, name, len);
    if (!sk_met.topics[i]) {
        sk_met_topic_t *t = sk_calloc(1, sizeof(*t));
        t->name = sk_strndup(name, len);
        sk_met.topics[i] = t;
        sk_met.n_topics++;
    }
    return sk_met.topics[i];
}

void sk_met_topic_remove(const char *name)
{
    if (!sk_met.cap_topics)
        return;
    size_t cap = sk_met.cap_topics;
    size_t i = slot_of(sk_met.topics, cap, name, strlen(name));
    if (!sk_met.topics[i])
        return;
    free(sk_met.topics[i]->name);
    free(sk_met.topics[i]);
    sk_met.topics[i] = NULL;
    sk_met.n_topics--;
    /* Re-place the rest of the cluster so that lookups still find them. */
    for (size_t j = (i + 1) & (cap - 1); sk_met.topics[j]; j = (j + 1) & (cap - 1)) {
        sk_met_topic_t *t = sk_met.topics[j];
        sk_met.topics[j] = NULL;
        sk_met.topics[slot_of(sk_met.topics, cap, t->name, strlen(t->name))] = t;
    }
}

static int by_name(const void *a, const void *b)
{
    const sk_met_topic_t *x = *(sk_met_topic_t *const *)a, *y = *(sk_met_topic_t *const *)b;
    return strcmp(x->name, y->name);
}

sk_met_topic_t **sk_met_topics_sorted(size_t *n)
{
    sk_met_topic_t **v = sk_calloc(sk_met.n_topics + 1, sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < sk_met.cap_topics; i++)
        if (sk_met.topics[i])
            v[k++] = sk_met.topics[i];
    qsort(v, k, sizeof(*v), by_name);
    *n = k;
    return v;
}

void sk_met_reset(void)
{
    for (size_t i = 0; i < sk_met.cap_topics; i++)
        if (sk_met.topics[i]) {
            free(sk_met.topics[i]->name);
            free(sk_met.topics[i]);
        }
    free(sk_met.topics);
    memset(&sk_met, 0, sizeof(sk_met));
}
