/* log_compact.c - log compaction: keep the latest record of every key
 * (cleanup.policy=compact). The rules and the swap protocol are described
 * in log_plog.h; this file holds the planner (loop), the cleaning pass
 * (worker) and the swap (loop). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "compress.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "storage/plog_int.h"
#include "mem.h"
#include "recbatch.h"

#define MOD "cleaner"
#define READ_CHUNK (1024 * 1024)
/* Compressed batches are opened up to this many bytes of records; a larger
 * (or undecodable) one is kept whole and its keys stay out of the map. */
#define MAX_EXPANDED ((size_t)64 << 20)
/* A pass that was asked to stop (shutdown). */
#define SK_ECANCELLED SK_EAGAIN

/* ---- key map: key bytes -> last offset seen (open addressing) ---- */

typedef struct kent {
    uint64_t hash;
    const uint8_t *key; /* NULL = empty slot */
    int32_t len;
    int64_t offset;
} kent_t;

typedef struct keymap {
    kent_t *t;
    size_t cap, n;
    sk_arena_t *keys;
    int64_t bytes; /* key bytes + slots, against the dedupe buffer size */
} keymap_t;

static uint64_t key_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static void map_init(keymap_t *m)
{
    memset(m, 0, sizeof(*m));
    m->cap = 1024;
    m->t = sk_calloc(m->cap, sizeof(*m->t));
    m->keys = sk_arena_new(64 * 1024);
    m->bytes = (int64_t)(m->cap * sizeof(*m->t));
}

static void map_free(keymap_t *m)
{
    free(m->t);
    sk_arena_free(m->keys);
    memset(m, 0, sizeof(*m));
}

static kent_t *map_slot(kent_t *t, size_t cap, uint64_t h, const uint8_t *k, int32_t len)
{
    size_t i = (size_t)h & (cap - 1);
    for (;;) {
        kent_t *e = &t[i];
        if (!e->key || (e->hash == h && e->len == len && memcmp(e->key, k, (size_t)len) == 0))
            return e;
        i = (i + 1) & (cap - 1);
    }
}

static void map_grow(keymap_t *m)
{
    size_t ncap = m->cap * 2;
    kent_t *nt = sk_calloc(ncap, sizeof(*nt));
    for (size_t i = 0; i < m->cap; i++)
        if (m->t[i].key)
            *map_slot(nt, ncap, m->t[i].hash, m->t[i].key, m->t[i].len) = m->t[i];
    free(m->t);
    m->bytes += (int64_t)((ncap - m->cap) * sizeof(*nt));
    m->t = nt;
    m->cap = ncap;
}

static void map_put(keymap_t *m, const uint8_t *k, int32_t len, int64_t offset)
{
    uint64_t h = key_hash(k, (size_t)len);
    kent_t *e = map_slot(m->t, m->cap, h, k, len);
    if (e->key) {
        if (offset > e->offset)
            e->offset = offset;
        return;
    }
    /* empty keys still need a non-NULL pointer to mark the slot used */
    e->key = sk_arena_memdup(m->keys, len ? (const void *)k : "", len ? (size_t)len : 1);
    e->hash = h;
    e->len = len;
    e->offset = offset;
    m->bytes += len;
    if (++m->n * 10 >= m->cap * 7)
        map_grow(m);
}

static const kent_t *map_get(const keymap_t *m, const uint8_t *k, int32_t len)
{
    const kent_t *e = map_slot(m->t, m->cap, key_hash(k, (size_t)len), k, len);
    return e->key ? e : NULL;
}

/* ---- the plan ---- */

typedef struct in_seg {
    int64_t base, size, next_offset;
    int fd; /* dup, owned by the job */
} in_seg_t;

