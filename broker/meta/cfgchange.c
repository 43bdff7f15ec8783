/* cfgchange.c - /config/<type>/<name> kept current through /config/changes
 * (see cfgchange.h). */
#include "meta/cfgchange.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "kerr.h"
#include "log.h"
#include "mem.h"

#define PURGE_AFTER_MS (15 * 60 * 1000LL) /* Kafka's changeExpirationMs */
#define PURGE_EVERY_MS (60 * 1000LL)      /* how often old notifications are looked for */
#define NBUCKETS 512
#define MAX_SUBS 16
#define N_TYPES 4 /* known_types */

typedef struct sub {
    char type[16];
    sk_cfgchange_fn fn;
    void *arg;
} sub_t;

typedef struct entity {
    struct entity *next;
    char *type, *name;
    sk_znode_config_t cfg;
} entity_t;

struct sk_cfgchange_s {
    sk_broker_t *b;
    sub_t subs[MAX_SUBS];
    int n_subs;
    entity_t *buckets[NBUCKETS];
    long long seen;      /* newest notification handled; -1 before the first listing */
    long long handled;
    int64_t last_purge;  /* when old notifications were last looked for */
    int run;             /* bumped by every start; older listings are ignored */
    /* per known type, the start's full read: operations of this run still
     * out, whether one failed, and whether a full read ever completed */
    int pending[N_TYPES];
    int failed[N_TYPES];
    int loaded[N_TYPES];
};

/* One operation's context. */
typedef struct op {
    sk_cfgchange_t *w;
    int run;
    int load;            /* part of a start's full read (type_index + 1) */
    char *type, *name, *path;
} op_t;

static const char *const known_types[N_TYPES + 1] = {"topics", "brokers", "users", "clients",
                                                     NULL};

static int type_index(const char *type)
{
    for (int i = 0; type && known_types[i]; i++)
        if (strcmp(known_types[i], type) == 0)
            return i;
    return -1;
}

/* One operation of a start's full read ended (ok or not): the type is
 * loaded once every one of them of the same run has ended well. */
static void load_step(sk_cfgchange_t *w, const op_t *o, int ok)
{
    int t = o->load - 1;
    if (t < 0 || o->run != w->run || !w->b || w->b->stopping)
        return;
    if (!ok)
        w->failed[t] = 1;
    if (--w->pending[t] == 0 && !w->failed[t] && !w->loaded[t]) {
        w->loaded[t] = 1;
        sk_info("config", "every /config/%s entity read", known_types[t]);
    }
}

static op_t *op_new(sk_cfgchange_t *w, const char *type, const char *name, const char *path)
{
    op_t *o = sk_calloc(1, sizeof(*o));
    o->w = w;
    o->run = w->run;
    o->type = type ? sk_strdup(type) : NULL;
    o->name = name ? sk_strdup(name) : NULL;
    o->path = path ? sk_strdup(path) : NULL;
    return o;
}

static void op_free(op_t *o)
{
    free(o->type);
    free(o->name);
    free(o->path);
    free(o);
}

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static sk_cfgchange_t *watcher(sk_broker_t *b)
{
    if (!b->cfgchange) {
        b->cfgchange = sk_calloc(1, sizeof(*b->cfgchange));
        b->cfgchange->b = b;
        b->cfgchange->seen = -1;
    }
    return b->cfgchange;
}

static int subscribed(const sk_cfgchange_t *w, const char *type)
{
    for (int i = 0; i < w->n_subs; i++)
        if (strcmp(w->subs[i].type, type) == 0)
            return 1;
    return 0;
}

/* ---- the cache ------------------------------------------------------ */

static unsigned bucket_of(const char *type, const char *name)
{
    unsigned h = 2166136261u;
    for (const char *p = type; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    h = (h ^ '/') * 16777619u;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h % NBUCKETS;
}

static entity_t **find_slot(sk_cfgchange_t *w, const char *type, const char *name)
{
    entity_t **pp = &w->buckets[bucket_of(type, name)];
    for (; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->type, type) == 0 && strcmp((*pp)->name, name) == 0)
            return pp;
    return pp;
}

/* Replace the entity's settings with cfg (taken over; an empty one removes
 * the entry). */
