/* broker.c - broker start-up, ZooKeeper duties, shutdown.
 *
 * Start-up: open and recover logs, bind listeners, connect to ZooKeeper,
 * create the top-level paths, read or create the cluster id, register the
 * ephemeral /brokers/ids/<id>, watch topics, then accept clients.
 * Shutdown (SIGTERM/SIGINT): stop accepting, answer waiting fetches,
 * deregister, close the ZooKeeper session, flush every log, exit 0.
 */
#include "broker.h"
#include "api/api.h"
#include "meta/broker_ctx.h"
#include "meta/topic_create.h"
#include "replica/fetcher.h"
#include "replica/throttle.h"
#include "replica/isr.h"
#include "replica/partition.h"
#include "replica/purgatory.h"
#include "meta/producer_ids.h"
#include "replica/ctlshutdown.h"
#include "metrics/exporter.h"
#include "meta/acl_zk.h"
#include "meta/cfgchange.h"
#include "meta/dynlistener.h"
#include "meta/quota.h"
#include "meta/quota_zk.h"
#include "meta/logdir_event.h"
#include "zkauth.h"
#include "tls.h"

#include "clock.h"
#include "group/coord.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "mem.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void broker_finish_stop(sk_broker_t *b);

/* ---- controller election ---- */

static void became_controller_cb(int32_t epoch, int32_t epoch_zkversion, void *arg)
{
    sk_broker_t *b = arg;
    sk_ctrl_activate(b->ctrl, epoch, epoch_zkversion);
}

static void resigned_cb(void *arg)
{
    sk_broker_t *b = arg;
    sk_ctrl_deactivate(b->ctrl);
}

/* Clients (kafka-python's admin) need a controller id: open the listeners
 * once the first one is known, and, with an authorizer, once the ACLs are
 * loaded (as Kafka, which loads them before it serves). */
static void maybe_serve(sk_broker_t *b)
{
    if (b->controller_id >= 0 && !b->serving && !b->stopping && b->net &&
        (!b->acl || sk_aclzk_loaded(b->aclzk))) {
        sk_net_start(b->net);
        b->serving = 1;
        for (int i = 0; i < b->n_endpoints; i++)
            sk_info("broker", "serving %s://%s:%d", b->endpoints[i].listener,
                    b->endpoints[i].host, b->endpoints[i].port);
    }
}

static void controller_changed_cb(int32_t id, void *arg)
{
    sk_broker_t *b = arg;
    b->controller_id = id;
    sk_info("controller", "active controller is now broker %d", id);
    maybe_serve(b);
}

/* A topic's /config/topics overrides changed: its logs here get them. */
static void topic_config_changed(void *arg, const char *type, const char *name)
{
    (void)type;
    sk_control_reload_topic_config(arg, name);
}

static int setup_limits(sk_net_t *net, const sk_conf_t *conf, char *err, size_t errlen);

/* A log dir went offline (an I/O error, logmgr's callback, maybe in the
 * middle of an append): on the next loop turn the controller is told
 * through /log_dir_event_notification; with no dir left the broker stops,
 * controlled shutdown first, exit status 1. */
static void stop_failed(sk_broker_t *b, int exit_code)
{
    sk_broker_stop(b, exit_code ? exit_code : 1);
}

static void logdir_offline_later(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_broker_t *b = arg;
    int online = 0;
    for (int i = 0; i < sk_logmgr_dir_count(b->logs); i++)
        online += sk_logmgr_dir_state(b->logs, i) != SK_LOGDIR_OFFLINE;
    sk_logdir_event_notify(b);
    if (online > 0 || b->stopping)
        return;
    sk_error("broker", "every log dir is offline: shutting down");
    if (!sk_ctlsd_signal(b, SIGTERM, stop_failed))
        stop_failed(b, 1);
}

static void logdir_offline(int dir, const char *path, int online, void *arg)
{
    (void)dir;
    (void)path;
    (void)online;
    sk_broker_t *b = arg;
    event_base_once(b->base, -1, EV_TIMEOUT, logdir_offline_later, b, NULL);
}

/* A Fetch answer's sendfile (on TLS: libevent's read) failed with EIO: read
 * its range again, so that a failing disk takes its dir offline as a read or
 * write error does. */
