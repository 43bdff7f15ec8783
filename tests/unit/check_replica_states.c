/* check_replica_states.c - the transition tables of replica/'s state
 * machines other than the partition's (check_partition covers truncation):
 * the fetcher's link to a leader (fetcher.h) and controlled shutdown
 * (ctlshutdown.h). Each table is compared with the one its header
 * documents, entry by entry, so a transition added, lost or turned around
 * fails here; names and out-of-range states too. */
#include "replica/ctlshutdown.h"
#include "replica/fetcher.h"

#include <check.h>
#include <stdlib.h>

#define IDLE SK_FETCHER_IDLE
#define EPOCHS SK_FETCHER_EPOCHS_IN_FLIGHT
#define FETCH SK_FETCHER_FETCH_IN_FLIGHT
#define BACKOFF SK_FETCHER_BACKOFF
#define STOPPED SK_FETCHER_STOPPED

START_TEST(test_fetcher_table)
{
    static const int want[SK_FETCHER_N_STATES][SK_FETCHER_N_STATES] = {
        [IDLE] = {[EPOCHS] = 1, [FETCH] = 1, [BACKOFF] = 1, [STOPPED] = 1},
        [EPOCHS] = {[IDLE] = 1, [BACKOFF] = 1, [STOPPED] = 1},
        [FETCH] = {[IDLE] = 1, [BACKOFF] = 1, [STOPPED] = 1},
        [BACKOFF] = {[IDLE] = 1, [STOPPED] = 1},
        [STOPPED] = {0},
    };
    for (int from = 0; from < SK_FETCHER_N_STATES; from++)
        for (int to = 0; to < SK_FETCHER_N_STATES; to++)
            ck_assert_msg(sk_fetcher_state_allowed(from, to) == want[from][to], "%s -> %s",
                          sk_fetcher_state_name(from), sk_fetcher_state_name(to));
}
END_TEST

START_TEST(test_fetcher_refuses)
{
    /* one request at a time; a back-off is waited out; STOPPED is final */
    ck_assert(!sk_fetcher_state_allowed(FETCH, EPOCHS));
    ck_assert(!sk_fetcher_state_allowed(EPOCHS, FETCH));
    ck_assert(!sk_fetcher_state_allowed(FETCH, FETCH));
    ck_assert(!sk_fetcher_state_allowed(BACKOFF, FETCH));
    ck_assert(!sk_fetcher_state_allowed(BACKOFF, BACKOFF));
    ck_assert(!sk_fetcher_state_allowed(STOPPED, IDLE));
    ck_assert(!sk_fetcher_state_allowed(IDLE, IDLE));
    ck_assert(!sk_fetcher_state_allowed(IDLE, SK_FETCHER_N_STATES));
    ck_assert(!sk_fetcher_state_allowed(SK_FETCHER_N_STATES, IDLE));
    ck_assert(!sk_fetcher_state_allowed((sk_fetcher_state_t)-1, IDLE));
}
END_TEST

START_TEST(test_fetcher_names)
{
    ck_assert_str_eq(sk_fetcher_state_name(IDLE), "IDLE");
    ck_assert_str_eq(sk_fetcher_state_name(EPOCHS), "EPOCHS_IN_FLIGHT");
    ck_assert_str_eq(sk_fetcher_state_name(FETCH), "FETCH_IN_FLIGHT");
    ck_assert_str_eq(sk_fetcher_state_name(BACKOFF), "BACKOFF");
    ck_assert_str_eq(sk_fetcher_state_name(STOPPED), "STOPPED");
    ck_assert_str_eq(sk_fetcher_state_name(SK_FETCHER_N_STATES), "?");
    ck_assert_str_eq(sk_fetcher_state_name((sk_fetcher_state_t)-1), "?");
}
END_TEST

