/* topic_conf.c - the topic-level key table (see topic_conf.h).
 *
 * A topic key either falls back on a broker key, whose spec (type, range,
 * allowed names) in conf.c's table is then also the topic key's, or has a
 * spec of its own with a fixed default. Keys that set a field of the log's
 * settings name it with a store slot; the rest are accepted and stored in
 * ZooKeeper (and some listed by DescribeConfigs) but act elsewhere or not at
 * all.
 */
#include "topic_conf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"
#include "kerr.h"
#include "mem.h"

/* How a parsed value goes into sk_plog_config_t. */
typedef enum {
    S_NONE,   /* sets no log field */
    S_I64,    /* int64_t field */
    S_I32,    /* int32_t field (the broker key's range fits) */
    S_DOUBLE, /* double field */
    S_POLICY, /* cleanup.policy: cleanup_delete and cleanup_compact */
} store_t;

enum { TK_DESCRIBE = 1 }; /* listed by DescribeConfigs */

typedef struct tkey {
    const char *key;
    const char *broker_key; /* fallback (its spec parses the value), or NULL */
    ckey_t own;             /* the spec when broker_key is NULL (own.key unused) */
    store_t store;
    size_t off;             /* of the field in sk_plog_config_t */
    unsigned flags;         /* TK_* */
    const char *doc;
} tkey_t;

static const char *const codec_names[] = {"uncompressed", "zstd", "lz4", "snappy", "gzip",
                                          "producer", NULL};

#define I64MAX "9223372036854775807"
#define POFF(f) offsetof(sk_plog_config_t, f)
/* Falls back on broker key bk and sets field f (stored as st). */
#define TB(k, bk, st, f, fl, doc) {k, bk, {0}, st, POFF(f), fl, doc}
/* Falls back on broker key bk; sets no log field. */
#define TBN(k, bk, fl, doc) {k, bk, {0}, S_NONE, 0, fl, doc}
/* No broker key: own type t, default d, range lo..hi, allowed names nm. */
#define TOWN(k, t, d, lo, hi, nm, fl, doc) \
    {k, NULL, {NULL, t, d, lo, hi, 0, 0, nm, NULL, NULL}, S_NONE, 0, fl, doc}

#define ACCEPTED "Accepted and stored for Kafka's tools; skeind does not use it."

