/* check_proto_fetch.c - Fetch on the generated codec: hand-built bytes for
 * the versions whose layout changes (v0, v11, v13 topic ids, v15
 * ReplicaState), and the hand-written record attachment (proto_fetch.h):
 * memory, file (sendfile) and null record sources give exactly the plain
 * encoder's bytes, file descriptors are always consumed, and a response
 * that cannot be encoded appends nothing. Round trips of every version are
 * check_codec's. Expected bytes are written from FetchRequest.json /
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

static int temp_file(const void *data, size_t n)
{
    char path[] = "/tmp/sk_fetch_testXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
    return fd;
}

static int decode_req(const uint8_t *b, size_t n, int16_t v, sk_arena_t *a, sk_fetch_req_t *out)
{
    sk_rd_t r;
    sk_rd_init(&r, b, n);
    int rc = sk_fetch_req_decode(&r, v, a, out);
    if (rc == SK_OK)
        ck_assert_uint_eq(sk_rd_remaining(&r), 0);
    return rc;
}

START_TEST(test_req_v0_v11_v15)
{
    sk_arena_t *a = sk_arena_new(0);
    uint8_t b[256];
    sk_fetch_req_t in;
    /* v0: replica -1, wait 100, min 1, [{"t", [{p 2, offset 7, max 1024}]}] */
    size_t n = hex("ffffffff 00000064 00000001 00000001 0001 74 00000001 00000002"
                   " 0000000000000007 00000400", b, sizeof(b));
    ck_assert_int_eq(decode_req(b, n, 0, a, &in), SK_OK);
    ck_assert_int_eq(in.ReplicaId, -1);
    ck_assert_int_eq(in.MaxBytes, INT32_MAX); /* absent before v3 */
    ck_assert_int_eq(in.Topics[0].Partitions[0].Partition, 2);
    ck_assert_int_eq(in.Topics[0].Partitions[0].FetchOffset, 7);
    ck_assert_int_eq(in.Topics[0].Partitions[0].CurrentLeaderEpoch, -1);
    ck_assert_int_eq(in.Topics[0].Partitions[0].LastFetchedEpoch, -1);
    for (size_t cut = 0; cut < n; cut++)
        ck_assert_int_eq(decode_req(b, cut, 0, a, &in), SK_EPARSE);
    /* v11 as librdkafka 2.0.2 sends it */
    n = hex("ffffffff 000001f4 00000001 03200000 01 00000000 ffffffff 00000001 0001 74"
            " 00000001 00000000 ffffffff 0000000000000005 ffffffffffffffff 00100000"
            " 00000000 0000", b, sizeof(b));
    ck_assert_int_eq(decode_req(b, n, 11, a, &in), SK_OK);
    ck_assert_int_eq(in.IsolationLevel, 1);
    ck_assert_int_eq(in.SessionEpoch, -1);
    ck_assert_int_eq(in.Topics[0].Partitions[0].FetchOffset, 5);
    ck_assert_int_eq(in.RackId.len, 0);
    /* v15: no ReplicaId; ReplicaState {3, epoch 9} is tag 1; topic by id */
    /* (forgotten [] 01, rack "" 01, then one tag: #1, 13 bytes) */
    n = hex("000001f4 00000001 03200000 00 00000000 ffffffff"
            " 02 0102030405060708090a0b0c0d0e0f10 02 00000000 ffffffff 0000000000000005"
            " ffffffff ffffffffffffffff 00100000 00 00"
            " 01 01 01 01 0d 00000003 0000000000000009 00",
            b, sizeof(b));
    ck_assert_int_eq(decode_req(b, n, 15, a, &in), SK_OK);
    ck_assert_int_eq(in.ReplicaId, -1);
    ck_assert_int_eq(in.ReplicaState.ReplicaId, 3);
    ck_assert_int_eq(in.ReplicaState.ReplicaEpoch, 9);
    ck_assert_int_eq(in.Topics[0].TopicId[15], 0x10);
    ck_assert_int_eq(in.Topics[0].Topic.len, 0);
    sk_arena_free(a);
}
END_TEST

/* A response with one topic of three partitions: memory, file, null. */
typedef struct resp3 {
    sk_fetch_resp_t resp;
    sk_fetch_resp_response_t topic;
    sk_fetch_resp_partition_t parts[3];
    sk_fetch_records_t src[2];
} resp3_t;

static void resp3_init(resp3_t *x, int fd)
{
    sk_fetch_resp_init(&x->resp);
    sk_fetch_resp_response_init(&x->topic);
    x->topic.Topic = sk_str_c("t");
    x->topic.TopicId[0] = 0xab;
    x->topic.Partitions = x->parts;
    x->topic.PartitionsCnt = 3;
    x->resp.Responses = &x->topic;
    x->resp.ResponsesCnt = 1;
    for (int i = 0; i < 3; i++) {
        sk_fetch_resp_partition_init(&x->parts[i]);
        x->parts[i].PartitionIndex = i;
        x->parts[i].HighWatermark = 10 + i;
        x->parts[i].LastStableOffset = 10 + i;
        x->parts[i].LogStartOffset = 0;
        x->parts[i].AbortedTransactionsCnt = -1;
    }
    x->src[0] = (sk_fetch_records_t){SK_FETCH_REC_MEM, "memory-bytes", -1, 0, 12};
    x->src[1] = (sk_fetch_records_t){SK_FETCH_REC_FILE, NULL, fd, 3, 5};
    sk_fetch_records_set(&x->parts[0].Records, &x->src[0]);
    sk_fetch_records_set(&x->parts[1].Records, &x->src[1]);
    x->parts[2].Records = SK_STR_NULL;
}

