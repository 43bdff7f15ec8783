/* proto_joingroup.h - JoinGroup (key 11), versions 0-5 (not flexible; the
 * schema's first flexible version is 6).
 *
 * Member -> group coordinator: join (or rejoin) a group and offer the
 * protocols (assignors) it supports with its metadata for each.
 * Request: GroupId, SessionTimeoutMs, RebalanceTimeoutMs (v1+; absent at
 * v0 and decoded there as -1, the schema default: use the session timeout),
 * MemberId ("" on a first join), GroupInstanceId (v5+, nullable: static
 * membership), ProtocolType, Protocols[{Name, Metadata}].
 * Response: ThrottleTimeMs (v2+), ErrorCode, GenerationId, ProtocolName,
 * Leader, MemberId, Members[{MemberId, GroupInstanceId (v5+, nullable),
 * Metadata}] (the full list only in the leader's response, else empty).
 *
 * Nothing is nullable except GroupInstanceId; in particular ProtocolName is
 * a non-null string in these versions (an error response carries "").
 * Encoders reject a negative Cnt or a null string/bytes with SK_EINVAL.
 * GroupInstanceId is not ignorable: the request encoder refuses a non-empty
 * one below v5. The response encoder writes the fields the version has and
 * drops the others (ThrottleTimeMs below v2, members' GroupInstanceId
 * below v5). Strings and bytes are views into the decoded bytes; arrays
 * come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_JOINGROUP_H
#define SK_PROTO_JOINGROUP_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_JOINGROUP_MIN_VER 0
#define SK_JOINGROUP_MAX_VER 5
#define SK_JOINGROUP_FLEX_VER 6 /* not reached by this range */

typedef struct sk_joingroup_protocol {
    sk_str_t Name;                   /* e.g. "range", "roundrobin" */
    sk_str_t Metadata;               /* bytes, opaque to the broker */
} sk_joingroup_protocol_t;

typedef struct sk_joingroup_req {
    sk_str_t GroupId;
    int32_t SessionTimeoutMs;
    int32_t RebalanceTimeoutMs;      /* v1+; -1 when absent */
    sk_str_t MemberId;
    sk_str_t GroupInstanceId;        /* v5+, nullable */
    sk_str_t ProtocolType;           /* e.g. "consumer" */
    sk_joingroup_protocol_t *Protocols;
    int32_t ProtocolsCnt;
} sk_joingroup_req_t;

typedef struct sk_joingroup_member {
    sk_str_t MemberId;
    sk_str_t GroupInstanceId;        /* v5+, nullable */
    sk_str_t Metadata;               /* bytes */
} sk_joingroup_member_t;

typedef struct sk_joingroup_resp {
    int32_t ThrottleTimeMs;          /* v2+ */
    int16_t ErrorCode;
    int32_t GenerationId;
    sk_str_t ProtocolName;
    sk_str_t Leader;
    sk_str_t MemberId;
    sk_joingroup_member_t *Members;
    int32_t MembersCnt;
} sk_joingroup_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-5; nothing read). Fields absent
 * in the version get their defaults (RebalanceTimeoutMs -1, GroupInstanceId
 * null, ThrottleTimeMs 0).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null where not nullable, a non-empty GroupInstanceId in a v0-4
 * request; a null or empty one is left out there, so a zeroed struct
 * encodes), in which case w is left as it was. */
int sk_joingroup_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_joingroup_req_t *out);
int sk_joingroup_req_encode(sk_wr_t *w, int16_t version, const sk_joingroup_req_t *req);
int sk_joingroup_resp_encode(sk_wr_t *w, int16_t version, const sk_joingroup_resp_t *resp);
int sk_joingroup_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                             sk_joingroup_resp_t *out);

#endif
