/* skein-verify - produce numbered, checksummed records with idempotent
 * acks=all producers, consume them in a consumer group, and report every
 * acknowledged record that was lost, duplicated, reordered or moved, and
 * offsets the group committed past without reading them (issue 13).
 *
 * The bookkeeping and the analysis live in verify_ledger.c, the payload in
 * verify_record.c, the state file in verify_state.c and the report in
 * verify_report.c; this file drives librdkafka. One thread: delivery
 * reports and consumer callbacks run inside the polls of the main loop. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "kerr.h"
#include "mem.h"
#include "rdk_util.h"
#include "toolopt.h"
#include "topics_kafka.h"
#include "verify_ledger.h"
#include "verify_record.h"
#include "verify_report.h"
#include "verify_state.h"

#define METADATA_TIMEOUT_MS 10000
#define SETUP_TIMEOUT_MS 60000
#define MAX_PRODUCERS 64
#define MAX_RECORD_SIZE (1024 * 1024)
#define SEND_BURST 2000      /* records handed to librdkafka per loop turn at most */
#define STATE_FLUSH_MS 200
#define WARN_INTERVAL_MS 5000

typedef enum { MODE_BOTH = 0, MODE_PRODUCE_ONLY, MODE_CONSUME_ONLY } vmode_t;

enum {
    OPT_BOOTSTRAP = 256,
    OPT_TOPIC,
    OPT_DURATION,
    OPT_NUM_RECORDS,
    OPT_PRODUCERS,
    OPT_RATE,
    OPT_RECORD_SIZE,
    OPT_GROUP,
    OPT_PARTITIONS,
    OPT_RF,
    OPT_TOPIC_CONFIG,
    OPT_DRAIN_TIMEOUT,
    OPT_STATE_FILE,
    OPT_PRODUCE_ONLY,
    OPT_CONSUME_ONLY,
    OPT_PRODUCER_PROPERTY,
    OPT_CONSUMER_PROPERTY,
    OPT_COMMAND_CONFIG,
    OPT_REPORTING,
    OPT_JSON,
    OPT_HELP,
    OPT_VERSION,
};

static const struct option long_opts[] = {
    {"bootstrap-server", required_argument, NULL, OPT_BOOTSTRAP},
    {"topic", required_argument, NULL, OPT_TOPIC},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"num-records", required_argument, NULL, OPT_NUM_RECORDS},
    {"messages", required_argument, NULL, OPT_NUM_RECORDS},
    {"producers", required_argument, NULL, OPT_PRODUCERS},
    {"rate", required_argument, NULL, OPT_RATE},
    {"record-size", required_argument, NULL, OPT_RECORD_SIZE},
    {"group", required_argument, NULL, OPT_GROUP},
    {"partitions", required_argument, NULL, OPT_PARTITIONS},
    {"replication-factor", required_argument, NULL, OPT_RF},
    {"topic-config", required_argument, NULL, OPT_TOPIC_CONFIG},
    {"drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT},
    {"state-file", required_argument, NULL, OPT_STATE_FILE},
    {"produce-only", no_argument, NULL, OPT_PRODUCE_ONLY},
    {"consume-only", no_argument, NULL, OPT_CONSUME_ONLY},
    {"producer-property", required_argument, NULL, OPT_PRODUCER_PROPERTY},
    {"consumer-property", required_argument, NULL, OPT_CONSUMER_PROPERTY},
    {"command-config", required_argument, NULL, OPT_COMMAND_CONFIG},
    {"reporting-interval", required_argument, NULL, OPT_REPORTING},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
    fputs(
        "Usage: skein-verify --bootstrap-server B --topic T --duration D [options]\n"
        "       skein-verify --bootstrap-server B --topic T --num-records N --produce-only\n"
        "                    --state-file F [options]\n"
        "       skein-verify --bootstrap-server B --consume-only --state-file F [options]\n"
        "\n"
        "Checks that a cluster keeps what it acknowledges. Idempotent acks=all producers\n"
        "send numbered, checksummed records; a consumer group reads them and commits its\n"
        "offsets. When producing ends, the consumer reads up to the end offsets, then the\n"
        "report lists every violation: acknowledged records lost, duplicated, reordered\n"
        "within a partition, or found at an offset other than the acknowledged one;\n"
        "checksum mismatches; offsets the group committed past without receiving them;\n"
        "offsets that held two different records. It also gives produce and end-to-end\n"
        "latency (p50, p99, max). Progress goes to stderr, the report to stdout.\n"
        "\n"
        "Options:\n"
        "  --bootstrap-server LIST     brokers to connect to\n"
        "  --topic T                   the topic (created when missing; use a topic of its\n"
        "                              own: records of other writers are skipped as foreign)\n"
        "  --duration D                produce for D (e.g. 90s, 10m, 1h, 500ms; a bare number\n"
        "                              is seconds)\n"
        "  --num-records N             produce N records in total (with --duration: whichever\n"
        "                              comes first)\n"
        "  --producers N               independent idempotent producers (default 1, max 64)\n"
        "  --rate R                    records/s over all producers (default 1000; -1: as\n"
        "                              fast as possible)\n"
        "  --record-size S             record size in bytes (default 100, at least 66)\n"
        "  --group G                   consumer group (default skein-verify-<random>; a\n"
        "                              group that already committed offsets starts there)\n"
        "  --partitions N              partitions of the topic if it has to be created\n"
        "  --replication-factor N      its replication factor (default: the broker's)\n"
        "  --topic-config K=V          its configs, e.g. min.insync.replicas=2 (repeatable)\n"
        "  --drain-timeout D           after producing, how long to wait for outstanding\n"
        "                              acknowledgements and for the consumer to reach the\n"
        "                              end offsets (default 120s)\n"
        "  --state-file F              write every acknowledgement to F as it comes (with\n"
        "                              --consume-only: read it)\n"
        "  --produce-only              only produce, into --state-file (no consumer)\n"
        "  --consume-only              only consume and check the run in --state-file\n"
        "  --producer-property K=V     any librdkafka producer setting (repeatable)\n"
        "  --consumer-property K=V     any librdkafka consumer setting (repeatable)\n"
        "  --command-config FILE       client settings for every client (properties file)\n"
        "  --reporting-interval D      interval of the progress lines (default 5s; 0: none)\n"
        "  --json                      print the report as JSON\n"
        "  --help                      this text\n"
        "\n"
        "Exit status: 0 the run is clean, 1 violations found or the check could not\n"
        "finish, 2 usage or configuration error.\n",
        out);
}

