/* skein-configs - dynamic configuration, with kafka-configs.sh's flags
 * (issue 11 part 2; SCRAM users: issue 10 part 2):
 *
 *   skein-configs (--bootstrap-server B [--command-config F] | --zookeeper Z)
 *       --entity-type topics|brokers|users|clients
 *       [--entity-name N | --entity-default]
 *       (--describe [--all] | --alter [--add-config k=v,k2=[a,b]] [--delete-config k,k2])
 *
 * --zookeeper reads and writes /config/<type>/<name> in Kafka's JSON and
 * announces each change under /config/changes (configs_zk.c); users take
 * SCRAM credentials (SCRAM-SHA-256=[iterations=N,password=P]) and quota
 * keys, users and clients the quota keys. --bootstrap-server goes through
 * librdkafka's DescribeConfigs and AlterConfigs for topics and brokers
 * (configs_kafka.c). Keys and values are checked with the broker's own
 * tables before anything is written.
 *
 * Exit status: 0 done, 1 a ZooKeeper or cluster failure, 2 bad usage or a
 * refused key or value.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "configs_cmd.h"
#include "configs_kafka.h"
#include "configs_zk.h"
#include "kerr.h"
#include "mem.h"
#include "scram.h"
#include "znode.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: skein-configs (--bootstrap-server HOST:PORT[,...] [--command-config FILE] |\n"
            "                      --zookeeper HOST:PORT[,...][/chroot])\n"
            "         --entity-type topics|brokers|users|clients [--entity-name NAME | --entity-default]\n"
            "         (--describe [--all] | --alter [--add-config C] [--delete-config K,...])\n"
            "  --bootstrap-server B    through the brokers (topics and brokers; librdkafka)\n"
            "  --command-config FILE   client properties for --bootstrap-server (librdkafka names)\n"
            "  --zookeeper Z           /config/<type>/<name> in ZooKeeper (every entity type)\n"
            "  --zk-digest-file F      --zookeeper: authenticate with the brokers' credentials\n"
            "                          (username=, password=; as zookeeper.digest.file) and\n"
            "                          create znodes with Kafka's secure ACLs\n"
            "  --entity-type T         topics, brokers, users or clients; users then clients for\n"
            "                          a user's client (--entity-type users --entity-name U\n"
            "                          --entity-type clients --entity-name C)\n"
            "  --entity-name N         the topic, broker id, user or client id\n"
            "  --entity-default        the cluster default (brokers, users, clients)\n"
            "  --describe [--all]      the dynamic settings (--all: every setting in force,\n"
            "                          --bootstrap-server only)\n"
            "  --alter                 change them:\n"
            "  --add-config C          k=v,k2=[a,b]: set keys (brackets keep a list's commas);\n"
            "                          users: SCRAM-SHA-256=[iterations=N,password=P] too\n"
            "  --delete-config K,...   remove keys (SCRAM-SHA-256/512 for users)\n"
            "Topic and broker keys are checked with skeind's own tables (only keys marked\n"
            "dynamic in skein.properties(5) may change on brokers); users and clients take\n"
            "producer_byte_rate, consumer_byte_rate and request_percentage.\n");
}

/* One --add-config entry: SCRAM-SHA-x=[iterations=N,password=P]. */
typedef struct {
    int mech;
    int iterations;
    char *password;
} add_t;

/* Parse "M=[k=v,...],M2=[...]" (Kafka's syntax; the password may not hold
 * ',' or ']', as there). Returns the count or -1 with a reason. */
