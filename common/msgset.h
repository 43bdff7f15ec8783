/* msgset.h - Kafka's legacy message sets (magic 0 and 1), the record format
 * of Produce v0-2 and Fetch v0-3, converted to and from RecordBatch v2
 * (magic 2), the only format Skein stores. Kafka 3.x does the same: an old
 * producer's messages become one v2 batch on append, and an old consumer
 * is sent the v2 batches rewritten as messages of its magic.
 *
 * A message set is a sequence of entries, each
 *   offset int64, size int32 (bytes after this field),
 *   crc uint32 (CRC-32, IEEE, over magic..end), magic int8, attributes int8,
 *   timestamp int64 (magic 1 only), key bytes (int32 length, -1 null),
 *   value bytes (int32 length, -1 null).
 * attributes bits 0-2 are the codec (0 none, 1 gzip, 2 snappy, 3 lz4); bit
 * 3 (magic 1) says LogAppendTime. A compressed entry is a wrapper: its
 * value is a compressed message set of uncompressed inner messages of the
 * wrapper's magic (magic 1 inner offsets are relative, 0..n-1; magic 0 ones
 * absolute; a magic 0 LZ4 frame may carry the wrong header checksum Kafka
 * 0.9 wrote, KAFKA-3160, which is not checked, as in Kafka). The magic byte
 * sits at byte 16 of an entry, where a v2 batch has its own, so one byte
 * tells the formats apart.
 * @locality any (pure functions over caller-owned buffers)
 */
#ifndef SK_MSGSET_H
#define SK_MSGSET_H
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

/* Bytes before a message's magic: offset, size, crc. */
#define SK_MSGSET_OFF_MAGIC 16
/* Smallest message body (crc .. value length) at magic 0 and 1. */
#define SK_MSGSET_MIN_V0 14
#define SK_MSGSET_MIN_V1 22
/* Attribute bit of magic 1: the timestamp is the broker's LogAppendTime. */
#define SK_MSGSET_ATTR_LOG_APPEND_TIME 0x08
/* Most decompressed bytes accepted from one wrapper. */
#define SK_MSGSET_MAX_INFLATED (64u << 20)

/* One record Kafka refuses on its own (answered in Produce v8+'s
 * RecordErrors): its index in its batch (a wrapper; 0 for an uncompressed
 * message, which Kafka treats as a batch of one) and why. */
typedef struct sk_msgset_rec_err {
    int32_t index;
    const char *message; /* static text */
} sk_msgset_rec_err_t;

typedef struct sk_msgset_result {
    int16_t kerr;                 /* Kafka code; SK_KERR_NONE on success */
    char err[200];                /* what was wrong (for the log line) */
    sk_msgset_rec_err_t *rec_errs; /* in the arena; Kafka answers them all */
    int32_t n_rec_errs;
    int codec;                    /* the set's codec (the last wrapper's) */
    int32_t count;                /* records converted */
    int magic;                    /* the messages' magic (0 or 1) */
} sk_msgset_result_t;

/* The magic of the first entry of records (0, 1 or 2; -1 when fewer than
 * 17 bytes). */
int sk_msgset_magic(const uint8_t *records, size_t len);

/* Converts a message set of magic 0/1 entries into ONE v2 record batch,
 * appended to out: base offset 0, no producer id, every record's key,
 * value and timestamp (magic 0: -1, NO_TIMESTAMP), compressed with the
 * set's codec (Kafka's compression.type=producer), as Kafka's LogValidator
 * builds it. Refused, with res->kerr (out then as it was):
 *   CORRUPT_MESSAGE     a truncated entry, a size or length that does not
 *                       add up, a bad CRC (of a wrapper or an inner
 *                       message), corrupt compressed data, an entry with
 *                       magic 2 or above among legacy ones, an empty set
 *   INVALID_RECORD      an inner message that is itself compressed, or
 *                       inner offsets of a magic 1 wrapper other than
 *                       0, 1, 2, ... (record errors, every one), an
 *                       unknown codec
 *   INVALID_TIMESTAMP   a magic 1 message (or wrapper) marked LogAppendTime:
 *                       the producer may not set it (record errors)
 *   UNSUPPORTED_COMPRESSION_TYPE  zstd (codec 4), which needs magic 2
 *   MESSAGE_TOO_LARGE   a wrapper inflating past SK_MSGSET_MAX_INFLATED
 * a (never NULL) holds the record errors and the inflated data while
 * converting. Returns res->kerr. */
int16_t sk_msgset_to_batch(const uint8_t *in, size_t len, sk_arena_t *a, sk_wr_t *out,
                           sk_msgset_result_t *res);

/* Rewrites the v2 record batches in (whole ones; a partial batch at the end
 * is left out, as a fetch may end inside one) as messages of magic (0 or 1)
 * appended to out: records from first_offset on, their offsets kept,
 * control batches and record headers dropped, the timestamp (magic 1) the
 * record's, or the batch's under LogAppendTime (then marked so). A
 * compressed batch (inflated, at most SK_MSGSET_MAX_INFLATED) becomes one
 * wrapper message of the same codec, as Kafka down-converts: its offset the
 * last inner one, inner offsets relative from 0 at magic 1 (absolute at
 * magic 0), its timestamp the batch's max; except zstd and LZ4 at magic 0
 * (Kafka 0.9's broken LZ4 frame checksum), written uncompressed.
 * SK_OK, SK_EPARSE for a batch that cannot be read (out then holds the
 * messages before it), or sk_decompress's errors. */
int sk_msgset_from_batches(const uint8_t *in, size_t len, int magic, int64_t first_offset,
                           sk_wr_t *out);

#endif
