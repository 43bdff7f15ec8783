/* skein-configs - SCRAM users in ZooKeeper, as Kafka's kafka-configs.sh
 * --zookeeper writes them (issue 10 part 2):
 *
 *   skein-configs --zookeeper HOST:PORT[/chroot] --entity-type users --entity-name alice
 *       --alter --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret],
 *                             SCRAM-SHA-512=[password=alice-secret]'
 *   skein-configs --zookeeper ... --entity-type users --entity-name alice
 *       --alter --delete-config SCRAM-SHA-512
 *   skein-configs --zookeeper ... --entity-type users [--entity-name alice] --describe
 *
 * --alter writes /config/users/<user> (Kafka's JSON: salt, StoredKey,
 * ServerKey, iterations; a fresh random salt; other configs of the user,
 * such as quotas, are kept; a conditional write, so a concurrent change is
 * never lost) and announces it under /config/changes as Kafka does. Brokers
 * read the credential at each login, so it counts at once. --describe
 * prints mechanisms and iterations, never a credential.
 *
 * Exit status: 0 done, 1 a ZooKeeper failure or a user without configs, 2
 * bad usage. Blocking calls of libzookeeper_mt: a command-line tool only.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef THREADED
#define THREADED
#endif
#include <zookeeper/zookeeper.h>

#include "kerr.h"
#include "mem.h"
#include "scram.h"

#define MAX_DATA (1024 * 1024)

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: skein-configs --zookeeper HOST:PORT[,...][/chroot] --entity-type users\n"
            "         [--entity-name USER] (--describe | --alter [--add-config C] [--delete-config M])\n"
            "  --add-config 'SCRAM-SHA-256=[iterations=N,password=P],SCRAM-SHA-512=[password=P]'\n"
            "                  set a user's SCRAM credentials (iterations 4096..16384, default 4096)\n"
            "  --delete-config SCRAM-SHA-256[,SCRAM-SHA-512]\n"
            "                  remove them\n"
            "  --describe      the user's (or every user's) mechanisms and iterations\n"
            "Only SCRAM credentials of users, through ZooKeeper (--bootstrap-server and the\n"
            "other entity types of kafka-configs.sh are not supported).\n");
}

/* One --add-config entry: SCRAM-SHA-x=[iterations=N,password=P]. */
typedef struct {
    int mech;
    int iterations;
    char *password;
} add_t;

/* Parse "M=[k=v,...],M2=[...]" (Kafka's syntax; the password may not hold
 * ',' or ']', as there). Returns the count or -1 with a reason. */
static int parse_add(const char *s, add_t *out, int max, char *err, size_t errlen)
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

