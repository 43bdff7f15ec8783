/* topics_kafka.c - skein-topics --bootstrap-server (see topics_kafka.h). */
#include "topics_kafka.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "kerr.h"
#include "mem.h"
#include "rdk_util.h"

struct sk_tkafka_s {
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    int timeout_ms;
};

int sk_tkafka_open(const char *bootstrap, const char *config_file, int timeout_ms,
                   sk_tkafka_t **out, char *err, size_t errlen)
{
    *out = NULL;
    rd_kafka_t *rk = sk_rdk_admin_new(bootstrap, "skein-topics", config_file, err, errlen);
    if (!rk)
        return SK_EINVAL;
    sk_tkafka_t *k = sk_calloc(1, sizeof(*k));
    k->rk = rk;
    k->q = rd_kafka_queue_new(rk);
    k->timeout_ms = timeout_ms;
    *out = k;
    return SK_OK;
}

void sk_tkafka_close(sk_tkafka_t *k)
{
    if (!k)
        return;
    rd_kafka_queue_destroy(k->q);
    rd_kafka_destroy(k->rk);
    free(k);
}

int sk_tkafka_list(sk_tkafka_t *k, char ***names, int *n, char *err, size_t errlen)
{
    return sk_rdk_topic_names(k->rk, k->timeout_ms, names, n, err, errlen);
}

static rd_kafka_AdminOptions_t *admin_options(sk_tkafka_t *k)
{
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(k->rk, RD_KAFKA_ADMIN_OP_ANY);
    char e[256];
    rd_kafka_AdminOptions_set_request_timeout(o, k->timeout_ms, e, sizeof(e));
    return o;
}

/* Wait for the admin result event of the given type; NULL on timeout. */
static rd_kafka_event_t *wait_result(sk_tkafka_t *k, rd_kafka_event_type_t type)
{
    int64_t deadline = sk_mono_ms() + k->timeout_ms + 5000;
    for (;;) {
        int64_t left = deadline - sk_mono_ms();
        if (left <= 0)
            return NULL;
        rd_kafka_event_t *ev = rd_kafka_queue_poll(k->q, (int)(left > 1000 ? 1000 : left));
        if (!ev)
            continue;
        if (rd_kafka_event_type(ev) == type)
            return ev;
        rd_kafka_event_destroy(ev);
    }
}

/* ---- describe ----------------------------------------------------------- */

static int32_t *copy_ids(const int32_t *v, int n)
{
    int32_t *c = sk_calloc((size_t)n + 1, sizeof(int32_t));
    if (n > 0)
        memcpy(c, v, (size_t)n * sizeof(int32_t));
    return c;
}

static void fill_topic(sk_tdesc_topic_t *t, const rd_kafka_metadata_topic_t *mt)
{
    t->name = sk_strdup(mt->topic);
    t->n_parts = mt->partition_cnt;
    t->parts = sk_calloc((size_t)mt->partition_cnt + 1, sizeof(*t->parts));
    for (int p = 0; p < mt->partition_cnt; p++) {
        const rd_kafka_metadata_partition_t *mp = &mt->partitions[p];
        sk_tdesc_part_t *d = &t->parts[p];
        d->partition = mp->id;
        d->leader = mp->leader;
        d->replicas = copy_ids(mp->replicas, mp->replica_cnt);
        d->n_replicas = mp->replica_cnt;
        d->isr = copy_ids(mp->isrs, mp->isr_cnt);
        d->n_isr = mp->isr_cnt;
    }
    sk_tdesc_sort_parts(t);
}

static int topic_cmp(const void *a, const void *b)
{
    return strcmp(((const sk_tdesc_topic_t *)a)->name, ((const sk_tdesc_topic_t *)b)->name);
}

/* Attach non-default configs; a broker without DescribeConfigs is warned
 * about and leaves the configs empty. */
