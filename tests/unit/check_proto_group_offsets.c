/* check_proto_group_offsets.c - unit tests for the offset codecs:
 * OffsetCommit v0-9 (8+ flexible) and OffsetFetch v0-9 (6+ flexible, 8+
 * several groups).
 *
 * Expected bytes are written by hand from the schemas' field lists, every
 * message goes through the truncation, mutation and re-encode sweeps of
 * check_proto_cluster_util.h, plus hostile counts, nulls the schema does
 * not allow, unknown tagged fields in the flexible versions, and values the
 * encoders must refuse.
 */
#include "check_proto_group_util.h"
#include "proto_offsetcommit.h"
#include "proto_offsetfetch.h"

#include <stdio.h>
#include <stdlib.h>

TU_CODEC(offsetcommit_req, sk_offsetcommit_req_t);
TU_CODEC(offsetcommit_resp, sk_offsetcommit_resp_t);
TU_CODEC(offsetfetch_req, sk_offsetfetch_req_t);
TU_CODEC(offsetfetch_resp, sk_offsetfetch_resp_t);

#define GRP "0003 677270"   /* "grp" */
#define FOO "0003 666f6f"   /* "foo" */
#define M1 "0002 6d31"
#define I1 "0002 6931"

/* ======================= OffsetCommit ======================= */

