/* api_fetch.c - Fetch (key 1).
 *
 * Record data is never copied: each partition's answer is a range of a
 * segment file, handed to libevent as a file segment (sendfile on plain TCP).
 * A fetch that finds fewer than MinBytes waits up to MaxWaitMs in the fetch
 * purgatory (purgatory.h); appends and HW moves of its partitions wake it,
 * and it is then re-evaluated once per loop turn.
 */
#include "api/api.h"

#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "metrics.h"
#include "proto_fetch.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fetch_wait {
    sk_broker_t *b;
    sk_req_t *req;
    sk_fetch_req_t in;
} fetch_wait_t;

/* The authorization of one topic of the request: a follower's fetch (a
 * replica id) needs ClusterAction on the cluster, a consumer's Read on the
 * topic. 0 or the error every partition of the topic gets. */
static int16_t topic_auth_error(sk_broker_t *b, sk_req_t *req, const sk_fetch_req_t *in,
                                sk_str_t topic)
{
    if (in->ReplicaId >= 0)
        return sk_authz_cluster(b, req, SK_ACL_OP_CLUSTER_ACTION)
                   ? SK_KERR_NONE
                   : SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
    return sk_authz_len(b, req, SK_ACL_OP_READ, SK_ACL_RES_TOPIC, topic.p, topic.len)
               ? SK_KERR_NONE
               : SK_KERR_TOPIC_AUTHORIZATION_FAILED;
}

static void fill_partition(sk_broker_t *b, const sk_fetch_req_t *in, sk_str_t topic,
                           int16_t auth_err, const sk_fetch_req_partition_t *rp,
                           sk_fetch_resp_partition_t *out, int64_t *total, int *errors)
{
    out->PartitionIndex = rp->Partition;
    out->HighWatermark = -1;
    out->LastStableOffset = -1;
    out->LogStartOffset = -1;
    out->AbortedTransactionsCnt = -1;
    out->PreferredReadReplica = -1;
    out->Records.kind = SK_FETCH_REC_MEM;
    out->Records.ptr = NULL;
    out->Records.len = 0;
    out->Records.fd = -1;

    sk_partition_t *p = sk_topics_partition(b->topics, topic.p, topic.len, rp->Partition);
    int16_t err = SK_KERR_NONE;
    if (auth_err != SK_KERR_NONE) /* before anything is read or a follower counted */
        err = auth_err;
    else if (!p)
        err = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
    else if (p->leader != b->id || !p->log)
        err = SK_KERR_NOT_LEADER_OR_FOLLOWER;
    else if (rp->CurrentLeaderEpoch >= 0 && rp->CurrentLeaderEpoch < p->leader_epoch)
        err = SK_KERR_FENCED_LEADER_EPOCH;
    else if (rp->CurrentLeaderEpoch > p->leader_epoch)
        err = SK_KERR_UNKNOWN_LEADER_EPOCH;
    if (err != SK_KERR_NONE) {
        out->ErrorCode = err;
        (*errors)++;
        return;
    }
    int64_t start = sk_plog_start_offset(p->log);
    int64_t leo = sk_plog_end_offset(p->log);
    out->HighWatermark = p->high_watermark;
    out->LastStableOffset = p->high_watermark; /* no open transactions */
    out->LogStartOffset = start;
    if (rp->FetchOffset < start || rp->FetchOffset > leo) {
        out->ErrorCode = SK_KERR_OFFSET_OUT_OF_RANGE;
        (*errors)++;
        return;
    }
    out->ErrorCode = SK_KERR_NONE;
    if (in->ReplicaId >= 0) {
        /* A follower asking for offset X holds everything below X. */
        int idx = sk_partition_follower_fetched(b->parts, p, in->ReplicaId, rp->FetchOffset,
                                                leo);
        if (idx < 0) {
            out->ErrorCode = SK_KERR_NOT_LEADER_OR_FOLLOWER;
            (*errors)++;
            return;
        }
        sk_isr_follower_fetched(b, p, idx, rp->FetchOffset);
        out->HighWatermark = p->high_watermark;
        out->LastStableOffset = p->high_watermark;
    }
    int64_t max_offset = in->ReplicaId >= 0 ? leo : p->high_watermark;
    int64_t budget = (int64_t)in->MaxBytes - *total;
    if (budget <= 0 && *total > 0)
        return;
    int64_t limit = rp->PartitionMaxBytes;
    if (budget > 0 && budget < limit)
        limit = budget;
    if (limit <= 0 || rp->FetchOffset >= max_offset)
        return;
    sk_plog_slice_t slice;
    int rc = sk_plog_read(p->log, rp->FetchOffset, max_offset, (int32_t)limit, &slice);
    if (rc != SK_OK) {
        out->ErrorCode = SK_KERR_OFFSET_OUT_OF_RANGE;
        (*errors)++;
        return;
    }
    if (slice.len <= 0) {
        if (slice.fd >= 0)
            close(slice.fd);
        return;
    }
    out->Records.kind = SK_FETCH_REC_FILE;
    out->Records.fd = slice.fd;
    out->Records.pos = slice.file_pos;
    out->Records.len = slice.len;
    *total += slice.len;
}

