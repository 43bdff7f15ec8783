/* alterconfigs.c - AlterConfigs (key 33, v0-2) and IncrementalAlterConfigs
 * (key 44, v0-1: SET, DELETE, APPEND, SUBTRACT).
 *
 * Resources: a topic (/config/topics/<t>), a broker (/config/brokers/<id>,
 * sent to that broker, as Kafka's admin clients do) or the cluster default
 * (resource name "", /config/brokers/<default>, any broker). Per resource,
 * as Kafka's ZooKeeper-mode broker:
 *   1. each key and value is checked with the table that checks the
 *      properties file (common/conf.c for brokers, where only the keys
 *      marked dynamic may change; common/topic_conf.c for topics);
 *   2. a topic this broker does not know yet is looked up in ZooKeeper
 *      (/brokers/topics/<t>), so a topic created a moment ago can be altered
 *      before the controller's UpdateMetadata arrives;
 *   3. the entity node is read with its version; AlterConfigs replaces its
 *      settings, IncrementalAlterConfigs applies its operations to them, and
 *      the result is checked again;
 *   4. unless ValidateOnly, one multi-op writes the node (conditional on the
 *      version read; again from 3 on a conflict) and creates the
 *      /config/changes/config_change_ notification every broker follows
 *      (meta/cfgchange.c).
 * A listener's key store (listener.name.<l>.ssl.keystore.* and the key
 * password, KIP-226) may be set for this broker only: the new store is
 * loaded and its certificate compared with the one in use (common/tls.h)
 * before anything is written, and its passwords are written encoded with
 * password.encoder.secret (common/pwenc.h); broker.c puts it in force.
 * A refused resource writes nothing. Errors and messages are Kafka's: a bad
 * value or a read-only key INVALID_REQUEST ("Invalid config value for
 * resource ConfigResource(type=TOPIC, name='t'): ..."), an unknown topic key
 * INVALID_CONFIG ("Unknown topic config name: k"), APPEND or SUBTRACT on a
 * key that is not a list INVALID_CONFIG.
 * @locality loop
 */
#include "api/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "kerr.h"
#include "meta/dynlistener.h"
#include "proto_describeconfigs.h"
#include "pwenc.h"
#include "tls.h"
#include "topic_conf.h"
#include "znode.h"

enum { OP_SET = 0, OP_DELETE = 1, OP_APPEND = 2, OP_SUBTRACT = 3, OP_REPLACE = -1 };
#define MAX_TRIES 5

typedef struct ac_op {
    char *name;
    char *value; /* NULL: null on the wire */
    int op;      /* OP_*; AlterConfigs: OP_REPLACE */
} ac_op_t;

typedef struct ac_state ac_state_t;

typedef struct ac_res {
    ac_state_t *st;
    int8_t type;
    char *name;       /* resource name */
    char *path;       /* the entity node */
    char *entity;     /* "topics/<t>", "brokers/<id>" */
    ac_op_t *ops;
    int n_ops;
    int tries;
    int16_t err;
    char *msg;
} ac_res_t;

struct ac_state {
    sk_req_t *req;   /* NULL once the connection died */
    sk_broker_t *b;
    int incremental;
    int validate_only;
    ac_res_t *res;
    int n_res;
    int outstanding;
};

