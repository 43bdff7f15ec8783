/* skein-console-consumer - print a topic's records on standard output, like
 * Kafka's kafka-console-consumer.sh (built on librdkafka).
 *
 * Without --group the consumer assigns itself every partition of the topic
 * (or the one given with --partition) and commits nothing; with --group it
 * subscribes and lets the group coordinator share the partitions. */
#include "config.h"

#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "console_fmt.h"
#include "kerr.h"
#include "mem.h"
#include "rdk_util.h"
#include "toolopt.h"

#define METADATA_TIMEOUT_MS 10000

enum {
    OPT_BOOTSTRAP = 256,
    OPT_TOPIC,
    OPT_INCLUDE,
    OPT_PARTITION,
    OPT_OFFSET,
    OPT_FROM_BEGINNING,
    OPT_GROUP,
    OPT_MAX_MESSAGES,
    OPT_TIMEOUT_MS,
    OPT_PROPERTY,
    OPT_CONSUMER_PROPERTY,
    OPT_CONSUMER_CONFIG,
    OPT_ISOLATION,
    OPT_HELP,
    OPT_VERSION,
};

static const struct option long_opts[] = {
    {"bootstrap-server", required_argument, NULL, OPT_BOOTSTRAP},
    {"topic", required_argument, NULL, OPT_TOPIC},
    {"include", required_argument, NULL, OPT_INCLUDE},
    {"whitelist", required_argument, NULL, OPT_INCLUDE},
    {"partition", required_argument, NULL, OPT_PARTITION},
    {"offset", required_argument, NULL, OPT_OFFSET},
    {"from-beginning", no_argument, NULL, OPT_FROM_BEGINNING},
    {"group", required_argument, NULL, OPT_GROUP},
    {"max-messages", required_argument, NULL, OPT_MAX_MESSAGES},
    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT_MS},
    {"property", required_argument, NULL, OPT_PROPERTY},
    {"consumer-property", required_argument, NULL, OPT_CONSUMER_PROPERTY},
    {"consumer.config", required_argument, NULL, OPT_CONSUMER_CONFIG},
    {"isolation-level", required_argument, NULL, OPT_ISOLATION},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
    fputs(
        "Usage: skein-console-consumer --bootstrap-server HOST:PORT[,...]\n"
        "                              (--topic T | --include REGEX) [options]\n"
        "\n"
        "Prints the records of a topic on standard output, one per line, like\n"
        "kafka-console-consumer.sh. Stops after --max-messages records, after --timeout-ms\n"
        "without a record, or on SIGINT/SIGTERM, then prints the count on standard error.\n"
        "\n"
        "Options:\n"
        "  --bootstrap-server LIST    brokers to connect to\n"
        "  --topic T                  the topic to consume\n"
        "  --include REGEX            all topics whose whole name matches (alias --whitelist)\n"
        "  --from-beginning           start at the earliest record (default: only new ones)\n"
        "  --partition P              consume only partition P (needs --topic)\n"
        "  --offset O                 with --partition: earliest, latest or an offset\n"
        "                             (default latest)\n"
        "  --group G                  consume as a member of consumer group G (partitions\n"
        "                             shared, offsets committed); without it every\n"
        "                             partition is assigned and nothing is committed\n"
        "  --max-messages N           stop after N records\n"
        "  --timeout-ms MS            stop when no record arrives for MS milliseconds\n"
        "  --isolation-level L        read_uncommitted (default) or read_committed\n"
        "  --consumer-property K=V    any librdkafka consumer setting (repeatable)\n"
        "  --consumer.config FILE     consumer settings from a properties file\n"
        "  --property K=V             output format (repeatable):\n"
        "      print.timestamp=true   CreateTime:<ms> (or LogAppendTime:, NO_TIMESTAMP)\n"
        "      print.partition=true   Partition:<p>\n"
        "      print.offset=true      Offset:<o>\n"
        "      print.headers=true     name:value pairs (NO_HEADERS if none)\n"
        "      print.key=true         the key\n"
        "      print.value=false      leave out the value\n"
        "      key.separator=S        between fields (default TAB)\n"
        "      line.separator=S       after each record (default newline)\n"
        "      headers.separator=S    between headers (default ',')\n"
        "      null.literal=S         shown for a null key or value (default null)\n"
        "  --help                     this text\n"
        "  --version                  print the version\n"
        "\n"
        "Exit status: 0 success (also when --timeout-ms expires), 1 failure, 2 usage error.\n",
        out);
}

