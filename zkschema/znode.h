/* znode.h - Kafka's ZooKeeper paths and znode JSON, encode and decode.
 *
 * Pure functions, no I/O. Encoders produce the bytes a Scala 2.13 Kafka
 * broker writes (compact JSON, Kafka's key order; spec zookeeper-layout.md
 * section 5). Decoders accept any key order, ignore unknown keys and return
 * SK_EPARSE for malformed JSON, wrong types, missing required fields or
 * numbers out of range, with a one-line reason in err.
 *
 * Ownership: every encoder returns a NUL-terminated string allocated with
 * malloc (free() it). Decoded structs own their memory; release them with the
 * matching *_clear() function, which also accepts a zeroed struct.
 * @locality any
 */
#ifndef SK_ZNODE_H
#define SK_ZNODE_H
#include <stddef.h>
#include <stdint.h>

/* ---- paths ---------------------------------------------------------- */

#define SK_ZNODE_CLUSTER_ID "/cluster/id"
#define SK_ZNODE_CONTROLLER "/controller"
#define SK_ZNODE_CONTROLLER_EPOCH "/controller_epoch"
#define SK_ZNODE_BROKER_IDS "/brokers/ids"
#define SK_ZNODE_BROKER_TOPICS "/brokers/topics"
#define SK_ZNODE_TOPIC_CONFIGS "/config/topics"
#define SK_ZNODE_DELETE_TOPICS "/admin/delete_topics"

/* The paths every broker creates at startup (null data, parents too),
 * in Kafka's order. */
extern const char *const sk_znode_top_level_paths[];
extern const int sk_znode_n_top_level_paths;

/* "/brokers/ids/<id>" etc. Returned strings are malloc'd. The topic name is
 * used as given; validate it first with sk_topic_name_valid(). */
char *sk_znode_broker_path(int32_t broker_id);
char *sk_znode_topic_path(const char *topic);
char *sk_znode_partitions_path(const char *topic);
char *sk_znode_partition_path(const char *topic, int32_t partition);
char *sk_znode_partition_state_path(const char *topic, int32_t partition);
char *sk_znode_topic_config_path(const char *topic);
char *sk_znode_delete_topic_path(const char *topic);

/* ---- names and ids -------------------------------------------------- */

#define SK_TOPIC_NAME_MAX 249
#define SK_UUID_B64_LEN 22 /* url-safe base64 of 16 bytes, no padding */

/* 0 if name is a legal Kafka topic name ([a-zA-Z0-9._-], 1..249 chars,
 * not "." or ".."); SK_EINVAL with the reason otherwise. */
int sk_topic_name_valid(const char *name, char *err, size_t errlen);

/* A fresh random Kafka Uuid (version 4 bits set, never all-zero, never the
 * reserved metadata id, never starting with '-') as 22 url-safe base64
 * characters plus NUL. Used for topic ids and the cluster id. Returns 0 or
 * SK_EIO if the system RNG fails. */
int sk_znode_uuid_generate(char out[SK_UUID_B64_LEN + 1]);
/* Decode a 22-char url-safe base64 Uuid into 16 bytes; 0 or SK_EPARSE. */
int sk_znode_uuid_decode(const char *s, uint8_t out[16]);
/* Encode 16 bytes as 22 url-safe base64 characters plus NUL. */
void sk_znode_uuid_encode(const uint8_t in[16], char out[SK_UUID_B64_LEN + 1]);

/* ---- /cluster/id ---------------------------------------------------- */

/* {"version":"1","id":"<id>"} */
char *sk_znode_cluster_id_encode(const char *cluster_id);
/* *id_out gets a malloc'd copy of "id" (required, non-empty string). */
int sk_znode_cluster_id_decode(const char *data, size_t len, char **id_out, char *err,
                               size_t errlen);

/* ---- /brokers/ids/<id> ---------------------------------------------- */

