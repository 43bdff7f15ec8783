/* check_pstate.c - idempotent producer state: duplicates, sequence gaps,
 * epochs, wrapping sequences, truncation; and through a partition log:
 * follower appends fill it, reopening rebuilds it from the log's tail. */
#include "storage/producer_state.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "recbatch.h"

static sk_batch_info_t batch(int64_t pid, int16_t epoch, int32_t seq, int32_t n, int64_t base)
{
    sk_batch_info_t b;
    memset(&b, 0, sizeof(b));
    b.producer_id = pid;
    b.producer_epoch = epoch;
    b.base_sequence = seq;
    b.record_count = n;
    b.last_offset_delta = n - 1;
    b.base_offset = base;
    return b;
}

static int64_t pid_clock; /* "now" given to sk_pstate_update */

static int check(sk_pstate_t *ps, sk_batch_info_t b, sk_pstate_dup_t *d)
{
    return sk_pstate_check(ps, &b, d);
}

START_TEST(test_sequence_rules)
{
    sk_pstate_t *ps = sk_pstate_new();
    sk_pstate_dup_t d;
    /* unknown producer: any sequence */
    ck_assert_int_eq(check(ps, batch(7, 0, 42, 3, 0), &d), SK_KERR_NONE);
    ck_assert(!d.found);
    sk_batch_info_t b0 = batch(7, 0, 0, 3, 10); /* seq 0..2 at offsets 10..12 */
    sk_pstate_update(ps, &b0, 0);
    ck_assert_int_eq(sk_pstate_count(ps), 1);
    /* next in sequence */
    ck_assert_int_eq(check(ps, batch(7, 0, 3, 2, -1), &d), SK_KERR_NONE);
    ck_assert(!d.found);
    /* an exact retry: a duplicate with the first attempt's offsets */
    ck_assert_int_eq(check(ps, batch(7, 0, 0, 3, -1), &d), SK_KERR_NONE);
    ck_assert(d.found);
    ck_assert_int_eq(d.first_offset, 10);
    ck_assert_int_eq(d.last_offset, 12);
    /* a gap, an overlap that is not an exact retry */
    ck_assert_int_eq(check(ps, batch(7, 0, 4, 1, -1), &d), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    ck_assert_int_eq(check(ps, batch(7, 0, 1, 2, -1), &d), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* older epoch fenced; newer epoch must start at 0 */
    sk_batch_info_t e1 = batch(7, 1, 0, 1, 13);
    ck_assert_int_eq(check(ps, batch(7, 1, 5, 1, -1), &d), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    ck_assert_int_eq(check(ps, e1, &d), SK_KERR_NONE);
    sk_pstate_update(ps, &e1, 0);
    ck_assert_int_eq(check(ps, batch(7, 0, 3, 1, -1), &d), SK_KERR_INVALID_PRODUCER_EPOCH);
    /* the old epoch's batches are gone from the cache */
    ck_assert_int_eq(check(ps, batch(7, 1, 0, 1, -1), &d), SK_KERR_NONE);
    ck_assert(d.found);
    ck_assert_int_eq(d.first_offset, 13);
    /* no producer id: never checked */
    ck_assert_int_eq(check(ps, batch(-1, -1, -1, 5, -1), &d), SK_KERR_NONE);
    sk_pstate_free(ps);
}
END_TEST

/* A batch the broker refused (not stored, retriable) explains the gap of
 * the batches sent behind it: they get the refusal's error, not
 * OUT_OF_ORDER_SEQUENCE_NUMBER (which makes librdkafka bump the epoch and
 * store unacknowledged records twice), a bounded number of times. */
START_TEST(test_gap_after_refusal)
{
    sk_pstate_t *ps = sk_pstate_new();
    sk_pstate_dup_t d;
    sk_batch_info_t b0 = batch(9, 0, 0, 10, 100); /* seq 0..9 */
    sk_pstate_update(ps, &b0, 0);
    /* without a refusal a gap is out of order */
    sk_batch_info_t b20 = batch(9, 0, 20, 10, -1);
    ck_assert_int_eq(check(ps, b20, &d), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &b20, -1), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* seq 10..19 refused with a storage error: 20..29 gets the same error */
    sk_batch_info_t b10 = batch(9, 0, 10, 10, -1);
    sk_pstate_refused(ps, &b10, SK_KERR_KAFKA_STORAGE_ERROR);
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &b20, -1), SK_KERR_KAFKA_STORAGE_ERROR);
    /* a later refusal does not move the gap's start; an earlier one would */
    sk_pstate_refused(ps, &b20, SK_KERR_NOT_LEADER_OR_FOLLOWER);
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &b20, -1), SK_KERR_KAFKA_STORAGE_ERROR);
    /* another epoch, or a batch that is not behind the refused one: out of order */
    sk_batch_info_t e1 = batch(9, 1, 20, 10, -1);
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &e1, -1), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    sk_batch_info_t b5 = batch(9, 0, 5, 1, -1);
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &b5, -1), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* the retry of the refused batch is in sequence; once stored, the gap is gone */
    ck_assert_int_eq(check(ps, b10, &d), SK_KERR_NONE);
    b10.base_offset = 110;
    sk_pstate_update(ps, &b10, 0);
    sk_batch_info_t b40 = batch(9, 0, 40, 1, -1);
    ck_assert_int_eq(check(ps, b40, &d), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &b40, -1), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* bounded: a client that never sends the refused batch again meets
     * OUT_OF_ORDER_SEQUENCE_NUMBER after SK_PSTATE_GAP_ANSWERS answers */
    sk_batch_info_t b20b = batch(9, 0, 20, 10, -1);
    sk_pstate_refused(ps, &b20b, SK_KERR_NOT_ENOUGH_REPLICAS);
    sk_batch_info_t b30 = batch(9, 0, 30, 1, -1);
    for (int i = 0; i < SK_PSTATE_GAP_ANSWERS; i++)
        ck_assert_int_eq(sk_pstate_gap_refused(ps, &b30, -1), SK_KERR_NOT_ENOUGH_REPLICAS);
    /* the client retried the refused batch (refused again): a fault that lasts keeps
     * answering its pipeline with the refusal's error */
    sk_pstate_refused(ps, &b20b, SK_KERR_KAFKA_STORAGE_ERROR);
    for (int i = 0; i < SK_PSTATE_GAP_ANSWERS; i++)
        ck_assert_int_eq(sk_pstate_gap_refused(ps, &b30, -1), SK_KERR_KAFKA_STORAGE_ERROR);
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &b30, -1), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* an unknown producer, or none: nothing noted */
    sk_batch_info_t u = batch(77, 0, 3, 1, -1);
    sk_pstate_refused(ps, &u, SK_KERR_NOT_LEADER_OR_FOLLOWER);
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &u, -1), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    sk_pstate_free(ps);
}
END_TEST

