/* configs_zk.c - skein-configs --zookeeper (see configs_zk.h). */
#include "configs_zk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "kerr.h"
#include "mem.h"
#include "zkauth.h"
#include "znode.h"

#define MAX_DATA (1024 * 1024)

/* The handle's context marks an authenticated handle (no watcher uses it). */
static char secure_mark;

struct ACL_vector *sk_cfgzk_acl(zhandle_t *zh, const char *path)
{
    return sk_zkauth_acl(zoo_get_context(zh) == &secure_mark, path);
}

zhandle_t *sk_cfgzk_open(const char *connect, const char *digest_file, char *err, size_t errlen)
{
    sk_zkauth_t *za = NULL;
    if (digest_file) {
        char why[512];
        if (sk_zkauth_load(digest_file, &za, why, sizeof(why)) != SK_OK) {
            snprintf(err, errlen, "--zk-digest-file: %s", why);
            return NULL;
        }
    }
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    FILE *sink = getenv("SKEIN_ZK_LOG") ? NULL : fopen("/dev/null", "w");
    if (sink)
        zoo_set_log_stream(sink);
    zhandle_t *zh = zookeeper_init(connect, NULL, 30000, NULL, NULL, 0);
    if (!zh) {
        snprintf(err, errlen, "cannot use ZooKeeper connect string '%s': %s", connect,
                 strerror(errno));
        sk_zkauth_free(za);
        return NULL;
    }
    if (za) {
        /* queued now, sent before any request once the session is up */
        sk_zkauth_add(zh, sk_zkauth_credential(za));
        zoo_set_context(zh, &secure_mark);
        sk_zkauth_free(za);
    }
    for (int i = 0; i < 150 && zoo_state(zh) != ZOO_CONNECTED_STATE; i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (zoo_state(zh) != ZOO_CONNECTED_STATE) {
        snprintf(err, errlen, "cannot connect to ZooKeeper at %s within 15 s", connect);
        zookeeper_close(zh);
        return NULL;
    }
    return zh;
}

char *sk_cfgzk_get(zhandle_t *zh, const char *path, int *len, struct Stat *st, int *zrc)
{
    char *buf = sk_malloc(MAX_DATA + 1);
    int l = MAX_DATA;
    *zrc = zoo_get(zh, path, 0, buf, &l, st);
    if (*zrc != ZOK || l < 0) {
        free(buf);
        if (*zrc == ZOK)
            *zrc = ZNONODE; /* null data: no config */
        return NULL;
    }
    buf[l] = '\0';
    *len = l;
    return buf;
}

int sk_cfgzk_parents(zhandle_t *zh, const char *path)
{
    char *p = sk_strdup(path);
    int zrc = ZOK;
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        zrc = zoo_create(zh, p, NULL, -1, sk_cfgzk_acl(zh, p), 0, NULL, 0);
        *s = '/';
        if (zrc != ZOK && zrc != ZNODEEXISTS)
            break;
        zrc = ZOK;
    }
    free(p);
    return zrc;
}

int sk_cfgzk_notify(zhandle_t *zh, const char *entity_path)
{
    const char *slash = strchr(entity_path, '/');
    char *type = sk_strndup(entity_path, (size_t)(slash - entity_path));
    char *note = sk_znode_config_change_encode(type, slash + 1);
    free(type);
    const char *path = SK_ZNODE_CONFIG_CHANGES "/" SK_ZNODE_CONFIG_CHANGE_PREFIX;
    int zrc = sk_cfgzk_parents(zh, path);
    if (zrc == ZOK)
        zrc = zoo_create(zh, path, note, (int)strlen(note), sk_cfgzk_acl(zh, path), ZOO_SEQUENCE,
                         NULL, 0);
    free(note);
    return zrc;
}

/* ---- describe -------------------------------------------------------- */

