/* api_group.c - the group APIs: FindCoordinator (10), JoinGroup (11),
 * Heartbeat (12), LeaveGroup (13), SyncGroup (14), OffsetCommit (8),
 * OffsetFetch (9), DescribeGroups (15), ListGroups (16), DeleteGroups (42),
 * OffsetDelete (47). Decode, call the coordinator (coord.c), encode. */
#include "api/api.h"

#include "group/coord.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "proto_deletegroups.h"
#include "proto_describegroups.h"
#include "proto_findcoordinator.h"
#include "proto_listgroups.h"
#include "proto_offsetdelete.h"
#include "proto_heartbeat.h"
#include "proto_joingroup.h"
#include "proto_leavegroup.h"
#include "proto_offsetcommit.h"
#include "proto_offsetfetch.h"
#include "proto_syncgroup.h"

#include <stdlib.h>
#include <string.h>

/* NUL-terminated copy in the request arena; NULL for a null string. */
static char *acstr(sk_req_t *req, sk_str_t s)
{
    if (s.len < 0 || !s.p)
        return s.len < 0 ? NULL : sk_arena_strdup(req->arena, "");
    char *d = sk_arena_alloc(req->arena, (size_t)s.len + 1);
    memcpy(d, s.p, (size_t)s.len);
    d[s.len] = '\0';
    return d;
}

static sk_str_t astr(sk_req_t *req, const char *s)
{
    if (!s)
        return SK_STR_NULL;
    return sk_str_c(sk_arena_strdup(req->arena, s));
}

static sk_str_t abytes(sk_req_t *req, const uint8_t *p, int32_t len)
{
    if (!p || len <= 0)
        return (sk_str_t){"", 0};
    return (sk_str_t){sk_arena_memdup(req->arena, p, (size_t)len), len};
}

/* Kafka reports a member's host as "/<ip>". */
static const char *client_host(sk_req_t *req)
{
    const char *peer = sk_req_peer(req);
    const char *colon = strrchr(peer, ':');
    size_t n = colon ? (size_t)(colon - peer) : strlen(peer);
    char *h = sk_arena_alloc(req->arena, n + 2);
    h[0] = '/';
    memcpy(h + 1, peer, n);
    h[n + 1] = '\0';
    return h;
}

/* ---- FindCoordinator ---- */

/* One key's coordinator: its error, node, host and port (-1, "", -1 on an
 * error, as Kafka answers). */
static int16_t find_one(sk_broker_t *b, sk_req_t *req, sk_str_t key_s, int8_t key_type,
                        int32_t *node, sk_str_t *host_s, int32_t *port)
{
    char *key = acstr(req, key_s);
    const char *host = "";
    *node = -1;
    *port = -1;
    /* Describe on the group, or on the transactional id (key type 1) */
    if (!sk_authz(b, req, SK_ACL_OP_DESCRIBE,
                  key_type == 1 ? SK_ACL_RES_TRANSACTIONAL_ID : SK_ACL_RES_GROUP,
                  key ? key : "")) {
        *host_s = astr(req, "");
        return key_type == 1 ? SK_KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                             : SK_KERR_GROUP_AUTHORIZATION_FAILED;
    }
    int16_t err = sk_coord_find(b->coord, key ? key : "", key_type, sk_req_listener(req), node,
                                &host, port);
    *host_s = astr(req, host ? host : "");
    if (err != SK_KERR_NONE)
        sk_debug("group", "FindCoordinator for %s from %s: %s", key ? key : "",
                 sk_req_peer(req), sk_kerr_name(err));
    return err;
}

int sk_api_findcoordinator(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_findcoordinator_req_t in;
    if (sk_findcoordinator_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_findcoordinator_resp_t resp;
    sk_findcoordinator_resp_init(&resp);
    if (req->api_version < SK_FINDCOORDINATOR_BATCH_VER) {
        resp.ErrorCode = find_one(b, req, in.Key, in.KeyType, &resp.NodeId, &resp.Host,
                                  &resp.Port);
        resp.ErrorMessage = resp.ErrorCode ? sk_str_c(sk_kerr_name(resp.ErrorCode)) : SK_STR_NULL;
        return sk_req_respond(req, &resp);
    }
    /* v4+: every key answered on its own */
    int32_t n = in.CoordinatorKeysCnt > 0 ? in.CoordinatorKeysCnt : 0;
    resp.CoordinatorsCnt = n;
    resp.Coordinators = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*resp.Coordinators));
    for (int32_t i = 0; i < n; i++) {
        sk_findcoordinator_resp_coordinator_t *c = &resp.Coordinators[i];
        sk_findcoordinator_resp_coordinator_init(c);
        c->Key = in.CoordinatorKeys[i];
        c->ErrorCode = find_one(b, req, in.CoordinatorKeys[i], in.KeyType, &c->NodeId, &c->Host,
                                &c->Port);
        c->ErrorMessage = c->ErrorCode ? sk_str_c(sk_kerr_name(c->ErrorCode)) : SK_STR_NULL;
    }
    return sk_req_respond(req, &resp);
}

/* May the principal do op on the group (a decoded, maybe null, name)? */
static int group_allowed(sk_broker_t *b, sk_req_t *req, int op, sk_str_t id)
{
    return sk_authz_len(b, req, op, SK_ACL_RES_GROUP, id.len > 0 ? id.p : "",
                        id.len > 0 ? id.len : 0);
}

/* ---- JoinGroup ---- */

