/* log_segment.c - one log segment: files, sparse indexes, batch scanning,
 * recovery, truncation. */
#include "storage/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "mem.h"

/* ---- small I/O helpers ---- */

/* Reads up to n bytes at off; returns bytes read (short only at EOF) or -1. */
static ssize_t pread_full(int fd, void *buf, size_t n, int64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (uint8_t *)buf + got, n - got, (off_t)(off + (int64_t)got));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int sk_seg_read_range(int fd, int64_t off, int64_t n, uint8_t *buf)
{
    errno = 0;
    ssize_t got = pread_full(fd, buf, (size_t)n, off);
    if (got < 0)
        return SK_EIO;
    return got == n ? SK_OK : SK_ECORRUPT;
}

int sk_seg_sendfile_check(int fd, int64_t off, int64_t n)
{
    int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd < 0)
        return SK_EIO;
    off_t pos = (off_t)off;
    int rc = SK_OK;
    while (n > 0) {
        ssize_t w = sendfile(null_fd, fd, &pos, (size_t)n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = w < 0 ? SK_EIO : SK_ECORRUPT;
            break;
        }
        n -= w;
    }
    int e = errno;
    close(null_fd);
    errno = e;
    return rc;
}

static int pwrite_full(int fd, const void *buf, size_t n, int64_t off, size_t *written)
{
    size_t done = 0;
    int rc = 0;
    while (done < n) {
        ssize_t w = pwrite(fd, (const uint8_t *)buf + done, n - done, (off_t)(off + (int64_t)done));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        if (w == 0) {
            errno = ENOSPC;
            rc = -1;
            break;
        }
        done += (size_t)w;
    }
    if (written)
        *written = done;
    return rc;
}

/* ---- batch header scanner over a file range, buffered ---- */

#define SCAN_BUF 16384

typedef struct scanner {
    int fd;
    int64_t pos, end;
    int64_t buf_off;
    size_t buf_len;
    uint8_t buf[SCAN_BUF];
} scanner_t;

static void scan_init(scanner_t *s, int fd, int64_t pos, int64_t end)
{
    s->fd = fd;
    s->pos = pos;
    s->end = end;
    s->buf_off = 0;
    s->buf_len = 0;
}

/* Next batch header: 1 (info, *pos), 0 at the end, SK_ECORRUPT when the
 * bytes at pos are not a plausible whole batch, SK_EIO on read failure. */
static int scan_next(scanner_t *s, sk_batch_info_t *info, int64_t *pos)
{
    if (s->pos >= s->end)
        return 0;
    if (s->end - s->pos < SK_BATCH_HEADER_SIZE)
        return SK_ECORRUPT;
    if (!(s->buf_off <= s->pos && s->pos + SK_BATCH_HEADER_SIZE <= s->buf_off + (int64_t)s->buf_len)) {
        int64_t want = s->end - s->pos;
        if (want > SCAN_BUF)
            want = SCAN_BUF;
        ssize_t n = pread_full(s->fd, s->buf, (size_t)want, s->pos);
        if (n < 0)
            return SK_EIO;
        s->buf_off = s->pos;
        s->buf_len = (size_t)n;
        if (n < SK_BATCH_HEADER_SIZE)
            return SK_ECORRUPT;
    }
    const uint8_t *p = s->buf + (s->pos - s->buf_off);
    sk_batch_parse_header(p, SK_BATCH_HEADER_SIZE, info);
    if (info->magic != 2 || info->batch_length < SK_BATCH_HEADER_SIZE - SK_BATCH_LOG_OVERHEAD ||
        info->last_offset_delta < 0 || info->record_count < 0 ||
        s->pos + sk_batch_total_size(info) > s->end)
        return SK_ECORRUPT;
    *pos = s->pos;
    s->pos += sk_batch_total_size(info);
    return 1;
}

/* ---- names ---- */

char *sk_seg_path(const char *dir, int64_t base, const char *suffix)
{
    return sk_asprintf("%s/%020" PRId64 "%s", dir, base, suffix);
}

int sk_seg_parse_name(const char *name, const char *suffix, int64_t *base)
{
    size_t sl = strlen(suffix);
    if (strlen(name) != 20 + sl || strcmp(name + 20, suffix) != 0)
        return SK_EPARSE;
    int64_t v = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9')
            return SK_EPARSE;
        int d = name[i] - '0';
        if (v > (INT64_MAX - d) / 10)
            return SK_EPARSE;
        v = v * 10 + d;
    }
    *base = v;
    return SK_OK;
}

