/* proto_describegroups.c - DescribeGroups codec, v0-4 (see
 * proto_describegroups.h). */
#include "proto_describegroups.h"

#include "proto_group_int.h"

static int bad_version(int16_t v)
{
    return v < SK_DESCRIBEGROUPS_MIN_VER || v > SK_DESCRIBEGROUPS_MAX_VER;
}

int sk_describegroups_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                 sk_describegroups_req_t *out)
{
    *out = (sk_describegroups_req_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    sk_pg_rd_strs(r, 0, a, 0, &out->Groups, &out->GroupsCnt);
    if (version >= 3)
        out->IncludeAuthorizedOperations = sk_rd_bool(r);
    return sk_proto_rd_result(r);
}

int sk_describegroups_req_encode(sk_wr_t *w, int16_t version,
                                 const sk_describegroups_req_t *req)
{
    if (bad_version(version) || (version < 3 && req->IncludeAuthorizedOperations))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_pg_wr_strs(w, 0, req->Groups, req->GroupsCnt, 0, &bad);
    if (version >= 3)
        sk_wr_bool(w, req->IncludeAuthorizedOperations);
    return sk_pg_wr_end(w, mark, bad);
}

int sk_describegroups_resp_encode(sk_wr_t *w, int16_t version,
                                  const sk_describegroups_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    if (version >= 1)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    int32_t n = sk_pg_wr_count(w, 0, resp->GroupsCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        const sk_describegroups_group_t *g = &resp->Groups[i];
        sk_wr_i16(w, g->ErrorCode);
        sk_pg_wr_str_nn(w, 0, g->GroupId, &bad);
        sk_pg_wr_str_nn(w, 0, g->GroupState, &bad);
        sk_pg_wr_str_nn(w, 0, g->ProtocolType, &bad);
        sk_pg_wr_str_nn(w, 0, g->ProtocolData, &bad);
        int32_t m = sk_pg_wr_count(w, 0, g->MembersCnt, 0, &bad);
        for (int32_t j = 0; j < m; j++) {
            const sk_describegroups_member_t *mb = &g->Members[j];
            sk_pg_wr_str_nn(w, 0, mb->MemberId, &bad);
            if (version >= 4)
                sk_wr_sstr(w, 0, mb->GroupInstanceId);
            sk_pg_wr_str_nn(w, 0, mb->ClientId, &bad);
            sk_pg_wr_str_nn(w, 0, mb->ClientHost, &bad);
            sk_pg_wr_bytes_nn(w, 0, mb->MemberMetadata, &bad);
            sk_pg_wr_bytes_nn(w, 0, mb->MemberAssignment, &bad);
        }
        if (version >= 3)
            sk_wr_i32(w, g->AuthorizedOperations);
    }
    return sk_pg_wr_end(w, mark, bad);
}

static void rd_group(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_describegroups_group_t *g)
{
    g->ErrorCode = sk_rd_i16(r);
    g->GroupId = sk_proto_rd_str_nn(r, 0);
    g->GroupState = sk_proto_rd_str_nn(r, 0);
    g->ProtocolType = sk_proto_rd_str_nn(r, 0);
    g->ProtocolData = sk_proto_rd_str_nn(r, 0);
    /* three strings [+ instance id] + two byte fields */
    int32_t n = sk_proto_rd_count_nn(r, 0, version >= 4 ? 16 : 14);
    g->MembersCnt = sk_rd_ok(r) ? n : 0;
    g->Members = sk_proto_alloc(a, g->MembersCnt, sizeof(*g->Members));
    for (int32_t i = 0; i < g->MembersCnt && sk_rd_ok(r); i++) {
        sk_describegroups_member_t *m = &g->Members[i];
        m->MemberId = sk_proto_rd_str_nn(r, 0);
        m->GroupInstanceId = version >= 4 ? sk_rd_str(r, 0) : SK_STR_NULL;
        m->ClientId = sk_proto_rd_str_nn(r, 0);
        m->ClientHost = sk_proto_rd_str_nn(r, 0);
        m->MemberMetadata = sk_pg_rd_bytes_nn(r, 0);
        m->MemberAssignment = sk_pg_rd_bytes_nn(r, 0);
    }
    g->AuthorizedOperations = version >= 3 ? sk_rd_i32(r) : SK_DESCRIBEGROUPS_OPS_OMITTED;
}

int sk_describegroups_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_describegroups_resp_t *out)
{
    *out = (sk_describegroups_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 1)
        out->ThrottleTimeMs = sk_rd_i32(r);
    /* ErrorCode + four strings + Members count [+ AuthorizedOperations] */
    int32_t n = sk_proto_rd_count_nn(r, 0, version >= 3 ? 18 : 14);
    out->GroupsCnt = sk_rd_ok(r) ? n : 0;
    out->Groups = sk_proto_alloc(a, out->GroupsCnt, sizeof(*out->Groups));
    for (int32_t i = 0; i < out->GroupsCnt && sk_rd_ok(r); i++)
        rd_group(r, version, a, &out->Groups[i]);
    return sk_proto_rd_result(r);
}