static void join_encode(sk_req_t *req, const sk_gresult_t *res)
{
    sk_joingroup_resp_t resp;
    sk_joingroup_resp_init(&resp);
    resp.ErrorCode = res->error;
    resp.GenerationId = res->generation;
    /* no protocol yet (errors): null from v7, "" below (Kafka's NoProtocol) */
    resp.ProtocolName = astr(req, res->protocol ? res->protocol
                                  : req->api_version >= 7 ? NULL : "");
    resp.ProtocolType = astr(req, res->protocol_type); /* v7+, ignorable */
    resp.Leader = astr(req, res->leader ? res->leader : "");
    resp.MemberId = astr(req, res->member_id ? res->member_id : "");
    if (res->list_members && res->group && res->error == SK_KERR_NONE) {
        const sk_group_t *g = res->group;
        resp.Members = sk_arena_calloc(req->arena, (size_t)g->n_members + 1,
                                       sizeof(*resp.Members));
        sk_gmember_t *m;
        TAILQ_FOREACH(m, &g->members, link) {
            sk_joingroup_resp_member_t *o = &resp.Members[resp.MembersCnt++];
            sk_joingroup_resp_member_init(o);
            int32_t len;
            const uint8_t *meta = sk_gmember_metadata(m, g->protocol, &len);
            o->MemberId = astr(req, m->id);
            o->GroupInstanceId = astr(req, m->instance_id);
            o->Metadata = abytes(req, meta, len);
        }
    }
    sk_req_respond(req, &resp); /* a failure closes the connection */
}

int sk_api_joingroup(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_joingroup_req_t in;
    if (sk_joingroup_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    if (!group_allowed(b, req, SK_ACL_OP_READ, in.GroupId)) {
        sk_gresult_t denied = {0};
        denied.error = SK_KERR_GROUP_AUTHORIZATION_FAILED;
        denied.generation = -1;
        join_encode(req, &denied);
        return SK_REQ_DONE;
    }
    sk_join_args_t a = {0};
    a.group = acstr(req, in.GroupId);
    a.member_id = acstr(req, in.MemberId);
    a.instance_id = acstr(req, in.GroupInstanceId); /* null below v5 */
    a.client_id = "";
    a.client_host = client_host(req);
    a.protocol_type = acstr(req, in.ProtocolType);
    a.session_timeout_ms = in.SessionTimeoutMs;
    a.rebalance_timeout_ms = req->api_version >= 1 && in.RebalanceTimeoutMs > 0
                                 ? in.RebalanceTimeoutMs : in.SessionTimeoutMs;
    a.require_known_id = req->api_version >= 4;
    int n = in.ProtocolsCnt > 0 ? in.ProtocolsCnt : 0;
    sk_gprotocol_t *protos = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*protos));
    for (int i = 0; i < n; i++) {
        protos[i].name = acstr(req, in.Protocols[i].Name);
        if (!protos[i].name)
            protos[i].name = "";
        protos[i].meta = (uint8_t *)(uintptr_t)in.Protocols[i].Metadata.p;
        protos[i].meta_len = in.Protocols[i].Metadata.len > 0 ? in.Protocols[i].Metadata.len : 0;
    }
    a.protocols = protos;
    a.n_protocols = n;
    /* The client id comes from the request header. */
    {
        sk_rd_t hr;
        sk_rd_init(&hr, req->frame, req->frame_len);
        (void)sk_rd_i16(&hr);
        (void)sk_rd_i16(&hr);
        (void)sk_rd_i32(&hr);
        sk_str_t cid = sk_rd_str(&hr, 0);
        char *c = hr.err ? NULL : acstr(req, cid);
        a.client_id = c ? c : "";
    }
    if (!a.group)
        a.group = "";
    if (!a.member_id)
        a.member_id = "";
    if (!a.protocol_type)
        a.protocol_type = "";
    return sk_coord_join(b->coord, req, &a, join_encode);
}

/* ---- SyncGroup ---- */

static void sync_encode(sk_req_t *req, const sk_gresult_t *res)
{
    sk_syncgroup_resp_t resp;
    sk_syncgroup_resp_init(&resp);
    resp.ErrorCode = res->error;
    resp.Assignment = abytes(req, res->assignment, res->assignment_len);
    if (res->error == SK_KERR_NONE) { /* v5+: the group's protocol (ignorable below) */
        resp.ProtocolType = astr(req, res->protocol_type);
        resp.ProtocolName = astr(req, res->protocol);
    }
    sk_req_respond(req, &resp); /* a failure closes the connection */
}

/* SyncGroup v5+: a protocol type or name that is not the group's is
 * INCONSISTENT_GROUP_PROTOCOL (Kafka checks it after the member and
 * generation; here before the coordinator, for a group that exists). */
static int sync_inconsistent(sk_broker_t *b, const char *group, const sk_syncgroup_req_t *in)
{
    const sk_group_t *g = sk_coord_group(b->coord, group);
    if (!g)
        return 0;
    if (in->ProtocolType.len >= 0 &&
        !(g->protocol_type && sk_str_eq(in->ProtocolType, g->protocol_type)))
        return 1;
    return in->ProtocolName.len >= 0 && !(g->protocol && sk_str_eq(in->ProtocolName, g->protocol));
}

