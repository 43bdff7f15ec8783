/* check_group.c - the consumer group model: states and transitions, members,
 * protocol compatibility and selection, pending ids, offsets, member ids, the
 * __consumer_offsets partition hash, and ConsumerProtocolSubscription parsing
 * (malformed input included). */
#include "group/group.h"
#include "group/coord.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kbuf.h"

static sk_gprotocol_t P(const char *name, const char *meta)
{
    sk_gprotocol_t p = {(char *)name, (uint8_t *)meta, meta ? (int32_t)strlen(meta) : 0};
    return p;
}

static sk_gmember_t *join(sk_group_t *g, const char *id, const sk_gprotocol_t *p, int n)
{
    sk_gmember_t *m = sk_group_add_member(g, id, NULL, "client", "/127.0.0.1");
    sk_gmember_set_protocols(m, p, n);
    if (!g->protocol_type)
        g->protocol_type = strdup("consumer");
    return m;
}

START_TEST(test_state_names_and_transitions)
{
    ck_assert_str_eq(sk_gstate_name(SK_GSTATE_EMPTY), "Empty");
    ck_assert_str_eq(sk_gstate_name(SK_GSTATE_PREPARING), "PreparingRebalance");
    ck_assert_str_eq(sk_gstate_name(SK_GSTATE_COMPLETING), "CompletingRebalance");
    ck_assert_str_eq(sk_gstate_name(SK_GSTATE_STABLE), "Stable");
    ck_assert_str_eq(sk_gstate_name(SK_GSTATE_DEAD), "Dead");
    ck_assert_str_eq(sk_gstate_name((sk_gstate_t)42), "Unknown");
    ck_assert_int_eq(sk_gstate_parse("stable", 6), SK_GSTATE_STABLE);
    ck_assert_int_eq(sk_gstate_parse("PreparingRebalance", 18), SK_GSTATE_PREPARING);
    ck_assert_int_eq(sk_gstate_parse("Stab", 4), -1);
    ck_assert_int_eq(sk_gstate_parse(NULL, 0), -1);
    ck_assert_int_eq(sk_gstate_parse("x", -1), -1);
    /* the rebalance cycle */
    ck_assert(sk_gstate_can_move(SK_GSTATE_EMPTY, SK_GSTATE_PREPARING));
    ck_assert(sk_gstate_can_move(SK_GSTATE_PREPARING, SK_GSTATE_COMPLETING));
    ck_assert(sk_gstate_can_move(SK_GSTATE_COMPLETING, SK_GSTATE_STABLE));
    ck_assert(sk_gstate_can_move(SK_GSTATE_STABLE, SK_GSTATE_PREPARING));
    ck_assert(sk_gstate_can_move(SK_GSTATE_COMPLETING, SK_GSTATE_PREPARING));
    ck_assert(sk_gstate_can_move(SK_GSTATE_PREPARING, SK_GSTATE_EMPTY));
    ck_assert(sk_gstate_can_move(SK_GSTATE_STABLE, SK_GSTATE_DEAD));
    /* shortcuts that do not exist */
    ck_assert(!sk_gstate_can_move(SK_GSTATE_EMPTY, SK_GSTATE_STABLE));
    ck_assert(!sk_gstate_can_move(SK_GSTATE_EMPTY, SK_GSTATE_COMPLETING));
    ck_assert(!sk_gstate_can_move(SK_GSTATE_STABLE, SK_GSTATE_COMPLETING));
    ck_assert(!sk_gstate_can_move(SK_GSTATE_STABLE, SK_GSTATE_EMPTY));
    ck_assert(!sk_gstate_can_move(SK_GSTATE_DEAD, SK_GSTATE_PREPARING));
    ck_assert(!sk_gstate_can_move(SK_GSTATE_DEAD, SK_GSTATE_DEAD));
}
END_TEST

