/* reassign.c - partition reassignment on the controller (spec §4.9; see
 * controller.h and ctrl_int.h).
 *
 * For a partition with original replicas ORS and target TRS the full set is
 * RS = TRS ++ (ORS - TRS); the topic node gets RS with adding_replicas =
 * RS - ORS and removing_replicas = RS - TRS, and the steps of ctrl_ra_step_t
 * follow: the node write, a leader epoch bump (LeaderAndIsr to all of RS:
 * the new replicas start fetching), waiting until every target replica is in
 * the ISR (the leader adds them through AlterPartition), a state with a
 * leader from the target and the ISR within it, and the node with TRS alone;
 * then the removed replicas get StopReplica with delete. Every step is
 * persisted in ZooKeeper before the next, so a new controller resumes from
 * the topic nodes (a partition with adding/removing replicas is waiting for
 * its target to catch up). Nothing is removed before the whole target is in
 * sync, so a target broker that dies leaves the reassignment waiting and
 * the ISR as it was. /admin/reassign_partitions (Kafka's legacy way in) is
 * read on activation and whenever it changes; each partition it lists is
 * dropped from it once done or refused, and the node deleted when empty.
 * @locality loop
 */
#include "ctrl_int.h"

#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "reassign_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REASSIGN_PATH "/admin/reassign_partitions"

static const char *const step_names[RA_STEP_COUNT] = {"NONE", "NODE_WRITE", "BUMP",
                                                      "CATCHUP", "SHRINK", "FINISH"};

/* allowed[from][to] */
static const unsigned char allowed[RA_STEP_COUNT][RA_STEP_COUNT] = {
    /*              NONE NODE BUMP CATCH SHRINK FINISH */
    [RA_NONE] = {0, 1, 0, 1, 0, 0},
    [RA_NODE_WRITE] = {0, 0, 1, 0, 0, 0},
    [RA_BUMP] = {0, 1, 0, 1, 0, 0},
    [RA_CATCHUP] = {1, 1, 0, 0, 1, 0},
    [RA_SHRINK] = {0, 1, 0, 1, 0, 1},
    [RA_FINISH] = {1, 1, 0, 0, 0, 0},
};

const char *ctrl_ra_step_name(int step)
{
    return step >= 0 && step < RA_STEP_COUNT ? step_names[step] : "?";
}

static int ra_set(ctopic_t *t, cpart_t *p, ctrl_ra_step_t to, const char *why)
{
    int from = p->ra_step;
    if (from == (int)to)
        return 0;
    if (!allowed[from][to]) {
        sk_error("controller", "partition %s-%d: reassignment %s: %s -> %s refused (leader "
                 "epoch %d)", t->name, p->id, why, step_names[from], step_names[to],
                 p->leader_epoch);
        return -1;
    }
    sk_info("controller", "partition %s-%d: reassignment %s: %s -> %s (leader epoch %d)",
            t->name, p->id, why, step_names[from], step_names[to], p->leader_epoch);
    p->ra_step = to;
    return 0;
}

static int32_t *ids_copy(const int32_t *v, int n)
{
    int32_t *o = sk_calloc((size_t)(n > 0 ? n : 1), sizeof(int32_t));
    if (n > 0 && v)
        memcpy(o, v, (size_t)n * sizeof(int32_t));
    return o;
}

static void ids_set(int32_t **dst, int *n_dst, const int32_t *v, int n)
{
    free(*dst);
    *dst = ids_copy(v, n);
    *n_dst = n;
}

