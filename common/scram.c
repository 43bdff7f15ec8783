/* scram.c - SCRAM-SHA-256/512 server and client, Kafka's credentials (see
 * scram.h). Derivations follow RFC 5802 section 3:
 *   SaltedPassword  = PBKDF2-HMAC-H(password, salt, i)
 *   ClientKey       = HMAC(SaltedPassword, "Client Key")
 *   StoredKey       = H(ClientKey)
 *   ServerKey       = HMAC(SaltedPassword, "Server Key")
 *   AuthMessage     = client-first-bare "," server-first "," client-final-without-proof
 *   ClientSignature = HMAC(StoredKey, AuthMessage)
 *   ClientProof     = ClientKey XOR ClientSignature
 *   ServerSignature = HMAC(ServerKey, AuthMessage)
 * The server keeps only StoredKey and ServerKey: it recovers ClientKey as
 * ClientProof XOR ClientSignature and checks H(ClientKey) == StoredKey.
 */
#include "scram.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kerr.h"
#include "mem.h"
#include "sasl_plain.h"

/* ---- primitives ---- */

const char *sk_scram_mech_name(sk_scram_mech_t m)
{
    return m == SK_SCRAM_SHA_512 ? "SCRAM-SHA-512" : "SCRAM-SHA-256";
}

int sk_scram_mech_parse(const char *name)
{
    if (name && strcmp(name, "SCRAM-SHA-256") == 0)
        return SK_SCRAM_SHA_256;
    if (name && strcmp(name, "SCRAM-SHA-512") == 0)
        return SK_SCRAM_SHA_512;
    return -1;
}

size_t sk_scram_key_len(sk_scram_mech_t m)
{
    return m == SK_SCRAM_SHA_512 ? 64 : 32;
}

static const EVP_MD *md_of(sk_scram_mech_t m)
{
    return m == SK_SCRAM_SHA_512 ? EVP_sha512() : EVP_sha256();
}

static int hmac(sk_scram_mech_t m, const uint8_t *key, size_t klen, const void *data,
                size_t dlen, uint8_t *out)
{
    unsigned int olen = 0;
    if (!HMAC(md_of(m), key, (int)klen, data, dlen, out, &olen) || olen != sk_scram_key_len(m))
        return SK_EIO;
    return SK_OK;
}

static int digest(sk_scram_mech_t m, const uint8_t *data, size_t len, uint8_t *out)
{
    unsigned int olen = 0;
    if (!EVP_Digest(data, len, out, &olen, md_of(m), NULL) || olen != sk_scram_key_len(m))
        return SK_EIO;
    return SK_OK;
}

/* SaltedPassword, then ClientKey, StoredKey and ServerKey (any out NULL is
 * skipped). */
static int derive(sk_scram_mech_t m, const char *password, const uint8_t *salt, size_t salt_len,
                  int iterations, uint8_t *client_key, uint8_t *stored_key, uint8_t *server_key)
{
    size_t kl = sk_scram_key_len(m);
    uint8_t salted[SK_SCRAM_KEY_MAX], ck[SK_SCRAM_KEY_MAX];
    int rc = SK_EIO;
    if (!PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iterations,
                           md_of(m), (int)kl, salted))
        goto out;
    if (hmac(m, salted, kl, "Client Key", 10, ck) != SK_OK)
        goto out;
    if (server_key && hmac(m, salted, kl, "Server Key", 10, server_key) != SK_OK)
        goto out;
    if (stored_key && digest(m, ck, kl, stored_key) != SK_OK)
        goto out;
    if (client_key)
        memcpy(client_key, ck, kl);
    rc = SK_OK;
out:
    OPENSSL_cleanse(salted, sizeof(salted));
    OPENSSL_cleanse(ck, sizeof(ck));
    return rc;
}

char *sk_b64_encode(const uint8_t *p, size_t n)
{
    char *out = sk_malloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

static int b64_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

long sk_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4 != 0 || n > 4 * ((size_t)SK_SCRAM_MSG_MAX / 3 + 1))
        return -1;
    if (n == 0)
        return 0;
    size_t pad = 0;
    if (s[n - 1] == '=')
        pad++;
    if (s[n - 2] == '=')
        pad++;
    if (pad == 1 && s[n - 2] == '=')
        return -1;
    for (size_t i = 0; i < n - pad; i++)
        if (!b64_char((unsigned char)s[i]))
            return -1;
    size_t len = n / 4 * 3 - pad;
    if (len > cap)
        return -1;
    uint8_t *tmp = sk_malloc(n / 4 * 3 + 1);
    long rc = -1;
    if (EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n) != (int)(n / 4 * 3))
        goto out;
    /* Canonical only: the unused bits of the last character must be zero,
     * i.e. encoding the result gives the input back. */
    char *again = sk_b64_encode(tmp, len);
    int same = strlen(again) == n && memcmp(again, s, n) == 0;
    free(again);
    if (!same)
        goto out;
    memcpy(out, tmp, len);
    rc = (long)len;
