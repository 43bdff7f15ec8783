/* quotas.c - client quotas: DescribeClientQuotas (key 48) and
 * AlterClientQuotas (key 49), KIP-546, on ZooKeeper's /config/users and
 * /config/clients as a Kafka broker in ZooKeeper mode serves them (any
 * broker answers), and the quota checks of the request path.
 *
 * Describe answers from the broker's quota store (meta/quota.h), which
 * holds every entity's znode as last read (at start, then at each change
 * notification). Filters as Kafka's: a component per entity type ("user",
 * "client-id") matches a name exactly (0), the default (1) or any specified
 * name (2); a type with no component matches an entity that lacks that part,
 * or any entity unless Strict. A duplicate or empty type, an unknown match
 * type and a bad match string are INVALID_REQUEST, an unknown entity type
 * UNSUPPORTED_VERSION; "ip" alone matches nothing (Skein keeps no IP
 * quotas), with user or client-id it is INVALID_REQUEST.
 *
 * Alter: per entry, the entity is checked (user and/or client-id, each at
 * most once, names not empty; otherwise INVALID_REQUEST), then every op:
 * an unknown key, a byte rate that is not a whole number and a negative or
 * non-finite value refuse the whole entry with INVALID_REQUEST and nothing
 * is written. Unless ValidateOnly, the entity's znode is read, changed
 * (other keys, e.g. SCRAM credentials, kept; an emptied config stays as
 * {"version":1,"config":{}}, as Kafka leaves it), written with its
 * zkVersion (read again on a conflict) and announced by a
 * /config/changes/config_change_ notification; this broker's store takes the
 * new values before the answer.
 * With an authorizer, Describe needs DescribeConfigs on the cluster (else
 * the answer's ErrorCode is CLUSTER_AUTHORIZATION_FAILED) and Alter needs
 * AlterConfigs on the cluster (else every entry's), as Kafka checks them.
 * @locality loop
 */
#include "api/api.h"

#include "clock.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "meta/quota.h"
#include "meta/quota_zk.h"
#include "proto_gen.h"
#include "zk.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the request path ---- */

int32_t sk_api_quota_record(sk_broker_t *b, sk_req_t *req, sk_quota_kind_t k, double value)
{
    if (!b->quota || !sk_quota_kind_count(b->quota, k)) /* nothing configured: free */
        return 0;
    size_t ulen;
    const char *user = sk_req_user(req, &ulen);
    int32_t ms = sk_quota_record(b->quota, k, user, ulen, req->client_id ? req->client_id : "",
                                 (size_t)req->client_id_len, value, sk_mono_ms());
    if (ms > 0)
        sk_debug("quota", "%s of User:%.*s client id %.*s over its quota: throttled %d ms",
                 sk_quota_key(k), (int)ulen, user, (int)req->client_id_len,
                 req->client_id ? req->client_id : "", ms);
    if (ms > req->throttle_ms)
        req->throttle_ms = ms;
    return ms;
}

void sk_api_quota_unrecord(sk_broker_t *b, sk_req_t *req, sk_quota_kind_t k, double value)
{
    if (!b->quota || !sk_quota_kind_count(b->quota, k))
        return;
    size_t ulen;
    const char *user = sk_req_user(req, &ulen);
    sk_quota_unrecord(b->quota, k, user, ulen, req->client_id ? req->client_id : "",
                      (size_t)req->client_id_len, value, sk_mono_ms());
}

int sk_api_quota_timed(sk_broker_t *b, const sk_req_t *req)
{
    if (!b->quota || !sk_quota_kind_count(b->quota, SK_QUOTA_REQUEST))
        return 0;
    switch (req->api_key) { /* the controller's and the SASL exchange are exempt (Kafka) */
    case SK_API_LEADER_AND_ISR:
    case SK_API_STOP_REPLICA:
    case SK_API_UPDATE_METADATA:
    case SK_API_CONTROLLED_SHUTDOWN:
    case SK_API_ALTER_PARTITION:
    case SK_API_API_VERSIONS:
    case SK_API_SASL_HANDSHAKE:
    case SK_API_SASL_AUTHENTICATE:
        return 0;
    default:
        return 1;
    }
}