static void describe_configs(sk_tkafka_t *k, sk_tdesc_topic_t *topics, int n)
{
    if (n == 0)
        return;
    rd_kafka_ConfigResource_t **res = sk_calloc((size_t)n, sizeof(*res));
    for (int i = 0; i < n; i++)
        res[i] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topics[i].name);
    rd_kafka_AdminOptions_t *o = admin_options(k);
    rd_kafka_DescribeConfigs(k->rk, res, (size_t)n, o, k->q);
    rd_kafka_event_t *ev = wait_result(k, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT);
    if (!ev) {
        fprintf(stderr, "WARN: DescribeConfigs timed out; configs not shown\n");
        goto out;
    }
    if (rd_kafka_event_error(ev)) {
        fprintf(stderr, "WARN: configs not shown: DescribeConfigs failed: %s\n",
                rd_kafka_event_error_string(ev));
        goto out;
    }
    const rd_kafka_DescribeConfigs_result_t *r = rd_kafka_event_DescribeConfigs_result(ev);
    size_t cnt = 0;
    const rd_kafka_ConfigResource_t **rr = rd_kafka_DescribeConfigs_result_resources(r, &cnt);
    for (size_t i = 0; i < cnt; i++) {
        const char *name = rd_kafka_ConfigResource_name(rr[i]);
        sk_tdesc_topic_t *t = NULL;
        for (int j = 0; j < n && !t; j++)
            if (strcmp(topics[j].name, name) == 0)
                t = &topics[j];
        if (!t)
            continue;
        if (rd_kafka_ConfigResource_error(rr[i])) {
            fprintf(stderr, "WARN: configs of %s not shown: %s\n", name,
                    rd_kafka_ConfigResource_error_string(rr[i]));
            continue;
        }
        size_t ce_cnt = 0;
        const rd_kafka_ConfigEntry_t **ce = rd_kafka_ConfigResource_configs(rr[i], &ce_cnt);
        for (size_t c = 0; c < ce_cnt; c++) {
            if (rd_kafka_ConfigEntry_is_default(ce[c]))
                continue;
            const char *v = rd_kafka_ConfigEntry_value(ce[c]);
            sk_tdesc_add_config(t, rd_kafka_ConfigEntry_name(ce[c]), v ? v : "null");
        }
    }
out:
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ConfigResource_destroy_array(res, (size_t)n);
    free(res);
}

static int id_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int sk_tkafka_describe(sk_tkafka_t *k, const sk_tfilter_t *f, int with_configs,
                       sk_tdesc_topic_t **topics, int *n, int32_t **live, int *n_live, char *err,
                       size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    *topics = NULL;
    *n = 0;
    *live = NULL;
    *n_live = 0;
    rd_kafka_resp_err_t e = rd_kafka_metadata(k->rk, 1, NULL, &md, k->timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "cannot get metadata: %s", rd_kafka_err2str(e));
        return SK_EIO;
    }
    sk_tdesc_topic_t *v = sk_calloc((size_t)md->topic_cnt + 1, sizeof(*v));
    int cnt = 0;
    for (int i = 0; i < md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *mt = &md->topics[i];
        if (mt->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || !sk_tfilter_match(f, mt->topic))
            continue;
        fill_topic(&v[cnt++], mt);
    }
    qsort(v, (size_t)cnt, sizeof(*v), topic_cmp);
    int32_t *ids = sk_calloc((size_t)md->broker_cnt + 1, sizeof(int32_t));
    for (int i = 0; i < md->broker_cnt; i++)
        ids[i] = md->brokers[i].id;
    qsort(ids, (size_t)md->broker_cnt, sizeof(int32_t), id_cmp);
    *live = ids;
    *n_live = md->broker_cnt;
    rd_kafka_metadata_destroy(md);
    if (with_configs)
        describe_configs(k, v, cnt);
    *topics = v;
    *n = cnt;
    return SK_OK;
}

void sk_tkafka_free_topics(sk_tdesc_topic_t *topics, int n)
{
    for (int i = 0; i < n; i++)
        sk_tdesc_topic_clear(&topics[i]);
    free(topics);
}

/* ---- create / delete / add partitions ---------------------------------- */

/* The per-topic outcome of a topic admin result. */
static int topic_result(const rd_kafka_topic_result_t **tr, size_t cnt, const char *topic,
                        char *err, size_t errlen)
{
    for (size_t i = 0; i < cnt; i++) {
        if (strcmp(rd_kafka_topic_result_name(tr[i]), topic) != 0)
            continue;
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            return SK_OK;
        const char *msg = rd_kafka_topic_result_error_string(tr[i]);
        snprintf(err, errlen, "%s", msg && *msg ? msg : rd_kafka_err2str(e));
        if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            return SK_EEXIST;
        if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            return SK_ENOENT;
        return SK_EIO;
    }
    snprintf(err, errlen, "no result for topic %s", topic);
    return SK_EIO;
}

static int event_failed(rd_kafka_event_t *ev, const char *what, char *err, size_t errlen)
{
    if (!ev) {
        snprintf(err, errlen, "%s timed out", what);
        return SK_EIO;
    }
    if (rd_kafka_event_error(ev)) {
        snprintf(err, errlen, "%s failed: %s", what, rd_kafka_event_error_string(ev));
        return SK_EIO;
    }
    return SK_OK;
}

