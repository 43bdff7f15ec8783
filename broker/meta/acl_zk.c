/* acl_zk.c - the broker's ACLs from ZooKeeper (see acl_zk.h). */
#include "meta/acl_zk.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "kerr.h"
#include "meta/acl.h"
#include "log.h"
#include "mem.h"

#define PURGE_AFTER_MS (15 * 60 * 1000LL) /* Kafka's changeExpirationMs */

static const int types[] = {SK_ACL_RES_TOPIC, SK_ACL_RES_GROUP, SK_ACL_RES_CLUSTER,
                            SK_ACL_RES_TRANSACTIONAL_ID, SK_ACL_RES_DELEGATION_TOKEN,
                            SK_ACL_RES_USER};
#define NTYPES ((int)(sizeof(types) / sizeof(types[0])))

struct sk_aclzk_s {
    sk_zk_t *zk;
    sk_acl_t *acl;
    void (*loaded_cb)(void *arg);
    void *arg;
    sk_acl_t *staging;   /* the full load in progress, or NULL */
    int run;             /* bumped by every start; older callbacks are ignored */
    int pending;         /* operations of the current start still out */
    int failed;          /* one of them failed: start again */
    int loaded;
    long long seen[2];   /* newest notification handled, literal and extended */
    struct event *retry;
    int phase;           /* PH_* of the start in progress */
    int freeing;
};

/* One operation's context. */
typedef struct {
    sk_aclzk_t *w;
    int run;
    int8_t type, pattern;
    int extended;
    char *path;
    char *name;
} op_t;

static op_t *op_new(sk_aclzk_t *w, const char *path)
{
    op_t *o = sk_calloc(1, sizeof(*o));
    o->w = w;
    o->run = w->run;
    o->path = path ? sk_strdup(path) : NULL;
    return o;
}

static void op_free(op_t *o)
{
    free(o->path);
    free(o->name);
    free(o);
}

static const char *change_root(int extended)
{
    return extended ? SK_ACL_EXTENDED_CHANGES : SK_ACL_LITERAL_CHANGES;
}

static void load_step_done(sk_aclzk_t *w, int ok);
static void change_watch_cb(int type, const char *path, void *arg);

/* ---- applying a resource's znode ------------------------------------ */

/* The znode of a resource was read (or is gone): the staging table of a
 * full load in progress, and with live the live table, get what it says
 * now. ZooKeeper answers one session's reads in the order they were sent,
 * so the last read applied is the newest. */
static void apply_resource(sk_aclzk_t *w, int live, int type, int pattern, const char *name,
                           const char *data, int len, const char *path)
{
    sk_acl_entry_t *e = NULL;
    int n = 0;
    char err[256];
    if (data && len > 0 &&
        sk_acl_znode_parse(data, (size_t)len, &e, &n, err, sizeof(err)) != SK_OK) {
        /* Kafka's broker fails the same way: the resource has no ACLs */
        sk_warn("acl", "ignoring %s: %s", path, err);
        e = NULL;
        n = 0;
    }
    if (live)
        sk_acl_set(w->acl, type, pattern, name, e, n);
    if (w->staging)
        sk_acl_set(w->staging, type, pattern, name, e, n);
    sk_acl_entries_free(e, n);
}

/* ---- following the change notifications ----------------------------- */

static void resource_read_cb(int rc, const char *data, int len, const struct Stat *stat,
                             void *arg)
{
    (void)stat;
    op_t *o = arg;
    sk_aclzk_t *w = o->w;
    if (!w->freeing) {
        if (rc == ZOK || rc == ZNONODE) {
            apply_resource(w, 1, o->type, o->pattern, o->name, rc == ZOK ? data : NULL,
                           rc == ZOK ? len : -1, o->path);
            sk_info("acl", "ACLs of %s %s %s reloaded (%d entries in all)",
                    sk_acl_pattern_name(o->pattern), sk_acl_res_name(o->type), o->name,
                    sk_acl_entry_count(w->acl));
        } else {
            sk_warn("acl", "cannot read %s (%s); reloading every ACL", o->path, zerror(rc));
            sk_aclzk_start(w);
        }
    }
    op_free(o);
}

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Read a resource's znode again (after a notification naming it). */
static void reread(sk_aclzk_t *w, int type, int pattern, const char *name)
{
    char path[1024];
    if (sk_acl_res_path(type, pattern, name, path, sizeof(path)) != SK_OK) {
        sk_warn("acl", "ignoring a notification for %s: no znode for that resource", name);
        return;
    }
    op_t *r = op_new(w, path);
    r->type = (int8_t)type;
    r->pattern = (int8_t)pattern;
    r->name = sk_strdup(name);
    sk_zk_get(w->zk, path, NULL, NULL, resource_read_cb, r);
}

