/* render.c - the body of a scrape (see exporter.h).
 *
 * One function per family group, in a fixed order: per-topic traffic, the
 * replica manager, the controller, requests, logs, ZooKeeper, sockets,
 * consumer groups. Families whose every sample would be per-topic or
 * per-group are still announced (HELP and TYPE) when empty, so that a
 * scrape always names every family the dashboard uses.
 */
#include "metrics/exporter.h"

#include "apis.h"
#include "controller.h"
#include "group/coord.h"
#include "meta/broker_ctx.h"
#include "meta/quota.h"
#include "metrics.h"
#include "replica/partition.h"
#include "replica/purgatory.h"
#include "storage/logmgr.h"
#include "storage/plog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- per-topic traffic (BrokerTopicMetrics) ---- */

static void render_topics(sk_prom_t *p)
{
    static const struct {
        const char *name, *help;
        size_t off;
    } fam[] = {
        {"kafka_server_brokertopicmetrics_messagesin_total",
         "Records appended by producers to partitions this broker leads.",
         offsetof(sk_met_topic_t, messages_in)},
        {"kafka_server_brokertopicmetrics_bytesin_total",
         "Record batch bytes appended by producers to partitions this broker leads.",
         offsetof(sk_met_topic_t, bytes_in)},
        {"kafka_server_brokertopicmetrics_bytesout_total",
         "Record bytes sent to consumers (follower fetches are not counted).",
         offsetof(sk_met_topic_t, bytes_out)},
    };
    size_t n;
    sk_met_topic_t **v = sk_met_topics_sorted(&n);
    for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
        sk_prom_family(p, fam[f].name, "counter", fam[f].help);
        for (size_t i = 0; i < n; i++) {
            sk_prom_label_t l = {"topic", v[i]->name};
            const uint64_t *c = (const uint64_t *)((const char *)v[i] + fam[f].off);
            sk_prom_u64(p, fam[f].name, &l, 1, *c);
        }
    }
    free(v);
    sk_prom_family(p, "kafka_server_brokertopicmetrics_replicationbytesin_total", "counter",
                   "Record batch bytes this broker appended as a follower.");
    sk_prom_u64(p, "kafka_server_brokertopicmetrics_replicationbytesin_total", NULL, 0,
                sk_met.replication_bytes_in);
    sk_prom_family(p, "kafka_server_brokertopicmetrics_replicationbytesout_total", "counter",
                   "Record bytes sent to followers.");
    sk_prom_u64(p, "kafka_server_brokertopicmetrics_replicationbytesout_total", NULL, 0,
                sk_met.replication_bytes_out);
}

/* ---- partitions: replica manager gauges and log sizes ---- */

typedef struct part_sums {
    sk_broker_t *b;
    sk_prom_t *p;
    int pass;             /* 0: count; 1: log size; 2: log end; 3: log start */
    int64_t partitions, leaders, under_replicated, under_min_isr;
} part_sums_t;

static void part_topic(sk_topic_t *t, void *arg)
{
    part_sums_t *s = arg;
    for (int i = 0; i < t->n_partitions; i++) {
        sk_partition_t *pt = &t->partitions[i];
        if (!pt->log)
            continue;
        if (s->pass == 0) {
            s->partitions++;
            if (sk_partition_is_leader(s->b->parts, pt)) {
                s->leaders++;
                if (pt->n_isr < pt->n_replicas)
                    s->under_replicated++;
                if (pt->n_isr < sk_partition_min_insync(s->b->parts, pt))
                    s->under_min_isr++;
            }
            continue;
        }
        char id[16];
        snprintf(id, sizeof(id), "%d", (int)pt->id);
        sk_prom_label_t l[2] = {{"topic", t->name}, {"partition", id}};
        int64_t v = s->pass == 1 ? sk_plog_size_bytes(pt->log)
                  : s->pass == 2 ? sk_plog_end_offset(pt->log)
                                 : sk_plog_start_offset(pt->log);
        static const char *const names[] = {NULL, "kafka_log_log_size",
                                            "kafka_log_log_logendoffset",
                                            "kafka_log_log_logstartoffset"};
        sk_prom_i64(s->p, names[s->pass], l, 2, v);
    }
}

