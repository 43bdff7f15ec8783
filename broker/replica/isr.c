/* isr.c - ISR shrink and expand through the controller (see isr.h). */
#include "replica/isr.h"

#include "meta/broker_ctx.h"
#include "replica/partition.h"

#include "apis.h"
#include "arena.h"
#include "net/channel.h"
#include "clock.h"
#include <stdio.h>
#include "kbuf.h"
#include "kerr.h"
#include "proto_alterpartition.h"
#include "proto_apiversions.h"
#include "znode.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

/* Until the controller's ApiVersions answer: every Skein controller and
 * Kafka 2.8+ take v1. v2 needs the topic id, v3 adds member broker epochs. */
#define ALTER_VERSION_SAFE 1

typedef struct alter_ctx {
    sk_broker_t *b;
    char *topic;
    int32_t partition;
    int32_t proposed_epoch; /* the leader epoch the proposal was made in */
    int32_t joining;        /* the replica it adds, or -1 (a shrink) */
    int16_t version;        /* the AlterPartition version it was sent with */
} alter_ctx_t;

/* A replica the controller would not add is proposed again after this. */
#define REFUSED_JOINER_BACKOFF_MS 1000
/* A proposal the controller has not answered in this long is given up. */
#define PROPOSAL_TIMEOUT_MS 5000

static void alter_done_cb(int rc, const uint8_t *body, size_t len, void *arg)
{
    alter_ctx_t *ctx = arg;
    sk_broker_t *b = ctx->b;
    sk_partition_t *p = b->topics ? sk_topics_partition(b->topics, ctx->topic,
                                                        (int32_t)strlen(ctx->topic),
                                                        ctx->partition) : NULL;
    if (p)
        sk_partition_isr_answered(p);
    if (rc != SK_OK || !p || b->stopping) {
        if (p && ctx->joining >= 0)
            sk_partition_isr_refused(p, ctx->joining, sk_mono_ms() + REFUSED_JOINER_BACKOFF_MS);
        goto out;
    }
    sk_arena_t *a = sk_arena_new(0);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_alterpartition_resp_t resp;
    if (sk_alterpartition_resp_decode(&r, ctx->version, a, &resp) != SK_OK) {
        sk_warn_tp("isr", ctx->topic, ctx->partition, ctx->proposed_epoch,
                   "malformed AlterPartition response for %s-%d", ctx->topic, ctx->partition);
    } else if (resp.ErrorCode != SK_KERR_NONE) {
        sk_warn_tp("isr", ctx->topic, ctx->partition, ctx->proposed_epoch,
                   "AlterPartition for %s-%d refused: %s", ctx->topic, ctx->partition,
                   sk_kerr_name(resp.ErrorCode));
        if (ctx->joining >= 0)
            sk_partition_isr_refused(p, ctx->joining, sk_mono_ms() + REFUSED_JOINER_BACKOFF_MS);
    } else {
        for (int32_t i = 0; i < resp.TopicsCnt; i++)
            for (int32_t j = 0; j < resp.Topics[i].PartitionsCnt; j++) {
                const sk_alterpartition_resp_partition_t *rp = &resp.Topics[i].Partitions[j];
                if (rp->ErrorCode != SK_KERR_NONE) {
                    sk_info_tp("isr", ctx->topic, ctx->partition, ctx->proposed_epoch,
                               "ISR change of %s-%d not made: %s%s", ctx->topic, ctx->partition,
                               sk_kerr_name(rp->ErrorCode),
                               ctx->joining >= 0 ? "; not proposed again for 1 s" : "");
                    if (ctx->joining >= 0)
                        sk_partition_isr_refused(p, ctx->joining,
                                                 sk_mono_ms() + REFUSED_JOINER_BACKOFF_MS);
                    continue;
                }
                if (!sk_partition_isr_apply(b->parts, p, rp->LeaderEpoch, rp->Isr, rp->IsrCnt,
                                            rp->PartitionEpoch))
                    continue; /* leadership moved meanwhile */
                sk_info_tp("isr", ctx->topic, ctx->partition, p->leader_epoch,
                           "partition %s-%d: ISR is now %d member(s), leader epoch %d, "
                           "partition epoch %d",
                           ctx->topic, ctx->partition, p->n_isr, p->leader_epoch, p->zk_version);
            }
    }
    sk_arena_free(a);
out:
    free(ctx->topic);
    free(ctx);
}