START_TEST(test_members_and_leader)
{
    sk_group_t *g = sk_group_new("g", 3, 1000);
    ck_assert_int_eq(g->state, SK_GSTATE_EMPTY);
    ck_assert_int_eq(g->partition, 3);
    sk_gprotocol_t r = P("range", "m");
    sk_gmember_t *a = join(g, "a", &r, 1);
    sk_gmember_t *b = join(g, "b", &r, 1);
    ck_assert_int_eq(g->n_members, 2);
    ck_assert_str_eq(g->leader_id, "a");
    ck_assert_ptr_eq(sk_group_member(g, "b"), b);
    ck_assert_ptr_null(sk_group_member(g, "c"));
    ck_assert_ptr_null(sk_group_member(g, NULL));
    sk_group_remove_member(g, a);
    ck_assert_str_eq(g->leader_id, "b");
    sk_group_remove_member(g, b);
    ck_assert_ptr_null(g->leader_id);
    ck_assert_int_eq(g->n_members, 0);
    sk_gmember_t *s = sk_group_add_member(g, "s-1", "inst", "c", "/h");
    ck_assert_ptr_eq(sk_group_member_by_instance(g, "inst"), s);
    ck_assert_ptr_null(sk_group_member_by_instance(g, "other"));
    ck_assert_ptr_null(sk_group_member_by_instance(g, NULL));
    sk_group_set_state(g, SK_GSTATE_STABLE, 5000);
    ck_assert_int_eq(g->state_ts, 5000);
    sk_group_free(g);
}
END_TEST

START_TEST(test_protocol_compatibility)
{
    sk_group_t *g = sk_group_new("g", 0, 0);
    sk_gprotocol_t rr[2] = {P("range", "x"), P("roundrobin", "y")};
    sk_gprotocol_t only_sticky = P("sticky", "z");
    /* empty type or empty list: never */
    ck_assert(!sk_group_protocols_compatible(g, "", rr, 2));
    ck_assert(!sk_group_protocols_compatible(g, NULL, rr, 2));
    ck_assert(!sk_group_protocols_compatible(g, "consumer", rr, 0));
    /* empty group: anything */
    ck_assert(sk_group_protocols_compatible(g, "consumer", &only_sticky, 1));
    join(g, "a", rr, 2);
    ck_assert(sk_group_protocols_compatible(g, "consumer", &rr[1], 1));
    ck_assert(!sk_group_protocols_compatible(g, "consumer", &only_sticky, 1));
    ck_assert(!sk_group_protocols_compatible(g, "connect", rr, 2));
    sk_group_free(g);
}
END_TEST

START_TEST(test_protocol_selection_by_votes)
{
    sk_group_t *g = sk_group_new("g", 0, 0);
    ck_assert_ptr_null(sk_group_select_protocol(g));
    sk_gprotocol_t a[3] = {P("range", ""), P("roundrobin", ""), P("sticky", "")};
    sk_gprotocol_t b[2] = {P("roundrobin", ""), P("range", "")};
    sk_gprotocol_t c[2] = {P("sticky", ""), P("roundrobin", "")};
    join(g, "a", a, 3);
    ck_assert_str_eq(sk_group_select_protocol(g), "range");
    join(g, "b", b, 2);
    /* a votes range, b votes roundrobin: tie -> first listed by the first member */
    ck_assert_str_eq(sk_group_select_protocol(g), "range");
    join(g, "c", c, 2);
    /* candidates now: roundrobin only (range and sticky are not supported by all) */
    ck_assert_str_eq(sk_group_select_protocol(g), "roundrobin");
    sk_gprotocol_t d = P("other", "");
    join(g, "d", &d, 1);
    ck_assert_ptr_null(sk_group_select_protocol(g));
    sk_group_free(g);

    g = sk_group_new("g2", 0, 0);
    join(g, "x", a, 3);
    sk_gprotocol_t y[2] = {P("sticky", ""), P("range", "")};
    join(g, "y", y, 2);
    join(g, "z", y, 2);
    /* x votes range, y and z vote sticky */
    ck_assert_str_eq(sk_group_select_protocol(g), "sticky");
    sk_group_free(g);
}
END_TEST

