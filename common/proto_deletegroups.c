/* proto_deletegroups.c - DeleteGroups codec, v0-1 (see proto_deletegroups.h). */
#include "proto_deletegroups.h"

#include "proto_group_int.h"

static int bad_version(int16_t v)
{
    return v < SK_DELETEGROUPS_MIN_VER || v > SK_DELETEGROUPS_MAX_VER;
}

int sk_deletegroups_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_deletegroups_req_t *out)
{
    *out = (sk_deletegroups_req_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    sk_pg_rd_strs(r, 0, a, 0, &out->GroupsNames, &out->GroupsNamesCnt);
    return sk_proto_rd_result(r);
}

int sk_deletegroups_req_encode(sk_wr_t *w, int16_t version, const sk_deletegroups_req_t *req)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_pg_wr_strs(w, 0, req->GroupsNames, req->GroupsNamesCnt, 0, &bad);
    return sk_pg_wr_end(w, mark, bad);
}

int sk_deletegroups_resp_encode(sk_wr_t *w, int16_t version, const sk_deletegroups_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_wr_i32(w, resp->ThrottleTimeMs);
    int32_t n = sk_pg_wr_count(w, 0, resp->ResultsCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        sk_pg_wr_str_nn(w, 0, resp->Results[i].GroupId, &bad);
        sk_wr_i16(w, resp->Results[i].ErrorCode);
    }
    return sk_pg_wr_end(w, mark, bad);
}

int sk_deletegroups_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_deletegroups_resp_t *out)
{
    *out = (sk_deletegroups_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    out->ThrottleTimeMs = sk_rd_i32(r);
    /* GroupId (2) + ErrorCode (2) */
    int32_t n = sk_proto_rd_count_nn(r, 0, 4);
    out->ResultsCnt = sk_rd_ok(r) ? n : 0;
    out->Results = sk_proto_alloc(a, out->ResultsCnt, sizeof(*out->Results));
    for (int32_t i = 0; i < out->ResultsCnt && sk_rd_ok(r); i++) {
        out->Results[i].GroupId = sk_proto_rd_str_nn(r, 0);
        out->Results[i].ErrorCode = sk_rd_i16(r);
    }
    return sk_proto_rd_result(r);
}
