/* skein-reassign-partitions - move partition replicas between brokers, with
 * kafka-reassign-partitions.sh's flags and output.
 *
 * --bootstrap-server speaks AlterPartitionReassignments and
 * ListPartitionReassignments (KIP-455, which librdkafka 2.0 lacks) over a
 * plain socket to the controller with Skein's generated codecs (rawreq.h);
 * --zookeeper writes and reads /admin/reassign_partitions and the topic
 * nodes, as the tool of Kafka 2.x did. --throttle sets Kafka's throttle
 * keys on the topics and on every live broker (IncrementalAlterConfigs, or
 * with --zookeeper /config/topics/<t> and /config/brokers/<id> announced
 * under /config/changes); --verify removes them once every listed partition
 * is done.
 */
#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "mem.h"
#include "proto_gen.h"
#include "rawreq.h"
#include "reassign_json.h"
#include "toolopt.h"
#include "topics_desc.h"
#include "topics_zk.h"
#include "znode.h"
#include "assign.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLIENT_ID "skein-reassign-partitions"
#define METADATA_VERSION 4 /* the first that can refuse auto-creation */
#define TIMEOUT_S 30

static const char *const THROTTLE_KEYS_TOPIC[] = {"leader.replication.throttled.replicas",
                                                  "follower.replication.throttled.replicas"};
static const char *const THROTTLE_KEYS_BROKER[] = {"leader.replication.throttled.rate",
                                                   "follower.replication.throttled.rate"};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: skein-reassign-partitions (--bootstrap-server HOST:PORT | --zookeeper "
            "CONNECT)\n"
            "         (--generate --topics-to-move-json-file F --broker-list IDS |\n"
            "          --execute --reassignment-json-file F [--throttle B/s] |\n"
            "          --verify --reassignment-json-file F |\n"
            "          --cancel --reassignment-json-file F)\n"
            "\n"
            "Moves partition replicas between brokers, like kafka-reassign-partitions.sh.\n"
            "\n"
            "  --bootstrap-server HOST:PORT[,..]  talk to the cluster's controller\n"
            "                                     (AlterPartitionReassignments)\n"
            "  --zookeeper CONNECT                write /admin/reassign_partitions (legacy)\n"
            "  --zk-digest-file F                 --zookeeper: authenticate with the brokers'\n"
            "                                     credentials (as zookeeper.digest.file) and\n"
            "                                     create znodes with Kafka's secure ACLs\n"
            "  --generate                         propose an assignment of the topics in\n"
            "                                     --topics-to-move-json-file over\n"
            "                                     --broker-list (prints it; changes nothing)\n"
            "  --execute                          start the reassignment in\n"
            "                                     --reassignment-json-file\n"
            "  --verify                           report each partition's progress; when all\n"
            "                                     are complete, remove the throttles\n"
            "  --cancel                           cancel the listed reassignments\n"
            "                                     (--bootstrap-server only)\n"
            "  --topics-to-move-json-file F       {\"topics\":[{\"topic\":\"t\"}],\"version\":1}\n"
            "  --broker-list IDS                  comma-separated broker ids\n"
            "  --reassignment-json-file F         {\"version\":1,\"partitions\":[{\"topic\":\"t\",\n"
            "                                     \"partition\":0,\"replicas\":[1,2]}]}\n"
            "  --throttle B                       replication throttle in bytes/s for the\n"
            "                                     moving replicas\n"
            "  --help                             this text\n"
            "\n"
            "Exit status: 0 done, 1 failed, 2 bad command line.\n");
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "%s\n", msg);
    usage(stderr);
    return SK_TOOL_EXIT_USAGE;
}

/* Whole file, NUL-terminated (malloc'd), or NULL with errno. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = sk_malloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > (64u << 20)) {
                fclose(f);
                free(buf);
                errno = EFBIG;
                return NULL;
            }
            cap *= 2;
            buf = sk_realloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* ------------------------------------------------------------ the cluster */

typedef struct ctx {
    const char *bootstrap;
    const char *zookeeper;
    const char *zk_digest_file;
    sk_tzk_t *zk;
    sk_raw_cluster_t cluster;
} ctx_t;

static int open_ctx(ctx_t *c, char *err, size_t errlen)
{
    if (c->zookeeper)
        return sk_tzk_open(c->zookeeper, c->zk_digest_file, 30000, &c->zk, err, errlen) == SK_OK ? 0 : -1;
    return sk_raw_cluster(c->bootstrap, CLIENT_ID, &c->cluster, err, errlen);
}

static void close_ctx(ctx_t *c)
{
    if (c->zk)
        sk_tzk_close(c->zk);
    sk_raw_cluster_free(&c->cluster);
}

static int live_brokers(ctx_t *c, int32_t **ids, int *n, char *err, size_t errlen)
{
    if (c->zk)
        return sk_tzk_live_brokers(c->zk, ids, n, err, errlen) == SK_OK ? 0 : -1;
    *ids = sk_calloc((size_t)c->cluster.n + 1, sizeof(int32_t));
    for (int i = 0; i < c->cluster.n; i++)
        (*ids)[i] = c->cluster.brokers[i].id;
    *n = c->cluster.n;
    return 0;
}

