/* ctrl_elect.c - the controller moving leaders on request and for balance:
 * controlled shutdown (spec §4.7), ElectLeaders, the auto leader rebalance
 * and /admin/preferred_replica_election (§2.10). See controller.h and
 * ctrl_int.h. */
#include "ctrl_int.h"

#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "rebalance.h"

#include <stdlib.h>

/* ------------------------------------------- controlled shutdown (§4.7) */

typedef struct csd_op {
    sk_ctrl_t *c;
    uint32_t gen;
    int32_t broker;
    int pending;
    sk_ctrl_shutdown_done_fn done;
    void *arg;
} csd_op_t;

static void csd_finish(csd_op_t *op)
{
    sk_ctrl_t *c = op->c;
    if (op->gen != c->gen || !c->active) {
        op->done(SK_KERR_NOT_CONTROLLER, NULL, 0, op->arg);
        free(op);
        return;
    }
    /* Tell the brokers now, before the answer lets the broker go. */
    ctrl_work_cb(-1, 0, c);
    int cap = 0, n = 0;
    for (int i = 0; i < c->n_topics; i++)
        cap += c->topics[i]->n_parts;
    sk_ctrl_tp_t *rem = sk_calloc((size_t)cap + 1, sizeof(*rem));
    int alone = 0;
    for (int i = 0; i < c->n_topics; i++) {
        ctopic_t *t = c->topics[i];
        for (int k = 0; k < t->n_parts; k++) {
            cpart_t *p = &t->parts[k];
            if (!p->has_state || t->deleting || p->leader != op->broker || p->n_replicas < 2)
                continue;
            /* Retrying helps only while another replica is live (it may still
             * join the ISR); with none, the broker may as well go now. */
            int other_live = 0;
            for (int r = 0; r < p->n_replicas; r++)
                if (p->replicas[r] != op->broker && ctrl_live_broker(c, p->replicas[r]))
                    other_live = 1;
            if (other_live)
                rem[n++] = (sk_ctrl_tp_t){t->name, p->id};
            else
                alone++;
        }
    }
    sk_info("controller", "controlled shutdown of broker %d: %d replicated partition(s) still "
            "led by it (and %d without another live replica)", op->broker, n, alone);
    op->done(SK_KERR_NONE, rem, n, op->arg);
    free(rem);
    free(op);
}

static void csd_write_done(int16_t err, const sk_ctrl_pstate_t *st, void *arg)
{
    (void)st;
    (void)err;
    csd_op_t *op = arg;
    if (--op->pending == 0)
        csd_finish(op);
}

