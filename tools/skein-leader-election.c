/* skein-leader-election - elect preferred or unclean leaders, like Kafka's
 * kafka-leader-election.sh. librdkafka has no ElectLeaders, so the tool
 * speaks the protocol itself over a plain socket (rawreq.h):
 * Metadata v1 to a bootstrap broker finds the controller, ElectLeaders v2
 * goes to it. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "mem.h"
#include "proto_electleaders.h"
#include "rawreq.h"
#include "rebalance.h"
#include "toolopt.h"

#define IO_TIMEOUT_S 30
#define ELECT_VERSION 2
#define ELECT_KEY 43
#define CLIENT_ID "skein-leader-election"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: skein-leader-election --bootstrap-server HOST:PORT[,...]\n"
            "         --election-type preferred|unclean\n"
            "         (--all-topic-partitions | --topic T --partition P |\n"
            "          --path-to-json-file FILE)\n"
            "\n"
            "Elects the preferred replica (first in the assignment, when live and in\n"
            "sync) or, for partitions without a live leader, any live replica\n"
            "(unclean: data may be lost) as leader, through the active controller.\n"
            "\n"
            "  --bootstrap-server B       broker(s) to ask for the controller\n"
            "  --election-type T          preferred or unclean\n"
            "  --all-topic-partitions     every partition of every topic\n"
            "  --topic T                  with --partition: one partition\n"
            "  --partition P\n"
            "  --path-to-json-file F      {\"partitions\":[{\"topic\":\"t\",\"partition\":0}]}\n"
            "  --help                     this text\n"
            "Exit status: 0 done, 1 an election failed, 2 usage error.\n");
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "%s\n", msg);
    usage(stderr);
    return SK_TOOL_EXIT_USAGE;
}

/* The controller's "host:port" (malloc'd) as a broker from the list names it. */
static char *find_controller(const char *bootstrap, char *err, size_t errlen)
{
    sk_raw_cluster_t c;
    if (sk_raw_cluster(bootstrap, CLIENT_ID, &c, err, errlen) != 0)
        return NULL;
    char *out = NULL;
    if (c.controller_id < 0)
        snprintf(err, errlen, "no active controller (asked %s)", bootstrap);
    for (int i = 0; i < c.n && !out; i++)
        if (c.brokers[i].id == c.controller_id)
            out = sk_strdup(c.brokers[i].hostport);
    if (!out && c.controller_id >= 0)
        snprintf(err, errlen, "controller %d is not among the brokers %s lists", c.controller_id,
                 bootstrap);
    sk_raw_cluster_free(&c);
    return out;
}

/* --------------------------------------------------------------- output */

typedef struct strlist {
    char *buf;
    size_t len;
    int n;
} strlist_t;

static void strlist_add(strlist_t *l, sk_str_t topic, int32_t partition)
{
    char *item = sk_asprintf("%s%.*s-%d", l->n ? ", " : "", (int)topic.len, topic.p, partition);
    size_t add = strlen(item);
    l->buf = sk_realloc(l->buf, l->len + add + 1);
    memcpy(l->buf + l->len, item, add + 1);
    l->len += add;
    l->n++;
    free(item);
}

static const char *elect_err_name(int16_t code)
{
    switch (code) {
    case SK_KERR_PREFERRED_LEADER_NOT_AVAILABLE: return "PREFERRED_LEADER_NOT_AVAILABLE";
    case SK_KERR_ELIGIBLE_LEADERS_NOT_AVAILABLE: return "ELIGIBLE_LEADERS_NOT_AVAILABLE";
    case SK_KERR_ELECTION_NOT_NEEDED: return "ELECTION_NOT_NEEDED";
    default: return sk_kerr_name(code);
    }
}

