/* proto_listgroups.h - ListGroups (key 16), versions 0-4 (3+ flexible).
 *
 * Admin client -> every broker: the groups this broker coordinates.
 * Request: StatesFilter[] (v4+; empty = all states; the body is empty at
 * v0-2 and only a tag section at v3). Response: ThrottleTimeMs (v1+),
 * ErrorCode, Groups[{GroupId, ProtocolType, GroupState (v4+)}].
 *
 * No list or string is nullable. StatesFilter is not ignorable: the request
 * encoder refuses a non-empty filter below v4. The response encoder drops
 * what the version lacks (ThrottleTimeMs at v0, GroupState below v4).
 * Decoders fill absent fields with defaults (empty filter, ThrottleTimeMs
 * 0, GroupState ""); unknown tagged fields (v3+) are skipped. Strings are
 * views into the decoded bytes; arrays come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_LISTGROUPS_H
#define SK_PROTO_LISTGROUPS_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_LISTGROUPS_MIN_VER 0
#define SK_LISTGROUPS_MAX_VER 4
#define SK_LISTGROUPS_FLEX_VER 3

typedef struct sk_listgroups_req {
    sk_str_t *StatesFilter;          /* v4+, e.g. "Stable", "Empty" */
    int32_t StatesFilterCnt;
} sk_listgroups_req_t;

typedef struct sk_listgroups_group {
    sk_str_t GroupId;
    sk_str_t ProtocolType;           /* "" for groups that only store offsets */
    sk_str_t GroupState;             /* v4+ */
} sk_listgroups_group_t;

typedef struct sk_listgroups_resp {
    int32_t ThrottleTimeMs;          /* v1+ */
    int16_t ErrorCode;
    sk_listgroups_group_t *Groups;
    int32_t GroupsCnt;
} sk_listgroups_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-4; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null string, StatesFilter below v4), in which case w is left as
 * it was. */
int sk_listgroups_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                             sk_listgroups_req_t *out);
int sk_listgroups_req_encode(sk_wr_t *w, int16_t version, const sk_listgroups_req_t *req);
int sk_listgroups_resp_encode(sk_wr_t *w, int16_t version, const sk_listgroups_resp_t *resp);
int sk_listgroups_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                              sk_listgroups_resp_t *out);

#endif