int sk_api_syncgroup(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_syncgroup_req_t in;
    if (sk_syncgroup_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    if (!group_allowed(b, req, SK_ACL_OP_READ, in.GroupId)) {
        sk_syncgroup_resp_t resp;
        sk_syncgroup_resp_init(&resp);
        resp.ErrorCode = SK_KERR_GROUP_AUTHORIZATION_FAILED;
        return sk_req_respond(req, &resp);
    }
    int n = in.AssignmentsCnt > 0 ? in.AssignmentsCnt : 0;
    sk_sync_assignment_t *as = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*as));
    for (int i = 0; i < n; i++) {
        as[i].member_id = acstr(req, in.Assignments[i].MemberId);
        as[i].data = (const uint8_t *)in.Assignments[i].Assignment.p;
        as[i].len = in.Assignments[i].Assignment.len > 0 ? in.Assignments[i].Assignment.len : 0;
        if (!as[i].member_id)
            as[i].member_id = "";
    }
    char *group = acstr(req, in.GroupId);
    char *member = acstr(req, in.MemberId);
    if (sk_coord_owns(b->coord, group ? group : "") == SK_KERR_NONE &&
        sync_inconsistent(b, group ? group : "", &in)) {
        sk_syncgroup_resp_t resp;
        sk_syncgroup_resp_init(&resp);
        resp.ErrorCode = SK_KERR_INCONSISTENT_GROUP_PROTOCOL;
        return sk_req_respond(req, &resp);
    }
    return sk_coord_sync(b->coord, req, group ? group : "", in.GenerationId,
                         member ? member : "",
                         req->api_version >= 3 ? acstr(req, in.GroupInstanceId) : NULL, as, n,
                         sync_encode);
}

/* ---- Heartbeat ---- */

int sk_api_heartbeat(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_heartbeat_req_t in;
    if (sk_heartbeat_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    char *group = acstr(req, in.GroupId);
    char *member = acstr(req, in.MemberId);
    sk_heartbeat_resp_t resp;
    sk_heartbeat_resp_init(&resp);
    if (!group_allowed(b, req, SK_ACL_OP_READ, in.GroupId)) {
        resp.ErrorCode = SK_KERR_GROUP_AUTHORIZATION_FAILED;
        return sk_req_respond(req, &resp);
    }
    resp.ErrorCode = sk_coord_heartbeat(b->coord, group ? group : "", in.GenerationId,
                                        member ? member : "", acstr(req, in.GroupInstanceId));
    return sk_req_respond(req, &resp);
}

/* ---- LeaveGroup ---- */

int sk_api_leavegroup(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_leavegroup_req_t in;
    if (sk_leavegroup_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    char *group = acstr(req, in.GroupId);
    if (!group)
        group = "";
    sk_leavegroup_resp_t resp;
    sk_leavegroup_resp_init(&resp);
    if (!group_allowed(b, req, SK_ACL_OP_READ, in.GroupId)) {
        resp.ErrorCode = SK_KERR_GROUP_AUTHORIZATION_FAILED;
        return sk_req_respond(req, &resp);
    }
    if (req->api_version < SK_LEAVEGROUP_BATCH_VER) {
        char *member = acstr(req, in.MemberId);
        resp.ErrorCode = sk_coord_leave(b->coord, group, member ? member : "", NULL);
    } else {
        resp.ErrorCode = sk_coord_owns(b->coord, group);
        if (resp.ErrorCode == SK_KERR_NONE && !sk_coord_group(b->coord, group))
            resp.ErrorCode = SK_KERR_UNKNOWN_MEMBER_ID;
        if (resp.ErrorCode == SK_KERR_NONE) {
            int n = in.MembersCnt > 0 ? in.MembersCnt : 0;
            resp.Members = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*resp.Members));
            resp.MembersCnt = n;
            for (int i = 0; i < n; i++) {
                char *mid = acstr(req, in.Members[i].MemberId);
                char *iid = acstr(req, in.Members[i].GroupInstanceId);
                sk_leavegroup_resp_member_init(&resp.Members[i]);
                resp.Members[i].MemberId = in.Members[i].MemberId;
                resp.Members[i].GroupInstanceId = in.Members[i].GroupInstanceId;
                resp.Members[i].ErrorCode = sk_coord_leave(b->coord, group, mid ? mid : "", iid);
            }
        }
    }
    return sk_req_respond(req, &resp);
}

/* ---- offsets in ZooKeeper (OffsetCommit and OffsetFetch v0) ---- */

/* Kafka 3.7 in ZooKeeper mode keeps v0 offsets where 0.8 kept them: the
 * decimal offset in /consumers/<group>/offsets/<topic>/<partition>, with
 * no metadata, leader epoch or group membership. Any broker answers. */
typedef struct zkoff_state {
    sk_req_t *req;
    sk_zk_t *zk;
    const void *resp;    /* the response struct, answered when outstanding is 0 */
    int outstanding;
} zkoff_state_t;

typedef struct zkoff_item {
    zkoff_state_t *st;
    const char *path;
    char data[24];
    int16_t *error;
    int64_t *offset;     /* fetch: where the offset goes */
} zkoff_item_t;

static char *zkoff_path(sk_req_t *req, const char *group, sk_str_t topic, int32_t partition)
{
    size_t n = strlen(group) + (size_t)(topic.len > 0 ? topic.len : 0) + 48;
    char *p = sk_arena_alloc(req->arena, n);
    snprintf(p, n, "/consumers/%s/offsets/%.*s/%d", group, topic.len > 0 ? (int)topic.len : 0,
             topic.p ? topic.p : "", (int)partition);
    return p;
}

static void zkoff_done(zkoff_state_t *st)
{
    if (--st->outstanding > 0)
        return;
    sk_req_respond(st->req, st->resp); /* a failure closes the connection */
    sk_req_complete(st->req);
}

