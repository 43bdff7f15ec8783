/* check_proto_txn.c - unit tests for the producer-id / transaction codecs:
 * InitProducerId (key 22, v0-4, flexible from v2).
 *
 * 1. Exact bytes written by hand from the schema's field list (v0 with a
 *    null TransactionalId, every layout change up to v4), decoded and
 *    re-encoded; each message goes through the truncation, mutation and
 *    re-encode sweeps of check_proto_cluster_util.h.
 * 2. Round trips at every version, and the defaults of absent fields.
 * 3. Malformed input (bad string lengths, short tag sections, hostile
 *    varints), bad versions, and values the encoders must refuse.
 * The schema-driven checks (version ranges, generated messages of every
 * version) run in check_proto_group_schema.c with the group APIs.
 */
#include "check_proto_group_util.h"
#include "proto_initproducerid.h"

#include <stdlib.h>

TU_CODEC(initproducerid_req, sk_initproducerid_req_t);
TU_CODEC(initproducerid_resp, sk_initproducerid_resp_t);

#define TXN1 "0005 74786e2d31"           /* "txn-1", classic */
#define TXN1_C "06 74786e2d31"           /* "txn-1", compact */
#define T60000 "0000ea60"                /* TransactionTimeoutMs 60000 */
#define PID_NONE "ffffffffffffffff"      /* ProducerId -1 */
#define PID_1000 "00000000000003e8"

/* A request as an idempotent producer sends it: no transactional id, and
 * no id/epoch to resume. */
static sk_initproducerid_req_t idem_req(void)
{
    return (sk_initproducerid_req_t){SK_STR_NULL, 60000, -1, -1};
}

/* ======================= requests ======================= */

START_TEST(test_ipid_req_bytes)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_initproducerid_req_t req = idem_req();

    /* v0 (and v1, the same layout): null id, timeout */
    for (int16_t v = 0; v <= 1; v++) {
        sk_initproducerid_req_t *g =
            tg_both(&initproducerid_req_codec, v, &req, "ffff " T60000, a);
        tu_assert_str(g->TransactionalId, NULL);
        ck_assert_int_eq(g->TransactionTimeoutMs, 60000);
        ck_assert_int_eq(g->ProducerId, -1);
        ck_assert_int_eq(g->ProducerEpoch, -1);
    }

    /* v1 transactional */
    req.TransactionalId = sk_str_c("txn-1");
    sk_initproducerid_req_t *g = tg_both(&initproducerid_req_codec, 1, &req, TXN1 " " T60000, a);
    tu_assert_str(g->TransactionalId, "txn-1");

    /* v2: compact string and a tag section; still no id/epoch */
    g = tg_both(&initproducerid_req_codec, 2, &req, TXN1_C " " T60000 " 00", a);
    tu_assert_str(g->TransactionalId, "txn-1");
    ck_assert_int_eq(g->ProducerId, -1);
    ck_assert_int_eq(g->ProducerEpoch, -1);

    /* v3: ProducerId and ProducerEpoch */
    req.ProducerId = 1000;
    req.ProducerEpoch = 5;
    g = tg_both(&initproducerid_req_codec, 3, &req, TXN1_C " " T60000 " " PID_1000 " 0005 00", a);
    ck_assert_int_eq(g->ProducerId, 1000);
    ck_assert_int_eq(g->ProducerEpoch, 5);

    /* v4: null id is compact 00; -1/-1 written out */
    req = idem_req();
    g = tg_both(&initproducerid_req_codec, 4, &req, "00 " T60000 " " PID_NONE " ffff 00", a);
    tu_assert_str(g->TransactionalId, NULL);
    ck_assert_int_eq(g->TransactionTimeoutMs, 60000);
    ck_assert_int_eq(g->ProducerId, -1);
    ck_assert_int_eq(g->ProducerEpoch, -1);

    /* v4 transactional, resuming id 1000 epoch 5 */
    req = (sk_initproducerid_req_t){sk_str_c("txn-1"), 60000, 1000, 5};
    g = tg_both(&initproducerid_req_codec, 4, &req, TXN1_C " " T60000 " " PID_1000 " 0005 00", a);
    tu_assert_str(g->TransactionalId, "txn-1");
    ck_assert_int_eq(g->ProducerId, 1000);
    ck_assert_int_eq(g->ProducerEpoch, 5);

    /* empty (not null) transactional id */
    req = idem_req();
    req.TransactionalId = sk_str_c("");
    g = tg_both(&initproducerid_req_codec, 0, &req, "0000 " T60000, a);
    tu_assert_str(g->TransactionalId, "");
    g = tg_both(&initproducerid_req_codec, 2, &req, "01 " T60000 " 00", a);
    tu_assert_str(g->TransactionalId, "");
    sk_arena_free(a);
}
END_TEST

