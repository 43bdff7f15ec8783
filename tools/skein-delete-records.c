/* skein-delete-records - delete the records of partitions below an offset,
 * with the flags and output of Kafka's kafka-delete-records.sh:
 * the offset JSON file (delrec_json.h) is checked whole, the topics and
 * partitions it names are looked up in Metadata, and only then does
 * librdkafka's admin API send DeleteRecords to each partition's leader.
 * Each partition's leader answers once every in-sync replica starts at the
 * new offset (its low watermark). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delrec_json.h"
#include "kerr.h"
#include "mem.h"
#include "rdk_util.h"
#include "toolopt.h"

#define TIMEOUT_MS 30000
#define OPERATION_TIMEOUT_MS 60000
#define MAX_FILE_BYTES (64 * 1024 * 1024)

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: skein-delete-records --bootstrap-server HOST:PORT[,...]\n"
            "         --offset-json-file FILE [--command-config FILE]\n"
            "\n"
            "Deletes the records of each partition below the offset given for it, as\n"
            "Kafka's kafka-delete-records.sh does: the partition's log start offset moves\n"
            "there on every replica and the segments wholly below it are deleted. The\n"
            "client needs Delete on the topics.\n"
            "\n"
            "  --bootstrap-server B     broker(s) to talk to\n"
            "  --offset-json-file F     the partitions and offsets, Kafka's format:\n"
            "                           {\"partitions\":[{\"topic\":\"t\",\"partition\":0,\n"
            "                           \"offset\":10}],\"version\":1}\n"
            "                           (offset -1: the partition's high watermark)\n"
            "  --command-config FILE    client properties (librdkafka names, e.g.\n"
            "                           security.protocol=ssl, ssl.ca.location=...)\n"
            "  --help                   this text\n"
            "\n"
            "A malformed file, a topic or partition that does not exist, or a partition\n"
            "named twice is refused before anything is sent.\n"
            "Exit status: 0 once the brokers answered (a partition's error is on its line,\n"
            "as with kafka-delete-records.sh), 1 no answer, 2 usage error or a refused file.\n");
}

static int usage_error(const char *msg, const char *arg)
{
    if (arg)
        fprintf(stderr, "%s: %s\n", msg, arg);
    else
        fprintf(stderr, "%s\n", msg);
    usage(stderr);
    return SK_TOOL_EXIT_USAGE;
}

typedef struct {
    const char *bootstrap, *json_file, *command_config;
} opts_t;

enum { O_BOOTSTRAP = 256, O_JSON, O_CONFIG, O_HELP };

static const struct option longopts[] = {
    {"bootstrap-server", required_argument, NULL, O_BOOTSTRAP},
    {"offset-json-file", required_argument, NULL, O_JSON},
    {"command-config", required_argument, NULL, O_CONFIG},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

/* 0, SK_TOOL_EXIT_USAGE (message printed), or -1 for --help. */
static int parse_args(int argc, char **argv, opts_t *o)
{
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_BOOTSTRAP: o->bootstrap = optarg; break;
        case O_JSON: o->json_file = optarg; break;
        case O_CONFIG: o->command_config = optarg; break;
        case O_HELP: usage(stdout); return -1;
        default: return usage_error("unknown or incomplete option", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument", argv[optind]);
    if (!o->bootstrap)
        return usage_error("--bootstrap-server is required", NULL);
    if (!o->json_file)
        return usage_error("--offset-json-file is required", NULL);
    return 0;
}

/* The whole file in *buf (malloc'd). SK_OK or SK_EIO with a message. */
static int read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return SK_EIO;
    }
    size_t cap = 4096, n = 0;
    char *b = sk_malloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_FILE_BYTES) {
                snprintf(err, errlen, "%s is larger than %d bytes", path, MAX_FILE_BYTES);
                free(b);
                fclose(f);
                return SK_EIO;
            }
            cap *= 2;
            b = sk_realloc(b, cap);
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "cannot read %s", path);
        free(b);
        return SK_EIO;
    }
    *buf = b;
    *len = n;
    return SK_OK;
}

/* Every topic and partition of the list exists (Metadata, never creating a
 * topic). SK_OK, SK_ENOENT (message), or SK_EIO (Metadata failed). */
static int check_exist(rd_kafka_t *rk, const sk_delrec_list_t *l, char *err, size_t errlen)
{
    const char *topic = NULL; /* the topic whose partitions ids holds */
    int32_t *ids = NULL;
    int n = 0, rc = SK_OK;
    for (int i = 0; i < l->n && rc == SK_OK; i++) {
        if (!topic || strcmp(topic, l->e[i].topic) != 0) {
            free(ids);
            ids = NULL;
            topic = l->e[i].topic;
            rc = sk_rdk_topic_partitions(rk, topic, TIMEOUT_MS, &ids, &n, err, errlen);
            if (rc == SK_ENOENT)
                snprintf(err, errlen, "Topic %s does not exist", topic);
            else if (rc != SK_OK)
                rc = SK_EIO;
            if (rc != SK_OK)
                break;
        }
        int found = 0;
        for (int k = 0; k < n; k++)
            found |= ids[k] == l->e[i].partition;
        if (!found) {
            snprintf(err, errlen, "Partition %s-%d does not exist (the topic has %d)",
                     l->e[i].topic, l->e[i].partition, n);
            rc = SK_ENOENT;
        }
    }
    free(ids);
    return rc;
}

