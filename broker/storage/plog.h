/* log_plog.h - one partition's log: Kafka's on-disk layout.
 *
 * <dir> = <log.dir>/<topic>-<partition>/ holds segments named by their
 * 20-digit zero-padded base offset: NNN.log (record batches exactly as on
 * the wire), NNN.index (8-byte big-endian entries: int32 offset relative to
 * the base = last offset of the indexed batch, int32 file position of that
 * batch) and NNN.timeindex (12-byte entries: int64 largest timestamp so far,
 * int32 relative offset of the batch holding it). Both indexes are sparse
 * (an entry per log.index.interval.bytes) and hold exactly their valid
 * entries (no preallocation).
 *
 * All functions run on the loop thread that owns the log. Blocking fsyncs
 * and unlinks go to the sk_diskio_t pool given at open (if NULL they run
 * synchronously, which is what tools and some tests want).
 * @locality loop
 */
#ifndef SK_LOG_PLOG_H
#define SK_LOG_PLOG_H
#include <stddef.h>
#include <stdint.h>

#include "storage/epoch_cache.h"
#include "storage/producer_state.h"
#include "topic_conf.h"

typedef struct sk_plog_s sk_plog_t;     /* one partition's log */
typedef struct sk_diskio_s sk_diskio_t; /* worker pool for fsync etc. (diskio.h) */

/* sk_plog_config_t, a log's settings, is defined with the topic keys that
 * set its fields (common/topic_conf.h). */

/* Kafka's defaults (from the key tables, sk_topic_conf_kafka_defaults). */
void sk_plog_config_defaults(sk_plog_config_t *cfg);

/* Open or create the log in dir (creating dir). recovery_point: offset below
 * which data is known flushed (0 if unknown). Every batch at or after it is
 * validated (structure + CRC); the first invalid/torn batch and everything
 * after it is truncated away (WARN line naming dir, offset, bytes dropped).
 * Indexes are checked and rebuilt when missing, of a wrong size, out of
 * order or pointing past the data. cfg NULL = defaults. */
int sk_plog_open(const char *dir, const sk_plog_config_t *cfg, sk_diskio_t *io,
                 int64_t recovery_point, sk_plog_t **out, char *err, size_t errlen);
/* Flush synchronously, write the final time-index entries, close. NULL ok. */
void sk_plog_close(sk_plog_t *log);

int64_t sk_plog_start_offset(const sk_plog_t *log); /* log start offset */
int64_t sk_plog_end_offset(const sk_plog_t *log);   /* LEO: next offset to assign */
int64_t sk_plog_recovery_point(const sk_plog_t *log); /* data below this is flushed */
int sk_plog_cleanup_delete(const sk_plog_t *log); /* cleanup.policy has delete */
const char *sk_plog_dir(const sk_plog_t *log);
int sk_plog_segment_count(const sk_plog_t *log);
int64_t sk_plog_size_bytes(const sk_plog_t *log);     /* sum of segment sizes */
/* Raise the log start offset (log-start-offset-checkpoint, DeleteRecords).
 * Clamped to [first segment base, LEO]; never lowers it. */
void sk_plog_set_start_offset(sk_plog_t *log, int64_t offset);
/* Replace the config (dynamic topic config). Takes effect on the next append. */
void sk_plog_set_config(sk_plog_t *log, const sk_plog_config_t *cfg);

/* ---- the space guard of a log dir (log.dir.min.free.bytes) ----
 * logmgr keeps one per log dir and hands it to every log it opens there.
 * The append path reads it in O(1): an append is refused (SK_ENOSPC, nothing
 * written) when the dir is not ONLINE or when free_est - len would drop
 * below min_free; free_est is the usable space at the last statvfs sample
 * minus the bytes appended since. Only logmgr's sample function changes
 * state: plog calls it when the estimate says an append would cross the
 * limit, after a failed write and after each segment roll. */
