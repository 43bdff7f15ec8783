/* election.h - controller election through the ephemeral /controller znode.
 *
 * Every broker races to create /controller (Kafka's JSON). The winner bumps
 * /controller_epoch in the same multi-op, so the epoch and the epoch znode's
 * version (the fencing token every later controller write checks) belong to
 * exactly one controller. Everyone watches /controller: on deletion they race
 * again; on creation or change they learn the new controller id, and a broker
 * that thought it was controller but is named no longer resigns.
 * @locality loop
 */
#ifndef SK_ELECTION_H
#define SK_ELECTION_H
#include <stdint.h>

#include "zk.h"

typedef struct sk_election_s sk_election_t;

typedef struct sk_election_cbs {
    /* This broker won: epoch and the zkVersion of /controller_epoch. */
    void (*became)(int32_t epoch, int32_t epoch_zkversion, void *arg);
    /* This broker was controller and is no more. */
    void (*resigned)(void *arg);
    /* The active controller's id changed (-1 = none). */
    void (*changed)(int32_t controller_id, void *arg);
} sk_election_cbs_t;

sk_election_t *sk_election_new(sk_zk_t *zk, int32_t broker_id, const sk_election_cbs_t *cbs,
                               void *arg);
/* Watch /controller and race for it (after the broker registered). */
void sk_election_start(sk_election_t *e);
/* The session expired: resign at once (ephemeral nodes are gone). Call
 * sk_election_start() again once the broker has registered anew. */
void sk_election_session_expired(sk_election_t *e);
/* Give up the role (a fenced write failed, or shutdown): delete /controller
 * if it is ours, then the race starts again among the others. */
void sk_election_resign(sk_election_t *e);
int sk_election_is_controller(const sk_election_t *e);
int32_t sk_election_controller_id(const sk_election_t *e);
int32_t sk_election_epoch(const sk_election_t *e);
int32_t sk_election_epoch_zkversion(const sk_election_t *e);
/* Stop acting on ZooKeeper events (before the session is closed; completions
 * still in flight then find it stopped). */
void sk_election_stop(sk_election_t *e);
/* Free; call after sk_zk_close() so no completion can reach it. */
void sk_election_free(sk_election_t *e);

#endif
