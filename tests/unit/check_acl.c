/* check_acl.c - ACL znode JSON, change notifications, the ACL table and
 * every rule of the authorizer's decisions (broker/meta/acl.c). */
#include "meta/acl.h"

#include <check.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"

static char err[256];

#define PARSE(json, e, n) sk_acl_znode_parse(json, strlen(json), e, n, err, sizeof(err))

START_TEST(test_names)
{
    ck_assert_str_eq(sk_acl_res_name(SK_ACL_RES_TRANSACTIONAL_ID), "TransactionalId");
    ck_assert_str_eq(sk_acl_op_name(SK_ACL_OP_CLUSTER_ACTION), "ClusterAction");
    ck_assert_str_eq(sk_acl_perm_name(SK_ACL_PERM_DENY), "Deny");
    ck_assert_str_eq(sk_acl_pattern_name(SK_ACL_PAT_PREFIXED), "PREFIXED");
    ck_assert_int_eq(sk_acl_op_parse("ClusterAction"), SK_ACL_OP_CLUSTER_ACTION);
    ck_assert_int_eq(sk_acl_op_parse("CLUSTER_ACTION"), SK_ACL_OP_CLUSTER_ACTION);
    ck_assert_int_eq(sk_acl_op_parse("describeconfigs"), SK_ACL_OP_DESCRIBE_CONFIGS);
    ck_assert_int_eq(sk_acl_op_parse("Fly"), SK_ACL_OP_UNKNOWN);
    ck_assert_int_eq(sk_acl_op_parse(""), SK_ACL_OP_UNKNOWN);
    ck_assert_int_eq(sk_acl_res_parse("TRANSACTIONAL_ID"), SK_ACL_RES_TRANSACTIONAL_ID);
    ck_assert_int_eq(sk_acl_res_parse("Topic"), SK_ACL_RES_TOPIC);
    ck_assert_int_eq(sk_acl_perm_parse("ALLOW"), SK_ACL_PERM_ALLOW);
    ck_assert_int_eq(sk_acl_pattern_parse("Prefixed"), SK_ACL_PAT_PREFIXED);
    ck_assert_ptr_null(sk_acl_op_name(99));
}
END_TEST

START_TEST(test_paths)
{
    char p[256];
    ck_assert_int_eq(sk_acl_res_path(SK_ACL_RES_TOPIC, SK_ACL_PAT_LITERAL, "orders", p, sizeof(p)),
                     SK_OK);
    ck_assert_str_eq(p, "/kafka-acl/Topic/orders");
    ck_assert_int_eq(sk_acl_res_path(SK_ACL_RES_TOPIC, SK_ACL_PAT_PREFIXED, "orders-", p,
                                     sizeof(p)),
                     SK_OK);
    ck_assert_str_eq(p, "/kafka-acl-extended/prefixed/Topic/orders-");
    ck_assert_int_eq(sk_acl_res_path(SK_ACL_RES_CLUSTER, SK_ACL_PAT_LITERAL, "kafka-cluster", p,
                                     sizeof(p)),
                     SK_OK);
    ck_assert_str_eq(p, "/kafka-acl/Cluster/kafka-cluster");
    ck_assert_int_eq(sk_acl_res_path(SK_ACL_RES_TRANSACTIONAL_ID, SK_ACL_PAT_LITERAL, "*", p,
                                     sizeof(p)),
                     SK_OK);
    ck_assert_str_eq(p, "/kafka-acl/TransactionalId/*");
    ck_assert_int_eq(sk_acl_res_path(SK_ACL_RES_GROUP, SK_ACL_PAT_LITERAL, "a/b", p, sizeof(p)),
                     SK_EINVAL);
    ck_assert_int_eq(sk_acl_res_path(SK_ACL_RES_GROUP, SK_ACL_PAT_LITERAL, "", p, sizeof(p)),
                     SK_EINVAL);
    ck_assert_int_eq(sk_acl_res_path(SK_ACL_RES_GROUP, SK_ACL_PAT_LITERAL, "..", p, sizeof(p)),
                     SK_EINVAL);
    ck_assert_int_eq(sk_acl_res_path(SK_ACL_RES_ANY, SK_ACL_PAT_LITERAL, "x", p, sizeof(p)),
                     SK_EINVAL);
    ck_assert_int_eq(sk_acl_res_path(SK_ACL_RES_TOPIC, SK_ACL_PAT_MATCH, "x", p, sizeof(p)),
                     SK_EINVAL);
    ck_assert_int_eq(sk_acl_res_path(SK_ACL_RES_TOPIC, SK_ACL_PAT_LITERAL, "x", p, 10),
                     SK_EINVAL);
}
END_TEST

