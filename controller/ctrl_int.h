/* ctrl_int.h - the controller's insides, shared by its source files (private).
 *
 * Only for controller/controller.c (cluster state, state writes, deletion,
 * work, lifecycle), controller/ctrl_send.c (LeaderAndIsr and UpdateMetadata
 * to brokers) and controller/ctrl_elect.c (controlled shutdown, leader
 * elections on request, auto rebalance, /admin/preferred_replica_election).
 * Nothing outside controller/ includes it: the API is controller.h.
 * @locality loop
 */
#ifndef SK_CTRL_INT_H
#define SK_CTRL_INT_H
#include <stdint.h>

#include <event2/event.h>

#include "net/channel.h"
#include "conf.h"
#include "controller.h"
#include "znode.h"
#include "zktopics.h"

#define EPOCH_PATH "/controller_epoch"

typedef struct cbroker {
    int32_t id;
    int64_t epoch;       /* czxid of its registration: the broker epoch */
    char *host;          /* inter-broker endpoint */
    int port;
    char *rack;
    sk_znode_broker_t reg; /* decoded registration (all endpoints) */
} cbroker_t;

typedef struct cpart {
    int32_t id;
    int32_t *replicas;
    int n_replicas;
    int has_state;
    int32_t leader;
    int32_t leader_epoch;
    int32_t ctrl_epoch;
    int32_t zk_version;
    int32_t *isr;
    int n_isr;
    int writing;         /* a state write is in flight */
    int changed;         /* to be sent to brokers */
    int is_new;          /* first state written by us: replicas create their logs */
    /* Reassignment (reassign.c): replicas is the full set RS; adding = RS -
     * original, removing = RS - target (as in the topic node). */
    int32_t *adding;
    int n_adding;
    int32_t *removing;
    int n_removing;
    int ra_step;         /* ctrl_ra_step_t */
    int node_wait;       /* its step waits for the topic node write in flight */
    int32_t *dropped;    /* replicas to stop and delete once the node is written */
    int n_dropped;
    int sync_wait;       /* our node write is not yet in the watcher's snapshot */
} cpart_t;

typedef struct ctopic {
    char *name;
    char *topic_id;
    cpart_t *parts;
    int n_parts;
    int deleting;        /* marked in /admin/delete_topics */
    int delete_started;  /* StopReplica sent, znodes being removed */
    int delete_paused_logged;
    int64_t grown_ms;    /* mono ms when partitions were last added */
    int held;            /* this work round: not announced yet (see ctrl_work_cb) */
    int node_dirty;      /* reassignment: the topic node must be rewritten */
    int node_writing;    /* reassignment: a topic node write is in flight */
    /* the topic node's zkVersion as the last snapshot read it (our own
     * write moves it on); a node write is conditional on it, so that a
     * concurrent writer (CreatePartitions, a tool) is detected instead of
     * overwritten. node_conflict: the version a write was refused at; no
     * new write until a snapshot shows another one. -1: none. */
    int32_t node_version;
    int32_t node_conflict;
} ctopic_t;

struct sk_ctrl_s {
    struct event_base *base;
    sk_zk_t *zk;
    const sk_conf_t *conf;
    int32_t self;
    void (*resign)(void *arg);
    void *resign_arg;
    void (*ready_fn)(void *arg); /* told when sk_ctrl_ready() changes */
    void *ready_arg;
    int ready_told;              /* the last value it was told */
    int ready_logged;            /* "cluster loaded" said since activation */
    int64_t brokers_list_ms;     /* mono ms the listing in flight was issued */
    int64_t brokers_read_ms;     /* ... and that of the list we hold */

    int active;
    uint32_t gen;        /* bumped on (de)activation: stale callbacks see it */
    int32_t epoch;
    int32_t epoch_zkversion;
    sk_chan_t *chan;
    sk_zkt_watcher_t *topics_watch;

    cbroker_t *brokers;  /* live brokers, sorted by id */
    int n_brokers;
    int brokers_loaded;
    int topics_loaded;
    int brokers_listing; /* a children read is in flight */
    int brokers_relist;  /* the watch fired meanwhile: list again after */
    struct event *brokers_retry;

    ctopic_t **topics;
    int n_topics;

    struct event *work_ev;    /* deferred reconcile + send */
    struct event *work_retry_ev; /* the work again after a failed ZooKeeper write */
    struct ctl_op **batch;    /* partition-state writes of this loop turn, not yet sent */
    int n_batch, cap_batch;
    struct event *batch_ev;   /* sends them, in multi-ops, at the end of the turn */
    int prefer_retry;            /* re-check /admin/preferred_replica_election then */
    int64_t write_fail_logged_ms; /* last "writing the state ... failed" line */
    int write_fail_skipped;       /* failed writes not logged since */
    int full_sync;            /* send everything to every broker */
    int32_t *sync_brokers;    /* brokers that need a full sync (new or bounced) */
    int n_sync_brokers;

    int32_t *shutting;        /* brokers in controlled shutdown: no leader candidates */
    int n_shutting;
    int inflight;             /* control requests sent and not yet answered */
    struct event *rebalance_ev; /* auto leader rebalance check */
    struct sk_reassign_list *ra_zk; /* partitions listed in /admin/reassign_partitions */
    int ra_zk_check;          /* read it (again) once the cluster is loaded */
    int ra_zk_writing;        /* a rewrite or delete of it is in flight */
    int ra_zk_dirty;          /* rewrite again after it */
    struct ra_waiter *ra_waiters; /* AlterPartitionReassignments awaiting node writes */
    struct ctrl_logdir *logdir; /* replicas in failed log dirs (logdir_event.c) */
};

