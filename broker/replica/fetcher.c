/* fetcher.c - follower fetching (see fetcher.h). */
#include "replica/fetcher.h"

#include "meta/broker_ctx.h"

#include "apis.h"
#include "arena.h"
#include "net/channel.h"
#include "kbuf.h"
#include "kerr.h"
#include "metrics.h"
#include "storage/plog.h"
#include "proto_fetch.h"
#include "proto_offsetforleaderepoch.h"
#include "recbatch.h"
#include "replica/partition.h"
#include "replica/throttle.h"
#include "clock.h"

#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_VERSION 11
#define EPOCH_VERSION 3 /* OffsetForLeaderEpoch: v3 carries ReplicaId */

typedef struct leader_link {
    sk_fetcher_t *f;
    int32_t id;
    sk_fetcher_state_t state; /* changed only by link_set() */
    int backoffs;         /* back-offs since the last Fetch answered without errors */
    struct event *retry;  /* armed in BACKOFF */
    struct event *throttled; /* IDLE: the next Fetch once the throttle allows */
    int logged_error;
    int64_t probe_ms;     /* mono ms of the last probe of replicas in dirs short of space */
} leader_link_t;

struct sk_fetcher_s {
    sk_broker_t *b;
    sk_chan_t *chan;
    leader_link_t **links;
    int n_links;
    sk_tbucket_t *quota; /* follower.replication.throttled.rate over throttled replicas */
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

/* allowed[from][to]: the table of fetcher.h. */
static const unsigned char link_allowed[SK_FETCHER_N_STATES][SK_FETCHER_N_STATES] = {
    /*                             IDLE EPOCHS FETCH BACKOFF STOPPED */
    [SK_FETCHER_IDLE]             = {0,   1,     1,    1,      1},
    [SK_FETCHER_EPOCHS_IN_FLIGHT] = {1,   0,     0,    1,      1},
    [SK_FETCHER_FETCH_IN_FLIGHT]  = {1,   0,     0,    1,      1},
    [SK_FETCHER_BACKOFF]          = {1,   0,     0,    0,      1},
    [SK_FETCHER_STOPPED]          = {0,   0,     0,    0,      0},
};

static const char *const link_names[SK_FETCHER_N_STATES] = {
    [SK_FETCHER_IDLE] = "IDLE",
    [SK_FETCHER_EPOCHS_IN_FLIGHT] = "EPOCHS_IN_FLIGHT",
    [SK_FETCHER_FETCH_IN_FLIGHT] = "FETCH_IN_FLIGHT",
    [SK_FETCHER_BACKOFF] = "BACKOFF",
    [SK_FETCHER_STOPPED] = "STOPPED",
};

int sk_fetcher_state_allowed(sk_fetcher_state_t from, sk_fetcher_state_t to)
{
    if ((unsigned)from >= SK_FETCHER_N_STATES || (unsigned)to >= SK_FETCHER_N_STATES)
        return 0;
    return link_allowed[from][to];
}

const char *sk_fetcher_state_name(sk_fetcher_state_t s)
{
    return (unsigned)s < SK_FETCHER_N_STATES ? link_names[s] : "?";
}

/* The one place a link's state changes: checked against the table, logged.
 * SK_OK, or SK_ESTATE (logged as an error, nothing changed). */
static int link_set(leader_link_t *l, sk_fetcher_state_t to, const char *why)
{
    sk_fetcher_state_t from = l->state;
    if (!sk_fetcher_state_allowed(from, to)) {
        sk_error("fetcher", "%s: refused (fetcher for leader %d: %s -> %s)", why, l->id,
                 sk_fetcher_state_name(from), sk_fetcher_state_name(to));
        return SK_ESTATE;
    }
    l->state = to;
    if (to == SK_FETCHER_BACKOFF) {
        /* INFO once per run of back-offs (a leader down is retried every
         * replica.fetch.backoff.ms), DEBUG for the rest of the run. */
        l->backoffs++;
        SK_LOG_AT(l->backoffs == 1 ? SK_LOG_INFO : SK_LOG_DEBUG, "fetcher",
                  "%s; retrying in %d ms, back-off %d in a row (fetcher for leader %d: %s -> %s)",
                  why, l->f->b->conf->replica_fetch_backoff_ms, l->backoffs, l->id,
                  sk_fetcher_state_name(from), sk_fetcher_state_name(to));
        return SK_OK;
    }
    SK_LOG_AT(to == SK_FETCHER_STOPPED ? SK_LOG_INFO : SK_LOG_DEBUG, "fetcher",
              "%s (fetcher for leader %d: %s -> %s)", why, l->id, sk_fetcher_state_name(from),
              sk_fetcher_state_name(to));
    return SK_OK;
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
    if (link_set(l, SK_FETCHER_IDLE, "back-off over") == SK_OK)
        send_fetch(l);
}

static void throttled_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    send_fetch(arg);
}

