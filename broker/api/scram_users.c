/* scram_users.c - DescribeUserScramCredentials (key 50) and
 * AlterUserScramCredentials (key 51), KIP-554, on ZooKeeper
 * /config/users/<user> in Kafka's credential format (what kafka-configs.sh
 * and skein-configs write), as a Kafka broker in ZooKeeper mode serves them:
 * any broker answers.
 *
 * Describe: the named users (or, with a null list, every user with a SCRAM
 * credential) with their mechanisms and iterations, never a credential; a
 * named user without any: RESOURCE_NOT_FOUND; a user named twice:
 * DUPLICATE_RESOURCE.
 * Alter: per user, every deletion and upsertion of the request at once
 * (one conditional write, read again on a concurrent change, then Kafka's
 * /config/changes notification); an upsertion carries salt and
 * SaltedPassword (the client ran PBKDF2), from which StoredKey and
 * ServerKey are derived here. Kafka's refusals per user: an empty name or
 * an iteration count outside 4096..16384 UNACCEPTABLE_CREDENTIAL, an
 * unknown mechanism UNSUPPORTED_SASL_MECHANISM, the same user and mechanism
 * twice DUPLICATE_RESOURCE, deleting a credential that does not exist
 * RESOURCE_NOT_FOUND.
 * With an authorizer, Describe needs Describe on the cluster (else the
 * answer's ErrorCode is CLUSTER_AUTHORIZATION_FAILED) and Alter needs Alter
 * on the cluster (else every user's result is), as Kafka checks them.
 * @locality loop
 */
#include "api/api.h"

#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "meta/acl.h"
#include "proto_gen.h"
#include "scram.h"
#include "zk.h"

#include <stdlib.h>
#include <string.h>

/* Kafka's ScramMechanism ids on the wire. */
static int mech_of(int8_t wire)
{
    return wire == 1 ? SK_SCRAM_SHA_256 : wire == 2 ? SK_SCRAM_SHA_512 : -1;
}

static int name_ok(const char *u)
{
    return *u && !strchr(u, '/') && strcmp(u, ".") != 0 && strcmp(u, "..") != 0;
}

/* ---- Describe ---- */

typedef struct {
    sk_req_t *req; /* NULL once the request is gone */
    sk_broker_t *b;
    int outstanding;
    int all;       /* the list was null: only users that have a credential */
    sk_describeuserscramcredentials_resp_t resp;
    char *skip;    /* all: results without a credential, dropped at the end */
} dus_t;

typedef struct {
    dus_t *st;
    int i;
} dus_read_t;

static void dus_free(sk_req_t *req)
{
    dus_t *st = req->handler_state;
    st->req = NULL; /* the last ZooKeeper completion frees st */
}

static void dus_release(dus_t *st)
{
    free(st->skip);
    free(st);
}

static int dus_finish(dus_t *st)
{
    sk_req_t *req = st->req;
    int k = 0;
    for (int i = 0; i < st->resp.ResultsCnt; i++)
        if (!st->skip[i])
            st->resp.Results[k++] = st->resp.Results[i];
    st->resp.ResultsCnt = k;
    req->handler_state = NULL;
    req->handler_free = NULL;
    int rc = sk_req_respond(req, &st->resp);
    dus_release(st);
    return rc;
}

static void dus_result_error(sk_describeuserscramcredentials_resp_result_t *r, int16_t code,
                             const char *msg, sk_arena_t *a)
{
    r->ErrorCode = code;
    r->ErrorMessage = sk_str_c(sk_arena_strdup(a, msg));
}

