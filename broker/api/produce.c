/* api_produce.c - Produce (key 0), every version Kafka 3.7 accepts (0-10),
 * on the generated codec: validate each partition's record batch without
 * decompressing, append it as received (offsets stamped in place), and
 * answer per partition. v0-2 may carry legacy message sets (magic 0/1):
 * they become one v2 batch first (msgset.h), as Kafka 3.x converts them.
 * v8+ answers record-level refusals with RecordErrors and ErrorMessage;
 * v10 names the current leader and its endpoint on NOT_LEADER_OR_FOLLOWER
 * (KIP-951). acks=0 gets no response at all. */
#include "api/api.h"

#include "clock.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "msgset.h"
#include "proto_gen.h"
#include "recbatch.h"
#include "metrics.h"
#include "topic_conf.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The topic's max.message.bytes override as the topic key table parses it,
 * else the broker's message.max.bytes. */
static int64_t max_message_bytes(const sk_broker_t *b, const sk_partition_t *p)
{
    sk_topic_t *t = sk_topics_find(b->topics, p->topic, (int32_t)strlen(p->topic));
    const char *v = t ? sk_topic_config(t, "max.message.bytes") : NULL;
    int64_t n;
    if (v && sk_topic_conf_int("max.message.bytes", v, &n, NULL, 0) == SK_OK)
        return n;
    return b->conf->message_max_bytes;
}

/* Checks every batch in records; returns a Kafka error code. */
static int16_t validate_records(sk_broker_t *b, sk_req_t *req, const sk_partition_t *p,
                                uint8_t *data, size_t len, sk_batch_info_t *hdr)
{
    char err[160];
    size_t off = 0;
    int nbatches = 0;
    if (len == 0)
        return SK_KERR_INVALID_RECORD;
    while (off < len) {
        if (len - off > SK_BATCH_OFF_MAGIC && data[off + SK_BATCH_OFF_MAGIC] < 2) {
            /* A legacy message (magic 0/1): Kafka refuses it in Produce v3+
             * ("only allowed to contain record batches with magic version
             * 2"); v0-2 sets were converted before, so here it follows a
             * v2 batch: mixed formats, refused likewise. */
            sk_warn("produce", "rejecting produce v%d to %s-%d from %s: message format magic %d "
                    "where a record batch (magic 2) must be (INVALID_RECORD)", req->api_version,
                    p->topic, p->id, sk_req_peer(req), data[off + SK_BATCH_OFF_MAGIC]);
            return SK_KERR_INVALID_RECORD;
        }
        ssize_t n = sk_batch_next(data + off, len - off);
        if (n <= 0) {
            sk_warn("produce", "rejecting produce to %s-%d from %s: truncated or malformed record "
                    "batch at byte %zu (CORRUPT_MESSAGE)", p->topic, p->id, sk_req_peer(req), off);
            return SK_KERR_CORRUPT_MESSAGE;
        }
        sk_batch_info_t info;
        if (sk_batch_parse_header(data + off, (size_t)n, &info) != SK_OK || info.magic != 2) {
            sk_warn("produce", "rejecting produce to %s-%d from %s: record batch magic is not 2 "
                    "(INVALID_RECORD)", p->topic, p->id, sk_req_peer(req));
            return SK_KERR_INVALID_RECORD;
        }
        if (n > max_message_bytes(b, p)) {
            sk_info("produce", "rejecting produce to %s-%d from %s: batch of %zd bytes exceeds "
                    "max message size %lld (MESSAGE_TOO_LARGE)", p->topic, p->id,
                    sk_req_peer(req), n, (long long)max_message_bytes(b, p));
            return SK_KERR_MESSAGE_TOO_LARGE;
        }
        if (n > b->plog_cfg.segment_bytes)
            return SK_KERR_RECORD_LIST_TOO_LARGE;
        if (info.record_count < 1 || info.last_offset_delta != info.record_count - 1) {
            /* A producer's batch covers exactly its records: offsets stay
             * contiguous. (Gaps exist only after compaction.) */
            sk_warn("produce", "rejecting produce to %s-%d from %s: lastOffsetDelta %d with %d "
                    "records (INVALID_RECORD)", p->topic, p->id, sk_req_peer(req),
                    info.last_offset_delta, info.record_count);
            return SK_KERR_INVALID_RECORD;
        }
        *hdr = info;
        int comp = sk_batch_compression(&info);
        if (comp > SK_COMPRESSION_ZSTD)
            return SK_KERR_INVALID_RECORD;
        if (comp == SK_COMPRESSION_ZSTD && req->api_version < 7)
            return SK_KERR_UNSUPPORTED_COMPRESSION_TYPE;
        int kerr = sk_batch_validate(data + off, (size_t)n, err, sizeof(err));
        if (kerr != SK_KERR_NONE) {
            sk_warn("produce", "rejecting produce to %s-%d from %s: %s (%s)", p->topic, p->id,
                    sk_req_peer(req), err, sk_kerr_name(kerr));
            return (int16_t)kerr;
        }
        off += (size_t)n;
        nbatches++;
    }
    if (nbatches != 1) {
        sk_warn("produce", "rejecting produce to %s-%d from %s: %d record batches, one is "
                "accepted (INVALID_RECORD)", p->topic, p->id, sk_req_peer(req), nbatches);
        return SK_KERR_INVALID_RECORD;
    }
    return SK_KERR_NONE;
}

