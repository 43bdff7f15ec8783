/* check_proto.c - unit tests for the arena, the request/response headers
 * and the ApiVersions, Metadata, Produce, ListOffsets and CreateTopics codecs.
 *
 * Expected bytes in the "hand" tests were written from the field lists in
 * Kafka's message schemas (messages/<Api>Request.json etc.), not produced by our encoder.
 * Every valid message is also cut at every byte offset: each prefix must
 * fail with SK_EPARSE (the copy is exactly as long as the prefix, so ASan
 * would catch any over-read).
 */
#include "apis.h"
#include "arena.h"
#include "kerr.h"
#include "proto_all.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- helpers ---------- */

/* "00 01 ff" -> bytes; returns the length. */
static size_t hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (*s) {
        if (*s == ' ' || *s == '\n' || *s == '|') {
            s++;
            continue;
        }
        unsigned v;
        ck_assert_msg(sscanf(s, "%2x", &v) == 1, "bad hex at '%s'", s);
        ck_assert_uint_lt(n, cap);
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

typedef int (*dec_fn)(sk_rd_t *r, int16_t v, sk_arena_t *a, void *out);

#define DEC_WRAP(name, type)                                                 \
    static int dec_##name(sk_rd_t *r, int16_t v, sk_arena_t *a, void *out)   \
    {                                                                        \
        return sk_##name##_decode(r, v, a, (type *)out);                     \
    }
DEC_WRAP(apiversions_req, sk_apiversions_req_t)
DEC_WRAP(apiversions_resp, sk_apiversions_resp_t)
DEC_WRAP(metadata_req, sk_metadata_req_t)
DEC_WRAP(metadata_resp, sk_metadata_resp_t)
DEC_WRAP(produce_req, sk_produce_req_t)
DEC_WRAP(produce_resp, sk_produce_resp_t)
DEC_WRAP(listoffsets_req, sk_listoffsets_req_t)
DEC_WRAP(listoffsets_resp, sk_listoffsets_resp_t)
DEC_WRAP(createtopics_req, sk_createtopics_req_t)
DEC_WRAP(createtopics_resp, sk_createtopics_resp_t)

/* Every strict prefix of buf must fail with SK_EPARSE; the whole of it must
 * decode and be consumed exactly. */
static void check_trunc(const uint8_t *buf, size_t len, int16_t ver, dec_fn f, size_t outsz)
{
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        void *out = calloc(1, outsz);
        sk_arena_t *a = sk_arena_new(256);
        sk_rd_t r;
        sk_rd_init(&r, copy, cut);
        int rc = f(&r, ver, a, out);
        if (cut < len)
            ck_assert_msg(rc == SK_EPARSE, "v%d: prefix %zu of %zu decoded (rc %d)", ver, cut,
                          len, rc);
        else {
            ck_assert_msg(rc == SK_OK, "v%d: full message failed (rc %d)", ver, rc);
            ck_assert_uint_eq(sk_rd_remaining(&r), 0);
        }
        sk_arena_free(a);
        free(out);
        free(copy);
    }
}

/* Flip bytes of a valid message in many ways: the decoder must return a
 * result without crashing (ASan/UBSan do the checking). */
static void check_mutations(const uint8_t *buf, size_t len, int16_t ver, dec_fn f, size_t outsz)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
    uint8_t *copy = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof(vals); k++) {
            memcpy(copy, buf, len);
            copy[i] = vals[k];
            void *out = calloc(1, outsz);
            sk_arena_t *a = sk_arena_new(256);
            sk_rd_t r;
            sk_rd_init(&r, copy, len);
            int rc = f(&r, ver, a, out);
            ck_assert(rc == SK_OK || rc == SK_EPARSE);
            sk_arena_free(a);
            free(out);
        }
    }
    free(copy);
}

static int decode_bytes(const uint8_t *buf, size_t len, int16_t ver, dec_fn f, sk_arena_t *a,
                        void *out)
{
    sk_rd_t r;
    sk_rd_init(&r, buf, len);
    int rc = f(&r, ver, a, out);
    if (rc == SK_OK && sk_rd_remaining(&r) != 0)
        return 99; /* not everything consumed */
    return rc;
}

static void assert_str(sk_str_t s, const char *want)
{
    if (!want) {
        ck_assert_int_eq(s.len, -1);
        return;
    }
    ck_assert_msg(sk_str_eq(s, want), "got '%.*s' want '%s'", s.len < 0 ? 4 : s.len,
                  s.len < 0 ? "null" : s.p, want);
}

static void assert_bytes(const sk_wr_t *w, const uint8_t *want, size_t n)
{
    ck_assert_uint_eq(w->len, n);
    ck_assert_mem_eq(w->buf, want, n);
}

/* ---------- arena ---------- */

START_TEST(test_arena)
{
    sk_arena_t *a = sk_arena_new(128);
    ck_assert_uint_eq(sk_arena_used(a), 0);
    uint8_t *p = sk_arena_alloc(a, 10);
    memset(p, 0xaa, 10);
    void *q = sk_arena_alloc(a, 0);
    ck_assert_ptr_nonnull(q);
    ck_assert((uintptr_t)q % _Alignof(max_align_t) == 0);
    int64_t *z = sk_arena_calloc(a, 100, sizeof(int64_t)); /* bigger than a chunk */
    for (int i = 0; i < 100; i++)
        ck_assert(z[i] == 0);
    z[99] = 7;
    for (int i = 0; i < 10; i++)
        ck_assert_uint_eq(p[i], 0xaa); /* untouched by the big allocation */
    char *s = sk_arena_strdup(a, "hello");
    ck_assert_str_eq(s, "hello");
    ck_assert_ptr_null(sk_arena_strdup(a, NULL));
    ck_assert_uint_ge(sk_arena_used(a), 10 + 800 + 6);
    for (int i = 0; i < 1000; i++) {
        uint32_t *v = sk_arena_alloc(a, sizeof(uint32_t) * (size_t)(i % 7 + 1));
        ck_assert((uintptr_t)v % _Alignof(max_align_t) == 0);
        v[0] = (uint32_t)i;
    }
    sk_arena_reset(a);
    ck_assert_uint_eq(sk_arena_used(a), 0);
    p = sk_arena_alloc(a, 64);
    memset(p, 1, 64);
    sk_arena_free(a);
    sk_arena_free(NULL);
}
END_TEST

/* ---------- headers ---------- */

START_TEST(test_req_hdr_v1_hand)
{
    /* Metadata v4, corr 7, client "rdkafka", then one body byte. */
    uint8_t b[64];
    size_t n = hex("0003 0004 00000007 0007 72646b61666b61 | ff", b, sizeof(b));
    sk_rd_t r;
    sk_rd_init(&r, b, n);
    sk_req_hdr_t h;
    ck_assert_int_eq(sk_req_hdr_decode(&r, &h), SK_OK);
    ck_assert_int_eq(h.RequestApiKey, 3);
    ck_assert_int_eq(h.RequestApiVersion, 4);
    ck_assert_int_eq(h.CorrelationId, 7);
    ck_assert_int_eq(h.HeaderVersion, 1);
    assert_str(h.ClientId, "rdkafka");
    ck_assert_uint_eq(sk_rd_remaining(&r), 1);

    sk_wr_t w;
    sk_wr_init(&w);
    sk_req_hdr_encode(&w, 3, 4, 7, "rdkafka");
    assert_bytes(&w, b, n - 1);
    sk_wr_free(&w);

    /* every prefix of the header fails */
    for (size_t cut = 0; cut < n - 1; cut++) {
        sk_rd_init(&r, b, cut);
        ck_assert_int_eq(sk_req_hdr_decode(&r, &h), SK_EPARSE);
    }
}
END_TEST

