/* zktopics.c - topic creation, partition state writes, topic watcher
 * (see zktopics.h). */
#include "zktopics.h"

#include <event2/event.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "znode.h"

/* ==== partition state writes ========================================= */

typedef struct {
    sk_zkt_state_cb done;
    void *arg;
    int outstanding;
    int create;
} pstate_op_t;

static void pstate_finish(pstate_op_t *o, int rc, int32_t version)
{
    if (o->done)
        o->done(rc, rc == ZOK ? version : -1, o->arg);
    free(o);
}

static void pstate_parent_cb(int rc, const char *created, void *arg)
{
    (void)rc;
    (void)created;
    pstate_op_t *o = arg;
    o->outstanding--;
}

static void pstate_created_cb(int rc, const char *created, void *arg)
{
    (void)created;
    pstate_op_t *o = arg;
    /* One session's requests complete in order: parents came first. */
    o->outstanding--;
    pstate_finish(o, rc, 0);
}

typedef struct {
    pstate_op_t *o;
    sk_zk_t *zk;
    char *topic;
    int32_t partition;
    char *json;
} pstate_retry_t;

static void pstate_first_create_cb(int rc, const char *created, void *arg)
{
    (void)created;
    pstate_retry_t *r = arg;
    pstate_op_t *o = r->o;
    if (rc == ZNONODE) {
        char *pp = sk_znode_partitions_path(r->topic);
        char *p = sk_znode_partition_path(r->topic, r->partition);
        char *sp = sk_znode_partition_state_path(r->topic, r->partition);
        o->outstanding = 3;
        sk_zk_create(r->zk, pp, NULL, -1, 0, pstate_parent_cb, o);
        sk_zk_create(r->zk, p, NULL, -1, 0, pstate_parent_cb, o);
        sk_zk_create(r->zk, sp, r->json, (int)strlen(r->json), 0, pstate_created_cb, o);
        free(pp);
        free(p);
        free(sp);
    } else {
        pstate_finish(o, rc, 0);
    }
    free(r->topic);
    free(r->json);
    free(r);
}

static void pstate_set_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)data;
    (void)len;
    pstate_finish(arg, rc, st ? st->version : -1);
}

void sk_zkt_write_partition_state(sk_zk_t *zk, const char *topic, const sk_zk_partition_t *p,
                                  int32_t controller_epoch, int expected_version,
                                  sk_zkt_state_cb done, void *arg)
{
    sk_znode_pstate_t s = {.controller_epoch = controller_epoch, .leader = p->leader,
                           .leader_epoch = p->leader_epoch, .isr = p->isr, .n_isr = p->n_isr};
    char *json = sk_znode_pstate_encode(&s);
    char *path = sk_znode_partition_state_path(topic, p->partition);
    pstate_op_t *o = sk_calloc(1, sizeof(*o));
    o->done = done;
    o->arg = arg;
    if (expected_version < 0) {
        pstate_retry_t *r = sk_calloc(1, sizeof(*r));
        r->o = o;
        r->zk = zk;
        r->topic = sk_strdup(topic);
        r->partition = p->partition;
        r->json = json;
        sk_zk_create(zk, path, json, (int)strlen(json), 0, pstate_first_create_cb, r);
    } else {
        sk_zk_set(zk, path, json, (int)strlen(json), expected_version, pstate_set_cb, o);
        free(json);
    }
    free(path);
}

/* ==== topic creation ================================================= */

typedef struct {
    sk_zk_t *zk;
    char *name;
    char *topic_path;
    char *config_path;
    char *topic_json;
    char *config_json;
    sk_zk_partition_t *parts; /* replicas copied; leader/isr derived */
    int n_parts;
    int write_state;
    int32_t controller_epoch;
    sk_zkt_done_cb done;
    void *arg;
    int outstanding;
    int first_rc;
    int retried;
} ct_t;

