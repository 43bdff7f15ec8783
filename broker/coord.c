/* coord.c - the group coordinator (see coord.h). */
#include "coord.h"

#include "broker_int.h"
#include "clock.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "log_plog.h"
#include "mem.h"
#include "offsets_record.h"
#include "recbatch.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOAD_CHUNK_BYTES (1 << 20)
#define LOAD_TURN_BYTES (4 << 20)

enum { CP_NONE = 0, CP_LOADING, CP_LOADED };

/* One __consumer_offsets partition as this coordinator sees it. */
typedef struct cpart {
    sk_coord_t *c;
    int32_t index;
    int state;
    int32_t epoch;          /* leader epoch it was loaded for */
    int64_t cursor;         /* loading: next offset to read */
    int64_t started_ms;
    int64_t n_records;
    struct event *load_ev;
} cpart_t;

/* A request whose answer comes later. */
typedef struct gpend gpend_t;
struct gpend {
    TAILQ_ENTRY(gpend) link;
    sk_req_t *req;
    sk_gencode_fn enc;
    void **slot;            /* member's join_ext / sync_ext pointing at us */
};

typedef struct mtimer {
    sk_coord_t *c;
    sk_group_t *g;
    sk_gmember_t *m;
    struct event *ev;
} mtimer_t;

/* Expiry of an id handed out with MEMBER_ID_REQUIRED that never came back. */
typedef struct ptimer ptimer_t;
struct ptimer {
    TAILQ_ENTRY(ptimer) link;
    sk_coord_t *c;
    char *group;
    char *member_id;
    struct event *ev;
};

typedef struct gtimer {
    sk_coord_t *c;
    sk_group_t *g;
    struct event *ev;
} gtimer_t;

struct sk_coord_s {
    sk_broker_t *b;
    cpart_t **parts;
    int32_t n_parts;
    TAILQ_HEAD(, sk_group) groups;
    TAILQ_HEAD(, gpend) done_q;     /* answered, to be sent next loop turn */
    TAILQ_HEAD(, ptimer) ptimers;   /* pending member ids */
    struct event *done_ev;
    struct event *expire_ev;
    int creating;
    int stopped;
};

/* ------------------------------------------------------------------ */
/* small helpers */

int32_t sk_coord_partition_for(const char *group, int32_t n_partitions)
{
    if (n_partitions <= 0)
        return 0;
    return sk_offrec_partition_for(group, strlen(group), n_partitions);
}

static int64_t now_wall(void) { return sk_wall_ms(); }

static sk_topic_t *offsets_topic(sk_coord_t *c)
{
    return sk_topics_find(c->b->topics, SK_OFFSETS_TOPIC, (int32_t)strlen(SK_OFFSETS_TOPIC));
}

static int32_t n_offsets_partitions(sk_coord_t *c)
{
    sk_topic_t *t = offsets_topic(c);
    int32_t n = c->b->conf->offsets_topic_num_partitions;
    /* The configured count, unless the topic exists with another one (a
     * broker knows all partitions of it from UpdateMetadata). */
    if (t && t->n_partitions > n)
        n = t->n_partitions;
    return n > 0 ? n : 1;
}

static cpart_t *cpart(sk_coord_t *c, int32_t i)
{
    if (i < 0)
        return NULL;
    if (i >= c->n_parts) {
        c->parts = sk_realloc(c->parts, (size_t)(i + 1) * sizeof(*c->parts));
        for (int32_t k = c->n_parts; k <= i; k++) {
            c->parts[k] = sk_calloc(1, sizeof(cpart_t));
            c->parts[k]->c = c;
            c->parts[k]->index = k;
            c->parts[k]->epoch = -1;
        }
        c->n_parts = i + 1;
    }
    return c->parts[i];
}

static sk_group_t *find_group(sk_coord_t *c, const char *id)
{
    sk_group_t *g;
    TAILQ_FOREACH(g, &c->groups, link)
        if (strcmp(g->id, id) == 0)
            return g;
    return NULL;
}

static sk_group_t *create_group(sk_coord_t *c, const char *id, int32_t partition)
{
    sk_group_t *g = sk_group_new(id, partition, now_wall());
    TAILQ_INSERT_TAIL(&c->groups, g, link);
    return g;
}

/* ------------------------------------------------------------------ */
/* pending answers */

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_coord_t *c = arg;
    gpend_t *p;
    while ((p = TAILQ_FIRST(&c->done_q)) != NULL) {
        TAILQ_REMOVE(&c->done_q, p, link);
        sk_req_t *req = p->req;
        free(p);
        sk_req_complete(req);
    }
}

static void queue_complete(sk_coord_t *c, sk_req_t *req)
{
    gpend_t *p = sk_calloc(1, sizeof(*p));
    p->req = req;
    TAILQ_INSERT_TAIL(&c->done_q, p, link);
    if (!c->stopped)
        event_active(c->done_ev, 0, 0);
}

static gpend_t *pend_new(sk_req_t *req, sk_gencode_fn enc, void **slot)
{
    gpend_t *p = sk_calloc(1, sizeof(*p));
    p->req = req;
    p->enc = enc;
    p->slot = slot;
    *slot = p;
    return p;
}

/* Answer a pending JoinGroup / SyncGroup held in *slot. */
static void pend_answer(sk_coord_t *c, void **slot, const sk_gresult_t *res)
{
    gpend_t *p = *slot;
    if (!p)
        return;
    *slot = NULL;
    p->enc(p->req, res);
    sk_req_t *req = p->req;
    free(p);
    queue_complete(c, req);
}

static void pend_error(sk_coord_t *c, void **slot, int16_t err, const char *member_id)
{
    sk_gresult_t res = {0};
    res.error = err;
    res.generation = -1;
    res.member_id = member_id;
    pend_answer(c, slot, &res);
}

/* ------------------------------------------------------------------ */
/* records: __consumer_offsets keys and values (README §5) */

static void wr_offset_key(sk_wr_t *w, const char *group, const char *topic, int32_t partition)
{
    sk_offrec_key_t k = {SK_OFFREC_KEY_OFFSET, sk_str_c(group), sk_str_c(topic), partition};
    sk_offrec_key_encode(w, &k);
}

static void wr_offset_value(sk_wr_t *w, int64_t offset, int32_t epoch, const char *metadata,
                            int64_t ts)
{
    sk_offrec_offset_value_t v = {offset, epoch, sk_str_c(metadata ? metadata : ""), ts, -1};
    sk_offrec_offset_value_encode(w, SK_OFFREC_OFFSET_VALUE_VER, &v);
}

static void wr_group_key(sk_wr_t *w, const char *group)
{
    sk_offrec_key_t k = {SK_OFFREC_KEY_GROUP, sk_str_c(group), SK_STR_NULL, 0};
    sk_offrec_key_encode(w, &k);
}

static void wr_group_value(sk_wr_t *w, const sk_group_t *g)
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

/* A batch of records built from parallel key/value buffers. */
typedef struct recset {
    sk_wr_t *keys;
    sk_wr_t *values;   /* len 0 with null[i] = tombstone */
    int *null;
    int n, cap;
} recset_t;

static sk_wr_t *recset_add(recset_t *rs, int tombstone, sk_wr_t **value)
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

