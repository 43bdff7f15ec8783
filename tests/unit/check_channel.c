/* check_channel.c - the inter-broker channel (broker/net/channel.h) on a real
 * event_base and real sockets: a broker registered under a host name is
 * resolved off the loop (a lookup that takes 1 s leaves the loop turning) and
 * its queued request arrives; a numeric address never goes to the resolver. */
#include "net/channel.h"

#include <arpa/inet.h>
#include <check.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "kbuf.h"

static int lookups; /* calls of slow_lookup (on the lookup thread) */

static int slow_lookup(const char *host, const char *port, const struct addrinfo *hints,
                       struct addrinfo **res)
{
    __atomic_add_fetch(&lookups, 1, __ATOMIC_SEQ_CST);
    struct timespec ts = {1, 0};
    nanosleep(&ts, NULL); /* a slow DNS server */
    return getaddrinfo(host, port, hints, res);
}

typedef struct server {
    int lfd;
    int port;
    int conns;
    size_t got; /* bytes read from the accepted connection */
    int cfd;
} server_t;

static void server_open(server_t *s)
{
    memset(s, 0, sizeof(*s));
    s->cfd = -1;
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(s->lfd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(s->lfd, 4), 0);
    socklen_t len = sizeof(a);
    getsockname(s->lfd, (struct sockaddr *)&a, &len);
    s->port = ntohs(a.sin_port);
}

static int ticks;

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    ticks++;
}

/* Turns the loop until the server accepted a connection and read at least
 * want bytes, or 10 s passed. */
static void serve(struct event_base *base, server_t *s, size_t want)
{
    int64_t end = sk_mono_ms() + 10000;
    while (sk_mono_ms() < end && s->got < want) {
        event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
        if (s->cfd < 0) {
            struct timeval tv = {0, 0};
            fd_set r;
            FD_ZERO(&r);
            FD_SET(s->lfd, &r);
            if (select(s->lfd + 1, &r, NULL, NULL, &tv) == 1) {
                s->cfd = accept(s->lfd, NULL, NULL);
                s->conns++;
            }
        } else {
            char buf[4096];
            struct timeval tv = {0, 0};
            fd_set r;
            FD_ZERO(&r);
            FD_SET(s->cfd, &r);
            if (select(s->cfd + 1, &r, NULL, NULL, &tv) == 1) {
                ssize_t n = read(s->cfd, buf, sizeof(buf));
                if (n > 0)
                    s->got += (size_t)n;
            }
        }
        usleep(2000);
    }
}

static void send_one(sk_chan_t *ch, int32_t id)
{
    sk_wr_t w;
    sk_wr_init(&w);
    sk_wr_i32(&w, 42);
    sk_chan_send(ch, id, 18, 0, &w, NULL, NULL);
}

/* A loop, a listening server and a channel whose lookups take 1 s. */
static struct event_base *base;
static server_t srv;
static sk_chan_t *ch;

static void setup(void)
{
    base = event_base_new();
    server_open(&srv);
    ch = sk_chan_new(base, "check");
    sk_chan_set_lookup(ch, slow_lookup);
    __atomic_store_n(&lookups, 0, __ATOMIC_SEQ_CST);
}

static void teardown(void)
{
    sk_chan_free(ch);
    if (srv.cfd >= 0)
        close(srv.cfd);
    close(srv.lfd);
    event_base_free(base);
}

START_TEST(test_host_name_resolved_off_the_loop)
{
    struct event *tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
    struct timeval every = {0, 20000};
    event_add(tick, &every);
    ticks = 0;
    int64_t t0 = sk_mono_ms();
    sk_chan_set_broker(ch, 1, "localhost", srv.port);
    send_one(ch, 1);
    /* the lookup takes 1 s; the registration returned at once */
    ck_assert_int_lt(sk_mono_ms() - t0, 500);
    serve(base, &srv, 5);
    ck_assert_int_eq(srv.conns, 1);
    ck_assert_uint_ge(srv.got, 5); /* size prefix, header and body */
    ck_assert_int_ge(sk_mono_ms() - t0, 1000);
    ck_assert_int_eq(__atomic_load_n(&lookups, __ATOMIC_SEQ_CST), 1);
    /* the loop kept turning while the name was being resolved: a 20 ms
     * timer fired many times within that second (made on the loop, the
     * lookup lets it fire once at most) */
    ck_assert_int_ge(ticks, 10);
    event_free(tick);
}
END_TEST

START_TEST(test_numeric_address_not_resolved)
{
    sk_chan_set_broker(ch, 2, "127.0.0.1", srv.port);
    send_one(ch, 2);
    serve(base, &srv, 5);
    ck_assert_int_eq(srv.conns, 1);
    ck_assert_uint_ge(srv.got, 5);
    ck_assert_int_eq(__atomic_load_n(&lookups, __ATOMIC_SEQ_CST), 0);
}
END_TEST

/* A broker removed, and the channel freed, while its lookup runs: the
 * answer is dropped and the thread joined (ASan and the leak check see it). */
START_TEST(test_removed_during_lookup)
{
    sk_chan_set_broker(ch, 3, "localhost", srv.port);
    sk_chan_set_broker(ch, 4, "localhost", srv.port);
    sk_chan_remove_broker(ch, 3);
    ck_assert(!sk_chan_has_broker(ch, 3));
    sk_chan_set_broker(ch, 4, "localhost", srv.port + 1); /* re-registered: answer dropped */
    ck_assert_int_eq(srv.conns, 0);
}
END_TEST

static Suite *channel_suite(void)
{
    Suite *s = suite_create("channel");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_host_name_resolved_off_the_loop);
    tcase_add_test(tc, test_numeric_address_not_resolved);
    tcase_add_test(tc, test_removed_during_lookup);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    evthread_use_pthreads();
    SRunner *sr = srunner_create(channel_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