typedef enum {
    SK_LOGDIR_ONLINE = 0,
    SK_LOGDIR_LOW_SPACE, /* free space below log.dir.min.free.bytes: no appends */
    SK_LOGDIR_OFFLINE,   /* an I/O error: no appends */
} sk_logdir_state_t;
const char *sk_logdir_state_name(sk_logdir_state_t s); /* "ONLINE", ... (logmgr.c) */
typedef struct sk_plog_space {
    sk_logdir_state_t state;
    int64_t free_est; /* usable bytes (statvfs at the last sample minus appends since) */
    int64_t min_free; /* log.dir.min.free.bytes resolved for this filesystem; 0 = no guard */
    uint64_t refused; /* appends refused by the guard */
    /* statvfs now and advance state; need = bytes about to be written */
    void (*sample)(struct sk_plog_space *s, int64_t need);
    /* an I/O error (a write's or a read's EIO, a failed fsync) in log_dir:
     * the dir goes OFFLINE (what: "write", "fsync", "read", "sendfile"; err:
     * errno) */
    void (*failed)(struct sk_plog_space *s, const char *log_dir, const char *what, int err);
} sk_plog_space_t;
void sk_plog_set_space(sk_plog_t *log, sk_plog_space_t *space);
/* 1 when an append of len bytes would be taken (O(1), no sampling): the
 * follower fetcher asks before fetching into the log. */
int sk_plog_space_ok(const sk_plog_t *log, int64_t len);
/* Bytes an append may still take before the guard refuses it (O(1)):
 * INT64_MAX with no guard, <= 0 when the dir is not ONLINE or at the limit. */
int64_t sk_plog_space_room(const sk_plog_t *log);
/* 1 when the log's dir is offline (an I/O error): serve nothing from it. */
int sk_plog_offline(const sk_plog_t *log);

/* Append already-validated batches (1..n concatenated v2 batches). Each
 * batch's base offset is rewritten in place to the LEO at that point and its
 * leader epoch stamped (no CRC change), then all bytes go to the active
 * segment in one pwrite (rolling first when the segment would exceed
 * segment_bytes, is older than roll_ms, its index is full or relative
 * offsets would overflow). *first_offset / *last_offset: first and last
 * offset assigned (either pointer may be NULL). A failed or short write
 * truncates the file back and returns SK_ENOSPC (ENOSPC/EFBIG/EDQUOT/short)
 * or SK_EIO: never a torn batch in the live log. SK_EINVAL if data does not
 * split into whole batches. May submit an fsync to the diskio pool. */
int sk_plog_append(sk_plog_t *log, uint8_t *data, size_t len, int32_t leader_epoch,
                   int64_t *first_offset, int64_t *last_offset);
/* Follower append: batches keep their offsets and leader epochs (as fetched
 * from the leader). The first base offset must be >= LEO and offsets must
 * increase, else SK_EINVAL. */
int sk_plog_append_raw(sk_plog_t *log, const uint8_t *data, size_t len, int64_t *first_offset,
                       int64_t *last_offset);

/* ---- leader epochs (KIP-101/279) ----
 * The log keeps a leader epoch cache (epoch_cache.h), persisted as
 * <dir>/leader-epoch-checkpoint (rewritten atomically on the diskio pool;
 * the in-memory cache is authoritative, and the recovery point never
 * passes a batch whose epoch is not yet on disk). It follows the data:
 *  - sk_plog_append with leader_epoch E >= 0: E is stamped in every batch
 *    and, if E is newer than the latest epoch, (E, first offset) is added.
 *    E below the latest epoch is refused with SK_ESTATE (nothing written);
 *    E < 0 stamps E and leaves the cache alone;
 *  - sk_plog_append_raw: each batch's partitionLeaderEpoch is assigned in
 *    order (sk_epoch_cache_assign);
 *  - truncation drops entries starting at or after the new LEO (also when
 *    truncating to an offset >= LEO), truncate_fully empties the cache,
 *    raising the log start offset moves the first entry up to it;
 *  - at open the file is fitted to the log, updated from the batches after
 *    the recovery point, checked against the batch headers and rebuilt
 *    from them when missing, malformed or inconsistent (WARN line).
 */

