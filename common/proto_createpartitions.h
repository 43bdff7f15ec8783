/* proto_createpartitions.h - CreatePartitions (key 37), versions 0-1 (not
 * flexible; the schema's first flexible version is 2).
 *
 * Request: Topics[{Name, Count (the new total partition count), Assignments
 * (nullable: null = let the controller assign)[{BrokerIds[]}]}], TimeoutMs,
 * ValidateOnly. When Assignments is given it holds one entry per NEW
 * partition, in partition order. Response: ThrottleTimeMs,
 * Results[{Name, ErrorCode, ErrorMessage (nullable)}]. v1 has the same
 * layout as v0 (it only changed the broker's throttling behaviour).
 *
 * AssignmentsCnt -1 = null; every other list is non-nullable (encoders
 * reject a negative Cnt or a null Name with SK_EINVAL, decoders a null
 * count). Strings are views into the decoded bytes; arrays come from the
 * arena.
 * @locality any
 */
#ifndef SK_PROTO_CREATEPARTITIONS_H
#define SK_PROTO_CREATEPARTITIONS_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_CREATEPARTITIONS_MIN_VER 0
#define SK_CREATEPARTITIONS_MAX_VER 1
#define SK_CREATEPARTITIONS_FLEX_VER 2   /* not reached by this range */

typedef struct sk_createpartitions_assignment {
    int32_t *BrokerIds;
    int32_t BrokerIdsCnt;
} sk_createpartitions_assignment_t;

typedef struct sk_createpartitions_topic {
    sk_str_t Name;
    int32_t Count;
    sk_createpartitions_assignment_t *Assignments;
    int32_t AssignmentsCnt;          /* -1 = null */
} sk_createpartitions_topic_t;

typedef struct sk_createpartitions_req {
    sk_createpartitions_topic_t *Topics;
    int32_t TopicsCnt;
    int32_t TimeoutMs;
    int ValidateOnly;
} sk_createpartitions_req_t;

typedef struct sk_createpartitions_result {
    sk_str_t Name;
    int16_t ErrorCode;
    sk_str_t ErrorMessage;           /* nullable */
} sk_createpartitions_result_t;

typedef struct sk_createpartitions_resp {
    int32_t ThrottleTimeMs;
    sk_createpartitions_result_t *Results;
    int32_t ResultsCnt;
} sk_createpartitions_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-1; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * non-nullable count, null name), in which case w is left as it was. */
int sk_createpartitions_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                   sk_createpartitions_req_t *out);
int sk_createpartitions_req_encode(sk_wr_t *w, int16_t version,
                                   const sk_createpartitions_req_t *req);
int sk_createpartitions_resp_encode(sk_wr_t *w, int16_t version,
                                    const sk_createpartitions_resp_t *resp);
int sk_createpartitions_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                    sk_createpartitions_resp_t *out);

#endif
