/* api_admin.c - topic administration through the controller broker:
 * DeleteTopics (key 20) and CreatePartitions (key 37).
 *
 * As in Kafka's ZooKeeper mode, the controller broker writes the request
 * into ZooKeeper (a deletion mark, a longer assignment) and the controller
 * carries it out; other brokers answer NOT_CONTROLLER.
 */
#include "api/api.h"

#include "arena.h"
#include "assign.h"
#include "clock.h"
#include "kbuf.h"
#include "kerr.h"
#include "proto_createpartitions.h"
#include "proto_deletetopics.h"
#include "znode.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The active controller, with the cluster loaded (sk_ctrl_ready). */
static int is_controller(const sk_broker_t *b)
{
    return b->ctrl && sk_ctrl_ready(b->ctrl);
}

/* ------------------------------------------------------------ DeleteTopics */

typedef struct del_state {
    sk_broker_t *b;
    sk_req_t *req;
    sk_deletetopics_resp_t resp;
    int outstanding;   /* ZooKeeper marks not yet written */
    int64_t deadline;  /* monotonic ms */
} del_state_t;

static void del_free(sk_req_t *req)
{
    free(req->handler_state);
    req->handler_state = NULL;
}

static void del_finish(del_state_t *st)
{
    sk_req_respond(st->req, &st->resp); /* a failure closes the connection */
    sk_req_complete(st->req);
}

/* Answers once every marked topic has left the metadata (the controller
 * deleted it), or with REQUEST_TIMED_OUT at the deadline. The purgatory's
 * try callback (topic waits, woken when a topic goes); at shutdown the
 * request is left to the connection's end, unanswered. */
static int del_try(void *arg, sk_purg_why_t why)
{
    del_state_t *st = arg;
    if (why == SK_PURG_FLUSHED)
        return 1;
    int waiting = 0;
    for (int32_t i = 0; i < st->resp.ResponsesCnt; i++) {
        sk_deletetopics_resp_response_t *r = &st->resp.Responses[i];
        if (r->ErrorCode != SK_KERR_NONE)
            continue;
        if (sk_topics_find(st->b->topics, r->Name.p, r->Name.len)) {
            if (why == SK_PURG_EXPIRED)
                r->ErrorCode = SK_KERR_REQUEST_TIMED_OUT;
            else
                waiting = 1;
        }
    }
    if (waiting)
        return 0;
    del_finish(st);
    return 1;
}

/* Every deletion mark is written: answer now or wait for the metadata. */
static void del_marked_all(del_state_t *st)
{
    int64_t left = st->deadline - sk_mono_ms();
    if (del_try(st, left <= 0 ? SK_PURG_EXPIRED : SK_PURG_WOKEN))
        return;
    sk_purg_op_t *op = sk_purg_add(st->b->parts->meta, left, del_try, st);
    for (int32_t i = 0; i < st->resp.ResponsesCnt; i++) {
        const sk_deletetopics_resp_response_t *r = &st->resp.Responses[i];
        if (r->ErrorCode == SK_KERR_NONE)
            sk_purg_watch(op, sk_purg_key(r->Name.p, (size_t)(r->Name.len > 0 ? r->Name.len : 0),
                                          -1));
    }
}

static void del_marked_cb(int rc, const char *path, void *arg)
{
    (void)path;
    del_state_t *st = arg;
    (void)rc; /* ZNODEEXISTS: already marked; other errors show as a timeout */
    if (--st->outstanding == 0)
        del_marked_all(st);
}

static void del_mark(del_state_t *st, sk_str_t topic)
{
    char *name = sk_str_dup(topic);
    char *path = sk_znode_delete_topic_path(name);
    sk_info("admin", "marking topic %s for deletion (requested by %s)", name,
            sk_req_peer(st->req));
    sk_zk_create(st->b->zk, path, NULL, -1, 0, del_marked_cb, st);
    free(path);
    free(name);
}

/* A topic this broker's metadata does not know yet may have been created a
 * moment ago: ZooKeeper decides, as in Kafka. */
typedef struct del_lookup {
    del_state_t *st;
    int32_t index;
} del_lookup_t;