static void recset_free(recset_t *rs)
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
static int16_t recset_append(sk_coord_t *c, int32_t partition, recset_t *rs,
                             sk_append_done_fn done, void *arg)
{
    int64_t now = now_wall();
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
    int16_t kerr = sk_produce_append_internal(c->b, SK_OFFSETS_TOPIC, partition, w.buf, w.len,
                                              c->b->conf->offsets_commit_timeout_ms, done, arg);
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
static void write_group_metadata(sk_coord_t *c, sk_group_t *g, int tombstone)
{
    recset_t rs = {0};
    sk_wr_t *v;
    sk_wr_t *k = recset_add(&rs, tombstone, &v);
    wr_group_key(k, g->id);
    if (!tombstone)
        wr_group_value(v, g);
    char *what = sk_asprintf("group %s metadata (generation %d)", g->id, g->generation);
    int16_t kerr = recset_append(c, g->partition, &rs, ignore_done, what);
    if (kerr != SK_KERR_NONE)
        ignore_done(kerr, what);
    recset_free(&rs);
}

/* Map an append failure to what group clients understand. */
static int16_t map_append_error(int16_t kerr)
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
/* timers */

static void member_timer_cb(evutil_socket_t fd, short what, void *arg);
static void group_timer_cb(evutil_socket_t fd, short what, void *arg);

static void member_timer_clear(sk_gmember_t *m)
{
    mtimer_t *t = m->timer_ext;
    if (!t)
        return;
    event_free(t->ev);
    free(t);
    m->timer_ext = NULL;
}

static void session_reset(sk_coord_t *c, sk_group_t *g, sk_gmember_t *m)
{
    mtimer_t *t = m->timer_ext;
    if (!t) {
        t = sk_calloc(1, sizeof(*t));
        t->c = c;
        t->g = g;
        t->m = m;
        t->ev = evtimer_new(c->b->base, member_timer_cb, t);
        m->timer_ext = t;
    }
    int32_t ms = m->session_timeout_ms > 0 ? m->session_timeout_ms : 10000;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(t->ev, &tv);
}

static void group_timer_set(sk_coord_t *c, sk_group_t *g, int32_t ms)
{
    gtimer_t *t = g->timer_ext;
    if (!t) {
        t = sk_calloc(1, sizeof(*t));
        t->c = c;
        t->g = g;
        t->ev = evtimer_new(c->b->base, group_timer_cb, t);
        g->timer_ext = t;
    }
    if (ms < 0)
        ms = 0;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(t->ev, &tv);
}

static void group_timer_clear(sk_group_t *g)
{
    gtimer_t *t = g->timer_ext;
    if (!t)
        return;
    event_free(t->ev);
    free(t);
    g->timer_ext = NULL;
}

/* ------------------------------------------------------------------ */
/* rebalance */

static void prepare_rebalance(sk_coord_t *c, sk_group_t *g, const char *reason);
static void maybe_complete_join(sk_coord_t *c, sk_group_t *g);

/* Remove a member, answering whatever it has pending. */
static void member_drop(sk_coord_t *c, sk_group_t *g, sk_gmember_t *m, int16_t err)
{
    pend_error(c, &m->join_ext, err, m->id);
    pend_error(c, &m->sync_ext, err, m->id);
    member_timer_clear(m);
    sk_group_remove_member(g, m);
}

/* Drop a whole group from memory (unload, shutdown, deletion). */
static void group_drop(sk_coord_t *c, sk_group_t *g, int16_t err)
{
    sk_gmember_t *m;
    TAILQ_FOREACH(m, &g->members, link) {
        pend_error(c, &m->join_ext, err, m->id);
        pend_error(c, &m->sync_ext, err, m->id);
        member_timer_clear(m);
    }
    group_timer_clear(g);
    TAILQ_REMOVE(&c->groups, g, link);
    sk_group_free(g);
}

/* A member left or expired: the rest must rebalance. */
static void after_member_removed(sk_coord_t *c, sk_group_t *g, const char *reason)
{
    switch (g->state) {
    case SK_GSTATE_STABLE:
    case SK_GSTATE_COMPLETING:
        prepare_rebalance(c, g, reason);
        break;
    case SK_GSTATE_PREPARING:
        maybe_complete_join(c, g);
        break;
    default:
        break;
    }
}

static void member_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mtimer_t *t = arg;
    sk_coord_t *c = t->c;
    sk_group_t *g = t->g;
    sk_gmember_t *m = t->m;
    if (m->join_ext || m->sync_ext) { /* waiting on us: keep it alive */
        session_reset(c, g, m);
        return;
    }
    sk_info("group", "group %s generation %d: member %s expired (no heartbeat within %d ms)",
            g->id, g->generation, m->id, m->session_timeout_ms);
    char reason[300];
    snprintf(reason, sizeof(reason), "member %s expired", m->id);
    member_drop(c, g, m, SK_KERR_UNKNOWN_MEMBER_ID);
    after_member_removed(c, g, reason);
}

static void complete_join(sk_coord_t *c, sk_group_t *g)
{
    int64_t now = now_wall();
    group_timer_clear(g);
    g->initial_delay = 0;
    /* Members that did not rejoin in time are out. */
    sk_gmember_t *m, *next;
    for (m = TAILQ_FIRST(&g->members); m; m = next) {
        next = TAILQ_NEXT(m, link);
        if (!m->awaiting_join) {
            sk_info("group", "group %s generation %d: member %s did not rejoin in time, removed",
                    g->id, g->generation, m->id);
            member_drop(c, g, m, SK_KERR_UNKNOWN_MEMBER_ID);
        }
    }
    sk_group_clear_pending(g);
    g->generation++;
    free(g->protocol);
    g->protocol = NULL;
    if (g->n_members == 0) {
        sk_group_set_state(g, SK_GSTATE_EMPTY, now);
        sk_info("group", "group %s generation %d: empty", g->id, g->generation);
        write_group_metadata(c, g, 0);
        return;
    }
    const char *proto = sk_group_select_protocol(g);
    g->protocol = proto ? sk_strdup(proto) : NULL;
    if (!g->leader_id || !sk_group_member(g, g->leader_id)) {
        free(g->leader_id);
        g->leader_id = sk_strdup(TAILQ_FIRST(&g->members)->id);
    }
    sk_group_set_state(g, SK_GSTATE_COMPLETING, now);
    sk_info("group", "group %s generation %d: join complete with %d members (protocol %s, "
            "leader %s), awaiting assignments", g->id, g->generation, g->n_members,
            g->protocol ? g->protocol : "(none)", g->leader_id);
    TAILQ_FOREACH(m, &g->members, link) {
        sk_gresult_t res = {0};
        res.error = g->protocol ? SK_KERR_NONE : SK_KERR_INCONSISTENT_GROUP_PROTOCOL;
        res.generation = g->generation;
        res.protocol_type = g->protocol_type;
        res.protocol = g->protocol;
        res.leader = g->leader_id;
        res.member_id = m->id;
        res.group = g;
        res.list_members = strcmp(m->id, g->leader_id) == 0;
        m->awaiting_join = 0;
        pend_answer(c, &m->join_ext, &res);
        session_reset(c, g, m);
    }
}

static void maybe_complete_join(sk_coord_t *c, sk_group_t *g)
{
    if (g->state == SK_GSTATE_PREPARING && !g->initial_delay && sk_group_all_joined(g))
        complete_join(c, g);
}