out:
    OPENSSL_cleanse(tmp, n / 4 * 3 + 1);
    free(tmp);
    return rc;
}

/* ---- message attributes ---- */

/* One "k=value" of a comma-separated message. */
typedef struct {
    const char *key; /* not NUL-terminated */
    size_t klen;
    const char *val;
    size_t vlen;
} attr_t;

#define MAX_ATTRS 32

/* Split msg (NUL-free, len bytes) at commas into attributes. An empty one,
 * one without '=' or with an empty key: SK_EPARSE. */
static int split_attrs(const char *msg, size_t len, attr_t *a, int *n, char *err, size_t errlen)
{
    *n = 0;
    size_t i = 0;
    for (;;) {
        size_t b = i;
        while (i < len && msg[i] != ',')
            i++;
        if (*n == MAX_ATTRS) {
            sk_errf(err, errlen, "too many attributes");
            return SK_EPARSE;
        }
        const char *eq = memchr(msg + b, '=', i - b);
        if (i == b || !eq || eq == msg + b) {
            sk_errf(err, errlen, "malformed attribute %d", *n + 1);
            return SK_EPARSE;
        }
        a[*n].key = msg + b;
        a[*n].klen = (size_t)(eq - (msg + b));
        a[*n].val = eq + 1;
        a[*n].vlen = (size_t)(msg + i - (eq + 1));
        (*n)++;
        if (i == len)
            return SK_OK;
        i++; /* ',' */
    }
}

static int attr_is(const attr_t *a, char k)
{
    return a->klen == 1 && a->key[0] == k;
}

/* The attributes SCRAM defines; an extension may not reuse one. */
static int reserved_letter(const attr_t *a)
{
    return a->klen == 1 && strchr("acemnprsiv", a->key[0]) != NULL;
}

/* Extensions from attribute `from` to `to` (exclusive). tokenauth=true is
 * refused (SK_EINVAL); others must have a key of letters and digits and a
 * non-empty UTF-8 value and are ignored. */
static int check_extensions(const attr_t *a, int from, int to, char *err, size_t errlen)
{
    for (int i = from; i < to; i++) {
        if (reserved_letter(&a[i])) {
            sk_errf(err, errlen, "duplicate or misplaced attribute %.*s", (int)a[i].klen,
                   a[i].key);
            return SK_EPARSE;
        }
        for (size_t k = 0; k < a[i].klen; k++) {
            char c = a[i].key[k];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                sk_errf(err, errlen, "malformed extension name");
                return SK_EPARSE;
            }
        }
        if (a[i].vlen == 0 || !sk_sasl_utf8_valid((const uint8_t *)a[i].val, a[i].vlen)) {
            sk_errf(err, errlen, "malformed extension value");
            return SK_EPARSE;
        }
        if (a[i].klen == 9 && memcmp(a[i].key, "tokenauth", 9) == 0 && a[i].vlen == 4 &&
            strncasecmp(a[i].val, "true", 4) == 0) {
            sk_errf(err, errlen, "delegation token authentication is not supported");
            return SK_EINVAL;
        }
    }
    return SK_OK;
}

/* Decode a saslname (=2C is ',', =3D is '='; any other '=' is an error)
 * into out (room for SK_SCRAM_NAME_MAX + 1). */
static int saslname_decode(const char *s, size_t n, char *out, char *err, size_t errlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '=') {
            char h1 = n - i >= 3 ? s[i + 1] : 0, h2 = n - i >= 3 ? s[i + 2] : 0;
            if (h1 == '2' && h2 == 'C') {
                c = ',';
            } else if (h1 == '3' && h2 == 'D') {
                c = '=';
            } else {
                sk_errf(err, errlen, "invalid '=' escape in user name");
                return SK_EPARSE;
            }
            i += 2;
        } else if (c == ',') {
            sk_errf(err, errlen, "',' in user name");
            return SK_EPARSE;
        }
        if (o == SK_SCRAM_NAME_MAX) {
            sk_errf(err, errlen, "user name longer than %d bytes", SK_SCRAM_NAME_MAX);
            return SK_EPARSE;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    if (o == 0) {
        sk_errf(err, errlen, "empty user name");
        return SK_EPARSE;
    }
    if (!sk_sasl_utf8_valid((const uint8_t *)out, o)) {
        sk_errf(err, errlen, "user name is not UTF-8");
        return SK_EPARSE;
    }
    return SK_OK;
}

/* saslname encoding of a user name (allocated). */
static char *saslname_encode(const char *user)
{
    size_t n = strlen(user);
    char *out = sk_malloc(3 * n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (user[i] == ',') {
            memcpy(o, "=2C", 3), o += 3;
        } else if (user[i] == '=') {
            memcpy(o, "=3D", 3), o += 3;
        } else {
            *o++ = user[i];
        }
    }
    *o = '\0';
    return out;
}

static int nonce_valid(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ',')
            return 0;
    return 1;
}