typedef struct verify verify_t;

typedef struct vproducer {
    verify_t *v;
    int idx;
    rd_kafka_t *rk;
    int64_t next_seq;     /* sequence number of the next record */
    int64_t sent_written; /* "sent" count last written to the state file */
    int64_t last_warn_ms;
} vproducer_t;

struct verify {
    /* options */
    vmode_t mode;
    const char *bootstrap;
    const char *topic;
    const char *group;
    const char *state_path;
    const char *command_config;
    long long duration_ms; /* -1: not given */
    long long num_records; /* -1: not given */
    long long producers;
    long long rate; /* -1: unlimited */
    long long record_size;
    long long partitions; /* -1: broker default */
    long long rf;         /* -1: broker default */
    long long drain_ms;
    long long reporting_ms;
    int json;
    sk_kvlist_t pprops, cprops, topic_configs;
    /* run */
    uint64_t run;
    char group_buf[64];
    int n_parts;
    int64_t *start; /* per partition: where this run's records begin (-1 unknown) */
    int n_start;
    sk_vledger_t *ledger;
    FILE *state;
    vproducer_t *prods;
    rd_kafka_t *cons;
    int64_t sent_total;
    int64_t acked_total;
    int64_t last_ack_ms; /* when the last acknowledgement came (or producing began) */
    int64_t ack_gap_ms;  /* longest wait without one */
    int64_t received;
    int64_t fatal; /* producer fatal errors */
    int64_t failed_logged;
    int64_t cons_warn_ms;
    int64_t last_flush_ms;
    int64_t started_ms;
    int assigned; /* partitions the consumer holds */
    int drained;
    const char *incomplete;
};

/* ---- options -------------------------------------------------------------- */

/* "10m", "30s", "1h", "500ms" or a bare number of seconds, into ms. */
static int parse_duration(const char *s, long long *ms, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (end == s || errno || n < 0 || s[0] == '-' || s[0] == '+' || s[0] == ' ') {
        snprintf(err, errlen, "'%s' is not a duration (e.g. 30s, 10m, 1h, 500ms)", s);
        return SK_EINVAL;
    }
    long long mult;
    if (*end == '\0' || strcmp(end, "s") == 0)
        mult = 1000;
    else if (strcmp(end, "ms") == 0)
        mult = 1;
    else if (strcmp(end, "m") == 0)
        mult = 60000;
    else if (strcmp(end, "h") == 0)
        mult = 3600000;
    else {
        snprintf(err, errlen, "'%s' is not a duration (units: ms, s, m, h)", s);
        return SK_EINVAL;
    }
    if (n > INT64_MAX / 3600000 / 1000) {
        snprintf(err, errlen, "'%s' is too long", s);
        return SK_EINVAL;
    }
    *ms = n * mult;
    return SK_OK;
}

static int parse_option(verify_t *v, int ch, const char *arg, char *e, size_t elen)
{
    switch (ch) {
    case OPT_BOOTSTRAP: v->bootstrap = arg; return SK_OK;
    case OPT_TOPIC: v->topic = arg; return SK_OK;
    case OPT_GROUP: v->group = arg; return SK_OK;
    case OPT_STATE_FILE: v->state_path = arg; return SK_OK;
    case OPT_COMMAND_CONFIG: v->command_config = arg; return SK_OK;
    case OPT_PRODUCE_ONLY: v->mode = MODE_PRODUCE_ONLY; return SK_OK;
    case OPT_CONSUME_ONLY: v->mode = MODE_CONSUME_ONLY; return SK_OK;
    case OPT_JSON: v->json = 1; return SK_OK;
    case OPT_DURATION: return parse_duration(arg, &v->duration_ms, e, elen);
    case OPT_DRAIN_TIMEOUT: return parse_duration(arg, &v->drain_ms, e, elen);
    case OPT_REPORTING: return parse_duration(arg, &v->reporting_ms, e, elen);
    case OPT_NUM_RECORDS: return sk_topt_int(arg, 1, SK_VREC_MAX_SEQ, &v->num_records, e, elen);
    case OPT_PRODUCERS: return sk_topt_int(arg, 1, MAX_PRODUCERS, &v->producers, e, elen);
    case OPT_RECORD_SIZE:
        return sk_topt_int(arg, SK_VREC_MIN_SIZE, MAX_RECORD_SIZE, &v->record_size, e, elen);
    case OPT_PARTITIONS: return sk_topt_int(arg, 1, 100000, &v->partitions, e, elen);
    case OPT_RF: return sk_topt_int(arg, 1, 32767, &v->rf, e, elen);
    case OPT_RATE: {
        int rc = sk_topt_int(arg, -1, 10000000, &v->rate, e, elen);
        if (rc == SK_OK && v->rate == 0) {
            snprintf(e, elen, "0 is not a rate (use -1 for no limit)");
            rc = SK_EINVAL;
        }
        return rc;
    }
    case OPT_TOPIC_CONFIG: return sk_kvlist_add_arg(&v->topic_configs, arg, e, elen);
    case OPT_PRODUCER_PROPERTY: return sk_kvlist_add_arg(&v->pprops, arg, e, elen);
    case OPT_CONSUMER_PROPERTY: return sk_kvlist_add_arg(&v->cprops, arg, e, elen);
    default: snprintf(e, elen, "unexpected option"); return SK_EINVAL;
    }
}

