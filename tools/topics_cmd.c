/* topics_cmd.c - skein-topics option parsing and checks (see topics_cmd.h). */
#include "topics_cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "kerr.h"

enum {
    OPT_BOOTSTRAP = 256,
    OPT_ZOOKEEPER,
    OPT_COMMAND_CONFIG,
    OPT_CREATE,
    OPT_LIST,
    OPT_DESCRIBE,
    OPT_DELETE,
    OPT_ALTER,
    OPT_TOPIC,
    OPT_PARTITIONS,
    OPT_RF,
    OPT_ASSIGNMENT,
    OPT_CONFIG,
    OPT_IF_EXISTS,
    OPT_IF_NOT_EXISTS,
    OPT_UNDER_REPLICATED,
    OPT_UNAVAILABLE,
    OPT_WITH_OVERRIDES,
    OPT_EXCLUDE_INTERNAL,
    OPT_HELP,
    OPT_VERSION,
    OPT_ZK_DIGEST_FILE,
};

static const struct option long_opts[] = {
    {"bootstrap-server", required_argument, NULL, OPT_BOOTSTRAP},
    {"zookeeper", required_argument, NULL, OPT_ZOOKEEPER},
    {"zk-digest-file", required_argument, NULL, OPT_ZK_DIGEST_FILE},
    {"command-config", required_argument, NULL, OPT_COMMAND_CONFIG},
    {"create", no_argument, NULL, OPT_CREATE},
    {"list", no_argument, NULL, OPT_LIST},
    {"describe", no_argument, NULL, OPT_DESCRIBE},
    {"delete", no_argument, NULL, OPT_DELETE},
    {"alter", no_argument, NULL, OPT_ALTER},
    {"topic", required_argument, NULL, OPT_TOPIC},
    {"partitions", required_argument, NULL, OPT_PARTITIONS},
    {"replication-factor", required_argument, NULL, OPT_RF},
    {"replica-assignment", required_argument, NULL, OPT_ASSIGNMENT},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"if-exists", no_argument, NULL, OPT_IF_EXISTS},
    {"if-not-exists", no_argument, NULL, OPT_IF_NOT_EXISTS},
    {"under-replicated-partitions", no_argument, NULL, OPT_UNDER_REPLICATED},
    {"unavailable-partitions", no_argument, NULL, OPT_UNAVAILABLE},
    {"topics-with-overrides", no_argument, NULL, OPT_WITH_OVERRIDES},
    {"exclude-internal", no_argument, NULL, OPT_EXCLUDE_INTERNAL},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const char *const action_names[] = {"", "--create", "--list", "--describe", "--delete",
                                           "--alter"};

void sk_topics_cmd_usage(FILE *out)
{
    fputs(
        "Usage: skein-topics (--bootstrap-server HOST:PORT | --zookeeper HOST:PORT[/chroot])\n"
        "                    (--create | --list | --describe | --delete | --alter) [options]\n"
        "\n"
        "Create, list, describe, delete topics and add partitions, like kafka-topics.sh.\n"
        "\n"
        "Connection (exactly one):\n"
        "  --bootstrap-server HOST:PORT[,...]  use the admin APIs of a broker\n"
        "  --zookeeper HOST:PORT[,...][/chroot] read and write the znodes directly (the\n"
        "                                       controller applies the change)\n"
        "  --zk-digest-file FILE          --zookeeper: authenticate with the brokers'\n"
        "                                 credentials (username=, password=; as\n"
        "                                 zookeeper.digest.file) and create znodes with\n"
        "                                 Kafka's secure ACLs (zookeeper.set.acl clusters)\n"
        "  --command-config FILE          client properties (librdkafka names) for\n"
        "                                 --bootstrap-server\n"
        "\n"
        "Actions (exactly one):\n"
        "  --create                       create --topic\n"
        "  --list                         list topic names (all, or those matching --topic)\n"
        "  --describe                     describe topics (all, or those matching --topic)\n"
        "  --delete                       delete the topics matching --topic\n"
        "  --alter                        add partitions: --alter --partitions N\n"
        "\n"
        "Options:\n"
        "  --topic T                      topic name; except with --create also a regular\n"
        "                                 expression matching whole names, ',' separating\n"
        "                                 alternatives (quote it: 'test\\.topic')\n"
        "  --partitions N                 partitions of a new topic / new partition count\n"
        "  --replication-factor R         replicas of each partition of a new topic\n"
        "  --replica-assignment LIST      explicit placement, partitions separated by ',',\n"
        "                                 brokers by ':' (0:1,1:2 = partition 0 on brokers\n"
        "                                 0 and 1, partition 1 on 1 and 2); with --alter the\n"
        "                                 list covers all partitions, old ones included\n"
        "  --config KEY=VALUE             topic config override (repeatable, --create)\n"
        "  --if-exists                    --alter, --delete, --describe: no error when the\n"
        "                                 topic does not exist\n"
        "  --if-not-exists                --create: no error when the topic exists\n"
        "  --under-replicated-partitions  --describe: only partitions whose ISR is smaller\n"
        "                                 than the replica list\n"
        "  --unavailable-partitions       --describe: only partitions without a live leader\n"
        "  --topics-with-overrides        --describe: only topics with config overrides\n"
        "  --exclude-internal             leave out internal topics (__consumer_offsets...)\n"
        "  --help                         this text\n"
        "  --version                      print the version\n"
        "\n"
        "With --bootstrap-server, --partitions and --replication-factor default to the\n"
        "broker's num.partitions and default.replication.factor.\n"
        "\n"
        "Exit status: 0 success, 1 the operation failed (message on stderr), 2 usage error.\n",
        out);
}

