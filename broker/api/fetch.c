/* api_fetch.c - Fetch (key 1), every version Kafka 3.7 accepts (0-16), on the
 * generated codec.
 *
 * Record data is never copied for v4+: each partition's answer is a range of
 * a segment file, handed to libevent as a file segment (sendfile on plain
 * TCP; proto_fetch.h). v0-3 clients understand only legacy message sets, so
 * their records are read and down-converted to magic 0 (v0-1) or magic 1
 * (v2-3) messages (msgset.h), as Kafka does; that loses zero-copy for them,
 * as in Kafka. v12+ answers a diverging LastFetchedEpoch with DivergingEpoch;
 * v13+ names topics by id (UNKNOWN_TOPIC_ID for an id this broker does not
 * know); v15+ takes the replica id from ReplicaState; v16 names the current
 * leader and its endpoint on NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH.
 * A fetch that finds fewer than MinBytes waits up to MaxWaitMs in the fetch
 * purgatory (purgatory.h); appends and HW moves of its partitions wake it,
 * and it is then re-evaluated once per loop turn.
 */
#include "api/api.h"
#include "replica/throttle.h"
#include "clock.h"
#include "mem.h"

#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "metrics.h"
#include "msgset.h"
#include "proto_fetch.h"
#include "storage/plog.h"
#include "znode.h"

#include <event2/buffer.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Kafka's codes this handler adds. */

typedef struct fetch_wait {
    sk_broker_t *b;
    sk_req_t *req;
    sk_fetch_req_t in;
} fetch_wait_t;

/* The follower's broker id, or -1 for a consumer (v15+: in ReplicaState). */
static int32_t replica_id(int16_t version, const sk_fetch_req_t *in)
{
    return version >= 15 ? in->ReplicaState.ReplicaId : in->ReplicaId;
}

static sk_fetch_records_t *empty_records(sk_arena_t *a, sk_str_t *rec)
{
    sk_fetch_records_t *src = sk_arena_calloc(a, 1, sizeof(*src));
    src->kind = SK_FETCH_REC_MEM;
    src->fd = -1;
    sk_fetch_records_set(rec, src);
    return src;
}

/* v0-3: the slice's batches as messages of the client's magic, in memory. */
static int down_convert(sk_req_t *req, const sk_partition_t *p, const sk_plog_slice_t *slice,
                        int64_t fetch_offset, sk_fetch_records_t *src)
{
    int magic = req->api_version <= 1 ? 0 : 1;
    uint8_t *raw = sk_arena_alloc(req->arena, (size_t)slice->len);
    if (sk_plog_slice_load(p->log, slice, raw) != SK_OK)
        return SK_EIO; /* logged; a read error took the dir offline */
    sk_wr_t w;
    sk_wr_init(&w);
    int rc = sk_msgset_from_batches(raw, (size_t)slice->len, magic, fetch_offset, &w);
    if (rc != SK_OK) {
        sk_error("fetch", "down-converting %s-%d at offset %" PRId64 " to magic %d failed: %s",
                 p->topic, p->id, fetch_offset, magic, sk_strerror(rc));
        sk_wr_free(&w);
        return rc;
    }
    if (w.len > INT32_MAX) {
        sk_wr_free(&w);
        return SK_ETOOBIG;
    }
    src->kind = SK_FETCH_REC_MEM;
    src->ptr = w.len ? sk_arena_memdup(req->arena, w.buf, w.len) : NULL;
    src->len = (int64_t)w.len;
    sk_wr_free(&w);
    return SK_OK;
}

/* v12+: a fetcher whose last fetched epoch ends below its fetch offset here
 * (or is unknown) has diverged: told where that epoch ends, no records. */
static int diverged(const sk_partition_t *p, const sk_fetch_req_partition_t *rp,
                    sk_fetch_resp_partition_t *out)
{
    if (rp->LastFetchedEpoch < 0)
        return 0;
    int32_t epoch = -1;
    int64_t end = -1;
    sk_plog_end_offset_for_epoch(p->log, rp->LastFetchedEpoch, &epoch, &end);
    if (epoch >= rp->LastFetchedEpoch && end >= rp->FetchOffset)
        return 0;
    out->DivergingEpoch.Epoch = epoch;
    out->DivergingEpoch.EndOffset = end;
    return 1;
}

