/* proto_initproducerid.h - InitProducerId (key 22), versions 0-4 (flexible
 * from v2).
 *
 * Producer -> any broker (idempotent producer, null TransactionalId) or the
 * transaction coordinator (transactional producer): "give me a producer id
 * and epoch". Request: TransactionalId (nullable), TransactionTimeoutMs,
 * ProducerId and ProducerEpoch (v3+, default -1: the id/epoch the producer
 * has, when it re-initialises). Response: ThrottleTimeMs, ErrorCode,
 * ProducerId, ProducerEpoch.
 *
 * Encoders drop fields a version does not have (a request's ProducerId /
 * ProducerEpoch other than -1 below v3 is SK_EINVAL: not ignorable). All
 * four response fields exist in every version; v2+ only add tag sections.
 * Strings are views into the decoded bytes.
 * @locality any
 */
#ifndef SK_PROTO_INITPRODUCERID_H
#define SK_PROTO_INITPRODUCERID_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_INITPRODUCERID_MIN_VER 0
#define SK_INITPRODUCERID_MAX_VER 4
#define SK_INITPRODUCERID_FLEX_VER 2

typedef struct sk_initproducerid_req {
    sk_str_t TransactionalId;     /* nullable (len -1): an idempotent producer */
    int32_t TransactionTimeoutMs;
    int64_t ProducerId;           /* v3+, default -1 */
    int16_t ProducerEpoch;        /* v3+, default -1 */
} sk_initproducerid_req_t;

typedef struct sk_initproducerid_resp {
    int32_t ThrottleTimeMs;
    int16_t ErrorCode;
    int64_t ProducerId;           /* -1 with an error */
    int16_t ProducerEpoch;
} sk_initproducerid_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-4; nothing read). Absent fields
 * get their defaults (ProducerId -1, ProducerEpoch -1). Flexible versions
 * skip unknown tagged fields.
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version; a request
 * with ProducerId or ProducerEpoch other than -1 below v3, or with a
 * TransactionalId longer than INT16_MAX bytes below v2, which the classic
 * int16 length cannot express), in which case w is left as it was. A
 * TransactionalId with a negative len is written as null. */
int sk_initproducerid_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                 sk_initproducerid_req_t *out);
int sk_initproducerid_req_encode(sk_wr_t *w, int16_t version, const sk_initproducerid_req_t *req);
int sk_initproducerid_resp_encode(sk_wr_t *w, int16_t version,
                                  const sk_initproducerid_resp_t *resp);
int sk_initproducerid_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                  sk_initproducerid_resp_t *out);

#endif