static int ids_equal(const int32_t *a, int na, const int32_t *b, int nb)
{
    if (na != nb)
        return 0;
    for (int i = 0; i < na; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* "[1, 2]" as Kafka prints a Seq. */
static void ids_fmt(char *buf, size_t len, const int32_t *v, int n)
{
    size_t o = 0;
    o += (size_t)snprintf(buf + o, len - o, "[");
    for (int i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%d", i ? ", " : "", v[i]);
    if (o < len)
        snprintf(buf + o, len - o, "]");
}

static int reassigning(const cpart_t *p)
{
    return p->ra_step != RA_NONE || p->n_adding > 0 || p->n_removing > 0;
}

/* TRS: RS without the removing replicas. n_out is set; caller frees. */
static int32_t *target_of(const cpart_t *p, int *n_out)
{
    int32_t *v = ids_copy(NULL, p->n_replicas);
    int n = 0;
    for (int i = 0; i < p->n_replicas; i++)
        if (!ctrl_contains(p->removing, p->n_removing, p->replicas[i]))
            v[n++] = p->replicas[i];
    *n_out = n;
    return v;
}

/* ORS: RS without the adding replicas. */
static int32_t *original_of(const cpart_t *p, int *n_out)
{
    int32_t *v = ids_copy(NULL, p->n_replicas);
    int n = 0;
    for (int i = 0; i < p->n_replicas; i++)
        if (!ctrl_contains(p->adding, p->n_adding, p->replicas[i]))
            v[n++] = p->replicas[i];
    *n_out = n;
    return v;
}

void ctrl_reassign_free(cpart_t *p)
{
    free(p->adding);
    free(p->removing);
    free(p->dropped);
    p->adding = p->removing = p->dropped = NULL;
    p->n_adding = p->n_removing = p->n_dropped = 0;
}

/* ------------------------------------------- /admin/reassign_partitions */

typedef struct ra_gen {
    sk_ctrl_t *c;
    uint32_t gen;
} gen_arg_t;

static void zk_sync(sk_ctrl_t *c);

static void zk_written_cb(int rc, const int *op_rcs, int n, void *arg)
{
    gen_arg_t *ga = arg;
    sk_ctrl_t *c = ga->c;
    uint32_t gen = ga->gen;
    free(ga);
    if (gen != c->gen || !c->active)
        return;
    c->ra_zk_writing = 0;
    if (rc != ZOK && n > 0 && op_rcs[0] != ZOK) {
        sk_warn("controller", "writing %s fenced: /controller_epoch moved on; resigning",
                REASSIGN_PATH);
        if (c->resign)
            c->resign(c->resign_arg);
        return;
    }
    if (rc != ZOK && !(n > 1 && op_rcs[1] == ZNONODE)) {
        sk_warn("controller", "writing %s failed: %s; trying again", REASSIGN_PATH, zerror(rc));
        c->ra_zk_dirty = 1;
        ctrl_work_later(c);
        return;
    }
    if (c->ra_zk_dirty) {
        c->ra_zk_dirty = 0;
        zk_sync(c);
    }
}

/* Write the list as it stands: without the partitions done or refused;
 * deleted when empty. Fenced by our controller epoch. */
static void zk_sync(sk_ctrl_t *c)
{
    if (!c->ra_zk)
        return;
    if (c->ra_zk_writing) {
        c->ra_zk_dirty = 1;
        return;
    }
    sk_zk_multi_t *m = sk_zk_multi_new();
    sk_zk_multi_check(m, EPOCH_PATH, c->epoch_zkversion);
    if (c->ra_zk->n == 0) {
        sk_info("controller", "%s: every listed partition is done; deleting it", REASSIGN_PATH);
        sk_zk_multi_delete(m, REASSIGN_PATH, -1);
        sk_reassign_list_clear(c->ra_zk);
        free(c->ra_zk);
        c->ra_zk = NULL;
    } else {
        char *json = sk_reassign_json_encode(c->ra_zk, 0);
        sk_zk_multi_set(m, REASSIGN_PATH, json, json ? (int)strlen(json) : 0, -1);
        free(json);
    }
    c->ra_zk_writing = 1;
    gen_arg_t *ga = sk_calloc(1, sizeof(*ga));
    ga->c = c;
    ga->gen = c->gen;
    sk_zk_multi_run(c->zk, m, zk_written_cb, ga);
}

/* Drop topic-partition from the znode's list (done or refused). */
static void zk_forget(sk_ctrl_t *c, const char *topic, int32_t partition)
{
    if (!c->ra_zk)
        return;
    sk_reassign_list_t *l = c->ra_zk;
    for (int i = 0; i < l->n; i++)
        if (l->items[i].partition == partition && strcmp(l->items[i].topic, topic) == 0) {
            free(l->items[i].topic);
            free(l->items[i].replicas);
            memmove(&l->items[i], &l->items[i + 1], (size_t)(l->n - i - 1) * sizeof(*l->items));
            l->n--;
            zk_sync(c);
            return;
        }
}

/* -------------------------------------------------------- StopReplica */

/* Stop and delete replica t-p on each of brokers (those live; a broker that
 * is down keeps its log until an operator removes it). */
static void stop_replicas(sk_ctrl_t *c, ctopic_t *t, cpart_t *p, const int32_t *brokers, int n)
{
    for (int i = 0; i < n; i++) {
        cbroker_t *b = ctrl_live_broker(c, brokers[i]);
        if (!b) {
            sk_warn("controller", "partition %s-%d: removed replica on broker %d is offline: "
                    "its log stays there", t->name, p->id, brokers[i]);
            continue;
        }
        int32_t part = p->id, epoch = p->leader_epoch;
        if (ctrl_send_stop_replica(c, b, t->name, &part, &epoch, 1, NULL, NULL) == SK_OK)
            sk_info("controller", "partition %s-%d: StopReplica (delete) to broker %d (leader "
                    "epoch %d)", t->name, p->id, b->id, p->leader_epoch);
    }
}

/* ------------------------------------------ answers after node writes */

typedef struct ra_waiter {
    struct ra_waiter *next;
    char **topics; /* whose topic znode must be written first */
    int n;
    sk_ctrl_reassign_done_fn done;
    void *arg;
} ra_waiter_t;

static void waiter_free(ra_waiter_t *w)
{
    for (int i = 0; i < w->n; i++)
        free(w->topics[i]);
    free(w->topics);
    free(w);
}

/* Answer every request whose topics have no node write pending (all, when
 * the controller stops). */
static void waiters_check(sk_ctrl_t *c, int all)
{
    ra_waiter_t **pw = &c->ra_waiters;
    while (*pw) {
        ra_waiter_t *w = *pw;
        int ready = 1;
        for (int i = 0; i < w->n && ready && !all; i++) {
            ctopic_t *t = ctrl_find_topic(c, w->topics[i]);
            ready = !t || (!t->node_dirty && !t->node_writing);
        }
        if (!ready) {
            pw = &w->next;
            continue;
        }
        *pw = w->next;
        w->done(w->arg);
        waiter_free(w);
    }
}

/* ------------------------------------------------------- topic node */

typedef struct node_op {
    sk_ctrl_t *c;
    uint32_t gen;
    char *topic;
    int32_t version; /* the node version the write was conditional on (-1: none) */
} node_op_t;

static void node_written_cb(int rc, const int *op_rcs, int n, void *arg)
{
    node_op_t *op = arg;
    sk_ctrl_t *c = op->c;
    if (op->gen != c->gen || !c->active)
        goto out;
    ctopic_t *t = ctrl_find_topic(c, op->topic);
    if (!t)
        goto out;
    t->node_writing = 0;
    if (rc != ZOK && n > 0 && op_rcs[0] != ZOK) {
        sk_warn("controller", "writing the topic node of %s fenced: /controller_epoch moved "
                "on; resigning", t->name);
        if (c->resign)
            c->resign(c->resign_arg);
        goto out;
    }
    if (rc != ZOK) {
        if (n > 1 && op_rcs[1] == ZBADVERSION) {
            /* someone else wrote the node since our snapshot (CreatePartitions, a
             * tool): written again from the snapshot that shows their change */
            t->node_conflict = op->version;
            sk_warn("controller", "writing the topic node of %s refused: it changed since "
                    "version %d was read; writing it again once the new version is read",
                    t->name, op->version);
        } else {
            sk_warn("controller", "writing the topic node of %s failed: %s; trying again",
                    t->name, zerror(rc));
        }
        for (int k = 0; k < t->n_parts; k++)
            t->parts[k].node_wait = 0;
        t->node_dirty = 1;
        ctrl_work_later(c);
        goto out;
    }
    if (op->version >= 0 && t->node_version <= op->version)
        t->node_version = op->version + 1;
    t->node_conflict = -1;
    for (int k = 0; k < t->n_parts; k++) {
        cpart_t *p = &t->parts[k];
        p->sync_wait = 1; /* until the watcher shows what we wrote */
        if (!p->node_wait)
            continue;
        p->node_wait = 0;
        if (p->n_dropped > 0) {
            stop_replicas(c, t, p, p->dropped, p->n_dropped);
            free(p->dropped);
            p->dropped = NULL;
            p->n_dropped = 0;
        }
        p->changed = 1;
        if (p->ra_step == RA_NODE_WRITE) {
            ra_set(t, p, RA_BUMP, "replicas written to the topic node");
        } else if (p->ra_step == RA_FINISH) {
            ra_set(t, p, RA_NONE, "completed");
            zk_forget(c, t->name, p->id);
        }
    }
    ctrl_work_cb(-1, 0, c);
    waiters_check(c, 0);
out:
    free(op->topic);
    free(op);
}

static void node_write(sk_ctrl_t *c, ctopic_t *t)
{
    if (t->node_conflict >= 0 && t->node_version == t->node_conflict) {
        ctrl_work_later(c); /* the snapshot with the other writer's change is on its way */
        return;
    }
    sk_znode_topic_t node;
    memset(&node, 0, sizeof(node));
    node.version = 3;
    node.topic_id = t->topic_id;
    node.partitions = sk_calloc((size_t)t->n_parts + 1, sizeof(*node.partitions));
    node.adding = sk_calloc((size_t)t->n_parts + 1, sizeof(*node.adding));
    node.removing = sk_calloc((size_t)t->n_parts + 1, sizeof(*node.removing));
    for (int k = 0; k < t->n_parts; k++) {
        cpart_t *p = &t->parts[k];
        node.partitions[k] = (sk_znode_replicas_t){k, p->replicas, p->n_replicas};
        if (p->n_adding > 0)
            node.adding[node.n_adding++] = (sk_znode_replicas_t){k, p->adding, p->n_adding};
        if (p->n_removing > 0)
            node.removing[node.n_removing++] =
                (sk_znode_replicas_t){k, p->removing, p->n_removing};
    }
    node.n_partitions = t->n_parts;
    for (int k = 0; k < t->n_parts; k++)
        if (t->parts[k].n_replicas == 0) {
            /* a partition added meanwhile whose replicas we have not read */
            free(node.partitions);
            free(node.adding);
            free(node.removing);
            sk_warn("controller", "topic node of %s not written yet: partition %d has no "
                    "replicas known; trying again", t->name, k);
            ctrl_work_later(c);
            return;
        }
    char *json = sk_znode_topic_encode(&node);
    free(node.partitions);
    free(node.adding);
    free(node.removing);
    if (!json) {
        sk_error("controller", "cannot encode the topic node of %s", t->name);
        return;
    }
    for (int k = 0; k < t->n_parts; k++)
        if (t->parts[k].ra_step == RA_NODE_WRITE || t->parts[k].ra_step == RA_FINISH)
            t->parts[k].node_wait = 1;
    t->node_dirty = 0;
    t->node_writing = 1;
    node_op_t *op = sk_calloc(1, sizeof(*op));
    op->c = c;
    op->gen = c->gen;
    op->topic = sk_strdup(t->name);
    op->version = t->node_version;
    char *path = sk_znode_topic_path(t->name);
    sk_zk_multi_t *m = sk_zk_multi_new();
    sk_zk_multi_check(m, EPOCH_PATH, c->epoch_zkversion);
    sk_zk_multi_set(m, path, json, (int)strlen(json), op->version);
    sk_zk_multi_run(c->zk, m, node_written_cb, op);
    free(path);
    free(json);
}

void ctrl_reassign_flush(sk_ctrl_t *c)
{
    for (int i = 0; i < c->n_topics; i++)
        if (c->topics[i]->node_dirty && !c->topics[i]->node_writing)
            node_write(c, c->topics[i]);
}

/* ------------------------------------------------------------- steps */

typedef struct step_op {
    sk_ctrl_t *c;
    uint32_t gen;
    char *topic;
    int32_t partition;
    int step; /* the step the write belongs to */
} step_op_t;

static void step_written_cb(int16_t err, const sk_ctrl_pstate_t *st, void *arg)
{
    (void)st;
    step_op_t *op = arg;
    sk_ctrl_t *c = op->c;
    ctopic_t *t = op->gen == c->gen && c->active ? ctrl_find_topic(c, op->topic) : NULL;
    cpart_t *p = t && op->partition < t->n_parts ? &t->parts[op->partition] : NULL;
    if (p && p->ra_step == op->step) {
        if (err != SK_KERR_NONE) {
            sk_warn("controller", "partition %s-%d: reassignment state write failed (%s); "
                    "trying again", t->name, p->id, sk_kerr_name(err));
            if (op->step == RA_SHRINK)
                ra_set(t, p, RA_CATCHUP, "state write failed");
            ctrl_work_later(c);
        } else if (op->step == RA_BUMP) {
            ra_set(t, p, RA_CATCHUP, "leader epoch bumped, new replicas started");
        } else if (op->step == RA_SHRINK) {
            /* The ISR is within the target: the node gets the target. */
            int n_trs;
            int32_t *trs = target_of(p, &n_trs);
            int n_drop = p->n_dropped + p->n_removing;
            p->dropped = sk_realloc(p->dropped, (size_t)(n_drop + 1) * sizeof(int32_t));
            memcpy(p->dropped + p->n_dropped, p->removing, (size_t)p->n_removing * sizeof(int32_t));
            p->n_dropped = n_drop;
            ids_set(&p->replicas, &p->n_replicas, trs, n_trs);
            ids_set(&p->adding, &p->n_adding, NULL, 0);
            ids_set(&p->removing, &p->n_removing, NULL, 0);
            free(trs);
            ra_set(t, p, RA_FINISH, "leader and ISR within the target");
            t->node_dirty = 1;
        }
    }
    free(op->topic);
    free(op);
}

static void step_write(sk_ctrl_t *c, ctopic_t *t, cpart_t *p, int32_t leader,
                       const int32_t *isr, int n_isr)
{
    step_op_t *op = sk_calloc(1, sizeof(*op));
    op->c = c;
    op->gen = c->gen;
    op->topic = sk_strdup(t->name);
    op->partition = p->id;
    op->step = p->ra_step;
    ctrl_write_state_cb(c, t, p, leader, isr, n_isr, p->leader_epoch + 1, 0, step_written_cb,
                        op);
}

/* Leader and ISR restricted to set: the ISR members in it (the ISR as it is
 * if none would be left), the leader kept if in it and live, else the
 * first member of set in that ISR that can lead (-1 if none). */
static int32_t restrict_to(sk_ctrl_t *c, const cpart_t *p, const int32_t *set, int n_set,
                           int32_t *isr, int *n_isr)
{
    int n = 0;
    for (int i = 0; i < p->n_isr; i++)
        if (ctrl_contains(set, n_set, p->isr[i]))
            isr[n++] = p->isr[i];
    if (n == 0) {
        memcpy(isr, p->isr, (size_t)p->n_isr * sizeof(int32_t));
        n = p->n_isr;
    }
    *n_isr = n;
    if (p->leader >= 0 && ctrl_contains(set, n_set, p->leader) && ctrl_live_broker(c, p->leader) &&
        ctrl_contains(isr, n, p->leader))
        return p->leader;
    for (int i = 0; i < n_set; i++)
        if (ctrl_contains(isr, n, set[i]) && ctrl_candidate(c, set[i]))
            return set[i];
    return -1;
}

void ctrl_reassign_step(sk_ctrl_t *c, ctopic_t *t, cpart_t *p)
{
    if (p->writing || !p->has_state || p->node_wait || t->node_writing || t->node_dirty)
        return;
    int32_t *isr = ids_copy(NULL, p->n_isr);
    int n_isr = 0;
    if (p->ra_step == RA_BUMP) {
        int32_t leader = restrict_to(c, p, p->replicas, p->n_replicas, isr, &n_isr);
        if (leader < 0)
            leader = p->leader;
        step_write(c, t, p, leader, isr, n_isr);
    } else if (p->ra_step == RA_CATCHUP) {
        int n_trs;
        int32_t *trs = target_of(p, &n_trs);
        int all = n_trs > 0;
        for (int i = 0; i < n_trs && all; i++)
            all = ctrl_contains(p->isr, p->n_isr, trs[i]);
        if (all) {
            int32_t leader = restrict_to(c, p, trs, n_trs, isr, &n_isr);
            if (leader >= 0) {
                ra_set(t, p, RA_SHRINK, "every target replica is in the ISR");
                step_write(c, t, p, leader, isr, n_isr);
            }
        }
        free(trs);
    }
    free(isr);
}

/* ---------------------------------------------------------- the snapshot */

void ctrl_reassign_merge(sk_ctrl_t *c, ctopic_t *t, cpart_t *p, const sk_zk_partition_t *zp)
{
    (void)c;
    int same = ids_equal(p->replicas, p->n_replicas, zp->replicas, zp->n_replicas) &&
               ids_equal(p->adding, p->n_adding, zp->adding, zp->n_adding) &&
               ids_equal(p->removing, p->n_removing, zp->removing, zp->n_removing);
    if ((t->node_dirty || t->node_writing || p->node_wait) && p->n_replicas > 0)
        return; /* ours is newer (a partition just added has none of ours) */
    if (p->sync_wait) {
        /* After a write of ours, a snapshot may still come from reads made
         * before it: wait until ZooKeeper shows what we wrote. */
        if (same)
            p->sync_wait = 0;
        return;
    }
    if (p->ra_step != RA_NONE && p->ra_step != RA_CATCHUP)
        return;
    if (same)
        return;
    ids_set(&p->replicas, &p->n_replicas, zp->replicas, zp->n_replicas);
    ids_set(&p->adding, &p->n_adding, zp->adding, zp->n_adding);
    ids_set(&p->removing, &p->n_removing, zp->removing, zp->n_removing);
    p->changed = 1;
    int in_node = p->n_adding > 0 || p->n_removing > 0;
    if (in_node && p->ra_step == RA_NONE)
        ra_set(t, p, RA_CATCHUP, "found in the topic node");
    else if (!in_node && p->ra_step == RA_CATCHUP)
        ra_set(t, p, RA_NONE, "gone from the topic node");
}

/* ------------------------------------------------------------- requests */

static int16_t validate(sk_ctrl_t *c, const cpart_t *p, const int32_t *reps, int n, char *msg,
                        size_t len)
{
    char list[120];
    ids_fmt(list, sizeof(list), reps, n);
    if (n == 0) {
        snprintf(msg, len, "Empty replica list specified in partition reassignment.");
        return SK_KERR_INVALID_REPLICA_ASSIGNMENT;
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < i; k++)
            if (reps[i] == reps[k]) {
                snprintf(msg, len, "Duplicate replica ids in partition reassignment replica "
                         "list: %s", list);
                return SK_KERR_INVALID_REPLICA_ASSIGNMENT;
            }
    for (int i = 0; i < n; i++)
        if (reps[i] < 0) {
            snprintf(msg, len, "Invalid broker id in replica list: %s", list);
            return SK_KERR_INVALID_REPLICA_ASSIGNMENT;
        }
    int n_ors;
    int32_t *ors = original_of(p, &n_ors);
    int32_t *dead = ids_copy(NULL, n);
    int n_dead = 0;
    for (int i = 0; i < n; i++)
        if (!ctrl_contains(ors, n_ors, reps[i]) && !ctrl_live_broker(c, reps[i]))
            dead[n_dead++] = reps[i];
    free(ors);
    int16_t err = SK_KERR_NONE;
    if (n_dead > 0) {
        int32_t *live = ids_copy(NULL, c->n_brokers);
        for (int i = 0; i < c->n_brokers; i++)
            live[i] = c->brokers[i].id;
        char dl[100], ll[100];
        ids_fmt(dl, sizeof(dl), dead, n_dead);
        ids_fmt(ll, sizeof(ll), live, c->n_brokers);
        free(live);
        snprintf(msg, len, "Replica assignment has brokers that are not alive. Replica list: %s, "
                 "live broker list: %s", dl, ll);
        err = SK_KERR_INVALID_REPLICA_ASSIGNMENT;
    }
    free(dead);
    return err;
}

/* Start (or change) p's reassignment to target. */
static void start(sk_ctrl_t *c, ctopic_t *t, cpart_t *p, const int32_t *target, int n_target,
                  const char *why)
{
    (void)c;
    int n_ors;
    int32_t *ors = original_of(p, &n_ors);
    int32_t *rs = ids_copy(NULL, n_target + n_ors + p->n_replicas);
    int n_rs = 0;
    for (int i = 0; i < n_target; i++)
        rs[n_rs++] = target[i];
    for (int i = 0; i < n_ors; i++)
        if (!ctrl_contains(rs, n_rs, ors[i]))
            rs[n_rs++] = ors[i];
    /* A replica the move being changed added and that is in the ISR now stays,
     * as one being removed, until the new target is in sync: the old move's
     * SHRINK may have made it the leader or left it among the only in-sync
     * copies, and nothing is removed before the whole target is in sync. */
    for (int i = 0; i < p->n_replicas; i++)
        if (!ctrl_contains(rs, n_rs, p->replicas[i]) &&
            (ctrl_contains(p->isr, p->n_isr, p->replicas[i]) || p->leader == p->replicas[i]))
            rs[n_rs++] = p->replicas[i];
    int32_t *adding = ids_copy(NULL, n_rs), *removing = ids_copy(NULL, n_rs);
    int n_adding = 0, n_removing = 0;
    for (int i = 0; i < n_rs; i++) {
        if (!ctrl_contains(ors, n_ors, rs[i]))
            adding[n_adding++] = rs[i];
        if (!ctrl_contains(target, n_target, rs[i]))
            removing[n_removing++] = rs[i];
    }
    /* Replicas of the old full set that the new one leaves out (being added
     * for a target now changed or cancelled, never in sync) are stopped once it
     * is written; one the old move was to stop (its FINISH write pending) that
     * the new set keeps is not. */
    int n_keep = 0;
    for (int i = 0; i < p->n_dropped; i++)
        if (!ctrl_contains(rs, n_rs, p->dropped[i]))
            p->dropped[n_keep++] = p->dropped[i];
    p->n_dropped = n_keep;
    for (int i = 0; i < p->n_replicas; i++)
        if (!ctrl_contains(rs, n_rs, p->replicas[i]) &&
            !ctrl_contains(p->dropped, p->n_dropped, p->replicas[i])) {
            p->dropped = sk_realloc(p->dropped, (size_t)(p->n_dropped + 1) * sizeof(int32_t));
            p->dropped[p->n_dropped++] = p->replicas[i];
        }
    char a[200], b[200], d[200];
    ids_fmt(a, sizeof(a), ors, n_ors);
    ids_fmt(b, sizeof(b), target, n_target);
    ids_fmt(d, sizeof(d), rs, n_rs);
    sk_info("controller", "partition %s-%d: reassignment from %s to %s (%s): replicas %s "
            "(leader epoch %d)", t->name, p->id, a, b, why, d, p->leader_epoch);
    ids_set(&p->replicas, &p->n_replicas, rs, n_rs);
    ids_set(&p->adding, &p->n_adding, adding, n_adding);
    ids_set(&p->removing, &p->n_removing, removing, n_removing);
    free(ors);
    free(rs);
    free(adding);
    free(removing);
    if (p->ra_step == RA_NONE || p->ra_step == RA_BUMP || p->ra_step == RA_CATCHUP ||
        p->ra_step == RA_SHRINK || p->ra_step == RA_FINISH)
        ra_set(t, p, RA_NODE_WRITE, why);
    t->node_dirty = 1;
}

/* One partition: validate, then start; err NONE also when nothing is to
 * be done (the target is the current assignment). */
static int16_t reassign_one(sk_ctrl_t *c, const sk_ctrl_reassign_req_t *r, char *msg,
                            size_t len, int *started)
{
    msg[0] = '\0';
    *started = 0;
    ctopic_t *t = ctrl_find_topic(c, r->topic);
    if (!t || t->deleting || r->partition < 0 || r->partition >= t->n_parts ||
        !t->parts[r->partition].has_state) {
        snprintf(msg, len, "The partition does not exist.");
        return SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
    }
    cpart_t *p = &t->parts[r->partition];
    if (r->cancel) {
        if (!reassigning(p)) {
            snprintf(msg, len, "No reassignment in progress for partition %s-%d.", t->name,
                     p->id);
            return SK_KERR_NO_REASSIGNMENT_IN_PROGRESS;
        }
        int n_ors;
        int32_t *ors = original_of(p, &n_ors);
        start(c, t, p, ors, n_ors, "cancelled");
        free(ors);
        *started = 1;
        return SK_KERR_NONE;
    }
    int16_t err = validate(c, p, r->replicas, r->n_replicas, msg, len);
    if (err != SK_KERR_NONE)
        return err;
    if (reassigning(p)) {
        int n_trs;
        int32_t *trs = target_of(p, &n_trs);
        int same = ids_equal(trs, n_trs, r->replicas, r->n_replicas);
        free(trs);
        if (same) {
            *started = 1; /* already on its way */
            return SK_KERR_NONE;
        }
    } else if (ids_equal(p->replicas, p->n_replicas, r->replicas, r->n_replicas)) {
        return SK_KERR_NONE;
    }
    start(c, t, p, r->replicas, r->n_replicas, "requested");
    *started = 1;
    return SK_KERR_NONE;
}

static int loaded(const sk_ctrl_t *c)
{
    return c->active && c->brokers_loaded && c->topics_loaded;
}

int16_t sk_ctrl_reassign(sk_ctrl_t *c, const sk_ctrl_reassign_req_t *reqs, int n,
                         sk_ctrl_reassign_res_t *res, sk_ctrl_reassign_done_fn done, void *arg)
{
    if (!loaded(c))
        return SK_KERR_NOT_CONTROLLER;
    ra_waiter_t *w = sk_calloc(1, sizeof(*w));
    w->topics = sk_calloc((size_t)n + 1, sizeof(char *));
    w->done = done;
    w->arg = arg;
    for (int i = 0; i < n; i++) {
        int started;
        res[i].err = reassign_one(c, &reqs[i], res[i].msg, sizeof(res[i].msg), &started);
        if (started) {
            int seen = 0;
            for (int k = 0; k < w->n && !seen; k++)
                seen = strcmp(w->topics[k], reqs[i].topic) == 0;
            if (!seen)
                w->topics[w->n++] = sk_strdup(reqs[i].topic);
        }
        if (res[i].err != SK_KERR_NONE)
            sk_info("controller", "reassignment of %s-%d refused: %s (%s)", reqs[i].topic,
                    reqs[i].partition, sk_kerr_name(res[i].err), res[i].msg);
        else if (reqs[i].cancel)
            zk_forget(c, reqs[i].topic, reqs[i].partition);
    }
    ctrl_work_cb(-1, 0, c);
    if (done) {
        w->next = c->ra_waiters;
        c->ra_waiters = w;
        waiters_check(c, 0);
    } else {
        waiter_free(w);
    }
    return SK_KERR_NONE;
}

int16_t sk_ctrl_list_reassignments(sk_ctrl_t *c, sk_ctrl_reassign_list_fn fn, void *arg)
{
    if (!loaded(c))
        return SK_KERR_NOT_CONTROLLER;
    for (int i = 0; i < c->n_topics; i++) {
        ctopic_t *t = c->topics[i];
        for (int k = 0; k < t->n_parts; k++) {
            cpart_t *p = &t->parts[k];
            if (p->n_adding == 0 && p->n_removing == 0)
                continue; /* none, or only a reorder / a cancellation finishing */
            sk_ctrl_reassign_info_t info = {t->name,    p->id,        p->replicas,
                                            p->n_replicas, p->adding,   p->n_adding,
                                            p->removing, p->n_removing};
            fn(&info, arg);
        }
    }
    return SK_KERR_NONE;
}

/* ----------------------------------------- reading the legacy znode */

static void zk_watch_cb(int type, const char *path, void *arg)
{
    (void)type;
    (void)path;
    sk_ctrl_t *c = arg;
    if (c->active)
        ctrl_reassign_check(c);
}

static void zk_data_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)stat;
    gen_arg_t *ga = arg;
    sk_ctrl_t *c = ga->c;
    uint32_t gen = ga->gen;
    free(ga);
    if (gen != c->gen || !c->active)
        return;
    if (rc == ZNONODE)
        return;
    if (rc != ZOK) {
        sk_warn("controller", "reading %s failed: %s; trying again", REASSIGN_PATH, zerror(rc));
        c->ra_zk_check = 1;
        ctrl_work_later(c);
        return;
    }
    if (!loaded(c)) {
        c->ra_zk_check = 1; /* acted on once the cluster is loaded */
        return;
    }
    char err[300];
    sk_reassign_list_t in;
    if (sk_reassign_json_decode(data, data && len > 0 ? (size_t)len : 0, &in, err,
                                sizeof(err)) != SK_OK) {
        sk_error("controller", "ignoring %s: %s; deleting it", REASSIGN_PATH, err);
        if (!c->ra_zk)
            c->ra_zk = sk_calloc(1, sizeof(*c->ra_zk));
        sk_reassign_list_clear(c->ra_zk);
        zk_sync(c);
        return;
    }
    sk_reassign_list_t *keep = sk_calloc(1, sizeof(*keep));
    int n_started = 0;
    for (int i = 0; i < in.n; i++) {
        sk_reassign_item_t *it = &in.items[i];
        sk_ctrl_reassign_req_t r = {it->topic, it->partition, it->replicas, it->n_replicas, 0};
        char msg[320];
        int started;
        int16_t e = reassign_one(c, &r, msg, sizeof(msg), &started);
        if (e != SK_KERR_NONE) {
            sk_error("controller", "%s: reassignment of %s-%d refused: %s (%s)", REASSIGN_PATH,
                     it->topic, it->partition, sk_kerr_name(e), msg);
            continue;
        }
        if (started) {
            sk_reassign_list_add(keep, it->topic, it->partition, it->replicas, it->n_replicas);
            n_started++;
        }
    }
    int changed = keep->n != in.n;
    sk_info("controller", "%s lists %d partition(s): %d in progress", REASSIGN_PATH, in.n,
            n_started);
    sk_reassign_list_clear(&in);
    if (c->ra_zk) {
        sk_reassign_list_clear(c->ra_zk);
        free(c->ra_zk);
    }
    c->ra_zk = keep;
    if (changed)
        zk_sync(c);
    ctrl_work_cb(-1, 0, c);
}

static void zk_exists_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)data;
    (void)len;
    (void)stat;
    gen_arg_t *ga = arg;
    sk_ctrl_t *c = ga->c;
    if (ga->gen != c->gen || !c->active || rc != ZOK) {
        if (rc != ZOK && rc != ZNONODE && ga->gen == c->gen && c->active) {
            sk_warn("controller", "watching %s failed: %s; trying again", REASSIGN_PATH,
                    zerror(rc));
            c->ra_zk_check = 1;
            ctrl_work_later(c);
        }
        free(ga);
        return;
    }
    sk_zk_get(c->zk, REASSIGN_PATH, NULL, NULL, zk_data_cb, ga);
}

void ctrl_reassign_check(sk_ctrl_t *c)
{
    c->ra_zk_check = 0;
    gen_arg_t *ga = sk_calloc(1, sizeof(*ga));
    ga->c = c;
    ga->gen = c->gen;
    sk_zk_exists(c->zk, REASSIGN_PATH, zk_watch_cb, c, zk_exists_cb, ga);
}

void ctrl_reassign_clear(sk_ctrl_t *c)
{
    waiters_check(c, 1);
    if (c->ra_zk) {
        sk_reassign_list_clear(c->ra_zk);
        free(c->ra_zk);
        c->ra_zk = NULL;
    }
    c->ra_zk_writing = c->ra_zk_dirty = c->ra_zk_check = 0;
}