static void change_read_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    op_t *o = arg;
    sk_aclzk_t *w = o->w;
    sk_acl_res_t res;
    char err[256];
    if (w->freeing || rc != ZOK) { /* a purged notification: nothing to do */
        op_free(o);
        return;
    }
    if (sk_acl_change_parse(data, len > 0 ? (size_t)len : 0, o->extended, &res, err,
                            sizeof(err)) != SK_OK) {
        sk_warn("acl", "ignoring notification %s: %s", o->path, err);
    } else {
        reread(w, res.type, res.pattern, res.name);
        /* Kafka 2.0's brokers wrote "<Type>:LITERAL:<name>": the name after
         * LITERAL: is read too (one read too many for a resource really
         * named so costs nothing) */
        if (!o->extended && !strncmp(res.name, "LITERAL:", 8) && res.name[8])
            reread(w, res.type, res.pattern, res.name + 8);
        free(res.name);
    }
    if (stat && now_ms() - stat->ctime > PURGE_AFTER_MS)
        sk_zk_delete(w->zk, o->path, -1, NULL, NULL);
    op_free(o);
}

static long long change_seq(const char *name)
{
    size_t pl = strlen(SK_ACL_CHANGE_PREFIX);
    if (strncmp(name, SK_ACL_CHANGE_PREFIX, pl) != 0 || !name[pl])
        return -1;
    char *end;
    long long v = strtoll(name + pl, &end, 10);
    return *end ? -1 : v;
}

static void changes_cb(int rc, char **names, int count, const struct Stat *stat, void *arg)
{
    (void)stat;
    op_t *o = arg;
    sk_aclzk_t *w = o->w;
    int ext = o->extended;
    if (w->freeing || o->run != w->run) {
        op_free(o);
        return;
    }
    if (rc != ZOK) {
        sk_warn("acl", "cannot list %s (%s)", change_root(ext), zerror(rc));
        if (o->name) /* part of a start: it fails */
            load_step_done(w, 0);
        op_free(o);
        return;
    }
    long long newest = w->seen[ext];
    for (int i = 0; i < count; i++) {
        long long seq = change_seq(names[i]);
        if (seq < 0)
            continue;
        if (seq > newest)
            newest = seq;
        /* at a start every notification is old news (the full load reads
         * all); afterwards each new one names a resource to read again */
        if (!o->name && seq > w->seen[ext]) {
            char path[512];
            snprintf(path, sizeof(path), "%s/%s", change_root(ext), names[i]);
            op_t *c = op_new(w, path);
            c->extended = ext;
            sk_zk_get(w->zk, path, NULL, NULL, change_read_cb, c);
        }
    }
    w->seen[ext] = newest;
    if (o->name)
        load_step_done(w, 1);
    op_free(o);
}

static void watch_changes(sk_aclzk_t *w, int ext, int at_start)
{
    op_t *o = op_new(w, NULL);
    o->extended = ext;
    if (at_start) {
        o->name = sk_strdup("start"); /* marks the start's listing */
        w->pending++;
    }
    sk_zk_children(w->zk, change_root(ext), change_watch_cb, w, changes_cb, o);
}

static void change_watch_cb(int type, const char *path, void *arg)
{
    (void)type;
    sk_aclzk_t *w = arg;
    if (w->freeing)
        return;
    watch_changes(w, !strcmp(path, SK_ACL_EXTENDED_CHANGES), 0);
}

/* ---- the full load -------------------------------------------------- */

static void load_read_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)stat;
    op_t *o = arg;
    sk_aclzk_t *w = o->w;
    if (!w->freeing && o->run == w->run) {
        if (rc == ZOK || rc == ZNONODE) {
            if (rc == ZOK)
                apply_resource(w, 0, o->type, o->pattern, o->name, data, len, o->path);
            load_step_done(w, 1);
        } else {
            sk_warn("acl", "cannot read %s (%s)", o->path, zerror(rc));
            load_step_done(w, 0);
        }
    }
    op_free(o);
}