/* Sorted by key (DescribeConfigs lists them in this order). */
static const tkey_t tkeys[] = {
    TB("cleanup.policy", "log.cleanup.policy", S_POLICY, cleanup_delete, TK_DESCRIBE,
       "delete (time and size retention) and/or compact (keep the last record of each key)."),
    TOWN("compression.type", T_STRING, "producer", 0, 0, codec_names, TK_DESCRIBE,
         "Accepted; skeind keeps batches compressed as the producer sent them."),
    TB("delete.retention.ms", "log.cleaner.delete.retention.ms", S_I64, delete_retention_ms,
       TK_DESCRIBE, "How long tombstones stay in a compacted log after it was cleaned."),
    TOWN("file.delete.delay.ms", T_INT64, "60000", 0, INT64_MAX, NULL, TK_DESCRIBE,
         "Accepted and listed by DescribeConfigs; skeind does not use it."),
    TB("flush.messages", "log.flush.interval.messages", S_I64, flush_interval_messages,
       TK_DESCRIBE, "Messages appended to a partition before it is fsynced."),
    TB("flush.ms", "log.flush.interval.ms", S_I64, flush_interval_ms, TK_DESCRIBE,
       "Maximum time data stays unflushed."),
    TOWN("follower.replication.throttled.replicas", T_LIST, "", 0, 0, NULL, 0, ACCEPTED),
    TB("index.interval.bytes", "log.index.interval.bytes", S_I32, index_interval_bytes,
       TK_DESCRIBE, "Bytes of records between two offset index entries."),
    TOWN("leader.replication.throttled.replicas", T_LIST, "", 0, 0, NULL, 0, ACCEPTED),
    TOWN("local.retention.bytes", T_INT64, "-2", -2, INT64_MAX, NULL, 0, ACCEPTED),
    TOWN("local.retention.ms", T_INT64, "-2", -2, INT64_MAX, NULL, 0, ACCEPTED),
    TB("max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", S_I64,
       max_compaction_lag_ms, TK_DESCRIBE,
       "Maximum time a record stays uncompacted whatever the dirty ratio."),
    TBN("max.message.bytes", "message.max.bytes", TK_DESCRIBE,
        "Largest record batch a produce to this topic may carry."),
    TOWN("message.downconversion.enable", T_BOOL, "true", 0, 0, NULL, 0, ACCEPTED),
    TOWN("message.format.version", T_STRING, "3.0-IV1", 0, 0, NULL, 0, ACCEPTED),
    TOWN("message.timestamp.after.max.ms", T_INT64, I64MAX, 0, INT64_MAX, NULL, 0, ACCEPTED),
    TOWN("message.timestamp.before.max.ms", T_INT64, I64MAX, 0, INT64_MAX, NULL, 0, ACCEPTED),
    TOWN("message.timestamp.difference.max.ms", T_INT64, I64MAX, 0, INT64_MAX, NULL, 0,
         ACCEPTED),
    TBN("message.timestamp.type", "log.message.timestamp.type", TK_DESCRIBE,
        "CreateTime keeps the producer's timestamp, LogAppendTime stamps the broker's clock."),
    TB("min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio", S_DOUBLE,
       min_cleanable_ratio, TK_DESCRIBE,
       "Dirty share of a compacted log's cleanable part that triggers a pass."),
    TB("min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms", S_I64,
       min_compaction_lag_ms, TK_DESCRIBE, "Minimum age of a record before it may be compacted away."),
    TBN("min.insync.replicas", "min.insync.replicas", TK_DESCRIBE,
        "Replicas that must be in sync for an acks=all produce to succeed."),
    TOWN("preallocate", T_BOOL, "false", 0, 0, NULL, 0, ACCEPTED),
    TOWN("remote.storage.enable", T_BOOL, "false", 0, 0, NULL, 0, ACCEPTED),
    TB("retention.bytes", "log.retention.bytes", S_I64, retention_bytes, TK_DESCRIBE,
       "Maximum size of a partition before old segments are deleted; -1 = unlimited."),
    TB("retention.ms", "log.retention.ms", S_I64, retention_ms, TK_DESCRIBE,
       "Age after which a segment is deleted; -1 = unlimited."),
    TB("segment.bytes", "log.segment.bytes", S_I64, segment_bytes, TK_DESCRIBE,
       "Maximum size of one segment file."),
    TB("segment.index.bytes", "log.index.size.max.bytes", S_I32, index_max_bytes, TK_DESCRIBE,
       "Maximum size of an index file; a full index rolls the segment."),
    TOWN("segment.jitter.ms", T_INT64, "0", 0, INT64_MAX, NULL, 0, ACCEPTED),
    TB("segment.ms", "log.roll.ms", S_I64, roll_ms, TK_DESCRIBE,
       "Maximum age of the active segment before a new one is rolled."),
    TBN("unclean.leader.election.enable", "unclean.leader.election.enable", TK_DESCRIBE,
        "Allow a replica outside the ISR to become leader (may lose committed data)."),
};

#define NTKEYS ((int)(sizeof(tkeys) / sizeof(tkeys[0])))

static const ckey_t *spec(int i);

const ckey_t *sk_topic_conf_spec(int i)
{
    return i >= 0 && i < NTKEYS ? spec(i) : NULL;
}

/* The spec that parses key i's values. */
static const ckey_t *spec(int i)
{
    const tkey_t *tk = &tkeys[i];
    return tk->broker_key ? sk_conf_spec(sk_conf_key_index(tk->broker_key)) : &tk->own;
}

static void store(sk_plog_config_t *cfg, const tkey_t *tk, const ckey_t *k, const conf_val_t *v)
{
    char *f = (char *)cfg + tk->off;
    switch (tk->store) {
    case S_NONE:
        break;
    case S_I64:
        *(int64_t *)(void *)f = v->i;
        break;
    case S_I32:
        *(int32_t *)(void *)f = (int32_t)v->i;
        break;
    case S_DOUBLE:
        *(double *)(void *)f = v->d;
        break;
    case S_POLICY:
        cfg->cleanup_delete = (v->bits >> sk_conf_names_index(k->names, "delete")) & 1u;
        cfg->cleanup_compact = (v->bits >> sk_conf_names_index(k->names, "compact")) & 1u;
        break;
    }
}

int sk_topic_conf_count(void)
{
    return NTKEYS;
}

const char *sk_topic_conf_name(int i)
{
    return i >= 0 && i < NTKEYS ? tkeys[i].key : NULL;
}

