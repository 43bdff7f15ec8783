/* quota_zk.c - quota entities read from ZooKeeper (quota_zk.h). */
#include "meta/quota_zk.h"

#include "kerr.h"
#include "log.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

struct sk_quotazk_s {
    sk_zk_t *zk;
    sk_quota_t *q;
    int gen;         /* bumped by each start: older reads are dropped */
    int outstanding; /* reads of the current load */
    char **seen;     /* entity paths found by the current load */
    int n_seen, cap_seen;
    int loading;
};

typedef struct rd {
    sk_quotazk_t *w;
    int gen;
    int load; /* part of the full load (else one entity's change) */
    char *path; /* relative to /config: "users/alice/clients/app" */
} rd_t;

static rd_t *rd_new(sk_quotazk_t *w, int load, const char *path)
{
    rd_t *r = sk_calloc(1, sizeof(*r));
    r->w = w;
    r->gen = w->gen;
    r->load = load;
    r->path = sk_strdup(path);
    if (load)
        w->outstanding++;
    return r;
}

static void seen_add(sk_quotazk_t *w, const char *path)
{
    if (w->n_seen == w->cap_seen) {
        w->cap_seen = w->cap_seen ? w->cap_seen * 2 : 16;
        w->seen = sk_realloc(w->seen, (size_t)w->cap_seen * sizeof(*w->seen));
    }
    w->seen[w->n_seen++] = sk_strdup(path);
}

static void seen_clear(sk_quotazk_t *w)
{
    for (int i = 0; i < w->n_seen; i++)
        free(w->seen[i]);
    w->n_seen = 0;
}

/* The full load is complete: entities not found in it are gone. */
static void load_done(sk_quotazk_t *w)
{
    int removed = 0;
    for (int i = sk_quota_count(w->q) - 1; i >= 0; i--) {
        sk_quota_entity_t e;
        double v[SK_QUOTA_KINDS];
        sk_quota_at(w->q, i, &e, v);
        char *p = sk_quota_entity_path(&e);
        int found = 0;
        for (int j = 0; j < w->n_seen && !found; j++)
            found = strcmp(w->seen[j], p) == 0;
        free(p);
        if (!found) {
            double none[SK_QUOTA_KINDS] = {-1, -1, -1};
            sk_quota_set(w->q, &e, none);
            removed++;
            i = sk_quota_count(w->q); /* the list changed: walk it again */
        }
    }
    w->loading = 0;
    sk_info("quota", "client quotas loaded: %d entities with a quota%s", sk_quota_count(w->q),
            removed ? " (some removed while the session was gone)" : "");
    seen_clear(w);
}

static void rd_finish(rd_t *r)
{
    sk_quotazk_t *w = r->w;
    int counted = r->load && r->gen == w->gen;
    free(r->path);
    free(r);
    if (counted && --w->outstanding == 0)
        load_done(w);
}

/* An entity's znode was read: its quotas replace the stored ones. */
static void entity_apply(sk_quotazk_t *w, const char *path, const char *data, int len)
{
    char buf[1200];
    sk_quota_entity_t e;
    if (sk_quota_entity_parse(path, &e, buf, sizeof(buf)) != SK_OK) {
        sk_warn("quota", "ignoring /config/%s: not a quota entity path", path);
        return;
    }
    double v[SK_QUOTA_KINDS];
    char why[200];
    if (data && len > 0 &&
        sk_quota_znode_parse(data, (size_t)len, v, why, sizeof(why)) != SK_OK) {
        sk_warn("quota", "ignoring the quotas of /config/%s: %s", path, why);
        for (int k = 0; k < SK_QUOTA_KINDS; k++)
            v[k] = -1;
    } else if (!data || len <= 0) {
        for (int k = 0; k < SK_QUOTA_KINDS; k++)
            v[k] = -1;
    }
    double old[SK_QUOTA_KINDS];
    sk_quota_get(w->q, &e, old);
    int same = 1;
    for (int k = 0; k < SK_QUOTA_KINDS; k++)
        same &= old[k] == v[k];
    sk_quota_set(w->q, &e, v);
    if (!same)
        sk_info("quota", "quotas of /config/%s: producer_byte_rate %.0f, consumer_byte_rate "
                "%.0f, request_percentage %g (-1: none)", path, v[0], v[1], v[2]);
}