static void res_fail(ac_res_t *r, int16_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void res_fail(ac_res_t *r, int16_t err, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    r->err = err;
    free(r->msg);
    r->msg = sk_strdup(buf);
}

/* Kafka's ConfigResource.toString, which its messages quote. */
static void res_label(const ac_res_t *r, char *buf, size_t len)
{
    snprintf(buf, len, "ConfigResource(type=%s, name='%s')",
             r->type == SK_CONFIG_RESOURCE_TOPIC ? "TOPIC" : "BROKER", r->name);
}

/* A value the key's parser refuses, in Kafka's words. */
static void res_invalid(ac_res_t *r, const char *value, const char *key, const char *why)
{
    char label[512];
    res_label(r, label, sizeof(label));
    res_fail(r, SK_KERR_INVALID_REQUEST,
             "Invalid config value for resource %s: Invalid value %s for configuration %s: %s",
             label, value, key, why);
}

static void state_free(ac_state_t *st)
{
    for (int i = 0; i < st->n_res; i++) {
        ac_res_t *r = &st->res[i];
        for (int j = 0; j < r->n_ops; j++) {
            free(r->ops[j].name);
            free(r->ops[j].value);
        }
        free(r->ops);
        free(r->name);
        free(r->path);
        free(r->entity);
        free(r->msg);
    }
    free(st->res);
    free(st);
}

/* ---- checking keys and values --------------------------------------- */

static int is_topic(const ac_res_t *r)
{
    return r->type == SK_CONFIG_RESOURCE_TOPIC;
}

/* The broker table's index of key, or for listener.name.<l>.<key> that of
 * <key>; -1 when neither is known. */
static int broker_key_index(const char *key)
{
    char l[128];
    int i = sk_conf_key_index(key);
    return i >= 0 ? i : sk_conf_listener_key(key, l, sizeof(l));
}

static int key_is_list(const ac_res_t *r, const char *key)
{
    const char *type;
    if (is_topic(r))
        type = sk_topic_conf_type(sk_topic_conf_index(key));
    else
        type = sk_conf_key_type(broker_key_index(key));
    return type && strcmp(type, "list") == 0;
}

/* A broker key Kafka refuses, in its words ("Cannot update these configs
 * dynamically: Set(k)" and the like). */
static void res_refuse_key(ac_res_t *r, const char *why, const char *key)
{
    char label[512];
    res_label(r, label, sizeof(label));
    res_fail(r, SK_KERR_INVALID_REQUEST, "Invalid config value for resource %s: %s: Set(%s)",
             label, why, key);
}

/* The checks that need no ZooKeeper: known, changeable keys, known
 * operations, no key twice, APPEND/SUBTRACT only on lists. 0 or -1 (r
 * failed). */
static int check_ops(ac_res_t *r)
{
    for (int i = 0; i < r->n_ops; i++) {
        const ac_op_t *o = &r->ops[i];
        for (int j = 0; j < i; j++)
            if (strcmp(r->ops[j].name, o->name) == 0) {
                res_fail(r, SK_KERR_INVALID_REQUEST, "Error due to duplicate config keys");
                return -1;
            }
        if (o->op < OP_REPLACE || o->op > OP_SUBTRACT) {
            res_fail(r, SK_KERR_INVALID_REQUEST, "Unknown config operation %d for %s", o->op,
                     o->name);
            return -1;
        }
        if (is_topic(r)) {
            if (sk_topic_conf_index(o->name) < 0) {
                res_fail(r, SK_KERR_INVALID_CONFIG, "Unknown topic config name: %s", o->name);
                return -1;
            }
        } else if (sk_dynlistener_is_key(o->name)) {
            /* a listener's key store: one broker's, never the cluster's */
            if (!r->name[0]) {
                res_refuse_key(r, "Cannot update these configs at default cluster level, "
                                  "broker id must be specified", o->name);
                return -1;
            }
        } else if (sk_conf_key_listener_dynamic(sk_conf_key_index(o->name))) {
            res_refuse_key(r, "These security configs can be dynamically updated only "
                              "per-listener using the listener prefix", o->name);
            return -1;
        } else if (!sk_conf_key_dynamic(sk_conf_key_index(o->name))) {
            res_refuse_key(r, "Cannot update these configs dynamically", o->name);
            return -1;
        }
        if ((o->op == OP_APPEND || o->op == OP_SUBTRACT) && !key_is_list(r, o->name)) {
            res_fail(r, SK_KERR_INVALID_CONFIG, "Config value %s is not allowed for config key: %s",
                     o->op == OP_APPEND ? "append" : "subtract", o->name);
            return -1;
        }
        if ((o->op == OP_SET || o->op == OP_APPEND || o->op == OP_SUBTRACT) && !o->value) {
            res_invalid(r, "null", o->name, "a value is needed");
            return -1;
        }
    }
    return 0;
}

/* One value with its key's parser. 0 or -1 (r failed). */
static int check_value(ac_res_t *r, const char *key, const char *value)
{
    char why[512];
    int rc = is_topic(r) ? sk_topic_conf_check(sk_topic_conf_index(key), value, why, sizeof(why))
                         : sk_conf_check_value(broker_key_index(key), value, why, sizeof(why));
    if (rc == SK_OK)
        return 0;
    res_invalid(r, value, key, why);
    return -1;
}

/* ---- the new settings ------------------------------------------------ */

typedef struct kv {
    char **k, **v;
    int n;
} kv_t;

static int kv_find(const kv_t *m, const char *k)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->k[i], k) == 0)
            return i;
    return -1;
}

