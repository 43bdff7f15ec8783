/* main.c - skeind: the Skein broker daemon.
 *
 *   skeind --config FILE [--override key=value ...]
 *
 * Exit status: 0 after a clean shutdown, 1 on a runtime failure (ZooKeeper
 * unreachable, duplicate broker id, unusable log dir, port in use), 2 on bad
 * usage or configuration (reported before anything is started).
 */
#include "broker.h"
#include "conf.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "mem.h"
#include "sasl.h"
#include "tls.h"
#include "zkauth.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: skeind --config FILE [--override key=value ...]\n"
            "\n"
            "Skein broker: speaks the Apache Kafka protocol, coordinated by ZooKeeper.\n"
            "\n"
            "Options:\n"
            "  -c, --config FILE           Kafka-style properties file (server.properties)\n"
            "  -o, --override KEY=VALUE    set a configuration key (repeatable; wins over FILE)\n"
            "  -h, --help                  this help, then every broker and topic key\n"
            "  -V, --version               print the version\n"
            "\n"
            "Signals: SIGTERM or SIGINT shut the broker down cleanly (deregister, flush);\n"
            "SIGHUP reloads the key and trust stores of TLS listeners (also checked every minute).\n"
            "Exit status: 0 clean shutdown, 1 runtime failure, 2 bad usage or configuration.\n"
            "See skeind(8) and skein.properties(5).\n\n");
}

/* TLS certificate renewal: files are checked every minute, and SIGHUP
 * reloads them all (tls.h). */
#define TLS_CHECK_SECONDS 60

static void tls_reload_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    sk_tls_reload(arg, (what & EV_SIGNAL) != 0);
}

static void libevent_log(int severity, const char *msg)
{
    if (severity >= EVENT_LOG_WARN)
        sk_warn("libevent", "%s", msg);
    else
        sk_debug("libevent", "%s", msg);
}

/* The hot path allocates and frees megabyte buffers (a Produce request's
 * frame, a follower's Fetch response, the input buffers they are read into).
 * With glibc's adaptive thresholds those came from the heap's top and the
 * top was trimmed back to the kernel after each free: a follower made ~1,000
 * brk calls and ~92,000 page faults per 200 MB replicated, about half its CPU
 * (issue 14 part 3). Fixed thresholds keep up to 8 MiB of free heap instead;
 * larger blocks are still mapped and unmapped one by one. */
static void malloc_tune(void)
{
    mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
}

int main(int argc, char **argv)
{
    malloc_tune();
    const char *config = NULL;
    char **overrides = sk_calloc((size_t)argc + 1, sizeof(char *));
    int n_overrides = 0;
    int status = 2;
    sk_tls_t *tls = NULL;
    sk_sasl_t *sasl = NULL;
    sk_conf_t conf;
    sk_conf_init(&conf);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            sk_conf_print_help(stdout);
            status = 0;
            goto out;
        } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("skeind %s\n", PACKAGE_VERSION);
            status = 0;
            goto out;
        } else if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
            config = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            config = a + 9;
        } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--override") == 0) && i + 1 < argc) {
            overrides[n_overrides++] = argv[++i];
        } else if (strncmp(a, "--override=", 11) == 0) {
            overrides[n_overrides++] = (char *)a + 11;
        } else if (!config && a[0] != '-') {
            config = a; /* Kafka's kafka-server-start.sh takes the file positionally */
        } else {
            fprintf(stderr, "skeind: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            goto out;
        }
    }
    if (!config) {
        fprintf(stderr, "skeind: --config FILE is required\n");
        usage(stderr);
        goto out;
    }

    char err[1024];
    /* A first quiet pass learns broker.id so that the warnings of the real
     * pass (unknown keys) carry it like every other line. */
    sk_log_set_level(SK_LOG_ERROR);
    if (sk_conf_load(&conf, config, overrides, n_overrides, err, sizeof(err)) == SK_OK)
        sk_log_set_broker_id(conf.broker_id);
    sk_conf_free(&conf);
    sk_conf_init(&conf);
    sk_log_set_level(SK_LOG_INFO);
    if (sk_conf_load(&conf, config, overrides, n_overrides, err, sizeof(err)) != SK_OK) {
        fprintf(stderr, "skeind: configuration error: %s\n", err);
        goto out;
    }
    sk_log_set_level((sk_log_level_t)conf.log_level);
    sk_log_set_broker_id(conf.broker_id);
    sk_log_set_format((sk_log_format_t)conf.log_format);
    if (conf.log_file && sk_log_open(conf.log_file) != 0) {
        fprintf(stderr, "skeind: cannot open log.file %s\n", conf.log_file);
        goto out;
    }
    /* ZooKeeper credentials that cannot be read: exit status 2 as well
     * (the broker reads them again when it opens its session). */
    if (conf.zookeeper_digest_file) {
        sk_zkauth_t *za = NULL;
        if (sk_zkauth_load(conf.zookeeper_digest_file, &za, err, sizeof(err)) != SK_OK) {
            fprintf(stderr, "skeind: configuration error: zookeeper.digest.file: %s\n", err);
            goto out;
        }
        sk_zkauth_free(za);
    }
    /* A listener that cannot be served as configured (TLS keys missing or
     * unreadable, SASL) is a configuration error: exit status 2. */
    if (sk_tls_new(&conf, &tls, err, sizeof(err)) != SK_OK) {
        fprintf(stderr, "skeind: configuration error: %s\n", err);
        goto out;
    }
    sk_tls_set_process(tls);
    if (sk_sasl_new(&conf, &sasl, err, sizeof(err)) != SK_OK) {
        fprintf(stderr, "skeind: configuration error: %s\n", err);
        goto out;
    }
    sk_sasl_set_process(sasl);
    status = 1;
    signal(SIGPIPE, SIG_IGN);
    event_set_log_callback(libevent_log);
    if (evthread_use_pthreads() != 0) {
        sk_error("broker", "libevent has no pthreads support");
        goto out;
    }
    struct event_base *base = event_base_new();
    if (!base) {
        sk_error("broker", "cannot create the event loop");
        goto out;
    }
    sk_info("broker", "skeind %s starting with %s", PACKAGE_VERSION, config);
    sk_broker_t *b = NULL;
    if (sk_broker_new(base, &conf, &b, err, sizeof(err)) != SK_OK) {
        sk_error("broker", "start-up failed: %s", err);
        event_base_free(base);
        goto out;
    }
    struct event *tls_hup = NULL, *tls_tick = NULL;
    if (sk_tls_active(tls)) {
        struct timeval every = {TLS_CHECK_SECONDS, 0};
        tls_hup = evsignal_new(base, SIGHUP, tls_reload_cb, tls);
        tls_tick = event_new(base, -1, EV_PERSIST, tls_reload_cb, tls);
        event_add(tls_hup, NULL);
        event_add(tls_tick, &every);
    }
    event_base_dispatch(base);
    status = sk_broker_exit_code(b);
    if (tls_hup)
        event_free(tls_hup);
    if (tls_tick)
        event_free(tls_tick);
    sk_broker_free(b);
    event_base_free(base);
    sk_info("broker", "stopped (exit status %d)", status);
out:
    sk_sasl_free(sasl);
    sk_tls_free(tls);
    sk_conf_free(&conf);
    free(overrides);
    return status;
}