START_TEST(test_req_hdr_v2_tags)
{
    /* ApiVersions v3: header v2; null client id; a tag section holding two
     * unknown tags (tag 1: 2 bytes, tag 9: 0 bytes) that must be skipped. */
    uint8_t b[64];
    size_t n = hex("0012 0003 7fffffff ffff | 02 01 02 abcd 09 00 | 55", b, sizeof(b));
    sk_rd_t r;
    sk_rd_init(&r, b, n);
    sk_req_hdr_t h;
    ck_assert_int_eq(sk_req_hdr_decode(&r, &h), SK_OK);
    ck_assert_int_eq(h.RequestApiKey, 18);
    ck_assert_int_eq(h.RequestApiVersion, 3);
    ck_assert_int_eq(h.CorrelationId, INT32_MAX);
    ck_assert_int_eq(h.HeaderVersion, 2);
    assert_str(h.ClientId, NULL);
    ck_assert_uint_eq(sk_rd_remaining(&r), 1);
    for (size_t cut = 0; cut < n - 1; cut++) {
        sk_rd_init(&r, b, cut);
        ck_assert_int_eq(sk_req_hdr_decode(&r, &h), SK_EPARSE);
    }
    /* ApiVersions v7 (too new): still header v2, still decodes. */
    n = hex("0012 0007 00000001 0001 78 00", b, sizeof(b));
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_req_hdr_decode(&r, &h), SK_OK);
    ck_assert_int_eq(h.HeaderVersion, 2);
    ck_assert_uint_eq(sk_rd_remaining(&r), 0);
    ck_assert(!sk_api_supported(h.RequestApiKey, h.RequestApiVersion));

    sk_wr_t w;
    sk_wr_init(&w);
    sk_req_hdr_encode(&w, 18, 3, 5, NULL);
    n = hex("0012 0003 00000005 ffff 00", b, sizeof(b));
    assert_bytes(&w, b, n);
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_req_hdr_unknown_key)
{
    uint8_t b[64];
    size_t n = hex("03e7 0002 0000002a 0003 616263 00", b, sizeof(b));
    sk_rd_t r;
    sk_rd_init(&r, b, n);
    sk_req_hdr_t h;
    ck_assert_int_eq(sk_req_hdr_decode(&r, &h), SK_ENOENT);
    ck_assert_int_eq(h.RequestApiKey, 999);
    ck_assert_int_eq(h.RequestApiVersion, 2);
    ck_assert_int_eq(h.CorrelationId, 42);
    assert_str(h.ClientId, "abc");
    /* Truncated in the client id: key/version/corr are still reported. */
    sk_rd_init(&r, b, 10);
    ck_assert_int_eq(sk_req_hdr_decode(&r, &h), SK_EPARSE);
    ck_assert_int_eq(h.RequestApiKey, 999);
    ck_assert_int_eq(h.CorrelationId, 42);
    /* Negative client id length other than -1 */
    n = hex("0003 0001 00000001 fffe", b, sizeof(b));
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_req_hdr_decode(&r, &h), SK_EPARSE);
    /* Client id longer than the frame */
    n = hex("0003 0001 00000001 7fff 6161", b, sizeof(b));
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_req_hdr_decode(&r, &h), SK_EPARSE);
    /* Header v2 with a tag whose size runs past the end */
    n = hex("0012 0003 00000001 0000 01 00 05 aa", b, sizeof(b));
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_req_hdr_decode(&r, &h), SK_EPARSE);
}
END_TEST

START_TEST(test_resp_hdr)
{
    uint8_t b[16];
    sk_wr_t w;
    sk_wr_init(&w);
    /* non-flexible response: v0 */
    ck_assert_int_eq(sk_resp_hdr_version(SK_API_METADATA, 5), 0);
    sk_resp_hdr_encode(&w, SK_API_METADATA, 5, 0x01020304);
    assert_bytes(&w, b, hex("01020304", b, sizeof(b)));
    sk_wr_reset(&w);
    /* flexible response: v1 (tag byte) */
    ck_assert_int_eq(sk_resp_hdr_version(SK_API_METADATA, 9), 1);
    sk_resp_hdr_encode(&w, SK_API_METADATA, 9, 1);
    assert_bytes(&w, b, hex("00000001 00", b, sizeof(b)));
    sk_wr_reset(&w);
    /* ApiVersions v3 is flexible but its response header is v0 */
    ck_assert_int_eq(sk_resp_hdr_version(SK_API_API_VERSIONS, 3), 0);
    sk_resp_hdr_encode(&w, SK_API_API_VERSIONS, 3, 9);
    assert_bytes(&w, b, hex("00000009", b, sizeof(b)));
    sk_wr_free(&w);

    int32_t corr;
    sk_rd_t r;
    size_t n = hex("00000009 01 03 01 ee", b, sizeof(b));
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_resp_hdr_decode(&r, SK_API_METADATA, 9, &corr), SK_OK);
    ck_assert_int_eq(corr, 9);
    ck_assert_uint_eq(sk_rd_remaining(&r), 0);
    sk_rd_init(&r, b, 3);
    ck_assert_int_eq(sk_resp_hdr_decode(&r, SK_API_METADATA, 1, &corr), SK_EPARSE);
}
END_TEST

/* ---------- ApiVersions ---------- */

START_TEST(test_apiversions_hand)
{
    sk_arena_t *a = sk_arena_new(0);
    uint8_t b[256];
    size_t n;
    /* v3 request as librdkafka sends it: compact "librdkafka", "2.0.2", tags. */
    n = hex("0b 6c696272646b61666b61 06 322e302e32 00", b, sizeof(b));
    sk_apiversions_req_t req;
    ck_assert_int_eq(decode_bytes(b, n, 3, dec_apiversions_req, a, &req), SK_OK);
    assert_str(req.ClientSoftwareName, "librdkafka");
    assert_str(req.ClientSoftwareVersion, "2.0.2");
    check_trunc(b, n, 3, dec_apiversions_req, sizeof(req));
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_apiversions_req_encode(&w, 3, &req), SK_OK);
    assert_bytes(&w, b, n);
    sk_wr_reset(&w);
    /* v3 request with an unknown tag in the body */
    n = hex("02 61 02 62 | 01 05 03 010203", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 3, dec_apiversions_req, a, &req), SK_OK);
    assert_str(req.ClientSoftwareName, "a");
    /* v3 null name is invalid (non-nullable) */
    n = hex("00 02 62 00", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 3, dec_apiversions_req, a, &req), SK_EPARSE);
    /* v0-2 request bodies are empty */
    ck_assert_int_eq(decode_bytes(b, 0, 0, dec_apiversions_req, a, &req), SK_OK);
    ck_assert_int_eq(decode_bytes(b, 0, 2, dec_apiversions_req, a, &req), SK_OK);
    assert_str(req.ClientSoftwareName, ""); /* the schema's default */
    ck_assert_int_eq(decode_bytes(b, 0, 4, dec_apiversions_req, a, &req), SK_EINVAL);

    /* responses */
    sk_apiversions_resp_key_t keys[] = {{0, 3, 7}, {18, 0, 3}};
    sk_apiversions_resp_t resp = {.ErrorCode = 0, .ApiKeys = keys, .ApiKeysCnt = 2,
                                  .ThrottleTimeMs = 0, .FinalizedFeaturesEpoch = -1};
    ck_assert_int_eq(sk_apiversions_resp_encode(&w, 0, &resp), SK_OK);
    n = hex("0000 00000002 0000 0003 0007 0012 0000 0003", b, sizeof(b));
    assert_bytes(&w, b, n);
    check_trunc(b, n, 0, dec_apiversions_resp, sizeof(resp));
    sk_wr_reset(&w);
    ck_assert_int_eq(sk_apiversions_resp_encode(&w, 1, &resp), SK_OK);
    n = hex("0000 00000002 0000 0003 0007 0012 0000 0003 00000000", b, sizeof(b));
    assert_bytes(&w, b, n);
    sk_wr_reset(&w);
    ck_assert_int_eq(sk_apiversions_resp_encode(&w, 3, &resp), SK_OK);
    n = hex("0000 03 0000 0003 0007 00 0012 0000 0003 00 00000000 00", b, sizeof(b));
    assert_bytes(&w, b, n);
    check_trunc(b, n, 3, dec_apiversions_resp, sizeof(resp));
    sk_wr_free(&w);
    /* A Kafka-style v3 response with tagged fields (features, epoch) decodes. */
    n = hex("0000 02 0012 0000 0003 01 07 01 ee | 00000000 |"
            " 02 | 00 08 02 02 61 0001 0002 00 | 01 08 0000000000000005", b, sizeof(b));
    sk_apiversions_resp_t got;
    ck_assert_int_eq(decode_bytes(b, n, 3, dec_apiversions_resp, a, &got), SK_OK);
    ck_assert_int_eq(got.ApiKeysCnt, 1);
    ck_assert_int_eq(got.ApiKeys[0].ApiKey, 18);
    ck_assert_int_eq(got.ApiKeys[0].MaxVersion, 3);
    check_trunc(b, n, 3, dec_apiversions_resp, sizeof(got));
    sk_arena_free(a);
}
END_TEST

