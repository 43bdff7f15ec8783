/* rawreq.h - Kafka requests over a plain socket, for the tools that need an
 * API librdkafka 2.0 does not have (ElectLeaders, DescribeLogDirs): connect,
 * one framed request/response round trip with Skein's generated codecs, and
 * the cluster's brokers from a Metadata v1 answer. PLAINTEXT only.
 * @locality any (one thread per fd)
 */
#ifndef SK_RAWREQ_H
#define SK_RAWREQ_H
#include <stddef.h>
#include <stdint.h>

#include "kbuf.h"

/* Connect to "HOST:PORT" with send/receive timeouts of timeout_s seconds.
 * The fd, or -1 with err set. */
int sk_raw_dial(const char *hostport, int timeout_s, char *err, size_t errlen);
/* Send body (consumed) as request key/ver with client_id; read the answer.
 * 0 with *resp (malloc'd, one spare byte) holding the response body after
 * its header, or -1 with err set. */
int sk_raw_round_trip(int fd, int16_t key, int16_t ver, const char *client_id, sk_wr_t *body,
                      uint8_t **resp, size_t *resp_len, char *err, size_t errlen);

/* The cluster as a broker of the bootstrap list describes it. */
typedef struct sk_raw_broker {
    int32_t id;
    char *hostport; /* "host:port" */
} sk_raw_broker_t;
typedef struct sk_raw_cluster {
    sk_raw_broker_t *brokers; /* sorted by id */
    int n;
    int32_t controller_id; /* -1: none */
} sk_raw_cluster_t;
/* Ask the brokers of the comma-separated list in turn until one answers
 * Metadata v1. 0, or -1 with err set (the last failure). */
int sk_raw_cluster(const char *bootstrap, const char *client_id, sk_raw_cluster_t *out,
                   char *err, size_t errlen);
void sk_raw_cluster_free(sk_raw_cluster_t *c);

#endif
