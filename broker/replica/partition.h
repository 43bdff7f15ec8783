/* partition.h - the only writer of partition state (will be replica/partition).
 *
 * Owns every field of sk_partition_t (topics.h): the role (leader, leader
 * epoch, replicas, ISR, partition epoch), the log attached here, the high
 * watermark, the leader's record of each follower's progress (log end and
 * last caught-up time), the ISR proposal in flight, and the follower's
 * truncation state. Everyone else reads the struct and changes it only through
 * these functions.
 *
 * Rules kept here:
 *  - A leader's HW is the smallest log end over the ISR (its own and each
 *    follower's as its last fetch showed it) and never moves back.
 *  - A follower's HW is the leader's, bounded by its own log end; it moves
 *    back only when truncation cuts the log below it.
 *  - The ISR changes only when the controller has accepted a proposal, and
 *    one proposal at a time is in flight.
 *  - A new leader records in its log that its epoch starts at the log end
 *    (KIP-101).
 * When the HW moves or data is appended, the partition's key is woken in the
 * purgatories (a topic's key when its leaders change or it goes); that is
 * the only way completions go up.
 *
 * May call: topics, the partition log (log_plog), logmgr (HW checkpoints),
 * purgatory, clock. Never calls a request handler.
 * @locality loop
 */
#ifndef SK_PARTITION_H
#define SK_PARTITION_H
#include <stddef.h>
#include <stdint.h>

#include "meta/topics.h"

typedef struct sk_logmgr_s sk_logmgr_t;
typedef struct sk_purg_s sk_purg_t;

/* What the partition functions work with (one per broker). */
typedef struct sk_partition_env {
    int32_t self;             /* this broker's id */
    int32_t min_insync;       /* min.insync.replicas of the broker (topics may override) */
    sk_topics_t *topics;
    sk_logmgr_t *logs;        /* HW checkpoints; may be NULL (tests) */
    sk_purg_t *produce;       /* acks=all and DeleteRecords waits: woken when a
                               * HW or a follower's log start moves */
    sk_purg_t *fetch;         /* fetch waits: woken by appends and HW moves */
    sk_purg_t *meta;          /* topic waits (CreateTopics, DeleteTopics): woken by
                               * leader changes and topic removals, on the key
                               * sk_purg_key(topic, len, -1) */
    const int *stopping;      /* the broker is shutting down (may be NULL) */
} sk_partition_env_t;

/* A fresh slot (calloc'ed memory): no leader, no replicas. */
void sk_partition_init(sk_partition_t *p, const char *topic, int32_t id);
/* Frees what the partition holds (not the log: logmgr owns it). */
void sk_partition_release(sk_partition_t *p);

/* ---- role: the controller's decisions ---- */

/* A LeaderAndIsr state. SK_KERR_STALE_CONTROLLER_EPOCH (nothing changed) if
 * leader_epoch is older than ours. *same: the leadership (leader, epoch) was
 * already this one; *was_leader: this broker led p with a log before. A new
 * leadership or replica set forgets the followers' progress. */
int16_t sk_partition_set_state(const sk_partition_env_t *env, sk_partition_t *p, int32_t leader,
                               int32_t leader_epoch, int32_t partition_epoch,
                               const int32_t *replicas, int n_replicas, const int32_t *isr,
                               int n_isr, int *same, int *was_leader);
/* An UpdateMetadata state: the cached view only; the leadership of a
 * partition with a log here moves only with a newer epoch. Ignored when older. */
void sk_partition_set_cached(const sk_partition_env_t *env, sk_partition_t *p, int32_t leader,
                             int32_t leader_epoch, int32_t partition_epoch,
                             const int32_t *replicas, int n_replicas, const int32_t *isr,
                             int n_isr);
/* UpdateMetadata's OfflineReplicas (v4+) for p: the replicas on dead brokers
 * or in failed log dirs, which Metadata v5+ answers with. */
void sk_partition_set_offline(sk_partition_t *p, const int32_t *offline, int n_offline);
/* UpdateMetadata says the topic is being deleted: it leaves the table (its
 * partitions with it), and every wait is re-checked. */
void sk_partition_forget_topic(const sk_partition_env_t *env, const char *topic);
/* The log this broker keeps for p (NULL: none). */
void sk_partition_set_log(sk_partition_t *p, sk_plog_t *log);
/* The log manager moved p's log to another log dir (AlterReplicaLogDirs):
 * log is the new one, or NULL when it could not be opened (as StopReplica).
 * For sk_logmgr_set_moved_cb, arg the sk_partition_env_t. */