START_TEST(test_apiversions_unsupported_layout)
{
    /* A too-new request is answered with the v0 layout, error 35, and at
     * least our ApiVersions range; the response header is v0. */
    sk_arena_t *a = sk_arena_new(0);
    sk_apiversions_resp_t resp;
    sk_apiversions_resp_fill(&resp, a);
    resp.ErrorCode = SK_KERR_UNSUPPORTED_VERSION;
    sk_wr_t w;
    sk_wr_init(&w);
    sk_resp_hdr_encode(&w, SK_API_API_VERSIONS, 4, 77);
    ck_assert_int_eq(sk_apiversions_resp_encode(&w, 0, &resp), SK_OK);
    sk_rd_t r;
    sk_rd_init(&r, w.buf, w.len);
    ck_assert_int_eq(sk_rd_i32(&r), 77);
    ck_assert_int_eq(sk_rd_i16(&r), 35);
    int32_t cnt = sk_rd_i32(&r);
    ck_assert_int_eq(cnt, (int32_t)sk_api_count());
    int seen = 0;
    for (int32_t i = 0; i < cnt; i++) {
        int16_t k = sk_rd_i16(&r), mn = sk_rd_i16(&r), mx = sk_rd_i16(&r);
        if (k == 18) {
            seen = 1;
            ck_assert_int_eq(mn, 0);
            ck_assert_int_eq(mx, 3);
        }
    }
    ck_assert(seen);
    ck_assert(sk_rd_ok(&r));
    ck_assert_uint_eq(sk_rd_remaining(&r), 0);
    sk_wr_free(&w);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_apiversions_roundtrip)
{
    sk_apiversions_resp_key_t keys[] = {{0, 3, 7}, {1, 4, 11}, {18, 0, 3}};
    sk_apiversions_resp_t resp = {.ErrorCode = 35, .ApiKeys = keys, .ApiKeysCnt = 3,
                                  .ThrottleTimeMs = 1234, .FinalizedFeaturesEpoch = -1};
    sk_apiversions_req_t req = {.ClientSoftwareName = sk_str_c("skein-test"),
                                .ClientSoftwareVersion = sk_str_c("0.1")};
    for (int16_t v = 0; v <= 3; v++) {
        sk_arena_t *a = sk_arena_new(0);
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(sk_apiversions_resp_encode(&w, v, &resp), SK_OK);
        sk_apiversions_resp_t got;
        ck_assert_int_eq(decode_bytes(w.buf, w.len, v, dec_apiversions_resp, a, &got), SK_OK);
        ck_assert_int_eq(got.ErrorCode, 35);
        ck_assert_int_eq(got.ApiKeysCnt, 3);
        for (int i = 0; i < 3; i++) {
            ck_assert_int_eq(got.ApiKeys[i].ApiKey, keys[i].ApiKey);
            ck_assert_int_eq(got.ApiKeys[i].MinVersion, keys[i].MinVersion);
            ck_assert_int_eq(got.ApiKeys[i].MaxVersion, keys[i].MaxVersion);
        }
        ck_assert_int_eq(got.ThrottleTimeMs, v >= 1 ? 1234 : 0);
        check_trunc(w.buf, w.len, v, dec_apiversions_resp, sizeof(got));
        check_mutations(w.buf, w.len, v, dec_apiversions_resp, sizeof(got));

        sk_wr_reset(&w);
        ck_assert_int_eq(sk_apiversions_req_encode(&w, v, &req), SK_OK);
        ck_assert_uint_eq(w.len, v >= 3 ? 1 + 10 + 1 + 3 + 1 : 0);
        sk_apiversions_req_t greq;
        ck_assert_int_eq(decode_bytes(w.buf, w.len, v, dec_apiversions_req, a, &greq), SK_OK);
        assert_str(greq.ClientSoftwareName, v >= 3 ? "skein-test" : "");
        assert_str(greq.ClientSoftwareVersion, v >= 3 ? "0.1" : "");
        check_trunc(w.buf, w.len, v, dec_apiversions_req, sizeof(greq));
        sk_wr_free(&w);
        sk_arena_free(a);
    }
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_apiversions_resp_encode(&w, 4, &resp), SK_EINVAL);
    ck_assert_int_eq(sk_apiversions_resp_encode(&w, -1, &resp), SK_EINVAL);
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_apiversions_bad_counts)
{
    sk_arena_t *a = sk_arena_new(0);
    uint8_t b[64];
    sk_apiversions_resp_t got;
    size_t n = hex("0000 7fffffff 0000 0000 0000", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 0, dec_apiversions_resp, a, &got), SK_EPARSE);
    n = hex("0000 ffffffff", b, sizeof(b)); /* null, not nullable */
    ck_assert_int_eq(decode_bytes(b, n, 0, dec_apiversions_resp, a, &got), SK_EPARSE);
    n = hex("0000 80000000", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 0, dec_apiversions_resp, a, &got), SK_EPARSE);
    /* compact count of 2^32-1 (5-byte varint) */
    n = hex("0000 ffffffff0f", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 3, dec_apiversions_resp, a, &got), SK_EPARSE);
    /* over-long varint */
    n = hex("0000 ffffffffff01", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 3, dec_apiversions_resp, a, &got), SK_EPARSE);
    /* tag count that promises more than is there */
    n = hex("0000 01 00000000 ff", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 3, dec_apiversions_resp, a, &got), SK_EPARSE);
    /* compact string length past the end */
    sk_apiversions_req_t req;
    n = hex("7f 61 01 00", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 3, dec_apiversions_req, a, &req), SK_EPARSE);
    sk_arena_free(a);
}
END_TEST

/* ---------- Metadata ---------- */

