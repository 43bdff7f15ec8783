/* check_reassign_json.c - the reassignment JSON of /admin/reassign_partitions
 * and skein-reassign-partitions (zkschema/reassign_json.c). */
#include "reassign_json.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"

static char err[300];

static int dec(const char *json, sk_reassign_list_t *l)
{
    return sk_reassign_json_decode(json, strlen(json), l, err, sizeof(err));
}

START_TEST(test_decode_kafka_json)
{
    sk_reassign_list_t l;
    ck_assert_int_eq(dec("{\"version\":1,\"partitions\":[{\"topic\":\"foo\",\"partition\":0,"
                         "\"replicas\":[4,2,3]},{\"topic\":\"foo\",\"partition\":1,"
                         "\"replicas\":[2,3],\"log_dirs\":[\"any\",\"any\"]}]}",
                         &l),
                     SK_OK);
    ck_assert_int_eq(l.n, 2);
    ck_assert_str_eq(l.items[0].topic, "foo");
    ck_assert_int_eq(l.items[0].partition, 0);
    ck_assert_int_eq(l.items[0].n_replicas, 3);
    ck_assert_int_eq(l.items[0].replicas[0], 4);
    ck_assert_int_eq(l.items[1].replicas[1], 3);
    char *j = sk_reassign_json_encode(&l, 0);
    ck_assert_str_eq(j, "{\"version\":1,\"partitions\":[{\"topic\":\"foo\",\"partition\":0,"
                        "\"replicas\":[4,2,3]},{\"topic\":\"foo\",\"partition\":1,"
                        "\"replicas\":[2,3]}]}");
    free(j);
    j = sk_reassign_json_encode(&l, 1);
    ck_assert_ptr_nonnull(strstr(j, "\"replicas\":[2,3],\"log_dirs\":[\"any\",\"any\"]}"));
    free(j);
    sk_reassign_list_clear(&l);
    ck_assert_int_eq(dec("{\"version\":1,\"partitions\":[]}", &l), SK_OK);
    ck_assert_int_eq(l.n, 0);
}
END_TEST

START_TEST(test_decode_refuses)
{
    static const struct {
        const char *json, *why;
    } bad[] = {
        {"", "no data"},
        {"{", "invalid JSON"},
        {"[]", "not an object"},
        {"{\"partitions\":[]}", "version"},
        {"{\"version\":2,\"partitions\":[]}", "version"},
        {"{\"version\":\"1\",\"partitions\":[]}", "version"},
        {"{\"version\":1}", "\"partitions\""},
        {"{\"version\":1,\"partitions\":{}}", "\"partitions\""},
        {"{\"version\":1,\"partitions\":[7]}", "not an object"},
        {"{\"version\":1,\"partitions\":[{\"partition\":0,\"replicas\":[1]}]}", "\"topic\""},
        {"{\"version\":1,\"partitions\":[{\"topic\":\"a b\",\"partition\":0,\"replicas\":[1]}]}",
         "invalid topic name"},
        {"{\"version\":1,\"partitions\":[{\"topic\":\"..\",\"partition\":0,\"replicas\":[1]}]}",
         "invalid topic name"},
        {"{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":-1,\"replicas\":[1]}]}",
         "\"partition\""},
        {"{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":2147483648,"
         "\"replicas\":[1]}]}",
         "\"partition\""},
        {"{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0}]}", "\"replicas\""},
        {"{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[-1]}]}",
         "broker id"},
        {"{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1.5]}]}",
         "broker id"},
        {"{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1,2,1]}]}",
         "Partition replica lists may not contain duplicate entries"},
        {"{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1]},"
         "{\"topic\":\"t\",\"partition\":0,\"replicas\":[2]}]}",
         "Reassignment JSON file contains duplicate partitions: t-0"},
        {"{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1],"
         "\"log_dirs\":\"any\"}]}",
         "log_dirs"},
        {"{\"version\":1,\"version\":1,\"partitions\":[]}", "invalid JSON"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sk_reassign_list_t l;
        err[0] = '\0';
        ck_assert_msg(dec(bad[i].json, &l) == SK_EPARSE, "accepted %s", bad[i].json);
        ck_assert_msg(strstr(err, bad[i].why) != NULL, "%s: '%s' lacks '%s'", bad[i].json, err,
                      bad[i].why);
        ck_assert_int_eq(l.n, 0);
        ck_assert_ptr_null(l.items);
    }
    /* a NUL inside a topic name */
    const char nul[] = "{\"version\":1,\"partitions\":[{\"topic\":\"a\\u0000b\",\"partition\":0,"
                       "\"replicas\":[1]}]}";
    sk_reassign_list_t l;
    ck_assert_int_eq(dec(nul, &l), SK_EPARSE);
}
END_TEST

START_TEST(test_topics_to_move)
{
    char **names = NULL;
    int n = 0;
    const char *ok = "{\"topics\":[{\"topic\":\"a\"},{\"topic\":\"b\"},{\"topic\":\"a\"}],"
                     "\"version\":1}";
    ck_assert_int_eq(sk_reassign_topics_decode(ok, strlen(ok), &names, &n, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(names[0], "a");
    ck_assert_str_eq(names[1], "b");
    sk_reassign_topics_free(names, n);
    static const char *const bad[] = {
        "", "{", "{\"topics\":[]}", "{\"topics\":{}}", "{\"topics\":[{\"name\":\"a\"}]}",
        "{\"topics\":[{\"topic\":\"a/b\"}]}", "{\"topics\":[{\"topic\":\"a\"}],\"version\":3}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        names = NULL;
        n = 0;
        ck_assert_msg(sk_reassign_topics_decode(bad[i], strlen(bad[i]), &names, &n, err,
                                                sizeof(err)) == SK_EPARSE,
                      "accepted %s", bad[i]);
        ck_assert_ptr_null(names);
        ck_assert_int_eq(n, 0);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reassign_json");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_decode_kafka_json);
    tcase_add_test(tc, test_decode_refuses);
    tcase_add_test(tc, test_topics_to_move);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
