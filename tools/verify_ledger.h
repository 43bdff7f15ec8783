/* verify_ledger.h - skein-verify's bookkeeping and its violation analysis.
 *
 * The ledger holds, for every record of one produce run (producer index,
 * sequence number), whether it was sent, acknowledged (at which partition
 * and offset) or failed; and, for every partition, what the consumer read
 * at each offset, where it started and how far the group committed. At the
 * end sk_vledger_analyze() compares the two sides:
 *
 *   lost               acknowledged, never consumed at any offset
 *   duplicated         one record consumed at two or more offsets (each
 *                      extra offset counts once)
 *   reordered          within a partition, a producer's record at a higher
 *                      offset carries a lower sequence number than one
 *                      before it
 *   offset mismatch    acknowledged at (partition, offset) but consumed only
 *                      elsewhere
 *   checksum mismatch  an offset holding a record in skein-verify's layout
 *                      whose CRC does not match (corruption)
 *   skipped            offsets the consumer never received although the
 *                      group's committed offset moved past them (counted per
 *                      offset; the ranges are counted apart)
 *   conflict           one offset delivered twice with different contents
 *
 * Not violations, only counted: records of other runs or other writers
 * (foreign), payloads that are not skein-verify records (malformed), an
 * offset delivered again with the same content (redelivered, normal after a
 * consumer group rebalance), and this run's records that were consumed but
 * never acknowledged (a failed delivery may still have been written).
 *
 * No librdkafka here: the tool feeds the ledger from delivery reports and
 * the consumer, tests feed it directly. Not thread-safe (one thread).
 * @locality any
 */
#ifndef SK_VERIFY_LEDGER_H
#define SK_VERIFY_LEDGER_H
#include <stddef.h>
#include <stdint.h>

#include "perf_stats.h"

/* Bounds on what the ledger accepts (larger ids are refused, so that no
 * input sizes an allocation). */
#define SK_VLEDGER_MAX_PRODUCERS 1000
#define SK_VLEDGER_MAX_PARTITIONS 65536
/* How far past the highest known sequence number of a producer a new one
 * may jump (a fuzz build makes it small to bound memory). */
#ifndef SK_VLEDGER_MAX_AHEAD
#define SK_VLEDGER_MAX_AHEAD (1 << 20)
#endif
/* Examples kept per violation kind. */
#define SK_VREPORT_EXAMPLES 10

typedef struct sk_vledger_s sk_vledger_t;

/* What one consumed record was. */
typedef enum {
    SK_VKIND_OURS = 0,  /* a record of this run the ledger knows */
    SK_VKIND_FOREIGN,   /* a valid record of another run */
    SK_VKIND_MALFORMED, /* not a skein-verify record */
    SK_VKIND_BADSUM,    /* skein-verify layout, checksum mismatch */
    SK_VKIND_UNKNOWN,   /* this run's id, but a producer or sequence never sent */
} sk_vkind_t;

typedef enum {
    SK_VV_LOST = 0,
    SK_VV_DUPLICATED,
    SK_VV_REORDERED,
    SK_VV_OFFSET_MISMATCH,
    SK_VV_CHECKSUM,
    SK_VV_SKIPPED,
    SK_VV_CONFLICT,
    SK_VV_COUNT
} sk_vviol_kind_t;

/* "lost", "duplicated", "reordered", "offset_mismatch",
 * "checksum_mismatch", "skipped", "conflict". */
const char *sk_vviol_name(sk_vviol_kind_t k);

/* One example of a violation. Fields that do not apply are -1.
 *   lost:            producer, seq, partition/offset acknowledged
 *   duplicated:      producer, seq, partition/offset of the first copy,
 *                    partition2/offset2 of another
 *   reordered:       producer, seq, partition/offset of the late record;
 *                    seq2 and offset2 of the higher one before it
 *   offset mismatch: producer, seq, partition/offset acknowledged,
 *                    partition2/offset2 where it was consumed
 *   checksum:        partition/offset
 *   skipped:         partition, offset = first skipped, offset2 = end of
 *                    the range (exclusive)
 *   conflict:        partition/offset */