static const char *broker_addr(const ctx_t *c, int32_t id)
{
    for (int i = 0; i < c->cluster.n; i++)
        if (c->cluster.brokers[i].id == id)
            return c->cluster.brokers[i].hostport;
    return NULL;
}

/* One request to broker id (the controller: -1). 0 with the answer body. */
static int ask(ctx_t *c, int32_t id, int16_t key, int16_t ver, sk_wr_t *w, uint8_t **body,
               size_t *len, char *err, size_t errlen)
{
    if (id < 0)
        id = c->cluster.controller_id;
    const char *hp = broker_addr(c, id);
    if (!hp) {
        sk_wr_free(w);
        snprintf(err, errlen, id < 0 ? "the cluster has no active controller"
                                     : "broker %d is not in the cluster's metadata", id);
        return -1;
    }
    int fd = sk_raw_dial(hp, TIMEOUT_S, err, errlen);
    if (fd < 0) {
        sk_wr_free(w);
        return -1;
    }
    int rc = sk_raw_round_trip(fd, key, ver, CLIENT_ID, w, body, len, err, errlen);
    close(fd);
    return rc;
}

/* The current replicas of every partition of the named topics (names NULL:
 * those of items), as a list in topic order then partition order. A topic
 * that does not exist: -1 with err. */
