/* api_control.c - the controller's requests: LeaderAndIsr (key 4),
 * StopReplica (key 5) and UpdateMetadata (key 6).
 *
 * Every version Kafka 3.7 accepts (LeaderAndIsr 0-7, StopReplica 0-4,
 * UpdateMetadata 0-8), on the generated codec (proto_gen.h).
 *
 * These are how a broker learns its partitions, their leaders and in-sync
 * replicas, and the live brokers. Requests from a controller older than the
 * newest one seen are refused with STALE_CONTROLLER_EPOCH; requests meant for
 * an older registration of this broker with STALE_BROKER_EPOCH.
 */
#include "api/api.h"

#include "apis.h"
#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "proto_leaderandisr.h"
#include "proto_stopreplica.h"
#include "proto_updatemetadata.h"
#include "topic_conf.h"
#include "znode.h"
#include "group/coord.h"

#include <stdlib.h>
#include <string.h>

/* Common checks of the controller's requests: the sender may act for the
 * cluster (ClusterAction, as Kafka: brokers are super users or have it),
 * then the epochs. Returns a Kafka error code. */
static int16_t check_epochs(sk_broker_t *b, sk_req_t *req, int32_t ctrl_id, int32_t ctrl_epoch,
                            int64_t broker_epoch)
{
    if (!sk_authz_cluster(b, req, SK_ACL_OP_CLUSTER_ACTION)) {
        sk_warn("control", "%s from %s (principal %s) without ClusterAction: refused",
                sk_api_name(req->api_key), sk_req_peer(req), sk_req_principal(req));
        return SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
    }
    if (ctrl_epoch < b->ctrl_epoch_seen) {
        sk_warn("control", "%s from controller %d with stale controller epoch %d (newest seen "
                "%d): refused", sk_api_name(req->api_key), ctrl_id, ctrl_epoch,
                b->ctrl_epoch_seen);
        return SK_KERR_STALE_CONTROLLER_EPOCH;
    }
    if (broker_epoch >= 0 && broker_epoch < b->broker_epoch) {
        sk_warn("control", "%s from controller %d for broker epoch %lld, ours is %lld: refused",
                sk_api_name(req->api_key), ctrl_id, (long long)broker_epoch,
                (long long)b->broker_epoch);
        return SK_KERR_STALE_BROKER_EPOCH;
    }
    b->ctrl_epoch_seen = ctrl_epoch;
    return SK_KERR_NONE;
}

/* The partition slot for (topic, index), creating the topic or growing its
 * partition array as needed. */
static sk_partition_t *partition_slot(sk_broker_t *b, sk_str_t name, int32_t index)
{
    if (index < 0 || index > 1000000 || name.len <= 0)
        return NULL;
    sk_topic_t *t = sk_topics_find(b->topics, name.p, name.len);
    if (!t) {
        t = sk_calloc(1, sizeof(*t));
        t->name = sk_str_dup(name);
        t->internal = strcmp(t->name, "__consumer_offsets") == 0 ||
                      strcmp(t->name, "__transaction_state") == 0;
        t->config_keys = sk_calloc(1, sizeof(char *));
        t->config_values = sk_calloc(1, sizeof(char *));
        t = sk_topics_put(b->topics, t);
    }
    if (index >= t->n_partitions) {
        t->partitions = sk_realloc(t->partitions, (size_t)(index + 1) * sizeof(*t->partitions));
        memset(t->partitions + t->n_partitions, 0,
               (size_t)(index + 1 - t->n_partitions) * sizeof(*t->partitions));
        for (int32_t i = t->n_partitions; i <= index; i++)
            sk_partition_init(&t->partitions[i], t->name, i);
        t->n_partitions = index + 1;
    }
    return &t->partitions[index];
}

static int is_replica(const sk_partition_t *p, int32_t id)
{
    for (int i = 0; i < p->n_replicas; i++)
        if (p->replicas[i] == id)
            return 1;
    return 0;
}

/* ---- topic-level configuration (/config/topics/<t>) ---- */

/* The broker's log settings with the topic's overrides applied (the topic
 * key table parses them). A value the key's parser refuses leaves the
 * broker's setting, with a warning when warn is set. */