void sk_partition_log_moved(const char *topic, int32_t partition, sk_plog_t *log, void *arg);
/* StopReplica: the log is no longer ours, nor the leadership. */
void sk_partition_stop(const sk_partition_env_t *env, sk_partition_t *p);
/* After sk_partition_set_state made this broker leader (p has a log): the HW
 * from the checkpoint when the leadership is new, every follower "caught up
 * now", the leader epoch recorded in the log, the HW recomputed. */
void sk_partition_become_leader(const sk_partition_env_t *env, sk_partition_t *p,
                                int was_leader);
/* Is this broker p's leader with a log? */
int sk_partition_is_leader(const sk_partition_env_t *env, const sk_partition_t *p);
/* Index of broker id in p->replicas, or -1. */
int sk_partition_replica_index(const sk_partition_t *p, int32_t id);
int sk_partition_in_isr(const sk_partition_t *p, int32_t id);

/* ---- the leader's log and high watermark ---- */

/* HW = min log end over the ISR; moves only forward (checkpointed, purgatories
 * woken). No-op unless this broker leads p. */
void sk_partition_update_hw(const sk_partition_env_t *env, sk_partition_t *p);
/* Appends a producer's batches in the current leader epoch (sk_plog_append's
 * codes), then recomputes the HW and wakes the fetch waits. */
int sk_partition_append(const sk_partition_env_t *env, sk_partition_t *p, uint8_t *data,
                        size_t len, int64_t *first, int64_t *last);
/* min.insync.replicas of p: the topic's override, else the broker's. */
int32_t sk_partition_min_insync(const sk_partition_env_t *env, const sk_partition_t *p);
/* Where an acknowledgement of offsets below required_hw, appended under
 * leader_epoch, stands (acks=all): 1 with *kerr set when it is decided
 * (NONE; NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR fell below
 * min.insync.replicas; NOT_LEADER_OR_FOLLOWER when this broker no longer
 * leads, or leads under another epoch: the append may have been truncated
 * in between and the offsets hold other records), 0 while the HW is below
 * required_hw. */
int sk_partition_ack_status(const sk_partition_env_t *env, const char *topic, size_t topic_len,
                            int32_t partition, int64_t required_hw, int32_t leader_epoch,
                            int16_t *kerr);

/* Append with acks=all semantics for the broker's own records (the group
 * coordinator): appends to a partition this broker leads, then calls
 * done(kerr, arg) from the loop once the HW covers the records
 * (SK_KERR_NONE), at timeout_ms (REQUEST_TIMED_OUT), when leadership is lost
 * (NOT_LEADER_OR_FOLLOWER), or at shutdown. Returns SK_KERR_NONE when done
 * will be called, else the error (nothing appended, done not called). */
typedef void (*sk_append_done_fn)(int16_t kerr, void *arg);
int16_t sk_partition_append_acked(const sk_partition_env_t *env, const char *topic,
                                  int32_t partition, uint8_t *data, size_t len,
                                  int32_t timeout_ms, sk_append_done_fn done, void *arg);

/* ---- followers' progress, seen by the leader ---- */

/* Follower replica_id fetched from fetch_offset while the leader's log ended
 * at leader_leo: it holds everything below fetch_offset (its log end, never
 * lowered) and is caught up if fetch_offset >= leader_leo; the HW follows.
 * Returns its index in p->replicas, or -1 if it is not a replica. */
int sk_partition_follower_fetched(const sk_partition_env_t *env, sk_partition_t *p,
                                  int32_t replica_id, int64_t fetch_offset, int64_t leader_leo);
/* The caught-up times exist (every replica "now" when they did not). */
void sk_partition_track_caught_up(sk_partition_t *p);

/* ---- the log start offset: DeleteRecords ---- */

/* DeleteRecords' offset meaning "the high watermark" (Kafka's -1). */
#define SK_DELETE_RECORDS_HW (-1)
/* DeleteRecords on the leader: the log starts at offset from now on
 * (SK_DELETE_RECORDS_HW: the high watermark; an offset below the current
 * log start changes nothing), segments wholly below it are deleted and the
 * checkpoint follows (sk_logmgr_advance_log_start). *required is where the
 * in-sync replicas' log starts must reach (sk_partition_delete_status).
 * Errors (nothing changed): NOT_LEADER_OR_FOLLOWER, POLICY_VIOLATION
 * (cleanup.policy without delete), OFFSET_OUT_OF_RANGE (negative, or above
 * the high watermark). */
int16_t sk_partition_delete_records(const sk_partition_env_t *env, sk_partition_t *p,
                                    int64_t offset, int64_t *required);
/* The leader's low watermark: the smallest log start offset over the ISR
 * (its own, and each follower's as its last fetch reported it; -1 while
 * one is unknown). -1 when this broker does not lead p. */