static void versions_cb(int rc, const uint8_t *body, size_t len, void *arg)
{
    sk_broker_t *b = arg;
    int32_t asked = b->isr_ver_asking;
    b->isr_ver_asking = -1;
    if (rc != SK_OK || b->stopping || !b->isr_chan)
        return;
    sk_arena_t *a = sk_arena_new(0);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_apiversions_resp_t resp;
    int16_t ver = ALTER_VERSION_SAFE;
    if (sk_apiversions_resp_decode(&r, 0, a, &resp) == SK_OK && resp.ErrorCode == SK_KERR_NONE)
        for (int32_t i = 0; i < resp.ApiKeysCnt; i++)
            if (resp.ApiKeys[i].ApiKey == SK_API_ALTER_PARTITION) {
                ver = resp.ApiKeys[i].MaxVersion < SK_ALTERPARTITION_MAX_VER
                          ? resp.ApiKeys[i].MaxVersion : SK_ALTERPARTITION_MAX_VER;
                if (ver < ALTER_VERSION_SAFE)
                    ver = ALTER_VERSION_SAFE;
            }
    sk_arena_free(a);
    if (b->isr_ver_ctl != asked || b->isr_ver != ver)
        sk_info("isr", "controller %d answers AlterPartition up to v%d: ISR proposals to it "
                "use v%d%s", asked, ver, ver,
                ver >= 2 ? " (v1 for a topic whose id is not known yet)" : "");
    b->isr_ver_ctl = asked;
    b->isr_ver = ver;
}

/* The active controller, set as the ISR channel's peer; NULL when none is
 * known (or the channel is gone). */
static const sk_live_broker_t *controller_on_chan(sk_broker_t *b)
{
    if (!b->isr_chan || b->controller_id < 0)
        return NULL;
    for (int i = 0; i < b->n_live; i++)
        if (b->live[i].id == b->controller_id) {
            sk_chan_set_broker(b->isr_chan, b->live[i].id, b->live[i].host, b->live[i].port);
            return &b->live[i];
        }
    return NULL;
}

/* The AlterPartition version for a proposal to controller ctl about topic
 * (v2+ name it by id); asks ctl its versions first when they are not known. */
static int16_t alter_version(sk_broker_t *b, int32_t ctl, const sk_topic_t *topic,
                             uint8_t id[16])
{
    if (b->isr_ver_ctl != ctl) {
        if (b->isr_ver_asking < 0) {
            sk_wr_t w;
            sk_wr_init(&w);
            b->isr_ver_asking = ctl;
            sk_chan_send(b->isr_chan, ctl, SK_API_API_VERSIONS, 0, &w, versions_cb, b);
        }
        return ALTER_VERSION_SAFE;
    }
    if (b->isr_ver < 2)
        return b->isr_ver;
    if (!topic || !id || !topic->topic_id || sk_znode_uuid_decode(topic->topic_id, id) != 0)
        return ALTER_VERSION_SAFE; /* no topic id known yet */
    return b->isr_ver;
}

/* Sends the proposal to the controller. */
static void propose(sk_broker_t *b, sk_partition_t *p, const int32_t *isr, int n_isr,
                    int32_t joining)
{
    if (p->isr_inflight)
        return;
    const sk_live_broker_t *ctl = controller_on_chan(b);
    if (!ctl)
        return;
    uint8_t topic_id[16] = {0};
    sk_topic_t *t = sk_topics_find(b->topics, p->topic, (int32_t)strlen(p->topic));
    int16_t version = alter_version(b, ctl->id, t, topic_id);
    /* v3: the members with their broker epochs; the leader knows only its
     * own (followers fetch below v15, which would carry theirs): -1 is
     * "unknown", as Kafka's leader sends for a replica it has no epoch of. */
    sk_alterpartition_req_new_isr_with_epoch_t *members =
        sk_calloc((size_t)n_isr + 1, sizeof(*members));
    for (int i = 0; i < n_isr; i++) {
        members[i].BrokerId = isr[i];
        members[i].BrokerEpoch = isr[i] == b->id ? b->broker_epoch : -1;
    }
    sk_alterpartition_req_partition_t part;
    sk_alterpartition_req_partition_init(&part);
    part.PartitionIndex = p->id;
    part.LeaderEpoch = p->leader_epoch;
    if (version >= 3) {
        part.NewIsrWithEpochs = members;
        part.NewIsrWithEpochsCnt = n_isr;
    } else {
        part.NewIsr = (int32_t *)isr;
        part.NewIsrCnt = n_isr;
    }
    part.LeaderRecoveryState = SK_LEADER_RECOVERED;
    part.PartitionEpoch = p->zk_version;
    sk_alterpartition_req_topic_t topic;
    sk_alterpartition_req_topic_init(&topic);
    topic.TopicName = sk_str_c(p->topic);
    memcpy(topic.TopicId, topic_id, 16);
    topic.Partitions = &part;
    topic.PartitionsCnt = 1;
    sk_alterpartition_req_t req;
    sk_alterpartition_req_init(&req);
    req.BrokerId = b->id;
    req.BrokerEpoch = b->broker_epoch;
    req.Topics = &topic;
    req.TopicsCnt = 1;
    sk_wr_t w;
    sk_wr_init(&w);
    int rc = sk_alterpartition_req_encode(&w, version, &req);
    free(members);
    if (rc != SK_OK) {
        sk_wr_free(&w);
        sk_error_tp("isr", p->topic, p->id, p->leader_epoch,
                    "partition %s-%d: the AlterPartition v%d proposal cannot be encoded",
                    p->topic, p->id, version);
        return;
    }
    alter_ctx_t *ctx = sk_calloc(1, sizeof(*ctx));
    ctx->b = b;
    ctx->topic = sk_strdup(p->topic);
    ctx->partition = p->id;
    ctx->proposed_epoch = p->leader_epoch;
    ctx->joining = joining;
    ctx->version = version;
    sk_partition_isr_proposed(p, ctl->id, sk_mono_ms());
    sk_info_tp("isr", p->topic, p->id, p->leader_epoch,
               "partition %s-%d: proposing an ISR of %d member(s) (now %d) to controller %d "
               "(AlterPartition v%d)", p->topic, p->id, n_isr, p->n_isr, ctl->id, version);
    sk_chan_send(b->isr_chan, ctl->id, SK_API_ALTER_PARTITION, version, &w, alter_done_cb, ctx);
}

