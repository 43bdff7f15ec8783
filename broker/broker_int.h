/* broker_int.h - the broker's state, shared by the broker's own modules
 * (startup, dispatch, API handlers). Not for use outside broker/.
 *
 * One owner: the libevent loop thread. ZooKeeper and disk threads reach this
 * state only through messages posted to the loop.
 * @locality loop
 */
#ifndef SK_BROKER_INT_H
#define SK_BROKER_INT_H
#include <stdint.h>
#include <sys/queue.h>

#include "broker.h"
#include "conf.h"
#include "net/net.h"
#include "meta/topics.h"
#include "log.h"
#include "storage/plog.h"
#include "mem.h"
#include <stdlib.h>
#include <string.h>
#include "storage/diskio.h"
#include "storage/logmgr.h"
#include "zk.h"
#include "zkbroker.h"
#include "zktopics.h"
#include "election.h"
#include "controller.h"
#include "replica/fetcher.h"
#include "replica/isr.h"
#include "net/channel.h"
#include "replica/partition.h"
#include "replica/purgatory.h"

struct event;
typedef struct sk_creation_s sk_creation_t;

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
    sk_fetcher_t *fetcher;        /* follower fetching from leaders */
    sk_chan_t *isr_chan;          /* AlterPartition proposals to the controller */
    struct event *isr_timer;      /* ISR shrink check */
    int32_t ctrl_epoch_seen;      /* newest controller epoch seen */
    sk_live_broker_t *live;       /* live brokers, from UpdateMetadata */
    int n_live;
    sk_net_t *net;
    sk_topics_t *topics;
    /* What partition.c works with: the topics, the HW checkpoints and the
     * purgatories (acks=all produces, long-polled fetches, topic waits). */
    sk_partition_env_t parts;
    struct sk_coord_s *coord;     /* group coordinator (coord.h) */
    struct sk_pids_s *pids;       /* producer ids for InitProducerId (producer_ids.h) */

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

/* --- dispatch.c --- */
int sk_dispatch(void *arg, sk_req_t *req);

/* --- API handlers (api_*.c): decode, act, encode the response body into
 * req->resp. Return SK_REQ_DONE / SK_REQ_PENDING / SK_REQ_CLOSE. --- */
struct sk_rd;
int sk_api_apiversions(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_metadata(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_produce(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_fetch(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_listoffsets(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_createtopics(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_leaderandisr(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_updatemetadata(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_stopreplica(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_deletetopics(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_createpartitions(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_describecluster(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_alterpartition(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_controlledshutdown(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
/* Read every topic's /config/topics overrides again for the topics with a
 * log here (after a new ZooKeeper session: a read the old one lost, and
 * changes made meanwhile). */
void sk_control_reload_topic_configs(sk_broker_t *b);
int sk_api_electleaders(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_describeconfigs(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_offsetforleaderepoch(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);

/* group APIs (api_group.c) */
int sk_api_findcoordinator(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_joingroup(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_syncgroup(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_heartbeat(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_leavegroup(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_offsetcommit(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_offsetfetch(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_listgroups(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_describegroups(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_deletegroups(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_offsetdelete(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_initproducerid(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);

/* A malformed body: one log line; returns SK_REQ_CLOSE. */
int sk_api_malformed(sk_req_t *req);
/* Where a client that came in on `listener` reaches broker id: its
 * endpoint for that listener (Kafka answers Metadata per listener), or its
 * inter-broker endpoint when it advertises none of that name. 1 found, 0
 * when the broker is not live (this broker is live before the first
 * UpdateMetadata). */
int sk_broker_addr(const sk_broker_t *b, int32_t id, const char *listener, const char **host,
                   int *port);
/* Free the live broker list. */
void sk_broker_clear_live(sk_broker_t *b);

/* Copy a finished sk_wr_t body into req->resp. */
struct sk_wr;
void sk_req_set_body(sk_req_t *req, struct sk_wr *w);
/* Encode resp (the generated response struct of req's API, proto_gen.h) at
 * the request's version as the body: SK_REQ_DONE, or, when the struct cannot
 * be encoded, one error line and SK_REQ_CLOSE (nothing is sent). */
int sk_req_respond(sk_req_t *req, const void *resp);

/* --- topic creation (topic_create.c) --- */
typedef void (*sk_create_done_fn)(int16_t kerr, const char *msg, void *arg);
/* Validate and start creating a topic in ZooKeeper. Returns SK_KERR_NONE if
 * started (done runs later on the loop), or a Kafka error code with *msg set
 * (static or arena text) if refused at once; done is not called then.
 * replicas: explicit assignment [partition][replica] or NULL. */
int16_t sk_topic_create(sk_broker_t *b, const char *name, int32_t partitions, int16_t rf,
                        int32_t *const *assignment, const int32_t *assignment_sizes,
                        char *const *config_keys, char *const *config_values, int n_configs,
                        int validate_only, const char **msg, sk_create_done_fn done, void *arg);
/* Is a creation of this topic in flight? */
int sk_topic_creating(sk_broker_t *b, const char *name, int32_t len);
/* The topic id (Kafka's base64 uuid) of a creation in flight, NULL if none. */
const char *sk_topic_creation_id(sk_broker_t *b, const char *name);

#endif
