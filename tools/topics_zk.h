/* topics_zk.h - skein-topics --zookeeper: topics read and written as znodes.
 *
 * What Kafka 2.x's kafka-topics.sh --zookeeper did: --create writes
 * /config/topics/<t> then /brokers/topics/<t> (v3 JSON with a new topic id),
 * --delete creates /admin/delete_topics/<t>, --alter --partitions rewrites
 * the topic node with more partitions; the controller acts on the changes.
 * Describe reads the topic node, the partition state nodes and the config.
 *
 * Blocking calls on libzookeeper_mt's synchronous API: for the command-line
 * tool only, never on a broker's event loop.
 * @locality any (blocking)
 */
#ifndef SK_TOPICS_ZK_H
#define SK_TOPICS_ZK_H
#include <stddef.h>
#include <stdint.h>
typedef struct _zhandle zhandle_t; /* zookeeper.h, included with THREADED by the .c */

#include "assign_tool.h"
#include "toolopt.h"
#include "topics_desc.h"

typedef struct sk_tzk_s sk_tzk_t;

/* Connect (connect string as in zookeeper.connect, chroot included) and
 * wait up to timeout_ms for the session. SK_EZK with a message on failure.
 * digest_file (NULL: none) is a credentials file as zookeeper.digest.file
 * (zkauth.h): the session authenticates with it and the znodes created get
 * Kafka's secure ACLs (the brokers' identity must be the same, as with
 * Kafka's tools and JAAS); a bad file is SK_EINVAL. */
int sk_tzk_open(const char *connect, const char *digest_file, int timeout_ms, sk_tzk_t **out,
                char *err, size_t errlen);
void sk_tzk_close(sk_tzk_t *z);
/* The session's handle, for the synchronous calls of other tool modules. */
zhandle_t *sk_tzk_handle(sk_tzk_t *z);

/* Any node (for the other --zookeeper tools): read its data (NUL-terminated,
 * malloc'd; NULL for null data; SK_ENOENT if missing), create it with its
 * missing parents (SK_EEXIST if it exists), or set it (created if missing). */
int sk_tzk_get(sk_tzk_t *z, const char *path, char **data, char *err, size_t errlen);
int sk_tzk_create_node(sk_tzk_t *z, const char *path, const char *data, char *err,
                       size_t errlen);
int sk_tzk_put(sk_tzk_t *z, const char *path, const char *data, char *err, size_t errlen);
/* Create a persistent sequential node under prefix (as /config/changes/
 * config_change_). */
int sk_tzk_create_seq(sk_tzk_t *z, const char *prefix, const char *data, char *err,
                      size_t errlen);

/* Topic names, sorted. SK_ENOENT when /brokers/topics does not exist (no
 * Kafka cluster under this chroot). */
int sk_tzk_list(sk_tzk_t *z, char ***names, int *n, char *err, size_t errlen);
void sk_tzk_free_names(char **names, int n);

/* 1 if /admin/delete_topics/<t> exists, 0 if not, or a negative SK_E*. */
int sk_tzk_marked_for_deletion(sk_tzk_t *z, const char *topic, char *err, size_t errlen);

/* Live broker ids (children of /brokers/ids), sorted (malloc'd). */
int sk_tzk_live_brokers(sk_tzk_t *z, int32_t **ids, int *n, char *err, size_t errlen);

/* Describe one topic: assignment, partition states (leader -1 and empty ISR
 * while a state node is missing), /config/topics/<t>, the deletion mark.
 * SK_ENOENT if the topic node does not exist. */
int sk_tzk_describe(sk_tzk_t *z, const char *topic, sk_tdesc_topic_t *out, char *err,
                    size_t errlen);

/* Create a topic. assignment NULL: Kafka's rack-unaware assignment of
 * partitions x rf over the live brokers, with a random start. Checks, with
 * Kafka's messages: a legal name, no '.'/'_' collision with an existing
 * topic, known config names, a consistent assignment. SK_EEXIST when the
 * topic exists or is marked for deletion; SK_EINVAL for invalid input. */
int sk_tzk_create(sk_tzk_t *z, const char *topic, int partitions, int rf,
                  const sk_assignment_t *assignment, const sk_kvlist_t *configs, char *err,
                  size_t errlen);

/* Create /admin/delete_topics/<t>. SK_EEXIST if already marked, SK_EINVAL
 * for an internal topic. */
int sk_tzk_mark_delete(sk_tzk_t *z, const char *topic, char *err, size_t errlen);

/* Grow a topic to total partitions. assignment NULL: Kafka's assignment
 * continuing the existing layout; otherwise an explicit assignment of ALL
 * partitions (the existing ones are ignored, as kafka-topics does), whose
 * brokers must be live. The node is rewritten with a conditional setData
 * (topic id, adding/removing replicas kept). SK_ENOENT if no such topic,
 * SK_EINVAL if total does not grow it. */
int sk_tzk_add_partitions(sk_tzk_t *z, const char *topic, int total,
                          const sk_assignment_t *assignment, char *err, size_t errlen);

/* 1 if name is one of Kafka's topic-level config names (checked for
 * --config with --zookeeper, where no broker checks them). */
int sk_topic_config_known(const char *name);

#endif
