/* reassign.c - AlterPartitionReassignments (key 45) and
 * ListPartitionReassignments (key 46), KIP-455, answered only by the active
 * controller (NOT_CONTROLLER elsewhere). Alter needs Alter on the cluster,
 * List Describe, as in Kafka. The decisions are the controller's
 * (sk_ctrl_reassign, sk_ctrl_list_reassignments); this file decodes, hands
 * over and encodes. */
#include "api/api.h"

#include "arena.h"
#include "kerr.h"
#include "mem.h"
#include "proto_gen.h"

#include <stdlib.h>
#include <string.h>

static sk_str_t arena_str(sk_req_t *req, const char *s)
{
    size_t len = strlen(s);
    return (sk_str_t){sk_arena_memdup(req->arena, s, len + 1), (int32_t)len};
}

/* ----------------------------------------------- AlterPartitionReassignments */

/* Answered once the controller has written the topic znodes. */
typedef struct alter_state {
    sk_req_t *req;
    int returned; /* the handler has returned; -1: done ran before */
} alter_state_t;

static void alter_state_free(sk_req_t *req)
{
    free(req->handler_state);
    req->handler_state = NULL;
}

static void alter_done(void *arg)
{
    alter_state_t *st = arg;
    if (st->returned == 1)
        sk_req_complete(st->req);
    else
        st->returned = -1;
}

static int alter_refuse(sk_req_t *req, const sk_alterpartitionreassignments_req_t *in,
                        int16_t err, const char *msg)
{
    sk_alterpartitionreassignments_resp_t resp;
    sk_alterpartitionreassignments_resp_init(&resp);
    resp.ErrorCode = err;
    resp.ErrorMessage = arena_str(req, msg);
    /* Kafka answers every partition with the top-level error too. */
    int32_t nt = in->TopicsCnt > 0 ? in->TopicsCnt : 0;
    resp.Responses = sk_arena_calloc(req->arena, (size_t)nt + 1, sizeof(*resp.Responses));
    for (int32_t i = 0; i < nt; i++) {
        const sk_alterpartitionreassignments_req_topic_t *t = &in->Topics[i];
        sk_alterpartitionreassignments_resp_topic_response_t *rt = &resp.Responses[i];
        rt->Name = t->Name;
        int32_t np = t->PartitionsCnt > 0 ? t->PartitionsCnt : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)np + 1, sizeof(*rt->Partitions));
        for (int32_t k = 0; k < np; k++) {
            rt->Partitions[k].PartitionIndex = t->Partitions[k].PartitionIndex;
            rt->Partitions[k].ErrorCode = err;
            rt->Partitions[k].ErrorMessage = arena_str(req, msg);
        }
        rt->PartitionsCnt = np;
    }
    resp.ResponsesCnt = nt;
    return sk_req_respond(req, &resp);
}

int sk_api_alterpartitionreassignments(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_alterpartitionreassignments_req_t in;
    if (sk_alterpartitionreassignments_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    if (!sk_authz_cluster(b, req, SK_ACL_OP_ALTER))
        return alter_refuse(req, &in, SK_KERR_CLUSTER_AUTHORIZATION_FAILED,
                            "Cluster authorization failed.");
    if (!b->ctrl || !sk_ctrl_active(b->ctrl))
        return alter_refuse(req, &in, SK_KERR_NOT_CONTROLLER,
                            "This is not the correct controller for this cluster.");
    int total = 0;
    for (int32_t i = 0; i < in.TopicsCnt; i++)
        total += in.Topics[i].PartitionsCnt > 0 ? in.Topics[i].PartitionsCnt : 0;
    sk_ctrl_reassign_req_t *reqs = sk_arena_calloc(req->arena, (size_t)total + 1, sizeof(*reqs));
    sk_ctrl_reassign_res_t *res = sk_arena_calloc(req->arena, (size_t)total + 1, sizeof(*res));
    int n = 0;
    for (int32_t i = 0; i < in.TopicsCnt; i++) {
        char *name = sk_str_dup(in.Topics[i].Name);
        const char *aname = arena_str(req, name ? name : "").p;
        free(name);
        for (int32_t k = 0; k < in.Topics[i].PartitionsCnt; k++) {
            const sk_alterpartitionreassignments_req_partition_t *p = &in.Topics[i].Partitions[k];
            reqs[n++] = (sk_ctrl_reassign_req_t){aname, p->PartitionIndex, p->Replicas,
                                                 p->ReplicasCnt > 0 ? p->ReplicasCnt : 0,
                                                 p->ReplicasCnt < 0};
        }
    }
    sk_info("control", "partition reassignment of %d partition(s) requested by %s", n,
            sk_req_peer(req));
    alter_state_t *st = sk_calloc(1, sizeof(*st));
    st->req = req;
    int16_t top = sk_ctrl_reassign(b->ctrl, reqs, n, res, alter_done, st);
    if (top != SK_KERR_NONE) {
        free(st);
        return alter_refuse(req, &in, top, "The controller is not ready; try again.");
    }
    req->handler_state = st;
    req->handler_free = alter_state_free;
    sk_alterpartitionreassignments_resp_t resp;
    sk_alterpartitionreassignments_resp_init(&resp);
    resp.ErrorMessage = SK_STR_NULL;
    resp.Responses = sk_arena_calloc(req->arena, (size_t)in.TopicsCnt + 1,
                                     sizeof(*resp.Responses));
    int j = 0;
    for (int32_t i = 0; i < in.TopicsCnt; i++) {
        const sk_alterpartitionreassignments_req_topic_t *t = &in.Topics[i];
        sk_alterpartitionreassignments_resp_topic_response_t *rt = &resp.Responses[i];
        rt->Name = t->Name;
        int32_t np = t->PartitionsCnt > 0 ? t->PartitionsCnt : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)np + 1, sizeof(*rt->Partitions));
        for (int32_t k = 0; k < np; k++, j++) {
            rt->Partitions[k].PartitionIndex = t->Partitions[k].PartitionIndex;
            rt->Partitions[k].ErrorCode = res[j].err;
            rt->Partitions[k].ErrorMessage =
                res[j].err != SK_KERR_NONE ? arena_str(req, res[j].msg) : SK_STR_NULL;
        }
        rt->PartitionsCnt = np;
    }
    resp.ResponsesCnt = in.TopicsCnt > 0 ? in.TopicsCnt : 0;
    int rc = sk_req_respond(req, &resp);
    if (rc != SK_REQ_DONE || st->returned == -1)
        return rc; /* the topic znodes are written (or nothing was started) */
    st->returned = 1;
    return SK_REQ_PENDING;
}