static void send_file_failed(void *arg, const sk_sent_file_t *f, const char *what)
{
    sk_broker_t *b = arg;
    sk_partition_t *p = sk_topics_partition(b->topics, f->topic, (int32_t)strlen(f->topic),
                                            f->partition);
    if (p && p->log && !sk_plog_offline(p->log))
        sk_plog_check_range(p->log, f->offset, f->file_pos, f->len, what);
}

/* This broker's dynamic listener key stores (listener.name.<l>.ssl.keystore.*
 * in /config/brokers/<id>; Kafka reads them from no other node): passwords
 * decoded, put in force, and the TLS contexts whose keys changed rebuilt
 * for new connections (the reload path of renewed files, tls.h). */
static void listener_keys_changed(sk_conf_t *c, const sk_znode_config_t *mine)
{
    sk_dynlistener_keys_t dyn;
    sk_dynlistener_pick(c->password_encoder_secret,
                        mine ? (const char *const *)mine->keys : NULL,
                        mine ? (const char *const *)mine->values : NULL, mine ? mine->n : 0,
                        &dyn);
    if (sk_conf_set_listener_dynamic(c, (const char *const *)dyn.keys,
                                     (const char *const *)dyn.values, dyn.n) == SK_OK) {
        sk_info("config", "dynamic listener key store settings: %d in force", dyn.n);
        sk_tls_config_changed();
    }
    sk_dynlistener_keys_free(&dyn);
}

/* /config/brokers/<id> or /config/brokers/<default> changed: each dynamic
 * key takes this broker's value, else the cluster default, else the file's
 * (Kafka's order), and the modules that copied a value at start get the
 * new one. The broker owns its configuration: main() hands it over as
 * const to every module, and only this function changes it, on the loop. */
static void broker_config_changed(void *arg, const char *type, const char *name)
{
    (void)type;
    sk_broker_t *b = arg;
    char id[16];
    snprintf(id, sizeof(id), "%d", b->id);
    if (strcmp(name, id) != 0 && strcmp(name, "<default>") != 0)
        return;
    sk_conf_t *c = (sk_conf_t *)b->conf;
    const sk_znode_config_t *mine = sk_cfgchange_get(b, "brokers", id);
    const sk_znode_config_t *dflt = sk_cfgchange_get(b, "brokers", "<default>");
    int changed = 0, cleaner = 0, limits = 0, ctrl = 0, min_free = 0;
    for (int i = 0; i < sk_conf_key_count(); i++) {
        if (!sk_conf_key_dynamic(i))
            continue;
        const char *key = sk_conf_key_name(i);
        const char *v = sk_znode_config_get(mine, key);
        int src = SK_CONF_SRC_DYNAMIC_BROKER;
        if (!v) {
            v = sk_znode_config_get(dflt, key);
            src = SK_CONF_SRC_DYNAMIC_DEFAULT;
        }
        char why[256];
        int rc = sk_conf_set_dynamic(c, i, v, src, why, sizeof(why));
        if (rc == SK_EINVAL) {
            sk_warn("config", "dynamic value '%s' for %s ignored: %s", v ? v : "", key, why);
            continue;
        }
        if (rc != SK_OK)
            continue;
        char now[256];
        sk_conf_effective_string(c, i, now, sizeof(now), NULL);
        sk_info("config", "%s = %s (%s)", key, now,
                !v ? "static again" : src == SK_CONF_SRC_DYNAMIC_BROKER
                                          ? "dynamic, this broker"
                                          : "dynamic, cluster default");
        changed = 1;
        cleaner |= strncmp(key, "log.cleaner.", 12) == 0;
        limits |= strncmp(key, "max.connections", 15) == 0;
        ctrl |= strcmp(key, "unclean.leader.election.enable") == 0;
        min_free |= strcmp(key, "log.dir.min.free.bytes") == 0;
    }
    if (strcmp(name, id) == 0)
        listener_keys_changed(c, mine);
    if (!changed)
        return;
    sk_topic_conf_log_defaults(c, &b->plog_cfg);
    sk_control_reapply_log_configs(b);
    b->parts->min_insync = c->min_insync_replicas;
    if (cleaner && c->log_cleaner_enable)
        sk_logmgr_restart_cleaner(b->logs, c->log_cleaner_threads, c->log_cleaner_backoff_ms,
                                  c->log_cleaner_dedupe_buffer_size);
    char err[256];
    if (limits && b->net && setup_limits(b->net, c, err, sizeof(err)) != SK_OK)
        sk_warn("config", "connection limits not applied: %s", err);
    if (ctrl && b->ctrl)
        sk_ctrl_config_changed(b->ctrl);
    if (min_free) /* every dir sampled against it now: LOW_SPACE or ONLINE at once */
        sk_logmgr_set_min_free_bytes(b->logs, c->log_dir_min_free_bytes,
                                     SK_LOGMGR_SPACE_CHECK_MS);
}

