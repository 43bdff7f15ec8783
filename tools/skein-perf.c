/* skein-perf - producer, consumer and end-to-end benchmarks (librdkafka),
 * printing figures like Kafka's kafka-producer-perf-test.sh. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <openssl/opensslconf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "kerr.h"
#include "mem.h"
#include "perf_scram.h"
#include "perf_stats.h"
#include "rdk_util.h"
#include "tls.h"
#include "toolopt.h"

#define MAX_SAMPLES 1000000
#define METADATA_TIMEOUT_MS 10000

typedef enum { MODE_PRODUCE = 1, MODE_CONSUME, MODE_E2E, MODE_COMPARE, MODE_SCRAM } perf_mode_t;

enum {
    OPT_BOOTSTRAP = 256,
    OPT_TOPIC,
    OPT_NUM_RECORDS,
    OPT_RECORD_SIZE,
    OPT_THROUGHPUT,
    OPT_ACKS,
    OPT_BATCH_SIZE,
    OPT_LINGER,
    OPT_COMPRESSION,
    OPT_PRODUCER_PROPERTY,
    OPT_PRODUCER_CONFIG,
    OPT_CONSUMER_PROPERTY,
    OPT_CONSUMER_CONFIG,
    OPT_GROUP,
    OPT_FROM_LATEST,
    OPT_TIMEOUT_MS,
    OPT_REPORTING,
    OPT_SSL_BOOTSTRAP,
    OPT_SSL_CONFIG,
    OPT_MECHANISM,
    OPT_USER,
    OPT_PASSWORD,
    OPT_HELP,
    OPT_VERSION,
};

static const struct option long_opts[] = {
    {"bootstrap-server", required_argument, NULL, OPT_BOOTSTRAP},
    {"topic", required_argument, NULL, OPT_TOPIC},
    {"num-records", required_argument, NULL, OPT_NUM_RECORDS},
    {"messages", required_argument, NULL, OPT_NUM_RECORDS},
    {"record-size", required_argument, NULL, OPT_RECORD_SIZE},
    {"throughput", required_argument, NULL, OPT_THROUGHPUT},
    {"acks", required_argument, NULL, OPT_ACKS},
    {"batch-size", required_argument, NULL, OPT_BATCH_SIZE},
    {"linger-ms", required_argument, NULL, OPT_LINGER},
    {"compression-type", required_argument, NULL, OPT_COMPRESSION},
    {"producer-property", required_argument, NULL, OPT_PRODUCER_PROPERTY},
    {"producer.config", required_argument, NULL, OPT_PRODUCER_CONFIG},
    {"consumer-property", required_argument, NULL, OPT_CONSUMER_PROPERTY},
    {"consumer.config", required_argument, NULL, OPT_CONSUMER_CONFIG},
    {"group", required_argument, NULL, OPT_GROUP},
    {"from-latest", no_argument, NULL, OPT_FROM_LATEST},
    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT_MS},
    {"reporting-interval", required_argument, NULL, OPT_REPORTING},
    {"ssl-bootstrap-server", required_argument, NULL, OPT_SSL_BOOTSTRAP},
    {"ssl-config", required_argument, NULL, OPT_SSL_CONFIG},
    {"mechanism", required_argument, NULL, OPT_MECHANISM},
    {"user", required_argument, NULL, OPT_USER},
    {"password", required_argument, NULL, OPT_PASSWORD},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
    fputs(
        "Usage: skein-perf produce    --bootstrap-server B --topic T --num-records N\n"
        "                             --record-size S [options]\n"
        "       skein-perf consume    --bootstrap-server B --topic T [--num-records N] [options]\n"
        "       skein-perf end-to-end --bootstrap-server B --topic T --num-records N\n"
        "                             [--record-size S] [options]\n"
        "       skein-perf compare    --bootstrap-server B --ssl-bootstrap-server B2\n"
        "                             --ssl-config F --topic T --num-records N\n"
        "                             --record-size S [options]\n"
        "       skein-perf scram      --bootstrap-server B --user U --password P\n"
        "                             [--mechanism M] [--num-records N]\n"
        "\n"
        "produce     sends N records of S random bytes as fast as allowed; latency is the\n"
        "            time from send to acknowledgement (delivery report).\n"
        "consume     reads the topic (from the beginning unless --from-latest) until N\n"
        "            records or --timeout-ms without one; latency is receive time minus\n"
        "            the record's CreateTime (meaningful while a producer is running).\n"
        "end-to-end  sends one record at a time to partition 0 and waits until a consumer\n"
        "            receives it; latency is that round trip.\n"
        "compare     produce then consume N records over the PLAINTEXT listener B, then\n"
        "            over the SSL listener B2 (client settings from --ssl-config), and\n"
        "            print both side by side with the SSL/PLAINTEXT ratio and whether\n"
        "            this machine offers kernel TLS.\n"
        "scram       N SCRAM logins (default 1000), one connection each, one after the\n"
        "            other, to the SASL_PLAINTEXT listener B: handshakes per second and\n"
        "            the latency of a whole login (connect to verified server signature).\n"
        "Every mode prints a line every --reporting-interval ms and a final line:\n"
        "  N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency,\n"
        "  P ms 50th, P ms 95th, P ms 99th, P ms 99.9th.\n"
        "\n"
        "Options:\n"
        "  --bootstrap-server LIST     brokers to connect to\n"
        "  --topic T                   the topic (must exist)\n"
        "  --num-records N             records to send / to read (alias --messages)\n"
        "  --record-size S             value size in bytes (end-to-end default 100)\n"
        "  --throughput R              produce: at most R records/sec (-1: no limit, default)\n"
        "  --acks A                    0, 1, -1/all\n"
        "  --batch-size BYTES          batch.size\n"
        "  --linger-ms MS              linger.ms (end-to-end default 0)\n"
        "  --compression-type C        none, gzip, snappy, lz4, zstd\n"
        "  --producer-property K=V     any librdkafka producer setting (repeatable)\n"
        "  --producer.config FILE      producer settings from a properties file\n"
        "  --consumer-property K=V     any librdkafka consumer setting (repeatable)\n"
        "  --consumer.config FILE      consumer settings from a properties file\n"
        "  --group G                   consume: as member of group G (default: no group,\n"
        "                              every partition read directly)\n"
        "  --from-latest               consume: only records produced after the start\n"
        "  --timeout-ms MS             consume: stop after MS without a record (default\n"
        "                              10000); end-to-end: give up on a record after MS\n"
        "  --reporting-interval MS     interval of the progress lines (default 5000)\n"
        "  --ssl-bootstrap-server B2   compare: the same cluster's SSL listener\n"
        "  --ssl-config FILE           compare: client settings for B2 (security.protocol=SSL,\n"
        "                              ssl.ca.location=...), as a properties file\n"
        "  --mechanism M               scram: SCRAM-SHA-256 (default) or SCRAM-SHA-512\n"
        "  --user U, --password P      scram: the credentials\n"
        "  --help                      this text\n"
        "\n"
        "Exit status: 0 success, 1 records failed or did not arrive, 2 usage error.\n",
        out);
}

typedef struct perf {
    perf_mode_t mode;
    const char *bootstrap;
    const char *topic;
    long long num_records;  /* -1: not given */
    long long record_size;  /* -1: not given */
    long long throughput;   /* -1: unlimited */
    long long timeout_ms;   /* -1: not given */
    long long reporting_ms;
    const char *group;
    int from_latest;
    const char *producer_config;
    const char *consumer_config;
    const char *ssl_bootstrap;  /* compare */
    const char *ssl_config;
    const char *mechanism;      /* scram */
    const char *user;
    const char *password;
    sk_kvlist_t pprops; /* producer settings from options */
    sk_kvlist_t cprops; /* consumer settings from options */
    /* results, updated by delivery reports and the consume loop */
    sk_lat_t *lat;
    sk_perf_window_t window;
    int64_t done_records;
    int64_t done_bytes;
    int64_t failed;
    int dr_counts; /* delivery reports are the measurement (produce mode) */
    int64_t elapsed_ms; /* of the last run, as printed */
} perf_t;

