/* proto_produce.c - Produce codec, v0-7 (see proto_produce.h). */
#include "proto_produce.h"

#include "apis.h"
#include "proto_int.h"

#define PR_MIN 0
#define PR_MAX 7

static int bad_version(int16_t v)
{
    return v < PR_MIN || v > PR_MAX;
}

static void rd_req_topic(sk_rd_t *r, int flex, sk_arena_t *a, sk_produce_req_topic_t *t)
{
    t->Name = sk_proto_rd_str_nn(r, flex);
    /* Index int32 + records length (int32 / uvarint) [+ tags] */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 6 : 8);
    t->PartitionDataCnt = sk_rd_ok(r) ? n : 0;
    t->PartitionData = sk_proto_alloc(a, t->PartitionDataCnt, sizeof(*t->PartitionData));
    for (int32_t i = 0; i < t->PartitionDataCnt && sk_rd_ok(r); i++) {
        sk_produce_req_partition_t *p = &t->PartitionData[i];
        p->Index = sk_rd_i32(r);
        p->Records = sk_rd_bytes(r, flex);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
}

int sk_produce_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_produce_req_t *out)
{
    int flex = sk_api_flexible(SK_API_PRODUCE, version);
    *out = (sk_produce_req_t){.TransactionalId = SK_STR_NULL};
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 3)
        out->TransactionalId = sk_rd_str(r, flex);
    out->Acks = sk_rd_i16(r);
    out->TimeoutMs = sk_rd_i32(r);
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
    out->TopicDataCnt = sk_rd_ok(r) ? n : 0;
    out->TopicData = sk_proto_alloc(a, out->TopicDataCnt, sizeof(*out->TopicData));
    for (int32_t i = 0; i < out->TopicDataCnt && sk_rd_ok(r); i++)
        rd_req_topic(r, flex, a, &out->TopicData[i]);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

int sk_produce_req_encode(sk_wr_t *w, int16_t version, const sk_produce_req_t *req)
{
    int flex = sk_api_flexible(SK_API_PRODUCE, version);
    if (bad_version(version) || req->TopicDataCnt < 0)
        return SK_EINVAL;
    if (version >= 3)
        sk_wr_sstr(w, flex, req->TransactionalId);
    sk_wr_i16(w, req->Acks);
    sk_wr_i32(w, req->TimeoutMs);
    sk_wr_arraylen(w, flex, req->TopicDataCnt);
    for (int32_t i = 0; i < req->TopicDataCnt; i++) {
        const sk_produce_req_topic_t *t = &req->TopicData[i];
        if (t->PartitionDataCnt < 0)
            return SK_EINVAL;
        sk_wr_sstr(w, flex, t->Name);
        sk_wr_arraylen(w, flex, t->PartitionDataCnt);
        for (int32_t j = 0; j < t->PartitionDataCnt; j++) {
            const sk_produce_req_partition_t *p = &t->PartitionData[j];
            sk_wr_i32(w, p->Index);
            sk_wr_bytes(w, flex, p->Records.p, p->Records.len);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_produce_resp_encode(sk_wr_t *w, int16_t version, const sk_produce_resp_t *resp)
{
    int flex = sk_api_flexible(SK_API_PRODUCE, version);
    if (bad_version(version) || resp->ResponsesCnt < 0)
        return SK_EINVAL;
    sk_wr_arraylen(w, flex, resp->ResponsesCnt);
    for (int32_t i = 0; i < resp->ResponsesCnt; i++) {
        const sk_produce_resp_topic_t *t = &resp->Responses[i];
        if (t->PartitionResponsesCnt < 0)
            return SK_EINVAL;
        sk_wr_sstr(w, flex, t->Name);
        sk_wr_arraylen(w, flex, t->PartitionResponsesCnt);
        for (int32_t j = 0; j < t->PartitionResponsesCnt; j++) {
            const sk_produce_resp_partition_t *p = &t->PartitionResponses[j];
            sk_wr_i32(w, p->Index);
            sk_wr_i16(w, p->ErrorCode);
            sk_wr_i64(w, p->BaseOffset);
            if (version >= 2)
                sk_wr_i64(w, p->LogAppendTimeMs);
            if (version >= 5)
                sk_wr_i64(w, p->LogStartOffset);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    if (version >= 1)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_produce_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_produce_resp_t *out)
{
    int flex = sk_api_flexible(SK_API_PRODUCE, version);
    *out = (sk_produce_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
    out->ResponsesCnt = sk_rd_ok(r) ? n : 0;
    out->Responses = sk_proto_alloc(a, out->ResponsesCnt, sizeof(*out->Responses));
    for (int32_t i = 0; i < out->ResponsesCnt && sk_rd_ok(r); i++) {
        sk_produce_resp_topic_t *t = &out->Responses[i];
        t->Name = sk_proto_rd_str_nn(r, flex);
        int32_t m = sk_proto_rd_count_nn(r, flex, 14);
        t->PartitionResponsesCnt = sk_rd_ok(r) ? m : 0;
        t->PartitionResponses = sk_proto_alloc(a, t->PartitionResponsesCnt,
                                               sizeof(*t->PartitionResponses));
        for (int32_t j = 0; j < t->PartitionResponsesCnt && sk_rd_ok(r); j++) {
            sk_produce_resp_partition_t *p = &t->PartitionResponses[j];
            p->Index = sk_rd_i32(r);
            p->ErrorCode = sk_rd_i16(r);
            p->BaseOffset = sk_rd_i64(r);
            p->LogAppendTimeMs = version >= 2 ? sk_rd_i64(r) : -1;
            p->LogStartOffset = version >= 5 ? sk_rd_i64(r) : -1;
            sk_rd_tags(r, flex);
        }
        sk_rd_tags(r, flex);
    }
    if (version >= 1)
        out->ThrottleTimeMs = sk_rd_i32(r);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}
