/* proto_offsetdelete.h - OffsetDelete (key 47), version 0 (not flexible).
 *
 * Admin client -> group coordinator: delete committed offsets of some
 * partitions of a group (refused per partition with
 * GROUP_SUBSCRIBED_TO_TOPIC while the group consumes that topic).
 * Request: GroupId, Topics[{Name, Partitions[{PartitionIndex}]}].
 * Response: ErrorCode (group-level), ThrottleTimeMs, Topics[{Name,
 * Partitions[{PartitionIndex, ErrorCode}]}].
 *
 * The codec is generated from common/schema/apis.schema: sk_offsetdelete_
 * {req,resp}_t, sk_offsetdelete_{req,resp}_{decode,encode,size,free,init}
 * and SK_OFFSETDELETE_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_OFFSETDELETE_H
#define SK_PROTO_OFFSETDELETE_H

#include "proto_gen.h"

#endif