static int parse_args(int argc, char **argv, perf_t *p, int *exit_now, char *err, size_t errlen)
{
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            usage(stdout);
            *exit_now = 1;
            return SK_OK;
        }
        if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
            printf("skein-perf %s\n", PACKAGE_VERSION);
            *exit_now = 1;
            return SK_OK;
        }
        snprintf(err, errlen, "the first argument must be produce, consume, end-to-end, "
                              "compare or scram");
        return SK_EINVAL;
    }
    if (strcmp(argv[1], "produce") == 0)
        p->mode = MODE_PRODUCE;
    else if (strcmp(argv[1], "consume") == 0)
        p->mode = MODE_CONSUME;
    else if (strcmp(argv[1], "end-to-end") == 0)
        p->mode = MODE_E2E;
    else if (strcmp(argv[1], "compare") == 0)
        p->mode = MODE_COMPARE;
    else if (strcmp(argv[1], "scram") == 0)
        p->mode = MODE_SCRAM;
    else {
        snprintf(err, errlen, "unknown mode '%s' (produce, consume, end-to-end, compare or "
                 "scram)", argv[1]);
        return SK_EINVAL;
    }
    optind = 2;
    opterr = 0;
    int ch;
    char e[256];
    while ((ch = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        int rc = SK_OK;
        switch (ch) {
        case OPT_BOOTSTRAP: p->bootstrap = optarg; break;
        case OPT_TOPIC: p->topic = optarg; break;
        case OPT_NUM_RECORDS:
            rc = sk_topt_int(optarg, 1, INT64_MAX, &p->num_records, e, sizeof(e));
            break;
        case OPT_RECORD_SIZE:
            rc = sk_topt_int(optarg, 0, 100 * 1024 * 1024, &p->record_size, e, sizeof(e));
            break;
        case OPT_THROUGHPUT:
            rc = sk_topt_int(optarg, -1, INT64_MAX, &p->throughput, e, sizeof(e));
            if (rc == SK_OK && p->throughput == 0) {
                snprintf(e, sizeof(e), "0 is not a rate (use -1 for no limit)");
                rc = SK_EINVAL;
            }
            break;
        case OPT_TIMEOUT_MS:
            rc = sk_topt_int(optarg, 1, INT32_MAX, &p->timeout_ms, e, sizeof(e));
            break;
        case OPT_REPORTING:
            rc = sk_topt_int(optarg, 1, INT32_MAX, &p->reporting_ms, e, sizeof(e));
            break;
        case OPT_ACKS: sk_kvlist_set(&p->pprops, "acks", optarg); break;
        case OPT_BATCH_SIZE: sk_kvlist_set(&p->pprops, "batch.size", optarg); break;
        case OPT_LINGER: sk_kvlist_set(&p->pprops, "linger.ms", optarg); break;
        case OPT_COMPRESSION: sk_kvlist_set(&p->pprops, "compression.type", optarg); break;
        case OPT_PRODUCER_PROPERTY:
            rc = sk_kvlist_add_arg(&p->pprops, optarg, e, sizeof(e));
            break;
        case OPT_CONSUMER_PROPERTY:
            rc = sk_kvlist_add_arg(&p->cprops, optarg, e, sizeof(e));
            break;
        case OPT_PRODUCER_CONFIG: p->producer_config = optarg; break;
        case OPT_CONSUMER_CONFIG: p->consumer_config = optarg; break;
        case OPT_GROUP: p->group = optarg; break;
        case OPT_SSL_BOOTSTRAP: p->ssl_bootstrap = optarg; break;
        case OPT_SSL_CONFIG: p->ssl_config = optarg; break;
        case OPT_MECHANISM: p->mechanism = optarg; break;
        case OPT_USER: p->user = optarg; break;
        case OPT_PASSWORD: p->password = optarg; break;
        case OPT_FROM_LATEST: p->from_latest = 1; break;
        case 'h':
        case OPT_HELP:
            usage(stdout);
            *exit_now = 1;
            return SK_OK;
        case OPT_VERSION:
            printf("skein-perf %s\n", PACKAGE_VERSION);
            *exit_now = 1;
            return SK_OK;
        case ':':
            snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
            return SK_EINVAL;
        default:
            snprintf(err, errlen, "unknown option %s", argv[optind - 1]);
            return SK_EINVAL;
        }
        if (rc != SK_OK) {
            snprintf(err, errlen, "%s: %s", argv[optind - 1], e);
            return SK_EINVAL;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return SK_EINVAL;
    }
    if ((p->mode == MODE_COMPARE) != (p->ssl_bootstrap || p->ssl_config)) {
        snprintf(err, errlen, p->mode == MODE_COMPARE
                                  ? "compare needs --ssl-bootstrap-server and --ssl-config"
                                  : "--ssl-bootstrap-server and --ssl-config are for compare");
        return SK_EINVAL;
    }
    if (p->mode == MODE_COMPARE && (!p->ssl_bootstrap || !p->ssl_config)) {
        snprintf(err, errlen, "compare needs --ssl-bootstrap-server and --ssl-config");
        return SK_EINVAL;
    }
    if ((p->mode == MODE_SCRAM) != (p->mechanism || p->user || p->password)) {
        snprintf(err, errlen, p->mode == MODE_SCRAM ? "scram needs --user and --password"
                                                    : "--mechanism, --user and --password "
                                                      "are for scram");
        return SK_EINVAL;
    }
    if (p->mode == MODE_SCRAM) {
        if (!p->bootstrap || !p->user || !p->password || p->topic) {
            snprintf(err, errlen, "scram needs --bootstrap-server, --user and --password, "
                                  "and no --topic");
            return SK_EINVAL;
        }
        if (p->record_size >= 0 || p->pprops.n || p->cprops.n || p->group) {
            snprintf(err, errlen, "producer and consumer options do not apply to scram");
            return SK_EINVAL;
        }
        return SK_OK;
    }
    if (!p->bootstrap || !p->topic) {
        snprintf(err, errlen, "--bootstrap-server and --topic are required");
        return SK_EINVAL;
    }
    int producing = p->mode != MODE_CONSUME, consuming = p->mode != MODE_PRODUCE;
    if (p->mode != MODE_CONSUME && p->num_records < 0) {
        snprintf(err, errlen, "--num-records is required");
        return SK_EINVAL;
    }
    if ((p->mode == MODE_PRODUCE || p->mode == MODE_COMPARE) && p->record_size < 0) {
        snprintf(err, errlen, "--record-size is required");
        return SK_EINVAL;
    }
    if (!producing && (p->pprops.n || p->producer_config || p->record_size >= 0 ||
                       p->throughput > 0)) {
        snprintf(err, errlen, "producer options do not apply to consume");
        return SK_EINVAL;
    }
    if (!consuming && (p->cprops.n || p->consumer_config || p->group || p->from_latest ||
                       p->timeout_ms >= 0)) {
        snprintf(err, errlen, "consumer options do not apply to produce");
        return SK_EINVAL;
    }
    if (p->mode == MODE_COMPARE && (p->group || p->from_latest)) {
        snprintf(err, errlen, "--group and --from-latest do not apply to compare");
        return SK_EINVAL;
    }
    if (p->mode == MODE_E2E && (p->group || p->from_latest || p->throughput > 0)) {
        snprintf(err, errlen, "--group, --from-latest and --throughput do not apply to "
                              "end-to-end");
        return SK_EINVAL;
    }
    return SK_OK;
}

static char *random_payload(size_t n)
{
    char *p = sk_malloc(n + 1);
    uint64_t s = (uint64_t)sk_wall_ms() * 6364136223846793005ULL + (uint64_t)getpid();
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        p[i] = (char)('A' + (int)((s >> 33) % 26));
    }
    p[n] = '\0';
    return p;
}