static zhandle_t *zk_open(const char *connect, char *err, size_t errlen)
{
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    FILE *sink = getenv("SKEIN_ZK_LOG") ? NULL : fopen("/dev/null", "w");
    if (sink)
        zoo_set_log_stream(sink);
    zhandle_t *zh = zookeeper_init(connect, NULL, 30000, NULL, NULL, 0);
    if (!zh) {
        snprintf(err, errlen, "cannot use ZooKeeper connect string '%s': %s", connect,
                 strerror(errno));
        return NULL;
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

/* A node's data (allocated, NUL-terminated), or NULL: *zrc says why. */
static char *zk_get(zhandle_t *zh, const char *path, int *len, struct Stat *st, int *zrc)
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

static int describe_user(zhandle_t *zh, const char *user)
{
    char *path = sk_asprintf("/config/users/%s", user);
    int len = 0, zrc;
    struct Stat st;
    char *data = zk_get(zh, path, &len, &st, &zrc);
    free(path);
    if (!data) {
        if (zrc == ZNONODE) {
            printf("SCRAM credential configs for user-principal '%s' are \n", user);
            return 0;
        }
        fprintf(stderr, "skein-configs: reading /config/users/%s: %s\n", user, zerror(zrc));
        return 1;
    }
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

static int describe(zhandle_t *zh, const char *user)
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

/* Create path's missing parents (persistent, no data). */
static int zk_parents(zhandle_t *zh, const char *path)
{
    char *p = sk_strdup(path);
    int zrc = ZOK;
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        zrc = zoo_create(zh, p, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        *s = '/';
        if (zrc != ZOK && zrc != ZNODEEXISTS)
            break;
        zrc = ZOK;
    }
    free(p);
    return zrc;
}

static int alter(zhandle_t *zh, const char *user, const add_t *adds, int nadd,
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
        char *data = zk_get(zh, path, &len, &st, &zrc);
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
            zrc = zk_parents(zh, path);
            if (zrc == ZOK)
                zrc = zoo_create(zh, path, json, (int)strlen(json), &ZOO_OPEN_ACL_UNSAFE, 0,
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
        char *note = sk_asprintf("{\"version\":2,\"entity_path\":\"users/%s\"}", user);
        zrc = zk_parents(zh, "/config/changes/config_change_");
        if (zrc == ZOK)
            zrc = zoo_create(zh, "/config/changes/config_change_", note, (int)strlen(note),
                             &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, NULL, 0);
        free(note);
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

int main(int argc, char **argv)
{
    enum { O_ZK = 1, O_BOOT, O_TYPE, O_NAME, O_ALTER, O_DESCRIBE, O_ADD, O_DEL, O_HELP };
    static const struct option opts[] = {
        {"zookeeper", required_argument, NULL, O_ZK},
        {"bootstrap-server", required_argument, NULL, O_BOOT},
        {"entity-type", required_argument, NULL, O_TYPE},
        {"entity-name", required_argument, NULL, O_NAME},
        {"alter", no_argument, NULL, O_ALTER},
        {"describe", no_argument, NULL, O_DESCRIBE},
        {"add-config", required_argument, NULL, O_ADD},
        {"delete-config", required_argument, NULL, O_DEL},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *zk = NULL, *type = NULL, *name = NULL, *add = NULL, *del = NULL;
    int do_alter = 0, do_describe = 0, o, status = 2;
    add_t adds[4] = {{0}};
    int nadd = 0, ndel = 0;
    char *delbuf = NULL;
    const char *dels[4];
    char err[256];
    zhandle_t *zh = NULL;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_ZK: zk = optarg; break;
        case O_BOOT:
            fprintf(stderr, "skein-configs: --bootstrap-server is not supported yet; use "
                    "--zookeeper (brokers serve AlterUserScramCredentials to admin clients)\n");
            goto out;
        case O_TYPE: type = optarg; break;
        case O_NAME: name = optarg; break;
        case O_ALTER: do_alter = 1; break;
        case O_DESCRIBE: do_describe = 1; break;
        case O_ADD: add = optarg; break;
        case O_DEL: del = optarg; break;
        case O_HELP: usage(stdout); status = 0; goto out;
        default: usage(stderr); goto out;
        }
    }
    if (optind < argc || !zk || do_alter == do_describe) {
        usage(stderr);
        goto out;
    }
    if (!type || strcmp(type, "users") != 0) {
        fprintf(stderr, "skein-configs: only --entity-type users is supported\n");
        goto out;
    }
    if (do_alter && (!name || !*name || (!add && !del))) {
        fprintf(stderr, "skein-configs: --alter needs --entity-name and --add-config or "
                "--delete-config\n");
        goto out;
    }
    if (name && (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))) {
        fprintf(stderr, "skein-configs: invalid user name '%s'\n", name);
        goto out;
    }
    if (add && (nadd = parse_add(add, adds, 4, err, sizeof(err))) < 0) {
        fprintf(stderr, "skein-configs: %s\n", err);
        goto out;
    }
    if (del) {
        delbuf = sk_strdup(del);
        for (char *save = NULL, *t = strtok_r(delbuf, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            if (ndel == 4 || sk_scram_mech_parse(t) < 0) {
                fprintf(stderr, "skein-configs: --delete-config: %s is not supported (only "
                        "SCRAM-SHA-256 and SCRAM-SHA-512)\n", t);
                goto out;
            }
            dels[ndel++] = t;
        }
    }
    status = 1;
    zh = zk_open(zk, err, sizeof(err));
    if (!zh) {
        fprintf(stderr, "skein-configs: %s\n", err);
        goto out;
    }
    status = do_describe ? describe(zh, name) : alter(zh, name, adds, nadd, dels, ndel);
out:
    if (zh)
        zookeeper_close(zh);
    for (int i = 0; i < 4; i++) {
        if (adds[i].password) {
            memset(adds[i].password, 0, strlen(adds[i].password));
            free(adds[i].password);
        }
    }
    free(delbuf);
    return status;
}