void sk_ctrl_controlled_shutdown(sk_ctrl_t *c, int32_t broker_id, int64_t broker_epoch,
                                 sk_ctrl_shutdown_done_fn done, void *arg)
{
    if (!c->active || !c->brokers_loaded || !c->topics_loaded) {
        done(SK_KERR_NOT_CONTROLLER, NULL, 0, arg);
        return;
    }
    cbroker_t *b = ctrl_live_broker(c, broker_id);
    if (!b || (broker_epoch >= 0 && broker_epoch != b->epoch)) {
        sk_warn("controller", "controlled shutdown request from broker %d with epoch %lld "
                "refused: %s", broker_id, (long long)broker_epoch,
                b ? "stale broker epoch" : "not a live broker");
        /* Kafka: an id not registered is BROKER_NOT_AVAILABLE ("Broker id N
         * does not exist"), whatever epoch came with it (v0-1 carry none). */
        done(b ? SK_KERR_STALE_BROKER_EPOCH : SK_KERR_BROKER_NOT_AVAILABLE, NULL, 0, arg);
        return;
    }
    if (!ctrl_contains(c->shutting, c->n_shutting, broker_id)) {
        c->shutting = sk_realloc(c->shutting, (size_t)(c->n_shutting + 1) * sizeof(int32_t));
        c->shutting[c->n_shutting++] = broker_id;
    }
    csd_op_t *op = sk_calloc(1, sizeof(*op));
    op->c = c;
    op->gen = c->gen;
    op->broker = broker_id;
    op->done = done;
    op->arg = arg;
    op->pending = 1; /* held while writes are started */
    int moved = 0, dropped = 0;
    for (int i = 0; i < c->n_topics; i++) {
        ctopic_t *t = c->topics[i];
        if (t->deleting)
            continue;
        for (int k = 0; k < t->n_parts; k++) {
            cpart_t *p = &t->parts[k];
            if (!p->has_state || p->writing || p->n_replicas < 2 ||
                !ctrl_contains(p->isr, p->n_isr, broker_id))
                continue;
            int32_t *isr = sk_calloc((size_t)p->n_isr + 1, sizeof(int32_t));
            int n_isr = 0;
            for (int r = 0; r < p->n_isr; r++)
                if (p->isr[r] != broker_id)
                    isr[n_isr++] = p->isr[r];
            if (p->leader == broker_id) {
                int32_t leader = -1;
                for (int r = 0; r < p->n_replicas && leader < 0; r++)
                    if (p->replicas[r] != broker_id && ctrl_contains(isr, n_isr, p->replicas[r]) &&
                        ctrl_candidate(c, p->replicas[r]))
                        leader = p->replicas[r];
                if (leader >= 0) {
                    sk_info("controller", "controlled shutdown of broker %d: %s-%d moves to "
                            "broker %d (leader epoch %d)", broker_id, t->name, p->id, leader,
                            p->leader_epoch + 1);
                    op->pending++;
                    moved++;
                    ctrl_write_state_cb(c, t, p, leader, isr, n_isr, p->leader_epoch + 1, 0,
                                        csd_write_done, op);
                }
            } else if (n_isr > 0) {
                op->pending++;
                dropped++;
                ctrl_write_state_cb(c, t, p, p->leader, isr, n_isr, p->leader_epoch + 1, 0,
                                    csd_write_done, op);
            }
            free(isr);
        }
    }
    sk_info("controller", "controlled shutdown of broker %d (epoch %lld): moving %d "
            "leadership(s), leaving %d ISR(s)", broker_id, (long long)broker_epoch, moved,
            dropped);
    csd_write_done(SK_KERR_NONE, NULL, op);
}

int sk_ctrl_idle(const sk_ctrl_t *c)
{
    return !c->active || c->inflight == 0;
}

/* ------------------------------------------ leader elections on request */

typedef struct elect_op {
    sk_ctrl_t *c;
    uint32_t gen;
    sk_ctrl_elect_result_t *res;
    char **names;          /* owned copies of the topic names */
    int n;
    int pending;
    sk_ctrl_elect_done_fn done;
    void *arg;
} elect_op_t;

typedef struct elect_item {
    elect_op_t *op;
    int index;
} elect_item_t;

static void elect_finish(elect_op_t *op)
{
    sk_ctrl_t *c = op->c;
    if (op->gen == c->gen && c->active)
        ctrl_work_cb(-1, 0, c);
    op->done(SK_KERR_NONE, op->res, op->n, op->arg);
    for (int i = 0; i < op->n; i++)
        free(op->names[i]);
    free(op->names);
    free(op->res);
    free(op);
}

static void elect_write_done(int16_t err, const sk_ctrl_pstate_t *st, void *arg)
{
    (void)st;
    elect_item_t *it = arg;
    elect_op_t *op = it->op;
    sk_ctrl_elect_result_t *r = &op->res[it->index];
    if (err == SK_KERR_NOT_CONTROLLER) {
        r->err = SK_KERR_NOT_CONTROLLER;
        r->msg = "the controller moved during the election";
    } else if (err != SK_KERR_NONE) {
        r->err = SK_KERR_PREFERRED_LEADER_NOT_AVAILABLE;
        r->msg = "the partition state changed during the election; try again";
    }
    free(it);
    if (--op->pending == 0)
        elect_finish(op);
}

/* Decide one partition; start a write (result filled by the callback) or
 * fill the result at once. */
