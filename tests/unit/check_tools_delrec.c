/* check_tools_delrec.c - skein-delete-records' offset JSON (delrec_json.c):
 * Kafka's format accepted, every malformed or ambiguous file refused with a
 * message and nothing returned. */
#include "delrec_json.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"

static int parse(const char *s, sk_delrec_list_t *l, char *err, size_t errlen)
{
    return sk_delrec_json_parse(s, strlen(s), l, err, errlen);
}

START_TEST(test_kafka_format)
{
    sk_delrec_list_t l;
    char err[256] = "";
    const char *j = "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":5},"
                    "{\"topic\":\"t\",\"partition\":2,\"offset\":-1},"
                    "{\"topic\":\"u.v-w_x\",\"partition\":0,\"offset\":0}],\"version\":1}";
    ck_assert_int_eq(parse(j, &l, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(l.n, 3);
    ck_assert_str_eq(l.e[0].topic, "t");
    ck_assert_int_eq(l.e[0].partition, 0);
    ck_assert_int_eq(l.e[0].offset, 5);
    ck_assert_int_eq(l.e[1].partition, 2);
    ck_assert_int_eq(l.e[1].offset, -1);
    ck_assert_str_eq(l.e[2].topic, "u.v-w_x");
    sk_delrec_list_free(&l);
    /* version may be left out; large offsets are kept exactly */
    ck_assert_int_eq(parse("{\"partitions\":[{\"offset\":9007199254740993,\"partition\":"
                           "2147483647,\"topic\":\"t\"}]}", &l, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(l.n, 1);
    ck_assert_int_eq(l.e[0].offset, 9007199254740993LL);
    ck_assert_int_eq(l.e[0].partition, 2147483647);
    sk_delrec_list_free(&l);
}
END_TEST

START_TEST(test_malformed)
{
    static const struct {
        const char *json, *says;
    } bad[] = {
        {"", "not valid JSON"},
        {"{", "not valid JSON"},
        {"{\"partitions\":[]", "not valid JSON"},
        {"[]", "must be an object"},
        {"{}", "Missing"},
        {"{\"version\":1}", "Missing"},
        {"{\"partitions\":{}}", "Missing"},
        {"{\"partitions\":[]}", "empty"},
        {"{\"partitions\":[1]}", "partitions[0]: not an object"},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1}],\"version\":2}",
         "version"},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1}],\"version\":\"1\"}",
         "version"},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1}],\"extra\":1}",
         "unknown field"},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1,\"x\":2}]}",
         "partitions[0]: unknown field"},
        {"{\"partitions\":[{\"partition\":0,\"offset\":1}]}", "\"topic\""},
        {"{\"partitions\":[{\"topic\":7,\"partition\":0,\"offset\":1}]}", "\"topic\""},
        {"{\"partitions\":[{\"topic\":\"\",\"partition\":0,\"offset\":1}]}", "partitions[0]"},
        {"{\"partitions\":[{\"topic\":\"a/b\",\"partition\":0,\"offset\":1}]}", "partitions[0]"},
        {"{\"partitions\":[{\"topic\":\"..\",\"partition\":0,\"offset\":1}]}", "partitions[0]"},
        {"{\"partitions\":[{\"topic\":\"t\",\"offset\":1}]}", "\"partition\""},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":-1,\"offset\":1}]}", "\"partition\""},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":2147483648,\"offset\":1}]}",
         "\"partition\""},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":\"0\",\"offset\":1}]}", "\"partition\""},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":0.5,\"offset\":1}]}", "\"partition\""},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":0}]}", "\"offset\""},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":-2}]}", "\"offset\""},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":\"5\"}]}", "\"offset\""},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1e3}]}", "\"offset\""},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":99999999999999999999}]}",
         "not valid JSON"},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1},"
         "{\"topic\":\"t\",\"partition\":1,\"offset\":1},"
         "{\"topic\":\"t\",\"partition\":0,\"offset\":7}]}", "duplicate topic partitions: t-0"},
        {"{\"partitions\":[{\"topic\":\"t\",\"topic\":\"u\",\"partition\":0,\"offset\":1}]}",
         "not valid JSON"},
        {"{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1}]} x", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sk_delrec_list_t l = {(void *)1, 99};
        char err[256] = "";
        ck_assert_msg(parse(bad[i].json, &l, err, sizeof(err)) == SK_EPARSE, "case %zu accepted",
                      i);
        ck_assert_msg(strstr(err, bad[i].says) != NULL, "case %zu: '%s' lacks '%s'", i, err,
                      bad[i].says);
        ck_assert_ptr_null(l.e);
        ck_assert_int_eq(l.n, 0);
    }
    /* an embedded NUL */
    sk_delrec_list_t l;
    char err[256];
    const char nul[] = "{\"partitions\":[{\"topic\":\"t\0\",\"partition\":0,\"offset\":1}]}";
    ck_assert_int_eq(sk_delrec_json_parse(nul, sizeof(nul) - 1, &l, err, sizeof(err)), SK_EPARSE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tools_delrec");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_kafka_format);
    tcase_add_test(tc, test_malformed);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
