/* proto_initproducerid.c - InitProducerId codec, v0-4 (see
 * proto_initproducerid.h). */
#include "proto_initproducerid.h"

#include "proto_int.h"

static int bad_version(int16_t v)
{
    return v < SK_INITPRODUCERID_MIN_VER || v > SK_INITPRODUCERID_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_INITPRODUCERID_FLEX_VER;
}

int sk_initproducerid_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                 sk_initproducerid_req_t *out)
{
    (void)a;
    *out = (sk_initproducerid_req_t){.TransactionalId = SK_STR_NULL,
                                     .ProducerId = -1,
                                     .ProducerEpoch = -1};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->TransactionalId = sk_rd_str(r, flex);
    out->TransactionTimeoutMs = sk_rd_i32(r);
    if (version >= 3) {
        out->ProducerId = sk_rd_i64(r);
        out->ProducerEpoch = sk_rd_i16(r);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

int sk_initproducerid_req_encode(sk_wr_t *w, int16_t version, const sk_initproducerid_req_t *req)
{
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    /* ProducerId / ProducerEpoch are not ignorable: v0-2 cannot carry them.
     * A classic string's int16 length cannot hold more than INT16_MAX. */
    if (version < 3 && (req->ProducerId != -1 || req->ProducerEpoch != -1))
        return SK_EINVAL;
    if (!flex && req->TransactionalId.len > INT16_MAX)
        return SK_EINVAL;
    sk_wr_sstr(w, flex, req->TransactionalId);
    sk_wr_i32(w, req->TransactionTimeoutMs);
    if (version >= 3) {
        sk_wr_i64(w, req->ProducerId);
        sk_wr_i16(w, req->ProducerEpoch);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_initproducerid_resp_encode(sk_wr_t *w, int16_t version,
                                  const sk_initproducerid_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_i16(w, resp->ErrorCode);
    sk_wr_i64(w, resp->ProducerId);
    sk_wr_i16(w, resp->ProducerEpoch);
    sk_wr_tags(w, is_flex(version));
    return SK_OK;
}

int sk_initproducerid_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_initproducerid_resp_t *out)
{
    (void)a;
    *out = (sk_initproducerid_resp_t){.ProducerId = -1};
    if (bad_version(version))
        return SK_EINVAL;
    out->ThrottleTimeMs = sk_rd_i32(r);
    out->ErrorCode = sk_rd_i16(r);
    out->ProducerId = sk_rd_i64(r);
    out->ProducerEpoch = sk_rd_i16(r);
    sk_rd_tags(r, is_flex(version));
    return sk_proto_rd_result(r);
}