/* Options that only make sense in some modes. */
static int check_options(const verify_t *v, char *err, size_t errlen)
{
    if (!v->bootstrap) {
        snprintf(err, errlen, "--bootstrap-server is required");
        return SK_EINVAL;
    }
    if (v->mode != MODE_CONSUME_ONLY && !v->topic) {
        snprintf(err, errlen, "--topic is required");
        return SK_EINVAL;
    }
    if (v->mode != MODE_BOTH && !v->state_path) {
        snprintf(err, errlen, "--%s needs --state-file",
                 v->mode == MODE_PRODUCE_ONLY ? "produce-only" : "consume-only");
        return SK_EINVAL;
    }
    if (v->mode == MODE_CONSUME_ONLY) {
        if (v->duration_ms >= 0 || v->num_records > 0 || v->rate != 1000 ||
            v->producers != 1 || v->record_size != 100 || v->pprops.n || v->partitions > 0 ||
            v->rf > 0 || v->topic_configs.n) {
            snprintf(err, errlen, "producer and topic options do not apply to --consume-only");
            return SK_EINVAL;
        }
        return SK_OK;
    }
    if (v->duration_ms < 0 && v->num_records < 0) {
        snprintf(err, errlen, "--duration or --num-records is required");
        return SK_EINVAL;
    }
    if (v->duration_ms == 0) {
        snprintf(err, errlen, "--duration must be longer than 0");
        return SK_EINVAL;
    }
    if (v->mode == MODE_PRODUCE_ONLY && (v->group || v->cprops.n)) {
        snprintf(err, errlen, "consumer options do not apply to --produce-only");
        return SK_EINVAL;
    }
    return SK_OK;
}

static const char *option_name(int ch)
{
    for (const struct option *o = long_opts; o->name; o++)
        if (o->val == ch)
            return o->name;
    return "?";
}

static int parse_args(int argc, char **argv, verify_t *v, int *exit_now, char *err,
                      size_t errlen)
{
    opterr = 0;
    int ch;
    char e[256];
    while ((ch = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        if (ch == 'h' || ch == OPT_HELP) {
            usage(stdout);
            *exit_now = 1;
            return SK_OK;
        }
        if (ch == OPT_VERSION) {
            printf("skein-verify %s\n", PACKAGE_VERSION);
            *exit_now = 1;
            return SK_OK;
        }
        if (ch == ':') {
            snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
            return SK_EINVAL;
        }
        if (ch == '?') {
            snprintf(err, errlen, "unknown option %s", argv[optind - 1]);
            return SK_EINVAL;
        }
        if (parse_option(v, ch, optarg, e, sizeof(e)) != SK_OK) {
            snprintf(err, errlen, "--%s: %s", option_name(ch), e);
            return SK_EINVAL;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return SK_EINVAL;
    }
    return check_options(v, err, errlen);
}

/* ---- helpers -------------------------------------------------------------- */

static void warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warnf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("skein-verify: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t random64(void)
{
    uint64_t x = 0;
    if (getrandom(&x, sizeof(x), 0) != (ssize_t)sizeof(x))
        x = (uint64_t)sk_wall_ms() * 6364136223846793005ULL ^ (uint64_t)getpid();
    return x;
}

/* librdkafka's own log lines repeat what the error callbacks say. */
static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    (void)level;
    (void)fac;
    (void)buf;
}

/* After CreateTopics: wait until Metadata shows the topic with `want`
 * partitions (want <= 0: the broker's default, so until two reads half a
 * second apart agree). */
static int wait_partitions(rd_kafka_t *rk, const char *topic, int want, int32_t **ids, int *n,
                           char *err, size_t errlen)
{
    int64_t deadline = sk_mono_ms() + SETUP_TIMEOUT_MS;
    int rc, last = -1;
    do {
        rc = sk_rdk_topic_partitions(rk, topic, METADATA_TIMEOUT_MS, ids, n, err, errlen);
        if (rc == SK_OK && *n > 0 && (want > 0 ? *n >= want : *n == last))
            return SK_OK;
        last = rc == SK_OK ? *n : -1;
        free(*ids);
        *ids = NULL;
        if (sk_rdk_stop)
            break;
        usleep(500 * 1000);
    } while (sk_mono_ms() < deadline);
    if (rc == SK_OK)
        snprintf(err, errlen, "topic %s does not show its partitions in Metadata", topic);
    return rc == SK_OK ? SK_EIO : rc;
}

/* The topic's partition count in *n_meta, creating the topic when it does
 * not exist (not in consume-only mode). */
static int setup_topic(verify_t *v, int *n_meta, char *err, size_t errlen)
{
    rd_kafka_t *rk = sk_rdk_admin_new(v->bootstrap, "skein-verify", v->command_config, err,
                                      errlen);
    if (!rk)
        return SK_EINVAL;
    int32_t *ids = NULL;
    int n = 0;
    int rc = sk_rdk_topic_partitions(rk, v->topic, METADATA_TIMEOUT_MS, &ids, &n, err, errlen);
    if (rc == SK_ENOENT && v->mode != MODE_CONSUME_ONLY) {
        sk_tkafka_t *k = NULL;
        rc = sk_tkafka_open(v->bootstrap, v->command_config, METADATA_TIMEOUT_MS, &k, err,
                            errlen);
        if (rc == SK_OK)
            rc = sk_tkafka_create(k, v->topic, (int)v->partitions, (int)v->rf, NULL,
                                  &v->topic_configs, err, errlen);
        sk_tkafka_close(k);
        if (rc == SK_EEXIST)
            rc = SK_OK; /* created meanwhile by someone else */
        if (rc == SK_OK) {
            warnf("created topic %s", v->topic);
            rc = wait_partitions(rk, v->topic, (int)v->partitions, &ids, &n, err, errlen);
        }
    } else if (rc == SK_OK && (v->partitions > 0 || v->rf > 0 || v->topic_configs.n)) {
        warnf("topic %s exists; --partitions, --replication-factor and --topic-config are "
              "not applied", v->topic);
    }
    if (rc == SK_OK)
        *n_meta = ids[n - 1] + 1; /* partition ids are 0..n-1 in Kafka */
    free(ids);
    rd_kafka_destroy(rk);
    return rc;
}

/* Log end offsets of every partition: where this run's records will begin. */
static int query_starts(verify_t *v, rd_kafka_t *rk, char *err, size_t errlen)
{
    v->start = sk_calloc((size_t)v->n_parts, sizeof(int64_t));
    v->n_start = v->n_parts;
    int64_t deadline = sk_mono_ms() + SETUP_TIMEOUT_MS;
    for (int p = 0; p < v->n_parts; p++) {
        int64_t lo, hi;
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_query_watermark_offsets(rk, v->topic, p, &lo, &hi,
                                                     METADATA_TIMEOUT_MS)) != 0) {
            if (sk_mono_ms() >= deadline || sk_rdk_stop) {
                snprintf(err, errlen, "cannot read the end offset of %s-%d: %s", v->topic, p,
                         rd_kafka_err2str(e));
                return SK_EIO;
            }
            usleep(200 * 1000);
        }
        v->start[p] = hi;
    }
    return SK_OK;
}

