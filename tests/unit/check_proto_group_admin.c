/* check_proto_group_admin.c - unit tests for the group admin codecs:
 * ListGroups v0-4 (3+ flexible), DescribeGroups v0-4, DeleteGroups v0-1,
 * OffsetDelete v0.
 *
 * Expected bytes are written by hand from the schemas' field lists, every
 * message goes through the truncation, mutation and re-encode sweeps of
 * check_proto_cluster_util.h, plus hostile counts, nulls the schema does
 * not allow, unknown tagged fields in the flexible versions, and values the
 * encoders must refuse.
 */
#include "check_proto_group_util.h"
#include "proto_deletegroups.h"
#include "proto_describegroups.h"
#include "proto_listgroups.h"
#include "proto_offsetdelete.h"

#include <stdio.h>
#include <stdlib.h>

TU_CODEC(listgroups_req, sk_listgroups_req_t);
TU_CODEC(listgroups_resp, sk_listgroups_resp_t);
TU_CODEC(describegroups_req, sk_describegroups_req_t);
TU_CODEC(describegroups_resp, sk_describegroups_resp_t);
TU_CODEC(deletegroups_req, sk_deletegroups_req_t);
TU_CODEC(deletegroups_resp, sk_deletegroups_resp_t);
TU_CODEC(offsetdelete_req, sk_offsetdelete_req_t);
TU_CODEC(offsetdelete_resp, sk_offsetdelete_resp_t);

#define GRP "0003 677270"                 /* "grp" */
#define G2 "0002 6732"                    /* "g2" */
#define FOO "0003 666f6f"                 /* "foo" */
#define CONSUMER "0008 636f6e73756d6572"  /* "consumer" */
#define RANGE "0005 72616e6765"           /* "range" */
#define STABLE "0006 537461626c65"        /* "Stable" */
#define M1 "0002 6d31"
#define I1 "0002 6931"
#define CID "0003 636964"
#define HOST "0002 2f68"

/* ======================= ListGroups ======================= */

START_TEST(test_lg_req)
{
    sk_str_t states[2] = {sk_str_c("Stable"), sk_str_c("Empty")};
    sk_listgroups_req_t req = {NULL, 0};
    for (int16_t v = SK_LISTGROUPS_MIN_VER; v <= SK_LISTGROUPS_MAX_VER; v++) {
        const char *hexs = v < 3 ? "" : (v == 3 ? "00" : "01 00");
        sk_arena_t *a = sk_arena_new(0);
        sk_listgroups_req_t *g = tg_both(&listgroups_req_codec, v, &req, hexs, a);
        ck_assert_int_eq(g->StatesFilterCnt, 0);
        sk_arena_free(a);
    }
    req.StatesFilter = states;
    req.StatesFilterCnt = 2;
    sk_arena_t *a = sk_arena_new(0);
    sk_listgroups_req_t *g =
        tg_both(&listgroups_req_codec, 4, &req, "03 07 537461626c65 06 456d707479 00", a);
    ck_assert_int_eq(g->StatesFilterCnt, 2);
    tu_assert_str(g->StatesFilter[0], "Stable");
    tu_assert_str(g->StatesFilter[1], "Empty");
    /* the filter is not ignorable */
    tg_enc_fails(&listgroups_req_codec, 3, &req);
    tg_enc_fails(&listgroups_req_codec, 0, &req);
    states[1] = SK_STR_NULL;
    tg_enc_fails(&listgroups_req_codec, 4, &req);
    req.StatesFilterCnt = -1;
    tg_enc_fails(&listgroups_req_codec, 4, &req);
    /* unknown tags skipped */
    g = calloc(1, sizeof(*g));
    ck_assert_int_eq(tu_decode_hex(&listgroups_req_codec, "01 00 01 61", 3, a, g), SK_OK);
    ck_assert_int_eq(tu_decode_hex(&listgroups_req_codec, "02 02 61 01 04 00", 4, a, g), SK_OK);
    tu_assert_str(g->StatesFilter[0], "a");
    free(g);
    static const char *const bad4[] = {"00 00", "02 00 00", "05 02 61 00", "01"};
    tg_parse_fail(&listgroups_req_codec, 4, bad4, TG_N(bad4));
    static const char *const bad3[] = {"", "01 00 05 00"};
    tg_parse_fail(&listgroups_req_codec, 3, bad3, TG_N(bad3));
    sk_arena_free(a);
}
END_TEST

