/* check_partlimit.c - KIP-578's max.broker.partitions and max.partitions
 * (broker/meta/partlimit.c): off by default, the room check before
 * allocation, each broker's share after assignment, brokers that are not
 * live. */
#include "meta/partlimit.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "kerr.h"

START_TEST(test_off_by_default)
{
    int32_t ids[] = {0, 1};
    ck_assert_ptr_null(sk_partlimit_new(INT32_MAX, INT32_MAX, ids, 2));
    sk_partlimit_t *pl = sk_partlimit_new(INT32_MAX, 5, ids, 2);
    ck_assert_ptr_nonnull(pl);
    sk_partlimit_free(pl);
    sk_partlimit_free(NULL);
}
END_TEST

START_TEST(test_cluster_bound)
{
    int32_t ids[] = {2, 0, 1};
    sk_partlimit_t *pl = sk_partlimit_new(INT32_MAX, 10, ids, 3);
    int32_t existing[] = {0, 1, 2, 0, 1, 2, 7}; /* 7: a broker that is down counts too */
    sk_partlimit_count(pl, existing, 7);
    char text[256] = "";
    ck_assert_int_eq(sk_partlimit_room(pl, 3, text, sizeof(text)), SK_KERR_NONE);
    ck_assert_int_eq(sk_partlimit_room(pl, 4, text, sizeof(text)), SK_KERR_POLICY_VIOLATION);
    ck_assert_ptr_nonnull(strstr(text, "max.partitions (10)"));
    ck_assert_ptr_nonnull(strstr(text, "has 7"));
    ck_assert_int_eq(sk_partlimit_room(pl, INT32_MAX * 4LL, text, sizeof(text)),
                     SK_KERR_POLICY_VIOLATION);
    ck_assert_int_eq(sk_partlimit_room(pl, -5, text, sizeof(text)), SK_KERR_NONE);
    sk_partlimit_free(pl);
}
END_TEST

START_TEST(test_broker_bound)
{
    int32_t ids[] = {10, 20};
    sk_partlimit_t *pl = sk_partlimit_new(4, INT32_MAX, ids, 2);
    int32_t existing[] = {10, 10, 10, 20, 99, 99, 99, 99, 99}; /* 99 is not live */
    sk_partlimit_count(pl, existing, 9);
    char text[256] = "";
    /* room over the live brokers: 1 + 3 */
    ck_assert_int_eq(sk_partlimit_room(pl, 4, text, sizeof(text)), SK_KERR_NONE);
    ck_assert_int_eq(sk_partlimit_room(pl, 5, text, sizeof(text)), SK_KERR_POLICY_VIOLATION);
    ck_assert_ptr_nonnull(strstr(text, "max.broker.partitions (4)"));
    ck_assert_ptr_nonnull(strstr(text, "room for 4"));
    /* the room is there, but two go to broker 10, which has room for one */
    int32_t two_on_10[] = {10, 20, 10};
    ck_assert_int_eq(sk_partlimit_fits(pl, two_on_10, 3, text, sizeof(text)),
                     SK_KERR_POLICY_VIOLATION);
    ck_assert_ptr_nonnull(strstr(text, "Broker 10 would host 5"));
    ck_assert_ptr_nonnull(strstr(text, "3 now, 2 added"));
    int32_t spread[] = {10, 20, 20, 20};
    ck_assert_int_eq(sk_partlimit_fits(pl, spread, 4, text, sizeof(text)), SK_KERR_NONE);
    int32_t one_more[] = {20, 20, 20, 20};
    ck_assert_int_eq(sk_partlimit_fits(pl, one_more, 4, text, sizeof(text)),
                     SK_KERR_POLICY_VIOLATION);
    ck_assert_ptr_nonnull(strstr(text, "Broker 20 would host 5"));
    /* a replica on a broker that is not live is left to the assignment's checks */
    int32_t unknown[] = {99, 99};
    ck_assert_int_eq(sk_partlimit_fits(pl, unknown, 2, text, sizeof(text)), SK_KERR_NONE);
    sk_partlimit_free(pl);
}
END_TEST

START_TEST(test_no_live_brokers)
{
    sk_partlimit_t *pl = sk_partlimit_new(3, 100, NULL, 0);
    char text[256] = "";
    ck_assert_int_eq(sk_partlimit_room(pl, 0, text, sizeof(text)), SK_KERR_NONE);
    ck_assert_int_eq(sk_partlimit_room(pl, 1, text, sizeof(text)), SK_KERR_POLICY_VIOLATION);
    ck_assert_ptr_nonnull(strstr(text, "0 live brokers"));
    sk_partlimit_free(pl);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("partlimit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_off_by_default);
    tcase_add_test(tc, test_cluster_bound);
    tcase_add_test(tc, test_broker_bound);
    tcase_add_test(tc, test_no_live_brokers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
