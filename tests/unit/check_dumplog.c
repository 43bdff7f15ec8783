/* check_dumplog.c - skein-dump-log: a log written with sk_plog is dumped
 * (in process through sk_dumplog_file, and by running the program) and the
 * output lines are compared with what was written. Corrupt logs and
 * indexes must be reported with exit status 1. */
#include "dumplog.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "storage/checkpoint.h"
#include "compress.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "mem.h"
#include "recbatch.h"

static char tmpdir[256];
static char logdir[300];
static char logpath[400], idxpath[400], tidxpath[400];

static void setup(void)
{
    sk_log_set_level(SK_LOG_ERROR);
    strcpy(tmpdir, "/tmp/sk-check-dumplog-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(logdir, sizeof(logdir), "%s/orders-0", tmpdir);
    snprintf(logpath, sizeof(logpath), "%s/%020d.log", logdir, 0);
    snprintf(idxpath, sizeof(idxpath), "%s/%020d.index", logdir, 0);
    snprintf(tidxpath, sizeof(tidxpath), "%s/%020d.timeindex", logdir, 0);
}

static void teardown(void) { sk_plog_rmtree(tmpdir); }

/* ---- helpers ---- */

typedef struct dump {
    int rc;
    char *out, *err;
} dump_t;

static dump_t run_dump(const char *path, int deep, int data, int sanity)
{
    dump_t d;
    size_t on, en;
    FILE *o = open_memstream(&d.out, &on), *e = open_memstream(&d.err, &en);
    sk_dumplog_opts_t opts = {deep, data, sanity};
    d.rc = sk_dumplog_file(path, &opts, o, e);
    fclose(o);
    fclose(e);
    return d;
}

static void dump_free(dump_t *d)
{
    free(d->out);
    free(d->err);
}

/* Line n (0-based) of text, in a static buffer ("" past the end). */
static const char *line(const char *text, int n)
{
    static char buf[4096];
    const char *p = text;
    for (int i = 0; i < n && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p || !*p)
        return "";
    size_t len = strcspn(p, "\n");
    if (len >= sizeof(buf))
        len = sizeof(buf) - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf;
}

static int count_lines(const char *text, const char *prefix)
{
    int n = 0;
    for (const char *p = text; p && *p;) {
        if (!strncmp(p, prefix, strlen(prefix)))
            n++;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return n;
}

/* What the log holds, for building the expected lines. */
typedef struct wrote {
    int64_t pos, size, base;
    uint32_t crc;
} wrote_t;

static wrote_t wrote[16];
static int nwrote;
static int64_t wpos;

static void append_batch(sk_plog_t *log, uint8_t *buf, size_t len, int32_t epoch)
{
    int64_t first;
    ck_assert_int_eq(sk_plog_append(log, buf, len, epoch, &first, NULL), 0);
    sk_batch_info_t b;
    sk_batch_parse_header(buf, len, &b);
    wrote[nwrote++] = (wrote_t){wpos, (int64_t)len, first, b.crc};
    wpos += (int64_t)len;
}

/* Rewrites the records section of an uncompressed batch with gzip and
 * marks it gzip (new length, new CRC). */
static void gzip_batch(sk_wr_t *w)
{
    size_t rlen = w->len - SK_BATCH_HEADER_SIZE;
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, rlen) + 64;
    uint8_t *out = malloc(SK_BATCH_HEADER_SIZE + cap);
    memcpy(out, w->buf, SK_BATCH_HEADER_SIZE);
    zs.next_in = w->buf + SK_BATCH_HEADER_SIZE;
    zs.avail_in = (uInt)rlen;
    zs.next_out = out + SK_BATCH_HEADER_SIZE;
    zs.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t total = SK_BATCH_HEADER_SIZE + (cap - zs.avail_out);
    deflateEnd(&zs);
    sk_put_be16(out + SK_BATCH_OFF_ATTRIBUTES,
                (uint16_t)(sk_be16(out + SK_BATCH_OFF_ATTRIBUTES) | SK_COMPRESSION_GZIP));
    sk_put_be32(out + SK_BATCH_OFF_LENGTH, (uint32_t)(total - SK_BATCH_LOG_OVERHEAD));
    sk_batch_update_crc(out, total);
    w->len = 0;
    sk_wr_raw(w, out, total);
    free(out);
}

/* Batches 0..5:
 *  0: epoch 3, 2 records with keys and headers         offsets 0-1
 *  1: idempotent producer 77/2 seq 10, 3 records       offsets 2-4
 *  2: LogAppendTime, a null key, binary value          offset 5
 *  3: transactional control batch (COMMIT, epoch 5)    offset 6
 *  4: gzip, 2 records                                   offsets 7-8
 *  5: zstd, 1 record                                   offset 9
 * index.interval.bytes 0: every batch has an index entry. */
static void write_log(void)
{
    nwrote = 0;
    wpos = 0;
    sk_plog_config_t cfg;
    sk_plog_config_defaults(&cfg);
    cfg.index_interval_bytes = 0;
    sk_plog_t *log = NULL;
    char err[256];
    ck_assert_int_eq(sk_plog_open(logdir, &cfg, NULL, 0, &log, err, sizeof(err)), 0);
    sk_wr_t w;

    sk_record_header_in_t hs[2] = {{"trace", "t-1", 3}, {"source", NULL, -1}};
    sk_record_in_t r0[2] = {
        {1700000000000, "k1", 2, "hello", 5, hs, 2},
        {1700000000001, "k2", 2, "world", 5, NULL, 0},
    };
    sk_wr_init(&w);
    sk_batch_build(&w, 0, NULL, r0, 2);
    append_batch(log, w.buf, w.len, 3);
    sk_wr_free(&w);

    sk_record_in_t r1[3] = {
        {1700000000010, NULL, -1, "a", 1, NULL, 0},
        {1700000000011, NULL, -1, "b", 1, NULL, 0},
        {1700000000012, NULL, -1, "c", 1, NULL, 0},
    };
    sk_batch_opts_t idem = {0, 77, 2, 10, 0};
    sk_wr_init(&w);
    sk_batch_build(&w, 0, &idem, r1, 3);
    append_batch(log, w.buf, w.len, 3);
    sk_wr_free(&w);

    sk_record_in_t r2[1] = {{1700000000020, NULL, -1, "x\x01\\y", 4, NULL, 0}};
    sk_batch_opts_t lat = {SK_BATCH_ATTR_LOG_APPEND_TIME, -1, -1, -1, 0};
    sk_wr_init(&w);
    sk_batch_build(&w, 0, &lat, r2, 1);
    append_batch(log, w.buf, w.len, 4);
    sk_wr_free(&w);

    static const uint8_t ckey[4] = {0, 0, 0, 1}, cval[6] = {0, 0, 0, 0, 0, 5};
    sk_record_in_t r3[1] = {{1700000000030, ckey, 4, cval, 6, NULL, 0}};
    sk_batch_opts_t ctl = {SK_BATCH_ATTR_CONTROL | SK_BATCH_ATTR_TRANSACTIONAL, 77, 2, -1, 0};
    sk_wr_init(&w);
    sk_batch_build(&w, 0, &ctl, r3, 1);
    append_batch(log, w.buf, w.len, 4);
    sk_wr_free(&w);

    sk_record_in_t r4[2] = {
        {1700000000040, "g", 1, "zipped-1", 8, NULL, 0},
        {1700000000041, "g", 1, "zipped-2", 8, NULL, 0},
    };
    sk_wr_init(&w);
    sk_batch_build(&w, 0, NULL, r4, 2);
    gzip_batch(&w);
    append_batch(log, w.buf, w.len, 4);
    sk_wr_free(&w);

    sk_record_in_t r5[1] = {{1700000000050, NULL, -1, "z", 1, NULL, 0}};
    sk_wr_init(&w);
    sk_batch_build(&w, 0, NULL, r5, 1);
    sk_wr_t z;
    sk_wr_init(&z);
    sk_wr_raw(&z, w.buf, SK_BATCH_HEADER_SIZE);
    ck_assert_int_eq(sk_compress(SK_COMPRESSION_ZSTD, w.buf + SK_BATCH_HEADER_SIZE,
                                 w.len - SK_BATCH_HEADER_SIZE, &z), SK_OK);
    sk_put_be16(z.buf + SK_BATCH_OFF_ATTRIBUTES, SK_COMPRESSION_ZSTD);
    sk_put_be32(z.buf + SK_BATCH_OFF_LENGTH, (uint32_t)(z.len - SK_BATCH_LOG_OVERHEAD));
    sk_batch_update_crc(z.buf, z.len);
    append_batch(log, z.buf, z.len, 4);
    sk_wr_free(&z);
    sk_wr_free(&w);

    ck_assert_int_eq(sk_plog_end_offset(log), 10);
    sk_plog_close(log);
}

static char *batch_line(int i, int64_t last, int count, const char *mid, const char *tslabel,
                        int64_t ts, const char *codec)
{
    return sk_asprintf("baseOffset: %lld lastOffset: %lld count: %d %s position: %lld %s: %lld "
                       "size: %lld magic: 2 compresscodec: %s crc: %u isvalid: true",
                       (long long)wrote[i].base, (long long)last, count, mid,
                       (long long)wrote[i].pos, tslabel, (long long)ts,
                       (long long)wrote[i].size, codec, wrote[i].crc);
}

static void assert_line(const char *text, int n, const char *want)
{
    const char *got = line(text, n);
    ck_assert_msg(!strcmp(got, want), "line %d:\n got: %s\nwant: %s", n, got, want);
}

static void copy_file(const char *from, const char *to)
{
    char *t;
    size_t n;
    ck_assert_int_eq(sk_file_read_small(from, 1 << 24, &t, &n), 0);
    int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, t, n), (ssize_t)n);
    close(fd);
    free(t);
}