START_TEST(test_oc_req)
{
    sk_offsetcommit_req_partition_t parts[2] = {{0, 42, 5, -1, sk_str_c("m")},
                                                {1, 100, -1, -1, SK_STR_NULL}};
    sk_offsetcommit_req_topic_t topic = {sk_str_c("foo"), parts, 2};
    sk_offsetcommit_req_t req = {sk_str_c("grp"), 3, sk_str_c("m1"), SK_STR_NULL, -1, &topic, 1};
    for (int16_t v = SK_OFFSETCOMMIT_MIN_VER; v <= SK_OFFSETCOMMIT_MAX_VER; v++) {
        char hexs[512];
        int flex = v >= SK_OFFSETCOMMIT_FLEX_VER;
        if (flex) /* compact strings and arrays, tag sections */
            snprintf(hexs, sizeof(hexs),
                     "04677270 00000003 036d31 036931 02 04666f6f 03"
                     " | 00000000 000000000000002a 00000005 026d 00"
                     " | 00000001 0000000000000064 ffffffff 00 00 | 00 00");
        else /* v0: no member; v1: CommitTimestamp; v2-4: retention */
            snprintf(hexs, sizeof(hexs),
                     GRP " %s %s %s 00000001 " FOO " 00000002"
                     " | 00000000 000000000000002a %s %s 0001 6d"
                     " | 00000001 0000000000000064 %s %s ffff",
                     v >= 1 ? "00000003 " M1 : "", v >= 7 ? I1 : "",
                     v >= 2 && v <= 4 ? "ffffffffffffffff" : "",
                     v >= 6 ? "00000005" : "", v == 1 ? "ffffffffffffffff" : "",
                     v >= 6 ? "ffffffff" : "", v == 1 ? "ffffffffffffffff" : "");
        req.GroupInstanceId = v >= 7 ? sk_str_c("i1") : SK_STR_NULL;
        sk_arena_t *a = sk_arena_new(0);
        sk_offsetcommit_req_t *g = tg_both(&offsetcommit_req_codec, v, &req, hexs, a);
        tu_assert_str(g->GroupId, "grp");
        ck_assert_int_eq(g->GenerationIdOrMemberEpoch, v >= 1 ? 3 : -1);
        tu_assert_str(g->MemberId, v >= 1 ? "m1" : "");
        ck_assert_int_eq(g->Topics[0].Partitions[0].CommitTimestamp, -1);
        tu_assert_str(g->GroupInstanceId, v >= 7 ? "i1" : NULL);
        ck_assert_int_eq(g->RetentionTimeMs, -1);
        ck_assert_int_eq(g->TopicsCnt, 1);
        tu_assert_str(g->Topics[0].Name, "foo");
        ck_assert_int_eq(g->Topics[0].PartitionsCnt, 2);
        const sk_offsetcommit_req_partition_t *p = g->Topics[0].Partitions;
        ck_assert_int_eq(p[0].PartitionIndex, 0);
        ck_assert_int_eq(p[0].CommittedOffset, 42);
        ck_assert_int_eq(p[0].CommittedLeaderEpoch, v >= 6 ? 5 : -1);
        tu_assert_str(p[0].CommittedMetadata, "m");
        ck_assert_int_eq(p[1].PartitionIndex, 1);
        ck_assert_int_eq(p[1].CommittedOffset, 100);
        ck_assert_int_eq(p[1].CommittedLeaderEpoch, -1);
        tu_assert_str(p[1].CommittedMetadata, NULL);
        sk_arena_free(a);
    }
    /* v1's CommitTimestamp (not ignorable: refused elsewhere) */
    req.GroupInstanceId = SK_STR_NULL;
    parts[1].CommitTimestamp = 1700000000000;
    tu_assert_encodes(&offsetcommit_req_codec, 1, &req,
                      GRP " 00000003 " M1 " 00000001 " FOO " 00000002"
                      " | 00000000 000000000000002a ffffffffffffffff 0001 6d"
                      " | 00000001 0000000000000064 0000018bcfe56800 ffff");
    tg_enc_fails(&offsetcommit_req_codec, 2, &req);
    tg_enc_fails(&offsetcommit_req_codec, 0, &req);
    parts[1].CommitTimestamp = -1;
    /* explicit retention (v2-4 only; ignorable, so dropped at v5+) */
    req.GroupInstanceId = SK_STR_NULL;
    req.RetentionTimeMs = 86400000;
    req.TopicsCnt = 0;
    tu_assert_encodes(&offsetcommit_req_codec, 2, &req,
                      GRP " 00000003 " M1 " 0000000005265c00 00000000");
    tu_assert_encodes(&offsetcommit_req_codec, 5, &req, GRP " 00000003 " M1 " 00000000");
    sk_arena_t *a = sk_arena_new(0);
    sk_offsetcommit_req_t *g = tg_decode_checked(
        &offsetcommit_req_codec, GRP " ffffffff 0000 0000000005265c00 00000000", 4, a);
    ck_assert_int_eq(g->RetentionTimeMs, 86400000);
    ck_assert_int_eq(g->GenerationIdOrMemberEpoch, -1);
    tu_assert_str(g->MemberId, "");
    /* unencodable */
    req.TopicsCnt = 1;
    req.GroupInstanceId = sk_str_c("i1");
    tg_enc_fails(&offsetcommit_req_codec, 6, &req);
    req.GroupInstanceId = SK_STR_NULL;
    topic.PartitionsCnt = -1;
    tg_enc_fails(&offsetcommit_req_codec, 7, &req);
    topic.PartitionsCnt = 2;
    topic.Name = SK_STR_NULL;
    tg_enc_fails(&offsetcommit_req_codec, 2, &req);
    topic.Name = sk_str_c("foo");
    req.MemberId = SK_STR_NULL;
    tg_enc_fails(&offsetcommit_req_codec, 3, &req);
    req.MemberId = sk_str_c("m1");
    req.TopicsCnt = -1;
    tg_enc_fails(&offsetcommit_req_codec, 5, &req);
    static const char *const bad[] = {
        GRP " 00000003 " M1 " ffffffff",                           /* null topics */
        GRP " 00000003 " M1 " 7fffffff",
        GRP " 00000003 " M1 " 00000001 ffff 00000000",             /* null name */
        GRP " 00000003 " M1 " 00000001 " FOO " ffffffff",          /* null partitions */
        GRP " 00000003 " M1 " 00000001 " FOO " 00010000",
        GRP " 00000003 " M1 " 00000001 " FOO " 00000001 00000000 0000000000000000 fffe",
        GRP " 00000003 ffff 00000000",                             /* null member id */
    };
    tg_parse_fail(&offsetcommit_req_codec, 5, bad, TG_N(bad));
    sk_arena_free(a);
}
END_TEST