int64_t sk_partition_low_watermark(const sk_partition_env_t *env, const sk_partition_t *p);
/* Where a DeleteRecords up to required stands: 1 with *kerr decided (NONE
 * with *low_watermark once every in-sync replica starts at or above
 * required; NOT_LEADER_OR_FOLLOWER when this broker no longer leads), 0
 * while some in-sync replica starts below. */
int sk_partition_delete_status(const sk_partition_env_t *env, const char *topic,
                               size_t topic_len, int32_t partition, int64_t required,
                               int16_t *kerr, int64_t *low_watermark);
/* Leader: the follower at replica index idx reported its log start offset
 * in a fetch (waits in the produce purgatory are woken when it moved). */
void sk_partition_follower_log_start(const sk_partition_env_t *env, sk_partition_t *p,
                                     int idx, int64_t log_start);
/* Follower: the leader's log start offset from a fetch answer; ours moves
 * up to it (bounded by our log end), segments below it deleted. */
void sk_partition_leader_log_start(const sk_partition_env_t *env, sk_partition_t *p,
                                   int64_t leader_log_start);

/* ---- ISR proposals (isr.c decides, the controller accepts) ---- */

/* A proposal is sent / answered. */
void sk_partition_isr_proposed(sk_partition_t *p, int32_t controller, int64_t now_ms);
void sk_partition_isr_answered(sk_partition_t *p);
/* The controller refused to add replica id: not proposed again before
 * until_ms, so a replica it will not take (one shutting down) is not
 * proposed at every fetch, nor counted for the HW meanwhile. */
void sk_partition_isr_refused(sk_partition_t *p, int32_t id, int64_t until_ms);
int sk_partition_isr_refused_now(const sk_partition_t *p, int32_t id, int64_t now_ms);
/* A proposal in flight to a controller that is no longer the controller,
 * or for longer than timeout_ms, is given up (the channel may never answer
 * a request to a broker that died): the HW stops counting its joiner and
 * a new proposal can go out. Returns 1 if it gave one up. A late answer is
 * applied only if its epochs still hold. */
int sk_partition_isr_expire(const sk_partition_env_t *env, sk_partition_t *p, int32_t controller,
                            int64_t now_ms, int64_t timeout_ms);
/* The proposal in flight adds replica id to the ISR. */
void sk_partition_isr_joining(sk_partition_t *p, int32_t id);
/* The controller accepted an ISR in leader epoch leader_epoch: applied (HW
 * recomputed, acks=all waits re-checked) if this broker still leads p in that
 * epoch; returns 1 if applied. */
int sk_partition_isr_apply(const sk_partition_env_t *env, sk_partition_t *p, int32_t leader_epoch,
                           const int32_t *isr, int n_isr, int32_t partition_epoch);

/* ---- the follower's side ---- */

/* The leader's HW reached us: ours is it, bounded by our log end, forward only. */
void sk_partition_follower_hw(const sk_partition_env_t *env, sk_partition_t *p, int64_t leader_hw);
/* After a truncation: the HW never exceeds the log end. */
void sk_partition_clamp_hw(const sk_partition_env_t *env, sk_partition_t *p);
/* The log restarted at the leader's log start: HW at least there. */
void sk_partition_log_restarted(const sk_partition_env_t *env, sk_partition_t *p,
                                int64_t log_start);
/* ---- the follower's truncation state (sk_trunc_state_t, topics.h) ----
 *
 *   NEEDS_TRUNCATION -> TRUNCATING        OffsetForLeaderEpoch sent
 *   NEEDS_TRUNCATION -> FETCHING          empty log: nothing to truncate
 *   TRUNCATING       -> FETCHING          the log agrees with the leader
 *   TRUNCATING       -> NEEDS_TRUNCATION  truncated part of the way (ask
 *                                         again), an error, no answer, or
 *                                         the leader/epoch/log changed
 *   FETCHING         -> NEEDS_TRUNCATION  fetch out of range above the
 *                                         leader's log end, or the
 *                                         leader/epoch/log changed
 * A change of leader, leader epoch or log (set_state, set_cached, set_log,
 * stop) takes the partition back to NEEDS_TRUNCATION by itself. Every
 * transition is one log line with the topic-partition, leader and leader
 * epoch; a transition not in the table is logged as an error and not taken. */

/* Is from -> to in the table? (Pure.) */
int sk_trunc_state_allowed(sk_trunc_state_t from, sk_trunc_state_t to);
/* "NEEDS_TRUNCATION", "TRUNCATING", "FETCHING" ("?" out of range). */
const char *sk_trunc_state_name(sk_trunc_state_t s);
/* Moves p to state to, why saying what happened (logged). SK_OK, or
 * SK_ESTATE (logged as an error, p unchanged) when the table refuses it. */
int sk_partition_set_trunc(sk_partition_t *p, sk_trunc_state_t to, const char *why);

#endif
