/* zktopics.h - topics in ZooKeeper: creation in Kafka's order, partition
 * state writes, and a watcher that keeps a full snapshot of every topic.
 * @locality loop
 */
#ifndef SK_ZKTOPICS_H
#define SK_ZKTOPICS_H
#include <stdint.h>

#include "zk.h"

typedef struct sk_zk_partition {
    int32_t partition;
    int32_t *replicas; /* assignment order; first = preferred leader */
    int n_replicas;
    int has_state; /* 1 if .../partitions/<p>/state exists and parsed */
    int32_t leader;
    int32_t leader_epoch;
    int32_t controller_epoch;
    int32_t *isr;
    int n_isr;
    int32_t state_version; /* zkVersion of the state node (partition epoch) */
    /* A reassignment in progress (the topic node's adding_replicas /
     * removing_replicas for this partition); NULL/0 when none. */
    int32_t *adding;
    int n_adding;
    int32_t *removing;
    int n_removing;
} sk_zk_partition_t;

typedef struct sk_zk_topic {
    char *name;
    char *topic_id; /* NULL: create_topic generates one; snapshot: NULL if unassigned */
    sk_zk_partition_t *partitions; /* partitions[i].partition == i */
    int n_partitions;
    char **config_keys;
    char **config_values;
    int n_configs;
    int marked_for_deletion; /* /admin/delete_topics/<t> exists */
    int32_t node_version; /* zkVersion of /brokers/topics/<t> as read (snapshots) */
} sk_zk_topic_t;

/* Create a topic in Kafka's order: refuse if /admin/delete_topics/<t>
 * exists (SK_EEXIST, "marked for deletion"); write /config/topics/<t>
 * (setData, or create on NoNode; even with no configs); create
 * /brokers/topics/<t> (v3 JSON; ZNODEEXISTS -> SK_EEXIST "Topic 't' already
 * exists."); then, if write_state, create partitions/<p>/state for every
 * partition with leader = first replica, isr = replicas, leader_epoch 0 and
 * the given controller_epoch (pipelined). t->partitions must be 0..n-1 with
 * at least one replica each; other fields of t are read (name, topic_id,
 * configs) or ignored (state fields, marked_for_deletion). rc is SK_OK,
 * SK_EINVAL, SK_EEXIST or SK_EZK. t is copied during the call. */
typedef void (*sk_zkt_done_cb)(int rc, const char *err, void *arg);
void sk_zkt_create_topic(sk_zk_t *zk, const sk_zk_topic_t *t, int write_state,
                         int32_t controller_epoch, sk_zkt_done_cb done, void *arg);

/* Write one partition state node from p->leader, p->leader_epoch, p->isr:
 * expected_version -1 creates it (and missing parents partitions/ and
 * partitions/<p>, null data), new_version 0; otherwise conditional setData,
 * new_version = the node's new zkVersion. rc is a ZooKeeper code (ZOK,
 * ZNODEEXISTS, ZBADVERSION, ZNONODE, ZCONNECTIONLOSS, ...); new_version is
 * -1 unless rc == ZOK. Not fenced by the controller epoch (no multi). */
typedef void (*sk_zkt_state_cb)(int rc, int32_t new_version, void *arg);
void sk_zkt_write_partition_state(sk_zk_t *zk, const char *topic, const sk_zk_partition_t *p,
                                  int32_t controller_epoch, int expected_version,
                                  sk_zkt_state_cb done, void *arg);

/* Topic watcher. Loads every topic (children of /brokers/topics, each topic
 * node, /config/topics/<t>, each partition state, /admin/delete_topics) with
 * pipelined reads, keeps a child watch on /brokers/topics and
 * /admin/delete_topics, a data watch on each topic node and on each
 * partition state node (an exists watch while it is missing), and calls cb
 * with a full snapshot (topics sorted by name) once all reads of a round
 * have completed and something changed: first load, new or removed topics,
 * added partitions, config of a new topic, state changes, deletion marks.
 * The snapshot belongs to the watcher and is valid during the callback
 * only. Read errors are retried every second. */
typedef struct sk_zkt_watcher_s sk_zkt_watcher_t;
typedef void (*sk_zkt_snapshot_cb)(const sk_zk_topic_t *topics, int n, void *arg);
sk_zkt_watcher_t *sk_zkt_watch(sk_zk_t *zk, sk_zkt_snapshot_cb cb, void *arg);
/* Stop: no callback after this; safe inside the snapshot callback. Free
 * watchers before sk_zk_close(). */
void sk_zkt_watcher_free(sk_zkt_watcher_t *w);
/* After SK_ZK_EXPIRED_NEW_SESSION: all watches died with the old session;
 * re-read everything and re-arm them (a snapshot follows). */
void sk_zkt_rearm(sk_zkt_watcher_t *w);

#endif
