/* proto_fetch.c - Fetch codec, v4-11 (see proto_fetch.h). */
#include "proto_fetch.h"

#include "apis.h"
#include "proto_int.h"

#include <event2/buffer.h>
#include <unistd.h>

#define FE_MIN 4
#define FE_MAX 11

static int bad_version(int16_t v)
{
    return v < FE_MIN || v > FE_MAX;
}

/* ---- request ---- */

static void rd_req_topic(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a,
                         sk_fetch_req_topic_t *t)
{
    t->Topic = sk_proto_rd_str_nn(r, flex);
    int32_t n = sk_proto_rd_count_nn(r, flex, 16);
    t->PartitionsCnt = sk_rd_ok(r) ? n : 0;
    t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
    for (int32_t i = 0; i < t->PartitionsCnt && sk_rd_ok(r); i++) {
        sk_fetch_req_partition_t *p = &t->Partitions[i];
        p->Partition = sk_rd_i32(r);
        p->CurrentLeaderEpoch = version >= 9 ? sk_rd_i32(r) : -1;
        p->FetchOffset = sk_rd_i64(r);
        p->LogStartOffset = version >= 5 ? sk_rd_i64(r) : -1;
        p->PartitionMaxBytes = sk_rd_i32(r);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
}

int sk_fetch_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_fetch_req_t *out)
{
    int flex = sk_api_flexible(SK_API_FETCH, version);
    *out = (sk_fetch_req_t){.ReplicaId = -1, .MaxBytes = INT32_MAX, .SessionEpoch = -1,
                            .RackId = {"", 0}};
    if (bad_version(version))
        return SK_EINVAL;
    out->ReplicaId = sk_rd_i32(r);
    out->MaxWaitMs = sk_rd_i32(r);
    out->MinBytes = sk_rd_i32(r);
    out->MaxBytes = sk_rd_i32(r);        /* v3+ */
    out->IsolationLevel = sk_rd_i8(r);   /* v4+ */
    if (version >= 7) {
        out->SessionId = sk_rd_i32(r);
        out->SessionEpoch = sk_rd_i32(r);
    }
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++)
        rd_req_topic(r, version, flex, a, &out->Topics[i]);
    if (version >= 7) {
        n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
        out->ForgottenTopicsDataCnt = sk_rd_ok(r) ? n : 0;
        out->ForgottenTopicsData = sk_proto_alloc(a, out->ForgottenTopicsDataCnt,
                                                  sizeof(*out->ForgottenTopicsData));
        for (int32_t i = 0; i < out->ForgottenTopicsDataCnt && sk_rd_ok(r); i++) {
            sk_fetch_forgotten_topic_t *f = &out->ForgottenTopicsData[i];
            f->Topic = sk_proto_rd_str_nn(r, flex);
            sk_proto_rd_i32s(r, flex, a, 0, &f->Partitions, &f->PartitionsCnt);
            sk_rd_tags(r, flex);
        }
    }
    if (version >= 11)
        out->RackId = sk_proto_rd_str_nn(r, flex);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

