/* check_compress.c - record batch compression: round trips for every codec,
 * vectors made by the real tools (gzip, lz4 and zstd 1.9.4 / 1.5.4 CLIs,
 * snappy blocks assembled by hand), output budgets, malformed input. */
#include "compress.h"

#include <check.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "kerr.h"
#include "recbatch.h"

static const int codecs[] = {SK_COMPRESSION_GZIP, SK_COMPRESSION_SNAPPY, SK_COMPRESSION_LZ4,
                             SK_COMPRESSION_ZSTD};
#define NCODECS (sizeof(codecs) / sizeof(codecs[0]))

static const uint8_t prefix[] = "PREFIX";
#define PLEN (sizeof(prefix) - 1)

/* xorshift64*: fixed seeds, so every run sees the same bytes. */
static uint64_t rng(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static uint8_t *mk_random(size_t n, uint64_t seed)
{
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(rng(&seed) >> 32);
    return p;
}

/* Log-like lines: compresses well but is not one repeated byte. */
static uint8_t *mk_text(size_t n)
{
    uint8_t *p = malloc(n + 128);
    size_t len = 0;
    for (unsigned i = 0; len < n; i++)
        len += (size_t)snprintf((char *)p + len, 128, "record %06u: key=user-%u value=the quick brown fox\n",
                                i, i % 97);
    return p;
}

/* A writer that already holds the prefix, to see that calls only append. */
static void wr_prefixed(sk_wr_t *w)
{
    sk_wr_init(w);
    sk_wr_raw(w, prefix, PLEN);
}

static void assert_prefix_only(const sk_wr_t *w)
{
    ck_assert_uint_eq(w->len, PLEN);
    ck_assert_mem_eq(w->buf, prefix, PLEN);
}

/* Compress then decompress (budget exactly n, then one short) and compare. */
static void roundtrip(int codec, const uint8_t *in, size_t n)
{
    sk_wr_t c, d;
    wr_prefixed(&c);
    ck_assert_int_eq(sk_compress(codec, in, n, &c), SK_OK);
    ck_assert_mem_eq(c.buf, prefix, PLEN);
    ck_assert_uint_gt(c.len, PLEN);
    wr_prefixed(&d);
    ck_assert_int_eq(sk_decompress(codec, c.buf + PLEN, c.len - PLEN, n, &d), SK_OK);
    ck_assert_uint_eq(d.len, PLEN + n);
    ck_assert_mem_eq(d.buf, prefix, PLEN);
    if (n)
        ck_assert_mem_eq(d.buf + PLEN, in, n);
    if (n) {
        ck_assert_int_eq(sk_decompress(codec, c.buf + PLEN, c.len - PLEN, n - 1, &d), SK_ETOOBIG);
        ck_assert_uint_eq(d.len, PLEN + n);
    }
    sk_wr_free(&c);
    sk_wr_free(&d);
}

START_TEST(test_roundtrip_all)
{
    uint8_t one = 'x';
    uint8_t *text = mk_text(100 * 1024);
    uint8_t *rnd = mk_random(200 * 1024, 42);
    for (size_t i = 0; i < NCODECS; i++) {
        roundtrip(codecs[i], NULL, 0);
        roundtrip(codecs[i], &one, 1);
        roundtrip(codecs[i], text, 100 * 1024);
        roundtrip(codecs[i], rnd, 200 * 1024);
        /* sizes around the snappy and lz4 block edges */
        roundtrip(codecs[i], rnd, 32 * 1024);
        roundtrip(codecs[i], rnd, 32 * 1024 + 1);
        roundtrip(codecs[i], text, 64 * 1024);
        roundtrip(codecs[i], text, 64 * 1024 + 1);
    }
    free(text);
    free(rnd);
}
END_TEST

START_TEST(test_compress_shrinks_text)
{
    uint8_t *text = mk_text(100 * 1024);
    for (size_t i = 0; i < NCODECS; i++) {
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(sk_compress(codecs[i], text, 100 * 1024, &w), SK_OK);
        ck_assert_uint_lt(w.len, 100 * 1024 / 4);
        sk_wr_free(&w);
    }
    free(text);
}
END_TEST

/* "skein-" x 12 + "\n" (73 bytes), and "frame two\n", as the tools wrote them. */
#define SKEIN_TEXT "skein-skein-skein-skein-skein-skein-skein-skein-skein-skein-skein-skein-\n"
#define TWO_TEXT "frame two\n"

/* gzip -9 -n */
static const uint8_t gz_skein[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x2b, 0xce, 0x4e, 0xcd, 0xcc,
    0xd3, 0x2d, 0xa6, 0x98, 0xe4, 0x02, 0x00, 0x59, 0xa5, 0xaf, 0x54, 0x49, 0x00, 0x00, 0x00};
static const uint8_t gz_two[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4b, 0x2b, 0x4a, 0xcc, 0x4d,
    0x55, 0x28, 0x29, 0xcf, 0xe7, 0x02, 0x00, 0x97, 0x1c, 0xad, 0x39, 0x0a, 0x00, 0x00, 0x00};
/* python3 zlib.compress(b"zlib stream, not gzip") */
static const uint8_t zlib_vec[] = {
    0x78, 0x9c, 0xab, 0xca, 0xc9, 0x4c, 0x52, 0x28, 0x2e, 0x29, 0x4a, 0x4d, 0xcc, 0xd5, 0x51,
    0xc8, 0xcb, 0x2f, 0x51, 0x48, 0xaf, 0xca, 0x2c, 0x00, 0x00, 0x56, 0xdf, 0x07, 0xd5};
/* lz4 -c (independent blocks, content checksum) */
static const uint8_t lz4_skein[] = {
    0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0x10, 0x00, 0x00, 0x00, 0x6f, 0x73, 0x6b, 0x65,
    0x69, 0x6e, 0x2d, 0x06, 0x00, 0x2b, 0x50, 0x65, 0x69, 0x6e, 0x2d, 0x0a, 0x00, 0x00, 0x00,
    0x00, 0x34, 0xbc, 0xc1, 0x97};
static const uint8_t lz4_two[] = {
    0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0x0a, 0x00, 0x00, 0x80, 0x66, 0x72, 0x61, 0x6d,
    0x65, 0x20, 0x74, 0x77, 0x6f, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x18, 0xb5, 0xe3, 0xcc};
/* zstd -c from a pipe (no content size, with checksum) */
static const uint8_t zstd_skein[] = {
    0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x6d, 0x00, 0x00, 0x38, 0x73, 0x6b, 0x65,
    0x69, 0x6e, 0x2d, 0x0a, 0x01, 0x00, 0x8f, 0x54, 0x8a, 0x3d, 0x71, 0x7c, 0x4d};
static const uint8_t zstd_two[] = {0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x51, 0x00,
                                   0x00, 0x66, 0x72, 0x61, 0x6d, 0x65, 0x20, 0x74,
                                   0x77, 0x6f, 0x0a, 0x62, 0x49, 0x01, 0xf6};
/* Raw snappy blocks: varint length, then elements. "hello" is one literal
 * (tag (5-1)<<2); "abcabcabcabc" is the literal "abc" and a copy of 9 bytes
 * from offset 3 (tag 01 | (9-4)<<2, offset byte 3). */
static const uint8_t sn_hello[] = {0x05, 0x10, 'h', 'e', 'l', 'l', 'o'};
static const uint8_t sn_abc[] = {0x0c, 0x08, 'a', 'b', 'c', 0x15, 0x03};
/* xerial: magic, version 1, compatible 1, then the two blocks above. */
static const uint8_t sn_xerial[] = {
    0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00, 0, 0, 0, 1, 0, 0, 0, 1,
    0, 0, 0, 7, 0x05, 0x10, 'h', 'e', 'l', 'l', 'o',
    0, 0, 0, 7, 0x0c, 0x08, 'a', 'b', 'c', 0x15, 0x03};

/* Decodes in (optionally two pieces glued together) and compares to text. */
static void expect_decode(int codec, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                          const char *text)
{
    uint8_t buf[256];
    ck_assert_uint_le(alen + blen, sizeof(buf));
    memcpy(buf, a, alen);
    if (blen)
        memcpy(buf + alen, b, blen);
    sk_wr_t w;
    wr_prefixed(&w);
    int rc = sk_decompress(codec, buf, alen + blen, 1 << 20, &w);
    ck_assert_msg(rc == SK_OK, "codec %d: %d", codec, rc);
    ck_assert_uint_eq(w.len - PLEN, strlen(text));
    ck_assert_mem_eq(w.buf, prefix, PLEN);
    ck_assert_mem_eq(w.buf + PLEN, text, strlen(text));
    /* the exact budget is enough, one byte less is not */
    w.len = PLEN;
    ck_assert_int_eq(sk_decompress(codec, buf, alen + blen, strlen(text), &w), SK_OK);
    ck_assert_int_eq(sk_decompress(codec, buf, alen + blen, strlen(text) - 1, &w), SK_ETOOBIG);
    ck_assert_uint_eq(w.len, PLEN + strlen(text));
    sk_wr_free(&w);
}

START_TEST(test_known_vectors)
{
    expect_decode(SK_COMPRESSION_GZIP, gz_skein, sizeof(gz_skein), NULL, 0, SKEIN_TEXT);
    expect_decode(SK_COMPRESSION_GZIP, gz_skein, sizeof(gz_skein), gz_two, sizeof(gz_two),
                  SKEIN_TEXT TWO_TEXT);
    expect_decode(SK_COMPRESSION_GZIP, zlib_vec, sizeof(zlib_vec), NULL, 0, "zlib stream, not gzip");
    expect_decode(SK_COMPRESSION_SNAPPY, sn_hello, sizeof(sn_hello), NULL, 0, "hello");
    expect_decode(SK_COMPRESSION_SNAPPY, sn_abc, sizeof(sn_abc), NULL, 0, "abcabcabcabc");
    expect_decode(SK_COMPRESSION_SNAPPY, sn_xerial, sizeof(sn_xerial), NULL, 0,
                  "helloabcabcabcabc");
    expect_decode(SK_COMPRESSION_LZ4, lz4_skein, sizeof(lz4_skein), NULL, 0, SKEIN_TEXT);
    expect_decode(SK_COMPRESSION_LZ4, lz4_skein, sizeof(lz4_skein), lz4_two, sizeof(lz4_two),
                  SKEIN_TEXT TWO_TEXT);
    expect_decode(SK_COMPRESSION_ZSTD, zstd_skein, sizeof(zstd_skein), NULL, 0, SKEIN_TEXT);
    expect_decode(SK_COMPRESSION_ZSTD, zstd_skein, sizeof(zstd_skein), zstd_two, sizeof(zstd_two),
                  SKEIN_TEXT TWO_TEXT);
    /* a xerial stream with no blocks is empty, not an error */
    sk_wr_t w;
    wr_prefixed(&w);
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, sn_xerial, 16, 100, &w), SK_OK);
    assert_prefix_only(&w);
    sk_wr_free(&w);
}
END_TEST

