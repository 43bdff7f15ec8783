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
#include "proto_heartbeat.h"
#include "proto_joingroup.h"
#include "proto_leavegroup.h"
#include "proto_syncgroup.h"

#include <stdlib.h>

TU_CODEC(findcoordinator_req, sk_findcoordinator_req_t);
TU_CODEC(findcoordinator_resp, sk_findcoordinator_resp_t);
TU_CODEC(joingroup_req, sk_joingroup_req_t);
TU_CODEC(joingroup_resp, sk_joingroup_resp_t);
TU_CODEC(syncgroup_req, sk_syncgroup_req_t);
TU_CODEC(syncgroup_resp, sk_syncgroup_resp_t);
TU_CODEC(heartbeat_req, sk_heartbeat_req_t);
TU_CODEC(heartbeat_resp, sk_heartbeat_resp_t);
TU_CODEC(leavegroup_req, sk_leavegroup_req_t);
TU_CODEC(leavegroup_resp, sk_leavegroup_resp_t);

#define GRP "0003 677270"               /* "grp" */
#define LOCALHOST "0009 6c6f63616c686f7374"
#define CONSUMER "0008 636f6e73756d6572"   /* "consumer" */
#define RANGE "0005 72616e6765"            /* "range" */
#define RR "000a 726f756e64726f62696e"     /* "roundrobin" */
#define M1 "0002 6d31"
#define M2 "0002 6d32"
#define I1 "0002 6931"
#define I2 "0002 6932"

/* ======================= FindCoordinator ======================= */

