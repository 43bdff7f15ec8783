/* partlimit.h - KIP-578's partition limits: max.broker.partitions (partition
 * replicas one broker may host) and max.partitions (partition replicas in the
 * whole cluster). Kafka never shipped KIP-578; Skein uses its names.
 *
 * A limit is built from the live brokers and the replicas that exist (every
 * topic and every creation in flight, counted by the caller), then asked
 * twice about a request: before anything is allocated for it (is there room
 * for n replicas at all?) and once the new replicas are assigned (does each
 * broker stay within its bound?). Replicas on a broker that is not live count
 * only towards max.partitions.
 * Pure: no ZooKeeper, no broker context.
 * @locality any
 */
#ifndef SK_PARTLIMIT_H
#define SK_PARTLIMIT_H
#include <stddef.h>
#include <stdint.h>

typedef struct sk_partlimit sk_partlimit_t;

/* NULL when neither bound can be reached (both INT32_MAX, the defaults):
 * callers then skip counting and checking. ids: the live brokers. */
sk_partlimit_t *sk_partlimit_new(int32_t max_broker, int32_t max_total, const int32_t *ids,
                                 int n_ids);
void sk_partlimit_free(sk_partlimit_t *pl);
/* Count n existing replicas (broker ids). */
void sk_partlimit_count(sk_partlimit_t *pl, const int32_t *replicas, int64_t n);
/* Before allocation: may n_replicas more exist, within max.partitions and
 * within the room max.broker.partitions leaves over the live brokers?
 * SK_KERR_NONE, or SK_KERR_POLICY_VIOLATION with a message in text. */
int16_t sk_partlimit_room(const sk_partlimit_t *pl, int64_t n_replicas, char *text, size_t tlen);
/* Once assigned: does every broker stay within max.broker.partitions with
 * these n new replicas? SK_KERR_NONE or SK_KERR_POLICY_VIOLATION. */
int16_t sk_partlimit_fits(const sk_partlimit_t *pl, const int32_t *replicas, int64_t n, char *text,
                          size_t tlen);

#endif
