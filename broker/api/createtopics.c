/* api_createtopics.c - CreateTopics (key 19), versions 0-7. Each topic is
 * validated, then written to ZooKeeper; the response waits until every
 * write has finished (and the new topics have leaders). From v5 a created
 * (or validated) topic's answer carries its partition count, replication
 * factor and every topic config with its value and source, as
 * DescribeConfigs shows them (Kafka's ZooKeeper mode does the same); v7
 * the topic id written to /brokers/topics/<t>; v5+ is flexible. */
#include "api/api.h"

#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "proto_createtopics.h"
#include "proto_describeconfigs.h"
#include "clock.h"
#include "topic_conf.h"
#include "znode.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct ct_state {
    sk_broker_t *b;
    sk_req_t *req;
    sk_createtopics_resp_t resp;
    int outstanding;
    int64_t deadline;     /* monotonic ms: wait for the metadata until then */
} ct_state_t;

typedef struct ct_item {
    ct_state_t *st;
    int index;
} ct_item_t;

/* Kafka resets what a failed creation would have described (v5+). */
static int ct_finish(ct_state_t *st)
{
    for (int32_t i = 0; i < st->resp.TopicsCnt; i++) {
        sk_createtopics_result_t *res = &st->resp.Topics[i];
        if (res->ErrorCode == SK_KERR_NONE)
            continue;
        res->NumPartitions = -1;
        res->ReplicationFactor = -1;
        res->ConfigsCnt = 0;
        memset(res->TopicId, 0, sizeof(res->TopicId));
    }
    return sk_req_respond(st->req, &st->resp); /* a failure closes the connection */
}

/* v5+: the topic's configs, each key's override from the request or else
 * the broker setting it falls back to (the sources DescribeConfigs gives). */
static void ct_describe(sk_broker_t *b, sk_req_t *req, sk_createtopics_result_t *res,
                        char *const *keys, char *const *vals, int n_cfg)
{
    int n = sk_topic_conf_count();
    res->Configs = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*res->Configs));
    res->ConfigsCnt = 0;
    for (int k = 0; k < n; k++) {
        if (!sk_topic_conf_described(k))
            continue;
        const char *name = sk_topic_conf_name(k);
        const char *ov = NULL;
        for (int i = 0; i < n_cfg; i++)
            if (strcmp(keys[i], name) == 0)
                ov = vals[i];
        char bval[256] = "";
        int bset = 0;
        sk_topic_conf_fallback(b->conf, k, bval, sizeof(bval), &bset);
        sk_createtopics_resp_config_t *c = &res->Configs[res->ConfigsCnt++];
        sk_createtopics_resp_config_init(c);
        c->Name = sk_str_c(name);
        c->Value = sk_str_c(sk_arena_strdup(req->arena, ov ? ov : bval));
        c->ReadOnly = 0;
        c->IsSensitive = 0;
        c->ConfigSource = ov ? SK_CONFIG_SOURCE_TOPIC
                             : bset ? SK_CONFIG_SOURCE_STATIC_BROKER : SK_CONFIG_SOURCE_DEFAULT;
    }
}

/* Names to sort: the request's topics by name, then position. */
static int ct_name_cmp(const void *pa, const void *pb)
{
    const sk_createtopics_topic_t *a = *(const sk_createtopics_topic_t *const *)pa;
    const sk_createtopics_topic_t *b = *(const sk_createtopics_topic_t *const *)pb;
    int32_t la = a->Name.len > 0 ? a->Name.len : 0, lb = b->Name.len > 0 ? b->Name.len : 0;
    int c = memcmp(a->Name.p ? a->Name.p : "", b->Name.p ? b->Name.p : "",
                   (size_t)(la < lb ? la : lb));
    if (c == 0 && la != lb)
        c = la < lb ? -1 : 1;
    return c != 0 ? c : (a < b ? -1 : a > b);
}

/* dup[i] = 1 when topic i's name is in the request more than once (every
 * copy, as Kafka refuses them all): sorted, so n log n, not n^2. */
