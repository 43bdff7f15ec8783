/* configs_zk.h - skein-configs --zookeeper: /config/<type>/<name> read and
 * written directly, as kafka-configs.sh --zookeeper did, each write
 * followed by Kafka's /config/changes notification so every broker applies
 * it at once. Blocking libzookeeper_mt calls: a command-line tool only.
 * @locality any
 */
#ifndef SK_CONFIGS_ZK_H
#define SK_CONFIGS_ZK_H
#ifndef THREADED
#define THREADED
#endif
#include <zookeeper/zookeeper.h>

#include "configs_cmd.h"

/* Connected within 15 s, or NULL with the reason. digest_file (NULL: none):
 * credentials as zookeeper.digest.file (zkauth.h); the session
 * authenticates with them and creates znodes with Kafka's secure ACLs. */
zhandle_t *sk_cfgzk_open(const char *connect, const char *digest_file, char *err, size_t errlen);
/* The ACL for a znode this handle creates at path. */
struct ACL_vector *sk_cfgzk_acl(zhandle_t *zh, const char *path);
/* A node's data (malloc'd, NUL-terminated) or NULL: *zrc says why (ZNONODE
 * also for null data). */
char *sk_cfgzk_get(zhandle_t *zh, const char *path, int *len, struct Stat *st, int *zrc);
/* Create path's missing parents (persistent, no data). */
int sk_cfgzk_parents(zhandle_t *zh, const char *path);
/* Kafka's change notification for entity_path ("users/alice"). */
int sk_cfgzk_notify(zhandle_t *zh, const char *entity_path);

/* --describe: the entity's settings (or every entity of its type), one
 * line each as kafka-configs.sh --zookeeper printed them:
 *   Configs for topic 'orders' are retention.ms=1000,cleanup.policy=compact
 * Exit status 0, or 1 on a ZooKeeper failure. */
int sk_cfgzk_describe(zhandle_t *zh, const sk_cfg_cmd_t *cmd);
/* --alter: --add-config and --delete-config applied to the entity's node
 * (checked first: nothing is written on a bad key or value; a conditional
 * write, read again on a conflict), then the notification.
 *   Completed updating config for entity: topic 'orders'.
 * Exit status 0, 1 (ZooKeeper) or 2 (a refused key or value). */
int sk_cfgzk_alter(zhandle_t *zh, const sk_cfg_cmd_t *cmd);

#endif
