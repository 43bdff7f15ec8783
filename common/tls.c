/* tls.c - TLS contexts from Kafka's ssl.* keys (see tls.h). */
#include "tls.h"

#include <arpa/inet.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "kerr.h"
#include "log.h"
#include "mem.h"

typedef struct {
    char *name; /* listener name, upper-case as in conf */
    SSL_CTX *ctx;
    char *fp;   /* the store files as they were when ctx was built */
} tls_listener_t;

struct sk_tls_s {
    const sk_conf_t *conf; /* for reloads; outlives t */
    tls_listener_t *v;
    int n;
    SSL_CTX *client;  /* inter-broker connections; NULL = plaintext */
    char *client_name; /* the inter-broker listener */
    char *client_fp;
    int verify_host;  /* ssl.endpoint.identification.algorithm=https */
};

/* The contexts main() installed (read-only once the loop runs). */
static sk_tls_t *process_tls;

/* One key store or trust store's contents. */
typedef struct {
    EVP_PKEY *key;
    X509 *cert;            /* the leaf (key stores) */
    STACK_OF(X509) *certs; /* the rest of the chain, or every trusted certificate */
} store_t;

const char *sk_tls_error_text(char *buf, size_t len, const char *fallback)
{
    unsigned long e, last = 0;
    while ((e = ERR_get_error()) != 0)
        last = e;
    if (!last) {
        snprintf(buf, len, "%s", fallback);
        return buf;
    }
    const char *reason = ERR_reason_error_string(last);
    if (reason)
        snprintf(buf, len, "%s", reason);
    else
        ERR_error_string_n(last, buf, len);
    return buf;
}

static void store_free(store_t *s)
{
    EVP_PKEY_free(s->key);
    X509_free(s->cert);
    sk_X509_pop_free(s->certs, X509_free);
    memset(s, 0, sizeof(*s));
}

/* The message context: the key's name on this listener. */
typedef struct {
    const sk_conf_t *view;
    const char *listener;
} keyctx_t;

static const char *kname(const keyctx_t *kc, const char *key, char *buf, size_t len)
{
    sk_conf_ssl_key_name(kc->view, kc->listener, key, buf, len);
    return buf;
}

static int tls_pem_password(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pw = u;
    if (!pw || size <= 0)
        return 0;
    int n = (int)strlen(pw);
    if (n > size)
        n = size;
    memcpy(buf, pw, (size_t)n);
    return n;
}

/* Every certificate in a PEM BIO, in order, into certs (created). Returns
 * how many were read. */
static int pem_read_certs(BIO *bio, STACK_OF(X509) **certs)
{
    *certs = sk_X509_new_null();
    X509 *x;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        sk_X509_push(*certs, x);
    ERR_clear_error(); /* the end of the input reads as an error */
    return sk_X509_num(*certs);
}

/* Inline PEM (KIP-651) as a properties file gives it: lines joined by
 * continuation backslashes or written with \n escapes, or on one line.
 * Rebuild each "-----BEGIN X-----" ... "-----END X-----" block with its
 * base64 body wrapped at 64 columns, as OpenSSL's PEM reader wants.
 * Returns a memory BIO, or NULL when no block is found. */
