/* rdk_util.c - librdkafka helpers for the tools (see rdk_util.h). */
#include "rdk_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kerr.h"
#include "mem.h"
#include "props.h"

volatile sig_atomic_t sk_rdk_stop;

/* Java client settings that have no librdkafka counterpart and no effect on
 * bytes (the tools handle keys and values as bytes). */
static int java_only_key(const char *key)
{
    static const char *const keys[] = {"key.serializer", "value.serializer", "key.deserializer",
                                       "value.deserializer"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(key, keys[i]) == 0)
            return 1;
    return 0;
}

int sk_rdk_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, char *err,
                    size_t errlen)
{
    if (java_only_key(key)) {
        fprintf(stderr, "WARN: ignoring %s (a Java client setting; keys and values are bytes "
                        "here)\n", key);
        return SK_OK;
    }
    char e[512];
    if (rd_kafka_conf_set(conf, key, value, e, sizeof(e)) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "client property %s=%s: %s", key, value, e);
        return SK_EINVAL;
    }
    return SK_OK;
}

rd_kafka_conf_t *sk_rdk_conf_new(const char *bootstrap, const char *client_id,
                                 const sk_kvlist_t *defaults, const char *config_file,
                                 const sk_kvlist_t *props, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    sk_props_t fp;
    sk_props_init(&fp);
    int ok = 0;
    if (client_id && sk_rdk_conf_set(conf, "client.id", client_id, err, errlen) != SK_OK)
        goto out;
    if (defaults)
        for (int i = 0; i < defaults->n; i++)
            if (sk_rdk_conf_set(conf, defaults->keys[i], defaults->values[i], err, errlen) !=
                SK_OK)
                goto out;
    if (config_file) {
        char e[512];
        if (sk_props_parse_file(&fp, config_file, e, sizeof(e)) != SK_OK) {
            snprintf(err, errlen, "%s", e);
            goto out;
        }
        for (int i = 0; i < fp.n; i++) {
            if (sk_rdk_conf_set(conf, fp.v[i].key, fp.v[i].value, err, errlen) != SK_OK) {
                size_t l = strlen(err);
                snprintf(err + l, errlen - l, " (%s:%d)", config_file, fp.v[i].line);
                goto out;
            }
        }
    }
    if (props)
        for (int i = 0; i < props->n; i++)
            if (sk_rdk_conf_set(conf, props->keys[i], props->values[i], err, errlen) != SK_OK)
                goto out;
    /* the command line's server list wins over a file's */
    if (bootstrap && sk_rdk_conf_set(conf, "bootstrap.servers", bootstrap, err, errlen) != SK_OK)
        goto out;
    ok = 1;
out:
    sk_props_free(&fp);
    if (!ok) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

static int id_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int sk_rdk_topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms, int32_t **ids,
                            int *n, char *err, size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    *ids = NULL;
    *n = 0;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "cannot get metadata: %s", rd_kafka_err2str(e));
        return SK_EIO;
    }
    int rc = SK_ENOENT;
    for (int i = 0; i < md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *t = &md->topics[i];
        if (strcmp(t->topic, topic) != 0)
            continue;
        if (t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            break;
        int32_t *v = sk_calloc((size_t)t->partition_cnt + 1, sizeof(int32_t));
        for (int p = 0; p < t->partition_cnt; p++)
            v[p] = t->partitions[p].id;
        qsort(v, (size_t)t->partition_cnt, sizeof(int32_t), id_cmp);
        *ids = v;
        *n = t->partition_cnt;
        rc = SK_OK;
        break;
    }
    if (rc == SK_ENOENT)
        snprintf(err, errlen, "Topic '%s' does not exist", topic);
    rd_kafka_metadata_destroy(md);
    return rc;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int sk_rdk_topic_names(rd_kafka_t *rk, int timeout_ms, char ***names, int *n, char *err,
                       size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    *names = NULL;
    *n = 0;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "cannot get metadata: %s", rd_kafka_err2str(e));
        return SK_EIO;
    }
    char **v = sk_calloc((size_t)md->topic_cnt + 1, sizeof(char *));
    int k = 0;
    for (int i = 0; i < md->topic_cnt; i++)
        if (md->topics[i].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            v[k++] = sk_strdup(md->topics[i].topic);
    qsort(v, (size_t)k, sizeof(char *), str_cmp);
    rd_kafka_metadata_destroy(md);
    *names = v;
    *n = k;
    return SK_OK;
}

void sk_rdk_free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- consuming without a group ----------------------------------------- */

void sk_rdk_manual_stop(sk_rdk_manual_t *mc)
{
    for (int i = 0; i < mc->n; i++) {
        rd_kafka_consume_stop(mc->rkts[i], mc->partitions[i]);
        rd_kafka_topic_destroy(mc->rkts[i]);
    }
    free(mc->rkts);
    free(mc->partitions);
    if (mc->q)
        rd_kafka_queue_destroy(mc->q);
    memset(mc, 0, sizeof(*mc));
}

int sk_rdk_manual_start(rd_kafka_t *rk, sk_rdk_manual_t *mc,
                        const rd_kafka_topic_partition_list_t *l, char *err, size_t errlen)
{
    mc->q = rd_kafka_queue_new(rk);
    mc->rkts = sk_calloc((size_t)l->cnt + 1, sizeof(*mc->rkts));
    mc->partitions = sk_calloc((size_t)l->cnt + 1, sizeof(int32_t));
    for (int i = 0; i < l->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &l->elems[i];
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, tp->topic, NULL);
        if (!rkt || rd_kafka_consume_start_queue(rkt, tp->partition, tp->offset, mc->q) == -1) {
            snprintf(err, errlen, "cannot start consuming %s-%d: %s", tp->topic,
                     (int)tp->partition, rd_kafka_err2str(rd_kafka_last_error()));
            if (rkt)
                rd_kafka_topic_destroy(rkt);
            return SK_EIO;
        }
        mc->rkts[mc->n] = rkt;
        mc->partitions[mc->n] = tp->partition;
        mc->n++;
    }
    return SK_OK;
}

static void on_signal(int sig)
{
    (void)sig;
    if (sk_rdk_stop)
        _exit(130);
    sk_rdk_stop = 1;
}

void sk_rdk_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

rd_kafka_t *sk_rdk_admin_new(const char *bootstrap, const char *client_id,
                             const char *config_file, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = sk_rdk_conf_new(bootstrap, client_id, NULL, config_file, NULL,
                                            err, errlen);
    if (!conf)
        return NULL;
    char e[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        snprintf(err, errlen, "cannot create the client: %s", e);
    }
    return rk;
}