static int current_assignment(ctx_t *c, char **names, int n_names, sk_reassign_list_t *out,
                              char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < n_names; i++) {
        if (c->zk) {
            sk_tdesc_topic_t t;
            memset(&t, 0, sizeof(t));
            int rc = sk_tzk_describe(c->zk, names[i], &t, err, errlen);
            if (rc == SK_ENOENT) {
                snprintf(err, errlen, "Topic %s not found.", names[i]);
                return -1;
            }
            if (rc != SK_OK)
                return -1;
            for (int k = 0; k < t.n_parts; k++)
                sk_reassign_list_add(out, names[i], t.parts[k].partition, t.parts[k].replicas,
                                     t.parts[k].n_replicas);
            sk_tdesc_topic_clear(&t);
            continue;
        }
        sk_arena_t *a = sk_arena_new(0);
        sk_metadata_req_t mreq;
        sk_metadata_req_init(&mreq);
        mreq.AllowAutoTopicCreation = 0;
        mreq.Topics = sk_arena_calloc(a, 1, sizeof(*mreq.Topics));
        mreq.Topics[0].Name = sk_str_c(names[i]);
        mreq.TopicsCnt = 1;
        sk_wr_t w;
        sk_wr_init(&w);
        sk_metadata_req_encode(&w, METADATA_VERSION, &mreq);
        uint8_t *body = NULL;
        size_t len = 0;
        int rc = ask(c, c->cluster.brokers[0].id, 3, METADATA_VERSION, &w, &body, &len, err,
                     errlen);
        if (rc == 0) {
            sk_rd_t r;
            sk_rd_init(&r, body, len);
            sk_metadata_resp_t m;
            if (sk_metadata_resp_decode(&r, METADATA_VERSION, a, &m) != SK_OK ||
                m.TopicsCnt != 1) {
                snprintf(err, errlen, "malformed Metadata response");
                rc = -1;
            } else if (m.Topics[0].ErrorCode != SK_KERR_NONE) {
                snprintf(err, errlen, "Topic %s not found.", names[i]);
                rc = -1;
            } else {
                sk_metadata_resp_topic_t *t = &m.Topics[0];
                for (int32_t p = 0; p < t->PartitionsCnt; p++)
                    for (int32_t k = 0; k < t->PartitionsCnt; k++)
                        if (t->Partitions[k].PartitionIndex == p)
                            sk_reassign_list_add(out, names[i], p, t->Partitions[k].ReplicaNodes,
                                                 t->Partitions[k].ReplicaNodesCnt);
            }
            free(body);
        }
        sk_arena_free(a);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static const sk_reassign_item_t *find_item(const sk_reassign_list_t *l, const char *topic,
                                           int32_t partition)
{
    for (int i = 0; i < l->n; i++)
        if (l->items[i].partition == partition && strcmp(l->items[i].topic, topic) == 0)
            return &l->items[i];
    return NULL;
}

/* Distinct topic names of a list (pointers into it). */
static char **topics_of(const sk_reassign_list_t *l, int *n)
{
    char **v = sk_calloc((size_t)l->n + 1, sizeof(char *));
    *n = 0;
    for (int i = 0; i < l->n; i++) {
        int seen = 0;
        for (int k = 0; k < *n && !seen; k++)
            seen = strcmp(v[k], l->items[i].topic) == 0;
        if (!seen)
            v[(*n)++] = l->items[i].topic;
    }
    return v;
}

/* The current replicas of the partitions of want (order of want). */
static int current_of(ctx_t *c, const sk_reassign_list_t *want, sk_reassign_list_t *out,
                      char *err, size_t errlen)
{
    int n;
    char **names = topics_of(want, &n);
    sk_reassign_list_t all;
    int rc = current_assignment(c, names, n, &all, err, errlen);
    free(names);
    memset(out, 0, sizeof(*out));
    if (rc != 0)
        return -1;
    for (int i = 0; i < want->n && rc == 0; i++) {
        const sk_reassign_item_t *it = find_item(&all, want->items[i].topic,
                                                 want->items[i].partition);
        if (!it) {
            snprintf(err, errlen, "Topic partition %s-%d not found.", want->items[i].topic,
                     want->items[i].partition);
            rc = -1;
        } else {
            sk_reassign_list_add(out, it->topic, it->partition, it->replicas, it->n_replicas);
        }
    }
    sk_reassign_list_clear(&all);
    if (rc != 0)
        sk_reassign_list_clear(out);
    return rc;
}

/* "t-0,t-1" */
static void print_tps(FILE *f, const sk_reassign_list_t *l, const unsigned char *pick)
{
    int first = 1;
    for (int i = 0; i < l->n; i++)
        if (!pick || pick[i]) {
            fprintf(f, "%s%s-%d", first ? "" : ",", l->items[i].topic, l->items[i].partition);
            first = 0;
        }
}

/* ---------------------------------------------------------- --generate */

/* {"topics":[{"topic":"a"},..],"version":1} */
static int cmd_generate(ctx_t *c, const char *topics_file, const char *broker_list)
{
    char err[512];
    size_t len = 0;
    char *data = read_file(topics_file, &len);
    if (!data) {
        fprintf(stderr, "Error: cannot read %s: %s\n", topics_file, strerror(errno));
        return SK_TOOL_EXIT_FAIL;
    }
    char **names = NULL;
    int n_names = 0;
    int rc = sk_reassign_topics_decode(data, len, &names, &n_names, err, sizeof(err));
    free(data);
    if (rc != SK_OK) {
        fprintf(stderr, "Error: %s: %s\n", topics_file, err);
        return SK_TOOL_EXIT_FAIL;
    }
    int32_t *ids = NULL;
    int n_ids = 0;
    if (sk_topt_int32_list(broker_list, &ids, &n_ids, err, sizeof(err)) != SK_OK ||
        n_ids == 0) {
        sk_reassign_topics_free(names, n_names);
        free(ids);
        return usage_error("--broker-list must be a comma-separated list of broker ids");
    }
    int ret = SK_TOOL_EXIT_FAIL;
    sk_reassign_list_t cur, prop;
    memset(&cur, 0, sizeof(cur));
    memset(&prop, 0, sizeof(prop));
    if (open_ctx(c, err, sizeof(err)) != 0 ||
        current_assignment(c, names, n_names, &cur, err, sizeof(err)) != 0) {
        fprintf(stderr, "Error: %s\n", err);
        goto out;
    }
    int32_t *live = NULL;
    int n_live = 0;
    if (live_brokers(c, &live, &n_live, err, sizeof(err)) != 0) {
        fprintf(stderr, "Error: %s\n", err);
        goto out;
    }
    for (int i = 0; i < n_ids; i++) {
        int known = 0;
        for (int k = 0; k < n_live; k++)
            known |= live[k] == ids[i];
        if (!known) {
            fprintf(stderr, "Error: The proposed assignment contains non-existent brokerIDs: "
                    "%d\n", ids[i]);
            free(live);
            goto out;
        }
    }
    free(live);
    sk_assign_broker_t *bs = sk_calloc((size_t)n_ids, sizeof(*bs));
    for (int i = 0; i < n_ids; i++)
        bs[i].id = ids[i];
    for (int t = 0; t < n_names; t++) {
        int32_t parts = 0, rf = 0;
        for (int i = 0; i < cur.n; i++)
            if (strcmp(cur.items[i].topic, names[t]) == 0) {
                parts++;
                if (cur.items[i].partition == 0)
                    rf = cur.items[i].n_replicas;
            }
        if (parts == 0)
            continue;
        int32_t *out = sk_calloc((size_t)parts * (size_t)rf + 1, sizeof(int32_t));
        if (sk_assign_replicas(bs, n_ids, parts, rf, 0, -1, -1, out, err, sizeof(err)) !=
            SK_OK) {
            fprintf(stderr, "Error: %s\n", err);
            free(out);
            free(bs);
            goto out;
        }
        for (int32_t p = 0; p < parts; p++)
            sk_reassign_list_add(&prop, names[t], p, out + (size_t)p * (size_t)rf, rf);
        free(out);
    }
    free(bs);
    char *cj = sk_reassign_json_encode(&cur, 1), *pj = sk_reassign_json_encode(&prop, 1);
    printf("Current partition replica assignment\n%s\n\nProposed partition reassignment "
           "configuration\n%s\n", cj ? cj : "", pj ? pj : "");
    free(cj);
    free(pj);
    ret = SK_TOOL_EXIT_OK;
out:
    sk_reassign_list_clear(&cur);
    sk_reassign_list_clear(&prop);
    sk_reassign_topics_free(names, n_names);
    free(ids);
    return ret;
}

/* ----------------------------------------------------------- throttles */

/* Set (value non-NULL) or remove keys in /config/<type>/<name>, then
 * announce the change under /config/changes. */
static int config_edit_zk(ctx_t *c, const char *type, const char *name, const char *const *keys,
                       const char *const *values, int n, char *err, size_t errlen)
{
    char path[600];
    snprintf(path, sizeof(path), "/config/%s/%s", type, name);
    char *data = NULL;
    sk_znode_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    int rc = sk_tzk_get(c->zk, path, &data, err, errlen);
    if (rc == SK_OK && data &&
        sk_znode_config_decode(data, strlen(data), &cfg, err, errlen) != SK_OK) {
        free(data);
        return -1;
    }
    free(data);
    if (rc != SK_OK && rc != SK_ENOENT)
        return -1;
    int cap = cfg.n + n + 1;
    const char **k = sk_calloc((size_t)cap, sizeof(char *));
    const char **v = sk_calloc((size_t)cap, sizeof(char *));
    int m = 0;
    for (int i = 0; i < cfg.n; i++) {
        int ours = 0;
        for (int j = 0; j < n; j++)
            ours |= strcmp(cfg.keys[i], keys[j]) == 0;
        if (!ours) {
            k[m] = cfg.keys[i];
            v[m++] = cfg.values[i];
        }
    }
    for (int j = 0; j < n; j++)
        if (values && values[j]) {
            k[m] = keys[j];
            v[m++] = values[j];
        }
    char *json = sk_znode_config_encode(k, v, m);
    free(k);
    free(v);
    rc = json ? sk_tzk_put(c->zk, path, json, err, errlen) : SK_EINVAL;
    free(json);
    sk_znode_config_clear(&cfg);
    if (rc != SK_OK)
        return -1;
    char *note = sk_znode_config_change_encode(type, name);
    rc = sk_tzk_create_seq(c->zk, "/config/changes/" SK_ZNODE_CONFIG_CHANGE_PREFIX, note, err,
                           errlen);
    free(note);
    return rc == SK_OK ? 0 : -1;
}

/* The same through IncrementalAlterConfigs (SET, or DELETE when values is
 * NULL): a broker's keys to that broker, a topic's to the controller. */
static int config_edit_api(ctx_t *c, const char *type, const char *name,
                           const char *const *keys, const char *const *values, int n,
                           char *err, size_t errlen)
{
    int topic = strcmp(type, "topics") == 0;
    sk_arena_t *a = sk_arena_new(0);
    sk_incrementalalterconfigs_req_t req;
    sk_incrementalalterconfigs_req_init(&req);
    req.Resources = sk_arena_calloc(a, 1, sizeof(*req.Resources));
    req.ResourcesCnt = 1;
    sk_incrementalalterconfigs_req_resource_t *r = &req.Resources[0];
    r->ResourceType = topic ? 2 : 4;
    r->ResourceName = sk_str_c(name);
    r->Configs = sk_arena_calloc(a, (size_t)n + 1, sizeof(*r->Configs));
    r->ConfigsCnt = n;
    for (int i = 0; i < n; i++) {
        r->Configs[i].Name = sk_str_c(keys[i]);
        r->Configs[i].ConfigOperation = values ? 0 : 1;
        r->Configs[i].Value = values ? sk_str_c(values[i]) : SK_STR_NULL;
    }
    sk_wr_t w;
    sk_wr_init(&w);
    sk_incrementalalterconfigs_req_encode(&w, 0, &req);
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = ask(c, topic ? -1 : (int32_t)atoi(name), 44, 0, &w, &body, &len, err, errlen);
    if (rc == 0) {
        sk_rd_t rd;
        sk_rd_init(&rd, body, len);
        sk_incrementalalterconfigs_resp_t resp;
        if (sk_incrementalalterconfigs_resp_decode(&rd, 0, a, &resp) != SK_OK ||
            resp.ResponsesCnt != 1) {
            snprintf(err, errlen, "malformed IncrementalAlterConfigs response");
            rc = -1;
        } else if (resp.Responses[0].ErrorCode != SK_KERR_NONE) {
            snprintf(err, errlen, "%s %s: %s: %.*s", topic ? "topic" : "broker", name,
                     sk_kerr_name(resp.Responses[0].ErrorCode),
                     resp.Responses[0].ErrorMessage.p ? (int)resp.Responses[0].ErrorMessage.len
                                                      : 0,
                     resp.Responses[0].ErrorMessage.p ? resp.Responses[0].ErrorMessage.p : "");
            rc = -1;
        }
        free(body);
    }
    sk_arena_free(a);
    return rc;
}

static int config_edit(ctx_t *c, const char *type, const char *name, const char *const *keys,
                       const char *const *values, int n, char *err, size_t errlen)
{
    if (c->zk)
        return config_edit_zk(c, type, name, keys, values, n, err, errlen);
    return config_edit_api(c, type, name, keys, values, n, err, errlen);
}

/* "p:b,p:b" of a topic's moving partitions: leader side = current replicas,
 * follower side = replicas being added. malloc'd. */
static char *throttle_list(const sk_reassign_list_t *cur, const sk_reassign_list_t *tgt,
                           const char *topic, int follower)
{
    size_t cap = 64, len = 0;
    char *out = sk_malloc(cap);
    out[0] = '\0';
    for (int i = 0; i < tgt->n; i++) {
        const sk_reassign_item_t *t = &tgt->items[i];
        if (strcmp(t->topic, topic) != 0)
            continue;
        const sk_reassign_item_t *c = find_item(cur, t->topic, t->partition);
        if (!c)
            continue;
        const int32_t *v = follower ? t->replicas : c->replicas;
        int n = follower ? t->n_replicas : c->n_replicas;
        for (int k = 0; k < n; k++) {
            int in_cur = 0;
            for (int j = 0; j < c->n_replicas; j++)
                in_cur |= c->replicas[j] == v[k];
            if (follower && in_cur)
                continue;
            if (len + 32 > cap) {
                cap *= 2;
                out = sk_realloc(out, cap);
            }
            len += (size_t)snprintf(out + len, cap - len, "%s%d:%d", len ? "," : "",
                                    t->partition, v[k]);
        }
    }
    return out;
}

static int set_throttles(ctx_t *c, const sk_reassign_list_t *cur, const sk_reassign_list_t *tgt,
                         long long rate, char *err, size_t errlen)
{
    int n;
    char **names = topics_of(tgt, &n);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        char *lead = throttle_list(cur, tgt, names[i], 0);
        char *follow = throttle_list(cur, tgt, names[i], 1);
        const char *vals[2] = {lead, follow};
        rc = config_edit(c, "topics", names[i], THROTTLE_KEYS_TOPIC, vals, 2, err, errlen);
        free(lead);
        free(follow);
    }
    free(names);
    char r[32];
    snprintf(r, sizeof(r), "%lld", rate);
    const char *vals[2] = {r, r};
    int32_t *ids = NULL;
    int n_ids = 0;
    if (rc == 0 && live_brokers(c, &ids, &n_ids, err, errlen) != 0)
        rc = -1;
    for (int i = 0; i < n_ids && rc == 0; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d", ids[i]);
        rc = config_edit(c, "brokers", id, THROTTLE_KEYS_BROKER, vals, 2, err, errlen);
    }
    free(ids);
    return rc;
}

