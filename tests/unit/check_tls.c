/* check_tls.c - TLS contexts from the ssl.* keys (common/tls.c).
 *
 * Keys and certificates are made in memory with OpenSSL (a CA, a server and
 * a client certificate signed by it, and a stranger signed by nobody), then
 * written as PEM and PKCS12 files in a temp directory. Each case loads a
 * configuration, builds contexts, and for the working ones runs a real
 * handshake between a client and the server context over a BIO pair.
 */
#include <check.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "kerr.h"
#include "log.h"
#include "tls.h"

#define MINIMAL "broker.id=0\nzookeeper.connect=127.0.0.1:2181\n"
#define LISTENERS                                                                          \
    "listeners=PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093\n"                          \
    "advertised.listeners=PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093\n"

typedef struct {
    EVP_PKEY *key;
    X509 *cert;
} id_t_;

static char dir[64];
static const char *next_org;       /* an O= RDN before the CN of the next make_id */
static char last_principal[320];   /* the server side's principal of the last handshake */
static id_t_ ca, server, client, stranger;

static void path_of(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static id_t_ make_id_valid(const char *cn, const id_t_ *issuer, long from, long to);

static id_t_ make_id(const char *cn, const id_t_ *issuer)
{
    return make_id_valid(cn, issuer, -60, 3600);
}

/* A certificate valid from `from` to `to` seconds from now. */
static id_t_ make_id_valid(const char *cn, const id_t_ *issuer, long from, long to)
{
    id_t_ id;
    id.key = EVP_EC_gen("P-256");
    ck_assert_ptr_nonnull(id.key);
    id.cert = X509_new();
    X509_set_version(id.cert, 2);
    static long serial = 1;
    ASN1_INTEGER_set(X509_get_serialNumber(id.cert), serial++);
    X509_gmtime_adj(X509_getm_notBefore(id.cert), from);
    X509_gmtime_adj(X509_getm_notAfter(id.cert), to);
    X509_set_pubkey(id.cert, id.key);
    X509_NAME *n = X509_get_subject_name(id.cert);
    if (next_org)
        X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)next_org, -1, -1, 0);
    next_org = NULL;
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(id.cert, issuer ? X509_get_subject_name(issuer->cert) : n);
    if (!issuer) {
        X509V3_CTX v3;
        X509V3_set_ctx_nodb(&v3);
        X509V3_set_ctx(&v3, id.cert, id.cert, NULL, NULL, 0);
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
        X509_add_ext(id.cert, ext, -1);
        X509_EXTENSION_free(ext);
    }
    ck_assert_int_gt(X509_sign(id.cert, issuer ? issuer->key : id.key, EVP_sha256()), 0);
    return id;
}

static void write_pem(const char *name, const id_t_ *with_key, X509 *const *certs, int n,
                      const char *keypw)
{
    char p[128];
    path_of(name, p, sizeof(p));
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    if (with_key)
        ck_assert_int_eq(PEM_write_PKCS8PrivateKey(f, with_key->key,
                                                   keypw ? EVP_aes_256_cbc() : NULL, NULL, 0,
                                                   NULL, (void *)keypw), 1);
    for (int i = 0; i < n; i++)
        PEM_write_X509(f, certs[i]);
    fclose(f);
}

static void write_p12(const char *name, const id_t_ *id, X509 *extra, const char *pw)
{
    char p[128];
    path_of(name, p, sizeof(p));
    STACK_OF(X509) *cas = sk_X509_new_null();
    if (extra)
        sk_X509_push(cas, extra);
    PKCS12 *p12 = PKCS12_create(pw, "skein", id ? id->key : NULL, id ? id->cert : NULL, cas, 0,
                                0, 0, 0, 0);
    ck_assert_ptr_nonnull(p12);
    FILE *f = fopen(p, "wb");
    i2d_PKCS12_fp(f, p12);
    fclose(f);
    PKCS12_free(p12);
    sk_X509_free(cas);
}

