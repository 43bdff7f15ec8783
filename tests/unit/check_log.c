/* check_log.c - partition log storage: append/read, indexes, rolling,
 * recovery, truncation, time lookups, flushing via the diskio pool. */
#include "storage/plog.h"

#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "storage/checkpoint.h"
#include "clock.h"
#include "storage/diskio.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "recbatch.h"

static char tmpdir[256];
static char logdir[300];

static void setup(void)
{
    sk_log_set_level(SK_LOG_ERROR);
    strcpy(tmpdir, "/tmp/sk-check-log-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(logdir, sizeof(logdir), "%s/topic-a-0", tmpdir);
}

static void teardown(void)
{
    sk_plog_rmtree(tmpdir);
}

/* One batch of n records, values of vsize bytes, timestamps ts, ts+1, ... */
static void add_batch(sk_wr_t *w, int n, size_t vsize, int64_t ts)
{
    sk_record_in_t *r = calloc((size_t)n, sizeof(*r));
    char *val = malloc(vsize + 1);
    for (size_t i = 0; i < vsize; i++)
        val[i] = (char)('a' + (int)((i + (size_t)ts) % 26));
    for (int i = 0; i < n; i++) {
        r[i].timestamp = ts + i;
        r[i].key = "k";
        r[i].key_len = 1;
        r[i].value = val;
        r[i].value_len = (int32_t)vsize;
    }
    sk_batch_build(w, 0, NULL, r, n);
    free(val);
    free(r);
}

static sk_plog_config_t small_cfg(int64_t seg_bytes)
{
    sk_plog_config_t c;
    sk_plog_config_defaults(&c);
    c.segment_bytes = seg_bytes;
    return c;
}

static sk_plog_t *open_log(const sk_plog_config_t *cfg, int64_t rp)
{
    sk_plog_t *log = NULL;
    char err[256] = "";
    int rc = sk_plog_open(logdir, cfg, NULL, rp, &log, err, sizeof(err));
    ck_assert_msg(rc == 0, "open failed: %s", err);
    return log;
}

/* Appends one batch (n records) and returns its first offset. */
static int64_t append1(sk_plog_t *log, int n, size_t vsize, int64_t ts)
{
    sk_wr_t w;
    sk_wr_init(&w);
    add_batch(&w, n, vsize, ts);
    int64_t first, last;
    ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, 5, &first, &last), 0);
    ck_assert_int_eq(last - first + 1, n);
    sk_wr_free(&w);
    return first;
}

static uint8_t *read_slice(const sk_plog_slice_t *s)
{
    uint8_t *b = malloc((size_t)s->len + 1);
    ck_assert_int_eq(pread(s->fd, b, (size_t)s->len, s->file_pos), s->len);
    return b;
}

static off_t file_size(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -1;
    return st.st_size;
}

static char *seg_file(int64_t base, const char *suffix)
{
    static char buf[512];
    snprintf(buf, sizeof(buf), "%s/%020lld%s", logdir, (long long)base, suffix);
    return buf;
}

/* ---- tests ---- */

