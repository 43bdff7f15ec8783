/* check_msgset.c - legacy message sets (magic 0/1) to a v2 batch and back,
 * and every kind of malformed input: bad CRCs, truncation at every byte,
 * sizes that do not add up, a wrapper inside a wrapper, huge sizes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "arena.h"
#include "compress.h"
#include "kbuf.h"
#include "kerr.h"
#include "msgset.h"
#include "recbatch.h"

/* Appends one legacy message (key/value NULL = null). */
static void put_msg(sk_wr_t *w, int64_t offset, int magic, int attrs, int64_t ts, const char *key,
                    const void *value, int32_t value_len)
{
    sk_wr_i64(w, offset);
    size_t size_at = sk_wr_reserve_i32(w);
    size_t crc_at = sk_wr_reserve_i32(w);
    sk_wr_i8(w, (int8_t)magic);
    sk_wr_i8(w, (int8_t)attrs);
    if (magic == 1)
        sk_wr_i64(w, ts);
    if (key) {
        sk_wr_i32(w, (int32_t)strlen(key));
        sk_wr_raw(w, key, strlen(key));
    } else {
        sk_wr_i32(w, -1);
    }
    if (value) {
        sk_wr_i32(w, value_len);
        sk_wr_raw(w, value, (size_t)value_len);
    } else {
        sk_wr_i32(w, -1);
    }
    sk_wr_patch_i32(w, size_at, (int32_t)(w->len - size_at - 4));
    uint32_t crc = (uint32_t)crc32(0L, w->buf + crc_at + 4, (uInt)(w->len - crc_at - 4));
    sk_wr_patch_i32(w, crc_at, (int32_t)crc);
}

static void put_str_msg(sk_wr_t *w, int64_t offset, int magic, int attrs, int64_t ts,
                        const char *key, const char *value)
{
    put_msg(w, offset, magic, attrs, ts, key, value, value ? (int32_t)strlen(value) : -1);
}

/* A wrapper holding inner (compressed with codec). */
static void put_wrapper(sk_wr_t *w, int64_t offset, int magic, int codec, int extra_attrs,
                        int64_t ts, const sk_wr_t *inner)
{
    sk_wr_t z;
    sk_wr_init(&z);
    ck_assert_int_eq(sk_compress(codec, inner->buf, inner->len, &z), SK_OK);
    put_msg(w, offset, magic, codec | extra_attrs, ts, NULL, z.buf, (int32_t)z.len);
    sk_wr_free(&z);
}

typedef struct seen {
    int n;
    int64_t offset[8];
    int64_t ts[8];
    char key[8][16];
    char value[8][16];
} seen_t;

static int collect(const sk_record_t *rec, void *arg)
{
    seen_t *s = arg;
    ck_assert_int_lt(s->n, 8);
    s->offset[s->n] = rec->offset;
    s->ts[s->n] = rec->timestamp;
    snprintf(s->key[s->n], 16, "%.*s", rec->key.len < 0 ? 4 : rec->key.len,
             rec->key.len < 0 ? "NULL" : rec->key.p);
    snprintf(s->value[s->n], 16, "%.*s", rec->value.len < 0 ? 4 : rec->value.len,
             rec->value.len < 0 ? "NULL" : rec->value.p);
    s->n++;
    return 0;
}

/* The batch in w must be valid; its records (inflated) go into s. */
static void walk_batch(const sk_wr_t *w, seen_t *s, int *codec)
{
    char err[160];
    ck_assert_msg(sk_batch_validate(w->buf, w->len, err, sizeof(err)) == SK_KERR_NONE, "%s", err);
    sk_batch_info_t h;
    ck_assert_int_eq(sk_batch_parse_header(w->buf, w->len, &h), SK_OK);
    *codec = sk_batch_compression(&h);
    memset(s, 0, sizeof(*s));
    if (*codec == SK_COMPRESSION_NONE) {
        ck_assert_int_eq(sk_batch_foreach_record(w->buf, w->len, collect, s), 0);
        return;
    }
    sk_wr_t x;
    sk_wr_init(&x);
    ck_assert_int_eq(sk_batch_expand(w->buf, w->len, 1 << 20, &x), SK_OK);
    ck_assert_int_eq(sk_batch_foreach_record(x.buf, x.len, collect, s), 0);
    sk_wr_free(&x);
}