static uint8_t *ct_duplicates(sk_req_t *req, const sk_createtopics_req_t *in, int32_t n)
{
    uint8_t *dup = sk_arena_calloc(req->arena, (size_t)n + 1, 1);
    const sk_createtopics_topic_t **v = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*v));
    for (int32_t i = 0; i < n; i++)
        v[i] = &in->Topics[i];
    qsort(v, (size_t)n, sizeof(*v), ct_name_cmp);
    for (int32_t i = 1; i < n; i++) {
        const sk_createtopics_topic_t *a = v[i - 1], *b = v[i];
        if (a->Name.len == b->Name.len &&
            (a->Name.len <= 0 || memcmp(a->Name.p, b->Name.p, (size_t)a->Name.len) == 0)) {
            dup[a - in->Topics] = 1;
            dup[b - in->Topics] = 1;
        }
    }
    return dup;
}

/* The partitions topic t asks for, as validated later (-1 = the default). */
static int64_t ct_partitions(const sk_broker_t *b, const sk_createtopics_topic_t *t)
{
    if (t->AssignmentsCnt > 0)
        return t->AssignmentsCnt;
    return t->NumPartitions == -1 ? b->conf->num_partitions : t->NumPartitions;
}

static void ct_free(sk_req_t *req)
{
    free(req->handler_state);
    req->handler_state = NULL;
}

/* Does the metadata cache show the topic with a leader for every partition,
 * and, where this broker leads one, has it read the topic's configuration
 * (until then it refuses produce)? */
static int ct_visible(sk_broker_t *b, sk_str_t name)
{
    sk_topic_t *t = sk_topics_find(b->topics, name.p, name.len);
    if (!t || t->n_partitions == 0)
        return 0;
    for (int i = 0; i < t->n_partitions; i++) {
        if (t->partitions[i].leader < 0)
            return 0;
        if (t->partitions[i].leader == b->id && !t->configs_loaded)
            return 0;
    }
    return 1;
}

/* Like Kafka, answer once the new topics are in the metadata (the controller
 * elected their leaders), or with REQUEST_TIMED_OUT at the deadline. The
 * purgatory's try callback (topic waits, woken when a topic's leaders
 * change); at shutdown the request is left to the connection's end,
 * unanswered. */
static int ct_try(void *arg, sk_purg_why_t why)
{
    ct_state_t *st = arg;
    if (why == SK_PURG_FLUSHED)
        return 1;
    int waiting = 0;
    for (int32_t i = 0; i < st->resp.TopicsCnt; i++) {
        sk_createtopics_result_t *res = &st->resp.Topics[i];
        if (res->ErrorCode != SK_KERR_NONE || st->deadline <= 0 || ct_visible(st->b, res->Name))
            continue;
        if (why == SK_PURG_EXPIRED) {
            res->ErrorCode = SK_KERR_REQUEST_TIMED_OUT;
            res->ErrorMessage = sk_str_c("Timed out waiting for the topic's leaders.");
        } else {
            waiting = 1;
        }
    }
    if (waiting)
        return 0;
    ct_finish(st); /* an unencodable answer closes the connection */
    sk_req_complete(st->req);
    return 1;
}

/* Every creation is written: answer now or wait for the metadata. */
static void ct_created_all(ct_state_t *st)
{
    int64_t left = st->deadline - sk_mono_ms();
    if (ct_try(st, st->deadline > 0 && left <= 0 ? SK_PURG_EXPIRED : SK_PURG_WOKEN))
        return;
    sk_purg_op_t *op = sk_purg_add(st->b->parts->meta, left, ct_try, st);
    for (int32_t i = 0; i < st->resp.TopicsCnt; i++) {
        const sk_createtopics_result_t *res = &st->resp.Topics[i];
        if (res->ErrorCode == SK_KERR_NONE)
            sk_purg_watch(op, sk_purg_key(res->Name.p,
                                          (size_t)(res->Name.len > 0 ? res->Name.len : 0), -1));
    }
}

static void ct_topic_done(int16_t kerr, const char *msg, void *arg)
{
    ct_item_t *it = arg;
    ct_state_t *st = it->st;
    sk_createtopics_result_t *res = &st->resp.Topics[it->index];
    res->ErrorCode = kerr;
    if (kerr != SK_KERR_NONE && msg)
        res->ErrorMessage = sk_str_c(sk_arena_strdup(st->req->arena, msg));
    free(it);
    if (--st->outstanding == 0)
        ct_created_all(st);
}

/* A topic asks for more replicas than the controller's live-broker list
 * has, and that list was read before the request came: a broker that has
 * just registered may be missing from it (its watch event still on the
 * way), so the list is read again before the answer (for up to 10 s). */