typedef struct sk_znode_endpoint {
    const char *listener; /* listener name, e.g. "PLAINTEXT", "INTERNAL" */
    const char *protocol; /* PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL */
    const char *host;     /* may be NULL (written as "LISTENER://:port") */
    int32_t port;
} sk_znode_endpoint_t;

/* Encoder input and decoder output. In decoded structs every string and the
 * endpoints array are owned by the struct (sk_znode_broker_clear). */
typedef struct sk_znode_broker {
    int32_t version; /* decode: 1..5 as stored; encode: always writes 5 */
    sk_znode_endpoint_t *endpoints;
    int n_endpoints;
    const char *rack; /* NULL = no rack key */
    int32_t jmx_port; /* -1 = unset */
    int64_t timestamp;
    /* decode only: legacy host/port fields (host NULL when JSON null) */
    const char *host;
    int32_t port;
} sk_znode_broker_t;

/* v5 JSON. host/port come from the first endpoint whose protocol is
 * PLAINTEXT, else null/-1. */
char *sk_znode_broker_encode(const sk_znode_broker_t *b);
/* Requires "version" and "jmx_port", and "endpoints" for version >= 2.
 * Endpoint protocols come from listener_security_protocol_map when present
 * (else protocol = listener name). Version 1 nodes yield one PLAINTEXT
 * endpoint from host/port. */
int sk_znode_broker_decode(const char *data, size_t len, sk_znode_broker_t *out, char *err,
                           size_t errlen);
void sk_znode_broker_clear(sk_znode_broker_t *b);

/* ---- /latest_producer_id_block -------------------------------------- */

#define SK_ZNODE_PRODUCER_ID_BLOCK "/latest_producer_id_block"
#define SK_PRODUCER_ID_BLOCK_SIZE 1000

/* {"version":1,"broker":B,"block_start":"S","block_end":"E"}: the last
 * block of producer ids handed out (an inclusive range, numbers as
 * strings), and the broker that took it. */
typedef struct sk_znode_pid_block {
    int32_t broker;
    int64_t start, end;
} sk_znode_pid_block_t;

char *sk_znode_pid_block_encode(const sk_znode_pid_block_t *b);
/* SK_EPARSE (err says why) unless start/end are decimal strings (or
 * numbers) with 0 <= start <= end. */
int sk_znode_pid_block_decode(const char *data, size_t len, sk_znode_pid_block_t *out, char *err,
                              size_t errlen);

/* ---- /controller and /controller_epoch ------------------------------ */

typedef struct sk_znode_controller {
    int32_t version;   /* 1 or 2 (0 if absent) */
    int32_t broker_id; /* required */
    int64_t timestamp; /* -1 if absent */
    int32_t kraft_controller_epoch; /* -1 if absent */
} sk_znode_controller_t;

/* {"version":1,"brokerid":N,"timestamp":"ms"} */
char *sk_znode_controller_encode(int32_t broker_id, int64_t timestamp);
int sk_znode_controller_decode(const char *data, size_t len, sk_znode_controller_t *out,
                               char *err, size_t errlen);
/* Plain decimal text, e.g. "1". */
char *sk_znode_controller_epoch_encode(int32_t epoch);
/* Accepts only decimal digits (no sign, no spaces), value <= INT32_MAX. */
int sk_znode_controller_epoch_decode(const char *data, size_t len, int32_t *epoch, char *err,
                                     size_t errlen);

/* ---- /brokers/topics/<t> -------------------------------------------- */

typedef struct sk_znode_replicas {
    int32_t partition;
    int32_t *replicas;
    int n_replicas;
} sk_znode_replicas_t;

typedef struct sk_znode_topic {
    int32_t version;  /* decode: 1..3; encode: always 3 */
    char *topic_id;   /* NULL = not assigned (key omitted) */
    /* partitions[i].partition == i for every i (decoder guarantees it,
     * encoder requires it) */
    sk_znode_replicas_t *partitions;
    int n_partitions;
    sk_znode_replicas_t *adding; /* any partition ids, each at most once */
    int n_adding;
    sk_znode_replicas_t *removing;
    int n_removing;
} sk_znode_topic_t;

