/* proto_electleaders.h - ElectLeaders (key 43), versions 0-2 (2 flexible).
 *
 * Admin client -> controller: elect leaders for partitions.
 * Request: ElectionType (v1+; int8: 0 preferred, 1 unclean; v0 decodes as
 * preferred), TopicPartitions (nullable: null = every partition)
 * [{Topic, Partitions[int32]}], TimeoutMs.
 * Response: ThrottleTimeMs, ErrorCode (v1+), ReplicaElectionResults
 * [{Topic, PartitionResult[{PartitionId, ErrorCode, ErrorMessage
 * (nullable)}]}].
 *
 * The codec is generated from common/schema/apis.schema: sk_electleaders_
 * {req,resp}_t, sk_electleaders_{req,resp}_{decode,encode,size,free,init}
 * and SK_ELECTLEADERS_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_ELECTLEADERS_H
#define SK_PROTO_ELECTLEADERS_H

#include "proto_gen.h"

#define SK_ELECTION_PREFERRED 0
#define SK_ELECTION_UNCLEAN 1

/* Its wire error codes: SK_KERR_PREFERRED_LEADER_NOT_AVAILABLE,
 * SK_KERR_ELIGIBLE_LEADERS_NOT_AVAILABLE, SK_KERR_ELECTION_NOT_NEEDED (kerr.h). */

/* The response's per-topic and per-partition structs under their shorter
 * names (the controller's answer and skein-leader-election use them). */
typedef sk_electleaders_resp_result_t sk_electleaders_result_t;
typedef sk_electleaders_resp_partition_result_t sk_electleaders_partition_result_t;

#endif