START_TEST(test_lg_resp)
{
    sk_listgroups_resp_group_t groups[2] = {
        {sk_str_c("grp"), sk_str_c("consumer"), sk_str_c("Stable")},
        {sk_str_c("g2"), sk_str_c(""), sk_str_c("Empty")}};
    sk_listgroups_resp_t resp = {7, 0, groups, 2};
    for (int16_t v = SK_LISTGROUPS_MIN_VER; v <= SK_LISTGROUPS_MAX_VER; v++) {
        const char *hexs;
        if (v == 0)
            hexs = "0000 00000002 " GRP " " CONSUMER " " G2 " 0000";
        else if (v < 3)
            hexs = "00000007 0000 00000002 " GRP " " CONSUMER " " G2 " 0000";
        else if (v == 3)
            hexs = "00000007 0000 03 04 677270 09 636f6e73756d6572 00 03 6732 01 00 00";
        else
            hexs = "00000007 0000 03 04 677270 09 636f6e73756d6572 07 537461626c65 00"
                   " 03 6732 01 06 456d707479 00 00";
        sk_arena_t *a = sk_arena_new(0);
        sk_listgroups_resp_t *g = tg_both(&listgroups_resp_codec, v, &resp, hexs, a);
        ck_assert_int_eq(g->ThrottleTimeMs, v >= 1 ? 7 : 0);
        ck_assert_int_eq(g->ErrorCode, 0);
        ck_assert_int_eq(g->GroupsCnt, 2);
        tu_assert_str(g->Groups[0].GroupId, "grp");
        tu_assert_str(g->Groups[0].ProtocolType, "consumer");
        tu_assert_str(g->Groups[0].GroupState, v >= 4 ? "Stable" : "");
        tu_assert_str(g->Groups[1].GroupId, "g2");
        tu_assert_str(g->Groups[1].ProtocolType, "");
        tu_assert_str(g->Groups[1].GroupState, v >= 4 ? "Empty" : "");
        sk_arena_free(a);
    }
    /* error, no groups */
    sk_listgroups_resp_t eresp = {0, SK_KERR_COORDINATOR_LOAD_IN_PROGRESS, NULL, 0};
    tu_assert_encodes(&listgroups_resp_codec, 0, &eresp, "000e 00000000");
    tu_assert_encodes(&listgroups_resp_codec, 4, &eresp, "00000000 000e 01 00");
    /* unknown tags at both levels */
    sk_arena_t *a = sk_arena_new(0);
    sk_listgroups_resp_t *g = calloc(1, sizeof(*g));
    ck_assert_int_eq(tu_decode_hex(&listgroups_resp_codec,
                                   "00000000 0000 02 02 61 01 02 62 01 03 00 01 00 00", 4, a, g),
                     SK_OK);
    tu_assert_str(g->Groups[0].GroupId, "a");
    tu_assert_str(g->Groups[0].GroupState, "b");
    free(g);
    groups[1].GroupState = SK_STR_NULL;
    tg_enc_fails(&listgroups_resp_codec, 4, &resp);
    tu_assert_encodes(&listgroups_resp_codec, 0, &resp,
                      "0000 00000002 " GRP " " CONSUMER " " G2 " 0000"); /* dropped */
    groups[1].GroupState = sk_str_c("Empty");
    groups[0].ProtocolType = SK_STR_NULL;
    tg_enc_fails(&listgroups_resp_codec, 1, &resp);
    groups[0].ProtocolType = sk_str_c("consumer");
    resp.GroupsCnt = -1;
    tg_enc_fails(&listgroups_resp_codec, 3, &resp);
    static const char *const bad1[] = {"00000000 0000 ffffffff", "00000000 0000 00000001 ffff 0000",
                                       "00000000 0000 00000001 0000 ffff",
                                       "00000000 0000 00000002 0000 0000"};
    tg_parse_fail(&listgroups_resp_codec, 1, bad1, TG_N(bad1));
    static const char *const bad4[] = {"00000000 0000 00 00", "00000000 0000 02 01 01 00 00 00",
                                       "00000000 0000 02 01 01 01 00", "00000000 0000 01"};
    tg_parse_fail(&listgroups_resp_codec, 4, bad4, TG_N(bad4));
    tu_check_bad_versions(&listgroups_req_codec, SK_LISTGROUPS_MIN_VER, SK_LISTGROUPS_MAX_VER);
    tu_check_bad_versions(&listgroups_resp_codec, SK_LISTGROUPS_MIN_VER, SK_LISTGROUPS_MAX_VER);
    sk_arena_free(a);
}
END_TEST

