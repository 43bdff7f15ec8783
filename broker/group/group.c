/* group.c - the consumer group model (see group.h). */
#include "group/group.h"

#include "kbuf.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

static const char *const state_names[] = {
    "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead",
};

const char *sk_gstate_name(sk_gstate_t s)
{
    if ((int)s < 0 || (int)s > SK_GSTATE_DEAD)
        return "Unknown";
    return state_names[s];
}

int sk_gstate_parse(const char *name, int32_t len)
{
    if (!name || len < 0)
        return -1;
    for (int i = 0; i <= SK_GSTATE_DEAD; i++)
        if ((int32_t)strlen(state_names[i]) == len && strncasecmp(state_names[i], name,
                                                                  (size_t)len) == 0)
            return i;
    return -1;
}

int sk_gstate_can_move(sk_gstate_t from, sk_gstate_t to)
{
    switch (to) {
    case SK_GSTATE_EMPTY:
        return from == SK_GSTATE_PREPARING;
    case SK_GSTATE_PREPARING:
        return from == SK_GSTATE_STABLE || from == SK_GSTATE_COMPLETING ||
               from == SK_GSTATE_EMPTY;
    case SK_GSTATE_COMPLETING:
        return from == SK_GSTATE_PREPARING;
    case SK_GSTATE_STABLE:
        return from == SK_GSTATE_COMPLETING;
    case SK_GSTATE_DEAD:
        return from != SK_GSTATE_DEAD;
    }
    return 0;
}

sk_group_t *sk_group_new(const char *id, int32_t partition, int64_t now_ms)
{
    sk_group_t *g = sk_calloc(1, sizeof(*g));
    g->id = sk_strdup(id);
    g->partition = partition;
    g->state = SK_GSTATE_EMPTY;
    g->state_ts = now_ms;
    TAILQ_INIT(&g->members);
    return g;
}

static void member_free(sk_gmember_t *m)
{
    free(m->id);
    free(m->instance_id);
    free(m->client_id);
    free(m->client_host);
    for (int i = 0; i < m->n_protocols; i++) {
        free(m->protocols[i].name);
        free(m->protocols[i].meta);
    }
    free(m->protocols);
    free(m->assignment);
    free(m);
}

void sk_group_free(sk_group_t *g)
{
    if (!g)
        return;
    sk_gmember_t *m;
    while ((m = TAILQ_FIRST(&g->members)) != NULL) {
        TAILQ_REMOVE(&g->members, m, link);
        member_free(m);
    }
    sk_group_clear_pending(g);
    for (int i = 0; i < g->n_offsets; i++) {
        free(g->offsets[i].topic);
        free(g->offsets[i].metadata);
    }
    free(g->offsets);
    free(g->id);
    free(g->protocol_type);
    free(g->protocol);
    free(g->leader_id);
    free(g);
}

void sk_group_set_state(sk_group_t *g, sk_gstate_t s, int64_t now_ms)
{
    g->state = s;
    g->state_ts = now_ms;
}

sk_gmember_t *sk_group_member(const sk_group_t *g, const char *id)
{
    sk_gmember_t *m;
    if (!id)
        return NULL;
    TAILQ_FOREACH(m, &g->members, link)
        if (strcmp(m->id, id) == 0)
            return m;
    return NULL;
}

sk_gmember_t *sk_group_member_by_instance(const sk_group_t *g, const char *instance_id)
{
    sk_gmember_t *m;
    if (!instance_id)
        return NULL;
    TAILQ_FOREACH(m, &g->members, link)
        if (m->instance_id && strcmp(m->instance_id, instance_id) == 0)
            return m;
    return NULL;
}

sk_gmember_t *sk_group_add_member(sk_group_t *g, const char *id, const char *instance_id,
                                  const char *client_id, const char *client_host)
{
    sk_gmember_t *m = sk_calloc(1, sizeof(*m));
    m->id = sk_strdup(id);
    m->instance_id = instance_id ? sk_strdup(instance_id) : NULL;
    m->client_id = sk_strdup(client_id ? client_id : "");
    m->client_host = sk_strdup(client_host ? client_host : "");
    TAILQ_INSERT_TAIL(&g->members, m, link);
    g->n_members++;
    if (!g->leader_id)
        g->leader_id = sk_strdup(id);
    return m;
}

void sk_group_remove_member(sk_group_t *g, sk_gmember_t *m)
{
    TAILQ_REMOVE(&g->members, m, link);
    g->n_members--;
    if (g->leader_id && strcmp(g->leader_id, m->id) == 0) {
        free(g->leader_id);
        sk_gmember_t *next = TAILQ_FIRST(&g->members);
        g->leader_id = next ? sk_strdup(next->id) : NULL;
    }
    member_free(m);
}

