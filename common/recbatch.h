/* recbatch.h - Kafka RecordBatch v2 (magic 2): header parsing, validation
 * without decompressing, in-place offset/epoch stamping, record iteration for
 * uncompressed batches, and a small builder for uncompressed batches.
 *
 * Layout (all big-endian): baseOffset i64 @0, batchLength i32 @8 (bytes after
 * this field), partitionLeaderEpoch i32 @12, magic i8 @16, crc u32 @17
 * (CRC-32C over bytes 21..end), attributes i16 @21, lastOffsetDelta i32 @23,
 * baseTimestamp i64 @27, maxTimestamp i64 @35, producerId i64 @43,
 * producerEpoch i16 @51, baseSequence i32 @53, recordCount i32 @57, records @61.
 * @locality any (pure functions over caller-owned buffers)
 */
#ifndef SK_RECBATCH_H
#define SK_RECBATCH_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kbuf.h"

typedef struct sk_batch_info {
    int64_t base_offset;
    int32_t batch_length; /* bytes after the length field */
    int32_t partition_leader_epoch;
    int8_t magic;
    uint32_t crc;
    int16_t attributes;
    int32_t last_offset_delta;
    int64_t base_timestamp, max_timestamp;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t record_count;
} sk_batch_info_t;

#define SK_BATCH_HEADER_SIZE 61
#define SK_BATCH_LOG_OVERHEAD 12
#define SK_BATCH_CRC_START 21 /* first byte covered by the CRC */

/* Header field positions, for code that patches or peeks at raw bytes. */
#define SK_BATCH_OFF_BASE_OFFSET 0
#define SK_BATCH_OFF_LENGTH 8
#define SK_BATCH_OFF_LEADER_EPOCH 12
#define SK_BATCH_OFF_MAGIC 16
#define SK_BATCH_OFF_CRC 17
#define SK_BATCH_OFF_ATTRIBUTES 21
#define SK_BATCH_OFF_LAST_OFFSET_DELTA 23
#define SK_BATCH_OFF_BASE_TIMESTAMP 27
#define SK_BATCH_OFF_MAX_TIMESTAMP 35
#define SK_BATCH_OFF_PRODUCER_ID 43
#define SK_BATCH_OFF_PRODUCER_EPOCH 51
#define SK_BATCH_OFF_BASE_SEQUENCE 53
#define SK_BATCH_OFF_RECORD_COUNT 57

/* Attribute bits. */
#define SK_BATCH_ATTR_COMPRESSION_MASK 0x07
#define SK_BATCH_ATTR_LOG_APPEND_TIME 0x08
#define SK_BATCH_ATTR_TRANSACTIONAL 0x10
#define SK_BATCH_ATTR_CONTROL 0x20
#define SK_BATCH_ATTR_DELETE_HORIZON 0x40

enum { SK_COMPRESSION_NONE = 0, SK_COMPRESSION_GZIP = 1, SK_COMPRESSION_SNAPPY = 2,
       SK_COMPRESSION_LZ4 = 3, SK_COMPRESSION_ZSTD = 4 };

static inline int sk_batch_compression(const sk_batch_info_t *b)
{
    return b->attributes & SK_BATCH_ATTR_COMPRESSION_MASK;
}
/* Offset of the last record slot covered by the batch. Exact for a batch
 * sk_batch_validate accepted; on a header nobody checked (a corrupt
 * segment, a fuzzed one) the sum wraps instead of overflowing, which is
 * undefined. */
static inline int64_t sk_batch_last_offset(const sk_batch_info_t *b)
{
    return (int64_t)((uint64_t)b->base_offset + (uint64_t)(int64_t)b->last_offset_delta);
}
/* Whole size of the batch on the wire / on disk. */
static inline int64_t sk_batch_total_size(const sk_batch_info_t *b)
{
    return (int64_t)b->batch_length + SK_BATCH_LOG_OVERHEAD;
}

/* Parse the 61-byte header at buf (len = bytes available). Only needs
 * len >= 61; no field is checked. 0 or SK_EPARSE. */
int sk_batch_parse_header(const uint8_t *buf, size_t len, sk_batch_info_t *out);

