/* check_compact.c - log compaction (cleanup.policy=compact): which records
 * stay, offsets and batches, tombstones, stale plans, the key map limit,
 * leader epochs, and the swap completed after a crash. */
#include "storage/plog.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/checkpoint.h"
#include "compress.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "recbatch.h"

#define NOW 1800000000000LL /* "now" for the cleaner; records are a day older */
#define TS (NOW - 86400000LL)

static char tmpdir[256];
static int32_t put_epoch = 1; /* leader epoch of put() */
static char logdir[300];

static void setup(void)
{
    sk_log_set_level(SK_LOG_ERROR);
    put_epoch = 1;
    strcpy(tmpdir, "/tmp/sk-check-compact-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(logdir, sizeof(logdir), "%s/t-0", tmpdir);
}

static void teardown(void) { sk_plog_rmtree(tmpdir); }

static sk_plog_config_t compact_cfg(int64_t seg_bytes)
{
    sk_plog_config_t c;
    sk_plog_config_defaults(&c);
    c.segment_bytes = seg_bytes;
    c.index_interval_bytes = 0; /* index every batch: lookups are checked too */
    c.cleanup_compact = 1;
    c.cleanup_delete = 0;
    c.delete_retention_ms = 3600000;
    return c;
}

static sk_plog_t *open_at(const char *dir, const sk_plog_config_t *cfg, int64_t recovery_point)
{
    sk_plog_t *log = NULL;
    char err[256] = "";
    ck_assert_msg(sk_plog_open(dir, cfg, NULL, recovery_point, &log, err, sizeof(err)) == 0,
                  "open: %s", err);
    return log;
}

static sk_plog_t *open_dir(const char *dir, const sk_plog_config_t *cfg)
{
    return open_at(dir, cfg, 0);
}

/* One record per key given; value NULL = tombstone. Returns the first offset. */
typedef struct kv {
    const char *key;   /* NULL = no key */
    const char *value; /* NULL = tombstone */
} kv_t;

static int64_t append_kv(sk_plog_t *log, const kv_t *kvs, int n, int32_t epoch, int16_t attrs)
{
    sk_record_in_t r[16];
    memset(r, 0, sizeof(r));
    for (int i = 0; i < n; i++) {
        r[i].timestamp = TS + i;
        r[i].key = kvs[i].key;
        r[i].key_len = kvs[i].key ? (int32_t)strlen(kvs[i].key) : -1;
        r[i].value = kvs[i].value;
        r[i].value_len = kvs[i].value ? (int32_t)strlen(kvs[i].value) : -1;
    }
    sk_wr_t w;
    sk_wr_init(&w);
    sk_batch_build(&w, 0, NULL, r, n);
    if (attrs) { /* pretend the batch is compressed: the cleaner must not look inside */
        sk_put_be16(w.buf + SK_BATCH_OFF_ATTRIBUTES, (uint16_t)attrs);
        sk_batch_update_crc(w.buf, w.len);
    }
    int64_t first, last;
    ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, epoch, &first, &last), 0);
    sk_wr_free(&w);
    return first;
}

/* Single-record batch with key and value "<key>@<n>". */
static int64_t put(sk_plog_t *log, const char *key, int n)
{
    char v[64];
    snprintf(v, sizeof(v), "%s@%d", key, n);
    kv_t kv = {key, v};
    return append_kv(log, &kv, 1, put_epoch, 0);
}

/* ---- reading everything back ---- */

typedef struct rec {
    int64_t offset;
    char key[32];   /* "" with has_key 0 */
    char value[64]; /* "" with is_null 1 */
    int has_key, is_null;
} rec_t;

typedef struct recs {
    rec_t r[512];
    int n;
    int batches;
} recs_t;

static int on_rec(const sk_record_t *rec, void *arg)
{
    recs_t *rs = arg;
    ck_assert_int_lt(rs->n, 512);
    rec_t *r = &rs->r[rs->n++];
    memset(r, 0, sizeof(*r));
    r->offset = rec->offset;
    r->has_key = rec->key.len >= 0;
    if (r->has_key)
        snprintf(r->key, sizeof(r->key), "%.*s", (int)rec->key.len, rec->key.p);
    r->is_null = rec->value.len < 0;
    if (!r->is_null)
        snprintf(r->value, sizeof(r->value), "%.*s", (int)rec->value.len, rec->value.p);
    return 0;
}

/* Every record from the log start to the LEO, through sk_plog_read (so the
 * indexes of cleaned segments are used). Checks each batch's CRC. */
