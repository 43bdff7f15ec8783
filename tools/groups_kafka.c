/* groups_kafka.c - librdkafka side of skein-consumer-groups (see
 * groups_kafka.h). */
#include "groups_kafka.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "kerr.h"
#include "mem.h"
#include "rdk_util.h"

struct sk_gkafka_s {
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    int timeout_ms;
    /* An admin request failed locally (a librdkafka error, not a broker's
     * answer) or timed out: librdkafka 2.0.2 can then hang in rd_kafka_destroy
     * (seen after DescribeConsumerGroups failed with "Required feature not
     * supported by broker"), so the handle is left to the process exit. */
    int tainted;
};

/* Remember a local (negative) librdkafka error code; see tainted. */
static void note_error(sk_gkafka_t *k, rd_kafka_resp_err_t code)
{
    if ((int)code < 0)
        k->tainted = 1;
}

int sk_gkafka_open(const char *bootstrap, const char *config_file, int timeout_ms,
                   sk_gkafka_t **out, char *err, size_t errlen)
{
    *out = NULL;
    rd_kafka_t *rk = sk_rdk_admin_new(bootstrap, "skein-consumer-groups", config_file, err,
                                      errlen);
    if (!rk)
        return SK_EINVAL;
    sk_gkafka_t *k = sk_calloc(1, sizeof(*k));
    k->rk = rk;
    k->q = rd_kafka_queue_new(rk);
    k->timeout_ms = timeout_ms;
    *out = k;
    return SK_OK;
}

void sk_gkafka_close(sk_gkafka_t *k)
{
    if (!k)
        return;
    if (k->tainted) {
        free(k);
        return;
    }
    rd_kafka_queue_destroy(k->q);
    rd_kafka_destroy(k->rk);
    free(k);
}

static rd_kafka_AdminOptions_t *admin_options(sk_gkafka_t *k, rd_kafka_admin_op_t op)
{
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(k->rk, op);
    char e[256];
    rd_kafka_AdminOptions_set_request_timeout(o, k->timeout_ms, e, sizeof(e));
    return o;
}

/* Wait for the admin result event of the given type. NULL (message in err)
 * on timeout or when the event carries a request-level error. */
