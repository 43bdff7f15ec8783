/* proto_stopreplica.h - StopReplica (key 5), versions 1-3 (2+ flexible).
 *
 * Controller -> broker: stop replicating these partitions, and optionally
 * delete them (topic deletion, reassignment away from the broker).
 *
 * Wire layouts: v1-2 carry one request-wide DeletePartitions flag and
 * Topics[{Name, PartitionIndexes[]}]; v3 carries TopicStates[{TopicName,
 * PartitionStates[{PartitionIndex, LeaderEpoch, DeletePartition}]}]. This
 * codec gives every version the v3 shape, as Kafka's own request class does:
 *  - decoding v1-2 fills TopicStates with LeaderEpoch -1 (the schema
 *    default: no epoch check) and DeletePartition = DeletePartitions, and
 *    sets DeletePartitions from the wire;
 *  - encoding v1-2 writes DeletePartitions and the partition indexes, drops
 *    LeaderEpoch, and fails with SK_EINVAL unless every partition's
 *    DeletePartition equals DeletePartitions;
 *  - at v3 DeletePartitions is not on the wire: the decoder sets it to 0 and
 *    the encoder ignores it.
 * Kafka's controller sends LeaderEpoch -2 for partitions of a topic being
 * deleted (the receiver then skips the epoch check, like -1).
 *
 * Response (all versions): ErrorCode, PartitionErrors[{TopicName,
 * PartitionIndex, ErrorCode}].
 *
 * No list is nullable: encoders reject a negative Cnt or a null TopicName
 * with SK_EINVAL, decoders a null count. Strings are views into the decoded
 * bytes; arrays come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_STOPREPLICA_H
#define SK_PROTO_STOPREPLICA_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_STOPREPLICA_MIN_VER 1
#define SK_STOPREPLICA_MAX_VER 3
#define SK_STOPREPLICA_FLEX_VER 2

/* LeaderEpoch values with a special meaning. */
#define SK_STOPREPLICA_NO_EPOCH (-1)          /* no epoch check (also v1-2) */
#define SK_STOPREPLICA_EPOCH_DURING_DELETE (-2) /* topic deletion: no epoch check */

typedef struct sk_stopreplica_partition_state {
    int32_t PartitionIndex;
    int32_t LeaderEpoch;             /* v3 on the wire; -1 from v1-2 */
    int DeletePartition;
} sk_stopreplica_partition_state_t;

typedef struct sk_stopreplica_topic_state {
    sk_str_t TopicName;
    sk_stopreplica_partition_state_t *PartitionStates;
    int32_t PartitionStatesCnt;
} sk_stopreplica_topic_state_t;

typedef struct sk_stopreplica_req {
    int32_t ControllerId;
    int32_t ControllerEpoch;
    int64_t BrokerEpoch;             /* the receiver's broker epoch, -1 = unknown */
    int DeletePartitions;            /* v1-2 wire flag (see above) */
    sk_stopreplica_topic_state_t *TopicStates;
    int32_t TopicStatesCnt;
} sk_stopreplica_req_t;

typedef struct sk_stopreplica_partition_error {
    sk_str_t TopicName;
    int32_t PartitionIndex;
    int16_t ErrorCode;
} sk_stopreplica_partition_error_t;

typedef struct sk_stopreplica_resp {
    int16_t ErrorCode;
    sk_stopreplica_partition_error_t *PartitionErrors;
    int32_t PartitionErrorsCnt;
} sk_stopreplica_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 1-3; nothing read). */
int sk_stopreplica_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                              sk_stopreplica_req_t *out);
int sk_stopreplica_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_stopreplica_resp_t *out);
/* Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null name, mixed DeletePartition flags below v3), in which case w
 * is left as it was. */
int sk_stopreplica_req_encode(sk_wr_t *w, int16_t version, const sk_stopreplica_req_t *req);
int sk_stopreplica_resp_encode(sk_wr_t *w, int16_t version, const sk_stopreplica_resp_t *resp);

#endif