/* ======================= DescribeGroups ======================= */

START_TEST(test_dg_req)
{
    sk_str_t ids[2] = {sk_str_c("grp"), sk_str_c("g2")};
    sk_describegroups_req_t req = {ids, 2, 0};
    for (int16_t v = SK_DESCRIBEGROUPS_MIN_VER; v <= SK_DESCRIBEGROUPS_MAX_VER; v++) {
        req.IncludeAuthorizedOperations = v >= 3;
        const char *hexs = v >= 5   ? "03 04677270 036732 01 00" /* compact */
                           : v >= 3 ? "00000002 " GRP " " G2 " 01"
                                    : "00000002 " GRP " " G2;
        sk_arena_t *a = sk_arena_new(0);
        sk_describegroups_req_t *g = tg_both(&describegroups_req_codec, v, &req, hexs, a);
        ck_assert_int_eq(g->GroupsCnt, 2);
        tu_assert_str(g->Groups[0], "grp");
        tu_assert_str(g->Groups[1], "g2");
        ck_assert_int_eq(g->IncludeAuthorizedOperations, v >= 3);
        sk_arena_free(a);
    }
    tg_enc_fails(&describegroups_req_codec, 2, &req);
    req.IncludeAuthorizedOperations = 0;
    tu_assert_encodes(&describegroups_req_codec, 4, &req, "00000002 " GRP " " G2 " 00");
    ids[0] = SK_STR_NULL;
    tg_enc_fails(&describegroups_req_codec, 0, &req);
    req.GroupsCnt = -1;
    tg_enc_fails(&describegroups_req_codec, 1, &req);
    static const char *const bad[] = {"ffffffff 00", "00000001 ffff 00", "7fffffff 00",
                                      "00000002 " GRP " 00"};
    tg_parse_fail(&describegroups_req_codec, 3, bad, TG_N(bad));
}
END_TEST

