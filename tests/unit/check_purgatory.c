/* check_purgatory.c - the purgatory (broker/replica/purgatory.h) on a bare
 * event_base: wake-ups keyed by partition and deferred to the loop,
 * completion order, timeouts (by a fake clock and by the real timers),
 * flushing, and completions that park or complete other operations. */
#include "replica/purgatory.h"

#include <check.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

static int64_t fake_now;
static int64_t fake_clock(void) { return fake_now; }

static struct event_base *base;
static sk_purg_t *pg;

/* A test operation: completes when ready (or when forced); logs its id. */
typedef struct top {
    int id;
    int ready;
    int tries;
    sk_purg_why_t why;
    int done;
    struct top *spawn;     /* completing parks this one too */
    uint64_t spawn_key;
} top_t;

static int log_ids[64];
static int n_log;

static int top_try(void *arg, sk_purg_why_t why)
{
    top_t *t = arg;
    t->tries++;
    if (why == SK_PURG_WOKEN && !t->ready)
        return 0;
    t->why = why;
    t->done = 1;
    log_ids[n_log++] = t->id;
    if (t->spawn) {
        sk_purg_op_t *op = sk_purg_add(pg, -1, top_try, t->spawn);
        sk_purg_watch(op, t->spawn_key);
    }
    return 1;
}

static void setup(void)
{
    fake_now = 1000;
    sk_clock_set_mono_source(fake_clock);
    base = event_base_new();
    pg = sk_purg_new(base, "test");
    n_log = 0;
}

static void teardown(void)
{
    sk_purg_free(pg);
    event_base_free(base);
    sk_clock_set_mono_source(NULL);
}

static void run_loop(void)
{
    event_base_loop(base, EVLOOP_NONBLOCK);
}

static sk_purg_op_t *park(top_t *t, int64_t timeout, uint64_t key)
{
    sk_purg_op_t *op = sk_purg_add(pg, timeout, top_try, t);
    sk_purg_watch(op, key);
    return op;
}

START_TEST(test_keys)
{
    uint64_t a0 = sk_purg_key("a", 1, 0);
    ck_assert(a0 == sk_purg_key("a", 1, 0));
    ck_assert(a0 == sk_purg_key("ab", 1, 0)); /* the length bounds the name */
    ck_assert(a0 != sk_purg_key("a", 1, 1));
    ck_assert(a0 != sk_purg_key("b", 1, 0));
    ck_assert(sk_purg_key("topic", 5, 3) == sk_purg_key("topic\0xyz", 9, 3));
}
END_TEST

START_TEST(test_wake_is_deferred_and_keyed)
{
    uint64_t k1 = sk_purg_key("t", 1, 0), k2 = sk_purg_key("t", 1, 1);
    top_t a = {.id = 1, .ready = 1}, b = {.id = 2, .ready = 1};
    park(&a, -1, k1);
    park(&b, -1, k2);
    ck_assert_int_eq(sk_purg_count(pg), 2);
    /* not tried when parked, nor from inside the waker */
    sk_purg_wake(pg, k1);
    ck_assert_int_eq(a.tries, 0);
    run_loop();
    ck_assert_int_eq(a.tries, 1);
    ck_assert(a.done && a.why == SK_PURG_WOKEN);
    ck_assert_int_eq(b.tries, 0); /* another partition's key */
    ck_assert_int_eq(sk_purg_count(pg), 1);
    /* an unready operation stays */
    b.ready = 0;
    sk_purg_wake(pg, k2);
    run_loop();
    ck_assert_int_eq(b.tries, 1);
    ck_assert(!b.done);
    b.ready = 1;
    sk_purg_wake_all(pg);
    run_loop();
    ck_assert(b.done);
    ck_assert_int_eq(sk_purg_count(pg), 0);
    /* waking an empty purgatory is a no-op */
    sk_purg_wake(pg, k1);
    run_loop();
}
END_TEST

