/* zkbroker.c - broker startup duties in ZooKeeper (see zkbroker.h). */
#include "zkbroker.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "znode.h"

/* ZCONNECTIONLOSS and friends are retried this many times per step; the
 * library queues requests until it has reconnected. */
#define ZKB_MAX_ATTEMPTS 10

typedef struct {
    sk_zk_t *zk;
    int32_t id;
    char *path; /* /brokers/ids/<id> */
    char *json;
    sk_zkb_start_cb start_done;
    sk_zkb_reg_cb reg_done;
    void *arg;
    int outstanding;
    int first_rc;
    char *first_path;
    char *cluster_id;
    int attempts;
} zkb_t;

static void register_node(zkb_t *c);
static void read_cluster_id(zkb_t *c);

/* The code a failed step reports: the session lost, or the retries of a
 * connection loss used up, is worth another try (SK_EAGAIN); the server's
 * own answers are not. */
static int zk_fail_code(int rc)
{
    sk_zk_rc_class_t k = sk_zk_rc_class(rc);
    return k == SK_ZK_RC_SESSION || k == SK_ZK_RC_TRANSIENT ? SK_EAGAIN : SK_EZK;
}

static void finish(zkb_t *c, int rc, int64_t epoch, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void finish(zkb_t *c, int rc, int64_t epoch, const char *fmt, ...)
{
    char err[512] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, sizeof(err), fmt, ap);
        va_end(ap);
        if (rc == SK_EAGAIN)
            sk_warn("zk", "broker %" PRId32 ": %s; trying again", c->id, err);
        else
            sk_error("zk", "broker %" PRId32 ": %s", c->id, err);
    }
    if (c->start_done)
        c->start_done(rc, rc == SK_OK ? c->cluster_id : NULL, epoch, fmt ? err : NULL, c->arg);
    else if (c->reg_done)
        c->reg_done(rc, epoch, fmt ? err : NULL, c->arg);
    free(c->path);
    free(c->json);
    free(c->first_path);
    free(c->cluster_id);
    free(c);
}

static int retriable(int rc)
{
    return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT;
}

static zkb_t *ctx_new(sk_zk_t *zk, const sk_zkb_reg_t *reg)
{
    zkb_t *c = sk_calloc(1, sizeof(*c));
    c->zk = zk;
    c->id = reg->broker_id;
    c->path = sk_znode_broker_path(reg->broker_id);
    sk_znode_endpoint_t *eps = sk_calloc((size_t)(reg->n_endpoints > 0 ? reg->n_endpoints : 1),
                                         sizeof(*eps));
    for (int i = 0; i < reg->n_endpoints; i++) {
        eps[i].listener = reg->endpoints[i].listener;
        eps[i].protocol = reg->endpoints[i].protocol;
        eps[i].host = reg->endpoints[i].host;
        eps[i].port = reg->endpoints[i].port;
    }
    sk_znode_broker_t b = {.endpoints = eps, .n_endpoints = reg->n_endpoints, .rack = reg->rack,
                           .jmx_port = -1, .timestamp = sk_wall_ms()};
    c->json = sk_znode_broker_encode(&b);
    free(eps);
    return c;
}

/* ---- registration --------------------------------------------------- */

static void registered_stat_cb(int rc, const char *data, int len, const struct Stat *st,
                               void *arg)
{
    (void)data;
    (void)len;
    zkb_t *c = arg;
    if (rc == ZOK && st->ephemeralOwner == sk_zk_session_id(c->zk)) {
        sk_info("zk", "registered broker %" PRId32 " at %s, broker epoch %" PRId64, c->id,
                c->path, (int64_t)st->czxid);
        finish(c, SK_OK, st->czxid, NULL);
        return;
    }
    if ((rc == ZOK || rc == ZNONODE || retriable(rc)) && ++c->attempts < ZKB_MAX_ATTEMPTS) {
        /* Vanished or replaced between our multi and this read: again. */
        register_node(c);
        return;
    }
    finish(c, zk_fail_code(rc), -1, "cannot read back %s: %s", c->path, zerror(rc));
}