/* Remove every throttle key of the topics in tgt and of all live brokers. */
static int clear_throttles(ctx_t *c, const sk_reassign_list_t *tgt)
{
    char err[512];
    int32_t *ids = NULL;
    int n_ids = 0;
    if (live_brokers(c, &ids, &n_ids, err, sizeof(err)) != 0) {
        fprintf(stderr, "Error: %s\n", err);
        return -1;
    }
    printf("Clearing broker-level throttles on brokers ");
    for (int i = 0; i < n_ids; i++)
        printf("%s%d", i ? "," : "", ids[i]);
    printf("\n");
    int rc = 0;
    for (int i = 0; i < n_ids && rc == 0; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d", ids[i]);
        rc = config_edit(c, "brokers", id, THROTTLE_KEYS_BROKER, NULL, 2, err, sizeof(err));
    }
    free(ids);
    int n;
    char **names = topics_of(tgt, &n);
    for (int i = 0; i < n && rc == 0; i++) {
        printf("Clearing topic-level throttles on topic %s\n", names[i]);
        rc = config_edit(c, "topics", names[i], THROTTLE_KEYS_TOPIC, NULL, 2, err, sizeof(err));
    }
    free(names);
    if (rc != 0)
        fprintf(stderr, "Error: %s\n", err);
    return rc;
}

