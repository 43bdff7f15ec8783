/* zk.c - ZooKeeper session bridge (see zk.h).
 *
 * Threads: ZooKeeper's completion thread runs the c_* completions and the
 * w_* watchers below. They only copy results into heap messages and call
 * post(), which appends to zk->inq under zk->lock and activates bridge_ev.
 * Everything else, including every list but inq, belongs to the loop thread.
 *
 * Lifetimes: an op (zk_op_t) lives from the call that starts it until its
 * callback has run on the loop. A watch (zk_watch_t) lives in zk->watches
 * from registration until (a) its event is dispatched, (b) the read that
 * would have set it completes without setting it, or (c) the handle it was
 * set on has been closed (zookeeper_close joins the ZooKeeper threads, so
 * nothing can reference it afterwards).
 */
#include "zk.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "clock.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "zkauth.h"

enum { MSG_OP, MSG_WATCH, MSG_SESSION };
enum { OP_GET, OP_CHILDREN, OP_EXISTS, OP_CREATE, OP_SET, OP_DELETE, OP_MULTI };

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000

typedef struct zk_op zk_op_t;
typedef struct zk_watch zk_watch_t;

typedef struct zk_msg {
    TAILQ_ENTRY(zk_msg) link;
    int kind;
    zk_op_t *op;       /* MSG_OP */
    zk_watch_t *watch; /* MSG_WATCH */
    int type;          /* MSG_WATCH: event type */
    char *path;        /* MSG_WATCH */
    uint64_t gen;      /* MSG_SESSION: handle generation */
    int state;         /* MSG_SESSION */
} zk_msg_t;

TAILQ_HEAD(zk_msgq, zk_msg);

struct zk_watch {
    TAILQ_ENTRY(zk_watch) link;
    sk_zk_t *zk;
    sk_zk_watch_cb cb;
    void *arg;
    uint64_t gen;
    int cancelled;
};

struct sk_zk_multi_s;

struct zk_op {
    zk_msg_t msg; /* embedded: completions post without allocating */
    TAILQ_ENTRY(zk_op) live; /* zk->ops, loop only */
    uint64_t gen;            /* handle the op was given to */
    sk_zk_t *zk;
    int kind;
    zk_watch_t *watch;
    union {
        sk_zk_data_cb data;
        sk_zk_strings_cb strings;
        sk_zk_void_cb v;
        sk_zk_create_cb create;
        sk_zk_multi_cb multi;
    } cb;
    void *arg;
    /* results, filled on the ZooKeeper thread */
    int rc;
    char *data;
    int len;
    int has_stat;
    struct Stat stat;
    char **names;
    int count;
    char *path;
    struct sk_zk_multi_s *m;
    int sent; /* multi reached zoo_amulti */
    int fault_rc; /* injected result replacing the real one (0: none) */
    int fault_op; /* injected evaluated multi error: index of the failing op */
    int faulted;  /* a fault was injected into this op */
    int64_t start_us; /* asked (ZooKeeper request latency, /metrics) */
};

/* One libzookeeper handle; the global watcher's context. */
typedef struct zk_handle {
    sk_zk_t *zk;
    uint64_t gen;
    zhandle_t *zh;
    int setup; /* connected without the chroot, to create it */
} zk_handle_t;

struct sk_zk_s {
    struct event_base *base;
    struct event *bridge_ev;
    struct event *retry_ev;
    pthread_mutex_t lock;
    struct zk_msgq inq; /* under lock */
    struct zk_msgq pending; /* loop only */
    TAILQ_HEAD(, zk_watch) watches;
    TAILQ_HEAD(, zk_op) ops; /* every op not yet dispatched */
    char *hosts;  /* without chroot */
    char *chroot; /* NULL if none */
    int timeout_ms;
    sk_zk_session_cb session_cb;
    void *session_arg;
    zk_handle_t *h;
    uint64_t gen;
    int connected;
    int expired_pending; /* next connect of a main handle reports EXPIRED_NEW_SESSION */
    int retry_setup;     /* the retry timer reopens a setup (1) or main (0) handle */
    int backoff_ms;
    clientid_t cid;
    int depth;  /* nesting of drain / close */
    int closed;
    sk_zk_fault_t fault; /* armed while fault.count != 0 (tests) */
    char *fault_path;
    int fault_hits;
    char *credential; /* digest "user:password", NULL: no authentication */
    char *auth_user;
    int secure_acl;   /* Kafka's secure ACLs on created znodes (zkauth.h) */
};

/* ---- ZooKeeper-thread side ------------------------------------------ */

static void post(sk_zk_t *zk, zk_msg_t *m)
{
    pthread_mutex_lock(&zk->lock);
    TAILQ_INSERT_TAIL(&zk->inq, m, link);
    pthread_mutex_unlock(&zk->lock);
    event_active(zk->bridge_ev, EV_READ, 0);
}

static void post_op(zk_op_t *op)
{
    op->msg.kind = MSG_OP;
    op->msg.op = op;
    post(op->zk, &op->msg);
}

static void c_data(int rc, const char *value, int value_len, const struct Stat *stat,
                   const void *d)
{
    zk_op_t *op = (zk_op_t *)d;
    op->rc = rc;
    op->len = -1;
    if (rc == ZOK) {
        if (value && value_len >= 0) {
            op->data = sk_malloc((size_t)value_len + 1);
            memcpy(op->data, value, (size_t)value_len);
            op->data[value_len] = '\0';
            op->len = value_len;
        }
        if (stat) {
            op->stat = *stat;
            op->has_stat = 1;
        }
    }
    post_op(op);
}

static void c_stat(int rc, const struct Stat *stat, const void *d)
{
    zk_op_t *op = (zk_op_t *)d;
    op->rc = rc;
    op->len = -1;
    if (rc == ZOK && stat) {
        op->stat = *stat;
        op->has_stat = 1;
    }
    post_op(op);
}