static void maybe_report(perf_t *p, const char *verb)
{
    int64_t now = sk_mono_ms();
    if (now - p->window.start_ms < p->reporting_ms)
        return;
    char line[256];
    sk_perf_format_window(line, sizeof(line), verb, &p->window, now - p->window.start_ms);
    printf("%s\n", line);
    fflush(stdout);
    sk_perf_window_reset(&p->window, now);
}

static void print_total(perf_t *p, const char *verb, int64_t elapsed_ms)
{
    sk_lat_summary_t s;
    sk_lat_summarize(p->lat, &s);
    char line[512];
    sk_perf_format_total(line, sizeof(line), verb, p->done_records, p->done_bytes, elapsed_ms,
                         &s);
    printf("%s\n", line);
    fflush(stdout);
    p->elapsed_ms = elapsed_ms;
}

/* ---- produce ------------------------------------------------------------ */

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    perf_t *p = opaque;
    if (m->err) {
        if (p->failed++ < 5)
            fprintf(stderr, "ERROR delivery failed: %s\n", rd_kafka_err2str(m->err));
        return;
    }
    if (!p->dr_counts)
        return;
    int64_t lat = rd_kafka_message_latency(m);
    sk_lat_add(p->lat, lat);
    sk_perf_window_add(&p->window, (int64_t)m->len, lat);
    p->done_records++;
    p->done_bytes += (int64_t)m->len;
}