START_TEST(test_oc_resp)
{
    sk_offsetcommit_resp_partition_t parts[2] = {{0, 0}, {1, SK_KERR_OFFSET_METADATA_TOO_LARGE}};
    sk_offsetcommit_resp_topic_t topic = {sk_str_c("foo"), parts, 2};
    sk_offsetcommit_resp_t resp = {7, &topic, 1};
    for (int16_t v = SK_OFFSETCOMMIT_MIN_VER; v <= SK_OFFSETCOMMIT_MAX_VER; v++) {
        char hexs[256];
        if (v >= SK_OFFSETCOMMIT_FLEX_VER)
            snprintf(hexs, sizeof(hexs),
                     "00000007 02 04666f6f 03 00000000 0000 00 00000001 000c 00 00 00");
        else
            snprintf(hexs, sizeof(hexs),
                     "%s 00000001 " FOO " 00000002 00000000 0000 00000001 000c",
                     v >= 3 ? "00000007" : "");
        sk_arena_t *a = sk_arena_new(0);
        sk_offsetcommit_resp_t *g = tg_both(&offsetcommit_resp_codec, v, &resp, hexs, a);
        ck_assert_int_eq(g->ThrottleTimeMs, v >= 3 ? 7 : 0);
        ck_assert_int_eq(g->TopicsCnt, 1);
        tu_assert_str(g->Topics[0].Name, "foo");
        ck_assert_int_eq(g->Topics[0].PartitionsCnt, 2);
        ck_assert_int_eq(g->Topics[0].Partitions[1].PartitionIndex, 1);
        ck_assert_int_eq(g->Topics[0].Partitions[1].ErrorCode, SK_KERR_OFFSET_METADATA_TOO_LARGE);
        sk_arena_free(a);
    }
    topic.PartitionsCnt = -1;
    tg_enc_fails(&offsetcommit_resp_codec, 3, &resp);
    topic.PartitionsCnt = 2;
    topic.Name = SK_STR_NULL;
    tg_enc_fails(&offsetcommit_resp_codec, 2, &resp);
    static const char *const bad[] = {"00000000 ffffffff", "00000000 00000001 ffff 00000000",
                                      "00000000 00000001 " FOO " ffffffff",
                                      "00000000 00000001 " FOO " 00000002 00000000 0000"};
    tg_parse_fail(&offsetcommit_resp_codec, 3, bad, TG_N(bad));
    tu_check_bad_versions(&offsetcommit_req_codec, SK_OFFSETCOMMIT_MIN_VER,
                          SK_OFFSETCOMMIT_MAX_VER);
    tu_check_bad_versions(&offsetcommit_resp_codec, SK_OFFSETCOMMIT_MIN_VER,
                          SK_OFFSETCOMMIT_MAX_VER);
}
END_TEST

/* ======================= OffsetFetch ======================= */

