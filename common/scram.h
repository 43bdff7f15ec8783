/* scram.h - SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) with
 * OpenSSL, as Kafka uses them, and Kafka's stored credential format.
 *
 * Server side, one sk_scram_server_t per authenticating connection, an
 * explicit state machine:
 *
 *   SK_SCRAM_S_CLIENT_FIRST  waiting for client-first-message
 *       sk_scram_server_client_first(): parse it, learn the user name
 *   SK_SCRAM_S_CREDENTIAL    waiting for the caller to find the user's
 *                            credential (ZooKeeper read in the broker)
 *       sk_scram_server_first(): build server-first-message
 *   SK_SCRAM_S_CLIENT_FINAL  waiting for client-final-message
 *       sk_scram_server_client_final(): check nonce, channel binding and
 *       proof, build server-final-message
 *   SK_SCRAM_S_DONE          authenticated (anything more fails)
 *   SK_SCRAM_S_FAILED        any error moves here; every later call fails
 *
 * What is accepted (strict, so that malformed tokens fail early):
 *  - gs2 header "n,," or "y,," (no channel binding; "p=" is refused as the
 *    server offers none), optionally "n,a=<user>," where the authzid must be
 *    the authenticating user (Kafka's rule);
 *  - no "m=" (mandatory extension), a user name "n=" in saslname encoding
 *    (=2C and =3D, any other '=' escape refused; UTF-8; 1..255 bytes), a
 *    printable nonce "r=" (1..255 chars, no ','), then optional extensions
 *    key=value: Kafka's tokenauth=true (delegation tokens, unsupported here)
 *    is refused, other extensions are ignored; an extension reusing one of
 *    SCRAM's own one-letter attributes is a duplicate and refused;
 *  - client-final "c=" (base64 of the gs2 header as sent, "biws" for
 *    "n,,"), "r=" (ending with the combined nonce, as Kafka checks it:
 *    librdkafka repeats the client nonce in front), optional extensions, "p="
 *    (base64 proof of the digest's length) last;
 *  - no NUL bytes anywhere and at most SK_SCRAM_MSG_MAX bytes per message.
 * Iterations are SK_SCRAM_MIN_ITERATIONS..SK_SCRAM_MAX_ITERATIONS (Kafka's
 * 4096..16384) for stored credentials and on the client side.
 *
 * Client side (inter-broker connections, tests): sk_scram_client_new(),
 * sk_scram_client_first(), sk_scram_client_final() (checks the server's
 * nonce extends ours and the iteration count), sk_scram_client_verify()
 * (the server's signature).
 *
 * Credentials: Kafka keeps, per user and mechanism, the salt, StoredKey,
 * ServerKey and iterations in ZooKeeper /config/users/<user>:
 *   {"version":1,"config":{"SCRAM-SHA-256":"salt=<b64>,stored_key=<b64>,
 *    server_key=<b64>,iterations=4096"}}
 * sk_scram_cred_parse()/_format() read and write the string,
 * sk_scram_user_config_parse()/_build() the znode JSON.
 *
 * Messages passed in are bytes with a length (not NUL-terminated); messages
 * returned are NUL-terminated, allocated, and freed by the caller. Error
 * texts never contain secrets.
 * @locality any (each object is used by one thread)
 */
#ifndef SK_SCRAM_H
#define SK_SCRAM_H
#include <stddef.h>
#include <stdint.h>

#define SK_SCRAM_MIN_ITERATIONS 4096
#define SK_SCRAM_MAX_ITERATIONS 16384
#define SK_SCRAM_MSG_MAX 4096
#define SK_SCRAM_NAME_MAX 255   /* user name, decoded */
#define SK_SCRAM_NONCE_MAX 255  /* client nonce */
#define SK_SCRAM_SALT_MAX 128
#define SK_SCRAM_KEY_MAX 64     /* SHA-512 */

typedef enum {
    SK_SCRAM_SHA_256 = 0,
    SK_SCRAM_SHA_512 = 1,
} sk_scram_mech_t;

/* "SCRAM-SHA-256" / "SCRAM-SHA-512". */
const char *sk_scram_mech_name(sk_scram_mech_t m);
/* The mechanism named (exact case, as Kafka), or -1. */
int sk_scram_mech_parse(const char *name);
/* Digest length: 32 or 64. */
size_t sk_scram_key_len(sk_scram_mech_t m);

typedef struct {
    sk_scram_mech_t mech;
    uint8_t salt[SK_SCRAM_SALT_MAX];
    size_t salt_len;
    uint8_t stored_key[SK_SCRAM_KEY_MAX];
    uint8_t server_key[SK_SCRAM_KEY_MAX];
    int iterations;
} sk_scram_cred_t;

/* Derive a credential from a password (PBKDF2 with HMAC, RFC 5802's
 * SaltedPassword, ClientKey, StoredKey and ServerKey). salt NULL: 32 random
 * bytes. Returns 0, SK_EINVAL for iterations out of range or a salt too
 * long, SK_EIO if OpenSSL fails. */
int sk_scram_cred_from_password(sk_scram_mech_t m, const char *password, const uint8_t *salt,
                                size_t salt_len, int iterations, sk_scram_cred_t *out);
/* The same from an already salted password (AlterUserScramCredentials
 * carries SaltedPassword, never the password): salted_len must be the
 * digest length, 1..SK_SCRAM_SALT_MAX salt bytes, iterations in range.
 * Returns 0, SK_EINVAL or SK_EIO. */
