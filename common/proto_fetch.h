/* proto_fetch.h - Fetch (key 1), versions 4-11 (none flexible).
 *
 * Request: MaxBytes v3+, IsolationLevel v4+, LogStartOffset v5+, SessionId /
 * SessionEpoch / ForgottenTopicsData v7+, CurrentLeaderEpoch v9+, RackId v11+.
 *
 * Response: ThrottleTimeMs, LastStableOffset, AbortedTransactions (nullable)
 * v4+; LogStartOffset v5+; ErrorCode / SessionId v7+; PreferredReadReplica
 * v11+. The encoder writes into a libevent evbuffer so that record data can
 * be attached without copying: each partition's records are either memory
 * or a file range that goes in with evbuffer_add_file() (zero-copy sendfile
 * when the buffer drains to a plain socket) or a shared file segment
 * (evbuffer_add_file_segment()). Framing bytes go in as memory.
 * @locality loop (evbuffers belong to the loop thread); decode: any
 */
#ifndef SK_PROTO_FETCH_H
#define SK_PROTO_FETCH_H
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

struct evbuffer;
struct evbuffer_file_segment;

typedef struct sk_fetch_req_partition {
    int32_t Partition;
    int32_t CurrentLeaderEpoch;      /* v9+; -1 below */
    int64_t FetchOffset;
    int64_t LogStartOffset;          /* v5+; -1 below */
    int32_t PartitionMaxBytes;
} sk_fetch_req_partition_t;

typedef struct sk_fetch_req_topic {
    sk_str_t Topic;
    sk_fetch_req_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_fetch_req_topic_t;

typedef struct sk_fetch_forgotten_topic {
    sk_str_t Topic;
    int32_t *Partitions;
    int32_t PartitionsCnt;
} sk_fetch_forgotten_topic_t;

typedef struct sk_fetch_req {
    int32_t ReplicaId;               /* -1 for consumers, broker id for followers */
    int32_t MaxWaitMs;
    int32_t MinBytes;
    int32_t MaxBytes;                /* v3+ */
    int8_t IsolationLevel;           /* v4+: 0 read_uncommitted, 1 read_committed */
    int32_t SessionId;               /* v7+; 0 below */
    int32_t SessionEpoch;            /* v7+; -1 below */
    sk_fetch_req_topic_t *Topics;
    int32_t TopicsCnt;
    sk_fetch_forgotten_topic_t *ForgottenTopicsData; /* v7+ */
    int32_t ForgottenTopicsDataCnt;
    sk_str_t RackId;                 /* v11+; "" below */
} sk_fetch_req_t;

/* Where a partition's record bytes come from (response encode), or where
 * they are (response decode: always MEM or NULL). A zeroed struct is an
 * empty, non-null record set. */
typedef enum {
    SK_FETCH_REC_MEM = 0,    /* ptr, len: copied into the evbuffer */
    SK_FETCH_REC_NULL,       /* null records */
    SK_FETCH_REC_FILE,       /* fd, pos, len: evbuffer_add_file(); the fd is owned by the encoder */
    SK_FETCH_REC_SEGMENT,    /* seg, pos, len: evbuffer_add_file_segment() (takes its own ref) */
} sk_fetch_rec_kind_t;

typedef struct sk_fetch_records {
    sk_fetch_rec_kind_t kind;
    const void *ptr;                 /* MEM */
    int fd;                          /* FILE */
    struct evbuffer_file_segment *seg; /* SEGMENT */
    int64_t pos;                     /* FILE / SEGMENT: start offset in the file / segment */
    int64_t len;                     /* bytes; <= INT32_MAX */
} sk_fetch_records_t;

typedef struct sk_fetch_aborted_txn {
    int64_t ProducerId;
    int64_t FirstOffset;
} sk_fetch_aborted_txn_t;

typedef struct sk_fetch_resp_partition {
    int32_t PartitionIndex;
    int16_t ErrorCode;
    int64_t HighWatermark;
    int64_t LastStableOffset;        /* v4+ */
    int64_t LogStartOffset;          /* v5+ */
    sk_fetch_aborted_txn_t *AbortedTransactions; /* v4+ */
    int32_t AbortedTransactionsCnt;  /* -1 = null */
    int32_t PreferredReadReplica;    /* v11+ (-1 = none) */
    sk_fetch_records_t Records;
} sk_fetch_resp_partition_t;

typedef struct sk_fetch_resp_topic {
    sk_str_t Topic;
    sk_fetch_resp_partition_t *Partitions;
    int32_t PartitionsCnt;
} sk_fetch_resp_topic_t;

typedef struct sk_fetch_resp {
    int32_t ThrottleTimeMs;          /* v1+ */
    int16_t ErrorCode;               /* v7+ */
    int32_t SessionId;               /* v7+ */
    sk_fetch_resp_topic_t *Responses;
    int32_t ResponsesCnt;
} sk_fetch_resp_t;

/* Decoders: SK_OK, SK_EPARSE, or SK_EINVAL (version outside 4-11). Response
 * decode returns records as MEM views into r's bytes (or NULL). */
int sk_fetch_req_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_fetch_req_t *out);
int sk_fetch_req_encode(sk_wr_t *w, int16_t version, const sk_fetch_req_t *req);
int sk_fetch_resp_decode(sk_rd_t *r, int16_t version, sk_arena_t *a, sk_fetch_resp_t *out);

/* Append the response BODY to out (the caller then prepends the size prefix
 * and response header, e.g. with evbuffer_prepend(), using
 * evbuffer_get_length(out) for the size).
 * Ownership: every SK_FETCH_REC_FILE fd in resp passes to this function,
 * whatever the result (added to out, which closes it when drained, or closed
 * here on failure). Returns SK_OK, SK_EINVAL (bad version, negative or
 * > INT32_MAX record length, a value the version cannot express) or SK_EIO
 * (libevent refused a buffer operation). On failure out may hold a partial
 * body: discard it. */
int sk_fetch_resp_encode(struct evbuffer *out, int16_t version, const sk_fetch_resp_t *resp);

/* Total body bytes sk_fetch_resp_encode() will produce (for response size
 * limits before encoding); -1 on a bad version. */
int64_t sk_fetch_resp_size(int16_t version, const sk_fetch_resp_t *resp);

#endif
