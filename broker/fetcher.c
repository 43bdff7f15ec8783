/* fetcher.c - follower fetching (see fetcher.h). */
#include "fetcher.h"

#include "broker_int.h"

#include "arena.h"
#include "channel.h"
#include "kbuf.h"
#include "kerr.h"
#include "log_plog.h"
#include "proto_fetch.h"
#include "recbatch.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_VERSION 11

typedef struct leader_link {
    sk_fetcher_t *f;
    int32_t id;
    int inflight;
    int backoff;          /* waiting on the retry timer */
    struct event *retry;
    int logged_error;
} leader_link_t;

struct sk_fetcher_s {
    sk_broker_t *b;
    sk_chan_t *chan;
    leader_link_t **links;
    int n_links;
};

static void send_fetch(leader_link_t *l);

static int follows(const sk_broker_t *b, const sk_partition_t *p)
{
    if (!p->log || p->leader < 0 || p->leader == b->id)
        return 0;
    for (int i = 0; i < p->n_replicas; i++)
        if (p->replicas[i] == b->id)
            return 1;
    return 0;
}

static const sk_live_broker_t *live(const sk_broker_t *b, int32_t id)
{
    for (int i = 0; i < b->n_live; i++)
        if (b->live[i].id == id)
            return &b->live[i];
    return NULL;
}

static leader_link_t *link_for(sk_fetcher_t *f, int32_t id)
{
    for (int i = 0; i < f->n_links; i++)
        if (f->links[i]->id == id)
            return f->links[i];
    return NULL;
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    leader_link_t *l = arg;
    l->backoff = 0;
    send_fetch(l);
}

static void back_off(leader_link_t *l)
{
    int ms = l->f->b->conf->replica_fetch_backoff_ms;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    l->backoff = 1;
    evtimer_add(l->retry, &tv);
}

/* Applies one partition of a fetch answer. Returns 1 if it was an error. */
static int apply_partition(sk_fetcher_t *f, leader_link_t *l, sk_str_t topic,
                           const sk_fetch_resp_partition_t *rp)
{
    sk_broker_t *b = f->b;
    sk_partition_t *p = sk_topics_partition(b->topics, topic.p, topic.len, rp->PartitionIndex);
    if (!p || !follows(b, p) || p->leader != l->id)
        return 0; /* the role changed meanwhile */
    if (rp->ErrorCode != SK_KERR_NONE) {
        if (!l->logged_error)
            sk_warn("fetcher", "fetching %s-%d from broker %d: %s", p->topic, p->id, l->id,
                    sk_kerr_name(rp->ErrorCode));
        l->logged_error = 1;
        return 1;
    }
    const sk_fetch_records_t *rec = &rp->Records;
    if (rec->kind == SK_FETCH_REC_MEM && rec->len > 0) {
        int64_t first = -1, last = -1;
        /* Only whole batches: a trailing partial batch waits for the next fetch. */
        size_t len = 0;
        const uint8_t *data = rec->ptr;
        while (len < (size_t)rec->len) {
            ssize_t n = sk_batch_next(data + len, (size_t)rec->len - len);
            if (n <= 0)
                break;
            len += (size_t)n;
        }
        if (len > 0) {
            int rc = sk_plog_append_raw(p->log, data, len, &first, &last);
            if (rc != SK_OK) {
                sk_error("fetcher", "appending fetched data to %s-%d failed: %s", p->topic, p->id,
                         sk_strerror(rc));
                return 1;
            }
        }
    }
    int64_t leo = sk_plog_end_offset(p->log);
    int64_t hw = rp->HighWatermark < leo ? rp->HighWatermark : leo;
    if (hw > p->high_watermark) {
        p->high_watermark = hw;
        sk_logmgr_set_high_watermark(b->logs, p->topic, p->id, hw);
        sk_fetch_purgatory_wake(b);
    }
    l->logged_error = 0;
    return 0;
}

typedef struct fetch_ctx {
    leader_link_t *l;
} fetch_ctx_t;

static void fetch_cb(int rc, const uint8_t *body, size_t len, void *arg)
{
    fetch_ctx_t *ctx = arg;
    leader_link_t *l = ctx->l;
    free(ctx);
    if (!l->f) /* the fetcher is going away */
        return;
    l->inflight = 0;
    if (rc != SK_OK) {
        back_off(l);
        return;
    }
    sk_arena_t *a = sk_arena_new(0);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_fetch_resp_t resp;
    int errors = 0;
    if (sk_fetch_resp_decode(&r, FETCH_VERSION, a, &resp) != SK_OK) {
        sk_warn("fetcher", "malformed Fetch response from broker %d", l->id);
        errors = 1;
    } else {
        for (int32_t i = 0; i < resp.ResponsesCnt; i++)
            for (int32_t j = 0; j < resp.Responses[i].PartitionsCnt; j++)
                errors += apply_partition(l->f, l, resp.Responses[i].Topic,
                                          &resp.Responses[i].Partitions[j]);
    }
    sk_arena_free(a);
    if (errors)
        back_off(l);
    else
        send_fetch(l);
}

struct build_ctx {
    sk_fetcher_t *f;
    leader_link_t *l;
    sk_arena_t *a;
    sk_fetch_req_t *req;
    int n_parts;
};

