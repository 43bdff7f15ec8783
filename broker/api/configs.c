/* configs.c - DescribeConfigs (key 32), versions 0-4.
 *
 * Topic resources: every topic-level key Kafka lists (the described keys of
 * the topic key table, topic_conf.h, in its order), with the topic's
 * override from /config/topics/<t> (read from ZooKeeper for each request, so
 * any broker answers for any topic, as Kafka's ZooKeeper mode does) or else
 * the broker setting it falls back to. Broker resources: this broker's id
 * lists every key with the value in force and its source (dynamic for this
 * broker, dynamic cluster default, the file, the default: meta/cfgchange.h
 * keeps /config/brokers current); keys not marked dynamic in conf.c are
 * read-only; then the listener overrides (listener.name.<l>.ssl.*), this
 * broker's dynamic key stores first, passwords as sensitive nulls. "" (the
 * cluster default) lists /config/brokers/<default>.
 *
 * Per version, as Kafka: v0 says IsDefault, v1+ ConfigSource and, when
 * asked (IncludeSynonyms), the synonyms; v3+ every config's ConfigType and,
 * when asked (IncludeDocumentation), its documentation (else null); v4 is
 * flexible.
 * @locality loop
 */
#include "api/api.h"
#include "meta/cfgchange.h"

#include "kerr.h"
#include "proto_describeconfigs.h"
#include "topic_conf.h"
#include "znode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dc_state {
    sk_req_t *req;            /* NULL once the connection died */
    sk_broker_t *b;
    sk_describeconfigs_req_t in;
    sk_describeconfigs_resp_t resp;
    int outstanding;          /* ZooKeeper reads in flight */
} dc_state_t;

typedef struct dc_read {
    dc_state_t *st;
    int index;                /* resource index */
} dc_read_t;

/* Is name requested (null key list = all)? */
static int wanted(const sk_describeconfigs_resource_t *res, const char *name)
{
    if (res->ConfigurationKeysCnt < 0)
        return 1;
    for (int32_t i = 0; i < res->ConfigurationKeysCnt; i++)
        if (sk_str_eq(res->ConfigurationKeys[i], name))
            return 1;
    return 0;
}

static sk_str_t arena_str(sk_arena_t *a, const char *s)
{
    return sk_str_c(sk_arena_strdup(a, s));
}

/* Kafka's ConfigType of a key from its type as the docs name it; enums are
 * strings with a validator in Kafka, secrets are passwords. */
static int8_t config_type(const char *type, int sensitive)
{
    static const struct {
        const char *name;
        int8_t id;
    } types[] = {
        {"boolean", SK_CONFIG_TYPE_BOOLEAN}, {"string", SK_CONFIG_TYPE_STRING},
        {"enum", SK_CONFIG_TYPE_STRING},     {"int", SK_CONFIG_TYPE_INT},
        {"long", SK_CONFIG_TYPE_LONG},       {"double", SK_CONFIG_TYPE_DOUBLE},
        {"list", SK_CONFIG_TYPE_LIST},
    };
    if (sensitive)
        return SK_CONFIG_TYPE_PASSWORD;
    for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(types[i].name, type) == 0)
            return types[i].id;
    return SK_CONFIG_TYPE_UNKNOWN;
}

/* The fields that depend on the version: IsDefault exists at v0 only
 * (ConfigSource says the same from v1), the type and documentation from
 * v3. */
static void fill_common(dc_state_t *st, sk_describeconfigs_config_t *c, int8_t source,
                        const char *type, const char *doc)
{
    int16_t v = st->req->api_version;
    c->ConfigSource = source;
    c->IsDefault = v == 0 && source == SK_CONFIG_SOURCE_DEFAULT;
    if (v >= 3) {
        c->ConfigType = config_type(type, c->IsSensitive);
        c->Documentation = st->in.IncludeDocumentation && doc
                               ? sk_str_c(doc) : SK_STR_NULL;
    }
}

/* Kafka's ConfigSource of broker key i as this broker has it. */
static int8_t broker_source(const sk_conf_t *conf, int i)
{
    switch (conf->source[i]) {
    case SK_CONF_SRC_DYNAMIC_BROKER:
        return SK_CONFIG_SOURCE_DYNAMIC_BROKER;
    case SK_CONF_SRC_DYNAMIC_DEFAULT:
        return SK_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER;
    case SK_CONF_SRC_DEFAULT:
        return SK_CONFIG_SOURCE_DEFAULT;
    default:
        return SK_CONFIG_SOURCE_STATIC_BROKER;
    }
}