static void elect_one(sk_ctrl_t *c, elect_op_t *op, int idx, int type)
{
    sk_ctrl_elect_result_t *r = &op->res[idx];
    ctopic_t *t = ctrl_find_topic(c, r->topic);
    if (!t || t->deleting || r->partition < 0 || r->partition >= t->n_parts ||
        !t->parts[r->partition].has_state) {
        r->err = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        r->msg = "the topic partition does not exist";
        return;
    }
    cpart_t *p = &t->parts[r->partition];
    int32_t leader = -1;
    int32_t live_isr[p->n_isr + 1];
    const int32_t *isr = p->isr;
    int n_isr = p->n_isr;
    if (type == 0) {
        int32_t pref = p->n_replicas > 0 ? p->replicas[0] : -1;
        if (pref >= 0 && p->leader == pref) {
            r->err = SK_KERR_ELECTION_NOT_NEEDED;
            r->msg = "the preferred replica already leads";
            return;
        }
        if (pref < 0 || !ctrl_candidate(c, pref) || !ctrl_contains(p->isr, p->n_isr, pref) ||
            p->writing) {
            r->err = SK_KERR_PREFERRED_LEADER_NOT_AVAILABLE;
            r->msg = p->writing ? "a state change of the partition is in progress"
                                : "the preferred replica is not live and in sync";
            return;
        }
        leader = pref;
    } else {
        if (p->leader >= 0 && ctrl_live_broker(c, p->leader)) {
            r->err = SK_KERR_ELECTION_NOT_NEEDED;
            r->msg = "the partition has a live leader";
            return;
        }
        for (int i = 0; i < p->n_replicas && leader < 0; i++)
            if (ctrl_contains(p->isr, p->n_isr, p->replicas[i]) &&
                ctrl_candidate(c, p->replicas[i]))
                leader = p->replicas[i];
        for (int i = 0; i < p->n_replicas && leader < 0; i++)
            if (ctrl_candidate(c, p->replicas[i]))
                leader = p->replicas[i];
        if (leader < 0 || p->writing) {
            r->err = SK_KERR_ELIGIBLE_LEADERS_NOT_AVAILABLE;
            r->msg = p->writing ? "a state change of the partition is in progress"
                                : "no replica of the partition is live";
            return;
        }
        if (!ctrl_contains(p->isr, p->n_isr, leader)) {
            sk_warn("controller", "unclean leader election for %s-%d on request: broker %d "
                    "leads, data may be lost", t->name, p->id, leader);
            live_isr[0] = leader;
            n_isr = 1;
        } else {
            n_isr = 0;
            for (int i = 0; i < p->n_isr; i++)
                if (ctrl_live_broker(c, p->isr[i]))
                    live_isr[n_isr++] = p->isr[i];
        }
        isr = live_isr;
    }
    r->err = SK_KERR_NONE;
    r->msg = NULL;
    sk_info("controller", "%s leader election for %s-%d: broker %d (leader epoch %d)",
            type == 0 ? "preferred" : "unclean", t->name, p->id, leader, p->leader_epoch + 1);
    elect_item_t *it = sk_calloc(1, sizeof(*it));
    it->op = op;
    it->index = idx;
    op->pending++;
    ctrl_write_state_cb(c, t, p, leader, isr, n_isr, p->leader_epoch + 1, 0, elect_write_done, it);
}