static void kv_put(kv_t *m, const char *k, const char *v)
{
    int i = kv_find(m, k);
    if (i >= 0) {
        free(m->v[i]);
        m->v[i] = sk_strdup(v);
        return;
    }
    m->k = sk_realloc(m->k, (size_t)(m->n + 1) * sizeof(char *));
    m->v = sk_realloc(m->v, (size_t)(m->n + 1) * sizeof(char *));
    m->k[m->n] = sk_strdup(k);
    m->v[m->n] = sk_strdup(v);
    m->n++;
}

static void kv_del(kv_t *m, const char *k)
{
    int i = kv_find(m, k);
    if (i < 0)
        return;
    free(m->k[i]);
    free(m->v[i]);
    memmove(m->k + i, m->k + i + 1, (size_t)(m->n - i - 1) * sizeof(char *));
    memmove(m->v + i, m->v + i + 1, (size_t)(m->n - i - 1) * sizeof(char *));
    m->n--;
}

static void kv_free(kv_t *m)
{
    for (int i = 0; i < m->n; i++) {
        free(m->k[i]);
        free(m->v[i]);
    }
    free(m->k);
    free(m->v);
}

/* A key's value before an APPEND or SUBTRACT when the node has none: the
 * value in force without it (Kafka starts from the default). */
static void current_default(const ac_res_t *r, const sk_broker_t *b, const char *key, char *buf,
                            size_t len)
{
    buf[0] = '\0';
    if (is_topic(r))
        sk_topic_conf_fallback(b->conf, sk_topic_conf_index(key), buf, len, NULL);
    else
        sk_conf_effective_string(b->conf, broker_key_index(key), buf, len, NULL);
}

/* items of a comma list, trimmed, without empties */
static int list_items(const char *s, char ***out)
{
    int n = 0;
    *out = NULL;
    const char *p = s;
    while (*p) {
        size_t l = strcspn(p, ",");
        const char *a = p, *e = p + l;
        while (a < e && (*a == ' ' || *a == '\t'))
            a++;
        while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > a) {
            *out = sk_realloc(*out, (size_t)(n + 1) * sizeof(char *));
            (*out)[n++] = sk_strndup(a, (size_t)(e - a));
        }
        p += l;
        if (*p == ',')
            p++;
    }
    return n;
}

static char *list_edit(const char *cur, const char *arg, int append)
{
    char **have, **give;
    int nh = list_items(cur, &have), ng = list_items(arg, &give);
    size_t cap = strlen(cur) + strlen(arg) + 2;
    char *out = sk_calloc(1, cap);
    int first = 1;
    for (int i = 0; i < nh; i++) {
        int drop = 0;
        for (int j = 0; !append && j < ng; j++)
            drop |= strcmp(have[i], give[j]) == 0;
        for (int j = 0; j < i; j++)
            drop |= strcmp(have[i], have[j]) == 0;
        if (!drop) {
            strcat(out, first ? "" : ",");
            strcat(out, have[i]);
            first = 0;
        }
    }
    for (int j = 0; append && j < ng; j++) {
        int dup = 0;
        for (int i = 0; i < nh; i++)
            dup |= strcmp(have[i], give[j]) == 0;
        for (int i = 0; i < j; i++)
            dup |= strcmp(give[i], give[j]) == 0;
        if (!dup) {
            strcat(out, first ? "" : ",");
            strcat(out, give[j]);
            first = 0;
        }
    }
    for (int i = 0; i < nh; i++)
        free(have[i]);
    for (int j = 0; j < ng; j++)
        free(give[j]);
    free(have);
    free(give);
    return out;
}

