/* check_zkfault.c - every ZooKeeper completion under every return code the C
 * client can deliver (issue 13, part 1), against a real ZooKeeper server
 * (tests/unit/zk_fixture.c) with the bridge's fault injection
 * (sk_zk_fault_set). Built with ASan+UBSan by the test command, so a bad
 * read of a missing result array, a double callback or a leak fails here.
 *
 *  - the bridge: each operation kind, each code, injected before sending and
 *    after (the write happened, its answer was lost): one callback, with the
 *    code, no stat, and for a multi per-op results exactly when the server
 *    evaluated it;
 *  - the controller election, the broker's registration and the controller's
 *    partition-state writes (the crash of issue 13: a multi completing with
 *    ZSESSIONEXPIRED and no per-op results) meet each code and still reach
 *    their goal once the fault is gone. */
#include "zk.h"

#include <check.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "conf.h"
#include "controller.h"
#include "election.h"
#include "kerr.h"
#include "log.h"
#include "zk_fixture.h"
#include "zkbroker.h"
#include "znode.h"
#include "zktopics.h"

/* See check_zk.c: libzookeeper_mt's own allocations on close. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libzookeeper_mt.so\n";
}

static const int codes[] = {ZSESSIONEXPIRED, ZCONNECTIONLOSS, ZCLOSING,  ZOPERATIONTIMEOUT,
                            ZNONODE,         ZNODEEXISTS,     ZBADVERSION};
#define N_CODES ((int)(sizeof(codes) / sizeof(codes[0])))

#define RUN_UNTIL(cond, ms) SK_ZKFIX_RUN_UNTIL(cond, ms)
#define base sk_zkfix_base
#define zkf sk_zkfix_server

static int sess_connected;
static void sess_cb(sk_zk_event_t ev, void *arg)
{
    (void)arg;
    if (ev == SK_ZK_CONNECTED)
        sess_connected++;
}

static sk_zk_t *open_zk(const char *chroot)
{
    char err[256] = "", connect[160];
    snprintf(connect, sizeof(connect), "%s%s", zkf.hostport, chroot);
    sk_zk_t *zk = NULL;
    sess_connected = 0;
    ck_assert_int_eq(sk_zk_open(base, connect, 6000, sess_cb, NULL, &zk, err, sizeof(err)),
                     SK_OK);
    RUN_UNTIL(sess_connected > 0, 15000);
    ck_assert_msg(sk_zk_connected(zk), "no session");
    return zk;
}

/* ---- the bridge ---- */

typedef struct {
    int calls, rc, has_stat, has_data, count, n, have_rcs;
    int rcs[4];
} res_t;

static void on_data(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)len;
    res_t *r = arg;
    r->calls++;
    r->rc = rc;
    r->has_stat = st != NULL;
    r->has_data = data != NULL;
}

static void on_strings(int rc, char **names, int count, const struct Stat *st, void *arg)
{
    (void)names;
    res_t *r = arg;
    r->calls++;
    r->rc = rc;
    r->count = count;
    r->has_stat = st != NULL;
}

static void on_create(int rc, const char *path, void *arg)
{
    res_t *r = arg;
    r->calls++;
    r->rc = rc;
    r->has_data = path != NULL;
}

static void on_void(int rc, void *arg)
{
    res_t *r = arg;
    r->calls++;
    r->rc = rc;
}

static void on_multi(int rc, const int *op_rcs, int n, void *arg)
{
    res_t *r = arg;
    r->calls++;
    r->rc = rc;
    r->n = n;
    r->have_rcs = op_rcs != NULL;
    for (int i = 0; op_rcs && i < n && i < 4; i++)
        r->rcs[i] = op_rcs[i];
}

static int watch_fired;
static void on_watch(int type, const char *path, void *arg)
{
    (void)type;
    (void)path;
    (void)arg;
    watch_fired++;
}

static int evaluated(int rc)
{
    return rc == ZNONODE || rc == ZNODEEXISTS || rc == ZBADVERSION;
}