static void back_off(leader_link_t *l, const char *why)
{
    int ms = l->f->b->conf->replica_fetch_backoff_ms;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    if (link_set(l, SK_FETCHER_BACKOFF, why) == SK_OK)
        evtimer_add(l->retry, &tv);
}

/* Truncate p's log to offset (kept >= the log start); epoch cache entries at
 * or after the new end go with the data. One INFO line when data goes. */
static int truncate_log(sk_broker_t *b, sk_partition_t *p, int64_t offset, const char *why)
{
    int64_t start = sk_plog_start_offset(p->log);
    int64_t leo = sk_plog_end_offset(p->log);
    if (offset < start)
        offset = start;
    if (offset > leo)
        offset = leo;
    int rc = sk_plog_truncate_to(p->log, offset);
    if (rc != SK_OK) {
        sk_error_tp("fetcher", p->topic, p->id, p->leader_epoch,
                    "partition %s-%d: truncation to offset %" PRId64 " failed: %s", p->topic, p->id,
                    offset, sk_strerror(rc));
        return rc;
    }
    int64_t nleo = sk_plog_end_offset(p->log);
    if (nleo != leo)
        sk_info_tp("fetcher", p->topic, p->id, p->leader_epoch,
                   "partition %s-%d: truncated by leader epoch (%s), leader %d, leader "
                   "epoch %d: log end offset %" PRId64 " -> %" PRId64,
                   p->topic, p->id, why, p->leader, p->leader_epoch, leo, nleo);
    sk_partition_clamp_hw(b->parts, p);
    return SK_OK;
}

/* One partition of an OffsetForLeaderEpoch answer. Returns 1 if the
 * partition made progress (truncated, or is now ready), 0 if not, -1 on an
 * error that calls for backing off. */
