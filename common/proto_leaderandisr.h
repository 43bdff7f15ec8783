/* proto_leaderandisr.h - LeaderAndIsr (key 4), versions 0-7 (flexible 4+).
 *
 * Controller -> broker: "for these partitions, this is the leader, the ISR
 * and the replica set; become leader or follower accordingly".
 *
 * Request: ControllerId, ControllerEpoch, BrokerEpoch (v2+), Type (v5+),
 * isKRaftController (v7); partition states either ungrouped, each with its
 * TopicName (UngroupedPartitionStates, v0-1), or grouped by topic
 * (TopicStates[{TopicName, TopicId (v5+), PartitionStates}], v2+);
 * AddingReplicas / RemovingReplicas v3+, LeaderRecoveryState v6+;
 * LiveLeaders. Response: ErrorCode, then PartitionErrors[{TopicName,
 * PartitionIndex, ErrorCode}] in v0-4, or Topics[{TopicId,
 * PartitionErrors[{PartitionIndex, ErrorCode}]}] in v5+.
 *
 * The codec is generated from common/schema/apis.schema: sk_leaderandisr_
 * {req,resp}_t, sk_leaderandisr_{req,resp}_{decode,encode,size,free,init}
 * and SK_LEADERANDISR_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_LEADERANDISR_H
#define SK_PROTO_LEADERANDISR_H

#include "proto_gen.h"

/* Request Type (v5+): whether the request lists every partition the broker
 * hosts (FULL) or only changes; Kafka's ZooKeeper controller sends UNKNOWN. */
#define SK_LEADERANDISR_TYPE_UNKNOWN 0
#define SK_LEADERANDISR_TYPE_INCREMENTAL 1
#define SK_LEADERANDISR_TYPE_FULL 2

#endif