/* v3 JSON: partitions, [topic_id], adding_replicas, removing_replicas,
 * version; inner map keys in Scala 2.13 HashMap order. NULL if partitions
 * are not 0..n-1 or n == 0. */
char *sk_znode_topic_encode(const sk_znode_topic_t *t);
int sk_znode_topic_decode(const char *data, size_t len, sk_znode_topic_t *out, char *err,
                          size_t errlen);
void sk_znode_topic_clear(sk_znode_topic_t *t);

/* ---- /brokers/topics/<t>/partitions/<p>/state ----------------------- */

typedef struct sk_znode_pstate {
    int32_t controller_epoch;
    int32_t leader; /* -1 = no leader */
    int32_t leader_epoch;
    int32_t *isr;
    int n_isr;
    int32_t leader_recovery_state; /* 0 recovered (key omitted), 1 recovering */
} sk_znode_pstate_t;

char *sk_znode_pstate_encode(const sk_znode_pstate_t *s);
/* Requires leader, leader_epoch, isr, controller_epoch. */
int sk_znode_pstate_decode(const char *data, size_t len, sk_znode_pstate_t *out, char *err,
                           size_t errlen);
void sk_znode_pstate_clear(sk_znode_pstate_t *s);

/* ---- /config/<type>/<entity> ---------------------------------------- */

typedef struct sk_znode_config {
    char **keys;
    char **values;
    int n;
} sk_znode_config_t;

/* {"version":1,"config":{...}} with keys in the given order. */
char *sk_znode_config_encode(const char *const *keys, const char *const *values, int n);
/* NULL data (len 0 or data NULL) and a missing "config" give an empty
 * config; non-string values are SK_EPARSE. */
int sk_znode_config_decode(const char *data, size_t len, sk_znode_config_t *out, char *err,
                           size_t errlen);
void sk_znode_config_clear(sk_znode_config_t *c);
/* The value of key, or NULL when c is NULL or has no such key. */
const char *sk_znode_config_get(const sk_znode_config_t *c, const char *key);

/* ---- /config/changes/config_change_NNNNNNNNNN ------------------------ */

#define SK_ZNODE_CONFIG_CHANGES "/config/changes"
#define SK_ZNODE_CONFIG_CHANGE_PREFIX "config_change_"

/* Version 2: {"version":2,"entity_path":"<type>/<name>"}. */
char *sk_znode_config_change_encode(const char *entity_type, const char *entity_name);
/* Version 2 (entity_path), or the legacy version 1
 * ({"version":1,"entity_type":"topics","entity_name":"foo"}). The path is
 * split at its first '/': "users/alice/clients/app" gives type "users" and
 * name "alice/clients/app". Refused (SK_EPARSE): another version, a missing
 * or non-string field, an empty type or name, a type that is not one of
 * topics, brokers, users, clients, ips, a name with an empty, "." or ".."
 * segment, and a name with '/' that is not <user>/clients/<client> under
 * users. *type and *name are malloc'd. */
int sk_znode_config_change_decode(const char *data, size_t len, char **type, char **name,
                                  char *err, size_t errlen);
/* The sequence number of a child of /config/changes, or -1 when the name
 * is not config_change_<digits>. */
long long sk_znode_config_change_seq(const char *child);

/* ---- Scala 2.13 mutable.HashMap iteration order --------------------- */

/* Reorder keys[0..n) (given in insertion order) into the iteration order of
 * a Scala 2.13 mutable.HashMap that started with capacity initial_size (a
 * power of two) and grew as entries were inserted. order[i] receives the
 * index into keys of the i-th key iterated. */
void sk_znode_hashmap_order(const char *const *keys, int n, int initial_size, int *order);

#endif
