/* proto_hdr.h - Kafka request and response headers.
 *
 * Request header v1 (non-flexible APIs) / v2 (flexible): api key, api
 * version, correlation id, client id (always a classic nullable string), and
 * in v2 a tag section. The header version follows sk_api_flexible(), except
 * for ControlledShutdown v0, whose request header is v0: api key, api
 * version and correlation id only (no client id), as in Kafka.
 * Response header v0 = correlation id; v1 adds a tag section and is used when
 * the response version is flexible, EXCEPT for ApiVersions, whose responses
 * always use v0 (clients parse them before knowing our versions).
 *
 * Framing (the int32 size prefix) is the caller's job; these functions only
 * read/write the header bytes.
 * @locality any
 */
#ifndef SK_PROTO_HDR_H
#define SK_PROTO_HDR_H
#include <stdint.h>

#include "kbuf.h"

typedef struct sk_req_hdr {
    int16_t RequestApiKey;
    int16_t RequestApiVersion;
    int32_t CorrelationId;
    sk_str_t ClientId;      /* view into the request bytes; may be null */
    int16_t HeaderVersion;  /* 0, 1 or 2, as decoded */
} sk_req_hdr_t;

/* Decode a request header from the start of a frame (after the size prefix),
 * leaving r at the first body byte.
 * Returns SK_OK; SK_ENOENT if the api key is not one Skein implements (key,
 * version, correlation id and client id are still filled in, so the caller
 * can log it and close; any v2 tag section is NOT consumed); SK_EPARSE if the
 * bytes are malformed (fields read before the failure are filled in, the rest
 * are zero). An implemented key with an unsupported version decodes fine:
 * check sk_api_supported() afterwards. */
int sk_req_hdr_decode(sk_rd_t *r, sk_req_hdr_t *out);

/* Encode a request header (v0, v1 or v2 as above); for
 * Skein's own outgoing requests (follower fetch, controller) and tests.
 * client_id NULL writes a null string. */
void sk_req_hdr_encode(sk_wr_t *w, int16_t key, int16_t version, int32_t corr_id,
                       const char *client_id);

/* Response header version (0 or 1) for a response to (key, version). */
int sk_resp_hdr_version(int16_t key, int16_t version);
/* Write the response header for (key, version). */
void sk_resp_hdr_encode(sk_wr_t *w, int16_t key, int16_t version, int32_t corr_id);
/* Read a response header for (key, version); SK_OK or SK_EPARSE. */
int sk_resp_hdr_decode(sk_rd_t *r, int16_t key, int16_t version, int32_t *corr_id);

#endif
