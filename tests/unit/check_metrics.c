/* check_metrics.c - the /metrics renderer (broker/metrics/render.c) on a
 * broker context built by hand: the replica manager gauges and per-partition
 * families from a topic table, the per-topic counters, the request
 * histograms; and the time a scrape of 10,000 partitions takes to render
 * (printed, not asserted: the machine may be shared). */
#include "metrics/exporter.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "log.h"
#include "meta/broker_ctx.h"
#include "metrics.h"
#include "replica/partition.h"
#include "storage/plog.h"

#define SELF 1

static char tmpdir[256];
static sk_plog_t *plog;
static sk_broker_t b;
static sk_partition_env_t env;

/* n_topics topics of n_parts partitions led here with replicas 1,2,3;
 * every under-th partition has ISR {1} (under-replicated, under min ISR
 * 2). All share one real log: the renderer reads its sizes and offsets as
 * it would a log per partition. */
static void build(int n_topics, int n_parts, int under)
{
    sk_log_set_level(SK_LOG_ERROR);
    strcpy(tmpdir, "/tmp/sk-check-metrics-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    char dir[320];
    snprintf(dir, sizeof(dir), "%s/t-0", tmpdir);
    sk_plog_config_t cfg;
    sk_plog_config_defaults(&cfg);
    char err[256] = "";
    ck_assert_msg(sk_plog_open(dir, &cfg, NULL, 0, &plog, err, sizeof(err)) == SK_OK, "%s", err);

    memset(&b, 0, sizeof(b));
    memset(&env, 0, sizeof(env));
    b.id = SELF;
    b.topics = sk_topics_new();
    b.parts = &env;
    env.self = SELF;
    env.min_insync = 2;
    env.topics = b.topics;
    int k = 0;
    for (int t = 0; t < n_topics; t++) {
        sk_topic_t *tp = calloc(1, sizeof(*tp));
        char name[64];
        snprintf(name, sizeof(name), "topic-%03d", t);
        tp->name = strdup(name);
        tp->n_partitions = n_parts;
        tp->partitions = calloc((size_t)n_parts, sizeof(*tp->partitions));
        for (int i = 0; i < n_parts; i++, k++) {
            sk_partition_t *p = &tp->partitions[i];
            sk_partition_init(p, tp->name, i);
            p->leader = SELF;
            p->leader_epoch = 1;
            free(p->replicas);
            free(p->isr);
            p->replicas = malloc(3 * sizeof(int32_t));
            p->isr = malloc(3 * sizeof(int32_t));
            for (int r = 0; r < 3; r++)
                p->replicas[r] = p->isr[r] = r + 1;
            p->n_replicas = 3;
            p->n_isr = under && k % under == 0 ? 1 : 3;
            p->log = plog;
            p->high_watermark = 0;
        }
        sk_topics_put(b.topics, tp);
        sk_met_topic(name, strlen(name))->messages_in = (uint64_t)t;
    }
}

static void teardown(void)
{
    sk_topics_free(b.topics);
    b.topics = NULL;
    sk_plog_close(plog);
    plog = NULL;
    sk_plog_rmtree(tmpdir);
    sk_met_reset();
}

static char *render(void)
{
    sk_prom_t p;
    sk_prom_init(&p);
    sk_metrics_render(&b, &p);
    size_t len;
    char *buf = sk_prom_take(&p, &len);
    char *s = malloc(len + 1);
    memcpy(s, buf, len);
    s[len] = '\0';
    free(buf);
    return s;
}

static int count_lines(const char *s, const char *prefix)
{
    int n = 0;
    size_t pl = strlen(prefix);
    for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        n += strncmp(l, prefix, pl) == 0;
    return n;
}

START_TEST(test_gauges)
{
    build(4, 25, 10); /* 100 partitions, 10 with ISR {1} */
    sk_met_request(0, 9);
    sk_met_request_time(0, SK_MET_REQ_TOTAL, 2000);
    sk_met.isr_shrinks = 7;
    char *s = render();
    static const char *const want[] = {
        "\nkafka_server_replicamanager_partitioncount 100\n",
        "\nkafka_server_replicamanager_leadercount 100\n",
        "\nkafka_server_replicamanager_underreplicatedpartitions 10\n",
        "\nkafka_server_replicamanager_underminisrpartitioncount 10\n",
        "\nkafka_server_replicamanager_isrshrinks_total 7\n",
        "\nkafka_controller_kafkacontroller_activecontrollercount 0\n",
        "\nkafka_server_brokertopicmetrics_messagesin_total{topic=\"topic-003\"} 3\n",
        "\nkafka_network_requestmetrics_requests_total{request=\"Produce\",version=\"9\"} 1\n",
        "\nkafka_network_requestmetrics_totaltimems_bucket{request=\"Produce\",le=\"2.5\"} 1\n",
        "\nkafka_log_log_size{topic=\"topic-002\",partition=\"24\"} ",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_msg(strstr(s, want[i]) != NULL, "missing: %s", want[i]);
    ck_assert_int_eq(count_lines(s, "kafka_log_log_size{"), 100);
    ck_assert_int_eq(count_lines(s, "kafka_log_log_logendoffset{"), 100);
    /* every family announced once, with HELP before TYPE */
    ck_assert_int_eq(count_lines(s, "# HELP "), count_lines(s, "# TYPE "));
    ck_assert_int_eq(count_lines(s, "# TYPE kafka_consumergroup_lag gauge"), 1);
    ck_assert_int_eq(
        count_lines(s, "# TYPE kafka_network_requestmetrics_totaltimems histogram"), 1);
    free(s);
    teardown();
}
END_TEST

START_TEST(test_render_10000_partitions)
{
    build(100, 100, 7);
    /* a few request families filled, as on a busy broker */
    for (int a = 0; a < 20; a++)
        for (int ph = 0; ph < SK_MET_REQ_NPHASES; ph++)
            sk_met_request_time((int16_t)a, ph, 1000 * a);
    double best = 1e9, worst = 0;
    size_t bytes = 0;
    for (int run = 0; run < 5; run++) {
        int64_t t0 = sk_met_now_us();
        char *s = render();
        double ms = (double)(sk_met_now_us() - t0) / 1000.0;
        bytes = strlen(s);
        if (run == 0)
            ck_assert_int_eq(count_lines(s, "kafka_log_log_size{"), 10000);
        free(s);
        if (ms < best)
            best = ms;
        if (ms > worst)
            worst = ms;
    }
    printf("render of 10000 partitions (100 topics): %zu bytes, best %.2f ms, worst %.2f ms "
           "of 5 (budget 50 ms)\n", bytes, best, worst);
    teardown();
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("render");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_gauges);
    tcase_add_test(tc, test_render_10000_partitions);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(metrics_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
