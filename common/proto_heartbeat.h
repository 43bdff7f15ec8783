/* proto_heartbeat.h - Heartbeat (key 12), versions 0-4 (flexible 4+).
 *
 * Member -> group coordinator, every heartbeat interval: "I am alive in
 * this generation". Request: GroupId, GenerationId, MemberId,
 * GroupInstanceId (v3+, nullable; null below). Response: ThrottleTimeMs
 * (v1+), ErrorCode (REBALANCE_IN_PROGRESS tells the member to rejoin).
 *
 * The codec is generated from common/schema/apis.schema: sk_heartbeat_
 * {req,resp}_t, sk_heartbeat_{req,resp}_{decode,encode,size,free,init} and
 * SK_HEARTBEAT_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_HEARTBEAT_H
#define SK_PROTO_HEARTBEAT_H

#include "proto_gen.h"

#endif
