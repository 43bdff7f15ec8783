/* log_recover.c - a partition log's directory at open: completes a
 * compaction swap a crash interrupted, removes leftovers (*.deleted,
 * *.cleaned, stray *.swap, indexes without a segment), then loads every
 * segment, recovering (revalidating, re-indexing, cutting torn tails of)
 * those not known to be flushed. Part of the log module (log_plog_int.h).
 * @locality loop (at open, before the log is visible) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "storage/plog_int.h"
#include "mem.h"
#include "recbatch.h"

#define MOD "log"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* Next offset after the last whole batch of a file (base if none). */
static int64_t file_end_offset(int fd, int64_t base)
{
    int64_t pos = 0, end = base;
    uint8_t hdr[SK_BATCH_HEADER_SIZE];
    while (pread(fd, hdr, sizeof(hdr), (off_t)pos) == (ssize_t)sizeof(hdr)) {
        sk_batch_info_t b;
        sk_batch_parse_header(hdr, sizeof(hdr), &b);
        if (b.magic != 2 || b.batch_length < SK_BATCH_HEADER_SIZE - SK_BATCH_LOG_OVERHEAD ||
            b.last_offset_delta < 0)
            break;
        end = sk_batch_last_offset(&b) + 1;
        pos += sk_batch_total_size(&b);
    }
    return end;
}

/* Completes a compaction swap interrupted by a crash: <base>.log.swap holds
 * the cleaned replacement of the segments with bases in [base, end), so
 * those go and the swap file takes the segment's name (its indexes are
 * rebuilt at load). */
static void complete_swap(const char *dir, const char *swap_name)
{
    int64_t base;
    char *swap = sk_asprintf("%s/%s", dir, swap_name);
    char logname[32];
    memcpy(logname, swap_name, 24);
    logname[24] = '\0';
    if (sk_seg_parse_name(logname, ".log", &base) != SK_OK) {
        free(swap);
        return;
    }
    int fd = open(swap, O_RDONLY | O_CLOEXEC);
    int64_t end = fd >= 0 ? file_end_offset(fd, base) : base;
    if (fd >= 0)
        close(fd);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        int64_t b;
        const char *nm = de->d_name;
        if ((sk_seg_parse_name(nm, ".log", &b) == SK_OK ||
             sk_seg_parse_name(nm, ".index", &b) == SK_OK ||
             sk_seg_parse_name(nm, ".timeindex", &b) == SK_OK) &&
            b >= base && (b < end || b == base)) {
            char *p = sk_asprintf("%s/%s", dir, nm);
            unlink(p);
            free(p);
        }
    }
    if (d)
        closedir(d);
    char *final = sk_seg_path(dir, base, ".log");
    if (rename(swap, final) == 0)
        sk_warn(MOD, "%s: completed an interrupted compaction swap: segment %020" PRId64
                " replaces the segments below offset %" PRId64, dir, base, end);
    else
        sk_error(MOD, "cannot rename %s: %s", swap, strerror(errno));
    plog_fsync_dir(dir);
    free(final);
    free(swap);
}

/* Lists segment base offsets; completes interrupted compaction swaps
 * (<base>.log.swap) and removes leftovers (*.deleted, .cleaned and other
 * .swap files, indexes without a .log). */
