/* topics.h - the broker's table of topics and partitions (its metadata cache).
 *
 * Filled from ZooKeeper (assignment and partition state); for each partition
 * this broker hosts, it holds the partition log and the high watermark.
 * Plain data structs: everyone reads them directly. This module changes the
 * table and the topics; the fields of a partition are written only by
 * partition.c (tests/check_partition_writers.py checks it).
 * @locality loop
 */
#ifndef SK_TOPICS_H
#define SK_TOPICS_H
#include <stdint.h>

typedef struct sk_plog_s sk_plog_t;

/* A follower's truncation by leader epoch (KIP-101/279), per partition.
 * Transitions are made and logged only by replica/partition.c; the table of
 * allowed ones is there (sk_trunc_state_allowed). */
typedef enum sk_trunc_state {
    /* The log is not known to agree with the current leader and leader
     * epoch: it is not fetched. Every partition starts here, and returns
     * here whenever its leader, leader epoch or log changes. */
    SK_TRUNC_NEEDS_TRUNCATION = 0,
    /* An OffsetForLeaderEpoch request for it is in flight to the leader. */
    SK_TRUNC_TRUNCATING,
    /* The log agrees with the leader (truncated where it did not): fetched. */
    SK_TRUNC_FETCHING,
    SK_TRUNC_N_STATES
} sk_trunc_state_t;

typedef struct sk_partition {
    const char *topic;     /* points at the owning topic's name */
    int32_t id;
    int32_t leader;        /* -1: none */
    int32_t leader_epoch;
    int32_t zk_version;    /* state znode version (partition epoch) */
    int32_t *replicas;
    int n_replicas;
    int32_t *isr;
    int n_isr;
    /* Replicas that cannot serve, on a dead broker or in an offline log dir,
     * as the controller's last UpdateMetadata said (Metadata v5+ lists them). */
    int32_t *offline;
    int n_offline;
    sk_plog_t *log;        /* set when this broker hosts a replica */
    int64_t high_watermark;
    /* Leader only: each replica's log end offset as its fetches confirm it
     * (indexed like replicas; -1 = not known yet). */
    int64_t *replica_leo;
    /* Leader only: when each replica was last caught up (monotonic ms). */
    int64_t *replica_caught_up_ms;
    /* Leader only: each replica's log start offset as its fetches report it
     * (indexed like replicas; -1 = not known yet): DeleteRecords waits for
     * the in-sync ones. */
    int64_t *replica_log_start;
    int isr_inflight;      /* an AlterPartition proposal awaits the controller */
    /* Leader only: a replica proposed to join the ISR (has_joining) counts
     * for the HW until the answer (KIP-497's maximal ISR): else the HW could
     * pass its log end before it is in the ISR, and leadership moved to it
     * (a reassignment's new leader) would lose records below the HW. */
    int has_joining;
    int32_t joining;
    /* Leader only: the proposal in flight went out then, to that controller
     * (a proposal the controller never answers is given up, see isr.c). */
    int64_t isr_proposed_ms;
    int32_t isr_proposed_to;
    /* Leader only: the controller refused to add this replica; it is not
     * proposed again before isr_refused_until_ms (monotonic). */
    int32_t isr_refused_id;
    int64_t isr_refused_until_ms;
    /* Follower only: where the log stands against the leader's epoch
     * history (advanced by fetcher.c through partition.h). */
    sk_trunc_state_t trunc_state;
} sk_partition_t;

typedef struct sk_topic {
    char *name;
    char *topic_id;        /* may be NULL */
    int internal;
    int n_partitions;
    sk_partition_t *partitions;
    char **config_keys;
    char **config_values;
    int n_configs;
    /* /config/topics/<t> has been read since this broker learnt the topic
     * (api/control.c sets it). Until then its logs run on the broker's
     * settings, so the leader refuses produce (NOT_LEADER_OR_FOLLOWER, which
     * clients retry) rather than append under the wrong segment.bytes or
     * min.insync.replicas. */
    int configs_loaded;
} sk_topic_t;

typedef struct sk_topics_s sk_topics_t;

sk_topics_t *sk_topics_new(void);
void sk_topics_free(sk_topics_t *t);
sk_topic_t *sk_topics_find(sk_topics_t *t, const char *name, int32_t len);
sk_partition_t *sk_topics_partition(sk_topics_t *t, const char *name, int32_t len, int32_t partition);
int sk_topics_count(const sk_topics_t *t);
/* Iteration in name order (stable output for Metadata "all topics"). */
void sk_topics_foreach(sk_topics_t *t, void (*fn)(sk_topic_t *topic, void *arg), void *arg);
/* Insert or replace a topic (takes ownership of topic and its arrays); the
 * caller moves logs and watermarks over from the old entry if it wants them.
 * Its partitions' topic pointers must already point at topic->name. */
sk_topic_t *sk_topics_put(sk_topics_t *t, sk_topic_t *topic);
/* Remove (and free) a topic. */
void sk_topics_remove(sk_topics_t *t, const char *name);
void sk_topic_free(sk_topic_t *topic);

/* The topic whose id (Kafka's base64 uuid in topic_id) is id, or NULL. A
 * scan over every topic: for the APIs that name topics by id (Fetch v13+,
 * Metadata v10+, DeleteTopics v6). */
sk_topic_t *sk_topics_find_id(sk_topics_t *t, const uint8_t id[16]);

/* Config value of a topic override, or NULL. */
const char *sk_topic_config(const sk_topic_t *topic, const char *key);

#endif
