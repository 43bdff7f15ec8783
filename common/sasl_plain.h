/* sasl_plain.h - SASL PLAIN (RFC 4616) and Kafka's JAAS configuration line.
 *
 * PLAIN: the client's single message is authzid NUL authcid NUL passwd.
 * sk_sasl_plain_parse() is strict: exactly two NULs, every field at most
 * SK_SASL_PLAIN_FIELD_MAX bytes of UTF-8, a non-empty user (authcid) and
 * password, and an authzid that is empty or equal to the user (Kafka refuses
 * acting as someone else the same way). sk_sasl_plain_check() also looks the
 * user up in a JAAS user table and compares the password in constant time.
 *
 * JAAS: Kafka configures SASL with one login module per listener and
 * mechanism, e.g. (one line in the properties file)
 *
 *   org.apache.kafka.common.security.plain.PlainLoginModule required
 *       username="admin" password="admin-secret"
 *       user_admin="admin-secret" user_alice="alice-secret";
 *
 * sk_jaas_parse() reads exactly one such module: its class name, its flag
 * (required, requisite, sufficient or optional), then options name=value
 * (value quoted with "..." and backslash escapes, or a bare word), and the
 * closing ';'. Java-style comments (slash-slash to end of line, slash-star
 * ... star-slash) are skipped, as Kafka's parser does. A duplicated option
 * is refused (Kafka keeps the last one silently; a typo is likelier than
 * intent). username/password are the broker's own credentials for
 * connections to other brokers; every user_<name>="<password>" option is a
 * user PLAIN accepts.
 * @locality any (values are owned by the caller)
 */
#ifndef SK_SASL_PLAIN_H
#define SK_SASL_PLAIN_H
#include <stddef.h>
#include <stdint.h>

/* RFC 4616: authzid, authcid and passwd are each 1..255 octets. */
#define SK_SASL_PLAIN_FIELD_MAX 255
/* A JAAS line longer than this is refused (it is one config value). */
#define SK_JAAS_MAX 65536

typedef struct {
    char *name;
    char *value;
} sk_jaas_opt_t;

typedef struct {
    char *login_module;   /* class name as written */
    char *flag;           /* required, requisite, sufficient or optional */
    sk_jaas_opt_t *opts;  /* in the order written */
    int n_opts;
} sk_jaas_t;

/* Parse text (NUL-terminated) into *out. Returns 0, or SK_EPARSE with the
 * reason (and position) in err and *out empty. */
int sk_jaas_parse(const char *text, sk_jaas_t *out, char *err, size_t errlen);
void sk_jaas_free(sk_jaas_t *j);
/* The value of option `name` (exact case, as Java's map), or NULL. */
const char *sk_jaas_opt(const sk_jaas_t *j, const char *name);
/* The password of PLAIN user `user` (option user_<user>), or NULL. */
const char *sk_jaas_user_password(const sk_jaas_t *j, const char *user);
/* How many user_<name> options j has. */
int sk_jaas_user_count(const sk_jaas_t *j);

typedef struct {
    /* NUL-terminated copies of the three fields; an absent authzid is "". */
    char authzid[SK_SASL_PLAIN_FIELD_MAX + 1];
    char user[SK_SASL_PLAIN_FIELD_MAX + 1];
    char password[SK_SASL_PLAIN_FIELD_MAX + 1];
} sk_sasl_plain_t;

/* Parse a PLAIN message (len bytes, not NUL-terminated). Returns 0, or
 * SK_EPARSE with a reason in err (never containing the password). */
int sk_sasl_plain_parse(const uint8_t *msg, size_t len, sk_sasl_plain_t *out, char *err,
                        size_t errlen);

/* Authenticate a PLAIN message against the user_<name> options of users:
 * 0 with the user name in user (at most SK_SASL_PLAIN_FIELD_MAX + 1 bytes
 * needed), SK_EPARSE for a malformed message, SK_EINVAL for an unknown
 * user or a wrong password (the same message for both, as Kafka: "Invalid
 * username or password"). The user name is filled in whenever the message
 * could be parsed, so that a failure can be logged with it. */
int sk_sasl_plain_check(const sk_jaas_t *users, const uint8_t *msg, size_t len, char *user,
                        size_t userlen, char *err, size_t errlen);

/* Whether p[0..n) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF). SASL names and passwords must be. */
int sk_sasl_utf8_valid(const uint8_t *p, size_t n);

/* Overwrite a parsed message's password (call when done with it). */
void sk_sasl_plain_wipe(sk_sasl_plain_t *p);

#endif