static int parse_scram(const char *s, add_t *out, int max, char *err, size_t errlen)
{
    int n = 0;
    const char *p = s;
    while (*p) {
        const char *eq = strchr(p, '=');
        if (!eq || eq[1] != '[') {
            snprintf(err, errlen, "--add-config: expected MECHANISM=[...] at '%s'", p);
            return -1;
        }
        char mech[32];
        snprintf(mech, sizeof(mech), "%.*s", (int)(eq - p), p);
        int m = sk_scram_mech_parse(mech);
        if (m < 0) {
            snprintf(err, errlen, "--add-config: %s is not supported (only SCRAM-SHA-256 and "
                     "SCRAM-SHA-512)", mech);
            return -1;
        }
        const char *end = strchr(eq + 2, ']');
        if (!end) {
            snprintf(err, errlen, "--add-config: missing ']' after %s", mech);
            return -1;
        }
        if (n == max) {
            snprintf(err, errlen, "--add-config: too many entries");
            return -1;
        }
        add_t *a = &out[n];
        a->mech = m;
        a->iterations = SK_SCRAM_MIN_ITERATIONS;
        a->password = NULL;
        for (const char *q = eq + 2; q < end;) {
            const char *comma = memchr(q, ',', (size_t)(end - q));
            const char *stop = comma ? comma : end;
            const char *e = memchr(q, '=', (size_t)(stop - q));
            if (!e) {
                snprintf(err, errlen, "--add-config: expected key=value inside [] of %s", mech);
                return -1;
            }
            size_t kl = (size_t)(e - q);
            if (kl == 8 && strncmp(q, "password", 8) == 0) {
                free(a->password);
                a->password = sk_strndup(e + 1, (size_t)(stop - e - 1));
            } else if (kl == 10 && strncmp(q, "iterations", 10) == 0) {
                char num[16];
                snprintf(num, sizeof(num), "%.*s", (int)(stop - e - 1), e + 1);
                char *x = NULL;
                long v = strtol(num, &x, 10);
                if (!*num || *x || v < SK_SCRAM_MIN_ITERATIONS || v > SK_SCRAM_MAX_ITERATIONS) {
                    snprintf(err, errlen, "--add-config: iterations of %s must be %d..%d", mech,
                             SK_SCRAM_MIN_ITERATIONS, SK_SCRAM_MAX_ITERATIONS);
                    return -1;
                }
                a->iterations = (int)v;
            } else {
                snprintf(err, errlen, "--add-config: unknown key '%.*s' for %s", (int)kl, q,
                         mech);
                return -1;
            }
            q = comma ? comma + 1 : end;
        }
        if (!a->password || !*a->password) {
            snprintf(err, errlen, "--add-config: %s needs password=...", mech);
            return -1;
        }
        n++;
        p = end + 1;
        if (*p == ',')
            p++;
        else if (*p) {
            snprintf(err, errlen, "--add-config: expected ',' after ']' at '%s'", p);
            return -1;
        }
    }
    return n;
}

static int describe_user(zhandle_t *zh, const char *user)
{
    char *path = sk_asprintf("/config/users/%s", user);
    int len = 0, zrc;
    struct Stat st;
    char *data = sk_cfgzk_get(zh, path, &len, &st, &zrc);
    free(path);
    if (!data) {
        if (zrc == ZNONODE) {
            printf("SCRAM credential configs for user-principal '%s' are \n", user);
            return 0;
        }
        fprintf(stderr, "skein-configs: reading /config/users/%s: %s\n", user, zerror(zrc));
        return 1;
    }
    /* the user's other settings (quotas) first, as Kafka's tool prints them */
    sk_znode_config_t cfg = {0};
    char derr[256];
    if (sk_znode_config_decode(data, (size_t)len, &cfg, derr, sizeof(derr)) == SK_OK) {
        int any = 0;
        for (int i = 0; i < cfg.n; i++) {
            if (!strncmp(cfg.keys[i], "SCRAM-", 6))
                continue;
            if (!any)
                printf("Quota configs for user-principal '%s' are ", user);
            printf("%s%s=%s", any ? "," : "", cfg.keys[i], cfg.values[i]);
            any = 1;
        }
        if (any)
            printf("\n");
    }
    sk_znode_config_clear(&cfg);
    printf("SCRAM credential configs for user-principal '%s' are ", user);
    int first = 1;
    for (int m = SK_SCRAM_SHA_256; m <= SK_SCRAM_SHA_512; m++) {
        sk_scram_cred_t c;
        char err[256];
        int rc = sk_scram_user_config_parse(data, (size_t)len, (sk_scram_mech_t)m, &c, err,
                                            sizeof(err));
        if (rc == SK_ENOENT)
            continue;
        if (rc != SK_OK) {
            printf("%s%s=(unreadable: %s)", first ? "" : ", ", sk_scram_mech_name(m), err);
        } else {
            printf("%s%s=iterations=%d", first ? "" : ", ", sk_scram_mech_name(m),
                   c.iterations);
        }
        first = 0;
    }
    printf("\n");
    free(data);
    return 0;
}

