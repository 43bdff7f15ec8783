/* skein-top - a live view of a Skein cluster read from every broker's
 * /metrics (metrics.listener): per-broker bytes, records and requests per
 * second, leader and partition counts, under-replicated and under-min-ISR
 * partitions, the active controller and its offline partitions, and the
 * largest consumer-group lags. Once a second by default; --once or
 * --iterations N print that many frames and exit. When stdout is not a
 * terminal the frames are plain text, one after the other.
 *
 * Every broker is scraped at the same time (a thread each, with a
 * deadline), so a broker that does not answer costs one timeout per frame
 * and is shown as down.
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "toolopt.h"
#include "top_discover.h"
#include "top_scrape.h"
#include "top_view.h"

#define DEFAULT_TOP_LAGS 10

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: skein-top (--metrics URL[,URL...] | --bootstrap-server HOST:PORT[,...])\n"
            "         [--interval SECONDS] [--once | --iterations N] [--top-lags N]\n"
            "         [--timeout-ms MS]\n"
            "\n"
            "A live view of a Skein cluster, read from every broker's /metrics: bytes in and\n"
            "out, records in and requests per second (from the counters' change between two\n"
            "scrapes), leaders, partitions, under-replicated and under-min-ISR partitions, the\n"
            "active controller and the partitions it counts offline, and the largest\n"
            "consumer-group lags. A broker that does not answer is shown as down.\n"
            "When standard output is not a terminal, frames are printed as plain text.\n"
            "\n"
            "  --metrics URLS          the brokers' metrics endpoints, comma-separated\n"
            "                          (http://HOST:PORT[/PATH], /metrics by default)\n"
            "  --bootstrap-server B    find the brokers with Metadata and each one's endpoint\n"
            "                          from its metrics.listener (DescribeConfigs); PLAINTEXT\n"
            "  --interval S            seconds between frames (default 1; decimals allowed)\n"
            "  --once                  print one frame and exit (same as --iterations 1)\n"
            "  --iterations N          print N frames and exit (default: until interrupted)\n"
            "  --top-lags N            consumer-group partitions shown (default %d)\n"
            "  --timeout-ms MS         deadline of one scrape (default: the interval, at most\n"
            "                          5000)\n"
            "  --help                  this text\n"
            "  --version               print the version\n"
            "The first frame comes one interval after start: rates need two scrapes.\n"
            "Exit status: 0 done (1 when no broker answered in the last frame), 2 usage "
            "error.\n",
            DEFAULT_TOP_LAGS);
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "skein-top: %s\n", msg);
    usage(stderr);
    return SK_TOOL_EXIT_USAGE;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
    for (;;) {
        double left = t - now_s();
        if (left <= 0)
            return;
        struct timespec ts = {(time_t)left, (long)((left - floor(left)) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

typedef struct scrape_job {
    const sk_top_target_t *target;
    sk_top_url_t url;
    int have_url;
    int timeout_ms;
    sk_top_snap_t snap; /* the result */
    pthread_t thread;
    int threaded;
} scrape_job_t;

static void *scrape_one(void *arg)
{
    scrape_job_t *j = arg;
    sk_top_snap_t *s = &j->snap;
    char *body = NULL;
    size_t len = 0;
    s->t = now_s();
    if (!j->have_url) {
        snprintf(s->error, sizeof(s->error), "%s", j->target->error);
    } else if (sk_top_http_get(&j->url, j->timeout_ms, &body, &len, s->error,
                               sizeof(s->error)) == 0) {
        char err[200];
        if (sk_top_snap_parse(s, body, len, err, sizeof(err)) == 0)
            s->up = 1;
        else
            snprintf(s->error, sizeof(s->error), "malformed /metrics: %s", err);
    }
    free(body);
    return NULL;
}

/* Scrape every broker at once; the new snapshots become b[i].cur and the
 * previous ones b[i].prev. Returns how many answered. */
static int scrape_all(scrape_job_t *jobs, sk_top_broker_t *b, int n)
{
    for (int i = 0; i < n; i++) {
        sk_top_snap_clear(&jobs[i].snap);
        jobs[i].threaded = pthread_create(&jobs[i].thread, NULL, scrape_one, &jobs[i]) == 0;
        if (!jobs[i].threaded)
            scrape_one(&jobs[i]); /* no thread to be had: here, in turn */
    }
    int up = 0;
    for (int i = 0; i < n; i++) {
        if (jobs[i].threaded)
            pthread_join(jobs[i].thread, NULL);
        sk_top_snap_clear(&b[i].prev);
        b[i].prev = b[i].cur;
        b[i].cur = jobs[i].snap;
        memset(&jobs[i].snap, 0, sizeof(jobs[i].snap));
        up += b[i].cur.up;
    }
    return up;
}

