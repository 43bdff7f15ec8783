/* perf_scram.c - one SCRAM login over a plain socket (see perf_scram.h). */
#include "perf_scram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "proto_gen.h"
#include "rawreq.h"
#include "scram.h"

#define KEY_HANDSHAKE 17
#define KEY_AUTHENTICATE 36
#define SASL_VERSION 1

/* One SaslAuthenticate round: token out, the server's token back in *tok
 * (in arena a). 0, 1 (refused), -1. */
static int auth_round(int fd, sk_arena_t *a, const char *out, size_t outlen, sk_str_t *tok,
                      char *err, size_t errlen)
{
    sk_saslauthenticate_req_t q;
    sk_saslauthenticate_req_init(&q);
    q.AuthBytes = (sk_str_t){out, (int32_t)outlen};
    sk_wr_t w;
    sk_wr_init(&w);
    sk_saslauthenticate_req_encode(&w, SASL_VERSION, &q);
    uint8_t *body = NULL;
    size_t len = 0;
    if (sk_raw_round_trip(fd, KEY_AUTHENTICATE, SASL_VERSION, "skein-perf", &w, &body, &len, err,
                          errlen) != 0)
        return -1;
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_saslauthenticate_resp_t resp;
    int rc = -1;
    if (sk_saslauthenticate_resp_decode(&r, SASL_VERSION, a, &resp) != SK_OK) {
        snprintf(err, errlen, "malformed SaslAuthenticate response");
    } else if (resp.ErrorCode != SK_KERR_NONE) {
        snprintf(err, errlen, "SaslAuthenticate error %d: %.*s", resp.ErrorCode,
                 resp.ErrorMessage.len > 0 ? (int)resp.ErrorMessage.len : 0,
                 resp.ErrorMessage.p ? resp.ErrorMessage.p : "");
        rc = resp.ErrorCode == SK_KERR_SASL_AUTHENTICATION_FAILED ? 1 : -1;
    } else {
        /* the body is freed below: keep the token in the arena */
        size_t tl = resp.AuthBytes.len > 0 ? (size_t)resp.AuthBytes.len : 0;
        char *copy = sk_arena_alloc(a, tl + 1);
        memcpy(copy, tl ? resp.AuthBytes.p : "", tl);
        *tok = (sk_str_t){copy, (int32_t)tl};
        rc = 0;
    }
    free(body);
    return rc;
}

static int handshake(int fd, sk_arena_t *a, const char *mechanism, char *err, size_t errlen)
{
    sk_saslhandshake_req_t q;
    sk_saslhandshake_req_init(&q);
    q.Mechanism = sk_str_c(mechanism);
    sk_wr_t w;
    sk_wr_init(&w);
    sk_saslhandshake_req_encode(&w, SASL_VERSION, &q);
    uint8_t *body = NULL;
    size_t len = 0;
    if (sk_raw_round_trip(fd, KEY_HANDSHAKE, SASL_VERSION, "skein-perf", &w, &body, &len, err,
                          errlen) != 0)
        return -1;
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_saslhandshake_resp_t resp;
    int rc = 0;
    if (sk_saslhandshake_resp_decode(&r, SASL_VERSION, a, &resp) != SK_OK) {
        snprintf(err, errlen, "malformed SaslHandshake response");
        rc = -1;
    } else if (resp.ErrorCode != SK_KERR_NONE) {
        snprintf(err, errlen, "SaslHandshake error %d (is %s enabled on this listener?)",
                 resp.ErrorCode, mechanism);
        rc = -1;
    }
    free(body);
    return rc;
}

int sk_perf_scram_login(const char *hostport, const char *mechanism, const char *user,
                        const char *password, char *err, size_t errlen)
{
    int m = sk_scram_mech_parse(mechanism);
    if (m < 0) {
        snprintf(err, errlen, "unknown SCRAM mechanism %s", mechanism);
        return -1;
    }
    int fd = sk_raw_dial(hostport, 30, err, errlen);
    if (fd < 0)
        return -1;
    sk_arena_t *a = sk_arena_new(0);
    sk_scram_client_t *c = sk_scram_client_new((sk_scram_mech_t)m, user, password, NULL);
    char *out = NULL;
    size_t outlen = 0;
    sk_str_t tok;
    int rc = handshake(fd, a, mechanism, err, errlen);
    if (rc == 0 && (!c || sk_scram_client_first(c, &out, &outlen) != SK_OK)) {
        snprintf(err, errlen, "cannot build the client-first message");
        rc = -1;
    }
    if (rc == 0)
        rc = auth_round(fd, a, out, outlen, &tok, err, errlen);
    free(out);
    out = NULL;
    if (rc == 0 && sk_scram_client_final(c, (const uint8_t *)tok.p, (size_t)tok.len, &out,
                                         &outlen, err, errlen) != SK_OK)
        rc = -1;
    if (rc == 0)
        rc = auth_round(fd, a, out, outlen, &tok, err, errlen);
    if (rc == 0 && sk_scram_client_verify(c, (const uint8_t *)tok.p, (size_t)tok.len, err,
                                          errlen) != SK_OK)
        rc = -1;
    free(out);
    sk_scram_client_free(c);
    sk_arena_free(a);
    close(fd);
    return rc;
}
