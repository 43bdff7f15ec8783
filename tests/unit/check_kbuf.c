/* check_kbuf.c - unit tests for the wire read cursor and write buffer. */
#include "kbuf.h"

#include <check.h>
#include <string.h>
#include <stdlib.h>

START_TEST(test_uvarint_vectors)
{
    /* Vectors from the protocol guide: 0, 127, 128, 300. */
    static const struct {
        uint32_t v;
        uint8_t bytes[5];
        size_t n;
    } vec[] = {{0, {0x00}, 1}, {127, {0x7f}, 1}, {128, {0x80, 0x01}, 2}, {300, {0xac, 0x02}, 2},
               {UINT32_MAX, {0xff, 0xff, 0xff, 0xff, 0x0f}, 5}};
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        sk_wr_t w;
        sk_wr_init(&w);
        sk_wr_uvarint(&w, vec[i].v);
        ck_assert_uint_eq(w.len, vec[i].n);
        ck_assert_mem_eq(w.buf, vec[i].bytes, vec[i].n);
        sk_rd_t r;
        sk_rd_init(&r, w.buf, w.len);
        ck_assert_uint_eq(sk_rd_uvarint(&r), vec[i].v);
        ck_assert(sk_rd_ok(&r));
        ck_assert_uint_eq(sk_rd_remaining(&r), 0);
        sk_wr_free(&w);
    }
}
END_TEST

START_TEST(test_zigzag_vectors)
{
    /* Record-format vectors: -1 -> 01, 0 -> 00, 1 -> 02, 64 -> 80 01. */
    static const struct {
        int32_t v;
        uint8_t bytes[2];
        size_t n;
    } vec[] = {{-1, {0x01}, 1}, {0, {0x00}, 1}, {1, {0x02}, 1}, {64, {0x80, 0x01}, 2}};
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        sk_wr_t w;
        sk_wr_init(&w);
        sk_wr_varint(&w, vec[i].v);
        ck_assert_uint_eq(w.len, vec[i].n);
        ck_assert_mem_eq(w.buf, vec[i].bytes, vec[i].n);
        sk_rd_t r;
        sk_rd_init(&r, w.buf, w.len);
        ck_assert_int_eq(sk_rd_varint(&r), vec[i].v);
        sk_wr_free(&w);
    }
    int64_t longs[] = {0, -1, INT64_MAX, INT64_MIN, 1234567890123LL};
    for (size_t i = 0; i < 5; i++) {
        sk_wr_t w;
        sk_wr_init(&w);
        sk_wr_varlong(&w, longs[i]);
        ck_assert_uint_le(w.len, 10);
        sk_rd_t r;
        sk_rd_init(&r, w.buf, w.len);
        ck_assert(sk_rd_varlong(&r) == longs[i]);
        ck_assert(sk_rd_ok(&r));
        sk_wr_free(&w);
    }
    int32_t ints[] = {INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < 2; i++) {
        sk_wr_t w;
        sk_wr_init(&w);
        sk_wr_varint(&w, ints[i]);
        sk_rd_t r;
        sk_rd_init(&r, w.buf, w.len);
        ck_assert_int_eq(sk_rd_varint(&r), ints[i]);
        sk_wr_free(&w);
    }
}
END_TEST

