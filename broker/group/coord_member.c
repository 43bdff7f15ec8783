/* coord_member.c - the group coordinator's membership and rebalance
 * protocol (see coord.h): JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * session and rebalance timers, answers that complete later. */
#include "group/coord_int.h"

#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A request whose answer comes later. */
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

/* ------------------------------------------------------------------ */
/* pending answers */

void coord_done_cb(evutil_socket_t fd, short what, void *arg)
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

void coord_queue_complete(sk_coord_t *c, sk_req_t *req)
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
    coord_queue_complete(c, req);
}

/* The JoinGroup answer for member m in g's current generation (the leader
 * also gets the member list). */
static sk_gresult_t join_result(sk_group_t *g, const sk_gmember_t *m)
{
    sk_gresult_t res = {0};
    res.generation = g->generation;
    res.protocol_type = g->protocol_type;
    res.protocol = g->protocol;
    res.leader = g->leader_id;
    res.member_id = m->id;
    res.group = g;
    res.list_members = strcmp(m->id, g->leader_id) == 0;
    return res;
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

void coord_session_reset(sk_coord_t *c, sk_group_t *g, sk_gmember_t *m)
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
void coord_member_drop(sk_coord_t *c, sk_group_t *g, sk_gmember_t *m, int16_t err)
{
    pend_error(c, &m->join_ext, err, m->id);
    pend_error(c, &m->sync_ext, err, m->id);
    member_timer_clear(m);
    sk_group_remove_member(g, m);
}

/* Drop a whole group from memory (unload, shutdown, deletion). */
void coord_group_drop(sk_coord_t *c, sk_group_t *g, int16_t err)
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
        coord_session_reset(c, g, m);
        return;
    }
    sk_info("group", "group %s generation %d: member %s expired (no heartbeat within %d ms)",
            g->id, g->generation, m->id, m->session_timeout_ms);
    char reason[300];
    snprintf(reason, sizeof(reason), "member %s expired", m->id);
    coord_member_drop(c, g, m, SK_KERR_UNKNOWN_MEMBER_ID);
    after_member_removed(c, g, reason);
}

static void complete_join(sk_coord_t *c, sk_group_t *g)
{
    int64_t now = coord_now_wall();
    group_timer_clear(g);
    g->initial_delay = 0;
    /* Members that did not rejoin in time are out. */
    sk_gmember_t *m, *next;
    for (m = TAILQ_FIRST(&g->members); m; m = next) {
        next = TAILQ_NEXT(m, link);
        if (!m->awaiting_join) {
            sk_info("group", "group %s generation %d: member %s did not rejoin in time, removed",
                    g->id, g->generation, m->id);
            coord_member_drop(c, g, m, SK_KERR_UNKNOWN_MEMBER_ID);
        }
    }
    sk_group_clear_pending(g);
    g->generation++;
    free(g->protocol);
    g->protocol = NULL;
    if (g->n_members == 0) {
        sk_group_set_state(g, SK_GSTATE_EMPTY, now);
        sk_info("group", "group %s generation %d: empty", g->id, g->generation);
        coord_write_group_metadata(c, g, 0);
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
        sk_gresult_t res = join_result(g, m);
        res.error = g->protocol ? SK_KERR_NONE : SK_KERR_INCONSISTENT_GROUP_PROTOCOL;
        m->awaiting_join = 0;
        pend_answer(c, &m->join_ext, &res);
        coord_session_reset(c, g, m);
    }
}

static void maybe_complete_join(sk_coord_t *c, sk_group_t *g)
{
    if (g->state == SK_GSTATE_PREPARING && !g->initial_delay && sk_group_all_joined(g))
        complete_join(c, g);
}

void coord_ptimer_free(sk_coord_t *c, ptimer_t *t)
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
    sk_group_t *g = coord_find_group(c, t->group);
    if (g && sk_group_take_pending(g, t->member_id)) {
        sk_info("group", "group %s generation %d: pending member id %s expired (never rejoined)",
                g->id, g->generation, t->member_id);
        maybe_complete_join(c, g);
    }
    coord_ptimer_free(c, t);
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
    sk_group_set_state(g, SK_GSTATE_PREPARING, coord_now_wall());
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
    sk_group_t *g = coord_find_group(c, a->group);
    if (!g) {
        if (mid[0])
            return join_answer_now(req, enc, SK_KERR_UNKNOWN_MEMBER_ID, mid);
        g = coord_create_group(c, a->group,
                               sk_coord_partition_for(a->group, coord_n_offsets_partitions(c)));
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
                coord_session_reset(c, g, old);
                coord_write_group_metadata(c, g, 0); /* the new member id, for a new coordinator */
                sk_gresult_t res = join_result(g, old);
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
            coord_session_reset(c, g, m);
            sk_gresult_t res = join_result(g, m);
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
    sk_group_t *g = c->stopped ? NULL : coord_find_group(c, op->group);
    if (g && g->generation == op->generation && g->state == SK_GSTATE_COMPLETING) {
        sk_gmember_t *m;
        if (kerr != SK_KERR_NONE) {
            int16_t err = coord_map_append_error(kerr);
            sk_warn("group", "group %s generation %d: storing the assignment failed (%s)",
                    g->id, g->generation, sk_kerr_name(kerr));
            TAILQ_FOREACH(m, &g->members, link)
                pend_error(c, &m->sync_ext, err, m->id);
            prepare_rebalance(c, g, "storing the assignment failed");
        } else {
            sk_group_set_state(g, SK_GSTATE_STABLE, coord_now_wall());
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
    sk_group_t *g = coord_find_group(c, group);
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
        coord_session_reset(c, g, m);
        return sync_answer_now(req, enc, SK_KERR_NONE, m->assignment, m->assignment_len, g);
    case SK_GSTATE_COMPLETING:
        break;
    default:
        return sync_answer_now(req, enc, SK_KERR_UNKNOWN_MEMBER_ID, NULL, 0, g);
    }
    if (m->sync_ext)
        pend_error(c, &m->sync_ext, SK_KERR_REBALANCE_IN_PROGRESS, m->id);
    pend_new(req, enc, &m->sync_ext);
    coord_session_reset(c, g, m);
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
        sk_wr_t *k = coord_recset_add(&rs, 0, &v);
        coord_wr_group_key(k, g->id);
        coord_wr_group_value(v, g);
        sync_op_t *op = sk_calloc(1, sizeof(*op));
        op->c = c;
        op->group = sk_strdup(g->id);
        op->generation = g->generation;
        int16_t kerr = coord_recset_append(c, g->partition, &rs, sync_written, op);
        coord_recset_free(&rs);
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
    sk_group_t *g = coord_find_group(c, group);
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
        coord_session_reset(c, g, m);
        return SK_KERR_NONE;
    case SK_GSTATE_PREPARING:
        coord_session_reset(c, g, m);
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
    sk_group_t *g = coord_find_group(c, group);
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
    coord_member_drop(c, g, m, SK_KERR_UNKNOWN_MEMBER_ID);
    after_member_removed(c, g, reason);
    return SK_KERR_NONE;
}