static int describe_one(zhandle_t *zh, const sk_cfg_entity_t *ent)
{
    char *ep = sk_cfg_entity_path(ent);
    char *path = sk_asprintf("/config/%s", ep);
    char *label = sk_cfg_entity_label(ent);
    int len = 0, zrc, rc = 0;
    struct Stat st;
    char *data = sk_cfgzk_get(zh, path, &len, &st, &zrc);
    sk_znode_config_t cfg = {0};
    char err[256];
    if (!data && zrc != ZNONODE) {
        fprintf(stderr, "skein-configs: reading %s: %s\n", path, zerror(zrc));
        rc = 1;
    } else if (data && sk_znode_config_decode(data, (size_t)len, &cfg, err, sizeof(err)) !=
                           SK_OK) {
        fprintf(stderr, "skein-configs: %s is not Kafka's configuration JSON: %s\n", path, err);
        rc = 1;
    } else {
        printf("Configs for %s are ", label);
        for (int i = 0; i < cfg.n; i++)
            printf("%s%s=%s", i ? "," : "", cfg.keys[i], cfg.values[i]);
        printf("\n");
    }
    sk_znode_config_clear(&cfg);
    free(data);
    free(label);
    free(path);
    free(ep);
    return rc;
}

int sk_cfgzk_describe(zhandle_t *zh, const sk_cfg_cmd_t *cmd)
{
    const sk_cfg_entity_t *ent = &cmd->ent;
    int last = ent->n - 1;
    if (ent->name[last] || ent->def[last])
        return describe_one(zh, ent);
    /* every entity of the (last) type */
    char *parent;
    if (ent->n == 2) {
        sk_cfg_entity_t up = *ent;
        up.n = 1;
        char *ep = sk_cfg_entity_path(&up);
        parent = sk_asprintf("/config/%s/%s", ep, ent->type[1]);
        free(ep);
    } else {
        parent = sk_asprintf("/config/%s", ent->type[0]);
    }
    struct String_vector v = {0, NULL};
    int zrc = zoo_get_children(zh, parent, 0, &v);
    free(parent);
    if (zrc == ZNONODE)
        return 0;
    if (zrc != ZOK) {
        fprintf(stderr, "skein-configs: listing the %s: %s\n", ent->type[last], zerror(zrc));
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < v.count; i++) {
        sk_cfg_entity_t one = *ent;
        one.name[last] = v.data[i];
        one.def[last] = strcmp(v.data[i], "<default>") == 0;
        rc |= describe_one(zh, &one);
    }
    deallocate_String_vector(&v);
    return rc;
}

/* ---- alter ----------------------------------------------------------- */