static void read_all(sk_plog_t *log, recs_t *out)
{
    memset(out, 0, sizeof(*out));
    int64_t off = sk_plog_start_offset(log), leo = sk_plog_end_offset(log);
    while (off < leo) {
        sk_plog_slice_t s;
        ck_assert_int_eq(sk_plog_read(log, off, leo, 1 << 20, &s), 0);
        if (s.len == 0)
            break;
        uint8_t *b = malloc((size_t)s.len);
        ck_assert_int_eq(pread(s.fd, b, (size_t)s.len, s.file_pos), s.len);
        close(s.fd);
        size_t pos = 0;
        while (pos < (size_t)s.len) {
            sk_batch_info_t h;
            ck_assert_int_eq(sk_batch_parse_header(b + pos, (size_t)s.len - pos, &h), 0);
            size_t bl = (size_t)sk_batch_total_size(&h);
            char err[200] = "";
            ck_assert_msg(sk_batch_validate(b + pos, bl, err, sizeof(err)) == 0, "batch %lld: %s",
                          (long long)h.base_offset, err);
            if (sk_batch_compression(&h) == SK_COMPRESSION_NONE)
                ck_assert_int_eq(sk_batch_foreach_record(b + pos, bl, on_rec, out), 0);
            else
                out->r[out->n++] = (rec_t){.offset = h.base_offset, .key = "<compressed>"};
            out->batches++;
            off = sk_batch_last_offset(&h) + 1;
            pos += bl;
        }
        free(b);
    }
}

static void assert_same(const recs_t *got, const recs_t *want)
{
    ck_assert_int_eq(got->n, want->n);
    for (int i = 0; i < want->n; i++) {
        ck_assert_int_eq(got->r[i].offset, want->r[i].offset);
        ck_assert_str_eq(got->r[i].key, want->r[i].key);
        ck_assert_str_eq(got->r[i].value, want->r[i].value);
    }
}

static const rec_t *find_off(const recs_t *rs, int64_t off)
{
    for (int i = 0; i < rs->n; i++)
        if (rs->r[i].offset == off)
            return &rs->r[i];
    return NULL;
}

static int count_key(const recs_t *rs, const char *key)
{
    int c = 0;
    for (int i = 0; i < rs->n; i++)
        if (rs->r[i].has_key && !strcmp(rs->r[i].key, key))
            c++;
    return c;
}

/* Base offset of the last (active) segment, from the directory. */
static int64_t active_base(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int64_t best = -1;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l == 24 && !strcmp(de->d_name + 20, ".log")) {
            long long b = atoll(de->d_name);
            if (b > best)
                best = b;
        }
    }
    closedir(d);
    return best;
}

static int count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    int c = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name), s = strlen(suffix);
        if (l >= s && !strcmp(de->d_name + l - s, suffix))
            c++;
    }
    if (d)
        closedir(d);
    return c;
}

/* ---- tests ---- */

/* 60 writes over 7 keys, batches of one and of three records, several
 * segments: below the active segment exactly the last record of each key
 * remains, at its original offset; the active segment is untouched. */