/* Latest leader epoch in the cache, -1 if none. */
int32_t sk_plog_latest_epoch(const sk_plog_t *log);
/* OffsetForLeaderEpoch for this log: Kafka's answer for `epoch` (see
 * sk_epoch_cache_end_offset_for; the latest epoch ends at the LEO;
 * (-1, -1) when epoch < 0, newer than the latest, or the cache is empty).
 * Always 0. */
int sk_plog_end_offset_for_epoch(sk_plog_t *log, int32_t epoch, int32_t *out_epoch,
                                 int64_t *out_end_offset);
/* On becoming leader for `epoch` (Kafka does this with start_offset = LEO):
 * record that epoch starts at start_offset even before anything is
 * appended. SK_EINVAL if epoch < 0 or start_offset is outside [log start,
 * LEO]; SK_ESTATE if epoch is below the latest epoch; else 0. */
int sk_plog_assign_epoch(sk_plog_t *log, int32_t epoch, int64_t start_offset);
/* Read-only view of the cache (tests, tools, diagnostics). */
const sk_epoch_cache_t *sk_plog_epochs(const sk_plog_t *log);

/* ---- idempotent producers (producer_state.h) ----
 * Every appended batch with a producer id updates the log's producer state
 * (leader and follower appends); truncation cuts it back; at open it is
 * rebuilt from the batches of the log's tail (a few MiB). */
/* The state to check a client batch against (sk_pstate_check) before
 * sk_plog_append. */
const sk_pstate_t *sk_plog_producers(const sk_plog_t *log);
/* A client batch refused without being stored, with an error the client
 * retries: noted in the producer state (sk_pstate_refused). */
void sk_plog_note_refused(sk_plog_t *log, const sk_batch_info_t *b, int16_t kerr);
/* The answer for a batch with a sequence gap: the error of a refusal in the
 * gap, or NOT_LEADER_OR_FOLLOWER for a gap left by the previous leader (the
 * producer's last batch here is older than the latest leader epoch's start),
 * else OUT_OF_ORDER_SEQUENCE_NUMBER (sk_pstate_gap_refused). */
int16_t sk_plog_gap_refused(sk_plog_t *log, const sk_batch_info_t *b);
/* producer.id.expiration.ms: forget producers idle that long. */
size_t sk_plog_expire_producers(sk_plog_t *log, int64_t now_ms, int64_t max_age_ms);

/* ---- partition.metadata ----
 * The topic id (Kafka Uuid, 22 base64url characters) the directory belongs
 * to, read from <dir>/partition.metadata at open (a malformed file is
 * reported and ignored). */
const char *sk_plog_topic_id(const sk_plog_t *log); /* NULL if unknown */
/* Record the partition's topic id:
 *  - unknown so far: kept and partition.metadata written (on the diskio
 *    pool; without one synchronously, SK_EIO if that fails);
 *  - the same id: 0, nothing to do;
 *  - a different id: SK_EEXIST, err names the dir and both ids, nothing
 *    changes (typically a stale directory of a deleted topic of the same
 *    name: the caller decides, e.g. delete the log and create it again);
 *  - not a valid id: SK_EINVAL. */
int sk_plog_set_topic_id(sk_plog_t *log, const char *topic_id, char *err, size_t errlen);

/* A readable range for a fetch: whole batches starting with the batch that
 * contains `offset`, stopping before max_bytes would be exceeded (but at
 * least one whole batch if any), never including a batch whose last offset
 * >= max_offset (pass the HW, or LEO for a follower). All from one segment.
 * fd is a dup() the caller owns (evbuffer_add_file closes it). Returns 0 with
 * len 0 and fd -1 when offset == max_offset / LEO or nothing is readable;
 * SK_EINVAL if offset < start or > LEO (answer OFFSET_OUT_OF_RANGE); SK_EIO
 * on read/dup failure. */
typedef struct sk_plog_slice {
    int fd;
    int64_t file_pos;
    int64_t len;
    int64_t first_batch_offset;
} sk_plog_slice_t;
int sk_plog_read(sk_plog_t *log, int64_t offset, int64_t max_offset, int32_t max_bytes,
                 sk_plog_slice_t *out);
/* Reads a slice's len bytes into buf (the caller's, len bytes) and closes its
 * fd. SK_OK, or SK_EIO when they cannot all be read: a read error takes the
 * log's dir offline, as a write error does. */