static void c_strings(int rc, const struct String_vector *sv, const struct Stat *stat,
                      const void *d)
{
    zk_op_t *op = (zk_op_t *)d;
    op->rc = rc;
    if (rc == ZOK) {
        int n = sv ? sv->count : 0;
        op->names = sk_calloc((size_t)(n > 0 ? n : 1), sizeof(char *));
        for (int i = 0; i < n; i++)
            op->names[i] = sk_strdup(sv->data[i]);
        op->count = n;
        if (stat) {
            op->stat = *stat;
            op->has_stat = 1;
        }
    }
    post_op(op);
}

static void c_string(int rc, const char *value, const void *d)
{
    zk_op_t *op = (zk_op_t *)d;
    op->rc = rc;
    if (rc == ZOK && value)
        op->path = sk_strdup(value);
    post_op(op);
}

static void c_void(int rc, const void *d)
{
    zk_op_t *op = (zk_op_t *)d;
    op->rc = rc;
    post_op(op);
}

/* Per-path watcher: session events go to every watcher; ignore them. */
static void w_fire(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    (void)state;
    if (type == ZOO_SESSION_EVENT)
        return;
    zk_watch_t *w = ctx;
    zk_msg_t *m = sk_calloc(1, sizeof(*m));
    m->kind = MSG_WATCH;
    m->watch = w;
    m->type = type;
    m->path = sk_strdup(path ? path : "");
    post(w->zk, m);
}

/* Global watcher of one handle: session state changes only. */
static void w_session(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    (void)path;
    if (type != ZOO_SESSION_EVENT)
        return;
    zk_handle_t *h = ctx;
    zk_msg_t *m = sk_calloc(1, sizeof(*m));
    m->kind = MSG_SESSION;
    m->gen = h->gen;
    m->state = state;
    post(h->zk, m);
}

/* Number of zookeeper_close() calls in progress (any sk_zk_t). */
static atomic_int handles_closing;

/* libzookeeper log lines look like
 * "2026-01-01 00:00:00,000:123(0x7f..):ZOO_WARN@func@42: text\n". */
/* While ZooKeeper is unreachable the library logs the same two lines every
 * 100 ms. One line per event: a message from the same place in the library
 * (its "@function@line") is logged at most every LOG_REPEAT_MS, with the
 * count of the ones left out. Called on the library's threads. */
#define LOG_REPEAT_MS 10000
#define LOG_SITES 16
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char site[64];
    int64_t last_ms;
    int skipped;
} log_sites[LOG_SITES];

/* Returns -1 to drop the line, else the number of lines dropped before it. */
static int log_rate(const char *message)
{
    const char *at = strchr(message, '@');
    const char *end = at ? strchr(at + 1, ':') : NULL;
    if (!at || !end || end - at >= 64)
        return 0;
    size_t len = (size_t)(end - at);
    int64_t now = sk_mono_ms();
    int skipped = 0, slot = -1, oldest = 0;
    pthread_mutex_lock(&log_lock);
    for (int i = 0; i < LOG_SITES && slot < 0; i++)
        if (strlen(log_sites[i].site) == len && !memcmp(log_sites[i].site, at, len))
            slot = i;
    if (slot >= 0 && now - log_sites[slot].last_ms < LOG_REPEAT_MS) {
        log_sites[slot].skipped++;
        pthread_mutex_unlock(&log_lock);
        return -1;
    }
    if (slot < 0) {
        for (int i = 1; i < LOG_SITES; i++)
            if (log_sites[i].last_ms < log_sites[oldest].last_ms)
                oldest = i;
        slot = oldest;
        memcpy(log_sites[slot].site, at, len);
        log_sites[slot].site[len] = '\0';
        log_sites[slot].skipped = 0;
    }
    skipped = log_sites[slot].skipped;
    log_sites[slot].skipped = 0;
    log_sites[slot].last_ms = now;
    pthread_mutex_unlock(&log_lock);
    return skipped;
}

static void zk_log_cb(const char *message)
{
    size_t n = strlen(message);
    while (n && (message[n - 1] == '\n' || message[n - 1] == '\r'))
        n--;
    int skipped = log_rate(message);
    if (skipped < 0)
        return;
    char more[64] = "";
    if (skipped > 0)
        snprintf(more, sizeof(more), " (and %d like it since)", skipped);
    /* A handle being closed logs the server's socket close as an error and
     * tries to reconnect; that is expected noise. */
    if (atomic_load(&handles_closing) > 0)
        sk_debug("zk", "libzookeeper: %.*s%s", (int)n, message, more);
    else if (strstr(message, "ZOO_ERROR@"))
        sk_error("zk", "libzookeeper: %.*s%s", (int)n, message, more);
    else
        sk_warn("zk", "libzookeeper: %.*s%s", (int)n, message, more);
}

/* ---- loop side: ops and watches ------------------------------------- */

static zk_op_t *op_new(sk_zk_t *zk, int kind, void *arg)
{
    zk_op_t *op = sk_calloc(1, sizeof(*op));
    op->zk = zk;
    op->kind = kind;
    op->arg = arg;
    op->len = -1;
    op->start_us = sk_met_now_us();
    op->gen = zk->h ? zk->h->gen : 0;
    TAILQ_INSERT_TAIL(&zk->ops, op, live);
    return op;
}

/* Complete op asynchronously with rc (the op was never handed to ZK). */
static void op_fail(zk_op_t *op, int rc)
{
    op->rc = rc;
    post_op(op);
}

static const int op_fault_kind[] = {SK_ZK_OP_GET,    SK_ZK_OP_CHILDREN, SK_ZK_OP_EXISTS,
                                    SK_ZK_OP_CREATE, SK_ZK_OP_SET,      SK_ZK_OP_DELETE,
                                    SK_ZK_OP_MULTI};

