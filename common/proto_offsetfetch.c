/* proto_offsetfetch.c - OffsetFetch codec, v1-7 (see proto_offsetfetch.h). */
#include "proto_offsetfetch.h"

#include "proto_group_int.h"

static int bad_version(int16_t v)
{
    return v < SK_OFFSETFETCH_MIN_VER || v > SK_OFFSETFETCH_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_OFFSETFETCH_FLEX_VER;
}

int sk_offsetfetch_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                              sk_offsetfetch_req_t *out)
{
    *out = (sk_offsetfetch_req_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->GroupId = sk_proto_rd_str_nn(r, flex);
    /* Name + PartitionIndexes count [+ tags]: 3 flexible, 6 classic */
    int32_t n = sk_proto_rd_count(r, flex, flex ? 3 : 6);
    if (n < 0 && version < 2)
        sk_rd_fail(r);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++) {
        sk_offsetfetch_req_topic_t *t = &out->Topics[i];
        t->Name = sk_proto_rd_str_nn(r, flex);
        sk_proto_rd_i32s(r, flex, a, 0, &t->PartitionIndexes, &t->PartitionIndexesCnt);
        sk_rd_tags(r, flex);
    }
    if (version >= 7)
        out->RequireStable = sk_rd_bool(r);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

int sk_offsetfetch_req_encode(sk_wr_t *w, int16_t version, const sk_offsetfetch_req_t *req)
{
    if (bad_version(version) || (version < 7 && req->RequireStable))
        return SK_EINVAL;
    int flex = is_flex(version);
    size_t mark = w->len;
    int bad = 0;
    sk_pg_wr_str_nn(w, flex, req->GroupId, &bad);
    int32_t n = sk_pg_wr_count(w, flex, req->TopicsCnt, version >= 2, &bad);
    for (int32_t i = 0; i < n; i++) {
        const sk_offsetfetch_req_topic_t *t = &req->Topics[i];
        sk_pg_wr_str_nn(w, flex, t->Name, &bad);
        if (t->PartitionIndexesCnt < 0)
            bad = 1;
        else
            sk_proto_wr_i32s(w, flex, t->PartitionIndexes, t->PartitionIndexesCnt);
        sk_wr_tags(w, flex);
    }
    if (version >= 7)
        sk_wr_bool(w, req->RequireStable);
    sk_wr_tags(w, flex);
    return sk_pg_wr_end(w, mark, bad);
}

int sk_offsetfetch_resp_encode(sk_wr_t *w, int16_t version, const sk_offsetfetch_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    size_t mark = w->len;
    int bad = 0;
    if (version >= 3)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    int32_t n = sk_pg_wr_count(w, flex, resp->TopicsCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        const sk_offsetfetch_resp_topic_t *t = &resp->Topics[i];
        sk_pg_wr_str_nn(w, flex, t->Name, &bad);
        int32_t m = sk_pg_wr_count(w, flex, t->PartitionsCnt, 0, &bad);
        for (int32_t j = 0; j < m; j++) {
            const sk_offsetfetch_resp_partition_t *p = &t->Partitions[j];
            sk_wr_i32(w, p->PartitionIndex);
            sk_wr_i64(w, p->CommittedOffset);
            if (version >= 5)
                sk_wr_i32(w, p->CommittedLeaderEpoch);
            sk_wr_sstr(w, flex, p->Metadata);
            sk_wr_i16(w, p->ErrorCode);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    if (version >= 2)
        sk_wr_i16(w, resp->ErrorCode);
    sk_wr_tags(w, flex);
    return sk_pg_wr_end(w, mark, bad);
}

int sk_offsetfetch_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_offsetfetch_resp_t *out)
{
    *out = (sk_offsetfetch_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    if (version >= 3)
        out->ThrottleTimeMs = sk_rd_i32(r);
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    /* PartitionIndex + CommittedOffset [+ epoch] + Metadata + ErrorCode
     * [+ tags] */
    size_t pmin = flex ? 20 : (version >= 5 ? 20 : 16);
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++) {
        sk_offsetfetch_resp_topic_t *t = &out->Topics[i];
        t->Name = sk_proto_rd_str_nn(r, flex);
        int32_t m = sk_proto_rd_count_nn(r, flex, pmin);
        t->PartitionsCnt = sk_rd_ok(r) ? m : 0;
        t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
        for (int32_t j = 0; j < t->PartitionsCnt && sk_rd_ok(r); j++) {
            sk_offsetfetch_resp_partition_t *p = &t->Partitions[j];
            p->PartitionIndex = sk_rd_i32(r);
            p->CommittedOffset = sk_rd_i64(r);
            p->CommittedLeaderEpoch = version >= 5 ? sk_rd_i32(r) : -1;
            p->Metadata = sk_rd_str(r, flex);
            p->ErrorCode = sk_rd_i16(r);
            sk_rd_tags(r, flex);
        }
        sk_rd_tags(r, flex);
    }
    if (version >= 2)
        out->ErrorCode = sk_rd_i16(r);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}