static void ct_finish(ct_t *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void ct_finish(ct_t *c, int rc, const char *fmt, ...)
{
    char err[512] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, sizeof(err), fmt, ap);
        va_end(ap);
        if (rc != SK_EEXIST)
            sk_warn("zk", "create topic %s: %s", c->name, err);
    } else {
        sk_info("zk", "created topic %s with %d partitions in ZooKeeper", c->name, c->n_parts);
    }
    if (c->done)
        c->done(rc, fmt ? err : NULL, c->arg);
    for (int i = 0; i < c->n_parts; i++)
        free(c->parts[i].replicas);
    free(c->parts);
    free(c->name);
    free(c->topic_path);
    free(c->config_path);
    free(c->topic_json);
    free(c->config_json);
    free(c);
}

static void ct_state_cb(int rc, int32_t v, void *arg)
{
    (void)v;
    ct_t *c = arg;
    if (rc != ZOK && c->first_rc == ZOK)
        c->first_rc = rc;
    if (--c->outstanding > 0)
        return;
    if (c->first_rc != ZOK)
        ct_finish(c, SK_EZK, "cannot write partition state: %s", zerror(c->first_rc));
    else
        ct_finish(c, SK_OK, NULL);
}

static void ct_write_states(ct_t *c)
{
    c->first_rc = ZOK;
    c->outstanding = c->n_parts;
    for (int i = 0; i < c->n_parts; i++)
        sk_zkt_write_partition_state(c->zk, c->name, &c->parts[i], c->controller_epoch, -1,
                                     ct_state_cb, c);
}

static void ct_create_topic_node(ct_t *c);

static void ct_topics_parent_cb(int rc, void *arg)
{
    ct_t *c = arg;
    if (rc != ZOK) {
        ct_finish(c, SK_EZK, "cannot create %s: %s", SK_ZNODE_BROKER_TOPICS, zerror(rc));
        return;
    }
    ct_create_topic_node(c);
}

static void ct_topic_created_cb(int rc, const char *created, void *arg)
{
    (void)created;
    ct_t *c = arg;
    if (rc == ZOK) {
        if (c->write_state)
            ct_write_states(c);
        else
            ct_finish(c, SK_OK, NULL);
        return;
    }
    if (rc == ZNODEEXISTS) {
        ct_finish(c, SK_EEXIST, "Topic '%s' already exists.", c->name);
        return;
    }
    if (rc == ZNONODE && !c->retried) {
        c->retried = 1;
        sk_zk_create_recursive(c->zk, SK_ZNODE_BROKER_TOPICS, NULL, -1, ct_topics_parent_cb, c);
        return;
    }
    ct_finish(c, SK_EZK, "cannot create %s: %s", c->topic_path, zerror(rc));
}

static void ct_create_topic_node(ct_t *c)
{
    sk_zk_create(c->zk, c->topic_path, c->topic_json, (int)strlen(c->topic_json), 0,
                 ct_topic_created_cb, c);
}

static void ct_config_created_cb(int rc, void *arg)
{
    ct_t *c = arg;
    if (rc != ZOK) {
        ct_finish(c, SK_EZK, "cannot create %s: %s", c->config_path, zerror(rc));
        return;
    }
    ct_create_topic_node(c);
}

static void ct_config_set_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)data;
    (void)len;
    (void)st;
    ct_t *c = arg;
    if (rc == ZOK) {
        ct_create_topic_node(c);
    } else if (rc == ZNONODE) {
        sk_zk_create_recursive(c->zk, c->config_path, c->config_json,
                               (int)strlen(c->config_json), ct_config_created_cb, c);
    } else {
        ct_finish(c, SK_EZK, "cannot write %s: %s", c->config_path, zerror(rc));
    }
}

/* Like Kafka's validation: an existing topic's config is never touched. */
static void ct_exists_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)data;
    (void)len;
    (void)st;
    ct_t *c = arg;
    if (rc == ZOK) {
        ct_finish(c, SK_EEXIST, "Topic '%s' already exists.", c->name);
        return;
    }
    if (rc != ZNONODE) {
        ct_finish(c, SK_EZK, "cannot check %s: %s", c->topic_path, zerror(rc));
        return;
    }
    sk_zk_set(c->zk, c->config_path, c->config_json, (int)strlen(c->config_json), -1,
              ct_config_set_cb, c);
}