static int apply_epoch_answer(sk_fetcher_t *f, sk_partition_t *p, int32_t asked,
                              const sk_offsetforleaderepoch_resp_partition_t *rp)
{
    sk_broker_t *b = f->b;
    if (rp->ErrorCode != SK_KERR_NONE) {
        sk_warn_tp("fetcher", p->topic, p->id, p->leader_epoch,
                   "partition %s-%d: OffsetForLeaderEpoch to leader %d (leader epoch %d): %s",
                   p->topic, p->id, p->leader, p->leader_epoch, sk_kerr_name(rp->ErrorCode));
        char err[64];
        snprintf(err, sizeof(err), "OffsetForLeaderEpoch answered %s",
                 sk_kerr_name(rp->ErrorCode));
        sk_partition_set_trunc(p, SK_TRUNC_NEEDS_TRUNCATION, err);
        return -1;
    }
    int64_t leo = sk_plog_end_offset(p->log);
    int64_t offset;
    int done;
    if (rp->EndOffset < 0) {
        /* The leader knows nothing of our epochs: the high watermark is all
         * that is known to be committed. */
        int64_t hw = sk_logmgr_get_checkpointed_high_watermark(b->logs, p->topic, p->id);
        if (p->high_watermark > hw)
            hw = p->high_watermark;
        done = sk_epoch_truncation_point(sk_plog_epochs(p->log), leo, hw, rp->LeaderEpoch,
                                         rp->EndOffset, &offset);
        if (offset < leo)
            sk_warn_tp("fetcher", p->topic, p->id, p->leader_epoch,
                       "partition %s-%d: leader %d has no end offset for leader epoch "
                       "%d: falling back to the high watermark %" PRId64,
                       p->topic, p->id, p->leader, asked, hw);
    } else {
        done = sk_epoch_truncation_point(sk_plog_epochs(p->log), leo, -1, rp->LeaderEpoch,
                                         rp->EndOffset, &offset);
    }
    char why[96];
    snprintf(why, sizeof(why), "our epoch %d, leader's epoch %d ends at %" PRId64, asked,
             rp->LeaderEpoch, rp->EndOffset);
    if (truncate_log(b, p, offset, why) != SK_OK) {
        sk_partition_set_trunc(p, SK_TRUNC_NEEDS_TRUNCATION, "truncation failed");
        return -1;
    }
    if (!done && sk_plog_latest_epoch(p->log) >= asked) {
        /* cannot happen with a consistent cache; never ask the same again */
        sk_warn_tp("fetcher", p->topic, p->id, p->leader_epoch,
                   "partition %s-%d: epoch %d still latest after truncating to %" PRId64
                   "; fetching from %" PRId64,
                   p->topic, p->id, asked, offset, sk_plog_end_offset(p->log));
        done = 1;
    }
    if (done) {
        snprintf(why, sizeof(why), "log agrees with leader %d at leader epoch %d up to %" PRId64,
                 p->leader, p->leader_epoch, sk_plog_end_offset(p->log));
        sk_partition_set_trunc(p, SK_TRUNC_FETCHING, why);
    } else {
        snprintf(why, sizeof(why), "the leader has our epoch %d only below %" PRId64
                 ": asking again for epoch %d", asked, sk_plog_end_offset(p->log),
                 sk_plog_latest_epoch(p->log));
        sk_partition_set_trunc(p, SK_TRUNC_NEEDS_TRUNCATION, why);
    }
    return 1;
}

typedef struct epoch_item {
    char *topic;
    int32_t partition;
    int32_t current; /* the partition's leader epoch when asked */
    int32_t asked;   /* our latest epoch when asked */
} epoch_item_t;

typedef struct epoch_ctx {
    leader_link_t *l;
    epoch_item_t *items;
    int n;
} epoch_ctx_t;

static void epoch_ctx_free(epoch_ctx_t *ctx)
{
    for (int i = 0; i < ctx->n; i++)
        free(ctx->items[i].topic);
    free(ctx->items);
    free(ctx);
}

/* The partitions an OffsetForLeaderEpoch request of leader l's link asked
 * for that are still TRUNCATING (no answer, or one that settled nothing) go
 * back to NEEDS_TRUNCATION: the next request asks again. A partition whose
 * leader or epoch moved meanwhile was reset by the role change already. */
static void epoch_items_unsettled(leader_link_t *l, const epoch_ctx_t *ctx, const char *why)
{
    sk_broker_t *b = l->f->b;
    for (int k = 0; k < ctx->n; k++) {
        const epoch_item_t *it = &ctx->items[k];
        sk_partition_t *p = sk_topics_partition(b->topics, it->topic,
                                                (int32_t)strlen(it->topic), it->partition);
        if (p && p->leader == l->id && p->leader_epoch == it->current &&
            p->trunc_state == SK_TRUNC_TRUNCATING)
            sk_partition_set_trunc(p, SK_TRUNC_NEEDS_TRUNCATION, why);
    }
}

