/* proto_listoffsets.c - ListOffsets codec, v0-2 (see proto_listoffsets.h). */
#include "proto_listoffsets.h"

#include "apis.h"
#include "proto_int.h"

#define LO_MIN 0
#define LO_MAX 2

static int bad_version(int16_t v)
{
    return v < LO_MIN || v > LO_MAX;
}

int sk_listoffsets_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                              sk_listoffsets_req_t *out)
{
    int flex = sk_api_flexible(SK_API_LIST_OFFSETS, version);
    *out = (sk_listoffsets_req_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    out->ReplicaId = sk_rd_i32(r);
    if (version >= 2)
        out->IsolationLevel = sk_rd_i8(r);
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++) {
        sk_listoffsets_req_topic_t *t = &out->Topics[i];
        t->Name = sk_proto_rd_str_nn(r, flex);
        int32_t m = sk_proto_rd_count_nn(r, flex, 12);
        t->PartitionsCnt = sk_rd_ok(r) ? m : 0;
        t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
        for (int32_t j = 0; j < t->PartitionsCnt && sk_rd_ok(r); j++) {
            sk_listoffsets_req_partition_t *p = &t->Partitions[j];
            p->PartitionIndex = sk_rd_i32(r);
            p->Timestamp = sk_rd_i64(r);
            p->MaxNumOffsets = version == 0 ? sk_rd_i32(r) : 1;
            sk_rd_tags(r, flex);
        }
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

int sk_listoffsets_req_encode(sk_wr_t *w, int16_t version, const sk_listoffsets_req_t *req)
{
    int flex = sk_api_flexible(SK_API_LIST_OFFSETS, version);
    if (bad_version(version) || req->TopicsCnt < 0)
        return SK_EINVAL;
    sk_wr_i32(w, req->ReplicaId);
    if (version >= 2)
        sk_wr_i8(w, req->IsolationLevel);
    sk_wr_arraylen(w, flex, req->TopicsCnt);
    for (int32_t i = 0; i < req->TopicsCnt; i++) {
        const sk_listoffsets_req_topic_t *t = &req->Topics[i];
        if (t->PartitionsCnt < 0)
            return SK_EINVAL;
        sk_wr_sstr(w, flex, t->Name);
        sk_wr_arraylen(w, flex, t->PartitionsCnt);
        for (int32_t j = 0; j < t->PartitionsCnt; j++) {
            const sk_listoffsets_req_partition_t *p = &t->Partitions[j];
            sk_wr_i32(w, p->PartitionIndex);
            sk_wr_i64(w, p->Timestamp);
            if (version == 0)
                sk_wr_i32(w, p->MaxNumOffsets);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_listoffsets_resp_encode(sk_wr_t *w, int16_t version, const sk_listoffsets_resp_t *resp)
{
    int flex = sk_api_flexible(SK_API_LIST_OFFSETS, version);
    if (bad_version(version) || resp->TopicsCnt < 0)
        return SK_EINVAL;
    if (version >= 2)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_arraylen(w, flex, resp->TopicsCnt);
    for (int32_t i = 0; i < resp->TopicsCnt; i++) {
        const sk_listoffsets_resp_topic_t *t = &resp->Topics[i];
        if (t->PartitionsCnt < 0)
            return SK_EINVAL;
        sk_wr_sstr(w, flex, t->Name);
        sk_wr_arraylen(w, flex, t->PartitionsCnt);
        for (int32_t j = 0; j < t->PartitionsCnt; j++) {
            const sk_listoffsets_resp_partition_t *p = &t->Partitions[j];
            sk_wr_i32(w, p->PartitionIndex);
            sk_wr_i16(w, p->ErrorCode);
            if (version == 0) {
                int32_t cnt = p->OldStyleOffsetsCnt < 0 ? 0 : p->OldStyleOffsetsCnt;
                sk_wr_arraylen(w, flex, cnt);
                for (int32_t k = 0; k < cnt; k++)
                    sk_wr_i64(w, p->OldStyleOffsets[k]);
            } else {
                sk_wr_i64(w, p->Timestamp);
                sk_wr_i64(w, p->Offset);
            }
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

static void rd_resp_partition(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a,
                              sk_listoffsets_resp_partition_t *p)
{
    p->PartitionIndex = sk_rd_i32(r);
    p->ErrorCode = sk_rd_i16(r);
    p->Timestamp = -1;
    p->Offset = -1;
    if (version == 0) {
        int32_t n = sk_proto_rd_count_nn(r, flex, 8);
        p->OldStyleOffsetsCnt = sk_rd_ok(r) ? n : 0;
        p->OldStyleOffsets = sk_proto_alloc(a, p->OldStyleOffsetsCnt, sizeof(int64_t));
        for (int32_t k = 0; k < p->OldStyleOffsetsCnt && sk_rd_ok(r); k++)
            p->OldStyleOffsets[k] = sk_rd_i64(r);
    } else {
        p->Timestamp = sk_rd_i64(r);
        p->Offset = sk_rd_i64(r);
    }
    sk_rd_tags(r, flex);
}

int sk_listoffsets_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_listoffsets_resp_t *out)
{
    int flex = sk_api_flexible(SK_API_LIST_OFFSETS, version);
    *out = (sk_listoffsets_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 2)
        out->ThrottleTimeMs = sk_rd_i32(r);
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++) {
        sk_listoffsets_resp_topic_t *t = &out->Topics[i];
        t->Name = sk_proto_rd_str_nn(r, flex);
        int32_t m = sk_proto_rd_count_nn(r, flex, 7);
        t->PartitionsCnt = sk_rd_ok(r) ? m : 0;
        t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
        for (int32_t j = 0; j < t->PartitionsCnt && sk_rd_ok(r); j++)
            rd_resp_partition(r, version, flex, a, &t->Partitions[j]);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}