/* One PEM text of a file, for inline values: joined into one line. */
static char *one_line_pem(const char *name)
{
    char p[128];
    path_of(name, p, sizeof(p));
    FILE *f = fopen(p, "r");
    static char buf[3][8192];
    static int which;
    char *out = buf[which++ % 3];
    size_t n = 0;
    int ch;
    while ((ch = fgetc(f)) != EOF && n + 2 < sizeof(buf[0]))
        if (ch != '\n')
            out[n++] = (char)ch;
        else
            out[n++] = ' ';
    out[n] = '\0';
    fclose(f);
    return out;
}

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/check_tls_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ca = make_id("test ca", NULL);
    server = make_id("localhost", &ca);
    client = make_id("client", &ca);
    stranger = make_id("stranger", NULL);
    X509 *chain[] = {server.cert, ca.cert};
    write_pem("server.pem", &server, chain, 2, NULL);
    write_pem("server-enc.pem", &server, chain, 1, "keypw");
    write_pem("server-cert.pem", NULL, chain, 1, NULL);
    write_pem("stranger-key.pem", &stranger, NULL, 0, NULL);
    write_pem("ca.pem", NULL, &ca.cert, 1, NULL);
    write_pem("stranger-cert.pem", NULL, &stranger.cert, 1, NULL);
    write_p12("server.p12", &server, ca.cert, "storepw");
    write_p12("trust.p12", NULL, ca.cert, "trustpw");
    char p[128];
    path_of("server.jks", p, sizeof(p));
    FILE *f = fopen(p, "wb");
    fwrite("\xfe\xed\xfe\xed\x00\x00\x00\x02", 1, 8, f);
    fclose(f);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    id_t_ *all[] = {&ca, &server, &client, &stranger};
    for (int i = 0; i < 4; i++) {
        EVP_PKEY_free(all[i]->key);
        X509_free(all[i]->cert);
    }
}

/* Load MINIMAL LISTENERS + text (with @name replaced by dir/name) and run
 * sk_tls_new. Returns its rc; err gets the message. */
static int tls_from(const char *text, sk_tls_t **t, char *err, size_t errlen)
{
    char body[32768], cfg[128];
    size_t u = 0;
    u += (size_t)snprintf(body, sizeof(body), "%s%s", MINIMAL, LISTENERS);
    for (const char *p = text; *p && u + 80 < sizeof(body); p++) {
        if (*p == '@') {
            u += (size_t)snprintf(body + u, sizeof(body) - u, "%s/", dir);
            continue;
        }
        body[u++] = *p;
    }
    body[u] = '\0';
    path_of("server.properties", cfg, sizeof(cfg));
    FILE *f = fopen(cfg, "w");
    fputs(body, f);
    fclose(f);
    sk_conf_t c;
    sk_conf_init(&c);
    err[0] = '\0';
    int rc = sk_conf_load(&c, cfg, NULL, 0, err, errlen);
    ck_assert_msg(rc == SK_OK, "config: %s", err);
    *t = NULL;
    rc = sk_tls_new(&c, t, err, errlen);
    sk_conf_free(&c);
    return rc;
}

static void tls_fail(const char *text, const char *n1, const char *n2)
{
    sk_tls_t *t = NULL;
    char err[1024];
    ck_assert_msg(tls_from(text, &t, err, sizeof(err)) == SK_EINVAL, "accepted: %s", text);
    ck_assert_ptr_null(t);
    ck_assert_msg(!n1 || strstr(err, n1), "'%s' lacks '%s'", err, n1);
    ck_assert_msg(!n2 || strstr(err, n2), "'%s' lacks '%s'", err, n2);
}

static SSL_CTX *tls_ok(const char *text, sk_tls_t **t)
{
    char err[1024];
    ck_assert_msg(tls_from(text, t, err, sizeof(err)) == SK_OK, "refused: %s", err);
    ck_assert_ptr_null(sk_tls_server_ctx(*t, "PLAINTEXT"));
    SSL_CTX *ctx = sk_tls_server_ctx(*t, "ssl");
    ck_assert_ptr_nonnull(ctx);
    return ctx;
}

/* A handshake of a client (trusting the CA, showing `cert` if given) with
 * the server context over a BIO pair. Returns 1 when both sides finish. */
static int handshake_with(SSL_CTX *sctx, SSL *c);

