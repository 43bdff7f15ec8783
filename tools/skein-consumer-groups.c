/* skein-consumer-groups - list, describe and delete consumer groups, reset
 * and delete their committed offsets, like Kafka's kafka-consumer-groups.sh,
 * through a broker's group admin APIs. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups_cmd.h"
#include "groups_kafka.h"
#include "groups_out.h"
#include "groups_spec.h"
#include "kerr.h"
#include "mem.h"
#include "toolopt.h"

typedef struct run {
    const sk_groups_cmd_t *cmd;
    sk_gkafka_t *k;
    char err[1024];
} run_t;

static int fail(run_t *r)
{
    fprintf(stderr, "Error: %s\n", r->err);
    return SK_TOOL_EXIT_FAIL;
}

static void free_names(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* The groups an action works on: --group values, or every group with
 * --all-groups. */
static int target_groups(run_t *r, char ***out, int *n)
{
    if (r->cmd->all_groups)
        return sk_gkafka_list(r->k, out, n, r->err, sizeof(r->err));
    char **v = sk_calloc((size_t)r->cmd->n_groups + 1, sizeof(char *));
    for (int i = 0; i < r->cmd->n_groups; i++)
        v[i] = sk_strdup(r->cmd->groups[i]);
    *out = v;
    *n = r->cmd->n_groups;
    return SK_OK;
}

static int do_list(run_t *r)
{
    char **ids = NULL;
    int n = 0;
    if (sk_gkafka_list(r->k, &ids, &n, r->err, sizeof(r->err)) != SK_OK)
        return fail(r);
    for (int i = 0; i < n; i++)
        printf("%s\n", ids[i]);
    free_names(ids, n);
    return SK_TOOL_EXIT_OK;
}

static int describe_offsets(run_t *r, sk_ggroup_t *g)
{
    sk_gtp_t *committed = NULL;
    int n_committed = 0;
    if (sk_gkafka_committed(r->k, g->group, &committed, &n_committed, r->err, sizeof(r->err)) !=
        SK_OK)
        return SK_EIO;
    sk_ggroup_build_parts(g, committed, n_committed);
    sk_gtp_list_free(committed, n_committed);
    for (int i = 0; i < g->n_parts; i++) {
        int64_t low, high;
        char e[512];
        if (sk_gkafka_watermarks(r->k, g->parts[i].topic, g->parts[i].partition, &low, &high, e,
                                 sizeof(e)) == SK_OK)
            g->parts[i].log_end = high;
        else
            fprintf(stderr, "WARN: %s\n", e); /* the row shows "-" */
    }
    sk_gout_state_note(stdout, g);
    sk_gout_offsets(stdout, g);
    return SK_OK;
}

static int do_describe(run_t *r)
{
    char **groups = NULL;
    int n = 0;
    if (target_groups(r, &groups, &n) != SK_OK)
        return fail(r);
    int status = SK_TOOL_EXIT_OK;
    for (int i = 0; i < n; i++) {
        sk_ggroup_t g;
        memset(&g, 0, sizeof(g));
        int rc = sk_gkafka_describe(r->k, groups[i], &g, r->err, sizeof(r->err));
        if (rc == SK_OK) {
            switch (r->cmd->show) {
            case SK_GC_SHOW_OFFSETS: rc = describe_offsets(r, &g); break;
            case SK_GC_SHOW_MEMBERS:
                sk_gout_state_note(stdout, &g);
                if (g.n_members > 0)
                    sk_gout_members(stdout, &g, r->cmd->verbose);
                break;
            case SK_GC_SHOW_STATE: sk_gout_state(stdout, &g); break;
            }
        }
        if (rc != SK_OK)
            status = fail(r);
        sk_ggroup_clear(&g);
    }
    if (n > 0)
        printf("\n");
    free_names(groups, n);
    return status;
}

/* Add the partitions one --topic scope selects to the plan. */
static int scope_partitions(run_t *r, const sk_gtopic_spec_t *s, sk_gtp_t **plan, int *n)
{
    int32_t *ids = NULL;
    int n_ids = 0;
    if (sk_gkafka_partitions(r->k, s->topic, &ids, &n_ids, r->err, sizeof(r->err)) != SK_OK)
        return SK_EIO;
    int rc = SK_OK;
    for (int i = 0; i < s->n_parts; i++) {
        int found = 0;
        for (int j = 0; j < n_ids && !found; j++)
            found = ids[j] == s->parts[i];
        if (!found) {
            snprintf(r->err, sizeof(r->err), "Partition %s-%" PRId32 " does not exist", s->topic,
                     s->parts[i]);
            rc = SK_ENOENT;
            goto out;
        }
    }
    for (int j = 0; j < n_ids; j++) {
        if (!sk_gtopic_spec_match(s, s->topic, ids[j]))
            continue;
        int dup = 0;
        for (int i = 0; i < *n && !dup; i++)
            dup = (*plan)[i].partition == ids[j] && strcmp((*plan)[i].topic, s->topic) == 0;
        if (dup)
            continue;
        *plan = sk_realloc(*plan, (size_t)(*n + 1) * sizeof(**plan));
        sk_gtp_t *t = &(*plan)[(*n)++];
        memset(t, 0, sizeof(*t));
        t->topic = sk_strdup(s->topic);
        t->partition = ids[j];
        t->offset = -1;
    }
out:
    free(ids);
    return rc;
}