START_TEST(test_dg_resp)
{
    sk_describegroups_resp_member_t mem = {sk_str_c("m1"), sk_str_c("i1"), sk_str_c("cid"),
                                           sk_str_c("/h"), {"\xaa", 1}, {"", 0}};
    sk_describegroups_resp_group_t groups[2] = {
        {0, sk_str_c("grp"), sk_str_c("Stable"), sk_str_c("consumer"), sk_str_c("range"), &mem,
         1, 0x100},
        {SK_KERR_GROUP_ID_NOT_FOUND, sk_str_c("g2"), sk_str_c("Dead"), sk_str_c(""),
         sk_str_c(""), NULL, 0, SK_DESCRIBEGROUPS_OPS_OMITTED}};
    sk_describegroups_resp_t resp = {7, groups, 2};
    for (int16_t v = SK_DESCRIBEGROUPS_MIN_VER; v <= SK_DESCRIBEGROUPS_MAX_VER; v++) {
        /* AuthorizedOperations is v3+ and not ignorable */
        groups[0].AuthorizedOperations = v >= 3 ? 0x100 : SK_DESCRIBEGROUPS_OPS_OMITTED;
        char hexs[600];
        snprintf(hexs, sizeof(hexs),
                 "%s 00000002"
                 " | 0000 " GRP " " STABLE " " CONSUMER " " RANGE " 00000001"
                 " " M1 " %s " CID " " HOST " 00000001 aa 00000000 %s"
                 " | 0045 " G2 " 0004 44656164 0000 0000 00000000 %s",
                 v >= 1 ? "00000007" : "", v >= 4 ? I1 : "", v >= 3 ? "00000100" : "",
                 v >= 3 ? "80000000" : "");
        if (v >= 5) /* compact strings, bytes and arrays, tag sections */
            snprintf(hexs, sizeof(hexs),
                     "00000007 03"
                     " | 0000 04677270 07537461626c65 09636f6e73756d6572 0672616e6765 02"
                     " 036d31 036931 04636964 032f68 02aa 01 00 00000100 00"
                     " | 0045 036732 0544656164 01 01 01 80000000 00 | 00");
        sk_arena_t *a = sk_arena_new(0);
        sk_describegroups_resp_t *g = tg_both(&describegroups_resp_codec, v, &resp, hexs, a);
        ck_assert_int_eq(g->ThrottleTimeMs, v >= 1 ? 7 : 0);
        ck_assert_int_eq(g->GroupsCnt, 2);
        const sk_describegroups_resp_group_t *g0 = &g->Groups[0], *g1 = &g->Groups[1];
        ck_assert_int_eq(g0->ErrorCode, 0);
        tu_assert_str(g0->GroupId, "grp");
        tu_assert_str(g0->GroupState, "Stable");
        tu_assert_str(g0->ProtocolType, "consumer");
        tu_assert_str(g0->ProtocolData, "range");
        ck_assert_int_eq(g0->MembersCnt, 1);
        tu_assert_str(g0->Members[0].MemberId, "m1");
        tu_assert_str(g0->Members[0].GroupInstanceId, v >= 4 ? "i1" : NULL);
        tu_assert_str(g0->Members[0].ClientId, "cid");
        tu_assert_str(g0->Members[0].ClientHost, "/h");
        ck_assert_int_eq(g0->Members[0].MemberMetadata.len, 1);
        ck_assert_int_eq(g0->Members[0].MemberAssignment.len, 0);
        ck_assert_int_eq(g0->AuthorizedOperations, v >= 3 ? 0x100 : INT32_MIN);
        ck_assert_int_eq(g1->ErrorCode, SK_KERR_GROUP_ID_NOT_FOUND);
        tu_assert_str(g1->GroupState, "Dead");
        ck_assert_int_eq(g1->MembersCnt, 0);
        ck_assert_int_eq(g1->AuthorizedOperations, INT32_MIN);
        sk_arena_free(a);
    }
    mem.MemberAssignment = SK_STR_NULL;
    tg_enc_fails(&describegroups_resp_codec, 4, &resp);
    mem.MemberAssignment = (sk_str_t){"", 0};
    mem.ClientHost = SK_STR_NULL;
    tg_enc_fails(&describegroups_resp_codec, 0, &resp);
    mem.ClientHost = sk_str_c("/h");
    groups[1].ProtocolData = SK_STR_NULL;
    tg_enc_fails(&describegroups_resp_codec, 2, &resp);
    groups[1].ProtocolData = sk_str_c("");
    groups[1].MembersCnt = -1;
    tg_enc_fails(&describegroups_resp_codec, 3, &resp);
    groups[1].MembersCnt = 0;
    resp.GroupsCnt = -1;
    tg_enc_fails(&describegroups_resp_codec, 1, &resp);
    static const char *const bad[] = {
        "00000000 ffffffff",
        "00000000 00000001 0000 ffff 0000 0000 0000 00000000 80000000",
        "00000000 00000001 0000 0000 0000 0000 ffff 00000000 80000000",
        "00000000 00000001 0000 0000 0000 0000 0000 ffffffff 80000000",
        "00000000 00000001 0000 0000 0000 0000 0000 00000001 0000 ffff 0000 0000 00000000"
        " ffffffff 80000000",
        "00000000 00000001 0000 0000 0000 0000 0000 7fffffff 80000000",
        "00000000 00000002 0000 0000 0000 0000 0000 00000000 80000000",
    };
    tg_parse_fail(&describegroups_resp_codec, 4, bad, TG_N(bad));
    tu_check_bad_versions(&describegroups_req_codec, SK_DESCRIBEGROUPS_MIN_VER,
                          SK_DESCRIBEGROUPS_MAX_VER);
    tu_check_bad_versions(&describegroups_resp_codec, SK_DESCRIBEGROUPS_MIN_VER,
                          SK_DESCRIBEGROUPS_MAX_VER);
}
END_TEST