static int16_t zkoff_error(int rc)
{
    return rc == ZOK ? SK_KERR_NONE : SK_KERR_UNKNOWN_SERVER_ERROR;
}

static void zkoff_created_cb(int rc, void *arg)
{
    zkoff_item_t *it = arg;
    *it->error = zkoff_error(rc);
    if (rc != ZOK)
        sk_warn("group", "OffsetCommit v0: cannot create %s: %s", it->path, zerror(rc));
    zkoff_done(it->st);
}

static void zkoff_set_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)data;
    (void)len;
    (void)stat;
    zkoff_item_t *it = arg;
    if (rc == ZNONODE) { /* the first commit: create it and its parents */
        sk_zk_create_recursive(it->st->zk, it->path, it->data,
                               (int)strlen(it->data), zkoff_created_cb, it);
        return;
    }
    *it->error = zkoff_error(rc);
    if (rc != ZOK)
        sk_warn("group", "OffsetCommit v0: cannot write %s: %s", it->path, zerror(rc));
    zkoff_done(it->st);
}

static int offsetcommit_v0(sk_broker_t *b, sk_req_t *req, const sk_offsetcommit_req_t *in,
                           sk_offsetcommit_resp_t *resp, const uint8_t *topic_ok)
{
    char *group = acstr(req, in->GroupId);
    zkoff_state_t *st = sk_arena_calloc(req->arena, 1, sizeof(*st));
    st->req = req;
    st->resp = resp;
    st->zk = b->zk;
    st->outstanding = 1;
    for (int32_t i = 0; i < resp->TopicsCnt; i++) {
        const sk_offsetcommit_req_topic_t *t = &in->Topics[i];
        sk_offsetcommit_resp_topic_t *rt = &resp->Topics[i];
        for (int32_t j = 0; j < rt->PartitionsCnt && topic_ok[i]; j++) {
            const sk_offsetcommit_req_partition_t *p = &t->Partitions[j];
            int16_t *err = &rt->Partitions[j].ErrorCode;
            if (!group || !group[0])
                *err = SK_KERR_INVALID_GROUP_ID;
            else if (!sk_topics_partition(b->topics, t->Name.p, t->Name.len, p->PartitionIndex))
                *err = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
            else if (p->CommittedMetadata.len > b->conf->offset_metadata_max_bytes)
                *err = SK_KERR_OFFSET_METADATA_TOO_LARGE;
            else {
                zkoff_item_t *it = sk_arena_calloc(req->arena, 1, sizeof(*it));
                it->st = st;
                it->path = zkoff_path(req, group, t->Name, p->PartitionIndex);
                snprintf(it->data, sizeof(it->data), "%lld", (long long)p->CommittedOffset);
                it->error = err;
                st->outstanding++;
                sk_zk_set(b->zk, it->path, it->data, (int)strlen(it->data), -1, zkoff_set_cb, it);
            }
        }
    }
    if (--st->outstanding == 0)
        return sk_req_respond(req, resp);
    return SK_REQ_PENDING;
}

/* ---- OffsetCommit ---- */

static void commit_done(sk_req_t *req, void *ctx)
{
    sk_req_respond(req, ctx); /* a failure closes the connection */
}

int sk_api_offsetcommit(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_offsetcommit_req_t in;
    if (sk_offsetcommit_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_offsetcommit_resp_t *resp = sk_arena_calloc(req->arena, 1, sizeof(*resp));
    sk_offsetcommit_resp_init(resp);
    int nt = in.TopicsCnt > 0 ? in.TopicsCnt : 0;
    int total = 0;
    for (int i = 0; i < nt; i++)
        total += in.Topics[i].PartitionsCnt > 0 ? in.Topics[i].PartitionsCnt : 0;
    resp->TopicsCnt = nt;
    resp->Topics = sk_arena_calloc(req->arena, (size_t)nt + 1, sizeof(*resp->Topics));
    for (int i = 0; i < nt; i++) {
        sk_offsetcommit_resp_topic_t *rt = &resp->Topics[i];
        rt->Name = in.Topics[i].Name;
        rt->PartitionsCnt = in.Topics[i].PartitionsCnt > 0 ? in.Topics[i].PartitionsCnt : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)rt->PartitionsCnt + 1,
                                         sizeof(*rt->Partitions));
        for (int j = 0; j < rt->PartitionsCnt; j++)
            rt->Partitions[j].PartitionIndex = in.Topics[i].Partitions[j].PartitionIndex;
    }
    /* Read on the group, then Read on each topic (Kafka's rules): the
     * partitions of a topic the principal may not read are not committed */
    int group_ok = group_allowed(b, req, SK_ACL_OP_READ, in.GroupId);
    uint8_t *topic_ok = sk_arena_calloc(req->arena, (size_t)nt + 1, 1);
    for (int i = 0; i < nt; i++) {
        topic_ok[i] = (uint8_t)(group_ok && sk_authz_len(b, req, SK_ACL_OP_READ, SK_ACL_RES_TOPIC,
                                                        in.Topics[i].Name.p,
                                                        in.Topics[i].Name.len));
        for (int j = 0; !topic_ok[i] && j < resp->Topics[i].PartitionsCnt; j++)
            resp->Topics[i].Partitions[j].ErrorCode =
                group_ok ? SK_KERR_TOPIC_AUTHORIZATION_FAILED : SK_KERR_GROUP_AUTHORIZATION_FAILED;
    }
    if (!group_ok)
        return sk_req_respond(req, resp);
    if (req->api_version == 0)
        return offsetcommit_v0(b, req, &in, resp, topic_ok);
    sk_commit_part_t *parts = sk_arena_calloc(req->arena, (size_t)total + 1, sizeof(*parts));
    int k = 0;
    for (int i = 0; i < nt; i++) {
        const sk_offsetcommit_req_topic_t *t = &in.Topics[i];
        sk_offsetcommit_resp_topic_t *rt = &resp->Topics[i];
        char *topic = acstr(req, t->Name);
        for (int j = 0; j < rt->PartitionsCnt && topic_ok[i]; j++) {
            const sk_offsetcommit_req_partition_t *p = &t->Partitions[j];
            sk_commit_part_t *cp = &parts[k++];
            cp->topic = topic;
            cp->partition = p->PartitionIndex;
            cp->offset = p->CommittedOffset;
            cp->committed_epoch = p->CommittedLeaderEpoch; /* -1 below v6 */
            cp->metadata = acstr(req, p->CommittedMetadata);
            cp->commit_ts = p->CommitTimestamp;         /* -1 except at v1 */
            cp->retention_ms = in.RetentionTimeMs;      /* -1 except at v2-4 */
            cp->error = &rt->Partitions[j].ErrorCode;
        }
    }
    char *group = acstr(req, in.GroupId);
    char *member = acstr(req, in.MemberId);
    return sk_coord_commit(b->coord, req, group ? group : "", in.GenerationIdOrMemberEpoch,
                           member ? member : "", acstr(req, in.GroupInstanceId), parts, k,
                           commit_done, resp);
}