START_TEST(test_roundtrip)
{
    sk_plog_t *log = open_log(NULL, 0);
    ck_assert_int_eq(sk_plog_end_offset(log), 0);
    ck_assert_int_eq(sk_plog_start_offset(log), 0);
    sk_wr_t all;
    sk_wr_init(&all);
    int64_t expect = 0;
    for (int i = 0; i < 200; i++) {
        sk_wr_t w;
        sk_wr_init(&w);
        int n = 1 + i % 5;
        add_batch(&w, n, 10 + (size_t)i, 1000 + i);
        int64_t first, last;
        ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, 7, &first, &last), 0);
        ck_assert_int_eq(first, expect);
        ck_assert_int_eq(last, expect + n - 1);
        /* stamped in place, CRC still valid */
        sk_batch_info_t h;
        sk_batch_parse_header(w.buf, w.len, &h);
        ck_assert_int_eq(h.base_offset, first);
        ck_assert_int_eq(h.partition_leader_epoch, 7);
        ck_assert_int_eq(sk_batch_validate(w.buf, w.len, NULL, 0), SK_KERR_NONE);
        sk_wr_raw(&all, w.buf, w.len);
        expect = last + 1;
        sk_wr_free(&w);
    }
    ck_assert_int_eq(sk_plog_end_offset(log), expect);
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(log, 0, expect, INT32_MAX, &s), 0);
    ck_assert_int_eq(s.len, (int64_t)all.len);
    ck_assert_int_eq(s.first_batch_offset, 0);
    uint8_t *b = read_slice(&s);
    ck_assert_mem_eq(b, all.buf, all.len);
    free(b);
    close(s.fd);
    /* every offset maps to the batch holding it */
    size_t pos = 0;
    while (pos < all.len) {
        sk_batch_info_t h;
        sk_batch_parse_header(all.buf + pos, all.len - pos, &h);
        for (int64_t o = h.base_offset; o <= sk_batch_last_offset(&h); o++) {
            ck_assert_int_eq(sk_plog_read(log, o, expect, 1, &s), 0);
            ck_assert_int_eq(s.first_batch_offset, h.base_offset);
            ck_assert_int_eq(s.len, sk_batch_total_size(&h));
            b = read_slice(&s);
            ck_assert_mem_eq(b, all.buf + pos, (size_t)s.len);
            free(b);
            close(s.fd);
        }
        pos += (size_t)sk_batch_total_size(&h);
    }
    sk_wr_free(&all);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_read_boundaries)
{
    sk_plog_t *log = open_log(NULL, 0);
    for (int i = 0; i < 10; i++)
        append1(log, 3, 50, 100 * i); /* offsets 3i .. 3i+2 */
    sk_plog_slice_t s;
    /* offset == LEO: nothing, not an error */
    ck_assert_int_eq(sk_plog_read(log, 30, 30, 1000, &s), 0);
    ck_assert_int_eq(s.len, 0);
    ck_assert_int_eq(s.fd, -1);
    /* beyond LEO, below start: out of range */
    ck_assert_int_eq(sk_plog_read(log, 31, 31, 1000, &s), SK_EINVAL);
    ck_assert_int_eq(sk_plog_read(log, -1, 30, 1000, &s), SK_EINVAL);
    /* offset == max_offset (HW): nothing */
    ck_assert_int_eq(sk_plog_read(log, 12, 12, 1000, &s), 0);
    ck_assert_int_eq(s.len, 0);
    /* HW inside the range: only whole batches below it */
    ck_assert_int_eq(sk_plog_read(log, 0, 12, INT32_MAX, &s), 0);
    int64_t one = s.len / 4;
    ck_assert_int_eq(s.len % 4, 0); /* 4 equal-size batches: 0-2,3-5,6-8,9-11 */
    close(s.fd);
    /* a batch straddling the HW is not returned */
    ck_assert_int_eq(sk_plog_read(log, 10, 11, INT32_MAX, &s), 0);
    ck_assert_int_eq(s.len, 0);
    /* max_bytes: at least one batch, then whole batches that fit */
    ck_assert_int_eq(sk_plog_read(log, 4, 30, 0, &s), 0);
    ck_assert_int_eq(s.len, one);
    ck_assert_int_eq(s.first_batch_offset, 3);
    close(s.fd);
    ck_assert_int_eq(sk_plog_read(log, 4, 30, (int32_t)(2 * one + one / 2), &s), 0);
    ck_assert_int_eq(s.len, 2 * one);
    close(s.fd);
    /* last offset of the log */
    ck_assert_int_eq(sk_plog_read(log, 29, 30, 1, &s), 0);
    ck_assert_int_eq(s.first_batch_offset, 27);
    close(s.fd);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_roll_by_size)
{
    sk_plog_config_t c = small_cfg(1 << 20);
    sk_plog_t *log = open_log(&c, 0);
    int64_t bases[400];
    int nb = 0;
    size_t total = 0;
    while (total < (20u << 20)) {
        bases[nb] = append1(log, 2, 50000, nb * 10);
        nb++;
        total += 100100;
    }
    ck_assert_int_ge(sk_plog_segment_count(log), 20);
    /* every segment has its three files and stays within segment_bytes */
    DIR *d = opendir(logdir);
    int nlog = 0, nidx = 0, ntidx = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".log")) {
            nlog++;
            char p[600];
            snprintf(p, sizeof(p), "%s/%s", logdir, de->d_name);
            ck_assert_int_le(file_size(p), 1 << 20);
        } else if (l > 10 && !strcmp(de->d_name + l - 10, ".timeindex")) {
            ntidx++;
        } else if (l > 6 && !strcmp(de->d_name + l - 6, ".index")) {
            nidx++;
        }
    }
    closedir(d);
    ck_assert_int_eq(nlog, sk_plog_segment_count(log));
    ck_assert_int_eq(nidx, nlog);
    ck_assert_int_eq(ntidx, nlog);
    /* reading from any offset gives the right batch */
    for (int i = 0; i < nb; i++) {
        for (int k = 0; k < 2; k++) {
            sk_plog_slice_t s;
            ck_assert_int_eq(sk_plog_read(log, bases[i] + k, sk_plog_end_offset(log), 1, &s), 0);
            ck_assert_int_eq(s.first_batch_offset, bases[i]);
            uint8_t hdr[61];
            ck_assert_int_eq(pread(s.fd, hdr, 61, s.file_pos), 61);
            sk_batch_info_t h;
            sk_batch_parse_header(hdr, 61, &h);
            ck_assert_int_eq(h.base_offset, bases[i]);
            ck_assert_int_eq(h.max_timestamp, i * 10 + 1);
            close(s.fd);
        }
    }
    /* reads stay inside one segment */
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(log, 0, sk_plog_end_offset(log), INT32_MAX, &s), 0);
    ck_assert_int_le(s.len, 1 << 20);
    close(s.fd);
    sk_plog_close(log);
    /* reopen: all segments, same LEO */
    log = open_log(&c, 0);
    ck_assert_int_eq(sk_plog_end_offset(log), bases[nb - 1] + 2);
    ck_assert_int_eq(sk_plog_segment_count(log), nlog);
    sk_plog_close(log);
}
END_TEST

static int64_t fake_now = 1000000;
static int64_t fake_clock(void) { return fake_now; }

START_TEST(test_roll_by_age)
{
    sk_plog_config_t c = small_cfg(1 << 30);
    c.roll_ms = 1000;
    /* the first segment is stamped with the real clock at open */
    fake_now = sk_wall_ms();
    sk_plog_t *log = open_log(&c, 0);
    sk_plog_set_clock(log, fake_clock);
    /* an empty segment never rolls, so the first append lands in it */
    fake_now += 5000;
    append1(log, 1, 10, 1);
    ck_assert_int_eq(sk_plog_segment_count(log), 1);
    fake_now += 5000;
    append1(log, 1, 10, 2); /* old segment: roll */
    ck_assert_int_eq(sk_plog_segment_count(log), 2);
    fake_now += 999;
    append1(log, 1, 10, 3);
    ck_assert_int_eq(sk_plog_segment_count(log), 2);
    fake_now += 1;
    append1(log, 1, 10, 4);
    ck_assert_int_eq(sk_plog_segment_count(log), 3);
    ck_assert_int_eq(sk_plog_end_offset(log), 4);
    ck_assert_int_ge(file_size(seg_file(3, ".log")), 61);
    sk_plog_close(log);
}
END_TEST

/* Reads an index file and checks each entry names a batch boundary whose
 * last offset matches. Returns the entry count. */
