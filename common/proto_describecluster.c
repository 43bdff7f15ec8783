/* proto_describecluster.c - DescribeCluster codec, v0 (see proto_describecluster.h). */
#include "proto_describecluster.h"

#include "proto_int.h"

static int bad_version(int16_t v)
{
    return v < SK_DESCRIBECLUSTER_MIN_VER || v > SK_DESCRIBECLUSTER_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_DESCRIBECLUSTER_FLEX_VER;
}

int sk_describecluster_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_describecluster_req_t *out)
{
    (void)a;
    *out = (sk_describecluster_req_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    out->IncludeClusterAuthorizedOperations = sk_rd_bool(r);
    sk_rd_tags(r, is_flex(version));
    return sk_proto_rd_result(r);
}

int sk_describecluster_req_encode(sk_wr_t *w, int16_t version,
                                  const sk_describecluster_req_t *req)
{
    if (bad_version(version))
        return SK_EINVAL;
    sk_wr_bool(w, req->IncludeClusterAuthorizedOperations);
    sk_wr_tags(w, is_flex(version));
    return SK_OK;
}

int sk_describecluster_resp_encode(sk_wr_t *w, int16_t version,
                                   const sk_describecluster_resp_t *resp)
{
    if (bad_version(version) || resp->BrokersCnt < 0 || resp->ClusterId.len < 0)
        return SK_EINVAL;
    for (int32_t i = 0; i < resp->BrokersCnt; i++)
        if (resp->Brokers[i].Host.len < 0)
            return SK_EINVAL;
    int flex = is_flex(version);
    sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_i16(w, resp->ErrorCode);
    sk_wr_sstr(w, flex, resp->ErrorMessage);
    sk_wr_sstr(w, flex, resp->ClusterId);
    sk_wr_i32(w, resp->ControllerId);
    sk_wr_arraylen(w, flex, resp->BrokersCnt);
    for (int32_t i = 0; i < resp->BrokersCnt; i++) {
        const sk_describecluster_broker_t *b = &resp->Brokers[i];
        sk_wr_i32(w, b->BrokerId);
        sk_wr_sstr(w, flex, b->Host);
        sk_wr_i32(w, b->Port);
        sk_wr_sstr(w, flex, b->Rack);
        sk_wr_tags(w, flex);
    }
    sk_wr_i32(w, resp->ClusterAuthorizedOperations);
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_describecluster_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                   sk_describecluster_resp_t *out)
{
    *out = (sk_describecluster_resp_t){.ErrorMessage = SK_STR_NULL, .ControllerId = -1,
                                       .ClusterAuthorizedOperations =
                                           SK_DESCRIBECLUSTER_OPS_OMITTED};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->ThrottleTimeMs = sk_rd_i32(r);
    out->ErrorCode = sk_rd_i16(r);
    out->ErrorMessage = sk_rd_str(r, flex);
    out->ClusterId = sk_proto_rd_str_nn(r, flex);
    out->ControllerId = sk_rd_i32(r);
    /* BrokerId + Host + Port + Rack + tags: 11 bytes. */
    int32_t n = sk_proto_rd_count_nn(r, flex, 11);
    out->BrokersCnt = sk_rd_ok(r) ? n : 0;
    out->Brokers = sk_proto_alloc(a, out->BrokersCnt, sizeof(*out->Brokers));
    for (int32_t i = 0; i < out->BrokersCnt && sk_rd_ok(r); i++) {
        sk_describecluster_broker_t *b = &out->Brokers[i];
        b->BrokerId = sk_rd_i32(r);
        b->Host = sk_proto_rd_str_nn(r, flex);
        b->Port = sk_rd_i32(r);
        b->Rack = sk_rd_str(r, flex);
        sk_rd_tags(r, flex);
    }
    out->ClusterAuthorizedOperations = sk_rd_i32(r);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}
