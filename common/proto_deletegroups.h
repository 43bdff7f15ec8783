/* proto_deletegroups.h - DeleteGroups (key 42), versions 0-2 (flexible 2+).
 *
 * Admin client -> group coordinator: delete empty groups and their
 * offsets. Request: GroupsNames[]. Response: ThrottleTimeMs,
 * Results[{GroupId, ErrorCode}] (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, ...).
 * v1 has the same layout as v0.
 *
 * The codec is generated from common/schema/apis.schema: sk_deletegroups_
 * {req,resp}_t, sk_deletegroups_{req,resp}_{decode,encode,size,free,init}
 * and SK_DELETEGROUPS_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_DELETEGROUPS_H
#define SK_PROTO_DELETEGROUPS_H

#include "proto_gen.h"

#endif