static void ct_marked_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)data;
    (void)len;
    (void)st;
    ct_t *c = arg;
    if (rc == ZOK) {
        ct_finish(c, SK_EEXIST, "Topic '%s' is marked for deletion.", c->name);
        return;
    }
    if (rc != ZNONODE) {
        ct_finish(c, SK_EZK, "cannot check deletion mark of %s: %s", c->name, zerror(rc));
        return;
    }
    sk_zk_exists(c->zk, c->topic_path, NULL, NULL, ct_exists_cb, c);
}

typedef struct {
    sk_zkt_done_cb done;
    void *arg;
    int rc;
    char err[256];
} ct_fail_t;

static void ct_fail_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)rc;
    (void)data;
    (void)len;
    (void)st;
    ct_fail_t *f = arg;
    if (f->done)
        f->done(f->rc, f->err, f->arg);
    free(f);
}

void sk_zkt_create_topic(sk_zk_t *zk, const sk_zk_topic_t *t, int write_state,
                         int32_t controller_epoch, sk_zkt_done_cb done, void *arg)
{
    char err[256];
    int rc = sk_topic_name_valid(t->name, err, sizeof(err));
    if (rc == SK_OK && t->n_partitions <= 0) {
        snprintf(err, sizeof(err), "topic %s needs at least one partition", t->name);
        rc = SK_EINVAL;
    }
    for (int i = 0; rc == SK_OK && i < t->n_partitions; i++) {
        if (t->partitions[i].partition != i || t->partitions[i].n_replicas <= 0) {
            snprintf(err, sizeof(err),
                     "topic %s: partition entries must be 0..%d with at least one replica",
                     t->name, t->n_partitions - 1);
            rc = SK_EINVAL;
        }
    }
    uint8_t raw[16];
    if (rc == SK_OK && t->topic_id && sk_znode_uuid_decode(t->topic_id, raw) != SK_OK) {
        snprintf(err, sizeof(err), "topic %s: invalid topic id", t->name);
        rc = SK_EINVAL;
    }
    char idbuf[SK_UUID_B64_LEN + 1];
    if (rc == SK_OK && !t->topic_id && sk_znode_uuid_generate(idbuf) != SK_OK) {
        snprintf(err, sizeof(err), "cannot generate a topic id: system RNG failed");
        rc = SK_EIO;
    }
    if (rc != SK_OK) {
        /* Report asynchronously, like every other outcome: piggy-back on a
         * no-op read whose callback always runs later on the loop. */
        ct_fail_t *f = sk_calloc(1, sizeof(*f));
        f->done = done;
        f->arg = arg;
        f->rc = rc;
        snprintf(f->err, sizeof(f->err), "%s", err);
        sk_zk_exists(zk, "/", NULL, NULL, ct_fail_cb, f);
        return;
    }
    ct_t *c = sk_calloc(1, sizeof(*c));
    c->zk = zk;
    c->name = sk_strdup(t->name);
    c->topic_path = sk_znode_topic_path(t->name);
    c->config_path = sk_znode_topic_config_path(t->name);
    c->write_state = write_state;
    c->controller_epoch = controller_epoch;
    c->done = done;
    c->arg = arg;
    c->n_parts = t->n_partitions;
    c->parts = sk_calloc((size_t)c->n_parts, sizeof(*c->parts));
    sk_znode_replicas_t *rep = sk_calloc((size_t)c->n_parts, sizeof(*rep));
    for (int i = 0; i < c->n_parts; i++) {
        const sk_zk_partition_t *src = &t->partitions[i];
        sk_zk_partition_t *p = &c->parts[i];
        p->partition = i;
        p->n_replicas = src->n_replicas;
        p->replicas = sk_calloc((size_t)src->n_replicas, sizeof(int32_t));
        memcpy(p->replicas, src->replicas, (size_t)src->n_replicas * sizeof(int32_t));
        p->leader = p->replicas[0];
        p->leader_epoch = 0;
        p->isr = p->replicas;
        p->n_isr = p->n_replicas;
        rep[i].partition = i;
        rep[i].replicas = p->replicas;
        rep[i].n_replicas = p->n_replicas;
    }
    sk_znode_topic_t node = {.version = 3,
                             .topic_id = t->topic_id ? t->topic_id : idbuf,
                             .partitions = rep,
                             .n_partitions = c->n_parts};
    c->topic_json = sk_znode_topic_encode(&node);
    free(rep);
    c->config_json =
        sk_znode_config_encode((const char *const *)t->config_keys,
                               (const char *const *)t->config_values, t->n_configs);
    char *mark = sk_znode_delete_topic_path(t->name);
    sk_zk_exists(zk, mark, NULL, NULL, ct_marked_cb, c);
    free(mark);
}