/* --metrics: one target per URL. */
static int targets_from_urls(const char *list, sk_top_target_t **out, int *n, char *err,
                             size_t errlen)
{
    *out = NULL;
    *n = 0;
    char *copy = sk_strdup(list), *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save)) {
        sk_top_url_t u;
        if (sk_top_url_parse(t, &u, err, errlen)) {
            rc = -1;
            break;
        }
        *out = sk_realloc(*out, (size_t)(*n + 1) * sizeof(**out));
        sk_top_target_t *x = &(*out)[(*n)++];
        memset(x, 0, sizeof(*x));
        x->id = -1;
        x->url = sk_asprintf("http://%s%s", u.text, u.path);
        /* the path only when it is not the usual one */
        x->label = strcmp(u.path, "/metrics") ? sk_asprintf("%s%s", u.text, u.path)
                                              : sk_strdup(u.text);
        sk_top_url_free(&u);
    }
    free(copy);
    if (rc == 0 && *n == 0) {
        snprintf(err, errlen, "--metrics names no URL");
        rc = -1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"metrics", required_argument, NULL, 'm'},
        {"bootstrap-server", required_argument, NULL, 'b'},
        {"interval", required_argument, NULL, 'i'},
        {"iterations", required_argument, NULL, 'n'},
        {"once", no_argument, NULL, '1'},
        {"top-lags", required_argument, NULL, 'l'},
        {"timeout-ms", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *metrics = NULL, *bootstrap = NULL;
    double interval = 1.0;
    long long iterations = -1, top_lags = DEFAULT_TOP_LAGS, timeout_ms = -1;
    char err[256];
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'm':
            metrics = optarg;
            break;
        case 'b':
            bootstrap = optarg;
            break;
        case 'i': {
            char *end;
            interval = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(interval) || interval < 0.1 ||
                interval > 3600)
                return usage_error("--interval: seconds between 0.1 and 3600");
            break;
        }
        case 'n':
            if (sk_topt_int(optarg, 1, 1000000000, &iterations, err, sizeof(err)))
                return usage_error("--iterations: a number of frames, 1 or more");
            break;
        case '1':
            iterations = 1;
            break;
        case 'l':
            if (sk_topt_int(optarg, 0, 100000, &top_lags, err, sizeof(err)))
                return usage_error("--top-lags: a number, 0 or more");
            break;
        case 't':
            if (sk_topt_int(optarg, 1, 600000, &timeout_ms, err, sizeof(err)))
                return usage_error("--timeout-ms: milliseconds, 1 to 600000");
            break;
        case 'h':
            usage(stdout);
            return SK_TOOL_EXIT_OK;
        case 'V':
            printf("skein-top %s\n", PACKAGE_VERSION);
            return SK_TOOL_EXIT_OK;
        case ':':
            snprintf(err, sizeof(err), "%s needs a value", argv[optind - 1]);
            return usage_error(err);
        default:
            snprintf(err, sizeof(err), "unknown option %s", argv[optind - 1]);
            return usage_error(err);
        }
    }
    if (optind < argc) {
        snprintf(err, sizeof(err), "unexpected argument %s", argv[optind]);
        return usage_error(err);
    }
    if (!metrics == !bootstrap)
        return usage_error("give one of --metrics and --bootstrap-server");
    if (timeout_ms < 0)
        timeout_ms = interval * 1000 < 5000 ? (long long)(interval * 1000) : 5000;

    sk_top_target_t *targets = NULL;
    int n = 0;
    if (metrics) {
        if (targets_from_urls(metrics, &targets, &n, err, sizeof(err))) {
            sk_top_targets_free(targets, n);
            return usage_error(err);
        }
    } else if (sk_top_discover(bootstrap, (int)((timeout_ms + 999) / 1000), &targets, &n, err,
                               sizeof(err))) {
        fprintf(stderr, "skein-top: %s\n", err);
        return SK_TOOL_EXIT_FAIL;
    }
    signal(SIGPIPE, SIG_IGN);

    scrape_job_t *jobs = sk_calloc((size_t)n, sizeof(*jobs));
    sk_top_broker_t *b = sk_calloc((size_t)n, sizeof(*b));
    for (int i = 0; i < n; i++) {
        jobs[i].target = &targets[i];
        jobs[i].timeout_ms = (int)timeout_ms;
        if (targets[i].url) {
            char e[128];
            jobs[i].have_url = sk_top_url_parse(targets[i].url, &jobs[i].url, e, sizeof(e)) == 0;
            if (!jobs[i].have_url)
                snprintf(targets[i].error, sizeof(targets[i].error), "%s", e);
        }
        b[i].label = targets[i].label;
    }
    int tty = isatty(STDOUT_FILENO);
    double next = now_s();
    scrape_all(jobs, b, n); /* the baseline the first frame's rates start from */
    int up = 0;
    for (long long k = 0; iterations < 0 || k < iterations; k++) {
        next += interval;
        if (next < now_s() - interval)
            next = now_s(); /* scrapes overran: no burst of catch-up frames */
        sleep_until(next);
        up = scrape_all(jobs, b, n);
        sk_top_frame(stdout, b, n, (int)top_lags, tty);
    }
    for (int i = 0; i < n; i++) {
        if (jobs[i].have_url)
            sk_top_url_free(&jobs[i].url);
        sk_top_snap_clear(&b[i].prev);
        sk_top_snap_clear(&b[i].cur);
    }
    free(jobs);
    free(b);
    sk_top_targets_free(targets, n);
    return up > 0 ? SK_TOOL_EXIT_OK : SK_TOOL_EXIT_FAIL;
}