/* ---- entities on the wire ---- */

#define TYPE_USER "user"
#define TYPE_CLIENT "client-id"

static int str_is(sk_str_t s, const char *c)
{
    return s.len >= 0 && (size_t)s.len == strlen(c) && memcmp(s.p, c, (size_t)s.len) == 0;
}

static sk_str_t arena_str(sk_arena_t *a, const char *s)
{
    return s ? sk_str_c(sk_arena_strdup(a, s)) : SK_STR_NULL;
}

/* ---- Describe ---- */

typedef struct filt {
    int present;
    int8_t match_type; /* 0 exact, 1 default, 2 any */
    char *name;        /* exact */
} filt_t;

static int filt_matches(const filt_t *f, sk_quota_part_t part, const char *name, int strict)
{
    if (!f->present)
        return part == SK_QUOTA_NONE || !strict;
    switch (f->match_type) {
    case 0:
        return part == SK_QUOTA_NAME && strcmp(name, f->name) == 0;
    case 1:
        return part == SK_QUOTA_DEFAULT;
    default:
        return part != SK_QUOTA_NONE;
    }
}

static void add_entity(sk_arena_t *a, const sk_quota_entity_t *e,
                       sk_describeclientquotas_resp_entity_data_t **out, int32_t *n)
{
    *out = sk_arena_calloc(a, 2, sizeof(**out));
    *n = 0;
    if (e->user_part) {
        (*out)[*n].EntityType = sk_str_c(TYPE_USER);
        (*out)[*n].EntityName = e->user_part == SK_QUOTA_NAME ? arena_str(a, e->user)
                                                              : SK_STR_NULL;
        (*n)++;
    }
    if (e->client_part) {
        (*out)[*n].EntityType = sk_str_c(TYPE_CLIENT);
        (*out)[*n].EntityName = e->client_part == SK_QUOTA_NAME ? arena_str(a, e->client)
                                                                : SK_STR_NULL;
        (*n)++;
    }
}