START_TEST(test_latest_per_key)
{
    sk_plog_config_t cfg = compact_cfg(700);
    sk_plog_t *log = open_dir(logdir, &cfg);
    char keys[60][8];
    char vals[60][32];
    for (int i = 0; i < 60;) {
        if (i % 4 == 0 && i + 3 <= 60) { /* a three-record batch */
            kv_t kv[3];
            for (int k = 0; k < 3; k++, i++) {
                snprintf(keys[i], sizeof(keys[i]), "k%d", (i * 5) % 7);
                snprintf(vals[i], sizeof(vals[i]), "v%d", i);
                kv[k] = (kv_t){keys[i], vals[i]};
            }
            ck_assert_int_eq(append_kv(log, kv, 3, 1, 0), i - 3);
        } else {
            snprintf(keys[i], sizeof(keys[i]), "k%d", (i * 5) % 7);
            snprintf(vals[i], sizeof(vals[i]), "v%d", i);
            kv_t kv = {keys[i], vals[i]};
            ck_assert_int_eq(append_kv(log, &kv, 1, 1, 0), i);
            i++;
        }
    }
    ck_assert_int_gt(sk_plog_segment_count(log), 3);
    int64_t act = active_base(logdir);
    int64_t size_before = sk_plog_size_bytes(log);
    int due;
    ck_assert(sk_plog_clean_ratio(log, NOW, 60, &due) == 1.0);

    sk_plog_clean_stats_t st;
    ck_assert_int_eq(sk_plog_compact(log, NOW, 60, &st), 1);
    ck_assert_int_eq(st.first_offset, 0);
    ck_assert_int_eq(st.end_offset, act);
    ck_assert_int_lt(sk_plog_size_bytes(log), size_before);
    ck_assert_int_eq(sk_plog_start_offset(log), 0);
    ck_assert_int_eq(sk_plog_end_offset(log), 60);
    ck_assert_int_eq(count_files(logdir, ".cleaned"), 0);
    ck_assert_int_eq(count_files(logdir, ".swap"), 0);
    ck_assert_int_eq(count_files(logdir, ".deleted"), 0);

    recs_t rs;
    read_all(log, &rs);
    int64_t removed = 0;
    for (int o = 0; o < 60; o++) {
        int superseded = 0;
        for (int later = o + 1; later < act; later++)
            if (!strcmp(keys[later], keys[o]))
                superseded = 1;
        const rec_t *r = find_off(&rs, o);
        if (o < act && superseded) {
            ck_assert_msg(r == NULL, "offset %d (%s) should be gone", o, keys[o]);
            removed++;
        } else {
            ck_assert_msg(r != NULL, "offset %d (%s) missing", o, keys[o]);
            ck_assert_str_eq(r->key, keys[o]);
            ck_assert_str_eq(r->value, vals[o]);
        }
    }
    ck_assert_int_eq(st.records_removed, removed);
    ck_assert_int_gt(removed, 20);

    /* Nothing dirty now: no second pass. */
    ck_assert(sk_plog_clean_ratio(log, NOW, 60, &due) < 0);
    ck_assert_int_eq(sk_plog_compact(log, NOW, 60, &st), 0);

    /* Offsets inside a gap read from the next batch that holds records. */
    for (int o = 0; o < act; o++) {
        sk_plog_slice_t s;
        ck_assert_int_eq(sk_plog_read(log, o, 60, 100000, &s), 0);
        ck_assert_int_gt(s.len, 0);
        close(s.fd);
        ck_assert_int_ge(s.first_batch_offset + 2, o); /* a batch holding o, or after it */
    }

    /* The same after reopening (indexes of cleaned segments on disk). */
    sk_plog_close(log);
    log = open_dir(logdir, &cfg);
    recs_t again;
    read_all(log, &again);
    assert_same(&again, &rs);
    sk_plog_close(log);
}
END_TEST

/* Only below the high watermark, and a later pass cleans what came since. */
START_TEST(test_high_watermark_and_second_pass)
{
    sk_plog_config_t cfg = compact_cfg(300);
    sk_plog_t *log = open_dir(logdir, &cfg);
    for (int i = 0; i < 30; i++)
        put(log, i % 2 ? "odd" : "even", i);
    int due;
    ck_assert(sk_plog_clean_ratio(log, NOW, -1, &due) < 0); /* no HW known */
    ck_assert(sk_plog_clean_ratio(log, NOW, 0, &due) < 0);  /* nothing committed */
    sk_plog_clean_stats_t st;
    ck_assert_int_eq(sk_plog_compact(log, NOW, 10, &st), 1);
    ck_assert_int_le(st.end_offset, 10);
    recs_t rs;
    read_all(log, &rs);
    for (int o = (int)st.end_offset; o < 30; o++)
        ck_assert_ptr_nonnull(find_off(&rs, o));
    ck_assert_int_eq(sk_plog_compact(log, NOW, 30, &st), 1);
    read_all(log, &rs);
    int64_t act = active_base(logdir);
    ck_assert_int_eq(st.end_offset, act);
    for (int i = 0; i < rs.n; i++)
        if (rs.r[i].offset < act - 2)
            ck_assert_msg(0, "offset %lld should be gone", (long long)rs.r[i].offset);
    sk_plog_close(log);
}
END_TEST

/* A tombstone stays while it is dirty or young, and goes in a later pass
 * once it is clean and older than delete.retention.ms. */