/* Common checks of every received message. */
static int msg_ok(const uint8_t *msg, size_t len, char *err, size_t errlen)
{
    if (!msg || len == 0) {
        sk_errf(err, errlen, "empty SCRAM message");
        return SK_EPARSE;
    }
    if (len > SK_SCRAM_MSG_MAX) {
        sk_errf(err, errlen, "SCRAM message longer than %d bytes", SK_SCRAM_MSG_MAX);
        return SK_EPARSE;
    }
    if (memchr(msg, '\0', len)) {
        sk_errf(err, errlen, "NUL byte in SCRAM message");
        return SK_EPARSE;
    }
    return SK_OK;
}

static int random_nonce(char *out, size_t cap)
{
    uint8_t r[24];
    if (cap < 33 || RAND_bytes(r, sizeof(r)) != 1)
        return SK_EIO;
    char *b = sk_b64_encode(r, sizeof(r)); /* 32 chars, no padding */
    snprintf(out, cap, "%s", b);
    free(b);
    return SK_OK;
}

static int parse_iterations(const char *s, size_t n, int *out)
{
    if (n == 0 || n > 9 || s[0] == '0')
        return SK_EPARSE;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return SK_EPARSE;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return SK_OK;
}

/* ---- credentials ---- */

int sk_scram_cred_from_password(sk_scram_mech_t m, const char *password, const uint8_t *salt,
                                size_t salt_len, int iterations, sk_scram_cred_t *out)
{
    memset(out, 0, sizeof(*out));
    if (iterations < SK_SCRAM_MIN_ITERATIONS || iterations > SK_SCRAM_MAX_ITERATIONS ||
        salt_len > SK_SCRAM_SALT_MAX || !password || (salt && salt_len == 0))
        return SK_EINVAL;
    out->mech = m;
    out->iterations = iterations;
    if (salt) {
        memcpy(out->salt, salt, salt_len);
        out->salt_len = salt_len;
    } else {
        out->salt_len = 32;
        if (RAND_bytes(out->salt, 32) != 1)
            return SK_EIO;
    }
    return derive(m, password, out->salt, out->salt_len, iterations, NULL, out->stored_key,
                  out->server_key);
}

int sk_scram_cred_from_salted(sk_scram_mech_t m, const uint8_t *salted, size_t salted_len,
                              const uint8_t *salt, size_t salt_len, int iterations,
                              sk_scram_cred_t *out)
{
    size_t kl = sk_scram_key_len(m);
    uint8_t ck[SK_SCRAM_KEY_MAX];
    memset(out, 0, sizeof(*out));
    if (iterations < SK_SCRAM_MIN_ITERATIONS || iterations > SK_SCRAM_MAX_ITERATIONS ||
        salt_len == 0 || salt_len > SK_SCRAM_SALT_MAX || !salted || salted_len != kl)
        return SK_EINVAL;
    out->mech = m;
    out->iterations = iterations;
    memcpy(out->salt, salt, salt_len);
    out->salt_len = salt_len;
    int rc = hmac(m, salted, kl, "Client Key", 10, ck);
    if (rc == SK_OK)
        rc = digest(m, ck, kl, out->stored_key);
    if (rc == SK_OK)
        rc = hmac(m, salted, kl, "Server Key", 10, out->server_key);
    OPENSSL_cleanse(ck, sizeof(ck));
    return rc;
}

int sk_scram_cred_parse(sk_scram_mech_t m, const char *text, sk_scram_cred_t *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->mech = m;
    size_t len = text ? strlen(text) : 0;
    attr_t a[MAX_ATTRS];
    int n = 0, seen = 0;
    size_t kl = sk_scram_key_len(m);
    if (len == 0 || len > SK_SCRAM_MSG_MAX) {
        sk_errf(err, errlen, "%s credential: empty or too long", sk_scram_mech_name(m));
        return SK_EPARSE;
    }
    if (split_attrs(text, len, a, &n, err, errlen) != SK_OK)
        goto bad;
    for (int i = 0; i < n; i++) {
        int bit;
        long got;
#define KEY_IS(s) (a[i].klen == sizeof(s) - 1 && memcmp(a[i].key, s, sizeof(s) - 1) == 0)
        if (KEY_IS("salt")) {
            bit = 1;
            got = sk_b64_decode(a[i].val, a[i].vlen, out->salt, sizeof(out->salt));
            if (got <= 0) {
                sk_errf(err, errlen, "bad salt");
                goto bad;
            }
            out->salt_len = (size_t)got;
        } else if (KEY_IS("stored_key") || KEY_IS("server_key")) {
            bit = KEY_IS("stored_key") ? 2 : 4;
            uint8_t *dst = bit == 2 ? out->stored_key : out->server_key;
            got = sk_b64_decode(a[i].val, a[i].vlen, dst, SK_SCRAM_KEY_MAX);
            if (got != (long)kl) {
                sk_errf(err, errlen, "bad %s", bit == 2 ? "stored_key" : "server_key");
                goto bad;
            }
        } else if (KEY_IS("iterations")) {
            bit = 8;
            if (parse_iterations(a[i].val, a[i].vlen, &out->iterations) != SK_OK ||
                out->iterations < SK_SCRAM_MIN_ITERATIONS ||
                out->iterations > SK_SCRAM_MAX_ITERATIONS) {
                sk_errf(err, errlen, "iterations must be %d..%d", SK_SCRAM_MIN_ITERATIONS,
                       SK_SCRAM_MAX_ITERATIONS);
                goto bad;
            }
        } else {
            sk_errf(err, errlen, "unknown key %.*s", (int)a[i].klen, a[i].key);
            goto bad;
        }
#undef KEY_IS
        if (seen & bit) {
            sk_errf(err, errlen, "key %.*s given twice", (int)a[i].klen, a[i].key);
            goto bad;
        }
        seen |= bit;
    }
    if (seen != 15) {
        sk_errf(err, errlen, "missing %s",
               !(seen & 1)   ? "salt"
               : !(seen & 2) ? "stored_key"
               : !(seen & 4) ? "server_key"
                             : "iterations");
        goto bad;
    }
    return SK_OK;
bad:
    if (err && errlen) {
        char tmp[200];
        snprintf(tmp, sizeof(tmp), "%s", err);
        sk_errf(err, errlen, "%s credential: %s", sk_scram_mech_name(m), tmp);
    }
    OPENSSL_cleanse(out, sizeof(*out));
    out->mech = m;
    return SK_EPARSE;
}

