/* topics_zk.c - skein-topics --zookeeper (see topics_zk.h). */
#include "topics_zk.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* the synchronous zoo_* calls of libzookeeper_mt are declared only with THREADED */
#ifndef THREADED
#define THREADED
#endif
#include <zookeeper/zookeeper.h>

#include "kerr.h"
#include "mem.h"
#include "topic_conf.h"
#include "zkauth.h"
#include "znode.h"

struct sk_tzk_s {
    zhandle_t *zh;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int state; /* last session state seen by the watcher */
    int secure; /* authenticated (--zk-digest-file): Kafka's secure ACLs */
};

static FILE *zk_log_sink;

zhandle_t *sk_tzk_handle(sk_tzk_t *z)
{
    return z->zh;
}

/* Session events only: this tool sets no watches. Runs on the ZooKeeper
 * completion thread. */
static void session_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    (void)path;
    sk_tzk_t *z = ctx;
    if (type != ZOO_SESSION_EVENT)
        return;
    pthread_mutex_lock(&z->lock);
    z->state = state;
    pthread_cond_broadcast(&z->cond);
    pthread_mutex_unlock(&z->lock);
}

int sk_tzk_open(const char *connect, const char *digest_file, int timeout_ms, sk_tzk_t **out,
                char *err, size_t errlen)
{
    *out = NULL;
    sk_zkauth_t *za = NULL;
    if (digest_file) {
        char why[512];
        if (sk_zkauth_load(digest_file, &za, why, sizeof(why)) != SK_OK) {
            snprintf(err, errlen, "--zk-digest-file: %s", why);
            return SK_EINVAL;
        }
    }
    /* The C client logs every reconnect attempt to stderr; the tool reports
     * failures itself. SKEIN_ZK_LOG=1 keeps the client's log. */
    const char *dbg = getenv("SKEIN_ZK_LOG");
    if (!dbg || strcmp(dbg, "1") != 0) {
        if (!zk_log_sink)
            zk_log_sink = fopen("/dev/null", "w");
        if (zk_log_sink)
            zoo_set_log_stream(zk_log_sink);
        zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    }
    sk_tzk_t *z = sk_calloc(1, sizeof(*z));
    pthread_mutex_init(&z->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&z->cond, &ca);
    pthread_condattr_destroy(&ca);

    z->zh = zookeeper_init(connect, session_watcher, 30000, NULL, z, 0);
    if (!z->zh) {
        snprintf(err, errlen, "cannot use ZooKeeper connect string '%s': %s", connect,
                 strerror(errno));
        sk_tzk_close(z);
        sk_zkauth_free(za);
        return SK_EZK;
    }
    if (za) {
        /* queued now, sent before any request once the session is up */
        z->secure = 1;
        sk_zkauth_add(z->zh, sk_zkauth_credential(za));
        sk_zkauth_free(za);
    }
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&z->lock);
    int rc = 0;
    while (z->state != ZOO_CONNECTED_STATE && z->state != ZOO_EXPIRED_SESSION_STATE &&
           z->state != ZOO_AUTH_FAILED_STATE && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&z->cond, &z->lock, &deadline);
    int state = z->state;
    pthread_mutex_unlock(&z->lock);
    if (state != ZOO_CONNECTED_STATE) {
        snprintf(err, errlen, "cannot connect to ZooKeeper at %s within %d ms", connect,
                 timeout_ms);
        sk_tzk_close(z);
        return SK_EZK;
    }
    *out = z;
    return SK_OK;
}

void sk_tzk_close(sk_tzk_t *z)
{
    if (!z)
        return;
    if (z->zh)
        zookeeper_close(z->zh);
    pthread_cond_destroy(&z->cond);
    pthread_mutex_destroy(&z->lock);
    free(z);
}

/* ---- small synchronous helpers ---------------------------------------- */

static int zk_fail(int zrc, const char *what, const char *path, char *err, size_t errlen)
{
    snprintf(err, errlen, "ZooKeeper %s %s failed: %s%s", what, path, zerror(zrc),
             zrc == ZNOAUTH ? " (KeeperErrorCode = NoAuth: give the brokers' credentials with "
                              "--zk-digest-file)"
                            : "");
    return SK_EZK;
}

