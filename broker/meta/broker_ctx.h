/* broker_ctx.h - the broker's shared state: what this broker knows about
 * itself and the cluster (id, configuration, ZooKeeper session, cluster id,
 * broker epoch, the controller it follows, the live brokers) and the handles
 * of its modules. broker.c (the wiring) fills it at start-up; the modules of
 * broker/ read it. Not for use outside broker/.
 *
 * It lives in meta/ so that every layer above may include it; it includes
 * only headers of meta/ and below, and names the modules above it (replica,
 * group, controller) by opaque pointers (tests/check_layers.py).
 *
 * One owner: the libevent loop thread. ZooKeeper and disk threads reach this
 * state only through messages posted to the loop.
 * @locality loop
 */
#ifndef SK_BROKER_CTX_H
#define SK_BROKER_CTX_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "conf.h"
#include "log.h"
#include "mem.h"
#include "zk.h"
#include "zkbroker.h"
#include "zktopics.h"
#include "election.h"
#include "controller.h"
#include "net/channel.h"
#include "net/net.h"
#include "storage/diskio.h"
#include "storage/logmgr.h"
#include "storage/plog.h"
#include "meta/topics.h"

typedef struct sk_broker_s sk_broker_t;
/* Modules above meta/, reached through the handles below. */
struct sk_fetcher_s;
struct sk_partition_env;
struct event;
typedef struct sk_creation_s sk_creation_t;
typedef struct sk_cfgchange_s sk_cfgchange_t;

/* A live broker as clients should reach it (from UpdateMetadata). */
typedef struct sk_live_ep {
    char *listener, *host;
    int port;
} sk_live_ep_t;

typedef struct sk_live_broker {
    int32_t id;
    char *host;        /* on the inter-broker listener (followers fetch here) */
    int port;
    char *rack;
    sk_live_ep_t *eps; /* every advertised endpoint */
    int n_eps;
} sk_live_broker_t;

struct sk_broker_s {
    struct event_base *base;
    const sk_conf_t *conf;
    int32_t id;
    sk_plog_config_t plog_cfg;   /* defaults for new partition logs */

    sk_diskio_t *io;
    sk_logmgr_t *logs;
    sk_zk_t *zk;
    sk_election_t *election;
    sk_ctrl_t *ctrl;              /* active only on the controller */
    struct sk_fetcher_s *fetcher;        /* follower fetching from leaders */
    struct sk_tbucket *leader_throttle;  /* leader.replication.throttled.rate
                                          * (replica/throttle.h) */
    sk_chan_t *isr_chan;          /* AlterPartition proposals to the controller */
    /* The AlterPartition version proposals use with controller isr_ver_ctl
     * (the highest both sides speak, from its ApiVersions; isr.c), and the
     * controller that ApiVersions question is in flight to (-1: none). */
    int32_t isr_ver_ctl;
    int16_t isr_ver;
    int32_t isr_ver_asking;
    struct event *isr_timer;      /* ISR shrink check */
    int32_t ctrl_epoch_seen;      /* newest controller epoch seen */
    sk_live_broker_t *live;       /* live brokers, from UpdateMetadata */
    int n_live;
    sk_net_t *net;
    sk_topics_t *topics;
    /* What partition.c works with: the topics, the HW checkpoints and the
     * purgatories (acks=all produces, long-polled fetches, topic waits). */
    struct sk_partition_env *parts;  /* replica/partition.h */
    struct sk_coord_s *coord;     /* group coordinator (coord.h) */
    struct sk_pids_s *pids;       /* producer ids for InitProducerId (producer_ids.h) */
    struct sk_exporter_s *metrics; /* /metrics over HTTP, or NULL (metrics/exporter.h) */
    /* With authorizer.class.name: the ACLs and their decisions (meta/acl.h),
     * kept current from ZooKeeper (meta/acl_zk.h); both NULL without. */
    struct sk_acl_s *acl;
    struct sk_aclzk_s *aclzk;
    /* Client quotas (meta/quota.h), kept current from ZooKeeper
     * (meta/quota_zk.h). */
    struct sk_quota_s *quota;
    struct sk_quotazk_s *quotazk;
    /* /config/<type>/<name> kept current through /config/changes
     * (meta/cfgchange.h). */
    sk_cfgchange_t *cfgchange;

    /* Advertised endpoints (ports resolved after binding). */
    sk_zkb_endpoint_t *endpoints;
    int n_endpoints;
    char **endpoint_strs;        /* storage for endpoint strings */

    char *cluster_id;
    int64_t broker_epoch;
    int32_t controller_id;
    int registered;              /* /brokers/ids/<id> is ours */
    int serving;                 /* listeners accepting */
    int stopping;
    int exit_code;

    /* Topic creations waiting for ZooKeeper (auto-create and CreateTopics). */
    LIST_HEAD(, sk_creation_s) creations;

    struct sk_ctlsd_s *ctlsd;     /* controlled shutdown in progress (ctlshutdown.c) */
    struct event *sigterm_ev;
    struct event *sigint_ev;
    struct event *zk_timeout_ev;
    struct event *zk_retry_ev;   /* registration again after SK_EAGAIN */
    int zk_registering;          /* a start-up or registration is in flight */
};

/* --- live brokers (meta/live.c), from UpdateMetadata --- */
/* Where a client that came in on `listener` reaches broker id: its
 * endpoint for that listener (Kafka answers Metadata per listener), or its
 * inter-broker endpoint when it advertises none of that name. 1 found, 0
 * when the broker is not live (this broker is live before the first
 * UpdateMetadata). */
int sk_broker_addr(const sk_broker_t *b, int32_t id, const char *listener, const char **host,
                   int *port);
/* Free the live broker list. */
void sk_broker_clear_live(sk_broker_t *b);

#endif