/* Our gzip: a gzip header, and plain zlib inflate (gzip only) reads it. */
START_TEST(test_our_gzip_is_gzip)
{
    uint8_t *text = mk_text(50000);
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_compress(SK_COMPRESSION_GZIP, text, 50000, &w), SK_OK);
    ck_assert_uint_eq(w.buf[0], 0x1f);
    ck_assert_uint_eq(w.buf[1], 0x8b);
    ck_assert_uint_eq(w.buf[2], 0x08);
    uint8_t *back = malloc(50001);
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = w.buf;
    zs.avail_in = (uInt)w.len;
    zs.next_out = back;
    zs.avail_out = 50001;
    ck_assert_int_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
    ck_assert_uint_eq(zs.total_out, 50000);
    ck_assert_uint_eq(zs.avail_in, 0);
    ck_assert_mem_eq(back, text, 50000);
    inflateEnd(&zs);
    free(back);
    sk_wr_free(&w);
    free(text);
}
END_TEST

/* Our snappy: the xerial header, blocks of at most 32 KiB of input, each a
 * raw block that snappy_uncompress reads on its own. */
START_TEST(test_our_snappy_is_xerial)
{
    static const uint8_t hdr[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
    size_t n = 100 * 1024;
    uint8_t *text = mk_text(n);
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_compress(SK_COMPRESSION_SNAPPY, text, n, &w), SK_OK);
    ck_assert_mem_eq(w.buf, hdr, 16);
    uint8_t *back = malloc(n);
    size_t pos = 16, got = 0, blocks = 0;
    while (pos < w.len) {
        ck_assert_uint_ge(w.len - pos, 4);
        size_t blen = sk_be32(w.buf + pos);
        pos += 4;
        ck_assert_uint_le(blen, w.len - pos);
        size_t ulen;
        ck_assert_int_eq(snappy_uncompressed_length((const char *)w.buf + pos, blen, &ulen),
                         SNAPPY_OK);
        ck_assert_uint_le(ulen, 32 * 1024);
        ck_assert_uint_le(got + ulen, n);
        ck_assert_int_eq(snappy_uncompress((const char *)w.buf + pos, blen, (char *)back + got, &ulen),
                         SNAPPY_OK);
        got += ulen;
        pos += blen;
        blocks++;
    }
    ck_assert_uint_eq(got, n);
    ck_assert_uint_eq(blocks, (n + 32 * 1024 - 1) / (32 * 1024));
    ck_assert_mem_eq(back, text, n);
    /* empty input: just the header */
    w.len = 0;
    ck_assert_int_eq(sk_compress(SK_COMPRESSION_SNAPPY, text, 0, &w), SK_OK);
    ck_assert_uint_eq(w.len, 16);
    ck_assert_mem_eq(w.buf, hdr, 16);
    free(back);
    sk_wr_free(&w);
    free(text);
}
END_TEST

