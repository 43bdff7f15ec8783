/* fuzz_sasl.c - libFuzzer target for the SASL parsers (common/sasl_plain.c,
 * common/scram.c).
 *
 * Built by `make fuzz-targets` in a tree configured with CC=clang
 * --enable-fuzzing (tests/fuzz/fuzz.am), or by hand from the top of the
 * source tree:
 *
 *   clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -Icommon -I. -D_GNU_SOURCE tests/fuzz/fuzz_sasl.c \
 *       common/sasl_plain.c common/scram.c common/mem.c common/log.c \
 *       common/kerr.c -ljansson -lcrypto -o /tmp/fuzz_sasl
 *   /tmp/fuzz_sasl -max_total_time=20 -max_len=4096
 *
 * The first byte picks the parser, the rest is its input:
 *   0 PLAIN message, checked against a fixed JAAS user table
 *   1 JAAS line
 *   2 SCRAM client-first-message, then (if accepted) a fixed credential's
 *     server-first and the same bytes again as client-final
 *   3 SCRAM client-final-message after a valid client-first
 *   4 the stored credential string, and the /config/users JSON (read, and
 *     updated with a credential added and one removed)
 *   5 server-first then server-final as the client sees them (split at the
 *     first NUL)
 * Beyond "no crash, no leak, no UB" it checks what must hold: a refusal
 * always has a reason, a server never reaches DONE on fuzzed proof bytes,
 * a parsed PLAIN message has a non-empty user and password, a parsed
 * credential formats back to text that parses to the same credential.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "log.h"
#include "sasl_plain.h"
#include "scram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const JAAS =
    "org.apache.kafka.common.security.plain.PlainLoginModule required "
    "user_alice=\"alice-secret\" user_bob=\"b\";";

static void fuzz_plain(const uint8_t *d, size_t n)
{
    static sk_jaas_t users;
    static int loaded;
    char err[256] = "", user[300];
    if (!loaded) {
        if (sk_jaas_parse(JAAS, &users, err, sizeof(err)) != SK_OK)
            abort();
        loaded = 1;
    }
    sk_sasl_plain_t p;
    int rc = sk_sasl_plain_parse(d, n, &p, err, sizeof(err));
    if (rc == SK_OK && (!p.user[0] || !p.password[0]))
        abort();
    if (rc != SK_OK && !err[0])
        abort();
    err[0] = '\0';
    rc = sk_sasl_plain_check(&users, d, n, user, sizeof(user), err, sizeof(err));
    if (rc != SK_OK && !err[0])
        abort();
}

static void fuzz_jaas(const uint8_t *d, size_t n)
{
    char *text = malloc(n + 1);
    memcpy(text, d, n);
    text[n] = '\0';
    sk_jaas_t j;
    char err[256] = "";
    int rc = sk_jaas_parse(text, &j, err, sizeof(err));
    if (rc == SK_OK) {
        if (!j.login_module || !j.flag)
            abort();
        for (int i = 0; i < j.n_opts; i++)
            if (sk_jaas_opt(&j, j.opts[i].name) != j.opts[i].value)
                abort(); /* a duplicate survived */
        sk_jaas_free(&j);
    } else if (!err[0] || j.opts || j.login_module) {
        abort();
    }
    free(text);
}

static sk_scram_cred_t fixed_cred(void)
{
    static sk_scram_cred_t c;
    static int made;
    if (!made) {
        if (sk_scram_cred_from_password(SK_SCRAM_SHA_256, "pencil", (const uint8_t *)"salt", 4,
                                        4096, &c) != SK_OK)
            abort();
        made = 1;
    }
    return c;
}

static void fuzz_server(const uint8_t *first, size_t fn, const uint8_t *final, size_t finaln)
{
    char err[256] = "";
    const char *user = NULL;
    char *out = NULL;
    sk_scram_cred_t cred = fixed_cred();
    sk_scram_server_t *s = sk_scram_server_new(SK_SCRAM_SHA_256);
    int rc = sk_scram_server_client_first(s, first, fn, &user, err, sizeof(err));
    if (rc != SK_OK) {
        if (!err[0] || sk_scram_server_state(s) != SK_SCRAM_S_FAILED)
            abort();
        goto out;
    }
    if (!user || !user[0] || strlen(user) > SK_SCRAM_NAME_MAX)
        abort();
    rc = sk_scram_server_first(s, &cred, NULL, &out, NULL, err, sizeof(err));
    if (rc != SK_OK)
        abort();
    free(out);
    out = NULL;
    err[0] = '\0';
    rc = sk_scram_server_client_final(s, final, finaln, &out, NULL, err, sizeof(err));
    /* The server nonce is random: fuzzed bytes cannot carry it, let alone
     * a valid proof. */
    if (rc == SK_OK || !err[0] || out || sk_scram_server_state(s) != SK_SCRAM_S_FAILED)
        abort();
out:
    free(out);
    sk_scram_server_free(s);
}