/* ---- lifecycle ---- */

static sk_seg_t *seg_alloc(const char *dir, int64_t base, int64_t now_ms)
{
    sk_seg_t *s = sk_calloc(1, sizeof(*s));
    s->base = base;
    s->log_path = sk_seg_path(dir, base, ".log");
    s->idx_path = sk_seg_path(dir, base, ".index");
    s->tidx_path = sk_seg_path(dir, base, ".timeindex");
    s->fd = s->idx_fd = s->tidx_fd = -1;
    s->next_offset = base;
    s->max_ts = -1;
    s->max_ts_offset = -1;
    s->created_ms = now_ms;
    return s;
}

void sk_seg_free(sk_seg_t *seg)
{
    if (!seg)
        return;
    if (seg->fd >= 0)
        close(seg->fd);
    if (seg->idx_fd >= 0)
        close(seg->idx_fd);
    if (seg->tidx_fd >= 0)
        close(seg->tidx_fd);
    free(seg->log_path);
    free(seg->idx_path);
    free(seg->tidx_path);
    free(seg->idx);
    free(seg->tidx);
    free(seg);
}

int sk_seg_create(const char *dir, int64_t base, int64_t now_ms, sk_seg_t **out, char *err,
                  size_t errlen)
{
    sk_seg_t *s = seg_alloc(dir, base, now_ms);
    const int fl = O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC;
    const char *bad = NULL;
    if ((s->fd = open(s->log_path, fl, 0644)) < 0)
        bad = s->log_path;
    else if ((s->idx_fd = open(s->idx_path, fl, 0644)) < 0)
        bad = s->idx_path;
    else if ((s->tidx_fd = open(s->tidx_path, fl, 0644)) < 0)
        bad = s->tidx_path;
    if (bad) {
        int e = errno;
        snprintf(err, errlen, "cannot create %s: %s", bad, strerror(e));
        /* no partial segment left behind (a full disk fails the second file) */
        if (s->fd >= 0)
            unlink(s->log_path);
        if (s->idx_fd >= 0)
            unlink(s->idx_path);
        sk_seg_free(s);
        errno = e;
        return e == ENOSPC || e == EDQUOT ? SK_ENOSPC : SK_EIO;
    }
    *out = s;
    return SK_OK;
}

int sk_seg_open(const char *dir, int64_t base, int64_t now_ms, sk_seg_t **out, int *idx_missing,
                char *err, size_t errlen)
{
    sk_seg_t *s = seg_alloc(dir, base, now_ms);
    struct stat st;
    const char *bad = NULL;
    *idx_missing = 0;
    if ((s->fd = open(s->log_path, O_RDWR | O_CLOEXEC)) < 0 || fstat(s->fd, &st) < 0) {
        bad = s->log_path;
        goto out;
    }
    s->size = st.st_size;
    for (int k = 0; k < 2; k++) {
        const char *path = k ? s->tidx_path : s->idx_path;
        int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
            *idx_missing = 1;
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        }
        if (fd < 0) {
            bad = path;
            goto out;
        }
        if (k)
            s->tidx_fd = fd;
        else
            s->idx_fd = fd;
    }
out:
    if (bad) {
        snprintf(err, errlen, "cannot open %s: %s", bad, strerror(errno));
        sk_seg_free(s);
        return SK_EIO;
    }
    *out = s;
    return SK_OK;
}

/* ---- index bookkeeping ---- */

static void idx_push(sk_seg_t *s, int32_t rel, int32_t pos)
{
    if (s->n_idx == s->cap_idx) {
        s->cap_idx = s->cap_idx ? s->cap_idx * 2 : 64;
        s->idx = sk_realloc(s->idx, s->cap_idx * sizeof(*s->idx));
    }
    s->idx[s->n_idx++] = (sk_seg_idx_t){rel, pos};
}

static void tidx_push(sk_seg_t *s, int64_t ts, int32_t rel)
{
    if (s->n_tidx == s->cap_tidx) {
        s->cap_tidx = s->cap_tidx ? s->cap_tidx * 2 : 64;
        s->tidx = sk_realloc(s->tidx, s->cap_tidx * sizeof(*s->tidx));
    }
    s->tidx[s->n_tidx++] = (sk_seg_tidx_t){ts, rel};
}