/* Under log.message.timestamp.type=LogAppendTime the broker sets the batch
 * timestamp type and max timestamp, which the CRC covers. */
static void apply_log_append_time(uint8_t *batch, size_t len, int64_t now)
{
    uint16_t attr = sk_be16(batch + SK_BATCH_OFF_ATTRIBUTES);
    sk_put_be16(batch + SK_BATCH_OFF_ATTRIBUTES, (uint16_t)(attr | SK_BATCH_ATTR_LOG_APPEND_TIME));
    sk_put_be64(batch + SK_BATCH_OFF_MAX_TIMESTAMP, (uint64_t)now);
    sk_batch_update_crc(batch, len);
}

/* Produce v0-2: a legacy message set becomes one v2 batch (in the request's
 * arena) before anything else looks at it. Returns a Kafka code; record
 * errors go into out as Kafka answers them (RecordErrors, ErrorMessage). */
static int16_t convert_legacy(sk_req_t *req, const sk_partition_t *p, uint8_t **data,
                              size_t *len, sk_produce_resp_partition_response_t *out)
{
    sk_msgset_result_t res;
    sk_wr_t w;
    sk_wr_init(&w);
    int16_t kerr = sk_msgset_to_batch(*data, *len, req->arena, &w, &res);
    if (kerr != SK_KERR_NONE) {
        sk_warn("produce", "rejecting produce v%d to %s-%d from %s: %s (%s)", req->api_version,
                p->topic, p->id, sk_req_peer(req), res.err, sk_kerr_name(kerr));
        if (res.n_rec_errs > 0) {
            out->RecordErrors = sk_arena_calloc(req->arena, (size_t)res.n_rec_errs,
                                                sizeof(*out->RecordErrors));
            out->RecordErrorsCnt = res.n_rec_errs;
            for (int32_t i = 0; i < res.n_rec_errs; i++) {
                out->RecordErrors[i].BatchIndex = res.rec_errs[i].index;
                out->RecordErrors[i].BatchIndexErrorMessage = sk_str_c(res.rec_errs[i].message);
            }
            out->ErrorMessage = sk_str_c(
                kerr == SK_KERR_INVALID_TIMESTAMP
                    ? "One or more records have been rejected due to invalid timestamp"
                    : sk_arena_strdup(req->arena, res.err));
        }
        sk_wr_free(&w);
        return kerr;
    }
    sk_debug("produce", "produce v%d to %s-%d from %s: %d magic %d messages converted to a "
             "record batch", req->api_version, p->topic, p->id, sk_req_peer(req), res.count,
             res.magic);
    *data = sk_arena_memdup(req->arena, w.buf, w.len);
    *len = w.len;
    sk_wr_free(&w);
    return SK_KERR_NONE;
}