static void cache_put(sk_cfgchange_t *w, const char *type, const char *name,
                      sk_znode_config_t *cfg)
{
    entity_t **pp = find_slot(w, type, name);
    entity_t *e = *pp;
    if (cfg->n == 0) {
        sk_znode_config_clear(cfg);
        if (e) {
            *pp = e->next;
            sk_znode_config_clear(&e->cfg);
            free(e->type);
            free(e->name);
            free(e);
        }
        return;
    }
    if (!e) {
        e = sk_calloc(1, sizeof(*e));
        e->type = sk_strdup(type);
        e->name = sk_strdup(name);
        *pp = e;
    }
    sk_znode_config_clear(&e->cfg);
    e->cfg = *cfg;
    memset(cfg, 0, sizeof(*cfg));
}

static void notify(sk_cfgchange_t *w, const char *type, const char *name)
{
    for (int i = 0; i < w->n_subs; i++)
        if (strcmp(w->subs[i].type, type) == 0)
            w->subs[i].fn(w->subs[i].arg, type, name);
}

/* ---- reading an entity ---------------------------------------------- */

static void entity_read_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)stat;
    op_t *o = arg;
    sk_cfgchange_t *w = o->w;
    if (!w->b || w->b->stopping) {
        op_free(o);
        return;
    }
    if (rc != ZOK && rc != ZNONODE) {
        sk_warn("config", "cannot read %s (%s); it is read again at the next start", o->path,
                zerror(rc));
        load_step(w, o, 0);
        op_free(o);
        return;
    }
    sk_znode_config_t cfg = {0};
    char err[256];
    if (rc == ZOK &&
        sk_znode_config_decode(data, data && len > 0 ? (size_t)len : 0, &cfg, err,
                               sizeof(err)) != SK_OK) {
        sk_warn("config", "ignoring %s: %s", o->path, err);
        load_step(w, o, 1); /* read: its being malformed is logged, not retried */
        op_free(o);
        return;
    }
    int n = cfg.n;
    cache_put(w, o->type, o->name, &cfg);
    sk_info("config", "%s %s: %d dynamic setting(s) read from %s", o->type, o->name, n,
            o->path);
    notify(w, o->type, o->name);
    load_step(w, o, 1);
    op_free(o);
}

static void read_entity(sk_cfgchange_t *w, const char *type, const char *name, int load)
{
    char *path = sk_asprintf("/config/%s/%s", type, name);
    op_t *o = op_new(w, type, name, path);
    if (load) {
        o->load = type_index(type) + 1;
        w->pending[o->load - 1]++;
    }
    sk_zk_get(w->b->zk, path, NULL, NULL, entity_read_cb, o);
    free(path);
}

/* ---- following /config/changes -------------------------------------- */

static void changes_watch_cb(int type, const char *path, void *arg);

static void change_read_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    op_t *o = arg;
    sk_cfgchange_t *w = o->w;
    if (!w->b || w->b->stopping || rc != ZOK) { /* purged meanwhile: nothing to do */
        op_free(o);
        return;
    }
    char *type = NULL, *name = NULL;
    char err[256];
    w->handled++;
    if (sk_znode_config_change_decode(data, len > 0 ? (size_t)len : 0, &type, &name, err,
                                      sizeof(err)) != SK_OK) {
        sk_warn("config", "ignoring notification %s: %s", o->path, err);
    } else if (subscribed(w, type)) {
        read_entity(w, type, name, 0);
    }
    free(type);
    free(name);
    (void)stat;
    op_free(o);
}

/* A notification's age, read for the purge: older than Kafka's 15 minutes,
 * it goes (every broker does this, as Kafka's do; a delete another broker
 * made first fails harmlessly). */
static void purge_stat_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)data;
    (void)len;
    op_t *o = arg;
    sk_cfgchange_t *w = o->w;
    if (w->b && !w->b->stopping && rc == ZOK && stat && now_ms() - stat->ctime > PURGE_AFTER_MS)
        sk_zk_delete(w->b->zk, o->path, -1, NULL, NULL);
    op_free(o);
}