/* Read a node's whole data (NUL-terminated copy in *data, length in *len;
 * *data NULL and *len -1 for null data). SK_ENOENT if missing. */
static int zget(sk_tzk_t *z, const char *path, char **data, int *len, struct Stat *st_out,
                char *err, size_t errlen)
{
    *data = NULL;
    *len = -1;
    for (int attempt = 0; attempt < 5; attempt++) {
        struct Stat st;
        int zrc = zoo_exists(z->zh, path, 0, &st);
        if (zrc == ZNONODE)
            return SK_ENOENT;
        if (zrc != ZOK)
            return zk_fail(zrc, "exists", path, err, errlen);
        int cap = st.dataLength + 1;
        char *buf = sk_malloc((size_t)cap);
        int n = cap;
        zrc = zoo_get(z->zh, path, 0, buf, &n, &st);
        if (zrc == ZNONODE) {
            free(buf);
            return SK_ENOENT;
        }
        if (zrc != ZOK) {
            free(buf);
            return zk_fail(zrc, "get", path, err, errlen);
        }
        if (st.dataLength >= cap) { /* grew between the two calls */
            free(buf);
            continue;
        }
        if (n < 0) {
            free(buf);
            *data = NULL;
            *len = -1;
        } else {
            buf[n] = '\0';
            *data = buf;
            *len = n;
        }
        if (st_out)
            *st_out = st;
        return SK_OK;
    }
    snprintf(err, errlen, "ZooKeeper node %s keeps changing size", path);
    return SK_EZK;
}

static int zchildren(sk_tzk_t *z, const char *path, char ***names, int *n, char *err,
                     size_t errlen)
{
    struct String_vector sv = {0, NULL};
    *names = NULL;
    *n = 0;
    int zrc = zoo_get_children(z->zh, path, 0, &sv);
    if (zrc == ZNONODE)
        return SK_ENOENT;
    if (zrc != ZOK)
        return zk_fail(zrc, "get children of", path, err, errlen);
    char **v = sk_calloc((size_t)sv.count + 1, sizeof(char *));
    for (int i = 0; i < sv.count; i++)
        v[i] = sk_strdup(sv.data[i]);
    *names = v;
    *n = sv.count;
    deallocate_String_vector(&sv);
    return SK_OK;
}

void sk_tzk_free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Create every missing ancestor of path (null data), like Kafka's
 * createRecursive. */
static int create_parents(sk_tzk_t *z, const char *path, char *err, size_t errlen)
{
    char *p = sk_strdup(path);
    int rc = SK_OK;
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        int zrc = zoo_create(z->zh, p, NULL, -1, sk_zkauth_acl(z->secure, p), 0, NULL, 0);
        if (zrc != ZOK && zrc != ZNODEEXISTS) {
            rc = zk_fail(zrc, "create", p, err, errlen);
            goto out;
        }
        *s = '/';
    }
out:
    free(p);
    return rc;
}

static int zcreate(sk_tzk_t *z, const char *path, const char *data, char *err, size_t errlen)
{
    int len = data ? (int)strlen(data) : -1;
    int zrc = zoo_create(z->zh, path, data, len, sk_zkauth_acl(z->secure, path), 0, NULL, 0);
    if (zrc == ZNONODE) {
        int rc = create_parents(z, path, err, errlen);
        if (rc != SK_OK)
            return rc;
        zrc = zoo_create(z->zh, path, data, len, sk_zkauth_acl(z->secure, path), 0, NULL, 0);
    }
    if (zrc == ZNODEEXISTS)
        return SK_EEXIST;
    if (zrc != ZOK)
        return zk_fail(zrc, "create", path, err, errlen);
    return SK_OK;
}

int sk_tzk_get(sk_tzk_t *z, const char *path, char **data, char *err, size_t errlen)
{
    int len;
    return zget(z, path, data, &len, NULL, err, errlen);
}

int sk_tzk_create_node(sk_tzk_t *z, const char *path, const char *data, char *err,
                       size_t errlen)
{
    return zcreate(z, path, data, err, errlen);
}