START_TEST(test_magic0_plain)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_wr_t in, out;
    sk_wr_init(&in);
    sk_wr_init(&out);
    put_str_msg(&in, 0, 0, 0, 0, "k1", "v1");
    put_str_msg(&in, 1, 0, 0, 0, NULL, "v2");
    put_str_msg(&in, 7, 0, 0, 0, "k3", NULL);
    ck_assert_int_eq(sk_msgset_magic(in.buf, in.len), 0);
    sk_msgset_result_t res;
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_NONE);
    ck_assert_int_eq(res.count, 3);
    ck_assert_int_eq(res.magic, 0);
    seen_t s;
    int codec;
    walk_batch(&out, &s, &codec);
    ck_assert_int_eq(codec, SK_COMPRESSION_NONE);
    ck_assert_int_eq(s.n, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(s.offset[i], i); /* offsets are the broker's, 0.. */
        ck_assert_int_eq(s.ts[i], -1);    /* magic 0: NO_TIMESTAMP */
    }
    ck_assert_str_eq(s.key[0], "k1");
    ck_assert_str_eq(s.value[0], "v1");
    ck_assert_str_eq(s.key[1], "NULL");
    ck_assert_str_eq(s.value[2], "NULL");
    sk_batch_info_t h;
    sk_batch_parse_header(out.buf, out.len, &h);
    ck_assert_int_eq(h.producer_id, -1);
    ck_assert_int_eq(h.max_timestamp, -1);
    ck_assert_int_eq(h.base_offset, 0);
    sk_wr_free(&in);
    sk_wr_free(&out);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_magic1_timestamps)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_wr_t in, out;
    sk_wr_init(&in);
    sk_wr_init(&out);
    put_str_msg(&in, 0, 1, 0, 1700000000123LL, "a", "x");
    put_str_msg(&in, 0, 1, 0, 1700000000100LL, "b", "y");
    sk_msgset_result_t res;
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_NONE);
    seen_t s;
    int codec;
    walk_batch(&out, &s, &codec);
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(s.ts[0], 1700000000123LL);
    ck_assert_int_eq(s.ts[1], 1700000000100LL);
    sk_batch_info_t h;
    sk_batch_parse_header(out.buf, out.len, &h);
    ck_assert_int_eq(h.max_timestamp, 1700000000123LL);
    ck_assert_int_eq(h.attributes & SK_BATCH_ATTR_LOG_APPEND_TIME, 0);

    /* a producer may not mark LogAppendTime: INVALID_TIMESTAMP, a record
     * error for the message (index 0: a plain message is a batch of one) */
    sk_wr_reset(&in);
    sk_wr_reset(&out);
    put_str_msg(&in, 0, 1, 0, 5, "a", "x");
    put_str_msg(&in, 1, 1, SK_MSGSET_ATTR_LOG_APPEND_TIME, 5, "b", "y");
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res),
                     SK_KERR_INVALID_TIMESTAMP);
    ck_assert_int_eq(res.n_rec_errs, 1);
    ck_assert_int_eq(res.rec_errs[0].index, 0);
    ck_assert_uint_eq(out.len, 0);
    /* a timestamp below -1 */
    sk_wr_reset(&in);
    put_str_msg(&in, 0, 1, 0, -5, "a", "x");
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res),
                     SK_KERR_INVALID_TIMESTAMP);
    /* deltas that cannot be represented */
    sk_wr_reset(&in);
    put_str_msg(&in, 0, 1, 0, -1, "a", "x");
    put_str_msg(&in, 1, 1, 0, INT64_MAX, "a", "x");
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res),
                     SK_KERR_INVALID_TIMESTAMP);
    sk_wr_free(&in);
    sk_wr_free(&out);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_wrappers)
{
    static const int codecs[] = {SK_COMPRESSION_GZIP, SK_COMPRESSION_SNAPPY, SK_COMPRESSION_LZ4};
    for (int magic = 0; magic <= 1; magic++)
        for (size_t c = 0; c < 3; c++) {
            sk_arena_t *a = sk_arena_new(0);
            sk_wr_t inner, in, out;
            sk_wr_init(&inner);
            sk_wr_init(&in);
            sk_wr_init(&out);
            put_str_msg(&inner, 0, magic, 0, 1000, "k0", "v0");
            put_str_msg(&inner, 1, magic, 0, 1001, "k1", "v1");
            put_wrapper(&in, 1, magic, codecs[c], 0, 1001, &inner);
            put_str_msg(&in, 2, magic, 0, 1002, "k2", "v2"); /* a plain one after it */
            sk_msgset_result_t res;
            ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_NONE);
            ck_assert_int_eq(res.count, 3);
            ck_assert_int_eq(res.codec, codecs[c]);
            seen_t s;
            int codec;
            walk_batch(&out, &s, &codec);
            ck_assert_int_eq(codec, codecs[c]); /* compression.type=producer */
            ck_assert_int_eq(s.n, 3);
            ck_assert_str_eq(s.value[1], "v1");
            ck_assert_str_eq(s.key[2], "k2");
            ck_assert_int_eq(s.ts[0], magic ? 1000 : -1);
            sk_wr_free(&inner);
            sk_wr_free(&in);
            sk_wr_free(&out);
            sk_arena_free(a);
        }
}
END_TEST

