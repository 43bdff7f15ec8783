/* rdk_util.h - librdkafka helpers shared by the skein-* client tools.
 *
 * Configuration from the command line (--bootstrap-server, a properties
 * file, repeated key=value options), the topic's partition list from
 * Metadata (never auto-creating the topic), and signal-driven shutdown.
 * @locality any (each tool is single-threaded apart from librdkafka's own
 * threads)
 */
#ifndef SK_RDK_UTIL_H
#define SK_RDK_UTIL_H
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "toolopt.h"

/* A new librdkafka configuration: client.id and the tool's defaults (may be
 * NULL), then the properties of config_file (Java .properties, may be NULL),
 * then props (may be NULL) in order, then bootstrap.servers. Java-client-only keys (key.serializer,
 * value.deserializer, ...) are skipped with a warning on stderr. NULL with a
 * message naming the key on error. */
rd_kafka_conf_t *sk_rdk_conf_new(const char *bootstrap, const char *client_id,
                                 const sk_kvlist_t *defaults, const char *config_file,
                                 const sk_kvlist_t *props, char *err, size_t errlen);
/* An admin client (a producer handle that never produces) configured as
 * sk_rdk_conf_new() does; NULL with the reason in err. */
rd_kafka_t *sk_rdk_admin_new(const char *bootstrap, const char *client_id,
                             const char *config_file, char *err, size_t errlen);
/* Set one property (same skipping rule). */
int sk_rdk_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, char *err,
                    size_t errlen);

/* Partitions of one topic from a Metadata request for all topics (so the
 * topic is never auto-created): sorted ids in *ids (malloc'd). SK_ENOENT if
 * the broker does not know the topic, SK_EIO (message) if Metadata failed. */
int sk_rdk_topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms, int32_t **ids,
                            int *n, char *err, size_t errlen);

/* Names of all topics from Metadata, sorted (free with sk_rdk_free_names). */
int sk_rdk_topic_names(rd_kafka_t *rk, int timeout_ms, char ***names, int *n, char *err,
                       size_t errlen);
void sk_rdk_free_names(char **names, int n);

/* Consuming chosen partitions without a consumer group. librdkafka's
 * high-level consumer needs group.id even for assign(), so the tools use the
 * per-partition (legacy) consumer API, every partition feeding one queue:
 * read it with rd_kafka_consume_queue(mc->q, timeout). */
typedef struct sk_rdk_manual {
    rd_kafka_queue_t *q;
    rd_kafka_topic_t **rkts; /* one handle per started partition */
    int32_t *partitions;
    int n;
} sk_rdk_manual_t;

/* Start every partition of l at its offset (RD_KAFKA_OFFSET_BEGINNING,
 * _END or an absolute offset). mc must be zeroed; on error it holds what
 * was started (stop it). */
int sk_rdk_manual_start(rd_kafka_t *rk, sk_rdk_manual_t *mc,
                        const rd_kafka_topic_partition_list_t *l, char *err, size_t errlen);
/* Stop and release everything (accepts a zeroed struct). */
void sk_rdk_manual_stop(sk_rdk_manual_t *mc);

/* SIGINT/SIGTERM/SIGPIPE handling: the first SIGINT or SIGTERM sets the
 * flag (tools poll it and stop cleanly); a second one exits at once. */
void sk_rdk_install_signals(void);
extern volatile sig_atomic_t sk_rdk_stop;

#endif