static int64_t tidx_last_ts(const sk_seg_t *s)
{
    return s->n_tidx ? s->tidx[s->n_tidx - 1].ts : -1;
}

void sk_seg_note_batch(sk_seg_t *s, const sk_batch_info_t *b, int64_t pos, int32_t interval)
{
    int64_t last = sk_batch_last_offset(b);
    if (b->max_timestamp > s->max_ts) {
        s->max_ts = b->max_timestamp;
        s->max_ts_offset = last;
    }
    if (s->bytes_since_idx >= interval && pos <= INT32_MAX && last - s->base <= INT32_MAX) {
        idx_push(s, (int32_t)(last - s->base), (int32_t)pos);
        if (s->max_ts > tidx_last_ts(s))
            tidx_push(s, s->max_ts, (int32_t)(s->max_ts_offset - s->base));
        s->bytes_since_idx = 0;
    }
    s->bytes_since_idx += sk_batch_total_size(b);
    s->size = pos + sk_batch_total_size(b);
    s->next_offset = last + 1;
}

int sk_seg_index_full(const sk_seg_t *s, int32_t index_max_bytes, size_t n_batches)
{
    size_t max_idx = (size_t)(index_max_bytes > 0 ? index_max_bytes : 0) / SK_SEG_IDX_ENTRY;
    size_t max_tidx = (size_t)(index_max_bytes > 0 ? index_max_bytes : 0) / SK_SEG_TIDX_ENTRY;
    return s->n_idx + n_batches > max_idx || s->n_tidx + n_batches > max_tidx;
}

int sk_seg_write_indexes(sk_seg_t *s)
{
    int rc = SK_OK;
    if (s->n_idx > s->idx_file_n) {
        size_t n = s->n_idx - s->idx_file_n;
        uint8_t *buf = sk_malloc(n * SK_SEG_IDX_ENTRY);
        for (size_t i = 0; i < n; i++) {
            sk_put_be32(buf + i * 8, (uint32_t)s->idx[s->idx_file_n + i].rel);
            sk_put_be32(buf + i * 8 + 4, (uint32_t)s->idx[s->idx_file_n + i].pos);
        }
        if (pwrite_full(s->idx_fd, buf, n * 8, (int64_t)s->idx_file_n * 8, NULL) == 0) {
            s->idx_file_n = s->n_idx;
        } else {
            rc = SK_EIO;
            if (ftruncate(s->idx_fd, (off_t)s->idx_file_n * 8) < 0)
                rc = SK_EIO;
        }
        free(buf);
    }
    if (s->n_tidx > s->tidx_file_n) {
        size_t n = s->n_tidx - s->tidx_file_n;
        uint8_t *buf = sk_malloc(n * SK_SEG_TIDX_ENTRY);
        for (size_t i = 0; i < n; i++) {
            sk_put_be64(buf + i * 12, (uint64_t)s->tidx[s->tidx_file_n + i].ts);
            sk_put_be32(buf + i * 12 + 8, (uint32_t)s->tidx[s->tidx_file_n + i].rel);
        }
        if (pwrite_full(s->tidx_fd, buf, n * 12, (int64_t)s->tidx_file_n * 12, NULL) == 0) {
            s->tidx_file_n = s->n_tidx;
        } else {
            rc = SK_EIO;
            if (ftruncate(s->tidx_fd, (off_t)s->tidx_file_n * 12) < 0)
                rc = SK_EIO;
        }
        free(buf);
    }
    return rc;
}

/* Rewrites both index files from the in-memory arrays. */
static int rewrite_indexes(sk_seg_t *s)
{
    if (ftruncate(s->idx_fd, 0) < 0 || ftruncate(s->tidx_fd, 0) < 0)
        return SK_EIO;
    s->idx_file_n = 0;
    s->tidx_file_n = 0;
    return sk_seg_write_indexes(s);
}

void sk_seg_finish(sk_seg_t *s)
{
    if (s->max_ts > tidx_last_ts(s) && s->max_ts_offset - s->base <= INT32_MAX &&
        s->max_ts_offset >= s->base) {
        tidx_push(s, s->max_ts, (int32_t)(s->max_ts_offset - s->base));
        sk_seg_write_indexes(s);
    }
}