static void gauge(sk_prom_t *p, const char *name, const char *help, int64_t v)
{
    sk_prom_family(p, name, "gauge", help);
    sk_prom_i64(p, name, NULL, 0, v);
}

static void counter(sk_prom_t *p, const char *name, const char *help, uint64_t v)
{
    sk_prom_family(p, name, "counter", help);
    sk_prom_u64(p, name, NULL, 0, v);
}

static void render_partitions(sk_broker_t *b, sk_prom_t *p)
{
    part_sums_t s = {b, p, 0, 0, 0, 0, 0};
    sk_topics_foreach(b->topics, part_topic, &s);
    gauge(p, "kafka_server_replicamanager_partitioncount",
          "Partitions with a replica on this broker.", s.partitions);
    gauge(p, "kafka_server_replicamanager_leadercount", "Partitions this broker leads.",
          s.leaders);
    gauge(p, "kafka_server_replicamanager_underreplicatedpartitions",
          "Partitions this broker leads whose ISR is smaller than their replica set.",
          s.under_replicated);
    gauge(p, "kafka_server_replicamanager_underminisrpartitioncount",
          "Partitions this broker leads whose ISR is smaller than min.insync.replicas.",
          s.under_min_isr);
    counter(p, "kafka_server_replicamanager_isrshrinks_total",
            "ISR shrinks accepted by the controller for partitions this broker leads.",
            sk_met.isr_shrinks);
    counter(p, "kafka_server_replicamanager_isrexpands_total",
            "ISR expansions accepted by the controller for partitions this broker leads.",
            sk_met.isr_expands);
    static const char *const help[] = {
        NULL, "Bytes of the partition's segment files on this broker.",
        "The partition's log end offset on this broker.",
        "The partition's log start offset on this broker."};
    static const char *const names[] = {NULL, "kafka_log_log_size", "kafka_log_log_logendoffset",
                                        "kafka_log_log_logstartoffset"};
    for (s.pass = 1; s.pass <= 3; s.pass++) {
        sk_prom_family(p, names[s.pass], "gauge", help[s.pass]);
        sk_topics_foreach(b->topics, part_topic, &s);
    }
}

/* ---- delayed operations ---- */

static void render_purgatories(sk_broker_t *b, sk_prom_t *p)
{
    const char *n = "kafka_server_delayedoperationpurgatory_purgatorysize";
    sk_prom_family(p, n, "gauge",
                   "Requests waiting: acks=all produces (Produce), long-polled fetches (Fetch), "
                   "CreateTopics and DeleteTopics (topic).");
    if (!b->parts)
        return;
    const struct {
        const char *op;
        const sk_purg_t *pg;
    } v[] = {{"Produce", b->parts->produce}, {"Fetch", b->parts->fetch}, {"topic", b->parts->meta}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        if (!v[i].pg)
            continue;
        sk_prom_label_t l = {"delayedoperation", v[i].op};
        sk_prom_i64(p, n, &l, 1, sk_purg_count(v[i].pg));
    }
}

/* ---- controller ---- */

static void render_controller(sk_broker_t *b, sk_prom_t *p)
{
    int offline = 0, imbalance = 0, active = b->ctrl && sk_ctrl_active(b->ctrl);
    if (active)
        sk_ctrl_partition_counts(b->ctrl, &offline, &imbalance);
    gauge(p, "kafka_controller_kafkacontroller_activecontrollercount",
          "1 on the broker that is the active controller, else 0.", active);
    gauge(p, "kafka_controller_kafkacontroller_offlinepartitionscount",
          "Partitions without a live leader (reported by the active controller).", offline);
    gauge(p, "kafka_controller_kafkacontroller_preferredreplicaimbalancecount",
          "Partitions not led by their preferred replica (reported by the active controller).",
          imbalance);
}

