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
 * ZOO_SEQUENCE, ... ACL is always world:anyone:cdrwa. cb may be NULL. */
void sk_zk_create(sk_zk_t *zk, const char *path, const char *data, int len, int flags,
                  sk_zk_create_cb cb, void *arg);
void sk_zk_set(sk_zk_t *zk, const char *path, const char *data, int len, int version,
               sk_zk_data_cb cb, void *arg);
void sk_zk_delete(sk_zk_t *zk, const char *path, int version, sk_zk_void_cb cb, void *arg);
/* Create every missing parent of path (persistent, null data), then path
 * itself (persistent, data). ZNODEEXISTS for path counts as ZOK. */
void sk_zk_create_recursive(sk_zk_t *zk, const char *path, const char *data, int len,
                            sk_zk_void_cb cb, void *arg);

/* Atomic multi-op (zoo_amulti). Build, then run; run consumes m. On failure
 * rc is the first failing op's error and op_rcs says which op failed
 * (others ZOK or ZRUNTIMEINCONSISTENCY). op_rcs is NULL if the multi never
 * reached the server. Arguments are copied when added. */
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

#endif