/* Every version, several values: encode, decode, same struct back. */
START_TEST(test_ipid_req_roundtrip)
{
    static const char *const ids[] = {NULL, "", "t", "transactional-producer-42"};
    static const int64_t pids[] = {-1, 0, 1, INT64_MAX};
    static const int16_t epochs[] = {-1, 0, 7, INT16_MAX};
    for (int16_t v = SK_INITPRODUCERID_MIN_VER; v <= SK_INITPRODUCERID_MAX_VER; v++) {
        for (size_t i = 0; i < TG_N(ids); i++) {
            sk_initproducerid_req_t req = {sk_str_c(ids[i]), (int32_t)(i * 1000) - 1,
                                           v >= 3 ? pids[i] : -1, v >= 3 ? epochs[i] : -1};
            sk_wr_t w;
            sk_wr_init(&w);
            ck_assert_int_eq(sk_initproducerid_req_encode(&w, v, &req), SK_OK);
            sk_arena_t *a = sk_arena_new(0);
            sk_initproducerid_req_t got;
            ck_assert_int_eq(tu_decode(&initproducerid_req_codec, w.buf, w.len, v, a, &got),
                             SK_OK);
            tu_assert_str(got.TransactionalId, ids[i]);
            ck_assert_int_eq(got.TransactionTimeoutMs, req.TransactionTimeoutMs);
            ck_assert_int_eq(got.ProducerId, req.ProducerId);
            ck_assert_int_eq(got.ProducerEpoch, req.ProducerEpoch);
            tu_check_all(&initproducerid_req_codec, w.buf, w.len, v);
            sk_arena_free(a);
            sk_wr_free(&w);
        }
    }
}
END_TEST

START_TEST(test_ipid_req_tags)
{
    /* unknown tagged fields are skipped (v2+) and dropped on re-encode */
    sk_arena_t *a = sk_arena_new(0);
    sk_initproducerid_req_t g;
    ck_assert_int_eq(tu_decode_hex(&initproducerid_req_codec,
                                   TXN1_C " " T60000 " 02 00 01 aa 9001 02 bbcc", 2, a, &g),
                     SK_OK);
    tu_assert_str(g.TransactionalId, "txn-1");
    ck_assert_int_eq(g.TransactionTimeoutMs, 60000);
    tu_assert_encodes(&initproducerid_req_codec, 2, &g, TXN1_C " " T60000 " 00");
    ck_assert_int_eq(tu_decode_hex(&initproducerid_req_codec,
                                   "00 " T60000 " " PID_1000 " 0001 01 05 00", 4, a, &g),
                     SK_OK);
    ck_assert_int_eq(g.ProducerId, 1000);
    ck_assert_int_eq(g.ProducerEpoch, 1);
    tu_assert_encodes(&initproducerid_req_codec, 4, &g, "00 " T60000 " " PID_1000 " 0001 00");
    /* trailing bytes after a complete body are left unread */
    ck_assert_int_eq(tu_decode_hex(&initproducerid_req_codec, "ffff " T60000 " 00", 0, a, &g),
                     99);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_ipid_req_malformed)
{
    /* classic: lengths below -1, a string running past the end, a short
     * timeout */
    static const char *const bad_classic[] = {
        "fffe " T60000, "8000 " T60000, "0006 74786e2d31 " T60000,
        "7fff 74786e2d31", "ffff 0000ea", "",
    };
    for (int16_t v = 0; v <= 1; v++)
        tg_parse_fail(&initproducerid_req_codec, v, bad_classic, TG_N(bad_classic));
    /* flexible: compact lengths past the end (0xffffffff - 1 included),
     * an over-long varint, missing or short tag sections */
    static const char *const bad_flex[] = {
        "07 74786e2d31 " T60000 " 00",
        "ffffffff0f " T60000 " 00",
        "8080808080 01 " T60000 " 00",
        TXN1_C " " T60000,
        TXN1_C " " T60000 " 01",
        TXN1_C " " T60000 " 01 00 05 aabb",
        TXN1_C " " T60000 " 01 00 ffffffff0f",
        TXN1_C " " T60000 " 01 8080808080 01 00",
        "",
    };
    tg_parse_fail(&initproducerid_req_codec, 2, bad_flex, TG_N(bad_flex));
    /* v3+: the id and epoch must be there */
    static const char *const bad_v3[] = {
        "00 " T60000 " 00",
        "00 " T60000 " " PID_1000 " 00",
        "00 " T60000 " " PID_1000 " 0001",
        "00 " T60000 " 00000000 0001 00",
    };
    for (int16_t v = 3; v <= 4; v++)
        tg_parse_fail(&initproducerid_req_codec, v, bad_v3, TG_N(bad_v3));

    /* the flexible layout is not accepted as classic, nor the other way */
    sk_arena_t *a = sk_arena_new(0);
    sk_initproducerid_req_t g;
    ck_assert_int_ne(tu_decode_hex(&initproducerid_req_codec, TXN1_C " " T60000 " 00", 0, a, &g),
                     SK_OK);
    ck_assert_int_ne(tu_decode_hex(&initproducerid_req_codec, TXN1 " " T60000, 2, a, &g),
                     SK_OK);
    sk_arena_free(a);

    tu_check_bad_versions(&initproducerid_req_codec, SK_INITPRODUCERID_MIN_VER,
                          SK_INITPRODUCERID_MAX_VER);
}
END_TEST

