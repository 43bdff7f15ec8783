/* zk.h - ZooKeeper session bridge: libzookeeper_mt -> the libevent loop.
 *
 * libzookeeper_mt runs every completion and watcher on its own completion
 * thread. This module deep-copies what those deliver into a message, queues
 * it under a mutex and wakes the loop with event_active(); a drain callback on
 * the loop thread then calls the caller's callback. Callers therefore only
 * ever run on the loop thread. Requires evthread_use_pthreads() before the
 * event_base was created.
 *
 * Contracts
 *  - Every operation callback runs exactly once, on the loop thread, never
 *    from inside the call that started the operation. rc is ZOK or a
 *    ZooKeeper error (ZNONODE, ZNODEEXISTS, ZBADVERSION, ZNOTEMPTY,
 *    ZCONNECTIONLOSS, ZOPERATIONTIMEOUT, ZSESSIONEXPIRED, ZCLOSING, ...).
 *    ZCONNECTIONLOSS is ambiguous for writes: the write may have happened.
 *    Operations started while there is no usable handle (during chroot
 *    creation, while a new session is being opened after expiry, after
 *    sk_zk_close) complete with ZINVALIDSTATE.
 *  - Watch callbacks run at most once per registration, only for real events
 *    (ZOO_CREATED_EVENT, ZOO_DELETED_EVENT, ZOO_CHANGED_EVENT,
 *    ZOO_CHILD_EVENT); session events are filtered out. A watch that is not
 *    set (the read failed; exists() on a missing node does set one) or that
 *    dies with its session is dropped silently, so watch_arg should be a
 *    long-lived owner object; use sk_zk_unwatch() before freeing it. Watches
 *    are one-shot: re-arm by reading again.
 *  - Paths are relative to the chroot of the connect string.
 * @locality loop (every function here, unless noted)
 */
#ifndef SK_ZK_H
#define SK_ZK_H
#include <stddef.h>
#include <stdint.h>
#include <zookeeper/zookeeper.h>

struct event_base;

typedef struct sk_zk_s sk_zk_t;

typedef enum {
    SK_ZK_CONNECTED,             /* session (re)connected */
    SK_ZK_DISCONNECTED,          /* connection lost; the library reconnects by itself */
    SK_ZK_EXPIRED_NEW_SESSION,   /* old session expired, a new one is connected:
                                    re-create ephemerals, re-arm watches */
    SK_ZK_AUTH_FAILED,
} sk_zk_event_t;

typedef void (*sk_zk_session_cb)(sk_zk_event_t ev, void *arg);

/* Open a session. connect is "h1:2181,h2:2181[/chroot]". A missing chroot is
 * created first (recursively, null data) through a session without it;
 * SK_ZK_CONNECTED is reported once the chrooted session is up. On expiry the
 * module closes the dead handle from the loop, opens a new session (retrying
 * with backoff forever) and reports SK_ZK_EXPIRED_NEW_SESSION (instead of
 * SK_ZK_CONNECTED) when it is connected; SK_ZK_DISCONNECTED always comes
 * first. libzookeeper's own log lines (WARN and ERROR) go to sk_log as
 * module "zk". Returns 0, or SK_EINVAL / SK_EZK with err set. */
int sk_zk_open(struct event_base *base, const char *connect, int session_timeout_ms,
               sk_zk_session_cb session_cb, void *arg, sk_zk_t **out, char *err, size_t errlen);
/* The same, authenticated and with ACLs: auth->credential ("user:password",
 * NULL: none) is given to zoo_add_auth (digest scheme) on every new handle,
 * so every session, also the one opened after an expiry and the chroot
 * set-up session, is authenticated before its first request; with
 * auth->secure_acl every znode created through this module gets Kafka's
 * secure ACL for its path (zkauth.h), else the open ACL. auth may be NULL
 * (= sk_zk_open). The credential is copied. */
