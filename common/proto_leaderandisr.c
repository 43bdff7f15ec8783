/* proto_leaderandisr.c - LeaderAndIsr codec, v2-5 (see proto_leaderandisr.h). */
#include "proto_leaderandisr.h"

#include "proto_int.h"

static int bad_version(int16_t v)
{
    return v < SK_LEADERANDISR_MIN_VER || v > SK_LEADERANDISR_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_LEADERANDISR_FLEX_VER;
}

/* ---- request ---- */

static void rd_partition_state(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a,
                               sk_leaderandisr_partition_state_t *p)
{
    p->PartitionIndex = sk_rd_i32(r);
    p->ControllerEpoch = sk_rd_i32(r);
    p->Leader = sk_rd_i32(r);
    p->LeaderEpoch = sk_rd_i32(r);
    sk_proto_rd_i32s(r, flex, a, 0, &p->Isr, &p->IsrCnt);
    p->PartitionEpoch = sk_rd_i32(r);
    sk_proto_rd_i32s(r, flex, a, 0, &p->Replicas, &p->ReplicasCnt);
    if (version >= 3) {
        sk_proto_rd_i32s(r, flex, a, 0, &p->AddingReplicas, &p->AddingReplicasCnt);
        sk_proto_rd_i32s(r, flex, a, 0, &p->RemovingReplicas, &p->RemovingReplicasCnt);
    }
    p->IsNew = sk_rd_bool(r);
    sk_rd_tags(r, flex);
}

static void rd_topic_state(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a,
                           sk_leaderandisr_topic_state_t *t)
{
    t->TopicName = sk_proto_rd_str_nn(r, flex);
    if (version >= 5)
        sk_rd_uuid(r, t->TopicId);
    /* 4 int32 + Isr count + PartitionEpoch + Replicas count + IsNew [+ tags]:
     * at least 26 bytes flexible, 29 classic. */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 26 : 29);
    t->PartitionStatesCnt = sk_rd_ok(r) ? n : 0;
    t->PartitionStates = sk_proto_alloc(a, t->PartitionStatesCnt, sizeof(*t->PartitionStates));
    for (int32_t i = 0; i < t->PartitionStatesCnt && sk_rd_ok(r); i++)
        rd_partition_state(r, version, flex, a, &t->PartitionStates[i]);
    sk_rd_tags(r, flex);
}

