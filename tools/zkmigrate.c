/* zkmigrate.c - set Kafka's ACLs on every znode (see zkmigrate.h). */
#include "zkmigrate.h"

#define THREADED /* the synchronous API */
#include <zookeeper/zookeeper.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "mem.h"
#include "zkauth.h"

/* path's children first, then path itself (a parent made unreadable last
 * cannot hide its children from the walk). */
static int walk(zhandle_t *zh, int secure, int chrooted, const char *path,
                sk_zkmigrate_stats_t *st, char *err, size_t errlen)
{
    struct String_vector kids = {0, NULL};
    int rc = zoo_get_children(zh, path, 0, &kids);
    if (rc == ZNONODE) {
        st->vanished++;
        return SK_OK;
    }
    if (rc != ZOK) {
        snprintf(err, errlen, "cannot list %s: %s", path, zerror(rc));
        return SK_EZK;
    }
    int out = SK_OK;
    for (int i = 0; i < kids.count && out == SK_OK; i++) {
        int root = strcmp(path, "/") == 0;
        if (root && strcmp(kids.data[i], "zookeeper") == 0)
            continue;
        char *child = sk_asprintf("%s/%s", root ? "" : path, kids.data[i]);
        out = walk(zh, secure, chrooted, child, st, err, errlen);
        free(child);
    }
    deallocate_String_vector(&kids);
    if (out != SK_OK || (!chrooted && strcmp(path, "/") == 0))
        return out; /* the root of a connect string without chroot is ZooKeeper's */
    rc = zoo_set_acl(zh, path, -1, sk_zkauth_acl(secure, path));
    if (rc == ZNONODE) {
        st->vanished++;
        return SK_OK;
    }
    if (rc != ZOK) {
        snprintf(err, errlen, "cannot set the ACL of %s: %s%s", path, zerror(rc),
                 rc == ZNOAUTH ? " (give the brokers' identity with --zk-digest-file)" : "");
        return SK_EZK;
    }
    st->set++;
    return SK_OK;
}

int sk_zkmigrate_run(zhandle_t *zh, int secure, int chrooted, sk_zkmigrate_stats_t *st,
                     char *err, size_t errlen)
{
    memset(st, 0, sizeof(*st));
    return walk(zh, secure, chrooted, "/", st, err, errlen);
}
