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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_controller(const sk_broker_t *b)
{
    return b->ctrl && sk_ctrl_active(b->ctrl);
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
    sk_wr_t w;
    sk_wr_init(&w);
    sk_deletetopics_resp_encode(&w, st->req->api_version, &st->resp);
    sk_req_set_body(st->req, &w);
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
        sk_deletetopics_result_t *r = &st->resp.Responses[i];
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
        const sk_deletetopics_result_t *r = &st->resp.Responses[i];
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
    int32_t n = in.TopicNamesCnt > 0 ? in.TopicNamesCnt : 0;
    st->resp.ResponsesCnt = n;
    st->resp.Responses = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*st->resp.Responses));
    st->outstanding = 1;
    for (int32_t i = 0; i < n; i++) {
        sk_deletetopics_result_t *res = &st->resp.Responses[i];
        res->Name = in.TopicNames[i];
        if (!is_controller(b)) {
            res->ErrorCode = SK_KERR_NOT_CONTROLLER;
        } else if (!b->conf->delete_topic_enable) {
            res->ErrorCode = SK_KERR_TOPIC_DELETION_DISABLED;
        } else if (!sk_authz_len(b, req, SK_ACL_OP_DELETE, SK_ACL_RES_TOPIC, res->Name.p,
                                 res->Name.len)) {
            res->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
        } else if (!sk_topics_find(b->topics, res->Name.p, res->Name.len)) {
            res->ErrorCode = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        } else {
            char *name = sk_str_dup(res->Name);
            char *path = sk_znode_delete_topic_path(name);
            res->ErrorCode = SK_KERR_NONE;
            st->outstanding++;
            sk_info("admin", "marking topic %s for deletion (requested by %s)", name,
                    sk_req_peer(req));
            sk_zk_create(b->zk, path, NULL, -1, 0, del_marked_cb, st);
            free(path);
            free(name);
        }
    }
    if (--st->outstanding == 0) {
        /* Nothing to wait for (all refused). */
        sk_wr_t w;
        sk_wr_init(&w);
        sk_deletetopics_resp_encode(&w, req->api_version, &st->resp);
        sk_req_set_body(req, &w);
        return SK_REQ_DONE;
    }
    return SK_REQ_PENDING;
}

/* -------------------------------------------------------- CreatePartitions */

typedef struct cp_state {
    sk_broker_t *b;
    sk_req_t *req;
    sk_createpartitions_resp_t resp;
    int outstanding;
} cp_state_t;

typedef struct cp_item {
    cp_state_t *st;
    int index;
    char *path;
    int32_t count;
    int32_t **added;   /* replicas of each added partition */
    int32_t n_added;
    int32_t rf;
} cp_item_t;

static void cp_free(sk_req_t *req)
{
    free(req->handler_state);
    req->handler_state = NULL;
}