static rd_kafka_event_t *wait_result(sk_gkafka_t *k, rd_kafka_event_type_t type,
                                     const char *what, char *err, size_t errlen)
{
    int64_t deadline = sk_mono_ms() + k->timeout_ms + 5000;
    for (;;) {
        int64_t left = deadline - sk_mono_ms();
        if (left <= 0) {
            snprintf(err, errlen, "%s: timed out after %d ms", what, k->timeout_ms);
            k->tainted = 1;
            return NULL;
        }
        rd_kafka_event_t *ev = rd_kafka_queue_poll(k->q, (int)(left > 1000 ? 1000 : left));
        if (!ev)
            continue;
        if (rd_kafka_event_type(ev) != type) {
            rd_kafka_event_destroy(ev);
            continue;
        }
        if (rd_kafka_event_error(ev)) {
            snprintf(err, errlen, "%s failed: %s", what, rd_kafka_event_error_string(ev));
            note_error(k, rd_kafka_event_error(ev));
            rd_kafka_event_destroy(ev);
            return NULL;
        }
        return ev;
    }
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int sk_gkafka_list(sk_gkafka_t *k, char ***ids, int *n, char *err, size_t errlen)
{
    *ids = NULL;
    *n = 0;
    rd_kafka_AdminOptions_t *o = admin_options(k, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
    rd_kafka_ListConsumerGroups(k->rk, o, k->q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_event_t *ev = wait_result(k, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT,
                                       "ListConsumerGroups", err, errlen);
    if (!ev)
        return SK_EIO;
    const rd_kafka_ListConsumerGroups_result_t *r = rd_kafka_event_ListConsumerGroups_result(ev);
    size_t n_err = 0;
    const rd_kafka_error_t **errs = rd_kafka_ListConsumerGroups_result_errors(r, &n_err);
    int rc = SK_OK;
    if (n_err > 0) {
        /* a broker that did not answer: the list would be incomplete */
        snprintf(err, errlen, "ListConsumerGroups failed on a broker: %s",
                 rd_kafka_error_string(errs[0]));
        note_error(k, rd_kafka_error_code(errs[0]));
        rc = SK_EIO;
        goto out;
    }
    size_t cnt = 0;
    const rd_kafka_ConsumerGroupListing_t **l = rd_kafka_ListConsumerGroups_result_valid(r, &cnt);
    char **v = sk_calloc(cnt + 1, sizeof(char *));
    for (size_t i = 0; i < cnt; i++)
        v[i] = sk_strdup(rd_kafka_ConsumerGroupListing_group_id(l[i]));
    if (cnt > 1)
        qsort(v, cnt, sizeof(char *), str_cmp);
    *ids = v;
    *n = (int)cnt;
out:
    rd_kafka_event_destroy(ev);
    return rc;
}

int sk_gkafka_describe(sk_gkafka_t *k, const char *group, sk_ggroup_t *g, char *err,
                       size_t errlen)
{
    g->group = sk_strdup(group);
    g->coordinator_id = -1;
    rd_kafka_AdminOptions_t *o = admin_options(k, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
    const char *groups[1] = {group};
    rd_kafka_DescribeConsumerGroups(k->rk, groups, 1, o, k->q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_event_t *ev = wait_result(k, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT,
                                       "DescribeConsumerGroups", err, errlen);
    if (!ev)
        return SK_EIO;
    int rc = SK_OK;
    const rd_kafka_DescribeConsumerGroups_result_t *r =
        rd_kafka_event_DescribeConsumerGroups_result(ev);
    size_t cnt = 0;
    const rd_kafka_ConsumerGroupDescription_t **d =
        rd_kafka_DescribeConsumerGroups_result_groups(r, &cnt);
    if (cnt != 1) {
        snprintf(err, errlen, "DescribeConsumerGroups: %zu results for one group", cnt);
        rc = SK_EIO;
        goto out;
    }
    const rd_kafka_error_t *e = rd_kafka_ConsumerGroupDescription_error(d[0]);
    if (e) {
        rd_kafka_resp_err_t code = rd_kafka_error_code(e);
        note_error(k, code);
        if (code == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
            snprintf(err, errlen, "Consumer group '%s' does not exist.", group);
            rc = SK_ENOENT;
        } else {
            snprintf(err, errlen, "Describing group '%s' failed: %s", group,
                     rd_kafka_error_string(e));
            rc = SK_EIO;
        }
        goto out;
    }
    rd_kafka_consumer_group_state_t st = rd_kafka_ConsumerGroupDescription_state(d[0]);
    if (st == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD) {
        snprintf(err, errlen, "Consumer group '%s' does not exist.", group);
        rc = SK_ENOENT;
        goto out;
    }
    g->state = sk_strdup(rd_kafka_consumer_group_state_name(st));
    const char *assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(d[0]);
    g->assignor = sk_strdup(assignor ? assignor : "");
    const rd_kafka_Node_t *node = rd_kafka_ConsumerGroupDescription_coordinator(d[0]);
    if (node) {
        g->coordinator_id = rd_kafka_Node_id(node);
        const char *h = rd_kafka_Node_host(node);
        g->coordinator_host = sk_strdup(h ? h : "");
        g->coordinator_port = rd_kafka_Node_port(node);
    }
    size_t n_members = rd_kafka_ConsumerGroupDescription_member_count(d[0]);
    for (size_t i = 0; i < n_members; i++) {
        const rd_kafka_MemberDescription_t *md = rd_kafka_ConsumerGroupDescription_member(d[0], i);
        sk_gmember_t *m = sk_ggroup_add_member(g, rd_kafka_MemberDescription_consumer_id(md),
                                               rd_kafka_MemberDescription_group_instance_id(md),
                                               rd_kafka_MemberDescription_client_id(md),
                                               rd_kafka_MemberDescription_host(md));
        const rd_kafka_MemberAssignment_t *a = rd_kafka_MemberDescription_assignment(md);
        const rd_kafka_topic_partition_list_t *pl = a ? rd_kafka_MemberAssignment_partitions(a)
                                                      : NULL;
        for (int j = 0; pl && j < pl->cnt; j++)
            sk_gmember_assign(m, pl->elems[j].topic, pl->elems[j].partition);
        sk_gtp_sort(m->assigned, m->n_assigned);
    }
out:
    rd_kafka_event_destroy(ev);
    return rc;
}

/* Copy a partition list (with offsets and per-partition errors). */
static sk_gtp_t *from_rdk_list(const rd_kafka_topic_partition_list_t *pl, int skip_unset,
                               int *n)
{
    sk_gtp_t *v = sk_calloc((size_t)(pl ? pl->cnt : 0) + 1, sizeof(*v));
    int k = 0;
    for (int i = 0; pl && i < pl->cnt; i++) {
        const rd_kafka_topic_partition_t *p = &pl->elems[i];
        if (skip_unset && p->offset < 0 && !p->err)
            continue;
        v[k].topic = sk_strdup(p->topic);
        v[k].partition = p->partition;
        v[k].offset = p->offset;
        v[k].error = p->err ? sk_strdup(rd_kafka_err2str(p->err)) : NULL;
        k++;
    }
    *n = k;
    return v;
}

static rd_kafka_topic_partition_list_t *to_rdk_list(const sk_gtp_t *l, int n, int with_offsets)
{
    rd_kafka_topic_partition_list_t *pl = rd_kafka_topic_partition_list_new(n > 0 ? n : 1);
    for (int i = 0; i < n; i++) {
        rd_kafka_topic_partition_t *p =
            rd_kafka_topic_partition_list_add(pl, l[i].topic, l[i].partition);
        if (with_offsets)
            p->offset = l[i].offset;
    }
    return pl;
}

/* Copy per-partition errors of a result list back into l. */
static int merge_errors(sk_gtp_t *l, int n, const rd_kafka_topic_partition_list_t *pl)
{
    int failed = 0;
    for (int i = 0; pl && i < pl->cnt; i++) {
        const rd_kafka_topic_partition_t *p = &pl->elems[i];
        if (!p->err)
            continue;
        for (int j = 0; j < n; j++)
            if (l[j].partition == p->partition && strcmp(l[j].topic, p->topic) == 0) {
                free(l[j].error);
                l[j].error = sk_strdup(rd_kafka_err2str(p->err));
                failed = 1;
            }
    }
    return failed;
}

int sk_gkafka_committed(sk_gkafka_t *k, const char *group, sk_gtp_t **out, int *n, char *err,
                        size_t errlen)
{
    *out = NULL;
    *n = 0;
    rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
    rd_kafka_AdminOptions_t *o = admin_options(k, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_ListConsumerGroupOffsets(k->rk, &req, 1, o, k->q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    rd_kafka_event_t *ev = wait_result(k, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT,
                                       "ListConsumerGroupOffsets", err, errlen);
    if (!ev)
        return SK_EIO;
    int rc = SK_OK;
    size_t cnt = 0;
    const rd_kafka_group_result_t **gr = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev), &cnt);
    if (cnt != 1) {
        snprintf(err, errlen, "ListConsumerGroupOffsets: %zu results for one group", cnt);
        rc = SK_EIO;
        goto out;
    }
    const rd_kafka_error_t *e = rd_kafka_group_result_error(gr[0]);
    if (e) {
        snprintf(err, errlen, "Fetching the offsets of group '%s' failed: %s", group,
                 rd_kafka_error_string(e));
        note_error(k, rd_kafka_error_code(e));
        rc = SK_EIO;
        goto out;
    }
    *out = from_rdk_list(rd_kafka_group_result_partitions(gr[0]), 1, n);
    for (int i = 0; i < *n; i++)
        if ((*out)[i].error) {
            snprintf(err, errlen, "Fetching the offset of %s-%d for group '%s' failed: %s",
                     (*out)[i].topic, (int)(*out)[i].partition, group, (*out)[i].error);
            sk_gtp_list_free(*out, *n);
            *out = NULL;
            *n = 0;
            rc = SK_EIO;
            goto out;
        }
    sk_gtp_sort(*out, *n);
out:
    rd_kafka_event_destroy(ev);
    return rc;
}

int sk_gkafka_partitions(sk_gkafka_t *k, const char *topic, int32_t **ids, int *n, char *err,
                         size_t errlen)
{
    int rc = sk_rdk_topic_partitions(k->rk, topic, k->timeout_ms, ids, n, err, errlen);
    if (rc == SK_ENOENT)
        snprintf(err, errlen, "Topic '%s' does not exist", topic);
    return rc;
}

int sk_gkafka_watermarks(sk_gkafka_t *k, const char *topic, int32_t partition, int64_t *low,
                         int64_t *high, char *err, size_t errlen)
{
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(k->rk, topic, partition, low, high, k->timeout_ms);
    if (e) {
        snprintf(err, errlen, "Getting the log offsets of %s-%d failed: %s", topic,
                 (int)partition, rd_kafka_err2str(e));
        return SK_EIO;
    }
    return SK_OK;
}

int sk_gkafka_offsets_for_time(sk_gkafka_t *k, sk_gtp_t *l, int n, int64_t ts_ms, char *err,
                               size_t errlen)
{
    if (n == 0)
        return SK_OK;
    rd_kafka_topic_partition_list_t *pl = to_rdk_list(l, n, 0);
    for (int i = 0; i < pl->cnt; i++)
        pl->elems[i].offset = ts_ms;
    int rc = SK_OK;
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(k->rk, pl, k->timeout_ms);
    if (e) {
        snprintf(err, errlen, "Looking up offsets by time failed: %s", rd_kafka_err2str(e));
        rc = SK_EIO;
        goto out;
    }
    for (int i = 0; i < pl->cnt; i++) {
        const rd_kafka_topic_partition_t *p = &pl->elems[i];
        if (p->err) {
            snprintf(err, errlen, "Looking up the offset by time of %s-%d failed: %s", p->topic,
                     (int)p->partition, rd_kafka_err2str(p->err));
            rc = SK_EIO;
            goto out;
        }
        l[i].offset = p->offset >= 0 ? p->offset : -1;
    }
out:
    rd_kafka_topic_partition_list_destroy(pl);
    return rc;
}

int sk_gkafka_alter(sk_gkafka_t *k, const char *group, sk_gtp_t *l, int n, char *err,
                    size_t errlen)
{
    rd_kafka_topic_partition_list_t *pl = to_rdk_list(l, n, 1);
    rd_kafka_AlterConsumerGroupOffsets_t *req = rd_kafka_AlterConsumerGroupOffsets_new(group, pl);
    rd_kafka_topic_partition_list_destroy(pl);
    rd_kafka_AdminOptions_t *o = admin_options(k, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
    rd_kafka_AlterConsumerGroupOffsets(k->rk, &req, 1, o, k->q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    rd_kafka_event_t *ev = wait_result(k, RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT,
                                       "AlterConsumerGroupOffsets", err, errlen);
    if (!ev)
        return SK_EIO;
    int rc = SK_OK;
    size_t cnt = 0;
    const rd_kafka_group_result_t **gr = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &cnt);
    if (cnt != 1) {
        snprintf(err, errlen, "AlterConsumerGroupOffsets: %zu results for one group", cnt);
        rc = SK_EIO;
        goto out;
    }
    const rd_kafka_error_t *e = rd_kafka_group_result_error(gr[0]);
    if (e) {
        snprintf(err, errlen, "Committing the new offsets of group '%s' failed: %s", group,
                 rd_kafka_error_string(e));
        note_error(k, rd_kafka_error_code(e));
        rc = SK_EIO;
        goto out;
    }
    if (merge_errors(l, n, rd_kafka_group_result_partitions(gr[0]))) {
        snprintf(err, errlen, "Committing some new offsets of group '%s' failed", group);
        rc = SK_EIO;
    }
out:
    rd_kafka_event_destroy(ev);
    return rc;
}

int sk_gkafka_delete_groups(sk_gkafka_t *k, const char *const *groups, int n, char ***errors,
                            char *err, size_t errlen)
{
    *errors = NULL;
    rd_kafka_DeleteGroup_t **req = sk_calloc((size_t)n + 1, sizeof(*req));
    for (int i = 0; i < n; i++)
        req[i] = rd_kafka_DeleteGroup_new(groups[i]);
    rd_kafka_AdminOptions_t *o = admin_options(k, RD_KAFKA_ADMIN_OP_DELETEGROUPS);
    rd_kafka_DeleteGroups(k->rk, req, (size_t)n, o, k->q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_DeleteGroup_destroy_array(req, (size_t)n);
    free(req);
    rd_kafka_event_t *ev =
        wait_result(k, RD_KAFKA_EVENT_DELETEGROUPS_RESULT, "DeleteGroups", err, errlen);
    if (!ev)
        return SK_EIO;
    size_t cnt = 0;
    const rd_kafka_group_result_t **gr =
        rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &cnt);
    char **v = sk_calloc((size_t)n + 1, sizeof(char *));
    for (int i = 0; i < n; i++) {
        const rd_kafka_group_result_t *found = NULL;
        for (size_t j = 0; j < cnt && !found; j++)
            if (strcmp(rd_kafka_group_result_name(gr[j]), groups[i]) == 0)
                found = gr[j];
        const rd_kafka_error_t *e = found ? rd_kafka_group_result_error(found) : NULL;
        if (!found)
            v[i] = sk_strdup("no result from the broker");
        else if (e) {
            v[i] = sk_strdup(rd_kafka_error_string(e));
            note_error(k, rd_kafka_error_code(e));
        }
    }
    rd_kafka_event_destroy(ev);
    *errors = v;
    return SK_OK;
}

int sk_gkafka_delete_offsets(sk_gkafka_t *k, const char *group, sk_gtp_t *l, int n, char *err,
                             size_t errlen)
{
    rd_kafka_topic_partition_list_t *pl = to_rdk_list(l, n, 0);
    rd_kafka_DeleteConsumerGroupOffsets_t *req = rd_kafka_DeleteConsumerGroupOffsets_new(group, pl);
    rd_kafka_topic_partition_list_destroy(pl);
    rd_kafka_AdminOptions_t *o = admin_options(k, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS);
    rd_kafka_DeleteConsumerGroupOffsets(k->rk, &req, 1, o, k->q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
    rd_kafka_event_t *ev = wait_result(k, RD_KAFKA_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT,
                                       "DeleteConsumerGroupOffsets", err, errlen);
    if (!ev)
        return SK_EIO;
    int rc = SK_OK;
    size_t cnt = 0;
    const rd_kafka_group_result_t **gr = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
        rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &cnt);
    if (cnt != 1) {
        snprintf(err, errlen, "DeleteConsumerGroupOffsets: %zu results for one group", cnt);
        rc = SK_EIO;
        goto out;
    }
    const rd_kafka_error_t *e = rd_kafka_group_result_error(gr[0]);
    if (e) {
        snprintf(err, errlen, "%s", rd_kafka_error_string(e));
        note_error(k, rd_kafka_error_code(e));
        rc = SK_EIO;
        goto out;
    }
    merge_errors(l, n, rd_kafka_group_result_partitions(gr[0]));
out:
    rd_kafka_event_destroy(ev);
    return rc;
}
