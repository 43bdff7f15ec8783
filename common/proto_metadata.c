/* proto_metadata.c - Metadata codec, v0-5 (see proto_metadata.h). */
#include "proto_metadata.h"

#include "apis.h"
#include "proto_int.h"

#define MD_MIN 0
#define MD_MAX 5

static int bad_version(int16_t v)
{
    return v < MD_MIN || v > MD_MAX;
}

int sk_metadata_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_metadata_req_t *out)
{
    int flex = sk_api_flexible(SK_API_METADATA, version);
    out->Topics = NULL;
    out->TopicsCnt = 0;
    out->AllowAutoTopicCreation = 1;
    out->all_topics = 0;
    if (bad_version(version))
        return SK_EINVAL;
    int32_t n = sk_proto_rd_count(r, flex, 2);
    if (n < 0 && version < 1)
        sk_rd_fail(r); /* null is not legal before v1 */
    if (!sk_rd_ok(r))
        return SK_EPARSE;
    out->TopicsCnt = n;
    out->Topics = sk_proto_alloc(a, n, sizeof(*out->Topics));
    for (int32_t i = 0; i < n && sk_rd_ok(r); i++) {
        out->Topics[i].Name = sk_proto_rd_str_nn(r, flex);
        sk_rd_tags(r, flex);
    }
    if (version >= 4)
        out->AllowAutoTopicCreation = sk_rd_bool(r);
    sk_rd_tags(r, flex);
    out->all_topics = version == 0 ? n == 0 : n < 0;
    return sk_proto_rd_result(r);
}

