/* quota_zk.h - the client quota store (meta/quota.h) filled from
 * ZooKeeper and kept current.
 *
 * At start (and in every new session) every quota entity is read:
 * /config/users/<u>, /config/users/<u>/clients/<c> and /config/clients/<c>
 * (the <default> ones too), each znode in Kafka's
 * {"version":1,"config":{...}}, of which only the quota keys are taken
 * (a user's SCRAM credentials are left to the SASL code). A znode whose
 * quota values do not parse is logged (one warning) and its entity keeps no
 * quota. After that, sk_quotazk_changed() reads one entity again: it is
 * called for every /config/changes notification naming users/... or
 * clients/..., and by AlterClientQuotas after its write.
 * @locality loop
 */
#ifndef SK_QUOTA_ZK_H
#define SK_QUOTA_ZK_H
#include "meta/quota.h"
#include "zk.h"

typedef struct sk_quotazk_s sk_quotazk_t;

sk_quotazk_t *sk_quotazk_new(sk_zk_t *zk, sk_quota_t *q);
/* (Re)load every entity; call once the session is up, and after a new
 * session. */
void sk_quotazk_start(sk_quotazk_t *w);
/* Read /config/<type>/<name> again ("users", "alice/clients/app"). */
void sk_quotazk_changed(sk_quotazk_t *w, const char *type, const char *name);
/* Entities loaded and reads failed since start (tests, logs). */
int sk_quotazk_pending(const sk_quotazk_t *w);
/* Free after sk_zk_close. */
void sk_quotazk_free(sk_quotazk_t *w);

#endif
