/* check_recbatch.c - RecordBatch v2 parsing, validation, stamping, records. */
#include "recbatch.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "kerr.h"

/* Hand-assembles a batch around raw record bytes (independent of the
 * library's builder). Returns the total size written into out. */
static size_t mk_batch(uint8_t *out, const uint8_t *recs, size_t rlen, int32_t count, int32_t lod,
                       int16_t attrs)
{
    memset(out, 0, 61);
    size_t total = 61 + rlen;
    sk_put_be64(out, 0);
    sk_put_be32(out + 8, (uint32_t)(total - 12));
    out[16] = 2;
    sk_put_be16(out + 21, (uint16_t)attrs);
    sk_put_be32(out + 23, (uint32_t)lod);
    sk_put_be64(out + 27, 1700000000000ull);
    sk_put_be64(out + 35, 1700000000005ull);
    sk_put_be64(out + 43, (uint64_t)-1);
    sk_put_be16(out + 51, 0xffff);
    sk_put_be32(out + 53, 0xffffffffu);
    sk_put_be32(out + 57, (uint32_t)count);
    if (rlen)
        memcpy(out + 61, recs, rlen);
    sk_put_be32(out + 17, sk_crc32c(0, out + 21, total - 21));
    return total;
}

/* The kcat example: key "key1", value "hi", header h1=v1, timestamp delta 0. */
static const uint8_t kcat_record[] = {
    0x24,                   /* length 18 (zig-zag) */
    0x00,                   /* attributes */
    0x00,                   /* timestampDelta 0 */
    0x00,                   /* offsetDelta 0 */
    0x08, 'k', 'e', 'y', '1', /* key length 4 */
    0x04, 'h', 'i',         /* value length 2 */
    0x02,                   /* 1 header */
    0x04, 'h', '1', 0x04, 'v', '1',
};

START_TEST(test_kcat_example_sizes)
{
    uint8_t b[256];
    size_t n = mk_batch(b, kcat_record, sizeof(kcat_record), 1, 0, 0);
    ck_assert_uint_eq(n, 80);
    sk_batch_info_t h;
    ck_assert_int_eq(sk_batch_parse_header(b, n, &h), 0);
    ck_assert_int_eq(h.batch_length, 68);
    ck_assert_int_eq(h.magic, 2);
    ck_assert_int_eq(h.record_count, 1);
    ck_assert_int_eq(h.producer_id, -1);
    ck_assert_int_eq(h.producer_epoch, -1);
    ck_assert_int_eq(h.base_sequence, -1);
    ck_assert_int_eq(h.max_timestamp, 1700000000005LL);
    ck_assert_int_eq(sk_batch_validate(b, n, NULL, 0), SK_KERR_NONE);
    ck_assert_int_eq(sk_batch_next(b, n), 80);

    /* The library builder produces the same bytes. */
    sk_record_header_in_t hd = {"h1", "v1", 2};
    sk_record_in_t r = {1700000000000LL, "key1", 4, "hi", 2, &hd, 1};
    sk_wr_t w;
    sk_wr_init(&w);
    sk_batch_build(&w, 0, NULL, &r, 1);
    ck_assert_uint_eq(w.len, 80);
    /* maxTimestamp differs (builder uses the record's): align and compare. */
    sk_put_be64(b + 35, 1700000000000ull);
    sk_batch_update_crc(b, n);
    ck_assert_mem_eq(w.buf, b, 80);
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_truncated_header)
{
    uint8_t b[256];
    size_t n = mk_batch(b, kcat_record, sizeof(kcat_record), 1, 0, 0);
    sk_batch_info_t h;
    char err[128] = "";
    for (size_t len = 0; len < 61; len++) {
        ck_assert_int_eq(sk_batch_parse_header(b, len, &h), SK_EPARSE);
        ck_assert_int_eq(sk_batch_validate(b, len, err, sizeof(err)), SK_KERR_CORRUPT_MESSAGE);
    }
    ck_assert_int_eq(sk_batch_parse_header(NULL, 100, &h), SK_EPARSE);
    /* every shorter length fails validation and is a torn tail for next() */
    for (size_t len = 0; len < n; len++) {
        ck_assert_int_ne(sk_batch_validate(b, len, NULL, 0), SK_KERR_NONE);
        ck_assert_int_eq(sk_batch_next(b, len), 0);
    }
    ck_assert_ptr_nonnull(strstr(sk_batch_validate(b, 10, err, sizeof(err)) ? err : "", "header"));
}
END_TEST

