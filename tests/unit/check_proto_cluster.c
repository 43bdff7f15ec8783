/* check_proto_cluster.c - unit tests for the controller -> broker codecs:
 * LeaderAndIsr, UpdateMetadata, StopReplica.
 *
 * Expected bytes in the "hand" tests are written out from the field lists
 * in Kafka's message schemas (<Api>Request.json / <Api>Response.json), not
 * produced by our encoder. Each hand message is then put through the
 * truncation sweep (every strict prefix must fail with SK_EPARSE), the
 * byte-mutation sweep (SK_OK or SK_EPARSE, and an encode/decode fixpoint for
 * whatever decodes) and re-encoded to the same bytes. Round trips cover
 * every version; hostile counts and unknown tagged fields have their own
 * tests.
 */
#include "check_proto_cluster_util.h"
#include "kerr.h"
#include "proto_leaderandisr.h"
#include "proto_stopreplica.h"
#include "proto_updatemetadata.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

TU_CODEC(leaderandisr_req, sk_leaderandisr_req_t);
TU_CODEC(leaderandisr_resp, sk_leaderandisr_resp_t);
TU_CODEC(updatemetadata_req, sk_updatemetadata_req_t);
TU_CODEC(updatemetadata_resp, sk_updatemetadata_resp_t);
TU_CODEC(stopreplica_req, sk_stopreplica_req_t);
TU_CODEC(stopreplica_resp, sk_stopreplica_resp_t);

static const uint8_t uuid_a[16] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                   0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};
#define UUID_A_HEX "0102030405060708090a0b0c0d0e0f10"

/* Hex of a message into a fresh buffer; returns the length. */
static size_t H(const char *s, uint8_t *b)
{
    return tu_hex(s, b, 1024);
}

/* ======================= LeaderAndIsr ======================= */

/* The versions with bytes written out below (the generated round-trip tests
 * in check_schema cover every version). */
#define LAI_HEX_MIN 2
#define LAI_HEX_MAX 5
#define UM_HEX_MIN 5
#define UM_HEX_MAX 7

/* One topic "foo", partition 0: leader 1, epochs, ISR [1,2], replicas
 * [1,2,3], adding [3] (v3+), removing [], is_new; one live leader h1:9092. */
#define LAI_HEAD_CLASSIC "00000001 00000003 0000000100000021"
#define LAI_PART_FRONT "00000000 00000003 00000001 00000005"

static const char *const lai_req_hex[6] = {
    [2] = LAI_HEAD_CLASSIC
    " 00000001 | 0003 666f6f | 00000001"
    " | " LAI_PART_FRONT " 00000002 00000001 00000002 00000007"
    "   00000003 00000001 00000002 00000003 01"
    " | 00000001 | 00000001 0002 6831 00002384",
    [3] = LAI_HEAD_CLASSIC
    " 00000001 | 0003 666f6f | 00000001"
    " | " LAI_PART_FRONT " 00000002 00000001 00000002 00000007"
    "   00000003 00000001 00000002 00000003 00000001 00000003 00000000 01"
    " | 00000001 | 00000001 0002 6831 00002384",
    [4] = LAI_HEAD_CLASSIC
    " 02 | 04 666f6f | 02"
    " | " LAI_PART_FRONT " 03 00000001 00000002 00000007"
    "   04 00000001 00000002 00000003 02 00000003 01 01 00 | 00"
    " | 02 | 00000001 03 6831 00002384 00 | 00",
    [5] = LAI_HEAD_CLASSIC
    " 02"
    " 02 | 04 666f6f " UUID_A_HEX " | 02"
    " | " LAI_PART_FRONT " 03 00000001 00000002 00000007"
    "   04 00000001 00000002 00000003 02 00000003 01 01 00 | 00"
    " | 02 | 00000001 03 6831 00002384 00 | 00",
};

static void check_lai_req(const sk_leaderandisr_req_t *g, int16_t v)
{
    static const int32_t isr[] = {1, 2}, reps[] = {1, 2, 3}, add[] = {3};
    ck_assert_int_eq(g->ControllerId, 1);
    ck_assert_int_eq(g->ControllerEpoch, 3);
    ck_assert(g->BrokerEpoch == 0x100000021LL);
    ck_assert_int_eq(g->Type, v >= 5 ? SK_LEADERANDISR_TYPE_FULL : 0);
    ck_assert_int_eq(g->TopicStatesCnt, 1);
    const sk_leaderandisr_req_topic_state_t *t = &g->TopicStates[0];
    tu_assert_str(t->TopicName, "foo");
    if (v >= 5)
        ck_assert_mem_eq(t->TopicId, uuid_a, 16);
    else
        ck_assert_mem_eq(t->TopicId, (uint8_t[16]){0}, 16);
    ck_assert_int_eq(t->PartitionStatesCnt, 1);
    const sk_leaderandisr_req_ungrouped_partition_state_t *p = &t->PartitionStates[0];
    ck_assert_int_eq(p->PartitionIndex, 0);
    ck_assert_int_eq(p->ControllerEpoch, 3);
    ck_assert_int_eq(p->Leader, 1);
    ck_assert_int_eq(p->LeaderEpoch, 5);
    tu_assert_i32s(p->Isr, p->IsrCnt, isr, 2);
    ck_assert_int_eq(p->PartitionEpoch, 7);
    tu_assert_i32s(p->Replicas, p->ReplicasCnt, reps, 3);
    tu_assert_i32s(p->AddingReplicas, p->AddingReplicasCnt, add, v >= 3 ? 1 : 0);
    ck_assert_int_eq(p->RemovingReplicasCnt, 0);
    ck_assert(p->IsNew);
    ck_assert_int_eq(g->LiveLeadersCnt, 1);
    ck_assert_int_eq(g->LiveLeaders[0].BrokerId, 1);
    tu_assert_str(g->LiveLeaders[0].HostName, "h1");
    ck_assert_int_eq(g->LiveLeaders[0].Port, 9092);
}

START_TEST(test_lai_req_hand)
{
    for (int16_t v = LAI_HEX_MIN; v <= LAI_HEX_MAX; v++) {
        uint8_t b[1024];
        size_t n = H(lai_req_hex[v], b);
        sk_arena_t *a = sk_arena_new(0);
        sk_leaderandisr_req_t g;
        ck_assert_int_eq(tu_decode(&leaderandisr_req_codec, b, n, v, a, &g), SK_OK);
        check_lai_req(&g, v);
        tu_check_all(&leaderandisr_req_codec, b, n, v);
        sk_arena_free(a);
    }
}
END_TEST

