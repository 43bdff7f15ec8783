/* topic_create.c - validating and creating topics (auto-create, CreateTopics).
 *
 * The topic is written to ZooKeeper in Kafka's layout (config node, then the
 * assignment node, then partition state nodes); the broker's topic watcher
 * then picks it up like any topic created by another tool.
 */
#include "meta/topic_create.h"

#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "mem.h"
#include "topic_conf.h"
#include "znode.h"
#include "assign.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sk_creation_s {
    LIST_ENTRY(sk_creation_s) link;
    sk_broker_t *b;
    char *name;
    sk_create_done_fn done;
    void *arg;
    sk_zk_topic_t topic;   /* what we asked ZooKeeper to write */
};

int sk_topic_creating(sk_broker_t *b, const char *name, int32_t len)
{
    sk_creation_t *c;
    LIST_FOREACH(c, &b->creations, link)
        if ((int32_t)strlen(c->name) == len && memcmp(c->name, name, (size_t)len) == 0)
            return 1;
    return 0;
}

const char *sk_topic_creation_id(sk_broker_t *b, const char *name)
{
    sk_creation_t *c;
    LIST_FOREACH(c, &b->creations, link)
        if (strcmp(c->name, name) == 0)
            return c->topic.topic_id;
    return NULL;
}

static void partlimit_topic(sk_topic_t *t, void *arg)
{
    for (int p = 0; p < t->n_partitions; p++)
        sk_partlimit_count(arg, t->partitions[p].replicas, t->partitions[p].n_replicas);
}

sk_partlimit_t *sk_topic_partlimit(sk_broker_t *b, const sk_assign_broker_t *live, int n_live)
{
    int32_t *ids = sk_calloc((size_t)(n_live > 0 ? n_live : 1), sizeof(*ids));
    for (int i = 0; i < n_live; i++)
        ids[i] = live[i].id;
    sk_partlimit_t *pl = sk_partlimit_new(b->conf->max_broker_partitions, b->conf->max_partitions,
                                          ids, n_live);
    free(ids);
    if (!pl)
        return NULL;
    sk_topics_foreach(b->topics, partlimit_topic, pl);
    sk_creation_t *c;
    LIST_FOREACH(c, &b->creations, link)
        for (int p = 0; p < c->topic.n_partitions; p++)
            sk_partlimit_count(pl, c->topic.partitions[p].replicas,
                               c->topic.partitions[p].n_replicas);
    return pl;
}

static void creation_free(sk_creation_t *c)
{
    for (int i = 0; i < c->topic.n_partitions; i++)
        free(c->topic.partitions[i].replicas);
    free(c->topic.partitions);
    free(c->topic.topic_id);
    free(c->name);
    free(c);
}

static void created_cb(int rc, const char *err, void *arg)
{
    sk_creation_t *c = arg;
    LIST_REMOVE(c, link);
    int16_t kerr = SK_KERR_NONE;
    char msg[256] = "";
    if (rc == SK_EEXIST) {
        kerr = SK_KERR_TOPIC_ALREADY_EXISTS;
        snprintf(msg, sizeof(msg), "Topic '%s' already exists.", c->name);
    } else if (rc != SK_OK) {
        kerr = SK_KERR_UNKNOWN_SERVER_ERROR;
        snprintf(msg, sizeof(msg), "ZooKeeper write failed: %s", err ? err : sk_strerror(rc));
        sk_warn("topics", "creating topic %s failed: %s", c->name, msg);
    } else {
        sk_info("topics", "created topic %s with %d partitions (replication factor %d)", c->name,
                c->topic.n_partitions, c->topic.partitions[0].n_replicas);
    }
    if (c->done)
        c->done(kerr, msg[0] ? msg : NULL, c->arg);
    creation_free(c);
}

struct later {
    sk_create_done_fn done;
    void *arg;
};

static void later_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct later *l = arg;
    l->done(SK_KERR_NONE, NULL, l->arg);
    free(l);
}

/* Live brokers, for assignment and replication-factor checks: the
 * controller's last UpdateMetadata, or this broker alone before it came. */