START_TEST(test_tombstones)
{
    sk_plog_config_t cfg = compact_cfg(300);
    sk_plog_t *log = open_dir(logdir, &cfg);
    put(log, "a", 0);
    put(log, "b", 1);
    kv_t tomb = {"a", NULL};
    int64_t t_off = append_kv(log, &tomb, 1, 1, 0);
    for (int i = 0; i < 12; i++)
        put(log, "c", i);
    sk_plog_clean_stats_t st;
    ck_assert_int_eq(sk_plog_compact(log, NOW, sk_plog_end_offset(log), &st), 1);
    recs_t rs;
    read_all(log, &rs);
    ck_assert_ptr_null(find_off(&rs, 0)); /* a@0: superseded by its tombstone */
    const rec_t *t = find_off(&rs, t_off);
    ck_assert_ptr_nonnull(t);
    ck_assert(t->is_null);
    ck_assert_int_eq(st.tombstones_removed, 0);

    for (int i = 0; i < 12; i++)
        put(log, "c", 100 + i);
    /* Young (the horizon is before the record): kept. */
    ck_assert_int_eq(sk_plog_compact(log, TS, sk_plog_end_offset(log), &st), 1);
    read_all(log, &rs);
    ck_assert_ptr_nonnull(find_off(&rs, t_off));
    for (int i = 0; i < 12; i++)
        put(log, "c", 200 + i);
    /* Old and already clean: removed. */
    ck_assert_int_eq(sk_plog_compact(log, NOW, sk_plog_end_offset(log), &st), 1);
    ck_assert_int_eq(st.tombstones_removed, 1);
    read_all(log, &rs);
    ck_assert_ptr_null(find_off(&rs, t_off));
    ck_assert_int_eq(count_key(&rs, "a"), 0);
    ck_assert_int_eq(count_key(&rs, "b"), 1);
    sk_plog_close(log);
}
END_TEST

/* Records without a key and compressed batches are kept as they are. */
START_TEST(test_keyless_and_compressed_kept)
{
    sk_plog_config_t cfg = compact_cfg(300);
    sk_plog_t *log = open_dir(logdir, &cfg);
    kv_t nokey[2] = {{NULL, "x1"}, {NULL, "x2"}};
    append_kv(log, nokey, 2, 1, 0);
    kv_t dup[2] = {{"k", "old1"}, {"k", "old2"}};
    int64_t comp = append_kv(log, dup, 2, 1, SK_COMPRESSION_LZ4);
    for (int i = 0; i < 12; i++)
        put(log, "k", i);
    sk_plog_clean_stats_t st;
    ck_assert_int_eq(sk_plog_compact(log, NOW, sk_plog_end_offset(log), &st), 1);
    recs_t rs;
    read_all(log, &rs);
    ck_assert_ptr_nonnull(find_off(&rs, 0));
    ck_assert_ptr_nonnull(find_off(&rs, 1));
    ck_assert_str_eq(find_off(&rs, 1)->value, "x2");
    const rec_t *c = find_off(&rs, comp);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->key, "<compressed>");
    sk_plog_close(log);
}
END_TEST

/* A batch compressed with `codec` holding the given records (keys/values). */
static int64_t append_compressed(sk_plog_t *log, const kv_t *kvs, int n, int codec)
{
    sk_record_in_t r[16];
    memset(r, 0, sizeof(r));
    for (int i = 0; i < n; i++) {
        r[i].timestamp = TS + i;
        r[i].key = kvs[i].key;
        r[i].key_len = kvs[i].key ? (int32_t)strlen(kvs[i].key) : -1;
        r[i].value = kvs[i].value;
        r[i].value_len = kvs[i].value ? (int32_t)strlen(kvs[i].value) : -1;
    }
    sk_wr_t w, z;
    sk_wr_init(&w);
    sk_wr_init(&z);
    sk_batch_build(&w, 0, NULL, r, n);
    sk_wr_raw(&z, w.buf, SK_BATCH_HEADER_SIZE);
    ck_assert_int_eq(sk_compress(codec, w.buf + SK_BATCH_HEADER_SIZE,
                                 w.len - SK_BATCH_HEADER_SIZE, &z), SK_OK);
    sk_put_be16(z.buf + SK_BATCH_OFF_ATTRIBUTES, (uint16_t)codec);
    sk_put_be32(z.buf + SK_BATCH_OFF_LENGTH, (uint32_t)(z.len - SK_BATCH_LOG_OVERHEAD));
    sk_batch_update_crc(z.buf, z.len);
    int64_t first, last;
    ck_assert_int_eq(sk_plog_append(log, z.buf, z.len, 1, &first, &last), 0);
    sk_wr_free(&w);
    sk_wr_free(&z);
    return first;
}

/* Compressed batches are opened, filtered and compressed again with their
 * own codec: superseded records go, the rest keep their offsets, and the
 * batch still says (and is) compressed with that codec. */