static int handshake(SSL_CTX *sctx, const id_t_ *cert, int max_version)
{
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), ca.cert);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    if (max_version)
        SSL_CTX_set_max_proto_version(cctx, max_version);
    if (cert) {
        SSL_CTX_use_certificate(cctx, cert->cert);
        SSL_CTX_use_PrivateKey(cctx, cert->key);
    }
    int ok = handshake_with(sctx, SSL_new(cctx));
    SSL_CTX_free(cctx);
    return ok;
}

/* The handshake of client c (freed here) with the server context. */
static int handshake_with(SSL_CTX *sctx, SSL *c)
{
    SSL *s = SSL_new(sctx);
    BIO *cb, *sb;
    BIO_new_bio_pair(&cb, 0, &sb, 0);
    SSL_set_bio(c, cb, cb);
    SSL_set_bio(s, sb, sb);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    int cdone = 0, sdone = 0, failed = 0;
    for (int i = 0; i < 50 && !failed && !(cdone && sdone); i++) {
        if (!cdone) {
            int r = SSL_do_handshake(c);
            if (r == 1)
                cdone = 1;
            else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
                failed = 1;
        }
        if (!sdone) {
            int r = SSL_do_handshake(s);
            if (r == 1)
                sdone = 1;
            else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
                failed = 1;
        }
    }
    /* TLS 1.3: the server judges the client's certificate after the client
     * thinks it is done; one read each way settles it */
    if (!failed && cdone && sdone) {
        char b[8];
        SSL_write(c, "ping", 4);
        int r = SSL_read(s, b, sizeof(b));
        if (r <= 0)
            failed = 1;
    }
    sk_tls_principal(!failed && cdone && sdone ? s : NULL, last_principal,
                     sizeof(last_principal));
    ERR_clear_error();
    SSL_free(c);
    SSL_free(s);
    return !failed && cdone && sdone;
}

START_TEST(test_plaintext_only)
{
    sk_tls_t *t = NULL;
    char err[512];
    ck_assert_int_eq(tls_from("listeners=PLAINTEXT://:9092\nadvertised.listeners=PLAINTEXT://h:9092\n",
                              &t, err, sizeof(err)), SK_OK);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_null(sk_tls_server_ctx(t, "PLAINTEXT"));
    ck_assert_ptr_null(sk_tls_server_ctx(NULL, "SSL"));
    sk_tls_set_process(t);
    ck_assert_ptr_eq(sk_tls_process(), t);
    sk_tls_free(t);
    ck_assert_ptr_null(sk_tls_process()); /* freeing forgets it */
}
END_TEST

START_TEST(test_pem_file)
{
    sk_tls_t *t;
    SSL_CTX *ctx = tls_ok("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n", &t);
    ck_assert(handshake(ctx, NULL, 0));
    ck_assert(handshake(ctx, NULL, TLS1_2_VERSION));
    sk_tls_free(t);
    /* an encrypted key with ssl.key.password (or, as Kafka, the store password) */
    ctx = tls_ok("ssl.keystore.type=PEM\nssl.keystore.location=@server-enc.pem\n"
                 "ssl.key.password=keypw\n", &t);
    ck_assert(handshake(ctx, NULL, 0));
    sk_tls_free(t);
    tls_fail("ssl.keystore.type=PEM\nssl.keystore.location=@server-enc.pem\n"
             "ssl.key.password=wrong\n", "ssl.keystore.location", "private key");
}
END_TEST

