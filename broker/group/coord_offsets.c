/* coord_offsets.c - the group coordinator's records in __consumer_offsets
 * (see coord.h): encoding and appending them, OffsetCommit, group and offset
 * deletion, expiry of offsets of empty groups. */
#include "group/coord_int.h"

#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "mem.h"
#include "offsets_record.h"
#include "recbatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* records: __consumer_offsets keys and values (README §5) */

static void wr_offset_key(sk_wr_t *w, const char *group, const char *topic, int32_t partition)
{
    sk_offrec_key_t k = {SK_OFFREC_KEY_OFFSET, sk_str_c(group), sk_str_c(topic), partition};
    sk_offrec_key_encode(w, &k);
}

/* Value v3, or v1 (no leader epoch) for an offset with an explicit expiry
 * (expire_ts >= 0), as Kafka writes them. */
static void wr_offset_value(sk_wr_t *w, int64_t offset, int32_t epoch, const char *metadata,
                            int64_t ts, int64_t expire_ts)
{
    sk_offrec_offset_value_t v = {offset, epoch, sk_str_c(metadata ? metadata : ""), ts,
                                  expire_ts};
    sk_offrec_offset_value_encode(w, expire_ts >= 0 ? 1 : SK_OFFREC_OFFSET_VALUE_VER, &v);
}

void coord_wr_group_key(sk_wr_t *w, const char *group)
{
    sk_offrec_key_t k = {SK_OFFREC_KEY_GROUP, sk_str_c(group), SK_STR_NULL, 0};
    sk_offrec_key_encode(w, &k);
}

void coord_wr_group_value(sk_wr_t *w, const sk_group_t *g)
{
    sk_offrec_group_value_t v = {0};
    v.ProtocolType = sk_str_c(g->protocol_type ? g->protocol_type : "");
    v.Generation = g->generation;
    v.Protocol = g->n_members ? sk_str_c(g->protocol) : SK_STR_NULL;
    v.Leader = g->n_members ? sk_str_c(g->leader_id) : SK_STR_NULL;
    v.CurrentStateTimestamp = g->state_ts;
    v.Members = sk_calloc((size_t)g->n_members + 1, sizeof(*v.Members));
    sk_gmember_t *m;
    TAILQ_FOREACH(m, &g->members, link) {
        sk_offrec_member_t *o = &v.Members[v.MembersCnt++];
        o->MemberId = sk_str_c(m->id);
        o->GroupInstanceId = sk_str_c(m->instance_id);
        o->ClientId = sk_str_c(m->client_id ? m->client_id : "");
        o->ClientHost = sk_str_c(m->client_host ? m->client_host : "");
        o->RebalanceTimeout = m->rebalance_timeout_ms;
        o->SessionTimeout = m->session_timeout_ms;
        int32_t len;
        const uint8_t *meta = sk_gmember_metadata(m, g->protocol, &len);
        o->Subscription = meta ? (sk_str_t){(const char *)meta, len} : sk_str_c("");
        o->Assignment = m->assignment ? (sk_str_t){(const char *)m->assignment,
                                                   m->assignment_len}
                                      : sk_str_c("");
    }
    if (sk_offrec_group_value_encode(w, SK_OFFREC_GROUP_VALUE_VER, &v) != SK_OK)
        sk_error("group", "group %s: cannot encode its metadata record", g->id);
    free(v.Members);
}

sk_wr_t *coord_recset_add(recset_t *rs, int tombstone, sk_wr_t **value)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 8;
        rs->keys = sk_realloc(rs->keys, (size_t)rs->cap * sizeof(sk_wr_t));
        rs->values = sk_realloc(rs->values, (size_t)rs->cap * sizeof(sk_wr_t));
        rs->null = sk_realloc(rs->null, (size_t)rs->cap * sizeof(int));
    }
    sk_wr_init(&rs->keys[rs->n]);
    sk_wr_init(&rs->values[rs->n]);
    rs->null[rs->n] = tombstone;
    *value = &rs->values[rs->n];
    return &rs->keys[rs->n++];
}