static void epoch_cb(int rc, const uint8_t *body, size_t len, void *arg)
{
    epoch_ctx_t *ctx = arg;
    leader_link_t *l = ctx->l;
    if (l->state == SK_FETCHER_STOPPED) { /* the fetcher is going away */
        epoch_ctx_free(ctx);
        return;
    }
    sk_fetcher_t *f = l->f;
    int errors = 0, progress = 0;
    const char *failed = NULL; /* the answer as a whole */
    sk_arena_t *a = NULL;
    if (rc != SK_OK) {
        errors = 1;
        failed = "no OffsetForLeaderEpoch answer";
        goto out;
    }
    a = sk_arena_new(0);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_offsetforleaderepoch_resp_t resp;
    if (sk_offsetforleaderepoch_resp_decode(&r, EPOCH_VERSION, a, &resp) != SK_OK) {
        sk_warn("fetcher", "malformed OffsetForLeaderEpoch response from broker %d", l->id);
        errors = 1;
        failed = "malformed OffsetForLeaderEpoch answer";
        goto out;
    }
    for (int32_t i = 0; i < resp.TopicsCnt; i++) {
        const sk_offsetforleaderepoch_resp_topic_t *t = &resp.Topics[i];
        for (int32_t j = 0; j < t->PartitionsCnt; j++) {
            const sk_offsetforleaderepoch_resp_partition_t *rp = &t->Partitions[j];
            const epoch_item_t *it = NULL;
            for (int k = 0; k < ctx->n && !it; k++)
                if (ctx->items[k].partition == rp->Partition &&
                    sk_str_eq(t->Topic, ctx->items[k].topic))
                    it = &ctx->items[k];
            sk_partition_t *p = sk_topics_partition(f->b->topics, t->Topic.p, t->Topic.len,
                                                    rp->Partition);
            /* roles, epochs or the log changed meanwhile: ask again later */
            if (!it || !p || !follows(f->b, p) || p->leader != l->id ||
                p->leader_epoch != it->current || p->trunc_state != SK_TRUNC_TRUNCATING ||
                sk_plog_latest_epoch(p->log) != it->asked)
                continue;
            int res = apply_epoch_answer(f, p, it->asked, rp);
            if (res < 0)
                errors++;
            else
                progress += res;
        }
    }
out:
    sk_arena_free(a);
    epoch_items_unsettled(l, ctx, failed ? failed : "not settled by the answer");
    epoch_ctx_free(ctx);
    char why[96];
    if (failed)
        snprintf(why, sizeof(why), "%s", failed);
    else if (errors)
        snprintf(why, sizeof(why), "OffsetForLeaderEpoch answered with %d partition error(s)",
                 errors);
    else
        snprintf(why, sizeof(why), "OffsetForLeaderEpoch answered, %d partition(s) moved on",
                 progress);
    if (errors || !progress) {
        back_off(l, errors ? why : "OffsetForLeaderEpoch answered without progress");
    } else if (link_set(l, SK_FETCHER_IDLE, why) == SK_OK) {
        send_fetch(l);
    }
}

/* An empty log that starts inside the first fetched batch (it restarted at
 * the leader's log start, which DeleteRecords put inside a batch): the
 * leader serves that whole batch, so the log restarts at the batch's base
 * offset and takes it, as Kafka's follower does (Partition's
 * UnexpectedAppendOffsetException case); the leader's log start in the
 * same answer then moves ours back up to it. 0, or 1 when the log could
 * not restart. */
static int restart_at_batch_base(sk_broker_t *b, const leader_link_t *l, sk_partition_t *p,
                                 const uint8_t *data, size_t len)
{
    sk_batch_info_t first;
    int64_t leo = sk_plog_end_offset(p->log);
    if (leo != sk_plog_start_offset(p->log) || sk_batch_parse_header(data, len, &first) != 0 ||
        first.base_offset >= leo || sk_batch_last_offset(&first) < leo)
        return 0;
    if (sk_plog_truncate_fully(p->log, first.base_offset) != SK_OK)
        return 1;
    sk_info_tp("fetcher", p->topic, p->id, p->leader_epoch,
               "partition %s-%d: the first batch fetched from leader %d holds offsets %" PRId64
               "..%" PRId64 " around our empty log's start %" PRId64 " (leader epoch %d): log "
               "restarted at the batch's base offset",
               p->topic, p->id, l->id, first.base_offset, sk_batch_last_offset(&first), leo,
               p->leader_epoch);
    sk_partition_log_restarted(b->parts, p, first.base_offset);
    return 0;
}

