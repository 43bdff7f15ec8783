/* api_metadata.c - Metadata (key 3), every version Kafka 3.7 accepts (0-12),
 * on the generated codec: brokers, controller, topics and partitions, with
 * leader epochs (v7+), topic ids (v10+, from /brokers/topics/<t>; a topic
 * may be asked for by id alone) and authorized operations (v8+; with no
 * authorizer every operation the resource type supports, as Kafka answers);
 * auto-creates unknown topics when allowed. And DescribeCluster (key 60,
 * 0-1), the admin client's view of the same brokers and controller. */
#include "api/api.h"

#include "kbuf.h"
#include "kerr.h"
#include "proto_describecluster.h"
#include "proto_metadata.h"
#include "arena.h"
#include "znode.h"

#include <string.h>

/* Kafka's UNKNOWN_TOPIC_ID: a topic id this cluster does not know. */
/* Kafka's answer without an authorizer: every operation the resource type
 * supports, as a bit field of AclOperation codes. Topic: READ 3, WRITE 4,
 * CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, DESCRIBE_CONFIGS 10,
 * ALTER_CONFIGS 11. Cluster: CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
 * DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12. */
#define TOPIC_ALL_OPERATIONS 0xdf8
#define CLUSTER_ALL_OPERATIONS 0x1fa0

typedef sk_metadata_resp_partition_t resp_part_t;
typedef sk_metadata_resp_topic_t resp_topic_t;

static void fill_partition(resp_part_t *mp, const sk_partition_t *p)
{
    sk_metadata_resp_partition_init(mp);
    mp->PartitionIndex = p->id;
    mp->LeaderId = p->leader;
    mp->LeaderEpoch = p->leader_epoch;
    mp->ErrorCode = p->leader < 0 ? SK_KERR_LEADER_NOT_AVAILABLE : SK_KERR_NONE;
    mp->ReplicaNodes = p->replicas;
    mp->ReplicaNodesCnt = p->n_replicas;
    mp->IsrNodes = p->isr;
    mp->IsrNodesCnt = p->n_isr;
    mp->OfflineReplicas = p->offline;
    mp->OfflineReplicasCnt = p->n_offline;
}

static void fill_topic(sk_arena_t *a, resp_topic_t *mt, const sk_topic_t *t)
{
    mt->ErrorCode = SK_KERR_NONE;
    mt->Name = sk_str_c(t->name);
    if (t->topic_id && sk_znode_uuid_decode(t->topic_id, mt->TopicId) != 0)
        memset(mt->TopicId, 0, sizeof(mt->TopicId));
    mt->IsInternal = t->internal;
    mt->PartitionsCnt = t->n_partitions;
    mt->Partitions = sk_arena_calloc(a, (size_t)t->n_partitions, sizeof(*mt->Partitions));
    for (int i = 0; i < t->n_partitions; i++)
        fill_partition(&mt->Partitions[i], &t->partitions[i]);
}

struct all_ctx {
    sk_broker_t *b;
    sk_req_t *req;
    sk_arena_t *a;
    sk_metadata_resp_t *resp;
};

/* Every topic the principal may describe (Kafka lists no other). */
static void add_all(sk_topic_t *t, void *arg)
{
    struct all_ctx *ctx = arg;
    if (!sk_authz(ctx->b, ctx->req, SK_ACL_OP_DESCRIBE, SK_ACL_RES_TOPIC, t->name))
        return;
    resp_topic_t *mt = &ctx->resp->Topics[ctx->resp->TopicsCnt++];
    sk_metadata_resp_topic_init(mt);
    fill_topic(ctx->a, mt, t);
}

/* A topic asked for by id alone (v10+, null Name). */
static void topic_by_id(sk_broker_t *b, sk_req_t *req, const uint8_t id[16], resp_topic_t *mt)
{
    sk_topic_t *found = sk_topics_find_id(b->topics, id);
    if (found && !sk_authz(b, req, SK_ACL_OP_DESCRIBE, SK_ACL_RES_TOPIC, found->name)) {
        mt->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
        memcpy(mt->TopicId, id, 16);
        mt->Name = req->api_version >= 12 ? SK_STR_NULL : sk_str_c("");
        return;
    }
    if (found) {
        fill_topic(req->arena, mt, found);
        return;
    }
    mt->ErrorCode = SK_KERR_UNKNOWN_TOPIC_ID;
    memcpy(mt->TopicId, id, 16);
    /* null from v12; v10-11 cannot say null */
    mt->Name = req->api_version >= 12 ? SK_STR_NULL : sk_str_c("");
}

static void autocreate_done(int16_t kerr, const char *msg, void *arg)
{
    char *name = arg;
    if (kerr != SK_KERR_NONE && kerr != SK_KERR_TOPIC_ALREADY_EXISTS)
        sk_warn("metadata", "auto-creation of topic %s failed: %s (%s)", name, sk_kerr_name(kerr),
                msg ? msg : "");
    free(name);
}

