/* check_verify.c - unit tests for skein-verify's record format, ledger,
 * violation analysis, state file and report (tools/verify_*.c). */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "kerr.h"
#include "verify_ledger.h"
#include "verify_record.h"
#include "verify_report.h"
#include "verify_state.h"

#define RUN 0x0123456789abcdefULL
#define SIZE 100

/* The payload of (run, producer, seq) in buf (SIZE bytes). */
static const char *payload(char *buf, uint64_t run, int32_t producer, int64_t seq)
{
    sk_vrec_t r = {.run = run, .producer = producer, .seq = seq, .ts_us = 1000000 + seq};
    ck_assert_int_eq(sk_vrec_encode(&r, buf, SIZE), SK_OK);
    return buf;
}

static int consume(sk_vledger_t *l, int32_t part, int64_t off, int32_t producer, int64_t seq)
{
    char buf[SIZE];
    return sk_vledger_consumed(l, part, off, payload(buf, RUN, producer, seq), SIZE, -1);
}

static void zero_except(const sk_vreport_t *r, sk_vviol_kind_t k, int64_t n)
{
    for (int i = 0; i < SK_VV_COUNT; i++)
        ck_assert_msg(r->count[i] == (i == (int)k ? n : 0), "%s: %lld", sk_vviol_name(i),
                      (long long)r->count[i]);
}

static const sk_vviol_t *first_example(const sk_vreport_t *r, sk_vviol_kind_t k)
{
    for (int i = 0; i < r->n_examples; i++)
        if (r->examples[i].kind == k)
            return &r->examples[i];
    ck_abort_msg("no example of %s", sk_vviol_name(k));
    return NULL;
}

/* ---- record format ---------------------------------------------------- */

START_TEST(test_record_roundtrip)
{
    size_t sizes[] = {SK_VREC_MIN_SIZE, SK_VREC_MIN_SIZE + 1, 100, 1000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char buf[1000];
        sk_vrec_t r = {.run = RUN, .producer = 42, .seq = 123456789012LL,
                       .ts_us = 1700000000123456LL};
        ck_assert_int_eq(sk_vrec_encode(&r, buf, sizes[i]), SK_OK);
        sk_vrec_t got;
        ck_assert_int_eq(sk_vrec_parse(buf, sizes[i], &got), SK_VREC_OK);
        ck_assert(got.run == r.run && got.producer == 42 && got.seq == r.seq &&
                  got.ts_us == r.ts_us);
    }
    char buf[SK_VREC_MIN_SIZE];
    sk_vrec_t r = {.run = 1, .producer = 0, .seq = 0, .ts_us = 0};
    ck_assert_int_eq(sk_vrec_encode(&r, buf, sizeof(buf)), SK_OK);
    ck_assert(memcmp(buf, "skv1 0000000000000001 00000 000000000000 0000000000000000 ", 58) == 0);
}
END_TEST

START_TEST(test_record_encode_refuses)
{
    char buf[200];
    sk_vrec_t r = {.run = 1, .producer = 0, .seq = 0, .ts_us = 0};
    ck_assert_int_eq(sk_vrec_encode(&r, buf, SK_VREC_MIN_SIZE - 1), SK_EINVAL);
    r.producer = -1;
    ck_assert_int_eq(sk_vrec_encode(&r, buf, sizeof(buf)), SK_EINVAL);
    r.producer = SK_VREC_MAX_PRODUCER + 1;
    ck_assert_int_eq(sk_vrec_encode(&r, buf, sizeof(buf)), SK_EINVAL);
    r.producer = 0;
    r.seq = SK_VREC_MAX_SEQ + 1;
    ck_assert_int_eq(sk_vrec_encode(&r, buf, sizeof(buf)), SK_EINVAL);
    r.seq = 0;
    r.ts_us = -5;
    ck_assert_int_eq(sk_vrec_encode(&r, buf, sizeof(buf)), SK_EINVAL);
}
END_TEST

