/* purgatory.c - delayed operations keyed by partition (see purgatory.h). */
#include "replica/purgatory.h"

#include "clock.h"
#include "mem.h"

#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

/* Each watched or woken key has an entry in a hash table of the purgatory,
 * holding the watches of that key; an operation holds its own watches, so
 * watching, waking and forgetting cost O(1) per key, not a scan of the keys
 * already watched or of the pending ones. */
typedef struct keyent keyent_t;

typedef struct watch {
    LIST_ENTRY(watch) by_key;
    struct watch *next_of_op;
    sk_purg_op_t *op;
    keyent_t *ke;
} watch_t;

struct keyent {
    keyent_t *chain; /* next in the bucket */
    uint64_t key;
    LIST_HEAD(, watch) watches;
    sk_purg_op_t *last_op; /* the latest operation to watch it (duplicate check) */
    int pending;           /* woken this loop turn */
    unsigned pass;         /* the pass that tries its operations */
};

struct sk_purg_op_s {
    TAILQ_ENTRY(sk_purg_op_s) link;
    TAILQ_ENTRY(sk_purg_op_s) ready_link;
    sk_purg_t *pg;
    sk_purg_try_fn fn;
    void *arg;
    int64_t deadline; /* monotonic ms; INT64_MAX: none */
    struct event *timer;
    watch_t *watches;
    uint64_t seq;     /* the order parked */
    int in_ready;     /* in the running pass's ready list */
    unsigned tried;   /* the last pass that tried it */
};

struct sk_purg_s {
    struct event_base *base;
    char *name;
    TAILQ_HEAD(, sk_purg_op_s) ops;
    int n_ops;
    uint64_t next_seq;
    keyent_t **buckets;
    size_t n_buckets, n_keys;
    struct event *wake_ev;
    int wake_pending;
    int wake_all;
    keyent_t **pending;
    size_t n_pending, cap_pending;
    /* the running pass (in wake_cb) */
    TAILQ_HEAD(, sk_purg_op_s) ready;
    int in_pass, pass_all;
    unsigned pass;
};

static void wake_cb(evutil_socket_t fd, short what, void *arg);

static size_t bucket_of(const sk_purg_t *pg, uint64_t key)
{
    key ^= key >> 31;
    key *= 0x9e3779b97f4a7c15ULL;
    return (size_t)(key >> 32) & (pg->n_buckets - 1);
}

static keyent_t *key_find(const sk_purg_t *pg, uint64_t key)
{
    if (!pg->n_buckets)
        return NULL;
    for (keyent_t *ke = pg->buckets[bucket_of(pg, key)]; ke; ke = ke->chain)
        if (ke->key == key)
            return ke;
    return NULL;
}

static void keys_grow(sk_purg_t *pg)
{
    size_t old_n = pg->n_buckets;
    keyent_t **old = pg->buckets;
    pg->n_buckets = old_n ? old_n * 2 : 64;
    pg->buckets = sk_calloc(pg->n_buckets, sizeof(*pg->buckets));
    for (size_t i = 0; i < old_n; i++) {
        keyent_t *ke = old[i];
        while (ke) {
            keyent_t *next = ke->chain;
            size_t b = bucket_of(pg, ke->key);
            ke->chain = pg->buckets[b];
            pg->buckets[b] = ke;
            ke = next;
        }
    }
    free(old);
}

static keyent_t *key_get(sk_purg_t *pg, uint64_t key)
{
    keyent_t *ke = key_find(pg, key);
    if (ke)
        return ke;
    if (pg->n_keys >= pg->n_buckets)
        keys_grow(pg);
    ke = sk_calloc(1, sizeof(*ke));
    ke->key = key;
    LIST_INIT(&ke->watches);
    size_t b = bucket_of(pg, key);
    ke->chain = pg->buckets[b];
    pg->buckets[b] = ke;
    pg->n_keys++;
    return ke;
}

/* Frees a key's entry once nothing refers to it: no watch, not woken, and
 * not part of the running pass (whose list of keys still points to it). */
static void key_release(sk_purg_t *pg, keyent_t *ke)
{
    if (!LIST_EMPTY(&ke->watches) || ke->pending || (pg->in_pass && ke->pass == pg->pass))
        return;
    keyent_t **pp = &pg->buckets[bucket_of(pg, ke->key)];
    while (*pp != ke)
        pp = &(*pp)->chain;
    *pp = ke->chain;
    pg->n_keys--;
    free(ke);
}

