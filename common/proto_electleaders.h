/* proto_electleaders.h - ElectLeaders (key 43), versions 0-2 (2 flexible).
 *
 * Admin client -> controller: elect leaders for partitions.
 * Request: ElectionType (v1+; int8: 0 preferred, 1 unclean; v0 decodes as
 * preferred), TopicPartitions (nullable: null = every partition)
 * [{Topic, Partitions[int32]}], TimeoutMs.
 * Response: ThrottleTimeMs, ErrorCode (v1+), ReplicaElectionResults
 * [{Topic, PartitionResult[{PartitionId, ErrorCode, ErrorMessage
 * (nullable)}]}].
 * @locality any
 */
#ifndef SK_PROTO_ELECTLEADERS_H
#define SK_PROTO_ELECTLEADERS_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_ELECTLEADERS_MIN_VER 0
#define SK_ELECTLEADERS_MAX_VER 2
#define SK_ELECTLEADERS_FLEX_VER 2

#define SK_ELECTION_PREFERRED 0
#define SK_ELECTION_UNCLEAN 1

/* Its wire error codes: SK_KERR_PREFERRED_LEADER_NOT_AVAILABLE,
 * SK_KERR_ELIGIBLE_LEADERS_NOT_AVAILABLE, SK_KERR_ELECTION_NOT_NEEDED (kerr.h). */

typedef struct sk_electleaders_req_topic {
    sk_str_t Topic;
    int32_t *Partitions;
    int32_t PartitionsCnt;
} sk_electleaders_req_topic_t;

typedef struct sk_electleaders_req {
    int8_t ElectionType;                     /* v1+; 0 at v0 */
    sk_electleaders_req_topic_t *TopicPartitions;
    int32_t TopicPartitionsCnt;              /* -1 = null (all partitions) */
    int32_t TimeoutMs;
} sk_electleaders_req_t;

typedef struct sk_electleaders_partition_result {
    int32_t PartitionId;
    int16_t ErrorCode;
    sk_str_t ErrorMessage;                   /* nullable */
} sk_electleaders_partition_result_t;

typedef struct sk_electleaders_result {
    sk_str_t Topic;
    sk_electleaders_partition_result_t *PartitionResult;
    int32_t PartitionResultCnt;
} sk_electleaders_result_t;

typedef struct sk_electleaders_resp {
    int32_t ThrottleTimeMs;
    int16_t ErrorCode;                       /* v1+ */
    sk_electleaders_result_t *ReplicaElectionResults;
    int32_t ReplicaElectionResultsCnt;
} sk_electleaders_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-2; nothing read). An ElectionType
 * other than 0/1 is decoded as sent (the handler rejects it).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count where not nullable, null non-nullable string, ElectionType other
 * than 0 at v0), in which case w is left as it was. */
int sk_electleaders_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_electleaders_req_t *out);
int sk_electleaders_req_encode(sk_wr_t *w, int16_t version, const sk_electleaders_req_t *req);
int sk_electleaders_resp_encode(sk_wr_t *w, int16_t version, const sk_electleaders_resp_t *resp);
int sk_electleaders_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_electleaders_resp_t *out);

#endif
