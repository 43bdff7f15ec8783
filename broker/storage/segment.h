/* log_segment.h - one log segment (NNN.log + NNN.index + NNN.timeindex).
 * Private to the log module (log_plog.c); not for other callers.
 * The in-memory index arrays are authoritative while the segment is open;
 * the files are appended to as entries are added.
 * @locality loop (recovery helpers may also run on a diskio worker while the
 *  segment is not yet visible to the loop)
 */
#ifndef SK_LOG_SEGMENT_H
#define SK_LOG_SEGMENT_H
#include <stddef.h>
#include <stdint.h>

#include "recbatch.h"

#define SK_SEG_IDX_ENTRY 8
#define SK_SEG_TIDX_ENTRY 12

typedef struct sk_seg_idx {
    int32_t rel; /* last offset of the indexed batch - base */
    int32_t pos; /* file position of that batch */
} sk_seg_idx_t;

typedef struct sk_seg_tidx {
    int64_t ts;  /* largest timestamp so far */
    int32_t rel; /* relative offset of the batch that has it */
} sk_seg_tidx_t;

typedef struct sk_seg_s {
    int64_t base;
    char *log_path, *idx_path, *tidx_path;
    int fd, idx_fd, tidx_fd;
    int64_t size;          /* bytes of valid data in the .log */
    int64_t next_offset;   /* last offset + 1 of the last batch; base if empty */
    int64_t max_ts;        /* largest batch max timestamp; -1 if none */
    int64_t max_ts_offset; /* last offset of the batch with max_ts */
    int64_t created_ms;    /* for log.roll.ms */
    int64_t bytes_since_idx;
    sk_seg_idx_t *idx;
    size_t n_idx, cap_idx, idx_file_n;
    sk_seg_tidx_t *tidx;
    size_t n_tidx, cap_tidx, tidx_file_n;
} sk_seg_t;

/* Build the 20-digit file name "<dir>/<base><suffix>". Caller frees. */
char *sk_seg_path(const char *dir, int64_t base, const char *suffix);
/* Parse "NNNNNNNNNNNNNNNNNNNN.log"-style names: exactly 20 digits then
 * suffix. Returns 0 and *base, or SK_EPARSE. */
int sk_seg_parse_name(const char *name, const char *suffix, int64_t *base);

/* Create a new empty segment (truncating stale files of the same name). */
int sk_seg_create(const char *dir, int64_t base, int64_t now_ms, sk_seg_t **out, char *err,
                  size_t errlen);
/* Open an existing segment's files (index files created if missing; then
 * *idx_missing = 1). Nothing is validated yet. */
int sk_seg_open(const char *dir, int64_t base, int64_t now_ms, sk_seg_t **out, int *idx_missing,
                char *err, size_t errlen);
/* Close fds and free (no flush, no final entries). NULL ok. */
void sk_seg_free(sk_seg_t *seg);

/* Load and sanity-check both index files, then walk the batch headers after
 * the last offset-index entry to find next_offset / max_ts. SK_ECORRUPT if
 * anything is inconsistent (the caller then runs sk_seg_recover). */
int sk_seg_load(sk_seg_t *seg, int32_t index_interval_bytes);
/* Full validation (headers, offsets, CRC) from the start; truncates the
 * .log at the first bad or torn batch and rewrites both indexes.
 * *dropped_bytes = bytes cut; *bad_offset = next_offset at the cut. */
int sk_seg_recover(sk_seg_t *seg, int32_t index_interval_bytes, int64_t *dropped_bytes);

/* Write bytes at the end (one pwrite); on failure the file is truncated back.
 * Indexes are updated by sk_seg_note_batch per batch afterwards. */
int sk_seg_write(sk_seg_t *seg, const uint8_t *data, size_t len);
/* Account one appended batch at file position pos (index entries, max ts,
 * size, next offset). */
void sk_seg_note_batch(sk_seg_t *seg, const sk_batch_info_t *b, int64_t pos,
                       int32_t index_interval_bytes);