static void add_synonym(dc_state_t *st, sk_describeconfigs_config_t *c, const char *name,
                        const char *value, int8_t source)
{
    sk_describeconfigs_synonym_t *s = &c->Synonyms[c->SynonymsCnt++];
    s->Name = arena_str(st->req->arena, name);
    s->Value = value ? arena_str(st->req->arena, value) : SK_STR_NULL;
    s->Source = source;
}

/* The synonyms of broker key i, most precedent first as Kafka lists them:
 * this broker's dynamic value, the cluster's dynamic default, the file's
 * value, the default. c->Synonyms has room for 4 more. */
static void broker_synonyms(dc_state_t *st, sk_describeconfigs_config_t *c, int i)
{
    sk_broker_t *b = st->b;
    const sk_conf_t *conf = b->conf;
    const char *name = sk_conf_key_name(i);
    int secret = sk_conf_key_sensitive(i);
    char id[16];
    snprintf(id, sizeof(id), "%d", b->id);
    const char *v = sk_znode_config_get(sk_cfgchange_get(b, "brokers", id), name);
    if (v)
        add_synonym(st, c, name, secret ? NULL : v, SK_CONFIG_SOURCE_DYNAMIC_BROKER);
    v = sk_znode_config_get(sk_cfgchange_get(b, "brokers", "<default>"), name);
    if (v)
        add_synonym(st, c, name, secret ? NULL : v, SK_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER);
    int dyn = conf->source[i] == SK_CONF_SRC_DYNAMIC_BROKER ||
              conf->source[i] == SK_CONF_SRC_DYNAMIC_DEFAULT;
    char val[1024];
    int set = 0;
    if (dyn && conf->static_value[i]) {
        snprintf(val, sizeof(val), "%s", conf->static_value[i]);
        set = conf->static_source[i] != SK_CONF_SRC_DEFAULT;
    } else {
        sk_conf_effective_string(conf, i, val, sizeof(val), &set);
    }
    if (set)
        add_synonym(st, c, name, secret ? NULL : val, SK_CONFIG_SOURCE_STATIC_BROKER);
    const char *d = sk_conf_key_default(i);
    if (d) /* a derived key's default is what it derives (val when unset) */
        add_synonym(st, c, name, secret ? NULL : d, SK_CONFIG_SOURCE_DEFAULT);
    else if (!set)
        add_synonym(st, c, name, secret ? NULL : val, SK_CONFIG_SOURCE_DEFAULT);
}

static void fill_topic(dc_state_t *st, int index, const sk_znode_config_t *over)
{
    sk_arena_t *a = st->req->arena;
    const sk_describeconfigs_resource_t *res = &st->in.Resources[index];
    sk_describeconfigs_result_t *out = &st->resp.Results[index];
    int syn = st->in.IncludeSynonyms;
    int n = sk_topic_conf_count();
    out->Configs = sk_arena_calloc(a, (size_t)n + 1, sizeof(*out->Configs));
    out->ConfigsCnt = 0;
    for (int k = 0; k < n; k++) {
        const char *name = sk_topic_conf_name(k);
        const char *broker_key = sk_topic_conf_broker_key(k);
        if (!sk_topic_conf_described(k) || !wanted(res, name))
            continue;
        const char *ov = NULL;
        for (int i = 0; over && i < over->n; i++)
            if (strcmp(over->keys[i], name) == 0)
                ov = over->values[i];
        char bval[256] = "";
        int bset = 0;
        sk_topic_conf_fallback(st->b->conf, k, bval, sizeof(bval), &bset);
        int bki = broker_key ? sk_conf_key_index(broker_key) : -1;
        int8_t bsrc = bki >= 0 ? broker_source(st->b->conf, bki)
                               : bset ? SK_CONFIG_SOURCE_STATIC_BROKER : SK_CONFIG_SOURCE_DEFAULT;
        if (bsrc == SK_CONFIG_SOURCE_DEFAULT && bset) /* derived from a key the file set */
            bsrc = SK_CONFIG_SOURCE_STATIC_BROKER;

        sk_describeconfigs_config_t *c = &out->Configs[out->ConfigsCnt++];
        sk_describeconfigs_resp_config_init(c);
        c->Name = sk_str_c(name);
        c->Value = arena_str(a, ov ? ov : bval);
        c->ReadOnly = 0;
        c->IsSensitive = 0;
        fill_common(st, c, ov ? SK_CONFIG_SOURCE_TOPIC : bsrc, sk_topic_conf_type(k),
                    sk_topic_conf_doc(k));
        c->Synonyms = sk_arena_calloc(a, 6, sizeof(*c->Synonyms));
        c->SynonymsCnt = 0;
        if (syn) {
            if (ov)
                add_synonym(st, c, name, ov, SK_CONFIG_SOURCE_TOPIC);
            if (bki >= 0)
                broker_synonyms(st, c, bki);
            else if (broker_key)
                add_synonym(st, c, broker_key, bval, bsrc);
        }
    }
}

