/* skein-log-dirs - describe the brokers' log directories, like Kafka's
 * kafka-log-dirs.sh --describe. librdkafka 2.0 has no DescribeLogDirs, so
 * the tool speaks it over a plain socket (rawreq.h): Metadata v1 to a
 * bootstrap broker lists the brokers, then DescribeLogDirs v3 goes to each
 * broker asked for. Output: the two lines and the JSON (version 1) of
 * Kafka's tool. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "mem.h"
#include "proto_gen.h"
#include "props.h"
#include "rawreq.h"
#include "toolopt.h"

#define DESCRIBE_KEY 35
#define DESCRIBE_VERSION 3
#define DEFAULT_TIMEOUT_S 30

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: skein-log-dirs --bootstrap-server HOST:PORT[,...] --describe\n"
            "         [--broker-list 0,1] [--topic-list a,b] [--command-config FILE]\n"
            "\n"
            "Queries the brokers for their log directories: each directory's partitions with\n"
            "their size in bytes, offset lag and whether the replica is a future one (a\n"
            "move between directories in progress), printed as Kafka's JSON (version 1).\n"
            "\n"
            "  --bootstrap-server B   broker(s) to connect to (HOST:PORT, comma-separated)\n"
            "  --describe             describe the log directories (the only action)\n"
            "  --broker-list L        the brokers to query (default: every broker)\n"
            "  --topic-list L         only these topics' partitions (default: all)\n"
            "  --command-config F     client properties: client.id, request.timeout.ms,\n"
            "                         security.protocol (PLAINTEXT only)\n"
            "  --help                 this text\n"
            "Exit status: 0 done, 1 a broker could not be queried or does not exist,\n"
            "2 usage error.\n");
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "%s\n", msg);
    usage(stderr);
    return SK_TOOL_EXIT_USAGE;
}

/* Kafka prints the exception's class name for a failed log dir. */
static json_t *error_name(int16_t code)
{
    if (code == SK_KERR_NONE)
        return json_null();
    if (code == SK_KERR_KAFKA_STORAGE_ERROR)
        return json_string("org.apache.kafka.common.errors.KafkaStorageException");
    if (code == SK_KERR_LOG_DIR_NOT_FOUND)
        return json_string("org.apache.kafka.common.errors.LogDirNotFoundException");
    return json_string(sk_kerr_name(code));
}

static int in_list(char **list, int n, const char *s, int32_t len)
{
    if (n == 0)
        return 1;
    for (int i = 0; i < n; i++)
        if ((int32_t)strlen(list[i]) == len && !memcmp(list[i], s, (size_t)len))
            return 1;
    return 0;
}

/* One broker's answer as Kafka's "logDirs" array, or NULL with err set. */
static json_t *describe_broker(const char *hostport, int timeout_s, const char *client_id,
                               char **topics, int ntopics, char *err, size_t errlen)
{
    int fd = sk_raw_dial(hostport, timeout_s, err, errlen);
    if (fd < 0)
        return NULL;
    sk_describelogdirs_req_t req;
    sk_describelogdirs_req_init(&req);
    req.Topics = NULL;
    req.TopicsCnt = -1; /* all: --topic-list filters the answer, as Kafka's tool */
    sk_wr_t w;
    sk_wr_init(&w);
    sk_describelogdirs_req_encode(&w, DESCRIBE_VERSION, &req);
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = sk_raw_round_trip(fd, DESCRIBE_KEY, DESCRIBE_VERSION, client_id, &w, &body, &len,
                               err, errlen);
    close(fd);
    if (rc != 0)
        return NULL;
    sk_arena_t *a = sk_arena_new(0);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_describelogdirs_resp_t resp;
    json_t *dirs = NULL;
    if (sk_describelogdirs_resp_decode(&r, DESCRIBE_VERSION, a, &resp) != SK_OK) {
        snprintf(err, errlen, "malformed DescribeLogDirs response from %s", hostport);
    } else if (resp.ErrorCode != SK_KERR_NONE) {
        snprintf(err, errlen, "%s answered %s", hostport, sk_kerr_name(resp.ErrorCode));
    } else {
        dirs = json_array();
        for (int32_t i = 0; i < resp.ResultsCnt; i++) {
            const sk_describelogdirs_resp_result_t *res = &resp.Results[i];
            json_t *parts = json_array();
            for (int32_t t = 0; t < res->TopicsCnt; t++) {
                const sk_describelogdirs_resp_topic_t *tp = &res->Topics[t];
                if (!in_list(topics, ntopics, tp->Name.p, tp->Name.len))
                    continue;
                for (int32_t p = 0; p < tp->PartitionsCnt; p++) {
                    const sk_describelogdirs_resp_partition_t *pp = &tp->Partitions[p];
                    char *name = sk_asprintf("%.*s-%d", (int)tp->Name.len, tp->Name.p,
                                             pp->PartitionIndex);
                    json_t *o = json_object();
                    json_object_set_new(o, "partition", json_string(name));
                    json_object_set_new(o, "size", json_integer(pp->PartitionSize));
                    json_object_set_new(o, "offsetLag", json_integer(pp->OffsetLag));
                    json_object_set_new(o, "isFuture", json_boolean(pp->IsFutureKey));
                    json_array_append_new(parts, o);
                    free(name);
                }
            }
            char *dir = sk_asprintf("%.*s", (int)res->LogDir.len, res->LogDir.p);
            json_t *o = json_object();
            json_object_set_new(o, "logDir", json_string(dir));
            json_object_set_new(o, "error", error_name(res->ErrorCode));
            json_object_set_new(o, "partitions", parts);
            json_array_append_new(dirs, o);
            free(dir);
        }
    }
    sk_arena_free(a);
    free(body);
    return dirs;
}