/* The node's settings after the request, checked. 0, or -1 (r failed). */
static int merge(ac_res_t *r, const sk_broker_t *b, const sk_znode_config_t *cur, kv_t *out)
{
    memset(out, 0, sizeof(*out));
    /* AlterConfigs: the request is the whole new configuration;
     * IncrementalAlterConfigs: operations on the current one */
    for (int i = 0; r->st->incremental && cur && i < cur->n; i++)
        kv_put(out, cur->keys[i], cur->values[i]);
    for (int i = 0; i < r->n_ops; i++) {
        const ac_op_t *o = &r->ops[i];
        switch (o->op) {
        case OP_REPLACE:
            if (o->value)
                kv_put(out, o->name, o->value);
            break;
        case OP_SET:
            kv_put(out, o->name, o->value);
            break;
        case OP_DELETE:
            kv_del(out, o->name);
            break;
        case OP_APPEND:
        case OP_SUBTRACT: {
            char dflt[1024];
            int at = kv_find(out, o->name);
            if (at < 0)
                current_default(r, b, o->name, dflt, sizeof(dflt));
            char *v = list_edit(at >= 0 ? out->v[at] : dflt, o->value, o->op == OP_APPEND);
            kv_put(out, o->name, v);
            free(v);
            break;
        }
        }
    }
    for (int i = 0; i < out->n; i++) {
        /* a key the node held that this request did not name was checked
         * when it was written, but Kafka's tools may have written anything */
        int named = 0;
        for (int j = 0; j < r->n_ops; j++)
            named |= strcmp(r->ops[j].name, out->k[i]) == 0;
        if (!named)
            continue;
        if (check_value(r, out->k[i], out->v[i]) != 0) {
            kv_free(out);
            return -1;
        }
    }
    return 0;
}

/* ---- listener key stores (KIP-226) --------------------------------- */

static int names_listener_key(const ac_res_t *r)
{
    for (int i = 0; i < r->n_ops; i++)
        if (sk_dynlistener_is_key(r->ops[i].name))
            return 1;
    return 0;
}

static int named(const ac_res_t *r, const char *key)
{
    for (int i = 0; i < r->n_ops; i++)
        if (strcmp(r->ops[i].name, key) == 0)
            return 1;
    return 0;
}

/* Every listener whose key store the request changes must be able to serve
 * with the new settings: each is loaded, and its certificate compared with
 * the one in use (tls.h), before anything is written. The values carried
 * over from the node are stored (passwords encoded); the request's are
 * clear. 0, or -1 (r failed, with Kafka's message; the reason logged). */
static int check_listener_keystores(ac_res_t *r, const sk_broker_t *b, const kv_t *next)
{
    const sk_conf_t *conf = b->conf;
    kv_t carried = {0};
    for (int i = 0; i < next->n; i++)
        if (!named(r, next->k[i]))
            kv_put(&carried, next->k[i], next->v[i]);
    sk_dynlistener_keys_t dyn;
    sk_dynlistener_pick(conf->password_encoder_secret, (const char *const *)carried.k,
                        (const char *const *)carried.v, carried.n, &dyn);
    kv_free(&carried);
    kv_t all = {0};
    for (int i = 0; i < dyn.n; i++)
        kv_put(&all, dyn.keys[i], dyn.values[i]);
    sk_dynlistener_keys_free(&dyn);
    for (int i = 0; i < next->n; i++)
        if (named(r, next->k[i]) && sk_dynlistener_is_key(next->k[i]))
            kv_put(&all, next->k[i], next->v[i]);
    int rc = 0;
    for (int i = 0; rc == 0 && i < r->n_ops; i++) {
        char l[128], err[1024];
        if (!sk_dynlistener_is_key(r->ops[i].name) ||
            sk_conf_listener_key(r->ops[i].name, l, sizeof(l)) < 0)
            continue;
        sk_conf_t view;
        sk_conf_listener_ssl_with(conf, l, (const char *const *)all.k,
                                  (const char *const *)all.v, all.n, &view);
        if (sk_tls_check_keystore(sk_tls_process(), l, &view, err, sizeof(err)) != SK_OK) {
            char label[512];
            res_label(r, label, sizeof(label));
            sk_info("config", "%s: new key store of listener %s refused: %s", r->entity, l, err);
            res_fail(r, SK_KERR_INVALID_REQUEST,
                     "Invalid config value for resource %s: Invalid dynamic configuration", label);
            rc = -1;
        }
        sk_conf_free(&view);
    }
    for (int i = 0; i < all.n; i++)
        memset(all.v[i], 0, strlen(all.v[i]));
    kv_free(&all);
    return rc;
}

/* The passwords this request sets, encoded with password.encoder.secret
 * as Kafka stores them (never in clear); refused without the secret, with
 * Kafka's message. 0 or -1 (r failed). */