/* An unknown requested topic: auto-create it if allowed. Returns its error. */
static int16_t unknown_topic(sk_broker_t *b, sk_str_t name, int allow_auto)
{
    char *n = sk_str_dup(name);
    char verr[160];
    int16_t kerr;
    if (!n || sk_topic_name_valid(n, verr, sizeof(verr)) != SK_OK) {
        kerr = SK_KERR_INVALID_TOPIC_EXCEPTION;
    } else if (sk_topic_creating(b, name.p, name.len)) {
        kerr = SK_KERR_LEADER_NOT_AVAILABLE;
    } else if (b->n_live == 0) {
        /* No UpdateMetadata yet since start-up: the topic may well exist, the
         * controller has not told us. Kafka's clients take UNKNOWN_TOPIC as
         * "deleted" (librdkafka fails produce() with Unknown topic), so say
         * what is true: not available yet. */
        kerr = SK_KERR_LEADER_NOT_AVAILABLE;
    } else if (allow_auto && b->conf->auto_create_topics_enable) {
        const char *msg = NULL;
        char *arg = sk_strdup(n);
        kerr = sk_topic_create(b, n, b->conf->num_partitions,
                               (int16_t)b->conf->default_replication_factor, NULL, NULL, NULL, NULL,
                               0, 0, &msg, autocreate_done, arg);
        if (kerr == SK_KERR_NONE) {
            sk_info("metadata", "auto-creating topic %s with %d partitions", n,
                    b->conf->num_partitions);
            kerr = SK_KERR_LEADER_NOT_AVAILABLE;
        } else {
            free(arg);
            if (kerr == SK_KERR_TOPIC_ALREADY_EXISTS)
                kerr = SK_KERR_LEADER_NOT_AVAILABLE;
            else
                sk_warn("metadata", "cannot auto-create topic %s: %s (%s)", n, sk_kerr_name(kerr),
                        msg ? msg : "");
        }
    } else {
        kerr = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
    }
    free(n);
    return kerr;
}

/* The operations of mask (bits of AclOperation codes) the principal may do
 * on the resource: every one of them without an authorizer. */
static int32_t authorized_ops(sk_broker_t *b, sk_req_t *req, int type, const char *name,
                              int32_t mask)
{
    int32_t ops = 0;
    for (int op = 0; op < 31; op++)
        if ((mask & (1 << op)) && sk_authz(b, req, op, type, name))
            ops |= 1 << op;
    return ops;
}

static int32_t authorized_ops_len(sk_broker_t *b, sk_req_t *req, sk_str_t name)
{
    char *n = sk_str_dup(name);
    int32_t ops = authorized_ops(b, req, SK_ACL_RES_TOPIC, n ? n : "", TOPIC_ALL_OPERATIONS);
    free(n);
    return ops;
}

int32_t sk_authz_cluster_ops(sk_broker_t *b, sk_req_t *req)
{
    return authorized_ops(b, req, SK_ACL_RES_CLUSTER, SK_ACL_CLUSTER_NAME,
                          CLUSTER_ALL_OPERATIONS);
}

/* A requested topic this broker does not know: TOPIC_AUTHORIZATION_FAILED
 * when auto-creation would be needed and the principal may not create it
 * (Create on the cluster or on the topic), else unknown_topic's answer. */
static int16_t unknown_requested(sk_broker_t *b, sk_req_t *req, sk_str_t name, int allow_auto)
{
    if (allow_auto && b->conf->auto_create_topics_enable &&
        !sk_authz_cluster(b, req, SK_ACL_OP_CREATE) &&
        !sk_authz_len(b, req, SK_ACL_OP_CREATE, SK_ACL_RES_TOPIC, name.p, name.len))
        return SK_KERR_TOPIC_AUTHORIZATION_FAILED;
    return unknown_topic(b, name, allow_auto);
}

