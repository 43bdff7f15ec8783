/* check_promparse.c - the Prometheus text format reader (common/promparse.h)
 * and what skein-top builds on it (tools/top_scrape.h, top_view.h,
 * top_discover.h): well-formed input read back exactly (the writer's own
 * output included), each kind of malformed line refused with its line
 * number, HTTP responses and metrics URLs, a scrape boiled down to the
 * view's figures, and a frame's rates. */
#include "promparse.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "prom.h"
#include "top_discover.h"
#include "top_scrape.h"
#include "top_view.h"

typedef struct seen {
    int n;
    char names[16][64];
    char labels[16][256]; /* "a=v;b=w;" */
    double values[16];
    int64_t ts[16];
} seen_t;

static int collect(const sk_promparse_sample_t *s, void *arg)
{
    seen_t *x = arg;
    if (x->n == 16)
        return 0;
    snprintf(x->names[x->n], sizeof(x->names[0]), "%s", s->name);
    x->labels[x->n][0] = '\0';
    for (int i = 0; i < s->n_labels; i++) {
        size_t l = strlen(x->labels[x->n]);
        snprintf(x->labels[x->n] + l, sizeof(x->labels[0]) - l, "%s=%s;", s->labels[i].name,
                 s->labels[i].value);
    }
    x->values[x->n] = s->value;
    x->ts[x->n] = s->has_timestamp ? s->timestamp_ms : -1;
    x->n++;
    return 0;
}

static int parse(const char *text, seen_t *x, char *err, size_t errlen)
{
    memset(x, 0, sizeof(*x));
    return sk_promparse(text, strlen(text), collect, x, err, errlen);
}

START_TEST(test_well_formed)
{
    seen_t x;
    char err[128];
    const char *text = "# HELP a_total Some \\\\ help\\n text\n"
                       "# TYPE a_total counter\n"
                       "a_total 12\n"
                       "\n"
                       "# a free comment\n"
                       "b{x=\"1\",y=\"q\\\"uo\\\\te\\n\"} -3.5e2 1700000000000\n"
                       "c:rec{ z = \"\" , } NaN\n"
                       "d +Inf\n"
                       "d2\t-Inf\n"
                       "e{} 7"; /* no newline at the end */
    ck_assert_int_eq(parse(text, &x, err, sizeof(err)), 0);
    ck_assert_int_eq(x.n, 6);
    ck_assert_str_eq(x.names[0], "a_total");
    ck_assert(x.values[0] == 12 && x.ts[0] == -1);
    ck_assert_str_eq(x.names[1], "b");
    ck_assert_str_eq(x.labels[1], "x=1;y=q\"uo\\te\n;");
    ck_assert(x.values[1] == -350 && x.ts[1] == 1700000000000LL);
    ck_assert_str_eq(x.names[2], "c:rec");
    ck_assert_str_eq(x.labels[2], "z=;");
    ck_assert(isnan(x.values[2]));
    ck_assert(isinf(x.values[3]) && x.values[3] > 0);
    ck_assert(isinf(x.values[4]) && x.values[4] < 0);
    ck_assert_str_eq(x.names[5], "e");
    ck_assert(x.values[5] == 7);
}
END_TEST

/* What prom.c writes, read back. */
START_TEST(test_reads_the_writer)
{
    sk_prom_t p;
    sk_prom_init(&p);
    sk_prom_family(&p, "t_total", "counter", "with \\ and\nnewline");
    sk_prom_label_t l[2] = {{"topic", "we\"ird\\na\nme"}, {"partition", "3"}};
    sk_prom_u64(&p, "t_total", l, 2, UINT64_C(18446744073709551615));
    sk_prom_f64(&p, "t_f", NULL, 0, 0.1);
    sk_met_hist_t h;
    memset(&h, 0, sizeof(h));
    h.bucket[1] = 2;
    h.count = 2;
    h.sum_ms = 1.5;
    sk_prom_family(&p, "t_h", "histogram", "h");
    sk_prom_hist(&p, "t_h", l, 1, &h);
    size_t len;
    char *buf = sk_prom_take(&p, &len);
    seen_t x;
    memset(&x, 0, sizeof(x));
    char err[128];
    ck_assert_int_eq(sk_promparse(buf, len, collect, &x, err, sizeof(err)), 0);
    ck_assert_str_eq(x.labels[0], "topic=we\"ird\\na\nme;partition=3;");
    ck_assert(x.values[0] == 18446744073709551615.0);
    ck_assert(x.values[1] == 0.1);
    ck_assert_str_eq(x.names[2], "t_h_bucket");
    ck_assert_str_eq(x.labels[3], "topic=we\"ird\\na\nme;le=1;");
    ck_assert(x.values[3] == 2);
    free(buf);
}
END_TEST

