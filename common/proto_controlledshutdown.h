/* proto_controlledshutdown.h - ControlledShutdown (key 7), versions 1-3
 * (3 flexible).
 *
 * Broker -> controller before a clean stop: move leadership away from me.
 * Request: BrokerId, BrokerEpoch (v2+; ignorable: dropped at v1, decoded as
 * -1 there). Response: ErrorCode, RemainingPartitions[{TopicName,
 * PartitionIndex}] (partitions the broker still leads; retry while any).
 *
 * RemainingPartitions is not nullable: the encoder rejects a negative Cnt
 * or a null TopicName with SK_EINVAL, the decoder a null count.
 * @locality any
 */
#ifndef SK_PROTO_CONTROLLEDSHUTDOWN_H
#define SK_PROTO_CONTROLLEDSHUTDOWN_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_CONTROLLEDSHUTDOWN_MIN_VER 1
#define SK_CONTROLLEDSHUTDOWN_MAX_VER 3
#define SK_CONTROLLEDSHUTDOWN_FLEX_VER 3

typedef struct sk_controlledshutdown_req {
    int32_t BrokerId;
    int64_t BrokerEpoch;             /* v2+; -1 = unknown */
} sk_controlledshutdown_req_t;

typedef struct sk_controlledshutdown_partition {
    sk_str_t TopicName;
    int32_t PartitionIndex;
} sk_controlledshutdown_partition_t;

typedef struct sk_controlledshutdown_resp {
    int16_t ErrorCode;
    sk_controlledshutdown_partition_t *RemainingPartitions;
    int32_t RemainingPartitionsCnt;
} sk_controlledshutdown_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 1-3; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null name), in which case w is left as it was. */
int sk_controlledshutdown_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                     sk_controlledshutdown_req_t *out);
int sk_controlledshutdown_req_encode(sk_wr_t *w, int16_t version,
                                     const sk_controlledshutdown_req_t *req);
int sk_controlledshutdown_resp_encode(sk_wr_t *w, int16_t version,
                                      const sk_controlledshutdown_resp_t *resp);
int sk_controlledshutdown_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                      sk_controlledshutdown_resp_t *out);

#endif