int sk_tzk_put(sk_tzk_t *z, const char *path, const char *data, char *err, size_t errlen)
{
    int zrc = zoo_set(z->zh, path, data, data ? (int)strlen(data) : -1, -1);
    if (zrc == ZNONODE)
        return zcreate(z, path, data, err, errlen);
    if (zrc != ZOK)
        return zk_fail(zrc, "set", path, err, errlen);
    return SK_OK;
}

int sk_tzk_create_seq(sk_tzk_t *z, const char *prefix, const char *data, char *err,
                      size_t errlen)
{
    char created[512];
    int zrc = zoo_create(z->zh, prefix, data, data ? (int)strlen(data) : -1,
                         sk_zkauth_acl(z->secure, prefix), ZOO_SEQUENCE, created,
                         sizeof(created));
    if (zrc == ZNONODE) {
        int rc = create_parents(z, prefix, err, errlen);
        if (rc != SK_OK)
            return rc;
        zrc = zoo_create(z->zh, prefix, data, data ? (int)strlen(data) : -1,
                         sk_zkauth_acl(z->secure, prefix), ZOO_SEQUENCE, created,
                         sizeof(created));
    }
    if (zrc != ZOK)
        return zk_fail(zrc, "create", prefix, err, errlen);
    return SK_OK;
}

static int id_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* ---- reading ------------------------------------------------------------ */

int sk_tzk_list(sk_tzk_t *z, char ***names, int *n, char *err, size_t errlen)
{
    int rc = zchildren(z, SK_ZNODE_BROKER_TOPICS, names, n, err, errlen);
    if (rc == SK_ENOENT) {
        snprintf(err, errlen, "%s does not exist: no Kafka cluster under this ZooKeeper path "
                              "(check the chroot)", SK_ZNODE_BROKER_TOPICS);
        return rc;
    }
    if (rc == SK_OK)
        sk_tdesc_sort_names(*names, *n);
    return rc;
}

int sk_tzk_marked_for_deletion(sk_tzk_t *z, const char *topic, char *err, size_t errlen)
{
    char *path = sk_znode_delete_topic_path(topic);
    struct Stat st;
    int zrc = zoo_exists(z->zh, path, 0, &st);
    int rc = zrc == ZOK ? 1 : zrc == ZNONODE ? 0 : zk_fail(zrc, "exists", path, err, errlen);
    free(path);
    return rc;
}

int sk_tzk_live_brokers(sk_tzk_t *z, int32_t **ids, int *n, char *err, size_t errlen)
{
    char **names = NULL;
    int cnt = 0;
    *ids = NULL;
    *n = 0;
    int rc = zchildren(z, SK_ZNODE_BROKER_IDS, &names, &cnt, err, errlen);
    if (rc == SK_ENOENT)
        return SK_OK; /* no broker ever registered */
    if (rc != SK_OK)
        return rc;
    int32_t *v = sk_calloc((size_t)cnt + 1, sizeof(int32_t));
    int k = 0;
    for (int i = 0; i < cnt; i++) {
        char *end = NULL;
        long id = strtol(names[i], &end, 10);
        if (*names[i] && *end == '\0' && id >= 0 && id <= INT32_MAX)
            v[k++] = (int32_t)id;
    }
    sk_tzk_free_names(names, cnt);
    qsort(v, (size_t)k, sizeof(int32_t), id_cmp);
    *ids = v;
    *n = k;
    return SK_OK;
}

static int32_t *dup_ids(const int32_t *v, int n)
{
    int32_t *c = sk_calloc((size_t)n + 1, sizeof(int32_t));
    if (n > 0)
        memcpy(c, v, (size_t)n * sizeof(int32_t));
    return c;
}

