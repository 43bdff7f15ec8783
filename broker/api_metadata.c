/* api_metadata.c - Metadata (key 3): brokers, controller, topics and
 * partitions; auto-creates unknown topics when allowed. */
#include "broker_int.h"

#include "kbuf.h"
#include "kerr.h"
#include "proto_metadata.h"
#include "arena.h"
#include "znode.h"

#include <string.h>

static void fill_partition(sk_metadata_partition_t *mp, const sk_partition_t *p)
{
    mp->PartitionIndex = p->id;
    mp->LeaderId = p->leader;
    mp->ErrorCode = p->leader < 0 ? SK_KERR_LEADER_NOT_AVAILABLE : SK_KERR_NONE;
    mp->ReplicaNodes = p->replicas;
    mp->ReplicaNodesCnt = p->n_replicas;
    mp->IsrNodes = p->isr;
    mp->IsrNodesCnt = p->n_isr;
    mp->OfflineReplicas = NULL;
    mp->OfflineReplicasCnt = 0;
}

static void fill_topic(sk_arena_t *a, sk_metadata_topic_t *mt, const sk_topic_t *t)
{
    mt->ErrorCode = SK_KERR_NONE;
    mt->Name = sk_str_c(t->name);
    mt->IsInternal = t->internal;
    mt->PartitionsCnt = t->n_partitions;
    mt->Partitions = sk_arena_calloc(a, (size_t)t->n_partitions, sizeof(*mt->Partitions));
    for (int i = 0; i < t->n_partitions; i++)
        fill_partition(&mt->Partitions[i], &t->partitions[i]);
}

struct all_ctx {
    sk_arena_t *a;
    sk_metadata_resp_t *resp;
};

static void add_all(sk_topic_t *t, void *arg)
{
    struct all_ctx *ctx = arg;
    fill_topic(ctx->a, &ctx->resp->Topics[ctx->resp->TopicsCnt++], t);
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

int sk_api_metadata(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_metadata_req_t in;
    if (sk_metadata_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);

    sk_metadata_resp_t resp = {0};
    resp.ThrottleTimeMs = 0;
    resp.ClusterId = sk_str_c(b->cluster_id);
    resp.ControllerId = b->controller_id;

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
        resp.Brokers[i].NodeId = id;
        resp.Brokers[i].Host = sk_str_c(host);
        resp.Brokers[i].Port = port;
        resp.Brokers[i].Rack = sk_str_c(b->n_live > 0 ? b->live[i].rack : b->conf->broker_rack);
    }

    if (in.all_topics) {
        resp.Topics = sk_arena_calloc(req->arena, (size_t)sk_topics_count(b->topics) + 1,
                                      sizeof(*resp.Topics));
        struct all_ctx ctx = {req->arena, &resp};
        sk_topics_foreach(b->topics, add_all, &ctx);
    } else {
        int32_t n = in.TopicsCnt > 0 ? in.TopicsCnt : 0;
        resp.Topics = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*resp.Topics));
        for (int32_t i = 0; i < n; i++) {
            sk_str_t name = in.Topics[i].Name;
            sk_metadata_topic_t *mt = &resp.Topics[resp.TopicsCnt++];
            sk_topic_t *t = sk_topics_find(b->topics, name.p, name.len);
            if (t) {
                fill_topic(req->arena, mt, t);
                continue;
            }
            mt->Name = name;
            mt->ErrorCode = unknown_topic(b, name, in.AllowAutoTopicCreation);
        }
    }

    sk_wr_t w;
    sk_wr_init(&w);
    sk_metadata_resp_encode(&w, req->api_version, &resp);
    sk_req_set_body(req, &w);
    return SK_REQ_DONE;
}
