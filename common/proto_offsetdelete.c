/* proto_offsetdelete.c - OffsetDelete codec, v0 (see proto_offsetdelete.h). */
#include "proto_offsetdelete.h"

#include "proto_group_int.h"

static int bad_version(int16_t v)
{
    return v < SK_OFFSETDELETE_MIN_VER || v > SK_OFFSETDELETE_MAX_VER;
}

int sk_offsetdelete_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_offsetdelete_req_t *out)
{
    *out = (sk_offsetdelete_req_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    out->GroupId = sk_proto_rd_str_nn(r, 0);
    /* Name (2) + Partitions count (4) */
    int32_t n = sk_proto_rd_count_nn(r, 0, 6);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++) {
        sk_offsetdelete_req_topic_t *t = &out->Topics[i];
        t->Name = sk_proto_rd_str_nn(r, 0);
        int32_t m = sk_proto_rd_count_nn(r, 0, 4);
        t->PartitionsCnt = sk_rd_ok(r) ? m : 0;
        t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
        for (int32_t j = 0; j < t->PartitionsCnt && sk_rd_ok(r); j++)
            t->Partitions[j].PartitionIndex = sk_rd_i32(r);
    }
    return sk_proto_rd_result(r);
}

int sk_offsetdelete_req_encode(sk_wr_t *w, int16_t version, const sk_offsetdelete_req_t *req)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_pg_wr_str_nn(w, 0, req->GroupId, &bad);
    int32_t n = sk_pg_wr_count(w, 0, req->TopicsCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        const sk_offsetdelete_req_topic_t *t = &req->Topics[i];
        sk_pg_wr_str_nn(w, 0, t->Name, &bad);
        int32_t m = sk_pg_wr_count(w, 0, t->PartitionsCnt, 0, &bad);
        for (int32_t j = 0; j < m; j++)
            sk_wr_i32(w, t->Partitions[j].PartitionIndex);
    }
    return sk_pg_wr_end(w, mark, bad);
}

int sk_offsetdelete_resp_encode(sk_wr_t *w, int16_t version, const sk_offsetdelete_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_wr_i16(w, resp->ErrorCode);
    sk_wr_i32(w, resp->ThrottleTimeMs);
    int32_t n = sk_pg_wr_count(w, 0, resp->TopicsCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        const sk_offsetdelete_resp_topic_t *t = &resp->Topics[i];
        sk_pg_wr_str_nn(w, 0, t->Name, &bad);
        int32_t m = sk_pg_wr_count(w, 0, t->PartitionsCnt, 0, &bad);
        for (int32_t j = 0; j < m; j++) {
            sk_wr_i32(w, t->Partitions[j].PartitionIndex);
            sk_wr_i16(w, t->Partitions[j].ErrorCode);
        }
    }
    return sk_pg_wr_end(w, mark, bad);
}

int sk_offsetdelete_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_offsetdelete_resp_t *out)
{
    *out = (sk_offsetdelete_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    out->ErrorCode = sk_rd_i16(r);
    out->ThrottleTimeMs = sk_rd_i32(r);
    int32_t n = sk_proto_rd_count_nn(r, 0, 6);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++) {
        sk_offsetdelete_resp_topic_t *t = &out->Topics[i];
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