static void split_list(const char *s, char ***out, int *n)
{
    *out = NULL;
    *n = 0;
    char *copy = sk_strdup(s), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!*t)
            continue;
        *out = sk_realloc(*out, (size_t)(*n + 1) * sizeof(**out));
        (*out)[(*n)++] = sk_strdup(t);
    }
    free(copy);
}

static char *id_list(const int32_t *ids, int n)
{
    char *s = sk_strdup("");
    for (int i = 0; i < n; i++) {
        char *next = sk_asprintf("%s%s%d", s, i ? "," : "", ids[i]);
        free(s);
        s = next;
    }
    return s;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

/* --command-config: what a plain socket can honour. */
static int read_command_config(const char *path, const char **client_id, int *timeout_s,
                               sk_props_t *props)
{
    char err[512];
    if (sk_props_parse_file(props, path, err, sizeof(err)) != SK_OK) {
        fprintf(stderr, "Cannot read --command-config %s: %s\n", path, err);
        return SK_TOOL_EXIT_USAGE;
    }
    const sk_prop_t *sp = sk_props_get(props, "security.protocol");
    if (sp && strcmp(sp->value, "PLAINTEXT")) {
        fprintf(stderr, "security.protocol=%s in %s: skein-log-dirs connects with PLAINTEXT "
                "only\n", sp->value, path);
        return SK_TOOL_EXIT_USAGE;
    }
    const sk_prop_t *id = sk_props_get(props, "client.id");
    if (id)
        *client_id = id->value;
    const sk_prop_t *to = sk_props_get(props, "request.timeout.ms");
    if (to) {
        long long ms;
        if (sk_topt_int(to->value, 1, 3600000, &ms, err, sizeof(err)) != 0) {
            fprintf(stderr, "request.timeout.ms in %s: %s\n", path, err);
            return SK_TOOL_EXIT_USAGE;
        }
        *timeout_s = (int)((ms + 999) / 1000);
    }
    return SK_TOOL_EXIT_OK;
}

int main(int argc, char **argv)
{
    const char *bootstrap = NULL, *brokers_s = NULL, *topics_s = NULL, *cmd_config = NULL;
    int describe = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return SK_TOOL_EXIT_OK;
        } else if (!strcmp(a, "--describe")) {
            describe = 1;
            continue;
        } else if (!strcmp(a, "--bootstrap-server")) {
            dst = &bootstrap;
        } else if (!strcmp(a, "--broker-list")) {
            dst = &brokers_s;
        } else if (!strcmp(a, "--topic-list")) {
            dst = &topics_s;
        } else if (!strcmp(a, "--command-config")) {
            dst = &cmd_config;
        } else {
            fprintf(stderr, "Unknown option %s\n", a);
            usage(stderr);
            return SK_TOOL_EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "Option %s needs a value\n", a);
            usage(stderr);
            return SK_TOOL_EXIT_USAGE;
        }
        *dst = argv[++i];
    }
    if (!describe)
        return usage_error("Command must include exactly one action: --describe");
    if (!bootstrap)
        return usage_error("Missing required argument \"[bootstrap-server]\"");
    char err[512];
    int32_t *want = NULL;
    int nwant = -1;
    if (brokers_s && sk_topt_int32_list(brokers_s, &want, &nwant, err, sizeof(err)) != 0) {
        fprintf(stderr, "--broker-list: %s\n", err);
        return SK_TOOL_EXIT_USAGE;
    }
    const char *client_id = "skein-log-dirs";
    int timeout_s = DEFAULT_TIMEOUT_S;
    sk_props_t props;
    sk_props_init(&props);
    if (cmd_config) {
        int rc = read_command_config(cmd_config, &client_id, &timeout_s, &props);
        if (rc != SK_TOOL_EXIT_OK) {
            free(want);
            sk_props_free(&props);
            return rc;
        }
    }
    char **topics = NULL;
    int ntopics = 0;
    if (topics_s)
        split_list(topics_s, &topics, &ntopics);

    int status = SK_TOOL_EXIT_FAIL;
    json_t *out = NULL;
    sk_raw_cluster_t c = {0};
    if (sk_raw_cluster(bootstrap, client_id, &c, err, sizeof(err)) != 0) {
        fprintf(stderr, "Error: cannot describe the cluster: %s\n", err);
        goto done;
    }
    int32_t *all = sk_calloc((size_t)c.n + 1, sizeof(*all));
    for (int i = 0; i < c.n; i++)
        all[i] = c.brokers[i].id;
    if (nwant < 0) {
        want = sk_calloc((size_t)c.n + 1, sizeof(*want));
        memcpy(want, all, (size_t)c.n * sizeof(*want));
        nwant = c.n;
    }
    qsort(want, (size_t)nwant, sizeof(*want), cmp_i32);
    int k = 0; /* the set of the ids asked for */
    for (int i = 0; i < nwant; i++)
        if (k == 0 || want[i] != want[k - 1])
            want[k++] = want[i];
    nwant = k;
    int32_t *missing = sk_calloc((size_t)nwant + 1, sizeof(*missing));
    int nmissing = 0;
    for (int i = 0; i < nwant; i++)
        if (!bsearch(&want[i], all, (size_t)c.n, sizeof(*all), cmp_i32))
            missing[nmissing++] = want[i];
    if (nmissing) {
        char *m = id_list(missing, nmissing), *e = id_list(all, c.n);
        fprintf(stderr, "ERROR: The given brokers do not exist from --broker-list: %s. Current "
                "existent brokers: %s\n", m, e);
        free(m);
        free(e);
    } else {
        printf("Querying brokers for log directories information\n");
        fflush(stdout);
        json_t *brokers = json_array();
        int failed = 0;
        for (int i = 0; i < nwant && !failed; i++) {
            const char *hp = NULL;
            for (int j = 0; j < c.n; j++)
                if (c.brokers[j].id == want[i])
                    hp = c.brokers[j].hostport;
            json_t *dirs = describe_broker(hp, timeout_s, client_id, topics, ntopics, err,
                                           sizeof(err));
            if (!dirs) {
                fprintf(stderr, "Error: broker %d: %s\n", want[i], err);
                failed = 1;
                break;
            }
            json_t *o = json_object();
            json_object_set_new(o, "broker", json_integer(want[i]));
            json_object_set_new(o, "logDirs", dirs);
            json_array_append_new(brokers, o);
        }
        if (!failed) {
            char *ids = id_list(want, nwant);
            printf("Received log directory information from brokers %s\n", ids);
            free(ids);
            out = json_object();
            json_object_set_new(out, "version", json_integer(1));
            json_object_set_new(out, "brokers", brokers);
            char *text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
            printf("%s\n", text);
            free(text);
            status = SK_TOOL_EXIT_OK;
        } else {
            json_decref(brokers);
        }
    }
    free(missing);
    free(all);
done:
    json_decref(out);
    sk_raw_cluster_free(&c);
    for (int i = 0; i < ntopics; i++)
        free(topics[i]);
    free(topics);
    free(want);
    sk_props_free(&props);
    return status;
}