static rd_kafka_t *new_producer(perf_t *p, const sk_kvlist_t *defaults, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = sk_rdk_conf_new(p->bootstrap, "skein-perf", defaults,
                                            p->producer_config, &p->pprops, err, errlen);
    if (!conf)
        return NULL;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, p);
    char e[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        snprintf(err, errlen, "cannot create the producer: %s", e);
    }
    return rk;
}

static int check_topic(rd_kafka_t *rk, const char *topic, char *err, size_t errlen)
{
    int32_t *ids = NULL;
    int n = 0;
    int rc = sk_rdk_topic_partitions(rk, topic, METADATA_TIMEOUT_MS, &ids, &n, err, errlen);
    free(ids);
    if (rc == SK_ENOENT)
        snprintf(err, errlen, "Topic '%s' does not exist (create it with skein-topics)", topic);
    return rc;
}

static int run_produce(perf_t *p, char *err, size_t errlen)
{
    rd_kafka_t *rk = new_producer(p, NULL, err, errlen);
    if (!rk)
        return SK_TOOL_EXIT_USAGE;
    int status = SK_TOOL_EXIT_OK;
    p->dr_counts = 1;
    char *payload = random_payload((size_t)p->record_size);
    if (check_topic(rk, p->topic, err, errlen) != SK_OK) {
        status = SK_TOOL_EXIT_FAIL;
        goto out;
    }
    int64_t start = sk_mono_ms();
    sk_perf_window_reset(&p->window, start);
    int64_t start_us = mono_us();
    for (long long i = 0; i < p->num_records && !sk_rdk_stop; i++) {
        /* --throughput: wait until record i is due, serving delivery reports
         * meanwhile; rounded up to whole ms, so a record leaves at most 1 ms
         * late and the ones after it catch up (never early) */
        int64_t wait_us;
        while ((wait_us = sk_perf_pace_wait_us(start_us, i, p->throughput, mono_us())) > 0 &&
               !sk_rdk_stop)
            rd_kafka_poll(rk, (int)((wait_us + 999) / 1000));
        for (;;) {
            rd_kafka_resp_err_t e = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(p->topic), RD_KAFKA_V_VALUE(payload, (size_t)p->record_size),
                RD_KAFKA_V_END);
            if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
                break;
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL && !sk_rdk_stop) {
                rd_kafka_poll(rk, 10);
                continue;
            }
            if (p->failed++ < 5)
                fprintf(stderr, "ERROR cannot send: %s\n", rd_kafka_err2str(e));
            break;
        }
        rd_kafka_poll(rk, 0);
        maybe_report(p, "sent");
    }
    while (rd_kafka_outq_len(rk) > 0 && !sk_rdk_stop) {
        rd_kafka_flush(rk, 100);
        maybe_report(p, "sent");
    }
    int64_t elapsed = sk_mono_ms() - start;
    int pending = rd_kafka_outq_len(rk);
    if (pending > 0) {
        rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(rk, 0);
    }
    print_total(p, "sent", elapsed);
    if (p->failed > 0 || p->done_records < p->num_records) {
        snprintf(err, errlen, "%lld of %lld records were not acknowledged",
                 p->num_records - (long long)p->done_records, p->num_records);
        status = SK_TOOL_EXIT_FAIL;
    }