static void ptimer_free(sk_coord_t *c, ptimer_t *t)
{
    TAILQ_REMOVE(&c->ptimers, t, link);
    event_free(t->ev);
    free(t->group);
    free(t->member_id);
    free(t);
}

static void ptimer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ptimer_t *t = arg;
    sk_coord_t *c = t->c;
    sk_group_t *g = find_group(c, t->group);
    if (g && sk_group_take_pending(g, t->member_id)) {
        sk_info("group", "group %s generation %d: pending member id %s expired (never rejoined)",
                g->id, g->generation, t->member_id);
        maybe_complete_join(c, g);
    }
    ptimer_free(c, t);
}

/* Hand out a member id (MEMBER_ID_REQUIRED); forgotten after timeout_ms. */
static void pending_add(sk_coord_t *c, sk_group_t *g, const char *id, int32_t timeout_ms)
{
    sk_group_add_pending(g, id);
    ptimer_t *t = sk_calloc(1, sizeof(*t));
    t->c = c;
    t->group = sk_strdup(g->id);
    t->member_id = sk_strdup(id);
    t->ev = evtimer_new(c->b->base, ptimer_cb, t);
    TAILQ_INSERT_TAIL(&c->ptimers, t, link);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    evtimer_add(t->ev, &tv);
}

static void group_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gtimer_t *t = arg;
    sk_coord_t *c = t->c;
    sk_group_t *g = t->g;
    if (g->state != SK_GSTATE_PREPARING)
        return;
    if (g->initial_delay) {
        g->initial_delay = 0;
        if (sk_group_all_joined(g)) {
            complete_join(c, g);
            return;
        }
        int32_t rt = sk_group_rebalance_timeout(g);
        int32_t waited = c->b->conf->group_initial_rebalance_delay_ms;
        group_timer_set(c, g, rt > waited ? rt - waited : 0);
        return;
    }
    complete_join(c, g);
}

static void prepare_rebalance(sk_coord_t *c, sk_group_t *g, const char *reason)
{
    if (g->state == SK_GSTATE_PREPARING)
        return;
    sk_gmember_t *m;
    if (g->state == SK_GSTATE_COMPLETING) {
        TAILQ_FOREACH(m, &g->members, link)
            pend_error(c, &m->sync_ext, SK_KERR_REBALANCE_IN_PROGRESS, m->id);
    }
    TAILQ_FOREACH(m, &g->members, link)
        sk_gmember_set_assignment(m, NULL, 0);
    int was_empty = g->state == SK_GSTATE_EMPTY;
    sk_group_set_state(g, SK_GSTATE_PREPARING, now_wall());
    int32_t rt = sk_group_rebalance_timeout(g);
    int32_t d = c->b->conf->group_initial_rebalance_delay_ms;
    if (was_empty && d > 0) {
        g->initial_delay = 1;
        group_timer_set(c, g, d < rt ? d : rt);
    } else {
        group_timer_set(c, g, rt);
    }
    sk_info("group", "group %s generation %d: preparing rebalance (%s)", g->id, g->generation,
            reason);
}

/* ------------------------------------------------------------------ */
/* ownership and loading */

static void apply_offset_record(sk_coord_t *c, int32_t partition, const sk_offrec_key_t *k,
                                const sk_record_t *rec)
{
    char *gid = sk_str_dup(k->Group), *topic = sk_str_dup(k->Topic);
    if (!gid || !topic)
        goto out;
    sk_group_t *g = find_group(c, gid);
    if (rec->value.len < 0) {
        if (g)
            sk_group_delete_offset(g, topic, k->Partition);
        goto out;
    }
    int16_t vv;
    sk_offrec_offset_value_t v;
    if (sk_offrec_offset_value_decode(rec->value.p, (size_t)rec->value.len, &vv, &v) != SK_OK) {
        sk_warn("group", "loading " SK_OFFSETS_TOPIC "-%d: malformed offset value at offset "
                "%lld skipped", partition, (long long)rec->offset);
        goto out;
    }
    if (!g)
        g = create_group(c, gid, partition);
    char *md = sk_str_dup(v.Metadata);
    sk_group_set_offset(g, topic, k->Partition, v.Offset, v.LeaderEpoch, md, v.CommitTimestamp);
    free(md);
out:
    free(gid);
    free(topic);
}

static void apply_group_record(sk_coord_t *c, int32_t partition, const sk_offrec_key_t *k,
                               const sk_record_t *rec)
{
    char *gid = sk_str_dup(k->Group);
    sk_arena_t *a = NULL;
    if (!gid)
        goto out;
    sk_group_t *g = find_group(c, gid);
    sk_gmember_t *m;
    if (rec->value.len < 0) {
        /* Tombstone: the group's metadata is gone (its offsets have their own). */
        if (g && g->n_offsets == 0) {
            group_drop(c, g, SK_KERR_NOT_COORDINATOR);
        } else if (g) {
            while ((m = TAILQ_FIRST(&g->members)) != NULL)
                member_drop(c, g, m, SK_KERR_NOT_COORDINATOR);
            g->state = SK_GSTATE_EMPTY;
        }
        goto out;
    }
    int16_t vv;
    sk_offrec_group_value_t v;
    a = sk_arena_new(4096);
    if (sk_offrec_group_value_decode(rec->value.p, (size_t)rec->value.len, a, &vv, &v) != SK_OK) {
        sk_warn("group", "loading " SK_OFFSETS_TOPIC "-%d: malformed metadata of group %s at "
                "offset %lld skipped", partition, gid, (long long)rec->offset);
        goto out;
    }
    if (!g)
        g = create_group(c, gid, partition);
    while ((m = TAILQ_FIRST(&g->members)) != NULL)
        member_drop(c, g, m, SK_KERR_NOT_COORDINATOR);
    free(g->protocol_type);
    g->protocol_type = v.ProtocolType.len > 0 ? sk_str_dup(v.ProtocolType) : NULL;
    free(g->protocol);
    g->protocol = v.Protocol.len >= 0 ? sk_str_dup(v.Protocol) : NULL;
    g->generation = v.Generation;
    for (int32_t i = 0; i < v.MembersCnt; i++) {
        const sk_offrec_member_t *om = &v.Members[i];
        if (om->MemberId.len <= 0)
            continue;
        char *ms = sk_str_dup(om->MemberId), *is = sk_str_dup(om->GroupInstanceId),
             *cs = sk_str_dup(om->ClientId), *hs = sk_str_dup(om->ClientHost);
        m = sk_group_add_member(g, ms, is, cs ? cs : "", hs ? hs : "");
        m->session_timeout_ms = om->SessionTimeout;
        m->rebalance_timeout_ms = om->RebalanceTimeout > 0 ? om->RebalanceTimeout
                                                           : om->SessionTimeout;
        sk_gprotocol_t p = {g->protocol ? g->protocol : (char *)"",
                            (uint8_t *)(uintptr_t)om->Subscription.p, om->Subscription.len};
        sk_gmember_set_protocols(m, &p, 1);
        sk_gmember_set_assignment(m, om->Assignment.p, om->Assignment.len);
        free(ms);
        free(is);
        free(cs);
        free(hs);
    }
    free(g->leader_id);
    g->leader_id = v.Leader.len > 0 ? sk_str_dup(v.Leader) : NULL;
    if (g->n_members > 0 && (!g->leader_id || !sk_group_member(g, g->leader_id))) {
        free(g->leader_id);
        g->leader_id = sk_strdup(TAILQ_FIRST(&g->members)->id);
    }
    g->state = g->n_members > 0 ? SK_GSTATE_STABLE : SK_GSTATE_EMPTY;
    g->state_ts = v.CurrentStateTimestamp >= 0 ? v.CurrentStateTimestamp : now_wall();
out:
    sk_arena_free(a);
    free(gid);
}

