/* proto_deletetopics.c - DeleteTopics codec, v0-4 (see proto_deletetopics.h). */
#include "proto_deletetopics.h"

#include "proto_int.h"

static int bad_version(int16_t v)
{
    return v < SK_DELETETOPICS_MIN_VER || v > SK_DELETETOPICS_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_DELETETOPICS_FLEX_VER;
}

int sk_deletetopics_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_deletetopics_req_t *out)
{
    *out = (sk_deletetopics_req_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    /* one string: 1 byte compact, 2 classic */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 1 : 2);
    out->TopicNamesCnt = sk_rd_ok(r) ? n : 0;
    out->TopicNames = sk_proto_alloc(a, out->TopicNamesCnt, sizeof(*out->TopicNames));
    for (int32_t i = 0; i < out->TopicNamesCnt && sk_rd_ok(r); i++)
        out->TopicNames[i] = sk_proto_rd_str_nn(r, flex);
    out->TimeoutMs = sk_rd_i32(r);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

int sk_deletetopics_req_encode(sk_wr_t *w, int16_t version, const sk_deletetopics_req_t *req)
{
    if (bad_version(version) || req->TopicNamesCnt < 0)
        return SK_EINVAL;
    for (int32_t i = 0; i < req->TopicNamesCnt; i++)
        if (req->TopicNames[i].len < 0)
            return SK_EINVAL;
    int flex = is_flex(version);
    sk_wr_arraylen(w, flex, req->TopicNamesCnt);
    for (int32_t i = 0; i < req->TopicNamesCnt; i++)
        sk_wr_sstr(w, flex, req->TopicNames[i]);
    sk_wr_i32(w, req->TimeoutMs);
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_deletetopics_resp_encode(sk_wr_t *w, int16_t version, const sk_deletetopics_resp_t *resp)
{
    if (bad_version(version) || resp->ResponsesCnt < 0)
        return SK_EINVAL;
    for (int32_t i = 0; i < resp->ResponsesCnt; i++)
        if (resp->Responses[i].Name.len < 0)
            return SK_EINVAL;
    int flex = is_flex(version);
    if (version >= 1)
        sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_arraylen(w, flex, resp->ResponsesCnt);
    for (int32_t i = 0; i < resp->ResponsesCnt; i++) {
        sk_wr_sstr(w, flex, resp->Responses[i].Name);
        sk_wr_i16(w, resp->Responses[i].ErrorCode);
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_deletetopics_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_deletetopics_resp_t *out)
{
    *out = (sk_deletetopics_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    if (version >= 1)
        out->ThrottleTimeMs = sk_rd_i32(r);
    /* Name + ErrorCode [+ tags]: 4 either way. */
    int32_t n = sk_proto_rd_count_nn(r, flex, 4);
    out->ResponsesCnt = sk_rd_ok(r) ? n : 0;
    out->Responses = sk_proto_alloc(a, out->ResponsesCnt, sizeof(*out->Responses));
    for (int32_t i = 0; i < out->ResponsesCnt && sk_rd_ok(r); i++) {
        out->Responses[i].Name = sk_proto_rd_str_nn(r, flex);
        out->Responses[i].ErrorCode = sk_rd_i16(r);
        sk_rd_tags(r, flex);
    }
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}
