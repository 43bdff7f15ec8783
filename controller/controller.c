/* controller.c - the controller (see controller.h; spec §4.2-4.5, §4.8). */
#include "controller.h"
#include "ctrl_int.h"

#include "net/channel.h"
#include "clock.h"
#include "conf.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "proto_stopreplica.h"
#include "znode.h"
#include "zktopics.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ctl_op {
    sk_ctrl_t *c;
    uint32_t gen;
    char *topic;
    int32_t partition;
    sk_znode_pstate_t st;
    int create;
    int32_t expected_version;
    sk_ctrl_alter_done_fn done; /* AlterPartition: answer the leader */
    void *done_arg;
} ctl_op_t;

static void schedule_work(sk_ctrl_t *c);

#define ANNOUNCE_HOLD_MS 2000

/* ---------------------------------------------------------------- helpers */

int ctrl_contains(const int32_t *v, int n, int32_t x)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

cbroker_t *ctrl_live_broker(sk_ctrl_t *c, int32_t id)
{
    for (int i = 0; i < c->n_brokers; i++)
        if (c->brokers[i].id == id)
            return &c->brokers[i];
    return NULL;
}

/* Live and not in controlled shutdown. */
int ctrl_candidate(sk_ctrl_t *c, int32_t id)
{
    return ctrl_live_broker(c, id) && !ctrl_contains(c->shutting, c->n_shutting, id);
}

static void shutting_remove(sk_ctrl_t *c, int32_t id)
{
    for (int i = 0; i < c->n_shutting; i++)
        if (c->shutting[i] == id) {
            c->shutting[i] = c->shutting[--c->n_shutting];
            i--;
        }
}

ctopic_t *ctrl_find_topic(sk_ctrl_t *c, const char *name)
{
    for (int i = 0; i < c->n_topics; i++)
        if (c->topics[i] && strcmp(c->topics[i]->name, name) == 0)
            return c->topics[i];
    return NULL;
}

static int32_t *ids_dup(const int32_t *v, int n)
{
    int32_t *o = sk_calloc((size_t)(n > 0 ? n : 1), sizeof(int32_t));
    if (n > 0)
        memcpy(o, v, (size_t)n * sizeof(int32_t));
    return o;
}

static void broker_clear(cbroker_t *b)
{
    free(b->host);
    free(b->rack);
    sk_znode_broker_clear(&b->reg);
}

static void topic_free(ctopic_t *t)
{
    for (int i = 0; i < t->n_parts; i++) {
        ctrl_reassign_free(&t->parts[i]);
        free(t->parts[i].replicas);
        free(t->parts[i].isr);
    }
    free(t->parts);
    free(t->name);
    free(t->topic_id);
    free(t);
}

static void clear_state(sk_ctrl_t *c)
{
    for (int i = 0; i < c->n_brokers; i++)
        broker_clear(&c->brokers[i]);
    free(c->brokers);
    c->brokers = NULL;
    c->n_brokers = 0;
    for (int i = 0; i < c->n_topics; i++)
        topic_free(c->topics[i]);
    free(c->topics);
    c->topics = NULL;
    c->n_topics = 0;
    free(c->sync_brokers);
    c->sync_brokers = NULL;
    c->n_sync_brokers = 0;
    free(c->shutting);
    c->shutting = NULL;
    c->n_shutting = 0;
    c->brokers_loaded = c->topics_loaded = 0;
    c->brokers_listing = c->brokers_relist = 0;
}

/* --------------------------------------------------------- live brokers */

typedef struct brokers_round {
    sk_ctrl_t *c;
    uint32_t gen;
    int pending;
    int n;
    cbroker_t *list;
    int *ok;
} brokers_round_t;

typedef struct broker_read {
    brokers_round_t *round;
    int index;
} broker_read_t;

static void list_brokers(sk_ctrl_t *c);

static int cmp_broker(const void *a, const void *b)
{
    int32_t x = ((const cbroker_t *)a)->id, y = ((const cbroker_t *)b)->id;
    return x < y ? -1 : x > y;
}

static void apply_brokers(sk_ctrl_t *c, cbroker_t *list, int n)
{
    qsort(list, (size_t)n, sizeof(*list), cmp_broker);
    /* Departures. */
    for (int i = 0; i < c->n_brokers; i++) {
        cbroker_t *old = &c->brokers[i];
        int still = 0;
        for (int j = 0; j < n; j++)
            if (list[j].id == old->id && list[j].epoch == old->epoch)
                still = 1;
        if (!still) {
            sk_info("controller", "broker %d (epoch %lld) is gone", old->id, (long long)old->epoch);
            sk_chan_remove_broker(c->chan, old->id);
            shutting_remove(c, old->id);
        }
    }
    /* Arrivals (and bounced brokers, whose epoch changed). */
    for (int j = 0; j < n; j++) {
        cbroker_t *nb = &list[j];
        cbroker_t *old = ctrl_live_broker(c, nb->id);
        if (old && old->epoch == nb->epoch)
            continue;
        sk_info("controller", "broker %d (epoch %lld) is live at %s:%d", nb->id,
                (long long)nb->epoch, nb->host, nb->port);
        sk_chan_set_broker(c->chan, nb->id, nb->host, nb->port);
        c->sync_brokers = sk_realloc(c->sync_brokers,
                                     (size_t)(c->n_sync_brokers + 1) * sizeof(int32_t));
        c->sync_brokers[c->n_sync_brokers++] = nb->id;
    }
    for (int i = 0; i < c->n_brokers; i++)
        broker_clear(&c->brokers[i]);
    free(c->brokers);
    c->brokers = list;
    c->n_brokers = n;
    c->brokers_loaded = 1;
    c->full_sync = 1; /* the live-broker list changed: everyone hears it */
    schedule_work(c);
    ctrl_tell_ready(c);
}