static int64_t committed_of(const sk_gtp_t *c, int n, const char *topic, int32_t p)
{
    for (int i = 0; i < n; i++)
        if (c[i].partition == p && strcmp(c[i].topic, topic) == 0)
            return c[i].offset;
    return -1;
}

/* Plan (and with --execute apply) the reset of one group. */
static int reset_group(run_t *r, const char *group)
{
    const sk_groups_cmd_t *c = r->cmd;
    sk_ggroup_t g;
    memset(&g, 0, sizeof(g));
    sk_gtp_t *committed = NULL, *plan = NULL;
    int n_committed = 0, n_plan = 0;
    int rc = sk_gkafka_describe(r->k, group, &g, r->err, sizeof(r->err));
    if (rc == SK_ENOENT) {
        rc = SK_OK; /* a group that does not exist yet is inactive: resetting creates it */
    } else if (rc != SK_OK) {
        goto out;
    } else if (strcmp(g.state, "Empty") != 0) {
        snprintf(r->err, sizeof(r->err),
                 "Assignments can only be reset if the group '%s' is inactive, but the current "
                 "state is %s.", group, g.state);
        rc = SK_ESTATE;
        goto out;
    }
    if ((rc = sk_gkafka_committed(r->k, group, &committed, &n_committed, r->err,
                                  sizeof(r->err))) != SK_OK)
        goto out;
    if (c->all_topics) {
        plan = sk_calloc((size_t)n_committed + 1, sizeof(*plan));
        for (int i = 0; i < n_committed; i++) {
            plan[i].topic = sk_strdup(committed[i].topic);
            plan[i].partition = committed[i].partition;
            plan[i].offset = -1;
        }
        n_plan = n_committed;
    } else {
        for (int i = 0; i < c->n_topics; i++)
            if ((rc = scope_partitions(r, &c->topics[i], &plan, &n_plan)) != SK_OK)
                goto out;
    }
    sk_gtp_sort(plan, n_plan);
    if (c->reset == SK_GRESET_DATETIME &&
        (rc = sk_gkafka_offsets_for_time(r->k, plan, n_plan, c->reset_value, r->err,
                                         sizeof(r->err))) != SK_OK)
        goto out;
    for (int i = 0; i < n_plan; i++) {
        sk_greset_in_t in = {.committed = committed_of(committed, n_committed, plan[i].topic,
                                                       plan[i].partition),
                             .by_time = plan[i].offset};
        if ((rc = sk_gkafka_watermarks(r->k, plan[i].topic, plan[i].partition, &in.low, &in.high,
                                       r->err, sizeof(r->err))) != SK_OK)
            goto out;
        if ((rc = sk_greset_target(c->reset, c->reset_value, &in, plan[i].topic,
                                   plan[i].partition, &plan[i].offset, r->err,
                                   sizeof(r->err))) != SK_OK)
            goto out;
    }
    if (c->execute && n_plan > 0 &&
        (rc = sk_gkafka_alter(r->k, group, plan, n_plan, r->err, sizeof(r->err))) != SK_OK) {
        for (int i = 0; i < n_plan; i++)
            if (plan[i].error)
                fprintf(stderr, "Error: %s-%" PRId32 ": %s\n", plan[i].topic, plan[i].partition,
                        plan[i].error);
        goto out;
    }
    sk_gout_reset_plan(stdout, group, plan, n_plan);
out:
    sk_ggroup_clear(&g);
    sk_gtp_list_free(committed, n_committed);
    sk_gtp_list_free(plan, n_plan);
    return rc;
}

static int do_reset(run_t *r)
{
    char **groups = NULL;
    int n = 0;
    if (target_groups(r, &groups, &n) != SK_OK)
        return fail(r);
    if (!r->cmd->execute && !r->cmd->dry_run)
        fprintf(stderr, "WARN: No action will be performed as the --execute option is missing "
                        "(add --dry-run to say so explicitly).\n");
    int status = SK_TOOL_EXIT_OK;
    for (int i = 0; i < n; i++)
        if (reset_group(r, groups[i]) != SK_OK)
            status = fail(r);
    if (n > 0)
        printf("\n");
    free_names(groups, n);
    return status;
}

