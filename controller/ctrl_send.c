/* ctrl_send.c - the controller's LeaderAndIsr, UpdateMetadata and StopReplica
 * requests to the brokers (see ctrl_int.h). */
#include "ctrl_int.h"

#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "net/channel.h"
#include "proto_leaderandisr.h"
#include "proto_stopreplica.h"
#include "proto_updatemetadata.h"

#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------- requests to brokers */

static void control_resp_cb(int rc, const uint8_t *body, size_t len, void *arg)
{
    (void)body;
    (void)len;
    sk_ctrl_t *c = arg;
    if (c->inflight > 0)
        c->inflight--;
    if (rc != SK_OK)
        sk_debug("controller", "control request dropped: broker gone");
}

/* A LeaderAndIsr answer: replicas the broker says are in an offline log
 * dir (KAFKA_STORAGE_ERROR) go to logdir_event.c. */
typedef struct lai_ctx {
    sk_ctrl_t *c;
    uint32_t gen;
    int32_t broker;
    int64_t broker_epoch;
} lai_ctx_t;

static void lai_resp_cb(int rc, const uint8_t *body, size_t len, void *arg)
{
    lai_ctx_t *x = arg;
    sk_ctrl_t *c = x->c;
    if (x->gen == c->gen && c->active && rc == SK_OK)
        ctrl_logdir_lai_answer(c, x->broker, x->broker_epoch, body, len);
    control_resp_cb(rc, body, len, c);
    free(x);
}

static void fill_lai_state(sk_ctrl_t *c, const ctopic_t *t, const cpart_t *p,
                           sk_leaderandisr_req_ungrouped_partition_state_t *s)
{
    (void)c;
    s->PartitionIndex = p->id;
    s->ControllerEpoch = p->ctrl_epoch;
    s->Leader = p->leader;
    s->LeaderEpoch = p->leader_epoch;
    s->Isr = p->isr;
    s->IsrCnt = p->n_isr;
    s->PartitionEpoch = p->zk_version;
    s->Replicas = p->replicas;
    s->ReplicasCnt = p->n_replicas;
    s->AddingReplicas = p->adding;
    s->AddingReplicasCnt = p->n_adding;
    s->RemovingReplicas = p->removing;
    s->RemovingReplicasCnt = p->n_removing;
    s->IsNew = p->is_new;
    (void)t;
}

/* LeaderAndIsr to one broker for the partitions it replicates (only the
 * changed ones unless full). */