START_TEST(test_fc_req)
{
    sk_findcoordinator_req_t req = {sk_str_c("grp"), SK_FINDCOORDINATOR_KEY_GROUP};
    for (int16_t v = SK_FINDCOORDINATOR_MIN_VER; v < SK_FINDCOORDINATOR_BATCH_VER; v++) {
        const char *hexs = v >= 3 ? "04677270 00 00" : v ? GRP " 00" : GRP;
        sk_arena_t *a = sk_arena_new(0);
        sk_findcoordinator_req_t *g = tg_both(&findcoordinator_req_codec, v, &req, hexs, a);
        tu_assert_str(g->Key, "grp");
        ck_assert_int_eq(g->KeyType, SK_FINDCOORDINATOR_KEY_GROUP);
        sk_arena_free(a);
    }
    {
        /* v4: the keys in CoordinatorKeys; Key (v0-3, not ignorable) stays "" */
        sk_str_t keys[2] = {sk_str_c("grp"), sk_str_c("g2")};
        sk_arena_t *a = sk_arena_new(0);
        tg_enc_fails(&findcoordinator_req_codec, 4, &req);
        sk_findcoordinator_req_t batch = {sk_str_c(""), 0, keys, 2};
        sk_findcoordinator_req_t *g =
            tg_both(&findcoordinator_req_codec, 4, &batch, "00 03 04677270 036732 00", a);
        ck_assert_int_eq(g->CoordinatorKeysCnt, 2);
        tu_assert_str(g->CoordinatorKeys[1], "g2");
        tu_assert_str(g->Key, "");
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
    for (int16_t v = SK_FINDCOORDINATOR_MIN_VER; v < SK_FINDCOORDINATOR_BATCH_VER; v++) {
        const char *hexs =
            v >= 3 ? "00000064 0000 00 00000001 0a6c6f63616c686f7374 00002384 00"
            : v    ? "00000064 0000 ffff 00000001 " LOCALHOST " 00002384"
                   : "0000 00000001 " LOCALHOST " 00002384";
        sk_arena_t *a = sk_arena_new(0);
        sk_findcoordinator_resp_t *g = tg_both(&findcoordinator_resp_codec, v, &resp, hexs, a);
        ck_assert_int_eq(g->ThrottleTimeMs, v ? 100 : 0);
        ck_assert_int_eq(g->ErrorCode, 0);
        tu_assert_str(g->ErrorMessage, v ? NULL : ""); /* v0: the schema default */
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
    /* v4: one answer per key; the v0-3 fields must hold their defaults */
    tg_enc_fails(&findcoordinator_resp_codec, 4, &resp);
    sk_findcoordinator_resp_coordinator_t co[1] = {
        {sk_str_c("grp"), 1, sk_str_c("localhost"), 9092, 0, SK_STR_NULL}};
    sk_findcoordinator_resp_t bresp;
    sk_findcoordinator_resp_init(&bresp);
    bresp.Coordinators = co;
    bresp.CoordinatorsCnt = 1;
    g = tg_both(&findcoordinator_resp_codec, 4, &bresp,
                "00000000 02 04677270 00000001 0a6c6f63616c686f7374 00002384 0000 00 00 00", a);
    ck_assert_int_eq(g->CoordinatorsCnt, 1);
    tu_assert_str(g->Coordinators[0].Host, "localhost");
    ck_assert_int_eq(g->Coordinators[0].Port, 9092);
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

/* ======================= JoinGroup ======================= */

#define JG_PROTOS "00000002 " RANGE " 00000003 010203 " RR " 00000000"

START_TEST(test_jg_req)
{
    sk_joingroup_req_protocol_t protos[2] = {{sk_str_c("range"), {"\x01\x02\x03", 3}},
                                             {sk_str_c("roundrobin"), {"", 0}}};
    sk_joingroup_req_t req = {sk_str_c("grp"), 10000, 300000, sk_str_c(""), SK_STR_NULL,
                              sk_str_c("consumer"), protos, 2, SK_STR_NULL};
    for (int16_t v = SK_JOINGROUP_MIN_VER; v < SK_JOINGROUP_FLEX_VER; v++) {
        const char *hexs;
        if (v == 0)
            hexs = GRP " 00002710 0000 " CONSUMER " " JG_PROTOS;
        else if (v < 5)
            hexs = GRP " 00002710 000493e0 0000 " CONSUMER " " JG_PROTOS;
        else
            hexs = GRP " 00002710 000493e0 0000 " I1 " " CONSUMER " " JG_PROTOS;
        req.GroupInstanceId = v >= 5 ? sk_str_c("i1") : SK_STR_NULL;
        sk_arena_t *a = sk_arena_new(0);
        sk_joingroup_req_t *g = tg_both(&joingroup_req_codec, v, &req, hexs, a);
        tu_assert_str(g->GroupId, "grp");
        ck_assert_int_eq(g->SessionTimeoutMs, 10000);
        ck_assert_int_eq(g->RebalanceTimeoutMs, v >= 1 ? 300000 : -1);
        tu_assert_str(g->MemberId, "");
        tu_assert_str(g->GroupInstanceId, v >= 5 ? "i1" : NULL);
        tu_assert_str(g->ProtocolType, "consumer");
        ck_assert_int_eq(g->ProtocolsCnt, 2);
        tu_assert_str(g->Protocols[0].Name, "range");
        ck_assert_int_eq(g->Protocols[0].Metadata.len, 3);
        ck_assert_mem_eq(g->Protocols[0].Metadata.p, "\x01\x02\x03", 3);
        tu_assert_str(g->Protocols[1].Name, "roundrobin");
        ck_assert_int_eq(g->Protocols[1].Metadata.len, 0);
        sk_arena_free(a);
    }
    /* v6+ flexible, v8 a reason (ignorable below) */
    for (int16_t v = SK_JOINGROUP_FLEX_VER; v <= SK_JOINGROUP_MAX_VER; v++) {
        req.GroupInstanceId = sk_str_c("i1");
        req.Reason = sk_str_c("rebalance");
        sk_arena_t *a = sk_arena_new(0);
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(sk_joingroup_req_encode(&w, v, &req), SK_OK);
        sk_joingroup_req_t *g = calloc(1, sizeof(*g));
        sk_rd_t r;
        sk_rd_init(&r, w.buf, w.len);
        ck_assert_int_eq(sk_joingroup_req_decode(&r, v, a, g), SK_OK);
        ck_assert_uint_eq(sk_rd_remaining(&r), 0);
        tu_assert_str(g->GroupInstanceId, "i1");
        tu_assert_str(g->Protocols[1].Name, "roundrobin");
        tu_assert_str(g->Reason, v >= 8 ? "rebalance" : NULL);
        free(g);
        sk_wr_free(&w);
        sk_arena_free(a);
    }
    req.Reason = SK_STR_NULL;
    /* static membership needs v5: an instance id, even "", is refused below */
    req.GroupInstanceId = sk_str_c("i1");
    tg_enc_fails(&joingroup_req_codec, 4, &req);
    tg_enc_fails(&joingroup_req_codec, 0, &req);
    req.GroupInstanceId = sk_str_c("");
    tg_enc_fails(&joingroup_req_codec, 4, &req);
    req.GroupInstanceId = SK_STR_NULL;
    tu_assert_encodes(&joingroup_req_codec, 4, &req,
                      GRP " 00002710 000493e0 0000 " CONSUMER " " JG_PROTOS);
    req.GroupInstanceId = SK_STR_NULL;
    tu_assert_encodes(&joingroup_req_codec, 5, &req,
                      GRP " 00002710 000493e0 0000 ffff " CONSUMER " " JG_PROTOS);
    /* unencodable */
    protos[1].Metadata = SK_STR_NULL;
    tg_enc_fails(&joingroup_req_codec, 5, &req);
    protos[1].Metadata = (sk_str_t){"", 0};
    protos[0].Name = SK_STR_NULL;
    tg_enc_fails(&joingroup_req_codec, 2, &req);
    protos[0].Name = sk_str_c("range");
    req.ProtocolsCnt = -1;
    tg_enc_fails(&joingroup_req_codec, 1, &req);
    req.ProtocolsCnt = 2;
    req.MemberId = SK_STR_NULL;
    tg_enc_fails(&joingroup_req_codec, 3, &req);
    req.MemberId = sk_str_c("");
    req.ProtocolType = SK_STR_NULL;
    tg_enc_fails(&joingroup_req_codec, 0, &req);
    static const char *const bad[] = {
        GRP " 00002710 000493e0 0000 " CONSUMER " ffffffff",           /* null protocols */
        GRP " 00002710 000493e0 0000 " CONSUMER " 7fffffff",
        GRP " 00002710 000493e0 0000 " CONSUMER " 80000000",
        GRP " 00002710 000493e0 0000 " CONSUMER " 00000001 " RANGE " ffffffff", /* null meta */
        GRP " 00002710 000493e0 0000 " CONSUMER " 00000001 ffff 00000000",   /* null name */
        GRP " 00002710 000493e0 0000 " CONSUMER " 00000001 " RANGE " 7fffffff",
        GRP " 00002710 000493e0 ffff " CONSUMER " 00000000",           /* null member id */
        "ffff 00002710 000493e0 0000 " CONSUMER " 00000000",           /* null group id */
        GRP " 00002710 000493e0 0000 ffff 00000000",                   /* null protocol type */
    };
    tg_parse_fail(&joingroup_req_codec, 1, bad, TG_N(bad));
    static const char *const bad5[] = {
        GRP " 00002710 000493e0 0000 fffe " CONSUMER " 00000000",      /* instance len -2 */
        GRP " 00002710 000493e0 0000 0003 6931 " CONSUMER " 00000000",
    };
    tg_parse_fail(&joingroup_req_codec, 5, bad5, TG_N(bad5));
}
END_TEST

#define JG_MEMBERS "00000002 " M1 " 00000001 aa " M2 " 00000000"
#define JG_MEMBERS5 "00000002 " M1 " ffff 00000001 aa " M2 " " I2 " 00000000"

START_TEST(test_jg_resp)
{
    sk_joingroup_resp_member_t mem[2] = {{sk_str_c("m1"), SK_STR_NULL, {"\xaa", 1}},
                                         {sk_str_c("m2"), sk_str_c("i2"), {"", 0}}};
    sk_joingroup_resp_t resp = {.ThrottleTimeMs = 7, .GenerationId = 3,
                                .ProtocolType = SK_STR_NULL, .ProtocolName = sk_str_c("range"),
                                .Leader = sk_str_c("m1"), .MemberId = sk_str_c("m1"),
                                .Members = mem, .MembersCnt = 2};
    for (int16_t v = SK_JOINGROUP_MIN_VER; v < SK_JOINGROUP_FLEX_VER; v++) {
        const char *hexs;
        if (v < 2)
            hexs = "0000 00000003 " RANGE " " M1 " " M1 " " JG_MEMBERS;
        else if (v < 5)
            hexs = "00000007 0000 00000003 " RANGE " " M1 " " M1 " " JG_MEMBERS;
        else
            hexs = "00000007 0000 00000003 " RANGE " " M1 " " M1 " " JG_MEMBERS5;
        sk_arena_t *a = sk_arena_new(0);
        sk_joingroup_resp_t *g = tg_both(&joingroup_resp_codec, v, &resp, hexs, a);
        ck_assert_int_eq(g->ThrottleTimeMs, v >= 2 ? 7 : 0);
        ck_assert_int_eq(g->ErrorCode, 0);
        ck_assert_int_eq(g->GenerationId, 3);
        tu_assert_str(g->ProtocolName, "range");
        tu_assert_str(g->Leader, "m1");
        tu_assert_str(g->MemberId, "m1");
        ck_assert_int_eq(g->MembersCnt, 2);
        tu_assert_str(g->Members[0].MemberId, "m1");
        tu_assert_str(g->Members[0].GroupInstanceId, NULL);
        ck_assert_int_eq(g->Members[0].Metadata.len, 1);
        ck_assert_int_eq((uint8_t)g->Members[0].Metadata.p[0], 0xaa);
        tu_assert_str(g->Members[1].MemberId, "m2");
        tu_assert_str(g->Members[1].GroupInstanceId, v >= 5 ? "i2" : NULL);
        ck_assert_int_eq(g->Members[1].Metadata.len, 0);
        sk_arena_free(a);
    }
    /* v6+ flexible, v7 the protocol type, v9 SkipAssignment */
    for (int16_t v = SK_JOINGROUP_FLEX_VER; v <= SK_JOINGROUP_MAX_VER; v++) {
        resp.ProtocolType = v >= 7 ? sk_str_c("consumer") : SK_STR_NULL;
        resp.SkipAssignment = v >= 9;
        sk_arena_t *a = sk_arena_new(0);
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(sk_joingroup_resp_encode(&w, v, &resp), SK_OK);
        sk_joingroup_resp_t *g = calloc(1, sizeof(*g));
        sk_rd_t r;
        sk_rd_init(&r, w.buf, w.len);
        ck_assert_int_eq(sk_joingroup_resp_decode(&r, v, a, g), SK_OK);
        ck_assert_uint_eq(sk_rd_remaining(&r), 0);
        tu_assert_str(g->ProtocolType, v >= 7 ? "consumer" : NULL);
        tu_assert_str(g->Members[1].GroupInstanceId, "i2");
        ck_assert_int_eq(g->SkipAssignment, v >= 9);
        free(g);
        sk_wr_free(&w);
        sk_arena_free(a);
    }
    resp.ProtocolType = SK_STR_NULL;
    resp.SkipAssignment = 0;
    /* follower / error responses: empty member list, "" protocol name */
    sk_joingroup_resp_t eresp = {.ErrorCode = SK_KERR_MEMBER_ID_REQUIRED, .GenerationId = -1,
                                 .ProtocolType = SK_STR_NULL, .ProtocolName = sk_str_c(""),
                                 .Leader = sk_str_c(""), .MemberId = sk_str_c("c-1")};
    sk_arena_t *a = sk_arena_new(0);
    sk_joingroup_resp_t *g = tg_both(&joingroup_resp_codec, 4, &eresp,
                                     "00000000 004f ffffffff 0000 0000 0003 632d31 00000000", a);
    ck_assert_int_eq(g->ErrorCode, SK_KERR_MEMBER_ID_REQUIRED);
    ck_assert_int_eq(g->GenerationId, -1);
    tu_assert_str(g->MemberId, "c-1");
    eresp.ProtocolName = SK_STR_NULL; /* nullable only from v7 */
    tg_enc_fails(&joingroup_resp_codec, 5, &eresp);
    eresp.ProtocolName = sk_str_c("");
    eresp.MembersCnt = -1;
    tg_enc_fails(&joingroup_resp_codec, 5, &eresp);
    mem[1].Metadata = SK_STR_NULL;
    tg_enc_fails(&joingroup_resp_codec, 1, &resp);
    mem[1].Metadata = (sk_str_t){"", 0};
    mem[0].MemberId = SK_STR_NULL;
    tg_enc_fails(&joingroup_resp_codec, 5, &resp);
    static const char *const bad[] = {
        "00000000 0000 00000003 ffff 0000 0000 00000000",            /* null protocol */
        "00000000 0000 00000003 0000 ffff 0000 00000000",            /* null leader */
        "00000000 0000 00000003 0000 0000 ffff 00000000",            /* null member id */
        "00000000 0000 00000003 0000 0000 0000 ffffffff",            /* null members */
        "00000000 0000 00000003 0000 0000 0000 00000001 0000 ffff ffffffff", /* null meta */
        "00000000 0000 00000003 0000 0000 0000 00000002 0000 ffff 00000000",
        "00000000 0000 00000003 0000 0000 0000 7fffffff 0000 ffff 00000000",
    };
    tg_parse_fail(&joingroup_resp_codec, 5, bad, TG_N(bad));
    sk_arena_free(a);
}
END_TEST

START_TEST(test_jg_versions)
{
    tu_check_bad_versions(&joingroup_req_codec, SK_JOINGROUP_MIN_VER, SK_JOINGROUP_MAX_VER);
    tu_check_bad_versions(&joingroup_resp_codec, SK_JOINGROUP_MIN_VER, SK_JOINGROUP_MAX_VER);
}
END_TEST

/* ======================= SyncGroup ======================= */

#define SG_ASSIGN "00000002 " M1 " 00000002 0102 " M2 " 00000000"

START_TEST(test_sg)
{
    sk_syncgroup_req_assignment_t as[2] = {{sk_str_c("m1"), {"\x01\x02", 2}},
                                           {sk_str_c("m2"), {"", 0}}};
    sk_syncgroup_req_t req = {.GroupId = sk_str_c("grp"), .GenerationId = 3,
                              .MemberId = sk_str_c("m1"), .GroupInstanceId = SK_STR_NULL,
                              .ProtocolType = SK_STR_NULL, .ProtocolName = SK_STR_NULL,
                              .Assignments = as, .AssignmentsCnt = 2};
    for (int16_t v = SK_SYNCGROUP_MIN_VER; v < SK_SYNCGROUP_FLEX_VER; v++) {
        req.GroupInstanceId = v >= 3 ? sk_str_c("i1") : SK_STR_NULL;
        const char *hexs = v >= 3 ? GRP " 00000003 " M1 " " I1 " " SG_ASSIGN
                                  : GRP " 00000003 " M1 " " SG_ASSIGN;
        sk_arena_t *a = sk_arena_new(0);
        sk_syncgroup_req_t *g = tg_both(&syncgroup_req_codec, v, &req, hexs, a);
        tu_assert_str(g->GroupId, "grp");
        ck_assert_int_eq(g->GenerationId, 3);
        tu_assert_str(g->MemberId, "m1");
        tu_assert_str(g->GroupInstanceId, v >= 3 ? "i1" : NULL);
        ck_assert_int_eq(g->AssignmentsCnt, 2);
        tu_assert_str(g->Assignments[0].MemberId, "m1");
        ck_assert_int_eq(g->Assignments[0].Assignment.len, 2);
        ck_assert_mem_eq(g->Assignments[0].Assignment.p, "\x01\x02", 2);
        tu_assert_str(g->Assignments[1].MemberId, "m2");
        ck_assert_int_eq(g->Assignments[1].Assignment.len, 0);
        sk_arena_free(a);

        sk_syncgroup_resp_t resp = {.ThrottleTimeMs = 7, .ProtocolType = SK_STR_NULL,
                                    .ProtocolName = SK_STR_NULL, .Assignment = {"\x01\x02", 2}};
        const char *rhex = v >= 1 ? "00000007 0000 00000002 0102" : "0000 00000002 0102";
        a = sk_arena_new(0);
        sk_syncgroup_resp_t *gr = tg_both(&syncgroup_resp_codec, v, &resp, rhex, a);
        ck_assert_int_eq(gr->ThrottleTimeMs, v >= 1 ? 7 : 0);
        ck_assert_int_eq(gr->Assignment.len, 2);
        sk_arena_free(a);
    }
    /* v4 flexible, v5 with the protocol type and name both ways */
    for (int16_t v = SK_SYNCGROUP_FLEX_VER; v <= SK_SYNCGROUP_MAX_VER; v++) {
        req.GroupInstanceId = sk_str_c("i1");
        req.ProtocolType = v >= 5 ? sk_str_c("consumer") : SK_STR_NULL;
        req.ProtocolName = v >= 5 ? sk_str_c("range") : SK_STR_NULL;
        sk_arena_t *a = sk_arena_new(0);
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(sk_syncgroup_req_encode(&w, v, &req), SK_OK);
        sk_syncgroup_req_t *g = calloc(1, sizeof(*g));
        sk_rd_t r;
        sk_rd_init(&r, w.buf, w.len);
        ck_assert_int_eq(sk_syncgroup_req_decode(&r, v, a, g), SK_OK);
        ck_assert_uint_eq(sk_rd_remaining(&r), 0);
        tu_assert_str(g->GroupInstanceId, "i1");
        tu_assert_str(g->ProtocolName, v >= 5 ? "range" : NULL);
        ck_assert_int_eq(g->AssignmentsCnt, 2);
        free(g);
        sk_wr_free(&w);
        sk_arena_free(a);
    }
    req.ProtocolType = req.ProtocolName = SK_STR_NULL;
    /* a follower's request: no assignments; null instance id at v3 */
    req.AssignmentsCnt = 0;
    req.GroupInstanceId = SK_STR_NULL;
    tu_assert_encodes(&syncgroup_req_codec, 3, &req, GRP " 00000003 " M1 " ffff 00000000");
    req.GroupInstanceId = sk_str_c("i1");
    tg_enc_fails(&syncgroup_req_codec, 2, &req);
    req.GroupInstanceId = SK_STR_NULL;
    req.AssignmentsCnt = -1;
    tg_enc_fails(&syncgroup_req_codec, 3, &req);
    req.AssignmentsCnt = 2;
    as[1].Assignment = SK_STR_NULL;
    tg_enc_fails(&syncgroup_req_codec, 0, &req);
    as[1].Assignment = (sk_str_t){"", 0};
    as[0].MemberId = SK_STR_NULL;
    tg_enc_fails(&syncgroup_req_codec, 1, &req);
    sk_syncgroup_resp_t eresp = {.ErrorCode = SK_KERR_REBALANCE_IN_PROGRESS,
                                 .ProtocolType = SK_STR_NULL, .ProtocolName = SK_STR_NULL,
                                 .Assignment = SK_STR_NULL};
    tg_enc_fails(&syncgroup_resp_codec, 1, &eresp);
    eresp.Assignment = (sk_str_t){NULL, 0};
    tu_assert_encodes(&syncgroup_resp_codec, 0, &eresp, "001b 00000000");
    static const char *const bad[] = {
        GRP " 00000003 " M1 " ffffffff",
        GRP " 00000003 " M1 " 00000001 " M1 " ffffffff",
        GRP " 00000003 " M1 " 00000001 ffff 00000000",
        GRP " 00000003 ffff 00000000",
        GRP " 00000003 " M1 " 00000002 " M1 " 00000000",
        GRP " 00000003 " M1 " 7fffffff",
    };
    tg_parse_fail(&syncgroup_req_codec, 1, bad, TG_N(bad));
    static const char *const rbad[] = {"00000000 0000 ffffffff", "00000000 0000 00000002 01",
                                       "00000000 0000 80000000"};
    tg_parse_fail(&syncgroup_resp_codec, 2, rbad, TG_N(rbad));
    tu_check_bad_versions(&syncgroup_req_codec, SK_SYNCGROUP_MIN_VER, SK_SYNCGROUP_MAX_VER);
    tu_check_bad_versions(&syncgroup_resp_codec, SK_SYNCGROUP_MIN_VER, SK_SYNCGROUP_MAX_VER);
}
END_TEST

/* ======================= Heartbeat ======================= */

START_TEST(test_hb)
{
    sk_heartbeat_req_t req = {sk_str_c("grp"), 3, sk_str_c("m1"), SK_STR_NULL};
    for (int16_t v = SK_HEARTBEAT_MIN_VER; v <= SK_HEARTBEAT_MAX_VER; v++) {
        req.GroupInstanceId = v >= 3 ? sk_str_c("i1") : SK_STR_NULL;
        const char *hexs = v >= 4   ? "04 677270 00000003 03 6d31 03 6931 00" /* compact */
                           : v >= 3 ? GRP " 00000003 " M1 " " I1
                                    : GRP " 00000003 " M1;
        sk_arena_t *a = sk_arena_new(0);
        sk_heartbeat_req_t *g = tg_both(&heartbeat_req_codec, v, &req, hexs, a);
        tu_assert_str(g->GroupId, "grp");
        ck_assert_int_eq(g->GenerationId, 3);
        tu_assert_str(g->MemberId, "m1");
        tu_assert_str(g->GroupInstanceId, v >= 3 ? "i1" : NULL);
        sk_heartbeat_resp_t resp = {7, SK_KERR_REBALANCE_IN_PROGRESS};
        sk_heartbeat_resp_t *gr =
            tg_both(&heartbeat_resp_codec, v, &resp,
                    v >= 4 ? "00000007 001b 00" : v >= 1 ? "00000007 001b" : "001b", a);
        ck_assert_int_eq(gr->ThrottleTimeMs, v >= 1 ? 7 : 0);
        ck_assert_int_eq(gr->ErrorCode, SK_KERR_REBALANCE_IN_PROGRESS);
        sk_arena_free(a);
    }
    req.GroupInstanceId = SK_STR_NULL;
    tu_assert_encodes(&heartbeat_req_codec, 3, &req, GRP " 00000003 " M1 " ffff");
    req.GroupInstanceId = sk_str_c("i1");
    tg_enc_fails(&heartbeat_req_codec, 2, &req);
    req.GroupInstanceId = SK_STR_NULL;
    req.MemberId = SK_STR_NULL;
    tg_enc_fails(&heartbeat_req_codec, 3, &req);
    req.MemberId = sk_str_c("m1");
    req.GroupId = SK_STR_NULL;
    tg_enc_fails(&heartbeat_req_codec, 0, &req);
    static const char *const bad[] = {"ffff 00000003 " M1 " ffff", GRP " 00000003 ffff ffff",
                                      GRP " 00000003 " M1 " fff0", GRP " 00000003 " M1 " 0001"};
    tg_parse_fail(&heartbeat_req_codec, 3, bad, TG_N(bad));
    tu_check_bad_versions(&heartbeat_req_codec, SK_HEARTBEAT_MIN_VER, SK_HEARTBEAT_MAX_VER);
    tu_check_bad_versions(&heartbeat_resp_codec, SK_HEARTBEAT_MIN_VER, SK_HEARTBEAT_MAX_VER);
}
END_TEST

/* ======================= LeaveGroup ======================= */

START_TEST(test_lg_req)
{
    sk_leavegroup_req_t req = {sk_str_c("grp"), sk_str_c("m1"), NULL, 0};
    for (int16_t v = SK_LEAVEGROUP_MIN_VER; v < SK_LEAVEGROUP_BATCH_VER; v++) {
        sk_arena_t *a = sk_arena_new(0);
        sk_leavegroup_req_t *g = tg_both(&leavegroup_req_codec, v, &req, GRP " " M1, a);
        tu_assert_str(g->GroupId, "grp");
        tu_assert_str(g->MemberId, "m1");
        ck_assert_int_eq(g->MembersCnt, 0);
        sk_arena_free(a);
    }
    /* v3: batch of members; MemberId is not in the layout */
    sk_leavegroup_req_member_t mem[2] = {{sk_str_c("m1"), SK_STR_NULL},
                                         {sk_str_c("m2"), sk_str_c("i2")}};
    tg_enc_fails(&leavegroup_req_codec, 3, &req);
    req.MemberId = sk_str_c("");
    req.Members = mem;
    req.MembersCnt = 2;
    sk_arena_t *a = sk_arena_new(0);
    sk_leavegroup_req_t *g =
        tg_both(&leavegroup_req_codec, 3, &req, GRP " 00000002 " M1 " ffff " M2 " " I2, a);
    tu_assert_str(g->GroupId, "grp");
    tu_assert_str(g->MemberId, "");
    ck_assert_int_eq(g->MembersCnt, 2);
    tu_assert_str(g->Members[0].MemberId, "m1");
    tu_assert_str(g->Members[0].GroupInstanceId, NULL);
    tu_assert_str(g->Members[1].MemberId, "m2");
    tu_assert_str(g->Members[1].GroupInstanceId, "i2");
    /* the list does not fit v0-2 */
    tg_enc_fails(&leavegroup_req_codec, 2, &req);
    mem[0].MemberId = SK_STR_NULL;
    tg_enc_fails(&leavegroup_req_codec, 3, &req);
    req.MembersCnt = -1;
    tg_enc_fails(&leavegroup_req_codec, 3, &req);
    req.MembersCnt = 0;
    tu_assert_encodes(&leavegroup_req_codec, 3, &req, GRP " 00000000");
    /* v4 flexible; v5 adds each member's Reason (ignorable below) */
    mem[0].MemberId = sk_str_c("m1");
    mem[0].Reason = SK_STR_NULL;
    mem[1].Reason = sk_str_c("bye");
    req.MembersCnt = 2;
    tu_assert_encodes(&leavegroup_req_codec, 4, &req, "04677270 03 036d31 00 00 036d32 036932 00 00");
    g = tg_both(&leavegroup_req_codec, 5, &req,
                "04677270 03 036d31 00 00 00 036d32 036932 04627965 00 00", a);
    tu_assert_str(g->Members[1].Reason, "bye");
    tu_assert_str(g->Members[0].Reason, NULL);
    static const char *const bad3[] = {GRP " ffffffff", GRP " 00000001 ffff ffff",
                                       GRP " 00000002 " M1 " ffff", GRP " 7fffffff",
                                       "ffff 00000000"};
    tg_parse_fail(&leavegroup_req_codec, 3, bad3, TG_N(bad3));
    static const char *const bad1[] = {GRP " ffff", "ffff " M1, GRP " 0003 6d31"};
    tg_parse_fail(&leavegroup_req_codec, 1, bad1, TG_N(bad1));
    sk_arena_free(a);
}
END_TEST

START_TEST(test_lg_resp)
{
    sk_leavegroup_resp_member_t mem[2] = {{sk_str_c("m1"), SK_STR_NULL, 0},
                                          {sk_str_c("m2"), sk_str_c("i2"),
                                           SK_KERR_UNKNOWN_MEMBER_ID}};
    sk_leavegroup_resp_t resp = {7, 0, mem, 2};
    for (int16_t v = SK_LEAVEGROUP_MIN_VER; v <= SK_LEAVEGROUP_MAX_VER; v++) {
        /* Members is v3+ and not ignorable */
        resp.MembersCnt = v >= SK_LEAVEGROUP_BATCH_VER ? 2 : 0;
        const char *hexs;
        if (v == 0)
            hexs = "0000";
        else if (v < 3)
            hexs = "00000007 0000";
        else if (v == 3)
            hexs = "00000007 0000 00000002 " M1 " ffff 0000 " M2 " " I2 " 0019";
        else
            hexs = "00000007 0000 03 036d31 00 0000 00 036d32 036932 0019 00 00";
        sk_arena_t *a = sk_arena_new(0);
        sk_leavegroup_resp_t *g = tg_both(&leavegroup_resp_codec, v, &resp, hexs, a);
        ck_assert_int_eq(g->ThrottleTimeMs, v >= 1 ? 7 : 0);
        ck_assert_int_eq(g->ErrorCode, 0);
        ck_assert_int_eq(g->MembersCnt, v >= 3 ? 2 : 0);
        if (v >= 3) {
            tu_assert_str(g->Members[0].MemberId, "m1");
            tu_assert_str(g->Members[0].GroupInstanceId, NULL);
            ck_assert_int_eq(g->Members[0].ErrorCode, 0);
            tu_assert_str(g->Members[1].GroupInstanceId, "i2");
            ck_assert_int_eq(g->Members[1].ErrorCode, SK_KERR_UNKNOWN_MEMBER_ID);
        }
        sk_arena_free(a);
    }
    mem[0].MemberId = SK_STR_NULL;
    tg_enc_fails(&leavegroup_resp_codec, 3, &resp);
    resp.MembersCnt = -1;
    tg_enc_fails(&leavegroup_resp_codec, 3, &resp);
    /* not ignorable: a member list below v3 is refused */
    mem[0].MemberId = sk_str_c("m1");
    resp.MembersCnt = 2;
    tg_enc_fails(&leavegroup_resp_codec, 2, &resp);
    static const char *const bad[] = {"00000000 0000 ffffffff",
                                      "00000000 0000 00000001 ffff ffff 0000",
                                      "00000000 0000 00000001 0000 ffff 00",
                                      "00000000 0000 7fffffff"};
    tg_parse_fail(&leavegroup_resp_codec, 3, bad, TG_N(bad));
    tu_check_bad_versions(&leavegroup_req_codec, SK_LEAVEGROUP_MIN_VER, SK_LEAVEGROUP_MAX_VER);
    tu_check_bad_versions(&leavegroup_resp_codec, SK_LEAVEGROUP_MIN_VER, SK_LEAVEGROUP_MAX_VER);
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
    tc = tcase_create("joingroup");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_jg_req);
    tcase_add_test(tc, test_jg_resp);
    tcase_add_test(tc, test_jg_versions);
    suite_add_tcase(s, tc);
    tc = tcase_create("syncgroup_heartbeat");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sg);
    tcase_add_test(tc, test_hb);
    suite_add_tcase(s, tc);
    tc = tcase_create("leavegroup");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_lg_req);
    tcase_add_test(tc, test_lg_resp);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
