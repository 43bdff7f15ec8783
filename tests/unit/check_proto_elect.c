/* check_proto_elect.c - unit tests for the ElectLeaders codec (key 43,
 * v0-2). Expected bytes are written from the schema's field lists; every
 * hand message goes through the truncation and mutation sweeps and
 * re-encodes to itself; hostile counts and values the encoders refuse are
 * tested separately.
 */
#include "check_proto_cluster_util.h"
#include "kerr.h"
#include "proto_electleaders.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

TU_CODEC(electleaders_req, sk_electleaders_req_t);
TU_CODEC(electleaders_resp, sk_electleaders_resp_t);

#define FOO "666f6f"

static void *decode_checked(const tu_codec_t *c, const char *hexs, int16_t v, sk_arena_t *a)
{
    size_t cap = strlen(hexs) / 2 + 1;
    uint8_t *b = sk_arena_alloc(a, cap);
    size_t n = tu_hex(hexs, b, cap);
    void *out = sk_arena_calloc(a, 1, c->size);
    ck_assert_msg(tu_decode(c, b, n, v, a, out) == SK_OK, "%s v%d does not decode", c->name, v);
    tu_check_all(c, b, n, v);
    return out;
}

static void expect_parse_fail(const tu_codec_t *c, int16_t v, const char *const *cases, size_t n)
{
    sk_arena_t *a = sk_arena_new(0);
    for (size_t i = 0; i < n; i++) {
        void *out = sk_arena_calloc(a, 1, c->size);
        ck_assert_msg(tu_decode_hex(c, cases[i], v, a, out) == SK_EPARSE, "%s v%d case %zu",
                      c->name, v, i);
    }
    sk_arena_free(a);
}

/* foo partitions 0 and 1, timeout 60000 */
static const char *const req_hex[3] = {
    "00000001 0003 " FOO " 00000002 00000000 00000001 0000ea60",
    "01 00000001 0003 " FOO " 00000002 00000000 00000001 0000ea60",
    "01 02 04 " FOO " 03 00000000 00000001 00 0000ea60 00",
};

START_TEST(test_req)
{
    int32_t parts[2] = {0, 1};
    sk_electleaders_req_topic_t t = {sk_str_c("foo"), parts, 2};
    for (int16_t v = SK_ELECTLEADERS_MIN_VER; v <= SK_ELECTLEADERS_MAX_VER; v++) {
        sk_electleaders_req_t req = {v >= 1 ? SK_ELECTION_UNCLEAN : SK_ELECTION_PREFERRED, &t, 1,
                                     60000};
        sk_arena_t *a = sk_arena_new(0);
        tu_assert_encodes(&electleaders_req_codec, v, &req, req_hex[v]);
        sk_electleaders_req_t *g = decode_checked(&electleaders_req_codec, req_hex[v], v, a);
        ck_assert_int_eq(g->ElectionType, v >= 1 ? 1 : 0);
        ck_assert_int_eq(g->TopicPartitionsCnt, 1);
        tu_assert_str(g->TopicPartitions[0].Topic, "foo");
        tu_assert_i32s(g->TopicPartitions[0].Partitions, g->TopicPartitions[0].PartitionsCnt,
                       parts, 2);
        ck_assert_int_eq(g->TimeoutMs, 60000);
        sk_arena_free(a);
    }
}
END_TEST

