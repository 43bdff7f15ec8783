/* groups_out.h - what skein-consumer-groups knows about a group, and the
 * tables it prints (Kafka's kafka-consumer-groups.sh layouts).
 *
 * Filled by groups_kafka.c from the admin API; printed here so the layouts
 * are unit-tested without a broker. Strings are owned (free with
 * sk_ggroup_clear); NULL strings print as "-".
 * @locality any
 */
#ifndef SK_GROUPS_OUT_H
#define SK_GROUPS_OUT_H
#include <stdint.h>
#include <stdio.h>

/* One topic-partition with an offset (committed, new or to delete) and a
 * per-partition result. */
typedef struct sk_gtp {
    char *topic;
    int32_t partition;
    int64_t offset; /* -1: none */
    char *error;    /* NULL: success */
} sk_gtp_t;

typedef struct sk_gmember {
    char *consumer_id;
    char *instance_id;
    char *client_id;
    char *host;
    sk_gtp_t *assigned;
    int n_assigned;
} sk_gmember_t;

/* One row of --describe --offsets. */
typedef struct sk_gpart {
    char *topic;
    int32_t partition;
    int64_t current;  /* committed offset, -1: none */
    int64_t log_end;  /* -1: unknown */
    const sk_gmember_t *owner; /* NULL: not assigned */
} sk_gpart_t;

typedef struct sk_ggroup {
    char *group;
    char *state;    /* Stable, Empty, PreparingRebalance, ..., Dead */
    char *assignor; /* partition assignor ("" while rebalancing) */
    char *coordinator_host;
    int coordinator_port;
    int32_t coordinator_id; /* -1: unknown */
    sk_gmember_t *members;
    int n_members;
    sk_gpart_t *parts;
    int n_parts;
} sk_ggroup_t;

void sk_gtp_list_free(sk_gtp_t *l, int n);
void sk_ggroup_clear(sk_ggroup_t *g);

/* Add a member (strings copied; assignments added with sk_gmember_assign). */
sk_gmember_t *sk_ggroup_add_member(sk_ggroup_t *g, const char *consumer_id,
                                   const char *instance_id, const char *client_id,
                                   const char *host);
void sk_gmember_assign(sk_gmember_t *m, const char *topic, int32_t partition);

/* Build g->parts from the members' assignments plus the committed offsets
 * (partitions in either), sorted by topic then partition; log_end = -1. */
void sk_ggroup_build_parts(sk_ggroup_t *g, const sk_gtp_t *committed, int n_committed);

/* Sort a topic-partition list by topic, partition. */
void sk_gtp_sort(sk_gtp_t *l, int n);

/* "has no active members" / "is rebalancing" notes Kafka prints before the
 * tables (nothing for a stable group). */
void sk_gout_state_note(FILE *out, const sk_ggroup_t *g);
/* --describe --offsets: GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET
 * LAG CONSUMER-ID HOST CLIENT-ID, preceded by a blank line. */
void sk_gout_offsets(FILE *out, const sk_ggroup_t *g);
/* --describe --members: GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS
 * (+ ASSIGNMENT with verbose). */
void sk_gout_members(FILE *out, const sk_ggroup_t *g, int verbose);
/* --describe --state: GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE
 * #MEMBERS. */
void sk_gout_state(FILE *out, const sk_ggroup_t *g);
/* --reset-offsets plan: GROUP TOPIC PARTITION NEW-OFFSET. */
void sk_gout_reset_plan(FILE *out, const char *group, const sk_gtp_t *plan, int n);
/* --delete-offsets result: TOPIC PARTITION STATUS. */
void sk_gout_delete_offsets(FILE *out, const sk_gtp_t *res, int n);

#endif