static void print_quoted_list(FILE *out, char **v, const char *const *errs, int want_err, int n)
{
    int first = 1;
    for (int i = 0; i < n; i++) {
        if ((errs[i] != NULL) != want_err)
            continue;
        fprintf(out, "%s'%s'", first ? "" : ", ", v[i]);
        first = 0;
    }
}

static int do_delete(run_t *r)
{
    char **groups = NULL;
    char **errs = NULL;
    int n = 0;
    if (target_groups(r, &groups, &n) != SK_OK)
        return fail(r);
    int status = SK_TOOL_EXIT_OK;
    if (n == 0)
        goto out;
    if (sk_gkafka_delete_groups(r->k, (const char *const *)groups, n, &errs, r->err,
                                sizeof(r->err)) != SK_OK) {
        status = fail(r);
        goto out;
    }
    int n_failed = 0;
    for (int i = 0; i < n; i++)
        n_failed += errs[i] != NULL;
    if (n_failed == 0) {
        printf("Deletion of requested consumer groups (");
        print_quoted_list(stdout, groups, (const char *const *)errs, 0, n);
        printf(") was successful.\n");
        goto out;
    }
    fprintf(stderr, "Error: Deletion of some consumer groups failed:\n");
    for (int i = 0; i < n; i++)
        if (errs[i])
            fprintf(stderr, "* Group '%s' could not be deleted due to: %s\n", groups[i], errs[i]);
    if (n_failed < n) {
        printf("These consumer groups were deleted successfully: ");
        print_quoted_list(stdout, groups, (const char *const *)errs, 0, n);
        printf("\n");
    }
    status = SK_TOOL_EXIT_FAIL;
out:
    if (errs)
        free_names(errs, n);
    free_names(groups, n);
    return status;
}

static int do_delete_offsets(run_t *r)
{
    const sk_groups_cmd_t *c = r->cmd;
    const char *group = c->groups[0];
    sk_gtp_t *l = NULL;
    int n = 0;
    int status = SK_TOOL_EXIT_OK;
    for (int i = 0; i < c->n_topics; i++)
        if (scope_partitions(r, &c->topics[i], &l, &n) != SK_OK) {
            status = fail(r);
            goto out;
        }
    if (sk_gkafka_delete_offsets(r->k, group, l, n, r->err, sizeof(r->err)) != SK_OK) {
        char e[sizeof(r->err)];
        snprintf(e, sizeof(e), "%s", r->err);
        snprintf(r->err, sizeof(r->err), "Deleting offsets of group '%.200s' failed: %.700s",
                 group, e);
        status = fail(r);
        goto out;
    }
    printf("Request succeed for deleting offsets with topic ");
    for (int i = 0; i < c->n_topics; i++)
        printf("%s%s", i ? ", " : "", c->topics[i].topic);
    printf(" group %s\n", group);
    sk_gtp_sort(l, n);
    sk_gout_delete_offsets(stdout, l, n);
    for (int i = 0; i < n; i++)
        if (l[i].error)
            status = SK_TOOL_EXIT_FAIL;
out:
    sk_gtp_list_free(l, n);
    return status;
}

int main(int argc, char **argv)
{
    sk_groups_cmd_t cmd;
    run_t r;
    memset(&r, 0, sizeof(r));
    int status = SK_TOOL_EXIT_OK;
    if (sk_groups_cmd_parse(argc, argv, &cmd, r.err, sizeof(r.err)) != SK_OK) {
        fprintf(stderr, "skein-consumer-groups: %s\n"
                        "Try 'skein-consumer-groups --help' for more information.\n", r.err);
        status = SK_TOOL_EXIT_USAGE;
        goto out;
    }
    r.cmd = &cmd;
    if (cmd.help) {
        sk_groups_cmd_usage(stdout);
        goto out;
    }
    if (cmd.version) {
        printf("skein-consumer-groups %s\n", PACKAGE_VERSION);
        goto out;
    }
    if (sk_gkafka_open(cmd.bootstrap, cmd.command_config, cmd.timeout_ms, &r.k, r.err,
                       sizeof(r.err)) != SK_OK) {
        status = fail(&r);
        goto out;
    }
    switch (cmd.action) {
    case SK_GC_LIST: status = do_list(&r); break;
    case SK_GC_DESCRIBE: status = do_describe(&r); break;
    case SK_GC_RESET: status = do_reset(&r); break;
    case SK_GC_DELETE: status = do_delete(&r); break;
    case SK_GC_DELETE_OFFSETS: status = do_delete_offsets(&r); break;
    case SK_GC_NONE: break;
    }
out:
    fflush(stdout);
    sk_gkafka_close(r.k);
    sk_groups_cmd_clear(&cmd);
    return status;
}