/* A quota entity (/config/users/... or /config/clients/...) changed. */
static void quota_config_changed(void *arg, const char *type, const char *name)
{
    sk_broker_t *b = arg;
    sk_quotazk_changed(b->quotazk, type, name);
}

/* Replication throttles (replica/throttle.h) are read from the brokers'
 * and topics' dynamic configs at each fetch; a change wakes the fetcher. */
static void throttle_config_changed(void *arg, const char *type, const char *name)
{
    (void)type;
    (void)name;
    sk_broker_t *b = arg;
    sk_fetcher_update(b->fetcher);
}

static void acls_loaded_cb(void *arg)
{
    maybe_serve(arg);
}

static void ctrl_ready_cb(void *arg)
{
    sk_api_ctrl_ready_changed(arg);
}

static void ctrl_resign_cb(void *arg)
{
    sk_broker_t *b = arg;
    if (b->election)
        sk_election_resign(b->election);
}

static const sk_election_cbs_t election_cbs = {
    became_controller_cb, resigned_cb, controller_changed_cb,
};

/* ---- ZooKeeper session ---- */

static sk_zkb_reg_t registration(sk_broker_t *b)
{
    sk_zkb_reg_t reg;
    reg.broker_id = b->id;
    reg.endpoints = b->endpoints;
    reg.n_endpoints = b->n_endpoints;
    reg.rack = b->conf->broker_rack;
    return reg;
}

static void started_cb(int rc, const char *cluster_id, int64_t broker_epoch, const char *err,
                       void *arg);
static void reregistered_cb(int rc, int64_t broker_epoch, const char *err, void *arg);

/* Register in ZooKeeper: the whole start-up the first time, the
 * registration alone after a session expiry. */
static void zk_register(sk_broker_t *b)
{
    if (b->zk_retry_ev)
        event_del(b->zk_retry_ev);
    if (b->zk_registering)
        return; /* the one in flight goes on in the current session */
    b->zk_registering = 1;
    sk_zkb_reg_t reg = registration(b);
    if (!b->cluster_id)
        sk_zkb_start(b->zk, &reg, started_cb, b);
    else
        sk_zkb_reregister(b->zk, &reg, reregistered_cb, b);
}

static void zk_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_broker_t *b = arg;
    if (!b->stopping && !b->registered && b->zk && sk_zk_connected(b->zk))
        zk_register(b);
}

/* A registration step met a lost session or a long connection loss: try
 * again in a second (the session event also starts one at once). */
static void zk_retry_later(sk_broker_t *b)
{
    if (b->stopping || b->registered)
        return;
    if (!b->zk_retry_ev)
        b->zk_retry_ev = evtimer_new(b->base, zk_retry_cb, b);
    struct timeval tv = {1, 0};
    evtimer_add(b->zk_retry_ev, &tv);
}

static void started_cb(int rc, const char *cluster_id, int64_t broker_epoch, const char *err,
                       void *arg)
{
    sk_broker_t *b = arg;
    char e[512];
    b->zk_registering = 0;
    if (b->stopping)
        return;
    if (rc == SK_EAGAIN) {
        /* Session lost during start-up: again now if the session is up,
         * else at the next session event. */
        zk_retry_later(b);
        return;
    }
    if (rc != SK_OK) {
        /* The ZooKeeper module logged the reason (one line per event). */
        if (!err)
            sk_error("zk", "start-up failed: %s", sk_strerror(rc));
        sk_broker_stop(b, 1);
        return;
    }
    if (b->zk_timeout_ev)
        event_del(b->zk_timeout_ev);
    free(b->cluster_id);
    b->cluster_id = sk_strdup(cluster_id);
    if (sk_logmgr_set_cluster_id(b->logs, cluster_id, e, sizeof(e)) != SK_OK) {
        sk_error("log", "%s", e);
        sk_broker_stop(b, 1);
        return;
    }
    b->broker_epoch = broker_epoch;
    b->registered = 1;
    b->ctrl = sk_ctrl_new(b->base, b->zk, b->conf, b->id, ctrl_resign_cb, b);
    sk_ctrl_on_ready(b->ctrl, ctrl_ready_cb, b);
    b->election = sk_election_new(b->zk, b->id, &election_cbs, b);
    sk_election_start(b->election);
    if (b->aclzk)
        sk_aclzk_start(b->aclzk);
    sk_quotazk_start(b->quotazk);
    sk_cfgchange_start(b);
    sk_info("broker", "started: cluster id %s, broker epoch %lld", cluster_id,
            (long long)broker_epoch);
}

