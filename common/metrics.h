/* metrics.h - the broker's counters: plain integers, counted where things
 * happen, read by the /metrics exporter (broker/metrics/).
 *
 * One registry per process (sk_met), like Kafka's metrics registry: the
 * modules that count (net, storage, zkschema, replica, api) sit at every
 * layer, so the counters live down here and need no handle. Everything is
 * owned by the loop thread: no locks, no atomics. Work done on another
 * thread (an fsync on a disk worker) is counted when its completion reaches
 * the loop.
 *
 * Histograms have fixed bucket bounds in milliseconds (sk_met_bounds_ms),
 * as Prometheus histograms named ..._ms in the JMX exporter's style. Each
 * bucket counts its own observations; the renderer makes them cumulative.
 * @locality loop
 */
#ifndef SK_METRICS_H
#define SK_METRICS_H
#include <stddef.h>
#include <stdint.h>

/* Bucket upper bounds (ms) and their number; one more bucket for +Inf. */
#define SK_MET_NBOUNDS 15
extern const double sk_met_bounds_ms[SK_MET_NBOUNDS];

typedef struct sk_met_hist {
    uint64_t bucket[SK_MET_NBOUNDS + 1]; /* per bucket, not cumulative; last = +Inf */
    uint64_t count;
    double sum_ms;
} sk_met_hist_t;

/* Add one observation of ms milliseconds (negative counts as 0). */
void sk_met_hist_observe(sk_met_hist_t *h, double ms);

/* Request metrics are kept per API key and version up to these limits
 * (larger keys or versions are counted under the last slot). */
#define SK_MET_MAX_API 80
#define SK_MET_MAX_VERSION 20

/* Request phases that the broker can tell apart (Kafka's RequestMetrics):
 * local = the handler ran on the loop; remote = it waited (purgatory,
 * ZooKeeper, the coordinator) until the answer was completed; send = from
 * queueing the response until the socket took its last byte; total = from
 * the whole frame read to the last byte sent. Kafka's queue time (the wait
 * for a handler thread) has no counterpart: one loop reads and handles. */
enum { SK_MET_REQ_TOTAL = 0, SK_MET_REQ_LOCAL, SK_MET_REQ_REMOTE, SK_MET_REQ_SEND, SK_MET_REQ_NPHASES };

/* ZooKeeper session as last seen by the broker: connecting (at start-up
 * and after a connection loss, while the client reconnects), connected,
 * expired (until the new session is up), authentication failed. */
enum { SK_MET_ZK_CONNECTING = 0, SK_MET_ZK_CONNECTED, SK_MET_ZK_EXPIRED, SK_MET_ZK_AUTH_FAILED };

typedef struct sk_met_topic {
    char *name;
    uint64_t messages_in;     /* records appended by producers (leader) */
    uint64_t bytes_in;        /* batch bytes appended by producers */
    uint64_t bytes_out;       /* record bytes sent to consumers (not followers) */
} sk_met_topic_t;

typedef struct sk_met {
    uint64_t requests[SK_MET_MAX_API][SK_MET_MAX_VERSION];
    sk_met_hist_t req_time[SK_MET_MAX_API][SK_MET_REQ_NPHASES];
    uint64_t replication_bytes_in;   /* follower fetches written here */
    uint64_t replication_bytes_out;  /* record bytes sent to followers */
    uint64_t isr_shrinks, isr_expands;
    sk_met_hist_t log_flush;         /* fsync of a partition log */
    sk_met_hist_t zk_latency;        /* ZooKeeper request to completion on the loop */
    int zk_state;                    /* SK_MET_ZK_* */
    uint64_t zk_expires, zk_disconnects, zk_connects;
    /* per topic: sk_met_topic() */
    sk_met_topic_t **topics;         /* open addressing, cap a power of two */
    size_t n_topics, cap_topics;
} sk_met_t;

/* The process's registry. */
extern sk_met_t sk_met;

/* Monotonic microseconds (for latencies). @locality any */
int64_t sk_met_now_us(void);

/* A topic's counters, created on first use (name of len bytes). */
sk_met_topic_t *sk_met_topic(const char *name, size_t len);
/* The topic is gone (deleted): its counters too. */
void sk_met_topic_remove(const char *name);
/* Every topic's counters in name order; the array is the caller's (free()),
 * the entries stay the registry's. */
sk_met_topic_t **sk_met_topics_sorted(size_t *n);

/* A request of api_key / version was read. */
void sk_met_request(int16_t api_key, int16_t version);
/* One phase of a request took us microseconds. */
void sk_met_request_time(int16_t api_key, int phase, int64_t us);

/* Tests: forget every counter. */
void sk_met_reset(void);

#endif