static void fill_partition(sk_broker_t *b, sk_req_t *req, const sk_fetch_req_t *in,
                           sk_partition_t *p, int16_t err, const sk_fetch_req_partition_t *rp,
                           sk_fetch_resp_partition_t *out, int64_t *total, int *errors)
{
    int16_t v = req->api_version;
    int32_t rid = replica_id(v, in);
    sk_fetch_resp_partition_init(out);
    out->PartitionIndex = rp->Partition;
    out->HighWatermark = -1;
    out->LastStableOffset = -1;
    out->LogStartOffset = -1;
    out->AbortedTransactionsCnt = -1;
    sk_fetch_records_t *src = empty_records(req->arena, &out->Records);

    if (err == SK_KERR_NONE) {
        if (!p)
            err = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        else if (p->leader != b->id || !p->log)
            err = SK_KERR_NOT_LEADER_OR_FOLLOWER;
        else if (sk_plog_offline(p->log)) /* its log dir had an I/O error */
            err = SK_KERR_KAFKA_STORAGE_ERROR;
        else if (rp->CurrentLeaderEpoch >= 0 && rp->CurrentLeaderEpoch < p->leader_epoch)
            err = SK_KERR_FENCED_LEADER_EPOCH;
        else if (rp->CurrentLeaderEpoch > p->leader_epoch)
            err = SK_KERR_UNKNOWN_LEADER_EPOCH;
    }
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
    if (v >= 12 && diverged(p, rp, out)) {
        (*errors)++; /* answered at once, as an error would be */
        return;
    }
    if (rp->FetchOffset < start || rp->FetchOffset > leo) {
        out->ErrorCode = SK_KERR_OFFSET_OUT_OF_RANGE;
        (*errors)++;
        return;
    }
    out->ErrorCode = SK_KERR_NONE;
    if (rid >= 0) {
        /* A follower asking for offset X holds everything below X. */
        int idx = sk_partition_follower_fetched(b->parts, p, rid, rp->FetchOffset, leo);
        if (idx < 0) {
            out->ErrorCode = SK_KERR_NOT_LEADER_OR_FOLLOWER;
            (*errors)++;
            return;
        }
        sk_isr_follower_fetched(b, p, idx, rp->FetchOffset);
        /* v5+: its log start, for DeleteRecords waiting on the ISR */
        sk_partition_follower_log_start(b->parts, p, idx, rp->LogStartOffset);
        out->HighWatermark = p->high_watermark;
        out->LastStableOffset = p->high_watermark;
    }
    int64_t max_offset = rid >= 0 ? leo : p->high_watermark;
    if (rid >= 0 && sk_throttle_replica(b, p->topic, p->id, 0) &&
        sk_tbucket_wait_ms(b->leader_throttle, sk_throttle_rate(b, 0), sk_mono_ms()) > 0)
        return; /* leader.replication.throttled.rate used up: no records this time */
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
        /* SK_EIO: the segment could not be read, and its dir is offline */
        out->ErrorCode = rc == SK_EIO ? SK_KERR_KAFKA_STORAGE_ERROR : SK_KERR_OFFSET_OUT_OF_RANGE;
        (*errors)++;
        return;
    }
    if (slice.len <= 0) {
        if (slice.fd >= 0)
            close(slice.fd);
        return;
    }
    if (v <= 3) {
        rc = down_convert(req, p, &slice, rp->FetchOffset, src);
        if (rc != SK_OK) {
            out->ErrorCode = rc == SK_EIO ? SK_KERR_KAFKA_STORAGE_ERROR : SK_KERR_CORRUPT_MESSAGE;
            (*errors)++;
            return;
        }
    } else {
        src->kind = SK_FETCH_REC_FILE;
        src->fd = slice.fd;
        src->pos = slice.file_pos;
        src->len = slice.len;
        src->first_offset = slice.first_batch_offset;
    }
    sk_fetch_records_set(&out->Records, src);
    *total += slice.len;
}

/* What Kafka refuses a consumer of this version for the topic's settings:
 * compression.type=zstd below v10 (UNSUPPORTED_COMPRESSION_TYPE), and
 * message.downconversion.enable=false for v0-3, which need down-converted
 * records (UNSUPPORTED_VERSION). */