START_TEST(test_ipid_req_refused)
{
    /* ProducerId / ProducerEpoch are not ignorable below v3 */
    sk_initproducerid_req_t req = idem_req();
    req.ProducerId = 1000;
    for (int16_t v = 0; v < 3; v++)
        tg_enc_fails(&initproducerid_req_codec, v, &req);
    tu_assert_encodes(&initproducerid_req_codec, 3, &req, "00 " T60000 " " PID_1000 " ffff 00");
    req = idem_req();
    req.ProducerEpoch = 0;
    for (int16_t v = 0; v < 3; v++)
        tg_enc_fails(&initproducerid_req_codec, v, &req);
    /* a zeroed struct has ProducerId 0: only v3+ can say that */
    sk_initproducerid_req_t zero = {0};
    tg_enc_fails(&initproducerid_req_codec, 0, &zero);
    tu_assert_encodes(&initproducerid_req_codec, 3, &zero, "01 00000000 0000000000000000 0000 00");

    /* a TransactionalId too long for a classic int16 length; compact
     * lengths can carry it */
    size_t n = (size_t)INT16_MAX + 1;
    char *big = malloc(n);
    memset(big, 'x', n);
    req = idem_req();
    req.TransactionalId = (sk_str_t){big, (int32_t)n};
    for (int16_t v = 0; v < SK_INITPRODUCERID_FLEX_VER; v++)
        tg_enc_fails(&initproducerid_req_codec, v, &req);
    req.TransactionalId.len = INT16_MAX;
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_initproducerid_req_encode(&w, 1, &req), SK_OK);
    ck_assert_uint_eq(w.len, 2 + (size_t)INT16_MAX + 4);
    ck_assert_uint_eq(sk_be16(w.buf), INT16_MAX);
    sk_wr_reset(&w);
    req.TransactionalId.len = (int32_t)n;
    ck_assert_int_eq(sk_initproducerid_req_encode(&w, 2, &req), SK_OK);
    ck_assert_uint_eq(w.len, 3 + n + 4 + 1); /* 32769 = 81 80 02 */
    sk_arena_t *a = sk_arena_new(0);
    sk_initproducerid_req_t g;
    ck_assert_int_eq(tu_decode(&initproducerid_req_codec, w.buf, w.len, 2, a, &g), SK_OK);
    ck_assert_int_eq(g.TransactionalId.len, (int32_t)n);
    ck_assert_int_eq(memcmp(g.TransactionalId.p, big, n), 0);
    sk_arena_free(a);
    sk_wr_free(&w);
    free(big);
}
END_TEST

/* ======================= responses ======================= */