START_TEST(test_fixed_roundtrip)
{
    sk_wr_t w;
    sk_wr_init(&w);
    sk_wr_i8(&w, -5);
    sk_wr_i16(&w, -12345);
    sk_wr_i32(&w, 0x12345678);
    sk_wr_i64(&w, -0x123456789abcLL);
    sk_wr_u32(&w, 0xdeadbeef);
    sk_wr_bool(&w, 7);
    sk_wr_f64(&w, 2.5);
    uint8_t id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    sk_wr_uuid(&w, id);
    ck_assert_uint_eq(w.len, 1 + 2 + 4 + 8 + 4 + 1 + 8 + 16);
    ck_assert_uint_eq(w.buf[3], 0x12); /* big-endian */
    sk_rd_t r;
    sk_rd_init(&r, w.buf, w.len);
    ck_assert_int_eq(sk_rd_i8(&r), -5);
    ck_assert_int_eq(sk_rd_i16(&r), -12345);
    ck_assert_int_eq(sk_rd_i32(&r), 0x12345678);
    ck_assert(sk_rd_i64(&r) == -0x123456789abcLL);
    ck_assert_uint_eq(sk_rd_u32(&r), 0xdeadbeef);
    ck_assert_int_eq(sk_rd_bool(&r), 1);
    ck_assert(sk_rd_f64(&r) == 2.5);
    uint8_t id2[16];
    sk_rd_uuid(&r, id2);
    ck_assert_mem_eq(id, id2, 16);
    ck_assert(sk_rd_ok(&r));
    ck_assert_uint_eq(sk_rd_remaining(&r), 0);
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_strings_classic_and_compact)
{
    for (int flex = 0; flex <= 1; flex++) {
        sk_wr_t w;
        sk_wr_init(&w);
        sk_wr_cstr(&w, flex, "hello");
        sk_wr_cstr(&w, flex, NULL);
        sk_wr_cstr(&w, flex, "");
        sk_wr_bytes(&w, flex, "\x00\x01", 2);
        sk_wr_bytes(&w, flex, NULL, -1);
        sk_wr_arraylen(&w, flex, 3);
        sk_wr_arraylen(&w, flex, -1);
        sk_wr_tags(&w, flex);
        sk_wr_i8(&w, 1);
        sk_wr_i8(&w, 2);
        sk_wr_i8(&w, 3);
        if (flex)
            ck_assert_uint_eq(w.buf[0], 6); /* compact: length + 1 */
        else
            ck_assert_uint_eq(w.buf[1], 5);
        sk_rd_t r;
        sk_rd_init(&r, w.buf, w.len);
        ck_assert(sk_str_eq(sk_rd_str(&r, flex), "hello"));
        ck_assert_int_eq(sk_rd_str(&r, flex).len, -1);
        sk_str_t e = sk_rd_str(&r, flex);
        ck_assert_int_eq(e.len, 0);
        sk_str_t b = sk_rd_bytes(&r, flex);
        ck_assert_int_eq(b.len, 2);
        ck_assert_mem_eq(b.p, "\x00\x01", 2);
        ck_assert_int_eq(sk_rd_bytes(&r, flex).len, -1);
        ck_assert_int_eq(sk_rd_arraylen(&r, flex, 100), 3);
        ck_assert_int_eq(sk_rd_arraylen(&r, flex, 100), -1);
        sk_rd_tags(&r, flex);
        ck_assert(sk_rd_ok(&r));
        ck_assert_uint_eq(sk_rd_remaining(&r), 3);
        sk_wr_free(&w);
    }
}
END_TEST

START_TEST(test_truncated_input_is_sticky)
{
    const uint8_t buf[] = {0x00, 0x05, 'a', 'b'}; /* string claims 5 bytes, has 2 */
    sk_rd_t r;
    sk_rd_init(&r, buf, sizeof(buf));
    sk_str_t s = sk_rd_str(&r, 0);
    ck_assert_int_eq(s.len, -1);
    ck_assert(!sk_rd_ok(&r));
    /* Later reads return zero and do not advance. */
    ck_assert_int_eq(sk_rd_i8(&r), 0);
    ck_assert(!sk_rd_ok(&r));

    sk_rd_init(&r, buf, 1);
    ck_assert_int_eq(sk_rd_i16(&r), 0);
    ck_assert(!sk_rd_ok(&r));
    sk_rd_init(&r, buf, 0);
    sk_rd_i64(&r);
    ck_assert(!sk_rd_ok(&r));
}
END_TEST

/* An empty writer has no buffer; reading it back (an empty encoding) must
 * not do arithmetic on a null pointer: fuzz_codec found it under UBSan. */
START_TEST(test_empty_reader_without_buffer)
{
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_ptr_null(w.buf);
    sk_rd_t r;
    sk_rd_init(&r, w.buf, w.len);
    ck_assert_ptr_nonnull(r.p);
    ck_assert_uint_eq(sk_rd_remaining(&r), 0);
    ck_assert_ptr_nonnull(sk_rd_raw(&r, 0));
    ck_assert(sk_rd_ok(&r));
    ck_assert_int_eq(sk_rd_i8(&r), 0);
    ck_assert(!sk_rd_ok(&r));
    ck_assert_uint_eq(sk_rd_remaining(&r), 0);
}
END_TEST