/* ---- OffsetFetch ---- */

static void zkoff_get_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)stat;
    zkoff_item_t *it = arg;
    char *end = NULL;
    long long off = rc == ZOK && data && len > 0 ? strtoll(data, &end, 10) : -1;
    if (rc == ZNONODE) {
        *it->error = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION; /* Kafka: no offset stored */
    } else if (rc != ZOK || !end || *end != '\0') {
        sk_warn("group", "OffsetFetch v0: cannot read %s: %s", it->path,
                rc == ZOK ? "not a number" : zerror(rc));
        *it->error = SK_KERR_UNKNOWN_SERVER_ERROR;
    } else {
        *it->offset = off;
    }
    zkoff_done(it->st);
}

/* v0: the offsets OffsetCommit v0 left in ZooKeeper, without metadata. */
static int offsetfetch_v0(sk_broker_t *b, sk_req_t *req, const sk_offsetfetch_req_t *in,
                          sk_offsetfetch_resp_t *resp)
{
    char *group = acstr(req, in->GroupId);
    zkoff_state_t *st = sk_arena_calloc(req->arena, 1, sizeof(*st));
    st->req = req;
    st->zk = b->zk;
    st->resp = resp;
    st->outstanding = 1;
    int32_t nt = in->TopicsCnt > 0 ? in->TopicsCnt : 0;
    resp->TopicsCnt = nt;
    resp->Topics = sk_arena_calloc(req->arena, (size_t)nt + 1, sizeof(*resp->Topics));
    for (int32_t i = 0; i < nt; i++) {
        const sk_offsetfetch_req_topic_t *t = &in->Topics[i];
        sk_offsetfetch_resp_topic_t *rt = &resp->Topics[i];
        rt->Name = t->Name;
        rt->PartitionsCnt = t->PartitionIndexesCnt > 0 ? t->PartitionIndexesCnt : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)rt->PartitionsCnt + 1,
                                         sizeof(*rt->Partitions));
        for (int32_t j = 0; j < rt->PartitionsCnt; j++) {
            sk_offsetfetch_resp_partition_t *o = &rt->Partitions[j];
            sk_offsetfetch_resp_partition_init(o);
            o->PartitionIndex = t->PartitionIndexes[j];
            o->CommittedOffset = -1;
            o->Metadata = sk_str_c("");
            if (!group_allowed(b, req, SK_ACL_OP_DESCRIBE, in->GroupId)) {
                o->ErrorCode = SK_KERR_GROUP_AUTHORIZATION_FAILED;
            } else if (!sk_authz_len(b, req, SK_ACL_OP_DESCRIBE, SK_ACL_RES_TOPIC, t->Name.p,
                                     t->Name.len)) {
                o->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
            } else if (!group || !group[0]) {
                o->ErrorCode = SK_KERR_INVALID_GROUP_ID;
            } else if (!sk_topics_partition(b->topics, t->Name.p, t->Name.len,
                                            o->PartitionIndex)) {
                o->ErrorCode = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
            } else {
                zkoff_item_t *it = sk_arena_calloc(req->arena, 1, sizeof(*it));
                it->st = st;
                it->path = zkoff_path(req, group, t->Name, o->PartitionIndex);
                it->error = &o->ErrorCode;
                it->offset = &o->CommittedOffset;
                st->outstanding++;
                sk_zk_get(b->zk, it->path, NULL, NULL, zkoff_get_cb, it);
            }
        }
    }
    if (--st->outstanding == 0)
        return sk_req_respond(req, resp);
    return SK_REQ_PENDING;
}

static void fetch_fill(sk_req_t *req, sk_offsetfetch_resp_group_topic_partition_t *o,
                       sk_group_t *g, const char *topic, int32_t partition)
{
    sk_offsetfetch_resp_group_topic_partition_init(o);
    o->PartitionIndex = partition;
    o->CommittedOffset = -1;
    o->Metadata = sk_str_c("");
    sk_goffset_t *off = g && topic ? sk_group_offset(g, topic, partition) : NULL;
    if (off) {
        o->CommittedOffset = off->offset;
        o->CommittedLeaderEpoch = off->committed_epoch;
        o->Metadata = astr(req, off->metadata ? off->metadata : "");
    }
}

