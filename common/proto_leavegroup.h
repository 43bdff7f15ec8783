/* proto_leavegroup.h - LeaveGroup (key 13), versions 0-5 (flexible 4+).
 *
 * Member -> group coordinator: "I leave the group". Request: GroupId,
 * MemberId (v0-2), or from v3 a batch Members[{MemberId, GroupInstanceId
 * (nullable), Reason (v5+, nullable)}]. Response: ThrottleTimeMs (v1+),
 * ErrorCode, Members[{MemberId, GroupInstanceId, ErrorCode}] (v3+).
 *
 * The codec is generated from common/schema/apis.schema: sk_leavegroup_
 * {req,resp}_t, sk_leavegroup_{req,resp}_{decode,encode,size,free,init}
 * and SK_LEAVEGROUP_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_LEAVEGROUP_H
#define SK_PROTO_LEAVEGROUP_H

#include "proto_gen.h"

/* The first version that leaves a batch of members (Members). */
#define SK_LEAVEGROUP_BATCH_VER 3

#endif