START_TEST(test_znode_round_trip)
{
    /* as Kafka's AclAuthorizer writes it */
    const char *kafka = "{\"version\":1,\"acls\":[{\"principal\":\"User:alice\","
                        "\"permissionType\":\"Allow\",\"operation\":\"Read\",\"host\":\"*\"},"
                        "{\"principal\":\"User:CN=bob,O=Acme\",\"permissionType\":\"Deny\","
                        "\"operation\":\"ClusterAction\",\"host\":\"10.0.0.1\"}]}";
    sk_acl_entry_t *e;
    int n;
    ck_assert_int_eq(PARSE(kafka, &e, &n), SK_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(e[0].principal, "User:alice");
    ck_assert_str_eq(e[0].host, "*");
    ck_assert_int_eq(e[0].op, SK_ACL_OP_READ);
    ck_assert_int_eq(e[0].perm, SK_ACL_PERM_ALLOW);
    ck_assert_str_eq(e[1].principal, "User:CN=bob,O=Acme");
    ck_assert_int_eq(e[1].op, SK_ACL_OP_CLUSTER_ACTION);
    ck_assert_int_eq(e[1].perm, SK_ACL_PERM_DENY);
    char *s = sk_acl_znode_build(e, n);
    ck_assert_str_eq(s, kafka);
    free(s);
    sk_acl_entries_free(e, n);

    s = sk_acl_znode_build(NULL, 0);
    ck_assert_str_eq(s, "{\"version\":1,\"acls\":[]}");
    ck_assert_int_eq(PARSE(s, &e, &n), SK_OK);
    ck_assert_int_eq(n, 0);
    ck_assert_ptr_null(e);
    free(s);

    /* upper-case enum names and no version are read too */
    ck_assert_int_eq(PARSE("{\"acls\":[{\"principal\":\"User:*\",\"permissionType\":\"ALLOW\","
                           "\"operation\":\"IDEMPOTENT_WRITE\",\"host\":\"*\"}]}",
                           &e, &n),
                     SK_OK);
    ck_assert_int_eq(e[0].op, SK_ACL_OP_IDEMPOTENT_WRITE);
    sk_acl_entries_free(e, n);
}
END_TEST

START_TEST(test_znode_malformed)
{
    static const char *bad[] = {
        "",
        "{",
        "[]",
        "null",
        "{\"version\":1}",
        "{\"version\":2,\"acls\":[]}",
        "{\"version\":\"1\",\"acls\":[]}",
        "{\"version\":1,\"acls\":{}}",
        "{\"version\":1,\"acls\":[1]}",
        "{\"version\":1,\"acls\":[{}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"alice\",\"permissionType\":\"Allow\","
        "\"operation\":\"Read\",\"host\":\"*\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\":alice\",\"permissionType\":\"Allow\","
        "\"operation\":\"Read\",\"host\":\"*\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Maybe\","
        "\"operation\":\"Read\",\"host\":\"*\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Any\","
        "\"operation\":\"Read\",\"host\":\"*\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
        "\"operation\":\"Any\",\"host\":\"*\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
        "\"operation\":\"Jump\",\"host\":\"*\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
        "\"operation\":\"Read\",\"host\":\"\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
        "\"operation\":\"Read\",\"host\":7}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
        "\"operation\":\"Read\",\"host\":\"*\"},2]}",
        "{\"version\":1,\"acls\":[],\"acls\":[]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sk_acl_entry_t *e = (sk_acl_entry_t *)1;
        int n = 7;
        err[0] = '\0';
        ck_assert_msg(PARSE(bad[i], &e, &n) == SK_EPARSE, "accepted %s", bad[i]);
        ck_assert_ptr_null(e);
        ck_assert_int_eq(n, 0);
        ck_assert_msg(err[0], "no message for %s", bad[i]);
    }
    /* NULL data (a null znode) */
    sk_acl_entry_t *e;
    int n;
    ck_assert_int_eq(sk_acl_znode_parse(NULL, 0, &e, &n, err, sizeof(err)), SK_EPARSE);
}
END_TEST

START_TEST(test_change_notifications)
{
    sk_acl_res_t r;
    const char *lit = "Topic:orders";
    ck_assert_int_eq(sk_acl_change_parse(lit, strlen(lit), 0, &r, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(r.type, SK_ACL_RES_TOPIC);
    ck_assert_int_eq(r.pattern, SK_ACL_PAT_LITERAL);
    ck_assert_str_eq(r.name, "orders");
    char *s = sk_acl_change_build(&r);
    ck_assert_str_eq(s, lit);
    free(s);
    free(r.name);

    const char *colon = "Group:a:b";
    ck_assert_int_eq(sk_acl_change_parse(colon, strlen(colon), 0, &r, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(r.type, SK_ACL_RES_GROUP);
    ck_assert_str_eq(r.name, "a:b");
    free(r.name);
    const char *upper = "TRANSACTIONAL_ID:tx";
    ck_assert_int_eq(sk_acl_change_parse(upper, strlen(upper), 0, &r, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(r.type, SK_ACL_RES_TRANSACTIONAL_ID);
    free(r.name);

    const char *ext = "{\"version\":1,\"resourceType\":\"TRANSACTIONAL_ID\",\"name\":\"tx-\","
                      "\"patternType\":\"PREFIXED\"}";
    ck_assert_int_eq(sk_acl_change_parse(ext, strlen(ext), 1, &r, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(r.type, SK_ACL_RES_TRANSACTIONAL_ID);
    ck_assert_int_eq(r.pattern, SK_ACL_PAT_PREFIXED);
    ck_assert_str_eq(r.name, "tx-");
    s = sk_acl_change_build(&r);
    ck_assert_str_eq(s, ext);
    free(s);
    free(r.name);

    static const char *bad_lit[] = {"", "Topic", ":x", "Topic:", "Planet:x", "Any:x",
                                    "AVeryLongResourceTypeNameThatIsNotKnown:x"};
    for (size_t i = 0; i < sizeof(bad_lit) / sizeof(bad_lit[0]); i++) {
        ck_assert_msg(sk_acl_change_parse(bad_lit[i], strlen(bad_lit[i]), 0, &r, err,
                                          sizeof(err)) == SK_EPARSE,
                      "accepted %s", bad_lit[i]);
        ck_assert_ptr_null(r.name);
    }
    ck_assert_int_eq(sk_acl_change_parse("Topic:a\0b", 9, 0, &r, err, sizeof(err)), SK_EPARSE);
    static const char *bad_ext[] = {
        "x",
        "[]",
        "{\"version\":1,\"resourceType\":\"TOPIC\",\"patternType\":\"PREFIXED\"}",
        "{\"version\":1,\"resourceType\":\"TOPIC\",\"name\":\"\",\"patternType\":\"PREFIXED\"}",
        "{\"version\":1,\"resourceType\":\"ANY\",\"name\":\"t\",\"patternType\":\"PREFIXED\"}",
        "{\"version\":1,\"resourceType\":\"TOPIC\",\"name\":\"t\",\"patternType\":\"MATCH\"}",
        "{\"version\":3,\"resourceType\":\"TOPIC\",\"name\":\"t\",\"patternType\":\"LITERAL\"}",
        "{\"version\":1,\"resourceType\":7,\"name\":\"t\",\"patternType\":\"LITERAL\"}",
    };
    for (size_t i = 0; i < sizeof(bad_ext) / sizeof(bad_ext[0]); i++) {
        ck_assert_msg(sk_acl_change_parse(bad_ext[i], strlen(bad_ext[i]), 1, &r, err,
                                          sizeof(err)) == SK_EPARSE,
                      "accepted %s", bad_ext[i]);
        ck_assert_ptr_null(r.name);
    }
}
END_TEST

/* One entry. */
static sk_acl_entry_t ace(const char *principal, int perm, int op, const char *host)
{
    sk_acl_entry_t e = {(char *)principal, (char *)host, (int8_t)op, (int8_t)perm};
    return e;
}

static void set1(sk_acl_t *a, int type, int pattern, const char *name, const char *principal,
                 int perm, int op, const char *host)
{
    int n;
    /* the table's own entries: sk_acl_set copies them before it frees */
    const sk_acl_entry_t *old = sk_acl_get(a, type, pattern, name, &n);
    sk_acl_entry_t *e = calloc((size_t)n + 1, sizeof(*e));
    if (n)
        memcpy(e, old, (size_t)n * sizeof(*e));
    e[n] = ace(principal, perm, op, host);
    sk_acl_set(a, type, pattern, name, e, n + 1);
    free(e);
}

#define ALLOWED(a, p, h, op, type, name) sk_acl_authorize(a, p, h, op, type, name)
#define T SK_ACL_RES_TOPIC
#define G SK_ACL_RES_GROUP
#define LIT SK_ACL_PAT_LITERAL
#define PRE SK_ACL_PAT_PREFIXED
#define ALLOW SK_ACL_PERM_ALLOW
#define DENY SK_ACL_PERM_DENY

START_TEST(test_table)
{
    sk_acl_t *a = sk_acl_new(NULL, 0);
    set1(a, T, LIT, "t", "User:alice", ALLOW, SK_ACL_OP_READ, "*");
    set1(a, T, LIT, "t", "User:bob", ALLOW, SK_ACL_OP_READ, "*");
    set1(a, T, PRE, "t", "User:bob", ALLOW, SK_ACL_OP_READ, "*");
    ck_assert_int_eq(sk_acl_resource_count(a), 2);
    ck_assert_int_eq(sk_acl_entry_count(a), 3);
    int n;
    ck_assert_ptr_nonnull(sk_acl_get(a, T, LIT, "t", &n));
    ck_assert_int_eq(n, 2);
    ck_assert_ptr_null(sk_acl_get(a, G, LIT, "t", &n));
    ck_assert_int_eq(n, 0);
    /* many resources: the table grows */
    char name[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof(name), "topic-%d", i);
        set1(a, T, i % 2 ? LIT : PRE, name, "User:x", ALLOW, SK_ACL_OP_WRITE, "*");
    }
    ck_assert_int_eq(sk_acl_resource_count(a), 1002);
    for (int i = 0; i < 1000; i += 3) {
        snprintf(name, sizeof(name), "topic-%d", i);
        sk_acl_set(a, T, i % 2 ? LIT : PRE, name, NULL, 0);
    }
    ck_assert_int_eq(sk_acl_resource_count(a), 1002 - 334);
    ck_assert_int_eq(sk_acl_entry_count(a), 3 + 1000 - 334);
    ck_assert(ALLOWED(a, "User:x", "h", SK_ACL_OP_WRITE, T, "topic-1"));
    ck_assert(!ALLOWED(a, "User:x", "h", SK_ACL_OP_WRITE, T, "topic-3"));
    ck_assert(ALLOWED(a, "User:x", "h", SK_ACL_OP_WRITE, T, "topic-32x")); /* prefix topic-32 */
    ck_assert(!ALLOWED(a, "User:x", "h", SK_ACL_OP_WRITE, T, "topic-0x"));
    sk_acl_set(a, T, LIT, "absent", NULL, 0); /* removing nothing */
    sk_acl_clear(a);
    ck_assert_int_eq(sk_acl_resource_count(a), 0);
    ck_assert_int_eq(sk_acl_entry_count(a), 0);
    sk_acl_free(a);
}
END_TEST

START_TEST(test_no_acl)
{
    sk_acl_t *a = sk_acl_new("", 0);
    ck_assert(!ALLOWED(a, "User:alice", "1.2.3.4", SK_ACL_OP_READ, T, "t"));
    sk_acl_free(a);
    a = sk_acl_new(NULL, 1); /* allow.everyone.if.no.acl.found */
    ck_assert(ALLOWED(a, "User:alice", "1.2.3.4", SK_ACL_OP_READ, T, "t"));
    /* once the resource has an ACL, only it counts, even for others */
    set1(a, T, LIT, "t", "User:bob", ALLOW, SK_ACL_OP_READ, "*");
    ck_assert(!ALLOWED(a, "User:alice", "1.2.3.4", SK_ACL_OP_READ, T, "t"));
    ck_assert(ALLOWED(a, "User:bob", "1.2.3.4", SK_ACL_OP_READ, T, "t"));
    ck_assert(ALLOWED(a, "User:alice", "1.2.3.4", SK_ACL_OP_READ, T, "other"));
    ck_assert(ALLOWED(a, "User:alice", "1.2.3.4", SK_ACL_OP_READ, G, "t"));
    sk_acl_free(a);
}
END_TEST

START_TEST(test_super_users)
{
    sk_acl_t *a = sk_acl_new(" User:admin ; User:CN=broker,O=Skein;;", 0);
    ck_assert(sk_acl_is_super(a, "User:admin"));
    ck_assert(sk_acl_is_super(a, "User:CN=broker,O=Skein"));
    ck_assert(!sk_acl_is_super(a, "User:Admin"));
    ck_assert(!sk_acl_is_super(a, ""));
    /* beats Deny */
    set1(a, SK_ACL_RES_CLUSTER, LIT, SK_ACL_CLUSTER_NAME, "User:admin", DENY, SK_ACL_OP_ALL, "*");
    ck_assert(ALLOWED(a, "User:admin", "h", SK_ACL_OP_CLUSTER_ACTION, SK_ACL_RES_CLUSTER,
                      SK_ACL_CLUSTER_NAME));
    ck_assert(ALLOWED(a, "User:CN=broker,O=Skein", "h", SK_ACL_OP_WRITE, T, "x"));
    ck_assert(!ALLOWED(a, "User:bob", "h", SK_ACL_OP_CLUSTER_ACTION, SK_ACL_RES_CLUSTER,
                       SK_ACL_CLUSTER_NAME));
    ck_assert(sk_acl_authorize_any(a, "User:admin", "h", SK_ACL_OP_WRITE, T));
    sk_acl_free(a);
}
END_TEST

START_TEST(test_allow_and_deny)
{
    sk_acl_t *a = sk_acl_new(NULL, 0);
    set1(a, T, LIT, "t", "User:alice", ALLOW, SK_ACL_OP_READ, "*");
    ck_assert(ALLOWED(a, "User:alice", "h", SK_ACL_OP_READ, T, "t"));
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_WRITE, T, "t"));
    ck_assert(!ALLOWED(a, "User:bob", "h", SK_ACL_OP_READ, T, "t"));
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_READ, T, "t2"));
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_READ, G, "t")); /* other type */
    /* Deny beats Allow */
    set1(a, T, LIT, "t", "User:alice", DENY, SK_ACL_OP_READ, "*");
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_READ, T, "t"));
    /* but Deny Read does not deny Describe, which Read implied */
    ck_assert(ALLOWED(a, "User:alice", "h", SK_ACL_OP_DESCRIBE, T, "t"));
    /* Deny All denies everything */
    set1(a, T, LIT, "t", "User:alice", DENY, SK_ACL_OP_ALL, "*");
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_DESCRIBE, T, "t"));
    /* Allow All allows everything */
    set1(a, T, LIT, "u", "User:alice", ALLOW, SK_ACL_OP_ALL, "*");
    ck_assert(ALLOWED(a, "User:alice", "h", SK_ACL_OP_DELETE, T, "u"));
    ck_assert(ALLOWED(a, "User:alice", "h", SK_ACL_OP_DESCRIBE_CONFIGS, T, "u"));
    /* a Deny on the wildcard name beats a literal Allow */
    set1(a, T, LIT, "*", "User:alice", DENY, SK_ACL_OP_DELETE, "*");
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_DELETE, T, "u"));
    ck_assert(ALLOWED(a, "User:alice", "h", SK_ACL_OP_ALTER, T, "u"));
    sk_acl_free(a);
}
END_TEST

