/* proto_heartbeat.h - Heartbeat (key 12), versions 0-3 (not flexible; the
 * schema's first flexible version is 4).
 *
 * Member -> group coordinator, every heartbeat interval: "I am alive in
 * this generation". Request: GroupId, GenerationId, MemberId,
 * GroupInstanceId (v3+, nullable). Response: ThrottleTimeMs (v1+),
 * ErrorCode (REBALANCE_IN_PROGRESS tells the member to rejoin).
 *
 * Encoders reject a null GroupId / MemberId with SK_EINVAL, and the request
 * encoder a non-empty GroupInstanceId below v3 (not ignorable). The response
 * encoder drops ThrottleTimeMs at v0. Strings are views into the decoded
 * bytes.
 * @locality any
 */
#ifndef SK_PROTO_HEARTBEAT_H
#define SK_PROTO_HEARTBEAT_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_HEARTBEAT_MIN_VER 0
#define SK_HEARTBEAT_MAX_VER 3
#define SK_HEARTBEAT_FLEX_VER 4 /* not reached by this range */

typedef struct sk_heartbeat_req {
    sk_str_t GroupId;
    int32_t GenerationId;
    sk_str_t MemberId;
    sk_str_t GroupInstanceId;        /* v3+, nullable */
} sk_heartbeat_req_t;

typedef struct sk_heartbeat_resp {
    int32_t ThrottleTimeMs;          /* v1+ */
    int16_t ErrorCode;
} sk_heartbeat_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-3; nothing read). Absent fields
 * get their defaults (GroupInstanceId null, ThrottleTimeMs 0).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, null
 * GroupId/MemberId, a non-empty GroupInstanceId in a v0-2 request; a null
 * or empty one is left out there, so a zeroed struct encodes), in which
 * case w is left as it was. */
int sk_heartbeat_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_heartbeat_req_t *out);
int sk_heartbeat_req_encode(sk_wr_t *w, int16_t version, const sk_heartbeat_req_t *req);
int sk_heartbeat_resp_encode(sk_wr_t *w, int16_t version, const sk_heartbeat_resp_t *resp);
int sk_heartbeat_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                             sk_heartbeat_resp_t *out);

#endif
