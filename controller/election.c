/* election.c - controller election (see election.h, spec §4.2). */
#include "election.h"

#include "clock.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "znode.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTROLLER_PATH "/controller"
#define EPOCH_PATH "/controller_epoch"

struct sk_election_s {
    sk_zk_t *zk;
    int32_t broker_id;
    sk_election_cbs_t cbs;
    void *arg;
    int started;
    int active;          /* we are the controller */
    int electing;        /* a race is in flight */
    int32_t controller_id;
    int32_t epoch;
    int32_t epoch_zkversion;
    int32_t tried_epoch; /* the epoch our in-flight multi would set */
    int watch_armed;     /* an exists watch on /controller is set or being set */
    struct event *retry_ev; /* re-read after a connection loss */
};

static void watch_controller(sk_election_t *e);

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_election_t *e = arg;
    if (e->started && !e->electing)
        watch_controller(e);
}

/* A read of /controller failed (after a connection loss its watch may not
 * be set): read again in a second. Session losses are left to the session
 * events, which restart the election in the new session. */
static void retry_later(sk_election_t *e, int rc)
{
    if (sk_zk_rc_class(rc) == SK_ZK_RC_SESSION)
        return;
    if (!e->retry_ev)
        e->retry_ev = evtimer_new(sk_zk_event_base(e->zk), retry_cb, e);
    struct timeval tv = {1, 0};
    evtimer_add(e->retry_ev, &tv);
}

static void set_controller(sk_election_t *e, int32_t id)
{
    if (id == e->controller_id)
        return;
    e->controller_id = id;
    if (e->active && id != e->broker_id) {
        e->active = 0;
        sk_warn("controller", "controller moved to broker %d: resigning (epoch %d)", id, e->epoch);
        if (e->cbs.resigned)
            e->cbs.resigned(e->arg);
    }
    if (e->cbs.changed)
        e->cbs.changed(id, e->arg);
}

static void controller_watch_cb(int type, const char *path, void *arg)
{
    (void)path;
    sk_election_t *e = arg;
    e->watch_armed = 0;
    if (!e->started)
        return;
    if (type == ZOO_DELETED_EVENT)
        sk_info("controller", "/controller was deleted: a new election starts");
    watch_controller(e);
}

/* After our multi: read back /controller and /controller_epoch. */
static void lost_race(sk_election_t *e)
{
    e->electing = 0;
    watch_controller(e);
}

static void elect_multi_cb(int rc, const int *op_rcs, int n, void *arg)
{
    (void)op_rcs;
    (void)n;
    sk_election_t *e = arg;
    if (!e->started) {
        e->electing = 0;
        return;
    }
    if (rc == ZOK) {
        e->electing = 0;
        e->active = 1;
        e->epoch = e->tried_epoch;
        e->epoch_zkversion += 1; /* the conditional set bumped it by one */
        e->controller_id = e->broker_id;
        sk_info("controller", "broker %d is now the controller, controller epoch %d "
                "(epoch zkVersion %d)", e->broker_id, e->epoch, e->epoch_zkversion);
        if (e->cbs.changed)
            e->cbs.changed(e->broker_id, e->arg);
        if (e->cbs.became)
            e->cbs.became(e->epoch, e->epoch_zkversion, e->arg);
        return;
    }
    if (rc != ZNODEEXISTS && rc != ZBADVERSION)
        sk_warn("controller", "controller election multi failed: %s", zerror(rc));
    lost_race(e);
}

static void elect_with_epoch(sk_election_t *e, int32_t epoch, int32_t version)
{
    char *json = sk_znode_controller_encode(e->broker_id, sk_wall_ms());
    char *next = sk_znode_controller_epoch_encode(epoch + 1);
    e->tried_epoch = epoch + 1;
    e->epoch_zkversion = version;
    sk_zk_multi_t *m = sk_zk_multi_new();
    sk_zk_multi_create(m, CONTROLLER_PATH, json, (int)strlen(json), ZOO_EPHEMERAL);
    sk_zk_multi_set(m, EPOCH_PATH, next, (int)strlen(next), version);
    sk_zk_multi_run(e->zk, m, elect_multi_cb, e);
    free(json);
    free(next);
}

static void epoch_read_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg);

static void epoch_created_cb(int rc, const char *path, void *arg)
{
    (void)path;
    sk_election_t *e = arg;
    if (rc != ZOK && rc != ZNODEEXISTS) {
        sk_warn("controller", "cannot create %s: %s", EPOCH_PATH, zerror(rc));
        lost_race(e);
        return;
    }
    sk_zk_get(e->zk, EPOCH_PATH, NULL, NULL, epoch_read_cb, e);
}

static void epoch_read_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    sk_election_t *e = arg;
    if (!e->started) {
        e->electing = 0;
        return;
    }
    if (rc == ZNONODE) {
        sk_zk_create(e->zk, EPOCH_PATH, "0", 1, 0, epoch_created_cb, e);
        return;
    }
    int32_t epoch = 0;
    char err[128];
    if (rc != ZOK || !data || sk_znode_controller_epoch_decode(data, (size_t)len, &epoch, err,
                                                               sizeof(err)) != SK_OK) {
        sk_warn("controller", "cannot read %s: %s", EPOCH_PATH, rc != ZOK ? zerror(rc) : err);
        lost_race(e);
        return;
    }
    elect_with_epoch(e, epoch, stat->version);
}