/* The injected fault this operation meets, if any: returns 1 and leaves op
 * to fail before it is sent (op_fail), or marks it to be sent and have its
 * result replaced (after mode); 0 when no fault applies. */
static int fault_take(sk_zk_t *zk, zk_op_t *op, const char *path)
{
    sk_zk_fault_t *f = &zk->fault;
    if (f->count == 0 || (f->kinds && !(f->kinds & op_fault_kind[op->kind])))
        return 0;
    if (zk->fault_path && (!path || strncmp(path, zk->fault_path, strlen(zk->fault_path)) != 0))
        return 0;
    if (f->count > 0)
        f->count--;
    zk->fault_hits++;
    op->faulted = 1;
    op->fault_op = f->multi_op;
    if (f->after) {
        op->fault_rc = f->rc;
        return 0;
    }
    op->rc = f->rc;
    return 1;
}

void sk_zk_fault_set(sk_zk_t *zk, const sk_zk_fault_t *f)
{
    free(zk->fault_path);
    zk->fault_path = NULL;
    memset(&zk->fault, 0, sizeof(zk->fault));
    zk->fault_hits = 0;
    if (!f)
        return;
    zk->fault = *f;
    zk->fault.path_prefix = NULL;
    if (f->path_prefix)
        zk->fault_path = sk_strdup(f->path_prefix);
}

int sk_zk_fault_hits(const sk_zk_t *zk)
{
    return zk->fault_hits;
}

static zk_watch_t *watch_new(sk_zk_t *zk, sk_zk_watch_cb cb, void *arg)
{
    zk_watch_t *w = sk_calloc(1, sizeof(*w));
    w->zk = zk;
    w->cb = cb;
    w->arg = arg;
    w->gen = zk->h ? zk->h->gen : 0;
    TAILQ_INSERT_TAIL(&zk->watches, w, link);
    return w;
}

static void watch_release(sk_zk_t *zk, zk_watch_t *w)
{
    TAILQ_REMOVE(&zk->watches, w, link);
    free(w);
}

static void multi_destroy(struct sk_zk_multi_s *m);

static void op_free(zk_op_t *op)
{
    free(op->data);
    for (int i = 0; i < op->count; i++)
        free(op->names[i]);
    free(op->names);
    free(op->path);
    if (op->m)
        multi_destroy(op->m);
    free(op);
}

/* The handle a public operation may use, or NULL. */
static zhandle_t *usable(sk_zk_t *zk)
{
    return zk->h && !zk->h->setup && !zk->closed ? zk->h->zh : NULL;
}

/* ---- multi ----------------------------------------------------------- */

typedef struct {
    int type; /* ZOO_CREATE_OP, ... */
    char *path;
    char *data;
    int len;
    int flags;
    int version;
} mop_t;

struct sk_zk_multi_s {
    mop_t *ops;
    int n, cap;
    zoo_op_t *zops;
    zoo_op_result_t *res;
    struct Stat *stats;
    char **pbufs;
    int *rcs;
};

sk_zk_multi_t *sk_zk_multi_new(void)
{
    return sk_calloc(1, sizeof(sk_zk_multi_t));
}

static mop_t *multi_add(sk_zk_multi_t *m, int type, const char *path, const char *data, int len)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4;
        m->ops = sk_realloc(m->ops, (size_t)m->cap * sizeof(*m->ops));
    }
    mop_t *o = &m->ops[m->n++];
    memset(o, 0, sizeof(*o));
    o->type = type;
    o->path = sk_strdup(path);
    o->len = -1;
    if (data && len >= 0) {
        o->data = sk_malloc((size_t)len + 1);
        memcpy(o->data, data, (size_t)len);
        o->len = len;
    }
    return o;
}

void sk_zk_multi_create(sk_zk_multi_t *m, const char *path, const char *data, int len, int flags)
{
    multi_add(m, ZOO_CREATE_OP, path, data, len)->flags = flags;
}

void sk_zk_multi_set(sk_zk_multi_t *m, const char *path, const char *data, int len, int version)
{
    multi_add(m, ZOO_SETDATA_OP, path, data, len)->version = version;
}

void sk_zk_multi_delete(sk_zk_multi_t *m, const char *path, int version)
{
    multi_add(m, ZOO_DELETE_OP, path, NULL, -1)->version = version;
}

void sk_zk_multi_check(sk_zk_multi_t *m, const char *path, int version)
{
    multi_add(m, ZOO_CHECK_OP, path, NULL, -1)->version = version;
}

int sk_zk_multi_count(const sk_zk_multi_t *m)
{
    return m->n;
}

static void multi_destroy(sk_zk_multi_t *m)
{
    for (int i = 0; i < m->n; i++) {
        free(m->ops[i].path);
        free(m->ops[i].data);
        if (m->pbufs)
            free(m->pbufs[i]);
    }
    free(m->ops);
    free(m->zops);
    free(m->res);
    free(m->stats);
    free(m->pbufs);
    free(m->rcs);
    free(m);
}

void sk_zk_multi_free(sk_zk_multi_t *m)
{
    if (m)
        multi_destroy(m);
}

/* Errors with which the server answers a multi that it evaluated; only then
 * are the per-op results meaningful. */
static int multi_evaluated(int rc)
{
    return rc == ZOK || rc == ZNONODE || rc == ZNODEEXISTS || rc == ZBADVERSION ||
           rc == ZNOTEMPTY || rc == ZNOAUTH || rc == ZNOCHILDRENFOREPHEMERALS ||
           rc == ZINVALIDACL || rc == ZBADARGUMENTS;
}

sk_zk_rc_class_t sk_zk_rc_class(int rc)
{
    switch (rc) {
    case ZOK:
        return SK_ZK_RC_OK;
    case ZCONNECTIONLOSS:
    case ZOPERATIONTIMEOUT:
        return SK_ZK_RC_TRANSIENT;
    case ZSESSIONEXPIRED:
    case ZSESSIONMOVED:
    case ZCLOSING:
    case ZINVALIDSTATE:
    case ZAUTHFAILED:
        return SK_ZK_RC_SESSION;
    default:
        return SK_ZK_RC_ANSWER;
    }
}