START_TEST(test_metadata_req_hand)
{
    sk_arena_t *a = sk_arena_new(0);
    uint8_t b[64];
    sk_metadata_req_t req;
    size_t n;
    /* v0 empty array: all topics (kafka-python's bootstrap) */
    n = hex("00000000", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 0, dec_metadata_req, a, &req), SK_OK);
    ck_assert_int_eq(req.TopicsCnt, 0);
    ck_assert(sk_metadata_req_all_topics(0, &req));
    ck_assert(req.AllowAutoTopicCreation);
    /* v0 null is illegal */
    n = hex("ffffffff", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 0, dec_metadata_req, a, &req), SK_EPARSE);
    /* v1 null: all topics */
    ck_assert_int_eq(decode_bytes(b, n, 1, dec_metadata_req, a, &req), SK_OK);
    ck_assert_int_eq(req.TopicsCnt, -1);
    ck_assert(sk_metadata_req_all_topics(1, &req));
    /* v1 empty: no topics */
    n = hex("00000000", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 1, dec_metadata_req, a, &req), SK_OK);
    ck_assert(!sk_metadata_req_all_topics(1, &req));
    /* v4 as librdkafka's first request: empty array, auto-create false */
    n = hex("00000000 00", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 4, dec_metadata_req, a, &req), SK_OK);
    ck_assert(!sk_metadata_req_all_topics(4, &req));
    ck_assert(!req.AllowAutoTopicCreation);
    /* v4 kcat -L: null array, auto-create true */
    n = hex("ffffffff 01", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 4, dec_metadata_req, a, &req), SK_OK);
    ck_assert(sk_metadata_req_all_topics(4, &req));
    ck_assert(req.AllowAutoTopicCreation);
    /* v5 two topics */
    n = hex("00000002 0001 74 0003 666f6f 01", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 5, dec_metadata_req, a, &req), SK_OK);
    ck_assert_int_eq(req.TopicsCnt, 2);
    assert_str(req.Topics[0].Name, "t");
    assert_str(req.Topics[1].Name, "foo");
    check_trunc(b, n, 5, dec_metadata_req, sizeof(req));
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_metadata_req_encode(&w, 5, &req), SK_OK);
    assert_bytes(&w, b, n);
    sk_wr_free(&w);
    /* topic with a null name */
    n = hex("00000001 ffff", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 1, dec_metadata_req, a, &req), SK_EPARSE);
    /* huge count */
    n = hex("7fffffff 0001 74", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 1, dec_metadata_req, a, &req), SK_EPARSE);
    ck_assert_int_eq(decode_bytes(b, n, 13, dec_metadata_req, a, &req), SK_EINVAL);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_metadata_resp_hand)
{
    /* v0: brokers [{1,"h",9092}], topics [{0,"t",[{0,0,1,[1],[1]}]}] */
    sk_metadata_resp_broker_t br = {1, sk_str_c("h"), 9092, sk_str_c("r1")};
    int32_t reps[] = {1}, off[] = {2};
    sk_metadata_resp_partition_t pa = {.PartitionIndex = 0, .LeaderId = 1, .ReplicaNodes = reps,
                                       .ReplicaNodesCnt = 1, .IsrNodes = reps, .IsrNodesCnt = 1,
                                       .OfflineReplicas = off, .OfflineReplicasCnt = 1};
    sk_metadata_resp_topic_t tp = {.Name = sk_str_c("t"), .IsInternal = 1, .Partitions = &pa,
                                   .PartitionsCnt = 1, .TopicAuthorizedOperations = INT32_MIN};
    sk_metadata_resp_t resp = {.ThrottleTimeMs = 5, .Brokers = &br, .BrokersCnt = 1,
                               .ClusterId = sk_str_c("c"), .ControllerId = 1, .Topics = &tp,
                               .TopicsCnt = 1, .ClusterAuthorizedOperations = INT32_MIN};
    uint8_t b[256];
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_metadata_resp_encode(&w, 0, &resp), SK_OK);
    size_t n = hex("00000001 00000001 0001 68 00002384"
                   " 00000001 0000 0001 74 00000001 0000 00000000 00000001"
                   " 00000001 00000001 00000001 00000001",
                   b, sizeof(b));
    assert_bytes(&w, b, n);
    check_trunc(b, n, 0, dec_metadata_resp, sizeof(resp));
    sk_wr_reset(&w);
    /* v5: throttle first; rack; cluster id; controller; is_internal; offline */
    ck_assert_int_eq(sk_metadata_resp_encode(&w, 5, &resp), SK_OK);
    n = hex("00000005 | 00000001 00000001 0001 68 00002384 0002 7231 | 0001 63 | 00000001 |"
            " 00000001 0000 0001 74 01 00000001 0000 00000000 00000001"
            " 00000001 00000001 00000001 00000001 00000001 00000002",
            b, sizeof(b));
    assert_bytes(&w, b, n);
    check_trunc(b, n, 5, dec_metadata_resp, sizeof(resp));
    check_mutations(b, n, 5, dec_metadata_resp, sizeof(resp));
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_metadata_roundtrip)
{
    sk_metadata_resp_broker_t br[2] = {{1, sk_str_c("host-a"), 9092, sk_str_c("rack-a")},
                                       {2, sk_str_c("host-b"), 9093, SK_STR_NULL}};
    int32_t reps[] = {1, 2}, isr[] = {1}, off[] = {2};
    sk_metadata_resp_partition_t pa[2] = {
        {.PartitionIndex = 0, .LeaderId = 1, .LeaderEpoch = 4, .ReplicaNodes = reps,
         .ReplicaNodesCnt = 2, .IsrNodes = isr, .IsrNodesCnt = 1, .OfflineReplicas = off,
         .OfflineReplicasCnt = 1},
        {.ErrorCode = SK_KERR_LEADER_NOT_AVAILABLE, .PartitionIndex = 1, .LeaderId = -1,
         .LeaderEpoch = -1, .ReplicaNodes = reps, .ReplicaNodesCnt = 2}};
    sk_metadata_resp_topic_t tp[2] = {
        {.Name = sk_str_c("orders"), .TopicId = {1, 2, 3}, .Partitions = pa, .PartitionsCnt = 2,
         .TopicAuthorizedOperations = 0xdf8},
        {.Name = sk_str_c("__consumer_offsets"), .IsInternal = 1,
         .TopicAuthorizedOperations = INT32_MIN}};
    sk_metadata_resp_t resp = {.ThrottleTimeMs = 17, .Brokers = br, .BrokersCnt = 2,
                               .ClusterId = sk_str_c("cluster-xyz"), .ControllerId = 2,
                               .Topics = tp, .TopicsCnt = 2,
                               .ClusterAuthorizedOperations = INT32_MIN};
    sk_metadata_req_topic_t rt[] = {{.Name = sk_str_c("orders")}, {.Name = sk_str_c("x")}};
    sk_metadata_req_t req = {.Topics = rt, .TopicsCnt = 2, .AllowAutoTopicCreation = 0};
    for (int16_t v = 0; v <= 12; v++) {
        sk_arena_t *a = sk_arena_new(0);
        sk_wr_t w;
        sk_wr_init(&w);
        /* non-ignorable fields hold their defaults where the version lacks them */
        req.AllowAutoTopicCreation = v < 4;
        tp[0].TopicAuthorizedOperations = v >= 8 ? 0xdf8 : INT32_MIN;
        ck_assert_int_eq(sk_metadata_resp_encode(&w, v, &resp), SK_OK);
        sk_metadata_resp_t g;
        ck_assert_int_eq(decode_bytes(w.buf, w.len, v, dec_metadata_resp, a, &g), SK_OK);
        ck_assert_int_eq(g.ThrottleTimeMs, v >= 3 ? 17 : 0);
        ck_assert_int_eq(g.BrokersCnt, 2);
        ck_assert_int_eq(g.Brokers[1].NodeId, 2);
        assert_str(g.Brokers[0].Host, "host-a");
        ck_assert_int_eq(g.Brokers[1].Port, 9093);
        assert_str(g.Brokers[0].Rack, v >= 1 ? "rack-a" : NULL);
        assert_str(g.Brokers[1].Rack, NULL);
        assert_str(g.ClusterId, v >= 2 ? "cluster-xyz" : NULL);
        ck_assert_int_eq(g.ControllerId, v >= 1 ? 2 : -1);
        ck_assert_int_eq(g.TopicsCnt, 2);
        assert_str(g.Topics[0].Name, "orders");
        assert_str(g.Topics[1].Name, "__consumer_offsets");
        ck_assert_int_eq(g.Topics[1].IsInternal, v >= 1);
        ck_assert_int_eq(g.Topics[0].IsInternal, 0);
        ck_assert_int_eq(g.Topics[0].PartitionsCnt, 2);
        ck_assert_int_eq(g.Topics[1].PartitionsCnt, 0);
        const sk_metadata_resp_partition_t *p = &g.Topics[0].Partitions[1];
        ck_assert_int_eq(p->ErrorCode, SK_KERR_LEADER_NOT_AVAILABLE);
        ck_assert_int_eq(p->PartitionIndex, 1);
        ck_assert_int_eq(p->LeaderId, -1);
        ck_assert_int_eq(p->ReplicaNodesCnt, 2);
        ck_assert_int_eq(p->ReplicaNodes[1], 2);
        ck_assert_int_eq(p->IsrNodesCnt, 0);
        p = &g.Topics[0].Partitions[0];
        ck_assert_int_eq(p->IsrNodesCnt, 1);
        ck_assert_int_eq(p->IsrNodes[0], 1);
        ck_assert_int_eq(p->OfflineReplicasCnt, v >= 5 ? 1 : 0);
        if (v >= 5)
            ck_assert_int_eq(p->OfflineReplicas[0], 2);
        ck_assert_int_eq(p->LeaderEpoch, v >= 7 ? 4 : -1);
        ck_assert_int_eq(g.Topics[0].TopicId[2], v >= 10 ? 3 : 0);
        ck_assert_int_eq(g.Topics[0].TopicAuthorizedOperations, v >= 8 ? 0xdf8 : INT32_MIN);
        check_trunc(w.buf, w.len, v, dec_metadata_resp, sizeof(g));

        sk_wr_reset(&w);
        ck_assert_int_eq(sk_metadata_req_encode(&w, v, &req), SK_OK);
        sk_metadata_req_t gr;
        ck_assert_int_eq(decode_bytes(w.buf, w.len, v, dec_metadata_req, a, &gr), SK_OK);
        ck_assert_int_eq(gr.TopicsCnt, 2);
        assert_str(gr.Topics[0].Name, "orders");
        assert_str(gr.Topics[1].Name, "x");
        ck_assert_int_eq(gr.AllowAutoTopicCreation, v < 4);
        ck_assert(!sk_metadata_req_all_topics(v, &gr));
        check_trunc(w.buf, w.len, v, dec_metadata_req, sizeof(gr));
        check_mutations(w.buf, w.len, v, dec_metadata_req, sizeof(gr));

        /* all topics in every version (v0 has no null: the empty array) */
        sk_metadata_req_t all = {.TopicsCnt = v == 0 ? 0 : -1, .AllowAutoTopicCreation = 1};
        sk_wr_reset(&w);
        ck_assert_int_eq(sk_metadata_req_encode(&w, v, &all), SK_OK);
        ck_assert_int_eq(decode_bytes(w.buf, w.len, v, dec_metadata_req, a, &gr), SK_OK);
        ck_assert(sk_metadata_req_all_topics(v, &gr));
        sk_wr_free(&w);
        sk_arena_free(a);
    }
}
END_TEST

