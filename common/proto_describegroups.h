/* proto_describegroups.h - DescribeGroups (key 15), versions 0-4 (not
 * flexible; the schema's first flexible version is 5).
 *
 * Admin client -> group coordinator: state and members of some groups.
 * Request: Groups[] (group ids), IncludeAuthorizedOperations (v3+).
 * Response: ThrottleTimeMs (v1+), Groups[{ErrorCode, GroupId, GroupState
 * ("Dead" for an unknown group), ProtocolType, ProtocolData (the chosen
 * protocol), Members[{MemberId, GroupInstanceId (v4+, nullable), ClientId,
 * ClientHost, MemberMetadata, MemberAssignment}], AuthorizedOperations
 * (v3+; INT32_MIN = not requested)}].
 *
 * Nothing is nullable except GroupInstanceId. IncludeAuthorizedOperations
 * is not ignorable: the request encoder refuses it below v3. The response
 * encoder drops what the version lacks (ThrottleTimeMs at v0,
 * AuthorizedOperations below v3, GroupInstanceId below v4). Decoders fill
 * absent fields with defaults (0, INT32_MIN, null). Strings and bytes are
 * views into the decoded bytes; arrays come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_DESCRIBEGROUPS_H
#define SK_PROTO_DESCRIBEGROUPS_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_DESCRIBEGROUPS_MIN_VER 0
#define SK_DESCRIBEGROUPS_MAX_VER 4
#define SK_DESCRIBEGROUPS_FLEX_VER 5 /* not reached by this range */

/* AuthorizedOperations when not requested (the schema default). */
#define SK_DESCRIBEGROUPS_OPS_OMITTED INT32_MIN

typedef struct sk_describegroups_req {
    sk_str_t *Groups;
    int32_t GroupsCnt;
    int IncludeAuthorizedOperations; /* v3+ */
} sk_describegroups_req_t;

typedef struct sk_describegroups_member {
    sk_str_t MemberId;
    sk_str_t GroupInstanceId;        /* v4+, nullable */
    sk_str_t ClientId;
    sk_str_t ClientHost;
    sk_str_t MemberMetadata;         /* bytes */
    sk_str_t MemberAssignment;       /* bytes */
} sk_describegroups_member_t;

typedef struct sk_describegroups_group {
    int16_t ErrorCode;
    sk_str_t GroupId;
    sk_str_t GroupState;
    sk_str_t ProtocolType;
    sk_str_t ProtocolData;
    sk_describegroups_member_t *Members;
    int32_t MembersCnt;
    int32_t AuthorizedOperations;    /* v3+ */
} sk_describegroups_group_t;

typedef struct sk_describegroups_resp {
    int32_t ThrottleTimeMs;          /* v1+ */
    sk_describegroups_group_t *Groups;
    int32_t GroupsCnt;
} sk_describegroups_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-4; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null where not nullable, IncludeAuthorizedOperations below v3),
 * in which case w is left as it was. */
int sk_describegroups_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                 sk_describegroups_req_t *out);
int sk_describegroups_req_encode(sk_wr_t *w, int16_t version,
                                 const sk_describegroups_req_t *req);
int sk_describegroups_resp_encode(sk_wr_t *w, int16_t version,
                                  const sk_describegroups_resp_t *resp);
int sk_describegroups_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_describegroups_resp_t *out);

#endif
