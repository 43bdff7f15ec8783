/* lagpoll.c - high watermarks of partitions led elsewhere (see lagpoll.h). */
#include "metrics/lagpoll.h"

#include "apis.h"
#include "arena.h"
#include "clock.h"
#include "group/coord.h"
#include "kbuf.h"
#include "kerr.h"
#include "mem.h"
#include "meta/broker_ctx.h"
#include "net/channel.h"
#include "proto_listoffsets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LP_MIN_INTERVAL_MS 1000
#define LP_MAX_AGE_MS 60000
#define LP_VERSION 1 /* no isolation level: read_uncommitted, the high watermark */

typedef struct lp_entry {
    char *topic;
    int32_t partition;
    int32_t leader;
    int64_t hw;
    int64_t at_ms; /* 0: never answered */
} lp_entry_t;

struct sk_lagpoll_s {
    sk_broker_t *b;
    sk_chan_t *chan;
    lp_entry_t *v; /* sorted by topic, then partition */
    size_t n;
    int inflight;  /* requests not answered yet */
    int64_t last_ms;
};

static int entry_cmp(const void *a, const void *b)
{
    const lp_entry_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (c)
        return c;
    return (x->partition > y->partition) - (x->partition < y->partition);
}

static lp_entry_t *find(const sk_lagpoll_t *lp, const char *topic, int32_t partition)
{
    lp_entry_t key = {(char *)topic, partition, 0, 0, 0};
    return lp->n ? bsearch(&key, lp->v, lp->n, sizeof(*lp->v), entry_cmp) : NULL;
}

sk_lagpoll_t *sk_lagpoll_new(sk_broker_t *b)
{
    sk_lagpoll_t *lp = sk_calloc(1, sizeof(*lp));
    char cid[48];
    snprintf(cid, sizeof(cid), "skein-metrics-%d", b->id);
    lp->b = b;
    lp->chan = sk_chan_new(b->base, cid);
    return lp;
}

static void free_entries(lp_entry_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].topic);
    free(v);
}

void sk_lagpoll_free(sk_lagpoll_t *lp)
{
    if (!lp)
        return;
    sk_chan_t *ch = lp->chan;
    lp->chan = NULL;
    sk_chan_free(ch); /* queued requests fail now; their callbacks find no channel */
    free_entries(lp->v, lp->n);
    free(lp);
}

int sk_lagpoll_hw(const sk_lagpoll_t *lp, const char *topic, int32_t partition, int64_t *hw)
{
    const lp_entry_t *e = lp ? find(lp, topic, partition) : NULL;
    if (!e || !e->at_ms || sk_mono_ms() - e->at_ms > LP_MAX_AGE_MS)
        return 0;
    *hw = e->hw;
    return 1;
}

/* ---- which partitions: committed offsets of coordinated groups, led elsewhere ---- */

typedef struct collect {
    sk_broker_t *b;
    lp_entry_t *v;
    size_t n, cap;
} collect_t;

static void collect_group(sk_group_t *g, void *arg)
{
    collect_t *c = arg;
    for (int i = 0; i < g->n_offsets; i++) {
        const sk_goffset_t *o = &g->offsets[i];
        const sk_partition_t *pt = sk_topics_partition(c->b->topics, o->topic,
                                                       (int32_t)strlen(o->topic), o->partition);
        if (!pt || pt->log || pt->leader < 0 || pt->leader == c->b->id)
            continue; /* unknown, hosted here (its HW is known), or leaderless */
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 16;
            c->v = sk_realloc(c->v, c->cap * sizeof(*c->v));
        }
        lp_entry_t *e = &c->v[c->n++];
        memset(e, 0, sizeof(*e));
        e->topic = o->topic; /* borrowed until the list is kept */
        e->partition = o->partition;
        e->leader = pt->leader;
    }
}

/* The new list, deduplicated, keeping what the old one knew. */
static void replace_entries(sk_lagpoll_t *lp, collect_t *c)
{
    if (c->n) /* qsort's array must not be NULL, even empty */
        qsort(c->v, c->n, sizeof(*c->v), entry_cmp);
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (k && entry_cmp(&c->v[k - 1], &c->v[i]) == 0)
            continue;
        lp_entry_t e = c->v[i];
        const lp_entry_t *old = find(lp, e.topic, e.partition);
        if (old) {
            e.hw = old->hw;
            e.at_ms = old->at_ms;
        }
        e.topic = sk_strdup(e.topic);
        c->v[k++] = e;
    }
    free_entries(lp->v, lp->n);
    lp->v = c->v;
    lp->n = k;
}