START_TEST(test_wildcards)
{
    sk_acl_t *a = sk_acl_new(NULL, 0);
    set1(a, T, LIT, "t", "User:*", ALLOW, SK_ACL_OP_READ, "*");
    ck_assert(ALLOWED(a, "User:anyone", "h", SK_ACL_OP_READ, T, "t"));
    ck_assert(ALLOWED(a, "User:ANONYMOUS", "h", SK_ACL_OP_READ, T, "t"));
    /* User:* is the wildcard, not a principal named "*" matching "User:x*" */
    set1(a, T, LIT, "*", "User:carol", ALLOW, SK_ACL_OP_WRITE, "*");
    ck_assert(ALLOWED(a, "User:carol", "h", SK_ACL_OP_WRITE, T, "any-topic"));
    ck_assert(ALLOWED(a, "User:carol", "h", SK_ACL_OP_WRITE, T, "*"));
    ck_assert(!ALLOWED(a, "User:carol", "h", SK_ACL_OP_WRITE, G, "any-group"));
    ck_assert(!ALLOWED(a, "User:dave", "h", SK_ACL_OP_WRITE, T, "any-topic"));
    /* a Deny for User:* applies to everybody */
    set1(a, T, LIT, "t", "User:*", DENY, SK_ACL_OP_READ, "10.0.0.9");
    ck_assert(!ALLOWED(a, "User:anyone", "10.0.0.9", SK_ACL_OP_READ, T, "t"));
    ck_assert(ALLOWED(a, "User:anyone", "10.0.0.8", SK_ACL_OP_READ, T, "t"));
    sk_acl_free(a);
}
END_TEST

