/* topics_cmd.h - skein-topics command line: parsing, checks, help text.
 *
 * Parsing is separate from doing so that every usage rule is unit-tested.
 * Option names and rules follow Kafka's kafka-topics.sh.
 * @locality any
 */
#ifndef SK_TOPICS_CMD_H
#define SK_TOPICS_CMD_H
#include <stddef.h>
#include <stdio.h>

#include "toolopt.h"

typedef enum {
    SK_TC_NONE = 0,
    SK_TC_CREATE,
    SK_TC_LIST,
    SK_TC_DESCRIBE,
    SK_TC_DELETE,
    SK_TC_ALTER,
} sk_tc_action_t;

typedef struct sk_topics_cmd {
    sk_tc_action_t action;
    int help;
    int version;
    const char *bootstrap;      /* --bootstrap-server */
    const char *zookeeper;      /* --zookeeper */
    const char *zk_digest_file; /* --zk-digest-file */
    const char *command_config; /* --command-config (client properties file) */
    const char *topic;          /* --topic: a name (create) or an expression */
    int partitions;             /* -1 = not given */
    int replication_factor;     /* -1 = not given */
    const char *replica_assignment;
    sk_kvlist_t configs;        /* --config k=v */
    int if_exists;
    int if_not_exists;
    int under_replicated;
    int unavailable;
    int topics_with_overrides;
    int exclude_internal;
} sk_topics_cmd_t;

/* Parse argv (argv[0] is the program). On a usage error returns SK_EINVAL
 * with a one-line reason in err; the caller prints it and exits 2. Strings
 * in the result point into argv. Release with sk_topics_cmd_clear(). With
 * --help or --version the other checks are skipped. */
int sk_topics_cmd_parse(int argc, char **argv, sk_topics_cmd_t *c, char *err, size_t errlen);
void sk_topics_cmd_clear(sk_topics_cmd_t *c);
void sk_topics_cmd_usage(FILE *out);

#endif
