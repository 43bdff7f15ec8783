/* api_elect.c - ControlledShutdown (key 7) and ElectLeaders (key 43), both
 * answered only by the active controller (NOT_CONTROLLER elsewhere). The
 * decisions are the controller's (controller.h); this file decodes, hands
 * over and encodes. */
#include "api/api.h"

#include "kerr.h"
#include "proto_controlledshutdown.h"
#include "proto_electleaders.h"

#include <stdlib.h>
#include <string.h>

static void state_free(sk_req_t *req)
{
    free(req->handler_state);
    req->handler_state = NULL;
}

/* ---------------------------------------------------- ControlledShutdown */

static sk_str_t arena_str(sk_req_t *req, const char *s)
{
    size_t len = strlen(s);
    return (sk_str_t){sk_arena_memdup(req->arena, s, len + 1), (int32_t)len};
}

typedef struct cs_state {
    sk_req_t *req;
    int returned;   /* the handler has returned (else the answer is synchronous) */
} cs_state_t;

static void cs_answer(sk_req_t *req, int16_t err, const sk_ctrl_tp_t *rem, int n)
{
    sk_controlledshutdown_resp_t resp;
    sk_controlledshutdown_resp_init(&resp);
    resp.ErrorCode = err;
    resp.RemainingPartitions = sk_arena_calloc(req->arena, (size_t)n + 1,
                                               sizeof(*resp.RemainingPartitions));
    for (int i = 0; i < n; i++) {
        resp.RemainingPartitions[i].TopicName = arena_str(req, rem[i].topic);
        resp.RemainingPartitions[i].PartitionIndex = rem[i].partition;
    }
    resp.RemainingPartitionsCnt = n;
    sk_req_respond(req, &resp); /* a failure closes the connection */
}

static void cs_done(int16_t err, const sk_ctrl_tp_t *rem, int n, void *arg)
{
    cs_state_t *st = arg;
    cs_answer(st->req, err, rem, n);
    if (st->returned)
        sk_req_complete(st->req);
    else
        st->returned = -1; /* answered before the handler returned */
}

