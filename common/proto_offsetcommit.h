/* proto_offsetcommit.h - OffsetCommit (key 8), versions 0-9 (flexible 8+).
 *
 * Consumer -> group coordinator: store committed offsets for a group.
 * Request: GroupId, GenerationIdOrMemberEpoch (v1+; the generation, -1 with
 * an empty MemberId for a standalone assign() consumer), MemberId (v1+),
 * GroupInstanceId (v7+, nullable), RetentionTimeMs (v2-4; -1 = broker
 * default), Topics[{Name, Partitions[{PartitionIndex, CommittedOffset,
 * CommittedLeaderEpoch (v6+), CommitTimestamp (v1 only; -1 = now),
 * CommittedMetadata (nullable)}]}]. Response: ThrottleTimeMs (v3+),
 * Topics[{Name, Partitions[{PartitionIndex, ErrorCode}]}].
 * v0 offsets go to ZooKeeper (/consumers/<group>/offsets/<topic>/<partition>),
 * as Kafka 3.7 in ZooKeeper mode stores them.
 *
 * The codec is generated from common/schema/apis.schema: sk_offsetcommit_
 * {req,resp}_t, sk_offsetcommit_{req,resp}_{decode,encode,size,free,init}
 * and SK_OFFSETCOMMIT_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_OFFSETCOMMIT_H
#define SK_PROTO_OFFSETCOMMIT_H

#include "proto_gen.h"

#endif
