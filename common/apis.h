/* apis.h - the table of Kafka APIs Skein speaks.
 *
 * One row per API: key, Kafka's name, the version range Skein implements and
 * advertises in ApiVersions, the API's first flexible version (KIP-482, the
 * schema's "flexibleVersions"; -1 = never flexible), Kafka 3.7's valid range
 * and the message descriptors. The rows are generated from
 * common/schema/apis.schema (proto_gen.c), the one place a range is written;
 * the broker's handler for each key comes from the same file
 * (SK_API_HANDLERS in proto_gen.h). Adding an API is an entry in the schema
 * plus its handler.
 *
 * Unit tests (check_apis, check_schema) check every row against the
 * reference schemas.
 * @locality any (the table is constant)
 */
#ifndef SK_APIS_H
#define SK_APIS_H
#include <stddef.h>
#include <stdint.h>

struct sk_msgdesc;

/* Kafka API keys (the ones Skein implements or is expected to). */
enum {
    SK_API_PRODUCE = 0,
    SK_API_FETCH = 1,
    SK_API_LIST_OFFSETS = 2,
    SK_API_METADATA = 3,
    SK_API_LEADER_AND_ISR = 4,
    SK_API_STOP_REPLICA = 5,
    SK_API_UPDATE_METADATA = 6,
    SK_API_CONTROLLED_SHUTDOWN = 7,
    SK_API_OFFSET_COMMIT = 8,
    SK_API_OFFSET_FETCH = 9,
    SK_API_FIND_COORDINATOR = 10,
    SK_API_JOIN_GROUP = 11,
    SK_API_HEARTBEAT = 12,
    SK_API_LEAVE_GROUP = 13,
    SK_API_SYNC_GROUP = 14,
    SK_API_DESCRIBE_GROUPS = 15,
    SK_API_LIST_GROUPS = 16,
    SK_API_SASL_HANDSHAKE = 17,
    SK_API_API_VERSIONS = 18,
    SK_API_CREATE_TOPICS = 19,
    SK_API_DELETE_TOPICS = 20,
    SK_API_DELETE_RECORDS = 21,
    SK_API_INIT_PRODUCER_ID = 22,
    SK_API_OFFSET_FOR_LEADER_EPOCH = 23,
    SK_API_ADD_PARTITIONS_TO_TXN = 24,
    SK_API_ADD_OFFSETS_TO_TXN = 25,
    SK_API_END_TXN = 26,
    SK_API_WRITE_TXN_MARKERS = 27,
    SK_API_TXN_OFFSET_COMMIT = 28,
    SK_API_DESCRIBE_ACLS = 29,
    SK_API_CREATE_ACLS = 30,
    SK_API_DELETE_ACLS = 31,
    SK_API_DESCRIBE_CONFIGS = 32,
    SK_API_ALTER_CONFIGS = 33,
    SK_API_SASL_AUTHENTICATE = 36,
    SK_API_CREATE_PARTITIONS = 37,
    SK_API_DELETE_GROUPS = 42,
    SK_API_ELECT_LEADERS = 43,
    SK_API_OFFSET_DELETE = 47,
    SK_API_ALTER_PARTITION = 56,
    SK_API_DESCRIBE_CLUSTER = 60,
};

typedef struct sk_api {
    int16_t key;
    const char *name;  /* Kafka's name, e.g. "Produce" (schema file <name>Request.json) */
    int16_t min_ver;   /* lowest version implemented and advertised */
    int16_t max_ver;   /* highest version implemented and advertised */
    int16_t flex_ver;  /* first flexible version; -1 = none */
    int16_t valid_min; /* Kafka 3.7's validVersions */
    int16_t valid_max;
    const struct sk_msgdesc *req;  /* request and response descriptors (msgcodec.h) */
    const struct sk_msgdesc *resp;
    int generated;     /* 1: the generated codec is the API's codec; 0: a
                        * hand-written proto_<api>.c still is, and [min_ver,
                        * max_ver] is its (narrower) range */
} sk_api_t;

/* The generated rows (proto_gen.c), ascending keys; use the functions. */
extern const sk_api_t sk_api_rows[];
extern const size_t sk_api_nrows;

/* The row for key, or NULL if Skein does not implement that API. */
const sk_api_t *sk_api_find(int16_t key);
/* 1 if (key, version) is implemented (inside [min_ver, max_ver]), else 0. */
int sk_api_supported(int16_t key, int16_t version);
/* 1 if that version of the API uses the flexible encoding (compact types,
 * tag sections, request header v2 / response header v1). Depends only on the
 * key's first flexible version, so it also answers for versions above our
 * maximum (e.g. a too-new ApiVersions request). Unknown key: 0. */
int sk_api_flexible(int16_t key, int16_t version);
/* Kafka's name for any API key, known to Skein or not ("Unknown" otherwise).
 * For log lines. */
const char *sk_api_name(int16_t key);
/* Iteration for ApiVersions: number of rows, and row i (0 <= i < count), in
 * ascending key order. */
size_t sk_api_count(void);
const sk_api_t *sk_api_at(size_t i);

#endif
