/* proto_stopreplica.c - StopReplica codec, v1-3 (see proto_stopreplica.h). */
#include "proto_stopreplica.h"

#include "proto_int.h"

static int bad_version(int16_t v)
{
    return v < SK_STOPREPLICA_MIN_VER || v > SK_STOPREPLICA_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_STOPREPLICA_FLEX_VER;
}

/* ---- request ---- */

/* v1-2 topic: Name, PartitionIndexes[] -> v3 shape. */
static void rd_topic_v1(sk_rd_t *r, int flex, int del, sk_arena_t *a,
                        sk_stopreplica_topic_state_t *t)
{
    t->TopicName = sk_proto_rd_str_nn(r, flex);
    int32_t n = sk_proto_rd_count_nn(r, flex, 4);
    t->PartitionStatesCnt = sk_rd_ok(r) ? n : 0;
    t->PartitionStates = sk_proto_alloc(a, t->PartitionStatesCnt, sizeof(*t->PartitionStates));
    for (int32_t i = 0; i < t->PartitionStatesCnt && sk_rd_ok(r); i++) {
        sk_stopreplica_partition_state_t *p = &t->PartitionStates[i];
        p->PartitionIndex = sk_rd_i32(r);
        p->LeaderEpoch = SK_STOPREPLICA_NO_EPOCH;
        p->DeletePartition = del;
    }
    sk_rd_tags(r, flex);
}

/* v3 topic state (always flexible). */
static void rd_topic_v3(sk_rd_t *r, sk_arena_t *a, sk_stopreplica_topic_state_t *t)
{
    t->TopicName = sk_proto_rd_str_nn(r, 1);
    /* PartitionIndex + LeaderEpoch + DeletePartition + tags: 10 bytes. */
    int32_t n = sk_proto_rd_count_nn(r, 1, 10);
    t->PartitionStatesCnt = sk_rd_ok(r) ? n : 0;
    t->PartitionStates = sk_proto_alloc(a, t->PartitionStatesCnt, sizeof(*t->PartitionStates));
    for (int32_t i = 0; i < t->PartitionStatesCnt && sk_rd_ok(r); i++) {
        sk_stopreplica_partition_state_t *p = &t->PartitionStates[i];
        p->PartitionIndex = sk_rd_i32(r);
        p->LeaderEpoch = sk_rd_i32(r);
        p->DeletePartition = sk_rd_bool(r);
        sk_rd_tags(r, 1);
    }
    sk_rd_tags(r, 1);
}

int sk_stopreplica_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                              sk_stopreplica_req_t *out)
{
    *out = (sk_stopreplica_req_t){.BrokerEpoch = -1};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->ControllerId = sk_rd_i32(r);
    out->ControllerEpoch = sk_rd_i32(r);
    out->BrokerEpoch = sk_rd_i64(r);
    if (version < 3)
        out->DeletePartitions = sk_rd_bool(r);
    /* Name + count [+ tags]: 3 flexible, 6 classic. */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
    out->TopicStatesCnt = sk_rd_ok(r) ? n : 0;
    out->TopicStates = sk_proto_alloc(a, out->TopicStatesCnt, sizeof(*out->TopicStates));
    for (int32_t i = 0; i < out->TopicStatesCnt && sk_rd_ok(r); i++) {
        if (version < 3)
            rd_topic_v1(r, flex, out->DeletePartitions, a, &out->TopicStates[i]);
        else
            rd_topic_v3(r, a, &out->TopicStates[i]);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

static int wr_topic(sk_wr_t *w, int16_t version, int flex, int del,
                    const sk_stopreplica_topic_state_t *t)
{
    if (t->TopicName.len < 0 || t->PartitionStatesCnt < 0)
        return SK_EINVAL;
    sk_wr_sstr(w, flex, t->TopicName);
    sk_wr_arraylen(w, flex, t->PartitionStatesCnt);
    for (int32_t j = 0; j < t->PartitionStatesCnt; j++) {
        const sk_stopreplica_partition_state_t *p = &t->PartitionStates[j];
        if (version < 3) {
            if (!p->DeletePartition != !del)
                return SK_EINVAL; /* v1-2 have one flag for the whole request */
            sk_wr_i32(w, p->PartitionIndex);
        } else {
            sk_wr_i32(w, p->PartitionIndex);
            sk_wr_i32(w, p->LeaderEpoch);
            sk_wr_bool(w, p->DeletePartition);
            sk_wr_tags(w, flex);
        }
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

static int wr_req(sk_wr_t *w, int16_t version, const sk_stopreplica_req_t *req)
{
    int flex = is_flex(version);
    if (req->TopicStatesCnt < 0)
        return SK_EINVAL;
    sk_wr_i32(w, req->ControllerId);
    sk_wr_i32(w, req->ControllerEpoch);
    sk_wr_i64(w, req->BrokerEpoch);
    if (version < 3)
        sk_wr_bool(w, req->DeletePartitions);
    sk_wr_arraylen(w, flex, req->TopicStatesCnt);
    for (int32_t i = 0; i < req->TopicStatesCnt; i++) {
        int rc = wr_topic(w, version, flex, req->DeletePartitions, &req->TopicStates[i]);
        if (rc != SK_OK)
            return rc;
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_stopreplica_req_encode(sk_wr_t *w, int16_t version, const sk_stopreplica_req_t *req)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t start = w->len;
    int rc = wr_req(w, version, req);
    if (rc != SK_OK)
        w->len = start;
    return rc;
}

/* ---- response ---- */

int sk_stopreplica_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_stopreplica_resp_t *out)
{
    *out = (sk_stopreplica_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->ErrorCode = sk_rd_i16(r);
    /* TopicName + PartitionIndex + ErrorCode [+ tags]: 8 either way. */
    int32_t n = sk_proto_rd_count_nn(r, flex, 8);
    out->PartitionErrorsCnt = sk_rd_ok(r) ? n : 0;
    out->PartitionErrors = sk_proto_alloc(a, out->PartitionErrorsCnt,
                                          sizeof(*out->PartitionErrors));
    for (int32_t i = 0; i < out->PartitionErrorsCnt && sk_rd_ok(r); i++) {
        sk_stopreplica_partition_error_t *e = &out->PartitionErrors[i];
        e->TopicName = sk_proto_rd_str_nn(r, flex);
        e->PartitionIndex = sk_rd_i32(r);
        e->ErrorCode = sk_rd_i16(r);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

int sk_stopreplica_resp_encode(sk_wr_t *w, int16_t version, const sk_stopreplica_resp_t *resp)
{
    if (bad_version(version) || resp->PartitionErrorsCnt < 0)
        return SK_EINVAL;
    int flex = is_flex(version);
    size_t start = w->len;
    sk_wr_i16(w, resp->ErrorCode);
    sk_wr_arraylen(w, flex, resp->PartitionErrorsCnt);
    for (int32_t i = 0; i < resp->PartitionErrorsCnt; i++) {
        const sk_stopreplica_partition_error_t *e = &resp->PartitionErrors[i];
        if (e->TopicName.len < 0) {
            w->len = start;
            return SK_EINVAL;
        }
        sk_wr_sstr(w, flex, e->TopicName);
        sk_wr_i32(w, e->PartitionIndex);
        sk_wr_i16(w, e->ErrorCode);
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}
