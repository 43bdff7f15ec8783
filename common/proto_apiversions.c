/* proto_apiversions.c - ApiVersions codec, v0-3 (see proto_apiversions.h). */
#include "proto_apiversions.h"

#include "apis.h"
#include "proto_int.h"

#define AV_MIN 0
#define AV_MAX 3

static int bad_version(int16_t v)
{
    return v < AV_MIN || v > AV_MAX;
}

int sk_apiversions_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                              sk_apiversions_req_t *out)
{
    (void)a;
    int flex = sk_api_flexible(SK_API_API_VERSIONS, version);
    out->ClientSoftwareName = SK_STR_NULL;
    out->ClientSoftwareVersion = SK_STR_NULL;
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 3) {
        out->ClientSoftwareName = sk_proto_rd_str_nn(r, flex);
        out->ClientSoftwareVersion = sk_proto_rd_str_nn(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

int sk_apiversions_req_encode(sk_wr_t *w, int16_t version, const sk_apiversions_req_t *req)
{
    int flex = sk_api_flexible(SK_API_API_VERSIONS, version);
    if (bad_version(version))
        return SK_EINVAL;
    if (version >= 3) {
        /* Non-nullable strings: null goes out as empty. */
        sk_str_t n = req->ClientSoftwareName, v = req->ClientSoftwareVersion;
        sk_wr_str(w, flex, n.len < 0 ? "" : n.p, n.len < 0 ? 0 : n.len);
        sk_wr_str(w, flex, v.len < 0 ? "" : v.p, v.len < 0 ? 0 : v.len);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_apiversions_resp_encode(sk_wr_t *w, int16_t version, const sk_apiversions_resp_t *resp)
{
    int flex = sk_api_flexible(SK_API_API_VERSIONS, version);
    if (bad_version(version) || resp->ApiKeysCnt < 0)
        return SK_EINVAL;
    sk_wr_i16(w, resp->ErrorCode);
    sk_wr_arraylen(w, flex, resp->ApiKeysCnt);
    for (int32_t i = 0; i < resp->ApiKeysCnt; i++) {
        const sk_apiversions_key_t *k = &resp->ApiKeys[i];
        sk_wr_i16(w, k->ApiKey);
        sk_wr_i16(w, k->MinVersion);
        sk_wr_i16(w, k->MaxVersion);
        sk_wr_tags(w, flex);
    }
    if (version >= 1)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_apiversions_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_apiversions_resp_t *out)
{
    int flex = sk_api_flexible(SK_API_API_VERSIONS, version);
    out->ErrorCode = 0;
    out->ApiKeys = NULL;
    out->ApiKeysCnt = 0;
    out->ThrottleTimeMs = 0;
    if (bad_version(version))
        return SK_EINVAL;
    out->ErrorCode = sk_rd_i16(r);
    int32_t n = sk_proto_rd_count_nn(r, flex, 6);
    out->ApiKeysCnt = sk_rd_ok(r) ? n : 0;
    out->ApiKeys = sk_proto_alloc(a, out->ApiKeysCnt, sizeof(*out->ApiKeys));
    for (int32_t i = 0; i < out->ApiKeysCnt && sk_rd_ok(r); i++) {
        sk_apiversions_key_t *k = &out->ApiKeys[i];
        k->ApiKey = sk_rd_i16(r);
        k->MinVersion = sk_rd_i16(r);
        k->MaxVersion = sk_rd_i16(r);
        sk_rd_tags(r, flex);
    }
    if (version >= 1)
        out->ThrottleTimeMs = sk_rd_i32(r);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

void sk_apiversions_resp_fill(sk_apiversions_resp_t *resp, sk_arena_t *a)
{
    size_t n = sk_api_count();
    resp->ErrorCode = 0;
    resp->ThrottleTimeMs = 0;
    resp->ApiKeysCnt = (int32_t)n;
    resp->ApiKeys = sk_arena_calloc(a, n, sizeof(*resp->ApiKeys));
    for (size_t i = 0; i < n; i++) {
        const sk_api_t *api = sk_api_at(i);
        resp->ApiKeys[i].ApiKey = api->key;
        resp->ApiKeys[i].MinVersion = api->min_ver;
        resp->ApiKeys[i].MaxVersion = api->max_ver;
    }
}