/* Replay one record of an offsets partition (README §5 formats). */
static void apply_record(sk_coord_t *c, int32_t partition, const sk_record_t *rec)
{
    sk_offrec_key_t k;
    if (rec->key.len < 0 || sk_offrec_key_decode(rec->key.p, (size_t)rec->key.len, &k) != SK_OK)
        return; /* unknown key versions are skipped, as Kafka does */
    if (k.Version == SK_OFFREC_KEY_GROUP)
        apply_group_record(c, partition, &k, rec);
    else
        apply_offset_record(c, partition, &k, rec);
}

typedef struct load_ctx {
    sk_coord_t *c;
    int32_t partition;
    int64_t from;
    int64_t n;
} load_ctx_t;

static int load_record_cb(const sk_record_t *rec, void *arg)
{
    load_ctx_t *lc = arg;
    if (rec->offset < lc->from)
        return 0;
    apply_record(lc->c, lc->partition, rec);
    lc->n++;
    return 0;
}

static void load_finish(cpart_t *cp)
{
    sk_coord_t *c = cp->c;
    cp->state = CP_LOADED;
    int ng = 0, no = 0;
    sk_group_t *g;
    TAILQ_FOREACH(g, &c->groups, link) {
        if (g->partition != cp->index)
            continue;
        ng++;
        no += g->n_offsets;
        sk_gmember_t *m;
        TAILQ_FOREACH(m, &g->members, link)
            session_reset(c, g, m);
    }
    sk_info("group", "partition " SK_OFFSETS_TOPIC "-%d loaded for leader epoch %d: %d groups, "
            "%d committed offsets from %lld records in %lld ms", cp->index, cp->epoch, ng, no,
            (long long)cp->n_records, (long long)(sk_mono_ms() - cp->started_ms));
}

static void load_step(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    cpart_t *cp = arg;
    sk_coord_t *c = cp->c;
    if (cp->state != CP_LOADING)
        return;
    sk_partition_t *p = sk_topics_partition(c->b->topics, SK_OFFSETS_TOPIC,
                                            (int32_t)strlen(SK_OFFSETS_TOPIC), cp->index);
    if (!p || !p->log)
        return; /* partitions_changed unloads it */
    int64_t leo = sk_plog_end_offset(p->log);
    int64_t start = sk_plog_start_offset(p->log);
    if (cp->cursor < start)
        cp->cursor = start;
    int64_t budget = LOAD_TURN_BYTES;
    while (budget > 0 && cp->cursor < leo) {
        sk_plog_slice_t s;
        int rc = sk_plog_read(p->log, cp->cursor, leo, LOAD_CHUNK_BYTES, &s);
        if (rc != SK_OK) {
            sk_error("group", "loading " SK_OFFSETS_TOPIC "-%d: read at offset %lld failed: %s",
                     cp->index, (long long)cp->cursor, sk_strerror(rc));
            break;
        }
        if (s.len <= 0) {
            if (s.fd >= 0)
                close(s.fd);
            break;
        }
        uint8_t *buf = sk_malloc((size_t)s.len);
        ssize_t got = pread(s.fd, buf, (size_t)s.len, s.file_pos);
        close(s.fd);
        int64_t before = cp->cursor;
        size_t off = 0, len = got > 0 ? (size_t)got : 0;
        while (off < len) {
            ssize_t n = sk_batch_next(buf + off, len - off);
            sk_batch_info_t info;
            if (n <= 0 || sk_batch_parse_header(buf + off, (size_t)n, &info) != SK_OK)
                break;
            int64_t last = sk_batch_last_offset(&info);
            if (last >= cp->cursor && !(info.attributes & SK_BATCH_ATTR_CONTROL)) {
                if (sk_batch_compression(&info) != SK_COMPRESSION_NONE) {
                    sk_warn("group", "loading " SK_OFFSETS_TOPIC "-%d: compressed batch at "
                            "offset %lld skipped", cp->index, (long long)info.base_offset);
                } else {
                    load_ctx_t lc = {c, cp->index, cp->cursor, 0};
                    if (sk_batch_foreach_record(buf + off, (size_t)n, load_record_cb, &lc) != 0)
                        sk_warn("group", "loading " SK_OFFSETS_TOPIC "-%d: malformed batch at "
                                "offset %lld skipped", cp->index, (long long)info.base_offset);
                    cp->n_records += lc.n;
                }
            }
            if (last + 1 > cp->cursor)
                cp->cursor = last + 1;
            off += (size_t)n;
        }
        free(buf);
        budget -= s.len;
        if (cp->cursor == before) {
            sk_warn("group", "loading " SK_OFFSETS_TOPIC "-%d: no progress at offset %lld, "
                    "stopping there", cp->index, (long long)cp->cursor);
            cp->cursor = leo;
        }
    }
    if (cp->cursor >= leo || budget > 0) {
        load_finish(cp);
        return;
    }
    struct timeval tv = {0, 0};
    evtimer_add(cp->load_ev, &tv); /* the rest on a later loop turn */
}

static void unload_partition(sk_coord_t *c, cpart_t *cp, const char *why)
{
    if (cp->state == CP_NONE)
        return;
    int n = 0;
    sk_group_t *g, *next;
    for (g = TAILQ_FIRST(&c->groups); g; g = next) {
        next = TAILQ_NEXT(g, link);
        if (g->partition == cp->index) {
            group_drop(c, g, SK_KERR_NOT_COORDINATOR);
            n++;
        }
    }
    if (cp->load_ev)
        evtimer_del(cp->load_ev);
    cp->state = CP_NONE;
    cp->epoch = -1;
    sk_info("group", "partition " SK_OFFSETS_TOPIC "-%d unloaded (%s): %d groups dropped",
            cp->index, why, n);
}

static void start_load(sk_coord_t *c, cpart_t *cp, int32_t epoch)
{
    cp->state = CP_LOADING;
    cp->epoch = epoch;
    cp->cursor = 0;
    cp->n_records = 0;
    cp->started_ms = sk_mono_ms();
    if (!cp->load_ev)
        cp->load_ev = evtimer_new(c->b->base, load_step, cp);
    sk_info("group", "partition " SK_OFFSETS_TOPIC "-%d: loading groups (leader epoch %d)",
            cp->index, epoch);
    struct timeval tv = {0, 0};
    evtimer_add(cp->load_ev, &tv);
}

void sk_coord_partitions_changed(sk_coord_t *c)
{
    if (!c || c->stopped)
        return;
    sk_topic_t *t = offsets_topic(c);
    int32_t n = t ? t->n_partitions : 0;
    for (int32_t i = 0; i < n; i++) {
        sk_partition_t *p = &t->partitions[i];
        cpart_t *cp = cpart(c, i);
        int leads = p->leader == c->b->id && p->log;
        if (leads && (cp->state == CP_NONE || cp->epoch != p->leader_epoch)) {
            if (cp->state != CP_NONE)
                unload_partition(c, cp, "new leader epoch");
            start_load(c, cp, p->leader_epoch);
        } else if (!leads && cp->state != CP_NONE) {
            unload_partition(c, cp, "no longer leader");
        }
    }
    for (int32_t i = n; i < c->n_parts; i++)
        if (c->parts[i]->state != CP_NONE)
            unload_partition(c, c->parts[i], "partition gone");
}

