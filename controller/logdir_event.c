/* logdir_event.c - the controller's side of a failed log dir (Kafka's
 * LogDirEventNotification, see ctrl_int.h).
 *
 * A broker whose log dir fails writes /log_dir_event_notification/
 * log_dir_event_<seq>. The active controller watches the children of that
 * node. For each batch of notifications it deletes them and sends every
 * live broker a full LeaderAndIsr (the broker id in the notification is not
 * needed for that, so nothing of it is parsed); a broker answers
 * KAFKA_STORAGE_ERROR for each partition whose log is in an offline dir,
 * and those replicas are remembered as offline for that broker's epoch
 * (a restart, with a new epoch, brings them back). reconcile_partition
 * (controller.c) treats an offline replica like one on a dead broker: it
 * cannot lead and leaves the ISR.
 */
#include "ctrl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "proto_leaderandisr.h"

#define LDE_PATH "/log_dir_event_notification"

typedef struct ctrl_offline_replica {
    char *topic;
    int32_t partition;
    int32_t broker;
    int64_t broker_epoch;
} offline_t;

struct ctrl_logdir {
    offline_t *v;
    int n;
};

typedef struct lde_op {
    sk_ctrl_t *c;
    uint32_t gen;
} lde_op_t;

static void lde_watch_cb(int type, const char *path, void *arg)
{
    (void)type;
    (void)path;
    sk_ctrl_t *c = arg;
    if (c->active)
        ctrl_logdir_start(c);
}

static void lde_children_cb(int rc, char **names, int count, const struct Stat *stat, void *arg)
{
    (void)stat;
    lde_op_t *op = arg;
    sk_ctrl_t *c = op->c;
    int stale = op->gen != c->gen || !c->active;
    free(op);
    if (stale || rc != ZOK || count == 0)
        return;
    sk_info("controller", "%d log dir event notification(s) (first %s): asking every live broker "
            "which replicas are offline", count, names[0]);
    for (int i = 0; i < count; i++) {
        char path[256];
        snprintf(path, sizeof(path), LDE_PATH "/%s", names[i]);
        sk_zk_delete(c->zk, path, -1, NULL, NULL);
    }
    for (int i = 0; i < c->n_brokers; i++)
        ctrl_send_leader_and_isr(c, &c->brokers[i], 1);
}

void ctrl_logdir_start(sk_ctrl_t *c)
{
    lde_op_t *op = sk_calloc(1, sizeof(*op));
    op->c = c;
    op->gen = c->gen;
    sk_zk_children(c->zk, LDE_PATH, lde_watch_cb, c, lde_children_cb, op);
}

int ctrl_replica_offline(sk_ctrl_t *c, const char *topic, int32_t partition, int32_t broker)
{
    struct ctrl_logdir *l = c->logdir;
    if (!l || l->n == 0)
        return 0;
    cbroker_t *b = ctrl_live_broker(c, broker);
    for (int i = 0; i < l->n; i++) {
        offline_t *o = &l->v[i];
        if (o->broker == broker && o->partition == partition && !strcmp(o->topic, topic))
            return b && b->epoch == o->broker_epoch;
    }
    return 0;
}

static void mark_offline(sk_ctrl_t *c, const char *topic, int32_t partition, int32_t broker,
                         int64_t epoch)
{
    struct ctrl_logdir *l = c->logdir;
    if (!l)
        l = c->logdir = sk_calloc(1, sizeof(*l));
    ctopic_t *t = ctrl_find_topic(c, topic);
    if (t && partition >= 0 && partition < t->n_parts)
        t->parts[partition].changed = 1; /* UpdateMetadata lists it in OfflineReplicas */
    for (int i = 0; i < l->n; i++) {
        offline_t *o = &l->v[i];
        if (o->broker == broker && o->partition == partition && !strcmp(o->topic, topic)) {
            o->broker_epoch = epoch;
            return;
        }
    }
    l->v = sk_realloc(l->v, (size_t)(l->n + 1) * sizeof(*l->v));
    l->v[l->n++] = (offline_t){sk_strdup(topic), partition, broker, epoch};
    sk_warn("controller", "partition %s-%d: replica on broker %d is offline (KAFKA_STORAGE_ERROR: "
            "its log dir failed); it cannot lead and leaves the ISR", topic, partition, broker);
}

static const ctopic_t *topic_by_id(sk_ctrl_t *c, const uint8_t id[16])
{
    for (int i = 0; i < c->n_topics; i++) {
        uint8_t have[16];
        const ctopic_t *t = c->topics[i];
        if (t->topic_id && sk_znode_uuid_decode(t->topic_id, have) == SK_OK &&
            !memcmp(have, id, 16))
            return t;
    }
    return NULL;
}

void ctrl_logdir_lai_answer(sk_ctrl_t *c, int32_t broker, int64_t epoch, const uint8_t *body,
                            size_t len)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_leaderandisr_resp_t resp;
    sk_leaderandisr_resp_init(&resp);
    int found = 0;
    if (sk_leaderandisr_resp_decode(&r, SK_CTRL_LEADERANDISR_VERSION, a, &resp) != SK_OK) {
        sk_warn("controller", "LeaderAndIsr answer from broker %d does not decode", broker);
        sk_arena_free(a);
        return;
    }
    for (int32_t i = 0; i < resp.TopicsCnt; i++) {
        const sk_leaderandisr_resp_topic_t *t = &resp.Topics[i];
        const ctopic_t *ct = NULL;
        for (int32_t k = 0; k < t->PartitionErrorsCnt; k++) {
            if (t->PartitionErrors[k].ErrorCode != SK_KERR_KAFKA_STORAGE_ERROR)
                continue;
            if (!ct && !(ct = topic_by_id(c, t->TopicId)))
                break;
            mark_offline(c, ct->name, t->PartitionErrors[k].PartitionIndex, broker, epoch);
            found++;
        }
    }
    sk_arena_free(a);
    if (found)
        ctrl_work_later(c);
}

void ctrl_logdir_free(sk_ctrl_t *c)
{
    struct ctrl_logdir *l = c->logdir;
    if (!l)
        return;
    for (int i = 0; i < l->n; i++)
        free(l->v[i].topic);
    free(l->v);
    free(l);
    c->logdir = NULL;
}