START_TEST(test_completion_order)
{
    uint64_t k = sk_purg_key("t", 1, 0), other = sk_purg_key("u", 1, 0);
    top_t t[5];
    memset(t, 0, sizeof(t));
    for (int i = 0; i < 5; i++) {
        t[i].id = i + 1;
        t[i].ready = i != 2; /* the third waits on */
        sk_purg_op_t *op = park(&t[i], -1, i == 4 ? other : k);
        if (i == 4)
            sk_purg_watch(op, k); /* two keys */
    }
    /* several wakes of one key in a turn: one pass */
    sk_purg_wake(pg, k);
    sk_purg_wake(pg, k);
    sk_purg_wake(pg, other);
    run_loop();
    ck_assert_int_eq(n_log, 4);
    int want[] = {1, 2, 4, 5};
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(log_ids[i], want[i]);
    ck_assert_int_eq(t[4].tries, 1);
    ck_assert_int_eq(t[2].tries, 1);
    ck_assert_int_eq(sk_purg_count(pg), 1);
    sk_purg_flush(pg); /* before the operations (on this stack) go */
    ck_assert(t[2].done && t[2].why == SK_PURG_FLUSHED);
}
END_TEST

START_TEST(test_timeouts_fake_clock)
{
    uint64_t k = sk_purg_key("t", 1, 0);
    top_t a = {.id = 1}, b = {.id = 2}, c = {.id = 3}, d = {.id = 4};
    park(&a, 100000, k);
    park(&b, 50000, k);
    park(&c, -1, k);      /* no timeout */
    park(&d, 50000, k);
    ck_assert_int_eq(sk_purg_expire(pg), 0);
    fake_now += 49999;
    ck_assert_int_eq(sk_purg_expire(pg), 0);
    fake_now += 1;
    ck_assert_int_eq(sk_purg_expire(pg), 2);
    ck_assert(b.done && b.why == SK_PURG_EXPIRED);
    ck_assert(d.done && d.why == SK_PURG_EXPIRED);
    ck_assert_int_eq(log_ids[0], 2); /* equal deadlines: in the order parked */
    ck_assert_int_eq(log_ids[1], 4);
    ck_assert(!a.done && !c.done);
    fake_now += 1000000;
    ck_assert_int_eq(sk_purg_expire(pg), 1);
    ck_assert(a.done && a.why == SK_PURG_EXPIRED);
    ck_assert(!c.done);
    /* shutdown: what is left completes */
    sk_purg_flush(pg);
    ck_assert(c.done && c.why == SK_PURG_FLUSHED);
    ck_assert_int_eq(sk_purg_count(pg), 0);
}
END_TEST

START_TEST(test_timeouts_real_timer)
{
    sk_clock_set_mono_source(NULL);
    uint64_t k = sk_purg_key("t", 1, 0);
    top_t a = {.id = 1}, b = {.id = 2};
    park(&a, 30, k);
    park(&b, 5, k);
    while (sk_purg_count(pg) > 0)
        event_base_loop(base, EVLOOP_ONCE);
    ck_assert(a.done && a.why == SK_PURG_EXPIRED);
    ck_assert(b.done && b.why == SK_PURG_EXPIRED);
    ck_assert_int_eq(log_ids[0], 2);
    ck_assert_int_eq(log_ids[1], 1);
}
END_TEST

START_TEST(test_flush_order_and_free)
{
    top_t t[3];
    memset(t, 0, sizeof(t));
    for (int i = 0; i < 3; i++) {
        t[i].id = 10 + i;
        park(&t[i], 100000, sk_purg_key("t", 1, i));
    }
    sk_purg_free(pg); /* flushes */
    pg = sk_purg_new(base, "again");
    ck_assert_int_eq(n_log, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(log_ids[i], 10 + i);
        ck_assert(t[i].why == SK_PURG_FLUSHED);
    }
}
END_TEST

