/* controller.h - the controller: cluster state and the decisions Kafka's
 * ZooKeeper-mode controller makes.
 *
 * Active only on the broker that won the election. It watches the live
 * brokers (/brokers/ids) and the topics (/brokers/topics, partition states,
 * /admin/delete_topics); gives new partitions their first leader; moves
 * leadership to a live in-sync replica when a leader's broker dies (unclean
 * election stays off unless enabled); and tells every broker with
 * LeaderAndIsr and UpdateMetadata. Every ZooKeeper write it makes is a multi
 * that first checks the /controller_epoch version it won with, so a deposed
 * controller cannot write; a failed check makes it resign.
 * @locality loop
 */
#ifndef SK_CONTROLLER_H
#define SK_CONTROLLER_H
#include <stdint.h>

#include "zk.h"

struct event_base;
struct sk_conf;
typedef struct sk_ctrl_s sk_ctrl_t;

/* resign: called when a fenced write shows another controller took over. */
sk_ctrl_t *sk_ctrl_new(struct event_base *base, sk_zk_t *zk, const struct sk_conf *conf,
                       int32_t self_id, void (*resign)(void *arg), void *arg);
void sk_ctrl_activate(sk_ctrl_t *c, int32_t epoch, int32_t epoch_zkversion);
void sk_ctrl_deactivate(sk_ctrl_t *c);
int sk_ctrl_active(const sk_ctrl_t *c);
/* The controller's configuration changed at run time (a dynamic broker
 * config such as unclean.leader.election.enable): an active controller
 * goes over every partition at once, as Kafka's does, so partitions
 * without a leader get one if the new setting allows it. */
void sk_ctrl_config_changed(sk_ctrl_t *c);
/* For /metrics (Kafka's KafkaController gauges), as the active controller
 * sees the cluster; both 0 on a broker that is not the controller.
 * offline: partitions with a state but no live leader; imbalance:
 * partitions led by a live broker other than their preferred (first)
 * replica. Topics being deleted are left out. */
void sk_ctrl_partition_counts(const sk_ctrl_t *c, int *offline, int *imbalance);
/* The live brokers as the active controller knows them (read from
 * /brokers/ids, not from UpdateMetadata): their count, and the id and rack
 * (NULL: none; owned by the controller, valid until the loop runs again) of
 * broker i < count. 0 on a broker that is not the controller. */
int sk_ctrl_live_count(const sk_ctrl_t *c);
void sk_ctrl_live_broker(const sk_ctrl_t *c, int i, int32_t *id, const char **rack);
/* Free; call after sk_zk_close() so no completion can reach it. */
void sk_ctrl_free(sk_ctrl_t *c);
/* The active controller has read the live brokers and the topics from
 * ZooKeeper since it became active, and no re-read of /brokers/ids is in
 * flight: topic administration (CreateTopics, CreatePartitions,
 * DeleteTopics) is decided on its view only then, never on a partial one.
 * fn runs on the loop each time this changes. */
int sk_ctrl_ready(const sk_ctrl_t *c);
/* When (monotonic ms) the live-broker list it holds was asked of
 * ZooKeeper, and a re-read of /brokers/ids (not ready until it is done):
 * a request that needs more brokers than the list has, and arrived after
 * it was read, is decided on a fresh one (a registration's watch event may
 * still be on its way). */
int64_t sk_ctrl_brokers_read_ms(const sk_ctrl_t *c);
void sk_ctrl_reread_brokers(sk_ctrl_t *c);
void sk_ctrl_on_ready(sk_ctrl_t *c, void (*fn)(void *arg), void *arg);

/* An ISR change proposed by a partition's leader (AlterPartition). done runs
 * once, on the loop: with SK_KERR_NONE and the state written, or with the
 * error to answer (NOT_CONTROLLER, STALE_BROKER_EPOCH,
 * UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH,
 * INVALID_UPDATE_VERSION, INELIGIBLE_REPLICA). */
typedef struct sk_ctrl_pstate {
    int32_t leader;
    int32_t leader_epoch;
    const int32_t *isr;
    int n_isr;
    int32_t partition_epoch;
} sk_ctrl_pstate_t;
typedef void (*sk_ctrl_alter_done_fn)(int16_t err, const sk_ctrl_pstate_t *st, void *arg);
/* isr_epochs (AlterPartition v3, KIP-903), when not NULL, holds the broker
 * epoch the leader knows for each member (-1: unknown, not checked); a member
 * whose epoch is not its registration's is INELIGIBLE_REPLICA. */
void sk_ctrl_alter_isr(sk_ctrl_t *c, int32_t broker_id, int64_t broker_epoch, const char *topic,
                       int32_t partition, int32_t leader_epoch, int32_t partition_epoch,
                       const int32_t *isr, const int64_t *isr_epochs, int n_isr,
                       sk_ctrl_alter_done_fn done, void *arg);
/* 1 when broker_id is live with this broker epoch (the czxid of its
 * registration); AlterPartition's STALE_BROKER_EPOCH check. */
int sk_ctrl_broker_epoch_is(sk_ctrl_t *c, int32_t broker_id, int64_t broker_epoch);
/* The name of the topic whose topic_id is id, or NULL (not known to the
 * controller); valid until the controller's next topic change. */
const char *sk_ctrl_topic_by_id(sk_ctrl_t *c, const uint8_t id[16]);