/* ---------- Produce ---------- */

START_TEST(test_produce_hand)
{
    sk_arena_t *a = sk_arena_new(0);
    uint8_t b[256];
    /* v3: txn id null, acks -1, timeout 30000, [{"t", [{0, 5 bytes}]}] */
    size_t n = hex("ffff ffff 00007530 00000001 0001 74 00000001 00000000 00000005 0102030405",
                   b, sizeof(b));
    sk_produce_req_t req;
    for (int16_t v = 3; v <= 7; v++) {
        ck_assert_int_eq(decode_bytes(b, n, v, dec_produce_req, a, &req), SK_OK);
        assert_str(req.TransactionalId, NULL);
        ck_assert_int_eq(req.Acks, -1);
        ck_assert_int_eq(req.TimeoutMs, 30000);
        ck_assert_int_eq(req.TopicDataCnt, 1);
        assert_str(req.TopicData[0].Name, "t");
        ck_assert_int_eq(req.TopicData[0].PartitionDataCnt, 1);
        ck_assert_int_eq(req.TopicData[0].PartitionData[0].Index, 0);
        /* a view into the request bytes, not a copy */
        ck_assert_ptr_eq(req.TopicData[0].PartitionData[0].Records.p, (const char *)b + n - 5);
        ck_assert_int_eq(req.TopicData[0].PartitionData[0].Records.len, 5);
    }
    check_trunc(b, n, 7, dec_produce_req, sizeof(req));
    check_mutations(b, n, 7, dec_produce_req, sizeof(req));
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_produce_req_encode(&w, 7, &req), SK_OK);
    assert_bytes(&w, b, n);
    sk_wr_reset(&w);
    /* null records, transactional id "tx" */
    n = hex("0002 7478 0001 00000064 00000001 0001 74 00000001 00000002 ffffffff", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 5, dec_produce_req, a, &req), SK_OK);
    assert_str(req.TransactionalId, "tx");
    ck_assert_int_eq(req.TopicData[0].PartitionData[0].Records.len, -1);
    /* records length past the end */
    n = hex("ffff 0001 00000064 00000001 0001 74 00000001 00000002 00000010 00", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 5, dec_produce_req, a, &req), SK_EPARSE);
    /* negative records length other than -1 */
    n = hex("ffff 0001 00000064 00000001 0001 74 00000001 00000002 fffffff0", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 5, dec_produce_req, a, &req), SK_EPARSE);
    /* huge partition count */
    n = hex("ffff 0001 00000064 00000001 0001 74 10000000 00000002 00000000", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 5, dec_produce_req, a, &req), SK_EPARSE);
    /* null topic array */
    n = hex("ffff 0001 00000064 ffffffff", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 5, dec_produce_req, a, &req), SK_EPARSE);
    ck_assert_int_eq(decode_bytes(b, n, -1, dec_produce_req, a, &req), SK_EINVAL);
    ck_assert_int_eq(decode_bytes(b, n, 11, dec_produce_req, a, &req), SK_EINVAL);
    /* v0-2 have no TransactionalId: acks 1, timeout 100, [{"t", [{2, null}]}] */
    n = hex("0001 00000064 00000001 0001 74 00000001 00000002 ffffffff", b, sizeof(b));
    for (int16_t v = 0; v <= 2; v++) {
        ck_assert_int_eq(decode_bytes(b, n, v, dec_produce_req, a, &req), SK_OK);
        ck_assert_int_eq(req.TransactionalId.len, -1);
        ck_assert_int_eq(req.Acks, 1);
        ck_assert_int_eq(req.TimeoutMs, 100);
        ck_assert_int_eq(req.TopicDataCnt, 1);
        ck_assert_int_eq(req.TopicData[0].PartitionData[0].Index, 2);
        ck_assert_int_eq(req.TopicData[0].PartitionData[0].Records.len, -1);
    }
    /* response v0: no LogAppendTime, no ThrottleTime */
    sk_produce_resp_partition_response_t pp;
    sk_produce_resp_partition_response_init(&pp);
    pp.Index = 2;
    pp.ErrorCode = 43;
    pp.BaseOffset = -1;
    sk_produce_resp_response_t pt;
    sk_produce_resp_response_init(&pt);
    pt.Name = sk_str_c("t");
    pt.PartitionResponses = &pp;
    pt.PartitionResponsesCnt = 1;
    sk_produce_resp_t resp;
    sk_produce_resp_init(&resp);
    resp.Responses = &pt;
    resp.ResponsesCnt = 1;
    ck_assert_int_eq(sk_produce_resp_encode(&w, 0, &resp), SK_OK);
    n = hex("00000001 0001 74 00000001 00000002 002b ffffffffffffffff", b, sizeof(b));
    assert_bytes(&w, b, n);
    sk_wr_reset(&w);

    /* response v7: [{"t",[{0, err 0, base 42, append -1, logstart 0}]}], throttle LAST */
    pp.Index = 0;
    pp.ErrorCode = 0;
    pp.BaseOffset = 42;
    pp.LogStartOffset = 0;
    resp.ThrottleTimeMs = 9;
    ck_assert_int_eq(sk_produce_resp_encode(&w, 7, &resp), SK_OK);
    n = hex("00000001 0001 74 00000001 00000000 0000 000000000000002a ffffffffffffffff"
            " 0000000000000000 | 00000009",
            b, sizeof(b));
    assert_bytes(&w, b, n);
    check_trunc(b, n, 7, dec_produce_resp, sizeof(resp));
    sk_wr_reset(&w);
    /* v3: no log start offset */
    ck_assert_int_eq(sk_produce_resp_encode(&w, 3, &resp), SK_OK);
    n = hex("00000001 0001 74 00000001 00000000 0000 000000000000002a ffffffffffffffff"
            " 00000009",
            b, sizeof(b));
    assert_bytes(&w, b, n);
    sk_wr_reset(&w);
    /* v8: RecordErrors and ErrorMessage after LogStartOffset */
    sk_produce_resp_record_error_t re;
    sk_produce_resp_record_error_init(&re);
    re.BatchIndex = 3;
    re.BatchIndexErrorMessage = sk_str_c("bad");
    pp.ErrorCode = 87;
    pp.RecordErrors = &re;
    pp.RecordErrorsCnt = 1;
    pp.ErrorMessage = sk_str_c("msg");
    ck_assert_int_eq(sk_produce_resp_encode(&w, 8, &resp), SK_OK);
    n = hex("00000001 0001 74 00000001 00000000 0057 000000000000002a ffffffffffffffff"
            " 0000000000000000 00000001 00000003 0003 626164 0003 6d7367 | 00000009",
            b, sizeof(b));
    assert_bytes(&w, b, n);
    sk_wr_reset(&w);
    /* v9: flexible (compact arrays and strings, tag sections) */
    ck_assert_int_eq(sk_produce_resp_encode(&w, 9, &resp), SK_OK);
    n = hex("02 02 74 02 00000000 0057 000000000000002a ffffffffffffffff"
            " 0000000000000000 02 00000003 04 626164 00 04 6d7367 00 00 | 00000009 00",
            b, sizeof(b));
    assert_bytes(&w, b, n);
    sk_wr_reset(&w);
    /* v10: CurrentLeader (tag 0 of a partition), NodeEndpoints (tag 0) */
    pp.ErrorCode = 6;
    pp.RecordErrorsCnt = 0;
    pp.ErrorMessage = SK_STR_NULL;
    pp.CurrentLeader.LeaderId = 2;
    pp.CurrentLeader.LeaderEpoch = 5;
    sk_produce_resp_node_endpoint_t ne;
    sk_produce_resp_node_endpoint_init(&ne);
    ne.NodeId = 2;
    ne.Host = sk_str_c("h");
    ne.Port = 9092;
    resp.NodeEndpoints = &ne;
    resp.NodeEndpointsCnt = 1;
    ck_assert_int_eq(sk_produce_resp_encode(&w, 10, &resp), SK_OK);
    n = hex("02 02 74 02 00000000 0006 000000000000002a ffffffffffffffff"
            " 0000000000000000 01 00 01 00 09 00000002 00000005 00 00 | 00000009"
            " 01 00 0d 02 00000002 02 68 00002384 00 00",
            b, sizeof(b));
    assert_bytes(&w, b, n);
    /* and below v10 those fields cannot be carried */
    sk_wr_reset(&w);
    ck_assert_int_eq(sk_produce_resp_encode(&w, 9, &resp), SK_EINVAL);
    sk_wr_free(&w);
    sk_arena_free(a);
}
END_TEST