/* Fill leader and ISR of p from its state node (absent: no leader). */
static int read_state(sk_tzk_t *z, const char *topic, sk_tdesc_part_t *p, char *err,
                      size_t errlen)
{
    char *path = sk_znode_partition_state_path(topic, p->partition);
    char *data = NULL;
    int len;
    p->leader = -1;
    p->isr = dup_ids(NULL, 0);
    p->n_isr = 0;
    int rc = zget(z, path, &data, &len, NULL, err, errlen);
    if (rc == SK_ENOENT) {
        rc = SK_OK;
        goto out;
    }
    if (rc != SK_OK)
        goto out;
    sk_znode_pstate_t s;
    memset(&s, 0, sizeof(s));
    char e[256];
    if (!data || sk_znode_pstate_decode(data, (size_t)len, &s, e, sizeof(e)) != SK_OK) {
        snprintf(err, errlen, "%s: unreadable partition state: %s", path, data ? e : "null data");
        rc = SK_EPARSE;
        goto out;
    }
    p->leader = s.leader;
    free(p->isr);
    p->isr = dup_ids(s.isr, s.n_isr);
    p->n_isr = s.n_isr;
    sk_znode_pstate_clear(&s);
out:
    free(data);
    free(path);
    return rc;
}

static int read_config(sk_tzk_t *z, const char *topic, sk_tdesc_topic_t *t, char *err,
                       size_t errlen)
{
    char *path = sk_znode_topic_config_path(topic);
    char *data = NULL;
    int len;
    int rc = zget(z, path, &data, &len, NULL, err, errlen);
    if (rc == SK_ENOENT) {
        rc = SK_OK;
        goto out;
    }
    if (rc != SK_OK)
        goto out;
    sk_znode_config_t c;
    memset(&c, 0, sizeof(c));
    char e[256];
    if (sk_znode_config_decode(data, len > 0 ? (size_t)len : 0, &c, e, sizeof(e)) != SK_OK) {
        snprintf(err, errlen, "%s: unreadable topic config: %s", path, e);
        rc = SK_EPARSE;
        goto out;
    }
    for (int i = 0; i < c.n; i++)
        sk_tdesc_add_config(t, c.keys[i], c.values[i]);
    sk_znode_config_clear(&c);
out:
    free(data);
    free(path);
    return rc;
}

/* Read and decode /brokers/topics/<t>. */
static int read_topic_node(sk_tzk_t *z, const char *topic, sk_znode_topic_t *node,
                           struct Stat *st, char *err, size_t errlen)
{
    char *path = sk_znode_topic_path(topic);
    char *data = NULL;
    int len;
    memset(node, 0, sizeof(*node));
    int rc = zget(z, path, &data, &len, st, err, errlen);
    if (rc == SK_ENOENT)
        snprintf(err, errlen, "Topic '%s' does not exist as expected", topic);
    if (rc != SK_OK)
        goto out;
    char e[256];
    if (!data || sk_znode_topic_decode(data, (size_t)len, node, e, sizeof(e)) != SK_OK) {
        snprintf(err, errlen, "%s: unreadable topic assignment: %s", path, data ? e : "null data");
        rc = SK_EPARSE;
    }
out:
    free(data);
    free(path);
    return rc;
}

static void copy_reassign(const sk_znode_replicas_t *v, int n, int32_t partition, int32_t **out,
                          int *n_out)
{
    for (int i = 0; i < n; i++) {
        if (v[i].partition == partition) {
            *out = dup_ids(v[i].replicas, v[i].n_replicas);
            *n_out = v[i].n_replicas;
            return;
        }
    }
}

int sk_tzk_describe(sk_tzk_t *z, const char *topic, sk_tdesc_topic_t *out, char *err,
                    size_t errlen)
{
    memset(out, 0, sizeof(*out));
    sk_znode_topic_t node;
    int rc = read_topic_node(z, topic, &node, NULL, err, errlen);
    if (rc != SK_OK)
        return rc;
    out->name = sk_strdup(topic);
    out->topic_id = node.topic_id ? sk_strdup(node.topic_id) : NULL;
    out->n_parts = node.n_partitions;
    out->parts = sk_calloc((size_t)node.n_partitions + 1, sizeof(*out->parts));
    for (int i = 0; i < node.n_partitions; i++) {
        sk_tdesc_part_t *p = &out->parts[i];
        p->partition = node.partitions[i].partition;
        p->replicas = dup_ids(node.partitions[i].replicas, node.partitions[i].n_replicas);
        p->n_replicas = node.partitions[i].n_replicas;
        copy_reassign(node.adding, node.n_adding, p->partition, &p->adding, &p->n_adding);
        copy_reassign(node.removing, node.n_removing, p->partition, &p->removing,
                      &p->n_removing);
        if ((rc = read_state(z, topic, p, err, errlen)) != SK_OK)
            goto out;
    }
    if ((rc = read_config(z, topic, out, err, errlen)) != SK_OK)
        goto out;
    rc = sk_tzk_marked_for_deletion(z, topic, err, errlen);
    if (rc >= 0) {
        out->marked_for_deletion = rc;
        rc = SK_OK;
    }
out:
    sk_znode_topic_clear(&node);
    if (rc != SK_OK)
        sk_tdesc_topic_clear(out);
    return rc;
}

