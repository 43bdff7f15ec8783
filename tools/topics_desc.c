/* topics_desc.c - kafka-topics style description lines and topic filters
 * (see topics_desc.h). */
#include "topics_desc.h"

#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "mem.h"

void sk_tdesc_topic_clear(sk_tdesc_topic_t *t)
{
    free(t->name);
    free(t->topic_id);
    for (int i = 0; i < t->n_configs; i++) {
        free(t->config_keys[i]);
        free(t->config_values[i]);
    }
    free(t->config_keys);
    free(t->config_values);
    for (int i = 0; i < t->n_parts; i++) {
        free(t->parts[i].replicas);
        free(t->parts[i].isr);
        free(t->parts[i].adding);
        free(t->parts[i].removing);
    }
    free(t->parts);
    memset(t, 0, sizeof(*t));
}

void sk_tdesc_add_config(sk_tdesc_topic_t *t, const char *key, const char *value)
{
    t->config_keys = sk_realloc(t->config_keys, (size_t)(t->n_configs + 1) * sizeof(char *));
    t->config_values = sk_realloc(t->config_values, (size_t)(t->n_configs + 1) * sizeof(char *));
    t->config_keys[t->n_configs] = sk_strdup(key);
    t->config_values[t->n_configs] = sk_strdup(value ? value : "");
    t->n_configs++;
}

static int part_cmp(const void *a, const void *b)
{
    const sk_tdesc_part_t *x = a, *y = b;
    return (x->partition > y->partition) - (x->partition < y->partition);
}

void sk_tdesc_sort_parts(sk_tdesc_topic_t *t)
{
    if (t->n_parts > 1)
        qsort(t->parts, (size_t)t->n_parts, sizeof(*t->parts), part_cmp);
}

int sk_tdesc_replication_factor(const sk_tdesc_topic_t *t)
{
    if (t->n_parts == 0)
        return 0;
    const sk_tdesc_part_t *p = &t->parts[0];
    return p->n_replicas - p->n_adding;
}

int sk_tdesc_part_under_replicated(const sk_tdesc_part_t *p)
{
    return p->n_replicas - p->n_adding - p->n_isr > 0;
}

int sk_tdesc_part_unavailable(const sk_tdesc_part_t *p, const int32_t *live, int n_live)
{
    if (p->leader < 0)
        return 1;
    for (int i = 0; i < n_live; i++)
        if (live[i] == p->leader)
            return 0;
    return 1;
}

static void print_ids(FILE *out, const int32_t *v, int n)
{
    for (int i = 0; i < n; i++)
        fprintf(out, "%s%d", i ? "," : "", (int)v[i]);
}

static void print_topic_line(FILE *out, const sk_tdesc_topic_t *t)
{
    fprintf(out, "Topic: %s", t->name);
    if (t->topic_id && *t->topic_id)
        fprintf(out, "\tTopicId: %s", t->topic_id);
    fprintf(out, "\tPartitionCount: %d", t->n_parts);
    fprintf(out, "\tReplicationFactor: %d", sk_tdesc_replication_factor(t));
    fprintf(out, "\tConfigs: ");
    for (int i = 0; i < t->n_configs; i++)
        fprintf(out, "%s%s=%s", i ? "," : "", t->config_keys[i], t->config_values[i]);
    if (t->marked_for_deletion)
        fprintf(out, "\tMarkedForDeletion: true");
    fputc('\n', out);
}

static void print_part_line(FILE *out, const sk_tdesc_topic_t *t, const sk_tdesc_part_t *p)
{
    fprintf(out, "\tTopic: %s\tPartition: %d\tLeader: ", t->name, (int)p->partition);
    if (p->leader >= 0)
        fprintf(out, "%d", (int)p->leader);
    else
        fputs("none", out);
    fputs("\tReplicas: ", out);
    print_ids(out, p->replicas, p->n_replicas);
    fputs("\tIsr: ", out);
    print_ids(out, p->isr, p->n_isr);
    if (p->n_adding || p->n_removing) {
        fputs("\tAdding Replicas: ", out);
        print_ids(out, p->adding, p->n_adding);
        fputs("\tRemoving Replicas: ", out);
        print_ids(out, p->removing, p->n_removing);
    }
    if (t->marked_for_deletion)
        fputs("\tMarkedForDeletion: true", out);
    fputc('\n', out);
}

int sk_tdesc_print(FILE *out, const sk_tdesc_topic_t *t, const sk_tdesc_opts_t *o)
{
    int lines = 0;
    int describe_configs = !o->under_replicated && !o->unavailable;
    int describe_partitions = !o->topics_with_overrides;
    if (describe_configs && (!o->topics_with_overrides || t->n_configs > 0)) {
        print_topic_line(out, t);
        lines++;
    }
    if (!describe_partitions)
        return lines;
    for (int i = 0; i < t->n_parts; i++) {
        const sk_tdesc_part_t *p = &t->parts[i];
        int show = describe_configs ||
                   (o->under_replicated && sk_tdesc_part_under_replicated(p)) ||
                   (o->unavailable && sk_tdesc_part_unavailable(p, o->live, o->n_live));
        if (show) {
            print_part_line(out, t, p);
            lines++;
        }
    }
    return lines;
}

/* ---- topic selection ---------------------------------------------------- */

int sk_topic_is_internal(const char *topic)
{
    return strcmp(topic, "__consumer_offsets") == 0 || strcmp(topic, "__transaction_state") == 0;
}

int sk_tfilter_init(sk_tfilter_t *f, const char *pattern, int exclude_internal, char *err,
                    size_t errlen)
{
    memset(f, 0, sizeof(*f));
    f->exclude_internal = exclude_internal;
    if (!pattern)
        return SK_OK;
    /* Kafka's include list: drop spaces and leading/trailing quotes, ','
     * means '|'; the whole name must match. */
    size_t n = strlen(pattern);
    char *expr = sk_malloc(n + 8);
    size_t len = 0;
    expr[len++] = '^';
    expr[len++] = '(';
    size_t a = 0, b = n;
    while (a < b && (pattern[a] == '"' || pattern[a] == '\''))
        a++;
    while (b > a && (pattern[b - 1] == '"' || pattern[b - 1] == '\''))
        b--;
    for (size_t i = a; i < b; i++) {
        if (pattern[i] == ' ')
            continue;
        expr[len++] = pattern[i] == ',' ? '|' : pattern[i];
    }
    expr[len++] = ')';
    expr[len++] = '$';
    expr[len] = '\0';
    int rc = regcomp(&f->re, expr, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &f->re, msg, sizeof(msg));
        snprintf(err, errlen, "invalid topic expression '%s': %s", pattern, msg);
        free(expr);
        return SK_EINVAL;
    }
    free(expr);
    f->has_regex = 1;
    return SK_OK;
}

void sk_tfilter_free(sk_tfilter_t *f)
{
    if (f->has_regex)
        regfree(&f->re);
    f->has_regex = 0;
}

int sk_tfilter_match(const sk_tfilter_t *f, const char *topic)
{
    if (f->exclude_internal && sk_topic_is_internal(topic))
        return 0;
    if (!f->has_regex)
        return 1;
    return regexec(&f->re, topic, 0, NULL, 0) == 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void sk_tdesc_sort_names(char **names, int n)
{
    if (n > 1)
        qsort(names, (size_t)n, sizeof(char *), name_cmp);
}