void sk_zk_multi_run(sk_zk_t *zk, sk_zk_multi_t *m, sk_zk_multi_cb cb, void *arg)
{
    zk_op_t *op = op_new(zk, OP_MULTI, arg);
    op->cb.multi = cb;
    op->m = m;
    int n = m->n;
    m->zops = sk_calloc((size_t)(n ? n : 1), sizeof(*m->zops));
    m->res = sk_calloc((size_t)(n ? n : 1), sizeof(*m->res));
    m->stats = sk_calloc((size_t)(n ? n : 1), sizeof(*m->stats));
    m->pbufs = sk_calloc((size_t)(n ? n : 1), sizeof(*m->pbufs));
    m->rcs = sk_calloc((size_t)(n ? n : 1), sizeof(*m->rcs));
    for (int i = 0; i < n; i++) {
        mop_t *o = &m->ops[i];
        m->res[i].err = ZRUNTIMEINCONSISTENCY;
        switch (o->type) {
        case ZOO_CREATE_OP: {
            int blen = (int)strlen(o->path) + 16;
            m->pbufs[i] = sk_malloc((size_t)blen);
            zoo_create_op_init(&m->zops[i], o->path, o->data, o->len,
                               sk_zkauth_acl(zk->secure_acl, o->path), o->flags, m->pbufs[i],
                               blen);
            break;
        }
        case ZOO_SETDATA_OP:
            zoo_set_op_init(&m->zops[i], o->path, o->data, o->len, o->version, &m->stats[i]);
            break;
        case ZOO_DELETE_OP:
            zoo_delete_op_init(&m->zops[i], o->path, o->version);
            break;
        default:
            zoo_check_op_init(&m->zops[i], o->path, o->version);
            break;
        }
    }
    zhandle_t *zh = usable(zk);
    if (!zh) {
        op_fail(op, ZINVALIDSTATE);
        return;
    }
    int hit = 0;
    for (int i = 0; i < n && !hit; i++)
        hit = fault_take(zk, op, m->ops[i].path) || op->fault_rc;
    if (hit && !op->fault_rc) {
        post_op(op);
        return;
    }
    /* libzookeeper 3.8's zoo_amulti frees a sub-op's path twice (and then
     * stale stack pointers for the ops after it) when the handle is
     * unrecoverable: the request init fails and frees the path, then
     * zoo_amulti frees it again (a SIGABRT/double free seen under ASan when
     * the session had just expired). The library marks the handle expired
     * on its own thread before our session callback retires it. A handle
     * can only become expired while it reconnects, so a multi is handed to
     * the library only while connected; otherwise it fails as a connection
     * loss (callers retry) or with the session's fate. */
    int state = zoo_state(zh);
    if (state != ZOO_CONNECTED_STATE) {
        op_fail(op, state == ZOO_EXPIRED_SESSION_STATE ? ZSESSIONEXPIRED
                    : state == ZOO_AUTH_FAILED_STATE   ? ZAUTHFAILED
                                                       : ZCONNECTIONLOSS);
        return;
    }
    op->sent = 1;
    int rc = zoo_amulti(zh, n, m->zops, m->res, c_void, op);
    if (rc != ZOK) {
        op->sent = 0;
        op_fail(op, rc);
    }
}

/* ---- public operations ---------------------------------------------- */

static void do_get(sk_zk_t *zk, zhandle_t *zh, const char *path, sk_zk_watch_cb watch,
                   void *watch_arg, sk_zk_data_cb cb, void *arg)
{
    zk_op_t *op = op_new(zk, OP_GET, arg);
    op->cb.data = cb;
    if (!zh) {
        op_fail(op, ZINVALIDSTATE);
        return;
    }
    if (fault_take(zk, op, path)) {
        post_op(op);
        return;
    }
    int rc;
    if (watch) {
        op->watch = watch_new(zk, watch, watch_arg);
        rc = zoo_awget(zh, path, w_fire, op->watch, c_data, op);
    } else {
        rc = zoo_aget(zh, path, 0, c_data, op);
    }
    if (rc != ZOK)
        op_fail(op, rc);
}

void sk_zk_get(sk_zk_t *zk, const char *path, sk_zk_watch_cb watch, void *watch_arg,
               sk_zk_data_cb cb, void *arg)
{
    do_get(zk, usable(zk), path, watch, watch_arg, cb, arg);
}

void sk_zk_children(sk_zk_t *zk, const char *path, sk_zk_watch_cb watch, void *watch_arg,
                    sk_zk_strings_cb cb, void *arg)
{
    zk_op_t *op = op_new(zk, OP_CHILDREN, arg);
    op->cb.strings = cb;
    zhandle_t *zh = usable(zk);
    if (!zh) {
        op_fail(op, ZINVALIDSTATE);
        return;
    }
    if (fault_take(zk, op, path)) {
        post_op(op);
        return;
    }
    int rc;
    if (watch) {
        op->watch = watch_new(zk, watch, watch_arg);
        rc = zoo_awget_children2(zh, path, w_fire, op->watch, c_strings, op);
    } else {
        rc = zoo_aget_children2(zh, path, 0, c_strings, op);
    }
    if (rc != ZOK)
        op_fail(op, rc);
}

void sk_zk_exists(sk_zk_t *zk, const char *path, sk_zk_watch_cb watch, void *watch_arg,
                  sk_zk_data_cb cb, void *arg)
{
    zk_op_t *op = op_new(zk, OP_EXISTS, arg);
    op->cb.data = cb;
    zhandle_t *zh = usable(zk);
    if (!zh) {
        op_fail(op, ZINVALIDSTATE);
        return;
    }
    if (fault_take(zk, op, path)) {
        post_op(op);
        return;
    }
    int rc;
    if (watch) {
        op->watch = watch_new(zk, watch, watch_arg);
        rc = zoo_awexists(zh, path, w_fire, op->watch, c_stat, op);
    } else {
        rc = zoo_aexists(zh, path, 0, c_stat, op);
    }
    if (rc != ZOK)
        op_fail(op, rc);
}