static int set_action(sk_topics_cmd_t *c, sk_tc_action_t a, char *err, size_t errlen)
{
    if (c->action != SK_TC_NONE && c->action != a) {
        snprintf(err, errlen, "Command must include exactly one action: --list, --describe, "
                              "--create, --alter or --delete (got %s and %s)",
                 action_names[c->action], action_names[a]);
        return SK_EINVAL;
    }
    c->action = a;
    return SK_OK;
}

static int parse_count(const char *opt, const char *arg, int *out, char *err, size_t errlen)
{
    long long v;
    char e[128];
    if (sk_topt_int(arg, 1, INT32_MAX, &v, e, sizeof(e)) != SK_OK) {
        snprintf(err, errlen, "--%s: %s (must be a number >= 1)", opt, e);
        return SK_EINVAL;
    }
    *out = (int)v;
    return SK_OK;
}

/* An option that only some actions accept. */
static int only_with(int present, const char *opt, const sk_topics_cmd_t *c,
                     const sk_tc_action_t *allowed, int n_allowed, char *err, size_t errlen)
{
    if (!present)
        return SK_OK;
    for (int i = 0; i < n_allowed; i++)
        if (c->action == allowed[i])
            return SK_OK;
    snprintf(err, errlen, "Option %s can't be used with option %s", opt, action_names[c->action]);
    return SK_EINVAL;
}

static int check(sk_topics_cmd_t *c, char *err, size_t errlen)
{
    static const sk_tc_action_t create[] = {SK_TC_CREATE};
    static const sk_tc_action_t create_alter[] = {SK_TC_CREATE, SK_TC_ALTER};
    static const sk_tc_action_t exists[] = {SK_TC_ALTER, SK_TC_DELETE, SK_TC_DESCRIBE};
    static const sk_tc_action_t describe[] = {SK_TC_DESCRIBE};
    static const sk_tc_action_t listing[] = {SK_TC_DESCRIBE, SK_TC_LIST};

    if (c->action == SK_TC_NONE) {
        snprintf(err, errlen, "Command must include exactly one action: --list, --describe, "
                              "--create, --alter or --delete");
        return SK_EINVAL;
    }
    if (!c->bootstrap && !c->zookeeper) {
        snprintf(err, errlen, "One of --bootstrap-server or --zookeeper is required");
        return SK_EINVAL;
    }
    if (c->bootstrap && c->zookeeper) {
        snprintf(err, errlen, "Only one of --bootstrap-server or --zookeeper must be specified");
        return SK_EINVAL;
    }
    if (c->zk_digest_file && !c->zookeeper) {
        snprintf(err, errlen, "--zk-digest-file needs --zookeeper");
        return SK_EINVAL;
    }
    if (c->command_config && !c->bootstrap) {
        snprintf(err, errlen, "--command-config needs --bootstrap-server");
        return SK_EINVAL;
    }
    if ((c->action == SK_TC_CREATE || c->action == SK_TC_ALTER || c->action == SK_TC_DELETE) &&
        !c->topic) {
        snprintf(err, errlen, "Missing required argument --topic for %s", action_names[c->action]);
        return SK_EINVAL;
    }
    int rc;
    if ((rc = only_with(c->partitions >= 0, "--partitions", c, create_alter, 2, err, errlen)) ||
        (rc = only_with(c->replication_factor >= 0, "--replication-factor", c, create, 1, err,
                        errlen)) ||
        (rc = only_with(c->replica_assignment != NULL, "--replica-assignment", c, create_alter, 2,
                        err, errlen)) ||
        (rc = only_with(c->configs.n > 0, "--config", c, create, 1, err, errlen)) ||
        (rc = only_with(c->if_exists, "--if-exists", c, exists, 3, err, errlen)) ||
        (rc = only_with(c->if_not_exists, "--if-not-exists", c, create, 1, err, errlen)) ||
        (rc = only_with(c->under_replicated, "--under-replicated-partitions", c, describe, 1,
                        err, errlen)) ||
        (rc = only_with(c->unavailable, "--unavailable-partitions", c, describe, 1, err,
                        errlen)) ||
        (rc = only_with(c->topics_with_overrides, "--topics-with-overrides", c, describe, 1, err,
                        errlen)) ||
        (rc = only_with(c->exclude_internal, "--exclude-internal", c, listing, 2, err, errlen)))
        return rc;
    if (c->action == SK_TC_CREATE && c->replica_assignment &&
        (c->partitions >= 0 || c->replication_factor >= 0)) {
        snprintf(err, errlen, "Option --replica-assignment can't be used with --partitions or "
                              "--replication-factor when creating a topic");
        return SK_EINVAL;
    }
    if (c->action == SK_TC_CREATE && c->zookeeper && !c->replica_assignment &&
        (c->partitions < 0 || c->replication_factor < 0)) {
        snprintf(err, errlen, "--create with --zookeeper needs --partitions and "
                              "--replication-factor (or --replica-assignment)");
        return SK_EINVAL;
    }
    if (c->action == SK_TC_ALTER && c->partitions < 0) {
        snprintf(err, errlen, "--alter needs --partitions (configs are changed with "
                              "kafka-configs; only adding partitions is supported)");
        return SK_EINVAL;
    }
    if (c->topics_with_overrides && (c->under_replicated || c->unavailable)) {
        snprintf(err, errlen, "--topics-with-overrides can't be used with the partition filters");
        return SK_EINVAL;
    }
    return SK_OK;
}