int sk_api_metadata(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_metadata_req_t in;
    if (sk_metadata_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);

    sk_metadata_resp_t resp;
    sk_metadata_resp_init(&resp);
    resp.ThrottleTimeMs = 0;
    resp.ClusterId = sk_str_c(b->cluster_id);
    resp.ControllerId = b->controller_id;
    if (in.IncludeClusterAuthorizedOperations)
        resp.ClusterAuthorizedOperations = sk_authz_cluster_ops(b, req);

    /* Brokers: every live broker (from the controller's UpdateMetadata;
     * ourselves until it arrives) at its endpoint for the listener this
     * request came in on. */
    int nb = b->n_live > 0 ? b->n_live : 1;
    resp.BrokersCnt = nb;
    resp.Brokers = sk_arena_calloc(req->arena, (size_t)nb, sizeof(*resp.Brokers));
    for (int i = 0; i < nb; i++) {
        int32_t id = b->n_live > 0 ? b->live[i].id : b->id;
        const char *host = "";
        int port = -1;
        sk_broker_addr(b, id, sk_req_listener(req), &host, &port);
        sk_metadata_resp_broker_init(&resp.Brokers[i]);
        resp.Brokers[i].NodeId = id;
        resp.Brokers[i].Host = sk_str_c(host);
        resp.Brokers[i].Port = port;
        resp.Brokers[i].Rack = sk_str_c(b->n_live > 0 ? b->live[i].rack : b->conf->broker_rack);
    }

    if (sk_metadata_req_all_topics(req->api_version, &in)) {
        resp.Topics = sk_arena_calloc(req->arena, (size_t)sk_topics_count(b->topics) + 1,
                                      sizeof(*resp.Topics));
        struct all_ctx ctx = {b, req, req->arena, &resp};
        sk_topics_foreach(b->topics, add_all, &ctx);
    } else {
        int32_t n = in.TopicsCnt > 0 ? in.TopicsCnt : 0;
        resp.Topics = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*resp.Topics));
        for (int32_t i = 0; i < n; i++) {
            sk_str_t name = in.Topics[i].Name;
            resp_topic_t *mt = &resp.Topics[resp.TopicsCnt++];
            sk_metadata_resp_topic_init(mt);
            if (name.len < 0) {
                topic_by_id(b, req, in.Topics[i].TopicId, mt);
                continue;
            }
            if (!sk_authz_len(b, req, SK_ACL_OP_DESCRIBE, SK_ACL_RES_TOPIC, name.p, name.len)) {
                mt->Name = name;
                mt->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
                continue;
            }
            sk_topic_t *t = sk_topics_find(b->topics, name.p, name.len);
            if (t) {
                fill_topic(req->arena, mt, t);
                continue;
            }
            mt->Name = name;
            mt->ErrorCode = unknown_requested(b, req, name, in.AllowAutoTopicCreation);
        }
    }

    if (in.IncludeTopicAuthorizedOperations)
        for (int32_t i = 0; i < resp.TopicsCnt; i++)
            if (resp.Topics[i].ErrorCode != SK_KERR_TOPIC_AUTHORIZATION_FAILED)
                resp.Topics[i].TopicAuthorizedOperations =
                    b->acl ? authorized_ops_len(b, req, resp.Topics[i].Name) : TOPIC_ALL_OPERATIONS;
    return sk_req_respond(req, &resp);
}

/* ---- DescribeCluster (key 60) ---- */

/* Kafka's answer from a broker: the live brokers at their endpoint for the
 * request's listener, the controller (-1 unless it is among them), and the
 * cluster's operations when asked (every one without an authorizer). v1
 * (KIP-919) may ask for the controllers' endpoints instead, which a broker
 * refuses with MISMATCHED_ENDPOINT_TYPE. */
int sk_api_describecluster(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_describecluster_req_t in;
    if (sk_describecluster_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_describecluster_resp_t resp;
    sk_describecluster_resp_init(&resp);
    resp.EndpointType = SK_ENDPOINT_TYPE_BROKER;
    if (in.EndpointType != SK_ENDPOINT_TYPE_BROKER) {
        resp.ErrorCode = req->api_version == 0 ? SK_KERR_INVALID_REQUEST
                                               : SK_KERR_MISMATCHED_ENDPOINT_TYPE;
        resp.ErrorMessage = sk_str_c("The request was sent to an endpoint of type BROKER, but "
                                     "we wanted an endpoint of type CONTROLLER");
        resp.ClusterId = sk_str_c("");
        return sk_req_respond(req, &resp);
    }
    resp.ClusterId = sk_str_c(b->cluster_id);
    if (in.IncludeClusterAuthorizedOperations) /* 0 without Describe, as Kafka */
        resp.ClusterAuthorizedOperations =
            sk_authz_cluster(b, req, SK_ACL_OP_DESCRIBE) ? sk_authz_cluster_ops(b, req) : 0;
    int n = b->n_live > 0 ? b->n_live : 1;
    resp.Brokers = sk_arena_calloc(req->arena, (size_t)n, sizeof(*resp.Brokers));
    resp.BrokersCnt = n;
    for (int i = 0; i < n; i++) {
        sk_describecluster_broker_t *d = &resp.Brokers[i];
        const char *host = "";
        int port = -1;
        sk_describecluster_resp_broker_init(d);
        d->BrokerId = b->n_live > 0 ? b->live[i].id : b->id;
        sk_broker_addr(b, d->BrokerId, sk_req_listener(req), &host, &port);
        d->Host = sk_str_c(host);
        d->Port = port;
        d->Rack = sk_str_c(b->n_live > 0 ? b->live[i].rack : b->conf->broker_rack);
        if (d->BrokerId == b->controller_id)
            resp.ControllerId = b->controller_id;
    }
    return sk_req_respond(req, &resp);
}
