/* api/api.h - the request handlers in this folder and dispatch: each decodes a
 * request, calls the modules below (group, replica, meta, storage) and
 * encodes the answer. Handlers keep no state of their own: no tables, no
 * timers; what waits does so in replica/purgatory.
 * @locality loop
 */
#ifndef SK_API_H
#define SK_API_H
#include "meta/acl.h"
#include "meta/quota.h"
#include "meta/broker_ctx.h"
#include "meta/topic_create.h"
#include "net/net.h"
#include "replica/fetcher.h"
#include "replica/isr.h"
#include "replica/partition.h"
#include "replica/purgatory.h"

/* --- dispatch.c --- */
int sk_dispatch(void *arg, sk_req_t *req);
/* The controller's readiness changed (sk_ctrl_on_ready): topic
 * administration requests held until it had loaded the cluster go on. */
void sk_api_ctrl_ready_changed(sk_broker_t *b);
/* Hold a topic administration request (already decoded once) until the
 * controller is ready again, then handle it afresh; for a handler that has
 * just asked the controller to re-read something. */
int sk_api_ctrl_hold(sk_broker_t *b, sk_req_t *req);

/* --- authz.c: may the request's principal, from its address, do op
 * (SK_ACL_OP_*) on the resource (SK_ACL_RES_*, name)? 1 or 0; always 1
 * without an authorizer. A decision seen before allocates nothing. --- */
int sk_authz(sk_broker_t *b, const sk_req_t *req, int op, int type, const char *name);
/* the same for a name that is not NUL-terminated (a decoded sk_str_t) */
int sk_authz_len(sk_broker_t *b, const sk_req_t *req, int op, int type, const char *name,
                 int32_t len);
/* on the cluster resource (kafka-cluster) */
int sk_authz_cluster(sk_broker_t *b, const sk_req_t *req, int op);
/* on some resource of the type (Kafka's authorizeByResourceType) */
int sk_authz_any(sk_broker_t *b, const sk_req_t *req, int op, int type);
/* The cluster operations the principal may do, as the bit field of
 * AclOperation codes Metadata and DescribeCluster answer (metadata.c). */
int32_t sk_authz_cluster_ops(sk_broker_t *b, sk_req_t *req);

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
/* Read one topic's /config/topics overrides again when it has a log here
 * (after a /config/changes notification names it). */
void sk_control_reload_topic_config(sk_broker_t *b, const char *topic);
/* The broker's log defaults (b->plog_cfg) changed (a dynamic broker config):
 * every log here gets them, under its topic's overrides. */
void sk_control_reapply_log_configs(sk_broker_t *b);
int sk_api_electleaders(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
/* AlterPartitionReassignments and ListPartitionReassignments (reassign.c) */
int sk_api_alterpartitionreassignments(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_listpartitionreassignments(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_describeconfigs(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
/* AlterConfigs and IncrementalAlterConfigs (alterconfigs.c) */
int sk_api_alterconfigs(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_incrementalalterconfigs(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_offsetforleaderepoch(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
/* DeleteRecords (records.c) and DescribeProducers (producers.c) */
int sk_api_deleterecords(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_describeproducers(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);

/* ACLs (acls.c) */
int sk_api_describeacls(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_createacls(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_deleteacls(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);

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

/* log dirs (logdirs.c) */
int sk_api_alterreplicalogdirs(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_describelogdirs(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);

/* SASL (sasl.c): r is NULL for a bare token after a v0 SaslHandshake */
int sk_api_saslhandshake(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_saslauthenticate(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
/* SCRAM users (scram_users.c, KIP-554) */
int sk_api_describeuserscramcredentials(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_alteruserscramcredentials(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);

/* Client quotas (quotas.c, KIP-546; meta/quota.h) */
int sk_api_describeclientquotas(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
int sk_api_alterclientquotas(sk_broker_t *b, sk_req_t *req, struct sk_rd *r);
/* Record value (bytes; microseconds of loop time for SK_QUOTA_REQUEST) for
 * the request's principal and client id; returns the throttle time (ms),
 * also kept in req->throttle_ms (the larger one), 0 within the quota. With
 * no quota of that kind configured anywhere: one comparison, nothing else. */
int32_t sk_api_quota_record(sk_broker_t *b, sk_req_t *req, sk_quota_kind_t k, double value);
/* Take back a value just recorded (a throttled Fetch is sent without it). */
void sk_api_quota_unrecord(sk_broker_t *b, sk_req_t *req, sk_quota_kind_t k, double value);
/* 1 when the request's handling time counts toward request_percentage
 * (some quota sets it; the controller's requests and SASL are exempt). */
int sk_api_quota_timed(sk_broker_t *b, const sk_req_t *req);

/* A malformed body: one log line; returns SK_REQ_CLOSE. */
int sk_api_malformed(sk_req_t *req);
/* Copy a finished sk_wr_t body into req->resp. */
struct sk_wr;
void sk_req_set_body(sk_req_t *req, struct sk_wr *w);
/* Encode resp (the generated response struct of req's API, proto_gen.h) at
 * the request's version as the body: SK_REQ_DONE, or, when the struct cannot
 * be encoded, one error line and SK_REQ_CLOSE (nothing is sent). */
int sk_req_respond(sk_req_t *req, const void *resp);

#endif
