/* proto_stopreplica.h - StopReplica (key 5), versions 0-4 (flexible 2+).
 *
 * Controller -> broker: stop replicating these partitions, and optionally
 * delete them (topic deletion, reassignment away from the broker).
 *
 * Request: ControllerId, ControllerEpoch, BrokerEpoch (v1+),
 * isKRaftController (v4); the partitions in one of three layouts:
 * v0 DeletePartitions and UngroupedPartitions[{TopicName, PartitionIndex}];
 * v1-2 DeletePartitions and Topics[{Name, PartitionIndexes[]}]; v3+
 * TopicStates[{TopicName, PartitionStates[{PartitionIndex, LeaderEpoch,
 * DeletePartition}]}]. Kafka's controller sends LeaderEpoch -2 for
 * partitions of a topic being deleted (the receiver then skips the epoch
 * check, like -1). Response (all versions): ErrorCode,
 * PartitionErrors[{TopicName, PartitionIndex, ErrorCode}].
 *
 * The codec is generated from common/schema/apis.schema: sk_stopreplica_
 * {req,resp}_t, sk_stopreplica_{req,resp}_{decode,encode,size,free,init}
 * and SK_STOPREPLICA_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_STOPREPLICA_H
#define SK_PROTO_STOPREPLICA_H

#include "proto_gen.h"

/* LeaderEpoch values with a special meaning. */
#define SK_STOPREPLICA_NO_EPOCH (-1)            /* no epoch check */
#define SK_STOPREPLICA_EPOCH_DURING_DELETE (-2) /* topic deletion: no epoch check */

#endif