START_TEST(test_hosts)
{
    sk_acl_t *a = sk_acl_new(NULL, 0);
    set1(a, G, LIT, "g", "User:alice", ALLOW, SK_ACL_OP_READ, "127.0.0.1");
    ck_assert(ALLOWED(a, "User:alice", "127.0.0.1", SK_ACL_OP_READ, G, "g"));
    ck_assert(!ALLOWED(a, "User:alice", "127.0.0.2", SK_ACL_OP_READ, G, "g"));
    set1(a, G, LIT, "g", "User:alice", DENY, SK_ACL_OP_READ, "127.0.0.2");
    set1(a, G, LIT, "g", "User:alice", ALLOW, SK_ACL_OP_READ, "*");
    ck_assert(ALLOWED(a, "User:alice", "127.0.0.3", SK_ACL_OP_READ, G, "g"));
    ck_assert(!ALLOWED(a, "User:alice", "127.0.0.2", SK_ACL_OP_READ, G, "g"));
    sk_acl_free(a);
}
END_TEST

START_TEST(test_prefixed)
{
    sk_acl_t *a = sk_acl_new(NULL, 0);
    set1(a, T, PRE, "orders-", "User:alice", ALLOW, SK_ACL_OP_WRITE, "*");
    ck_assert(ALLOWED(a, "User:alice", "h", SK_ACL_OP_WRITE, T, "orders-eu"));
    ck_assert(ALLOWED(a, "User:alice", "h", SK_ACL_OP_WRITE, T, "orders-"));
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_WRITE, T, "orders"));
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_WRITE, T, "xorders-eu"));
    /* a literal ACL named like the prefix is not a prefix */
    set1(a, T, LIT, "pay", "User:alice", ALLOW, SK_ACL_OP_WRITE, "*");
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_WRITE, T, "payments"));
    /* a prefixed Deny beats a literal Allow */
    set1(a, T, LIT, "orders-secret", "User:alice", ALLOW, SK_ACL_OP_WRITE, "*");
    set1(a, T, PRE, "orders-sec", "User:alice", DENY, SK_ACL_OP_WRITE, "*");
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_WRITE, T, "orders-secret"));
    ck_assert(ALLOWED(a, "User:alice", "h", SK_ACL_OP_WRITE, T, "orders-public"));
    /* a prefix "*" is a plain prefix, not the wildcard */
    set1(a, G, PRE, "*", "User:alice", ALLOW, SK_ACL_OP_READ, "*");
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_READ, G, "g"));
    ck_assert(ALLOWED(a, "User:alice", "h", SK_ACL_OP_READ, G, "*g"));
    sk_acl_free(a);
}
END_TEST

