/* groups_out.c - group model and tables of skein-consumer-groups (see
 * groups_out.h). */
#include "groups_out.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static char *dup_or_null(const char *s)
{
    return s ? sk_strdup(s) : NULL;
}

static const char *dash(const char *s)
{
    return s && *s ? s : "-";
}

void sk_gtp_list_free(sk_gtp_t *l, int n)
{
    for (int i = 0; i < n; i++) {
        free(l[i].topic);
        free(l[i].error);
    }
    free(l);
}

void sk_ggroup_clear(sk_ggroup_t *g)
{
    free(g->group);
    free(g->state);
    free(g->assignor);
    free(g->coordinator_host);
    for (int i = 0; i < g->n_members; i++) {
        sk_gmember_t *m = &g->members[i];
        free(m->consumer_id);
        free(m->instance_id);
        free(m->client_id);
        free(m->host);
        sk_gtp_list_free(m->assigned, m->n_assigned);
    }
    free(g->members);
    for (int i = 0; i < g->n_parts; i++)
        free(g->parts[i].topic);
    free(g->parts);
    memset(g, 0, sizeof(*g));
}

sk_gmember_t *sk_ggroup_add_member(sk_ggroup_t *g, const char *consumer_id,
                                   const char *instance_id, const char *client_id,
                                   const char *host)
{
    g->members = sk_realloc(g->members, (size_t)(g->n_members + 1) * sizeof(*g->members));
    sk_gmember_t *m = &g->members[g->n_members++];
    memset(m, 0, sizeof(*m));
    m->consumer_id = dup_or_null(consumer_id);
    m->instance_id = dup_or_null(instance_id);
    m->client_id = dup_or_null(client_id);
    m->host = dup_or_null(host);
    return m;
}

void sk_gmember_assign(sk_gmember_t *m, const char *topic, int32_t partition)
{
    m->assigned = sk_realloc(m->assigned, (size_t)(m->n_assigned + 1) * sizeof(*m->assigned));
    sk_gtp_t *t = &m->assigned[m->n_assigned++];
    memset(t, 0, sizeof(*t));
    t->topic = sk_strdup(topic);
    t->partition = partition;
    t->offset = -1;
}

static int tp_cmp(const char *ta, int32_t pa, const char *tb, int32_t pb)
{
    int c = strcmp(ta, tb);
    if (c)
        return c;
    return pa < pb ? -1 : pa > pb;
}

static int gtp_cmp(const void *a, const void *b)
{
    const sk_gtp_t *x = a, *y = b;
    return tp_cmp(x->topic, x->partition, y->topic, y->partition);
}

static int gpart_cmp(const void *a, const void *b)
{
    const sk_gpart_t *x = a, *y = b;
    return tp_cmp(x->topic, x->partition, y->topic, y->partition);
}

void sk_gtp_sort(sk_gtp_t *l, int n)
{
    if (n > 1)
        qsort(l, (size_t)n, sizeof(*l), gtp_cmp);
}

static sk_gpart_t *find_part(sk_ggroup_t *g, const char *topic, int32_t p)
{
    for (int i = 0; i < g->n_parts; i++)
        if (g->parts[i].partition == p && strcmp(g->parts[i].topic, topic) == 0)
            return &g->parts[i];
    return NULL;
}

static sk_gpart_t *add_part(sk_ggroup_t *g, const char *topic, int32_t p)
{
    sk_gpart_t *r = find_part(g, topic, p);
    if (r)
        return r;
    g->parts = sk_realloc(g->parts, (size_t)(g->n_parts + 1) * sizeof(*g->parts));
    r = &g->parts[g->n_parts++];
    memset(r, 0, sizeof(*r));
    r->topic = sk_strdup(topic);
    r->partition = p;
    r->current = -1;
    r->log_end = -1;
    return r;
}

void sk_ggroup_build_parts(sk_ggroup_t *g, const sk_gtp_t *committed, int n_committed)
{
    for (int i = 0; i < g->n_members; i++) {
        sk_gmember_t *m = &g->members[i];
        for (int j = 0; j < m->n_assigned; j++)
            add_part(g, m->assigned[j].topic, m->assigned[j].partition)->owner = m;
    }
    for (int i = 0; i < n_committed; i++)
        add_part(g, committed[i].topic, committed[i].partition)->current = committed[i].offset;
    if (g->n_parts > 1)
        qsort(g->parts, (size_t)g->n_parts, sizeof(*g->parts), gpart_cmp);
}

static int maxw(int w, const char *s)
{
    int l = (int)strlen(dash(s));
    return l > w ? l : w;
}

void sk_gout_state_note(FILE *out, const sk_ggroup_t *g)
{
    const char *st = g->state ? g->state : "";
    if (strcmp(st, "PreparingRebalance") == 0 || strcmp(st, "CompletingRebalance") == 0)
        fprintf(out, "\nWarning: Consumer group '%s' is rebalancing.\n", g->group);
    else if (g->n_members == 0)
        fprintf(out, "\nConsumer group '%s' has no active members.\n", g->group);
}