/* A batch refused without being stored, with an error the client retries:
 * noted, so that the batches it already sent behind this one get the same
 * answer instead of OUT_OF_ORDER_SEQUENCE_NUMBER (producer_state.h). */
static void refuse(sk_partition_t *p, const sk_batch_info_t *hdr, int16_t kerr,
                   sk_produce_resp_partition_response_t *out)
{
    out->ErrorCode = kerr;
    if (p->log && hdr)
        sk_plog_note_refused(p->log, hdr, kerr);
}

/* The header of a client's v2 batch, read before validation (for refuse()):
 * NULL when the records are not one whole v2 batch header. */
static const sk_batch_info_t *peek_header(const uint8_t *data, int32_t len, sk_batch_info_t *hdr)
{
    if (len <= 0 || sk_batch_parse_header(data, (size_t)len, hdr) != 0 || hdr->magic != 2)
        return NULL;
    return hdr;
}

static void produce_partition(sk_broker_t *b, sk_req_t *req, sk_str_t topic, int16_t acks,
                              const sk_produce_req_partition_data_t *in,
                              sk_produce_resp_partition_response_t *out,
                              int64_t *required_hw)
{
    *required_hw = -1;
    out->Index = in->Index;
    out->BaseOffset = -1;
    if (!sk_authz_len(b, req, SK_ACL_OP_WRITE, SK_ACL_RES_TOPIC, topic.p, topic.len)) {
        out->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
        return;
    }
    sk_topic_t *t = sk_topics_find(b->topics, topic.p, topic.len);
    if (!t || in->Index < 0 || in->Index >= t->n_partitions) {
        out->ErrorCode = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    sk_partition_t *p = &t->partitions[in->Index];
    if (t->internal) {
        /* Only the broker itself writes to __consumer_offsets. */
        sk_warn("produce", "rejecting produce to internal topic %s-%d from %s "
                "(INVALID_TOPIC_EXCEPTION)", p->topic, p->id, sk_req_peer(req));
        out->ErrorCode = SK_KERR_INVALID_TOPIC_EXCEPTION;
        return;
    }
    if (p->leader != b->id || !p->log || !t->configs_loaded) {
        if (p->leader == b->id && p->log)
            sk_debug("produce", "%s-%d: the topic's configuration is still being read: "
                     "NOT_LEADER_OR_FOLLOWER (the client retries)", p->topic, p->id);
        sk_batch_info_t peek;
        refuse(p, peek_header((const uint8_t *)in->Records.p, in->Records.len, &peek),
               SK_KERR_NOT_LEADER_OR_FOLLOWER, out);
        return;
    }
    if (in->Records.len <= 0) {
        out->ErrorCode = SK_KERR_INVALID_RECORD;
        return;
    }
    /* The request frame is ours and writable: batches are stamped in place. */
    uint8_t *data = (uint8_t *)(uintptr_t)in->Records.p;
    size_t len = (size_t)in->Records.len;
    int16_t kerr = SK_KERR_NONE;
    if (req->api_version <= 2 && sk_msgset_magic(data, len) < 2) {
        kerr = convert_legacy(req, p, &data, &len, out);
        if (kerr != SK_KERR_NONE) {
            out->ErrorCode = kerr;
            return;
        }
    }
    sk_batch_info_t hdr; /* the one batch */
    kerr = validate_records(b, req, p, data, len, &hdr);
    if (kerr != SK_KERR_NONE) {
        out->ErrorCode = kerr;
        return;
    }
    if (acks == -1 && p->n_isr < sk_partition_min_insync(b->parts, p)) {
        /* Nothing is written: too few in-sync replicas to honour acks=all. */
        sk_info("produce", "produce to %s-%d refused: ISR size %d below min.insync.replicas %d "
                "(NOT_ENOUGH_REPLICAS)", p->topic, p->id, p->n_isr, sk_partition_min_insync(b->parts, p));
        refuse(p, &hdr, SK_KERR_NOT_ENOUGH_REPLICAS, out);
        return;
    }
    /* Idempotent producers: sequence and epoch checks, exact retries. */
    sk_pstate_dup_t dup;
    kerr = (int16_t)sk_pstate_check(sk_plog_producers(p->log), &hdr, &dup);
    if (kerr == SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER)
        kerr = sk_plog_gap_refused(p->log, &hdr); /* a gap this broker made? */
    if (kerr != SK_KERR_NONE) {
        int16_t have_epoch = -1;
        int32_t have_seq = -1;
        sk_pstate_get(sk_plog_producers(p->log), hdr.producer_id, &have_epoch, &have_seq, NULL);
        sk_warn("produce", "produce to %s-%d from %s refused: producer id %" PRId64 " epoch %d "
                "sequence %d, the log has epoch %d up to sequence %d (%s)", p->topic, p->id,
                sk_req_peer(req), hdr.producer_id, hdr.producer_epoch, hdr.base_sequence,
                have_epoch, have_seq, sk_kerr_name(kerr));
        out->ErrorCode = kerr;
        return;
    }
    if (dup.found) {
        /* An exact retry: the first attempt is in the log. Same answer. */
        sk_debug("produce", "produce to %s-%d from %s repeats offsets %" PRId64 "..%" PRId64
                 ": answered with them, nothing appended", p->topic, p->id, sk_req_peer(req),
                 dup.first_offset, dup.last_offset);
        out->ErrorCode = SK_KERR_NONE;
        out->BaseOffset = dup.first_offset;
        out->LogStartOffset = sk_plog_start_offset(p->log);
        *required_hw = dup.last_offset + 1;
        return;
    }
    if (b->conf->log_message_timestamp_type == SK_CONF_TS_LOG_APPEND_TIME) {
        int64_t now = sk_wall_ms();
        apply_log_append_time(data, len, now);
        out->LogAppendTimeMs = now;
    }
    int64_t first = -1, last = -1;
    int rc = sk_partition_append(b->parts, p, data, len, &first, &last);
    if (rc == SK_ESTATE) {
        /* The log already holds a newer leader epoch: this leadership is stale. */
        sk_warn("produce", "append to %s-%d refused: leader epoch %d is older than the log's "
                "(NOT_LEADER_OR_FOLLOWER)", p->topic, p->id, p->leader_epoch);
        refuse(p, &hdr, SK_KERR_NOT_LEADER_OR_FOLLOWER, out);
        return;
    }
    if (rc == SK_ENOSPC) {
        /* The log dir is short of space (log.dir.min.free.bytes, logged once
         * by logmgr) or a write found the disk full: nothing is in the log.
         * NOT_ENOUGH_REPLICAS because every client retries it (librdkafka,
         * kafka-python 2.0.2, Java), while kafka-python 2.0.2 does not know
         * KAFKA_STORAGE_ERROR and fails the send. */
        sk_debug("produce", "produce to %s-%d refused: its log dir is low on space "
                 "(NOT_ENOUGH_REPLICAS)", p->topic, p->id);
        refuse(p, &hdr, SK_KERR_NOT_ENOUGH_REPLICAS, out);
        return;
    }
    if (rc != SK_OK) {
        sk_error("produce", "append to %s-%d failed: %s (KAFKA_STORAGE_ERROR)", p->topic, p->id,
                 sk_strerror(rc));
        refuse(p, &hdr, SK_KERR_KAFKA_STORAGE_ERROR, out);
        return;
    }
    out->ErrorCode = SK_KERR_NONE;
    out->BaseOffset = first;
    out->LogStartOffset = sk_plog_start_offset(p->log);
    sk_met_topic_t *mt = sk_met_topic(p->topic, strlen(p->topic));
    mt->messages_in += (uint64_t)(last - first + 1);
    mt->bytes_in += len;
    *required_hw = last + 1;
}

/* v10+ (KIP-951): a partition answered NOT_LEADER_OR_FOLLOWER names the
 * leader this broker knows, and the response carries that leader's
 * endpoint for the listener the request came in on, as Kafka 3.7 does. */
static void add_leader_hints(sk_broker_t *b, sk_req_t *req, sk_produce_resp_t *resp)
{
    if (req->api_version < 10)
        return;
    int32_t n = 0;
    for (int32_t i = 0; i < resp->ResponsesCnt; i++)
        n += resp->Responses[i].PartitionResponsesCnt;
    sk_produce_resp_node_endpoint_t *eps = sk_arena_calloc(req->arena, (size_t)n + 1,
                                                           sizeof(*eps));
    int32_t n_eps = 0;
    for (int32_t i = 0; i < resp->ResponsesCnt; i++) {
        sk_produce_resp_response_t *rt = &resp->Responses[i];
        for (int32_t j = 0; j < rt->PartitionResponsesCnt; j++) {
            sk_produce_resp_partition_response_t *rp = &rt->PartitionResponses[j];
            if (rp->ErrorCode != SK_KERR_NOT_LEADER_OR_FOLLOWER)
                continue;
            sk_partition_t *p = sk_topics_partition(b->topics, rt->Name.p, rt->Name.len,
                                                    rp->Index);
            if (!p || p->leader < 0)
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
            sk_produce_resp_node_endpoint_init(&eps[n_eps]);
            eps[n_eps].NodeId = p->leader;
            eps[n_eps].Host = sk_str_c(host);
            eps[n_eps].Port = port;
            n_eps++;
        }
    }
    resp->NodeEndpoints = eps;
    resp->NodeEndpointsCnt = n_eps;
}

/* producer_byte_rate counts the whole request, as Kafka's: recorded when
 * the answer is made (acks=all: once replicated), the records appended in
 * any case; a throttle mutes the connection after the answer (KIP-219). */
static int32_t quota(sk_broker_t *b, sk_req_t *req)
{
    return sk_api_quota_record(b, req, SK_QUOTA_PRODUCE, (double)req->frame_len + 4);
}

/* The answer, now or from the purgatory: a failure to encode closes the
 * connection (sk_req_respond). */
static int respond(sk_broker_t *b, sk_req_t *req, sk_produce_resp_t *resp)
{
    add_leader_hints(b, req, resp);
    resp->ThrottleTimeMs = quota(b, req);
    return sk_req_respond(req, resp);
}

/* ---- acks=all: the answer waits in the produce purgatory ---- */

typedef struct pw_part {
    sk_produce_resp_partition_response_t *out;
    const char *topic; /* NUL-terminated copy in the request's arena */
    int32_t partition;
    int64_t required_hw;
    int32_t append_epoch; /* the leader epoch the batch was appended (or found) under */
    int done;
} pw_part_t;

typedef struct produce_wait {
    sk_broker_t *b;
    sk_req_t *req;
    sk_produce_resp_t resp;
    pw_part_t *parts;
    int n_parts;
} produce_wait_t;

/* The purgatory's try callback: answers once every partition's high
 * watermark has passed its batch, or (forced) at the timeout. */
static int produce_try(void *arg, sk_purg_why_t why)
{
    produce_wait_t *w = arg;
    int pending = 0;
    for (int i = 0; i < w->n_parts; i++) {
        pw_part_t *pp = &w->parts[i];
        if (pp->done)
            continue;
        int16_t kerr = SK_KERR_NONE;
        if (sk_partition_ack_status(w->b->parts, pp->topic, strlen(pp->topic), pp->partition,
                                    pp->required_hw, pp->append_epoch, &kerr)) {
            if (kerr != SK_KERR_NONE)
                pp->out->ErrorCode = kerr;
            pp->done = 1;
        } else if (why != SK_PURG_WOKEN) {
            pp->out->ErrorCode = SK_KERR_REQUEST_TIMED_OUT;
            pp->done = 1;
        } else {
            pending = 1;
        }
    }
    if (pending)
        return 0;
    sk_req_t *req = w->req;
    respond(w->b, req, &w->resp);
    free(w->parts);
    free(w);
    sk_req_complete(req);
    return 1;
}

int sk_api_produce(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_produce_req_t in;
    if (sk_produce_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);

    sk_produce_resp_t resp;
    sk_produce_resp_init(&resp);
    resp.ResponsesCnt = in.TopicDataCnt > 0 ? in.TopicDataCnt : 0;
    resp.Responses = sk_arena_calloc(req->arena, (size_t)resp.ResponsesCnt + 1,
                                     sizeof(*resp.Responses));
    int acks_ok = in.Acks == 0 || in.Acks == 1 || in.Acks == -1;
    produce_wait_t *wait = NULL;
    int32_t n_parts_total = 0;
    for (int32_t i = 0; i < in.TopicDataCnt; i++)
        n_parts_total += in.TopicData[i].PartitionDataCnt > 0 ? in.TopicData[i].PartitionDataCnt : 0;
    int transactional = in.TransactionalId.len >= 0;
    int16_t txn_err = transactional && !sk_authz_len(b, req, SK_ACL_OP_WRITE,
                                                     SK_ACL_RES_TRANSACTIONAL_ID,
                                                     in.TransactionalId.p, in.TransactionalId.len)
                          ? SK_KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                          : SK_KERR_INVALID_TXN_STATE;
    for (int32_t i = 0; i < resp.ResponsesCnt; i++) {
        const sk_produce_req_topic_data_t *t = &in.TopicData[i];
        sk_produce_resp_response_t *rt = &resp.Responses[i];
        sk_produce_resp_response_init(rt);
        rt->Name = t->Name;
        rt->PartitionResponsesCnt = t->PartitionDataCnt > 0 ? t->PartitionDataCnt : 0;
        rt->PartitionResponses = sk_arena_calloc(req->arena, (size_t)rt->PartitionResponsesCnt + 1,
                                                 sizeof(*rt->PartitionResponses));
        for (int32_t j = 0; j < rt->PartitionResponsesCnt; j++) {
            sk_produce_resp_partition_response_t *rp = &rt->PartitionResponses[j];
            sk_produce_resp_partition_response_init(rp);
            if (!acks_ok || transactional) {
                rp->Index = t->PartitionData[j].Index;
                rp->ErrorCode = !acks_ok ? SK_KERR_INVALID_REQUIRED_ACKS : txn_err;
                rp->BaseOffset = -1;
                continue;
            }
            int64_t required = -1;
            produce_partition(b, req, t->Name, in.Acks, &t->PartitionData[j], rp, &required);
            if (in.Acks == -1 && required >= 0) {
                sk_partition_t *p = sk_topics_partition(b->topics, t->Name.p, t->Name.len,
                                                        rp->Index);
                if (p && p->high_watermark < required) {
                    if (!wait) {
                        wait = sk_calloc(1, sizeof(*wait));
                        wait->parts = sk_calloc((size_t)n_parts_total + 1, sizeof(*wait->parts));
                    }
                    pw_part_t *pp = &wait->parts[wait->n_parts++];
                    pp->out = rp;
                    pp->topic = p->topic ? sk_arena_strdup(req->arena, p->topic) : "";
                    pp->partition = rp->Index;
                    pp->required_hw = required;
                    pp->append_epoch = p->leader_epoch;
                }
            }
        }
    }
    if (wait) {
        /* acks=all: answer once every in-sync replica has the batches. */
        wait->b = b;
        wait->req = req;
        wait->resp = resp;
        sk_purg_op_t *op = sk_purg_add(b->parts->produce, in.TimeoutMs > 0 ? in.TimeoutMs : 0,
                                       produce_try, wait);
        for (int i = 0; i < wait->n_parts; i++)
            sk_purg_watch(op, sk_purg_key(wait->parts[i].topic, strlen(wait->parts[i].topic),
                                          wait->parts[i].partition));
        return SK_REQ_PENDING;
    }
    if (in.Acks == 0) {
        req->no_response = 1;
        quota(b, req); /* no answer to carry it: the mute alone */
        return SK_REQ_DONE;
    }
    return respond(b, req, &resp);
}
