/* proto_updatemetadata.h - UpdateMetadata (key 6), versions 5-7 (6+ flexible).
 *
 * Controller -> every live broker: the cluster metadata a broker serves to
 * clients (Metadata responses): partition leaders/ISR/replicas and the live
 * brokers with their listener endpoints. Every version in this range groups
 * partition states by topic and carries BrokerEpoch.
 *
 * Request: ControllerId, ControllerEpoch, BrokerEpoch,
 * TopicStates[{TopicName, TopicId (v7+), PartitionStates[{PartitionIndex,
 * ControllerEpoch, Leader, LeaderEpoch, Isr, ZkVersion, Replicas,
 * OfflineReplicas}]}], LiveBrokers[{Id, Endpoints[{Port, Host, Listener,
 * SecurityProtocol}], Rack (nullable)}]. Response: ErrorCode only.
 *
 * TopicId is ignorable: dropped when encoding v5-6, all zero when decoded
 * from them. No list here is nullable: encoders reject a negative Cnt (and a
 * null TopicName, Host or Listener) with SK_EINVAL, decoders a null count.
 * Strings are views into the decoded bytes; arrays come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_UPDATEMETADATA_H
#define SK_PROTO_UPDATEMETADATA_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_UPDATEMETADATA_MIN_VER 5
#define SK_UPDATEMETADATA_MAX_VER 7
#define SK_UPDATEMETADATA_FLEX_VER 6

/* Endpoint SecurityProtocol values (Kafka's SecurityProtocol ids). */
#define SK_SECPROTO_PLAINTEXT 0
#define SK_SECPROTO_SSL 1
#define SK_SECPROTO_SASL_PLAINTEXT 2
#define SK_SECPROTO_SASL_SSL 3

typedef struct sk_updatemetadata_partition_state {
    int32_t PartitionIndex;
    int32_t ControllerEpoch;
    int32_t Leader;                  /* broker id; -1 = none */
    int32_t LeaderEpoch;
    int32_t *Isr;
    int32_t IsrCnt;
    int32_t ZkVersion;               /* the partition state znode's version */
    int32_t *Replicas;
    int32_t ReplicasCnt;
    int32_t *OfflineReplicas;
    int32_t OfflineReplicasCnt;
} sk_updatemetadata_partition_state_t;

typedef struct sk_updatemetadata_topic_state {
    sk_str_t TopicName;
    uint8_t TopicId[16];             /* v7+ (ignorable); all zero = none */
    sk_updatemetadata_partition_state_t *PartitionStates;
    int32_t PartitionStatesCnt;
} sk_updatemetadata_topic_state_t;

typedef struct sk_updatemetadata_endpoint {
    int32_t Port;
    sk_str_t Host;
    sk_str_t Listener;               /* listener name, e.g. "PLAINTEXT" */
    int16_t SecurityProtocol;        /* SK_SECPROTO_* */
} sk_updatemetadata_endpoint_t;

typedef struct sk_updatemetadata_broker {
    int32_t Id;
    sk_updatemetadata_endpoint_t *Endpoints;
    int32_t EndpointsCnt;
    sk_str_t Rack;                   /* nullable */
} sk_updatemetadata_broker_t;

typedef struct sk_updatemetadata_req {
    int32_t ControllerId;
    int32_t ControllerEpoch;
    int64_t BrokerEpoch;             /* the receiver's broker epoch, -1 = unknown */
    sk_updatemetadata_topic_state_t *TopicStates;
    int32_t TopicStatesCnt;
    sk_updatemetadata_broker_t *LiveBrokers;
    int32_t LiveBrokersCnt;
} sk_updatemetadata_req_t;

typedef struct sk_updatemetadata_resp {
    int16_t ErrorCode;
} sk_updatemetadata_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 5-7; nothing read). */
int sk_updatemetadata_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                 sk_updatemetadata_req_t *out);
int sk_updatemetadata_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_updatemetadata_resp_t *out);
/* Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null non-nullable string), in which case w is left as it was. */
int sk_updatemetadata_req_encode(sk_wr_t *w, int16_t version,
                                 const sk_updatemetadata_req_t *req);
int sk_updatemetadata_resp_encode(sk_wr_t *w, int16_t version,
                                  const sk_updatemetadata_resp_t *resp);

#endif