int sk_api_controlledshutdown(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_controlledshutdown_req_t in;
    if (sk_controlledshutdown_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    if (!sk_authz_cluster(b, req, SK_ACL_OP_CLUSTER_ACTION)) {
        cs_answer(req, SK_KERR_CLUSTER_AUTHORIZATION_FAILED, NULL, 0);
        return SK_REQ_DONE;
    }
    if (!b->ctrl || !sk_ctrl_active(b->ctrl)) {
        cs_answer(req, SK_KERR_NOT_CONTROLLER, NULL, 0);
        return SK_REQ_DONE;
    }
    sk_info("control", "controlled shutdown requested by broker %d (epoch %lld) from %s",
            in.BrokerId, (long long)in.BrokerEpoch, sk_req_peer(req));
    cs_state_t *st = sk_calloc(1, sizeof(*st));
    st->req = req;
    req->handler_state = st;
    req->handler_free = state_free;
    sk_ctrl_controlled_shutdown(b->ctrl, in.BrokerId, in.BrokerEpoch, cs_done, st);
    if (st->returned == -1)
        return SK_REQ_DONE;
    st->returned = 1;
    return SK_REQ_PENDING;
}

/* ---------------------------------------------------------- ElectLeaders */

typedef struct el_state {
    sk_req_t *req;
    int returned;
} el_state_t;


static void el_encode(sk_req_t *req, const sk_electleaders_resp_t *resp)
{
    sk_req_respond(req, resp); /* a failure closes the connection */
}

/* A response with only a top-level error; v0 has no such field (Kafka
 * leaves it out there). */
static void el_error(sk_req_t *req, int16_t err)
{
    sk_electleaders_resp_t resp;
    sk_electleaders_resp_init(&resp);
    if (req->api_version >= 1)
        resp.ErrorCode = err;
    el_encode(req, &resp);
}

/* A topic partition at position pos of a list, for sorting (so grouping
 * and duplicate checks take n log n, not n^2). */
typedef struct el_ix {
    const char *topic;
    int32_t partition;
    int pos;
} el_ix_t;

static int el_ix_cmp(const void *pa, const void *pb)
{
    const el_ix_t *a = pa, *b = pb;
    int c = strcmp(a->topic, b->topic);
    if (c == 0 && a->partition != b->partition)
        c = a->partition < b->partition ? -1 : 1;
    return c != 0 ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* A topic's results: where its first one is and how many. */
typedef struct el_group {
    int first, count;
} el_group_t;

static int el_group_cmp(const void *pa, const void *pb)
{
    const el_group_t *a = pa, *b = pb;
    return (a->first > b->first) - (a->first < b->first);
}

/* Results grouped by topic, topics in first-seen order. */
static void el_answer(sk_req_t *req, const sk_ctrl_elect_result_t *res, int n)
{
    sk_electleaders_resp_t resp;
    sk_electleaders_resp_init(&resp);
    resp.ReplicaElectionResults = sk_arena_calloc(req->arena, (size_t)n + 1,
                                                  sizeof(*resp.ReplicaElectionResults));
    /* sorted by topic then position: each run is a topic, its head the
     * topic's first result */
    el_ix_t *v = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*v));
    for (int i = 0; i < n; i++)
        v[i] = (el_ix_t){res[i].topic, 0, i};
    qsort(v, (size_t)n, sizeof(*v), el_ix_cmp);
    int *group_of = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(int));
    el_group_t *g = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*g));
    int ng = 0;
    for (int i = 0; i < n; i++) {
        if (i == 0 || strcmp(v[i - 1].topic, v[i].topic) != 0)
            g[ng++] = (el_group_t){v[i].pos, 0};
        g[ng - 1].count++;
        group_of[v[i].pos] = ng - 1;
    }
    qsort(g, (size_t)ng, sizeof(*g), el_group_cmp);
    int *slot_of_first = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(int));
    for (int k = 0; k < ng; k++) {
        sk_electleaders_result_t *t = &resp.ReplicaElectionResults[k];
        t->Topic = arena_str(req, res[g[k].first].topic);
        t->PartitionResult = sk_arena_calloc(req->arena, (size_t)g[k].count + 1,
                                             sizeof(*t->PartitionResult));
        slot_of_first[g[k].first] = k;
    }
    resp.ReplicaElectionResultsCnt = ng;
    /* group_of[] holds run numbers from before the groups were reordered:
     * map each run to its slot through the run's first position */
    int *run_first = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(int));
    for (int i = 0, run = -1; i < n; i++) {
        if (i == 0 || strcmp(v[i - 1].topic, v[i].topic) != 0)
            run_first[++run] = v[i].pos;
    }
    for (int i = 0; i < n; i++) {
        sk_electleaders_result_t *t =
            &resp.ReplicaElectionResults[slot_of_first[run_first[group_of[i]]]];
        sk_electleaders_partition_result_t *p = &t->PartitionResult[t->PartitionResultCnt++];
        p->PartitionId = res[i].partition;
        p->ErrorCode = res[i].err;
        p->ErrorMessage = res[i].msg ? arena_str(req, res[i].msg) : SK_STR_NULL;
    }
    el_encode(req, &resp);
}

static void el_done(int16_t top_err, const sk_ctrl_elect_result_t *res, int n, void *arg)
{
    el_state_t *st = arg;
    if (top_err != SK_KERR_NONE) {
        el_error(st->req, top_err);
    } else {
        el_answer(st->req, res, n);
    }
    if (st->returned)
        sk_req_complete(st->req);
    else
        st->returned = -1;
}

/* Not the controller: a top-level error (v1+), or each named partition
 * failing (v0 has no top-level code). */
