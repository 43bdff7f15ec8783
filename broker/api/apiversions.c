/* api_apiversions.c - ApiVersions (key 18): what we speak, from the API
 * table generated from the schema (so the ranges are written once). */
#include "api/api.h"

#include "apis.h"
#include "kbuf.h"
#include "kerr.h"
#include "proto_apiversions.h"

int sk_api_apiversions(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    (void)b;
    sk_apiversions_resp_t resp;
    sk_apiversions_resp_fill(&resp, req->arena);

    if (!sk_api_supported(SK_API_API_VERSIONS, req->api_version)) {
        /* KIP-511: a too-new ApiVersions gets a v0-layout body with
         * UNSUPPORTED_VERSION and our ranges, so the client can retry lower. */
        resp.ErrorCode = SK_KERR_UNSUPPORTED_VERSION;
        req->resp_flexible = 0;
        sk_wr_t w;
        sk_wr_init(&w);
        if (sk_apiversions_resp_encode(&w, 0, &resp) != SK_OK) {
            sk_wr_free(&w);
            sk_error("net", "closing connection from %s: the ApiVersions v0 answer cannot be "
                     "encoded", sk_req_peer(req));
            return SK_REQ_CLOSE;
        }
        sk_req_set_body(req, &w);
        sk_debug("net", "ApiVersions v%d from %s not supported: answered with v0 layout",
                 req->api_version, sk_req_peer(req));
        return SK_REQ_DONE;
    }
    sk_apiversions_req_t in;
    if (sk_apiversions_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    return sk_req_respond(req, &resp);
}