/* Applies one partition of a fetch answer. Returns 1 if it was an error. */
static int apply_partition(sk_fetcher_t *f, leader_link_t *l, sk_str_t topic,
                           const sk_fetch_resp_partition_t *rp)
{
    sk_broker_t *b = f->b;
    sk_partition_t *p = sk_topics_partition(b->topics, topic.p, topic.len, rp->PartitionIndex);
    if (!p || !follows(b, p) || p->leader != l->id || p->trunc_state != SK_TRUNC_FETCHING)
        return 0; /* the role or the epoch changed meanwhile */
    if (rp->ErrorCode == SK_KERR_OFFSET_OUT_OF_RANGE) {
        int64_t leo = sk_plog_end_offset(p->log);
        if (rp->LogStartOffset >= 0 && leo < rp->LogStartOffset) {
            /* everything we have is gone on the leader: start at its log start */
            if (sk_plog_truncate_fully(p->log, rp->LogStartOffset) != SK_OK)
                return 1;
            sk_info_tp("fetcher", p->topic, p->id, p->leader_epoch,
                       "partition %s-%d: log end offset %" PRId64 " is below leader %d's "
                       "log start %" PRId64 " (leader epoch %d): log restarted there",
                       p->topic, p->id, leo, l->id, rp->LogStartOffset, p->leader_epoch);
            sk_partition_log_restarted(b->parts, p, rp->LogStartOffset);
            return 0;
        }
        /* above the leader's log end: check against its epochs again */
        sk_warn_tp("fetcher", p->topic, p->id, p->leader_epoch,
                   "partition %s-%d: fetch offset %" PRId64 " out of range on leader %d "
                   "(leader epoch %d): truncating by leader epoch again",
                   p->topic, p->id, leo, l->id, p->leader_epoch);
        sk_partition_set_trunc(p, SK_TRUNC_NEEDS_TRUNCATION, "fetch offset above the leader's "
                               "log end");
        return 1;
    }
    if (rp->ErrorCode != SK_KERR_NONE) {
        /* FENCED/UNKNOWN_LEADER_EPOCH, NOT_LEADER...: a LeaderAndIsr will come */
        if (!l->logged_error)
            sk_warn_tp("fetcher", p->topic, p->id, p->leader_epoch,
                       "fetching %s-%d from broker %d: %s", p->topic, p->id, l->id,
                       sk_kerr_name(rp->ErrorCode));
        l->logged_error = 1;
        return 1;
    }
    const sk_str_t *rec = &rp->Records;
    if (rec->len > 0) {
        int64_t first = -1, last = -1;
        /* Only whole batches: a trailing partial batch waits for the next fetch. */
        size_t len = 0;
        const uint8_t *data = (const uint8_t *)rec->p;
        while (len < (size_t)rec->len) {
            ssize_t n = sk_batch_next(data + len, (size_t)rec->len - len);
            if (n <= 0)
                break;
            len += (size_t)n;
        }
        if (len > 0 && restart_at_batch_base(b, l, p, data, len) != 0)
            return 1;
        if (len > 0) {
            int rc = sk_plog_append_raw(p->log, data, len, &first, &last);
            if (rc == SK_ENOSPC) {
                /* the dir just went short of space (logmgr logged it): nothing
                 * written, this fetch's data dropped, the next waits for space */
                sk_debug("fetcher", "%s-%d: fetched data dropped, its log dir is low on space",
                         p->topic, p->id);
                return 1;
            }
            if (rc != SK_OK) {
                sk_error_tp("fetcher", p->topic, p->id, p->leader_epoch,
                            "appending fetched data to %s-%d failed: %s", p->topic, p->id,
                            sk_strerror(rc));
                return 1;
            }
            sk_met.replication_bytes_in += len;
            if (sk_throttle_replica(b, p->topic, p->id, 1))
                sk_tbucket_take(f->quota, sk_throttle_rate(b, 1), (int64_t)len, sk_mono_ms());
        }
    }
    sk_partition_follower_hw(b->parts, p, rp->HighWatermark);
    /* DeleteRecords on the leader: our log starts there too (KIP-107) */
    sk_partition_leader_log_start(b->parts, p, rp->LogStartOffset);
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
    if (l->state == SK_FETCHER_STOPPED) /* the fetcher is going away */
        return;
    if (rc != SK_OK) {
        back_off(l, "no Fetch answer");
        return;
    }
    sk_arena_t *a = sk_arena_new(0);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_fetch_resp_t resp;
    int errors = 0;
    int malformed = 0;
    if (sk_fetch_resp_decode(&r, FETCH_VERSION, a, &resp) != SK_OK) {
        sk_warn("fetcher", "malformed Fetch response from broker %d", l->id);
        errors = 1;
        malformed = 1;
    } else {
        for (int32_t i = 0; i < resp.ResponsesCnt; i++)
            for (int32_t j = 0; j < resp.Responses[i].PartitionsCnt; j++)
                errors += apply_partition(l->f, l, resp.Responses[i].Topic,
                                          &resp.Responses[i].Partitions[j]);
    }
    sk_arena_free(a);
    if (errors) {
        char why[64];
        if (malformed)
            snprintf(why, sizeof(why), "malformed Fetch answer");
        else
            snprintf(why, sizeof(why), "Fetch answered with %d partition error(s)", errors);
        back_off(l, why);
        return;
    }
    l->backoffs = 0;
    if (link_set(l, SK_FETCHER_IDLE, "Fetch answered") == SK_OK)
        send_fetch(l);
}

