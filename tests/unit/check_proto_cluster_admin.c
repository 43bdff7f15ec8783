/* check_proto_cluster_admin.c - unit tests for the topic-admin codecs:
 * DeleteTopics, CreatePartitions, DescribeCluster, DescribeConfigs, and
 * request frames captured from real clients (kafka-python 2.0.2,
 * librdkafka 2.0.2 through confluent-kafka) with tests/unit/data/
 * capture_stub.py.
 *
 * As in check_proto_cluster.c: expected bytes are written from the schemas'
 * field lists, every hand message goes through the truncation and mutation
 * sweeps and re-encodes to itself, plus hostile counts, unknown tags and
 * values the encoders must refuse.
 */
#include "check_proto_cluster_util.h"
#include "kerr.h"
#include "proto_createpartitions.h"
#include "proto_deletetopics.h"
#include "proto_describecluster.h"
#include "proto_describeconfigs.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

TU_CODEC(deletetopics_req, sk_deletetopics_req_t);
TU_CODEC(deletetopics_resp, sk_deletetopics_resp_t);
TU_CODEC(createpartitions_req, sk_createpartitions_req_t);
TU_CODEC(createpartitions_resp, sk_createpartitions_resp_t);
TU_CODEC(describecluster_req, sk_describecluster_req_t);
TU_CODEC(describecluster_resp, sk_describecluster_resp_t);
TU_CODEC(describeconfigs_req, sk_describeconfigs_req_t);
TU_CODEC(describeconfigs_resp, sk_describeconfigs_resp_t);

/* Decode hex with c at v, check the sweeps, and hand back the decoded
 * struct (arena-backed; the bytes live in a). */
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