static void reregistered_cb(int rc, int64_t broker_epoch, const char *err, void *arg)
{
    sk_broker_t *b = arg;
    b->zk_registering = 0;
    if (b->stopping || b->registered)
        return;
    if (rc == SK_EAGAIN) {
        zk_retry_later(b);
        return;
    }
    if (rc != SK_OK) {
        sk_error("zk", "re-registration after session expiry failed: %s",
                 err ? err : sk_strerror(rc));
        sk_broker_stop(b, 1);
        return;
    }
    b->broker_epoch = broker_epoch;
    b->registered = 1;
    if (b->election)
        sk_election_start(b->election);
    sk_control_reload_topic_configs(b);
    if (b->aclzk) /* changes while the session was gone: read them all again */
        sk_aclzk_start(b->aclzk);
    sk_quotazk_start(b->quotazk); /* and client quotas */
    sk_cfgchange_start(b); /* likewise for dynamic configs */
    sk_info("zk", "re-registered after session expiry, broker epoch %lld", (long long)broker_epoch);
}

static void zk_session_cb(sk_zk_event_t ev, void *arg)
{
    sk_broker_t *b = arg;
    if (b->stopping)
        return;
    switch (ev) {
    case SK_ZK_CONNECTED:
        if (!b->registered && !b->cluster_id) {
            sk_info("zk", "connected to ZooKeeper %s (session timeout %d ms)",
                    b->conf->zookeeper_connect, b->conf->zookeeper_session_timeout_ms);
            zk_register(b);
        } else {
            sk_info("zk", "reconnected to ZooKeeper");
        }
        break;
    case SK_ZK_DISCONNECTED:
        sk_warn("zk", "disconnected from ZooKeeper; the client is reconnecting");
        break;
    case SK_ZK_EXPIRED_NEW_SESSION: {
        sk_warn("zk", "ZooKeeper session expired; registering again in a new session");
        b->registered = 0;
        if (b->election)
            sk_election_session_expired(b->election);
        zk_register(b);
        break;
    }
    case SK_ZK_AUTH_FAILED:
        sk_error("zk", "ZooKeeper authentication failed");
        sk_broker_stop(b, 1);
        break;
    }
}

static void zk_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_broker_t *b = arg;
    if (b->registered || b->stopping)
        return;
    sk_error("zk", "could not connect to ZooKeeper %s within zookeeper.connection.timeout.ms "
             "(%d ms)", b->conf->zookeeper_connect, b->conf->zookeeper_connection_timeout_ms);
    sk_broker_stop(b, 1);
}

/* ---- signals and shutdown ---- */

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    sk_broker_t *b = arg;
    if (b->stopping) {
        sk_info("broker", "second signal %d: exiting at once", (int)sig);
        event_base_loopbreak(b->base);
        return;
    }
    if (sk_ctlsd_signal(b, (int)sig, sk_broker_stop))
        return; /* controlled shutdown first; it stops the broker */
    sk_info("broker", "received signal %d: shutting down", (int)sig);
    sk_broker_stop(b, 0);
}

static void deregistered_cb(int rc, void *arg)
{
    sk_broker_t *b = arg;
    if (rc != 0)
        sk_warn("zk", "deregistration returned ZooKeeper code %d", rc);
    else
        sk_info("zk", "deregistered /brokers/ids/%d", b->id);
    b->registered = 0;
    broker_finish_stop(b);
}