char *sk_scram_cred_format(const sk_scram_cred_t *c)
{
    size_t kl = sk_scram_key_len(c->mech);
    char *salt = sk_b64_encode(c->salt, c->salt_len);
    char *sk = sk_b64_encode(c->stored_key, kl);
    char *sv = sk_b64_encode(c->server_key, kl);
    char *s = sk_asprintf("salt=%s,stored_key=%s,server_key=%s,iterations=%d", salt, sk, sv,
                          c->iterations);
    free(salt);
    free(sk);
    free(sv);
    return s;
}

int sk_scram_user_config_parse(const char *json, size_t len, sk_scram_mech_t m,
                               sk_scram_cred_t *out, char *err, size_t errlen)
{
    json_error_t je;
    int rc = SK_EPARSE;
    memset(out, 0, sizeof(*out));
    json_t *root = json ? json_loadb(json, len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!root) {
        sk_errf(err, errlen, "not JSON: %s", json ? je.text : "no data");
        return SK_EPARSE;
    }
    json_t *ver = json_object_get(root, "version");
    json_t *cfg = json_object_get(root, "config");
    if (!json_is_object(root) || !json_is_integer(ver) || json_integer_value(ver) != 1) {
        sk_errf(err, errlen, "version 1 expected");
        goto out;
    }
    if (!json_is_object(cfg)) {
        sk_errf(err, errlen, "no config object");
        goto out;
    }
    json_t *v = json_object_get(cfg, sk_scram_mech_name(m));
    if (!v) {
        sk_errf(err, errlen, "no %s credential", sk_scram_mech_name(m));
        rc = SK_ENOENT;
        goto out;
    }
    if (!json_is_string(v)) {
        sk_errf(err, errlen, "%s credential is not a string", sk_scram_mech_name(m));
        goto out;
    }
    rc = sk_scram_cred_parse(m, json_string_value(v), out, err, errlen);
out:
    json_decref(root);
    return rc;
}

char *sk_scram_user_config_build(const sk_scram_cred_t *creds, int n)
{
    json_t *root = json_object(), *cfg = json_object();
    json_object_set_new(root, "version", json_integer(1));
    for (int i = 0; i < n; i++) {
        char *s = sk_scram_cred_format(&creds[i]);
        json_object_set_new(cfg, sk_scram_mech_name(creds[i].mech), json_string(s));
        free(s);
    }
    json_object_set_new(root, "config", cfg);
    char *dump = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    char *out = sk_strdup(dump ? dump : "");
    free(dump);
    return out;
}

char *sk_scram_user_config_update(const char *json, size_t len, const sk_scram_cred_t *creds,
                                  int n, const char *const *del, int ndel, char *err,
                                  size_t errlen)
{
    json_error_t je;
    json_t *root = NULL, *cfg;
    char *out = NULL;
    if (json) {
        root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
        json_t *ver = root ? json_object_get(root, "version") : NULL;
        if (!json_is_object(root) || !json_is_integer(ver) || json_integer_value(ver) != 1 ||
            !json_is_object(json_object_get(root, "config"))) {
            sk_errf(err, errlen, "not a config znode of version 1");
            goto out;
        }
        cfg = json_object_get(root, "config");
    } else {
        root = json_object();
        json_object_set_new(root, "version", json_integer(1));
        cfg = json_object();
        json_object_set_new(root, "config", cfg);
    }
    for (int i = 0; i < ndel; i++) {
        if (sk_scram_mech_parse(del[i]) < 0) {
            sk_errf(err, errlen, "%s is not a SCRAM mechanism (SCRAM-SHA-256, SCRAM-SHA-512)",
                   del[i]);
            goto out;
        }
        json_object_del(cfg, del[i]);
    }
    for (int i = 0; i < n; i++) {
        char *c = sk_scram_cred_format(&creds[i]);
        json_object_set_new(cfg, sk_scram_mech_name(creds[i].mech), json_string(c));
        free(c);
    }
    char *dump = json_dumps(root, JSON_COMPACT);
    out = sk_strdup(dump ? dump : "");
    free(dump);
out:
    json_decref(root);
    return out;
}

