/* sasl.c - SaslHandshake (key 17) and SaslAuthenticate (key 36), and the
 * bare tokens that follow a v0 SaslHandshake.
 *
 * The exchange itself is common/sasl.c's (one sk_sasl_conn_t per
 * connection, kept by the net module); these handlers carry its tokens in
 * Kafka's messages, look a SCRAM user's credential up when the exchange
 * needs it, and answer as Kafka does. The credentials are those of
 * /config/users/<user> as meta/cfgchange.c keeps them: every user read at
 * start (and in each new session), and a user added, changed or deleted
 * with Kafka's /config/changes notification (skein-configs --zookeeper,
 * AlterUserScramCredentials, kafka-configs.sh) read again when it comes, so
 * a login costs no ZooKeeper read. Only until the first full read of
 * /config/users has ended does a login read its user's znode itself.
 * Answers:
 *  - SaslHandshake on a listener without SASL, or once authenticated:
 *    ILLEGAL_SASL_STATE, the connection stays;
 *  - a mechanism the listener does not enable: UNSUPPORTED_SASL_MECHANISM
 *    with the enabled ones, then the connection closes;
 *  - SaslAuthenticate on a listener without SASL, or once authenticated
 *    without a new SaslHandshake: ILLEGAL_SASL_STATE;
 *  - connections.max.reauth.ms (KIP-368): a successful SaslAuthenticate
 *    answers it as SessionLifetimeMs; the client re-authenticates on the
 *    same connection (SaslHandshake, SaslAuthenticate, as the same user)
 *    before it ends, else its next request closes the connection;
 *  - a refused authentication: SASL_AUTHENTICATION_FAILED with Kafka's
 *    message, one log line with the user, mechanism and address, and the
 *    connection closes after connection.failed.authentication.delay.ms (a
 *    v0 client gets no answer, as from Kafka).
 * @locality loop
 */
#include "api/api.h"

#include "meta/cfgchange.h"
#include "apis.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "proto_gen.h"
#include "sasl.h"
#include "zk.h"

#include <stdlib.h>
#include <string.h>

int sk_api_saslhandshake(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    (void)b;
    sk_saslhandshake_req_t in;
    if (sk_saslhandshake_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_saslhandshake_resp_t resp;
    sk_saslhandshake_resp_init(&resp);
    sk_sasl_conn_t *sc = sk_req_sasl(req);
    if (!sc) {
        resp.ErrorCode = SK_KERR_ILLEGAL_SASL_STATE;
        return sk_req_respond(req, &resp);
    }
    const sk_conf_list_t *mechs = sk_sasl_conn_mechanisms(sc);
    resp.MechanismsCnt = mechs->n;
    resp.Mechanisms = sk_arena_alloc(req->arena, (size_t)mechs->n * sizeof(sk_str_t) + 1);
    for (int i = 0; i < mechs->n; i++)
        resp.Mechanisms[i] = sk_str_c(mechs->v[i]);
    char *m = sk_str_dup(in.Mechanism);
    resp.ErrorCode = sk_sasl_conn_handshake(sc, m, req->api_version);
    if (resp.ErrorCode == SK_KERR_ILLEGAL_SASL_STATE) {
        /* authenticated already: Kafka answers and keeps the connection */
        free(m);
        return sk_req_respond(req, &resp);
    }
    if (resp.ErrorCode != SK_KERR_NONE) {
        sk_warn("sasl", "closing connection from %s on %s: SASL mechanism %.64s is not enabled "
                "(UNSUPPORTED_SASL_MECHANISM)", sk_req_peer(req), sk_req_listener(req),
                m ? m : "(null)");
        sk_req_sasl_failed(req, 0);
    } else {
        sk_debug("sasl", "connection from %s on %s: SaslHandshake v%d, mechanism %s",
                 sk_req_peer(req), sk_req_listener(req), req->api_version, m);
    }
    free(m);
    return sk_req_respond(req, &resp);
}

/* Answer a token exchange step: rc is sk_sasl_conn_token()'s. */
static int answer(sk_req_t *req, int rc, const uint8_t *out, size_t outlen, const char *msg)
{
    sk_sasl_conn_t *sc = sk_req_sasl(req);
    int64_t lifetime = 0;
    if (rc == SK_OK && sc && sk_sasl_conn_state(sc) == SK_SASL_DONE) {
        lifetime = sk_sasl_reauth_ms(sk_sasl_process());
        sk_req_sasl_done(req);
        sk_req_sasl_session(req, lifetime);
        sk_debug("sasl", "connection from %s on %s authenticated as %s with %s",
                 sk_req_peer(req), sk_req_listener(req), sk_sasl_conn_principal(sc),
                 sk_sasl_conn_mechanism(sc));
    } else if (rc != SK_OK) {
        const char *user = sc ? sk_sasl_conn_user(sc) : "";
        sk_warn("sasl", "authentication failed for User:%s with %s from %s on %s: %s",
                *user ? user : "(unknown)", sc ? sk_sasl_conn_mechanism(sc) : "?",
                sk_req_peer(req), sk_req_listener(req),
                sc && *sk_sasl_conn_reason(sc) ? sk_sasl_conn_reason(sc) : msg);
        sk_req_sasl_failed(req, 1);
    }
    if (req->sasl_raw) {
        if (rc == SK_OK)
            sk_req_raw_reply(req, out, outlen);
        else
            req->no_response = 1;
        return SK_REQ_DONE;
    }
    sk_saslauthenticate_resp_t resp;
    sk_saslauthenticate_resp_init(&resp);
    resp.ErrorCode = rc == SK_OK       ? SK_KERR_NONE
                     : rc == SK_ESTATE ? SK_KERR_ILLEGAL_SASL_STATE
                                       : SK_KERR_SASL_AUTHENTICATION_FAILED;
    resp.ErrorMessage = rc == SK_OK ? SK_STR_NULL : sk_str_c(msg);
    resp.AuthBytes = (sk_str_t){(const char *)(out ? out : (const uint8_t *)""),
                                (int32_t)(out ? outlen : 0)};
    resp.SessionLifetimeMs = lifetime;
    return sk_req_respond(req, &resp);
}

typedef struct {
    sk_req_t *req; /* NULL once the request is gone */
} cred_read_t;

static void cred_read_free(sk_req_t *req)
{
    cred_read_t *st = req->handler_state;
    st->req = NULL; /* the ZooKeeper completion frees st */
}

static void cred_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)stat;
    cred_read_t *st = arg;
    sk_req_t *req = st->req;
    if (!req) {
        free(st);
        return;
    }
    req->handler_state = NULL;
    req->handler_free = NULL;
    free(st);
    sk_sasl_conn_t *sc = sk_req_sasl(req);
    if (!sc) { /* the connection went away */
        sk_req_complete(req);
        return;
    }
    uint8_t *out = NULL;
    size_t outlen = 0;
    char msg[256] = "";
    int src;
    if (rc == ZOK || rc == ZNONODE) {
        src = sk_sasl_conn_credential(sc, rc == ZOK ? data : NULL,
                                      rc == ZOK && data ? (size_t)len : 0, &out, &outlen, msg,
                                      sizeof(msg));
    } else {
        /* ZooKeeper unavailable: refused like a wrong password, so that a
         * client is never let in unchecked; it may try again. */
        sk_warn("sasl", "cannot read /config/users/%s for %s: %s", sk_sasl_conn_user(sc),
                sk_req_peer(req), zerror(rc));
        src = sk_sasl_conn_credential(sc, NULL, 0, &out, &outlen, msg, sizeof(msg));
    }
    if (answer(req, src, out, outlen, msg) == SK_REQ_CLOSE)
        sk_req_close_after(req);
    free(out);
    sk_req_complete(req);
}