static void broker_finish_stop(sk_broker_t *b)
{
    if (b->zk_timeout_ev)
        event_del(b->zk_timeout_ev);
    if (b->zk_retry_ev)
        event_del(b->zk_retry_ev);
    /* Stop the ZooKeeper users, close the session (in-flight completions
     * run now and find them stopped), then free them. */
    if (b->ctrl)
        sk_ctrl_deactivate(b->ctrl);
    if (b->election)
        sk_election_stop(b->election);
    if (b->zk) {
        sk_zk_close(b->zk);
        b->zk = NULL;
    }
    sk_election_free(b->election);
    b->election = NULL;
    sk_ctrl_free(b->ctrl);
    b->ctrl = NULL;
    event_base_loopexit(b->base, NULL);
}

void sk_broker_stop(sk_broker_t *b, int exit_code)
{
    if (b->stopping)
        return;
    b->stopping = 1;
    b->exit_code = exit_code;
    sk_ctlsd_free(b);
    sk_purg_flush(b->parts->produce);
    sk_purg_flush(b->parts->fetch);
    sk_purg_flush(b->parts->meta);
    sk_coord_stop(b->coord);
    sk_fetcher_free(b->fetcher);
    b->fetcher = NULL;
    sk_tbucket_free(b->leader_throttle);
    b->leader_throttle = NULL;
    sk_isr_stop(b);
    if (b->net) {
        sk_net_free(b->net);
        b->net = NULL;
    }
    b->serving = 0;
    if (b->registered && b->zk) {
        sk_zkb_deregister(b->zk, b->id, deregistered_cb, b);
        /* Safety net: do not hang on an unreachable ZooKeeper (the bounded
         * shutdown of skeind(8) counts on 3 s here). */
        struct timeval tv = {3, 0};
        event_base_loopexit(b->base, &tv);
        return;
    }
    broker_finish_stop(b);
}

int sk_broker_exit_code(const sk_broker_t *b)
{
    return b->exit_code;
}

/* ---- construction ---- */

/* Kafka's connection and request limits on the listeners. */
static int setup_limits(sk_net_t *net, const sk_conf_t *conf, char *err, size_t errlen)
{
    sk_ip_override_t *ov = NULL;
    int n_ov = 0;
    char why[160];
    if (sk_conf_ip_overrides(conf->max_connections_per_ip_overrides, &ov, &n_ov, why,
                             sizeof(why)) != SK_OK) { /* checked at load: not reached */
        sk_errf(err, errlen, "max.connections.per.ip.overrides: %s", why);
        return SK_EINVAL;
    }
    sk_net_limits_t lim = {
        .max_connections = conf->max_connections,
        .max_per_ip = conf->max_connections_per_ip,
        .overrides = ov,
        .n_overrides = n_ov,
        .inter_broker = conf->inter_broker_listener_name,
        .idle_ms = conf->connections_max_idle_ms,
        .queued_max_bytes = conf->queued_max_request_bytes,
        .send_buffer_bytes = conf->socket_send_buffer_bytes,
        .receive_buffer_bytes = conf->socket_receive_buffer_bytes,
    };
    int rc = sk_net_set_limits(net, &lim, err, errlen);
    free(ov);
    return rc;
}

static int setup_endpoints(sk_broker_t *b, char *err, size_t errlen)
{
    const sk_conf_t *c = b->conf;
    b->n_endpoints = c->n_advertised_listeners_parsed;
    b->endpoints = sk_calloc((size_t)b->n_endpoints + 1, sizeof(*b->endpoints));
    for (int i = 0; i < b->n_endpoints; i++) {
        const sk_listener_cfg_t *a = &c->advertised_listeners_parsed[i];
        int port = a->port;
        if (port == 0) {
            /* Advertise the port the same-named listener really bound. */
            for (int j = 0; j < c->n_listeners_parsed; j++)
                if (strcmp(c->listeners_parsed[j].name, a->name) == 0)
                    port = sk_net_port(b->net, j);
        }
        if (port <= 0) {
            snprintf(err, errlen, "advertised listener %s has no port", a->name);
            return SK_EINVAL;
        }
        b->endpoints[i].listener = a->name;
        b->endpoints[i].protocol = a->protocol;
        b->endpoints[i].host = a->host;
        b->endpoints[i].port = port;
    }
    if (b->n_endpoints == 0) {
        snprintf(err, errlen, "no advertised listeners");
        return SK_EINVAL;
    }
    return SK_OK;
}