void coord_recset_free(recset_t *rs)
{
    for (int i = 0; i < rs->n; i++) {
        sk_wr_free(&rs->keys[i]);
        sk_wr_free(&rs->values[i]);
    }
    free(rs->keys);
    free(rs->values);
    free(rs->null);
}

/* Append the records to the group's partition; done(kerr, arg) later.
 * Returns the immediate error (done not called) or NONE. */
int16_t coord_recset_append(sk_coord_t *c, int32_t partition, recset_t *rs,
                            sk_append_done_fn done, void *arg)
{
    int64_t now = coord_now_wall();
    sk_record_in_t *recs = sk_calloc((size_t)rs->n + 1, sizeof(*recs));
    for (int i = 0; i < rs->n; i++) {
        recs[i].timestamp = now;
        recs[i].key = rs->keys[i].buf;
        recs[i].key_len = (int32_t)rs->keys[i].len;
        recs[i].value = rs->null[i] ? NULL : rs->values[i].buf;
        recs[i].value_len = rs->null[i] ? -1 : (int32_t)rs->values[i].len;
    }
    sk_wr_t w;
    sk_wr_init(&w);
    sk_batch_opts_t opts = {0, -1, -1, -1, 0};
    sk_batch_build(&w, 0, &opts, recs, rs->n);
    free(recs);
    int16_t kerr = sk_partition_append_acked(c->b->parts, SK_OFFSETS_TOPIC, partition, w.buf,
                                             w.len, c->b->conf->offsets_commit_timeout_ms, done,
                                             arg);
    sk_wr_free(&w);
    return kerr;
}

static void ignore_done(int16_t kerr, void *arg)
{
    char *what = arg;
    if (kerr != SK_KERR_NONE)
        sk_warn("group", "writing %s to " SK_OFFSETS_TOPIC " failed: %s", what,
                sk_kerr_name(kerr));
    free(what);
}

/* Write the group's metadata record (value v3, or a tombstone), not waited for. */
void coord_write_group_metadata(sk_coord_t *c, sk_group_t *g, int tombstone)
{
    recset_t rs = {0};
    sk_wr_t *v;
    sk_wr_t *k = coord_recset_add(&rs, tombstone, &v);
    coord_wr_group_key(k, g->id);
    if (!tombstone)
        coord_wr_group_value(v, g);
    char *what = sk_asprintf("group %s metadata (generation %d)", g->id, g->generation);
    int16_t kerr = coord_recset_append(c, g->partition, &rs, ignore_done, what);
    if (kerr != SK_KERR_NONE)
        ignore_done(kerr, what);
    coord_recset_free(&rs);
}

/* Map an append failure to what group clients understand. */
int16_t coord_map_append_error(int16_t kerr)
{
    switch (kerr) {
    case SK_KERR_NONE:
        return SK_KERR_NONE;
    case SK_KERR_REQUEST_TIMED_OUT:
        return SK_KERR_REQUEST_TIMED_OUT;
    case SK_KERR_UNKNOWN_TOPIC_OR_PARTITION:
    case SK_KERR_NOT_ENOUGH_REPLICAS:
    case SK_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
        return SK_KERR_COORDINATOR_NOT_AVAILABLE;
    case SK_KERR_MESSAGE_TOO_LARGE:
    case SK_KERR_RECORD_LIST_TOO_LARGE:
        return SK_KERR_INVALID_COMMIT_OFFSET_SIZE;
    default:
        return SK_KERR_NOT_COORDINATOR;
    }
}

/* ------------------------------------------------------------------ */
/* OffsetCommit */

typedef struct commit_op {
    sk_coord_t *c;
    sk_req_t *req;
    char *group;
    int32_t partition;
    int n;
    struct commit_item {
        char *topic;
        int32_t partition;
        int64_t offset;
        int32_t epoch;
        char *metadata;
        int64_t commit_ts;
        int64_t expire_ts;
        int16_t *error;
    } *items;
    sk_commit_done_fn done;
    void *ctx;
} commit_op_t;