/* Our lz4: a frame with independent blocks and no content checksum (what
 * Kafka's Java reader needs), read back in one LZ4F_decompress call. */
START_TEST(test_our_lz4_is_frame)
{
    size_t n = 100 * 1024;
    uint8_t *text = mk_text(n);
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_compress(SK_COMPRESSION_LZ4, text, n, &w), SK_OK);
    static const uint8_t magic[4] = {0x04, 0x22, 0x4d, 0x18};
    ck_assert_mem_eq(w.buf, magic, 4);
    ck_assert_uint_eq(w.buf[4] >> 6, 1);     /* version 01 */
    ck_assert_uint_eq(w.buf[4] & 0x20, 0x20); /* block independence */
    ck_assert_uint_eq(w.buf[4] & 0x04, 0);    /* no content checksum */
    ck_assert_uint_eq((w.buf[5] >> 4) & 7, 4); /* 64 KiB blocks */
    LZ4F_dctx *dctx;
    ck_assert(!LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)));
    uint8_t *back = malloc(n);
    size_t outn = n, inn = w.len;
    size_t r = LZ4F_decompress(dctx, back, &outn, w.buf, &inn, NULL);
    ck_assert_uint_eq(r, 0);
    ck_assert_uint_eq(inn, w.len);
    ck_assert_uint_eq(outn, n);
    ck_assert_mem_eq(back, text, n);
    LZ4F_freeDecompressionContext(dctx);
    free(back);
    sk_wr_free(&w);
    free(text);
}
END_TEST