static void del_exists_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)data;
    (void)len;
    (void)stat;
    del_lookup_t *l = arg;
    del_state_t *st = l->st;
    sk_deletetopics_resp_response_t *res = &st->resp.Responses[l->index];
    free(l);
    if (rc == ZOK) {
        res->ErrorCode = SK_KERR_NONE;
        del_mark(st, res->Name); /* counted already: its callback ends it */
        return;
    }
    res->ErrorCode = rc == ZNONODE ? SK_KERR_UNKNOWN_TOPIC_OR_PARTITION
                                   : SK_KERR_REQUEST_TIMED_OUT;
    if (--st->outstanding == 0)
        del_marked_all(st);
}

/* The name of the topic entry t (v6) or name (v0-5) asks for, in
 * res->Name, with its id in res->TopicId when known; 0 when it is answered
 * already (v6: an unknown id, or both a name and an id). */
static int del_name(sk_broker_t *b, sk_req_t *req, const sk_deletetopics_req_topic_t *t,
                    sk_str_t name, sk_deletetopics_resp_response_t *res)
{
    static const uint8_t zero[16];
    sk_topic_t *topic;
    if (!t) {
        res->Name = name;
        return 1;
    }
    memcpy(res->TopicId, t->TopicId, 16);
    int has_id = memcmp(t->TopicId, zero, 16) != 0;
    if (t->Name.len >= 0 && has_id) {
        res->Name = t->Name;
        res->ErrorCode = SK_KERR_INVALID_REQUEST;
        res->ErrorMessage = sk_str_c("Deleting topics by both name and id is not allowed.");
        return 0;
    }
    if (t->Name.len >= 0) {
        res->Name = t->Name;
        topic = sk_topics_find(b->topics, t->Name.p, t->Name.len);
        if (topic && topic->topic_id && sk_znode_uuid_decode(topic->topic_id, res->TopicId) != 0)
            memset(res->TopicId, 0, 16);
        return 1;
    }
    topic = has_id ? sk_topics_find_id(b->topics, t->TopicId) : NULL;
    if (!topic) {
        res->Name = SK_STR_NULL;
        res->ErrorCode = SK_KERR_UNKNOWN_TOPIC_ID;
        res->ErrorMessage = sk_str_c("This server does not host this topic ID.");
        return 0;
    }
    res->Name = sk_str_c(sk_arena_strdup(req->arena, topic->name));
    return 1;
}

int sk_api_deletetopics(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_deletetopics_req_t in;
    if (sk_deletetopics_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    del_state_t *st = sk_calloc(1, sizeof(*st));
    st->b = b;
    st->req = req;
    st->deadline = sk_mono_ms() + (in.TimeoutMs > 0 ? in.TimeoutMs : 0);
    req->handler_state = st;
    req->handler_free = del_free;
    int by_topics = req->api_version >= 6; /* names or ids */
    int32_t n = by_topics ? in.TopicsCnt : in.TopicNamesCnt;
    n = n > 0 ? n : 0;
    sk_deletetopics_resp_init(&st->resp);
    st->resp.ResponsesCnt = n;
    st->resp.Responses = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*st->resp.Responses));
    st->outstanding = 1;
    for (int32_t i = 0; i < n; i++) {
        sk_deletetopics_resp_response_t *res = &st->resp.Responses[i];
        sk_deletetopics_resp_response_init(res);
        if (!del_name(b, req, by_topics ? &in.Topics[i] : NULL,
                      by_topics ? SK_STR_NULL : in.TopicNames[i], res))
            continue;
        if (!is_controller(b)) {
            res->ErrorCode = SK_KERR_NOT_CONTROLLER;
        } else if (!b->conf->delete_topic_enable) {
            res->ErrorCode = SK_KERR_TOPIC_DELETION_DISABLED;
        } else if (!sk_authz_len(b, req, SK_ACL_OP_DELETE, SK_ACL_RES_TOPIC, res->Name.p,
                                 res->Name.len)) {
            res->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
        } else if (res->Name.len <= 0) {
            res->ErrorCode = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        } else if (!sk_topics_find(b->topics, res->Name.p, res->Name.len)) {
            del_lookup_t *l = sk_calloc(1, sizeof(*l));
            l->st = st;
            l->index = i;
            st->outstanding++;
            char *name = sk_str_dup(res->Name);
            char *path = sk_znode_topic_path(name);
            sk_zk_exists(b->zk, path, NULL, NULL, del_exists_cb, l);
            free(path);
            free(name);
        } else {
            res->ErrorCode = SK_KERR_NONE;
            st->outstanding++;
            del_mark(st, res->Name);
        }
    }
    if (--st->outstanding == 0) /* nothing to wait for (all refused) */
        return sk_req_respond(req, &st->resp);
    return SK_REQ_PENDING;
}

