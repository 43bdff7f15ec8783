/* skein-topics - create, list, describe, delete topics and add partitions,
 * like Kafka's kafka-topics.sh, through a broker's admin APIs
 * (--bootstrap-server) or directly in ZooKeeper (--zookeeper). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign_tool.h"
#include "kerr.h"
#include "mem.h"
#include "topics_cmd.h"
#include "topics_desc.h"
#include "topics_kafka.h"
#include "topics_zk.h"

#define ZK_TIMEOUT_MS 15000
#define ADMIN_TIMEOUT_MS 30000

typedef struct run {
    const sk_topics_cmd_t *cmd;
    sk_tzk_t *zk;        /* exactly one of zk / kafka */
    sk_tkafka_t *kafka;
    sk_tfilter_t filter;
    sk_assignment_t assignment; /* parsed --replica-assignment */
    int has_assignment;
    char err[1024];
} run_t;

static int fail(run_t *r)
{
    fprintf(stderr, "Error while executing topic command : %s\n", r->err);
    return SK_TOOL_EXIT_FAIL;
}

static void warn_name_collision(const char *topic)
{
    if (strchr(topic, '.') || strchr(topic, '_'))
        printf("WARNING: Due to limitations in metric names, topics with a period ('.') or "
               "underscore ('_') could collide. To avoid issues it is best to use either, but "
               "not both.\n");
}