static sk_plog_config_t topic_log_config(const sk_broker_t *b, const sk_topic_t *t, int warn)
{
    sk_plog_config_t c = b->plog_cfg;
    for (int i = 0; i < t->n_configs; i++) {
        char why[256];
        if (sk_topic_conf_apply(&c, t->config_keys[i], t->config_values[i], why, sizeof(why)) ==
                SK_EINVAL && warn)
            sk_warn("control", "topic %s: invalid value '%s' for %s ignored: %s", t->name,
                    t->config_values[i], t->config_keys[i], why);
    }
    return c;
}

static void topic_config_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)stat;
    char *name = arg;
    sk_broker_t *b = *(sk_broker_t **)name;
    char *topic = name + sizeof(sk_broker_t *);
    sk_znode_config_t cfg = {0};
    char err[200];
    sk_topic_t *t = sk_topics_find(b->topics, topic, (int32_t)strlen(topic));
    if (rc != ZOK && rc != ZNONODE && t && !b->stopping) {
        /* Without its overrides the topic would run on the broker's values
         * (min.insync.replicas among them). A connection loss: ask again at
         * once (the library sends it after reconnecting); a lost session:
         * sk_control_reload_topic_configs() runs after re-registration. */
        sk_warn("control", "topic %s: reading its configuration failed: %s%s", topic, zerror(rc),
                sk_zk_rc_class(rc) == SK_ZK_RC_TRANSIENT ? "; reading it again"
                                                         : "; again in the next session");
        if (sk_zk_rc_class(rc) == SK_ZK_RC_TRANSIENT) {
            char *path = sk_znode_topic_config_path(topic);
            sk_zk_get(b->zk, path, NULL, NULL, topic_config_cb, arg);
            free(path);
            return;
        }
    }
    if (!t || (rc != ZOK && rc != ZNONODE))
        goto out;
    if (rc == ZNONODE) {
        t->configs_loaded = 1; /* no overrides: the broker's settings are the topic's */
        goto out;
    }
    if (sk_znode_config_decode(data, data ? (size_t)len : 0, &cfg, err, sizeof(err)) != SK_OK) {
        /* The log keeps what it has (the broker's settings, or the last good
         * overrides); produce goes on rather than wait for a fix that may
         * never come. */
        sk_warn("control", "topic %s: /config/topics/%s is not valid configuration JSON (%s): "
                "running on the settings it had", topic, topic, err);
        t->configs_loaded = 1;
        goto out;
    }
    for (int i = 0; i < t->n_configs; i++) {
        free(t->config_keys[i]);
        free(t->config_values[i]);
    }
    free(t->config_keys);
    free(t->config_values);
    t->config_keys = sk_calloc((size_t)cfg.n + 1, sizeof(char *));
    t->config_values = sk_calloc((size_t)cfg.n + 1, sizeof(char *));
    for (int i = 0; i < cfg.n; i++) {
        t->config_keys[i] = sk_strdup(cfg.keys[i]);
        t->config_values[i] = sk_strdup(cfg.values[i]);
    }
    t->n_configs = cfg.n;
    t->configs_loaded = 1;
    sk_plog_config_t lc = topic_log_config(b, t, 1);
    for (int i = 0; i < t->n_partitions; i++)
        if (t->partitions[i].log)
            sk_plog_set_config(t->partitions[i].log, &lc);
    if (cfg.n > 0)
        sk_info("control", "topic %s: %d configuration override(s) applied", topic, cfg.n);
    sk_znode_config_clear(&cfg);
out:
    if (t && t->configs_loaded) /* CreateTopics waits for it where this broker leads */
        sk_purg_wake(b->parts->meta, sk_purg_key(t->name, strlen(t->name), -1));
    free(name);
}

/* Read the topic's overrides (asynchronously) once it gets a log here. */
static void load_topic_config(sk_broker_t *b, const char *topic)
{
    size_t n = strlen(topic);
    char *arg = sk_malloc(sizeof(sk_broker_t *) + n + 1);
    memcpy(arg, &b, sizeof(b));
    memcpy(arg + sizeof(b), topic, n + 1);
    char *path = sk_znode_topic_config_path(topic);
    sk_zk_get(b->zk, path, NULL, NULL, topic_config_cb, arg);
    free(path);
}