/* Kafka 0.9's LZ4 frames (magic 0) carry a wrong header checksum (KAFKA-3160)
 * that Kafka does not check for magic 0; magic 1 frames must be right. */
START_TEST(test_lz4_magic0_header_checksum)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_wr_t inner, z, in, out;
    sk_wr_init(&inner);
    sk_wr_init(&z);
    sk_wr_init(&in);
    sk_wr_init(&out);
    sk_msgset_result_t res;
    for (int magic = 0; magic <= 1; magic++) {
        sk_wr_reset(&inner);
        put_str_msg(&inner, 0, magic, 0, 1, "k0", "v0");
        put_str_msg(&inner, 1, magic, 0, 2, "k1", "v1");
        sk_wr_reset(&z);
        ck_assert_int_eq(sk_compress(SK_COMPRESSION_LZ4, inner.buf, inner.len, &z), SK_OK);
        ck_assert_uint_gt(z.len, 7);
        /* a right checksum (the fix-up computes the same one) */
        sk_wr_reset(&in);
        sk_wr_reset(&out);
        put_msg(&in, 1, magic, SK_COMPRESSION_LZ4, 2, NULL, z.buf, (int32_t)z.len);
        ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_NONE);
        ck_assert_int_eq(res.count, 2);
        /* a wrong one (the descriptor is FLG, BD: the checksum is byte 6) */
        z.buf[6] ^= 0x5a;
        sk_wr_reset(&in);
        sk_wr_reset(&out);
        put_msg(&in, 1, magic, SK_COMPRESSION_LZ4, 2, NULL, z.buf, (int32_t)z.len);
        ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res),
                         magic == 0 ? SK_KERR_NONE : SK_KERR_CORRUPT_MESSAGE);
        /* the request's bytes are not touched by the fix-up */
        ck_assert_int_eq(in.buf[in.len - z.len + 6], z.buf[6]);
    }
    sk_wr_free(&inner);
    sk_wr_free(&z);
    sk_wr_free(&in);
    sk_wr_free(&out);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_wrapper_errors)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_wr_t inner, nested, in, out;
    sk_wr_init(&inner);
    sk_wr_init(&nested);
    sk_wr_init(&in);
    sk_wr_init(&out);
    sk_msgset_result_t res;

    /* a wrapper inside a wrapper: INVALID_RECORD, the inner index named */
    put_str_msg(&inner, 0, 1, 0, 1, "k", "v");
    put_wrapper(&nested, 0, 1, SK_COMPRESSION_GZIP, 0, 1, &inner); /* nested: 1 entry */
    sk_wr_t mid;
    sk_wr_init(&mid);
    put_str_msg(&mid, 0, 1, 0, 1, "k", "v");
    sk_wr_raw(&mid, nested.buf, nested.len);
    sk_put_be64(mid.buf + (mid.len - nested.len), 1); /* inner offset 1 */
    put_wrapper(&in, 1, 1, SK_COMPRESSION_GZIP, 0, 1, &mid);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_INVALID_RECORD);
    ck_assert_int_eq(res.n_rec_errs, 1);
    ck_assert_int_eq(res.rec_errs[0].index, 1);
    ck_assert_ptr_nonnull(strstr(res.rec_errs[0].message, "compression attribute"));
    ck_assert_uint_eq(out.len, 0);

    /* magic 1 inner offsets must be 0, 1, 2, ... */
    sk_wr_reset(&inner);
    sk_wr_reset(&in);
    put_str_msg(&inner, 0, 1, 0, 1, "k", "v");
    put_str_msg(&inner, 5, 1, 0, 1, "k", "v");
    put_wrapper(&in, 1, 1, SK_COMPRESSION_GZIP, 0, 1, &inner);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_INVALID_RECORD);
    ck_assert_int_eq(res.rec_errs[0].index, 1);
    /* magic 0 inner offsets are absolute: anything goes */
    sk_wr_reset(&inner);
    sk_wr_reset(&in);
    put_str_msg(&inner, 40, 0, 0, 0, "k", "v");
    put_str_msg(&inner, 41, 0, 0, 0, "k", "v");
    put_wrapper(&in, 41, 0, SK_COMPRESSION_GZIP, 0, 0, &inner);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_NONE);
    sk_wr_reset(&out);

    /* a LogAppendTime wrapper: INVALID_TIMESTAMP */
    sk_wr_reset(&inner);
    sk_wr_reset(&in);
    put_str_msg(&inner, 0, 1, 0, 1, "k", "v");
    put_wrapper(&in, 0, 1, SK_COMPRESSION_GZIP, SK_MSGSET_ATTR_LOG_APPEND_TIME, 1, &inner);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res),
                     SK_KERR_INVALID_TIMESTAMP);

    /* zstd needs magic 2; codec 5-7 unknown */
    sk_wr_reset(&in);
    put_msg(&in, 0, 1, SK_COMPRESSION_ZSTD, 1, NULL, "xx", 2);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res),
                     SK_KERR_UNSUPPORTED_COMPRESSION_TYPE);
    sk_wr_reset(&in);
    put_msg(&in, 0, 1, 6, 1, NULL, "xx", 2);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_INVALID_RECORD);
    /* compressed garbage, an empty or null wrapper value */
    sk_wr_reset(&in);
    put_msg(&in, 0, 1, SK_COMPRESSION_GZIP, 1, NULL, "garbage", 7);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res),
                     SK_KERR_CORRUPT_MESSAGE);
    sk_wr_reset(&in);
    put_msg(&in, 0, 1, SK_COMPRESSION_GZIP, 1, NULL, NULL, -1);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res),
                     SK_KERR_CORRUPT_MESSAGE);
    /* a wrapper of nothing */
    sk_wr_reset(&inner);
    sk_wr_reset(&in);
    put_wrapper(&in, 0, 1, SK_COMPRESSION_GZIP, 0, 1, &inner);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res),
                     SK_KERR_CORRUPT_MESSAGE);
    /* a bad CRC inside the wrapper */
    sk_wr_reset(&inner);
    sk_wr_reset(&in);
    put_str_msg(&inner, 0, 1, 0, 1, "k", "v");
    inner.buf[inner.len - 1] ^= 1;
    put_wrapper(&in, 0, 1, SK_COMPRESSION_GZIP, 0, 1, &inner);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res),
                     SK_KERR_CORRUPT_MESSAGE);
    ck_assert_uint_eq(out.len, 0);
    sk_wr_free(&mid);
    sk_wr_free(&inner);
    sk_wr_free(&nested);
    sk_wr_free(&in);
    sk_wr_free(&out);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_malformed)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_wr_t in, out;
    sk_wr_init(&in);
    sk_wr_init(&out);
    sk_msgset_result_t res;
    ck_assert_int_eq(sk_msgset_to_batch(NULL, 0, a, &out, &res), SK_KERR_CORRUPT_MESSAGE);
    ck_assert_int_eq(sk_msgset_magic(NULL, 0), -1);
    put_str_msg(&in, 0, 1, 0, 1, "key", "value");
    size_t first = in.len;
    put_str_msg(&in, 1, 0, 0, 0, "key", "value");
    /* every truncation is corrupt, never a crash or a partial batch (but
     * for the cut after the first message: a valid set of one) */
    for (size_t n = 1; n < in.len; n++) {
        if (n == first)
            continue;
        uint8_t *copy = malloc(n);
        memcpy(copy, in.buf, n);
        ck_assert_int_eq(sk_msgset_to_batch(copy, n, a, &out, &res), SK_KERR_CORRUPT_MESSAGE);
        ck_assert_uint_eq(out.len, 0);
        free(copy);
    }
    /* every single-bit flip inside the CRC-covered bytes of the first
     * message is caught by the CRC (or the sizes) */
    for (size_t i = 16; i < in.len / 2; i++) {
        in.buf[i] ^= 0x10;
        ck_assert_int_ne(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_NONE);
        in.buf[i] ^= 0x10;
    }
    /* a bad CRC */
    in.buf[12] ^= 0xff;
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_CORRUPT_MESSAGE);
    ck_assert_ptr_nonnull(strstr(res.err, "CRC"));
    in.buf[12] ^= 0xff;
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_NONE);
    sk_wr_reset(&out);
    /* huge and tiny sizes */
    uint8_t save[4];
    memcpy(save, in.buf + 8, 4);
    sk_put_be32(in.buf + 8, 0x7fffffff);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_CORRUPT_MESSAGE);
    sk_put_be32(in.buf + 8, 0xffffffff);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_CORRUPT_MESSAGE);
    sk_put_be32(in.buf + 8, 13);
    ck_assert_int_eq(sk_msgset_to_batch(in.buf, in.len, a, &out, &res), SK_KERR_CORRUPT_MESSAGE);
    memcpy(in.buf + 8, save, 4);
    /* a key length that runs past the message (CRC made right) */
    sk_wr_t k;
    sk_wr_init(&k);
    put_str_msg(&k, 0, 0, 0, 0, "key", "value");
    sk_put_be32(k.buf + 18, 1000);
    uint32_t crc = (uint32_t)crc32(0L, k.buf + 16, (uInt)(k.len - 16));
    sk_put_be32(k.buf + 12, crc);
    ck_assert_int_eq(sk_msgset_to_batch(k.buf, k.len, a, &out, &res), SK_KERR_CORRUPT_MESSAGE);
    /* a magic 2 batch after magic 0/1 messages, magic 3 */
    sk_wr_reset(&k);
    put_str_msg(&k, 0, 0, 0, 0, "key", "value");
    sk_batch_build(&k, 0, NULL, NULL, 0);
    ck_assert_int_eq(sk_msgset_to_batch(k.buf, k.len, a, &out, &res), SK_KERR_CORRUPT_MESSAGE);
    sk_wr_reset(&k);
    put_str_msg(&k, 0, 0, 0, 0, "key", "value");
    k.buf[16] = 3;
    ck_assert_int_eq(sk_msgset_to_batch(k.buf, k.len, a, &out, &res), SK_KERR_CORRUPT_MESSAGE);
    ck_assert_uint_eq(out.len, 0);
    sk_wr_free(&k);
    sk_wr_free(&in);
    sk_wr_free(&out);
    sk_arena_free(a);
}
END_TEST

