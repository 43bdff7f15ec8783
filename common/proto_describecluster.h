/* proto_describecluster.h - DescribeCluster (key 60), versions 0-1
 * (flexible from 0).
 *
 * Request: IncludeClusterAuthorizedOperations, EndpointType (v1, KIP-919:
 * 1 = brokers, 2 = controllers). Response: ThrottleTimeMs, ErrorCode,
 * ErrorMessage (nullable), EndpointType (v1), ClusterId, ControllerId
 * (-1 = none), Brokers[{BrokerId, Host, Port, Rack (nullable)}],
 * ClusterAuthorizedOperations (INT32_MIN = not requested).
 *
 * The codec is generated from common/schema/apis.schema: sk_describecluster_
 * {req,resp}_t, sk_describecluster_{req,resp}_{decode,encode,size,free,init}
 * and SK_DESCRIBECLUSTER_{MIN,MAX,FLEX}_VER in proto_gen.h.
 * @locality any
 */
#ifndef SK_PROTO_DESCRIBECLUSTER_H
#define SK_PROTO_DESCRIBECLUSTER_H

#include "proto_gen.h"

/* ClusterAuthorizedOperations when the client did not ask for them. */
#define SK_DESCRIBECLUSTER_OPS_OMITTED INT32_MIN

/* EndpointType values (v1). */
#define SK_ENDPOINT_TYPE_BROKER 1
#define SK_ENDPOINT_TYPE_CONTROLLER 2

/* The nested struct under its shorter name. */
typedef sk_describecluster_resp_broker_t sk_describecluster_broker_t;

#endif
