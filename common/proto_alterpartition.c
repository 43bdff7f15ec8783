/* proto_alterpartition.c - AlterPartition codec, v0-1 (see proto_alterpartition.h). */
#include "proto_alterpartition.h"

#include "proto_int.h"

static int bad_version(int16_t v)
{
    return v < SK_ALTERPARTITION_MIN_VER || v > SK_ALTERPARTITION_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_ALTERPARTITION_FLEX_VER;
}

/* ---- request ---- */

static void rd_req_topic(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a,
                         sk_alterpartition_req_topic_t *t)
{
    t->TopicName = sk_proto_rd_str_nn(r, flex);
    /* PartitionIndex + LeaderEpoch + NewIsr + PartitionEpoch + tags: 14. */
    int32_t n = sk_proto_rd_count_nn(r, flex, 14);
    t->PartitionsCnt = sk_rd_ok(r) ? n : 0;
    t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
    for (int32_t i = 0; i < t->PartitionsCnt && sk_rd_ok(r); i++) {
        sk_alterpartition_req_partition_t *p = &t->Partitions[i];
        p->PartitionIndex = sk_rd_i32(r);
        p->LeaderEpoch = sk_rd_i32(r);
        sk_proto_rd_i32s(r, flex, a, 0, &p->NewIsr, &p->NewIsrCnt);
        if (version >= 1)
            p->LeaderRecoveryState = sk_rd_i8(r);
        p->PartitionEpoch = sk_rd_i32(r);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
}

int sk_alterpartition_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                 sk_alterpartition_req_t *out)
{
    *out = (sk_alterpartition_req_t){.BrokerEpoch = -1};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->BrokerId = sk_rd_i32(r);
    out->BrokerEpoch = sk_rd_i64(r);
    /* TopicName + Partitions count + tags: 3. */
    int32_t n = sk_proto_rd_count_nn(r, flex, 3);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++)
        rd_req_topic(r, version, flex, a, &out->Topics[i]);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

static int valid_req(int16_t version, const sk_alterpartition_req_t *req)
{
    if (req->TopicsCnt < 0)
        return 0;
    for (int32_t i = 0; i < req->TopicsCnt; i++) {
        const sk_alterpartition_req_topic_t *t = &req->Topics[i];
        if (t->TopicName.len < 0 || t->PartitionsCnt < 0)
            return 0;
        for (int32_t j = 0; j < t->PartitionsCnt; j++) {
            const sk_alterpartition_req_partition_t *p = &t->Partitions[j];
            if (p->NewIsrCnt < 0 || (version < 1 && p->LeaderRecoveryState != 0))
                return 0;
        }
    }
    return 1;
}

int sk_alterpartition_req_encode(sk_wr_t *w, int16_t version, const sk_alterpartition_req_t *req)
{
    if (bad_version(version) || !valid_req(version, req))
        return SK_EINVAL;
    int flex = is_flex(version);
    sk_wr_i32(w, req->BrokerId);
    sk_wr_i64(w, req->BrokerEpoch);
    sk_wr_arraylen(w, flex, req->TopicsCnt);
    for (int32_t i = 0; i < req->TopicsCnt; i++) {
        const sk_alterpartition_req_topic_t *t = &req->Topics[i];
        sk_wr_sstr(w, flex, t->TopicName);
        sk_wr_arraylen(w, flex, t->PartitionsCnt);
        for (int32_t j = 0; j < t->PartitionsCnt; j++) {
            const sk_alterpartition_req_partition_t *p = &t->Partitions[j];
            sk_wr_i32(w, p->PartitionIndex);
            sk_wr_i32(w, p->LeaderEpoch);
            sk_proto_wr_i32s(w, flex, p->NewIsr, p->NewIsrCnt);
            if (version >= 1)
                sk_wr_i8(w, p->LeaderRecoveryState);
            sk_wr_i32(w, p->PartitionEpoch);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

/* ---- response ---- */

static void rd_resp_topic(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a,
                          sk_alterpartition_resp_topic_t *t)
{
    t->TopicName = sk_proto_rd_str_nn(r, flex);
    /* PartitionIndex + ErrorCode + LeaderId + LeaderEpoch + Isr +
     * PartitionEpoch + tags: 20. */
    int32_t n = sk_proto_rd_count_nn(r, flex, 20);
    t->PartitionsCnt = sk_rd_ok(r) ? n : 0;
    t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
    for (int32_t i = 0; i < t->PartitionsCnt && sk_rd_ok(r); i++) {
        sk_alterpartition_resp_partition_t *p = &t->Partitions[i];
        p->PartitionIndex = sk_rd_i32(r);
        p->ErrorCode = sk_rd_i16(r);
        p->LeaderId = sk_rd_i32(r);
        p->LeaderEpoch = sk_rd_i32(r);
        sk_proto_rd_i32s(r, flex, a, 0, &p->Isr, &p->IsrCnt);
        if (version >= 1)
            p->LeaderRecoveryState = sk_rd_i8(r);
        p->PartitionEpoch = sk_rd_i32(r);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
}

int sk_alterpartition_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_alterpartition_resp_t *out)
{
    *out = (sk_alterpartition_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->ThrottleTimeMs = sk_rd_i32(r);
    out->ErrorCode = sk_rd_i16(r);
    int32_t n = sk_proto_rd_count_nn(r, flex, 3);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++)
        rd_resp_topic(r, version, flex, a, &out->Topics[i]);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

static int valid_resp(const sk_alterpartition_resp_t *resp)
{
    if (resp->TopicsCnt < 0)
        return 0;
    for (int32_t i = 0; i < resp->TopicsCnt; i++) {
        const sk_alterpartition_resp_topic_t *t = &resp->Topics[i];
        if (t->TopicName.len < 0 || t->PartitionsCnt < 0)
            return 0;
        for (int32_t j = 0; j < t->PartitionsCnt; j++)
            if (t->Partitions[j].IsrCnt < 0)
                return 0;
    }
    return 1;
}

int sk_alterpartition_resp_encode(sk_wr_t *w, int16_t version,
                                  const sk_alterpartition_resp_t *resp)
{
    if (bad_version(version) || !valid_resp(resp))
        return SK_EINVAL;
    int flex = is_flex(version);
    sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_i16(w, resp->ErrorCode);
    sk_wr_arraylen(w, flex, resp->TopicsCnt);
    for (int32_t i = 0; i < resp->TopicsCnt; i++) {
        const sk_alterpartition_resp_topic_t *t = &resp->Topics[i];
        sk_wr_sstr(w, flex, t->TopicName);
        sk_wr_arraylen(w, flex, t->PartitionsCnt);
        for (int32_t j = 0; j < t->PartitionsCnt; j++) {
            const sk_alterpartition_resp_partition_t *p = &t->Partitions[j];
            sk_wr_i32(w, p->PartitionIndex);
            sk_wr_i16(w, p->ErrorCode);
            sk_wr_i32(w, p->LeaderId);
            sk_wr_i32(w, p->LeaderEpoch);
            sk_proto_wr_i32s(w, flex, p->Isr, p->IsrCnt);
            if (version >= 1)
                sk_wr_i8(w, p->LeaderRecoveryState);
            sk_wr_i32(w, p->PartitionEpoch);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}