START_TEST(test_req_null)
{
    /* null TopicPartitions = every partition */
    static const char *const hex[3] = {"ffffffff 00001388", "00 ffffffff 00001388",
                                       "00 00 00001388 00"};
    sk_electleaders_req_t req = {0, NULL, -1, 5000};
    for (int16_t v = 0; v <= 2; v++) {
        sk_arena_t *a = sk_arena_new(0);
        tu_assert_encodes(&electleaders_req_codec, v, &req, hex[v]);
        sk_electleaders_req_t *g = decode_checked(&electleaders_req_codec, hex[v], v, a);
        ck_assert_int_eq(g->TopicPartitionsCnt, -1);
        ck_assert_ptr_null(g->TopicPartitions);
        ck_assert_int_eq(g->TimeoutMs, 5000);
        sk_arena_free(a);
    }
    /* unknown tags are skipped */
    sk_arena_t *a = sk_arena_new(0);
    sk_electleaders_req_t g;
    ck_assert_int_eq(tu_decode_hex(&electleaders_req_codec, "00 00 00001388 01 05 02 aabb", 2, a,
                                   &g),
                     SK_OK);
    ck_assert_int_eq(g.TimeoutMs, 5000);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_req_bad)
{
    /* hostile and null counts where not nullable, null topic name */
    static const char *const bad0[] = {
        "7fffffff 0000ea60",
        "00000001 ffff 00000000 0000ea60",
        "00000001 0003 " FOO " ffffffff 0000ea60",
        "00000001 0003 " FOO " 10000000 00000000 0000ea60",
        "fffffffe 0000ea60",
    };
    expect_parse_fail(&electleaders_req_codec, 0, bad0, sizeof(bad0) / sizeof(bad0[0]));
    static const char *const bad2[] = {
        "00 ffffff7f 00001388 00",
        "00 02 00 00 00 00001388 00",
        "00 02 04 " FOO " 00 00 00001388 00",
        "00 02 04 " FOO " 01 00 00001388 09",
    };
    expect_parse_fail(&electleaders_req_codec, 2, bad2, sizeof(bad2) / sizeof(bad2[0]));
    sk_wr_t w;
    sk_wr_init(&w);
    sk_electleaders_req_t req = {SK_ELECTION_UNCLEAN, NULL, -1, 1};
    ck_assert_int_eq(sk_electleaders_req_encode(&w, 0, &req), SK_EINVAL); /* unclean at v0 */
    req.ElectionType = 0;
    req.TopicPartitionsCnt = -2;
    ck_assert_int_eq(sk_electleaders_req_encode(&w, 1, &req), SK_EINVAL);
    sk_electleaders_req_topic_t t = {SK_STR_NULL, NULL, 0};
    req.TopicPartitions = &t;
    req.TopicPartitionsCnt = 1;
    ck_assert_int_eq(sk_electleaders_req_encode(&w, 2, &req), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    tu_check_bad_versions(&electleaders_req_codec, SK_ELECTLEADERS_MIN_VER,
                          SK_ELECTLEADERS_MAX_VER);
}
END_TEST

/* foo-0 elected, foo-1 ELECTION_NOT_NEEDED (84) with message "x" */
static const char *const resp_hex[3] = {
    "00000000 00000001 0003 " FOO " 00000002 00000000 0000 ffff 00000001 0054 0001 78",
    "00000000 0000 00000001 0003 " FOO " 00000002 00000000 0000 ffff 00000001 0054 0001 78",
    "00000000 0000 02 04 " FOO " 03 00000000 0000 00 00 00000001 0054 02 78 00 00 00",
};

START_TEST(test_resp)
{
    sk_electleaders_partition_result_t pr[2] = {
        {0, SK_KERR_NONE, SK_STR_NULL},
        {1, SK_KERR_ELECTION_NOT_NEEDED, sk_str_c("x")},
    };
    sk_electleaders_result_t t = {sk_str_c("foo"), pr, 2};
    sk_electleaders_resp_t resp = {0, 0, &t, 1};
    for (int16_t v = SK_ELECTLEADERS_MIN_VER; v <= SK_ELECTLEADERS_MAX_VER; v++) {
        sk_arena_t *a = sk_arena_new(0);
        tu_assert_encodes(&electleaders_resp_codec, v, &resp, resp_hex[v]);
        sk_electleaders_resp_t *g = decode_checked(&electleaders_resp_codec, resp_hex[v], v, a);
        ck_assert_int_eq(g->ErrorCode, 0);
        ck_assert_int_eq(g->ReplicaElectionResultsCnt, 1);
        tu_assert_str(g->ReplicaElectionResults[0].Topic, "foo");
        ck_assert_int_eq(g->ReplicaElectionResults[0].PartitionResultCnt, 2);
        const sk_electleaders_partition_result_t *p = g->ReplicaElectionResults[0].PartitionResult;
        ck_assert_int_eq(p[0].PartitionId, 0);
        ck_assert_int_eq(p[0].ErrorCode, 0);
        tu_assert_str(p[0].ErrorMessage, NULL);
        ck_assert_int_eq(p[1].PartitionId, 1);
        ck_assert_int_eq(p[1].ErrorCode, SK_KERR_ELECTION_NOT_NEEDED);
        tu_assert_str(p[1].ErrorMessage, "x");
        sk_arena_free(a);
    }
    /* top-level error (v1+) with no results */
    sk_electleaders_resp_t top = {0, SK_KERR_NOT_CONTROLLER, NULL, 0};
    tu_assert_encodes(&electleaders_resp_codec, 1, &top, "00000000 0029 00000000");
    tu_assert_encodes(&electleaders_resp_codec, 2, &top, "00000000 0029 01 00");
}
END_TEST

START_TEST(test_resp_bad)
{
    static const char *const bad1[] = {
        "00000000 0000 ffffffff",
        "00000000 0000 7fffffff",
        "00000000 0000 00000001 ffff 00000000",
        "00000000 0000 00000001 0003 " FOO " ffffffff",
        "00000000 0000 00000001 0003 " FOO " 00000001 00000000 0000 0005 78",
    };
    expect_parse_fail(&electleaders_resp_codec, 1, bad1, sizeof(bad1) / sizeof(bad1[0]));
    static const char *const bad2[] = {
        "00000000 0000 00 00",
        "00000000 0000 02 00 01 00 00",
        "00000000 0000 02 04 " FOO " 00 00 00",
    };
    expect_parse_fail(&electleaders_resp_codec, 2, bad2, sizeof(bad2) / sizeof(bad2[0]));
    sk_wr_t w;
    sk_wr_init(&w);
    sk_electleaders_resp_t resp = {0, 0, NULL, -1};
    ck_assert_int_eq(sk_electleaders_resp_encode(&w, 1, &resp), SK_EINVAL);
    sk_electleaders_result_t t = {SK_STR_NULL, NULL, 0};
    resp.ReplicaElectionResults = &t;
    resp.ReplicaElectionResultsCnt = 1;
    ck_assert_int_eq(sk_electleaders_resp_encode(&w, 2, &resp), SK_EINVAL);
    t.Topic = sk_str_c("foo");
    t.PartitionResultCnt = -1;
    ck_assert_int_eq(sk_electleaders_resp_encode(&w, 0, &resp), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    tu_check_bad_versions(&electleaders_resp_codec, SK_ELECTLEADERS_MIN_VER,
                          SK_ELECTLEADERS_MAX_VER);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto_elect");
    TCase *tc = tcase_create("electleaders");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_req);
    tcase_add_test(tc, test_req_null);
    tcase_add_test(tc, test_req_bad);
    tcase_add_test(tc, test_resp);
    tcase_add_test(tc, test_resp_bad);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