START_TEST(test_same_protocols_and_metadata)
{
    sk_group_t *g = sk_group_new("g", 0, 0);
    sk_gprotocol_t a[2] = {P("range", "abc"), P("roundrobin", "d")};
    sk_gmember_t *m = join(g, "m", a, 2);
    ck_assert(sk_gmember_same_protocols(m, a, 2));
    sk_gprotocol_t b[2] = {P("range", "abd"), P("roundrobin", "d")};
    ck_assert(!sk_gmember_same_protocols(m, b, 2));
    ck_assert(!sk_gmember_same_protocols(m, a, 1));
    sk_gprotocol_t c[2] = {P("roundrobin", "d"), P("range", "abc")};
    ck_assert(!sk_gmember_same_protocols(m, c, 2));
    int32_t len;
    const uint8_t *meta = sk_gmember_metadata(m, "range", &len);
    ck_assert_int_eq(len, 3);
    ck_assert(memcmp(meta, "abc", 3) == 0);
    ck_assert_ptr_null(sk_gmember_metadata(m, "sticky", &len));
    ck_assert_int_eq(len, -1);
    ck_assert_ptr_null(sk_gmember_metadata(m, NULL, &len));
    sk_gmember_set_assignment(m, "xy", 2);
    ck_assert_int_eq(m->assignment_len, 2);
    sk_gmember_set_assignment(m, NULL, -5);
    ck_assert_int_eq(m->assignment_len, 0);
    sk_group_free(g);
}
END_TEST

START_TEST(test_all_joined_and_pending)
{
    sk_group_t *g = sk_group_new("g", 0, 0);
    ck_assert(sk_group_all_joined(g));
    sk_gprotocol_t r = P("range", "");
    sk_gmember_t *a = join(g, "a", &r, 1);
    sk_gmember_t *b = join(g, "b", &r, 1);
    a->rebalance_timeout_ms = 3000;
    b->rebalance_timeout_ms = 9000;
    ck_assert_int_eq(sk_group_rebalance_timeout(g), 9000);
    ck_assert(!sk_group_all_joined(g));
    a->awaiting_join = b->awaiting_join = 1;
    ck_assert(sk_group_all_joined(g));
    sk_group_add_pending(g, "p-1");
    sk_group_add_pending(g, "p-2");
    ck_assert(!sk_group_all_joined(g));
    ck_assert(!sk_group_take_pending(g, "p-3"));
    ck_assert(!sk_group_take_pending(g, NULL));
    ck_assert(sk_group_take_pending(g, "p-1"));
    ck_assert(!sk_group_take_pending(g, "p-1"));
    ck_assert_int_eq(g->n_pending, 1);
    sk_group_clear_pending(g);
    ck_assert(sk_group_all_joined(g));
    sk_group_free(g);
}
END_TEST

START_TEST(test_offsets_table)
{
    sk_group_t *g = sk_group_new("g", 0, 0);
    ck_assert_ptr_null(sk_group_offset(g, "t", 0));
    for (int i = 0; i < 20; i++)
        sk_group_set_offset(g, "t", i, 100 + i, 3, i % 2 ? "m" : NULL, 77);
    ck_assert_int_eq(g->n_offsets, 20);
    sk_goffset_t *o = sk_group_offset(g, "t", 7);
    ck_assert_int_eq(o->offset, 107);
    ck_assert_str_eq(o->metadata, "m");
    ck_assert_str_eq(sk_group_offset(g, "t", 8)->metadata, "");
    sk_group_set_offset(g, "t", 7, 5, -1, "new", 78);
    ck_assert_int_eq(g->n_offsets, 20);
    o = sk_group_offset(g, "t", 7);
    ck_assert_int_eq(o->offset, 5);
    ck_assert_int_eq(o->committed_epoch, -1);
    ck_assert_int_eq(o->commit_ts, 78);
    ck_assert(sk_group_delete_offset(g, "t", 7));
    ck_assert(!sk_group_delete_offset(g, "t", 7));
    ck_assert(!sk_group_delete_offset(g, "u", 0));
    ck_assert_int_eq(g->n_offsets, 19);
    ck_assert_ptr_null(sk_group_offset(g, "t", 7));
    ck_assert_int_eq(sk_group_offset(g, "t", 19)->offset, 119);
    sk_group_free(g);
}
END_TEST