/* A topic partition named in a request. */
typedef struct sk_ctrl_tp {
    const char *topic;
    int32_t partition;
} sk_ctrl_tp_t;

/* Controlled shutdown of broker_id (ControlledShutdown, spec §4.7): the
 * broker is marked shutting down (no longer a leader candidate, not let back
 * into an ISR); every partition it leads moves to the first live ISR member
 * in replica order that is not shutting down, with the broker dropped from
 * the ISR; where it only follows it leaves the ISR if the ISR stays
 * non-empty. Each change bumps the leader epoch and is written fenced and
 * conditionally, then LeaderAndIsr/UpdateMetadata go out. done runs once, on
 * the loop (possibly before this returns): err NONE with the replicated
 * partitions (RF > 1) the broker still leads while another of their replicas
 * is live (the broker retries while any; with no other live replica there
 * is nothing to wait for), or
 * NOT_CONTROLLER / STALE_BROKER_EPOCH with none. The arrays are valid only
 * during the call. */
typedef void (*sk_ctrl_shutdown_done_fn)(int16_t err, const sk_ctrl_tp_t *remaining, int n,
                                         void *arg);
void sk_ctrl_controlled_shutdown(sk_ctrl_t *c, int32_t broker_id, int64_t broker_epoch,
                                 sk_ctrl_shutdown_done_fn done, void *arg);

/* Leader elections on request (ElectLeaders, /admin/preferred_replica_election).
 * type 0 (preferred): the first assigned replica leads if it is live, in the
 * ISR and not shutting down (ISR unchanged). type 1 (unclean): only for a
 * partition without a live leader: the first live ISR member, else the first
 * live replica outside the ISR (ISR = [it]). tps NULL with n < 0 = every
 * partition. done runs once, on the loop (possibly before this returns):
 * top_err NONE (or NOT_CONTROLLER with no results) and one result per
 * partition: NONE, ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
 * ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION,
 * NOT_CONTROLLER; msg NULL when err is NONE. Valid only during the call. */
typedef struct sk_ctrl_elect_result {
    const char *topic;
    int32_t partition;
    int16_t err;
    const char *msg;
} sk_ctrl_elect_result_t;
typedef void (*sk_ctrl_elect_done_fn)(int16_t top_err, const sk_ctrl_elect_result_t *res, int n,
                                      void *arg);
void sk_ctrl_elect_leaders(sk_ctrl_t *c, int type, const sk_ctrl_tp_t *tps, int n,
                           sk_ctrl_elect_done_fn done, void *arg);

/* Partition reassignment (AlterPartitionReassignments and
 * /admin/reassign_partitions, spec §4.9). Each request names a partition and
 * its target replicas, or cancel (back to the original replicas). Checked
 * as Kafka's controller does (empty or duplicate replicas, negative ids,
 * new replicas on brokers that are not live: INVALID_REPLICA_ASSIGNMENT;
 * unknown partition or topic being deleted: UNKNOWN_TOPIC_OR_PARTITION;
 * cancel without a reassignment: NO_REASSIGNMENT_IN_PROGRESS) and started:
 * res[i] gets the error and message (msg "" when none). Returns
 * NOT_CONTROLLER (res untouched) when not the loaded active controller. */
typedef struct sk_ctrl_reassign_req {
    const char *topic;
    int32_t partition;
    const int32_t *replicas;
    int n_replicas;
    int cancel;
} sk_ctrl_reassign_req_t;
typedef struct sk_ctrl_reassign_res {
    int16_t err;
    char msg[320];
} sk_ctrl_reassign_res_t;
typedef void (*sk_ctrl_reassign_done_fn)(void *arg);
/* done (may be NULL) runs once, on the loop, possibly before this returns:
 * when the topic znodes of the partitions started have been written (as
 * Kafka's controller answers), or when this broker stops being the
 * controller; never when NOT_CONTROLLER is returned. */
int16_t sk_ctrl_reassign(sk_ctrl_t *c, const sk_ctrl_reassign_req_t *reqs, int n,
                         sk_ctrl_reassign_res_t *res, sk_ctrl_reassign_done_fn done, void *arg);
/* Every reassignment in progress, by fn (arrays valid during the call);
 * NOT_CONTROLLER when not the loaded active controller. */
typedef struct sk_ctrl_reassign_info {
    const char *topic;
    int32_t partition;
    const int32_t *replicas;
    int n_replicas;
    const int32_t *adding;
    int n_adding;
    const int32_t *removing;
    int n_removing;
} sk_ctrl_reassign_info_t;
typedef void (*sk_ctrl_reassign_list_fn)(const sk_ctrl_reassign_info_t *info, void *arg);
int16_t sk_ctrl_list_reassignments(sk_ctrl_t *c, sk_ctrl_reassign_list_fn fn, void *arg);

/* No control request is waiting for an answer (or not active): a controller
 * about to stop has told the brokers everything. */
int sk_ctrl_idle(const sk_ctrl_t *c);

/* Inter-broker API versions the controller sends: Kafka 3.7's ZooKeeper
 * controller's, the first LeaderAndIsr (v5+) and UpdateMetadata (v7+) ones
 * that carry topic ids. */
#define SK_CTRL_LEADERANDISR_VERSION 6
#define SK_CTRL_UPDATEMETADATA_VERSION 7
#define SK_CTRL_STOPREPLICA_VERSION 3

#endif
