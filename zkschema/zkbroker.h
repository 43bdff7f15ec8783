/* zkbroker.h - what every broker does in ZooKeeper (spec sections 4.1,
 * 2.4, 4.3): top-level paths, /cluster/id, the ephemeral registration
 * /brokers/ids/<id> and its broker epoch (czxid).
 *
 * All callbacks run on the loop thread, exactly once. rc is SK_OK or a
 * negative SK_E* code; err is a one-line reason (NULL on success). SK_EAGAIN
 * means the session was lost (or a connection loss outlasted the retries)
 * on the way: the caller may try again, in the next session if it expired;
 * it is logged as a warning, other failures as errors.
 * @locality loop
 */
#ifndef SK_ZKBROKER_H
#define SK_ZKBROKER_H
#include <stdint.h>

#include "zk.h"

typedef struct sk_zkb_endpoint {
    const char *listener; /* advertised listener name */
    const char *protocol; /* PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL */
    const char *host;
    int port;
} sk_zkb_endpoint_t;

typedef struct sk_zkb_reg {
    int32_t broker_id;
    const sk_zkb_endpoint_t *endpoints; /* advertised listeners, in order */
    int n_endpoints;
    const char *rack; /* NULL = none */
} sk_zkb_reg_t;

typedef void (*sk_zkb_start_cb)(int rc, const char *cluster_id, int64_t broker_epoch,
                                const char *err, void *arg);
typedef void (*sk_zkb_reg_cb)(int rc, int64_t broker_epoch, const char *err, void *arg);

/* Startup: create the top-level paths, read or create /cluster/id, then
 * register /brokers/ids/<id> (multi {create null EPHEMERAL, setData json
 * version 0}). A node left by a retried create of our own session is
 * deleted and re-created; one owned by another session fails with SK_EEXIST
 * ("broker id N is already registered in ZooKeeper by another broker
 * (session 0x...)"). broker_epoch = czxid of the registration. reg is
 * copied during the call. */
void sk_zkb_start(sk_zk_t *zk, const sk_zkb_reg_t *reg, sk_zkb_start_cb done, void *arg);
/* Register again, e.g. after SK_ZK_EXPIRED_NEW_SESSION (new broker epoch). */
void sk_zkb_reregister(sk_zk_t *zk, const sk_zkb_reg_t *reg, sk_zkb_reg_cb done, void *arg);
/* Clean-shutdown deregistration: deletes /brokers/ids/<id> if this session
 * owns it. cb(ZOK) when deleted, cb(ZNONODE) when there was no node of
 * ours, else the ZooKeeper error. cb may be NULL. */
void sk_zkb_deregister(sk_zk_t *zk, int32_t broker_id, sk_zk_void_cb cb, void *arg);

#endif