static int describe_users(zhandle_t *zh, const char *user)
{
    if (user)
        return describe_user(zh, user);
    struct String_vector v = {0, NULL};
    int zrc = zoo_get_children(zh, "/config/users", 0, &v);
    if (zrc == ZNONODE)
        return 0;
    if (zrc != ZOK) {
        fprintf(stderr, "skein-configs: listing /config/users: %s\n", zerror(zrc));
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < v.count; i++)
        rc |= describe_user(zh, v.data[i]);
    deallocate_String_vector(&v);
    return rc;
}

static int alter_scram(zhandle_t *zh, const char *user, const add_t *adds, int nadd,
                 const char *const *dels, int ndel)
{
    char err[256];
    sk_scram_cred_t creds[4];
    for (int i = 0; i < nadd; i++) {
        if (sk_scram_cred_from_password((sk_scram_mech_t)adds[i].mech, adds[i].password, NULL,
                                        0, adds[i].iterations, &creds[i]) != SK_OK) {
            fprintf(stderr, "skein-configs: cannot derive the %s credential\n",
                    sk_scram_mech_name(adds[i].mech));
            return 1;
        }
    }
    char *path = sk_asprintf("/config/users/%s", user);
    int rc = 1;
    for (int attempt = 0; attempt < 10; attempt++) {
        int len = 0, zrc;
        struct Stat st;
        char *data = sk_cfgzk_get(zh, path, &len, &st, &zrc);
        if (!data && zrc != ZNONODE) {
            fprintf(stderr, "skein-configs: reading %s: %s\n", path, zerror(zrc));
            break;
        }
        char *json = sk_scram_user_config_update(data, data ? (size_t)len : 0, creds, nadd,
                                                 dels, ndel, err, sizeof(err));
        free(data);
        if (!json) {
            fprintf(stderr, "skein-configs: %s: %s\n", path, err);
            break;
        }
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
        /* Kafka's change notification (brokers read at each login anyway) */
        char *ep = sk_asprintf("users/%s", user);
        zrc = sk_cfgzk_notify(zh, ep);
        free(ep);
        if (zrc != ZOK)
            fprintf(stderr, "skein-configs: warning: no change notification: %s\n",
                    zerror(zrc));
        printf("Completed updating config for user %s.\n", user);
        rc = 0;
        break;
    }
    memset(creds, 0, sizeof(creds));
    free(path);
    return rc;
}

static int is_scram(const char *s)
{
    return s && strstr(s, "SCRAM-SHA-") != NULL;
}

/* --entity-type / --entity-name / --entity-default, in order. */
static int add_entity(sk_cfg_entity_t *e, int what, const char *arg)
{
    if (what == 't') {
        if (e->n == 2)
            return -1;
        e->type[e->n++] = arg;
        return 0;
    }
    if (e->n == 0 || e->name[e->n - 1] || e->def[e->n - 1])
        return -1;
    if (what == 'n')
        e->name[e->n - 1] = arg;
    else
        e->def[e->n - 1] = 1;
    return 0;
}