static void cp_item_free(cp_item_t *it)
{
    for (int32_t i = 0; i < it->n_added; i++)
        free(it->added[i]);
    free(it->added);
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

static void cp_get_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    cp_item_t *it = arg;
    cp_state_t *st = it->st;
    sk_znode_topic_t t = {0};
    char err[200];
    int32_t current;
    if (rc != ZOK || !data || sk_znode_topic_decode(data, (size_t)len, &t, err, sizeof(err)) != SK_OK) {
        cp_result(it, SK_KERR_UNKNOWN_TOPIC_OR_PARTITION, NULL);
        goto fail;
    }
    current = t.n_partitions;
    int32_t added = it->count - current;
    if (added > 0 && added != it->n_added) {
        cp_result(it, SK_KERR_INVALID_PARTITIONS, "the topic changed meanwhile; try again");
        goto fail;
    }
    if (added <= 0) {
        snprintf(err, sizeof(err), "Topic currently has %d partitions, which is higher than the "
                 "requested %d.", current, it->count);
        cp_result(it, SK_KERR_INVALID_PARTITIONS, err);
        goto fail;
    }
    t.partitions = sk_realloc(t.partitions, (size_t)it->count * sizeof(*t.partitions));
    for (int32_t i = 0; i < added; i++) {
        sk_znode_replicas_t *r = &t.partitions[current + i];
        r->partition = current + i;
        r->n_replicas = it->rf;
        r->replicas = sk_calloc((size_t)it->rf, sizeof(int32_t));
        memcpy(r->replicas, it->added[i], (size_t)it->rf * sizeof(int32_t));
    }
    t.n_partitions = it->count;
    char *json = sk_znode_topic_encode(&t);
    sk_znode_topic_clear(&t);
    if (!json) {
        cp_result(it, SK_KERR_UNKNOWN_SERVER_ERROR, "cannot encode the topic node");
        goto fail_nojson;
    }
    sk_info("admin", "adding %d partitions to %s (now %d)", added, it->path, it->count);
    sk_zk_set(st->b->zk, it->path, json, (int)strlen(json), stat->version, cp_set_cb, it);
    free(json);
    return;
fail:
    sk_znode_topic_clear(&t);
fail_nojson:
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
        char msg[256];
        if (!is_controller(b)) {
            res->ErrorCode = SK_KERR_NOT_CONTROLLER;
            continue;
        }
        if (!sk_authz_len(b, req, SK_ACL_OP_ALTER, SK_ACL_RES_TOPIC, t->Name.p, t->Name.len)) {
            res->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
            continue;
        }
        sk_topic_t *topic = sk_topics_find(b->topics, t->Name.p, t->Name.len);
        if (!topic || topic->n_partitions < 1) {
            res->ErrorCode = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
            continue;
        }
        int32_t current = topic->n_partitions;
        int32_t added = t->Count - current;
        if (added <= 0) {
            snprintf(msg, sizeof(msg), "Topic currently has %d partitions, which is higher than "
                     "the requested %d.", current, t->Count);
            res->ErrorCode = SK_KERR_INVALID_PARTITIONS;
            res->ErrorMessage = sk_str_c(sk_arena_strdup(req->arena, msg));
            continue;
        }
        /* checked before anything is allocated for the new partitions */
        if (added > b->conf->max_partitions_per_request) {
            snprintf(msg, sizeof(msg), "Adding %d partitions exceeds max.partitions.per.request "
                     "(%d).", added, b->conf->max_partitions_per_request);
            res->ErrorCode = SK_KERR_INVALID_PARTITIONS;
            res->ErrorMessage = sk_str_c(sk_arena_strdup(req->arena, msg));
            continue;
        }
        int32_t rf = topic->partitions[0].n_replicas;
        int n_live = b->n_live > 0 ? b->n_live : 1;
        sk_assign_broker_t *live = sk_calloc((size_t)n_live, sizeof(*live));
        for (int k = 0; k < n_live; k++) {
            live[k].id = b->n_live > 0 ? b->live[k].id : b->id;
            live[k].rack = b->n_live > 0 ? b->live[k].rack : b->conf->broker_rack;
        }
        int32_t *flat = sk_calloc((size_t)added * (size_t)(rf > 0 ? rf : 1), sizeof(int32_t));
        int16_t err = SK_KERR_NONE;
        if (t->AssignmentsCnt >= 0) {
            if (t->AssignmentsCnt != added) {
                snprintf(msg, sizeof(msg), "Increasing the number of partitions by %d but %d "
                         "assignments provided.", added, t->AssignmentsCnt);
                err = SK_KERR_INVALID_REPLICA_ASSIGNMENT;
            }
            for (int32_t k = 0; k < t->AssignmentsCnt && !err; k++) {
                const sk_createpartitions_assignment_t *as = &t->Assignments[k];
                if (as->BrokerIdsCnt != rf) {
                    snprintf(msg, sizeof(msg), "Inconsistent replication factor between "
                             "partitions, partition 0 has %d while partition %d has %d.", rf,
                             current + k, as->BrokerIdsCnt);
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
                        snprintf(msg, sizeof(msg), "Invalid or duplicate broker id %d in the "
                                 "assignment of partition %d.", as->BrokerIds[q], current + k);
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
                if (live[l].id < topic->partitions[0].replicas[0])
                    start++;
            if (sk_assign_replicas(live, n_live, added, rf, current, start, start, flat, msg,
                                   sizeof(msg)) != SK_OK)
                err = SK_KERR_INVALID_REPLICATION_FACTOR;
        }
        free(live);
        if (err != SK_KERR_NONE || in.ValidateOnly) {
            res->ErrorCode = err;
            if (err != SK_KERR_NONE)
                res->ErrorMessage = sk_str_c(sk_arena_strdup(req->arena, msg));
            free(flat);
            continue;
        }
        cp_item_t *it = sk_calloc(1, sizeof(*it));
        it->st = st;
        it->index = i;
        char *name = sk_str_dup(t->Name);
        it->path = sk_znode_topic_path(name);
        free(name);
        it->count = t->Count;
        it->rf = rf;
        it->n_added = added;
        it->added = sk_calloc((size_t)added, sizeof(int32_t *));
        for (int32_t k = 0; k < added; k++) {
            it->added[k] = sk_calloc((size_t)rf, sizeof(int32_t));
            memcpy(it->added[k], flat + (size_t)k * (size_t)rf, (size_t)rf * sizeof(int32_t));
        }
        free(flat);
        res->ErrorCode = SK_KERR_NONE;
        st->outstanding++;
        sk_zk_get(b->zk, it->path, NULL, NULL, cp_get_cb, it);
    }
    if (--st->outstanding == 0)
        return sk_req_respond(req, &st->resp);
    return SK_REQ_PENDING;
}