/* ==== watcher ======================================================== */

typedef struct {
    int have;
    sk_znode_pstate_t st;
    int32_t version;
    int armed; /* a data or exists watch is set on the state node */
} zt_part_t;

typedef struct {
    char *name;
    uint64_t seq; /* of the latest topic-node read */
    int have_node;
    sk_znode_topic_t node;
    int32_t node_version;
    int node_armed;
    sk_znode_config_t cfg;
    zt_part_t *parts;
    int n_parts;
} zt_topic_t;

struct sk_zkt_watcher_s {
    sk_zk_t *zk;
    sk_zkt_snapshot_cb cb;
    void *arg;
    zt_topic_t **topics;
    int n_topics, cap_topics;
    char **deleting;
    int n_deleting;
    int topics_armed, deleting_armed;
    int pending; /* reads in flight */
    int dirty;
    int need_retry;
    int dead;
    int busy; /* inside cb */
    uint64_t seq;
    struct event *retry_ev;
};

enum { RQ_TOPICS, RQ_DELETING, RQ_NODE, RQ_CONFIG, RQ_STATE, RQ_STATE_EXISTS };

typedef struct {
    sk_zkt_watcher_t *w;
    int kind;
    char *topic;
    int32_t partition;
    uint64_t seq;
    int watched; /* the read asked for a watch */
} rq_t;

static void zt_load_topic(sk_zkt_watcher_t *w, zt_topic_t *t);
static void zt_load_state(sk_zkt_watcher_t *w, zt_topic_t *t, int32_t p);
static void zt_list_topics(sk_zkt_watcher_t *w);
static void zt_list_deleting(sk_zkt_watcher_t *w);

static void zt_topic_free(zt_topic_t *t)
{
    sk_znode_topic_clear(&t->node);
    sk_znode_config_clear(&t->cfg);
    for (int i = 0; i < t->n_parts; i++)
        sk_znode_pstate_clear(&t->parts[i].st);
    free(t->parts);
    free(t->name);
    free(t);
}

static void zt_destroy(sk_zkt_watcher_t *w)
{
    for (int i = 0; i < w->n_topics; i++)
        zt_topic_free(w->topics[i]);
    free(w->topics);
    for (int i = 0; i < w->n_deleting; i++)
        free(w->deleting[i]);
    free(w->deleting);
    if (w->retry_ev)
        event_free(w->retry_ev);
    free(w);
}

static zt_topic_t *zt_find(sk_zkt_watcher_t *w, const char *name, int *idx)
{
    for (int i = 0; i < w->n_topics; i++) {
        if (!strcmp(w->topics[i]->name, name)) {
            if (idx)
                *idx = i;
            return w->topics[i];
        }
    }
    return NULL;
}

static int zt_marked(sk_zkt_watcher_t *w, const char *name)
{
    for (int i = 0; i < w->n_deleting; i++)
        if (!strcmp(w->deleting[i], name))
            return 1;
    return 0;
}