/* ---- requests ---- */

static void render_requests(sk_prom_t *p)
{
    const char *name = "kafka_network_requestmetrics_requests_total";
    sk_prom_family(p, name, "counter", "Requests read, by API and version.");
    for (int a = 0; a < SK_MET_MAX_API; a++)
        for (int v = 0; v < SK_MET_MAX_VERSION; v++) {
            if (!sk_met.requests[a][v])
                continue;
            char ver[8];
            snprintf(ver, sizeof(ver), "%d", v);
            sk_prom_label_t l[2] = {{"request", sk_api_name((int16_t)a)}, {"version", ver}};
            sk_prom_u64(p, name, l, 2, sk_met.requests[a][v]);
        }
    static const struct {
        const char *name, *help;
    } ph[SK_MET_REQ_NPHASES] = {
        [SK_MET_REQ_TOTAL] = {"kafka_network_requestmetrics_totaltimems",
                              "Milliseconds from a request's last byte read to its response's "
                              "last byte written, by API."},
        [SK_MET_REQ_LOCAL] = {"kafka_network_requestmetrics_localtimems",
                              "Milliseconds the request's handler ran on the event loop, by API."},
        [SK_MET_REQ_REMOTE] = {"kafka_network_requestmetrics_remotetimems",
                               "Milliseconds a request waited after its handler (purgatory, "
                               "ZooKeeper, the group coordinator), by API; only requests that "
                               "waited."},
        [SK_MET_REQ_SEND] = {"kafka_network_requestmetrics_responsesendtimems",
                             "Milliseconds from queueing a response to its last byte written, "
                             "by API."},
    };
    for (int f = 0; f < SK_MET_REQ_NPHASES; f++) {
        sk_prom_family(p, ph[f].name, "histogram", ph[f].help);
        for (int a = 0; a < SK_MET_MAX_API; a++) {
            if (!sk_met.req_time[a][f].count)
                continue;
            sk_prom_label_t l = {"request", sk_api_name((int16_t)a)};
            sk_prom_hist(p, ph[f].name, &l, 1, &sk_met.req_time[a][f]);
        }
    }
}

/* ---- log flush, ZooKeeper, sockets ---- */

static void render_misc(sk_broker_t *b, sk_prom_t *p)
{
    const char *n = "kafka_log_logflushstats_logflushrateandtimems";
    sk_prom_family(p, n, "histogram", "Milliseconds per partition log flush (fsync).");
    sk_prom_hist(p, n, NULL, 0, &sk_met.log_flush);

    n = "kafka_server_zookeeperclientmetrics_zookeeperrequestlatencyms";
    sk_prom_family(p, n, "histogram",
                   "Milliseconds from a ZooKeeper request to its completion on the event loop.");
    sk_prom_hist(p, n, NULL, 0, &sk_met.zk_latency);

    n = "kafka_server_sessionexpirelistener_sessionstate";
    sk_prom_family(p, n, "gauge", "ZooKeeper session state: 1 for the current state, else 0.");
    static const char *const states[] = {"CONNECTING", "CONNECTED", "EXPIRED", "AUTH_FAILED"};
    for (int i = 0; i < 4; i++) {
        sk_prom_label_t l = {"state", states[i]};
        sk_prom_i64(p, n, &l, 1, sk_met.zk_state == i);
    }
    counter(p, "kafka_server_sessionexpirelistener_zookeeperdisconnects_total",
            "ZooKeeper connection losses.", sk_met.zk_disconnects);
    counter(p, "kafka_server_sessionexpirelistener_zookeeperexpires_total",
            "ZooKeeper session expiries.", sk_met.zk_expires);

    n = "kafka_server_socket_server_metrics_connection_count";
    sk_prom_family(p, n, "gauge", "Open client connections, by listener.");
    for (int i = 0; i < sk_net_listener_count(b->net); i++) {
        sk_prom_label_t l = {"listener", sk_net_listener_name(b->net, i)};
        sk_prom_i64(p, n, &l, 1, sk_net_listener_conns(b->net, i));
    }
    static const struct {
        const char *name, *help;
    } auth[2] = {
        {"kafka_server_socket_server_metrics_successful_authentication_total",
         "SASL authentications that succeeded, by listener."},
        {"kafka_server_socket_server_metrics_failed_authentication_total",
         "SASL authentications refused (bad credentials, unknown mechanism), by listener."},
    };
    for (int f = 0; f < 2; f++) {
        sk_prom_family(p, auth[f].name, "counter", auth[f].help);
        for (int i = 0; i < sk_net_listener_count(b->net); i++) {
            uint64_t ok, failed;
            sk_net_listener_auth(b->net, i, &ok, &failed);
            sk_prom_label_t l = {"listener", sk_net_listener_name(b->net, i)};
            sk_prom_u64(p, auth[f].name, &l, 1, f == 0 ? ok : failed);
        }
    }
}

