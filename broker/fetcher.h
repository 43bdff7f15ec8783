/* fetcher.h - followers pull from leaders.
 *
 * For every leader this broker follows partitions of, one connection (the
 * controller channel's ordered, retried kind) carries Fetch requests with
 * ReplicaId = this broker: fetch offset = the local log end offset, batches
 * appended exactly as the leader sent them (its offsets and leader epochs
 * kept), the follower's high watermark = min(local LEO, the leader's HW).
 * The leader learns the follower's progress from the fetch offset of the
 * next request, and computes its high watermark from that.
 * @locality loop
 */
#ifndef SK_FETCHER_H
#define SK_FETCHER_H

typedef struct sk_broker_s sk_broker_t;
typedef struct sk_fetcher_s sk_fetcher_t;

sk_fetcher_t *sk_fetcher_new(sk_broker_t *b);
/* Partition roles or live brokers changed: (re)start fetching as needed. */
void sk_fetcher_update(sk_fetcher_t *f);
void sk_fetcher_free(sk_fetcher_t *f);

#endif