static int cmp_topic(const void *a, const void *b)
{
    const sk_zk_topic_t *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static void zt_emit(sk_zkt_watcher_t *w)
{
    int n = 0;
    sk_zk_topic_t *snap = sk_calloc((size_t)(w->n_topics ? w->n_topics : 1), sizeof(*snap));
    for (int i = 0; i < w->n_topics; i++) {
        zt_topic_t *t = w->topics[i];
        if (!t->have_node)
            continue;
        sk_zk_topic_t *s = &snap[n++];
        s->name = t->name;
        s->topic_id = t->node.topic_id;
        s->n_partitions = t->node.n_partitions;
        s->partitions = sk_calloc((size_t)(s->n_partitions ? s->n_partitions : 1),
                                  sizeof(*s->partitions));
        for (int p = 0; p < s->n_partitions; p++) {
            sk_zk_partition_t *sp = &s->partitions[p];
            sp->partition = p;
            sp->replicas = t->node.partitions[p].replicas;
            sp->n_replicas = t->node.partitions[p].n_replicas;
            sp->leader = -1;
            sp->state_version = -1;
            for (int k = 0; k < t->node.n_adding; k++)
                if (t->node.adding[k].partition == p) {
                    sp->adding = t->node.adding[k].replicas;
                    sp->n_adding = t->node.adding[k].n_replicas;
                }
            for (int k = 0; k < t->node.n_removing; k++)
                if (t->node.removing[k].partition == p) {
                    sp->removing = t->node.removing[k].replicas;
                    sp->n_removing = t->node.removing[k].n_replicas;
                }
            if (p < t->n_parts && t->parts[p].have) {
                zt_part_t *zp = &t->parts[p];
                sp->has_state = 1;
                sp->leader = zp->st.leader;
                sp->leader_epoch = zp->st.leader_epoch;
                sp->controller_epoch = zp->st.controller_epoch;
                sp->isr = zp->st.isr;
                sp->n_isr = zp->st.n_isr;
                sp->state_version = zp->version;
            }
        }
        s->config_keys = t->cfg.keys;
        s->config_values = t->cfg.values;
        s->n_configs = t->cfg.n;
        s->marked_for_deletion = zt_marked(w, t->name);
        s->node_version = t->node_version;
    }
    qsort(snap, (size_t)n, sizeof(*snap), cmp_topic);
    w->busy++;
    w->cb(snap, n, w->arg);
    w->busy--;
    for (int i = 0; i < n; i++)
        free(snap[i].partitions);
    free(snap);
}

static void zt_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_zkt_watcher_t *w = arg;
    if (!w->dead) {
        sk_debug("zk", "topic watcher: retrying reads");
        sk_zkt_rearm(w);
    }
}

/* Called after every completion: emit when a round is complete, retry
 * failures, or finish a deferred free. */
static void zt_settle(sk_zkt_watcher_t *w)
{
    if (w->pending > 0 || w->busy)
        return;
    if (w->dead) {
        zt_destroy(w);
        return;
    }
    if (w->need_retry) {
        w->need_retry = 0;
        struct timeval tv = {1, 0};
        evtimer_add(w->retry_ev, &tv);
    }
    if (w->dirty) {
        w->dirty = 0;
        zt_emit(w);
        if (w->dead && w->pending == 0)
            zt_destroy(w);
    }
}

static rq_t *rq_new(sk_zkt_watcher_t *w, int kind, const char *topic, int32_t p, int watched)
{
    rq_t *r = sk_calloc(1, sizeof(*r));
    r->w = w;
    r->kind = kind;
    r->topic = topic ? sk_strdup(topic) : NULL;
    r->partition = p;
    r->watched = watched;
    w->pending++;
    return r;
}

/* Release a request; returns the watcher if it is still live. */
static sk_zkt_watcher_t *rq_done(rq_t *r)
{
    sk_zkt_watcher_t *w = r->w;
    w->pending--;
    free(r->topic);
    free(r);
    if (w->dead) {
        zt_settle(w);
        return NULL;
    }
    return w;
}

static void zt_error(sk_zkt_watcher_t *w, int rc, const char *what)
{
    if (rc == ZCLOSING)
        return;
    sk_warn("zk", "topic watcher: reading %s failed: %s; retrying", what, zerror(rc));
    w->need_retry = 1;
}

/* Watch events: watch_arg is the watcher; the path says what changed. */
static void zt_watch_cb(int type, const char *path, void *arg)
{
    sk_zkt_watcher_t *w = arg;
    if (w->dead)
        return;
    if (!strcmp(path, SK_ZNODE_BROKER_TOPICS)) {
        w->topics_armed = 0;
        zt_list_topics(w);
    } else if (!strcmp(path, SK_ZNODE_DELETE_TOPICS)) {
        w->deleting_armed = 0;
        zt_list_deleting(w);
    } else if (!strncmp(path, SK_ZNODE_BROKER_TOPICS "/", sizeof(SK_ZNODE_BROKER_TOPICS))) {
        const char *name = path + sizeof(SK_ZNODE_BROKER_TOPICS);
        const char *slash = strchr(name, '/');
        char *tname = slash ? sk_strndup(name, (size_t)(slash - name)) : sk_strdup(name);
        zt_topic_t *t = zt_find(w, tname, NULL);
        int32_t p = -1;
        if (slash && sscanf(slash, "/partitions/%" SCNd32 "/state", &p) != 1)
            p = -1;
        if (t && !slash) {
            /* Also on deletion: a re-created topic must be re-read. */
            t->node_armed = 0;
            zt_load_topic(w, t);
        } else if (t && p >= 0 && p < t->n_parts) {
            t->parts[p].armed = 0;
            zt_load_state(w, t, p);
        }
        free(tname);
    }
    zt_settle(w);
}

