/* isr.h - the leader's side of ISR maintenance.
 *
 * A follower outside the ISR whose log end reaches the high watermark is
 * proposed for the ISR; a follower in the ISR that has not been caught up
 * with the leader's log end for replica.lag.time.max.ms is proposed for
 * removal (checked every half of that). Proposals go to the controller as
 * AlterPartition (one in flight per partition); the leader applies the new
 * ISR only when the controller has written it (Kafka 2.7+ behaviour).
 * @locality loop
 */
#ifndef SK_ISR_H
#define SK_ISR_H
#include <stdint.h>

typedef struct sk_broker_s sk_broker_t;
struct sk_partition;

/* Start/stop the shrink timer and the connection to the controller. */
void sk_isr_start(sk_broker_t *b);
void sk_isr_stop(sk_broker_t *b);
/* A follower fetched from offset fetch_offset (leader_leo = the leader's log
 * end at that moment). replica_index indexes p->replicas. */
void sk_isr_follower_fetched(sk_broker_t *b, struct sk_partition *p, int replica_index,
                             int64_t fetch_offset, int64_t leader_leo);
/* This broker just became leader of p: every follower starts "caught up now". */
void sk_isr_leadership_started(struct sk_partition *p);

#endif
