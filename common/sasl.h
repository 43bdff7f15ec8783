/* sasl.h - SASL on SASL_PLAINTEXT and SASL_SSL listeners: the broker's
 * setup from Kafka's keys, and the per-connection authentication state.
 *
 * sk_sasl_new() checks, for every listener with protocol SASL_*:
 *  - its sasl.enabled.mechanisms (or listener.name.<l>.sasl.enabled.
 *    mechanisms) names only mechanisms Skein serves: PLAIN, SCRAM-SHA-256,
 *    SCRAM-SHA-512. Kafka's default GSSAPI, OAUTHBEARER or any other name
 *    stops start-up: offering a mechanism that fails every client choosing
 *    it would be a broken listener, not a smaller one;
 *  - PLAIN has a JAAS line (listener.name.<l>.plain.sasl.jaas.config, else
 *    sasl.jaas.config) with Kafka's PlainLoginModule; its user_<name>
 *    options are the users;
 *  - a JAAS line given for SCRAM uses Kafka's ScramLoginModule (SCRAM users
 *    and their salted credentials are read from ZooKeeper /config/users);
 * and for the inter-broker listener (inter.broker.listener.name, or the one
 * named after security.inter.broker.protocol) with protocol SASL_*:
 *  - sasl.mechanism.inter.broker.protocol is served by Skein and enabled on
 *    that listener, and its JAAS line there has username and password (the
 *    broker's own credentials, sk_sasl_client_*()).
 * Any problem gives SK_EINVAL with a message naming the key, so that main()
 * exits with status 2.
 *
 * One sk_sasl_conn_t per connection on a SASL listener, an explicit state:
 *
 *   SK_SASL_HANDSHAKE     nothing yet: ApiVersions and SaslHandshake only
 *       sk_sasl_conn_handshake(mechanism, version)
 *   SK_SASL_AUTHENTICATE  mechanism chosen: SaslAuthenticate (v1+
 *                         handshake) or raw tokens (v0: Kafka's old
 *                         framing, sk_sasl_conn_raw())
 *       sk_sasl_conn_token()
 *   SK_SASL_CREDENTIAL    SCRAM: waiting for the user's credential (the
 *                         broker reads /config/users/<user>)
 *       sk_sasl_conn_credential()
 *   SK_SASL_DONE          authenticated: sk_sasl_conn_principal(); with
 *                         connections.max.reauth.ms set, a new SaslHandshake
 *                         with the same mechanism starts re-authentication
 *                         (KIP-368) back in AUTHENTICATE, and it must end as
 *                         the same user
 *   SK_SASL_FAILED        refused: the connection is answered and closed
 *
 * Messages for clients are Kafka's ("Authentication failed: Invalid
 * username or password", ...) and never contain a secret.
 * @locality loop
 */
#ifndef SK_SASL_H
#define SK_SASL_H
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

typedef struct sk_sasl_s sk_sasl_t;
typedef struct sk_sasl_conn_s sk_sasl_conn_t;

int sk_sasl_new(const sk_conf_t *conf, sk_sasl_t **out, char *err, size_t errlen);
void sk_sasl_free(sk_sasl_t *s);
/* Whether listener (any case) is a SASL listener. s may be NULL. */
int sk_sasl_listener(const sk_sasl_t *s, const char *listener);

/* Inter-broker client side: the mechanism (NULL when the inter-broker
 * listener is not SASL_*), user and password. s may be NULL. */
const char *sk_sasl_client_mechanism(const sk_sasl_t *s);
const char *sk_sasl_client_user(const sk_sasl_t *s);
const char *sk_sasl_client_password(const sk_sasl_t *s);

/* sasl.server.max.receive.size and connection.failed.authentication.
 * delay.ms (Kafka's defaults when s is NULL). */
int32_t sk_sasl_max_receive(const sk_sasl_t *s);
int32_t sk_sasl_fail_delay_ms(const sk_sasl_t *s);
/* connections.max.reauth.ms: an authenticated session's lifetime (0 = no
 * end, and no re-authentication). */
int64_t sk_sasl_reauth_ms(const sk_sasl_t *s);

/* The process's setup, set once by main() (as sk_tls_set_process()). */
void sk_sasl_set_process(sk_sasl_t *s);
const sk_sasl_t *sk_sasl_process(void);

typedef enum {
    SK_SASL_HANDSHAKE = 0,
    SK_SASL_AUTHENTICATE,
    SK_SASL_CREDENTIAL,
    SK_SASL_DONE,
    SK_SASL_FAILED,
} sk_sasl_state_t;

/* A connection accepted on listener (which must be a SASL listener of s;
 * else NULL). s must outlive it. */
sk_sasl_conn_t *sk_sasl_conn_new(const sk_sasl_t *s, const char *listener);
void sk_sasl_conn_free(sk_sasl_conn_t *c);
sk_sasl_state_t sk_sasl_conn_state(const sk_sasl_conn_t *c);
/* After a v0 SaslHandshake: tokens come as bare size-prefixed frames. */
int sk_sasl_conn_raw(const sk_sasl_conn_t *c);
/* The listener's enabled mechanisms (for the SaslHandshake answer). */
const sk_conf_list_t *sk_sasl_conn_mechanisms(const sk_sasl_conn_t *c);

/* SaslHandshake: Kafka's error code. NONE (mechanism chosen), UNSUPPORTED_
 * SASL_MECHANISM (not enabled here, or not the session's mechanism when
 * re-authenticating: FAILED), ILLEGAL_SASL_STATE (not the first SASL
 * request; once authenticated without re-authentication the state stays
 * DONE). */
int16_t sk_sasl_conn_handshake(sk_sasl_conn_t *c, const char *mechanism, int version);

/* One token from the client. Returns
 *   SK_OK      *out (allocated, may be empty) goes back; the state says
 *              whether more is expected (AUTHENTICATE) or it is DONE;
 *   SK_EAGAIN  SCRAM needs the credential of sk_sasl_conn_user(): call
 *              sk_sasl_conn_credential() when it has been read;
 *   SK_EINVAL  authentication failed (msg for the client); FAILED;
 *   SK_ESTATE  no token expected now (msg); FAILED. */
int sk_sasl_conn_token(sk_sasl_conn_t *c, const uint8_t *in, size_t len, uint8_t **out,
                       size_t *outlen, char *msg, size_t msglen);
/* The user's /config/users/<user> JSON (NULL/0 when the znode does not
 * exist): continues a SCRAM exchange, with sk_sasl_conn_token()'s
 * results. */
int sk_sasl_conn_credential(sk_sasl_conn_t *c, const char *json, size_t len, uint8_t **out,
                            size_t *outlen, char *msg, size_t msglen);
/* The same with the credential string of the exchange's mechanism as
 * Kafka stores it ("salt=...,stored_key=...,server_key=...,iterations=N"),
 * NULL when the user has none. */
int sk_sasl_conn_credential_text(sk_sasl_conn_t *c, const char *text, uint8_t **out,
                                 size_t *outlen, char *msg, size_t msglen);
/* The mechanism chosen ("" before), the user name as far as known (for
 * logs; "" before), and once DONE the principal "User:<name>". */
const char *sk_sasl_conn_mechanism(const sk_sasl_conn_t *c);
const char *sk_sasl_conn_user(const sk_sasl_conn_t *c);
const char *sk_sasl_conn_principal(const sk_sasl_conn_t *c);
/* Why the last step failed, in more detail than the client is told (for
 * the log line), or "". */
const char *sk_sasl_conn_reason(const sk_sasl_conn_t *c);

#endif