START_TEST(test_lai_req_encode)
{
    /* The same message built by hand encodes to the schema bytes at every
     * version; v5-only and v3-only values are dropped below (ignorable). */
    int32_t isr[] = {1, 2}, reps[] = {1, 2, 3}, add[] = {3};
    sk_leaderandisr_req_ungrouped_partition_state_t p = {
        .PartitionIndex = 0, .ControllerEpoch = 3, .Leader = 1, .LeaderEpoch = 5,
        .Isr = isr, .IsrCnt = 2, .PartitionEpoch = 7, .Replicas = reps, .ReplicasCnt = 3,
        .AddingReplicas = add, .AddingReplicasCnt = 1, .IsNew = 1};
    sk_leaderandisr_req_topic_state_t t = {.TopicName = sk_str_c("foo"), .PartitionStates = &p,
                                       .PartitionStatesCnt = 1};
    memcpy(t.TopicId, uuid_a, 16);
    sk_leaderandisr_req_live_leader_t l = {1, sk_str_c("h1"), 9092};
    sk_leaderandisr_req_t req = {.ControllerId = 1, .ControllerEpoch = 3,
                                 .BrokerEpoch = 0x100000021LL, .TopicStates = &t,
                                 .TopicStatesCnt = 1, .LiveLeaders = &l, .LiveLeadersCnt = 1};
    for (int16_t v = LAI_HEX_MIN; v <= LAI_HEX_MAX; v++) {
        req.Type = v >= 5 ? SK_LEADERANDISR_TYPE_FULL : 0;
        tu_assert_encodes(&leaderandisr_req_codec, v, &req, lai_req_hex[v]);
    }
    /* Type is not ignorable: a FULL request cannot go out below v5, and
     * the writer is left untouched. */
    req.Type = SK_LEADERANDISR_TYPE_FULL;
    sk_wr_t w;
    sk_wr_init(&w);
    sk_wr_i8(&w, 0x55);
    ck_assert_int_eq(sk_leaderandisr_req_encode(&w, 4, &req), SK_EINVAL);
    ck_assert_uint_eq(w.len, 1);
    /* negative counts on non-nullable lists */
    req.Type = 0;
    p.IsrCnt = -1;
    ck_assert_int_eq(sk_leaderandisr_req_encode(&w, 4, &req), SK_EINVAL);
    p.IsrCnt = 2;
    p.RemovingReplicasCnt = -1;
    ck_assert_int_eq(sk_leaderandisr_req_encode(&w, 3, &req), SK_EINVAL);
    p.RemovingReplicasCnt = 0;
    req.LiveLeadersCnt = -1;
    ck_assert_int_eq(sk_leaderandisr_req_encode(&w, 2, &req), SK_EINVAL);
    req.LiveLeadersCnt = 1;
    t.TopicName = SK_STR_NULL;
    ck_assert_int_eq(sk_leaderandisr_req_encode(&w, 5, &req), SK_EINVAL);
    ck_assert_uint_eq(w.len, 1);
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_lai_req_tags_and_defaults)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_leaderandisr_req_t g;
    /* v4 with unknown tags at every level (top, topic, partition, live
     * leader): skipped, and re-encoding drops them. */
    const char *tagged =
        LAI_HEAD_CLASSIC " 02 | 04 666f6f | 02"
        " | " LAI_PART_FRONT " 03 00000001 00000002 00000007"
        "   04 00000001 00000002 00000003 02 00000003 01 01 | 02 05 02 abcd 7f 00"
        " | 01 00 03 010203"
        " | 02 | 00000001 03 6831 00002384 01 2a 01 ff | 01 d00f 00";
    ck_assert_int_eq(tu_decode_hex(&leaderandisr_req_codec, tagged, 4, a, &g), SK_OK);
    check_lai_req(&g, 4);
    tu_assert_encodes(&leaderandisr_req_codec, 4, &g, lai_req_hex[4]);
    /* a tag whose size runs past the end */
    ck_assert_int_eq(tu_decode_hex(&leaderandisr_req_codec,
                                   LAI_HEAD_CLASSIC " 01 01 | 01 05 08 abcd", 4, a, &g),
                     SK_EPARSE);
    /* An empty v2 request: defaults for the fields v2 lacks. */
    ck_assert_int_eq(tu_decode_hex(&leaderandisr_req_codec,
                                   "ffffffff 00000000 ffffffffffffffff 00000000 00000000", 2, a,
                                   &g),
                     SK_OK);
    ck_assert_int_eq(g.ControllerId, -1);
    ck_assert(g.BrokerEpoch == -1);
    ck_assert_int_eq(g.Type, 0);
    ck_assert_int_eq(g.TopicStatesCnt, 0);
    ck_assert_int_eq(g.LiveLeadersCnt, 0);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_lai_req_hostile)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_leaderandisr_req_t g;
    static const char *const bad_v2[] = {
        /* topic count: huge, negative, null (not nullable) */
        LAI_HEAD_CLASSIC " 7fffffff 00000000",
        LAI_HEAD_CLASSIC " 80000000 00000000",
        LAI_HEAD_CLASSIC " ffffffff 00000000",
        /* partition count larger than the bytes could hold (2 x 29 > 33) */
        LAI_HEAD_CLASSIC " 00000001 0001 66 00000002" " 00000000 00000000 00000000 00000000"
        " 00000000 00000000 00000000 00 00000000",
        /* ISR count negative / null inside a partition */
        LAI_HEAD_CLASSIC " 00000001 0001 66 00000001 " LAI_PART_FRONT
        " ffffffff 00000007 00000000 00 00000000",
        /* null topic name */
        LAI_HEAD_CLASSIC " 00000001 ffff 00000000 00000000",
        /* null live leader host */
        LAI_HEAD_CLASSIC " 00000000 00000001 00000001 ffff 00002384",
        /* string length negative below -1 */
        LAI_HEAD_CLASSIC " 00000001 fffe 00000000 00000000",
    };
    for (size_t i = 0; i < sizeof(bad_v2) / sizeof(bad_v2[0]); i++)
        ck_assert_msg(tu_decode_hex(&leaderandisr_req_codec, bad_v2[i], 2, a, &g) == SK_EPARSE,
                      "case %zu", i);
    static const char *const bad_v4[] = {
        LAI_HEAD_CLASSIC " 00 00",             /* compact null topic list */
        LAI_HEAD_CLASSIC " 01 00 00",          /* compact null live leaders */
        LAI_HEAD_CLASSIC " ffffffff0f 01 00",  /* 2^32-1 topics */
        LAI_HEAD_CLASSIC " ffffffffff01 01 00", /* over-long varint */
        LAI_HEAD_CLASSIC " 01 01 05 00",       /* 4 tags promised, none there */
        LAI_HEAD_CLASSIC " 02 00 01 00 01 00", /* null compact topic name */
    };
    for (size_t i = 0; i < sizeof(bad_v4) / sizeof(bad_v4[0]); i++)
        ck_assert_msg(tu_decode_hex(&leaderandisr_req_codec, bad_v4[i], 4, a, &g) == SK_EPARSE,
                      "case %zu", i);
    /* trailing bytes are left for the caller */
    ck_assert_int_eq(tu_decode_hex(&leaderandisr_req_codec, LAI_HEAD_CLASSIC " 01 01 00 ee", 4,
                                   a, &g),
                     99);
    sk_arena_free(a);
}
END_TEST

