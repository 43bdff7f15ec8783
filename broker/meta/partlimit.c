/* partlimit.c - max.broker.partitions and max.partitions (KIP-578). */
#include "meta/partlimit.h"

#include "kerr.h"
#include "mem.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pl_broker {
    int32_t id;
    int64_t hosted;   /* replicas it hosts now */
} pl_broker_t;

struct sk_partlimit {
    int32_t max_broker;
    int32_t max_total;
    int64_t total;    /* replicas in the cluster, live brokers or not */
    int n;
    pl_broker_t *brokers; /* sorted by id */
};

static int pl_cmp(const void *a, const void *b)
{
    int32_t x = ((const pl_broker_t *)a)->id, y = ((const pl_broker_t *)b)->id;
    return x < y ? -1 : x > y;
}

static pl_broker_t *pl_find(const sk_partlimit_t *pl, int32_t id)
{
    pl_broker_t key = {.id = id};
    return bsearch(&key, pl->brokers, (size_t)pl->n, sizeof(*pl->brokers), pl_cmp);
}

sk_partlimit_t *sk_partlimit_new(int32_t max_broker, int32_t max_total, const int32_t *ids,
                                 int n_ids)
{
    if (max_broker == INT32_MAX && max_total == INT32_MAX)
        return NULL;
    sk_partlimit_t *pl = sk_calloc(1, sizeof(*pl));
    pl->max_broker = max_broker;
    pl->max_total = max_total;
    pl->brokers = sk_calloc((size_t)(n_ids > 0 ? n_ids : 1), sizeof(*pl->brokers));
    for (int i = 0; i < n_ids; i++) {
        pl->brokers[pl->n].id = ids[i];
        pl->n++;
    }
    qsort(pl->brokers, (size_t)pl->n, sizeof(*pl->brokers), pl_cmp);
    return pl;
}

void sk_partlimit_free(sk_partlimit_t *pl)
{
    if (!pl)
        return;
    free(pl->brokers);
    free(pl);
}

void sk_partlimit_count(sk_partlimit_t *pl, const int32_t *replicas, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        pl_broker_t *br = pl_find(pl, replicas[i]);
        if (br)
            br->hosted++;
        pl->total++;
    }
}

int16_t sk_partlimit_room(const sk_partlimit_t *pl, int64_t n_replicas, char *text, size_t tlen)
{
    if (n_replicas < 0)
        n_replicas = 0;
    if (pl->total + n_replicas > pl->max_total) {
        snprintf(text, tlen, "Adding %" PRId64 " partition replicas would exceed max.partitions "
                 "(%" PRId32 "): the cluster has %" PRId64 ".", n_replicas, pl->max_total,
                 pl->total);
        return SK_KERR_POLICY_VIOLATION;
    }
    int64_t room = 0;
    for (int i = 0; i < pl->n; i++)
        if (pl->brokers[i].hosted < pl->max_broker)
            room += pl->max_broker - pl->brokers[i].hosted;
    if (n_replicas > room) {
        snprintf(text, tlen, "Adding %" PRId64 " partition replicas would exceed "
                 "max.broker.partitions (%" PRId32 "): the %d live brokers have room for %" PRId64
                 ".", n_replicas, pl->max_broker, pl->n, room);
        return SK_KERR_POLICY_VIOLATION;
    }
    return SK_KERR_NONE;
}

int16_t sk_partlimit_fits(const sk_partlimit_t *pl, const int32_t *replicas, int64_t n, char *text,
                          size_t tlen)
{
    int16_t kerr = sk_partlimit_room(pl, n, text, tlen);
    if (kerr != SK_KERR_NONE)
        return kerr;
    int64_t *adding = sk_calloc((size_t)(pl->n > 0 ? pl->n : 1), sizeof(*adding));
    for (int64_t i = 0; i < n && kerr == SK_KERR_NONE; i++) {
        const pl_broker_t *br = pl_find(pl, replicas[i]);
        if (!br)
            continue; /* not live: the assignment's own checks refuse it */
        size_t k = (size_t)(br - pl->brokers);
        if (br->hosted + ++adding[k] > pl->max_broker) {
            int64_t want = 0;
            for (int64_t j = 0; j < n; j++)
                want += replicas[j] == br->id;
            snprintf(text, tlen, "Broker %" PRId32 " would host %" PRId64 " partition replicas "
                     "(%" PRId64 " now, %" PRId64 " added), over max.broker.partitions (%" PRId32
                     ").", br->id, br->hosted + want, br->hosted, want, pl->max_broker);
            kerr = SK_KERR_POLICY_VIOLATION;
        }
    }
    free(adding);
    return kerr;
}
