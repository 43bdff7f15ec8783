/* acls.c - DescribeAcls (key 29), CreateAcls (30), DeleteAcls (31), every
 * version Kafka 3.7 accepts (0-3).
 *
 * As Kafka: without an authorizer every one answers SECURITY_DISABLED;
 * describing needs Describe on the cluster, creating and deleting Alter on
 * the cluster (CLUSTER_AUTHORIZATION_FAILED). DescribeAcls answers from
 * the broker's table; CreateAcls and DeleteAcls change the resources'
 * znodes one at a time (meta/acl_zk.h: conditional writes, then a change
 * notification) and answer when all are written.
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "meta/acl_zk.h"
#include "proto_gen.h"

static sk_str_t astr(sk_req_t *req, const char *s)
{
    return sk_str_c(sk_arena_strdup(req->arena, s ? s : ""));
}

/* A decoded string as a C string in the request's arena; NULL for null. */
static char *cstr(sk_req_t *req, sk_str_t s)
{
    if (s.len < 0)
        return NULL;
    char *c = sk_arena_memdup(req->arena, s.p ? s.p : "", (size_t)s.len + 1);
    c[s.len] = '\0';
    return c;
}

/* A filter from the request's fields; pattern is LITERAL below v1. */
static sk_acl_filter_t make_filter(sk_req_t *req, int8_t type, sk_str_t name, int8_t pattern,
                                   sk_str_t principal, sk_str_t host, int8_t op, int8_t perm)
{
    sk_acl_filter_t f;
    f.type = type;
    f.pattern = req->api_version >= 1 ? pattern : SK_ACL_PAT_LITERAL;
    f.name = cstr(req, name);
    f.principal = cstr(req, principal);
    f.host = cstr(req, host);
    f.op = op;
    f.perm = perm;
    return f;
}

/* ---- DescribeAcls ---- */

typedef struct {
    sk_req_t *req;
    const sk_acl_filter_t *f;
    sk_describeacls_resp_t *resp;
    int cap;
} describe_ctx_t;

static void describe_one(const sk_acl_res_t *res, const sk_acl_entry_t *e, int n, void *arg)
{
    describe_ctx_t *dc = arg;
    sk_req_t *req = dc->req;
    if (!sk_acl_filter_res(dc->f, res))
        return;
    sk_describeacls_resp_acl_t *acls = NULL;
    int32_t cnt = 0;
    for (int i = 0; i < n; i++) {
        if (!sk_acl_filter_entry(dc->f, &e[i]))
            continue;
        if (!acls)
            acls = sk_arena_calloc(req->arena, (size_t)n, sizeof(*acls));
        acls[cnt].Principal = astr(req, e[i].principal);
        acls[cnt].Host = astr(req, e[i].host);
        acls[cnt].Operation = e[i].op;
        acls[cnt].PermissionType = e[i].perm;
        cnt++;
    }
    if (!cnt)
        return;
    if (dc->resp->ResourcesCnt == dc->cap) {
        int ncap = dc->cap ? dc->cap * 2 : 16;
        sk_describeacls_resp_resource_t *nr = sk_arena_calloc(req->arena, (size_t)ncap,
                                                              sizeof(*nr));
        if (dc->resp->ResourcesCnt)
            memcpy(nr, dc->resp->Resources, (size_t)dc->resp->ResourcesCnt * sizeof(*nr));
        dc->resp->Resources = nr;
        dc->cap = ncap;
    }
    sk_describeacls_resp_resource_t *r = &dc->resp->Resources[dc->resp->ResourcesCnt++];
    sk_describeacls_resp_resource_init(r);
    r->ResourceType = res->type;
    r->ResourceName = astr(req, res->name);
    r->PatternType = res->pattern;
    r->Acls = acls;
    r->AclsCnt = cnt;
}

