/* proto_alterpartition.h - AlterPartition (key 56), versions 0-1 (flexible
 * from v0).
 *
 * Partition leader -> controller: "change this partition's ISR to NewIsr"
 * (shrink when a follower falls behind, expand when it catches up), fenced
 * by LeaderEpoch and PartitionEpoch (in ZK mode: the partition state
 * znode's version).
 *
 * Request: BrokerId, BrokerEpoch, Topics[{TopicName, Partitions[{
 * PartitionIndex, LeaderEpoch, NewIsr[], LeaderRecoveryState (v1+),
 * PartitionEpoch}]}]. Response: ThrottleTimeMs, ErrorCode, Topics[{TopicName,
 * Partitions[{PartitionIndex, ErrorCode, LeaderId, LeaderEpoch, Isr[],
 * LeaderRecoveryState (v1+), PartitionEpoch}]}]. (v2+ switch to topic ids
 * and v3 to NewIsrWithEpochs; outside this range.)
 *
 * LeaderRecoveryState is not ignorable in the request: a non-zero value at
 * v0 is SK_EINVAL. In the response it is ignorable: dropped at v0. Decoded
 * as 0 (recovered) where absent.
 * No list is nullable: encoders reject a negative Cnt or a null TopicName
 * with SK_EINVAL, decoders a null count.
 * @locality any
 */
#ifndef SK_PROTO_ALTERPARTITION_H
#define SK_PROTO_ALTERPARTITION_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_ALTERPARTITION_MIN_VER 0
#define SK_ALTERPARTITION_MAX_VER 1
#define SK_ALTERPARTITION_FLEX_VER 0

/* LeaderRecoveryState values. */
#define SK_LEADER_RECOVERED 0
#define SK_LEADER_RECOVERING 1

typedef struct sk_alterpartition_req_partition {
    int32_t PartitionIndex;
    int32_t LeaderEpoch;
    int32_t *NewIsr;
    int32_t NewIsrCnt;
    int8_t LeaderRecoveryState;      /* v1+ */
    int32_t PartitionEpoch;
} sk_alterpartition_req_partition_t;

typedef struct sk_alterpartition_req_topic {
    sk_str_t TopicName;
    sk_alterpartition_req_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_alterpartition_req_topic_t;

typedef struct sk_alterpartition_req {
    int32_t BrokerId;
    int64_t BrokerEpoch;
    sk_alterpartition_req_topic_t *Topics;
    int32_t TopicsCnt;
} sk_alterpartition_req_t;

typedef struct sk_alterpartition_resp_partition {
    int32_t PartitionIndex;
    int16_t ErrorCode;
    int32_t LeaderId;
    int32_t LeaderEpoch;
    int32_t *Isr;
    int32_t IsrCnt;
    int8_t LeaderRecoveryState;      /* v1+ */
    int32_t PartitionEpoch;
} sk_alterpartition_resp_partition_t;

typedef struct sk_alterpartition_resp_topic {
    sk_str_t TopicName;
    sk_alterpartition_resp_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_alterpartition_resp_topic_t;

typedef struct sk_alterpartition_resp {
    int32_t ThrottleTimeMs;
    int16_t ErrorCode;
    sk_alterpartition_resp_topic_t *Topics;
    int32_t TopicsCnt;
} sk_alterpartition_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-1; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null name, request LeaderRecoveryState at v0), in which case w is
 * left as it was. */
int sk_alterpartition_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                 sk_alterpartition_req_t *out);
int sk_alterpartition_req_encode(sk_wr_t *w, int16_t version,
                                 const sk_alterpartition_req_t *req);
int sk_alterpartition_resp_encode(sk_wr_t *w, int16_t version,
                                  const sk_alterpartition_resp_t *resp);
int sk_alterpartition_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_alterpartition_resp_t *out);

#endif
