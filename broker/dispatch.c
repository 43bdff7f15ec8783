/* dispatch.c - request header decoding and routing to the API handlers. */
#include "broker_int.h"

#include "apis.h"
#include "kbuf.h"
#include "kerr.h"
#include "proto_hdr.h"

#include <event2/buffer.h>

typedef int (*api_handler_fn)(sk_broker_t *b, sk_req_t *req, sk_rd_t *r);

static api_handler_fn handler_for(int16_t key)
{
    switch (key) {
    case SK_API_PRODUCE: return sk_api_produce;
    case SK_API_FETCH: return sk_api_fetch;
    case SK_API_LIST_OFFSETS: return sk_api_listoffsets;
    case SK_API_METADATA: return sk_api_metadata;
    case SK_API_API_VERSIONS: return sk_api_apiversions;
    case SK_API_CREATE_TOPICS: return sk_api_createtopics;
    case SK_API_LEADER_AND_ISR: return sk_api_leaderandisr;
    case SK_API_UPDATE_METADATA: return sk_api_updatemetadata;
    case SK_API_STOP_REPLICA: return sk_api_stopreplica;
    case SK_API_DELETE_TOPICS: return sk_api_deletetopics;
    case SK_API_CREATE_PARTITIONS: return sk_api_createpartitions;
    case SK_API_DESCRIBE_CLUSTER: return sk_api_describecluster;
    case SK_API_DESCRIBE_CONFIGS: return sk_api_describeconfigs;
    case SK_API_ALTER_PARTITION: return sk_api_alterpartition;
    case SK_API_OFFSET_FOR_LEADER_EPOCH: return sk_api_offsetforleaderepoch;
    case SK_API_CONTROLLED_SHUTDOWN: return sk_api_controlledshutdown;
    case SK_API_ELECT_LEADERS: return sk_api_electleaders;
    case SK_API_FIND_COORDINATOR: return sk_api_findcoordinator;
    case SK_API_JOIN_GROUP: return sk_api_joingroup;
    case SK_API_SYNC_GROUP: return sk_api_syncgroup;
    case SK_API_HEARTBEAT: return sk_api_heartbeat;
    case SK_API_LEAVE_GROUP: return sk_api_leavegroup;
    case SK_API_OFFSET_COMMIT: return sk_api_offsetcommit;
    case SK_API_OFFSET_FETCH: return sk_api_offsetfetch;
    case SK_API_LIST_GROUPS: return sk_api_listgroups;
    case SK_API_DESCRIBE_GROUPS: return sk_api_describegroups;
    case SK_API_DELETE_GROUPS: return sk_api_deletegroups;
    case SK_API_OFFSET_DELETE: return sk_api_offsetdelete;
    case SK_API_INIT_PRODUCER_ID: return sk_api_initproducerid;
    default: return NULL;
    }
}

void sk_req_set_body(sk_req_t *req, sk_wr_t *w)
{
    evbuffer_add(req->resp, w->buf, w->len);
    sk_wr_free(w);
}

int sk_dispatch(void *arg, sk_req_t *req)
{
    sk_broker_t *b = arg;
    sk_rd_t r;
    sk_req_hdr_t hdr;

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
    rc = fn(b, req, &r);
    return rc;
}

/* A malformed body: one log line, then the connection is closed. */
int sk_api_malformed(sk_req_t *req)
{
    sk_warn("net", "closing connection from %s: malformed %s v%d request (correlation id %d)",
            sk_req_peer(req), sk_api_name(req->api_key), req->api_version, req->correlation_id);
    return SK_REQ_CLOSE;
}