static void add_topic(sk_topic_t *t, void *arg)
{
    struct build_ctx *bc = arg;
    sk_broker_t *b = bc->f->b;
    sk_fetch_req_topic_t *rt = NULL;
    for (int i = 0; i < t->n_partitions; i++) {
        sk_partition_t *p = &t->partitions[i];
        if (!follows(b, p) || p->leader != bc->l->id)
            continue;
        if (!rt) {
            rt = &bc->req->Topics[bc->req->TopicsCnt++];
            rt->Topic = sk_str_c(t->name);
            rt->Partitions = sk_arena_calloc(bc->a, (size_t)t->n_partitions,
                                             sizeof(*rt->Partitions));
        }
        sk_fetch_req_partition_t *fp = &rt->Partitions[rt->PartitionsCnt++];
        fp->Partition = p->id;
        fp->CurrentLeaderEpoch = p->leader_epoch;
        fp->FetchOffset = sk_plog_end_offset(p->log);
        fp->LogStartOffset = sk_plog_start_offset(p->log);
        fp->PartitionMaxBytes = b->conf->replica_fetch_max_bytes;
        bc->n_parts++;
    }
}

static void send_fetch(leader_link_t *l)
{
    sk_fetcher_t *f = l->f;
    sk_broker_t *b = f->b;
    if (l->inflight || l->backoff || b->stopping)
        return;
    const sk_live_broker_t *lb = live(b, l->id);
    if (!lb)
        return; /* the leader is not live: the controller will move leadership */
    sk_chan_set_broker(f->chan, l->id, lb->host, lb->port);
    sk_arena_t *a = sk_arena_new(0);
    sk_fetch_req_t req = {0};
    req.ReplicaId = b->id;
    req.MaxWaitMs = b->conf->replica_fetch_wait_max_ms;
    req.MinBytes = b->conf->replica_fetch_min_bytes;
    req.MaxBytes = 10 * 1024 * 1024;
    req.IsolationLevel = 0;
    req.SessionId = 0;
    req.SessionEpoch = -1;
    req.RackId = sk_str_c("");
    req.Topics = sk_arena_calloc(a, (size_t)sk_topics_count(b->topics) + 1, sizeof(*req.Topics));
    struct build_ctx bc = {f, l, a, &req, 0};
    sk_topics_foreach(b->topics, add_topic, &bc);
    if (bc.n_parts == 0) {
        sk_arena_free(a);
        return;
    }
    sk_wr_t w;
    sk_wr_init(&w);
    if (sk_fetch_req_encode(&w, FETCH_VERSION, &req) != SK_OK) {
        sk_wr_free(&w);
        sk_arena_free(a);
        sk_error("fetcher", "encoding a Fetch request failed");
        return;
    }
    sk_arena_free(a);
    fetch_ctx_t *ctx = sk_calloc(1, sizeof(*ctx));
    ctx->l = l;
    l->inflight = 1;
    sk_chan_send(f->chan, l->id, 1, FETCH_VERSION, &w, fetch_cb, ctx);
}

struct scan_ctx {
    sk_fetcher_t *f;
};

static void scan_topic(sk_topic_t *t, void *arg)
{
    struct scan_ctx *sc = arg;
    sk_fetcher_t *f = sc->f;
    for (int i = 0; i < t->n_partitions; i++) {
        sk_partition_t *p = &t->partitions[i];
        if (!follows(f->b, p) || link_for(f, p->leader))
            continue;
        leader_link_t *l = sk_calloc(1, sizeof(*l));
        l->f = f;
        l->id = p->leader;
        l->retry = evtimer_new(f->b->base, retry_cb, l);
        f->links = sk_realloc(f->links, (size_t)(f->n_links + 1) * sizeof(*f->links));
        f->links[f->n_links++] = l;
        sk_info("fetcher", "following partitions led by broker %d", l->id);
    }
}

sk_fetcher_t *sk_fetcher_new(sk_broker_t *b)
{
    sk_fetcher_t *f = sk_calloc(1, sizeof(*f));
    f->b = b;
    char cid[48];
    snprintf(cid, sizeof(cid), "skein-replica-%d", b->id);
    f->chan = sk_chan_new(b->base, cid);
    return f;
}

void sk_fetcher_update(sk_fetcher_t *f)
{
    if (!f)
        return;
    struct scan_ctx sc = {f};
    sk_topics_foreach(f->b->topics, scan_topic, &sc);
    for (int i = 0; i < f->n_links; i++)
        send_fetch(f->links[i]);
}

void sk_fetcher_free(sk_fetcher_t *f)
{
    if (!f)
        return;
    /* Queued requests fail now; their contexts must not reach the links. */
    for (int i = 0; i < f->n_links; i++)
        f->links[i]->inflight = 0;
    sk_chan_t *chan = f->chan;
    f->chan = NULL;
    for (int i = 0; i < f->n_links; i++) {
        event_free(f->links[i]->retry);
        f->links[i]->f = NULL;
    }
    /* Failing callbacks see links without a fetcher: they only free their context. */
    sk_chan_free(chan);
    for (int i = 0; i < f->n_links; i++)
        free(f->links[i]);
    free(f->links);
    free(f);
}