/* Our zstd: one frame with its content size, read back by ZSTD_decompress. */
START_TEST(test_our_zstd_is_frame)
{
    size_t n = 100 * 1024;
    uint8_t *text = mk_text(n);
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_compress(SK_COMPRESSION_ZSTD, text, n, &w), SK_OK);
    static const uint8_t magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    ck_assert_mem_eq(w.buf, magic, 4);
    ck_assert_uint_eq(ZSTD_getFrameContentSize(w.buf, w.len), n);
    ck_assert_uint_eq(ZSTD_findFrameCompressedSize(w.buf, w.len), w.len);
    uint8_t *back = malloc(n);
    ck_assert_uint_eq(ZSTD_decompress(back, n, w.buf, w.len), n);
    ck_assert_mem_eq(back, text, n);
    free(back);
    sk_wr_free(&w);
    free(text);
}
END_TEST

/* 1 MiB of zeros shrinks to almost nothing; a budget of 1000 stops it. */
START_TEST(test_budget_zeros)
{
    size_t n = 1 << 20;
    uint8_t *zeros = calloc(1, n);
    for (size_t i = 0; i < NCODECS; i++) {
        sk_wr_t c, d;
        sk_wr_init(&c);
        ck_assert_int_eq(sk_compress(codecs[i], zeros, n, &c), SK_OK);
        ck_assert_uint_lt(c.len, n / 10);
        wr_prefixed(&d);
        ck_assert_int_eq(sk_decompress(codecs[i], c.buf, c.len, 1000, &d), SK_ETOOBIG);
        assert_prefix_only(&d);
        ck_assert_int_eq(sk_decompress(codecs[i], c.buf, c.len, 0, &d), SK_ETOOBIG);
        assert_prefix_only(&d);
        ck_assert_int_eq(sk_decompress(codecs[i], c.buf, c.len, n - 1, &d), SK_ETOOBIG);
        assert_prefix_only(&d);
        ck_assert_int_eq(sk_decompress(codecs[i], c.buf, c.len, n, &d), SK_OK);
        ck_assert_uint_eq(d.len, PLEN + n);
        ck_assert_mem_eq(d.buf + PLEN, zeros, n);
        sk_wr_free(&c);
        sk_wr_free(&d);
    }
    free(zeros);
}
END_TEST