void sk_ctrl_elect_leaders(sk_ctrl_t *c, int type, const sk_ctrl_tp_t *tps, int n,
                           sk_ctrl_elect_done_fn done, void *arg)
{
    if (!c->active || !c->brokers_loaded || !c->topics_loaded) {
        done(SK_KERR_NOT_CONTROLLER, NULL, 0, arg);
        return;
    }
    elect_op_t *op = sk_calloc(1, sizeof(*op));
    op->c = c;
    op->gen = c->gen;
    op->done = done;
    op->arg = arg;
    if (!tps || n < 0) {
        int cap = 0;
        for (int i = 0; i < c->n_topics; i++)
            cap += c->topics[i]->deleting ? 0 : c->topics[i]->n_parts;
        op->res = sk_calloc((size_t)cap + 1, sizeof(*op->res));
        op->names = sk_calloc((size_t)cap + 1, sizeof(char *));
        for (int i = 0; i < c->n_topics; i++) {
            if (c->topics[i]->deleting)
                continue;
            for (int k = 0; k < c->topics[i]->n_parts; k++) {
                op->names[op->n] = sk_strdup(c->topics[i]->name);
                op->res[op->n].topic = op->names[op->n];
                op->res[op->n].partition = k;
                op->n++;
            }
        }
    } else {
        op->res = sk_calloc((size_t)n + 1, sizeof(*op->res));
        op->names = sk_calloc((size_t)n + 1, sizeof(char *));
        for (int i = 0; i < n; i++) {
            op->names[i] = sk_strdup(tps[i].topic ? tps[i].topic : "");
            op->res[i].topic = op->names[i];
            op->res[i].partition = tps[i].partition;
        }
        op->n = n;
    }
    op->pending = 1;
    for (int i = 0; i < op->n; i++)
        elect_one(c, op, i, type);
    if (--op->pending == 0)
        elect_finish(op);
}

/* --------------------------------------------------- auto rebalance */

void ctrl_rebalance_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_ctrl_t *c = arg;
    if (!c->active || !c->brokers_loaded || !c->topics_loaded ||
        !c->conf->auto_leader_rebalance_enable)
        return;
    for (int bi = 0; bi < c->n_brokers; bi++) {
        int32_t id = c->brokers[bi].id;
        if (!ctrl_candidate(c, id))
            continue;
        int total = 0, not_led = 0;
        for (int i = 0; i < c->n_topics; i++) {
            ctopic_t *t = c->topics[i];
            for (int k = 0; k < t->n_parts && !t->deleting; k++) {
                cpart_t *p = &t->parts[k];
                if (!p->has_state || p->n_replicas < 1 || p->replicas[0] != id)
                    continue;
                total++;
                if (p->leader != id)
                    not_led++;
            }
        }
        if (!sk_rebalance_imbalanced(total, not_led,
                                     c->conf->leader_imbalance_per_broker_percentage))
            continue;
        sk_info("controller", "auto leader rebalance: broker %d leads %d of the %d partitions "
                "it is preferred for (imbalance above %d%%)", id, total - not_led, total,
                c->conf->leader_imbalance_per_broker_percentage);
        for (int i = 0; i < c->n_topics; i++) {
            ctopic_t *t = c->topics[i];
            for (int k = 0; k < t->n_parts && !t->deleting; k++) {
                cpart_t *p = &t->parts[k];
                if (!p->has_state || p->writing || p->n_replicas < 1 || p->replicas[0] != id ||
                    p->leader == id || !ctrl_contains(p->isr, p->n_isr, id))
                    continue;
                sk_info("controller", "auto leader rebalance: %s-%d back to broker %d (leader "
                        "epoch %d)", t->name, p->id, id, p->leader_epoch + 1);
                ctrl_write_state(c, t, p, id, p->isr, p->n_isr, p->leader_epoch + 1, 0);
            }
        }
    }
}

/* ------------------------------- /admin/preferred_replica_election (§2.10) */

#define PREFER_PATH "/admin/preferred_replica_election"

typedef struct prefer_op {
    sk_ctrl_t *c;
    uint32_t gen;
    int zk_version;
} prefer_op_t;

/* A read of the znode got no answer: check it again with the next work
 * retry (a session loss ends this controller instead). */
static void prefer_retry_later(sk_ctrl_t *c, int rc)
{
    if (sk_zk_rc_class(rc) == SK_ZK_RC_SESSION)
        return;
    c->prefer_retry = 1;
    ctrl_work_later(c);
}

static void prefer_deleted_cb(int rc, const int *op_rcs, int n, void *arg)
{
    prefer_op_t *po = arg;
    sk_ctrl_t *c = po->c;
    int stale = po->gen != c->gen || !c->active;
    free(po);
    if (stale)
        return;
    if (rc != ZOK && n > 0 && op_rcs[0] != ZOK) {
        sk_warn("controller", "deleting %s fenced: /controller_epoch moved on; resigning",
                PREFER_PATH);
        if (c->resign)
            c->resign(c->resign_arg);
    } else if (rc != ZOK && !(n > 1 && op_rcs[1] == ZNONODE)) {
        sk_warn("controller", "deleting %s failed: %s", PREFER_PATH, zerror(rc));
    }
}

