/* assign.h - replica assignment for new topics and partitions, as Kafka does it.
 *
 * Rack-unaware: brokers sorted by id; partition p's first replica is broker
 * (start + p) % n; the followers sit at a shift from it that grows by one
 * every n partitions, so leaders and followers both spread evenly.
 * Rack-aware (every broker has broker.rack): the same walk over a broker list
 * that alternates racks, skipping brokers whose rack already holds a replica
 * of the partition until every rack has one.
 * Pure functions, no I/O.
 * @locality any
 */
#ifndef SK_ASSIGN_H
#define SK_ASSIGN_H
#include <stddef.h>
#include <stdint.h>

typedef struct sk_assign_broker {
    int32_t id;
    const char *rack; /* NULL = none */
} sk_assign_broker_t;

/* Assign replication_factor replicas to each of n_partitions partitions,
 * numbered from first_partition (CreatePartitions adds to an existing topic).
 * start_index / replica_shift: -1 = random (Kafka), >= 0 fixed (tests,
 * reproducible tools). out is n_partitions * replication_factor ids,
 * row-major. Returns 0, or SK_EINVAL with err: no brokers, replication factor
 * < 1 or > brokers, or some but not all brokers have a rack. */
int sk_assign_replicas(const sk_assign_broker_t *brokers, int n_brokers, int32_t n_partitions,
                       int replication_factor, int32_t first_partition, int start_index,
                       int replica_shift, int32_t *out, char *err, size_t errlen);

#endif