/* Lengths stated in the input are never believed past the budget. */
START_TEST(test_budget_stated_sizes)
{
    sk_wr_t w;
    wr_prefixed(&w);
    /* raw snappy claiming 4 GiB - 1 from 7 bytes */
    static const uint8_t sn_huge[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 'x'};
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, sn_huge, sizeof(sn_huge), 1 << 20, &w),
                     SK_ETOOBIG);
    assert_prefix_only(&w);
    /* xerial block of "hello" after a block that used the whole budget */
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, sn_xerial, sizeof(sn_xerial), 5, &w),
                     SK_ETOOBIG);
    assert_prefix_only(&w);
    /* zstd frame asking for a 1 GiB window (window descriptor 20 << 3),
     * then one raw block holding 'x': refused before the window is made */
    static const uint8_t zs_win[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa0, 0x09, 0x00, 0x00, 'x'};
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_ZSTD, zs_win, sizeof(zs_win), 1 << 20, &w),
                     SK_ETOOBIG);
    assert_prefix_only(&w);
    /* the same frame with an 8 KiB window (descriptor 3 << 3) is fine */
    static const uint8_t zs_ok[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x18, 0x09, 0x00, 0x00, 'x'};
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_ZSTD, zs_ok, sizeof(zs_ok), 1, &w), SK_OK);
    ck_assert_uint_eq(w.len, PLEN + 1);
    ck_assert_uint_eq(w.buf[PLEN], 'x');
    sk_wr_free(&w);
}
END_TEST

/* Every cut of a valid stream is an error and leaves the writer alone. A
 * xerial stream cut right after its header or a block is still a valid
 * (shorter) stream: then the output is a prefix of the input. */
static void check_truncations(int codec, const uint8_t *in, size_t n)
{
    sk_wr_t c, d;
    sk_wr_init(&c);
    ck_assert_int_eq(sk_compress(codec, in, n, &c), SK_OK);
    wr_prefixed(&d);
    for (size_t cut = 0; cut < c.len; cut++) {
        int rc = sk_decompress(codec, c.buf, cut, n, &d);
        if (codec == SK_COMPRESSION_SNAPPY && rc == SK_OK) {
            ck_assert_uint_ge(cut, 16);
            size_t got = d.len - PLEN;
            ck_assert_msg(got % (32 * 1024) == 0 && got < n, "cut %zu gave %zu bytes", cut, got);
            ck_assert_mem_eq(d.buf + PLEN, in, got);
            /* and the cut was on a block boundary */
            size_t pos = 16;
            while (pos < cut)
                pos += 4 + sk_be32(c.buf + pos);
            ck_assert_uint_eq(pos, cut);
            d.len = PLEN;
            continue;
        }
        ck_assert_msg(rc == SK_EPARSE, "codec %d cut %zu/%zu: rc %d", codec, cut, c.len, rc);
        assert_prefix_only(&d);
    }
    sk_wr_free(&c);
    sk_wr_free(&d);
}