static int cmp_offsets(const void *a, const void *b)
{
    const sk_goffset_t *x = *(const sk_goffset_t *const *)a, *y = *(const sk_goffset_t *const *)b;
    int c = strcmp(x->topic, y->topic);
    if (c)
        return c;
    return x->partition < y->partition ? -1 : x->partition > y->partition;
}

/* One group's committed offsets from the coordinator, in the v8+ shape
 * (older versions are answered from it). nt -1 = every offset of the group.
 * A group-level error leaves the topics empty. RequireStable (v7+) needs no
 * wait: without transactions no offset commit is ever pending. */
static void fetch_group(sk_broker_t *b, sk_req_t *req, sk_str_t id,
                        const sk_offsetfetch_req_group_topic_t *topics, int32_t nt,
                        sk_offsetfetch_resp_group_t *out)
{
    char *group = acstr(req, id);
    sk_offsetfetch_resp_group_init(out);
    out->GroupId = id;
    out->ErrorCode = group_allowed(b, req, SK_ACL_OP_DESCRIBE, id)
                         ? sk_coord_owns(b->coord, group ? group : "")
                         : SK_KERR_GROUP_AUTHORIZATION_FAILED;
    out->Topics = sk_arena_calloc(req->arena, 1, sizeof(*out->Topics));
    if (out->ErrorCode != SK_KERR_NONE)
        return;
    sk_group_t *g = sk_coord_group(b->coord, group ? group : "");
    if (nt < 0) {
        int n = g ? g->n_offsets : 0;
        sk_goffset_t **v = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*v));
        for (int i = 0; i < n; i++)
            v[i] = &g->offsets[i];
        qsort(v, (size_t)n, sizeof(*v), cmp_offsets);
        out->Topics = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*out->Topics));
        for (int i = 0; i < n; i++) {
            /* only the topics the principal may describe */
            if (!sk_authz(b, req, SK_ACL_OP_DESCRIBE, SK_ACL_RES_TOPIC, v[i]->topic))
                continue;
            sk_offsetfetch_resp_group_topic_t *rt =
                out->TopicsCnt > 0 ? &out->Topics[out->TopicsCnt - 1] : NULL;
            if (!rt || !sk_str_eq(rt->Name, v[i]->topic)) {
                rt = &out->Topics[out->TopicsCnt++];
                rt->Name = astr(req, v[i]->topic);
                rt->Partitions = sk_arena_calloc(req->arena, (size_t)n + 1,
                                                 sizeof(*rt->Partitions));
            }
            fetch_fill(req, &rt->Partitions[rt->PartitionsCnt++], g, v[i]->topic,
                       v[i]->partition);
        }
        return;
    }
    out->TopicsCnt = nt;
    out->Topics = sk_arena_calloc(req->arena, (size_t)nt + 1, sizeof(*out->Topics));
    for (int32_t i = 0; i < nt; i++) {
        sk_offsetfetch_resp_group_topic_t *rt = &out->Topics[i];
        char *topic = acstr(req, topics[i].Name);
        rt->Name = topics[i].Name;
        rt->PartitionsCnt = topics[i].PartitionIndexesCnt > 0 ? topics[i].PartitionIndexesCnt : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)rt->PartitionsCnt + 1,
                                         sizeof(*rt->Partitions));
        int described = sk_authz(b, req, SK_ACL_OP_DESCRIBE, SK_ACL_RES_TOPIC, topic ? topic : "");
        for (int32_t j = 0; j < rt->PartitionsCnt; j++) {
            fetch_fill(req, &rt->Partitions[j], described ? g : NULL, topic,
                       topics[i].PartitionIndexes[j]);
            if (!described)
                rt->Partitions[j].ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
        }
    }
}