/* Sends DeleteRecords and prints each partition's result in file order.
 * Returns the exit status: 0 once the answer came, whatever the
 * partitions' errors (as Kafka's tool), 1 without an answer. */
static int delete_records(rd_kafka_t *rk, const sk_delrec_list_t *l)
{
    rd_kafka_topic_partition_list_t *tpl = rd_kafka_topic_partition_list_new(l->n);
    for (int i = 0; i < l->n; i++)
        rd_kafka_topic_partition_list_add(tpl, l->e[i].topic, l->e[i].partition)->offset =
            l->e[i].offset < 0 ? RD_KAFKA_OFFSET_END : l->e[i].offset;
    rd_kafka_DeleteRecords_t *del = rd_kafka_DeleteRecords_new(tpl);
    rd_kafka_topic_partition_list_destroy(tpl);
    char err[512];
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETERECORDS);
    rd_kafka_AdminOptions_set_request_timeout(ao, OPERATION_TIMEOUT_MS + 5000, err, sizeof(err));
    rd_kafka_AdminOptions_set_operation_timeout(ao, OPERATION_TIMEOUT_MS, err, sizeof(err));
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);

    printf("Executing records delete operation\n");
    fflush(stdout);
    rd_kafka_DeleteRecords(rk, &del, 1, ao, q);
    rd_kafka_DeleteRecords_destroy(del);
    rd_kafka_AdminOptions_destroy(ao);

    int status = SK_TOOL_EXIT_OK;
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, OPERATION_TIMEOUT_MS + 15000);
    if (!ev) {
        fprintf(stderr, "Error: no answer to DeleteRecords\n");
        status = SK_TOOL_EXIT_FAIL;
        goto out;
    }
    if (rd_kafka_event_type(ev) != RD_KAFKA_EVENT_DELETERECORDS_RESULT) {
        fprintf(stderr, "Error: unexpected %s event\n", rd_kafka_event_name(ev));
        status = SK_TOOL_EXIT_FAIL;
        goto out;
    }
    /* A request-wide error (no leader answered...) still comes with the
     * partitions, each carrying it. */
    const rd_kafka_topic_partition_list_t *res =
        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev));
    printf("Records delete operation completed:\n");
    for (int i = 0; i < l->n; i++) {
        const rd_kafka_topic_partition_t *tp =
            res ? rd_kafka_topic_partition_list_find(res, l->e[i].topic, l->e[i].partition)
                : NULL;
        rd_kafka_resp_err_t e = tp ? tp->err : rd_kafka_event_error(ev);
        if (!tp && !e)
            e = RD_KAFKA_RESP_ERR__FAIL;
        if (e) {
            /* reported on its line only: kafka-delete-records.sh (Kafka 3.7's
             * DeleteRecordsCommand) prints a partition's error and still
             * exits 0; only a failure of the command itself exits 1 */
            printf("partition: %s-%d\terror: %s: %s\n", l->e[i].topic, l->e[i].partition,
                   rd_kafka_err2name(e), rd_kafka_err2str(e));
        } else {
            printf("partition: %s-%d\tlow_watermark: %" PRId64 "\n", l->e[i].topic,
                   l->e[i].partition, tp->offset);
        }
    }
out:
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    return status;
}

int main(int argc, char **argv)
{
    opts_t o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc == -1)
        return SK_TOOL_EXIT_OK;
    if (rc)
        return rc;

    char err[1024];
    char *buf = NULL;
    size_t len = 0;
    if (read_file(o.json_file, &buf, &len, err, sizeof(err)) != SK_OK) {
        fprintf(stderr, "Error: %s\n", err);
        return SK_TOOL_EXIT_USAGE;
    }
    sk_delrec_list_t l;
    rc = sk_delrec_json_parse(buf, len, &l, err, sizeof(err));
    free(buf);
    if (rc != SK_OK) {
        fprintf(stderr, "Error: %s: %s\n", o.json_file, err);
        return SK_TOOL_EXIT_USAGE;
    }
    int status = SK_TOOL_EXIT_FAIL;
    rd_kafka_t *rk = sk_rdk_admin_new(o.bootstrap, "skein-delete-records", o.command_config,
                                      err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "Error: %s\n", err);
        status = SK_TOOL_EXIT_USAGE;
        goto out;
    }
    rc = check_exist(rk, &l, err, sizeof(err));
    if (rc != SK_OK) {
        fprintf(stderr, "Error: %s; nothing was deleted\n", err);
        status = rc == SK_ENOENT ? SK_TOOL_EXIT_USAGE : SK_TOOL_EXIT_FAIL;
        goto out;
    }
    status = delete_records(rk, &l);
out:
    if (rk)
        rd_kafka_destroy(rk);
    sk_delrec_list_free(&l);
    return status;
}