static const char *const lai_resp_hex[6] = {
    [2] = "0000 00000002 | 0003 666f6f 00000000 0000 | 0003 666f6f 00000001 0006",
    [3] = "0000 00000002 | 0003 666f6f 00000000 0000 | 0003 666f6f 00000001 0006",
    [4] = "0000 03 | 04 666f6f 00000000 0000 00 | 04 666f6f 00000001 0006 00 | 00",
    [5] = "0000 02 | " UUID_A_HEX " 03 | 00000000 0000 00 | 00000001 0006 00 | 00 | 00",
};

START_TEST(test_lai_resp_hand)
{
    sk_leaderandisr_resp_partition_error_t pe[2] = {{sk_str_c("foo"), 0, 0},
                                               {sk_str_c("foo"), 1, SK_KERR_NOT_LEADER_OR_FOLLOWER}};
    sk_leaderandisr_resp_topic_t te = {.PartitionErrors = pe, .PartitionErrorsCnt = 2};
    memcpy(te.TopicId, uuid_a, 16);
    for (int16_t v = LAI_HEX_MIN; v <= LAI_HEX_MAX; v++) {
        sk_leaderandisr_resp_t resp = {0};
        if (v < 5) {
            resp.PartitionErrors = pe;
            resp.PartitionErrorsCnt = 2;
        } else {
            resp.Topics = &te;
            resp.TopicsCnt = 1;
        }
        tu_assert_encodes(&leaderandisr_resp_codec, v, &resp, lai_resp_hex[v]);
        uint8_t b[256];
        size_t n = H(lai_resp_hex[v], b);
        sk_arena_t *a = sk_arena_new(0);
        sk_leaderandisr_resp_t g;
        ck_assert_int_eq(tu_decode(&leaderandisr_resp_codec, b, n, v, a, &g), SK_OK);
        ck_assert_int_eq(g.ErrorCode, 0);
        const sk_leaderandisr_resp_partition_error_t *e;
        if (v < 5) {
            ck_assert_int_eq(g.TopicsCnt, 0);
            ck_assert_int_eq(g.PartitionErrorsCnt, 2);
            e = g.PartitionErrors;
            tu_assert_str(e[1].TopicName, "foo");
        } else {
            ck_assert_int_eq(g.PartitionErrorsCnt, 0);
            ck_assert_int_eq(g.TopicsCnt, 1);
            ck_assert_mem_eq(g.Topics[0].TopicId, uuid_a, 16);
            ck_assert_int_eq(g.Topics[0].PartitionErrorsCnt, 2);
            e = g.Topics[0].PartitionErrors;
            tu_assert_str(e[1].TopicName, "");
        }
        ck_assert_int_eq(e[0].PartitionIndex, 0);
        ck_assert_int_eq(e[1].PartitionIndex, 1);
        ck_assert_int_eq(e[1].ErrorCode, SK_KERR_NOT_LEADER_OR_FOLLOWER);
        tu_check_all(&leaderandisr_resp_codec, b, n, v);
        /* the list of the other layout cannot be carried */
        resp = (sk_leaderandisr_resp_t){0};
        if (v < 5) {
            resp.Topics = &te;
            resp.TopicsCnt = 1;
        } else {
            resp.PartitionErrors = pe;
            resp.PartitionErrorsCnt = 2;
        }
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(sk_leaderandisr_resp_encode(&w, v, &resp), SK_EINVAL);
        ck_assert_uint_eq(w.len, 0);
        sk_wr_free(&w);
        sk_arena_free(a);
    }
    /* hostile: null / huge lists */
    sk_arena_t *a = sk_arena_new(0);
    sk_leaderandisr_resp_t g;
    ck_assert_int_eq(tu_decode_hex(&leaderandisr_resp_codec, "0000 ffffffff", 2, a, &g),
                     SK_EPARSE);
    ck_assert_int_eq(tu_decode_hex(&leaderandisr_resp_codec, "0000 00000002 0000 00000000 0000",
                                   3, a, &g),
                     SK_EPARSE);
    ck_assert_int_eq(tu_decode_hex(&leaderandisr_resp_codec, "0000 00 00", 4, a, &g), SK_EPARSE);
    ck_assert_int_eq(tu_decode_hex(&leaderandisr_resp_codec, "0000 02 " UUID_A_HEX " 00 00 00",
                                   5, a, &g),
                     SK_EPARSE);
    ck_assert_int_eq(tu_decode_hex(&leaderandisr_resp_codec, "0000 02 " UUID_A_HEX " 01 00 00",
                                   5, a, &g),
                     SK_OK);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_lai_roundtrip)
{
    /* Many topics and partitions, odd values, every version. */
    enum { NT = 3, NP = 4 };
    int32_t ids[] = {5, 1000, -1, INT32_MAX};
    sk_leaderandisr_req_ungrouped_partition_state_t ps[NT][NP];
    sk_leaderandisr_req_topic_state_t ts[NT];
    static const char *names[NT] = {"alpha", "b", "topic.with-long_name.0123456789"};
    for (int i = 0; i < NT; i++) {
        for (int j = 0; j < NP; j++)
            ps[i][j] = (sk_leaderandisr_req_ungrouped_partition_state_t){
                .PartitionIndex = j * 7, .ControllerEpoch = i + 1, .Leader = ids[j],
                .LeaderEpoch = INT32_MAX - j, .Isr = ids, .IsrCnt = j, .PartitionEpoch = j - 1,
                .Replicas = ids, .ReplicasCnt = 4 - j, .AddingReplicas = ids + 1,
                .AddingReplicasCnt = j % 2, .RemovingReplicas = ids + 2,
                .RemovingReplicasCnt = (j + 1) % 2, .IsNew = j % 2};
        ts[i] = (sk_leaderandisr_req_topic_state_t){.TopicName = sk_str_c(names[i]),
                                                .PartitionStates = ps[i],
                                                .PartitionStatesCnt = i == 1 ? 0 : NP};
        memset(ts[i].TopicId, 0xa0 + i, 16);
    }
    sk_leaderandisr_req_live_leader_t ll[2] = {{1, sk_str_c("broker-1.example"), 9092},
                                           {2, sk_str_c(""), 0}};
    sk_leaderandisr_req_t req = {.ControllerId = 2, .ControllerEpoch = 77,
                                 .BrokerEpoch = INT64_MAX, .TopicStates = ts,
                                 .TopicStatesCnt = NT, .LiveLeaders = ll, .LiveLeadersCnt = 2};
    for (int16_t v = LAI_HEX_MIN; v <= LAI_HEX_MAX; v++) {
        req.Type = v >= 5 ? SK_LEADERANDISR_TYPE_INCREMENTAL : 0;
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(sk_leaderandisr_req_encode(&w, v, &req), SK_OK);
        sk_arena_t *a = sk_arena_new(0);
        sk_leaderandisr_req_t g;
        ck_assert_int_eq(tu_decode(&leaderandisr_req_codec, w.buf, w.len, v, a, &g), SK_OK);
        ck_assert_int_eq(g.ControllerId, 2);
        ck_assert_int_eq(g.ControllerEpoch, 77);
        ck_assert(g.BrokerEpoch == INT64_MAX);
        ck_assert_int_eq(g.Type, req.Type);
        ck_assert_int_eq(g.TopicStatesCnt, NT);
        for (int i = 0; i < NT; i++) {
            const sk_leaderandisr_req_topic_state_t *t = &g.TopicStates[i];
            tu_assert_str(t->TopicName, names[i]);
            uint8_t want[16];
            memset(want, v >= 5 ? 0xa0 + i : 0, 16);
            ck_assert_mem_eq(t->TopicId, want, 16);
            ck_assert_int_eq(t->PartitionStatesCnt, ts[i].PartitionStatesCnt);
            for (int j = 0; j < t->PartitionStatesCnt; j++) {
                const sk_leaderandisr_req_ungrouped_partition_state_t *p = &t->PartitionStates[j], *q = &ps[i][j];
                ck_assert_int_eq(p->PartitionIndex, q->PartitionIndex);
                ck_assert_int_eq(p->ControllerEpoch, q->ControllerEpoch);
                ck_assert_int_eq(p->Leader, q->Leader);
                ck_assert_int_eq(p->LeaderEpoch, q->LeaderEpoch);
                tu_assert_i32s(p->Isr, p->IsrCnt, q->Isr, q->IsrCnt);
                ck_assert_int_eq(p->PartitionEpoch, q->PartitionEpoch);
                tu_assert_i32s(p->Replicas, p->ReplicasCnt, q->Replicas, q->ReplicasCnt);
                tu_assert_i32s(p->AddingReplicas, p->AddingReplicasCnt, q->AddingReplicas,
                               v >= 3 ? q->AddingReplicasCnt : 0);
                tu_assert_i32s(p->RemovingReplicas, p->RemovingReplicasCnt, q->RemovingReplicas,
                               v >= 3 ? q->RemovingReplicasCnt : 0);
                ck_assert_int_eq(p->IsNew, q->IsNew);
            }
        }
        ck_assert_int_eq(g.LiveLeadersCnt, 2);
        tu_assert_str(g.LiveLeaders[0].HostName, "broker-1.example");
        tu_assert_str(g.LiveLeaders[1].HostName, "");
        ck_assert_int_eq(g.LiveLeaders[0].Port, 9092);
        tu_check_fixpoint(&leaderandisr_req_codec, w.buf, w.len, v);
        tu_check_trunc(&leaderandisr_req_codec, w.buf, w.len, v);
        sk_arena_free(a);
        sk_wr_free(&w);
    }
}
END_TEST

