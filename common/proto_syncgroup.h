/* proto_syncgroup.h - SyncGroup (key 14), versions 0-5 (flexible 4+).
 *
 * Member -> group coordinator after a JoinGroup: the leader sends every
 * member's assignment, the others an empty list; each gets its own bytes
 * back. Request: GroupId, GenerationId, MemberId, GroupInstanceId (v3+,
 * nullable), ProtocolType and ProtocolName (v5+, nullable: checked against
 * the group's), Assignments[{MemberId, Assignment}]. Response:
 * ThrottleTimeMs (v1+), ErrorCode, ProtocolType and ProtocolName (v5+, the
 * group's), Assignment (bytes; empty on errors).
 *
 * The codec is generated from common/schema/apis.schema: sk_syncgroup_
 * {req,resp}_t, sk_syncgroup_{req,resp}_{decode,encode,size,free,init} and
 * SK_SYNCGROUP_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_SYNCGROUP_H
#define SK_PROTO_SYNCGROUP_H

#include "proto_gen.h"

#endif