/* ------------------------------------------------------------------ */
/* FindCoordinator */

static void created_cb(int16_t kerr, const char *msg, void *arg)
{
    sk_coord_t *c = arg;
    c->creating = 0;
    if (kerr != SK_KERR_NONE && kerr != SK_KERR_TOPIC_ALREADY_EXISTS)
        sk_warn("group", "creating " SK_OFFSETS_TOPIC " failed: %s (%s)", sk_kerr_name(kerr),
                msg ? msg : "");
}

static void create_offsets_topic(sk_coord_t *c)
{
    if (c->creating || sk_topic_creating(c->b, SK_OFFSETS_TOPIC,
                                         (int32_t)strlen(SK_OFFSETS_TOPIC)))
        return;
    const sk_conf_t *conf = c->b->conf;
    int n_live = c->b->n_live > 0 ? c->b->n_live : 1;
    int rf = conf->offsets_topic_replication_factor;
    if (rf > n_live)
        rf = n_live;
    if (rf < 1)
        rf = 1;
    char segbytes[32];
    snprintf(segbytes, sizeof(segbytes), "%d", conf->offsets_topic_segment_bytes);
    char *keys[] = {"cleanup.policy", "segment.bytes", "compression.type"};
    char *values[] = {"compact", segbytes, "producer"};
    const char *msg = NULL;
    int16_t kerr = sk_topic_create(c->b, SK_OFFSETS_TOPIC, conf->offsets_topic_num_partitions,
                                   (int16_t)rf, NULL, NULL, keys, values, 3, 0, &msg, created_cb,
                                   c);
    if (kerr == SK_KERR_NONE) {
        c->creating = 1;
        sk_info("group", "creating " SK_OFFSETS_TOPIC " with %d partitions, replication factor %d",
                conf->offsets_topic_num_partitions, rf);
    } else if (kerr != SK_KERR_TOPIC_ALREADY_EXISTS) {
        sk_warn("group", "cannot create " SK_OFFSETS_TOPIC ": %s (%s)", sk_kerr_name(kerr),
                msg ? msg : "");
    }
}

int16_t sk_coord_find(sk_coord_t *c, const char *key, int8_t key_type, int32_t *node_id,
                      const char **host, int32_t *port)
{
    *node_id = -1;
    *host = "";
    *port = -1;
    if (key_type != 0)
        return SK_KERR_COORDINATOR_NOT_AVAILABLE; /* transactions: not yet */
    if (!key || !key[0])
        return SK_KERR_INVALID_REQUEST;
    sk_topic_t *t = offsets_topic(c);
    if (!t) {
        create_offsets_topic(c);
        return SK_KERR_COORDINATOR_NOT_AVAILABLE;
    }
    int32_t part = sk_coord_partition_for(key, n_offsets_partitions(c));
    if (part >= t->n_partitions)
        return SK_KERR_COORDINATOR_NOT_AVAILABLE;
    int32_t leader = t->partitions[part].leader;
    if (leader < 0)
        return SK_KERR_COORDINATOR_NOT_AVAILABLE;
    sk_broker_t *b = c->b;
    for (int i = 0; i < b->n_live; i++)
        if (b->live[i].id == leader) {
            *node_id = leader;
            *host = b->live[i].host;
            *port = b->live[i].port;
            return SK_KERR_NONE;
        }
    if (leader == b->id && b->n_endpoints > 0) {
        *node_id = leader;
        *host = b->endpoints[0].host;
        *port = b->endpoints[0].port;
        return SK_KERR_NONE;
    }
    return SK_KERR_COORDINATOR_NOT_AVAILABLE;
}

int16_t sk_coord_owns(sk_coord_t *c, const char *group)
{
    if (c->stopped)
        return SK_KERR_NOT_COORDINATOR;
    if (!group || !group[0])
        return SK_KERR_INVALID_GROUP_ID;
    sk_topic_t *t = offsets_topic(c);
    if (!t)
        return SK_KERR_NOT_COORDINATOR;
    int32_t part = sk_coord_partition_for(group, n_offsets_partitions(c));
    if (part >= c->n_parts)
        return SK_KERR_NOT_COORDINATOR;
    switch (c->parts[part]->state) {
    case CP_LOADED:
        return SK_KERR_NONE;
    case CP_LOADING:
        return SK_KERR_COORDINATOR_LOAD_IN_PROGRESS;
    default:
        return SK_KERR_NOT_COORDINATOR;
    }
}

sk_group_t *sk_coord_group(sk_coord_t *c, const char *group)
{
    if (sk_coord_owns(c, group) != SK_KERR_NONE)
        return NULL;
    return find_group(c, group);
}

/* ------------------------------------------------------------------ */
/* JoinGroup */

static int join_answer_now(sk_req_t *req, sk_gencode_fn enc, int16_t err, const char *member_id)
{
    sk_gresult_t res = {0};
    res.error = err;
    res.generation = -1;
    res.member_id = member_id ? member_id : "";
    enc(req, &res);
    return SK_REQ_DONE;
}

static void member_update(sk_gmember_t *m, const sk_join_args_t *a)
{
    m->session_timeout_ms = a->session_timeout_ms;
    m->rebalance_timeout_ms = a->rebalance_timeout_ms;
    sk_gmember_set_protocols(m, a->protocols, a->n_protocols);
}

/* The member (re)joins during a rebalance: its answer waits. */
static int join_wait(sk_coord_t *c, sk_group_t *g, sk_gmember_t *m, sk_req_t *req,
                     sk_gencode_fn enc, const char *reason)
{
    if (m->join_ext) /* a previous join of the same member: superseded */
        pend_error(c, &m->join_ext, SK_KERR_REBALANCE_IN_PROGRESS, m->id);
    m->awaiting_join = 1;
    pend_new(req, enc, &m->join_ext);
    if (g->state != SK_GSTATE_PREPARING)
        prepare_rebalance(c, g, reason);
    maybe_complete_join(c, g);
    return SK_REQ_PENDING;
}

static sk_gmember_t *add_member(sk_group_t *g, const char *id, const sk_join_args_t *a)
{
    sk_gmember_t *m = sk_group_add_member(g, id, a->instance_id, a->client_id, a->client_host);
    member_update(m, a);
    if (!g->protocol_type)
        g->protocol_type = sk_strdup(a->protocol_type);
    return m;
}