static void get_cb(int rc, const char *data, int len, const struct Stat *stat, void *arg)
{
    (void)stat;
    rd_t *r = arg;
    sk_quotazk_t *w = r->w;
    if (r->gen == w->gen || !r->load) {
        if (rc == ZOK) {
            if (r->load)
                seen_add(w, r->path);
            entity_apply(w, r->path, data, len);
        } else if (rc == ZNONODE) {
            entity_apply(w, r->path, NULL, 0);
        } else {
            sk_warn("quota", "cannot read /config/%s: ZooKeeper code %d", r->path, rc);
            if (r->load)
                seen_add(w, r->path); /* keep what is stored */
        }
    }
    rd_finish(r);
}

static void read_entity(sk_quotazk_t *w, int load, const char *path)
{
    char *zp = sk_asprintf("/config/%s", path);
    sk_zk_get(w->zk, zp, NULL, NULL, get_cb, rd_new(w, load, path));
    free(zp);
}

/* Children of /config/users/<u>/clients. */
static void user_clients_cb(int rc, char **names, int count, const struct Stat *stat, void *arg)
{
    (void)stat;
    rd_t *r = arg;
    if (r->gen == r->w->gen && rc == ZOK)
        for (int i = 0; i < count; i++) {
            char *p = sk_asprintf("%s/%s", r->path, names[i]);
            read_entity(r->w, 1, p);
            free(p);
        }
    else if (r->gen == r->w->gen && rc != ZNONODE)
        sk_warn("quota", "cannot list /config/%s: ZooKeeper code %d", r->path, rc);
    rd_finish(r);
}

/* Children of /config/users or /config/clients. */
static void type_cb(int rc, char **names, int count, const struct Stat *stat, void *arg)
{
    (void)stat;
    rd_t *r = arg;
    sk_quotazk_t *w = r->w;
    if (r->gen == w->gen && rc == ZOK) {
        int users = strcmp(r->path, "users") == 0;
        for (int i = 0; i < count; i++) {
            char *p = sk_asprintf("%s/%s", r->path, names[i]);
            read_entity(w, 1, p);
            if (users) {
                char *cp = sk_asprintf("%s/clients", p);
                char *zp = sk_asprintf("/config/%s", cp);
                sk_zk_children(w->zk, zp, NULL, NULL, user_clients_cb, rd_new(w, 1, cp));
                free(zp);
                free(cp);
            }
            free(p);
        }
    } else if (r->gen == w->gen && rc != ZNONODE) {
        sk_warn("quota", "cannot list /config/%s: ZooKeeper code %d", r->path, rc);
    }
    rd_finish(r);
}

sk_quotazk_t *sk_quotazk_new(sk_zk_t *zk, sk_quota_t *q)
{
    sk_quotazk_t *w = sk_calloc(1, sizeof(*w));
    w->zk = zk;
    w->q = q;
    return w;
}

void sk_quotazk_start(sk_quotazk_t *w)
{
    w->gen++;
    w->outstanding = 1; /* held until both lists are asked for */
    w->loading = 1;
    seen_clear(w);
    sk_zk_children(w->zk, "/config/users", NULL, NULL, type_cb, rd_new(w, 1, "users"));
    sk_zk_children(w->zk, "/config/clients", NULL, NULL, type_cb, rd_new(w, 1, "clients"));
    if (--w->outstanding == 0)
        load_done(w);
}

void sk_quotazk_changed(sk_quotazk_t *w, const char *type, const char *name)
{
    if (strcmp(type, "users") != 0 && strcmp(type, "clients") != 0)
        return;
    char *p = sk_asprintf("%s/%s", type, name);
    read_entity(w, 0, p);
    free(p);
}

int sk_quotazk_pending(const sk_quotazk_t *w)
{
    return w->loading;
}

void sk_quotazk_free(sk_quotazk_t *w)
{
    if (!w)
        return;
    seen_clear(w);
    free(w->seen);
    free(w);
}