void ctrl_send_leader_and_isr(sk_ctrl_t *c, const cbroker_t *b, int full)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_leaderandisr_req_t req;
    sk_leaderandisr_req_init(&req);
    req.ControllerId = c->self;
    req.ControllerEpoch = c->epoch;
    req.BrokerEpoch = b->epoch;
    req.Type = SK_LEADERANDISR_TYPE_UNKNOWN; /* v5+: as Kafka's ZooKeeper controller */
    (void)full;
    req.TopicStates = sk_arena_calloc(a, (size_t)c->n_topics + 1, sizeof(*req.TopicStates));
    int32_t *leaders = sk_arena_calloc(a, (size_t)c->n_brokers + 1, sizeof(int32_t));
    int n_leaders = 0;
    int n_parts = 0;
    for (int i = 0; i < c->n_topics; i++) {
        ctopic_t *t = c->topics[i];
        if (t->held)
            continue;
        sk_leaderandisr_req_topic_state_t *ts = &req.TopicStates[req.TopicStatesCnt];
        ts->TopicName = sk_str_c(t->name);
        if (t->topic_id) /* v5+: the id from /brokers/topics/<t> */
            sk_znode_uuid_decode(t->topic_id, ts->TopicId);
        ts->PartitionStates = sk_arena_calloc(a, (size_t)t->n_parts + 1,
                                              sizeof(*ts->PartitionStates));
        for (int k = 0; k < t->n_parts; k++) {
            cpart_t *p = &t->parts[k];
            if (!p->has_state || t->deleting || (!full && !p->changed) ||
                !ctrl_contains(p->replicas, p->n_replicas, b->id))
                continue;
            fill_lai_state(c, t, p, &ts->PartitionStates[ts->PartitionStatesCnt++]);
            if (p->leader >= 0 && !ctrl_contains(leaders, n_leaders, p->leader) &&
                ctrl_live_broker(c, p->leader))
                leaders[n_leaders++] = p->leader;
        }
        if (ts->PartitionStatesCnt > 0) {
            req.TopicStatesCnt++;
            n_parts += ts->PartitionStatesCnt;
        }
    }
    if (n_parts == 0) {
        sk_arena_free(a);
        return;
    }
    req.LiveLeaders = sk_arena_calloc(a, (size_t)n_leaders + 1, sizeof(*req.LiveLeaders));
    for (int i = 0; i < n_leaders; i++) {
        cbroker_t *lb = ctrl_live_broker(c, leaders[i]);
        req.LiveLeaders[i].BrokerId = lb->id;
        req.LiveLeaders[i].HostName = sk_str_c(lb->host);
        req.LiveLeaders[i].Port = lb->port;
    }
    req.LiveLeadersCnt = n_leaders;
    sk_wr_t w;
    sk_wr_init(&w);
    if (sk_leaderandisr_req_encode(&w, SK_CTRL_LEADERANDISR_VERSION, &req) == SK_OK) {
        sk_debug("controller", "LeaderAndIsr (%d partitions) to broker %d", n_parts, b->id);
        c->inflight++;
        lai_ctx_t *x = sk_calloc(1, sizeof(*x));
        *x = (lai_ctx_t){c, c->gen, b->id, b->epoch};
        sk_chan_send(c->chan, b->id, 4, SK_CTRL_LEADERANDISR_VERSION, &w, lai_resp_cb, x);
    } else {
        sk_wr_free(&w);
        sk_error("controller", "encoding LeaderAndIsr failed");
    }
    sk_arena_free(a);
}

static int16_t sk_security_protocol_id(const char *name)
{
    if (!name || strcmp(name, "PLAINTEXT") == 0)
        return 0;
    if (strcmp(name, "SSL") == 0)
        return 1;
    if (strcmp(name, "SASL_PLAINTEXT") == 0)
        return 2;
    if (strcmp(name, "SASL_SSL") == 0)
        return 3;
    return 0;
}

/* UpdateMetadata to one broker: live brokers plus partition states (all of
 * them when full, else the changed ones). */
