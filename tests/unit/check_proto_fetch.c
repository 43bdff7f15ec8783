/* check_proto_fetch.c - unit tests for the Fetch codec, including the
 * evbuffer response encoder with memory, file (sendfile) and file-segment
 * record sources. Expected bytes are written from FetchRequest.json /
 * FetchResponse.json field lists, not produced by our encoder.
 */
#include "arena.h"
#include "kerr.h"
#include "proto_fetch.h"

#include <check.h>
#include <errno.h>
#include <event2/buffer.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static size_t hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (*s) {
        if (*s == ' ' || *s == '\n' || *s == '|') {
            s++;
            continue;
        }
        unsigned v;
        ck_assert_msg(sscanf(s, "%2x", &v) == 1, "bad hex at '%s'", s);
        ck_assert_uint_lt(n, cap);
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

static void assert_str(sk_str_t s, const char *want)
{
    if (!want) {
        ck_assert_int_eq(s.len, -1);
        return;
    }
    ck_assert_msg(sk_str_eq(s, want), "got '%.*s' want '%s'", s.len < 0 ? 4 : s.len,
                  s.len < 0 ? "null" : s.p, want);
}

/* Each strict prefix fails with SK_EPARSE; the whole decodes exactly. */
static void trunc_req(const uint8_t *buf, size_t len, int16_t v)
{
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        sk_arena_t *a = sk_arena_new(256);
        sk_fetch_req_t out;
        sk_rd_t r;
        sk_rd_init(&r, copy, cut);
        int rc = sk_fetch_req_decode(&r, v, a, &out);
        ck_assert_msg(cut < len ? rc == SK_EPARSE : (rc == SK_OK && sk_rd_remaining(&r) == 0),
                      "v%d cut %zu/%zu rc %d", v, cut, len, rc);
        sk_arena_free(a);
        free(copy);
    }
}

static void trunc_resp(const uint8_t *buf, size_t len, int16_t v)
{
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        sk_arena_t *a = sk_arena_new(256);
        sk_fetch_resp_t out;
        sk_rd_t r;
        sk_rd_init(&r, copy, cut);
        int rc = sk_fetch_resp_decode(&r, v, a, &out);
        ck_assert_msg(cut < len ? rc == SK_EPARSE : (rc == SK_OK && sk_rd_remaining(&r) == 0),
                      "v%d cut %zu/%zu rc %d", v, cut, len, rc);
        sk_arena_free(a);
        free(copy);
    }
}

static void mutate_req(const uint8_t *buf, size_t len, int16_t v)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    uint8_t *copy = malloc(len);
    for (size_t i = 0; i < len; i++)
        for (size_t k = 0; k < sizeof(vals); k++) {
            memcpy(copy, buf, len);
            copy[i] = vals[k];
            sk_arena_t *a = sk_arena_new(256);
            sk_fetch_req_t out;
            sk_rd_t r;
            sk_rd_init(&r, copy, len);
            int rc = sk_fetch_req_decode(&r, v, a, &out);
            ck_assert(rc == SK_OK || rc == SK_EPARSE);
            sk_arena_free(a);
        }
    free(copy);
}

/* Copies an evbuffer's contents out (pulling file ranges in). */
static uint8_t *drain_copy(struct evbuffer *eb, size_t *len)
{
    *len = evbuffer_get_length(eb);
    uint8_t *p = malloc(*len ? *len : 1);
    ck_assert_int_eq(evbuffer_remove(eb, p, *len), (int)*len);
    return p;
}

static int fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

/* A temp file holding data; returns an fd open for reading. */
static int temp_file(const void *data, size_t n)
{
    char path[] = "/tmp/sk_fetch_testXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
    return fd;
}

/* ---------- request ---------- */

