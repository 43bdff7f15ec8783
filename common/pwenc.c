/* pwenc.c - Kafka's password encoding for dynamic broker configs (see pwenc.h). */
#include "pwenc.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "mem.h"

#define SALT_BYTES 256
#define IV_BYTES 16
#define MAX_ITERATIONS 1000000L
#define MAX_FIELD 4096 /* base64 text of one field; a password is far shorter */

enum { F_KFA, F_CIPHER, F_KEYLEN, F_ITER, F_SALT, F_IV, F_ENC, F_PWLEN, NFIELDS };
static const char *const field_names[NFIELDS] = {
    "keyFactoryAlgorithm", "cipherAlgorithm", "keyLength", "iterations",
    "salt", "initializationVector", "encryptedPassword", "passwordLength",
};

#define KFA_DEFAULT "PBKDF2WithHmacSHA512"
#define CIPHER_CBC "AES/CBC/PKCS5Padding"

/* Java's String.length() of UTF-8 text: UTF-16 code units (a four-byte
 * sequence is two), so that passwordLength matches what Kafka writes. */
static long utf16_length(const unsigned char *s, size_t n)
{
    long units = 0;
    for (size_t i = 0; i < n; i++) {
        if ((s[i] & 0xc0) == 0x80)
            continue; /* continuation byte */
        units += (s[i] >= 0xf0) ? 2 : 1;
    }
    return units;
}

static const EVP_MD *kfa_digest(const char *name)
{
    if (strcmp(name, "PBKDF2WithHmacSHA512") == 0)
        return EVP_sha512();
    if (strcmp(name, "PBKDF2WithHmacSHA256") == 0)
        return EVP_sha256();
    if (strcmp(name, "PBKDF2WithHmacSHA1") == 0)
        return EVP_sha1();
    return NULL;
}

static const EVP_CIPHER *cbc_cipher(long bits)
{
    switch (bits) {
    case 128: return EVP_aes_128_cbc();
    case 192: return EVP_aes_192_cbc();
    case 256: return EVP_aes_256_cbc();
    default: return NULL;
    }
}

static char *b64(const unsigned char *p, size_t n)
{
    char *out = sk_malloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

/* Standard base64 with padding, as java.util.Base64 writes it. Returns the
 * decoded length, or -1. out has room for 3 * len / 4 bytes. */
static long unb64(const char *s, size_t len, unsigned char *out)
{
    if (len == 0 || len % 4 != 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/' || (c == '=' && i >= len - 2);
        if (!ok || (c != '=' && i > 0 && s[i - 1] == '='))
            return -1;
    }
    int n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
    if (n < 0)
        return -1;
    size_t pad = (s[len - 1] == '=') + (s[len - 2] == '=');
    return (long)n - (long)pad;
}

static int derive_key(const char *secret, const unsigned char *salt, size_t saltlen, long iter,
                      const EVP_MD *md, unsigned char *key, size_t keylen)
{
    return PKCS5_PBKDF2_HMAC(secret, (int)strlen(secret), salt, (int)saltlen, (int)iter, md,
                             (int)keylen, key) == 1
               ? 0
               : -1;
}

/* AES-CBC with PKCS#5 padding, in (enc = 1) or out (enc = 0). Returns the
 * output length or -1. out has room for inlen + 16. */
static int cbc_run(const EVP_CIPHER *c, const unsigned char *key, const unsigned char *iv,
                   const unsigned char *in, int inlen, unsigned char *out, int enc)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0, ok = ctx && EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) == 1 &&
                            EVP_CipherUpdate(ctx, out, &n1, in, inlen) == 1 &&
                            EVP_CipherFinal_ex(ctx, out + n1, &n2) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? n1 + n2 : -1;
}

int sk_pwenc_encode(const char *secret, const char *clear, char **out, char *err, size_t errlen)
{
    unsigned char salt[SALT_BYTES], iv[IV_BYTES], key[16];
    int rc = SK_EIO;
    *out = NULL;
    if (!secret || !*secret) {
        sk_errf(err, errlen, "Password encoder secret not configured");
        return SK_EINVAL;
    }
    size_t n = strlen(clear);
    unsigned char *enc = sk_malloc(n + 2 * IV_BYTES);
    char *s_salt = NULL, *s_iv = NULL, *s_enc = NULL;
    if (RAND_bytes(salt, sizeof(salt)) != 1 || RAND_bytes(iv, sizeof(iv)) != 1 ||
        derive_key(secret, salt, sizeof(salt), 4096, EVP_sha512(), key, sizeof(key)) != 0) {
        sk_errf(err, errlen, "cannot derive the encryption key");
        goto out;
    }
    int m = cbc_run(EVP_aes_128_cbc(), key, iv, (const unsigned char *)clear, (int)n, enc, 1);
    if (m < 0) {
        sk_errf(err, errlen, "cannot encrypt the password");
        goto out;
    }
    s_salt = b64(salt, sizeof(salt));
    s_iv = b64(iv, sizeof(iv));
    s_enc = b64(enc, (size_t)m);
    *out = sk_asprintf("%s:%s,%s:%s,%s:128,%s:4096,%s:%s,%s:%s,%s:%s,%s:%ld",
                       field_names[F_KFA], KFA_DEFAULT, field_names[F_CIPHER], CIPHER_CBC,
                       field_names[F_KEYLEN], field_names[F_ITER], field_names[F_SALT], s_salt,
                       field_names[F_IV], s_iv, field_names[F_ENC], s_enc, field_names[F_PWLEN],
                       utf16_length((const unsigned char *)clear, n));
    rc = SK_OK;
out:
    OPENSSL_cleanse(key, sizeof(key));
    free(s_salt);
    free(s_iv);
    free(s_enc);
    free(enc);
    return rc;
}

