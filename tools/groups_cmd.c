/* groups_cmd.c - skein-consumer-groups option parsing and checks (see
 * groups_cmd.h). */
#include "groups_cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "mem.h"
#include "toolopt.h"

enum {
    OPT_BOOTSTRAP = 256,
    OPT_COMMAND_CONFIG,
    OPT_TIMEOUT,
    OPT_LIST,
    OPT_DESCRIBE,
    OPT_RESET,
    OPT_DELETE,
    OPT_DELETE_OFFSETS,
    OPT_GROUP,
    OPT_ALL_GROUPS,
    OPT_MEMBERS,
    OPT_OFFSETS,
    OPT_STATE,
    OPT_VERBOSE,
    OPT_TOPIC,
    OPT_ALL_TOPICS,
    OPT_TO_EARLIEST,
    OPT_TO_LATEST,
    OPT_TO_CURRENT,
    OPT_TO_OFFSET,
    OPT_SHIFT_BY,
    OPT_TO_DATETIME,
    OPT_DRY_RUN,
    OPT_EXECUTE,
    OPT_HELP,
    OPT_VERSION,
};

static const struct option long_opts[] = {
    {"bootstrap-server", required_argument, NULL, OPT_BOOTSTRAP},
    {"command-config", required_argument, NULL, OPT_COMMAND_CONFIG},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"list", no_argument, NULL, OPT_LIST},
    {"describe", no_argument, NULL, OPT_DESCRIBE},
    {"reset-offsets", no_argument, NULL, OPT_RESET},
    {"delete", no_argument, NULL, OPT_DELETE},
    {"delete-offsets", no_argument, NULL, OPT_DELETE_OFFSETS},
    {"group", required_argument, NULL, OPT_GROUP},
    {"all-groups", no_argument, NULL, OPT_ALL_GROUPS},
    {"members", no_argument, NULL, OPT_MEMBERS},
    {"offsets", no_argument, NULL, OPT_OFFSETS},
    {"state", no_argument, NULL, OPT_STATE},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"topic", required_argument, NULL, OPT_TOPIC},
    {"all-topics", no_argument, NULL, OPT_ALL_TOPICS},
    {"to-earliest", no_argument, NULL, OPT_TO_EARLIEST},
    {"to-latest", no_argument, NULL, OPT_TO_LATEST},
    {"to-current", no_argument, NULL, OPT_TO_CURRENT},
    {"to-offset", required_argument, NULL, OPT_TO_OFFSET},
    {"shift-by", required_argument, NULL, OPT_SHIFT_BY},
    {"to-datetime", required_argument, NULL, OPT_TO_DATETIME},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"execute", no_argument, NULL, OPT_EXECUTE},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const char *const action_names[] = {"",         "--list",   "--describe",
                                           "--reset-offsets", "--delete", "--delete-offsets"};

static const char *const reset_names[] = {"",           "--to-earliest", "--to-latest",
                                          "--to-offset", "--shift-by",    "--to-datetime",
                                          "--to-current"};

