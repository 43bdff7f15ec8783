/* proto_listgroups.c - ListGroups codec, v0-4 (see proto_listgroups.h). */
#include "proto_listgroups.h"

#include "proto_group_int.h"

static int bad_version(int16_t v)
{
    return v < SK_LISTGROUPS_MIN_VER || v > SK_LISTGROUPS_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_LISTGROUPS_FLEX_VER;
}

int sk_listgroups_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                             sk_listgroups_req_t *out)
{
    *out = (sk_listgroups_req_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    if (version >= 4)
        sk_pg_rd_strs(r, flex, a, 0, &out->StatesFilter, &out->StatesFilterCnt);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

int sk_listgroups_req_encode(sk_wr_t *w, int16_t version, const sk_listgroups_req_t *req)
{
    if (bad_version(version) || (version < 4 && req->StatesFilterCnt > 0))
        return SK_EINVAL;
    int flex = is_flex(version);
    size_t mark = w->len;
    int bad = 0;
    if (version >= 4)
        sk_pg_wr_strs(w, flex, req->StatesFilter, req->StatesFilterCnt, 0, &bad);
    sk_wr_tags(w, flex);
    return sk_pg_wr_end(w, mark, bad);
}

int sk_listgroups_resp_encode(sk_wr_t *w, int16_t version, const sk_listgroups_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    size_t mark = w->len;
    int bad = 0;
    if (version >= 1)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_i16(w, resp->ErrorCode);
    int32_t n = sk_pg_wr_count(w, flex, resp->GroupsCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        const sk_listgroups_group_t *g = &resp->Groups[i];
        sk_pg_wr_str_nn(w, flex, g->GroupId, &bad);
        sk_pg_wr_str_nn(w, flex, g->ProtocolType, &bad);
        if (version >= 4)
            sk_pg_wr_str_nn(w, flex, g->GroupState, &bad);
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return sk_pg_wr_end(w, mark, bad);
}

int sk_listgroups_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                              sk_listgroups_resp_t *out)
{
    *out = (sk_listgroups_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    if (version >= 1)
        out->ThrottleTimeMs = sk_rd_i32(r);
    out->ErrorCode = sk_rd_i16(r);
    /* two (three at v4) strings [+ tags]: 4 classic, 3 or 4 flexible */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? (version >= 4 ? 4 : 3) : 4);
    out->GroupsCnt = sk_rd_ok(r) ? n : 0;
    out->Groups = sk_proto_alloc(a, out->GroupsCnt, sizeof(*out->Groups));
    for (int32_t i = 0; i < out->GroupsCnt && sk_rd_ok(r); i++) {
        sk_listgroups_group_t *g = &out->Groups[i];
        g->GroupId = sk_proto_rd_str_nn(r, flex);
        g->ProtocolType = sk_proto_rd_str_nn(r, flex);
        g->GroupState = version >= 4 ? sk_proto_rd_str_nn(r, flex) : (sk_str_t){"", 0};
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}
