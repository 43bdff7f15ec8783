/* proto_deletetopics.h - DeleteTopics (key 20), versions 0-4 (4+ flexible).
 *
 * Request: TopicNames[] (non-null strings), TimeoutMs. Response:
 * ThrottleTimeMs (v1+), Responses[{Name, ErrorCode}]. (Topic ids and error
 * messages come in v5/v6, outside this range.) kafka-python sends v3,
 * librdkafka v1.
 *
 * No list is nullable: encoders reject a negative Cnt or a null name with
 * SK_EINVAL, decoders a null count or name. Names are views into the
 * decoded bytes; arrays come from the arena.
 * @locality any
 */
#ifndef SK_PROTO_DELETETOPICS_H
#define SK_PROTO_DELETETOPICS_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

#define SK_DELETETOPICS_MIN_VER 0
#define SK_DELETETOPICS_MAX_VER 4
#define SK_DELETETOPICS_FLEX_VER 4

typedef struct sk_deletetopics_req {
    sk_str_t *TopicNames;
    int32_t TopicNamesCnt;
    int32_t TimeoutMs;
} sk_deletetopics_req_t;

typedef struct sk_deletetopics_result {
    sk_str_t Name;
    int16_t ErrorCode;
} sk_deletetopics_result_t;

typedef struct sk_deletetopics_resp {
    int32_t ThrottleTimeMs;          /* v1+ (ignorable) */
    sk_deletetopics_result_t *Responses;
    int32_t ResponsesCnt;
} sk_deletetopics_resp_t;

/* Decoders: SK_OK, SK_EPARSE (malformed or truncated; out must not be
 * used), or SK_EINVAL (version outside 0-4; nothing read).
 * Encoders append a body to w: SK_OK, or SK_EINVAL (bad version, negative
 * count, null name), in which case w is left as it was. */
int sk_deletetopics_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                               sk_deletetopics_req_t *out);
int sk_deletetopics_req_encode(sk_wr_t *w, int16_t version, const sk_deletetopics_req_t *req);
int sk_deletetopics_resp_encode(sk_wr_t *w, int16_t version, const sk_deletetopics_resp_t *resp);
int sk_deletetopics_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a,
                                sk_deletetopics_resp_t *out);

#endif