static int encode_passwords(ac_res_t *r, const sk_broker_t *b, kv_t *next)
{
    for (int i = 0; i < next->n; i++) {
        if (!named(r, next->k[i]) || !sk_dynlistener_is_password(next->k[i]))
            continue;
        char *enc = NULL, err[256];
        if (sk_pwenc_encode(b->conf->password_encoder_secret, next->v[i], &enc, err,
                            sizeof(err)) != SK_OK) {
            char label[512];
            res_label(r, label, sizeof(label));
            res_fail(r, SK_KERR_INVALID_REQUEST, "Invalid config value for resource %s: %s",
                     label, err);
            return -1;
        }
        memset(next->v[i], 0, strlen(next->v[i]));
        free(next->v[i]);
        next->v[i] = enc;
    }
    return 0;
}

/* ---- ZooKeeper ------------------------------------------------------- */

static void res_done(ac_res_t *r);
static void read_entity(ac_res_t *r);

static void write_cb(int rc, const int *op_rcs, int n, void *arg)
{
    (void)op_rcs;
    (void)n;
    ac_res_t *r = arg;
    if (rc == ZOK) {
        sk_info("config", "%s: configuration written (%s)", r->entity,
                r->st->incremental ? "IncrementalAlterConfigs" : "AlterConfigs");
    } else if ((rc == ZBADVERSION || rc == ZNODEEXISTS || rc == ZNONODE) &&
               ++r->tries < MAX_TRIES && !r->st->b->stopping) {
        read_entity(r); /* changed meanwhile: again from the read */
        return;
    } else {
        res_fail(r, SK_KERR_UNKNOWN_SERVER_ERROR, "writing %s failed: %s", r->path, zerror(rc));
    }
    res_done(r);
}

static void entity_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    ac_res_t *r = arg;
    if (rc != ZOK && rc != ZNONODE) {
        res_fail(r, SK_KERR_UNKNOWN_SERVER_ERROR, "reading %s failed: %s", r->path, zerror(rc));
        res_done(r);
        return;
    }
    sk_znode_config_t cur = {0};
    char err[256];
    if (rc == ZOK && sk_znode_config_decode(data, data && len > 0 ? (size_t)len : 0, &cur, err,
                                            sizeof(err)) != SK_OK) {
        /* another tool wrote something unreadable: this request replaces it */
        sk_warn("config", "%s: unreadable (%s); replaced by the request", r->path, err);
        memset(&cur, 0, sizeof(cur));
    }
    kv_t next;
    int ok = merge(r, r->st->b, &cur, &next) == 0;
    sk_znode_config_clear(&cur);
    if (ok && !is_topic(r) && names_listener_key(r) &&
        (check_listener_keystores(r, r->st->b, &next) != 0 ||
         (!r->st->validate_only && encode_passwords(r, r->st->b, &next) != 0))) {
        kv_free(&next);
        ok = 0;
    }
    if (!ok || r->st->validate_only) {
        if (ok)
            kv_free(&next);
        res_done(r);
        return;
    }
    char *json = sk_znode_config_encode((const char *const *)next.k, (const char *const *)next.v,
                                        next.n);
    kv_free(&next);
    const char *slash = strchr(r->entity, '/');
    char *type = sk_strndup(r->entity, (size_t)(slash - r->entity));
    char *note = sk_znode_config_change_encode(type, slash + 1);
    free(type);
    sk_zk_multi_t *m = sk_zk_multi_new();
    if (rc == ZOK)
        sk_zk_multi_set(m, r->path, json, (int)strlen(json), stat ? stat->version : -1);
    else
        sk_zk_multi_create(m, r->path, json, (int)strlen(json), 0);
    sk_zk_multi_create(m, SK_ZNODE_CONFIG_CHANGES "/" SK_ZNODE_CONFIG_CHANGE_PREFIX, note,
                       (int)strlen(note), ZOO_SEQUENCE);
    free(json);
    free(note);
    sk_zk_multi_run(r->st->b->zk, m, write_cb, r);
}

static void read_entity(ac_res_t *r)
{
    sk_zk_get(r->st->b->zk, r->path, NULL, NULL, entity_cb, r);
}