START_TEST(test_record_malformed)
{
    char good[SIZE], buf[SIZE];
    payload(good, RUN, 3, 77);
    sk_vrec_t out;
    ck_assert_int_eq(sk_vrec_parse(NULL, 0, &out), SK_VREC_MALFORMED);
    ck_assert_int_eq(sk_vrec_parse("", 0, &out), SK_VREC_MALFORMED);
    ck_assert_int_eq(sk_vrec_parse("hello world", 11, &out), SK_VREC_MALFORMED);
    ck_assert_int_eq(sk_vrec_parse(good, SK_VREC_MIN_SIZE - 1, &out), SK_VREC_MALFORMED);
    /* a shorter prefix of a valid record is never valid */
    for (size_t n = 0; n < SIZE; n++)
        ck_assert_int_ne(sk_vrec_parse(good, n, &out), SK_VREC_OK);
    /* a non-digit in a numeric field, upper-case hex, a missing separator */
    size_t at[] = {0, 4, 5, 20, 21, 22, 27, 28, 39, 40, 41, 56, 57, SIZE - 8, SIZE - 1};
    const char bad[] = {'X', 'A', ' ', '\0', '/', ':'};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        for (size_t j = 0; j < sizeof(bad); j++) {
            memcpy(buf, good, SIZE);
            if (buf[at[i]] == bad[j])
                continue;
            buf[at[i]] = bad[j];
            ck_assert_int_eq(sk_vrec_parse(buf, SIZE, &out), SK_VREC_MALFORMED);
            ck_assert(out.run == 0 && out.seq == 0);
        }
    }
    /* a checksum that matches a wrong filler: not ours */
    memcpy(buf, good, SIZE);
    buf[60] = buf[60] == 'z' ? 'y' : 'z';
    char crc[9];
    snprintf(crc, sizeof(crc), "%08x", sk_crc32c(0, buf, SIZE - 8));
    memcpy(buf + SIZE - 8, crc, 8);
    ck_assert_int_eq(sk_vrec_parse(buf, SIZE, &out), SK_VREC_MALFORMED);
}
END_TEST

START_TEST(test_record_badsum)
{
    char good[SIZE], buf[SIZE];
    payload(good, RUN, 3, 77);
    sk_vrec_t out;
    /* a changed digit or filler letter keeps the layout: checksum mismatch */
    size_t at[] = {6, 23, 30, 45, 58, 70, SIZE - 9};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        memcpy(buf, good, SIZE);
        buf[at[i]] = buf[at[i]] == '1' ? '2' : buf[at[i]] == 'a' ? 'b' : '1';
        if (at[i] >= 58)
            buf[at[i]] = buf[at[i]] == 'q' ? 'r' : 'q';
        ck_assert_int_eq(sk_vrec_parse(buf, SIZE, &out), SK_VREC_BADSUM);
    }
    /* the checksum itself changed */
    memcpy(buf, good, SIZE);
    buf[SIZE - 1] = buf[SIZE - 1] == '0' ? '1' : '0';
    ck_assert_int_eq(sk_vrec_parse(buf, SIZE, &out), SK_VREC_BADSUM);
    ck_assert_int_eq(out.producer, 3);
}
END_TEST

/* ---- ledger: clean and each violation ---------------------------------- */

/* 2 producers x 30 records over 3 partitions, all acknowledged; offsets are
 * assigned per partition in send order. */
static sk_vledger_t *acked_ledger(int64_t offsets[2][30], int32_t parts[2][30])
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    int64_t next[3] = {0, 0, 0};
    for (int64_t s = 0; s < 30; s++)
        for (int p = 0; p < 2; p++) {
            ck_assert_int_eq(sk_vledger_sent(l, p, s), SK_OK);
            int32_t part = (int32_t)((s + p) % 3);
            parts[p][s] = part;
            offsets[p][s] = next[part]++;
            ck_assert_int_eq(sk_vledger_acked(l, p, s, part, offsets[p][s], 1000 + s), SK_OK);
        }
    for (int part = 0; part < 3; part++)
        ck_assert_int_eq(sk_vledger_start(l, part, 0), SK_OK);
    return l;
}

/* Consume everything at its acknowledged offset, in offset order per
 * partition, except (skip_p, skip_s); commit each partition's end. */
static void consume_all(sk_vledger_t *l, int64_t offsets[2][30], int32_t parts[2][30],
                        int skip_p, int64_t skip_s)
{
    for (int part = 0; part < 3; part++) {
        int64_t end = 0;
        for (int64_t off = 0; off < 20; off++)
            for (int p = 0; p < 2; p++)
                for (int64_t s = 0; s < 30; s++)
                    if (parts[p][s] == part && offsets[p][s] == off) {
                        if (p == skip_p && s == skip_s)
                            continue;
                        ck_assert_int_eq(consume(l, part, off, p, s), SK_VKIND_OURS);
                        end = off + 1;
                    }
        ck_assert_int_eq(sk_vledger_committed(l, part, end), SK_OK);
    }
}