int sk_plog_slice_load(sk_plog_t *log, const sk_plog_slice_t *s, uint8_t *buf);
/* A send of [file_pos, file_pos + len) of the segment holding offset failed
 * with EIO (sendfile reads the file in the kernel): read that range again
 * the same way (sendfile into /dev/null); a read error takes the log's dir
 * offline (what names the path, e.g.
 * "sendfile"). SK_OK when the range reads back (the socket was at fault) or
 * no longer exists, else SK_EIO. */
int sk_plog_check_range(sk_plog_t *log, int64_t offset, int64_t file_pos, int64_t len,
                        const char *what);

/* Offset of the first record with timestamp >= ts (ListOffsets by time):
 * time index, then batch max timestamps, then the records of an uncompressed
 * batch (for a compressed batch: its base offset and max timestamp).
 * *offset = *found_ts = -1 if none. 0 or SK_EIO. */
int sk_plog_offset_for_time(sk_plog_t *log, int64_t ts, int64_t *offset, int64_t *found_ts);

/* Submit an fsync of everything written so far to the diskio pool; the
 * recovery point advances when it completes. */
void sk_plog_flush_async(sk_plog_t *log);
/* Apply log.flush.interval.ms / .messages: flush_async if due. */
void sk_plog_maybe_flush(sk_plog_t *log, int64_t now_ms);
/* fsync on the calling thread (shutdown); recovery point = LEO. 0 or SK_EIO. */
int sk_plog_flush_sync(sk_plog_t *log);

/* Retention, Kafka's rules: delete whole segments from the oldest while
 *  - the segment's largest timestamp (its newest batch max timestamp, or
 *    the file's mtime if it has none) is more than retention_ms before
 *    now_ms, or
 *  - the log would still hold >= retention_bytes without it, or
 *  - the next segment starts at or below the log start offset
 *    (DeleteRecords),
 * the first two only with cleanup_delete. Never the active segment, and
 * only segments entirely below high_watermark (none if it is < 0). The
 * log start offset moves up to the first remaining segment (the leader
 * epoch cache follows). Files are renamed to *.deleted at once and unlinked
 * on the diskio pool. Returns the number of segments deleted. */
int sk_plog_apply_retention(sk_plog_t *log, int64_t now_ms, int64_t high_watermark);

/* ---- compaction (cleanup.policy=compact), Kafka's log cleaner ----
 * The cleanable part of a log is its closed segments from the first one up
 * to the first that is not entirely below the high watermark or is younger
 * than min.compaction.lag.ms (by its largest timestamp). Offsets below
 * clean_upto were cleaned before; the rest of the cleanable part is dirty.
 * A pass maps every key of the dirty part to its last offset, then
 * rewrites the cleanable segments (grouped so that each result stays under
 * segment.bytes) keeping a record unless a later record has its key, and
 * dropping a latest tombstone (null value) once it is in the clean part and
 * its batch is older than delete.retention.ms. Records keep their offsets
 * (batches keep base offset, lastOffsetDelta, leader epoch, producer
 * fields); a batch left without records goes away, leaving a gap. A
 * compressed batch is opened (compress.h) and what stays of it is
 * compressed again with its codec; one that cannot be opened (corrupt, or
 * beyond 64 MiB of records) is kept whole. Records without a key and
 * control batches are kept. The log start offset never moves.
 *
 * Results are written as <base>.log.cleaned (and indexes), fsynced, then
 * swapped in on the loop: .cleaned -> .swap, replaced segments -> .deleted,
 * .swap -> final names. At open a leftover .log.swap completes its swap
 * (segments it covers are removed) and .cleaned files are deleted, so a
 * crash at any point leaves either the old or the new segments.
 *
 * Planning and the swap run on the loop; the reading and writing in
 * between runs on a worker with its own dup'd descriptors, so appends and
 * fetches go on meanwhile. A plan goes stale (and is discarded at finish)
 * when the log is truncated, loses a segment or is closed. */