/* Issue one operation of kind k on /f/node (which exists) under the fault. */
static void issue(sk_zk_t *zk, int k, res_t *r)
{
    switch (k) {
    case 0:
        sk_zk_get(zk, "/f/node", on_watch, &watch_fired, on_data, r);
        break;
    case 1:
        sk_zk_children(zk, "/f", on_watch, &watch_fired, on_strings, r);
        break;
    case 2:
        sk_zk_exists(zk, "/f/node", on_watch, &watch_fired, on_data, r);
        break;
    case 3:
        sk_zk_create(zk, "/f/new", "x", 1, 0, on_create, r);
        break;
    case 4:
        sk_zk_set(zk, "/f/node", "y", 1, -1, on_data, r);
        break;
    case 5:
        sk_zk_delete(zk, "/f/new", -1, on_void, r);
        break;
    default: {
        sk_zk_multi_t *m = sk_zk_multi_new();
        sk_zk_multi_check(m, "/f/node", -1);
        sk_zk_multi_set(m, "/f/node", "z", 1, -1);
        sk_zk_multi_run(zk, m, on_multi, r);
        break;
    }
    }
}

START_TEST(test_bridge_every_code)
{
    sk_zk_t *zk = open_zk("/bridge");
    res_t r = {0};
    sk_zk_create(zk, "/f", NULL, -1, 0, on_create, &r);
    sk_zk_create(zk, "/f/node", "v", 1, 0, on_create, &r);
    RUN_UNTIL(r.calls == 2, 10000);
    ck_assert_int_eq(r.rc, ZOK);
    for (int after = 0; after <= 1; after++)
        for (int k = 0; k < 7; k++)
            for (int c = 0; c < N_CODES; c++) {
                int code = codes[c];
                sk_zk_fault_t f = {.rc = code, .count = 1, .after = after, .multi_op = 1};
                sk_zk_fault_set(zk, &f);
                memset(&r, 0, sizeof(r));
                issue(zk, k, &r);
                ck_assert_int_eq(r.calls, 0); /* never from inside the call */
                RUN_UNTIL(r.calls > 0, 10000);
                /* one more turn: a second callback would show here */
                event_base_loop(base, EVLOOP_NONBLOCK);
                ck_assert_msg(r.calls == 1, "kind %d code %d after %d: %d callbacks", k, code,
                              after, r.calls);
                ck_assert_int_eq(r.rc, code);
                ck_assert_int_eq(sk_zk_fault_hits(zk), 1);
                ck_assert(!r.has_stat);
                if (k == 0 || k == 2)
                    ck_assert(!r.has_data);
                if (k == 1)
                    ck_assert_int_eq(r.count, 0);
                if (k == 6) {
                    if (evaluated(code)) {
                        ck_assert(r.have_rcs);
                        ck_assert_int_eq(r.n, 2);
                        ck_assert_int_eq(r.rcs[0], ZOK);
                        ck_assert_int_eq(r.rcs[1], code);
                    } else {
                        ck_assert_msg(!r.have_rcs && r.n == 0,
                                      "code %d: a multi that was not evaluated has per-op "
                                      "results (n %d)",
                                      code, r.n);
                    }
                }
                sk_zk_fault_set(zk, NULL);
                /* whatever the real op did: clean up for the next round */
                res_t d = {0};
                sk_zk_delete(zk, "/f/new", -1, on_void, &d);
                RUN_UNTIL(d.calls == 1, 10000);
            }
    /* Watches of faulted reads never fire, even though the library set them
     * in "after" mode: change everything they watched. */
    watch_fired = 0;
    memset(&r, 0, sizeof(r));
    sk_zk_set(zk, "/f/node", "w", 1, -1, on_data, &r);
    sk_zk_create(zk, "/f/other", NULL, -1, 0, on_create, &r);
    RUN_UNTIL(r.calls == 2, 10000);
    RUN_UNTIL(0, 300);
    ck_assert_int_eq(watch_fired, 0);
    /* A multi that really ran reports its per-op results. */
    memset(&r, 0, sizeof(r));
    sk_zk_multi_t *m = sk_zk_multi_new();
    sk_zk_multi_check(m, "/f/node", 0);
    sk_zk_multi_set(m, "/f/node", "z", 1, -1);
    sk_zk_multi_run(zk, m, on_multi, &r);
    RUN_UNTIL(r.calls == 1, 10000);
    ck_assert_int_eq(r.rc, ZBADVERSION);
    ck_assert(r.have_rcs);
    ck_assert_int_eq(r.n, 2);
    ck_assert_int_eq(r.rcs[0], ZBADVERSION);
    /* A path filter leaves other paths alone. */
    sk_zk_fault_t f = {.rc = ZCONNECTIONLOSS, .count = -1, .path_prefix = "/f/other"};
    sk_zk_fault_set(zk, &f);
    memset(&r, 0, sizeof(r));
    sk_zk_get(zk, "/f/node", NULL, NULL, on_data, &r);
    RUN_UNTIL(r.calls == 1, 10000);
    ck_assert_int_eq(r.rc, ZOK);
    ck_assert_int_eq(sk_zk_fault_hits(zk), 0);
    sk_zk_close(zk);
}
END_TEST