START_TEST(test_req_hand_v11)
{
    /* As librdkafka 2.0.2 sends it (README 2.1): replica -1, wait 500, min 1,
     * max 52428800, read_committed, session 0 / epoch -1, one partition with
     * CurrentLeaderEpoch -1 and LogStartOffset -1, no forgotten topics,
     * rack "". */
    uint8_t b[256];
    size_t n = hex("ffffffff 000001f4 00000001 03200000 01 00000000 ffffffff"
                   " 00000001 0001 74 00000001 00000000 ffffffff 0000000000000000"
                   " ffffffffffffffff 00100000 | 00000000 | 0000",
                   b, sizeof(b));
    sk_arena_t *a = sk_arena_new(0);
    sk_fetch_req_t req;
    sk_rd_t r;
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_fetch_req_decode(&r, 11, a, &req), SK_OK);
    ck_assert_uint_eq(sk_rd_remaining(&r), 0);
    ck_assert_int_eq(req.ReplicaId, -1);
    ck_assert_int_eq(req.MaxWaitMs, 500);
    ck_assert_int_eq(req.MinBytes, 1);
    ck_assert_int_eq(req.MaxBytes, 52428800);
    ck_assert_int_eq(req.IsolationLevel, 1);
    ck_assert_int_eq(req.SessionId, 0);
    ck_assert_int_eq(req.SessionEpoch, -1);
    ck_assert_int_eq(req.TopicsCnt, 1);
    assert_str(req.Topics[0].Topic, "t");
    ck_assert_int_eq(req.Topics[0].PartitionsCnt, 1);
    const sk_fetch_req_partition_t *p = &req.Topics[0].Partitions[0];
    ck_assert_int_eq(p->Partition, 0);
    ck_assert_int_eq(p->CurrentLeaderEpoch, -1);
    ck_assert(p->FetchOffset == 0);
    ck_assert(p->LogStartOffset == -1);
    ck_assert_int_eq(p->PartitionMaxBytes, 1048576);
    ck_assert_int_eq(req.ForgottenTopicsDataCnt, 0);
    assert_str(req.RackId, "");
    trunc_req(b, n, 11);
    sk_wr_t w;
    sk_wr_init(&w);
    ck_assert_int_eq(sk_fetch_req_encode(&w, 11, &req), SK_OK);
    ck_assert_uint_eq(w.len, n);
    ck_assert_mem_eq(w.buf, b, n);
    sk_wr_free(&w);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_req_hand_v4)
{
    /* kafka-python's Fetch v4: no session, no log start, no epoch, no rack. */
    uint8_t b[128];
    size_t n = hex("ffffffff 000001f4 00000001 03200000 00"
                   " 00000001 0001 74 00000001 00000002 000000000000000a 00100000",
                   b, sizeof(b));
    sk_arena_t *a = sk_arena_new(0);
    sk_fetch_req_t req;
    sk_rd_t r;
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_fetch_req_decode(&r, 4, a, &req), SK_OK);
    ck_assert_uint_eq(sk_rd_remaining(&r), 0);
    ck_assert_int_eq(req.IsolationLevel, 0);
    ck_assert_int_eq(req.SessionEpoch, -1);
    ck_assert_int_eq(req.Topics[0].Partitions[0].Partition, 2);
    ck_assert(req.Topics[0].Partitions[0].FetchOffset == 10);
    ck_assert(req.Topics[0].Partitions[0].LogStartOffset == -1);
    ck_assert_int_eq(req.Topics[0].Partitions[0].CurrentLeaderEpoch, -1);
    assert_str(req.RackId, "");
    trunc_req(b, n, 4);
    mutate_req(b, n, 4);
    /* a follower's v7 request with forgotten topics [{"old",[1,2]}] */
    n = hex("00000002 000001f4 00000001 03200000 00 00000005 00000003"
            " 00000000 | 00000001 0003 6f6c64 00000002 00000001 00000002",
            b, sizeof(b));
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_fetch_req_decode(&r, 7, a, &req), SK_OK);
    ck_assert_int_eq(req.ReplicaId, 2);
    ck_assert_int_eq(req.SessionId, 5);
    ck_assert_int_eq(req.SessionEpoch, 3);
    ck_assert_int_eq(req.TopicsCnt, 0);
    ck_assert_int_eq(req.ForgottenTopicsDataCnt, 1);
    assert_str(req.ForgottenTopicsData[0].Topic, "old");
    ck_assert_int_eq(req.ForgottenTopicsData[0].PartitionsCnt, 2);
    ck_assert_int_eq(req.ForgottenTopicsData[0].Partitions[1], 2);
    trunc_req(b, n, 7);
    /* hostile counts */
    n = hex("ffffffff 000001f4 00000001 03200000 00 7fffffff 0001 74", b, sizeof(b));
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_fetch_req_decode(&r, 4, a, &req), SK_EPARSE);
    n = hex("ffffffff 000001f4 00000001 03200000 00 ffffffff", b, sizeof(b));
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_fetch_req_decode(&r, 4, a, &req), SK_EPARSE);
    n = hex("ffffffff 000001f4 00000001 03200000 00 00000001 0001 74 00100000"
            " 00000000 0000000000000000 00000000",
            b, sizeof(b));
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_fetch_req_decode(&r, 4, a, &req), SK_EPARSE);
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_fetch_req_decode(&r, 3, a, &req), SK_EINVAL);
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_fetch_req_decode(&r, 12, a, &req), SK_EINVAL);
    sk_arena_free(a);
}
END_TEST