/* Print the results the way Kafka's tool does; returns the failure count. */
static int report(const sk_electleaders_resp_t *resp, const char *type_name)
{
    strlist_t ok = {0}, noop = {0};
    int failed = 0;
    for (int32_t i = 0; i < resp->ReplicaElectionResultsCnt; i++) {
        const sk_electleaders_result_t *t = &resp->ReplicaElectionResults[i];
        for (int32_t j = 0; j < t->PartitionResultCnt; j++) {
            const sk_electleaders_partition_result_t *p = &t->PartitionResult[j];
            if (p->ErrorCode == SK_KERR_NONE)
                strlist_add(&ok, t->Topic, p->PartitionId);
            else if (p->ErrorCode == SK_KERR_ELECTION_NOT_NEEDED)
                strlist_add(&noop, t->Topic, p->PartitionId);
        }
    }
    if (ok.n)
        printf("Successfully completed leader election (%s) for partitions %s\n", type_name,
               ok.buf);
    if (noop.n)
        printf("Valid replica already elected for partitions %s\n", noop.buf);
    for (int32_t i = 0; i < resp->ReplicaElectionResultsCnt; i++) {
        const sk_electleaders_result_t *t = &resp->ReplicaElectionResults[i];
        for (int32_t j = 0; j < t->PartitionResultCnt; j++) {
            const sk_electleaders_partition_result_t *p = &t->PartitionResult[j];
            if (p->ErrorCode == SK_KERR_NONE || p->ErrorCode == SK_KERR_ELECTION_NOT_NEEDED)
                continue;
            failed++;
            printf("Error completing leader election (%s) for partition: %.*s-%d: %s%s%.*s\n",
                   type_name, (int)t->Topic.len, t->Topic.p, p->PartitionId,
                   elect_err_name(p->ErrorCode), p->ErrorMessage.len > 0 ? ": " : "",
                   p->ErrorMessage.len > 0 ? (int)p->ErrorMessage.len : 0,
                   p->ErrorMessage.p ? p->ErrorMessage.p : "");
        }
    }
    free(ok.buf);
    free(noop.buf);
    return failed;
}

