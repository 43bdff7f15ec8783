/* check_proto_real.c - decode request frames captured from real clients.
 *
 * The frames under tests/unit/data/ were recorded by capture_stub.py (see
 * capture.sh there) from kcat 1.7.1 / librdkafka 2.0.2, confluent-kafka
 * 1.7.0 and kafka-python 2.0.2. Each file holds one request frame without
 * its 4-byte size: request header and body. Decoding them with our header
 * and body decoders, and finding the values the clients were asked to send,
 * is what shows the codec agrees with real clients (not just with itself).
 */
#include "apis.h"
#include "arena.h"
#include "crc32c.h"
#include "kerr.h"
#include "proto_all.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SK_TEST_DATA_DIR
#define SK_TEST_DATA_DIR "tests/unit/data"
#endif

typedef struct frame {
    uint8_t *buf;
    size_t len;
    sk_rd_t r;          /* positioned at the body after load_frame() */
    sk_req_hdr_t hdr;
    sk_arena_t *arena;
} frame_t;

static void load_frame(frame_t *f, const char *name, int16_t key, int16_t ver,
                       const char *client_id)
{
    const char *dir = getenv("SK_TEST_DATA_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : SK_TEST_DATA_DIR, name);
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s (set SK_TEST_DATA_DIR)", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    ck_assert_int_gt(n, 0);
    f->buf = malloc((size_t)n);
    f->len = fread(f->buf, 1, (size_t)n, fp);
    fclose(fp);
    ck_assert_uint_eq(f->len, (size_t)n);
    f->arena = sk_arena_new(0);
    sk_rd_init(&f->r, f->buf, f->len);
    ck_assert_int_eq(sk_req_hdr_decode(&f->r, &f->hdr), SK_OK);
    ck_assert_int_eq(f->hdr.RequestApiKey, key);
    ck_assert_int_eq(f->hdr.RequestApiVersion, ver);
    ck_assert_msg(sk_str_eq(f->hdr.ClientId, client_id), "%s: client id '%.*s'", name,
                  f->hdr.ClientId.len, f->hdr.ClientId.p);
    ck_assert_int_eq(f->hdr.HeaderVersion, sk_api_flexible(key, ver) ? 2 : 1);
    ck_assert_msg(sk_api_supported(key, ver), "%s: v%d not in our range", name, ver);
}

/* After the body decoder: everything consumed; every truncation fails. */
typedef int (*body_fn)(sk_rd_t *r, int16_t v, sk_arena_t *a, void *out);

static void finish_frame(frame_t *f, body_fn fn, size_t outsz)
{
    ck_assert_uint_eq(sk_rd_remaining(&f->r), 0);
    /* Find the body start by decoding the header again. */
    sk_rd_t r;
    sk_req_hdr_t h;
    sk_rd_init(&r, f->buf, f->len);
    ck_assert_int_eq(sk_req_hdr_decode(&r, &h), SK_OK);
    size_t off = (size_t)(r.p - f->buf);
    for (size_t cut = off; cut < f->len; cut++) {
        uint8_t *copy = malloc(cut - off + 1);
        memcpy(copy, f->buf + off, cut - off);
        void *out = calloc(1, outsz);
        sk_arena_t *a = sk_arena_new(0);
        sk_rd_t t;
        sk_rd_init(&t, copy, cut - off);
        ck_assert_int_eq(fn(&t, h.RequestApiVersion, a, out), SK_EPARSE);
        sk_arena_free(a);
        free(out);
        free(copy);
    }
    sk_arena_free(f->arena);
    free(f->buf);
}

#define BODY_WRAP(name, type)                                                \
    static int body_##name(sk_rd_t *r, int16_t v, sk_arena_t *a, void *out)  \
    {                                                                        \
        return sk_##name##_decode(r, v, a, (type *)out);                     \
    }
BODY_WRAP(apiversions_req, sk_apiversions_req_t)
BODY_WRAP(metadata_req, sk_metadata_req_t)
BODY_WRAP(produce_req, sk_produce_req_t)
BODY_WRAP(listoffsets_req, sk_listoffsets_req_t)
BODY_WRAP(fetch_req, sk_fetch_req_t)
BODY_WRAP(createtopics_req, sk_createtopics_req_t)

/* Checks a v2 record batch holding one record with the given key, value and
 * one header, laid out by hand from the RecordBatch v2 format. */
static void check_one_record_batch(sk_str_t recs, const char *key, const char *value,
                                   const char *hkey, const char *hval)
{
    const uint8_t *b = (const uint8_t *)recs.p;
    ck_assert_int_ge(recs.len, 61);
    int32_t batch_len = (int32_t)sk_be32(b + 8);
    ck_assert_int_eq(batch_len + 12, recs.len);         /* one whole batch */
    ck_assert_int_eq(b[16], 2);                         /* magic */
    uint32_t crc = sk_be32(b + 17);
    ck_assert_uint_eq(sk_crc32c(0, b + 21, (size_t)recs.len - 21), crc);
    ck_assert_int_eq((int32_t)sk_be32(b + 23), 0);      /* lastOffsetDelta */
    ck_assert_int_eq((int32_t)sk_be32(b + 57), 1);      /* record count */
    /* record: length, attributes, timestampDelta, offsetDelta (all 1 byte
     * varints here), key, value, headers */
    const uint8_t *p = b + 61;
    ck_assert_int_eq(p[0] / 2, recs.len - 61 - 1);      /* zig-zag length */
    ck_assert_int_eq(p[1], 0);
    ck_assert_int_eq(p[3], 0);                          /* offsetDelta 0 */
    p += 4;
    ck_assert_int_eq(p[0] / 2, (int)strlen(key));
    ck_assert_mem_eq(p + 1, key, strlen(key));
    p += 1 + strlen(key);
    ck_assert_int_eq(p[0] / 2, (int)strlen(value));
    ck_assert_mem_eq(p + 1, value, strlen(value));
    p += 1 + strlen(value);
    ck_assert_int_eq(p[0] / 2, 1);                      /* one header */
    p++;
    ck_assert_int_eq(p[0] / 2, (int)strlen(hkey));
    ck_assert_mem_eq(p + 1, hkey, strlen(hkey));
    p += 1 + strlen(hkey);
    ck_assert_int_eq(p[0] / 2, (int)strlen(hval));
    ck_assert_mem_eq(p + 1, hval, strlen(hval));
    p += 1 + strlen(hval);
    ck_assert_ptr_eq(p, b + recs.len);
}

/* ---------- librdkafka (kcat, confluent-kafka) ---------- */

START_TEST(test_rdkafka_apiversions_v3)
{
    frame_t f;
    load_frame(&f, "rdkafka_apiversions_v3.bin", SK_API_API_VERSIONS, 3, "rdkafka");
    ck_assert_int_eq(f.hdr.CorrelationId, 1);
    sk_apiversions_req_t req;
    ck_assert_int_eq(sk_apiversions_req_decode(&f.r, 3, f.arena, &req), SK_OK);
    ck_assert(sk_str_eq(req.ClientSoftwareName, "librdkafka"));
    ck_assert(sk_str_eq(req.ClientSoftwareVersion, "2.0.2"));
    finish_frame(&f, body_apiversions_req, sizeof(req));
}
END_TEST

START_TEST(test_rdkafka_metadata_v4)
{
    frame_t f;
    sk_metadata_req_t req;
    /* first Metadata on a connection: empty list, no auto-creation */
    load_frame(&f, "rdkafka_metadata_v4_empty.bin", SK_API_METADATA, 4, "rdkafka");
    ck_assert_int_eq(sk_metadata_req_decode(&f.r, 4, f.arena, &req), SK_OK);
    ck_assert_int_eq(req.TopicsCnt, 0);
    ck_assert(!sk_metadata_req_all_topics(4, &req));
    ck_assert(!req.AllowAutoTopicCreation);
    finish_frame(&f, body_metadata_req, sizeof(req));
    /* kcat -L: all topics (null), auto-creation allowed */
    load_frame(&f, "rdkafka_metadata_v4_all.bin", SK_API_METADATA, 4, "rdkafka");
    ck_assert_int_eq(sk_metadata_req_decode(&f.r, 4, f.arena, &req), SK_OK);
    ck_assert_int_eq(req.TopicsCnt, -1);
    ck_assert(sk_metadata_req_all_topics(4, &req));
    ck_assert(req.AllowAutoTopicCreation);
    finish_frame(&f, body_metadata_req, sizeof(req));
}
END_TEST

START_TEST(test_rdkafka_produce_v7)
{
    frame_t f;
    load_frame(&f, "rdkafka_produce_v7.bin", SK_API_PRODUCE, 7, "rdkafka");
    sk_produce_req_t req;
    ck_assert_int_eq(sk_produce_req_decode(&f.r, 7, f.arena, &req), SK_OK);
    ck_assert_int_eq(req.TransactionalId.len, -1);
    ck_assert_int_eq(req.Acks, -1);
    ck_assert_int_eq(req.TimeoutMs, 30000);
    ck_assert_int_eq(req.TopicDataCnt, 1);
    ck_assert(sk_str_eq(req.TopicData[0].Name, "t"));
    ck_assert_int_eq(req.TopicData[0].PartitionDataCnt, 1);
    ck_assert_int_eq(req.TopicData[0].PartitionData[0].Index, 0);
    sk_str_t recs = req.TopicData[0].PartitionData[0].Records;
    /* a view that ends exactly at the end of the frame */
    ck_assert_ptr_eq(recs.p + recs.len, (const char *)f.buf + f.len);
    check_one_record_batch(recs, "key1", "hello-skein", "hk", "hv");
    finish_frame(&f, body_produce_req, sizeof(req));
}
END_TEST

START_TEST(test_rdkafka_listoffsets_v2)
{
    frame_t f;
    load_frame(&f, "rdkafka_listoffsets_v2.bin", SK_API_LIST_OFFSETS, 2, "rdkafka");
    sk_listoffsets_req_t req;
    ck_assert_int_eq(sk_listoffsets_req_decode(&f.r, 2, f.arena, &req), SK_OK);
    ck_assert_int_eq(req.ReplicaId, -1);
    ck_assert_int_eq(req.IsolationLevel, 1); /* read_committed by default */
    ck_assert_int_eq(req.TopicsCnt, 1);
    ck_assert(sk_str_eq(req.Topics[0].Name, "t"));
    ck_assert_int_eq(req.Topics[0].PartitionsCnt, 1);
    ck_assert_int_eq(req.Topics[0].Partitions[0].PartitionIndex, 0);
    ck_assert(req.Topics[0].Partitions[0].Timestamp == SK_LISTOFFSETS_EARLIEST); /* -o beginning */
    finish_frame(&f, body_listoffsets_req, sizeof(req));
}
END_TEST

START_TEST(test_rdkafka_fetch_v11)
{
    frame_t f;
    load_frame(&f, "rdkafka_fetch_v11.bin", SK_API_FETCH, 11, "rdkafka");
    sk_fetch_req_t req;
    ck_assert_int_eq(sk_fetch_req_decode(&f.r, 11, f.arena, &req), SK_OK);
    ck_assert_int_eq(req.ReplicaId, -1);
    ck_assert_int_eq(req.MaxWaitMs, 500);
    ck_assert_int_eq(req.MinBytes, 1);
    ck_assert_int_eq(req.MaxBytes, 52428800);
    ck_assert_int_eq(req.IsolationLevel, 1);
    ck_assert_int_eq(req.SessionId, 0);
    ck_assert_int_eq(req.SessionEpoch, -1);
    ck_assert_int_eq(req.TopicsCnt, 1);
    ck_assert(sk_str_eq(req.Topics[0].Topic, "t"));
    ck_assert_int_eq(req.Topics[0].PartitionsCnt, 1);
    const sk_fetch_req_partition_t *p = &req.Topics[0].Partitions[0];
    ck_assert_int_eq(p->Partition, 0);
    ck_assert_int_eq(p->CurrentLeaderEpoch, -1);
    ck_assert(p->FetchOffset == 0);
    ck_assert(p->LogStartOffset == -1);
    ck_assert_int_eq(p->PartitionMaxBytes, 1048576);
    ck_assert_int_eq(req.ForgottenTopicsDataCnt, 0);
    ck_assert(sk_str_eq(req.RackId, ""));
    finish_frame(&f, body_fetch_req, sizeof(req));
}
END_TEST

START_TEST(test_rdkafka_createtopics_v4)
{
    /* confluent-kafka AdminClient.create_topics(NewTopic('newc', 2, 1,
     * config={'retention.ms': '1000'}), validate_only=True) */
    frame_t f;
    load_frame(&f, "rdkafka_createtopics_v4.bin", SK_API_CREATE_TOPICS, 4, "rdkafka");
    sk_createtopics_req_t req;
    ck_assert_int_eq(sk_createtopics_req_decode(&f.r, 4, f.arena, &req), SK_OK);
    ck_assert_int_eq(req.TopicsCnt, 1);
    ck_assert(sk_str_eq(req.Topics[0].Name, "newc"));
    ck_assert_int_eq(req.Topics[0].NumPartitions, 2);
    ck_assert_int_eq(req.Topics[0].ReplicationFactor, 1);
    ck_assert_int_eq(req.Topics[0].AssignmentsCnt, 0);
    ck_assert_int_eq(req.Topics[0].ConfigsCnt, 1);
    ck_assert(sk_str_eq(req.Topics[0].Configs[0].Name, "retention.ms"));
    ck_assert(sk_str_eq(req.Topics[0].Configs[0].Value, "1000"));
    ck_assert_int_eq(req.timeoutMs, 60000);
    ck_assert_int_eq(req.validateOnly, 1);
    finish_frame(&f, body_createtopics_req, sizeof(req));
}
END_TEST

/* ---------- kafka-python ---------- */

START_TEST(test_kpy_bootstrap)
{
    frame_t f;
    load_frame(&f, "kpy_apiversions_v0.bin", SK_API_API_VERSIONS, 0, "kafka-python-producer-1");
    sk_apiversions_req_t av;
    ck_assert_int_eq(sk_apiversions_req_decode(&f.r, 0, f.arena, &av), SK_OK);
    ck_assert_int_eq(av.ClientSoftwareName.len, 0); /* not in v0: the default "" */
    finish_frame(&f, body_apiversions_req, sizeof(av));

    sk_metadata_req_t req;
    load_frame(&f, "kpy_metadata_v0.bin", SK_API_METADATA, 0, "kafka-python-producer-1");
    ck_assert_int_eq(sk_metadata_req_decode(&f.r, 0, f.arena, &req), SK_OK);
    ck_assert_int_eq(req.TopicsCnt, 0);
    ck_assert(sk_metadata_req_all_topics(0, &req)); /* v0: empty = all */
    finish_frame(&f, body_metadata_req, sizeof(req));

    load_frame(&f, "kpy_metadata_v1.bin", SK_API_METADATA, 1, "kafka-python-producer-1");
    ck_assert_int_eq(sk_metadata_req_decode(&f.r, 1, f.arena, &req), SK_OK);
    ck_assert_int_eq(req.TopicsCnt, -1);
    ck_assert(sk_metadata_req_all_topics(1, &req));
    finish_frame(&f, body_metadata_req, sizeof(req));

    load_frame(&f, "kpy_metadata_v5.bin", SK_API_METADATA, 5, "kafka-python-2.0.2");
    ck_assert_int_eq(sk_metadata_req_decode(&f.r, 5, f.arena, &req), SK_OK);
    ck_assert(sk_metadata_req_all_topics(5, &req));
    ck_assert(!req.AllowAutoTopicCreation);
    finish_frame(&f, body_metadata_req, sizeof(req));
}
END_TEST

START_TEST(test_kpy_produce_v7)
{
    frame_t f;
    load_frame(&f, "kpy_produce_v7.bin", SK_API_PRODUCE, 7, "kafka-python-producer-1");
    sk_produce_req_t req;
    ck_assert_int_eq(sk_produce_req_decode(&f.r, 7, f.arena, &req), SK_OK);
    ck_assert_int_eq(req.TransactionalId.len, -1);
    ck_assert_int_eq(req.Acks, 1); /* kafka-python's default */
    ck_assert_int_eq(req.TimeoutMs, 30000);
    ck_assert_int_eq(req.TopicDataCnt, 1);
    ck_assert(sk_str_eq(req.TopicData[0].Name, "t"));
    ck_assert_int_eq(req.TopicData[0].PartitionDataCnt, 1);
    check_one_record_batch(req.TopicData[0].PartitionData[0].Records, "kpk", "kpv", "kh", "khv");
    finish_frame(&f, body_produce_req, sizeof(req));
}
END_TEST

START_TEST(test_kpy_consumer)
{
    frame_t f;
    sk_listoffsets_req_t lo;
    load_frame(&f, "kpy_listoffsets_v1.bin", SK_API_LIST_OFFSETS, 1, "kafka-python-2.0.2");
    ck_assert_int_eq(sk_listoffsets_req_decode(&f.r, 1, f.arena, &lo), SK_OK);
    ck_assert_int_eq(lo.ReplicaId, -1);
    ck_assert_int_eq(lo.IsolationLevel, 0);
    ck_assert(sk_str_eq(lo.Topics[0].Name, "t"));
    ck_assert(lo.Topics[0].Partitions[0].Timestamp == SK_LISTOFFSETS_EARLIEST);
    finish_frame(&f, body_listoffsets_req, sizeof(lo));

    sk_fetch_req_t req;
    load_frame(&f, "kpy_fetch_v4.bin", SK_API_FETCH, 4, "kafka-python-2.0.2");
    ck_assert_int_eq(sk_fetch_req_decode(&f.r, 4, f.arena, &req), SK_OK);
    ck_assert_int_eq(req.ReplicaId, -1);
    ck_assert_int_eq(req.MaxWaitMs, 500);
    ck_assert_int_eq(req.MinBytes, 1);
    ck_assert_int_eq(req.MaxBytes, 52428800);
    ck_assert_int_eq(req.IsolationLevel, 0);
    ck_assert_int_eq(req.TopicsCnt, 1);
    ck_assert(sk_str_eq(req.Topics[0].Topic, "t"));
    ck_assert(req.Topics[0].Partitions[0].FetchOffset == 0);
    ck_assert_int_eq(req.Topics[0].Partitions[0].PartitionMaxBytes, 1048576);
    finish_frame(&f, body_fetch_req, sizeof(req));
}
END_TEST

START_TEST(test_kpy_createtopics_v3)
{
    /* KafkaAdminClient.create_topics([NewTopic('newt', 3, 1,
     * topic_configs={'cleanup.policy': 'compact'})]) */
    frame_t f;
    load_frame(&f, "kpy_createtopics_v3.bin", SK_API_CREATE_TOPICS, 3, "kafka-python-2.0.2");
    sk_createtopics_req_t req;
    ck_assert_int_eq(sk_createtopics_req_decode(&f.r, 3, f.arena, &req), SK_OK);
    ck_assert_int_eq(req.TopicsCnt, 1);
    ck_assert(sk_str_eq(req.Topics[0].Name, "newt"));
    ck_assert_int_eq(req.Topics[0].NumPartitions, 3);
    ck_assert_int_eq(req.Topics[0].ReplicationFactor, 1);
    ck_assert_int_eq(req.Topics[0].ConfigsCnt, 1);
    ck_assert(sk_str_eq(req.Topics[0].Configs[0].Name, "cleanup.policy"));
    ck_assert(sk_str_eq(req.Topics[0].Configs[0].Value, "compact"));
    ck_assert_int_eq(req.timeoutMs, 30000);
    ck_assert_int_eq(req.validateOnly, 0);
    finish_frame(&f, body_createtopics_req, sizeof(req));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto_real");
    TCase *tc = tcase_create("rdkafka");
    tcase_add_test(tc, test_rdkafka_apiversions_v3);
    tcase_add_test(tc, test_rdkafka_metadata_v4);
    tcase_add_test(tc, test_rdkafka_produce_v7);
    tcase_add_test(tc, test_rdkafka_listoffsets_v2);
    tcase_add_test(tc, test_rdkafka_fetch_v11);
    tcase_add_test(tc, test_rdkafka_createtopics_v4);
    suite_add_tcase(s, tc);
    tc = tcase_create("kafka-python");
    tcase_add_test(tc, test_kpy_bootstrap);
    tcase_add_test(tc, test_kpy_produce_v7);
    tcase_add_test(tc, test_kpy_consumer);
    tcase_add_test(tc, test_kpy_createtopics_v3);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
