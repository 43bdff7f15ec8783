/* check_codec.c - round trips through the generated codec, for every API,
 * both messages and every version Kafka 3.7 accepts.
 *
 * Driven by the generated table (sk_api_rows) and descriptors: for each
 * (API, request/response, version) a few structs are filled with
 * pseudo-random values in every field on the wire at that version (arrays of
 * 0-3 elements, nulls where the version allows them, tagged fields set or
 * left at their defaults), encoded, sized, decoded (arena and heap) and
 * compared; the bytes re-encode identically; and every truncation of the
 * bytes fails cleanly (SK_EPARSE, nothing leaked, under ASan). Then versions
 * outside the valid range are refused and hand-checked bytes pin the
 * encoding of ListOffsets v0 and a flexible tagged field.
 */
#include "apis.h"
#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "msgcodec.h"
#include "proto_gen.h"
#include "proto_listoffsets.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng_state;

static uint32_t rnd(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static const char text[] = "topic-abcdefghijklmnopqrstuvwxyz";

static void fill_struct(const sk_msgdesc_t *d, int16_t v, sk_arena_t *a, void *m, int depth);

static int nullable_at(const sk_msgfield_t *f, int16_t v)
{
    return f->null_lo >= 0 && v >= f->null_lo && v <= f->null_hi;
}

static void fill_value(const sk_msgfield_t *f, int16_t v, sk_arena_t *a, void *p, int depth)
{
    switch (f->type) {
    case SK_FT_BOOL: *(int *)p = (int)(rnd() & 1); break;
    case SK_FT_INT8: *(int8_t *)p = (int8_t)rnd(); break;
    case SK_FT_INT16: *(int16_t *)p = (int16_t)rnd(); break;
    case SK_FT_UINT16: *(uint16_t *)p = (uint16_t)rnd(); break;
    case SK_FT_INT32: *(int32_t *)p = (int32_t)rnd() - (1 << 20); break;
    case SK_FT_UINT32: *(uint32_t *)p = rnd() * 7u; break;
    case SK_FT_INT64: *(int64_t *)p = ((int64_t)rnd() << 20) - 12345; break;
    case SK_FT_FLOAT64: *(double *)p = (double)rnd() / 3.0; break;
    case SK_FT_UUID:
        for (int i = 0; i < 16; i++)
            ((uint8_t *)p)[i] = (uint8_t)rnd();
        break;
    case SK_FT_STRING: case SK_FT_BYTES: case SK_FT_RECORDS: {
        if (!f->array && nullable_at(f, v) && rnd() % 4 == 0) { /* never an element */
            *(sk_str_t *)p = SK_STR_NULL;
            break;
        }
        int32_t len = (int32_t)(rnd() % 12);
        *(sk_str_t *)p = (sk_str_t){text + rnd() % 8, len};
        break;
    }
    case SK_FT_STRUCT: fill_struct(f->sub, v, a, p, depth + 1); break;
    }
}

static void fill_struct(const sk_msgdesc_t *d, int16_t v, sk_arena_t *a, void *m, int depth)
{
    sk_msg_init(d, m);
    for (int i = 0; i < d->nfields; i++) {
        const sk_msgfield_t *f = &d->fields[i];
        if (!sk_msgfield_in(f, v))
            continue;
        if (f->tag_lo >= 0 && rnd() % 3 == 0)
            continue; /* a tagged field left at its default: not on the wire */
        char *fp = (char *)m + f->off;
        if (!f->array) {
            fill_value(f, v, a, fp, depth);
            continue;
        }
        int32_t *cnt = (int32_t *)((char *)m + f->cnt_off);
        if (nullable_at(f, v) && rnd() % 4 == 0) {
            *cnt = -1;
            continue;
        }
        int32_t n = depth > 3 ? 0 : (int32_t)(rnd() % 4);
        size_t es = 0;
        switch (f->type) {
        case SK_FT_BOOL: es = sizeof(int); break;
        case SK_FT_INT8: es = 1; break;
        case SK_FT_INT16: case SK_FT_UINT16: es = 2; break;
        case SK_FT_INT32: case SK_FT_UINT32: es = 4; break;
        case SK_FT_INT64: case SK_FT_FLOAT64: es = 8; break;
        case SK_FT_UUID: es = 16; break;
        case SK_FT_STRING: case SK_FT_BYTES: case SK_FT_RECORDS: es = sizeof(sk_str_t); break;
        case SK_FT_STRUCT: es = f->sub->size; break;
        }
        char *arr = n ? sk_arena_calloc(a, (size_t)n, es) : NULL;
        for (int32_t k = 0; k < n; k++)
            fill_value(f, v, a, arr + (size_t)k * es, depth);
        *(void **)fp = arr;
        *cnt = n;
    }
}

static long nround_trips;

static void round_trip(const sk_api_t *api, const sk_msgdesc_t *d, int16_t v)
{
    sk_arena_t *a = sk_arena_new(0);
    void *in = sk_arena_calloc(a, 1, d->size);
    void *out = sk_arena_calloc(a, 1, d->size);
    void *heap = sk_arena_calloc(a, 1, d->size);
    fill_struct(d, v, a, in, 0);

    sk_wr_t w, w2;
    sk_wr_init(&w);
    sk_wr_init(&w2);
    ck_assert_msg(sk_msg_encode(d, v, &w, in) == SK_OK, "%s v%d: encode", d->name, v);
    size_t size = 0;
    ck_assert_int_eq(sk_msg_size(d, v, in, &size), SK_OK);
    ck_assert_msg(size == w.len, "%s v%d: size %zu, encoded %zu", d->name, v, size, w.len);

    sk_rd_t r;
    sk_rd_init(&r, w.buf, w.len);
    ck_assert_msg(sk_msg_decode(d, v, &r, a, out) == SK_OK, "%s v%d: decode", d->name, v);
    ck_assert_msg(sk_rd_remaining(&r) == 0, "%s v%d: %zu bytes left", d->name, v,
                  sk_rd_remaining(&r));
    ck_assert_msg(sk_msg_equal(d, in, out), "%s v%d: decoded struct differs", d->name, v);
    ck_assert_int_eq(sk_msg_encode(d, v, &w2, out), SK_OK);
    ck_assert_msg(w2.len == w.len && (w.len == 0 || memcmp(w.buf, w2.buf, w.len) == 0),
                  "%s v%d: re-encoding differs", d->name, v);

    /* heap mode */
    sk_rd_init(&r, w.buf, w.len);
    ck_assert_int_eq(sk_msg_decode(d, v, &r, NULL, heap), SK_OK);
    ck_assert(sk_msg_equal(d, in, heap));
    sk_msg_free(d, heap);

    /* every truncation fails cleanly, in both modes */
    for (size_t cut = 0; cut < w.len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any over-read */
        memcpy(copy, w.buf, cut);
        sk_rd_init(&r, copy, cut);
        ck_assert_msg(sk_msg_decode(d, v, &r, a, out) == SK_EPARSE, "%s v%d: %zu of %zu bytes "
                      "decoded", d->name, v, cut, w.len);
        sk_rd_init(&r, copy, cut);
        ck_assert_int_eq(sk_msg_decode(d, v, &r, NULL, heap), SK_EPARSE);
        free(copy);
    }
    (void)api;
    nround_trips++;
    sk_wr_free(&w);
    sk_wr_free(&w2);
    sk_arena_free(a);
}

START_TEST(test_round_trip_every_version)
{
    nround_trips = 0;
    for (size_t i = 0; i < sk_api_count(); i++) {
        const sk_api_t *api = sk_api_at(i);
        for (int16_t v = api->valid_min; v <= api->valid_max; v++) {
            for (uint32_t seed = 1; seed <= 6; seed++) {
                rng_state = seed * 2654435761u + (uint32_t)api->key * 977u + (uint32_t)v;
                round_trip(api, api->req, v);
                round_trip(api, api->resp, v);
            }
        }
    }
    printf("check_codec: %ld round trips over %zu APIs\n", nround_trips, sk_api_count());
}
END_TEST

START_TEST(test_versions_outside_range)
{
    for (size_t i = 0; i < sk_api_count(); i++) {
        const sk_api_t *api = sk_api_at(i);
        const sk_msgdesc_t *d = api->req;
        sk_arena_t *a = sk_arena_new(0);
        void *m = sk_arena_calloc(a, 1, d->size);
        sk_msg_init(d, m);
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(sk_msg_encode(d, (int16_t)(api->valid_max + 1), &w, m), SK_EINVAL);
        ck_assert_int_eq(sk_msg_encode(d, -1, &w, m), SK_EINVAL);
        sk_rd_t r;
        sk_rd_init(&r, "\0\0\0\0\0\0\0\0", 8);
        ck_assert_int_eq(sk_msg_decode(d, (int16_t)(api->valid_max + 1), &r, a, m), SK_EINVAL);
        sk_wr_free(&w);
        sk_arena_free(a);
    }
}
END_TEST

/* ListOffsets v0 request, byte by byte: MaxNumOffsets on the wire, no
 * IsolationLevel; v1 has no MaxNumOffsets and decodes it as the default 1. */
START_TEST(test_listoffsets_v0_bytes)
{
    static const uint8_t v0[] = {
        0xff, 0xff, 0xff, 0xff,             /* ReplicaId -1 */
        0, 0, 0, 1,                         /* 1 topic */
        0, 1, 't',                          /* Name "t" */
        0, 0, 0, 1,                         /* 1 partition */
        0, 0, 0, 3,                         /* PartitionIndex 3 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, /* Timestamp -2 */
        0, 0, 0, 5,                         /* MaxNumOffsets 5 */
    };
    const sk_api_t *api = sk_api_find(SK_API_LIST_OFFSETS);
    ck_assert_ptr_nonnull(api);
    const sk_msgdesc_t *d = api->req;
    sk_arena_t *a = sk_arena_new(0);
    void *m = sk_arena_calloc(a, 1, d->size);
    sk_rd_t r;
    sk_rd_init(&r, v0, sizeof(v0));
    ck_assert_int_eq(sk_msg_decode(d, 0, &r, a, m), SK_OK);
    ck_assert_uint_eq(sk_rd_remaining(&r), 0);
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_msg_encode(d, 0, &w, m), SK_OK);
    ck_assert_uint_eq(w.len, sizeof(v0));
    ck_assert_mem_eq(w.buf, v0, sizeof(v0));
    sk_wr_free(&w);
    /* v1: the same without MaxNumOffsets */
    sk_rd_init(&r, v0, sizeof(v0) - 4);
    ck_assert_int_eq(sk_msg_decode(d, 1, &r, a, m), SK_OK);
    ck_assert_uint_eq(sk_rd_remaining(&r), 0);
    sk_arena_free(a);
}
END_TEST

