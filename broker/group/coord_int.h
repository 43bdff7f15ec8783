/* coord_int.h - the group coordinator's shared state and the helpers its
 * files call across each other. Private to the coordinator (coord.c,
 * coord_member.c, coord_offsets.c); not for use outside broker/ -- the
 * public API is coord.h.
 *
 *   coord.c          ownership of __consumer_offsets partitions, loading and
 *                    unloading them, FindCoordinator, life cycle
 *   coord_member.c   membership and rebalance: JoinGroup, SyncGroup,
 *                    Heartbeat, LeaveGroup, session and rebalance timers
 *   coord_offsets.c  records written to __consumer_offsets, OffsetCommit,
 *                    group / offset deletion, offset expiry
 * @locality loop
 */
#ifndef SK_COORD_INT_H
#define SK_COORD_INT_H
#include <stdint.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "meta/broker_ctx.h"
#include "meta/topic_create.h"
#include "replica/partition.h"
#include "replica/purgatory.h"
#include "group/coord.h"
#include "group/group.h"
#include "kbuf.h"

enum { CP_NONE = 0, CP_LOADING, CP_LOADED };

/* One __consumer_offsets partition as this coordinator sees it. */
typedef struct cpart {
    sk_coord_t *c;
    int32_t index;
    int state;
    int32_t epoch;          /* leader epoch it was loaded for */
    int64_t cursor;         /* loading: next offset to read */
    int64_t started_ms;
    int64_t n_records;
    struct event *load_ev;
} cpart_t;

/* Defined in coord_member.c: a request whose answer comes later; the
 * expiry of a pending member id. */
typedef struct gpend gpend_t;
typedef struct ptimer ptimer_t;

struct sk_coord_s {
    sk_broker_t *b;
    cpart_t **parts;
    int32_t n_parts;
    TAILQ_HEAD(, sk_group) groups;
    TAILQ_HEAD(, gpend) done_q;     /* answered, to be sent next loop turn */
    TAILQ_HEAD(, ptimer) ptimers;   /* pending member ids */
    struct event *done_ev;
    struct event *expire_ev;
    int creating;
    int stopped;
};

/* A batch of records built from parallel key/value buffers. */
typedef struct recset {
    sk_wr_t *keys;
    sk_wr_t *values;   /* len 0 with null[i] = tombstone */
    int *null;
    int n, cap;
} recset_t;

/* coord.c */
int64_t coord_now_wall(void);
int32_t coord_n_offsets_partitions(sk_coord_t *c);
sk_group_t *coord_find_group(sk_coord_t *c, const char *id);
sk_group_t *coord_create_group(sk_coord_t *c, const char *id, int32_t partition);

/* coord_member.c */
void coord_done_cb(evutil_socket_t fd, short what, void *arg);
void coord_queue_complete(sk_coord_t *c, sk_req_t *req);
void coord_session_reset(sk_coord_t *c, sk_group_t *g, sk_gmember_t *m);
void coord_member_drop(sk_coord_t *c, sk_group_t *g, sk_gmember_t *m, int16_t err);
void coord_group_drop(sk_coord_t *c, sk_group_t *g, int16_t err);
void coord_ptimer_free(sk_coord_t *c, ptimer_t *t);

/* coord_offsets.c */
void coord_wr_group_key(sk_wr_t *w, const char *group);
void coord_wr_group_value(sk_wr_t *w, const sk_group_t *g);
sk_wr_t *coord_recset_add(recset_t *rs, int tombstone, sk_wr_t **value);
void coord_recset_free(recset_t *rs);
int16_t coord_recset_append(sk_coord_t *c, int32_t partition, recset_t *rs,
                            sk_append_done_fn done, void *arg);
void coord_write_group_metadata(sk_coord_t *c, sk_group_t *g, int tombstone);
int16_t coord_map_append_error(int16_t kerr);
void coord_expire_arm(sk_coord_t *c);
void coord_expire_cb(evutil_socket_t fd, short ev_what, void *arg);

#endif
