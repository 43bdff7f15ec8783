/* proto_leavegroup.c - LeaveGroup codec, v0-3 (see proto_leavegroup.h). */
#include "proto_leavegroup.h"

#include "proto_group_int.h"

static int bad_version(int16_t v)
{
    return v < SK_LEAVEGROUP_MIN_VER || v > SK_LEAVEGROUP_MAX_VER;
}

int sk_leavegroup_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                             sk_leavegroup_req_t *out)
{
    *out = (sk_leavegroup_req_t){.MemberId = {"", 0}};
    if (bad_version(version))
        return SK_EINVAL;
    out->GroupId = sk_proto_rd_str_nn(r, 0);
    if (version < SK_LEAVEGROUP_BATCH_VER) {
        out->MemberId = sk_proto_rd_str_nn(r, 0);
        return sk_proto_rd_result(r);
    }
    /* MemberId (2) + GroupInstanceId (2) */
    int32_t n = sk_proto_rd_count_nn(r, 0, 4);
    out->MembersCnt = sk_rd_ok(r) ? n : 0;
    out->Members = sk_proto_alloc(a, out->MembersCnt, sizeof(*out->Members));
    for (int32_t i = 0; i < out->MembersCnt && sk_rd_ok(r); i++) {
        out->Members[i].MemberId = sk_proto_rd_str_nn(r, 0);
        out->Members[i].GroupInstanceId = sk_rd_str(r, 0);
    }
    return sk_proto_rd_result(r);
}

int sk_leavegroup_req_encode(sk_wr_t *w, int16_t version, const sk_leavegroup_req_t *req)
{
    if (bad_version(version))
        return SK_EINVAL;
    int batch = version >= SK_LEAVEGROUP_BATCH_VER;
    if (batch ? req->MemberId.len > 0 : req->MembersCnt > 0)
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_pg_wr_str_nn(w, 0, req->GroupId, &bad);
    if (!batch) {
        sk_pg_wr_str_nn(w, 0, req->MemberId, &bad);
        return sk_pg_wr_end(w, mark, bad);
    }
    int32_t n = sk_pg_wr_count(w, 0, req->MembersCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        sk_pg_wr_str_nn(w, 0, req->Members[i].MemberId, &bad);
        sk_wr_sstr(w, 0, req->Members[i].GroupInstanceId);
    }
    return sk_pg_wr_end(w, mark, bad);
}

int sk_leavegroup_resp_encode(sk_wr_t *w, int16_t version, const sk_leavegroup_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    if (version >= 1)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_i16(w, resp->ErrorCode);
    if (version >= SK_LEAVEGROUP_BATCH_VER) {
        int32_t n = sk_pg_wr_count(w, 0, resp->MembersCnt, 0, &bad);
        for (int32_t i = 0; i < n; i++) {
            const sk_leavegroup_member_resp_t *m = &resp->Members[i];
            sk_pg_wr_str_nn(w, 0, m->MemberId, &bad);
            sk_wr_sstr(w, 0, m->GroupInstanceId);
            sk_wr_i16(w, m->ErrorCode);
        }
    }
    return sk_pg_wr_end(w, mark, bad);
}

int sk_leavegroup_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                              sk_leavegroup_resp_t *out)
{
    *out = (sk_leavegroup_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 1)
        out->ThrottleTimeMs = sk_rd_i32(r);
    out->ErrorCode = sk_rd_i16(r);
    if (version >= SK_LEAVEGROUP_BATCH_VER) {
        /* MemberId (2) + GroupInstanceId (2) + ErrorCode (2) */
        int32_t n = sk_proto_rd_count_nn(r, 0, 6);
        out->MembersCnt = sk_rd_ok(r) ? n : 0;
        out->Members = sk_proto_alloc(a, out->MembersCnt, sizeof(*out->Members));
        for (int32_t i = 0; i < out->MembersCnt && sk_rd_ok(r); i++) {
            sk_leavegroup_member_resp_t *m = &out->Members[i];
            m->MemberId = sk_proto_rd_str_nn(r, 0);
            m->GroupInstanceId = sk_rd_str(r, 0);
            m->ErrorCode = sk_rd_i16(r);
        }
    }
    return sk_proto_rd_result(r);
}
