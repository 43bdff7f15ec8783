/* proto_syncgroup.h - SyncGroup (key 14), versions 0-3 (not flexible; the
 * schema's first flexible version is 4).
 *
 * Member -> group coordinator after a JoinGroup: the leader sends every
 * member's assignment, the others an empty list; each gets its own bytes
 * back. Request: GroupId, GenerationId, MemberId, GroupInstanceId (v3+,
 * nullable), Assignments[{MemberId, Assignment}]. Response: ThrottleTimeMs
 * (v1+), ErrorCode, Assignment (bytes; empty on errors). (ProtocolType and
 * ProtocolName arrive in v5, outside this range.)
 *
 * Nothing is nullable except GroupInstanceId. Encoders reject a negative
 * Cnt or a null string/bytes with SK_EINVAL, and the request encoder a
 * non-empty GroupInstanceId below v3 (not ignorable). The response encoder
 * drops ThrottleTimeMs at v0. Strings and bytes are views into the decoded
 * bytes; arrays come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_SYNCGROUP_H
#define SK_PROTO_SYNCGROUP_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_SYNCGROUP_MIN_VER 0
#define SK_SYNCGROUP_MAX_VER 3
#define SK_SYNCGROUP_FLEX_VER 4 /* not reached by this range */

typedef struct sk_syncgroup_assignment {
    sk_str_t MemberId;
    sk_str_t Assignment;             /* bytes, opaque to the broker */
} sk_syncgroup_assignment_t;

typedef struct sk_syncgroup_req {
    sk_str_t GroupId;
    int32_t GenerationId;
    sk_str_t MemberId;
    sk_str_t GroupInstanceId;        /* v3+, nullable */
    sk_syncgroup_assignment_t *Assignments;
    int32_t AssignmentsCnt;
} sk_syncgroup_req_t;

typedef struct sk_syncgroup_resp {
    int32_t ThrottleTimeMs;          /* v1+ */
    int16_t ErrorCode;
    sk_str_t Assignment;             /* bytes */
} sk_syncgroup_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-3; nothing read). Absent fields
 * get their defaults (GroupInstanceId null, ThrottleTimeMs 0).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null where not nullable, a non-empty GroupInstanceId in a v0-2
 * request; a null or empty one is left out there, so a zeroed struct
 * encodes), in which case w is left as it was. */
int sk_syncgroup_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_syncgroup_req_t *out);
int sk_syncgroup_req_encode(sk_wr_t *w, int16_t version, const sk_syncgroup_req_t *req);
int sk_syncgroup_resp_encode(sk_wr_t *w, int16_t version, const sk_syncgroup_resp_t *resp);
int sk_syncgroup_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                             sk_syncgroup_resp_t *out);

#endif