/* A flexible message with a tagged field: Fetch v12 response partitions
 * carry DivergingEpoch (tag 0) only when it differs from its default; an
 * unknown tag is skipped; tags out of order are refused. */
START_TEST(test_tag_sections)
{
    const sk_api_t *api = sk_api_find(SK_API_API_VERSIONS);
    const sk_msgdesc_t *d = api->resp;
    /* ApiVersions v3 response: ErrorCode 0, ApiKeys [] (compact 1), ThrottleTimeMs 0,
     * tags: 2 fields: tag 1 FinalizedFeaturesEpoch int64 7, tag 5 unknown 1 byte. */
    static const uint8_t v3[] = {
        0, 0, 1, 0, 0, 0, 0,                 /* ErrorCode, ApiKeys, ThrottleTimeMs */
        2,                                    /* two tagged fields */
        1, 8, 0, 0, 0, 0, 0, 0, 0, 7,         /* tag 1: FinalizedFeaturesEpoch = 7 */
        5, 1, 0x42,                           /* tag 5: unknown, skipped */
    };
    sk_arena_t *a = sk_arena_new(0);
    void *m = sk_arena_calloc(a, 1, d->size);
    sk_rd_t r;
    sk_rd_init(&r, v3, sizeof(v3));
    ck_assert_int_eq(sk_msg_decode(d, 3, &r, a, m), SK_OK);
    const sk_msgfield_t *f = NULL;
    for (int i = 0; i < d->nfields; i++)
        if (strcmp(d->fields[i].name, "FinalizedFeaturesEpoch") == 0)
            f = &d->fields[i];
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(*(int64_t *)((char *)m + f->off), 7);
    /* re-encoded: only the known tag, as it is not the default (-1) */
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_msg_encode(d, 3, &w, m), SK_OK);
    ck_assert_uint_eq(w.len, sizeof(v3) - 3);
    ck_assert_mem_eq(w.buf, v3, 7);
    ck_assert_int_eq(w.buf[7], 1);
    sk_wr_free(&w);
    /* the same tags in descending order are refused */
    static const uint8_t bad[] = {0, 0, 1, 0, 0, 0, 0, 2, 5, 1, 0x42,
                                  1, 8, 0, 0, 0, 0, 0, 0, 0, 7};
    sk_rd_init(&r, bad, sizeof(bad));
    ck_assert_int_eq(sk_msg_decode(d, 3, &r, a, m), SK_EPARSE);
    sk_arena_free(a);
}
END_TEST