int sk_coord_join(sk_coord_t *c, sk_req_t *req, const sk_join_args_t *a, sk_gencode_fn enc)
{
    const sk_conf_t *conf = c->b->conf;
    const char *mid = a->member_id ? a->member_id : "";
    int16_t err = sk_coord_owns(c, a->group);
    if (err != SK_KERR_NONE)
        return join_answer_now(req, enc, err, mid);
    if (a->session_timeout_ms < conf->group_min_session_timeout_ms ||
        a->session_timeout_ms > conf->group_max_session_timeout_ms)
        return join_answer_now(req, enc, SK_KERR_INVALID_SESSION_TIMEOUT, mid);
    sk_group_t *g = find_group(c, a->group);
    if (!g) {
        if (mid[0])
            return join_answer_now(req, enc, SK_KERR_UNKNOWN_MEMBER_ID, mid);
        g = create_group(c, a->group, sk_coord_partition_for(a->group, n_offsets_partitions(c)));
    }
    if (g->state == SK_GSTATE_DEAD)
        return join_answer_now(req, enc, SK_KERR_COORDINATOR_NOT_AVAILABLE, mid);
    if (!sk_group_protocols_compatible(g, a->protocol_type, a->protocols, a->n_protocols)) {
        sk_info("group", "group %s: join from %s refused: protocol type %s or protocols "
                "incompatible (INCONSISTENT_GROUP_PROTOCOL)", g->id, a->client_id,
                a->protocol_type ? a->protocol_type : "");
        return join_answer_now(req, enc, SK_KERR_INCONSISTENT_GROUP_PROTOCOL, mid);
    }
    if (g->n_members == 0 && g->protocol_type && strcmp(g->protocol_type, a->protocol_type)) {
        free(g->protocol_type);
        g->protocol_type = sk_strdup(a->protocol_type);
    }

    if (!mid[0]) {
        /* ---- unknown member ---- */
        sk_gmember_t *old = sk_group_member_by_instance(g, a->instance_id);
        if (old) {
            /* A static member came back: the new id replaces the old one. */
            char *nid = sk_group_new_member_id(a->client_id);
            sk_info("group", "group %s generation %d: static member %s replaced %s with %s",
                    g->id, g->generation, a->instance_id, old->id, nid);
            pend_error(c, &old->join_ext, SK_KERR_FENCED_INSTANCE_ID, old->id);
            pend_error(c, &old->sync_ext, SK_KERR_FENCED_INSTANCE_ID, old->id);
            if (g->leader_id && strcmp(g->leader_id, old->id) == 0) {
                free(g->leader_id);
                g->leader_id = sk_strdup(nid);
            }
            free(old->id);
            old->id = nid;
            free(old->client_id);
            old->client_id = sk_strdup(a->client_id ? a->client_id : "");
            free(old->client_host);
            old->client_host = sk_strdup(a->client_host ? a->client_host : "");
            int same = sk_gmember_same_protocols(old, a->protocols, a->n_protocols);
            old->session_timeout_ms = a->session_timeout_ms;
            old->rebalance_timeout_ms = a->rebalance_timeout_ms;
            if (g->state == SK_GSTATE_STABLE && same) {
                session_reset(c, g, old);
                write_group_metadata(c, g, 0); /* the new member id, for a new coordinator */
                sk_gresult_t res = {0};
                res.generation = g->generation;
                res.protocol_type = g->protocol_type;
                res.protocol = g->protocol;
                res.leader = g->leader_id;
                res.member_id = old->id;
                res.group = g;
                res.list_members = strcmp(old->id, g->leader_id) == 0;
                enc(req, &res);
                return SK_REQ_DONE;
            }
            member_update(old, a);
            return join_wait(c, g, old, req, enc, "static member rejoined with changes");
        }
        if (conf->group_max_size > 0 && g->n_members + g->n_pending >= conf->group_max_size) {
            sk_info("group", "group %s: join from %s refused: group.max.size %d reached", g->id,
                    a->client_id, conf->group_max_size);
            return join_answer_now(req, enc, SK_KERR_GROUP_MAX_SIZE_REACHED, mid);
        }
        char *nid = sk_group_new_member_id(a->client_id);
        if (a->require_known_id && !a->instance_id) {
            pending_add(c, g, nid, a->session_timeout_ms);
            sk_debug("group", "group %s: new member id %s handed out (MEMBER_ID_REQUIRED)", g->id,
                     nid);
            int rc = join_answer_now(req, enc, SK_KERR_MEMBER_ID_REQUIRED, nid);
            free(nid);
            return rc;
        }
        sk_gmember_t *m = add_member(g, nid, a);
        sk_info("group", "group %s generation %d: member %s joined (client %s, host %s)", g->id,
                g->generation, nid, a->client_id, a->client_host);
        free(nid);
        return join_wait(c, g, m, req, enc, "new member joined");
    }

    /* ---- known member id ---- */
    if (sk_group_take_pending(g, mid)) {
        if (conf->group_max_size > 0 && g->n_members >= conf->group_max_size)
            return join_answer_now(req, enc, SK_KERR_GROUP_MAX_SIZE_REACHED, mid);
        sk_gmember_t *m = add_member(g, mid, a);
        sk_info("group", "group %s generation %d: member %s joined (client %s, host %s)", g->id,
                g->generation, mid, a->client_id, a->client_host);
        return join_wait(c, g, m, req, enc, "new member joined");
    }
    sk_gmember_t *m = sk_group_member(g, mid);
    if (a->instance_id) {
        sk_gmember_t *si = sk_group_member_by_instance(g, a->instance_id);
        if (si && si != m)
            return join_answer_now(req, enc, SK_KERR_FENCED_INSTANCE_ID, mid);
    }
    if (!m)
        return join_answer_now(req, enc, SK_KERR_UNKNOWN_MEMBER_ID, mid);
    if (m->instance_id && (!a->instance_id || strcmp(m->instance_id, a->instance_id) != 0))
        return join_answer_now(req, enc, SK_KERR_FENCED_INSTANCE_ID, mid);
    int same = sk_gmember_same_protocols(m, a->protocols, a->n_protocols);
    switch (g->state) {
    case SK_GSTATE_PREPARING:
        member_update(m, a);
        return join_wait(c, g, m, req, enc, "member rejoined");
    case SK_GSTATE_COMPLETING:
    case SK_GSTATE_STABLE:
        if (same && (g->state == SK_GSTATE_COMPLETING || strcmp(m->id, g->leader_id) != 0)) {
            /* Nothing changed: the current generation stands. */
            session_reset(c, g, m);
            sk_gresult_t res = {0};
            res.generation = g->generation;
            res.protocol_type = g->protocol_type;
            res.protocol = g->protocol;
            res.leader = g->leader_id;
            res.member_id = m->id;
            res.group = g;
            res.list_members = strcmp(m->id, g->leader_id) == 0;
            enc(req, &res);
            return SK_REQ_DONE;
        }
        member_update(m, a);
        return join_wait(c, g, m, req, enc, same ? "leader rejoined" :
                         "member changed its protocols");
    default:
        return join_answer_now(req, enc, SK_KERR_UNKNOWN_MEMBER_ID, mid);
    }
}

/* ------------------------------------------------------------------ */
/* SyncGroup */

typedef struct sync_op {
    sk_coord_t *c;
    char *group;
    int32_t generation;
} sync_op_t;

static void sync_written(int16_t kerr, void *arg)
{
    sync_op_t *op = arg;
    sk_coord_t *c = op->c;
    sk_group_t *g = c->stopped ? NULL : find_group(c, op->group);
    if (g && g->generation == op->generation && g->state == SK_GSTATE_COMPLETING) {
        sk_gmember_t *m;
        if (kerr != SK_KERR_NONE) {
            int16_t err = map_append_error(kerr);
            sk_warn("group", "group %s generation %d: storing the assignment failed (%s)",
                    g->id, g->generation, sk_kerr_name(kerr));
            TAILQ_FOREACH(m, &g->members, link)
                pend_error(c, &m->sync_ext, err, m->id);
            prepare_rebalance(c, g, "storing the assignment failed");
        } else {
            sk_group_set_state(g, SK_GSTATE_STABLE, now_wall());
            sk_info("group", "group %s generation %d: stable with %d members (protocol %s, "
                    "leader %s)", g->id, g->generation, g->n_members,
                    g->protocol ? g->protocol : "(none)", g->leader_id);
            TAILQ_FOREACH(m, &g->members, link) {
                sk_gresult_t res = {0};
                res.generation = g->generation;
                res.protocol_type = g->protocol_type;
                res.protocol = g->protocol;
                res.member_id = m->id;
                res.assignment = m->assignment;
                res.assignment_len = m->assignment_len;
                pend_answer(c, &m->sync_ext, &res);
            }
        }
    }
    free(op->group);
    free(op);
}

