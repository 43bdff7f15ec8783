/* api_produce.c - Produce (key 0): validate each partition's record batch
 * without decompressing, append it as received (offsets stamped in place),
 * and answer per partition. acks=0 gets no response at all. */
#include "broker_int.h"

#include "clock.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "proto_produce.h"
#include "recbatch.h"

#include <event2/event.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Topic override of max.message.bytes, else the broker's message.max.bytes. */
static int64_t max_message_bytes(const sk_broker_t *b, const sk_partition_t *p)
{
    sk_topic_t *t = sk_topics_find(b->topics, p->topic, (int32_t)strlen(p->topic));
    const char *v = t ? sk_topic_config(t, "max.message.bytes") : NULL;
    if (v) {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (*end == '\0' && n > 0)
            return n;
    }
    return b->conf->message_max_bytes;
}

/* min.insync.replicas: the topic's override, else the broker's. */
static int32_t min_insync(const sk_broker_t *b, const sk_partition_t *p)
{
    sk_topic_t *t = sk_topics_find(b->topics, p->topic, (int32_t)strlen(p->topic));
    const char *v = t ? sk_topic_config(t, "min.insync.replicas") : NULL;
    if (v) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end == '\0' && n > 0)
            return (int32_t)n;
    }
    return b->conf->min_insync_replicas;
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
            /* A legacy message set (magic 0/1): not stored. Kafka refuses it
             * in Produce v3+ as an invalid record; in v0-2 it is the format
             * this broker does not keep. */
            int16_t kerr = req->api_version >= 3 ? SK_KERR_INVALID_RECORD
                                                 : SK_KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT;
            sk_warn("produce", "rejecting produce v%d to %s-%d from %s: message format magic %d, "
                    "only record batches (magic 2) are stored (%s)", req->api_version, p->topic,
                    p->id, sk_req_peer(req), data[off + SK_BATCH_OFF_MAGIC], sk_kerr_name(kerr));
            return kerr;
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
        sk_warn("produce", "rejecting produce to %s-%d from %s: %d record batches, Produce v3+ "
                "carries exactly one (INVALID_RECORD)", p->topic, p->id, sk_req_peer(req),
                nbatches);
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

static void produce_partition(sk_broker_t *b, sk_req_t *req, sk_str_t topic, int16_t acks,
                              const sk_produce_req_partition_t *in, sk_produce_resp_partition_t *out,
                              int64_t *required_hw)
{
    *required_hw = -1;
    out->Index = in->Index;
    out->BaseOffset = -1;
    out->LogAppendTimeMs = -1;
    out->LogStartOffset = -1;
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
    if (p->leader != b->id || !p->log) {
        out->ErrorCode = SK_KERR_NOT_LEADER_OR_FOLLOWER;
        return;
    }
    if (in->Records.len <= 0) {
        out->ErrorCode = SK_KERR_INVALID_RECORD;
        return;
    }
    /* The request frame is ours and writable: batches are stamped in place. */
    uint8_t *data = (uint8_t *)(uintptr_t)in->Records.p;
    size_t len = (size_t)in->Records.len;
    sk_batch_info_t hdr; /* the one batch (v3+ carries exactly one) */
    int16_t kerr = validate_records(b, req, p, data, len, &hdr);
    if (kerr != SK_KERR_NONE) {
        out->ErrorCode = kerr;
        return;
    }
    if (acks == -1 && p->n_isr < min_insync(b, p)) {
        /* Nothing is written: too few in-sync replicas to honour acks=all. */
        sk_info("produce", "produce to %s-%d refused: ISR size %d below min.insync.replicas %d "
                "(NOT_ENOUGH_REPLICAS)", p->topic, p->id, p->n_isr, min_insync(b, p));
        out->ErrorCode = SK_KERR_NOT_ENOUGH_REPLICAS;
        return;
    }
    /* Idempotent producers: sequence and epoch checks, exact retries. */
    sk_pstate_dup_t dup;
    kerr = (int16_t)sk_pstate_check(sk_plog_producers(p->log), &hdr, &dup);
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
    int rc = sk_plog_append(p->log, data, len, p->leader_epoch, &first, &last);
    if (rc == SK_ESTATE) {
        /* The log already holds a newer leader epoch: this leadership is stale. */
        sk_warn("produce", "append to %s-%d refused: leader epoch %d is older than the log's "
                "(NOT_LEADER_OR_FOLLOWER)", p->topic, p->id, p->leader_epoch);
        out->ErrorCode = SK_KERR_NOT_LEADER_OR_FOLLOWER;
        return;
    }
    if (rc != SK_OK) {
        sk_error("produce", "append to %s-%d failed: %s (KAFKA_STORAGE_ERROR)", p->topic, p->id,
                 sk_strerror(rc));
        out->ErrorCode = SK_KERR_KAFKA_STORAGE_ERROR;
        return;
    }
    out->ErrorCode = SK_KERR_NONE;
    out->BaseOffset = first;
    out->LogStartOffset = sk_plog_start_offset(p->log);
    *required_hw = last + 1;
    sk_broker_data_arrived(b, p);
}

