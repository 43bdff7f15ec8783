/* proto_leavegroup.h - LeaveGroup (key 13), versions 0-3 (not flexible; the
 * schema's first flexible version is 4).
 *
 * Member -> group coordinator: leave the group now rather than time out.
 * Request v0-2: GroupId, MemberId. Request v3 (KIP-345 batch leave):
 * GroupId, Members[{MemberId, GroupInstanceId (nullable)}]. Response:
 * ThrottleTimeMs (v1+), ErrorCode, Members[{MemberId, GroupInstanceId
 * (nullable), ErrorCode}] (v3+: one result per member that asked).
 *
 * The struct carries both request layouts: MemberId is used at v0-2, the
 * Members list at v3. The decoders fill the other with its default (""
 * resp. an empty list). The request encoder refuses a non-empty MemberId at
 * v3 and a non-empty Members list at v0-2 (neither field is ignorable), a
 * negative Cnt, or a null GroupId/MemberId, with SK_EINVAL. The response
 * encoder writes what the version has and drops the rest (ThrottleTimeMs at
 * v0, Members below v3). Strings are views into the decoded bytes; arrays
 * come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_LEAVEGROUP_H
#define SK_PROTO_LEAVEGROUP_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_LEAVEGROUP_MIN_VER 0
#define SK_LEAVEGROUP_MAX_VER 3
#define SK_LEAVEGROUP_FLEX_VER 4 /* not reached by this range */
/* First version with the batch Members list. */
#define SK_LEAVEGROUP_BATCH_VER 3

typedef struct sk_leavegroup_member {
    sk_str_t MemberId;
    sk_str_t GroupInstanceId;        /* nullable */
} sk_leavegroup_member_t;

typedef struct sk_leavegroup_req {
    sk_str_t GroupId;
    sk_str_t MemberId;               /* v0-2 */
    sk_leavegroup_member_t *Members; /* v3+ */
    int32_t MembersCnt;
} sk_leavegroup_req_t;

typedef struct sk_leavegroup_member_resp {
    sk_str_t MemberId;
    sk_str_t GroupInstanceId;        /* nullable */
    int16_t ErrorCode;
} sk_leavegroup_member_resp_t;

typedef struct sk_leavegroup_resp {
    int32_t ThrottleTimeMs;          /* v1+ */
    int16_t ErrorCode;
    sk_leavegroup_member_resp_t *Members; /* v3+ */
    int32_t MembersCnt;
} sk_leavegroup_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-3; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (see above), in which
 * case w is left as it was. */
int sk_leavegroup_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                             sk_leavegroup_req_t *out);
int sk_leavegroup_req_encode(sk_wr_t *w, int16_t version, const sk_leavegroup_req_t *req);
int sk_leavegroup_resp_encode(sk_wr_t *w, int16_t version, const sk_leavegroup_resp_t *resp);
int sk_leavegroup_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                              sk_leavegroup_resp_t *out);

#endif