/* The ZooKeeper session, authenticated with zookeeper.digest.file's
 * credentials when it is set, creating znodes with Kafka's secure ACLs under
 * zookeeper.set.acl (main.c has already refused an unreadable file). */
static int open_zookeeper(sk_broker_t *b, struct event_base *base, const sk_conf_t *conf,
                          char *err, size_t errlen)
{
    sk_zkauth_t *za = NULL;
    if (conf->zookeeper_digest_file &&
        sk_zkauth_load(conf->zookeeper_digest_file, &za, err, errlen) != SK_OK)
        return SK_EINVAL;
    sk_zk_auth_t auth = {za ? sk_zkauth_credential(za) : NULL, conf->zookeeper_set_acl};
    if (za)
        sk_info("zk", "authenticating to ZooKeeper as digest user %s; %s ACLs on new znodes",
                sk_zkauth_user(za), conf->zookeeper_set_acl ? "secure" : "open");
    int rc = sk_zk_open_auth(base, conf->zookeeper_connect, conf->zookeeper_session_timeout_ms,
                             &auth, zk_session_cb, b, &b->zk, err, errlen);
    sk_zkauth_free(za);
    return rc;
}

int sk_broker_new(struct event_base *base, const sk_conf_t *conf, sk_broker_t **out, char *err,
                  size_t errlen)
{
    sk_broker_t *b = sk_calloc(1, sizeof(*b));
    int rc;
    b->parts = sk_calloc(1, sizeof(*b->parts));
    b->base = base;
    b->conf = conf;
    b->id = conf->broker_id;
    b->controller_id = -1;
    b->topics = sk_topics_new();
    b->fetcher = sk_fetcher_new(b);
    b->leader_throttle = sk_tbucket_new();
    LIST_INIT(&b->creations);
    b->parts->self = b->id;
    b->parts->min_insync = conf->min_insync_replicas;
    b->parts->topics = b->topics;
    b->parts->produce = sk_purg_new(base, "produce");
    b->parts->fetch = sk_purg_new(base, "fetch");
    b->parts->meta = sk_purg_new(base, "topics");
    b->parts->stopping = &b->stopping;
    b->coord = sk_coord_new(b);
    b->pids = sk_pids_new(b);

    sk_topic_conf_log_defaults(conf, &b->plog_cfg);

    b->io = sk_diskio_new(base, 2);
    rc = sk_logmgr_open(base, b->io, conf->log_dirs.v, conf->log_dirs.n, b->id, &b->plog_cfg,
                        conf->log_flush_scheduler_interval_ms,
                        conf->log_flush_offset_checkpoint_interval_ms, &b->logs, err, errlen);
    if (rc != SK_OK)
        goto fail;
    b->parts->logs = b->logs;
    sk_logmgr_set_moved_cb(b->logs, sk_partition_log_moved, b->parts);
    sk_logmgr_set_retention_check_ms(b->logs, conf->log_retention_check_interval_ms);
    sk_logmgr_set_min_free_bytes(b->logs, conf->log_dir_min_free_bytes, SK_LOGMGR_SPACE_CHECK_MS);
    sk_logmgr_set_offline_cb(b->logs, logdir_offline, b);
    sk_logmgr_set_producer_expiration(b->logs, conf->producer_id_expiration_ms,
                                      conf->producer_id_expiration_check_interval_ms);
    if (conf->log_cleaner_enable)
        sk_logmgr_start_cleaner(b->logs, conf->log_cleaner_threads, conf->log_cleaner_backoff_ms,
                                conf->log_cleaner_dedupe_buffer_size);

    sk_net_listener_t *ls = sk_calloc((size_t)conf->n_listeners_parsed + 1, sizeof(*ls));
    for (int i = 0; i < conf->n_listeners_parsed; i++) {
        ls[i].name = conf->listeners_parsed[i].name;
        ls[i].host = conf->listeners_parsed[i].host;
        ls[i].port = conf->listeners_parsed[i].port;
    }
    rc = sk_net_new(base, ls, conf->n_listeners_parsed, conf->socket_request_max_bytes,
                    sk_dispatch, b, &b->net, err, errlen);
    free(ls);
    if (rc != SK_OK)
        goto fail;
    sk_net_set_file_error_cb(b->net, send_file_failed, b);
    rc = setup_limits(b->net, conf, err, errlen);
    if (rc != SK_OK)
        goto fail;
    rc = setup_endpoints(b, err, errlen);
    if (rc != SK_OK)
        goto fail;
    if (conf->metrics_host) {
        rc = sk_exporter_new(b, conf->metrics_host, conf->metrics_port, &b->metrics, err, errlen);
        if (rc != SK_OK)
            goto fail;
    }

    rc = open_zookeeper(b, base, conf, err, errlen);
    if (rc != SK_OK)
        goto fail;
    if (conf->authorizer_enabled) {
        b->acl = sk_acl_new(conf->super_users, conf->allow_everyone_if_no_acl_found);
        b->aclzk = sk_aclzk_new(b->zk, b->acl, acls_loaded_cb, b);
    }
    sk_cfgchange_subscribe(b, "topics", topic_config_changed, b);
    sk_cfgchange_subscribe(b, "topics", throttle_config_changed, b);
    sk_cfgchange_subscribe(b, "brokers", throttle_config_changed, b);
    b->quota = sk_quota_new(conf->quota_window_num, conf->quota_window_size_seconds * 1000);
    b->quotazk = sk_quotazk_new(b->zk, b->quota);
    sk_cfgchange_subscribe(b, "users", quota_config_changed, b);
    sk_cfgchange_subscribe(b, "clients", quota_config_changed, b);
    sk_cfgchange_subscribe(b, "brokers", broker_config_changed, b);
    sk_isr_start(b);
    b->zk_timeout_ev = evtimer_new(base, zk_timeout_cb, b);
    struct timeval tv = {conf->zookeeper_connection_timeout_ms / 1000,
                         (conf->zookeeper_connection_timeout_ms % 1000) * 1000};
    evtimer_add(b->zk_timeout_ev, &tv);

    b->sigterm_ev = evsignal_new(base, SIGTERM, signal_cb, b);
    b->sigint_ev = evsignal_new(base, SIGINT, signal_cb, b);
    event_add(b->sigterm_ev, NULL);
    event_add(b->sigint_ev, NULL);
    *out = b;
    return SK_OK;
fail:
    sk_broker_free(b);
    return rc;
}