START_TEST(test_truncations)
{
    uint8_t *text = mk_text(3000);
    uint8_t *rnd = mk_random(300, 7);
    uint8_t *big = mk_text(70 * 1024);
    for (size_t i = 0; i < NCODECS; i++) {
        check_truncations(codecs[i], text, 3000);
        check_truncations(codecs[i], rnd, 300);
        check_truncations(codecs[i], rnd, 1);
    }
    check_truncations(SK_COMPRESSION_SNAPPY, big, 70 * 1024);
    check_truncations(SK_COMPRESSION_LZ4, big, 70 * 1024);
    free(text);
    free(rnd);
    free(big);
}
END_TEST

/* Raw snappy blocks cut short (our own blocks and the hand-made ones). */
START_TEST(test_truncations_raw_snappy)
{
    uint8_t *text = mk_text(3000);
    size_t clen = snappy_max_compressed_length(3000);
    char *raw = malloc(clen);
    ck_assert_int_eq(snappy_compress((const char *)text, 3000, raw, &clen), SNAPPY_OK);
    sk_wr_t w;
    wr_prefixed(&w);
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, (uint8_t *)raw, clen, 3000, &w), SK_OK);
    ck_assert_uint_eq(w.len, PLEN + 3000);
    ck_assert_mem_eq(w.buf + PLEN, text, 3000);
    w.len = PLEN;
    for (size_t cut = 0; cut < clen; cut++) {
        int rc = sk_decompress(SK_COMPRESSION_SNAPPY, (uint8_t *)raw, cut, 3000, &w);
        ck_assert_msg(rc == SK_EPARSE, "cut %zu: rc %d", cut, rc);
        assert_prefix_only(&w);
    }
    for (size_t cut = 0; cut < sizeof(sn_abc); cut++) {
        ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, sn_abc, cut, 100, &w), SK_EPARSE);
        assert_prefix_only(&w);
    }
    sk_wr_free(&w);
    free(raw);
    free(text);
}
END_TEST

/* Random bytes, alone and behind each codec's magic, never decode; if one
 * ever did, it could not exceed the budget. Bit flips: anything but a crash
 * or overrun. */
START_TEST(test_garbage)
{
    static const struct {
        int codec;
        uint8_t head[16];
        size_t hlen;
    } heads[] = {
        {SK_COMPRESSION_GZIP, {0}, 0},
        {SK_COMPRESSION_GZIP, {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03}, 10},
        {SK_COMPRESSION_GZIP, {0x78, 0x9c}, 2},
        {SK_COMPRESSION_SNAPPY, {0}, 0},
        {SK_COMPRESSION_SNAPPY, {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}, 16},
        {SK_COMPRESSION_LZ4, {0}, 0},
        {SK_COMPRESSION_LZ4, {0x04, 0x22, 0x4d, 0x18}, 4},
        {SK_COMPRESSION_LZ4, {0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82}, 7},
        {SK_COMPRESSION_ZSTD, {0}, 0},
        {SK_COMPRESSION_ZSTD, {0x28, 0xb5, 0x2f, 0xfd}, 4},
        {SK_COMPRESSION_ZSTD, {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58}, 6},
    };
    uint64_t seed = 12345;
    uint8_t buf[400];
    sk_wr_t w;
    wr_prefixed(&w);
    for (size_t h = 0; h < sizeof(heads) / sizeof(heads[0]); h++) {
        for (int k = 0; k < 300; k++) {
            size_t n = 8 + rng(&seed) % 300;
            memcpy(buf, heads[h].head, heads[h].hlen);
            for (size_t j = heads[h].hlen; j < heads[h].hlen + n; j++)
                buf[j] = (uint8_t)(rng(&seed) >> 40);
            int rc = sk_decompress(heads[h].codec, buf, heads[h].hlen + n, 4096, &w);
            ck_assert_msg(rc == SK_EPARSE || rc == SK_ETOOBIG, "head %zu try %d: rc %d", h, k, rc);
            assert_prefix_only(&w);
        }
    }
    /* single bit flips of real streams */
    uint8_t *text = mk_text(2000);
    for (size_t i = 0; i < NCODECS; i++) {
        sk_wr_t c;
        sk_wr_init(&c);
        ck_assert_int_eq(sk_compress(codecs[i], text, 2000, &c), SK_OK);
        for (size_t pos = 0; pos < c.len; pos++) {
            for (int bit = 0; bit < 8; bit += 3) {
                c.buf[pos] ^= (uint8_t)(1u << bit);
                int rc = sk_decompress(codecs[i], c.buf, c.len, 2000, &w);
                ck_assert(rc == SK_OK || rc == SK_EPARSE || rc == SK_ETOOBIG);
                ck_assert_uint_le(w.len, PLEN + 2000);
                ck_assert_mem_eq(w.buf, prefix, PLEN);
                if (rc != SK_OK)
                    ck_assert_uint_eq(w.len, PLEN);
                w.len = PLEN;
                c.buf[pos] ^= (uint8_t)(1u << bit);
            }
        }
        sk_wr_free(&c);
    }
    free(text);
    sk_wr_free(&w);
}
END_TEST

