/* check_proto_group_real.c - request frames captured from real clients
 * (kafka-python 2.0.2; librdkafka 1.7.0 through confluent-kafka 1.7.0)
 * through the group codecs.
 *
 * Captured with tests/unit/data/capture_stub.py extended to answer the
 * group APIs (FindCoordinator pointing at itself, one member "m-1" that
 * leads generation 1, offsets -1), while the clients ran: a kafka-python
 * KafkaConsumer(group_id='grp') subscribing to "t", committing and closing;
 * a confluent-kafka Consumer with group.id grp and group.instance.id
 * inst-1 doing the same; KafkaAdminClient list/describe/offsets/delete
 * groups; confluent-kafka AdminClient.list_groups(). Each frame is header
 * v1 (v2 for flexible versions) + body, no size prefix. Every body must
 * decode to the values below, consume every byte, re-encode to itself, and
 * survive the truncation and mutation sweeps.
 */
#include "check_proto_group_util.h"
#include "proto_deletegroups.h"
#include "proto_describegroups.h"
#include "proto_findcoordinator.h"
#include "proto_heartbeat.h"
#include "proto_joingroup.h"
#include "proto_leavegroup.h"
#include "proto_listgroups.h"
#include "proto_offsetcommit.h"
#include "proto_offsetfetch.h"
#include "proto_syncgroup.h"

#include <stdlib.h>

TU_CODEC(findcoordinator_req, sk_findcoordinator_req_t);
TU_CODEC(joingroup_req, sk_joingroup_req_t);
TU_CODEC(syncgroup_req, sk_syncgroup_req_t);
TU_CODEC(heartbeat_req, sk_heartbeat_req_t);
TU_CODEC(leavegroup_req, sk_leavegroup_req_t);
TU_CODEC(offsetcommit_req, sk_offsetcommit_req_t);
TU_CODEC(offsetfetch_req, sk_offsetfetch_req_t);
TU_CODEC(listgroups_req, sk_listgroups_req_t);
TU_CODEC(describegroups_req, sk_describegroups_req_t);
TU_CODEC(deletegroups_req, sk_deletegroups_req_t);

#define KPY "00126b61666b612d707974686f6e2d322e302e32" /* client id kafka-python-2.0.2 */
#define RDK "000772646b61666b61"                       /* client id rdkafka */

static const struct {
    const char *what;
    const char *frame;
} real[] = {
    /* kafka-python consumer */
    {"kpy FindCoordinator v0", "000a000000000003" KPY "0003677270"},
    {"kpy JoinGroup v2",
     "000b000200000001" KPY "000367727000002710000493e000000008636f6e73756d6572"
     "00000002000572616e67650000000d00000000000100017400000000"
     "000a726f756e64726f62696e0000000d00000000000100017400000000"},
    {"kpy SyncGroup v1 (leader)",
     "000e000100000002" KPY "0003677270000000010003" "6d2d31"
     "000000010003" "6d2d31" "0000000a00000000000000000000"},
    {"kpy OffsetFetch v1", "0009000100000005" KPY "0003677270000000010001740000000100000000"},
    {"kpy Heartbeat v1", "000c000100000006" KPY "0003677270000000010003" "6d2d31"},
    {"kpy OffsetCommit v2",
     "000800020000000d" KPY "0003677270000000010003" "6d2d31" "ffffffffffffffff"
     "00000001000174000000010000000000000000000000000000"},
    {"kpy LeaveGroup v1", "000d00010000000e" KPY "00036772700003" "6d2d31"},
    /* confluent-kafka consumer, static member inst-1 */
    {"rdk FindCoordinator v2", "000a000200000003" RDK "000367727000"},
    {"rdk JoinGroup v5",
     "000b000500000003" RDK "00036772700000afc8000493e000000006696e73742d31"
     "0008636f6e73756d657200000002000572616e6765000000110001000000010001740000000000000000"
     "000a726f756e64726f62696e000000110001000000010001740000000000000000"},
    {"rdk SyncGroup v3 (leader)",
     "000e000300000005" RDK "00036772700000000100036d2d310006696e73742d31"
     "0000000100036d2d3100000015000000000001000174000000010000000000000000"},
    {"rdk Heartbeat v3", "000c000300000006" RDK "00036772700000000100036d2d310006696e73742d31"},
    {"rdk OffsetFetch v7", "0009000700000007" RDK "00" "046772700202740200000000000100"},
    {"rdk OffsetCommit v7",
     "0008000700000008" RDK "00036772700000000100036d2d310006696e73742d31"
     "0000000100017400000001000000000000000000000005ffffffff0000"},
    /* admin clients */
    {"kpy ListGroups v1", "0010000100000003" KPY},
    {"kpy DescribeGroups v3", "000f000300000005" KPY "00000001000367727000"},
    {"kpy OffsetFetch v3 (all partitions)", "0009000300000007" KPY "0003677270ffffffff"},
    {"kpy DeleteGroups v1", "002a000100000009" KPY "000000010003677270"},
    {"rdk ListGroups v0", "0010000000000003" RDK},
    {"rdk DescribeGroups v0", "000f000000000004" RDK "000000010003677270"},
};