static void reload_one(sk_topic_t *t, void *arg)
{
    sk_broker_t *b = arg;
    for (int i = 0; i < t->n_partitions; i++)
        if (t->partitions[i].log) {
            load_topic_config(b, t->name);
            return;
        }
}

void sk_control_reload_topic_configs(sk_broker_t *b)
{
    sk_topics_foreach(b->topics, reload_one, b);
}

static void reapply_one(sk_topic_t *t, void *arg)
{
    sk_broker_t *b = arg;
    sk_plog_config_t lc = topic_log_config(b, t, 0);
    for (int i = 0; i < t->n_partitions; i++)
        if (t->partitions[i].log)
            sk_plog_set_config(t->partitions[i].log, &lc);
}

void sk_control_reapply_log_configs(sk_broker_t *b)
{
    sk_topics_foreach(b->topics, reapply_one, b);
}

void sk_control_reload_topic_config(sk_broker_t *b, const char *topic)
{
    sk_topic_t *t = sk_topics_find(b->topics, topic, (int32_t)strlen(topic));
    if (t)
        reload_one(t, b);
}

typedef sk_leaderandisr_req_ungrouped_partition_state_t lai_state_t;
typedef sk_updatemetadata_req_ungrouped_partition_state_t um_state_t;

/* Remember the topic id the controller sent (LeaderAndIsr v5+,
 * UpdateMetadata v7+; all zero below): Metadata v10+ and Fetch v13+ answer
 * with it. A different id under the same name is a re-created topic. */
static void set_topic_id(sk_broker_t *b, sk_str_t name, const uint8_t id[16])
{
    static const uint8_t zero[16];
    if (memcmp(id, zero, sizeof(zero)) == 0)
        return;
    sk_topic_t *t = sk_topics_find(b->topics, name.p, name.len);
    if (!t)
        return;
    char enc[SK_UUID_B64_LEN + 1];
    sk_znode_uuid_encode(id, enc);
    if (t->topic_id && strcmp(t->topic_id, enc) == 0)
        return;
    free(t->topic_id);
    t->topic_id = sk_strdup(enc);
}

static int16_t apply_leader_and_isr(sk_broker_t *b, sk_str_t topic, const lai_state_t *s)
{
    sk_partition_t *p = partition_slot(b, topic, s->PartitionIndex);
    if (!p)
        return SK_KERR_INVALID_REQUEST;
    if (p->leader_epoch > s->LeaderEpoch) {
        sk_warn_tp("control", p->topic, p->id, p->leader_epoch,
                   "LeaderAndIsr for %s-%d with leader epoch %d older than ours (%d): ignored",
                   p->topic, p->id, s->LeaderEpoch, p->leader_epoch);
        return SK_KERR_STALE_CONTROLLER_EPOCH;
    }
    int same = 0, was_leader = 0;
    sk_partition_set_state(b->parts, p, s->Leader, s->LeaderEpoch, s->PartitionEpoch, s->Replicas,
                           s->ReplicasCnt, s->Isr, s->IsrCnt, &same, &was_leader);
    if (!is_replica(p, b->id))
        return SK_KERR_NONE;
    if (!p->log) {
        sk_topic_t *t = sk_topics_find(b->topics, p->topic, (int32_t)strlen(p->topic));
        sk_plog_config_t lc = t ? topic_log_config(b, t, 0) : b->plog_cfg;
        sk_plog_t *log = NULL;
        int rc = sk_logmgr_get_or_create(b->logs, p->topic, p->id, &lc, &log);
        if (rc == SK_OK && t) {
            sk_plog_set_config(log, &lc); /* an existing log keeps its own otherwise */
            load_topic_config(b, p->topic);
        }
        if (rc != SK_OK) {
            sk_error("control", "cannot open the log of %s-%d: %s", p->topic, p->id,
                     sk_strerror(rc));
            sk_partition_set_log(p, NULL);
            return SK_KERR_KAFKA_STORAGE_ERROR;
        }
        sk_partition_set_log(p, log);
    }
    if (p->log && sk_plog_offline(p->log))
        return SK_KERR_KAFKA_STORAGE_ERROR; /* its log dir is offline: the controller moves it */
    if (p->leader == b->id) {
        if (!same)
            sk_info_tp("control", p->topic, p->id, p->leader_epoch,
                       "partition %s-%d: this broker is now leader, leader epoch %d, isr size %d",
                       p->topic, p->id, p->leader_epoch, p->n_isr);
        sk_partition_become_leader(b->parts, p, was_leader);
    } else if (!same) {
        sk_info_tp("control", p->topic, p->id, p->leader_epoch,
                   "partition %s-%d: this broker is now a follower of broker %d, leader epoch %d",
                   p->topic, p->id, p->leader, p->leader_epoch);
    }
    return SK_KERR_NONE;
}