static void stale_deleted_cb(int rc, void *arg)
{
    zkb_t *c = arg;
    if ((rc == ZOK || rc == ZNONODE || retriable(rc)) && ++c->attempts < ZKB_MAX_ATTEMPTS) {
        register_node(c);
        return;
    }
    finish(c, zk_fail_code(rc), -1, "cannot delete stale registration %s: %s", c->path, zerror(rc));
}

static void existing_stat_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)data;
    (void)len;
    zkb_t *c = arg;
    if (rc == ZOK) {
        int64_t me = sk_zk_session_id(c->zk);
        if (st->ephemeralOwner == me) {
            /* Our own node from a create whose reply was lost
             * (ZOOKEEPER-2985): delete and re-create it. */
            sk_warn("zk", "%s is already owned by our session 0x%" PRIx64 "; re-creating",
                    c->path, (uint64_t)me);
            sk_zk_delete(c->zk, c->path, st->version, stale_deleted_cb, c);
            return;
        }
        finish(c, SK_EEXIST, -1,
               "broker id %" PRId32 " is already registered in ZooKeeper by another broker "
               "(session 0x%" PRIx64 ")",
               c->id, (uint64_t)st->ephemeralOwner);
        return;
    }
    if ((rc == ZNONODE || retriable(rc)) && ++c->attempts < ZKB_MAX_ATTEMPTS) {
        register_node(c);
        return;
    }
    finish(c, zk_fail_code(rc), -1, "cannot read %s: %s", c->path, zerror(rc));
}

static void register_multi_cb(int rc, const int *op_rcs, int n, void *arg)
{
    (void)op_rcs;
    (void)n;
    zkb_t *c = arg;
    if (rc == ZOK) {
        sk_zk_exists(c->zk, c->path, NULL, NULL, registered_stat_cb, c);
        return;
    }
    if (rc == ZNODEEXISTS) {
        sk_zk_exists(c->zk, c->path, NULL, NULL, existing_stat_cb, c);
        return;
    }
    if (rc == ZNONODE) {
        /* /brokers/ids itself is missing (re-registration into a wiped
         * tree): create it and try again. */
        if (++c->attempts < ZKB_MAX_ATTEMPTS) {
            sk_zk_create_recursive(c->zk, SK_ZNODE_BROKER_IDS, NULL, -1, NULL, NULL);
            register_node(c);
            return;
        }
    }
    if (retriable(rc) && ++c->attempts < ZKB_MAX_ATTEMPTS) {
        /* May have happened; NODEEXISTS + owner check sorts it out. */
        register_node(c);
        return;
    }
    finish(c, zk_fail_code(rc), -1, "cannot register %s: %s", c->path, zerror(rc));
}

static void register_node(zkb_t *c)
{
    sk_zk_multi_t *m = sk_zk_multi_new();
    sk_zk_multi_create(m, c->path, NULL, -1, ZOO_EPHEMERAL);
    sk_zk_multi_set(m, c->path, c->json, (int)strlen(c->json), 0);
    sk_zk_multi_run(c->zk, m, register_multi_cb, c);
}

/* ---- /cluster/id ---------------------------------------------------- */

static void cluster_id_created_cb(int rc, const char *created, void *arg)
{
    (void)created;
    zkb_t *c = arg;
    if (rc == ZOK) {
        sk_info("zk", "created cluster id %s", c->cluster_id);
        c->attempts = 0;
        register_node(c);
        return;
    }
    free(c->cluster_id);
    c->cluster_id = NULL;
    /* NODEEXISTS: another broker won; CONNECTIONLOSS: maybe ours. Re-read. */
    if ((rc == ZNODEEXISTS || retriable(rc) || rc == ZNONODE) &&
        ++c->attempts < ZKB_MAX_ATTEMPTS) {
        read_cluster_id(c);
        return;
    }
    finish(c, zk_fail_code(rc), -1, "cannot create %s: %s", SK_ZNODE_CLUSTER_ID, zerror(rc));
}