START_TEST(test_clean)
{
    int64_t off[2][30];
    int32_t parts[2][30];
    sk_vledger_t *l = acked_ledger(off, parts);
    ck_assert_int_eq(sk_vledger_pending(l), 60);
    consume_all(l, off, parts, -1, -1);
    ck_assert_int_eq(sk_vledger_pending(l), 0);
    ck_assert_int_eq(sk_vledger_position(l, 0), 20);
    ck_assert_int_eq(sk_vledger_position(l, 7), -1);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.violations, 0);
    zero_except(&r, SK_VV_COUNT, 0);
    ck_assert_int_eq(r.sent, 60);
    ck_assert_int_eq(r.acked, 60);
    ck_assert_int_eq(r.failed, 0);
    ck_assert_int_eq(r.unresolved, 0);
    ck_assert_int_eq(r.deliveries, 60);
    ck_assert_int_eq(r.offsets, 60);
    ck_assert_int_eq(r.redelivered + r.foreign + r.malformed + r.unacked_seen, 0);
    ck_assert_int_eq(r.n_examples, 0);
    ck_assert_int_eq(r.n_parts, 3);
    ck_assert_int_eq(r.parts[1].records, 20);
    ck_assert_int_eq(r.parts[1].committed, 20);
    ck_assert_int_eq(r.produce_lat.count, 60);
    ck_assert_double_eq_tol(r.produce_lat.max_ms, 1.029, 1e-9);
    /* analysing again gives the same figures */
    sk_vreport_t again;
    sk_vledger_analyze(l, &again);
    ck_assert_int_eq(again.offsets, 60);
    ck_assert_int_eq(again.violations, 0);
    sk_vreport_free(&again);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_lost)
{
    int64_t off[2][30];
    int32_t parts[2][30];
    sk_vledger_t *l = acked_ledger(off, parts);
    /* the last record of producer 1 in its partition: no hole behind it */
    consume_all(l, off, parts, 1, 29);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    zero_except(&r, SK_VV_LOST, 1);
    ck_assert_int_eq(r.violations, 1);
    const sk_vviol_t *v = first_example(&r, SK_VV_LOST);
    ck_assert_int_eq(v->producer, 1);
    ck_assert_int_eq(v->seq, 29);
    ck_assert_int_eq(v->partition, parts[1][29]);
    ck_assert_int_eq(v->offset, off[1][29]);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_lost_in_the_middle_is_also_skipped)
{
    /* a record missing below the committed offset: lost, and its offset was
     * committed past without being received */
    sk_vledger_t *l = sk_vledger_new(RUN);
    for (int64_t s = 0; s < 5; s++)
        sk_vledger_acked(l, 0, s, 0, s, -1);
    sk_vledger_start(l, 0, 0);
    for (int64_t s = 0; s < 5; s++)
        if (s != 2)
            consume(l, 0, s, 0, s);
    sk_vledger_committed(l, 0, 5);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.count[SK_VV_LOST], 1);
    ck_assert_int_eq(r.count[SK_VV_SKIPPED], 1);
    ck_assert_int_eq(r.skipped_ranges, 1);
    ck_assert_int_eq(r.violations, 2);
    ck_assert_int_eq(r.produce_lat.count, 0);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_duplicated)
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    for (int64_t s = 0; s < 4; s++)
        sk_vledger_acked(l, 0, s, 0, s, -1);
    sk_vledger_start(l, 0, 0);
    for (int64_t s = 0; s < 4; s++)
        consume(l, 0, s, 0, s);
    /* seq 3 written again (a retry that was not deduplicated) at offset 4,
     * and again in another partition */
    consume(l, 0, 4, 0, 3);
    consume(l, 1, 0, 0, 3);
    sk_vledger_committed(l, 0, 5);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    zero_except(&r, SK_VV_DUPLICATED, 2);
    const sk_vviol_t *v = first_example(&r, SK_VV_DUPLICATED);
    ck_assert_int_eq(v->seq, 3);
    ck_assert_int_eq(v->offset, 3);
    ck_assert(v->offset2 == 4 || v->partition2 == 1);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_reordered)
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    /* acknowledged: seq 0..3 at offsets 0..3 of partition 0 */
    for (int64_t s = 0; s < 4; s++)
        sk_vledger_acked(l, 1, s, 0, s, -1);
    sk_vledger_start(l, 0, 0);
    /* the log holds 0, 2, 1, 3; delivered out of offset order too */
    consume(l, 0, 3, 1, 3);
    consume(l, 0, 0, 1, 0);
    consume(l, 0, 1, 1, 2);
    consume(l, 0, 2, 1, 1);
    sk_vledger_committed(l, 0, 4);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.count[SK_VV_REORDERED], 1);
    /* 1 and 2 are also not where they were acknowledged */
    ck_assert_int_eq(r.count[SK_VV_OFFSET_MISMATCH], 2);
    ck_assert_int_eq(r.count[SK_VV_LOST] + r.count[SK_VV_DUPLICATED], 0);
    const sk_vviol_t *v = first_example(&r, SK_VV_REORDERED);
    ck_assert_int_eq(v->producer, 1);
    ck_assert_int_eq(v->seq, 1);
    ck_assert_int_eq(v->offset, 2);
    ck_assert_int_eq(v->seq2, 2);
    ck_assert_int_eq(v->offset2, 1);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_producers_interleave_is_not_reorder)
{
    /* two producers, each in order, interleaved in one partition */
    sk_vledger_t *l = sk_vledger_new(RUN);
    int64_t off = 0;
    for (int64_t s = 0; s < 5; s++)
        for (int p = 1; p >= 0; p--) {
            sk_vledger_acked(l, p, s, 2, off, -1);
            consume(l, 2, off, p, s);
            off++;
        }
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.violations, 0);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_offset_mismatch)
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    sk_vledger_acked(l, 0, 0, 0, 10, -1);
    sk_vledger_acked(l, 0, 1, 0, 11, -1);
    sk_vledger_start(l, 0, 10);
    consume(l, 0, 10, 0, 0);
    consume(l, 0, 12, 0, 1); /* acknowledged at 11, found at 12 */
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    zero_except(&r, SK_VV_OFFSET_MISMATCH, 1);
    const sk_vviol_t *v = first_example(&r, SK_VV_OFFSET_MISMATCH);
    ck_assert_int_eq(v->offset, 11);
    ck_assert_int_eq(v->offset2, 12);
    ck_assert_int_eq(v->partition2, 0);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_checksum)
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    sk_vledger_acked(l, 0, 0, 0, 0, -1);
    sk_vledger_acked(l, 0, 1, 0, 1, -1);
    char buf[SIZE];
    consume(l, 0, 0, 0, 0);
    payload(buf, RUN, 0, 1);
    buf[70] = buf[70] == 'x' ? 'y' : 'x';
    ck_assert_int_eq(sk_vledger_consumed(l, 0, 1, buf, SIZE, -1), SK_VKIND_BADSUM);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.count[SK_VV_CHECKSUM], 1);
    /* the corrupted record is not there as itself */
    ck_assert_int_eq(r.count[SK_VV_LOST], 1);
    ck_assert_int_eq(r.violations, 2);
    const sk_vviol_t *v = first_example(&r, SK_VV_CHECKSUM);
    ck_assert_int_eq(v->offset, 1);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_skipped_gaps)
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    char buf[SIZE];
    /* offsets 0-2 and 5-6 received, 3-4 never; committed 7: skipped 2 */
    int64_t got[] = {0, 1, 2, 5, 6};
    for (size_t i = 0; i < 5; i++)
        sk_vledger_consumed(l, 0, got[i], "foreign record", 14, -1);
    sk_vledger_start(l, 0, 0);
    sk_vledger_committed(l, 0, 3);
    sk_vledger_committed(l, 0, 7);
    sk_vledger_committed(l, 0, 6); /* never goes back */
    /* partition 1: a gap the group did not commit past is not counted */
    sk_vledger_consumed(l, 1, 0, payload(buf, 99, 0, 0), SIZE, -1);
    sk_vledger_consumed(l, 1, 4, payload(buf, 99, 0, 1), SIZE, -1);
    sk_vledger_committed(l, 1, 1);
    /* partition 2: started at 10, committed 15 with nothing received */
    sk_vledger_start(l, 2, 10);
    sk_vledger_committed(l, 2, 15);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.count[SK_VV_SKIPPED], 2 + 5);
    ck_assert_int_eq(r.skipped_ranges, 2);
    ck_assert_int_eq(r.violations, 7);
    ck_assert_int_eq(r.malformed, 5);
    ck_assert_int_eq(r.foreign, 2);
    const sk_vviol_t *v = first_example(&r, SK_VV_SKIPPED);
    ck_assert_int_eq(v->partition, 0);
    ck_assert_int_eq(v->offset, 3);
    ck_assert_int_eq(v->offset2, 5);
    ck_assert_int_eq(r.examples[1].partition, 2);
    ck_assert_int_eq(r.examples[1].offset, 10);
    ck_assert_int_eq(r.examples[1].offset2, 15);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_conflict_and_redelivery)
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    for (int64_t s = 0; s < 3; s++)
        sk_vledger_acked(l, 0, s, 0, s, -1);
    for (int64_t s = 0; s < 3; s++)
        consume(l, 0, s, 0, s);
    /* a rebalance: offsets 1 and 2 delivered again, the same records */
    consume(l, 0, 1, 0, 1);
    consume(l, 0, 2, 0, 2);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.violations, 0);
    ck_assert_int_eq(r.redelivered, 2);
    ck_assert_int_eq(r.deliveries, 5);
    ck_assert_int_eq(r.offsets, 3);
    sk_vreport_free(&r);
    /* offset 2 now delivered holding something else */
    sk_vledger_consumed(l, 0, 2, "something else", 14, -1);
    sk_vledger_analyze(l, &r);
    zero_except(&r, SK_VV_CONFLICT, 1);
    ck_assert_int_eq(first_example(&r, SK_VV_CONFLICT)->offset, 2);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_foreign_malformed_unknown)
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    char buf[SIZE];
    sk_vledger_acked(l, 0, 0, 0, 0, -1);
    sk_vledger_failed(l, 0, 1);
    sk_vledger_sent(l, 0, 2);
    consume(l, 0, 0, 0, 0);
    /* a failed delivery that was written after all: not a violation */
    ck_assert_int_eq(consume(l, 0, 1, 0, 1), SK_VKIND_OURS);
    ck_assert_int_eq(sk_vledger_consumed(l, 0, 2, payload(buf, RUN + 1, 0, 0), SIZE, -1),
                     SK_VKIND_FOREIGN);
    ck_assert_int_eq(sk_vledger_consumed(l, 0, 3, NULL, 0, -1), SK_VKIND_MALFORMED);
    ck_assert_int_eq(sk_vledger_consumed(l, 0, 4, "x", 1, -1), SK_VKIND_MALFORMED);
    /* this run's id, a producer or seq the ledger never heard of */
    ck_assert_int_eq(sk_vledger_consumed(l, 0, 5, payload(buf, RUN, 7, 0), SIZE, -1),
                     SK_VKIND_UNKNOWN);
    ck_assert_int_eq(sk_vledger_consumed(l, 0, 6, payload(buf, RUN, 0, 500), SIZE, -1),
                     SK_VKIND_UNKNOWN);
    ck_assert_int_eq(sk_vledger_consumed(l, -1, 7, "x", 1, -1), SK_EINVAL);
    ck_assert_int_eq(sk_vledger_consumed(l, 0, -7, "x", 1, -1), SK_EINVAL);
    ck_assert_int_eq(sk_vledger_consumed(l, SK_VLEDGER_MAX_PARTITIONS, 0, "x", 1, -1),
                     SK_EINVAL);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.violations, 0);
    ck_assert_int_eq(r.foreign, 1);
    ck_assert_int_eq(r.malformed, 2);
    ck_assert_int_eq(r.unacked_seen, 3);
    ck_assert_int_eq(r.sent, 3);
    ck_assert_int_eq(r.acked, 1);
    ck_assert_int_eq(r.failed, 1);
    ck_assert_int_eq(r.unresolved, 1);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_bounds)
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    ck_assert_int_eq(sk_vledger_sent(l, -1, 0), SK_EINVAL);
    ck_assert_int_eq(sk_vledger_sent(l, SK_VLEDGER_MAX_PRODUCERS, 0), SK_EINVAL);
    ck_assert_int_eq(sk_vledger_sent(l, 0, -1), SK_EINVAL);
    ck_assert_int_eq(sk_vledger_sent(l, 0, SK_VLEDGER_MAX_AHEAD), SK_EINVAL);
    ck_assert_int_eq(sk_vledger_sent(l, 0, SK_VLEDGER_MAX_AHEAD - 1), SK_OK);
    ck_assert_int_eq(sk_vledger_sent_upto(l, 0, 2 * (int64_t)SK_VLEDGER_MAX_AHEAD + 1),
                     SK_EINVAL);
    ck_assert_int_eq(sk_vledger_sent_upto(l, 0, 10), SK_OK);
    ck_assert_int_eq(sk_vledger_sent_upto(l, 0, 5), SK_OK);
    ck_assert_int_eq(sk_vledger_acked(l, 0, 0, -1, 0, -1), SK_EINVAL);
    ck_assert_int_eq(sk_vledger_acked(l, 0, 0, 0, -1, -1), SK_EINVAL);
    ck_assert_int_eq(sk_vledger_acked(l, 0, 0, 0, 5, -1), SK_OK);
    ck_assert_int_eq(sk_vledger_acked(l, 0, 0, 0, 5, -1), SK_OK);
    ck_assert_int_eq(sk_vledger_acked(l, 0, 0, 0, 6, -1), SK_EEXIST);
    ck_assert_int_eq(sk_vledger_failed(l, 0, 0), SK_EEXIST);
    ck_assert_int_eq(sk_vledger_failed(l, 0, 1), SK_OK);
    ck_assert_int_eq(sk_vledger_acked(l, 0, 1, 0, 6, -1), SK_EEXIST);
    ck_assert_int_eq(sk_vledger_start(l, 0, -1), SK_EINVAL);
    ck_assert_int_eq(sk_vledger_committed(l, -1, 0), SK_EINVAL);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.sent, 11);
    ck_assert_int_eq(r.acked, 1);
    ck_assert_int_eq(r.failed, 1);
    ck_assert_int_eq(r.unresolved, 9);
    ck_assert_int_eq(r.count[SK_VV_LOST], 1);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_e2e_latency)
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    char buf[SIZE];
    sk_vledger_acked(l, 0, 0, 0, 0, 2000);
    /* ts_us of seq 0 is 1000000; consumed 5 ms later, then redelivered */
    sk_vledger_consumed(l, 0, 0, payload(buf, RUN, 0, 0), SIZE, 1005000);
    sk_vledger_consumed(l, 0, 0, payload(buf, RUN, 0, 0), SIZE, 9000000);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.e2e_lat.count, 1);
    ck_assert_double_eq_tol(r.e2e_lat.max_ms, 5.0, 1e-9);
    ck_assert_double_eq_tol(r.produce_lat.p50_ms, 2.0, 1e-9);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_examples_capped)
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    for (int64_t s = 0; s < 100; s++)
        sk_vledger_acked(l, 0, s, 0, s, -1);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.count[SK_VV_LOST], 100);
    ck_assert_int_eq(r.n_examples, SK_VREPORT_EXAMPLES);
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