void sk_gmember_set_protocols(sk_gmember_t *m, const sk_gprotocol_t *p, int n)
{
    for (int i = 0; i < m->n_protocols; i++) {
        free(m->protocols[i].name);
        free(m->protocols[i].meta);
    }
    free(m->protocols);
    m->protocols = sk_calloc((size_t)(n > 0 ? n : 1), sizeof(*m->protocols));
    m->n_protocols = n > 0 ? n : 0;
    for (int i = 0; i < m->n_protocols; i++) {
        m->protocols[i].name = sk_strdup(p[i].name ? p[i].name : "");
        m->protocols[i].meta_len = p[i].meta_len > 0 ? p[i].meta_len : 0;
        m->protocols[i].meta = sk_malloc((size_t)m->protocols[i].meta_len + 1);
        if (m->protocols[i].meta_len > 0)
            memcpy(m->protocols[i].meta, p[i].meta, (size_t)m->protocols[i].meta_len);
    }
}

int sk_gmember_same_protocols(const sk_gmember_t *m, const sk_gprotocol_t *p, int n)
{
    if (m->n_protocols != n)
        return 0;
    for (int i = 0; i < n; i++) {
        int32_t len = p[i].meta_len > 0 ? p[i].meta_len : 0;
        if (strcmp(m->protocols[i].name, p[i].name ? p[i].name : "") != 0 ||
            m->protocols[i].meta_len != len ||
            (len > 0 && memcmp(m->protocols[i].meta, p[i].meta, (size_t)len) != 0))
            return 0;
    }
    return 1;
}

void sk_gmember_set_assignment(sk_gmember_t *m, const void *data, int32_t len)
{
    free(m->assignment);
    m->assignment_len = len > 0 ? len : 0;
    m->assignment = sk_malloc((size_t)m->assignment_len + 1);
    if (m->assignment_len > 0)
        memcpy(m->assignment, data, (size_t)m->assignment_len);
}

const uint8_t *sk_gmember_metadata(const sk_gmember_t *m, const char *protocol, int32_t *len)
{
    for (int i = 0; protocol && i < m->n_protocols; i++)
        if (strcmp(m->protocols[i].name, protocol) == 0) {
            *len = m->protocols[i].meta_len;
            return m->protocols[i].meta;
        }
    *len = -1;
    return NULL;
}

void sk_group_add_pending(sk_group_t *g, const char *id)
{
    g->pending_ids = sk_realloc(g->pending_ids, (size_t)(g->n_pending + 1) * sizeof(char *));
    g->pending_ids[g->n_pending++] = sk_strdup(id);
}

int sk_group_take_pending(sk_group_t *g, const char *id)
{
    for (int i = 0; id && i < g->n_pending; i++)
        if (strcmp(g->pending_ids[i], id) == 0) {
            free(g->pending_ids[i]);
            g->pending_ids[i] = g->pending_ids[--g->n_pending];
            return 1;
        }
    return 0;
}

void sk_group_clear_pending(sk_group_t *g)
{
    for (int i = 0; i < g->n_pending; i++)
        free(g->pending_ids[i]);
    free(g->pending_ids);
    g->pending_ids = NULL;
    g->n_pending = 0;
}

static int member_supports(const sk_gmember_t *m, const char *name)
{
    for (int i = 0; i < m->n_protocols; i++)
        if (strcmp(m->protocols[i].name, name) == 0)
            return 1;
    return 0;
}

static int all_support(const sk_group_t *g, const char *name)
{
    sk_gmember_t *m;
    TAILQ_FOREACH(m, &g->members, link)
        if (!member_supports(m, name))
            return 0;
    return 1;
}

int sk_group_protocols_compatible(const sk_group_t *g, const char *protocol_type,
                                  const sk_gprotocol_t *p, int n)
{
    if (!protocol_type || !protocol_type[0] || n <= 0)
        return 0;
    if (g->n_members == 0)
        return 1;
    if (g->protocol_type && strcmp(g->protocol_type, protocol_type) != 0)
        return 0;
    for (int i = 0; i < n; i++)
        if (p[i].name && all_support(g, p[i].name))
            return 1;
    return 0;
}