int sk_api_describeclientquotas(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_describeclientquotas_req_t in;
    if (sk_describeclientquotas_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_describeclientquotas_resp_t resp;
    sk_describeclientquotas_resp_init(&resp);
    resp.ErrorMessage = SK_STR_NULL;
    resp.EntriesCnt = -1;
    sk_arena_t *a = req->arena;
    filt_t fu = {0}, fc = {0};
    int ip = 0;
    int16_t err = SK_KERR_NONE;
    char msg[300] = "";
    if (!sk_authz_cluster(b, req, SK_ACL_OP_DESCRIBE_CONFIGS)) {
        err = SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
        snprintf(msg, sizeof(msg), "Cluster authorization failed.");
    }
    for (int32_t i = 0; err == SK_KERR_NONE && i < in.ComponentsCnt; i++) {
        const sk_describeclientquotas_req_component_data_t *c = &in.Components[i];
        filt_t *f = NULL;
        if (str_is(c->EntityType, TYPE_USER)) {
            f = &fu;
        } else if (str_is(c->EntityType, TYPE_CLIENT)) {
            f = &fc;
        } else if (str_is(c->EntityType, "ip")) {
            if (ip) {
                err = SK_KERR_INVALID_REQUEST;
                snprintf(msg, sizeof(msg), "Duplicate ip filter component entity type");
            }
            ip = 1;
        } else if (c->EntityType.len <= 0) {
            err = SK_KERR_INVALID_REQUEST;
            snprintf(msg, sizeof(msg), "Unexpected empty filter component entity type");
        } else {
            err = SK_KERR_UNSUPPORTED_VERSION;
            snprintf(msg, sizeof(msg), "Custom entity type '%.*s' not supported",
                     (int)(c->EntityType.len > 200 ? 200 : c->EntityType.len), c->EntityType.p);
        }
        if (err != SK_KERR_NONE || !f) {
            if (err == SK_KERR_NONE && (c->MatchType < 0 || c->MatchType > 2)) {
                err = SK_KERR_INVALID_REQUEST;
                snprintf(msg, sizeof(msg), "Unexpected match type: %d", c->MatchType);
            }
            continue;
        }
        if (f->present) {
            err = SK_KERR_INVALID_REQUEST;
            snprintf(msg, sizeof(msg), "Duplicate %s filter component entity type",
                     f == &fu ? "user" : "client");
        } else if (c->MatchType < 0 || c->MatchType > 2) {
            err = SK_KERR_INVALID_REQUEST;
            snprintf(msg, sizeof(msg), "Unexpected match type: %d", c->MatchType);
        } else if ((c->MatchType == 0) != (c->Match.len >= 0)) {
            err = SK_KERR_INVALID_REQUEST;
            snprintf(msg, sizeof(msg), c->MatchType == 0
                                           ? "Request specified MATCH_EXACT, but set match "
                                             "string to null"
                                           : "Request specified MATCH_DEFAULT or "
                                             "MATCH_SPECIFIED, but set match string to a value");
        } else {
            f->present = 1;
            f->match_type = c->MatchType;
            if (c->MatchType == 0) {
                f->name = sk_arena_alloc(a, (size_t)c->Match.len + 1);
                memcpy(f->name, c->Match.p, (size_t)c->Match.len);
                f->name[c->Match.len] = 0;
            }
        }
    }
    if (err == SK_KERR_NONE && ip && (fu.present || fc.present)) {
        err = SK_KERR_INVALID_REQUEST;
        snprintf(msg, sizeof(msg), "Invalid entity filter component combination, IP filter "
                 "component should not be used with user or clientId filter component.");
    }
    if (err != SK_KERR_NONE) {
        resp.ErrorCode = err;
        resp.ErrorMessage = arena_str(a, msg);
        return sk_req_respond(req, &resp);
    }
    int n = b->quota && !ip ? sk_quota_count(b->quota) : 0;
    resp.Entries = sk_arena_calloc(a, (size_t)n + 1, sizeof(*resp.Entries));
    resp.EntriesCnt = 0;
    for (int i = 0; i < n; i++) {
        sk_quota_entity_t e;
        double v[SK_QUOTA_KINDS];
        sk_quota_at(b->quota, i, &e, v);
        if (!filt_matches(&fu, e.user_part, e.user, in.Strict) ||
            !filt_matches(&fc, e.client_part, e.client, in.Strict))
            continue;
        sk_describeclientquotas_resp_entry_data_t *out = &resp.Entries[resp.EntriesCnt++];
        add_entity(a, &e, &out->Entity, &out->EntityCnt);
        out->Values = sk_arena_calloc(a, SK_QUOTA_KINDS, sizeof(*out->Values));
        for (int k = 0; k < SK_QUOTA_KINDS; k++)
            if (v[k] >= 0) {
                out->Values[out->ValuesCnt].Key = sk_str_c(sk_quota_key((sk_quota_kind_t)k));
                out->Values[out->ValuesCnt].Value = v[k];
                out->ValuesCnt++;
            }
    }
    return sk_req_respond(req, &resp);
}

/* ---- Alter ---- */

typedef struct ace ace_t;

typedef struct acq {
    sk_req_t *req; /* NULL once the request is gone */
    sk_broker_t *b;
    int outstanding;
    int n;
    ace_t *e;
} acq_t;

struct ace {
    acq_t *st;
    sk_quota_entity_t ent;
    char *user, *client; /* ent's names */
    double set[SK_QUOTA_KINDS];
    int remove[SK_QUOTA_KINDS];
    int16_t err;
    char *msg;
    char *path; /* relative to /config */
    int tries;
    const sk_alterclientquotas_req_entry_data_t *wire;
};

static void ace_fail(ace_t *e, int16_t err, char *msg)
{
    if (e->err == SK_KERR_NONE) {
        e->err = err;
        e->msg = msg;
    } else {
        free(msg);
    }
}

static void acq_release(acq_t *st)
{
    for (int i = 0; i < st->n; i++) {
        free(st->e[i].user);
        free(st->e[i].client);
        free(st->e[i].msg);
        free(st->e[i].path);
    }
    free(st->e);
    free(st);
}

static void acq_free(sk_req_t *req)
{
    acq_t *st = req->handler_state;
    st->req = NULL; /* the last ZooKeeper completion frees st */
}

static int acq_finish(acq_t *st)
{
    sk_req_t *req = st->req;
    sk_arena_t *a = req->arena;
    sk_alterclientquotas_resp_t resp;
    sk_alterclientquotas_resp_init(&resp);
    resp.Entries = sk_arena_calloc(a, (size_t)st->n + 1, sizeof(*resp.Entries));
    resp.EntriesCnt = st->n;
    for (int i = 0; i < st->n; i++) {
        ace_t *e = &st->e[i];
        sk_alterclientquotas_resp_entry_data_t *out = &resp.Entries[i];
        out->ErrorCode = e->err;
        out->ErrorMessage = e->msg ? arena_str(a, e->msg) : SK_STR_NULL;
        /* the entity as the request named it */
        int32_t ne = e->wire->EntityCnt > 0 ? e->wire->EntityCnt : 0;
        out->Entity = sk_arena_calloc(a, (size_t)ne + 1, sizeof(*out->Entity));
        out->EntityCnt = ne;
        for (int32_t j = 0; j < ne; j++) {
            out->Entity[j].EntityType = e->wire->Entity[j].EntityType;
            out->Entity[j].EntityName = e->wire->Entity[j].EntityName;
        }
    }
    req->handler_state = NULL;
    req->handler_free = NULL;
    int rc = sk_req_respond(req, &resp);
    acq_release(st);
    return rc;
}

static void ace_done(ace_t *e)
{
    acq_t *st = e->st;
    if (--st->outstanding > 0)
        return;
    if (!st->req) {
        acq_release(st);
        return;
    }
    sk_req_t *req = st->req;
    acq_finish(st);
    sk_req_complete(req);
}

static void ace_get_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg);

