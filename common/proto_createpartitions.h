/* proto_createpartitions.h - CreatePartitions (key 37), versions 0-3
 * (flexible 2+).
 *
 * Request: Topics[{Name, Count (the new total partition count), Assignments
 * (nullable: null = let the controller assign)[{BrokerIds[]}]}], TimeoutMs,
 * ValidateOnly. When Assignments is given it holds one entry per NEW
 * partition, in partition order. Response: ThrottleTimeMs,
 * Results[{Name, ErrorCode, ErrorMessage (nullable)}]. v1 and v3 have the
 * layouts of v0 and v2 (they changed throttling and quota behaviour only).
 *
 * The codec is generated from common/schema/apis.schema: sk_createpartitions_
 * {req,resp}_t, sk_createpartitions_{req,resp}_{decode,encode,size,free,init}
 * and SK_CREATEPARTITIONS_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_CREATEPARTITIONS_H
#define SK_PROTO_CREATEPARTITIONS_H

#include "proto_gen.h"

/* The nested structs under their shorter names. */
typedef sk_createpartitions_req_topic_t sk_createpartitions_topic_t;
typedef sk_createpartitions_req_assignment_t sk_createpartitions_assignment_t;
typedef sk_createpartitions_resp_result_t sk_createpartitions_result_t;

#endif