out:
    free(payload);
    rd_kafka_destroy(rk);
    return status;
}

/* ---- consume ------------------------------------------------------------ */

static rd_kafka_t *new_consumer(perf_t *p, const sk_kvlist_t *defaults, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = sk_rdk_conf_new(p->bootstrap, "skein-perf", defaults,
                                            p->consumer_config, &p->cprops, err, errlen);
    if (!conf)
        return NULL;
    char e[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        snprintf(err, errlen, "cannot create the consumer: %s", e);
    }
    return rk;
}

/* Start reading every partition of the topic without a group. */
static int start_manual(rd_kafka_t *rk, perf_t *p, int64_t offset, sk_rdk_manual_t *mc,
                        char *err, size_t errlen)
{
    int32_t *ids = NULL;
    int n = 0;
    int rc = sk_rdk_topic_partitions(rk, p->topic, METADATA_TIMEOUT_MS, &ids, &n, err, errlen);
    if (rc != SK_OK)
        return rc;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(l, p->topic, ids[i])->offset = offset;
    rc = sk_rdk_manual_start(rk, mc, l, err, errlen);
    rd_kafka_topic_partition_list_destroy(l);
    free(ids);
    return rc;
}

/* Messages taken from librdkafka at a time by the consumer. */
#define CONSUME_BATCH 1024

static int run_consume(perf_t *p, char *err, size_t errlen)
{
    sk_kvlist_t defaults;
    sk_kvlist_init(&defaults);
    if (p->group) {
        sk_kvlist_set(&defaults, "group.id", p->group);
        sk_kvlist_set(&defaults, "auto.offset.reset", p->from_latest ? "latest" : "earliest");
    } else {
        sk_kvlist_set(&defaults, "enable.auto.commit", "false");
    }
    rd_kafka_t *rk = new_consumer(p, &defaults, err, errlen);
    sk_kvlist_free(&defaults);
    if (!rk)
        return SK_TOOL_EXIT_USAGE;
    int status = SK_TOOL_EXIT_OK;
    sk_rdk_manual_t mc;
    memset(&mc, 0, sizeof(mc));
    if (p->group) {
        rd_kafka_poll_set_consumer(rk);
        rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(sub, p->topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, sub);
        rd_kafka_topic_partition_list_destroy(sub);
        if (e) {
            snprintf(err, errlen, "cannot subscribe: %s", rd_kafka_err2str(e));
            status = SK_TOOL_EXIT_FAIL;
            goto out;
        }
    } else if (start_manual(rk, p, p->from_latest ? RD_KAFKA_OFFSET_END
                                                  : RD_KAFKA_OFFSET_BEGINNING,
                            &mc, err, errlen) != SK_OK) {
        status = SK_TOOL_EXIT_FAIL;
        goto out;
    }
    int64_t idle_ms = p->timeout_ms >= 0 ? p->timeout_ms : 10000;
    int64_t last = sk_mono_ms(), first = -1;
    sk_perf_window_reset(&p->window, last);
    /* Messages are taken a batch at a time and the clocks read once a batch:
     * read per record, they were a sixth of this process's CPU (perf). */
    rd_kafka_queue_t *q = mc.q ? mc.q : rd_kafka_queue_get_consumer(rk);
    rd_kafka_message_t *batch[CONSUME_BATCH];
    while (!sk_rdk_stop && (p->num_records < 0 || p->done_records < p->num_records)) {
        int64_t left = last + idle_ms - sk_mono_ms();
        if (left <= 0)
            break;
        /* what is queued, without waiting for a full batch; else wait for one */
        ssize_t got = rd_kafka_consume_batch_queue(q, 0, batch, CONSUME_BATCH);
        if (got == 0)
            got = rd_kafka_consume_batch_queue(q, left > 200 ? 200 : (int)left, batch, 1);
        if (got <= 0)
            continue;
        int64_t now = sk_mono_ms(), wall = sk_wall_ms();
        for (ssize_t i = 0; i < got; i++) {
            rd_kafka_message_t *m = batch[i];
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    fprintf(stderr, "WARN %s\n", rd_kafka_message_errstr(m));
            } else if (p->num_records < 0 || p->done_records < p->num_records) {
                if (first < 0) {
                    first = now;
                    sk_perf_window_reset(&p->window, now);
                }
                last = now;
                rd_kafka_timestamp_type_t tst;
                int64_t ts = rd_kafka_message_timestamp(m, &tst);
                int64_t lat_us = ts >= 0 ? (wall - ts) * 1000 : 0;
                int64_t bytes = (int64_t)m->len + (int64_t)m->key_len;
                sk_lat_add(p->lat, lat_us);
                sk_perf_window_add(&p->window, bytes, lat_us);
                p->done_records++;
                p->done_bytes += bytes;
            }
            rd_kafka_message_destroy(m);
        }
        maybe_report(p, "received");
    }
    if (!mc.q)
        rd_kafka_queue_destroy(q);
    print_total(p, "received", first >= 0 ? last - first : 0);
    if (p->num_records > 0 && p->done_records < p->num_records) {
        snprintf(err, errlen, "only %lld of %lld records arrived (no record for %lld ms)",
                 (long long)p->done_records, p->num_records, (long long)idle_ms);
        status = SK_TOOL_EXIT_FAIL;
    }