static void round_done(brokers_round_t *r)
{
    sk_ctrl_t *c = r->c;
    if (r->gen == c->gen && c->active) {
        cbroker_t *list = sk_calloc((size_t)r->n + 1, sizeof(*list));
        int n = 0;
        for (int i = 0; i < r->n; i++)
            if (r->ok[i])
                list[n++] = r->list[i];
            else
                broker_clear(&r->list[i]);
        c->brokers_listing = 0;
        c->brokers_read_ms = c->brokers_list_ms;
        apply_brokers(c, list, n);
        if (c->brokers_relist) {
            c->brokers_relist = 0;
            list_brokers(c);
        }
    } else {
        for (int i = 0; i < r->n; i++)
            broker_clear(&r->list[i]);
    }
    free(r->list);
    free(r->ok);
    free(r);
}

static void broker_data_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    broker_read_t *br = arg;
    brokers_round_t *r = br->round;
    cbroker_t *b = &r->list[br->index];
    char err[200];
    if (rc == ZOK && data &&
        sk_znode_broker_decode(data, (size_t)len, &b->reg, err, sizeof(err)) == SK_OK &&
        b->reg.n_endpoints > 0) {
        const sk_conf_t *conf = r->c->conf;
        const sk_znode_endpoint_t *ep = &b->reg.endpoints[0];
        for (int i = 0; i < b->reg.n_endpoints; i++)
            if (conf->inter_broker_listener_name &&
                strcmp(b->reg.endpoints[i].listener, conf->inter_broker_listener_name) == 0)
                ep = &b->reg.endpoints[i];
        b->host = sk_strdup(ep->host ? ep->host : "localhost");
        b->port = ep->port;
        b->rack = b->reg.rack ? sk_strdup(b->reg.rack) : NULL;
        b->epoch = stat->czxid;
        r->ok[br->index] = 1;
    } else if (rc == ZOK) {
        sk_warn("controller", "ignoring unreadable registration of broker %d: %s", b->id,
                data ? err : "no data");
    }
    free(br);
    if (--r->pending == 0)
        round_done(r);
}

static void brokers_watch_cb(int type, const char *path, void *arg)
{
    (void)type;
    (void)path;
    sk_ctrl_t *c = arg;
    if (!c->active)
        return;
    if (c->brokers_listing)
        c->brokers_relist = 1;
    else
        list_brokers(c);
}

static void brokers_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_ctrl_t *c = arg;
    if (c->active)
        list_brokers(c);
}

typedef struct gen_arg {
    sk_ctrl_t *c;
    uint32_t gen;
} gen_arg_t;

static void brokers_children_cb(int rc, char **names, int count, const struct Stat *stat,
                                void *arg)
{
    (void)stat;
    gen_arg_t *ga = arg;
    sk_ctrl_t *c = ga->c;
    uint32_t gen = ga->gen;
    free(ga);
    if (gen != c->gen || !c->active)
        return;
    if (rc != ZOK) {
        c->brokers_listing = 0;
        ctrl_tell_ready(c);
        sk_warn("controller", "listing /brokers/ids failed: %s; retrying", zerror(rc));
        struct timeval tv = {1, 0};
        evtimer_add(c->brokers_retry, &tv);
        return;
    }
    brokers_round_t *r = sk_calloc(1, sizeof(*r));
    r->c = c;
    r->gen = gen;
    r->n = count;
    r->pending = count;
    r->list = sk_calloc((size_t)count + 1, sizeof(*r->list));
    r->ok = sk_calloc((size_t)count + 1, sizeof(int));
    if (count == 0) {
        round_done(r);
        return;
    }
    /* Pipelined: every read is issued before any completes. */
    for (int i = 0; i < count; i++) {
        r->list[i].id = (int32_t)strtol(names[i], NULL, 10);
        broker_read_t *br = sk_calloc(1, sizeof(*br));
        br->round = r;
        br->index = i;
        char path[64];
        snprintf(path, sizeof(path), "/brokers/ids/%s", names[i]);
        sk_zk_get(c->zk, path, NULL, NULL, broker_data_cb, br);
    }
}

static void list_brokers(sk_ctrl_t *c)
{
    c->brokers_listing = 1;
    c->brokers_list_ms = sk_mono_ms();
    ctrl_tell_ready(c);
    gen_arg_t *ga = sk_calloc(1, sizeof(*ga));
    ga->c = c;
    ga->gen = c->gen;
    sk_zk_children(c->zk, "/brokers/ids", brokers_watch_cb, c, brokers_children_cb, ga);
}

/* ---------------------------------------------------------------- topics */

static void merge_partition(sk_ctrl_t *c, ctopic_t *t, cpart_t *p, const sk_zk_partition_t *zp)
{
    /* replicas, adding and removing (a reassignment may hold newer ones) */
    ctrl_reassign_merge(c, t, p, zp);
    /* ZooKeeper wins when it holds a newer version than ours. */
    if (zp->has_state && (!p->has_state || zp->state_version > p->zk_version) && !p->writing) {
        p->has_state = 1;
        p->leader = zp->leader;
        p->leader_epoch = zp->leader_epoch;
        p->ctrl_epoch = zp->controller_epoch;
        p->zk_version = zp->state_version;
        free(p->isr);
        p->isr = ids_dup(zp->isr, zp->n_isr);
        p->n_isr = zp->n_isr;
        p->changed = 1;
    }
}