START_TEST(test_req_roundtrip)
{
    sk_fetch_req_partition_t pa[2] = {{0, 4, 100, 3, 65536}, {9, 2, 0, 0, 1}};
    sk_fetch_req_topic_t tp[2] = {{sk_str_c("orders"), pa, 2}, {sk_str_c("x"), pa + 1, 1}};
    int32_t fp[] = {3};
    sk_fetch_forgotten_topic_t fg[1] = {{sk_str_c("gone"), fp, 1}};
    sk_fetch_req_t req = {.ReplicaId = 1, .MaxWaitMs = 250, .MinBytes = 10, .MaxBytes = 1000,
                          .IsolationLevel = 1, .SessionId = 77, .SessionEpoch = 8,
                          .Topics = tp, .TopicsCnt = 2, .ForgottenTopicsData = fg,
                          .ForgottenTopicsDataCnt = 1, .RackId = sk_str_c("rack-9")};
    for (int16_t v = 4; v <= 11; v++) {
        sk_arena_t *a = sk_arena_new(0);
        sk_wr_t w;
        sk_wr_init(&w);
        req.ForgottenTopicsDataCnt = v >= 7 ? 1 : 0;
        ck_assert_int_eq(sk_fetch_req_encode(&w, v, &req), SK_OK);
        sk_fetch_req_t g;
        sk_rd_t r;
        sk_rd_init(&r, w.buf, w.len);
        ck_assert_int_eq(sk_fetch_req_decode(&r, v, a, &g), SK_OK);
        ck_assert_uint_eq(sk_rd_remaining(&r), 0);
        ck_assert_int_eq(g.ReplicaId, 1);
        ck_assert_int_eq(g.MaxWaitMs, 250);
        ck_assert_int_eq(g.MinBytes, 10);
        ck_assert_int_eq(g.MaxBytes, 1000);
        ck_assert_int_eq(g.IsolationLevel, 1);
        ck_assert_int_eq(g.SessionId, v >= 7 ? 77 : 0);
        ck_assert_int_eq(g.SessionEpoch, v >= 7 ? 8 : -1);
        ck_assert_int_eq(g.TopicsCnt, 2);
        assert_str(g.Topics[1].Topic, "x");
        const sk_fetch_req_partition_t *p = &g.Topics[0].Partitions[0];
        ck_assert_int_eq(p->CurrentLeaderEpoch, v >= 9 ? 4 : -1);
        ck_assert(p->FetchOffset == 100);
        ck_assert(p->LogStartOffset == (v >= 5 ? 3 : -1));
        ck_assert_int_eq(p->PartitionMaxBytes, 65536);
        ck_assert_int_eq(g.Topics[0].Partitions[1].Partition, 9);
        ck_assert_int_eq(g.ForgottenTopicsDataCnt, v >= 7 ? 1 : 0);
        if (v >= 7) {
            assert_str(g.ForgottenTopicsData[0].Topic, "gone");
            ck_assert_int_eq(g.ForgottenTopicsData[0].Partitions[0], 3);
        }
        assert_str(g.RackId, v >= 11 ? "rack-9" : "");
        trunc_req(w.buf, w.len, v);
        sk_wr_free(&w);
        sk_arena_free(a);
    }
    /* forgotten topics cannot be expressed below v7 */
    sk_wr_t w;
    sk_wr_init(&w);
    req.ForgottenTopicsDataCnt = 1;
    ck_assert_int_eq(sk_fetch_req_encode(&w, 6, &req), SK_EINVAL);
    sk_wr_free(&w);
}
END_TEST