static void prefer_delete(prefer_op_t *po)
{
    sk_ctrl_t *c = po->c;
    sk_zk_multi_t *m = sk_zk_multi_new();
    sk_zk_multi_check(m, EPOCH_PATH, c->epoch_zkversion);
    sk_zk_multi_delete(m, PREFER_PATH, po->zk_version);
    sk_zk_multi_run(c->zk, m, prefer_deleted_cb, po);
}

static void prefer_elected_cb(int16_t top_err, const sk_ctrl_elect_result_t *res, int n,
                              void *arg)
{
    prefer_op_t *po = arg;
    sk_ctrl_t *c = po->c;
    if (top_err != SK_KERR_NONE || po->gen != c->gen || !c->active) {
        free(po);
        return;
    }
    int ok = 0;
    for (int i = 0; i < n; i++) {
        if (res[i].err == SK_KERR_NONE)
            ok++;
        else
            sk_info("controller", "preferred replica election for %s-%d: %s (%s)",
                    res[i].topic, res[i].partition, sk_kerr_name(res[i].err),
                    res[i].msg ? res[i].msg : "");
    }
    sk_info("controller", "%s: elected the preferred leader of %d of %d partition(s)",
            PREFER_PATH, ok, n);
    prefer_delete(po);
}

static void prefer_watch_cb(int type, const char *path, void *arg)
{
    (void)type;
    (void)path;
    sk_ctrl_t *c = arg;
    if (c->active)
        ctrl_prefer_check(c);
}

static void prefer_data_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    prefer_op_t *po = arg;
    sk_ctrl_t *c = po->c;
    if (po->gen != c->gen || !c->active || rc != ZOK) {
        if (rc != ZOK && rc != ZNONODE && po->gen == c->gen && c->active) {
            sk_warn("controller", "reading %s failed: %s; trying again", PREFER_PATH,
                    zerror(rc));
            prefer_retry_later(c, rc);
        }
        free(po);
        return;
    }
    po->zk_version = stat->version;
    char err[256];
    sk_ctrl_tp_t *tps = NULL;
    int n = 0;
    if (sk_rebalance_parse_election(data, data && len > 0 ? (size_t)len : 0, 1, &tps, &n, err,
                                    sizeof(err)) != SK_OK) {
        sk_warn("controller", "ignoring %s: %s; deleting it", PREFER_PATH, err);
        prefer_delete(po);
        return;
    }
    sk_info("controller", "%s lists %d partition(s): electing preferred leaders", PREFER_PATH, n);
    sk_ctrl_elect_leaders(c, 0, tps, n, prefer_elected_cb, po);
    sk_rebalance_tps_free(tps, n);
}

static void prefer_exists_cb(int rc, const char *data, int len, const struct Stat *stat,
                             void *arg)
{
    (void)data;
    (void)len;
    (void)stat;
    prefer_op_t *po = arg;
    sk_ctrl_t *c = po->c;
    if (po->gen != c->gen || !c->active || rc != ZOK) {
        /* ZNONODE leaves the watch set; anything else may not have. */
        if (rc != ZOK && rc != ZNONODE && po->gen == c->gen && c->active) {
            sk_warn("controller", "watching %s failed: %s; trying again", PREFER_PATH,
                    zerror(rc));
            prefer_retry_later(c, rc);
        }
        free(po);
        return;
    }
    sk_zk_get(c->zk, PREFER_PATH, NULL, NULL, prefer_data_cb, po);
}

/* Exists-watch the znode; when present, act on it. */
void ctrl_prefer_check(sk_ctrl_t *c)
{
    prefer_op_t *po = sk_calloc(1, sizeof(*po));
    po->c = c;
    po->gen = c->gen;
    sk_zk_exists(c->zk, PREFER_PATH, prefer_watch_cb, c, prefer_exists_cb, po);
}
