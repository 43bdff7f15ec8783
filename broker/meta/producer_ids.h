/* producer_ids.h - producer ids for idempotent producers (InitProducerId).
 *
 * Kafka's ZooKeeper-mode allocation: a broker takes a block of 1000 ids
 * from /latest_producer_id_block ({"version":1,"broker":B,"block_start":
 * "S","block_end":"E"}, the next block starts after the last one) with a
 * conditional setData on the version it read, retrying when another broker
 * won the race, then hands the ids out one by one. Ids are never reused,
 * also across restarts (a restarted broker takes a new block).
 * @locality loop
 */
#ifndef SK_PRODUCER_IDS_H
#define SK_PRODUCER_IDS_H
#include <stdint.h>

struct sk_broker_s;
typedef struct sk_pids_s sk_pids_t;
typedef struct sk_pids_wait_s sk_pids_wait_t;

/* kerr SK_KERR_NONE with a fresh id, or SK_KERR_COORDINATOR_NOT_AVAILABLE
 * (ZooKeeper unavailable; clients retry) with id -1. */
typedef void (*sk_pids_cb)(int16_t kerr, int64_t producer_id, void *arg);

sk_pids_t *sk_pids_new(struct sk_broker_s *b);
/* Pending callers get COORDINATOR_NOT_AVAILABLE first. NULL ok. Call after
 * the ZooKeeper session is closed (its callbacks still reach this). */
void sk_pids_free(sk_pids_t *p);
/* The next id: cb runs before this returns when the current block has one
 * (returns NULL), else once a new block is taken (returns a handle for
 * sk_pids_cancel, valid until cb runs). */
sk_pids_wait_t *sk_pids_next(sk_pids_t *p, sk_pids_cb cb, void *arg);
/* The caller went away (connection closed): cb will not run. */
void sk_pids_cancel(sk_pids_t *p, sk_pids_wait_t *w);

#endif
