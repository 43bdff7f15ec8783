/* proto_heartbeat.c - Heartbeat codec, v0-3 (see proto_heartbeat.h). */
#include "proto_heartbeat.h"

#include "proto_group_int.h"

static int bad_version(int16_t v)
{
    return v < SK_HEARTBEAT_MIN_VER || v > SK_HEARTBEAT_MAX_VER;
}

int sk_heartbeat_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_heartbeat_req_t *out)
{
    (void)a;
    *out = (sk_heartbeat_req_t){.GroupInstanceId = SK_STR_NULL};
    if (bad_version(version))
        return SK_EINVAL;
    out->GroupId = sk_proto_rd_str_nn(r, 0);
    out->GenerationId = sk_rd_i32(r);
    out->MemberId = sk_proto_rd_str_nn(r, 0);
    if (version >= 3)
        out->GroupInstanceId = sk_rd_str(r, 0);
    return sk_proto_rd_result(r);
}

int sk_heartbeat_req_encode(sk_wr_t *w, int16_t version, const sk_heartbeat_req_t *req)
{
    if (bad_version(version) || (version < 3 && req->GroupInstanceId.len > 0))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_pg_wr_str_nn(w, 0, req->GroupId, &bad);
    sk_wr_i32(w, req->GenerationId);
    sk_pg_wr_str_nn(w, 0, req->MemberId, &bad);
    if (version >= 3)
        sk_wr_sstr(w, 0, req->GroupInstanceId);
    return sk_pg_wr_end(w, mark, bad);
}

int sk_heartbeat_resp_encode(sk_wr_t *w, int16_t version, const sk_heartbeat_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 1)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_i16(w, resp->ErrorCode);
    return SK_OK;
}

int sk_heartbeat_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                             sk_heartbeat_resp_t *out)
{
    (void)a;
    *out = (sk_heartbeat_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 1)
        out->ThrottleTimeMs = sk_rd_i32(r);
    out->ErrorCode = sk_rd_i16(r);
    return sk_proto_rd_result(r);
}
