/* configs_cmd.h - skein-configs' command (kafka-configs.sh's flags) and the
 * parts both of its ways in share: the --add-config syntax, the entity
 * named by --entity-type/--entity-name/--entity-default, the checks of keys
 * and values (the broker's own key tables), Kafka's output lines.
 * @locality any (a command-line tool)
 */
#ifndef SK_CONFIGS_CMD_H
#define SK_CONFIGS_CMD_H
#include <stddef.h>

/* One entity: a type (topics, brokers, users, clients) and a name; NULL
 * name: every entity of the type (--describe without --entity-name);
 * --entity-default gives "<default>". users may carry a clients child. */
typedef struct sk_cfg_entity {
    const char *type[2];
    const char *name[2]; /* as given (users and clients are sanitized for paths) */
    int def[2];
    int n;               /* 1, or 2 for users + clients */
} sk_cfg_entity_t;

typedef struct sk_cfg_kv {
    char *key, *value;
} sk_cfg_kv_t;

typedef struct sk_cfg_cmd {
    const char *zookeeper, *bootstrap, *command_config;
    const char *zk_digest_file; /* --zk-digest-file */
    sk_cfg_entity_t ent;
    int describe, alter, all;
    sk_cfg_kv_t *add;
    int n_add;
    char **del;
    int n_del;
    const char *add_raw; /* for SCRAM users (their own syntax) */
    const char *del_raw;
} sk_cfg_cmd_t;

/* Kafka's --add-config syntax: k=v,k2=[a,b],k3=v3 (brackets keep commas,
 * which become the value's commas). 0, or -1 with a reason. Free with
 * sk_cfg_kv_free. */
int sk_cfg_parse_add(const char *s, sk_cfg_kv_t **out, int *n, char *err, size_t errlen);
void sk_cfg_kv_free(sk_cfg_kv_t *kv, int n);

/* A key and value as the entity's type takes them: topic keys and broker
 * keys through the broker's tables (only dynamic broker keys), quota keys
 * of users and clients (producer_byte_rate, consumer_byte_rate,
 * request_percentage). value NULL: the key alone (--delete-config). 0, or
 * -1 with Kafka's reason. */
int sk_cfg_check(const char *type, const char *key, const char *value, char *err, size_t errlen);

/* Kafka's Sanitizer: a user or client name as it appears in a znode path
 * (URL-encoded, '*' as %2A, blank as %20); "<default>" stays. malloc'd. */
char *sk_cfg_sanitize(const char *name);

/* The znode path below /config of ent: "topics/t", "brokers/<default>",
 * "users/alice/clients/app". malloc'd. */
char *sk_cfg_entity_path(const sk_cfg_entity_t *ent);
/* Kafka's name for it in messages: "topic 't'", "default brokers",
 * "user-principal 'alice', client-id 'app'". malloc'd. */
char *sk_cfg_entity_label(const sk_cfg_entity_t *ent);

#endif