typedef struct sk_vviol {
    sk_vviol_kind_t kind;
    int32_t producer;
    int64_t seq;
    int32_t partition;
    int64_t offset;
    int64_t seq2;
    int32_t partition2;
    int64_t offset2;
} sk_vviol_t;

typedef struct sk_vpart_summary {
    int32_t partition;
    int64_t start;     /* where the consumer started (-1 unknown) */
    int64_t committed; /* highest committed offset (-1 none) */
    int64_t end;       /* highest consumed offset + 1 (-1 nothing consumed) */
    int64_t records;   /* distinct offsets consumed */
} sk_vpart_summary_t;

typedef struct sk_vreport {
    /* producing side */
    int64_t sent;
    int64_t acked;
    int64_t failed;
    int64_t unresolved; /* sent, neither acknowledged nor failed */
    /* consuming side */
    int64_t deliveries;  /* records handed to the consumer, redeliveries included */
    int64_t offsets;     /* distinct (partition, offset) */
    int64_t redelivered; /* same offset, same content again */
    int64_t foreign;
    int64_t malformed;
    int64_t unacked_seen; /* this run's records consumed but never acknowledged */
    /* violations: count[SK_VV_SKIPPED] is in offsets, skipped_ranges in ranges */
    int64_t count[SK_VV_COUNT];
    int64_t skipped_ranges;
    int64_t violations; /* sum of count[] */
    sk_vviol_t *examples; /* at most SK_VREPORT_EXAMPLES per kind */
    int n_examples;
    sk_vpart_summary_t *parts; /* partitions the consumer saw or was told about */
    int n_parts;
    sk_lat_summary_t produce_lat; /* send to acknowledgement */
    sk_lat_summary_t e2e_lat;     /* send to first consumption (payload time stamp) */
} sk_vreport_t;

/* A new ledger for the produce run `run` (the id in every payload). */
sk_vledger_t *sk_vledger_new(uint64_t run);
void sk_vledger_free(sk_vledger_t *l);
uint64_t sk_vledger_run(const sk_vledger_t *l);

/* Producing side. producer in [0, SK_VLEDGER_MAX_PRODUCERS), seq >= 0 and at
 * most SK_VLEDGER_MAX_AHEAD past the producer's highest known one; SK_EINVAL
 * otherwise. */
int sk_vledger_sent(sk_vledger_t *l, int32_t producer, int64_t seq);
/* Records 0 .. count-1 of producer were sent (counts only ever grow; a
 * smaller count than before changes nothing). Same bounds. */
int sk_vledger_sent_upto(sk_vledger_t *l, int32_t producer, int64_t count);
/* Acknowledged at (partition, offset) after latency_us (< 0: unknown, not
 * counted). Implies sent. SK_EEXIST when already acknowledged elsewhere or
 * failed. */
int sk_vledger_acked(sk_vledger_t *l, int32_t producer, int64_t seq, int32_t partition,
                     int64_t offset, int64_t latency_us);
/* Delivery failed. SK_EEXIST when already acknowledged. */
int sk_vledger_failed(sk_vledger_t *l, int32_t producer, int64_t seq);

/* Consuming side. The offset the consumer started at in partition (the
 * first call per partition wins). */
int sk_vledger_start(sk_vledger_t *l, int32_t partition, int64_t offset);
/* The group committed offset (the next offset to read) for partition. */
int sk_vledger_committed(sk_vledger_t *l, int32_t partition, int64_t offset);
/* The consumer received payload at (partition, offset) at wall-clock time
 * now_us (< 0: no end-to-end latency). Returns the sk_vkind_t, or SK_EINVAL
 * for a partition or offset out of range. */
int sk_vledger_consumed(sk_vledger_t *l, int32_t partition, int64_t offset, const void *payload,
                        size_t len, int64_t now_us);
/* Highest consumed offset + 1 in partition, or -1. */
int64_t sk_vledger_position(const sk_vledger_t *l, int32_t partition);
/* Acknowledged records not consumed yet (cheap; for progress lines). */
int64_t sk_vledger_pending(const sk_vledger_t *l);

/* Compare both sides. The ledger is unchanged and may be fed and analysed
 * again. Free the report with sk_vreport_free(). */
void sk_vledger_analyze(sk_vledger_t *l, sk_vreport_t *out);
void sk_vreport_free(sk_vreport_t *r);

#endif
