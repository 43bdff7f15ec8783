/* producer_state.c - idempotent producer state of one partition (see
 * producer_state.h). A chained hash table keyed by producer id; each entry
 * keeps its batches in a small ring, newest last. */
#include "storage/producer_state.h"

#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "mem.h"

typedef struct pbatch {
    int32_t first_seq, last_seq;
    int64_t first_offset, last_offset;
} pbatch_t;

typedef struct pentry {
    struct pentry *next;
    int64_t pid;
    int64_t last_ms; /* wall time of the last append */
    int64_t last_ts; /* max timestamp of the last batch (DescribeProducers) */
    int16_t epoch;
    int n;                                   /* cached batches, oldest first */
    pbatch_t b[SK_PSTATE_CACHED_BATCHES];
    /* A refusal of this producer's batch (sk_pstate_refused): its first
     * sequence and error (0: none), and the gap answers given since. */
    int32_t refused_seq;
    int16_t refused_kerr;
    int16_t gap_answers;
} pentry_t;

struct sk_pstate_s {
    pentry_t **buckets;
    size_t nbuckets, count;
};

static size_t pid_hash(int64_t pid)
{
    uint64_t h = (uint64_t)pid * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h ^ (h >> 31));
}

sk_pstate_t *sk_pstate_new(void)
{
    sk_pstate_t *ps = sk_calloc(1, sizeof(*ps));
    ps->nbuckets = 16;
    ps->buckets = sk_calloc(ps->nbuckets, sizeof(*ps->buckets));
    return ps;
}

void sk_pstate_clear(sk_pstate_t *ps)
{
    for (size_t i = 0; i < ps->nbuckets; i++) {
        for (pentry_t *e = ps->buckets[i], *next; e; e = next) {
            next = e->next;
            free(e);
        }
        ps->buckets[i] = NULL;
    }
    ps->count = 0;
}

void sk_pstate_free(sk_pstate_t *ps)
{
    if (!ps)
        return;
    sk_pstate_clear(ps);
    free(ps->buckets);
    free(ps);
}

size_t sk_pstate_count(const sk_pstate_t *ps) { return ps->count; }

static pentry_t *find(const sk_pstate_t *ps, int64_t pid)
{
    for (pentry_t *e = ps->buckets[pid_hash(pid) & (ps->nbuckets - 1)]; e; e = e->next)
        if (e->pid == pid)
            return e;
    return NULL;
}

static void grow(sk_pstate_t *ps)
{
    size_t nb = ps->nbuckets * 2;
    pentry_t **b = sk_calloc(nb, sizeof(*b));
    for (size_t i = 0; i < ps->nbuckets; i++) {
        for (pentry_t *e = ps->buckets[i], *next; e; e = next) {
            next = e->next;
            size_t k = pid_hash(e->pid) & (nb - 1);
            e->next = b[k];
            b[k] = e;
        }
    }
    free(ps->buckets);
    ps->buckets = b;
    ps->nbuckets = nb;
}

/* Sequence of the last record of a batch (sequences wrap at INT32_MAX). */
static int32_t batch_last_seq(const sk_batch_info_t *b)
{
    int64_t s = (int64_t)b->base_sequence + b->last_offset_delta;
    return (int32_t)(s > INT32_MAX ? s - INT32_MAX - 1 : s);
}

static int in_sequence(int32_t last, int32_t next)
{
    return next == (last == INT32_MAX ? 0 : last + 1);
}

int sk_pstate_check(const sk_pstate_t *ps, const sk_batch_info_t *b, sk_pstate_dup_t *dup)
{
    dup->found = 0;
    if (b->producer_id < 0)
        return SK_KERR_NONE;
    const pentry_t *e = find(ps, b->producer_id);
    if (!e || e->n == 0)
        return SK_KERR_NONE;
    if (b->producer_epoch < e->epoch)
        return SK_KERR_INVALID_PRODUCER_EPOCH;
    if (b->producer_epoch > e->epoch)
        return b->base_sequence == 0 ? SK_KERR_NONE : SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    int32_t last_seq = batch_last_seq(b);
    for (int i = 0; i < e->n; i++) {
        if (e->b[i].first_seq == b->base_sequence && e->b[i].last_seq == last_seq) {
            dup->found = 1;
            dup->first_offset = e->b[i].first_offset;
            dup->last_offset = e->b[i].last_offset;
            return SK_KERR_NONE;
        }
    }
    if (!in_sequence(e->b[e->n - 1].last_seq, b->base_sequence))
        return SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    return SK_KERR_NONE;
}