START_TEST(test_ipid_resp_bytes)
{
    sk_arena_t *a = sk_arena_new(0);
    /* success: producer id 4000, epoch 0 */
    sk_initproducerid_resp_t resp = {0, 0, 4000, 0};
    for (int16_t v = 0; v <= 1; v++) {
        sk_initproducerid_resp_t *g = tg_both(&initproducerid_resp_codec, v, &resp,
                                              "00000000 0000 0000000000000fa0 0000", a);
        ck_assert_int_eq(g->ThrottleTimeMs, 0);
        ck_assert_int_eq(g->ErrorCode, 0);
        ck_assert_int_eq(g->ProducerId, 4000);
        ck_assert_int_eq(g->ProducerEpoch, 0);
    }
    for (int16_t v = 2; v <= 4; v++) {
        sk_initproducerid_resp_t *g = tg_both(&initproducerid_resp_codec, v, &resp,
                                              "00000000 0000 0000000000000fa0 0000 00", a);
        ck_assert_int_eq(g->ProducerId, 4000);
    }
    /* v4 fenced: throttled 100 ms, PRODUCER_FENCED, -1/-1 */
    resp = (sk_initproducerid_resp_t){100, SK_KERR_PRODUCER_FENCED, -1, -1};
    sk_initproducerid_resp_t *g =
        tg_both(&initproducerid_resp_codec, 4, &resp, "00000064 005a " PID_NONE " ffff 00", a);
    ck_assert_int_eq(g->ThrottleTimeMs, 100);
    ck_assert_int_eq(g->ErrorCode, SK_KERR_PRODUCER_FENCED);
    ck_assert_int_eq(g->ProducerId, -1);
    ck_assert_int_eq(g->ProducerEpoch, -1);
    /* v0 the same, older error code */
    resp.ErrorCode = SK_KERR_INVALID_PRODUCER_EPOCH;
    g = tg_both(&initproducerid_resp_codec, 0, &resp, "00000064 002f " PID_NONE " ffff", a);
    ck_assert_int_eq(g->ErrorCode, SK_KERR_INVALID_PRODUCER_EPOCH);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_ipid_resp_roundtrip)
{
    static const sk_initproducerid_resp_t cases[] = {
        {0, 0, 0, 0},
        {INT32_MAX, SK_KERR_CONCURRENT_TRANSACTIONS, -1, -1},
        {-1, -1, INT64_MAX, INT16_MAX},
        {1, 0, INT64_MIN, INT16_MIN},
    };
    for (int16_t v = SK_INITPRODUCERID_MIN_VER; v <= SK_INITPRODUCERID_MAX_VER; v++) {
        for (size_t i = 0; i < TG_N(cases); i++) {
            sk_wr_t w;
            sk_wr_init(&w);
            ck_assert_int_eq(sk_initproducerid_resp_encode(&w, v, &cases[i]), SK_OK);
            ck_assert_uint_eq(w.len, v >= SK_INITPRODUCERID_FLEX_VER ? 17 : 16);
            sk_arena_t *a = sk_arena_new(0);
            sk_initproducerid_resp_t got;
            ck_assert_int_eq(tu_decode(&initproducerid_resp_codec, w.buf, w.len, v, a, &got),
                             SK_OK);
            ck_assert_int_eq(got.ThrottleTimeMs, cases[i].ThrottleTimeMs);
            ck_assert_int_eq(got.ErrorCode, cases[i].ErrorCode);
            ck_assert_int_eq(got.ProducerId, cases[i].ProducerId);
            ck_assert_int_eq(got.ProducerEpoch, cases[i].ProducerEpoch);
            tu_check_all(&initproducerid_resp_codec, w.buf, w.len, v);
            sk_arena_free(a);
            sk_wr_free(&w);
        }
    }
}
END_TEST

START_TEST(test_ipid_resp_malformed)
{
    static const char *const bad_classic[] = {
        "", "00000000 0000 0000000000000fa0 00", "00000000 0000 00000000", "000000",
    };
    for (int16_t v = 0; v <= 1; v++)
        tg_parse_fail(&initproducerid_resp_codec, v, bad_classic, TG_N(bad_classic));
    static const char *const bad_flex[] = {
        "00000000 0000 0000000000000fa0 0000",
        "00000000 0000 0000000000000fa0 0000 01",
        "00000000 0000 0000000000000fa0 0000 01 03 02 aa",
        "00000000 0000 0000000000000fa0 0000 8080808080 01",
        "00000000 0000 0000000000000fa0 0000 01 00 ffffffff0f",
    };
    for (int16_t v = 2; v <= 4; v++)
        tg_parse_fail(&initproducerid_resp_codec, v, bad_flex, TG_N(bad_flex));
    /* unknown tags skipped, dropped on re-encode */
    sk_arena_t *a = sk_arena_new(0);
    sk_initproducerid_resp_t g;
    ck_assert_int_eq(tu_decode_hex(&initproducerid_resp_codec,
                                   "00000000 0000 0000000000000fa0 0003 02 01 00 ff01 03 616263",
                                   3, a, &g),
                     SK_OK);
    ck_assert_int_eq(g.ProducerId, 4000);
    ck_assert_int_eq(g.ProducerEpoch, 3);
    tu_assert_encodes(&initproducerid_resp_codec, 3, &g,
                      "00000000 0000 0000000000000fa0 0003 00");
    sk_arena_free(a);
    tu_check_bad_versions(&initproducerid_resp_codec, SK_INITPRODUCERID_MIN_VER,
                          SK_INITPRODUCERID_MAX_VER);
}
END_TEST

/* ======================= against the schema ======================= */

int main(void)
{
    Suite *s = suite_create("proto_txn");
    TCase *tc = tcase_create("initproducerid");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_ipid_req_bytes);
    tcase_add_test(tc, test_ipid_req_roundtrip);
    tcase_add_test(tc, test_ipid_req_tags);
    tcase_add_test(tc, test_ipid_req_malformed);
    tcase_add_test(tc, test_ipid_req_refused);
    tcase_add_test(tc, test_ipid_resp_bytes);
    tcase_add_test(tc, test_ipid_resp_roundtrip);
    tcase_add_test(tc, test_ipid_resp_malformed);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