void sk_groups_cmd_usage(FILE *out)
{
    fputs(
        "Usage: skein-consumer-groups --bootstrap-server HOST:PORT[,...]\n"
        "           (--list | --describe | --reset-offsets | --delete | --delete-offsets)\n"
        "           [options]\n"
        "\n"
        "List, describe and delete consumer groups, reset and delete their committed\n"
        "offsets, like kafka-consumer-groups.sh.\n"
        "\n"
        "Connection:\n"
        "  --bootstrap-server HOST:PORT[,...]  brokers to connect to (required)\n"
        "  --command-config FILE          client properties (librdkafka names)\n"
        "  --timeout MS                   wait at most MS for each broker answer\n"
        "                                 (default 10000)\n"
        "\n"
        "Actions (exactly one):\n"
        "  --list                         list all consumer groups\n"
        "  --describe                     describe --group G (repeatable) or --all-groups:\n"
        "                                 by default per partition the committed offset,\n"
        "                                 log end offset, lag and owning member\n"
        "  --reset-offsets                plan (--dry-run, the default) or apply (--execute)\n"
        "                                 new committed offsets for --group G or\n"
        "                                 --all-groups, on --topic T[:P,...] or\n"
        "                                 --all-topics; the group must be inactive\n"
        "  --delete                       delete --group G (repeatable) or --all-groups;\n"
        "                                 only groups without active members\n"
        "  --delete-offsets               delete the committed offsets of --group G for\n"
        "                                 --topic T[:P,...]\n"
        "\n"
        "Describe options (at most one of --members, --offsets, --state):\n"
        "  --offsets                      GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET\n"
        "                                 LAG CONSUMER-ID HOST CLIENT-ID (the default)\n"
        "  --members                      GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS\n"
        "  --state                        GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE\n"
        "                                 #MEMBERS\n"
        "  --verbose                      with --members: also each member's ASSIGNMENT\n"
        "\n"
        "Reset options (exactly one target):\n"
        "  --to-earliest                  the log start offset\n"
        "  --to-latest                    the log end offset\n"
        "  --to-current                   the committed offset (no change)\n"
        "  --to-offset N                  offset N\n"
        "  --shift-by N                   the committed offset plus N (N may be negative)\n"
        "  --to-datetime YYYY-MM-DDTHH:mm:SS.sss[Z|+HH:MM|-HH:MM]\n"
        "                                 the first offset with a timestamp at or after\n"
        "                                 this time (UTC unless an offset is given)\n"
        "  New offsets are kept between the log start and log end offsets.\n"
        "  --dry-run                      only print the plan (the default)\n"
        "  --execute                      commit the new offsets\n"
        "\n"
        "Other:\n"
        "  --help                         this text\n"
        "  --version                      print the version\n"
        "\n"
        "Exit status: 0 success, 1 the operation failed (message on stderr), 2 usage error.\n",
        out);
}

static int set_action(sk_groups_cmd_t *c, sk_gc_action_t a, char *err, size_t errlen)
{
    if (c->action != SK_GC_NONE && c->action != a) {
        snprintf(err, errlen,
                 "Command must include exactly one action: --list, --describe, --delete, "
                 "--reset-offsets, --delete-offsets (got %s and %s)",
                 action_names[c->action], action_names[a]);
        return SK_EINVAL;
    }
    c->action = a;
    return SK_OK;
}

static int set_show(sk_groups_cmd_t *c, sk_gc_show_t s, int *given, char *err, size_t errlen)
{
    static const char *const names[] = {"--offsets", "--members", "--state"};
    if (*given && c->show != s) {
        snprintf(err, errlen, "Option --describe takes at most one of --members, --offsets, "
                              "--state (got %s and %s)", names[c->show], names[s]);
        return SK_EINVAL;
    }
    *given = 1;
    c->show = s;
    return SK_OK;
}

static int set_reset(sk_groups_cmd_t *c, sk_greset_mode_t m, char *err, size_t errlen)
{
    if (c->reset != SK_GRESET_NONE) {
        snprintf(err, errlen, "Option --reset-offsets takes exactly one of --to-earliest, "
                              "--to-latest, --to-current, --to-offset, --shift-by, "
                              "--to-datetime (got %s and %s)", reset_names[c->reset],
                 reset_names[m]);
        return SK_EINVAL;
    }
    c->reset = m;
    return SK_OK;
}

static int parse_long(const char *opt, const char *arg, long long lo, long long hi,
                      long long *out, char *err, size_t errlen)
{
    char e[128];
    if (sk_topt_int(arg, lo, hi, out, e, sizeof(e)) != SK_OK) {
        snprintf(err, errlen, "%s: %s", opt, e);
        return SK_EINVAL;
    }
    return SK_OK;
}

static int add_topic(sk_groups_cmd_t *c, const char *arg, char *err, size_t errlen)
{
    sk_gtopic_spec_t s;
    char e[256];
    if (sk_gtopic_spec_parse(arg, &s, e, sizeof(e)) != SK_OK) {
        snprintf(err, errlen, "--topic: %s", e);
        return SK_EINVAL;
    }
    c->topics = sk_realloc(c->topics, (size_t)(c->n_topics + 1) * sizeof(*c->topics));
    c->topics[c->n_topics++] = s;
    return SK_OK;
}