static void topics_cb(const sk_zk_topic_t *topics, int n, void *arg)
{
    sk_ctrl_t *c = arg;
    if (!c->active)
        return;
    ctopic_t **next = sk_calloc((size_t)n + 1, sizeof(*next));
    for (int i = 0; i < n; i++) {
        const sk_zk_topic_t *zt = &topics[i];
        ctopic_t *t = ctrl_find_topic(c, zt->name);
        if (t) {
            for (int k = 0; k < c->n_topics; k++)
                if (c->topics[k] == t)
                    c->topics[k] = NULL;
        } else {
            t = sk_calloc(1, sizeof(*t));
            t->name = sk_strdup(zt->name);
            t->node_conflict = -1;
            if (c->topics_loaded)
                sk_info("controller", "new topic %s with %d partitions", zt->name,
                        zt->n_partitions);
        }
        if (!t->topic_id && zt->topic_id)
            t->topic_id = sk_strdup(zt->topic_id);
        /* the latest read wins: snapshots come in the order of the reads,
         * and every write to the node (ours too) makes the watcher read it */
        t->node_version = zt->node_version;
        if (zt->n_partitions > t->n_parts) {
            t->parts = sk_realloc(t->parts, (size_t)zt->n_partitions * sizeof(*t->parts));
            memset(t->parts + t->n_parts, 0,
                   (size_t)(zt->n_partitions - t->n_parts) * sizeof(*t->parts));
            for (int k = t->n_parts; k < zt->n_partitions; k++) {
                t->parts[k].id = k;
                t->parts[k].leader = -1;
                t->parts[k].isr = ids_dup(NULL, 0);
            }
            t->n_parts = zt->n_partitions;
            t->grown_ms = sk_mono_ms();
        }
        for (int k = 0; k < zt->n_partitions && k < t->n_parts; k++)
            merge_partition(c, t, &t->parts[k], &zt->partitions[k]);
        t->deleting = zt->marked_for_deletion;
        next[i] = t;
    }
    for (int k = 0; k < c->n_topics; k++)
        if (c->topics[k]) {
            sk_info("controller", "topic %s is gone", c->topics[k]->name);
            topic_free(c->topics[k]);
        }
    free(c->topics);
    c->topics = next;
    c->n_topics = n;
    c->topics_loaded = 1;
    schedule_work(c);
    ctrl_tell_ready(c);
}

/* ------------------------------------------------------- state writes */

static void op_free(ctl_op_t *op)
{
    free(op->st.isr);
    free(op->topic);
    free(op);
}

static void state_written_cb(int rc, const int *op_rcs, int n, void *arg)
{
    ctl_op_t *op = arg;
    sk_ctrl_t *c = op->c;
    if (op->gen != c->gen || !c->active) {
        if (op->done)
            op->done(SK_KERR_NOT_CONTROLLER, NULL, op->done_arg);
        op_free(op);
        return;
    }
    ctopic_t *t = ctrl_find_topic(c, op->topic);
    cpart_t *p = t && op->partition < t->n_parts ? &t->parts[op->partition] : NULL;
    if (p)
        p->writing = 0;
    /* op_rcs is NULL (n 0) when the multi was not evaluated (connection
     * or session lost): only a failed op 0, the epoch check, is fencing. */
    int fenced = rc != ZOK && n > 0 && op_rcs[0] != ZOK;
    if (rc == ZOK && p) {
        p->has_state = 1;
        p->leader = op->st.leader;
        p->leader_epoch = op->st.leader_epoch;
        p->ctrl_epoch = op->st.controller_epoch;
        p->zk_version = op->create ? 0 : op->expected_version + 1;
        free(p->isr);
        p->isr = ids_dup(op->st.isr, op->st.n_isr);
        p->n_isr = op->st.n_isr;
        p->changed = 1;
        p->is_new = op->create;
        sk_info("controller", "partition %s-%d: leader %d, leader epoch %d, isr size %d "
                "(controller epoch %d)", op->topic, op->partition, p->leader, p->leader_epoch,
                p->n_isr, c->epoch);
        schedule_work(c);
    } else if (fenced) {
        /* The epoch check failed: another controller was elected. */
        sk_warn("controller", "write to %s-%d fenced: /controller_epoch moved on; resigning",
                op->topic, op->partition);
    } else if (rc != ZOK) {
        /* During a ZooKeeper outage every retry fails: one line per 10 s. */
        int64_t now = sk_mono_ms();
        if (now - c->write_fail_logged_ms >= 10000) {
            sk_warn("controller", "writing the state of %s-%d failed: %s; will retry from "
                    "ZooKeeper's view (%d more failed writes since the last such line)",
                    op->topic, op->partition, zerror(rc), c->write_fail_skipped);
            c->write_fail_logged_ms = now;
            c->write_fail_skipped = 0;
        } else {
            c->write_fail_skipped++;
        }
        /* Without an answer (connection loss) the write may or may not have
         * happened; the topic watcher brings ZooKeeper's version, and the
         * work runs again in any case. */
        ctrl_work_later(c);
    }
    /* Answer after the in-memory state holds the write. */
    if (op->done) {
        int16_t err = SK_KERR_NONE;
        if (rc != ZOK)
            err = fenced ? SK_KERR_NOT_CONTROLLER : SK_KERR_INVALID_UPDATE_VERSION;
        sk_ctrl_pstate_t ps = {op->st.leader, op->st.leader_epoch, op->st.isr, op->st.n_isr,
                               op->expected_version + 1};
        op->done(err, err == SK_KERR_NONE ? &ps : NULL, op->done_arg);
        op->done = NULL;
    }
    op_free(op);
    if (fenced && c->resign)
        c->resign(c->resign_arg);
}

static void write_single(sk_ctrl_t *c, ctl_op_t *op);

static void parents_done_cb(int rc, void *arg)
{
    ctl_op_t *op = arg;
    sk_ctrl_t *c = op->c;
    if (op->gen != c->gen || !c->active || (rc != ZOK && rc != ZNODEEXISTS)) {
        ctopic_t *t = ctrl_find_topic(c, op->topic);
        if (t && op->partition < t->n_parts)
            t->parts[op->partition].writing = 0;
        if (rc != ZOK && rc != ZNODEEXISTS && op->gen == c->gen && c->active) {
            sk_warn("controller", "creating the state of %s-%d failed: %s; trying again",
                    op->topic, op->partition, zerror(rc));
            ctrl_work_later(c);
        }
        if (op->done)
            op->done(SK_KERR_NOT_CONTROLLER, NULL, op->done_arg);
        op_free(op);
        return;
    }
    write_single(c, op);
}