/* ---------- response ---------- */

START_TEST(test_resp_hand_v4_v11)
{
    static const uint8_t rec[] = {0xde, 0xad, 0xbe, 0xef};
    sk_fetch_aborted_txn_t ab[1] = {{5, 100}};
    sk_fetch_resp_partition_t pa[2] = {
        {.PartitionIndex = 0, .ErrorCode = 0, .HighWatermark = 10, .LastStableOffset = 9,
         .LogStartOffset = 1, .AbortedTransactionsCnt = -1, .PreferredReadReplica = -1,
         .Records = {.kind = SK_FETCH_REC_MEM, .ptr = rec, .len = 4}},
        {.PartitionIndex = 1, .ErrorCode = 1, .HighWatermark = -1, .LastStableOffset = -1,
         .LogStartOffset = -1, .AbortedTransactions = ab, .AbortedTransactionsCnt = 1,
         .PreferredReadReplica = -1, .Records = {.kind = SK_FETCH_REC_NULL}},
    };
    sk_fetch_resp_topic_t tp = {sk_str_c("t"), pa, 2};
    sk_fetch_resp_t resp = {.ThrottleTimeMs = 0, .ErrorCode = 0, .SessionId = 0,
                            .Responses = &tp, .ResponsesCnt = 1};
    uint8_t want[256];
    size_t wn = hex("00000000 | 00000001 0001 74 00000002"
                    " 00000000 0000 000000000000000a 0000000000000009 ffffffff 00000004 deadbeef"
                    " 00000001 0001 ffffffffffffffff ffffffffffffffff 00000001"
                    " 0000000000000005 0000000000000064 ffffffff",
                    want, sizeof(want));
    struct evbuffer *eb = evbuffer_new();
    ck_assert_int_eq(sk_fetch_resp_encode(eb, 4, &resp), SK_OK);
    ck_assert_int_eq(sk_fetch_resp_size(4, &resp), (int64_t)wn);
    size_t n;
    uint8_t *got = drain_copy(eb, &n);
    ck_assert_uint_eq(n, wn);
    ck_assert_mem_eq(got, want, wn);
    trunc_resp(got, n, 4);
    free(got);
    /* v11: + error/session at top, log start offset, preferred read replica */
    wn = hex("00000000 0000 00000000 | 00000001 0001 74 00000002"
             " 00000000 0000 000000000000000a 0000000000000009 0000000000000001 ffffffff"
             " ffffffff 00000004 deadbeef"
             " 00000001 0001 ffffffffffffffff ffffffffffffffff ffffffffffffffff 00000001"
             " 0000000000000005 0000000000000064 ffffffff ffffffff",
             want, sizeof(want));
    ck_assert_int_eq(sk_fetch_resp_encode(eb, 11, &resp), SK_OK);
    ck_assert_int_eq(sk_fetch_resp_size(11, &resp), (int64_t)wn);
    got = drain_copy(eb, &n);
    ck_assert_uint_eq(n, wn);
    ck_assert_mem_eq(got, want, wn);
    trunc_resp(got, n, 11);
    sk_arena_t *a = sk_arena_new(0);
    sk_fetch_resp_t g;
    sk_rd_t r;
    sk_rd_init(&r, got, n);
    ck_assert_int_eq(sk_fetch_resp_decode(&r, 11, a, &g), SK_OK);
    ck_assert_int_eq(g.ResponsesCnt, 1);
    const sk_fetch_resp_partition_t *p = &g.Responses[0].Partitions[0];
    ck_assert_int_eq(p->Records.kind, SK_FETCH_REC_MEM);
    ck_assert_int_eq(p->Records.len, 4);
    ck_assert_mem_eq(p->Records.ptr, rec, 4);
    /* a view, not a copy: partition 1 takes the last 58 bytes */
    ck_assert_ptr_eq(p->Records.ptr, got + n - 58 - 4);
    ck_assert_int_eq(p->AbortedTransactionsCnt, -1);
    p = &g.Responses[0].Partitions[1];
    ck_assert_int_eq(p->Records.kind, SK_FETCH_REC_NULL);
    ck_assert_int_eq(p->AbortedTransactionsCnt, 1);
    ck_assert(p->AbortedTransactions[0].FirstOffset == 100);
    sk_arena_free(a);
    free(got);
    evbuffer_free(eb);
}
END_TEST

