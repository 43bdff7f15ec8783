/* api_initpid.c - InitProducerId: producer ids for idempotent producers.
 *
 * A null TransactionalId (an idempotent producer) gets a fresh producer id
 * from producer_ids.c and epoch 0, on any broker, as Kafka answers it (a
 * re-initialising producer that sends its old id and epoch also gets a new
 * id). Transactions are not implemented: a transactional id is refused with
 * UNSUPPORTED_VERSION and one log line. */
#include "api/api.h"

#include <stdlib.h>

#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "mem.h"
#include "meta/producer_ids.h"
#include "proto_initproducerid.h"

typedef struct ip_state {
    sk_req_t *req;
    sk_broker_t *b;
    sk_pids_wait_t *wait;
    int in_handler; /* got_id ran inside the handler: it returns its result */
    int answered;
    int result;     /* SK_REQ_DONE, or SK_REQ_CLOSE if the answer did not encode */
} ip_state_t;

/* The response as the body; SK_REQ_DONE or SK_REQ_CLOSE (sk_req_respond). */
static int answer(sk_req_t *req, int16_t kerr, int64_t pid)
{
    sk_initproducerid_resp_t resp;
    sk_initproducerid_resp_init(&resp);
    resp.ErrorCode = kerr;
    resp.ProducerId = kerr == SK_KERR_NONE ? pid : -1;
    resp.ProducerEpoch = (int16_t)(kerr == SK_KERR_NONE ? 0 : -1);
    return sk_req_respond(req, &resp);
}

static void ip_free(sk_req_t *req)
{
    ip_state_t *st = req->handler_state;
    req->handler_state = NULL;
    if (st && st->wait)
        sk_pids_cancel(st->b->pids, st->wait);
    free(st);
}

static void got_id(int16_t kerr, int64_t pid, void *arg)
{
    ip_state_t *st = arg;
    sk_req_t *req = st->req;
    st->wait = NULL;
    if (kerr == SK_KERR_NONE)
        sk_debug("initpid", "producer id %lld for %s", (long long)pid, sk_req_peer(req));
    st->result = answer(req, kerr, pid);
    st->answered = 1;
    if (st->in_handler)
        return;
    req->handler_state = NULL;
    req->handler_free = NULL;
    if (st->result == SK_REQ_CLOSE)
        sk_req_close_after(req);
    free(st);
    sk_req_complete(req);
}

int sk_api_initproducerid(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_initproducerid_req_t in;
    if (sk_initproducerid_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    if (in.TransactionalId.len >= 0 &&
        !sk_authz_len(b, req, SK_ACL_OP_WRITE, SK_ACL_RES_TRANSACTIONAL_ID, in.TransactionalId.p,
                      in.TransactionalId.len))
        return answer(req, SK_KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1);
    /* an idempotent producer: IdempotentWrite on the cluster, or Write on
     * some topic (Kafka >= 2.8, KIP-679) */
    if (in.TransactionalId.len < 0 && !sk_authz_cluster(b, req, SK_ACL_OP_IDEMPOTENT_WRITE) &&
        !sk_authz_any(b, req, SK_ACL_OP_WRITE, SK_ACL_RES_TOPIC))
        return answer(req, SK_KERR_CLUSTER_AUTHORIZATION_FAILED, -1);
    if (in.TransactionalId.len >= 0) {
        sk_warn("initpid", "InitProducerId from %s for transactional id '%.*s' refused: "
                "transactions are not supported (UNSUPPORTED_VERSION)", sk_req_peer(req),
                (int)(in.TransactionalId.len > 200 ? 200 : in.TransactionalId.len),
                in.TransactionalId.p);
        return answer(req, SK_KERR_UNSUPPORTED_VERSION, -1);
    }
    ip_state_t *st = sk_calloc(1, sizeof(*st));
    st->req = req;
    st->b = b;
    req->handler_state = st;
    req->handler_free = ip_free;
    st->in_handler = 1;
    st->wait = sk_pids_next(b->pids, got_id, st); /* may answer right here */
    st->in_handler = 0;
    if (!st->answered)
        return SK_REQ_PENDING;
    req->handler_state = NULL;
    req->handler_free = NULL;
    int rc = st->result;
    free(st);
    return rc;
}