struct sk_plog_clean_s {
    plog_handle_t *h;
    char *dir;
    int dirfd;
    uint64_t gen, layout_gen;
    int64_t now_ms;
    int64_t delete_horizon; /* tombstones in batches older than this may go */
    int64_t dirty_from;     /* clean_upto when planned */
    int64_t segment_bytes;
    int32_t index_interval;
    int64_t map_max;
    in_seg_t *in;
    size_t nin;   /* cleanable segments */
    size_t ncopy; /* segments this pass rewrites (<= nin after the map limit) */
    sk_seg_t **out;
    size_t *out_first, *out_count;
    size_t nout;
    atomic_int cancel;
    sk_wr_t tmp; /* a compressed batch's records, opened (worker) */
    int rc;
    char err[320];
    sk_plog_clean_stats_t st;
};

/* Number of cleanable segments from the first. */
static size_t cleanable_count(const sk_plog_t *log, int64_t now_ms, int64_t hw)
{
    const sk_plog_config_t *c = &log->cfg;
    size_t n = 0;
    while (n + 1 < log->nsegs) {
        const sk_seg_t *s = log->segs[n];
        if (hw < 0 || s->next_offset > hw)
            break;
        if (c->min_compaction_lag_ms > 0 && now_ms - sk_seg_largest_ts(s) < c->min_compaction_lag_ms)
            break;
        n++;
    }
    return n;
}

double sk_plog_clean_ratio(const sk_plog_t *log, int64_t now_ms, int64_t hw, int *due)
{
    *due = 0;
    if (!log->cfg.cleanup_compact || log->cleaning || log->clean_failed)
        return -1;
    size_t n = cleanable_count(log, now_ms, hw);
    int64_t total = 0, dirty = 0;
    for (size_t i = 0; i < n; i++) {
        const sk_seg_t *s = log->segs[i];
        total += s->size;
        if (s->next_offset > log->clean_upto && s->size > 0) {
            dirty += s->size;
            if (log->cfg.max_compaction_lag_ms < INT64_MAX &&
                now_ms - sk_seg_largest_ts(s) >= log->cfg.max_compaction_lag_ms)
                *due = 1;
        }
    }
    if (dirty == 0 || total == 0) {
        *due = 0;
        return -1;
    }
    return (double)dirty / (double)total;
}

double sk_plog_clean_priority(const sk_plog_t *log, int64_t now_ms, int64_t hw)
{
    int due;
    double ratio = sk_plog_clean_ratio(log, now_ms, hw, &due);
    if (ratio < 0 || (!due && ratio < log->cfg.min_cleanable_ratio))
        return -1;
    return due ? ratio + 1 : ratio;
}

sk_plog_clean_t *sk_plog_clean_plan(sk_plog_t *log, int64_t now_ms, int64_t hw,
                                    int64_t map_max_bytes, int force)
{
    int due;
    double ratio = sk_plog_clean_ratio(log, now_ms, hw, &due);
    if (ratio < 0 || (!force && !due && ratio < log->cfg.min_cleanable_ratio))
        return NULL;
    size_t n = cleanable_count(log, now_ms, hw);
    int dirfd = open(log->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        sk_warn(MOD, "%s: cannot open the directory for cleaning: %s", log->dir, strerror(errno));
        return NULL;
    }
    sk_plog_clean_t *j = sk_calloc(1, sizeof(*j));
    j->dirfd = dirfd;
    j->in = sk_calloc(n, sizeof(*j->in));
    for (size_t i = 0; i < n; i++) {
        const sk_seg_t *s = log->segs[i];
        int fd = plog_dup_fd(s->fd);
        if (fd < 0) {
            sk_warn(MOD, "%s: cannot dup a segment descriptor: %s", log->dir, strerror(errno));
            for (size_t k = 0; k < i; k++)
                close(j->in[k].fd);
            close(dirfd);
            free(j->in);
            free(j);
            return NULL;
        }
        j->in[i] = (in_seg_t){s->base, s->size, s->next_offset, fd};
    }
    j->nin = n;
    j->dir = sk_strdup(log->dir);
    j->gen = log->gen;
    j->layout_gen = log->layout_gen;
    j->now_ms = now_ms;
    int64_t dr = log->cfg.delete_retention_ms < 0 ? 0 : log->cfg.delete_retention_ms;
    j->delete_horizon = now_ms - dr;
    j->dirty_from = log->clean_upto;
    j->segment_bytes = log->cfg.segment_bytes;
    j->index_interval = log->cfg.index_interval_bytes;
    j->map_max = map_max_bytes > 0 ? map_max_bytes : INT64_MAX;
    atomic_init(&j->cancel, 0);
    j->h = log->h;
    log->h->refs++;
    log->cleaning = 1;
    return j;
}