START_TEST(test_resp_roundtrip_all_sources)
{
    static const char mem[] = "memory-records";
    static const char file_data[] = "0123456789abcdefghij";
    int fd = temp_file(file_data, sizeof(file_data) - 1);
    int segfd = temp_file(file_data, sizeof(file_data) - 1);
    struct evbuffer_file_segment *seg = evbuffer_file_segment_new(segfd, 0, 20, EVBUF_FS_CLOSE_ON_FREE);
    ck_assert_ptr_nonnull(seg);
    for (int16_t v = 4; v <= 11; v++) {
        int vfd = dup(fd);
        sk_fetch_resp_partition_t pa[4] = {
            {.PartitionIndex = 0, .HighWatermark = 100, .LastStableOffset = 90,
             .LogStartOffset = 3, .AbortedTransactionsCnt = -1, .PreferredReadReplica = -1,
             .Records = {.kind = SK_FETCH_REC_MEM, .ptr = mem, .len = sizeof(mem) - 1}},
            {.PartitionIndex = 1, .HighWatermark = 5, .LastStableOffset = 5,
             .LogStartOffset = 0, .AbortedTransactionsCnt = 0, .PreferredReadReplica = 2,
             .Records = {.kind = SK_FETCH_REC_FILE, .fd = vfd, .pos = 5, .len = 10}},
            {.PartitionIndex = 2, .ErrorCode = SK_KERR_OFFSET_OUT_OF_RANGE, .HighWatermark = 7,
             .LastStableOffset = 7, .LogStartOffset = 7, .AbortedTransactionsCnt = -1,
             .PreferredReadReplica = -1, .Records = {.kind = SK_FETCH_REC_MEM}},
            {.PartitionIndex = 3, .HighWatermark = 20, .LastStableOffset = 20,
             .AbortedTransactionsCnt = -1, .PreferredReadReplica = -1,
             .Records = {.kind = SK_FETCH_REC_SEGMENT, .seg = seg, .pos = 15, .len = 5}},
        };
        sk_fetch_resp_topic_t tp[2] = {{sk_str_c("a"), pa, 3}, {sk_str_c("bb"), pa + 3, 1}};
        sk_fetch_resp_t resp = {.ThrottleTimeMs = 3, .ErrorCode = 0, .SessionId = 12,
                                .Responses = tp, .ResponsesCnt = 2};
        int64_t size = sk_fetch_resp_size(v, &resp);
        struct evbuffer *eb = evbuffer_new();
        ck_assert_int_eq(sk_fetch_resp_encode(eb, v, &resp), SK_OK);
        ck_assert_int_eq((int64_t)evbuffer_get_length(eb), size);
        ck_assert(fd_is_open(vfd)); /* held by the evbuffer until drained */
        size_t n;
        uint8_t *buf = drain_copy(eb, &n);
        evbuffer_free(eb);
        ck_assert(!fd_is_open(vfd)); /* closed when the evbuffer let go */

        sk_arena_t *a = sk_arena_new(0);
        sk_fetch_resp_t g;
        sk_rd_t r;
        sk_rd_init(&r, buf, n);
        ck_assert_int_eq(sk_fetch_resp_decode(&r, v, a, &g), SK_OK);
        ck_assert_uint_eq(sk_rd_remaining(&r), 0);
        ck_assert_int_eq(g.ThrottleTimeMs, 3);
        ck_assert_int_eq(g.SessionId, v >= 7 ? 12 : 0);
        ck_assert_int_eq(g.ResponsesCnt, 2);
        assert_str(g.Responses[1].Topic, "bb");
        const sk_fetch_resp_partition_t *p = g.Responses[0].Partitions;
        ck_assert_int_eq(p[0].Records.len, (int64_t)sizeof(mem) - 1);
        ck_assert_mem_eq(p[0].Records.ptr, mem, sizeof(mem) - 1);
        ck_assert(p[0].LastStableOffset == 90);
        ck_assert(p[0].LogStartOffset == (v >= 5 ? 3 : -1));
        ck_assert_int_eq(p[1].Records.len, 10);
        ck_assert_mem_eq(p[1].Records.ptr, "56789abcde", 10);
        ck_assert_int_eq(p[1].AbortedTransactionsCnt, 0);
        ck_assert_int_eq(p[1].PreferredReadReplica, v >= 11 ? 2 : -1);
        ck_assert_int_eq(p[2].ErrorCode, 1);
        ck_assert_int_eq(p[2].Records.kind, SK_FETCH_REC_MEM);
        ck_assert_int_eq(p[2].Records.len, 0);
        p = g.Responses[1].Partitions;
        ck_assert_int_eq(p[0].Records.len, 5);
        ck_assert_mem_eq(p[0].Records.ptr, "fghij", 5);
        trunc_resp(buf, n, v);
        sk_arena_free(a);
        free(buf);
    }
    evbuffer_file_segment_free(seg);
    close(fd);
}
END_TEST