START_TEST(test_rc_class)
{
    ck_assert_int_eq(sk_zk_rc_class(ZOK), SK_ZK_RC_OK);
    ck_assert_int_eq(sk_zk_rc_class(ZCONNECTIONLOSS), SK_ZK_RC_TRANSIENT);
    ck_assert_int_eq(sk_zk_rc_class(ZOPERATIONTIMEOUT), SK_ZK_RC_TRANSIENT);
    ck_assert_int_eq(sk_zk_rc_class(ZSESSIONEXPIRED), SK_ZK_RC_SESSION);
    ck_assert_int_eq(sk_zk_rc_class(ZCLOSING), SK_ZK_RC_SESSION);
    ck_assert_int_eq(sk_zk_rc_class(ZINVALIDSTATE), SK_ZK_RC_SESSION);
    ck_assert_int_eq(sk_zk_rc_class(ZNONODE), SK_ZK_RC_ANSWER);
    ck_assert_int_eq(sk_zk_rc_class(ZBADVERSION), SK_ZK_RC_ANSWER);
}
END_TEST

/* ---- the election ---- */

typedef struct {
    int became, resigned;
    int32_t epoch, zkversion;
} elect_t;

static void el_became(int32_t epoch, int32_t zkv, void *arg)
{
    elect_t *e = arg;
    e->became++;
    e->epoch = epoch;
    e->zkversion = zkv;
}
static void el_resigned(void *arg)
{
    ((elect_t *)arg)->resigned++;
}
static void el_changed(int32_t id, void *arg)
{
    (void)id;
    (void)arg;
}

START_TEST(test_election_every_code)
{
    for (int c = 0; c < N_CODES; c++) {
        char chroot[64];
        snprintf(chroot, sizeof(chroot), "/elect%d", c);
        sk_zk_t *zk = open_zk(chroot);
        elect_t st = {0};
        sk_election_cbs_t cbs = {el_became, el_resigned, el_changed};
        sk_election_t *e = sk_election_new(zk, 7, &cbs, &st);
        /* The first three operations of the race fail (after mode: the
         * writes among them may have happened). */
        sk_zk_fault_t f = {.rc = codes[c], .count = 3, .after = c % 2, .multi_op = -1};
        sk_zk_fault_set(zk, &f);
        sk_election_start(e);
        RUN_UNTIL(st.became > 0, 4000);
        ck_assert(sk_zk_fault_hits(zk) >= 2);
        if (!st.became) {
            ck_assert_msg(sk_zk_rc_class(codes[c]) == SK_ZK_RC_SESSION,
                          "code %d: no controller elected", codes[c]);
            sk_zk_fault_set(zk, NULL);
            /* A lost session is the session event's to repair: do what the
             * broker does on SK_ZK_EXPIRED_NEW_SESSION. */
            sk_election_session_expired(e);
            sk_election_start(e);
            RUN_UNTIL(st.became > 0, 10000);
        }
        ck_assert_msg(st.became == 1, "code %d: elected %d times", codes[c], st.became);
        ck_assert(sk_election_is_controller(e));
        ck_assert_int_eq(sk_election_controller_id(e), 7);
        sk_election_stop(e);
        sk_zk_close(zk);
        sk_election_free(e);
    }
}
END_TEST

/* ---- registration ---- */

typedef struct {
    int calls, rc;
    int64_t epoch;
} start_t;

static void on_started(int rc, const char *cluster_id, int64_t epoch, const char *err, void *arg)
{
    (void)cluster_id;
    (void)err;
    start_t *s = arg;
    s->calls++;
    s->rc = rc;
    s->epoch = epoch;
}