/* Adds op's state znode to m: created for a new partition, else set at the
 * version it was read at. */
static void multi_add_state(sk_zk_multi_t *m, const ctl_op_t *op)
{
    char path[512];
    snprintf(path, sizeof(path), "/brokers/topics/%s/partitions/%d/state", op->topic,
             op->partition);
    char *json = sk_znode_pstate_encode(&op->st);
    if (op->create)
        sk_zk_multi_create(m, path, json, (int)strlen(json), 0);
    else
        sk_zk_multi_set(m, path, json, (int)strlen(json), op->expected_version);
    free(json);
}

/* One partition's state write on its own: the epoch check and the write. */
static void write_single(sk_ctrl_t *c, ctl_op_t *op)
{
    sk_zk_multi_t *m = sk_zk_multi_new();
    sk_zk_multi_check(m, EPOCH_PATH, c->epoch_zkversion);
    multi_add_state(m, op);
    sk_zk_multi_run(c->zk, m, state_written_cb, op);
}

typedef struct state_batch {
    sk_ctrl_t *c;
    ctl_op_t **ops;
    int n;
} state_batch_t;

/* A multi of several partitions' states came back. Applied: each op is done
 * as if written alone. Fenced (the epoch check failed) or not evaluated
 * (connection or session lost): each op gets that outcome. Refused by one
 * set (a partition's version moved on): nothing was applied, and each op is
 * written again on its own, so that only that partition fails. */
static void batch_written_cb(int rc, const int *op_rcs, int n, void *arg)
{
    state_batch_t *b = arg;
    for (int i = 0; i < b->n; i++) {
        ctl_op_t *op = b->ops[i];
        if (rc == ZOK) {
            int rcs[2] = {ZOK, ZOK};
            state_written_cb(ZOK, rcs, 2, op);
        } else if (n > 0 && op_rcs[0] != ZOK) {
            int rcs[2] = {op_rcs[0], ZRUNTIMEINCONSISTENCY};
            state_written_cb(rc, rcs, 2, op);
        } else if (n == 0 || op->gen != b->c->gen || !b->c->active) {
            state_written_cb(rc, NULL, 0, op);
        } else {
            write_single(b->c, op);
        }
    }
    free(b->ops);
    free(b);
}

/* Partition states in one multi-op at most: ~150 bytes each, far below
 * ZooKeeper's 1 MB request limit. */
#define STATE_BATCH_MAX 500

/* Sends the writes queued in this loop turn: one alone as before, more in
 * multi-ops of one epoch check and up to STATE_BATCH_MAX sets (a controller
 * failover moving 3,000 leaders made 3,000 ZooKeeper transactions). */
static void batch_flush(sk_ctrl_t *c)
{
    /* taken out first: a completion may queue new writes */
    ctl_op_t **all = c->batch;
    int n_all = c->n_batch, live = 0;
    c->batch = NULL;
    c->n_batch = c->cap_batch = 0;
    /* those queued before a resignation are answered as stale */
    for (int i = 0; i < n_all; i++) {
        if (all[i]->gen != c->gen || !c->active)
            state_written_cb(ZCLOSING, NULL, 0, all[i]);
        else
            all[live++] = all[i];
    }
    for (int at = 0; at < live;) {
        int n = live - at < STATE_BATCH_MAX ? live - at : STATE_BATCH_MAX;
        ctl_op_t **ops = all + at;
        at += n;
        if (n == 1) {
            write_single(c, ops[0]);
            continue;
        }
        sk_zk_multi_t *m = sk_zk_multi_new();
        sk_zk_multi_check(m, EPOCH_PATH, c->epoch_zkversion);
        for (int i = 0; i < n; i++)
            multi_add_state(m, ops[i]);
        state_batch_t *b = sk_calloc(1, sizeof(*b));
        b->c = c;
        b->n = n;
        b->ops = sk_malloc((size_t)n * sizeof(*b->ops));
        memcpy(b->ops, ops, (size_t)n * sizeof(*b->ops));
        sk_debug("controller", "writing %d partition states in one multi-op", n);
        sk_zk_multi_run(c->zk, m, batch_written_cb, b);
    }
    free(all);
}

static void batch_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    batch_flush(arg);
}

/* Write a partition state, fenced by our controller epoch. */
void ctrl_write_state_cb(sk_ctrl_t *c, ctopic_t *t, cpart_t *p, int32_t leader,
                         const int32_t *isr, int n_isr, int32_t leader_epoch, int create,
                         sk_ctrl_alter_done_fn done, void *done_arg)
{
    ctl_op_t *op = sk_calloc(1, sizeof(*op));
    op->c = c;
    op->gen = c->gen;
    op->topic = sk_strdup(t->name);
    op->partition = p->id;
    op->create = create;
    op->done = done;
    op->done_arg = done_arg;
    op->expected_version = p->zk_version;
    op->st.controller_epoch = c->epoch;
    op->st.leader = leader;
    op->st.leader_epoch = leader_epoch;
    op->st.isr = ids_dup(isr, n_isr);
    op->st.n_isr = n_isr;
    p->writing = 1;
    char path[512];
    if (create) {
        snprintf(path, sizeof(path), "/brokers/topics/%s/partitions/%d", t->name, p->id);
        sk_zk_create_recursive(c->zk, path, NULL, -1, parents_done_cb, op);
        return;
    }
    /* sent at the end of this loop turn, with the others of the turn */
    if (c->n_batch == c->cap_batch) {
        c->cap_batch = c->cap_batch ? 2 * c->cap_batch : 64;
        c->batch = sk_realloc(c->batch, (size_t)c->cap_batch * sizeof(*c->batch));
    }
    c->batch[c->n_batch++] = op;
    if (c->n_batch == 1)
        event_active(c->batch_ev, 0, 0);
}

