/* proto_createtopics.h - CreateTopics (key 19), versions 0-4 (none flexible).
 *
 * NumPartitions / ReplicationFactor -1 (v4+) mean "broker default";
 * Assignments, when non-empty, give the replicas explicitly (then both
 * counts must be -1). ValidateOnly v1+. Response: ErrorMessage v1+,
 * ThrottleTimeMs v2+ (first field); v3 and v4 add no response fields.
 * @locality any
 */
#ifndef SK_PROTO_CREATETOPICS_H
#define SK_PROTO_CREATETOPICS_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

typedef struct sk_createtopics_assignment {
    int32_t PartitionIndex;
    int32_t *BrokerIds;
    int32_t BrokerIdsCnt;
} sk_createtopics_assignment_t;

typedef struct sk_createtopics_config {
    sk_str_t Name;
    sk_str_t Value;                  /* nullable */
} sk_createtopics_config_t;

typedef struct sk_createtopics_topic {
    sk_str_t Name;
    int32_t NumPartitions;
    int16_t ReplicationFactor;
    sk_createtopics_assignment_t *Assignments;
    int32_t AssignmentsCnt;
    sk_createtopics_config_t *Configs;
    int32_t ConfigsCnt;
} sk_createtopics_topic_t;

typedef struct sk_createtopics_req {
    sk_createtopics_topic_t *Topics;
    int32_t TopicsCnt;
    int32_t TimeoutMs;               /* schema name "timeoutMs" */
    int ValidateOnly;                /* v1+, schema name "validateOnly" */
} sk_createtopics_req_t;

typedef struct sk_createtopics_result {
    sk_str_t Name;
    int16_t ErrorCode;
    sk_str_t ErrorMessage;           /* v1+, nullable */
} sk_createtopics_result_t;

typedef struct sk_createtopics_resp {
    int32_t ThrottleTimeMs;          /* v2+ */
    sk_createtopics_result_t *Topics;
    int32_t TopicsCnt;
} sk_createtopics_resp_t;

/* Decoders: SK_OK, SK_EPARSE, or SK_EINVAL (version outside 0-4).
 * Encoders: SK_OK or SK_EINVAL. */
int sk_createtopics_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_createtopics_req_t *out);
int sk_createtopics_req_encode(sk_wr_t *w, int16_t version, const sk_createtopics_req_t *req);
int sk_createtopics_resp_encode(sk_wr_t *w, int16_t version, const sk_createtopics_resp_t *resp);
int sk_createtopics_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_createtopics_resp_t *out);

#endif
