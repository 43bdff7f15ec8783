/* proto_offsetforleaderepoch.h - OffsetForLeaderEpoch (key 23), versions
 * 0-4 (flexible 4+).
 *
 * Follower (or consumer) -> leader: "where does leader epoch E end in your
 * log?", used to truncate a diverging follower log before fetching.
 * Request: ReplicaId (v3+; -2, the schema default, below), Topics[{Topic,
 * Partitions[{Partition, CurrentLeaderEpoch (v2+; -1 = no check below),
 * LeaderEpoch}]}]. Response: ThrottleTimeMs (v2+), Topics[{Topic,
 * Partitions[{ErrorCode, Partition, LeaderEpoch (v1+), EndOffset}]}]
 * (UNDEFINED_EPOCH_OFFSET: LeaderEpoch -1, EndOffset -1).
 *
 * The codec is generated from common/schema/apis.schema: sk_offsetfor
 * leaderepoch_{req,resp}_t, sk_offsetforleaderepoch_{req,resp}_{decode,
 * encode,size,free,init} and SK_OFFSETFORLEADEREPOCH_{MIN,MAX,FLEX}_VER in
 * proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_OFFSETFORLEADEREPOCH_H
#define SK_PROTO_OFFSETFORLEADEREPOCH_H

#include "proto_gen.h"

/* ReplicaId values that are not broker ids. */
#define SK_OFFSETFORLEADEREPOCH_CONSUMER (-1)
#define SK_OFFSETFORLEADEREPOCH_DEBUGGING (-2) /* also: absent (v0-2) */

#endif
