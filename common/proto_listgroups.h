/* proto_listgroups.h - ListGroups (key 16), versions 0-4 (3+ flexible).
 *
 * Admin client -> every broker: the groups this broker coordinates.
 * Request: StatesFilter[] (v4+; empty = all states; the body is empty at
 * v0-2 and only a tag section at v3). Response: ThrottleTimeMs (v1+),
 * ErrorCode, Groups[{GroupId, ProtocolType, GroupState (v4+)}].
 *
 * The codec is generated from common/schema/apis.schema: sk_listgroups_
 * {req,resp}_t, sk_listgroups_{req,resp}_{decode,encode,size,free,init}
 * and SK_LISTGROUPS_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_LISTGROUPS_H
#define SK_PROTO_LISTGROUPS_H

#include "proto_gen.h"

#endif