static int16_t format_error(const sk_topic_t *topic, int16_t v)
{
    const char *codec = sk_topic_config(topic, "compression.type");
    if (v < 10 && codec && strcasecmp(codec, "zstd") == 0)
        return SK_KERR_UNSUPPORTED_COMPRESSION_TYPE;
    const char *down = sk_topic_config(topic, "message.downconversion.enable");
    if (v <= 3 && down && strcasecmp(down, "false") == 0)
        return SK_KERR_UNSUPPORTED_VERSION;
    return SK_KERR_NONE;
}

/* The topic a request topic names (v13+: by id). */
static sk_topic_t *find_topic(sk_broker_t *b, int16_t v, const sk_fetch_req_topic_t *t)
{
    if (v < 13)
        return sk_topics_find(b->topics, t->Topic.p, t->Topic.len);
    return sk_topics_find_id(b->topics, t->TopicId);
}

/* The authorization of one topic of the request: a follower's fetch (a
 * replica id) needs ClusterAction on the cluster, a consumer's Read on the
 * topic. 0 or the error every partition of the topic gets. */
static int16_t topic_auth_error(sk_broker_t *b, sk_req_t *req, const sk_fetch_req_t *in,
                                sk_str_t topic)
{
    if (replica_id(req->api_version, in) >= 0)
        return sk_authz_cluster(b, req, SK_ACL_OP_CLUSTER_ACTION)
                   ? SK_KERR_NONE
                   : SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
    return sk_authz_len(b, req, SK_ACL_OP_READ, SK_ACL_RES_TOPIC, topic.p, topic.len)
               ? SK_KERR_NONE
               : SK_KERR_TOPIC_AUTHORIZATION_FAILED;
}

/* Builds the answer from the current logs; returns the record bytes found. */
static int64_t build(sk_broker_t *b, sk_req_t *req, const sk_fetch_req_t *in, sk_fetch_resp_t *resp,
                     int *errors)
{
    int16_t v = req->api_version;
    int64_t total = 0;
    sk_fetch_resp_init(resp);
    resp->ResponsesCnt = in->TopicsCnt > 0 ? in->TopicsCnt : 0;
    resp->Responses = sk_arena_calloc(req->arena, (size_t)resp->ResponsesCnt + 1,
                                      sizeof(*resp->Responses));
    for (int32_t i = 0; i < resp->ResponsesCnt; i++) {
        const sk_fetch_req_topic_t *t = &in->Topics[i];
        sk_fetch_resp_response_t *rt = &resp->Responses[i];
        sk_fetch_resp_response_init(rt);
        sk_topic_t *topic = find_topic(b, v, t);
        int16_t err = SK_KERR_NONE;
        if (v >= 13) {
            memcpy(rt->TopicId, t->TopicId, sizeof(rt->TopicId));
            if (!topic)
                err = SK_KERR_UNKNOWN_TOPIC_ID;
        } else {
            rt->Topic = t->Topic;
        }
        if (err == SK_KERR_NONE) /* before anything is read or a follower counted */
            err = topic_auth_error(b, req, in, v >= 13 ? sk_str_c(topic->name) : t->Topic);
        if (err == SK_KERR_CLUSTER_AUTHORIZATION_FAILED)
            resp->ErrorCode = err;
        if (err == SK_KERR_NONE && topic && replica_id(v, in) < 0)
            err = format_error(topic, v);
        rt->PartitionsCnt = t->PartitionsCnt > 0 ? t->PartitionsCnt : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)rt->PartitionsCnt + 1,
                                         sizeof(*rt->Partitions));
        for (int32_t j = 0; j < rt->PartitionsCnt; j++) {
            const sk_fetch_req_partition_t *rp = &t->Partitions[j];
            sk_partition_t *p = topic && rp->Partition >= 0 && rp->Partition < topic->n_partitions
                                    ? &topic->partitions[rp->Partition]
                                    : NULL;
            fill_partition(b, req, in, p, err, rp, &rt->Partitions[j], &total, errors);
        }
    }
    return total;
}

/* v16 (KIP-951): the leader this broker knows for partitions answered
 * NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH, with its endpoint for the
 * listener the request came in on, as Kafka 3.7 does. */
