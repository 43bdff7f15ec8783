/* proto_controlledshutdown.c - ControlledShutdown codec, v1-3 (see
 * proto_controlledshutdown.h). */
#include "proto_controlledshutdown.h"

#include "proto_int.h"

static int bad_version(int16_t v)
{
    return v < SK_CONTROLLEDSHUTDOWN_MIN_VER || v > SK_CONTROLLEDSHUTDOWN_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_CONTROLLEDSHUTDOWN_FLEX_VER;
}

int sk_controlledshutdown_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                     sk_controlledshutdown_req_t *out)
{
    (void)a;
    *out = (sk_controlledshutdown_req_t){.BrokerEpoch = -1};
    if (bad_version(version))
        return SK_EINVAL;
    out->BrokerId = sk_rd_i32(r);
    if (version >= 2)
        out->BrokerEpoch = sk_rd_i64(r);
    sk_rd_tags(r, is_flex(version));
    return sk_proto_rd_result(r);
}

int sk_controlledshutdown_req_encode(sk_wr_t *w, int16_t version,
                                     const sk_controlledshutdown_req_t *req)
{
    if (bad_version(version))
        return SK_EINVAL;
    sk_wr_i32(w, req->BrokerId);
    if (version >= 2)
        sk_wr_i64(w, req->BrokerEpoch);
    sk_wr_tags(w, is_flex(version));
    return SK_OK;
}

int sk_controlledshutdown_resp_encode(sk_wr_t *w, int16_t version,
                                      const sk_controlledshutdown_resp_t *resp)
{
    if (bad_version(version) || resp->RemainingPartitionsCnt < 0)
        return SK_EINVAL;
    for (int32_t i = 0; i < resp->RemainingPartitionsCnt; i++)
        if (resp->RemainingPartitions[i].TopicName.len < 0)
            return SK_EINVAL;
    int flex = is_flex(version);
    sk_wr_i16(w, resp->ErrorCode);
    sk_wr_arraylen(w, flex, resp->RemainingPartitionsCnt);
    for (int32_t i = 0; i < resp->RemainingPartitionsCnt; i++) {
        sk_wr_sstr(w, flex, resp->RemainingPartitions[i].TopicName);
        sk_wr_i32(w, resp->RemainingPartitions[i].PartitionIndex);
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_controlledshutdown_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                      sk_controlledshutdown_resp_t *out)
{
    *out = (sk_controlledshutdown_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->ErrorCode = sk_rd_i16(r);
    /* TopicName + PartitionIndex [+ tags]: 6 either way. */
    int32_t n = sk_proto_rd_count_nn(r, flex, 6);
    out->RemainingPartitionsCnt = sk_rd_ok(r) ? n : 0;
    out->RemainingPartitions = sk_proto_alloc(a, out->RemainingPartitionsCnt,
                                              sizeof(*out->RemainingPartitions));
    for (int32_t i = 0; i < out->RemainingPartitionsCnt && sk_rd_ok(r); i++) {
        out->RemainingPartitions[i].TopicName = sk_proto_rd_str_nn(r, flex);
        out->RemainingPartitions[i].PartitionIndex = sk_rd_i32(r);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}
