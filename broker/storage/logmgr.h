/* logmgr.h - the log manager: every partition log in every log.dir.
 *
 * Owns the partition logs (sk_plog_t), meta.properties of each dir and the
 * offset checkpoint files (recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint, replication-offset-checkpoint), written
 * atomically on the diskio pool every checkpoint_ms and synchronously on
 * close. A flush-scheduler timer applies log.flush.interval.ms.
 * @locality loop (everything)
 */
#ifndef SK_LOGMGR_H
#define SK_LOGMGR_H
#include <stddef.h>
#include <stdint.h>

#include "storage/plog.h"

struct event_base;
typedef struct sk_logmgr_s sk_logmgr_t;

#define SK_LOGMGR_LOCK_FILE ".lock"

/* Opens each dir in log_dirs (creating it), locks it (flock LOCK_EX|LOCK_NB
 * on <dir>/.lock, held until close: a dir locked by another process, e.g. a
 * second broker, is SK_ESTATE with a message naming the dir), reads/creates
 * meta.properties (version=0, broker.id; a broker.id mismatch is an error
 * naming the dir),
 * reads the three checkpoint files (malformed = error), opens every
 * <topic>-<partition> directory (split at the LAST '-') with recovery, and
 * removes <...>-delete directories left by an interrupted topic deletion.
 * base may be NULL (no timers); io may be NULL (synchronous disk work).
 * flush_scheduler_ms / checkpoint_ms <= 0 or >= INT64_MAX/2 disable the timer. */
int sk_logmgr_open(struct event_base *base, sk_diskio_t *io, char **log_dirs, int n_dirs,
                   int32_t broker_id, const sk_plog_config_t *defaults, int64_t flush_scheduler_ms,
                   int64_t checkpoint_ms, sk_logmgr_t **out, char *err, size_t errlen);
/* Stores cluster.id in every meta.properties that has none. A dir holding
 * another cluster.id -> SK_EINVAL with a message naming it. */
int sk_logmgr_set_cluster_id(sk_logmgr_t *m, const char *cluster_id, char *err, size_t errlen);
sk_plog_t *sk_logmgr_get(sk_logmgr_t *m, const char *topic, int32_t partition); /* NULL if none */
/* Get or create (in the dir with the fewest partitions). cfg NULL = the
 * defaults given at open. SK_EINVAL for an illegal topic name / partition. */
int sk_logmgr_get_or_create(sk_logmgr_t *m, const char *topic, int32_t partition,
                            const sk_plog_config_t *cfg, sk_plog_t **out);
/* Remove a partition's log and its directory (topic deletion). SK_ENOENT if none. */
int sk_logmgr_delete(sk_logmgr_t *m, const char *topic, int32_t partition);
void sk_logmgr_foreach(sk_logmgr_t *m,
                       void (*fn)(const char *topic, int32_t partition, sk_plog_t *log, void *arg),
                       void *arg);
int sk_logmgr_count(const sk_logmgr_t *m);
/* The broker supplies high watermarks; they go to replication-offset-checkpoint. */
void sk_logmgr_set_high_watermark(sk_logmgr_t *m, const char *topic, int32_t partition, int64_t hw);
/* Last HW known for the partition (from the checkpoint at open, or set
 * since); -1 if none. */
int64_t sk_logmgr_get_checkpointed_high_watermark(sk_logmgr_t *m, const char *topic,
                                                  int32_t partition);
/* Retention: every log.retention.check.interval.ms (default
 * SK_LOGMGR_RETENTION_CHECK_MS, armed at open when there is an event base)
 * each partition log applies its retention config (sk_plog_apply_retention)
 * bounded by its high watermark as given to sk_logmgr_set_high_watermark
 * (or checkpointed); partitions with no known HW keep everything. After any
 * deletion the checkpoints (log-start-offset-checkpoint) are rewritten on
 * the diskio pool.
 * set_retention_check_ms: re-arm the timer; <= 0 turns it off. */
#define SK_LOGMGR_RETENTION_CHECK_MS 300000
void sk_logmgr_set_retention_check_ms(sk_logmgr_t *m, int64_t ms);
/* One retention pass now (also what the timer runs). Returns the number of
 * segments deleted. */
int sk_logmgr_run_retention(sk_logmgr_t *m, int64_t now_ms);
/* The log cleaner (log.cleaner.*): compaction passes (sk_plog_clean_*) on
 * a pool of `threads` workers of their own, at most one per thread at a
 * time, each with dedupe_bytes / threads for its key map. Every backoff_ms,
 * and again right after a pass ends, the logs that want a pass most
 * (sk_plog_clean_priority, bounded by their high watermarks) get one.
 * Needs an event base. Close cancels running passes (their results are
 * dropped). */
void sk_logmgr_start_cleaner(sk_logmgr_t *m, int threads, int64_t backoff_ms,
                             int64_t dedupe_bytes);
/* One round of choosing now (also what the timer runs): passes started. */
int sk_logmgr_run_cleaner(sk_logmgr_t *m, int64_t now_ms);
/* Every check_ms, each log forgets the idempotent producers idle for
 * expiration_ms (producer.id.expiration.*). Needs an event base. */
void sk_logmgr_set_producer_expiration(sk_logmgr_t *m, int64_t expiration_ms, int64_t check_ms);
/* Write all checkpoint files now, on the calling thread. 0 or SK_EIO. */
int sk_logmgr_checkpoint_sync(sk_logmgr_t *m);
/* Flush every log synchronously, write checkpoints, close everything. NULL ok. */
void sk_logmgr_close(sk_logmgr_t *m);

/* Split "<topic>-<partition>" at the last '-'. 0, or SK_EPARSE if there is
 * no '-', the topic is illegal or the partition is not a plain int32 >= 0.
 * *topic is a new string. @locality any */
int sk_logmgr_parse_dirname(const char *name, char **topic, int32_t *partition);
/* Kafka topic name rules: 1..249 chars of [A-Za-z0-9._-], not "." or "..". */
int sk_logmgr_topic_valid(const char *topic);

#endif