START_TEST(test_implied_operations)
{
    static const int implies_describe[] = {SK_ACL_OP_READ, SK_ACL_OP_WRITE, SK_ACL_OP_DELETE,
                                           SK_ACL_OP_ALTER, SK_ACL_OP_ALL, SK_ACL_OP_DESCRIBE};
    static const int not_describe[] = {SK_ACL_OP_CREATE, SK_ACL_OP_CLUSTER_ACTION,
                                       SK_ACL_OP_DESCRIBE_CONFIGS, SK_ACL_OP_ALTER_CONFIGS,
                                       SK_ACL_OP_IDEMPOTENT_WRITE};
    for (size_t i = 0; i < sizeof(implies_describe) / sizeof(int); i++) {
        sk_acl_t *a = sk_acl_new(NULL, 0);
        set1(a, T, LIT, "t", "User:u", ALLOW, implies_describe[i], "*");
        ck_assert_msg(ALLOWED(a, "User:u", "h", SK_ACL_OP_DESCRIBE, T, "t"), "op %d",
                      implies_describe[i]);
        sk_acl_free(a);
    }
    for (size_t i = 0; i < sizeof(not_describe) / sizeof(int); i++) {
        sk_acl_t *a = sk_acl_new(NULL, 0);
        set1(a, T, LIT, "t", "User:u", ALLOW, not_describe[i], "*");
        ck_assert_msg(!ALLOWED(a, "User:u", "h", SK_ACL_OP_DESCRIBE, T, "t"), "op %d",
                      not_describe[i]);
        sk_acl_free(a);
    }
    sk_acl_t *a = sk_acl_new(NULL, 0);
    set1(a, T, LIT, "t", "User:u", ALLOW, SK_ACL_OP_ALTER_CONFIGS, "*");
    ck_assert(ALLOWED(a, "User:u", "h", SK_ACL_OP_DESCRIBE_CONFIGS, T, "t"));
    ck_assert(!ALLOWED(a, "User:u", "h", SK_ACL_OP_ALTER, T, "t"));
    /* implication is one way: Describe does not give Read */
    set1(a, T, LIT, "d", "User:u", ALLOW, SK_ACL_OP_DESCRIBE, "*");
    ck_assert(!ALLOWED(a, "User:u", "h", SK_ACL_OP_READ, T, "d"));
    /* DescribeConfigs does not give AlterConfigs */
    set1(a, T, LIT, "c", "User:u", ALLOW, SK_ACL_OP_DESCRIBE_CONFIGS, "*");
    ck_assert(!ALLOWED(a, "User:u", "h", SK_ACL_OP_ALTER_CONFIGS, T, "c"));
    sk_acl_free(a);
}
END_TEST