START_TEST(test_member_ids)
{
    char *a = sk_group_new_member_id("rdkafka");
    char *b = sk_group_new_member_id("rdkafka");
    ck_assert_int_eq(strlen(a), strlen("rdkafka-") + 36);
    ck_assert(strncmp(a, "rdkafka-", 8) == 0);
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(a[8 + 14], '4'); /* uuid version 4 */
    char *c = sk_group_new_member_id(NULL);
    ck_assert_int_eq(strlen(c), 37);
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(test_partition_hash)
{
    /* Java: "group".hashCode() = 98629247; abs % 50 = 47 */
    ck_assert_int_eq(sk_coord_partition_for("group", 50), 98629247 % 50);
    /* "" hashes to 0 */
    ck_assert_int_eq(sk_coord_partition_for("", 50), 0);
    /* "polygenelubricants".hashCode() == Integer.MIN_VALUE: abs() -> 0 */
    ck_assert_int_eq(sk_coord_partition_for("polygenelubricants", 50), 0);
    /* negative hash: "my-consumer-group-1234567".hashCode() computed by hand below */
    const char *s = "my-consumer-group-1234567";
    int32_t h = 0;
    for (const char *p = s; *p; p++)
        h = (int32_t)(31u * (uint32_t)h + (uint32_t)(unsigned char)*p);
    int32_t want = (h == INT32_MIN ? 0 : abs(h)) % 50;
    ck_assert_int_eq(sk_coord_partition_for(s, 50), want);
    /* non-ASCII: UTF-16 code units ("é" = U+00E9, "😀" = surrogate pair d83d de00) */
    ck_assert_int_eq(sk_coord_partition_for("\xc3\xa9", 1000), 0xe9 % 1000);
    int32_t hp = (int32_t)(31u * 0xd83du + 0xde00u);
    ck_assert_int_eq(sk_coord_partition_for("\xf0\x9f\x98\x80", 1000), abs(hp) % 1000);
    ck_assert_int_eq(sk_coord_partition_for("x", 0), 0);
}
END_TEST

static int sub_has(const uint8_t *b, size_t n, const char *t)
{
    return sk_group_subscription_has_topic(b, (int32_t)n, t);
}

START_TEST(test_subscription_parse)
{
    sk_wr_t w;
    sk_wr_init(&w);
    sk_wr_i16(&w, 1);
    sk_wr_i32(&w, 2);
    sk_wr_cstr(&w, 0, "alpha");
    sk_wr_cstr(&w, 0, "beta");
    sk_wr_bytes(&w, 0, "ud", 2); /* user data and later fields: ignored */
    ck_assert_int_eq(sub_has(w.buf, w.len, "beta"), 1);
    ck_assert_int_eq(sub_has(w.buf, w.len, "alpha"), 1);
    ck_assert_int_eq(sub_has(w.buf, w.len, "gamma"), 0);
    /* truncated inside the topic list */
    ck_assert_int_eq(sub_has(w.buf, 10, "alpha"), -1);
    ck_assert_int_eq(sub_has(w.buf, 1, "alpha"), -1);
    ck_assert_int_eq(sub_has(NULL, 0, "alpha"), -1);
    sk_wr_free(&w);
    /* negative version, absurd count */
    sk_wr_init(&w);
    sk_wr_i16(&w, -1);
    sk_wr_i32(&w, 0);
    ck_assert_int_eq(sub_has(w.buf, w.len, "a"), -1);
    sk_wr_free(&w);
    sk_wr_init(&w);
    sk_wr_i16(&w, 0);
    sk_wr_i32(&w, 1000000);
    ck_assert_int_eq(sub_has(w.buf, w.len, "a"), -1);
    sk_wr_free(&w);
    sk_wr_init(&w);
    sk_wr_i16(&w, 0);
    sk_wr_i32(&w, -2);
    ck_assert_int_eq(sub_has(w.buf, w.len, "a"), -1);
    sk_wr_free(&w);
    /* empty list */
    sk_wr_init(&w);
    sk_wr_i16(&w, 0);
    sk_wr_i32(&w, 0);
    ck_assert_int_eq(sub_has(w.buf, w.len, "a"), 0);
    sk_wr_free(&w);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("group");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, test_state_names_and_transitions);
    tcase_add_test(tc, test_members_and_leader);
    tcase_add_test(tc, test_protocol_compatibility);
    tcase_add_test(tc, test_protocol_selection_by_votes);
    tcase_add_test(tc, test_same_protocols_and_metadata);
    tcase_add_test(tc, test_all_joined_and_pending);
    tcase_add_test(tc, test_offsets_table);
    tcase_add_test(tc, test_member_ids);
    tcase_add_test(tc, test_partition_hash);
    tcase_add_test(tc, test_subscription_parse);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