void ctrl_write_state(sk_ctrl_t *c, ctopic_t *t, cpart_t *p, int32_t leader,
                      const int32_t *isr, int n_isr, int32_t leader_epoch, int create)
{
    ctrl_write_state_cb(c, t, p, leader, isr, n_isr, leader_epoch, create, NULL, NULL);
}

int sk_ctrl_broker_epoch_is(sk_ctrl_t *c, int32_t broker_id, int64_t broker_epoch)
{
    const cbroker_t *b = ctrl_live_broker(c, broker_id);
    return b && b->epoch == broker_epoch;
}

const char *sk_ctrl_topic_by_id(sk_ctrl_t *c, const uint8_t id[16])
{
    uint8_t tid[16];
    for (int i = 0; i < c->n_topics; i++) {
        const ctopic_t *t = c->topics[i];
        if (t && t->topic_id && sk_znode_uuid_decode(t->topic_id, tid) == 0 &&
            memcmp(tid, id, 16) == 0)
            return t->name;
    }
    return NULL;
}

/* The first member of isr the controller would not let into it, or -1: not
 * an assigned replica, not live, newly added while shutting down, or (with
 * epochs) registered with another broker epoch. *why says which. */
static int32_t ineligible_member(sk_ctrl_t *c, const cpart_t *p, const int32_t *isr,
                                 const int64_t *epochs, int n_isr, const char **why)
{
    for (int i = 0; i < n_isr; i++) {
        const cbroker_t *m = ctrl_live_broker(c, isr[i]);
        *why = !ctrl_contains(p->replicas, p->n_replicas, isr[i]) ? "not a replica"
               : !m ? "not live"
               : (ctrl_contains(c->shutting, c->n_shutting, isr[i]) &&
                  !ctrl_contains(p->isr, p->n_isr, isr[i])) ? "shutting down"
               : (epochs && epochs[i] != -1 && epochs[i] != m->epoch) ? "stale broker epoch"
               : NULL;
        if (*why)
            return isr[i];
    }
    return -1;
}

void sk_ctrl_alter_isr(sk_ctrl_t *c, int32_t broker_id, int64_t broker_epoch, const char *topic,
                       int32_t partition, int32_t leader_epoch, int32_t partition_epoch,
                       const int32_t *isr, const int64_t *isr_epochs, int n_isr,
                       sk_ctrl_alter_done_fn done, void *arg)
{
    if (!c->active || !c->brokers_loaded || !c->topics_loaded) {
        done(SK_KERR_NOT_CONTROLLER, NULL, arg);
        return;
    }
    cbroker_t *b = ctrl_live_broker(c, broker_id);
    if (!b || (broker_epoch >= 0 && broker_epoch != b->epoch)) {
        done(SK_KERR_STALE_BROKER_EPOCH, NULL, arg);
        return;
    }
    ctopic_t *t = ctrl_find_topic(c, topic);
    if (!t || partition < 0 || partition >= t->n_parts || !t->parts[partition].has_state ||
        t->deleting) {
        done(SK_KERR_UNKNOWN_TOPIC_OR_PARTITION, NULL, arg);
        return;
    }
    cpart_t *p = &t->parts[partition];
    if (p->leader != broker_id) {
        done(SK_KERR_NOT_LEADER_OR_FOLLOWER, NULL, arg);
        return;
    }
    if (leader_epoch != p->leader_epoch) {
        done(SK_KERR_FENCED_LEADER_EPOCH, NULL, arg);
        return;
    }
    if (partition_epoch != p->zk_version || p->writing) {
        done(SK_KERR_INVALID_UPDATE_VERSION, NULL, arg);
        return;
    }
    /* The ISR keeps the leader, holds only assigned, live replicas, never empty. */
    if (n_isr < 1 || !ctrl_contains(isr, n_isr, broker_id)) {
        done(SK_KERR_INVALID_REQUEST, NULL, arg);
        return;
    }
    const char *why = NULL;
    int32_t bad = ineligible_member(c, p, isr, isr_epochs, n_isr, &why);
    if (bad >= 0) {
        sk_info("controller", "partition %s-%d: ISR change from leader %d refused: replica %d "
                "is ineligible (%s)", topic, partition, broker_id, bad, why);
        done(SK_KERR_INELIGIBLE_REPLICA, NULL, arg);
        return;
    }
    sk_info("controller", "partition %s-%d: ISR change from leader %d (%d -> %d members)",
            topic, partition, broker_id, p->n_isr, n_isr);
    ctrl_write_state_cb(c, t, p, p->leader, isr, n_isr, p->leader_epoch, 0, done, arg);
}

int ctrl_replica_up(sk_ctrl_t *c, const ctopic_t *t, const cpart_t *p, int32_t id)
{
    return ctrl_live_broker(c, id) && !ctrl_replica_offline(c, t->name, p->id, id);
}