static void patch_file(const char *path, int64_t off, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, p, n, off), (ssize_t)n);
    close(fd);
}

static void append_bytes(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
    close(fd);
}

/* ---- tests ---- */

START_TEST(test_dump_batches)
{
    write_log();
    dump_t d = run_dump(logpath, 0, 0, 0);
    ck_assert_msg(d.rc == 0, "rc %d: %s", d.rc, d.err);
    ck_assert_str_eq(d.err, "");
    char *want = sk_asprintf("Dumping %s", logpath);
    assert_line(d.out, 0, want);
    free(want);
    assert_line(d.out, 1, "Log starting offset: 0");
    char *b;
    b = batch_line(0, 1, 2, "baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 "
                   "partitionLeaderEpoch: 3 isTransactional: false isControl: false",
                   "CreateTime", 1700000000001, "none");
    assert_line(d.out, 2, b);
    free(b);
    b = batch_line(1, 4, 3, "baseSequence: 10 lastSequence: 12 producerId: 77 producerEpoch: 2 "
                   "partitionLeaderEpoch: 3 isTransactional: false isControl: false",
                   "CreateTime", 1700000000012, "none");
    assert_line(d.out, 3, b);
    free(b);
    b = batch_line(2, 5, 1, "baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 "
                   "partitionLeaderEpoch: 4 isTransactional: false isControl: false",
                   "LogAppendTime", 1700000000020, "none");
    assert_line(d.out, 4, b);
    free(b);
    b = batch_line(3, 6, 1, "baseSequence: -1 lastSequence: -1 producerId: 77 producerEpoch: 2 "
                   "partitionLeaderEpoch: 4 isTransactional: true isControl: true",
                   "CreateTime", 1700000000030, "none");
    assert_line(d.out, 5, b);
    free(b);
    b = batch_line(4, 8, 2, "baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 "
                   "partitionLeaderEpoch: 4 isTransactional: false isControl: false",
                   "CreateTime", 1700000000041, "gzip");
    assert_line(d.out, 6, b);
    free(b);
    b = batch_line(5, 9, 1, "baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 "
                   "partitionLeaderEpoch: 4 isTransactional: false isControl: false",
                   "CreateTime", 1700000000050, "zstd");
    assert_line(d.out, 7, b);
    free(b);
    assert_line(d.out, 8, "");
    ck_assert_int_eq(count_lines(d.out, "|"), 0);
    dump_free(&d);
}
END_TEST

