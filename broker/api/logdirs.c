/* api/logdirs.c - AlterReplicaLogDirs (key 34, v0-2) and DescribeLogDirs
 * (key 35, v0-4), about this broker's own log.dirs.
 *
 * DescribeLogDirs: every log dir with each partition log in it (current and
 * future), its size in bytes, offset lag and whether it is a future log,
 * filtered by the request's topics (null: all); v4 adds each volume's total
 * and usable bytes. Needs Describe on the cluster: without it v3+ answer
 * CLUSTER_AUTHORIZATION_FAILED at the top level and older versions an empty
 * list, as Kafka.
 *
 * AlterReplicaLogDirs: each partition's log is to move to the named dir;
 * the log manager (storage/logmgr.h) creates the future log and moves it.
 * Per partition, as Kafka: CLUSTER_AUTHORIZATION_FAILED without Alter on
 * the cluster, LOG_DIR_NOT_FOUND for a path that is not one of log.dirs,
 * REPLICA_NOT_AVAILABLE when this broker has no log of the partition,
 * KAFKA_STORAGE_ERROR when the future log cannot be created,
 * INVALID_TOPIC_EXCEPTION when its dir name would be too long.
 * @locality loop
 */
#include "api/api.h"

#include "arena.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "proto_gen.h"
#include "storage/logmgr.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOD "logdirs"

/* ---- DescribeLogDirs ---- */

typedef struct dl_log {
    const char *topic;
    int32_t partition;
    int64_t size, lag;
    int is_future;
} dl_log_t;

typedef struct dl_collect {
    sk_arena_t *arena;
    const sk_describelogdirs_req_t *in;
    dl_log_t *v;
    size_t n, cap;
} dl_collect_t;

static int dl_wanted(const sk_describelogdirs_req_t *in, const char *topic, int32_t partition)
{
    if (in->TopicsCnt < 0)
        return 1;
    size_t tl = strlen(topic);
    for (int32_t i = 0; i < in->TopicsCnt; i++) {
        const sk_describelogdirs_req_topic_t *t = &in->Topics[i];
        if (t->Topic.len != (int32_t)tl || memcmp(t->Topic.p, topic, tl))
            continue;
        for (int32_t j = 0; j < t->PartitionsCnt; j++)
            if (t->Partitions[j] == partition)
                return 1;
    }
    return 0;
}

static void dl_add(const sk_logmgr_dirlog_t *l, void *arg)
{
    dl_collect_t *c = arg;
    if (!dl_wanted(c->in, l->topic, l->partition))
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->v = sk_realloc(c->v, c->cap * sizeof(*c->v));
    }
    c->v[c->n++] = (dl_log_t){sk_arena_strdup(c->arena, l->topic), l->partition, l->size, l->offset_lag,
                              l->is_future};
}

static int dl_cmp(const void *a, const void *b)
{
    const dl_log_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (c)
        return c;
    if (x->partition != y->partition)
        return x->partition < y->partition ? -1 : 1;
    return x->is_future - y->is_future;
}

/* One dir's logs, grouped by topic. */
static void dl_fill(sk_arena_t *a, sk_describelogdirs_resp_result_t *res, dl_log_t *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof(*v), dl_cmp);
    int32_t ntopics = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(v[i].topic, v[i - 1].topic))
            ntopics++;
    res->Topics = sk_arena_calloc(a, (size_t)ntopics + 1, sizeof(*res->Topics));
    res->TopicsCnt = ntopics;
    sk_describelogdirs_resp_topic_t *t = NULL;
    for (size_t i = 0, k = 0; i < n; i++) {
        if (i == 0 || strcmp(v[i].topic, v[i - 1].topic)) {
            t = &res->Topics[k++];
            sk_describelogdirs_resp_topic_init(t);
            size_t cnt = 0;
            while (i + cnt < n && !strcmp(v[i + cnt].topic, v[i].topic))
                cnt++;
            t->Name = sk_str_c(v[i].topic);
            t->Partitions = sk_arena_calloc(a, cnt, sizeof(*t->Partitions));
        }
        sk_describelogdirs_resp_partition_t *p = &t->Partitions[t->PartitionsCnt++];
        sk_describelogdirs_resp_partition_init(p);
        p->PartitionIndex = v[i].partition;
        p->PartitionSize = v[i].size;
        p->OffsetLag = v[i].lag;
        p->IsFutureKey = v[i].is_future;
    }
}