/* ---- state file ------------------------------------------------------- */

static char *state_text(size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    int64_t start[3] = {0, 7, -1};
    ck_assert_int_eq(sk_vstate_write_header(f, RUN, "verify-t", 2, start, 3), SK_OK);
    sk_vstate_write_sent(f, 0, 3);
    sk_vstate_write_sent(f, 1, 1);
    sk_vstate_write_ack(f, 0, 0, 0, 0, 1500);
    sk_vstate_write_ack(f, 0, 1, 1, 7, -1);
    sk_vstate_write_failed(f, 0, 2);
    sk_vstate_write_ack(f, 1, 0, 0, 1, 2500);
    char err[128];
    ck_assert_int_eq(sk_vstate_finish(f, err, sizeof(err)), SK_OK);
    fclose(f);
    return buf;
}

START_TEST(test_state_roundtrip)
{
    size_t len;
    char *text = state_text(&len);
    sk_vstate_t st;
    sk_vledger_t *l = NULL;
    char err[256];
    ck_assert_int_eq(sk_vstate_parse(text, len, &st, &l, err, sizeof(err)), SK_OK);
    ck_assert(st.run == RUN);
    ck_assert_str_eq(st.topic, "verify-t");
    ck_assert_int_eq(st.producers, 2);
    ck_assert_int_eq(st.n_start, 2);
    ck_assert_int_eq(st.start[0], 0);
    ck_assert_int_eq(st.start[1], 7);
    ck_assert(st.complete && !st.truncated);
    ck_assert(sk_vledger_run(l) == RUN);
    consume(l, 0, 0, 0, 0);
    consume(l, 1, 7, 0, 1);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.sent, 4);
    ck_assert_int_eq(r.acked, 3);
    ck_assert_int_eq(r.failed, 1);
    ck_assert_int_eq(r.produce_lat.count, 2);
    zero_except(&r, SK_VV_LOST, 1);
    ck_assert_int_eq(first_example(&r, SK_VV_LOST)->producer, 1);
    sk_vreport_free(&r);
    sk_vledger_free(l);
    sk_vstate_free(&st);

    /* cut in the middle of the last line: a crashed writer */
    size_t cut = len - 7; /* inside "a 1 0 0 1 2500\nend\n" */
    ck_assert_int_eq(sk_vstate_parse(text, cut, &st, &l, err, sizeof(err)), SK_OK);
    ck_assert(st.truncated && !st.complete);
    sk_vledger_analyze(l, &r);
    ck_assert_int_eq(r.acked, 2);
    sk_vreport_free(&r);
    sk_vledger_free(l);
    sk_vstate_free(&st);
    free(text);
}
END_TEST