START_TEST(test_every_type)
{
    static const int types[] = {SK_ACL_RES_TOPIC, SK_ACL_RES_GROUP, SK_ACL_RES_CLUSTER,
                                SK_ACL_RES_TRANSACTIONAL_ID, SK_ACL_RES_DELEGATION_TOKEN};
    sk_acl_t *a = sk_acl_new(NULL, 0);
    for (size_t i = 0; i < sizeof(types) / sizeof(int); i++)
        set1(a, types[i], LIT, "r", "User:u", ALLOW, SK_ACL_OP_ALTER, "*");
    for (size_t i = 0; i < sizeof(types) / sizeof(int); i++) {
        ck_assert(ALLOWED(a, "User:u", "h", SK_ACL_OP_ALTER, types[i], "r"));
        ck_assert(!ALLOWED(a, "User:v", "h", SK_ACL_OP_ALTER, types[i], "r"));
    }
    sk_acl_free(a);
}
END_TEST

START_TEST(test_authorize_any)
{
    sk_acl_t *a = sk_acl_new(NULL, 0);
    ck_assert(!sk_acl_authorize_any(a, "User:p", "h", SK_ACL_OP_WRITE, T));
    set1(a, T, LIT, "t", "User:p", ALLOW, SK_ACL_OP_WRITE, "*");
    ck_assert(sk_acl_authorize_any(a, "User:p", "h", SK_ACL_OP_WRITE, T));
    ck_assert(!sk_acl_authorize_any(a, "User:q", "h", SK_ACL_OP_WRITE, T));
    ck_assert(!sk_acl_authorize_any(a, "User:p", "h", SK_ACL_OP_WRITE, G));
    /* no implied ops here (Kafka's authorizeByResourceType) */
    ck_assert(!sk_acl_authorize_any(a, "User:p", "h", SK_ACL_OP_DESCRIBE, T));
    /* a literal Deny on the same name cancels that Allow */
    set1(a, T, LIT, "t", "User:p", DENY, SK_ACL_OP_WRITE, "*");
    ck_assert(!sk_acl_authorize_any(a, "User:p", "h", SK_ACL_OP_WRITE, T));
    /* an Allow on a prefix that a shorter Deny prefix covers does not count */
    set1(a, T, PRE, "ab", "User:p", ALLOW, SK_ACL_OP_WRITE, "*");
    set1(a, T, PRE, "a", "User:p", DENY, SK_ACL_OP_WRITE, "*");
    ck_assert(!sk_acl_authorize_any(a, "User:p", "h", SK_ACL_OP_WRITE, T));
    set1(a, T, PRE, "b", "User:*", ALLOW, SK_ACL_OP_ALL, "*");
    ck_assert(sk_acl_authorize_any(a, "User:p", "h", SK_ACL_OP_WRITE, T));
    /* a Deny on the wildcard name refuses even with allow.everyone... */
    set1(a, T, LIT, "*", "User:p", DENY, SK_ACL_OP_WRITE, "*");
    ck_assert(!sk_acl_authorize_any(a, "User:p", "h", SK_ACL_OP_WRITE, T));
    sk_acl_free(a);
    a = sk_acl_new(NULL, 1);
    ck_assert(sk_acl_authorize_any(a, "User:p", "h", SK_ACL_OP_WRITE, T));
    set1(a, T, LIT, "*", "User:p", DENY, SK_ACL_OP_WRITE, "*");
    ck_assert(!sk_acl_authorize_any(a, "User:p", "h", SK_ACL_OP_WRITE, T));
    sk_acl_free(a);
}
END_TEST