static void do_create(sk_zk_t *zk, zhandle_t *zh, const char *path, const char *data, int len,
                      int flags, sk_zk_create_cb cb, void *arg)
{
    zk_op_t *op = op_new(zk, OP_CREATE, arg);
    op->cb.create = cb;
    if (!zh) {
        op_fail(op, ZINVALIDSTATE);
        return;
    }
    if (fault_take(zk, op, path)) {
        post_op(op);
        return;
    }
    int rc = zoo_acreate(zh, path, len >= 0 ? data : NULL, len >= 0 ? len : -1,
                         sk_zkauth_acl(zk->secure_acl, path), flags, c_string, op);
    if (rc != ZOK)
        op_fail(op, rc);
}

void sk_zk_create(sk_zk_t *zk, const char *path, const char *data, int len, int flags,
                  sk_zk_create_cb cb, void *arg)
{
    do_create(zk, usable(zk), path, data, len, flags, cb, arg);
}

void sk_zk_set(sk_zk_t *zk, const char *path, const char *data, int len, int version,
               sk_zk_data_cb cb, void *arg)
{
    zk_op_t *op = op_new(zk, OP_SET, arg);
    op->cb.data = cb;
    zhandle_t *zh = usable(zk);
    if (!zh) {
        op_fail(op, ZINVALIDSTATE);
        return;
    }
    if (fault_take(zk, op, path)) {
        post_op(op);
        return;
    }
    int rc = zoo_aset(zh, path, len >= 0 ? data : NULL, len >= 0 ? len : -1, version, c_stat, op);
    if (rc != ZOK)
        op_fail(op, rc);
}

void sk_zk_delete(sk_zk_t *zk, const char *path, int version, sk_zk_void_cb cb, void *arg)
{
    zk_op_t *op = op_new(zk, OP_DELETE, arg);
    op->cb.v = cb;
    zhandle_t *zh = usable(zk);
    if (!zh) {
        op_fail(op, ZINVALIDSTATE);
        return;
    }
    if (fault_take(zk, op, path)) {
        post_op(op);
        return;
    }
    int rc = zoo_adelete(zh, path, version, c_void, op);
    if (rc != ZOK)
        op_fail(op, rc);
}

/* create_recursive: try the node; on ZNONODE pipeline creates of every
 * ancestor and the node again (ZooKeeper runs one session's requests in
 * order, so the parents exist by the time the node is created). */
typedef struct {
    sk_zk_t *zk;
    int internal; /* may use the chroot-setup handle */
    char *path;
    char *data;
    int len;
    sk_zk_void_cb cb;
    void *arg;
    int retried;
    int outstanding;
    int final_rc;
} crec_t;

static zhandle_t *crec_handle(crec_t *c)
{
    if (c->internal)
        return c->zk->h && !c->zk->closed ? c->zk->h->zh : NULL;
    return usable(c->zk);
}

static void crec_finish(crec_t *c)
{
    int rc = c->final_rc == ZNODEEXISTS ? ZOK : c->final_rc;
    if (c->cb)
        c->cb(rc, c->arg);
    free(c->path);
    free(c->data);
    free(c);
}

static void crec_parent_cb(int rc, const char *created, void *arg)
{
    (void)rc;
    (void)created;
    crec_t *c = arg;
    if (--c->outstanding == 0)
        crec_finish(c);
}

static void crec_leaf_cb(int rc, const char *created, void *arg)
{
    (void)created;
    crec_t *c = arg;
    c->outstanding--;
    c->final_rc = rc;
    if (rc == ZNONODE && !c->retried) {
        c->retried = 1;
        zhandle_t *zh = crec_handle(c);
        for (char *s = strchr(c->path + 1, '/'); s; s = strchr(s + 1, '/')) {
            *s = '\0';
            c->outstanding++;
            do_create(c->zk, zh, c->path, NULL, -1, 0, crec_parent_cb, c);
            *s = '/';
        }
        c->outstanding++;
        do_create(c->zk, zh, c->path, c->data, c->len, 0, crec_leaf_cb, c);
        return;
    }
    if (c->outstanding == 0)
        crec_finish(c);
}

static void create_recursive(sk_zk_t *zk, int internal, const char *path, const char *data,
                             int len, sk_zk_void_cb cb, void *arg)
{
    crec_t *c = sk_calloc(1, sizeof(*c));
    c->zk = zk;
    c->internal = internal;
    c->path = sk_strdup(path);
    c->len = -1;
    if (data && len >= 0) {
        c->data = sk_malloc((size_t)len + 1);
        memcpy(c->data, data, (size_t)len);
        c->len = len;
    }
    c->cb = cb;
    c->arg = arg;
    c->outstanding = 1;
    do_create(zk, crec_handle(c), c->path, c->data, c->len, 0, crec_leaf_cb, c);
}

void sk_zk_create_recursive(sk_zk_t *zk, const char *path, const char *data, int len,
                            sk_zk_void_cb cb, void *arg)
{
    create_recursive(zk, 0, path, data, len, cb, arg);
}

/* ---- session management --------------------------------------------- */

static void drain(sk_zk_t *zk);
static void open_handle(sk_zk_t *zk, int setup);