/* The cluster default (resource name ""): the settings of
 * /config/brokers/<default>, as Kafka lists them. */
static void fill_broker_default(dc_state_t *st, int index)
{
    sk_arena_t *a = st->req->arena;
    const sk_describeconfigs_resource_t *res = &st->in.Resources[index];
    sk_describeconfigs_result_t *out = &st->resp.Results[index];
    const sk_znode_config_t *d = sk_cfgchange_get(st->b, "brokers", "<default>");
    int n = d ? d->n : 0;
    out->Configs = sk_arena_calloc(a, (size_t)n + 1, sizeof(*out->Configs));
    out->ConfigsCnt = 0;
    for (int j = 0; j < n; j++) {
        int i = sk_conf_key_index(d->keys[j]);
        if (i < 0 || !wanted(res, d->keys[j]))
            continue;
        sk_describeconfigs_config_t *c = &out->Configs[out->ConfigsCnt++];
        sk_describeconfigs_resp_config_init(c);
        c->Name = arena_str(a, d->keys[j]);
        c->IsSensitive = sk_conf_key_sensitive(i);
        c->Value = c->IsSensitive ? SK_STR_NULL : arena_str(a, d->values[j]);
        c->ReadOnly = 0;
        fill_common(st, c, SK_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER, sk_conf_key_type(i),
                    sk_conf_key_doc(i));
        c->Synonyms = sk_arena_calloc(a, 1, sizeof(*c->Synonyms));
        c->SynonymsCnt = 0;
        if (st->in.IncludeSynonyms)
            add_synonym(st, c, d->keys[j], c->IsSensitive ? NULL : d->values[j],
                        SK_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER);
    }
}

/* One listener.name.<l>.<ssl key> entry (after the table's keys, as Kafka
 * lists the listener overrides among a broker's configs). */
static void add_listener_key(dc_state_t *st, sk_describeconfigs_result_t *out, const char *name,
                             const char *value, int8_t source)
{
    char l[128];
    int i = sk_conf_listener_key(name, l, sizeof(l));
    for (int j = 0; j < out->ConfigsCnt; j++)
        if (sk_str_eq(out->Configs[j].Name, name))
            return; /* the dynamic value came first */
    sk_arena_t *a = st->req->arena;
    sk_describeconfigs_config_t *c = &out->Configs[out->ConfigsCnt++];
    sk_describeconfigs_resp_config_init(c);
    c->Name = arena_str(a, name);
    c->IsSensitive = sk_conf_key_sensitive(i);
    c->Value = c->IsSensitive ? SK_STR_NULL : arena_str(a, value);
    c->ReadOnly = !sk_conf_key_listener_dynamic(i);
    fill_common(st, c, source, sk_conf_key_type(i), sk_conf_key_doc(i));
    c->Synonyms = sk_arena_calloc(a, 1, sizeof(*c->Synonyms));
    c->SynonymsCnt = 0;
    if (st->in.IncludeSynonyms)
        add_synonym(st, c, name, c->IsSensitive ? NULL : value, source);
}

/* The listener overrides of a broker: this broker's dynamic ones
 * (/config/brokers/<id>), then the file's. */