out:
    sk_rdk_manual_stop(&mc);
    if (p->group)
        rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return status;
}

/* ---- end-to-end --------------------------------------------------------- */

static int run_e2e(perf_t *p, char *err, size_t errlen)
{
    sk_kvlist_t pdef;
    sk_kvlist_init(&pdef);
    sk_kvlist_set(&pdef, "linger.ms", "0");
    rd_kafka_t *prod = new_producer(p, &pdef, err, errlen);
    sk_kvlist_free(&pdef);
    if (!prod)
        return SK_TOOL_EXIT_USAGE;
    sk_kvlist_t cdef;
    sk_kvlist_init(&cdef);
    sk_kvlist_set(&cdef, "enable.auto.commit", "false");
    sk_kvlist_set(&cdef, "fetch.wait.max.ms", "10");
    rd_kafka_t *cons = new_consumer(p, &cdef, err, errlen);
    sk_kvlist_free(&cdef);
    if (!cons) {
        rd_kafka_destroy(prod);
        return SK_TOOL_EXIT_USAGE;
    }
    int status = SK_TOOL_EXIT_OK;
    size_t size = p->record_size >= 0 ? (size_t)p->record_size : 100;
    char *payload = random_payload(size < 20 ? 20 : size);
    sk_rdk_manual_t mc;
    memset(&mc, 0, sizeof(mc));
    int64_t lo = 0, hi = 0;
    if (check_topic(prod, p->topic, err, errlen) != SK_OK) {
        status = SK_TOOL_EXIT_FAIL;
        goto out;
    }
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(cons, p->topic, 0, &lo, &hi, METADATA_TIMEOUT_MS);
    if (e) {
        snprintf(err, errlen, "cannot read the end offset of %s-0: %s", p->topic,
                 rd_kafka_err2str(e));
        status = SK_TOOL_EXIT_FAIL;
        goto out;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, 0)->offset = hi;
    int rc = sk_rdk_manual_start(cons, &mc, l, err, errlen);
    rd_kafka_topic_partition_list_destroy(l);
    if (rc != SK_OK) {
        status = SK_TOOL_EXIT_FAIL;
        goto out;
    }
    int64_t per_record_ms = p->timeout_ms >= 0 ? p->timeout_ms : 10000;
    int64_t start = sk_mono_ms();
    sk_perf_window_reset(&p->window, start);
    for (long long i = 0; i < p->num_records && !sk_rdk_stop && status == SK_TOOL_EXIT_OK; i++) {
        /* a sequence number at the front makes every record recognisable */
        char seq[21];
        int sl = snprintf(seq, sizeof(seq), "%020lld", i);
        memcpy(payload, seq, (size_t)sl);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        e = rd_kafka_producev(prod, RD_KAFKA_V_TOPIC(p->topic), RD_KAFKA_V_PARTITION(0),
                              RD_KAFKA_V_VALUE(payload, size),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e) {
            snprintf(err, errlen, "cannot send record %lld: %s", i, rd_kafka_err2str(e));
            status = SK_TOOL_EXIT_FAIL;
            break;
        }
        int64_t deadline = sk_mono_ms() + per_record_ms;
        int got = 0;
        while (!got && !sk_rdk_stop && sk_mono_ms() < deadline) {
            rd_kafka_poll(prod, 0);
            rd_kafka_message_t *m = rd_kafka_consume_queue(mc.q, 5);
            if (!m)
                continue;
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    fprintf(stderr, "WARN %s\n", rd_kafka_message_errstr(m));
            } else if (m->len == size && memcmp(m->payload, payload, size) == 0) {
                struct timespec t1;
                clock_gettime(CLOCK_MONOTONIC, &t1);
                int64_t us = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 +
                             (t1.tv_nsec - t0.tv_nsec) / 1000;
                sk_lat_add(p->lat, us);
                sk_perf_window_add(&p->window, (int64_t)size, us);
                p->done_records++;
                p->done_bytes += (int64_t)size;
                got = 1;
            } else {
                snprintf(err, errlen, "consumed a record that was not the one just sent (offset "
                                      "%" PRId64 ")", m->offset);
                status = SK_TOOL_EXIT_FAIL;
                got = 1;
            }
            rd_kafka_message_destroy(m);
        }
        if (!got && !sk_rdk_stop) {
            snprintf(err, errlen, "record %lld did not come back within %lld ms", i,
                     (long long)per_record_ms);
            status = SK_TOOL_EXIT_FAIL;
        }
        maybe_report(p, "round-tripped");
    }
    print_total(p, "round-tripped", sk_mono_ms() - start);
    if (status == SK_TOOL_EXIT_OK && p->failed > 0) {
        snprintf(err, errlen, "%lld deliveries failed", (long long)p->failed);
        status = SK_TOOL_EXIT_FAIL;
    }
