/* topic_conf.h - topic-level configuration keys (Kafka's TopicConfig).
 *
 * One static table (topic_conf.c) gives each topic key its broker fallback
 * key (log.segment.bytes for segment.bytes, ...), its type and validation
 * (the broker key's parser and range from conf.c, or its own spec when
 * there is no broker key), the field of the partition log's settings
 * (sk_plog_config_t) it sets, and whether DescribeConfigs lists it. From it
 * come: the keys CreateTopics accepts, DescribeConfigs values and synonyms,
 * the log settings a topic gets from the broker config, the parsing of
 * /config/topics/<t> overrides, and the topic keys in the generated docs.
 * @locality any (the table is constant)
 */
#ifndef SK_TOPIC_CONF_H
#define SK_TOPIC_CONF_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"

/* A partition log's settings: the broker's defaults with the topic's
 * overrides applied. Each field is set by one topic key (in brackets) and
 * falls back on one broker key. */
typedef struct sk_plog_config {
    int64_t segment_bytes;           /* [segment.bytes] log.segment.bytes, default 1073741824 */
    int64_t roll_ms;                 /* [segment.ms] log.roll.ms, default 168h */
    int32_t index_interval_bytes;    /* [index.interval.bytes] log.index.interval.bytes, 4096 */
    int32_t index_max_bytes;         /* [segment.index.bytes] log.index.size.max.bytes, 10485760 */
    int64_t flush_interval_messages; /* [flush.messages] log.flush.interval.messages,
                                      * default INT64_MAX (<= 0 never) */
    int64_t flush_interval_ms;       /* [flush.ms] log.flush.interval.ms, default INT64_MAX
                                      * (<= 0 never) */
    /* Retention (sk_plog_apply_retention). A zeroed config has
     * cleanup_delete 0 and so deletes nothing; start from the defaults. */
    int64_t retention_ms;    /* [retention.ms] log.retention.ms, default 168h; < 0 unlimited */
    int64_t retention_bytes; /* [retention.bytes] log.retention.bytes, default -1 (unlimited) */
    int cleanup_delete;      /* [cleanup.policy] includes "delete" (default 1); 0 (compact
                              * only): no time or size retention */
    /* Compaction (sk_plog_clean_*). */
    int cleanup_compact;            /* [cleanup.policy] includes "compact" (default 0) */
    double min_cleanable_ratio;     /* [min.cleanable.dirty.ratio] default 0.5 */
    int64_t delete_retention_ms;    /* [delete.retention.ms] default 86400000 */
    int64_t min_compaction_lag_ms;  /* [min.compaction.lag.ms] default 0 */
    int64_t max_compaction_lag_ms;  /* [max.compaction.lag.ms] default INT64_MAX */
} sk_plog_config_t;

/* Table introspection. i = 0 .. count-1, sorted by key name. */
int sk_topic_conf_count(void);
const char *sk_topic_conf_name(int i);
/* Index of a topic key, or -1 when Kafka has no such topic key. */
int sk_topic_conf_index(const char *key);
/* The broker key key i falls back on, or NULL (a fixed default). */
const char *sk_topic_conf_broker_key(int i);
/* Whether DescribeConfigs lists key i (the keys Skein acts on or Kafka
 * always lists); the others are accepted and stored but have no effect. */
int sk_topic_conf_described(int i);
/* Key i's type as the docs name it, and its fixed default (NULL when it
 * falls back on a broker key). */
const char *sk_topic_conf_type(int i);
const char *sk_topic_conf_default(int i);
const char *sk_topic_conf_doc(int i);

/* The value key i has for a topic without an override: the broker key's
 * effective value in c (*set: that broker key was configured), else the
 * fixed default (*set = 0). Returns 0, or SK_EINVAL if i is out of range. */
int sk_topic_conf_fallback(const sk_conf_t *c, int i, char *buf, size_t len, int *set);

/* Check value (surrounding blanks ignored) for key i with the key's parser.
 * Returns 0, or SK_EINVAL with the reason ("expected ...") in why. */
int sk_topic_conf_check(int i, const char *value, char *why, size_t whylen);

/* The log settings of a topic without overrides: each field from its broker
 * key's effective value in c. */
void sk_topic_conf_log_defaults(const sk_conf_t *c, sk_plog_config_t *out);
/* Kafka's defaults (sk_topic_conf_log_defaults of a default broker config). */
void sk_topic_conf_kafka_defaults(sk_plog_config_t *out);

/* The value an override of an integer topic key stands for (the keys that
 * set no log field and are read where they act: max.message.bytes,
 * min.insync.replicas), parsed by the key's parser: blanks around it
 * ignored, the key's range enforced. SK_OK with *out; SK_EINVAL (reason in
 * why, which may be NULL) when the parser refuses value or the key's values
 * are not integers; SK_ENOENT when key is not a topic key. The caller then
 * uses the broker's value. */
int sk_topic_conf_int(const char *key, const char *value, int64_t *out, char *why,
                      size_t whylen);

/* Apply one override (key=value from /config/topics/<t>) to cfg. Returns 0
 * when applied or when the key is valid but sets no log field; SK_ENOENT for
 * a key that is not a topic key; SK_EINVAL (cfg unchanged, reason in why)
 * for a value the key's parser refuses. */
int sk_topic_conf_apply(sk_plog_config_t *cfg, const char *key, const char *value, char *why,
                        size_t whylen);

#endif