static BIO *pem_inline_bio(const char *in)
{
    BIO *out = BIO_new(BIO_s_mem());
    int blocks = 0;
    const char *p = in;
    for (;;) {
        const char *b = strstr(p, "-----BEGIN ");
        if (!b)
            break;
        const char *lbl = b + 11;
        const char *lend = strstr(lbl, "-----");
        if (!lend)
            break;
        const char *body = lend + 5;
        const char *e = strstr(body, "-----END ");
        if (!e)
            break;
        const char *eend = strstr(e + 9, "-----");
        if (!eend)
            break;
        BIO_printf(out, "-----BEGIN %.*s-----\n", (int)(lend - lbl), lbl);
        int col = 0;
        for (const char *q = body; q < e; q++) {
            if (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n' || *q == '\\')
                continue;
            BIO_write(out, q, 1);
            if (++col == 64) {
                BIO_write(out, "\n", 1);
                col = 0;
            }
        }
        if (col)
            BIO_write(out, "\n", 1);
        BIO_printf(out, "-----END %.*s-----\n", (int)(eend - (e + 9)), e + 9);
        blocks++;
        p = eend + 5;
    }
    if (!blocks) {
        BIO_free(out);
        return NULL;
    }
    return out;
}

/* Read a whole file into a memory BIO. */
static BIO *file_bio(const char *path, char *why, size_t whylen)
{
    BIO *f = BIO_new_file(path, "rb");
    if (!f) {
        char e[160];
        sk_errf(why, whylen, "%s", sk_tls_error_text(e, sizeof(e), "cannot open the file"));
        return NULL;
    }
    BIO *mem = BIO_new(BIO_s_mem());
    BIO_set_flags(mem, BIO_FLAGS_NONCLEAR_RST); /* BIO_reset() rewinds for a second read */
    char buf[4096];
    int n;
    while ((n = BIO_read(f, buf, sizeof(buf))) > 0)
        BIO_write(mem, buf, n);
    BIO_free(f);
    return mem;
}

/* Java key store files start with 0xFEEDFEED (JKS) or 0xCECECECE (JCEKS). */
static int is_java_store(BIO *mem)
{
    char *p = NULL;
    long n = BIO_get_mem_data(mem, &p);
    static const unsigned char jks[4] = {0xfe, 0xed, 0xfe, 0xed}, jceks[4] = {0xce, 0xce, 0xce, 0xce};
    return n >= 4 && (memcmp(p, jks, 4) == 0 || memcmp(p, jceks, 4) == 0);
}

/* PKCS12 contents with the first password that opens it. */
static int pkcs12_read(BIO *mem, const char *pw1, const char *pw2, const char *pwkey, store_t *s,
                       char *why, size_t whylen)
{
    PKCS12 *p12 = d2i_PKCS12_bio(mem, NULL);
    if (!p12) {
        char e[160];
        sk_errf(why, whylen, "not a PKCS12 file (%s)",
               sk_tls_error_text(e, sizeof(e), "unreadable"));
        return -1;
    }
    const char *tries[3] = {pw1, pw2, ""};
    int ok = 0;
    for (int i = 0; i < 3 && !ok; i++) {
        if (i < 2 && !tries[i])
            continue;
        ok = PKCS12_parse(p12, tries[i], &s->key, &s->cert, &s->certs) == 1;
    }
    PKCS12_free(p12);
    if (!ok) {
        char e[160];
        sk_errf(why, whylen, "cannot open it with %s (%s)", pwkey,
               sk_tls_error_text(e, sizeof(e), "wrong password"));
        return -1;
    }
    ERR_clear_error();
    return 0;
}

/* A PEM private key from bio, decrypted with pw when encrypted. */
static EVP_PKEY *pem_read_key(BIO *bio, const char *pw, char *why, size_t whylen)
{
    EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, tls_pem_password, (void *)pw);
    if (!k) {
        char e[160];
        sk_errf(why, whylen, "no readable private key (%s)",
               sk_tls_error_text(e, sizeof(e), "missing or wrong password"));
    }
    return k;
}

/* Split a PEM certificate list into leaf + rest. */
static int pem_chain(BIO *bio, store_t *s, char *why, size_t whylen)
{
    STACK_OF(X509) *all = NULL;
    if (pem_read_certs(bio, &all) == 0) {
        sk_X509_free(all);
        sk_errf(why, whylen, "no PEM certificate");
        return -1;
    }
    s->cert = sk_X509_shift(all);
    s->certs = all;
    return 0;
}

