/* skein-zookeeper-security-migration - Kafka's zookeeper-security-migration.sh
 * for Skein: every znode of the cluster at --zookeeper.connect gets Kafka's
 * secure ACLs (--zookeeper.acl=secure) or open ones (unsecure). The brokers'
 * digest identity comes from --zk-digest-file (Skein's credentials file, as
 * zookeeper.digest.file), where Kafka's tool reads a JAAS file. */
#include "config.h"

#define THREADED /* the synchronous API */
#include <zookeeper/zookeeper.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "mem.h"
#include "toolopt.h"
#include "topics_zk.h"
#include "zkmigrate.h"

enum { O_ACL = 256, O_CONNECT, O_SESSION, O_CONNECTION, O_PATH_CHECK, O_DIGEST, O_HELP,
       O_VERSION };

static const struct option opts[] = {
    {"zookeeper.acl", required_argument, NULL, O_ACL},
    {"zookeeper.connect", required_argument, NULL, O_CONNECT},
    {"zookeeper.session.timeout", required_argument, NULL, O_SESSION},
    {"zookeeper.connection.timeout", required_argument, NULL, O_CONNECTION},
    {"enable.path.check", no_argument, NULL, O_PATH_CHECK},
    {"zk-digest-file", required_argument, NULL, O_DIGEST},
    {"help", no_argument, NULL, O_HELP},
    {"version", no_argument, NULL, O_VERSION},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
    fputs("Usage: skein-zookeeper-security-migration --zookeeper.acl secure|unsecure\n"
          "           --zookeeper.connect HOST:PORT[/CHROOT] [--zk-digest-file FILE]\n"
          "           [--zookeeper.connection.timeout MS] [--zookeeper.session.timeout MS]\n"
          "           [--enable.path.check]\n"
          "\n"
          "Sets Kafka's ACLs on every znode of the cluster below the connect string's root\n"
          "(the chroot node included; ZooKeeper's own /zookeeper left alone), as Kafka's\n"
          "zookeeper-security-migration.sh: secure gives the brokers' identity every\n"
          "permission and everyone else read, except under /config/users, /config/brokers\n"
          "and /delegation_token (no read for others); unsecure opens every znode.\n"
          "\n"
          "  --zookeeper.acl secure|unsecure   the ACLs to set (required)\n"
          "  --zookeeper.connect CONNECT       as zookeeper.connect (required)\n"
          "  --zk-digest-file FILE             the brokers' digest identity (username=,\n"
          "                                    password=, as zookeeper.digest.file); required\n"
          "                                    for secure, and for unsecure on secured znodes\n"
          "  --zookeeper.connection.timeout MS wait this long for the session (default 30000)\n"
          "  --zookeeper.session.timeout MS    accepted for Kafka's command lines (default\n"
          "                                    30000)\n"
          "  --enable.path.check               first check that the chroot exists\n"
          "  --help                            this text\n"
          "\n"
          "Exit status: 0 every znode set, 1 ZooKeeper refused or failed (the znodes set\n"
          "before the failure keep their new ACL; run it again), 2 usage error.\n",
          out);
}

int main(int argc, char **argv)
{
    const char *acl = NULL, *connect = NULL, *digest = NULL;
    long long conn_ms = 30000, session_ms = 30000;
    int path_check = 0, ch;
    char err[1024] = "", e[256];
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        int rc = SK_OK;
        switch (ch) {
        case O_ACL: acl = optarg; break;
        case O_CONNECT: connect = optarg; break;
        case O_DIGEST: digest = optarg; break;
        case O_PATH_CHECK: path_check = 1; break;
        case O_CONNECTION: rc = sk_topt_int(optarg, 1, INT32_MAX, &conn_ms, e, sizeof(e)); break;
        case O_SESSION: rc = sk_topt_int(optarg, 1, INT32_MAX, &session_ms, e, sizeof(e)); break;
        case 'h':
        case O_HELP: usage(stdout); return SK_TOOL_EXIT_OK;
        case O_VERSION: printf("skein-zookeeper-security-migration %s\n", PACKAGE_VERSION);
            return SK_TOOL_EXIT_OK;
        case ':': snprintf(err, sizeof(err), "option %s needs a value", argv[optind - 1]); break;
        default: snprintf(err, sizeof(err), "unknown option %s", argv[optind - 1]); break;
        }
        if (rc != SK_OK)
            snprintf(err, sizeof(err), "%s: %s", argv[optind - 1], e);
        if (err[0])
            break;
    }
    if (!err[0] && optind < argc)
        snprintf(err, sizeof(err), "unexpected argument '%s'", argv[optind]);
    if (!err[0] && (!acl || !connect))
        snprintf(err, sizeof(err), "--zookeeper.acl and --zookeeper.connect are required");
    if (!err[0] && strcmp(acl, "secure") != 0 && strcmp(acl, "unsecure") != 0)
        snprintf(err, sizeof(err), "--zookeeper.acl must be secure or unsecure, not '%s'", acl);
    int secure = acl && strcmp(acl, "secure") == 0;
    if (!err[0] && secure && !digest)
        snprintf(err, sizeof(err), "--zookeeper.acl secure needs the brokers' identity: "
                                   "--zk-digest-file");
    if (err[0]) {
        fprintf(stderr, "skein-zookeeper-security-migration: %s\nTry "
                        "'skein-zookeeper-security-migration --help' for more information.\n",
                err);
        return SK_TOOL_EXIT_USAGE;
    }
    (void)session_ms;
    const char *slash = strchr(connect, '/');
    int chrooted = slash && slash[1] != '\0';
    if (path_check && chrooted) {
        /* the chroot is checked through a connection without it */
        char *base = sk_asprintf("%.*s", (int)(slash - connect), connect);
        sk_tzk_t *zb = NULL;
        int rc = sk_tzk_open(base, digest, (int)conn_ms, &zb, err, sizeof(err));
        if (rc == SK_OK && zoo_exists(sk_tzk_handle(zb), slash, 0, NULL) == ZNONODE) {
            snprintf(err, sizeof(err), "the chroot %s does not exist", slash);
            rc = SK_ENOENT;
        }
        if (zb)
            sk_tzk_close(zb);
        free(base);
        if (rc != SK_OK) {
            fprintf(stderr, "ERROR %s\n", err);
            return rc == SK_EINVAL ? SK_TOOL_EXIT_USAGE : SK_TOOL_EXIT_FAIL;
        }
    }
    sk_tzk_t *z = NULL;
    int rc = sk_tzk_open(connect, digest, (int)conn_ms, &z, err, sizeof(err));
    if (rc != SK_OK) {
        fprintf(stderr, "ERROR %s\n", err);
        return rc == SK_EINVAL ? SK_TOOL_EXIT_USAGE : SK_TOOL_EXIT_FAIL;
    }
    sk_zkmigrate_stats_t st;
    rc = sk_zkmigrate_run(sk_tzk_handle(z), secure, chrooted, &st, err, sizeof(err));
    sk_tzk_close(z);
    if (rc != SK_OK) {
        fprintf(stderr, "ERROR %s (%ld znodes set before)\n", err, st.set);
        return SK_TOOL_EXIT_FAIL;
    }
    printf("Set %s ACLs on %ld znodes%s.\n", acl, st.set,
           st.vanished ? " (some were deleted meanwhile)" : "");
    return SK_TOOL_EXIT_OK;
}