/* ---------- ListOffsets ---------- */

START_TEST(test_listoffsets_hand)
{
    sk_arena_t *a = sk_arena_new(0);
    uint8_t b[256];
    sk_listoffsets_req_t req;
    /* v2 as librdkafka: replica -1, isolation 1, [{"t",[{0, -2}]}] */
    size_t n = hex("ffffffff 01 00000001 0001 74 00000001 00000000 fffffffffffffffe", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 2, dec_listoffsets_req, a, &req), SK_OK);
    ck_assert_int_eq(req.ReplicaId, -1);
    ck_assert_int_eq(req.IsolationLevel, 1);
    ck_assert_int_eq(req.TopicsCnt, 1);
    assert_str(req.Topics[0].Name, "t");
    ck_assert_int_eq(req.Topics[0].PartitionsCnt, 1);
    ck_assert(req.Topics[0].Partitions[0].Timestamp == SK_LISTOFFSETS_EARLIEST);
    ck_assert_int_eq(req.Topics[0].Partitions[0].MaxNumOffsets, 1);
    check_trunc(b, n, 2, dec_listoffsets_req, sizeof(req));
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_listoffsets_req_encode(&w, 2, &req), SK_OK);
    assert_bytes(&w, b, n);
    sk_wr_reset(&w);
    /* v1: no isolation level */
    n = hex("ffffffff 00000001 0001 74 00000001 00000003 ffffffffffffffff", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 1, dec_listoffsets_req, a, &req), SK_OK);
    ck_assert_int_eq(req.IsolationLevel, 0);
    ck_assert_int_eq(req.Topics[0].Partitions[0].PartitionIndex, 3);
    ck_assert(req.Topics[0].Partitions[0].Timestamp == SK_LISTOFFSETS_LATEST);
    check_trunc(b, n, 1, dec_listoffsets_req, sizeof(req));
    /* v0: MaxNumOffsets */
    n = hex("ffffffff 00000001 0001 74 00000001 00000000 ffffffffffffffff 00000001", b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 0, dec_listoffsets_req, a, &req), SK_OK);
    ck_assert_int_eq(req.Topics[0].Partitions[0].MaxNumOffsets, 1);
    check_trunc(b, n, 0, dec_listoffsets_req, sizeof(req));

    /* responses */
    int64_t olds[] = {10, 0};
    /* v0 carries the offsets array, v1+ one offset: a field the version
     * lacks must hold its default (Kafka's rule for non-ignorable fields) */
    sk_listoffsets_resp_partition_t rp = {0, 0, olds, 2, -1, -1, -1};
    sk_listoffsets_resp_topic_t rt = {sk_str_c("t"), &rp, 1};
    sk_listoffsets_resp_t resp = {3, &rt, 1};
    rp.Offset = 10;
    ck_assert_int_eq(sk_listoffsets_resp_encode(&w, 0, &resp), SK_EINVAL);
    sk_wr_reset(&w);
    rp.Offset = -1;
    ck_assert_int_eq(sk_listoffsets_resp_encode(&w, 0, &resp), SK_OK);
    n = hex("00000001 0001 74 00000001 00000000 0000 00000002 000000000000000a 0000000000000000",
            b, sizeof(b));
    assert_bytes(&w, b, n);
    check_trunc(b, n, 0, dec_listoffsets_resp, sizeof(resp));
    sk_wr_reset(&w);
    ck_assert_int_eq(sk_listoffsets_resp_encode(&w, 1, &resp), SK_EINVAL);
    sk_wr_reset(&w);
    rp.OldStyleOffsetsCnt = 0;
    rp.Offset = 10;
    ck_assert_int_eq(sk_listoffsets_resp_encode(&w, 1, &resp), SK_OK);
    n = hex("00000001 0001 74 00000001 00000000 0000 ffffffffffffffff 000000000000000a",
            b, sizeof(b));
    assert_bytes(&w, b, n);
    sk_wr_reset(&w);
    ck_assert_int_eq(sk_listoffsets_resp_encode(&w, 2, &resp), SK_OK);
    n = hex("00000003 00000001 0001 74 00000001 00000000 0000 ffffffffffffffff 000000000000000a",
            b, sizeof(b));
    assert_bytes(&w, b, n);
    check_trunc(b, n, 2, dec_listoffsets_resp, sizeof(resp));
    sk_listoffsets_resp_t g;
    ck_assert_int_eq(decode_bytes(b, n, 2, dec_listoffsets_resp, a, &g), SK_OK);
    ck_assert_int_eq(g.ThrottleTimeMs, 3);
    ck_assert(g.Topics[0].Partitions[0].Offset == 10);
    ck_assert(g.Topics[0].Partitions[0].Timestamp == -1);
    sk_wr_free(&w);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_listoffsets_roundtrip)
{
    sk_listoffsets_req_partition_t p[2] = {
        {.PartitionIndex = 0, .CurrentLeaderEpoch = -1, .Timestamp = -1, .MaxNumOffsets = 1},
        {.PartitionIndex = 5, .CurrentLeaderEpoch = -1, .Timestamp = 1700000000000LL,
         .MaxNumOffsets = 1}};
    sk_listoffsets_req_topic_t t[1] = {{sk_str_c("events"), p, 2}};
    sk_listoffsets_req_t req = {-1, 1, t, 1};
    int64_t olds[] = {77};
    sk_listoffsets_resp_partition_t rp[2] = {
        {0, 0, olds, 1, 1699999999999LL, 77, -1},
        {5, SK_KERR_UNKNOWN_TOPIC_OR_PARTITION, NULL, 0, -1, -1, -1}};
    sk_listoffsets_resp_topic_t rt[1] = {{sk_str_c("events"), rp, 2}};
    sk_listoffsets_resp_t resp = {8, rt, 1};
    for (int16_t v = 0; v <= 8; v++) {
        sk_arena_t *a = sk_arena_new(0);
        sk_wr_t w;
        sk_wr_init(&w);
        /* only what the version carries (IsolationLevel v2+; v0 the offsets
         * array, v1+ Timestamp and Offset) */
        req.IsolationLevel = v >= 2 ? 1 : 0;
        rp[0].OldStyleOffsetsCnt = v == 0 ? 1 : 0;
        rp[0].Timestamp = v == 0 ? -1 : 1699999999999LL;
        rp[0].Offset = v == 0 ? -1 : 77;
        ck_assert_int_eq(sk_listoffsets_req_encode(&w, v, &req), SK_OK);
        sk_listoffsets_req_t g;
        ck_assert_int_eq(decode_bytes(w.buf, w.len, v, dec_listoffsets_req, a, &g), SK_OK);
        ck_assert_int_eq(g.ReplicaId, -1);
        ck_assert_int_eq(g.IsolationLevel, v >= 2 ? 1 : 0);
        assert_str(g.Topics[0].Name, "events");
        ck_assert_int_eq(g.Topics[0].PartitionsCnt, 2);
        ck_assert_int_eq(g.Topics[0].Partitions[1].PartitionIndex, 5);
        ck_assert(g.Topics[0].Partitions[1].Timestamp == 1700000000000LL);
        check_trunc(w.buf, w.len, v, dec_listoffsets_req, sizeof(g));
        check_mutations(w.buf, w.len, v, dec_listoffsets_req, sizeof(g));
        sk_wr_reset(&w);
        ck_assert_int_eq(sk_listoffsets_resp_encode(&w, v, &resp), SK_OK);
        sk_listoffsets_resp_t gr;
        ck_assert_int_eq(decode_bytes(w.buf, w.len, v, dec_listoffsets_resp, a, &gr), SK_OK);
        ck_assert_int_eq(gr.ThrottleTimeMs, v >= 2 ? 8 : 0);
        const sk_listoffsets_resp_partition_t *q = &gr.Topics[0].Partitions[0];
        if (v == 0) {
            ck_assert_int_eq(q->OldStyleOffsetsCnt, 1);
            ck_assert(q->OldStyleOffsets[0] == 77);
            ck_assert(q->Offset == -1);
        } else {
            ck_assert_int_eq(q->OldStyleOffsetsCnt, 0);
            ck_assert(q->Offset == 77);
            ck_assert(q->Timestamp == 1699999999999LL);
        }
        ck_assert_int_eq(gr.Topics[0].Partitions[1].ErrorCode, 3);
        check_trunc(w.buf, w.len, v, dec_listoffsets_resp, sizeof(gr));
        sk_wr_free(&w);
        sk_arena_free(a);
    }
}
END_TEST

