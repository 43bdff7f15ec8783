/* check_assign.c - Kafka's replica assignment. */
#include "assign.h"
#include "kerr.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_rack_unaware_fixed_start)
{
    /* Five brokers, ten partitions, rf 3, start index and shift 0: the leader
     * walks the brokers and the follower shift grows after every round. */
    sk_assign_broker_t b[5] = {{3, NULL}, {1, NULL}, {4, NULL}, {0, NULL}, {2, NULL}};
    int32_t out[30];
    char err[128];
    ck_assert_int_eq(sk_assign_replicas(b, 5, 10, 3, 0, 0, 0, out, err, sizeof(err)), SK_OK);
    static const int32_t want[30] = {0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 0, 4, 0, 1,
                                     0, 2, 3, 1, 3, 4, 2, 4, 0, 3, 0, 1, 4, 1, 2};
    ck_assert_mem_eq(out, want, sizeof(want));
}
END_TEST

START_TEST(test_balanced_leaders_and_distinct_replicas)
{
    sk_assign_broker_t b[3] = {{0, NULL}, {1, NULL}, {2, NULL}};
    for (int trial = 0; trial < 50; trial++) {
        int32_t out[18];
        char err[128];
        ck_assert_int_eq(sk_assign_replicas(b, 3, 6, 3, 0, -1, -1, out, err, sizeof(err)), SK_OK);
        int leads[3] = {0, 0, 0};
        for (int p = 0; p < 6; p++) {
            int32_t *r = out + p * 3;
            leads[r[0]]++;
            ck_assert(r[0] != r[1] && r[1] != r[2] && r[0] != r[2]);
        }
        ck_assert_int_eq(leads[0], 2);
        ck_assert_int_eq(leads[1], 2);
        ck_assert_int_eq(leads[2], 2);
    }
}
END_TEST

START_TEST(test_rack_alternation)
{
    /* racks: rack1 {0,5}, rack2 {3,4}, rack3 {1,2} -> alternated 0,3,1,5,4,2 */
    sk_assign_broker_t b[6] = {{0, "rack1"}, {1, "rack3"}, {2, "rack3"},
                               {3, "rack2"}, {4, "rack2"}, {5, "rack1"}};
    int32_t out[6];
    char err[128];
    ck_assert_int_eq(sk_assign_replicas(b, 6, 6, 1, 0, 0, 0, out, err, sizeof(err)), SK_OK);
    static const int32_t want[6] = {0, 3, 1, 5, 4, 2};
    ck_assert_mem_eq(out, want, sizeof(want));
}
END_TEST

static const char *rack_of(const sk_assign_broker_t *b, int n, int32_t id)
{
    for (int i = 0; i < n; i++)
        if (b[i].id == id)
            return b[i].rack;
    return NULL;
}

START_TEST(test_rack_aware_spreads_racks)
{
    sk_assign_broker_t b[6] = {{0, "a"}, {1, "b"}, {2, "c"}, {3, "a"}, {4, "b"}, {5, "c"}};
    int32_t out[12 * 3];
    char err[128];
    ck_assert_int_eq(sk_assign_replicas(b, 6, 12, 3, 0, -1, -1, out, err, sizeof(err)), SK_OK);
    int leads[6] = {0};
    for (int p = 0; p < 12; p++) {
        int32_t *r = out + p * 3;
        leads[r[0]]++;
        const char *x = rack_of(b, 6, r[0]), *y = rack_of(b, 6, r[1]), *z = rack_of(b, 6, r[2]);
        ck_assert(strcmp(x, y) && strcmp(y, z) && strcmp(x, z));
    }
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(leads[i], 2);
    /* More replicas than racks: racks repeat, brokers do not. */
    sk_assign_broker_t c[4] = {{0, "a"}, {1, "a"}, {2, "b"}, {3, "b"}};
    int32_t o2[4 * 3];
    ck_assert_int_eq(sk_assign_replicas(c, 4, 4, 3, 0, -1, -1, o2, err, sizeof(err)), SK_OK);
    for (int p = 0; p < 4; p++) {
        int32_t *r = o2 + p * 3;
        ck_assert(r[0] != r[1] && r[1] != r[2] && r[0] != r[2]);
    }
}
END_TEST

START_TEST(test_added_partitions_continue_the_pattern)
{
    sk_assign_broker_t b[5] = {{0, NULL}, {1, NULL}, {2, NULL}, {3, NULL}, {4, NULL}};
    int32_t all[30], tail[15];
    char err[128];
    ck_assert_int_eq(sk_assign_replicas(b, 5, 10, 3, 0, 0, 0, all, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_assign_replicas(b, 5, 5, 3, 5, 0, 0, tail, err, sizeof(err)), SK_OK);
    /* Partitions 5..9 computed alone: the shift already grew at 5. */
    ck_assert_mem_eq(tail, all + 15, sizeof(tail));
}
END_TEST

START_TEST(test_errors)
{
    sk_assign_broker_t b[2] = {{0, "a"}, {1, NULL}};
    int32_t out[8];
    char err[128];
    ck_assert_int_eq(sk_assign_replicas(b, 0, 1, 1, 0, -1, -1, out, err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_assign_replicas(b, 2, 1, 3, 0, -1, -1, out, err, sizeof(err)), SK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "larger than available brokers: 2"));
    ck_assert_int_eq(sk_assign_replicas(b, 2, 1, 0, 0, -1, -1, out, err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_assign_replicas(b, 2, 2, 1, 0, -1, -1, out, err, sizeof(err)), SK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "rack"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("assign");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_rack_unaware_fixed_start);
    tcase_add_test(tc, test_balanced_leaders_and_distinct_replicas);
    tcase_add_test(tc, test_rack_alternation);
    tcase_add_test(tc, test_rack_aware_spreads_racks);
    tcase_add_test(tc, test_added_partitions_continue_the_pattern);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