START_TEST(test_compressed_batches_filtered)
{
    static const int codecs[] = {SK_COMPRESSION_GZIP, SK_COMPRESSION_SNAPPY,
                                 SK_COMPRESSION_LZ4, SK_COMPRESSION_ZSTD};
    int codec = codecs[_i];
    sk_plog_config_t cfg = compact_cfg(400);
    sk_plog_t *log = open_dir(logdir, &cfg);
    kv_t mixed[4] = {{"a", "a-old"}, {"b", "b-only"}, {"c", "c-old"}, {"d", "d-only"}};
    ck_assert_int_eq(append_compressed(log, mixed, 4, codec), 0);
    kv_t newer[2] = {{"a", "a-new"}, {"c", "c-new"}};
    ck_assert_int_eq(append_compressed(log, newer, 2, codec), 4);
    for (int i = 0; i < 10; i++)
        put(log, "filler", i);
    sk_plog_clean_stats_t st;
    ck_assert_int_eq(sk_plog_compact(log, NOW, sk_plog_end_offset(log), &st), 1);
    ck_assert_int_ge(st.records_removed, 2);
    /* the first batch: offsets 1 and 3 remain, still compressed with codec */
    sk_plog_slice_t sl;
    ck_assert_int_eq(sk_plog_read(log, 0, sk_plog_end_offset(log), 100000, &sl), 0);
    uint8_t *buf = malloc((size_t)sl.len);
    ck_assert_int_eq(pread(sl.fd, buf, (size_t)sl.len, sl.file_pos), sl.len);
    close(sl.fd);
    sk_batch_info_t h;
    sk_batch_parse_header(buf, (size_t)sl.len, &h);
    ck_assert_int_eq(h.base_offset, 0);
    ck_assert_int_eq(h.last_offset_delta, 3);
    ck_assert_int_eq(h.record_count, 2);
    ck_assert_int_eq(sk_batch_compression(&h), codec);
    size_t blen = (size_t)sk_batch_total_size(&h);
    ck_assert_int_eq(sk_batch_validate(buf, blen, NULL, 0), SK_KERR_NONE);
    sk_wr_t plain;
    sk_wr_init(&plain);
    sk_wr_raw(&plain, buf, SK_BATCH_HEADER_SIZE);
    ck_assert_int_eq(sk_decompress(codec, buf + SK_BATCH_HEADER_SIZE, blen - SK_BATCH_HEADER_SIZE,
                                   1 << 20, &plain), SK_OK);
    sk_put_be16(plain.buf + SK_BATCH_OFF_ATTRIBUTES, 0);
    sk_put_be32(plain.buf + SK_BATCH_OFF_LENGTH, (uint32_t)(plain.len - SK_BATCH_LOG_OVERHEAD));
    recs_t rs;
    memset(&rs, 0, sizeof(rs));
    ck_assert_int_eq(sk_batch_foreach_record(plain.buf, plain.len, on_rec, &rs), 0);
    ck_assert_int_eq(rs.n, 2);
    ck_assert_int_eq(rs.r[0].offset, 1);
    ck_assert_str_eq(rs.r[0].value, "b-only");
    ck_assert_int_eq(rs.r[1].offset, 3);
    ck_assert_str_eq(rs.r[1].value, "d-only");
    sk_wr_free(&plain);
    free(buf);
    sk_plog_close(log);
}
END_TEST

/* A batch keeps its base offset, lastOffsetDelta, leader epoch and producer
 * fields when some of its records go; its CRC is right (read_all checks). */
START_TEST(test_partial_batch_header)
{
    sk_plog_config_t cfg = compact_cfg(300);
    sk_plog_t *log = open_dir(logdir, &cfg);
    kv_t kv[3] = {{"x", "1"}, {"y", "2"}, {"z", "3"}};
    ck_assert_int_eq(append_kv(log, kv, 3, 4, 0), 0);
    put_epoch = 4;
    for (int i = 0; i < 10; i++)
        put(log, "y", i);
    ck_assert_int_eq(sk_plog_compact(log, NOW, sk_plog_end_offset(log), NULL), 1);
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(log, 0, sk_plog_end_offset(log), 100000, &s), 0);
    uint8_t hdr[SK_BATCH_HEADER_SIZE];
    ck_assert_int_eq(pread(s.fd, hdr, sizeof(hdr), s.file_pos), sizeof(hdr));
    close(s.fd);
    sk_batch_info_t h;
    sk_batch_parse_header(hdr, sizeof(hdr), &h);
    ck_assert_int_eq(h.base_offset, 0);
    ck_assert_int_eq(h.last_offset_delta, 2);
    ck_assert_int_eq(h.record_count, 2);
    ck_assert_int_eq(h.partition_leader_epoch, 4);
    ck_assert_int_eq(h.producer_id, -1);
    ck_assert_int_eq(h.base_timestamp, TS);
    ck_assert_int_eq(h.max_timestamp, TS + 2); /* of the records that stayed */
    recs_t rs;
    read_all(log, &rs);
    ck_assert_str_eq(find_off(&rs, 0)->value, "1");
    ck_assert_ptr_null(find_off(&rs, 1));
    ck_assert_str_eq(find_off(&rs, 2)->value, "3");
    sk_plog_close(log);
}
END_TEST

