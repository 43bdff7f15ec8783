/* proto_metadata.h - Metadata (key 3), versions 0-5 (none flexible).
 *
 * Request topic list semantics: v0 empty array = all topics; v1+ null array
 * = all topics, empty = none. The decoder sets all_topics accordingly.
 * v0 cannot ask for "no topics": the encoder writes a null list (-1) at v0
 * as the empty array, which v0 reads as "all".
 * Version-dependent response fields: Rack, IsInternal, ControllerId v1+;
 * ClusterId v2+; ThrottleTimeMs v3+; OfflineReplicas v5+.
 * @locality any
 */
#ifndef SK_PROTO_METADATA_H
#define SK_PROTO_METADATA_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

typedef struct sk_metadata_req_topic {
    sk_str_t Name;
} sk_metadata_req_topic_t;

typedef struct sk_metadata_req {
    sk_metadata_req_topic_t *Topics;
    int32_t TopicsCnt;               /* -1 = null (v1+) */
    int AllowAutoTopicCreation;      /* v4+; true below v4 (schema default) */
    int all_topics;                  /* derived by the decoder (see above) */
} sk_metadata_req_t;

typedef struct sk_metadata_broker {
    int32_t NodeId;
    sk_str_t Host;
    int32_t Port;
    sk_str_t Rack;                   /* v1+, nullable */
} sk_metadata_broker_t;

typedef struct sk_metadata_partition {
    int16_t ErrorCode;
    int32_t PartitionIndex;
    int32_t LeaderId;
    int32_t *ReplicaNodes;
    int32_t ReplicaNodesCnt;
    int32_t *IsrNodes;
    int32_t IsrNodesCnt;
    int32_t *OfflineReplicas;        /* v5+ */
    int32_t OfflineReplicasCnt;
} sk_metadata_partition_t;

typedef struct sk_metadata_topic {
    int16_t ErrorCode;
    sk_str_t Name;
    int IsInternal;                  /* v1+ */
    sk_metadata_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_metadata_topic_t;

typedef struct sk_metadata_resp {
    int32_t ThrottleTimeMs;          /* v3+ */
    sk_metadata_broker_t *Brokers;
    int32_t BrokersCnt;
    sk_str_t ClusterId;              /* v2+, nullable */
    int32_t ControllerId;            /* v1+ (-1 = none) */
    sk_metadata_topic_t *Topics;
    int32_t TopicsCnt;
} sk_metadata_resp_t;

/* Decoders return SK_OK, SK_EPARSE (malformed/truncated) or SK_EINVAL
 * (version outside 0-5); encoders SK_OK or SK_EINVAL (bad version, or a value
 * the version cannot express, e.g. a null topic array at v0). */
int sk_metadata_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_metadata_req_t *out);
int sk_metadata_req_encode(sk_wr_t *w, int16_t version, const sk_metadata_req_t *req);
int sk_metadata_resp_encode(sk_wr_t *w, int16_t version, const sk_metadata_resp_t *resp);
int sk_metadata_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_metadata_resp_t *out);

#endif