/* Builds the answer from the current logs; returns the record bytes found. */
static int64_t build(sk_broker_t *b, sk_req_t *req, const sk_fetch_req_t *in, sk_fetch_resp_t *resp,
                     int *errors)
{
    int64_t total = 0;
    memset(resp, 0, sizeof(*resp));
    resp->ResponsesCnt = in->TopicsCnt > 0 ? in->TopicsCnt : 0;
    resp->Responses = sk_arena_calloc(req->arena, (size_t)resp->ResponsesCnt + 1,
                                      sizeof(*resp->Responses));
    for (int32_t i = 0; i < resp->ResponsesCnt; i++) {
        const sk_fetch_req_topic_t *t = &in->Topics[i];
        sk_fetch_resp_topic_t *rt = &resp->Responses[i];
        rt->Topic = t->Topic;
        rt->PartitionsCnt = t->PartitionsCnt > 0 ? t->PartitionsCnt : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)rt->PartitionsCnt + 1,
                                         sizeof(*rt->Partitions));
        int16_t auth_err = topic_auth_error(b, req, in, t->Topic);
        if (auth_err == SK_KERR_CLUSTER_AUTHORIZATION_FAILED)
            resp->ErrorCode = auth_err;
        for (int32_t j = 0; j < rt->PartitionsCnt; j++)
            fill_partition(b, in, t->Topic, auth_err, &t->Partitions[j], &rt->Partitions[j],
                           &total, errors);
    }
    return total;
}

/* Closes the file descriptors of an answer that will not be sent. */
static void discard(sk_fetch_resp_t *resp)
{
    for (int32_t i = 0; i < resp->ResponsesCnt; i++)
        for (int32_t j = 0; j < resp->Responses[i].PartitionsCnt; j++) {
            sk_fetch_records_t *rec = &resp->Responses[i].Partitions[j].Records;
            if (rec->kind == SK_FETCH_REC_FILE && rec->fd >= 0) {
                close(rec->fd);
                rec->fd = -1;
            }
        }
}

/* Record bytes going out: per topic to consumers, in one sum to followers
 * (Kafka's BytesOutPerSec and ReplicationBytesOutPerSec). */
static void count_bytes_out(const sk_fetch_req_t *in, const sk_fetch_resp_t *resp)
{
    for (int32_t i = 0; i < resp->ResponsesCnt; i++) {
        const sk_fetch_resp_topic_t *rt = &resp->Responses[i];
        uint64_t n = 0;
        for (int32_t j = 0; j < rt->PartitionsCnt; j++)
            if (rt->Partitions[j].Records.kind == SK_FETCH_REC_FILE &&
                rt->Partitions[j].Records.len > 0)
                n += (uint64_t)rt->Partitions[j].Records.len;
        if (!n)
            continue;
        if (in->ReplicaId >= 0)
            sk_met.replication_bytes_out += n;
        else if (rt->Topic.len > 0)
            sk_met_topic(rt->Topic.p, (size_t)rt->Topic.len)->bytes_out += n;
    }
}

static void send_answer(sk_req_t *req, const sk_fetch_req_t *in, sk_fetch_resp_t *resp)
{
    count_bytes_out(in, resp);
    if (sk_fetch_resp_encode(req->resp, req->api_version, resp) != SK_OK)
        sk_error("fetch", "encoding a Fetch v%d response for %s failed", req->api_version,
                 sk_req_peer(req));
}

/* The purgatory's try callback: answers when MinBytes are there, an error
 * came up, or (forced) at MaxWaitMs. */
static int fetch_try(void *arg, sk_purg_why_t why)
{
    fetch_wait_t *w = arg;
    sk_fetch_resp_t resp;
    int errors = 0;
    int64_t total = build(w->b, w->req, &w->in, &resp, &errors);
    if (why == SK_PURG_WOKEN && !errors && total < w->in.MinBytes) {
        discard(&resp);
        return 0;
    }
    sk_req_t *req = w->req;
    send_answer(req, &w->in, &resp);
    free(w);
    sk_req_complete(req);
    return 1;
}

int sk_api_fetch(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_fetch_req_t in;
    if (sk_fetch_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    if (in.MaxBytes <= 0)
        in.MaxBytes = INT32_MAX;

    sk_fetch_resp_t resp;
    int errors = 0;
    int64_t total = build(b, req, &in, &resp, &errors);
    if (in.MaxWaitMs <= 0 || total >= in.MinBytes || errors || b->stopping) {
        send_answer(req, &in, &resp);
        return SK_REQ_DONE;
    }
    discard(&resp);
    fetch_wait_t *w = sk_calloc(1, sizeof(*w));
    w->b = b;
    w->req = req;
    w->in = in;
    sk_purg_op_t *op = sk_purg_add(b->parts->fetch, in.MaxWaitMs, fetch_try, w);
    for (int32_t i = 0; i < in.TopicsCnt; i++)
        for (int32_t j = 0; j < in.Topics[i].PartitionsCnt; j++)
            sk_purg_watch(op, sk_purg_key(in.Topics[i].Topic.p,
                                          (size_t)(in.Topics[i].Topic.len > 0
                                                   ? in.Topics[i].Topic.len : 0),
                                          in.Topics[i].Partitions[j].Partition));
    return SK_REQ_PENDING;
}