void sk_isr_follower_fetched(sk_broker_t *b, sk_partition_t *p, int idx, int64_t fetch_offset)
{
    int32_t id = p->replicas[idx];
    if (sk_partition_in_isr(p, id) || p->isr_inflight ||
        sk_partition_isr_refused_now(p, id, sk_mono_ms()))
        return;
    /* Rejoin once its log end reaches the high watermark. */
    if (fetch_offset >= p->high_watermark) {
        int32_t *isr = sk_calloc((size_t)p->n_isr + 1, sizeof(int32_t));
        memcpy(isr, p->isr, (size_t)p->n_isr * sizeof(int32_t));
        isr[p->n_isr] = id;
        propose(b, p, isr, p->n_isr + 1, id);
        if (p->isr_inflight)
            sk_partition_isr_joining(p, id);
        free(isr);
    }
}

struct shrink_ctx {
    sk_broker_t *b;
    int64_t now;
};

static void shrink_topic(sk_topic_t *t, void *arg)
{
    struct shrink_ctx *sc = arg;
    sk_broker_t *b = sc->b;
    int64_t lag = b->conf->replica_lag_time_max_ms;
    for (int i = 0; i < t->n_partitions; i++) {
        sk_partition_t *p = &t->partitions[i];
        if (p->leader == b->id && p->log)
            sk_partition_isr_expire(b->parts, p, b->controller_id, sc->now, PROPOSAL_TIMEOUT_MS);
        if (p->leader != b->id || !p->log || p->isr_inflight || p->n_isr <= 1)
            continue;
        sk_partition_track_caught_up(p);
        int32_t *keep = sk_calloc((size_t)p->n_isr, sizeof(int32_t));
        int n = 0;
        for (int k = 0; k < p->n_isr; k++) {
            int32_t id = p->isr[k];
            int lagging = 0;
            if (id != b->id)
                for (int r = 0; r < p->n_replicas; r++)
                    if (p->replicas[r] == id && sc->now - p->replica_caught_up_ms[r] > lag)
                        lagging = 1;
            if (!lagging)
                keep[n++] = id;
        }
        if (n < p->n_isr && n >= 1)
            propose(b, p, keep, n, -1);
        free(keep);
    }
}

static void shrink_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_broker_t *b = arg;
    struct shrink_ctx sc = {b, sk_mono_ms()};
    /* Learn a new controller's versions before the first proposal to it. */
    const sk_live_broker_t *ctl = controller_on_chan(b);
    if (ctl)
        alter_version(b, ctl->id, NULL, NULL);
    sk_topics_foreach(b->topics, shrink_topic, &sc);
}

void sk_isr_start(sk_broker_t *b)
{
    char cid[48];
    snprintf(cid, sizeof(cid), "skein-isr-%d", b->id);
    b->isr_chan = sk_chan_new(b->base, cid);
    b->isr_ver_ctl = -1;
    b->isr_ver = ALTER_VERSION_SAFE;
    b->isr_ver_asking = -1;
    int64_t half = b->conf->replica_lag_time_max_ms / 2;
    if (half < 100)
        half = 100;
    struct timeval tv = {half / 1000, (half % 1000) * 1000};
    b->isr_timer = event_new(b->base, -1, EV_PERSIST, shrink_cb, b);
    event_add(b->isr_timer, &tv);
}

void sk_isr_stop(sk_broker_t *b)
{
    if (b->isr_timer) {
        event_free(b->isr_timer);
        b->isr_timer = NULL;
    }
    if (b->isr_chan) {
        sk_chan_t *ch = b->isr_chan;
        b->isr_chan = NULL;
        sk_chan_free(ch); /* pending proposals complete with an error */
    }
}