static int check_index_file(int64_t base)
{
    char ip[600];
    snprintf(ip, sizeof(ip), "%s", seg_file(base, ".index"));
    int ifd = open(ip, O_RDONLY);
    ck_assert_int_ge(ifd, 0);
    int lfd = open(seg_file(base, ".log"), O_RDONLY);
    ck_assert_int_ge(lfd, 0);
    off_t sz = lseek(ifd, 0, SEEK_END);
    ck_assert_int_eq(sz % 8, 0);
    int n = (int)(sz / 8);
    int32_t prev = -1;
    for (int i = 0; i < n; i++) {
        uint8_t e[8], hdr[61];
        ck_assert_int_eq(pread(ifd, e, 8, i * 8), 8);
        int32_t rel = (int32_t)sk_be32(e), pos = (int32_t)sk_be32(e + 4);
        ck_assert_int_gt(rel, prev);
        prev = rel;
        ck_assert_int_eq(pread(lfd, hdr, 61, pos), 61);
        sk_batch_info_t h;
        sk_batch_parse_header(hdr, 61, &h);
        ck_assert_int_eq(sk_batch_last_offset(&h), base + rel);
    }
    close(ifd);
    close(lfd);
    return n;
}

START_TEST(test_index_sparsity)
{
    sk_plog_t *log = open_log(NULL, 0);
    sk_wr_t w;
    sk_wr_init(&w);
    add_batch(&w, 1, 930, 0);
    size_t bsize = w.len; /* ~1000 bytes */
    sk_wr_free(&w);
    for (int i = 0; i < 1000; i++)
        append1(log, 1, 930, i);
    sk_plog_close(log);
    int n = check_index_file(0);
    /* one entry per >= 4096 bytes: every ceil(4096/bsize) batches */
    int per = (int)((4096 + bsize - 1) / bsize);
    ck_assert_int_ge(n, 1000 / (per + 1) - 1);
    ck_assert_int_le(n, 1000 / per + 1);
    off_t tsz = file_size(seg_file(0, ".timeindex"));
    ck_assert_int_eq(tsz % 12, 0);
    ck_assert_int_ge(tsz / 12, n); /* increasing timestamps: an entry with each, plus the final */
    ck_assert_int_le(tsz / 12, n + 1);
}
END_TEST

START_TEST(test_reopen_clean)
{
    sk_plog_t *log = open_log(NULL, 0);
    for (int i = 0; i < 50; i++)
        append1(log, 2, 300, i);
    int64_t leo = sk_plog_end_offset(log);
    ck_assert_int_eq(sk_plog_flush_sync(log), 0);
    ck_assert_int_eq(sk_plog_recovery_point(log), leo);
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(log, 0, leo, INT32_MAX, &s), 0);
    uint8_t *before = read_slice(&s);
    int64_t blen = s.len;
    close(s.fd);
    sk_plog_close(log);
    off_t isz = file_size(seg_file(0, ".index"));

    log = open_log(NULL, leo);
    ck_assert_int_eq(sk_plog_end_offset(log), leo);
    ck_assert_int_eq(sk_plog_recovery_point(log), leo);
    ck_assert_int_eq(sk_plog_read(log, 0, leo, INT32_MAX, &s), 0);
    ck_assert_int_eq(s.len, blen);
    uint8_t *after = read_slice(&s);
    ck_assert_mem_eq(before, after, (size_t)blen);
    close(s.fd);
    free(before);
    free(after);
    ck_assert_int_eq(append1(log, 1, 10, 99), leo);
    sk_plog_close(log);
    ck_assert_int_eq(file_size(seg_file(0, ".index")) >= isz, 1);
}
END_TEST

static void append_file(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
    close(fd);
}

/* Writes a good log of 20 batches, closes it, damages the tail with
 * `damage`, reopens with recovery point 0 and checks the log is cut back to
 * the good data and appends continue without a gap. */
static void crash_case(const void *damage, size_t dlen)
{
    sk_plog_t *log = open_log(NULL, 0);
    for (int i = 0; i < 20; i++)
        append1(log, 3, 100, i);
    int64_t leo = sk_plog_end_offset(log);
    sk_plog_close(log);
    off_t good = file_size(seg_file(0, ".log"));
    append_file(seg_file(0, ".log"), damage, dlen);
    log = open_log(NULL, 0);
    ck_assert_int_eq(sk_plog_end_offset(log), leo);
    ck_assert_int_eq(file_size(seg_file(0, ".log")), good);
    ck_assert_int_eq(append1(log, 2, 10, 50), leo);
    ck_assert_int_eq(sk_plog_end_offset(log), leo + 2);
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(log, leo + 1, leo + 2, 100, &s), 0);
    ck_assert_int_eq(s.first_batch_offset, leo);
    close(s.fd);
    sk_plog_close(log);
    log = open_log(NULL, 0);
    ck_assert_int_eq(sk_plog_end_offset(log), leo + 2);
    sk_plog_close(log);
}

START_TEST(test_recovery_garbage)
{
    char junk[300];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(i * 7 + 3);
    crash_case(junk, sizeof(junk));
}
END_TEST