static int check_entity(const sk_cfg_entity_t *e, int alter)
{
    static const char *const types[] = {"topics", "brokers", "users", "clients"};
    if (e->n == 0) {
        fprintf(stderr, "skein-configs: --entity-type is required\n");
        return -1;
    }
    for (int k = 0; k < e->n; k++) {
        int ok = 0;
        for (int t = 0; t < 4; t++)
            ok |= strcmp(e->type[k], types[t]) == 0;
        if (!ok) {
            fprintf(stderr, "skein-configs: --entity-type must be topics, brokers, users or "
                    "clients, not '%s'\n", e->type[k]);
            return -1;
        }
        const char *n = e->name[k];
        if (n && (!*n || !strcmp(n, ".") || !strcmp(n, "..") ||
                  (strchr(n, '/') && strcmp(e->type[k], "users") && strcmp(e->type[k], "clients")))) {
            fprintf(stderr, "skein-configs: invalid entity name '%s'\n", n);
            return -1;
        }
        if (e->def[k] && !strcmp(e->type[k], "topics")) {
            fprintf(stderr, "skein-configs: --entity-default applies to brokers, users and "
                    "clients\n");
            return -1;
        }
        if (n && !strcmp(e->type[k], "brokers")) {
            char *end = NULL;
            long id = strtol(n, &end, 10);
            if (*end || id < 0 || id > 2147483647L) {
                fprintf(stderr, "skein-configs: the entity name for brokers must be a broker "
                        "id, not '%s'\n", n);
                return -1;
            }
        }
    }
    if (e->n == 2 && (strcmp(e->type[0], "users") || strcmp(e->type[1], "clients"))) {
        fprintf(stderr, "skein-configs: two entity types only as users then clients\n");
        return -1;
    }
    if (alter && !e->name[e->n - 1] && !e->def[e->n - 1]) {
        fprintf(stderr, "skein-configs: --alter needs --entity-name or --entity-default\n");
        return -1;
    }
    if (e->n == 2 && !e->name[0] && !e->def[0]) {
        fprintf(stderr, "skein-configs: the user needs --entity-name or --entity-default\n");
        return -1;
    }
    return 0;
}