int sk_api_describelogdirs(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_describelogdirs_req_t in;
    if (sk_describelogdirs_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_describelogdirs_resp_t resp;
    sk_describelogdirs_resp_init(&resp);
    if (!sk_authz_cluster(b, req, SK_ACL_OP_DESCRIBE)) {
        resp.ErrorCode = SK_KERR_CLUSTER_AUTHORIZATION_FAILED; /* on the wire from v3 */
        return sk_req_respond(req, &resp);
    }
    int nd = sk_logmgr_dir_count(b->logs);
    resp.Results = sk_arena_calloc(req->arena, (size_t)nd, sizeof(*resp.Results));
    resp.ResultsCnt = nd;
    for (int d = 0; d < nd; d++) {
        sk_describelogdirs_resp_result_t *res = &resp.Results[d];
        sk_describelogdirs_resp_result_init(res);
        res->LogDir = sk_str_c(sk_arena_strdup(req->arena, sk_logmgr_dir_path(b->logs, d)));
        sk_logmgr_dir_space(b->logs, d, &res->TotalBytes, &res->UsableBytes);
        if (sk_logmgr_dir_state(b->logs, d) == SK_LOGDIR_OFFLINE)
            res->ErrorCode = SK_KERR_KAFKA_STORAGE_ERROR; /* as Kafka reports an offline dir */
        dl_collect_t c = {req->arena, &in, NULL, 0, 0};
        sk_logmgr_foreach_in_dir(b->logs, d, dl_add, &c);
        dl_fill(req->arena, res, c.v, c.n);
        free(c.v);
    }
    return sk_req_respond(req, &resp);
}

/* ---- AlterReplicaLogDirs ---- */

static char *ar_cstr(sk_arena_t *a, sk_str_t s)
{
    size_t n = s.len > 0 ? (size_t)s.len : 0;
    char *c = sk_arena_alloc(a, n + 1);
    if (n)
        memcpy(c, s.p, n);
    c[n] = '\0';
    return c;
}

static int16_t ar_move(sk_broker_t *b, int allowed, int dir, const char *path, const char *topic,
                       int32_t partition)
{
    char err[512] = "";
    int16_t kerr = SK_KERR_NONE;
    if (!allowed) {
        kerr = SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
    } else if (dir < 0) {
        kerr = SK_KERR_LOG_DIR_NOT_FOUND;
        snprintf(err, sizeof(err), "Failed to find the log directory for %s", path);
    } else {
        int rc = sk_logmgr_move(b->logs, topic, partition, dir, err, sizeof(err));
        kerr = rc == SK_OK        ? SK_KERR_NONE
               : rc == SK_ENOENT  ? SK_KERR_REPLICA_NOT_AVAILABLE
               : rc == SK_ETOOBIG ? SK_KERR_INVALID_TOPIC_EXCEPTION
               : rc == SK_EINVAL  ? SK_KERR_LOG_DIR_NOT_FOUND
                                  : SK_KERR_KAFKA_STORAGE_ERROR;
    }
    if (kerr != SK_KERR_NONE)
        sk_warn(MOD, "Unable to alter log dirs for %s-%" PRId32 " (to %s): %s%s%s", topic,
                partition, path, sk_kerr_name(kerr), err[0] ? ": " : "", err);
    return kerr;
}

int sk_api_alterreplicalogdirs(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_alterreplicalogdirs_req_t in;
    if (sk_alterreplicalogdirs_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    int allowed = sk_authz_cluster(b, req, SK_ACL_OP_ALTER);
    sk_alterreplicalogdirs_resp_t resp;
    sk_alterreplicalogdirs_resp_init(&resp);
    size_t ntopics = 0;
    for (int32_t d = 0; d < in.DirsCnt; d++)
        ntopics += (size_t)(in.Dirs[d].TopicsCnt > 0 ? in.Dirs[d].TopicsCnt : 0);
    resp.Results = sk_arena_calloc(req->arena, ntopics + 1, sizeof(*resp.Results));
    for (int32_t d = 0; d < in.DirsCnt; d++) {
        const sk_alterreplicalogdirs_req_dir_t *rd = &in.Dirs[d];
        char *path = ar_cstr(req->arena, rd->Path);
        int dir = sk_logmgr_dir_find(b->logs, path);
        for (int32_t t = 0; t < rd->TopicsCnt; t++) {
            const sk_alterreplicalogdirs_req_topic_t *rt = &rd->Topics[t];
            char *topic = ar_cstr(req->arena, rt->Name);
            sk_alterreplicalogdirs_resp_result_t *res = &resp.Results[resp.ResultsCnt++];
            sk_alterreplicalogdirs_resp_result_init(res);
            res->TopicName = sk_str_c(topic);
            int32_t np = rt->PartitionsCnt > 0 ? rt->PartitionsCnt : 0;
            res->Partitions = sk_arena_calloc(req->arena, (size_t)np + 1,
                                              sizeof(*res->Partitions));
            res->PartitionsCnt = np;
            for (int32_t i = 0; i < np; i++) {
                sk_alterreplicalogdirs_resp_partition_t *p = &res->Partitions[i];
                sk_alterreplicalogdirs_resp_partition_init(p);
                p->PartitionIndex = rt->Partitions[i];
                p->ErrorCode = ar_move(b, allowed, dir, path, topic, rt->Partitions[i]);
            }
        }
    }
    return sk_req_respond(req, &resp);
}