int sk_topics_cmd_parse(int argc, char **argv, sk_topics_cmd_t *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    c->partitions = -1;
    c->replication_factor = -1;
    sk_kvlist_init(&c->configs);
    optind = 0; /* full re-initialisation of GNU getopt (tests parse repeatedly) */
    opterr = 0;
    int rc = SK_OK;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        switch (ch) {
        case OPT_BOOTSTRAP: c->bootstrap = optarg; break;
        case OPT_ZOOKEEPER: c->zookeeper = optarg; break;
        case OPT_ZK_DIGEST_FILE: c->zk_digest_file = optarg; break;
        case OPT_COMMAND_CONFIG: c->command_config = optarg; break;
        case OPT_CREATE: rc = set_action(c, SK_TC_CREATE, err, errlen); break;
        case OPT_LIST: rc = set_action(c, SK_TC_LIST, err, errlen); break;
        case OPT_DESCRIBE: rc = set_action(c, SK_TC_DESCRIBE, err, errlen); break;
        case OPT_DELETE: rc = set_action(c, SK_TC_DELETE, err, errlen); break;
        case OPT_ALTER: rc = set_action(c, SK_TC_ALTER, err, errlen); break;
        case OPT_TOPIC: c->topic = optarg; break;
        case OPT_PARTITIONS:
            rc = parse_count("partitions", optarg, &c->partitions, err, errlen);
            break;
        case OPT_RF:
            rc = parse_count("replication-factor", optarg, &c->replication_factor, err, errlen);
            break;
        case OPT_ASSIGNMENT: c->replica_assignment = optarg; break;
        case OPT_CONFIG: {
            char e[256];
            if (sk_kvlist_add_arg(&c->configs, optarg, e, sizeof(e)) != SK_OK) {
                snprintf(err, errlen, "--config: %s", e);
                rc = SK_EINVAL;
            }
            break;
        }
        case OPT_IF_EXISTS: c->if_exists = 1; break;
        case OPT_IF_NOT_EXISTS: c->if_not_exists = 1; break;
        case OPT_UNDER_REPLICATED: c->under_replicated = 1; break;
        case OPT_UNAVAILABLE: c->unavailable = 1; break;
        case OPT_WITH_OVERRIDES: c->topics_with_overrides = 1; break;
        case OPT_EXCLUDE_INTERNAL: c->exclude_internal = 1; break;
        case 'h':
        case OPT_HELP: c->help = 1; break;
        case OPT_VERSION: c->version = 1; break;
        case ':':
            snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
            rc = SK_EINVAL;
            break;
        default:
            snprintf(err, errlen, "unknown option %s", argv[optind - 1]);
            rc = SK_EINVAL;
            break;
        }
        if (rc != SK_OK)
            return rc;
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return SK_EINVAL;
    }
    if (c->help || c->version)
        return SK_OK;
    return check(c, err, errlen);
}

void sk_topics_cmd_clear(sk_topics_cmd_t *c)
{
    sk_kvlist_free(&c->configs);
}