static void ace_read(ace_t *e)
{
    char *zp = sk_asprintf("/config/%s", e->path);
    sk_zk_get(e->st->b->zk, zp, NULL, NULL, ace_get_cb, e);
    free(zp);
}

static void ace_written(ace_t *e, int rc)
{
    if ((rc == ZBADVERSION || rc == ZNONODE || rc == ZNODEEXISTS) && ++e->tries < 10 &&
        e->st->req) { /* changed meanwhile: read it again */
        ace_read(e);
        return;
    }
    if (rc != ZOK) {
        ace_fail(e, SK_KERR_UNKNOWN_SERVER_ERROR, sk_strdup("ZooKeeper unavailable"));
    } else {
        char *note = sk_asprintf("{\"version\":2,\"entity_path\":\"%s\"}", e->path);
        sk_zk_create(e->st->b->zk, "/config/changes/config_change_", note, (int)strlen(note),
                     ZOO_SEQUENCE, NULL, NULL);
        free(note);
        /* this broker's store at once (the others follow the notification) */
        double v[SK_QUOTA_KINDS];
        sk_quota_get(e->st->b->quota, &e->ent, v);
        for (int k = 0; k < SK_QUOTA_KINDS; k++) {
            if (e->remove[k])
                v[k] = -1;
            if (e->set[k] >= 0)
                v[k] = e->set[k];
        }
        sk_quota_set(e->st->b->quota, &e->ent, v);
        sk_info("quota", "quotas of /config/%s altered: producer_byte_rate %.0f, "
                "consumer_byte_rate %.0f, request_percentage %g (-1: none)", e->path, v[0], v[1],
                v[2]);
    }
    ace_done(e);
}