START_TEST(test_lai_versions)
{
    tu_check_bad_versions(&leaderandisr_req_codec, SK_LEADERANDISR_MIN_VER,
                          SK_LEADERANDISR_MAX_VER);
    tu_check_bad_versions(&leaderandisr_resp_codec, SK_LEADERANDISR_MIN_VER,
                          SK_LEADERANDISR_MAX_VER);
}
END_TEST

/* ======================= UpdateMetadata ======================= */

/* Topic "foo": p0 leader 1 ISR [1,2] replicas [1,2]; p1 leaderless, ISR [],
 * replicas [2], offline [2]. Brokers: 1 with two endpoints and rack "r1";
 * 2 with no endpoints and a null rack. */
#define UM_HEAD "00000001 00000003 0000000000000021"
#define LOCALHOST "6c6f63616c686f7374"
#define PLAINTEXT "504c41494e54455854"
#define INTERNAL "494e5445524e414c"

static const char *const um_req_hex[8] = {
    [5] = UM_HEAD " 00000001 | 0003 666f6f | 00000002"
    " | 00000000 00000003 00000001 00000005 00000002 00000001 00000002 00000007"
    "   00000002 00000001 00000002 00000000"
    " | 00000001 00000003 ffffffff 00000006 00000000 00000008 00000001 00000002"
    "   00000001 00000002"
    " | 00000002"
    " | 00000001 00000002 | 00002384 0009 " LOCALHOST " 0009 " PLAINTEXT " 0000"
    "   | 00002385 0009 " LOCALHOST " 0008 " INTERNAL " 0001 | 0002 7231"
    " | 00000002 00000000 ffff",
    [6] = UM_HEAD " 02 | 04 666f6f | 03"
    " | 00000000 00000003 00000001 00000005 03 00000001 00000002 00000007"
    "   03 00000001 00000002 01 00"
    " | 00000001 00000003 ffffffff 00000006 01 00000008 02 00000002 02 00000002 00"
    " | 00"
    " | 03"
    " | 00000001 03 | 00002384 0a " LOCALHOST " 0a " PLAINTEXT " 0000 00"
    "   | 00002385 0a " LOCALHOST " 09 " INTERNAL " 0001 00 | 03 7231 00"
    " | 00000002 01 00 00"
    " | 00",
    [7] = UM_HEAD " 02 | 04 666f6f " UUID_A_HEX " | 03"
    " | 00000000 00000003 00000001 00000005 03 00000001 00000002 00000007"
    "   03 00000001 00000002 01 00"
    " | 00000001 00000003 ffffffff 00000006 01 00000008 02 00000002 02 00000002 00"
    " | 00"
    " | 03"
    " | 00000001 03 | 00002384 0a " LOCALHOST " 0a " PLAINTEXT " 0000 00"
    "   | 00002385 0a " LOCALHOST " 09 " INTERNAL " 0001 00 | 03 7231 00"
    " | 00000002 01 00 00"
    " | 00",
};