/* ---- writing ------------------------------------------------------------ */

/* Topic-level config names: the topic key table (common/topic_conf.c). */
int sk_topic_config_known(const char *name)
{
    return sk_topic_conf_index(name) >= 0;
}


/* Kafka refuses a name that differs from an existing one only by '.' vs '_'
 * (their metric names would collide). */
static int check_collision(sk_tzk_t *z, const char *topic, char *err, size_t errlen)
{
    if (!strchr(topic, '.') && !strchr(topic, '_'))
        return SK_OK;
    char **names = NULL;
    int n = 0;
    int rc = zchildren(z, SK_ZNODE_BROKER_TOPICS, &names, &n, err, errlen);
    if (rc == SK_ENOENT)
        return SK_OK;
    if (rc != SK_OK)
        return rc;
    char *mine = sk_strdup(topic);
    for (char *c = mine; *c; c++)
        if (*c == '.')
            *c = '_';
    size_t cap = 256, len = 0;
    char *hits = sk_calloc(1, cap);
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i], topic) == 0)
            continue;
        char *other = sk_strdup(names[i]);
        for (char *c = other; *c; c++)
            if (*c == '.')
                *c = '_';
        if (strcmp(other, mine) == 0) {
            size_t need = strlen(names[i]) + 2;
            if (len + need + 1 > cap) {
                cap = (len + need + 1) * 2;
                hits = sk_realloc(hits, cap);
            }
            len += (size_t)snprintf(hits + len, cap - len, "%s%s", len ? ", " : "", names[i]);
        }
        free(other);
    }
    if (len) {
        snprintf(err, errlen, "Topic '%s' collides with existing topics: %s", topic, hits);
        rc = SK_EINVAL;
    }
    free(hits);
    free(mine);
    sk_tzk_free_names(names, n);
    return rc;
}

/* Encode an assignment (partition ids offset by first_id) into znode form. */
static sk_znode_replicas_t *to_znode_replicas(const sk_assignment_t *a, int first_id)
{
    sk_znode_replicas_t *v = sk_calloc((size_t)a->n_partitions + 1, sizeof(*v));
    for (int p = 0; p < a->n_partitions; p++) {
        v[p].partition = first_id + p;
        v[p].replicas = a->replicas[p];
        v[p].n_replicas = a->n_replicas[p];
    }
    return v;
}