struct build_ctx {
    sk_fetcher_t *f;
    leader_link_t *l;
    sk_arena_t *a;
    sk_fetch_req_t *req;
    int n_parts;
    /* partitions that must be checked against the leader's epochs first */
    sk_offsetforleaderepoch_req_t *ereq;
    epoch_ctx_t *ectx;
    int64_t throttle_wait_ms; /* > 0: throttled replicas wait this long */
    int throttled;            /* partitions left out for the throttle */
    int low_space;            /* partitions left out: their log dir is short of space */
    int probe;                /* this fetch asks for them with no bytes (see add_topic) */
};

static void add_topic(sk_topic_t *t, void *arg)
{
    struct build_ctx *bc = arg;
    sk_broker_t *b = bc->f->b;
    sk_fetch_req_topic_t *rt = NULL;
    sk_offsetforleaderepoch_req_topic_t *et = NULL;
    for (int i = 0; i < t->n_partitions; i++) {
        sk_partition_t *p = &t->partitions[i];
        if (!follows(b, p) || p->leader != bc->l->id)
            continue;
        /* TRUNCATING only while this link's OffsetForLeaderEpoch is in
         * flight, and the link is idle now: not expected, asked again. */
        if (p->trunc_state == SK_TRUNC_TRUNCATING)
            sk_partition_set_trunc(p, SK_TRUNC_NEEDS_TRUNCATION, "no OffsetForLeaderEpoch in "
                                   "flight");
        if (p->trunc_state == SK_TRUNC_NEEDS_TRUNCATION &&
            sk_plog_end_offset(p->log) <= sk_plog_start_offset(p->log))
            sk_partition_set_trunc(p, SK_TRUNC_FETCHING, "empty log: nothing to truncate");
        if (p->trunc_state != SK_TRUNC_FETCHING) {
            if (!et) {
                et = &bc->ereq->Topics[bc->ereq->TopicsCnt++];
                et->Topic = sk_str_c(t->name);
                et->Partitions = sk_arena_calloc(bc->a, (size_t)t->n_partitions,
                                                 sizeof(*et->Partitions));
            }
            sk_offsetforleaderepoch_req_partition_t *ep = &et->Partitions[et->PartitionsCnt++];
            ep->Partition = p->id;
            ep->CurrentLeaderEpoch = p->leader_epoch;
            ep->LeaderEpoch = sk_plog_latest_epoch(p->log);
            epoch_ctx_t *ec = bc->ectx;
            ec->items = sk_realloc(ec->items, (size_t)(ec->n + 1) * sizeof(*ec->items));
            ec->items[ec->n++] = (epoch_item_t){sk_strdup(t->name), p->id, p->leader_epoch,
                                                ep->LeaderEpoch};
            sk_partition_set_trunc(p, SK_TRUNC_TRUNCATING, "asking the leader where our "
                                   "latest epoch ends");
            continue;
        }
        /* never fetch into a log dir short of space (log.dir.min.free.bytes):
         * the replica falls behind and leaves the ISR instead */
        /* At most what the dir may still take: the leader sends at least
         * one whole batch, whose refused append then makes the dir LOW_SPACE
         * (logged once); at the limit, the timer's sample does. */
        int32_t max_bytes = b->conf->replica_fetch_max_bytes;
        int64_t room = sk_plog_space_room(p->log);
        if (room < max_bytes)
            max_bytes = (int32_t)(room > 0 ? room : 0);
        if (max_bytes <= 0) {
            bc->low_space++;
            /* Once a second it is asked for with PartitionMaxBytes 0: no
             * records, but the leader's log start and high watermark, so
             * that DeleteRecords there frees space here too. */
            if (!bc->probe)
                continue;
            max_bytes = 0;
        }
        if (bc->throttle_wait_ms > 0 && sk_throttle_replica(b, t->name, p->id, 1)) {
            bc->throttled++; /* over follower.replication.throttled.rate */
            continue;
        }
        if (!rt) {
            rt = &bc->req->Topics[bc->req->TopicsCnt++];
            sk_fetch_req_topic_init(rt);
            rt->Topic = sk_str_c(t->name);
            rt->Partitions = sk_arena_calloc(bc->a, (size_t)t->n_partitions,
                                             sizeof(*rt->Partitions));
        }
        sk_fetch_req_partition_t *fp = &rt->Partitions[rt->PartitionsCnt++];
        sk_fetch_req_partition_init(fp);
        fp->Partition = p->id;
        fp->CurrentLeaderEpoch = p->leader_epoch;
        fp->FetchOffset = sk_plog_end_offset(p->log);
        fp->LogStartOffset = sk_plog_start_offset(p->log);
        fp->PartitionMaxBytes = max_bytes;
        bc->n_parts++;
    }
}