START_TEST(test_state_malformed)
{
    static const char hdr[] = "skein-verify-state 1\nrun 0123456789abcdef\ntopic t\nproducers 2\n";
    static const struct {
        const char *text;
        const char *err;
    } cases[] = {
        {"", "line 1: the header is incomplete"},
        {"hello\n", "line 1: not a skein-verify state file"},
        {"skein-verify-state 2\n", "line 1: not a skein-verify state file"},
        {"skein-verify-state 1\nrun 0123\n", "line 2: expected 'run"},
        {"skein-verify-state 1\nrun 0123456789ABCDEF\n", "line 2: expected 'run"},
        {"skein-verify-state 1\nrun 0123456789abcdef\ntopic a/b\n", "line 3: expected 'topic"},
        {"skein-verify-state 1\nrun 0123456789abcdef\ntopic t\nproducers 0\n",
         "line 4: expected 'producers"},
        {"skein-verify-state 1\nrun 0123456789abcdef\ntopic t\nproducers 1001\n",
         "line 4: expected 'producers"},
        {"skein-verify-state 1\nrun 0123456789abcdef\ntopic t\n", "line 4: the header"},
        {"skein-verify-state 1\nrun 0123456789abcdef\ntopic  t\n", "line 3: malformed line"},
        {"skein-verify-state 1\n\n", "line 2: malformed line"},
    };
    static const struct {
        const char *body;
        const char *err;
    } bodies[] = {
        {"a 0 0 0 0\n", "line 5: expected 'a"},
        {"a 2 0 0 0 1\n", "line 5: expected 'a"},
        {"a 0 -1 0 0 1\n", "line 5: expected 'a"},
        {"a 0 0 0 0 -2\n", "line 5: expected 'a"},
        {"a 0 0 65536 0 1\n", "line 5: expected 'a"},
        {"a 0 0 0 0 1x\n", "line 5: expected 'a"},
        {"a 0 99999999999999999999 0 0 1\n", "line 5: expected 'a"},
        {"a 0 0 0 0 1 7\n", "line 5: malformed line"},
        {"a 0 0 0 0 1\na 0 0 0 1 1\n", "line 6: record acknowledged twice"},
        {"a 0 0 0 0 1\nf 0 0\n", "line 6: record failed after"},
        {"f 0 0\na 0 0 0 0 1\n", "line 6: record acknowledged twice or after failing"},
        {"a 0 5000000 0 0 1\n", "line 5: sequence number out of range"},
        {"sent 0 99999999999\n", "line 5: sent count out of range"},
        {"sent 0\n", "line 5: expected 'sent"},
        {"f x 0\n", "line 5: expected 'f"},
        {"start 0\n", "line 5: expected 'start"},
        {"start 65536 0\n", "line 5: expected 'start"},
        {"b 1 2\n", "line 5: unknown line"},
        {"end\nend\n", "line 6: text after 'end'"},
        {"end 1\n", "line 5: expected 'end'"},
        {"a 0 0 0  0 1\n", "line 5: malformed line"},
        {" a\n", "line 5: malformed line"},
        {"a 0 0 0 0 1 \n", "line 5: malformed line"},
        {"a 0 0 0 0\0 1\n", "line 5: malformed line"},
    };
    sk_vstate_t st;
    sk_vledger_t *l = (sk_vledger_t *)1;
    char err[256];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = sk_vstate_parse(cases[i].text, strlen(cases[i].text), &st, &l, err, sizeof(err));
        ck_assert_msg(rc == SK_EPARSE, "case %zu accepted", i);
        ck_assert_msg(strncmp(err, cases[i].err, strlen(cases[i].err)) == 0, "case %zu: %s", i,
                      err);
        ck_assert_ptr_null(l);
        ck_assert_ptr_null(st.topic);
    }
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        char text[512];
        size_t hl = strlen(hdr);
        memcpy(text, hdr, hl);
        /* bodies may hold a NUL: copy up to the final newline */
        const char *b = bodies[i].body;
        size_t bl = strlen(b);
        if (bl > 0 && b[bl - 1] != '\n')
            bl += 1 + strlen(b + bl + 1);
        memcpy(text + hl, b, bl);
        int rc = sk_vstate_parse(text, hl + bl, &st, &l, err, sizeof(err));
        ck_assert_msg(rc == SK_EPARSE, "body %zu accepted", i);
        ck_assert_msg(strncmp(err, bodies[i].err, strlen(bodies[i].err)) == 0, "body %zu: %s",
                      i, err);
        ck_assert_ptr_null(l);
    }
    /* a missing file */
    ck_assert_int_eq(sk_vstate_load("/nonexistent/state", &st, &l, err, sizeof(err)), SK_EIO);
    ck_assert(strstr(err, "/nonexistent/state") != NULL);
}
END_TEST

