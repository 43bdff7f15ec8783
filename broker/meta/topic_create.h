/* meta/topic_create.h - topic creation in ZooKeeper (CreateTopics, automatic
 * creation on Metadata, the offsets topic): validation, the assignment and
 * the /brokers/topics/<t> write; the creations in flight are listed in the
 * broker's context.
 * @locality loop
 */
#ifndef SK_TOPIC_CREATE_H
#define SK_TOPIC_CREATE_H
#include <stdint.h>

#include "assign.h"
#include "meta/broker_ctx.h"
#include "meta/partlimit.h"

/* --- topic creation (topic_create.c) --- */
typedef void (*sk_create_done_fn)(int16_t kerr, const char *msg, void *arg);
/* Validate and start creating a topic in ZooKeeper. Returns SK_KERR_NONE if
 * started (done runs later on the loop), or a Kafka error code with *msg set
 * (static or arena text) if refused at once; done is not called then.
 * replicas: explicit assignment [partition][replica] or NULL. */
int16_t sk_topic_create(sk_broker_t *b, const char *name, int32_t partitions, int16_t rf,
                        int32_t *const *assignment, const int32_t *assignment_sizes,
                        char *const *config_keys, char *const *config_values, int n_configs,
                        int validate_only, const char **msg, sk_create_done_fn done, void *arg);
/* Is a creation of this topic in flight? */
int sk_topic_creating(sk_broker_t *b, const char *name, int32_t len);
/* max.broker.partitions / max.partitions over these live brokers, with
 * every replica of the topics known and of the creations in flight counted;
 * NULL when neither is set (nothing to check). */
sk_partlimit_t *sk_topic_partlimit(sk_broker_t *b, const sk_assign_broker_t *live, int n_live);
/* The topic id (Kafka's base64 uuid) of a creation in flight, NULL if none. */
const char *sk_topic_creation_id(sk_broker_t *b, const char *name);

#endif