/* ---- producing ------------------------------------------------------------ */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    vproducer_t *p = opaque;
    verify_t *v = p->v;
    int64_t seq = (int64_t)(intptr_t)m->_private;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset >= 0) {
        int64_t lat = rd_kafka_message_latency(m);
        if (sk_vledger_acked(v->ledger, p->idx, seq, m->partition, m->offset, lat) != SK_OK)
            warnf("producer %d: acknowledgement of seq %" PRId64 " at %s-%d@%" PRId64
                  " contradicts an earlier report", p->idx, seq, v->topic, m->partition,
                  m->offset);
        else if (v->state)
            sk_vstate_write_ack(v->state, p->idx, seq, m->partition, m->offset, lat);
        v->acked_total++;
        int64_t now = sk_mono_ms();
        if (now - v->last_ack_ms > v->ack_gap_ms)
            v->ack_gap_ms = now - v->last_ack_ms;
        v->last_ack_ms = now;
        return;
    }
    sk_vledger_failed(v->ledger, p->idx, seq);
    if (v->state)
        sk_vstate_write_failed(v->state, p->idx, seq);
    if (v->failed_logged++ < 10)
        warnf("producer %d: record %" PRId64 " not acknowledged: %s", p->idx, seq,
              m->err ? rd_kafka_err2str(m->err) : "no offset in the acknowledgement");
}

static void on_producer_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    vproducer_t *p = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof(why));
        warnf("producer %d: FATAL %s: %s", p->idx, rd_kafka_err2name(orig), why);
        p->v->fatal++;
        return;
    }
    int64_t now = sk_mono_ms();
    if (now - p->last_warn_ms >= WARN_INTERVAL_MS) {
        p->last_warn_ms = now;
        warnf("producer %d: %s", p->idx, reason);
    }
}

static int new_producers(verify_t *v, char *err, size_t errlen)
{
    sk_kvlist_t defaults;
    sk_kvlist_init(&defaults);
    sk_kvlist_set(&defaults, "enable.idempotence", "true");
    sk_kvlist_set(&defaults, "acks", "all");
    sk_kvlist_set(&defaults, "linger.ms", "5");
    int rc = SK_OK;
    v->prods = sk_calloc((size_t)v->producers, sizeof(vproducer_t));
    for (int i = 0; i < v->producers && rc == SK_OK; i++) {
        vproducer_t *p = &v->prods[i];
        p->v = v;
        p->idx = i;
        char id[64];
        snprintf(id, sizeof(id), "skein-verify-%d", i);
        rd_kafka_conf_t *conf = sk_rdk_conf_new(v->bootstrap, id, &defaults, v->command_config,
                                                &v->pprops, err, errlen);
        if (!conf) {
            rc = SK_EINVAL;
            break;
        }
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_error_cb(conf, on_producer_error);
        rd_kafka_conf_set_log_cb(conf, quiet_log);
        rd_kafka_conf_set_opaque(conf, p);
        char e[512];
        p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
        if (!p->rk) {
            rd_kafka_conf_destroy(conf);
            snprintf(err, errlen, "cannot create producer %d: %s", i, e);
            rc = SK_EINVAL;
        }
    }
    sk_kvlist_free(&defaults);
    return rc;
}