START_TEST(test_inline_pem)
{
    char text[20000];
    snprintf(text, sizeof(text),
             "ssl.keystore.type=PEM\nssl.keystore.key=%s\nssl.keystore.certificate.chain=%s\n"
             "ssl.truststore.type=PEM\nssl.truststore.certificates=%s\nssl.client.auth=required\n",
             one_line_pem("server.pem"), one_line_pem("server-cert.pem"), one_line_pem("ca.pem"));
    sk_tls_t *t;
    SSL_CTX *ctx = tls_ok(text, &t);
    ck_assert(handshake(ctx, &client, 0));
    ck_assert(!handshake(ctx, NULL, 0));
    sk_tls_free(t);
    tls_fail("ssl.keystore.type=PEM\nssl.keystore.key=nothing\n"
             "ssl.keystore.certificate.chain=nothing\n", "ssl.keystore.key", NULL);
    tls_fail("ssl.keystore.type=PKCS12\nssl.keystore.key=x\nssl.keystore.certificate.chain=y\n",
             "ssl.keystore.type", "PEM");
    tls_fail("ssl.keystore.type=PEM\nssl.keystore.key=x\n", "ssl.keystore.certificate.chain",
             "together");
    /* malformed inline PEM: no END line, no label end, bad base64, empty body */
    const char *bad[] = {
        "-----BEGIN PRIVATE KEY----- MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg",
        "-----BEGIN PRIVATE KEY",
        "-----BEGIN PRIVATE KEY----- !!!! -----END PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY----------END PRIVATE KEY-----",
        "-----BEGIN -----END -----",
        "-----END PRIVATE KEY----- -----BEGIN PRIVATE KEY-----",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text),
                 "ssl.keystore.type=PEM\nssl.keystore.key=%s\nssl.keystore.certificate.chain=%s\n",
                 bad[i], one_line_pem("server-cert.pem"));
        tls_fail(text, "ssl.keystore.key", NULL);
        snprintf(text, sizeof(text),
                 "ssl.keystore.type=PEM\nssl.keystore.key=%s\nssl.keystore.certificate.chain=%s\n",
                 one_line_pem("server.pem"), bad[i]);
        tls_fail(text, "ssl.keystore.certificate.chain", NULL);
    }
    /* a key that is not the certificate's */
    snprintf(text, sizeof(text),
             "ssl.keystore.type=PEM\nssl.keystore.key=%s\nssl.keystore.certificate.chain=%s\n",
             one_line_pem("stranger-key.pem"), one_line_pem("server-cert.pem"));
    tls_fail(text, "ssl.keystore.key", NULL);
}
END_TEST

START_TEST(test_pkcs12)
{
    sk_tls_t *t;
    SSL_CTX *ctx = tls_ok("ssl.keystore.type=PKCS12\nssl.keystore.location=@server.p12\n"
                          "ssl.keystore.password=storepw\nssl.truststore.type=PKCS12\n"
                          "ssl.truststore.location=@trust.p12\nssl.truststore.password=trustpw\n"
                          "ssl.client.auth=required\n", &t);
    ck_assert(handshake(ctx, &client, 0));
    ck_assert(handshake(ctx, &client, TLS1_2_VERSION));
    ck_assert(!handshake(ctx, NULL, 0));
    ck_assert(!handshake(ctx, &stranger, 0));
    /* an expired client certificate, and one not valid yet, from the right CA */
    id_t_ expired = make_id_valid("client", &ca, -7200, -3600);
    id_t_ early = make_id_valid("client", &ca, 3600, 7200);
    ck_assert(!handshake(ctx, &expired, 0));
    ck_assert(!handshake(ctx, &early, 0));
    ck_assert(handshake(ctx, &client, 0)); /* others keep being served */
    EVP_PKEY_free(expired.key);
    X509_free(expired.cert);
    EVP_PKEY_free(early.key);
    X509_free(early.cert);
    sk_tls_free(t);
    /* requested: no certificate is fine, a bad one is not */
    ctx = tls_ok("ssl.keystore.location=@server.p12\nssl.keystore.password=storepw\n"
                 "ssl.truststore.type=PEM\nssl.truststore.location=@ca.pem\n"
                 "ssl.client.auth=requested\n", &t); /* type JKS reads a PKCS12 file, as Java */
    ck_assert(handshake(ctx, NULL, 0));
    ck_assert(handshake(ctx, &client, 0));
    ck_assert(!handshake(ctx, &stranger, 0));
    sk_tls_free(t);
    tls_fail("ssl.keystore.type=PKCS12\nssl.keystore.location=@server.p12\n"
             "ssl.keystore.password=nope\n", "ssl.keystore.password", NULL);
    tls_fail("ssl.keystore.type=PKCS12\nssl.keystore.location=@server.pem\n",
             "ssl.keystore.location", "PKCS12");
    tls_fail("ssl.keystore.location=@server.p12\nssl.keystore.password=storepw\n"
             "ssl.truststore.type=PKCS12\nssl.truststore.location=@trust.p12\n"
             "ssl.truststore.password=bad\n", "ssl.truststore.password", NULL);
}
END_TEST