/* Leader election rules (spec §4.5) for one partition. */
static void reconcile_partition(sk_ctrl_t *c, ctopic_t *t, cpart_t *p)
{
    if (p->writing || t->deleting)
        return;
    int32_t *live = sk_calloc((size_t)p->n_replicas + 1, sizeof(int32_t));
    int n_live = 0;
    for (int i = 0; i < p->n_replicas; i++)
        if (ctrl_replica_up(c, t, p, p->replicas[i]))
            live[n_live++] = p->replicas[i];
    if (!p->has_state) {
        /* New partition: first live replica leads; every live replica is in sync. */
        if (n_live > 0)
            ctrl_write_state(c, t, p, live[0], live, n_live, 0, 1);
        free(live);
        return;
    }
    int32_t *isr_live = sk_calloc((size_t)p->n_isr + 1, sizeof(int32_t));
    int n_isr_live = 0;
    for (int i = 0; i < p->n_isr; i++)
        if (ctrl_replica_up(c, t, p, p->isr[i]))
            isr_live[n_isr_live++] = p->isr[i];
    int leader_live = p->leader >= 0 && ctrl_replica_up(c, t, p, p->leader);
    if (!leader_live) {
        int32_t leader = -1;
        for (int i = 0; i < p->n_replicas && leader < 0; i++)
            if (ctrl_contains(isr_live, n_isr_live, p->replicas[i]) &&
                ctrl_candidate(c, p->replicas[i]))
                leader = p->replicas[i];
        /* Only brokers in controlled shutdown left: better one of them than none. */
        for (int i = 0; i < p->n_replicas && leader < 0; i++)
            if (ctrl_contains(isr_live, n_isr_live, p->replicas[i]))
                leader = p->replicas[i];
        if (leader < 0 && c->conf->unclean_leader_election_enable && n_live > 0) {
            leader = live[0];
            isr_live[0] = leader;
            n_isr_live = 1;
            sk_warn("controller", "unclean leader election for %s-%d: broker %d leads, data "
                    "may be lost", t->name, p->id, leader);
        }
        if (leader >= 0) {
            ctrl_write_state(c, t, p, leader, isr_live, n_isr_live, p->leader_epoch + 1, 0);
        } else if (p->leader != -1) {
            /* Offline: no live in-sync replica. The ISR keeps its last member. */
            const int32_t *isr = n_isr_live > 0 ? isr_live : p->isr;
            int n = n_isr_live > 0 ? n_isr_live : p->n_isr;
            sk_warn("controller", "partition %s-%d is offline: no live in-sync replica", t->name,
                    p->id);
            ctrl_write_state(c, t, p, -1, isr, n, p->leader_epoch + 1, 0);
        }
    } else if (n_isr_live < p->n_isr) {
        ctrl_write_state(c, t, p, p->leader, isr_live, n_isr_live, p->leader_epoch + 1, 0);
    }
    free(isr_live);
    free(live);
}

/* ------------------------------------------------------------ deletion */

typedef struct del_op {
    sk_ctrl_t *c;
    uint32_t gen;
    char *topic;
    char **paths;   /* znodes to remove, children first */
    int n_paths;
    int next;
    int pending;    /* StopReplica answers still awaited */
} del_op_t;

static void del_op_free(del_op_t *d)
{
    for (int i = 0; i < d->n_paths; i++)
        free(d->paths[i]);
    free(d->paths);
    free(d->topic);
    free(d);
}

static void del_next(del_op_t *d);

static void del_step_cb(int rc, const int *op_rcs, int n, void *arg)
{
    del_op_t *d = arg;
    sk_ctrl_t *c = d->c;
    if (d->gen != c->gen || !c->active) {
        del_op_free(d);
        return;
    }
    if (sk_zk_rc_class(rc) == SK_ZK_RC_TRANSIENT || sk_zk_rc_class(rc) == SK_ZK_RC_SESSION ||
        rc == ZNOTEMPTY) {
        /* Not evaluated, or a node appeared under this one meanwhile: start
         * over later (every step is idempotent; the mark stays until the
         * topic node is gone). */
        sk_warn("controller", "deleting topic %s: removing %s failed: %s; trying again",
                d->topic, d->paths[d->next - 1], zerror(rc));
        ctopic_t *t = ctrl_find_topic(c, d->topic);
        if (t)
            t->delete_started = 0;
        del_op_free(d);
        ctrl_work_later(c);
        return;
    }
    if (rc != ZOK && n > 0 && op_rcs[0] != ZOK) {
        sk_warn("controller", "deleting topic %s fenced: /controller_epoch moved on; resigning",
                d->topic);
        del_op_free(d);
        if (c->resign)
            c->resign(c->resign_arg);
        return;
    }
    if (rc != ZOK && !(n > 1 && op_rcs[1] == ZNONODE))
        sk_warn("controller", "removing %s failed: %s", d->paths[d->next - 1], zerror(rc));
    del_next(d);
}

/* Remove the topic's znodes one by one, each fenced by our epoch. */
static void del_next(del_op_t *d)
{
    sk_ctrl_t *c = d->c;
    if (d->next >= d->n_paths) {
        sk_info("controller", "topic %s deleted", d->topic);
        del_op_free(d);
        return;
    }
    sk_zk_multi_t *m = sk_zk_multi_new();
    sk_zk_multi_check(m, EPOCH_PATH, c->epoch_zkversion);
    sk_zk_multi_delete(m, d->paths[d->next++], -1);
    sk_zk_multi_run(c->zk, m, del_step_cb, d);
}

static void del_add(del_op_t *d, char *path)
{
    d->paths = sk_realloc(d->paths, (size_t)(d->n_paths + 1) * sizeof(char *));
    d->paths[d->n_paths++] = path;
}

static void stop_replica_done_cb(int rc, const uint8_t *body, size_t len, void *arg)
{
    (void)rc;
    (void)body;
    (void)len;
    del_op_t *d = arg;
    if (--d->pending > 0)
        return;
    sk_ctrl_t *c = d->c;
    if (d->gen != c->gen || !c->active) {
        del_op_free(d);
        return;
    }
    del_next(d);
}

/* A partition state write of the topic is in flight: a deletion started now
 * would find the state node created under it ("not empty"). */
static int topic_writing(const ctopic_t *t)
{
    for (int k = 0; k < t->n_parts; k++)
        if (t->parts[k].writing)
            return 1;
    return 0;
}

/* Every replica stops and deletes its data, then the znodes go: the
 * partition states, the topic node, its config and the deletion mark. */
