/* proto_describegroups.h - DescribeGroups (key 15), versions 0-5 (flexible
 * 5+).
 *
 * Admin client -> group coordinator: state and members of some groups.
 * Request: Groups[] (group ids), IncludeAuthorizedOperations (v3+).
 * Response: ThrottleTimeMs (v1+), Groups[{ErrorCode, GroupId, GroupState
 * ("Dead" for an unknown group), ProtocolType, ProtocolData (the chosen
 * protocol), Members[{MemberId, GroupInstanceId (v4+, nullable), ClientId,
 * ClientHost, MemberMetadata, MemberAssignment}], AuthorizedOperations
 * (v3+; INT32_MIN = not requested)}].
 *
 * The codec is generated from common/schema/apis.schema: sk_describegroups_
 * {req,resp}_t, sk_describegroups_{req,resp}_{decode,encode,size,free,init}
 * and SK_DESCRIBEGROUPS_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_DESCRIBEGROUPS_H
#define SK_PROTO_DESCRIBEGROUPS_H

#include <stdint.h>

#include "proto_gen.h"

/* AuthorizedOperations when not requested (the schema's default). */
#define SK_DESCRIBEGROUPS_OPS_OMITTED INT32_MIN

#endif