static void add_leader_hints(sk_broker_t *b, sk_req_t *req, const sk_fetch_req_t *in,
                             sk_fetch_resp_t *resp)
{
    if (req->api_version < 16)
        return;
    int32_t n = 0;
    for (int32_t i = 0; i < resp->ResponsesCnt; i++)
        n += resp->Responses[i].PartitionsCnt;
    sk_fetch_resp_node_endpoint_t *eps = sk_arena_calloc(req->arena, (size_t)n + 1,
                                                         sizeof(*eps));
    int32_t n_eps = 0;
    for (int32_t i = 0; i < resp->ResponsesCnt; i++) {
        sk_topic_t *topic = find_topic(b, req->api_version, &in->Topics[i]);
        sk_fetch_resp_response_t *rt = &resp->Responses[i];
        for (int32_t j = 0; j < rt->PartitionsCnt && topic; j++) {
            sk_fetch_resp_partition_t *rp = &rt->Partitions[j];
            if ((rp->ErrorCode != SK_KERR_NOT_LEADER_OR_FOLLOWER &&
                 rp->ErrorCode != SK_KERR_FENCED_LEADER_EPOCH) ||
                rp->PartitionIndex < 0 || rp->PartitionIndex >= topic->n_partitions)
                continue;
            const sk_partition_t *p = &topic->partitions[rp->PartitionIndex];
            if (p->leader < 0)
                continue;
            rp->CurrentLeader.LeaderId = p->leader;
            rp->CurrentLeader.LeaderEpoch = p->leader_epoch;
            int32_t k = 0;
            while (k < n_eps && eps[k].NodeId != p->leader)
                k++;
            const char *host = NULL;
            int port = -1;
            if (k < n_eps || !sk_broker_addr(b, p->leader, sk_req_listener(req), &host, &port))
                continue;
            sk_fetch_resp_node_endpoint_init(&eps[n_eps]);
            eps[n_eps].NodeId = p->leader;
            eps[n_eps].Host = sk_str_c(host);
            eps[n_eps].Port = port;
            n_eps++;
        }
    }
    resp->NodeEndpoints = eps;
    resp->NodeEndpointsCnt = n_eps;
}

/* Record bytes going out: per topic to consumers, in one sum to followers
 * (Kafka's BytesOutPerSec and ReplicationBytesOutPerSec). */
static void count_bytes_out(int16_t version, const sk_fetch_req_t *in,
                            const sk_fetch_resp_t *resp)
{
    for (int32_t i = 0; i < resp->ResponsesCnt; i++) {
        const sk_fetch_resp_response_t *rt = &resp->Responses[i];
        uint64_t n = 0;
        for (int32_t j = 0; j < rt->PartitionsCnt; j++) {
            const sk_fetch_records_t *src = sk_fetch_records_of(&rt->Partitions[j].Records);
            if (src && src->kind == SK_FETCH_REC_FILE && src->len > 0)
                n += (uint64_t)src->len;
        }
        if (!n)
            continue;
        if (replica_id(version, in) >= 0)
            sk_met.replication_bytes_out += n;
        else if (rt->Topic.len > 0)
            sk_met_topic(rt->Topic.p, (size_t)rt->Topic.len)->bytes_out += n;
    }
}

/* Bytes of records in the answer (what a consumer's consumer_byte_rate counts). */
static uint64_t records_bytes(const sk_fetch_resp_t *resp)
{
    uint64_t n = 0;
    for (int32_t i = 0; i < resp->ResponsesCnt; i++)
        for (int32_t j = 0; j < resp->Responses[i].PartitionsCnt; j++) {
            const sk_fetch_records_t *src =
                sk_fetch_records_of(&resp->Responses[i].Partitions[j].Records);
            if (src && src->len > 0)
                n += (uint64_t)src->len;
        }
    return n;
}

/* A follower's answer: the records of its leader-throttled replicas count
 * against leader.replication.throttled.rate. */
static void take_leader_throttle(sk_broker_t *b, const sk_fetch_resp_t *resp)
{
    int64_t rate = sk_throttle_rate(b, 0);
    if (rate < 0)
        return;
    for (int32_t i = 0; i < resp->ResponsesCnt; i++) {
        const sk_fetch_resp_response_t *rt = &resp->Responses[i];
        char *topic = NULL;
        for (int32_t j = 0; j < rt->PartitionsCnt; j++) {
            const sk_fetch_records_t *src = sk_fetch_records_of(&rt->Partitions[j].Records);
            if (!src || src->len <= 0 || rt->Topic.len <= 0)
                continue;
            if (!topic)
                topic = sk_str_dup(rt->Topic);
            if (topic && sk_throttle_replica(b, topic, rt->Partitions[j].PartitionIndex, 0))
                sk_tbucket_take(b->leader_throttle, rate, (int64_t)src->len, sk_mono_ms());
        }
        free(topic);
    }
}