static int live_brokers(sk_broker_t *b, sk_assign_broker_t **out)
{
    /* The controller (where clients send CreateTopics) reads /brokers/ids
     * itself, as Kafka's topic creation does: right after brokers start it
     * knows them before their UpdateMetadata reached this broker. */
    int n_ctrl = sk_ctrl_live_count(b->ctrl);
    if (n_ctrl > 0) {
        sk_assign_broker_t *v = sk_calloc((size_t)n_ctrl, sizeof(*v));
        for (int i = 0; i < n_ctrl; i++)
            sk_ctrl_live_broker(b->ctrl, i, &v[i].id, &v[i].rack);
        *out = v;
        return n_ctrl;
    }
    int n = b->n_live > 0 ? b->n_live : 1;
    sk_assign_broker_t *v = sk_calloc((size_t)n, sizeof(*v));
    if (b->n_live > 0) {
        for (int i = 0; i < n; i++) {
            v[i].id = b->live[i].id;
            v[i].rack = b->live[i].rack;
        }
    } else {
        v[0].id = b->id;
        v[0].rack = b->conf->broker_rack;
    }
    *out = v;
    return n;
}

static int is_live(const sk_assign_broker_t *v, int n, int32_t id)
{
    for (int i = 0; i < n; i++)
        if (v[i].id == id)
            return 1;
    return 0;
}

/* Checks a request against Kafka's rules; returns a Kafka error code and
 * the message in text. */
static int16_t validate(sk_broker_t *b, const char *name, int32_t *partitions, int16_t *rf,
                        int32_t *const *assignment, const int32_t *assignment_sizes,
                        char *const *config_keys, int n_configs, const sk_assign_broker_t *live,
                        int n_live, char *text, size_t tlen)
{
    char verr[256];
    if (sk_topic_name_valid(name, verr, sizeof(verr)) != SK_OK) {
        snprintf(text, tlen, "%s", verr);
        return SK_KERR_INVALID_TOPIC_EXCEPTION;
    }
    if (sk_topics_find(b->topics, name, (int32_t)strlen(name)) ||
        sk_topic_creating(b, name, (int32_t)strlen(name))) {
        snprintf(text, tlen, "Topic '%s' already exists.", name);
        return SK_KERR_TOPIC_ALREADY_EXISTS;
    }
    if (!assignment) {
        if (*partitions == -1)
            *partitions = b->conf->num_partitions;
        if (*rf == -1)
            *rf = (int16_t)b->conf->default_replication_factor;
        if (*partitions < 1) {
            snprintf(text, tlen, "Number of partitions must be larger than 0.");
            return SK_KERR_INVALID_PARTITIONS;
        }
        if (*rf < 1) {
            snprintf(text, tlen, "Replication factor must be larger than 0.");
            return SK_KERR_INVALID_REPLICATION_FACTOR;
        }
        if (*rf > n_live) {
            snprintf(text, tlen, "Replication factor: %d larger than available brokers: %d.",
                     *rf, n_live);
            return SK_KERR_INVALID_REPLICATION_FACTOR;
        }
    } else {
        for (int32_t p = 0; p < *partitions; p++) {
            if (assignment_sizes[p] < 1 || (p > 0 && assignment_sizes[p] != assignment_sizes[0])) {
                snprintf(text, tlen, "All partitions should have the same number of replicas, "
                         "and at least one.");
                return SK_KERR_INVALID_REPLICA_ASSIGNMENT;
            }
            for (int32_t i = 0; i < assignment_sizes[p]; i++) {
                if (!is_live(live, n_live, assignment[p][i])) {
                    snprintf(text, tlen, "Unknown broker id %d in the assignment of partition %d.",
                             assignment[p][i], p);
                    return SK_KERR_INVALID_REPLICA_ASSIGNMENT;
                }
                for (int32_t j = 0; j < i; j++)
                    if (assignment[p][j] == assignment[p][i]) {
                        snprintf(text, tlen, "Duplicate broker id %d in the assignment of "
                                 "partition %d.", assignment[p][i], p);
                        return SK_KERR_INVALID_REPLICA_ASSIGNMENT;
                    }
            }
        }
        *rf = (int16_t)assignment_sizes[0];
    }
    for (int i = 0; i < n_configs; i++)
        if (sk_topic_conf_index(config_keys[i]) < 0) {
            snprintf(text, tlen, "Unknown topic config name: %s", config_keys[i]);
            return SK_KERR_INVALID_CONFIG;
        }
    return SK_KERR_NONE;
}