static void dus_get_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)stat;
    dus_read_t *rd = arg;
    dus_t *st = rd->st;
    int i = rd->i;
    free(rd);
    st->outstanding--;
    if (!st->req) {
        if (st->outstanding == 0)
            dus_release(st);
        return;
    }
    sk_describeuserscramcredentials_resp_result_t *r = &st->resp.Results[i];
    sk_arena_t *a = st->req->arena;
    char user[300];
    snprintf(user, sizeof(user), "%.*s", r->User.len, r->User.p);
    int n = 0;
    if (rc == ZOK && data) {
        r->CredentialInfos = sk_arena_calloc(a, 2, sizeof(*r->CredentialInfos));
        for (int m = SK_SCRAM_SHA_256; m <= SK_SCRAM_SHA_512; m++) {
            sk_scram_cred_t c;
            char why[160];
            int prc = sk_scram_user_config_parse(data, (size_t)len, (sk_scram_mech_t)m, &c, why,
                                                 sizeof(why));
            if (prc == SK_OK) {
                r->CredentialInfos[n].Mechanism = (int8_t)(m + 1);
                r->CredentialInfos[n].Iterations = c.iterations;
                n++;
            } else if (prc != SK_ENOENT) {
                sk_warn("scram", "unreadable /config/users/%s: %s", user, why);
                dus_result_error(r, SK_KERR_UNKNOWN_SERVER_ERROR, "unreadable credential", a);
                st->skip[i] = 0;
                goto done;
            }
        }
        r->CredentialInfosCnt = n;
    } else if (rc != ZOK && rc != ZNONODE) {
        dus_result_error(r, SK_KERR_UNKNOWN_SERVER_ERROR, "ZooKeeper unavailable", a);
        goto done;
    }
    if (n == 0) {
        if (st->all) {
            st->skip[i] = 1;
        } else {
            char msg[400];
            snprintf(msg, sizeof(msg),
                     "Attempt to describe a user credential that does not exist: %s", user);
            dus_result_error(r, SK_KERR_RESOURCE_NOT_FOUND, msg, a);
        }
    }
done:
    if (st->outstanding == 0) {
        sk_req_t *req = st->req;
        dus_finish(st);
        sk_req_complete(req);
    }
}

/* Start reading result i's user. */
static void dus_read(dus_t *st, int i)
{
    char *path = sk_asprintf("/config/users/%.*s", st->resp.Results[i].User.len,
                             st->resp.Results[i].User.p);
    dus_read_t *rd = sk_malloc(sizeof(*rd));
    rd->st = st;
    rd->i = i;
    st->outstanding++;
    sk_zk_get(st->b->zk, path, NULL, NULL, dus_get_cb, rd);
    free(path);
}

static void dus_results(dus_t *st, int n)
{
    st->resp.Results = sk_arena_calloc(st->req->arena, (size_t)n + 1, sizeof(*st->resp.Results));
    st->resp.ResultsCnt = n;
    st->skip = sk_calloc((size_t)n + 1, 1);
    for (int i = 0; i < n; i++) {
        sk_describeuserscramcredentials_resp_result_init(&st->resp.Results[i]);
        st->resp.Results[i].ErrorCode = SK_KERR_NONE;
        st->resp.Results[i].ErrorMessage = SK_STR_NULL;
    }
}

static void dus_children_cb(int rc, char **names, int count, const struct Stat *stat, void *arg)
{
    (void)stat;
    dus_t *st = arg;
    st->outstanding--;
    if (!st->req) {
        if (st->outstanding == 0)
            dus_release(st);
        return;
    }
    if (rc != ZOK && rc != ZNONODE) {
        st->resp.ErrorCode = SK_KERR_UNKNOWN_SERVER_ERROR;
        st->resp.ErrorMessage = sk_str_c("ZooKeeper unavailable");
        count = 0;
    }
    if (rc != ZOK)
        count = 0;
    dus_results(st, count);
    st->outstanding++; /* held while the reads are issued */
    for (int i = 0; i < count; i++) {
        st->resp.Results[i].User = sk_str_c(sk_arena_strdup(st->req->arena, names[i]));
        dus_read(st, i);
    }
    if (--st->outstanding == 0) {
        sk_req_t *req = st->req;
        dus_finish(st);
        sk_req_complete(req);
    }
}