void sk_broker_free(sk_broker_t *b)
{
    if (!b)
        return;
    sk_ctlsd_free(b);
    sk_purg_flush(b->parts->produce);
    sk_purg_flush(b->parts->fetch);
    sk_purg_flush(b->parts->meta);
    sk_coord_free(b->coord);
    b->coord = NULL;
    sk_fetcher_free(b->fetcher);
    b->fetcher = NULL;
    sk_tbucket_free(b->leader_throttle);
    b->leader_throttle = NULL;
    sk_isr_stop(b);
    if (b->net)
        sk_net_free(b->net);
    sk_exporter_free(b->metrics);
    b->metrics = NULL;
    if (b->ctrl)
        sk_ctrl_deactivate(b->ctrl);
    if (b->election)
        sk_election_stop(b->election);
    if (b->zk)
        sk_zk_close(b->zk);
    sk_pids_free(b->pids); /* after the session: its callbacks may still come */
    b->pids = NULL;
    sk_aclzk_free(b->aclzk);
    b->aclzk = NULL;
    sk_cfgchange_free(b);
    sk_quotazk_free(b->quotazk);
    b->quotazk = NULL;
    sk_quota_free(b->quota);
    b->quota = NULL;
    sk_acl_free(b->acl);
    b->acl = NULL;
    sk_election_free(b->election);
    sk_ctrl_free(b->ctrl);
    sk_purg_free(b->parts->produce);
    sk_purg_free(b->parts->fetch);
    sk_purg_free(b->parts->meta);
    b->parts->produce = b->parts->fetch = b->parts->meta = NULL;
    if (b->logs)
        sk_logmgr_close(b->logs);
    if (b->io)
        sk_diskio_free(b->io);
    sk_topics_free(b->topics);
    if (b->zk_timeout_ev)
        event_free(b->zk_timeout_ev);
    if (b->zk_retry_ev)
        event_free(b->zk_retry_ev);
    if (b->sigterm_ev)
        event_free(b->sigterm_ev);
    if (b->sigint_ev)
        event_free(b->sigint_ev);
    sk_broker_clear_live(b);
    free(b->endpoints);
    free(b->cluster_id);
    free(b->parts);
    free(b);
}