static int sync_answer_now(sk_req_t *req, sk_gencode_fn enc, int16_t err, const uint8_t *a,
                           int32_t len, const sk_group_t *g)
{
    sk_gresult_t res = {0};
    res.error = err;
    res.assignment = err == SK_KERR_NONE ? a : NULL;
    res.assignment_len = err == SK_KERR_NONE ? len : 0;
    if (g) {
        res.protocol_type = g->protocol_type;
        res.protocol = g->protocol;
    }
    enc(req, &res);
    return SK_REQ_DONE;
}

int sk_coord_sync(sk_coord_t *c, sk_req_t *req, const char *group, int32_t generation,
                  const char *member_id, const char *instance_id,
                  const sk_sync_assignment_t *assignments, int n, sk_gencode_fn enc)
{
    int16_t err = sk_coord_owns(c, group);
    if (err != SK_KERR_NONE)
        return sync_answer_now(req, enc, err, NULL, 0, NULL);
    sk_group_t *g = find_group(c, group);
    if (!g)
        return sync_answer_now(req, enc, SK_KERR_UNKNOWN_MEMBER_ID, NULL, 0, NULL);
    sk_gmember_t *m = sk_group_member(g, member_id);
    if (instance_id) {
        sk_gmember_t *si = sk_group_member_by_instance(g, instance_id);
        if (si && si != m)
            return sync_answer_now(req, enc, SK_KERR_FENCED_INSTANCE_ID, NULL, 0, g);
    }
    if (!m)
        return sync_answer_now(req, enc, SK_KERR_UNKNOWN_MEMBER_ID, NULL, 0, g);
    if (generation != g->generation)
        return sync_answer_now(req, enc, SK_KERR_ILLEGAL_GENERATION, NULL, 0, g);
    switch (g->state) {
    case SK_GSTATE_PREPARING:
        return sync_answer_now(req, enc, SK_KERR_REBALANCE_IN_PROGRESS, NULL, 0, g);
    case SK_GSTATE_STABLE:
        session_reset(c, g, m);
        return sync_answer_now(req, enc, SK_KERR_NONE, m->assignment, m->assignment_len, g);
    case SK_GSTATE_COMPLETING:
        break;
    default:
        return sync_answer_now(req, enc, SK_KERR_UNKNOWN_MEMBER_ID, NULL, 0, g);
    }
    if (m->sync_ext)
        pend_error(c, &m->sync_ext, SK_KERR_REBALANCE_IN_PROGRESS, m->id);
    pend_new(req, enc, &m->sync_ext);
    session_reset(c, g, m);
    if (g->leader_id && strcmp(g->leader_id, m->id) == 0) {
        sk_gmember_t *x;
        TAILQ_FOREACH(x, &g->members, link)
            sk_gmember_set_assignment(x, NULL, 0);
        for (int i = 0; i < n; i++) {
            x = sk_group_member(g, assignments[i].member_id);
            if (x)
                sk_gmember_set_assignment(x, assignments[i].data, assignments[i].len);
        }
        recset_t rs = {0};
        sk_wr_t *v;
        sk_wr_t *k = recset_add(&rs, 0, &v);
        wr_group_key(k, g->id);
        wr_group_value(v, g);
        sync_op_t *op = sk_calloc(1, sizeof(*op));
        op->c = c;
        op->group = sk_strdup(g->id);
        op->generation = g->generation;
        int16_t kerr = recset_append(c, g->partition, &rs, sync_written, op);
        recset_free(&rs);
        if (kerr != SK_KERR_NONE)
            sync_written(kerr, op); /* answers the pending syncs with the error */
    }
    return SK_REQ_PENDING;
}

/* ------------------------------------------------------------------ */
/* Heartbeat, LeaveGroup */

int16_t sk_coord_heartbeat(sk_coord_t *c, const char *group, int32_t generation,
                           const char *member_id, const char *instance_id)
{
    int16_t err = sk_coord_owns(c, group);
    if (err != SK_KERR_NONE)
        return err;
    sk_group_t *g = find_group(c, group);
    if (!g)
        return SK_KERR_UNKNOWN_MEMBER_ID;
    sk_gmember_t *m = sk_group_member(g, member_id);
    if (instance_id) {
        sk_gmember_t *si = sk_group_member_by_instance(g, instance_id);
        if (si && si != m)
            return SK_KERR_FENCED_INSTANCE_ID;
    }
    if (!m)
        return SK_KERR_UNKNOWN_MEMBER_ID;
    if (generation != g->generation)
        return SK_KERR_ILLEGAL_GENERATION;
    switch (g->state) {
    case SK_GSTATE_STABLE:
    case SK_GSTATE_COMPLETING:
        session_reset(c, g, m);
        return SK_KERR_NONE;
    case SK_GSTATE_PREPARING:
        session_reset(c, g, m);
        return SK_KERR_REBALANCE_IN_PROGRESS;
    default:
        return SK_KERR_UNKNOWN_MEMBER_ID;
    }
}

int16_t sk_coord_leave(sk_coord_t *c, const char *group, const char *member_id,
                       const char *instance_id)
{
    int16_t err = sk_coord_owns(c, group);
    if (err != SK_KERR_NONE)
        return err;
    sk_group_t *g = find_group(c, group);
    if (!g)
        return SK_KERR_UNKNOWN_MEMBER_ID;
    sk_gmember_t *m;
    if (instance_id) {
        m = sk_group_member_by_instance(g, instance_id);
        if (m && member_id && member_id[0] && strcmp(m->id, member_id) != 0)
            return SK_KERR_FENCED_INSTANCE_ID;
    } else {
        m = sk_group_member(g, member_id);
    }
    if (!m)
        return SK_KERR_UNKNOWN_MEMBER_ID;
    sk_info("group", "group %s generation %d: member %s left", g->id, g->generation, m->id);
    char reason[300];
    snprintf(reason, sizeof(reason), "member %s left", m->id);
    member_drop(c, g, m, SK_KERR_UNKNOWN_MEMBER_ID);
    after_member_removed(c, g, reason);
    return SK_KERR_NONE;
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
        int16_t *error;
    } *items;
    int64_t ts;
    sk_commit_done_fn done;
    void *ctx;
} commit_op_t;

