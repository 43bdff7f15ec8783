/* proto_createpartitions.c - CreatePartitions codec, v0-1 (see
 * proto_createpartitions.h). Written against the flexible encoding too
 * (is_flex), so extending the range to v2-3 is a constant change. */
#include "proto_createpartitions.h"

#include "proto_int.h"

static int bad_version(int16_t v)
{
    return v < SK_CREATEPARTITIONS_MIN_VER || v > SK_CREATEPARTITIONS_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_CREATEPARTITIONS_FLEX_VER;
}

static void rd_topic(sk_rd_t *r, int flex, sk_arena_t *a, sk_createpartitions_topic_t *t)
{
    t->Name = sk_proto_rd_str_nn(r, flex);
    t->Count = sk_rd_i32(r);
    /* BrokerIds count [+ tags]: 2 flexible, 4 classic; nullable list. */
    int32_t n = sk_proto_rd_count(r, flex, flex ? 2 : 4);
    t->AssignmentsCnt = sk_rd_ok(r) ? n : 0;
    t->Assignments = sk_proto_alloc(a, t->AssignmentsCnt, sizeof(*t->Assignments));
    for (int32_t i = 0; i < t->AssignmentsCnt && sk_rd_ok(r); i++) {
        sk_createpartitions_assignment_t *as = &t->Assignments[i];
        sk_proto_rd_i32s(r, flex, a, 0, &as->BrokerIds, &as->BrokerIdsCnt);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
}

int sk_createpartitions_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                   sk_createpartitions_req_t *out)
{
    *out = (sk_createpartitions_req_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    /* Name + Count + Assignments count [+ tags]: 7 flexible, 10 classic. */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 7 : 10);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++)
        rd_topic(r, flex, a, &out->Topics[i]);
    out->TimeoutMs = sk_rd_i32(r);
    out->ValidateOnly = sk_rd_bool(r);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

static int valid_req(const sk_createpartitions_req_t *req)
{
    if (req->TopicsCnt < 0)
        return 0;
    for (int32_t i = 0; i < req->TopicsCnt; i++) {
        const sk_createpartitions_topic_t *t = &req->Topics[i];
        if (t->Name.len < 0 || t->AssignmentsCnt < -1)
            return 0;
        for (int32_t j = 0; j < t->AssignmentsCnt; j++)
            if (t->Assignments[j].BrokerIdsCnt < 0)
                return 0;
    }
    return 1;
}

int sk_createpartitions_req_encode(sk_wr_t *w, int16_t version,
                                   const sk_createpartitions_req_t *req)
{
    if (bad_version(version) || !valid_req(req))
        return SK_EINVAL;
    int flex = is_flex(version);
    sk_wr_arraylen(w, flex, req->TopicsCnt);
    for (int32_t i = 0; i < req->TopicsCnt; i++) {
        const sk_createpartitions_topic_t *t = &req->Topics[i];
        sk_wr_sstr(w, flex, t->Name);
        sk_wr_i32(w, t->Count);
        sk_wr_arraylen(w, flex, t->AssignmentsCnt);
        for (int32_t j = 0; j < t->AssignmentsCnt; j++) {
            sk_proto_wr_i32s(w, flex, t->Assignments[j].BrokerIds, t->Assignments[j].BrokerIdsCnt);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_i32(w, req->TimeoutMs);
    sk_wr_bool(w, req->ValidateOnly);
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_createpartitions_resp_encode(sk_wr_t *w, int16_t version,
                                    const sk_createpartitions_resp_t *resp)
{
    if (bad_version(version) || resp->ResultsCnt < 0)
        return SK_EINVAL;
    for (int32_t i = 0; i < resp->ResultsCnt; i++)
        if (resp->Results[i].Name.len < 0)
            return SK_EINVAL;
    int flex = is_flex(version);
    sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_arraylen(w, flex, resp->ResultsCnt);
    for (int32_t i = 0; i < resp->ResultsCnt; i++) {
        const sk_createpartitions_result_t *res = &resp->Results[i];
        sk_wr_sstr(w, flex, res->Name);
        sk_wr_i16(w, res->ErrorCode);
        sk_wr_sstr(w, flex, res->ErrorMessage);
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_createpartitions_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                    sk_createpartitions_resp_t *out)
{
    *out = (sk_createpartitions_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->ThrottleTimeMs = sk_rd_i32(r);
    /* Name + ErrorCode + ErrorMessage [+ tags]: 5 flexible, 6 classic. */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 5 : 6);
    out->ResultsCnt = sk_rd_ok(r) ? n : 0;
    out->Results = sk_proto_alloc(a, out->ResultsCnt, sizeof(*out->Results));
    for (int32_t i = 0; i < out->ResultsCnt && sk_rd_ok(r); i++) {
        sk_createpartitions_result_t *res = &out->Results[i];
        res->Name = sk_proto_rd_str_nn(r, flex);
        res->ErrorCode = sk_rd_i16(r);
        res->ErrorMessage = sk_rd_str(r, flex);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}