/* The key store of a listener: key + chain. */
static int keystore_load(const keyctx_t *kc, store_t *s, char *err, size_t errlen)
{
    const sk_conf_t *v = kc->view;
    char k1[160], k2[160], why[300];
    const char *type = v->ssl_keystore_type ? v->ssl_keystore_type : "JKS";
    int is_pem = strcasecmp(type, "PEM") == 0;
    const char *keypw = v->ssl_key_password ? v->ssl_key_password : v->ssl_keystore_password;
    int rc = SK_EINVAL;
    BIO *bio = NULL;

    if (v->ssl_keystore_certificate_chain || v->ssl_keystore_key) {
        if (!v->ssl_keystore_certificate_chain || !v->ssl_keystore_key) {
            sk_errf(err, errlen, "listener %s: %s and %s must be set together", kc->listener,
                   kname(kc, "ssl.keystore.certificate.chain", k1, sizeof(k1)),
                   kname(kc, "ssl.keystore.key", k2, sizeof(k2)));
            goto out;
        }
        if (!is_pem) {
            sk_errf(err, errlen, "listener %s: an inline key store needs %s=PEM (it is %s)",
                   kc->listener, kname(kc, "ssl.keystore.type", k1, sizeof(k1)), type);
            goto out;
        }
        if (v->ssl_keystore_location) {
            sk_errf(err, errlen, "listener %s: set either %s or the inline key store, not both",
                   kc->listener, kname(kc, "ssl.keystore.location", k1, sizeof(k1)));
            goto out;
        }
        bio = pem_inline_bio(v->ssl_keystore_key);
        s->key = bio ? pem_read_key(bio, keypw, why, sizeof(why)) : NULL;
        if (!bio)
            sk_errf(why, sizeof(why), "no PEM block");
        BIO_free(bio);
        bio = NULL;
        if (!s->key) {
            sk_errf(err, errlen, "listener %s: %s: %s", kc->listener,
                   kname(kc, "ssl.keystore.key", k1, sizeof(k1)), why);
            goto out;
        }
        bio = pem_inline_bio(v->ssl_keystore_certificate_chain);
        if (!bio || pem_chain(bio, s, why, sizeof(why)) != 0) {
            if (!bio)
                sk_errf(why, sizeof(why), "no PEM certificate");
            sk_errf(err, errlen, "listener %s: %s: %s", kc->listener,
                   kname(kc, "ssl.keystore.certificate.chain", k1, sizeof(k1)), why);
            goto out;
        }
        rc = SK_OK;
        goto out;
    }
    if (!v->ssl_keystore_location) {
        sk_errf(err, errlen,
               "listener %s has protocol SSL but no key store: set %s (or %s and %s)",
               kc->listener, kname(kc, "ssl.keystore.location", k1, sizeof(k1)),
               "ssl.keystore.certificate.chain", "ssl.keystore.key");
        goto out;
    }
    kname(kc, "ssl.keystore.location", k1, sizeof(k1));
    bio = file_bio(v->ssl_keystore_location, why, sizeof(why));
    if (!bio) {
        sk_errf(err, errlen, "listener %s: cannot read %s %s: %s", kc->listener, k1,
               v->ssl_keystore_location, why);
        goto out;
    }
    if (is_java_store(bio)) {
        sk_errf(err, errlen,
               "listener %s: %s %s is a Java key store (JKS), which skeind cannot read; convert "
               "it to PKCS12 (keytool -importkeystore -deststoretype PKCS12) or PEM",
               kc->listener, k1, v->ssl_keystore_location);
        goto out;
    }
    if (is_pem) {
        if (pem_chain(bio, s, why, sizeof(why)) == 0) {
            (void)BIO_reset(bio);
            s->key = pem_read_key(bio, keypw, why, sizeof(why));
        }
    } else {
        if (pkcs12_read(bio, v->ssl_keystore_password, v->ssl_key_password,
                        kname(kc, "ssl.keystore.password", k2, sizeof(k2)), s, why,
                        sizeof(why)) == 0 && (!s->key || !s->cert))
            sk_errf(why, sizeof(why), "no private key and certificate in it");
    }
    if (!s->key || !s->cert) {
        sk_errf(err, errlen, "listener %s: %s %s (%s): %s", kc->listener, k1,
               v->ssl_keystore_location, is_pem ? "PEM" : "PKCS12", why);
        goto out;
    }
    rc = SK_OK;
out:
    BIO_free(bio);
    return rc;
}

/* The trust store of a listener: every trusted certificate into s->certs.
 * Returns 0 with s->certs NULL when none is configured. */
static int truststore_load(const keyctx_t *kc, store_t *s, char *err, size_t errlen)
{
    const sk_conf_t *v = kc->view;
    char k1[160], why[300];
    const char *type = v->ssl_truststore_type ? v->ssl_truststore_type : "JKS";
    int is_pem = strcasecmp(type, "PEM") == 0;
    BIO *bio = NULL;
    int rc = SK_EINVAL;

    if (v->ssl_truststore_certificates) {
        if (!is_pem) {
            sk_errf(err, errlen, "listener %s: an inline trust store needs %s=PEM (it is %s)",
                   kc->listener, kname(kc, "ssl.truststore.type", k1, sizeof(k1)), type);
            goto out;
        }
        if (v->ssl_truststore_location) {
            sk_errf(err, errlen, "listener %s: set either %s or %s, not both", kc->listener,
                   kname(kc, "ssl.truststore.location", k1, sizeof(k1)),
                   "ssl.truststore.certificates");
            goto out;
        }
        bio = pem_inline_bio(v->ssl_truststore_certificates);
        if (!bio || pem_read_certs(bio, &s->certs) == 0) {
            sk_errf(err, errlen, "listener %s: %s holds no PEM certificate", kc->listener,
                   kname(kc, "ssl.truststore.certificates", k1, sizeof(k1)));
            goto out;
        }
        rc = SK_OK;
        goto out;
    }
    if (!v->ssl_truststore_location) {
        rc = SK_OK;
        goto out;
    }
    kname(kc, "ssl.truststore.location", k1, sizeof(k1));
    bio = file_bio(v->ssl_truststore_location, why, sizeof(why));
    if (!bio) {
        sk_errf(err, errlen, "listener %s: cannot read %s %s: %s", kc->listener, k1,
               v->ssl_truststore_location, why);
        goto out;
    }
    if (is_java_store(bio)) {
        sk_errf(err, errlen,
               "listener %s: %s %s is a Java key store (JKS), which skeind cannot read; convert "
               "it to PKCS12 (keytool -importkeystore -deststoretype PKCS12) or PEM",
               kc->listener, k1, v->ssl_truststore_location);
        goto out;
    }
    if (is_pem) {
        if (pem_read_certs(bio, &s->certs) == 0) {
            sk_errf(err, errlen, "listener %s: %s %s holds no PEM certificate", kc->listener, k1,
                   v->ssl_truststore_location);
            goto out;
        }
    } else {
        char k2[160];
        if (pkcs12_read(bio, v->ssl_truststore_password, NULL,
                        kname(kc, "ssl.truststore.password", k2, sizeof(k2)), s, why,
                        sizeof(why)) != 0) {
            sk_errf(err, errlen, "listener %s: %s %s: %s", kc->listener, k1,
                   v->ssl_truststore_location, why);
            goto out;
        }
        if (!s->certs)
            s->certs = sk_X509_new_null();
        if (s->cert) {
            sk_X509_push(s->certs, s->cert);
            s->cert = NULL;
        }
        if (sk_X509_num(s->certs) == 0) {
            sk_errf(err, errlen, "listener %s: %s %s holds no certificate", kc->listener, k1,
                   v->ssl_truststore_location);
            goto out;
        }
    }
    rc = SK_OK;
out:
    BIO_free(bio);
    return rc;
}

