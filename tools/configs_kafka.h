/* configs_kafka.h - skein-configs --bootstrap-server: topics and brokers
 * through librdkafka's admin API (DescribeConfigs, AlterConfigs).
 *
 * librdkafka 2.0.2 has no IncrementalAlterConfigs, and AlterConfigs
 * replaces a resource's whole dynamic configuration, so --alter does what
 * kafka-configs.sh did before KIP-339: describe the resource, keep the
 * values whose source is the resource's own dynamic level, apply
 * --add-config and --delete-config, and send the result. A change made by
 * someone else between the describe and the alter is lost (the reason
 * Kafka added the incremental API). librdkafka cannot address the
 * cluster-wide default broker resource (it routes a broker resource by its
 * id and refuses ""), so --entity-default goes over a plain socket
 * (configs_default.h).
 * @locality any
 */
#ifndef SK_CONFIGS_KAFKA_H
#define SK_CONFIGS_KAFKA_H
#include "configs_cmd.h"

/* Exit status: 0, 1 (the cluster failed or refused), 2 (bad input). */
int sk_cfgkafka_run(const sk_cfg_cmd_t *cmd);

#endif