typedef struct sk_zk_auth {
    const char *credential;
    int secure_acl;
} sk_zk_auth_t;
int sk_zk_open_auth(struct event_base *base, const char *connect, int session_timeout_ms,
                    const sk_zk_auth_t *auth, sk_zk_session_cb session_cb, void *arg,
                    sk_zk_t **out, char *err, size_t errlen);
/* Close the session (its ephemerals vanish at once) and free. May block
 * briefly while ZooKeeper acknowledges the close. Callbacks of operations
 * still outstanding run from inside this call (rc ZCLOSING, or their real
 * result); operations started from those callbacks complete with
 * ZINVALIDSTATE, also before this returns. Watch callbacks do not run.
 * Safe to call from any sk_zk callback. */
void sk_zk_close(sk_zk_t *zk);
/* Current session id (0 while no session is established). */
int64_t sk_zk_session_id(sk_zk_t *zk);
/* Current client id (session id + password), NULL while none; for tests and
 * diagnostics. */
const clientid_t *sk_zk_client_id(sk_zk_t *zk);
/* The event_base given to sk_zk_open. */
struct event_base *sk_zk_event_base(sk_zk_t *zk);
/* 1 while the session is connected. */
int sk_zk_connected(sk_zk_t *zk);
/* Drop every pending watch whose watch_arg is arg: its callback will never
 * run. Call before freeing a watch_arg object. */
void sk_zk_unwatch(sk_zk_t *zk, void *arg);

/* data: node payload (NUL-terminated copy for convenience), NULL with len -1
 * for null data and for exists/set. stat: NULL unless rc == ZOK. */
typedef void (*sk_zk_data_cb)(int rc, const char *data, int len, const struct Stat *stat,
                              void *arg);
typedef void (*sk_zk_strings_cb)(int rc, char **names, int count, const struct Stat *stat,
                                 void *arg);
typedef void (*sk_zk_void_cb)(int rc, void *arg);
typedef void (*sk_zk_create_cb)(int rc, const char *created_path, void *arg);
typedef void (*sk_zk_watch_cb)(int type, const char *path, void *arg);

/* Reads; watch may be NULL (no watch). exists sets a watch also when the
 * node is missing (rc ZNONODE), which fires with ZOO_CREATED_EVENT. */
void sk_zk_get(sk_zk_t *zk, const char *path, sk_zk_watch_cb watch, void *watch_arg,
               sk_zk_data_cb cb, void *arg);
void sk_zk_children(sk_zk_t *zk, const char *path, sk_zk_watch_cb watch, void *watch_arg,
                    sk_zk_strings_cb cb, void *arg);
void sk_zk_exists(sk_zk_t *zk, const char *path, sk_zk_watch_cb watch, void *watch_arg,
                  sk_zk_data_cb cb, void *arg);
/* Writes. len -1 = null data (data ignored). flags: 0, ZOO_EPHEMERAL,
 * ZOO_SEQUENCE, ... ACL: world:anyone:cdrwa, or with secure ACLs (sk_zk_open_auth)
 * Kafka's for the path (zkauth.h). cb may be NULL. */
void sk_zk_create(sk_zk_t *zk, const char *path, const char *data, int len, int flags,
                  sk_zk_create_cb cb, void *arg);
void sk_zk_set(sk_zk_t *zk, const char *path, const char *data, int len, int version,
               sk_zk_data_cb cb, void *arg);
void sk_zk_delete(sk_zk_t *zk, const char *path, int version, sk_zk_void_cb cb, void *arg);
/* Create every missing parent of path (persistent, null data), then path
 * itself (persistent, data). ZNODEEXISTS for path counts as ZOK. */
void sk_zk_create_recursive(sk_zk_t *zk, const char *path, const char *data, int len,
                            sk_zk_void_cb cb, void *arg);