/* ------------------------------------------ --execute, --verify, --cancel */

static int load_reassignment(const char *file, sk_reassign_list_t *l)
{
    char err[512];
    size_t len = 0;
    char *data = read_file(file, &len);
    if (!data) {
        fprintf(stderr, "Error: cannot read %s: %s\n", file, strerror(errno));
        return -1;
    }
    int rc = sk_reassign_json_decode(data, len, l, err, sizeof(err));
    free(data);
    if (rc != SK_OK) {
        fprintf(stderr, "Error: %s: %s\n", file, err);
        return -1;
    }
    if (l->n == 0) {
        fprintf(stderr, "Error: Partition reassignment list cannot be empty.\n");
        return -1;
    }
    return 0;
}

/* AlterPartitionReassignments: targets, or cancel (replicas null). Prints
 * the partitions that failed; sets ok[i]. */
static int alter(ctx_t *c, const sk_reassign_list_t *l, int cancel, unsigned char *ok,
                 int16_t *codes, char *err, size_t errlen)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_alterpartitionreassignments_req_t req;
    sk_alterpartitionreassignments_req_init(&req);
    req.TimeoutMs = TIMEOUT_S * 1000;
    int n;
    char **names = topics_of(l, &n);
    req.Topics = sk_arena_calloc(a, (size_t)n + 1, sizeof(*req.Topics));
    req.TopicsCnt = n;
    for (int t = 0; t < n; t++) {
        sk_alterpartitionreassignments_req_topic_t *rt = &req.Topics[t];
        rt->Name = sk_str_c(names[t]);
        rt->Partitions = sk_arena_calloc(a, (size_t)l->n + 1, sizeof(*rt->Partitions));
        for (int i = 0; i < l->n; i++)
            if (strcmp(l->items[i].topic, names[t]) == 0) {
                sk_alterpartitionreassignments_req_partition_t *p =
                    &rt->Partitions[rt->PartitionsCnt++];
                p->PartitionIndex = l->items[i].partition;
                p->Replicas = cancel ? NULL : l->items[i].replicas;
                p->ReplicasCnt = cancel ? -1 : l->items[i].n_replicas;
            }
    }
    sk_wr_t w;
    sk_wr_init(&w);
    sk_alterpartitionreassignments_req_encode(&w, 0, &req);
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = ask(c, -1, 45, 0, &w, &body, &len, err, errlen);
    if (rc == 0) {
        sk_rd_t r;
        sk_rd_init(&r, body, len);
        sk_alterpartitionreassignments_resp_t resp;
        if (sk_alterpartitionreassignments_resp_decode(&r, 0, a, &resp) != SK_OK) {
            snprintf(err, errlen, "malformed AlterPartitionReassignments response");
            rc = -1;
        } else if (resp.ErrorCode != SK_KERR_NONE) {
            snprintf(err, errlen, "%s: %.*s", sk_kerr_name(resp.ErrorCode),
                     resp.ErrorMessage.len > 0 ? (int)resp.ErrorMessage.len : 0,
                     resp.ErrorMessage.p ? resp.ErrorMessage.p : "");
            rc = -1;
        } else {
            for (int i = 0; i < l->n; i++) {
                ok[i] = 0;
                codes[i] = SK_KERR_UNKNOWN_SERVER_ERROR;
            }
            for (int32_t t = 0; t < resp.ResponsesCnt; t++)
                for (int32_t k = 0; k < resp.Responses[t].PartitionsCnt; k++) {
                    sk_alterpartitionreassignments_resp_partition_response_t *p =
                        &resp.Responses[t].Partitions[k];
                    char *tn = sk_str_dup(resp.Responses[t].Name);
                    for (int i = 0; i < l->n; i++)
                        if (tn && l->items[i].partition == p->PartitionIndex &&
                            strcmp(l->items[i].topic, tn) == 0) {
                            codes[i] = p->ErrorCode;
                            ok[i] = p->ErrorCode == SK_KERR_NONE;
                            if (!ok[i] && !(cancel &&
                                            p->ErrorCode == SK_KERR_NO_REASSIGNMENT_IN_PROGRESS))
                                fprintf(stderr, "%s-%d: %.*s\n", tn, p->PartitionIndex,
                                        p->ErrorMessage.p ? (int)p->ErrorMessage.len : 0,
                                        p->ErrorMessage.p ? p->ErrorMessage.p
                                                          : sk_kerr_name(p->ErrorCode));
                        }
                    free(tn);
                }
        }
        free(body);
    }
    free(names);
    sk_arena_free(a);
    return rc;
}

