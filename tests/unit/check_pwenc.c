/* check_pwenc.c - Kafka's encoding of dynamic passwords (common/pwenc.c):
 * values made independently (Python's hashlib PBKDF2 and the openssl
 * command's AES-CBC, the way Kafka's PasswordEncoder builds them) decode;
 * what the encoder writes decodes back; malformed values are refused. */
#include "pwenc.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"

static char err[512];

#define SALT256 \
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BB" \
    "QkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKD" \
    "hIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TF" \
    "xsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w=="

/* secret "skein-secret", password "store-secret": SHA512, 4096, AES-128 */
static const char *KAFKA_SHA512 =
    "keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/CBC/PKCS5Padding,"
    "keyLength:128,salt:" SALT256 ",iterations:4096,encryptedPassword:Y9xnqd5X18rVI6vVBpAktQ==,"
    "passwordLength:12,initializationVector:AQIDBAUGBwgJCgsMDQ4PEA==";

/* the same secret, "pässwörd" (8 UTF-16 units, 10 bytes): SHA1, 1000, AES-256,
 * fields in another order */
static const char *KAFKA_SHA1 =
    "initializationVector:AQIDBAUGBwgJCgsMDQ4PEA==,passwordLength:8,"
    "encryptedPassword:EYBws+vn2CO8NSzQd6f15g==,iterations:1000,"
    "salt:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,keyLength:256,"
    "cipherAlgorithm:AES/CBC/PKCS5Padding,keyFactoryAlgorithm:PBKDF2WithHmacSHA1";

static int decode(const char *secret, const char *v, char **out)
{
    return sk_pwenc_decode(secret, v, strlen(v), out, err, sizeof(err));
}

START_TEST(test_decodes_values_made_elsewhere)
{
    char *out = NULL;
    ck_assert_int_eq(decode("skein-secret", KAFKA_SHA512, &out), SK_OK);
    ck_assert_str_eq(out, "store-secret");
    free(out);
    ck_assert_int_eq(decode("skein-secret", KAFKA_SHA1, &out), SK_OK);
    ck_assert_str_eq(out, "p\xc3\xa4ssw\xc3\xb6rd");
    free(out);
    /* another secret: refused, nothing given */
    ck_assert_int_eq(decode("other-secret", KAFKA_SHA512, &out), SK_EINVAL);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(decode(NULL, KAFKA_SHA512, &out), SK_EINVAL);
    ck_assert_str_eq(err, "Password encoder secret not configured");
}
END_TEST

START_TEST(test_round_trip)
{
    const char *pws[] = {"", "x", "store-secret", "p\xc3\xa4ssw\xc3\xb6rd \xf0\x9f\x94\x91",
                         "0123456789abcdef", "a,b:c=d"};
    for (size_t i = 0; i < sizeof(pws) / sizeof(pws[0]); i++) {
        char *enc = NULL, *dec = NULL;
        ck_assert_int_eq(sk_pwenc_encode("s3cret", pws[i], &enc, err, sizeof(err)), SK_OK);
        if (strlen(pws[i]) >= 8) /* never in clear (a short one may occur in base64 by chance) */
            ck_assert_ptr_null(strstr(enc, pws[i]));
        ck_assert_ptr_nonnull(strstr(enc, "keyFactoryAlgorithm:PBKDF2WithHmacSHA512,"));
        ck_assert_ptr_nonnull(strstr(enc, "cipherAlgorithm:AES/CBC/PKCS5Padding,"));
        ck_assert_int_eq(decode("s3cret", enc, &dec), SK_OK);
        ck_assert_str_eq(dec, pws[i]);
        free(dec);
        free(enc);
    }
    char *enc = NULL;
    /* the emoji counts two UTF-16 units, as Java's String.length() */
    ck_assert_int_eq(sk_pwenc_encode("s3cret", "\xf0\x9f\x94\x91", &enc, err, sizeof(err)), SK_OK);
    ck_assert_ptr_nonnull(strstr(enc, "passwordLength:2"));
    free(enc);
    ck_assert_int_eq(sk_pwenc_encode("", "pw", &enc, err, sizeof(err)), SK_EINVAL);
    ck_assert_str_eq(err, "Password encoder secret not configured");
}
END_TEST