static void *decode_checked_bytes(const tu_codec_t *c, const uint8_t *b, size_t n, int16_t v,
                                  sk_arena_t *a)
{
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

/* ======================= DeleteTopics ======================= */

#define FOO "666f6f"
#define BAR "626172"

START_TEST(test_dt_req)
{
    sk_str_t names[2] = {sk_str_c("foo"), sk_str_c("bar")};
    sk_deletetopics_req_t req;
    sk_deletetopics_req_init(&req);
    req.TopicNames = names;
    req.TopicNamesCnt = 2;
    req.TimeoutMs = 30000;
    for (int16_t v = SK_DELETETOPICS_MIN_VER; v <= 5; v++) {
        const char *hexs = v >= 4 ? "03 04 " FOO " 04 " BAR " 00007530 00"
                                  : "00000002 0003 " FOO " 0003 " BAR " 00007530";
        tu_assert_encodes(&deletetopics_req_codec, v, &req, hexs);
        sk_arena_t *a = sk_arena_new(0);
        sk_deletetopics_req_t *g = decode_checked(&deletetopics_req_codec, hexs, v, a);
        ck_assert_int_eq(g->TopicNamesCnt, 2);
        tu_assert_str(g->TopicNames[0], "foo");
        tu_assert_str(g->TopicNames[1], "bar");
        ck_assert_int_eq(g->TimeoutMs, 30000);
        sk_arena_free(a);
    }
    /* v6: by name or by id (a null name) */
    sk_deletetopics_req_topic_t topics[2];
    sk_deletetopics_req_topic_init(&topics[0]);
    sk_deletetopics_req_topic_init(&topics[1]);
    topics[0].Name = sk_str_c("foo");
    memset(topics[1].TopicId, 0xab, 16);
    sk_deletetopics_req_t r6;
    sk_deletetopics_req_init(&r6);
    r6.Topics = topics;
    r6.TopicsCnt = 2;
    r6.TimeoutMs = 30000;
    const char *hex6 = "03 04 " FOO " 00000000000000000000000000000000 00"
                       " 00 abababababababababababababababab 00 00007530 00";
    tu_assert_encodes(&deletetopics_req_codec, 6, &r6, hex6);
    sk_arena_t *a6 = sk_arena_new(0);
    sk_deletetopics_req_t *g6 = decode_checked(&deletetopics_req_codec, hex6, 6, a6);
    ck_assert_int_eq(g6->TopicsCnt, 2);
    tu_assert_str(g6->Topics[0].Name, "foo");
    ck_assert_int_lt(g6->Topics[1].Name.len, 0);
    ck_assert_int_eq(g6->Topics[1].TopicId[15], 0xab);
    sk_arena_free(a6);
    /* empty list */
    req.TopicNamesCnt = 0;
    tu_assert_encodes(&deletetopics_req_codec, 4, &req, "01 00007530 00");
    tu_assert_encodes(&deletetopics_req_codec, 0, &req, "00000000 00007530");
    /* unencodable: a null name where names cannot be null */
    sk_wr_t w;
    sk_wr_init(&w);
    req.TopicNamesCnt = 2;
    names[1] = SK_STR_NULL;
    ck_assert_int_eq(sk_deletetopics_req_encode(&w, 4, &req), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    static const char *const bad0[] = {
        "ffffffff 00000000", "7fffffff 00000000", "00000001 ffff 00000000",
        "00000002 0001 61 00000000", "80000000 00000000",
    };
    expect_parse_fail(&deletetopics_req_codec, 3, bad0, sizeof(bad0) / sizeof(bad0[0]));
    static const char *const bad4[] = {
        "00 00000000 00", "02 00 00000000 00", "ff ff ff ff 0f 00000000 00",
        "01 00000000 01 00 05 00",
    };
    expect_parse_fail(&deletetopics_req_codec, 4, bad4, sizeof(bad4) / sizeof(bad4[0]));
    static const char *const bad6[] = {
        "02 04 " FOO " 0000 00 00007530 00", /* the id cut short */
        "02 04 " FOO " 00000000000000000000000000000000", /* no tags, no timeout */
    };
    expect_parse_fail(&deletetopics_req_codec, 6, bad6, sizeof(bad6) / sizeof(bad6[0]));
    /* unknown tags (top level) are skipped */
    sk_arena_t *a = sk_arena_new(0);
    sk_deletetopics_req_t g;
    ck_assert_int_eq(tu_decode_hex(&deletetopics_req_codec, "02 02 61 00000064 02 00 00 2c 01 07",
                                   4, a, &g),
                     SK_OK);
    tu_assert_str(g.TopicNames[0], "a");
    ck_assert_int_eq(g.TimeoutMs, 100);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_dt_resp)
{
    sk_deletetopics_resp_response_t res[2];
    sk_deletetopics_resp_response_init(&res[0]);
    sk_deletetopics_resp_response_init(&res[1]);
    res[0].Name = sk_str_c("foo");
    res[1].Name = sk_str_c("bar");
    res[1].ErrorCode = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
    sk_deletetopics_resp_t resp;
    sk_deletetopics_resp_init(&resp);
    resp.ThrottleTimeMs = 100;
    resp.Responses = res;
    resp.ResponsesCnt = 2;
    for (int16_t v = SK_DELETETOPICS_MIN_VER; v <= SK_DELETETOPICS_MAX_VER; v++) {
        const char *hexs;
        if (v == 0)
            hexs = "00000002 0003 " FOO " 0000 0003 " BAR " 0003";
        else if (v < 4)
            hexs = "00000064 00000002 0003 " FOO " 0000 0003 " BAR " 0003";
        else if (v == 4)
            hexs = "00000064 03 04 " FOO " 0000 00 04 " BAR " 0003 00 00";
        else if (v == 5)
            hexs = "00000064 03 04 " FOO " 0000 00 00 04 " BAR " 0003 00 00 00";
        else
            hexs = "00000064 03 04 " FOO " 00000000000000000000000000000000 0000 00 00"
                   " 04 " BAR " 00000000000000000000000000000000 0003 00 00 00";
        tu_assert_encodes(&deletetopics_resp_codec, v, &resp, hexs);
        sk_arena_t *a = sk_arena_new(0);
        sk_deletetopics_resp_t *g = decode_checked(&deletetopics_resp_codec, hexs, v, a);
        ck_assert_int_eq(g->ThrottleTimeMs, v >= 1 ? 100 : 0);
        ck_assert_int_eq(g->ResponsesCnt, 2);
        tu_assert_str(g->Responses[1].Name, "bar");
        ck_assert_int_eq(g->Responses[1].ErrorCode, SK_KERR_UNKNOWN_TOPIC_OR_PARTITION);
        sk_arena_free(a);
    }
    sk_wr_t w;
    sk_wr_init(&w);
    res[0].Name = SK_STR_NULL; /* null only from v6 */
    ck_assert_int_eq(sk_deletetopics_resp_encode(&w, 2, &resp), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    static const char *const bad1[] = {"00000000 ffffffff", "00000000 00000001 ffff 0000",
                                       "00000000 00000002 0000 0000"};
    expect_parse_fail(&deletetopics_resp_codec, 1, bad1, sizeof(bad1) / sizeof(bad1[0]));
    static const char *const bad4[] = {"00000000 00 00", "00000000 02 00 0000 00 00"};
    expect_parse_fail(&deletetopics_resp_codec, 4, bad4, sizeof(bad4) / sizeof(bad4[0]));
}
END_TEST

START_TEST(test_dt_versions)
{
    tu_check_bad_versions(&deletetopics_req_codec, SK_DELETETOPICS_MIN_VER,
                          SK_DELETETOPICS_MAX_VER);
    tu_check_bad_versions(&deletetopics_resp_codec, SK_DELETETOPICS_MIN_VER,
                          SK_DELETETOPICS_MAX_VER);
}
END_TEST

/* ======================= CreatePartitions ======================= */

/* foo -> 6 partitions, controller assigns (null); bar -> 4 with [1,2], [2,3];
 * timeout 5000, validate only. */
#define CP_REQ_HEX                                                                    \
    "00000002 | 0003 " FOO " 00000006 ffffffff | 0003 " BAR " 00000004 00000002"     \
    " | 00000002 00000001 00000002 | 00000002 00000002 00000003 | 00001388 01"

START_TEST(test_cp_req)
{
    int32_t a1[] = {1, 2}, a2[] = {2, 3};
    sk_createpartitions_assignment_t as[2] = {{a1, 2}, {a2, 2}};
    sk_createpartitions_topic_t t[2] = {{sk_str_c("foo"), 6, NULL, -1}, {sk_str_c("bar"), 4, as, 2}};
    sk_createpartitions_req_t req = {t, 2, 5000, 1};
    for (int16_t v = SK_CREATEPARTITIONS_MIN_VER; v <= SK_CREATEPARTITIONS_MAX_VER; v++) {
        if (v >= SK_CREATEPARTITIONS_FLEX_VER) { /* compact: see test_cp_flexible */
            continue;
        }
        tu_assert_encodes(&createpartitions_req_codec, v, &req, CP_REQ_HEX);
        sk_arena_t *a = sk_arena_new(0);
        sk_createpartitions_req_t *g = decode_checked(&createpartitions_req_codec, CP_REQ_HEX, v, a);
        ck_assert_int_eq(g->TopicsCnt, 2);
        tu_assert_str(g->Topics[0].Name, "foo");
        ck_assert_int_eq(g->Topics[0].Count, 6);
        ck_assert_int_eq(g->Topics[0].AssignmentsCnt, -1);
        ck_assert_ptr_null(g->Topics[0].Assignments);
        tu_assert_str(g->Topics[1].Name, "bar");
        ck_assert_int_eq(g->Topics[1].Count, 4);
        ck_assert_int_eq(g->Topics[1].AssignmentsCnt, 2);
        tu_assert_i32s(g->Topics[1].Assignments[0].BrokerIds, g->Topics[1].Assignments[0].BrokerIdsCnt,
                       a1, 2);
        tu_assert_i32s(g->Topics[1].Assignments[1].BrokerIds, g->Topics[1].Assignments[1].BrokerIdsCnt,
                       a2, 2);
        ck_assert_int_eq(g->TimeoutMs, 5000);
        ck_assert(g->ValidateOnly);
        sk_arena_free(a);
    }
    /* empty (not null) assignments stay empty */
    t[0].AssignmentsCnt = 0;
    req.TopicsCnt = 1;
    req.ValidateOnly = 0;
    tu_assert_encodes(&createpartitions_req_codec, 0, &req,
                      "00000001 0003 " FOO " 00000006 00000000 00001388 00");
    sk_wr_t w;
    sk_wr_init(&w);
    t[0].AssignmentsCnt = -2;
    ck_assert_int_eq(sk_createpartitions_req_encode(&w, 0, &req), SK_EINVAL);
    t[0].AssignmentsCnt = 0;
    t[0].Name = SK_STR_NULL;
    ck_assert_int_eq(sk_createpartitions_req_encode(&w, 1, &req), SK_EINVAL);
    t[0].Name = sk_str_c("foo");
    req.TopicsCnt = 2;
    as[1].BrokerIdsCnt = -1;
    ck_assert_int_eq(sk_createpartitions_req_encode(&w, 1, &req), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    static const char *const bad[] = {
        "ffffffff 00001388 00",                                  /* null topics */
        "00000001 ffff 00000001 ffffffff 00001388 00",           /* null name */
        "00000001 0001 61 00000001 00000001 ffffffff 00001388 00", /* null broker ids */
        "00000001 0001 61 00000001 7fffffff 00001388 00",
        "00000001 0001 61 00000001 fffffffe 00001388 00",        /* count below -1 */
        "00000002 0001 61 00000001 ffffffff 00001388 00",
    };
    expect_parse_fail(&createpartitions_req_codec, 0, bad, sizeof(bad) / sizeof(bad[0]));
}
END_TEST

START_TEST(test_cp_resp)
{
    sk_createpartitions_result_t res[2] = {
        {sk_str_c("foo"), 0, SK_STR_NULL},
        {sk_str_c("bar"), SK_KERR_INVALID_PARTITIONS, sk_str_c("bad")}};
    sk_createpartitions_resp_t resp = {7, res, 2};
    const char *hexs = "00000007 00000002 | 0003 " FOO " 0000 ffff | 0003 " BAR " 0025 0003 626164";
    for (int16_t v = SK_CREATEPARTITIONS_MIN_VER; v <= SK_CREATEPARTITIONS_MAX_VER; v++) {
        if (v >= SK_CREATEPARTITIONS_FLEX_VER)
            hexs = "00000007 03 | 04 " FOO " 0000 00 00 | 04 " BAR " 0025 04 626164 00 | 00";
        tu_assert_encodes(&createpartitions_resp_codec, v, &resp, hexs);
        sk_arena_t *a = sk_arena_new(0);
        sk_createpartitions_resp_t *g = decode_checked(&createpartitions_resp_codec, hexs, v, a);
        ck_assert_int_eq(g->ThrottleTimeMs, 7);
        ck_assert_int_eq(g->ResultsCnt, 2);
        tu_assert_str(g->Results[0].ErrorMessage, NULL);
        tu_assert_str(g->Results[1].Name, "bar");
        ck_assert_int_eq(g->Results[1].ErrorCode, SK_KERR_INVALID_PARTITIONS);
        tu_assert_str(g->Results[1].ErrorMessage, "bad");
        sk_arena_free(a);
    }
    sk_wr_t w;
    sk_wr_init(&w);
    res[1].Name = SK_STR_NULL;
    ck_assert_int_eq(sk_createpartitions_resp_encode(&w, 0, &resp), SK_EINVAL);
    resp.ResultsCnt = -1;
    ck_assert_int_eq(sk_createpartitions_resp_encode(&w, 0, &resp), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    static const char *const bad[] = {"00000000 ffffffff", "00000000 00000001 ffff 0000 ffff",
                                      "00000000 00000001 0000 0000 fffe"};
    expect_parse_fail(&createpartitions_resp_codec, 1, bad, sizeof(bad) / sizeof(bad[0]));
}
END_TEST

/* v2-3: compact strings and arrays, tag sections */
START_TEST(test_cp_flexible)
{
    int32_t a1[] = {1, 2};
    sk_createpartitions_assignment_t as[1] = {{a1, 2}};
    sk_createpartitions_topic_t t[2] = {{sk_str_c("foo"), 6, NULL, -1},
                                        {sk_str_c("bar"), 4, as, 1}};
    sk_createpartitions_req_t req = {t, 2, 5000, 1};
    const char *hexs = "03 | 04 " FOO " 00000006 00 00 | 04 " BAR " 00000004 02 03 00000001"
                       " 00000002 00 00 | 00001388 01 00";
    for (int16_t v = SK_CREATEPARTITIONS_FLEX_VER; v <= SK_CREATEPARTITIONS_MAX_VER; v++) {
        tu_assert_encodes(&createpartitions_req_codec, v, &req, hexs);
        sk_arena_t *a = sk_arena_new(0);
        sk_createpartitions_req_t *g = decode_checked(&createpartitions_req_codec, hexs, v, a);
        ck_assert_int_eq(g->Topics[0].AssignmentsCnt, -1);
        tu_assert_i32s(g->Topics[1].Assignments[0].BrokerIds,
                       g->Topics[1].Assignments[0].BrokerIdsCnt, a1, 2);
        sk_arena_free(a);
    }
}
END_TEST

START_TEST(test_cp_versions)
{
    tu_check_bad_versions(&createpartitions_req_codec, SK_CREATEPARTITIONS_MIN_VER,
                          SK_CREATEPARTITIONS_MAX_VER);
    tu_check_bad_versions(&createpartitions_resp_codec, SK_CREATEPARTITIONS_MIN_VER,
                          SK_CREATEPARTITIONS_MAX_VER);
}
END_TEST

/* ======================= DescribeCluster ======================= */

#define LOCALHOST "6c6f63616c686f7374"
#define DC_RESP_HEX                                                               \
    "00000000 0000 00 | 05 636c7573 | 00000002 | 03"                             \
    " | 00000001 0a " LOCALHOST " 00002384 03 7231 00"                           \
    " | 00000002 0a " LOCALHOST " 00002385 00 00 | 80000000 | 00"

START_TEST(test_dc)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_describecluster_req_t *gq;
    sk_describecluster_req_t rq = {1, SK_ENDPOINT_TYPE_BROKER};
    tu_assert_encodes(&describecluster_req_codec, 0, &rq, "01 00");
    tu_assert_encodes(&describecluster_req_codec, 1, &rq, "01 01 00");
    gq = decode_checked(&describecluster_req_codec, "00 02 00", 1, a);
    ck_assert_int_eq(gq->EndpointType, SK_ENDPOINT_TYPE_CONTROLLER);
    sk_wr_t w0;
    sk_wr_init(&w0);
    ck_assert_int_eq(sk_describecluster_req_encode(&w0, 0, gq), SK_EINVAL); /* v1 only */
    sk_wr_free(&w0);
    gq = decode_checked(&describecluster_req_codec, "01 00", 0, a);
    ck_assert_int_eq(gq->EndpointType, SK_ENDPOINT_TYPE_BROKER);
    ck_assert(gq->IncludeClusterAuthorizedOperations);
    gq = decode_checked(&describecluster_req_codec, "00 00", 0, a);
    ck_assert(!gq->IncludeClusterAuthorizedOperations);
    /* unknown tag; a tag section cut short */
    ck_assert_int_eq(tu_decode_hex(&describecluster_req_codec, "01 01 00 02 abcd", 0, a, gq),
                     SK_OK);
    ck_assert_int_eq(tu_decode_hex(&describecluster_req_codec, "01 01 00 03 abcd", 0, a, gq),
                     SK_EPARSE);

    sk_describecluster_broker_t br[2] = {{1, sk_str_c("localhost"), 9092, sk_str_c("r1")},
                                         {2, sk_str_c("localhost"), 9093, SK_STR_NULL}};
    sk_describecluster_resp_t resp = {0, 0, SK_STR_NULL, SK_ENDPOINT_TYPE_BROKER,
                                      sk_str_c("clus"), 2, br, 2, SK_DESCRIBECLUSTER_OPS_OMITTED};
    tu_assert_encodes(&describecluster_resp_codec, 0, &resp, DC_RESP_HEX);
    /* v1: EndpointType after the error message */
    const char *v1 = "00000000 0000 00 01 | 05 636c7573 | 00000002 | 03"
                     " | 00000001 0a " LOCALHOST " 00002384 03 7231 00"
                     " | 00000002 0a " LOCALHOST " 00002385 00 00 | 80000000 | 00";
    tu_assert_encodes(&describecluster_resp_codec, 1, &resp, v1);
    ck_assert_int_eq(((sk_describecluster_resp_t *)decode_checked(&describecluster_resp_codec,
                                                                  v1, 1, a))->EndpointType, 1);
    sk_describecluster_resp_t *g = decode_checked(&describecluster_resp_codec, DC_RESP_HEX, 0, a);
    tu_assert_str(g->ErrorMessage, NULL);
    tu_assert_str(g->ClusterId, "clus");
    ck_assert_int_eq(g->ControllerId, 2);
    ck_assert_int_eq(g->BrokersCnt, 2);
    ck_assert_int_eq(g->Brokers[0].BrokerId, 1);
    tu_assert_str(g->Brokers[0].Host, "localhost");
    ck_assert_int_eq(g->Brokers[0].Port, 9092);
    tu_assert_str(g->Brokers[0].Rack, "r1");
    tu_assert_str(g->Brokers[1].Rack, NULL);
    ck_assert_int_eq(g->ClusterAuthorizedOperations, INT32_MIN);
    /* error variant */
    sk_describecluster_resp_t eresp = {5, SK_KERR_CLUSTER_AUTHORIZATION_FAILED, sk_str_c("no"),
                                       SK_ENDPOINT_TYPE_BROKER, sk_str_c(""), -1, NULL, 0, 0};
    tu_assert_encodes(&describecluster_resp_codec, 0, &eresp,
                      "00000005 001f 03 6e6f 01 ffffffff 01 00000000 00");
    sk_wr_t w;
    sk_wr_init(&w);
    eresp.ClusterId = SK_STR_NULL;
    ck_assert_int_eq(sk_describecluster_resp_encode(&w, 0, &eresp), SK_EINVAL);
    br[0].Host = SK_STR_NULL;
    ck_assert_int_eq(sk_describecluster_resp_encode(&w, 0, &resp), SK_EINVAL);
    resp.BrokersCnt = -1;
    ck_assert_int_eq(sk_describecluster_resp_encode(&w, 0, &resp), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    static const char *const bad[] = {
        "00000000 0000 00 00 00000002 01 80000000 00",          /* null cluster id */
        "00000000 0000 00 01 00000002 00 80000000 00",          /* null brokers */
        "00000000 0000 00 01 00000002 02 00000001 00 00000000 00 00 80000000 00", /* null host */
        "00000000 0000 00 01 00000002 03 00000001 01 00000000 00 00 80000000 00",
    };
    expect_parse_fail(&describecluster_resp_codec, 0, bad, sizeof(bad) / sizeof(bad[0]));
    tu_check_bad_versions(&describecluster_req_codec, SK_DESCRIBECLUSTER_MIN_VER,
                          SK_DESCRIBECLUSTER_MAX_VER);
    tu_check_bad_versions(&describecluster_resp_codec, SK_DESCRIBECLUSTER_MIN_VER,
                          SK_DESCRIBECLUSTER_MAX_VER);
    sk_arena_free(a);
}
END_TEST

/* ======================= DescribeConfigs ======================= */

/* topic "t", all keys; broker "0", key "k1" */
#define DCF_REQ_V0 "00000002 | 02 0001 74 ffffffff | 04 0001 30 00000001 0002 6b31"

START_TEST(test_dcf_req)
{
    sk_str_t keys[1] = {sk_str_c("k1")};
    sk_describeconfigs_resource_t res[2] = {{SK_CONFIG_RESOURCE_TOPIC, sk_str_c("t"), NULL, -1},
                                            {SK_CONFIG_RESOURCE_BROKER, sk_str_c("0"), keys, 1}};
    sk_describeconfigs_req_t req = {res, 2, 0};
    tu_assert_encodes(&describeconfigs_req_codec, 0, &req, DCF_REQ_V0);
    req.IncludeSynonyms = 1;
    tu_assert_encodes(&describeconfigs_req_codec, 1, &req, DCF_REQ_V0 " 01");
    tu_assert_encodes(&describeconfigs_req_codec, 2, &req, DCF_REQ_V0 " 01");
    /* IncludeSynonyms is not ignorable */
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_describeconfigs_req_encode(&w, 0, &req), SK_EINVAL);
    req.IncludeSynonyms = 0;
    res[0].ConfigurationKeysCnt = -2;
    ck_assert_int_eq(sk_describeconfigs_req_encode(&w, 1, &req), SK_EINVAL);
    res[0].ConfigurationKeysCnt = -1;
    res[1].ResourceName = SK_STR_NULL;
    ck_assert_int_eq(sk_describeconfigs_req_encode(&w, 2, &req), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    /* v3: IncludeDocumentation (not ignorable); v4 flexible */
    res[1].ResourceName = sk_str_c("0");
    req.IncludeSynonyms = 1;
    req.IncludeDocumentation = 1;
    tu_assert_encodes(&describeconfigs_req_codec, 3, &req, DCF_REQ_V0 " 01 01");
    tu_assert_encodes(&describeconfigs_req_codec, 4, &req,
                      "03 | 02 0274 00 00 | 04 0230 02 036b31 00 | 01 01 00");
    sk_wr_init(&w);
    ck_assert_int_eq(sk_describeconfigs_req_encode(&w, 2, &req), SK_EINVAL);
    sk_wr_free(&w);
    sk_arena_t *a3 = sk_arena_new(0);
    sk_describeconfigs_req_t *g3 = decode_checked(&describeconfigs_req_codec,
                                                  "03 | 02 0274 00 00 | 04 0230 02 036b31 00"
                                                  " | 01 01 00", 4, a3);
    ck_assert_int_eq(g3->Resources[0].ConfigurationKeysCnt, -1);
    tu_assert_str(g3->Resources[1].ConfigurationKeys[0], "k1");
    ck_assert_int_eq(g3->IncludeDocumentation, 1);
    sk_arena_free(a3);
    for (int16_t v = SK_DESCRIBECONFIGS_MIN_VER; v <= 2; v++) {
        sk_arena_t *a = sk_arena_new(0);
        sk_describeconfigs_req_t *g =
            decode_checked(&describeconfigs_req_codec, v ? DCF_REQ_V0 " 01" : DCF_REQ_V0, v, a);
        ck_assert_int_eq(g->ResourcesCnt, 2);
        ck_assert_int_eq(g->Resources[0].ResourceType, SK_CONFIG_RESOURCE_TOPIC);
        tu_assert_str(g->Resources[0].ResourceName, "t");
        ck_assert_int_eq(g->Resources[0].ConfigurationKeysCnt, -1);
        ck_assert_int_eq(g->Resources[1].ResourceType, SK_CONFIG_RESOURCE_BROKER);
        ck_assert_int_eq(g->Resources[1].ConfigurationKeysCnt, 1);
        tu_assert_str(g->Resources[1].ConfigurationKeys[0], "k1");
        ck_assert_int_eq(g->IncludeSynonyms, v >= 1);
        sk_arena_free(a);
    }
    static const char *const bad[] = {
        "ffffffff 00",
        "00000001 02 ffff ffffffff 00",               /* null resource name */
        "00000001 02 0001 74 fffffffe 00",            /* key count below -1 */
        "00000001 02 0001 74 00000001 ffff 00",       /* null key */
        "00000001 02 0001 74 7fffffff 00",
    };
    expect_parse_fail(&describeconfigs_req_codec, 1, bad, sizeof(bad) / sizeof(bad[0]));
}
END_TEST

#define DCF_RESP_V0                                                      \
    "00000009 00000001 | 0000 ffff 02 0001 74 | 00000002"               \
    " | 0001 61 0001 31 00 01 00 | 0001 62 ffff 01 00 01"
#define DCF_RESP_V1                                                      \
    "00000009 00000001 | 0000 ffff 02 0001 74 | 00000002"               \
    " | 0001 61 0001 31 00 05 00 00000001 0001 61 0001 31 05"           \
    " | 0001 62 ffff 01 01 01 00000000"
/* v3: ConfigType and Documentation after the synonyms */
#define DCF_RESP_V3                                                      \
    "00000009 00000001 | 0000 ffff 02 0001 74 | 00000002"               \
    " | 0001 61 0001 31 00 05 00 00000001 0001 61 0001 31 05 03 0001 64" \
    " | 0001 62 ffff 01 01 01 00000000 09 ffff"
#define DCF_RESP_V4                                                      \
    "00000009 02 | 0000 00 02 0274 | 03"                                \
    " | 0261 0231 00 05 00 02 0261 0231 05 00 03 0264 00"               \
    " | 0262 00 01 01 01 01 09 00 00 | 00 | 00"

START_TEST(test_dcf_resp)
{
    sk_describeconfigs_synonym_t syn = {sk_str_c("a"), sk_str_c("1"), SK_CONFIG_SOURCE_DEFAULT};
    sk_describeconfigs_config_t cfg[2] = {
        {sk_str_c("a"), sk_str_c("1"), 0, 1, SK_CONFIG_SOURCE_DEFAULT, 0, &syn, 1,
         SK_CONFIG_TYPE_INT, sk_str_c("d")},
        {sk_str_c("b"), SK_STR_NULL, 1, 0, SK_CONFIG_SOURCE_TOPIC, 1, NULL, 0,
         SK_CONFIG_TYPE_PASSWORD, SK_STR_NULL}};
    sk_describeconfigs_result_t res = {0, SK_STR_NULL, SK_CONFIG_RESOURCE_TOPIC, sk_str_c("t"),
                                       cfg, 2};
    sk_describeconfigs_resp_t resp = {9, &res, 1};
    for (int16_t v = SK_DESCRIBECONFIGS_MIN_VER; v <= SK_DESCRIBECONFIGS_MAX_VER; v++) {
        const char *hexs = v == 0 ? DCF_RESP_V0 : v < 3 ? DCF_RESP_V1
                           : v == 3 ? DCF_RESP_V3 : DCF_RESP_V4;
        cfg[0].IsDefault = v == 0; /* v0 only, not ignorable */
        tu_assert_encodes(&describeconfigs_resp_codec, v, &resp, hexs);
        sk_arena_t *a = sk_arena_new(0);
        sk_describeconfigs_resp_t *g = decode_checked(&describeconfigs_resp_codec, hexs, v, a);
        ck_assert_int_eq(g->ThrottleTimeMs, 9);
        ck_assert_int_eq(g->ResultsCnt, 1);
        const sk_describeconfigs_result_t *gr = &g->Results[0];
        tu_assert_str(gr->ErrorMessage, NULL);
        ck_assert_int_eq(gr->ResourceType, SK_CONFIG_RESOURCE_TOPIC);
        tu_assert_str(gr->ResourceName, "t");
        ck_assert_int_eq(gr->ConfigsCnt, 2);
        tu_assert_str(gr->Configs[0].Name, "a");
        tu_assert_str(gr->Configs[0].Value, "1");
        ck_assert_int_eq(gr->Configs[0].IsDefault, v == 0);
        ck_assert(!gr->Configs[0].ReadOnly);
        ck_assert_int_eq(gr->Configs[0].ConfigType, v >= 3 ? SK_CONFIG_TYPE_INT : 0);
        tu_assert_str(gr->Configs[0].Documentation, v >= 3 ? "d" : "");
        tu_assert_str(gr->Configs[1].Documentation, v >= 3 ? NULL : "");
        tu_assert_str(gr->Configs[1].Value, NULL);
        ck_assert(gr->Configs[1].ReadOnly);
        ck_assert(!gr->Configs[1].IsDefault);
        ck_assert(gr->Configs[1].IsSensitive);
        if (v == 0) {
            ck_assert_int_eq(gr->Configs[0].ConfigSource, -1);
            ck_assert_int_eq(gr->Configs[0].SynonymsCnt, 0);
        } else {
            ck_assert_int_eq(gr->Configs[0].ConfigSource, SK_CONFIG_SOURCE_DEFAULT);
            ck_assert_int_eq(gr->Configs[1].ConfigSource, SK_CONFIG_SOURCE_TOPIC);
            ck_assert_int_eq(gr->Configs[0].SynonymsCnt, 1);
            tu_assert_str(gr->Configs[0].Synonyms[0].Name, "a");
            ck_assert_int_eq(gr->Configs[0].Synonyms[0].Source, SK_CONFIG_SOURCE_DEFAULT);
        }
        sk_arena_free(a);
    }
    sk_wr_t w;
    sk_wr_init(&w);
    cfg[0].IsDefault = 1; /* not on the wire from v1 */
    ck_assert_int_eq(sk_describeconfigs_resp_encode(&w, 1, &resp), SK_EINVAL);
    cfg[0].IsDefault = 0;
    syn.Name = SK_STR_NULL;
    ck_assert_int_eq(sk_describeconfigs_resp_encode(&w, 1, &resp), SK_EINVAL);
    syn.Name = sk_str_c("a");
    cfg[1].SynonymsCnt = -1;
    ck_assert_int_eq(sk_describeconfigs_resp_encode(&w, 1, &resp), SK_EINVAL);
    cfg[1].SynonymsCnt = 0;
    cfg[0].Name = SK_STR_NULL;
    ck_assert_int_eq(sk_describeconfigs_resp_encode(&w, 2, &resp), SK_EINVAL);
    cfg[0].Name = sk_str_c("a");
    res.ResourceName = SK_STR_NULL;
    ck_assert_int_eq(sk_describeconfigs_resp_encode(&w, 2, &resp), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    static const char *const bad[] = {
        "00000000 ffffffff",
        "00000000 00000001 0000 ffff 02 ffff 00000000",              /* null resource name */
        "00000000 00000001 0000 ffff 02 0000 ffffffff",              /* null configs */
        "00000000 00000001 0000 ffff 02 0000 00000001 ffff ffff 00 00 00 00000000",
        "00000000 00000001 0000 ffff 02 0000 00000001 0000 ffff 00 00 00 ffffffff",
    };
    expect_parse_fail(&describeconfigs_resp_codec, 1, bad, sizeof(bad) / sizeof(bad[0]));
    tu_check_bad_versions(&describeconfigs_req_codec, SK_DESCRIBECONFIGS_MIN_VER,
                          SK_DESCRIBECONFIGS_MAX_VER);
    tu_check_bad_versions(&describeconfigs_resp_codec, SK_DESCRIBECONFIGS_MIN_VER,
                          SK_DESCRIBECONFIGS_MAX_VER);
}
END_TEST

/* ======================= real clients ======================= */

/* Whole request frames (header v1 + body, no size prefix) as the clients
 * sent them to capture_stub.py. */
static const struct {
    const char *what;
    const char *frame;
} real[] = {
    {"kafka-python delete_topics(['t', 'gone'], timeout_ms=5000)",
     "001400030000000300126b61666b612d707974686f6e2d322e302e32"
     "000000020001740004676f6e6500001388"},
    {"librdkafka delete_topics(['t', 'gone'], operation_timeout=5)",
     "0014000100000003000772646b61666b61000000020001740004676f6e6500001388"},
    {"kafka-python create_partitions({'t': 3, 'u': (4, [[0], [0]])})",
     "002500010000000300126b61666b612d707974686f6e2d322e302e32"
     "0000000200017400000003ffffffff0001750000000400000002000000010000000000000001"
     "000000000000138800"},
    {"librdkafka create_partitions(t: 3, u: 4 [[0], [0]], validate_only)",
     "0025000000000003000772646b61666b61"
     "0000000200017400000003ffffffff0001750000000400000002000000010000000000000001"
     "000000000000138801"},
    {"kafka-python describe_configs(topic t [retention.ms], topic u, synonyms)",
     "002000020000000300126b61666b612d707974686f6e2d322e302e32"
     "000000020200017400000001000c726574656e74696f6e2e6d7302000175ffffffff01"},
    {"librdkafka describe_configs(topic t, broker 0)",
     "0020000100000003000772646b61666b610000000202000174ffffffff04000130ffffffff01"},
};

/* Skips a request header v1 (key, version, correlation id, client id);
 * the APIs here are not in the dispatcher's table yet, so this does not use
 * sk_req_hdr_decode(). */
static void skip_hdr_v1(sk_rd_t *r, int16_t *key, int16_t *ver)
{
    *key = sk_rd_i16(r);
    *ver = sk_rd_i16(r);
    (void)sk_rd_i32(r);
    (void)sk_rd_str(r, 0);
    ck_assert(sk_rd_ok(r));
}

START_TEST(test_real_clients)
{
    for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
        sk_arena_t *a = sk_arena_new(0);
        size_t cap = strlen(real[i].frame) / 2 + 1;
        uint8_t *b = sk_arena_alloc(a, cap);
        size_t n = tu_hex(real[i].frame, b, cap);
        sk_rd_t r;
        sk_rd_init(&r, b, n);
        int16_t key, ver;
        skip_hdr_v1(&r, &key, &ver);
        const uint8_t *body = r.p;
        size_t blen = sk_rd_remaining(&r);
        if (key == 20) {
            sk_deletetopics_req_t *g = decode_checked_bytes(&deletetopics_req_codec, body, blen,
                                                            ver, a);
            ck_assert_int_eq(g->TopicNamesCnt, 2);
            tu_assert_str(g->TopicNames[0], "t");
            tu_assert_str(g->TopicNames[1], "gone");
            ck_assert_int_eq(g->TimeoutMs, 5000);
        } else if (key == 37) {
            sk_createpartitions_req_t *g =
                decode_checked_bytes(&createpartitions_req_codec, body, blen, ver, a);
            ck_assert_int_eq(g->TopicsCnt, 2);
            tu_assert_str(g->Topics[0].Name, "t");
            ck_assert_int_eq(g->Topics[0].Count, 3);
            ck_assert_int_eq(g->Topics[0].AssignmentsCnt, -1);
            tu_assert_str(g->Topics[1].Name, "u");
            ck_assert_int_eq(g->Topics[1].Count, 4);
            ck_assert_int_eq(g->Topics[1].AssignmentsCnt, 2);
            ck_assert_int_eq(g->Topics[1].Assignments[1].BrokerIdsCnt, 1);
            ck_assert_int_eq(g->Topics[1].Assignments[1].BrokerIds[0], 0);
            ck_assert_int_eq(g->TimeoutMs, 5000);
            ck_assert_int_eq(g->ValidateOnly, ver == 0);
        } else if (key == 32) {
            sk_describeconfigs_req_t *g =
                decode_checked_bytes(&describeconfigs_req_codec, body, blen, ver, a);
            ck_assert_int_eq(g->ResourcesCnt, 2);
            ck_assert_int_eq(g->Resources[0].ResourceType, SK_CONFIG_RESOURCE_TOPIC);
            tu_assert_str(g->Resources[0].ResourceName, "t");
            ck_assert(g->IncludeSynonyms);
            if (ver == 2) {
                ck_assert_int_eq(g->Resources[0].ConfigurationKeysCnt, 1);
                tu_assert_str(g->Resources[0].ConfigurationKeys[0], "retention.ms");
                tu_assert_str(g->Resources[1].ResourceName, "u");
                ck_assert_int_eq(g->Resources[1].ConfigurationKeysCnt, -1);
            } else {
                ck_assert_int_eq(g->Resources[0].ConfigurationKeysCnt, -1);
                ck_assert_int_eq(g->Resources[1].ResourceType, SK_CONFIG_RESOURCE_BROKER);
                tu_assert_str(g->Resources[1].ResourceName, "0");
            }
        } else {
            ck_abort_msg("unexpected key %d in %s", key, real[i].what);
        }
        sk_arena_free(a);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto_cluster_admin");
    TCase *tc = tcase_create("deletetopics");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_dt_req);
    tcase_add_test(tc, test_dt_resp);
    tcase_add_test(tc, test_dt_versions);
    suite_add_tcase(s, tc);
    tc = tcase_create("createpartitions");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cp_req);
    tcase_add_test(tc, test_cp_resp);
    tcase_add_test(tc, test_cp_flexible);
    tcase_add_test(tc, test_cp_versions);
    suite_add_tcase(s, tc);
    tc = tcase_create("describecluster");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_dc);
    suite_add_tcase(s, tc);
    tc = tcase_create("describeconfigs");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_dcf_req);
    tcase_add_test(tc, test_dcf_resp);
    suite_add_tcase(s, tc);
    tc = tcase_create("real");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_real_clients);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
