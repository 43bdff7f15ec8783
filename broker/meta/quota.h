/* quota.h - client quotas (KIP-13, KIP-55, KIP-124): the store of quota
 * entities and the rate sensors that enforce them. Pure: no ZooKeeper, no
 * sockets (meta/quota_zk.h fills the store; the API handlers record).
 *
 * An entity is a user, a client id, or both, each either a name or Kafka's
 * <default>, as the znodes /config/users/<u>, /config/clients/<c> and
 * /config/users/<u>/clients/<c> hold them. Each entity may set any of
 * producer_byte_rate, consumer_byte_rate and request_percentage.
 *
 * Which quota applies to a (user, client id), for each kind on its own, is
 * the first entity that sets that kind, in Kafka's order:
 *   1 /config/users/<user>/clients/<client-id>
 *   2 /config/users/<user>/clients/<default>
 *   3 /config/users/<user>
 *   4 /config/users/<default>/clients/<client-id>
 *   5 /config/users/<default>/clients/<default>
 *   6 /config/users/<default>
 *   7 /config/clients/<client-id>
 *   8 /config/clients/<default>
 * and usage is measured for the group that entity covers, as Kafka's metric
 * tags: levels 1, 2, 4 and 5 per (user, client id), 3 and 6 per user (all
 * its clients together), 7 and 8 per client id (all users together).
 *
 * A sensor is Kafka's sampled rate: quota.window.num samples of
 * quota.window.size.seconds each; the rate is what the live samples hold
 * over the time since the oldest began, counted as at least num - 1 whole
 * windows. When a recorded value takes the rate above the bound, the
 * throttle time is (rate - bound) / bound x that window, at most num
 * windows (Kafka's bound).
 *
 * Cost: with no entity setting a kind, recording that kind is one
 * comparison (no lookup, no allocation); otherwise at most eight hash
 * lookups and, the first time a group is seen, one sensor allocation.
 * Sensors unused for num windows are freed as others are created.
 * @locality loop
 */
#ifndef SK_QUOTA_H
#define SK_QUOTA_H
#include <stddef.h>
#include <stdint.h>

typedef enum {
    SK_QUOTA_PRODUCE = 0, /* producer_byte_rate: bytes/s of Produce requests */
    SK_QUOTA_FETCH = 1,   /* consumer_byte_rate: bytes/s of Fetch responses */
    SK_QUOTA_REQUEST = 2, /* request_percentage: % of one thread's time */
    SK_QUOTA_KINDS = 3,
} sk_quota_kind_t;

/* The name of an entity's user or client part: absent, Kafka's <default>,
 * or a name (raw, not sanitized). */
typedef enum { SK_QUOTA_NONE = 0, SK_QUOTA_DEFAULT = 1, SK_QUOTA_NAME = 2 } sk_quota_part_t;

typedef struct sk_quota_entity {
    sk_quota_part_t user_part, client_part;
    const char *user, *client; /* NAME only; NUL-terminated */
} sk_quota_entity_t;

typedef struct sk_quota_s sk_quota_t;

/* Kafka's key of a kind ("producer_byte_rate", ...). */
const char *sk_quota_key(sk_quota_kind_t k);
/* The kind of a key, or -1 for any other key. */
int sk_quota_key_kind(const char *key, size_t len);

sk_quota_t *sk_quota_new(int window_num, int window_ms);
void sk_quota_free(sk_quota_t *q);

/* Replace an entity's quotas: v[k] >= 0 sets kind k, v[k] < 0 leaves it
 * unset; with nothing set the entity is removed. SK_OK, or SK_EINVAL for an
 * entity with neither part. */
int sk_quota_set(sk_quota_t *q, const sk_quota_entity_t *e, const double v[SK_QUOTA_KINDS]);
/* An entity's quotas into v (-1 where unset); 1 if it has any, else 0. */
int sk_quota_get(const sk_quota_t *q, const sk_quota_entity_t *e, double v[SK_QUOTA_KINDS]);
/* Entities with a quota, and the i-th of them (in no particular order;
 * valid until the store changes). */