/* Ask the leader where our latest epochs end (partitions not yet checked). */
static void send_epochs(leader_link_t *l, sk_offsetforleaderepoch_req_t *ereq, epoch_ctx_t *ectx)
{
    sk_broker_t *b = l->f->b;
    ereq->ReplicaId = b->id;
    sk_wr_t w;
    sk_wr_init(&w);
    if (sk_offsetforleaderepoch_req_encode(&w, EPOCH_VERSION, ereq) != SK_OK) {
        sk_wr_free(&w);
        sk_error("fetcher", "encoding an OffsetForLeaderEpoch request failed");
        epoch_items_unsettled(l, ectx, "OffsetForLeaderEpoch not sent");
        epoch_ctx_free(ectx);
        back_off(l, "OffsetForLeaderEpoch request not encoded");
        return;
    }
    char why[96];
    snprintf(why, sizeof(why), "asking broker %d for the end of our leader epochs (%d "
             "partitions)", l->id, ectx->n);
    ectx->l = l;
    link_set(l, SK_FETCHER_EPOCHS_IN_FLIGHT, why);
    sk_chan_send(l->f->chan, l->id, SK_API_OFFSET_FOR_LEADER_EPOCH, EPOCH_VERSION, &w, epoch_cb,
                 ectx);
}