/* "a:b,c:d" into the eight fields (pointers into buf, which is cut up). */
static int split_fields(char *buf, char *f[NFIELDS], char *err, size_t errlen)
{
    for (char *p = buf; p;) {
        char *next = strchr(p, ',');
        if (next)
            *next++ = '\0';
        char *colon = strchr(p, ':');
        if (!colon) {
            sk_errf(err, errlen, "a field without a name: '%.40s'", p);
            return -1;
        }
        *colon = '\0';
        int i = 0;
        while (i < NFIELDS && strcmp(field_names[i], p) != 0)
            i++;
        if (i == NFIELDS) {
            sk_errf(err, errlen, "unknown field %.40s", p);
            return -1;
        }
        if (f[i]) {
            sk_errf(err, errlen, "field %s given twice", field_names[i]);
            return -1;
        }
        f[i] = colon + 1;
        p = next;
    }
    for (int i = 0; i < NFIELDS; i++) {
        if (!f[i]) {
            sk_errf(err, errlen, "field %s missing", field_names[i]);
            return -1;
        }
    }
    return 0;
}

static int parse_long(const char *s, long lo, long hi, long *v)
{
    char *end = NULL;
    if (!*s || strlen(s) > 12)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    *v = strtol(s, &end, 10);
    return *end || *v < lo || *v > hi ? -1 : 0;
}

int sk_pwenc_decode(const char *secret, const char *encoded, size_t len, char **out, char *err,
                    size_t errlen)
{
    int rc = SK_EINVAL;
    char *buf = NULL, *f[NFIELDS] = {0};
    unsigned char *salt = NULL, *iv = NULL, *enc = NULL, *clear = NULL;
    unsigned char key[32];
    *out = NULL;
    if (!secret || !*secret) {
        sk_errf(err, errlen, "Password encoder secret not configured");
        return SK_EINVAL;
    }
    if (!encoded || len == 0 || len > 4 * MAX_FIELD || memchr(encoded, '\0', len)) {
        sk_errf(err, errlen, "not an encoded password");
        return SK_EINVAL;
    }
    buf = sk_strndup(encoded, len);
    if (split_fields(buf, f, err, errlen) != 0)
        goto out;
    const EVP_MD *md = kfa_digest(f[F_KFA]);
    if (!md) {
        sk_errf(err, errlen, "unsupported keyFactoryAlgorithm %.60s", f[F_KFA]);
        goto out;
    }
    long bits, iter, pwlen;
    if (strcmp(f[F_CIPHER], CIPHER_CBC) != 0) {
        sk_errf(err, errlen, "unsupported cipherAlgorithm %.60s", f[F_CIPHER]);
        goto out;
    }
    if (parse_long(f[F_KEYLEN], 0, 1024, &bits) != 0 || !cbc_cipher(bits)) {
        sk_errf(err, errlen, "keyLength %.20s is not 128, 192 or 256", f[F_KEYLEN]);
        goto out;
    }
    if (parse_long(f[F_ITER], 1, MAX_ITERATIONS, &iter) != 0) {
        sk_errf(err, errlen, "iterations %.20s is not between 1 and %ld", f[F_ITER],
                MAX_ITERATIONS);
        goto out;
    }
    if (parse_long(f[F_PWLEN], 0, MAX_FIELD, &pwlen) != 0) {
        sk_errf(err, errlen, "passwordLength %.20s is not a length", f[F_PWLEN]);
        goto out;
    }
    size_t ls = strlen(f[F_SALT]), li = strlen(f[F_IV]), le = strlen(f[F_ENC]);
    salt = sk_malloc(ls + 1);
    iv = sk_malloc(li + 1);
    enc = sk_malloc(le + 1);
    long nsalt = unb64(f[F_SALT], ls, salt), niv = unb64(f[F_IV], li, iv),
         nenc = unb64(f[F_ENC], le, enc);
    if (nsalt <= 0 || niv != IV_BYTES || nenc <= 0 || nenc % 16 != 0) {
        sk_errf(err, errlen, "%s",
                nsalt <= 0 ? "salt is not base64"
                : niv != IV_BYTES ? "initializationVector is not 16 bytes of base64"
                                  : "encryptedPassword is not whole AES blocks of base64");
        goto out;
    }
    if (derive_key(secret, salt, (size_t)nsalt, iter, md, key, (size_t)bits / 8) != 0) {
        sk_errf(err, errlen, "cannot derive the decryption key");
        goto out;
    }
    clear = sk_malloc((size_t)nenc + 16 + 1);
    int m = cbc_run(cbc_cipher(bits), key, iv, enc, (int)nenc, clear, 0);
    if (m < 0) {
        sk_errf(err, errlen, "Invalid password (encrypted with another password.encoder.secret?)");
        goto out;
    }
    clear[m] = '\0';
    if (memchr(clear, '\0', (size_t)m) || utf16_length(clear, (size_t)m) != pwlen) {
        sk_errf(err, errlen, "Password could not be decoded, sanity check of length failed");
        goto out;
    }
    *out = (char *)clear;
    clear = NULL;
    rc = SK_OK;
out:
    OPENSSL_cleanse(key, sizeof(key));
    if (clear)
        OPENSSL_cleanse(clear, 1);
    free(clear);
    free(salt);
    free(iv);
    free(enc);
    free(buf);
    return rc;
}