/* The file ranges the answer sends with sendfile (on TLS: that libevent
 * reads): a send or read that fails with EIO has them read again
 * (sk_net_set_file_error_cb, sk_req_files_failed, broker.c). */
static void note_files(sk_broker_t *b, sk_req_t *req, const sk_fetch_resp_t *resp)
{
    for (int32_t i = 0; i < resp->ResponsesCnt; i++) {
        const sk_fetch_resp_response_t *rt = &resp->Responses[i];
        sk_str_t name = rt->Topic;
        if (name.len <= 0) { /* v13+: named by id */
            const sk_topic_t *t = sk_topics_find_id(b->topics, rt->TopicId);
            name = sk_str_c(t ? t->name : "");
        }
        for (int32_t j = 0; j < rt->PartitionsCnt && name.len > 0; j++) {
            const sk_fetch_resp_partition_t *rp = &rt->Partitions[j];
            const sk_fetch_records_t *src = sk_fetch_records_of(&rp->Records);
            if (src && src->kind == SK_FETCH_REC_FILE && src->len > 0)
                sk_req_note_file(req, name.p, name.len, rp->PartitionIndex, src->first_offset,
                                 src->pos, src->len);
        }
    }
}

/* Sends the answer; a response that cannot be encoded closes the connection
 * (as sk_req_respond), never a truncated body. */
static void send_answer(sk_broker_t *b, sk_req_t *req, const sk_fetch_req_t *in,
                        sk_fetch_resp_t *resp)
{
    add_leader_hints(b, req, in, resp);
    if (replica_id(req->api_version, in) >= 0)
        take_leader_throttle(b, resp);
    if (replica_id(req->api_version, in) < 0) { /* consumers only: followers are exempt */
        uint64_t bytes = records_bytes(resp);
        int32_t ms = sk_api_quota_record(b, req, SK_QUOTA_FETCH, (double)bytes);
        if (ms > 0) {
            /* As Kafka: a consumer over its quota gets no records this time (nor are
             * they counted), only the throttle time; then its connection is muted. */
            sk_api_quota_unrecord(b, req, SK_QUOTA_FETCH, (double)bytes);
            sk_fetch_resp_discard(resp);
            resp->ResponsesCnt = 0;
            resp->NodeEndpointsCnt = 0;
        }
        resp->ThrottleTimeMs = ms;
    }
    count_bytes_out(req->api_version, in, resp);
    note_files(b, req, resp);
    int rc = sk_fetch_resp_send(req->resp, req->api_version, resp);
    if (rc != SK_OK) {
        sk_error("net", "closing connection from %s: the Fetch v%d response (correlation id %d) "
                 "cannot be %s: %s", sk_req_peer(req), req->api_version, req->correlation_id,
                 rc == SK_EIO ? "assembled (its records could not be read)" : "encoded",
                 sk_strerror(rc));
        evbuffer_drain(req->resp, evbuffer_get_length(req->resp));
        req->no_response = 1;
        sk_req_close_after(req);
        if (rc == SK_EIO) /* on TLS: reading a range failed; its log checks it */
            sk_req_files_failed(req);
    }
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
        sk_fetch_resp_discard(&resp);
        return 0;
    }
    sk_req_t *req = w->req;
    send_answer(w->b, req, &w->in, &resp);
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
        send_answer(b, req, &in, &resp);
        return SK_REQ_DONE;
    }
    sk_fetch_resp_discard(&resp);
    fetch_wait_t *w = sk_calloc(1, sizeof(*w));
    w->b = b;
    w->req = req;
    w->in = in;
    sk_purg_op_t *op = sk_purg_add(b->parts->fetch, in.MaxWaitMs, fetch_try, w);
    for (int32_t i = 0; i < in.TopicsCnt; i++) {
        sk_topic_t *t = find_topic(b, req->api_version, &in.Topics[i]);
        if (!t)
            continue;
        for (int32_t j = 0; j < in.Topics[i].PartitionsCnt; j++)
            sk_purg_watch(op, sk_purg_key(t->name, strlen(t->name),
                                          in.Topics[i].Partitions[j].Partition));
    }
    return SK_REQ_PENDING;
}
