/* throttle.h - replication throttles (Kafka's replication quotas, used by a
 * partition reassignment to bound the catch-up traffic of moving replicas).
 *
 * Which partitions: the topic keys leader.replication.throttled.replicas and
 * follower.replication.throttled.replicas, lists of "partition:broker" (or
 * "*" for every replica), from /config/topics/<t>; a replica of partition p
 * on this broker is throttled when its list names p:<this broker id>. How
 * fast: the broker keys leader.replication.throttled.rate and
 * follower.replication.throttled.rate in bytes/s, from /config/brokers/<id>
 * (then /config/brokers/<default>, then the properties file; unset means
 * no limit). Both are read from the dynamic configuration cache
 * (meta/cfgchange.h) each time they are needed, so a change applies at the
 * next fetch.
 *
 * The follower's fetcher keeps one token bucket for all its throttled
 * partitions: the bucket holds up to one second of the rate, each fetched
 * byte of a throttled partition takes a token, and a throttled partition is
 * left out of Fetch requests while the bucket is empty. The leader side is
 * the same with the broker's bucket (broker_ctx.h leader_throttle): the
 * Fetch handler answers a follower without the records of its throttled
 * replicas while it is empty, and the records it sends take tokens.
 * @locality loop
 */
#ifndef SK_THROTTLE_H
#define SK_THROTTLE_H
#include <stdint.h>

#include "meta/broker_ctx.h"

/* Whether list ("0:1,1:2" or "*", spaces allowed around items) names
 * partition on broker. A malformed item names nothing. */
int sk_throttle_listed(const char *list, int32_t partition, int32_t broker);

/* Whether this broker's replica of topic-partition is throttled on the
 * follower side (follower = 1) or the leader side (0). */
int sk_throttle_replica(sk_broker_t *b, const char *topic, int32_t partition, int follower);

/* This broker's follower (1) or leader (0) throttle rate in bytes/s, or -1
 * for none. */
int64_t sk_throttle_rate(sk_broker_t *b, int follower);

/* A token bucket. */
typedef struct sk_tbucket sk_tbucket_t;
sk_tbucket_t *sk_tbucket_new(void);
void sk_tbucket_free(sk_tbucket_t *q);
/* 0 when bytes may go now at rate (bytes/s; < 0 unlimited), else the ms to
 * wait until they may. */
int64_t sk_tbucket_wait_ms(sk_tbucket_t *q, int64_t rate, int64_t now_ms);
/* bytes went. */
void sk_tbucket_take(sk_tbucket_t *q, int64_t rate, int64_t bytes, int64_t now_ms);

#endif
