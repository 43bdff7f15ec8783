/* proto_leaderandisr.h - LeaderAndIsr (key 4), versions 2-5 (4+ flexible).
 *
 * Controller -> broker: "for these partitions, this is the leader, the ISR
 * and the replica set; become leader or follower accordingly". Every version
 * in this range groups partition states by topic.
 *
 * Request fields by version: ControllerId, ControllerEpoch, BrokerEpoch,
 * TopicStates[{TopicName, PartitionStates}], LiveLeaders in all of 2-5;
 * AddingReplicas / RemovingReplicas v3+; Type and TopicId v5+.
 * Response: ErrorCode, then PartitionErrors[{TopicName, PartitionIndex,
 * ErrorCode}] in v2-4, or Topics[{TopicId, PartitionErrors[{PartitionIndex,
 * ErrorCode}]}] in v5 (keyed by topic id, no names).
 *
 * Encoding a value the version cannot carry: fields the schema marks
 * ignorable (TopicId, AddingReplicas, RemovingReplicas, the per-partition
 * TopicName of a v5 response) are dropped; any other (a non-zero Type below
 * v5, response PartitionErrors at v5 or Topics below v5) is SK_EINVAL.
 * Fields absent from the decoded version get their schema defaults (Type 0,
 * TopicId all zero, empty lists, TopicName "").
 *
 * Arrays are pointer + Cnt. None of the arrays here is nullable: encoders
 * reject a negative Cnt with SK_EINVAL, decoders reject a null count.
 * Strings are sk_str_t views into the decoded bytes, arrays come from the
 * arena: keep both alive while the struct is in use.
 * @locality any
 */
#ifndef SK_PROTO_LEADERANDISR_H
#define SK_PROTO_LEADERANDISR_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_LEADERANDISR_MIN_VER 2
#define SK_LEADERANDISR_MAX_VER 5
#define SK_LEADERANDISR_FLEX_VER 4

/* Request Type (v5+): whether the request lists every partition the broker
 * hosts (FULL, sent when the broker (re)joins) or only changes. */
#define SK_LEADERANDISR_TYPE_UNKNOWN 0
#define SK_LEADERANDISR_TYPE_INCREMENTAL 1
#define SK_LEADERANDISR_TYPE_FULL 2

typedef struct sk_leaderandisr_partition_state {
    int32_t PartitionIndex;
    int32_t ControllerEpoch;         /* epoch of the controller that last changed this state */
    int32_t Leader;                  /* broker id; -1 = no leader */
    int32_t LeaderEpoch;
    int32_t *Isr;
    int32_t IsrCnt;
    int32_t PartitionEpoch;          /* ZK mode: the partition state znode's version */
    int32_t *Replicas;
    int32_t ReplicasCnt;
    int32_t *AddingReplicas;         /* v3+ (ignorable) */
    int32_t AddingReplicasCnt;
    int32_t *RemovingReplicas;       /* v3+ (ignorable) */
    int32_t RemovingReplicasCnt;
    int IsNew;                       /* replica is being created (new topic/partition) */
} sk_leaderandisr_partition_state_t;

typedef struct sk_leaderandisr_topic_state {
    sk_str_t TopicName;
    uint8_t TopicId[16];             /* v5+ (ignorable); all zero = none */
    sk_leaderandisr_partition_state_t *PartitionStates;
    int32_t PartitionStatesCnt;
} sk_leaderandisr_topic_state_t;

typedef struct sk_leaderandisr_live_leader {
    int32_t BrokerId;
    sk_str_t HostName;
    int32_t Port;
} sk_leaderandisr_live_leader_t;

typedef struct sk_leaderandisr_req {
    int32_t ControllerId;
    int32_t ControllerEpoch;
    int64_t BrokerEpoch;             /* the receiver's broker epoch (czxid), -1 = unknown */
    int8_t Type;                     /* v5+: SK_LEADERANDISR_TYPE_* */
    sk_leaderandisr_topic_state_t *TopicStates;
    int32_t TopicStatesCnt;
    sk_leaderandisr_live_leader_t *LiveLeaders;
    int32_t LiveLeadersCnt;
} sk_leaderandisr_req_t;

typedef struct sk_leaderandisr_partition_error {
    sk_str_t TopicName;              /* v2-4 (ignorable; "" when decoded at v5) */
    int32_t PartitionIndex;
    int16_t ErrorCode;
} sk_leaderandisr_partition_error_t;

typedef struct sk_leaderandisr_topic_error {
    uint8_t TopicId[16];
    sk_leaderandisr_partition_error_t *PartitionErrors;
    int32_t PartitionErrorsCnt;
} sk_leaderandisr_topic_error_t;

typedef struct sk_leaderandisr_resp {
    int16_t ErrorCode;
    sk_leaderandisr_partition_error_t *PartitionErrors; /* v2-4 */
    int32_t PartitionErrorsCnt;
    sk_leaderandisr_topic_error_t *Topics;              /* v5+ */
    int32_t TopicsCnt;
} sk_leaderandisr_resp_t;

/* Decode a body (r positioned after the request/response header).
 * Returns SK_OK, SK_EPARSE (malformed or truncated; out is then partly
 * filled and must not be used), or SK_EINVAL (version outside 2-5; nothing
 * read). Arrays come from a. */
int sk_leaderandisr_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_leaderandisr_req_t *out);
int sk_leaderandisr_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_leaderandisr_resp_t *out);

/* Append a body to w. Returns SK_OK, or SK_EINVAL (bad version, negative
 * count, or a value the version cannot carry, see above); on SK_EINVAL w is
 * left as it was. */
int sk_leaderandisr_req_encode(sk_wr_t *w, int16_t version, const sk_leaderandisr_req_t *req);
int sk_leaderandisr_resp_encode(sk_wr_t *w, int16_t version,
                                const sk_leaderandisr_resp_t *resp);

#endif