/* Hand one record to producer p. SK_EAGAIN when its queue is full. */
static int send_one(verify_t *v, vproducer_t *p, char *buf)
{
    int64_t seq = p->next_seq;
    sk_vrec_t r = {.run = v->run, .producer = p->idx, .seq = seq, .ts_us = wall_us()};
    sk_vrec_encode(&r, buf, (size_t)v->record_size);
    int32_t partition = (int32_t)((seq + p->idx) % v->n_parts);
    rd_kafka_resp_err_t e = rd_kafka_producev(
        p->rk, RD_KAFKA_V_TOPIC(v->topic), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_VALUE(buf, (size_t)v->record_size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE((void *)(intptr_t)seq), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return SK_EAGAIN;
    sk_vledger_sent(v->ledger, p->idx, seq);
    p->next_seq++;
    v->sent_total++;
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        /* never handed over: it cannot be acknowledged */
        sk_vledger_failed(v->ledger, p->idx, seq);
        if (v->state)
            sk_vstate_write_failed(v->state, p->idx, seq);
        if (v->failed_logged++ < 10)
            warnf("producer %d: cannot send record %" PRId64 ": %s", p->idx, seq,
                  rd_kafka_err2str(e));
        if (e == RD_KAFKA_RESP_ERR__FATAL)
            v->fatal++;
    }
    return SK_OK;
}

/* Send every record due by now (rate limit), a burst at most. 1 while more
 * records are to come. */
static int send_due(verify_t *v, int64_t now_ms, char *buf)
{
    if (v->fatal > 0 || sk_rdk_stop)
        return 0;
    if (v->duration_ms > 0 && now_ms - v->started_ms >= v->duration_ms)
        return 0;
    for (int burst = 0; burst < SEND_BURST; burst++) {
        if (v->num_records > 0 && v->sent_total >= v->num_records)
            return 0;
        if (v->rate > 0) {
            int64_t due_ms = v->started_ms + (int64_t)((double)v->sent_total * 1000.0 /
                                                       (double)v->rate);
            if (due_ms > now_ms)
                break;
        }
        vproducer_t *p = &v->prods[v->sent_total % v->producers];
        if (send_one(v, p, buf) == SK_EAGAIN)
            break;
    }
    return 1;
}

/* "sent" lines go to the state file before any acknowledgement of those
 * records can be written (acknowledgements come only from the polls). */
static void write_sent(verify_t *v)
{
    if (!v->state)
        return;
    for (int i = 0; i < v->producers; i++) {
        vproducer_t *p = &v->prods[i];
        if (p->next_seq != p->sent_written) {
            sk_vstate_write_sent(v->state, p->idx, p->next_seq);
            p->sent_written = p->next_seq;
        }
    }
}

static void poll_producers(verify_t *v)
{
    for (int i = 0; i < v->producers; i++)
        rd_kafka_poll(v->prods[i].rk, 0);
}

static int outstanding(const verify_t *v)
{
    int n = 0;
    for (int i = 0; i < v->producers; i++)
        n += rd_kafka_outq_len(v->prods[i].rk);
    return n;
}

static void destroy_producers(verify_t *v)
{
    if (!v->prods)
        return;
    for (int i = 0; i < v->producers; i++)
        if (v->prods[i].rk) {
            rd_kafka_purge(v->prods[i].rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_poll(v->prods[i].rk, 0);
            rd_kafka_destroy(v->prods[i].rk);
        }
    free(v->prods);
    v->prods = NULL;
}

/* ---- consuming ------------------------------------------------------------ */

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    verify_t *v = opaque;
    if (err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, NULL);
        v->assigned = 0;
        return;
    }
    /* A group without a committed offset starts where this run's records
     * begin, not at the start of the log. */
    if (rd_kafka_committed(rk, parts, METADATA_TIMEOUT_MS) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < parts->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &parts->elems[i];
            if (tp->err)
                continue;
            if (tp->offset < 0 && tp->partition < v->n_start && v->start[tp->partition] >= 0)
                tp->offset = v->start[tp->partition];
            if (tp->offset >= 0)
                sk_vledger_start(v->ledger, tp->partition, tp->offset);
        }
    }
    rd_kafka_assign(rk, parts);
    v->assigned = parts->cnt;
}

static void on_commit(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)rk;
    verify_t *v = opaque;
    if (err || !offsets)
        return;
    for (int i = 0; i < offsets->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &offsets->elems[i];
        if (!tp->err && tp->offset >= 0 && strcmp(tp->topic, v->topic) == 0)
            sk_vledger_committed(v->ledger, tp->partition, tp->offset);
    }
}

static void on_consumer_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    (void)err;
    verify_t *v = opaque;
    int64_t now = sk_mono_ms();
    if (now - v->cons_warn_ms >= WARN_INTERVAL_MS) {
        v->cons_warn_ms = now;
        warnf("consumer: %s", reason);
    }
}

