/* check_sasl.c - SASL PLAIN, Kafka's JAAS line and SCRAM (common/sasl_plain.c,
 * common/scram.c).
 *
 * SCRAM is checked against RFC 7677's SCRAM-SHA-256 example (user "user",
 * password "pencil") message by message, then our client and server talk to
 * each other (SHA-512), and every field of every message is broken in turn.
 */
#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "conf.h"
#include "kerr.h"
#include "log.h"
#include "sasl.h"
#include "sasl_plain.h"
#include "scram.h"

/* ---- PLAIN ---- */

#define JAAS_PLAIN                                                                         \
    "org.apache.kafka.common.security.plain.PlainLoginModule required "                    \
    "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" "            \
    "user_alice=\"alice-secret\";"

static int plain(const char *msg, size_t len, sk_sasl_plain_t *p)
{
    char err[256] = "";
    int rc = sk_sasl_plain_parse((const uint8_t *)msg, len, p, err, sizeof(err));
    if (rc != SK_OK)
        ck_assert_msg(err[0] != '\0', "no reason for a refusal");
    return rc;
}

#define PLAIN(lit, p) plain(lit, sizeof(lit) - 1, p)

START_TEST(test_plain_parse)
{
    sk_sasl_plain_t p;
    ck_assert_int_eq(PLAIN("\0alice\0secret", &p), SK_OK);
    ck_assert_str_eq(p.authzid, "");
    ck_assert_str_eq(p.user, "alice");
    ck_assert_str_eq(p.password, "secret");
    ck_assert_int_eq(PLAIN("alice\0alice\0secret", &p), SK_OK);
    ck_assert_str_eq(p.authzid, "alice");
    ck_assert_int_eq(PLAIN("\0j\xc3\xb6rg\0p\xc3\xa4ss", &p), SK_OK); /* UTF-8 */
    ck_assert_str_eq(p.user, "j\xc3\xb6rg");

    /* Malformed: NUL count, empty fields, authzid of someone else. */
    ck_assert_int_eq(PLAIN("", &p), SK_EPARSE);
    ck_assert_int_eq(PLAIN("alice", &p), SK_EPARSE);
    ck_assert_int_eq(PLAIN("alice\0secret", &p), SK_EPARSE);
    ck_assert_int_eq(PLAIN("\0alice\0secret\0", &p), SK_EPARSE);
    ck_assert_int_eq(PLAIN("\0alice\0sec\0ret", &p), SK_EPARSE);
    ck_assert_int_eq(PLAIN("\0\0secret", &p), SK_EPARSE);
    ck_assert_int_eq(PLAIN("\0alice\0", &p), SK_EPARSE);
    ck_assert_int_eq(PLAIN("\0\0", &p), SK_EPARSE);
    ck_assert_int_eq(PLAIN("bob\0alice\0secret", &p), SK_EPARSE);
    ck_assert_int_eq(PLAIN("\0al\xffice\0secret", &p), SK_EPARSE);   /* not UTF-8 */
    ck_assert_int_eq(PLAIN("\0alice\0\xc0\xafx", &p), SK_EPARSE);    /* overlong */
    ck_assert_int_eq(PLAIN("\0alice\0\xed\xa0\x80", &p), SK_EPARSE); /* surrogate */
    ck_assert_int_eq(PLAIN("\0alice\0\xe2\x82", &p), SK_EPARSE);     /* cut off */
    ck_assert_int_eq(sk_sasl_plain_parse(NULL, 0, &p, NULL, 0), SK_EPARSE);

    /* Bounds: 255 bytes per field is the most. */
    char big[600];
    memset(big, 'a', sizeof(big));
    big[0] = '\0';
    big[256] = '\0';
    ck_assert_int_eq(plain(big, 256 + 1 + 255, &p), SK_OK);
    ck_assert_uint_eq(strlen(p.password), 255);
    ck_assert_int_eq(plain(big, 256 + 1 + 256, &p), SK_EPARSE);
    big[256] = 'a';
    big[257] = '\0';
    ck_assert_int_eq(plain(big, 258 + 4, &p), SK_EPARSE); /* 256-byte user */
}
END_TEST

START_TEST(test_plain_check)
{
    sk_jaas_t j;
    char err[256], user[256];
    ck_assert_int_eq(sk_jaas_parse(JAAS_PLAIN, &j, err, sizeof(err)), SK_OK);
#define CHECK(lit) sk_sasl_plain_check(&j, (const uint8_t *)lit, sizeof(lit) - 1, user, sizeof(user), err, sizeof(err))
    ck_assert_int_eq(CHECK("\0alice\0alice-secret"), SK_OK);
    ck_assert_str_eq(user, "alice");
    ck_assert_int_eq(CHECK("admin\0admin\0admin-secret"), SK_OK);
    ck_assert_int_eq(CHECK("\0alice\0alice-secreT"), SK_EINVAL);
    ck_assert_str_eq(user, "alice"); /* for the log line */
    ck_assert_str_eq(err, "Authentication failed: Invalid username or password");
    ck_assert_int_eq(CHECK("\0alice\0alice-secret2"), SK_EINVAL);
    ck_assert_int_eq(CHECK("\0alice\0alice-secre"), SK_EINVAL);
    ck_assert_int_eq(CHECK("\0mallory\0alice-secret"), SK_EINVAL);
    ck_assert_str_eq(err, "Authentication failed: Invalid username or password");
    /* username/password are the broker's own, not a user entry. */
    ck_assert_int_eq(CHECK("\0username\0admin"), SK_EINVAL);
    ck_assert_int_eq(CHECK("\0_admin\0admin-secret"), SK_EINVAL);
    ck_assert_int_eq(CHECK("\0alice\0"), SK_EPARSE);
    ck_assert_str_eq(err, "Authentication failed: password not specified");
    ck_assert_int_eq(CHECK("\0\0x"), SK_EPARSE);
    ck_assert_str_eq(err, "Authentication failed: username not specified");
    ck_assert_int_eq(sk_sasl_plain_check(NULL, (const uint8_t *)"\0a\0b", 4, NULL, 0, NULL, 0),
                     SK_EINVAL);
#undef CHECK
    sk_jaas_free(&j);
}
END_TEST

/* ---- JAAS ---- */

static int jaas(const char *text, sk_jaas_t *j)
{
    char err[256] = "";
    int rc = sk_jaas_parse(text, j, err, sizeof(err));
    if (rc != SK_OK) {
        ck_assert_msg(err[0] != '\0', "no reason for refusing %s", text);
        ck_assert_ptr_null(j->opts);
        ck_assert_ptr_null(j->login_module);
    }
    return rc;
}