static void cluster_id_read_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)st;
    zkb_t *c = arg;
    if (rc == ZOK) {
        char err[256];
        if (sk_znode_cluster_id_decode(data, len > 0 ? (size_t)len : 0, &c->cluster_id, err,
                                       sizeof(err)) != SK_OK) {
            finish(c, SK_EPARSE, -1, "%s", err);
            return;
        }
        c->attempts = 0;
        register_node(c);
        return;
    }
    if (rc == ZNONODE) {
        char id[SK_UUID_B64_LEN + 1];
        if (sk_znode_uuid_generate(id) != SK_OK) {
            finish(c, SK_EIO, -1, "cannot generate a cluster id: system RNG failed");
            return;
        }
        c->cluster_id = sk_strdup(id);
        char *json = sk_znode_cluster_id_encode(id);
        /* Parent first (result ignored: it usually exists), then the node;
         * one session's requests run in order. */
        sk_zk_create(c->zk, "/cluster", NULL, -1, 0, NULL, NULL);
        sk_zk_create(c->zk, SK_ZNODE_CLUSTER_ID, json, (int)strlen(json), 0,
                     cluster_id_created_cb, c);
        free(json);
        return;
    }
    if (retriable(rc) && ++c->attempts < ZKB_MAX_ATTEMPTS) {
        read_cluster_id(c);
        return;
    }
    finish(c, zk_fail_code(rc), -1, "cannot read %s: %s", SK_ZNODE_CLUSTER_ID, zerror(rc));
}

static void read_cluster_id(zkb_t *c)
{
    sk_zk_get(c->zk, SK_ZNODE_CLUSTER_ID, NULL, NULL, cluster_id_read_cb, c);
}

/* ---- top-level paths ------------------------------------------------ */

static void top_level_cb(int rc, void *arg)
{
    zkb_t *c = arg;
    if (rc != ZOK && c->first_rc == ZOK)
        c->first_rc = rc;
    if (--c->outstanding > 0)
        return;
    if (c->first_rc != ZOK) {
        finish(c, zk_fail_code(c->first_rc), -1, "cannot create the top-level ZooKeeper paths: %s",
               zerror(c->first_rc));
        return;
    }
    read_cluster_id(c);
}

void sk_zkb_start(sk_zk_t *zk, const sk_zkb_reg_t *reg, sk_zkb_start_cb done, void *arg)
{
    zkb_t *c = ctx_new(zk, reg);
    c->start_done = done;
    c->arg = arg;
    c->first_rc = ZOK;
    c->outstanding = sk_znode_n_top_level_paths;
    /* Pipelined: all creates are in flight at once. */
    for (int i = 0; i < sk_znode_n_top_level_paths; i++)
        sk_zk_create_recursive(zk, sk_znode_top_level_paths[i], NULL, -1, top_level_cb, c);
}

void sk_zkb_reregister(sk_zk_t *zk, const sk_zkb_reg_t *reg, sk_zkb_reg_cb done, void *arg)
{
    zkb_t *c = ctx_new(zk, reg);
    c->reg_done = done;
    c->arg = arg;
    register_node(c);
}

/* ---- deregistration ------------------------------------------------- */

typedef struct {
    sk_zk_t *zk;
    char *path;
    sk_zk_void_cb cb;
    void *arg;
} dereg_t;

static void dereg_done(int rc, void *arg)
{
    dereg_t *d = arg;
    if (d->cb)
        d->cb(rc, d->arg);
    free(d->path);
    free(d);
}

static void dereg_stat_cb(int rc, const char *data, int len, const struct Stat *st, void *arg)
{
    (void)data;
    (void)len;
    dereg_t *d = arg;
    if (rc == ZOK && st->ephemeralOwner == sk_zk_session_id(d->zk) && st->ephemeralOwner != 0) {
        sk_zk_delete(d->zk, d->path, st->version, dereg_done, d);
        return;
    }
    dereg_done(rc == ZOK ? ZNONODE : rc, d);
}

void sk_zkb_deregister(sk_zk_t *zk, int32_t broker_id, sk_zk_void_cb cb, void *arg)
{
    dereg_t *d = sk_calloc(1, sizeof(*d));
    d->zk = zk;
    d->path = sk_znode_broker_path(broker_id);
    d->cb = cb;
    d->arg = arg;
    sk_zk_exists(zk, d->path, NULL, NULL, dereg_stat_cb, d);
}