static void commit_written(int16_t kerr, void *arg)
{
    commit_op_t *op = arg;
    sk_coord_t *c = op->c;
    int16_t err = coord_map_append_error(kerr);
    if (err == SK_KERR_NONE && !c->stopped && op->partition < c->n_parts &&
        c->parts[op->partition]->state == CP_LOADED) {
        sk_group_t *g = coord_find_group(c, op->group);
        if (!g)
            g = coord_create_group(c, op->group, op->partition);
        for (int i = 0; i < op->n; i++) {
            const struct commit_item *it = &op->items[i];
            sk_group_set_offset(g, it->topic, it->partition, it->offset, it->epoch, it->metadata,
                                it->commit_ts);
            sk_group_offset(g, it->topic, it->partition)->expire_ts = it->expire_ts;
        }
    } else if (err == SK_KERR_NONE) {
        err = SK_KERR_NOT_COORDINATOR;
    }
    if (err != SK_KERR_NONE)
        sk_info("group", "group %s: offset commit of %d partitions failed: %s", op->group, op->n,
                sk_kerr_name(err));
    for (int i = 0; i < op->n; i++) {
        *op->items[i].error = err;
        free(op->items[i].topic);
        free(op->items[i].metadata);
    }
    op->done(op->req, op->ctx);
    coord_queue_complete(c, op->req);
    free(op->items);
    free(op->group);
    free(op);
}

int sk_coord_commit(sk_coord_t *c, sk_req_t *req, const char *group, int32_t generation,
                    const char *member_id, const char *instance_id, sk_commit_part_t *parts,
                    int n, sk_commit_done_fn done, void *ctx)
{
    int16_t err = sk_coord_owns(c, group);
    sk_group_t *g = NULL;
    if (err == SK_KERR_NONE) {
        g = coord_find_group(c, group);
        const char *mid = member_id ? member_id : "";
        if (!g) {
            if (generation >= 0)
                err = SK_KERR_ILLEGAL_GENERATION;
        } else if (g->state == SK_GSTATE_DEAD) {
            err = SK_KERR_COORDINATOR_NOT_AVAILABLE;
        } else if (generation >= 0 || mid[0] || instance_id) {
            /* Kafka 3.x order: the member and its generation first, then the state. */
            sk_gmember_t *m = sk_group_member(g, mid);
            sk_gmember_t *si = sk_group_member_by_instance(g, instance_id);
            if (instance_id && si && si != m)
                err = SK_KERR_FENCED_INSTANCE_ID;
            else if (!m)
                err = SK_KERR_UNKNOWN_MEMBER_ID;
            else if (generation != g->generation)
                err = SK_KERR_ILLEGAL_GENERATION;
            else if (g->state == SK_GSTATE_COMPLETING)
                err = SK_KERR_REBALANCE_IN_PROGRESS;
            else
                coord_session_reset(c, g, m);
        } else if (g->state != SK_GSTATE_EMPTY) {
            /* generation -1 and no member id: only while the group has no members */
            err = SK_KERR_UNKNOWN_MEMBER_ID;
        }
    }
    if (err != SK_KERR_NONE) {
        for (int i = 0; i < n; i++)
            *parts[i].error = err;
        done(req, ctx);
        return SK_REQ_DONE;
    }
    int32_t partition = sk_coord_partition_for(group, coord_n_offsets_partitions(c));
    commit_op_t *op = sk_calloc(1, sizeof(*op));
    op->items = sk_calloc((size_t)n + 1, sizeof(*op->items));
    recset_t rs = {0};
    int64_t now = coord_now_wall();
    for (int i = 0; i < n; i++) {
        sk_commit_part_t *p = &parts[i];
        const char *md = p->metadata ? p->metadata : "";
        if (!p->topic || !sk_topics_partition(c->b->topics, p->topic, (int32_t)strlen(p->topic),
                                              p->partition)) {
            *p->error = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
            continue;
        }
        if ((int64_t)strlen(md) > c->b->conf->offset_metadata_max_bytes) {
            *p->error = SK_KERR_OFFSET_METADATA_TOO_LARGE;
            continue;
        }
        *p->error = SK_KERR_NONE;
        struct commit_item *it = &op->items[op->n++];
        it->topic = sk_strdup(p->topic);
        it->partition = p->partition;
        it->offset = p->offset;
        it->epoch = p->committed_epoch;
        it->metadata = sk_strdup(md);
        /* Kafka: a v1 CommitTimestamp other than -1 is the commit's time; a
         * v2-4 RetentionTimeMs other than -1 gives the offset its own expiry */
        it->commit_ts = p->commit_ts >= 0 ? p->commit_ts : now;
        it->expire_ts = p->retention_ms >= 0 ? now + p->retention_ms : -1;
        it->error = p->error;
        sk_wr_t *v;
        sk_wr_t *k = coord_recset_add(&rs, 0, &v);
        wr_offset_key(k, group, p->topic, p->partition);
        wr_offset_value(v, p->offset, p->committed_epoch, md, it->commit_ts, it->expire_ts);
    }
    if (op->n == 0) {
        coord_recset_free(&rs);
        free(op->items);
        free(op);
        done(req, ctx);
        return SK_REQ_DONE;
    }
    op->c = c;
    op->req = req;
    op->group = sk_strdup(group);
    op->partition = partition;
    op->done = done;
    op->ctx = ctx;
    int16_t kerr = coord_recset_append(c, partition, &rs, commit_written, op);
    coord_recset_free(&rs);
    if (kerr != SK_KERR_NONE) {
        /* Nothing appended: answer now (not through the completion queue). */
        int16_t e = coord_map_append_error(kerr);
        for (int i = 0; i < op->n; i++) {
            *op->items[i].error = e;
            free(op->items[i].topic);
            free(op->items[i].metadata);
        }
        free(op->items);
        free(op->group);
        free(op);
        done(req, ctx);
        return SK_REQ_DONE;
    }
    return SK_REQ_PENDING;
}