/* Checksums are checked: gzip's CRC-32 and ISIZE, lz4's content checksum,
 * zstd's content checksum. */
START_TEST(test_checksums)
{
    uint8_t buf[256];
    sk_wr_t w;
    wr_prefixed(&w);
    memcpy(buf, gz_skein, sizeof(gz_skein));
    buf[sizeof(gz_skein) - 8] ^= 1; /* CRC-32 */
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_GZIP, buf, sizeof(gz_skein), 1000, &w), SK_EPARSE);
    assert_prefix_only(&w);
    memcpy(buf, gz_skein, sizeof(gz_skein));
    buf[sizeof(gz_skein) - 4] ^= 1; /* ISIZE */
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_GZIP, buf, sizeof(gz_skein), 1000, &w), SK_EPARSE);
    assert_prefix_only(&w);
    memcpy(buf, lz4_skein, sizeof(lz4_skein));
    buf[sizeof(lz4_skein) - 1] ^= 1;
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_LZ4, buf, sizeof(lz4_skein), 1000, &w), SK_EPARSE);
    assert_prefix_only(&w);
    memcpy(buf, zstd_skein, sizeof(zstd_skein));
    buf[sizeof(zstd_skein) - 1] ^= 1;
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_ZSTD, buf, sizeof(zstd_skein), 1000, &w),
                     SK_EPARSE);
    assert_prefix_only(&w);
    sk_wr_free(&w);
}
END_TEST

