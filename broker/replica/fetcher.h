/* fetcher.h - followers pull from leaders.
 *
 * For every leader this broker follows partitions of, one connection (the
 * controller channel's ordered, retried kind) carries Fetch requests with
 * ReplicaId = this broker: fetch offset = the local log end offset, batches
 * appended exactly as the leader sent them (its offsets and leader epochs
 * kept), the follower's high watermark = min(local LEO, the leader's HW).
 * The leader learns the follower's progress from the fetch offset of the
 * next request, and computes its high watermark from that.
 *
 * Truncation by leader epoch (KIP-101/279): whenever a partition's leader or
 * leader epoch changes (and after a restart), it is not fetched until its
 * log has been checked against the leader's: OffsetForLeaderEpoch (v3,
 * CurrentLeaderEpoch = the partition's leader epoch) asks where our latest
 * epoch ends on the leader; the log is cut there (sk_epoch_truncation_point,
 * never below the log start, the epoch cache following), repeated while the
 * leader answers with an epoch we do not have. The high watermark is used
 * only when the leader knows none of our epochs. One INFO line per
 * truncation. A fetch answered OFFSET_OUT_OF_RANGE either restarts the log at
 * the leader's log start (ours ends below it) or redoes the epoch check;
 * FENCED/UNKNOWN_LEADER_EPOCH back off until LeaderAndIsr brings the epoch.
 * Owns the connections to leaders and their retry timers; the partition
 * state it changes (follower HW, truncation state) goes through partition.h.
 * May call: partition, the partition log, channel. Never a request handler.
 * @locality loop
 */
#ifndef SK_FETCHER_H
#define SK_FETCHER_H

typedef struct sk_broker_s sk_broker_t;
typedef struct sk_fetcher_s sk_fetcher_t;

/* The state of the connection to one leader, which carries one request at
 * a time. Partitions whose log must first be checked against the leader's
 * epochs (partition.h's truncation state) go in an OffsetForLeaderEpoch
 * request, the others in a Fetch; epochs first.
 *
 *   IDLE             -> EPOCHS_IN_FLIGHT  OffsetForLeaderEpoch sent
 *   IDLE             -> FETCH_IN_FLIGHT   Fetch sent
 *   IDLE             -> BACKOFF           the OffsetForLeaderEpoch request
 *                                         could not be encoded
 *   EPOCHS_IN_FLIGHT -> IDLE              answered, some partition moved on
 *                                         (the next request goes at once)
 *   EPOCHS_IN_FLIGHT -> BACKOFF           no answer, errors or no progress
 *   FETCH_IN_FLIGHT  -> IDLE              answered without errors (the
 *                                         next request goes at once)
 *   FETCH_IN_FLIGHT  -> BACKOFF           no answer, or partition errors
 *   BACKOFF          -> IDLE              replica.fetch.backoff.ms passed
 *   any but STOPPED  -> STOPPED           the broker stops
 * A link stays IDLE while it has nothing to ask, its leader is not live or
 * the broker stops. Every transition is one log line (the fetch cycle at
 * DEBUG; the first back-off of a run and STOPPED at INFO); one not in the
 * table is logged as an error and not taken. */
typedef enum sk_fetcher_state {
    SK_FETCHER_IDLE = 0,
    SK_FETCHER_EPOCHS_IN_FLIGHT,
    SK_FETCHER_FETCH_IN_FLIGHT,
    SK_FETCHER_BACKOFF,
    SK_FETCHER_STOPPED,
    SK_FETCHER_N_STATES
} sk_fetcher_state_t;

/* Is from -> to in the table above? (Pure.) */
int sk_fetcher_state_allowed(sk_fetcher_state_t from, sk_fetcher_state_t to);
/* "IDLE", "EPOCHS_IN_FLIGHT", ... ("?" out of range). */
const char *sk_fetcher_state_name(sk_fetcher_state_t s);

sk_fetcher_t *sk_fetcher_new(sk_broker_t *b);
/* Partition roles or live brokers changed: (re)start fetching as needed. */
void sk_fetcher_update(sk_fetcher_t *f);
void sk_fetcher_free(sk_fetcher_t *f);

#endif
