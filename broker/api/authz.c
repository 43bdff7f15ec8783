/* authz.c - the request's principal against the ACLs (meta/acl.h): one
 * helper for every handler, so that each check is one line where Kafka's
 * KafkaApis makes it. Without an authorizer everything is allowed. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apis.h"
#include "log.h"
#include "meta/acl.h"

/* The address part of "ip:port" or "[ipv6]:port", into buf (no allocation:
 * this runs for every Produce and Fetch). */
static const char *peer_host(const sk_req_t *req, char *buf, size_t len)
{
    const char *peer = sk_req_peer(req);
    const char *start = peer, *end = strrchr(peer, ':');
    if (*peer == '[') {
        start = peer + 1;
        end = strchr(start, ']');
    }
    size_t n = end ? (size_t)(end - start) : strlen(start);
    if (n >= len)
        n = len - 1;
    memcpy(buf, start, n);
    buf[n] = '\0';
    return buf;
}

static int decided(const sk_req_t *req, int allowed, int op, int type, const char *name)
{
    if (!allowed)
        sk_debug("acl", "principal %s from %s denied %s on %s %s (%s v%d)", sk_req_principal(req),
                 sk_req_peer(req), sk_acl_op_name(op), sk_acl_res_name(type), name,
                 sk_api_name(req->api_key), req->api_version);
    return allowed;
}

int sk_authz(sk_broker_t *b, const sk_req_t *req, int op, int type, const char *name)
{
    if (!b->acl)
        return 1;
    char host[64];
    int ok = sk_acl_authorize(b->acl, sk_req_principal(req), peer_host(req, host, sizeof(host)),
                              op, type, name);
    return decided(req, ok, op, type, name);
}

int sk_authz_len(sk_broker_t *b, const sk_req_t *req, int op, int type, const char *name,
                 int32_t len)
{
    if (!b->acl)
        return 1;
    char buf[256];
    size_t n = len > 0 ? (size_t)len : 0;
    if (n < sizeof(buf)) { /* topic names are at most 249 bytes */
        memcpy(buf, name ? name : "", n);
        buf[n] = '\0';
        return sk_authz(b, req, op, type, buf);
    }
    char *tmp = sk_strndup(name, n);
    int ok = sk_authz(b, req, op, type, tmp);
    free(tmp);
    return ok;
}

int sk_authz_cluster(sk_broker_t *b, const sk_req_t *req, int op)
{
    return sk_authz(b, req, op, SK_ACL_RES_CLUSTER, SK_ACL_CLUSTER_NAME);
}

int sk_authz_any(sk_broker_t *b, const sk_req_t *req, int op, int type)
{
    if (!b->acl)
        return 1;
    char host[64];
    int ok = sk_acl_authorize_any(b->acl, sk_req_principal(req),
                                  peer_host(req, host, sizeof(host)), op, type);
    return decided(req, ok, op, type, "(any)");
}