int16_t sk_topic_create(sk_broker_t *b, const char *name, int32_t partitions, int16_t rf,
                        int32_t *const *assignment, const int32_t *assignment_sizes,
                        char *const *config_keys, char *const *config_values, int n_configs,
                        int validate_only, const char **msg, sk_create_done_fn done, void *arg)
{
    static char text[512];
    sk_assign_broker_t *live = NULL;
    int32_t *replicas = NULL;
    sk_partlimit_t *limit = NULL;
    int n_live = live_brokers(b, &live);
    *msg = NULL;
    int16_t kerr = validate(b, name, &partitions, &rf, assignment, assignment_sizes, config_keys,
                            n_configs, live, n_live, text, sizeof(text));
    if (kerr != SK_KERR_NONE)
        goto out;
    /* KIP-578's bounds: room for the replicas before any is allocated, then
     * each broker's share once they are assigned */
    limit = sk_topic_partlimit(b, live, n_live);
    if (limit && (kerr = sk_partlimit_room(limit, (int64_t)partitions * rf, text,
                                           sizeof(text))) != SK_KERR_NONE)
        goto out;
    if (!assignment) {
        replicas = sk_calloc((size_t)partitions * (size_t)rf, sizeof(int32_t));
        if (sk_assign_replicas(live, n_live, partitions, rf, 0, -1, -1, replicas, text,
                               sizeof(text)) != SK_OK) {
            kerr = SK_KERR_INVALID_REPLICATION_FACTOR;
            goto out;
        }
    }
    if (limit) {
        if (assignment) {
            replicas = sk_calloc((size_t)partitions * (size_t)rf, sizeof(int32_t));
            for (int32_t p = 0; p < partitions; p++)
                memcpy(replicas + (size_t)p * (size_t)rf, assignment[p],
                       (size_t)rf * sizeof(int32_t));
        }
        kerr = sk_partlimit_fits(limit, replicas, (int64_t)partitions * rf, text, sizeof(text));
        if (kerr != SK_KERR_NONE)
            goto out;
    }
    if (validate_only) {
        struct later *l = sk_calloc(1, sizeof(*l));
        l->done = done;
        l->arg = arg;
        event_base_once(b->base, -1, EV_TIMEOUT, later_cb, l, NULL);
        goto out;
    }

    sk_creation_t *c = sk_calloc(1, sizeof(*c));
    c->b = b;
    c->name = sk_strdup(name);
    c->done = done;
    c->arg = arg;
    c->topic.name = c->name;
    char id[SK_UUID_B64_LEN + 1];
    if (sk_znode_uuid_generate(id) == SK_OK)
        c->topic.topic_id = sk_strdup(id);
    c->topic.n_partitions = partitions;
    c->topic.partitions = sk_calloc((size_t)partitions, sizeof(*c->topic.partitions));
    for (int32_t p = 0; p < partitions; p++) {
        sk_zk_partition_t *zp = &c->topic.partitions[p];
        zp->partition = p;
        zp->n_replicas = rf;
        zp->replicas = sk_calloc((size_t)rf, sizeof(int32_t));
        for (int i = 0; i < rf; i++)
            zp->replicas[i] = assignment ? assignment[p][i] : replicas[(size_t)p * (size_t)rf + (size_t)i];
    }
    c->topic.config_keys = (char **)config_keys;
    c->topic.config_values = (char **)config_values;
    c->topic.n_configs = n_configs;
    LIST_INSERT_HEAD(&b->creations, c, link);
    /* The controller writes the partition states when it sees the topic. */
    sk_zkt_create_topic(b->zk, &c->topic, 0, 0, created_cb, c);
    /* The config arrays belong to the caller; ZooKeeper has its copy now. */
    c->topic.config_keys = NULL;
    c->topic.config_values = NULL;
    c->topic.n_configs = 0;
out:
    if (kerr != SK_KERR_NONE)
        *msg = text;
    sk_partlimit_free(limit);
    free(replicas);
    free(live);
    return kerr;
}
