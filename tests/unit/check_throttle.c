/* check_throttle.c - replication throttles (broker/replica/throttle.c): the
 * replica lists of leader/follower.replication.throttled.replicas and the
 * token bucket of the rates. */
#include "replica/throttle.h"

#include <check.h>
#include <stdlib.h>

START_TEST(test_listed)
{
    ck_assert(sk_throttle_listed("0:1,1:2", 0, 1));
    ck_assert(sk_throttle_listed("0:1,1:2", 1, 2));
    ck_assert(!sk_throttle_listed("0:1,1:2", 0, 2));
    ck_assert(!sk_throttle_listed("0:1,1:2", 2, 1));
    ck_assert(sk_throttle_listed(" 0 : 1 , 3:4 ", 3, 4));
    ck_assert(sk_throttle_listed("*", 7, 9));
    ck_assert(sk_throttle_listed("0:1, *", 7, 9));
    ck_assert(!sk_throttle_listed("", 0, 0));
    ck_assert(!sk_throttle_listed(NULL, 0, 0));
    /* malformed items name nothing, the rest still counts */
    ck_assert(!sk_throttle_listed("0:", 0, 0));
    ck_assert(!sk_throttle_listed(":0", 0, 0));
    ck_assert(!sk_throttle_listed("0:1:2", 0, 1));
    ck_assert(!sk_throttle_listed("-1:1", -1, 1));
    ck_assert(!sk_throttle_listed("99999999999:1", 0, 1));
    ck_assert(sk_throttle_listed("x:y,,5:6", 5, 6));
    ck_assert(!sk_throttle_listed("**", 0, 0));
}
END_TEST

START_TEST(test_bucket)
{
    sk_tbucket_t *q = sk_tbucket_new();
    /* unlimited */
    ck_assert_int_eq(sk_tbucket_wait_ms(q, -1, 0), 0);
    sk_tbucket_take(q, -1, 1 << 30, 0);
    ck_assert_int_eq(sk_tbucket_wait_ms(q, -1, 0), 0);
    /* 1000 B/s: a full second at the start, then 1000 bytes a second */
    ck_assert_int_eq(sk_tbucket_wait_ms(q, 1000, 1000), 0);
    sk_tbucket_take(q, 1000, 3000, 1000); /* 2000 over */
    int64_t w = sk_tbucket_wait_ms(q, 1000, 1000);
    ck_assert(w >= 2000 && w <= 2001);
    w = sk_tbucket_wait_ms(q, 1000, 2500);
    ck_assert(w >= 500 && w <= 501);
    ck_assert_int_eq(sk_tbucket_wait_ms(q, 1000, 3001), 0);
    /* never more than one second saved up */
    ck_assert_int_eq(sk_tbucket_wait_ms(q, 1000, 100000), 0);
    sk_tbucket_take(q, 1000, 1500, 100000);
    ck_assert(sk_tbucket_wait_ms(q, 1000, 100000) >= 500);
    /* a new rate starts full */
    ck_assert_int_eq(sk_tbucket_wait_ms(q, 5000, 100000), 0);
    /* rate 0: nothing goes */
    ck_assert(sk_tbucket_wait_ms(q, 0, 100000) > 0);
    sk_tbucket_free(q);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("throttle");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_listed);
    tcase_add_test(tc, test_bucket);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