START_TEST(test_dump_records)
{
    write_log();
    /* deep iteration: records without contents */
    dump_t d = run_dump(logpath, 1, 0, 0);
    ck_assert_msg(d.rc == 0, "rc %d: %s", d.rc, d.err);
    assert_line(d.out, 3, "| offset: 0 CreateTime: 1700000000000 keySize: 2 valueSize: 5 "
                          "sequence: -1 headerKeys: [trace,source]");
    ck_assert_int_eq(count_lines(d.out, "|"), 10);
    ck_assert_ptr_null(strstr(d.out, "payload:"));
    dump_free(&d);

    d = run_dump(logpath, 1, 1, 0);
    ck_assert_msg(d.rc == 0, "rc %d: %s", d.rc, d.err);
    ck_assert_str_eq(d.err, "");
    int n = 2;
    n++; /* batch 0 */
    assert_line(d.out, n++, "| offset: 0 CreateTime: 1700000000000 keySize: 2 valueSize: 5 "
                            "sequence: -1 headerKeys: [trace,source] key: k1 payload: hello");
    assert_line(d.out, n++, "| offset: 1 CreateTime: 1700000000001 keySize: 2 valueSize: 5 "
                            "sequence: -1 headerKeys: [] key: k2 payload: world");
    n++; /* batch 1 */
    assert_line(d.out, n++, "| offset: 2 CreateTime: 1700000000010 keySize: -1 valueSize: 1 "
                            "sequence: 10 headerKeys: [] payload: a");
    assert_line(d.out, n++, "| offset: 3 CreateTime: 1700000000011 keySize: -1 valueSize: 1 "
                            "sequence: 11 headerKeys: [] payload: b");
    assert_line(d.out, n++, "| offset: 4 CreateTime: 1700000000012 keySize: -1 valueSize: 1 "
                            "sequence: 12 headerKeys: [] payload: c");
    n++; /* batch 2: LogAppendTime, escaped bytes */
    assert_line(d.out, n++, "| offset: 5 LogAppendTime: 1700000000020 keySize: -1 valueSize: 4 "
                            "sequence: -1 headerKeys: [] payload: x\\x01\\\\y");
    n++; /* batch 3: control */
    assert_line(d.out, n++, "| offset: 6 CreateTime: 1700000000030 keySize: 4 valueSize: 6 "
                            "sequence: -1 headerKeys: [] endTxnMarker: COMMIT coordinatorEpoch: 5");
    n++; /* batch 4: gzip */
    assert_line(d.out, n++, "| offset: 7 CreateTime: 1700000000040 keySize: 1 valueSize: 8 "
                            "sequence: -1 headerKeys: [] key: g payload: zipped-1");
    assert_line(d.out, n++, "| offset: 8 CreateTime: 1700000000041 keySize: 1 valueSize: 8 "
                            "sequence: -1 headerKeys: [] key: g payload: zipped-2");
    n++; /* batch 5: zstd */
    assert_line(d.out, n++, "| offset: 9 CreateTime: 1700000000050 keySize: -1 valueSize: 1 "
                            "sequence: -1 headerKeys: [] payload: z");
    assert_line(d.out, n, "");
    dump_free(&d);
}
END_TEST