static int ct_needs_fresh_brokers(sk_broker_t *b, const sk_req_t *req,
                                  const sk_createtopics_req_t *in)
{
    if (sk_ctrl_brokers_read_ms(b->ctrl) >= req->received_ms ||
        sk_mono_ms() - req->received_ms >= 10000) /* ZooKeeper not answering: decide */
        return 0;
    int n_live = sk_ctrl_live_count(b->ctrl);
    for (int32_t i = 0; i < in->TopicsCnt; i++) {
        const sk_createtopics_topic_t *t = &in->Topics[i];
        int rf = t->ReplicationFactor == -1 ? b->conf->default_replication_factor
                                            : t->ReplicationFactor;
        if (t->AssignmentsCnt <= 0 && rf > n_live)
            return 1;
    }
    return 0;
}

int sk_api_createtopics(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_createtopics_req_t in;
    if (sk_createtopics_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);

    /* In ZooKeeper mode topic admin goes through the controller broker;
     * clients look it up in Metadata and retry on NOT_CONTROLLER. */
    int not_controller = !b->ctrl || !sk_ctrl_ready(b->ctrl);
    if (!not_controller && ct_needs_fresh_brokers(b, req, &in)) {
        sk_ctrl_reread_brokers(b->ctrl);
        return sk_api_ctrl_hold(b, req);
    }
    /* Create on the cluster allows every topic, else Create on the topic */
    int cluster_create = sk_authz_cluster(b, req, SK_ACL_OP_CREATE);

    ct_state_t *st = sk_calloc(1, sizeof(*st));
    st->b = b;
    st->req = req;
    sk_createtopics_resp_init(&st->resp);
    st->resp.TopicsCnt = in.TopicsCnt > 0 ? in.TopicsCnt : 0;
    st->resp.Topics = sk_arena_calloc(req->arena, (size_t)st->resp.TopicsCnt + 1,
                                      sizeof(*st->resp.Topics));
    st->outstanding = 1; /* held until every topic has been started */
    st->deadline = in.validateOnly || in.timeoutMs <= 0 ? 0 : sk_mono_ms() + in.timeoutMs;
    req->handler_state = st;
    req->handler_free = ct_free;
    uint8_t *dups = ct_duplicates(req, &in, st->resp.TopicsCnt);
    /* max.partitions.per.request: counted over the request before anything
     * is allocated for a topic (validate_only too) */
    int64_t budget = b->conf->max_partitions_per_request;

    for (int32_t i = 0; i < st->resp.TopicsCnt; i++) {
        const sk_createtopics_topic_t *t = &in.Topics[i];
        sk_createtopics_result_t *res = &st->resp.Topics[i];
        sk_createtopics_resp_topic_init(res);
        res->Name = t->Name;
        res->ErrorMessage = SK_STR_NULL;
        const char *msg = NULL;
        if (not_controller) {
            res->ErrorCode = SK_KERR_NOT_CONTROLLER;
            res->ErrorMessage = sk_str_c("This is not the correct controller for this cluster.");
            continue;
        }

        /* The same name twice in one request is refused for both (Kafka). */
        if (dups[i]) {
            res->ErrorCode = SK_KERR_INVALID_REQUEST;
            res->ErrorMessage = sk_str_c("Create topics request from client contains the same "
                                         "topic more than once");
            continue;
        }
        if (!cluster_create &&
            !sk_authz_len(b, req, SK_ACL_OP_CREATE, SK_ACL_RES_TOPIC, t->Name.p, t->Name.len)) {
            res->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
            res->ErrorMessage = sk_str_c("Authorization failed.");
            continue;
        }
        int64_t want = ct_partitions(b, t);
        if (want > b->conf->max_partitions_per_request || want > budget) {
            char m[200];
            int alone = want > b->conf->max_partitions_per_request;
            snprintf(m, sizeof(m), "%s %" PRId64 " partitions exceeds max.partitions.per.request "
                     "(%" PRId32 ")%s.", alone ? "Creating" : "With this topic's",
                     alone ? want : b->conf->max_partitions_per_request - budget + want,
                     b->conf->max_partitions_per_request, alone ? "" : ", counted over the request");
            res->ErrorCode = alone ? SK_KERR_INVALID_PARTITIONS : SK_KERR_POLICY_VIOLATION;
            res->ErrorMessage = sk_str_c(sk_arena_strdup(req->arena, m));
            continue;
        }
        if (want > 0)
            budget -= want;
        char *name = sk_arena_memdup(req->arena, t->Name.p ? t->Name.p : "",
                                     (size_t)(t->Name.len > 0 ? t->Name.len : 0) + 1);
        name[t->Name.len > 0 ? t->Name.len : 0] = '\0';

        int32_t **assign = NULL;
        int32_t *assign_sizes = NULL;
        if (t->AssignmentsCnt > 0) {
            assign = sk_arena_calloc(req->arena, (size_t)t->AssignmentsCnt, sizeof(*assign));
            assign_sizes = sk_arena_calloc(req->arena, (size_t)t->AssignmentsCnt, sizeof(int32_t));
            for (int32_t k = 0; k < t->AssignmentsCnt; k++) {
                int32_t pi = t->Assignments[k].PartitionIndex;
                if (pi < 0 || pi >= t->AssignmentsCnt || assign[pi]) {
                    assign = NULL;
                    break;
                }
                assign[pi] = t->Assignments[k].BrokerIds;
                assign_sizes[pi] = t->Assignments[k].BrokerIdsCnt;
            }
            if (!assign) {
                res->ErrorCode = SK_KERR_INVALID_REPLICA_ASSIGNMENT;
                res->ErrorMessage = sk_str_c("partition indexes of the assignment must be 0..n-1");
                continue;
            }
        }
        int n_cfg = t->ConfigsCnt > 0 ? t->ConfigsCnt : 0;
        char **keys = sk_arena_calloc(req->arena, (size_t)n_cfg + 1, sizeof(char *));
        char **vals = sk_arena_calloc(req->arena, (size_t)n_cfg + 1, sizeof(char *));
        int bad_cfg = 0;
        for (int k = 0; k < n_cfg; k++) {
            keys[k] = sk_arena_memdup(req->arena, t->Configs[k].Name.p ? t->Configs[k].Name.p : "",
                                      (size_t)(t->Configs[k].Name.len > 0 ? t->Configs[k].Name.len : 0) + 1);
            keys[k][t->Configs[k].Name.len > 0 ? t->Configs[k].Name.len : 0] = '\0';
            if (t->Configs[k].Value.len < 0) {
                bad_cfg = 1;
                break;
            }
            vals[k] = sk_arena_memdup(req->arena, t->Configs[k].Value.p ? t->Configs[k].Value.p : "",
                                      (size_t)t->Configs[k].Value.len + 1);
            vals[k][t->Configs[k].Value.len] = '\0';
        }
        if (bad_cfg) {
            res->ErrorCode = SK_KERR_INVALID_CONFIG;
            res->ErrorMessage = sk_str_c("null config value");
            continue;
        }
        ct_item_t *it = sk_calloc(1, sizeof(*it));
        it->st = st;
        it->index = i;
        int32_t nparts = t->AssignmentsCnt > 0 ? t->AssignmentsCnt : t->NumPartitions;
        int16_t kerr = sk_topic_create(b, name, nparts, t->ReplicationFactor, assign, assign_sizes,
                                       keys, vals, n_cfg, in.validateOnly, &msg, ct_topic_done, it);
        if (kerr != SK_KERR_NONE) {
            free(it);
            res->ErrorCode = kerr;
            res->ErrorMessage = sk_str_c(msg ? sk_arena_strdup(req->arena, msg) : NULL);
            continue;
        }
        st->outstanding++;
        if (req->api_version >= 5) {
            /* what was validated: the broker defaults for -1 counts */
            res->NumPartitions = nparts == -1 ? b->conf->num_partitions : nparts;
            res->ReplicationFactor = t->AssignmentsCnt > 0
                                         ? (int16_t)t->Assignments[0].BrokerIdsCnt
                                         : t->ReplicationFactor == -1
                                               ? (int16_t)b->conf->default_replication_factor
                                               : t->ReplicationFactor;
            ct_describe(b, req, res, keys, vals, n_cfg);
        }
        const char *id = in.validateOnly ? NULL : sk_topic_creation_id(b, name);
        if (req->api_version >= 7 && id && sk_znode_uuid_decode(id, res->TopicId) != SK_OK)
            memset(res->TopicId, 0, sizeof(res->TopicId));
    }
    if (--st->outstanding == 0)
        return ct_finish(st);
    return SK_REQ_PENDING;
}
