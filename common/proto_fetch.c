/* proto_fetch.c - stub, being implemented. */
#include "proto_fetch.h"
#include <event2/buffer.h>
#include "kerr.h"

int sk_fetch_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_fetch_req_t *out)
{
    (void)r;
    (void)version;
    (void)a;
    (void)out;
    return SK_EINVAL;
}

int sk_fetch_req_encode(sk_wr_t *w, int16_t version, const sk_fetch_req_t *req)
{
    (void)w;
    (void)version;
    (void)req;
    return SK_EINVAL;
}

int sk_fetch_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_fetch_resp_t *out)
{
    (void)r;
    (void)version;
    (void)a;
    (void)out;
    return SK_EINVAL;
}

int sk_fetch_resp_encode(struct evbuffer *out, int16_t version, const sk_fetch_resp_t *resp)
{
    (void)out;
    (void)version;
    (void)resp;
    return SK_EINVAL;
}

int64_t sk_fetch_resp_size(int16_t version, const sk_fetch_resp_t *resp)
{
    (void)version;
    (void)resp;
    return SK_EINVAL;
}