/* A v2 batch of recs at base in plain, and the same compressed with codec
 * in z (header copied, attributes, length and CRC fixed). */
static void compressed_batch(sk_wr_t *plain, sk_wr_t *z, int64_t base, const sk_record_in_t *recs,
                             int n, int codec)
{
    sk_batch_build(plain, base, NULL, recs, n);
    sk_wr_raw(z, plain->buf, SK_BATCH_HEADER_SIZE);
    ck_assert_int_eq(sk_compress(codec, plain->buf + SK_BATCH_HEADER_SIZE,
                                 plain->len - SK_BATCH_HEADER_SIZE, z), SK_OK);
    sk_put_be16(z->buf + SK_BATCH_OFF_ATTRIBUTES, (uint16_t)codec);
    sk_put_be32(z->buf + SK_BATCH_OFF_LENGTH, (uint32_t)(z->len - SK_BATCH_LOG_OVERHEAD));
    sk_batch_update_crc(z->buf, z->len);
}

/* v2 batches down to magic 0/1 and back up: the same records; a compressed
 * batch keeps its codec (a wrapper message that sk_msgset_to_batch, which
 * checks magic 1's relative inner offsets, reads back). */
START_TEST(test_down_convert)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_wr_t log, down, up;
    sk_wr_init(&log);
    sk_wr_init(&down);
    sk_wr_init(&up);
    sk_record_header_in_t hdr = {"h", "v", 1};
    sk_record_in_t recs[3] = {{.timestamp = 100, .key = "k0", .key_len = 2, .value = "v0",
                               .value_len = 2, .headers = &hdr, .header_count = 1},
                              {.timestamp = 101, .key = NULL, .key_len = -1, .value = "v1",
                               .value_len = 2},
                              {.timestamp = 102, .key = "k2", .key_len = 2, .value = NULL,
                               .value_len = -1}};
    sk_batch_build(&log, 10, NULL, recs, 3);
    /* a control batch (transaction marker) is left out */
    size_t ctl = log.len;
    sk_batch_opts_t copts = {SK_BATCH_ATTR_CONTROL | SK_BATCH_ATTR_TRANSACTIONAL, 7, 0, -1, 0};
    sk_batch_build(&log, 13, &copts, recs, 1);
    (void)ctl;
    /* a compressed batch after it */
    sk_wr_t plain, z;
    sk_wr_init(&plain);
    sk_wr_init(&z);
    compressed_batch(&plain, &z, 14, recs + 1, 1, SK_COMPRESSION_GZIP);
    sk_wr_raw(&log, z.buf, z.len);
    size_t whole = log.len;
    /* and a partial batch at the end (a fetch may end inside one) */
    sk_wr_raw(&log, plain.buf, plain.len / 2);

    for (int magic = 0; magic <= 1; magic++) {
        sk_wr_reset(&down);
        sk_wr_reset(&up);
        ck_assert_int_eq(sk_msgset_from_batches(log.buf, log.len, magic, 11, &down), SK_OK);
        /* records 11, 12, 14 (10 is below the fetch offset, 13 a marker) */
        sk_rd_t r;
        sk_rd_init(&r, down.buf, down.len);
        int64_t want[] = {11, 12, 14};
        for (int i = 0; i < 3; i++) {
            ck_assert_int_eq(sk_rd_i64(&r), want[i]);
            int32_t size = sk_rd_i32(&r);
            const uint8_t *body = sk_rd_raw(&r, (size_t)size);
            ck_assert_ptr_nonnull(body);
            ck_assert_int_eq(body[4], magic);
            /* the gzip batch stays gzip: one wrapper, offset its last record's */
            ck_assert_int_eq(body[5], i == 2 ? SK_COMPRESSION_GZIP : 0);
        }
        ck_assert_uint_eq(sk_rd_remaining(&r), 0);
        /* what an old producer would send back: the same records */
        sk_msgset_result_t res;
        ck_assert_int_eq(sk_msgset_to_batch(down.buf, down.len, a, &up, &res), SK_KERR_NONE);
        seen_t s;
        int codec;
        walk_batch(&up, &s, &codec);
        ck_assert_int_eq(s.n, 3);
        ck_assert_str_eq(s.key[0], "NULL");
        ck_assert_str_eq(s.value[0], "v1");
        ck_assert_str_eq(s.key[1], "k2");
        ck_assert_str_eq(s.value[1], "NULL");
        ck_assert_str_eq(s.value[2], "v1");
        ck_assert_int_eq(s.ts[0], magic ? 101 : -1);
        ck_assert_int_eq(s.ts[1], magic ? 102 : -1);
    }
    /* LogAppendTime batches: the batch's time, marked */
    sk_wr_t lat;
    sk_wr_init(&lat);
    sk_batch_opts_t lopts = {SK_BATCH_ATTR_LOG_APPEND_TIME, -1, -1, -1, 0};
    sk_batch_build(&lat, 0, &lopts, recs, 2);
    sk_put_be64(lat.buf + SK_BATCH_OFF_MAX_TIMESTAMP, 5555);
    sk_batch_update_crc(lat.buf, lat.len);
    sk_wr_reset(&down);
    ck_assert_int_eq(sk_msgset_from_batches(lat.buf, lat.len, 1, 0, &down), SK_OK);
    ck_assert_int_eq(down.buf[17], SK_MSGSET_ATTR_LOG_APPEND_TIME);
    ck_assert_int_eq((int64_t)sk_be64(down.buf + 18), 5555);
    /* a corrupt batch stops the conversion */
    sk_wr_reset(&down);
    log.buf[SK_BATCH_OFF_MAGIC] = 7;
    ck_assert_int_eq(sk_msgset_from_batches(log.buf, whole, 1, 0, &down), SK_EPARSE);
    sk_wr_free(&lat);
    sk_wr_free(&plain);
    sk_wr_free(&z);
    sk_wr_free(&log);
    sk_wr_free(&down);
    sk_wr_free(&up);
    sk_arena_free(a);
}
END_TEST

