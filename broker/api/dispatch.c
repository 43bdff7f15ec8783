/* dispatch.c - request header decoding and routing to the API handlers. */
#include "api/api.h"

#include "apis.h"
#include "metrics.h"
#include "kbuf.h"
#include "kerr.h"
#include "msgcodec.h"
#include "proto_gen.h"
#include "proto_hdr.h"

#include <event2/buffer.h>
#include <string.h>

typedef int (*api_handler_fn)(sk_broker_t *b, sk_req_t *req, sk_rd_t *r);

/* The handler of every API key, from the schema (SK_API_HANDLERS). */
static api_handler_fn handler_for(int16_t key)
{
#define SK_HANDLER_CASE(key, fn) \
    case key:                    \
        return sk_api_##fn;
    switch (key) {
        SK_API_HANDLERS(SK_HANDLER_CASE)
    default:
        return NULL;
    }
#undef SK_HANDLER_CASE
}

void sk_req_set_body(sk_req_t *req, sk_wr_t *w)
{
    evbuffer_add(req->resp, w->buf, w->len);
    sk_wr_free(w);
}

int sk_req_respond(sk_req_t *req, const void *resp)
{
    const sk_api_t *api = sk_api_find(req->api_key);
    sk_wr_t w;
    sk_wr_init(&w);
    if (!api || !api->generated ||
        sk_msg_encode(api->resp, req->api_version, &w, resp) != SK_OK) {
        sk_wr_free(&w);
        sk_error("net", "closing connection from %s: the %s v%d response (correlation id %d) "
                 "cannot be encoded", sk_req_peer(req), sk_api_name(req->api_key),
                 req->api_version, req->correlation_id);
        /* also for an answer completed later (SK_REQ_PENDING): send nothing,
         * then close */
        req->no_response = 1;
        sk_req_close_after(req);
        return SK_REQ_CLOSE;
    }
    sk_req_set_body(req, &w);
    return SK_REQ_DONE;
}

/* 1 when the response body of (key, version) begins with ThrottleTimeMs, as
 * most of Kafka's do from some version (Produce and ApiVersions carry it last). */
static int throttle_first(int16_t key, int16_t version)
{
    const sk_api_t *api = sk_api_find(key);
    if (!api || !api->resp || api->resp->nfields < 1)
        return 0;
    const sk_msgfield_t *f = &api->resp->fields[0];
    return strcmp(f->name, "ThrottleTimeMs") == 0 && f->tag_lo < 0 && version >= f->ver_lo &&
           version <= f->ver_hi;
}

/* ---- topic administration waits for the controller's view ----
 *
 * CreateTopics, CreatePartitions and DeleteTopics are decided by the active
 * controller on the brokers and topics it reads from ZooKeeper. One that
 * arrives after this broker became controller but before it has read them
 * is held (the connection reads nothing meanwhile) until it has, at most
 * CTRL_HOLD_MS; then the handler runs, and answers NOT_CONTROLLER (which
 * clients retry) if the view is still not there. It is never answered from
 * a partial view ("larger than available brokers: 1" right after start). */

#define CTRL_HOLD_MS 10000

static int is_topic_admin(int16_t key)
{
    return key == SK_API_CREATE_TOPICS || key == SK_API_DELETE_TOPICS ||
           key == SK_API_CREATE_PARTITIONS;
}

static uint64_t ctrl_ready_key(void)
{
    return sk_purg_key("\0controller-ready", 17, -1); /* no topic is named so */
}

typedef struct ctrl_hold {
    sk_broker_t *b;
    sk_req_t *req;
} ctrl_hold_t;

static int dispatch(sk_broker_t *b, sk_req_t *req, int may_hold);

static int ctrl_hold_try(void *arg, sk_purg_why_t why)
{
    ctrl_hold_t *h = arg;
    if (why == SK_PURG_FLUSHED) { /* shutdown: left to the connection's end */
        free(h);
        return 1;
    }
    if (why == SK_PURG_WOKEN && sk_ctrl_active(h->b->ctrl) && !sk_ctrl_ready(h->b->ctrl))
        return 0;
    sk_broker_t *b = h->b;
    sk_req_t *req = h->req;
    free(h);
    int rc = dispatch(b, req, 0);
    if (rc == SK_REQ_CLOSE) {
        req->no_response = 1;
        sk_req_close_after(req);
    }
    if (rc != SK_REQ_PENDING)
        sk_req_complete(req);
    return 1;
}