/* ---- load / recover ---- */

/* Reads a whole index file (size must be a multiple of entry). */
static int read_index_file(int fd, size_t entry, uint8_t **data, size_t *n)
{
    struct stat st;
    *data = NULL;
    *n = 0;
    if (fstat(fd, &st) < 0)
        return SK_EIO;
    if (st.st_size % (off_t)entry != 0 || st.st_size > (off_t)1 << 30)
        return SK_ECORRUPT;
    if (st.st_size == 0)
        return SK_OK;
    uint8_t *b = sk_malloc((size_t)st.st_size);
    if (pread_full(fd, b, (size_t)st.st_size, 0) != (ssize_t)st.st_size) {
        free(b);
        return SK_EIO;
    }
    *data = b;
    *n = (size_t)st.st_size / entry;
    return SK_OK;
}

/* Walks the batches after the last offset-index entry (or from 0), setting
 * next_offset, max_ts and bytes_since_idx. With check set, the batch at the
 * last entry must be the one the entry names, and a tail that should have
 * had two or more entries counts as a damaged index. */
static int scan_tail(sk_seg_t *s, int check, int32_t interval)
{
    int64_t start = s->n_idx ? s->idx[s->n_idx - 1].pos : 0;
    scanner_t *sc = sk_malloc(sizeof(*sc));
    scan_init(sc, s->fd, start, s->size);
    sk_batch_info_t b;
    int64_t pos, next = s->n_idx ? s->base + s->idx[s->n_idx - 1].rel + 1 : s->base;
    int64_t tmax = -1, tmax_off = -1, since = 0;
    int first = 1, missing = 0, rc;
    while ((rc = scan_next(sc, &b, &pos)) == 1) {
        int64_t last = sk_batch_last_offset(&b);
        if (first && s->n_idx) {
            if (last != s->base + s->idx[s->n_idx - 1].rel) {
                rc = SK_ECORRUPT;
                break;
            }
        } else {
            if (b.base_offset < next || last - s->base > INT32_MAX) {
                rc = SK_ECORRUPT;
                break;
            }
            if (since >= interval)
                missing++;
        }
        since += sk_batch_total_size(&b);
        if (b.max_timestamp > tmax) {
            tmax = b.max_timestamp;
            tmax_off = last;
        }
        next = last + 1;
        first = 0;
    }
    free(sc);
    if (rc < 0)
        return rc;
    if (check && (missing >= 2 || (s->n_idx && first)))
        return SK_ECORRUPT;
    s->next_offset = s->size ? next : s->base;
    if (tmax > tidx_last_ts(s)) {
        s->max_ts = tmax;
        s->max_ts_offset = tmax_off;
    } else if (s->n_tidx) {
        s->max_ts = s->tidx[s->n_tidx - 1].ts;
        s->max_ts_offset = s->base + s->tidx[s->n_tidx - 1].rel;
    } else {
        s->max_ts = -1;
        s->max_ts_offset = -1;
    }
    s->bytes_since_idx = s->size - start;
    if (s->n_tidx && s->base + s->tidx[s->n_tidx - 1].rel >= s->next_offset)
        return SK_ECORRUPT;
    return SK_OK;
}

int sk_seg_load(sk_seg_t *s, int32_t interval)
{
    uint8_t *raw = NULL;
    size_t n = 0;
    int rc = read_index_file(s->idx_fd, SK_SEG_IDX_ENTRY, &raw, &n);
    if (rc != SK_OK)
        goto out;
    s->n_idx = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t rel = (int32_t)sk_be32(raw + i * 8), pos = (int32_t)sk_be32(raw + i * 8 + 4);
        if (rel < 0 || pos < 0 || pos >= s->size ||
            (s->n_idx && (rel <= s->idx[s->n_idx - 1].rel || pos <= s->idx[s->n_idx - 1].pos))) {
            rc = SK_ECORRUPT;
            goto out;
        }
        idx_push(s, rel, pos);
    }
    s->idx_file_n = s->n_idx;
    free(raw);
    raw = NULL;
    rc = read_index_file(s->tidx_fd, SK_SEG_TIDX_ENTRY, &raw, &n);
    if (rc != SK_OK)
        goto out;
    s->n_tidx = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t ts = (int64_t)sk_be64(raw + i * 12);
        int32_t rel = (int32_t)sk_be32(raw + i * 12 + 8);
        if (rel < 0 || (s->n_tidx && (ts < s->tidx[s->n_tidx - 1].ts ||
                                      rel < s->tidx[s->n_tidx - 1].rel))) {
            rc = SK_ECORRUPT;
            goto out;
        }
        tidx_push(s, ts, rel);
    }
    s->tidx_file_n = s->n_tidx;
    rc = scan_tail(s, 1, interval);