static void num_or_dash(char *buf, size_t len, int64_t v)
{
    if (v < 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%" PRId64, v);
}

void sk_gout_offsets(FILE *out, const sk_ggroup_t *g)
{
    int wg = maxw(15, g->group), wt = 15, wc = 15, wh = 15;
    for (int i = 0; i < g->n_parts; i++) {
        const sk_gpart_t *p = &g->parts[i];
        wt = maxw(wt, p->topic);
        if (p->owner) {
            wc = maxw(wc, p->owner->consumer_id);
            wh = maxw(wh, p->owner->host);
        }
    }
    fprintf(out, "\n%-*s %-*s %-10s %-15s %-15s %-15s %-*s %-*s %s\n", wg, "GROUP", wt, "TOPIC",
            "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", wc, "CONSUMER-ID", wh, "HOST",
            "CLIENT-ID");
    for (int i = 0; i < g->n_parts; i++) {
        const sk_gpart_t *p = &g->parts[i];
        char cur[24], end[24], lag[24];
        num_or_dash(cur, sizeof(cur), p->current);
        num_or_dash(end, sizeof(end), p->log_end);
        int64_t l = -1;
        if (p->current >= 0 && p->log_end >= 0)
            l = p->log_end > p->current ? p->log_end - p->current : 0;
        num_or_dash(lag, sizeof(lag), l);
        const sk_gmember_t *m = p->owner;
        fprintf(out, "%-*s %-*s %-10" PRId32 " %-15s %-15s %-15s %-*s %-*s %s\n", wg, g->group,
                wt, p->topic, p->partition, cur, end, lag, wc, dash(m ? m->consumer_id : NULL),
                wh, dash(m ? m->host : NULL), dash(m ? m->client_id : NULL));
    }
}

/* "t(0,1),u(3)" for a member's assignment (assigned must be sorted). */
static char *assignment_text(const sk_gmember_t *m)
{
    size_t cap = 64, len = 0;
    char *s = sk_malloc(cap);
    s[0] = '\0';
    for (int i = 0; i < m->n_assigned; i++) {
        const sk_gtp_t *t = &m->assigned[i];
        int first = i == 0 || strcmp(m->assigned[i - 1].topic, t->topic) != 0;
        int last = i + 1 == m->n_assigned || strcmp(m->assigned[i + 1].topic, t->topic) != 0;
        char *piece = sk_asprintf("%s%s%s%" PRId32 "%s", first && i ? "," : "",
                                  first ? t->topic : "", first ? "(" : ",", t->partition,
                                  last ? ")" : "");
        size_t pl = strlen(piece);
        while (len + pl + 1 > cap) {
            cap *= 2;
            s = sk_realloc(s, cap);
        }
        memcpy(s + len, piece, pl + 1);
        len += pl;
        free(piece);
    }
    if (len == 0) {
        free(s);
        s = sk_strdup("-");
    }
    return s;
}

void sk_gout_members(FILE *out, const sk_ggroup_t *g, int verbose)
{
    int wg = maxw(15, g->group), wc = 15, wh = 15, wl = 15;
    for (int i = 0; i < g->n_members; i++) {
        wc = maxw(wc, g->members[i].consumer_id);
        wh = maxw(wh, g->members[i].host);
        wl = maxw(wl, g->members[i].client_id);
    }
    if (verbose)
        fprintf(out, "\n%-*s %-*s %-*s %-*s %-15s %s\n", wg, "GROUP", wc, "CONSUMER-ID", wh,
                "HOST", wl, "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT");
    else
        fprintf(out, "\n%-*s %-*s %-*s %-*s %s\n", wg, "GROUP", wc, "CONSUMER-ID", wh, "HOST", wl,
                "CLIENT-ID", "#PARTITIONS");
    for (int i = 0; i < g->n_members; i++) {
        sk_gmember_t *m = &g->members[i];
        sk_gtp_sort(m->assigned, m->n_assigned);
        fprintf(out, "%-*s %-*s %-*s %-*s ", wg, g->group, wc, dash(m->consumer_id), wh,
                dash(m->host), wl, dash(m->client_id));
        if (verbose) {
            char *a = assignment_text(m);
            fprintf(out, "%-15d %s\n", m->n_assigned, a);
            free(a);
        } else {
            fprintf(out, "%d\n", m->n_assigned);
        }
    }
}

void sk_gout_state(FILE *out, const sk_ggroup_t *g)
{
    char coord[300];
    if (g->coordinator_host && g->coordinator_id >= 0)
        snprintf(coord, sizeof(coord), "%s:%d  (%" PRId32 ")", g->coordinator_host,
                 g->coordinator_port, g->coordinator_id);
    else
        snprintf(coord, sizeof(coord), "-");
    int wg = maxw(15, g->group), wco = maxw(25, coord);
    fprintf(out, "\n%-*s %-*s %-20s %-20s %s\n", wg, "GROUP", wco, "COORDINATOR (ID)",
            "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS");
    fprintf(out, "%-*s %-*s %-20s %-20s %d\n", wg, g->group, wco, coord, dash(g->assignor),
            dash(g->state), g->n_members);
}

void sk_gout_reset_plan(FILE *out, const char *group, const sk_gtp_t *plan, int n)
{
    fprintf(out, "\n%-30s %-30s %-10s %s\n", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
    for (int i = 0; i < n; i++)
        fprintf(out, "%-30s %-30s %-10" PRId32 " %" PRId64 "\n", group, plan[i].topic,
                plan[i].partition, plan[i].offset);
}

void sk_gout_delete_offsets(FILE *out, const sk_gtp_t *res, int n)
{
    fprintf(out, "\n%-30s %-15s %s\n", "TOPIC", "PARTITION", "STATUS");
    for (int i = 0; i < n; i++) {
        if (res[i].error)
            fprintf(out, "%-30s %-15" PRId32 " Error: %s\n", res[i].topic, res[i].partition,
                    res[i].error);
        else
            fprintf(out, "%-30s %-15" PRId32 " Successful\n", res[i].topic, res[i].partition);
    }
}
