/* check_truncate.c - follower truncation by leader epoch (KIP-101/279):
 * the leader's "end offset for epoch" answer, the follower's truncation
 * point for several divergence shapes, and a randomized check that the
 * repeated exchange leaves the follower with exactly the longest common
 * prefix of the two logs. */
#include "storage/epoch_cache.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"

static sk_epoch_cache_t *cache_of(const sk_epoch_entry_t *e, size_t n)
{
    sk_epoch_cache_t *c = sk_epoch_cache_new();
    ck_assert_int_eq(sk_epoch_cache_load(c, e, n), SK_OK);
    return c;
}

static void expect_end(const sk_epoch_cache_t *c, int32_t req, int64_t leo, int32_t want_epoch,
                       int64_t want_end)
{
    int32_t e;
    int64_t o;
    sk_epoch_cache_end_offset_for(c, req, leo, &e, &o);
    ck_assert_msg(e == want_epoch && o == want_end,
                  "epoch %d: got (%d, %lld), want (%d, %lld)", req, e, (long long)o, want_epoch,
                  (long long)want_end);
}

START_TEST(test_end_offset_lookup)
{
    sk_epoch_entry_t e[] = {{0, 0}, {2, 10}, {5, 20}};
    sk_epoch_cache_t *c = cache_of(e, 3);
    expect_end(c, 5, 30, 5, 30);   /* the latest epoch ends at the LEO */
    expect_end(c, 4, 30, 2, 20);   /* largest epoch <= 4, ends where 5 starts */
    expect_end(c, 3, 30, 2, 20);
    expect_end(c, 2, 30, 2, 20);
    expect_end(c, 1, 30, 0, 10);
    expect_end(c, 0, 30, 0, 10);
    expect_end(c, 6, 30, -1, -1);  /* newer than anything known */
    expect_end(c, -1, 30, -1, -1); /* undefined epoch */
    sk_epoch_cache_free(c);

    sk_epoch_cache_t *empty = sk_epoch_cache_new();
    expect_end(empty, 0, 7, -1, -1);
    sk_epoch_cache_free(empty);

    /* older entries removed with old segments: the requested epoch ends at
     * the first known epoch's start (Kafka's answer, so the follower
     * truncates to at most there) */
    sk_epoch_entry_t late[] = {{3, 100}, {4, 150}};
    c = cache_of(late, 2);
    expect_end(c, 1, 200, 1, 100);
    expect_end(c, 3, 200, 3, 150);
    expect_end(c, 4, 200, 4, 200);
    sk_epoch_cache_free(c);
}
END_TEST

/* The follower point for one leader answer. */
static int point(const sk_epoch_entry_t *fe, size_t fn, int64_t leo, int64_t hw, int32_t le,
                 int64_t lend, int64_t *off)
{
    sk_epoch_cache_t *c = cache_of(fe, fn);
    int done = sk_epoch_truncation_point(c, leo, hw, le, lend, off);
    sk_epoch_cache_free(c);
    return done;
}

START_TEST(test_truncation_shapes)
{
    int64_t off;
    /* follower is a prefix of the leader: nothing goes */
    sk_epoch_entry_t f1[] = {{0, 0}};
    ck_assert_int_eq(point(f1, 1, 10, 3, 0, 10, &off), 1);
    ck_assert_int_eq(off, 10);
    /* KIP-101 case 1: the old leader kept records of its epoch the new
     * leader never got; the new leader's epoch 1 starts at 10 */
    ck_assert_int_eq(point(f1, 1, 15, 3, 0, 10, &off), 1);
    ck_assert_int_eq(off, 10);
    /* not to the high watermark even though it is lower */
    ck_assert_int_eq(point(f1, 1, 15, 2, 0, 10, &off), 1);
    ck_assert_int_eq(off, 10);
    /* the follower wrote epoch 1 the leader never had; the leader's epoch
     * 0 ended at 8 */
    sk_epoch_entry_t f2[] = {{0, 0}, {1, 10}};
    ck_assert_int_eq(point(f2, 2, 15, 15, 0, 8, &off), 1);
    ck_assert_int_eq(off, 8);
    /* fewer divergent records than the leader's new ones: the follower's
     * LEO (12) is below the leader's (30), the divergence still goes */
    ck_assert_int_eq(point(f2, 2, 12, 12, 0, 10, &off), 1);
    ck_assert_int_eq(off, 10);
    /* the leader answers the follower's own latest epoch, ending below the
     * follower's LEO */
    ck_assert_int_eq(point(f2, 2, 15, 0, 1, 13, &off), 1);
    ck_assert_int_eq(off, 13);
    /* ... or beyond it: never above the LEO */
    ck_assert_int_eq(point(f2, 2, 15, 0, 1, 40, &off), 1);
    ck_assert_int_eq(off, 15);
    /* KIP-279: the leader answers with an epoch the follower does not have
     * (1): cut to where the follower's largest epoch below it (0) ends and
     * ask again */
    sk_epoch_entry_t f3[] = {{0, 0}, {2, 10}};
    ck_assert_int_eq(point(f3, 2, 20, 0, 1, 12, &off), 0);
    ck_assert_int_eq(off, 10);
    /* second round: epoch 0 ends at 5 on the leader */
    ck_assert_int_eq(point(f3, 1, 10, 0, 0, 5, &off), 1);
    ck_assert_int_eq(off, 5);
    /* the leader knows nothing of the follower's epochs: the only fallback
     * is the high watermark (never above the LEO, never negative) */
    ck_assert_int_eq(point(f2, 2, 15, 7, -1, -1, &off), 1);
    ck_assert_int_eq(off, 7);
    ck_assert_int_eq(point(f2, 2, 15, 99, -1, -1, &off), 1);
    ck_assert_int_eq(off, 15);
    ck_assert_int_eq(point(f2, 2, 15, -1, -1, -1, &off), 1);
    ck_assert_int_eq(off, 0);
    /* an end offset without an epoch (old leaders): min(end, LEO) */
    ck_assert_int_eq(point(f2, 2, 15, 0, -1, 11, &off), 1);
    ck_assert_int_eq(off, 11);
    /* a follower without epochs takes the leader's end offset */
    ck_assert_int_eq(point(NULL, 0, 15, 0, 3, 9, &off), 1);
    ck_assert_int_eq(off, 9);
    /* an epoch that began at the follower's LEO without records (it led
     * briefly): the round cuts nothing but drops that epoch */
    sk_epoch_entry_t f4[] = {{0, 0}, {3, 20}};
    ck_assert_int_eq(point(f4, 2, 20, 0, 2, 20, &off), 0);
    ck_assert_int_eq(off, 20);
}
END_TEST