/* Append index entries added since the last call to the index files. */
int sk_seg_write_indexes(sk_seg_t *seg);
/* Add the final time-index entry (max timestamp so far) if it is newer than
 * the last one, and write it (Kafka does this on roll and close). */
void sk_seg_finish(sk_seg_t *seg);
/* Would adding `n_batches` more entries overflow an index of max_bytes? */
int sk_seg_index_full(const sk_seg_t *seg, int32_t index_max_bytes, size_t n_batches);

/* Reads exactly n bytes at off of fd into buf: SK_OK, SK_EIO on a read
 * error (errno kept), SK_ECORRUPT when the file ends first. */
int sk_seg_read_range(int fd, int64_t off, int64_t n, uint8_t *buf);
/* Reads n bytes at off of fd the way sendfile does (through the page cache,
 * into /dev/null): SK_OK, SK_EIO on a read error (errno kept), SK_ECORRUPT
 * when the file ends first. */
int sk_seg_sendfile_check(int fd, int64_t off, int64_t n);
/* First batch with last offset >= offset: 1 found (*pos, *info), 0 none,
 * negative on error. */
int sk_seg_find(sk_seg_t *seg, int64_t offset, int64_t *pos, sk_batch_info_t *info);
/* Bytes of whole batches from pos (starting with the one at pos, whose info
 * is first) while last offset < max_offset and the total stays <= max_bytes
 * (the first batch always counts). */
int sk_seg_read_extent(sk_seg_t *seg, int64_t pos, const sk_batch_info_t *first,
                       int64_t max_offset, int64_t max_bytes, int64_t *len);
/* Calls fn(header, file position, arg) for each batch from file position
 * pos (a batch boundary) to the end of the data; fn returns non-zero to
 * stop. Returns 0 at the end, fn's value if it stopped, SK_ECORRUPT if the
 * bytes at some position are not a whole batch, SK_EIO. */
typedef int (*sk_seg_batch_fn)(const sk_batch_info_t *b, int64_t pos, void *arg);
int sk_seg_foreach_batch(sk_seg_t *seg, int64_t pos, sk_seg_batch_fn fn, void *arg);
/* Truncate the .log to pos (a batch boundary) and fix indexes and state. */
int sk_seg_truncate(sk_seg_t *seg, int64_t pos);
/* ListOffsets by time inside this segment: 1 found, 0 none, negative error. */
int sk_seg_offset_for_time(sk_seg_t *seg, int64_t ts, int64_t *offset, int64_t *found_ts);
/* fsync .log and both indexes. 0 or SK_EIO. */
int sk_seg_fsync(sk_seg_t *seg);
/* Kafka's LogSegment.largestTimestamp, for retention and the compaction
 * lags: the newest batch timestamp, or the .log file's modification time
 * when no batch has one (INT64_MAX, "never old", if that cannot be read). */
int64_t sk_seg_largest_ts(const sk_seg_t *seg);
/* Rename the three files to *.deleted (before an async unlink). */
int sk_seg_rename_deleted(sk_seg_t *seg);
/* Log compaction: create an empty segment whose files are named
 * "<base>.log<suffix>", "<base>.index<suffix>", "<base>.timeindex<suffix>"
 * in the directory open as dirfd (dir is its path, for the recorded paths),
 * truncating stale files of those names. */
int sk_seg_create_at(int dirfd, const char *dir, int64_t base, const char *suffix, int64_t now_ms,
                     sk_seg_t **out, char *err, size_t errlen);
/* Rename the three files (inside dirfd) to carry `suffix` ("" = the
 * segment's own names), indexes first and the .log last; the recorded paths
 * follow. 0, or SK_EIO at the first failure (errno set; files renamed so far
 * keep their new names). */
int sk_seg_rename_at(sk_seg_t *seg, int dirfd, const char *dir, const char *suffix);

#endif