static int version_of(const char *name)
{
    if (strcasecmp(name, "TLSv1.2") == 0)
        return TLS1_2_VERSION;
    if (strcasecmp(name, "TLSv1.3") == 0 || strcasecmp(name, "TLS") == 0)
        return TLS1_3_VERSION;
    return 0;
}

/* ssl.enabled.protocols and ssl.protocol -> the versions allowed. */
static int set_versions(const keyctx_t *kc, SSL_CTX *ctx, char *err, size_t errlen)
{
    const sk_conf_t *v = kc->view;
    char k1[160], k2[160];
    int cap = v->ssl_protocol ? version_of(v->ssl_protocol) : TLS1_3_VERSION;
    int lo = 0, hi = 0;
    for (int i = 0; i < v->ssl_enabled_protocols.n; i++) {
        int x = version_of(v->ssl_enabled_protocols.v[i]);
        if (!x || x > cap)
            continue;
        if (!lo || x < lo)
            lo = x;
        if (x > hi)
            hi = x;
    }
    if (!lo) {
        sk_errf(err, errlen, "listener %s: no TLS version of %s is allowed by %s=%s", kc->listener,
               kname(kc, "ssl.enabled.protocols", k1, sizeof(k1)),
               kname(kc, "ssl.protocol", k2, sizeof(k2)), v->ssl_protocol ? v->ssl_protocol : "");
        return SK_EINVAL;
    }
    SSL_CTX_set_min_proto_version(ctx, lo);
    SSL_CTX_set_max_proto_version(ctx, hi);
    return SK_OK;
}

/* ssl.cipher.suites (IANA names) -> OpenSSL's TLS 1.2 cipher list and TLS 1.3
 * cipher suites. A TLS 1.3 suite's IANA name is OpenSSL's name too. */
static int set_ciphers(const keyctx_t *kc, SSL_CTX *ctx, char *err, size_t errlen)
{
    const sk_conf_list_t *l = &kc->view->ssl_cipher_suites;
    char k1[160];
    if (l->n == 0)
        return SK_OK;
    kname(kc, "ssl.cipher.suites", k1, sizeof(k1));
    int rc = SK_EINVAL;
    size_t cap = 64;
    for (int i = 0; i < l->n; i++)
        cap += strlen(l->v[i]) + 64;
    char *v12 = sk_calloc(1, cap), *v13 = sk_calloc(1, cap);
    /* every suite OpenSSL has, to map standard names to OpenSSL's */
    SSL_CTX *all = SSL_CTX_new(TLS_method());
    SSL *probe = all ? SSL_new(all) : NULL;
    if (!probe || SSL_set_cipher_list(probe, "ALL:COMPLEMENTOFALL") != 1) {
        sk_errf(err, errlen, "listener %s: cannot list OpenSSL's cipher suites", kc->listener);
        goto out;
    }
    STACK_OF(SSL_CIPHER) *have = SSL_get_ciphers(probe);
    for (int i = 0; i < l->n; i++) {
        const char *want = l->v[i];
        const SSL_CIPHER *found = NULL;
        for (int j = 0; j < sk_SSL_CIPHER_num(have) && !found; j++) {
            const SSL_CIPHER *c = sk_SSL_CIPHER_value(have, j);
            const char *std = SSL_CIPHER_standard_name(c);
            if ((std && strcmp(std, want) == 0) || strcmp(SSL_CIPHER_get_name(c), want) == 0)
                found = c;
        }
        if (!found) {
            sk_errf(err, errlen, "listener %s: %s: unknown cipher suite %s", kc->listener, k1,
                   want);
            goto out;
        }
        int tls13 = strcmp(SSL_CIPHER_get_version(found), "TLSv1.3") == 0;
        char *dst = tls13 ? v13 : v12;
        if (*dst)
            strcat(dst, ":");
        strcat(dst, SSL_CIPHER_get_name(found));
    }
    if (SSL_CTX_set_ciphersuites(ctx, v13) != 1) { /* "" = no TLS 1.3 suite */
        sk_errf(err, errlen, "listener %s: %s: OpenSSL refused %s", kc->listener, k1, v13);
        goto out;
    }
    if (!*v13)
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    if (*v12) {
        if (SSL_CTX_set_cipher_list(ctx, v12) != 1) {
            sk_errf(err, errlen, "listener %s: %s: OpenSSL refused %s", kc->listener, k1, v12);
            goto out;
        }
    } else {
        SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    }
    if (SSL_CTX_get_min_proto_version(ctx) > SSL_CTX_get_max_proto_version(ctx) &&
        SSL_CTX_get_max_proto_version(ctx) != 0) {
        sk_errf(err, errlen, "listener %s: %s leaves no suite for the enabled TLS versions",
               kc->listener, k1);
        goto out;
    }
    rc = SK_OK;
out:
    ERR_clear_error();
    SSL_free(probe);
    SSL_CTX_free(all);
    free(v12);
    free(v13);
    return rc;
}