static void start_deletion(sk_ctrl_t *c, ctopic_t *t)
{
    for (int k = 0; k < t->n_parts; k++)
        for (int r = 0; r < t->parts[k].n_replicas; r++)
            if (!ctrl_live_broker(c, t->parts[k].replicas[r])) {
                if (!t->delete_paused_logged)
                    sk_info("controller", "deletion of topic %s waits: replica on broker %d is "
                            "offline", t->name, t->parts[k].replicas[r]);
                t->delete_paused_logged = 1;
                return;
            }
    t->delete_started = 1;
    sk_info("controller", "deleting topic %s (%d partitions)", t->name, t->n_parts);
    del_op_t *d = sk_calloc(1, sizeof(*d));
    d->c = c;
    d->gen = c->gen;
    d->topic = sk_strdup(t->name);
    for (int k = 0; k < t->n_parts; k++) {
        del_add(d, sk_asprintf("/brokers/topics/%s/partitions/%d/state", t->name, k));
        del_add(d, sk_asprintf("/brokers/topics/%s/partitions/%d", t->name, k));
    }
    del_add(d, sk_asprintf("/brokers/topics/%s/partitions", t->name));
    del_add(d, sk_asprintf("/brokers/topics/%s", t->name));
    del_add(d, sk_asprintf("/config/topics/%s", t->name));
    del_add(d, sk_asprintf("/admin/delete_topics/%s", t->name));
    for (int k = 0; k < t->n_parts; k++)
        t->parts[k].changed = 1; /* UpdateMetadata tells every broker (leader -2) */

    d->pending = 1; /* held while requests are queued */
    int32_t *parts = sk_calloc((size_t)t->n_parts + 1, sizeof(*parts));
    int32_t *epochs = sk_calloc((size_t)t->n_parts + 1, sizeof(*epochs));
    for (int i = 0; i < c->n_brokers; i++) {
        cbroker_t *b = &c->brokers[i];
        int n = 0;
        for (int k = 0; k < t->n_parts; k++)
            if (ctrl_contains(t->parts[k].replicas, t->parts[k].n_replicas, b->id)) {
                parts[n] = k;
                epochs[n++] = SK_STOPREPLICA_EPOCH_DURING_DELETE;
            }
        if (n > 0 && ctrl_send_stop_replica(c, b, t->name, parts, epochs, n,
                                            stop_replica_done_cb, d) == SK_OK)
            d->pending++;
    }
    free(parts);
    free(epochs);
    stop_replica_done_cb(SK_OK, NULL, 0, d);
}

/* --------------------------------------------------------------- work */

void ctrl_work_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_ctrl_t *c = arg;
    if (!c->active || !c->brokers_loaded || !c->topics_loaded)
        return;
    for (int i = 0; i < c->n_topics; i++) {
        ctopic_t *t = c->topics[i];
        int moving = 0; /* deletion waits for reassignments (spec §4.8) */
        for (int k = 0; k < t->n_parts; k++)
            moving |= t->parts[k].ra_step != RA_NONE;
        if (t->deleting && !t->delete_started && c->conf->delete_topic_enable && !moving &&
            !topic_writing(t))
            start_deletion(c, t);
        for (int k = 0; k < t->n_parts; k++) {
            reconcile_partition(c, t, &t->parts[k]);
            ctrl_reassign_step(c, t, &t->parts[k]);
        }
    }
    ctrl_reassign_flush(c);
    if (c->ra_zk_check)
        ctrl_reassign_check(c);

    /* New partitions are announced together: while some of a topic's new
     * partitions have no state yet (their writes are in flight), brokers
     * hear of none of them, or a client's Metadata would list the topic with
     * fewer partitions than it has (Kafka announces them in one
     * UpdateMetadata). Bounded, so a partition whose state cannot be written
     * does not hide the others for long. */
    int64_t now = sk_mono_ms();
    int any_held = 0;
    for (int i = 0; i < c->n_topics; i++) {
        ctopic_t *t = c->topics[i];
        t->held = 0;
        if (t->deleting || now - t->grown_ms >= ANNOUNCE_HOLD_MS)
            continue;
        for (int k = 0; k < t->n_parts && !t->held; k++)
            t->held = !t->parts[k].has_state;
        any_held |= t->held;
    }
    if (any_held)
        ctrl_work_later(c);
    int any_changed = 0;
    for (int i = 0; i < c->n_topics; i++)
        for (int k = 0; k < c->topics[i]->n_parts && !c->topics[i]->held; k++)
            any_changed |= c->topics[i]->parts[k].changed;
    for (int i = 0; i < c->n_brokers; i++) {
        cbroker_t *b = &c->brokers[i];
        int full = ctrl_contains(c->sync_brokers, c->n_sync_brokers, b->id);
        if (full || any_changed)
            ctrl_send_leader_and_isr(c, b, full);
        if (full || any_changed || c->full_sync)
            ctrl_send_update_metadata(c, b, full || c->full_sync);
    }
    for (int i = 0; i < c->n_topics; i++)
        for (int k = 0; k < c->topics[i]->n_parts && !c->topics[i]->held; k++) {
            c->topics[i]->parts[k].changed = 0;
            c->topics[i]->parts[k].is_new = 0;
        }
    c->n_sync_brokers = 0;
    c->full_sync = 0;
}

static void schedule_work(sk_ctrl_t *c)
{
    event_active(c->work_ev, 0, 0);
}

void sk_ctrl_config_changed(sk_ctrl_t *c)
{
    if (c && c->active) {
        sk_info("controller", "configuration changed: every partition is looked at again");
        schedule_work(c);
    }
}

static void work_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_ctrl_t *c = arg;
    if (!c->active)
        return;
    if (c->prefer_retry) {
        c->prefer_retry = 0;
        ctrl_prefer_check(c);
    }
    ctrl_work_cb(-1, 0, c);
}