START_TEST(test_refusals)
{
    tls_fail("", "ssl.keystore.location", "listener SSL");
    tls_fail("ssl.keystore.type=PEM\nssl.keystore.location=@missing.pem\n",
             "ssl.keystore.location", "missing.pem");
    tls_fail("ssl.keystore.location=@server.jks\n", "Java key store", "PKCS12");
    tls_fail("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n"
             "ssl.truststore.location=@server.jks\n", "ssl.truststore.location", "Java key store");
    tls_fail("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\nssl.client.auth=required\n",
             "ssl.client.auth", "trust store");
    tls_fail("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n"
             "ssl.enabled.protocols=TLSv1.3\nssl.protocol=TLSv1.2\n", "ssl.enabled.protocols",
             "ssl.protocol");
    tls_fail("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n"
             "ssl.cipher.suites=TLS_AES_128_GCM_SHA256,TLS_BOGUS_WITH_NOTHING\n",
             "ssl.cipher.suites", "TLS_BOGUS_WITH_NOTHING");
    /* per listener: the message names the key as set */
    tls_fail("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n"
             "listener.name.ssl.ssl.keystore.location=@other.pem\n",
             "listener.name.ssl.ssl.keystore.location", "other.pem");
    /* SASL_SSL is TLS first: it needs a key store as SSL does (SASL itself
     * is common/sasl.c's); SASL_PLAINTEXT needs no TLS context */
    tls_fail("listeners=PLAINTEXT://:9092,SASL_SSL://:9094\n"
             "advertised.listeners=PLAINTEXT://h:9092,SASL_SSL://h:9094\n",
             "SASL_SSL", "ssl.keystore");
    {
        sk_tls_t *t = NULL;
        char err[1024];
        ck_assert_int_eq(tls_from("listeners=PLAINTEXT://:9092,SASL_PLAINTEXT://:9094\n"
                                  "advertised.listeners=PLAINTEXT://h:9092,SASL_PLAINTEXT://h:9094\n",
                                  &t, err, sizeof(err)),
                         SK_OK);
        ck_assert_ptr_null(sk_tls_server_ctx(t, "SASL_PLAINTEXT"));
        sk_tls_free(t);
    }
    /* inter-broker TLS verifies the peer: a trust store is needed */
    tls_fail("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n"
             "security.inter.broker.protocol=SSL\n", "inter-broker", "ssl.truststore.location");
}
END_TEST

START_TEST(test_versions_and_ciphers)
{
    sk_tls_t *t;
    SSL_CTX *ctx = tls_ok("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n"
                          "ssl.enabled.protocols=TLSv1.3\n", &t);
    ck_assert(handshake(ctx, NULL, 0));
    ck_assert(!handshake(ctx, NULL, TLS1_2_VERSION));
    sk_tls_free(t);
    ctx = tls_ok("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n"
                 "ssl.protocol=TLSv1.2\n", &t);
    ck_assert_int_eq(SSL_CTX_get_max_proto_version(ctx), TLS1_2_VERSION);
    ck_assert(handshake(ctx, NULL, 0));
    sk_tls_free(t);
    /* IANA names, as Java and Kafka spell them */
    ctx = tls_ok("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n"
                 "ssl.cipher.suites=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_AES_256_GCM_SHA384\n",
                 &t);
    ck_assert(handshake(ctx, NULL, 0));
    ck_assert(handshake(ctx, NULL, TLS1_2_VERSION));
    sk_tls_free(t);
    /* TLS 1.2 suites only: no TLS 1.3 */
    ctx = tls_ok("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n"
                 "ssl.cipher.suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n", &t);
    ck_assert_int_eq(SSL_CTX_get_max_proto_version(ctx), TLS1_2_VERSION);
    ck_assert(handshake(ctx, NULL, 0));
    sk_tls_free(t);
}
END_TEST