/* ======================= DeleteGroups ======================= */

START_TEST(test_delg)
{
    sk_str_t names[2] = {sk_str_c("grp"), sk_str_c("g2")};
    sk_deletegroups_req_t req = {names, 2};
    sk_deletegroups_resp_result_t res[2] = {{sk_str_c("grp"), 0},
                                            {sk_str_c("g2"), SK_KERR_NON_EMPTY_GROUP}};
    sk_deletegroups_resp_t resp = {7, res, 2};
    for (int16_t v = SK_DELETEGROUPS_MIN_VER; v <= SK_DELETEGROUPS_MAX_VER; v++) {
        sk_arena_t *a = sk_arena_new(0);
        sk_deletegroups_req_t *g = tg_both(&deletegroups_req_codec, v, &req,
                                           v >= 2 ? "03 04677270 036732 00" /* compact */
                                                  : "00000002 " GRP " " G2, a);
        ck_assert_int_eq(g->GroupsNamesCnt, 2);
        tu_assert_str(g->GroupsNames[0], "grp");
        tu_assert_str(g->GroupsNames[1], "g2");
        sk_deletegroups_resp_t *gr = tg_both(
            &deletegroups_resp_codec, v, &resp,
            v >= 2 ? "00000007 03 04677270 0000 00 036732 0044 00 00"
                   : "00000007 00000002 " GRP " 0000 " G2 " 0044", a);
        ck_assert_int_eq(gr->ThrottleTimeMs, 7);
        ck_assert_int_eq(gr->ResultsCnt, 2);
        tu_assert_str(gr->Results[1].GroupId, "g2");
        ck_assert_int_eq(gr->Results[1].ErrorCode, SK_KERR_NON_EMPTY_GROUP);
        sk_arena_free(a);
    }
    names[1] = SK_STR_NULL;
    tg_enc_fails(&deletegroups_req_codec, 1, &req);
    req.GroupsNamesCnt = -1;
    tg_enc_fails(&deletegroups_req_codec, 0, &req);
    res[0].GroupId = SK_STR_NULL;
    tg_enc_fails(&deletegroups_resp_codec, 1, &resp);
    resp.ResultsCnt = -1;
    tg_enc_fails(&deletegroups_resp_codec, 0, &resp);
    static const char *const bad[] = {"ffffffff", "00000001 ffff", "00000002 " GRP, "7fffffff"};
    tg_parse_fail(&deletegroups_req_codec, 1, bad, TG_N(bad));
    static const char *const rbad[] = {"00000000 ffffffff", "00000000 00000001 ffff 0000",
                                       "00000000 00000002 0000 0000"};
    tg_parse_fail(&deletegroups_resp_codec, 0, rbad, TG_N(rbad));
    tu_check_bad_versions(&deletegroups_req_codec, SK_DELETEGROUPS_MIN_VER,
                          SK_DELETEGROUPS_MAX_VER);
    tu_check_bad_versions(&deletegroups_resp_codec, SK_DELETEGROUPS_MIN_VER,
                          SK_DELETEGROUPS_MAX_VER);
}
END_TEST

/* ======================= OffsetDelete ======================= */

/* GROUP_SUBSCRIBED_TO_TOPIC */
#define KERR_SUBSCRIBED 86