/* A plan made stale by truncation or retention is discarded at finish and
 * leaves no files behind; a plan of a closed log too. */
START_TEST(test_stale_plan_discarded)
{
    sk_plog_config_t cfg = compact_cfg(300);
    sk_plog_t *log = open_dir(logdir, &cfg);
    for (int i = 0; i < 20; i++)
        put(log, "k", i);
    int64_t size = sk_plog_size_bytes(log);
    sk_plog_clean_t *j = sk_plog_clean_plan(log, NOW, 20, 0, 1);
    ck_assert_ptr_nonnull(j);
    /* one plan per log at a time */
    ck_assert_ptr_null(sk_plog_clean_plan(log, NOW, 20, 0, 1));
    sk_plog_clean_run(j);
    ck_assert_int_gt(count_files(logdir, ".log.cleaned"), 0);
    ck_assert_int_eq(sk_plog_truncate_to(log, 3), 0);
    ck_assert_int_eq(sk_plog_clean_finish(j, NULL), 0);
    ck_assert_int_eq(count_files(logdir, ".cleaned"), 0);
    ck_assert_int_lt(sk_plog_size_bytes(log), size);
    ck_assert_int_eq(sk_plog_end_offset(log), 3);

    for (int i = 0; i < 20; i++)
        put(log, "k", i);
    j = sk_plog_clean_plan(log, NOW, sk_plog_end_offset(log), 0, 1);
    ck_assert_ptr_nonnull(j);
    sk_plog_clean_cancel(j);
    sk_plog_clean_run(j);
    ck_assert_int_eq(sk_plog_clean_finish(j, NULL), 0);
    ck_assert_int_eq(count_files(logdir, ".cleaned"), 0);

    j = sk_plog_clean_plan(log, NOW, sk_plog_end_offset(log), 0, 1);
    ck_assert_ptr_nonnull(j);
    sk_plog_clean_run(j);
    sk_plog_close(log);
    ck_assert_int_eq(sk_plog_clean_finish(j, NULL), 0);
    ck_assert_int_eq(count_files(logdir, ".cleaned"), 0);
}
END_TEST

/* The key map limit: a pass covers the dirty segments whose keys fit;
 * when not even the first one fits the pass fails and nothing changes. */
START_TEST(test_dedupe_buffer_limit)
{
    sk_plog_config_t cfg = compact_cfg(400);
    sk_plog_t *log = open_dir(logdir, &cfg);
    char key[16];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof(key), "key-%03d", i % 20);
        put(log, key, i);
    }
    int64_t size = sk_plog_size_bytes(log);
    sk_plog_clean_t *j = sk_plog_clean_plan(log, NOW, 40, 100, 1);
    ck_assert_ptr_nonnull(j);
    sk_plog_clean_run(j);
    ck_assert_int_lt(sk_plog_clean_finish(j, NULL), 0);
    ck_assert_int_eq(sk_plog_size_bytes(log), size);
    ck_assert_int_eq(count_files(logdir, ".cleaned"), 0);
    sk_plog_close(log); /* a failed pass marks the log uncleanable until reopened */
    log = open_dir(logdir, &cfg);

    /* room for the table and a few keys: fewer segments than all */
    sk_plog_clean_stats_t st;
    j = sk_plog_clean_plan(log, NOW, 40, 32768 + 60, 1); /* the empty table is 32 KiB */
    ck_assert_ptr_nonnull(j);
    sk_plog_clean_run(j);
    ck_assert_int_eq(sk_plog_clean_finish(j, &st), 1);
    ck_assert_int_gt(st.end_offset, 0);
    ck_assert_int_lt(st.end_offset, active_base(logdir));
    sk_plog_close(log);
}
END_TEST

/* Leader epochs survive compaction even when an epoch loses its first
 * batches: the checkpoint is not rebuilt at reopen and answers the same. */