static int new_consumer(verify_t *v, char *err, size_t errlen)
{
    if (!v->group) {
        snprintf(v->group_buf, sizeof(v->group_buf), "skein-verify-%016" PRIx64, random64());
        v->group = v->group_buf;
    }
    sk_kvlist_t defaults;
    sk_kvlist_init(&defaults);
    sk_kvlist_set(&defaults, "group.id", v->group);
    sk_kvlist_set(&defaults, "auto.offset.reset", "earliest");
    sk_kvlist_set(&defaults, "enable.auto.commit", "true");
    sk_kvlist_set(&defaults, "auto.commit.interval.ms", "1000");
    rd_kafka_conf_t *conf = sk_rdk_conf_new(v->bootstrap, "skein-verify-consumer", &defaults,
                                            v->command_config, &v->cprops, err, errlen);
    sk_kvlist_free(&defaults);
    if (!conf)
        return SK_EINVAL;
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_offset_commit_cb(conf, on_commit);
    rd_kafka_conf_set_error_cb(conf, on_consumer_error);
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    rd_kafka_conf_set_opaque(conf, v);
    char e[512];
    v->cons = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
    if (!v->cons) {
        rd_kafka_conf_destroy(conf);
        snprintf(err, errlen, "cannot create the consumer: %s", e);
        return SK_EINVAL;
    }
    rd_kafka_poll_set_consumer(v->cons);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, v->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t se = rd_kafka_subscribe(v->cons, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (se) {
        snprintf(err, errlen, "cannot subscribe to %s: %s", v->topic, rd_kafka_err2str(se));
        return SK_EIO;
    }
    return SK_OK;
}

/* Read what is there, waiting at most wait_ms for the first record. */
static void consume_some(verify_t *v, int wait_ms)
{
    int64_t now_us = v->mode == MODE_CONSUME_ONLY ? -1 : 0;
    for (int i = 0; i < 10000; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(v->cons, i == 0 ? wait_ms : 0);
        if (!m)
            return;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                on_consumer_error(v->cons, m->err, rd_kafka_message_errstr(m), v);
        } else {
            if (now_us >= 0)
                now_us = wall_us();
            sk_vledger_consumed(v->ledger, m->partition, m->offset, m->payload, m->len, now_us);
            v->received++;
        }
        rd_kafka_message_destroy(m);
    }
}

/* The group's committed offsets as the coordinator has them. */
static void read_committed(verify_t *v)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(v->n_parts);
    for (int p = 0; p < v->n_parts; p++)
        rd_kafka_topic_partition_list_add(l, v->topic, p);
    if (rd_kafka_committed(v->cons, l, METADATA_TIMEOUT_MS) == RD_KAFKA_RESP_ERR_NO_ERROR)
        for (int i = 0; i < l->cnt; i++)
            if (!l->elems[i].err && l->elems[i].offset >= 0)
                sk_vledger_committed(v->ledger, l->elems[i].partition, l->elems[i].offset);
    rd_kafka_topic_partition_list_destroy(l);
}

static void close_consumer(verify_t *v)
{
    if (!v->cons)
        return;
    rd_kafka_commit(v->cons, NULL, 0);
    read_committed(v);
    rd_kafka_consumer_close(v->cons);
    rd_kafka_destroy(v->cons);
    v->cons = NULL;
}

/* 1 when the consumer has read up to every partition's end offset. */
static int caught_up(verify_t *v, int64_t *hw)
{
    for (int p = 0; p < v->n_parts; p++) {
        int64_t pos = sk_vledger_position(v->ledger, p);
        if (pos < 0 && p < v->n_start && v->start[p] >= 0 && hw[p] <= v->start[p])
            continue; /* nothing new in this partition */
        if (pos < hw[p])
            return 0;
    }
    return 1;
}

/* Refresh the end offsets; 0 when one could not be read. */
static int query_ends(verify_t *v, int64_t *hw)
{
    for (int p = 0; p < v->n_parts; p++) {
        int64_t lo;
        if (rd_kafka_query_watermark_offsets(v->cons, v->topic, p, &lo, &hw[p], 2000) != 0)
            return 0;
    }
    return 1;
}

/* Wait until the group gave the consumer its partitions, so that the
 * end-to-end latency does not include joining the group. */
static void wait_assigned(verify_t *v)
{
    int64_t deadline = sk_mono_ms() + SETUP_TIMEOUT_MS;
    while (v->assigned == 0 && !sk_rdk_stop && sk_mono_ms() < deadline)
        consume_some(v, 100);
    if (v->assigned == 0 && !sk_rdk_stop)
        warnf("the consumer has no partitions after %d s; producing anyway",
              SETUP_TIMEOUT_MS / 1000);
}

/* ---- the run -------------------------------------------------------------- */

static void progress(verify_t *v, int64_t now_ms, const char *phase)
{
    char line[512];
    int n = snprintf(line, sizeof(line), "[%7.1f s] %s:", (double)(now_ms - v->started_ms) / 1000.0,
                     phase);
    if (v->mode != MODE_CONSUME_ONLY)
        n += snprintf(line + n, sizeof(line) - (size_t)n,
                      " %" PRId64 " sent, %" PRId64 " acknowledged, %d awaiting acknowledgement%s",
                      v->sent_total, v->acked_total, v->prods ? outstanding(v) : 0,
                      v->mode == MODE_BOTH ? "," : "");
    if (v->mode != MODE_PRODUCE_ONLY)
        snprintf(line + n, sizeof(line) - (size_t)n,
                 " %" PRId64 " received, %" PRId64 " acknowledged records not received yet",
                 v->received, sk_vledger_pending(v->ledger));
    fprintf(stderr, "%s\n", line);
}

static void maybe_progress(verify_t *v, int64_t now_ms, int64_t *next_ms, const char *phase)
{
    if (v->reporting_ms <= 0 || now_ms < *next_ms)
        return;
    progress(v, now_ms, phase);
    *next_ms = now_ms + v->reporting_ms;
}

