/* acl_zk.h - the broker's ACLs, read from ZooKeeper and kept current.
 *
 * At start (and again in every new session) the ACL roots are created
 * where missing (/kafka-acl/<Type>, /kafka-acl-extended/prefixed/<Type>,
 * /kafka-acl-changes, /kafka-acl-extended-changes, as Kafka's
 * AclAuthorizer does), every ACL znode is read into a staging table, and
 * the live table (meta/acl.h) is replaced by it in one step. The children
 * of both change paths are watched: each new notification names a resource
 * whose znode is read again, so a change made by any broker or by Kafka's
 * tools is in force as soon as ZooKeeper tells this broker (milliseconds).
 * Notifications older than 15 minutes are deleted (Kafka's purge).
 *
 * Writes (CreateAcls, DeleteAcls) update a resource's znode with a
 * conditional set/create/delete and then add a change notification.
 * @locality loop
 */
#ifndef SK_ACL_ZK_H
#define SK_ACL_ZK_H
#include "meta/acl.h"
#include "zk.h"

typedef struct sk_aclzk_s sk_aclzk_t;

/* loaded_cb runs once each time a full load has been swapped in. */
sk_aclzk_t *sk_aclzk_new(sk_zk_t *zk, sk_acl_t *acl, void (*loaded_cb)(void *arg), void *arg);
/* (Re)start: create the roots, watch the change paths, load everything.
 * Call once the session is up, and again after a new session. */
void sk_aclzk_start(sk_aclzk_t *w);
/* 1 once the first full load is in the live table. */
int sk_aclzk_loaded(const sk_aclzk_t *w);
/* Change one resource's znode: add the entries of add[0..n_add) it does
 * not hold yet, or, with remove, take out the entries the filter selects.
 * Read with its zkVersion, then a conditional set (create when missing,
 * delete when no entry is left), again from the read on a conflict (up to
 * 10 times, as Kafka); then the live table is updated and a change
 * notification added for the other brokers. cb gets a Kafka error code
 * (SK_KERR_NONE) and the entries removed (valid during the call). */
typedef void (*sk_aclzk_update_cb)(int16_t kerr, const sk_acl_entry_t *removed, int n_removed,
                                   void *arg);
void sk_aclzk_update(sk_aclzk_t *w, const sk_acl_res_t *res, const sk_acl_entry_t *add,
                     int n_add, const sk_acl_filter_t *remove, sk_aclzk_update_cb cb, void *arg);

/* Free after sk_zk_close (outstanding callbacks run inside it, and no
 * watch fires after it). */
void sk_aclzk_free(sk_aclzk_t *w);

#endif