sk_purg_t *sk_purg_new(struct event_base *base, const char *name)
{
    sk_purg_t *pg = sk_calloc(1, sizeof(*pg));
    pg->base = base;
    pg->name = sk_strdup(name ? name : "purgatory");
    TAILQ_INIT(&pg->ops);
    TAILQ_INIT(&pg->ready);
    pg->wake_ev = event_new(base, -1, 0, wake_cb, pg);
    return pg;
}

void sk_purg_free(sk_purg_t *pg)
{
    if (!pg)
        return;
    sk_purg_flush(pg);
    event_free(pg->wake_ev);
    for (size_t i = 0; i < pg->n_pending; i++) { /* woken, never passed */
        pg->pending[i]->pending = 0;
        key_release(pg, pg->pending[i]);
    }
    free(pg->pending);
    free(pg->buckets);
    free(pg->name);
    free(pg);
}

uint64_t sk_purg_key(const char *topic, size_t topic_len, int32_t partition)
{
    /* FNV-1a over the name, then the partition. */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < topic_len && topic[i]; i++) {
        h ^= (unsigned char)topic[i];
        h *= 1099511628211ULL;
    }
    for (int i = 0; i < 4; i++) {
        h ^= (uint64_t)(((uint32_t)partition >> (8 * i)) & 0xff);
        h *= 1099511628211ULL;
    }
    return h;
}

/* Forgets a completed operation. */
static void op_remove(sk_purg_op_t *op)
{
    sk_purg_t *pg = op->pg;
    if (op->in_ready)
        TAILQ_REMOVE(&pg->ready, op, ready_link);
    TAILQ_REMOVE(&pg->ops, op, link);
    pg->n_ops--;
    if (op->timer)
        event_free(op->timer);
    watch_t *w = op->watches;
    while (w) {
        watch_t *next = w->next_of_op;
        LIST_REMOVE(w, by_key);
        if (w->ke->last_op == op)
            w->ke->last_op = NULL;
        key_release(pg, w->ke);
        free(w);
        w = next;
    }
    free(op);
}

/* Tries one operation; returns 1 if it completed (op is gone then). */
static int op_try(sk_purg_op_t *op, sk_purg_why_t why)
{
    /* A completion may run the connection's next request, which may park
     * new operations (at the tail) or complete others: op_remove keeps a
     * running pass's next pointer valid. */
    if (op->fn(op->arg, why)) {
        op_remove(op);
        return 1;
    }
    return 0;
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_purg_op_t *op = arg;
    op_try(op, SK_PURG_EXPIRED);
}

sk_purg_op_t *sk_purg_add(sk_purg_t *pg, int64_t timeout_ms, sk_purg_try_fn fn, void *arg)
{
    sk_purg_op_t *op = sk_calloc(1, sizeof(*op));
    op->pg = pg;
    op->fn = fn;
    op->arg = arg;
    op->deadline = INT64_MAX;
    if (timeout_ms >= 0) {
        op->deadline = sk_mono_ms() + timeout_ms;
        op->timer = evtimer_new(pg->base, timeout_cb, op);
        struct timeval tv = {(time_t)(timeout_ms / 1000), (suseconds_t)((timeout_ms % 1000) * 1000)};
        evtimer_add(op->timer, &tv);
    }
    op->seq = pg->next_seq++;
    TAILQ_INSERT_TAIL(&pg->ops, op, link);
    pg->n_ops++;
    if (pg->in_pass && pg->pass_all) { /* a pass over everything tries it too */
        op->in_ready = 1;
        TAILQ_INSERT_TAIL(&pg->ready, op, ready_link);
    }
    return op;
}

void sk_purg_watch(sk_purg_op_t *op, uint64_t key)
{
    sk_purg_t *pg = op->pg;
    keyent_t *ke = key_get(pg, key);
    if (ke->last_op == op)
        return; /* a repeat; one watched between others only costs memory */
    ke->last_op = op;
    watch_t *w = sk_calloc(1, sizeof(*w));
    w->op = op;
    w->ke = ke;
    LIST_INSERT_HEAD(&ke->watches, w, by_key);
    w->next_of_op = op->watches;
    op->watches = w;
    /* parked during a pass over this key: that pass tries it too */
    if (pg->in_pass && ke->pass == pg->pass && !op->in_ready && op->tried != pg->pass) {
        op->in_ready = 1;
        TAILQ_INSERT_TAIL(&pg->ready, op, ready_link);
    }
}