int sk_api_offsetfetch(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_offsetfetch_req_t in;
    if (sk_offsetfetch_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_offsetfetch_resp_t *resp = sk_arena_calloc(req->arena, 1, sizeof(*resp));
    sk_offsetfetch_resp_init(resp);
    if (req->api_version == 0)
        return offsetfetch_v0(b, req, &in, resp);
    if (req->api_version >= SK_OFFSETFETCH_GROUPS_VER) { /* every group on its own */
        int32_t n = in.GroupsCnt > 0 ? in.GroupsCnt : 0;
        resp->GroupsCnt = n;
        resp->Groups = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*resp->Groups));
        for (int32_t i = 0; i < n; i++)
            fetch_group(b, req, in.Groups[i].GroupId, in.Groups[i].Topics,
                        in.Groups[i].TopicsCnt, &resp->Groups[i]);
        return sk_req_respond(req, resp);
    }
    /* v1-7: one group, the v8 answer in the old shape */
    int32_t nt = in.TopicsCnt;
    sk_offsetfetch_req_group_topic_t *topics =
        sk_arena_calloc(req->arena, (size_t)(nt > 0 ? nt : 0) + 1, sizeof(*topics));
    for (int32_t i = 0; i < nt; i++) {
        topics[i].Name = in.Topics[i].Name;
        topics[i].PartitionIndexes = in.Topics[i].PartitionIndexes;
        topics[i].PartitionIndexesCnt = in.Topics[i].PartitionIndexesCnt;
    }
    sk_offsetfetch_resp_group_t grp;
    fetch_group(b, req, in.GroupId, topics, nt, &grp);
    /* v2+ carry a group-level error (and then no topics, as Kafka's error
     * response); v1 has none: every partition asked for carries it */
    resp->ErrorCode = grp.ErrorCode;
    int v1_error = req->api_version < 2 && grp.ErrorCode != SK_KERR_NONE;
    int32_t n = v1_error ? nt : grp.TopicsCnt;
    resp->TopicsCnt = n;
    resp->Topics = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*resp->Topics));
    for (int32_t i = 0; i < n; i++) {
        sk_offsetfetch_resp_topic_t *rt = &resp->Topics[i];
        int32_t np = v1_error ? topics[i].PartitionIndexesCnt : grp.Topics[i].PartitionsCnt;
        rt->Name = v1_error ? topics[i].Name : grp.Topics[i].Name;
        rt->PartitionsCnt = np > 0 ? np : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)rt->PartitionsCnt + 1,
                                         sizeof(*rt->Partitions));
        for (int32_t j = 0; j < rt->PartitionsCnt; j++) {
            sk_offsetfetch_resp_partition_t *o = &rt->Partitions[j];
            sk_offsetfetch_resp_partition_init(o);
            if (v1_error) {
                o->PartitionIndex = topics[i].PartitionIndexes[j];
                o->CommittedOffset = -1;
                o->Metadata = sk_str_c("");
                o->ErrorCode = grp.ErrorCode;
                continue;
            }
            const sk_offsetfetch_resp_group_topic_partition_t *p = &grp.Topics[i].Partitions[j];
            o->PartitionIndex = p->PartitionIndex;
            o->CommittedOffset = p->CommittedOffset;
            o->CommittedLeaderEpoch = p->CommittedLeaderEpoch;
            o->Metadata = p->Metadata;
            o->ErrorCode = p->ErrorCode;
        }
    }
    if (req->api_version < 2)
        resp->ErrorCode = SK_KERR_NONE; /* not on the wire (ignorable) */
    return sk_req_respond(req, resp);
}

/* ---- ListGroups ---- */

typedef struct list_ctx {
    sk_broker_t *b;
    int all;              /* Describe on the cluster: every group */
    sk_req_t *req;
    sk_listgroups_resp_t *resp;
    const sk_listgroups_req_t *in;
    int cap;
} list_ctx_t;

static void list_one(sk_group_t *g, void *arg)
{
    list_ctx_t *lc = arg;
    const char *state = sk_gstate_name(g->state);
    if (!lc->all && !sk_authz(lc->b, lc->req, SK_ACL_OP_DESCRIBE, SK_ACL_RES_GROUP, g->id))
        return;
    if (lc->req->api_version >= 4 && lc->in->StatesFilterCnt > 0) {
        int match = 0;
        for (int i = 0; i < lc->in->StatesFilterCnt; i++)
            if (sk_gstate_parse(lc->in->StatesFilter[i].p, lc->in->StatesFilter[i].len) ==
                (int)g->state)
                match = 1;
        if (!match)
            return;
    }
    if (lc->resp->GroupsCnt == lc->cap) {
        int ncap = lc->cap ? lc->cap * 2 : 16;
        sk_listgroups_resp_group_t *n = sk_arena_calloc(lc->req->arena, (size_t)ncap, sizeof(*n));
        if (lc->resp->GroupsCnt)
            memcpy(n, lc->resp->Groups, (size_t)lc->resp->GroupsCnt * sizeof(*n));
        lc->resp->Groups = n;
        lc->cap = ncap;
    }
    sk_listgroups_resp_group_t *o = &lc->resp->Groups[lc->resp->GroupsCnt++];
    o->GroupId = astr(lc->req, g->id);
    o->ProtocolType = astr(lc->req, g->protocol_type ? g->protocol_type : "");
    o->GroupState = astr(lc->req, state);
}