static void ace_set_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)data;
    (void)len;
    (void)stat;
    ace_written(arg, rc);
}

static void ace_create_cb(int rc, void *arg)
{
    ace_written(arg, rc);
}

static void ace_get_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    ace_t *e = arg;
    if (!e->st->req) {
        ace_done(e);
        return;
    }
    if (rc != ZOK && rc != ZNONODE) {
        ace_fail(e, SK_KERR_UNKNOWN_SERVER_ERROR, sk_strdup("ZooKeeper unavailable"));
        ace_done(e);
        return;
    }
    char why[200];
    int empty;
    char *out = sk_quota_znode_update(rc == ZOK ? data : NULL, rc == ZOK && data ? (size_t)len : 0,
                                      e->set, e->remove, &empty, why, sizeof(why));
    if (!out) {
        sk_warn("quota", "cannot update /config/%s: %s", e->path, why);
        ace_fail(e, SK_KERR_UNKNOWN_SERVER_ERROR,
                 sk_asprintf("Unreadable configuration of %s", e->path));
        ace_done(e);
        return;
    }
    char *zp = sk_asprintf("/config/%s", e->path);
    if (rc == ZNONODE)
        sk_zk_create_recursive(e->st->b->zk, zp, out, (int)strlen(out), ace_create_cb, e);
    else
        sk_zk_set(e->st->b->zk, zp, out, (int)strlen(out), stat->version, ace_set_cb, e);
    free(zp);
    free(out);
}

/* The entity of an entry, checked as Kafka checks it. */
static void ace_entity(ace_t *e)
{
    const sk_alterclientquotas_req_entry_data_t *w = e->wire;
    for (int32_t j = 0; j < w->EntityCnt && e->err == SK_KERR_NONE; j++) {
        const sk_alterclientquotas_req_entity_data_t *c = &w->Entity[j];
        sk_quota_part_t *part;
        char **name;
        const char *tname;
        if (str_is(c->EntityType, TYPE_USER)) {
            part = &e->ent.user_part;
            name = &e->user;
            tname = TYPE_USER;
        } else if (str_is(c->EntityType, TYPE_CLIENT)) {
            part = &e->ent.client_part;
            name = &e->client;
            tname = TYPE_CLIENT;
        } else if (str_is(c->EntityType, "ip")) {
            ace_fail(e, SK_KERR_INVALID_REQUEST, sk_strdup("IP quotas are not supported by "
                                                           "Skein"));
            return;
        } else {
            ace_fail(e, SK_KERR_INVALID_REQUEST,
                     sk_asprintf("Unhandled client quota entity type: %.*s",
                                 (int)(c->EntityType.len > 200 ? 200 : c->EntityType.len > 0
                                                                           ? c->EntityType.len
                                                                           : 0),
                                 c->EntityType.p ? c->EntityType.p : ""));
            return;
        }
        if (*part != SK_QUOTA_NONE) {
            ace_fail(e, SK_KERR_INVALID_REQUEST,
                     sk_asprintf("Duplicate %s entity type in the quota entity", tname));
            return;
        }
        if (c->EntityName.len == 0) {
            ace_fail(e, SK_KERR_INVALID_REQUEST, sk_asprintf("Empty %s not supported", tname));
            return;
        }
        if (c->EntityName.len < 0) {
            *part = SK_QUOTA_DEFAULT;
        } else if (memchr(c->EntityName.p, 0, (size_t)c->EntityName.len) ||
                   c->EntityName.len > 255) {
            ace_fail(e, SK_KERR_INVALID_REQUEST, sk_asprintf("Invalid %s name", tname));
            return;
        } else {
            *part = SK_QUOTA_NAME;
            *name = sk_strndup(c->EntityName.p, (size_t)c->EntityName.len);
        }
    }
    if (e->err == SK_KERR_NONE && !e->ent.user_part && !e->ent.client_part)
        ace_fail(e, SK_KERR_INVALID_REQUEST, sk_strdup("Invalid client quota entity"));
    e->ent.user = e->user;
    e->ent.client = e->client;
}