START_TEST(test_send_matches_encoder)
{
    static const char file[] = "0123456789";
    for (int16_t v = 0; v <= SK_FETCH_MAX_VER; v++) {
        int fd = temp_file(file, sizeof(file) - 1);
        resp3_t x;
        resp3_init(&x, fd);
        x.resp.ThrottleTimeMs = v >= 1 ? 7 : 0;
        struct evbuffer *eb = evbuffer_new();
        ck_assert_int_eq(sk_fetch_resp_send(eb, v, &x.resp), SK_OK);
        size_t got_n;
        uint8_t *got = drain_copy(eb, &got_n);
        evbuffer_free(eb);
        ck_assert(!fd_is_open(fd)); /* sent (here: drained), then closed */
        /* the plain encoder, records in memory */
        resp3_t y;
        resp3_init(&y, -1);
        y.resp.ThrottleTimeMs = x.resp.ThrottleTimeMs;
        y.parts[0].Records = sk_str_c("memory-bytes");
        y.parts[1].Records = (sk_str_t){"34567", 5};
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(sk_fetch_resp_encode(&w, v, &y.resp), SK_OK);
        ck_assert_uint_eq(got_n, w.len);
        ck_assert_mem_eq(got, w.buf, w.len);
        sk_wr_free(&w);
        free(got);
    }
}
END_TEST

START_TEST(test_send_hand_v0_v13)
{
    resp3_t x;
    int fd = temp_file("abcdefgh", 8);
    resp3_init(&x, fd);
    x.parts[2].Records = (sk_str_t){(const char *)&x.src[0], 0};
    x.src[0].len = 0; /* empty records for partition 2 (shared source) */
    x.parts[0].Records.len = 0;
    struct evbuffer *eb = evbuffer_new();
    ck_assert_int_eq(sk_fetch_resp_send(eb, 0, &x.resp), SK_OK);
    size_t n;
    uint8_t *got = drain_copy(eb, &n);
    uint8_t want[256];
    size_t wn = hex("00000001 0001 74 00000003"
                    " 00000000 0000 000000000000000a 00000000"
                    " 00000001 0000 000000000000000b 00000005 6465666768"
                    " 00000002 0000 000000000000000c 00000000", want, sizeof(want));
    ck_assert_uint_eq(n, wn);
    ck_assert_mem_eq(got, want, wn);
    free(got);
    /* v13: the topic id, no name; flexible */
    fd = temp_file("abcdefgh", 8);
    resp3_init(&x, fd);
    x.src[1].len = 2;
    x.parts[1].Records.len = 2;
    x.topic.PartitionsCnt = 2;
    ck_assert_int_eq(sk_fetch_resp_send(eb, 13, &x.resp), SK_OK);
    got = drain_copy(eb, &n);
    wn = hex("00000000 0000 00000000 02 ab000000000000000000000000000000 03"
             " 00000000 0000 000000000000000a 000000000000000a 0000000000000000 00 ffffffff"
             " 0d 6d656d6f72792d6279746573 00"
             " 00000001 0000 000000000000000b 000000000000000b 0000000000000000 00 ffffffff"
             " 03 6465 00 00 00",
             want, sizeof(want));
    ck_assert_uint_eq(n, wn);
    ck_assert_mem_eq(got, want, wn);
    free(got);
    evbuffer_free(eb);
}
END_TEST

START_TEST(test_send_failures_close_fds)
{
    struct evbuffer *eb = evbuffer_new();
    /* a value the version cannot carry (NodeEndpoints below v16): nothing
     * appended, the fd closed */
    int fd = temp_file("abcdefgh", 8);
    resp3_t x;
    resp3_init(&x, fd);
    sk_fetch_resp_node_endpoint_t ne;
    sk_fetch_resp_node_endpoint_init(&ne);
    x.resp.NodeEndpoints = &ne;
    x.resp.NodeEndpointsCnt = 1;
    ck_assert_int_eq(sk_fetch_resp_send(eb, 15, &x.resp), SK_EINVAL);
    ck_assert_uint_eq(evbuffer_get_length(eb), 0);
    ck_assert(!fd_is_open(fd));
    /* a source whose length is not the field's */
    fd = temp_file("abcdefgh", 8);
    resp3_init(&x, fd);
    x.src[0].len = 3;
    ck_assert_int_eq(sk_fetch_resp_send(eb, 4, &x.resp), SK_EINVAL);
    ck_assert_uint_eq(evbuffer_get_length(eb), 0);
    ck_assert(!fd_is_open(fd));
    /* a memory source without bytes, a file source without an fd */
    resp3_init(&x, -1);
    ck_assert_int_eq(sk_fetch_resp_send(eb, 4, &x.resp), SK_EINVAL);
    fd = temp_file("abcdefgh", 8);
    resp3_init(&x, fd);
    x.src[0].ptr = NULL;
    ck_assert_int_eq(sk_fetch_resp_send(eb, 4, &x.resp), SK_EINVAL);
    ck_assert(!fd_is_open(fd));
    ck_assert_uint_eq(evbuffer_get_length(eb), 0);
    /* discard closes what will not be sent */
    fd = temp_file("abcdefgh", 8);
    resp3_init(&x, fd);
    sk_fetch_resp_discard(&x.resp);
    ck_assert(!fd_is_open(fd));
    ck_assert_int_eq(x.src[1].fd, -1);
    evbuffer_free(eb);
}
END_TEST

static Suite *fetch_suite(void)
{
    Suite *s = suite_create("proto_fetch");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_req_v0_v11_v15);
    tcase_add_test(tc, test_send_matches_encoder);
    tcase_add_test(tc, test_send_hand_v0_v13);
    tcase_add_test(tc, test_send_failures_close_fds);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fetch_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