START_TEST(test_recovery_torn_batch)
{
    sk_wr_t w;
    sk_wr_init(&w);
    add_batch(&w, 3, 200, 7);
    sk_batch_set_base_offset(w.buf, 60);
    crash_case(w.buf, 30);          /* torn inside the header */
    sk_plog_rmtree(logdir);
    crash_case(w.buf, w.len - 1);   /* torn inside the records */
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_recovery_bad_crc)
{
    sk_wr_t w;
    sk_wr_init(&w);
    add_batch(&w, 3, 200, 7);
    sk_batch_set_base_offset(w.buf, 60);
    w.buf[w.len - 5] ^= 0x40;
    crash_case(w.buf, w.len);
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_recovery_mid_log_drops_later_segments)
{
    sk_plog_config_t c = small_cfg(4096);
    sk_plog_t *log = open_log(&c, 0);
    for (int i = 0; i < 40; i++)
        append1(log, 1, 900, i); /* ~4 batches per segment */
    int nseg = sk_plog_segment_count(log);
    ck_assert_int_ge(nseg, 8);
    sk_plog_close(log);
    /* find the third segment and flip a byte in its second batch */
    log = open_log(&c, 0);
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(log, 9, 40, 1, &s), 0);
    int64_t bad_base = s.first_batch_offset;
    int64_t pos = s.file_pos;
    close(s.fd);
    sk_plog_close(log);
    int64_t segbase = -1;
    for (int64_t b = bad_base; b >= 0; b--)
        if (file_size(seg_file(b, ".log")) >= 0) {
            segbase = b;
            break;
        }
    int fd = open(seg_file(segbase, ".log"), O_RDWR);
    uint8_t byte;
    ck_assert_int_eq(pread(fd, &byte, 1, pos + 70), 1);
    byte ^= 1;
    ck_assert_int_eq(pwrite(fd, &byte, 1, pos + 70), 1);
    close(fd);
    /* a recovery point past the damage: the segment is trusted, nothing cut */
    log = open_log(&c, 40);
    ck_assert_int_eq(sk_plog_end_offset(log), 40);
    sk_plog_close(log);
    /* recovery point 0: cut at the damaged batch, later segments removed */
    log = open_log(&c, 0);
    ck_assert_int_eq(sk_plog_end_offset(log), bad_base);
    ck_assert_int_lt(sk_plog_segment_count(log), nseg);
    ck_assert_int_lt(file_size(seg_file(39, ".log")), 0);
    ck_assert_int_eq(append1(log, 1, 10, 0), bad_base);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_index_rebuilt)
{
    sk_plog_t *log = open_log(NULL, 0);
    for (int i = 0; i < 300; i++)
        append1(log, 1, 500, i);
    int64_t leo = sk_plog_end_offset(log);
    sk_plog_close(log);
    int n = check_index_file(0);
    ck_assert_int_gt(n, 10);
    off_t isz = file_size(seg_file(0, ".index"));
    off_t tsz = file_size(seg_file(0, ".timeindex"));

    /* missing index */
    unlink(seg_file(0, ".index"));
    log = open_log(NULL, leo);
    ck_assert_int_eq(sk_plog_end_offset(log), leo);
    sk_plog_close(log);
    ck_assert_int_eq(file_size(seg_file(0, ".index")), isz);
    ck_assert_int_eq(check_index_file(0), n);

    /* wrong size */
    append_file(seg_file(0, ".index"), "abc", 3);
    log = open_log(NULL, leo);
    sk_plog_close(log);
    ck_assert_int_eq(file_size(seg_file(0, ".index")), isz);

    /* an entry pointing past the data */
    uint8_t e[8];
    sk_put_be32(e, 100000);
    sk_put_be32(e + 4, 0x7fffff00);
    append_file(seg_file(0, ".index"), e, 8);
    log = open_log(NULL, leo);
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(log, leo - 1, leo, 1, &s), 0);
    ck_assert_int_eq(s.first_batch_offset, leo - 1);
    close(s.fd);
    sk_plog_close(log);
    ck_assert_int_eq(check_index_file(0), n);

    /* the last entry pointing into the middle of a batch: rebuilt */
    int fd = open(seg_file(0, ".index"), O_RDWR);
    ck_assert_int_eq(pread(fd, e, 8, isz - 8), 8);
    sk_put_be32(e + 4, sk_be32(e + 4) + 3);
    ck_assert_int_eq(pwrite(fd, e, 8, isz - 8), 8);
    close(fd);
    log = open_log(NULL, leo);
    sk_plog_close(log);
    ck_assert_int_eq(check_index_file(0), n);

    /* a middle entry damaged the same way is not checked at open (that
     * would read every entry), but lookups through it still find the
     * right batch by falling back to a scan from the segment start */
    fd = open(seg_file(0, ".index"), O_RDWR);
    ck_assert_int_eq(pread(fd, e, 8, 8), 8);
    int64_t rel1 = sk_be32(e);
    sk_put_be32(e + 4, sk_be32(e + 4) + 3);
    ck_assert_int_eq(pwrite(fd, e, 8, 8), 8);
    close(fd);
    log = open_log(NULL, leo);
    ck_assert_int_eq(sk_plog_read(log, rel1 + 1, leo, 1, &s), 0);
    ck_assert_int_eq(s.first_batch_offset, rel1 + 1);
    close(s.fd);
    sk_plog_close(log);

    /* a time index out of order */
    uint8_t t[12];
    sk_put_be64(t, 1);
    sk_put_be32(t + 8, 0);
    append_file(seg_file(0, ".timeindex"), t, 12);
    log = open_log(NULL, leo);
    sk_plog_close(log);
    ck_assert_int_eq(file_size(seg_file(0, ".timeindex")), tsz);
}
END_TEST