int sk_cfgzk_alter(zhandle_t *zh, const sk_cfg_cmd_t *cmd)
{
    const sk_cfg_entity_t *ent = &cmd->ent;
    const char *type = ent->type[ent->n - 1];
    char err[768];
    for (int i = 0; i < cmd->n_add; i++)
        if (sk_cfg_check(type, cmd->add[i].key, cmd->add[i].value, err, sizeof(err)) != 0) {
            fprintf(stderr, "skein-configs: %s\n", err);
            return 2;
        }
    for (int i = 0; i < cmd->n_del; i++)
        if (sk_cfg_check(type, cmd->del[i], NULL, err, sizeof(err)) != 0) {
            fprintf(stderr, "skein-configs: %s\n", err);
            return 2;
        }
    for (int i = 0; strcmp(type, "brokers") == 0 && i < cmd->n_add; i++) {
        char l[128];
        int k = sk_conf_listener_key(cmd->add[i].key, l, sizeof(l));
        if (k >= 0 && ent->def[ent->n - 1]) {
            fprintf(stderr, "skein-configs: Cannot update these configs at default cluster "
                    "level, broker id must be specified: Set(%s)\n", cmd->add[i].key);
            return 2;
        }
        if (k >= 0 && sk_conf_key_sensitive(k)) {
            /* the broker stores it encrypted with its password.encoder.secret */
            fprintf(stderr, "skein-configs: %s is a password, which the broker encrypts "
                    "before it is written: set it with --bootstrap-server\n", cmd->add[i].key);
            return 2;
        }
    }
    char *ep = sk_cfg_entity_path(ent);
    char *path = sk_asprintf("/config/%s", ep);
    int rc = 1;
    for (int attempt = 0; attempt < 10; attempt++) {
        int len = 0, zrc;
        struct Stat st;
        char *data = sk_cfgzk_get(zh, path, &len, &st, &zrc);
        if (!data && zrc != ZNONODE) {
            fprintf(stderr, "skein-configs: reading %s: %s\n", path, zerror(zrc));
            break;
        }
        sk_znode_config_t cur = {0};
        if (data && sk_znode_config_decode(data, (size_t)len, &cur, err, sizeof(err)) != SK_OK) {
            fprintf(stderr, "skein-configs: %s is not Kafka's configuration JSON (%s); not "
                    "changed\n", path, err);
            free(data);
            break;
        }
        /* the new settings: the current ones without the deleted keys and
         * those given again, then the given ones in their order */
        int cap = cur.n + cmd->n_add + 1, n = 0;
        const char **k = sk_calloc((size_t)cap, sizeof(char *));
        const char **v = sk_calloc((size_t)cap, sizeof(char *));
        int missing = -1;
        for (int d = 0; d < cmd->n_del; d++) {
            int found = 0;
            for (int i = 0; i < cur.n; i++)
                found |= strcmp(cur.keys[i], cmd->del[d]) == 0;
            if (!found)
                missing = d;
        }
        for (int i = 0; i < cur.n; i++) {
            int drop = 0;
            for (int d = 0; d < cmd->n_del; d++)
                drop |= strcmp(cur.keys[i], cmd->del[d]) == 0;
            for (int a = 0; a < cmd->n_add; a++)
                drop |= strcmp(cur.keys[i], cmd->add[a].key) == 0;
            if (!drop) {
                k[n] = cur.keys[i];
                v[n++] = cur.values[i];
            }
        }
        for (int a = 0; a < cmd->n_add; a++) {
            k[n] = cmd->add[a].key;
            v[n++] = cmd->add[a].value;
        }
        if (missing >= 0) {
            /* Kafka's tool: "Invalid config(s): k" for deleting what is not set */
            fprintf(stderr, "skein-configs: Invalid config(s): %s\n", cmd->del[missing]);
            free(k);
            free(v);
            sk_znode_config_clear(&cur);
            free(data);
            rc = 2;
            break;
        }
        char *json = sk_znode_config_encode(k, v, n);
        free(k);
        free(v);
        sk_znode_config_clear(&cur);
        free(data);
        if (zrc == ZNONODE) {
            zrc = sk_cfgzk_parents(zh, path);
            if (zrc == ZOK)
                zrc = zoo_create(zh, path, json, (int)strlen(json), sk_cfgzk_acl(zh, path), 0,
                                 NULL, 0);
        } else {
            zrc = zoo_set(zh, path, json, (int)strlen(json), st.version);
        }
        free(json);
        if (zrc == ZNODEEXISTS || zrc == ZBADVERSION || zrc == ZNONODE)
            continue; /* changed meanwhile: read it again */
        if (zrc != ZOK) {
            fprintf(stderr, "skein-configs: writing %s: %s\n", path, zerror(zrc));
            break;
        }
        zrc = sk_cfgzk_notify(zh, ep);
        if (zrc != ZOK)
            fprintf(stderr, "skein-configs: warning: no change notification: %s\n",
                    zerror(zrc));
        char *label = sk_cfg_entity_label(ent);
        printf("Completed updating config for entity: %s.\n", label);
        free(label);
        rc = 0;
        break;
    }
    free(path);
    free(ep);
    return rc;
}