typedef struct opts {
    const char *bootstrap;
    const char *topic;
    const char *include;
    const char *group;
    const char *config_file;
    int partition; /* -1: all */
    int64_t offset; /* RD_KAFKA_OFFSET_* or >= 0; valid when has_offset */
    int has_offset;
    int from_beginning;
    long long max_messages; /* -1: unlimited */
    long long timeout_ms;   /* -1: none */
    sk_kvlist_t props;
    sk_kvlist_t rdk;
} opts_t;

static int parse_args(int argc, char **argv, opts_t *o, int *exit_now, char *err, size_t errlen)
{
    optind = 0;
    opterr = 0;
    int ch;
    long long v;
    char e[256];
    while ((ch = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        switch (ch) {
        case OPT_BOOTSTRAP: o->bootstrap = optarg; break;
        case OPT_TOPIC: o->topic = optarg; break;
        case OPT_INCLUDE: o->include = optarg; break;
        case OPT_GROUP: o->group = optarg; break;
        case OPT_CONSUMER_CONFIG: o->config_file = optarg; break;
        case OPT_FROM_BEGINNING: o->from_beginning = 1; break;
        case OPT_PARTITION:
            if (sk_topt_int(optarg, 0, INT32_MAX, &v, e, sizeof(e)) != SK_OK) {
                snprintf(err, errlen, "--partition: %s", e);
                return SK_EINVAL;
            }
            o->partition = (int)v;
            break;
        case OPT_OFFSET:
            o->has_offset = 1;
            if (strcmp(optarg, "earliest") == 0)
                o->offset = RD_KAFKA_OFFSET_BEGINNING;
            else if (strcmp(optarg, "latest") == 0)
                o->offset = RD_KAFKA_OFFSET_END;
            else if (sk_topt_int(optarg, 0, INT64_MAX, &v, e, sizeof(e)) == SK_OK)
                o->offset = v;
            else {
                snprintf(err, errlen, "--offset must be earliest, latest or an offset >= 0, not "
                                      "'%s'", optarg);
                return SK_EINVAL;
            }
            break;
        case OPT_MAX_MESSAGES:
            if (sk_topt_int(optarg, 1, INT64_MAX, &o->max_messages, e, sizeof(e)) != SK_OK) {
                snprintf(err, errlen, "--max-messages: %s", e);
                return SK_EINVAL;
            }
            break;
        case OPT_TIMEOUT_MS:
            if (sk_topt_int(optarg, 0, INT32_MAX, &o->timeout_ms, e, sizeof(e)) != SK_OK) {
                snprintf(err, errlen, "--timeout-ms: %s", e);
                return SK_EINVAL;
            }
            break;
        case OPT_PROPERTY:
            if (sk_kvlist_add_arg(&o->props, optarg, e, sizeof(e)) != SK_OK) {
                snprintf(err, errlen, "--property: %s", e);
                return SK_EINVAL;
            }
            break;
        case OPT_CONSUMER_PROPERTY:
            if (sk_kvlist_add_arg(&o->rdk, optarg, e, sizeof(e)) != SK_OK) {
                snprintf(err, errlen, "--consumer-property: %s", e);
                return SK_EINVAL;
            }
            break;
        case OPT_ISOLATION:
            if (strcmp(optarg, "read_committed") != 0 && strcmp(optarg, "read_uncommitted") != 0) {
                snprintf(err, errlen, "--isolation-level must be read_committed or "
                                      "read_uncommitted");
                return SK_EINVAL;
            }
            sk_kvlist_set(&o->rdk, "isolation.level", optarg);
            break;
        case 'h':
        case OPT_HELP:
            usage(stdout);
            *exit_now = 1;
            return SK_OK;
        case OPT_VERSION:
            printf("skein-console-consumer %s\n", PACKAGE_VERSION);
            *exit_now = 1;
            return SK_OK;
        case ':':
            snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
            return SK_EINVAL;
        default:
            snprintf(err, errlen, "unknown option %s", argv[optind - 1]);
            return SK_EINVAL;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return SK_EINVAL;
    }
    if (!o->bootstrap) {
        snprintf(err, errlen, "--bootstrap-server is required");
        return SK_EINVAL;
    }
    if (!o->topic == !o->include) {
        snprintf(err, errlen, "Exactly one of --include/--topic is required.");
        return SK_EINVAL;
    }
    if (o->partition >= 0 && !o->topic) {
        snprintf(err, errlen, "The topic is required when partition is specified.");
        return SK_EINVAL;
    }
    if (o->has_offset && o->partition < 0) {
        snprintf(err, errlen, "The partition is required when offset is specified.");
        return SK_EINVAL;
    }
    if (o->has_offset && o->from_beginning) {
        snprintf(err, errlen, "Options from-beginning and offset cannot be specified together.");
        return SK_EINVAL;
    }
    const char *prop_group = sk_kvlist_get(&o->rdk, "group.id");
    if (prop_group && o->group && strcmp(prop_group, o->group) != 0) {
        snprintf(err, errlen, "The group ids provided in different places (--group %s, "
                              "--consumer-property group.id=%s) do not match.", o->group,
                 prop_group);
        return SK_EINVAL;
    }
    if (prop_group && !o->group)
        o->group = prop_group;
    if (o->group && o->partition >= 0) {
        snprintf(err, errlen, "--partition and --offset choose partitions by hand; they can't "
                              "be used with --group");
        return SK_EINVAL;
    }
    return SK_OK;
}

/* ---- partitions by hand (no group) -------------------------------------- */

static int include_regex(regex_t *re, const char *pattern, char *err, size_t errlen)
{
    char *expr = sk_asprintf("^(%s)$", pattern);
    int rc = regcomp(re, expr, REG_EXTENDED | REG_NOSUB);
    free(expr);
    if (rc != 0) {
        char m[128];
        regerror(rc, re, m, sizeof(m));
        snprintf(err, errlen, "--include: invalid regular expression '%s': %s", pattern, m);
        return SK_EINVAL;
    }
    return SK_OK;
}

/* Build the assignment from Metadata. Returns SK_ENOENT while nothing
 * matches, SK_EINVAL for a partition that does not exist. */
static int build_assignment(rd_kafka_t *rk, const opts_t *o, const regex_t *re,
                            rd_kafka_topic_partition_list_t **out, char *err, size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, METADATA_TIMEOUT_MS);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "cannot get metadata: %s", rd_kafka_err2str(e));
        return SK_EIO;
    }
    int64_t start = o->has_offset       ? o->offset
                    : o->from_beginning ? RD_KAFKA_OFFSET_BEGINNING
                                        : RD_KAFKA_OFFSET_END;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    int rc = SK_OK;
    for (int i = 0; i < md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *t = &md->topics[i];
        if (t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || t->partition_cnt == 0)
            continue;
        if (o->topic ? strcmp(t->topic, o->topic) != 0 : regexec(re, t->topic, 0, NULL, 0) != 0)
            continue;
        int found = 0;
        for (int p = 0; p < t->partition_cnt; p++) {
            if (o->partition >= 0 && t->partitions[p].id != o->partition)
                continue;
            rd_kafka_topic_partition_list_add(l, t->topic, t->partitions[p].id)->offset = start;
            found = 1;
        }
        if (o->partition >= 0 && !found) {
            snprintf(err, errlen, "Topic %s has %d partition(s): there is no partition %d",
                     t->topic, t->partition_cnt, o->partition);
            rc = SK_EINVAL;
        }
    }
    rd_kafka_metadata_destroy(md);
    if (rc == SK_OK && l->cnt == 0)
        rc = SK_ENOENT;
    if (rc != SK_OK) {
        rd_kafka_topic_partition_list_destroy(l);
        return rc;
    }
    *out = l;
    return SK_OK;
}