/* A gap left by the previous leader (the producer's last batch here is
 * older than this leadership): NOT_LEADER_OR_FOLLOWER, so the client sends
 * the missing batches here first, a bounded number of times; a gap inside
 * this leadership stays OUT_OF_ORDER_SEQUENCE_NUMBER. */
START_TEST(test_gap_after_leader_change)
{
    sk_pstate_t *ps = sk_pstate_new();
    sk_pstate_dup_t d;
    sk_batch_info_t b0 = batch(9, 0, 0, 10, 100); /* seq 0..9 at offsets 100..109 */
    sk_pstate_update(ps, &b0, 0);
    sk_batch_info_t b20 = batch(9, 0, 20, 10, -1);
    ck_assert_int_eq(check(ps, b20, &d), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* the producer's last batch (109) is inside the leadership begun at 105 */
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &b20, 105), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* a leadership begun at 110, after it: the gap is the old leader's */
    for (int i = 0; i < SK_PSTATE_GAP_ANSWERS; i++)
        ck_assert_int_eq(sk_pstate_gap_refused(ps, &b20, 110), SK_KERR_NOT_LEADER_OR_FOLLOWER);
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &b20, 110), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* another epoch is not explained by it */
    sk_batch_info_t e1 = batch(9, 1, 5, 1, -1);
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &e1, 110), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* the missing batch comes here and is stored: the gap is closed, and a
     * new gap inside this leadership is out of order */
    sk_batch_info_t b10 = batch(9, 0, 10, 10, 110);
    ck_assert_int_eq(check(ps, b10, &d), SK_KERR_NONE);
    sk_pstate_update(ps, &b10, 0);
    ck_assert_int_eq(check(ps, b20, &d), SK_KERR_NONE);
    sk_batch_info_t b40 = batch(9, 0, 40, 1, -1);
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &b40, 110), SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    /* another producer whose last batch predates the leadership: the same */
    sk_batch_info_t p0 = batch(11, 0, 0, 1, 200);
    sk_pstate_update(ps, &p0, 0);
    sk_batch_info_t p5 = batch(11, 0, 5, 1, -1);
    ck_assert_int_eq(sk_pstate_gap_refused(ps, &p5, 201), SK_KERR_NOT_LEADER_OR_FOLLOWER);
    sk_pstate_free(ps);
}
END_TEST

