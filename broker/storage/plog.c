/* log_plog.c - a partition's log: segments, offsets, recovery, flushing. */
#include "storage/plog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/checkpoint.h"
#include "clock.h"
#include "storage/diskio.h"
#include "storage/epoch_cache.h"
#include "kerr.h"
#include "log.h"
#include "storage/segment.h"
#include "storage/plog_int.h"
#include "mem.h"
#include "metrics.h"
#include "recbatch.h"

#define MOD "log"

/* A small file of the partition directory (leader-epoch-checkpoint,
 * partition.metadata) written atomically off the loop; shared with diskio
 * workers. Writes are serialised by mu and a write never replaces a newer
 * version (higher seq) with an older one, whatever order the pool runs
 * them in. */
typedef struct side_file {
    pthread_mutex_t mu;
    char *path;
    uint64_t written_seq; /* under mu */
    int cancelled;        /* under mu: the directory is going away */
    int refs;             /* loop thread only */
} side_file_t;

/* One version of a side file on its way to disk. */
typedef struct side_write {
    side_file_t *f;
    uint64_t seq;
    char *data;
    size_t len;
    int failed;
} side_write_t;

#define active plog_active

void plog_handle_unref(plog_handle_t *h)
{
    if (--h->refs == 0)
        free(h);
}

void sk_plog_config_defaults(sk_plog_config_t *cfg)
{
    sk_topic_conf_kafka_defaults(cfg);
}

static void set_config(sk_plog_t *log, const sk_plog_config_t *cfg)
{
    if (cfg)
        log->cfg = *cfg;
    else
        sk_plog_config_defaults(&log->cfg);
    /* Index entries store int32 positions. */
    if (log->cfg.segment_bytes > INT32_MAX || log->cfg.segment_bytes <= 0)
        log->cfg.segment_bytes = INT32_MAX;
    if (log->cfg.index_interval_bytes < 0)
        log->cfg.index_interval_bytes = 0;
    if (log->cfg.index_max_bytes < SK_SEG_TIDX_ENTRY * 2)
        log->cfg.index_max_bytes = SK_SEG_TIDX_ENTRY * 2;
}

void sk_plog_set_config(sk_plog_t *log, const sk_plog_config_t *cfg) { set_config(log, cfg); }

/* ---- filesystem helpers ---- */

int sk_plog_mkdirs(const char *path)
{
    char *p = sk_strdup(path);
    int rc = SK_OK;
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) < 0 && errno != EEXIST) {
                rc = SK_EIO;
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    if (rc == SK_OK) {
        struct stat st;
        if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
            if (errno == 0)
                errno = ENOTDIR;
            rc = SK_EIO;
        }
    }
    free(p);
    return rc;
}

static int rmtree_at(int dfd, const char *name)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? SK_OK : SK_EIO;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? SK_EIO : SK_OK;
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return SK_EIO;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return SK_EIO;
    }
    int rc = SK_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (rmtree_at(fd, de->d_name) != SK_OK)
            rc = SK_EIO;
    }
    closedir(d);
    if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        rc = SK_EIO;
    return rc;
}

int sk_plog_rmtree(const char *path) { return rmtree_at(AT_FDCWD, path); }

int plog_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return SK_EIO;
    int rc = fsync(fd) < 0 ? SK_EIO : SK_OK;
    close(fd);
    return rc;
}

/* ---- async unlink of removed segments ---- */

typedef struct unlink_job {
    char *paths[3];
} unlink_job_t;

static void unlink_work(void *arg)
{
    unlink_job_t *j = arg;
    for (int i = 0; i < 3; i++)
        if (unlink(j->paths[i]) < 0 && errno != ENOENT)
            sk_warn(MOD, "cannot remove %s: %s", j->paths[i], strerror(errno));
}

static void unlink_done(void *arg)
{
    unlink_job_t *j = arg;
    for (int i = 0; i < 3; i++)
        free(j->paths[i]);
    free(j);
}

/* Renames the segment's files to *.deleted, frees it, and unlinks the files
 * on the diskio pool (a fetch in flight holds its own dup'd fd). */
void plog_discard_segment(sk_plog_t *log, sk_seg_t *seg)
{
    sk_seg_rename_deleted(seg);
    unlink_job_t *j = sk_calloc(1, sizeof(*j));
    j->paths[0] = sk_strdup(seg->log_path);
    j->paths[1] = sk_strdup(seg->idx_path);
    j->paths[2] = sk_strdup(seg->tidx_path);
    sk_seg_free(seg);
    log->dir_dirty = 1;
    log->layout_gen++;
    if (log->io) {
        sk_diskio_submit(log->io, unlink_work, unlink_done, j);
    } else {
        unlink_work(j);
        unlink_done(j);
    }
}

void plog_push_segment(sk_plog_t *log, sk_seg_t *seg)
{
    if (log->nsegs == log->cap) {
        log->cap = log->cap ? log->cap * 2 : 8;
        log->segs = sk_realloc(log->segs, log->cap * sizeof(*log->segs));
    }
    log->segs[log->nsegs++] = seg;
}

