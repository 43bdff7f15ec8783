/* acl.h - ACLs and the decisions Kafka's AclAuthorizer makes from them.
 *
 * Pure: no I/O. The JSON of Kafka's ACL znodes and change notifications
 * (parse and build), the table of every resource's ACLs, and authorization:
 *
 *  - a principal in super.users may do anything;
 *  - the ACLs that apply to a resource are those of its literal name, of the
 *    literal wildcard name "*" of its type, and of every prefixed pattern of
 *    its type that its name starts with;
 *  - none apply: allowed only with allow.everyone.if.no.acl.found;
 *  - a Deny entry matching principal (or User:*), host (or *) and operation
 *    (or All) refuses, whatever else allows;
 *  - otherwise a matching Allow entry is needed; Allow on Read, Write,
 *    Delete or Alter also allows Describe, Allow on AlterConfigs also
 *    allows DescribeConfigs (a Deny on them does not imply anything).
 *
 * Resource types, operations, permission and pattern types are Kafka's wire
 * codes (the CreateAcls/DescribeAcls enums), so requests need no mapping.
 *
 * Decisions are cached by (principal, host, operation, resource): a check
 * that hit the cache before allocates nothing, which keeps Produce and
 * Fetch free of allocations; every change of the table empties the cache.
 * @locality loop (one owner; no locks)
 */
#ifndef SK_ACL_H
#define SK_ACL_H
#include <stddef.h>
#include <stdint.h>

/* Resource types (Kafka's ResourceType codes). */
enum {
    SK_ACL_RES_UNKNOWN = 0,
    SK_ACL_RES_ANY = 1,
    SK_ACL_RES_TOPIC = 2,
    SK_ACL_RES_GROUP = 3,
    SK_ACL_RES_CLUSTER = 4,
    SK_ACL_RES_TRANSACTIONAL_ID = 5,
    SK_ACL_RES_DELEGATION_TOKEN = 6,
    SK_ACL_RES_USER = 7,
};

/* Operations (Kafka's AclOperation codes). */
enum {
    SK_ACL_OP_UNKNOWN = 0,
    SK_ACL_OP_ANY = 1,
    SK_ACL_OP_ALL = 2,
    SK_ACL_OP_READ = 3,
    SK_ACL_OP_WRITE = 4,
    SK_ACL_OP_CREATE = 5,
    SK_ACL_OP_DELETE = 6,
    SK_ACL_OP_ALTER = 7,
    SK_ACL_OP_DESCRIBE = 8,
    SK_ACL_OP_CLUSTER_ACTION = 9,
    SK_ACL_OP_DESCRIBE_CONFIGS = 10,
    SK_ACL_OP_ALTER_CONFIGS = 11,
    SK_ACL_OP_IDEMPOTENT_WRITE = 12,
    SK_ACL_OP_CREATE_TOKENS = 13,
    SK_ACL_OP_DESCRIBE_TOKENS = 14,
};

/* Permission types and pattern types (AclPermissionType, PatternType). */
enum {
    SK_ACL_PERM_UNKNOWN = 0,
    SK_ACL_PERM_ANY = 1,
    SK_ACL_PERM_DENY = 2,
    SK_ACL_PERM_ALLOW = 3,
};
enum {
    SK_ACL_PAT_UNKNOWN = 0,
    SK_ACL_PAT_ANY = 1,
    SK_ACL_PAT_MATCH = 2,
    SK_ACL_PAT_LITERAL = 3,
    SK_ACL_PAT_PREFIXED = 4,
};

#define SK_ACL_CLUSTER_NAME "kafka-cluster"
#define SK_ACL_WILDCARD "*"
#define SK_ACL_WILDCARD_PRINCIPAL "User:*"

/* The znodes (paths relative to the chroot). */
#define SK_ACL_LITERAL_ROOT "/kafka-acl"
#define SK_ACL_PREFIXED_ROOT "/kafka-acl-extended/prefixed"
#define SK_ACL_LITERAL_CHANGES "/kafka-acl-changes"
#define SK_ACL_EXTENDED_CHANGES "/kafka-acl-extended-changes"
#define SK_ACL_CHANGE_PREFIX "acl_changes_"

/* One ACL of a resource. */
typedef struct sk_acl_entry {
    char *principal; /* "User:alice", "User:*" */
    char *host;      /* an IP address or "*" */
    int8_t op;       /* SK_ACL_OP_* (never ANY or UNKNOWN) */
    int8_t perm;     /* SK_ACL_PERM_ALLOW or _DENY */
} sk_acl_entry_t;

/* A resource pattern: type, LITERAL or PREFIXED, name. */
typedef struct sk_acl_res {
    int8_t type;
    int8_t pattern;
    char *name;
} sk_acl_res_t;

/* ---- names ---- */
/* ZooKeeper's names ("Topic", "TransactionalId"; "Read", "ClusterAction";
 * "Allow"), as written by Kafka; NULL for codes without one. */
const char *sk_acl_res_name(int type);
const char *sk_acl_op_name(int op);
const char *sk_acl_perm_name(int perm);
const char *sk_acl_pattern_name(int pattern); /* "LITERAL", "PREFIXED", ... */
/* The code of a name, case-insensitive, in either Kafka spelling
 * ("ClusterAction" or "CLUSTER_ACTION"); SK_ACL_*_UNKNOWN (0) when unknown. */
