/* log_plog_int.h - the partition log's private state, shared by the files of
 * the log module (log_plog.c, log_compact.c). Not for other callers.
 * @locality loop
 */
#ifndef SK_LOG_PLOG_INT_H
#define SK_LOG_PLOG_INT_H

#include <stdint.h>

#include "storage/checkpoint.h"
#include "storage/epoch_cache.h"
#include "storage/plog.h"
#include "storage/segment.h"
#include "storage/producer_state.h"

/* Async jobs point at the log through this refcounted handle; closing the
 * log clears handle->log so a late completion is ignored. Refcounts are only
 * touched on the loop thread (submit and done both run there). */
typedef struct plog_handle {
    sk_plog_t *log;
    int refs;
} plog_handle_t;

typedef struct side_file side_file_t;

struct sk_plog_s {
    char *dir;
    sk_plog_config_t cfg;
    sk_diskio_t *io;
    sk_seg_t **segs;
    size_t nsegs, cap;
    int64_t start_offset;
    int64_t recovery_point;
    int64_t last_flush_ms;
    int flush_inflight, flush_again;
    int dir_dirty;   /* segment files created/removed since the last dir fsync */
    uint64_t gen;    /* bumped by truncation: older flush results are stale */
    uint64_t layout_gen; /* bumped whenever a segment is removed (cleaner plans go stale) */
    int64_t clean_upto;  /* compaction: offsets below this were cleaned (first dirty offset) */
    int cleaning;        /* a cleaner job holds a plan for this log */
    int clean_failed;    /* a pass failed: no more passes until the log is reopened */
    plog_handle_t *h;
    int64_t (*now)(void);
    /* leader epoch cache: authoritative in memory, persisted by seq */
    sk_epoch_cache_t *epochs;
    side_file_t *ef;
    uint64_t epoch_seq;       /* bumped on every change */
    uint64_t epoch_saved_seq; /* last version known to be on disk */
    int epoch_inflight;       /* a standalone write job is queued */
    /* idempotent producers seen in the log (rebuilt from the tail at open) */
    sk_pstate_t *producers;
    /* partition.metadata */
    side_file_t *pmf;
    char topic_id[SK_TOPIC_ID_LEN + 1]; /* "" if unknown */
    uint64_t pm_seq;                    /* versions submitted */
    int pm_saved;                       /* the file holds topic_id */
    sk_plog_space_t *space; /* the space guard of the log's dir (logmgr's), NULL = none */
};

static inline sk_seg_t *plog_active(const sk_plog_t *log) { return log->segs[log->nsegs - 1]; }

/* Drop one reference of an async job's handle (loop thread). */
void plog_handle_unref(plog_handle_t *h);
/* Rename a removed segment's files to *.deleted, free it, unlink the files
 * on the diskio pool; bumps layout_gen. */
void plog_discard_segment(sk_plog_t *log, sk_seg_t *seg);
/* dup() with close-on-exec. */
int plog_dup_fd(int fd);
/* Append a segment to the log's list. */
void plog_push_segment(sk_plog_t *log, sk_seg_t *seg);
/* fsync a directory: 0 or SK_EIO. */
int plog_fsync_dir(const char *dir);
/* At open (log_recover.c): complete interrupted swaps, remove leftovers,
 * load or recover every segment (a damaged one is cut at its first bad
 * batch and later segments go), create segment 0 in an empty directory. */
int plog_load_segments(sk_plog_t *log, int64_t recovery_point, char *err, size_t errlen);

#endif
