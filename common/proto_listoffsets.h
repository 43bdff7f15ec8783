/* proto_listoffsets.h - ListOffsets (key 2), versions 0-2 (none flexible).
 *
 * Skein advertises 1-2; the codec also speaks v0 (MaxNumOffsets in the
 * request, OldStyleOffsets array instead of Timestamp/Offset in the response).
 * IsolationLevel (v2+) 0 = read_uncommitted, 1 = read_committed.
 * Timestamp -1 = latest, -2 = earliest.
 * @locality any
 */
#ifndef SK_PROTO_LISTOFFSETS_H
#define SK_PROTO_LISTOFFSETS_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_LISTOFFSETS_LATEST (-1)
#define SK_LISTOFFSETS_EARLIEST (-2)

typedef struct sk_listoffsets_req_partition {
    int32_t PartitionIndex;
    int64_t Timestamp;
    int32_t MaxNumOffsets;           /* v0 only; 1 otherwise */
} sk_listoffsets_req_partition_t;

typedef struct sk_listoffsets_req_topic {
    sk_str_t Name;
    sk_listoffsets_req_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_listoffsets_req_topic_t;

typedef struct sk_listoffsets_req {
    int32_t ReplicaId;
    int8_t IsolationLevel;           /* v2+; 0 below */
    sk_listoffsets_req_topic_t *Topics;
    int32_t TopicsCnt;
} sk_listoffsets_req_t;

typedef struct sk_listoffsets_resp_partition {
    int32_t PartitionIndex;
    int16_t ErrorCode;
    int64_t *OldStyleOffsets;        /* v0 only */
    int32_t OldStyleOffsetsCnt;
    int64_t Timestamp;               /* v1+ (-1 = unknown) */
    int64_t Offset;                  /* v1+ */
} sk_listoffsets_resp_partition_t;

typedef struct sk_listoffsets_resp_topic {
    sk_str_t Name;
    sk_listoffsets_resp_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_listoffsets_resp_topic_t;

typedef struct sk_listoffsets_resp {
    int32_t ThrottleTimeMs;          /* v2+ */
    sk_listoffsets_resp_topic_t *Topics;
    int32_t TopicsCnt;
} sk_listoffsets_resp_t;

/* Decoders: SK_OK, SK_EPARSE, or SK_EINVAL (version outside 0-2).
 * Encoders: SK_OK or SK_EINVAL. */
int sk_listoffsets_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                              sk_listoffsets_req_t *out);
int sk_listoffsets_req_encode(sk_wr_t *w, int16_t version, const sk_listoffsets_req_t *req);
int sk_listoffsets_resp_encode(sk_wr_t *w, int16_t version, const sk_listoffsets_resp_t *resp);
int sk_listoffsets_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_listoffsets_resp_t *out);

#endif