START_TEST(test_listener_override)
{
    sk_tls_t *t;
    SSL_CTX *ctx = tls_ok("ssl.keystore.location=@nowhere.p12\n"
                          "listener.name.ssl.ssl.keystore.type=PEM\n"
                          "listener.name.ssl.ssl.keystore.location=@server.pem\n", &t);
    ck_assert(handshake(ctx, NULL, 0));
    sk_tls_free(t);
}
END_TEST

/* The client side of inter-broker TLS: peer verified with the trust store,
 * host names checked unless ssl.endpoint.identification.algorithm is empty. */
START_TEST(test_inter_broker_client)
{
    const char *base = "ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n"
                       "ssl.truststore.type=PEM\nssl.truststore.location=@ca.pem\n"
                       "ssl.client.auth=required\nsecurity.inter.broker.protocol=SSL\n";
    sk_tls_t *t;
    SSL_CTX *sctx = tls_ok(base, &t);
    SSL *c = NULL;
    ck_assert_int_eq(sk_tls_client_ssl(t, "localhost", &c), SK_OK);
    ck_assert_ptr_nonnull(c);
    ck_assert(handshake_with(sctx, c)); /* both sides verified (client auth required) */
    ck_assert_int_eq(sk_tls_client_ssl(t, "other.example", &c), SK_OK);
    ck_assert(!handshake_with(sctx, c)); /* the certificate is for localhost */
    ck_assert_int_eq(sk_tls_client_ssl(t, "127.0.0.1", &c), SK_OK);
    ck_assert(!handshake_with(sctx, c)); /* no IP address in it */
    sk_tls_free(t);

    char text[2048];
    snprintf(text, sizeof(text), "%sssl.endpoint.identification.algorithm=\n", base);
    sctx = tls_ok(text, &t);
    ck_assert_int_eq(sk_tls_client_ssl(t, "other.example", &c), SK_OK);
    ck_assert(handshake_with(sctx, c));
    sk_tls_free(t);

    /* a server whose certificate the trust store does not vouch for */
    snprintf(text, sizeof(text), "%slistener.name.ssl.ssl.truststore.location=@stranger-cert.pem\n",
             base);
    sctx = tls_ok(text, &t);
    ck_assert_int_eq(sk_tls_client_ssl(t, "localhost", &c), SK_OK);
    ck_assert(!handshake_with(sctx, c));
    sk_tls_free(t);

    /* plaintext inter-broker traffic: no client SSL */
    sctx = tls_ok("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n", &t);
    c = (SSL *)1;
    ck_assert_int_eq(sk_tls_client_ssl(t, "localhost", &c), SK_OK);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(sk_tls_client_ssl(NULL, "localhost", &c), SK_OK);
    ck_assert_ptr_null(c);
    sk_tls_free(t);
}
END_TEST

/* The leaf certificate a server context serves. */
static X509 *served(SSL_CTX *ctx)
{
    return SSL_CTX_get0_certificate(ctx);
}

/* The principal: the client certificate's subject in RFC 2253 order, as
 * Kafka's default mapping rule gives it, or ANONYMOUS. */
START_TEST(test_principal)
{
    sk_tls_t *t;
    SSL_CTX *ctx = tls_ok("ssl.keystore.type=PEM\nssl.keystore.location=@server.pem\n"
                          "ssl.truststore.type=PEM\nssl.truststore.location=@ca.pem\n"
                          "ssl.client.auth=requested\n", &t);
    ck_assert(handshake(ctx, &client, 0));
    ck_assert_str_eq(last_principal, "User:CN=client");
    ck_assert(handshake(ctx, NULL, 0));
    ck_assert_str_eq(last_principal, "User:ANONYMOUS");
    next_org = "Acme, Inc.";
    id_t_ alice = make_id("alice", &ca);
    ck_assert(handshake(ctx, &alice, 0));
    ck_assert_str_eq(last_principal, "User:CN=alice,O=Acme\\, Inc.");
    EVP_PKEY_free(alice.key);
    X509_free(alice.cert);
    sk_tls_free(t);
    char buf[32];
    sk_tls_principal(NULL, buf, sizeof(buf));
    ck_assert_str_eq(buf, "User:ANONYMOUS");
}
END_TEST