out:
    free(raw);
    if (rc != SK_OK) {
        s->n_idx = s->n_tidx = 0;
        s->idx_file_n = s->tidx_file_n = 0;
    }
    return rc;
}

int sk_seg_recover(sk_seg_t *s, int32_t interval, int64_t *dropped_bytes)
{
    struct stat st;
    *dropped_bytes = 0;
    if (fstat(s->fd, &st) < 0)
        return SK_EIO;
    int64_t fsize = st.st_size, pos = 0;
    size_t cap = 65536;
    uint8_t *buf = sk_malloc(cap);
    int rc = SK_OK;

    s->n_idx = s->n_tidx = 0;
    s->max_ts = s->max_ts_offset = -1;
    s->bytes_since_idx = 0;
    s->next_offset = s->base;
    s->size = 0;
    while (pos < fsize) {
        sk_batch_info_t b;
        if (fsize - pos < SK_BATCH_HEADER_SIZE)
            break;
        if (pread_full(s->fd, buf, SK_BATCH_HEADER_SIZE, pos) != SK_BATCH_HEADER_SIZE) {
            rc = SK_EIO;
            goto out;
        }
        sk_batch_parse_header(buf, SK_BATCH_HEADER_SIZE, &b);
        int64_t total = sk_batch_total_size(&b);
        if (b.magic != 2 || b.batch_length < SK_BATCH_HEADER_SIZE - SK_BATCH_LOG_OVERHEAD ||
            pos + total > fsize || b.base_offset < s->next_offset || b.last_offset_delta < 0 ||
            b.record_count < 0 || sk_batch_last_offset(&b) - s->base > INT32_MAX)
            break;
        uint32_t crc = 0;
        int64_t at = pos + SK_BATCH_CRC_START, end = pos + total;
        while (at < end) {
            size_t want = (size_t)(end - at < (int64_t)cap ? end - at : (int64_t)cap);
            if (pread_full(s->fd, buf, want, at) != (ssize_t)want) {
                rc = SK_EIO;
                goto out;
            }
            crc = sk_crc32c(crc, buf, want);
            at += (int64_t)want;
        }
        if (crc != b.crc)
            break;
        sk_seg_note_batch(s, &b, pos, interval);
        pos += total;
    }
    if (pos < fsize) {
        if (ftruncate(s->fd, (off_t)pos) < 0) {
            rc = SK_EIO;
            goto out;
        }
        *dropped_bytes = fsize - pos;
    }
    s->size = pos;
    rc = rewrite_indexes(s);
out:
    free(buf);
    return rc;
}

/* ---- append ---- */

int sk_seg_write(sk_seg_t *s, const uint8_t *data, size_t len)
{
    size_t written = 0;
    if (pwrite_full(s->fd, data, len, s->size, &written) == 0)
        return SK_OK;
    int e = errno;
    /* Never leave a torn batch behind: cut back to the previous end. */
    if (written > 0 && ftruncate(s->fd, (off_t)s->size) < 0)
        e = EIO;
    if (e == ENOSPC || e == EFBIG || e == EDQUOT)
        return SK_ENOSPC;
    return SK_EIO;
}

/* ---- lookups ---- */

/* Position to start scanning for offset: the entry with the largest
 * (last) offset <= offset, else 0. */
static int64_t idx_lookup(const sk_seg_t *s, int64_t offset)
{
    size_t lo = 0, hi = s->n_idx;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->base + s->idx[mid].rel <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? s->idx[lo - 1].pos : 0;
}