/* ---------- CreateTopics ---------- */

START_TEST(test_createtopics_hand)
{
    sk_arena_t *a = sk_arena_new(0);
    uint8_t b[256];
    sk_createtopics_req_t req;
    /* v0: [{"t", 3, 1, [], [{"cleanup.policy","compact"}]}], timeout 5000 */
    size_t n = hex("00000001 0001 74 00000003 0001 00000000 00000001"
                   " 000e 636c65616e75702e706f6c696379 0007 636f6d70616374 00001388",
                   b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 0, dec_createtopics_req, a, &req), SK_OK);
    ck_assert_int_eq(req.TopicsCnt, 1);
    assert_str(req.Topics[0].Name, "t");
    ck_assert_int_eq(req.Topics[0].NumPartitions, 3);
    ck_assert_int_eq(req.Topics[0].ReplicationFactor, 1);
    ck_assert_int_eq(req.Topics[0].AssignmentsCnt, 0);
    ck_assert_int_eq(req.Topics[0].ConfigsCnt, 1);
    assert_str(req.Topics[0].Configs[0].Name, "cleanup.policy");
    assert_str(req.Topics[0].Configs[0].Value, "compact");
    ck_assert_int_eq(req.timeoutMs, 5000);
    ck_assert_int_eq(req.validateOnly, 0);
    check_trunc(b, n, 0, dec_createtopics_req, sizeof(req));
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_createtopics_req_encode(&w, 0, &req), SK_OK);
    assert_bytes(&w, b, n);
    sk_wr_reset(&w);
    /* v4: defaults -1/-1 with an explicit assignment [{0,[1,2]}], null config value, validate */
    n = hex("00000001 0001 74 ffffffff ffff 00000001 00000000 00000002 00000001 00000002"
            " 00000001 0001 78 ffff 0000ea60 01",
            b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 4, dec_createtopics_req, a, &req), SK_OK);
    ck_assert_int_eq(req.Topics[0].NumPartitions, -1);
    ck_assert_int_eq(req.Topics[0].ReplicationFactor, -1);
    ck_assert_int_eq(req.Topics[0].AssignmentsCnt, 1);
    ck_assert_int_eq(req.Topics[0].Assignments[0].BrokerIdsCnt, 2);
    ck_assert_int_eq(req.Topics[0].Assignments[0].BrokerIds[1], 2);
    assert_str(req.Topics[0].Configs[0].Value, NULL);
    ck_assert_int_eq(req.timeoutMs, 60000);
    ck_assert_int_eq(req.validateOnly, 1);
    check_trunc(b, n, 4, dec_createtopics_req, sizeof(req));
    check_mutations(b, n, 4, dec_createtopics_req, sizeof(req));
    ck_assert_int_eq(sk_createtopics_req_encode(&w, 4, &req), SK_OK);
    assert_bytes(&w, b, n);
    sk_wr_reset(&w);
    /* validate_only cannot be expressed in v0 */
    ck_assert_int_eq(sk_createtopics_req_encode(&w, 0, &req), SK_EINVAL);
    sk_wr_reset(&w);
    /* null broker id array */
    n = hex("00000001 0001 74 ffffffff ffff 00000001 00000000 ffffffff 00000000 0000ea60 01",
            b, sizeof(b));
    ck_assert_int_eq(decode_bytes(b, n, 4, dec_createtopics_req, a, &req), SK_EPARSE);

    sk_createtopics_result_t res[2];
    sk_createtopics_resp_topic_init(&res[0]);
    sk_createtopics_resp_topic_init(&res[1]);
    res[0].Name = sk_str_c("t");
    res[0].ErrorMessage = SK_STR_NULL;
    res[1].Name = sk_str_c("u");
    res[1].ErrorCode = 36;
    res[1].ErrorMessage = sk_str_c("exists");
    sk_createtopics_resp_t resp = {4, res, 2};
    ck_assert_int_eq(sk_createtopics_resp_encode(&w, 0, &resp), SK_OK);
    n = hex("00000002 0001 74 0000 0001 75 0024", b, sizeof(b));
    assert_bytes(&w, b, n);
    check_trunc(b, n, 0, dec_createtopics_resp, sizeof(resp));
    sk_wr_reset(&w);
    ck_assert_int_eq(sk_createtopics_resp_encode(&w, 1, &resp), SK_OK);
    n = hex("00000002 0001 74 0000 ffff 0001 75 0024 0006 657869737473", b, sizeof(b));
    assert_bytes(&w, b, n);
    sk_wr_reset(&w);
    ck_assert_int_eq(sk_createtopics_resp_encode(&w, 4, &resp), SK_OK);
    n = hex("00000004 00000002 0001 74 0000 ffff 0001 75 0024 0006 657869737473", b, sizeof(b));
    assert_bytes(&w, b, n);
    check_trunc(b, n, 4, dec_createtopics_resp, sizeof(resp));
    sk_wr_free(&w);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_createtopics_roundtrip)
{
    int32_t ids0[] = {1, 2, 3}, ids1[] = {2, 3, 1};
    sk_createtopics_assignment_t as[2] = {{0, ids0, 3}, {1, ids1, 3}};
    sk_createtopics_config_t cf[2] = {{sk_str_c("retention.ms"), sk_str_c("1000")},
                                      {sk_str_c("x"), SK_STR_NULL}};
    sk_createtopics_topic_t tp[2] = {{sk_str_c("a"), -1, -1, as, 2, cf, 2},
                                     {sk_str_c("b"), 12, 3, NULL, 0, NULL, 0}};
    sk_createtopics_req_t req = {tp, 2, 30000, 0};
    sk_createtopics_result_t res[1];
    sk_createtopics_resp_topic_init(&res[0]);
    res[0].Name = sk_str_c("a");
    res[0].ErrorCode = 37;
    res[0].ErrorMessage = sk_str_c("bad partitions");
    sk_createtopics_resp_t resp = {11, res, 1};
    for (int16_t v = SK_CREATETOPICS_MIN_VER; v <= SK_CREATETOPICS_MAX_VER; v++) {
        sk_arena_t *a = sk_arena_new(0);
        sk_wr_t w;
        sk_wr_init(&w);
        req.validateOnly = v >= 1;
        ck_assert_int_eq(sk_createtopics_req_encode(&w, v, &req), SK_OK);
        sk_createtopics_req_t g;
        ck_assert_int_eq(decode_bytes(w.buf, w.len, v, dec_createtopics_req, a, &g), SK_OK);
        ck_assert_int_eq(g.TopicsCnt, 2);
        ck_assert_int_eq(g.timeoutMs, 30000);
        ck_assert_int_eq(g.validateOnly, v >= 1);
        ck_assert_int_eq(g.Topics[0].AssignmentsCnt, 2);
        ck_assert_int_eq(g.Topics[0].Assignments[1].PartitionIndex, 1);
        ck_assert_int_eq(g.Topics[0].Assignments[1].BrokerIds[0], 2);
        ck_assert_int_eq(g.Topics[0].ConfigsCnt, 2);
        assert_str(g.Topics[0].Configs[0].Name, "retention.ms");
        assert_str(g.Topics[0].Configs[0].Value, "1000");
        assert_str(g.Topics[0].Configs[1].Value, NULL);
        ck_assert_int_eq(g.Topics[1].NumPartitions, 12);
        ck_assert_int_eq(g.Topics[1].ReplicationFactor, 3);
        check_trunc(w.buf, w.len, v, dec_createtopics_req, sizeof(g));
        sk_wr_reset(&w);
        ck_assert_int_eq(sk_createtopics_resp_encode(&w, v, &resp), SK_OK);
        sk_createtopics_resp_t gr;
        ck_assert_int_eq(decode_bytes(w.buf, w.len, v, dec_createtopics_resp, a, &gr), SK_OK);
        ck_assert_int_eq(gr.ThrottleTimeMs, v >= 2 ? 11 : 0);
        ck_assert_int_eq(gr.TopicsCnt, 1);
        ck_assert_int_eq(gr.Topics[0].ErrorCode, 37);
        assert_str(gr.Topics[0].ErrorMessage, v >= 1 ? "bad partitions" : "");
        ck_assert_int_eq(gr.Topics[0].NumPartitions, -1);
        check_trunc(w.buf, w.len, v, dec_createtopics_resp, sizeof(gr));
        check_mutations(w.buf, w.len, v, dec_createtopics_resp, sizeof(gr));
        sk_wr_free(&w);
        sk_arena_free(a);
    }
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_createtopics_req_encode(&w, SK_CREATETOPICS_MAX_VER + 1, &req),
                     SK_EINVAL);
    sk_wr_free(&w);
}
END_TEST