int sk_leaderandisr_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_leaderandisr_req_t *out)
{
    *out = (sk_leaderandisr_req_t){.BrokerEpoch = -1};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->ControllerId = sk_rd_i32(r);
    out->ControllerEpoch = sk_rd_i32(r);
    out->BrokerEpoch = sk_rd_i64(r);
    if (version >= 5)
        out->Type = sk_rd_i8(r);
    /* TopicName + PartitionStates count [+ tags]: 3 flexible, 6 classic. */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
    out->TopicStatesCnt = sk_rd_ok(r) ? n : 0;
    out->TopicStates = sk_proto_alloc(a, out->TopicStatesCnt, sizeof(*out->TopicStates));
    for (int32_t i = 0; i < out->TopicStatesCnt && sk_rd_ok(r); i++)
        rd_topic_state(r, version, flex, a, &out->TopicStates[i]);
    /* BrokerId + HostName + Port [+ tags]: 10 either way. */
    n = sk_proto_rd_count_nn(r, flex, 10);
    out->LiveLeadersCnt = sk_rd_ok(r) ? n : 0;
    out->LiveLeaders = sk_proto_alloc(a, out->LiveLeadersCnt, sizeof(*out->LiveLeaders));
    for (int32_t i = 0; i < out->LiveLeadersCnt && sk_rd_ok(r); i++) {
        sk_leaderandisr_live_leader_t *l = &out->LiveLeaders[i];
        l->BrokerId = sk_rd_i32(r);
        l->HostName = sk_proto_rd_str_nn(r, flex);
        l->Port = sk_rd_i32(r);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

static int wr_partition_state(sk_wr_t *w, int16_t version, int flex,
                              const sk_leaderandisr_partition_state_t *p)
{
    if (p->IsrCnt < 0 || p->ReplicasCnt < 0 || p->AddingReplicasCnt < 0 ||
        p->RemovingReplicasCnt < 0)
        return SK_EINVAL;
    sk_wr_i32(w, p->PartitionIndex);
    sk_wr_i32(w, p->ControllerEpoch);
    sk_wr_i32(w, p->Leader);
    sk_wr_i32(w, p->LeaderEpoch);
    sk_proto_wr_i32s(w, flex, p->Isr, p->IsrCnt);
    sk_wr_i32(w, p->PartitionEpoch);
    sk_proto_wr_i32s(w, flex, p->Replicas, p->ReplicasCnt);
    if (version >= 3) {
        sk_proto_wr_i32s(w, flex, p->AddingReplicas, p->AddingReplicasCnt);
        sk_proto_wr_i32s(w, flex, p->RemovingReplicas, p->RemovingReplicasCnt);
    }
    sk_wr_bool(w, p->IsNew);
    sk_wr_tags(w, flex);
    return SK_OK;
}

static int wr_req(sk_wr_t *w, int16_t version, const sk_leaderandisr_req_t *req)
{
    int flex = is_flex(version);
    if (req->TopicStatesCnt < 0 || req->LiveLeadersCnt < 0)
        return SK_EINVAL;
    if (version < 5 && req->Type != 0)
        return SK_EINVAL; /* Type is not ignorable */
    sk_wr_i32(w, req->ControllerId);
    sk_wr_i32(w, req->ControllerEpoch);
    sk_wr_i64(w, req->BrokerEpoch);
    if (version >= 5)
        sk_wr_i8(w, req->Type);
    sk_wr_arraylen(w, flex, req->TopicStatesCnt);
    for (int32_t i = 0; i < req->TopicStatesCnt; i++) {
        const sk_leaderandisr_topic_state_t *t = &req->TopicStates[i];
        if (t->TopicName.len < 0 || t->PartitionStatesCnt < 0)
            return SK_EINVAL;
        sk_wr_sstr(w, flex, t->TopicName);
        if (version >= 5)
            sk_wr_uuid(w, t->TopicId);
        sk_wr_arraylen(w, flex, t->PartitionStatesCnt);
        for (int32_t j = 0; j < t->PartitionStatesCnt; j++) {
            int rc = wr_partition_state(w, version, flex, &t->PartitionStates[j]);
            if (rc != SK_OK)
                return rc;
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_arraylen(w, flex, req->LiveLeadersCnt);
    for (int32_t i = 0; i < req->LiveLeadersCnt; i++) {
        const sk_leaderandisr_live_leader_t *l = &req->LiveLeaders[i];
        if (l->HostName.len < 0)
            return SK_EINVAL;
        sk_wr_i32(w, l->BrokerId);
        sk_wr_sstr(w, flex, l->HostName);
        sk_wr_i32(w, l->Port);
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_leaderandisr_req_encode(sk_wr_t *w, int16_t version, const sk_leaderandisr_req_t *req)
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

/* One partition error; TopicName is on the wire in v2-4 only. */
static void rd_partition_error(sk_rd_t *r, int16_t version, int flex,
                               sk_leaderandisr_partition_error_t *e)
{
    e->TopicName = version < 5 ? sk_proto_rd_str_nn(r, flex) : (sk_str_t){"", 0};
    e->PartitionIndex = sk_rd_i32(r);
    e->ErrorCode = sk_rd_i16(r);
    sk_rd_tags(r, flex);
}

/* Partition error list: [TopicName] + PartitionIndex + ErrorCode [+ tags]:
 * at least 6 bytes in every version (v5: 4 + 2 + 1). */
static void rd_partition_errors(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a,
                                sk_leaderandisr_partition_error_t **out, int32_t *cnt)
{
    int32_t n = sk_proto_rd_count_nn(r, flex, 6);
    *cnt = sk_rd_ok(r) ? n : 0;
    *out = sk_proto_alloc(a, *cnt, sizeof(**out));
    for (int32_t i = 0; i < *cnt && sk_rd_ok(r); i++)
        rd_partition_error(r, version, flex, &(*out)[i]);
}

int sk_leaderandisr_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_leaderandisr_resp_t *out)
{
    *out = (sk_leaderandisr_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->ErrorCode = sk_rd_i16(r);
    if (version < 5) {
        rd_partition_errors(r, version, flex, a, &out->PartitionErrors, &out->PartitionErrorsCnt);
    } else {
        /* TopicId + PartitionErrors count + tags: 18 bytes. */
        int32_t n = sk_proto_rd_count_nn(r, flex, 18);
        out->TopicsCnt = sk_rd_ok(r) ? n : 0;
        out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
        for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++) {
            sk_leaderandisr_topic_error_t *t = &out->Topics[i];
            sk_rd_uuid(r, t->TopicId);
            rd_partition_errors(r, version, flex, a, &t->PartitionErrors,
                                &t->PartitionErrorsCnt);
            sk_rd_tags(r, flex);
        }
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

static int wr_partition_errors(sk_wr_t *w, int16_t version, int flex,
                               const sk_leaderandisr_partition_error_t *e, int32_t cnt)
{
    if (cnt < 0)
        return SK_EINVAL;
    sk_wr_arraylen(w, flex, cnt);
    for (int32_t i = 0; i < cnt; i++) {
        if (version < 5) {
            if (e[i].TopicName.len < 0)
                return SK_EINVAL;
            sk_wr_sstr(w, flex, e[i].TopicName);
        }
        sk_wr_i32(w, e[i].PartitionIndex);
        sk_wr_i16(w, e[i].ErrorCode);
        sk_wr_tags(w, flex);
    }
    return SK_OK;
}

static int wr_resp(sk_wr_t *w, int16_t version, const sk_leaderandisr_resp_t *resp)
{
    int flex = is_flex(version);
    int rc;
    if (resp->PartitionErrorsCnt < 0 || resp->TopicsCnt < 0)
        return SK_EINVAL;
    /* Neither list is ignorable outside its versions. */
    if ((version >= 5 && resp->PartitionErrorsCnt > 0) || (version < 5 && resp->TopicsCnt > 0))
        return SK_EINVAL;
    sk_wr_i16(w, resp->ErrorCode);
    if (version < 5) {
        rc = wr_partition_errors(w, version, flex, resp->PartitionErrors,
                                 resp->PartitionErrorsCnt);
        if (rc != SK_OK)
            return rc;
    } else {
        sk_wr_arraylen(w, flex, resp->TopicsCnt);
        for (int32_t i = 0; i < resp->TopicsCnt; i++) {
            const sk_leaderandisr_topic_error_t *t = &resp->Topics[i];
            sk_wr_uuid(w, t->TopicId);
            rc = wr_partition_errors(w, version, flex, t->PartitionErrors,
                                     t->PartitionErrorsCnt);
            if (rc != SK_OK)
                return rc;
            sk_wr_tags(w, flex);
        }
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_leaderandisr_resp_encode(sk_wr_t *w, int16_t version, const sk_leaderandisr_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t start = w->len;
    int rc = wr_resp(w, version, resp);
    if (rc != SK_OK)
        w->len = start;
    return rc;
}
