/* skein-console-producer - send the lines of standard input as records,
 * like Kafka's kafka-console-producer.sh (built on librdkafka). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_fmt.h"
#include "kerr.h"
#include "rdk_util.h"
#include "toolopt.h"

enum {
    OPT_BOOTSTRAP = 256,
    OPT_TOPIC,
    OPT_PROPERTY,
    OPT_PRODUCER_PROPERTY,
    OPT_PRODUCER_CONFIG,
    OPT_ACKS,
    OPT_COMPRESSION,
    OPT_SYNC,
    OPT_BATCH_SIZE,
    OPT_LINGER,
    OPT_REQUEST_TIMEOUT,
    OPT_RETRIES,
    OPT_HELP,
    OPT_VERSION,
};

static const struct option long_opts[] = {
    {"bootstrap-server", required_argument, NULL, OPT_BOOTSTRAP},
    {"broker-list", required_argument, NULL, OPT_BOOTSTRAP},
    {"topic", required_argument, NULL, OPT_TOPIC},
    {"property", required_argument, NULL, OPT_PROPERTY},
    {"producer-property", required_argument, NULL, OPT_PRODUCER_PROPERTY},
    {"producer.config", required_argument, NULL, OPT_PRODUCER_CONFIG},
    {"acks", required_argument, NULL, OPT_ACKS},
    {"request-required-acks", required_argument, NULL, OPT_ACKS},
    {"compression-codec", required_argument, NULL, OPT_COMPRESSION},
    {"sync", no_argument, NULL, OPT_SYNC},
    {"batch-size", required_argument, NULL, OPT_BATCH_SIZE},
    {"timeout", required_argument, NULL, OPT_LINGER},
    {"request-timeout-ms", required_argument, NULL, OPT_REQUEST_TIMEOUT},
    {"message-send-max-retries", required_argument, NULL, OPT_RETRIES},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
    fputs(
        "Usage: skein-console-producer --bootstrap-server HOST:PORT[,...] --topic T [options]\n"
        "\n"
        "Reads lines from standard input and sends each one as a record to topic T, like\n"
        "kafka-console-producer.sh. The exit status is 1 if any record was not delivered.\n"
        "\n"
        "Options:\n"
        "  --bootstrap-server LIST       brokers to connect to (alias --broker-list)\n"
        "  --topic T                     the topic to produce to\n"
        "  --acks A                      0, 1 or -1/all (alias --request-required-acks;\n"
        "                                default -1)\n"
        "  --compression-codec C         none, gzip, snappy, lz4 or zstd (default none)\n"
        "  --sync                        wait for each record's acknowledgement in turn\n"
        "  --batch-size BYTES            batch.size of the producer\n"
        "  --timeout MS                  linger.ms: how long to wait to fill a batch\n"
        "  --request-timeout-ms MS       request.timeout.ms\n"
        "  --message-send-max-retries N  retries\n"
        "  --producer-property K=V       any librdkafka producer setting (repeatable)\n"
        "  --producer.config FILE        producer settings from a properties file\n"
        "  --property K=V                how lines are read (repeatable):\n"
        "      parse.key=true            split each line into key and value at\n"
        "      key.separator=S           S (default TAB)\n"
        "      parse.headers=true        lines start with headers up to\n"
        "      headers.delimiter=S       S (default TAB), as name:value pairs separated by\n"
        "      headers.separator=S       S (default ','); name and value split at\n"
        "      headers.key.separator=S   S (default ':')\n"
        "      null.marker=S             a key, value or header value equal to S is null\n"
        "      ignore.error=true         a line without separator is all value, no key\n"
        "  --help                        this text\n"
        "  --version                     print the version\n"
        "\n"
        "Exit status: 0 all records delivered, 1 a record failed or a line could not be\n"
        "parsed, 2 usage error.\n",
        out);
}

typedef struct producer {
    const char *topic;
    long delivered;
    long failed;
} producer_t;

/* Delivery report (librdkafka calls it from rd_kafka_poll/flush on this thread). */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    producer_t *p = opaque;
    if (!p->topic)
        return; /* purged after an interruption, already counted */
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        p->delivered++;
        return;
    }
    p->failed++;
    char key[48];
    if (m->key)
        snprintf(key, sizeof(key), "%zu bytes", m->key_len);
    else
        snprintf(key, sizeof(key), "null");
    fprintf(stderr, "ERROR Error when sending message to topic %s with key: %s, value: %zu bytes "
                    "with error: %s\n", p->topic, key, m->len, rd_kafka_err2str(m->err));
}