void sk_api_ctrl_ready_changed(sk_broker_t *b)
{
    sk_purg_wake(b->parts->meta, ctrl_ready_key());
}

static int ctrl_hold(sk_broker_t *b, sk_req_t *req)
{
    sk_info("admin", "%s from %s held until the controller has loaded the cluster",
            sk_api_name(req->api_key), sk_req_peer(req));
    ctrl_hold_t *h = sk_calloc(1, sizeof(*h));
    h->b = b;
    h->req = req;
    sk_purg_op_t *op = sk_purg_add(b->parts->meta, CTRL_HOLD_MS, ctrl_hold_try, h);
    sk_purg_watch(op, ctrl_ready_key());
    return SK_REQ_PENDING;
}

int sk_api_ctrl_hold(sk_broker_t *b, sk_req_t *req)
{
    if (sk_ctrl_ready(b->ctrl))
        return SK_REQ_CLOSE; /* misuse: nothing to wait for */
    return ctrl_hold(b, req);
}

int sk_dispatch(void *arg, sk_req_t *req)
{
    return dispatch(arg, req, 1);
}

static int dispatch(sk_broker_t *b, sk_req_t *req, int may_hold)
{
    sk_rd_t r;
    sk_req_hdr_t hdr;

    if (req->sasl_raw) /* a bare SASL token: no header to decode */
        return b->stopping ? SK_REQ_CLOSE : sk_api_saslauthenticate(b, req, NULL);
    sk_rd_init(&r, req->frame, req->frame_len);
    int rc = sk_req_hdr_decode(&r, &hdr);
    api_handler_fn fn = handler_for(hdr.RequestApiKey);
    if (rc == SK_ENOENT || (rc == SK_OK && !fn)) {
        sk_warn("net", "closing connection from %s: unsupported API key %d (%s) version %d, "
                "correlation id %d (UNSUPPORTED_VERSION)",
                sk_req_peer(req), hdr.RequestApiKey, sk_api_name(hdr.RequestApiKey),
                hdr.RequestApiVersion, hdr.CorrelationId);
        return SK_REQ_CLOSE;
    }
    if (rc != SK_OK) {
        sk_warn("net", "closing connection from %s: malformed request header (api key %d)",
                sk_req_peer(req), hdr.RequestApiKey);
        return SK_REQ_CLOSE;
    }
    if (!sk_api_supported(hdr.RequestApiKey, hdr.RequestApiVersion) &&
        hdr.RequestApiKey != SK_API_API_VERSIONS) {
        sk_warn("net", "closing connection from %s: %s version %d is not supported "
                "(UNSUPPORTED_VERSION), correlation id %d",
                sk_req_peer(req), sk_api_name(hdr.RequestApiKey), hdr.RequestApiVersion,
                hdr.CorrelationId);
        return SK_REQ_CLOSE;
    }
    req->resp_flexible = sk_resp_hdr_version(hdr.RequestApiKey, hdr.RequestApiVersion) == 1;
    if (b->stopping) {
        sk_debug("net", "closing connection from %s: broker is shutting down", sk_req_peer(req));
        return SK_REQ_CLOSE;
    }
    req->client_id = hdr.ClientId.len > 0 ? hdr.ClientId.p : "";
    req->client_id_len = hdr.ClientId.len > 0 ? hdr.ClientId.len : 0;
    if (may_hold && is_topic_admin(hdr.RequestApiKey) && b->ctrl && sk_ctrl_active(b->ctrl) &&
        !sk_ctrl_ready(b->ctrl))
        return ctrl_hold(b, req);
    int timed = sk_api_quota_timed(b, req);
    if (timed) /* its throttle goes into the answer's ThrottleTimeMs where that is first */
        req->throttle_first = throttle_first(hdr.RequestApiKey, hdr.RequestApiVersion);
    int64_t start = timed ? sk_met_now_us() : 0;
    rc = fn(b, req, &r);
    if (timed) /* request_percentage: the loop's time on this client's request */
        sk_api_quota_record(b, req, SK_QUOTA_REQUEST, (double)(sk_met_now_us() - start));
    return rc;
}

/* A malformed body: one log line, then the connection is closed. */
int sk_api_malformed(sk_req_t *req)
{
    sk_warn("net", "closing connection from %s: malformed %s v%d request (correlation id %d)",
            sk_req_peer(req), sk_api_name(req->api_key), req->api_version, req->correlation_id);
    return SK_REQ_CLOSE;
}
