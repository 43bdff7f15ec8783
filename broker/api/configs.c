/* api_configs.c - DescribeConfigs (key 32), versions 0-4.
 *
 * Topic resources: every topic-level key Kafka lists (the described keys of
 * the topic key table, topic_conf.h, in its order), with the topic's
 * override from /config/topics/<t> (read from ZooKeeper for each request, so
 * any broker answers for any topic, as Kafka's ZooKeeper mode does) or else
 * the broker setting it falls back to. Broker resources (this broker's id, or
 * "" for the cluster default): every key of the static configuration; they
 * are read-only since Skein has no dynamic broker configs.
 *
 * Per version, as Kafka: v0 says IsDefault, v1+ ConfigSource and, when
 * asked (IncludeSynonyms), the synonyms; v3+ every config's ConfigType and,
 * when asked (IncludeDocumentation), its documentation (else null); v4 is
 * flexible.
 * @locality loop
 */
#include "api/api.h"

#include "kerr.h"
#include "proto_describeconfigs.h"
#include "topic_conf.h"
#include "znode.h"

#include <stdio.h>

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
        int8_t bsrc = bset ? SK_CONFIG_SOURCE_STATIC_BROKER : SK_CONFIG_SOURCE_DEFAULT;

        sk_describeconfigs_config_t *c = &out->Configs[out->ConfigsCnt++];
        sk_describeconfigs_resp_config_init(c);
        c->Name = sk_str_c(name);
        c->Value = arena_str(a, ov ? ov : bval);
        c->ReadOnly = 0;
        c->IsSensitive = 0;
        fill_common(st, c, ov ? SK_CONFIG_SOURCE_TOPIC : bsrc, sk_topic_conf_type(k),
                    sk_topic_conf_doc(k));
        c->Synonyms = sk_arena_calloc(a, 2, sizeof(*c->Synonyms));
        c->SynonymsCnt = 0;
        if (syn) {
            if (ov) {
                sk_describeconfigs_synonym_t *s = &c->Synonyms[c->SynonymsCnt++];
                s->Name = sk_str_c(name);
                s->Value = c->Value;
                s->Source = SK_CONFIG_SOURCE_TOPIC;
            }
            if (broker_key) {
                sk_describeconfigs_synonym_t *s = &c->Synonyms[c->SynonymsCnt++];
                s->Name = sk_str_c(broker_key);
                s->Value = arena_str(a, bval);
                s->Source = bsrc;
            }
        }
    }
}

static void fill_broker(dc_state_t *st, int index)
{
    sk_arena_t *a = st->req->arena;
    const sk_conf_t *conf = st->b->conf;
    const sk_describeconfigs_resource_t *res = &st->in.Resources[index];
    sk_describeconfigs_result_t *out = &st->resp.Results[index];
    int n = sk_conf_key_count();
    out->Configs = sk_arena_calloc(a, (size_t)n + 1, sizeof(*out->Configs));
    out->ConfigsCnt = 0;
    for (int i = 0; i < n; i++) {
        const char *name = sk_conf_key_name(i);
        if (!wanted(res, name))
            continue;
        char val[1024];
        if (sk_conf_value_string(conf, i, val, sizeof(val)) != SK_OK)
            continue;
        int set = conf->source[i] != SK_CONF_SRC_DEFAULT;
        sk_describeconfigs_config_t *c = &out->Configs[out->ConfigsCnt++];
        sk_describeconfigs_resp_config_init(c);
        c->Name = sk_str_c(name);
        c->Value = arena_str(a, val);
        c->ReadOnly = 1;
        c->IsSensitive = sk_conf_key_sensitive(i);
        fill_common(st, c, set ? SK_CONFIG_SOURCE_STATIC_BROKER : SK_CONFIG_SOURCE_DEFAULT,
                    sk_conf_key_type(i), sk_conf_key_doc(i));
        if (c->IsSensitive) /* a secret: null, as Kafka answers */
            c->Value = (sk_str_t){NULL, -1};
        c->Synonyms = sk_arena_calloc(a, 1, sizeof(*c->Synonyms));
        c->SynonymsCnt = 0;
        if (st->in.IncludeSynonyms) {
            c->Synonyms[0].Name = c->Name;
            c->Synonyms[0].Value = c->Value;
            c->Synonyms[0].Source = c->ConfigSource;
            c->SynonymsCnt = 1;
        }
    }
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
            fill_broker(st, i);
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
