/* proto_offsetforleaderepoch.c - OffsetForLeaderEpoch codec, v2-4 (see
 * proto_offsetforleaderepoch.h). */
#include "proto_offsetforleaderepoch.h"

#include "proto_int.h"

static int bad_version(int16_t v)
{
    return v < SK_OFFSETFORLEADEREPOCH_MIN_VER || v > SK_OFFSETFORLEADEREPOCH_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_OFFSETFORLEADEREPOCH_FLEX_VER;
}

int sk_offsetforleaderepoch_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                       sk_offsetforleaderepoch_req_t *out)
{
    *out = (sk_offsetforleaderepoch_req_t){.ReplicaId = SK_OFFSETFORLEADEREPOCH_DEBUGGING};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    if (version >= 3)
        out->ReplicaId = sk_rd_i32(r);
    /* Topic + Partitions count [+ tags]: 3 flexible, 6 classic. */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++) {
        sk_offsetforleaderepoch_req_topic_t *t = &out->Topics[i];
        t->Topic = sk_proto_rd_str_nn(r, flex);
        /* three int32 [+ tags] */
        int32_t m = sk_proto_rd_count_nn(r, flex, 12);
        t->PartitionsCnt = sk_rd_ok(r) ? m : 0;
        t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
        for (int32_t j = 0; j < t->PartitionsCnt && sk_rd_ok(r); j++) {
            sk_offsetforleaderepoch_req_partition_t *p = &t->Partitions[j];
            p->Partition = sk_rd_i32(r);
            p->CurrentLeaderEpoch = sk_rd_i32(r);
            p->LeaderEpoch = sk_rd_i32(r);
            sk_rd_tags(r, flex);
        }
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

int sk_offsetforleaderepoch_req_encode(sk_wr_t *w, int16_t version,
                                       const sk_offsetforleaderepoch_req_t *req)
{
    if (bad_version(version) || req->TopicsCnt < 0)
        return SK_EINVAL;
    for (int32_t i = 0; i < req->TopicsCnt; i++)
        if (req->Topics[i].Topic.len < 0 || req->Topics[i].PartitionsCnt < 0)
            return SK_EINVAL;
    int flex = is_flex(version);
    if (version >= 3)
        sk_wr_i32(w, req->ReplicaId);
    sk_wr_arraylen(w, flex, req->TopicsCnt);
    for (int32_t i = 0; i < req->TopicsCnt; i++) {
        const sk_offsetforleaderepoch_req_topic_t *t = &req->Topics[i];
        sk_wr_sstr(w, flex, t->Topic);
        sk_wr_arraylen(w, flex, t->PartitionsCnt);
        for (int32_t j = 0; j < t->PartitionsCnt; j++) {
            sk_wr_i32(w, t->Partitions[j].Partition);
            sk_wr_i32(w, t->Partitions[j].CurrentLeaderEpoch);
            sk_wr_i32(w, t->Partitions[j].LeaderEpoch);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_offsetforleaderepoch_resp_encode(sk_wr_t *w, int16_t version,
                                        const sk_offsetforleaderepoch_resp_t *resp)
{
    if (bad_version(version) || resp->TopicsCnt < 0)
        return SK_EINVAL;
    for (int32_t i = 0; i < resp->TopicsCnt; i++)
        if (resp->Topics[i].Topic.len < 0 || resp->Topics[i].PartitionsCnt < 0)
            return SK_EINVAL;
    int flex = is_flex(version);
    sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_arraylen(w, flex, resp->TopicsCnt);
    for (int32_t i = 0; i < resp->TopicsCnt; i++) {
        const sk_offsetforleaderepoch_resp_topic_t *t = &resp->Topics[i];
        sk_wr_sstr(w, flex, t->Topic);
        sk_wr_arraylen(w, flex, t->PartitionsCnt);
        for (int32_t j = 0; j < t->PartitionsCnt; j++) {
            const sk_offsetforleaderepoch_resp_partition_t *p = &t->Partitions[j];
            sk_wr_i16(w, p->ErrorCode);
            sk_wr_i32(w, p->Partition);
            sk_wr_i32(w, p->LeaderEpoch);
            sk_wr_i64(w, p->EndOffset);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_offsetforleaderepoch_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                        sk_offsetforleaderepoch_resp_t *out)
{
    *out = (sk_offsetforleaderepoch_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->ThrottleTimeMs = sk_rd_i32(r);
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++) {
        sk_offsetforleaderepoch_resp_topic_t *t = &out->Topics[i];
        t->Topic = sk_proto_rd_str_nn(r, flex);
        /* ErrorCode + Partition + LeaderEpoch + EndOffset [+ tags]: 18. */
        int32_t m = sk_proto_rd_count_nn(r, flex, 18);
        t->PartitionsCnt = sk_rd_ok(r) ? m : 0;
        t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
        for (int32_t j = 0; j < t->PartitionsCnt && sk_rd_ok(r); j++) {
            sk_offsetforleaderepoch_resp_partition_t *p = &t->Partitions[j];
            p->ErrorCode = sk_rd_i16(r);
            p->Partition = sk_rd_i32(r);
            p->LeaderEpoch = sk_rd_i32(r);
            p->EndOffset = sk_rd_i64(r);
            sk_rd_tags(r, flex);
        }
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}