/* Hand one parsed line to librdkafka, waiting while its queue is full. */
static int send_line(rd_kafka_t *rk, producer_t *p, const sk_lineparsed_t *lp, char *err,
                     size_t errlen)
{
    rd_kafka_headers_t *hdrs = NULL;
    if (lp->n_headers > 0) {
        hdrs = rd_kafka_headers_new((size_t)lp->n_headers);
        for (int i = 0; i < lp->n_headers; i++)
            rd_kafka_header_add(hdrs, lp->headers[i].name, (ssize_t)lp->headers[i].name_len,
                                lp->headers[i].value,
                                lp->headers[i].value ? (ssize_t)lp->headers[i].value_len : 0);
    }
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(p->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(lp->key, lp->key_len), RD_KAFKA_V_VALUE((void *)lp->value, lp->value_len),
            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            return SK_OK; /* librdkafka owns hdrs now */
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL && !sk_rdk_stop) {
            rd_kafka_poll(rk, 100);
            continue;
        }
        if (hdrs)
            rd_kafka_headers_destroy(hdrs);
        snprintf(err, errlen, "%s", rd_kafka_err2str(e));
        return SK_EIO;
    }
}

int main(int argc, char **argv)
{
    const char *bootstrap = NULL, *topic = NULL, *config_file = NULL;
    sk_kvlist_t props, rdk, defaults;
    sk_linereader_t reader;
    sk_lineparsed_t parsed;
    rd_kafka_t *rk = NULL;
    char *line = NULL;
    size_t cap = 0;
    char err[1024];
    int status = SK_TOOL_EXIT_OK, sync = 0;
    producer_t p = {0};

    sk_kvlist_init(&props);
    sk_kvlist_init(&rdk);
    sk_kvlist_init(&defaults);
    sk_linereader_init(&reader);
    memset(&parsed, 0, sizeof(parsed));
    /* Kafka's console producer: acks=-1; the Java client's delivery.timeout.ms */
    sk_kvlist_set(&defaults, "acks", "-1");
    sk_kvlist_set(&defaults, "message.timeout.ms", "120000");

    optind = 0;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        int rc = SK_OK;
        switch (ch) {
        case OPT_BOOTSTRAP: bootstrap = optarg; break;
        case OPT_TOPIC: topic = optarg; break;
        case OPT_PROPERTY:
            rc = sk_kvlist_add_arg(&props, optarg, err, sizeof(err));
            break;
        case OPT_PRODUCER_PROPERTY:
            rc = sk_kvlist_add_arg(&rdk, optarg, err, sizeof(err));
            break;
        case OPT_PRODUCER_CONFIG: config_file = optarg; break;
        case OPT_ACKS: sk_kvlist_set(&rdk, "acks", optarg); break;
        case OPT_COMPRESSION: sk_kvlist_set(&rdk, "compression.type", optarg); break;
        case OPT_SYNC: sync = 1; break;
        case OPT_BATCH_SIZE: sk_kvlist_set(&rdk, "batch.size", optarg); break;
        case OPT_LINGER: sk_kvlist_set(&rdk, "linger.ms", optarg); break;
        case OPT_REQUEST_TIMEOUT: sk_kvlist_set(&rdk, "request.timeout.ms", optarg); break;
        case OPT_RETRIES: sk_kvlist_set(&rdk, "retries", optarg); break;
        case 'h':
        case OPT_HELP: usage(stdout); goto out;
        case OPT_VERSION: printf("skein-console-producer %s\n", PACKAGE_VERSION); goto out;
        case ':':
            snprintf(err, sizeof(err), "option %s needs a value", argv[optind - 1]);
            rc = SK_EINVAL;
            break;
        default:
            snprintf(err, sizeof(err), "unknown option %s", argv[optind - 1]);
            rc = SK_EINVAL;
            break;
        }
        if (rc != SK_OK)
            goto usage_error;
    }
    if (optind < argc) {
        snprintf(err, sizeof(err), "unexpected argument '%s'", argv[optind]);
        goto usage_error;
    }
    if (!bootstrap || !topic) {
        snprintf(err, sizeof(err), "--bootstrap-server and --topic are required");
        goto usage_error;
    }
    for (int i = 0; i < props.n; i++)
        if (sk_linereader_set(&reader, props.keys[i], props.values[i], err, sizeof(err)) != SK_OK)
            goto usage_error;
    if (sk_linereader_check(&reader, err, sizeof(err)) != SK_OK)
        goto usage_error;

    rd_kafka_conf_t *conf = sk_rdk_conf_new(bootstrap, "skein-console-producer", &defaults,
                                            config_file, &rdk, err, sizeof(err));
    if (!conf)
        goto usage_error;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &p);
    char e[512];
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "ERROR cannot create the producer: %s\n", e);
        status = SK_TOOL_EXIT_FAIL;
        goto out;
    }
    p.topic = topic;
    sk_rdk_install_signals();

    long lineno = 0;
    ssize_t n;
    while (!sk_rdk_stop && (n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (len > 0 && line[len - 1] == '\r')
            len--;
        if (sk_linereader_parse(&reader, line, len, lineno, &parsed, err, sizeof(err)) != SK_OK) {
            fprintf(stderr, "ERROR %s\n", err);
            status = SK_TOOL_EXIT_FAIL;
            break;
        }
        if (send_line(rk, &p, &parsed, err, sizeof(err)) != SK_OK) {
            fprintf(stderr, "ERROR cannot send line %ld: %s\n", lineno, err);
            p.failed++;
            continue;
        }
        if (sync)
            rd_kafka_flush(rk, -1);
        else
            rd_kafka_poll(rk, 0);
    }
    if (ferror(stdin) && errno != EINTR) {
        fprintf(stderr, "ERROR reading standard input: %s\n", strerror(errno));
        status = SK_TOOL_EXIT_FAIL;
    }
    /* wait for every record's fate (message.timeout.ms bounds it); a second
     * signal exits at once */
    while (rd_kafka_outq_len(rk) > 0 && !sk_rdk_stop)
        rd_kafka_flush(rk, 100);
    int pending = rd_kafka_outq_len(rk);
    if (pending > 0) {
        fprintf(stderr, "ERROR interrupted with %d record(s) not yet acknowledged\n", pending);
        p.failed += pending;
        rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        p.topic = NULL; /* their delivery reports are not counted again */
    }
    if (p.failed > 0) {
        fprintf(stderr, "ERROR %ld of %ld record(s) were not delivered\n", p.failed,
                p.failed + p.delivered);
        status = SK_TOOL_EXIT_FAIL;
    }
    goto out;

usage_error:
    fprintf(stderr, "skein-console-producer: %s\nTry 'skein-console-producer --help' for more "
                    "information.\n", err);
    status = SK_TOOL_EXIT_USAGE;
out:
    if (rk)
        rd_kafka_destroy(rk);
    free(line);
    sk_lineparsed_clear(&parsed);
    sk_linereader_clear(&reader);
    sk_kvlist_free(&props);
    sk_kvlist_free(&rdk);
    sk_kvlist_free(&defaults);
    return status;
}
