/* proto_deletegroups.h - DeleteGroups (key 42), versions 0-1 (not
 * flexible; the schema's first flexible version is 2).
 *
 * Admin client -> group coordinator: delete empty groups and their
 * offsets. Request: GroupsNames[]. Response: ThrottleTimeMs,
 * Results[{GroupId, ErrorCode}] (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, ...).
 * v1 has the same layout as v0.
 *
 * No list or string is nullable: encoders reject a negative Cnt or a null
 * name with SK_EINVAL, decoders a null count or name. Strings are views
 * into the decoded bytes; arrays come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_DELETEGROUPS_H
#define SK_PROTO_DELETEGROUPS_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_DELETEGROUPS_MIN_VER 0
#define SK_DELETEGROUPS_MAX_VER 1
#define SK_DELETEGROUPS_FLEX_VER 2 /* not reached by this range */

typedef struct sk_deletegroups_req {
    sk_str_t *GroupsNames;
    int32_t GroupsNamesCnt;
} sk_deletegroups_req_t;

typedef struct sk_deletegroups_result {
    sk_str_t GroupId;
    int16_t ErrorCode;
} sk_deletegroups_result_t;

typedef struct sk_deletegroups_resp {
    int32_t ThrottleTimeMs;
    sk_deletegroups_result_t *Results;
    int32_t ResultsCnt;
} sk_deletegroups_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-1; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null name), in which case w is left as it was. */
int sk_deletegroups_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_deletegroups_req_t *out);
int sk_deletegroups_req_encode(sk_wr_t *w, int16_t version, const sk_deletegroups_req_t *req);
int sk_deletegroups_resp_encode(sk_wr_t *w, int16_t version, const sk_deletegroups_resp_t *resp);
int sk_deletegroups_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_deletegroups_resp_t *out);

#endif