static int list_segments(const char *dir, int64_t **bases_out, size_t *n_out, char *err,
                         size_t errlen)
{
    DIR *sd = opendir(dir);
    struct dirent *sde;
    char **swaps = NULL;
    size_t nswaps = 0;
    while (sd && (sde = readdir(sd))) {
        int64_t b;
        if (strlen(sde->d_name) == 29 && has_suffix(sde->d_name, ".log.swap")) {
            char nm[32];
            memcpy(nm, sde->d_name, 24);
            nm[24] = '\0';
            if (sk_seg_parse_name(nm, ".log", &b) == SK_OK) {
                swaps = sk_realloc(swaps, (nswaps + 1) * sizeof(*swaps));
                swaps[nswaps++] = sk_strdup(sde->d_name);
            }
        }
    }
    if (sd)
        closedir(sd);
    for (size_t i = 0; i < nswaps; i++) {
        complete_swap(dir, swaps[i]);
        free(swaps[i]);
    }
    free(swaps);

    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot open log directory %s: %s", dir, strerror(errno));
        return SK_EIO;
    }
    int64_t *bases = NULL;
    size_t n = 0, cap = 0;
    char **orphans = NULL;
    size_t no = 0, capo = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        int64_t base;
        if (has_suffix(nm, ".deleted") || has_suffix(nm, ".cleaned") || has_suffix(nm, ".swap")) {
            char *p = sk_asprintf("%s/%s", dir, nm);
            if (unlink(p) == 0)
                sk_info(MOD, "removed leftover file %s", p);
            free(p);
        } else if (sk_seg_parse_name(nm, ".log", &base) == SK_OK) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                bases = sk_realloc(bases, cap * sizeof(*bases));
            }
            bases[n++] = base;
        } else if (sk_seg_parse_name(nm, ".index", &base) == SK_OK ||
                   sk_seg_parse_name(nm, ".timeindex", &base) == SK_OK) {
            if (no == capo) {
                capo = capo ? capo * 2 : 16;
                orphans = sk_realloc(orphans, capo * sizeof(*orphans));
            }
            orphans[no++] = sk_strdup(nm);
        } else if (has_suffix(nm, ".log") || has_suffix(nm, ".index")) {
            sk_warn(MOD, "ignoring unexpected file %s/%s", dir, nm);
        }
    }
    closedir(d);
    if (n)
        qsort(bases, n, sizeof(*bases), cmp_i64);
    for (size_t i = 0; i < no; i++) {
        int64_t base;
        if (sk_seg_parse_name(orphans[i], ".index", &base) != SK_OK)
            sk_seg_parse_name(orphans[i], ".timeindex", &base);
        if (!n || !bsearch(&base, bases, n, sizeof(*bases), cmp_i64)) {
            char *p = sk_asprintf("%s/%s", dir, orphans[i]);
            sk_warn(MOD, "removing index without a log segment: %s", p);
            unlink(p);
            free(p);
        }
        free(orphans[i]);
    }
    free(orphans);
    *bases_out = bases;
    *n_out = n;
    return SK_OK;
}

/* Loads or recovers every segment. A damaged segment is cut at its first bad
 * batch and all later segments are removed. */
int plog_load_segments(sk_plog_t *log, int64_t recovery_point, char *err, size_t errlen)
{
    int64_t *bases = NULL;
    size_t n = 0;
    int rc = list_segments(log->dir, &bases, &n, err, errlen);
    if (rc != SK_OK)
        return rc;
    int64_t now = log->now();
    for (size_t i = 0; i < n; i++) {
        sk_seg_t *seg;
        int idx_missing;
        rc = sk_seg_open(log->dir, bases[i], now, &seg, &idx_missing, err, errlen);
        if (rc != SK_OK)
            goto out;
        plog_push_segment(log, seg);
    }
    for (size_t i = 0; i < log->nsegs; i++) {
        sk_seg_t *seg = log->segs[i];
        int64_t limit = i + 1 < log->nsegs ? log->segs[i + 1]->base : INT64_MAX;
        int lrc = sk_seg_load(seg, log->cfg.index_interval_bytes);
        if (lrc == SK_OK && seg->next_offset <= recovery_point && seg->next_offset <= limit)
            continue; /* flushed and consistent: trusted */
        if (lrc == SK_EIO) {
            snprintf(err, errlen, "cannot read indexes of %s: %s", seg->log_path, strerror(errno));
            rc = SK_EIO;
            goto out;
        }
        if (lrc != SK_OK)
            sk_info(MOD, "%s: rebuilding index files of segment %020" PRId64, log->dir, seg->base);
        int64_t dropped = 0;
        rc = sk_seg_recover(seg, log->cfg.index_interval_bytes, &dropped);
        if (rc != SK_OK) {
            snprintf(err, errlen, "recovery of %s failed: %s", seg->log_path, strerror(errno));
            goto out;
        }
        int64_t later = 0;
        if (dropped > 0 || seg->next_offset > limit) {
            for (size_t j = i + 1; j < log->nsegs; j++) {
                later += log->segs[j]->size;
                plog_discard_segment(log, log->segs[j]);
            }
            log->nsegs = i + 1;
        }
        if (dropped > 0 || later > 0)
            sk_warn(MOD,
                    "%s: invalid or torn data at offset %" PRId64 " (segment %020" PRId64
                    " position %" PRId64 "): dropped %" PRId64 " bytes and %" PRId64
                    " bytes of later segments",
                    log->dir, seg->next_offset, seg->base, seg->size, dropped, later);
    }
    if (log->nsegs == 0) {
        sk_seg_t *seg;
        rc = sk_seg_create(log->dir, 0, now, &seg, err, errlen);
        if (rc != SK_OK)
            goto out;
        plog_push_segment(log, seg);
        log->dir_dirty = 1;
    }
    rc = SK_OK;
out:
    free(bases);
    return rc;
}