/* Assign partitions, waiting for the topic to appear (bounded by
 * --timeout-ms when given). 1 = assigned, 0 = gave up waiting. */
static int assign_by_hand(rd_kafka_t *rk, sk_rdk_manual_t *mc, const opts_t *o, int *status, char *err,
                          size_t errlen)
{
    regex_t re;
    int have_re = 0;
    if (o->include) {
        if (include_regex(&re, o->include, err, errlen) != SK_OK) {
            *status = SK_TOOL_EXIT_USAGE;
            return 0;
        }
        have_re = 1;
    }
    int64_t deadline = o->timeout_ms >= 0 ? sk_mono_ms() + o->timeout_ms : INT64_MAX;
    int warned = 0, assigned = 0;
    while (!sk_rdk_stop) {
        rd_kafka_topic_partition_list_t *l = NULL;
        int rc = build_assignment(rk, o, have_re ? &re : NULL, &l, err, errlen);
        if (rc == SK_OK) {
            if (sk_rdk_manual_start(rk, mc, l, err, errlen) != SK_OK)
                *status = SK_TOOL_EXIT_FAIL;
            else
                assigned = 1;
            rd_kafka_topic_partition_list_destroy(l);
            break;
        }
        if (rc == SK_EINVAL) {
            *status = SK_TOOL_EXIT_FAIL;
            break;
        }
        if (rc == SK_EIO)
            fprintf(stderr, "WARN %s; retrying\n", err);
        else if (!warned) {
            fprintf(stderr, "WARN no topic matches %s yet; waiting for it\n",
                    o->topic ? o->topic : o->include);
            warned = 1;
        }
        if (sk_mono_ms() >= deadline)
            break;
        rd_kafka_poll(rk, 500);
    }
    if (have_re)
        regfree(&re);
    return assigned;
}