static int cmd_execute(ctx_t *c, const char *file, long long throttle)
{
    sk_reassign_list_t tgt, cur;
    memset(&cur, 0, sizeof(cur));
    if (load_reassignment(file, &tgt) != 0)
        return SK_TOOL_EXIT_FAIL;
    char err[512];
    int ret = SK_TOOL_EXIT_FAIL;
    int32_t *live = NULL;
    int n_live = 0;
    if (open_ctx(c, err, sizeof(err)) != 0 || current_of(c, &tgt, &cur, err, sizeof(err)) != 0 ||
        live_brokers(c, &live, &n_live, err, sizeof(err)) != 0) {
        fprintf(stderr, "Error: %s\n", err);
        goto out;
    }
    for (int i = 0; i < tgt.n; i++)
        for (int k = 0; k < tgt.items[i].n_replicas; k++) {
            int known = 0;
            for (int j = 0; j < n_live; j++)
                known |= live[j] == tgt.items[i].replicas[k];
            if (!known) {
                fprintf(stderr, "Error: Unknown broker id %d\n", tgt.items[i].replicas[k]);
                goto out;
            }
        }
    char *cj = sk_reassign_json_encode(&cur, 0);
    printf("Current partition replica assignment\n\n%s\n\nSave this to use as the "
           "--reassignment-json-file option during rollback\n", cj ? cj : "");
    free(cj);
    if (throttle >= 0) {
        if (set_throttles(c, &cur, &tgt, throttle, err, sizeof(err)) != 0) {
            fprintf(stderr, "Error: setting the throttles failed: %s\n", err);
            goto out;
        }
        printf("Warning: You must run --verify periodically, until the reassignment "
               "completes, to ensure the throttle is removed.\n");
        printf("The inter-broker throttle limit was set to %lld B/s\n", throttle);
    }
    if (c->zk) {
        char *json = sk_reassign_json_encode(&tgt, 0);
        int rc = sk_tzk_create_node(c->zk, "/admin/reassign_partitions", json, err,
                                    sizeof(err));
        free(json);
        if (rc == SK_EEXIST) {
            fprintf(stderr, "Error: There is an existing assignment running.\n");
            goto out;
        }
        if (rc != SK_OK) {
            fprintf(stderr, "Error: %s\n", err);
            goto out;
        }
        printf("Successfully started partition reassignments for ");
        print_tps(stdout, &tgt, NULL);
        printf("\n");
        ret = SK_TOOL_EXIT_OK;
        goto out;
    }
    unsigned char *ok = sk_calloc((size_t)tgt.n + 1, 1);
    int16_t *codes = sk_calloc((size_t)tgt.n + 1, sizeof(int16_t));
    if (alter(c, &tgt, 0, ok, codes, err, sizeof(err)) != 0) {
        fprintf(stderr, "Error: %s\n", err);
    } else {
        int bad = 0;
        for (int i = 0; i < tgt.n; i++)
            bad += !ok[i];
        if (bad) {
            fprintf(stderr, "Error reassigning partition(s): ");
            for (int i = 0; i < tgt.n; i++)
                ok[i] = !ok[i];
            print_tps(stderr, &tgt, ok);
            fprintf(stderr, "\n");
        } else {
            printf("Successfully started partition reassignments for ");
            print_tps(stdout, &tgt, NULL);
            printf("\n");
            ret = SK_TOOL_EXIT_OK;
        }
    }
    free(ok);
    free(codes);
out:
    free(live);
    sk_reassign_list_clear(&tgt);
    sk_reassign_list_clear(&cur);
    return ret;
}