/* Full validation of ONE batch occupying exactly len bytes: magic 2,
 * batch_length + 12 == len, len >= 61, CRC-32C over bytes 21..end,
 * record_count >= 0, last_offset_delta >= record_count - 1 when count > 0,
 * known compression codec, and for uncompressed batches every record is
 * walked (varint framing, lengths inside bounds, offset deltas increasing and
 * <= last_offset_delta, count matches). Returns SK_KERR_NONE, or the Kafka
 * code to answer: SK_KERR_CORRUPT_MESSAGE (CRC/length/structure) or
 * SK_KERR_INVALID_RECORD (magic != 2, record count mismatch); err explains
 * (err may be NULL). */
int sk_batch_validate(const uint8_t *buf, size_t len, char *err, size_t errlen);

/* Size of the next complete batch at buf (>= 61), 0 if fewer bytes than a
 * whole batch remain (torn tail / need more), or -1 if the header is
 * malformed (batch_length < 49, or magic != 2). */
ssize_t sk_batch_next(const uint8_t *buf, size_t len);

/* In-place stamping (fields outside the CRC, so the CRC stays valid). */
void sk_batch_set_base_offset(uint8_t *batch, int64_t base_offset);
void sk_batch_set_leader_epoch(uint8_t *batch, int32_t epoch);
/* Recompute and store the CRC (after changing attributes or timestamps). */
void sk_batch_update_crc(uint8_t *batch, size_t len);

/* One record of an uncompressed batch (views into the batch buffer). */
typedef struct sk_record {
    int64_t offset;      /* base offset + offsetDelta */
    int64_t timestamp;   /* base ts + delta, or max ts under LogAppendTime */
    int8_t attributes;
    sk_str_t key;        /* len -1 = null */
    sk_str_t value;      /* len -1 = null */
    int32_t header_count;
    const uint8_t *headers; /* raw header bytes (header_count entries) */
    size_t headers_len;
    const uint8_t *raw;     /* the whole record as stored: length varint and body */
    size_t raw_len;         /* (copying it keeps the record's deltas, so it can move
                             * to a batch with the same base offset and timestamp) */
} sk_record_t;

/* Called per record; return 0 to continue, anything else stops the walk and
 * becomes the return value of sk_batch_foreach_record. */
typedef int (*sk_record_fn)(const sk_record_t *rec, void *arg);

/* Walk the records of ONE uncompressed batch of exactly len bytes (the
 * header is trusted for lengths but every record is bounds-checked).
 * Returns 0 after the last record, the callback's non-zero value if it
 * stopped early, SK_EINVAL if the batch is compressed, SK_EPARSE if the
 * batch or a record is malformed. */
int sk_batch_foreach_record(const uint8_t *batch, size_t len, sk_record_fn fn, void *arg);

/* Iterate a record's headers: *r must be initialised over rec->headers /
 * rec->headers_len; call header_count times. 0 or SK_EPARSE. */
int sk_record_header_next(sk_rd_t *r, sk_str_t *key, sk_str_t *value);

/* Builder for uncompressed batches (tests, internal topics, tools). */
typedef struct sk_record_header_in {
    const char *key;        /* never NULL */
    const void *value;      /* NULL with value_len -1 = null */
    int32_t value_len;
} sk_record_header_in_t;

typedef struct sk_record_in {
    int64_t timestamp;
    const void *key;        /* key_len -1 = null */
    int32_t key_len;
    const void *value;      /* value_len -1 = null */
    int32_t value_len;
    const sk_record_header_in_t *headers;
    int32_t header_count;
} sk_record_in_t;

typedef struct sk_batch_opts {
    int16_t attributes;     /* compression bits must be 0 */
    int64_t producer_id;    /* -1 when not idempotent */
    int16_t producer_epoch; /* -1 */
    int32_t base_sequence;  /* -1 */
    int32_t leader_epoch;   /* partitionLeaderEpoch field */
} sk_batch_opts_t;

/* Append one uncompressed batch holding recs[0..n) (n >= 0) to w, with a
 * correct CRC. opts NULL = non-idempotent, no flags, leader epoch 0 (what a
 * producer sends). Offset deltas are 0..n-1. */
void sk_batch_build(sk_wr_t *w, int64_t base_offset, const sk_batch_opts_t *opts,
                    const sk_record_in_t *recs, int32_t n);

#endif
