/* groups_kafka.h - skein-consumer-groups' broker side: librdkafka admin
 * calls (ListConsumerGroups, DescribeConsumerGroups, ListConsumerGroupOffsets,
 * AlterConsumerGroupOffsets, DeleteGroups, DeleteConsumerGroupOffsets) and
 * the partition offset queries (watermarks, offsets for times).
 *
 * Every call waits at most the handle's timeout. Errors come back as
 * SK_EIO (or SK_ENOENT where said) with librdkafka's message in err.
 * @locality any (single-threaded tool)
 */
#ifndef SK_GROUPS_KAFKA_H
#define SK_GROUPS_KAFKA_H
#include <stddef.h>
#include <stdint.h>

#include "groups_out.h"

typedef struct sk_gkafka_s sk_gkafka_t;

int sk_gkafka_open(const char *bootstrap, const char *config_file, int timeout_ms,
                   sk_gkafka_t **out, char *err, size_t errlen);
void sk_gkafka_close(sk_gkafka_t *k);

/* All consumer group ids, sorted (free each and the array). */
int sk_gkafka_list(sk_gkafka_t *k, char ***ids, int *n, char *err, size_t errlen);

/* State, assignor, coordinator and members (with assignments) of group
 * into g (zeroed by the caller). SK_ENOENT when the group does not exist
 * (state Dead). */
int sk_gkafka_describe(sk_gkafka_t *k, const char *group, sk_ggroup_t *g, char *err,
                       size_t errlen);

/* All committed offsets of group, sorted (offset >= 0 only). */
int sk_gkafka_committed(sk_gkafka_t *k, const char *group, sk_gtp_t **out, int *n, char *err,
                        size_t errlen);

/* Partition ids of topic, sorted. SK_ENOENT if the topic does not exist. */
int sk_gkafka_partitions(sk_gkafka_t *k, const char *topic, int32_t **ids, int *n, char *err,
                         size_t errlen);

/* Log start and log end (high watermark) of one partition. */
int sk_gkafka_watermarks(sk_gkafka_t *k, const char *topic, int32_t partition, int64_t *low,
                         int64_t *high, char *err, size_t errlen);

/* For each l[i] the first offset whose timestamp is >= ts_ms, or -1 when no
 * message is that late; written to l[i].offset. */
int sk_gkafka_offsets_for_time(sk_gkafka_t *k, sk_gtp_t *l, int n, int64_t ts_ms, char *err,
                               size_t errlen);

/* Commit l[i].offset for every partition of l for group (the group must
 * have no active members). Per-partition failures go to l[i].error and
 * make the call return SK_EIO. */
int sk_gkafka_alter(sk_gkafka_t *k, const char *group, sk_gtp_t *l, int n, char *err,
                    size_t errlen);

/* Delete groups; errors[i] (malloc'd array of n) is NULL or the reason
 * group i could not be deleted. Returns SK_EIO when the request as a whole
 * failed (errors not set). */
int sk_gkafka_delete_groups(sk_gkafka_t *k, const char *const *groups, int n, char ***errors,
                            char *err, size_t errlen);

/* Delete the committed offsets of l's partitions; per-partition results in
 * l[i].error. SK_EIO with the group-level error (e.g. the group is
 * subscribed to the topic). */
int sk_gkafka_delete_offsets(sk_gkafka_t *k, const char *group, sk_gtp_t *l, int n, char *err,
                             size_t errlen);

#endif
