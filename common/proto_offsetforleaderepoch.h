/* proto_offsetforleaderepoch.h - OffsetForLeaderEpoch (key 23), versions 2-4
 * (4 flexible).
 *
 * Follower (or consumer) -> leader: "where does leader epoch E end in your
 * log?", used to truncate a diverging follower log before fetching.
 * Request: ReplicaId (v3+; ignorable: dropped at v2 and decoded there as -2,
 * the schema default), Topics[{Topic, Partitions[{Partition,
 * CurrentLeaderEpoch, LeaderEpoch}]}]. Response: ThrottleTimeMs,
 * Topics[{Topic, Partitions[{ErrorCode, Partition, LeaderEpoch,
 * EndOffset}]}] (UNDEFINED_EPOCH_OFFSET: LeaderEpoch -1, EndOffset -1).
 *
 * No list is nullable: encoders reject a negative Cnt or a null Topic with
 * SK_EINVAL, decoders a null count.
 * @locality any
 */
#ifndef SK_PROTO_OFFSETFORLEADEREPOCH_H
#define SK_PROTO_OFFSETFORLEADEREPOCH_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_OFFSETFORLEADEREPOCH_MIN_VER 2
#define SK_OFFSETFORLEADEREPOCH_MAX_VER 4
#define SK_OFFSETFORLEADEREPOCH_FLEX_VER 4

/* ReplicaId values that are not broker ids. */
#define SK_OFFSETFORLEADEREPOCH_CONSUMER (-1)
#define SK_OFFSETFORLEADEREPOCH_DEBUGGING (-2) /* also: absent (v2) */

typedef struct sk_offsetforleaderepoch_req_partition {
    int32_t Partition;
    int32_t CurrentLeaderEpoch;      /* fencing; -1 = no check */
    int32_t LeaderEpoch;             /* the epoch to look up */
} sk_offsetforleaderepoch_req_partition_t;

typedef struct sk_offsetforleaderepoch_req_topic {
    sk_str_t Topic;
    sk_offsetforleaderepoch_req_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_offsetforleaderepoch_req_topic_t;

typedef struct sk_offsetforleaderepoch_req {
    int32_t ReplicaId;               /* v3+ */
    sk_offsetforleaderepoch_req_topic_t *Topics;
    int32_t TopicsCnt;
} sk_offsetforleaderepoch_req_t;

typedef struct sk_offsetforleaderepoch_resp_partition {
    int16_t ErrorCode;
    int32_t Partition;
    int32_t LeaderEpoch;
    int64_t EndOffset;
} sk_offsetforleaderepoch_resp_partition_t;

typedef struct sk_offsetforleaderepoch_resp_topic {
    sk_str_t Topic;
    sk_offsetforleaderepoch_resp_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_offsetforleaderepoch_resp_topic_t;

typedef struct sk_offsetforleaderepoch_resp {
    int32_t ThrottleTimeMs;
    sk_offsetforleaderepoch_resp_topic_t *Topics;
    int32_t TopicsCnt;
} sk_offsetforleaderepoch_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 2-4; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null topic), in which case w is left as it was. */
int sk_offsetforleaderepoch_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                       sk_offsetforleaderepoch_req_t *out);
int sk_offsetforleaderepoch_req_encode(sk_wr_t *w, int16_t version,
                                       const sk_offsetforleaderepoch_req_t *req);
int sk_offsetforleaderepoch_resp_encode(sk_wr_t *w, int16_t version,
                                        const sk_offsetforleaderepoch_resp_t *resp);
int sk_offsetforleaderepoch_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                        sk_offsetforleaderepoch_resp_t *out);

#endif