/* --zookeeper, SCRAM credentials of one user (their own syntax). */
static int scram_cmd(zhandle_t *zh, const sk_cfg_cmd_t *cmd)
{
    add_t adds[4] = {{0}};
    int nadd = 0, ndel = 0, rc = 2;
    const char *dels[4];
    char err[256];
    char *delbuf = NULL;
    const char *user = cmd->ent.name[0];
    if (cmd->ent.n != 1 || !user) {
        fprintf(stderr, "skein-configs: SCRAM credentials need --entity-type users "
                "--entity-name USER\n");
        return 2;
    }
    if (cmd->add_raw && (nadd = parse_scram(cmd->add_raw, adds, 4, err, sizeof(err))) < 0) {
        fprintf(stderr, "skein-configs: %s\n", err);
        goto out;
    }
    if (cmd->del_raw) {
        delbuf = sk_strdup(cmd->del_raw);
        for (char *save = NULL, *t = strtok_r(delbuf, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            if (ndel == 4 || sk_scram_mech_parse(t) < 0) {
                fprintf(stderr, "skein-configs: --delete-config: %s is not supported with "
                        "SCRAM credentials (SCRAM-SHA-256 and SCRAM-SHA-512)\n", t);
                goto out;
            }
            dels[ndel++] = t;
        }
    }
    rc = alter_scram(zh, user, adds, nadd, dels, ndel);
out:
    for (int i = 0; i < 4; i++) {
        if (adds[i].password) {
            memset(adds[i].password, 0, strlen(adds[i].password));
            free(adds[i].password);
        }
    }
    free(delbuf);
    return rc;
}

static int zk_cmd(const sk_cfg_cmd_t *cmd)
{
    char err[256];
    zhandle_t *zh = sk_cfgzk_open(cmd->zookeeper, cmd->zk_digest_file, err, sizeof(err));
    if (!zh) {
        fprintf(stderr, "skein-configs: %s\n", err);
        return 1;
    }
    int rc;
    int users = cmd->ent.n == 1 && !strcmp(cmd->ent.type[0], "users");
    if (cmd->alter && users && (is_scram(cmd->add_raw) || is_scram(cmd->del_raw)))
        rc = scram_cmd(zh, cmd);
    else if (cmd->describe && users && !cmd->ent.def[0])
        rc = describe_users(zh, cmd->ent.name[0]);
    else if (cmd->describe)
        rc = sk_cfgzk_describe(zh, cmd);
    else
        rc = sk_cfgzk_alter(zh, cmd);
    zookeeper_close(zh);
    return rc;
}

int main(int argc, char **argv)
{
    enum { O_ZK = 1, O_BOOT, O_CMDCFG, O_TYPE, O_NAME, O_DEFAULT, O_ALTER, O_DESCRIBE, O_ALL,
           O_ADD, O_DEL, O_HELP, O_ZK_DIGEST };
    static const struct option opts[] = {
        {"zookeeper", required_argument, NULL, O_ZK},
        {"zk-digest-file", required_argument, NULL, O_ZK_DIGEST},
        {"bootstrap-server", required_argument, NULL, O_BOOT},
        {"command-config", required_argument, NULL, O_CMDCFG},
        {"entity-type", required_argument, NULL, O_TYPE},
        {"entity-name", required_argument, NULL, O_NAME},
        {"entity-default", no_argument, NULL, O_DEFAULT},
        {"alter", no_argument, NULL, O_ALTER},
        {"describe", no_argument, NULL, O_DESCRIBE},
        {"all", no_argument, NULL, O_ALL},
        {"add-config", required_argument, NULL, O_ADD},
        {"delete-config", required_argument, NULL, O_DEL},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    sk_cfg_cmd_t cmd;
    memset(&cmd, 0, sizeof(cmd));
    int o, status = 2;
    char err[512];
    char *delbuf = NULL;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_ZK: cmd.zookeeper = optarg; break;
        case O_ZK_DIGEST: cmd.zk_digest_file = optarg; break;
        case O_BOOT: cmd.bootstrap = optarg; break;
        case O_CMDCFG: cmd.command_config = optarg; break;
        case O_TYPE:
        case O_NAME:
        case O_DEFAULT:
            if (add_entity(&cmd.ent, o == O_TYPE ? 't' : o == O_NAME ? 'n' : 'd', optarg) != 0) {
                fprintf(stderr, "skein-configs: --entity-name or --entity-default follows its "
                        "--entity-type (at most users then clients)\n");
                goto out;
            }
            break;
        case O_ALTER: cmd.alter = 1; break;
        case O_DESCRIBE: cmd.describe = 1; break;
        case O_ALL: cmd.all = 1; break;
        case O_ADD: cmd.add_raw = optarg; break;
        case O_DEL: cmd.del_raw = optarg; break;
        case O_HELP: usage(stdout); status = 0; goto out;
        default: usage(stderr); goto out;
        }
    }
    if (optind < argc || cmd.alter == cmd.describe || !cmd.zookeeper == !cmd.bootstrap) {
        usage(stderr);
        goto out;
    }
    if (cmd.zk_digest_file && !cmd.zookeeper) {
        fprintf(stderr, "skein-configs: --zk-digest-file needs --zookeeper\n");
        goto out;
    }
    if (check_entity(&cmd.ent, cmd.alter) != 0)
        goto out;
    if (cmd.all && (cmd.alter || cmd.zookeeper)) {
        fprintf(stderr, "skein-configs: --all goes with --describe and --bootstrap-server\n");
        goto out;
    }
    if (cmd.alter && !cmd.add_raw && !cmd.del_raw) {
        fprintf(stderr, "skein-configs: --alter needs --add-config or --delete-config\n");
        goto out;
    }
    if (cmd.add_raw && !is_scram(cmd.add_raw) &&
        sk_cfg_parse_add(cmd.add_raw, &cmd.add, &cmd.n_add, err, sizeof(err)) != 0) {
        fprintf(stderr, "skein-configs: %s\n", err);
        goto out;
    }
    if (cmd.del_raw && !is_scram(cmd.del_raw)) {
        delbuf = sk_strdup(cmd.del_raw);
        for (char *save = NULL, *t = strtok_r(delbuf, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            cmd.del = sk_realloc(cmd.del, (size_t)(cmd.n_del + 1) * sizeof(char *));
            cmd.del[cmd.n_del++] = t;
        }
    }
    for (int i = 0; i < cmd.n_add; i++)
        for (int d = 0; d < cmd.n_del; d++)
            if (!strcmp(cmd.add[i].key, cmd.del[d])) {
                fprintf(stderr, "skein-configs: %s is both added and deleted\n", cmd.del[d]);
                goto out;
            }
    status = cmd.zookeeper ? zk_cmd(&cmd) : sk_cfgkafka_run(&cmd);
out:
    sk_cfg_kv_free(cmd.add, cmd.n_add);
    free(cmd.del);
    free(delbuf);
    return status;
}