/* -------------------------------------------------------- CreatePartitions */

typedef struct cp_state {
    sk_broker_t *b;
    sk_req_t *req;
    sk_createpartitions_resp_t resp;
    int outstanding;
    int64_t budget; /* max.partitions.per.request less what earlier topics added */
} cp_state_t;

typedef struct cp_item {
    cp_state_t *st;
    int index;
    char *path;
    sk_createpartitions_topic_t want; /* arrays in the request's arena */
    int validate_only;
} cp_item_t;

static void cp_free(sk_req_t *req)
{
    free(req->handler_state);
    req->handler_state = NULL;
}

static void cp_item_free(cp_item_t *it)
{
    free(it->path);
    free(it);
}

static void cp_done(cp_state_t *st)
{
    if (--st->outstanding > 0)
        return;
    sk_req_respond(st->req, &st->resp); /* a failure closes the connection */
    sk_req_complete(st->req);
}

static void cp_result(cp_item_t *it, int16_t err, const char *msg)
{
    sk_createpartitions_result_t *res = &it->st->resp.Results[it->index];
    res->ErrorCode = err;
    if (msg)
        res->ErrorMessage = sk_str_c(sk_arena_strdup(it->st->req->arena, msg));
}

static void cp_set_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)data;
    (void)len;
    (void)stat;
    cp_item_t *it = arg;
    cp_state_t *st = it->st;
    if (rc != ZOK)
        cp_result(it, SK_KERR_REQUEST_TIMED_OUT, "the topic changed meanwhile; try again");
    cp_item_free(it);
    cp_done(st);
}

/* The live brokers as the controller reads them from /brokers/ids. */
static sk_assign_broker_t *cp_live(const sk_broker_t *b, int *n)
{
    *n = sk_ctrl_live_count(b->ctrl);
    sk_assign_broker_t *v = sk_calloc((size_t)(*n > 0 ? *n : 1), sizeof(*v));
    for (int i = 0; i < *n; i++)
        sk_ctrl_live_broker(b->ctrl, i, &v[i].id, &v[i].rack);
    return v;
}

/* The new partitions' replicas (added x rf, in flat), from the request's
 * assignments or Kafka's pattern; a Kafka error code and msg if refused. */