#define NOT_STARTED SK_CTLSD_NOT_STARTED
#define ASKING SK_CTLSD_ASKING
#define C_BACKOFF SK_CTLSD_BACKOFF
#define SUCCEEDED SK_CTLSD_SUCCEEDED
#define GAVE_UP SK_CTLSD_GAVE_UP
#define DONE SK_CTLSD_DONE
#define CANCELLED SK_CTLSD_CANCELLED

START_TEST(test_ctlsd_table)
{
    static const int want[SK_CTLSD_N_STATES][SK_CTLSD_N_STATES] = {
        [NOT_STARTED] = {[ASKING] = 1, [CANCELLED] = 1},
        [ASKING] = {[C_BACKOFF] = 1, [SUCCEEDED] = 1, [GAVE_UP] = 1, [CANCELLED] = 1},
        [C_BACKOFF] = {[ASKING] = 1, [CANCELLED] = 1},
        [SUCCEEDED] = {[DONE] = 1, [CANCELLED] = 1},
        [GAVE_UP] = {[DONE] = 1, [CANCELLED] = 1},
        [DONE] = {0},
        [CANCELLED] = {0},
    };
    for (int from = 0; from < SK_CTLSD_N_STATES; from++)
        for (int to = 0; to < SK_CTLSD_N_STATES; to++)
            ck_assert_msg(sk_ctlsd_state_allowed(from, to) == want[from][to], "%s -> %s",
                          sk_ctlsd_state_name(from), sk_ctlsd_state_name(to));
}
END_TEST

START_TEST(test_ctlsd_refuses)
{
    /* an outcome only from an attempt; no way back from an outcome */
    ck_assert(!sk_ctlsd_state_allowed(NOT_STARTED, SUCCEEDED));
    ck_assert(!sk_ctlsd_state_allowed(C_BACKOFF, SUCCEEDED));
    ck_assert(!sk_ctlsd_state_allowed(C_BACKOFF, DONE));
    ck_assert(!sk_ctlsd_state_allowed(SUCCEEDED, ASKING));
    ck_assert(!sk_ctlsd_state_allowed(GAVE_UP, ASKING));
    ck_assert(!sk_ctlsd_state_allowed(ASKING, ASKING));
    ck_assert(!sk_ctlsd_state_allowed(ASKING, DONE));
    ck_assert(!sk_ctlsd_state_allowed(DONE, CANCELLED));
    ck_assert(!sk_ctlsd_state_allowed(CANCELLED, ASKING));
    ck_assert(!sk_ctlsd_state_allowed(ASKING, SK_CTLSD_N_STATES));
    ck_assert(!sk_ctlsd_state_allowed((sk_ctlsd_state_t)-1, ASKING));
}
END_TEST

START_TEST(test_ctlsd_names)
{
    ck_assert_str_eq(sk_ctlsd_state_name(NOT_STARTED), "NOT_STARTED");
    ck_assert_str_eq(sk_ctlsd_state_name(ASKING), "ASKING");
    ck_assert_str_eq(sk_ctlsd_state_name(C_BACKOFF), "BACKOFF");
    ck_assert_str_eq(sk_ctlsd_state_name(SUCCEEDED), "SUCCEEDED");
    ck_assert_str_eq(sk_ctlsd_state_name(GAVE_UP), "GAVE_UP");
    ck_assert_str_eq(sk_ctlsd_state_name(DONE), "DONE");
    ck_assert_str_eq(sk_ctlsd_state_name(CANCELLED), "CANCELLED");
    ck_assert_str_eq(sk_ctlsd_state_name(SK_CTLSD_N_STATES), "?");
}
END_TEST

static Suite *replica_states_suite(void)
{
    Suite *s = suite_create("replica_states");
    TCase *tc = tcase_create("tables");
    tcase_add_test(tc, test_fetcher_table);
    tcase_add_test(tc, test_fetcher_refuses);
    tcase_add_test(tc, test_fetcher_names);
    tcase_add_test(tc, test_ctlsd_table);
    tcase_add_test(tc, test_ctlsd_refuses);
    tcase_add_test(tc, test_ctlsd_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(replica_states_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