/* ---- partition states ---- */

static void zt_state_exists_cb(int rc, const char *data, int len, const struct Stat *st,
                               void *arg);

static void zt_state_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    rq_t *r = arg;
    int32_t p = r->partition;
    uint64_t seq = r->seq;
    int watched = r->watched;
    char *name = sk_strdup(r->topic);
    sk_zkt_watcher_t *w = rq_done(r);
    if (!w)
        goto out;
    zt_topic_t *t = zt_find(w, name, NULL);
    if (!t || p >= t->n_parts)
        goto settle;
    zt_part_t *zp = &t->parts[p];
    if (watched)
        zp->armed = rc == ZOK;
    if (seq != t->seq)
        goto settle;
    if (rc == ZOK) {
        sk_znode_pstate_t s;
        char err[256];
        if (sk_znode_pstate_decode(data, len > 0 ? (size_t)len : 0, &s, err, sizeof(err)) !=
            SK_OK) {
            sk_warn("zk", "topic %s partition %" PRId32 ": ignoring bad state: %s", name, p, err);
            sk_znode_pstate_clear(&zp->st);
            zp->have = 0;
        } else {
            sk_znode_pstate_clear(&zp->st);
            zp->st = s;
            zp->have = 1;
            zp->version = st->version;
        }
        w->dirty = 1;
    } else if (rc == ZNONODE) {
        if (zp->have)
            w->dirty = 1;
        sk_znode_pstate_clear(&zp->st);
        zp->have = 0;
        if (!zp->armed) {
            /* Wait for it to appear. */
            char *path = sk_znode_partition_state_path(name, p);
            rq_t *e = rq_new(w, RQ_STATE_EXISTS, name, p, 1);
            e->seq = seq;
            sk_zk_exists(w->zk, path, zt_watch_cb, w, zt_state_exists_cb, e);
            free(path);
        }
    } else {
        zt_error(w, rc, "a partition state");
    }
settle:
    zt_settle(w);
out:
    free(name);
}

static void zt_state_exists_cb(int rc, const char *data, int len, const struct Stat *st,
                               void *arg)
{
    (void)data;
    (void)len;
    (void)st;
    rq_t *r = arg;
    int32_t p = r->partition;
    uint64_t seq = r->seq;
    char *name = sk_strdup(r->topic);
    sk_zkt_watcher_t *w = rq_done(r);
    if (!w)
        goto out;
    zt_topic_t *t = zt_find(w, name, NULL);
    if (!t || p >= t->n_parts)
        goto settle;
    t->parts[p].armed = rc == ZOK || rc == ZNONODE;
    if (seq != t->seq)
        goto settle;
    if (rc == ZOK)
        zt_load_state(w, t, p); /* created meanwhile; the exists watch covers changes */
    else if (rc != ZNONODE)
        zt_error(w, rc, "a partition state");
settle:
    zt_settle(w);
out:
    free(name);
}

static void zt_load_state(sk_zkt_watcher_t *w, zt_topic_t *t, int32_t p)
{
    char *path = sk_znode_partition_state_path(t->name, p);
    int watch = !t->parts[p].armed;
    rq_t *r = rq_new(w, RQ_STATE, t->name, p, watch);
    r->seq = t->seq;
    sk_zk_get(w->zk, path, watch ? zt_watch_cb : NULL, w, zt_state_cb, r);
    free(path);
}

/* ---- topic node and config ---- */