static void schedule(sk_purg_t *pg)
{
    if (pg->wake_pending)
        return;
    pg->wake_pending = 1;
    event_active(pg->wake_ev, 0, 0);
}

void sk_purg_wake(sk_purg_t *pg, uint64_t key)
{
    if (!pg || pg->n_ops == 0)
        return;
    if (!pg->wake_all) {
        keyent_t *ke = key_get(pg, key);
        if (!ke->pending) {
            if (pg->n_pending == pg->cap_pending) {
                pg->cap_pending = pg->cap_pending ? pg->cap_pending * 2 : 16;
                pg->pending = sk_realloc(pg->pending, pg->cap_pending * sizeof(*pg->pending));
            }
            ke->pending = 1;
            pg->pending[pg->n_pending++] = ke;
        }
    }
    schedule(pg);
}

void sk_purg_wake_all(sk_purg_t *pg)
{
    if (!pg || pg->n_ops == 0)
        return;
    pg->wake_all = 1;
    schedule(pg);
}

static int by_seq(const void *a, const void *b)
{
    const sk_purg_op_t *x = *(sk_purg_op_t *const *)a, *y = *(sk_purg_op_t *const *)b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Lists, in the order parked, the operations that watch the woken keys. */
static void ready_from_keys(sk_purg_t *pg, keyent_t **keys, size_t n_keys)
{
    sk_purg_op_t **found = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < n_keys; i++) {
        keys[i]->pass = pg->pass;
        watch_t *w;
        LIST_FOREACH(w, &keys[i]->watches, by_key) {
            if (w->op->in_ready)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                found = sk_realloc(found, cap * sizeof(*found));
            }
            w->op->in_ready = 1;
            found[n++] = w->op;
        }
    }
    if (n > 1)
        qsort(found, n, sizeof(*found), by_seq);
    for (size_t i = 0; i < n; i++)
        TAILQ_INSERT_TAIL(&pg->ready, found[i], ready_link);
    free(found);
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_purg_t *pg = arg;
    keyent_t **keys = pg->pending;
    size_t n_keys = pg->n_pending;
    pg->pending = NULL;
    pg->n_pending = pg->cap_pending = 0;
    for (size_t i = 0; i < n_keys; i++)
        keys[i]->pending = 0;
    int all = pg->wake_all;
    pg->wake_all = 0;
    pg->wake_pending = 0;
    pg->pass++;
    pg->in_pass = 1;
    pg->pass_all = all;
    sk_purg_op_t *op;
    if (all) {
        TAILQ_FOREACH(op, &pg->ops, link) {
            op->in_ready = 1;
            TAILQ_INSERT_TAIL(&pg->ready, op, ready_link);
        }
    } else {
        ready_from_keys(pg, keys, n_keys);
    }
    /* A completion may run the connection's next request, which may park
     * new operations or complete others: op_remove takes an operation out
     * of the ready list. */
    while ((op = TAILQ_FIRST(&pg->ready)) != NULL) {
        TAILQ_REMOVE(&pg->ready, op, ready_link);
        op->in_ready = 0;
        op->tried = pg->pass;
        op_try(op, SK_PURG_WOKEN);
    }
    pg->in_pass = 0;
    for (size_t i = 0; i < n_keys; i++)
        key_release(pg, keys[i]);
    free(keys);
}

void sk_purg_flush(sk_purg_t *pg)
{
    if (!pg)
        return;
    sk_purg_op_t *op;
    while ((op = TAILQ_FIRST(&pg->ops)) != NULL)
        op_try(op, SK_PURG_FLUSHED);
}

int sk_purg_expire(sk_purg_t *pg)
{
    int n = 0;
    int64_t now = sk_mono_ms();
    for (;;) {
        sk_purg_op_t *first = NULL, *op;
        TAILQ_FOREACH(op, &pg->ops, link)
            if (op->deadline <= now && (!first || op->deadline < first->deadline))
                first = op;
        if (!first)
            return n;
        op_try(first, SK_PURG_EXPIRED);
        n++;
    }
}

int sk_purg_count(const sk_purg_t *pg)
{
    return pg ? pg->n_ops : 0;
}