static int16_t cp_assign(const sk_broker_t *b, const cp_item_t *it, const sk_znode_topic_t *t,
                         int32_t added, int32_t rf, int32_t *flat, char *msg, size_t msglen)
{
    const sk_createpartitions_topic_t *w = &it->want;
    int32_t current = t->n_partitions;
    int n_live;
    sk_assign_broker_t *live = cp_live(b, &n_live);
    int16_t err = SK_KERR_NONE;
    if (w->AssignmentsCnt >= 0) {
        if (w->AssignmentsCnt != added) {
            snprintf(msg, msglen, "Increasing the number of partitions by %d but %d "
                     "assignments provided.", added, w->AssignmentsCnt);
            err = SK_KERR_INVALID_REPLICA_ASSIGNMENT;
        }
        for (int32_t k = 0; k < w->AssignmentsCnt && !err; k++) {
            const sk_createpartitions_assignment_t *as = &w->Assignments[k];
            if (as->BrokerIdsCnt != rf) {
                snprintf(msg, msglen, "Inconsistent replication factor between partitions, "
                         "partition 0 has %d while partition %d has %d.", rf, current + k,
                         as->BrokerIdsCnt);
                err = SK_KERR_INVALID_REPLICA_ASSIGNMENT;
                break;
            }
            for (int32_t q = 0; q < rf && !err; q++) {
                int ok = 0;
                for (int l = 0; l < n_live; l++)
                    ok |= live[l].id == as->BrokerIds[q];
                for (int32_t q2 = 0; q2 < q; q2++)
                    ok &= as->BrokerIds[q2] != as->BrokerIds[q];
                if (!ok) {
                    snprintf(msg, msglen, "Invalid or duplicate broker id %d in the assignment "
                             "of partition %d.", as->BrokerIds[q], current + k);
                    err = SK_KERR_INVALID_REPLICA_ASSIGNMENT;
                }
                flat[(size_t)k * (size_t)rf + (size_t)q] = as->BrokerIds[q];
            }
        }
    } else {
        /* Kafka continues the topic's pattern: start at the broker of
         * partition 0's preferred leader. */
        int start = 0;
        for (int l = 0; l < n_live; l++)
            if (live[l].id < t->partitions[0].replicas[0])
                start++;
        if (sk_assign_replicas(live, n_live, added, rf, current, start, start, flat, msg,
                               msglen) != SK_OK)
            err = SK_KERR_INVALID_REPLICATION_FACTOR;
    }
    free(live);
    return err;
}

/* KIP-578's max.partitions / max.broker.partitions for n new replicas:
 * room for them (flat NULL, before anything is allocated), or each broker's
 * share of the assigned ones (flat). */
static int16_t cp_limit(sk_broker_t *b, int64_t n, const int32_t *flat, char *msg, size_t msglen)
{
    int n_live;
    sk_assign_broker_t *live = cp_live(b, &n_live);
    sk_partlimit_t *limit = sk_topic_partlimit(b, live, n_live);
    int16_t kerr = !limit ? SK_KERR_NONE
                   : flat ? sk_partlimit_fits(limit, flat, n, msg, msglen)
                          : sk_partlimit_room(limit, n, msg, msglen);
    sk_partlimit_free(limit);
    free(live);
    return kerr;
}

/* The topic node as ZooKeeper has it now (Kafka reads it there too, so a
 * topic created a moment ago is found even before this broker's metadata
 * has it): checked, then written back longer, at the version read. */
