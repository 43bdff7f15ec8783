/* proto_produce.h - Produce (key 0), versions 0-7 (none flexible). v0-2
 * carry no TransactionalId; they are listed because librdkafka compresses
 * with gzip, snappy and lz4 only when the broker lists Produce v0 (their
 * legacy MessageSets are refused by the broker: magic 2 only).
 *
 * Records are never copied: the decoder returns each partition's record
 * batches as a view into the request bytes (the broker owns those bytes and
 * may patch baseOffset in place before appending them). An acks = 0 request
 * gets no response at all; that is the caller's business.
 * Response: LogAppendTimeMs v2+, LogStartOffset v5+, ThrottleTimeMs is the
 * LAST field (after the topic array).
 * @locality any
 */
#ifndef SK_PROTO_PRODUCE_H
#define SK_PROTO_PRODUCE_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

typedef struct sk_produce_req_partition {
    int32_t Index;
    sk_str_t Records;                /* nullable; view into the request */
} sk_produce_req_partition_t;

typedef struct sk_produce_req_topic {
    sk_str_t Name;
    sk_produce_req_partition_t *PartitionData;
    int32_t PartitionDataCnt;
} sk_produce_req_topic_t;

typedef struct sk_produce_req {
    sk_str_t TransactionalId;        /* v3+, nullable */
    int16_t Acks;
    int32_t TimeoutMs;
    sk_produce_req_topic_t *TopicData;
    int32_t TopicDataCnt;
} sk_produce_req_t;

typedef struct sk_produce_resp_partition {
    int32_t Index;
    int16_t ErrorCode;
    int64_t BaseOffset;
    int64_t LogAppendTimeMs;         /* v2+ (-1 = CreateTime topic) */
    int64_t LogStartOffset;          /* v5+ */
} sk_produce_resp_partition_t;

typedef struct sk_produce_resp_topic {
    sk_str_t Name;
    sk_produce_resp_partition_t *PartitionResponses;
    int32_t PartitionResponsesCnt;
} sk_produce_resp_topic_t;

typedef struct sk_produce_resp {
    sk_produce_resp_topic_t *Responses;
    int32_t ResponsesCnt;
    int32_t ThrottleTimeMs;          /* v1+, written last */
} sk_produce_resp_t;

/* Decoders: SK_OK, SK_EPARSE, or SK_EINVAL (version outside 3-7).
 * Encoders: SK_OK or SK_EINVAL. */
int sk_produce_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_produce_req_t *out);
int sk_produce_req_encode(sk_wr_t *w, int16_t version, const sk_produce_req_t *req);
int sk_produce_resp_encode(sk_wr_t *w, int16_t version, const sk_produce_resp_t *resp);
int sk_produce_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_produce_resp_t *out);

#endif