/* ------------------------------------------------ ListPartitionReassignments */

typedef struct list_ctx {
    sk_req_t *req;
    const sk_listpartitionreassignments_req_t *in;
    sk_listpartitionreassignments_resp_t *resp;
    int cap;
} list_ctx_t;

static int asked(const sk_listpartitionreassignments_req_t *in, const char *topic, int32_t p)
{
    if (in->TopicsCnt < 0)
        return 1;
    size_t len = strlen(topic);
    for (int32_t i = 0; i < in->TopicsCnt; i++) {
        const sk_listpartitionreassignments_req_topic_t *t = &in->Topics[i];
        if ((size_t)t->Name.len != len || memcmp(t->Name.p, topic, len) != 0)
            continue;
        for (int32_t k = 0; k < t->PartitionIndexesCnt; k++)
            if (t->PartitionIndexes[k] == p)
                return 1;
    }
    return 0;
}

static int32_t *arena_ids(sk_req_t *req, const int32_t *v, int n)
{
    int32_t *o = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(int32_t));
    if (n > 0)
        memcpy(o, v, (size_t)n * sizeof(int32_t));
    return o;
}

static void list_one(const sk_ctrl_reassign_info_t *info, void *arg)
{
    list_ctx_t *lc = arg;
    if (!asked(lc->in, info->topic, info->partition))
        return;
    sk_listpartitionreassignments_resp_t *resp = lc->resp;
    sk_listpartitionreassignments_resp_topic_t *t = NULL;
    for (int32_t i = 0; i < resp->TopicsCnt; i++)
        if ((size_t)resp->Topics[i].Name.len == strlen(info->topic) &&
            memcmp(resp->Topics[i].Name.p, info->topic, strlen(info->topic)) == 0)
            t = &resp->Topics[i];
    if (!t) {
        if (resp->TopicsCnt == lc->cap) {
            int cap = lc->cap ? lc->cap * 2 : 8;
            sk_listpartitionreassignments_resp_topic_t *v =
                sk_arena_calloc(lc->req->arena, (size_t)cap, sizeof(*v));
            if (resp->TopicsCnt > 0)
                memcpy(v, resp->Topics, (size_t)resp->TopicsCnt * sizeof(*v));
            resp->Topics = v;
            lc->cap = cap;
        }
        t = &resp->Topics[resp->TopicsCnt++];
        t->Name = arena_str(lc->req, info->topic);
        t->Partitions = NULL;
        t->PartitionsCnt = 0;
    }
    /* grow by one (few partitions move at once) */
    sk_listpartitionreassignments_resp_partition_t *v =
        sk_arena_calloc(lc->req->arena, (size_t)t->PartitionsCnt + 1, sizeof(*v));
    if (t->PartitionsCnt > 0)
        memcpy(v, t->Partitions, (size_t)t->PartitionsCnt * sizeof(*v));
    sk_listpartitionreassignments_resp_partition_t *p = &v[t->PartitionsCnt];
    p->PartitionIndex = info->partition;
    p->Replicas = arena_ids(lc->req, info->replicas, info->n_replicas);
    p->ReplicasCnt = info->n_replicas;
    p->AddingReplicas = arena_ids(lc->req, info->adding, info->n_adding);
    p->AddingReplicasCnt = info->n_adding;
    p->RemovingReplicas = arena_ids(lc->req, info->removing, info->n_removing);
    p->RemovingReplicasCnt = info->n_removing;
    t->Partitions = v;
    t->PartitionsCnt++;
}

int sk_api_listpartitionreassignments(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_listpartitionreassignments_req_t in;
    if (sk_listpartitionreassignments_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_listpartitionreassignments_resp_t resp;
    sk_listpartitionreassignments_resp_init(&resp);
    resp.ErrorMessage = SK_STR_NULL;
    int16_t err = SK_KERR_NONE;
    if (!sk_authz_cluster(b, req, SK_ACL_OP_DESCRIBE)) {
        err = SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
        resp.ErrorMessage = arena_str(req, "Cluster authorization failed.");
    } else if (!b->ctrl || !sk_ctrl_active(b->ctrl)) {
        err = SK_KERR_NOT_CONTROLLER;
        resp.ErrorMessage = arena_str(req, "This is not the correct controller for this cluster.");
    } else {
        list_ctx_t lc = {req, &in, &resp, 0};
        err = sk_ctrl_list_reassignments(b->ctrl, list_one, &lc);
        if (err != SK_KERR_NONE) {
            resp.TopicsCnt = 0;
            resp.ErrorMessage = arena_str(req, "The controller is not ready; try again.");
        }
    }
    resp.ErrorCode = err;
    return sk_req_respond(req, &resp);
}