/* ---- the loop ----------------------------------------------------------- */

static void print_message(const sk_msgfmt_t *f, const rd_kafka_message_t *m)
{
    sk_msghdr_t hv[64];
    sk_msghdr_t *hdrs = hv;
    int n_hdrs = 0;
    rd_kafka_headers_t *h = NULL;
    if (f->print_headers && rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        size_t cnt = rd_kafka_header_cnt(h);
        if (cnt > sizeof(hv) / sizeof(hv[0]))
            hdrs = sk_calloc(cnt, sizeof(*hdrs));
        const char *name;
        const void *val;
        size_t size;
        for (size_t i = 0; i < cnt && !rd_kafka_header_get_all(h, i, &name, &val, &size); i++) {
            hdrs[n_hdrs].name = name;
            hdrs[n_hdrs].name_len = strlen(name);
            hdrs[n_hdrs].value = val;
            hdrs[n_hdrs].value_len = val ? (ssize_t)size : -1;
            n_hdrs++;
        }
    }
    rd_kafka_timestamp_type_t tst;
    int64_t ts = rd_kafka_message_timestamp(m, &tst);
    sk_msgview_t v = {
        .partition = m->partition,
        .offset = m->offset,
        .ts_type = tst == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? SK_TS_CREATE_TIME
                   : tst == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? SK_TS_LOG_APPEND_TIME
                                                               : SK_TS_NONE,
        .timestamp = ts,
        .key = m->key,
        .key_len = m->key ? (ssize_t)m->key_len : -1,
        .value = m->payload,
        .value_len = m->payload ? (ssize_t)m->len : -1,
        .headers = hdrs,
        .n_headers = n_hdrs,
    };
    sk_msgfmt_write(f, &v, stdout);
    if (hdrs != hv)
        free(hdrs);
}

