/* coord.h - the group coordinator: ownership of __consumer_offsets
 * partitions, loading them, the classic rebalance protocol, committed
 * offsets written as records with acks=all semantics.
 *
 * A group lives on partition sk_coord_partition_for(group) of
 * __consumer_offsets; the broker leading that partition is its
 * coordinator. When this broker becomes leader of an offsets partition it
 * reads the partition's log (in chunks, one per loop turn) and replays the
 * offset commits and group metadata records; until then the groups of
 * that partition get COORDINATOR_LOAD_IN_PROGRESS. When it loses the
 * partition the groups are dropped (NOT_COORDINATOR afterwards).
 *
 * Request handlers (api_group.c) decode, call in here, and encode; answers
 * that complete later (JoinGroup, SyncGroup, OffsetCommit) are encoded by
 * the handler's callback and sent from a later loop turn.
 * @locality loop
 */
#ifndef SK_COORD_H
#define SK_COORD_H
#include <stdint.h>

#include "group/group.h"

typedef struct sk_broker_s sk_broker_t;
typedef struct sk_req_s sk_req_t;
typedef struct sk_coord_s sk_coord_t;

#define SK_OFFSETS_TOPIC "__consumer_offsets"

sk_coord_t *sk_coord_new(sk_broker_t *b);
/* Shutdown: answer everything pending (NOT_COORDINATOR), drop the groups,
 * stop the timers. Safe to call more than once. */
void sk_coord_stop(sk_coord_t *c);
void sk_coord_free(sk_coord_t *c);
/* Partition leadership may have changed (after LeaderAndIsr, StopReplica,
 * UpdateMetadata): start loading newly led offsets partitions, drop the
 * groups of lost ones. */
void sk_coord_partitions_changed(sk_coord_t *c);

/* Java's String.hashCode over UTF-16 code units of a UTF-8 group id,
 * abs() with abs(INT_MIN) = 0, modulo n. */
int32_t sk_coord_partition_for(const char *group, int32_t n_partitions);

/* ---- FindCoordinator ----
 * key_type 0: the group's coordinator from this broker's metadata, at its
 * endpoint for `listener` (the client's); creates __consumer_offsets on
 * first use. On SK_KERR_NONE *node_id, *host (static or broker-owned),
 * *port are set. */
int16_t sk_coord_find(sk_coord_t *c, const char *key, int8_t key_type, const char *listener,
                      int32_t *node_id, const char **host, int32_t *port);

/* Ownership check for a group: SK_KERR_NONE, COORDINATOR_LOAD_IN_PROGRESS,
 * NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE. */
int16_t sk_coord_owns(sk_coord_t *c, const char *group);
/* A loaded group (NULL if unknown). */
sk_group_t *sk_coord_group(sk_coord_t *c, const char *group);

/* ---- rebalance protocol ---- */
typedef struct sk_gresult {
    int16_t error;
    int32_t generation;
    const char *protocol_type;
    const char *protocol;
    const char *leader;
    const char *member_id;
    sk_group_t *group;          /* JoinGroup leader: members listed from here */
    int list_members;           /* JoinGroup: this member is the leader */
    const uint8_t *assignment;  /* SyncGroup */
    int32_t assignment_len;
} sk_gresult_t;
/* Encode res as the body of req's response (req->api_version). */
typedef void (*sk_gencode_fn)(sk_req_t *req, const sk_gresult_t *res);

typedef struct sk_join_args {
    const char *group;
    const char *member_id;      /* "" = unknown */
    const char *instance_id;    /* NULL = dynamic member */
    const char *client_id;
    const char *client_host;
    const char *protocol_type;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms;
    const sk_gprotocol_t *protocols;
    int n_protocols;
    int require_known_id;       /* JoinGroup v4+: MEMBER_ID_REQUIRED */
} sk_join_args_t;

/* Each returns SK_REQ_DONE (enc already called) or SK_REQ_PENDING (enc
 * called later, then the request is completed). */
int sk_coord_join(sk_coord_t *c, sk_req_t *req, const sk_join_args_t *a, sk_gencode_fn enc);

typedef struct sk_sync_assignment {
    const char *member_id;
    const uint8_t *data;
    int32_t len;
} sk_sync_assignment_t;
int sk_coord_sync(sk_coord_t *c, sk_req_t *req, const char *group, int32_t generation,
                  const char *member_id, const char *instance_id,
                  const sk_sync_assignment_t *assignments, int n, sk_gencode_fn enc);
int16_t sk_coord_heartbeat(sk_coord_t *c, const char *group, int32_t generation,
                           const char *member_id, const char *instance_id);
/* One member leaves (LeaveGroup; v3+ calls it per member). Group-level
 * errors (ownership, unknown group) are returned by sk_coord_owns first. */
int16_t sk_coord_leave(sk_coord_t *c, const char *group, const char *member_id,
                       const char *instance_id);

/* ---- offsets ---- */
typedef struct sk_commit_part {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int32_t committed_epoch;    /* the client's CommittedLeaderEpoch, -1 below v6 */
    const char *metadata;       /* NULL = "" */
    int64_t commit_ts;          /* wall ms; -1 = now (OffsetCommit v1 may set it) */
    int64_t retention_ms;       /* -1 = offsets.retention.minutes (v2-4 may set it) */
    int16_t *error;             /* where the partition's outcome goes */
} sk_commit_part_t;
/* Called once every partition's error is final: encode and (if pending)
 * the coordinator completes the request. */
typedef void (*sk_commit_done_fn)(sk_req_t *req, void *ctx);
int sk_coord_commit(sk_coord_t *c, sk_req_t *req, const char *group, int32_t generation,
                    const char *member_id, const char *instance_id, sk_commit_part_t *parts,
                    int n, sk_commit_done_fn done, void *ctx);

/* ---- admin ---- */
/* Calls fn for each loaded group; returns COORDINATOR_LOAD_IN_PROGRESS if
 * some offsets partition is still loading (fn still called for the rest). */
int16_t sk_coord_foreach_group(sk_coord_t *c, void (*fn)(sk_group_t *g, void *arg), void *arg);
/* DeleteGroups for one group: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP or NONE
 * (tombstones written, group gone). */
int16_t sk_coord_delete_group(sk_coord_t *c, const char *group);
/* OffsetDelete for one partition of a group that exists (checked by the
 * caller with sk_coord_group): GROUP_SUBSCRIBED_TO_TOPIC or NONE
 * (tombstone written when an offset existed). */
int16_t sk_coord_delete_offset(sk_coord_t *c, sk_group_t *g, const char *topic,
                               int32_t partition);

#endif
