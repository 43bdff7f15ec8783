/* check_crc32c.c - CRC-32C: published vectors, chaining, hardware vs software. */
#include "crc32c.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_check_value)
{
    ck_assert_uint_eq(sk_crc32c(0, "123456789", 9), 0xE3069283u);
    ck_assert_uint_eq(sk_crc32c_sw(0, "123456789", 9), 0xE3069283u);
    ck_assert_uint_eq(sk_crc32c_hw(0, "123456789", 9), 0xE3069283u);
    ck_assert_uint_eq(sk_crc32c(0, "", 0), 0);
}
END_TEST

/* RFC 3720 (iSCSI) appendix B.4 vectors. */
START_TEST(test_rfc3720_vectors)
{
    uint8_t buf[32];
    uint32_t (*impls[])(uint32_t, const void *, size_t) = {sk_crc32c, sk_crc32c_sw, sk_crc32c_hw};
    for (size_t k = 0; k < 3; k++) {
        memset(buf, 0, sizeof(buf));
        ck_assert_uint_eq(impls[k](0, buf, 32), 0x8A9136AAu);
        memset(buf, 0xff, sizeof(buf));
        ck_assert_uint_eq(impls[k](0, buf, 32), 0x62A8AB43u);
        for (int i = 0; i < 32; i++)
            buf[i] = (uint8_t)i;
        ck_assert_uint_eq(impls[k](0, buf, 32), 0x46DD794Eu);
        for (int i = 0; i < 32; i++)
            buf[i] = (uint8_t)(31 - i);
        ck_assert_uint_eq(impls[k](0, buf, 32), 0x113FDB5Cu);
    }
}
END_TEST

START_TEST(test_chaining)
{
    const char *s = "123456789";
    for (size_t cut = 0; cut <= 9; cut++) {
        uint32_t c = sk_crc32c(0, s, cut);
        ck_assert_uint_eq(sk_crc32c(c, s + cut, 9 - cut), 0xE3069283u);
        c = sk_crc32c_sw(0, s, cut);
        ck_assert_uint_eq(sk_crc32c_sw(c, s + cut, 9 - cut), 0xE3069283u);
    }
}
END_TEST

/* Many lengths and alignments: both paths agree, and chaining in odd pieces
 * gives the one-shot value. The software path is also checked against a
 * bit-at-a-time reference so a wrong table cannot hide behind agreement. */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
}

START_TEST(test_hw_sw_agree)
{
    enum { N = 4096 + 64 };
    uint8_t *buf = malloc(N);
    srand(12345);
    for (int i = 0; i < N; i++)
        buf[i] = (uint8_t)rand();
    for (size_t off = 0; off < 16; off++) {
        for (size_t len = 0; len < 600; len += (len < 80 ? 1 : 37)) {
            uint32_t ref = crc_bitwise(buf + off, len);
            ck_assert_uint_eq(sk_crc32c_sw(0, buf + off, len), ref);
            ck_assert_uint_eq(sk_crc32c_hw(0, buf + off, len), ref);
            size_t a = len / 3;
            uint32_t c = sk_crc32c(0, buf + off, a);
            c = sk_crc32c_sw(c, buf + off + a, len / 2 - a);
            c = sk_crc32c_hw(c, buf + off + len / 2, len - len / 2);
            ck_assert_uint_eq(c, ref);
        }
    }
    ck_assert_uint_eq(sk_crc32c_hw(0, buf + 3, 4096), sk_crc32c_sw(0, buf + 3, 4096));
    free(buf);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("crc32c");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_check_value);
    tcase_add_test(tc, test_rfc3720_vectors);
    tcase_add_test(tc, test_chaining);
    tcase_add_test(tc, test_hw_sw_agree);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
