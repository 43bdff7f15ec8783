/* purgatory.h - delayed operations keyed by partition, completed by callbacks.
 *
 * Owns: the operations of one kind that wait for something to happen to a
 * partition (acks=all produces waiting for the high watermark, fetches
 * waiting for MinBytes or MaxWaitMs), one timer per operation and one
 * deferred wake-up event. An operation watches one or more partition keys;
 * waking a key re-tries, once the current loop turn is over and in the order
 * they were added, the operations that watch it. An operation completes only
 * through its own try callback: the purgatory knows nothing of requests, so
 * completions flow up to the request handlers without the lower modules
 * calling them.
 *
 * May call: libevent, clock.h. Never calls a request handler directly.
 * @locality loop
 */
#ifndef SK_PURGATORY_H
#define SK_PURGATORY_H
#include <stddef.h>
#include <stdint.h>

struct event_base;

typedef struct sk_purg_s sk_purg_t;
typedef struct sk_purg_op_s sk_purg_op_t;

/* Why an operation is being tried. */
typedef enum sk_purg_why {
    SK_PURG_WOKEN = 0, /* a watched partition changed: complete if satisfied */
    SK_PURG_EXPIRED,   /* its timeout passed: must complete */
    SK_PURG_FLUSHED,   /* the purgatory is flushed (shutdown): must complete */
} sk_purg_why_t;

/* Tries to complete the operation. Returns 1 when it completed (the callback
 * answered and released what arg holds; the purgatory then forgets the
 * operation), 0 to keep waiting. With why other than SK_PURG_WOKEN the
 * callback must complete and return 1. */
typedef int (*sk_purg_try_fn)(void *arg, sk_purg_why_t why);

sk_purg_t *sk_purg_new(struct event_base *base, const char *name);
/* Flushes (every operation completes with SK_PURG_FLUSHED), then frees. */
void sk_purg_free(sk_purg_t *pg);

/* The key of a partition (a hash: two partitions may share a key, which
 * only costs a needless try). */
uint64_t sk_purg_key(const char *topic, size_t topic_len, int32_t partition);

/* Parks an operation for at most timeout_ms (< 0: no timeout). It is not
 * tried at once; add its keys with sk_purg_watch. */
sk_purg_op_t *sk_purg_add(sk_purg_t *pg, int64_t timeout_ms, sk_purg_try_fn fn, void *arg);
void sk_purg_watch(sk_purg_op_t *op, uint64_t key);

/* The partition behind key changed: try its operations once this loop turn
 * is over (never from inside the caller). */
void sk_purg_wake(sk_purg_t *pg, uint64_t key);
/* Something that may concern any partition changed: try every operation. */
void sk_purg_wake_all(sk_purg_t *pg);
/* Completes every operation (SK_PURG_FLUSHED), in the order they were added. */
void sk_purg_flush(sk_purg_t *pg);
/* Completes (SK_PURG_EXPIRED) the operations whose deadline, read from
 * sk_mono_ms(), has passed, earliest deadline first; returns how many. The
 * timers do this on their own; this is for a cron and for tests with a fake
 * clock. */
int sk_purg_expire(sk_purg_t *pg);
/* Operations waiting. */
int sk_purg_count(const sk_purg_t *pg);

#endif