static int32_t um_isr0[] = {1, 2}, um_reps0[] = {1, 2}, um_reps1[] = {2}, um_off1[] = {2};

static void um_build(sk_updatemetadata_req_t *req, sk_updatemetadata_req_topic_state_t *t,
                     sk_updatemetadata_req_ungrouped_partition_state_t p[2], sk_updatemetadata_req_live_broker_t b[2],
                     sk_updatemetadata_req_endpoint_t e[2])
{
    typedef sk_updatemetadata_req_ungrouped_partition_state_t state_t;
    p[0] = (state_t){.PartitionIndex = 0, .ControllerEpoch = 3, .Leader = 1, .LeaderEpoch = 5,
                     .Isr = um_isr0, .IsrCnt = 2, .ZkVersion = 7, .Replicas = um_reps0,
                     .ReplicasCnt = 2};
    p[1] = (state_t){.PartitionIndex = 1, .ControllerEpoch = 3, .Leader = -1, .LeaderEpoch = 6,
                     .ZkVersion = 8, .Replicas = um_reps1, .ReplicasCnt = 1,
                     .OfflineReplicas = um_off1, .OfflineReplicasCnt = 1};
    *t = (sk_updatemetadata_req_topic_state_t){.TopicName = sk_str_c("foo"), .PartitionStates = p,
                                               .PartitionStatesCnt = 2};
    memcpy(t->TopicId, uuid_a, 16);
    e[0] = (sk_updatemetadata_req_endpoint_t){.Port = 9092, .Host = sk_str_c("localhost"),
                                              .Listener = sk_str_c("PLAINTEXT"),
                                              .SecurityProtocol = SK_SECPROTO_PLAINTEXT};
    e[1] = (sk_updatemetadata_req_endpoint_t){.Port = 9093, .Host = sk_str_c("localhost"),
                                              .Listener = sk_str_c("INTERNAL"),
                                              .SecurityProtocol = SK_SECPROTO_SSL};
    b[0] = (sk_updatemetadata_req_live_broker_t){.Id = 1, .Endpoints = e, .EndpointsCnt = 2,
                                                 .Rack = sk_str_c("r1")};
    b[1] = (sk_updatemetadata_req_live_broker_t){.Id = 2, .Rack = SK_STR_NULL};
    *req = (sk_updatemetadata_req_t){.ControllerId = 1, .ControllerEpoch = 3, .BrokerEpoch = 0x21,
                                     .TopicStates = t, .TopicStatesCnt = 1, .LiveBrokers = b,
                                     .LiveBrokersCnt = 2};
}

START_TEST(test_um_req_hand)
{
    sk_updatemetadata_req_t req;
    sk_updatemetadata_req_topic_state_t t;
    sk_updatemetadata_req_ungrouped_partition_state_t p[2];
    sk_updatemetadata_req_live_broker_t br[2];
    sk_updatemetadata_req_endpoint_t e[2];
    um_build(&req, &t, p, br, e);
    for (int16_t v = UM_HEX_MIN; v <= UM_HEX_MAX; v++) {
        tu_assert_encodes(&updatemetadata_req_codec, v, &req, um_req_hex[v]);
        uint8_t b[1024];
        size_t n = H(um_req_hex[v], b);
        sk_arena_t *a = sk_arena_new(0);
        sk_updatemetadata_req_t g;
        ck_assert_int_eq(tu_decode(&updatemetadata_req_codec, b, n, v, a, &g), SK_OK);
        ck_assert_int_eq(g.ControllerId, 1);
        ck_assert_int_eq(g.ControllerEpoch, 3);
        ck_assert(g.BrokerEpoch == 0x21);
        ck_assert_int_eq(g.TopicStatesCnt, 1);
        tu_assert_str(g.TopicStates[0].TopicName, "foo");
        uint8_t zero[16] = {0};
        ck_assert_mem_eq(g.TopicStates[0].TopicId, v >= 7 ? uuid_a : zero, 16);
        ck_assert_int_eq(g.TopicStates[0].PartitionStatesCnt, 2);
        for (int i = 0; i < 2; i++) {
            const sk_updatemetadata_req_ungrouped_partition_state_t *q = &g.TopicStates[0].PartitionStates[i];
            ck_assert_int_eq(q->PartitionIndex, p[i].PartitionIndex);
            ck_assert_int_eq(q->ControllerEpoch, 3);
            ck_assert_int_eq(q->Leader, p[i].Leader);
            ck_assert_int_eq(q->LeaderEpoch, p[i].LeaderEpoch);
            tu_assert_i32s(q->Isr, q->IsrCnt, p[i].Isr, p[i].IsrCnt);
            ck_assert_int_eq(q->ZkVersion, p[i].ZkVersion);
            tu_assert_i32s(q->Replicas, q->ReplicasCnt, p[i].Replicas, p[i].ReplicasCnt);
            tu_assert_i32s(q->OfflineReplicas, q->OfflineReplicasCnt, p[i].OfflineReplicas,
                           p[i].OfflineReplicasCnt);
        }
        ck_assert_int_eq(g.LiveBrokersCnt, 2);
        ck_assert_int_eq(g.LiveBrokers[0].Id, 1);
        ck_assert_int_eq(g.LiveBrokers[0].EndpointsCnt, 2);
        const sk_updatemetadata_req_endpoint_t *ge = g.LiveBrokers[0].Endpoints;
        ck_assert_int_eq(ge[0].Port, 9092);
        tu_assert_str(ge[0].Host, "localhost");
        tu_assert_str(ge[0].Listener, "PLAINTEXT");
        ck_assert_int_eq(ge[0].SecurityProtocol, SK_SECPROTO_PLAINTEXT);
        ck_assert_int_eq(ge[1].Port, 9093);
        tu_assert_str(ge[1].Listener, "INTERNAL");
        ck_assert_int_eq(ge[1].SecurityProtocol, SK_SECPROTO_SSL);
        tu_assert_str(g.LiveBrokers[0].Rack, "r1");
        ck_assert_int_eq(g.LiveBrokers[1].Id, 2);
        ck_assert_int_eq(g.LiveBrokers[1].EndpointsCnt, 0);
        tu_assert_str(g.LiveBrokers[1].Rack, NULL);
        tu_check_all(&updatemetadata_req_codec, b, n, v);
        sk_arena_free(a);
    }
}
END_TEST

