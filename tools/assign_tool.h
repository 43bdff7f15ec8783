/* assign_tool.h - replica assignments for skein-topics --zookeeper.
 *
 * Kafka's rack-unaware assignment (what AdminUtils does for topic creation
 * and partition addition without broker racks) and the parser of the
 * --replica-assignment option ("0:1,1:2" = partition 0 on brokers 0 and 1,
 * partition 1 on brokers 1 and 2).
 *
 * Lives in tools/ until the controller's own assignment module exists; the
 * two must produce the same layouts (same algorithm, same inputs).
 * @locality any
 */
#ifndef SK_ASSIGN_TOOL_H
#define SK_ASSIGN_TOOL_H
#include <stddef.h>
#include <stdint.h>

/* Partition p (0-based within this object) is stored on replicas[p][0..n_replicas[p]). */
typedef struct sk_assignment {
    int n_partitions;
    int32_t **replicas;
    int *n_replicas;
} sk_assignment_t;

/* Free the arrays (accepts a zeroed struct) and zero it. */
void sk_assignment_clear(sk_assignment_t *a);

/* Parse "--replica-assignment": partitions separated by ',', broker ids of
 * one partition by ':' (spaces around ids allowed). Every partition must
 * have the same number of replicas and no broker twice. SK_EINVAL with a
 * message naming the partition otherwise. */
int sk_assign_parse(const char *spec, sk_assignment_t *out, char *err, size_t errlen);

/* Kafka's rack-unaware assignment of n_partitions new partitions, numbered
 * from start_partition_id, over brokers (sorted ascending, distinct):
 *   first replica of partition p: brokers[(p + start_index) % n]
 *   follower j (0-based): brokers[(first + 1 + (shift + j) % (n - 1)) % n]
 * where shift starts at replica_shift and grows by one each time p (p > 0)
 * is a multiple of n. For a new topic Kafka draws start_index and
 * replica_shift at random in [0, n); when adding partitions both are the
 * index of the first broker whose id >= the first replica of partition 0.
 * Errors (SK_EINVAL, Kafka's messages): n_partitions or rf < 1, rf > n. */
int sk_assign_rack_unaware(const int32_t *brokers, int n_brokers, int n_partitions, int rf,
                           int start_index, int replica_shift, int start_partition_id,
                           sk_assignment_t *out, char *err, size_t errlen);

/* Check an assignment: every partition has >= 1 replica, none twice, all
 * partitions the same count. SK_EINVAL with Kafka's message otherwise. */
int sk_assign_validate(const sk_assignment_t *a, char *err, size_t errlen);

/* Every broker named in a is in live[0..n_live); otherwise SK_EINVAL
 * "Unknown broker(s) in replica assignment: 5,7." */
int sk_assign_check_brokers(const sk_assignment_t *a, const int32_t *live, int n_live, char *err,
                            size_t errlen);

/* A uniformly random index in [0, n) from the system RNG (n >= 1). */
int sk_assign_random_index(int n);

#endif
