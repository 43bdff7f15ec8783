/* producer_state.h - the idempotent producers of one partition log.
 *
 * For every producer id seen in the log: its epoch and its last five
 * batches (first/last sequence, first/last offset), which is what Kafka's
 * ProducerStateManager keeps to answer an exact retry with the offsets it
 * already got and to refuse gaps in a producer's sequence. Filled from
 * every appended batch that carries a producer id (leader and follower
 * appends alike, so a new leader has the state), cut back by truncation.
 *
 * Rules of sk_pstate_check (Kafka's, for non-transactional batches):
 *  - a batch without producer id, or of a producer not known here (its
 *    state was never seen or is gone): accepted with any sequence;
 *  - epoch older than the producer's: INVALID_PRODUCER_EPOCH;
 *  - same epoch and the same first and last sequence as one of the five
 *    cached batches: a duplicate, answered with that batch's offsets;
 *  - same epoch: the first sequence must follow the last one (wrapping from
 *    INT32_MAX to 0), else OUT_OF_ORDER_SEQUENCE_NUMBER;
 *  - newer epoch: the first sequence must be 0, else
 *    OUT_OF_ORDER_SEQUENCE_NUMBER.
 *
 * A gap this broker made itself (issue 13): when the broker refuses a
 * batch without storing it, with an error the client retries
 * (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, KAFKA_STORAGE_ERROR), the
 * batches the client had already sent behind it arrive with a gap. Kafka
 * answers them OUT_OF_ORDER_SEQUENCE_NUMBER, and librdkafka then bumps the
 * producer epoch and numbers every unacknowledged record again, so a record
 * that was stored but not yet acknowledged (answered NOT_LEADER when its
 * leader changed) is stored twice. sk_pstate_refused notes such a refusal;
 * sk_pstate_gap_refused then answers the batches behind it (at most
 * SK_PSTATE_GAP_ANSWERS of them, in the same epoch) with the refusal's own
 * error, so the client retries them in order after the refused one. Each
 * refusal of the refused batch's own retry starts the count again (the
 * client is retrying in order, for as long as the fault lasts).
 *
 * The same gap after a leader change: the client sent the missing batches
 * to the previous leader, which refused them (NOT_LEADER_OR_FOLLOWER, when
 * it learned it was no longer the leader), while the batches behind them
 * already went to this one. A gap from a producer whose last batch here
 * lies before the current leader epoch began is taken as refused by the old
 * leader: the batches behind it are answered NOT_LEADER_OR_FOLLOWER as
 * above, so the client sends the missing ones here first (librdkafka #4953:
 * otherwise it bumps the epoch and may store a record twice).
 * @locality loop
 */
#ifndef SK_PRODUCER_STATE_H
#define SK_PRODUCER_STATE_H
#include <stddef.h>
#include <stdint.h>

#include "recbatch.h"

#define SK_PSTATE_CACHED_BATCHES 5
/* Batches behind a refused one answered with its error (a client has at
 * most five requests in flight to a partition; a few more for retries). */
#define SK_PSTATE_GAP_ANSWERS 16

typedef struct sk_pstate_s sk_pstate_t;

/* A batch that repeats one already in the log. */
typedef struct sk_pstate_dup {
    int found;
    int64_t first_offset, last_offset;
} sk_pstate_dup_t;

sk_pstate_t *sk_pstate_new(void);
void sk_pstate_free(sk_pstate_t *ps); /* NULL ok */
/* Check a client's batch before it is appended (header fields; offsets
 * unused). Returns SK_KERR_NONE (append it, or with dup->found: do not,
 * answer dup's offsets), SK_KERR_INVALID_PRODUCER_EPOCH or
 * SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER. */
int sk_pstate_check(const sk_pstate_t *ps, const sk_batch_info_t *b, sk_pstate_dup_t *dup);
/* Record an appended batch with its final base offset (no-op without a
 * producer id), appended at now_ms (for expiration). A newer epoch replaces
 * the producer's batches. */
void sk_pstate_update(sk_pstate_t *ps, const sk_batch_info_t *b, int64_t now_ms);
/* The broker refused batch b (not stored) with kerr, an error the client
 * retries. Noted for a known producer in its current epoch. */
void sk_pstate_refused(sk_pstate_t *ps, const sk_batch_info_t *b, int16_t kerr);
/* For a batch sk_pstate_check answered OUT_OF_ORDER_SEQUENCE_NUMBER: the
 * error of a noted refusal inside its gap (between the producer's last
 * sequence and the batch's first) while fewer than SK_PSTATE_GAP_ANSWERS
 * were given since the refused batch was last refused, else
 * OUT_OF_ORDER_SEQUENCE_NUMBER. Appending the refused
 * sequence, or a new epoch, ends the refusal. leader_start is the offset at
 * which the current leader epoch began (-1 if unknown): a producer whose
 * last batch ends before it, with no refusal noted, gets one noted for its
 * next sequence with NOT_LEADER_OR_FOLLOWER (see the header comment). */
int16_t sk_pstate_gap_refused(sk_pstate_t *ps, const sk_batch_info_t *b, int64_t leader_start);
/* Forget producers that appended nothing for max_age_ms
 * (producer.id.expiration.ms); returns how many went. */
size_t sk_pstate_expire(sk_pstate_t *ps, int64_t now_ms, int64_t max_age_ms);
/* Forget every batch at or after offset; producers left with none go. */
void sk_pstate_truncate(sk_pstate_t *ps, int64_t offset);
/* Forget everything (the log was emptied). */
void sk_pstate_clear(sk_pstate_t *ps);
/* Producers known. */
size_t sk_pstate_count(const sk_pstate_t *ps);
/* Last sequence and epoch of a producer: 1 known, 0 not. */
int sk_pstate_get(const sk_pstate_t *ps, int64_t producer_id, int16_t *epoch, int32_t *last_seq,
                  int64_t *last_offset);

/* What DescribeProducers shows of one producer. */
typedef struct sk_pstate_producer {
    int64_t producer_id;
    int16_t epoch;
    int32_t last_sequence;  /* of its last batch */
    int64_t last_timestamp; /* max timestamp of its last batch */
    int64_t last_offset;    /* of its last batch */
} sk_pstate_producer_t;

/* Calls fn for every producer with a batch in the log, in no set order. */
void sk_pstate_foreach(const sk_pstate_t *ps, void (*fn)(const sk_pstate_producer_t *pr, void *arg),
                       void *arg);

#endif