START_TEST(test_offset_for_time)
{
    sk_plog_config_t c = small_cfg(8192);
    c.index_interval_bytes = 256;
    sk_plog_t *log = open_log(&c, 0);
    /* batch i: 3 records with timestamps 1000i, 1000i+1, 1000i+2 */
    for (int i = 0; i < 60; i++)
        append1(log, 3, 200, 1000 * i);
    ck_assert_int_gt(sk_plog_segment_count(log), 3);
    int64_t off, ts;
    ck_assert_int_eq(sk_plog_offset_for_time(log, 0, &off, &ts), 0);
    ck_assert_int_eq(off, 0);
    ck_assert_int_eq(ts, 0);
    for (int i = 0; i < 60; i++) {
        ck_assert_int_eq(sk_plog_offset_for_time(log, 1000 * i + 2, &off, &ts), 0);
        ck_assert_int_eq(off, 3 * i + 2);
        ck_assert_int_eq(ts, 1000 * i + 2);
        ck_assert_int_eq(sk_plog_offset_for_time(log, 1000 * i + 500, &off, &ts), 0);
        if (i < 59) {
            ck_assert_int_eq(off, 3 * i + 3);
            ck_assert_int_eq(ts, 1000 * (i + 1));
        } else {
            ck_assert_int_eq(off, -1);
            ck_assert_int_eq(ts, -1);
        }
    }
    sk_plog_close(log);
    /* same answers after reopen (indexes from disk) */
    log = open_log(&c, 180);
    ck_assert_int_eq(sk_plog_offset_for_time(log, 31001, &off, &ts), 0);
    ck_assert_int_eq(off, 94);
    /* an out-of-order timestamp later in the log */
    append1(log, 1, 10, 5); /* offset 180, ts 5 */
    ck_assert_int_eq(sk_plog_offset_for_time(log, 59003, &off, &ts), 0);
    ck_assert_int_eq(off, -1);
    ck_assert_int_eq(sk_plog_offset_for_time(log, 3, &off, &ts), 0);
    ck_assert_int_eq(off, 3);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_truncate)
{
    sk_plog_config_t c = small_cfg(4096);
    c.index_interval_bytes = 128;
    sk_plog_t *log = open_log(&c, 0);
    for (int i = 0; i < 30; i++)
        append1(log, 3, 300, 100 * i); /* batch i = offsets 3i..3i+2 */
    ck_assert_int_eq(sk_plog_end_offset(log), 90);
    /* a batch boundary */
    ck_assert_int_eq(sk_plog_truncate_to(log, 60), 0);
    ck_assert_int_eq(sk_plog_end_offset(log), 60);
    ck_assert_int_le(sk_plog_recovery_point(log), 60);
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(log, 61, 90, 1, &s), SK_EINVAL);
    ck_assert_int_eq(sk_plog_read(log, 59, 60, 1, &s), 0);
    ck_assert_int_eq(s.first_batch_offset, 57);
    close(s.fd);
    /* mid-batch: the whole batch goes */
    ck_assert_int_eq(sk_plog_truncate_to(log, 31), 0);
    ck_assert_int_eq(sk_plog_end_offset(log), 30);
    ck_assert_int_eq(append1(log, 2, 10, 7777), 30);
    int64_t off, ts;
    ck_assert_int_eq(sk_plog_offset_for_time(log, 2900, &off, &ts), 0);
    ck_assert_int_eq(off, 30); /* the truncated timestamps are gone */
    ck_assert_int_eq(ts, 7777);
    sk_plog_close(log);
    log = open_log(&c, 0);
    ck_assert_int_eq(sk_plog_end_offset(log), 32);
    ck_assert_int_eq(sk_plog_read(log, 31, 32, 1, &s), 0);
    ck_assert_int_eq(s.first_batch_offset, 30);
    close(s.fd);
    /* no-op beyond LEO; below start empties and restarts */
    ck_assert_int_eq(sk_plog_truncate_to(log, 100), 0);
    ck_assert_int_eq(sk_plog_end_offset(log), 32);
    ck_assert_int_eq(sk_plog_truncate_fully(log, 500), 0);
    ck_assert_int_eq(sk_plog_start_offset(log), 500);
    ck_assert_int_eq(sk_plog_end_offset(log), 500);
    ck_assert_int_eq(sk_plog_segment_count(log), 1);
    ck_assert_int_eq(append1(log, 1, 10, 1), 500);
    sk_plog_close(log);
    log = open_log(&c, 0);
    ck_assert_int_eq(sk_plog_start_offset(log), 500);
    ck_assert_int_eq(sk_plog_end_offset(log), 501);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_write_failure_rolls_back)
{
    sk_plog_t *log = open_log(NULL, 0);
    for (int i = 0; i < 5; i++)
        append1(log, 1, 100, i);
    int64_t leo = sk_plog_end_offset(log);
    off_t before = file_size(seg_file(0, ".log"));
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = (rlim_t)before + 100; /* the next batch only half fits */
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    sk_wr_t w;
    sk_wr_init(&w);
    add_batch(&w, 2, 200, 9);
    int64_t first = -1, last = -1;
    int rc = sk_plog_append(log, w.buf, w.len, 5, &first, &last);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    ck_assert_int_eq(rc, SK_ENOSPC);
    ck_assert_int_eq(file_size(seg_file(0, ".log")), before);
    ck_assert_int_eq(sk_plog_end_offset(log), leo);
    /* works again once there is room, with no gap */
    ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, 5, &first, &last), 0);
    ck_assert_int_eq(first, leo);
    sk_wr_free(&w);
    sk_plog_close(log);
    log = open_log(NULL, 0);
    ck_assert_int_eq(sk_plog_end_offset(log), leo + 2);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_bad_input_and_raw_append)
{
    sk_plog_t *log = open_log(NULL, 0);
    sk_wr_t w;
    sk_wr_init(&w);
    add_batch(&w, 2, 20, 1);
    add_batch(&w, 3, 20, 2);
    /* torn second batch: refused, nothing written */
    ck_assert_int_eq(sk_plog_append(log, w.buf, w.len - 1, 0, NULL, NULL), SK_EINVAL);
    ck_assert_int_eq(sk_plog_append(log, w.buf, 0, 0, NULL, NULL), SK_EINVAL);
    ck_assert_int_eq(sk_plog_end_offset(log), 0);
    int64_t first, last;
    ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, 3, &first, &last), 0);
    ck_assert_int_eq(first, 0);
    ck_assert_int_eq(last, 4);
    sk_plog_close(log);

    /* follower copy keeps offsets and epochs */
    snprintf(logdir, sizeof(logdir), "%s/follower-0", tmpdir);
    sk_plog_t *f = open_log(NULL, 0);
    ck_assert_int_eq(sk_plog_append_raw(f, w.buf, w.len, &first, &last), 0);
    ck_assert_int_eq(first, 0);
    ck_assert_int_eq(last, 4);
    /* overlapping offsets refused */
    ck_assert_int_eq(sk_plog_append_raw(f, w.buf, w.len, &first, &last), SK_EINVAL);
    /* a gap is fine for a follower (compacted leader) */
    sk_batch_set_base_offset(w.buf, 10);
    size_t b1 = (size_t)sk_batch_next(w.buf, w.len);
    ck_assert_int_eq(sk_plog_append_raw(f, w.buf, b1, &first, &last), 0);
    ck_assert_int_eq(first, 10);
    ck_assert_int_eq(sk_plog_end_offset(f), 12);
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(f, 7, 12, 1, &s), 0); /* offset in the gap: next batch */
    ck_assert_int_eq(s.first_batch_offset, 10);
    uint8_t hdr[61];
    ck_assert_int_eq(pread(s.fd, hdr, 61, s.file_pos), 61);
    sk_batch_info_t h;
    sk_batch_parse_header(hdr, 61, &h);
    ck_assert_int_eq(h.partition_leader_epoch, 3);
    close(s.fd);
    sk_plog_close(f);
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_delete_keeps_open_slices)
{
    sk_plog_t *log = open_log(NULL, 0);
    append1(log, 2, 100, 1);
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(log, 0, 2, 1000, &s), 0);
    sk_plog_delete(log);
    ck_assert_int_lt(file_size(logdir), 0);
    /* the dup'd fd still reads the data */
    uint8_t *b = read_slice(&s);
    ck_assert_int_eq(sk_batch_validate(b, (size_t)s.len, NULL, 0), SK_KERR_NONE);
    free(b);
    close(s.fd);
    /* only the tmpdir itself is left */
    DIR *d = opendir(tmpdir);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(test_flush_policy_sync)
{
    sk_plog_config_t c = small_cfg(1 << 30);
    c.flush_interval_messages = 10;
    sk_plog_t *log = open_log(&c, 0);
    append1(log, 5, 10, 1);
    ck_assert_int_eq(sk_plog_recovery_point(log), 0);
    append1(log, 5, 10, 2);
    ck_assert_int_eq(sk_plog_recovery_point(log), 10); /* no pool: flushed inline */
    c.flush_interval_messages = INT64_MAX;
    c.flush_interval_ms = 100;
    sk_plog_set_config(log, &c);
    append1(log, 1, 10, 3);
    ck_assert_int_eq(sk_plog_recovery_point(log), 10);
    sk_plog_maybe_flush(log, sk_wall_ms() + 101);
    ck_assert_int_eq(sk_plog_recovery_point(log), 11);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_topic_id)
{
    static const char *const id1 = "7pZ_ZNFvRrOXmLcbFnMXqw", *const id2 = "q0Ad6CNBTpS8hE3xU5dYYQ";
    char pm[400], err[600] = "";
    snprintf(pm, sizeof(pm), "%s/partition.metadata", logdir);
    sk_plog_t *log = open_log(NULL, 0);
    ck_assert_ptr_null(sk_plog_topic_id(log));
    ck_assert_int_lt(file_size(pm), 0);
    ck_assert_int_eq(sk_plog_set_topic_id(log, "nope", err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_plog_set_topic_id(log, NULL, err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_plog_set_topic_id(log, id1, err, sizeof(err)), 0);
    ck_assert_str_eq(sk_plog_topic_id(log), id1);
    char *t;
    size_t n;
    ck_assert_int_eq(sk_file_read_small(pm, 4096, &t, &n), 0);
    ck_assert_str_eq(t, "version: 0\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXqw\n");
    free(t);
    ck_assert_int_eq(sk_plog_set_topic_id(log, id1, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_plog_set_topic_id(log, id2, err, sizeof(err)), SK_EEXIST);
    ck_assert_ptr_nonnull(strstr(err, id1));
    ck_assert_ptr_nonnull(strstr(err, id2));
    ck_assert_ptr_nonnull(strstr(err, logdir));
    ck_assert_str_eq(sk_plog_topic_id(log), id1);
    sk_plog_close(log);

    /* read back at open; a mismatch is still detected after a restart */
    log = open_log(NULL, 0);
    ck_assert_ptr_nonnull(sk_plog_topic_id(log));
    ck_assert_str_eq(sk_plog_topic_id(log), id1);
    ck_assert_int_eq(sk_plog_set_topic_id(log, id2, err, sizeof(err)), SK_EEXIST);
    sk_plog_close(log);

    /* a malformed file is ignored and rewritten when the id is known */
    FILE *f = fopen(pm, "w");
    fputs("version: 0\ntopic_id: ???\n", f);
    fclose(f);
    log = open_log(NULL, 0);
    ck_assert_ptr_null(sk_plog_topic_id(log));
    ck_assert_int_eq(sk_plog_set_topic_id(log, id2, err, sizeof(err)), 0);
    sk_plog_close(log);
    ck_assert_int_eq(sk_file_read_small(pm, 4096, &t, &n), 0);
    ck_assert_str_eq(t, "version: 0\ntopic_id: q0Ad6CNBTpS8hE3xU5dYYQ\n");
    free(t);

    /* through the diskio pool */
    sk_plog_rmtree(logdir);
    sk_diskio_t *io = sk_diskio_new(NULL, 1);
    char e2[256];
    ck_assert_int_eq(sk_plog_open(logdir, NULL, io, 0, &log, e2, sizeof(e2)), 0);
    ck_assert_int_eq(sk_plog_set_topic_id(log, id1, err, sizeof(err)), 0);
    sk_diskio_barrier(io);
    ck_assert_int_eq(sk_file_read_small(pm, 4096, &t, &n), 0);
    ck_assert_str_eq(t, "version: 0\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXqw\n");
    free(t);
    sk_plog_close(log);
    sk_diskio_free(io);
}
END_TEST

/* ---- retention ---- */

/* A log of 4 segments x 3 batches (2 records each, ~120 bytes per batch);
 * batch k (0..11) holds offsets 2k, 2k+1 with timestamps ts0 + 1000 * k
 * (+0/+1), or -1 when ts0 < 0. Segment bases 0, 6, 12, 18. */
static sk_plog_t *retention_log(sk_plog_config_t *cfg, int64_t ts0)
{
    sk_plog_config_defaults(cfg);
    sk_plog_t *log = NULL;
    int64_t batch_len = 0;
    for (int k = 0; k < 12; k++) {
        sk_wr_t w;
        sk_wr_init(&w);
        sk_record_in_t r[2];
        memset(r, 0, sizeof(r));
        for (int i = 0; i < 2; i++) {
            r[i].timestamp = ts0 < 0 ? -1 : ts0 + 1000 * k + i;
            r[i].key_len = -1;
            r[i].value = "0123456789012345678901234567890123456789";
            r[i].value_len = 40;
        }
        sk_batch_build(&w, 0, NULL, r, 2);
        if (k == 0) {
            batch_len = (int64_t)w.len;
            cfg->segment_bytes = batch_len * 3; /* exactly three batches per segment */
            log = open_log(cfg, 0);
        }
        ck_assert_int_eq((int64_t)w.len, batch_len);
        int64_t first;
        ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, k / 3, &first, NULL), 0);
        ck_assert_int_eq(first, 2 * k);
        sk_wr_free(&w);
    }
    ck_assert_int_eq(sk_plog_segment_count(log), 4);
    ck_assert_int_eq(sk_plog_end_offset(log), 24);
    ck_assert_int_eq(sk_plog_size_bytes(log), batch_len * 12);
    return log;
}

START_TEST(test_retention_by_time)
{
    sk_plog_config_t cfg;
    sk_plog_t *log = retention_log(&cfg, 100000);
    /* segment largest timestamps: 102001, 105001, 108001, 111001 (active) */
    cfg.retention_ms = 5000;
    sk_plog_set_config(log, &cfg);
    ck_assert_int_eq(sk_plog_apply_retention(log, 107001, 24), 0); /* 107001-102001 is not > 5000 */
    ck_assert_int_eq(sk_plog_apply_retention(log, 107002, -1), 0); /* no HW known */
    ck_assert_int_eq(sk_plog_apply_retention(log, 107002, 5), 0);  /* not yet committed */
    ck_assert_int_eq(sk_plog_segment_count(log), 4);
    ck_assert_int_eq(sk_plog_apply_retention(log, 107002, 6), 1);
    ck_assert_int_eq(sk_plog_segment_count(log), 3);
    ck_assert_int_eq(sk_plog_start_offset(log), 6);
    ck_assert_int_lt(file_size(seg_file(0, ".log")), 0);
    ck_assert_int_lt(file_size(seg_file(0, ".index")), 0);
    ck_assert_int_lt(file_size(seg_file(0, ".log.deleted")), 0);
    ck_assert_int_ge(file_size(seg_file(6, ".log")), 0);
    /* the epoch cache follows the log start */
    int32_t e;
    int64_t o;
    sk_plog_end_offset_for_epoch(log, 1, &e, &o);
    ck_assert_int_eq(e, 1);
    ck_assert_int_eq(o, 12);
    ck_assert_int_eq(sk_epoch_cache_get(sk_plog_epochs(log), 0).start_offset, 6);
    sk_plog_slice_t sl;
    ck_assert_int_eq(sk_plog_read(log, 5, 24, 1 << 20, &sl), SK_EINVAL);
    /* far in the future: everything but the active segment */
    ck_assert_int_eq(sk_plog_apply_retention(log, 10000000, 24), 2);
    ck_assert_int_eq(sk_plog_segment_count(log), 1);
    ck_assert_int_eq(sk_plog_start_offset(log), 18);
    ck_assert_int_eq(sk_plog_apply_retention(log, 10000000, 24), 0);
    ck_assert_int_eq(sk_plog_end_offset(log), 24);
    /* compacted topics keep everything */
    sk_plog_close(log);
    sk_plog_rmtree(logdir);
    log = retention_log(&cfg, 100000);
    cfg.retention_ms = 0;
    cfg.retention_bytes = 0;
    cfg.cleanup_delete = 0;
    sk_plog_set_config(log, &cfg);
    ck_assert_int_eq(sk_plog_apply_retention(log, 10000000, 24), 0);
    /* unlimited */
    cfg.retention_ms = -1;
    cfg.retention_bytes = -1;
    cfg.cleanup_delete = 1;
    sk_plog_set_config(log, &cfg);
    ck_assert_int_eq(sk_plog_apply_retention(log, INT64_MAX / 2, 24), 0);
    ck_assert_int_eq(sk_plog_segment_count(log), 4);
    sk_plog_close(log);
    /* survives a reopen */
    log = open_log(&cfg, 24);
    ck_assert_int_eq(sk_plog_segment_count(log), 4);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_retention_by_mtime)
{
    /* no timestamps in the batches: the file's mtime counts */
    sk_plog_config_t cfg;
    sk_plog_t *log = retention_log(&cfg, -1);
    cfg.retention_ms = 60000;
    sk_plog_set_config(log, &cfg);
    int64_t now = sk_wall_ms();
    ck_assert_int_eq(sk_plog_apply_retention(log, now, 24), 0);
    struct timeval tv[2] = {{(time_t)(now / 1000 - 3600), 0}, {(time_t)(now / 1000 - 3600), 0}};
    ck_assert_int_eq(utimes(seg_file(0, ".log"), tv), 0);
    ck_assert_int_eq(utimes(seg_file(12, ".log"), tv), 0); /* not reached: 6 is young */
    ck_assert_int_eq(sk_plog_apply_retention(log, now, 24), 1);
    ck_assert_int_eq(sk_plog_start_offset(log), 6);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_retention_by_size)
{
    sk_plog_config_t cfg;
    sk_plog_t *log = retention_log(&cfg, 100000);
    int64_t seg = sk_plog_size_bytes(log) / 4;
    /* Kafka: delete while (size - retention.bytes) - segment size >= 0 */
    cfg.retention_bytes = 3 * seg + 1; /* excess seg - 1: nothing */
    sk_plog_set_config(log, &cfg);
    ck_assert_int_eq(sk_plog_apply_retention(log, 0, 24), 0);
    cfg.retention_bytes = 3 * seg; /* excess exactly one segment */
    sk_plog_set_config(log, &cfg);
    ck_assert_int_eq(sk_plog_apply_retention(log, 0, 24), 1);
    ck_assert_int_eq(sk_plog_start_offset(log), 6);
    cfg.retention_bytes = 1;
    sk_plog_set_config(log, &cfg);
    ck_assert_int_eq(sk_plog_apply_retention(log, 0, 13), 1); /* HW bounds it */
    ck_assert_int_eq(sk_plog_start_offset(log), 12);
    ck_assert_int_eq(sk_plog_apply_retention(log, 0, 24), 1); /* never the active one */
    ck_assert_int_eq(sk_plog_segment_count(log), 1);
    ck_assert_int_eq(sk_plog_size_bytes(log), seg);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_retention_below_start_offset)
{
    /* DeleteRecords moved the log start: segments wholly below it go even
     * with no time/size retention (and for compacted topics) */
    sk_plog_config_t cfg;
    sk_plog_t *log = retention_log(&cfg, 100000);
    cfg.retention_ms = -1;
    cfg.cleanup_delete = 0;
    sk_plog_set_config(log, &cfg);
    sk_plog_set_start_offset(log, 13);
    ck_assert_int_eq(sk_plog_apply_retention(log, 0, 24), 2);
    ck_assert_int_eq(sk_plog_start_offset(log), 13); /* not lowered to the segment base */
    ck_assert_int_eq(sk_plog_segment_count(log), 2);
    sk_plog_close(log);
}
END_TEST

/* ---- diskio ---- */

static int work_count, done_count;
static pthread_t loop_thread;
static int done_on_loop = 1;

static void w_inc(void *arg)
{
    __atomic_add_fetch(&work_count, 1, __ATOMIC_SEQ_CST);
    if (pthread_equal(pthread_self(), loop_thread))
        done_on_loop = 0; /* work must not run on the loop */
}

static void d_inc(void *arg)
{
    if (!pthread_equal(pthread_self(), loop_thread))
        done_on_loop = 0;
    done_count++;
}

static void run_until(struct event_base *base, int (*cond)(void *), void *arg)
{
    int64_t deadline = sk_mono_ms() + 10000;
    while (!cond(arg) && sk_mono_ms() < deadline)
        event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    ck_assert_msg(cond(arg), "condition not reached within 10 s");
}

static int all_done(void *arg) { return done_count == *(int *)arg; }

START_TEST(test_diskio_jobs)
{
    struct event_base *base = event_base_new();
    loop_thread = pthread_self();
    sk_diskio_t *io = sk_diskio_new(base, 2);
    work_count = done_count = 0;
    done_on_loop = 1;
    for (int i = 0; i < 100; i++)
        sk_diskio_submit(io, w_inc, d_inc, NULL);
    int want = 100;
    run_until(base, all_done, &want);
    ck_assert_int_eq(work_count, 100);
    ck_assert_int_eq(done_on_loop, 1);
    /* barrier: everything submitted has run and completed on return */
    for (int i = 0; i < 50; i++)
        sk_diskio_submit(io, w_inc, d_inc, NULL);
    sk_diskio_barrier(io);
    ck_assert_int_eq(work_count, 150);
    ck_assert_int_eq(done_count, 150);
    ck_assert_int_eq(sk_diskio_pending(io), 0);
    /* free finishes queued jobs */
    for (int i = 0; i < 30; i++)
        sk_diskio_submit(io, w_inc, d_inc, NULL);
    sk_diskio_free(io);
    ck_assert_int_eq(done_count, 180);
    event_base_free(base);
}
END_TEST

static int rp_reached(void *arg)
{
    sk_plog_t *log = arg;
    return sk_plog_recovery_point(log) == sk_plog_end_offset(log);
}

START_TEST(test_async_flush_advances_recovery_point)
{
    struct event_base *base = event_base_new();
    sk_diskio_t *io = sk_diskio_new(base, 2);
    sk_plog_t *log = NULL;
    char err[256];
    ck_assert_int_eq(sk_plog_open(logdir, NULL, io, 0, &log, err, sizeof(err)), 0);
    for (int i = 0; i < 10; i++)
        append1(log, 2, 100, i);
    ck_assert_int_eq(sk_plog_recovery_point(log), 0);
    sk_plog_flush_async(log);
    sk_plog_flush_async(log); /* coalesced */
    run_until(base, rp_reached, log);
    ck_assert_int_eq(sk_plog_recovery_point(log), 20);
    /* a flush in flight when the log closes must not touch freed memory */
    append1(log, 2, 100, 11);
    sk_plog_flush_async(log);
    sk_plog_close(log);
    sk_diskio_barrier(io);
    sk_diskio_free(io);
    event_base_free(base);
}
END_TEST

int main(void)
{
    evthread_use_pthreads();
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("plog");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_read_boundaries);
    tcase_add_test(tc, test_roll_by_size);
    tcase_add_test(tc, test_roll_by_age);
    tcase_add_test(tc, test_index_sparsity);
    tcase_add_test(tc, test_reopen_clean);
    tcase_add_test(tc, test_recovery_garbage);
    tcase_add_test(tc, test_recovery_torn_batch);
    tcase_add_test(tc, test_recovery_bad_crc);
    tcase_add_test(tc, test_recovery_mid_log_drops_later_segments);
    tcase_add_test(tc, test_index_rebuilt);
    tcase_add_test(tc, test_offset_for_time);
    tcase_add_test(tc, test_truncate);
    tcase_add_test(tc, test_write_failure_rolls_back);
    tcase_add_test(tc, test_bad_input_and_raw_append);
    tcase_add_test(tc, test_delete_keeps_open_slices);
    tcase_add_test(tc, test_flush_policy_sync);
    tcase_add_test(tc, test_topic_id);
    tcase_add_test(tc, test_retention_by_time);
    tcase_add_test(tc, test_retention_by_mtime);
    tcase_add_test(tc, test_retention_by_size);
    tcase_add_test(tc, test_retention_below_start_offset);
    tcase_add_test(tc, test_diskio_jobs);
    tcase_add_test(tc, test_async_flush_advances_recovery_point);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