START_TEST(test_um_req_invalid)
{
    sk_updatemetadata_req_t req;
    sk_updatemetadata_req_topic_state_t t;
    sk_updatemetadata_req_ungrouped_partition_state_t p[2];
    sk_updatemetadata_req_live_broker_t br[2];
    sk_updatemetadata_req_endpoint_t e[2];
    sk_wr_t w;
    sk_wr_init(&w);
    for (int16_t v = UM_HEX_MIN; v <= UM_HEX_MAX; v++) {
        um_build(&req, &t, p, br, e);
        e[1].Listener = SK_STR_NULL;
        ck_assert_int_eq(sk_updatemetadata_req_encode(&w, v, &req), SK_EINVAL);
        um_build(&req, &t, p, br, e);
        e[0].Host = SK_STR_NULL;
        ck_assert_int_eq(sk_updatemetadata_req_encode(&w, v, &req), SK_EINVAL);
        um_build(&req, &t, p, br, e);
        p[1].OfflineReplicasCnt = -1;
        ck_assert_int_eq(sk_updatemetadata_req_encode(&w, v, &req), SK_EINVAL);
        um_build(&req, &t, p, br, e);
        br[1].EndpointsCnt = -1;
        ck_assert_int_eq(sk_updatemetadata_req_encode(&w, v, &req), SK_EINVAL);
        um_build(&req, &t, p, br, e);
        t.TopicName = SK_STR_NULL;
        ck_assert_int_eq(sk_updatemetadata_req_encode(&w, v, &req), SK_EINVAL);
        um_build(&req, &t, p, br, e);
        req.LiveBrokersCnt = -1;
        ck_assert_int_eq(sk_updatemetadata_req_encode(&w, v, &req), SK_EINVAL);
        ck_assert_uint_eq(w.len, 0);
    }
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_um_req_hostile)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_updatemetadata_req_t g;
    static const char *const bad_v5[] = {
        UM_HEAD " ffffffff 00000000",                   /* null topic states */
        UM_HEAD " 00000000 ffffffff",                   /* null live brokers */
        UM_HEAD " 7fffffff 00000000",
        UM_HEAD " 00000000 00000001 00000001 ffffffff ffff", /* null endpoints */
        UM_HEAD " 00000000 00000001 00000001 00000001 00002384 ffff 0000 0000 ffff",
        /* partition count that cannot fit (2 x 32 bytes) */
        UM_HEAD " 00000001 0001 66 00000002 00000000 00000000 00000000 00000000 00000000"
        " 00000000 00000000 00000000 00000000",
    };
    for (size_t i = 0; i < sizeof(bad_v5) / sizeof(bad_v5[0]); i++)
        ck_assert_msg(tu_decode_hex(&updatemetadata_req_codec, bad_v5[i], 5, a, &g) == SK_EPARSE,
                      "case %zu", i);
    static const char *const bad_v6[] = {
        UM_HEAD " 00 01 00",
        UM_HEAD " 01 00 00",
        UM_HEAD " 01 02 00000001 00 00 00 00",         /* null endpoints */
        UM_HEAD " 01 02 00000001 02 00002384 01 00 0000 00 00 00 00", /* null listener */
        UM_HEAD " 80808080 10 01 00",                     /* 2^32 > 5-byte max */
    };
    for (size_t i = 0; i < sizeof(bad_v6) / sizeof(bad_v6[0]); i++)
        ck_assert_msg(tu_decode_hex(&updatemetadata_req_codec, bad_v6[i], 6, a, &g) == SK_EPARSE,
                      "case %zu", i);
    /* v7 with unknown tags in the endpoint, broker and top level */
    const char *tagged = UM_HEAD " 01 | 02 00000001 02 | 00002384 01 01 0000 | 01 00 00"
                         " | 00 | 01 03 02 beef | 02 00 00 01 01 99";
    ck_assert_int_eq(tu_decode_hex(&updatemetadata_req_codec, tagged, 7, a, &g), SK_OK);
    ck_assert_int_eq(g.LiveBrokersCnt, 1);
    ck_assert_int_eq(g.LiveBrokers[0].EndpointsCnt, 1);
    tu_assert_str(g.LiveBrokers[0].Endpoints[0].Host, "");
    tu_assert_str(g.LiveBrokers[0].Rack, NULL);
    tu_assert_encodes(&updatemetadata_req_codec, 7, &g,
                      UM_HEAD " 01 | 02 00000001 02 | 00002384 01 01 0000 00 | 00 00 | 00");
    sk_arena_free(a);
}
END_TEST

