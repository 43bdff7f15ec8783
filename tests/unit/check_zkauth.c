/* check_zkauth.c - the ZooKeeper credentials file and Kafka's znode ACLs
 * (zkschema/zkauth.c). */
#include "zkauth.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kerr.h"
#include "log.h"

static char err[600];

static int parse(const char *text, sk_zkauth_t **a)
{
    return sk_zkauth_parse(text, strlen(text), "digest.properties", a, err, sizeof(err));
}

START_TEST(test_parse_valid)
{
    sk_zkauth_t *a = NULL;
    ck_assert_int_eq(parse("# brokers\nusername=kafka\npassword=s3cret\n", &a), SK_OK);
    ck_assert_str_eq(sk_zkauth_user(a), "kafka");
    ck_assert_str_eq(sk_zkauth_credential(a), "kafka:s3cret");
    sk_zkauth_free(a);
    /* Java properties: ':' and '=' in the value are literal, a password may hold them */
    ck_assert_int_eq(parse("username: kafka\r\npassword = a:b=c d", &a), SK_OK);
    ck_assert_str_eq(sk_zkauth_credential(a), "kafka:a:b=c d");
    sk_zkauth_free(a);
    ck_assert_int_eq(parse("password=p\nusername=\\u00e9l\\u00e8ve", &a), SK_OK);
    ck_assert_str_eq(sk_zkauth_credential(a), "\xc3\xa9l\xc3\xa8ve:p");
    sk_zkauth_free(a);
}
END_TEST

START_TEST(test_parse_refuses)
{
    static const struct {
        const char *text;
        const char *why;
    } bad[] = {
        {"", "no username"},
        {"username=kafka\n", "no password"},
        {"password=x\n", "no username"},
        {"username=\npassword=x\n", "username must be non-empty"},
        {"username=a\\:b\npassword=x\n", "without ':'"},
        {"username=kafka\npassword=\n", "password must be non-empty"},
        {"username=kafka\npassword=x\nuser=bob\n", ":3: unknown key 'user'"},
        {"username=ka\\nfka\npassword=x\n", "line breaks"},
        {"username=kafka\npassword=x\\ry\n", "line breaks"},
        {"username=kafka\npassword=\\u12\n", "digest.properties:2"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sk_zkauth_t *a = (sk_zkauth_t *)&err; /* must be reset */
        err[0] = '\0';
        ck_assert_msg(parse(bad[i].text, &a) == SK_EINVAL, "accepted %s", bad[i].text);
        ck_assert_ptr_null(a);
        ck_assert_msg(strstr(err, bad[i].why) && strncmp(err, "digest.properties", 17) == 0,
                      "%s: %s", bad[i].text, err);
    }
    /* a NUL byte inside */
    sk_zkauth_t *a = NULL;
    ck_assert_int_eq(sk_zkauth_parse("username=k\0x\npassword=p\n", 23, "f", &a, err,
                                     sizeof(err)),
                     SK_EINVAL);
    ck_assert_ptr_null(a);
}
END_TEST

START_TEST(test_load)
{
    sk_zkauth_t *a = NULL;
    ck_assert_int_eq(sk_zkauth_load("/nonexistent/zk-digest", &a, err, sizeof(err)), SK_EINVAL);
    ck_assert_ptr_null(a);
    ck_assert_msg(strstr(err, "/nonexistent/zk-digest") && strstr(err, "No such file"), "%s",
                  err);
    char path[] = "/tmp/check_zkauth_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char text[] = "username=kafka\npassword=pw\n";
    ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    ck_assert_int_eq(sk_zkauth_load(path, &a, err, sizeof(err)), SK_OK);
    ck_assert_str_eq(sk_zkauth_credential(a), "kafka:pw");
    sk_zkauth_free(a);
    unlink(path);
}
END_TEST

static int has(const struct ACL_vector *v, const char *scheme, const char *id, int perms)
{
    for (int i = 0; i < v->count; i++)
        if (!strcmp(v->data[i].id.scheme, scheme) && !strcmp(v->data[i].id.id, id) &&
            v->data[i].perms == perms)
            return 1;
    return 0;
}

START_TEST(test_kafka_default_acls)
{
    /* open without secure ACLs, whatever the path */
    const struct ACL_vector *v = sk_zkauth_acl(0, "/config/users/alice");
    ck_assert_int_eq(v->count, 1);
    ck_assert(has(v, "world", "anyone", ZOO_PERM_ALL));
    /* creator cdrwa + world read */
    static const char *const readable[] = {"/brokers/ids/0", "/controller", "/brokers/topics/t",
                                           "/config/topics/t", "/config/changes/config_change_",
                                           "/consumers/g", "/config", "/skein"};
    for (size_t i = 0; i < sizeof(readable) / sizeof(readable[0]); i++) {
        v = sk_zkauth_acl(1, readable[i]);
        ck_assert_msg(v->count == 2 && has(v, "auth", "", ZOO_PERM_ALL) &&
                          has(v, "world", "anyone", ZOO_PERM_READ),
                      "%s", readable[i]);
    }
    /* Kafka's sensitive subtrees: creator only */
    static const char *const sensitive[] = {"/config/users", "/config/users/alice",
                                            "/config/brokers", "/config/brokers/<default>",
                                            "/delegation_token/tokens/x"};
    for (size_t i = 0; i < sizeof(sensitive) / sizeof(sensitive[0]); i++) {
        v = sk_zkauth_acl(1, sensitive[i]);
        ck_assert_msg(v->count == 1 && has(v, "auth", "", ZOO_PERM_ALL), "%s", sensitive[i]);
        ck_assert(sk_zkauth_sensitive(sensitive[i]));
    }
    /* /consumers itself stays open, as in Kafka */
    v = sk_zkauth_acl(1, "/consumers");
    ck_assert(v->count == 1 && has(v, "world", "anyone", ZOO_PERM_ALL));
}
END_TEST

int main(void)
{
    sk_log_set_level(SK_LOG_ERROR);
    Suite *s = suite_create("zkauth");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_parse_valid);
    tcase_add_test(tc, test_parse_refuses);
    tcase_add_test(tc, test_load);
    tcase_add_test(tc, test_kafka_default_acls);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