START_TEST(test_registration_every_code)
{
    for (int c = 0; c < N_CODES; c++) {
        char chroot[64];
        snprintf(chroot, sizeof(chroot), "/reg%d", c);
        sk_zk_t *zk = open_zk(chroot);
        sk_zkb_endpoint_t ep = {"PLAINTEXT", "PLAINTEXT", "127.0.0.1", 1};
        sk_zkb_reg_t reg = {.broker_id = 3, .endpoints = &ep, .n_endpoints = 1};
        /* Fail the registration multi itself (and its retries' reads). */
        sk_zk_fault_t f = {.rc = codes[c], .count = 2, .after = c % 2,
                           .path_prefix = "/brokers/ids/3", .multi_op = -1};
        sk_zk_fault_set(zk, &f);
        start_t s = {0};
        sk_zkb_start(zk, &reg, on_started, &s);
        RUN_UNTIL(s.calls > 0, 15000);
        ck_assert_int_eq(s.calls, 1);
        /* Either it got through, or it reports a code the broker acts on:
         * SK_EAGAIN (try again) for a lost session or connection, SK_EZK /
         * SK_EEXIST for the server's own answers. */
        if (s.rc != SK_OK) {
            int session = sk_zk_rc_class(codes[c]) != SK_ZK_RC_ANSWER;
            ck_assert_msg(s.rc == (session ? SK_EAGAIN : SK_EZK) || s.rc == SK_EEXIST,
                          "code %d: start-up reported %d", codes[c], s.rc);
            sk_zk_fault_set(zk, NULL);
            memset(&s, 0, sizeof(s));
            sk_zkb_start(zk, &reg, on_started, &s);
            RUN_UNTIL(s.calls > 0, 15000);
        }
        ck_assert_msg(s.rc == SK_OK, "code %d: not registered (%d)", codes[c], s.rc);
        ck_assert(s.epoch > 0);
        sk_zk_close(zk);
    }
}
END_TEST

/* ---- controller partition-state writes ---- */

typedef struct {
    int calls;
    int32_t leader;
} state_read_t;

static void on_state(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)st;
    state_read_t *s = arg;
    s->calls++;
    s->leader = -9;
    sk_znode_pstate_t ps;
    char err[128];
    if (rc == ZOK && data && sk_znode_pstate_decode(data, (size_t)len, &ps, err, sizeof(err)) ==
                                 SK_OK) {
        s->leader = ps.leader;
        sk_znode_pstate_clear(&ps);
    }
}

static int32_t read_leader(sk_zk_t *zk, const char *topic)
{
    state_read_t s = {0};
    char *path = sk_znode_partition_state_path(topic, 0);
    sk_zk_get(zk, path, NULL, NULL, on_state, &s);
    free(path);
    RUN_UNTIL(s.calls > 0, 10000);
    return s.leader;
}

static int resigns;
static void ctrl_resign(void *arg)
{
    (void)arg;
    resigns++;
}

typedef struct {
    int calls, rc;
} done_t;

static void on_topic(int rc, const char *err, void *arg)
{
    (void)err;
    done_t *d = arg;
    d->calls++;
    d->rc = rc;
}