static void names_cb(int rc, char **names, int count, const struct Stat *stat, void *arg)
{
    (void)stat;
    op_t *o = arg;
    sk_aclzk_t *w = o->w;
    if (w->freeing || o->run != w->run) {
        op_free(o);
        return;
    }
    if (rc != ZOK && rc != ZNONODE) {
        sk_warn("acl", "cannot list %s (%s)", o->path, zerror(rc));
        load_step_done(w, 0);
        op_free(o);
        return;
    }
    for (int i = 0; i < count; i++) {
        char path[1024];
        if (sk_acl_res_path(o->type, o->pattern, names[i], path, sizeof(path)) != SK_OK)
            continue;
        op_t *r = op_new(w, path);
        r->type = o->type;
        r->pattern = o->pattern;
        r->name = sk_strdup(names[i]);
        w->pending++;
        sk_zk_get(w->zk, path, NULL, NULL, load_read_cb, r);
    }
    load_step_done(w, 1);
    op_free(o);
}

static void list_everything(sk_aclzk_t *w)
{
    static const int patterns[] = {SK_ACL_PAT_LITERAL, SK_ACL_PAT_PREFIXED};
    for (int p = 0; p < 2; p++) {
        for (int t = 0; t < NTYPES; t++) {
            char path[256];
            snprintf(path, sizeof(path), "%s/%s",
                     patterns[p] == SK_ACL_PAT_LITERAL ? SK_ACL_LITERAL_ROOT
                                                       : SK_ACL_PREFIXED_ROOT,
                     sk_acl_res_name(types[t]));
            op_t *o = op_new(w, path);
            o->type = (int8_t)types[t];
            o->pattern = (int8_t)patterns[p];
            w->pending++;
            sk_zk_children(w->zk, path, NULL, NULL, names_cb, o);
        }
    }
}

/* Phases of a start: the roots exist -> the change paths are watched ->
 * every resource is read -> swap. pending counts the phase's operations. */
enum { PH_ROOTS, PH_WATCH, PH_LOAD };

static void copy_resource(const sk_acl_res_t *res, const sk_acl_entry_t *e, int n, void *arg)
{
    sk_acl_set(arg, res->type, res->pattern, res->name, e, n);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_aclzk_start(arg);
}

static void load_step_done(sk_aclzk_t *w, int ok)
{
    if (!ok)
        w->failed = 1;
    if (--w->pending > 0)
        return;
    if (w->failed) {
        sk_warn("acl", "loading the ACLs from ZooKeeper failed; trying again in a second");
        sk_acl_free(w->staging);
        w->staging = NULL;
        w->run++; /* late callbacks of this start are ignored */
        if (!w->retry)
            w->retry = evtimer_new(sk_zk_event_base(w->zk), retry_cb, w);
        struct timeval tv = {1, 0};
        evtimer_add(w->retry, &tv);
        return;
    }
    switch (w->phase) {
    case PH_ROOTS:
        w->phase = PH_WATCH; /* each listing counts itself in pending */
        watch_changes(w, 0, 1);
        watch_changes(w, 1, 1);
        break;
    case PH_WATCH:
        w->phase = PH_LOAD;
        list_everything(w);
        break;
    default:
        sk_acl_clear(w->acl);
        sk_acl_foreach(w->staging, copy_resource, w->acl);
        sk_acl_free(w->staging);
        w->staging = NULL;
        w->loaded = 1;
        sk_info("acl", "loaded %d ACLs on %d resources from ZooKeeper",
                sk_acl_entry_count(w->acl), sk_acl_resource_count(w->acl));
        if (w->loaded_cb)
            w->loaded_cb(w->arg);
        break;
    }
}

static void root_done_cb(int rc, void *arg)
{
    op_t *o = arg;
    sk_aclzk_t *w = o->w;
    if (!w->freeing && o->run == w->run) {
        if (rc != ZOK)
            sk_warn("acl", "cannot create %s (%s)", o->path, zerror(rc));
        load_step_done(w, rc == ZOK);
    }
    op_free(o);
}

static void create_root(sk_aclzk_t *w, const char *path)
{
    w->pending++;
    sk_zk_create_recursive(w->zk, path, NULL, -1, root_done_cb, op_new(w, path));
}