int sk_fetch_req_encode(sk_wr_t *w, int16_t version, const sk_fetch_req_t *req)
{
    int flex = sk_api_flexible(SK_API_FETCH, version);
    if (bad_version(version) || req->TopicsCnt < 0)
        return SK_EINVAL;
    /* ForgottenTopicsData is not ignorable: it needs v7+. */
    if (version < 7 && req->ForgottenTopicsDataCnt > 0)
        return SK_EINVAL;
    sk_wr_i32(w, req->ReplicaId);
    sk_wr_i32(w, req->MaxWaitMs);
    sk_wr_i32(w, req->MinBytes);
    sk_wr_i32(w, req->MaxBytes);
    sk_wr_i8(w, req->IsolationLevel);
    if (version >= 7) {
        sk_wr_i32(w, req->SessionId);
        sk_wr_i32(w, req->SessionEpoch);
    }
    sk_wr_arraylen(w, flex, req->TopicsCnt);
    for (int32_t i = 0; i < req->TopicsCnt; i++) {
        const sk_fetch_req_topic_t *t = &req->Topics[i];
        if (t->PartitionsCnt < 0)
            return SK_EINVAL;
        sk_wr_sstr(w, flex, t->Topic);
        sk_wr_arraylen(w, flex, t->PartitionsCnt);
        for (int32_t j = 0; j < t->PartitionsCnt; j++) {
            const sk_fetch_req_partition_t *p = &t->Partitions[j];
            sk_wr_i32(w, p->Partition);
            if (version >= 9)
                sk_wr_i32(w, p->CurrentLeaderEpoch);
            sk_wr_i64(w, p->FetchOffset);
            if (version >= 5)
                sk_wr_i64(w, p->LogStartOffset);
            sk_wr_i32(w, p->PartitionMaxBytes);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    if (version >= 7) {
        int32_t n = req->ForgottenTopicsDataCnt < 0 ? 0 : req->ForgottenTopicsDataCnt;
        sk_wr_arraylen(w, flex, n);
        for (int32_t i = 0; i < n; i++) {
            const sk_fetch_forgotten_topic_t *f = &req->ForgottenTopicsData[i];
            sk_wr_sstr(w, flex, f->Topic);
            sk_proto_wr_i32s(w, flex, f->Partitions, f->PartitionsCnt < 0 ? 0 : f->PartitionsCnt);
            sk_wr_tags(w, flex);
        }
    }
    if (version >= 11) {
        sk_str_t rack = req->RackId.len < 0 ? (sk_str_t){"", 0} : req->RackId;
        sk_wr_sstr(w, flex, rack);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

/* ---- response ---- */

static void rd_resp_partition(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a,
                              sk_fetch_resp_partition_t *p)
{
    p->PartitionIndex = sk_rd_i32(r);
    p->ErrorCode = sk_rd_i16(r);
    p->HighWatermark = sk_rd_i64(r);
    p->LastStableOffset = sk_rd_i64(r);                 /* v4+ */
    p->LogStartOffset = version >= 5 ? sk_rd_i64(r) : -1;
    int32_t n = sk_proto_rd_count(r, flex, 16);          /* v4+, nullable */
    p->AbortedTransactionsCnt = sk_rd_ok(r) ? n : 0;
    p->AbortedTransactions = sk_proto_alloc(a, p->AbortedTransactionsCnt,
                                            sizeof(*p->AbortedTransactions));
    for (int32_t i = 0; i < p->AbortedTransactionsCnt && sk_rd_ok(r); i++) {
        p->AbortedTransactions[i].ProducerId = sk_rd_i64(r);
        p->AbortedTransactions[i].FirstOffset = sk_rd_i64(r);
        sk_rd_tags(r, flex);
    }
    p->PreferredReadReplica = version >= 11 ? sk_rd_i32(r) : -1;
    sk_str_t rec = sk_rd_bytes(r, flex);
    p->Records = (sk_fetch_records_t){.fd = -1};
    if (rec.len < 0) {
        p->Records.kind = SK_FETCH_REC_NULL;
    } else {
        p->Records.kind = SK_FETCH_REC_MEM;
        p->Records.ptr = rec.p;
        p->Records.len = rec.len;
    }
    sk_rd_tags(r, flex);
}

int sk_fetch_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_fetch_resp_t *out)
{
    int flex = sk_api_flexible(SK_API_FETCH, version);
    *out = (sk_fetch_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    out->ThrottleTimeMs = sk_rd_i32(r);
    if (version >= 7) {
        out->ErrorCode = sk_rd_i16(r);
        out->SessionId = sk_rd_i32(r);
    }
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
    out->ResponsesCnt = sk_rd_ok(r) ? n : 0;
    out->Responses = sk_proto_alloc(a, out->ResponsesCnt, sizeof(*out->Responses));
    for (int32_t i = 0; i < out->ResponsesCnt && sk_rd_ok(r); i++) {
        sk_fetch_resp_topic_t *t = &out->Responses[i];
        t->Topic = sk_proto_rd_str_nn(r, flex);
        int32_t m = sk_proto_rd_count_nn(r, flex, 30);
        t->PartitionsCnt = sk_rd_ok(r) ? m : 0;
        t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
        for (int32_t j = 0; j < t->PartitionsCnt && sk_rd_ok(r); j++)
            rd_resp_partition(r, version, flex, a, &t->Partitions[j]);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

/* Records length after validation; -2 if invalid. -1 = null. */
static int64_t rec_len(const sk_fetch_records_t *rec)
{
    switch (rec->kind) {
    case SK_FETCH_REC_NULL:
        return -1;
    case SK_FETCH_REC_MEM:
        if (rec->len < 0 || rec->len > INT32_MAX || (rec->len > 0 && !rec->ptr))
            return -2;
        return rec->len;
    case SK_FETCH_REC_FILE:
        if (rec->len < 0 || rec->len > INT32_MAX || rec->fd < 0 || rec->pos < 0)
            return -2;
        return rec->len;
    case SK_FETCH_REC_SEGMENT:
        if (rec->len < 0 || rec->len > INT32_MAX || !rec->seg || rec->pos < 0)
            return -2;
        return rec->len;
    }
    return -2;
}

/* Moves the framing bytes gathered in w into out. */
static int flush(sk_wr_t *w, struct evbuffer *out)
{
    if (w->len && evbuffer_add(out, w->buf, w->len) != 0)
        return SK_EIO;
    sk_wr_reset(w);
    return SK_OK;
}

/* Appends one partition's record bytes to out. For FILE the fd is consumed
 * whatever happens. Done like evbuffer_add_file(), but with a defined
 * outcome for the fd when libevent fails. */
static int add_records(struct evbuffer *out, const sk_fetch_records_t *rec)
{
    switch (rec->kind) {
    case SK_FETCH_REC_MEM:
        if (rec->len > 0 && evbuffer_add(out, rec->ptr, (size_t)rec->len) != 0)
            return SK_EIO;
        return SK_OK;
    case SK_FETCH_REC_FILE: {
        if (rec->len == 0) {
            close(rec->fd);
            return SK_OK;
        }
        struct evbuffer_file_segment *seg =
            evbuffer_file_segment_new(rec->fd, rec->pos, rec->len, EVBUF_FS_CLOSE_ON_FREE);
        if (!seg) {
            close(rec->fd);
            return SK_EIO;
        }
        int rc = evbuffer_add_file_segment(out, seg, 0, rec->len);
        /* Drop our reference: the evbuffer holds its own on success; on
         * failure this frees the segment and closes the fd. */
        evbuffer_file_segment_free(seg);
        return rc == 0 ? SK_OK : SK_EIO;
    }
    case SK_FETCH_REC_SEGMENT:
        if (rec->len > 0 && evbuffer_add_file_segment(out, rec->seg, rec->pos, rec->len) != 0)
            return SK_EIO;
        return SK_OK;
    case SK_FETCH_REC_NULL:
        return SK_OK;
    }
    return SK_EINVAL;
}

/* Closes every FILE fd in resp from partition (ti, pi) on. */
static void close_fds_from(const sk_fetch_resp_t *resp, int32_t ti, int32_t pi)
{
    for (int32_t i = ti; i < resp->ResponsesCnt; i++) {
        const sk_fetch_resp_topic_t *t = &resp->Responses[i];
        for (int32_t j = i == ti ? pi : 0; j < t->PartitionsCnt; j++)
            if (t->Partitions[j].Records.kind == SK_FETCH_REC_FILE && t->Partitions[j].Records.fd >= 0)
                close(t->Partitions[j].Records.fd);
    }
}

/* Writes the response. With out == NULL nothing is emitted and no fd is
 * touched: the framing stays in w and the record bytes are summed into
 * *rec_total (used for sk_fetch_resp_size). With out, framing is flushed
 * to out before each partition's records. *done_t / *done_p track the
 * first partition whose fd has not been consumed yet. */
static int write_resp(sk_wr_t *w, struct evbuffer *out, int16_t version,
                      const sk_fetch_resp_t *resp, int64_t *rec_total,
                      int32_t *done_t, int32_t *done_p)
{
    int flex = sk_api_flexible(SK_API_FETCH, version);
    if (bad_version(version) || resp->ResponsesCnt < 0)
        return SK_EINVAL;
    sk_wr_i32(w, resp->ThrottleTimeMs);
    if (version >= 7) {
        sk_wr_i16(w, resp->ErrorCode);
        sk_wr_i32(w, resp->SessionId);
    }
    sk_wr_arraylen(w, flex, resp->ResponsesCnt);
    for (int32_t i = 0; i < resp->ResponsesCnt; i++) {
        const sk_fetch_resp_topic_t *t = &resp->Responses[i];
        *done_t = i;
        *done_p = 0;
        if (t->PartitionsCnt < 0)
            return SK_EINVAL;
        sk_wr_sstr(w, flex, t->Topic);
        sk_wr_arraylen(w, flex, t->PartitionsCnt);
        for (int32_t j = 0; j < t->PartitionsCnt; j++) {
            const sk_fetch_resp_partition_t *p = &t->Partitions[j];
            *done_p = j;
            int64_t len = rec_len(&p->Records);
            if (len < -1)
                return SK_EINVAL;
            sk_wr_i32(w, p->PartitionIndex);
            sk_wr_i16(w, p->ErrorCode);
            sk_wr_i64(w, p->HighWatermark);
            sk_wr_i64(w, p->LastStableOffset);
            if (version >= 5)
                sk_wr_i64(w, p->LogStartOffset);
            sk_wr_arraylen(w, flex, p->AbortedTransactionsCnt);
            for (int32_t k = 0; k < p->AbortedTransactionsCnt; k++) {
                sk_wr_i64(w, p->AbortedTransactions[k].ProducerId);
                sk_wr_i64(w, p->AbortedTransactions[k].FirstOffset);
                sk_wr_tags(w, flex);
            }
            if (version >= 11)
                sk_wr_i32(w, p->PreferredReadReplica);
            if (flex)
                sk_wr_uvarint(w, (uint32_t)(len + 1));
            else
                sk_wr_i32(w, (int32_t)len);
            if (out) {
                int rc = flush(w, out);
                if (rc == SK_OK) {
                    *done_p = j + 1; /* this fd is consumed by add_records */
                    rc = add_records(out, &p->Records);
                }
                if (rc != SK_OK)
                    return rc;
            } else if (len > 0) {
                *rec_total += len;
            }
            sk_wr_tags(w, flex);
        }
        *done_p = t->PartitionsCnt;
        sk_wr_tags(w, flex);
    }
    *done_t = resp->ResponsesCnt;
    *done_p = 0;
    sk_wr_tags(w, flex);
    return out ? flush(w, out) : SK_OK;
}

int sk_fetch_resp_encode(struct evbuffer *out, int16_t version, const sk_fetch_resp_t *resp)
{
    sk_wr_t w;
    int64_t total = 0;
    int32_t dt = 0, dp = 0;
    sk_wr_init(&w);
    int rc = write_resp(&w, out, version, resp, &total, &dt, &dp);
    if (rc != SK_OK)
        close_fds_from(resp, dt, dp);
    sk_wr_free(&w);
    return rc;
}

int64_t sk_fetch_resp_size(int16_t version, const sk_fetch_resp_t *resp)
{
    sk_wr_t w;
    int64_t total = 0;
    int32_t dt = 0, dp = 0;
    sk_wr_init(&w);
    int rc = write_resp(&w, NULL, version, resp, &total, &dt, &dp);
    int64_t size = rc == SK_OK ? (int64_t)w.len + total : -1;
    sk_wr_free(&w);
    return size;
}
