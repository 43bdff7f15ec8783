/* proto_fetch.h - Fetch (key 1), versions 0-16 (flexible 12+).
 *
 * The codec is generated from common/schema/apis.schema: sk_fetch_{req,resp}_t
 * and sk_fetch_{req,resp}_{decode,encode,size,free,init} in proto_gen.h.
 * Version differences on the wire: MaxBytes v3+, IsolationLevel v4+,
 * LogStartOffset v5+, sessions and ForgottenTopicsData v7+,
 * CurrentLeaderEpoch v9+, RackId v11+, LastFetchedEpoch v12+, topic ids
 * instead of names v13+, ReplicaState (tagged) instead of ReplicaId v15+;
 * in the response ThrottleTimeMs v1+, LastStableOffset and
 * AbortedTransactions v4+, ErrorCode and SessionId v7+,
 * PreferredReadReplica v11+, NodeEndpoints (tagged) v16.
 *
 * What stays hand-written is the response's record attachment: the body goes
 * into a libevent evbuffer so that each partition's records can be a file
 * range sent without copying (evbuffer_add_file_segment: sendfile when the
 * buffer drains to a plain socket). For that, each partition's Records
 * (sk_str_t) points to an sk_fetch_records_t saying where the bytes are, and
 * its len is their length (-1: null records). Such a response must go out
 * through sk_fetch_resp_send(), never the plain encoder.
 * @locality loop (evbuffers belong to the loop thread)
 */
#ifndef SK_PROTO_FETCH_H
#define SK_PROTO_FETCH_H
#include <stdint.h>

#include "proto_gen.h"

struct evbuffer;

/* Where a partition's record bytes come from. */
typedef enum {
    SK_FETCH_REC_MEM = 0, /* ptr, len: copied into the evbuffer */
    SK_FETCH_REC_FILE,    /* fd, pos, len: a file segment; the fd passes to the encoder */
} sk_fetch_rec_kind_t;

typedef struct sk_fetch_records {
    sk_fetch_rec_kind_t kind;
    const void *ptr; /* MEM */
    int fd;          /* FILE (-1 once consumed) */
    int64_t pos;     /* FILE: start offset in the file */
    int64_t len;     /* bytes (the field's len must be the same) */
    int64_t first_offset; /* FILE: the first batch's offset (not encoded; for the sender) */
} sk_fetch_records_t;

/* Points rec (a partition's Records field) at src. */
static inline void sk_fetch_records_set(sk_str_t *rec, sk_fetch_records_t *src)
{
    rec->p = (const char *)(void *)src;
    rec->len = (int32_t)src->len;
}

/* The sk_fetch_records_t a Records field points at (NULL: none). */
static inline sk_fetch_records_t *sk_fetch_records_of(const sk_str_t *rec)
{
    return rec->len >= 0 ? (sk_fetch_records_t *)(void *)(uintptr_t)rec->p : NULL;
}

/* Appends the response BODY, encoded at version, to out (the caller then
 * prepends the size and response header). Every FILE fd in resp passes to
 * this function whatever the result: added to out (closed once sent) or
 * closed here. SK_OK; SK_EINVAL when the struct cannot be encoded at this
 * version or a source is invalid (nothing is appended to out then); SK_EIO
 * when libevent refuses a buffer operation (out may hold a partial body:
 * discard it). */
int sk_fetch_resp_send(struct evbuffer *out, int16_t version, const sk_fetch_resp_t *resp);

/* Closes the FILE fds of a response that will not be sent. */
void sk_fetch_resp_discard(const sk_fetch_resp_t *resp);

#endif