static void report(sk_zk_t *zk, sk_zk_event_t ev)
{
    switch (ev) {
    case SK_ZK_CONNECTED:
        sk_met.zk_state = SK_MET_ZK_CONNECTED;
        sk_met.zk_connects++;
        break;
    case SK_ZK_DISCONNECTED:
        sk_met.zk_state = SK_MET_ZK_CONNECTING;
        sk_met.zk_disconnects++;
        break;
    case SK_ZK_EXPIRED_NEW_SESSION: /* reported once connected in the new session */
        sk_met.zk_state = SK_MET_ZK_CONNECTED;
        sk_met.zk_expires++;
        break;
    case SK_ZK_AUTH_FAILED:
        sk_met.zk_state = SK_MET_ZK_AUTH_FAILED;
        break;
    }
    if (zk->session_cb && !zk->closed)
        zk->session_cb(ev, zk->session_arg);
}

/* Close the current handle (if any) from the loop, deliver what it still
 * owed, and forget its watches. */
static void retire_handle(sk_zk_t *zk)
{
    zk_handle_t *h = zk->h;
    if (!h)
        return;
    zk->h = NULL;
    zk->connected = 0;
    memset(&zk->cid, 0, sizeof(zk->cid));
    zk->depth++;
    atomic_fetch_add(&handles_closing, 1);
    int rc = zookeeper_close(h->zh);
    atomic_fetch_sub(&handles_closing, 1);
    if (rc != ZOK)
        sk_debug("zk", "zookeeper_close: %s", zerror(rc));
    drain(zk);
    /* libzookeeper_mt can drop a reply (or its ZCLOSING stand-in) that was
     * queued for its completion thread when the handle closes. Its threads
     * are gone now, so an op of this handle that never completed never
     * will: complete it here to keep the exactly-once promise. */
    zk_op_t *op, *onext;
    int orphans = 0;
    for (op = TAILQ_FIRST(&zk->ops); op; op = onext) {
        onext = TAILQ_NEXT(op, live);
        if (op->gen == h->gen && op->gen != 0) {
            op->gen = 0; /* posted once */
            op->rc = ZCLOSING;
            post_op(op);
            orphans++;
        }
    }
    if (orphans) {
        sk_debug("zk", "completed %d operation(s) dropped by zookeeper_close", orphans);
        drain(zk);
    }
    zk_watch_t *w, *next;
    for (w = TAILQ_FIRST(&zk->watches); w; w = next) {
        next = TAILQ_NEXT(w, link);
        if (w->gen == h->gen)
            watch_release(zk, w);
    }
    zk->depth--;
    free(h);
}

static void schedule_retry(sk_zk_t *zk, int setup)
{
    zk->backoff_ms = zk->backoff_ms ? zk->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (zk->backoff_ms > BACKOFF_MAX_MS)
        zk->backoff_ms = BACKOFF_MAX_MS;
    zk->retry_setup = setup;
    struct timeval tv = {zk->backoff_ms / 1000, (zk->backoff_ms % 1000) * 1000};
    evtimer_add(zk->retry_ev, &tv);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_zk_t *zk = arg;
    if (!zk->closed && !zk->h)
        open_handle(zk, zk->retry_setup);
}

/* Open a handle: setup = without chroot (to create it), else the real one.
 * On failure retries with backoff. */
static void open_handle(sk_zk_t *zk, int setup)
{
    zk_handle_t *h = sk_calloc(1, sizeof(*h));
    h->zk = zk;
    h->gen = ++zk->gen;
    h->setup = setup;
    char *conn = setup || !zk->chroot ? sk_strdup(zk->hosts)
                                      : sk_asprintf("%s%s", zk->hosts, zk->chroot);
    zk->h = h; /* before init: the watcher may fire at once */
    h->zh = zookeeper_init2(conn, w_session, zk->timeout_ms, NULL, h, 0, zk_log_cb);
    if (!h->zh) {
        int e = errno;
        sk_warn("zk", "cannot create a ZooKeeper handle for %s: %s; retrying", conn,
                strerror(e));
        zk->h = NULL;
        free(h);
        schedule_retry(zk, setup);
    } else {
        sk_debug("zk", "opened %s handle %" PRIu64 " to %s", setup ? "chroot-setup" : "session",
                 h->gen, conn);
        /* Every new handle is a new session: authenticate it before
         * anything else is sent (the library resends the credential on
         * reconnects of the same session by itself). */
        if (zk->credential) {
            int arc = sk_zkauth_add(h->zh, zk->credential);
            if (arc != ZOK)
                sk_warn("zk", "cannot queue the digest authentication of handle %" PRIu64
                        ": %s", h->gen, zerror(arc));
        }
    }
    free(conn);
}

static void setup_done(int rc, void *arg)
{
    sk_zk_t *zk = arg;
    if (zk->closed || !zk->h || !zk->h->setup)
        return;
    if (rc == ZOK) {
        sk_info("zk", "chroot %s is present", zk->chroot);
        zk->backoff_ms = 0;
        retire_handle(zk);
        if (!zk->closed)
            open_handle(zk, 0);
        return;
    }
    sk_warn("zk", "cannot create chroot %s: %s; retrying", zk->chroot, zerror(rc));
    retire_handle(zk);
    if (!zk->closed)
        schedule_retry(zk, 1);
}

