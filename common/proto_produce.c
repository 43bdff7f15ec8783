/* proto_produce.c - stub, being implemented. */
#include "proto_produce.h"
#include "kerr.h"

int sk_produce_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_produce_req_t *out)
{
    (void)r;
    (void)version;
    (void)a;
    (void)out;
    return SK_EINVAL;
}

int sk_produce_req_encode(sk_wr_t *w, int16_t version, const sk_produce_req_t *req)
{
    (void)w;
    (void)version;
    (void)req;
    return SK_EINVAL;
}

int sk_produce_resp_encode(sk_wr_t *w, int16_t version, const sk_produce_resp_t *resp)
{
    (void)w;
    (void)version;
    (void)resp;
    return SK_EINVAL;
}

int sk_produce_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_produce_resp_t *out)
{
    (void)r;
    (void)version;
    (void)a;
    (void)out;
    return SK_EINVAL;
}