/* ---- server ---- */

struct sk_scram_server_s {
    sk_scram_mech_t mech;
    sk_scram_server_state_t state;
    char user[SK_SCRAM_NAME_MAX + 1];
    char *gs2;          /* gs2 header as received, e.g. "n,," */
    char *first_bare;   /* client-first-message-bare */
    char *server_first; /* as sent */
    char *nonce;        /* client nonce + server nonce */
    sk_scram_cred_t cred;
};

sk_scram_server_t *sk_scram_server_new(sk_scram_mech_t m)
{
    sk_scram_server_t *s = sk_calloc(1, sizeof(*s));
    s->mech = m;
    s->state = SK_SCRAM_S_CLIENT_FIRST;
    return s;
}

void sk_scram_server_free(sk_scram_server_t *s)
{
    if (!s)
        return;
    free(s->gs2);
    free(s->first_bare);
    free(s->server_first);
    free(s->nonce);
    OPENSSL_cleanse(&s->cred, sizeof(s->cred));
    free(s);
}

sk_scram_server_state_t sk_scram_server_state(const sk_scram_server_t *s)
{
    return s->state;
}

sk_scram_mech_t sk_scram_server_mech(const sk_scram_server_t *s)
{
    return s->mech;
}

const char *sk_scram_server_user(const sk_scram_server_t *s)
{
    return s->state == SK_SCRAM_S_DONE ? s->user : NULL;
}

static int server_fail(sk_scram_server_t *s, int rc)
{
    s->state = SK_SCRAM_S_FAILED;
    return rc;
}

static int wrong_state(sk_scram_server_t *s, char *err, size_t errlen)
{
    sk_errf(err, errlen, "unexpected SCRAM message in this state");
    return server_fail(s, SK_ESTATE);
}

int sk_scram_server_client_first(sk_scram_server_t *s, const uint8_t *msg, size_t len,
                                 const char **user, char *err, size_t errlen)
{
    if (s->state != SK_SCRAM_S_CLIENT_FIRST)
        return wrong_state(s, err, errlen);
    int rc = msg_ok(msg, len, err, errlen);
    if (rc != SK_OK)
        return server_fail(s, rc);
    const char *m = (const char *)msg;
    size_t i;
    /* gs2-cbind-flag */
    if (len >= 2 && m[0] == 'p' && m[1] == '=') {
        sk_errf(err, errlen, "channel binding is not supported");
        return server_fail(s, SK_EINVAL);
    }
    if (len < 3 || (m[0] != 'n' && m[0] != 'y') || m[1] != ',') {
        sk_errf(err, errlen, "malformed gs2 header");
        return server_fail(s, SK_EPARSE);
    }
    /* [authzid] "," */
    char authzid[SK_SCRAM_NAME_MAX + 1] = "";
    i = 2;
    if (m[i] != ',') {
        const char *c = memchr(m + i, ',', len - i);
        if (len - i < 3 || m[i] != 'a' || m[i + 1] != '=' || !c) {
            sk_errf(err, errlen, "malformed gs2 header");
            return server_fail(s, SK_EPARSE);
        }
        rc = saslname_decode(m + i + 2, (size_t)(c - (m + i + 2)), authzid, err, errlen);
        if (rc != SK_OK)
            return server_fail(s, rc);
        i = (size_t)(c - m);
    }
    i++; /* the ',' ending the gs2 header */
    attr_t a[MAX_ATTRS];
    int n;
    if (i >= len) {
        sk_errf(err, errlen, "no client-first-message-bare");
        return server_fail(s, SK_EPARSE);
    }
    rc = split_attrs(m + i, len - i, a, &n, err, errlen);
    if (rc != SK_OK)
        return server_fail(s, rc);
    if (attr_is(&a[0], 'm')) {
        sk_errf(err, errlen, "mandatory extension m= is not supported");
        return server_fail(s, SK_EPARSE);
    }
    if (n < 2 || !attr_is(&a[0], 'n') || !attr_is(&a[1], 'r')) {
        sk_errf(err, errlen, "client-first-message must start with n=<user>,r=<nonce>");
        return server_fail(s, SK_EPARSE);
    }
    rc = saslname_decode(a[0].val, a[0].vlen, s->user, err, errlen);
    if (rc != SK_OK)
        return server_fail(s, rc);
    if (!nonce_valid(a[1].val, a[1].vlen, SK_SCRAM_NONCE_MAX)) {
        sk_errf(err, errlen, "invalid client nonce");
        return server_fail(s, SK_EPARSE);
    }
    rc = check_extensions(a, 2, n, err, errlen);
    if (rc != SK_OK)
        return server_fail(s, rc);
    if (authzid[0] && strcmp(authzid, s->user) != 0) {
        sk_errf(err, errlen,
               "Authentication failed: Client requested an authorization id that is different "
               "from username");
        return server_fail(s, SK_EINVAL);
    }
    s->gs2 = sk_strndup(m, i);
    s->first_bare = sk_strndup(m + i, len - i);
    s->nonce = sk_strndup(a[1].val, a[1].vlen);
    s->state = SK_SCRAM_S_CREDENTIAL;
    if (user)
        *user = s->user;
    return SK_OK;
}