static long long consume(rd_kafka_t *rk, const sk_rdk_manual_t *mc, const opts_t *o, const sk_msgfmt_t *f,
                         int *status)
{
    long long count = 0;
    int64_t last = sk_mono_ms();
    while (!sk_rdk_stop && (o->max_messages < 0 || count < o->max_messages)) {
        int wait = 200;
        if (o->timeout_ms >= 0) {
            int64_t left = last + o->timeout_ms - sk_mono_ms();
            if (left <= 0)
                break;
            if (left < wait)
                wait = (int)left;
        }
        rd_kafka_message_t *m = mc->q ? rd_kafka_consume_queue(mc->q, wait)
                                      : rd_kafka_consumer_poll(rk, wait);
        if (!m) {
            fflush(stdout);
            continue;
        }
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                fprintf(stderr, "WARN %s%s%s\n", m->rkt ? rd_kafka_topic_name(m->rkt) : "",
                        m->rkt ? ": " : "", rd_kafka_message_errstr(m));
                if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
                    *status = SK_TOOL_EXIT_FAIL;
                    rd_kafka_message_destroy(m);
                    break;
                }
            }
            rd_kafka_message_destroy(m);
            continue;
        }
        print_message(f, m);
        rd_kafka_message_destroy(m);
        count++;
        last = sk_mono_ms();
    }
    fflush(stdout);
    return count;
}

int main(int argc, char **argv)
{
    opts_t o;
    sk_msgfmt_t fmt;
    rd_kafka_t *rk = NULL;
    char err[1024];
    int status = SK_TOOL_EXIT_OK, exit_now = 0;
    long long count = 0;
    sk_rdk_manual_t mc;

    memset(&mc, 0, sizeof(mc));
    memset(&o, 0, sizeof(o));
    o.partition = -1;
    o.max_messages = -1;
    o.timeout_ms = -1;
    sk_kvlist_init(&o.props);
    sk_kvlist_init(&o.rdk);
    sk_msgfmt_init(&fmt);

    if (parse_args(argc, argv, &o, &exit_now, err, sizeof(err)) != SK_OK)
        goto usage_error;
    if (exit_now)
        goto out;
    for (int i = 0; i < o.props.n; i++)
        if (sk_msgfmt_set(&fmt, o.props.keys[i], o.props.values[i], err, sizeof(err)) != SK_OK)
            goto usage_error;

    sk_kvlist_t defaults;
    sk_kvlist_init(&defaults);
    if (o.group) {
        sk_kvlist_set(&defaults, "group.id", o.group);
        sk_kvlist_set(&defaults, "auto.offset.reset", o.from_beginning ? "earliest" : "latest");
    } else {
        sk_kvlist_set(&defaults, "enable.auto.commit", "false");
        sk_kvlist_set(&defaults, "enable.auto.offset.store", "false");
    }
    rd_kafka_conf_t *conf = sk_rdk_conf_new(o.bootstrap, "skein-console-consumer", &defaults,
                                            o.config_file, &o.rdk, err, sizeof(err));
    sk_kvlist_free(&defaults);
    if (!conf)
        goto usage_error;
    char e[512];
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "ERROR cannot create the consumer: %s\n", e);
        status = SK_TOOL_EXIT_FAIL;
        goto out;
    }
    sk_rdk_install_signals();

    if (o.group) {
        rd_kafka_poll_set_consumer(rk);
        rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
        char *pattern = o.include ? sk_asprintf("^(%s)$", o.include) : NULL;
        rd_kafka_topic_partition_list_add(sub, pattern ? pattern : o.topic,
                                          RD_KAFKA_PARTITION_UA);
        free(pattern);
        rd_kafka_resp_err_t se = rd_kafka_subscribe(rk, sub);
        rd_kafka_topic_partition_list_destroy(sub);
        if (se != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "ERROR cannot subscribe: %s\n", rd_kafka_err2str(se));
            status = SK_TOOL_EXIT_FAIL;
            goto out;
        }
    } else if (!assign_by_hand(rk, &mc, &o, &status, err, sizeof(err))) {
        if (status != SK_TOOL_EXIT_OK)
            fprintf(stderr, "ERROR %s\n", err);
        goto done;
    }
    count = consume(rk, &mc, &o, &fmt, &status);
done:
    fprintf(stderr, "Processed a total of %lld messages\n", count);
    goto out;

usage_error:
    fprintf(stderr, "skein-console-consumer: %s\nTry 'skein-console-consumer --help' for more "
                    "information.\n", err);
    status = SK_TOOL_EXIT_USAGE;
out:
    sk_rdk_manual_stop(&mc);
    if (rk) {
        if (o.group)
            rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    sk_msgfmt_clear(&fmt);
    sk_kvlist_free(&o.props);
    sk_kvlist_free(&o.rdk);
    return status;
}