/* A user name usable in a znode path: no '/', not "." or "..", and no
 * character ZooKeeper refuses in a path. */
static int znode_name_ok(const char *u)
{
    if (!*u || strcmp(u, ".") == 0 || strcmp(u, "..") == 0 || strcmp(u, "zookeeper") == 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

int sk_api_saslauthenticate(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    const uint8_t *tok;
    size_t toklen;
    if (req->sasl_raw) {
        tok = req->frame;
        toklen = req->frame_len;
    } else {
        sk_saslauthenticate_req_t in;
        if (sk_saslauthenticate_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
            return sk_api_malformed(req);
        tok = (const uint8_t *)(in.AuthBytes.len > 0 ? in.AuthBytes.p : "");
        toklen = in.AuthBytes.len > 0 ? (size_t)in.AuthBytes.len : 0;
    }
    sk_sasl_conn_t *sc = sk_req_sasl(req);
    if (!sc || sk_sasl_conn_state(sc) == SK_SASL_DONE) {
        sk_saslauthenticate_resp_t resp;
        sk_saslauthenticate_resp_init(&resp);
        resp.ErrorCode = SK_KERR_ILLEGAL_SASL_STATE;
        resp.ErrorMessage = sk_str_c(sc ? "SaslAuthenticate after authentication needs a "
                                             "SaslHandshake first (re-authentication)"
                                        : "SASL is not enabled on this listener");
        resp.AuthBytes = (sk_str_t){"", 0};
        return sk_req_respond(req, &resp);
    }
    uint8_t *out = NULL;
    size_t outlen = 0;
    char msg[256] = "";
    int rc = sk_sasl_conn_token(sc, tok, toklen, &out, &outlen, msg, sizeof(msg));
    if (rc == SK_EAGAIN) {
        const char *user = sk_sasl_conn_user(sc);
        if (!znode_name_ok(user)) { /* cannot be a znode: no such user */
            rc = sk_sasl_conn_credential(sc, NULL, 0, &out, &outlen, msg, sizeof(msg));
        } else if (sk_cfgchange_loaded(b, "users")) {
            rc = sk_sasl_conn_credential_text(
                sc, sk_znode_config_get(sk_cfgchange_get(b, "users", user),
                                        sk_sasl_conn_mechanism(sc)),
                &out, &outlen, msg, sizeof(msg));
        } else {
            cred_read_t *st = sk_calloc(1, sizeof(*st));
            st->req = req;
            req->handler_state = st;
            req->handler_free = cred_read_free;
            char *path = sk_asprintf("/config/users/%s", user);
            sk_zk_get(b->zk, path, NULL, NULL, cred_cb, st);
            free(path);
            return SK_REQ_PENDING;
        }
    }
    int ret = answer(req, rc, out, outlen, msg);
    free(out);
    return ret;
}