void sk_aclzk_start(sk_aclzk_t *w)
{
    if (w->freeing)
        return;
    if (w->retry)
        evtimer_del(w->retry);
    w->run++;
    sk_acl_free(w->staging);
    w->staging = sk_acl_new(NULL, 0);
    w->failed = 0;
    w->phase = PH_ROOTS;
    w->pending = 1; /* held until every root is asked for */
    for (int t = 0; t < NTYPES; t++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", SK_ACL_LITERAL_ROOT, sk_acl_res_name(types[t]));
        create_root(w, path);
        snprintf(path, sizeof(path), "%s/%s", SK_ACL_PREFIXED_ROOT, sk_acl_res_name(types[t]));
        create_root(w, path);
    }
    create_root(w, SK_ACL_LITERAL_CHANGES);
    create_root(w, SK_ACL_EXTENDED_CHANGES);
    load_step_done(w, 1);
}

/* ---- writes ------------------------------------------------------- */

#define UPDATE_TRIES 10

typedef struct {
    sk_aclzk_t *w;
    sk_acl_res_t res;
    char path[1024];
    sk_acl_entry_t *add;
    int n_add;
    int has_filter;
    sk_acl_filter_t filter; /* strings below are owned copies */
    char *f_name, *f_principal, *f_host;
    sk_acl_entry_t *next;   /* what the znode is to hold */
    int n_next;
    sk_acl_entry_t *removed;
    int n_removed;
    int tries;
    sk_aclzk_update_cb cb;
    void *arg;
} upd_t;

static void upd_free(upd_t *u)
{
    free(u->res.name);
    sk_acl_entries_free(u->add, u->n_add);
    sk_acl_entries_free(u->next, u->n_next);
    sk_acl_entries_free(u->removed, u->n_removed);
    free(u->f_name);
    free(u->f_principal);
    free(u->f_host);
    free(u);
}

static void upd_finish(upd_t *u, int16_t kerr)
{
    u->cb(kerr, u->removed, u->n_removed, u->arg);
    upd_free(u);
}

static int same_entry(const sk_acl_entry_t *a, const sk_acl_entry_t *b)
{
    return a->op == b->op && a->perm == b->perm && !strcmp(a->principal, b->principal) &&
           !strcmp(a->host, b->host);
}

static void push(sk_acl_entry_t **v, int *n, const sk_acl_entry_t *e)
{
    *v = sk_realloc(*v, (size_t)(*n + 1) * sizeof(**v));
    (*v)[*n].principal = sk_strdup(e->principal);
    (*v)[*n].host = sk_strdup(e->host);
    (*v)[*n].op = e->op;
    (*v)[*n].perm = e->perm;
    (*n)++;
}

static void upd_read(upd_t *u);

static void notified_cb(int rc, const char *created, void *arg)
{
    (void)created;
    upd_t *u = arg;
    if (rc != ZOK) /* the change is in ZooKeeper; other brokers see it at their next reload */
        sk_warn("acl", "cannot add the change notification for %s (%s)", u->path, zerror(rc));
    upd_finish(u, SK_KERR_NONE);
}

static void written_cb(upd_t *u, int rc)
{
    if ((rc == ZBADVERSION || rc == ZNODEEXISTS || rc == ZNONODE) && ++u->tries < UPDATE_TRIES) {
        upd_read(u); /* someone else changed it meanwhile */
        return;
    }
    if (rc != ZOK) {
        sk_warn("acl", "cannot write %s (%s)", u->path, zerror(rc));
        upd_finish(u, SK_KERR_UNKNOWN_SERVER_ERROR);
        return;
    }
    if (!u->w->freeing)
        sk_acl_set(u->w->acl, u->res.type, u->res.pattern, u->res.name, u->next, u->n_next);
    sk_info("acl", "ACLs of %s %s %s written: %d entries", sk_acl_pattern_name(u->res.pattern),
            sk_acl_res_name(u->res.type), u->res.name, u->n_next);
    char *body = sk_acl_change_build(&u->res);
    const char *root = u->res.pattern == SK_ACL_PAT_LITERAL ? SK_ACL_LITERAL_CHANGES
                                                            : SK_ACL_EXTENDED_CHANGES;
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", root, SK_ACL_CHANGE_PREFIX);
    sk_zk_create(u->w->zk, path, body, body ? (int)strlen(body) : -1, ZOO_SEQUENCE, notified_cb,
                 u);
    free(body);
}

static void set_cb(int rc, const char *d, int l, const struct Stat *st, void *arg)
{
    (void)d;
    (void)l;
    (void)st;
    written_cb(arg, rc);
}

static void create_cb(int rc, const char *created, void *arg)
{
    (void)created;
    written_cb(arg, rc);
}

static void delete_cb(int rc, void *arg)
{
    written_cb(arg, rc);
}