int sk_seg_find(sk_seg_t *s, int64_t offset, int64_t *pos, sk_batch_info_t *info)
{
    scanner_t *sc = sk_malloc(sizeof(*sc));
    int64_t start = idx_lookup(s, offset);
    int rc;
    for (;;) {
        scan_init(sc, s->fd, start, s->size);
        while ((rc = scan_next(sc, info, pos)) == 1)
            if (sk_batch_last_offset(info) >= offset)
                break;
        if (rc != SK_ECORRUPT || start == 0)
            break;
        /* Only the last index entry is verified at open; a damaged earlier
         * one lands mid-batch. Fall back to a scan from the start. */
        sk_warn("log", "%s: index entry at position %" PRId64 " is not a batch boundary; "
                "scanning from the segment start", s->idx_path, start);
        start = 0;
    }
    free(sc);
    return rc;
}

int sk_seg_read_extent(sk_seg_t *s, int64_t pos, const sk_batch_info_t *first, int64_t max_offset,
                       int64_t max_bytes, int64_t *len)
{
    int64_t total = sk_batch_total_size(first);
    scanner_t *sc = sk_malloc(sizeof(*sc));
    scan_init(sc, s->fd, pos + total, s->size);
    sk_batch_info_t b;
    int64_t p;
    while (scan_next(sc, &b, &p) == 1) {
        if (sk_batch_last_offset(&b) >= max_offset || total + sk_batch_total_size(&b) > max_bytes)
            break;
        total += sk_batch_total_size(&b);
    }
    free(sc);
    *len = total;
    return SK_OK;
}

int sk_seg_foreach_batch(sk_seg_t *s, int64_t pos, sk_seg_batch_fn fn, void *arg)
{
    scanner_t *sc = sk_malloc(sizeof(*sc));
    scan_init(sc, s->fd, pos, s->size);
    sk_batch_info_t b;
    int64_t at;
    int rc;
    while ((rc = scan_next(sc, &b, &at)) == 1) {
        int stop = fn(&b, at, arg);
        if (stop) {
            rc = stop;
            break;
        }
    }
    free(sc);
    return rc;
}

int sk_seg_truncate(sk_seg_t *s, int64_t pos)
{
    if (pos > s->size)
        return SK_EINVAL;
    if (ftruncate(s->fd, (off_t)pos) < 0)
        return SK_EIO;
    s->size = pos;
    while (s->n_idx && s->idx[s->n_idx - 1].pos >= pos)
        s->n_idx--;
    /* next_offset first (from the remaining offset index), then the time
     * index entries beyond it go. */
    size_t keep_tidx = s->n_tidx;
    s->n_tidx = 0; /* scan_tail must not trust them yet */
    int rc = scan_tail(s, 0, 0);
    s->n_tidx = keep_tidx;
    while (s->n_tidx && s->base + s->tidx[s->n_tidx - 1].rel >= s->next_offset)
        s->n_tidx--;
    if (rc == SK_OK)
        rc = scan_tail(s, 0, 0); /* recompute max_ts with the kept entries */
    if (s->idx_file_n > s->n_idx)
        s->idx_file_n = s->n_idx;
    if (s->tidx_file_n > s->n_tidx)
        s->tidx_file_n = s->n_tidx;
    if (ftruncate(s->idx_fd, (off_t)s->idx_file_n * SK_SEG_IDX_ENTRY) < 0 ||
        ftruncate(s->tidx_fd, (off_t)s->tidx_file_n * SK_SEG_TIDX_ENTRY) < 0)
        rc = SK_EIO;
    return rc;
}

struct ts_find {
    int64_t ts, min_offset;
    int64_t offset, found_ts;
};

static int on_record_ts(const sk_record_t *rec, void *arg)
{
    struct ts_find *f = arg;
    if (rec->offset >= f->min_offset && rec->timestamp >= f->ts) {
        f->offset = rec->offset;
        f->found_ts = rec->timestamp;
        return 1;
    }
    return 0;
}