/* v0-1: every partition state carries its topic name; the answer lists
 * every partition with its name (the v0-4 form). */
static void lai_ungrouped(sk_broker_t *b, sk_req_t *req, const sk_leaderandisr_req_t *in,
                          sk_leaderandisr_resp_t *resp)
{
    resp->PartitionErrors = sk_arena_calloc(req->arena, (size_t)in->UngroupedPartitionStatesCnt + 1,
                                            sizeof(*resp->PartitionErrors));
    for (int32_t i = 0; i < in->UngroupedPartitionStatesCnt; i++) {
        const lai_state_t *s = &in->UngroupedPartitionStates[i];
        sk_leaderandisr_resp_partition_error_t *pe =
            &resp->PartitionErrors[resp->PartitionErrorsCnt++];
        pe->TopicName = s->TopicName;
        pe->PartitionIndex = s->PartitionIndex;
        pe->ErrorCode = resp->ErrorCode != SK_KERR_NONE ? resp->ErrorCode
                                                        : apply_leader_and_isr(b, s->TopicName, s);
    }
}

/* v2+: partition states grouped by topic; v5+ carries topic ids and is
 * answered per topic id, v2-4 per partition with its name. */
static void lai_grouped(sk_broker_t *b, sk_req_t *req, const sk_leaderandisr_req_t *in,
                        sk_leaderandisr_resp_t *resp)
{
    int by_id = req->api_version >= 5;
    int32_t n = 0;
    for (int32_t i = 0; i < in->TopicStatesCnt; i++)
        n += in->TopicStates[i].PartitionStatesCnt;
    if (by_id)
        resp->Topics = sk_arena_calloc(req->arena, (size_t)in->TopicStatesCnt + 1,
                                       sizeof(*resp->Topics));
    else
        resp->PartitionErrors = sk_arena_calloc(req->arena, (size_t)n + 1,
                                                sizeof(*resp->PartitionErrors));
    for (int32_t i = 0; i < in->TopicStatesCnt; i++) {
        const sk_leaderandisr_req_topic_state_t *ts = &in->TopicStates[i];
        sk_leaderandisr_resp_partition_error_t *pes = resp->PartitionErrors +
                                                      resp->PartitionErrorsCnt;
        if (by_id) {
            sk_leaderandisr_resp_topic_t *rt = &resp->Topics[resp->TopicsCnt++];
            memcpy(rt->TopicId, ts->TopicId, sizeof(rt->TopicId));
            rt->PartitionErrors = pes = sk_arena_calloc(
                req->arena, (size_t)ts->PartitionStatesCnt + 1, sizeof(*rt->PartitionErrors));
            rt->PartitionErrorsCnt = ts->PartitionStatesCnt;
        } else {
            resp->PartitionErrorsCnt += ts->PartitionStatesCnt;
        }
        for (int32_t k = 0; k < ts->PartitionStatesCnt; k++) {
            const lai_state_t *s = &ts->PartitionStates[k];
            pes[k].TopicName = ts->TopicName;
            pes[k].PartitionIndex = s->PartitionIndex;
            pes[k].ErrorCode = resp->ErrorCode != SK_KERR_NONE
                                   ? resp->ErrorCode
                                   : apply_leader_and_isr(b, ts->TopicName, s);
        }
        if (resp->ErrorCode == SK_KERR_NONE)
            set_topic_id(b, ts->TopicName, ts->TopicId);
    }
}