void ctrl_work_later(sk_ctrl_t *c)
{
    if (!c->active)
        return;
    struct timeval tv = {1, 0};
    evtimer_add(c->work_retry_ev, &tv);
}

/* ------------------------------------------------------------ lifecycle */

sk_ctrl_t *sk_ctrl_new(struct event_base *base, sk_zk_t *zk, const sk_conf_t *conf,
                       int32_t self_id, void (*resign)(void *arg), void *arg)
{
    sk_ctrl_t *c = sk_calloc(1, sizeof(*c));
    c->base = base;
    c->zk = zk;
    c->conf = conf;
    c->self = self_id;
    c->resign = resign;
    c->resign_arg = arg;
    c->work_ev = event_new(base, -1, 0, ctrl_work_cb, c);
    c->work_retry_ev = evtimer_new(base, work_retry_cb, c);
    c->batch_ev = event_new(base, -1, 0, batch_cb, c);
    c->brokers_retry = evtimer_new(base, brokers_retry_cb, c);
    c->rebalance_ev = event_new(base, -1, EV_PERSIST, ctrl_rebalance_cb, c);
    return c;
}

void sk_ctrl_activate(sk_ctrl_t *c, int32_t epoch, int32_t epoch_zkversion)
{
    if (c->active)
        sk_ctrl_deactivate(c);
    c->active = 1;
    c->gen++;
    c->epoch = epoch;
    c->epoch_zkversion = epoch_zkversion;
    char cid[32];
    snprintf(cid, sizeof(cid), "controller-%d", c->self);
    c->chan = sk_chan_new(c->base, cid);
    sk_info("controller", "loading cluster state (controller epoch %d)", epoch);
    list_brokers(c);
    c->topics_watch = sk_zkt_watch(c->zk, topics_cb, c);
    ctrl_prefer_check(c);
    ctrl_reassign_check(c);
    ctrl_logdir_start(c);
    if (c->conf->auto_leader_rebalance_enable) {
        int64_t ms = c->conf->leader_imbalance_check_interval_seconds * 1000;
        if (ms < 1000)
            ms = 1000;
        struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
        event_add(c->rebalance_ev, &tv);
    }
}

void sk_ctrl_deactivate(sk_ctrl_t *c)
{
    if (!c->active)
        return;
    c->active = 0;
    c->gen++;
    if (c->topics_watch) {
        sk_zkt_watcher_free(c->topics_watch);
        c->topics_watch = NULL;
    }
    sk_zk_unwatch(c->zk, c);
    event_del(c->brokers_retry);
    event_del(c->work_ev);
    event_del(c->work_retry_ev);
    c->prefer_retry = 0;
    event_del(c->rebalance_ev);
    sk_chan_free(c->chan);
    c->chan = NULL;
    c->inflight = 0;
    ctrl_reassign_clear(c);
    clear_state(c);
    ctrl_tell_ready(c);
}

int sk_ctrl_active(const sk_ctrl_t *c)
{
    return c->active;
}

int sk_ctrl_live_count(const sk_ctrl_t *c)
{
    return c && c->active ? c->n_brokers : 0;
}

void sk_ctrl_live_broker(const sk_ctrl_t *c, int i, int32_t *id, const char **rack)
{
    *id = c->brokers[i].id;
    *rack = c->brokers[i].rack;
}

void sk_ctrl_partition_counts(const sk_ctrl_t *c, int *offline, int *imbalance)
{
    *offline = *imbalance = 0;
    if (!c || !c->active || !c->topics_loaded)
        return;
    for (int i = 0; i < c->n_topics; i++) {
        const ctopic_t *t = c->topics[i];
        if (t->deleting)
            continue;
        for (int j = 0; j < t->n_parts; j++) {
            const cpart_t *p = &t->parts[j];
            if (!p->has_state)
                continue;
            int live = 0;
            for (int k = 0; k < c->n_brokers && p->leader >= 0; k++)
                if (c->brokers[k].id == p->leader)
                    live = 1;
            if (!live)
                (*offline)++;
            else if (p->n_replicas > 0 && p->leader != p->replicas[0])
                (*imbalance)++;
        }
    }
}

void sk_ctrl_free(sk_ctrl_t *c)
{
    if (!c)
        return;
    sk_ctrl_deactivate(c);
    batch_flush(c); /* the queued writes are stale now: answered NOT_CONTROLLER */
    free(c->batch);
    event_free(c->batch_ev);
    ctrl_logdir_free(c);
    event_free(c->work_ev);
    event_free(c->work_retry_ev);
    event_free(c->brokers_retry);
    event_free(c->rebalance_ev);
    free(c);
}

/* ------------------------------------------------------------ readiness */

int sk_ctrl_ready(const sk_ctrl_t *c)
{
    return c && c->active && c->brokers_loaded && c->topics_loaded && !c->brokers_listing;
}

int64_t sk_ctrl_brokers_read_ms(const sk_ctrl_t *c)
{
    return c->brokers_read_ms;
}

void sk_ctrl_reread_brokers(sk_ctrl_t *c)
{
    if (!c->active)
        return;
    if (c->brokers_listing)
        c->brokers_relist = 1;
    else
        list_brokers(c);
}

void sk_ctrl_on_ready(sk_ctrl_t *c, void (*fn)(void *arg), void *arg)
{
    c->ready_fn = fn;
    c->ready_arg = arg;
}

void ctrl_tell_ready(sk_ctrl_t *c)
{
    int now = sk_ctrl_ready(c);
    if (now == c->ready_told)
        return;
    c->ready_told = now;
    if (now && !c->ready_logged)
        sk_info("controller", "cluster loaded (%d live broker(s), %d topic(s)): admin requests "
                "are served (controller epoch %d)", c->n_brokers, c->n_topics, c->epoch);
    c->ready_logged = c->active && (c->ready_logged || now);
    if (c->ready_fn)
        c->ready_fn(c->ready_arg);
}