START_TEST(test_five_cached_batches_and_wrap)
{
    sk_pstate_t *ps = sk_pstate_new();
    sk_pstate_dup_t d;
    int32_t seq = INT32_MAX - 7; /* sequences wrap past INT32_MAX to 0 */
    for (int i = 0; i < 7; i++) {
        sk_batch_info_t b = batch(9, 3, seq, 2, 100 + 2 * i);
        ck_assert_int_eq(check(ps, b, &d), SK_KERR_NONE);
        ck_assert(!d.found);
        sk_pstate_update(ps, &b, pid_clock);
        int64_t next = (int64_t)seq + 2;
        seq = (int32_t)(next > INT32_MAX ? next - INT32_MAX - 1 : next);
    }
    int16_t ep;
    int32_t last;
    int64_t lo;
    ck_assert(sk_pstate_get(ps, 9, &ep, &last, &lo));
    ck_assert_int_eq(ep, 3);
    ck_assert_int_eq(last, 5); /* INT32_MAX-7 + 14 - 1 wraps to 5 */
    ck_assert_int_eq(lo, 113);
    /* the last five are duplicates, the two before are not (and out of order) */
    ck_assert_int_eq(check(ps, batch(9, 3, 4, 2, -1), &d), SK_KERR_NONE);
    ck_assert(d.found);
    ck_assert_int_eq(d.first_offset, 112);
    ck_assert_int_eq(check(ps, batch(9, 3, INT32_MAX - 3, 2, -1), &d), SK_KERR_NONE);
    ck_assert(d.found);
    ck_assert_int_eq(d.first_offset, 104);
    ck_assert_int_eq(check(ps, batch(9, 3, INT32_MAX - 5, 2, -1), &d),
                     SK_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    ck_assert_int_eq(check(ps, batch(9, 3, 6, 1, -1), &d), SK_KERR_NONE);
    ck_assert(!d.found);
    sk_pstate_free(ps);
}
END_TEST

START_TEST(test_expiration)
{
    sk_pstate_t *ps = sk_pstate_new();
    for (int64_t pid = 0; pid < 10; pid++) {
        pid_clock = pid * 1000; /* producer p last wrote at p seconds */
        sk_batch_info_t b = batch(pid, 0, 0, 1, pid);
        sk_pstate_update(ps, &b, pid_clock);
    }
    ck_assert_int_eq(sk_pstate_expire(ps, 10000, 100000), 0);
    ck_assert_int_eq(sk_pstate_expire(ps, 10000, 6000), 5); /* 0..4 idle >= 6 s */
    ck_assert_int_eq(sk_pstate_count(ps), 5);
    ck_assert(!sk_pstate_get(ps, 4, NULL, NULL, NULL));
    ck_assert(sk_pstate_get(ps, 5, NULL, NULL, NULL));
    sk_pstate_free(ps);
}
END_TEST

START_TEST(test_truncate_and_many_producers)
{
    sk_pstate_t *ps = sk_pstate_new();
    for (int64_t pid = 0; pid < 1000; pid++) {
        sk_batch_info_t b = batch(pid, 0, 0, 1, pid);
        sk_pstate_update(ps, &b, pid_clock);
    }
    ck_assert_int_eq(sk_pstate_count(ps), 1000);
    sk_batch_info_t b2 = batch(5, 0, 1, 1, 2000);
    sk_pstate_update(ps, &b2, 0);
    sk_pstate_truncate(ps, 500); /* producers 500.. lose their only batch */
    ck_assert_int_eq(sk_pstate_count(ps), 500);
    int32_t last;
    ck_assert(sk_pstate_get(ps, 5, NULL, &last, NULL));
    ck_assert_int_eq(last, 0); /* its batch at 2000 went, the one at 5 stays */
    ck_assert(!sk_pstate_get(ps, 700, NULL, NULL, NULL));
    sk_pstate_dup_t d;
    ck_assert_int_eq(check(ps, batch(700, 0, 9, 1, -1), &d), SK_KERR_NONE); /* unknown again */
    sk_pstate_clear(ps);
    ck_assert_int_eq(sk_pstate_count(ps), 0);
    sk_pstate_free(ps);
}
END_TEST

/* ---- through a partition log ---- */

static char tmpdir[256];

static void append_idem(sk_plog_t *log, int64_t pid, int16_t epoch, int32_t seq, int n, int raw,
                        int64_t base)
{
    sk_record_in_t r[8];
    memset(r, 0, sizeof(r));
    for (int i = 0; i < n; i++) {
        r[i].timestamp = 1000;
        r[i].value = "v";
        r[i].value_len = 1;
        r[i].key_len = -1;
    }
    sk_batch_opts_t o = {0, pid, epoch, seq, 0};
    sk_wr_t w;
    sk_wr_init(&w);
    sk_batch_build(&w, base, &o, r, n);
    if (raw)
        ck_assert_int_eq(sk_plog_append_raw(log, w.buf, w.len, NULL, NULL), 0);
    else
        ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, 0, NULL, NULL), 0);
    sk_wr_free(&w);
}