START_TEST(test_cache_invalidated)
{
    sk_acl_t *a = sk_acl_new(NULL, 0);
    uint64_t hits, misses;
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_READ, T, "t"));
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_READ, T, "t"));
    sk_acl_cache_stats(a, &hits, &misses);
    ck_assert_int_eq(hits, 1);
    ck_assert_int_eq(misses, 1);
    set1(a, T, LIT, "t", "User:alice", ALLOW, SK_ACL_OP_READ, "*");
    ck_assert(ALLOWED(a, "User:alice", "h", SK_ACL_OP_READ, T, "t"));
    sk_acl_set(a, T, LIT, "t", NULL, 0);
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_READ, T, "t"));
    set1(a, T, LIT, "t", "User:alice", ALLOW, SK_ACL_OP_READ, "*");
    ck_assert(ALLOWED(a, "User:alice", "h", SK_ACL_OP_READ, T, "t"));
    sk_acl_clear(a);
    ck_assert(!ALLOWED(a, "User:alice", "h", SK_ACL_OP_READ, T, "t"));
    /* keys that differ only in where the parts split */
    set1(a, T, LIT, "t", "User:ab", ALLOW, SK_ACL_OP_READ, "*");
    ck_assert(ALLOWED(a, "User:ab", "c", SK_ACL_OP_READ, T, "t"));
    ck_assert(!ALLOWED(a, "User:a", "bc", SK_ACL_OP_READ, T, "t"));
    ck_assert(!ALLOWED(a, "User:ab", "c", SK_ACL_OP_WRITE, T, "t"));
    ck_assert(!ALLOWED(a, "User:ab", "c", SK_ACL_OP_READ, G, "t"));
    sk_acl_free(a);
}
END_TEST

/* A decision the cache has seen allocates nothing (Produce and Fetch). */
START_TEST(test_warm_cache_allocates_nothing)
{
    sk_acl_t *a = sk_acl_new("User:admin", 0);
    char name[32];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "t%d", i);
        set1(a, T, LIT, name, "User:alice", ALLOW, SK_ACL_OP_WRITE, "*");
    }
    set1(a, T, PRE, "t", "User:bob", DENY, SK_ACL_OP_WRITE, "*");
    for (int i = 0; i < 100; i++) { /* warm up */
        snprintf(name, sizeof(name), "t%d", i);
        ck_assert(ALLOWED(a, "User:alice", "127.0.0.1", SK_ACL_OP_WRITE, T, name));
        ck_assert(!ALLOWED(a, "User:bob", "127.0.0.1", SK_ACL_OP_WRITE, T, name));
    }
    struct mallinfo2 before = mallinfo2();
    int allowed = 0;
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 100; i++) {
            snprintf(name, sizeof(name), "t%d", i);
            allowed += ALLOWED(a, "User:alice", "127.0.0.1", SK_ACL_OP_WRITE, T, name);
            allowed += ALLOWED(a, "User:bob", "127.0.0.1", SK_ACL_OP_WRITE, T, name);
        }
    }
    struct mallinfo2 after = mallinfo2();
    ck_assert_int_eq(allowed, 10000);
    ck_assert_uint_eq(before.uordblks, after.uordblks);
    uint64_t hits, misses;
    sk_acl_cache_stats(a, &hits, &misses);
    ck_assert_uint_lt(misses, 400); /* 200 keys, a few sharing a set */
    sk_acl_free(a);
}
END_TEST