/* A compressed batch of 4 records (offsets 20-23) fetched from 22, by codec
 * and magic: one wrapper of the batch's codec at offset 23 holding 22 and 23
 * (magic 1: relative offsets 0 and 1), except LZ4 at magic 0, written as
 * plain messages. */
START_TEST(test_down_convert_keeps_codec)
{
    sk_record_in_t recs[4];
    static const char *const vals[4] = {"a", "bb", "ccc", "dddd"};
    for (int i = 0; i < 4; i++)
        recs[i] = (sk_record_in_t){.timestamp = 1000 + i, .key = NULL, .key_len = -1,
                                   .value = vals[i], .value_len = (int32_t)strlen(vals[i])};
    int codecs[] = {SK_COMPRESSION_GZIP, SK_COMPRESSION_SNAPPY, SK_COMPRESSION_LZ4};
    for (size_t ci = 0; ci < sizeof(codecs) / sizeof(codecs[0]); ci++) {
        sk_wr_t plain, z;
        sk_wr_init(&plain);
        sk_wr_init(&z);
        compressed_batch(&plain, &z, 20, recs, 4, codecs[ci]);
        for (int magic = 0; magic <= 1; magic++) {
            sk_arena_t *a = sk_arena_new(0);
            sk_wr_t down, up;
            sk_wr_init(&down);
            sk_wr_init(&up);
            ck_assert_int_eq(sk_msgset_from_batches(z.buf, z.len, magic, 22, &down), SK_OK);
            int wrapped = !(codecs[ci] == SK_COMPRESSION_LZ4 && magic == 0);
            sk_rd_t r;
            sk_rd_init(&r, down.buf, down.len);
            ck_assert_int_eq(sk_rd_i64(&r), wrapped ? 23 : 22);
            int32_t size = sk_rd_i32(&r);
            const uint8_t *body = sk_rd_raw(&r, (size_t)size);
            ck_assert_ptr_nonnull(body);
            ck_assert_int_eq(body[4], magic);
            ck_assert_int_eq(body[5], wrapped ? codecs[ci] : 0);
            if (magic == 1 && wrapped) /* the wrapper's time: the batch's max */
                ck_assert_int_eq((int64_t)sk_be64(body + 6), 1003);
            if (wrapped)
                ck_assert_uint_eq(sk_rd_remaining(&r), 0);
            /* read back as an old producer's set: records 22 and 23 */
            sk_msgset_result_t res;
            ck_assert_int_eq(sk_msgset_to_batch(down.buf, down.len, a, &up, &res),
                             SK_KERR_NONE);
            seen_t s;
            int codec;
            walk_batch(&up, &s, &codec);
            ck_assert_int_eq(s.n, 2);
            ck_assert_str_eq(s.value[0], "ccc");
            ck_assert_str_eq(s.value[1], "dddd");
            ck_assert_int_eq(s.ts[1], magic ? 1003 : -1);
            sk_wr_free(&down);
            sk_wr_free(&up);
            sk_arena_free(a);
        }
        sk_wr_free(&plain);
        sk_wr_free(&z);
    }
}
END_TEST

static Suite *msgset_suite(void)
{
    Suite *s = suite_create("msgset");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_magic0_plain);
    tcase_add_test(tc, test_magic1_timestamps);
    tcase_add_test(tc, test_wrappers);
    tcase_add_test(tc, test_lz4_magic0_header_checksum);
    tcase_add_test(tc, test_wrapper_errors);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_down_convert);
    tcase_add_test(tc, test_down_convert_keeps_codec);
    suite_add_tcase(s, tc);
    return s;
}


int main(void)
{
    SRunner *sr = srunner_create(msgset_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