START_TEST(test_malformed_lengths)
{
    /* Negative string length other than -1. */
    const uint8_t neg[] = {0xff, 0xfe};
    sk_rd_t r;
    sk_rd_init(&r, neg, sizeof(neg));
    sk_rd_str(&r, 0);
    ck_assert(!sk_rd_ok(&r));
    /* Huge array count is refused before any allocation. */
    const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 0x00};
    sk_rd_init(&r, huge, sizeof(huge));
    sk_rd_arraylen(&r, 0, INT32_MAX);
    ck_assert(!sk_rd_ok(&r));
    /* Count above the caller's maximum. */
    const uint8_t three[] = {0, 0, 0, 3, 1, 2, 3};
    sk_rd_init(&r, three, sizeof(three));
    sk_rd_arraylen(&r, 0, 2);
    ck_assert(!sk_rd_ok(&r));
    /* Array count below -1. */
    const uint8_t m2[] = {0xff, 0xff, 0xff, 0xfe};
    sk_rd_init(&r, m2, sizeof(m2));
    sk_rd_arraylen(&r, 0, 10);
    ck_assert(!sk_rd_ok(&r));
    /* Varint with too many continuation bytes. */
    const uint8_t longv[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    sk_rd_init(&r, longv, sizeof(longv));
    sk_rd_uvarint(&r);
    ck_assert(!sk_rd_ok(&r));
    /* Varint truncated mid-way. */
    const uint8_t cut[] = {0x80};
    sk_rd_init(&r, cut, sizeof(cut));
    sk_rd_uvarint(&r);
    ck_assert(!sk_rd_ok(&r));
    /* Tag section whose field size overruns. */
    const uint8_t tags[] = {0x01, 0x00, 0x10, 0xaa};
    sk_rd_init(&r, tags, sizeof(tags));
    sk_rd_tags(&r, 1);
    ck_assert(!sk_rd_ok(&r));
    /* Well-formed tag section with one unknown tag is skipped. */
    const uint8_t tags2[] = {0x01, 0x05, 0x02, 0xaa, 0xbb, 0x42};
    sk_rd_init(&r, tags2, sizeof(tags2));
    sk_rd_tags(&r, 1);
    ck_assert(sk_rd_ok(&r));
    ck_assert_int_eq(sk_rd_i8(&r), 0x42);
}
END_TEST

START_TEST(test_patch_and_steal)
{
    sk_wr_t w;
    sk_wr_init(&w);
    size_t pos = sk_wr_reserve_i32(&w);
    for (int i = 0; i < 1000; i++)
        sk_wr_i32(&w, i);
    sk_wr_patch_i32(&w, pos, (int32_t)(w.len - 4));
    size_t len;
    uint8_t *b = sk_wr_steal(&w, &len);
    ck_assert_uint_eq(len, 4004);
    ck_assert_uint_eq(sk_be32(b), 4000);
    ck_assert_uint_eq(sk_be32(b + 4 + 999 * 4), 999);
    ck_assert_ptr_null(w.buf);
    free(b);
}
END_TEST

START_TEST(test_reserve_in_place)
{
    sk_wr_t w;
    sk_wr_init(&w);
    sk_wr_raw(&w, "ab", 2);
    uint8_t *p = sk_wr_reserve(&w, 100000);
    ck_assert_uint_eq(w.len, 2);
    ck_assert_uint_ge(w.cap, 100002);
    ck_assert_ptr_eq(p, w.buf + 2);
    memcpy(p, "cd", 2);
    w.len += 2;
    ck_assert_ptr_nonnull(sk_wr_reserve(&w, 0)); /* never NULL */
    ck_assert_uint_eq(w.len, 4);
    ck_assert_mem_eq(w.buf, "abcd", 4);
    sk_wr_free(&w);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kbuf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_uvarint_vectors);
    tcase_add_test(tc, test_zigzag_vectors);
    tcase_add_test(tc, test_fixed_roundtrip);
    tcase_add_test(tc, test_strings_classic_and_compact);
    tcase_add_test(tc, test_truncated_input_is_sticky);
    tcase_add_test(tc, test_malformed_lengths);
    tcase_add_test(tc, test_empty_reader_without_buffer);
    tcase_add_test(tc, test_patch_and_steal);
    tcase_add_test(tc, test_reserve_in_place);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