out:
    sk_rdk_manual_stop(&mc);
    rd_kafka_flush(prod, 5000);
    rd_kafka_destroy(cons);
    rd_kafka_destroy(prod);
    free(payload);
    return status;
}

/* ---- compare ------------------------------------------------------------ */

/* Does this machine offer kernel TLS, and has OpenSSL kTLS? */
static void ktls_status(char *out, size_t outlen)
{
    char ulp[256];
    int kernel = sk_tls_kernel_offered(ulp, sizeof(ulp));
#ifdef OPENSSL_NO_KTLS
    const char *lib = "OpenSSL built without kTLS";
#else
    const char *lib = "OpenSSL built with kTLS";
#endif
    snprintf(out, outlen, "kernel TLS on this machine: %s (tcp_available_ulp: %s; %s)",
             kernel ? "available" : "not available", ulp, lib);
}

typedef struct side {
    const char *name;
    double produce_mb, consume_mb;
    double produce_rec, consume_rec;
} side_t;

static double per_sec(int64_t n, int64_t ms)
{
    return ms > 0 ? (double)n * 1000.0 / (double)ms : 0.0;
}

/* Produce, then consume the same number of records, through bootstrap with
 * the config file cfg (NULL: the options' own). */
static int compare_side(const perf_t *p, side_t *out, const char *bootstrap, const char *cfg,
                        char *err, size_t errlen)
{
    perf_t q = *p;
    q.bootstrap = bootstrap;
    if (cfg)
        q.producer_config = q.consumer_config = cfg;
    printf("-- %s (%s): produce\n", out->name, bootstrap);
    fflush(stdout);
    q.mode = MODE_PRODUCE;
    q.lat = sk_lat_new(MAX_SAMPLES, (uint64_t)sk_wall_ms());
    int status = run_produce(&q, err, errlen);
    out->produce_mb = per_sec(q.done_bytes, q.elapsed_ms) / (1024.0 * 1024.0);
    out->produce_rec = per_sec(q.done_records, q.elapsed_ms);
    sk_lat_free(q.lat);
    if (status != SK_TOOL_EXIT_OK)
        return status;
    printf("-- %s (%s): consume\n", out->name, bootstrap);
    fflush(stdout);
    q.mode = MODE_CONSUME;
    q.done_records = q.done_bytes = q.failed = 0;
    q.lat = sk_lat_new(MAX_SAMPLES, (uint64_t)sk_wall_ms());
    status = run_consume(&q, err, errlen);
    out->consume_mb = per_sec(q.done_bytes, q.elapsed_ms) / (1024.0 * 1024.0);
    out->consume_rec = per_sec(q.done_records, q.elapsed_ms);
    sk_lat_free(q.lat);
    return status;
}

