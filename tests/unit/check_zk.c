/* check_zk.c - session bridge, broker registration and topics against a
 * real ZooKeeper server (tests/unit/zk_fixture.c). */
#include "zk.h"

#include <check.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "kerr.h"
#include "log.h"
#include "zk_fixture.h"
#include "zkbroker.h"
#include "znode.h"
#include "zktopics.h"

/* libzookeeper_mt sometimes leaks an event it had queued for its completion
 * thread when a handle is closed right after a session event (seen with the
 * expired handle and with the session-stealing handle below). Those
 * allocations are made inside the library; leaks from our own code are
 * still reported. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libzookeeper_mt.so\n";
}

#define RUN_UNTIL(cond, ms) SK_ZKFIX_RUN_UNTIL(cond, ms)
#define base sk_zkfix_base
#define zkf sk_zkfix_server

static char *conn(const char *chroot)
{
    static char buf[8][128];
    static int i;
    char *b = buf[i++ % 8];
    snprintf(b, 128, "%s%s", zkf.hostport, chroot ? chroot : "");
    return b;
}

/* ---- recorders ---- */

typedef struct {
    int connected, disconnected, expired_new, auth_failed;
    int order_ok; /* DISCONNECTED seen before EXPIRED_NEW_SESSION */
} sess_t;

static void sess_cb(sk_zk_event_t ev, void *arg)
{
    sess_t *s = arg;
    switch (ev) {
    case SK_ZK_CONNECTED:
        s->connected++;
        break;
    case SK_ZK_DISCONNECTED:
        s->disconnected++;
        break;
    case SK_ZK_EXPIRED_NEW_SESSION:
        s->order_ok = s->disconnected > 0;
        s->expired_new++;
        break;
    case SK_ZK_AUTH_FAILED:
        s->auth_failed++;
        break;
    }
}

static sk_zk_t *open_zk(const char *chroot, sess_t *s)
{
    char err[256] = "";
    sk_zk_t *zk = NULL;
    memset(s, 0, sizeof(*s));
    int rc = sk_zk_open(base, conn(chroot), 6000, sess_cb, s, &zk, err, sizeof(err));
    ck_assert_msg(rc == SK_OK, "sk_zk_open: %s", err);
    RUN_UNTIL(s->connected > 0, 15000);
    ck_assert_int_eq(s->connected, 1);
    ck_assert(sk_zk_connected(zk));
    ck_assert(sk_zk_session_id(zk) != 0);
    return zk;
}

typedef struct {
    int calls;
    int rc;
    char data[1024];
    int len;
    int has_stat;
    struct Stat st;
    char names[16][64];
    int count;
    char path[256];
    int op_rcs[8];
    int n_ops;
    int have_op_rcs;
} res_t;

static void res_data(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    res_t *r = arg;
    r->calls++;
    r->rc = rc;
    r->len = len;
    r->data[0] = '\0';
    if (data && len >= 0 && len < (int)sizeof(r->data)) {
        memcpy(r->data, data, (size_t)len);
        r->data[len] = '\0';
    }
    r->has_stat = st != NULL;
    if (st)
        r->st = *st;
}

static void res_strings(int rc, char **names, int count, const struct Stat *st, void *arg)
{
    res_t *r = arg;
    r->calls++;
    r->rc = rc;
    r->count = count;
    for (int i = 0; i < count && i < 16; i++)
        snprintf(r->names[i], sizeof(r->names[i]), "%s", names[i]);
    r->has_stat = st != NULL;
}

static void res_create(int rc, const char *path, void *arg)
{
    res_t *r = arg;
    r->calls++;
    r->rc = rc;
    snprintf(r->path, sizeof(r->path), "%s", path ? path : "");
}

static void res_void(int rc, void *arg)
{
    res_t *r = arg;
    r->calls++;
    r->rc = rc;
}

static void res_multi(int rc, const int *op_rcs, int n, void *arg)
{
    res_t *r = arg;
    r->calls++;
    r->rc = rc;
    r->n_ops = n;
    r->have_op_rcs = op_rcs != NULL;
    for (int i = 0; op_rcs && i < n && i < 8; i++)
        r->op_rcs[i] = op_rcs[i];
}

typedef struct {
    int calls;
    int type;
    char path[256];
} wres_t;

static void res_watch(int type, const char *path, void *arg)
{
    wres_t *w = arg;
    w->calls++;
    w->type = type;
    snprintf(w->path, sizeof(w->path), "%s", path);
}

