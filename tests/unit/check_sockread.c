/* check_sockread.c - sk_sockread_fill (broker/net/sockread.h) on a socketpair
 * and a real bufferevent: it reads up to the frame's end and never past it,
 * in reads larger than libevent's 4 KiB, stops when the socket has nothing
 * more (without blocking), and leaves EOF for libevent to report. */
#include "net/sockread.h"

#include <check.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct event_base *base;
static struct bufferevent *bev;
static int peer;

static void setup(void)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int big = 4 * 1024 * 1024;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    evutil_make_socket_nonblocking(sv[0]);
    base = event_base_new();
    bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    bufferevent_enable(bev, EV_READ);
    peer = sv[1];
}

static void teardown(void)
{
    bufferevent_free(bev);
    event_base_free(base);
    if (peer >= 0)
        close(peer);
}

/* Writes n bytes of a counting pattern, starting at value *at. */
static void send_pattern(size_t n, unsigned *at)
{
    unsigned char *b = malloc(n);
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)((*at)++ * 7u);
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(peer, b + off, n - off);
        ck_assert_int_gt(w, 0);
        off += (size_t)w;
    }
    free(b);
}

static void check_pattern(struct evbuffer *in, size_t n)
{
    unsigned char *p = evbuffer_pullup(in, (ev_ssize_t)n);
    ck_assert_ptr_nonnull(p);
    unsigned char *want = malloc(n);
    for (size_t i = 0; i < n; i++)
        want[i] = (unsigned char)(i * 7u);
    ck_assert_int_eq(memcmp(p, want, n), 0);
    free(want);
}

START_TEST(test_reads_to_the_frame_end_and_no_further)
{
    unsigned at = 0;
    send_pattern(300000, &at); /* a frame of 200,000 bytes, then the next one's start */
    ssize_t n = sk_sockread_fill(bev, 200000);
    ck_assert_int_eq(n, 200000);
    struct evbuffer *in = bufferevent_get_input(bev);
    ck_assert_uint_eq(evbuffer_get_length(in), 200000);
    check_pattern(in, 200000);
    /* the rest stays in the socket for the next frame */
    ck_assert_int_eq(sk_sockread_fill(bev, 200000), 0);
    ck_assert_int_eq(sk_sockread_fill(bev, 300000), 100000);
    ck_assert_uint_eq(evbuffer_get_length(in), 300000);
    check_pattern(in, 300000);
}
END_TEST

START_TEST(test_stops_when_the_socket_is_empty)
{
    unsigned at = 0;
    send_pattern(10000, &at);
    /* the frame is larger than what has arrived: returns what there was, at once */
    ck_assert_int_eq(sk_sockread_fill(bev, 1000000), 10000);
    ck_assert_int_eq(sk_sockread_fill(bev, 1000000), 0);
    send_pattern(5000, &at);
    ck_assert_int_eq(sk_sockread_fill(bev, 1000000), 5000);
    struct evbuffer *in = bufferevent_get_input(bev);
    ck_assert_uint_eq(evbuffer_get_length(in), 15000);
    check_pattern(in, 15000);
}
END_TEST

START_TEST(test_large_frame_in_few_reads)
{
    /* more than one chunk: the whole frame arrives in a few reads */
    unsigned at = 0;
    size_t want = 3 * SK_SOCKREAD_CHUNK + 123;
    send_pattern(want, &at);
    ck_assert_int_eq(sk_sockread_fill(bev, want), (ssize_t)want);
    check_pattern(bufferevent_get_input(bev), want);
}
END_TEST

static int eof_seen;
static void ev_cb(struct bufferevent *b, short what, void *arg)
{
    (void)b;
    (void)arg;
    if (what & BEV_EVENT_EOF)
        eof_seen = 1;
}

START_TEST(test_eof_is_left_to_libevent)
{
    unsigned at = 0;
    send_pattern(100, &at);
    close(peer);
    peer = -1;
    ck_assert_int_eq(sk_sockread_fill(bev, 1000), 100);
    /* the bufferevent still works: its own read sees the EOF */
    bufferevent_setcb(bev, NULL, NULL, ev_cb, NULL);
    event_base_loop(base, EVLOOP_ONCE);
    ck_assert(eof_seen);
    ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_input(bev)), 100);
}
END_TEST

START_TEST(test_input_end_stays_frozen)
{
    /* the bufferevent's input is frozen at its end outside its reads: it
     * still is after a fill (an add to it fails) */
    unsigned at = 0;
    send_pattern(10, &at);
    ck_assert_int_eq(sk_sockread_fill(bev, 10), 10);
    ck_assert_int_ne(evbuffer_add(bufferevent_get_input(bev), "x", 1), 0);
}
END_TEST

static Suite *sockread_suite(void)
{
    Suite *s = suite_create("sockread");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reads_to_the_frame_end_and_no_further);
    tcase_add_test(tc, test_stops_when_the_socket_is_empty);
    tcase_add_test(tc, test_large_frame_in_few_reads);
    tcase_add_test(tc, test_eof_is_left_to_libevent);
    tcase_add_test(tc, test_input_end_stays_frozen);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sockread_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