int sk_scram_server_first(sk_scram_server_t *s, const sk_scram_cred_t *cred,
                          const char *server_nonce, char **out, size_t *outlen, char *err,
                          size_t errlen)
{
    *out = NULL;
    if (outlen)
        *outlen = 0;
    if (s->state != SK_SCRAM_S_CREDENTIAL)
        return wrong_state(s, err, errlen);
    if (!cred || cred->mech != s->mech) {
        sk_errf(err, errlen, "Authentication failed: Invalid user credentials");
        return server_fail(s, SK_ENOENT);
    }
    if (cred->iterations < SK_SCRAM_MIN_ITERATIONS || cred->iterations > SK_SCRAM_MAX_ITERATIONS ||
        cred->salt_len == 0 || cred->salt_len > SK_SCRAM_SALT_MAX) {
        sk_errf(err, errlen, "stored credential of %s is unusable (iterations %d)", s->user,
               cred->iterations);
        return server_fail(s, SK_EINVAL);
    }
    char snonce[64];
    if (server_nonce) {
        if (!nonce_valid(server_nonce, strlen(server_nonce), sizeof(snonce) - 1)) {
            sk_errf(err, errlen, "invalid server nonce");
            return server_fail(s, SK_EINVAL);
        }
        snprintf(snonce, sizeof(snonce), "%s", server_nonce);
    } else if (random_nonce(snonce, sizeof(snonce)) != SK_OK) {
        sk_errf(err, errlen, "no random bytes for the server nonce");
        return server_fail(s, SK_EIO);
    }
    char *combined = sk_asprintf("%s%s", s->nonce, snonce);
    free(s->nonce);
    s->nonce = combined;
    s->cred = *cred;
    char *salt = sk_b64_encode(cred->salt, cred->salt_len);
    s->server_first = sk_asprintf("r=%s,s=%s,i=%d", s->nonce, salt, cred->iterations);
    free(salt);
    *out = sk_strdup(s->server_first);
    if (outlen)
        *outlen = strlen(*out);
    s->state = SK_SCRAM_S_CLIENT_FINAL;
    return SK_OK;
}

int sk_scram_server_client_final(sk_scram_server_t *s, const uint8_t *msg, size_t len,
                                 char **out, size_t *outlen, char *err, size_t errlen)
{
    *out = NULL;
    if (outlen)
        *outlen = 0;
    if (s->state != SK_SCRAM_S_CLIENT_FINAL)
        return wrong_state(s, err, errlen);
    int rc = msg_ok(msg, len, err, errlen);
    if (rc != SK_OK)
        return server_fail(s, rc);
    const char *m = (const char *)msg;
    attr_t a[MAX_ATTRS];
    int n;
    size_t kl = sk_scram_key_len(s->mech);
    rc = split_attrs(m, len, a, &n, err, errlen);
    if (rc != SK_OK)
        return server_fail(s, rc);
    if (n < 3 || !attr_is(&a[0], 'c') || !attr_is(&a[1], 'r') || !attr_is(&a[n - 1], 'p')) {
        sk_errf(err, errlen, "client-final-message must be c=..,r=..,[extensions,]p=..");
        return server_fail(s, SK_EPARSE);
    }
    rc = check_extensions(a, 2, n - 1, err, errlen);
    if (rc != SK_OK)
        return server_fail(s, rc);
    uint8_t cbind[SK_SCRAM_NAME_MAX * 3 + 16];
    long cblen = sk_b64_decode(a[0].val, a[0].vlen, cbind, sizeof(cbind));
    if (cblen < 0) {
        sk_errf(err, errlen, "malformed channel binding");
        return server_fail(s, SK_EPARSE);
    }
    uint8_t proof[SK_SCRAM_KEY_MAX];
    if (sk_b64_decode(a[n - 1].val, a[n - 1].vlen, proof, sizeof(proof)) != (long)kl) {
        sk_errf(err, errlen, "malformed client proof");
        return server_fail(s, SK_EPARSE);
    }
    /* Kafka's rule: the nonce must END with client + server nonce.
     * librdkafka (2.0 at least) sends the client nonce once more in front,
     * and Kafka accepts it; the server's random part is there either way,
     * and the proof covers the message as sent. */
    size_t nl = strlen(s->nonce);
    if (a[1].vlen < nl || memcmp(a[1].val + a[1].vlen - nl, s->nonce, nl) != 0) {
        sk_errf(err, errlen, "Invalid client nonce in the final client message.");
        return server_fail(s, SK_EINVAL);
    }
    if ((size_t)cblen != strlen(s->gs2) || memcmp(cbind, s->gs2, (size_t)cblen) != 0) {
        sk_errf(err, errlen, "channel binding does not match the gs2 header");
        return server_fail(s, SK_EINVAL);
    }
    /* AuthMessage, then the proof check. */
    size_t without_proof = (size_t)(a[n - 1].key - 1 - m);
    char *auth = sk_asprintf("%s,%s,%.*s", s->first_bare, s->server_first, (int)without_proof, m);
    uint8_t sig[SK_SCRAM_KEY_MAX], ck[SK_SCRAM_KEY_MAX], h[SK_SCRAM_KEY_MAX];
    rc = hmac(s->mech, s->cred.stored_key, kl, auth, strlen(auth), sig);
    for (size_t k = 0; k < kl; k++)
        ck[k] = proof[k] ^ sig[k];
    if (rc == SK_OK)
        rc = digest(s->mech, ck, kl, h);
    if (rc == SK_OK && CRYPTO_memcmp(h, s->cred.stored_key, kl) != 0) {
        sk_errf(err, errlen, "Invalid client credentials");
        rc = SK_EINVAL;
    } else if (rc == SK_OK) {
        rc = hmac(s->mech, s->cred.server_key, kl, auth, strlen(auth), sig);
        if (rc == SK_OK) {
            char *v = sk_b64_encode(sig, kl);
            *out = sk_asprintf("v=%s", v);
            free(v);
            if (outlen)
                *outlen = strlen(*out);
        }
    }
    if (rc == SK_EIO)
        sk_errf(err, errlen, "OpenSSL failed computing the proof");
    free(auth);
    OPENSSL_cleanse(ck, sizeof(ck));
    if (rc != SK_OK)
        return server_fail(s, rc);
    s->state = SK_SCRAM_S_DONE;
    return SK_OK;
}