/* Request header v1, plus the tag section of header v2 when flex. */
static void skip_hdr(sk_rd_t *r, int16_t *key, int16_t *ver)
{
    *key = sk_rd_i16(r);
    *ver = sk_rd_i16(r);
    (void)sk_rd_i32(r);
    (void)sk_rd_str(r, 0);
    int flex = (*key == 9 && *ver >= SK_OFFSETFETCH_FLEX_VER) ||
               (*key == 16 && *ver >= SK_LISTGROUPS_FLEX_VER);
    sk_rd_tags(r, flex);
    ck_assert(sk_rd_ok(r));
}

static void *dec(const tu_codec_t *c, const uint8_t *b, size_t n, int16_t v, sk_arena_t *a)
{
    void *out = sk_arena_calloc(a, 1, c->size);
    ck_assert_msg(tu_decode(c, b, n, v, a, out) == SK_OK, "%s v%d does not decode", c->name, v);
    tu_check_all(c, b, n, v);
    return out;
}

/* The consumer subscription metadata both clients send (version, topics
 * ["t"], user data): only its length is checked here, it is opaque. */
static void check_join(const sk_joingroup_req_t *g, int16_t ver)
{
    tu_assert_str(g->GroupId, "grp");
    tu_assert_str(g->MemberId, "");
    tu_assert_str(g->ProtocolType, "consumer");
    ck_assert_int_eq(g->RebalanceTimeoutMs, 300000);
    ck_assert_int_eq(g->ProtocolsCnt, 2);
    tu_assert_str(g->Protocols[0].Name, "range");
    tu_assert_str(g->Protocols[1].Name, "roundrobin");
    if (ver == 5) {
        ck_assert_int_eq(g->SessionTimeoutMs, 45000);
        tu_assert_str(g->GroupInstanceId, "inst-1");
        ck_assert_int_eq(g->Protocols[0].Metadata.len, 17);
    } else {
        ck_assert_int_eq(g->SessionTimeoutMs, 10000);
        tu_assert_str(g->GroupInstanceId, NULL);
        ck_assert_int_eq(g->Protocols[0].Metadata.len, 13);
    }
}

