/* proto_hdr.c - request / response headers (see proto_hdr.h). */
#include "proto_hdr.h"

#include "apis.h"
#include "kerr.h"

/* Request header v0 (no client id): Kafka's one quirk, ControlledShutdown v0. */
static int hdr_v0(int16_t key, int16_t version)
{
    return key == SK_API_CONTROLLED_SHUTDOWN && version == 0;
}

int sk_req_hdr_decode(sk_rd_t *r, sk_req_hdr_t *out)
{
    out->RequestApiKey = sk_rd_i16(r);
    out->RequestApiVersion = sk_rd_i16(r);
    out->CorrelationId = sk_rd_i32(r);
    out->ClientId = SK_STR_NULL;
    out->HeaderVersion = 1;
    if (!sk_rd_ok(r))
        return SK_EPARSE;
    if (hdr_v0(out->RequestApiKey, out->RequestApiVersion)) {
        out->HeaderVersion = 0;
        return SK_OK;
    }
    /* client_id keeps the classic encoding even in header v2. */
    out->ClientId = sk_rd_str(r, 0);
    if (!sk_rd_ok(r)) {
        out->ClientId = SK_STR_NULL;
        return SK_EPARSE;
    }
    if (!sk_api_find(out->RequestApiKey))
        return SK_ENOENT;
    if (sk_api_flexible(out->RequestApiKey, out->RequestApiVersion)) {
        out->HeaderVersion = 2;
        sk_rd_tags(r, 1);
    }
    return sk_rd_ok(r) ? SK_OK : SK_EPARSE;
}

void sk_req_hdr_encode(sk_wr_t *w, int16_t key, int16_t version, int32_t corr_id,
                       const char *client_id)
{
    sk_wr_i16(w, key);
    sk_wr_i16(w, version);
    sk_wr_i32(w, corr_id);
    if (hdr_v0(key, version))
        return;
    sk_wr_cstr(w, 0, client_id);
    sk_wr_tags(w, sk_api_flexible(key, version));
}

int sk_resp_hdr_version(int16_t key, int16_t version)
{
    if (key == SK_API_API_VERSIONS)
        return 0;
    return sk_api_flexible(key, version) ? 1 : 0;
}

void sk_resp_hdr_encode(sk_wr_t *w, int16_t key, int16_t version, int32_t corr_id)
{
    sk_wr_i32(w, corr_id);
    sk_wr_tags(w, sk_resp_hdr_version(key, version) == 1);
}

int sk_resp_hdr_decode(sk_rd_t *r, int16_t key, int16_t version, int32_t *corr_id)
{
    *corr_id = sk_rd_i32(r);
    sk_rd_tags(r, sk_resp_hdr_version(key, version) == 1);
    return sk_rd_ok(r) ? SK_OK : SK_EPARSE;
}
