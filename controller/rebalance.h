/* rebalance.h - pure helpers for preferred leader election: the
 * /admin/preferred_replica_election JSON and the auto-rebalance imbalance
 * rule. The controller (controller.c) acts on their results.
 * @locality any
 */
#ifndef SK_REBALANCE_H
#define SK_REBALANCE_H
#include <stddef.h>
#include <stdint.h>

#include "controller.h"

/* Parse {"version":1,"partitions":[{"topic":"t","partition":0},...]}
 * ("version" may be left out when version_required is 0: the format of
 * kafka-leader-election.sh's --path-to-json-file). Duplicates are dropped. On SK_OK *out (n entries; topic strings owned)
 * is freed with sk_rebalance_tps_free(); on SK_EPARSE err says why and
 * nothing is allocated. */
int sk_rebalance_parse_election(const char *data, size_t len, int version_required,
                                sk_ctrl_tp_t **out, int *n, char *err, size_t errlen);
void sk_rebalance_tps_free(sk_ctrl_tp_t *v, int n);

/* Kafka's rule: a broker is imbalanced when the share of the partitions it
 * is preferred leader of (total) that another broker leads (not_led) is
 * above percentage/100. */
int sk_rebalance_imbalanced(int total, int not_led, int32_t percentage);

#endif
