/* topics_desc.h - what skein-topics --describe / --list print.
 *
 * One neutral description of a topic, filled either from ZooKeeper or from
 * a broker's Metadata (plus DescribeConfigs), printed in Kafka 3.x
 * kafka-topics.sh format:
 *   Topic: t<TAB>TopicId: id<TAB>PartitionCount: 3<TAB>ReplicationFactor: 3<TAB>Configs: k=v,...
 *   <TAB>Topic: t<TAB>Partition: 0<TAB>Leader: 1<TAB>Replicas: 1,2,0<TAB>Isr: 1,2,0
 * TopicId only when known, "Leader: none" for -1, "\tMarkedForDeletion:
 * true" at the end of both kinds of line when the topic is being deleted,
 * "\tAdding Replicas: ..\tRemoving Replicas: .." during a reassignment.
 * Also the topic name filter (--topic as a regular expression, commas meaning
 * "or", as in Kafka).
 * @locality any
 */
#ifndef SK_TOPICS_DESC_H
#define SK_TOPICS_DESC_H
#include <regex.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sk_tdesc_part {
    int32_t partition;
    int32_t leader; /* -1: none */
    int32_t *replicas;
    int n_replicas;
    int32_t *isr;
    int n_isr;
    int32_t *adding; /* reassignment in progress (usually none) */
    int n_adding;
    int32_t *removing;
    int n_removing;
} sk_tdesc_part_t;

typedef struct sk_tdesc_topic {
    char *name;
    char *topic_id; /* NULL: unknown, not printed */
    int marked_for_deletion;
    /* non-default configs, printed in this order */
    char **config_keys;
    char **config_values;
    int n_configs;
    sk_tdesc_part_t *parts; /* in partition order */
    int n_parts;
} sk_tdesc_topic_t;

/* Free everything the topic owns (malloc'd) and zero it. */
void sk_tdesc_topic_clear(sk_tdesc_topic_t *t);
/* Append a config entry (copied). */
void sk_tdesc_add_config(sk_tdesc_topic_t *t, const char *key, const char *value);
/* Sort parts by partition id. */
void sk_tdesc_sort_parts(sk_tdesc_topic_t *t);

typedef struct sk_tdesc_opts {
    int under_replicated;     /* --under-replicated-partitions */
    int unavailable;          /* --unavailable-partitions */
    int topics_with_overrides;/* --topics-with-overrides */
    const int32_t *live;      /* live broker ids (for --unavailable-partitions) */
    int n_live;
} sk_tdesc_opts_t;

/* Kafka's replication factor of a topic: replicas of the first partition
 * minus those being added by a reassignment (0 if no partitions). */
int sk_tdesc_replication_factor(const sk_tdesc_topic_t *t);
int sk_tdesc_part_under_replicated(const sk_tdesc_part_t *p);
/* No leader, or a leader that is not a live broker. */
int sk_tdesc_part_unavailable(const sk_tdesc_part_t *p, const int32_t *live, int n_live);

/* Print one topic's lines per the options (Kafka's rules: with a partition
 * filter only the matching partition lines; with --topics-with-overrides
 * only the topic line, and only if it has configs). Returns the number of
 * lines printed. */
int sk_tdesc_print(FILE *out, const sk_tdesc_topic_t *t, const sk_tdesc_opts_t *o);

/* ---- topic selection -------------------------------------------------- */

typedef struct sk_tfilter {
    int has_regex;
    regex_t re;
    int exclude_internal;
} sk_tfilter_t;

/* pattern NULL selects every topic. Otherwise Kafka's include-list rules:
 * ',' separates alternatives, spaces and surrounding quotes are dropped,
 * and the expression must match the whole name. SK_EINVAL if the
 * expression does not compile. */
int sk_tfilter_init(sk_tfilter_t *f, const char *pattern, int exclude_internal, char *err,
                    size_t errlen);
void sk_tfilter_free(sk_tfilter_t *f);
int sk_tfilter_match(const sk_tfilter_t *f, const char *topic);

/* __consumer_offsets and __transaction_state. */
int sk_topic_is_internal(const char *topic);

/* Sort an array of names with strcmp (Kafka sorts topic lists). */
void sk_tdesc_sort_names(char **names, int n);

#endif