START_TEST(test_od)
{
    sk_offsetdelete_req_partition_t rp[2] = {{0}, {1}};
    sk_offsetdelete_req_topic_t rt = {sk_str_c("foo"), rp, 2};
    sk_offsetdelete_req_t req = {sk_str_c("grp"), &rt, 1};
    sk_arena_t *a = sk_arena_new(0);
    sk_offsetdelete_req_t *g = tg_both(&offsetdelete_req_codec, 0, &req,
                                       GRP " 00000001 " FOO " 00000002 00000000 00000001", a);
    tu_assert_str(g->GroupId, "grp");
    ck_assert_int_eq(g->TopicsCnt, 1);
    tu_assert_str(g->Topics[0].Name, "foo");
    ck_assert_int_eq(g->Topics[0].PartitionsCnt, 2);
    ck_assert_int_eq(g->Topics[0].Partitions[1].PartitionIndex, 1);
    sk_offsetdelete_resp_partition_t pp[2] = {{0, 0}, {1, KERR_SUBSCRIBED}};
    sk_offsetdelete_resp_topic_t pt = {sk_str_c("foo"), pp, 2};
    sk_offsetdelete_resp_t resp = {0, 7, &pt, 1};
    sk_offsetdelete_resp_t *gr =
        tg_both(&offsetdelete_resp_codec, 0, &resp,
                "0000 00000007 00000001 " FOO " 00000002 00000000 0000 00000001 0056", a);
    ck_assert_int_eq(gr->ErrorCode, 0);
    ck_assert_int_eq(gr->ThrottleTimeMs, 7);
    ck_assert_int_eq(gr->Topics[0].Partitions[1].ErrorCode, KERR_SUBSCRIBED);
    /* group-level error */
    sk_offsetdelete_resp_t eresp = {SK_KERR_GROUP_ID_NOT_FOUND, 0, NULL, 0};
    tu_assert_encodes(&offsetdelete_resp_codec, 0, &eresp, "0045 00000000 00000000");
    rt.PartitionsCnt = -1;
    tg_enc_fails(&offsetdelete_req_codec, 0, &req);
    rt.PartitionsCnt = 2;
    rt.Name = SK_STR_NULL;
    tg_enc_fails(&offsetdelete_req_codec, 0, &req);
    rt.Name = sk_str_c("foo");
    req.GroupId = SK_STR_NULL;
    tg_enc_fails(&offsetdelete_req_codec, 0, &req);
    pt.Name = SK_STR_NULL;
    tg_enc_fails(&offsetdelete_resp_codec, 0, &resp);
    pt.Name = sk_str_c("foo");
    resp.TopicsCnt = -1;
    tg_enc_fails(&offsetdelete_resp_codec, 0, &resp);
    static const char *const bad[] = {"ffff 00000000", GRP " ffffffff",
                                      GRP " 00000001 ffff 00000000",
                                      GRP " 00000001 " FOO " ffffffff",
                                      GRP " 00000001 " FOO " 00000002 00000000",
                                      GRP " 7fffffff"};
    tg_parse_fail(&offsetdelete_req_codec, 0, bad, TG_N(bad));
    static const char *const rbad[] = {"0000 00000000 ffffffff",
                                       "0000 00000000 00000001 ffff 00000000",
                                       "0000 00000000 00000001 " FOO " ffffffff",
                                       "0000 00000000 00000001 " FOO " 00000001 00000000"};
    tg_parse_fail(&offsetdelete_resp_codec, 0, rbad, TG_N(rbad));
    tu_check_bad_versions(&offsetdelete_req_codec, SK_OFFSETDELETE_MIN_VER,
                          SK_OFFSETDELETE_MAX_VER);
    tu_check_bad_versions(&offsetdelete_resp_codec, SK_OFFSETDELETE_MIN_VER,
                          SK_OFFSETDELETE_MAX_VER);
    sk_arena_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto_group_admin");
    TCase *tc = tcase_create("listgroups");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_lg_req);
    tcase_add_test(tc, test_lg_resp);
    suite_add_tcase(s, tc);
    tc = tcase_create("describegroups");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_dg_req);
    tcase_add_test(tc, test_dg_resp);
    suite_add_tcase(s, tc);
    tc = tcase_create("deletegroups_offsetdelete");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_delg);
    tcase_add_test(tc, test_od);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
