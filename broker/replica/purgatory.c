/* purgatory.c - delayed operations keyed by partition (see purgatory.h). */
#include "replica/purgatory.h"

#include "clock.h"
#include "mem.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

/* More pending keys than this in one loop turn: try everything. */
#define MAX_PENDING_KEYS 64

struct sk_purg_op_s {
    TAILQ_ENTRY(sk_purg_op_s) link;
    sk_purg_t *pg;
    sk_purg_try_fn fn;
    void *arg;
    int64_t deadline; /* monotonic ms; INT64_MAX: none */
    struct event *timer;
    uint64_t *keys;
    int n_keys, cap_keys;
};

struct sk_purg_s {
    struct event_base *base;
    char *name;
    TAILQ_HEAD(, sk_purg_op_s) ops;
    int n_ops;
    sk_purg_op_t *iter_next;   /* the next operation of a running pass */
    struct event *wake_ev;
    int wake_pending;
    int wake_all;
    uint64_t pending[MAX_PENDING_KEYS];
    int n_pending;
};

static void wake_cb(evutil_socket_t fd, short what, void *arg);

sk_purg_t *sk_purg_new(struct event_base *base, const char *name)
{
    sk_purg_t *pg = sk_calloc(1, sizeof(*pg));
    pg->base = base;
    pg->name = sk_strdup(name ? name : "purgatory");
    TAILQ_INIT(&pg->ops);
    pg->wake_ev = event_new(base, -1, 0, wake_cb, pg);
    return pg;
}

void sk_purg_free(sk_purg_t *pg)
{
    if (!pg)
        return;
    sk_purg_flush(pg);
    event_free(pg->wake_ev);
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
    if (pg->iter_next == op)
        pg->iter_next = TAILQ_NEXT(op, link);
    TAILQ_REMOVE(&pg->ops, op, link);
    pg->n_ops--;
    if (op->timer)
        event_free(op->timer);
    free(op->keys);
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
    TAILQ_INSERT_TAIL(&pg->ops, op, link);
    pg->n_ops++;
    return op;
}

void sk_purg_watch(sk_purg_op_t *op, uint64_t key)
{
    for (int i = 0; i < op->n_keys; i++)
        if (op->keys[i] == key)
            return;
    if (op->n_keys == op->cap_keys) {
        op->cap_keys = op->cap_keys ? op->cap_keys * 2 : 4;
        op->keys = sk_realloc(op->keys, (size_t)op->cap_keys * sizeof(*op->keys));
    }
    op->keys[op->n_keys++] = key;
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
        int known = 0;
        for (int i = 0; i < pg->n_pending && !known; i++)
            known = pg->pending[i] == key;
        if (!known) {
            if (pg->n_pending < MAX_PENDING_KEYS)
                pg->pending[pg->n_pending++] = key;
            else
                pg->wake_all = 1;
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

static int op_matches(const sk_purg_op_t *op, const uint64_t *keys, int n_keys)
{
    for (int i = 0; i < op->n_keys; i++)
        for (int k = 0; k < n_keys; k++)
            if (op->keys[i] == keys[k])
                return 1;
    return 0;
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_purg_t *pg = arg;
    uint64_t keys[MAX_PENDING_KEYS];
    int n_keys = pg->n_pending, all = pg->wake_all;
    memcpy(keys, pg->pending, (size_t)n_keys * sizeof(keys[0]));
    pg->n_pending = 0;
    pg->wake_all = 0;
    pg->wake_pending = 0;
    sk_purg_op_t *op = TAILQ_FIRST(&pg->ops);
    while (op) {
        pg->iter_next = TAILQ_NEXT(op, link);
        if (all || op_matches(op, keys, n_keys))
            op_try(op, SK_PURG_WOKEN);
        op = pg->iter_next;
    }
    pg->iter_next = NULL;
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