void sk_plog_clean_cancel(sk_plog_clean_t *job) { atomic_store(&job->cancel, 1); }

/* ---- reading a segment batch by batch (worker) ---- */

typedef struct reader {
    int fd;
    int64_t pos, end; /* next batch position, data end */
    uint8_t *buf;
    size_t cap;
} reader_t;

/* Next whole batch: 1 (*p, *len, *pos), 0 at the end, negative on a read
 * error or a malformed batch. */
static int reader_next(reader_t *r, const uint8_t **p, size_t *len, int64_t *pos)
{
    if (r->pos >= r->end)
        return 0;
    uint8_t hdr[SK_BATCH_LOG_OVERHEAD];
    if (r->end - r->pos < SK_BATCH_HEADER_SIZE ||
        pread(r->fd, hdr, sizeof(hdr), (off_t)r->pos) != (ssize_t)sizeof(hdr))
        return SK_ECORRUPT;
    int32_t blen = (int32_t)sk_be32(hdr + SK_BATCH_OFF_LENGTH);
    if (blen < SK_BATCH_HEADER_SIZE - SK_BATCH_LOG_OVERHEAD ||
        r->pos + SK_BATCH_LOG_OVERHEAD + blen > r->end)
        return SK_ECORRUPT;
    size_t n = (size_t)blen + SK_BATCH_LOG_OVERHEAD;
    if (n > r->cap) {
        r->cap = n > READ_CHUNK ? n : READ_CHUNK;
        r->buf = sk_realloc(r->buf, r->cap);
    }
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(r->fd, r->buf + got, n - got, (off_t)(r->pos + (int64_t)got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return SK_EIO;
        got += (size_t)k;
    }
    *p = r->buf;
    *len = n;
    *pos = r->pos;
    r->pos += (int64_t)n;
    return 1;
}

static void reader_start(reader_t *r, const in_seg_t *in)
{
    r->fd = in->fd;
    r->pos = 0;
    r->end = in->size;
}

static int batch_has_records(const sk_batch_info_t *b)
{
    return !(b->attributes & SK_BATCH_ATTR_CONTROL);
}

/* The records of a batch, decompressed if need be (tmp holds them then):
 * 1 with *walk and *wlen set, 0 when the batch has none to look at. */
static int batch_records(const uint8_t *p, size_t len, sk_wr_t *tmp, const uint8_t **walk,
                         size_t *wlen)
{
    sk_batch_info_t b;
    sk_batch_parse_header(p, len, &b);
    if (!batch_has_records(&b))
        return 0;
    *walk = p;
    *wlen = len;
    if (sk_batch_compression(&b) == SK_COMPRESSION_NONE)
        return 1;
    if (sk_batch_expand(p, len, MAX_EXPANDED, tmp) != SK_OK)
        return 0; /* cannot be opened: kept whole */
    *walk = tmp->buf;
    *wlen = tmp->len;
    return 1;
}

/* ---- pass 1: the key map over the dirty segments ---- */

static int on_map_record(const sk_record_t *rec, void *arg)
{
    keymap_t *m = arg;
    if (rec->key.len >= 0)
        map_put(m, (const uint8_t *)rec->key.p, rec->key.len, rec->offset);
    return 0;
}

/* Adds segment i's keys. 0, or negative (error text in the job). */
typedef int (*batch_fn)(sk_plog_clean_t *j, const uint8_t *p, size_t len, void *arg);

/* fn for every batch of input segment i (stopping at a negative return,
 * or when the job is cancelled). 0, or negative (error text in the job). */
static int each_batch(sk_plog_clean_t *j, reader_t *r, size_t i, batch_fn fn, void *arg)
{
    reader_start(r, &j->in[i]);
    const uint8_t *p;
    size_t len;
    int64_t pos;
    int rc;
    while ((rc = reader_next(r, &p, &len, &pos)) == 1) {
        if (atomic_load(&j->cancel))
            return SK_ECANCELLED;
        if ((rc = fn(j, p, len, arg)) < 0)
            return rc;
    }
    if (rc < 0)
        snprintf(j->err, sizeof(j->err), "cannot read segment %020" PRId64 ".log at %" PRId64
                 ": %s", j->in[i].base, r->pos, rc == SK_EIO ? strerror(errno) : "torn batch");
    return rc;
}

/* Adds one batch's keys to the map (arg). */
static int map_batch(sk_plog_clean_t *j, const uint8_t *p, size_t len, void *arg)
{
    const uint8_t *walk;
    size_t wlen;
    if (!batch_records(p, len, &j->tmp, &walk, &wlen))
        return 0;
    if (sk_batch_foreach_record(walk, wlen, on_map_record, arg) < 0) {
        sk_batch_info_t b;
        sk_batch_parse_header(p, len, &b);
        if (sk_batch_compression(&b) != SK_COMPRESSION_NONE)
            return 0; /* undecodable records: the batch is kept whole */
        snprintf(j->err, sizeof(j->err), "malformed batch at offset %" PRId64, b.base_offset);
        return SK_ECORRUPT;
    }
    return 0;
}

static int map_segment(sk_plog_clean_t *j, keymap_t *m, size_t i, reader_t *r)
{
    return each_batch(j, r, i, map_batch, m);
}

/* Map the dirty segments; sets ncopy (a later segment whose keys do not fit
 * ends the pass before it). */
static int build_map(sk_plog_clean_t *j, keymap_t *m, reader_t *r)
{
    size_t first = 0;
    while (first < j->nin && j->in[first].next_offset <= j->dirty_from)
        first++;
    j->ncopy = j->nin;
    for (size_t i = first; i < j->nin; i++) {
        int rc = map_segment(j, m, i, r);
        if (rc < 0)
            return rc;
        if (m->bytes <= j->map_max)
            continue;
        if (i == first) {
            snprintf(j->err, sizeof(j->err), "the keys of segment %020" PRId64 " need %" PRId64
                     " bytes, more than log.cleaner.dedupe.buffer.size (%" PRId64 ")",
                     j->in[i].base, m->bytes, j->map_max);
            return SK_ETOOBIG;
        }
        /* rebuild without segment i */
        map_free(m);
        map_init(m);
        for (size_t k = first; k < i; k++)
            if ((rc = map_segment(j, m, k, r)) < 0)
                return rc;
        j->ncopy = i;
        break;
    }
    return SK_OK;
}

/* ---- pass 2: rewrite ---- */

typedef struct filter {
    const sk_plog_clean_t *j;
    const keymap_t *m;
    int in_clean_part;  /* the batch is below dirty_from */
    int old_enough;     /* the batch is older than the delete horizon */
    sk_wr_t out;        /* kept records, raw */
    int32_t kept, seen;
    int64_t max_ts;
    int64_t removed, tombstones;
} filter_t;

static int on_filter_record(const sk_record_t *rec, void *arg)
{
    filter_t *f = arg;
    f->seen++;
    if (rec->key.len >= 0) {
        const kent_t *e = map_get(f->m, (const uint8_t *)rec->key.p, rec->key.len);
        if (e && rec->offset < e->offset) {
            f->removed++;
            return 0; /* a later record has the key */
        }
        if (rec->value.len < 0 && f->in_clean_part && f->old_enough) {
            f->removed++;
            f->tombstones++;
            return 0; /* a tombstone past delete.retention.ms */
        }
    }
    sk_wr_raw(&f->out, rec->raw, rec->raw_len);
    f->kept++;
    if (rec->timestamp > f->max_ts)
        f->max_ts = rec->timestamp;
    return 0;
}

/* Append one batch to the output segment. */
static int out_write(sk_plog_clean_t *j, sk_seg_t *o, const uint8_t *p, size_t len)
{
    sk_batch_info_t b;
    sk_batch_parse_header(p, len, &b);
    int64_t pos = o->size;
    int rc = sk_seg_write(o, p, len);
    if (rc != SK_OK) {
        snprintf(j->err, sizeof(j->err), "cannot write %s: %s", o->log_path,
                 rc == SK_ENOSPC ? "no space left on device" : strerror(errno));
        return rc;
    }
    sk_seg_note_batch(o, &b, pos, j->index_interval);
    return SK_OK;
}

/* Filter one batch into o. */
static int copy_batch(sk_plog_clean_t *j, const keymap_t *m, sk_seg_t *o, const uint8_t *p,
                      size_t len)
{
    sk_batch_info_t b;
    sk_batch_parse_header(p, len, &b);
    char why[160];
    if (sk_batch_validate(p, len, why, sizeof(why)) != SK_KERR_NONE) {
        /* never copy (or re-checksum) damaged data: stop, the log stays */
        snprintf(j->err, sizeof(j->err), "corrupt batch at offset %" PRId64 ": %s",
                 b.base_offset, why);
        return SK_ECORRUPT;
    }
    const uint8_t *walk;
    size_t wlen;
    if (!batch_records(p, len, &j->tmp, &walk, &wlen))
        return out_write(j, o, p, len); /* control, or compressed beyond reach */
    int codec = sk_batch_compression(&b);
    filter_t f = {.j = j, .m = m, .max_ts = -1};
    f.in_clean_part = sk_batch_last_offset(&b) < j->dirty_from;
    f.old_enough = b.max_timestamp < j->delete_horizon;
    sk_wr_init(&f.out);
    int rc = sk_batch_foreach_record(walk, wlen, on_filter_record, &f);
    if (rc < 0) {
        sk_wr_free(&f.out);
        if (codec != SK_COMPRESSION_NONE)
            return out_write(j, o, p, len); /* undecodable records: kept whole */
        snprintf(j->err, sizeof(j->err), "malformed batch at offset %" PRId64, b.base_offset);
        return SK_ECORRUPT;
    }
    sk_wr_t nb;
    sk_wr_init(&nb);
    if (f.kept == f.seen) {
        rc = out_write(j, o, p, len); /* untouched: the original bytes */
    } else if (f.kept > 0) {
        /* the same header; the kept records, compressed again with the
         * batch's codec (their deltas are relative to the same base) */
        sk_wr_raw(&nb, p, SK_BATCH_HEADER_SIZE);
        if (codec == SK_COMPRESSION_NONE)
            sk_wr_raw(&nb, f.out.buf, f.out.len);
        else if (sk_compress(codec, f.out.buf, f.out.len, &nb) != SK_OK)
            f.kept = -1; /* cannot recompress: keep the batch as it was */
        if (f.kept < 0) {
            rc = out_write(j, o, p, len);
        } else {
            sk_put_be32(nb.buf + SK_BATCH_OFF_LENGTH, (uint32_t)(nb.len - SK_BATCH_LOG_OVERHEAD));
            sk_put_be32(nb.buf + SK_BATCH_OFF_RECORD_COUNT, (uint32_t)f.kept);
            if (!(b.attributes & SK_BATCH_ATTR_LOG_APPEND_TIME))
                sk_put_be64(nb.buf + SK_BATCH_OFF_MAX_TIMESTAMP, (uint64_t)f.max_ts);
            sk_batch_update_crc(nb.buf, nb.len);
            rc = out_write(j, o, nb.buf, nb.len);
        }
    }
    if (f.kept >= 0) {
        j->st.records_removed += f.removed;
        j->st.tombstones_removed += f.tombstones;
    }
    sk_wr_free(&nb);
    sk_wr_free(&f.out);
    return rc;
}

typedef struct copy_ctx {
    const keymap_t *m;
    sk_seg_t *o;
} copy_ctx_t;

static int copy_one(sk_plog_clean_t *j, const uint8_t *p, size_t len, void *arg)
{
    copy_ctx_t *c = arg;
    return copy_batch(j, c->m, c->o, p, len);
}

static int finish_output(sk_plog_clean_t *j, sk_seg_t *o)
{
    sk_seg_finish(o);
    if (sk_seg_write_indexes(o) != SK_OK || sk_seg_fsync(o) != SK_OK) {
        snprintf(j->err, sizeof(j->err), "cannot write or sync %s: %s", o->log_path,
                 strerror(errno));
        return SK_EIO;
    }
    return SK_OK;
}

static void push_out(sk_plog_clean_t *j, sk_seg_t *o, size_t first)
{
    j->out = sk_realloc(j->out, (j->nout + 1) * sizeof(*j->out));
    j->out_first = sk_realloc(j->out_first, (j->nout + 1) * sizeof(*j->out_first));
    j->out_count = sk_realloc(j->out_count, (j->nout + 1) * sizeof(*j->out_count));
    j->out[j->nout] = o;
    j->out_first[j->nout] = first;
    j->out_count[j->nout] = 0;
    j->nout++;
}

static int rewrite(sk_plog_clean_t *j, const keymap_t *m, reader_t *r)
{
    sk_seg_t *o = NULL;
    int64_t group_bytes = 0;
    for (size_t i = 0; i < j->ncopy; i++) {
        const in_seg_t *in = &j->in[i];
        int fits = o && group_bytes + in->size <= j->segment_bytes &&
                   in->next_offset - o->base <= INT32_MAX;
        if (!fits) {
            if (o && finish_output(j, o) != SK_OK)
                return SK_EIO;
            int rc = sk_seg_create_at(j->dirfd, j->dir, in->base, ".cleaned", j->now_ms, &o,
                                      j->err, sizeof(j->err));
            if (rc != SK_OK)
                return rc;
            push_out(j, o, i);
            group_bytes = 0;
        }
        j->out_count[j->nout - 1]++;
        group_bytes += in->size;
        copy_ctx_t cc = {m, o};
        int rc = each_batch(j, r, i, copy_one, &cc);
        if (rc < 0)
            return rc;
    }
    return o ? finish_output(j, o) : SK_OK;
}

void sk_plog_clean_run(sk_plog_clean_t *j)
{
    keymap_t m;
    reader_t r = {0};
    map_init(&m);
    sk_wr_init(&j->tmp);
    int rc = build_map(j, &m, &r);
    if (rc == SK_OK)
        rc = rewrite(j, &m, &r);
    j->rc = rc;
    free(r.buf);
    sk_wr_free(&j->tmp);
    map_free(&m);
}

/* ---- pass 3: swap in (loop) ---- */

static void unlink_outputs(sk_plog_clean_t *j, size_t from)
{
    const char *exts[3] = {".log", ".index", ".timeindex"};
    for (size_t g = from; g < j->nout; g++) {
        for (int k = 0; k < 3; k++) {
            for (int sfx = 0; sfx < 2; sfx++) {
                char name[64];
                snprintf(name, sizeof(name), "%020" PRId64 "%s%s", j->out[g]->base, exts[k],
                         sfx ? ".swap" : ".cleaned");
                unlinkat(j->dirfd, name, 0);
            }
        }
        sk_seg_free(j->out[g]);
        j->out[g] = NULL;
    }
}

static void job_free(sk_plog_clean_t *j)
{
    for (size_t i = 0; i < j->nin; i++)
        close(j->in[i].fd);
    for (size_t g = 0; g < j->nout; g++)
        sk_seg_free(j->out[g]);
    if (j->dirfd >= 0)
        close(j->dirfd);
    free(j->in);
    free(j->out);
    free(j->out_first);
    free(j->out_count);
    free(j->dir);
    free(j);
}

/* Do the log's first segments still match the plan? */
static int plan_current(const sk_plog_clean_t *j, const sk_plog_t *log)
{
    if (log->gen != j->gen || log->layout_gen != j->layout_gen || log->nsegs <= j->ncopy)
        return 0;
    for (size_t i = 0; i < j->ncopy; i++)
        if (log->segs[i]->base != j->in[i].base || log->segs[i]->size != j->in[i].size)
            return 0;
    return 1;
}

static int swap_in(sk_plog_clean_t *j, sk_plog_t *log)
{
    size_t done = 0; /* input segments replaced so far */
    sk_seg_t **segs = sk_calloc(log->nsegs, sizeof(*segs));
    size_t n = 0;
    int rc = SK_OK;
    size_t g;
    for (g = 0; g < j->nout; g++) {
        sk_seg_t *o = j->out[g];
        if (sk_seg_rename_at(o, j->dirfd, j->dir, ".swap") != SK_OK) {
            sk_error(MOD, "%s: cannot rename cleaned segment %020" PRId64 " into place: %s",
                     log->dir, o->base, strerror(errno));
            rc = SK_EIO;
            break;
        }
        for (size_t k = 0; k < j->out_count[g]; k++)
            plog_discard_segment(log, log->segs[j->out_first[g] + k]);
        if (sk_seg_rename_at(o, j->dirfd, j->dir, "") != SK_OK)
            sk_error(MOD, "%s: cannot rename %s: %s (the next start completes the swap)",
                     log->dir, o->log_path, strerror(errno));
        segs[n++] = o;
        j->out[g] = NULL;
        done += j->out_count[g];
        j->st.bytes_out += o->size;
    }
    if (rc != SK_OK)
        unlink_outputs(j, g);
    for (size_t i = done; i < log->nsegs; i++)
        segs[n++] = log->segs[i];
    free(log->segs);
    log->segs = segs;
    log->cap = log->nsegs;
    log->nsegs = n;
    log->dir_dirty = 1;
    if (done > 0) {
        log->clean_upto = log->segs[g]->base;
        j->st.segments_out = (int)g;
        j->st.segments_in = (int)done;
        for (size_t i = 0; i < done; i++)
            j->st.bytes_in += j->in[i].size;
        j->st.first_offset = j->in[0].base;
        j->st.end_offset = log->clean_upto;
    }
    return rc;
}

int sk_plog_clean_finish(sk_plog_clean_t *j, sk_plog_clean_stats_t *stats)
{
    sk_plog_t *log = j->h->log;
    int rc;
    if (log)
        log->cleaning = 0;
    if (!log || j->rc == SK_ECANCELLED) {
        unlink_outputs(j, 0);
        rc = 0;
    } else if (j->rc != SK_OK) {
        sk_error(MOD, "%s: cleaning failed, log left as it was: %s; no more cleaning of this "
                 "log until the broker restarts", log->dir, j->err);
        log->clean_failed = 1;
        unlink_outputs(j, 0);
        rc = j->rc;
    } else if (!plan_current(j, log)) {
        sk_info(MOD, "%s: log changed while it was cleaned (truncated or segments deleted); "
                "result discarded", log->dir);
        unlink_outputs(j, 0);
        rc = 0;
    } else if (j->ncopy == 0) {
        rc = 0;
    } else {
        rc = swap_in(j, log) == SK_OK ? 1 : SK_EIO;
        sk_info(MOD, "%s: cleaned offsets [%" PRId64 ", %" PRId64 "): %d segment(s), %" PRId64
                " bytes -> %d segment(s), %" PRId64 " bytes; %" PRId64 " record(s) removed, %"
                PRId64 " of them tombstones", log->dir, j->st.first_offset, j->st.end_offset,
                j->st.segments_in, j->st.bytes_in, j->st.segments_out, j->st.bytes_out,
                j->st.records_removed, j->st.tombstones_removed);
        sk_plog_flush_async(log); /* the directory */
    }
    if (stats)
        *stats = j->st;
    plog_handle_unref(j->h);
    job_free(j);
    return rc;
}

int sk_plog_compact(sk_plog_t *log, int64_t now_ms, int64_t hw, sk_plog_clean_stats_t *stats)
{
    if (stats)
        memset(stats, 0, sizeof(*stats));
    sk_plog_clean_t *j = sk_plog_clean_plan(log, now_ms, hw, 0, 1);
    if (!j)
        return 0;
    sk_plog_clean_run(j);
    return sk_plog_clean_finish(j, stats);
}
