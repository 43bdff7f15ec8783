/* proto_alterpartition.h - AlterPartition (key 56), versions 0-3 (flexible
 * from v0).
 *
 * Partition leader -> controller: "change this partition's ISR" (shrink when
 * a follower falls behind, expand when it catches up), fenced by BrokerEpoch,
 * LeaderEpoch and PartitionEpoch (in ZK mode: the partition state znode's
 * version).
 *
 * Request: BrokerId, BrokerEpoch, Topics[{TopicName (v0-1) | TopicId (v2+),
 * Partitions[{PartitionIndex, LeaderEpoch, NewIsr[] (v0-2) |
 * NewIsrWithEpochs[{BrokerId, BrokerEpoch}] (v3+, KIP-903),
 * LeaderRecoveryState (v1+), PartitionEpoch}]}]. Response: ThrottleTimeMs,
 * ErrorCode, Topics[{TopicName | TopicId, Partitions[{PartitionIndex,
 * ErrorCode, LeaderId, LeaderEpoch, Isr[], LeaderRecoveryState (v1+),
 * PartitionEpoch}]}]. v2+ may answer INELIGIBLE_REPLICA, NEW_LEADER_ELECTED
 * and UNKNOWN_TOPIC_ID (KIP-841); v0-1 get OPERATION_NOT_ATTEMPTED where v2+
 * get INELIGIBLE_REPLICA.
 *
 * The codec is generated from common/schema/apis.schema: sk_alterpartition_
 * {req,resp}_t, sk_alterpartition_{req,resp}_{decode,encode,size,free,init}
 * and SK_ALTERPARTITION_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_ALTERPARTITION_H
#define SK_PROTO_ALTERPARTITION_H

#include "proto_gen.h"

/* LeaderRecoveryState values. */
#define SK_LEADER_RECOVERED 0
#define SK_LEADER_RECOVERING 1

#endif