int sk_api_describeuserscramcredentials(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_describeuserscramcredentials_req_t in;
    if (sk_describeuserscramcredentials_req_decode(r, req->api_version, req->arena, &in) !=
        SK_OK)
        return sk_api_malformed(req);
    dus_t *st = sk_calloc(1, sizeof(*st));
    st->req = req;
    st->b = b;
    sk_describeuserscramcredentials_resp_init(&st->resp);
    st->resp.ErrorCode = SK_KERR_NONE;
    st->resp.ErrorMessage = SK_STR_NULL;
    req->handler_state = st;
    req->handler_free = dus_free;
    if (!sk_authz_cluster(b, req, SK_ACL_OP_DESCRIBE)) {
        st->resp.ErrorCode = SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
        dus_results(st, 0);
        return dus_finish(st);
    }
    st->outstanding = 1; /* held until every read is issued */
    if (in.UsersCnt < 0) {
        st->all = 1;
        sk_zk_children(b->zk, "/config/users", NULL, NULL, dus_children_cb, st);
        return SK_REQ_PENDING;
    }
    dus_results(st, in.UsersCnt);
    for (int i = 0; i < in.UsersCnt; i++) {
        sk_describeuserscramcredentials_resp_result_t *res = &st->resp.Results[i];
        sk_str_t name = in.Users[i].Name;
        res->User = name;
        int dup = 0;
        for (int j = 0; j < i; j++)
            if (in.Users[j].Name.len == name.len &&
                memcmp(in.Users[j].Name.p, name.p, (size_t)(name.len > 0 ? name.len : 0)) == 0)
                dup = 1;
        char user[300];
        snprintf(user, sizeof(user), "%.*s", name.len > 0 ? name.len : 0, name.p ? name.p : "");
        if (dup) {
            char msg[400];
            snprintf(msg, sizeof(msg),
                     "Cannot describe SCRAM credentials for the same user twice in a single "
                     "request: %s", user);
            dus_result_error(res, SK_KERR_DUPLICATE_RESOURCE, msg, req->arena);
            continue;
        }
        if (!name_ok(user)) {
            char msg[400];
            snprintf(msg, sizeof(msg),
                     "Attempt to describe a user credential that does not exist: %s", user);
            dus_result_error(res, SK_KERR_RESOURCE_NOT_FOUND, msg, req->arena);
            continue;
        }
        dus_read(st, i);
    }
    if (--st->outstanding > 0)
        return SK_REQ_PENDING;
    return dus_finish(st);
}

/* ---- Alter ---- */

typedef struct aus_s aus_t;

typedef struct {
    aus_t *st;
    char *name;
    int16_t err;
    const char *msg;
    sk_scram_cred_t add[2];
    int nadd;
    const char *del[2];
    int ndel;
    int tries;
    unsigned mechs; /* bit per mechanism seen in this request */
} aus_user_t;

struct aus_s {
    sk_req_t *req; /* NULL once the request is gone */
    sk_broker_t *b;
    int outstanding;
    aus_user_t *u;
    int n;
};

static void aus_free(sk_req_t *req)
{
    aus_t *st = req->handler_state;
    st->req = NULL;
}

static void aus_release(aus_t *st)
{
    for (int i = 0; i < st->n; i++) {
        free(st->u[i].name);
        memset(st->u[i].add, 0, sizeof(st->u[i].add));
    }
    free(st->u);
    free(st);
}

static int aus_finish(aus_t *st)
{
    sk_req_t *req = st->req;
    sk_alteruserscramcredentials_resp_t resp;
    sk_alteruserscramcredentials_resp_init(&resp);
    resp.Results = sk_arena_calloc(req->arena, (size_t)st->n + 1, sizeof(*resp.Results));
    resp.ResultsCnt = st->n;
    for (int i = 0; i < st->n; i++) {
        resp.Results[i].User = sk_str_c(sk_arena_strdup(req->arena, st->u[i].name));
        resp.Results[i].ErrorCode = st->u[i].err;
        resp.Results[i].ErrorMessage =
            st->u[i].msg ? sk_str_c(sk_arena_strdup(req->arena, st->u[i].msg)) : SK_STR_NULL;
    }
    req->handler_state = NULL;
    req->handler_free = NULL;
    int rc = sk_req_respond(req, &resp);
    aus_release(st);
    return rc;
}