static void zt_node_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)st;
    rq_t *r = arg;
    uint64_t seq = r->seq;
    int watched = r->watched;
    char *name = sk_strdup(r->topic);
    sk_zkt_watcher_t *w = rq_done(r);
    if (!w)
        goto out;
    zt_topic_t *t = zt_find(w, name, NULL);
    if (!t)
        goto settle;
    if (watched)
        t->node_armed = rc == ZOK;
    if (seq != t->seq)
        goto settle;
    if (rc == ZOK) {
        sk_znode_topic_t node;
        char err[256];
        if (sk_znode_topic_decode(data, len > 0 ? (size_t)len : 0, &node, err, sizeof(err)) !=
            SK_OK) {
            sk_warn("zk", "topic %s: ignoring unreadable topic node: %s", name, err);
            if (t->have_node)
                w->dirty = 1;
            t->have_node = 0;
            goto settle;
        }
        sk_znode_topic_clear(&t->node);
        t->node = node;
        t->node_version = st ? st->version : -1;
        t->have_node = 1;
        if (node.n_partitions > t->n_parts) {
            t->parts = sk_realloc(t->parts, (size_t)node.n_partitions * sizeof(*t->parts));
            memset(t->parts + t->n_parts, 0,
                   (size_t)(node.n_partitions - t->n_parts) * sizeof(*t->parts));
            t->n_parts = node.n_partitions;
        }
        for (int p = 0; p < node.n_partitions; p++)
            zt_load_state(w, t, p);
        w->dirty = 1;
    } else if (rc == ZNONODE) {
        if (t->have_node)
            w->dirty = 1;
        t->have_node = 0;
    } else {
        zt_error(w, rc, "a topic node");
    }
settle:
    zt_settle(w);
out:
    free(name);
}

static void zt_config_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)st;
    rq_t *r = arg;
    uint64_t seq = r->seq;
    char *name = sk_strdup(r->topic);
    sk_zkt_watcher_t *w = rq_done(r);
    if (!w)
        goto out;
    zt_topic_t *t = zt_find(w, name, NULL);
    if (!t || seq != t->seq)
        goto settle;
    if (rc == ZOK || rc == ZNONODE) {
        sk_znode_config_t cfg;
        char err[256];
        if (rc == ZNONODE)
            memset(&cfg, 0, sizeof(cfg));
        else if (sk_znode_config_decode(data, len > 0 ? (size_t)len : 0, &cfg, err,
                                        sizeof(err)) != SK_OK) {
            sk_warn("zk", "topic %s: ignoring unreadable config: %s", name, err);
            memset(&cfg, 0, sizeof(cfg));
        }
        sk_znode_config_clear(&t->cfg);
        t->cfg = cfg;
        w->dirty = 1;
    } else {
        zt_error(w, rc, "a topic config");
    }
settle:
    zt_settle(w);
out:
    free(name);
}

static void zt_load_topic(sk_zkt_watcher_t *w, zt_topic_t *t)
{
    t->seq = ++w->seq;
    char *path = sk_znode_topic_path(t->name);
    int watch = !t->node_armed;
    rq_t *r = rq_new(w, RQ_NODE, t->name, -1, watch);
    r->seq = t->seq;
    sk_zk_get(w->zk, path, watch ? zt_watch_cb : NULL, w, zt_node_cb, r);
    free(path);
    path = sk_znode_topic_config_path(t->name);
    r = rq_new(w, RQ_CONFIG, t->name, -1, 0);
    r->seq = t->seq;
    sk_zk_get(w->zk, path, NULL, NULL, zt_config_cb, r);
    free(path);
}

/* ---- children lists ---- */