int sk_metadata_req_encode(sk_wr_t *w, int16_t version, const sk_metadata_req_t *req)
{
    int flex = sk_api_flexible(SK_API_METADATA, version);
    if (bad_version(version))
        return SK_EINVAL;
    /* v0 cannot say "no topics"; null (all) is written as the v0 empty array. */
    if (version == 0 && req->TopicsCnt < 0)
        sk_wr_arraylen(w, flex, 0);
    else
        sk_wr_arraylen(w, flex, req->TopicsCnt);
    for (int32_t i = 0; i < req->TopicsCnt; i++) {
        sk_wr_sstr(w, flex, req->Topics[i].Name);
        sk_wr_tags(w, flex);
    }
    if (version >= 4)
        sk_wr_bool(w, req->AllowAutoTopicCreation);
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_metadata_resp_encode(sk_wr_t *w, int16_t version, const sk_metadata_resp_t *resp)
{
    int flex = sk_api_flexible(SK_API_METADATA, version);
    if (bad_version(version) || resp->BrokersCnt < 0 || resp->TopicsCnt < 0)
        return SK_EINVAL;
    if (version >= 3)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_arraylen(w, flex, resp->BrokersCnt);
    for (int32_t i = 0; i < resp->BrokersCnt; i++) {
        const sk_metadata_broker_t *b = &resp->Brokers[i];
        sk_wr_i32(w, b->NodeId);
        sk_wr_sstr(w, flex, b->Host);
        sk_wr_i32(w, b->Port);
        if (version >= 1)
            sk_wr_sstr(w, flex, b->Rack);
        sk_wr_tags(w, flex);
    }
    if (version >= 2)
        sk_wr_sstr(w, flex, resp->ClusterId);
    if (version >= 1)
        sk_wr_i32(w, resp->ControllerId);
    sk_wr_arraylen(w, flex, resp->TopicsCnt);
    for (int32_t i = 0; i < resp->TopicsCnt; i++) {
        const sk_metadata_topic_t *t = &resp->Topics[i];
        if (t->PartitionsCnt < 0)
            return SK_EINVAL;
        sk_wr_i16(w, t->ErrorCode);
        sk_wr_sstr(w, flex, t->Name);
        if (version >= 1)
            sk_wr_bool(w, t->IsInternal);
        sk_wr_arraylen(w, flex, t->PartitionsCnt);
        for (int32_t j = 0; j < t->PartitionsCnt; j++) {
            const sk_metadata_partition_t *p = &t->Partitions[j];
            sk_wr_i16(w, p->ErrorCode);
            sk_wr_i32(w, p->PartitionIndex);
            sk_wr_i32(w, p->LeaderId);
            sk_proto_wr_i32s(w, flex, p->ReplicaNodes, p->ReplicaNodesCnt < 0 ? 0 : p->ReplicaNodesCnt);
            sk_proto_wr_i32s(w, flex, p->IsrNodes, p->IsrNodesCnt < 0 ? 0 : p->IsrNodesCnt);
            if (version >= 5)
                sk_proto_wr_i32s(w, flex, p->OfflineReplicas,
                                 p->OfflineReplicasCnt < 0 ? 0 : p->OfflineReplicasCnt);
            sk_wr_tags(w, flex);
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

static void rd_partition(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a,
                         sk_metadata_partition_t *p)
{
    p->ErrorCode = sk_rd_i16(r);
    p->PartitionIndex = sk_rd_i32(r);
    p->LeaderId = sk_rd_i32(r);
    sk_proto_rd_i32s(r, flex, a, 0, &p->ReplicaNodes, &p->ReplicaNodesCnt);
    sk_proto_rd_i32s(r, flex, a, 0, &p->IsrNodes, &p->IsrNodesCnt);
    if (version >= 5)
        sk_proto_rd_i32s(r, flex, a, 0, &p->OfflineReplicas, &p->OfflineReplicasCnt);
    sk_rd_tags(r, flex);
}

static void rd_topic(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a, sk_metadata_topic_t *t)
{
    t->ErrorCode = sk_rd_i16(r);
    t->Name = sk_proto_rd_str_nn(r, flex);
    if (version >= 1)
        t->IsInternal = sk_rd_bool(r);
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 13 : 18);
    t->PartitionsCnt = sk_rd_ok(r) ? n : 0;
    t->Partitions = sk_proto_alloc(a, t->PartitionsCnt, sizeof(*t->Partitions));
    for (int32_t i = 0; i < t->PartitionsCnt && sk_rd_ok(r); i++)
        rd_partition(r, version, flex, a, &t->Partitions[i]);
    sk_rd_tags(r, flex);
}

int sk_metadata_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_metadata_resp_t *out)
{
    int flex = sk_api_flexible(SK_API_METADATA, version);
    *out = (sk_metadata_resp_t){.ClusterId = SK_STR_NULL, .ControllerId = -1};
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 3)
        out->ThrottleTimeMs = sk_rd_i32(r);
    int32_t n = sk_proto_rd_count_nn(r, flex, 10);
    out->BrokersCnt = sk_rd_ok(r) ? n : 0;
    out->Brokers = sk_proto_alloc(a, out->BrokersCnt, sizeof(*out->Brokers));
    for (int32_t i = 0; i < out->BrokersCnt && sk_rd_ok(r); i++) {
        sk_metadata_broker_t *b = &out->Brokers[i];
        b->NodeId = sk_rd_i32(r);
        b->Host = sk_proto_rd_str_nn(r, flex);
        b->Port = sk_rd_i32(r);
        b->Rack = version >= 1 ? sk_rd_str(r, flex) : SK_STR_NULL;
        sk_rd_tags(r, flex);
    }
    if (version >= 2)
        out->ClusterId = sk_rd_str(r, flex);
    if (version >= 1)
        out->ControllerId = sk_rd_i32(r);
    n = sk_proto_rd_count_nn(r, flex, 6);
    out->TopicsCnt = sk_rd_ok(r) ? n : 0;
    out->Topics = sk_proto_alloc(a, out->TopicsCnt, sizeof(*out->Topics));
    for (int32_t i = 0; i < out->TopicsCnt && sk_rd_ok(r); i++)
        rd_topic(r, version, flex, a, &out->Topics[i]);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}
