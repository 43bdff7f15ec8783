/* proto_apiversions.h - ApiVersions (key 18), versions 0-3 (3 is flexible).
 *
 * Response header is always v0 for this API (see proto_hdr.h).
 * When a client asks for a version newer than we support, answer with the
 * v0 layout: fill the response with sk_apiversions_resp_fill(), set
 * ErrorCode = SK_KERR_UNSUPPORTED_VERSION and encode it with version 0
 * (the body must NOT be decoded in that case: its layout is unknown).
 * @locality any
 */
#ifndef SK_PROTO_APIVERSIONS_H
#define SK_PROTO_APIVERSIONS_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

typedef struct sk_apiversions_req {
    sk_str_t ClientSoftwareName;     /* v3+; null below v3 */
    sk_str_t ClientSoftwareVersion;  /* v3+; null below v3 */
} sk_apiversions_req_t;

typedef struct sk_apiversions_key {
    int16_t ApiKey;
    int16_t MinVersion;
    int16_t MaxVersion;
} sk_apiversions_key_t;

typedef struct sk_apiversions_resp {
    int16_t ErrorCode;
    sk_apiversions_key_t *ApiKeys;
    int32_t ApiKeysCnt;
    int32_t ThrottleTimeMs;          /* v1+ */
    /* v3 tagged fields (SupportedFeatures, FinalizedFeatures...) are not
     * written; the decoder skips them. */
} sk_apiversions_resp_t;

/* Decoders: SK_OK, SK_EPARSE on malformed/truncated input, SK_EINVAL on a
 * version outside 0-3. Arrays come from a; strings are views into r's bytes. */
int sk_apiversions_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                              sk_apiversions_req_t *out);
int sk_apiversions_req_encode(sk_wr_t *w, int16_t version, const sk_apiversions_req_t *req);
int sk_apiversions_resp_encode(sk_wr_t *w, int16_t version, const sk_apiversions_resp_t *resp);
int sk_apiversions_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_apiversions_resp_t *out);
/* Fill resp (ErrorCode 0, throttle 0) with one entry per row of the apis.h
 * table, array allocated from a. */
void sk_apiversions_resp_fill(sk_apiversions_resp_t *resp, sk_arena_t *a);

#endif