typedef struct sk_plog_clean_s sk_plog_clean_t;
typedef struct sk_plog_clean_stats {
    int segments_in, segments_out;
    int64_t bytes_in, bytes_out;
    int64_t records_removed, tombstones_removed;
    int64_t first_offset, end_offset; /* the cleaned range [first, end) */
} sk_plog_clean_stats_t;
/* Dirty ratio of the cleanable part (dirty bytes / cleanable bytes), or -1
 * when the log is not compacted, a plan is in flight, a pass failed since
 * the log was opened (Kafka's "uncleanable" partitions), or nothing is
 * dirty and cleanable. *due = 1 when a dirty segment is older than
 * max.compaction.lag.ms (clean it whatever the ratio). */
double sk_plog_clean_ratio(const sk_plog_t *log, int64_t now_ms, int64_t high_watermark, int *due);
/* How much the log wants a pass: -1 not at all (see sk_plog_clean_ratio, or
 * the ratio is below min.cleanable.dirty.ratio and nothing is due), else
 * the dirty ratio, plus 1 when something is due. The cleaner takes the
 * highest. */
double sk_plog_clean_priority(const sk_plog_t *log, int64_t now_ms, int64_t high_watermark);
/* Plan a pass: NULL when sk_plog_clean_ratio says -1, or (unless force) the
 * ratio is below min.cleanable.dirty.ratio and nothing is due.
 * map_max_bytes bounds the key map (log.cleaner.dedupe.buffer.size): when
 * the dirty part has more keys, the pass stops at an earlier segment. */
sk_plog_clean_t *sk_plog_clean_plan(sk_plog_t *log, int64_t now_ms, int64_t high_watermark,
                                    int64_t map_max_bytes, int force);
/* The work: read, map, write and fsync the cleaned segments. Runs on any
 * thread (a worker); touches nothing the loop owns. @locality any */
void sk_plog_clean_run(sk_plog_clean_t *job);
/* Ask a running job to stop at its next batch (shutdown). @locality any */
void sk_plog_clean_cancel(sk_plog_clean_t *job);
/* Back on the loop: swap the result in (1), or discard it (0: stale plan,
 * cancelled, log closed) or report the failure (negative; the log is
 * untouched). stats may be NULL. Frees job. */
int sk_plog_clean_finish(sk_plog_clean_t *job, sk_plog_clean_stats_t *stats);
/* plan(force) + run + finish on the calling thread (tests, tools): 1
 * cleaned, 0 nothing to do or discarded, negative on failure. */
int sk_plog_compact(sk_plog_t *log, int64_t now_ms, int64_t high_watermark,
                    sk_plog_clean_stats_t *stats);

/* Drop offset..end (follower truncation). Truncates at the start of the batch
 * containing offset, so afterwards LEO <= offset (== offset when offset is a
 * batch boundary). offset below the log start empties the log and restarts
 * it at offset. 0, or SK_EIO. */
int sk_plog_truncate_to(sk_plog_t *log, int64_t offset);
/* Remove every segment and restart the log empty at offset (start = LEO = offset). */
int sk_plog_truncate_fully(sk_plog_t *log, int64_t offset);
/* Close and remove the directory (topic deletion): renamed to
 * <dir>.<id>-delete at once, removed on the diskio pool. */
void sk_plog_delete(sk_plog_t *log);

/* Helpers shared with the log manager: mkdir -p (mode 0755) and rm -rf
 * (no symlinks followed). 0 or SK_EIO (errno set). @locality any */
int sk_plog_mkdirs(const char *path);
int sk_plog_rmtree(const char *path);

/* Test hook: clock used for segment ages (default sk_wall_ms). */
void sk_plog_set_clock(sk_plog_t *log, int64_t (*now_ms)(void));

/* The log's settings (to open another log of the same partition alike). */
const sk_plog_config_t *sk_plog_config(const sk_plog_t *log);
/* A log's idempotent producer state handed to another log of the same
 * partition holding the same batches (a move between log dirs: the state
 * rebuilt at open covers only the log's tail). take leaves log an empty
 * state; adopt frees log's own. */
sk_pstate_t *sk_plog_take_producers(sk_plog_t *log);
void sk_plog_adopt_producers(sk_plog_t *log, sk_pstate_t *ps);

#endif