START_TEST(test_dump_corrupt_log)
{
    write_log();
    char bad[500];
    snprintf(bad, sizeof(bad), "%s/%020d.log", tmpdir, 0);

    /* a flipped byte inside batch 1's records: CRC mismatch */
    copy_file(logpath, bad);
    uint8_t x = 0xff;
    patch_file(bad, wrote[1].pos + wrote[1].size - 2, &x, 1);
    dump_t d = run_dump(bad, 0, 0, 0);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_ptr_nonnull(strstr(line(d.out, 3), "isvalid: false"));
    ck_assert_ptr_nonnull(strstr(line(d.out, 4), "isvalid: true")); /* goes on */
    char *want = sk_asprintf("batch at position %lld (offset 2) is invalid: CRC mismatch",
                             (long long)wrote[1].pos);
    ck_assert_msg(strstr(d.err, want) && strstr(d.err, bad), "stderr: %s", d.err);
    free(want);
    dump_free(&d);

    /* a torn tail after valid batches */
    copy_file(logpath, bad);
    uint8_t junk[30];
    memset(junk, 0x42, sizeof(junk));
    append_bytes(bad, junk, sizeof(junk));
    d = run_dump(bad, 1, 1, 0);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_int_eq(count_lines(d.out, "baseOffset:"), 6);
    want = sk_asprintf("30 bytes at position %lld are not a valid batch", (long long)wpos);
    ck_assert_msg(strstr(d.err, want), "stderr: %s", d.err);
    free(want);
    dump_free(&d);

    /* a batch cut in the middle */
    ck_assert_int_eq(truncate(bad, wrote[2].pos + 20), 0);
    d = run_dump(bad, 0, 0, 0);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_int_eq(count_lines(d.out, "baseOffset:"), 2);
    ck_assert_ptr_nonnull(strstr(d.err, "too short for a batch header"));
    dump_free(&d);

    /* records that do not parse although the CRC is right */
    copy_file(logpath, bad);
    uint8_t cnt[4];
    sk_put_be32(cnt, 3);
    int fd = open(bad, O_RDWR);
    uint8_t *batch = malloc((size_t)wrote[0].size);
    ck_assert_int_eq(pread(fd, batch, (size_t)wrote[0].size, 0), wrote[0].size);
    memcpy(batch + SK_BATCH_OFF_RECORD_COUNT, cnt, 4);
    sk_batch_update_crc(batch, (size_t)wrote[0].size);
    ck_assert_int_eq(pwrite(fd, batch, (size_t)wrote[0].size, 0), wrote[0].size);
    close(fd);
    free(batch);
    d = run_dump(bad, 1, 0, 0);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_ptr_nonnull(strstr(line(d.out, 2), "count: 3"));
    ck_assert_ptr_nonnull(strstr(line(d.out, 2), "isvalid: false"));
    ck_assert_ptr_nonnull(strstr(d.err, "malformed records"));
    dump_free(&d);

    /* gzip flag on data that is not gzip */
    copy_file(logpath, bad);
    fd = open(bad, O_RDWR);
    batch = malloc((size_t)wrote[1].size);
    ck_assert_int_eq(pread(fd, batch, (size_t)wrote[1].size, wrote[1].pos), wrote[1].size);
    sk_put_be16(batch + SK_BATCH_OFF_ATTRIBUTES, SK_COMPRESSION_GZIP);
    sk_batch_update_crc(batch, (size_t)wrote[1].size);
    ck_assert_int_eq(pwrite(fd, batch, (size_t)wrote[1].size, wrote[1].pos), wrote[1].size);
    close(fd);
    free(batch);
    d = run_dump(bad, 0, 0, 0);
    ck_assert_int_eq(d.rc, 0); /* the batch itself is fine at this depth */
    dump_free(&d);
    d = run_dump(bad, 1, 0, 0);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_ptr_nonnull(strstr(d.err, "gzip records cannot be decompressed"));
    dump_free(&d);

    /* a wrong magic byte at the start */
    copy_file(logpath, bad);
    x = 1;
    patch_file(bad, SK_BATCH_OFF_MAGIC, &x, 1);
    d = run_dump(bad, 0, 0, 0);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_int_eq(count_lines(d.out, "baseOffset:"), 0);
    ck_assert_ptr_nonnull(strstr(d.err, "bad magic"));
    dump_free(&d);

    /* empty file: nothing to print, nothing wrong */
    ck_assert_int_eq(truncate(bad, 0), 0);
    d = run_dump(bad, 1, 1, 0);
    ck_assert_int_eq(d.rc, 0);
    assert_line(d.out, 1, "Log starting offset: 0");
    assert_line(d.out, 2, "");
    dump_free(&d);
}
END_TEST