/* One user finished (result in u->err). */
static void aus_done(aus_user_t *u)
{
    aus_t *st = u->st;
    if (--st->outstanding > 0)
        return;
    if (!st->req) {
        aus_release(st);
        return;
    }
    sk_req_t *req = st->req;
    aus_finish(st);
    sk_req_complete(req);
}

static void aus_get_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg);

static void aus_read(aus_user_t *u)
{
    char *path = sk_asprintf("/config/users/%s", u->name);
    sk_zk_get(u->st->b->zk, path, NULL, NULL, aus_get_cb, u);
    free(path);
}

static void aus_written(aus_user_t *u, int rc)
{
    if (rc == ZBADVERSION || rc == ZNONODE || rc == ZNODEEXISTS) {
        if (++u->tries < 5 && u->st->req) { /* changed meanwhile: again */
            aus_read(u);
            return;
        }
    }
    if (rc != ZOK) {
        u->err = SK_KERR_UNKNOWN_SERVER_ERROR;
        u->msg = "ZooKeeper unavailable";
    } else {
        char *note = sk_asprintf("{\"version\":2,\"entity_path\":\"users/%s\"}", u->name);
        sk_zk_create(u->st->b->zk, "/config/changes/config_change_", note, (int)strlen(note),
                     ZOO_SEQUENCE, NULL, NULL);
        free(note);
        sk_info("scram", "SCRAM credentials of User:%s changed (%d set, %d removed)", u->name,
                u->nadd, u->ndel);
    }
    aus_done(u);
}

static void aus_set_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)data;
    (void)len;
    (void)stat;
    aus_written(arg, rc);
}

static void aus_create_cb(int rc, void *arg)
{
    aus_written(arg, rc);
}

static void aus_get_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    aus_user_t *u = arg;
    if (!u->st->req) {
        aus_done(u);
        return;
    }
    if (rc != ZOK && rc != ZNONODE) {
        u->err = SK_KERR_UNKNOWN_SERVER_ERROR;
        u->msg = "ZooKeeper unavailable";
        aus_done(u);
        return;
    }
    const char *json = rc == ZOK ? data : NULL;
    size_t jl = json ? (size_t)len : 0;
    for (int i = 0; i < u->ndel; i++) {
        sk_scram_cred_t c;
        char why[160];
        if (!json || sk_scram_user_config_parse(json, jl, (sk_scram_mech_t)sk_scram_mech_parse(
                                                              u->del[i]),
                                                &c, why, sizeof(why)) == SK_ENOENT) {
            u->err = SK_KERR_RESOURCE_NOT_FOUND;
            u->msg = "Attempt to delete a user credential that does not exist";
            aus_done(u);
            return;
        }
    }
    char why[160];
    char *out = sk_scram_user_config_update(json, jl, u->add, u->nadd, u->del, u->ndel, why,
                                            sizeof(why));
    if (!out) {
        sk_warn("scram", "cannot update /config/users/%s: %s", u->name, why);
        u->err = SK_KERR_UNKNOWN_SERVER_ERROR;
        u->msg = "unreadable user configuration";
        aus_done(u);
        return;
    }
    char *path = sk_asprintf("/config/users/%s", u->name);
    if (rc == ZNONODE)
        sk_zk_create_recursive(u->st->b->zk, path, out, (int)strlen(out), aus_create_cb, u);
    else
        sk_zk_set(u->st->b->zk, path, out, (int)strlen(out), stat->version, aus_set_cb, u);
    free(path);
    free(out);
}