START_TEST(test_jaas)
{
    sk_jaas_t j;
    ck_assert_int_eq(jaas(JAAS_PLAIN, &j), SK_OK);
    ck_assert_str_eq(j.login_module, "org.apache.kafka.common.security.plain.PlainLoginModule");
    ck_assert_str_eq(j.flag, "required");
    ck_assert_int_eq(j.n_opts, 4);
    ck_assert_str_eq(sk_jaas_opt(&j, "username"), "admin");
    ck_assert_str_eq(sk_jaas_opt(&j, "password"), "admin-secret");
    ck_assert_ptr_null(sk_jaas_opt(&j, "Username"));
    ck_assert_str_eq(sk_jaas_user_password(&j, "alice"), "alice-secret");
    ck_assert_str_eq(sk_jaas_user_password(&j, "admin"), "admin-secret");
    ck_assert_ptr_null(sk_jaas_user_password(&j, "bob"));
    ck_assert_ptr_null(sk_jaas_user_password(&j, ""));
    ck_assert_int_eq(sk_jaas_user_count(&j), 2);
    sk_jaas_free(&j);
    sk_jaas_free(&j); /* idempotent */

    /* Layout freedom: new lines, tabs, comments, bare words, flag case,
     * escapes, spaces around '='. */
    ck_assert_int_eq(jaas("  // the broker\n"
                          "org.apache.kafka.common.security.scram.ScramLoginModule\tREQUIRED\n"
                          "  username = admin /* inter-broker */ password=\"a \\\"q\\\" \\\\ b\"\n"
                          "  user_x_y=\"\" ;  // done\n",
                          &j),
                     SK_OK);
    ck_assert_str_eq(j.flag, "required");
    ck_assert_str_eq(sk_jaas_opt(&j, "username"), "admin");
    ck_assert_str_eq(sk_jaas_opt(&j, "password"), "a \"q\" \\ b");
    ck_assert_str_eq(sk_jaas_user_password(&j, "x_y"), "");
    sk_jaas_free(&j);
    ck_assert_int_eq(jaas("M optional;", &j), SK_OK);
    ck_assert_int_eq(j.n_opts, 0);
    ck_assert_int_eq(sk_jaas_user_count(&j), 0);
    sk_jaas_free(&j);
    ck_assert_int_eq(jaas("M sufficient user_=\"x\" user_a=\"b;c\";", &j), SK_OK);
    ck_assert_int_eq(sk_jaas_user_count(&j), 1); /* "user_" names nobody */
    ck_assert_str_eq(sk_jaas_user_password(&j, "a"), "b;c");
    sk_jaas_free(&j);

    /* Refused. */
    const char *bad[] = {
        "",
        "   ",
        "// only a comment",
        "M",
        "M required",
        "M required a=\"b\"",                  /* no ';' */
        "M mandatory;",                        /* unknown flag */
        "M required a;",                       /* no '=' */
        "M required a=;",                      /* no value */
        "M required =b;",                      /* no name */
        "M required a=\"b;",                   /* unterminated string */
        "M required a=\"b\\",                  /* escape at the end */
        "M required a=\"b\nc\";",              /* new line in a string */
        "M required a=\"1\" a=\"2\";",         /* duplicate */
        "M required user_x=\"1\" user_x=\"2\";",
        "M required; N required;",             /* two modules */
        "M required; x",
        "M required a=b /* unterminated;",
        "\"M\" required;",
        "M required a=\"b\" ;;",
        "M required a=b=c;",
        NULL,
    };
    for (int i = 0; bad[i]; i++)
        ck_assert_msg(jaas(bad[i], &j) == SK_EPARSE, "accepted: %s", bad[i]);
    ck_assert_int_eq(jaas(NULL, &j), SK_EPARSE);
    char *huge = malloc(SK_JAAS_MAX + 100);
    memset(huge, ' ', SK_JAAS_MAX + 99);
    memcpy(huge, "M required;", 11);
    huge[SK_JAAS_MAX + 99] = '\0';
    ck_assert_int_eq(jaas(huge, &j), SK_EPARSE);
    free(huge);
}
END_TEST

/* ---- base64 ---- */

START_TEST(test_b64)
{
    uint8_t out[16];
    char *e = sk_b64_encode((const uint8_t *)"n,,", 3);
    ck_assert_str_eq(e, "biws");
    free(e);
    ck_assert_int_eq(sk_b64_decode("biws", 4, out, sizeof(out)), 3);
    ck_assert_int_eq(memcmp(out, "n,,", 3), 0);
    ck_assert_int_eq(sk_b64_decode("YQ==", 4, out, sizeof(out)), 1);
    ck_assert_int_eq(sk_b64_decode("YWI=", 4, out, sizeof(out)), 2);
    ck_assert_int_eq(sk_b64_decode("", 0, out, sizeof(out)), 0);
    ck_assert_int_eq(sk_b64_decode("YQ=", 3, out, sizeof(out)), -1);
    ck_assert_int_eq(sk_b64_decode("YR==", 4, out, sizeof(out)), -1); /* not canonical */
    ck_assert_int_eq(sk_b64_decode("Y===", 4, out, sizeof(out)), -1);
    ck_assert_int_eq(sk_b64_decode("Y=Q=", 4, out, sizeof(out)), -1);
    ck_assert_int_eq(sk_b64_decode("=YQ=", 4, out, sizeof(out)), -1);
    ck_assert_int_eq(sk_b64_decode("bi ws", 5, out, sizeof(out)), -1);
    ck_assert_int_eq(sk_b64_decode("bi-w", 4, out, sizeof(out)), -1);
    ck_assert_int_eq(sk_b64_decode("biwsbiws", 8, out, 5), -1); /* too long for out */
}
END_TEST

/* ---- SCRAM ---- */

/* RFC 7677 section 3. */
#define R_CFIRST "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define R_SNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define R_SFIRST "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define R_CFINAL                                                                           \
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"                        \
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
/* The RFC prints v=6rriTRBi23WpRR/wcVinwz3uAzT2xh5e8e+A5Wk5ow4=, whose
 * tail is wrong (a reported erratum of the RFC); this value is HMAC(ServerKey, AuthMessage)
 * as also computed with Python's hashlib and hmac. */
#define R_SFINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

#define B(s) (const uint8_t *)(s), strlen(s)

static sk_scram_cred_t rfc_cred(void)
{
    uint8_t salt[32];
    long n = sk_b64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, sizeof(salt));
    ck_assert_int_eq(n, 16);
    sk_scram_cred_t c;
    ck_assert_int_eq(sk_scram_cred_from_password(SK_SCRAM_SHA_256, "pencil", salt, (size_t)n,
                                                 4096, &c),
                     SK_OK);
    return c;
}

