/* proto_offsetdelete.h - OffsetDelete (key 47), version 0 (not flexible).
 *
 * Admin client -> group coordinator: delete committed offsets of some
 * partitions of a group (refused per partition with
 * GROUP_SUBSCRIBED_TO_TOPIC while the group consumes that topic).
 * Request: GroupId, Topics[{Name, Partitions[{PartitionIndex}]}].
 * Response: ErrorCode (group-level), ThrottleTimeMs, Topics[{Name,
 * Partitions[{PartitionIndex, ErrorCode}]}].
 *
 * No list or string is nullable: encoders reject a negative Cnt or a null
 * GroupId/Name with SK_EINVAL, decoders a null count or string. Strings
 * are views into the decoded bytes; arrays come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_OFFSETDELETE_H
#define SK_PROTO_OFFSETDELETE_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_OFFSETDELETE_MIN_VER 0
#define SK_OFFSETDELETE_MAX_VER 0
#define SK_OFFSETDELETE_FLEX_VER 1 /* none: the schema has no flexible version */

typedef struct sk_offsetdelete_req_partition {
    int32_t PartitionIndex;
} sk_offsetdelete_req_partition_t;

typedef struct sk_offsetdelete_req_topic {
    sk_str_t Name;
    sk_offsetdelete_req_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_offsetdelete_req_topic_t;

typedef struct sk_offsetdelete_req {
    sk_str_t GroupId;
    sk_offsetdelete_req_topic_t *Topics;
    int32_t TopicsCnt;
} sk_offsetdelete_req_t;

typedef struct sk_offsetdelete_resp_partition {
    int32_t PartitionIndex;
    int16_t ErrorCode;
} sk_offsetdelete_resp_partition_t;

typedef struct sk_offsetdelete_resp_topic {
    sk_str_t Name;
    sk_offsetdelete_resp_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_offsetdelete_resp_topic_t;

typedef struct sk_offsetdelete_resp {
    int16_t ErrorCode;
    int32_t ThrottleTimeMs;
    sk_offsetdelete_resp_topic_t *Topics;
    int32_t TopicsCnt;
} sk_offsetdelete_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version other than 0; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null string), in which case w is left as it was. */
int sk_offsetdelete_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_offsetdelete_req_t *out);
int sk_offsetdelete_req_encode(sk_wr_t *w, int16_t version, const sk_offsetdelete_req_t *req);
int sk_offsetdelete_resp_encode(sk_wr_t *w, int16_t version, const sk_offsetdelete_resp_t *resp);
int sk_offsetdelete_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_offsetdelete_resp_t *out);

#endif