void ctrl_send_update_metadata(sk_ctrl_t *c, const cbroker_t *b, int full)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_updatemetadata_req_t req;
    sk_updatemetadata_req_init(&req);
    req.ControllerId = c->self;
    req.ControllerEpoch = c->epoch;
    req.BrokerEpoch = b->epoch;
    req.TopicStates = sk_arena_calloc(a, (size_t)c->n_topics + 1, sizeof(*req.TopicStates));
    for (int i = 0; i < c->n_topics; i++) {
        ctopic_t *t = c->topics[i];
        if (t->held)
            continue;
        sk_updatemetadata_req_topic_state_t *ts = &req.TopicStates[req.TopicStatesCnt];
        ts->TopicName = sk_str_c(t->name);
        if (t->topic_id)
            sk_znode_uuid_decode(t->topic_id, ts->TopicId);
        ts->PartitionStates = sk_arena_calloc(a, (size_t)t->n_parts + 1,
                                              sizeof(*ts->PartitionStates));
        for (int k = 0; k < t->n_parts; k++) {
            cpart_t *p = &t->parts[k];
            if ((!full && !p->changed) || (!p->has_state && !t->deleting))
                continue;
            sk_updatemetadata_req_ungrouped_partition_state_t *s =
                &ts->PartitionStates[ts->PartitionStatesCnt++];
            s->PartitionIndex = p->id;
            s->ControllerEpoch = p->ctrl_epoch;
            s->Leader = t->deleting ? -2 : p->leader;
            s->LeaderEpoch = p->leader_epoch;
            s->Isr = p->isr;
            s->IsrCnt = p->n_isr;
            s->ZkVersion = p->zk_version;
            s->Replicas = p->replicas;
            s->ReplicasCnt = p->n_replicas;
            int32_t *offline = sk_arena_calloc(a, (size_t)p->n_replicas + 1, sizeof(int32_t));
            int n_off = 0;
            for (int r = 0; r < p->n_replicas; r++)
                if (!ctrl_replica_up(c, t, p, p->replicas[r]))
                    offline[n_off++] = p->replicas[r];
            s->OfflineReplicas = offline;
            s->OfflineReplicasCnt = n_off;
        }
        if (ts->PartitionStatesCnt > 0)
            req.TopicStatesCnt++;
    }
    req.LiveBrokers = sk_arena_calloc(a, (size_t)c->n_brokers + 1, sizeof(*req.LiveBrokers));
    for (int i = 0; i < c->n_brokers; i++) {
        cbroker_t *lb = &c->brokers[i];
        sk_updatemetadata_req_live_broker_t *ub = &req.LiveBrokers[req.LiveBrokersCnt++];
        ub->Id = lb->id;
        ub->Rack = sk_str_c(lb->rack);
        ub->Endpoints = sk_arena_calloc(a, (size_t)lb->reg.n_endpoints + 1,
                                        sizeof(*ub->Endpoints));
        for (int e = 0; e < lb->reg.n_endpoints; e++) {
            const sk_znode_endpoint_t *ep = &lb->reg.endpoints[e];
            sk_updatemetadata_req_endpoint_t *ue = &ub->Endpoints[ub->EndpointsCnt++];
            ue->Port = ep->port;
            ue->Host = sk_str_c(ep->host ? ep->host : "");
            ue->Listener = sk_str_c(ep->listener);
            ue->SecurityProtocol = sk_security_protocol_id(ep->protocol);
        }
    }
    sk_wr_t w;
    sk_wr_init(&w);
    if (sk_updatemetadata_req_encode(&w, SK_CTRL_UPDATEMETADATA_VERSION, &req) == SK_OK) {
        c->inflight++;
        sk_chan_send(c->chan, b->id, 6, SK_CTRL_UPDATEMETADATA_VERSION, &w, control_resp_cb,
                     c);
    } else {
        sk_wr_free(&w);
        sk_error("controller", "encoding UpdateMetadata failed");
    }
    sk_arena_free(a);
}

/* ------------------------------------------------------------ StopReplica */

int ctrl_send_stop_replica(sk_ctrl_t *c, const cbroker_t *b, const char *topic,
                           const int32_t *parts, const int32_t *leader_epochs, int n,
                           sk_chan_cb done, void *arg)
{
    if (n <= 0)
        return SK_EINVAL;
    sk_arena_t *a = sk_arena_new(0);
    sk_stopreplica_req_t req;
    sk_stopreplica_req_init(&req);
    req.ControllerId = c->self;
    req.ControllerEpoch = c->epoch;
    req.BrokerEpoch = b->epoch;
    req.TopicStates = sk_arena_calloc(a, 1, sizeof(*req.TopicStates));
    req.TopicStatesCnt = 1;
    sk_stopreplica_req_topic_state_t *ts = &req.TopicStates[0];
    ts->TopicName = sk_str_c(topic);
    ts->PartitionStates = sk_arena_calloc(a, (size_t)n, sizeof(*ts->PartitionStates));
    ts->PartitionStatesCnt = n;
    for (int i = 0; i < n; i++) {
        ts->PartitionStates[i].PartitionIndex = parts[i];
        ts->PartitionStates[i].LeaderEpoch = leader_epochs[i];
        ts->PartitionStates[i].DeletePartition = 1;
    }
    sk_wr_t w;
    sk_wr_init(&w);
    int rc = sk_stopreplica_req_encode(&w, SK_CTRL_STOPREPLICA_VERSION, &req);
    sk_arena_free(a);
    if (rc != SK_OK) {
        sk_wr_free(&w);
        return rc;
    }
    if (!done) {
        done = control_resp_cb;
        arg = c;
        c->inflight++;
    }
    sk_chan_send(c->chan, b->id, 5, SK_CTRL_STOPREPLICA_VERSION, &w, done, arg);
    return SK_OK;
}