const char *sk_group_select_protocol(const sk_group_t *g)
{
    sk_gmember_t *first = TAILQ_FIRST(&g->members);
    if (!first)
        return NULL;
    /* Candidates in the first member's order. */
    int n = first->n_protocols;
    int *votes = sk_calloc((size_t)(n > 0 ? n : 1), sizeof(int));
    int any = 0;
    for (int i = 0; i < n; i++)
        if (all_support(g, first->protocols[i].name)) {
            votes[i] = 0;
            any = 1;
        } else {
            votes[i] = -1;
        }
    const char *best = NULL;
    if (any) {
        sk_gmember_t *m;
        TAILQ_FOREACH(m, &g->members, link) {
            for (int k = 0; k < m->n_protocols; k++) {
                int c = -1;
                for (int i = 0; i < n; i++)
                    if (votes[i] >= 0 && strcmp(first->protocols[i].name,
                                                m->protocols[k].name) == 0)
                        c = i;
                if (c >= 0) {
                    votes[c]++;
                    break;
                }
            }
        }
        int bi = -1;
        for (int i = 0; i < n; i++)
            if (votes[i] >= 0 && (bi < 0 || votes[i] > votes[bi]))
                bi = i;
        best = bi >= 0 ? first->protocols[bi].name : NULL;
    }
    free(votes);
    return best;
}

int32_t sk_group_rebalance_timeout(const sk_group_t *g)
{
    int32_t t = 0;
    sk_gmember_t *m;
    TAILQ_FOREACH(m, &g->members, link)
        if (m->rebalance_timeout_ms > t)
            t = m->rebalance_timeout_ms;
    return t;
}

int sk_group_all_joined(const sk_group_t *g)
{
    if (g->n_pending > 0)
        return 0;
    sk_gmember_t *m;
    TAILQ_FOREACH(m, &g->members, link)
        if (!m->awaiting_join)
            return 0;
    return 1;
}

char *sk_group_new_member_id(const char *client_id)
{
    uint8_t u[16];
    if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u)) {
        /* Unlikely; still unique enough within one process. */
        static uint64_t counter;
        uint64_t t = (uint64_t)time(NULL) ^ (++counter << 20) ^ (uint64_t)(uintptr_t)&counter;
        for (int i = 0; i < 16; i++)
            u[i] = (uint8_t)(t >> ((i % 8) * 8)) ^ (uint8_t)(i * 37 + counter);
    }
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4 */
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* variant */
    return sk_asprintf("%s-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                       client_id ? client_id : "", u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
                       u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

sk_goffset_t *sk_group_offset(sk_group_t *g, const char *topic, int32_t partition)
{
    for (int i = 0; i < g->n_offsets; i++)
        if (g->offsets[i].partition == partition && strcmp(g->offsets[i].topic, topic) == 0)
            return &g->offsets[i];
    return NULL;
}

void sk_group_set_offset(sk_group_t *g, const char *topic, int32_t partition, int64_t offset,
                         int32_t leader_epoch, const char *metadata, int64_t commit_ts)
{
    sk_goffset_t *o = sk_group_offset(g, topic, partition);
    if (!o) {
        if (g->n_offsets == g->cap_offsets) {
            g->cap_offsets = g->cap_offsets ? g->cap_offsets * 2 : 8;
            g->offsets = sk_realloc(g->offsets, (size_t)g->cap_offsets * sizeof(*g->offsets));
        }
        o = &g->offsets[g->n_offsets++];
        o->topic = sk_strdup(topic);
        o->partition = partition;
        o->metadata = NULL;
    }
    free(o->metadata);
    o->metadata = sk_strdup(metadata ? metadata : "");
    o->offset = offset;
    o->committed_epoch = leader_epoch;
    o->commit_ts = commit_ts;
    o->expire_ts = -1;
}

int sk_group_delete_offset(sk_group_t *g, const char *topic, int32_t partition)
{
    sk_goffset_t *o = sk_group_offset(g, topic, partition);
    if (!o)
        return 0;
    free(o->topic);
    free(o->metadata);
    *o = g->offsets[--g->n_offsets];
    return 1;
}

int sk_group_subscription_has_topic(const uint8_t *meta, int32_t len, const char *topic)
{
    if (!meta || len < 2)
        return -1;
    sk_rd_t r;
    sk_rd_init(&r, meta, (size_t)len);
    int16_t version = sk_rd_i16(&r);
    int32_t n = sk_rd_i32(&r);
    if (r.err || version < 0 || n < -1)
        return -1;
    int found = 0;
    for (int32_t i = 0; i < n && !r.err; i++) {
        sk_str_t t = sk_rd_str(&r, 0);
        if (!r.err && t.len >= 0 && sk_str_eq(t, topic))
            found = 1;
    }
    return r.err ? -1 : found;
}