START_TEST(test_um_resp)
{
    sk_updatemetadata_resp_t resp = {SK_KERR_STALE_CONTROLLER_EPOCH}, g;
    sk_arena_t *a = sk_arena_new(0);
    for (int16_t v = UM_HEX_MIN; v <= UM_HEX_MAX; v++) {
        const char *hexs = v >= 6 ? "000b 00" : "000b";
        tu_assert_encodes(&updatemetadata_resp_codec, v, &resp, hexs);
        ck_assert_int_eq(tu_decode_hex(&updatemetadata_resp_codec, hexs, v, a, &g), SK_OK);
        ck_assert_int_eq(g.ErrorCode, SK_KERR_STALE_CONTROLLER_EPOCH);
        uint8_t b[8];
        size_t n = H(hexs, b);
        tu_check_all(&updatemetadata_resp_codec, b, n, v);
    }
    ck_assert_int_eq(tu_decode_hex(&updatemetadata_resp_codec, "0000 01 07 01 aa", 6, a, &g),
                     SK_OK);
    ck_assert_int_eq(tu_decode_hex(&updatemetadata_resp_codec, "0000 01 07 02 aa", 6, a, &g),
                     SK_EPARSE);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_um_versions)
{
    tu_check_bad_versions(&updatemetadata_req_codec, SK_UPDATEMETADATA_MIN_VER,
                          SK_UPDATEMETADATA_MAX_VER);
    tu_check_bad_versions(&updatemetadata_resp_codec, SK_UPDATEMETADATA_MIN_VER,
                          SK_UPDATEMETADATA_MAX_VER);
}
END_TEST

/* ======================= StopReplica ======================= */

#define SR_HEAD "00000001 00000003 0000000000000021"
static const char *const sr_req_hex[4] = {
    /* delete: foo [0, 1], bar [] */
    [1] = SR_HEAD " 01 | 00000002 | 0003 666f6f 00000002 00000000 00000001 | 0003 626172 00000000",
    [2] = SR_HEAD " 01 | 03 | 04 666f6f 03 00000000 00000001 00 | 04 626172 01 00 | 00",
    /* foo p0 epoch 5 delete, p1 epoch -2 keep; bar [] */
    [3] = SR_HEAD " 03 | 04 666f6f 03 | 00000000 00000005 01 00 | 00000001 fffffffe 00 00 | 00"
    " | 04 626172 01 00 | 00",
};

/* The versions with bytes written out above (the generated round-trip tests
 * in check_schema cover every version). */
#define SR_HEX_MIN 1
#define SR_HEX_MAX 3

START_TEST(test_sr_req_hand)
{
    for (int16_t v = SR_HEX_MIN; v <= SR_HEX_MAX; v++) {
        uint8_t b[256];
        size_t n = H(sr_req_hex[v], b);
        sk_arena_t *a = sk_arena_new(0);
        sk_stopreplica_req_t g;
        ck_assert_int_eq(tu_decode(&stopreplica_req_codec, b, n, v, a, &g), SK_OK);
        ck_assert_int_eq(g.ControllerId, 1);
        ck_assert_int_eq(g.ControllerEpoch, 3);
        ck_assert(g.BrokerEpoch == 0x21);
        ck_assert_int_eq(g.UngroupedPartitionsCnt, 0);
        if (v < 3) {
            /* one flag for the request, partition indexes by topic */
            ck_assert(g.DeletePartitions);
            ck_assert_int_eq(g.TopicStatesCnt, 0);
            ck_assert_int_eq(g.TopicsCnt, 2);
            tu_assert_str(g.Topics[0].Name, "foo");
            tu_assert_str(g.Topics[1].Name, "bar");
            static const int32_t idx[] = {0, 1};
            tu_assert_i32s(g.Topics[0].PartitionIndexes, g.Topics[0].PartitionIndexesCnt, idx, 2);
            ck_assert_int_eq(g.Topics[1].PartitionIndexesCnt, 0);
        } else {
            ck_assert(!g.DeletePartitions);
            ck_assert_int_eq(g.TopicsCnt, 0);
            ck_assert_int_eq(g.TopicStatesCnt, 2);
            tu_assert_str(g.TopicStates[0].TopicName, "foo");
            tu_assert_str(g.TopicStates[1].TopicName, "bar");
            ck_assert_int_eq(g.TopicStates[1].PartitionStatesCnt, 0);
            ck_assert_int_eq(g.TopicStates[0].PartitionStatesCnt, 2);
            const sk_stopreplica_req_partition_state_t *p = g.TopicStates[0].PartitionStates;
            ck_assert_int_eq(p[0].PartitionIndex, 0);
            ck_assert_int_eq(p[1].PartitionIndex, 1);
            ck_assert_int_eq(p[0].LeaderEpoch, 5);
            ck_assert_int_eq(p[1].LeaderEpoch, SK_STOPREPLICA_EPOCH_DURING_DELETE);
            ck_assert(p[0].DeletePartition && !p[1].DeletePartition);
        }
        /* the decoded message encodes to the same bytes */
        tu_assert_encodes(&stopreplica_req_codec, v, &g, sr_req_hex[v]);
        tu_check_all(&stopreplica_req_codec, b, n, v);
        sk_arena_free(a);
    }
}
END_TEST