START_TEST(test_batch_length_wrong)
{
    uint8_t b[256];
    size_t n = mk_batch(b, kcat_record, sizeof(kcat_record), 1, 0, 0);
    char err[128];
    sk_put_be32(b + 8, 69); /* too big: CRC does not cover it */
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_CORRUPT_MESSAGE);
    ck_assert_ptr_nonnull(strstr(err, "batchLength"));
    ck_assert_int_eq(sk_batch_next(b, n), 0); /* claims more than present */
    sk_put_be32(b + 8, 67);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_CORRUPT_MESSAGE);
    sk_put_be32(b + 8, 48); /* below header size */
    ck_assert_int_eq(sk_batch_next(b, n), -1);
    sk_put_be32(b + 8, 0x80000000u); /* negative */
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_CORRUPT_MESSAGE);
    ck_assert_int_eq(sk_batch_next(b, n), -1);
    sk_put_be32(b + 8, 68);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_NONE);
    /* Extra bytes after the batch are not part of it. */
    b[n] = 0;
    ck_assert_int_eq(sk_batch_validate(b, n + 1, err, sizeof(err)), SK_KERR_CORRUPT_MESSAGE);
}
END_TEST

START_TEST(test_wrong_magic)
{
    uint8_t b[256];
    size_t n = mk_batch(b, kcat_record, sizeof(kcat_record), 1, 0, 0);
    char err[128];
    for (int m = 0; m < 256; m++) {
        if (m == 2)
            continue;
        b[16] = (uint8_t)m;
        ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_INVALID_RECORD);
        ck_assert_int_eq(sk_batch_next(b, n), -1);
    }
    ck_assert_ptr_nonnull(strstr(err, "magic"));
}
END_TEST

START_TEST(test_bad_crc_every_byte)
{
    uint8_t b[256];
    size_t n = mk_batch(b, kcat_record, sizeof(kcat_record), 1, 0, 0);
    char err[128];
    for (size_t i = 17; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1 << bit);
            ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_CORRUPT_MESSAGE);
            b[i] ^= (uint8_t)(1 << bit);
        }
    }
    ck_assert_int_eq(sk_batch_validate(b, n, NULL, 0), SK_KERR_NONE);
    b[40] ^= 1;
    sk_batch_validate(b, n, err, sizeof(err));
    ck_assert_ptr_nonnull(strstr(err, "CRC"));
}
END_TEST

START_TEST(test_stamping_keeps_crc)
{
    uint8_t b[256];
    size_t n = mk_batch(b, kcat_record, sizeof(kcat_record), 1, 0, 0);
    sk_batch_set_base_offset(b, 0x0102030405060708LL);
    sk_batch_set_leader_epoch(b, 77);
    ck_assert_int_eq(sk_batch_validate(b, n, NULL, 0), SK_KERR_NONE);
    sk_batch_info_t h;
    sk_batch_parse_header(b, n, &h);
    ck_assert_int_eq(h.base_offset, 0x0102030405060708LL);
    ck_assert_int_eq(h.partition_leader_epoch, 77);
    ck_assert_int_eq(sk_batch_last_offset(&h), 0x0102030405060708LL);
    ck_assert_int_eq(sk_batch_total_size(&h), 80);
}
END_TEST

START_TEST(test_record_count_mismatch)
{
    uint8_t b[256], two[64];
    char err[128];
    /* header says 2, one present */
    size_t n = mk_batch(b, kcat_record, sizeof(kcat_record), 2, 1, 0);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_INVALID_RECORD);
    /* header says 1, two present */
    memcpy(two, kcat_record, sizeof(kcat_record));
    memcpy(two + sizeof(kcat_record), kcat_record, sizeof(kcat_record));
    two[sizeof(kcat_record) + 3] = 0x02; /* second record offsetDelta 1 */
    n = mk_batch(b, two, 2 * sizeof(kcat_record), 1, 1, 0);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_INVALID_RECORD);
    /* correct header: fine */
    n = mk_batch(b, two, 2 * sizeof(kcat_record), 2, 1, 0);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_NONE);
    /* lastOffsetDelta too small for the count */
    n = mk_batch(b, two, 2 * sizeof(kcat_record), 2, 0, 0);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_CORRUPT_MESSAGE);
    /* duplicate offset deltas */
    two[sizeof(kcat_record) + 3] = 0x00;
    n = mk_batch(b, two, 2 * sizeof(kcat_record), 2, 1, 0);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_INVALID_RECORD);
    /* offset delta beyond lastOffsetDelta */
    two[sizeof(kcat_record) + 3] = 0x04;
    n = mk_batch(b, two, 2 * sizeof(kcat_record), 2, 1, 0);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_INVALID_RECORD);
    /* negative count */
    n = mk_batch(b, kcat_record, sizeof(kcat_record), -1, 0, 0);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_CORRUPT_MESSAGE);
    /* negative lastOffsetDelta */
    n = mk_batch(b, kcat_record, sizeof(kcat_record), 1, -1, 0);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_CORRUPT_MESSAGE);
    /* empty batch (count 0, no records) is allowed, e.g. after compaction */
    n = mk_batch(b, NULL, 0, 0, 3, 0);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_NONE);
}
END_TEST