void sk_pstate_update(sk_pstate_t *ps, const sk_batch_info_t *b, int64_t now_ms)
{
    if (b->producer_id < 0)
        return;
    pentry_t *e = find(ps, b->producer_id);
    if (!e) {
        if (ps->count + 1 > ps->nbuckets)
            grow(ps);
        e = sk_calloc(1, sizeof(*e));
        e->pid = b->producer_id;
        e->epoch = b->producer_epoch;
        size_t k = pid_hash(e->pid) & (ps->nbuckets - 1);
        e->next = ps->buckets[k];
        ps->buckets[k] = e;
        ps->count++;
    }
    if (b->producer_epoch > e->epoch || e->n == 0) {
        e->epoch = b->producer_epoch;
        e->n = 0;
        e->refused_kerr = 0;
    }
    if (e->refused_kerr && b->base_sequence <= e->refused_seq &&
        e->refused_seq <= batch_last_seq(b))
        e->refused_kerr = 0; /* the refused batch is in: no gap left to explain */
    if (e->n == SK_PSTATE_CACHED_BATCHES) {
        memmove(&e->b[0], &e->b[1], sizeof(e->b[0]) * (SK_PSTATE_CACHED_BATCHES - 1));
        e->n--;
    }
    e->b[e->n++] = (pbatch_t){b->base_sequence, batch_last_seq(b), b->base_offset,
                              sk_batch_last_offset(b)};
    e->last_ms = now_ms;
    e->last_ts = b->max_timestamp;
}

void sk_pstate_refused(sk_pstate_t *ps, const sk_batch_info_t *b, int16_t kerr)
{
    if (b->producer_id < 0 || kerr == SK_KERR_NONE)
        return;
    pentry_t *e = find(ps, b->producer_id);
    if (!e || e->n == 0 || b->producer_epoch != e->epoch)
        return;
    int32_t last = e->b[e->n - 1].last_seq;
    if (b->base_sequence <= last)
        return; /* a retry of something stored, or older: nothing to explain */
    if (e->refused_kerr && e->refused_seq == b->base_sequence) {
        e->gap_answers = 0; /* the client retries in order: its next batches are too */
        e->refused_kerr = kerr;
        return;
    }
    if (e->refused_kerr && e->refused_seq < b->base_sequence)
        return; /* an earlier refusal already opens the gap */
    e->refused_seq = b->base_sequence;
    e->refused_kerr = kerr;
    e->gap_answers = 0;
}

int16_t sk_pstate_gap_refused(sk_pstate_t *ps, const sk_batch_info_t *b, int64_t leader_start)
{
    pentry_t *e = b->producer_id >= 0 ? find(ps, b->producer_id) : NULL;
    if (!e || e->n == 0 || b->producer_epoch != e->epoch)
        return SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    int32_t last = e->b[e->n - 1].last_seq;
    if (!e->refused_kerr && leader_start >= 0 && e->b[e->n - 1].last_offset < leader_start) {
        /* its last batch here is older than this leadership: the missing
         * ones went to the previous leader, which refused them */
        e->refused_seq = last == INT32_MAX ? 0 : last + 1;
        e->refused_kerr = SK_KERR_NOT_LEADER_OR_FOLLOWER;
        e->gap_answers = 0;
    }
    if (!e->refused_kerr)
        return SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    if (e->refused_seq <= last || e->refused_seq >= b->base_sequence ||
        e->gap_answers >= SK_PSTATE_GAP_ANSWERS)
        return SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    e->gap_answers++;
    return e->refused_kerr;
}

size_t sk_pstate_expire(sk_pstate_t *ps, int64_t now_ms, int64_t max_age_ms)
{
    size_t gone = 0;
    for (size_t i = 0; i < ps->nbuckets; i++) {
        for (pentry_t **pp = &ps->buckets[i]; *pp;) {
            pentry_t *e = *pp;
            if (now_ms - e->last_ms >= max_age_ms) {
                *pp = e->next;
                free(e);
                ps->count--;
                gone++;
            } else {
                pp = &e->next;
            }
        }
    }
    return gone;
}

void sk_pstate_truncate(sk_pstate_t *ps, int64_t offset)
{
    for (size_t i = 0; i < ps->nbuckets; i++) {
        for (pentry_t **pp = &ps->buckets[i]; *pp;) {
            pentry_t *e = *pp;
            while (e->n > 0 && e->b[e->n - 1].last_offset >= offset)
                e->n--;
            if (e->n == 0) {
                *pp = e->next;
                free(e);
                ps->count--;
            } else {
                pp = &e->next;
            }
        }
    }
}

int sk_pstate_get(const sk_pstate_t *ps, int64_t pid, int16_t *epoch, int32_t *last_seq,
                  int64_t *last_offset)
{
    const pentry_t *e = find(ps, pid);
    if (!e || e->n == 0)
        return 0;
    if (epoch)
        *epoch = e->epoch;
    if (last_seq)
        *last_seq = e->b[e->n - 1].last_seq;
    if (last_offset)
        *last_offset = e->b[e->n - 1].last_offset;
    return 1;
}

void sk_pstate_foreach(const sk_pstate_t *ps, void (*fn)(const sk_pstate_producer_t *pr, void *arg),
                       void *arg)
{
    for (size_t i = 0; i < ps->nbuckets; i++) {
        for (const pentry_t *e = ps->buckets[i]; e; e = e->next) {
            if (e->n == 0)
                continue;
            sk_pstate_producer_t pr = {e->pid, e->epoch, e->b[e->n - 1].last_seq, e->last_ts,
                                       e->b[e->n - 1].last_offset};
            fn(&pr, arg);
        }
    }
}