static void commit_written(int16_t kerr, void *arg)
{
    commit_op_t *op = arg;
    sk_coord_t *c = op->c;
    int16_t err = map_append_error(kerr);
    if (err == SK_KERR_NONE && !c->stopped && op->partition < c->n_parts &&
        c->parts[op->partition]->state == CP_LOADED) {
        sk_group_t *g = find_group(c, op->group);
        if (!g)
            g = create_group(c, op->group, op->partition);
        for (int i = 0; i < op->n; i++)
            sk_group_set_offset(g, op->items[i].topic, op->items[i].partition,
                                op->items[i].offset, op->items[i].epoch, op->items[i].metadata,
                                op->ts);
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
    queue_complete(c, op->req);
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
        g = find_group(c, group);
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
                session_reset(c, g, m);
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
    int32_t partition = sk_coord_partition_for(group, n_offsets_partitions(c));
    commit_op_t *op = sk_calloc(1, sizeof(*op));
    op->items = sk_calloc((size_t)n + 1, sizeof(*op->items));
    recset_t rs = {0};
    int64_t now = now_wall();
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
        it->epoch = p->leader_epoch;
        it->metadata = sk_strdup(md);
        it->error = p->error;
        sk_wr_t *v;
        sk_wr_t *k = recset_add(&rs, 0, &v);
        wr_offset_key(k, group, p->topic, p->partition);
        wr_offset_value(v, p->offset, p->leader_epoch, md, now);
    }
    if (op->n == 0) {
        recset_free(&rs);
        free(op->items);
        free(op);
        done(req, ctx);
        return SK_REQ_DONE;
    }
    op->c = c;
    op->req = req;
    op->group = sk_strdup(group);
    op->partition = partition;
    op->ts = now;
    op->done = done;
    op->ctx = ctx;
    int16_t kerr = recset_append(c, partition, &rs, commit_written, op);
    recset_free(&rs);
    if (kerr != SK_KERR_NONE) {
        /* Nothing appended: answer now (not through the completion queue). */
        int16_t e = map_append_error(kerr);
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
        sk_wr_t *k = recset_add(&rs, 1, &v);
        wr_offset_key(k, g->id, g->offsets[i].topic, g->offsets[i].partition);
    }
    if (with_group) {
        sk_wr_t *k = recset_add(&rs, 1, &v);
        wr_group_key(k, g->id);
    }
    if (rs.n > 0) {
        char *what = sk_asprintf("tombstones of group %s", g->id);
        int16_t kerr = recset_append(c, g->partition, &rs, ignore_done, what);
        if (kerr != SK_KERR_NONE)
            ignore_done(kerr, what);
    }
    recset_free(&rs);
}

int16_t sk_coord_delete_group(sk_coord_t *c, const char *group)
{
    int16_t err = sk_coord_owns(c, group);
    if (err != SK_KERR_NONE)
        return err;
    sk_group_t *g = find_group(c, group);
    if (!g || g->state == SK_GSTATE_DEAD)
        return SK_KERR_GROUP_ID_NOT_FOUND;
    if (g->state != SK_GSTATE_EMPTY || g->n_members > 0)
        return SK_KERR_NON_EMPTY_GROUP;
    tombstones(c, g, 1);
    sk_info("group", "group %s generation %d: deleted (%d committed offsets removed)", g->id,
            g->generation, g->n_offsets);
    group_drop(c, g, SK_KERR_GROUP_ID_NOT_FOUND);
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
    sk_wr_t *k = recset_add(&rs, 1, &v);
    wr_offset_key(k, g->id, topic, partition);
    char *what = sk_asprintf("offset tombstone of group %s for %s-%d", g->id, topic, partition);
    int16_t kerr = recset_append(c, g->partition, &rs, ignore_done, what);
    if (kerr != SK_KERR_NONE)
        ignore_done(kerr, what);
    recset_free(&rs);
    sk_group_delete_offset(g, topic, partition);
    sk_info("group", "group %s: committed offset of %s-%d deleted", g->id, topic, partition);
    return SK_KERR_NONE;
}

/* ------------------------------------------------------------------ */
/* expiry of offsets of empty groups (offsets.retention.minutes) */

static void expire_arm(sk_coord_t *c)
{
    int64_t ms = c->b->conf->offsets_retention_check_interval_ms;
    if (ms <= 0)
        ms = 600000;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    evtimer_add(c->expire_ev, &tv);
}

static void expire_cb(evutil_socket_t fd, short ev_what, void *arg)
{
    (void)fd;
    (void)ev_what;
    sk_coord_t *c = arg;
    int64_t now = now_wall();
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
             * (no protocol) groups: from each commit. */
            int64_t base = g->protocol_type ? (o->commit_ts > g->state_ts ? o->commit_ts
                                                                          : g->state_ts)
                                            : o->commit_ts;
            if (now - base >= retention) {
                sk_wr_t *k = recset_add(&rs, 1, &v);
                wr_offset_key(k, g->id, o->topic, o->partition);
                sk_group_delete_offset(g, o->topic, o->partition);
                expired++;
                continue; /* the last entry moved into slot i */
            }
            i++;
        }
        int dead = g->n_offsets == 0 && g->n_pending == 0;
        if (dead && g->generation > 0) {
            sk_wr_t *k = recset_add(&rs, 1, &v);
            wr_group_key(k, g->id);
        }
        if (rs.n > 0) {
            char *what = sk_asprintf("expired offsets of group %s", g->id);
            int16_t kerr = recset_append(c, g->partition, &rs, ignore_done, what);
            if (kerr != SK_KERR_NONE)
                ignore_done(kerr, what);
        }
        recset_free(&rs);
        if (expired)
            sk_info("group", "group %s: %d committed offsets expired (empty for more than %d "
                    "minutes)", g->id, expired, c->b->conf->offsets_retention_minutes);
        if (dead) {
            sk_info("group", "group %s generation %d: removed (empty, no offsets)", g->id,
                    g->generation);
            group_drop(c, g, SK_KERR_NOT_COORDINATOR);
        }
    }
    expire_arm(c);
}

/* ------------------------------------------------------------------ */
/* life cycle */

sk_coord_t *sk_coord_new(sk_broker_t *b)
{
    sk_coord_t *c = sk_calloc(1, sizeof(*c));
    c->b = b;
    TAILQ_INIT(&c->groups);
    TAILQ_INIT(&c->done_q);
    TAILQ_INIT(&c->ptimers);
    c->done_ev = event_new(b->base, -1, 0, done_cb, c);
    c->expire_ev = evtimer_new(b->base, expire_cb, c);
    expire_arm(c);
    return c;
}

void sk_coord_stop(sk_coord_t *c)
{
    if (!c || c->stopped)
        return;
    sk_group_t *g;
    while ((g = TAILQ_FIRST(&c->groups)) != NULL)
        group_drop(c, g, SK_KERR_NOT_COORDINATOR);
    for (int32_t i = 0; i < c->n_parts; i++) {
        if (c->parts[i]->load_ev)
            evtimer_del(c->parts[i]->load_ev);
        c->parts[i]->state = CP_NONE;
    }
    c->stopped = 1;
    evtimer_del(c->expire_ev);
    while (!TAILQ_EMPTY(&c->ptimers))
        ptimer_free(c, TAILQ_FIRST(&c->ptimers));
    done_cb(-1, 0, c); /* send what is answered (or free it if the connection is gone) */
}

void sk_coord_free(sk_coord_t *c)
{
    if (!c)
        return;
    sk_coord_stop(c);
    done_cb(-1, 0, c);
    for (int32_t i = 0; i < c->n_parts; i++) {
        if (c->parts[i]->load_ev)
            event_free(c->parts[i]->load_ev);
        free(c->parts[i]);
    }
    free(c->parts);
    event_free(c->done_ev);
    event_free(c->expire_ev);
    free(c);
}
