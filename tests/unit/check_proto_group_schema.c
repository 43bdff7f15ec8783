/* check_proto_group_schema.c - the group codecs against Kafka's reference
 * message schemas, read at test time.
 *
 * Uses the schema-driven message generator of check_proto_cluster_schema.c
 * (included below with its own tests and main() left unused), so both
 * test programs exercise the same independent generator:
 *
 * 1. Each header's SK_<API>_MIN_VER/_MAX_VER lie inside the schema's
 *    validVersions, and _FLEX_VER is the schema's first flexible version
 *    (for a schema without flexible versions: above _MAX_VER).
 * 2. For every version, several hundred random valid messages written from
 *    the schema's field list alone (with and without unknown tagged fields
 *    in flexible versions) decode, are consumed exactly, and re-encode to
 *    the untagged bytes; some go through the truncation sweep.
 *
 * The schemas are found in $SK_PROTOCOL_DIR or the compiled-in default
 * (../shared/kafka-protocol/messages beside the source tree).
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#define main sk_cluster_schema_main
#include "check_proto_cluster_schema.c"
#undef main
#pragma GCC diagnostic pop

#include "proto_deletegroups.h"
#include "proto_describegroups.h"
#include "proto_findcoordinator.h"
#include "proto_heartbeat.h"
#include "proto_initproducerid.h"
#include "proto_joingroup.h"
#include "proto_leavegroup.h"
#include "proto_listgroups.h"
#include "proto_offsetcommit.h"
#include "proto_offsetdelete.h"
#include "proto_offsetfetch.h"
#include "proto_syncgroup.h"

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
TU_CODEC(offsetcommit_req, sk_offsetcommit_req_t);
TU_CODEC(offsetcommit_resp, sk_offsetcommit_resp_t);
TU_CODEC(offsetfetch_req, sk_offsetfetch_req_t);
TU_CODEC(offsetfetch_resp, sk_offsetfetch_resp_t);
TU_CODEC(listgroups_req, sk_listgroups_req_t);
TU_CODEC(listgroups_resp, sk_listgroups_resp_t);
TU_CODEC(describegroups_req, sk_describegroups_req_t);
TU_CODEC(describegroups_resp, sk_describegroups_resp_t);
TU_CODEC(deletegroups_req, sk_deletegroups_req_t);
TU_CODEC(deletegroups_resp, sk_deletegroups_resp_t);
TU_CODEC(offsetdelete_req, sk_offsetdelete_req_t);
TU_CODEC(offsetdelete_resp, sk_offsetdelete_resp_t);
TU_CODEC(initproducerid_req, sk_initproducerid_req_t);
TU_CODEC(initproducerid_resp, sk_initproducerid_resp_t);

static const api_case_t gapis[] = {
#define API(name, pre, codec)                                                           \
    {name, &codec##_req_codec, &codec##_resp_codec, SK_##pre##_MIN_VER, SK_##pre##_MAX_VER, \
     SK_##pre##_FLEX_VER}
    API("FindCoordinator", FINDCOORDINATOR, findcoordinator),
    API("JoinGroup", JOINGROUP, joingroup),
    API("SyncGroup", SYNCGROUP, syncgroup),
    API("Heartbeat", HEARTBEAT, heartbeat),
    API("LeaveGroup", LEAVEGROUP, leavegroup),
    API("OffsetCommit", OFFSETCOMMIT, offsetcommit),
    API("OffsetFetch", OFFSETFETCH, offsetfetch),
    API("ListGroups", LISTGROUPS, listgroups),
    API("DescribeGroups", DESCRIBEGROUPS, describegroups),
    API("DeleteGroups", DELETEGROUPS, deletegroups),
    API("OffsetDelete", OFFSETDELETE, offsetdelete),
    API("InitProducerId", INITPRODUCERID, initproducerid),
#undef API
};
#define NGAPIS (sizeof(gapis) / sizeof(gapis[0]))

START_TEST(test_group_versions_match_schemas)
{
    for (size_t i = 0; i < NGAPIS; i++) {
        for (int resp = 0; resp < 2; resp++) {
            json_t *root = load_schema(gapis[i].name, resp ? "Response" : "Request");
            const char *valid = sget(root, "validVersions");
            const char *flex = sget(root, "flexibleVersions");
            ck_assert_ptr_nonnull(valid);
            ck_assert_ptr_nonnull(flex);
            for (int v = gapis[i].min; v <= gapis[i].max; v++)
                ck_assert_msg(in_range(valid, v), "%s: v%d not in validVersions %s",
                              gapis[i].name, v, valid);
            if (strcmp(flex, "none") == 0)
                ck_assert_msg(gapis[i].flex > gapis[i].max, "%s: FLEX_VER %d inside the range",
                              gapis[i].name, gapis[i].flex);
            else
                ck_assert_msg(flex[strlen(flex) - 1] == '+' && atoi(flex) == gapis[i].flex,
                              "%s: FLEX_VER %d, schema flexibleVersions %s", gapis[i].name,
                              gapis[i].flex, flex);
            json_decref(root);
        }
    }
}
END_TEST

/* An empty body (ListGroups v0-2 requests) decodes and re-encodes empty. */
static void check_empty(const tu_codec_t *c, int v)
{
    static const uint8_t none[1];
    sk_arena_t *a = sk_arena_new(0);
    void *out = calloc(1, c->size);
    ck_assert_int_eq(tu_decode(c, none, 0, (int16_t)v, a, out), SK_OK);
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(c->enc(&w, (int16_t)v, out), SK_OK);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    free(out);
    sk_arena_free(a);
}

static void run_group_generator(size_t api, int resp)
{
    const api_case_t *ac = &gapis[api];
    const tu_codec_t *c = resp ? ac->resp : ac->req;
    char where[128];
    snprintf(where, sizeof(where), "%s%s", ac->name, resp ? "Response" : "Request");
    json_t *root = load_schema(ac->name, resp ? "Response" : "Request");
    json_t *none = json_array();
    for (int v = ac->min; v <= ac->max; v++) {
        json_t *common = json_object_get(root, "commonStructs");
        gen_t g = {.rng = 0x2545f4914f6cdd1dULL ^ ((uint64_t)api << 32) ^ (uint64_t)(v * 2 + resp),
                   .common = common ? common : none,
                   .v = v,
                   .flex = v >= ac->flex,
                   .where = where};
        sk_wr_init(&g.plain);
        sk_wr_init(&g.tagged);
        for (int it = 0; it < ITERATIONS; it++) {
            sk_wr_reset(&g.plain);
            sk_wr_reset(&g.tagged);
            gen_struct(&g, json_object_get(root, "fields"));
            if (g.plain.len == 0 && g.tagged.len == 0)
                check_empty(c, v); /* check_generated would memcmp NULL */
            else
                check_generated(c, &g, it);
        }
        if (g.flex)
            ck_assert_int_gt(g.tags_added, ITERATIONS / 4);
        sk_wr_free(&g.plain);
        sk_wr_free(&g.tagged);
    }
    json_decref(none);
    json_decref(root);
}

START_TEST(test_group_generated_requests)
{
    run_group_generator((size_t)_i, 0);
}
END_TEST

START_TEST(test_group_generated_responses)
{
    run_group_generator((size_t)_i, 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto_group_schema");
    TCase *tc = tcase_create("schema");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_group_versions_match_schemas);
    tcase_add_loop_test(tc, test_group_generated_requests, 0, (int)NGAPIS);
    tcase_add_loop_test(tc, test_group_generated_responses, 0, (int)NGAPIS);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