/* In progress: per partition of l, 1 if a reassignment of it runs. */
static int in_progress(ctx_t *c, const sk_reassign_list_t *l, unsigned char *busy, char *err,
                       size_t errlen)
{
    memset(busy, 0, (size_t)l->n);
    if (c->zk) {
        char *data = NULL;
        int rc = sk_tzk_get(c->zk, "/admin/reassign_partitions", &data, err, errlen);
        if (rc != SK_OK && rc != SK_ENOENT)
            return -1;
        sk_reassign_list_t zl;
        memset(&zl, 0, sizeof(zl));
        if (data && sk_reassign_json_decode(data, strlen(data), &zl, err, errlen) != SK_OK)
            memset(&zl, 0, sizeof(zl));
        free(data);
        for (int i = 0; i < l->n; i++) {
            busy[i] = find_item(&zl, l->items[i].topic, l->items[i].partition) != NULL;
            sk_tdesc_topic_t t;
            memset(&t, 0, sizeof(t));
            if (sk_tzk_describe(c->zk, l->items[i].topic, &t, err, errlen) == SK_OK) {
                for (int k = 0; k < t.n_parts; k++)
                    if (t.parts[k].partition == l->items[i].partition &&
                        (t.parts[k].n_adding > 0 || t.parts[k].n_removing > 0))
                        busy[i] = 1;
                sk_tdesc_topic_clear(&t);
            }
        }
        sk_reassign_list_clear(&zl);
        return 0;
    }
    sk_arena_t *a = sk_arena_new(0);
    sk_listpartitionreassignments_req_t req;
    sk_listpartitionreassignments_req_init(&req);
    req.TimeoutMs = TIMEOUT_S * 1000;
    req.Topics = NULL;
    req.TopicsCnt = -1; /* all; matched below */
    sk_wr_t w;
    sk_wr_init(&w);
    sk_listpartitionreassignments_req_encode(&w, 0, &req);
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = ask(c, -1, 46, 0, &w, &body, &len, err, errlen);
    if (rc == 0) {
        sk_rd_t r;
        sk_rd_init(&r, body, len);
        sk_listpartitionreassignments_resp_t resp;
        if (sk_listpartitionreassignments_resp_decode(&r, 0, a, &resp) != SK_OK) {
            snprintf(err, errlen, "malformed ListPartitionReassignments response");
            rc = -1;
        } else if (resp.ErrorCode != SK_KERR_NONE) {
            snprintf(err, errlen, "%s", sk_kerr_name(resp.ErrorCode));
            rc = -1;
        } else {
            for (int32_t t = 0; t < resp.TopicsCnt; t++) {
                char *tn = sk_str_dup(resp.Topics[t].Name);
                for (int32_t k = 0; k < resp.Topics[t].PartitionsCnt; k++)
                    for (int i = 0; i < l->n; i++)
                        if (tn && strcmp(l->items[i].topic, tn) == 0 &&
                            l->items[i].partition == resp.Topics[t].Partitions[k].PartitionIndex)
                            busy[i] = 1;
                free(tn);
            }
        }
        free(body);
    }
    sk_arena_free(a);
    return rc;
}

