/* proto_syncgroup.c - SyncGroup codec, v0-3 (see proto_syncgroup.h). */
#include "proto_syncgroup.h"

#include "proto_group_int.h"

static int bad_version(int16_t v)
{
    return v < SK_SYNCGROUP_MIN_VER || v > SK_SYNCGROUP_MAX_VER;
}

int sk_syncgroup_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_syncgroup_req_t *out)
{
    *out = (sk_syncgroup_req_t){.GroupInstanceId = SK_STR_NULL};
    if (bad_version(version))
        return SK_EINVAL;
    out->GroupId = sk_proto_rd_str_nn(r, 0);
    out->GenerationId = sk_rd_i32(r);
    out->MemberId = sk_proto_rd_str_nn(r, 0);
    if (version >= 3)
        out->GroupInstanceId = sk_rd_str(r, 0);
    /* MemberId (2) + Assignment (4) */
    int32_t n = sk_proto_rd_count_nn(r, 0, 6);
    out->AssignmentsCnt = sk_rd_ok(r) ? n : 0;
    out->Assignments = sk_proto_alloc(a, out->AssignmentsCnt, sizeof(*out->Assignments));
    for (int32_t i = 0; i < out->AssignmentsCnt && sk_rd_ok(r); i++) {
        out->Assignments[i].MemberId = sk_proto_rd_str_nn(r, 0);
        out->Assignments[i].Assignment = sk_pg_rd_bytes_nn(r, 0);
    }
    return sk_proto_rd_result(r);
}

int sk_syncgroup_req_encode(sk_wr_t *w, int16_t version, const sk_syncgroup_req_t *req)
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
    int32_t n = sk_pg_wr_count(w, 0, req->AssignmentsCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        sk_pg_wr_str_nn(w, 0, req->Assignments[i].MemberId, &bad);
        sk_pg_wr_bytes_nn(w, 0, req->Assignments[i].Assignment, &bad);
    }
    return sk_pg_wr_end(w, mark, bad);
}

int sk_syncgroup_resp_encode(sk_wr_t *w, int16_t version, const sk_syncgroup_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    if (version >= 1)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_i16(w, resp->ErrorCode);
    sk_pg_wr_bytes_nn(w, 0, resp->Assignment, &bad);
    return sk_pg_wr_end(w, mark, bad);
}

int sk_syncgroup_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                             sk_syncgroup_resp_t *out)
{
    (void)a;
    *out = (sk_syncgroup_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 1)
        out->ThrottleTimeMs = sk_rd_i32(r);
    out->ErrorCode = sk_rd_i16(r);
    out->Assignment = sk_pg_rd_bytes_nn(r, 0);
    return sk_proto_rd_result(r);
}
