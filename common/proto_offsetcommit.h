/* proto_offsetcommit.h - OffsetCommit (key 8), versions 2-7 (not flexible;
 * the schema's first flexible version is 8).
 *
 * Consumer -> group coordinator: store committed offsets for a group.
 * Request: GroupId, GenerationIdOrMemberEpoch (the generation; -1 with an
 * empty MemberId for a standalone assign() consumer), MemberId,
 * GroupInstanceId (v7+, nullable), RetentionTimeMs (v2-4; -1 = broker
 * default), Topics[{Name, Partitions[{PartitionIndex, CommittedOffset,
 * CommittedLeaderEpoch (v6+), CommittedMetadata (nullable)}]}].
 * Response: ThrottleTimeMs (v3+), Topics[{Name, Partitions[{PartitionIndex,
 * ErrorCode}]}]. (CommitTimestamp exists only at v1, below this range.)
 *
 * Absent fields decode as their schema defaults: RetentionTimeMs -1 (v5+),
 * CommittedLeaderEpoch -1 (below v6), GroupInstanceId null (below v7).
 * Encoders reject a negative Cnt, a null GroupId/MemberId/Name with
 * SK_EINVAL, and the request encoder a non-empty GroupInstanceId below v7
 * (not ignorable; null or "" is left out). RetentionTimeMs and
 * CommittedLeaderEpoch are ignorable and dropped where the version lacks
 * them, as is ThrottleTimeMs at v2. Strings are views into the decoded
 * bytes; arrays come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_OFFSETCOMMIT_H
#define SK_PROTO_OFFSETCOMMIT_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_OFFSETCOMMIT_MIN_VER 2
#define SK_OFFSETCOMMIT_MAX_VER 7
#define SK_OFFSETCOMMIT_FLEX_VER 8 /* not reached by this range */

typedef struct sk_offsetcommit_req_partition {
    int32_t PartitionIndex;
    int64_t CommittedOffset;
    int32_t CommittedLeaderEpoch;    /* v6+; -1 = unknown */
    sk_str_t CommittedMetadata;      /* nullable */
} sk_offsetcommit_req_partition_t;

typedef struct sk_offsetcommit_req_topic {
    sk_str_t Name;
    sk_offsetcommit_req_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_offsetcommit_req_topic_t;

typedef struct sk_offsetcommit_req {
    sk_str_t GroupId;
    int32_t GenerationIdOrMemberEpoch;
    sk_str_t MemberId;
    sk_str_t GroupInstanceId;        /* v7+, nullable */
    int64_t RetentionTimeMs;         /* v2-4; -1 = broker default */
    sk_offsetcommit_req_topic_t *Topics;
    int32_t TopicsCnt;
} sk_offsetcommit_req_t;

typedef struct sk_offsetcommit_resp_partition {
    int32_t PartitionIndex;
    int16_t ErrorCode;
} sk_offsetcommit_resp_partition_t;

typedef struct sk_offsetcommit_resp_topic {
    sk_str_t Name;
    sk_offsetcommit_resp_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_offsetcommit_resp_topic_t;

typedef struct sk_offsetcommit_resp {
    int32_t ThrottleTimeMs;          /* v3+ */
    sk_offsetcommit_resp_topic_t *Topics;
    int32_t TopicsCnt;
} sk_offsetcommit_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 2-7; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (see above), in which
 * case w is left as it was. */
int sk_offsetcommit_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_offsetcommit_req_t *out);
int sk_offsetcommit_req_encode(sk_wr_t *w, int16_t version, const sk_offsetcommit_req_t *req);
int sk_offsetcommit_resp_encode(sk_wr_t *w, int16_t version, const sk_offsetcommit_resp_t *resp);
int sk_offsetcommit_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_offsetcommit_resp_t *out);

#endif