START_TEST(test_filters)
{
    sk_acl_res_t lit = {SK_ACL_RES_TOPIC, SK_ACL_PAT_LITERAL, "orders-eu"};
    sk_acl_res_t star = {SK_ACL_RES_TOPIC, SK_ACL_PAT_LITERAL, "*"};
    sk_acl_res_t pre = {SK_ACL_RES_TOPIC, SK_ACL_PAT_PREFIXED, "orders-"};
    sk_acl_res_t grp = {SK_ACL_RES_GROUP, SK_ACL_PAT_LITERAL, "orders-eu"};
    sk_acl_filter_t f = {SK_ACL_RES_ANY, SK_ACL_PAT_ANY, NULL, NULL, NULL, SK_ACL_OP_ANY,
                         SK_ACL_PERM_ANY};
    ck_assert(sk_acl_filter_valid(&f));
    ck_assert(sk_acl_filter_res(&f, &lit) && sk_acl_filter_res(&f, &pre) &&
              sk_acl_filter_res(&f, &grp));
    f.type = SK_ACL_RES_TOPIC;
    ck_assert(!sk_acl_filter_res(&f, &grp));
    f.name = "orders-eu"; /* ANY with a name: exactly that name, any pattern */
    ck_assert(sk_acl_filter_res(&f, &lit) && !sk_acl_filter_res(&f, &pre) &&
              !sk_acl_filter_res(&f, &star));
    f.pattern = SK_ACL_PAT_MATCH; /* what applies to orders-eu */
    ck_assert(sk_acl_filter_res(&f, &lit) && sk_acl_filter_res(&f, &pre) &&
              sk_acl_filter_res(&f, &star));
    f.name = "payments";
    ck_assert(!sk_acl_filter_res(&f, &lit) && !sk_acl_filter_res(&f, &pre) &&
              sk_acl_filter_res(&f, &star));
    f.pattern = SK_ACL_PAT_PREFIXED;
    f.name = NULL;
    ck_assert(!sk_acl_filter_res(&f, &lit) && sk_acl_filter_res(&f, &pre));
    sk_acl_entry_t e = {"User:a", "*", SK_ACL_OP_READ, SK_ACL_PERM_ALLOW};
    ck_assert(sk_acl_filter_entry(&f, &e));
    f.principal = "User:b";
    ck_assert(!sk_acl_filter_entry(&f, &e));
    f.principal = "User:a";
    f.host = "10.0.0.1"; /* a host filter is exact: "*" is an ACL's host, not a wildcard here */
    ck_assert(!sk_acl_filter_entry(&f, &e));
    f.host = NULL;
    f.op = SK_ACL_OP_WRITE;
    ck_assert(!sk_acl_filter_entry(&f, &e));
    f.op = SK_ACL_OP_READ;
    f.perm = SK_ACL_PERM_DENY;
    ck_assert(!sk_acl_filter_entry(&f, &e));
    f.perm = SK_ACL_PERM_ALLOW;
    ck_assert(sk_acl_filter_entry(&f, &e));
    f.op = SK_ACL_OP_UNKNOWN;
    ck_assert(!sk_acl_filter_valid(&f));
    f.op = 99;
    ck_assert(!sk_acl_filter_valid(&f));
    f.op = SK_ACL_OP_ANY;
    f.type = SK_ACL_RES_UNKNOWN;
    ck_assert(!sk_acl_filter_valid(&f));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("acl");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_paths);
    tcase_add_test(tc, test_znode_round_trip);
    tcase_add_test(tc, test_znode_malformed);
    tcase_add_test(tc, test_change_notifications);
    tcase_add_test(tc, test_table);
    tcase_add_test(tc, test_no_acl);
    tcase_add_test(tc, test_super_users);
    tcase_add_test(tc, test_allow_and_deny);
    tcase_add_test(tc, test_wildcards);
    tcase_add_test(tc, test_hosts);
    tcase_add_test(tc, test_prefixed);
    tcase_add_test(tc, test_implied_operations);
    tcase_add_test(tc, test_every_type);
    tcase_add_test(tc, test_authorize_any);
    tcase_add_test(tc, test_cache_invalidated);
    tcase_add_test(tc, test_warm_cache_allocates_nothing);
    tcase_add_test(tc, test_filters);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