/* Names of all topics the filter selects, sorted. */
static int selected_names(run_t *r, char ***out, int *n)
{
    char **names = NULL;
    int cnt = 0;
    int rc = r->zk ? sk_tzk_list(r->zk, &names, &cnt, r->err, sizeof(r->err))
                   : sk_tkafka_list(r->kafka, &names, &cnt, r->err, sizeof(r->err));
    if (rc != SK_OK)
        return rc;
    int k = 0;
    for (int i = 0; i < cnt; i++) {
        if (sk_tfilter_match(&r->filter, names[i]))
            names[k++] = names[i];
        else
            free(names[i]);
    }
    *out = names;
    *n = k;
    return SK_OK;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Kafka's "requested topic must exist" rule for describe/alter/delete. */
static int ensure_found(run_t *r, int found)
{
    if (found || !r->cmd->topic || r->cmd->if_exists)
        return SK_OK;
    snprintf(r->err, sizeof(r->err), "Topic '%s' does not exist as expected", r->cmd->topic);
    return SK_ENOENT;
}

static int do_list(run_t *r)
{
    char **names = NULL;
    int n = 0;
    if (selected_names(r, &names, &n) != SK_OK)
        return fail(r);
    int status = SK_TOOL_EXIT_OK;
    for (int i = 0; i < n; i++) {
        int marked = 0;
        if (r->zk) {
            marked = sk_tzk_marked_for_deletion(r->zk, names[i], r->err, sizeof(r->err));
            if (marked < 0) {
                status = fail(r);
                break;
            }
        }
        printf("%s%s\n", names[i], marked ? " - marked for deletion" : "");
    }
    free_names(names, n);
    return status;
}

static int do_describe(run_t *r)
{
    sk_tdesc_topic_t *topics = NULL;
    int n = 0;
    int32_t *live = NULL;
    int n_live = 0;
    int status = SK_TOOL_EXIT_OK;
    if (r->zk) {
        char **names = NULL;
        int cnt = 0;
        if (selected_names(r, &names, &cnt) != SK_OK)
            return fail(r);
        topics = sk_calloc((size_t)cnt + 1, sizeof(*topics));
        for (int i = 0; i < cnt; i++) {
            int rc = sk_tzk_describe(r->zk, names[i], &topics[n], r->err, sizeof(r->err));
            if (rc == SK_ENOENT)
                continue; /* deleted meanwhile */
            if (rc != SK_OK) {
                free_names(names, cnt);
                status = fail(r);
                goto out;
            }
            n++;
        }
        free_names(names, cnt);
        if (sk_tzk_live_brokers(r->zk, &live, &n_live, r->err, sizeof(r->err)) != SK_OK) {
            status = fail(r);
            goto out;
        }
    } else if (sk_tkafka_describe(r->kafka, &r->filter, 1, &topics, &n, &live, &n_live,
                                  r->err, sizeof(r->err)) != SK_OK) {
        status = fail(r);
        goto out;
    }
    if (ensure_found(r, n > 0) != SK_OK) {
        status = fail(r);
        goto out;
    }
    sk_tdesc_opts_t o = {
        .under_replicated = r->cmd->under_replicated,
        .unavailable = r->cmd->unavailable,
        .topics_with_overrides = r->cmd->topics_with_overrides,
        .live = live,
        .n_live = n_live,
    };
    for (int i = 0; i < n; i++)
        sk_tdesc_print(stdout, &topics[i], &o);
out:
    for (int i = 0; i < n; i++)
        sk_tdesc_topic_clear(&topics[i]);
    free(topics);
    free(live);
    return status;
}

static int do_create(run_t *r)
{
    const sk_topics_cmd_t *c = r->cmd;
    const sk_assignment_t *a = r->has_assignment ? &r->assignment : NULL;
    warn_name_collision(c->topic);
    int rc = r->zk ? sk_tzk_create(r->zk, c->topic, c->partitions, c->replication_factor, a,
                                   &c->configs, r->err, sizeof(r->err))
                   : sk_tkafka_create(r->kafka, c->topic, c->partitions, c->replication_factor, a,
                                      &c->configs, r->err, sizeof(r->err));
    if (rc == SK_EEXIST && c->if_not_exists)
        return SK_TOOL_EXIT_OK;
    if (rc != SK_OK)
        return fail(r);
    printf("Created topic %s.\n", c->topic);
    return SK_TOOL_EXIT_OK;
}

static int do_delete(run_t *r)
{
    char **names = NULL;
    int n = 0;
    if (selected_names(r, &names, &n) != SK_OK)
        return fail(r);
    int status = SK_TOOL_EXIT_OK;
    if (ensure_found(r, n > 0) != SK_OK) {
        status = fail(r);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (r->zk) {
            int rc = sk_tzk_mark_delete(r->zk, names[i], r->err, sizeof(r->err));
            if (rc == SK_EEXIST) {
                printf("Topic %s is already marked for deletion.\n", names[i]);
                continue;
            }
            if (rc != SK_OK) {
                status = fail(r);
                goto out;
            }
            printf("Topic %s is marked for deletion.\n", names[i]);
            printf("Note: This will have no impact if delete.topic.enable is not set to true.\n");
        } else if (sk_tkafka_delete(r->kafka, names[i], r->err, sizeof(r->err)) != SK_OK) {
            status = fail(r);
            goto out;
        }
    }
out:
    free_names(names, n);
    return status;
}

static int do_alter(run_t *r)
{
    const sk_topics_cmd_t *c = r->cmd;
    const sk_assignment_t *a = r->has_assignment ? &r->assignment : NULL;
    int status = SK_TOOL_EXIT_OK;
    if (r->zk) {
        char **names = NULL;
        int n = 0;
        if (selected_names(r, &names, &n) != SK_OK)
            return fail(r);
        if (ensure_found(r, n > 0) != SK_OK)
            status = fail(r);
        for (int i = 0; i < n && status == SK_TOOL_EXIT_OK; i++) {
            printf("WARNING: If partitions are increased for a topic that has a key, the "
                   "partition logic or ordering of the messages will be affected\n");
            if (sk_tzk_add_partitions(r->zk, names[i], c->partitions, a, r->err,
                                      sizeof(r->err)) != SK_OK)
                status = fail(r);
            else
                printf("Adding partitions succeeded!\n");
        }
        free_names(names, n);
        return status;
    }
    sk_tdesc_topic_t *topics = NULL;
    int n = 0;
    int32_t *live = NULL;
    int n_live = 0;
    if (sk_tkafka_describe(r->kafka, &r->filter, 0, &topics, &n, &live, &n_live, r->err,
                           sizeof(r->err)) != SK_OK)
        return fail(r);
    if (ensure_found(r, n > 0) != SK_OK)
        status = fail(r);
    for (int i = 0; i < n && status == SK_TOOL_EXIT_OK; i++)
        if (sk_tkafka_add_partitions(r->kafka, topics[i].name, c->partitions, topics[i].n_parts,
                                     a, r->err, sizeof(r->err)) != SK_OK)
            status = fail(r);
    sk_tkafka_free_topics(topics, n);
    free(live);
    return status;
}

int main(int argc, char **argv)
{
    sk_topics_cmd_t cmd;
    run_t r;
    memset(&r, 0, sizeof(r));
    int status = SK_TOOL_EXIT_OK;
    if (sk_topics_cmd_parse(argc, argv, &cmd, r.err, sizeof(r.err)) != SK_OK) {
        fprintf(stderr, "skein-topics: %s\nTry 'skein-topics --help' for more information.\n",
                r.err);
        status = SK_TOOL_EXIT_USAGE;
        goto out;
    }
    r.cmd = &cmd;
    if (cmd.help) {
        sk_topics_cmd_usage(stdout);
        goto out;
    }
    if (cmd.version) {
        printf("skein-topics %s\n", PACKAGE_VERSION);
        goto out;
    }
    if (cmd.replica_assignment) {
        if (sk_assign_parse(cmd.replica_assignment, &r.assignment, r.err, sizeof(r.err)) !=
            SK_OK) {
            fprintf(stderr, "skein-topics: --replica-assignment: %s\n", r.err);
            status = SK_TOOL_EXIT_USAGE;
            goto out;
        }
        r.has_assignment = 1;
    }
    if (cmd.action != SK_TC_CREATE &&
        sk_tfilter_init(&r.filter, cmd.topic, cmd.exclude_internal, r.err, sizeof(r.err)) !=
            SK_OK) {
        fprintf(stderr, "skein-topics: --topic: %s\n", r.err);
        status = SK_TOOL_EXIT_USAGE;
        goto out;
    }
    int rc = cmd.zookeeper
                 ? sk_tzk_open(cmd.zookeeper, cmd.zk_digest_file, ZK_TIMEOUT_MS, &r.zk, r.err,
                               sizeof(r.err))
                 : sk_tkafka_open(cmd.bootstrap, cmd.command_config, ADMIN_TIMEOUT_MS, &r.kafka,
                                  r.err, sizeof(r.err));
    if (rc != SK_OK) {
        status = fail(&r);
        goto out;
    }
    switch (cmd.action) {
    case SK_TC_LIST: status = do_list(&r); break;
    case SK_TC_DESCRIBE: status = do_describe(&r); break;
    case SK_TC_CREATE: status = do_create(&r); break;
    case SK_TC_DELETE: status = do_delete(&r); break;
    case SK_TC_ALTER: status = do_alter(&r); break;
    case SK_TC_NONE: break;
    }
out:
    fflush(stdout);
    sk_tzk_close(r.zk);
    sk_tkafka_close(r.kafka);
    sk_tfilter_free(&r.filter);
    sk_assignment_clear(&r.assignment);
    sk_topics_cmd_clear(&cmd);
    return status;
}
