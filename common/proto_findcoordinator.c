/* proto_findcoordinator.c - FindCoordinator codec, v0-2 (see
 * proto_findcoordinator.h). */
#include "proto_findcoordinator.h"

#include "proto_group_int.h"

static int bad_version(int16_t v)
{
    return v < SK_FINDCOORDINATOR_MIN_VER || v > SK_FINDCOORDINATOR_MAX_VER;
}

int sk_findcoordinator_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_findcoordinator_req_t *out)
{
    (void)a;
    *out = (sk_findcoordinator_req_t){.KeyType = SK_FINDCOORDINATOR_KEY_GROUP};
    if (bad_version(version))
        return SK_EINVAL;
    out->Key = sk_proto_rd_str_nn(r, 0);
    if (version >= 1)
        out->KeyType = sk_rd_i8(r);
    return sk_proto_rd_result(r);
}

int sk_findcoordinator_req_encode(sk_wr_t *w, int16_t version,
                                  const sk_findcoordinator_req_t *req)
{
    if (bad_version(version) || (version < 1 && req->KeyType != SK_FINDCOORDINATOR_KEY_GROUP))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_pg_wr_str_nn(w, 0, req->Key, &bad);
    if (version >= 1)
        sk_wr_i8(w, req->KeyType);
    return sk_pg_wr_end(w, mark, bad);
}

int sk_findcoordinator_resp_encode(sk_wr_t *w, int16_t version,
                                   const sk_findcoordinator_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    if (version >= 1)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_i16(w, resp->ErrorCode);
    if (version >= 1)
        sk_wr_sstr(w, 0, resp->ErrorMessage);
    sk_wr_i32(w, resp->NodeId);
    sk_pg_wr_str_nn(w, 0, resp->Host, &bad);
    sk_wr_i32(w, resp->Port);
    return sk_pg_wr_end(w, mark, bad);
}

int sk_findcoordinator_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                   sk_findcoordinator_resp_t *out)
{
    (void)a;
    *out = (sk_findcoordinator_resp_t){.ErrorMessage = SK_STR_NULL};
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 1)
        out->ThrottleTimeMs = sk_rd_i32(r);
    out->ErrorCode = sk_rd_i16(r);
    if (version >= 1)
        out->ErrorMessage = sk_rd_str(r, 0);
    out->NodeId = sk_rd_i32(r);
    out->Host = sk_proto_rd_str_nn(r, 0);
    out->Port = sk_rd_i32(r);
    return sk_proto_rd_result(r);
}