/* ------------------------------------------------------------------ */
/* admin */

int16_t sk_coord_foreach_group(sk_coord_t *c, void (*fn)(sk_group_t *g, void *arg), void *arg)
{
    int16_t err = SK_KERR_NONE;
    for (int32_t i = 0; i < c->n_parts; i++)
        if (c->parts[i]->state == CP_LOADING)
            err = SK_KERR_COORDINATOR_LOAD_IN_PROGRESS;
    sk_group_t *g;
    TAILQ_FOREACH(g, &c->groups, link)
        if (g->partition < c->n_parts && c->parts[g->partition]->state == CP_LOADED)
            fn(g, arg);
    return err;
}

static void tombstones(sk_coord_t *c, sk_group_t *g, int with_group)
{
    recset_t rs = {0};
    sk_wr_t *v;
    for (int i = 0; i < g->n_offsets; i++) {
        sk_wr_t *k = coord_recset_add(&rs, 1, &v);
        wr_offset_key(k, g->id, g->offsets[i].topic, g->offsets[i].partition);
    }
    if (with_group) {
        sk_wr_t *k = coord_recset_add(&rs, 1, &v);
        coord_wr_group_key(k, g->id);
    }
    if (rs.n > 0) {
        char *what = sk_asprintf("tombstones of group %s", g->id);
        int16_t kerr = coord_recset_append(c, g->partition, &rs, ignore_done, what);
        if (kerr != SK_KERR_NONE)
            ignore_done(kerr, what);
    }
    coord_recset_free(&rs);
}

int16_t sk_coord_delete_group(sk_coord_t *c, const char *group)
{
    int16_t err = sk_coord_owns(c, group);
    if (err != SK_KERR_NONE)
        return err;
    sk_group_t *g = coord_find_group(c, group);
    if (!g || g->state == SK_GSTATE_DEAD)
        return SK_KERR_GROUP_ID_NOT_FOUND;
    if (g->state != SK_GSTATE_EMPTY || g->n_members > 0)
        return SK_KERR_NON_EMPTY_GROUP;
    tombstones(c, g, 1);
    sk_info("group", "group %s generation %d: deleted (%d committed offsets removed)", g->id,
            g->generation, g->n_offsets);
    coord_group_drop(c, g, SK_KERR_GROUP_ID_NOT_FOUND);
    return SK_KERR_NONE;
}