static void zt_topics_cb(int rc, char **names, int count, const struct Stat *st, void *arg)
{
    (void)st;
    rq_t *r = arg;
    int watched = r->watched;
    sk_zkt_watcher_t *w = rq_done(r);
    if (!w)
        return;
    if (watched)
        w->topics_armed = rc == ZOK;
    if (rc == ZOK || rc == ZNONODE) {
        /* Drop topics that are gone. */
        for (int i = 0; i < w->n_topics;) {
            int found = 0;
            for (int k = 0; k < count && !found; k++)
                found = !strcmp(names[k], w->topics[i]->name);
            if (!found) {
                zt_topic_free(w->topics[i]);
                w->topics[i] = w->topics[--w->n_topics];
                w->dirty = 1;
            } else {
                i++;
            }
        }
        /* Load new ones. */
        for (int k = 0; k < count; k++) {
            zt_topic_t *old = zt_find(w, names[k], NULL);
            if (old) {
                /* Known but unread or unwatched (deleted and re-created). */
                if (!old->have_node || !old->node_armed)
                    zt_load_topic(w, old);
                continue;
            }
            if (w->n_topics == w->cap_topics) {
                w->cap_topics = w->cap_topics ? w->cap_topics * 2 : 16;
                w->topics = sk_realloc(w->topics, (size_t)w->cap_topics * sizeof(*w->topics));
            }
            zt_topic_t *t = sk_calloc(1, sizeof(*t));
            t->name = sk_strdup(names[k]);
            w->topics[w->n_topics++] = t;
            zt_load_topic(w, t);
            w->dirty = 1;
        }
    } else {
        zt_error(w, rc, SK_ZNODE_BROKER_TOPICS);
    }
    zt_settle(w);
}

static void zt_deleting_cb(int rc, char **names, int count, const struct Stat *st, void *arg)
{
    (void)st;
    rq_t *r = arg;
    int watched = r->watched;
    sk_zkt_watcher_t *w = rq_done(r);
    if (!w)
        return;
    if (watched)
        w->deleting_armed = rc == ZOK;
    if (rc == ZOK || rc == ZNONODE) {
        for (int i = 0; i < w->n_deleting; i++)
            free(w->deleting[i]);
        free(w->deleting);
        w->deleting = sk_calloc((size_t)(count > 0 ? count : 1), sizeof(char *));
        for (int i = 0; i < count; i++)
            w->deleting[i] = sk_strdup(names[i]);
        w->n_deleting = count;
        w->dirty = 1;
    } else {
        zt_error(w, rc, SK_ZNODE_DELETE_TOPICS);
    }
    zt_settle(w);
}

static void zt_list_topics(sk_zkt_watcher_t *w)
{
    int watch = !w->topics_armed;
    rq_t *r = rq_new(w, RQ_TOPICS, NULL, -1, watch);
    sk_zk_children(w->zk, SK_ZNODE_BROKER_TOPICS, watch ? zt_watch_cb : NULL, w, zt_topics_cb, r);
}

static void zt_list_deleting(sk_zkt_watcher_t *w)
{
    int watch = !w->deleting_armed;
    rq_t *r = rq_new(w, RQ_DELETING, NULL, -1, watch);
    sk_zk_children(w->zk, SK_ZNODE_DELETE_TOPICS, watch ? zt_watch_cb : NULL, w, zt_deleting_cb,
                   r);
}

sk_zkt_watcher_t *sk_zkt_watch(sk_zk_t *zk, sk_zkt_snapshot_cb cb, void *arg)
{
    sk_zkt_watcher_t *w = sk_calloc(1, sizeof(*w));
    w->zk = zk;
    w->cb = cb;
    w->arg = arg;
    w->dirty = 1; /* the first complete load is always reported */
    w->retry_ev = evtimer_new(sk_zk_event_base(zk), zt_retry_cb, w);
    zt_list_deleting(w);
    zt_list_topics(w);
    return w;
}

void sk_zkt_rearm(sk_zkt_watcher_t *w)
{
    if (w->dead)
        return;
    evtimer_del(w->retry_ev);
    /* Watches from an expired session are gone; a duplicate watch on a
     * live session only costs one extra re-read when it fires. */
    w->topics_armed = 0;
    w->deleting_armed = 0;
    for (int i = 0; i < w->n_topics; i++) {
        zt_topic_t *t = w->topics[i];
        t->node_armed = 0;
        for (int p = 0; p < t->n_parts; p++)
            t->parts[p].armed = 0;
    }
    w->dirty = 1;
    zt_list_deleting(w);
    zt_list_topics(w);
    for (int i = 0; i < w->n_topics; i++)
        zt_load_topic(w, w->topics[i]);
}

void sk_zkt_watcher_free(sk_zkt_watcher_t *w)
{
    if (!w || w->dead)
        return;
    w->dead = 1;
    sk_zk_unwatch(w->zk, w);
    evtimer_del(w->retry_ev);
    if (w->pending == 0 && !w->busy)
        zt_destroy(w);
}