START_TEST(test_controller_state_write_every_code)
{
    sk_zk_t *zk = open_zk("/ctrl");
    sk_conf_t conf;
    sk_conf_init(&conf);
    /* broker 1 registers; broker 2 never does */
    sk_zkb_endpoint_t ep = {"PLAINTEXT", "PLAINTEXT", "127.0.0.1", 1};
    sk_zkb_reg_t reg = {.broker_id = 1, .endpoints = &ep, .n_endpoints = 1};
    start_t s = {0};
    sk_zkb_start(zk, &reg, on_started, &s);
    RUN_UNTIL(s.calls > 0, 15000);
    ck_assert_int_eq(s.rc, SK_OK);
    elect_t st = {0};
    sk_election_cbs_t cbs = {el_became, el_resigned, el_changed};
    sk_election_t *e = sk_election_new(zk, 1, &cbs, &st);
    sk_election_start(e);
    RUN_UNTIL(st.became > 0, 10000);
    ck_assert_int_eq(st.became, 1);
    sk_ctrl_t *c = sk_ctrl_new(base, zk, &conf, 1, ctrl_resign, NULL);
    sk_ctrl_activate(c, st.epoch, st.zkversion);

    for (int k = 0; k < N_CODES; k++) {
        for (int after = 0; after <= 1; after++) {
            int code = codes[k];
            char topic[32];
            snprintf(topic, sizeof(topic), "t%d-%d", k, after);
            /* The controller's first state write for this topic fails:
             * replicas [2,1] with the leader 2 offline, so it moves the
             * leadership to 1 with a fenced multi. op 1 is the state
             * write, op 0 the epoch check. */
            char prefix[64];
            snprintf(prefix, sizeof(prefix), "/brokers/topics/%s/partitions", topic);
            sk_zk_fault_t f = {.kinds = SK_ZK_OP_MULTI, .rc = code, .count = 1, .after = after,
                               .path_prefix = prefix, .multi_op = 1};
            sk_zk_fault_set(zk, &f);
            int32_t reps[2] = {2, 1};
            sk_zk_partition_t part = {.partition = 0, .replicas = reps, .n_replicas = 2};
            sk_zk_topic_t t = {.name = topic, .partitions = &part, .n_partitions = 1};
            done_t d = {0};
            sk_zkt_create_topic(zk, &t, 1, st.epoch, on_topic, &d);
            RUN_UNTIL(d.calls > 0, 10000);
            ck_assert_int_eq(d.rc, SK_OK);
            RUN_UNTIL(sk_zk_fault_hits(zk) == 1, 15000);
            ck_assert_msg(sk_zk_fault_hits(zk) == 1, "code %d: the state write never came",
                          code);
            sk_zk_fault_set(zk, NULL);
            /* No crash; and the leadership moves once ZooKeeper answers
             * again: by the controller's own retry, or (a lost session) by
             * a new term, as the broker starts one on the session event. */
            int64_t dl = sk_mono_ms() + 6000;
            while (read_leader(zk, topic) != 1 && sk_mono_ms() < dl)
                RUN_UNTIL(0, 200);
            if (read_leader(zk, topic) != 1) {
                ck_assert_msg(sk_zk_rc_class(code) == SK_ZK_RC_SESSION,
                              "code %d after %d: leadership of %s never moved", code, after,
                              topic);
                sk_ctrl_deactivate(c);
                sk_ctrl_activate(c, st.epoch, st.zkversion);
                dl = sk_mono_ms() + 10000;
                while (read_leader(zk, topic) != 1 && sk_mono_ms() < dl)
                    RUN_UNTIL(0, 200);
            }
            ck_assert_msg(read_leader(zk, topic) == 1, "code %d after %d: leader of %s not moved",
                          code, after, topic);
        }
    }
    ck_assert_int_eq(resigns, 0);

    /* A failed epoch check (op 0) is fencing: the controller resigns. */
    sk_zk_fault_t f = {.kinds = SK_ZK_OP_MULTI, .rc = ZBADVERSION, .count = 1,
                       .path_prefix = "/brokers/topics/fenced", .multi_op = 0};
    sk_zk_fault_set(zk, &f);
    int32_t reps[2] = {2, 1};
    sk_zk_partition_t part = {.partition = 0, .replicas = reps, .n_replicas = 2};
    char fname[] = "fenced";
    sk_zk_topic_t t = {.name = fname, .partitions = &part, .n_partitions = 1};
    done_t d = {0};
    sk_zkt_create_topic(zk, &t, 1, st.epoch, on_topic, &d);
    RUN_UNTIL(resigns > 0, 15000);
    ck_assert_int_eq(resigns, 1);

    sk_ctrl_deactivate(c);
    sk_election_stop(e);
    sk_zk_close(zk);
    sk_election_free(e);
    sk_ctrl_free(c);
    sk_conf_free(&conf);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("zkfault");
    TCase *tc = tcase_create("zkfault");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, sk_zkfix_server_up, sk_zkfix_server_down);
    tcase_add_checked_fixture(tc, sk_zkfix_loop_up, sk_zkfix_loop_down);
    tcase_add_test(tc, test_rc_class);
    tcase_add_test(tc, test_bridge_every_code);
    tcase_add_test(tc, test_election_every_code);
    tcase_add_test(tc, test_registration_every_code);
    tcase_add_test(tc, test_controller_state_write_every_code);
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
