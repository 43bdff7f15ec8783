/* proto_updatemetadata.c - UpdateMetadata codec, v5-7 (see proto_updatemetadata.h). */
#include "proto_updatemetadata.h"

#include "proto_int.h"

static int bad_version(int16_t v)
{
    return v < SK_UPDATEMETADATA_MIN_VER || v > SK_UPDATEMETADATA_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_UPDATEMETADATA_FLEX_VER;
}

/* ---- request ---- */

static void rd_partition_state(sk_rd_t *r, int flex, sk_arena_t *a,
                               sk_updatemetadata_partition_state_t *p)
{
    p->PartitionIndex = sk_rd_i32(r);
    p->ControllerEpoch = sk_rd_i32(r);
    p->Leader = sk_rd_i32(r);
    p->LeaderEpoch = sk_rd_i32(r);
    sk_proto_rd_i32s(r, flex, a, 0, &p->Isr, &p->IsrCnt);
    p->ZkVersion = sk_rd_i32(r);
    sk_proto_rd_i32s(r, flex, a, 0, &p->Replicas, &p->ReplicasCnt);
    sk_proto_rd_i32s(r, flex, a, 0, &p->OfflineReplicas, &p->OfflineReplicasCnt);
    sk_rd_tags(r, flex);
}

static void rd_topic_state(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a,
                           sk_updatemetadata_topic_state_t *t)
{
    t->TopicName = sk_proto_rd_str_nn(r, flex);
    if (version >= 7)
        sk_rd_uuid(r, t->TopicId);
    /* 4 int32 + Isr + ZkVersion + Replicas + OfflineReplicas [+ tags]:
     * at least 24 bytes flexible, 32 classic. */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 24 : 32);
    t->PartitionStatesCnt = sk_rd_ok(r) ? n : 0;
    t->PartitionStates = sk_proto_alloc(a, t->PartitionStatesCnt, sizeof(*t->PartitionStates));
    for (int32_t i = 0; i < t->PartitionStatesCnt && sk_rd_ok(r); i++)
        rd_partition_state(r, flex, a, &t->PartitionStates[i]);
    sk_rd_tags(r, flex);
}

static void rd_broker(sk_rd_t *r, int flex, sk_arena_t *a, sk_updatemetadata_broker_t *b)
{
    b->Id = sk_rd_i32(r);
    /* Port + Host + Listener + SecurityProtocol [+ tags]: 9 flexible, 10 classic. */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 9 : 10);
    b->EndpointsCnt = sk_rd_ok(r) ? n : 0;
    b->Endpoints = sk_proto_alloc(a, b->EndpointsCnt, sizeof(*b->Endpoints));
    for (int32_t i = 0; i < b->EndpointsCnt && sk_rd_ok(r); i++) {
        sk_updatemetadata_endpoint_t *e = &b->Endpoints[i];
        e->Port = sk_rd_i32(r);
        e->Host = sk_proto_rd_str_nn(r, flex);
        e->Listener = sk_proto_rd_str_nn(r, flex);
        e->SecurityProtocol = sk_rd_i16(r);
        sk_rd_tags(r, flex);
    }
    b->Rack = sk_rd_str(r, flex);
    sk_rd_tags(r, flex);
}

int sk_updatemetadata_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                 sk_updatemetadata_req_t *out)
{
    *out = (sk_updatemetadata_req_t){.BrokerEpoch = -1};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->ControllerId = sk_rd_i32(r);
    out->ControllerEpoch = sk_rd_i32(r);
    out->BrokerEpoch = sk_rd_i64(r);
    /* TopicName + PartitionStates count [+ tags]: 3 flexible, 6 classic. */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 6);
    out->TopicStatesCnt = sk_rd_ok(r) ? n : 0;
    out->TopicStates = sk_proto_alloc(a, out->TopicStatesCnt, sizeof(*out->TopicStates));
    for (int32_t i = 0; i < out->TopicStatesCnt && sk_rd_ok(r); i++)
        rd_topic_state(r, version, flex, a, &out->TopicStates[i]);
    /* Id + Endpoints count + Rack [+ tags]: 7 flexible, 10 classic. */
    n = sk_proto_rd_count_nn(r, flex, flex ? 7 : 10);
    out->LiveBrokersCnt = sk_rd_ok(r) ? n : 0;
    out->LiveBrokers = sk_proto_alloc(a, out->LiveBrokersCnt, sizeof(*out->LiveBrokers));
    for (int32_t i = 0; i < out->LiveBrokersCnt && sk_rd_ok(r); i++)
        rd_broker(r, flex, a, &out->LiveBrokers[i]);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