static void send_fetch(leader_link_t *l)
{
    sk_fetcher_t *f = l->f;
    sk_broker_t *b = f->b;
    if (l->state != SK_FETCHER_IDLE || b->stopping)
        return;
    const sk_live_broker_t *lb = live(b, l->id);
    if (!lb)
        return; /* the leader is not live: the controller will move leadership */
    sk_chan_set_broker(f->chan, l->id, lb->host, lb->port);
    sk_arena_t *a = sk_arena_new(0);
    sk_fetch_req_t req;
    sk_fetch_req_init(&req);
    req.ReplicaId = b->id;
    req.MaxWaitMs = b->conf->replica_fetch_wait_max_ms;
    req.MinBytes = b->conf->replica_fetch_min_bytes;
    req.MaxBytes = 10 * 1024 * 1024;
    req.IsolationLevel = 0;
    req.SessionId = 0;
    req.SessionEpoch = -1;
    req.RackId = sk_str_c("");
    size_t nt = (size_t)sk_topics_count(b->topics) + 1;
    req.Topics = sk_arena_calloc(a, nt, sizeof(*req.Topics));
    sk_offsetforleaderepoch_req_t ereq = {0};
    ereq.Topics = sk_arena_calloc(a, nt, sizeof(*ereq.Topics));
    epoch_ctx_t *ectx = sk_calloc(1, sizeof(*ectx));
    struct build_ctx bc = {f, l, a, &req, 0, &ereq, ectx, 0, 0, 0};
    bc.throttle_wait_ms = sk_tbucket_wait_ms(f->quota, sk_throttle_rate(b, 1), sk_mono_ms());
    bc.probe = sk_mono_ms() - l->probe_ms >= 1000;
    sk_topics_foreach(b->topics, add_topic, &bc);
    if (bc.probe && bc.low_space > 0)
        l->probe_ms = sk_mono_ms();
    if (ectx->n > 0) {
        /* truncation first; those partitions are fetched once it is done */
        send_epochs(l, &ereq, ectx);
        sk_arena_free(a);
        return;
    }
    epoch_ctx_free(ectx);
    if (bc.n_parts == 0) {
        sk_arena_free(a);
        if (bc.throttled > 0) {
            /* only throttled replicas: fetch again once the rate allows */
            struct timeval tv = {(time_t)(bc.throttle_wait_ms / 1000),
                                 (suseconds_t)(bc.throttle_wait_ms % 1000) * 1000};
            sk_debug("fetcher", "%d throttled partition(s) from broker %d wait %lld ms",
                     bc.throttled, l->id, (long long)bc.throttle_wait_ms);
            evtimer_add(l->throttled, &tv);
        } else if (bc.low_space > 0) {
            /* only replicas in dirs short of space: look again once they are sampled */
            struct timeval tv = {1, 0};
            sk_debug("fetcher", "%d partition(s) from broker %d wait for space in their log dir",
                     bc.low_space, l->id);
            evtimer_add(l->throttled, &tv);
        }
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
    char why[64];
    snprintf(why, sizeof(why), "fetching %d partition(s) from broker %d", bc.n_parts, l->id);
    link_set(l, SK_FETCHER_FETCH_IN_FLIGHT, why);
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
        l->throttled = evtimer_new(f->b->base, throttled_cb, l);
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
    f->quota = sk_tbucket_new();
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
    sk_chan_t *chan = f->chan;
    f->chan = NULL;
    for (int i = 0; i < f->n_links; i++) {
        link_set(f->links[i], SK_FETCHER_STOPPED, "the broker stops");
        event_free(f->links[i]->retry);
        event_free(f->links[i]->throttled);
        f->links[i]->f = NULL;
    }
    /* Queued requests fail now: their callbacks see STOPPED links and only
     * free their context. */
    sk_chan_free(chan);
    for (int i = 0; i < f->n_links; i++)
        free(f->links[i]);
    free(f->links);
    sk_tbucket_free(f->quota);
    free(f);
}