/* Renewal on disk: a changed store file is picked up by sk_tls_reload(); a
 * broken one is logged and the context in use kept. */
START_TEST(test_reload)
{
    char cfg[128], p[128], tmp[160], err[1024];
    path_of("reload.properties", cfg, sizeof(cfg));
    path_of("live.pem", p, sizeof(p));
    X509 *chain1[] = {server.cert};
    write_pem("live.pem", &server, chain1, 1, NULL);
    FILE *f = fopen(cfg, "w");
    fprintf(f, "%s%sssl.keystore.type=PEM\nssl.keystore.location=%s\n", MINIMAL, LISTENERS, p);
    fclose(f);
    sk_conf_t c;
    sk_conf_init(&c);
    ck_assert_msg(sk_conf_load(&c, cfg, NULL, 0, err, sizeof(err)) == SK_OK, "%s", err);
    sk_tls_t *t = NULL;
    ck_assert_msg(sk_tls_new(&c, &t, err, sizeof(err)) == SK_OK, "%s", err);
    ck_assert(sk_tls_active(t));
    SSL_CTX *before = sk_tls_server_ctx(t, "SSL");
    SSL_CTX_up_ref(before); /* as a live connection would hold it */
    ck_assert_int_eq(sk_tls_reload(t, 0), 0); /* nothing changed */
    ck_assert_ptr_eq(sk_tls_server_ctx(t, "SSL"), before);

    /* renewed: a new certificate (and key) replaces the file */
    id_t_ renewed = make_id("localhost", &ca);
    X509 *chain2[] = {renewed.cert};
    write_pem("live.pem.new", &renewed, chain2, 1, NULL);
    snprintf(tmp, sizeof(tmp), "%s.new", p);
    ck_assert_int_eq(rename(tmp, p), 0);
    ck_assert_int_eq(sk_tls_reload(t, 0), 1);
    SSL_CTX *after = sk_tls_server_ctx(t, "SSL");
    ck_assert_ptr_ne(after, before);
    ck_assert_int_eq(X509_cmp(served(after), renewed.cert), 0);
    ck_assert_int_eq(X509_cmp(served(before), server.cert), 0); /* old one intact */
    ck_assert(handshake(after, NULL, 0));
    SSL_CTX_free(before);
    ck_assert_int_eq(sk_tls_reload(t, 0), 0);

    /* a broken file is not swapped in; the next change is tried again */
    f = fopen(tmp, "w");
    fputs("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n", f);
    fclose(f);
    ck_assert_int_eq(rename(tmp, p), 0);
    ck_assert_int_eq(sk_tls_reload(t, 0), 0);
    ck_assert_ptr_eq(sk_tls_server_ctx(t, "SSL"), after);
    ck_assert(handshake(after, NULL, 0));
    ck_assert_int_eq(sk_tls_reload(t, 1), 0); /* forced (SIGHUP): still broken */
    write_pem("live.pem.new", &server, chain1, 1, NULL);
    ck_assert_int_eq(rename(tmp, p), 0);
    ck_assert_int_eq(sk_tls_reload(t, 0), 1);
    ck_assert_int_eq(X509_cmp(served(sk_tls_server_ctx(t, "SSL")), server.cert), 0);
    ck_assert_int_eq(sk_tls_reload(t, 1), 1); /* forced: rebuilt even unchanged */
    ck_assert_int_eq(sk_tls_reload(NULL, 1), 0);
    sk_tls_free(t);
    sk_conf_free(&c);
    EVP_PKEY_free(renewed.key);
    X509_free(renewed.cert);
}
END_TEST

int main(void)
{
    sk_log_set_level(SK_LOG_ERROR);
    Suite *s = suite_create("tls");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_plaintext_only);
    tcase_add_test(tc, test_pem_file);
    tcase_add_test(tc, test_inline_pem);
    tcase_add_test(tc, test_pkcs12);
    tcase_add_test(tc, test_refusals);
    tcase_add_test(tc, test_versions_and_ciphers);
    tcase_add_test(tc, test_listener_override);
    tcase_add_test(tc, test_inter_broker_client);
    tcase_add_test(tc, test_reload);
    tcase_add_test(tc, test_principal);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