int sk_api_leaderandisr(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_leaderandisr_req_t in;
    if (sk_leaderandisr_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_leaderandisr_resp_t resp;
    sk_leaderandisr_resp_init(&resp);
    resp.ErrorCode = check_epochs(b, req, in.ControllerId, in.ControllerEpoch, in.BrokerEpoch);
    /* Kafka answers a refused request with the error alone: no partitions */
    if (resp.ErrorCode != SK_KERR_NONE)
        return sk_req_respond(req, &resp);
    if (req->api_version < 2)
        lai_ungrouped(b, req, &in, &resp);
    else
        lai_grouped(b, req, &in, &resp);
    sk_fetcher_update(b->fetcher);
    sk_coord_partitions_changed(b->coord);
    return sk_req_respond(req, &resp);
}

/* An endpoint's listener name: v3+ carry it, v1-2 only the security
 * protocol, whose name is then the listener's (Kafka's default listeners). */
static const char *um_security_protocol_name(int16_t id)
{
    switch (id) {
    case SK_SECPROTO_SSL:
        return "SSL";
    case SK_SECPROTO_SASL_PLAINTEXT:
        return "SASL_PLAINTEXT";
    case SK_SECPROTO_SASL_SSL:
        return "SASL_SSL";
    default:
        return "PLAINTEXT";
    }
}

static char *um_listener(const sk_updatemetadata_req_endpoint_t *ep)
{
    if (ep->Listener.p && ep->Listener.len > 0)
        return sk_str_dup(ep->Listener);
    return sk_strdup(um_security_protocol_name(ep->SecurityProtocol));
}

/* The live brokers and their endpoints. v0 has one plaintext host and port
 * per broker instead of endpoints. */
static void set_live_brokers(sk_broker_t *b, int16_t version, const sk_updatemetadata_req_t *in)
{
    sk_broker_clear_live(b);
    b->live = sk_calloc((size_t)in->LiveBrokersCnt + 1, sizeof(*b->live));
    b->n_live = 0;
    /* the default address: the inter-broker listener (followers fetch there) */
    const char *want = b->conf->inter_broker_listener_name ? b->conf->inter_broker_listener_name
                                                           : b->endpoints[0].listener;
    for (int32_t i = 0; i < in->LiveBrokersCnt; i++) {
        const sk_updatemetadata_req_live_broker_t *lb = &in->LiveBrokers[i];
        sk_updatemetadata_req_endpoint_t v0 = {0};
        const sk_updatemetadata_req_endpoint_t *eps = lb->Endpoints;
        int32_t n_eps = lb->EndpointsCnt;
        if (version == 0) {
            v0.Host = lb->V0Host;
            v0.Port = lb->V0Port;
            v0.SecurityProtocol = SK_SECPROTO_PLAINTEXT;
            eps = &v0;
            n_eps = 1;
        }
        if (n_eps <= 0)
            continue;
        sk_live_broker_t *d = &b->live[b->n_live++];
        d->id = lb->Id;
        d->rack = sk_str_dup(lb->Rack);
        d->eps = sk_calloc((size_t)n_eps, sizeof(*d->eps));
        int chosen = 0;
        for (int32_t e = 0; e < n_eps; e++) {
            d->eps[d->n_eps].listener = um_listener(&eps[e]);
            d->eps[d->n_eps].host = sk_str_dup(eps[e].Host);
            d->eps[d->n_eps].port = eps[e].Port;
            if (strcmp(d->eps[d->n_eps].listener, want) == 0)
                chosen = d->n_eps;
            d->n_eps++;
        }
        d->host = sk_strdup(d->eps[chosen].host ? d->eps[chosen].host : "");
        d->port = d->eps[chosen].port;
    }
}

/* One partition's state for the cached view. Returns 1 when the topic is
 * being deleted (leader -2): it is forgotten instead. */
static int um_apply(sk_broker_t *b, sk_str_t topic, const um_state_t *s)
{
    if (s->Leader == -2) {
        char *name = sk_str_dup(topic);
        if (name)
            sk_partition_forget_topic(b->parts, name);
        free(name);
        return 1;
    }
    sk_partition_t *p = partition_slot(b, topic, s->PartitionIndex);
    if (!p || p->leader_epoch > s->LeaderEpoch)
        return 0;
    /* A partition this broker leads or follows is driven by LeaderAndIsr;
     * here only the cached view changes. */
    sk_partition_set_cached(b->parts, p, s->Leader, s->LeaderEpoch, s->ZkVersion, s->Replicas,
                            s->ReplicasCnt, s->Isr, s->IsrCnt);
    sk_partition_set_offline(p, s->OfflineReplicas, s->OfflineReplicasCnt);
    return 0;
}

int sk_api_updatemetadata(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_updatemetadata_req_t in;
    if (sk_updatemetadata_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_updatemetadata_resp_t resp;
    sk_updatemetadata_resp_init(&resp);
    resp.ErrorCode = check_epochs(b, req, in.ControllerId, in.ControllerEpoch, in.BrokerEpoch);
    if (resp.ErrorCode != SK_KERR_NONE)
        return sk_req_respond(req, &resp);
    set_live_brokers(b, req->api_version, &in);
    sk_fetcher_update(b->fetcher);
    /* v0-4: ungrouped, each state names its topic (every partition of a
     * topic being deleted has leader -2, so it is forgotten once per
     * partition and never created again here) */
    for (int32_t i = 0; i < in.UngroupedPartitionStatesCnt; i++)
        um_apply(b, in.UngroupedPartitionStates[i].TopicName, &in.UngroupedPartitionStates[i]);
    for (int32_t i = 0; i < in.TopicStatesCnt; i++) {
        const sk_updatemetadata_req_topic_state_t *ts = &in.TopicStates[i];
        int deleted = 0;
        for (int32_t k = 0; k < ts->PartitionStatesCnt && !deleted; k++)
            deleted = um_apply(b, ts->TopicName, &ts->PartitionStates[k]);
        if (!deleted)
            set_topic_id(b, ts->TopicName, ts->TopicId);
    }
    sk_coord_partitions_changed(b->coord);
    return sk_req_respond(req, &resp);
}

/* Stop one replica, and delete its log when asked (topic deletion). */
static int16_t stop_replica(sk_broker_t *b, sk_str_t topic, int32_t index, int delete_log)
{
    sk_partition_t *p = sk_topics_partition(b->topics, topic.p, topic.len, index);
    char *name = sk_str_dup(topic);
    if (p)
        sk_partition_stop(b->parts, p);
    if (delete_log && name) {
        sk_logmgr_delete(b->logs, name, index);
        sk_info_tp("control", name, index, -1, "partition %s-%d stopped and deleted", name,
                   index);
    }
    free(name);
    return SK_KERR_NONE;
}

static sk_stopreplica_resp_partition_error_t *sr_answer(sk_stopreplica_resp_t *resp,
                                                        sk_str_t topic, int32_t index)
{
    sk_stopreplica_resp_partition_error_t *pe = &resp->PartitionErrors[resp->PartitionErrorsCnt++];
    pe->TopicName = topic;
    pe->PartitionIndex = index;
    return pe;
}

/* The partitions come in one of three layouts, the others decoded empty:
 * v0 UngroupedPartitions (each with its topic), v1-2 Topics with partition
 * indexes, both under one DeletePartitions flag; v3+ TopicStates with a
 * DeletePartition flag per partition. The answer lists every partition. */
int sk_api_stopreplica(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_stopreplica_req_t in;
    if (sk_stopreplica_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_stopreplica_resp_t resp;
    sk_stopreplica_resp_init(&resp);
    resp.ErrorCode = check_epochs(b, req, in.ControllerId, in.ControllerEpoch, in.BrokerEpoch);
    if (resp.ErrorCode != SK_KERR_NONE)
        return sk_req_respond(req, &resp);
    int64_t n = in.UngroupedPartitionsCnt;
    for (int32_t i = 0; i < in.TopicsCnt; i++)
        n += in.Topics[i].PartitionIndexesCnt;
    for (int32_t i = 0; i < in.TopicStatesCnt; i++)
        n += in.TopicStates[i].PartitionStatesCnt;
    resp.PartitionErrors = sk_arena_calloc(req->arena, (size_t)n + 1,
                                           sizeof(*resp.PartitionErrors));
    for (int32_t i = 0; i < in.UngroupedPartitionsCnt; i++) {
        const sk_stopreplica_req_ungrouped_partition_t *u = &in.UngroupedPartitions[i];
        sr_answer(&resp, u->TopicName, u->PartitionIndex)->ErrorCode =
            stop_replica(b, u->TopicName, u->PartitionIndex, in.DeletePartitions);
    }
    for (int32_t i = 0; i < in.TopicsCnt; i++) {
        const sk_stopreplica_req_topic_t *t = &in.Topics[i];
        for (int32_t k = 0; k < t->PartitionIndexesCnt; k++)
            sr_answer(&resp, t->Name, t->PartitionIndexes[k])->ErrorCode =
                stop_replica(b, t->Name, t->PartitionIndexes[k], in.DeletePartitions);
    }
    for (int32_t i = 0; i < in.TopicStatesCnt; i++) {
        const sk_stopreplica_req_topic_state_t *ts = &in.TopicStates[i];
        for (int32_t k = 0; k < ts->PartitionStatesCnt; k++) {
            const sk_stopreplica_req_partition_state_t *s = &ts->PartitionStates[k];
            sr_answer(&resp, ts->TopicName, s->PartitionIndex)->ErrorCode =
                stop_replica(b, ts->TopicName, s->PartitionIndex, s->DeletePartition);
        }
    }
    sk_coord_partitions_changed(b->coord);
    return sk_req_respond(req, &resp);
}

/* ------------------------------------------------------------------------
 * AlterPartition (key 56), on the controller: leaders propose ISR changes. */

#include "proto_alterpartition.h"

typedef struct ap_state {
    sk_req_t *req;
    sk_alterpartition_resp_t resp;
    int outstanding;
} ap_state_t;

typedef struct ap_item {
    ap_state_t *st;
    sk_alterpartition_resp_partition_t *out;
} ap_item_t;

static void ap_free(sk_req_t *req)
{
    free(req->handler_state);
    req->handler_state = NULL;
}

/* Versions before 2 know no INELIGIBLE_REPLICA: Kafka answers them
 * OPERATION_NOT_ATTEMPTED instead (KIP-841). */
static int16_t ap_error(const sk_req_t *req, int16_t err)
{
    if (err == SK_KERR_INELIGIBLE_REPLICA && req->api_version < 2)
        return SK_KERR_OPERATION_NOT_ATTEMPTED;
    return err;
}

static void ap_done(int16_t err, const sk_ctrl_pstate_t *ps, void *arg)
{
    ap_item_t *it = arg;
    ap_state_t *st = it->st;
    it->out->ErrorCode = ap_error(st->req, err);
    if (ps) {
        it->out->LeaderId = ps->leader;
        it->out->LeaderEpoch = ps->leader_epoch;
        it->out->Isr = sk_arena_memdup(st->req->arena, ps->isr,
                                       (size_t)ps->n_isr * sizeof(int32_t));
        it->out->IsrCnt = ps->n_isr;
        it->out->PartitionEpoch = ps->partition_epoch;
    }
    free(it);
    if (--st->outstanding == 0) {
        sk_req_respond(st->req, &st->resp); /* a failure closes the connection */
        sk_req_complete(st->req);
    }
}

/* The topic name a request topic names (v0-1 by name, v2+ by id), NUL
 * terminated in the request's arena, or NULL for an id the controller does
 * not know. */
static const char *ap_topic(sk_broker_t *b, sk_req_t *req, const sk_alterpartition_req_topic_t *t)
{
    if (req->api_version >= 2) {
        const char *name = sk_ctrl_topic_by_id(b->ctrl, t->TopicId);
        return name ? sk_arena_strdup(req->arena, name) : NULL;
    }
    int32_t len = t->TopicName.len > 0 ? t->TopicName.len : 0;
    char *name = sk_arena_alloc(req->arena, (size_t)len + 1);
    memcpy(name, t->TopicName.p ? t->TopicName.p : "", (size_t)len);
    name[len] = '\0';
    return name;
}

/* The proposed ISR of pp: its ids, and for v3 the broker epochs beside them. */
static int32_t ap_isr(sk_req_t *req, const sk_alterpartition_req_partition_t *pp,
                      const int32_t **isr, const int64_t **epochs)
{
    if (req->api_version < 3) {
        *isr = pp->NewIsr;
        *epochs = NULL;
        return pp->NewIsrCnt;
    }
    int32_t n = pp->NewIsrWithEpochsCnt;
    int32_t *ids = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*ids));
    int64_t *eps = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*eps));
    for (int32_t k = 0; k < n; k++) {
        ids[k] = pp->NewIsrWithEpochs[k].BrokerId;
        eps[k] = pp->NewIsrWithEpochs[k].BrokerEpoch;
    }
    *isr = ids;
    *epochs = eps;
    return n;
}