static void fill_listener_keys(dc_state_t *st, int index)
{
    const sk_describeconfigs_resource_t *res = &st->in.Resources[index];
    sk_describeconfigs_result_t *out = &st->resp.Results[index];
    const sk_conf_t *conf = st->b->conf;
    char id[16], l[128];
    snprintf(id, sizeof(id), "%d", st->b->id);
    const sk_znode_config_t *mine = sk_cfgchange_get(st->b, "brokers", id);
    for (int j = 0; mine && j < mine->n; j++)
        if (sk_conf_listener_key(mine->keys[j], l, sizeof(l)) >= 0 &&
            wanted(res, mine->keys[j]))
            add_listener_key(st, out, mine->keys[j], mine->values[j],
                             SK_CONFIG_SOURCE_DYNAMIC_BROKER);
    for (int j = 0; j < conf->n_listener_ssl; j++) {
        const sk_conf_listener_key_t *e = &conf->listener_ssl[j];
        const char *base = sk_conf_key_name(e->key);
        if (e->mech || !base || strncmp(base, "ssl.", 4) != 0)
            continue;
        char *name = sk_asprintf("listener.name.%s.%s", e->listener, base);
        if (wanted(res, name))
            add_listener_key(st, out, name, e->value, SK_CONFIG_SOURCE_STATIC_BROKER);
        free(name);
    }
}

static void fill_broker(dc_state_t *st, int index)
{
    sk_arena_t *a = st->req->arena;
    const sk_conf_t *conf = st->b->conf;
    const sk_describeconfigs_resource_t *res = &st->in.Resources[index];
    sk_describeconfigs_result_t *out = &st->resp.Results[index];
    int n = sk_conf_key_count();
    char id[16];
    snprintf(id, sizeof(id), "%d", st->b->id);
    const sk_znode_config_t *mine = sk_cfgchange_get(st->b, "brokers", id);
    size_t room = (size_t)n + (size_t)conf->n_listener_ssl + (mine ? (size_t)mine->n : 0) + 1;
    out->Configs = sk_arena_calloc(a, room, sizeof(*out->Configs));
    out->ConfigsCnt = 0;
    for (int i = 0; i < n; i++) {
        const char *name = sk_conf_key_name(i);
        if (!wanted(res, name))
            continue;
        char val[1024];
        if (sk_conf_value_string(conf, i, val, sizeof(val)) != SK_OK)
            continue;
        sk_describeconfigs_config_t *c = &out->Configs[out->ConfigsCnt++];
        sk_describeconfigs_resp_config_init(c);
        c->Name = sk_str_c(name);
        c->Value = arena_str(a, val);
        c->ReadOnly = !sk_conf_key_dynamic(i);
        c->IsSensitive = sk_conf_key_sensitive(i);
        fill_common(st, c, broker_source(conf, i), sk_conf_key_type(i), sk_conf_key_doc(i));
        if (c->IsSensitive) /* a secret: null, as Kafka answers */
            c->Value = (sk_str_t){NULL, -1};
        c->Synonyms = sk_arena_calloc(a, 4, sizeof(*c->Synonyms));
        c->SynonymsCnt = 0;
        if (st->in.IncludeSynonyms)
            broker_synonyms(st, c, i);
    }
    fill_listener_keys(st, index);
}

static void set_error(dc_state_t *st, int index, int16_t err, const char *msg)
{
    sk_describeconfigs_result_t *out = &st->resp.Results[index];
    out->ErrorCode = err;
    out->ErrorMessage = arena_str(st->req->arena, msg);
    out->ConfigsCnt = 0;
}

/* A failure to encode closes the connection (sk_req_respond). */
static int dc_finish(dc_state_t *st)
{
    return sk_req_respond(st->req, &st->resp);
}

static void dc_free(sk_req_t *req)
{
    dc_state_t *st = req->handler_state;
    req->handler_state = NULL;
    if (!st)
        return;
    st->req = NULL;
    if (st->outstanding == 0)
        free(st);
}