static void got_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    upd_t *u = arg;
    sk_acl_entry_t *cur = NULL;
    int n_cur = 0;
    char err[256];
    if (rc != ZOK && rc != ZNONODE) {
        sk_warn("acl", "cannot read %s (%s)", u->path, zerror(rc));
        upd_finish(u, SK_KERR_UNKNOWN_SERVER_ERROR);
        return;
    }
    if (rc == ZOK && data && len > 0 &&
        sk_acl_znode_parse(data, (size_t)len, &cur, &n_cur, err, sizeof(err)) != SK_OK)
        sk_warn("acl", "%s is not valid (%s): rewritten", u->path, err);
    sk_acl_entries_free(u->next, u->n_next);
    sk_acl_entries_free(u->removed, u->n_removed);
    u->next = u->removed = NULL;
    u->n_next = u->n_removed = 0;
    for (int i = 0; i < n_cur; i++) {
        if (u->has_filter && sk_acl_filter_entry(&u->filter, &cur[i]))
            push(&u->removed, &u->n_removed, &cur[i]);
        else
            push(&u->next, &u->n_next, &cur[i]);
    }
    int changed = u->n_removed > 0;
    for (int i = 0; i < u->n_add; i++) {
        int have = 0;
        for (int j = 0; j < u->n_next && !have; j++)
            have = same_entry(&u->next[j], &u->add[i]);
        if (!have) {
            push(&u->next, &u->n_next, &u->add[i]);
            changed = 1;
        }
    }
    sk_acl_entries_free(cur, n_cur);
    if (!changed) {
        upd_finish(u, SK_KERR_NONE);
        return;
    }
    if (u->n_next == 0) {
        sk_zk_delete(u->w->zk, u->path, rc == ZOK ? stat->version : -1, delete_cb, u);
        return;
    }
    char *json = sk_acl_znode_build(u->next, u->n_next);
    if (!json) {
        upd_finish(u, SK_KERR_INVALID_REQUEST);
        return;
    }
    if (rc == ZOK)
        sk_zk_set(u->w->zk, u->path, json, (int)strlen(json), stat->version, set_cb, u);
    else
        sk_zk_create(u->w->zk, u->path, json, (int)strlen(json), 0, create_cb, u);
    free(json);
}

static void upd_read(upd_t *u)
{
    sk_zk_get(u->w->zk, u->path, NULL, NULL, got_cb, u);
}

static char *dup_or_null(const char *s)
{
    return s ? sk_strdup(s) : NULL;
}

void sk_aclzk_update(sk_aclzk_t *w, const sk_acl_res_t *res, const sk_acl_entry_t *add,
                     int n_add, const sk_acl_filter_t *remove, sk_aclzk_update_cb cb, void *arg)
{
    upd_t *u = sk_calloc(1, sizeof(*u));
    u->w = w;
    u->cb = cb;
    u->arg = arg;
    u->res.type = res->type;
    u->res.pattern = res->pattern;
    u->res.name = sk_strdup(res->name);
    for (int i = 0; i < n_add; i++)
        push(&u->add, &u->n_add, &add[i]);
    if (remove) {
        u->has_filter = 1;
        u->filter = *remove;
        u->filter.name = u->f_name = dup_or_null(remove->name);
        u->filter.principal = u->f_principal = dup_or_null(remove->principal);
        u->filter.host = u->f_host = dup_or_null(remove->host);
    }
    if (sk_acl_res_path(res->type, res->pattern, res->name, u->path, sizeof(u->path)) != SK_OK) {
        upd_finish(u, SK_KERR_INVALID_REQUEST);
        return;
    }
    upd_read(u);
}

sk_aclzk_t *sk_aclzk_new(sk_zk_t *zk, sk_acl_t *acl, void (*loaded_cb)(void *arg), void *arg)
{
    sk_aclzk_t *w = sk_calloc(1, sizeof(*w));
    w->zk = zk;
    w->acl = acl;
    w->loaded_cb = loaded_cb;
    w->arg = arg;
    w->seen[0] = w->seen[1] = -1;
    return w;
}

int sk_aclzk_loaded(const sk_aclzk_t *w) { return w && w->loaded; }

void sk_aclzk_free(sk_aclzk_t *w)
{
    if (!w)
        return;
    w->freeing = 1; /* the session is closed: no callback comes any more */
    if (w->retry)
        event_free(w->retry);
    sk_acl_free(w->staging);
    free(w);
}
