/* proto_apiversions.h - ApiVersions (key 18), versions 0-3 (3 is flexible).
 *
 * The codec is generated from common/schema/apis.schema: sk_apiversions_
 * {req,resp}_t and sk_apiversions_{req,resp}_{decode,encode,size,free,init}
 * in proto_gen.h. The quirks the schema cannot say, kept by hand:
 * - the response header is always v0 for this API (proto_hdr.c);
 * - a client asking for a version newer than ours gets the v0 layout: fill
 *   the response with sk_apiversions_resp_fill(), set ErrorCode =
 *   SK_KERR_UNSUPPORTED_VERSION and encode it at version 0 (the request body
 *   is not decoded then: its layout is unknown).
 * @locality any
 */
#ifndef SK_PROTO_APIVERSIONS_H
#define SK_PROTO_APIVERSIONS_H

#include "apis.h"
#include "arena.h"
#include "proto_gen.h"

/* Fill resp (ErrorCode 0, no throttle) with one entry per API of the table,
 * the range Skein accepts; the array comes from a. */
static inline void sk_apiversions_resp_fill(sk_apiversions_resp_t *resp, sk_arena_t *a)
{
    size_t n = sk_api_count();
    sk_apiversions_resp_init(resp);
    resp->ApiKeysCnt = (int32_t)n;
    resp->ApiKeys = sk_arena_calloc(a, n + 1, sizeof(*resp->ApiKeys));
    for (size_t i = 0; i < n; i++) {
        const sk_api_t *api = sk_api_at(i);
        resp->ApiKeys[i].ApiKey = api->key;
        resp->ApiKeys[i].MinVersion = api->min_ver;
        resp->ApiKeys[i].MaxVersion = api->max_ver;
    }
}

#endif