static void cp_get_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    cp_item_t *it = arg;
    cp_state_t *st = it->st;
    const sk_createpartitions_topic_t *w = &it->want;
    sk_znode_topic_t t = {0};
    char err[256];
    int32_t *flat = NULL;
    if (rc == ZNONODE || (rc == ZOK && (!data || sk_znode_topic_decode(data, (size_t)len, &t, err,
                                                                        sizeof(err)) != SK_OK))) {
        cp_result(it, SK_KERR_UNKNOWN_TOPIC_OR_PARTITION, NULL);
        goto out;
    }
    if (rc != ZOK) {
        snprintf(err, sizeof(err), "Reading the topic from ZooKeeper failed: %s", zerror(rc));
        cp_result(it, SK_KERR_REQUEST_TIMED_OUT, err);
        goto out;
    }
    if (t.n_adding > 0 || t.n_removing > 0) {
        cp_result(it, SK_KERR_REASSIGNMENT_IN_PROGRESS, "A partition reassignment is in "
                  "progress.");
        goto out;
    }
    int32_t current = t.n_partitions;
    int32_t added = w->Count - current;
    if (added <= 0) {
        snprintf(err, sizeof(err), "Topic currently has %d partitions, which is higher than the "
                 "requested %d.", current, w->Count);
        cp_result(it, SK_KERR_INVALID_PARTITIONS, err);
        goto out;
    }
    /* checked before anything is allocated for the new partitions */
    if (added > st->b->conf->max_partitions_per_request || added > st->budget) {
        int alone = added > st->b->conf->max_partitions_per_request;
        snprintf(err, sizeof(err), "Adding %" PRId64 " partitions exceeds "
                 "max.partitions.per.request (%d)%s.",
                 alone ? added : st->b->conf->max_partitions_per_request - st->budget + added,
                 st->b->conf->max_partitions_per_request,
                 alone ? "" : ", counted over the request");
        cp_result(it, alone ? SK_KERR_INVALID_PARTITIONS : SK_KERR_POLICY_VIOLATION, err);
        goto out;
    }
    st->budget -= added;
    int32_t rf = t.partitions[0].n_replicas;
    int16_t kerr = cp_limit(st->b, (int64_t)added * rf, NULL, err, sizeof(err));
    if (kerr != SK_KERR_NONE) {
        cp_result(it, kerr, err);
        goto out;
    }
    flat = sk_calloc((size_t)added * (size_t)(rf > 0 ? rf : 1), sizeof(int32_t));
    kerr = cp_assign(st->b, it, &t, added, rf, flat, err, sizeof(err));
    if (kerr == SK_KERR_NONE)
        kerr = cp_limit(st->b, (int64_t)added * rf, flat, err, sizeof(err));
    if (kerr != SK_KERR_NONE) {
        cp_result(it, kerr, err);
        goto out;
    }
    if (it->validate_only)
        goto out;
    t.partitions = sk_realloc(t.partitions, (size_t)w->Count * sizeof(*t.partitions));
    for (int32_t i = 0; i < added; i++) {
        sk_znode_replicas_t *r = &t.partitions[current + i];
        r->partition = current + i;
        r->n_replicas = rf;
        r->replicas = sk_calloc((size_t)(rf > 0 ? rf : 1), sizeof(int32_t));
        memcpy(r->replicas, flat + (size_t)i * (size_t)rf, (size_t)rf * sizeof(int32_t));
    }
    t.n_partitions = w->Count;
    char *json = sk_znode_topic_encode(&t);
    if (!json) {
        cp_result(it, SK_KERR_UNKNOWN_SERVER_ERROR, "cannot encode the topic node");
        goto out;
    }
    sk_info("admin", "adding %d partitions to %s (now %d)", added, it->path, w->Count);
    sk_zk_set(st->b->zk, it->path, json, (int)strlen(json), stat->version, cp_set_cb, it);
    free(json);
    free(flat);
    sk_znode_topic_clear(&t);
    return;
out:
    free(flat);
    sk_znode_topic_clear(&t);
    cp_item_free(it);
    cp_done(st);
}

int sk_api_createpartitions(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_createpartitions_req_t in;
    if (sk_createpartitions_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    cp_state_t *st = sk_calloc(1, sizeof(*st));
    st->b = b;
    st->req = req;
    st->budget = b->conf->max_partitions_per_request;
    req->handler_state = st;
    req->handler_free = cp_free;
    int32_t n = in.TopicsCnt > 0 ? in.TopicsCnt : 0;
    sk_createpartitions_resp_init(&st->resp);
    st->resp.ResultsCnt = n;
    st->resp.Results = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*st->resp.Results));
    st->outstanding = 1;
    for (int32_t i = 0; i < n; i++) {
        const sk_createpartitions_topic_t *t = &in.Topics[i];
        sk_createpartitions_result_t *res = &st->resp.Results[i];
        res->Name = t->Name;
        res->ErrorMessage = SK_STR_NULL;
        if (!is_controller(b)) {
            res->ErrorCode = SK_KERR_NOT_CONTROLLER;
            continue;
        }
        if (!sk_authz_len(b, req, SK_ACL_OP_ALTER, SK_ACL_RES_TOPIC, t->Name.p, t->Name.len)) {
            res->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
            continue;
        }
        if (t->Name.len <= 0) {
            res->ErrorCode = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
            continue;
        }
        cp_item_t *it = sk_calloc(1, sizeof(*it));
        it->st = st;
        it->index = i;
        char *name = sk_str_dup(t->Name);
        it->path = sk_znode_topic_path(name);
        free(name);
        it->want = *t;
        it->validate_only = in.ValidateOnly;
        res->ErrorCode = SK_KERR_NONE;
        st->outstanding++;
        sk_zk_get(b->zk, it->path, NULL, NULL, cp_get_cb, it);
    }
    if (--st->outstanding == 0)
        return sk_req_respond(req, &st->resp);
    return SK_REQ_PENDING;
}