static void controller_read_cb(int rc, const char *data, int len, const struct Stat *stat,
                               void *arg)
{
    sk_election_t *e = arg;
    if (!e->started)
        return;
    if (rc == ZNONODE) {
        set_controller(e, -1); /* resigns if it was ours */
        if (!e->electing) {
            e->electing = 1;
            sk_zk_get(e->zk, EPOCH_PATH, NULL, NULL, epoch_read_cb, e);
        }
        return;
    }
    if (rc != ZOK) {
        sk_warn("controller", "cannot read %s: %s", CONTROLLER_PATH, zerror(rc));
        retry_later(e, rc);
        return;
    }
    sk_znode_controller_t c;
    char err[128];
    if (!data || sk_znode_controller_decode(data, (size_t)len, &c, err, sizeof(err)) != SK_OK) {
        sk_warn("controller", "unreadable %s: %s", CONTROLLER_PATH, data ? err : "null data");
        set_controller(e, -1);
        return;
    }
    if (c.broker_id == e->broker_id && !e->active && !e->electing &&
        stat->ephemeralOwner == sk_zk_session_id(e->zk)) {
        /* Our election multi went through but its answer was lost (a
         * connection loss): nobody acts as controller. Give the node up;
         * its deletion starts a new election. */
        sk_warn("controller", "%s names this broker from an election whose answer was lost; "
                "deleting it to elect again", CONTROLLER_PATH);
        sk_zk_delete(e->zk, CONTROLLER_PATH, stat->version, NULL, NULL);
        return;
    }
    set_controller(e, c.broker_id);
}

static void controller_exists_cb(int rc, const char *data, int len, const struct Stat *stat,
                                 void *arg)
{
    (void)data;
    (void)len;
    (void)stat;
    sk_election_t *e = arg;
    if (rc == ZOK || rc == ZNONODE)
        return; /* the watch is set */
    e->watch_armed = 0;
    if (e->started) {
        sk_warn("controller", "cannot watch %s: %s", CONTROLLER_PATH, zerror(rc));
        retry_later(e, rc);
    }
}

static void watch_controller(sk_election_t *e)
{
    /* exists() leaves a watch whether or not the node is there; one at a
     * time, so retries do not pile up watches. */
    if (!e->watch_armed) {
        e->watch_armed = 1;
        sk_zk_exists(e->zk, CONTROLLER_PATH, controller_watch_cb, e, controller_exists_cb, e);
    }
    sk_zk_get(e->zk, CONTROLLER_PATH, NULL, NULL, controller_read_cb, e);
}

sk_election_t *sk_election_new(sk_zk_t *zk, int32_t broker_id, const sk_election_cbs_t *cbs,
                               void *arg)
{
    sk_election_t *e = sk_calloc(1, sizeof(*e));
    e->zk = zk;
    e->broker_id = broker_id;
    e->cbs = *cbs;
    e->arg = arg;
    e->controller_id = -1;
    return e;
}

void sk_election_start(sk_election_t *e)
{
    e->started = 1;
    e->electing = 0;
    watch_controller(e);
}

void sk_election_session_expired(sk_election_t *e)
{
    e->started = 0;
    e->electing = 0;
    e->watch_armed = 0; /* watches die with their session */
    if (e->active) {
        e->active = 0;
        sk_warn("controller", "ZooKeeper session expired: resigning as controller (epoch %d)",
                e->epoch);
        if (e->cbs.resigned)
            e->cbs.resigned(e->arg);
    }
    e->controller_id = -1;
}

static void resign_deleted_cb(int rc, const int *op_rcs, int n, void *arg)
{
    (void)arg;
    (void)op_rcs;
    (void)n;
    if (rc != ZOK && rc != ZNONODE && rc != ZBADVERSION)
        sk_warn("controller", "deleting /controller on resignation failed: %s", zerror(rc));
}

void sk_election_resign(sk_election_t *e)
{
    if (!e->active)
        return;
    e->active = 0;
    sk_warn("controller", "resigning as controller (epoch %d)", e->epoch);
    if (e->cbs.resigned)
        e->cbs.resigned(e->arg);
    /* Fenced: only delete the node while our epoch still holds. */
    sk_zk_multi_t *m = sk_zk_multi_new();
    sk_zk_multi_check(m, EPOCH_PATH, e->epoch_zkversion);
    sk_zk_multi_delete(m, CONTROLLER_PATH, -1);
    sk_zk_multi_run(e->zk, m, resign_deleted_cb, NULL);
}

int sk_election_is_controller(const sk_election_t *e) { return e->active; }
int32_t sk_election_controller_id(const sk_election_t *e) { return e->controller_id; }
int32_t sk_election_epoch(const sk_election_t *e) { return e->epoch; }
int32_t sk_election_epoch_zkversion(const sk_election_t *e) { return e->epoch_zkversion; }

void sk_election_stop(sk_election_t *e)
{
    e->started = 0;
    e->active = 0;
    e->watch_armed = 0;
    if (e->retry_ev)
        evtimer_del(e->retry_ev);
    sk_zk_unwatch(e->zk, e);
}

void sk_election_free(sk_election_t *e)
{
    if (!e)
        return;
    if (e->retry_ev)
        event_free(e->retry_ev);
    free(e);
}