int16_t sk_coord_delete_offset(sk_coord_t *c, sk_group_t *g, const char *topic,
                               int32_t partition)
{
    if (g->state != SK_GSTATE_EMPTY && g->protocol_type &&
        strcmp(g->protocol_type, "consumer") == 0) {
        sk_gmember_t *m;
        TAILQ_FOREACH(m, &g->members, link) {
            int32_t len;
            const uint8_t *meta = sk_gmember_metadata(m, g->protocol, &len);
            if (!meta && m->n_protocols > 0) {
                meta = m->protocols[0].meta;
                len = m->protocols[0].meta_len;
            }
            if (meta && sk_group_subscription_has_topic(meta, len, topic) == 1)
                return SK_KERR_GROUP_SUBSCRIBED_TO_TOPIC;
        }
    }
    if (!sk_group_offset(g, topic, partition))
        return SK_KERR_NONE;
    recset_t rs = {0};
    sk_wr_t *v;
    sk_wr_t *k = coord_recset_add(&rs, 1, &v);
    wr_offset_key(k, g->id, topic, partition);
    char *what = sk_asprintf("offset tombstone of group %s for %s-%d", g->id, topic, partition);
    int16_t kerr = coord_recset_append(c, g->partition, &rs, ignore_done, what);
    if (kerr != SK_KERR_NONE)
        ignore_done(kerr, what);
    coord_recset_free(&rs);
    sk_group_delete_offset(g, topic, partition);
    sk_info("group", "group %s: committed offset of %s-%d deleted", g->id, topic, partition);
    return SK_KERR_NONE;
}

/* ------------------------------------------------------------------ */
/* expiry of offsets of empty groups (offsets.retention.minutes) */

void coord_expire_arm(sk_coord_t *c)
{
    int64_t ms = c->b->conf->offsets_retention_check_interval_ms;
    if (ms <= 0)
        ms = 600000;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    evtimer_add(c->expire_ev, &tv);
}

void coord_expire_cb(evutil_socket_t fd, short ev_what, void *arg)
{
    (void)fd;
    (void)ev_what;
    sk_coord_t *c = arg;
    int64_t now = coord_now_wall();
    int64_t retention = (int64_t)c->b->conf->offsets_retention_minutes * 60000;
    sk_group_t *g, *next;
    for (g = TAILQ_FIRST(&c->groups); g; g = next) {
        next = TAILQ_NEXT(g, link);
        if (g->partition >= c->n_parts || c->parts[g->partition]->state != CP_LOADED)
            continue;
        if (g->state != SK_GSTATE_EMPTY)
            continue;
        recset_t rs = {0};
        sk_wr_t *v;
        int expired = 0;
        for (int i = 0; i < g->n_offsets;) {
            sk_goffset_t *o = &g->offsets[i];
            /* Empty consumer groups: from when they became empty; simple
             * (no protocol) groups: from each commit; an offset committed
             * with its own retention (v2-4): at its expiry, as Kafka. */
            int64_t base = g->protocol_type ? (o->commit_ts > g->state_ts ? o->commit_ts
                                                                          : g->state_ts)
                                            : o->commit_ts;
            if (o->expire_ts >= 0 ? now >= o->expire_ts : now - base >= retention) {
                sk_wr_t *k = coord_recset_add(&rs, 1, &v);
                wr_offset_key(k, g->id, o->topic, o->partition);
                sk_group_delete_offset(g, o->topic, o->partition);
                expired++;
                continue; /* the last entry moved into slot i */
            }
            i++;
        }
        int dead = g->n_offsets == 0 && g->n_pending == 0;
        if (dead && g->generation > 0) {
            sk_wr_t *k = coord_recset_add(&rs, 1, &v);
            coord_wr_group_key(k, g->id);
        }
        if (rs.n > 0) {
            char *what = sk_asprintf("expired offsets of group %s", g->id);
            int16_t kerr = coord_recset_append(c, g->partition, &rs, ignore_done, what);
            if (kerr != SK_KERR_NONE)
                ignore_done(kerr, what);
        }
        coord_recset_free(&rs);
        if (expired)
            sk_info("group", "group %s: %d committed offsets expired (empty for more than %d "
                    "minutes)", g->id, expired, c->b->conf->offsets_retention_minutes);
        if (dead) {
            sk_info("group", "group %s generation %d: removed (empty, no offsets)", g->id,
                    g->generation);
            coord_group_drop(c, g, SK_KERR_NOT_COORDINATOR);
        }
    }
    coord_expire_arm(c);
}