/* ---- asking the leaders ---- */

static void answered(int rc, const uint8_t *body, size_t len, void *arg)
{
    sk_lagpoll_t *lp = arg;
    lp->inflight--;
    if (rc != SK_OK || !lp->chan)
        return;
    sk_arena_t *a = sk_arena_new(0);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_listoffsets_resp_t resp;
    if (sk_listoffsets_resp_decode(&r, LP_VERSION, a, &resp) == SK_OK) {
        int64_t now = sk_mono_ms();
        for (int32_t i = 0; i < resp.TopicsCnt; i++) {
            const sk_listoffsets_resp_topic_t *t = &resp.Topics[i];
            if (t->Name.len <= 0)
                continue;
            char *name = sk_strndup(t->Name.p, (size_t)t->Name.len);
            for (int32_t j = 0; j < t->PartitionsCnt; j++) {
                const sk_listoffsets_resp_partition_t *p = &t->Partitions[j];
                lp_entry_t *e = find(lp, name, p->PartitionIndex);
                if (e && p->ErrorCode == SK_KERR_NONE && p->Offset >= 0) {
                    e->hw = p->Offset;
                    e->at_ms = now;
                }
            }
            free(name);
        }
    }
    sk_arena_free(a);
}

/* One ListOffsets to leader for entries [from, to) (all led by it). */
static void ask(sk_lagpoll_t *lp, int32_t leader, size_t from, size_t to)
{
    sk_broker_t *b = lp->b;
    const sk_live_broker_t *lb = NULL;
    for (int i = 0; i < b->n_live; i++)
        if (b->live[i].id == leader)
            lb = &b->live[i];
    if (!lb || !lb->host)
        return;
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        n += lp->v[i].leader == leader;
    sk_listoffsets_req_topic_t *topics = sk_calloc(n + 1, sizeof(*topics));
    sk_listoffsets_req_partition_t *parts = sk_calloc(n + 1, sizeof(*parts));
    size_t k = 0;
    for (size_t i = from; i < to; i++) {
        if (lp->v[i].leader != leader)
            continue;
        parts[k].PartitionIndex = lp->v[i].partition;
        parts[k].CurrentLeaderEpoch = -1;
        parts[k].Timestamp = SK_LISTOFFSETS_LATEST;
        parts[k].MaxNumOffsets = 1;
        topics[k].Name = sk_str_c(lp->v[i].topic);
        topics[k].Partitions = &parts[k];
        topics[k].PartitionsCnt = 1;
        k++;
    }
    sk_listoffsets_req_t req;
    memset(&req, 0, sizeof(req));
    req.ReplicaId = -1;
    req.Topics = topics;
    req.TopicsCnt = (int32_t)k;
    sk_wr_t w;
    sk_wr_init(&w);
    if (sk_listoffsets_req_encode(&w, LP_VERSION, &req) == SK_OK) {
        sk_chan_set_broker(lp->chan, leader, lb->host, lb->port);
        lp->inflight++;
        sk_chan_send(lp->chan, leader, SK_API_LIST_OFFSETS, LP_VERSION, &w, answered, lp);
    }
    sk_wr_free(&w);
    free(topics);
    free(parts);
}

void sk_lagpoll_refresh(sk_lagpoll_t *lp)
{
    sk_broker_t *b = lp ? lp->b : NULL;
    if (!b || lp->inflight || b->stopping || !b->coord)
        return;
    int64_t now = sk_mono_ms();
    if (lp->last_ms && now - lp->last_ms < LP_MIN_INTERVAL_MS)
        return;
    lp->last_ms = now;
    collect_t c = {b, NULL, 0, 0};
    (void)sk_coord_foreach_group(b->coord, collect_group, &c);
    replace_entries(lp, &c);
    /* one request per leader (few: the brokers) */
    int32_t *leaders = sk_calloc(lp->n + 1, sizeof(*leaders));
    size_t nl = 0;
    for (size_t i = 0; i < lp->n; i++) {
        size_t j = 0;
        while (j < nl && leaders[j] != lp->v[i].leader)
            j++;
        if (j == nl)
            leaders[nl++] = lp->v[i].leader;
    }
    for (size_t j = 0; j < nl; j++)
        ask(lp, leaders[j], 0, lp->n);
    free(leaders);
}