static int same_ids(const int32_t *a, int na, const int32_t *b, int nb)
{
    if (na != nb)
        return 0;
    for (int i = 0; i < na; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static int cmd_verify(ctx_t *c, const char *file)
{
    sk_reassign_list_t tgt, cur;
    memset(&cur, 0, sizeof(cur));
    if (load_reassignment(file, &tgt) != 0)
        return SK_TOOL_EXIT_FAIL;
    char err[512];
    int ret = SK_TOOL_EXIT_FAIL;
    unsigned char *busy = sk_calloc((size_t)tgt.n + 1, 1);
    if (open_ctx(c, err, sizeof(err)) != 0 || in_progress(c, &tgt, busy, err, sizeof(err)) != 0 ||
        current_of(c, &tgt, &cur, err, sizeof(err)) != 0) {
        fprintf(stderr, "Error: %s\n", err);
        goto out;
    }
    printf("Status of partition reassignment:\n");
    int all_done = 1;
    for (int i = 0; i < tgt.n; i++) {
        const sk_reassign_item_t *t = &tgt.items[i], *now = &cur.items[i];
        if (busy[i]) {
            all_done = 0;
            printf("Reassignment of partition %s-%d is still in progress.\n", t->topic,
                   t->partition);
        } else if (same_ids(now->replicas, now->n_replicas, t->replicas, t->n_replicas)) {
            printf("Reassignment of partition %s-%d is completed.\n", t->topic, t->partition);
        } else {
            printf("There is no active reassignment of partition %s-%d, but replica set is ",
                   t->topic, t->partition);
            for (int k = 0; k < now->n_replicas; k++)
                printf("%s%d", k ? "," : "", now->replicas[k]);
            printf(" rather than ");
            for (int k = 0; k < t->n_replicas; k++)
                printf("%s%d", k ? "," : "", t->replicas[k]);
            printf(".\n");
        }
    }
    ret = SK_TOOL_EXIT_OK;
    if (all_done) {
        printf("\n");
        if (clear_throttles(c, &tgt) != 0)
            ret = SK_TOOL_EXIT_FAIL;
    }
out:
    free(busy);
    sk_reassign_list_clear(&tgt);
    sk_reassign_list_clear(&cur);
    return ret;
}

static int cmd_cancel(ctx_t *c, const char *file)
{
    sk_reassign_list_t tgt;
    if (load_reassignment(file, &tgt) != 0)
        return SK_TOOL_EXIT_FAIL;
    char err[512];
    int ret = SK_TOOL_EXIT_FAIL;
    unsigned char *ok = sk_calloc((size_t)tgt.n + 1, 1);
    int16_t *codes = sk_calloc((size_t)tgt.n + 1, sizeof(int16_t));
    if (open_ctx(c, err, sizeof(err)) != 0 || alter(c, &tgt, 1, ok, codes, err, sizeof(err)) != 0) {
        fprintf(stderr, "Error: %s\n", err);
        goto out;
    }
    int n_ok = 0, bad = 0;
    for (int i = 0; i < tgt.n; i++) {
        n_ok += ok[i];
        bad += !ok[i] && codes[i] != SK_KERR_NO_REASSIGNMENT_IN_PROGRESS;
    }
    if (n_ok > 0) {
        printf("Successfully cancelled partition reassignments for: ");
        print_tps(stdout, &tgt, ok);
        printf("\n");
    } else {
        printf("None of the specified partition reassignments are active.\n");
    }
    ret = bad ? SK_TOOL_EXIT_FAIL : SK_TOOL_EXIT_OK;
out:
    free(ok);
    free(codes);
    sk_reassign_list_clear(&tgt);
    return ret;
}

int main(int argc, char **argv)
{
    enum { O_BOOT = 1, O_ZK, O_GEN, O_EXEC, O_VERIFY, O_CANCEL, O_TOPICS, O_BROKERS, O_FILE,
           O_THROTTLE, O_HELP, O_ZK_DIGEST };
    static const struct option opts[] = {
        {"bootstrap-server", required_argument, NULL, O_BOOT},
        {"zookeeper", required_argument, NULL, O_ZK},
        {"zk-digest-file", required_argument, NULL, O_ZK_DIGEST},
        {"generate", no_argument, NULL, O_GEN},
        {"execute", no_argument, NULL, O_EXEC},
        {"verify", no_argument, NULL, O_VERIFY},
        {"cancel", no_argument, NULL, O_CANCEL},
        {"topics-to-move-json-file", required_argument, NULL, O_TOPICS},
        {"broker-list", required_argument, NULL, O_BROKERS},
        {"reassignment-json-file", required_argument, NULL, O_FILE},
        {"throttle", required_argument, NULL, O_THROTTLE},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    ctx_t c;
    memset(&c, 0, sizeof(c));
    int action = 0, n_actions = 0;
    const char *topics_file = NULL, *brokers = NULL, *file = NULL;
    long long throttle = -1;
    char err[256];
    int o;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_BOOT: c.bootstrap = optarg; break;
        case O_ZK: c.zookeeper = optarg; break;
        case O_ZK_DIGEST: c.zk_digest_file = optarg; break;
        case O_GEN:
        case O_EXEC:
        case O_VERIFY:
        case O_CANCEL:
            action = o;
            n_actions++;
            break;
        case O_TOPICS: topics_file = optarg; break;
        case O_BROKERS: brokers = optarg; break;
        case O_FILE: file = optarg; break;
        case O_THROTTLE:
            if (sk_topt_int(optarg, 1, INT64_MAX, &throttle, err, sizeof(err)) != SK_OK)
                return usage_error("--throttle must be a positive number of bytes/s");
            break;
        case O_HELP: usage(stdout); return SK_TOOL_EXIT_OK;
        default:
            fprintf(stderr, "unknown or incomplete option: %s\n", argv[optind - 1]);
            usage(stderr);
            return SK_TOOL_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument");
    if (!c.bootstrap == !c.zookeeper)
        return usage_error("give one of --bootstrap-server and --zookeeper");
    if (c.zk_digest_file && !c.zookeeper)
        return usage_error("--zk-digest-file needs --zookeeper");
    if (n_actions != 1)
        return usage_error("Command must include exactly one action: --generate, --execute, "
                           "--verify or --cancel");
    if (action == O_GEN && (!topics_file || !brokers))
        return usage_error("--generate needs --topics-to-move-json-file and --broker-list");
    if (action != O_GEN && !file)
        return usage_error("this action needs --reassignment-json-file");
    if (throttle >= 0 && action != O_EXEC)
        return usage_error("--throttle goes with --execute");
    if (action == O_CANCEL && c.zookeeper)
        return usage_error("--cancel needs --bootstrap-server");
    int ret;
    switch (action) {
    case O_GEN: ret = cmd_generate(&c, topics_file, brokers); break;
    case O_EXEC: ret = cmd_execute(&c, file, throttle); break;
    case O_VERIFY: ret = cmd_verify(&c, file); break;
    default: ret = cmd_cancel(&c, file); break;
    }
    close_ctx(&c);
    return ret;
}
