/* quota.c - the quota store, Kafka's precedence and the rate sensors
 * (quota.h). */
#include "meta/quota.h"

#include "kerr.h"
#include "mem.h"
#include "znode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const quota_keys[SK_QUOTA_KINDS] = {
    "producer_byte_rate", "consumer_byte_rate", "request_percentage"};

const char *sk_quota_key(sk_quota_kind_t k)
{
    return k >= 0 && k < SK_QUOTA_KINDS ? quota_keys[k] : NULL;
}

int sk_quota_key_kind(const char *key, size_t len)
{
    for (int k = 0; k < SK_QUOTA_KINDS; k++)
        if (strlen(quota_keys[k]) == len && memcmp(quota_keys[k], key, len) == 0)
            return k;
    return -1;
}

/* ---- keys: (user part, client part) as unambiguous bytes ---- */

/* A part is 'A' (absent), 'D' (default) or 'N', 4 length bytes, the name. */
typedef struct key_buf {
    char small[256];
    char *p;
    size_t len, cap;
} key_buf_t;

static void kb_init(key_buf_t *kb)
{
    kb->p = kb->small;
    kb->len = 0;
    kb->cap = sizeof(kb->small);
}

static void kb_put(key_buf_t *kb, const void *d, size_t n)
{
    if (kb->len + n > kb->cap) {
        size_t cap = (kb->len + n) * 2;
        char *np = sk_malloc(cap);
        memcpy(np, kb->p, kb->len);
        if (kb->p != kb->small)
            free(kb->p);
        kb->p = np;
        kb->cap = cap;
    }
    memcpy(kb->p + kb->len, d, n);
    kb->len += n;
}

