/* proto_findcoordinator.h - FindCoordinator (key 10), versions 0-2 (not
 * flexible; the schema's first flexible version is 3).
 *
 * Client -> any broker: "which broker coordinates this group (KeyType 0) or
 * transactional id (KeyType 1)?". Request: Key, KeyType (v1+; absent at v0,
 * decoded there as 0 = group). Response: ThrottleTimeMs (v1+), ErrorCode,
 * ErrorMessage (v1+, nullable), NodeId, Host, Port. On an error Kafka
 * answers NodeId -1, Host "" and Port -1. (v4 batches keys into
 * CoordinatorKeys / Coordinators[]; outside this range.)
 *
 * Key and Host are not nullable. KeyType is not ignorable: the request
 * encoder refuses a non-zero KeyType at v0. The response encoder writes the
 * fields the version has and drops the others (ThrottleTimeMs and
 * ErrorMessage at v0), so the coordinator can fill one struct for every
 * version. Strings are views into the decoded bytes.
 * @locality any
 */
#ifndef SK_PROTO_FINDCOORDINATOR_H
#define SK_PROTO_FINDCOORDINATOR_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_FINDCOORDINATOR_MIN_VER 0
#define SK_FINDCOORDINATOR_MAX_VER 2
#define SK_FINDCOORDINATOR_FLEX_VER 3 /* not reached by this range */

/* KeyType values. */
#define SK_FINDCOORDINATOR_KEY_GROUP 0
#define SK_FINDCOORDINATOR_KEY_TRANSACTION 1

typedef struct sk_findcoordinator_req {
    sk_str_t Key;                    /* group id or transactional id */
    int8_t KeyType;                  /* v1+ */
} sk_findcoordinator_req_t;

typedef struct sk_findcoordinator_resp {
    int32_t ThrottleTimeMs;          /* v1+ */
    int16_t ErrorCode;
    sk_str_t ErrorMessage;           /* v1+, nullable */
    int32_t NodeId;
    sk_str_t Host;
    int32_t Port;
} sk_findcoordinator_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-2; nothing read). Fields absent
 * in the version get their defaults (KeyType 0, ErrorMessage null).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, null Key
 * or Host, KeyType != 0 at v0), in which case w is left as it was. */
int sk_findcoordinator_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_findcoordinator_req_t *out);
int sk_findcoordinator_req_encode(sk_wr_t *w, int16_t version,
                                  const sk_findcoordinator_req_t *req);
int sk_findcoordinator_resp_encode(sk_wr_t *w, int16_t version,
                                   const sk_findcoordinator_resp_t *resp);
int sk_findcoordinator_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                   sk_findcoordinator_resp_t *out);

#endif