/* Index of the segment whose base is the largest <= offset (0 if none). */
static size_t seg_for(const sk_plog_t *log, int64_t offset)
{
    size_t lo = 0, hi = log->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (log->segs[mid]->base <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : 0;
}

/* The first batch whose last offset >= offset, in any segment: 1 (*seg
 * index, *pos, *b), 0 if none, negative on a read error. */
static int find_batch(const sk_plog_t *log, int64_t offset, size_t *segi, int64_t *pos,
                      sk_batch_info_t *b)
{
    for (size_t i = seg_for(log, offset); i < log->nsegs; i++) {
        int rc = sk_seg_find(log->segs[i], offset, pos, b);
        if (rc != 0) {
            if (segi)
                *segi = i;
            return rc;
        }
    }
    return 0;
}

/* ---- leader epoch cache persistence ---- */

static side_file_t *sf_new(const char *dir, const char *name)
{
    side_file_t *f = sk_calloc(1, sizeof(*f));
    pthread_mutex_init(&f->mu, NULL);
    f->path = sk_asprintf("%s/%s", dir, name);
    f->refs = 1;
    return f;
}

static void sf_unref(side_file_t *f)
{
    if (--f->refs > 0)
        return;
    pthread_mutex_destroy(&f->mu);
    free(f->path);
    free(f);
}

static void sw_snapshot_epochs(sk_plog_t *log, side_write_t *w)
{
    w->f = log->ef;
    w->f->refs++;
    w->seq = log->epoch_seq;
    w->data = sk_epoch_cache_format(log->epochs, &w->len);
    w->failed = 0;
}

static void sw_snapshot_text(side_file_t *f, uint64_t seq, char *data, side_write_t *w)
{
    w->f = f;
    f->refs++;
    w->seq = seq;
    w->data = data;
    w->len = strlen(data);
    w->failed = 0;
}

static void sw_release(side_write_t *w)
{
    free(w->data);
    w->data = NULL;
    sf_unref(w->f);
}

/* Writes the snapshot unless a newer one is already on disk. @locality any */
static void sw_run(side_write_t *w)
{
    side_file_t *f = w->f;
    pthread_mutex_lock(&f->mu);
    if (!f->cancelled && w->seq > f->written_seq) {
        char err[512];
        if (sk_file_write_atomic(f->path, w->data, w->len, err, sizeof(err)) == SK_OK) {
            f->written_seq = w->seq;
        } else {
            sk_error(MOD, "%s", err);
            w->failed = 1;
        }
    }
    pthread_mutex_unlock(&f->mu);
}

static void sw_note_epochs_done(sk_plog_t *log, const side_write_t *w)
{
    if (!w->failed && w->seq > log->epoch_saved_seq)
        log->epoch_saved_seq = w->seq;
}

typedef struct epoch_job {
    plog_handle_t *h;
    side_write_t w;
} epoch_job_t;

static void epoch_schedule(sk_plog_t *log);

static void epoch_job_work(void *arg) { sw_run(&((epoch_job_t *)arg)->w); }

static void epoch_job_done(void *arg)
{
    epoch_job_t *j = arg;
    sk_plog_t *log = j->h->log;
    if (log) {
        log->epoch_inflight = 0;
        sw_note_epochs_done(log, &j->w);
        /* changed again meanwhile: write the newer version (a failure waits
         * for the next change, flush or close rather than spinning) */
        if (!j->w.failed && log->epoch_seq > log->epoch_saved_seq)
            epoch_schedule(log);
    }
    sw_release(&j->w);
    plog_handle_unref(j->h);
    free(j);
}

/* Persist the current cache: on the diskio pool (one job at a time, later
 * changes coalesce), or right here without a pool. */
static void epoch_schedule(sk_plog_t *log)
{
    if (log->epoch_inflight || log->epoch_seq <= log->epoch_saved_seq)
        return;
    if (!log->io) {
        side_write_t w;
        sw_snapshot_epochs(log, &w);
        sw_run(&w);
        sw_note_epochs_done(log, &w);
        sw_release(&w);
        return;
    }
    epoch_job_t *j = sk_calloc(1, sizeof(*j));
    sw_snapshot_epochs(log, &j->w);
    j->h = log->h;
    log->h->refs++;
    log->epoch_inflight = 1;
    sk_diskio_submit(log->io, epoch_job_work, epoch_job_done, j);
}

static void epochs_changed(sk_plog_t *log)
{
    log->epoch_seq++;
    epoch_schedule(log);
}

/* Synchronous write of anything not yet saved (close). */
static void epoch_save_sync(sk_plog_t *log)
{
    if (log->epoch_seq <= log->epoch_saved_seq)
        return;
    side_write_t w;
    sw_snapshot_epochs(log, &w);
    sw_run(&w);
    sw_note_epochs_done(log, &w);
    sw_release(&w);
}

/* ---- leader epoch cache recovery ---- */

typedef struct epoch_scan {
    sk_epoch_cache_t *c;
    int64_t from;    /* ignore batches ending before this offset */
    int backwards;   /* batches whose epoch went down */
} epoch_scan_t;

static int on_scan_batch(const sk_batch_info_t *b, int64_t pos, void *arg)
{
    epoch_scan_t *s = arg;
    (void)pos;
    if (sk_batch_last_offset(b) < s->from || b->partition_leader_epoch < 0)
        return 0;
    if (b->partition_leader_epoch < sk_epoch_cache_latest_epoch(s->c))
        s->backwards++;
    sk_epoch_cache_assign(s->c, b->partition_leader_epoch, b->base_offset);
    return 0;
}

/* Re-derive the cache from batch headers, starting at the batch that holds
 * `from`: entries starting at or after that batch are dropped, then every
 * batch is assigned in order. 0 or negative (read error / bad batch). */
static int epochs_scan(sk_plog_t *log, int64_t from, int *backwards)
{
    size_t si;
    int64_t pos;
    sk_batch_info_t b;
    int rc = find_batch(log, from, &si, &pos, &b);
    if (rc <= 0)
        return rc;
    sk_epoch_cache_truncate_from_end(log->epochs, b.base_offset);
    epoch_scan_t s = {log->epochs, from, 0};
    for (size_t i = si; i < log->nsegs; i++) {
        rc = sk_seg_foreach_batch(log->segs[i], i == si ? pos : 0, on_scan_batch, &s);
        if (rc < 0)
            return rc;
    }
    *backwards += s.backwards;
    return SK_OK;
}

/* Epoch of the batch holding offset (-1 when it has none); sets *base.
 * 1 found, 0 none, negative on error. */
static int batch_epoch_at(const sk_plog_t *log, int64_t offset, int32_t *epoch, int64_t *base)
{
    sk_batch_info_t b;
    int64_t pos;
    int rc = find_batch(log, offset, NULL, &pos, &b);
    if (rc == 1) {
        *epoch = b.partition_leader_epoch;
        *base = b.base_offset;
    }
    return rc;
}

/* Does the cache agree with the batches? Each entry must start exactly at a
 * batch of its epoch, the batch before it must belong to the previous entry,
 * and the first and last batches must be covered by their own epochs. A
 * missing or stale entry breaks at least one of these. */
static int epochs_consistent(const sk_plog_t *log)
{
    const sk_epoch_cache_t *c = log->epochs;
    int64_t start = log->segs[0]->base, leo = sk_plog_end_offset(log);
    int32_t eb;
    int64_t base;
    if (leo <= start)
        return 1;
    for (size_t i = 0; i < sk_epoch_cache_count(c); i++) {
        sk_epoch_entry_t e = sk_epoch_cache_get(c, i);
        if (e.start_offset >= leo)
            break;
        if (batch_epoch_at(log, e.start_offset, &eb, &base) != 1)
            return 0;
        if (base > e.start_offset && log->cfg.cleanup_compact && eb >= e.epoch)
            continue; /* compaction removed the epoch's first batches */
        if (eb != e.epoch)
            return 0;
        if (base != e.start_offset && !(i == 0 && e.start_offset == start && base >= start))
            return 0;
        if (i > 0 && e.start_offset > start) {
            int32_t pe = sk_epoch_cache_get(c, i - 1).epoch;
            if (batch_epoch_at(log, e.start_offset - 1, &eb, &base) != 1)
                return 0;
            if (base < e.start_offset && eb >= 0 && eb != pe)
                return 0;
        }
    }
    int64_t probes[2] = {start, leo - 1};
    for (int k = 0; k < 2; k++) {
        if (batch_epoch_at(log, probes[k], &eb, &base) != 1)
            return 0;
        if (eb >= 0 && sk_epoch_cache_epoch_for_offset(c, base > start ? base : start) != eb)
            return 0;
    }
    return 1;
}

/* At open, after the segments are recovered: read leader-epoch-checkpoint,
 * fit it to the log, bring it up to date from the batches after the
 * recovery point, and rebuild it from all batch headers when it is missing,
 * malformed or contradicts the log. */
static void epochs_open(sk_plog_t *log, int64_t recovery_point)
{
    char err[600];
    sk_epoch_cache_t *c = log->epochs;
    int64_t start = log->segs[0]->base, leo = sk_plog_end_offset(log);
    int rc = sk_epoch_cache_read_file(c, log->ef->path, err, sizeof(err));
    int rebuild = rc != SK_OK, backwards = 0, missing = rc == SK_ENOENT;
    char *before = missing ? NULL : sk_epoch_cache_format(c, NULL);
    if (rc == SK_ENOENT) {
        if (leo > start)
            sk_info(MOD, "%s: no %s; rebuilding it from the batch headers", log->dir,
                    SK_LEADER_EPOCH_CHECKPOINT);
    } else if (rc != SK_OK) {
        sk_warn(MOD, "%s: %s; rebuilding it from the batch headers", log->dir, err);
    }
    if (!rebuild) {
        sk_epoch_cache_truncate_from_end(c, leo);
        sk_epoch_cache_truncate_from_start(c, start);
        int64_t from = recovery_point > start ? recovery_point : start;
        if (from < leo && epochs_scan(log, from, &backwards) < 0)
            rebuild = 1;
        else if (!epochs_consistent(log)) {
            sk_warn(MOD, "%s: %s does not match the log's batches; rebuilding it", log->dir,
                    SK_LEADER_EPOCH_CHECKPOINT);
            rebuild = 1;
        }
    }
    if (rebuild) {
        sk_epoch_cache_clear(c);
        backwards = 0;
        if (leo > start && epochs_scan(log, start, &backwards) < 0)
            sk_error(MOD, "%s: cannot read batch headers to rebuild the leader epoch cache: %s",
                     log->dir, strerror(errno));
    }
    if (backwards)
        sk_warn(MOD, "%s: %d batch(es) carry a lower leader epoch than the batches before them",
                log->dir, backwards);
    char *after = sk_epoch_cache_format(c, NULL);
    if (!before || strcmp(before, after))
        log->epoch_seq++; /* saved by epoch_schedule once the log is set up */
    free(before);
    free(after);
}

/* At open: the id recorded in partition.metadata, if any. A malformed file
 * is reported and ignored (the next sk_plog_set_topic_id rewrites it). */
static void topic_id_open(sk_plog_t *log)
{
    char err[600];
    int rc = sk_partmeta_read_file(log->pmf->path, log->topic_id, err, sizeof(err));
    if (rc == SK_OK) {
        log->pm_saved = 1;
        return;
    }
    log->topic_id[0] = '\0';
    if (rc != SK_ENOENT)
        sk_warn(MOD, "%s: %s; ignoring it (the topic id is written again when known)",
                log->dir, err);
}

/* ---- idempotent producers ---- */

typedef struct producer_scan {
    sk_pstate_t *ps;
    int64_t now;
} producer_scan_t;

static int on_producer_batch(const sk_batch_info_t *b, int64_t pos, void *arg)
{
    producer_scan_t *s = arg;
    (void)pos;
    sk_pstate_update(s->ps, b, s->now); /* append times are unknown: count from now */
    return 0;
}

/* At open: the producer state from the batches of the log's tail (about
 * the last PRODUCER_SCAN_BYTES). Producers whose last write is older are
 * unknown, and an unknown producer's next batch is accepted whatever its
 * sequence (Kafka does the same once a producer's state is gone). */
#define PRODUCER_SCAN_BYTES (4 << 20)
static void producers_open(sk_plog_t *log)
{
    int64_t budget = PRODUCER_SCAN_BYTES;
    size_t first = log->nsegs;
    while (first > 0 && budget > 0) {
        first--;
        budget -= log->segs[first]->size;
    }
    for (size_t i = first; i < log->nsegs; i++) {
        sk_seg_t *seg = log->segs[i];
        int64_t pos = 0;
        if (budget < 0 && i == first) {
            /* start at an indexed batch boundary in the segment's tail */
            int64_t want = -budget;
            for (size_t k = 0; k < seg->n_idx; k++)
                if (seg->idx[k].pos >= want) {
                    pos = seg->idx[k].pos;
                    break;
                }
        }
        producer_scan_t scan = {log->producers, log->now()};
        if (sk_seg_foreach_batch(seg, pos, on_producer_batch, &scan) < 0) {
            sk_warn(MOD, "%s: cannot read batch headers for the producer state: %s", log->dir,
                    strerror(errno));
            break;
        }
    }
    if (sk_pstate_count(log->producers))
        sk_info(MOD, "%s: %zu idempotent producer(s) in the log's tail", log->dir,
                sk_pstate_count(log->producers));
}

const sk_pstate_t *sk_plog_producers(const sk_plog_t *log) { return log->producers; }

void sk_plog_note_refused(sk_plog_t *log, const sk_batch_info_t *b, int16_t kerr)
{
    sk_pstate_refused(log->producers, b, kerr);
}

int16_t sk_plog_gap_refused(sk_plog_t *log, const sk_batch_info_t *b)
{
    size_t n = sk_epoch_cache_count(log->epochs);
    int64_t leader_start = n ? sk_epoch_cache_get(log->epochs, n - 1).start_offset : -1;
    return sk_pstate_gap_refused(log->producers, b, leader_start);
}

size_t sk_plog_expire_producers(sk_plog_t *log, int64_t now_ms, int64_t max_age_ms)
{
    size_t n = sk_pstate_expire(log->producers, now_ms, max_age_ms);
    if (n)
        sk_info(MOD, "%s: %zu idempotent producer(s) idle for %" PRId64 " ms forgotten", log->dir,
                n, max_age_ms);
    return n;
}

int sk_plog_open(const char *dir, const sk_plog_config_t *cfg, sk_diskio_t *io,
                 int64_t recovery_point, sk_plog_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (sk_plog_mkdirs(dir) != SK_OK) {
        snprintf(err, errlen, "cannot create log directory %s: %s", dir, strerror(errno));
        return SK_EIO;
    }
    sk_plog_t *log = sk_calloc(1, sizeof(*log));
    log->dir = sk_strdup(dir);
    set_config(log, cfg);
    log->io = io;
    log->now = sk_wall_ms;
    log->h = sk_calloc(1, sizeof(*log->h));
    log->h->log = log;
    log->h->refs = 1;
    log->epochs = sk_epoch_cache_new();
    log->producers = sk_pstate_new();
    log->ef = sf_new(dir, SK_LEADER_EPOCH_CHECKPOINT);
    log->pmf = sf_new(dir, SK_PARTITION_METADATA);
    int rc = plog_load_segments(log, recovery_point < 0 ? 0 : recovery_point, err, errlen);
    if (rc != SK_OK) {
        for (size_t i = 0; i < log->nsegs; i++)
            sk_seg_free(log->segs[i]);
        log->nsegs = 0;
        if (io)
            sk_diskio_barrier(io); /* unlink jobs of discarded segments */
        free(log->segs);
        free(log->dir);
        plog_handle_unref(log->h);
        sk_epoch_cache_free(log->epochs);
        sk_pstate_free(log->producers);
        sf_unref(log->ef);
        sf_unref(log->pmf);
        free(log);
        return rc;
    }
    log->start_offset = log->segs[0]->base;
    int64_t leo = sk_plog_end_offset(log);
    log->recovery_point = recovery_point < log->start_offset ? log->start_offset : recovery_point;
    if (log->recovery_point > leo)
        log->recovery_point = leo;
    log->last_flush_ms = log->now();
    epochs_open(log, log->recovery_point);
    epoch_schedule(log);
    producers_open(log);
    topic_id_open(log);
    sk_info(MOD, "opened %s: %zu segment(s), start offset %" PRId64 ", LEO %" PRId64
            ", recovery point %" PRId64 ", latest leader epoch %" PRId32, dir, log->nsegs,
            log->start_offset, leo, log->recovery_point,
            sk_epoch_cache_latest_epoch(log->epochs));
    *out = log;
    return SK_OK;
}

/* ---- accessors ---- */

int64_t sk_plog_start_offset(const sk_plog_t *log) { return log->start_offset; }
int64_t sk_plog_end_offset(const sk_plog_t *log) { return active(log)->next_offset; }
int64_t sk_plog_recovery_point(const sk_plog_t *log) { return log->recovery_point; }
int sk_plog_cleanup_delete(const sk_plog_t *log) { return log->cfg.cleanup_delete; }
const char *sk_plog_dir(const sk_plog_t *log) { return log->dir; }

void sk_plog_set_space(sk_plog_t *log, sk_plog_space_t *space) { log->space = space; }

int sk_plog_space_ok(const sk_plog_t *log, int64_t len)
{
    const sk_plog_space_t *sp = log->space;
    return !sp || (sp->state == SK_LOGDIR_ONLINE &&
                   (sp->min_free <= 0 || sp->free_est - len >= sp->min_free));
}

int sk_plog_offline(const sk_plog_t *log)
{
    return log->space && log->space->state == SK_LOGDIR_OFFLINE;
}

static void io_failed(sk_plog_t *log, const char *what, int err)
{
    if (log->space && log->space->failed)
        log->space->failed(log->space, log->dir, what, err);
}

int64_t sk_plog_space_room(const sk_plog_t *log)
{
    const sk_plog_space_t *sp = log->space;
    if (!sp)
        return INT64_MAX;
    if (sp->state != SK_LOGDIR_ONLINE)
        return 0;
    return sp->min_free <= 0 ? INT64_MAX : sp->free_est - sp->min_free;
}

/* The guard before an append of len bytes: SK_OK, or SK_ENOSPC (the dir is
 * low on space; logmgr has logged it) or SK_EIO (the dir is offline). */
static int space_check(sk_plog_t *log, int64_t len)
{
    sk_plog_space_t *sp = log->space;
    if (!sp)
        return SK_OK;
    if (sp->state == SK_LOGDIR_ONLINE && !sk_plog_space_ok(log, len))
        sp->sample(sp, len); /* the estimate says full: look at the disk */
    if (sk_plog_space_ok(log, len))
        return SK_OK;
    sp->refused++;
    return sp->state == SK_LOGDIR_OFFLINE ? SK_EIO : SK_ENOSPC;
}
int sk_plog_segment_count(const sk_plog_t *log) { return (int)log->nsegs; }
void sk_plog_set_clock(sk_plog_t *log, int64_t (*now_ms)(void)) { log->now = now_ms ? now_ms : sk_wall_ms; }

int64_t sk_plog_size_bytes(const sk_plog_t *log)
{
    int64_t t = 0;
    for (size_t i = 0; i < log->nsegs; i++)
        t += log->segs[i]->size;
    return t;
}

void sk_plog_set_start_offset(sk_plog_t *log, int64_t offset)
{
    int64_t leo = sk_plog_end_offset(log);
    if (offset > leo)
        offset = leo;
    if (offset > log->start_offset) {
        log->start_offset = offset;
        if (sk_epoch_cache_truncate_from_start(log->epochs, offset))
            epochs_changed(log);
    }
}

/* ---- leader epochs ---- */

int32_t sk_plog_latest_epoch(const sk_plog_t *log)
{
    return sk_epoch_cache_latest_epoch(log->epochs);
}

const sk_epoch_cache_t *sk_plog_epochs(const sk_plog_t *log) { return log->epochs; }

int sk_plog_end_offset_for_epoch(sk_plog_t *log, int32_t epoch, int32_t *out_epoch,
                                 int64_t *out_end_offset)
{
    sk_epoch_cache_end_offset_for(log->epochs, epoch, sk_plog_end_offset(log), out_epoch,
                                  out_end_offset);
    return SK_OK;
}

int sk_plog_assign_epoch(sk_plog_t *log, int32_t epoch, int64_t start_offset)
{
    int64_t leo = sk_plog_end_offset(log);
    if (epoch < 0 || start_offset < log->start_offset || start_offset > leo)
        return SK_EINVAL;
    if (epoch < sk_epoch_cache_latest_epoch(log->epochs))
        return SK_ESTATE;
    if (sk_epoch_cache_assign(log->epochs, epoch, start_offset) == 1) {
        sk_info(MOD, "%s: leader epoch %" PRId32 " starts at offset %" PRId64, log->dir, epoch,
                start_offset);
        epochs_changed(log);
    }
    return SK_OK;
}

/* ---- partition.metadata ---- */

typedef struct pm_job {
    plog_handle_t *h;
    side_write_t w;
} pm_job_t;

static void pm_work(void *arg) { sw_run(&((pm_job_t *)arg)->w); }

static void pm_done(void *arg)
{
    pm_job_t *j = arg;
    if (j->h->log && !j->w.failed && j->w.seq == j->h->log->pm_seq)
        j->h->log->pm_saved = 1;
    sw_release(&j->w);
    plog_handle_unref(j->h);
    free(j);
}

const char *sk_plog_topic_id(const sk_plog_t *log)
{
    return log->topic_id[0] ? log->topic_id : NULL;
}

int sk_plog_set_topic_id(sk_plog_t *log, const char *topic_id, char *err, size_t errlen)
{
    if (!topic_id || !sk_topic_id_valid(topic_id, strlen(topic_id))) {
        snprintf(err, errlen, "%s: '%s' is not a valid topic id", log->dir,
                 topic_id ? topic_id : "(null)");
        return SK_EINVAL;
    }
    if (log->topic_id[0] && strcmp(log->topic_id, topic_id) != 0) {
        snprintf(err, errlen,
                 "%s belongs to topic id %s (per its %s), not %s: a leftover of a deleted topic?",
                 log->dir, log->topic_id, SK_PARTITION_METADATA, topic_id);
        return SK_EEXIST;
    }
    if (log->topic_id[0] && log->pm_saved)
        return SK_OK;
    memcpy(log->topic_id, topic_id, SK_TOPIC_ID_LEN + 1);
    log->pm_seq++;
    if (!log->io) {
        side_write_t w;
        sw_snapshot_text(log->pmf, log->pm_seq, sk_partmeta_format(topic_id), &w);
        sw_run(&w);
        log->pm_saved = !w.failed;
        sw_release(&w);
        if (!log->pm_saved) {
            snprintf(err, errlen, "%s: cannot write %s", log->dir, SK_PARTITION_METADATA);
            return SK_EIO;
        }
        return SK_OK;
    }
    pm_job_t *j = sk_calloc(1, sizeof(*j));
    sw_snapshot_text(log->pmf, log->pm_seq, sk_partmeta_format(topic_id), &j->w);
    j->h = log->h;
    log->h->refs++;
    sk_diskio_submit(log->io, pm_work, pm_done, j);
    return SK_OK;
}

/* ---- flushing ---- */

typedef struct flush_job {
    plog_handle_t *h;
    int *fds;
    int nfds;
    char *dir; /* fsync the directory too (segments created/removed) */
    int64_t upto;
    uint64_t gen;
    int failed;
    int with_epochs; /* ew holds a leader epoch snapshot to write first */
    side_write_t ew;
    int64_t took_us; /* the fsyncs, measured on the worker, counted on the loop */
} flush_job_t;

static void flush_work(void *arg)
{
    flush_job_t *j = arg;
    int64_t t0 = sk_met_now_us();
    if (j->with_epochs) {
        sw_run(&j->ew);
        if (j->ew.failed)
            j->failed = EIO;
    }
    for (int i = 0; i < j->nfds; i++) {
        if (fsync(j->fds[i]) < 0)
            j->failed = errno ? errno : EIO;
        close(j->fds[i]);
    }
    if (j->dir && plog_fsync_dir(j->dir) != SK_OK)
        j->failed = errno ? errno : EIO;
    j->took_us = sk_met_now_us() - t0;
}

static void flush_done(void *arg)
{
    flush_job_t *j = arg;
    sk_plog_t *log = j->h->log;
    sk_met_hist_observe(&sk_met.log_flush, (double)j->took_us / 1000.0);
    if (log) {
        log->flush_inflight = 0;
        if (j->with_epochs)
            sw_note_epochs_done(log, &j->ew);
        if (j->failed) {
            sk_error(MOD, "%s: fsync failed: %s; recovery point stays at %" PRId64, log->dir,
                     strerror(j->failed), log->recovery_point);
            if (j->dir)
                log->dir_dirty = 1;
            /* the kernel may have dropped the dirty pages: the dir is not trusted */
            io_failed(log, "fsync", j->failed);
        } else if (j->gen == log->gen && j->upto > log->recovery_point &&
                   j->upto <= sk_plog_end_offset(log)) {
            log->recovery_point = j->upto;
        }
        if (log->flush_again) {
            log->flush_again = 0;
            sk_plog_flush_async(log);
        }
    }
    if (j->with_epochs)
        sw_release(&j->ew);
    plog_handle_unref(j->h);
    free(j->fds);
    free(j->dir);
    free(j);
}

int plog_dup_fd(int fd) { return fcntl(fd, F_DUPFD_CLOEXEC, 0); }

void sk_plog_flush_async(sk_plog_t *log)
{
    int64_t leo = sk_plog_end_offset(log);
    if (leo <= log->recovery_point && !log->dir_dirty && log->epoch_seq <= log->epoch_saved_seq)
        return;
    if (log->flush_inflight) {
        log->flush_again = 1;
        return;
    }
    flush_job_t *j = sk_calloc(1, sizeof(*j));
    j->fds = sk_calloc(log->nsegs * 3, sizeof(int));
    for (size_t i = 0; i < log->nsegs; i++) {
        sk_seg_t *s = log->segs[i];
        if (s->next_offset <= log->recovery_point && i + 1 < log->nsegs)
            continue;
        int fds[3] = {s->fd, s->idx_fd, s->tidx_fd};
        for (int k = 0; k < 3; k++) {
            int d = plog_dup_fd(fds[k]);
            if (d >= 0)
                j->fds[j->nfds++] = d;
            else
                j->failed = errno;
        }
    }
    if (log->dir_dirty) {
        j->dir = sk_strdup(log->dir);
        log->dir_dirty = 0;
    }
    j->upto = leo;
    j->gen = log->gen;
    /* The recovery point may only pass batches whose epochs are on disk. */
    if (log->epoch_seq > log->epoch_saved_seq) {
        j->with_epochs = 1;
        sw_snapshot_epochs(log, &j->ew);
    }
    j->h = log->h;
    log->h->refs++;
    log->last_flush_ms = log->now();
    if (j->failed) {
        /* could not dup: run nothing, report the failure */
        for (int i = 0; i < j->nfds; i++)
            close(j->fds[i]);
        j->nfds = 0;
        j->ew.failed = 1; /* not written either */
        flush_done(j);
        return;
    }
    if (!log->io) {
        flush_work(j);
        flush_done(j);
        return;
    }
    log->flush_inflight = 1;
    sk_diskio_submit(log->io, flush_work, flush_done, j);
}

void sk_plog_maybe_flush(sk_plog_t *log, int64_t now_ms)
{
    int64_t leo = sk_plog_end_offset(log);
    if (leo <= log->recovery_point)
        return;
    const sk_plog_config_t *c = &log->cfg;
    if ((c->flush_interval_messages > 0 && leo - log->recovery_point >= c->flush_interval_messages) ||
        (c->flush_interval_ms > 0 && now_ms - log->last_flush_ms >= c->flush_interval_ms))
        sk_plog_flush_async(log);
}

int sk_plog_flush_sync(sk_plog_t *log)
{
    int rc = SK_OK;
    epoch_save_sync(log);
    if (log->epoch_seq > log->epoch_saved_seq)
        rc = SK_EIO;
    for (size_t i = 0; i < log->nsegs; i++) {
        sk_seg_t *s = log->segs[i];
        if (s->next_offset <= log->recovery_point && i + 1 < log->nsegs)
            continue;
        if (sk_seg_fsync(s) != SK_OK)
            rc = SK_EIO;
    }
    if (log->dir_dirty && plog_fsync_dir(log->dir) != SK_OK)
        rc = SK_EIO;
    if (rc == SK_OK) {
        log->dir_dirty = 0;
        log->recovery_point = sk_plog_end_offset(log);
    } else {
        sk_error(MOD, "%s: fsync failed: %s", log->dir, strerror(errno));
    }
    return rc;
}

/* ---- append ---- */

static int roll(sk_plog_t *log, int64_t base, int64_t now)
{
    sk_seg_t *old = active(log), *seg;
    char err[256];
    if (base < old->next_offset)
        base = old->next_offset;
    sk_seg_finish(old);
    int rc = sk_seg_create(log->dir, base, now, &seg, err, sizeof(err));
    if (rc != SK_OK) {
        sk_error(MOD, "%s: cannot roll to a new segment at offset %" PRId64 ": %s", log->dir, base,
                 err);
        return rc;
    }
    plog_push_segment(log, seg);
    log->dir_dirty = 1;
    sk_debug(MOD, "%s: rolled new segment %020" PRId64 " (previous %" PRId64 " bytes)", log->dir,
             base, old->size);
    /* Kafka flushes the finished segment right away (asynchronously). */
    sk_plog_flush_async(log);
    return SK_OK;
}

static int append_common(sk_plog_t *log, uint8_t *data, size_t len, int raw, int32_t epoch,
                         int64_t *first_offset, int64_t *last_offset)
{
    if (!data || len == 0)
        return SK_EINVAL;
    int32_t latest = sk_epoch_cache_latest_epoch(log->epochs);
    if (!raw && epoch >= 0 && epoch < latest) {
        sk_warn(MOD, "%s: refusing an append stamped with leader epoch %" PRId32
                " below the log's latest epoch %" PRId32, log->dir, epoch, latest);
        return SK_ESTATE;
    }
    int64_t leo = sk_plog_end_offset(log), next = leo, first = -1, last = -1;
    size_t pos = 0, nb = 0;
    while (pos < len) {
        ssize_t n = sk_batch_next(data + pos, len - pos);
        sk_batch_info_t b;
        if (n <= 0 || sk_batch_parse_header(data + pos, (size_t)n, &b) != SK_OK ||
            b.last_offset_delta < 0)
            return SK_EINVAL;
        if (raw) {
            if (b.base_offset < next)
                return SK_EINVAL;
        } else {
            b.base_offset = next;
        }
        if (nb == 0)
            first = b.base_offset;
        last = sk_batch_last_offset(&b);
        next = last + 1;
        pos += (size_t)n;
        nb++;
    }
    if (!raw) {
        next = leo;
        for (pos = 0; pos < len;) {
            sk_batch_info_t b;
            sk_batch_parse_header(data + pos, len - pos, &b);
            sk_batch_set_base_offset(data + pos, next);
            sk_batch_set_leader_epoch(data + pos, epoch);
            next += (int64_t)b.last_offset_delta + 1;
            pos += (size_t)sk_batch_total_size(&b);
        }
    }

    int rc = space_check(log, (int64_t)len);
    if (rc != SK_OK)
        return rc;
    sk_seg_t *seg = active(log);
    int64_t now = log->now();
    const sk_plog_config_t *c = &log->cfg;
    if ((seg->size > 0 &&
         (seg->size + (int64_t)len > c->segment_bytes ||
          (c->roll_ms > 0 && now - seg->created_ms >= c->roll_ms) ||
          sk_seg_index_full(seg, c->index_max_bytes, nb))) ||
        last - seg->base > INT32_MAX) {
        rc = roll(log, first, now);
        if (log->space) /* a new segment's files: sample again */
            log->space->sample(log->space, rc == SK_OK ? (int64_t)len : 0);
        if (rc != SK_OK)
            return rc;
        if (!sk_plog_space_ok(log, (int64_t)len))
            return log->space->state == SK_LOGDIR_OFFLINE ? SK_EIO : SK_ENOSPC;
        seg = active(log);
    }

    int64_t at = seg->size;
    rc = sk_seg_write(seg, data, len);
    if (rc == SK_EIO)
        io_failed(log, "write", errno);
    else if (rc != SK_OK && log->space)
        log->space->sample(log->space, 0);
    if (rc == SK_OK && log->space)
        log->space->free_est -= (int64_t)len;
    if (rc != SK_OK) {
        sk_error(MOD, "%s: append of %zu bytes at offset %" PRId64 " failed (%s); log left at %"
                 PRId64 " bytes", log->dir, len, first, sk_strerror(rc), seg->size);
        return rc;
    }
    int epochs_moved = 0;
    for (pos = 0; pos < len;) {
        sk_batch_info_t b;
        sk_batch_parse_header(data + pos, len - pos, &b);
        sk_seg_note_batch(seg, &b, at + (int64_t)pos, c->index_interval_bytes);
        sk_pstate_update(log->producers, &b, now);
        if (b.partition_leader_epoch >= 0 &&
            sk_epoch_cache_assign(log->epochs, b.partition_leader_epoch, b.base_offset) == 1) {
            epochs_moved = 1;
            sk_info(MOD, "%s: leader epoch %" PRId32 " starts at offset %" PRId64, log->dir,
                    b.partition_leader_epoch, b.base_offset);
        }
        pos += (size_t)sk_batch_total_size(&b);
    }
    if (epochs_moved)
        epochs_changed(log);
    if (sk_seg_write_indexes(seg) != SK_OK)
        sk_warn(MOD, "%s: index write failed: %s (rebuilt on recovery)", log->dir, strerror(errno));
    if (first_offset)
        *first_offset = first;
    if (last_offset)
        *last_offset = last;
    sk_plog_maybe_flush(log, now);
    return SK_OK;
}

int sk_plog_append(sk_plog_t *log, uint8_t *data, size_t len, int32_t leader_epoch,
                   int64_t *first_offset, int64_t *last_offset)
{
    return append_common(log, data, len, 0, leader_epoch, first_offset, last_offset);
}

int sk_plog_append_raw(sk_plog_t *log, const uint8_t *data, size_t len, int64_t *first_offset,
                       int64_t *last_offset)
{
    /* raw mode never writes into data */
    return append_common(log, (uint8_t *)data, len, 1, 0, first_offset, last_offset);
}

/* ---- reads ---- */

int sk_plog_read(sk_plog_t *log, int64_t offset, int64_t max_offset, int32_t max_bytes,
                 sk_plog_slice_t *out)
{
    out->fd = -1;
    out->file_pos = 0;
    out->len = 0;
    out->first_batch_offset = -1;
    int64_t leo = sk_plog_end_offset(log);
    if (offset < log->start_offset || offset > leo)
        return SK_EINVAL;
    if (offset >= max_offset || offset == leo)
        return SK_OK;
    for (size_t i = seg_for(log, offset); i < log->nsegs; i++) {
        sk_seg_t *seg = log->segs[i];
        int64_t pos, len;
        sk_batch_info_t b;
        int rc = sk_seg_find(seg, offset, &pos, &b);
        if (rc < 0) {
            int e = errno;
            sk_error(MOD, "%s: reading segment %020" PRId64 " at offset %" PRId64 " failed: %s",
                     log->dir, seg->base, offset, sk_strerror(rc));
            if (rc == SK_EIO)
                io_failed(log, "read", e ? e : EIO);
            return SK_EIO;
        }
        if (rc == 0)
            continue;
        if (sk_batch_last_offset(&b) >= max_offset)
            return SK_OK;
        sk_seg_read_extent(seg, pos, &b, max_offset, max_bytes, &len);
        int fd = plog_dup_fd(seg->fd);
        if (fd < 0)
            return SK_EIO;
        out->fd = fd;
        out->file_pos = pos;
        out->len = len;
        out->first_batch_offset = b.base_offset;
        return SK_OK;
    }
    return SK_OK;
}

int sk_plog_slice_load(sk_plog_t *log, const sk_plog_slice_t *s, uint8_t *buf)
{
    int rc = sk_seg_read_range(s->fd, s->file_pos, s->len, buf);
    int e = errno;
    close(s->fd);
    if (rc == SK_EIO)
        io_failed(log, "read", e ? e : EIO);
    if (rc != SK_OK)
        sk_error(MOD, "%s: reading %" PRId64 " bytes at position %" PRId64 " failed: %s",
                 log->dir, s->len, s->file_pos, rc == SK_EIO ? strerror(e) : "short read");
    return rc == SK_OK ? SK_OK : SK_EIO;
}

int sk_plog_check_range(sk_plog_t *log, int64_t offset, int64_t file_pos, int64_t len,
                        const char *what)
{
    if (offset < log->start_offset || offset >= sk_plog_end_offset(log) || len <= 0)
        return SK_OK; /* gone since (retention, truncation): nothing to look at */
    sk_seg_t *seg = log->segs[seg_for(log, offset)];
    if (file_pos < 0 || file_pos + len > seg->size)
        return SK_OK;
    errno = 0;
    int rc = sk_seg_sendfile_check(seg->fd, file_pos, len);
    int e = errno;
    if (rc != SK_EIO) { /* SK_OK, or SK_ECORRUPT: shorter now (a truncation) */
        sk_info(MOD, "%s: a %s of %" PRId64 " bytes failed with EIO, but they read again: the "
                "connection, not the disk, was at fault", log->dir, what, len);
        return SK_OK;
    }
    io_failed(log, what, e ? e : EIO);
    return SK_EIO;
}

int sk_plog_offset_for_time(sk_plog_t *log, int64_t ts, int64_t *offset, int64_t *found_ts)
{
    *offset = -1;
    *found_ts = -1;
    for (size_t i = 0; i < log->nsegs; i++) {
        int rc = sk_seg_offset_for_time(log->segs[i], ts, offset, found_ts);
        if (rc < 0)
            return SK_EIO;
        if (rc == 1) {
            if (*offset < log->start_offset)
                *offset = log->start_offset;
            return SK_OK;
        }
    }
    return SK_OK;
}

/* ---- retention ---- */

int sk_plog_apply_retention(sk_plog_t *log, int64_t now_ms, int64_t hw)
{
    const sk_plog_config_t *c = &log->cfg;
    if (hw < 0 || log->nsegs < 2)
        return 0;
    int64_t excess = c->cleanup_delete && c->retention_bytes >= 0
                         ? sk_plog_size_bytes(log) - c->retention_bytes
                         : -1;
    size_t ndel = 0;
    int by_time = 0, by_size = 0, by_start = 0;
    for (size_t i = 0; i + 1 < log->nsegs; i++) {
        const sk_seg_t *seg = log->segs[i];
        int64_t next_base = log->segs[i + 1]->base;
        if (next_base > hw)
            break; /* holds offsets not yet committed */
        int t = c->cleanup_delete && c->retention_ms >= 0 &&
                now_ms - sk_seg_largest_ts(seg) > c->retention_ms;
        int sz = excess >= 0 && excess - seg->size >= 0;
        int st = next_base <= log->start_offset;
        if (!t && !sz && !st)
            break;
        by_time += t;
        by_size += sz && !t;
        by_start += st && !t && !sz;
        if (excess >= 0)
            excess -= seg->size;
        ndel++;
    }
    if (ndel == 0)
        return 0;
    int64_t first_base = log->segs[0]->base, freed = 0;
    for (size_t i = 0; i < ndel; i++) {
        freed += log->segs[i]->size;
        plog_discard_segment(log, log->segs[i]);
    }
    memmove(log->segs, log->segs + ndel, (log->nsegs - ndel) * sizeof(*log->segs));
    log->nsegs -= ndel;
    int64_t old_start = log->start_offset;
    if (log->segs[0]->base > log->start_offset)
        sk_plog_set_start_offset(log, log->segs[0]->base);
    sk_info(MOD,
            "%s: retention deleted %zu segment(s) [%" PRId64 ", %" PRId64 "), %" PRId64
            " bytes (by time %d, by size %d, below log start %d); log start offset %" PRId64
            " -> %" PRId64,
            log->dir, ndel, first_base, log->segs[0]->base, freed, by_time, by_size, by_start,
            old_start, log->start_offset);
    return (int)ndel;
}

/* ---- truncation, close, delete ---- */

int sk_plog_truncate_fully(sk_plog_t *log, int64_t offset)
{
    char err[256];
    sk_seg_t *seg;
    if (offset < 0)
        offset = 0;
    /* Discarding renames the files first, so the new segment cannot collide
     * with an old one of the same base. */
    for (size_t i = 0; i < log->nsegs; i++)
        plog_discard_segment(log, log->segs[i]);
    log->nsegs = 0;
    log->gen++;
    sk_pstate_clear(log->producers);
    log->start_offset = offset;
    log->recovery_point = offset;
    log->dir_dirty = 1;
    if (sk_epoch_cache_count(log->epochs)) {
        sk_epoch_cache_clear(log->epochs);
        epochs_changed(log);
    }
    int rc = sk_seg_create(log->dir, offset, log->now(), &seg, err, sizeof(err));
    if (rc != SK_OK) {
        /* Keep the log usable in memory: the next append will fail loudly. */
        sk_error(MOD, "%s: %s", log->dir, err);
        seg = sk_calloc(1, sizeof(*seg));
        seg->base = seg->next_offset = offset;
        seg->fd = seg->idx_fd = seg->tidx_fd = -1;
        seg->max_ts = seg->max_ts_offset = -1;
        seg->log_path = sk_seg_path(log->dir, offset, ".log");
        seg->idx_path = sk_seg_path(log->dir, offset, ".index");
        seg->tidx_path = sk_seg_path(log->dir, offset, ".timeindex");
    }
    plog_push_segment(log, seg);
    sk_info(MOD, "%s: truncated fully, log restarts at offset %" PRId64, log->dir, offset);
    return rc;
}

int sk_plog_truncate_to(sk_plog_t *log, int64_t offset)
{
    int64_t leo = sk_plog_end_offset(log);
    if (offset >= leo) {
        /* no data goes, but an epoch assigned at the LEO may */
        if (sk_epoch_cache_truncate_from_end(log->epochs, offset))
            epochs_changed(log);
        return SK_OK;
    }
    if (offset < log->start_offset || offset < log->segs[0]->base)
        return sk_plog_truncate_fully(log, offset);
    size_t i = seg_for(log, offset);
    for (size_t j = log->nsegs; j-- > i + 1;)
        plog_discard_segment(log, log->segs[j]);
    log->nsegs = i + 1;
    sk_seg_t *seg = log->segs[i];
    int64_t pos;
    sk_batch_info_t b;
    int rc = sk_seg_find(seg, offset, &pos, &b);
    if (rc == 1)
        rc = sk_seg_truncate(seg, pos);
    log->gen++;
    int64_t nleo = sk_plog_end_offset(log);
    sk_pstate_truncate(log->producers, nleo);
    if (log->recovery_point > nleo)
        log->recovery_point = nleo;
    if (log->start_offset > nleo)
        log->start_offset = nleo;
    if (sk_epoch_cache_truncate_from_end(log->epochs, nleo))
        epochs_changed(log);
    if (rc < 0) {
        sk_error(MOD, "%s: truncation to offset %" PRId64 " failed: %s", log->dir, offset,
                 sk_strerror(rc));
        return SK_EIO;
    }
    sk_info(MOD, "%s: truncated to offset %" PRId64 " (LEO was %" PRId64 ", now %" PRId64 ")",
            log->dir, offset, leo, nleo);
    return SK_OK;
}

static void free_log(sk_plog_t *log)
{
    for (size_t i = 0; i < log->nsegs; i++)
        sk_seg_free(log->segs[i]);
    free(log->segs);
    log->h->log = NULL;
    plog_handle_unref(log->h);
    sk_epoch_cache_free(log->epochs);
    sk_pstate_free(log->producers);
    sf_unref(log->ef);
    sf_unref(log->pmf);
    free(log->dir);
    free(log);
}

void sk_plog_close(sk_plog_t *log)
{
    if (!log)
        return;
    for (size_t i = 0; i < log->nsegs; i++)
        sk_seg_finish(log->segs[i]);
    sk_plog_flush_sync(log);
    sk_debug(MOD, "closed %s at LEO %" PRId64, log->dir, sk_plog_end_offset(log));
    free_log(log);
}

static void rmtree_work(void *arg)
{
    if (sk_plog_rmtree(arg) != SK_OK)
        sk_warn(MOD, "cannot remove %s completely: %s", (char *)arg, strerror(errno));
}

void sk_plog_delete(sk_plog_t *log)
{
    if (!log)
        return;
    sk_diskio_t *io = log->io;
    /* queued side-file writes must not land in a new log at this path */
    side_file_t *sfs[2] = {log->ef, log->pmf};
    for (int i = 0; i < 2; i++) {
        pthread_mutex_lock(&sfs[i]->mu);
        sfs[i]->cancelled = 1;
        pthread_mutex_unlock(&sfs[i]->mu);
    }
    char *target = sk_asprintf("%s.%016" PRIx64 "-delete", log->dir,
                               (uint64_t)sk_mono_ms() * 2654435761u ^ (uint64_t)(uintptr_t)log);
    if (rename(log->dir, target) < 0) {
        sk_warn(MOD, "cannot rename %s for deletion: %s; removing in place", log->dir,
                strerror(errno));
        free(target);
        target = sk_strdup(log->dir);
    }
    sk_info(MOD, "deleting log %s", log->dir);
    free_log(log);
    if (io) {
        sk_diskio_submit(io, rmtree_work, free, target);
    } else {
        rmtree_work(target);
        free(target);
    }
}

const sk_plog_config_t *sk_plog_config(const sk_plog_t *log) { return &log->cfg; }

sk_pstate_t *sk_plog_take_producers(sk_plog_t *log)
{
    sk_pstate_t *ps = log->producers;
    log->producers = sk_pstate_new();
    return ps;
}

void sk_plog_adopt_producers(sk_plog_t *log, sk_pstate_t *ps)
{
    sk_pstate_free(log->producers);
    log->producers = ps;
}