static void expect_corrupt_record(const uint8_t *rec, size_t rlen)
{
    uint8_t b[256];
    char err[128];
    size_t n = mk_batch(b, rec, rlen, 1, 0, 0);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_CORRUPT_MESSAGE);
    ck_assert_int_eq(sk_batch_foreach_record(b, n, NULL, NULL), SK_EPARSE);
}

START_TEST(test_record_malformed)
{
    uint8_t r[sizeof(kcat_record)];
    /* record length overruns the batch */
    memcpy(r, kcat_record, sizeof(r));
    r[0] = 0x26; /* 19 */
    expect_corrupt_record(r, sizeof(r));
    /* record length shorter than its fields */
    r[0] = 0x22; /* 17 */
    expect_corrupt_record(r, sizeof(r));
    /* negative / zero record length */
    r[0] = 0x01;
    expect_corrupt_record(r, sizeof(r));
    r[0] = 0x00;
    expect_corrupt_record(r, sizeof(r));
    /* key length -2 */
    memcpy(r, kcat_record, sizeof(r));
    r[4] = 0x03;
    expect_corrupt_record(r, sizeof(r));
    /* key length past the record */
    r[4] = 0x28;
    expect_corrupt_record(r, sizeof(r));
    /* value length -3 */
    memcpy(r, kcat_record, sizeof(r));
    r[9] = 0x05;
    expect_corrupt_record(r, sizeof(r));
    /* negative header count */
    memcpy(r, kcat_record, sizeof(r));
    r[12] = 0x01;
    expect_corrupt_record(r, sizeof(r));
    /* header count 2 but one header */
    r[12] = 0x04;
    expect_corrupt_record(r, sizeof(r));
    /* null header key (-1) is not allowed */
    memcpy(r, kcat_record, sizeof(r));
    r[13] = 0x01;
    expect_corrupt_record(r, sizeof(r));
    /* header value length -2 */
    memcpy(r, kcat_record, sizeof(r));
    r[16] = 0x03;
    expect_corrupt_record(r, sizeof(r));
    /* unterminated varint in the record length */
    uint8_t v[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    expect_corrupt_record(v, sizeof(v));
    /* compressed batches are not walked, but unknown codecs are refused */
    uint8_t b[256];
    size_t n = mk_batch(b, v, sizeof(v), 1, 0, SK_COMPRESSION_ZSTD);
    ck_assert_int_eq(sk_batch_validate(b, n, NULL, 0), SK_KERR_NONE);
    ck_assert_int_eq(sk_batch_foreach_record(b, n, NULL, NULL), SK_EINVAL);
    n = mk_batch(b, v, sizeof(v), 1, 0, 5);
    ck_assert_int_eq(sk_batch_validate(b, n, NULL, 0), SK_KERR_CORRUPT_MESSAGE);
}
END_TEST

START_TEST(test_next_iterates)
{
    sk_wr_t w;
    sk_wr_init(&w);
    sk_record_in_t r[3] = {{100, "a", 1, "x", 1, NULL, 0},
                           {105, NULL, -1, "yy", 2, NULL, 0},
                           {103, "c", 1, NULL, -1, NULL, 0}};
    sk_batch_build(&w, 0, NULL, r, 3);
    size_t first = w.len;
    sk_batch_build(&w, 0, NULL, r, 1);
    sk_batch_build(&w, 0, NULL, NULL, 0);
    size_t pos = 0, count = 0;
    for (;;) {
        ssize_t n = sk_batch_next(w.buf + pos, w.len - pos);
        ck_assert_int_ge(n, 0);
        if (n == 0)
            break;
        ck_assert_int_ge(n, 61);
        ck_assert_int_eq(sk_batch_validate(w.buf + pos, (size_t)n, NULL, 0), SK_KERR_NONE);
        pos += (size_t)n;
        count++;
    }
    ck_assert_uint_eq(count, 3);
    ck_assert_uint_eq(pos, w.len);
    /* a torn second batch */
    ssize_t second = sk_batch_next(w.buf + first, w.len - first);
    ck_assert_int_gt(second, 61);
    ck_assert_int_eq(sk_batch_next(w.buf + first, (size_t)second - 1), 0);
    ck_assert_int_eq(sk_batch_next(w.buf + first, (size_t)second), second);
    sk_batch_info_t h;
    sk_batch_parse_header(w.buf, w.len, &h);
    ck_assert_int_eq(h.max_timestamp, 105);
    ck_assert_int_eq(h.base_timestamp, 100);
    ck_assert_int_eq(h.last_offset_delta, 2);
    sk_wr_free(&w);
}
END_TEST

struct seen {
    int n;
    int64_t off[8], ts[8];
    char keys[8][8];
    int32_t hc[8];
    int stop_at;
};

static int on_rec(const sk_record_t *rec, void *arg)
{
    struct seen *s = arg;
    s->off[s->n] = rec->offset;
    s->ts[s->n] = rec->timestamp;
    s->hc[s->n] = rec->header_count;
    if (rec->key.len >= 0)
        snprintf(s->keys[s->n], 8, "%.*s", rec->key.len, rec->key.p);
    else
        strcpy(s->keys[s->n], "<null>");
    s->n++;
    return s->n == s->stop_at ? 42 : 0;
}

START_TEST(test_foreach_record)
{
    sk_wr_t w;
    sk_wr_init(&w);
    sk_record_header_in_t hd[2] = {{"h1", "v1", 2}, {"h2", NULL, -1}};
    sk_record_in_t r[3] = {{100, "a", 1, "x", 1, hd, 2},
                           {105, NULL, -1, "yy", 2, NULL, 0},
                           {103, "c", 1, NULL, -1, hd, 1}};
    sk_batch_build(&w, 0, NULL, r, 3);
    sk_batch_set_base_offset(w.buf, 1000);
    struct seen s = {0};
    ck_assert_int_eq(sk_batch_foreach_record(w.buf, w.len, on_rec, &s), 0);
    ck_assert_int_eq(s.n, 3);
    ck_assert_int_eq(s.off[0], 1000);
    ck_assert_int_eq(s.off[2], 1002);
    ck_assert_int_eq(s.ts[1], 105);
    ck_assert_int_eq(s.ts[2], 103);
    ck_assert_str_eq(s.keys[0], "a");
    ck_assert_str_eq(s.keys[1], "<null>");
    ck_assert_int_eq(s.hc[0], 2);

    /* stop early */
    struct seen s2 = {.stop_at = 2};
    ck_assert_int_eq(sk_batch_foreach_record(w.buf, w.len, on_rec, &s2), 42);
    ck_assert_int_eq(s2.n, 2);

    /* LogAppendTime: every record gets maxTimestamp */
    sk_put_be16(w.buf + 21, SK_BATCH_ATTR_LOG_APPEND_TIME);
    sk_put_be64(w.buf + 35, 999);
    sk_batch_update_crc(w.buf, w.len);
    ck_assert_int_eq(sk_batch_validate(w.buf, w.len, NULL, 0), SK_KERR_NONE);
    struct seen s3 = {0};
    ck_assert_int_eq(sk_batch_foreach_record(w.buf, w.len, on_rec, &s3), 0);
    ck_assert_int_eq(s3.ts[0], 999);
    ck_assert_int_eq(s3.ts[2], 999);

    /* wrong length given to foreach */
    ck_assert_int_eq(sk_batch_foreach_record(w.buf, w.len - 1, on_rec, &s3), SK_EPARSE);
    sk_wr_free(&w);
}
END_TEST

/* baseOffset + lastOffsetDelta past INT64_MAX is refused, not overflowed
 * into negative record offsets (fuzz_recbatch found it under UBSan). */
START_TEST(test_base_offset_overflow)
{
    uint8_t rec[64];
    size_t rlen = sizeof(kcat_record);
    memcpy(rec, kcat_record, rlen);
    rec[3] = 0x06; /* offsetDelta 3 */
    uint8_t b[256];
    size_t n = mk_batch(b, rec, rlen, 1, 3, 0);
    sk_batch_set_base_offset(b, INT64_MAX - 3); /* outside the CRC */
    ck_assert_int_eq(sk_batch_validate(b, n, NULL, 0), SK_KERR_NONE);
    struct seen s = {0};
    ck_assert_int_eq(sk_batch_foreach_record(b, n, on_rec, &s), 0);
    ck_assert_int_eq(s.off[0], INT64_MAX);

    char err[128];
    sk_batch_set_base_offset(b, INT64_MAX - 2);
    ck_assert_int_eq(sk_batch_validate(b, n, err, sizeof(err)), SK_KERR_CORRUPT_MESSAGE);
    ck_assert_ptr_nonnull(strstr(err, "overflows"));
    ck_assert_int_eq(sk_batch_foreach_record(b, n, on_rec, &s), SK_EPARSE);
    sk_batch_set_base_offset(b, INT64_MAX);
    ck_assert_int_eq(sk_batch_validate(b, n, NULL, 0), SK_KERR_CORRUPT_MESSAGE);

    /* compressed batches are not walked by validate, but refused the same */
    n = mk_batch(b, rec, rlen, 1, 3, SK_COMPRESSION_GZIP);
    sk_batch_set_base_offset(b, INT64_MAX - 1);
    ck_assert_int_eq(sk_batch_validate(b, n, NULL, 0), SK_KERR_CORRUPT_MESSAGE);

    /* sk_batch_last_offset on a header nobody validated (down-conversion
     * of a corrupt segment, fuzz_msgset): defined, no overflow trap */
    sk_batch_info_t h;
    sk_batch_set_base_offset(b, INT64_MIN);
    sk_put_be32(b + 23, (uint32_t)-807049216);
    ck_assert_int_eq(sk_batch_parse_header(b, n, &h), SK_OK);
    ck_assert(sk_batch_last_offset(&h) != INT64_MIN);
    sk_batch_set_base_offset(b, INT64_MAX - 1);
    sk_put_be32(b + 23, 3);
    ck_assert_int_eq(sk_batch_parse_header(b, n, &h), SK_OK);
    ck_assert(sk_batch_last_offset(&h) < 0); /* wrapped, never trusted */
}
END_TEST

START_TEST(test_headers_iter)
{
    sk_wr_t w;
    sk_wr_init(&w);
    sk_record_header_in_t hd[2] = {{"h1", "v1", 2}, {"h2", NULL, -1}};
    sk_record_in_t r = {5, "k", 1, "v", 1, hd, 2};
    sk_batch_build(&w, 0, NULL, &r, 1);
    /* parse the headers of record 0 directly from the known layout */
    sk_rd_t rd;
    const uint8_t *hp = w.buf + 61 + 1 + 1 + 1 + 1 + 2 + 2; /* len,attr,ts,off,key,value */
    sk_rd_init(&rd, hp + 1, w.len - (size_t)(hp + 1 - w.buf));
    ck_assert_int_eq(hp[0], 0x04); /* header count 2 */
    sk_str_t k, v;
    ck_assert_int_eq(sk_record_header_next(&rd, &k, &v), 0);
    ck_assert(sk_str_eq(k, "h1"));
    ck_assert(sk_str_eq(v, "v1"));
    ck_assert_int_eq(sk_record_header_next(&rd, &k, &v), 0);
    ck_assert(sk_str_eq(k, "h2"));
    ck_assert_int_eq(v.len, -1);
    ck_assert_int_eq(sk_record_header_next(&rd, &k, &v), SK_EPARSE);
    sk_wr_free(&w);
}
END_TEST

/* Random mutations with the CRC fixed up: the walker must never read out of
 * bounds (ASan) and must give one of the defined answers. */
START_TEST(test_mutation_smoke)
{
    sk_wr_t w;
    sk_wr_init(&w);
    sk_record_header_in_t hd[1] = {{"h", "v", 1}};
    sk_record_in_t r[4] = {{1, "a", 1, "x", 1, hd, 1},
                           {2, "bb", 2, "yy", 2, NULL, 0},
                           {3, NULL, -1, NULL, -1, hd, 1},
                           {4, "d", 1, "zzzz", 4, NULL, 0}};
    sk_batch_build(&w, 0, NULL, r, 4);
    uint8_t *copy = malloc(w.len);
    srand(7);
    for (int it = 0; it < 20000; it++) {
        memcpy(copy, w.buf, w.len);
        int nmut = 1 + rand() % 3;
        for (int m = 0; m < nmut; m++)
            copy[61 + (size_t)rand() % (w.len - 61)] = (uint8_t)rand();
        sk_batch_update_crc(copy, w.len);
        int rc = sk_batch_validate(copy, w.len, NULL, 0);
        ck_assert(rc == SK_KERR_NONE || rc == SK_KERR_CORRUPT_MESSAGE ||
                  rc == SK_KERR_INVALID_RECORD);
        int frc = sk_batch_foreach_record(copy, w.len, NULL, NULL);
        ck_assert_int_eq(frc == 0, rc == SK_KERR_NONE);
    }
    free(copy);
    sk_wr_free(&w);
}
END_TEST

/* Real Produce v7 requests captured from librdkafka (kcat) and kafka-python
 * (tests/unit/data, recorded by capture_stub.py). The single partition's
 * records field is the tail of the frame: find the batch that ends exactly
 * at the end and check it validates and walks. */
static size_t load_capture(const char *name, uint8_t *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", SK_TEST_DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "missing %s", path);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static const uint8_t *find_tail_batch(const uint8_t *buf, size_t n, size_t *blen)
{
    for (size_t p = 0; p + 61 <= n; p++) {
        if (sk_batch_next(buf + p, n - p) == (ssize_t)(n - p) &&
            sk_batch_validate(buf + p, n - p, NULL, 0) == SK_KERR_NONE) {
            *blen = n - p;
            return buf + p;
        }
    }
    return NULL;
}

START_TEST(test_real_client_batches)
{
    static const char *files[] = {"rdkafka_produce_v7.bin", "kpy_produce_v7.bin"};
    for (size_t i = 0; i < 2; i++) {
        uint8_t buf[4096];
        size_t n = load_capture(files[i], buf, sizeof(buf)), blen;
        const uint8_t *b = find_tail_batch(buf, n, &blen);
        ck_assert_msg(b != NULL, "no valid batch in %s", files[i]);
        sk_batch_info_t h;
        ck_assert_int_eq(sk_batch_parse_header(b, blen, &h), 0);
        ck_assert_int_eq(h.magic, 2);
        ck_assert_int_ge(h.record_count, 1);
        struct seen s = {0};
        ck_assert_int_eq(sk_batch_foreach_record(b, blen, on_rec, &s), 0);
        ck_assert_int_eq(s.n, h.record_count);
        /* the frame's 4 bytes before the batch are its length */
        ck_assert_int_eq((int32_t)sk_be32(b - 4), (int32_t)blen);
        /* any single bit flip after the CRC field is caught */
        uint8_t copy[4096];
        memcpy(copy, b, blen);
        for (size_t k = 21; k < blen; k++) {
            copy[k] ^= 0x10;
            ck_assert_int_eq(sk_batch_validate(copy, blen, NULL, 0), SK_KERR_CORRUPT_MESSAGE);
            copy[k] ^= 0x10;
        }
    }
    /* kcat's record: key "key1", value "hello-skein", one header */
    uint8_t buf[4096];
    size_t n = load_capture("rdkafka_produce_v7.bin", buf, sizeof(buf)), blen;
    const uint8_t *b = find_tail_batch(buf, n, &blen);
    struct seen s = {0};
    sk_batch_foreach_record(b, blen, on_rec, &s);
    ck_assert_str_eq(s.keys[0], "key1");
    ck_assert_int_eq(s.hc[0], 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("recbatch");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_kcat_example_sizes);
    tcase_add_test(tc, test_truncated_header);
    tcase_add_test(tc, test_batch_length_wrong);
    tcase_add_test(tc, test_wrong_magic);
    tcase_add_test(tc, test_bad_crc_every_byte);
    tcase_add_test(tc, test_stamping_keeps_crc);
    tcase_add_test(tc, test_record_count_mismatch);
    tcase_add_test(tc, test_record_malformed);
    tcase_add_test(tc, test_next_iterates);
    tcase_add_test(tc, test_foreach_record);
    tcase_add_test(tc, test_base_offset_overflow);
    tcase_add_test(tc, test_headers_iter);
    tcase_add_test(tc, test_mutation_smoke);
    tcase_add_test(tc, test_real_client_batches);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