int sk_api_listgroups(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_listgroups_req_t in;
    if (sk_listgroups_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_listgroups_resp_t resp;
    sk_listgroups_resp_init(&resp);
    list_ctx_t lc = {b, sk_authz_cluster(b, req, SK_ACL_OP_DESCRIBE), req, &resp, &in, 0};
    resp.Groups = sk_arena_calloc(req->arena, 1, sizeof(*resp.Groups));
    resp.ErrorCode = sk_coord_foreach_group(b->coord, list_one, &lc);
    return sk_req_respond(req, &resp);
}

/* ---- DescribeGroups ---- */

/* READ 3, DELETE 6, DESCRIBE 8: the AclOperation bits of a group. */
#define GROUP_ALL_OPERATIONS ((1 << 3) | (1 << 6) | (1 << 8))

int sk_api_describegroups(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_describegroups_req_t in;
    if (sk_describegroups_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_describegroups_resp_t resp;
    sk_describegroups_resp_init(&resp);
    int n = in.GroupsCnt > 0 ? in.GroupsCnt : 0;
    resp.GroupsCnt = n;
    resp.Groups = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*resp.Groups));
    for (int i = 0; i < n; i++) {
        sk_describegroups_resp_group_t *o = &resp.Groups[i];
        sk_describegroups_resp_group_init(o);
        char *id = acstr(req, in.Groups[i]);
        o->GroupId = in.Groups[i].len >= 0 ? in.Groups[i] : sk_str_c("");
        o->GroupState = sk_str_c("");
        o->ProtocolType = sk_str_c("");
        o->ProtocolData = sk_str_c("");
        o->ErrorCode = group_allowed(b, req, SK_ACL_OP_DESCRIBE, in.Groups[i])
                           ? sk_coord_owns(b->coord, id ? id : "")
                           : SK_KERR_GROUP_AUTHORIZATION_FAILED;
        if (o->ErrorCode != SK_KERR_NONE)
            continue;
        /* the group operations the principal may do (all of them without
         * an authorizer), only when asked (v3+) and only for groups
         * without an error, as Kafka answers */
        if (in.IncludeAuthorizedOperations)
            for (int op = 0; op < 31; op++)
                if ((GROUP_ALL_OPERATIONS & (1 << op)) &&
                    group_allowed(b, req, op, in.Groups[i]))
                    o->AuthorizedOperations |= 1 << op;
        sk_group_t *g = sk_coord_group(b->coord, id);
        if (!g) {
            o->GroupState = sk_str_c("Dead");
            continue;
        }
        int stable = g->state == SK_GSTATE_STABLE;
        o->GroupState = sk_str_c(sk_gstate_name(g->state));
        o->ProtocolType = astr(req, g->protocol_type ? g->protocol_type : "");
        o->ProtocolData = astr(req, stable && g->protocol ? g->protocol : "");
        o->Members = sk_arena_calloc(req->arena, (size_t)g->n_members + 1, sizeof(*o->Members));
        sk_gmember_t *m;
        TAILQ_FOREACH(m, &g->members, link) {
            sk_describegroups_resp_member_t *om = &o->Members[o->MembersCnt++];
            sk_describegroups_resp_member_init(om);
            om->MemberId = astr(req, m->id);
            om->GroupInstanceId = astr(req, m->instance_id);
            om->ClientId = astr(req, m->client_id ? m->client_id : "");
            om->ClientHost = astr(req, m->client_host ? m->client_host : "");
            int32_t len = 0;
            const uint8_t *meta = stable ? sk_gmember_metadata(m, g->protocol, &len) : NULL;
            om->MemberMetadata = abytes(req, meta, len);
            om->MemberAssignment = stable ? abytes(req, m->assignment, m->assignment_len)
                                          : abytes(req, NULL, 0);
        }
    }
    return sk_req_respond(req, &resp);
}

/* ---- DeleteGroups ---- */

int sk_api_deletegroups(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_deletegroups_req_t in;
    if (sk_deletegroups_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_deletegroups_resp_t resp;
    sk_deletegroups_resp_init(&resp);
    int n = in.GroupsNamesCnt > 0 ? in.GroupsNamesCnt : 0;
    resp.ResultsCnt = n;
    resp.Results = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*resp.Results));
    for (int i = 0; i < n; i++) {
        char *id = acstr(req, in.GroupsNames[i]);
        resp.Results[i].GroupId = in.GroupsNames[i];
        resp.Results[i].ErrorCode = group_allowed(b, req, SK_ACL_OP_DELETE, in.GroupsNames[i])
                                        ? sk_coord_delete_group(b->coord, id ? id : "")
                                        : SK_KERR_GROUP_AUTHORIZATION_FAILED;
    }
    return sk_req_respond(req, &resp);
}

/* ---- OffsetDelete ---- */

int sk_api_offsetdelete(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_offsetdelete_req_t in;
    if (sk_offsetdelete_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_offsetdelete_resp_t resp;
    sk_offsetdelete_resp_init(&resp);
    char *id = acstr(req, in.GroupId);
    if (!id)
        id = "";
    resp.ErrorCode = group_allowed(b, req, SK_ACL_OP_DELETE, in.GroupId)
                         ? sk_coord_owns(b->coord, id)
                         : SK_KERR_GROUP_AUTHORIZATION_FAILED;
    sk_group_t *g = NULL;
    if (resp.ErrorCode == SK_KERR_NONE) {
        g = sk_coord_group(b->coord, id);
        if (!g || g->state == SK_GSTATE_DEAD)
            resp.ErrorCode = SK_KERR_GROUP_ID_NOT_FOUND;
    }
    if (resp.ErrorCode == SK_KERR_NONE) {
        int nt = in.TopicsCnt > 0 ? in.TopicsCnt : 0;
        resp.TopicsCnt = nt;
        resp.Topics = sk_arena_calloc(req->arena, (size_t)nt + 1, sizeof(*resp.Topics));
        for (int i = 0; i < nt; i++) {
            const sk_offsetdelete_req_topic_t *t = &in.Topics[i];
            sk_offsetdelete_resp_topic_t *rt = &resp.Topics[i];
            char *topic = acstr(req, t->Name);
            rt->Name = t->Name.len >= 0 ? t->Name : sk_str_c("");
            rt->PartitionsCnt = t->PartitionsCnt > 0 ? t->PartitionsCnt : 0;
            rt->Partitions = sk_arena_calloc(req->arena, (size_t)rt->PartitionsCnt + 1,
                                             sizeof(*rt->Partitions));
            for (int j = 0; j < rt->PartitionsCnt; j++) {
                rt->Partitions[j].PartitionIndex = t->Partitions[j].PartitionIndex;
                rt->Partitions[j].ErrorCode =
                    !sk_authz(b, req, SK_ACL_OP_READ, SK_ACL_RES_TOPIC, topic ? topic : "")
                        ? SK_KERR_TOPIC_AUTHORIZATION_FAILED
                        : sk_coord_delete_offset(b->coord, g, topic ? topic : "",
                                                 t->Partitions[j].PartitionIndex);
            }
        }
    }
    return sk_req_respond(req, &resp);
}
