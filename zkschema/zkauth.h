/* zkauth.h - ZooKeeper digest credentials and Kafka's znode ACLs.
 *
 * The credentials file (zookeeper.digest.file, and the tools'
 * --zk-digest-file) is a .properties file (props.h syntax) with exactly
 * two keys:
 *
 *     username=kafka
 *     password=secret
 *
 * The username must not be empty or contain ':' (ZooKeeper's digest scheme
 * splits "user:password" at the first ':'); the password must not be
 * empty. Any other key, a missing key, or a value with a NUL or line break
 * is refused. Whoever holds these credentials is the brokers' identity in
 * ZooKeeper: ZooKeeper stores it in ACLs as digest:<user>:<base64 of
 * SHA-1("user:password")>.
 *
 * ACLs (sk_zkauth_acl) follow Kafka's ZkData.defaultAcls: with secure ACLs
 * every znode gets the creator's identity with every permission, plus
 * world:anyone read, except the sensitive subtrees /config/users,
 * /config/brokers and /delegation_token (creator only) and /consumers itself
 * (open, as Kafka leaves it). Without secure ACLs every znode is open.
 * @locality any
 */
#ifndef SK_ZKAUTH_H
#define SK_ZKAUTH_H
#include <stddef.h>
#include <zookeeper/zookeeper.h>

typedef struct sk_zkauth_s sk_zkauth_t;

/* Parse a credentials file's bytes; source names it in messages. Returns
 * SK_OK or SK_EINVAL with err ("SOURCE: ..." or "SOURCE:LINE: ..."). */
int sk_zkauth_parse(const char *buf, size_t len, const char *source, sk_zkauth_t **out,
                    char *err, size_t errlen);
/* Read and parse a file (SK_EINVAL: unreadable or malformed). */
int sk_zkauth_load(const char *path, sk_zkauth_t **out, char *err, size_t errlen);
void sk_zkauth_free(sk_zkauth_t *a);
const char *sk_zkauth_user(const sk_zkauth_t *a);
/* "user:password", the digest scheme's credential given to zoo_add_auth. */
const char *sk_zkauth_credential(const sk_zkauth_t *a);
/* zoo_add_auth(zh, "digest", credential): queued by the library and sent
 * before any later request of this handle (and again on reconnects of the
 * same session; a new session needs a new call). Returns the zoo_add_auth
 * code. @locality any thread */
int sk_zkauth_add(zhandle_t *zh, const char *credential);
/* The ACL for a znode created at path (relative to the chroot); secure 0:
 * open. The vector is static and must not be freed. */
struct ACL_vector *sk_zkauth_acl(int secure, const char *path);
/* 1 if path lies in one of Kafka's sensitive subtrees (no world read). */
int sk_zkauth_sensitive(const char *path);

#endif
