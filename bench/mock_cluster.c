/* mock_cluster.c - librdkafka's in-memory mock cluster as a process, for
 * bench/skein-bench: the same skein-perf is pointed at it as at Skein.
 *
 *   mock_cluster BROKERS TOPIC:PARTITIONS:RF [TOPIC:PARTITIONS:RF ...]
 *
 * Prints "BOOTSTRAP <host:port,...>" on one line once the topics exist and
 * serves until stdin closes or SIGTERM/SIGINT. Built by skein-bench with
 * `cc mock_cluster.c -lrdkafka` (librdkafka-dev).
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mock_cluster BROKERS [TOPIC:PARTITIONS:RF ...]\n");
        return 2;
    }
    int brokers = atoi(argv[1]);
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* the handle only hosts the cluster; it never connects anywhere */
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "mock_cluster: %s\n", err);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        fprintf(stderr, "mock_cluster: cannot create the mock cluster\n");
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        char name[256];
        int parts = 0, rf = 0;
        if (sscanf(argv[i], "%255[^:]:%d:%d", name, &parts, &rf) != 3 || parts < 1 || rf < 1) {
            fprintf(stderr, "mock_cluster: bad topic spec '%s' (TOPIC:PARTITIONS:RF)\n", argv[i]);
            return 2;
        }
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, name, parts, rf);
        if (e) {
            fprintf(stderr, "mock_cluster: cannot create %s: %s\n", name, rd_kafka_err2str(e));
            return 1;
        }
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    char buf[64];
    while (!stop && read(STDIN_FILENO, buf, sizeof(buf)) > 0)
        ;
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
