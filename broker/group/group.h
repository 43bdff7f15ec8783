/* group.h - the consumer group model: members, states, protocol selection
 * and the committed-offset table of one group (classic rebalance protocol).
 *
 * Pure data and rules: no I/O, no timers, no requests. The coordinator
 * (coord.c) drives it from the request handlers (api_group.c) and keeps
 * the libevent timers and pending responses in the `ext` slots.
 * @locality loop (plain data owned by the loop thread; the functions are pure)
 */
#ifndef SK_GROUP_H
#define SK_GROUP_H
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

typedef enum {
    SK_GSTATE_EMPTY = 0,
    SK_GSTATE_PREPARING,    /* PreparingRebalance: waiting for members to (re)join */
    SK_GSTATE_COMPLETING,   /* CompletingRebalance: waiting for the leader's SyncGroup */
    SK_GSTATE_STABLE,
    SK_GSTATE_DEAD,
} sk_gstate_t;

/* Kafka's state names ("Empty", "PreparingRebalance", "CompletingRebalance",
 * "Stable", "Dead"). */
const char *sk_gstate_name(sk_gstate_t s);
/* Parse a state name (case-insensitive); -1 if unknown. */
int sk_gstate_parse(const char *name, int32_t len);
/* Kafka's allowed transitions (to <- valid previous states). */
int sk_gstate_can_move(sk_gstate_t from, sk_gstate_t to);

typedef struct sk_gprotocol {
    char *name;
    uint8_t *meta;
    int32_t meta_len;
} sk_gprotocol_t;

typedef struct sk_gmember sk_gmember_t;
struct sk_gmember {
    TAILQ_ENTRY(sk_gmember) link;
    char *id;
    char *instance_id;      /* group.instance.id (static member) or NULL */
    char *client_id;
    char *client_host;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms;
    sk_gprotocol_t *protocols;
    int n_protocols;
    uint8_t *assignment;
    int32_t assignment_len;
    int awaiting_join;      /* has (re)joined in the current rebalance */
    int awaiting_sync;
    void *join_ext;         /* coordinator: pending JoinGroup */
    void *sync_ext;         /* coordinator: pending SyncGroup */
    void *timer_ext;        /* coordinator: session timer */
};

/* One committed offset. */
typedef struct sk_goffset {
    char *topic;
    int32_t partition;
    int64_t offset;
    int32_t committed_epoch;    /* the leader epoch the client committed with */
    char *metadata;
    int64_t commit_ts;
    int64_t expire_ts;      /* wall ms; -1 = none (set by OffsetCommit v2-4 retention) */
} sk_goffset_t;

typedef struct sk_group sk_group_t;
struct sk_group {
    TAILQ_ENTRY(sk_group) link;
    char *id;
    int32_t partition;      /* its __consumer_offsets partition */
    sk_gstate_t state;
    int64_t state_ts;       /* wall ms of the last state change */
    char *protocol_type;    /* NULL until a member joins */
    char *protocol;         /* selected protocol, NULL while none */
    char *leader_id;
    int32_t generation;
    TAILQ_HEAD(, sk_gmember) members;
    int n_members;
    char **pending_ids;     /* ids handed out with MEMBER_ID_REQUIRED */
    int n_pending;
    sk_goffset_t *offsets;
    int n_offsets, cap_offsets;
    int initial_delay;      /* first rebalance of an empty group: delay running */
    void *timer_ext;        /* coordinator: rebalance timer */
};

/* ---- groups ---- */
sk_group_t *sk_group_new(const char *id, int32_t partition, int64_t now_ms);
void sk_group_free(sk_group_t *g); /* members and offsets too (ext slots must be clear) */
/* Change state (no check; see sk_gstate_can_move) and stamp state_ts. */
void sk_group_set_state(sk_group_t *g, sk_gstate_t s, int64_t now_ms);

/* ---- members ---- */
sk_gmember_t *sk_group_member(const sk_group_t *g, const char *id);
sk_gmember_t *sk_group_member_by_instance(const sk_group_t *g, const char *instance_id);
/* Adds a member (takes no ownership of the strings: copies them). */
sk_gmember_t *sk_group_add_member(sk_group_t *g, const char *id, const char *instance_id,
                                  const char *client_id, const char *client_host);
/* Unlinks and frees a member (its ext slots must be clear); if it was the
 * leader, the leader becomes the next member (or NULL). */
void sk_group_remove_member(sk_group_t *g, sk_gmember_t *m);
/* Replace the member's protocol list (copies). */
void sk_gmember_set_protocols(sk_gmember_t *m, const sk_gprotocol_t *p, int n);
/* Same names and metadata bytes in the same order? */
int sk_gmember_same_protocols(const sk_gmember_t *m, const sk_gprotocol_t *p, int n);
void sk_gmember_set_assignment(sk_gmember_t *m, const void *data, int32_t len);
/* The member's metadata for a protocol name, or NULL (len -1). */
const uint8_t *sk_gmember_metadata(const sk_gmember_t *m, const char *protocol, int32_t *len);

/* ---- pending member ids (MEMBER_ID_REQUIRED) ---- */
void sk_group_add_pending(sk_group_t *g, const char *id);
int sk_group_take_pending(sk_group_t *g, const char *id); /* 1 if it was pending (removed) */
void sk_group_clear_pending(sk_group_t *g);

/* ---- protocols ----
 * Could a member with these protocols join? The group's protocol_type
 * must match (when the group has members) and at least one of the names
 * must be supported by every current member. An empty type or list is
 * never acceptable. */
int sk_group_protocols_compatible(const sk_group_t *g, const char *protocol_type,
                                  const sk_gprotocol_t *p, int n);
/* Kafka's selection: the candidates are the protocols every member
 * supports; each member votes for its most preferred candidate; the most
 * votes wins (ties: the candidate listed first by the first member).
 * NULL if there is no member or no common protocol. */
const char *sk_group_select_protocol(const sk_group_t *g);
/* Largest rebalance timeout among the members (0 if none). */
int32_t sk_group_rebalance_timeout(const sk_group_t *g);
/* Every member has rejoined and no MEMBER_ID_REQUIRED id is outstanding. */
int sk_group_all_joined(const sk_group_t *g);

/* ---- member ids: "<client id>-<uuid>" ---- */
char *sk_group_new_member_id(const char *client_id);

/* ---- offsets ---- */
sk_goffset_t *sk_group_offset(sk_group_t *g, const char *topic, int32_t partition);
/* Insert or overwrite (copies strings; metadata NULL = ""; expire_ts -1). */
void sk_group_set_offset(sk_group_t *g, const char *topic, int32_t partition, int64_t offset,
                         int32_t leader_epoch, const char *metadata, int64_t commit_ts);
/* 1 if removed. */
int sk_group_delete_offset(sk_group_t *g, const char *topic, int32_t partition);

/* ConsumerProtocolSubscription (v0+ prefix): does this subscription name
 * the topic? 1 yes, 0 no, -1 malformed. */
int sk_group_subscription_has_topic(const uint8_t *meta, int32_t len, const char *topic);

#endif
