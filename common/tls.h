/* tls.h - TLS contexts built from Kafka's ssl.* keys (OpenSSL).
 *
 * sk_tls_new() looks at every listener of a loaded configuration:
 *  - protocol SSL or SASL_SSL: builds a server SSL_CTX from the ssl.* keys in effect on
 *    that listener (listener.name.<l>.ssl.* over ssl.*): key store (PEM file,
 *    inline PEM per KIP-651, or PKCS12; a Java JKS file is refused with a
 *    hint to convert it), key password, trust store (PEM or PKCS12),
 *    ssl.client.auth, ssl.enabled.protocols / ssl.protocol and
 *    ssl.cipher.suites (IANA names, as Java spells them);
 *    (SASL itself is checked and set up by common/sasl.c);
 *  - an inter-broker listener (inter.broker.listener.name, or the one named
 *    after security.inter.broker.protocol) with protocol SSL or SASL_SSL: a client
 *    context for every connection to another broker (the controller's
 *    channel, follower fetchers, AlterPartition and controlled shutdown all
 *    go through broker/net/channel.c), from that listener's ssl.* keys: the
 *    trust store (required) verifies the peer, the key store is shown to it,
 *    and ssl.endpoint.identification.algorithm=https checks that the host
 *    connected to (name or IP address) is in the peer's certificate.
 * Any problem gives SK_EINVAL with a message naming the key (for example
 * "listener SSL: cannot read ssl.keystore.location /x.p12: ..."), so that
 * main() stops with exit status 2: a listener is never served with less
 * security than configured.
 *
 * The contexts are built at start-up, and rebuilt by sk_tls_reload() when
 * their files or (sk_tls_config_changed) their dynamic key store keys change.
 * @locality loop (built by main() before the loop runs)
 */
#ifndef SK_TLS_H
#define SK_TLS_H
#include <stddef.h>

#include "conf.h"

struct ssl_ctx_st;
struct ssl_st;
struct bufferevent;

typedef struct sk_tls_s sk_tls_t;

/* Build the contexts of every SSL listener of conf and check the listeners'
 * protocols as above. *out gets a (possibly empty) set. Returns 0, or
 * SK_EINVAL with the reason in err. */
int sk_tls_new(const sk_conf_t *conf, sk_tls_t **out, char *err, size_t errlen);
void sk_tls_free(sk_tls_t *t);

/* The server context of listener `name` (any letter case), or NULL when the
 * listener is served in plaintext. t may be NULL. */
struct ssl_ctx_st *sk_tls_server_ctx(const sk_tls_t *t, const char *name);

/* Build one server context from a view of the ssl.* keys
 * (sk_conf_listener_ssl()); listener names the keys in messages. */
int sk_tls_server_ctx_new(const sk_conf_t *view, const char *listener, struct ssl_ctx_st **out,
                          char *err, size_t errlen);

/* The client side of an inter-broker listener (see above), for tests. */
int sk_tls_client_ctx_new(const sk_conf_t *view, const char *listener, struct ssl_ctx_st **out,
                          char *err, size_t errlen);

/* A new client connection to another broker at host (the advertised host of
 * its inter-broker listener): *out = NULL (with 0) when inter-broker
 * traffic is plaintext, else an SSL with SNI and, if configured, the host
 * name or address check set. Returns 0 or SK_EIO. t may be NULL. */
int sk_tls_client_ssl(const sk_tls_t *t, const char *host, struct ssl_st **out);

/* Why a TLS bufferevent failed (OpenSSL's reason, plus the certificate
 * check's result when that failed), or NULL when OpenSSL gave none. */
const char *sk_tls_bev_reason(struct bufferevent *bev, char *buf, size_t len);

/* Certificate renewal without a restart: rebuild the context of every SSL
 * listener (and the inter-broker client) whose key or trust store file
 * changed on disk since it was built (inode, size or modification time), or
 * every one when force (SIGHUP). A rebuilt context serves new connections;
 * existing ones keep their session. One that fails to build is logged and
 * the one in use kept. Returns how many were replaced. t may be NULL. */
int sk_tls_reload(sk_tls_t *t, int force);
/* The listener keys of the process's configuration changed (a dynamic key
 * store, broker.c): sk_tls_reload() of the process's contexts, so that
 * those whose keys changed are rebuilt the same way as after a change on
 * disk. Returns how many were replaced. @locality loop */
int sk_tls_config_changed(void);

/* Before a dynamic key store is written (AlterConfigs): build listener's
 * server context from view (sk_conf_listener_ssl_with()) and check that its
 * certificate has the subject of the one in use and keeps all its subject
 * alternative names, as Kafka does (KIP-226). SK_OK when it would do (or
 * the listener is not a TLS listener of this broker), else SK_EINVAL with
 * the reason in err. Builds nothing that stays. @locality loop */
int sk_tls_check_keystore(const sk_tls_t *t, const char *listener, const sk_conf_t *view,
                          char *err, size_t errlen);

/* Whether t holds any context (then main() checks files every minute and
 * reloads on SIGHUP). */
int sk_tls_active(const sk_tls_t *t);
/* 1 if the kernel offers kernel TLS (the "tls" upper layer protocol in
 * /proc/sys/net/ipv4/tcp_available_ulp), else 0; ulp gets that file's line
 * ("unreadable" when it cannot be read). */
int sk_tls_kernel_offered(char *ulp, size_t len);

/* The Kafka principal of the peer of a finished handshake, into buf:
 * "User:" and its certificate's subject as Kafka's default
 * ssl.principal.mapping.rules give it (RFC 2253, e.g. "User:CN=alice,O=Acme"),
 * or "User:ANONYMOUS" without a certificate. */
void sk_tls_principal(struct ssl_st *ssl, char *buf, size_t len);

/* The process's contexts, set once by main() before the listeners are
 * created (the listener code finds a listener's context here by name).
 * sk_tls_set_process(NULL) forgets them. */
void sk_tls_set_process(sk_tls_t *t);
const sk_tls_t *sk_tls_process(void);

/* The last OpenSSL error of this thread as text (clears the queue), or
 * `fallback` when there is none. */
const char *sk_tls_error_text(char *buf, size_t len, const char *fallback);

#endif