/* ---- randomized histories ----
 * Replicas hold logs of single-record batches (one epoch per offset) and
 * their epoch caches. In each leader epoch a leader is chosen, records its
 * epoch at its LEO (as a new leader does) and appends records; the other
 * replicas hold some prefix of the leader's log, as followers do. A record
 * is identified by (offset, epoch): only the leader of an epoch writes it.
 * The exchange must leave the follower with exactly the longest common
 * prefix of both logs. */

#define MAXLOG 400
#define NREP 3

typedef struct replica {
    int32_t ep[MAXLOG];
    int64_t leo;
    sk_epoch_cache_t *c;
} replica_t;

static uint32_t rng;
static uint32_t rnd(uint32_t n)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 8) % n;
}

static void rebuild_cache(replica_t *r)
{
    sk_epoch_cache_clear(r->c);
    for (int64_t o = 0; o < r->leo; o++)
        sk_epoch_cache_assign(r->c, r->ep[o], o);
}

static void truncate_replica(replica_t *r, int64_t off)
{
    if (off < r->leo)
        r->leo = off;
    sk_epoch_cache_truncate_from_end(r->c, off);
}

START_TEST(test_random_histories)
{
    rng = 12345u + (uint32_t)_i;
    for (int round = 0; round < 400; round++) {
        replica_t rep[NREP];
        for (int i = 0; i < NREP; i++) {
            rep[i].leo = 0;
            rep[i].c = sk_epoch_cache_new();
        }
        int32_t epochs = 2 + (int32_t)rnd(10);
        int last_leader = 0;
        for (int32_t e = 0; e < epochs; e++) {
            int l = (int)rnd(NREP);
            replica_t *L = &rep[l];
            sk_epoch_cache_assign(L->c, e, L->leo);
            int64_t add = rnd(4) == 0 ? 0 : 1 + rnd(8);
            for (int64_t k = 0; k < add && L->leo < MAXLOG; k++)
                L->ep[L->leo++] = e;
            for (int i = 0; i < NREP; i++) {
                if (i == l || rnd(3) == 0)
                    continue; /* this one missed the epoch */
                replica_t *F = &rep[i];
                F->leo = (int64_t)rnd((uint32_t)L->leo + 1);
                memcpy(F->ep, L->ep, (size_t)F->leo * sizeof(int32_t));
                rebuild_cache(F);
            }
            last_leader = l;
        }
        replica_t *L = &rep[last_leader];
        int fi = (last_leader + 1 + (int)rnd(NREP - 1)) % NREP;
        replica_t *F = &rep[fi];
        int64_t lcp = 0;
        while (lcp < F->leo && lcp < L->leo && F->ep[lcp] == L->ep[lcp])
            lcp++;
        int done = 0;
        for (int iter = 0; iter < 64 && !done; iter++) {
            if (F->leo == 0)
                break;
            int32_t asked = sk_epoch_cache_latest_epoch(F->c);
            int32_t le;
            int64_t lend, off;
            sk_epoch_cache_end_offset_for(L->c, asked, L->leo, &le, &lend);
            done = sk_epoch_truncation_point(F->c, F->leo, 0, le, lend, &off);
            truncate_replica(F, off);
            ck_assert_msg(done || sk_epoch_cache_latest_epoch(F->c) < asked,
                          "round %d: no progress at epoch %d", round, asked);
        }
        ck_assert_msg(F->leo == lcp, "round %d: follower ends at %lld, common prefix %lld", round,
                      (long long)F->leo, (long long)lcp);
        for (int i = 0; i < NREP; i++)
            sk_epoch_cache_free(rep[i].c);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("truncate");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_end_offset_lookup);
    tcase_add_test(tc, test_truncation_shapes);
    tcase_add_loop_test(tc, test_random_histories, 0, 5);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