int sk_api_describeacls(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_describeacls_req_t in;
    if (sk_describeacls_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_describeacls_resp_t resp;
    sk_describeacls_resp_init(&resp);
    resp.Resources = sk_arena_calloc(req->arena, 1, sizeof(*resp.Resources));
    sk_acl_filter_t f = make_filter(req, in.ResourceTypeFilter, in.ResourceNameFilter,
                                    in.PatternTypeFilter, in.PrincipalFilter, in.HostFilter,
                                    in.Operation, in.PermissionType);
    if (!b->acl) {
        resp.ErrorCode = SK_KERR_SECURITY_DISABLED;
        resp.ErrorMessage = sk_str_c("No Authorizer is configured on the broker");
    } else if (!sk_authz_cluster(b, req, SK_ACL_OP_DESCRIBE)) {
        resp.ErrorCode = SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
    } else if (!sk_acl_filter_valid(&f)) {
        resp.ErrorCode = SK_KERR_INVALID_REQUEST;
        resp.ErrorMessage = sk_str_c("The filter has an unknown resource type, pattern type, "
                                     "operation or permission type");
    } else {
        describe_ctx_t dc = {req, &f, &resp, 0};
        sk_acl_foreach(b->acl, describe_one, &dc);
    }
    return sk_req_respond(req, &resp);
}

/* ---- CreateAcls and DeleteAcls: a chain of znode updates ---- */

typedef struct acl_job {
    sk_broker_t *b;
    sk_req_t *req;        /* NULL once the connection is gone */
    int create;
    sk_createacls_resp_t cresp;
    sk_deleteacls_resp_t dresp;
    const sk_createacls_req_creation_t *creations;
    sk_acl_filter_t *filters;
    int n;                /* creations or filters */
    int at;               /* the one being written */
    /* DeleteAcls: the resources of filter `at` still to update */
    sk_acl_res_t *res;
    int n_res, res_at, cap_res;
    int collected;        /* res holds filter `at`'s resources */
    int in_handler, done;
} acl_job_t;

static void job_detach(sk_req_t *req)
{
    acl_job_t *j = req->handler_state;
    req->handler_state = NULL;
    if (j)
        j->req = NULL; /* the chain runs on and frees itself */
}

static void job_free(acl_job_t *j)
{
    for (int i = 0; i < j->n_res; i++)
        free(j->res[i].name);
    free(j->res);
    free(j);
}

static void job_next(acl_job_t *j);

static void job_finish(acl_job_t *j)
{
    sk_req_t *req = j->req;
    j->done = 1;
    if (!req) {
        job_free(j);
        return;
    }
    if (j->create)
        sk_req_respond(req, &j->cresp);
    else
        sk_req_respond(req, &j->dresp);
    if (j->in_handler)
        return; /* the handler answers SK_REQ_DONE and frees */
    req->handler_state = NULL;
    req->handler_free = NULL;
    job_free(j);
    sk_req_complete(req);
}

static void created_cb(int16_t kerr, const sk_acl_entry_t *removed, int n_removed, void *arg)
{
    (void)removed;
    (void)n_removed;
    acl_job_t *j = arg;
    if (j->req) {
        sk_createacls_resp_result_t *res = &j->cresp.Results[j->at];
        res->ErrorCode = kerr;
        if (kerr != SK_KERR_NONE)
            res->ErrorMessage = sk_str_c("writing the ACL to ZooKeeper failed");
    }
    j->at++;
    job_next(j);
}

static void deleted_cb(int16_t kerr, const sk_acl_entry_t *removed, int n_removed, void *arg)
{
    acl_job_t *j = arg;
    sk_req_t *req = j->req;
    if (req) {
        sk_deleteacls_resp_filter_result_t *fr = &j->dresp.FilterResults[j->at];
        const sk_acl_res_t *res = &j->res[j->res_at];
        if (kerr != SK_KERR_NONE) {
            fr->ErrorCode = kerr;
            fr->ErrorMessage = sk_str_c("changing the ACLs in ZooKeeper failed");
        }
        if (n_removed > 0) {
            sk_deleteacls_resp_matching_acl_t *m =
                sk_arena_calloc(req->arena, (size_t)(fr->MatchingAclsCnt + n_removed),
                                sizeof(*m));
            if (fr->MatchingAclsCnt)
                memcpy(m, fr->MatchingAcls, (size_t)fr->MatchingAclsCnt * sizeof(*m));
            for (int i = 0; i < n_removed; i++) {
                sk_deleteacls_resp_matching_acl_t *o = &m[fr->MatchingAclsCnt + i];
                sk_deleteacls_resp_matching_acl_init(o);
                o->ResourceType = res->type;
                o->ResourceName = astr(req, res->name);
                o->PatternType = res->pattern;
                o->Principal = astr(req, removed[i].principal);
                o->Host = astr(req, removed[i].host);
                o->Operation = removed[i].op;
                o->PermissionType = removed[i].perm;
            }
            fr->MatchingAcls = m;
            fr->MatchingAclsCnt += n_removed;
        }
    }
    j->res_at++;
    job_next(j);
}

/* The resources of the table the filter selects with at least one entry. */
static void collect_res(const sk_acl_res_t *res, const sk_acl_entry_t *e, int n, void *arg)
{
    acl_job_t *j = arg;
    const sk_acl_filter_t *f = &j->filters[j->at];
    int any = 0;
    for (int i = 0; i < n && !any; i++)
        any = sk_acl_filter_entry(f, &e[i]);
    if (!any || !sk_acl_filter_res(f, res))
        return;
    if (j->n_res == j->cap_res) {
        j->cap_res = j->cap_res ? j->cap_res * 2 : 8;
        j->res = sk_realloc(j->res, (size_t)j->cap_res * sizeof(*j->res));
    }
    j->res[j->n_res].type = res->type;
    j->res[j->n_res].pattern = res->pattern;
    j->res[j->n_res].name = sk_strdup(res->name);
    j->n_res++;
}

static void job_next(acl_job_t *j)
{
    sk_broker_t *b = j->b;
    for (;;) {
        if (!j->req) /* the connection is gone, and with it the request's arena */
            break;
        if (j->create) {
            if (j->at >= j->n)
                break;
            if (j->cresp.Results[j->at].ErrorCode != SK_KERR_NONE) { /* refused up front */
                j->at++;
                continue;
            }
            const sk_createacls_req_creation_t *c = &j->creations[j->at];
            sk_acl_res_t res = {c->ResourceType, c->ResourcePatternType,
                                sk_str_dup(c->ResourceName)};
            sk_acl_entry_t e = {sk_str_dup(c->Principal), sk_str_dup(c->Host), c->Operation,
                                c->PermissionType};
            sk_aclzk_update(b->aclzk, &res, &e, 1, NULL, created_cb, j);
            free(res.name);
            free(e.principal);
            free(e.host);
            return;
        }
        if (j->at >= j->n)
            break;
        if (!j->collected) {
            j->collected = 1;
            j->res_at = 0;
            if (j->dresp.FilterResults[j->at].ErrorCode == SK_KERR_NONE)
                sk_acl_foreach(b->acl, collect_res, j);
        }
        if (j->res_at < j->n_res) {
            sk_aclzk_update(b->aclzk, &j->res[j->res_at], NULL, 0, &j->filters[j->at],
                            deleted_cb, j);
            return;
        }
        for (int i = 0; i < j->n_res; i++) /* this filter is done */
            free(j->res[i].name);
        j->n_res = 0;
        j->collected = 0;
        j->at++;
    }
    job_finish(j);
}

/* The job answers at once or stays pending. */
static int job_start(acl_job_t *j)
{
    sk_req_t *req = j->req;
    req->handler_state = j;
    req->handler_free = job_detach;
    j->in_handler = 1;
    job_next(j);
    j->in_handler = 0;
    if (!j->done)
        return SK_REQ_PENDING;
    req->handler_state = NULL;
    req->handler_free = NULL;
    job_free(j);
    return SK_REQ_DONE;
}

/* Kafka's checks of one creation: known codes (no ANY or MATCH), a
 * principal "Type:name", a host, a name that can be a znode, and the
 * cluster resource named kafka-cluster. NULL when valid. */
static const char *creation_invalid(const sk_createacls_req_creation_t *c, int16_t version)
{
    char path[1024];
    char *name = sk_str_dup(c->ResourceName);
    int pattern = version >= 1 ? c->ResourcePatternType : SK_ACL_PAT_LITERAL;
    const char *why = NULL;
    if (c->ResourceType <= SK_ACL_RES_ANY || !sk_acl_res_name(c->ResourceType))
        why = "Invalid resource type";
    else if (pattern != SK_ACL_PAT_LITERAL && pattern != SK_ACL_PAT_PREFIXED)
        why = "Invalid pattern type: only LITERAL and PREFIXED ACLs can be created";
    else if (c->Operation <= SK_ACL_OP_ANY || !sk_acl_op_name(c->Operation))
        why = "Invalid operation";
    else if (c->PermissionType != SK_ACL_PERM_ALLOW && c->PermissionType != SK_ACL_PERM_DENY)
        why = "Invalid permission type";
    else if (c->Principal.len <= 0 || !memchr(c->Principal.p, ':', (size_t)c->Principal.len) ||
             c->Principal.p[0] == ':')
        why = "Invalid principal: expected <type>:<name>";
    else if (c->Host.len <= 0)
        why = "Invalid host";
    else if (!name || sk_acl_res_path(c->ResourceType, pattern, name, path, sizeof(path)) != SK_OK)
        why = "Invalid resource name";
    else if (c->ResourceType == SK_ACL_RES_CLUSTER && strcmp(name, SK_ACL_CLUSTER_NAME) != 0)
        why = "The only valid name for the CLUSTER resource is kafka-cluster";
    free(name);
    return why;
}

int sk_api_createacls(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_createacls_req_t in;
    if (sk_createacls_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    acl_job_t *j = sk_calloc(1, sizeof(*j));
    j->b = b;
    j->req = req;
    j->create = 1;
    j->n = in.CreationsCnt > 0 ? in.CreationsCnt : 0;
    j->creations = in.Creations;
    sk_createacls_resp_init(&j->cresp);
    j->cresp.ResultsCnt = j->n;
    j->cresp.Results = sk_arena_calloc(req->arena, (size_t)j->n + 1, sizeof(*j->cresp.Results));
    int allowed = b->acl && sk_authz_cluster(b, req, SK_ACL_OP_ALTER);
    for (int i = 0; i < j->n; i++) {
        sk_createacls_resp_result_t *res = &j->cresp.Results[i];
        sk_createacls_resp_result_init(res);
        sk_createacls_req_creation_t *c = &in.Creations[i];
        if (req->api_version < 1)
            c->ResourcePatternType = SK_ACL_PAT_LITERAL;
        const char *why = NULL;
        if (!b->acl) {
            res->ErrorCode = SK_KERR_SECURITY_DISABLED;
            res->ErrorMessage = sk_str_c("No Authorizer is configured on the broker");
        } else if (!allowed) {
            res->ErrorCode = SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
        } else if ((why = creation_invalid(c, req->api_version)) != NULL) {
            res->ErrorCode = SK_KERR_INVALID_REQUEST;
            res->ErrorMessage = sk_str_c(why);
        }
    }
    if (j->n && allowed)
        sk_info("acl", "CreateAcls from %s (%s): %d ACLs", sk_req_peer(req),
                sk_req_principal(req), j->n);
    return job_start(j);
}

int sk_api_deleteacls(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_deleteacls_req_t in;
    if (sk_deleteacls_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    acl_job_t *j = sk_calloc(1, sizeof(*j));
    j->b = b;
    j->req = req;
    j->n = in.FiltersCnt > 0 ? in.FiltersCnt : 0;
    j->filters = sk_arena_calloc(req->arena, (size_t)j->n + 1, sizeof(*j->filters));
    sk_deleteacls_resp_init(&j->dresp);
    j->dresp.FilterResultsCnt = j->n;
    j->dresp.FilterResults = sk_arena_calloc(req->arena, (size_t)j->n + 1,
                                             sizeof(*j->dresp.FilterResults));
    int allowed = b->acl && sk_authz_cluster(b, req, SK_ACL_OP_ALTER);
    for (int i = 0; i < j->n; i++) {
        const sk_deleteacls_req_filter_t *f = &in.Filters[i];
        sk_deleteacls_resp_filter_result_t *fr = &j->dresp.FilterResults[i];
        sk_deleteacls_resp_filter_result_init(fr);
        fr->MatchingAcls = sk_arena_calloc(req->arena, 1, sizeof(*fr->MatchingAcls));
        j->filters[i] = make_filter(req, f->ResourceTypeFilter, f->ResourceNameFilter,
                                    f->PatternTypeFilter, f->PrincipalFilter, f->HostFilter,
                                    f->Operation, f->PermissionType);
        if (!b->acl) {
            fr->ErrorCode = SK_KERR_SECURITY_DISABLED;
            fr->ErrorMessage = sk_str_c("No Authorizer is configured on the broker");
        } else if (!allowed) {
            fr->ErrorCode = SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
        } else if (!sk_acl_filter_valid(&j->filters[i])) {
            fr->ErrorCode = SK_KERR_INVALID_REQUEST;
            fr->ErrorMessage = sk_str_c("The filter has an unknown resource type, pattern "
                                        "type, operation or permission type");
        }
    }
    if (j->n && allowed)
        sk_info("acl", "DeleteAcls from %s (%s): %d filters", sk_req_peer(req),
                sk_req_principal(req), j->n);
    return job_start(j);
}