/* The ops of an entry: any bad one refuses the entry. */
static void ace_ops(ace_t *e)
{
    const sk_alterclientquotas_req_entry_data_t *w = e->wire;
    for (int k = 0; k < SK_QUOTA_KINDS; k++)
        e->set[k] = -1;
    for (int32_t j = 0; j < w->OpsCnt && e->err == SK_KERR_NONE; j++) {
        const sk_alterclientquotas_req_op_data_t *op = &w->Ops[j];
        int k = op->Key.len > 0 ? sk_quota_key_kind(op->Key.p, (size_t)op->Key.len) : -1;
        int kl = op->Key.len > 200 ? 200 : op->Key.len > 0 ? op->Key.len : 0;
        if (k < 0) {
            ace_fail(e, SK_KERR_INVALID_REQUEST,
                     sk_asprintf("Invalid configuration key %.*s", kl, op->Key.p ? op->Key.p
                                                                                 : ""));
            return;
        }
        if (op->Remove) {
            e->remove[k] = 1;
            e->set[k] = -1;
            continue;
        }
        double v = op->Value;
        if (!isfinite(v) || v < 0) {
            ace_fail(e, SK_KERR_INVALID_REQUEST,
                     sk_asprintf("Invalid value %g for configuration %s: Value must be at "
                                 "least 0", v, sk_quota_key((sk_quota_kind_t)k)));
            return;
        }
        if (k != SK_QUOTA_REQUEST) {
            double whole = floor(v + 1e-6);
            if (fabs(whole - v) > 1e-6 || whole > 9.2e18) {
                ace_fail(e, SK_KERR_INVALID_REQUEST,
                         sk_asprintf("Configuration %s must be a LONG value",
                                     sk_quota_key((sk_quota_kind_t)k)));
                return;
            }
            v = whole;
        }
        e->set[k] = v;
        e->remove[k] = 0;
    }
}

int sk_api_alterclientquotas(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_alterclientquotas_req_t in;
    if (sk_alterclientquotas_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    acq_t *st = sk_calloc(1, sizeof(*st));
    st->req = req;
    st->b = b;
    st->n = in.EntriesCnt > 0 ? in.EntriesCnt : 0;
    st->e = sk_calloc((size_t)st->n + 1, sizeof(*st->e));
    int allowed = sk_authz_cluster(b, req, SK_ACL_OP_ALTER_CONFIGS);
    for (int i = 0; i < st->n; i++) {
        ace_t *e = &st->e[i];
        e->st = st;
        e->wire = &in.Entries[i];
        e->err = SK_KERR_NONE;
        if (!allowed) {
            e->err = SK_KERR_CLUSTER_AUTHORIZATION_FAILED;
            e->msg = sk_strdup("Cluster authorization failed.");
            continue;
        }
        ace_entity(e);
        if (e->err == SK_KERR_NONE)
            ace_ops(e);
        if (e->err == SK_KERR_NONE)
            e->path = sk_quota_entity_path(&e->ent);
    }
    req->handler_state = st;
    req->handler_free = acq_free;
    st->outstanding = 1; /* held until every read is issued */
    for (int i = 0; i < st->n; i++) {
        ace_t *e = &st->e[i];
        if (e->err != SK_KERR_NONE || in.ValidateOnly || !b->quota)
            continue;
        st->outstanding++;
        ace_read(e);
    }
    if (--st->outstanding > 0)
        return SK_REQ_PENDING;
    req->handler_state = NULL;
    req->handler_free = NULL;
    return acq_finish(st);
}
