/* proto_electleaders.c - ElectLeaders codec, v0-2 (see proto_electleaders.h). */
#include "proto_electleaders.h"

#include "proto_int.h"

static int bad_version(int16_t v)
{
    return v < SK_ELECTLEADERS_MIN_VER || v > SK_ELECTLEADERS_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_ELECTLEADERS_FLEX_VER;
}

int sk_electleaders_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_electleaders_req_t *out)
{
    *out = (sk_electleaders_req_t){.TimeoutMs = 60000};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    if (version >= 1)
        out->ElectionType = sk_rd_i8(r);
    /* Topic (>= 1 byte) + Partitions count (>= 1 byte) [+ tags]. */
    int32_t n = sk_proto_rd_count(r, flex, 2);
    out->TopicPartitionsCnt = sk_rd_ok(r) ? n : 0;
    out->TopicPartitions = sk_proto_alloc(a, out->TopicPartitionsCnt,
                                          sizeof(*out->TopicPartitions));
    for (int32_t i = 0; i < out->TopicPartitionsCnt && sk_rd_ok(r); i++) {
        sk_electleaders_req_topic_t *t = &out->TopicPartitions[i];
        t->Topic = sk_proto_rd_str_nn(r, flex);
        sk_proto_rd_i32s(r, flex, a, 0, &t->Partitions, &t->PartitionsCnt);
        sk_rd_tags(r, flex);
    }
    out->TimeoutMs = sk_rd_i32(r);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

int sk_electleaders_req_encode(sk_wr_t *w, int16_t version, const sk_electleaders_req_t *req)
{
    if (bad_version(version) || req->TopicPartitionsCnt < -1 ||
        (version == 0 && req->ElectionType != SK_ELECTION_PREFERRED))
        return SK_EINVAL;
    for (int32_t i = 0; i < req->TopicPartitionsCnt; i++)
        if (req->TopicPartitions[i].Topic.len < 0 || req->TopicPartitions[i].PartitionsCnt < 0)
            return SK_EINVAL;
    int flex = is_flex(version);
    if (version >= 1)
        sk_wr_i8(w, req->ElectionType);
    sk_wr_arraylen(w, flex, req->TopicPartitionsCnt);
    for (int32_t i = 0; i < req->TopicPartitionsCnt; i++) {
        const sk_electleaders_req_topic_t *t = &req->TopicPartitions[i];
        sk_wr_sstr(w, flex, t->Topic);
        sk_proto_wr_i32s(w, flex, t->Partitions, t->PartitionsCnt);
        sk_wr_tags(w, flex);
    }
    sk_wr_i32(w, req->TimeoutMs);
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_electleaders_resp_encode(sk_wr_t *w, int16_t version, const sk_electleaders_resp_t *resp)
{
    if (bad_version(version) || resp->ReplicaElectionResultsCnt < 0)
        return SK_EINVAL;
    for (int32_t i = 0; i < resp->ReplicaElectionResultsCnt; i++) {
        const sk_electleaders_result_t *t = &resp->ReplicaElectionResults[i];
        if (t->Topic.len < 0 || t->PartitionResultCnt < 0)
            return SK_EINVAL;
    }
    int flex = is_flex(version);
    sk_wr_i32(w, resp->ThrottleTimeMs);
    if (version >= 1)
        sk_wr_i16(w, resp->ErrorCode);
    sk_wr_arraylen(w, flex, resp->ReplicaElectionResultsCnt);
    for (int32_t i = 0; i < resp->ReplicaElectionResultsCnt; i++) {
        const sk_electleaders_result_t *t = &resp->ReplicaElectionResults[i];
        sk_wr_sstr(w, flex, t->Topic);
        sk_wr_arraylen(w, flex, t->PartitionResultCnt);
        for (int32_t j = 0; j < t->PartitionResultCnt; j++) {
            const sk_electleaders_partition_result_t *p = &t->PartitionResult[j];
            sk_wr_i32(w, p->PartitionId);
            sk_wr_i16(w, p->ErrorCode);
            sk_wr_sstr(w, flex, p->ErrorMessage);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_electleaders_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_electleaders_resp_t *out)
{
    *out = (sk_electleaders_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->ThrottleTimeMs = sk_rd_i32(r);
    if (version >= 1)
        out->ErrorCode = sk_rd_i16(r);
    /* Topic (>= 1) + results count (>= 1) [+ tags]. */
    int32_t n = sk_proto_rd_count_nn(r, flex, 2);
    out->ReplicaElectionResultsCnt = sk_rd_ok(r) ? n : 0;
    out->ReplicaElectionResults = sk_proto_alloc(a, out->ReplicaElectionResultsCnt,
                                                 sizeof(*out->ReplicaElectionResults));
    for (int32_t i = 0; i < out->ReplicaElectionResultsCnt && sk_rd_ok(r); i++) {
        sk_electleaders_result_t *t = &out->ReplicaElectionResults[i];
        t->Topic = sk_proto_rd_str_nn(r, flex);
        /* PartitionId 4 + ErrorCode 2 + ErrorMessage >= 1 [+ tags]. */
        int32_t m = sk_proto_rd_count_nn(r, flex, 7);
        t->PartitionResultCnt = sk_rd_ok(r) ? m : 0;
        t->PartitionResult = sk_proto_alloc(a, t->PartitionResultCnt,
                                            sizeof(*t->PartitionResult));
        for (int32_t j = 0; j < t->PartitionResultCnt && sk_rd_ok(r); j++) {
            sk_electleaders_partition_result_t *p = &t->PartitionResult[j];
            p->PartitionId = sk_rd_i32(r);
            p->ErrorCode = sk_rd_i16(r);
            p->ErrorMessage = sk_rd_str(r, flex);
            sk_rd_tags(r, flex);
        }
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}