START_TEST(test_dump_indexes)
{
    write_log();
    dump_t d = run_dump(idxpath, 0, 0, 0);
    ck_assert_msg(d.rc == 0, "rc %d: %s", d.rc, d.err);
    int64_t last[6] = {1, 4, 5, 6, 8, 9};
    for (int i = 0; i < 6; i++) {
        char *want = sk_asprintf("offset: %lld position: %lld", (long long)last[i],
                                 (long long)wrote[i].pos);
        assert_line(d.out, 1 + i, want);
        free(want);
    }
    assert_line(d.out, 7, "");
    dump_free(&d);

    d = run_dump(tidxpath, 0, 0, 0);
    ck_assert_msg(d.rc == 0, "rc %d: %s", d.rc, d.err);
    /* one entry per batch with a new max timestamp (all of them here; the
     * last one is written on close) */
    int64_t ts[6] = {1700000000001, 1700000000012, 1700000000020, 1700000000030, 1700000000041,
                     1700000000050};
    for (int i = 0; i < 6; i++) {
        char *want = sk_asprintf("timestamp: %lld offset: %lld", (long long)ts[i],
                                 (long long)last[i]);
        assert_line(d.out, 1 + i, want);
        free(want);
    }
    dump_free(&d);

    d = run_dump(idxpath, 0, 0, 1);
    ck_assert_int_eq(d.rc, 0);
    char *want = sk_asprintf("%s passed sanity check.", idxpath);
    assert_line(d.out, 1, want);
    assert_line(d.out, 2, "");
    free(want);
    dump_free(&d);
    d = run_dump(tidxpath, 0, 0, 1);
    ck_assert_int_eq(d.rc, 0);
    ck_assert_ptr_nonnull(strstr(d.out, "passed sanity check."));
    dump_free(&d);

    /* zero-filled preallocated space is not an entry */
    uint8_t zeros[24] = {0};
    append_bytes(idxpath, zeros, 16);
    append_bytes(tidxpath, zeros, 24);
    d = run_dump(idxpath, 0, 0, 0);
    ck_assert_int_eq(d.rc, 0);
    ck_assert_int_eq(count_lines(d.out, "offset:"), 6);
    dump_free(&d);
    d = run_dump(tidxpath, 0, 0, 1);
    ck_assert_int_eq(d.rc, 0);
    dump_free(&d);

    /* entries out of order */
    uint8_t e[8];
    sk_put_be32(e, 1);
    sk_put_be32(e + 4, (uint32_t)wrote[0].pos);
    patch_file(idxpath, 8, e, 8); /* entry 1 := entry 0 */
    d = run_dump(idxpath, 0, 0, 1);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_ptr_nonnull(strstr(d.out, "failed sanity check: entry 1"));
    ck_assert_ptr_nonnull(strstr(d.err, idxpath));
    dump_free(&d);

    /* increasing, but not where the log's batches are */
    sk_put_be32(e, 4);
    sk_put_be32(e + 4, (uint32_t)wrote[1].pos + 3);
    patch_file(idxpath, 8, e, 8);
    d = run_dump(idxpath, 0, 0, 0);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_int_eq(count_lines(d.out, "offset:"), 6); /* still printed */
    ck_assert_ptr_nonnull(strstr(d.err, "does not match the log"));
    dump_free(&d);
    sk_put_be32(e, 3); /* right batch position, wrong offset */
    sk_put_be32(e + 4, (uint32_t)wrote[1].pos);
    patch_file(idxpath, 8, e, 8);
    d = run_dump(idxpath, 0, 0, 1);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_ptr_nonnull(strstr(d.out, "ends at another offset (4)"));
    dump_free(&d);

    /* a partial entry */
    sk_put_be32(e, 4);
    patch_file(idxpath, 8, e, 8);
    append_bytes(idxpath, zeros, 3);
    d = run_dump(idxpath, 0, 0, 1);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_ptr_nonnull(strstr(d.out, "not a multiple of the 8-byte entry"));
    dump_free(&d);

    /* time going backwards */
    uint8_t t[12];
    sk_put_be64(t, 5);
    sk_put_be32(t + 8, 4);
    patch_file(tidxpath, 12, t, 12);
    d = run_dump(tidxpath, 0, 0, 1);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_ptr_nonnull(strstr(d.out, "failed sanity check: entry 1"));
    dump_free(&d);

    /* an index whose name gives no base offset */
    char odd[500];
    snprintf(odd, sizeof(odd), "%s/x.index", tmpdir);
    copy_file(tidxpath, odd);
    d = run_dump(odd, 0, 0, 0);
    ck_assert_int_eq(d.rc, 1);
    ck_assert_ptr_nonnull(strstr(d.err, "base offset"));
    dump_free(&d);
}
END_TEST