/* Structs no version can carry do not encode. */
START_TEST(test_encode_refuses_bad_structs)
{
    const sk_api_t *api = sk_api_find(SK_API_LIST_OFFSETS);
    const sk_msgdesc_t *d = api->req;
    sk_arena_t *a = sk_arena_new(0);
    char *m = sk_arena_calloc(a, 1, d->size);
    sk_msg_init(d, m);
    const sk_msgfield_t *topics = NULL;
    for (int i = 0; i < d->nfields; i++)
        if (strcmp(d->fields[i].name, "Topics") == 0)
            topics = &d->fields[i];
    ck_assert_ptr_nonnull(topics);
    int32_t *cnt = (int32_t *)(m + topics->cnt_off);
    sk_wr_t w;
    sk_wr_init(&w);
    *cnt = -1; /* Topics is never nullable */
    ck_assert_int_eq(sk_msg_encode(d, 1, &w, m), SK_EINVAL);
    *cnt = 2; /* elements missing */
    ck_assert_int_eq(sk_msg_encode(d, 1, &w, m), SK_EINVAL);
    *cnt = -5;
    size_t size;
    ck_assert_int_eq(sk_msg_size(d, 1, m, &size), SK_EINVAL);
    sk_wr_free(&w);
    sk_arena_free(a);

    /* Kafka's rule: a non-default value in a field the version lacks fails
     * unless the field is ignorable. */
    sk_listoffsets_req_partition_t p;
    sk_listoffsets_req_partition_init(&p);
    p.Timestamp = -1;
    sk_listoffsets_req_topic_t t = {sk_str_c("t"), &p, 1};
    sk_listoffsets_req_t req;
    sk_listoffsets_req_init(&req);
    req.Topics = &t;
    req.TopicsCnt = 1;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_listoffsets_req_encode(&w, 1, &req), SK_OK);
    req.IsolationLevel = 1; /* v2+, not ignorable */
    ck_assert_int_eq(sk_listoffsets_req_encode(&w, 1, &req), SK_EINVAL);
    ck_assert_int_eq(sk_listoffsets_req_encode(&w, 2, &req), SK_OK);
    p.CurrentLeaderEpoch = 5; /* v4+, ignorable: dropped below v4 */
    ck_assert_int_eq(sk_listoffsets_req_encode(&w, 2, &req), SK_OK);
    p.MaxNumOffsets = 3;      /* v0 only, not ignorable */
    ck_assert_int_eq(sk_listoffsets_req_encode(&w, 2, &req), SK_EINVAL);
    sk_wr_free(&w);
}
END_TEST

static Suite *codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *tc = tcase_create("codec");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_round_trip_every_version);
    tcase_add_test(tc, test_versions_outside_range);
    tcase_add_test(tc, test_listoffsets_v0_bytes);
    tcase_add_test(tc, test_tag_sections);
    tcase_add_test(tc, test_encode_refuses_bad_structs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(codec_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