static void on_session(sk_zk_t *zk, zk_msg_t *m)
{
    zk_handle_t *h = zk->h;
    if (!h || m->gen != h->gen || zk->closed)
        return;
    if (m->state == ZOO_CONNECTED_STATE) {
        if (h->setup) {
            create_recursive(zk, 1, zk->chroot, NULL, -1, setup_done, zk);
            return;
        }
        const clientid_t *cid = zoo_client_id(h->zh);
        if (cid)
            zk->cid = *cid;
        zk->backoff_ms = 0;
        if (zk->connected)
            return;
        zk->connected = 1;
        int expired = zk->expired_pending;
        zk->expired_pending = 0;
        sk_info("zk", "session 0x%" PRIx64 " %s (timeout %d ms, %s%s, %s ACLs)",
                (uint64_t)zk->cid.client_id, expired ? "established after expiry" : "connected",
                zoo_recv_timeout(h->zh), zk->credential ? "digest user " : "unauthenticated",
                zk->credential ? zk->auth_user : "", zk->secure_acl ? "secure" : "open");
        report(zk, expired ? SK_ZK_EXPIRED_NEW_SESSION : SK_ZK_CONNECTED);
    } else if (m->state == ZOO_EXPIRED_SESSION_STATE) {
        sk_warn("zk", "session 0x%" PRIx64 " expired; opening a new session",
                (uint64_t)zk->cid.client_id);
        if (zk->connected) {
            zk->connected = 0;
            report(zk, SK_ZK_DISCONNECTED);
            if (zk->closed)
                return;
        }
        int setup = h->setup;
        sk_met.zk_state = SK_MET_ZK_EXPIRED; /* until the new session connects */
        if (!setup)
            zk->expired_pending = 1;
        retire_handle(zk);
        if (!zk->closed && !zk->h)
            open_handle(zk, setup);
    } else if (m->state == ZOO_AUTH_FAILED_STATE) {
        sk_error("zk", "ZooKeeper authentication failed");
        zk->connected = 0;
        report(zk, SK_ZK_AUTH_FAILED);
    } else {
        if (zk->connected) {
            sk_warn("zk", "session 0x%" PRIx64 " disconnected; reconnecting",
                    (uint64_t)zk->cid.client_id);
            zk->connected = 0;
            report(zk, SK_ZK_DISCONNECTED);
        }
    }
}

/* An injected fault replaces the real result of an operation that was
 * sent: what it read is dropped, and a watch it set stays registered with
 * the library but is cancelled (it must outlive the library's pointer). */
static void fault_apply(zk_op_t *op)
{
    if (op->watch) {
        int set = op->rc == ZOK || (op->kind == OP_EXISTS && op->rc == ZNONODE);
        if (set)
            op->watch->cancelled = 1;
        op->watch = NULL;
    }
    op->rc = op->fault_rc;
    free(op->data);
    op->data = NULL;
    op->len = -1;
    op->has_stat = 0;
    for (int i = 0; i < op->count; i++)
        free(op->names[i]);
    free(op->names);
    op->names = NULL;
    op->count = 0;
    free(op->path);
    op->path = NULL;
}

/* The per-op results of a multi; NULL (and *n 0) when the server did not
 * evaluate it (it failed as a whole: connection loss, expiry, closing). */
static const int *multi_rcs(zk_op_t *op, int *n)
{
    sk_zk_multi_t *m = op->m;
    *n = 0;
    if (!multi_evaluated(op->rc) || (!op->sent && !op->faulted))
        return NULL;
    for (int i = 0; i < m->n; i++) {
        if (op->faulted) {
            int bad = op->fault_op < 0 || op->fault_op >= m->n ? m->n - 1 : op->fault_op;
            m->rcs[i] = i < bad ? ZOK : i == bad ? op->rc : ZRUNTIMEINCONSISTENCY;
        } else {
            m->rcs[i] = m->res[i].err;
        }
    }
    *n = m->n;
    return m->rcs;
}

static void dispatch_op(sk_zk_t *zk, zk_op_t *op)
{
    TAILQ_REMOVE(&zk->ops, op, live);
    sk_met_hist_observe(&sk_met.zk_latency, (double)(sk_met_now_us() - op->start_us) / 1000.0);
    if (op->fault_rc)
        fault_apply(op);
    if (op->watch) {
        int set = op->rc == ZOK || (op->kind == OP_EXISTS && op->rc == ZNONODE);
        if (!set)
            watch_release(zk, op->watch);
    }
    const struct Stat *st = op->has_stat ? &op->stat : NULL;
    switch (op->kind) {
    case OP_GET:
    case OP_EXISTS:
    case OP_SET:
        if (op->cb.data)
            op->cb.data(op->rc, op->data, op->len, st, op->arg);
        break;
    case OP_CHILDREN:
        if (op->cb.strings)
            op->cb.strings(op->rc, op->names, op->count, st, op->arg);
        break;
    case OP_CREATE:
        if (op->cb.create)
            op->cb.create(op->rc, op->path, op->arg);
        break;
    case OP_DELETE:
        if (op->cb.v)
            op->cb.v(op->rc, op->arg);
        break;
    case OP_MULTI: {
        int n;
        const int *rcs = multi_rcs(op, &n);
        if (op->cb.multi)
            op->cb.multi(op->rc, rcs, n, op->arg);
        break;
    }
    }
    op_free(op);
}

static void dispatch(sk_zk_t *zk, zk_msg_t *m)
{
    switch (m->kind) {
    case MSG_OP:
        dispatch_op(zk, m->op); /* frees m, it is embedded */
        break;
    case MSG_WATCH: {
        zk_watch_t *w = m->watch;
        sk_zk_watch_cb cb = w->cb;
        void *arg = w->arg;
        int cancelled = w->cancelled;
        watch_release(zk, w);
        if (!cancelled && !zk->closed && cb)
            cb(m->type, m->path, arg);
        free(m->path);
        free(m);
        break;
    }
    default:
        on_session(zk, m);
        free(m);
        break;
    }
}

/* Deliver every queued message, including ones queued meanwhile. Re-entrant:
 * the working list lives in zk. */
static void drain(sk_zk_t *zk)
{
    zk->depth++;
    for (;;) {
        zk_msg_t *m = TAILQ_FIRST(&zk->pending);
        if (!m) {
            pthread_mutex_lock(&zk->lock);
            TAILQ_CONCAT(&zk->pending, &zk->inq, link);
            pthread_mutex_unlock(&zk->lock);
            m = TAILQ_FIRST(&zk->pending);
            if (!m)
                break;
        }
        TAILQ_REMOVE(&zk->pending, m, link);
        dispatch(zk, m);
    }
    zk->depth--;
}

