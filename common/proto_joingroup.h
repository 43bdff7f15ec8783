/* proto_joingroup.h - JoinGroup (key 11), versions 0-9 (flexible 6+).
 *
 * Member -> group coordinator: join (or rejoin) a group and offer the
 * protocols (assignors) it supports with its metadata for each.
 * Request: GroupId, SessionTimeoutMs, RebalanceTimeoutMs (v1+; absent at
 * v0 and decoded there as -1, the schema default: use the session timeout),
 * MemberId ("" on a first join), GroupInstanceId (v5+, nullable: static
 * membership), ProtocolType, Protocols[{Name, Metadata}], Reason (v8+).
 * Response: ThrottleTimeMs (v2+), ErrorCode, GenerationId, ProtocolType
 * (v7+), ProtocolName (nullable from v7: null on errors there, "" below),
 * Leader, SkipAssignment (v9+), MemberId, Members[{MemberId,
 * GroupInstanceId (v5+, nullable), Metadata}] (the full list only in the
 * leader's response, else empty).
 *
 * The codec is generated from common/schema/apis.schema: sk_joingroup_
 * {req,resp}_t, sk_joingroup_{req,resp}_{decode,encode,size,free,init} and
 * SK_JOINGROUP_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_JOINGROUP_H
#define SK_PROTO_JOINGROUP_H

#include "proto_gen.h"

#endif