static void kb_part(key_buf_t *kb, sk_quota_part_t part, const char *name, size_t len)
{
    if (part == SK_QUOTA_NONE) {
        kb_put(kb, "A", 1);
    } else if (part == SK_QUOTA_DEFAULT) {
        kb_put(kb, "D", 1);
    } else {
        uint8_t h[5] = {'N', (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                        (uint8_t)len};
        kb_put(kb, h, 5);
        kb_put(kb, name, len);
    }
}

static void kb_done(key_buf_t *kb)
{
    if (kb->p != kb->small)
        free(kb->p);
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* ---- a small chained hash table of keyed nodes ---- */

typedef struct node {
    struct node *next;
    uint64_t hash;
    char *key;
    size_t klen;
} node_t;

typedef struct table {
    node_t **b;
    size_t nb, n;
} table_t;

static node_t *tab_find(const table_t *t, const char *key, size_t klen, uint64_t h)
{
    if (!t->nb)
        return NULL;
    for (node_t *x = t->b[h & (t->nb - 1)]; x; x = x->next)
        if (x->hash == h && x->klen == klen && memcmp(x->key, key, klen) == 0)
            return x;
    return NULL;
}

static void tab_insert(table_t *t, node_t *x)
{
    if (t->n + 1 > t->nb) {
        size_t nb = t->nb ? t->nb * 2 : 16;
        node_t **b = sk_calloc(nb, sizeof(*b));
        for (size_t i = 0; i < t->nb; i++) {
            node_t *y = t->b[i];
            while (y) {
                node_t *next = y->next;
                y->next = b[y->hash & (nb - 1)];
                b[y->hash & (nb - 1)] = y;
                y = next;
            }
        }
        free(t->b);
        t->b = b;
        t->nb = nb;
    }
    x->next = t->b[x->hash & (t->nb - 1)];
    t->b[x->hash & (t->nb - 1)] = x;
    t->n++;
}

static void tab_remove(table_t *t, node_t *x)
{
    node_t **pp = &t->b[x->hash & (t->nb - 1)];
    while (*pp != x)
        pp = &(*pp)->next;
    *pp = x->next;
    t->n--;
}

/* ---- the store ---- */

typedef struct entity {
    node_t node; /* first: key = (user part, client part) */
    sk_quota_entity_t e;
    char *user, *client;
    double v[SK_QUOTA_KINDS];
} entity_t;

typedef struct sample {
    int64_t start_ms; /* -1: unused */
    double total;
} sample_t;

typedef struct sensor {
    node_t node; /* first: key = kind byte + the group's (user, client) */
    int cur;
    int64_t last_ms;
    sample_t *s;
} sensor_t;

struct sk_quota_s {
    int num;
    int64_t window_ms;
    table_t entities, sensors;
    int kind_count[SK_QUOTA_KINDS];
    entity_t **list; /* for sk_quota_at, rebuilt when dirty */
    int n_list, list_dirty;
    uint64_t throttled[SK_QUOTA_KINDS], throttled_ms[SK_QUOTA_KINDS];
};

sk_quota_t *sk_quota_new(int window_num, int window_ms)
{
    sk_quota_t *q = sk_calloc(1, sizeof(*q));
    q->num = window_num > 1 ? window_num : 2;
    q->window_ms = window_ms > 0 ? window_ms : 1000;
    return q;
}

static void tab_free(table_t *t, int sensors)
{
    for (size_t i = 0; i < t->nb; i++) {
        node_t *x = t->b[i];
        while (x) {
            node_t *next = x->next;
            free(x->key);
            if (sensors) {
                free(((sensor_t *)x)->s);
            } else {
                free(((entity_t *)x)->user);
                free(((entity_t *)x)->client);
            }
            free(x);
            x = next;
        }
    }
    free(t->b);
}

void sk_quota_free(sk_quota_t *q)
{
    if (!q)
        return;
    tab_free(&q->entities, 0);
    tab_free(&q->sensors, 1);
    free(q->list);
    free(q);
}

static void entity_key(key_buf_t *kb, const sk_quota_entity_t *e)
{
    kb_init(kb);
    kb_part(kb, e->user_part, e->user, e->user ? strlen(e->user) : 0);
    kb_part(kb, e->client_part, e->client, e->client ? strlen(e->client) : 0);
}

int sk_quota_set(sk_quota_t *q, const sk_quota_entity_t *e, const double v[SK_QUOTA_KINDS])
{
    if (e->user_part == SK_QUOTA_NONE && e->client_part == SK_QUOTA_NONE)
        return SK_EINVAL;
    key_buf_t kb;
    entity_key(&kb, e);
    uint64_t h = hash_bytes(kb.p, kb.len);
    entity_t *x = (entity_t *)tab_find(&q->entities, kb.p, kb.len, h);
    int any = 0;
    for (int k = 0; k < SK_QUOTA_KINDS; k++)
        any |= v[k] >= 0;
    if (x) {
        for (int k = 0; k < SK_QUOTA_KINDS; k++)
            q->kind_count[k] -= x->v[k] >= 0;
        if (!any) {
            tab_remove(&q->entities, &x->node);
            free(x->node.key);
            free(x->user);
            free(x->client);
            free(x);
            q->list_dirty = 1;
            kb_done(&kb);
            return SK_OK;
        }
    } else if (any) {
        x = sk_calloc(1, sizeof(*x));
        x->node.hash = h;
        x->node.key = sk_malloc(kb.len);
        memcpy(x->node.key, kb.p, kb.len);
        x->node.klen = kb.len;
        x->e.user_part = e->user_part;
        x->e.client_part = e->client_part;
        if (e->user_part == SK_QUOTA_NAME)
            x->e.user = x->user = sk_strdup(e->user);
        if (e->client_part == SK_QUOTA_NAME)
            x->e.client = x->client = sk_strdup(e->client);
        tab_insert(&q->entities, &x->node);
        q->list_dirty = 1;
    }
    kb_done(&kb);
    if (!x)
        return SK_OK;
    for (int k = 0; k < SK_QUOTA_KINDS; k++) {
        x->v[k] = v[k] >= 0 ? v[k] : -1;
        q->kind_count[k] += x->v[k] >= 0;
    }
    return SK_OK;
}

int sk_quota_get(const sk_quota_t *q, const sk_quota_entity_t *e, double v[SK_QUOTA_KINDS])
{
    key_buf_t kb;
    entity_key(&kb, e);
    entity_t *x = (entity_t *)tab_find(&q->entities, kb.p, kb.len, hash_bytes(kb.p, kb.len));
    kb_done(&kb);
    for (int k = 0; k < SK_QUOTA_KINDS; k++)
        v[k] = x ? x->v[k] : -1;
    return x != NULL;
}

int sk_quota_count(const sk_quota_t *q)
{
    return (int)q->entities.n;
}

void sk_quota_at(const sk_quota_t *q, int i, sk_quota_entity_t *e, double v[SK_QUOTA_KINDS])
{
    sk_quota_t *w = (sk_quota_t *)q; /* the list is a cache */
    if (w->list_dirty || !w->list) {
        free(w->list);
        w->list = sk_calloc(q->entities.n + 1, sizeof(*w->list));
        w->n_list = 0;
        for (size_t b = 0; b < q->entities.nb; b++)
            for (node_t *x = q->entities.b[b]; x; x = x->next)
                w->list[w->n_list++] = (entity_t *)x;
        w->list_dirty = 0;
    }
    *e = w->list[i]->e;
    memcpy(v, w->list[i]->v, sizeof(w->list[i]->v));
}

int sk_quota_kind_count(const sk_quota_t *q, sk_quota_kind_t k)
{
    return q->kind_count[k];
}

/* Kafka's eight levels: the user part and the client part looked up. */
static const struct {
    sk_quota_part_t user, client;
    int group_user, group_client; /* what the sensor is per */
} levels[8] = {
    {SK_QUOTA_NAME, SK_QUOTA_NAME, 1, 1},       {SK_QUOTA_NAME, SK_QUOTA_DEFAULT, 1, 1},
    {SK_QUOTA_NAME, SK_QUOTA_NONE, 1, 0},       {SK_QUOTA_DEFAULT, SK_QUOTA_NAME, 1, 1},
    {SK_QUOTA_DEFAULT, SK_QUOTA_DEFAULT, 1, 1}, {SK_QUOTA_DEFAULT, SK_QUOTA_NONE, 1, 0},
    {SK_QUOTA_NONE, SK_QUOTA_NAME, 0, 1},       {SK_QUOTA_NONE, SK_QUOTA_DEFAULT, 0, 1},
};

static double resolve(const sk_quota_t *q, sk_quota_kind_t k, const char *user, size_t ulen,
                      const char *client, size_t clen, int *level)
{
    *level = 0;
    if (!q->kind_count[k])
        return -1;
    for (int i = 0; i < 8; i++) {
        key_buf_t kb;
        kb_init(&kb);
        kb_part(&kb, levels[i].user, user, ulen);
        kb_part(&kb, levels[i].client, client, clen);
        entity_t *x = (entity_t *)tab_find(&q->entities, kb.p, kb.len, hash_bytes(kb.p, kb.len));
        kb_done(&kb);
        if (x && x->v[k] >= 0) {
            *level = i + 1;
            return x->v[k];
        }
    }
    return -1;
}

double sk_quota_bound(const sk_quota_t *q, sk_quota_kind_t k, const char *user, size_t ulen,
                      const char *client, size_t clen, int *level)
{
    int lv;
    double b = resolve(q, k, user, ulen, client, clen, &lv);
    if (level)
        *level = lv;
    return b;
}

/* ---- sensors ---- */

static void sensor_free(sensor_t *s)
{
    free(s->node.key);
    free(s->s);
    free(s);
}

/* Sensors whose last sample has expired hold nothing: free them. Run when
 * the table is about to grow, so its size follows the active groups. */
static void sensors_sweep(sk_quota_t *q, int64_t now_ms)
{
    int64_t expire = (int64_t)q->num * q->window_ms;
    for (size_t b = 0; b < q->sensors.nb; b++) {
        node_t **pp = &q->sensors.b[b];
        while (*pp) {
            sensor_t *s = (sensor_t *)*pp;
            if (now_ms - s->last_ms >= expire) {
                *pp = s->node.next;
                q->sensors.n--;
                sensor_free(s);
            } else {
                pp = &(*pp)->next;
            }
        }
    }
}

static sensor_t *sensor_get(sk_quota_t *q, sk_quota_kind_t k, int level, const char *user,
                            size_t ulen, const char *client, size_t clen, int create,
                            int64_t now_ms)
{
    key_buf_t kb;
    kb_init(&kb);
    char kc = (char)('0' + k);
    kb_put(&kb, &kc, 1);
    kb_part(&kb, levels[level - 1].group_user ? SK_QUOTA_NAME : SK_QUOTA_NONE, user, ulen);
    kb_part(&kb, levels[level - 1].group_client ? SK_QUOTA_NAME : SK_QUOTA_NONE, client, clen);
    uint64_t h = hash_bytes(kb.p, kb.len);
    sensor_t *s = (sensor_t *)tab_find(&q->sensors, kb.p, kb.len, h);
    if (!s && create) {
        if (q->sensors.n + 1 > q->sensors.nb)
            sensors_sweep(q, now_ms);
        s = sk_calloc(1, sizeof(*s));
        s->node.hash = h;
        s->node.key = sk_malloc(kb.len);
        memcpy(s->node.key, kb.p, kb.len);
        s->node.klen = kb.len;
        s->s = sk_calloc((size_t)q->num, sizeof(*s->s));
        for (int i = 0; i < q->num; i++)
            s->s[i].start_ms = -1;
        s->s[0].start_ms = now_ms;
        s->last_ms = now_ms;
        tab_insert(&q->sensors, &s->node);
    }
    kb_done(&kb);
    return s;
}

/* Kafka's SampledStat: samples older than num windows are reset. */
static void sensor_purge(const sk_quota_t *q, sensor_t *s, int64_t now_ms)
{
    int64_t expire = (int64_t)q->num * q->window_ms;
    for (int i = 0; i < q->num; i++)
        if (s->s[i].start_ms >= 0 && s->s[i].start_ms + expire <= now_ms) {
            s->s[i].start_ms = -1;
            s->s[i].total = 0;
        }
}

static void sensor_add(const sk_quota_t *q, sensor_t *s, double v, int64_t now_ms)
{
    sample_t *cur = &s->s[s->cur];
    if (cur->start_ms < 0 || now_ms - cur->start_ms >= q->window_ms) {
        s->cur = (s->cur + 1) % q->num;
        cur = &s->s[s->cur];
        cur->start_ms = now_ms;
        cur->total = 0;
    }
    cur->total += v;
    s->last_ms = now_ms;
}

/* The window the rate is measured over (ms), Kafka's Rate.windowSize. */
static int64_t sensor_window(const sk_quota_t *q, sensor_t *s, int64_t now_ms)
{
    sensor_purge(q, s, now_ms);
    int64_t oldest = now_ms;
    for (int i = 0; i < q->num; i++)
        if (s->s[i].start_ms >= 0 && s->s[i].start_ms < oldest)
            oldest = s->s[i].start_ms;
    int64_t elapsed = now_ms - oldest;
    int64_t full = elapsed / q->window_ms;
    if (full < q->num - 1)
        elapsed += (q->num - 1 - full) * q->window_ms;
    return elapsed;
}

static double sensor_rate(const sk_quota_t *q, sensor_t *s, int64_t now_ms, int64_t *window)
{
    int64_t w = sensor_window(q, s, now_ms);
    double sum = 0;
    for (int i = 0; i < q->num; i++)
        if (s->s[i].start_ms >= 0)
            sum += s->s[i].total;
    if (window)
        *window = w;
    return w > 0 ? sum * 1000.0 / (double)w : 0;
}

/* Request time is recorded in microseconds, measured as percent of a
 * second: 10,000 us in a second is 1 %. */
static double scaled(sk_quota_kind_t k, double v)
{
    return k == SK_QUOTA_REQUEST ? v / 10000.0 : v;
}

int32_t sk_quota_record(sk_quota_t *q, sk_quota_kind_t k, const char *user, size_t ulen,
                        const char *client, size_t clen, double value, int64_t now_ms)
{
    if (!q || !q->kind_count[k])
        return 0;
    int level;
    double bound = resolve(q, k, user, ulen, client, clen, &level);
    if (level == 0)
        return 0;
    sensor_t *s = sensor_get(q, k, level, user, ulen, client, clen, 1, now_ms);
    sensor_add(q, s, scaled(k, value), now_ms);
    int64_t window;
    double rate = sensor_rate(q, s, now_ms, &window);
    if (rate <= bound)
        return 0;
    int64_t max = (int64_t)q->num * q->window_ms;
    double t = bound > 0 ? (rate - bound) / bound * (double)window : (double)max;
    int32_t ms = t >= (double)max ? (int32_t)max : (int32_t)llround(t);
    if (ms <= 0)
        return 0;
    q->throttled[k]++;
    q->throttled_ms[k] += (uint64_t)ms;
    return ms;
}

void sk_quota_unrecord(sk_quota_t *q, sk_quota_kind_t k, const char *user, size_t ulen,
                       const char *client, size_t clen, double value, int64_t now_ms)
{
    if (!q || !q->kind_count[k])
        return;
    int level;
    resolve(q, k, user, ulen, client, clen, &level);
    if (!level)
        return;
    sensor_t *s = sensor_get(q, k, level, user, ulen, client, clen, 0, now_ms);
    if (s)
        sensor_add(q, s, -scaled(k, value), now_ms);
}

double sk_quota_rate(sk_quota_t *q, sk_quota_kind_t k, const char *user, size_t ulen,
                     const char *client, size_t clen, int64_t now_ms)
{
    int level;
    resolve(q, k, user, ulen, client, clen, &level);
    if (!level)
        return 0;
    sensor_t *s = sensor_get(q, k, level, user, ulen, client, clen, 0, now_ms);
    return s ? sensor_rate(q, s, now_ms, NULL) : 0;
}

void sk_quota_throttled(const sk_quota_t *q, sk_quota_kind_t k, uint64_t *count,
                        uint64_t *total_ms)
{
    *count = q->throttled[k];
    *total_ms = q->throttled_ms[k];
}

/* ---- names and paths ---- */

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == '_' || c == '~';
}

char *sk_quota_sanitize(const char *name, size_t len)
{
    char *out = sk_malloc(len * 3 + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (unreserved(c)) {
            out[o++] = (char)c;
        } else {
            snprintf(out + o, 4, "%%%02X", c);
            o += 3;
        }
    }
    out[o] = 0;
    return out;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sk_quota_desanitize(const char *s, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = hexval(s[i + 1]), lo = hi >= 0 ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return SK_EPARSE;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (o + 1 >= outlen || c == 0)
            return SK_EPARSE;
        out[o++] = c;
    }
    out[o] = 0;
    return SK_OK;
}

#define DEFAULT_NAME "<default>"

/* One part of a path ("<default>" or a sanitized name) into buf. */
static int part_parse(const char *s, size_t n, sk_quota_part_t *part, const char **name,
                      char **buf, size_t *buflen)
{
    if (n == 0)
        return SK_EPARSE;
    if (n == strlen(DEFAULT_NAME) && memcmp(s, DEFAULT_NAME, n) == 0) {
        *part = SK_QUOTA_DEFAULT;
        *name = NULL;
        return SK_OK;
    }
    if (memchr(s, 0, n))
        return SK_EPARSE;
    char *tmp = sk_strndup(s, n);
    int rc = sk_quota_desanitize(tmp, *buf, *buflen);
    free(tmp);
    if (rc != SK_OK || !**buf)
        return SK_EPARSE;
    size_t used = strlen(*buf) + 1;
    *part = SK_QUOTA_NAME;
    *name = *buf;
    *buf += used;
    *buflen -= used;
    return SK_OK;
}

int sk_quota_entity_parse(const char *path, sk_quota_entity_t *e, char *buf, size_t buflen)
{
    memset(e, 0, sizeof(*e));
    const char *rest;
    if (strncmp(path, "users/", 6) == 0) {
        rest = path + 6;
        const char *slash = strchr(rest, '/');
        size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
        if (part_parse(rest, n, &e->user_part, &e->user, &buf, &buflen) != SK_OK)
            return SK_EPARSE;
        if (!slash)
            return SK_OK;
        if (strncmp(slash, "/clients/", 9) != 0)
            return SK_EPARSE;
        rest = slash + 9;
    } else if (strncmp(path, "clients/", 8) == 0) {
        rest = path + 8;
    } else {
        return SK_EPARSE;
    }
    if (strchr(rest, '/'))
        return SK_EPARSE;
    return part_parse(rest, strlen(rest), &e->client_part, &e->client, &buf, &buflen);
}

static char *part_path(sk_quota_part_t part, const char *name)
{
    return part == SK_QUOTA_DEFAULT ? sk_strdup(DEFAULT_NAME)
                                    : sk_quota_sanitize(name, strlen(name));
}

char *sk_quota_entity_path(const sk_quota_entity_t *e)
{
    char *u = e->user_part ? part_path(e->user_part, e->user) : NULL;
    char *c = e->client_part ? part_path(e->client_part, e->client) : NULL;
    char *p;
    if (u && c)
        p = sk_asprintf("users/%s/clients/%s", u, c);
    else if (u)
        p = sk_asprintf("users/%s", u);
    else
        p = sk_asprintf("clients/%s", c ? c : "");
    free(u);
    free(c);
    return p;
}

/* ---- znode JSON ---- */

static int value_parse(const char *s, double *out)
{
    char *end;
    if (!*s || strchr(" \t\n\r", *s))
        return SK_EPARSE;
    double d = strtod(s, &end);
    if (*end || !isfinite(d) || d < 0)
        return SK_EPARSE;
    *out = d;
    return SK_OK;
}

int sk_quota_znode_parse(const char *data, size_t len, double v[SK_QUOTA_KINDS], char *err,
                         size_t errlen)
{
    for (int k = 0; k < SK_QUOTA_KINDS; k++)
        v[k] = -1;
    sk_znode_config_t c;
    if (sk_znode_config_decode(data, len, &c, err, errlen) != SK_OK)
        return SK_EPARSE;
    int rc = SK_OK;
    for (int i = 0; i < c.n; i++) {
        int k = sk_quota_key_kind(c.keys[i], strlen(c.keys[i]));
        if (k < 0)
            continue;
        if (value_parse(c.values[i], &v[k]) != SK_OK) {
            sk_errf(err, errlen, "%s: \"%.40s\" is not a number >= 0", c.keys[i], c.values[i]);
            rc = SK_EPARSE;
            break;
        }
    }
    if (rc != SK_OK)
        for (int k = 0; k < SK_QUOTA_KINDS; k++)
            v[k] = -1;
    sk_znode_config_clear(&c);
    return rc;
}

/* Kafka writes LONG quotas as integers and request_percentage as Java's
 * Double.toString: the shortest decimal that reads back, with a decimal
 * point always (200.0, 0.5), in E notation from 10^7 up and below 10^-3
 * (1.0E7). */
static void value_format(sk_quota_kind_t k, double v, char *out, size_t n)
{
    if (k != SK_QUOTA_REQUEST) {
        snprintf(out, n, "%.0f", floor(v + 1e-6));
        return;
    }
    if (v == 0 || (v >= 1e-3 && v < 1e7)) {
        for (int d = 1; d <= 17; d++) {
            snprintf(out, n, "%.*f", d, v);
            if (strtod(out, NULL) == v)
                return;
        }
        return;
    }
    char t[64];
    for (int d = 1; d <= 17; d++) {
        snprintf(t, sizeof(t), "%.*e", d, v);
        if (strtod(t, NULL) == v)
            break;
    }
    /* "1.50000e+07" -> mantissa without trailing zeros (one digit kept), "E7" */
    char *e = strchr(t, 'e');
    int exp = atoi(e + 1);
    *e = 0;
    size_t l = strlen(t);
    while (l > 3 && t[l - 1] == '0')
        t[--l] = 0;
    snprintf(out, n, "%sE%d", t, exp);
}

char *sk_quota_znode_update(const char *old, size_t len, const double v[SK_QUOTA_KINDS],
                            const int remove[SK_QUOTA_KINDS], int *empty, char *err,
                            size_t errlen)
{
    sk_znode_config_t c;
    memset(&c, 0, sizeof(c));
    if (old && len > 0 && sk_znode_config_decode(old, len, &c, err, errlen) != SK_OK)
        return NULL;
    const char **keys = sk_calloc((size_t)c.n + SK_QUOTA_KINDS + 1, sizeof(*keys));
    const char **vals = sk_calloc((size_t)c.n + SK_QUOTA_KINDS + 1, sizeof(*vals));
    char fmt[SK_QUOTA_KINDS][64];
    int n = 0, done[SK_QUOTA_KINDS] = {0};
    for (int i = 0; i < c.n; i++) {
        int k = sk_quota_key_kind(c.keys[i], strlen(c.keys[i]));
        if (k >= 0 && remove[k])
            continue;
        keys[n] = c.keys[i];
        vals[n] = c.values[i];
        if (k >= 0 && v[k] >= 0) {
            value_format((sk_quota_kind_t)k, v[k], fmt[k], sizeof(fmt[k]));
            vals[n] = fmt[k];
            done[k] = 1;
        }
        n++;
    }
    for (int k = 0; k < SK_QUOTA_KINDS; k++)
        if (v[k] >= 0 && !remove[k] && !done[k]) {
            value_format((sk_quota_kind_t)k, v[k], fmt[k], sizeof(fmt[k]));
            keys[n] = quota_keys[k];
            vals[n] = fmt[k];
            n++;
        }
    *empty = n == 0;
    char *out = sk_znode_config_encode(keys, vals, n);
    free(keys);
    free(vals);
    sk_znode_config_clear(&c);
    return out;
}