/* A server context (client = 0), or the client context of a broker that
 * connects to other brokers' listener `listener` (client = 1: the same key
 * store, shown to the peer; the peer is always verified with the trust
 * store, which is then required). */
static int ctx_build(const sk_conf_t *view, const char *listener, int client, SSL_CTX **out,
                     char *err, size_t errlen)
{
    keyctx_t kc = {view, listener};
    store_t ks = {0}, ts = {0};
    char k1[160], e[160];
    int rc = SK_EINVAL;
    *out = NULL;
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(client ? TLS_client_method() : TLS_server_method());
    if (!ctx) {
        sk_errf(err, errlen, "listener %s: cannot create a TLS context: %s", listener,
               sk_tls_error_text(e, sizeof(e), "?"));
        goto out;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 (client ? 0 : SSL_OP_CIPHER_SERVER_PREFERENCE));
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    /* A peer that closes without close_notify (most Kafka clients) has just
     * closed: Kafka's framing shows a cut-off request by itself. */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    if ((rc = keystore_load(&kc, &ks, err, errlen)) != SK_OK)
        goto out;
    rc = SK_EINVAL;
    if (SSL_CTX_use_certificate(ctx, ks.cert) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, ks.key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        sk_errf(err, errlen, "listener %s: the key store of %s: %s", listener,
               kname(&kc, view->ssl_keystore_location ? "ssl.keystore.location"
                                                      : "ssl.keystore.key", k1, sizeof(k1)),
               sk_tls_error_text(e, sizeof(e), "the key does not match the certificate"));
        goto out;
    }
    for (int i = 0; ks.certs && i < sk_X509_num(ks.certs); i++) {
        if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(ks.certs, i)) != 1) {
            sk_errf(err, errlen, "listener %s: cannot use the certificate chain: %s", listener,
                   sk_tls_error_text(e, sizeof(e), "?"));
            goto out;
        }
    }
    if ((rc = truststore_load(&kc, &ts, err, errlen)) != SK_OK)
        goto out;
    rc = SK_EINVAL;
    if (ts.certs) {
        X509_STORE *store = SSL_CTX_get_cert_store(ctx);
        for (int i = 0; i < sk_X509_num(ts.certs); i++) {
            X509 *x = sk_X509_value(ts.certs, i);
            X509_STORE_add_cert(store, x);
            if (!client)
                SSL_CTX_add_client_CA(ctx, x);
        }
        ERR_clear_error();
    }
    if (client) {
        if (!ts.certs) {
            sk_errf(err, errlen,
                   "inter-broker listener %s: brokers check each other's certificates against "
                   "a trust store: set %s", listener,
                   kname(&kc, "ssl.truststore.location", k1, sizeof(k1)));
            goto out;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    } else if (view->ssl_client_auth != SK_CONF_CLIENT_AUTH_NONE) {
        if (!ts.certs) {
            sk_errf(err, errlen, "listener %s: %s=%s needs a trust store: set %s", listener,
                   kname(&kc, "ssl.client.auth", k1, sizeof(k1)),
                   view->ssl_client_auth == SK_CONF_CLIENT_AUTH_REQUIRED ? "required"
                                                                          : "requested",
                   "ssl.truststore.location");
            goto out;
        }
        int mode = SSL_VERIFY_PEER;
        if (view->ssl_client_auth == SK_CONF_CLIENT_AUTH_REQUIRED)
            mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        SSL_CTX_set_verify(ctx, mode, NULL);
    }
    if ((rc = set_versions(&kc, ctx, err, errlen)) != SK_OK)
        goto out;
    if ((rc = set_ciphers(&kc, ctx, err, errlen)) != SK_OK)
        goto out;
    /* session ids are per context; resumption needs nothing more */
    if (!client)
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"skein", 5);
    *out = ctx;
    ctx = NULL;
    rc = SK_OK;
out:
    store_free(&ks);
    store_free(&ts);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}

int sk_tls_server_ctx_new(const sk_conf_t *view, const char *listener, SSL_CTX **out, char *err,
                          size_t errlen)
{
    return ctx_build(view, listener, 0, out, err, errlen);
}