static void maybe_flush_state(verify_t *v, int64_t now_ms)
{
    if (v->state && now_ms - v->last_flush_ms >= STATE_FLUSH_MS) {
        fflush(v->state);
        v->last_flush_ms = now_ms;
    }
}

/* Produce until the duration or the record count is reached (consuming
 * meanwhile when there is a consumer), then wait for every outstanding
 * acknowledgement until the drain deadline. */
static void run_produce(verify_t *v, int64_t *next_report)
{
    char *buf = sk_malloc((size_t)v->record_size);
    int producing = 1;
    v->last_ack_ms = sk_mono_ms();
    while (producing) {
        int64_t now = sk_mono_ms();
        producing = send_due(v, now, buf);
        write_sent(v);
        poll_producers(v);
        if (v->cons)
            consume_some(v, producing ? 5 : 0);
        else if (producing)
            usleep(2000);
        maybe_progress(v, now, next_report, "producing");
        maybe_flush_state(v, now);
    }
    free(buf);
    int64_t deadline = sk_mono_ms() + v->drain_ms;
    while (outstanding(v) > 0 && sk_mono_ms() < deadline) {
        for (int i = 0; i < v->producers; i++)
            rd_kafka_poll(v->prods[i].rk, v->cons ? 0 : 20);
        if (v->cons)
            consume_some(v, 20);
        int64_t now = sk_mono_ms();
        maybe_progress(v, now, next_report, "awaiting acknowledgements");
        maybe_flush_state(v, now);
    }
    if (outstanding(v) > 0) {
        warnf("%d records still without acknowledgement after --drain-timeout; given up",
              outstanding(v));
        /* purged records report failure through their delivery reports */
        for (int i = 0; i < v->producers; i++) {
            rd_kafka_purge(v->prods[i].rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_poll(v->prods[i].rk, 100);
        }
    }
}

/* Consume until every partition's end offset is reached or the deadline. */
static void run_drain(verify_t *v, int64_t deadline, int64_t *next_report)
{
    int64_t *hw = sk_calloc((size_t)v->n_parts, sizeof(int64_t));
    int64_t next_query = 0;
    int known = 0;
    for (;;) {
        int64_t now = sk_mono_ms();
        if (now >= next_query) {
            known = query_ends(v, hw);
            next_query = now + 1000;
        }
        if (known && caught_up(v, hw)) {
            v->drained = 1;
            break;
        }
        if (now >= deadline)
            break;
        consume_some(v, 100);
        maybe_progress(v, sk_mono_ms(), next_report, "reading to the end offsets");
    }
    free(hw);
}

static int open_state(verify_t *v, char *err, size_t errlen)
{
    int fd = open(v->state_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || !(v->state = fdopen(fd, "w"))) {
        snprintf(err, errlen, "cannot write %s: %s", v->state_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return SK_EIO;
    }
    if (sk_vstate_write_header(v->state, v->run, v->topic, (int)v->producers, v->start,
                               v->n_parts) != SK_OK) {
        snprintf(err, errlen, "cannot write %s: %s", v->state_path, strerror(errno));
        return SK_EIO;
    }
    return SK_OK;
}

static int load_state(verify_t *v, char *err, size_t errlen)
{
    sk_vstate_t st;
    char e[512];
    if (sk_vstate_load(v->state_path, &st, &v->ledger, e, sizeof(e)) != SK_OK) {
        snprintf(err, errlen, "%s", e);
        return SK_EINVAL;
    }
    int rc = SK_OK;
    if (v->topic && strcmp(v->topic, st.topic) != 0) {
        snprintf(err, errlen, "%s is a run on topic %s, not %s", v->state_path, st.topic,
                 v->topic);
        rc = SK_EINVAL;
        goto out;
    }
    v->topic = sk_strdup(st.topic); /* freed at exit with the state */
    v->run = st.run;
    v->producers = st.producers;
    if (!st.complete)
        warnf("%s: the produce run did not finish%s; records without an outcome are not "
              "checked", v->state_path, st.truncated ? " (last line cut)" : "");
    v->start = sk_calloc((size_t)(st.n_start > 0 ? st.n_start : 1), sizeof(int64_t));
    for (int p = 0; p < st.n_start; p++)
        v->start[p] = st.start[p];
    v->n_start = st.n_start;
out:
    sk_vstate_free(&st);
    return rc;
}

/* Client settings from the command line are checked before connecting. */
static int check_client_props(const verify_t *v, char *err, size_t errlen)
{
    for (int consumer = 0; consumer < 2; consumer++) {
        if (consumer ? v->mode == MODE_PRODUCE_ONLY : v->mode == MODE_CONSUME_ONLY)
            continue;
        rd_kafka_conf_t *conf = sk_rdk_conf_new(v->bootstrap, "skein-verify", NULL,
                                                v->command_config,
                                                consumer ? &v->cprops : &v->pprops, err,
                                                errlen);
        if (!conf)
            return SK_EINVAL;
        rd_kafka_conf_destroy(conf);
    }
    return SK_OK;
}

/* The state file or a new run, and the topic; SK_TOOL_EXIT_* on failure. */
static int setup(verify_t *v, char *err, size_t errlen)
{
    if (check_client_props(v, err, errlen) != SK_OK)
        return SK_TOOL_EXIT_USAGE;
    if (v->mode == MODE_CONSUME_ONLY) {
        if (load_state(v, err, errlen) != SK_OK)
            return SK_TOOL_EXIT_USAGE;
    } else {
        v->run = random64();
        v->ledger = sk_vledger_new(v->run);
    }
    int n_meta = 0;
    int rc = setup_topic(v, &n_meta, err, errlen);
    if (rc != SK_OK)
        return rc == SK_EINVAL ? SK_TOOL_EXIT_USAGE : SK_TOOL_EXIT_FAIL;
    v->n_parts = n_meta;
    if (v->mode == MODE_CONSUME_ONLY && n_meta > v->n_start) {
        /* partitions added since the produce run: no start known */
        v->start = sk_realloc(v->start, (size_t)n_meta * sizeof(int64_t));
        for (int p = v->n_start; p < n_meta; p++)
            v->start[p] = -1;
        v->n_start = n_meta;
    }
    return SK_TOOL_EXIT_OK;
}

static int run(verify_t *v, sk_vreport_t *rep, sk_vreport_meta_t *meta, char *err,
               size_t errlen)
{
    int status = setup(v, err, errlen);
    if (status != SK_TOOL_EXIT_OK)
        return status;
    if (v->mode != MODE_CONSUME_ONLY) {
        if (new_producers(v, err, errlen) != SK_OK)
            return SK_TOOL_EXIT_USAGE;
        if (query_starts(v, v->prods[0].rk, err, errlen) != SK_OK)
            return SK_TOOL_EXIT_FAIL;
        if (v->state_path && open_state(v, err, errlen) != SK_OK)
            return SK_TOOL_EXIT_FAIL;
    }
    if (v->mode != MODE_PRODUCE_ONLY) {
        int rc = new_consumer(v, err, errlen);
        if (rc != SK_OK)
            return rc == SK_EINVAL ? SK_TOOL_EXIT_USAGE : SK_TOOL_EXIT_FAIL;
    }
    if (v->cons && v->prods)
        wait_assigned(v);
    v->started_ms = sk_mono_ms();
    int64_t next_report = v->started_ms + v->reporting_ms;
    if (v->prods)
        run_produce(v, &next_report);
    int64_t produced_ms = sk_mono_ms();
    if (v->cons) {
        run_drain(v, produced_ms + v->drain_ms, &next_report);
        close_consumer(v);
    }
    if (v->state) {
        write_sent(v);
        if (sk_vstate_finish(v->state, err, errlen) != SK_OK)
            v->incomplete = "the state file could not be written";
    }
    if (v->reporting_ms > 0)
        progress(v, sk_mono_ms(), "done");
    sk_vledger_analyze(v->ledger, rep);
    meta->topic = v->topic;
    meta->group = v->mode != MODE_PRODUCE_ONLY ? v->group : NULL;
    meta->run = v->run;
    meta->produced = v->mode != MODE_CONSUME_ONLY;
    meta->consumed = v->mode != MODE_PRODUCE_ONLY;
    meta->drained = v->drained;
    meta->elapsed_ms = sk_mono_ms() - v->started_ms;
    meta->producer_errors = v->fatal;
    meta->ack_gap_ms = v->prods ? v->ack_gap_ms : -1;
    meta->incomplete = v->incomplete;
    return sk_vreport_clean(rep, meta) ? SK_TOOL_EXIT_OK : SK_TOOL_EXIT_FAIL;
}

int main(int argc, char **argv)
{
    verify_t v;
    char err[1024];
    int exit_now = 0, status;
    memset(&v, 0, sizeof(v));
    v.duration_ms = -1;
    v.num_records = -1;
    v.producers = 1;
    v.rate = 1000;
    v.record_size = 100;
    v.partitions = -1;
    v.rf = -1;
    v.drain_ms = 120000;
    v.reporting_ms = 5000;
    sk_kvlist_init(&v.pprops);
    sk_kvlist_init(&v.cprops);
    sk_kvlist_init(&v.topic_configs);
    sk_vreport_t rep;
    memset(&rep, 0, sizeof(rep));
    sk_vreport_meta_t meta;
    memset(&meta, 0, sizeof(meta));
    char *state_topic = NULL;
    if (parse_args(argc, argv, &v, &exit_now, err, sizeof(err)) != SK_OK) {
        status = SK_TOOL_EXIT_USAGE;
        goto usage_error;
    }
    if (exit_now) {
        status = SK_TOOL_EXIT_OK;
        goto out;
    }
    const char *topic_arg = v.topic;
    sk_rdk_install_signals();
    err[0] = '\0';
    status = run(&v, &rep, &meta, err, sizeof(err));
    if (v.topic != topic_arg)
        state_topic = (char *)v.topic;
    if (meta.topic) {
        if (v.json) {
            char *js = sk_vreport_json(&rep, &meta);
            fputs(js, stdout);
            free(js);
        } else {
            sk_vreport_print(stdout, &rep, &meta);
        }
        fflush(stdout);
    } else if (status == SK_TOOL_EXIT_USAGE) {
        goto usage_error;
    } else {
        fprintf(stderr, "skein-verify: ERROR %s\n", err);
    }
    goto out;
usage_error:
    fprintf(stderr, "skein-verify: %s\nTry 'skein-verify --help' for more information.\n",
            err);
out:
    destroy_producers(&v);
    close_consumer(&v);
    if (v.state)
        fclose(v.state);
    sk_vreport_free(&rep);
    sk_vledger_free(v.ledger);
    free(v.start);
    free(state_topic);
    sk_kvlist_free(&v.pprops);
    sk_kvlist_free(&v.cprops);
    sk_kvlist_free(&v.topic_configs);
    return status;
}