/* Every decoder rejects an out-of-range version without reading. */
START_TEST(test_bad_versions)
{
    uint8_t b[8] = {0};
    sk_arena_t *a = sk_arena_new(0);
    union {
        sk_apiversions_req_t a;
        sk_metadata_resp_t m;
        sk_produce_req_t p;
        sk_listoffsets_resp_t l;
        sk_createtopics_req_t c;
        sk_produce_resp_t pr;
        sk_metadata_req_t mr;
        sk_listoffsets_req_t lr;
        sk_createtopics_resp_t cr;
        sk_apiversions_resp_t ar;
    } u;
    static const struct {
        dec_fn f;
        int16_t bad[2];
    } t[] = {
        {dec_apiversions_req, {-1, 4}},  {dec_apiversions_resp, {-1, 4}},
        {dec_metadata_req, {-1, 13}},    {dec_metadata_resp, {-1, 13}},
        {dec_produce_req, {-1, 11}},     {dec_produce_resp, {-1, 11}},
        {dec_listoffsets_req, {-1, 9}},  {dec_listoffsets_resp, {-1, 9}},
        {dec_createtopics_req, {-1, 8}}, {dec_createtopics_resp, {-1, 8}},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        for (int k = 0; k < 2; k++) {
            sk_rd_t r;
            sk_rd_init(&r, b, sizeof(b));
            ck_assert_int_eq(t[i].f(&r, t[i].bad[k], a, &u), SK_EINVAL);
            ck_assert_uint_eq(sk_rd_remaining(&r), sizeof(b));
        }
    sk_arena_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto");
    TCase *tc;
    tc = tcase_create("arena");
    tcase_add_test(tc, test_arena);
    suite_add_tcase(s, tc);
    tc = tcase_create("headers");
    tcase_add_test(tc, test_req_hdr_v1_hand);
    tcase_add_test(tc, test_req_hdr_v2_tags);
    tcase_add_test(tc, test_req_hdr_unknown_key);
    tcase_add_test(tc, test_resp_hdr);
    suite_add_tcase(s, tc);
    tc = tcase_create("apiversions");
    tcase_add_test(tc, test_apiversions_hand);
    tcase_add_test(tc, test_apiversions_unsupported_layout);
    tcase_add_test(tc, test_apiversions_roundtrip);
    tcase_add_test(tc, test_apiversions_bad_counts);
    suite_add_tcase(s, tc);
    tc = tcase_create("metadata");
    tcase_add_test(tc, test_metadata_req_hand);
    tcase_add_test(tc, test_metadata_resp_hand);
    tcase_add_test(tc, test_metadata_roundtrip);
    suite_add_tcase(s, tc);
    tc = tcase_create("produce");
    tcase_add_test(tc, test_produce_hand);
    suite_add_tcase(s, tc);
    tc = tcase_create("listoffsets");
    tcase_add_test(tc, test_listoffsets_hand);
    tcase_add_test(tc, test_listoffsets_roundtrip);
    suite_add_tcase(s, tc);
    tc = tcase_create("createtopics");
    tcase_add_test(tc, test_createtopics_hand);
    tcase_add_test(tc, test_createtopics_roundtrip);
    suite_add_tcase(s, tc);
    tc = tcase_create("versions");
    tcase_add_test(tc, test_bad_versions);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