/* ---- the produce purgatory: acks=all waits for the high watermark ---- */

typedef struct pw_part {
    sk_produce_resp_partition_t *out;
    const char *topic; /* view into the request (NUL-terminated copy in the arena) */
    int32_t partition;
    int64_t required_hw;
    int done;
} pw_part_t;

struct sk_produce_wait_s {
    TAILQ_ENTRY(sk_produce_wait_s) link;
    sk_broker_t *b;
    sk_req_t *req;                 /* NULL for an internal append */
    sk_append_done_fn done;        /* internal append: called with the outcome */
    void *done_arg;
    sk_produce_resp_partition_t internal_out;
    char *internal_topic;
    sk_produce_resp_t resp;
    pw_part_t *parts;
    int n_parts;
    struct event *timer;
};

static void pw_answer(sk_produce_wait_t *w)
{
    sk_req_t *req = w->req;
    TAILQ_REMOVE(&w->b->produce_waits, w, link);
    event_free(w->timer);
    if (!req) {
        sk_append_done_fn done = w->done;
        void *arg = w->done_arg;
        int16_t kerr = w->internal_out.ErrorCode;
        free(w->internal_topic);
        free(w->parts);
        free(w);
        done(kerr, arg);
        return;
    }
    sk_wr_t wr;
    sk_wr_init(&wr);
    sk_produce_resp_encode(&wr, req->api_version, &w->resp);
    sk_req_set_body(req, &wr);
    free(w->parts);
    free(w);
    sk_req_complete(req);
}

/* Re-checks one waiting produce; answers it when every partition's high
 * watermark has passed its batch, or (forced) at the timeout. */
static void pw_check(sk_produce_wait_t *w, int timed_out)
{
    int pending = 0;
    for (int i = 0; i < w->n_parts; i++) {
        pw_part_t *pp = &w->parts[i];
        if (pp->done)
            continue;
        sk_partition_t *p = sk_topics_partition(w->b->topics, pp->topic,
                                                (int32_t)strlen(pp->topic), pp->partition);
        if (!p || p->leader != w->b->id) {
            pp->out->ErrorCode = SK_KERR_NOT_LEADER_OR_FOLLOWER;
            pp->done = 1;
        } else if (p->high_watermark >= pp->required_hw) {
            /* Committed; but if the ISR fell below min.insync.replicas on the
             * way, acks=all was not honoured (Kafka's rule). */
            if (p->n_isr < min_insync(w->b, p))
                pp->out->ErrorCode = SK_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
            pp->done = 1;
        } else if (timed_out) {
            pp->out->ErrorCode = SK_KERR_REQUEST_TIMED_OUT;
            pp->done = 1;
        } else {
            pending = 1;
        }
    }
    if (!pending)
        pw_answer(w);
}

static void pw_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    pw_check(arg, 1);
}

static void pw_wake_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_broker_t *b = arg;
    b->produce_wake_pending = 0;
    sk_produce_wait_t *w = TAILQ_FIRST(&b->produce_waits), *next;
    for (; w; w = next) {
        next = TAILQ_NEXT(w, link);
        pw_check(w, 0);
    }
}

/* High watermarks moved: re-check the waiting produces once this loop turn
 * is done (never from inside a handler). */
void sk_produce_purgatory_wake(sk_broker_t *b)
{
    if (TAILQ_EMPTY(&b->produce_waits) || b->produce_wake_pending)
        return;
    if (!b->produce_wake_ev)
        b->produce_wake_ev = event_new(b->base, -1, 0, pw_wake_cb, b);
    b->produce_wake_pending = 1;
    event_active(b->produce_wake_ev, 0, 0);
}

