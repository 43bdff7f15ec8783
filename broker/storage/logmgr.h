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
/* DeleteRecords, or a follower learning its leader's log start: the
 * partition's log now starts at offset (forward only, at most its log end;
 * sk_plog_set_start_offset), the segments wholly below it are deleted and
 * log-start-offset-checkpoint is rewritten on the diskio pool. Returns the
 * log start offset after the call, or -1 when there is no such log. */
int64_t sk_logmgr_advance_log_start(sk_logmgr_t *m, const char *topic, int32_t partition,
                                    int64_t offset);
/* The log cleaner (log.cleaner.*): compaction passes (sk_plog_clean_*) on
 * a pool of `threads` workers of their own, at most one per thread at a
 * time, each with dedupe_bytes / threads for its key map. Every backoff_ms,
 * and again right after a pass ends, the logs that want a pass most
 * (sk_plog_clean_priority, bounded by their high watermarks) get one.
 * Needs an event base. Close cancels running passes (their results are
 * dropped). */
void sk_logmgr_start_cleaner(sk_logmgr_t *m, int threads, int64_t backoff_ms,
                             int64_t dedupe_bytes);
/* The cleaner again with new settings (dynamic log.cleaner.*, as Kafka
 * restarts its cleaner): the running passes are cancelled, the pool
 * stopped and started with `threads` workers. Nothing when the cleaner
 * does not run or nothing changed. */
void sk_logmgr_restart_cleaner(sk_logmgr_t *m, int threads, int64_t backoff_ms,
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

/* ---- log directories (DescribeLogDirs, AlterReplicaLogDirs) ----
 *
 * A replica moves between log dirs the way Kafka's does: a future log
 * <dir>/<topic>-<partition>.<32 hex>-future in the target dir copies the
 * current log's batches (offsets, epochs and producer fields kept) on the
 * loop, a bounded chunk per partition per tick, re-aligned by leader epochs
 * when the current log was truncated meanwhile (a follower). Once it holds
 * everything up to the current log end (checked and done in one loop turn,
 * so no append comes in between) it is flushed and takes the current log's
 * place: the current dir is renamed to *-delete (removed on the diskio
 * pool), the future dir to <topic>-<partition>, the log reopened there, and
 * the moved callback tells the partition its new log. At open, a future dir
 * whose partition also has a current log resumes copying; one alone is
 * what a crash during the swap left (the current was already renamed for
 * deletion, the future complete and flushed) and becomes the current log. */
int sk_logmgr_dir_count(const sk_logmgr_t *m);
const char *sk_logmgr_dir_path(const sk_logmgr_t *m, int i);
/* Index of the log dir named path (as configured, or the same directory
 * per stat), -1 if it is none of them. */
int sk_logmgr_dir_find(const sk_logmgr_t *m, const char *path);
/* statvfs of dir i: total and usable (available to us) bytes; -1 each when
 * it fails. */
void sk_logmgr_dir_space(const sk_logmgr_t *m, int i, int64_t *total, int64_t *usable);
/* The space guard (log.dir.min.free.bytes, plog.h's sk_plog_space_t): bytes
 * >= 0 as configured, -1 = sk_logmgr_min_free_for's share of each
 * filesystem. Samples every dir now and then every check_ms (and each log
 * after a segment roll, a failed write and when its estimate says an append
 * would cross the limit). Until this is called there is no guard. */
#define SK_LOGMGR_SPACE_CHECK_MS 1000
void sk_logmgr_set_min_free_bytes(sk_logmgr_t *m, int64_t bytes, int64_t check_ms);
int64_t sk_logmgr_min_free_for(int64_t conf, int64_t total); /* @locality any */
void sk_logmgr_sample_space(sk_logmgr_t *m);
sk_logdir_state_t sk_logmgr_dir_state(const sk_logmgr_t *m, int i);
/* Called (on the loop) when dir i goes OFFLINE after an I/O error; online:
 * the dirs still online. New logs are never created in an offline dir. */
typedef void (*sk_logmgr_offline_fn)(int dir, const char *path, int online, void *arg);
void sk_logmgr_set_offline_cb(sk_logmgr_t *m, sk_logmgr_offline_fn fn, void *arg);
/* free_est: usable bytes (last sample minus appends since); min_free: the
 * limit in force; refused: appends the guard refused. */
void sk_logmgr_dir_guard(const sk_logmgr_t *m, int i, int64_t *free_est, int64_t *min_free,
                         uint64_t *refused);
/* Index of the dir holding the partition's current log, -1 if none. */
int sk_logmgr_log_dir(sk_logmgr_t *m, const char *topic, int32_t partition);
/* The logs of dir i, current and future, as DescribeLogDirs lists them:
 * size in bytes, offset lag (current: the HW given to logmgr minus the log
 * end, at least 0; future: the current log end minus its own). */
typedef struct sk_logmgr_dirlog {
    const char *topic;
    int32_t partition;
    int64_t size;
    int64_t offset_lag;
    int is_future;
} sk_logmgr_dirlog_t;
void sk_logmgr_foreach_in_dir(sk_logmgr_t *m, int dir,
                              void (*fn)(const sk_logmgr_dirlog_t *l, void *arg), void *arg);
/* Move the partition's log to dir i (AlterReplicaLogDirs):
 *  - SK_OK: the log is in dir i already (any move elsewhere abandoned) or
 *    a future log there copies it now (a move to another dir abandoned);
 *  - SK_ENOENT: no log of the partition here (as Kafka, the dir is kept:
 *    the partition's log is created there when it comes);
 *  - SK_EINVAL: i is not a log dir;
 *  - SK_ETOOBIG: the future dir's name would pass 255 bytes (Kafka refuses
 *    such topics: InvalidTopicException);
 *  - SK_EIO: the future log cannot be created (err says why). */
int sk_logmgr_move(sk_logmgr_t *m, const char *topic, int32_t partition, int dir, char *err,
                   size_t errlen);
/* Moves in progress (future logs). */
int sk_logmgr_moves(const sk_logmgr_t *m);
/* Called on the loop right after a swap with the partition's new log (the
 * old one is gone). */
typedef void (*sk_logmgr_moved_fn)(const char *topic, int32_t partition, sk_plog_t *log,
                                   void *arg);
void sk_logmgr_set_moved_cb(sk_logmgr_t *m, sk_logmgr_moved_fn fn, void *arg);
/* One copying round over every future log, at most max_bytes each (also
 * what the timer runs, every millisecond while moves remain). Returns the
 * number of swaps done. */
int sk_logmgr_run_moves(sk_logmgr_t *m, int64_t max_bytes);

#endif