static void dc_config_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)stat;
    dc_read_t *rd = arg;
    dc_state_t *st = rd->st;
    int index = rd->index;
    free(rd);
    st->outstanding--;
    if (!st->req) {                      /* the connection went away */
        if (st->outstanding == 0)
            free(st);
        return;
    }
    const sk_describeconfigs_resource_t *res = &st->in.Resources[index];
    if (rc == ZOK || rc == ZNONODE) {
        sk_znode_config_t cfg = {0};
        char err[128];
        if (rc == ZOK && sk_znode_config_decode(data, data ? (size_t)len : 0, &cfg, err,
                                                sizeof(err)) != SK_OK) {
            sk_warn("configs", "topic %.*s: unreadable configuration znode: %s",
                    res->ResourceName.len, res->ResourceName.p, err);
            set_error(st, index, SK_KERR_UNKNOWN_SERVER_ERROR, "unreadable topic configuration");
        } else {
            fill_topic(st, index, &cfg);
        }
        sk_znode_config_clear(&cfg);
    } else {
        set_error(st, index, SK_KERR_UNKNOWN_SERVER_ERROR, "ZooKeeper unavailable");
    }
    if (st->outstanding == 0) {
        sk_req_t *req = st->req;
        dc_finish(st);
        sk_req_complete(req);
    }
}

int sk_api_describeconfigs(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    dc_state_t *st = sk_calloc(1, sizeof(*st));
    st->req = req;
    st->b = b;
    if (sk_describeconfigs_req_decode(r, req->api_version, req->arena, &st->in) != SK_OK) {
        free(st);
        return sk_api_malformed(req);
    }
    int n = st->in.ResourcesCnt;
    sk_describeconfigs_resp_init(&st->resp);
    st->resp.Results = sk_arena_calloc(req->arena, (size_t)n + 1, sizeof(*st->resp.Results));
    st->resp.ResultsCnt = n;
    req->handler_state = st;
    req->handler_free = dc_free;

    char idbuf[16];
    snprintf(idbuf, sizeof(idbuf), "%d", b->id);
    st->outstanding = 1;                  /* held until every read is issued */
    for (int i = 0; i < n; i++) {
        const sk_describeconfigs_resource_t *res = &st->in.Resources[i];
        sk_describeconfigs_result_t *out = &st->resp.Results[i];
        sk_describeconfigs_resp_result_init(out);
        out->ErrorCode = SK_KERR_NONE;
        out->ErrorMessage = SK_STR_NULL;
        out->ResourceType = res->ResourceType;
        out->ResourceName = res->ResourceName;
        out->Configs = NULL;
        out->ConfigsCnt = 0;
        if (res->ResourceType == SK_CONFIG_RESOURCE_TOPIC) {
            if (!sk_authz_len(b, req, SK_ACL_OP_DESCRIBE_CONFIGS, SK_ACL_RES_TOPIC,
                              res->ResourceName.p, res->ResourceName.len)) {
                set_error(st, i, SK_KERR_TOPIC_AUTHORIZATION_FAILED,
                          "Authorization failed: DescribeConfigs on the topic is needed");
                continue;
            }
            if (!sk_topics_find(b->topics, res->ResourceName.p, res->ResourceName.len)) {
                set_error(st, i, SK_KERR_UNKNOWN_TOPIC_OR_PARTITION, "Unknown topic");
                continue;
            }
            char *name = sk_str_dup(res->ResourceName);
            char *path = sk_znode_topic_config_path(name);
            dc_read_t *rd = sk_malloc(sizeof(*rd));
            rd->st = st;
            rd->index = i;
            st->outstanding++;
            sk_zk_get(b->zk, path, NULL, NULL, dc_config_cb, rd);
            free(path);
            free(name);
        } else if (res->ResourceType == SK_CONFIG_RESOURCE_BROKER) {
            if (!sk_authz_cluster(b, req, SK_ACL_OP_DESCRIBE_CONFIGS)) {
                set_error(st, i, SK_KERR_CLUSTER_AUTHORIZATION_FAILED,
                          "Authorization failed: DescribeConfigs on the cluster is needed");
                continue;
            }
            if (res->ResourceName.len > 0 && !sk_str_eq(res->ResourceName, idbuf)) {
                set_error(st, i, SK_KERR_INVALID_REQUEST,
                          "Unexpected broker id: DescribeConfigs for a broker resource must be "
                          "sent to that broker");
                continue;
            }
            if (res->ResourceName.len > 0)
                fill_broker(st, i);
            else
                fill_broker_default(st, i);
        } else {
            set_error(st, i, SK_KERR_INVALID_REQUEST, "Unsupported resource type");
        }
    }
    if (--st->outstanding > 0)
        return SK_REQ_PENDING;
    int rc = dc_finish(st);
    req->handler_state = NULL;
    req->handler_free = NULL;
    free(st);
    return rc;
}
