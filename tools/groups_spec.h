/* groups_spec.h - skein-consumer-groups value parsing and offset arithmetic.
 *
 * The pure parts of --reset-offsets: topic scopes ("t" or "t:0,2"),
 * --to-datetime timestamps, and the new offset of one partition for each
 * reset mode, clamped to the partition's log range the way Kafka's tool
 * does. Nothing here talks to a broker.
 * @locality any
 */
#ifndef SK_GROUPS_SPEC_H
#define SK_GROUPS_SPEC_H
#include <stddef.h>
#include <stdint.h>

/* One --topic argument: a topic and optionally some of its partitions
 * (n_parts == 0 means all partitions). */
typedef struct sk_gtopic_spec {
    char *topic;
    int32_t *parts;
    int n_parts;
} sk_gtopic_spec_t;

/* Parse "topic" or "topic:0,1,5" (partitions >= 0, no duplicates, no empty
 * items). SK_EINVAL with the reason. Release with sk_gtopic_spec_clear. */
int sk_gtopic_spec_parse(const char *s, sk_gtopic_spec_t *out, char *err, size_t errlen);
void sk_gtopic_spec_clear(sk_gtopic_spec_t *s);
/* 1 if the spec selects partition p of topic. */
int sk_gtopic_spec_match(const sk_gtopic_spec_t *s, const char *topic, int32_t p);

/* Parse a --to-datetime value: YYYY-MM-DDTHH:mm:SS[.sss] followed by
 * nothing (UTC), "Z" (UTC) or a +HH:MM / -HH:MM offset from UTC. Fields are
 * range-checked (days per month, leap years). Milliseconds since the epoch
 * in *ms_out. SK_EINVAL with the reason. */
int sk_gdatetime_parse(const char *s, int64_t *ms_out, char *err, size_t errlen);

/* Format ms since the epoch as YYYY-MM-DDTHH:mm:SS.sssZ (buf >= 32). */
void sk_gdatetime_format(int64_t ms, char *buf, size_t len);

typedef enum {
    SK_GRESET_NONE = 0,
    SK_GRESET_EARLIEST,
    SK_GRESET_LATEST,
    SK_GRESET_OFFSET,   /* value = absolute offset */
    SK_GRESET_SHIFT,    /* value = signed shift from the committed offset */
    SK_GRESET_DATETIME, /* value = ms since the epoch */
    SK_GRESET_CURRENT,  /* keep the committed offset */
} sk_greset_mode_t;

/* What is known about one partition when planning a reset. */
typedef struct sk_greset_in {
    int64_t low;       /* log start offset */
    int64_t high;      /* log end offset (high watermark) */
    int64_t committed; /* -1: the group has no committed offset */
    int64_t by_time;   /* DATETIME: first offset with timestamp >= value, -1: none */
} sk_greset_in_t;

/* The new offset for one partition: EARLIEST -> low, LATEST -> high,
 * OFFSET -> value, SHIFT -> committed + value, DATETIME -> by_time (high
 * when no message is that late), CURRENT -> committed; everything clamped
 * to [low, high]. SHIFT and CURRENT without a committed offset fail with
 * SK_ENOENT and a message naming topic-partition. */
int sk_greset_target(sk_greset_mode_t mode, int64_t value, const sk_greset_in_t *in,
                     const char *topic, int32_t partition, int64_t *out, char *err,
                     size_t errlen);

#endif