/* A client batch checked against a log's producer state. */
static int log_check(sk_plog_t *log, const sk_wr_t *w, sk_pstate_dup_t *d)
{
    sk_batch_info_t h;
    ck_assert_int_eq(sk_batch_parse_header(w->buf, w->len, &h), SK_OK);
    return sk_pstate_check(sk_plog_producers(log), &h, d);
}

START_TEST(test_log_keeps_and_rebuilds_state)
{
    sk_log_set_level(SK_LOG_ERROR);
    strcpy(tmpdir, "/tmp/sk-check-pstate-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/t-0", tmpdir);
    sk_plog_t *log = NULL;
    char err[256];
    ck_assert_int_eq(sk_plog_open(dir, NULL, NULL, 0, &log, err, sizeof(err)), 0);
    append_idem(log, 42, 0, 0, 3, 0, 0);  /* offsets 0..2 */
    append_idem(log, 43, 2, 0, 1, 1, 3);  /* a follower append, offset 3 */
    append_idem(log, 42, 0, 3, 2, 0, 0);  /* offsets 4..5 */
    sk_record_in_t rec = {.timestamp = 1, .key_len = -1, .value = "x", .value_len = 1};
    sk_wr_t w;
    ck_assert_int_eq(sk_pstate_count(sk_plog_producers(log)), 2);

    /* a retry of the batch at 0..2 */
    sk_batch_opts_t o = {0, 42, 0, 0, 0};
    sk_record_in_t three[3] = {rec, rec, rec};
    sk_wr_init(&w);
    sk_batch_build(&w, 0, &o, three, 3);
    sk_pstate_dup_t d;
    ck_assert_int_eq(log_check(log, &w, &d), SK_KERR_NONE);
    ck_assert(d.found);
    ck_assert_int_eq(d.first_offset, 0);
    ck_assert_int_eq(d.last_offset, 2);
    sk_plog_close(log);

    /* reopened: the same answer from the rebuilt state */
    ck_assert_int_eq(sk_plog_open(dir, NULL, NULL, 0, &log, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_pstate_count(sk_plog_producers(log)), 2);
    ck_assert_int_eq(log_check(log, &w, &d), SK_KERR_NONE);
    ck_assert(d.found);
    ck_assert_int_eq(d.first_offset, 0);
    int16_t ep;
    ck_assert(sk_pstate_get(sk_plog_producers(log), 43, &ep, NULL, NULL));
    ck_assert_int_eq(ep, 2);
    /* truncation drops the batches above the new end */
    ck_assert_int_eq(sk_plog_truncate_to(log, 3), 0);
    ck_assert(!sk_pstate_get(sk_plog_producers(log), 43, NULL, NULL, NULL));
    int32_t last;
    ck_assert(sk_pstate_get(sk_plog_producers(log), 42, NULL, &last, NULL));
    ck_assert_int_eq(last, 2);
    sk_wr_free(&w);
    sk_plog_close(log);
    sk_plog_rmtree(tmpdir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pstate");
    TCase *tc = tcase_create("pstate");
    tcase_add_test(tc, test_sequence_rules);
    tcase_add_test(tc, test_gap_after_refusal);
    tcase_add_test(tc, test_gap_after_leader_change);
    tcase_add_test(tc, test_five_cached_batches_and_wrap);
    tcase_add_test(tc, test_truncate_and_many_producers);
    tcase_add_test(tc, test_expiration);
    tcase_add_test(tc, test_log_keeps_and_rebuilds_state);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
