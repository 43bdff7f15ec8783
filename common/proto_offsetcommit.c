/* proto_offsetcommit.c - OffsetCommit codec, v2-7 (see proto_offsetcommit.h). */
#include "proto_offsetcommit.h"

#include "proto_group_int.h"

static int bad_version(int16_t v)
{
    return v < SK_OFFSETCOMMIT_MIN_VER || v > SK_OFFSETCOMMIT_MAX_VER;
}

static void rd_req_topic(sk_rd_t *r, int16_t version, sk_arena_t *a,
                         sk_offsetcommit_req_topic_t *t)
{
    t->Name = sk_proto_rd_str_nn(r, 0);
    /* PartitionIndex + CommittedOffset [+ epoch] + CommittedMetadata */
    int32_t n = sk_proto_rd_count_nn(r, 0, version >= 6 ? 18 : 14);
    t->PartitionsCnt = sk_rd_ok(r) ? n : 0;
    t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
    for (int32_t i = 0; i < t->PartitionsCnt && sk_rd_ok(r); i++) {
        sk_offsetcommit_req_partition_t *p = &t->Partitions[i];
        p->PartitionIndex = sk_rd_i32(r);
        p->CommittedOffset = sk_rd_i64(r);
        p->CommittedLeaderEpoch = version >= 6 ? sk_rd_i32(r) : -1;
        p->CommittedMetadata = sk_rd_str(r, 0);
    }
}

int sk_offsetcommit_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_offsetcommit_req_t *out)
{
    *out = (sk_offsetcommit_req_t){.GroupInstanceId = SK_STR_NULL, .RetentionTimeMs = -1};
    if (bad_version(version))
        return SK_EINVAL;
    out->GroupId = sk_proto_rd_str_nn(r, 0);
    out->GenerationIdOrMemberEpoch = sk_rd_i32(r);
    out->MemberId = sk_proto_rd_str_nn(r, 0);
    if (version >= 7)
        out->GroupInstanceId = sk_rd_str(r, 0);
    if (version <= 4)
        out->RetentionTimeMs = sk_rd_i64(r);
    /* Name (2) + Partitions count (4) */
    int32_t n = sk_proto_rd_count_nn(r, 0, 6);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++)
        rd_req_topic(r, version, a, &out->Topics[i]);
    return sk_proto_rd_result(r);
}

int sk_offsetcommit_req_encode(sk_wr_t *w, int16_t version, const sk_offsetcommit_req_t *req)
{
    if (bad_version(version) || (version < 7 && req->GroupInstanceId.len > 0))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_pg_wr_str_nn(w, 0, req->GroupId, &bad);
    sk_wr_i32(w, req->GenerationIdOrMemberEpoch);
    sk_pg_wr_str_nn(w, 0, req->MemberId, &bad);
    if (version >= 7)
        sk_wr_sstr(w, 0, req->GroupInstanceId);
    if (version <= 4)
        sk_wr_i64(w, req->RetentionTimeMs);
    int32_t n = sk_pg_wr_count(w, 0, req->TopicsCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        const sk_offsetcommit_req_topic_t *t = &req->Topics[i];
        sk_pg_wr_str_nn(w, 0, t->Name, &bad);
        int32_t m = sk_pg_wr_count(w, 0, t->PartitionsCnt, 0, &bad);
        for (int32_t j = 0; j < m; j++) {
            const sk_offsetcommit_req_partition_t *p = &t->Partitions[j];
            sk_wr_i32(w, p->PartitionIndex);
            sk_wr_i64(w, p->CommittedOffset);
            if (version >= 6)
                sk_wr_i32(w, p->CommittedLeaderEpoch);
            sk_wr_sstr(w, 0, p->CommittedMetadata);
        }
    }
    return sk_pg_wr_end(w, mark, bad);
}

int sk_offsetcommit_resp_encode(sk_wr_t *w, int16_t version, const sk_offsetcommit_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    if (version >= 3)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    int32_t n = sk_pg_wr_count(w, 0, resp->TopicsCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        const sk_offsetcommit_resp_topic_t *t = &resp->Topics[i];
        sk_pg_wr_str_nn(w, 0, t->Name, &bad);
        int32_t m = sk_pg_wr_count(w, 0, t->PartitionsCnt, 0, &bad);
        for (int32_t j = 0; j < m; j++) {
            sk_wr_i32(w, t->Partitions[j].PartitionIndex);
            sk_wr_i16(w, t->Partitions[j].ErrorCode);
        }
    }
    return sk_pg_wr_end(w, mark, bad);
}

int sk_offsetcommit_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_offsetcommit_resp_t *out)
{
    *out = (sk_offsetcommit_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 3)
        out->ThrottleTimeMs = sk_rd_i32(r);
    int32_t n = sk_proto_rd_count_nn(r, 0, 6);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++) {
        sk_offsetcommit_resp_topic_t *t = &out->Topics[i];
        t->Name = sk_proto_rd_str_nn(r, 0);
        /* PartitionIndex (4) + ErrorCode (2) */
        int32_t m = sk_proto_rd_count_nn(r, 0, 6);
        t->PartitionsCnt = sk_rd_ok(r) ? m : 0;
        t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
        for (int32_t j = 0; j < t->PartitionsCnt && sk_rd_ok(r); j++) {
            t->Partitions[j].PartitionIndex = sk_rd_i32(r);
            t->Partitions[j].ErrorCode = sk_rd_i16(r);
        }
    }
    return sk_proto_rd_result(r);
}
