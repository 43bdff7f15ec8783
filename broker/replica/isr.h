/* isr.h - the leader's side of ISR maintenance.
 *
 * A follower outside the ISR whose log end reaches the high watermark is
 * proposed for the ISR; a follower in the ISR that has not been caught up
 * with the leader's log end for replica.lag.time.max.ms is proposed for
 * removal (checked every half of that). Proposals go to the controller as
 * AlterPartition (one in flight per partition); the leader applies the new
 * ISR only when the controller has written it (Kafka 2.7+ behaviour).
 * This module decides and sends; the state changes (proposal in flight, the
 * accepted ISR) go through partition.h.
 * May call: partition, channel (the connection to the controller).
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
/* A follower fetched from offset fetch_offset (its progress is recorded by
 * sk_partition_follower_fetched first); replica_index indexes p->replicas.
 * Proposes it for the ISR when it is outside and has reached the HW. */
void sk_isr_follower_fetched(sk_broker_t *b, struct sk_partition *p, int replica_index,
                             int64_t fetch_offset);

#endif