static int run_compare(perf_t *p, char *err, size_t errlen)
{
    side_t sides[2] = {{.name = "PLAINTEXT"}, {.name = "SSL"}};
    int status = compare_side(p, &sides[0], p->bootstrap, NULL, err, errlen);
    if (status == SK_TOOL_EXIT_OK)
        status = compare_side(p, &sides[1], p->ssl_bootstrap, p->ssl_config, err, errlen);
    if (status != SK_TOOL_EXIT_OK)
        return status;
    char kt[512];
    ktls_status(kt, sizeof(kt));
    printf("\n%lld records of %lld bytes each way       PLAINTEXT          SSL  SSL/PLAINTEXT\n",
           p->num_records, p->record_size);
    printf("produce MB/sec                          %10.2f   %10.2f   %10.2f\n",
           sides[0].produce_mb, sides[1].produce_mb,
           sides[0].produce_mb > 0 ? sides[1].produce_mb / sides[0].produce_mb : 0.0);
    printf("produce records/sec                     %10.0f   %10.0f\n", sides[0].produce_rec,
           sides[1].produce_rec);
    printf("consume MB/sec                          %10.2f   %10.2f   %10.2f\n",
           sides[0].consume_mb, sides[1].consume_mb,
           sides[0].consume_mb > 0 ? sides[1].consume_mb / sides[0].consume_mb : 0.0);
    printf("consume records/sec                     %10.0f   %10.0f\n", sides[0].consume_rec,
           sides[1].consume_rec);
    printf("%s\n", kt);
    fflush(stdout);
    return SK_TOOL_EXIT_OK;
}

/* ---- scram ---------------------------------------------------------------- */

static int run_scram(perf_t *p, char *err, size_t errlen)
{
    const char *mech = p->mechanism ? p->mechanism : "SCRAM-SHA-256";
    long long n = p->num_records > 0 ? p->num_records : 1000;
    int64_t start = sk_mono_ms();
    sk_perf_window_reset(&p->window, start);
    for (long long i = 0; i < n && !sk_rdk_stop; i++) {
        int64_t t0 = mono_us();
        int rc = sk_perf_scram_login(p->bootstrap, mech, p->user, p->password, err, errlen);
        if (rc != 0) {
            char why[512];
            snprintf(why, sizeof(why), "%s", err);
            snprintf(err, errlen, "login %lld %s: %s", i + 1, rc == 1 ? "refused" : "failed",
                     why);
            return SK_TOOL_EXIT_FAIL;
        }
        int64_t us = mono_us() - t0;
        sk_lat_add(p->lat, us);
        sk_perf_window_add(&p->window, 0, us);
        p->done_records++;
    }
    int64_t elapsed = sk_mono_ms() - start;
    sk_lat_summary_t s;
    sk_lat_summarize(p->lat, &s);
    printf("%lld %s handshakes in %lld ms: %.1f handshakes/sec (one connection at a time), "
           "%.2f ms avg latency, %.2f ms max latency, %.2f ms 50th, %.2f ms 95th, %.2f ms 99th\n",
           (long long)p->done_records, mech, (long long)elapsed,
           per_sec(p->done_records, elapsed), s.avg_ms, s.max_ms, s.p50_ms, s.p95_ms, s.p99_ms);
    fflush(stdout);
    return SK_TOOL_EXIT_OK;
}

int main(int argc, char **argv)
{
    perf_t p;
    char err[1024];
    int exit_now = 0, status;
    memset(&p, 0, sizeof(p));
    p.num_records = -1;
    p.record_size = -1;
    p.throughput = -1;
    p.timeout_ms = -1;
    p.reporting_ms = 5000;
    sk_kvlist_init(&p.pprops);
    sk_kvlist_init(&p.cprops);
    if (parse_args(argc, argv, &p, &exit_now, err, sizeof(err)) != SK_OK) {
        status = SK_TOOL_EXIT_USAGE;
        goto usage_error;
    }
    if (exit_now) {
        status = SK_TOOL_EXIT_OK;
        goto out;
    }
    p.lat = sk_lat_new(MAX_SAMPLES, (uint64_t)sk_wall_ms());
    sk_rdk_install_signals();
    err[0] = '\0';
    status = p.mode == MODE_PRODUCE   ? run_produce(&p, err, sizeof(err))
             : p.mode == MODE_CONSUME ? run_consume(&p, err, sizeof(err))
             : p.mode == MODE_COMPARE ? run_compare(&p, err, sizeof(err))
             : p.mode == MODE_SCRAM   ? run_scram(&p, err, sizeof(err))
                                      : run_e2e(&p, err, sizeof(err));
    if (status == SK_TOOL_EXIT_USAGE)
        goto usage_error;
    if (status != SK_TOOL_EXIT_OK)
        fprintf(stderr, "ERROR %s\n", err);
    goto out;
usage_error:
    fprintf(stderr, "skein-perf: %s\nTry 'skein-perf --help' for more information.\n", err);
out:
    sk_lat_free(p.lat);
    sk_kvlist_free(&p.pprops);
    sk_kvlist_free(&p.cprops);
    return status;
}