static void changes_cb(int rc, char **names, int count, const struct Stat *stat, void *arg)
{
    (void)stat;
    op_t *o = arg;
    sk_cfgchange_t *w = o->w;
    if (!w->b || w->b->stopping || o->run != w->run) {
        op_free(o);
        return;
    }
    if (rc != ZOK) {
        sk_warn("config", "cannot list %s (%s); listed again at the next start",
                SK_ZNODE_CONFIG_CHANGES, zerror(rc));
        op_free(o);
        return;
    }
    int at_start = o->name != NULL;
    long long newest = w->seen;
    for (int i = 0; i < count; i++) {
        long long seq = sk_znode_config_change_seq(names[i]);
        if (seq < 0)
            continue;
        if (seq > newest)
            newest = seq;
        /* at a start every notification is old news (each entity is read
         * anyway); afterwards each new one names an entity to read again */
        if (!at_start && seq > w->seen) {
            char *path = sk_asprintf("%s/%s", SK_ZNODE_CONFIG_CHANGES, names[i]);
            op_t *c = op_new(w, NULL, NULL, path);
            sk_zk_get(w->b->zk, path, NULL, NULL, change_read_cb, c);
            free(path);
        }
    }
    w->seen = newest;
    /* at most once a minute, the notifications already handled are looked
     * at for their age (each was read once, when it was new) */
    if (now_ms() - w->last_purge >= PURGE_EVERY_MS) {
        w->last_purge = now_ms();
        for (int i = 0; i < count; i++) {
            long long seq = sk_znode_config_change_seq(names[i]);
            if (seq < 0 || seq > w->seen)
                continue;
            char *path = sk_asprintf("%s/%s", SK_ZNODE_CONFIG_CHANGES, names[i]);
            op_t *c = op_new(w, NULL, NULL, path);
            sk_zk_exists(w->b->zk, path, NULL, NULL, purge_stat_cb, c);
            free(path);
        }
    }
    op_free(o);
}

static void watch_changes(sk_cfgchange_t *w, int at_start)
{
    op_t *o = op_new(w, NULL, at_start ? "start" : NULL, NULL);
    sk_zk_children(w->b->zk, SK_ZNODE_CONFIG_CHANGES, changes_watch_cb, w, changes_cb, o);
}

static void changes_watch_cb(int type, const char *path, void *arg)
{
    (void)type;
    (void)path;
    sk_cfgchange_t *w = arg;
    if (!w->b || w->b->stopping)
        return;
    watch_changes(w, 0);
}

/* ---- the full read at a start --------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is the name (n bytes) in the sorted listing? */
static int listed(char **sorted, int count, const char *name, size_t n)
{
    int lo = 0, hi = count - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strncmp(sorted[mid], name, n);
        if (c == 0 && sorted[mid][n] != '\0')
            c = 1;
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return 0;
}

/* A start's listing of /config/<type> (prefix NULL) or of
 * /config/users/<u>/clients (prefix "<u>/clients/"): a cached entity under
 * it that the listing lacks was deleted while no session watched. It goes,
 * and its subscribers hear of it (they find no settings). The listing is
 * sorted in place. */
static void drop_unlisted(sk_cfgchange_t *w, const char *type, const char *prefix, char **names,
                          int count)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    if (count > 0)
        qsort(names, (size_t)count, sizeof(*names), name_cmp);
    char **gone = NULL;
    int n_gone = 0;
    for (int b = 0; b < NBUCKETS; b++) {
        for (entity_t *e = w->buckets[b]; e; e = e->next) {
            const char *n = e->name;
            if (strcmp(e->type, type) != 0 || (prefix && strncmp(n, prefix, pl) != 0))
                continue;
            n += pl;
            const char *slash = strchr(n, '/');
            if (prefix && slash)
                continue;
            if (listed(names, count, n, slash ? (size_t)(slash - n) : strlen(n)))
                continue;
            gone = sk_realloc(gone, (size_t)(n_gone + 1) * sizeof(*gone));
            gone[n_gone++] = sk_strdup(e->name);
        }
    }
    for (int i = 0; i < n_gone; i++) {
        sk_znode_config_t none = {0};
        cache_put(w, type, gone[i], &none);
        sk_info("config", "%s %s: its znode is gone", type, gone[i]);
        notify(w, type, gone[i]);
        free(gone[i]);
    }
    free(gone);
}