/* Atomic multi-op (zoo_amulti). Build, then run; run consumes m. When the
 * server evaluated the multi (rc ZOK, or the error of the op that failed:
 * ZNONODE, ZNODEEXISTS, ZBADVERSION, ZNOTEMPTY, ...), op_rcs holds n results,
 * one per op in order (ops after the failing one ZRUNTIMEINCONSISTENCY).
 * Otherwise (ZCONNECTIONLOSS, ZOPERATIONTIMEOUT, ZSESSIONEXPIRED, ZCLOSING,
 * ZINVALIDSTATE: the multi failed as a whole, and after a connection loss
 * may still have been applied) op_rcs is NULL and n is 0, so
 * `n > i && op_rcs[i]` is always a safe test. Arguments are copied when
 * added. */
typedef struct sk_zk_multi_s sk_zk_multi_t;
typedef void (*sk_zk_multi_cb)(int rc, const int *op_rcs, int n, void *arg);
sk_zk_multi_t *sk_zk_multi_new(void);
void sk_zk_multi_create(sk_zk_multi_t *m, const char *path, const char *data, int len,
                        int flags);
void sk_zk_multi_set(sk_zk_multi_t *m, const char *path, const char *data, int len,
                     int version);
void sk_zk_multi_delete(sk_zk_multi_t *m, const char *path, int version);
void sk_zk_multi_check(sk_zk_multi_t *m, const char *path, int version);
int sk_zk_multi_count(const sk_zk_multi_t *m);
void sk_zk_multi_free(sk_zk_multi_t *m); /* only for a multi that is never run */
void sk_zk_multi_run(sk_zk_t *zk, sk_zk_multi_t *m, sk_zk_multi_cb cb, void *arg);

/* What an operation's rc means for its caller (one place, so every
 * completion sorts codes the same way). */
typedef enum {
    SK_ZK_RC_OK,        /* ZOK */
    SK_ZK_RC_TRANSIENT, /* ZCONNECTIONLOSS, ZOPERATIONTIMEOUT: same session, try again;
                           a write may have been applied */
    SK_ZK_RC_SESSION,   /* ZSESSIONEXPIRED, ZSESSIONMOVED, ZCLOSING, ZINVALIDSTATE,
                           ZAUTHFAILED: the session is gone or going; the session
                           event (SK_ZK_EXPIRED_NEW_SESSION) restarts the work */
    SK_ZK_RC_ANSWER,    /* anything else: the server's answer (ZNONODE, ZNODEEXISTS,
                           ZBADVERSION, ZNOTEMPTY, ...) */
} sk_zk_rc_class_t;
sk_zk_rc_class_t sk_zk_rc_class(int rc);

/* Fault injection, for tests: the next `count` operations (-1: until
 * cleared) of the given kinds (SK_ZK_OP_* bits, 0: all) whose path starts
 * with path_prefix (NULL: any; a multi matches if any of its ops does)
 * complete with rc. Without `after` they are never sent; with it they are
 * sent and their real result is replaced (a write that happened but was
 * reported lost). An evaluated multi error (ZBADVERSION, ...) is reported
 * as failing at op multi_op (-1: the last op); other codes give a multi
 * no per-op results, as the library does. NULL clears. */
enum {
    SK_ZK_OP_GET = 1 << 0,
    SK_ZK_OP_CHILDREN = 1 << 1,
    SK_ZK_OP_EXISTS = 1 << 2,
    SK_ZK_OP_CREATE = 1 << 3,
    SK_ZK_OP_SET = 1 << 4,
    SK_ZK_OP_DELETE = 1 << 5,
    SK_ZK_OP_MULTI = 1 << 6,
};
typedef struct sk_zk_fault {
    int kinds;
    const char *path_prefix;
    int rc;
    int count;
    int after;
    int multi_op;
} sk_zk_fault_t;
void sk_zk_fault_set(sk_zk_t *zk, const sk_zk_fault_t *f);
/* Operations the current fault has hit so far. */
int sk_zk_fault_hits(const sk_zk_t *zk);

#endif