int16_t sk_produce_append_internal(sk_broker_t *b, const char *topic, int32_t partition,
                                   uint8_t *data, size_t len, int32_t timeout_ms,
                                   sk_append_done_fn done, void *arg)
{
    sk_partition_t *p = sk_topics_partition(b->topics, topic, (int32_t)strlen(topic), partition);
    if (!p)
        return SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
    if (p->leader != b->id || !p->log || b->stopping)
        return SK_KERR_NOT_LEADER_OR_FOLLOWER;
    int64_t first = -1, last = -1;
    int rc = sk_plog_append(p->log, data, len, p->leader_epoch, &first, &last);
    if (rc == SK_ESTATE)
        return SK_KERR_NOT_LEADER_OR_FOLLOWER;
    if (rc != SK_OK) {
        sk_error("produce", "internal append to %s-%d failed: %s (KAFKA_STORAGE_ERROR)",
                 p->topic, p->id, sk_strerror(rc));
        return SK_KERR_KAFKA_STORAGE_ERROR;
    }
    sk_produce_wait_t *w = sk_calloc(1, sizeof(*w));
    w->b = b;
    w->done = done;
    w->done_arg = arg;
    w->parts = sk_calloc(1, sizeof(*w->parts));
    w->n_parts = 1;
    w->parts[0].out = &w->internal_out;
    w->internal_topic = sk_strdup(p->topic);
    w->parts[0].topic = w->internal_topic;
    w->parts[0].partition = partition;
    w->parts[0].required_hw = last + 1;
    w->timer = evtimer_new(b->base, pw_timeout_cb, w);
    int32_t ms = timeout_ms > 0 ? timeout_ms : 0;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(w->timer, &tv);
    TAILQ_INSERT_TAIL(&b->produce_waits, w, link);
    sk_broker_data_arrived(b, p);
    /* Answered from the loop (next turn at the earliest), never from
     * inside the caller. */
    sk_produce_purgatory_wake(b);
    return SK_KERR_NONE;
}

void sk_produce_purgatory_flush(sk_broker_t *b)
{
    sk_produce_wait_t *w;
    while ((w = TAILQ_FIRST(&b->produce_waits)) != NULL)
        pw_check(w, 1);
    if (b->produce_wake_ev) {
        event_free(b->produce_wake_ev);
        b->produce_wake_ev = NULL;
    }
}

int sk_api_produce(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_produce_req_t in;
    if (sk_produce_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);

    sk_produce_resp_t resp = {0};
    resp.ResponsesCnt = in.TopicDataCnt > 0 ? in.TopicDataCnt : 0;
    resp.Responses = sk_arena_calloc(req->arena, (size_t)resp.ResponsesCnt + 1,
                                     sizeof(*resp.Responses));
    int acks_ok = in.Acks == 0 || in.Acks == 1 || in.Acks == -1;
    sk_produce_wait_t *wait = NULL;
    int32_t n_parts_total = 0;
    for (int32_t i = 0; i < in.TopicDataCnt; i++)
        n_parts_total += in.TopicData[i].PartitionDataCnt > 0 ? in.TopicData[i].PartitionDataCnt : 0;
    int transactional = in.TransactionalId.len >= 0;
    for (int32_t i = 0; i < resp.ResponsesCnt; i++) {
        const sk_produce_req_topic_t *t = &in.TopicData[i];
        sk_produce_resp_topic_t *rt = &resp.Responses[i];
        rt->Name = t->Name;
        rt->PartitionResponsesCnt = t->PartitionDataCnt > 0 ? t->PartitionDataCnt : 0;
        rt->PartitionResponses = sk_arena_calloc(req->arena, (size_t)rt->PartitionResponsesCnt + 1,
                                                 sizeof(*rt->PartitionResponses));
        for (int32_t j = 0; j < rt->PartitionResponsesCnt; j++) {
            sk_produce_resp_partition_t *rp = &rt->PartitionResponses[j];
            if (!acks_ok || transactional) {
                rp->Index = t->PartitionData[j].Index;
                rp->ErrorCode = !acks_ok ? SK_KERR_INVALID_REQUIRED_ACKS
                                         : SK_KERR_INVALID_TXN_STATE;
                rp->BaseOffset = -1;
                rp->LogAppendTimeMs = -1;
                rp->LogStartOffset = -1;
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
                }
            }
        }
    }
    if (wait) {
        /* acks=all: answer once every in-sync replica has the batches. */
        wait->b = b;
        wait->req = req;
        wait->resp = resp;
        wait->timer = evtimer_new(b->base, pw_timeout_cb, wait);
        int32_t ms = in.TimeoutMs > 0 ? in.TimeoutMs : 0;
        struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
        evtimer_add(wait->timer, &tv);
        TAILQ_INSERT_TAIL(&b->produce_waits, wait, link);
        return SK_REQ_PENDING;
    }
    if (in.Acks == 0) {
        req->no_response = 1;
        return SK_REQ_DONE;
    }
    sk_wr_t w;
    sk_wr_init(&w);
    sk_produce_resp_encode(&w, req->api_version, &resp);
    sk_req_set_body(req, &w);
    return SK_REQ_DONE;
}