START_TEST(test_leader_epochs_kept)
{
    sk_plog_config_t cfg = compact_cfg(300);
    sk_plog_t *log = open_dir(logdir, &cfg);
    kv_t a = {"k", "e1"};
    for (int i = 0; i < 4; i++)
        append_kv(log, &a, 1, 1, 0);
    kv_t b = {"k", "e2"};
    for (int i = 0; i < 4; i++)
        append_kv(log, &b, 1, 2, 0);
    kv_t c = {"other", "e3"};
    for (int i = 0; i < 8; i++)
        append_kv(log, &c, 1, 3, 0);
    int32_t ep;
    int64_t end1, end2;
    sk_plog_end_offset_for_epoch(log, 1, &ep, &end1);
    sk_plog_end_offset_for_epoch(log, 2, &ep, &end2);
    ck_assert_int_eq(end1, 4);
    ck_assert_int_eq(end2, 8);
    ck_assert_int_eq(sk_plog_compact(log, NOW, sk_plog_end_offset(log), NULL), 1);
    sk_plog_flush_sync(log);
    int64_t rp = sk_plog_recovery_point(log);
    sk_plog_close(log);
    log = open_at(logdir, &cfg, rp); /* as after a clean shutdown */
    sk_plog_end_offset_for_epoch(log, 1, &ep, &end1);
    ck_assert_int_eq(ep, 1);
    ck_assert_int_eq(end1, 4);
    sk_plog_end_offset_for_epoch(log, 2, &ep, &end2);
    ck_assert_int_eq(ep, 2);
    ck_assert_int_eq(end2, 8);
    ck_assert_int_eq(sk_plog_latest_epoch(log), 3);
    sk_plog_close(log);
}
END_TEST

static void copy_file(const char *from, const char *to)
{
    char *t;
    size_t n;
    ck_assert_int_eq(sk_file_read_small(from, 1 << 24, &t, &n), 0);
    char err[256];
    ck_assert_msg(sk_file_write_atomic(to, t, n, err, sizeof(err)) == 0, "%s", err);
    free(t);
}

static void copy_dir(const char *from, const char *to)
{
    mkdir(to, 0755);
    DIR *d = opendir(from);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char a[1024], b[1024];
        snprintf(a, sizeof(a), "%s/%s", from, de->d_name);
        snprintf(b, sizeof(b), "%s/%s", to, de->d_name);
        copy_file(a, b);
    }
    closedir(d);
}

/* A crash between the swap steps: at open a <base>.log.swap replaces the
 * segments it covers (whatever is left of them), stray .cleaned files go,
 * and the log reads exactly like the one whose swap completed. */
START_TEST(test_swap_completed_at_open)
{
    sk_plog_config_t cfg = compact_cfg(100000);
    sk_plog_t *log = open_dir(logdir, &cfg);
    char key[16];
    for (int i = 0; i < 30; i++) {
        snprintf(key, sizeof(key), "k%d", i % 4);
        put(log, key, i);
        if (i == 9 || i == 19) { /* roll: segments [0,10) [10,20) [20,...) */
            sk_plog_config_t small = cfg;
            small.segment_bytes = 1;
            sk_plog_set_config(log, &small);
            put(log, "roll", i);
            sk_plog_set_config(log, &cfg);
        }
    }
    sk_plog_close(log);
    char crashed[400];
    snprintf(crashed, sizeof(crashed), "%s/t-1", tmpdir);
    copy_dir(logdir, crashed);

    cfg.segment_bytes = 100000; /* both old segments go into one */
    log = open_dir(logdir, &cfg);
    ck_assert_int_ge(sk_plog_segment_count(log), 3);
    ck_assert_int_eq(sk_plog_compact(log, NOW, sk_plog_end_offset(log), NULL), 1);
    recs_t want;
    read_all(log, &want);
    sk_plog_close(log);

    /* The crashed copy: the cleaned segment is there as .swap, the first old
     * segment was already renamed away, a stray .cleaned index exists. */
    char p[600], q[600];
    snprintf(p, sizeof(p), "%s/%020d.log", logdir, 0);
    snprintf(q, sizeof(q), "%s/%020d.log.swap", crashed, 0);
    copy_file(p, q);
    snprintf(p, sizeof(p), "%s/%020d.log", crashed, 0);
    snprintf(q, sizeof(q), "%s/%020d.log.deleted", crashed, 0);
    ck_assert_int_eq(rename(p, q), 0);
    snprintf(p, sizeof(p), "%s/%020d.index.cleaned", crashed, 11);
    copy_file(q, p);
    log = open_dir(crashed, &cfg);
    recs_t got;
    read_all(log, &got);
    assert_same(&got, &want);
    ck_assert_int_eq(count_files(crashed, ".swap"), 0);
    ck_assert_int_eq(count_files(crashed, ".cleaned"), 0);
    ck_assert_int_eq(count_files(crashed, ".deleted"), 0);
    sk_plog_close(log);
}
END_TEST