START_TEST(test_of_req)
{
    int32_t idx[2] = {0, 1};
    sk_offsetfetch_req_topic_t topic = {sk_str_c("foo"), idx, 2};
    sk_offsetfetch_req_t req = {sk_str_c("grp"), &topic, 1, NULL, 0, 0};
    for (int16_t v = SK_OFFSETFETCH_MIN_VER; v < SK_OFFSETFETCH_GROUPS_VER; v++) {
        const char *hexs;
        if (v < 6)
            hexs = GRP " 00000001 " FOO " 00000002 00000000 00000001";
        else if (v == 6)
            hexs = "04 677270 02 04 666f6f 03 00000000 00000001 00 00";
        else
            hexs = "04 677270 02 04 666f6f 03 00000000 00000001 00 01 00";
        req.RequireStable = v >= 7;
        sk_arena_t *a = sk_arena_new(0);
        sk_offsetfetch_req_t *g = tg_both(&offsetfetch_req_codec, v, &req, hexs, a);
        tu_assert_str(g->GroupId, "grp");
        ck_assert_int_eq(g->TopicsCnt, 1);
        tu_assert_str(g->Topics[0].Name, "foo");
        tu_assert_i32s(g->Topics[0].PartitionIndexes, g->Topics[0].PartitionIndexesCnt, idx, 2);
        ck_assert_int_eq(g->RequireStable, v >= 7);
        sk_arena_free(a);
    }
    /* null topics = all partitions, v2+ */
    req.RequireStable = 0;
    req.Topics = NULL;
    req.TopicsCnt = -1;
    tg_enc_fails(&offsetfetch_req_codec, 1, &req);
    sk_arena_t *a = sk_arena_new(0);
    sk_offsetfetch_req_t *g = tg_both(&offsetfetch_req_codec, 2, &req, GRP " ffffffff", a);
    ck_assert_int_eq(g->TopicsCnt, -1);
    ck_assert_ptr_null(g->Topics);
    g = tg_both(&offsetfetch_req_codec, 6, &req, "04 677270 00 00", a);
    ck_assert_int_eq(g->TopicsCnt, -1);
    g = tg_both(&offsetfetch_req_codec, 7, &req, "04 677270 00 00 00", a);
    ck_assert_int_eq(g->TopicsCnt, -1);
    ck_assert_int_eq(tu_decode_hex(&offsetfetch_req_codec, GRP " ffffffff", 1, a, g), SK_EPARSE);
    /* RequireStable is not ignorable */
    req.RequireStable = 1;
    tg_enc_fails(&offsetfetch_req_codec, 6, &req);
    req.RequireStable = 0;
    req.Topics = &topic;
    req.TopicsCnt = 1;
    topic.PartitionIndexesCnt = -1;
    tg_enc_fails(&offsetfetch_req_codec, 3, &req);
    topic.PartitionIndexesCnt = 2;
    topic.Name = SK_STR_NULL;
    tg_enc_fails(&offsetfetch_req_codec, 7, &req);
    req.TopicsCnt = -2;
    tg_enc_fails(&offsetfetch_req_codec, 7, &req);
    /* unknown tags at both levels are skipped (v6+) */
    g = calloc(1, sizeof(*g));
    ck_assert_int_eq(tu_decode_hex(&offsetfetch_req_codec,
                                   "04 677270 02 04 666f6f 02 00000007 01 09 01 ff"
                                   " 01 02 01 00 02 02 0000",
                                   7, a, g),
                     SK_OK);
    ck_assert_int_eq(g->TopicsCnt, 1);
    ck_assert_int_eq(g->Topics[0].PartitionIndexesCnt, 1);
    ck_assert_int_eq(g->Topics[0].PartitionIndexes[0], 7);
    ck_assert_int_eq(g->RequireStable, 1);
    free(g);
    static const char *const bad[] = {
        GRP " 7fffffff", GRP " fffffffe", GRP " 00000001 ffff 00000000",
        GRP " 00000001 " FOO " ffffffff", GRP " 00000001 " FOO " 00000002 00000000",
    };
    tg_parse_fail(&offsetfetch_req_codec, 3, bad, TG_N(bad));
    static const char *const bad7[] = {
        "00 00 00 00",                              /* null group id */
        "04 677270 02 00 01 00 00 00",              /* null name */
        "04 677270 02 04 666f6f 00 00 00 00",       /* null partition list */
        "04 677270 ff ff ff ff 0f 00 00",           /* huge count */
        "04 677270 00 00 01 05 03 00",              /* tag longer than the rest */
    };
    tg_parse_fail(&offsetfetch_req_codec, 7, bad7, TG_N(bad7));
    sk_arena_free(a);
}
END_TEST

#define OF_P0 "00000000 000000000000002a"
#define OF_P1 "00000001 ffffffffffffffff"