/* ----------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    const char *bootstrap = NULL, *type_s = NULL, *topic = NULL, *part_s = NULL,
               *json_path = NULL;
    int all = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return SK_TOOL_EXIT_OK;
        } else if (strcmp(a, "--all-topic-partitions") == 0) {
            all = 1;
            continue;
        } else if (strcmp(a, "--bootstrap-server") == 0) {
            dst = &bootstrap;
        } else if (strcmp(a, "--election-type") == 0) {
            dst = &type_s;
        } else if (strcmp(a, "--topic") == 0) {
            dst = &topic;
        } else if (strcmp(a, "--partition") == 0) {
            dst = &part_s;
        } else if (strcmp(a, "--path-to-json-file") == 0) {
            dst = &json_path;
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
    if (!bootstrap)
        return usage_error("Missing required option(s) [bootstrap-server]");
    if (!type_s)
        return usage_error("Missing required option(s) [election-type]");
    int8_t type;
    const char *type_name;
    if (strcasecmp(type_s, "preferred") == 0) {
        type = SK_ELECTION_PREFERRED;
        type_name = "PREFERRED";
    } else if (strcasecmp(type_s, "unclean") == 0) {
        type = SK_ELECTION_UNCLEAN;
        type_name = "UNCLEAN";
    } else {
        return usage_error("--election-type must be preferred or unclean");
    }
    int sources = all + (topic != NULL || part_s != NULL) + (json_path != NULL);
    if (sources != 1)
        return usage_error("Exactly one of --all-topic-partitions, --topic/--partition or "
                           "--path-to-json-file must be given");
    if ((topic != NULL) != (part_s != NULL))
        return usage_error("--topic and --partition must be given together");

    char err[512];
    sk_ctrl_tp_t *tps = NULL;
    int n_tps = -1;
    if (topic) {
        long long p;
        if (sk_topt_int(part_s, 0, INT32_MAX, &p, err, sizeof(err)) != 0) {
            fprintf(stderr, "--partition: %s\n", err);
            return SK_TOOL_EXIT_USAGE;
        }
        tps = sk_calloc(1, sizeof(*tps));
        tps[0].topic = sk_strdup(topic);
        tps[0].partition = (int32_t)p;
        n_tps = 1;
    } else if (json_path) {
        FILE *f = fopen(json_path, "r");
        if (!f) {
            fprintf(stderr, "Cannot read %s: %s\n", json_path, strerror(errno));
            return SK_TOOL_EXIT_USAGE;
        }
        char *data = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
            if (len + 4096 > cap) {
                cap = cap ? cap * 2 : 8192;
                data = sk_realloc(data, cap);
            }
            size_t got = fread(data + len, 1, cap - len, f);
            len += got;
            if (got == 0)
                break;
        }
        fclose(f);
        int rc = sk_rebalance_parse_election(data, len, 0, &tps, &n_tps, err, sizeof(err));
        free(data);
        if (rc != SK_OK) {
            fprintf(stderr, "Invalid JSON file %s: %s\n", json_path, err);
            return SK_TOOL_EXIT_USAGE;
        }
        if (n_tps == 0) {
            fprintf(stderr, "The JSON file %s lists no partitions\n", json_path);
            sk_rebalance_tps_free(tps, n_tps);
            return SK_TOOL_EXIT_USAGE;
        }
    }

    /* Request: topics grouped in first-seen order. */
    sk_electleaders_req_t req = {type, NULL, -1, 60000};
    if (n_tps >= 0) {
        req.TopicPartitions = sk_calloc((size_t)n_tps + 1, sizeof(*req.TopicPartitions));
        req.TopicPartitionsCnt = 0;
        for (int i = 0; i < n_tps; i++) {
            sk_electleaders_req_topic_t *t = NULL;
            for (int k = 0; k < req.TopicPartitionsCnt && !t; k++)
                if (sk_str_eq(req.TopicPartitions[k].Topic, tps[i].topic))
                    t = &req.TopicPartitions[k];
            if (!t) {
                t = &req.TopicPartitions[req.TopicPartitionsCnt++];
                t->Topic = sk_str_c(tps[i].topic);
                t->Partitions = sk_calloc((size_t)n_tps + 1, sizeof(int32_t));
            }
            t->Partitions[t->PartitionsCnt++] = tps[i].partition;
        }
    }

    int status = SK_TOOL_EXIT_FAIL;
    /* The controller may move between the two requests: ask again then. */
    for (int tries = 0; tries < 3; tries++) {
        char *ctl = find_controller(bootstrap, err, sizeof(err));
        if (!ctl)
            break;
        int fd = sk_raw_dial(ctl, IO_TIMEOUT_S, err, sizeof(err));
        free(ctl);
        if (fd < 0)
            break;
        sk_wr_t w;
        sk_wr_init(&w);
        sk_electleaders_req_encode(&w, ELECT_VERSION, &req);
        uint8_t *body = NULL;
        size_t len = 0;
        int rc = sk_raw_round_trip(fd, ELECT_KEY, ELECT_VERSION, CLIENT_ID, &w, &body, &len, err,
                                   sizeof(err));
        close(fd);
        if (rc != 0)
            break;
        sk_arena_t *a = sk_arena_new(0);
        sk_rd_t r;
        sk_rd_init(&r, body, len);
        sk_electleaders_resp_t resp;
        int again = 0;
        if (sk_electleaders_resp_decode(&r, ELECT_VERSION, a, &resp) != SK_OK) {
            snprintf(err, sizeof(err), "malformed ElectLeaders response");
        } else if (resp.ErrorCode == SK_KERR_NOT_CONTROLLER) {
            snprintf(err, sizeof(err), "the controller moved (NOT_CONTROLLER)");
            again = 1;
        } else if (resp.ErrorCode != SK_KERR_NONE) {
            snprintf(err, sizeof(err), "the controller answered %s",
                     elect_err_name(resp.ErrorCode));
        } else {
            int failed = report(&resp, type_name);
            if (failed) {
                snprintf(err, sizeof(err), "%d replica(s) could not be elected", failed);
            } else {
                status = SK_TOOL_EXIT_OK;
                err[0] = '\0';
            }
        }
        sk_arena_free(a);
        free(body);
        if (!again)
            break;
    }
    if (status != SK_TOOL_EXIT_OK)
        fprintf(stderr, "Error completing leader election: %s\n", err);
    for (int32_t i = 0; i < req.TopicPartitionsCnt; i++)
        free(req.TopicPartitions[i].Partitions);
    free(req.TopicPartitions);
    sk_rebalance_tps_free(tps, n_tps > 0 ? n_tps : 0);
    return status;
}