START_TEST(test_scram_rfc7677)
{
    char err[256];
    char *out = NULL;
    size_t outlen;
    /* Our client sends exactly the RFC's messages. */
    sk_scram_client_t *c = sk_scram_client_new(SK_SCRAM_SHA_256, "user", "pencil",
                                               "rOprNGfwEbeRWgbNEkqO");
    ck_assert_int_eq(sk_scram_client_first(c, &out, &outlen), SK_OK);
    ck_assert_str_eq(out, R_CFIRST);
    ck_assert_uint_eq(outlen, strlen(R_CFIRST));
    free(out);
    ck_assert_int_eq(sk_scram_client_final(c, B(R_SFIRST), &out, &outlen, err, sizeof(err)),
                     SK_OK);
    ck_assert_str_eq(out, R_CFINAL);
    free(out);
    ck_assert_int_eq(sk_scram_client_verify(c, B(R_SFINAL), err, sizeof(err)), SK_OK);
    sk_scram_client_free(c);

    /* Our server answers exactly the RFC's messages. */
    sk_scram_cred_t cred = rfc_cred();
    sk_scram_server_t *s = sk_scram_server_new(SK_SCRAM_SHA_256);
    const char *user = NULL;
    ck_assert_int_eq(sk_scram_server_state(s), SK_SCRAM_S_CLIENT_FIRST);
    ck_assert_int_eq(sk_scram_server_client_first(s, B(R_CFIRST), &user, err, sizeof(err)),
                     SK_OK);
    ck_assert_str_eq(user, "user");
    ck_assert_int_eq(sk_scram_server_state(s), SK_SCRAM_S_CREDENTIAL);
    ck_assert_ptr_null(sk_scram_server_user(s));
    ck_assert_int_eq(sk_scram_server_first(s, &cred, R_SNONCE, &out, &outlen, err, sizeof(err)),
                     SK_OK);
    ck_assert_str_eq(out, R_SFIRST);
    free(out);
    ck_assert_int_eq(sk_scram_server_state(s), SK_SCRAM_S_CLIENT_FINAL);
    ck_assert_int_eq(sk_scram_server_client_final(s, B(R_CFINAL), &out, &outlen, err,
                                                  sizeof(err)),
                     SK_OK);
    ck_assert_str_eq(out, R_SFINAL);
    free(out);
    ck_assert_int_eq(sk_scram_server_state(s), SK_SCRAM_S_DONE);
    ck_assert_str_eq(sk_scram_server_user(s), "user");
    /* The same client-final again (a replay): refused, and the exchange is over. */
    ck_assert_int_eq(sk_scram_server_client_final(s, B(R_CFINAL), &out, &outlen, err,
                                                  sizeof(err)),
                     SK_ESTATE);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(sk_scram_server_state(s), SK_SCRAM_S_FAILED);
    ck_assert_ptr_null(sk_scram_server_user(s));
    sk_scram_server_free(s);

    /* The credential as Kafka stores it, and back. */
    char *text = sk_scram_cred_format(&cred);
    ck_assert_int_eq(strncmp(text, "salt=W22ZaJ0SNY7soEsUEjb6gQ==,stored_key=", 41), 0);
    ck_assert_ptr_nonnull(strstr(text, ",iterations=4096"));
    sk_scram_cred_t back;
    ck_assert_int_eq(sk_scram_cred_parse(SK_SCRAM_SHA_256, text, &back, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(memcmp(&back, &cred, sizeof(back)), 0);
    free(text);
}
END_TEST

/* One whole exchange between our client and server; returns the first
 * failing step's code (0 when authenticated). */
static int exchange(sk_scram_mech_t m, const char *user, const char *password,
                    const sk_scram_cred_t *cred)
{
    char err[256];
    char *a = NULL, *b = NULL;
    size_t al, bl;
    const char *u;
    int rc;
    sk_scram_client_t *c = sk_scram_client_new(m, user, password, NULL);
    sk_scram_server_t *s = sk_scram_server_new(m);
    ck_assert_ptr_nonnull(c);
    if ((rc = sk_scram_client_first(c, &a, &al)) != SK_OK)
        goto out;
    if ((rc = sk_scram_server_client_first(s, (uint8_t *)a, al, &u, err, sizeof(err))) != SK_OK)
        goto out;
    ck_assert_str_eq(u, user);
    free(a);
    a = NULL;
    if ((rc = sk_scram_server_first(s, cred, NULL, &b, &bl, err, sizeof(err))) != SK_OK)
        goto out;
    if ((rc = sk_scram_client_final(c, (uint8_t *)b, bl, &a, &al, err, sizeof(err))) != SK_OK)
        goto out;
    free(b);
    b = NULL;
    if ((rc = sk_scram_server_client_final(s, (uint8_t *)a, al, &b, &bl, err, sizeof(err))) !=
        SK_OK)
        goto out;
    if ((rc = sk_scram_client_verify(c, (uint8_t *)b, bl, err, sizeof(err))) != SK_OK)
        goto out;
    ck_assert_str_eq(sk_scram_server_user(s), user);
out:
    if (rc != SK_OK)
        ck_assert_int_eq(sk_scram_server_state(s) == SK_SCRAM_S_DONE, 0);
    free(a);
    free(b);
    sk_scram_client_free(c);
    sk_scram_server_free(s);
    return rc;
}

START_TEST(test_scram_roundtrip)
{
    sk_scram_cred_t c512, c256;
    ck_assert_int_eq(sk_scram_cred_from_password(SK_SCRAM_SHA_512, "alice-secret", NULL, 0, 4096,
                                                 &c512),
                     SK_OK);
    ck_assert_uint_eq(c512.salt_len, 32);
    ck_assert_int_eq(exchange(SK_SCRAM_SHA_512, "alice", "alice-secret", &c512), SK_OK);
    ck_assert_int_eq(exchange(SK_SCRAM_SHA_512, "alice", "alice-secreT", &c512), SK_EINVAL);
    ck_assert_int_eq(exchange(SK_SCRAM_SHA_512, "alice", "", &c512), SK_EINVAL);
    /* No credential: the exchange ends at server-first, as Kafka. */
    ck_assert_int_eq(exchange(SK_SCRAM_SHA_512, "alice", "alice-secret", NULL), SK_ENOENT);
    /* A credential of the other mechanism is no credential. */
    ck_assert_int_eq(sk_scram_cred_from_password(SK_SCRAM_SHA_256, "alice-secret", NULL, 0,
                                                 8192, &c256),
                     SK_OK);
    ck_assert_int_eq(exchange(SK_SCRAM_SHA_512, "alice", "alice-secret", &c256), SK_ENOENT);
    ck_assert_int_eq(exchange(SK_SCRAM_SHA_256, "alice", "alice-secret", &c256), SK_OK);
    /* Names with ',' and '=' travel saslname-encoded. */
    ck_assert_int_eq(exchange(SK_SCRAM_SHA_256, "a,b=c", "alice-secret", &c256), SK_OK);
    /* Iteration bounds (Kafka's 4096..16384). */
    ck_assert_int_eq(sk_scram_cred_from_password(SK_SCRAM_SHA_256, "x", NULL, 0, 4095, &c256),
                     SK_EINVAL);
    ck_assert_int_eq(sk_scram_cred_from_password(SK_SCRAM_SHA_256, "x", NULL, 0, 16385, &c256),
                     SK_EINVAL);
    ck_assert_int_eq(sk_scram_cred_from_password(SK_SCRAM_SHA_256, "x", (const uint8_t *)"s", 0,
                                                 4096, &c256),
                     SK_EINVAL);
    ck_assert_int_eq(sk_scram_mech_parse("SCRAM-SHA-256"), SK_SCRAM_SHA_256);
    ck_assert_int_eq(sk_scram_mech_parse("SCRAM-SHA-512"), SK_SCRAM_SHA_512);
    ck_assert_int_eq(sk_scram_mech_parse("scram-sha-512"), -1);
    ck_assert_int_eq(sk_scram_mech_parse("SCRAM-SHA-1"), -1);
    ck_assert_int_eq(sk_scram_mech_parse(NULL), -1);
}
END_TEST

/* A server that has read R_CFIRST-like `first` for the RFC credential:
 * returns the client_first result; *s is left for more steps. */
static int server_first_msg(const char *first, size_t len, sk_scram_server_t **s)
{
    char err[256] = "";
    const char *u;
    *s = sk_scram_server_new(SK_SCRAM_SHA_256);
    int rc = sk_scram_server_client_first(*s, (const uint8_t *)first, len, &u, err, sizeof(err));
    if (rc != SK_OK) {
        ck_assert_msg(err[0] != '\0', "no reason for refusing %s", first);
        ck_assert_int_eq(sk_scram_server_state(*s), SK_SCRAM_S_FAILED);
    }
    return rc;
}

static int client_first_rc(const char *first)
{
    sk_scram_server_t *s;
    int rc = server_first_msg(first, strlen(first), &s);
    sk_scram_server_free(s);
    return rc;
}

START_TEST(test_scram_client_first_malformed)
{
    ck_assert_int_eq(client_first_rc(R_CFIRST), SK_OK);
    ck_assert_int_eq(client_first_rc("y,,n=user,r=abc"), SK_OK);
    ck_assert_int_eq(client_first_rc("n,a=user,n=user,r=abc"), SK_OK);
    ck_assert_int_eq(client_first_rc("n,,n=user,r=abc,ext=1,y=2"), SK_OK); /* ignored */
    ck_assert_int_eq(client_first_rc("n,,n=user,r=abc,tokenauth=false"), SK_OK);
    ck_assert_int_eq(client_first_rc("n,,n=a=2Cb=3Dc,r=abc"), SK_OK);
    /* Refused, not malformed. */
    ck_assert_int_eq(client_first_rc("p=tls-unique,,n=user,r=abc"), SK_EINVAL);
    ck_assert_int_eq(client_first_rc("n,a=admin,n=user,r=abc"), SK_EINVAL);
    ck_assert_int_eq(client_first_rc("n,,n=user,r=abc,tokenauth=true"), SK_EINVAL);
    /* Malformed: each field missing, duplicated, garbled, misplaced. */
    const char *bad[] = {
        "",
        "n",
        "n,",
        "n,,",
        "x,,n=user,r=abc",        /* cbind flag */
        "nn,,n=user,r=abc",
        "n,,,n=user,r=abc",       /* empty attribute */
        "n,a,n=user,r=abc",
        "n,a=,n=user,r=abc",      /* empty authzid */
        "n,b=user,n=user,r=abc",
        "n,a=us=er,n=user,r=abc", /* bad escape in authzid */
        "n,,r=abc",               /* no user */
        "n,,n=user",              /* no nonce */
        "n,,n=user,",
        "n,,n=user,r=",           /* empty nonce */
        "n,,n=,r=abc",            /* empty user */
        "n,,r=abc,n=user",        /* order */
        "n,,n=user,n=user,r=abc", /* duplicated */
        "n,,n=user,r=abc,r=abc",
        "n,,n=user,r=abc,n=x",
        "n,,n=user,r=abc,p=x",
        "n,,m=ext,n=user,r=abc",  /* mandatory extension */
        "n,,n=us=er,r=abc",       /* '=' not =2C/=3D */
        "n,,n=us=2,r=abc",
        "n,,n=us=2c,r=abc",       /* lower case escape */
        "n,,n=user=,r=abc",
        "n,,n=\xff,r=abc",        /* not UTF-8 */
        "n,,n=user,r=a b",        /* nonce not printable */
        "n,,n=user,r=ab\x7f",
        "n,,n=user,r=\xc3\xa9",
        "n,,n=user,r=abc,",       /* trailing comma */
        "n,,n=user,r=abc,=v",     /* extension without name */
        "n,,n=user,r=abc,e-x=v",  /* extension name */
        "n,,n=user,r=abc,ext=",   /* extension without value */
        "n,,n=user,r=abc,ext",
        "n,,user,r=abc",
        "n,,n=user;r=abc",
        NULL,
    };
    for (int i = 0; bad[i]; i++)
        ck_assert_msg(client_first_rc(bad[i]) == SK_EPARSE, "accepted or refused: %s", bad[i]);
    /* Embedded NUL. */
    sk_scram_server_t *s;
    ck_assert_int_eq(server_first_msg("n,,n=us\0er,r=abc", 16, &s), SK_EPARSE);
    sk_scram_server_free(s);
    ck_assert_int_eq(server_first_msg(R_CFIRST "\0", sizeof(R_CFIRST), &s), SK_EPARSE);
    sk_scram_server_free(s);
    /* Overlong: the message, the user name, the nonce. */
    char big[SK_SCRAM_MSG_MAX + 64];
    snprintf(big, sizeof(big), "n,,n=user,r=abc,x=");
    size_t l = strlen(big);
    memset(big + l, 'v', sizeof(big) - l - 1);
    big[sizeof(big) - 1] = '\0';
    ck_assert_int_eq(client_first_rc(big), SK_EPARSE);
    big[SK_SCRAM_MSG_MAX] = '\0';
    ck_assert_int_eq(client_first_rc(big), SK_OK); /* exactly the most */
    char name[SK_SCRAM_NAME_MAX + 2];
    memset(name, 'u', sizeof(name) - 1);
    name[SK_SCRAM_NAME_MAX] = '\0';
    snprintf(big, sizeof(big), "n,,n=%s,r=abc", name);
    ck_assert_int_eq(client_first_rc(big), SK_OK);
    name[SK_SCRAM_NAME_MAX] = 'u';
    name[SK_SCRAM_NAME_MAX + 1] = '\0';
    snprintf(big, sizeof(big), "n,,n=%s,r=abc", name);
    ck_assert_int_eq(client_first_rc(big), SK_EPARSE);
    snprintf(big, sizeof(big), "n,,n=user,r=%s", name); /* 256-char nonce */
    ck_assert_int_eq(client_first_rc(big), SK_EPARSE);
    /* Too many attributes. */
    l = (size_t)snprintf(big, sizeof(big), "n,,n=user,r=abc");
    for (int i = 0; i < 40; i++)
        l += (size_t)snprintf(big + l, sizeof(big) - l, ",x%d=1", i);
    ck_assert_int_eq(client_first_rc(big), SK_EPARSE);
}
END_TEST

/* A server on the RFC exchange, waiting for client-final. */
static sk_scram_server_t *rfc_server(void)
{
    char err[256];
    char *out;
    size_t outlen;
    const char *u;
    sk_scram_cred_t cred = rfc_cred();
    sk_scram_server_t *s = sk_scram_server_new(SK_SCRAM_SHA_256);
    ck_assert_int_eq(sk_scram_server_client_first(s, B(R_CFIRST), &u, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_scram_server_first(s, &cred, R_SNONCE, &out, &outlen, err, sizeof(err)),
                     SK_OK);
    free(out);
    return s;
}

static int client_final_rc(const void *msg, size_t len)
{
    char err[256] = "";
    char *out = (char *)1;
    sk_scram_server_t *s = rfc_server();
    int rc = sk_scram_server_client_final(s, (const uint8_t *)msg, len, &out, NULL, err,
                                          sizeof(err));
    if (rc != SK_OK) {
        ck_assert_ptr_null(out);
        ck_assert_msg(err[0] != '\0', "no reason for refusing %s", (const char *)msg);
        ck_assert_int_eq(sk_scram_server_state(s), SK_SCRAM_S_FAILED);
        ck_assert_ptr_null(sk_scram_server_user(s));
    }
    free(out);
    sk_scram_server_free(s);
    return rc;
}

#define NONCE "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define PROOF "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="

START_TEST(test_scram_client_final_malformed)
{
    ck_assert_int_eq(client_final_rc(B(R_CFINAL)), SK_OK);
    /* Changed: nonce (a replay against a new server nonce looks like
     * this), channel binding, proof, an added extension (part of the
     * signed AuthMessage). */
    const char *refused[] = {
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1," PROOF,
        "c=biws,r=rOprNGfwEbeRWgbNEkqO," PROOF,
        "c=biws,r=" NONCE "x," PROOF,
        "c=biws,r=x" NONCE "," PROOF, /* Kafka's rule (ends with the nonce): the proof fails */
        "c=eSws,r=" NONCE "," PROOF,                                      /* "y,," */
        "c=biwsbiws,r=" NONCE "," PROOF,
        "c=biws,r=" NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVI=",
        "c=biws,r=" NONCE ",ext=1," PROOF,
        NULL,
    };
    for (int i = 0; refused[i]; i++)
        ck_assert_msg(client_final_rc(B(refused[i])) == SK_EINVAL, "not refused: %s", refused[i]);
    const char *bad[] = {
        "",
        "c=biws",
        "c=biws,r=" NONCE,                                 /* no proof */
        "r=" NONCE "," PROOF,                              /* no channel binding */
        "c=biws," PROOF,                                   /* no nonce */
        "r=" NONCE ",c=biws," PROOF,                       /* order */
        "c=biws," PROOF ",r=" NONCE,
        "c=biws,c=biws,r=" NONCE "," PROOF,                /* duplicated */
        "c=biws,r=" NONCE ",r=" NONCE "," PROOF,
        "c=biws,r=" NONCE "," PROOF "," PROOF,
        "c=biws,r=" NONCE ",p=,p=abcd",
        "c=biw,r=" NONCE "," PROOF,                        /* garbled base64 */
        "c=bi*s,r=" NONCE "," PROOF,
        "c=biws,r=" NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndV",
        "c=biws,r=" NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ",
        "c=biws,r=" NONCE ",p=YWJj",                       /* short proof */
        "c=biws,r=" NONCE ",p=",
        "c=biws,r=" NONCE "," PROOF ",",
        "c=biws,,r=" NONCE "," PROOF,
        "c=biws,r=" NONCE ",e-x=1," PROOF,
        NULL,
    };
    for (int i = 0; bad[i]; i++)
        ck_assert_msg(client_final_rc(B(bad[i])) == SK_EPARSE, "accepted: %s", bad[i]);
    ck_assert_int_eq(client_final_rc(R_CFINAL "\0", sizeof(R_CFINAL)), SK_EPARSE);
    ck_assert_int_eq(client_final_rc("c=biws\0,r=" NONCE "," PROOF,
                                     sizeof("c=biws\0,r=" NONCE "," PROOF) - 1),
                     SK_EPARSE);

    /* Out of order: client-final first, client-first twice, server-first
     * before client-first. */
    char err[256];
    char *out;
    const char *u;
    sk_scram_server_t *s = sk_scram_server_new(SK_SCRAM_SHA_256);
    ck_assert_int_eq(sk_scram_server_client_final(s, B(R_CFINAL), &out, NULL, err, sizeof(err)),
                     SK_ESTATE);
    ck_assert_int_eq(sk_scram_server_state(s), SK_SCRAM_S_FAILED);
    ck_assert_int_eq(sk_scram_server_client_first(s, B(R_CFIRST), &u, err, sizeof(err)),
                     SK_ESTATE);
    sk_scram_server_free(s);
    s = sk_scram_server_new(SK_SCRAM_SHA_256);
    sk_scram_cred_t cred = rfc_cred();
    ck_assert_int_eq(sk_scram_server_first(s, &cred, NULL, &out, NULL, err, sizeof(err)),
                     SK_ESTATE);
    sk_scram_server_free(s);
    s = sk_scram_server_new(SK_SCRAM_SHA_256);
    ck_assert_int_eq(sk_scram_server_client_first(s, B(R_CFIRST), &u, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_scram_server_client_first(s, B(R_CFIRST), &u, err, sizeof(err)),
                     SK_ESTATE);
    sk_scram_server_free(s);
    /* A stored credential below Kafka's minimum is not used. */
    s = sk_scram_server_new(SK_SCRAM_SHA_256);
    ck_assert_int_eq(sk_scram_server_client_first(s, B(R_CFIRST), &u, err, sizeof(err)), SK_OK);
    cred.iterations = 1000;
    ck_assert_int_eq(sk_scram_server_first(s, &cred, NULL, &out, NULL, err, sizeof(err)),
                     SK_EINVAL);
    sk_scram_server_free(s);
    /* An authzid in the gs2 header is part of the channel binding. */
    s = sk_scram_server_new(SK_SCRAM_SHA_256);
    ck_assert_int_eq(sk_scram_server_client_first(s, B("n,a=user,n=user,r=abc"), &u, err,
                                                  sizeof(err)),
                     SK_OK);
    cred = rfc_cred();
    ck_assert_int_eq(sk_scram_server_first(s, &cred, "XYZ", &out, NULL, err, sizeof(err)), SK_OK);
    free(out);
    ck_assert_int_eq(sk_scram_server_client_final(s, B("c=biws,r=abcXYZ," PROOF), &out, NULL,
                                                  err, sizeof(err)),
                     SK_EINVAL);
    sk_scram_server_free(s);
}
END_TEST

/* librdkafka (2.0) repeats the client nonce in front of the combined one in
 * client-final; Kafka accepts a nonce that ends with the combined one, and
 * so do we when the proof (over the message as sent) is right. */
START_TEST(test_scram_librdkafka_nonce)
{
    char err[256], *out = NULL;
    uint8_t salt[16], salted[32], ck[32], stored[32], sig[32], proof[32];
    unsigned int l = 0;
    ck_assert_int_eq(sk_b64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, sizeof(salt)), 16);
    ck_assert(PKCS5_PBKDF2_HMAC("pencil", 6, salt, 16, 4096, EVP_sha256(), 32, salted));
    HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Client Key", 10, ck, &l);
    EVP_Digest(ck, 32, stored, &l, EVP_sha256(), NULL);
    const char *without = "c=biws,r=rOprNGfwEbeRWgbNEkqO" NONCE;
    char auth[512];
    snprintf(auth, sizeof(auth), "%s,%s,%s", R_CFIRST + 3, R_SFIRST, without);
    HMAC(EVP_sha256(), stored, 32, (const uint8_t *)auth, strlen(auth), sig, &l);
    for (int i = 0; i < 32; i++)
        proof[i] = ck[i] ^ sig[i];
    char *p64 = sk_b64_encode(proof, 32);
    char final[512];
    snprintf(final, sizeof(final), "%s,p=%s", without, p64);
    free(p64);
    sk_scram_server_t *s = rfc_server();
    ck_assert_int_eq(sk_scram_server_client_final(s, B(final), &out, NULL, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(strncmp(out, "v=", 2), 0);
    free(out);
    ck_assert_str_eq(sk_scram_server_user(s), "user");
    sk_scram_server_free(s);
}
END_TEST

START_TEST(test_scram_client_side)
{
    char err[256];
    char *out;
    /* The server's messages, broken. */
    const char *bad_first[] = {
        "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",     /* nonce not extended */
        "r=XOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  /* not our nonce */
        "r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095",  /* iterations */
        "r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999",
        "r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=04096",
        "r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=",
        "r=rOprNGfwEbeRWgbNEkqOabc,s=,i=4096",
        "r=rOprNGfwEbeRWgbNEkqOabc,s=W22Z,i=4096,",
        "r=rOprNGfwEbeRWgbNEkqOabc,i=4096",
        "s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOabc,i=4096",
        "e=unknown-user",
        "",
        NULL,
    };
    for (int i = 0; bad_first[i]; i++) {
        sk_scram_client_t *c = sk_scram_client_new(SK_SCRAM_SHA_256, "user", "pencil",
                                                   "rOprNGfwEbeRWgbNEkqO");
        ck_assert_int_eq(sk_scram_client_first(c, &out, NULL), SK_OK);
        free(out);
        ck_assert_msg(sk_scram_client_final(c, B(bad_first[i]), &out, NULL, err, sizeof(err)) !=
                          SK_OK,
                      "accepted %s", bad_first[i]);
        ck_assert_ptr_null(out);
        sk_scram_client_free(c);
    }
    const char *bad_final[] = {
        "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=", /* garbled */
        "v=6rriTRBi23WpRR/wcVinwz3uAzT2xh5e8e+A5Wk5ow4=", /* the RFC's misprint */
        "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", /* wrong */
        "e=invalid-proof",
        "v=",
        "x=6rriTRBi23WpRR/wcVinwz3uAzT2xh5e8e+A5Wk5ow4=",
        NULL,
    };
    for (int i = 0; bad_final[i]; i++) {
        sk_scram_client_t *c = sk_scram_client_new(SK_SCRAM_SHA_256, "user", "pencil",
                                                   "rOprNGfwEbeRWgbNEkqO");
        ck_assert_int_eq(sk_scram_client_first(c, &out, NULL), SK_OK);
        free(out);
        ck_assert_int_eq(sk_scram_client_final(c, B(R_SFIRST), &out, NULL, err, sizeof(err)),
                         SK_OK);
        free(out);
        ck_assert_msg(sk_scram_client_verify(c, B(bad_final[i]), err, sizeof(err)) != SK_OK,
                      "accepted %s", bad_final[i]);
        /* Once failed, always failed. */
        ck_assert_int_eq(sk_scram_client_verify(c, B(R_SFINAL), err, sizeof(err)), SK_ESTATE);
        sk_scram_client_free(c);
    }
    ck_assert_ptr_null(sk_scram_client_new(SK_SCRAM_SHA_256, "", "x", NULL));
    ck_assert_ptr_null(sk_scram_client_new(SK_SCRAM_SHA_256, "u", "x", "bad nonce"));
}
END_TEST

START_TEST(test_scram_credentials)
{
    char err[256];
    sk_scram_cred_t c, back;
    ck_assert_int_eq(sk_scram_cred_from_password(SK_SCRAM_SHA_512, "p", (const uint8_t *)"salt",
                                                 4, 4096, &c),
                     SK_OK);
    char *text = sk_scram_cred_format(&c);
    ck_assert_int_eq(sk_scram_cred_parse(SK_SCRAM_SHA_512, text, &back, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(memcmp(&c, &back, sizeof(c)), 0);
    /* Keys of the wrong length for the mechanism. */
    ck_assert_int_eq(sk_scram_cred_parse(SK_SCRAM_SHA_256, text, &back, err, sizeof(err)),
                     SK_EPARSE);
    free(text);

    /* The znode, both mechanisms. */
    sk_scram_cred_t two[2];
    ck_assert_int_eq(sk_scram_cred_from_password(SK_SCRAM_SHA_256, "pw", NULL, 0, 4096, &two[0]),
                     SK_OK);
    ck_assert_int_eq(sk_scram_cred_from_password(SK_SCRAM_SHA_512, "pw", NULL, 0, 4096, &two[1]),
                     SK_OK);
    char *json = sk_scram_user_config_build(two, 2);
    ck_assert_int_eq(strncmp(json, "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=", 45), 0);
    ck_assert_int_eq(sk_scram_user_config_parse(json, strlen(json), SK_SCRAM_SHA_512, &back, err,
                                                sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(memcmp(&two[1], &back, sizeof(back)), 0);
    free(json);
    json = sk_scram_user_config_build(two, 1);
    ck_assert_int_eq(sk_scram_user_config_parse(json, strlen(json), SK_SCRAM_SHA_512, &back, err,
                                                sizeof(err)),
                     SK_ENOENT);
    free(json);
    /* Another salt length (24 bytes) and key order as Kafka writes them. */
    const char *kafka =
        "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=MWxzdGM3Z2I1cG5kOWN1NWZ5YjBqd3Ax,"
        "stored_key=z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,server_key=mB8KN3kSTH5lTdpv"
        "wNTE+1bwD8cdH+KUJ+Vf4ck+x+o=,iterations=4096\"}}";
    ck_assert_int_eq(sk_scram_user_config_parse(kafka, strlen(kafka), SK_SCRAM_SHA_256, &back,
                                                err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(back.iterations, 4096);
    ck_assert_uint_eq(back.salt_len, 24);

    const char *bad_cred[] = {
        "",
        "salt=c2FsdA==,stored_key=z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,iterations=4096",
        "salt=c2FsdA==,stored_key=z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,server_key="
        "z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,iterations=4096,iterations=4096",
        "salt=c2FsdA==,stored_key=z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,server_key="
        "z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,iterations=1024",
        "salt=c2FsdA==,stored_key=z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,server_key="
        "z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,iterations=4096x",
        "salt=,stored_key=z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,server_key="
        "z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,iterations=4096",
        "salt=c2FsdA==,stored_key=z2mVhUsmZ3HJHHVs,server_key="
        "z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,iterations=4096",
        "salt=c2FsdA==,stored_key=z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,server_key="
        "z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,iterations=4096,extra=1",
        "salt=c2FsdA==,stored_key=z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,server_key="
        "z2mVhUsmZ3HJHHVsTx9UCWR11HOjpjhr3yC7fi0YTUY=,iterations=4096,",
        NULL,
    };
    for (int i = 0; bad_cred[i]; i++)
        ck_assert_msg(sk_scram_cred_parse(SK_SCRAM_SHA_256, bad_cred[i], &back, err,
                                          sizeof(err)) == SK_EPARSE,
                      "accepted %s", bad_cred[i]);
    ck_assert_int_eq(sk_scram_cred_parse(SK_SCRAM_SHA_256, NULL, &back, err, sizeof(err)),
                     SK_EPARSE);
    const char *bad_json[] = {
        "",
        "[]",
        "{\"version\":1}",
        "{\"version\":2,\"config\":{}}",
        "{\"version\":\"1\",\"config\":{}}",
        "{\"version\":1,\"config\":[]}",
        "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":5}}",
        "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=x\"}}",
        "{\"version\":1,\"version\":1,\"config\":{}}",
        "{\"version\":1,\"config\":{}",
        NULL,
    };
    for (int i = 0; bad_json[i]; i++)
        ck_assert_msg(sk_scram_user_config_parse(bad_json[i], strlen(bad_json[i]),
                                                 SK_SCRAM_SHA_256, &back, err,
                                                 sizeof(err)) == SK_EPARSE,
                      "accepted %s", bad_json[i]);
    ck_assert_int_eq(sk_scram_user_config_parse("{\"version\":1,\"config\":{}}", 25,
                                                SK_SCRAM_SHA_256, &back, err, sizeof(err)),
                     SK_ENOENT);

    /* Updating the znode: other configs kept, a mechanism replaced, one removed. */
    const char *quota = "{\"version\":1,\"config\":{\"producer_byte_rate\":\"1024\"}}";
    char *j1 = sk_scram_user_config_update(quota, strlen(quota), two, 2, NULL, 0, err, sizeof(err));
    ck_assert_ptr_nonnull(j1);
    ck_assert_ptr_nonnull(strstr(j1, "\"producer_byte_rate\":\"1024\""));
    ck_assert_int_eq(sk_scram_user_config_parse(j1, strlen(j1), SK_SCRAM_SHA_256, &back, err,
                                                sizeof(err)),
                     SK_OK);
    const char *del[] = {"SCRAM-SHA-256"};
    char *j2 = sk_scram_user_config_update(j1, strlen(j1), NULL, 0, del, 1, err, sizeof(err));
    ck_assert_int_eq(sk_scram_user_config_parse(j2, strlen(j2), SK_SCRAM_SHA_256, &back, err,
                                                sizeof(err)),
                     SK_ENOENT);
    ck_assert_int_eq(sk_scram_user_config_parse(j2, strlen(j2), SK_SCRAM_SHA_512, &back, err,
                                                sizeof(err)),
                     SK_OK);
    ck_assert_ptr_nonnull(strstr(j2, "producer_byte_rate"));
    free(j1);
    free(j2);
    j1 = sk_scram_user_config_update(NULL, 0, two, 1, NULL, 0, err, sizeof(err));
    ck_assert_int_eq(strncmp(j1, "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":", 39), 0);
    free(j1);
    const char *bad_del[] = {"producer_byte_rate"};
    ck_assert_ptr_null(sk_scram_user_config_update(NULL, 0, NULL, 0, bad_del, 1, err, sizeof(err)));
    ck_assert_ptr_null(sk_scram_user_config_update("[1]", 3, two, 1, NULL, 0, err, sizeof(err)));
    ck_assert_ptr_null(sk_scram_user_config_update("{\"version\":2,\"config\":{}}", 25, two, 1,
                                                   NULL, 0, err, sizeof(err)));
}
END_TEST

/* ---- the broker's setup (sasl.c) ---- */

#define MIN_CONF "broker.id=0\nzookeeper.connect=127.0.0.1:2181\n"
#define PLAIN_MODULE "org.apache.kafka.common.security.plain.PlainLoginModule"
#define SCRAM_MODULE "org.apache.kafka.common.security.scram.ScramLoginModule"
#define TWO_LISTENERS                                                                      \
    "listeners=SASL_PLAINTEXT://127.0.0.1:9092,INTERNAL://127.0.0.1:9093\n"                \
    "listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT\n" \
    "inter.broker.listener.name=INTERNAL\n"

/* sk_sasl_new() on a config made of text. */
static int sasl_from(const char *text, sk_sasl_t **out, char *err, size_t errlen)
{
    char path[] = "/tmp/check_sasl_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, MIN_CONF, strlen(MIN_CONF)), (ssize_t)strlen(MIN_CONF));
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    sk_conf_t c;
    sk_conf_init(&c);
    int rc = sk_conf_load(&c, path, NULL, 0, err, errlen);
    unlink(path);
    ck_assert_msg(rc == SK_OK, "config: %s", err);
    rc = sk_sasl_new(&c, out, err, errlen);
    sk_conf_free(&c);
    return rc;
}

static void sasl_fail(const char *text, const char *n1, const char *n2)
{
    sk_sasl_t *s = (sk_sasl_t *)1;
    char err[1024] = "";
    ck_assert_msg(sasl_from(text, &s, err, sizeof(err)) == SK_EINVAL, "accepted: %s", text);
    ck_assert_ptr_null(s);
    ck_assert_msg(!n1 || strstr(err, n1), "'%s' lacks '%s'", err, n1);
    ck_assert_msg(!n2 || strstr(err, n2), "'%s' lacks '%s'", err, n2);
}

START_TEST(test_setup)
{
    sk_sasl_t *s;
    char err[1024];
    /* No SASL listener: nothing to set up, whatever the SASL keys say. */
    ck_assert_int_eq(sasl_from("", &s, err, sizeof(err)), SK_OK);
    ck_assert(!sk_sasl_listener(s, "PLAINTEXT"));
    ck_assert_ptr_null(sk_sasl_client_mechanism(s));
    sk_sasl_free(s);

    /* Kafka's default GSSAPI, and every mechanism Skein cannot serve. */
    sasl_fail("listeners=SASL_PLAINTEXT://:9092\nsecurity.inter.broker.protocol=SASL_PLAINTEXT\n",
              "sasl.enabled.mechanisms names GSSAPI (Kafka's default)", "SCRAM-SHA-512");
    sasl_fail("listeners=PLAINTEXT://:9091,SASL_SSL://:9092\nsasl.enabled.mechanisms=PLAIN,OAUTHBEARER\n"
              "sasl.jaas.config=" PLAIN_MODULE " required user_a=\"b\";\n",
              "sasl.enabled.mechanisms names OAUTHBEARER", NULL);
    sasl_fail("listeners=PLAINTEXT://:9091,SASL_SSL://:9092\n"
              "listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-1\n",
              "listener.name.sasl_ssl.sasl.enabled.mechanisms names SCRAM-SHA-1", NULL);
    sasl_fail("listeners=PLAINTEXT://:9091,SASL_SSL://:9092\nsasl.enabled.mechanisms=plain\n",
              "names plain", NULL); /* Kafka's names are case-sensitive */
    sasl_fail("listeners=PLAINTEXT://:9091,SASL_SSL://:9092\n"
              "sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-256\n", "twice", NULL);
    /* PLAIN needs its users; the JAAS line must parse and fit. */
    sasl_fail("listeners=PLAINTEXT://:9091,SASL_SSL://:9092\nsasl.enabled.mechanisms=PLAIN\n",
              "listener.name.sasl_ssl.plain.sasl.jaas.config", "user_");
    sasl_fail("listeners=PLAINTEXT://:9091,SASL_SSL://:9092\nsasl.enabled.mechanisms=PLAIN\n"
              "listener.name.sasl_ssl.plain.sasl.jaas.config=" PLAIN_MODULE " required user_a=\"b\"\n",
              "listener.name.sasl_ssl.plain.sasl.jaas.config", "';'");
    sasl_fail("listeners=PLAINTEXT://:9091,SASL_SSL://:9092\nsasl.enabled.mechanisms=PLAIN\n"
              "listener.name.sasl_ssl.plain.sasl.jaas.config=" SCRAM_MODULE " required;\n",
              "login module", PLAIN_MODULE);
    sasl_fail("listeners=PLAINTEXT://:9091,SASL_SSL://:9092\nsasl.enabled.mechanisms=PLAIN\n"
              "sasl.jaas.config=com.example.Other required;\n",
              "sasl.jaas.config names login module com.example.Other", NULL);
    /* Inter-broker: a mechanism Skein serves, enabled there, with credentials. */
    sasl_fail(TWO_LISTENERS "sasl.enabled.mechanisms=PLAIN\n"
              "sasl.jaas.config=" PLAIN_MODULE " required user_a=\"b\";\n",
              "sasl.mechanism.inter.broker.protocol=GSSAPI (Kafka's default)", NULL);
    sasl_fail(TWO_LISTENERS "sasl.enabled.mechanisms=PLAIN\nsasl.mechanism.inter.broker.protocol=SCRAM-SHA-256\n"
              "sasl.jaas.config=" PLAIN_MODULE " required user_a=\"b\";\n",
              "is not enabled on the inter-broker listener INTERNAL", NULL);
    sasl_fail(TWO_LISTENERS "sasl.enabled.mechanisms=PLAIN\nsasl.mechanism.inter.broker.protocol=PLAIN\n"
              "sasl.jaas.config=" PLAIN_MODULE " required user_a=\"b\";\n",
              "needs username and password", NULL);
    sasl_fail(TWO_LISTENERS "sasl.enabled.mechanisms=SCRAM-SHA-512\n"
              "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512\n",
              "needs username and password", "none is set");

    /* Working: PLAIN users from the global line on one listener, SCRAM with
     * the broker's own credentials on the inter-broker listener. */
    ck_assert_int_eq(
        sasl_from(TWO_LISTENERS "sasl.enabled.mechanisms=PLAIN\n"
                  "listener.name.internal.sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN\n"
                  "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512\n"
                  "sasl.jaas.config=" PLAIN_MODULE " required user_alice=\"alice-secret\";\n"
                  "listener.name.internal.scram-sha-512.sasl.jaas.config=" SCRAM_MODULE
                  " required username=\"broker\" password=\"broker-secret\";\n",
                  &s, err, sizeof(err)),
        SK_OK);
    ck_assert(sk_sasl_listener(s, "SASL_PLAINTEXT"));
    ck_assert(sk_sasl_listener(s, "internal"));
    ck_assert_str_eq(sk_sasl_client_mechanism(s), "SCRAM-SHA-512");
    ck_assert_str_eq(sk_sasl_client_user(s), "broker");
    ck_assert_str_eq(sk_sasl_client_password(s), "broker-secret");

    /* A PLAIN connection. */
    uint8_t *out;
    size_t outlen;
    char msg[256];
    sk_sasl_conn_t *c = sk_sasl_conn_new(s, "sasl_plaintext");
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_null(sk_sasl_conn_new(s, "PLAINTEXT"));
    ck_assert_int_eq(sk_sasl_conn_mechanisms(c)->n, 1);
    ck_assert_int_eq(sk_sasl_conn_token(c, B("\0alice\0alice-secret"), &out, &outlen, msg,
                                        sizeof(msg)),
                     SK_ESTATE); /* before the handshake */
    sk_sasl_conn_free(c);
    c = sk_sasl_conn_new(s, "SASL_PLAINTEXT");
    ck_assert_int_eq(sk_sasl_conn_handshake(c, "SCRAM-SHA-512", 1),
                     SK_KERR_UNSUPPORTED_SASL_MECHANISM); /* not on this listener */
    ck_assert_int_eq(sk_sasl_conn_state(c), SK_SASL_FAILED);
    sk_sasl_conn_free(c);
    c = sk_sasl_conn_new(s, "SASL_PLAINTEXT");
    ck_assert_int_eq(sk_sasl_conn_handshake(c, "PLAIN", 1), SK_KERR_NONE);
    ck_assert(!sk_sasl_conn_raw(c));
    ck_assert_int_eq(sk_sasl_conn_handshake(c, "PLAIN", 1), SK_KERR_ILLEGAL_SASL_STATE);
    sk_sasl_conn_free(c);
    c = sk_sasl_conn_new(s, "SASL_PLAINTEXT");
    ck_assert_int_eq(sk_sasl_conn_handshake(c, "PLAIN", 0), SK_KERR_NONE);
    ck_assert(sk_sasl_conn_raw(c));
    ck_assert_int_eq(sk_sasl_conn_token(c, (const uint8_t *)"\0alice\0alice-secret", 19, &out,
                                        &outlen, msg, sizeof(msg)),
                     SK_OK);
    ck_assert_uint_eq(outlen, 0);
    free(out);
    ck_assert_int_eq(sk_sasl_conn_state(c), SK_SASL_DONE);
    ck_assert_str_eq(sk_sasl_conn_principal(c), "User:alice");
    ck_assert_int_eq(sk_sasl_conn_token(c, (const uint8_t *)"\0alice\0alice-secret", 19, &out,
                                        &outlen, msg, sizeof(msg)),
                     SK_ESTATE);
    sk_sasl_conn_free(c);
    c = sk_sasl_conn_new(s, "SASL_PLAINTEXT");
    ck_assert_int_eq(sk_sasl_conn_handshake(c, "PLAIN", 1), SK_KERR_NONE);
    ck_assert_int_eq(sk_sasl_conn_token(c, (const uint8_t *)"\0alice\0wrong", 12, &out, &outlen,
                                        msg, sizeof(msg)),
                     SK_EINVAL);
    ck_assert_str_eq(msg, "Authentication failed: Invalid username or password");
    ck_assert_str_eq(sk_sasl_conn_user(c), "alice");
    ck_assert_ptr_null(sk_sasl_conn_principal(c));
    sk_sasl_conn_free(c);

    /* A SCRAM connection, credential from the znode's JSON. */
    sk_scram_cred_t cred;
    ck_assert_int_eq(sk_scram_cred_from_password(SK_SCRAM_SHA_512, "bob-secret", NULL, 0, 4096,
                                                 &cred),
                     SK_OK);
    char *json = sk_scram_user_config_build(&cred, 1);
    /* rounds 4-6: the credential string as the broker's cache holds it */
    char *text = sk_scram_cred_format(&cred);
    for (int round = 0; round < 7; round++) {
        const char *pw = round == 1 ? "bob-wrong" : "bob-secret";
        sk_scram_client_t *cl = sk_scram_client_new(SK_SCRAM_SHA_512, "bob", pw, NULL);
        c = sk_sasl_conn_new(s, "INTERNAL");
        ck_assert_int_eq(sk_sasl_conn_handshake(c, "SCRAM-SHA-512", 1), SK_KERR_NONE);
        char *a;
        size_t al;
        ck_assert_int_eq(sk_scram_client_first(cl, &a, &al), SK_OK);
        ck_assert_int_eq(sk_sasl_conn_token(c, (uint8_t *)a, al, &out, &outlen, msg, sizeof(msg)),
                         SK_EAGAIN);
        free(a);
        ck_assert_int_eq(sk_sasl_conn_state(c), SK_SASL_CREDENTIAL);
        ck_assert_str_eq(sk_sasl_conn_user(c), "bob");
        if (round == 2) { /* no such user */
            ck_assert_int_eq(sk_sasl_conn_credential(c, NULL, 0, &out, &outlen, msg, sizeof(msg)),
                             SK_EINVAL);
            ck_assert_str_eq(msg, "Authentication failed: Invalid user credentials");
            goto next;
        }
        if (round == 3) { /* a znode that is not a credential */
            ck_assert_int_eq(sk_sasl_conn_credential(c, "{", 1, &out, &outlen, msg, sizeof(msg)),
                             SK_EINVAL);
            ck_assert_ptr_nonnull(strstr(sk_sasl_conn_reason(c), "unreadable /config/users/bob"));
            goto next;
        }
        if (round == 5) { /* no credential for this mechanism */
            ck_assert_int_eq(sk_sasl_conn_credential_text(c, NULL, &out, &outlen, msg,
                                                          sizeof(msg)),
                             SK_EINVAL);
            ck_assert_str_eq(msg, "Authentication failed: Invalid user credentials");
            goto next;
        }
        if (round == 6) { /* malformed credential strings */
            static const char *const bad[] = {"", "salt=", "salt=AA==,stored_key=x",
                                              "iterations=4096", "salt=!!,stored_key=AA==,"
                                              "server_key=AA==,iterations=4096"};
            for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
                sk_sasl_conn_t *c2 = sk_sasl_conn_new(s, "INTERNAL");
                sk_scram_client_t *cl2 = sk_scram_client_new(SK_SCRAM_SHA_512, "bob", pw, NULL);
                ck_assert_int_eq(sk_sasl_conn_handshake(c2, "SCRAM-SHA-512", 1), SK_KERR_NONE);
                ck_assert_int_eq(sk_scram_client_first(cl2, &a, &al), SK_OK);
                ck_assert_int_eq(sk_sasl_conn_token(c2, (uint8_t *)a, al, &out, &outlen, msg,
                                                    sizeof(msg)),
                                 SK_EAGAIN);
                free(a);
                ck_assert_int_eq(sk_sasl_conn_credential_text(c2, bad[k], &out, &outlen, msg,
                                                              sizeof(msg)),
                                 SK_EINVAL);
                ck_assert_ptr_null(out);
                ck_assert_ptr_nonnull(strstr(sk_sasl_conn_reason(c2),
                                             "unreadable SCRAM-SHA-512 credential of bob"));
                ck_assert_int_eq(sk_sasl_conn_state(c2), SK_SASL_FAILED);
                sk_sasl_conn_free(c2);
                sk_scram_client_free(cl2);
            }
            goto next;
        }
        if (round == 4)
            ck_assert_int_eq(sk_sasl_conn_credential_text(c, text, &out, &outlen, msg,
                                                          sizeof(msg)),
                             SK_OK);
        else
            ck_assert_int_eq(sk_sasl_conn_credential(c, json, strlen(json), &out, &outlen, msg,
                                                     sizeof(msg)),
                             SK_OK);
        ck_assert_int_eq(sk_scram_client_final(cl, out, outlen, &a, &al, msg, sizeof(msg)), SK_OK);
        free(out);
        int rc = sk_sasl_conn_token(c, (uint8_t *)a, al, &out, &outlen, msg, sizeof(msg));
        free(a);
        if (round == 1) {
            ck_assert_int_eq(rc, SK_EINVAL);
            ck_assert_str_eq(msg, "Authentication failed during authentication due to invalid "
                                  "credentials with SASL mechanism SCRAM-SHA-512");
            goto next;
        }
        ck_assert_int_eq(rc, SK_OK);
        ck_assert_int_eq(sk_scram_client_verify(cl, out, outlen, msg, sizeof(msg)), SK_OK);
        free(out);
        ck_assert_str_eq(sk_sasl_conn_principal(c), "User:bob");
    next:
        sk_sasl_conn_free(c);
        sk_scram_client_free(cl);
    }
    free(json);
    free(text);
    sk_sasl_free(s);

    /* Re-authentication (KIP-368): off by default, so a second handshake is
     * ILLEGAL_SASL_STATE and the session stays. */
    ck_assert_int_eq(sasl_from(TWO_LISTENERS "sasl.enabled.mechanisms=PLAIN\n"
                               "sasl.mechanism.inter.broker.protocol=PLAIN\n"
                               "sasl.jaas.config=" PLAIN_MODULE " required username=\"a\" "
                               "password=\"b\" user_alice=\"x\" user_bob=\"y\";\n",
                               &s, err, sizeof(err)),
                     SK_OK);
    c = sk_sasl_conn_new(s, "INTERNAL");
    ck_assert_int_eq(sk_sasl_conn_handshake(c, "PLAIN", 1), SK_KERR_NONE);
    ck_assert_int_eq(sk_sasl_conn_token(c, (const uint8_t *)"\0alice\0x", 8, &out, &outlen, msg, sizeof(msg)),
                     SK_OK);
    free(out);
    ck_assert_int_eq(sk_sasl_conn_handshake(c, "PLAIN", 1), SK_KERR_ILLEGAL_SASL_STATE);
    ck_assert_str_eq(sk_sasl_conn_principal(c), "User:alice");
    sk_sasl_conn_free(c);
    sk_sasl_free(s);
    ck_assert_int_eq(sasl_from(TWO_LISTENERS "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256\n"
                               "sasl.mechanism.inter.broker.protocol=PLAIN\n"
                               "connections.max.reauth.ms=60000\n"
                               "sasl.jaas.config=" PLAIN_MODULE " required username=\"a\" "
                               "password=\"b\" user_alice=\"x\" user_bob=\"y\";\n",
                               &s, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(sk_sasl_reauth_ms(s), 60000);
    for (int round = 0; round < 3; round++) {
        c = sk_sasl_conn_new(s, "INTERNAL");
        ck_assert_int_eq(sk_sasl_conn_handshake(c, "PLAIN", 1), SK_KERR_NONE);
        ck_assert_int_eq(sk_sasl_conn_token(c, (const uint8_t *)"\0alice\0x", 8, &out, &outlen, msg, sizeof(msg)),
                         SK_OK);
        free(out);
        if (round == 2) { /* another mechanism than the session's */
            ck_assert_int_eq(sk_sasl_conn_handshake(c, "SCRAM-SHA-256", 1),
                             SK_KERR_UNSUPPORTED_SASL_MECHANISM);
            ck_assert_int_eq(sk_sasl_conn_state(c), SK_SASL_FAILED);
            sk_sasl_conn_free(c);
            continue;
        }
        ck_assert_int_eq(sk_sasl_conn_handshake(c, "PLAIN", 1), SK_KERR_NONE);
        ck_assert_int_eq(sk_sasl_conn_state(c), SK_SASL_AUTHENTICATE);
        ck_assert_ptr_null(sk_sasl_conn_principal(c)); /* not served meanwhile */
        if (round == 0) {
            ck_assert_int_eq(sk_sasl_conn_token(c, (const uint8_t *)"\0alice\0x", 8, &out, &outlen, msg,
                                                sizeof(msg)),
                             SK_OK);
            free(out);
            ck_assert_str_eq(sk_sasl_conn_principal(c), "User:alice");
        } else { /* bob's password is right, but the principal cannot change */
            ck_assert_int_eq(sk_sasl_conn_token(c, (const uint8_t *)"\0bob\0y", 6, &out, &outlen, msg,
                                                sizeof(msg)),
                             SK_EINVAL);
            ck_assert_str_eq(msg, "Cannot change principals during re-authentication from "
                                  "User:alice: User:bob");
            ck_assert_int_eq(sk_sasl_conn_state(c), SK_SASL_FAILED);
        }
        sk_sasl_conn_free(c);
    }
    sk_sasl_free(s);
}
END_TEST

int main(void)
{
    sk_log_set_level(SK_LOG_ERROR);
    Suite *s = suite_create("sasl");
    TCase *tc = tcase_create("plain");
    tcase_add_test(tc, test_plain_parse);
    tcase_add_test(tc, test_plain_check);
    tcase_add_test(tc, test_jaas);
    suite_add_tcase(s, tc);
    tc = tcase_create("scram");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_b64);
    tcase_add_test(tc, test_scram_rfc7677);
    tcase_add_test(tc, test_scram_roundtrip);
    tcase_add_test(tc, test_scram_client_first_malformed);
    tcase_add_test(tc, test_scram_client_final_malformed);
    tcase_add_test(tc, test_scram_client_side);
    tcase_add_test(tc, test_scram_librdkafka_nonce);
    tcase_add_test(tc, test_scram_credentials);
    suite_add_tcase(s, tc);
    tc = tcase_create("setup");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_setup);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