int sk_tzk_create(sk_tzk_t *z, const char *topic, int partitions, int rf,
                  const sk_assignment_t *assignment, const sk_kvlist_t *configs, char *err,
                  size_t errlen)
{
    sk_assignment_t computed;
    memset(&computed, 0, sizeof(computed));
    int32_t *live = NULL;
    int n_live = 0;
    char *cfg_path = NULL, *cfg_json = NULL, *topic_path = NULL, *topic_json = NULL;
    sk_znode_replicas_t *zparts = NULL;
    int rc;

    if ((rc = sk_topic_name_valid(topic, err, errlen)) != SK_OK)
        goto out;
    rc = sk_tzk_marked_for_deletion(z, topic, err, errlen);
    if (rc < 0)
        goto out;
    if (rc == 1) {
        snprintf(err, errlen, "Topic '%s' is marked for deletion.", topic);
        rc = SK_EEXIST;
        goto out;
    }
    topic_path = sk_znode_topic_path(topic);
    struct Stat st;
    int zrc = zoo_exists(z->zh, topic_path, 0, &st);
    if (zrc == ZOK) {
        snprintf(err, errlen, "Topic '%s' already exists.", topic);
        rc = SK_EEXIST;
        goto out;
    }
    if (zrc != ZNONODE) {
        rc = zk_fail(zrc, "exists", topic_path, err, errlen);
        goto out;
    }
    if ((rc = check_collision(z, topic, err, errlen)) != SK_OK)
        goto out;
    for (int i = 0; i < configs->n; i++) {
        if (!sk_topic_config_known(configs->keys[i])) {
            snprintf(err, errlen, "Unknown topic config name: %s", configs->keys[i]);
            rc = SK_EINVAL;
            goto out;
        }
    }

    if (!assignment) {
        if ((rc = sk_tzk_live_brokers(z, &live, &n_live, err, errlen)) != SK_OK)
            goto out;
        int start = n_live > 0 ? sk_assign_random_index(n_live) : 0;
        int shift = n_live > 0 ? sk_assign_random_index(n_live) : 0;
        rc = sk_assign_rack_unaware(live, n_live, partitions, rf, start, shift, 0, &computed, err,
                                    errlen);
        if (rc != SK_OK)
            goto out;
        assignment = &computed;
    } else if ((rc = sk_assign_validate(assignment, err, errlen)) != SK_OK) {
        goto out;
    }

    /* 1. the config node (written even when empty), 2. the topic node */
    cfg_path = sk_znode_topic_config_path(topic);
    cfg_json = sk_znode_config_encode((const char *const *)configs->keys,
                                      (const char *const *)configs->values, configs->n);
    zrc = zoo_set(z->zh, cfg_path, cfg_json, (int)strlen(cfg_json), -1);
    if (zrc == ZNONODE) {
        rc = zcreate(z, cfg_path, cfg_json, err, errlen);
        if (rc == SK_EEXIST) { /* raced with another writer: overwrite like setOrCreate */
            int zrc2 = zoo_set(z->zh, cfg_path, cfg_json, (int)strlen(cfg_json), -1);
            rc = zrc2 == ZOK ? SK_OK : zk_fail(zrc2, "set", cfg_path, err, errlen);
        }
        if (rc != SK_OK)
            goto out;
    } else if (zrc != ZOK) {
        rc = zk_fail(zrc, "set", cfg_path, err, errlen);
        goto out;
    }

    char topic_id[SK_UUID_B64_LEN + 1];
    if (sk_znode_uuid_generate(topic_id) != SK_OK) {
        snprintf(err, errlen, "cannot generate a topic id: no system randomness");
        rc = SK_EIO;
        goto out;
    }
    sk_znode_topic_t node;
    memset(&node, 0, sizeof(node));
    zparts = to_znode_replicas(assignment, 0);
    node.topic_id = topic_id;
    node.partitions = zparts;
    node.n_partitions = assignment->n_partitions;
    topic_json = sk_znode_topic_encode(&node);
    if (!topic_json) {
        snprintf(err, errlen, "cannot encode the assignment of topic '%s'", topic);
        rc = SK_EINVAL;
        goto out;
    }
    rc = zcreate(z, topic_path, topic_json, err, errlen);
    if (rc == SK_EEXIST)
        snprintf(err, errlen, "Topic '%s' already exists.", topic);
out:
    free(zparts); /* replica arrays belong to the assignment */
    free(topic_json);
    free(topic_path);
    free(cfg_json);
    free(cfg_path);
    free(live);
    sk_assignment_clear(&computed);
    return rc;
}

int sk_tzk_mark_delete(sk_tzk_t *z, const char *topic, char *err, size_t errlen)
{
    if (sk_topic_is_internal(topic)) {
        snprintf(err, errlen, "Topic %s is a kafka internal topic and is not allowed to be "
                              "marked for deletion.", topic);
        return SK_EINVAL;
    }
    char *path = sk_znode_delete_topic_path(topic);
    int rc = zcreate(z, path, NULL, err, errlen);
    free(path);
    return rc;
}