int sk_acl_res_parse(const char *s);
int sk_acl_op_parse(const char *s);
int sk_acl_perm_parse(const char *s);
int sk_acl_pattern_parse(const char *s);

/* The znode of a resource: /kafka-acl/<Type>/<name> or
 * /kafka-acl-extended/prefixed/<Type>/<name>. SK_OK, or SK_EINVAL for a
 * type or pattern without a znode, an empty name or one with '/', or a
 * buffer too small. */
int sk_acl_res_path(int type, int pattern, const char *name, char *buf, size_t len);

/* ---- znode JSON ---- */
/* {"version":1,"acls":[{"principal":..,"permissionType":..,"operation":..,
 * "host":..}]}: *out (n entries, NULL when 0) is the caller's, freed with
 * sk_acl_entries_free. SK_OK, or SK_EPARSE with err set (bad JSON, a
 * version other than 1, a missing or mistyped field, an unknown operation
 * or permission, a principal without its "Type:" part). */
int sk_acl_znode_parse(const char *data, size_t len, sk_acl_entry_t **out, int *n, char *err,
                       size_t errlen);
/* The znode's JSON (malloc'd), entries in the given order. */
char *sk_acl_znode_build(const sk_acl_entry_t *e, int n);
void sk_acl_entries_free(sk_acl_entry_t *e, int n);

/* A change notification's body: a literal one (/kafka-acl-changes) is
 * "<Type>:<name>" (the name may hold ':'), an extended one
 * {"version":1,"resourceType":"TOPIC","name":..,"patternType":"PREFIXED"}.
 * out->name is malloc'd. SK_OK or SK_EPARSE. */
int sk_acl_change_parse(const char *data, size_t len, int extended, sk_acl_res_t *out,
                        char *err, size_t errlen);
/* The body of a change notification for res (malloc'd): literal ones
 * "<Type>:<name>", others the extended JSON. */
char *sk_acl_change_build(const sk_acl_res_t *res);

/* ---- filters (DescribeAcls, DeleteAcls: Kafka's AclBindingFilter) ---- */
typedef struct sk_acl_filter {
    int8_t type;           /* SK_ACL_RES_ANY or one type */
    int8_t pattern;        /* ANY, MATCH, LITERAL or PREFIXED */
    const char *name;      /* NULL: any name */
    const char *principal; /* NULL: any */
    const char *host;      /* NULL: any */
    int8_t op;             /* SK_ACL_OP_ANY or one operation */
    int8_t perm;           /* SK_ACL_PERM_ANY, _ALLOW or _DENY */
} sk_acl_filter_t;
/* A filter without UNKNOWN codes (what Kafka accepts). */
int sk_acl_filter_valid(const sk_acl_filter_t *f);
/* Does the filter select the resource pattern? MATCH with a name selects
 * the patterns that apply to that name: the literal name, the literal
 * wildcard "*" and the prefixes of the name. */
int sk_acl_filter_res(const sk_acl_filter_t *f, const sk_acl_res_t *r);
/* ... and the entry of such a resource? */
int sk_acl_filter_entry(const sk_acl_filter_t *f, const sk_acl_entry_t *e);

/* ---- the ACL table and decisions ---- */
typedef struct sk_acl_s sk_acl_t;

/* super_users: Kafka's super.users, principals separated by ';' (NULL or
 * "" for none). */
sk_acl_t *sk_acl_new(const char *super_users, int allow_if_no_acl);
void sk_acl_free(sk_acl_t *a);
/* Replace the ACLs of the resource (type, pattern, name) by e[0..n) (copied;
 * n == 0 removes the resource). Empties the decision cache. */
void sk_acl_set(sk_acl_t *a, int type, int pattern, const char *name, const sk_acl_entry_t *e,
                int n);
/* Remove every ACL (before a full reload). */
void sk_acl_clear(sk_acl_t *a);
/* Resources with ACLs, and ACL entries, in the table. */
int sk_acl_resource_count(const sk_acl_t *a);
int sk_acl_entry_count(const sk_acl_t *a);
/* Calls fn for every resource with its entries, in no particular order.
 * fn must not change the table. */
typedef void (*sk_acl_each_fn)(const sk_acl_res_t *res, const sk_acl_entry_t *e, int n,
                               void *arg);
void sk_acl_foreach(const sk_acl_t *a, sk_acl_each_fn fn, void *arg);
/* The entries of exactly this resource (NULL, *n = 0 when none). */
const sk_acl_entry_t *sk_acl_get(const sk_acl_t *a, int type, int pattern, const char *name,
                                 int *n);

int sk_acl_is_super(const sk_acl_t *a, const char *principal);
/* May principal, connected from host (an IP address), do op on the
 * resource (type, name)? 1 or 0. */
int sk_acl_authorize(sk_acl_t *a, const char *principal, const char *host, int op, int type,
                     const char *name);
/* Kafka's authorizeByResourceType: may principal do op on some resource of
 * the type (an Allow on some pattern not covered by a Deny)? Used for
 * InitProducerId without a transactional id (Write on any topic). */
int sk_acl_authorize_any(sk_acl_t *a, const char *principal, const char *host, int op, int type);
/* Decisions answered from the cache and computed, since sk_acl_new. */
void sk_acl_cache_stats(const sk_acl_t *a, uint64_t *hits, uint64_t *misses);

#endif
