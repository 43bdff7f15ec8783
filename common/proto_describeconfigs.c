/* proto_describeconfigs.c - DescribeConfigs codec, v0-2 (see
 * proto_describeconfigs.h). */
#include "proto_describeconfigs.h"

#include "proto_int.h"

static int bad_version(int16_t v)
{
    return v < SK_DESCRIBECONFIGS_MIN_VER || v > SK_DESCRIBECONFIGS_MAX_VER;
}

static int is_flex(int16_t v)
{
    return v >= SK_DESCRIBECONFIGS_FLEX_VER;
}

/* ---- request ---- */

static void rd_resource(sk_rd_t *r, int flex, sk_arena_t *a, sk_describeconfigs_resource_t *res)
{
    res->ResourceType = sk_rd_i8(r);
    res->ResourceName = sk_proto_rd_str_nn(r, flex);
    int32_t n = sk_proto_rd_count(r, flex, flex ? 1 : 2); /* nullable */
    res->ConfigurationKeysCnt = sk_rd_ok(r) ? n : 0;
    res->ConfigurationKeys = sk_proto_alloc(a, res->ConfigurationKeysCnt,
                                            sizeof(*res->ConfigurationKeys));
    for (int32_t i = 0; i < res->ConfigurationKeysCnt && sk_rd_ok(r); i++)
        res->ConfigurationKeys[i] = sk_proto_rd_str_nn(r, flex);
    sk_rd_tags(r, flex);
}

int sk_describeconfigs_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_describeconfigs_req_t *out)
{
    *out = (sk_describeconfigs_req_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    /* ResourceType + ResourceName + keys count [+ tags]: 4 flexible, 7 classic. */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 4 : 7);
    out->ResourcesCnt = sk_rd_ok(r) ? n : 0;
    out->Resources = sk_proto_alloc(a, out->ResourcesCnt, sizeof(*out->Resources));
    for (int32_t i = 0; i < out->ResourcesCnt && sk_rd_ok(r); i++)
        rd_resource(r, flex, a, &out->Resources[i]);
    if (version >= 1)
        out->IncludeSynonyms = sk_rd_bool(r);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

static int valid_req(int16_t version, const sk_describeconfigs_req_t *req)
{
    if (req->ResourcesCnt < 0 || (version < 1 && req->IncludeSynonyms))
        return 0;
    for (int32_t i = 0; i < req->ResourcesCnt; i++) {
        const sk_describeconfigs_resource_t *res = &req->Resources[i];
        if (res->ResourceName.len < 0 || res->ConfigurationKeysCnt < -1)
            return 0;
        for (int32_t j = 0; j < res->ConfigurationKeysCnt; j++)
            if (res->ConfigurationKeys[j].len < 0)
                return 0;
    }
    return 1;
}

int sk_describeconfigs_req_encode(sk_wr_t *w, int16_t version,
                                  const sk_describeconfigs_req_t *req)
{
    if (bad_version(version) || !valid_req(version, req))
        return SK_EINVAL;
    int flex = is_flex(version);
    sk_wr_arraylen(w, flex, req->ResourcesCnt);
    for (int32_t i = 0; i < req->ResourcesCnt; i++) {
        const sk_describeconfigs_resource_t *res = &req->Resources[i];
        sk_wr_i8(w, res->ResourceType);
        sk_wr_sstr(w, flex, res->ResourceName);
        sk_wr_arraylen(w, flex, res->ConfigurationKeysCnt);
        for (int32_t j = 0; j < res->ConfigurationKeysCnt; j++)
            sk_wr_sstr(w, flex, res->ConfigurationKeys[j]);
        sk_wr_tags(w, flex);
    }
    if (version >= 1)
        sk_wr_bool(w, req->IncludeSynonyms);
    sk_wr_tags(w, flex);
    return SK_OK;
}

/* ---- response ---- */

static void rd_config(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a,
                      sk_describeconfigs_config_t *c)
{
    c->Name = sk_proto_rd_str_nn(r, flex);
    c->Value = sk_rd_str(r, flex);
    c->ReadOnly = sk_rd_bool(r);
    c->ConfigSource = -1;
    if (version == 0) {
        c->IsDefault = sk_rd_bool(r);
    } else {
        c->ConfigSource = sk_rd_i8(r);
        c->IsDefault = c->ConfigSource == SK_CONFIG_SOURCE_DEFAULT;
    }
    c->IsSensitive = sk_rd_bool(r);
    if (version >= 1) {
        /* Name + Value + Source [+ tags]: 3 flexible, 5 classic. */
        int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 3 : 5);
        c->SynonymsCnt = sk_rd_ok(r) ? n : 0;
        c->Synonyms = sk_proto_alloc(a, c->SynonymsCnt, sizeof(*c->Synonyms));
        for (int32_t i = 0; i < c->SynonymsCnt && sk_rd_ok(r); i++) {
            sk_describeconfigs_synonym_t *s = &c->Synonyms[i];
            s->Name = sk_proto_rd_str_nn(r, flex);
            s->Value = sk_rd_str(r, flex);
            s->Source = sk_rd_i8(r);
            sk_rd_tags(r, flex);
        }
    }
    sk_rd_tags(r, flex);
}