int sk_api_alterpartition(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_alterpartition_req_t in;
    if (sk_alterpartition_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    ap_state_t *st = sk_calloc(1, sizeof(*st));
    st->req = req;
    req->handler_state = st;
    req->handler_free = ap_free;
    sk_alterpartition_resp_init(&st->resp);
    if (!sk_authz_cluster(b, req, SK_ACL_OP_CLUSTER_ACTION))
        st->resp.ErrorCode = SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
    else if (!b->ctrl || !sk_ctrl_active(b->ctrl))
        st->resp.ErrorCode = SK_KERR_NOT_CONTROLLER;
    else if (!sk_ctrl_broker_epoch_is(b->ctrl, in.BrokerId, in.BrokerEpoch))
        st->resp.ErrorCode = SK_KERR_STALE_BROKER_EPOCH;
    if (st->resp.ErrorCode != SK_KERR_NONE) {
        if (st->resp.ErrorCode == SK_KERR_STALE_BROKER_EPOCH)
            sk_info("control", "AlterPartition from broker %d refused: broker epoch %lld is not "
                    "its registration's (STALE_BROKER_EPOCH)", in.BrokerId,
                    (long long)in.BrokerEpoch);
        return sk_req_respond(req, &st->resp);
    }
    int32_t n = in.TopicsCnt > 0 ? in.TopicsCnt : 0;
    st->resp.TopicsCnt = n;
    st->resp.Topics = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*st->resp.Topics));
    st->outstanding = 1;
    for (int32_t i = 0; i < n; i++) {
        const sk_alterpartition_req_topic_t *t = &in.Topics[i];
        sk_alterpartition_resp_topic_t *rt = &st->resp.Topics[i];
        sk_alterpartition_resp_topic_init(rt);
        rt->TopicName = t->TopicName;
        memcpy(rt->TopicId, t->TopicId, 16);
        rt->PartitionsCnt = t->PartitionsCnt > 0 ? t->PartitionsCnt : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)rt->PartitionsCnt + 1,
                                         sizeof(*rt->Partitions));
        const char *topic = ap_topic(b, req, t);
        for (int32_t j = 0; j < rt->PartitionsCnt; j++) {
            const sk_alterpartition_req_partition_t *pp = &t->Partitions[j];
            sk_alterpartition_resp_partition_t *out = &rt->Partitions[j];
            sk_alterpartition_resp_partition_init(out);
            out->PartitionIndex = pp->PartitionIndex;
            out->LeaderId = -1;
            out->LeaderEpoch = -1;
            out->PartitionEpoch = -1;
            if (!topic) {
                out->ErrorCode = SK_KERR_UNKNOWN_TOPIC_ID;
                continue;
            }
            const int32_t *isr;
            const int64_t *epochs;
            int32_t n_isr = ap_isr(req, pp, &isr, &epochs);
            ap_item_t *it = sk_calloc(1, sizeof(*it));
            it->st = st;
            it->out = out;
            st->outstanding++;
            sk_ctrl_alter_isr(b->ctrl, in.BrokerId, in.BrokerEpoch, topic, pp->PartitionIndex,
                              pp->LeaderEpoch, pp->PartitionEpoch, isr, epochs, n_isr, ap_done,
                              it);
        }
    }
    if (--st->outstanding == 0)
        return sk_req_respond(req, &st->resp);
    return SK_REQ_PENDING;
}