/* logdir_event.c: /log_dir_event_notification and the replicas that a
 * broker's LeaderAndIsr answer says are in an offline log dir */
void ctrl_logdir_start(sk_ctrl_t *c);
int ctrl_replica_offline(sk_ctrl_t *c, const char *topic, int32_t partition, int32_t broker);
void ctrl_logdir_lai_answer(sk_ctrl_t *c, int32_t broker, int64_t broker_epoch,
                            const uint8_t *body, size_t len);
void ctrl_logdir_free(sk_ctrl_t *c);

/* controller.c */
/* sk_ctrl_ready() may have changed: tell the broker (sk_ctrl_on_ready). */
void ctrl_tell_ready(sk_ctrl_t *c);
int ctrl_contains(const int32_t *v, int n, int32_t x);
cbroker_t *ctrl_live_broker(sk_ctrl_t *c, int32_t id);
/* A replica that can serve: its broker is live and its log dir is not
 * offline (logdir_event.c). UpdateMetadata's OfflineReplicas are the others. */
int ctrl_replica_up(sk_ctrl_t *c, const ctopic_t *t, const cpart_t *p, int32_t id);
/* Live and not in controlled shutdown. */
int ctrl_candidate(sk_ctrl_t *c, int32_t id);
ctopic_t *ctrl_find_topic(sk_ctrl_t *c, const char *name);
/* Write a partition state, fenced by our controller epoch; done (may be
 * NULL) runs once the write is answered. */
void ctrl_write_state_cb(sk_ctrl_t *c, ctopic_t *t, cpart_t *p, int32_t leader,
                         const int32_t *isr, int n_isr, int32_t leader_epoch, int create,
                         sk_ctrl_alter_done_fn done, void *done_arg);
void ctrl_write_state(sk_ctrl_t *c, ctopic_t *t, cpart_t *p, int32_t leader,
                      const int32_t *isr, int n_isr, int32_t leader_epoch, int create);
/* The deferred work (reconcile, then tell the brokers); called directly to
 * do it now. */
void ctrl_work_cb(evutil_socket_t fd, short what, void *arg);
/* Run the work again in a second: a ZooKeeper write or read failed without
 * an answer (connection loss) and nothing else would retry it. */
void ctrl_work_later(sk_ctrl_t *c);

/* ctrl_send.c */
/* LeaderAndIsr to one broker for the partitions it replicates (only the
 * changed ones unless full). */
void ctrl_send_leader_and_isr(sk_ctrl_t *c, const cbroker_t *b, int full);
/* UpdateMetadata to one broker: live brokers plus partition states (all of
 * them when full, else the changed ones). */
void ctrl_send_update_metadata(sk_ctrl_t *c, const cbroker_t *b, int full);
/* StopReplica with delete to one broker for partitions parts[0..n) of topic,
 * each at its leader epoch (SK_STOPREPLICA_EPOCH_DURING_DELETE for topic
 * deletion). done(arg) gets the answer; with done NULL the request only
 * counts in c->inflight until answered. SK_OK when sent. */
int ctrl_send_stop_replica(sk_ctrl_t *c, const cbroker_t *b, const char *topic,
                           const int32_t *parts, const int32_t *leader_epochs, int n,
                           sk_chan_cb done, void *arg);

/* reassign.c: where a partition's reassignment stands (spec §4.9). */
typedef enum ctrl_ra_step {
    RA_NONE = 0,       /* no reassignment */
    RA_NODE_WRITE,     /* the topic node gets RS, adding, removing */
    RA_BUMP,           /* the state gets a new leader epoch (LeaderAndIsr to RS) */
    RA_CATCHUP,        /* waiting until every target replica is in the ISR */
    RA_SHRINK,         /* the state gets a leader in the target, ISR within it */
    RA_FINISH,         /* the topic node gets the target; removed replicas stop */
    RA_STEP_COUNT
} ctrl_ra_step_t;
const char *ctrl_ra_step_name(int step);
/* Activation: watch /admin/reassign_partitions and act on it. */
void ctrl_reassign_check(sk_ctrl_t *c);
/* The work round: advance p's reassignment; then write dirty topic nodes. */
void ctrl_reassign_step(sk_ctrl_t *c, ctopic_t *t, cpart_t *p);
void ctrl_reassign_flush(sk_ctrl_t *c);
/* The topic snapshot: take ZooKeeper's adding/removing unless a write of
 * ours is pending. */
void ctrl_reassign_merge(sk_ctrl_t *c, ctopic_t *t, cpart_t *p, const sk_zk_partition_t *zp);
void ctrl_reassign_free(cpart_t *p);
void ctrl_reassign_clear(sk_ctrl_t *c);

/* ctrl_elect.c */
/* The auto leader rebalance timer (auto.leader.rebalance.enable). */
void ctrl_rebalance_cb(evutil_socket_t fd, short what, void *arg);
/* Exists-watch /admin/preferred_replica_election; when present, act on it. */
void ctrl_prefer_check(sk_ctrl_t *c);

#endif