/* ---- report ----------------------------------------------------------- */

START_TEST(test_report_json_and_text)
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    for (int64_t s = 0; s < 3; s++)
        sk_vledger_acked(l, 0, s, 0, s, 1000);
    consume(l, 0, 0, 0, 0);
    consume(l, 0, 1, 0, 1);
    sk_vledger_committed(l, 0, 2);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    sk_vreport_meta_t m = {.topic = "vt", .group = "g1", .run = RUN, .produced = 1,
                           .consumed = 1, .drained = 1, .elapsed_ms = 1500, .ack_gap_ms = 2500};
    ck_assert(!sk_vreport_clean(&r, &m));
    char *js = sk_vreport_json(&r, &m);
    json_error_t je;
    json_t *o = json_loads(js, 0, &je);
    ck_assert_msg(o != NULL, "%s", je.text);
    ck_assert_str_eq(json_string_value(json_object_get(o, "topic")), "vt");
    ck_assert_str_eq(json_string_value(json_object_get(o, "run")), "0123456789abcdef");
    ck_assert_str_eq(json_string_value(json_object_get(o, "mode")), "produce-consume");
    ck_assert_int_eq(json_integer_value(json_object_get(o, "longest_ack_gap_ms")), 2500);
    ck_assert(json_is_false(json_object_get(o, "clean")));
    json_t *v = json_object_get(o, "violations");
    ck_assert_int_eq(json_integer_value(json_object_get(v, "lost")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(v, "duplicated")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(v, "total")), 1);
    json_t *ex = json_array_get(json_object_get(o, "examples"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(ex, "kind")), "lost");
    ck_assert_int_eq(json_integer_value(json_object_get(ex, "seq")), 2);
    ck_assert_ptr_null(json_object_get(ex, "seq2"));
    json_t *lat = json_object_get(json_object_get(o, "latency_ms"), "produce");
    ck_assert_int_eq(json_integer_value(json_object_get(lat, "count")), 3);
    ck_assert(json_real_value(json_object_get(lat, "p99")) == 1.0);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_array_get(json_object_get(o, "partitions"), 0), "committed")),
                     2);
    json_decref(o);
    free(js);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sk_vreport_print(f, &r, &m);
    fclose(f);
    ck_assert(strstr(text, "lost:                1\n") != NULL);
    ck_assert(strstr(text, "producer 0 seq 2 acknowledged at vt-0@2, never consumed") != NULL);
    ck_assert(strstr(text, "RESULT: 1 VIOLATIONS\n") != NULL);
    ck_assert(strstr(text, "longest stall:       2.5 s without an acknowledgement\n") != NULL);
    free(text);

    /* produce only: no violations section, clean without fatal errors */
    m.consumed = 0;
    m.group = NULL;
    ck_assert(sk_vreport_clean(&r, &m));
    js = sk_vreport_json(&r, &m);
    o = json_loads(js, 0, &je);
    ck_assert(json_is_null(json_object_get(o, "violations")));
    ck_assert_str_eq(json_string_value(json_object_get(o, "mode")), "produce-only");
    ck_assert(json_is_true(json_object_get(o, "clean")));
    json_decref(o);
    free(js);
    m.producer_errors = 1;
    ck_assert(!sk_vreport_clean(&r, &m));
    m.producer_errors = 0;
    m.incomplete = "interrupted";
    ck_assert(!sk_vreport_clean(&r, &m));
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