/* ---- client ---- */

typedef enum {
    CLIENT_START = 0,
    CLIENT_SENT_FIRST,
    CLIENT_SENT_FINAL,
    CLIENT_DONE,
    CLIENT_FAILED,
} client_state_t;

struct sk_scram_client_s {
    sk_scram_mech_t mech;
    client_state_t state;
    char *user;     /* saslname-encoded */
    char *password;
    char nonce[SK_SCRAM_NONCE_MAX + 1];
    char *first_bare;
    uint8_t server_sig[SK_SCRAM_KEY_MAX];
};

sk_scram_client_t *sk_scram_client_new(sk_scram_mech_t m, const char *user, const char *password,
                                       const char *nonce)
{
    if (!user || !*user || !password)
        return NULL;
    if (nonce && !nonce_valid(nonce, strlen(nonce), SK_SCRAM_NONCE_MAX))
        return NULL;
    sk_scram_client_t *c = sk_calloc(1, sizeof(*c));
    c->mech = m;
    c->user = saslname_encode(user);
    c->password = sk_strdup(password);
    if (nonce) {
        snprintf(c->nonce, sizeof(c->nonce), "%s", nonce);
    } else if (random_nonce(c->nonce, sizeof(c->nonce)) != SK_OK) {
        sk_scram_client_free(c);
        return NULL;
    }
    return c;
}

void sk_scram_client_free(sk_scram_client_t *c)
{
    if (!c)
        return;
    free(c->user);
    if (c->password) {
        OPENSSL_cleanse(c->password, strlen(c->password));
        free(c->password);
    }
    free(c->first_bare);
    OPENSSL_cleanse(c->server_sig, sizeof(c->server_sig));
    free(c);
}

int sk_scram_client_first(sk_scram_client_t *c, char **out, size_t *outlen)
{
    *out = NULL;
    if (c->state != CLIENT_START) {
        c->state = CLIENT_FAILED;
        return SK_ESTATE;
    }
    c->first_bare = sk_asprintf("n=%s,r=%s", c->user, c->nonce);
    *out = sk_asprintf("n,,%s", c->first_bare);
    if (outlen)
        *outlen = strlen(*out);
    c->state = CLIENT_SENT_FIRST;
    return SK_OK;
}