static void el_refuse(sk_req_t *req, const sk_electleaders_req_t *in, int16_t err,
                      const char *msg)
{
    if (req->api_version >= 1) {
        el_error(req, err);
        return;
    }
    int total = 0;
    for (int32_t i = 0; i < in->TopicPartitionsCnt; i++)
        total += in->TopicPartitions[i].PartitionsCnt;
    sk_ctrl_elect_result_t *res = sk_arena_calloc(req->arena, (size_t)total + 1, sizeof(*res));
    int n = 0;
    for (int32_t i = 0; i < in->TopicPartitionsCnt; i++) {
        char *name = sk_str_dup(in->TopicPartitions[i].Topic);
        const char *aname = arena_str(req, name).p;
        free(name);
        for (int32_t j = 0; j < in->TopicPartitions[i].PartitionsCnt; j++)
            res[n++] = (sk_ctrl_elect_result_t){aname, in->TopicPartitions[i].Partitions[j], err,
                                                msg};
    }
    el_answer(req, res, n);
}

/* A partition named twice is elected once: the later copies leave the
 * list, which keeps its order otherwise. Returns the new length. */
static int el_dedup(sk_req_t *req, sk_ctrl_tp_t *tps, int n)
{
    el_ix_t *v = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*v));
    uint8_t *drop = sk_arena_calloc(req->arena, (size_t)n + 1, 1);
    for (int i = 0; i < n; i++)
        v[i] = (el_ix_t){tps[i].topic, tps[i].partition, i};
    qsort(v, (size_t)n, sizeof(*v), el_ix_cmp);
    for (int i = 1; i < n; i++)
        if (v[i].partition == v[i - 1].partition && strcmp(v[i].topic, v[i - 1].topic) == 0)
            drop[v[i].pos] = 1; /* sorted by position within a run: not the first */
    int m = 0;
    for (int i = 0; i < n; i++)
        if (!drop[i])
            tps[m++] = tps[i];
    return m;
}

int sk_api_electleaders(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_electleaders_req_t in;
    if (sk_electleaders_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    if (in.ElectionType != SK_ELECTION_PREFERRED && in.ElectionType != SK_ELECTION_UNCLEAN) {
        el_refuse(req, &in, SK_KERR_INVALID_REQUEST, "unknown election type");
        return SK_REQ_DONE;
    }
    if (!sk_authz_cluster(b, req, SK_ACL_OP_ALTER)) {
        el_refuse(req, &in, SK_KERR_CLUSTER_AUTHORIZATION_FAILED, "no Alter on the cluster");
        return SK_REQ_DONE;
    }
    if (!b->ctrl || !sk_ctrl_active(b->ctrl)) {
        el_refuse(req, &in, SK_KERR_NOT_CONTROLLER, "this broker is not the controller");
        return SK_REQ_DONE;
    }
    sk_ctrl_tp_t *tps = NULL;
    int n = -1;
    if (in.TopicPartitionsCnt >= 0) {
        int total = 0;
        for (int32_t i = 0; i < in.TopicPartitionsCnt; i++)
            total += in.TopicPartitions[i].PartitionsCnt;
        tps = sk_arena_calloc(req->arena, (size_t)total + 1, sizeof(*tps));
        n = 0;
        for (int32_t i = 0; i < in.TopicPartitionsCnt; i++) {
            char *name = sk_str_dup(in.TopicPartitions[i].Topic);
            const char *aname = arena_str(req, name).p;
            free(name);
            for (int32_t j = 0; j < in.TopicPartitions[i].PartitionsCnt; j++)
                tps[n++] = (sk_ctrl_tp_t){aname, in.TopicPartitions[i].Partitions[j]};
        }
        n = el_dedup(req, tps, n);
    }
    sk_info("control", "%s leader election requested by %s for %s",
            in.ElectionType == SK_ELECTION_UNCLEAN ? "unclean" : "preferred", sk_req_peer(req),
            n < 0 ? "all partitions" : "listed partitions");
    el_state_t *st = sk_calloc(1, sizeof(*st));
    st->req = req;
    req->handler_state = st;
    req->handler_free = state_free;
    sk_ctrl_elect_leaders(b->ctrl, in.ElectionType, tps, n, el_done, st);
    if (st->returned == -1)
        return SK_REQ_DONE;
    st->returned = 1;
    return SK_REQ_PENDING;
}