/* ---- the program ---- */

typedef struct prog {
    int status;
    char *out, *err;
} prog_t;

static prog_t run_prog(const char *const *args)
{
    char op[400], ep[400];
    snprintf(op, sizeof(op), "%s/stdout", tmpdir);
    snprintf(ep, sizeof(ep), "%s/stderr", tmpdir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(99);
        const char *argv[16] = {SK_DUMPLOG_BIN};
        for (int i = 0; args[i] && i < 14; i++)
            argv[i + 1] = args[i];
        execv(SK_DUMPLOG_BIN, (char *const *)argv);
        _exit(98);
    }
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    prog_t p = {WEXITSTATUS(st), NULL, NULL};
    size_t n;
    ck_assert_int_eq(sk_file_read_small(op, 1 << 24, &p.out, &n), 0);
    ck_assert_int_eq(sk_file_read_small(ep, 1 << 24, &p.err, &n), 0);
    return p;
}

static void prog_free(prog_t *p)
{
    free(p->out);
    free(p->err);
}

START_TEST(test_program)
{
    write_log();
    prog_t p = run_prog((const char *const[]){"--help", NULL});
    ck_assert_int_eq(p.status, 0);
    ck_assert_ptr_nonnull(strstr(p.out, "Usage: skein-dump-log --files"));
    prog_free(&p);

    p = run_prog((const char *const[]){NULL});
    ck_assert_int_eq(p.status, 2);
    ck_assert_ptr_nonnull(strstr(p.err, "--files is required"));
    prog_free(&p);
    p = run_prog((const char *const[]){"--bogus", NULL});
    ck_assert_int_eq(p.status, 2);
    prog_free(&p);

    char files[1300];
    snprintf(files, sizeof(files), "%s,%s,%s", logpath, idxpath, tidxpath);
    p = run_prog((const char *const[]){"--files", files, "--print-data-log", NULL});
    ck_assert_msg(p.status == 0, "status %d: %s", p.status, p.err);
    ck_assert_int_eq(count_lines(p.out, "Dumping "), 3);
    ck_assert_int_eq(count_lines(p.out, "baseOffset: "), 6);
    ck_assert_int_eq(count_lines(p.out, "| offset: "), 10);
    ck_assert_int_eq(count_lines(p.out, "offset: "), 6);
    ck_assert_int_eq(count_lines(p.out, "timestamp: "), 6);
    ck_assert_ptr_nonnull(strstr(p.out, "key: k1 payload: hello\n"));
    prog_free(&p);

    p = run_prog((const char *const[]){"--index-sanity-check", "--files", idxpath, "--files",
                                       tidxpath, NULL});
    ck_assert_int_eq(p.status, 0);
    ck_assert_int_eq(count_lines(p.out, "/"), 2); /* "<path> passed sanity check." x2 */
    prog_free(&p);

    /* missing, unknown kind, and a good file after them: status 1, all reported */
    char missing[400], other[400];
    snprintf(missing, sizeof(missing), "%s/%020d.log", tmpdir, 7);
    snprintf(other, sizeof(other), "%s/leader-epoch-checkpoint", logdir);
    snprintf(files, sizeof(files), "%s,%s,%s", missing, other, logpath);
    p = run_prog((const char *const[]){"--files", files, NULL});
    ck_assert_int_eq(p.status, 1);
    ck_assert_ptr_nonnull(strstr(p.err, missing));
    ck_assert_ptr_nonnull(strstr(p.err, "No such file"));
    ck_assert_ptr_nonnull(strstr(p.err, "not a .log, .index or .timeindex file"));
    ck_assert_int_eq(count_lines(p.out, "baseOffset: "), 6);
    prog_free(&p);

    /* a directory is not a file */
    snprintf(files, sizeof(files), "%s/dir.log", tmpdir);
    ck_assert_int_eq(mkdir(files, 0755), 0);
    p = run_prog((const char *const[]){"--files", files, NULL});
    ck_assert_int_eq(p.status, 1);
    ck_assert_ptr_nonnull(strstr(p.err, "not a regular file"));
    prog_free(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dumplog");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_dump_batches);
    tcase_add_test(tc, test_dump_records);
    tcase_add_test(tc, test_dump_corrupt_log);
    tcase_add_test(tc, test_dump_indexes);
    tcase_add_test(tc, test_program);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