START_TEST(test_malformed)
{
    static const struct {
        const char *text, *err;
    } bad[] = {
        {"1abc 1\n", "line 1: bad metric name"},
        {"a-b 1\n", "line 1: bad metric name"},
        {"ok 1\nx\n", "line 2: sample value missing"},
        {"x 1 2 3\n", "line 1: text after the timestamp"},
        {"x abc\n", "line 1: bad sample value"},
        {"x 0x10\n", "line 1: bad sample value"},
        {"x infinity\n", "line 1: bad sample value"},
        {"x 1e999\n", "line 1: bad sample value"},
        {"x 1 1.5\n", "line 1: bad timestamp"},
        {"x 1 99999999999999999999\n", "line 1: bad timestamp"},
        {"x{a=\"1\" 1\n", "line 1: ',' or '}' expected after a label"},
        {"x{a=1} 1\n", "line 1: label value not in double quotes"},
        {"x{a=\"1} 1\n", "line 1: label value not closed"},
        {"x{a=\"\\t\"} 1\n", "line 1: bad escape in label value (only \\\\, \\\" and \\n)"},
        {"x{a=\"1\",a=\"2\"} 1\n", "line 1: label named twice"},
        {"x{1a=\"1\"} 1\n", "line 1: bad label name"},
        {"x{a:b=\"1\"} 1\n", "line 1: '=' missing after label name"},
        {"x{a \"1\"} 1\n", "line 1: '=' missing after label name"},
        {"x{a=\"1\"}1\n", "line 1: no blank after '}'"},
        {"x{\n", "line 1: bad label name"},
        {"# TYPE x bogus\n", "line 1: unknown metric type in TYPE"},
        {"# TYPE x\n", "line 1: unknown metric type in TYPE"},
        {"# TYPE x gauge extra\n", "line 1: text after the type in TYPE"},
        {"# HELP 9x help\n", "line 1: bad metric name in HELP"},
        {"# TYPE x-y gauge\n", "line 1: bad metric name in TYPE"},
        {"x 1\r\n", "line 1: bad sample value"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        seen_t x;
        char err[128];
        int rc = parse(bad[i].text, &x, err, sizeof(err));
        ck_assert_msg(rc == SK_EINVAL, "%s: accepted", bad[i].text);
        ck_assert_msg(!strcmp(err, bad[i].err), "%s: '%s', wanted '%s'", bad[i].text, err,
                      bad[i].err);
    }
}
END_TEST

START_TEST(test_limits)
{
    char err[128];
    /* a NUL byte anywhere */
    const char nul[] = "a 1\nb\0 2\n";
    ck_assert_int_eq(sk_promparse(nul, sizeof(nul) - 1, NULL, NULL, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_str_eq(err, "line 2: NUL byte");
    /* too many labels */
    char many[2048] = "x{";
    for (int i = 0; i <= SK_PROMPARSE_MAX_LABELS; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "l%d=\"v\",", i);
    strcat(many, "} 1\n");
    ck_assert_int_eq(sk_promparse(many, strlen(many), NULL, NULL, err, sizeof(err)), SK_EINVAL);
    ck_assert_str_eq(err, "line 1: too many labels");
    /* a line too long */
    size_t n = SK_PROMPARSE_MAX_LINE + 10;
    char *big = malloc(n);
    memset(big, 'a', n);
    ck_assert_int_eq(sk_promparse(big, n, NULL, NULL, err, sizeof(err)), SK_EINVAL);
    ck_assert_str_eq(err, "line 1: line too long");
    free(big);
    /* input that is not NUL-terminated is never read past its length */
    char *exact = malloc(5);
    memcpy(exact, "x 12", 4);
    exact[4] = '3'; /* outside the length given */
    seen_t x;
    memset(&x, 0, sizeof(x));
    ck_assert_int_eq(sk_promparse(exact, 4, collect, &x, err, sizeof(err)), 0);
    ck_assert(x.n == 1 && x.values[0] == 12);
    free(exact);
    /* empty input and blank lines only */
    ck_assert_int_eq(sk_promparse("", 0, NULL, NULL, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_promparse("\n \n\t\n", 5, NULL, NULL, err, sizeof(err)), 0);
}
END_TEST

static int stop_at_two(const sk_promparse_sample_t *s, void *arg)
{
    (void)s;
    return ++*(int *)arg == 2 ? 42 : 0;
}

START_TEST(test_callback_stops)
{
    int n = 0;
    char err[64];
    ck_assert_int_eq(sk_promparse("a 1\nb 2\nc 3\n", 12, stop_at_two, &n, err, sizeof(err)), 42);
    ck_assert_int_eq(n, 2);
}
END_TEST

START_TEST(test_http_response)
{
    size_t off, len;
    char err[128];
    const char *ok = "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                     "Content-Length: 4\r\n\r\nx 1\nJUNK";
    ck_assert_int_eq(sk_top_http_response(ok, strlen(ok), &off, &len, err, sizeof(err)), 0);
    ck_assert_int_eq(len, 4);
    ck_assert(!memcmp(ok + off, "x 1\n", 4));
    const char *noclen = "HTTP/1.1 200 OK\r\n\r\nx 1\n";
    ck_assert_int_eq(sk_top_http_response(noclen, strlen(noclen), &off, &len, err, sizeof(err)),
                     0);
    ck_assert_int_eq(len, 4);
    static const struct {
        const char *text, *err;
    } bad[] = {
        {"HTTP/1.0 404 Not Found\r\n\r\n", "HTTP 404"},
        {"HTTP/1.0 200 OK\r\n", "incomplete HTTP response (17 bytes, no end of headers)"},
        {"HTTP/2 200\r\n\r\n", "malformed HTTP status line"},
        {"HTTP/1.0 2x0 OK\r\n\r\n", "malformed HTTP status line"},
        {"HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nx 1\n", "body cut short (4 of 10 bytes)"},
        {"HTTP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"},
        {"HTTP/1.0 200 OK\r\nContent-Length: \r\n\r\n", "bad Content-Length"},
        {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "unsupported Transfer-Encoding"},
        {"HTTP/1.0 200 OK\r\nno colon\r\n\r\n", "malformed HTTP header"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = sk_top_http_response(bad[i].text, strlen(bad[i].text), &off, &len, err,
                                      sizeof(err));
        ck_assert_msg(rc == -1, "%s: accepted", bad[i].text);
        ck_assert_msg(!strcmp(err, bad[i].err), "%s: '%s'", bad[i].text, err);
    }
}
END_TEST

START_TEST(test_urls)
{
    sk_top_url_t u;
    char err[128];
    ck_assert_int_eq(sk_top_url_parse("http://h:9404", &u, err, sizeof(err)), 0);
    ck_assert_str_eq(u.host, "h");
    ck_assert_str_eq(u.port, "9404");
    ck_assert_str_eq(u.path, "/metrics");
    ck_assert_str_eq(u.text, "h:9404");
    sk_top_url_free(&u);
    ck_assert_int_eq(sk_top_url_parse("[::1]:7/m", &u, err, sizeof(err)), 0);
    ck_assert_str_eq(u.host, "::1");
    ck_assert_str_eq(u.path, "/m");
    ck_assert_str_eq(u.text, "[::1]:7");
    sk_top_url_free(&u);
    ck_assert_int_eq(sk_top_url_parse("HTTP://h", &u, err, sizeof(err)), 0);
    ck_assert_str_eq(u.port, "80");
    sk_top_url_free(&u);
    const char *bad[] = {"https://h:1", "http://:1", "h:0", "h:65536", "h:x", "[::1", "[]:1",
                         "h:1/a?b", "u@h:1", "h:"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(sk_top_url_parse(bad[i], &u, err, sizeof(err)) == -1, "%s accepted",
                      bad[i]);
    /* metrics.listener values as --bootstrap-server finds them */
    char *s = sk_top_listener_url("http://127.0.0.1:9404", "b0:9092", err, sizeof(err));
    ck_assert_str_eq(s, "http://127.0.0.1:9404/metrics");
    free(s);
    s = sk_top_listener_url("http://:9404", "b0:9092", err, sizeof(err));
    ck_assert_str_eq(s, "http://b0:9404/metrics");
    free(s);
    s = sk_top_listener_url("http://[::]:9404", "b0:9092", err, sizeof(err));
    ck_assert_str_eq(s, "http://b0:9404/metrics");
    free(s);
    ck_assert_ptr_null(sk_top_listener_url("http://h:0", "b0:9092", err, sizeof(err)));
    ck_assert_str_eq(err, "metrics.listener http://h:0 has port 0 (any): give --metrics");
}
END_TEST

static const char *scrape1 =
    "# TYPE kafka_server_brokertopicmetrics_bytesin_total counter\n"
    "kafka_server_brokertopicmetrics_bytesin_total{topic=\"a\"} 1000\n"
    "kafka_server_brokertopicmetrics_bytesin_total{topic=\"b\"} 500\n"
    "kafka_server_brokertopicmetrics_bytesout_total{topic=\"a\"} 10\n"
    "kafka_network_requestmetrics_requests_total{request=\"Produce\",version=\"9\"} 4\n"
    "kafka_server_replicamanager_partitioncount 6\n"
    "kafka_server_replicamanager_leadercount 2\n"
    "kafka_server_replicamanager_underreplicatedpartitions 1\n"
    "kafka_controller_kafkacontroller_activecontrollercount 1\n"
    "kafka_controller_kafkacontroller_offlinepartitionscount 3\n"
    "kafka_consumergroup_lag{group=\"g\",topic=\"a\",partition=\"0\"} 5\n"
    "kafka_consumergroup_lag{group=\"g\x1b[2J\",topic=\"a\",partition=\"1\"} 50\n"
    "kafka_consumergroup_lag{group=\"g\",topic=\"a\",partition=\"x\"} 9\n";

START_TEST(test_snapshot_and_frame)
{
    sk_top_broker_t b[2];
    memset(b, 0, sizeof(b));
    char err[128];
    b[0].label = "h:1";
    b[1].label = "h:2";
    b[0].prev.up = 1;
    b[0].prev.t = 10;
    ck_assert_int_eq(sk_top_snap_parse(&b[0].prev, scrape1, strlen(scrape1), err, sizeof(err)),
                     0);
    ck_assert(b[0].prev.bytes_in == 1500 && b[0].prev.requests == 4);
    ck_assert_int_eq(b[0].prev.n_lags, 2); /* the series with a bad partition is left out */
    ck_assert_str_eq(b[0].prev.lags[1].group, "g?[2J"); /* no escape reaches the terminal */
    b[0].cur.up = 1;
    b[0].cur.t = 12;
    const char *scrape2 = "kafka_server_brokertopicmetrics_bytesin_total{topic=\"a\"} 3500\n"
                          "kafka_server_brokertopicmetrics_messagesin_total{topic=\"a\"} 7\n"
                          "kafka_server_replicamanager_leadercount 2\n"
                          "kafka_controller_kafkacontroller_activecontrollercount 1\n"
                          "kafka_consumergroup_lag{group=\"g\",topic=\"a\",partition=\"0\"} 5\n";
    ck_assert_int_eq(sk_top_snap_parse(&b[0].cur, scrape2, strlen(scrape2), err, sizeof(err)),
                     0);
    /* a malformed scrape keeps nothing */
    sk_top_snap_t bad;
    memset(&bad, 0, sizeof(bad));
    const char *half = "kafka_server_replicamanager_leadercount 2\nbroken{\n";
    ck_assert_int_eq(sk_top_snap_parse(&bad, half, strlen(half), err, sizeof(err)), -1);
    ck_assert(bad.leaders == 0 && bad.n_lags == 0);
    snprintf(b[1].cur.error, sizeof(b[1].cur.error), "connect: Connection refused");

    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    sk_top_frame(f, b, 2, 10, 0);
    fclose(f);
    ck_assert_msg(strstr(out, "brokers: 1 up, 1 down  controller: h:1\n"), "%s", out);
    ck_assert_msg(strstr(out, "offline: 0\n"), "%s", out);
    /* (3500 - 1500) / 2 s = 1000 B/s; 7 records / 2 s; requests 0 - 4 = a reset: 0 / 2 s */
    ck_assert_msg(strstr(out, "h:1     up            1.0k         0.0         3.5         0.0        2 "),
                  "%s", out);
    ck_assert_msg(strstr(out, "h:2     down   connect: Connection refused\n"), "%s", out);
    ck_assert_msg(strstr(out, "g      a              0             5  h:1\n"), "%s", out);
    ck_assert(!strchr(out, '\033'));
    free(out);
    sk_top_snap_clear(&b[0].prev);
    sk_top_snap_clear(&b[0].cur);
}
END_TEST

static Suite *promparse_suite(void)
{
    Suite *s = suite_create("promparse");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_well_formed);
    tcase_add_test(tc, test_reads_the_writer);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_callback_stops);
    tcase_add_test(tc, test_http_response);
    tcase_add_test(tc, test_urls);
    tcase_add_test(tc, test_snapshot_and_frame);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(promparse_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