/* v8+: several groups, each with its own topics (null = all) */
START_TEST(test_of_groups)
{
    int32_t idx[2] = {0, 1};
    sk_offsetfetch_req_group_topic_t gt = {sk_str_c("foo"), idx, 2};
    sk_offsetfetch_req_group_t groups[2] = {
        {sk_str_c("grp"), SK_STR_NULL, -1, &gt, 1},
        {sk_str_c("g2"), SK_STR_NULL, -1, NULL, -1},
    };
    sk_offsetfetch_req_t req;
    sk_offsetfetch_req_init(&req);
    req.Groups = groups;
    req.GroupsCnt = 2;
    req.RequireStable = 1;
    sk_offsetfetch_resp_group_topic_partition_t parts[2] = {{0, 42, 5, sk_str_c("m"), 0},
                                                            {1, -1, -1, sk_str_c(""), 0}};
    sk_offsetfetch_resp_group_topic_t rt = {sk_str_c("foo"), parts, 2};
    sk_offsetfetch_resp_group_t rg[2] = {{sk_str_c("grp"), &rt, 1, 0},
                                         {sk_str_c("g2"), NULL, 0, SK_KERR_NOT_COORDINATOR}};
    sk_offsetfetch_resp_t resp;
    sk_offsetfetch_resp_init(&resp);
    resp.ThrottleTimeMs = 7;
    resp.Groups = rg;
    resp.GroupsCnt = 2;
    for (int16_t v = SK_OFFSETFETCH_GROUPS_VER; v <= SK_OFFSETFETCH_MAX_VER; v++) {
        /* v9: MemberId (null) and MemberEpoch after the group id */
        const char *hexs = v == 8 ? "03 04677270 02 04666f6f 03 00000000 00000001 00 00"
                                    " 03 6732 00 00 01 00"
                                  : "03 04677270 00 ffffffff 02 04666f6f 03 00000000 00000001 00 00"
                                    " 03 6732 00 ffffffff 00 00 01 00";
        sk_arena_t *a = sk_arena_new(0);
        sk_offsetfetch_req_t *g = tg_both(&offsetfetch_req_codec, v, &req, hexs, a);
        ck_assert_int_eq(g->GroupsCnt, 2);
        tu_assert_str(g->Groups[0].GroupId, "grp");
        ck_assert_int_eq(g->Groups[0].MemberEpoch, -1);
        tu_assert_str(g->Groups[0].MemberId, NULL);
        tu_assert_i32s(g->Groups[0].Topics[0].PartitionIndexes,
                       g->Groups[0].Topics[0].PartitionIndexesCnt, idx, 2);
        ck_assert_int_eq(g->Groups[1].TopicsCnt, -1);
        ck_assert_int_eq(g->RequireStable, 1);
        ck_assert_int_eq(g->TopicsCnt, 0);
        sk_offsetfetch_resp_t *gr = tg_both(
            &offsetfetch_resp_codec, v, &resp,
            "00000007 03 | 04677270 02 04666f6f 03 " OF_P0 " 00000005 026d 0000 00 " OF_P1
            " ffffffff 01 0000 00 00 0000 00 | 03 6732 01 0010 00 | 00",
            a);
        ck_assert_int_eq(gr->GroupsCnt, 2);
        ck_assert_int_eq(gr->Groups[0].Topics[0].Partitions[0].CommittedOffset, 42);
        ck_assert_int_eq(gr->Groups[1].ErrorCode, SK_KERR_NOT_COORDINATOR);
        sk_arena_free(a);
    }
    /* the v0-7 fields cannot be carried at v8+ */
    sk_offsetfetch_req_topic_t topic = {sk_str_c("foo"), idx, 2};
    req.Topics = &topic;
    req.TopicsCnt = 1;
    tg_enc_fails(&offsetfetch_req_codec, 8, &req);
    req.Topics = NULL;
    req.TopicsCnt = 0;
    req.GroupId = sk_str_c("grp");
    tg_enc_fails(&offsetfetch_req_codec, 9, &req);
}
END_TEST