int sk_tkafka_create(sk_tkafka_t *k, const char *topic, int partitions, int rf,
                     const sk_assignment_t *assignment, const sk_kvlist_t *configs, char *err,
                     size_t errlen)
{
    char e[512];
    int rc = SK_OK;
    rd_kafka_event_t *ev = NULL;
    rd_kafka_AdminOptions_t *o = NULL;
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(
        topic, assignment ? assignment->n_partitions : partitions, assignment ? -1 : rf, e,
        sizeof(e));
    if (!nt) {
        snprintf(err, errlen, "%s", e);
        return SK_EINVAL;
    }
    if (assignment) {
        for (int p = 0; p < assignment->n_partitions; p++) {
            if (rd_kafka_NewTopic_set_replica_assignment(nt, p, assignment->replicas[p],
                                                         (size_t)assignment->n_replicas[p], e,
                                                         sizeof(e))) {
                snprintf(err, errlen, "%s", e);
                rc = SK_EINVAL;
                goto out;
            }
        }
    }
    for (int i = 0; i < configs->n; i++) {
        if (rd_kafka_NewTopic_set_config(nt, configs->keys[i], configs->values[i])) {
            snprintf(err, errlen, "invalid config %s", configs->keys[i]);
            rc = SK_EINVAL;
            goto out;
        }
    }
    o = admin_options(k);
    rd_kafka_AdminOptions_set_operation_timeout(o, k->timeout_ms, e, sizeof(e));
    rd_kafka_CreateTopics(k->rk, &nt, 1, o, k->q);
    ev = wait_result(k, RD_KAFKA_EVENT_CREATETOPICS_RESULT);
    if ((rc = event_failed(ev, "CreateTopics", err, errlen)) != SK_OK)
        goto out;
    size_t cnt = 0;
    const rd_kafka_topic_result_t **tr =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
    rc = topic_result(tr, cnt, topic, err, errlen);
out:
    if (ev)
        rd_kafka_event_destroy(ev);
    if (o)
        rd_kafka_AdminOptions_destroy(o);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

int sk_tkafka_delete(sk_tkafka_t *k, const char *topic, char *err, size_t errlen)
{
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(topic);
    rd_kafka_AdminOptions_t *o = admin_options(k);
    char e[256];
    rd_kafka_AdminOptions_set_operation_timeout(o, k->timeout_ms, e, sizeof(e));
    rd_kafka_DeleteTopics(k->rk, &dt, 1, o, k->q);
    rd_kafka_event_t *ev = wait_result(k, RD_KAFKA_EVENT_DELETETOPICS_RESULT);
    int rc = event_failed(ev, "DeleteTopics", err, errlen);
    if (rc == SK_OK) {
        size_t cnt = 0;
        const rd_kafka_topic_result_t **tr =
            rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &cnt);
        rc = topic_result(tr, cnt, topic, err, errlen);
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_DeleteTopic_destroy(dt);
    return rc;
}

int sk_tkafka_add_partitions(sk_tkafka_t *k, const char *topic, int total, int existing,
                             const sk_assignment_t *assignment, char *err, size_t errlen)
{
    char e[512];
    int rc = SK_OK;
    rd_kafka_event_t *ev = NULL;
    rd_kafka_AdminOptions_t *o = NULL;
    rd_kafka_NewPartitions_t *np = rd_kafka_NewPartitions_new(topic, (size_t)total, e, sizeof(e));
    if (!np) {
        snprintf(err, errlen, "%s", e);
        return SK_EINVAL;
    }
    if (assignment) {
        int given = assignment->n_partitions - existing;
        if (given != total - existing) {
            snprintf(err, errlen, "Increasing the number of partitions by %d but %d assignments "
                                  "provided.", total - existing, given < 0 ? 0 : given);
            rc = SK_EINVAL;
            goto out;
        }
        for (int i = 0; i < given; i++) {
            int p = existing + i;
            if (rd_kafka_NewPartitions_set_replica_assignment(np, i, assignment->replicas[p],
                                                              (size_t)assignment->n_replicas[p],
                                                              e, sizeof(e))) {
                snprintf(err, errlen, "%s", e);
                rc = SK_EINVAL;
                goto out;
            }
        }
    }
    o = admin_options(k);
    rd_kafka_AdminOptions_set_operation_timeout(o, k->timeout_ms, e, sizeof(e));
    rd_kafka_CreatePartitions(k->rk, &np, 1, o, k->q);
    ev = wait_result(k, RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT);
    if ((rc = event_failed(ev, "CreatePartitions", err, errlen)) != SK_OK)
        goto out;
    size_t cnt = 0;
    const rd_kafka_topic_result_t **tr = rd_kafka_CreatePartitions_result_topics(
        rd_kafka_event_CreatePartitions_result(ev), &cnt);
    rc = topic_result(tr, cnt, topic, err, errlen);
out:
    if (ev)
        rd_kafka_event_destroy(ev);
    if (o)
        rd_kafka_AdminOptions_destroy(o);
    rd_kafka_NewPartitions_destroy(np);
    return rc;
}
