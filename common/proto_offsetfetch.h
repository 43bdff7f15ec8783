/* proto_offsetfetch.h - OffsetFetch (key 9), versions 0-9 (flexible 6+).
 *
 * Consumer (or admin tool) -> group coordinator: read a group's committed
 * offsets. Request v0-7: GroupId, Topics[{Name, PartitionIndexes[]}]
 * (nullable from v2: null = every partition the group has offsets for);
 * v8+: Groups[{GroupId, MemberId and MemberEpoch (v9, KIP-848), Topics
 * (nullable)}], several groups in one request; RequireStable (v7+).
 * Response v0-7: ThrottleTimeMs (v3+), Topics[{Name, Partitions[{
 * PartitionIndex, CommittedOffset (-1 = none), CommittedLeaderEpoch (v5+),
 * Metadata (nullable), ErrorCode}]}], ErrorCode (v2+, group-level); v8+:
 * Groups[{GroupId, Topics[...], ErrorCode}]. v0 reads the offsets
 * OffsetCommit v0 stored in ZooKeeper, as Kafka 3.7 in ZooKeeper mode.
 *
 * The codec is generated from common/schema/apis.schema: sk_offsetfetch_
 * {req,resp}_t, sk_offsetfetch_{req,resp}_{decode,encode,size,free,init}
 * and SK_OFFSETFETCH_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_OFFSETFETCH_H
#define SK_PROTO_OFFSETFETCH_H

#include "proto_gen.h"

/* The first version with Groups[] (several groups per request). */
#define SK_OFFSETFETCH_GROUPS_VER 8

#endif