static void topic_exists_cb(int rc, const char *data, int len, const struct Stat *stat,
                            void *arg)
{
    (void)data;
    (void)len;
    (void)stat;
    ac_res_t *r = arg;
    if (rc == ZNONODE) {
        res_fail(r, SK_KERR_UNKNOWN_TOPIC_OR_PARTITION, "Topic %s does not exist.", r->name);
        res_done(r);
    } else if (rc != ZOK) {
        res_fail(r, SK_KERR_UNKNOWN_SERVER_ERROR, "reading topic %s failed: %s", r->name,
                 zerror(rc));
        res_done(r);
    } else {
        read_entity(r);
    }
}

/* ---- the answer ------------------------------------------------------ */

/* AlterConfigs' and IncrementalAlterConfigs' answers have the same fields in
 * two generated types: one body fills either. */
#define AC_FILL_RESPONSES(resp, init_response)                                            \
    do {                                                                                  \
        (resp).Responses = sk_arena_calloc(a, (size_t)st->n_res + 1,                      \
                                           sizeof(*(resp).Responses));                    \
        (resp).ResponsesCnt = st->n_res;                                                  \
        for (int i = 0; i < st->n_res; i++) {                                             \
            init_response(&(resp).Responses[i]);                                          \
            (resp).Responses[i].ErrorCode = st->res[i].err;                               \
            (resp).Responses[i].ErrorMessage =                                            \
                st->res[i].msg ? sk_str_c(sk_arena_strdup(a, st->res[i].msg)) : SK_STR_NULL; \
            (resp).Responses[i].ResourceType = st->res[i].type;                           \
            (resp).Responses[i].ResourceName = sk_str_c(sk_arena_strdup(a, st->res[i].name)); \
        }                                                                                 \
    } while (0)

static int respond(ac_state_t *st)
{
    sk_arena_t *a = st->req->arena;
    if (st->incremental) {
        sk_incrementalalterconfigs_resp_t resp;
        sk_incrementalalterconfigs_resp_init(&resp);
        AC_FILL_RESPONSES(resp, sk_incrementalalterconfigs_resp_response_init);
        return sk_req_respond(st->req, &resp);
    }
    sk_alterconfigs_resp_t resp;
    sk_alterconfigs_resp_init(&resp);
    AC_FILL_RESPONSES(resp, sk_alterconfigs_resp_response_init);
    return sk_req_respond(st->req, &resp);
}

static void res_done(ac_res_t *r)
{
    ac_state_t *st = r->st;
    if (r->err != SK_KERR_NONE)
        sk_info("config", "%s %s refused: %s", st->incremental ? "IncrementalAlterConfigs"
                                                                : "AlterConfigs",
                r->entity ? r->entity : r->name, r->msg ? r->msg : "");
    if (--st->outstanding > 0)
        return;
    if (st->req) {
        sk_req_t *req = st->req;
        req->handler_state = NULL;
        req->handler_free = NULL;
        respond(st);
        sk_req_complete(req);
    }
    state_free(st);
}

static void ac_free(sk_req_t *req)
{
    ac_state_t *st = req->handler_state;
    req->handler_state = NULL;
    if (st)
        st->req = NULL; /* the reads and writes still out finish without answering */
}

/* ---- start ----------------------------------------------------------- */

