/* check_partition.c - the partition module (broker/replica/partition.h) on a bare
 * event_base with a fake clock and a real partition log: role changes, the
 * high watermark's rules, followers' progress and caught-up times, ISR
 * proposals, the follower's side (its truncation states among them), and
 * acks=all completions through the produce purgatory. */
#include "replica/partition.h"

#include <check.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "replica/purgatory.h"
#include "recbatch.h"

#define SELF 1

static int64_t fake_now;
static int64_t fake_clock(void) { return fake_now; }

static char tmpdir[256];
static struct event_base *base;
static sk_partition_env_t env;
static sk_topics_t *topics;
static sk_plog_t *plog;
static sk_partition_t *p;
static int stopping;

static const int32_t R3[] = {1, 2, 3};

static void setup(void)
{
    sk_log_set_level(SK_LOG_ERROR);
    fake_now = 5000;
    sk_clock_set_mono_source(fake_clock);
    strcpy(tmpdir, "/tmp/sk-check-partition-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    char dir[320];
    snprintf(dir, sizeof(dir), "%s/t-0", tmpdir);
    sk_plog_config_t cfg;
    sk_plog_config_defaults(&cfg);
    char err[256] = "";
    ck_assert_msg(sk_plog_open(dir, &cfg, NULL, 0, &plog, err, sizeof(err)) == SK_OK, "%s", err);

    base = event_base_new();
    topics = sk_topics_new();
    sk_topic_t *t = calloc(1, sizeof(*t));
    t->name = strdup("t");
    t->n_partitions = 1;
    t->partitions = calloc(1, sizeof(*t->partitions));
    t->config_keys = calloc(1, sizeof(char *));
    t->config_values = calloc(1, sizeof(char *));
    sk_partition_init(&t->partitions[0], t->name, 0);
    sk_topics_put(topics, t);
    p = sk_topics_partition(topics, "t", 1, 0);

    memset(&env, 0, sizeof(env));
    env.self = SELF;
    env.min_insync = 2;
    env.topics = topics;
    env.logs = NULL;
    env.produce = sk_purg_new(base, "produce");
    env.fetch = sk_purg_new(base, "fetch");
    env.meta = sk_purg_new(base, "topics");
    stopping = 0;
    env.stopping = &stopping;
}

static void teardown(void)
{
    sk_purg_free(env.produce);
    sk_purg_free(env.fetch);
    sk_purg_free(env.meta);
    sk_topics_free(topics);
    sk_plog_close(plog);
    sk_plog_rmtree(tmpdir);
    event_base_free(base);
    sk_clock_set_mono_source(NULL);
}

/* A batch of n records, ready for sk_plog_append (heap; the caller frees). */
static uint8_t *batch(int n, size_t *len)
{
    sk_record_in_t *r = calloc((size_t)n, sizeof(*r));
    for (int i = 0; i < n; i++) {
        r[i].timestamp = 1000 + i;
        r[i].key = "k";
        r[i].key_len = 1;
        r[i].value = "v";
        r[i].value_len = 1;
    }
    sk_wr_t w;
    sk_wr_init(&w);
    sk_batch_build(&w, 0, NULL, r, n);
    free(r);
    uint8_t *b = malloc(w.len);
    memcpy(b, w.buf, w.len);
    *len = w.len;
    sk_wr_free(&w);
    return b;
}

static void append(int n)
{
    size_t len;
    uint8_t *b = batch(n, &len);
    int64_t first, last;
    ck_assert_int_eq(sk_partition_append(&env, p, b, len, &first, &last), SK_OK);
    ck_assert_int_eq(last - first + 1, n);
    free(b);
}

/* Leader of t-0 in epoch with replicas 1,2,3 and the given ISR. */
static void lead(int32_t epoch, const int32_t *isr, int n_isr)
{
    int same = -1, was = -1;
    ck_assert_int_eq(sk_partition_set_state(&env, p, SELF, epoch, 10 + epoch, R3, 3, isr, n_isr,
                                            &same, &was), SK_KERR_NONE);
    if (!p->log)
        sk_partition_set_log(p, plog);
    sk_partition_become_leader(&env, p, was);
}

START_TEST(test_init)
{
    ck_assert_str_eq(p->topic, "t");
    ck_assert_int_eq(p->id, 0);
    ck_assert_int_eq(p->leader, -1);
    ck_assert_int_eq(p->leader_epoch, -1);
    ck_assert_int_eq(p->n_replicas, 0);
    ck_assert_int_eq(p->n_isr, 0);
    ck_assert_ptr_null(p->log);
    ck_assert(!sk_partition_is_leader(&env, p));
}
END_TEST

START_TEST(test_role_changes)
{
    int same, was;
    /* follower of 2 first */
    ck_assert_int_eq(sk_partition_set_state(&env, p, 2, 3, 7, R3, 3, R3, 3, &same, &was),
                     SK_KERR_NONE);
    ck_assert(!same && !was);
    sk_partition_set_log(p, plog);
    ck_assert_int_eq(p->leader, 2);
    ck_assert_int_eq(p->leader_epoch, 3);
    ck_assert_int_eq(p->zk_version, 7);
    ck_assert_int_eq(p->n_replicas, 3);
    ck_assert(!sk_partition_is_leader(&env, p));
    ck_assert_int_eq(sk_partition_replica_index(p, 3), 2);
    ck_assert_int_eq(sk_partition_replica_index(p, 9), -1);

    /* an older epoch changes nothing */
    ck_assert_int_eq(sk_partition_set_state(&env, p, SELF, 2, 8, R3, 3, R3, 1, &same, &was),
                     SK_KERR_STALE_CONTROLLER_EPOCH);
    ck_assert_int_eq(p->leader, 2);
    ck_assert_int_eq(p->n_isr, 3);

    /* leader in epoch 4: the epoch starts at the log end in the log */
    append(0 + 1); /* as a follower would have: stamped in epoch 3 */
    int64_t leo = sk_plog_end_offset(plog);
    ck_assert_int_eq(sk_partition_set_state(&env, p, SELF, 4, 9, R3, 3, R3, 3, &same, &was),
                     SK_KERR_NONE);
    ck_assert(!same && !was);
    sk_partition_become_leader(&env, p, was);
    ck_assert(sk_partition_is_leader(&env, p));
    ck_assert_int_eq(sk_plog_latest_epoch(plog), 4);
    int32_t e;
    int64_t end;
    sk_plog_end_offset_for_epoch(plog, 3, &e, &end);
    ck_assert_int_eq(e, 3);
    ck_assert_int_eq(end, leo);
    /* every follower starts caught up now */
    ck_assert_ptr_nonnull(p->replica_caught_up_ms);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(p->replica_caught_up_ms[i], fake_now);

    /* the same leadership again keeps the followers' progress */
    ck_assert_int_eq(sk_partition_follower_fetched(&env, p, 2, 1, leo), 1);
    ck_assert_int_eq(sk_partition_set_state(&env, p, SELF, 4, 9, R3, 3, R3, 3, &same, &was),
                     SK_KERR_NONE);
    ck_assert(same && was);
    ck_assert_ptr_nonnull(p->replica_leo);
    ck_assert_int_eq(p->replica_leo[1], 1);
    /* a new epoch forgets it, and a pending proposal */
    sk_partition_isr_proposed(p, 1, fake_now);
    ck_assert_int_eq(sk_partition_set_state(&env, p, SELF, 5, 11, R3, 3, R3, 3, &same, &was),
                     SK_KERR_NONE);
    ck_assert(!same && was);
    ck_assert_ptr_null(p->replica_leo);
    ck_assert_int_eq(p->isr_inflight, 0);

    /* UpdateMetadata: a partition with a log moves only with a newer epoch */
    const int32_t isr2[] = {1, 2};
    sk_partition_set_cached(&env, p, 3, 5, 12, R3, 3, isr2, 2);
    ck_assert_int_eq(p->leader, SELF);
    ck_assert_int_eq(p->n_isr, 2);
    sk_partition_set_cached(&env, p, 3, 4, 12, R3, 3, R3, 3); /* older: ignored */
    ck_assert_int_eq(p->n_isr, 2);

    /* StopReplica: no log, no leadership */
    sk_partition_stop(&env, p);
    ck_assert_ptr_null(p->log);
    ck_assert_int_eq(p->leader, -1);
    /* without the log, UpdateMetadata moves the cached leader */
    sk_partition_set_cached(&env, p, 3, 5, 13, R3, 3, R3, 3);
    ck_assert_int_eq(p->leader, 3);
    ck_assert_int_eq(p->zk_version, 13);
}
END_TEST

START_TEST(test_hw_rules)
{
    lead(1, R3, 3);
    ck_assert_int_eq(p->high_watermark, 0);
    append(5);
    /* followers not heard from: the HW stays */
    ck_assert_int_eq(p->high_watermark, 0);
    ck_assert_int_eq(sk_partition_follower_fetched(&env, p, 2, 5, 5), 1);
    ck_assert_int_eq(p->high_watermark, 0);
    ck_assert_int_eq(sk_partition_follower_fetched(&env, p, 3, 3, 5), 2);
    ck_assert_int_eq(p->high_watermark, 3); /* min over the ISR */
    /* a fetch from an older offset lowers neither the follower's LEO nor the HW */
    sk_partition_follower_fetched(&env, p, 3, 1, 5);
    ck_assert_int_eq(p->replica_leo[2], 3);
    ck_assert_int_eq(p->high_watermark, 3);
    /* not a replica */
    ck_assert_int_eq(sk_partition_follower_fetched(&env, p, 9, 5, 5), -1);
    ck_assert_int_eq(sk_partition_follower_fetched(&env, p, 3, 5, 5), 2);
    ck_assert_int_eq(p->high_watermark, 5);
    /* a follower outside the ISR does not hold the HW back */
    const int32_t isr12[] = {1, 2};
    ck_assert_int_eq(sk_partition_isr_apply(&env, p, 1, isr12, 2, 20), 1);
    append(4);
    ck_assert_int_eq(p->high_watermark, 5);
    sk_partition_follower_fetched(&env, p, 2, 9, 9);
    ck_assert_int_eq(p->high_watermark, 9);
    /* a lagging replica joining the ISR never moves the HW back */
    ck_assert_int_eq(sk_partition_isr_apply(&env, p, 1, R3, 3, 21), 1);
    ck_assert_int_eq(p->high_watermark, 9);
    /* an ISR of the leader alone: the HW follows the log end */
    const int32_t isr1[] = {1};
    ck_assert_int_eq(sk_partition_isr_apply(&env, p, 1, isr1, 1, 22), 1);
    append(2);
    ck_assert_int_eq(p->high_watermark, 11);
    /* not the leader: update_hw does nothing */
    int same, was;
    sk_partition_set_state(&env, p, 2, 2, 23, R3, 3, R3, 3, &same, &was);
    append(1);
    ck_assert_int_eq(p->high_watermark, 11);
}
END_TEST

START_TEST(test_follower_hw)
{
    int same, was;
    sk_partition_set_state(&env, p, 2, 1, 1, R3, 3, R3, 3, &same, &was);
    sk_partition_set_log(p, plog);
    for (int i = 0; i < 4; i++) { /* one batch per record: truncation keeps whole batches */
        size_t len;
        uint8_t *b = batch(1, &len);
        int64_t first, last;
        ck_assert_int_eq(sk_plog_append(plog, b, len, 1, &first, &last), SK_OK);
        free(b);
    }
    /* the leader's HW, bounded by our log end, forward only */
    sk_partition_follower_hw(&env, p, 2);
    ck_assert_int_eq(p->high_watermark, 2);
    sk_partition_follower_hw(&env, p, 100);
    ck_assert_int_eq(p->high_watermark, 4);
    sk_partition_follower_hw(&env, p, 1);
    ck_assert_int_eq(p->high_watermark, 4);
    /* truncation below the HW clamps it */
    ck_assert_int_eq(sk_plog_truncate_to(plog, 3), SK_OK);
    sk_partition_clamp_hw(&env, p);
    ck_assert_int_eq(p->high_watermark, 3);
    /* the log restarted at the leader's log start */
    ck_assert_int_eq(sk_plog_truncate_fully(plog, 50), SK_OK);
    sk_partition_log_restarted(&env, p, 50);
    ck_assert_int_eq(p->high_watermark, 50);
}
END_TEST

#define NEEDS SK_TRUNC_NEEDS_TRUNCATION
#define TRUNCATING SK_TRUNC_TRUNCATING
#define FETCHING SK_TRUNC_FETCHING

START_TEST(test_truncation_table)
{
    /* exactly the transitions of partition.h's table */
    static const int want[SK_TRUNC_N_STATES][SK_TRUNC_N_STATES] = {
        [NEEDS] = {[TRUNCATING] = 1, [FETCHING] = 1},
        [TRUNCATING] = {[NEEDS] = 1, [FETCHING] = 1},
        [FETCHING] = {[NEEDS] = 1},
    };
    for (int from = 0; from < SK_TRUNC_N_STATES; from++)
        for (int to = 0; to < SK_TRUNC_N_STATES; to++)
            ck_assert_msg(sk_trunc_state_allowed(from, to) == want[from][to], "%s -> %s",
                          sk_trunc_state_name(from), sk_trunc_state_name(to));
    ck_assert(!sk_trunc_state_allowed(NEEDS, SK_TRUNC_N_STATES));
    ck_assert(!sk_trunc_state_allowed((sk_trunc_state_t)-1, FETCHING));
    ck_assert_str_eq(sk_trunc_state_name(NEEDS), "NEEDS_TRUNCATION");
    ck_assert_str_eq(sk_trunc_state_name(TRUNCATING), "TRUNCATING");
    ck_assert_str_eq(sk_trunc_state_name(FETCHING), "FETCHING");
    ck_assert_str_eq(sk_trunc_state_name(SK_TRUNC_N_STATES), "?");
}
END_TEST

START_TEST(test_truncation_states)
{
    int same, was;
    /* a fresh partition, and a new follower, need truncation first */
    ck_assert_int_eq(p->trunc_state, NEEDS);
    sk_partition_set_state(&env, p, 2, 1, 1, R3, 3, R3, 3, &same, &was);
    sk_partition_set_log(p, plog);
    ck_assert_int_eq(p->trunc_state, NEEDS);
    /* refused transitions change nothing */
    ck_assert_int_eq(sk_partition_set_trunc(p, NEEDS, "test"), SK_ESTATE);
    ck_assert_int_eq(p->trunc_state, NEEDS);
    /* OffsetForLeaderEpoch asked, answered: fetching */
    ck_assert_int_eq(sk_partition_set_trunc(p, TRUNCATING, "test"), SK_OK);
    ck_assert_int_eq(sk_partition_set_trunc(p, TRUNCATING, "test"), SK_ESTATE);
    ck_assert_int_eq(p->trunc_state, TRUNCATING);
    ck_assert_int_eq(sk_partition_set_trunc(p, FETCHING, "test"), SK_OK);
    ck_assert_int_eq(sk_partition_set_trunc(p, TRUNCATING, "test"), SK_ESTATE);
    ck_assert_int_eq(sk_partition_set_trunc(p, FETCHING, "test"), SK_ESTATE);
    ck_assert_int_eq(p->trunc_state, FETCHING);
    /* the same leadership again (LeaderAndIsr, UpdateMetadata): still fetching */
    sk_partition_set_state(&env, p, 2, 1, 2, R3, 3, R3, 2, &same, &was);
    ck_assert(same);
    sk_partition_set_cached(&env, p, 2, 1, 2, R3, 3, R3, 3);
    ck_assert_int_eq(p->trunc_state, FETCHING);
    sk_partition_set_log(p, plog);
    ck_assert_int_eq(p->trunc_state, FETCHING);
    /* a new leader epoch (LeaderAndIsr): checked again */
    sk_partition_set_state(&env, p, 2, 2, 3, R3, 3, R3, 3, &same, &was);
    ck_assert_int_eq(p->trunc_state, NEEDS);
    /* an empty log goes straight to fetching */
    ck_assert_int_eq(sk_partition_set_trunc(p, FETCHING, "test"), SK_OK);
    /* a newer epoch from UpdateMetadata, while truncating too */
    sk_partition_set_cached(&env, p, 3, 3, 4, R3, 3, R3, 3);
    ck_assert_int_eq(p->trunc_state, NEEDS);
    ck_assert_int_eq(sk_partition_set_trunc(p, TRUNCATING, "test"), SK_OK);
    sk_partition_set_state(&env, p, 2, 4, 5, R3, 3, R3, 3, &same, &was);
    ck_assert_int_eq(p->trunc_state, NEEDS);
    /* another log, or none */
    ck_assert_int_eq(sk_partition_set_trunc(p, FETCHING, "test"), SK_OK);
    sk_partition_set_log(p, NULL);
    ck_assert_int_eq(p->trunc_state, NEEDS);
    sk_partition_set_log(p, plog);
    ck_assert_int_eq(p->trunc_state, NEEDS);
    /* StopReplica */
    ck_assert_int_eq(sk_partition_set_trunc(p, TRUNCATING, "test"), SK_OK);
    sk_partition_stop(&env, p);
    ck_assert_int_eq(p->trunc_state, NEEDS);
    /* a fetch out of range: back from fetching */
    sk_partition_set_log(p, plog);
    ck_assert_int_eq(sk_partition_set_trunc(p, FETCHING, "test"), SK_OK);
    ck_assert_int_eq(sk_partition_set_trunc(p, NEEDS, "test"), SK_OK);
    /* an answer that settles nothing: asked again */
    ck_assert_int_eq(sk_partition_set_trunc(p, TRUNCATING, "test"), SK_OK);
    ck_assert_int_eq(sk_partition_set_trunc(p, NEEDS, "test"), SK_OK);
    ck_assert_int_eq(p->trunc_state, NEEDS);
}
END_TEST

START_TEST(test_isr_proposals_and_caught_up)
{
    lead(2, R3, 3);
    /* caught-up times: set when a fetch reaches the leader's log end */
    append(3);
    fake_now += 700;
    sk_partition_follower_fetched(&env, p, 2, 3, 3);
    sk_partition_follower_fetched(&env, p, 3, 1, 3);
    ck_assert_int_eq(p->replica_caught_up_ms[1], fake_now);
    ck_assert_int_eq(p->replica_caught_up_ms[2], fake_now - 700);
    /* one proposal in flight */
    ck_assert_int_eq(p->isr_inflight, 0);
    sk_partition_isr_proposed(p, 1, fake_now);
    ck_assert_int_eq(p->isr_inflight, 1);
    sk_partition_isr_answered(p);
    ck_assert_int_eq(p->isr_inflight, 0);
    /* a proposal to a controller that is gone is given up, and its joiner
     * stops holding the HW (a controller shutting down never answered it:
     * acks=all stalled, test_controlled_shutdown test_sigterm_controller) */
    sk_partition_isr_proposed(p, 1, fake_now);
    sk_partition_isr_joining(p, 3);
    ck_assert_int_eq(sk_partition_isr_expire(&env, p, 1, fake_now + 10, 5000), 0);
    ck_assert_int_eq(p->isr_inflight, 1);
    ck_assert_int_eq(sk_partition_isr_expire(&env, p, 2, fake_now + 10, 5000), 1);
    ck_assert_int_eq(p->isr_inflight, 0);
    ck_assert_int_eq(p->has_joining, 0);
    /* ... and so is one left unanswered past the timeout */
    sk_partition_isr_proposed(p, 1, fake_now);
    ck_assert_int_eq(sk_partition_isr_expire(&env, p, 1, fake_now + 4999, 5000), 0);
    ck_assert_int_eq(sk_partition_isr_expire(&env, p, 1, fake_now + 5000, 5000), 1);
    /* a joiner the controller refused is not proposed again before the backoff */
    sk_partition_isr_refused(p, 3, fake_now + 1000);
    ck_assert(sk_partition_isr_refused_now(p, 3, fake_now + 999));
    ck_assert(!sk_partition_isr_refused_now(p, 2, fake_now + 999));
    ck_assert(!sk_partition_isr_refused_now(p, 3, fake_now + 1000));
    /* accepted in another leader epoch: not applied */
    const int32_t isr12[] = {1, 2};
    ck_assert_int_eq(sk_partition_isr_apply(&env, p, 1, isr12, 2, 40), 0);
    ck_assert_int_eq(p->n_isr, 3);
    ck_assert_int_eq(sk_partition_isr_apply(&env, p, 2, isr12, 2, 40), 1);
    ck_assert_int_eq(p->n_isr, 2);
    ck_assert(sk_partition_in_isr(p, 2) && !sk_partition_in_isr(p, 3));
    ck_assert_int_eq(p->zk_version, 40);
    ck_assert_int_eq(p->high_watermark, 3); /* replica 3 no longer holds it back */
    /* min.insync.replicas: the broker's, or the topic's override */
    ck_assert_int_eq(sk_partition_min_insync(&env, p), 2);
    sk_topic_t *t = sk_topics_find(topics, "t", 1);
    t->config_keys[0] = strdup("min.insync.replicas");
    t->config_values[0] = strdup(" 3 ");
    t->n_configs = 1;
    ck_assert_int_eq(sk_partition_min_insync(&env, p), 3);
    /* a value the topic key table refuses: the broker's */
    const char *bad[] = {"0", "-1", "3x", "2147483648"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        free(t->config_values[0]);
        t->config_values[0] = strdup(bad[i]);
        ck_assert_msg(sk_partition_min_insync(&env, p) == 2, "min.insync.replicas=%s", bad[i]);
    }
    /* not the leader any more: nothing applies */
    int same, was;
    sk_partition_set_state(&env, p, 2, 3, 41, R3, 3, R3, 3, &same, &was);
    ck_assert_int_eq(sk_partition_isr_apply(&env, p, 3, isr12, 2, 42), 0);
    ck_assert_int_eq(p->n_isr, 3);
}
END_TEST

/* acks=all through the produce purgatory */
static int16_t acked_kerr;
static int acked_calls;
static void acked_done(int16_t kerr, void *arg)
{
    (void)arg;
    acked_kerr = kerr;
    acked_calls++;
}

static void run_loop(void)
{
    event_base_loop(base, EVLOOP_NONBLOCK);
}

START_TEST(test_acked_append)
{
    lead(1, R3, 3);
    acked_calls = 0;
    size_t len;
    uint8_t *b = batch(2, &len);
    ck_assert_int_eq(sk_partition_append_acked(&env, "t", 0, b, len, 30000, acked_done, NULL),
                     SK_KERR_NONE);
    free(b);
    /* never answered from inside the caller */
    ck_assert_int_eq(acked_calls, 0);
    run_loop();
    ck_assert_int_eq(acked_calls, 0); /* the followers do not have it */
    sk_partition_follower_fetched(&env, p, 2, 2, 2);
    run_loop();
    ck_assert_int_eq(acked_calls, 0);
    sk_partition_follower_fetched(&env, p, 3, 2, 2);
    ck_assert_int_eq(acked_calls, 0);
    run_loop();
    ck_assert_int_eq(acked_calls, 1);
    ck_assert_int_eq(acked_kerr, SK_KERR_NONE);

    /* committed after the ISR fell below min.insync.replicas */
    b = batch(1, &len);
    ck_assert_int_eq(sk_partition_append_acked(&env, "t", 0, b, len, 30000, acked_done, NULL),
                     SK_KERR_NONE);
    free(b);
    const int32_t isr1[] = {1};
    sk_partition_isr_apply(&env, p, 1, isr1, 1, 5);
    run_loop();
    ck_assert_int_eq(acked_calls, 2);
    ck_assert_int_eq(acked_kerr, SK_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND);

    /* timeout, by the fake clock */
    sk_partition_isr_apply(&env, p, 1, R3, 3, 6);
    b = batch(1, &len);
    ck_assert_int_eq(sk_partition_append_acked(&env, "t", 0, b, len, 1000, acked_done, NULL),
                     SK_KERR_NONE);
    free(b);
    run_loop();
    ck_assert_int_eq(acked_calls, 2);
    fake_now += 1000;
    ck_assert_int_eq(sk_purg_expire(env.produce), 1);
    ck_assert_int_eq(acked_calls, 3);
    ck_assert_int_eq(acked_kerr, SK_KERR_REQUEST_TIMED_OUT);

    /* leadership lost while waiting */
    b = batch(1, &len);
    ck_assert_int_eq(sk_partition_append_acked(&env, "t", 0, b, len, 30000, acked_done, NULL),
                     SK_KERR_NONE);
    int same, was;
    sk_partition_set_state(&env, p, 2, 2, 7, R3, 3, R3, 3, &same, &was);
    run_loop();
    ck_assert_int_eq(acked_calls, 4);
    ck_assert_int_eq(acked_kerr, SK_KERR_NOT_LEADER_OR_FOLLOWER);
    /* refused at once: not the leader, unknown partition, stopping */
    ck_assert_int_eq(sk_partition_append_acked(&env, "t", 0, b, len, 30000, acked_done, NULL),
                     SK_KERR_NOT_LEADER_OR_FOLLOWER);
    ck_assert_int_eq(sk_partition_append_acked(&env, "t", 5, b, len, 30000, acked_done, NULL),
                     SK_KERR_UNKNOWN_TOPIC_OR_PARTITION);
    lead(3, R3, 3);
    stopping = 1;
    ck_assert_int_eq(sk_partition_append_acked(&env, "t", 0, b, len, 30000, acked_done, NULL),
                     SK_KERR_NOT_LEADER_OR_FOLLOWER);
    free(b);
    ck_assert_int_eq(acked_calls, 4);
}
END_TEST

/* The campaign's loss (issue 13): an acks=all append waits; the broker
 * becomes a follower (its tail may be truncated) and leader again under a
 * newer epoch before the wait is looked at; the HW then passes the old
 * offsets, which now hold other records. The wait must not be answered as
 * stored. */
START_TEST(test_ack_bound_to_leader_epoch)
{
    lead(1, R3, 3);
    acked_calls = 0;
    size_t len;
    uint8_t *b = batch(1, &len);
    ck_assert_int_eq(sk_partition_append_acked(&env, "t", 0, b, len, 30000, acked_done, NULL),
                     SK_KERR_NONE);
    free(b);
    int64_t required = sk_plog_end_offset(plog);
    /* away and back within one loop turn (the wake is deferred) */
    int same, was;
    sk_partition_set_state(&env, p, 2, 2, 12, R3, 3, R3, 3, &same, &was);
    lead(3, R3, 3);
    sk_partition_follower_fetched(&env, p, 2, required, required);
    sk_partition_follower_fetched(&env, p, 3, required, required);
    ck_assert(p->high_watermark >= required);
    run_loop();
    ck_assert_int_eq(acked_calls, 1);
    ck_assert_int_eq(acked_kerr, SK_KERR_NOT_LEADER_OR_FOLLOWER);
    /* the status itself: the same offsets under the current epoch are fine */
    int16_t kerr = -1;
    ck_assert_int_eq(sk_partition_ack_status(&env, "t", 1, 0, required, 1, &kerr), 1);
    ck_assert_int_eq(kerr, SK_KERR_NOT_LEADER_OR_FOLLOWER);
    ck_assert_int_eq(sk_partition_ack_status(&env, "t", 1, 0, required, 3, &kerr), 1);
    ck_assert_int_eq(kerr, SK_KERR_NONE);
}
END_TEST

/* A fetch-like wait: woken by appends and HW moves of its partition. */
static int fetch_tries;
static int fetch_try(void *arg, sk_purg_why_t why)
{
    (void)arg;
    fetch_tries++;
    return why != SK_PURG_WOKEN;
}

START_TEST(test_wakes_fetch_waits)
{
    lead(1, R3, 3);
    fetch_tries = 0;
    sk_purg_op_t *op = sk_purg_add(env.fetch, 100000, fetch_try, NULL);
    sk_purg_watch(op, sk_purg_key("t", 1, 0));
    append(1); /* an append wakes it, the HW stays */
    ck_assert_int_eq(fetch_tries, 0);
    run_loop();
    ck_assert_int_eq(fetch_tries, 1);
    sk_partition_follower_fetched(&env, p, 2, 1, 1);
    run_loop();
    ck_assert_int_eq(fetch_tries, 1); /* no HW move, nothing new */
    sk_partition_follower_fetched(&env, p, 3, 1, 1);
    run_loop();
    ck_assert_int_eq(fetch_tries, 2); /* the HW moved */
    sk_purg_flush(env.fetch);
    ck_assert_int_eq(fetch_tries, 3);
}
END_TEST

START_TEST(test_wakes_topic_waits)
{
    fetch_tries = 0;
    sk_purg_op_t *op = sk_purg_add(env.meta, 100000, fetch_try, NULL);
    sk_purg_watch(op, sk_purg_key("t", 1, -1));
    /* a leader from UpdateMetadata */
    sk_partition_set_cached(&env, p, 2, 1, 1, R3, 3, R3, 3);
    run_loop();
    ck_assert_int_eq(fetch_tries, 1);
    /* with a log here and no newer epoch, the leadership stays: no wake */
    sk_partition_set_log(p, plog);
    sk_partition_set_cached(&env, p, 2, 1, 1, R3, 3, R3, 3);
    run_loop();
    ck_assert_int_eq(fetch_tries, 1);
    /* LeaderAndIsr */
    lead(2, R3, 3);
    run_loop();
    ck_assert_int_eq(fetch_tries, 2);
    /* the topic goes */
    sk_partition_forget_topic(&env, "t");
    p = NULL;
    run_loop();
    ck_assert_int_eq(fetch_tries, 3);
    ck_assert_ptr_null(sk_topics_find(topics, "t", 1));
    sk_purg_flush(env.meta);
}
END_TEST

/* DeleteRecords: the leader's rules, the low watermark over the ISR, the
 * follower's side. */
START_TEST(test_delete_records)
{
    int64_t req = 0, low = 0;
    int16_t kerr = -1;
    /* not the leader */
    ck_assert_int_eq(sk_partition_delete_records(&env, p, 0, &req), SK_KERR_NOT_LEADER_OR_FOLLOWER);
    lead(1, R3, 3);
    append(10);
    sk_partition_follower_fetched(&env, p, 2, 10, 10);
    sk_partition_follower_fetched(&env, p, 3, 6, 10);
    ck_assert_int_eq(p->high_watermark, 6);
    /* above the HW, or negative other than -1: refused, nothing moves */
    ck_assert_int_eq(sk_partition_delete_records(&env, p, 7, &req), SK_KERR_OFFSET_OUT_OF_RANGE);
    ck_assert_int_eq(sk_partition_delete_records(&env, p, -2, &req),
                     SK_KERR_OFFSET_OUT_OF_RANGE);
    ck_assert_int_eq(sk_plog_start_offset(plog), 0);
    /* followers' log starts not known yet: the low watermark is unknown */
    ck_assert_int_eq(sk_partition_delete_records(&env, p, 4, &req), SK_KERR_NONE);
    ck_assert_int_eq(req, 4);
    ck_assert_int_eq(sk_plog_start_offset(plog), 4);
    ck_assert_int_eq(sk_partition_low_watermark(&env, p), -1);
    ck_assert_int_eq(sk_partition_delete_status(&env, "t", 1, 0, 4, &kerr, &low), 0);
    /* the followers report theirs */
    sk_partition_follower_log_start(&env, p, 1, 4);
    ck_assert_int_eq(sk_partition_delete_status(&env, "t", 1, 0, 4, &kerr, &low), 0);
    sk_partition_follower_log_start(&env, p, 2, 5);
    ck_assert_int_eq(sk_partition_delete_status(&env, "t", 1, 0, 4, &kerr, &low), 1);
    ck_assert_int_eq(kerr, SK_KERR_NONE);
    ck_assert_int_eq(low, 4); /* the smallest over the ISR */
    /* -1 is the HW; an offset below the log start moves nothing */
    ck_assert_int_eq(sk_partition_delete_records(&env, p, SK_DELETE_RECORDS_HW, &req),
                     SK_KERR_NONE);
    ck_assert_int_eq(req, 6);
    ck_assert_int_eq(sk_plog_start_offset(plog), 6);
    ck_assert_int_eq(sk_partition_delete_records(&env, p, 2, &req), SK_KERR_NONE);
    ck_assert_int_eq(sk_plog_start_offset(plog), 6);
    /* a follower outside the ISR does not hold it back */
    const int32_t isr12[] = {1, 2};
    sk_partition_follower_log_start(&env, p, 1, 6);
    ck_assert_int_eq(sk_partition_delete_status(&env, "t", 1, 0, 6, &kerr, &low), 0);
    ck_assert_int_eq(sk_partition_isr_apply(&env, p, 1, isr12, 2, 20), 1);
    ck_assert_int_eq(sk_partition_delete_status(&env, "t", 1, 0, 6, &kerr, &low), 1);
    ck_assert_int_eq(low, 6);
    /* bad replica indexes and unknown starts are ignored */
    sk_partition_follower_log_start(&env, p, 7, 100);
    sk_partition_follower_log_start(&env, p, 1, -1);
    ck_assert_int_eq(sk_partition_low_watermark(&env, p), 6);
    /* leadership lost: NOT_LEADER_OR_FOLLOWER; as follower the leader's start is taken,
     * bounded by the log end */
    int same, was;
    sk_partition_set_state(&env, p, 2, 2, 23, R3, 3, R3, 3, &same, &was);
    ck_assert_int_eq(sk_partition_delete_status(&env, "t", 1, 0, 6, &kerr, &low), 1);
    ck_assert_int_eq(kerr, SK_KERR_NOT_LEADER_OR_FOLLOWER);
    ck_assert_int_eq(sk_partition_low_watermark(&env, p), -1);
    sk_partition_leader_log_start(&env, p, 8);
    ck_assert_int_eq(sk_plog_start_offset(plog), 8);
    sk_partition_leader_log_start(&env, p, 7); /* never back */
    ck_assert_int_eq(sk_plog_start_offset(plog), 8);
    sk_partition_leader_log_start(&env, p, 50);
    ck_assert_int_eq(sk_plog_start_offset(plog), 10);
}
END_TEST

static Suite *partition_suite(void)
{
    Suite *s = suite_create("partition");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_init);
    tcase_add_test(tc, test_role_changes);
    tcase_add_test(tc, test_hw_rules);
    tcase_add_test(tc, test_follower_hw);
    tcase_add_test(tc, test_truncation_table);
    tcase_add_test(tc, test_truncation_states);
    tcase_add_test(tc, test_isr_proposals_and_caught_up);
    tcase_add_test(tc, test_acked_append);
    tcase_add_test(tc, test_ack_bound_to_leader_epoch);
    tcase_add_test(tc, test_wakes_fetch_waits);
    tcase_add_test(tc, test_wakes_topic_waits);
    tcase_add_test(tc, test_delete_records);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(partition_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
