/* configs_default.h - skein-configs --bootstrap-server --entity-type brokers
 * --entity-default: the cluster-wide default broker configuration
 * (/config/brokers/<default>), which Kafka's admin clients address as the
 * broker resource named "" and librdkafka 2.0.2 cannot name. Sent over a
 * plain socket (tools/rawreq.h, PLAINTEXT only) to a broker of the
 * bootstrap list, which any broker answers:
 *   --describe  DescribeConfigs v1 with synonyms, printed as
 *               kafka-configs.sh prints it ("Default configurations for
 *               brokers are:", then "  k=v sensitive=false synonyms={...}");
 *   --alter     IncrementalAlterConfigs v0 (SET for --add-config, DELETE for
 *               --delete-config, which must name a key the default has:
 *               "Invalid config(s): k" otherwise, as kafka-configs.sh), then
 *               "Completed updating default config for brokers in the
 *               cluster.".
 * @locality any
 */
#ifndef SK_CONFIGS_DEFAULT_H
#define SK_CONFIGS_DEFAULT_H
#include "configs_cmd.h"

/* Exit status: 0, 1 (the cluster failed or refused), 2 (bad input). */
int sk_cfgdefault_run(const sk_cfg_cmd_t *cmd);

/* --describe of the default alone, on a broker of the bootstrap list (also
 * printed after every broker by --describe without --entity-name, as
 * kafka-configs.sh does). 0 or 1. */
int sk_cfgdefault_describe(const char *bootstrap);

#endif
