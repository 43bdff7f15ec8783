/* proto_describecluster.h - DescribeCluster (key 60), version 0 (flexible).
 *
 * Request: IncludeClusterAuthorizedOperations. Response: ThrottleTimeMs,
 * ErrorCode, ErrorMessage (nullable), ClusterId, ControllerId (-1 = none),
 * Brokers[{BrokerId, Host, Port, Rack (nullable)}],
 * ClusterAuthorizedOperations (INT32_MIN = not requested / unknown).
 * (EndpointType is v1, outside this range.)
 *
 * Brokers is not nullable: the encoder rejects a negative Cnt and a null
 * ClusterId or Host with SK_EINVAL, the decoder a null count.
 * @locality any
 */
#ifndef SK_PROTO_DESCRIBECLUSTER_H
#define SK_PROTO_DESCRIBECLUSTER_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_DESCRIBECLUSTER_MIN_VER 0
#define SK_DESCRIBECLUSTER_MAX_VER 0
#define SK_DESCRIBECLUSTER_FLEX_VER 0

/* ClusterAuthorizedOperations when the client did not ask for them. */
#define SK_DESCRIBECLUSTER_OPS_OMITTED INT32_MIN

typedef struct sk_describecluster_req {
    int IncludeClusterAuthorizedOperations;
} sk_describecluster_req_t;

typedef struct sk_describecluster_broker {
    int32_t BrokerId;
    sk_str_t Host;
    int32_t Port;
    sk_str_t Rack;                   /* nullable */
} sk_describecluster_broker_t;

typedef struct sk_describecluster_resp {
    int32_t ThrottleTimeMs;
    int16_t ErrorCode;
    sk_str_t ErrorMessage;           /* nullable */
    sk_str_t ClusterId;
    int32_t ControllerId;
    sk_describecluster_broker_t *Brokers;
    int32_t BrokersCnt;
    int32_t ClusterAuthorizedOperations;
} sk_describecluster_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version other than 0; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null non-nullable string), in which case w is left as it was. */
int sk_describecluster_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_describecluster_req_t *out);
int sk_describecluster_req_encode(sk_wr_t *w, int16_t version,
                                  const sk_describecluster_req_t *req);
int sk_describecluster_resp_encode(sk_wr_t *w, int16_t version,
                                   const sk_describecluster_resp_t *resp);
int sk_describecluster_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                   sk_describecluster_resp_t *out);

#endif
