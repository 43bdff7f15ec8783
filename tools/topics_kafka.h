/* topics_kafka.h - skein-topics --bootstrap-server: librdkafka's admin API.
 *
 * Metadata (always for all topics, so nothing is auto-created),
 * CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs. A broker
 * that does not implement DescribeConfigs yet still gets its topics
 * described, without configs (a warning says so).
 * @locality any (blocking)
 */
#ifndef SK_TOPICS_KAFKA_H
#define SK_TOPICS_KAFKA_H
#include <stddef.h>
#include <stdint.h>

#include "assign_tool.h"
#include "toolopt.h"
#include "topics_desc.h"

typedef struct sk_tkafka_s sk_tkafka_t;

int sk_tkafka_open(const char *bootstrap, const char *config_file, int timeout_ms,
                   sk_tkafka_t **out, char *err, size_t errlen);
void sk_tkafka_close(sk_tkafka_t *k);

/* Sorted topic names. */
int sk_tkafka_list(sk_tkafka_t *k, char ***names, int *n, char *err, size_t errlen);

/* Describe the topics the filter selects (sorted by name), with their
 * non-default configs when with_configs, and the live broker ids (sorted). */
int sk_tkafka_describe(sk_tkafka_t *k, const sk_tfilter_t *f, int with_configs,
                       sk_tdesc_topic_t **topics, int *n, int32_t **live, int *n_live, char *err,
                       size_t errlen);
void sk_tkafka_free_topics(sk_tdesc_topic_t *topics, int n);

/* CreateTopics. partitions / rf -1: the broker's defaults. SK_EEXIST when
 * the broker answers TOPIC_ALREADY_EXISTS. */
int sk_tkafka_create(sk_tkafka_t *k, const char *topic, int partitions, int rf,
                     const sk_assignment_t *assignment, const sk_kvlist_t *configs, char *err,
                     size_t errlen);

/* DeleteTopics for one topic. */
int sk_tkafka_delete(sk_tkafka_t *k, const char *topic, char *err, size_t errlen);

/* CreatePartitions to total. assignment (may be NULL) covers all
 * partitions; the first existing ones are dropped, as kafka-topics does. */
int sk_tkafka_add_partitions(sk_tkafka_t *k, const char *topic, int total, int existing,
                             const sk_assignment_t *assignment, char *err, size_t errlen);

#endif