#define DO(expr, r)                                                                            \
    do {                                                                                       \
        memset(&(r), 0, sizeof(r));                                                            \
        expr;                                                                                  \
        ck_assert_int_eq((r).calls, 0); /* never synchronous */                                \
        RUN_UNTIL((r).calls > 0, 10000);                                                       \
        ck_assert_int_eq((r).calls, 1);                                                        \
    } while (0)

static int has_name(const res_t *r, const char *name)
{
    for (int i = 0; i < r->count && i < 16; i++)
        if (!strcmp(r->names[i], name))
            return 1;
    return 0;
}

/* ---- tests: the session bridge ---- */

START_TEST(test_ops_and_chroot)
{
    sess_t s1, s2;
    res_t r;
    wres_t w1 = {0}, w2 = {0}, w3 = {0};
    sk_zk_t *zk = open_zk("/skein/ops", &s1);
    sk_zk_t *root = open_zk(NULL, &s2);

    /* The chroot was created with null data. */
    DO(sk_zk_get(root, "/skein/ops", NULL, NULL, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    ck_assert_int_eq(r.len, -1);
    DO(sk_zk_get(root, "/skein", NULL, NULL, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZOK);

    DO(sk_zk_create(zk, "/a", "x", 1, 0, res_create, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    ck_assert_str_eq(r.path, "/a"); /* relative to the chroot */
    DO(sk_zk_create(zk, "/a", "x", 1, 0, res_create, &r), r);
    ck_assert_int_eq(r.rc, ZNODEEXISTS);
    DO(sk_zk_get(root, "/skein/ops/a", NULL, NULL, res_data, &r), r);
    ck_assert_str_eq(r.data, "x");

    DO(sk_zk_get(zk, "/a", res_watch, &w1, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    ck_assert_int_eq(r.len, 1);
    ck_assert_str_eq(r.data, "x");
    ck_assert(r.has_stat);
    ck_assert_int_eq(r.st.version, 0);
    ck_assert_int_eq(w1.calls, 0);

    DO(sk_zk_set(zk, "/a", "yy", 2, 0, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    ck_assert_int_eq(r.st.version, 1);
    RUN_UNTIL(w1.calls > 0, 5000);
    ck_assert_int_eq(w1.calls, 1);
    ck_assert_int_eq(w1.type, ZOO_CHANGED_EVENT);
    ck_assert_str_eq(w1.path, "/a");
    DO(sk_zk_set(zk, "/a", "zz", 2, 0, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZBADVERSION);
    ck_assert(!r.has_stat);

    /* exists() on a missing node sets a watch that fires on creation. */
    DO(sk_zk_exists(zk, "/nope", res_watch, &w2, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZNONODE);
    DO(sk_zk_create(root, "/skein/ops/nope", NULL, -1, 0, res_create, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    RUN_UNTIL(w2.calls > 0, 5000);
    ck_assert_int_eq(w2.type, ZOO_CREATED_EVENT);
    ck_assert_str_eq(w2.path, "/nope");

    /* Child watch. */
    DO(sk_zk_children(zk, "/", res_watch, &w3, res_strings, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    ck_assert(has_name(&r, "a"));
    ck_assert(has_name(&r, "nope"));
    DO(sk_zk_create_recursive(zk, "/x/y/z", "d", 1, res_void, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    RUN_UNTIL(w3.calls > 0, 5000);
    ck_assert_int_eq(w3.type, ZOO_CHILD_EVENT);
    ck_assert_str_eq(w3.path, "/");
    DO(sk_zk_get(zk, "/x/y", NULL, NULL, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    ck_assert_int_eq(r.len, -1);
    DO(sk_zk_get(zk, "/x/y/z", NULL, NULL, res_data, &r), r);
    ck_assert_str_eq(r.data, "d");
    DO(sk_zk_create_recursive(zk, "/x/y/z", "e", 1, res_void, &r), r);
    ck_assert_int_eq(r.rc, ZOK); /* exists = ok */
    DO(sk_zk_children(zk, "/missing", NULL, NULL, res_strings, &r), r);
    ck_assert_int_eq(r.rc, ZNONODE);

    /* Multi: all or nothing, per-op results. */
    sk_zk_multi_t *m = sk_zk_multi_new();
    sk_zk_multi_check(m, "/a", 1);
    sk_zk_multi_create(m, "/m", "e", 1, ZOO_EPHEMERAL);
    sk_zk_multi_set(m, "/a", "v2", 2, 1);
    ck_assert_int_eq(sk_zk_multi_count(m), 3);
    DO(sk_zk_multi_run(zk, m, res_multi, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    ck_assert(r.have_op_rcs);
    ck_assert_int_eq(r.n_ops, 3);
    ck_assert_int_eq(r.op_rcs[0], ZOK);
    ck_assert_int_eq(r.op_rcs[2], ZOK);
    m = sk_zk_multi_new();
    sk_zk_multi_create(m, "/m2", NULL, -1, 0);
    sk_zk_multi_check(m, "/a", 7);
    DO(sk_zk_multi_run(zk, m, res_multi, &r), r);
    ck_assert_int_eq(r.rc, ZBADVERSION);
    ck_assert(r.have_op_rcs);
    ck_assert_int_eq(r.op_rcs[1], ZBADVERSION);
    DO(sk_zk_exists(zk, "/m2", NULL, NULL, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZNONODE);
    m = sk_zk_multi_new();
    sk_zk_multi_create(m, "/m", NULL, -1, 0);
    DO(sk_zk_multi_run(zk, m, res_multi, &r), r);
    ck_assert_int_eq(r.rc, ZNODEEXISTS);

    DO(sk_zk_delete(zk, "/a", 5, res_void, &r), r);
    ck_assert_int_eq(r.rc, ZBADVERSION);
    DO(sk_zk_delete(zk, "/a", 2, res_void, &r), r);
    ck_assert_int_eq(r.rc, ZOK);

    /* A cancelled watch never runs: the change below is seen by a later
     * read, and watch events are delivered before such a read's reply. */
    wres_t w4 = {0};
    DO(sk_zk_get(zk, "/x/y/z", res_watch, &w4, res_data, &r), r);
    sk_zk_unwatch(zk, &w4);
    DO(sk_zk_set(root, "/skein/ops/x/y/z", "f", 1, -1, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    DO(sk_zk_get(zk, "/x/y/z", NULL, NULL, res_data, &r), r);
    ck_assert_str_eq(r.data, "f");
    ck_assert_int_eq(w4.calls, 0);

    /* Closing: an outstanding op completes exactly once before close
     * returns; the session is closed, not left to expire, so the ephemeral
     * vanishes well before the 6 s session timeout. The closeSession
     * request and root's read travel on different connections, so the
     * server may answer the read first: poll with a deadline. */
    res_t last;
    memset(&last, 0, sizeof(last));
    sk_zk_get(zk, "/x", NULL, NULL, res_data, &last);
    int64_t closed_at = sk_mono_ms();
    sk_zk_close(zk);
    ck_assert_int_eq(last.calls, 1);
    do {
        DO(sk_zk_exists(root, "/skein/ops/m", NULL, NULL, res_data, &r), r);
    } while (r.rc == ZOK && sk_mono_ms() - closed_at < 4000);
    ck_assert_int_eq(r.rc, ZNONODE);
    sk_zk_close(root);
}
END_TEST

START_TEST(test_open_errors)
{
    sk_zk_t *zk = NULL;
    char err[256];
    sess_t s;
    ck_assert_int_eq(sk_zk_open(base, "", 6000, sess_cb, &s, &zk, err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_zk_open(base, "/chroot", 6000, sess_cb, &s, &zk, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_int_eq(sk_zk_open(base, "h:2181/a/", 6000, sess_cb, &s, &zk, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_int_eq(sk_zk_open(base, "h:2181/a//b", 6000, sess_cb, &s, &zk, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_ptr_null(zk);
    /* A server that is not there: ops queue, nothing is reported, close
     * completes them. */
    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(sk_zk_open(base, "127.0.0.1:1", 6000, sess_cb, &s, &zk, err, sizeof(err)),
                     SK_OK);
    res_t r;
    memset(&r, 0, sizeof(r));
    sk_zk_get(zk, "/", NULL, NULL, res_data, &r);
    RUN_UNTIL(r.calls > 0, 300);
    sk_zk_close(zk);
    ck_assert_int_eq(r.calls, 1);
    ck_assert_int_ne(r.rc, ZOK);
    ck_assert_int_eq(s.connected, 0);
}
END_TEST

/* Closing from inside a callback: every other callback still runs exactly
 * once, including one for an op started after the close. */
typedef struct {
    sk_zk_t *zk;
    res_t *after;
    int closed;
} closer_t;

static void close_in_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)rc;
    (void)data;
    (void)len;
    (void)st;
    closer_t *c = arg;
    sk_zk_close(c->zk);
    c->closed++;
    sk_zk_t *dead = c->zk;
    (void)dead; /* the handle is unusable now; the object lives until the drain ends */
}

static void op_after_close(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    res_data(rc, data, len, st, arg);
}

START_TEST(test_close_in_callback)
{
    sess_t s;
    sk_zk_t *zk = open_zk("/skein/closecb", &s);
    closer_t c = {.zk = zk};
    res_t others[5];
    memset(others, 0, sizeof(others));
    sk_zk_get(zk, "/", NULL, NULL, close_in_cb, &c);
    for (int i = 0; i < 5; i++)
        sk_zk_get(zk, "/", NULL, NULL, op_after_close, &others[i]);
    RUN_UNTIL(c.closed > 0, 5000);
    ck_assert_int_eq(c.closed, 1);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(others[i].calls == 1, "op %d: calls %d rc %d", i, others[i].calls, others[i].rc);
    /* Let the loop run on: nothing must touch the freed object. */
    int64_t until = sk_mono_ms() + 200;
    RUN_UNTIL(sk_mono_ms() >= until, 1000);
}
END_TEST

/* ---- tests: broker registration ---- */

typedef struct {
    int calls;
    int rc;
    char cluster_id[64];
    int64_t epoch;
    char err[512];
} start_t;

static void start_cb(int rc, const char *cluster_id, int64_t epoch, const char *err, void *arg)
{
    start_t *s = arg;
    s->calls++;
    s->rc = rc;
    snprintf(s->cluster_id, sizeof(s->cluster_id), "%s", cluster_id ? cluster_id : "");
    s->epoch = epoch;
    snprintf(s->err, sizeof(s->err), "%s", err ? err : "");
}

static void rereg_cb(int rc, int64_t epoch, const char *err, void *arg)
{
    start_cb(rc, NULL, epoch, err, arg);
}

static const sk_zkb_endpoint_t eps[] = {{"PLAINTEXT", "PLAINTEXT", "localhost", 9092},
                                        {"SSL", "SSL", "localhost", 9093}};

static sk_zkb_reg_t reg_for(int32_t id)
{
    sk_zkb_reg_t reg = {.broker_id = id, .endpoints = eps, .n_endpoints = 2, .rack = NULL};
    return reg;
}

START_TEST(test_broker_registration)
{
    sess_t s1, s2;
    res_t r;
    start_t st;
    sk_zk_t *zk = open_zk("/skein/reg", &s1);
    sk_zk_t *zk2 = open_zk("/skein/reg", &s2);
    sk_zkb_reg_t reg = reg_for(1);

    DO(sk_zkb_start(zk, &reg, start_cb, &st), st);
    ck_assert_msg(st.rc == SK_OK, "start: %s", st.err);
    ck_assert_uint_eq(strlen(st.cluster_id), 22);
    ck_assert(st.epoch > 0);

    for (int i = 0; i < sk_znode_n_top_level_paths; i++) {
        DO(sk_zk_get(zk, sk_znode_top_level_paths[i], NULL, NULL, res_data, &r), r);
        ck_assert_msg(r.rc == ZOK, "%s missing", sk_znode_top_level_paths[i]);
        ck_assert_int_eq(r.len, -1); /* null data */
    }
    DO(sk_zk_children(zk, "/", NULL, NULL, res_strings, &r), r);
    ck_assert(has_name(&r, "cluster"));
    ck_assert(has_name(&r, "isr_change_notification"));

    char expect[512];
    DO(sk_zk_get(zk, "/cluster/id", NULL, NULL, res_data, &r), r);
    snprintf(expect, sizeof(expect), "{\"version\":\"1\",\"id\":\"%s\"}", st.cluster_id);
    ck_assert_str_eq(r.data, expect);

    DO(sk_zk_get(zk, "/brokers/ids/1", NULL, NULL, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    const char *prefix =
        "{\"features\":{},\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\","
        "\"SSL\":\"SSL\"},\"endpoints\":[\"PLAINTEXT://localhost:9092\",\"SSL://localhost:9093\"],"
        "\"jmx_port\":-1,\"port\":9092,\"host\":\"localhost\",\"version\":5,\"timestamp\":\"";
    ck_assert_msg(strncmp(r.data, prefix, strlen(prefix)) == 0, "got %s", r.data);
    ck_assert_str_eq(r.data + r.len - 2, "\"}");
    ck_assert(r.st.czxid == st.epoch);
    ck_assert(r.st.ephemeralOwner == sk_zk_session_id(zk));
    ck_assert_int_eq(r.st.version, 1); /* create(null) + setData in one multi */
    sk_znode_broker_t b;
    char err[256];
    ck_assert_int_eq(sk_znode_broker_decode(r.data, (size_t)r.len, &b, err, sizeof(err)), SK_OK);
    ck_assert(b.timestamp > 0 && b.timestamp <= sk_wall_ms());
    sk_znode_broker_clear(&b);

    /* Same id from another session: refused, naming the owner. */
    start_t st2;
    DO(sk_zkb_start(zk2, &reg, start_cb, &st2), st2);
    ck_assert_int_eq(st2.rc, SK_EEXIST);
    snprintf(expect, sizeof(expect),
             "broker id 1 is already registered in ZooKeeper by another broker (session 0x%llx)",
             (unsigned long long)sk_zk_session_id(zk));
    ck_assert_str_eq(st2.err, expect);
    /* Another id: fine, same cluster id. */
    sk_zkb_reg_t reg2 = reg_for(2);
    DO(sk_zkb_start(zk2, &reg2, start_cb, &st2), st2);
    ck_assert_int_eq(st2.rc, SK_OK);
    ck_assert_str_eq(st2.cluster_id, st.cluster_id);
    ck_assert(st2.epoch > st.epoch);

    /* Registering again from the owning session (a retried create) deletes
     * and re-creates: new czxid. */
    start_t st3;
    DO(sk_zkb_reregister(zk, &reg, rereg_cb, &st3), st3);
    ck_assert_msg(st3.rc == SK_OK, "%s", st3.err);
    ck_assert(st3.epoch > st2.epoch);

    /* Deregistration only removes our own node. */
    DO(sk_zkb_deregister(zk2, 1, res_void, &r), r);
    ck_assert_int_eq(r.rc, ZNONODE);
    DO(sk_zkb_deregister(zk, 1, res_void, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    DO(sk_zk_exists(zk, "/brokers/ids/1", NULL, NULL, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZNONODE);
    sk_zk_close(zk2);
    sk_zk_close(zk);
}
END_TEST

/* ---- topic snapshots ---- */

typedef struct {
    char name[64];
    int n_partitions, marked, n_configs, has_id;
    struct {
        int has_state, leader, leader_epoch, state_version, n_replicas, n_isr, first_replica;
    } p[4];
} snap_topic_t;

typedef struct {
    int calls;
    int n;
    snap_topic_t t[8];
} snap_t;

static void snap_cb(const sk_zk_topic_t *topics, int n, void *arg)
{
    snap_t *s = arg;
    s->calls++;
    s->n = n;
    for (int i = 0; i < n && i < 8; i++) {
        snap_topic_t *d = &s->t[i];
        memset(d, 0, sizeof(*d));
        snprintf(d->name, sizeof(d->name), "%s", topics[i].name);
        d->n_partitions = topics[i].n_partitions;
        d->marked = topics[i].marked_for_deletion;
        d->n_configs = topics[i].n_configs;
        d->has_id = topics[i].topic_id != NULL;
        for (int p = 0; p < topics[i].n_partitions && p < 4; p++) {
            const sk_zk_partition_t *sp = &topics[i].partitions[p];
            d->p[p].has_state = sp->has_state;
            d->p[p].leader = sp->leader;
            d->p[p].leader_epoch = sp->leader_epoch;
            d->p[p].state_version = sp->state_version;
            d->p[p].n_replicas = sp->n_replicas;
            d->p[p].n_isr = sp->n_isr;
            d->p[p].first_replica = sp->n_replicas ? sp->replicas[0] : -1;
        }
    }
}

static const snap_topic_t *snap_find(const snap_t *s, const char *name)
{
    for (int i = 0; i < s->n && i < 8; i++)
        if (!strcmp(s->t[i].name, name))
            return &s->t[i];
    return NULL;
}

typedef struct {
    int calls, rc;
    char err[512];
} done_t;

static void done_cb(int rc, const char *err, void *arg)
{
    done_t *d = arg;
    d->calls++;
    d->rc = rc;
    snprintf(d->err, sizeof(d->err), "%s", err ? err : "");
}

typedef struct {
    int calls, rc, version;
} pst_t;

static void pst_cb(int rc, int32_t v, void *arg)
{
    pst_t *p = arg;
    p->calls++;
    p->rc = rc;
    p->version = v;
}

START_TEST(test_topics)
{
    sess_t s1, s2;
    res_t r;
    start_t st;
    done_t d;
    snap_t snap = {0};
    sk_zk_t *zk = open_zk("/skein/topics", &s1);
    sk_zk_t *other = open_zk("/skein/topics", &s2);
    sk_zkb_reg_t reg = reg_for(1);
    DO(sk_zkb_start(zk, &reg, start_cb, &st), st);
    ck_assert_int_eq(st.rc, SK_OK);

    sk_zkt_watcher_t *w = sk_zkt_watch(zk, snap_cb, &snap);
    RUN_UNTIL(snap.calls > 0, 5000);
    ck_assert_int_eq(snap.calls, 1);
    ck_assert_int_eq(snap.n, 0);

    int32_t r0[] = {1, 2, 3}, r1[] = {2, 3, 1}, r2[] = {3, 1, 2};
    sk_zk_partition_t parts[3] = {{.partition = 0, .replicas = r0, .n_replicas = 3},
                                  {.partition = 1, .replicas = r1, .n_replicas = 3},
                                  {.partition = 2, .replicas = r2, .n_replicas = 3}};
    char *ck[] = {"retention.ms"}, *cv[] = {"1000"};
    sk_zk_topic_t t = {.name = "orders", .topic_id = "cMr3GpVESX2L3byPGf93lQ",
                       .partitions = parts, .n_partitions = 3, .config_keys = ck,
                       .config_values = cv, .n_configs = 1};
    DO(sk_zkt_create_topic(zk, &t, 1, 1, done_cb, &d), d);
    ck_assert_msg(d.rc == SK_OK, "%s", d.err);

    DO(sk_zk_get(zk, "/brokers/topics/orders", NULL, NULL, res_data, &r), r);
    ck_assert_str_eq(r.data, "{\"partitions\":{\"0\":[1,2,3],\"1\":[2,3,1],\"2\":[3,1,2]},"
                             "\"topic_id\":\"cMr3GpVESX2L3byPGf93lQ\",\"adding_replicas\":{},"
                             "\"removing_replicas\":{},\"version\":3}");
    DO(sk_zk_get(zk, "/config/topics/orders", NULL, NULL, res_data, &r), r);
    ck_assert_str_eq(r.data, "{\"version\":1,\"config\":{\"retention.ms\":\"1000\"}}");
    DO(sk_zk_get(zk, "/brokers/topics/orders/partitions/1/state", NULL, NULL, res_data, &r), r);
    ck_assert_str_eq(r.data, "{\"controller_epoch\":1,\"leader\":2,\"version\":1,"
                             "\"leader_epoch\":0,\"isr\":[2,3,1]}");
    DO(sk_zk_get(zk, "/brokers/topics/orders/partitions", NULL, NULL, res_data, &r), r);
    ck_assert_int_eq(r.len, -1);
    DO(sk_zk_children(zk, "/brokers/topics/orders/partitions/0", NULL, NULL, res_strings, &r), r);
    ck_assert_int_eq(r.count, 1);
    ck_assert_str_eq(r.names[0], "state");

    /* Errors. */
    DO(sk_zkt_create_topic(zk, &t, 1, 1, done_cb, &d), d);
    ck_assert_int_eq(d.rc, SK_EEXIST);
    ck_assert_str_eq(d.err, "Topic 'orders' already exists.");
    sk_zk_topic_t bad = t;
    bad.name = "bad/name";
    DO(sk_zkt_create_topic(zk, &bad, 1, 1, done_cb, &d), d);
    ck_assert_int_eq(d.rc, SK_EINVAL);
    bad.name = "gone";
    DO(sk_zk_create(other, "/admin/delete_topics/gone", NULL, -1, 0, res_create, &r), r);
    DO(sk_zkt_create_topic(zk, &bad, 1, 1, done_cb, &d), d);
    ck_assert_int_eq(d.rc, SK_EEXIST);
    ck_assert_str_eq(d.err, "Topic 'gone' is marked for deletion.");
    /* Without a topic id and without state: an id is generated. */
    sk_zk_topic_t plain = {.name = "plain", .partitions = parts, .n_partitions = 1};
    DO(sk_zkt_create_topic(zk, &plain, 0, 1, done_cb, &d), d);
    ck_assert_int_eq(d.rc, SK_OK);
    DO(sk_zk_get(zk, "/brokers/topics/plain", NULL, NULL, res_data, &r), r);
    sk_znode_topic_t node;
    char err[256];
    ck_assert_int_eq(sk_znode_topic_decode(r.data, (size_t)r.len, &node, err, sizeof(err)), SK_OK);
    ck_assert_ptr_nonnull(node.topic_id);
    ck_assert_uint_eq(strlen(node.topic_id), 22);
    sk_znode_topic_clear(&node);
    DO(sk_zk_get(zk, "/config/topics/plain", NULL, NULL, res_data, &r), r);
    ck_assert_str_eq(r.data, "{\"version\":1,\"config\":{}}");

    /* The watcher sees both topics with their states. */
    const snap_topic_t *o = NULL;
    RUN_UNTIL((o = snap_find(&snap, "orders")) && o->p[2].has_state && snap_find(&snap, "plain"),
              5000);
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(o->n_partitions, 3);
    ck_assert_int_eq(o->n_configs, 1);
    ck_assert(o->has_id);
    ck_assert_int_eq(o->p[1].leader, 2);
    ck_assert_int_eq(o->p[1].n_isr, 3);
    ck_assert_int_eq(o->p[1].state_version, 0);
    ck_assert_int_eq(snap_find(&snap, "plain")->p[0].has_state, 0);

    /* A topic written by another client (old admin tool, v1 JSON). */
    const char *ext = "{\"version\":1,\"partitions\":{\"0\":[2]}}";
    DO(sk_zk_create(other, "/brokers/topics/ext", ext, (int)strlen(ext), 0, res_create, &r), r);
    const snap_topic_t *e = NULL;
    RUN_UNTIL((e = snap_find(&snap, "ext")) != NULL, 5000);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->n_partitions, 1);
    ck_assert_int_eq(e->p[0].has_state, 0);
    ck_assert_int_eq(e->p[0].first_replica, 2);

    /* Its state appears (exists watch), then changes (data watch). */
    pst_t ps = {0};
    int32_t isr[] = {2};
    sk_zk_partition_t p0 = {.partition = 0, .leader = 2, .leader_epoch = 0, .isr = isr,
                            .n_isr = 1};
    DO(sk_zkt_write_partition_state(other, "ext", &p0, 4, -1, pst_cb, &ps), ps);
    ck_assert_int_eq(ps.rc, ZOK);
    ck_assert_int_eq(ps.version, 0);
    RUN_UNTIL((e = snap_find(&snap, "ext")) && e->p[0].has_state, 5000);
    ck_assert_int_eq(e->p[0].leader, 2);
    p0.leader_epoch = 1;
    DO(sk_zkt_write_partition_state(other, "ext", &p0, 4, 0, pst_cb, &ps), ps);
    ck_assert_int_eq(ps.rc, ZOK);
    ck_assert_int_eq(ps.version, 1);
    RUN_UNTIL((e = snap_find(&snap, "ext")) && e->p[0].leader_epoch == 1, 5000);
    ck_assert_int_eq(e->p[0].state_version, 1);
    DO(sk_zkt_write_partition_state(other, "ext", &p0, 4, 0, pst_cb, &ps), ps);
    ck_assert_int_eq(ps.rc, ZBADVERSION);
    ck_assert_int_eq(ps.version, -1);
    DO(sk_zkt_write_partition_state(other, "ext", &p0, 4, -1, pst_cb, &ps), ps);
    ck_assert_int_eq(ps.rc, ZNODEEXISTS);

    /* Partitions added by rewriting the topic node. */
    const char *ext2 = "{\"version\":1,\"partitions\":{\"0\":[2],\"1\":[1]}}";
    DO(sk_zk_set(other, "/brokers/topics/ext", ext2, (int)strlen(ext2), -1, res_data, &r), r);
    RUN_UNTIL((e = snap_find(&snap, "ext")) && e->n_partitions == 2, 5000);
    ck_assert_int_eq(e->n_partitions, 2);
    ck_assert_int_eq(e->p[0].has_state, 1);

    /* Marked for deletion, then removed. */
    DO(sk_zk_create(other, "/admin/delete_topics/ext", NULL, -1, 0, res_create, &r), r);
    RUN_UNTIL((e = snap_find(&snap, "ext")) && e->marked, 5000);
    ck_assert_int_eq(e->marked, 1);
    ck_assert_int_eq(snap_find(&snap, "orders")->marked, 0);
    const char *del[] = {"/brokers/topics/ext/partitions/0/state", "/brokers/topics/ext/partitions/0",
                         "/brokers/topics/ext/partitions", "/brokers/topics/ext"};
    for (int i = 0; i < 4; i++) {
        DO(sk_zk_delete(other, del[i], -1, res_void, &r), r);
        ck_assert_msg(r.rc == ZOK, "delete %s: %d", del[i], r.rc);
    }
    RUN_UNTIL(snap_find(&snap, "ext") == NULL, 5000);
    ck_assert_ptr_null(snap_find(&snap, "ext"));
    ck_assert_ptr_nonnull(snap_find(&snap, "orders"));

    /* After free no callback runs, even when things change. */
    sk_zkt_watcher_free(w);
    int calls = snap.calls;
    DO(sk_zk_create(other, "/brokers/topics/late", ext, (int)strlen(ext), 0, res_create, &r), r);
    DO(sk_zk_get(zk, "/brokers/topics/late", NULL, NULL, res_data, &r), r);
    ck_assert_int_eq(snap.calls, calls);
    sk_zk_close(other);
    sk_zk_close(zk);
}
END_TEST

/* ---- session expiry ---- */

static void noop_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    (void)type;
    (void)state;
    (void)path;
    (void)ctx;
}

START_TEST(test_session_expiry)
{
    sess_t s, s2;
    res_t r;
    start_t st, st2;
    snap_t snap = {0};
    sk_zk_t *zk = open_zk("/skein/exp", &s);
    sk_zk_t *other = open_zk("/skein/exp", &s2);
    sk_zkb_reg_t reg = reg_for(5);
    DO(sk_zkb_start(zk, &reg, start_cb, &st), st);
    ck_assert_int_eq(st.rc, SK_OK);
    sk_zkt_watcher_t *w = sk_zkt_watch(zk, snap_cb, &snap);
    RUN_UNTIL(snap.calls > 0, 5000);
    int64_t old_session = sk_zk_session_id(zk);

    /* Steal the session with its id and password, then close it: the
     * server expires it for the original handle. If the original handle
     * reconnects first it takes the session back and the thief's close is
     * refused, so try a few times. */
    clientid_t cid = *sk_zk_client_id(zk);
    for (int attempt = 0; attempt < 5 && s.expired_new == 0; attempt++) {
        zhandle_t *thief = zookeeper_init(conn("/skein/exp"), noop_watcher, 6000, &cid, NULL, 0);
        ck_assert_ptr_nonnull(thief);
        int64_t dl = sk_mono_ms() + 10000;
        struct timespec ms1 = {0, 1000000};
        while (zoo_state(thief) != ZOO_CONNECTED_STATE && sk_mono_ms() < dl)
            nanosleep(&ms1, NULL); /* polling another thread's state */
        int state = zoo_state(thief);
        zookeeper_close(thief);
        if (state == ZOO_EXPIRED_SESSION_STATE)
            break; /* an earlier attempt did it; the owner just has not noticed yet */
        ck_assert_int_eq(state, ZOO_CONNECTED_STATE);
        RUN_UNTIL(s.expired_new > 0, 4000);
    }
    RUN_UNTIL(s.expired_new > 0, 20000);
    ck_assert_int_eq(s.expired_new, 1);
    ck_assert(s.order_ok);
    ck_assert(sk_zk_connected(zk));
    ck_assert(sk_zk_session_id(zk) != 0);
    ck_assert(sk_zk_session_id(zk) != old_session);

    /* The ephemeral registration died with the session. */
    DO(sk_zk_exists(other, "/brokers/ids/5", NULL, NULL, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZNONODE);
    DO(sk_zkb_reregister(zk, &reg, rereg_cb, &st2), st2);
    ck_assert_msg(st2.rc == SK_OK, "%s", st2.err);
    ck_assert(st2.epoch > st.epoch);
    DO(sk_zk_exists(other, "/brokers/ids/5", NULL, NULL, res_data, &r), r);
    ck_assert_int_eq(r.rc, ZOK);
    ck_assert(r.st.ephemeralOwner == sk_zk_session_id(zk));

    /* Watches are re-armed on the new session. */
    sk_zkt_rearm(w);
    const char *j = "{\"version\":1,\"partitions\":{\"0\":[5]}}";
    DO(sk_zk_create(other, "/brokers/topics/after", j, (int)strlen(j), 0, res_create, &r), r);
    RUN_UNTIL(snap_find(&snap, "after") != NULL, 5000);
    ck_assert_ptr_nonnull(snap_find(&snap, "after"));

    sk_zkt_watcher_free(w);
    sk_zk_close(other);
    sk_zk_close(zk);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("zk");
    TCase *tc = tcase_create("server");
    tcase_add_unchecked_fixture(tc, sk_zkfix_server_up, sk_zkfix_server_down);
    tcase_add_checked_fixture(tc, sk_zkfix_loop_up, sk_zkfix_loop_down);
    tcase_set_timeout(tc, 40);
    tcase_add_test(tc, test_ops_and_chroot);
    tcase_add_test(tc, test_open_errors);
    tcase_add_test(tc, test_close_in_callback);
    tcase_add_test(tc, test_broker_registration);
    tcase_add_test(tc, test_topics);
    tcase_add_test(tc, test_session_expiry);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