START_TEST(test_of_resp)
{
    sk_offsetfetch_resp_partition_t parts[2] = {{0, 42, 5, sk_str_c("m"), 0},
                                                {1, -1, -1, sk_str_c(""), 0}};
    sk_offsetfetch_resp_topic_t topic = {sk_str_c("foo"), parts, 2};
    sk_offsetfetch_resp_t resp = {7, &topic, 1, 0};
    for (int16_t v = SK_OFFSETFETCH_MIN_VER; v < SK_OFFSETFETCH_GROUPS_VER; v++) {
        const char *hexs;
        if (v <= 1)
            hexs = "00000001 " FOO " 00000002 " OF_P0 " 0001 6d 0000 " OF_P1 " 0000 0000";
        else if (v == 2)
            hexs = "00000001 " FOO " 00000002 " OF_P0 " 0001 6d 0000 " OF_P1 " 0000 0000 0000";
        else if (v < 5)
            hexs = "00000007 00000001 " FOO " 00000002 " OF_P0 " 0001 6d 0000 " OF_P1
                   " 0000 0000 0000";
        else if (v == 5)
            hexs = "00000007 00000001 " FOO " 00000002 " OF_P0 " 00000005 0001 6d 0000 " OF_P1
                   " ffffffff 0000 0000 0000";
        else
            hexs = "00000007 02 04 666f6f 03 " OF_P0 " 00000005 02 6d 0000 00 " OF_P1
                   " ffffffff 01 0000 00 00 0000 00";
        sk_arena_t *a = sk_arena_new(0);
        sk_offsetfetch_resp_t *g = tg_both(&offsetfetch_resp_codec, v, &resp, hexs, a);
        ck_assert_int_eq(g->ThrottleTimeMs, v >= 3 ? 7 : 0);
        ck_assert_int_eq(g->ErrorCode, 0);
        ck_assert_int_eq(g->TopicsCnt, 1);
        tu_assert_str(g->Topics[0].Name, "foo");
        ck_assert_int_eq(g->Topics[0].PartitionsCnt, 2);
        const sk_offsetfetch_resp_partition_t *p = g->Topics[0].Partitions;
        ck_assert_int_eq(p[0].CommittedOffset, 42);
        ck_assert_int_eq(p[0].CommittedLeaderEpoch, v >= 5 ? 5 : -1);
        tu_assert_str(p[0].Metadata, "m");
        ck_assert_int_eq(p[1].PartitionIndex, 1);
        ck_assert_int_eq(p[1].CommittedOffset, -1);
        ck_assert_int_eq(p[1].CommittedLeaderEpoch, -1);
        tu_assert_str(p[1].Metadata, "");
        sk_arena_free(a);
    }
    /* group-level error: dropped at v1, present from v2 */
    sk_offsetfetch_resp_t eresp = {0, NULL, 0, SK_KERR_NOT_COORDINATOR};
    tu_assert_encodes(&offsetfetch_resp_codec, 1, &eresp, "00000000");
    tu_assert_encodes(&offsetfetch_resp_codec, 2, &eresp, "00000000 0010");
    sk_arena_t *a = sk_arena_new(0);
    sk_offsetfetch_resp_t *g =
        tg_both(&offsetfetch_resp_codec, 7, &eresp, "00000000 01 0010 00", a);
    ck_assert_int_eq(g->ErrorCode, SK_KERR_NOT_COORDINATOR);
    ck_assert_int_eq(g->TopicsCnt, 0);
    /* null metadata survives */
    parts[1].Metadata = SK_STR_NULL;
    g = tg_both(&offsetfetch_resp_codec, 6, &resp,
                "00000007 02 04 666f6f 03 " OF_P0 " 00000005 02 6d 0000 00 " OF_P1
                " ffffffff 00 0000 00 00 0000 00",
                a);
    tu_assert_str(g->Topics[0].Partitions[1].Metadata, NULL);
    /* unknown tags everywhere */
    g = calloc(1, sizeof(*g));
    ck_assert_int_eq(tu_decode_hex(&offsetfetch_resp_codec,
                                   "00000000 02 02 61 02 " OF_P1 " ffffffff 01 0003 01 00 01 aa"
                                   " 01 07 00 0000 02 00 00 01 00",
                                   6, a, g),
                     SK_OK);
    ck_assert_int_eq(g->Topics[0].Partitions[0].ErrorCode, 3);
    tu_assert_str(g->Topics[0].Partitions[0].Metadata, "");
    free(g);
    resp.TopicsCnt = -1;
    tg_enc_fails(&offsetfetch_resp_codec, 2, &resp);
    resp.TopicsCnt = 1;
    topic.Name = SK_STR_NULL;
    tg_enc_fails(&offsetfetch_resp_codec, 6, &resp);
    static const char *const bad[] = {
        "00000000 ffffffff 0000", "00000000 00000001 ffff 00000000 0000",
        "00000000 00000001 " FOO " ffffffff 0000",
        "00000000 00000001 " FOO " 00000001 " OF_P0 " fffe 0000 0000"};
    tg_parse_fail(&offsetfetch_resp_codec, 3, bad, TG_N(bad));
    static const char *const bad7[] = {"00000000 00 0000 00", "00000000 02 00 01 00 0000 00",
                                       "00000000 01 0000 01"};
    tg_parse_fail(&offsetfetch_resp_codec, 7, bad7, TG_N(bad7));
    tu_check_bad_versions(&offsetfetch_req_codec, SK_OFFSETFETCH_MIN_VER, SK_OFFSETFETCH_MAX_VER);
    tu_check_bad_versions(&offsetfetch_resp_codec, SK_OFFSETFETCH_MIN_VER, SK_OFFSETFETCH_MAX_VER);
    sk_arena_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto_group_offsets");
    TCase *tc = tcase_create("offsetcommit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_oc_req);
    tcase_add_test(tc, test_oc_resp);
    suite_add_tcase(s, tc);
    tc = tcase_create("offsetfetch");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_of_req);
    tcase_add_test(tc, test_of_groups);
    tcase_add_test(tc, test_of_resp);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