/* ---- client quotas (meta/quota.h) ---- */

static void render_quotas(sk_broker_t *b, sk_prom_t *p)
{
    if (!b->quota)
        return;
    static const char *const kinds[SK_QUOTA_KINDS] = {"produce", "fetch", "request"};
    static const struct {
        const char *name, *help;
    } fam[2] = {
        {"kafka_server_quota_throttled_total",
         "Responses whose client was over its quota (throttle_time_ms > 0), by quota."},
        {"kafka_server_quota_throttle_time_seconds_total",
         "Seconds of throttle time handed to clients over their quota, by quota."},
    };
    for (int f = 0; f < 2; f++) {
        sk_prom_family(p, fam[f].name, "counter", fam[f].help);
        for (int k = 0; k < SK_QUOTA_KINDS; k++) {
            uint64_t n, ms;
            sk_quota_throttled(b->quota, (sk_quota_kind_t)k, &n, &ms);
            sk_prom_label_t l = {"quota", kinds[k]};
            if (f == 0)
                sk_prom_u64(p, fam[f].name, &l, 1, n);
            else /* base units, as Prometheus names want (promtool lints _ms) */
                sk_prom_f64(p, fam[f].name, &l, 1, (double)ms / 1000.0);
        }
    }
    gauge(p, "kafka_server_quota_entities", "Quota entities (users, client ids) with a quota.",
          sk_quota_count(b->quota));
}

/* ---- log dirs: state and the space guard (log.dir.min.free.bytes) ---- */

static void render_logdirs(sk_broker_t *b, sk_prom_t *p)
{
    if (!b->logs)
        return;
    int n = sk_logmgr_dir_count(b->logs), offline = 0;
    static const struct {
        const char *name, *type, *help;
    } fam[5] = {
        {"kafka_log_logmanager_logdirectoryoffline", "gauge",
         "1 when the log dir is offline (an I/O error), else 0."},
        {"skein_log_logdirectorylowspace", "gauge",
         "1 while the log dir's free space is below log.dir.min.free.bytes (produce refused), "
         "else 0."},
        {"skein_log_logdirectoryfreebytes", "gauge",
         "Usable bytes in the log dir's filesystem (last sample minus appends since)."},
        {"skein_log_logdirectoryminfreebytes", "gauge",
         "log.dir.min.free.bytes in force for the log dir."},
        {"skein_log_logdirectoryrefusedappends_total", "counter",
         "Appends refused because the log dir was low on space or offline."},
    };
    for (int f = 0; f < 5; f++) {
        sk_prom_family(p, fam[f].name, fam[f].type, fam[f].help);
        for (int i = 0; i < n; i++) {
            sk_prom_label_t l = {"logdirectory", sk_logmgr_dir_path(b->logs, i)};
            sk_logdir_state_t st = sk_logmgr_dir_state(b->logs, i);
            int64_t free_est, min_free;
            uint64_t refused;
            sk_logmgr_dir_guard(b->logs, i, &free_est, &min_free, &refused);
            if (f == 0 && st == SK_LOGDIR_OFFLINE)
                offline++;
            if (f == 4)
                sk_prom_u64(p, fam[f].name, &l, 1, refused);
            else
                sk_prom_i64(p, fam[f].name, &l, 1,
                            f == 0 ? st == SK_LOGDIR_OFFLINE
                            : f == 1 ? st == SK_LOGDIR_LOW_SPACE
                            : f == 2 ? free_est : min_free);
        }
    }
    gauge(p, "kafka_log_logmanager_offlinelogdirectorycount", "Log dirs offline.", offline);
}