START_TEST(test_real)
{
    int seen[64] = {0};
    for (size_t i = 0; i < TG_N(real); i++) {
        sk_arena_t *a = sk_arena_new(0);
        size_t cap = strlen(real[i].frame) / 2 + 1;
        uint8_t *b = sk_arena_alloc(a, cap);
        size_t n = tu_hex(real[i].frame, b, cap);
        sk_rd_t r;
        sk_rd_init(&r, b, n);
        int16_t key, ver;
        skip_hdr(&r, &key, &ver);
        const uint8_t *body = r.p;
        size_t blen = sk_rd_remaining(&r);
        seen[key]++;
        switch (key) {
        case 10: {
            sk_findcoordinator_req_t *g = dec(&findcoordinator_req_codec, body, blen, ver, a);
            tu_assert_str(g->Key, "grp");
            ck_assert_int_eq(g->KeyType, SK_FINDCOORDINATOR_KEY_GROUP);
            break;
        }
        case 11:
            check_join(dec(&joingroup_req_codec, body, blen, ver, a), ver);
            break;
        case 14: {
            sk_syncgroup_req_t *g = dec(&syncgroup_req_codec, body, blen, ver, a);
            tu_assert_str(g->GroupId, "grp");
            ck_assert_int_eq(g->GenerationId, 1);
            tu_assert_str(g->MemberId, "m-1");
            tu_assert_str(g->GroupInstanceId, ver >= 3 ? "inst-1" : NULL);
            ck_assert_int_eq(g->AssignmentsCnt, 1);
            tu_assert_str(g->Assignments[0].MemberId, "m-1");
            ck_assert_int_eq(g->Assignments[0].Assignment.len, ver >= 3 ? 21 : 10);
            break;
        }
        case 12: {
            sk_heartbeat_req_t *g = dec(&heartbeat_req_codec, body, blen, ver, a);
            tu_assert_str(g->GroupId, "grp");
            ck_assert_int_eq(g->GenerationId, 1);
            tu_assert_str(g->MemberId, "m-1");
            tu_assert_str(g->GroupInstanceId, ver >= 3 ? "inst-1" : NULL);
            break;
        }
        case 13: {
            sk_leavegroup_req_t *g = dec(&leavegroup_req_codec, body, blen, ver, a);
            tu_assert_str(g->GroupId, "grp");
            tu_assert_str(g->MemberId, "m-1");
            ck_assert_int_eq(g->MembersCnt, 0);
            break;
        }
        case 8: {
            sk_offsetcommit_req_t *g = dec(&offsetcommit_req_codec, body, blen, ver, a);
            tu_assert_str(g->GroupId, "grp");
            ck_assert_int_eq(g->GenerationIdOrMemberEpoch, 1);
            tu_assert_str(g->MemberId, "m-1");
            tu_assert_str(g->GroupInstanceId, ver >= 7 ? "inst-1" : NULL);
            ck_assert_int_eq(g->RetentionTimeMs, -1);
            ck_assert_int_eq(g->TopicsCnt, 1);
            tu_assert_str(g->Topics[0].Name, "t");
            ck_assert_int_eq(g->Topics[0].PartitionsCnt, 1);
            const sk_offsetcommit_req_partition_t *p = &g->Topics[0].Partitions[0];
            ck_assert_int_eq(p->PartitionIndex, 0);
            ck_assert_int_eq(p->CommittedOffset, ver >= 7 ? 5 : 0);
            ck_assert_int_eq(p->CommittedLeaderEpoch, -1);
            tu_assert_str(p->CommittedMetadata, "");
            break;
        }
        case 9: {
            sk_offsetfetch_req_t *g = dec(&offsetfetch_req_codec, body, blen, ver, a);
            tu_assert_str(g->GroupId, "grp");
            if (ver == 3) {
                ck_assert_int_eq(g->TopicsCnt, -1); /* admin: every partition */
            } else {
                ck_assert_int_eq(g->TopicsCnt, 1);
                tu_assert_str(g->Topics[0].Name, "t");
                ck_assert_int_eq(g->Topics[0].PartitionIndexesCnt, 1);
                ck_assert_int_eq(g->Topics[0].PartitionIndexes[0], 0);
            }
            ck_assert_int_eq(g->RequireStable, ver >= 7); /* librdkafka asks */
            break;
        }
        case 16: {
            sk_listgroups_req_t *g = dec(&listgroups_req_codec, body, blen, ver, a);
            ck_assert_int_eq(g->StatesFilterCnt, 0);
            break;
        }
        case 15: {
            sk_describegroups_req_t *g = dec(&describegroups_req_codec, body, blen, ver, a);
            ck_assert_int_eq(g->GroupsCnt, 1);
            tu_assert_str(g->Groups[0], "grp");
            ck_assert(!g->IncludeAuthorizedOperations);
            break;
        }
        case 42: {
            sk_deletegroups_req_t *g = dec(&deletegroups_req_codec, body, blen, ver, a);
            ck_assert_int_eq(g->GroupsNamesCnt, 1);
            tu_assert_str(g->GroupsNames[0], "grp");
            break;
        }
        default:
            ck_abort_msg("unexpected key %d in %s", key, real[i].what);
        }
        sk_arena_free(a);
    }
    /* every API with a request in the table above came by */
    static const int keys[] = {8, 9, 10, 11, 12, 13, 14, 15, 16, 42};
    for (size_t i = 0; i < TG_N(keys); i++)
        ck_assert_msg(seen[keys[i]] > 0, "no frame for key %d", keys[i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto_group_real");
    TCase *tc = tcase_create("real");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_real);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