START_TEST(test_completion_parks_another)
{
    uint64_t k = sk_purg_key("t", 1, 0), k2 = sk_purg_key("t", 1, 1);
    top_t late = {.id = 3, .ready = 1};
    top_t a = {.id = 1, .ready = 1, .spawn = &late, .spawn_key = k};
    top_t b = {.id = 2, .ready = 1};
    park(&a, -1, k);
    park(&b, -1, k2);
    sk_purg_wake(pg, k);
    run_loop();
    /* the operation parked by a's completion is at the tail; it watches the
     * woken key, so the same pass tries it */
    ck_assert(a.done);
    ck_assert(late.done);
    ck_assert(!b.done);
    ck_assert_int_eq(sk_purg_count(pg), 1);
    sk_purg_flush(pg);
    ck_assert(b.done);
}
END_TEST

/* Many keys: every key's operations, and only theirs, however many keys a
 * turn wakes (there was a cap of 64 pending keys, above which everything was
 * tried); a key watched twice tries its operation once; an operation that
 * watches thousands of keys is found by any of them. */
START_TEST(test_many_keys_exact)
{
    enum { N = 5000 };
    top_t many = {.id = 1, .ready = 0}, other = {.id = 2, .ready = 1};
    top_t twice = {.id = 3, .ready = 0};
    sk_purg_op_t *op = sk_purg_add(pg, -1, top_try, &many);
    for (int i = 0; i < N; i++) {
        sk_purg_watch(op, sk_purg_key("m", 1, i));
        sk_purg_watch(op, sk_purg_key("m", 1, i)); /* a repeat */
    }
    park(&other, -1, sk_purg_key("o", 1, 0));
    sk_purg_op_t *op2 = park(&twice, -1, sk_purg_key("t", 1, 0));
    sk_purg_watch(op2, sk_purg_key("m", 1, 7));
    sk_purg_watch(op2, sk_purg_key("t", 1, 0)); /* a repeat between others */
    for (int i = 0; i < 200; i++)
        sk_purg_wake(pg, sk_purg_key("m", 1, N - 1 - i));
    run_loop();
    ck_assert_int_eq(many.tries, 1);
    ck_assert_int_eq(other.tries, 0); /* not woken: not tried */
    ck_assert_int_eq(twice.tries, 0);
    sk_purg_wake(pg, sk_purg_key("m", 1, 7));
    sk_purg_wake(pg, sk_purg_key("t", 1, 0));
    run_loop();
    ck_assert_int_eq(many.tries, 2);
    ck_assert_int_eq(twice.tries, 1); /* two of its keys, one try */
    many.ready = 1;
    sk_purg_wake(pg, sk_purg_key("m", 1, N / 2));
    run_loop();
    ck_assert(many.done);
    ck_assert_int_eq(sk_purg_count(pg), 2);
    /* a key its gone operation watched wakes nothing */
    sk_purg_wake(pg, sk_purg_key("m", 1, N / 2));
    run_loop();
    ck_assert_int_eq(twice.tries, 1);
    sk_purg_flush(pg);
    ck_assert(other.done && twice.done);
}
END_TEST

/* An operation parked where a completed one was (same address, perhaps)
 * watching the same key is woken by it. */
START_TEST(test_key_rewatched_after_completion)
{
    uint64_t k = sk_purg_key("t", 1, 0);
    for (int round = 0; round < 3; round++) {
        top_t t = {.id = round, .ready = 1};
        park(&t, -1, k);
        sk_purg_wake(pg, k);
        run_loop();
        ck_assert(t.done);
        ck_assert_int_eq(sk_purg_count(pg), 0);
    }
}
END_TEST

static Suite *purgatory_suite(void)
{
    Suite *s = suite_create("purgatory");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_keys);
    tcase_add_test(tc, test_wake_is_deferred_and_keyed);
    tcase_add_test(tc, test_completion_order);
    tcase_add_test(tc, test_timeouts_fake_clock);
    tcase_add_test(tc, test_timeouts_real_timer);
    tcase_add_test(tc, test_flush_order_and_free);
    tcase_add_test(tc, test_completion_parks_another);
    tcase_add_test(tc, test_many_keys_exact);
    tcase_add_test(tc, test_key_rewatched_after_completion);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(purgatory_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