/* Bytes after the last stream are corrupt, not ignored. */
START_TEST(test_trailing_garbage)
{
    static const struct {
        int codec;
        const uint8_t *p;
        size_t n;
    } v[] = {
        {SK_COMPRESSION_GZIP, gz_skein, sizeof(gz_skein)},
        {SK_COMPRESSION_GZIP, zlib_vec, sizeof(zlib_vec)},
        {SK_COMPRESSION_SNAPPY, sn_hello, sizeof(sn_hello)},
        {SK_COMPRESSION_SNAPPY, sn_xerial, sizeof(sn_xerial)},
        {SK_COMPRESSION_LZ4, lz4_skein, sizeof(lz4_skein)},
        {SK_COMPRESSION_ZSTD, zstd_skein, sizeof(zstd_skein)},
    };
    static const uint8_t tails[][4] = {{0, 0, 0, 0}, {'j', 'u', 'n', 'k'}, {0x1f, 0x8b, 0x08, 0}};
    uint8_t buf[256];
    sk_wr_t w;
    wr_prefixed(&w);
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
            for (size_t k = 1; k <= 4; k++) {
                memcpy(buf, v[i].p, v[i].n);
                memcpy(buf + v[i].n, tails[t], k);
                int rc = sk_decompress(v[i].codec, buf, v[i].n + k, 1000, &w);
                ck_assert_msg(rc == SK_EPARSE, "vector %zu tail %zu+%zu: rc %d", i, t, k, rc);
                assert_prefix_only(&w);
            }
        }
    }
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_xerial_bad_framing)
{
    uint8_t buf[64];
    sk_wr_t w;
    wr_prefixed(&w);
    /* second block says 8 bytes, 7 are there */
    memcpy(buf, sn_xerial, sizeof(sn_xerial));
    buf[30] = 8;
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, buf, sizeof(sn_xerial), 1000, &w),
                     SK_EPARSE);
    assert_prefix_only(&w);
    /* first block says 2 GiB and more */
    memcpy(buf, sn_xerial, sizeof(sn_xerial));
    buf[16] = 0x80;
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, buf, sizeof(sn_xerial), 1000, &w),
                     SK_EPARSE);
    buf[16] = 0xff;
    buf[17] = 0xff;
    buf[18] = 0xff;
    buf[19] = 0xff;
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, buf, sizeof(sn_xerial), 1000, &w),
                     SK_EPARSE);
    assert_prefix_only(&w);
    /* a block of length zero is not a snappy block */
    memcpy(buf, sn_xerial, 16);
    memset(buf + 16, 0, 4);
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, buf, 20, 1000, &w), SK_EPARSE);
    assert_prefix_only(&w);
    /* a block length cut short */
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, buf, 18, 1000, &w), SK_EPARSE);
    /* header cut short (the magic alone, and 12 bytes) */
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, sn_xerial, 8, 1000, &w), SK_EPARSE);
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, sn_xerial, 12, 1000, &w), SK_EPARSE);
    /* a corrupt raw block inside good framing: copy before any literal */
    static const uint8_t bad_block[] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0,
                                        0, 1, 0, 0, 0, 3, 0x04, 0x01, 0x01};
    ck_assert_int_eq(sk_decompress(SK_COMPRESSION_SNAPPY, bad_block, sizeof(bad_block), 1000, &w),
                     SK_EPARSE);
    assert_prefix_only(&w);
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_bad_codec)
{
    sk_wr_t w;
    wr_prefixed(&w);
    static const int bad[] = {SK_COMPRESSION_NONE, 5, 7, -1, 1000};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(sk_decompress(bad[i], gz_skein, sizeof(gz_skein), 1000, &w), SK_EINVAL);
        assert_prefix_only(&w);
        ck_assert_int_eq(sk_compress(bad[i], gz_skein, sizeof(gz_skein), &w), SK_EINVAL);
        assert_prefix_only(&w);
        ck_assert_int_eq(sk_decompress(bad[i], NULL, 0, 1000, &w), SK_EINVAL);
        assert_prefix_only(&w);
    }
    /* no codec's stream is empty */
    for (size_t i = 0; i < NCODECS; i++) {
        ck_assert_int_eq(sk_decompress(codecs[i], NULL, 0, 1000, &w), SK_EPARSE);
        assert_prefix_only(&w);
    }
    sk_wr_free(&w);
}
END_TEST

/* Output far larger than one internal piece, into a writer that has to
 * grow many times, with the budget landing inside a piece. */
START_TEST(test_large_output)
{
    size_t n = 3 * 1024 * 1024 + 17;
    uint8_t *text = mk_text(n);
    for (size_t i = 0; i < NCODECS; i++) {
        sk_wr_t c, d;
        sk_wr_init(&c);
        ck_assert_int_eq(sk_compress(codecs[i], text, n, &c), SK_OK);
        sk_wr_init(&d);
        ck_assert_int_eq(sk_decompress(codecs[i], c.buf, c.len, n, &d), SK_OK);
        ck_assert_uint_eq(d.len, n);
        ck_assert_mem_eq(d.buf, text, n);
        d.len = 0;
        ck_assert_int_eq(sk_decompress(codecs[i], c.buf, c.len, n / 2 + 3, &d), SK_ETOOBIG);
        ck_assert_uint_eq(d.len, 0);
        sk_wr_free(&c);
        sk_wr_free(&d);
    }
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compress");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_roundtrip_all);
    tcase_add_test(tc, test_compress_shrinks_text);
    tcase_add_test(tc, test_known_vectors);
    tcase_add_test(tc, test_our_gzip_is_gzip);
    tcase_add_test(tc, test_our_snappy_is_xerial);
    tcase_add_test(tc, test_our_lz4_is_frame);
    tcase_add_test(tc, test_our_zstd_is_frame);
    tcase_add_test(tc, test_budget_zeros);
    tcase_add_test(tc, test_budget_stated_sizes);
    tcase_add_test(tc, test_truncations);
    tcase_add_test(tc, test_truncations_raw_snappy);
    tcase_add_test(tc, test_garbage);
    tcase_add_test(tc, test_checksums);
    tcase_add_test(tc, test_trailing_garbage);
    tcase_add_test(tc, test_xerial_bad_framing);
    tcase_add_test(tc, test_bad_codec);
    tcase_add_test(tc, test_large_output);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