int sk_scram_client_final(sk_scram_client_t *c, const uint8_t *msg, size_t len, char **out,
                          size_t *outlen, char *err, size_t errlen)
{
    *out = NULL;
    if (outlen)
        *outlen = 0;
    if (c->state != CLIENT_SENT_FIRST) {
        sk_errf(err, errlen, "unexpected server-first-message");
        c->state = CLIENT_FAILED;
        return SK_ESTATE;
    }
    c->state = CLIENT_FAILED; /* until it worked */
    int rc = msg_ok(msg, len, err, errlen);
    if (rc != SK_OK)
        return rc;
    const char *m = (const char *)msg;
    attr_t a[MAX_ATTRS];
    int n, iterations;
    uint8_t salt[SK_SCRAM_SALT_MAX];
    rc = split_attrs(m, len, a, &n, err, errlen);
    if (rc != SK_OK)
        return rc;
    if (len >= 2 && m[0] == 'e' && m[1] == '=') {
        sk_errf(err, errlen, "server error: %.*s", (int)(len - 2 > 200 ? 200 : len - 2), m + 2);
        return SK_EINVAL;
    }
    if (n < 3 || !attr_is(&a[0], 'r') || !attr_is(&a[1], 's') || !attr_is(&a[2], 'i')) {
        sk_errf(err, errlen, "server-first-message must be r=..,s=..,i=..");
        return SK_EPARSE;
    }
    size_t cn = strlen(c->nonce);
    if (!nonce_valid(a[0].val, a[0].vlen, SK_SCRAM_MSG_MAX) || a[0].vlen <= cn ||
        memcmp(a[0].val, c->nonce, cn) != 0) {
        sk_errf(err, errlen, "server nonce does not extend the client nonce");
        return SK_EINVAL;
    }
    long sl = sk_b64_decode(a[1].val, a[1].vlen, salt, sizeof(salt));
    if (sl <= 0) {
        sk_errf(err, errlen, "malformed salt");
        return SK_EPARSE;
    }
    if (parse_iterations(a[2].val, a[2].vlen, &iterations) != SK_OK ||
        iterations < SK_SCRAM_MIN_ITERATIONS || iterations > SK_SCRAM_MAX_ITERATIONS) {
        sk_errf(err, errlen, "iteration count out of range %d..%d", SK_SCRAM_MIN_ITERATIONS,
               SK_SCRAM_MAX_ITERATIONS);
        return SK_EINVAL;
    }
    if ((rc = check_extensions(a, 3, n, err, errlen)) != SK_OK)
        return rc;
    size_t kl = sk_scram_key_len(c->mech);
    uint8_t ck[SK_SCRAM_KEY_MAX], stored[SK_SCRAM_KEY_MAX], server_key[SK_SCRAM_KEY_MAX];
    uint8_t sig[SK_SCRAM_KEY_MAX];
    char *without = sk_asprintf("c=biws,r=%.*s", (int)a[0].vlen, a[0].val);
    char *auth = sk_asprintf("%s,%.*s,%s", c->first_bare, (int)len, m, without);
    rc = derive(c->mech, c->password, salt, (size_t)sl, iterations, ck, stored, server_key);
    if (rc == SK_OK)
        rc = hmac(c->mech, stored, kl, auth, strlen(auth), sig);
    if (rc == SK_OK)
        rc = hmac(c->mech, server_key, kl, auth, strlen(auth), c->server_sig);
    if (rc == SK_OK) {
        for (size_t k = 0; k < kl; k++)
            ck[k] ^= sig[k];
        char *p = sk_b64_encode(ck, kl);
        *out = sk_asprintf("%s,p=%s", without, p);
        free(p);
        if (outlen)
            *outlen = strlen(*out);
        c->state = CLIENT_SENT_FINAL;
    } else {
        sk_errf(err, errlen, "OpenSSL failed computing the proof");
    }
    free(without);
    free(auth);
    OPENSSL_cleanse(ck, sizeof(ck));
    OPENSSL_cleanse(server_key, sizeof(server_key));
    return rc;
}

int sk_scram_client_verify(sk_scram_client_t *c, const uint8_t *msg, size_t len, char *err,
                           size_t errlen)
{
    if (c->state != CLIENT_SENT_FINAL) {
        sk_errf(err, errlen, "unexpected server-final-message");
        c->state = CLIENT_FAILED;
        return SK_ESTATE;
    }
    c->state = CLIENT_FAILED;
    int rc = msg_ok(msg, len, err, errlen);
    if (rc != SK_OK)
        return rc;
    const char *m = (const char *)msg;
    if (len >= 2 && m[0] == 'e' && m[1] == '=') {
        sk_errf(err, errlen, "server error: %.*s", (int)(len - 2 > 200 ? 200 : len - 2), m + 2);
        return SK_EINVAL;
    }
    attr_t a[MAX_ATTRS];
    int n;
    if ((rc = split_attrs(m, len, a, &n, err, errlen)) != SK_OK)
        return rc;
    uint8_t v[SK_SCRAM_KEY_MAX];
    size_t kl = sk_scram_key_len(c->mech);
    if (!attr_is(&a[0], 'v') || sk_b64_decode(a[0].val, a[0].vlen, v, sizeof(v)) != (long)kl) {
        sk_errf(err, errlen, "malformed server-final-message");
        return SK_EPARSE;
    }
    if ((rc = check_extensions(a, 1, n, err, errlen)) != SK_OK)
        return rc;
    if (CRYPTO_memcmp(v, c->server_sig, kl) != 0) {
        sk_errf(err, errlen, "server signature does not match");
        return SK_EINVAL;
    }
    c->state = CLIENT_DONE;
    return SK_OK;
}