/* An option that only one action accepts. */
static int only_with(int present, const char *opt, const sk_groups_cmd_t *c, sk_gc_action_t a1,
                     sk_gc_action_t a2, char *err, size_t errlen)
{
    if (!present || c->action == a1 || c->action == a2)
        return SK_OK;
    snprintf(err, errlen, "Option %s can't be used with option %s", opt,
             action_names[c->action]);
    return SK_EINVAL;
}

static int check(sk_groups_cmd_t *c, int show_given, char *err, size_t errlen)
{
    if (c->action == SK_GC_NONE) {
        snprintf(err, errlen, "Command must include exactly one action: --list, --describe, "
                              "--delete, --reset-offsets, --delete-offsets");
        return SK_EINVAL;
    }
    if (!c->bootstrap) {
        snprintf(err, errlen, "Missing required argument --bootstrap-server");
        return SK_EINVAL;
    }
    int rc;
    if ((rc = only_with(show_given, "--members/--offsets/--state", c, SK_GC_DESCRIBE,
                        SK_GC_DESCRIBE, err, errlen)) ||
        (rc = only_with(c->verbose, "--verbose", c, SK_GC_DESCRIBE, SK_GC_DESCRIBE, err,
                        errlen)) ||
        (rc = only_with(c->n_topics > 0, "--topic", c, SK_GC_RESET, SK_GC_DELETE_OFFSETS, err,
                        errlen)) ||
        (rc = only_with(c->all_topics, "--all-topics", c, SK_GC_RESET, SK_GC_RESET, err,
                        errlen)) ||
        (rc = only_with(c->reset != SK_GRESET_NONE, reset_names[c->reset], c, SK_GC_RESET,
                        SK_GC_RESET, err, errlen)) ||
        (rc = only_with(c->dry_run, "--dry-run", c, SK_GC_RESET, SK_GC_RESET, err, errlen)) ||
        (rc = only_with(c->execute, "--execute", c, SK_GC_RESET, SK_GC_RESET, err, errlen)))
        return rc;
    if (c->action == SK_GC_LIST) {
        if (c->n_groups > 0 || c->all_groups) {
            snprintf(err, errlen, "Option %s can't be used with option --list",
                     c->n_groups ? "--group" : "--all-groups");
            return SK_EINVAL;
        }
        return SK_OK;
    }
    if (c->n_groups > 0 && c->all_groups) {
        snprintf(err, errlen, "Option %s takes either --group or --all-groups, not both",
                 action_names[c->action]);
        return SK_EINVAL;
    }
    if (c->action == SK_GC_DELETE_OFFSETS) {
        if (c->all_groups || c->n_groups != 1) {
            snprintf(err, errlen, "Option --delete-offsets takes exactly one --group");
            return SK_EINVAL;
        }
        if (c->n_topics == 0) {
            snprintf(err, errlen, "Option --delete-offsets needs --topic");
            return SK_EINVAL;
        }
        return SK_OK;
    }
    if (c->n_groups == 0 && !c->all_groups) {
        snprintf(err, errlen, "Option %s takes one of these options: --all-groups, --group",
                 action_names[c->action]);
        return SK_EINVAL;
    }
    if (c->action == SK_GC_RESET) {
        if (c->n_topics == 0 && !c->all_topics) {
            snprintf(err, errlen, "Option --reset-offsets needs one of the reset scopes: "
                                  "--all-topics, --topic");
            return SK_EINVAL;
        }
        if (c->n_topics > 0 && c->all_topics) {
            snprintf(err, errlen, "Option --reset-offsets takes either --topic or "
                                  "--all-topics, not both");
            return SK_EINVAL;
        }
        if (c->reset == SK_GRESET_NONE) {
            snprintf(err, errlen, "Option --reset-offsets needs one of --to-earliest, "
                                  "--to-latest, --to-current, --to-offset, --shift-by, "
                                  "--to-datetime");
            return SK_EINVAL;
        }
        if (c->dry_run && c->execute) {
            snprintf(err, errlen, "Option --reset-offsets only accepts one of --execute, "
                                  "--dry-run");
            return SK_EINVAL;
        }
    }
    return SK_OK;
}