/* KAFKA_SHA512 with one field's text replaced. */
static char *with_field(const char *name, const char *value)
{
    static char buf[2048];
    char *copy = strdup(KAFKA_SHA512);
    buf[0] = '\0';
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        size_t n = strlen(name);
        if (buf[0])
            strcat(buf, ",");
        if (strncmp(tok, name, n) == 0 && tok[n] == ':') {
            if (!value) { /* drop it */
                buf[strlen(buf) - (buf[0] && buf[strlen(buf) - 1] == ',' ? 1 : 0)] = '\0';
                continue;
            }
            strcat(buf, name);
            strcat(buf, ":");
            strcat(buf, value);
        } else {
            strcat(buf, tok);
        }
    }
    free(copy);
    return buf;
}

START_TEST(test_malformed_refused)
{
    static const struct {
        const char *field, *value, *needle;
    } cases[] = {
        {"keyFactoryAlgorithm", "PBKDF2WithHmacMD5", "unsupported keyFactoryAlgorithm"},
        {"cipherAlgorithm", "AES/GCM/NoPadding", "unsupported cipherAlgorithm"},
        {"cipherAlgorithm", "DES", "unsupported cipherAlgorithm"},
        {"keyLength", "64", "keyLength"},
        {"keyLength", "-128", "keyLength"},
        {"keyLength", "", "keyLength"},
        {"keyLength", "128x", "keyLength"},
        {"iterations", "0", "iterations"},
        {"iterations", "99999999999999", "iterations"},
        {"iterations", "1000001", "iterations"},
        {"passwordLength", "13", "sanity check of length"},
        {"passwordLength", "-1", "passwordLength"},
        {"salt", "", "salt"},
        {"salt", "AAE", "salt"},
        {"salt", "A=AA", "salt"},
        {"salt", "!!!!", "salt"},
        {"initializationVector", "AQIDBAUGBwgJCgsMDQ4P", "initializationVector"},
        {"initializationVector", "AQID", "initializationVector"},
        {"encryptedPassword", "Y9xnqd5X18rVI6vVBpAk", "encryptedPassword"},
        {"encryptedPassword", "Y9xnqd5X18rVI6vVBpAktQ=", "encryptedPassword"},
        {"encryptedPassword", "AAAAAAAAAAAAAAAAAAAAAA==", "Invalid password"},
        {"salt", NULL, "field salt missing"},
        {"passwordLength", NULL, "field passwordLength missing"},
        {"initializationVector", NULL, "field initializationVector missing"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = NULL;
        const char *v = with_field(cases[i].field, cases[i].value);
        ck_assert_msg(decode("skein-secret", v, &out) == SK_EINVAL, "case %zu accepted", i);
        ck_assert_ptr_null(out);
        ck_assert_msg(strstr(err, cases[i].needle), "case %zu: %s", i, err);
    }
    static const char *const whole[] = {
        "", "plain-text-password", "keyLength", ",,,", ":", "a:b",
        "keyLength:128,keyLength:128", "keyFactoryAlgorithm:PBKDF2WithHmacSHA512",
    };
    for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
        char *out = NULL;
        ck_assert_msg(decode("skein-secret", whole[i], &out) == SK_EINVAL, "'%s' accepted",
                      whole[i]);
        ck_assert_ptr_null(out);
    }
    /* a NUL inside, and a value cut anywhere */
    char *out = NULL;
    ck_assert_int_eq(sk_pwenc_decode("skein-secret", "a\0b", 3, &out, err, sizeof(err)), SK_EINVAL);
    for (size_t cut = 0; cut < strlen(KAFKA_SHA512); cut += 7) {
        int rc = sk_pwenc_decode("skein-secret", KAFKA_SHA512, cut, &out, err, sizeof(err));
        ck_assert_int_eq(rc, SK_EINVAL);
        ck_assert_ptr_null(out);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pwenc");
    TCase *tc = tcase_create("pwenc");
    tcase_add_test(tc, test_decodes_values_made_elsewhere);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_malformed_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