static void rd_result(sk_rd_t *r, int16_t version, int flex, sk_arena_t *a,
                      sk_describeconfigs_result_t *res)
{
    res->ErrorCode = sk_rd_i16(r);
    res->ErrorMessage = sk_rd_str(r, flex);
    res->ResourceType = sk_rd_i8(r);
    res->ResourceName = sk_proto_rd_str_nn(r, flex);
    /* Name + Value + 3 bools [+ synonyms count] [+ tags]: 5 flexible, 7 classic. */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 5 : 7);
    res->ConfigsCnt = sk_rd_ok(r) ? n : 0;
    res->Configs = sk_proto_alloc(a, res->ConfigsCnt, sizeof(*res->Configs));
    for (int32_t i = 0; i < res->ConfigsCnt && sk_rd_ok(r); i++)
        rd_config(r, version, flex, a, &res->Configs[i]);
    sk_rd_tags(r, flex);
}

int sk_describeconfigs_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                   sk_describeconfigs_resp_t *out)
{
    *out = (sk_describeconfigs_resp_t){0};
    if (bad_version(version))
        return SK_EINVAL;
    int flex = is_flex(version);
    out->ThrottleTimeMs = sk_rd_i32(r);
    /* ErrorCode + ErrorMessage + ResourceType + ResourceName + Configs count
     * [+ tags]: 7 flexible, 11 classic. */
    int32_t n = sk_proto_rd_count_nn(r, flex, flex ? 7 : 11);
    out->ResultsCnt = sk_rd_ok(r) ? n : 0;
    out->Results = sk_proto_alloc(a, out->ResultsCnt, sizeof(*out->Results));
    for (int32_t i = 0; i < out->ResultsCnt && sk_rd_ok(r); i++)
        rd_result(r, version, flex, a, &out->Results[i]);
    sk_rd_tags(r, flex);
    return sk_proto_rd_result(r);
}

static int wr_config(sk_wr_t *w, int16_t version, int flex, const sk_describeconfigs_config_t *c)
{
    if (c->Name.len < 0 || c->SynonymsCnt < 0)
        return SK_EINVAL;
    sk_wr_sstr(w, flex, c->Name);
    sk_wr_sstr(w, flex, c->Value);
    sk_wr_bool(w, c->ReadOnly);
    if (version == 0)
        sk_wr_bool(w, c->IsDefault);
    else
        sk_wr_i8(w, c->ConfigSource);
    sk_wr_bool(w, c->IsSensitive);
    if (version >= 1) {
        sk_wr_arraylen(w, flex, c->SynonymsCnt);
        for (int32_t i = 0; i < c->SynonymsCnt; i++) {
            const sk_describeconfigs_synonym_t *s = &c->Synonyms[i];
            if (s->Name.len < 0)
                return SK_EINVAL;
            sk_wr_sstr(w, flex, s->Name);
            sk_wr_sstr(w, flex, s->Value);
            sk_wr_i8(w, s->Source);
            sk_wr_tags(w, flex);
        }
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

static int wr_resp(sk_wr_t *w, int16_t version, const sk_describeconfigs_resp_t *resp)
{
    int flex = is_flex(version);
    if (resp->ResultsCnt < 0)
        return SK_EINVAL;
    sk_wr_i32(w, resp->ThrottleTimeMs);
    sk_wr_arraylen(w, flex, resp->ResultsCnt);
    for (int32_t i = 0; i < resp->ResultsCnt; i++) {
        const sk_describeconfigs_result_t *res = &resp->Results[i];
        if (res->ResourceName.len < 0 || res->ConfigsCnt < 0)
            return SK_EINVAL;
        sk_wr_i16(w, res->ErrorCode);
        sk_wr_sstr(w, flex, res->ErrorMessage);
        sk_wr_i8(w, res->ResourceType);
        sk_wr_sstr(w, flex, res->ResourceName);
        sk_wr_arraylen(w, flex, res->ConfigsCnt);
        for (int32_t j = 0; j < res->ConfigsCnt; j++) {
            int rc = wr_config(w, version, flex, &res->Configs[j]);
            if (rc != SK_OK)
                return rc;
        }
        sk_wr_tags(w, flex);
    }
    sk_wr_tags(w, flex);
    return SK_OK;
}

int sk_describeconfigs_resp_encode(sk_wr_t *w, int16_t version,
                                   const sk_describeconfigs_resp_t *resp)
{
    if (bad_version(version))
        return SK_EINVAL;
    size_t start = w->len;
    int rc = wr_resp(w, version, resp);
    if (rc != SK_OK)
        w->len = start;
    return rc;
}