static void res_start(ac_res_t *r)
{
    ac_state_t *st = r->st;
    sk_broker_t *b = st->b;
    sk_req_t *req = st->req;
    char idbuf[16];
    snprintf(idbuf, sizeof(idbuf), "%d", b->id);
    if (r->type == SK_CONFIG_RESOURCE_TOPIC) {
        if (!sk_authz_len(b, req, SK_ACL_OP_ALTER_CONFIGS, SK_ACL_RES_TOPIC, r->name,
                          (int32_t)strlen(r->name))) {
            res_fail(r, SK_KERR_TOPIC_AUTHORIZATION_FAILED,
                     "Authorization failed: AlterConfigs on the topic is needed");
            return;
        }
        char why[256];
        if (sk_topic_name_valid(r->name, why, sizeof(why)) != SK_OK) {
            res_fail(r, SK_KERR_INVALID_TOPIC_EXCEPTION, "%s", why);
            return;
        }
        r->entity = sk_asprintf("topics/%s", r->name);
    } else if (r->type == SK_CONFIG_RESOURCE_BROKER) {
        if (!sk_authz_cluster(b, req, SK_ACL_OP_ALTER_CONFIGS)) {
            res_fail(r, SK_KERR_CLUSTER_AUTHORIZATION_FAILED,
                     "Authorization failed: AlterConfigs on the cluster is needed");
            return;
        }
        if (r->name[0] && strcmp(r->name, idbuf) != 0) {
            res_fail(r, SK_KERR_INVALID_REQUEST,
                     "Unexpected broker id, expected %d, but received %s", b->id, r->name);
            return;
        }
        r->entity = sk_asprintf("brokers/%s", r->name[0] ? r->name : "<default>");
    } else {
        res_fail(r, SK_KERR_INVALID_REQUEST,
                 "AlterConfigs is only supported for topics and brokers, but resource type is "
                 "%d",
                 r->type);
        return;
    }
    r->path = sk_asprintf("/config/%s", r->entity);
    if (check_ops(r) != 0)
        return;
    if (!st->incremental)
        for (int i = 0; i < r->n_ops; i++)
            if (r->ops[i].value && check_value(r, r->ops[i].name, r->ops[i].value) != 0)
                return;
    st->outstanding++;
    if (r->type == SK_CONFIG_RESOURCE_TOPIC &&
        !sk_topics_find(b->topics, r->name, (int32_t)strlen(r->name))) {
        /* not in this broker's view yet: ZooKeeper says whether it exists */
        char *tp = sk_znode_topic_path(r->name);
        sk_zk_exists(b->zk, tp, NULL, NULL, topic_exists_cb, r);
        free(tp);
    } else {
        read_entity(r);
    }
}

static int run(ac_state_t *st)
{
    sk_req_t *req = st->req;
    req->handler_state = st;
    req->handler_free = ac_free;
    st->outstanding = 1; /* held until every resource has started */
    for (int i = 0; i < st->n_res; i++)
        res_start(&st->res[i]);
    if (--st->outstanding > 0)
        return SK_REQ_PENDING;
    req->handler_state = NULL;
    req->handler_free = NULL;
    int rc = respond(st);
    state_free(st);
    return rc;
}

static char *opt_dup(sk_str_t s)
{
    return s.p && s.len >= 0 ? sk_str_dup(s) : NULL;
}

/* The two requests carry the same resources in two generated types; OP is
 * the operation of config j of resource x. */
#define AC_TAKE_RESOURCES(st, in, OP)                                                     \
    do {                                                                                  \
        (st)->validate_only = (in).ValidateOnly;                                          \
        (st)->n_res = (in).ResourcesCnt > 0 ? (in).ResourcesCnt : 0;                      \
        (st)->res = sk_calloc((size_t)(st)->n_res + 1, sizeof(*(st)->res));               \
        for (int i = 0; i < (st)->n_res; i++) {                                           \
            ac_res_t *r = &(st)->res[i];                                                  \
            r->st = (st);                                                                 \
            r->type = (in).Resources[i].ResourceType;                                     \
            r->name = sk_str_dup((in).Resources[i].ResourceName);                         \
            r->n_ops = (in).Resources[i].ConfigsCnt > 0 ? (in).Resources[i].ConfigsCnt : 0; \
            r->ops = sk_calloc((size_t)r->n_ops + 1, sizeof(*r->ops));                    \
            for (int j = 0; j < r->n_ops; j++) {                                          \
                r->ops[j].name = sk_str_dup((in).Resources[i].Configs[j].Name);           \
                r->ops[j].value = opt_dup((in).Resources[i].Configs[j].Value);            \
                r->ops[j].op = (OP);                                                      \
            }                                                                             \
        }                                                                                 \
    } while (0)

int sk_api_alterconfigs(sk_broker_t *b, sk_req_t *req, sk_rd_t *rd)
{
    sk_alterconfigs_req_t in;
    if (sk_alterconfigs_req_decode(rd, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    ac_state_t *st = sk_calloc(1, sizeof(*st));
    st->req = req;
    st->b = b;
    AC_TAKE_RESOURCES(st, in, OP_REPLACE);
    return run(st);
}

int sk_api_incrementalalterconfigs(sk_broker_t *b, sk_req_t *req, sk_rd_t *rd)
{
    sk_incrementalalterconfigs_req_t in;
    if (sk_incrementalalterconfigs_req_decode(rd, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    ac_state_t *st = sk_calloc(1, sizeof(*st));
    st->req = req;
    st->b = b;
    st->incremental = 1;
    AC_TAKE_RESOURCES(st, in, in.Resources[i].Configs[j].ConfigOperation);
    return run(st);
}