int sk_tzk_add_partitions(sk_tzk_t *z, const char *topic, int total,
                          const sk_assignment_t *assignment, char *err, size_t errlen)
{
    sk_znode_topic_t node;
    struct Stat st;
    sk_assignment_t added;
    memset(&added, 0, sizeof(added));
    int32_t *live = NULL;
    int n_live = 0;
    char *json = NULL, *path = NULL;
    sk_znode_replicas_t *all = NULL;
    int own_added = 0;

    int rc = read_topic_node(z, topic, &node, &st, err, errlen);
    if (rc != SK_OK)
        return rc;
    if (strcmp(topic, "__consumer_offsets") == 0) {
        snprintf(err, errlen, "The number of partitions for the offsets topic cannot be changed.");
        rc = SK_EINVAL;
        goto out;
    }
    int existing = node.n_partitions;
    if (total <= existing) {
        snprintf(err, errlen, "The number of partitions for a topic can only be increased. Topic "
                              "%s currently has %d partitions, %d would not be an increase.",
                 topic, existing, total);
        rc = SK_EINVAL;
        goto out;
    }
    if ((rc = sk_tzk_live_brokers(z, &live, &n_live, err, errlen)) != SK_OK)
        goto out;
    int rf0 = existing > 0 ? node.partitions[0].n_replicas : 0;
    if (assignment) {
        int given = assignment->n_partitions - existing;
        if (given != total - existing) {
            snprintf(err, errlen, "Increasing the number of partitions by %d but %d assignments "
                                  "provided.", total - existing, given < 0 ? 0 : given);
            rc = SK_EINVAL;
            goto out;
        }
        /* a view of the new partitions only (arrays still owned by the caller) */
        added.n_partitions = given;
        added.replicas = assignment->replicas + existing;
        added.n_replicas = assignment->n_replicas + existing;
        if ((rc = sk_assign_validate(&added, err, errlen)) != SK_OK)
            goto out;
        if (added.n_replicas[0] != rf0) {
            snprintf(err, errlen, "Inconsistent replication factor between partitions, partition "
                                  "0 has %d while partition %d has %d", rf0, existing,
                     added.n_replicas[0]);
            rc = SK_EINVAL;
            goto out;
        }
        if ((rc = sk_assign_check_brokers(&added, live, n_live, err, errlen)) != SK_OK)
            goto out;
    } else {
        int start = 0;
        if (existing > 0 && rf0 > 0) {
            int32_t lead = node.partitions[0].replicas[0];
            start = -1;
            for (int i = 0; i < n_live && start < 0; i++)
                if (live[i] >= lead)
                    start = i;
            if (start < 0)
                start = 0;
        }
        rc = sk_assign_rack_unaware(live, n_live, total - existing, rf0, start, start, existing,
                                    &added, err, errlen);
        if (rc != SK_OK)
            goto out;
        own_added = 1;
    }

    all = sk_calloc((size_t)total + 1, sizeof(*all));
    for (int p = 0; p < existing; p++)
        all[p] = node.partitions[p];
    for (int p = existing; p < total; p++) {
        all[p].partition = p;
        all[p].replicas = added.replicas[p - existing];
        all[p].n_replicas = added.n_replicas[p - existing];
    }
    sk_znode_topic_t grown = node;
    grown.partitions = all;
    grown.n_partitions = total;
    json = sk_znode_topic_encode(&grown);
    if (!json) {
        snprintf(err, errlen, "cannot encode the assignment of topic '%s'", topic);
        rc = SK_EINVAL;
        goto out;
    }
    path = sk_znode_topic_path(topic);
    int zrc = zoo_set(z->zh, path, json, (int)strlen(json), st.version);
    if (zrc == ZBADVERSION) {
        snprintf(err, errlen, "Topic '%s' was changed by someone else meanwhile; try again",
                 topic);
        rc = SK_EAGAIN;
    } else if (zrc == ZNONODE) {
        snprintf(err, errlen, "Topic '%s' does not exist as expected", topic);
        rc = SK_ENOENT;
    } else if (zrc != ZOK) {
        rc = zk_fail(zrc, "set", path, err, errlen);
    }
out:
    free(all);
    free(json);
    free(path);
    free(live);
    if (own_added)
        sk_assignment_clear(&added);
    sk_znode_topic_clear(&node);
    return rc;
}