int sk_scram_cred_from_salted(sk_scram_mech_t m, const uint8_t *salted, size_t salted_len,
                              const uint8_t *salt, size_t salt_len, int iterations,
                              sk_scram_cred_t *out);
/* Parse "salt=..,stored_key=..,server_key=..,iterations=N" (every key once,
 * in any order, nothing else; standard base64; key lengths those of m).
 * Returns 0 or SK_EPARSE with a reason in err. */
int sk_scram_cred_parse(sk_scram_mech_t m, const char *text, sk_scram_cred_t *out, char *err,
                        size_t errlen);
/* Format as Kafka stores it (allocated). */
char *sk_scram_cred_format(const sk_scram_cred_t *c);

/* From the JSON of /config/users/<user>: the credential of mechanism m.
 * 0, SK_ENOENT when the user has none for m, SK_EPARSE with a reason. */
int sk_scram_user_config_parse(const char *json, size_t len, sk_scram_mech_t m,
                               sk_scram_cred_t *out, char *err, size_t errlen);
/* Build that JSON ({"version":1,"config":{...}}) from n credentials
 * (allocated). */
char *sk_scram_user_config_build(const sk_scram_cred_t *creds, int n);

/* The JSON of /config/users/<user> with the credentials creds[0..n) added
 * (replacing one of the same mechanism) and the mechanisms named in
 * del[0..ndel) removed; every other config (quotas) is kept. json NULL (no
 * znode yet): a new one. Returns it allocated, or NULL with a reason in err
 * (json that is not Kafka's config znode, or del naming something that is
 * not a SCRAM mechanism). */
char *sk_scram_user_config_update(const char *json, size_t len, const sk_scram_cred_t *creds,
                                  int n, const char *const *del, int ndel, char *err,
                                  size_t errlen);

/* ---- server ---- */

typedef enum {
    SK_SCRAM_S_CLIENT_FIRST = 0,
    SK_SCRAM_S_CREDENTIAL,
    SK_SCRAM_S_CLIENT_FINAL,
    SK_SCRAM_S_DONE,
    SK_SCRAM_S_FAILED,
} sk_scram_server_state_t;

typedef struct sk_scram_server_s sk_scram_server_t;

sk_scram_server_t *sk_scram_server_new(sk_scram_mech_t m);
void sk_scram_server_free(sk_scram_server_t *s);
sk_scram_server_state_t sk_scram_server_state(const sk_scram_server_t *s);
sk_scram_mech_t sk_scram_server_mech(const sk_scram_server_t *s);

/* Parse client-first-message. 0: *user points at the decoded user name
 * (valid while s lives). SK_EPARSE (malformed), SK_EINVAL (refused: channel
 * binding, authzid of someone else, tokenauth) or SK_ESTATE (wrong state),
 * with a reason in err; s is then FAILED. */
int sk_scram_server_client_first(sk_scram_server_t *s, const uint8_t *msg, size_t len,
                                 const char **user, char *err, size_t errlen);
/* Build server-first-message for the user's credential. cred NULL (no such
 * user, or none for this mechanism): SK_ENOENT and FAILED, as Kafka ends the
 * exchange there. server_nonce NULL: random (tests pass RFC values). */
int sk_scram_server_first(sk_scram_server_t *s, const sk_scram_cred_t *cred,
                          const char *server_nonce, char **out, size_t *outlen, char *err,
                          size_t errlen);
/* Check client-final-message; 0 with server-final-message ("v=...") in
 * *out and s DONE. SK_EINVAL for a wrong proof (bad password), a changed
 * nonce or channel binding; SK_EPARSE malformed; SK_ESTATE wrong state. */
int sk_scram_server_client_final(sk_scram_server_t *s, const uint8_t *msg, size_t len,
                                 char **out, size_t *outlen, char *err, size_t errlen);
/* The authenticated user name (DONE), else NULL. */
const char *sk_scram_server_user(const sk_scram_server_t *s);

/* ---- client ---- */

typedef struct sk_scram_client_s sk_scram_client_t;

/* nonce NULL: random. The user name is saslname-encoded when sent. */
sk_scram_client_t *sk_scram_client_new(sk_scram_mech_t m, const char *user, const char *password,
                                       const char *nonce);
void sk_scram_client_free(sk_scram_client_t *c);
/* client-first-message "n,,n=<user>,r=<nonce>". */
int sk_scram_client_first(sk_scram_client_t *c, char **out, size_t *outlen);
/* From server-first-message, client-final-message with the proof. */
int sk_scram_client_final(sk_scram_client_t *c, const uint8_t *msg, size_t len, char **out,
                          size_t *outlen, char *err, size_t errlen);
/* Check server-final-message: 0 when the server proved it knows the
 * credential, SK_EINVAL for a wrong signature or an "e=" error (in err). */
int sk_scram_client_verify(sk_scram_client_t *c, const uint8_t *msg, size_t len, char *err,
                           size_t errlen);

/* Standard base64 with padding (allocated, NUL-terminated). */
char *sk_b64_encode(const uint8_t *p, size_t n);
/* Strict decode (length a multiple of 4, padding only at the end, no other
 * characters) into out (room for cap bytes). Returns the length or -1. */
long sk_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap);

#endif