static void user_clients_cb(int rc, char **names, int count, const struct Stat *stat, void *arg)
{
    (void)stat;
    op_t *o = arg; /* type "users", name the user */
    sk_cfgchange_t *w = o->w;
    if (w->b && !w->b->stopping && o->run == w->run && (rc == ZOK || rc == ZNONODE)) {
        for (int i = 0; rc == ZOK && i < count; i++) {
            char *name = sk_asprintf("%s/clients/%s", o->name, names[i]);
            read_entity(w, "users", name, 1);
            free(name);
        }
        char *prefix = sk_asprintf("%s/clients/", o->name);
        drop_unlisted(w, "users", prefix, names, rc == ZOK ? count : 0);
        free(prefix);
    }
    load_step(w, o, rc == ZOK || rc == ZNONODE);
    op_free(o);
}

static void entities_cb(int rc, char **names, int count, const struct Stat *stat, void *arg)
{
    (void)stat;
    op_t *o = arg; /* type set */
    sk_cfgchange_t *w = o->w;
    if (!w->b || w->b->stopping || o->run != w->run) {
        op_free(o);
        return;
    }
    if (rc != ZOK && rc != ZNONODE) {
        sk_warn("config", "cannot list /config/%s (%s); listed again at the next start",
                o->type, zerror(rc));
        load_step(w, o, 0);
        op_free(o);
        return;
    }
    for (int i = 0; rc == ZOK && i < count; i++) {
        read_entity(w, o->type, names[i], 1);
        if (strcmp(o->type, "users") == 0) {
            char *path = sk_asprintf("/config/users/%s/clients", names[i]);
            op_t *c = op_new(w, "users", names[i], path);
            c->load = o->load;
            w->pending[c->load - 1]++;
            sk_zk_children(w->b->zk, path, NULL, NULL, user_clients_cb, c);
            free(path);
        }
    }
    drop_unlisted(w, o->type, NULL, names, rc == ZOK ? count : 0);
    load_step(w, o, 1);
    op_free(o);
}

/* ---- the interface -------------------------------------------------- */

int sk_cfgchange_subscribe(sk_broker_t *b, const char *entity_type, sk_cfgchange_fn fn,
                           void *arg)
{
    int known = 0;
    for (int i = 0; known_types[i]; i++)
        known |= strcmp(known_types[i], entity_type) == 0;
    sk_cfgchange_t *w = watcher(b);
    if (!known || !fn || w->n_subs == MAX_SUBS)
        return SK_EINVAL;
    sub_t *s = &w->subs[w->n_subs++];
    snprintf(s->type, sizeof(s->type), "%s", entity_type);
    s->fn = fn;
    s->arg = arg;
    return SK_OK;
}

void sk_cfgchange_start(sk_broker_t *b)
{
    sk_cfgchange_t *w = watcher(b);
    w->run++;
    /* The listing of /config/changes is sent first: ZooKeeper answers one
     * session's requests in order, so a notification created after it
     * is both above seen and after the entity reads below. */
    watch_changes(w, 1);
    for (int i = 0; known_types[i]; i++) {
        if (!subscribed(w, known_types[i]))
            continue;
        char *path = sk_asprintf("/config/%s", known_types[i]);
        op_t *o = op_new(w, known_types[i], NULL, path);
        o->load = i + 1;
        w->pending[i] = 1; /* the listing */
        w->failed[i] = 0;
        sk_zk_children(b->zk, path, NULL, NULL, entities_cb, o);
        free(path);
    }
}

const sk_znode_config_t *sk_cfgchange_get(sk_broker_t *b, const char *entity_type,
                                          const char *entity_name)
{
    if (!b->cfgchange)
        return NULL;
    entity_t *e = *find_slot(b->cfgchange, entity_type, entity_name);
    return e ? &e->cfg : NULL;
}

int sk_cfgchange_loaded(const sk_broker_t *b, const char *entity_type)
{
    int t = type_index(entity_type);
    return b->cfgchange && t >= 0 && b->cfgchange->loaded[t];
}

long long sk_cfgchange_handled(const sk_broker_t *b)
{
    return b->cfgchange ? b->cfgchange->handled : 0;
}

void sk_cfgchange_free(sk_broker_t *b)
{
    sk_cfgchange_t *w = b->cfgchange;
    if (!w)
        return;
    for (int i = 0; i < NBUCKETS; i++) {
        while (w->buckets[i]) {
            entity_t *e = w->buckets[i];
            w->buckets[i] = e->next;
            sk_znode_config_clear(&e->cfg);
            free(e->type);
            free(e->name);
            free(e);
        }
    }
    free(w);
    b->cfgchange = NULL;
}
