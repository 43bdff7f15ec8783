/* proto_offsetfetch.h - OffsetFetch (key 9), versions 1-7 (6+ flexible).
 *
 * Consumer (or admin tool) -> group coordinator: read a group's committed
 * offsets. Request: GroupId, Topics[{Name, PartitionIndexes[]}] (nullable
 * from v2: null = every partition the group has offsets for), RequireStable
 * (v7+: answer UNSTABLE_OFFSET_COMMIT while transactional offsets are
 * pending). Response: ThrottleTimeMs (v3+), Topics[{Name,
 * Partitions[{PartitionIndex, CommittedOffset (-1 = none),
 * CommittedLeaderEpoch (v5+), Metadata (nullable), ErrorCode}]}],
 * ErrorCode (v2+, group-level). (v8's Groups[] batching is not
 * implemented.)
 *
 * TopicsCnt -1 = null (request, v2+ only); every other list is
 * non-nullable. Absent fields decode as their defaults: RequireStable 0
 * (below v7), CommittedLeaderEpoch -1 (below v5), ErrorCode 0 (v1),
 * ThrottleTimeMs 0 (below v3). Encoders reject a negative Cnt (or a null
 * Topics at v1) or a null GroupId/Name with SK_EINVAL, and the request
 * encoder RequireStable below v7 (not ignorable). The response encoder
 * drops what the version lacks (ThrottleTimeMs, CommittedLeaderEpoch,
 * the top-level ErrorCode: a v1 client only sees per-partition errors).
 * Strings are views into the decoded bytes; arrays come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_OFFSETFETCH_H
#define SK_PROTO_OFFSETFETCH_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_OFFSETFETCH_MIN_VER 1
#define SK_OFFSETFETCH_MAX_VER 7
#define SK_OFFSETFETCH_FLEX_VER 6

typedef struct sk_offsetfetch_req_topic {
    sk_str_t Name;
    int32_t *PartitionIndexes;
    int32_t PartitionIndexesCnt;
} sk_offsetfetch_req_topic_t;

typedef struct sk_offsetfetch_req {
    sk_str_t GroupId;
    sk_offsetfetch_req_topic_t *Topics;  /* null (-1) = all, v2+ */
    int32_t TopicsCnt;
    int RequireStable;               /* v7+ */
} sk_offsetfetch_req_t;

typedef struct sk_offsetfetch_resp_partition {
    int32_t PartitionIndex;
    int64_t CommittedOffset;         /* -1 = no committed offset */
    int32_t CommittedLeaderEpoch;    /* v5+; -1 = unknown */
    sk_str_t Metadata;               /* nullable */
    int16_t ErrorCode;
} sk_offsetfetch_resp_partition_t;

typedef struct sk_offsetfetch_resp_topic {
    sk_str_t Name;
    sk_offsetfetch_resp_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_offsetfetch_resp_topic_t;

typedef struct sk_offsetfetch_resp {
    int32_t ThrottleTimeMs;          /* v3+ */
    sk_offsetfetch_resp_topic_t *Topics;
    int32_t TopicsCnt;
    int16_t ErrorCode;               /* v2+ */
} sk_offsetfetch_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 1-7; nothing read). Unknown tagged
 * fields (v6+) are skipped.
 * Encoders append a body to w: SK_OK, or SK_EINVAL (see above), in which
 * case w is left as it was. */
int sk_offsetfetch_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                              sk_offsetfetch_req_t *out);
int sk_offsetfetch_req_encode(sk_wr_t *w, int16_t version, const sk_offsetfetch_req_t *req);
int sk_offsetfetch_resp_encode(sk_wr_t *w, int16_t version, const sk_offsetfetch_resp_t *resp);
int sk_offsetfetch_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_offsetfetch_resp_t *out);

#endif
