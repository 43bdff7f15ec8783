/* throttle.c - replication throttles (see throttle.h). */
#include "replica/throttle.h"

#include "meta/cfgchange.h"

#include "conf.h"
#include "mem.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const LIST_KEY[2] = {"leader.replication.throttled.replicas",
                                        "follower.replication.throttled.replicas"};
static const char *const RATE_KEY[2] = {"leader.replication.throttled.rate",
                                        "follower.replication.throttled.rate"};

/* A whole decimal int in [0, INT32_MAX] from s..end (spaces trimmed). */
static int parse_id(const char *s, const char *end, int32_t *out)
{
    while (s < end && isspace((unsigned char)*s))
        s++;
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    if (s == end || end - s > 10)
        return -1;
    int64_t v = 0;
    for (const char *c = s; c < end; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        v = v * 10 + (*c - '0');
    }
    if (v > INT32_MAX)
        return -1;
    *out = (int32_t)v;
    return 0;
}

int sk_throttle_listed(const char *list, int32_t partition, int32_t broker)
{
    if (!list)
        return 0;
    const char *s = list;
    while (*s) {
        const char *end = strchr(s, ',');
        if (!end)
            end = s + strlen(s);
        const char *a = s, *z = end;
        while (a < z && isspace((unsigned char)*a))
            a++;
        while (z > a && isspace((unsigned char)z[-1]))
            z--;
        if (z - a == 1 && *a == '*')
            return 1;
        const char *colon = memchr(a, ':', (size_t)(z - a));
        int32_t p, br;
        if (colon && parse_id(a, colon, &p) == 0 && parse_id(colon + 1, z, &br) == 0 &&
            p == partition && br == broker)
            return 1;
        s = *end ? end + 1 : end;
    }
    return 0;
}

int sk_throttle_replica(sk_broker_t *b, const char *topic, int32_t partition, int follower)
{
    const sk_znode_config_t *c = sk_cfgchange_get(b, "topics", topic);
    return sk_throttle_listed(sk_znode_config_get(c, LIST_KEY[follower != 0]), partition, b->id);
}

static int64_t parse_rate(const char *v)
{
    if (!v || !*v)
        return -1;
    char *end;
    errno = 0;
    long long r = strtoll(v, &end, 10);
    if (errno || *end || r < 0)
        return -1;
    return r;
}

int64_t sk_throttle_rate(sk_broker_t *b, int follower)
{
    const char *key = RATE_KEY[follower != 0];
    char id[16];
    snprintf(id, sizeof(id), "%d", b->id);
    const char *v = sk_znode_config_get(sk_cfgchange_get(b, "brokers", id), key);
    if (!v)
        v = sk_znode_config_get(sk_cfgchange_get(b, "brokers", "<default>"), key);
    if (v)
        return parse_rate(v);
    int64_t r = follower ? b->conf->follower_replication_throttled_rate
                         : b->conf->leader_replication_throttled_rate;
    return r == INT64_MAX ? -1 : r;
}

struct sk_tbucket {
    double tokens;
    int64_t last_ms;
    int64_t rate;
    int started;
};

sk_tbucket_t *sk_tbucket_new(void)
{
    return sk_calloc(1, sizeof(sk_tbucket_t));
}

void sk_tbucket_free(sk_tbucket_t *q)
{
    free(q);
}

/* Refill for the time since the last call; a new rate starts full. */
static void refill(sk_tbucket_t *q, int64_t rate, int64_t now_ms)
{
    if (!q->started || q->rate != rate) {
        q->started = 1;
        q->rate = rate;
        q->tokens = (double)rate;
        q->last_ms = now_ms;
        return;
    }
    if (now_ms > q->last_ms) {
        q->tokens += (double)rate * (double)(now_ms - q->last_ms) / 1000.0;
        if (q->tokens > (double)rate)
            q->tokens = (double)rate;
        q->last_ms = now_ms;
    }
}

int64_t sk_tbucket_wait_ms(sk_tbucket_t *q, int64_t rate, int64_t now_ms)
{
    if (rate < 0)
        return 0;
    if (rate == 0)
        return 1000;
    refill(q, rate, now_ms);
    if (q->tokens > 0)
        return 0;
    return (int64_t)(-q->tokens * 1000.0 / (double)rate) + 1;
}

void sk_tbucket_take(sk_tbucket_t *q, int64_t rate, int64_t bytes, int64_t now_ms)
{
    if (rate < 0)
        return;
    refill(q, rate, now_ms);
    q->tokens -= (double)bytes;
}