/* ---- consumer groups this broker coordinates ---- */

typedef struct group_ctx {
    sk_broker_t *b;
    sk_prom_t *p;
    int pass;  /* 0 lag, 1 committed offset, 2 members, 3 state */
} group_ctx_t;

static void group_one(sk_group_t *g, void *arg)
{
    group_ctx_t *x = arg;
    if (g->state == SK_GSTATE_DEAD)
        return;
    if (x->pass == 2) {
        sk_prom_label_t l = {"group", g->id};
        sk_prom_i64(x->p, "kafka_consumergroup_members", &l, 1, g->n_members);
        return;
    }
    if (x->pass == 3) {
        sk_prom_label_t l[2] = {{"group", g->id}, {"state", sk_gstate_name(g->state)}};
        sk_prom_i64(x->p, "kafka_consumergroup_state", l, 2, 1);
        return;
    }
    for (int i = 0; i < g->n_offsets; i++) {
        const sk_goffset_t *o = &g->offsets[i];
        char id[16];
        snprintf(id, sizeof(id), "%d", (int)o->partition);
        sk_prom_label_t l[3] = {{"group", g->id}, {"topic", o->topic}, {"partition", id}};
        if (x->pass == 1) {
            sk_prom_i64(x->p, "kafka_consumergroup_current_offset", l, 3, o->offset);
            continue;
        }
        /* Lag against the high watermark, as Kafka's lag exporters
         * compute it: this broker's own where it holds a replica (a
         * follower's trails the leader's by one fetch), else the leader's
         * as it last answered (lagpoll.h); none while unknown. */
        const sk_partition_t *pt = sk_topics_partition(x->b->topics, o->topic,
                                                       (int32_t)strlen(o->topic), o->partition);
        int64_t hw;
        if (pt && pt->log)
            hw = pt->high_watermark;
        else if (!sk_exporter_remote_hw(x->b->metrics, o->topic, o->partition, &hw))
            continue;
        int64_t lag = hw - o->offset;
        sk_prom_i64(x->p, "kafka_consumergroup_lag", l, 3, lag > 0 ? lag : 0);
    }
}

static void render_groups(sk_broker_t *b, sk_prom_t *p)
{
    static const struct {
        const char *name, *help;
    } fam[] = {
        {"kafka_consumergroup_lag",
         "High watermark minus the committed offset, for groups this broker coordinates (the "
         "high watermark of a partition led elsewhere as of the previous scrape)."},
        {"kafka_consumergroup_current_offset",
         "Committed offset, for groups this broker coordinates."},
        {"kafka_consumergroup_members", "Members of a group this broker coordinates."},
        {"kafka_consumergroup_state",
         "1 with the state of a group this broker coordinates (Empty, PreparingRebalance, "
         "CompletingRebalance, Stable)."},
    };
    group_ctx_t x = {b, p, 0};
    for (x.pass = 0; x.pass < 4; x.pass++) {
        sk_prom_family(p, fam[x.pass].name, "gauge", fam[x.pass].help);
        if (b->coord)
            (void)sk_coord_foreach_group(b->coord, group_one, &x); /* loading ones: later */
    }
}

void sk_metrics_render(sk_broker_t *b, sk_prom_t *p)
{
    render_topics(p);
    render_partitions(b, p);
    render_purgatories(b, p);
    render_controller(b, p);
    render_requests(p);
    render_misc(b, p);
    render_quotas(b, p);
    render_logdirs(b, p);
    render_groups(b, p);
}
