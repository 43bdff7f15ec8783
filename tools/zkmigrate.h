/* zkmigrate.h - skein-zookeeper-security-migration: every znode of a
 * cluster given Kafka's ACLs, as kafka's zookeeper-security-migration.sh
 * does when zookeeper.set.acl is turned on (or off) for a cluster whose
 * znodes were made before.
 *
 * Walks the tree below the connect string's root (its chroot), depth first,
 * skipping ZooKeeper's own /zookeeper, and sets each znode's ACL to
 * zkauth.h's: secure = Kafka's defaults (the session's digest identity may
 * do everything, everyone else may read, nothing for others under the
 * sensitive subtrees), unsecure = open. A znode deleted meanwhile is
 * skipped. With a chroot, the chroot's own node gets the ACL too. Blocking, on libzookeeper_mt's synchronous API.
 * @locality any (blocking)
 */
#ifndef SK_ZKMIGRATE_H
#define SK_ZKMIGRATE_H
#include <stddef.h>
typedef struct _zhandle zhandle_t; /* zookeeper.h, included with THREADED by the .c */

typedef struct sk_zkmigrate_stats {
    long set;      /* znodes whose ACL was set */
    long vanished; /* deleted between listing and setting */
} sk_zkmigrate_stats_t;

/* SK_OK, or SK_EZK with err naming the znode and ZooKeeper's error (the
 * walk stops there; the znodes before keep their new ACL). */
int sk_zkmigrate_run(zhandle_t *zh, int secure, int chrooted, sk_zkmigrate_stats_t *st,
                     char *err, size_t errlen);

#endif