int sk_groups_cmd_parse(int argc, char **argv, sk_groups_cmd_t *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    c->timeout_ms = SK_GC_DEFAULT_TIMEOUT_MS;
    optind = 0; /* full re-initialisation of GNU getopt (tests parse repeatedly) */
    opterr = 0;
    int rc = SK_OK;
    int ch;
    int show_given = 0;
    long long v;
    while ((ch = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        switch (ch) {
        case OPT_BOOTSTRAP: c->bootstrap = optarg; break;
        case OPT_COMMAND_CONFIG: c->command_config = optarg; break;
        case OPT_TIMEOUT:
            rc = parse_long("--timeout", optarg, 1, INT32_MAX, &v, err, errlen);
            c->timeout_ms = (int)v;
            break;
        case OPT_LIST: rc = set_action(c, SK_GC_LIST, err, errlen); break;
        case OPT_DESCRIBE: rc = set_action(c, SK_GC_DESCRIBE, err, errlen); break;
        case OPT_RESET: rc = set_action(c, SK_GC_RESET, err, errlen); break;
        case OPT_DELETE: rc = set_action(c, SK_GC_DELETE, err, errlen); break;
        case OPT_DELETE_OFFSETS: rc = set_action(c, SK_GC_DELETE_OFFSETS, err, errlen); break;
        case OPT_GROUP:
            if (*optarg == '\0') {
                snprintf(err, errlen, "--group: empty group id");
                rc = SK_EINVAL;
                break;
            }
            c->groups = sk_realloc(c->groups, (size_t)(c->n_groups + 1) * sizeof(char *));
            c->groups[c->n_groups++] = optarg;
            break;
        case OPT_ALL_GROUPS: c->all_groups = 1; break;
        case OPT_MEMBERS: rc = set_show(c, SK_GC_SHOW_MEMBERS, &show_given, err, errlen); break;
        case OPT_OFFSETS: rc = set_show(c, SK_GC_SHOW_OFFSETS, &show_given, err, errlen); break;
        case OPT_STATE: rc = set_show(c, SK_GC_SHOW_STATE, &show_given, err, errlen); break;
        case OPT_VERBOSE: c->verbose = 1; break;
        case OPT_TOPIC: rc = add_topic(c, optarg, err, errlen); break;
        case OPT_ALL_TOPICS: c->all_topics = 1; break;
        case OPT_TO_EARLIEST: rc = set_reset(c, SK_GRESET_EARLIEST, err, errlen); break;
        case OPT_TO_LATEST: rc = set_reset(c, SK_GRESET_LATEST, err, errlen); break;
        case OPT_TO_CURRENT: rc = set_reset(c, SK_GRESET_CURRENT, err, errlen); break;
        case OPT_TO_OFFSET:
            if ((rc = set_reset(c, SK_GRESET_OFFSET, err, errlen)) == SK_OK &&
                (rc = parse_long("--to-offset", optarg, 0, INT64_MAX, &v, err, errlen)) == SK_OK)
                c->reset_value = v;
            break;
        case OPT_SHIFT_BY:
            if ((rc = set_reset(c, SK_GRESET_SHIFT, err, errlen)) == SK_OK &&
                (rc = parse_long("--shift-by", optarg, INT64_MIN, INT64_MAX, &v, err, errlen)) ==
                    SK_OK)
                c->reset_value = v;
            break;
        case OPT_TO_DATETIME:
            if ((rc = set_reset(c, SK_GRESET_DATETIME, err, errlen)) == SK_OK) {
                char e[256];
                int64_t ms;
                if (sk_gdatetime_parse(optarg, &ms, e, sizeof(e)) != SK_OK) {
                    snprintf(err, errlen, "--to-datetime: %s", e);
                    rc = SK_EINVAL;
                } else {
                    c->reset_value = ms;
                }
            }
            break;
        case OPT_DRY_RUN: c->dry_run = 1; break;
        case OPT_EXECUTE: c->execute = 1; break;
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
    return check(c, show_given, err, errlen);
}

void sk_groups_cmd_clear(sk_groups_cmd_t *c)
{
    for (int i = 0; i < c->n_topics; i++)
        sk_gtopic_spec_clear(&c->topics[i]);
    free(c->topics);
    free(c->groups);
    c->topics = NULL;
    c->groups = NULL;
    c->n_topics = c->n_groups = 0;
}