int sk_seg_offset_for_time(sk_seg_t *s, int64_t ts, int64_t *offset, int64_t *found_ts)
{
    if (s->max_ts < ts || s->size == 0)
        return 0;
    /* Offsets up to a time-index entry's offset have timestamps <= its ts. */
    int64_t start = s->base;
    size_t lo = 0, hi = s->n_tidx;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->tidx[mid].ts < ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo)
        start = s->base + s->tidx[lo - 1].rel + 1;
    int64_t pos;
    sk_batch_info_t b;
    int rc = sk_seg_find(s, start, &pos, &b);
    if (rc <= 0)
        return rc;
    scanner_t *sc = sk_malloc(sizeof(*sc));
    scan_init(sc, s->fd, pos, s->size);
    uint8_t *buf = NULL;
    size_t cap = 0;
    int found = 0;
    while ((rc = scan_next(sc, &b, &pos)) == 1) {
        if (b.max_timestamp < ts)
            continue;
        if (sk_batch_compression(&b) != SK_COMPRESSION_NONE) {
            *offset = b.base_offset > start ? b.base_offset : start;
            *found_ts = b.max_timestamp;
            found = 1;
            break;
        }
        size_t total = (size_t)sk_batch_total_size(&b);
        if (total > cap) {
            cap = total;
            buf = sk_realloc(buf, cap);
        }
        if (pread_full(s->fd, buf, total, pos) != (ssize_t)total) {
            rc = SK_EIO;
            break;
        }
        struct ts_find f = {ts, start, -1, -1};
        if (sk_batch_foreach_record(buf, total, on_record_ts, &f) == 1) {
            *offset = f.offset;
            *found_ts = f.found_ts;
            found = 1;
            break;
        }
    }
    free(buf);
    free(sc);
    if (found)
        return 1;
    return rc < 0 ? rc : 0;
}

int sk_seg_fsync(sk_seg_t *s)
{
    int rc = SK_OK;
    if (fsync(s->fd) < 0)
        rc = SK_EIO;
    if (fsync(s->idx_fd) < 0)
        rc = SK_EIO;
    if (fsync(s->tidx_fd) < 0)
        rc = SK_EIO;
    return rc;
}

int sk_seg_rename_deleted(sk_seg_t *s)
{
    char **paths[3] = {&s->log_path, &s->idx_path, &s->tidx_path};
    int rc = SK_OK;
    for (int i = 0; i < 3; i++) {
        char *np = sk_asprintf("%s.deleted", *paths[i]);
        if (rename(*paths[i], np) < 0 && errno != ENOENT)
            rc = SK_EIO;
        free(*paths[i]);
        *paths[i] = np;
    }
    return rc;
}

/* ---- compaction helpers ---- */

int sk_seg_create_at(int dirfd, const char *dir, int64_t base, const char *suffix, int64_t now_ms,
                     sk_seg_t **out, char *err, size_t errlen)
{
    sk_seg_t *s = seg_alloc(dir, base, now_ms);
    char **paths[3] = {&s->log_path, &s->idx_path, &s->tidx_path};
    int *fds[3] = {&s->fd, &s->idx_fd, &s->tidx_fd};
    for (int i = 0; i < 3; i++) {
        char *np = sk_asprintf("%s%s", *paths[i], suffix);
        free(*paths[i]);
        *paths[i] = np;
        const char *name = strrchr(np, '/') ? strrchr(np, '/') + 1 : np;
        *fds[i] = openat(dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (*fds[i] < 0) {
            snprintf(err, errlen, "cannot create %s: %s", np, strerror(errno));
            sk_seg_free(s);
            return SK_EIO;
        }
    }
    *out = s;
    return SK_OK;
}

int sk_seg_rename_at(sk_seg_t *s, int dirfd, const char *dir, const char *suffix)
{
    char **paths[3] = {&s->idx_path, &s->tidx_path, &s->log_path};
    const char *exts[3] = {".index", ".timeindex", ".log"};
    for (int i = 0; i < 3; i++) {
        char *np = sk_asprintf("%s/%020" PRId64 "%s%s", dir, s->base, exts[i], suffix);
        const char *from = strrchr(*paths[i], '/') ? strrchr(*paths[i], '/') + 1 : *paths[i];
        const char *to = strrchr(np, '/') + 1;
        if (strcmp(from, to) != 0 && renameat(dirfd, from, dirfd, to) < 0) {
            free(np);
            return SK_EIO;
        }
        free(*paths[i]);
        *paths[i] = np;
    }
    return SK_OK;
}

int64_t sk_seg_largest_ts(const sk_seg_t *seg)
{
    if (seg->max_ts >= 0)
        return seg->max_ts;
    struct stat st;
    if (seg->fd < 0 || fstat(seg->fd, &st) < 0)
        return INT64_MAX;
    return (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}