static int wr_topic_state(sk_wr_t *w, int16_t version, int flex,
                          const sk_updatemetadata_topic_state_t *t)
{
    if (t->TopicName.len < 0 || t->PartitionStatesCnt < 0)
        return SK_EINVAL;
    sk_wr_sstr(w, flex, t->TopicName);
    if (version >= 7)
        sk_wr_uuid(w, t->TopicId);
    sk_wr_arraylen(w, flex, t->PartitionStatesCnt);
    for (int32_t j = 0; j < t->PartitionStatesCnt; j++) {
        const sk_updatemetadata_partition_state_t *p = &t->PartitionStates[j];
        if (p->IsrCnt < 0 || p->ReplicasCnt < 0 || p->OfflineReplicasCnt < 0)
            return SK_EINVAL;
        sk_wr_i32(w, p->PartitionIndex);
        sk_wr_i32(w, p->ControllerEpoch);
        sk_wr_i32(w, p->Leader);
        sk_wr_i32(w, p->LeaderEpoch);
        sk_proto_wr_i32s(w, flex, p->Isr, p->IsrCnt);
        sk_wr_i32(w, p->ZkVersion);
        sk_proto_wr_i32s(w, flex, p->Replicas, p->ReplicasCnt);
        sk_proto_wr_i32s(w, flex, p->OfflineReplicas, p->OfflineReplicasCnt);
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

static int wr_broker(sk_wr_t *w, int flex, const sk_updatemetadata_broker_t *b)
{
    if (b->EndpointsCnt < 0)
        return SK_EINVAL;
    sk_wr_i32(w, b->Id);
    sk_wr_arraylen(w, flex, b->EndpointsCnt);
    for (int32_t i = 0; i < b->EndpointsCnt; i++) {
        const sk_updatemetadata_endpoint_t *e = &b->Endpoints[i];
        if (e->Host.len < 0 || e->Listener.len < 0)
            return SK_EINVAL;
        sk_wr_i32(w, e->Port);
        sk_wr_sstr(w, flex, e->Host);
        sk_wr_sstr(w, flex, e->Listener);
        sk_wr_i16(w, e->SecurityProtocol);
        sk_wr_tags(w, flex);
    }
    sk_wr_sstr(w, flex, b->Rack);
    sk_wr_tags(w, flex);
    return SK_OK;
}

static int wr_req(sk_wr_t *w, int16_t version, const sk_updatemetadata_req_t *req)
{
    int flex = is_flex(version);
    int rc;
    if (req->TopicStatesCnt < 0 || req->LiveBrokersCnt < 0)
        return SK_EINVAL;
    sk_wr_i32(w, req->ControllerId);
    sk_wr_i32(w, req->ControllerEpoch);
    sk_wr_i64(w, req->BrokerEpoch);
    sk_wr_arraylen(w, flex, req->TopicStatesCnt);
    for (int32_t i = 0; i < req->TopicStatesCnt; i++)
        if ((rc = wr_topic_state(w, version, flex, &req->TopicStates[i])) != SK_OK)
            return rc;
    sk_wr_arraylen(w, flex, req->LiveBrokersCnt);
    for (int32_t i = 0; i < req->LiveBrokersCnt; i++)
        if ((rc = wr_broker(w, flex, &req->LiveBrokers[i])) != SK_OK)
            return rc;
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_updatemetadata_req_encode(sk_wr_t *w, int16_t version, const sk_updatemetadata_req_t *req)
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

int sk_updatemetadata_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_updatemetadata_resp_t *out)
{
    (void)a;
    *out = (sk_updatemetadata_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    out->ErrorCode = sk_rd_i16(r);
    sk_rd_tags(r, is_flex(version));
    return sk_proto_rd_result(r);
}

int sk_updatemetadata_resp_encode(sk_wr_t *w, int16_t version,
                                  const sk_updatemetadata_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    sk_wr_i16(w, resp->ErrorCode);
    sk_wr_tags(w, is_flex(version));
    return SK_OK;
}