START_TEST(test_sr_req_encode)
{
    sk_stopreplica_req_partition_state_t p[2] = {
        {.PartitionIndex = 0, .LeaderEpoch = 5, .DeletePartition = 1},
        {.PartitionIndex = 1, .LeaderEpoch = -2, .DeletePartition = 0}};
    sk_stopreplica_req_topic_state_t t[2] = {
        {.TopicName = sk_str_c("foo"), .PartitionStates = p, .PartitionStatesCnt = 2},
        {.TopicName = sk_str_c("bar")}};
    sk_stopreplica_req_t req;
    sk_stopreplica_req_init(&req);
    req.ControllerId = 1;
    req.ControllerEpoch = 3;
    req.BrokerEpoch = 0x21;
    req.TopicStates = t;
    req.TopicStatesCnt = 2;
    tu_assert_encodes(&stopreplica_req_codec, 3, &req, sr_req_hex[3]);
    sk_wr_t w;
    sk_wr_init(&w);
    /* the v3 layout cannot be carried by v0-2, nor a null name */
    for (int16_t v = 0; v <= 2; v++)
        ck_assert_int_eq(sk_stopreplica_req_encode(&w, v, &req), SK_EINVAL);
    req.TopicStatesCnt = -1;
    ck_assert_int_eq(sk_stopreplica_req_encode(&w, 3, &req), SK_EINVAL);
    req.TopicStatesCnt = 2;
    t[0].TopicName = SK_STR_NULL;
    ck_assert_int_eq(sk_stopreplica_req_encode(&w, 3, &req), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
}
END_TEST

START_TEST(test_sr_req_hostile)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_stopreplica_req_t g;
    static const struct {
        int16_t v;
        const char *hexs;
    } bad[] = {
        {1, SR_HEAD " 00 ffffffff"},
        {1, SR_HEAD " 00 7fffffff"},
        {1, SR_HEAD " 00 00000001 0001 66 ffffffff"},    /* null partition list */
        {1, SR_HEAD " 00 00000001 0001 66 00000002 00000000"},
        {1, SR_HEAD " 00 00000001 ffff 00000000"},       /* null name */
        {2, SR_HEAD " 00 00 00"},
        {2, SR_HEAD " 00 02 00 01 00 00"},               /* null compact name */
        {2, SR_HEAD " 00 02 02 66 00 00 00"},            /* null partition list */
        {3, SR_HEAD " 00 00"},
        {3, SR_HEAD " 02 02 66 02 00000000 00000000 00 00 00"}, /* 2 tags promised in state */
        {3, SR_HEAD " 02 02 66 03 00000000 00000000 00 00 00 00"}, /* 2 states, 1 present */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(tu_decode_hex(&stopreplica_req_codec, bad[i].hexs, bad[i].v, a, &g) ==
                          SK_EPARSE,
                      "case %zu", i);
    /* unknown tags at every v3 level */
    ck_assert_int_eq(tu_decode_hex(&stopreplica_req_codec,
                                   SR_HEAD " 02 02 66 02 00000007 00000009 01 01 00 00 | 01 01 01 00"
                                           " | 02 0a 00 0b 01 cc",
                                   3, a, &g),
                     SK_OK);
    ck_assert_int_eq(g.TopicStates[0].PartitionStates[0].PartitionIndex, 7);
    ck_assert_int_eq(g.TopicStates[0].PartitionStates[0].LeaderEpoch, 9);
    ck_assert(g.TopicStates[0].PartitionStates[0].DeletePartition);
    tu_assert_encodes(&stopreplica_req_codec, 3, &g,
                      SR_HEAD " 02 02 66 02 00000007 00000009 01 00 00 00");
    sk_arena_free(a);
}
END_TEST

static const char *const sr_resp_hex[4] = {
    [1] = "0000 00000002 | 0003 666f6f 00000000 0000 | 0003 666f6f 00000001 0038",
    [2] = "0000 03 | 04 666f6f 00000000 0000 00 | 04 666f6f 00000001 0038 00 | 00",
    [3] = "0000 03 | 04 666f6f 00000000 0000 00 | 04 666f6f 00000001 0038 00 | 00",
};

START_TEST(test_sr_resp)
{
    sk_stopreplica_resp_partition_error_t pe[2] = {{sk_str_c("foo"), 0, 0},
                                              {sk_str_c("foo"), 1, SK_KERR_KAFKA_STORAGE_ERROR}};
    sk_stopreplica_resp_t resp = {0, pe, 2};
    sk_arena_t *a = sk_arena_new(0);
    for (int16_t v = SR_HEX_MIN; v <= SR_HEX_MAX; v++) {
        tu_assert_encodes(&stopreplica_resp_codec, v, &resp, sr_resp_hex[v]);
        sk_stopreplica_resp_t g;
        ck_assert_int_eq(tu_decode_hex(&stopreplica_resp_codec, sr_resp_hex[v], v, a, &g), SK_OK);
        ck_assert_int_eq(g.PartitionErrorsCnt, 2);
        tu_assert_str(g.PartitionErrors[1].TopicName, "foo");
        ck_assert_int_eq(g.PartitionErrors[1].PartitionIndex, 1);
        ck_assert_int_eq(g.PartitionErrors[1].ErrorCode, SK_KERR_KAFKA_STORAGE_ERROR);
        uint8_t b[256];
        size_t n = H(sr_resp_hex[v], b);
        tu_check_all(&stopreplica_resp_codec, b, n, v);
    }
    sk_stopreplica_resp_t g;
    ck_assert_int_eq(tu_decode_hex(&stopreplica_resp_codec, "0000 ffffffff", 1, a, &g), SK_EPARSE);
    ck_assert_int_eq(tu_decode_hex(&stopreplica_resp_codec, "0000 00", 2, a, &g), SK_EPARSE);
    ck_assert_int_eq(tu_decode_hex(&stopreplica_resp_codec, "0000 02 00 00000000 0000 00 00", 3,
                                   a, &g),
                     SK_EPARSE); /* null topic name */
    pe[0].TopicName = SK_STR_NULL;
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_stopreplica_resp_encode(&w, 3, &resp), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    resp.PartitionErrorsCnt = -1;
    ck_assert_int_eq(sk_stopreplica_resp_encode(&w, 1, &resp), SK_EINVAL);
    sk_wr_free(&w);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_sr_versions)
{
    tu_check_bad_versions(&stopreplica_req_codec, SK_STOPREPLICA_MIN_VER, SK_STOPREPLICA_MAX_VER);
    tu_check_bad_versions(&stopreplica_resp_codec, SK_STOPREPLICA_MIN_VER,
                          SK_STOPREPLICA_MAX_VER);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto_cluster");
    TCase *tc = tcase_create("leaderandisr");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_lai_req_hand);
    tcase_add_test(tc, test_lai_req_encode);
    tcase_add_test(tc, test_lai_req_tags_and_defaults);
    tcase_add_test(tc, test_lai_req_hostile);
    tcase_add_test(tc, test_lai_resp_hand);
    tcase_add_test(tc, test_lai_roundtrip);
    tcase_add_test(tc, test_lai_versions);
    suite_add_tcase(s, tc);
    tc = tcase_create("updatemetadata");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_um_req_hand);
    tcase_add_test(tc, test_um_req_invalid);
    tcase_add_test(tc, test_um_req_hostile);
    tcase_add_test(tc, test_um_resp);
    tcase_add_test(tc, test_um_versions);
    suite_add_tcase(s, tc);
    tc = tcase_create("stopreplica");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sr_req_hand);
    tcase_add_test(tc, test_sr_req_encode);
    tcase_add_test(tc, test_sr_req_hostile);
    tcase_add_test(tc, test_sr_resp);
    tcase_add_test(tc, test_sr_versions);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