static void fuzz_final_after_valid_first(const uint8_t *d, size_t n)
{
    static const char first[] = "n,,n=user,r=fuzz";
    char err[256] = "";
    const char *user;
    char *out = NULL;
    sk_scram_cred_t cred = fixed_cred();
    sk_scram_server_t *s = sk_scram_server_new(SK_SCRAM_SHA_256);
    if (sk_scram_server_client_first(s, (const uint8_t *)first, sizeof(first) - 1, &user, err,
                                     sizeof(err)) != SK_OK)
        abort();
    /* A fixed server nonce, so the fuzzer can find the nonce check's far side. */
    if (sk_scram_server_first(s, &cred, "SRV", &out, NULL, err, sizeof(err)) != SK_OK)
        abort();
    free(out);
    out = NULL;
    int rc = sk_scram_server_client_final(s, d, n, &out, NULL, err, sizeof(err));
    if (rc == SK_OK)
        abort(); /* would mean a forged proof */
    if (!err[0] || out)
        abort();
    sk_scram_server_free(s);
}

static void fuzz_cred(const uint8_t *d, size_t n)
{
    char *text = malloc(n + 1);
    memcpy(text, d, n);
    text[n] = '\0';
    char err[256];
    sk_scram_cred_t c, back;
    for (int m = SK_SCRAM_SHA_256; m <= SK_SCRAM_SHA_512; m++) {
        if (sk_scram_cred_parse((sk_scram_mech_t)m, text, &c, err, sizeof(err)) == SK_OK) {
            char *again = sk_scram_cred_format(&c);
            if (sk_scram_cred_parse((sk_scram_mech_t)m, again, &back, err, sizeof(err)) !=
                    SK_OK ||
                memcmp(&c, &back, sizeof(c)) != 0)
                abort();
            free(again);
        }
        (void)sk_scram_user_config_parse(text, n, (sk_scram_mech_t)m, &c, err, sizeof(err));
    }
    /* Updating whatever the znode holds: the result, if any, holds the new
     * credential and not the deleted one. */
    sk_scram_cred_t add = fixed_cred();
    const char *del[] = {"SCRAM-SHA-512"};
    char *up = sk_scram_user_config_update(text, n, &add, 1, del, 1, err, sizeof(err));
    if (up) {
        if (sk_scram_user_config_parse(up, strlen(up), SK_SCRAM_SHA_256, &back, err,
                                       sizeof(err)) != SK_OK ||
            memcmp(&add, &back, sizeof(add)) != 0 ||
            sk_scram_user_config_parse(up, strlen(up), SK_SCRAM_SHA_512, &c, err, sizeof(err)) !=
                SK_ENOENT)
            abort();
        free(up);
    }
    free(text);
}

static void fuzz_client(const uint8_t *d, size_t n)
{
    const uint8_t *nul = memchr(d, '\0', n);
    size_t first_n = nul ? (size_t)(nul - d) : n;
    char err[256];
    char *out = NULL;
    sk_scram_client_t *c = sk_scram_client_new(SK_SCRAM_SHA_256, "user", "pencil", "cnonce");
    if (sk_scram_client_first(c, &out, NULL) != SK_OK)
        abort();
    free(out);
    out = NULL;
    if (sk_scram_client_final(c, d, first_n, &out, NULL, err, sizeof(err)) == SK_OK && nul) {
        const uint8_t *fin = nul + 1;
        (void)sk_scram_client_verify(c, fin, n - first_n - 1, err, sizeof(err));
    }
    free(out);
    sk_scram_client_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        sk_log_set_level(SK_LOG_ERROR);
        quiet = 1;
    }
    if (size < 1)
        return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    switch (data[0] % 6) {
    case 0:
        fuzz_plain(d, n);
        break;
    case 1:
        fuzz_jaas(d, n);
        break;
    case 2:
        fuzz_server(d, n, d, n);
        break;
    case 3:
        fuzz_final_after_valid_first(d, n);
        break;
    case 4:
        fuzz_cred(d, n);
        break;
    default:
        fuzz_client(d, n);
        break;
    }
    return 0;
}
