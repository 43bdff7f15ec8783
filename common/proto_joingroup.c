/* proto_joingroup.c - JoinGroup codec, v0-5 (see proto_joingroup.h). */
#include "proto_joingroup.h"

#include "proto_group_int.h"

static int bad_version(int16_t v)
{
    return v < SK_JOINGROUP_MIN_VER || v > SK_JOINGROUP_MAX_VER;
}

int sk_joingroup_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_joingroup_req_t *out)
{
    *out = (sk_joingroup_req_t){.RebalanceTimeoutMs = -1, .GroupInstanceId = SK_STR_NULL};
    if (bad_version(version))
        return SK_EINVAL;
    out->GroupId = sk_proto_rd_str_nn(r, 0);
    out->SessionTimeoutMs = sk_rd_i32(r);
    if (version >= 1)
        out->RebalanceTimeoutMs = sk_rd_i32(r);
    out->MemberId = sk_proto_rd_str_nn(r, 0);
    if (version >= 5)
        out->GroupInstanceId = sk_rd_str(r, 0);
    out->ProtocolType = sk_proto_rd_str_nn(r, 0);
    /* Name (2) + Metadata (4) */
    int32_t n = sk_proto_rd_count_nn(r, 0, 6);
    out->ProtocolsCnt = sk_rd_ok(r) ? n : 0;
    out->Protocols = sk_proto_alloc(a, out->ProtocolsCnt, sizeof(*out->Protocols));
    for (int32_t i = 0; i < out->ProtocolsCnt && sk_rd_ok(r); i++) {
        out->Protocols[i].Name = sk_proto_rd_str_nn(r, 0);
        out->Protocols[i].Metadata = sk_pg_rd_bytes_nn(r, 0);
    }
    return sk_proto_rd_result(r);
}

int sk_joingroup_req_encode(sk_wr_t *w, int16_t version, const sk_joingroup_req_t *req)
{
    if (bad_version(version) || (version < 5 && req->GroupInstanceId.len > 0))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_pg_wr_str_nn(w, 0, req->GroupId, &bad);
    sk_wr_i32(w, req->SessionTimeoutMs);
    if (version >= 1)
        sk_wr_i32(w, req->RebalanceTimeoutMs);
    sk_pg_wr_str_nn(w, 0, req->MemberId, &bad);
    if (version >= 5)
        sk_wr_sstr(w, 0, req->GroupInstanceId);
    sk_pg_wr_str_nn(w, 0, req->ProtocolType, &bad);
    int32_t n = sk_pg_wr_count(w, 0, req->ProtocolsCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        sk_pg_wr_str_nn(w, 0, req->Protocols[i].Name, &bad);
        sk_pg_wr_bytes_nn(w, 0, req->Protocols[i].Metadata, &bad);
    }
    return sk_pg_wr_end(w, mark, bad);
}

int sk_joingroup_resp_encode(sk_wr_t *w, int16_t version, const sk_joingroup_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    if (version >= 2)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_i16(w, resp->ErrorCode);
    sk_wr_i32(w, resp->GenerationId);
    sk_pg_wr_str_nn(w, 0, resp->ProtocolName, &bad);
    sk_pg_wr_str_nn(w, 0, resp->Leader, &bad);
    sk_pg_wr_str_nn(w, 0, resp->MemberId, &bad);
    int32_t n = sk_pg_wr_count(w, 0, resp->MembersCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        const sk_joingroup_member_t *m = &resp->Members[i];
        sk_pg_wr_str_nn(w, 0, m->MemberId, &bad);
        if (version >= 5)
            sk_wr_sstr(w, 0, m->GroupInstanceId);
        sk_pg_wr_bytes_nn(w, 0, m->Metadata, &bad);
    }
    return sk_pg_wr_end(w, mark, bad);
}

int sk_joingroup_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                             sk_joingroup_resp_t *out)
{
    *out = (sk_joingroup_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 2)
        out->ThrottleTimeMs = sk_rd_i32(r);
    out->ErrorCode = sk_rd_i16(r);
    out->GenerationId = sk_rd_i32(r);
    out->ProtocolName = sk_proto_rd_str_nn(r, 0);
    out->Leader = sk_proto_rd_str_nn(r, 0);
    out->MemberId = sk_proto_rd_str_nn(r, 0);
    /* MemberId (2) [+ GroupInstanceId (2)] + Metadata (4) */
    int32_t n = sk_proto_rd_count_nn(r, 0, version >= 5 ? 8 : 6);
    out->MembersCnt = sk_rd_ok(r) ? n : 0;
    out->Members = sk_proto_alloc(a, out->MembersCnt, sizeof(*out->Members));
    for (int32_t i = 0; i < out->MembersCnt && sk_rd_ok(r); i++) {
        sk_joingroup_member_t *m = &out->Members[i];
        m->MemberId = sk_proto_rd_str_nn(r, 0);
        m->GroupInstanceId = version >= 5 ? sk_rd_str(r, 0) : SK_STR_NULL;
        m->Metadata = sk_pg_rd_bytes_nn(r, 0);
    }
    return sk_proto_rd_result(r);
}