static void zk_free(sk_zk_t *zk)
{
    zk_watch_t *w;
    while ((w = TAILQ_FIRST(&zk->watches)))
        watch_release(zk, w);
    if (zk->bridge_ev)
        event_free(zk->bridge_ev);
    if (zk->retry_ev)
        event_free(zk->retry_ev);
    pthread_mutex_destroy(&zk->lock);
    free(zk->hosts);
    free(zk->chroot);
    free(zk->fault_path);
    if (zk->credential) {
        memset(zk->credential, 0, strlen(zk->credential));
        free(zk->credential);
    }
    free(zk->auth_user);
    free(zk);
}

static void bridge_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_zk_t *zk = arg;
    drain(zk);
    if (zk->closed && zk->depth == 0)
        zk_free(zk);
}

/* ---- public session API --------------------------------------------- */

int sk_zk_open(struct event_base *base, const char *connect, int session_timeout_ms,
               sk_zk_session_cb session_cb, void *arg, sk_zk_t **out, char *err, size_t errlen)
{
    return sk_zk_open_auth(base, connect, session_timeout_ms, NULL, session_cb, arg, out, err,
                           errlen);
}

int sk_zk_open_auth(struct event_base *base, const char *connect, int session_timeout_ms,
                    const sk_zk_auth_t *auth, sk_zk_session_cb session_cb, void *arg,
                    sk_zk_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!connect || !*connect) {
        snprintf(err, errlen, "empty ZooKeeper connect string");
        return SK_EINVAL;
    }
    const char *slash = strchr(connect, '/');
    if (slash == connect) {
        snprintf(err, errlen, "ZooKeeper connect string \"%s\" has no host", connect);
        return SK_EINVAL;
    }
    if (slash && slash[1] &&
        (slash[strlen(slash) - 1] == '/' || strstr(slash, "//") || strstr(slash, "/./") ||
         strstr(slash, "/../"))) {
        snprintf(err, errlen, "invalid chroot \"%s\" in ZooKeeper connect string", slash);
        return SK_EINVAL;
    }
    sk_zk_t *zk = sk_calloc(1, sizeof(*zk));
    zk->base = base;
    pthread_mutex_init(&zk->lock, NULL);
    TAILQ_INIT(&zk->inq);
    TAILQ_INIT(&zk->pending);
    TAILQ_INIT(&zk->watches);
    TAILQ_INIT(&zk->ops);
    zk->hosts = slash ? sk_strndup(connect, (size_t)(slash - connect)) : sk_strdup(connect);
    zk->chroot = slash && slash[1] ? sk_strdup(slash) : NULL;
    zk->timeout_ms = session_timeout_ms;
    zk->session_cb = session_cb;
    zk->session_arg = arg;
    if (auth && auth->credential) {
        zk->credential = sk_strdup(auth->credential);
        const char *colon = strchr(auth->credential, ':');
        zk->auth_user = colon ? sk_strndup(auth->credential, (size_t)(colon - auth->credential))
                              : sk_strdup(auth->credential);
    }
    zk->secure_acl = auth ? auth->secure_acl : 0;
    zk->bridge_ev = event_new(base, -1, 0, bridge_cb, zk);
    zk->retry_ev = evtimer_new(base, retry_cb, zk);
    if (!zk->bridge_ev || !zk->retry_ev) {
        snprintf(err, errlen, "cannot create libevent events");
        zk_free(zk);
        return SK_EZK;
    }
    zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
    open_handle(zk, zk->chroot != NULL);
    if (!zk->h) {
        /* A handle that cannot even be created (bad host list) is a
         * configuration error at startup; later failures are retried. */
        evtimer_del(zk->retry_ev);
        snprintf(err, errlen, "cannot create a ZooKeeper client for \"%s\": %s", connect,
                 strerror(errno));
        zk_free(zk);
        return SK_EZK;
    }
    *out = zk;
    return SK_OK;
}

/* Operations of the live handle still waiting for the server. */
static int in_flight(sk_zk_t *zk)
{
    int n = 0;
    zk_op_t *op;
    TAILQ_FOREACH(op, &zk->ops, live)
    n += zk->h && op->gen == zk->h->gen && op->gen != 0;
    return n;
}

/* Before the handle closes, let operations already sent finish (at most
 * CLOSE_WAIT_MS, and only while connected): zookeeper_close() frees what a
 * pending multi allocated inside the library only partly, so closing with
 * one in flight leaks. Completions run now, as close promises; new
 * operations fail at once (closed is set). Blocks the loop briefly, at
 * shutdown only. */
#define CLOSE_WAIT_MS 1500
static void await_in_flight(sk_zk_t *zk)
{
    int64_t deadline = sk_mono_ms() + CLOSE_WAIT_MS;
    for (;;) {
        drain(zk);
        if (!zk->connected || !in_flight(zk) || sk_mono_ms() >= deadline)
            return;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void sk_zk_close(sk_zk_t *zk)
{
    if (!zk || zk->closed)
        return;
    sk_info("zk", "closing session 0x%" PRIx64, (uint64_t)zk->cid.client_id);
    zk->closed = 1;
    evtimer_del(zk->retry_ev);
    zk->depth++;
    await_in_flight(zk);
    retire_handle(zk);
    drain(zk);
    zk->depth--;
    if (zk->depth == 0)
        zk_free(zk);
}

int64_t sk_zk_session_id(sk_zk_t *zk)
{
    return zk->cid.client_id;
}

const clientid_t *sk_zk_client_id(sk_zk_t *zk)
{
    return zk->cid.client_id ? &zk->cid : NULL;
}

struct event_base *sk_zk_event_base(sk_zk_t *zk)
{
    return zk->base;
}

int sk_zk_connected(sk_zk_t *zk)
{
    return zk->connected;
}

void sk_zk_unwatch(sk_zk_t *zk, void *arg)
{
    zk_watch_t *w;
    TAILQ_FOREACH(w, &zk->watches, link)
    if (w->arg == arg)
        w->cancelled = 1;
}