/* A damaged closed segment stops the pass: nothing is copied or
 * re-checksummed, the log stays as it was, no files are left behind. */
START_TEST(test_corrupt_segment_stops_the_pass)
{
    sk_plog_config_t cfg = compact_cfg(300);
    sk_plog_t *log = open_dir(logdir, &cfg);
    for (int i = 0; i < 20; i++)
        put(log, "k", i);
    int64_t size = sk_plog_size_bytes(log);
    char p[600];
    snprintf(p, sizeof(p), "%s/%020d.log", logdir, 0);
    int fd = open(p, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, "\xff", 1, 70), 1); /* inside the first record's value */
    close(fd);
    sk_plog_clean_stats_t st;
    ck_assert_int_lt(sk_plog_compact(log, NOW, sk_plog_end_offset(log), &st), 0);
    ck_assert_int_eq(sk_plog_size_bytes(log), size);
    ck_assert_int_eq(count_files(logdir, ".cleaned"), 0);
    ck_assert_int_eq(count_files(logdir, ".swap"), 0);
    int due;
    ck_assert(sk_plog_clean_ratio(log, NOW, sk_plog_end_offset(log), &due) < 0); /* uncleanable */
    sk_plog_close(log);
}
END_TEST

/* The ratio and the lags decide when a log is worth cleaning. */
START_TEST(test_ratio_and_lags)
{
    sk_plog_config_t cfg = compact_cfg(300);
    cfg.cleanup_compact = 0;
    sk_plog_t *log = open_dir(logdir, &cfg);
    for (int i = 0; i < 20; i++)
        put(log, "k", i);
    int due;
    int64_t hw = sk_plog_end_offset(log);
    ck_assert(sk_plog_clean_ratio(log, NOW, hw, &due) < 0); /* not compacted */
    cfg.cleanup_compact = 1;
    cfg.min_compaction_lag_ms = 2 * 86400000LL; /* records are a day old */
    sk_plog_set_config(log, &cfg);
    ck_assert(sk_plog_clean_ratio(log, NOW, hw, &due) < 0);
    cfg.min_compaction_lag_ms = 0;
    sk_plog_set_config(log, &cfg);
    ck_assert(sk_plog_clean_ratio(log, NOW, hw, &due) == 1.0);
    ck_assert_int_eq(due, 0);
    ck_assert_int_eq(sk_plog_compact(log, NOW, hw, NULL), 1);
    /* a little new data: below the ratio, no plan unless forced or due */
    for (int i = 0; i < 8; i++)
        put(log, "k", 100 + i);
    hw = sk_plog_end_offset(log);
    double r = sk_plog_clean_ratio(log, NOW, hw, &due);
    ck_assert(r > 0 && r < 1.0);
    cfg.min_cleanable_ratio = 0.99;
    sk_plog_set_config(log, &cfg);
    ck_assert_ptr_null(sk_plog_clean_plan(log, NOW, hw, 0, 0));
    cfg.max_compaction_lag_ms = 3600000; /* an hour: the day-old data is due */
    sk_plog_set_config(log, &cfg);
    ck_assert(sk_plog_clean_ratio(log, NOW, hw, &due) > 0);
    ck_assert_int_eq(due, 1);
    sk_plog_clean_t *j = sk_plog_clean_plan(log, NOW, hw, 0, 0);
    ck_assert_ptr_nonnull(j);
    sk_plog_clean_run(j);
    ck_assert_int_eq(sk_plog_clean_finish(j, NULL), 1);
    sk_plog_close(log);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compact");
    TCase *tc = tcase_create("compact");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_latest_per_key);
    tcase_add_test(tc, test_high_watermark_and_second_pass);
    tcase_add_test(tc, test_tombstones);
    tcase_add_test(tc, test_keyless_and_compressed_kept);
    tcase_add_test(tc, test_partial_batch_header);
    tcase_add_test(tc, test_stale_plan_discarded);
    tcase_add_test(tc, test_dedupe_buffer_limit);
    tcase_add_test(tc, test_leader_epochs_kept);
    tcase_add_test(tc, test_swap_completed_at_open);
    tcase_add_test(tc, test_ratio_and_lags);
    tcase_add_test(tc, test_corrupt_segment_stops_the_pass);
    tcase_add_loop_test(tc, test_compressed_batches_filtered, 0, 4);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