int sk_tls_client_ctx_new(const sk_conf_t *view, const char *listener, SSL_CTX **out, char *err,
                          size_t errlen)
{
    return ctx_build(view, listener, 1, out, err, errlen);
}

/* A digest of the key store keys in effect, so that a dynamic change of
 * them (AlterConfigs) shows as a changed fingerprint like a file does. */
static void keys_digest(const sk_conf_t *view, char *hex, size_t len)
{
    const char *vals[6] = {view->ssl_keystore_type, view->ssl_keystore_location,
                           view->ssl_keystore_password, view->ssl_key_password,
                           view->ssl_keystore_certificate_chain, view->ssl_keystore_key};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (int i = 0; i < 6; i++) {
        const char *v = vals[i] ? vals[i] : "";
        EVP_DigestUpdate(ctx, vals[i] ? "1" : "0", 1);
        EVP_DigestUpdate(ctx, v, strlen(v) + 1);
    }
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    hex[0] = '\0';
    for (unsigned int i = 0; i < mdlen && 2 * i + 2 < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* What the key and trust store files of a view are now (inode, size,
 * modification time), to notice a change on disk, then "|" and the digest
 * of the key store keys. */
static char *fingerprint(const sk_conf_t *view)
{
    const char *paths[2] = {view->ssl_keystore_location, view->ssl_truststore_location};
    char buf[2048];
    size_t u = 0;
    buf[0] = '\0';
    for (int i = 0; i < 2; i++) {
        if (!paths[i] || u >= sizeof(buf))
            continue;
        struct stat st;
        int n;
        if (stat(paths[i], &st) != 0)
            n = snprintf(buf + u, sizeof(buf) - u, "%s:-;", paths[i]);
        else
            n = snprintf(buf + u, sizeof(buf) - u, "%s:%lu:%lld:%lld.%09ld;", paths[i],
                         (unsigned long)st.st_ino, (long long)st.st_size,
                         (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
        if (n > 0)
            u += (size_t)n;
    }
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    keys_digest(view, hex, sizeof(hex));
    return sk_asprintf("%s|%s", buf, hex);
}

/* Whether two fingerprints differ in their key store keys (after the
 * "|"), rather than only in their files. */
static int keys_changed(const char *a, const char *b)
{
    const char *ka = strrchr(a, '|'), *kb = strrchr(b, '|');
    return !ka || !kb || strcmp(ka, kb) != 0;
}

int sk_tls_kernel_offered(char *ulp, size_t len)
{
    char line[256] = "";
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");
    int readable = f != NULL;
    if (f) {
        if (!fgets(line, sizeof(line), f))
            line[0] = '\0';
        fclose(f);
    }
    line[strcspn(line, "\n")] = '\0';
    snprintf(ulp, len, "%s", readable ? (line[0] ? line : "empty") : "unreadable");
    int offered = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save))
        offered |= strcmp(t, "tls") == 0;
    return offered;
}

int sk_tls_new(const sk_conf_t *conf, sk_tls_t **out, char *err, size_t errlen)
{
    int rc = SK_EINVAL;
    sk_tls_t *t = sk_calloc(1, sizeof(*t));
    t->conf = conf;
    *out = NULL;
    /* the inter-broker listener is an advertised one; its protocol comes
     * from the map whether or not this broker listens on it itself */
    const sk_listener_cfg_t *ib = sk_listeners_find(conf->advertised_listeners_parsed,
                                                    conf->n_advertised_listeners_parsed,
                                                    conf->inter_broker_listener_name);
    if (ib && (strcmp(ib->protocol, "SSL") == 0 || strcmp(ib->protocol, "SASL_SSL") == 0)) {
        sk_conf_t view;
        sk_conf_listener_ssl(conf, ib->name, &view);
        rc = sk_tls_client_ctx_new(&view, ib->name, &t->client, err, errlen);
        t->verify_host = view.ssl_endpoint_identification_algorithm != NULL;
        t->client_name = sk_strdup(ib->name);
        t->client_fp = fingerprint(&view);
        sk_conf_free(&view);
        if (rc != SK_OK)
            goto out;
        rc = SK_EINVAL;
        sk_info("tls", "inter-broker connections on listener %s use TLS%s", ib->name,
                t->verify_host ? " and check host names (ssl.endpoint.identification.algorithm=https)"
                               : " without host name checks");
    }
    t->v = sk_calloc((size_t)conf->n_listeners_parsed + 1, sizeof(*t->v));
    for (int i = 0; i < conf->n_listeners_parsed; i++) {
        const sk_listener_cfg_t *l = &conf->listeners_parsed[i];
        if (strcmp(l->protocol, "SSL") != 0 && strcmp(l->protocol, "SASL_SSL") != 0)
            continue;
        sk_conf_t view;
        sk_conf_listener_ssl(conf, l->name, &view);
        SSL_CTX *ctx = NULL;
        rc = sk_tls_server_ctx_new(&view, l->name, &ctx, err, errlen);
        int auth = view.ssl_client_auth;
        char *fp = fingerprint(&view);
        sk_conf_free(&view);
        if (rc != SK_OK) {
            free(fp);
            goto out;
        }
        t->v[t->n].name = sk_strdup(l->name);
        t->v[t->n].ctx = ctx;
        t->v[t->n].fp = fp;
        t->n++;
        char ulp[256];
        int kernel = sk_tls_kernel_offered(ulp, sizeof(ulp));
        sk_info("tls", "listener %s: TLS, ssl.client.auth=%s; records are encrypted by OpenSSL "
                "and copied in user space (no sendfile): kernel TLS is %s (tcp_available_ulp: "
                "%s)", l->name,
                auth == SK_CONF_CLIENT_AUTH_REQUIRED    ? "required"
                : auth == SK_CONF_CLIENT_AUTH_REQUESTED ? "requested"
                                                        : "none",
                kernel ? "offered by the kernel but not used by skeind" : "not offered by the kernel",
                ulp);
    }
    *out = t;
    t = NULL;
    rc = SK_OK;
out:
    sk_tls_free(t);
    return rc;
}

void sk_tls_free(sk_tls_t *t)
{
    if (!t)
        return;
    if (process_tls == t)
        process_tls = NULL;
    for (int i = 0; i < t->n; i++) {
        free(t->v[i].name);
        free(t->v[i].fp);
        SSL_CTX_free(t->v[i].ctx);
    }
    free(t->v);
    SSL_CTX_free(t->client);
    free(t->client_name);
    free(t->client_fp);
    free(t);
}

/* Rebuild one context when its files changed (or always when force);
 * swap it in on success, keep the old one on failure. One log line when
 * something happened. Returns 1 if replaced. */
static int reload_one(const sk_conf_t *conf, const char *name, int client, SSL_CTX **ctx,
                      char **fp, int *verify_host, int force)
{
    sk_conf_t view;
    sk_conf_listener_ssl(conf, name, &view);
    char *now = fingerprint(&view);
    int replaced = 0;
    if (force || strcmp(now, *fp) != 0) {
        char err[1024];
        SSL_CTX *fresh = NULL;
        int rc = client ? sk_tls_client_ctx_new(&view, name, &fresh, err, sizeof(err))
                        : sk_tls_server_ctx_new(&view, name, &fresh, err, sizeof(err));
        if (rc == SK_OK) {
            SSL_CTX_free(*ctx); /* connections made with it keep their own reference */
            *ctx = fresh;
            if (verify_host)
                *verify_host = view.ssl_endpoint_identification_algorithm != NULL;
            sk_info("tls", "%s %s: TLS keys %s for new connections", client ? "inter-broker listener" : "listener",
                    name, force                  ? "reloaded (SIGHUP)"
                          : keys_changed(now, *fp) ? "reloaded after a dynamic configuration change"
                                                   : "reloaded after a change on disk");
            replaced = 1;
        } else {
            sk_error("tls", "keeping the TLS keys in use: %s", err);
        }
        free(*fp);
        *fp = now; /* a failed file is tried again when it changes again */
        now = NULL;
    }
    free(now);
    sk_conf_free(&view);
    return replaced;
}

int sk_tls_reload(sk_tls_t *t, int force)
{
    int n = 0;
    for (int i = 0; t && i < t->n; i++)
        n += reload_one(t->conf, t->v[i].name, 0, &t->v[i].ctx, &t->v[i].fp, NULL, force);
    if (t && t->client)
        n += reload_one(t->conf, t->client_name, 1, &t->client, &t->client_fp, &t->verify_host,
                        force);
    return n;
}

int sk_tls_config_changed(void)
{
    return sk_tls_reload(process_tls, 0);
}

/* Every subject alternative name of old is among new's. */
static int sans_kept(X509 *old, X509 *new, char *missing, size_t len)
{
    GENERAL_NAMES *o = X509_get_ext_d2i(old, NID_subject_alt_name, NULL, NULL);
    GENERAL_NAMES *n = X509_get_ext_d2i(new, NID_subject_alt_name, NULL, NULL);
    int ok = 1;
    for (int i = 0; o && ok && i < sk_GENERAL_NAME_num(o); i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(o, i);
        int found = 0;
        for (int j = 0; n && !found && j < sk_GENERAL_NAME_num(n); j++)
            found = GENERAL_NAME_cmp(g, sk_GENERAL_NAME_value(n, j)) == 0;
        if (!found) {
            ok = 0;
            int type = 0;
            void *v = GENERAL_NAME_get0_value(g, &type);
            if (type == GEN_DNS)
                snprintf(missing, len, "DNS:%s",
                         (const char *)ASN1_STRING_get0_data((ASN1_IA5STRING *)v));
            else if (type == GEN_IPADD)
                snprintf(missing, len, "an IP address");
            else
                snprintf(missing, len, "a name of type %d", type);
        }
    }
    GENERAL_NAMES_free(o);
    GENERAL_NAMES_free(n);
    return ok;
}

static void subject_text(X509 *x, char *buf, size_t len)
{
    BIO *mem = BIO_new(BIO_s_mem());
    buf[0] = '\0';
    if (mem && X509_NAME_print_ex(mem, X509_get_subject_name(x), 0,
                                  XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char *p = NULL;
        long n = BIO_get_mem_data(mem, &p);
        snprintf(buf, len, "%.*s", (int)(n > 0 ? n : 0), p ? p : "");
    }
    BIO_free(mem);
}

int sk_tls_check_keystore(const sk_tls_t *t, const char *listener, const sk_conf_t *view,
                          char *err, size_t errlen)
{
    SSL_CTX *cur = sk_tls_server_ctx(t, listener);
    if (!cur)
        return SK_OK; /* not a TLS listener of this broker: nothing to swap */
    SSL_CTX *fresh = NULL;
    int rc = sk_tls_server_ctx_new(view, listener, &fresh, err, errlen);
    if (rc != SK_OK)
        return rc;
    X509 *old = SSL_CTX_get0_certificate(cur), *new = SSL_CTX_get0_certificate(fresh);
    char a[512], b[512], missing[300];
    rc = SK_EINVAL;
    if (!old || !new) {
        sk_errf(err, errlen, "listener %s: no certificate to compare", listener);
    } else if (X509_NAME_cmp(X509_get_subject_name(old), X509_get_subject_name(new)) != 0) {
        subject_text(old, a, sizeof(a));
        subject_text(new, b, sizeof(b));
        sk_errf(err, errlen,
                "listener %s: Keystore DistinguishedName does not match: existing DN=%s, new DN=%s",
                listener, a, b);
    } else if (!sans_kept(old, new, missing, sizeof(missing))) {
        sk_errf(err, errlen,
                "listener %s: Keystore SubjectAltNames do not match: the new certificate lacks %s",
                listener, missing);
    } else {
        rc = SK_OK;
    }
    SSL_CTX_free(fresh);
    ERR_clear_error();
    return rc;
}

int sk_tls_active(const sk_tls_t *t)
{
    return t && (t->n > 0 || t->client);
}

int sk_tls_client_ssl(const sk_tls_t *t, const char *host, SSL **out)
{
    *out = NULL;
    if (!t || !t->client)
        return SK_OK;
    SSL *ssl = SSL_new(t->client);
    if (!ssl)
        return SK_EIO;
    struct in6_addr a6;
    struct in_addr a4;
    int is_ip = inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
    int ok = 1;
    if (!is_ip) /* SNI carries names only */
        ok = SSL_set_tlsext_host_name(ssl, host) == 1;
    if (ok && t->verify_host) {
        if (is_ip)
            ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1;
        else
            ok = SSL_set1_host(ssl, host) == 1;
    }
    if (!ok) {
        SSL_free(ssl);
        ERR_clear_error();
        return SK_EIO;
    }
    *out = ssl;
    return SK_OK;
}

const char *sk_tls_bev_reason(struct bufferevent *bev, char *buf, size_t len)
{
    unsigned long e, pick = 0;
    while ((e = bufferevent_get_openssl_error(bev)) != 0)
        if (!pick && ERR_GET_LIB(e) != 0)
            pick = e;
    ERR_clear_error();
    if (!pick)
        return NULL;
    const char *r = ERR_reason_error_string(pick);
    if (r)
        snprintf(buf, len, "%s", r);
    else
        ERR_error_string_n(pick, buf, len);
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    long vr = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (vr != X509_V_OK) {
        size_t u = strlen(buf);
        snprintf(buf + u, len - u, " (%s)", X509_verify_cert_error_string(vr));
    }
    return buf;
}

SSL_CTX *sk_tls_server_ctx(const sk_tls_t *t, const char *name)
{
    for (int i = 0; t && name && i < t->n; i++)
        if (strcasecmp(t->v[i].name, name) == 0)
            return t->v[i].ctx;
    return NULL;
}

void sk_tls_set_process(sk_tls_t *t)
{
    process_tls = t;
}

const sk_tls_t *sk_tls_process(void)
{
    return process_tls;
}

void sk_tls_principal(SSL *ssl, char *buf, size_t len)
{
    snprintf(buf, len, "User:ANONYMOUS");
    X509 *peer = ssl ? SSL_get1_peer_certificate(ssl) : NULL;
    if (!peer)
        return;
    BIO *mem = BIO_new(BIO_s_mem());
    /* RFC 2253, as Java's X500Principal.getName() writes it: most specific
     * RDN first, "," between them, special characters escaped */
    if (mem && X509_NAME_print_ex(mem, X509_get_subject_name(peer), 0,
                                  XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char *p = NULL;
        long n = BIO_get_mem_data(mem, &p);
        if (n > 0)
            snprintf(buf, len, "User:%.*s", (int)n, p);
    }
    BIO_free(mem);
    X509_free(peer);
}
