/* producer_ids.c - blocks of producer ids from ZooKeeper (see
 * producer_ids.h). */
#include "meta/producer_ids.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <zookeeper/zookeeper.h>

#include "meta/broker_ctx.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "mem.h"
#include "zk.h"
#include "znode.h"

#define MOD "pids"
#define MAX_TRIES 10

struct sk_pids_wait_s {
    TAILQ_ENTRY(sk_pids_wait_s) link;
    sk_pids_cb cb;
    void *arg;
};

struct sk_pids_s {
    sk_broker_t *b;
    int64_t next, end; /* ids [next, end] left in the current block; next > end: none */
    int fetching;      /* a block request is in flight */
    int tries;
    TAILQ_HEAD(, sk_pids_wait_s) waits;
    char *candidate;   /* JSON we are trying to write */
    sk_znode_pid_block_t want;
};

static void fetch_block(sk_pids_t *p);

sk_pids_t *sk_pids_new(sk_broker_t *b)
{
    sk_pids_t *p = sk_calloc(1, sizeof(*p));
    p->b = b;
    p->next = 0;
    p->end = -1;
    TAILQ_INIT(&p->waits);
    return p;
}

static void serve(sk_pids_t *p)
{
    sk_pids_wait_t *w;
    while (p->next <= p->end && (w = TAILQ_FIRST(&p->waits)) != NULL) {
        TAILQ_REMOVE(&p->waits, w, link);
        int64_t id = p->next++;
        w->cb(SK_KERR_NONE, id, w->arg);
        free(w);
    }
    if (!TAILQ_EMPTY(&p->waits) && !p->fetching)
        fetch_block(p);
}

static void fail_all(sk_pids_t *p)
{
    sk_pids_wait_t *w;
    while ((w = TAILQ_FIRST(&p->waits)) != NULL) {
        TAILQ_REMOVE(&p->waits, w, link);
        w->cb(SK_KERR_COORDINATOR_NOT_AVAILABLE, -1, w->arg);
        free(w);
    }
}

static void give_up(sk_pids_t *p, const char *why, int rc)
{
    sk_warn(MOD, "cannot take a block of producer ids from %s: %s (%d); InitProducerId answers "
            "COORDINATOR_NOT_AVAILABLE", SK_ZNODE_PRODUCER_ID_BLOCK, why, rc);
    p->fetching = 0;
    fail_all(p);
}

static void took_block(sk_pids_t *p)
{
    p->next = p->want.start;
    p->end = p->want.end;
    p->fetching = 0;
    sk_info(MOD, "took producer ids %" PRId64 "..%" PRId64 " from %s", p->want.start,
            p->want.end, SK_ZNODE_PRODUCER_ID_BLOCK);
    serve(p);
}

static void set_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)data;
    (void)len;
    (void)st;
    sk_pids_t *p = arg;
    free(p->candidate);
    p->candidate = NULL;
    if (rc == ZOK)
        took_block(p);
    else if ((rc == ZBADVERSION || rc == ZNODEEXISTS) && ++p->tries < MAX_TRIES)
        fetch_block(p); /* another broker took the block first: read again */
    else
        give_up(p, "writing the next block failed", rc);
}

static void create_cb(int rc, const char *path, void *arg)
{
    (void)path;
    set_cb(rc, NULL, -1, NULL, arg);
}

static void get_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    sk_pids_t *p = arg;
    if (rc != ZOK && rc != ZNONODE) {
        give_up(p, "reading it failed", rc);
        return;
    }
    sk_znode_pid_block_t last = {.broker = -1, .start = 0, .end = -1};
    if (rc == ZOK && data && len > 0) {
        char err[256];
        if (sk_znode_pid_block_decode(data, (size_t)len, &last, err, sizeof(err)) != SK_OK) {
            give_up(p, err, 0);
            return;
        }
    }
    if (last.end > INT64_MAX - SK_PRODUCER_ID_BLOCK_SIZE) {
        give_up(p, "producer ids are exhausted", 0);
        return;
    }
    p->want = (sk_znode_pid_block_t){p->b->id, last.end + 1, last.end + SK_PRODUCER_ID_BLOCK_SIZE};
    p->candidate = sk_znode_pid_block_encode(&p->want);
    int n = (int)strlen(p->candidate);
    if (rc == ZNONODE)
        sk_zk_create(p->b->zk, SK_ZNODE_PRODUCER_ID_BLOCK, p->candidate, n, 0, create_cb, p);
    else
        sk_zk_set(p->b->zk, SK_ZNODE_PRODUCER_ID_BLOCK, p->candidate, n, st->version, set_cb, p);
}

static void fetch_block(sk_pids_t *p)
{
    if (!p->b->zk) {
        give_up(p, "no ZooKeeper session", 0);
        return;
    }
    if (!p->fetching)
        p->tries = 0;
    p->fetching = 1;
    sk_zk_get(p->b->zk, SK_ZNODE_PRODUCER_ID_BLOCK, NULL, NULL, get_cb, p);
}

sk_pids_wait_t *sk_pids_next(sk_pids_t *p, sk_pids_cb cb, void *arg)
{
    if (p->next <= p->end && TAILQ_EMPTY(&p->waits)) {
        cb(SK_KERR_NONE, p->next++, arg);
        return NULL;
    }
    sk_pids_wait_t *w = sk_calloc(1, sizeof(*w));
    w->cb = cb;
    w->arg = arg;
    TAILQ_INSERT_TAIL(&p->waits, w, link);
    if (!p->fetching)
        fetch_block(p);
    return w;
}

void sk_pids_cancel(sk_pids_t *p, sk_pids_wait_t *w)
{
    TAILQ_REMOVE(&p->waits, w, link);
    free(w);
}

void sk_pids_free(sk_pids_t *p)
{
    if (!p)
        return;
    fail_all(p);
    free(p->candidate);
    free(p);
}