/* The file range goes out by reference (sendfile): bytes changed in the
 * file after encoding but before the write are the bytes sent. */
START_TEST(test_resp_file_is_zero_copy)
{
    int fd = temp_file("AAAAAAAAAA", 10);
    sk_fetch_resp_partition_t pa = {.PartitionIndex = 0, .AbortedTransactionsCnt = -1,
                                    .Records = {.kind = SK_FETCH_REC_FILE, .fd = dup(fd),
                                                .pos = 2, .len = 6}};
    sk_fetch_resp_topic_t tp = {sk_str_c("t"), &pa, 1};
    sk_fetch_resp_t resp = {.Responses = &tp, .ResponsesCnt = 1};
    struct evbuffer *eb = evbuffer_new();
    ck_assert_int_eq(sk_fetch_resp_encode(eb, 4, &resp), SK_OK);
    ck_assert_int_eq(pwrite(fd, "zzzzzzzzzz", 10, 0), 10);
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    size_t total = evbuffer_get_length(eb);
    while (evbuffer_get_length(eb) > 0)
        ck_assert_int_gt(evbuffer_write(eb, sv[0]), 0);
    uint8_t buf[256];
    size_t got = 0;
    while (got < total) {
        ssize_t k = read(sv[1], buf + got, sizeof(buf) - got);
        ck_assert_int_gt(k, 0);
        got += (size_t)k;
    }
    ck_assert_mem_eq(buf + total - 6, "zzzzzz", 6);
    ck_assert_int_eq(sk_be32(buf + total - 10), 6);
    evbuffer_free(eb);
    close(sv[0]);
    close(sv[1]);
    close(fd);
}
END_TEST