int sk_topic_conf_index(const char *key)
{
    for (int i = 0; key && i < NTKEYS; i++)
        if (strcmp(tkeys[i].key, key) == 0)
            return i;
    return -1;
}

const char *sk_topic_conf_broker_key(int i)
{
    return i >= 0 && i < NTKEYS ? tkeys[i].broker_key : NULL;
}

int sk_topic_conf_described(int i)
{
    return i >= 0 && i < NTKEYS && (tkeys[i].flags & TK_DESCRIBE);
}

const char *sk_topic_conf_type(int i)
{
    return i >= 0 && i < NTKEYS ? sk_conf_spec_type_name(spec(i)) : NULL;
}

const char *sk_topic_conf_default(int i)
{
    return i >= 0 && i < NTKEYS && !tkeys[i].broker_key ? tkeys[i].own.def : NULL;
}

const char *sk_topic_conf_doc(int i)
{
    return i >= 0 && i < NTKEYS ? tkeys[i].doc : NULL;
}

int sk_topic_conf_fallback(const sk_conf_t *c, int i, char *buf, size_t len, int *set)
{
    if (i < 0 || i >= NTKEYS || !buf || len == 0)
        return SK_EINVAL;
    if (set)
        *set = 0;
    if (tkeys[i].broker_key)
        return sk_conf_effective_string(c, sk_conf_key_index(tkeys[i].broker_key), buf, len, set);
    snprintf(buf, len, "%s", tkeys[i].own.def);
    return SK_OK;
}

/* Parse value (blanks around it ignored) with key i's spec. */
static int parse(int i, const char *value, conf_val_t *out, char *why, size_t whylen)
{
    while (isspace((unsigned char)*value))
        value++;
    size_t n = strlen(value);
    while (n > 0 && isspace((unsigned char)value[n - 1]))
        n--;
    char *v = sk_strndup(value, n);
    int rc = sk_conf_spec_parse(spec(i), v, out, why, whylen) == 0 ? SK_OK : SK_EINVAL;
    free(v);
    return rc;
}

int sk_topic_conf_check(int i, const char *value, char *why, size_t whylen)
{
    conf_val_t v;
    if (i < 0 || i >= NTKEYS || !value) {
        snprintf(why, whylen, "not a topic configuration key");
        return SK_EINVAL;
    }
    return parse(i, value, &v, why, whylen);
}

void sk_topic_conf_log_defaults(const sk_conf_t *c, sk_plog_config_t *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < NTKEYS; i++) {
        if (tkeys[i].store == S_NONE)
            continue;
        conf_val_t v;
        sk_conf_spec_get(c, sk_conf_key_index(tkeys[i].broker_key), &v);
        store(out, &tkeys[i], spec(i), &v);
    }
}

void sk_topic_conf_kafka_defaults(sk_plog_config_t *out)
{
    sk_conf_t c;
    sk_conf_init(&c);
    sk_topic_conf_log_defaults(&c, out);
    sk_conf_free(&c);
}

int sk_topic_conf_int(const char *key, const char *value, int64_t *out, char *why,
                      size_t whylen)
{
    char buf[160];
    if (!why || whylen == 0) {
        why = buf;
        whylen = sizeof(buf);
    }
    int i = sk_topic_conf_index(key);
    if (i < 0) {
        snprintf(why, whylen, "unknown topic config name");
        return SK_ENOENT;
    }
    const ckey_t *k = spec(i);
    if (k->type != T_INT32 && k->type != T_INT64) {
        snprintf(why, whylen, "%s is not an integer key", key);
        return SK_EINVAL;
    }
    conf_val_t v;
    if (!value || parse(i, value, &v, why, whylen) != SK_OK)
        return SK_EINVAL;
    *out = v.i;
    return SK_OK;
}

int sk_topic_conf_apply(sk_plog_config_t *cfg, const char *key, const char *value, char *why,
                        size_t whylen)
{
    int i = sk_topic_conf_index(key);
    conf_val_t v;
    if (i < 0) {
        snprintf(why, whylen, "unknown topic config name");
        return SK_ENOENT;
    }
    if (tkeys[i].store == S_NONE)
        return SK_OK;
    if (!value || parse(i, value, &v, why, whylen) != SK_OK)
        return SK_EINVAL;
    store(cfg, &tkeys[i], spec(i), &v);
    return SK_OK;
}
