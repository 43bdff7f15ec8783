/* proto_createtopics.c - CreateTopics codec, v0-4 (see proto_createtopics.h). */
#include "proto_createtopics.h"

#include "apis.h"
#include "proto_int.h"

#define CT_MIN 0
#define CT_MAX 4

static int bad_version(int16_t v)
{
    return v < CT_MIN || v > CT_MAX;
}

static void rd_topic(sk_rd_t *r, int flex, sk_arena_t *a, sk_createtopics_topic_t *t)
{
    t->Name = sk_proto_rd_str_nn(r, flex);
    t->NumPartitions = sk_rd_i32(r);
    t->ReplicationFactor = sk_rd_i16(r);
    /* PartitionIndex int32 + BrokerIds count [+ tags] */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 6 : 8);
    t->AssignmentsCnt = sk_rd_ok(r) ? n : 0;
    t->Assignments = sk_proto_alloc(a, t->AssignmentsCnt, sizeof(*t->Assignments));
    for (int32_t i = 0; i < t->AssignmentsCnt && sk_rd_ok(r); i++) {
        sk_createtopics_assignment_t *as = &t->Assignments[i];
        as->PartitionIndex = sk_rd_i32(r);
        sk_proto_rd_i32s(r, flex, a, 0, &as->BrokerIds, &as->BrokerIdsCnt);
        sk_rd_tags(r, flex);
    }
    /* Name + Value [+ tags] */
    n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 4);
    t->ConfigsCnt = sk_rd_ok(r) ? n : 0;
    t->Configs = sk_proto_alloc(a, t->ConfigsCnt, sizeof(*t->Configs));
    for (int32_t i = 0; i < t->ConfigsCnt && sk_rd_ok(r); i++) {
        t->Configs[i].Name = sk_proto_rd_str_nn(r, flex);
        t->Configs[i].Value = sk_rd_str(r, flex);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
}

int sk_createtopics_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_createtopics_req_t *out)
{
    int flex = sk_api_flexible(SK_API_CREATE_TOPICS, version);
    *out = (sk_createtopics_req_t){.TimeoutMs = 60000};
    if (bad_version(version))
        return SK_EINVAL;
    /* Name, NumPartitions, ReplicationFactor, Assignments, Configs [+ tags] */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 9 : 16);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++)
        rd_topic(r, flex, a, &out->Topics[i]);
    out->TimeoutMs = sk_rd_i32(r);
    if (version >= 1)
        out->ValidateOnly = sk_rd_bool(r);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

int sk_createtopics_req_encode(sk_wr_t *w, int16_t version, const sk_createtopics_req_t *req)
{
    int flex = sk_api_flexible(SK_API_CREATE_TOPICS, version);
    if (bad_version(version) || req->TopicsCnt < 0)
        return SK_EINVAL;
    /* validateOnly is not ignorable: v0 cannot carry a true value. */
    if (version < 1 && req->ValidateOnly)
        return SK_EINVAL;
    sk_wr_arraylen(w, flex, req->TopicsCnt);
    for (int32_t i = 0; i < req->TopicsCnt; i++) {
        const sk_createtopics_topic_t *t = &req->Topics[i];
        if (t->AssignmentsCnt < 0 || t->ConfigsCnt < 0)
            return SK_EINVAL;
        sk_wr_sstr(w, flex, t->Name);
        sk_wr_i32(w, t->NumPartitions);
        sk_wr_i16(w, t->ReplicationFactor);
        sk_wr_arraylen(w, flex, t->AssignmentsCnt);
        for (int32_t j = 0; j < t->AssignmentsCnt; j++) {
            const sk_createtopics_assignment_t *as = &t->Assignments[j];
            sk_wr_i32(w, as->PartitionIndex);
            sk_proto_wr_i32s(w, flex, as->BrokerIds, as->BrokerIdsCnt < 0 ? 0 : as->BrokerIdsCnt);
            sk_wr_tags(w, flex);
        }
        sk_wr_arraylen(w, flex, t->ConfigsCnt);
        for (int32_t j = 0; j < t->ConfigsCnt; j++) {
            sk_wr_sstr(w, flex, t->Configs[j].Name);
            sk_wr_sstr(w, flex, t->Configs[j].Value);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_i32(w, req->TimeoutMs);
    if (version >= 1)
        sk_wr_bool(w, req->ValidateOnly);
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_createtopics_resp_encode(sk_wr_t *w, int16_t version, const sk_createtopics_resp_t *resp)
{
    int flex = sk_api_flexible(SK_API_CREATE_TOPICS, version);
    if (bad_version(version) || resp->TopicsCnt < 0)
        return SK_EINVAL;
    if (version >= 2)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_arraylen(w, flex, resp->TopicsCnt);
    for (int32_t i = 0; i < resp->TopicsCnt; i++) {
        const sk_createtopics_result_t *t = &resp->Topics[i];
        sk_wr_sstr(w, flex, t->Name);
        sk_wr_i16(w, t->ErrorCode);
        if (version >= 1)
            sk_wr_sstr(w, flex, t->ErrorMessage);
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_createtopics_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_createtopics_resp_t *out)
{
    int flex = sk_api_flexible(SK_API_CREATE_TOPICS, version);
    *out = (sk_createtopics_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 2)
        out->ThrottleTimeMs = sk_rd_i32(r);
    int32_t n = sk_proto_rd_count_nn(r, flex, 4);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++) {
        sk_createtopics_result_t *t = &out->Topics[i];
        t->Name = sk_proto_rd_str_nn(r, flex);
        t->ErrorCode = sk_rd_i16(r);
        t->ErrorMessage = version >= 1 ? sk_rd_str(r, flex) : SK_STR_NULL;
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}