START_TEST(test_resp_fd_ownership_on_error)
{
    int fd1 = temp_file("x", 1), fd2 = temp_file("y", 1);
    /* bad record length in the first partition: both fds must be closed */
    sk_fetch_resp_partition_t pa[2] = {
        {.Records = {.kind = SK_FETCH_REC_FILE, .fd = fd1, .pos = 0, .len = -5}},
        {.Records = {.kind = SK_FETCH_REC_FILE, .fd = fd2, .pos = 0, .len = 1}},
    };
    sk_fetch_resp_topic_t tp = {sk_str_c("t"), pa, 2};
    sk_fetch_resp_t resp = {.Responses = &tp, .ResponsesCnt = 1};
    struct evbuffer *eb = evbuffer_new();
    ck_assert_int_eq(sk_fetch_resp_encode(eb, 4, &resp), SK_EINVAL);
    ck_assert(!fd_is_open(fd1));
    ck_assert(!fd_is_open(fd2));
    evbuffer_drain(eb, evbuffer_get_length(eb));
    /* bad version: the fd is closed too */
    int fd3 = temp_file("z", 1);
    pa[0].Records = (sk_fetch_records_t){.kind = SK_FETCH_REC_FILE, .fd = fd3, .len = 1};
    tp.PartitionsCnt = 1;
    ck_assert_int_eq(sk_fetch_resp_encode(eb, 12, &resp), SK_EINVAL);
    ck_assert(!fd_is_open(fd3));
    ck_assert_int_eq(sk_fetch_resp_size(3, &resp), -1);
    /* error in a later partition: the earlier fd belongs to the evbuffer */
    int fd4 = temp_file("abc", 3), fd5 = temp_file("d", 1);
    pa[0].Records = (sk_fetch_records_t){.kind = SK_FETCH_REC_FILE, .fd = fd4, .len = 3};
    pa[1].Records = (sk_fetch_records_t){.kind = SK_FETCH_REC_FILE, .fd = fd5, .len = (int64_t)INT32_MAX + 1};
    tp.PartitionsCnt = 2;
    ck_assert_int_eq(sk_fetch_resp_encode(eb, 4, &resp), SK_EINVAL);
    ck_assert(fd_is_open(fd4));
    ck_assert(!fd_is_open(fd5));
    evbuffer_free(eb);
    ck_assert(!fd_is_open(fd4));
}
END_TEST

START_TEST(test_resp_hostile)
{
    uint8_t b[128];
    sk_arena_t *a = sk_arena_new(0);
    sk_fetch_resp_t g;
    sk_rd_t r;
    /* records length beyond the end */
    size_t n = hex("00000000 00000001 0001 74 00000001 00000000 0000 0000000000000000"
                   " 0000000000000000 ffffffff 7fffffff 00",
                   b, sizeof(b));
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_fetch_resp_decode(&r, 4, a, &g), SK_EPARSE);
    /* aborted transaction count huge */
    n = hex("00000000 00000001 0001 74 00000001 00000000 0000 0000000000000000"
            " 0000000000000000 7ffffff0 00000000",
            b, sizeof(b));
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_fetch_resp_decode(&r, 4, a, &g), SK_EPARSE);
    /* aborted transaction count -2 */
    n = hex("00000000 00000001 0001 74 00000001 00000000 0000 0000000000000000"
            " 0000000000000000 fffffffe 00000000",
            b, sizeof(b));
    sk_rd_init(&r, b, n);
    ck_assert_int_eq(sk_fetch_resp_decode(&r, 4, a, &g), SK_EPARSE);
    sk_arena_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto_fetch");
    TCase *tc = tcase_create("request");
    tcase_add_test(tc, test_req_hand_v11);
    tcase_add_test(tc, test_req_hand_v4);
    tcase_add_test(tc, test_req_roundtrip);
    suite_add_tcase(s, tc);
    tc = tcase_create("response");
    tcase_add_test(tc, test_resp_hand_v4_v11);
    tcase_add_test(tc, test_resp_roundtrip_all_sources);
    tcase_add_test(tc, test_resp_file_is_zero_copy);
    tcase_add_test(tc, test_resp_fd_ownership_on_error);
    tcase_add_test(tc, test_resp_hostile);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