START_TEST(test_report_clean_text)
{
    sk_vledger_t *l = sk_vledger_new(RUN);
    sk_vledger_acked(l, 0, 0, 0, 0, 1000);
    consume(l, 0, 0, 0, 0);
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    sk_vreport_meta_t m = {.topic = "vt", .group = "g1", .run = RUN, .produced = 1,
                           .consumed = 1, .drained = 1};
    ck_assert(sk_vreport_clean(&r, &m));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sk_vreport_print(f, &r, &m);
    fclose(f);
    ck_assert(strstr(text, "RESULT: CLEAN\n") != NULL);
    free(text);
    /* not caught up: not clean */
    m.drained = 0;
    ck_assert(!sk_vreport_clean(&r, &m));
    sk_vreport_free(&r);
    sk_vledger_free(l);
}
END_TEST

static Suite *verify_suite(void)
{
    Suite *s = suite_create("verify");
    TCase *tc = tcase_create("record");
    tcase_add_test(tc, test_record_roundtrip);
    tcase_add_test(tc, test_record_encode_refuses);
    tcase_add_test(tc, test_record_malformed);
    tcase_add_test(tc, test_record_badsum);
    suite_add_tcase(s, tc);
    tc = tcase_create("ledger");
    tcase_add_test(tc, test_clean);
    tcase_add_test(tc, test_lost);
    tcase_add_test(tc, test_lost_in_the_middle_is_also_skipped);
    tcase_add_test(tc, test_duplicated);
    tcase_add_test(tc, test_reordered);
    tcase_add_test(tc, test_producers_interleave_is_not_reorder);
    tcase_add_test(tc, test_offset_mismatch);
    tcase_add_test(tc, test_checksum);
    tcase_add_test(tc, test_skipped_gaps);
    tcase_add_test(tc, test_conflict_and_redelivery);
    tcase_add_test(tc, test_foreign_malformed_unknown);
    tcase_add_test(tc, test_bounds);
    tcase_add_test(tc, test_e2e_latency);
    tcase_add_test(tc, test_examples_capped);
    suite_add_tcase(s, tc);
    tc = tcase_create("state");
    tcase_add_test(tc, test_state_roundtrip);
    tcase_add_test(tc, test_state_malformed);
    suite_add_tcase(s, tc);
    tc = tcase_create("report");
    tcase_add_test(tc, test_report_json_and_text);
    tcase_add_test(tc, test_report_clean_text);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(verify_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