int sk_quota_count(const sk_quota_t *q);
void sk_quota_at(const sk_quota_t *q, int i, sk_quota_entity_t *e, double v[SK_QUOTA_KINDS]);
/* Entities setting kind k (0: recording k costs nothing). */
int sk_quota_kind_count(const sk_quota_t *q, sk_quota_kind_t k);

/* Which quota applies to (user, client) for kind k: the bound, or -1 when
 * none; level (1..8, 0 none) when not NULL. user is the principal's name
 * (without "User:"), client the request's client id; both may be empty. */
double sk_quota_bound(const sk_quota_t *q, sk_quota_kind_t k, const char *user, size_t ulen,
                      const char *client, size_t clen, int *level);

/* Record value (bytes; for SK_QUOTA_REQUEST the time in microseconds) for
 * (user, client) at now_ms (monotonic) and return the throttle time in ms
 * (0 when within the quota or none applies). */
int32_t sk_quota_record(sk_quota_t *q, sk_quota_kind_t k, const char *user, size_t ulen,
                        const char *client, size_t clen, double value, int64_t now_ms);
/* Take back value recorded a moment ago (Kafka's unrecord: a Fetch answer
 * that was throttled is sent without its records, so they do not count). */
void sk_quota_unrecord(sk_quota_t *q, sk_quota_kind_t k, const char *user, size_t ulen,
                       const char *client, size_t clen, double value, int64_t now_ms);
/* The measured rate of (user, client)'s group for kind k (bytes/s or
 * percent), 0 when nothing is measured. */
double sk_quota_rate(sk_quota_t *q, sk_quota_kind_t k, const char *user, size_t ulen,
                     const char *client, size_t clen, int64_t now_ms);
/* Throttles handed out and their total ms, per kind (for /metrics). */
void sk_quota_throttled(const sk_quota_t *q, sk_quota_kind_t k, uint64_t *count,
                        uint64_t *total_ms);

/* ---- znodes ---- */

/* Parse an entity path relative to /config ("users/alice",
 * "users/%3Cx%3E/clients/<default>", "clients/app", Kafka's sanitized
 * names) into e, whose names are written to buf. SK_OK, or SK_EPARSE. */
int sk_quota_entity_parse(const char *path, sk_quota_entity_t *e, char *buf, size_t buflen);
/* The entity's znode path relative to /config, names sanitized as Kafka's
 * Sanitizer does (URL encoding, "%20" for a space, "%2A" for '*'); malloc'd. */
char *sk_quota_entity_path(const sk_quota_entity_t *e);
/* Kafka's sanitized form of a name (malloc'd) and back (SK_EPARSE for a
 * bad escape). */
char *sk_quota_sanitize(const char *name, size_t len);
int sk_quota_desanitize(const char *s, char *out, size_t outlen);

/* The quota values of an entity znode ({"version":1,"config":{...}}): v[k]
 * from the config's string values, -1 where a kind is missing. Other keys
 * (SCRAM credentials) are ignored. SK_OK; SK_EPARSE for malformed JSON or a
 * quota value that is not a number >= 0 (err says which). */
int sk_quota_znode_parse(const char *data, size_t len, double v[SK_QUOTA_KINDS], char *err,
                         size_t errlen);
/* The znode JSON after setting v[k] >= 0, removing kinds with remove[k],
 * and keeping every other key of the old data (NULL: none) as it was.
 * Byte rates are written as integers, request_percentage as a decimal (as
 * Kafka writes them). NULL with err when the old data is malformed; *empty
 * is set when the config is left with no key at all. */
char *sk_quota_znode_update(const char *old, size_t len, const double v[SK_QUOTA_KINDS],
                            const int remove[SK_QUOTA_KINDS], int *empty, char *err,
                            size_t errlen);

#endif