static aus_user_t *aus_user(aus_t *st, sk_str_t name)
{
    for (int i = 0; i < st->n; i++)
        if ((int32_t)strlen(st->u[i].name) == (name.len > 0 ? name.len : 0) &&
            memcmp(st->u[i].name, name.p ? name.p : "", (size_t)(name.len > 0 ? name.len : 0)) ==
                0)
            return &st->u[i];
    aus_user_t *u = &st->u[st->n++];
    memset(u, 0, sizeof(*u));
    u->st = st;
    u->name = sk_strndup(name.p ? name.p : "", (size_t)(name.len > 0 ? name.len : 0));
    u->err = SK_KERR_NONE;
    if (!name_ok(u->name)) {
        u->err = SK_KERR_UNACCEPTABLE_CREDENTIAL;
        u->msg = *u->name ? "Invalid user name" : "Username must not be empty";
    }
    return u;
}

/* Record that u changes mechanism wire; 0 when it may (known, not yet seen). */
static int aus_mech(aus_user_t *u, int8_t wire)
{
    int m = mech_of(wire);
    if (u->err != SK_KERR_NONE)
        return -1;
    if (m < 0) {
        u->err = SK_KERR_UNSUPPORTED_SASL_MECHANISM;
        u->msg = "Unknown SCRAM mechanism";
        return -1;
    }
    if (u->mechs & (1u << m)) {
        u->err = SK_KERR_DUPLICATE_RESOURCE;
        u->msg = "A user credential cannot be altered twice in the same request";
        return -1;
    }
    u->mechs |= 1u << m;
    return m;
}

int sk_api_alteruserscramcredentials(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_alteruserscramcredentials_req_t in;
    if (sk_alteruserscramcredentials_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    int nd = in.DeletionsCnt > 0 ? in.DeletionsCnt : 0;
    int nu = in.UpsertionsCnt > 0 ? in.UpsertionsCnt : 0;
    aus_t *st = sk_calloc(1, sizeof(*st));
    st->req = req;
    st->b = b;
    st->u = sk_calloc((size_t)(nd + nu) + 1, sizeof(*st->u));
    for (int i = 0; i < nd; i++) {
        aus_user_t *u = aus_user(st, in.Deletions[i].Name);
        int m = aus_mech(u, in.Deletions[i].Mechanism);
        if (m >= 0)
            u->del[u->ndel++] = sk_scram_mech_name((sk_scram_mech_t)m);
    }
    for (int i = 0; i < nu; i++) {
        const sk_alteruserscramcredentials_req_scram_credential_upsertion_t *up =
            &in.Upsertions[i];
        aus_user_t *u = aus_user(st, up->Name);
        int m = aus_mech(u, up->Mechanism);
        if (m < 0)
            continue;
        if (up->Iterations < SK_SCRAM_MIN_ITERATIONS || up->Iterations > SK_SCRAM_MAX_ITERATIONS) {
            u->err = SK_KERR_UNACCEPTABLE_CREDENTIAL;
            u->msg = up->Iterations < SK_SCRAM_MIN_ITERATIONS ? "Too few iterations"
                                                              : "Too many iterations";
            continue;
        }
        if (sk_scram_cred_from_salted((sk_scram_mech_t)m, (const uint8_t *)up->SaltedPassword.p,
                                      up->SaltedPassword.len > 0 ? (size_t)up->SaltedPassword.len
                                                                 : 0,
                                      (const uint8_t *)up->Salt.p,
                                      up->Salt.len > 0 ? (size_t)up->Salt.len : 0,
                                      up->Iterations, &u->add[u->nadd]) != SK_OK) {
            u->err = SK_KERR_UNACCEPTABLE_CREDENTIAL;
            u->msg = "Invalid salt or salted password";
            continue;
        }
        u->nadd++;
    }
    req->handler_state = st;
    req->handler_free = aus_free;
    if (!sk_authz_cluster(b, req, SK_ACL_OP_ALTER)) {
        for (int i = 0; i < st->n; i++) {
            st->u[i].err = SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
            st->u[i].msg = NULL;
        }
    }
    st->outstanding = 1; /* held until every read is issued */
    for (int i = 0; i < st->n; i++) {
        if (st->u[i].err != SK_KERR_NONE)
            continue;
        st->outstanding++;
        aus_read(&st->u[i]);
    }
    if (--st->outstanding > 0)
        return SK_REQ_PENDING;
    return aus_finish(st);
}
