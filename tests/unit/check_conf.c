/* check_conf.c - unit tests for the broker and topic key tables and the
 * docs generated from them. */
#include "conf.h"
#include "topic_conf.h"

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kerr.h"
#include "log.h"

#ifndef SK_TOP_SRCDIR
#define SK_TOP_SRCDIR "."
#endif
#ifndef SK_TOP_BUILDDIR
#define SK_TOP_BUILDDIR "."
#endif

#define MINIMAL "broker.id=0\nzookeeper.connect=127.0.0.1:2181\n"

static char tmp_path[64];

/* Write text to a fresh temp file; returns its path (static). */
static const char *write_tmp(const char *text)
{
    snprintf(tmp_path, sizeof(tmp_path), "/tmp/check_conf_XXXXXX");
    int fd = mkstemp(tmp_path);
    ck_assert_int_ge(fd, 0);
    size_t n = strlen(text);
    ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
    close(fd);
    return tmp_path;
}

/* Load text (plus overrides) into c; returns rc, message in err. */
static int load_text(sk_conf_t *c, const char *text, char *const *ov, int nov, char *err,
                     size_t errlen)
{
    sk_conf_init(c);
    err[0] = '\0';
    const char *path = write_tmp(text);
    int rc = sk_conf_load(c, path, ov, nov, err, errlen);
    unlink(path);
    return rc;
}

static void load_ok(sk_conf_t *c, const char *text, char *const *ov, int nov)
{
    char err[1024];
    int rc = load_text(c, text, ov, nov, err, sizeof(err));
    ck_assert_msg(rc == SK_OK, "load failed: %s", err);
}

/* Expect failure; the message must contain every non-NULL needle. */
static void load_fail(const char *text, char *const *ov, int nov, const char *n1, const char *n2,
                      const char *n3)
{
    sk_conf_t c;
    char err[1024];
    int rc = load_text(&c, text, ov, nov, err, sizeof(err));
    ck_assert_msg(rc == SK_EINVAL, "expected failure for [%s], got rc %d", text, rc);
    const char *needles[] = {n1, n2, n3};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(!needles[i] || strstr(err, needles[i]), "message '%s' lacks '%s'", err,
                      needles[i]);
    sk_conf_free(&c);
}

static const char *slurp(const char *path)
{
    static char buf[1 << 16];
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

START_TEST(test_defaults)
{
    sk_conf_t c;
    sk_conf_init(&c);
    ck_assert_int_eq(c.broker_id, -1);
    ck_assert_ptr_null(c.broker_rack);
    ck_assert_str_eq(c.listeners, "PLAINTEXT://:9092");
    ck_assert_int_eq(c.n_listeners_parsed, 1);
    ck_assert_str_eq(c.listeners_parsed[0].name, "PLAINTEXT");
    ck_assert_str_eq(c.listeners_parsed[0].protocol, "PLAINTEXT");
    ck_assert_str_eq(c.listeners_parsed[0].host, "");
    ck_assert_int_eq(c.listeners_parsed[0].port, 9092);
    char hn[256];
    ck_assert_int_eq(gethostname(hn, sizeof(hn)), 0);
    ck_assert_int_eq(c.n_advertised_listeners_parsed, 1);
    ck_assert_str_eq(c.advertised_listeners_parsed[0].host, hn);
    ck_assert_str_eq(c.inter_broker_listener_name, "PLAINTEXT");
    ck_assert_int_eq(c.log_dirs.n, 1);
    ck_assert_str_eq(c.log_dirs.v[0], "/tmp/kafka-logs");
    ck_assert_ptr_null(c.zookeeper_connect);
    ck_assert_int_eq(c.zookeeper_session_timeout_ms, 18000);
    ck_assert_int_eq(c.zookeeper_connection_timeout_ms, 18000);
    ck_assert_int_eq(c.zookeeper_max_in_flight_requests, 10);
    ck_assert(!c.zookeeper_set_acl);
    ck_assert_int_eq(c.num_partitions, 1);
    ck_assert_int_eq(c.default_replication_factor, 1);
    ck_assert_int_eq(c.min_insync_replicas, 1);
    ck_assert(c.auto_create_topics_enable);
    ck_assert(c.delete_topic_enable);
    ck_assert_int_eq(c.log_segment_bytes, 1073741824);
    ck_assert_int_eq(c.log_roll_hours, 168);
    ck_assert_int_eq(c.log_roll_ms, 168LL * 3600000);
    ck_assert_int_eq(c.log_retention_ms, 168LL * 3600000);
    ck_assert_int_eq(c.log_retention_bytes, -1);
    ck_assert_int_eq(c.log_retention_check_interval_ms, 300000);
    ck_assert_int_eq(c.log_cleanup_policy.n, 1);
    ck_assert_str_eq(c.log_cleanup_policy.v[0], "delete");
    ck_assert(c.log_cleanup_policy_delete && !c.log_cleanup_policy_compact);
    ck_assert(c.log_cleaner_enable);
    ck_assert_int_eq(c.log_cleaner_threads, 1);
    ck_assert_int_eq(c.log_cleaner_backoff_ms, 15000);
    ck_assert(c.log_cleaner_min_cleanable_ratio == 0.5);
    ck_assert_int_eq(c.log_cleaner_delete_retention_ms, 86400000);
    ck_assert_int_eq(c.log_cleaner_min_compaction_lag_ms, 0);
    ck_assert(c.log_cleaner_max_compaction_lag_ms == INT64_MAX);
    ck_assert_int_eq(c.log_cleaner_dedupe_buffer_size, 134217728);
    ck_assert_int_eq(c.producer_id_expiration_ms, 86400000);
    ck_assert_int_eq(c.producer_id_expiration_check_interval_ms, 600000);
    ck_assert_int_eq(c.log_index_interval_bytes, 4096);
    ck_assert_int_eq(c.log_index_size_max_bytes, 10485760);
    ck_assert(c.log_flush_interval_messages == INT64_MAX);
    ck_assert(c.log_flush_interval_ms == INT64_MAX);
    ck_assert(c.log_flush_scheduler_interval_ms == INT64_MAX);
    ck_assert_int_eq(c.log_flush_offset_checkpoint_interval_ms, 60000);
    ck_assert_int_eq(c.log_flush_start_offset_checkpoint_interval_ms, 60000);
    ck_assert_int_eq(c.log_message_timestamp_type, SK_CONF_TS_CREATE_TIME);
    ck_assert_int_eq(c.message_max_bytes, 1048588);
    ck_assert_int_eq(c.socket_request_max_bytes, 104857600);
    ck_assert_int_eq(c.socket_send_buffer_bytes, 102400);
    ck_assert_int_eq(c.replica_lag_time_max_ms, 30000);
    ck_assert_int_eq(c.replica_fetch_max_bytes, 1048576);
    ck_assert_int_eq(c.replica_fetch_wait_max_ms, 500);
    ck_assert(!c.unclean_leader_election_enable);
    ck_assert(c.controlled_shutdown_enable);
    ck_assert_int_eq(c.controlled_shutdown_max_retries, 3);
    ck_assert(c.auto_leader_rebalance_enable);
    ck_assert_int_eq(c.leader_imbalance_check_interval_seconds, 300);
    ck_assert_int_eq(c.offsets_topic_num_partitions, 50);
    ck_assert_int_eq(c.offsets_topic_replication_factor, 3);
    ck_assert_int_eq(c.group_initial_rebalance_delay_ms, 3000);
    ck_assert_int_eq(c.group_min_session_timeout_ms, 6000);
    ck_assert_int_eq(c.group_max_session_timeout_ms, 1800000);
    ck_assert_int_eq(c.log_level, SK_LOG_INFO);
    ck_assert_ptr_null(c.log_file);
    for (int i = 0; i < sk_conf_key_count(); i++)
        ck_assert_int_eq(c.source[i], SK_CONF_SRC_DEFAULT);
    sk_conf_free(&c);
}
END_TEST

START_TEST(test_minimal_load)
{
    sk_conf_t c;
    load_ok(&c, "broker.id=7\nzookeeper.connect=zk1:2181,zk2:2182/skein\n", NULL, 0);
    ck_assert_int_eq(c.broker_id, 7);
    ck_assert_str_eq(c.zookeeper_connect, "zk1:2181,zk2:2182/skein");
    ck_assert_str_eq(c.zookeeper_hosts, "zk1:2181,zk2:2182");
    ck_assert_str_eq(c.zookeeper_chroot, "/skein");
    ck_assert_int_eq(c.source[sk_conf_key_index("broker.id")], SK_CONF_SRC_FILE);
    ck_assert_int_eq(c.source[sk_conf_key_index("num.partitions")], SK_CONF_SRC_DEFAULT);
    sk_conf_free(&c);
}
END_TEST

START_TEST(test_path_null_overrides_only)
{
    sk_conf_t c;
    char err[512];
    char *ov[] = {"broker.id=1", "zookeeper.connect=h:1"};
    sk_conf_init(&c);
    ck_assert_int_eq(sk_conf_load(&c, NULL, ov, 2, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(c.broker_id, 1);
    ck_assert_int_eq(c.source[sk_conf_key_index("broker.id")], SK_CONF_SRC_OVERRIDE);
    ck_assert_ptr_null(c.zookeeper_chroot);
    sk_conf_free(&c);
}
END_TEST

START_TEST(test_exact_error_message)
{
    sk_conf_t c;
    char err[1024], expect[1024];
    sk_conf_init(&c);
    const char *path = write_tmp(MINIMAL "# comment\nlog.segment.bytes=abc\n");
    ck_assert_int_eq(sk_conf_load(&c, path, NULL, 0, err, sizeof(err)), SK_EINVAL);
    snprintf(expect, sizeof(expect),
             "invalid value 'abc' for log.segment.bytes in %s:4: expected an integer between 14 and 2147483647",
             path);
    ck_assert_str_eq(err, expect);
    unlink(path);
    sk_conf_free(&c);
}
END_TEST

START_TEST(test_invalid_values_each_type)
{
    /* int32: junk, below min, above max, overflow, empty, embedded space, hex, float */
    load_fail(MINIMAL "\nlog.segment.bytes=13\n", NULL, 0, "'13'", "log.segment.bytes", ":4:");
    load_fail(MINIMAL "num.partitions=0\n", NULL, 0, "num.partitions", ":3:", "between 1 and");
    load_fail(MINIMAL "message.max.bytes=2147483648\n", NULL, 0, "message.max.bytes", ":3:", NULL);
    load_fail(MINIMAL "num.partitions=\n", NULL, 0, "''", "num.partitions", ":3:");
    load_fail(MINIMAL "num.partitions=1 2\n", NULL, 0, "'1 2'", "num.partitions", NULL);
    load_fail(MINIMAL "num.partitions=0x10\n", NULL, 0, "num.partitions", NULL, NULL);
    load_fail(MINIMAL "num.partitions=1.5\n", NULL, 0, "num.partitions", NULL, NULL);
    load_fail(MINIMAL "zookeeper.session.timeout.ms=-5\n", NULL, 0, "zookeeper.session.timeout.ms",
              NULL, NULL);
    /* int64 */
    load_fail(MINIMAL "log.retention.bytes=9223372036854775808\n", NULL, 0, "log.retention.bytes",
              ":3:", "integer");
    load_fail(MINIMAL "replica.lag.time.max.ms=soon\n", NULL, 0, "replica.lag.time.max.ms", ":3:",
              NULL);
    /* bool */
    load_fail(MINIMAL "auto.create.topics.enable=yes\n", NULL, 0, "'yes'",
              "auto.create.topics.enable", "true or false");
    load_fail(MINIMAL "delete.topic.enable=1\n", NULL, 0, "delete.topic.enable", ":3:", NULL);
    /* enum */
    load_fail(MINIMAL "log.message.timestamp.type=createtime\n", NULL, 0,
              "log.message.timestamp.type", "CreateTime, LogAppendTime", ":3:");
    load_fail(MINIMAL "log.level=verbose\n", NULL, 0, "log.level", "error, warn, info, debug",
              NULL);
    /* list with allowed items */
    load_fail(MINIMAL "log.cleanup.policy=delete,remove\n", NULL, 0, "log.cleanup.policy",
              "'remove'", ":3:");
    load_fail(MINIMAL "log.cleanup.policy= , \n", NULL, 0, "log.cleanup.policy", "at least one",
              NULL);
    load_fail(MINIMAL "log.dirs=,\n", NULL, 0, "log.dirs", NULL, NULL);
    /* double */
    load_fail(MINIMAL "log.cleaner.min.cleanable.ratio=1.5\n", NULL, 0,
              "log.cleaner.min.cleanable.ratio", "'1.5'", "between 0 and 1");
    load_fail(MINIMAL "log.cleaner.min.cleanable.ratio=half\n", NULL, 0,
              "log.cleaner.min.cleanable.ratio", ":3:", NULL);
    load_fail(MINIMAL "log.cleaner.min.cleanable.ratio=0.5x\n", NULL, 0,
              "log.cleaner.min.cleanable.ratio", NULL, NULL);
    load_fail(MINIMAL "log.cleaner.min.cleanable.ratio=nan\n", NULL, 0,
              "log.cleaner.min.cleanable.ratio", NULL, NULL);
    load_fail(MINIMAL "log.cleaner.dedupe.buffer.size=1024\n", NULL, 0,
              "log.cleaner.dedupe.buffer.size", "1048576", NULL);
    /* string with allowed values */
    load_fail(MINIMAL "security.inter.broker.protocol=TLS\n", NULL, 0,
              "security.inter.broker.protocol", "PLAINTEXT", NULL);
    /* broker.id must be >= 0 */
    load_fail("broker.id=-1\nzookeeper.connect=h:1\n", NULL, 0, "broker.id", ":1:", "between 0");
}
END_TEST

START_TEST(test_valid_value_forms)
{
    sk_conf_t c;
    load_ok(&c,
            MINIMAL "num.partitions =  +12  \n"
                    "auto.create.topics.enable=FALSE\n"
                    "delete.topic.enable=True\n"
                    "log.level=DEBUG\n"
                    "log.message.timestamp.type=LogAppendTime\n"
                    "log.cleanup.policy=compact, delete\n"
                    "security.inter.broker.protocol=plaintext\n"
                    "log.retention.bytes=-1\n"
                    "log.flush.interval.messages=9223372036854775807\n"
                    "socket.send.buffer.bytes=-1\n"
                    "broker.rack=rack-a\n"
                    "log.file=/var/log/skein.log\n"
                    "log.cleaner.min.cleanable.ratio=0.25\n",
            NULL, 0);
    ck_assert(c.log_cleaner_min_cleanable_ratio == 0.25);
    ck_assert_int_eq(c.num_partitions, 12);
    ck_assert(!c.auto_create_topics_enable);
    ck_assert(c.delete_topic_enable);
    ck_assert_int_eq(c.log_level, SK_LOG_DEBUG);
    ck_assert_int_eq(c.log_message_timestamp_type, SK_CONF_TS_LOG_APPEND_TIME);
    ck_assert_int_eq(c.log_cleanup_policy.n, 2);
    ck_assert_str_eq(c.log_cleanup_policy.v[0], "compact");
    ck_assert_str_eq(c.log_cleanup_policy.v[1], "delete");
    ck_assert(c.log_cleanup_policy_delete && c.log_cleanup_policy_compact);
    ck_assert_str_eq(c.security_inter_broker_protocol, "PLAINTEXT");
    ck_assert(c.log_flush_interval_messages == INT64_MAX);
    ck_assert_int_eq(c.socket_send_buffer_bytes, -1);
    ck_assert_str_eq(c.broker_rack, "rack-a");
    ck_assert_str_eq(c.log_file, "/var/log/skein.log");

    char buf[256];
    ck_assert_int_eq(sk_conf_value_string(&c, sk_conf_key_index("log.cleanup.policy"), buf,
                                          sizeof(buf)), SK_OK);
    ck_assert_str_eq(buf, "compact,delete");
    sk_conf_value_string(&c, sk_conf_key_index("auto.create.topics.enable"), buf, sizeof(buf));
    ck_assert_str_eq(buf, "false");
    sk_conf_value_string(&c, sk_conf_key_index("log.level"), buf, sizeof(buf));
    ck_assert_str_eq(buf, "debug");
    sk_conf_value_string(&c, sk_conf_key_index("log.roll.ms"), buf, sizeof(buf));
    ck_assert_str_eq(buf, ""); /* unset nullable */
    sk_conf_value_string(&c, sk_conf_key_index("num.partitions"), buf, sizeof(buf));
    ck_assert_str_eq(buf, "12");
    sk_conf_value_string(&c, sk_conf_key_index("log.cleaner.min.cleanable.ratio"), buf,
                         sizeof(buf));
    ck_assert_str_eq(buf, "0.25");
    ck_assert_int_eq(sk_conf_value_string(&c, sk_conf_key_count(), buf, sizeof(buf)), SK_EINVAL);
    ck_assert_int_eq(sk_conf_value_string(&c, -1, buf, sizeof(buf)), SK_EINVAL);
    sk_conf_free(&c);

    /* empty optional strings mean unset */
    load_ok(&c, MINIMAL "broker.rack=\nlog.file=   \n", NULL, 0);
    ck_assert_ptr_null(c.broker_rack);
    ck_assert_ptr_null(c.log_file);
    sk_conf_free(&c);
}
END_TEST

START_TEST(test_overrides_win)
{
    sk_conf_t c;
    char *ov[] = {"num.partitions=9", " log.segment.bytes = 1000 ", "num.partitions=10",
                  "broker.rack=a=b"};
    load_ok(&c, MINIMAL "num.partitions=3\nlog.segment.bytes=5000\n", ov, 4);
    ck_assert_int_eq(c.num_partitions, 10);
    ck_assert_int_eq(c.log_segment_bytes, 1000);
    ck_assert_str_eq(c.broker_rack, "a=b");
    ck_assert_int_eq(c.source[sk_conf_key_index("num.partitions")], SK_CONF_SRC_OVERRIDE);
    sk_conf_free(&c);

    /* an invalid override says so; the file's value was fine */
    char *bad[] = {"num.partitions=zero"};
    load_fail(MINIMAL "num.partitions=3\n", bad, 1, "'zero'", "num.partitions", "--override");
    char *noeq[] = {"num.partitions"};
    load_fail(MINIMAL, noeq, 1, "--override", "key=value", NULL);
    char *nokey[] = {"=5"};
    load_fail(MINIMAL, nokey, 1, "--override", "empty key", NULL);
    /* overrides can supply a required key the file lacks */
    char *zk[] = {"zookeeper.connect=h:2181/x"};
    load_ok(&c, "broker.id=1\n", zk, 1);
    ck_assert_str_eq(c.zookeeper_chroot, "/x");
    sk_conf_free(&c);
}
END_TEST

START_TEST(test_unknown_keys_warn)
{
    char logpath[] = "/tmp/check_conf_log_XXXXXX";
    int fd = mkstemp(logpath);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(sk_log_open(logpath), 0);
    sk_log_set_level(SK_LOG_WARN);

    sk_conf_t c;
    char *ov[] = {"bogus.override=1"};
    load_ok(&c, MINIMAL "foo=bar\nnum.partitions=2\n", ov, 1);
    ck_assert_int_eq(c.num_partitions, 2);
    sk_conf_free(&c);

    sk_log_set_level(SK_LOG_ERROR);
    const char *log = slurp(logpath);
    ck_assert_msg(strstr(log, "unknown configuration key 'foo' (line 3) ignored"), "%s", log);
    ck_assert_msg(strstr(log, "unknown configuration key 'bogus.override' (--override) ignored"),
                  "%s", log);
    ck_assert_msg(strstr(log, "WARN"), "%s", log);
    unlink(logpath);
}
END_TEST

START_TEST(test_missing_required)
{
    load_fail("broker.id=1\n", NULL, 0, "missing required configuration key zookeeper.connect",
              NULL, NULL);
    load_fail("zookeeper.connect=h:1\n", NULL, 0, "missing required configuration key broker.id",
              NULL, NULL);
    load_fail("broker.id=1\nzookeeper.connect=\n", NULL, 0, "zookeeper.connect", ":2:",
              "non-empty");
    /* unreadable file */
    sk_conf_t c;
    char err[512];
    sk_conf_init(&c);
    ck_assert_int_eq(sk_conf_load(&c, "/nonexistent/skein.properties", NULL, 0, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_msg(strstr(err, "/nonexistent/skein.properties"), "%s", err);
    sk_conf_free(&c);
    /* malformed file */
    load_fail(MINIMAL "x=\\u12\n", NULL, 0, ":3:", "\\u", NULL);
}
END_TEST

START_TEST(test_zk_connect)
{
    static const struct {
        const char *in, *hosts, *chroot;
    } good[] = {
        {"a:1", "a:1", NULL},
        {"a:1,b:2", "a:1,b:2", NULL},
        {"a:1, b.example.com:2181 /kafka", "a:1,b.example.com:2181", "/kafka"},
        {"127.0.0.1:2181/", "127.0.0.1:2181", NULL},
        {"127.0.0.1:2181/a/b-c_d.e", "127.0.0.1:2181", "/a/b-c_d.e"},
        {"::1:2181", "::1:2181", NULL},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char *h, *r, err[256];
        ck_assert_msg(sk_zk_connect_parse(good[i].in, &h, &r, err, sizeof(err)) == SK_OK,
                      "'%s': %s", good[i].in, err);
        ck_assert_str_eq(h, good[i].hosts);
        if (good[i].chroot)
            ck_assert_str_eq(r, good[i].chroot);
        else
            ck_assert_ptr_null(r);
        free(h);
        free(r);
    }
    static const char *const bad[] = {
        "a", "a:", "a:x", ":1", "a:0", "a:65536", "a:+1", "a:1,,b:2", "a:1,", ",a:1", "/x",
        "a:1/x/", "a:1//x", "a:1/x/../y", "a:1/./y", "a:1/x y", "a b:1", "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *h = (char *)1, *r = (char *)1, err[256] = "";
        ck_assert_msg(sk_zk_connect_parse(bad[i], &h, &r, err, sizeof(err)) == SK_EINVAL,
                      "'%s' accepted", bad[i]);
        ck_assert_ptr_null(h);
        ck_assert_ptr_null(r);
        ck_assert(err[0] != '\0');
    }
    /* through the loader: names the key and the syntax */
    load_fail("broker.id=0\nzookeeper.connect=localhost\n", NULL, 0,
              "invalid value 'localhost' for zookeeper.connect", ":2:", "host:port");
}
END_TEST

START_TEST(test_listeners_parse)
{
    sk_listener_cfg_t *v;
    int n;
    char err[512];
    ck_assert_int_eq(sk_listeners_parse(" PLAINTEXT://127.0.0.1:9092 , internal://:9093,"
                                        "EXT://[::1]:9094,V6Z://[fe80::1%eth0]:0",
                                        "INTERNAL:PLAINTEXT,PLAINTEXT:PLAINTEXT,EXT:SSL,v6z:sasl_ssl",
                                        &v, &n, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(n, 4);
    ck_assert_str_eq(v[0].name, "PLAINTEXT");
    ck_assert_str_eq(v[0].protocol, "PLAINTEXT");
    ck_assert_str_eq(v[0].host, "127.0.0.1");
    ck_assert_int_eq(v[0].port, 9092);
    ck_assert_str_eq(v[1].name, "INTERNAL");
    ck_assert_str_eq(v[1].protocol, "PLAINTEXT");
    ck_assert_str_eq(v[1].host, "");
    ck_assert_int_eq(v[1].port, 9093);
    ck_assert_str_eq(v[2].host, "::1");
    ck_assert_str_eq(v[2].protocol, "SSL");
    ck_assert_str_eq(v[3].host, "fe80::1%eth0");
    ck_assert_str_eq(v[3].protocol, "SASL_SSL");
    ck_assert_int_eq(v[3].port, 0);
    ck_assert_ptr_eq(sk_listeners_find(v, n, "internal"), &v[1]);
    ck_assert_ptr_null(sk_listeners_find(v, n, "OTHER"));
    sk_listeners_free(v, n);

    /* default map; host names; two port-0 listeners are fine */
    ck_assert_int_eq(sk_listeners_parse("PLAINTEXT://broker-1.example.com:0,SSL://h_2:0", NULL, &v,
                                        &n, err, sizeof(err)),
                     SK_OK);
    ck_assert_str_eq(v[0].host, "broker-1.example.com");
    ck_assert_str_eq(v[1].protocol, "SSL");
    sk_listeners_free(v, n);

    static const struct {
        const char *in, *map, *needle;
    } bad[] = {
        {"", NULL, "at least one"},
        {" , ", NULL, "at least one"},
        {"127.0.0.1:9092", NULL, "NAME://host:port"},
        {"PLAINTEXT://h", NULL, "no :port"},
        {"PLAINTEXT://h:", NULL, "port"},
        {"PLAINTEXT://h:99999", NULL, "between 0 and 65535"},
        {"PLAINTEXT://h:-1", NULL, "port"},
        {"PLAINTEXT://h:+1", NULL, "port"},
        {"PLAINTEXT://h:12a", NULL, "port"},
        {"PLAINTEXT://::1:9092", NULL, "brackets"},
        {"PLAINTEXT://[zz::1]:9092", NULL, "IPv6"},
        {"PLAINTEXT://[::1]9092", NULL, "[IPv6]:port"},
        {"PLAINTEXT://[::1:9092", NULL, "[IPv6]:port"},
        {"PLAINTEXT://h/x:9092", NULL, "invalid character"},
        {"://h:1", NULL, "listener name"},
        {"A B://h:1", "A B:PLAINTEXT", "listener name"},
        {"INTERNAL://:9093", NULL, "no security protocol for listener INTERNAL"},
        {"PLAINTEXT://:1,plaintext://:2", NULL, "used twice"},
        {"PLAINTEXT://a:9092,SSL://b:9092", NULL, "both use port 9092"},
        {"PLAINTEXT://:1", "PLAINTEXT", "NAME:PROTOCOL"},
        {"PLAINTEXT://:1", "PLAINTEXT:TLS", "unknown security protocol"},
        {"PLAINTEXT://:1", "PLAINTEXT:PLAINTEXT,plaintext:SSL", "mapped twice"},
        {"PLAINTEXT://:1", ",", "NAME:PROTOCOL"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        v = (sk_listener_cfg_t *)1;
        ck_assert_msg(sk_listeners_parse(bad[i].in, bad[i].map, &v, &n, err, sizeof(err)) ==
                          SK_EINVAL,
                      "'%s' accepted", bad[i].in);
        ck_assert_ptr_null(v);
        ck_assert_int_eq(n, 0);
        ck_assert_msg(strstr(err, bad[i].needle), "'%s': message '%s' lacks '%s'", bad[i].in,
                      err, bad[i].needle);
    }
}
END_TEST

START_TEST(test_listeners_in_config)
{
    sk_conf_t c;
    char hn[256];
    ck_assert_int_eq(gethostname(hn, sizeof(hn)), 0);

    /* advertised defaults to listeners; empty host -> hostname; port 0 kept */
    load_ok(&c, MINIMAL "listeners=PLAINTEXT://:0\n", NULL, 0);
    ck_assert_str_eq(c.advertised_listeners, "PLAINTEXT://:0");
    ck_assert_str_eq(c.advertised_listeners_parsed[0].host, hn);
    ck_assert_int_eq(c.advertised_listeners_parsed[0].port, 0);
    ck_assert_str_eq(c.listeners_parsed[0].host, "");
    sk_conf_free(&c);

    /* two listeners, custom map, inter-broker listener by name */
    load_ok(&c,
            MINIMAL "listeners=CLIENT://0.0.0.0:9092,REPL://10.0.0.5:9093\n"
                    "advertised.listeners=CLIENT://broker0.example.com:9092,REPL://10.0.0.5:9093\n"
                    "listener.security.protocol.map=CLIENT:PLAINTEXT,REPL:PLAINTEXT\n"
                    "inter.broker.listener.name=repl\n",
            NULL, 0);
    ck_assert_int_eq(c.n_listeners_parsed, 2);
    ck_assert_str_eq(c.listeners_parsed[0].host, "0.0.0.0");
    ck_assert_str_eq(c.inter_broker_listener_name, "REPL");
    ck_assert_str_eq(c.advertised_listeners_parsed[0].host, "broker0.example.com");
    sk_conf_free(&c);

    /* 0.0.0.0 cannot be advertised; the message names listeners when derived */
    load_fail(MINIMAL "listeners=PLAINTEXT://0.0.0.0:9092\n", NULL, 0, "for listeners", ":3:",
              "advertised");
    load_fail(MINIMAL "advertised.listeners=PLAINTEXT://[::]:9092\n", NULL, 0,
              "for advertised.listeners", ":3:", NULL);
    load_fail(MINIMAL "advertised.listeners=PLAINTEXT://h:0\n", NULL, 0, "advertised.listeners",
              "port 0", NULL);
    load_fail(MINIMAL "advertised.listeners=SSL://h:9093\n", NULL, 0, "advertised.listeners",
              "not in listeners", NULL);
    load_fail(MINIMAL "listeners=PLAINTEXT://:99999\n", NULL, 0, "for listeners", ":3:", "65535");
    /* a listener name without a protocol */
    load_fail(MINIMAL "listeners=INTERNAL://:9093\n", NULL, 0, "for listeners",
              "listener.security.protocol.map", NULL);
    /* the inter-broker listener must exist */
    load_fail(MINIMAL "listeners=INTERNAL://:9093\nlistener.security.protocol.map=INTERNAL:PLAINTEXT\n",
              NULL, 0, "inter-broker listener PLAINTEXT", "INTERNAL", NULL);
    load_fail(MINIMAL "inter.broker.listener.name=REPL\n", NULL, 0, "inter.broker.listener.name",
              ":3:", "REPL");
    load_fail(MINIMAL "inter.broker.listener.name=PLAINTEXT\nsecurity.inter.broker.protocol=PLAINTEXT\n",
              NULL, 0, "inter.broker.listener.name", "only one", NULL);
    load_fail(MINIMAL "listener.security.protocol.map=PLAINTEXT:NOPE\n", NULL, 0,
              "listener.security.protocol.map", ":3:", NULL);
}
END_TEST

START_TEST(test_derived_keys)
{
    sk_conf_t c;
    load_ok(&c, MINIMAL "log.roll.hours=2\nlog.retention.hours=5\nlog.dir=/data/one\n"
                        "zookeeper.session.timeout.ms=6000\nlog.flush.scheduler.interval.ms=1000\n",
            NULL, 0);
    ck_assert_int_eq(c.log_roll_ms, 2 * 3600000LL);
    ck_assert_int_eq(c.log_retention_ms, 5 * 3600000LL);
    ck_assert_int_eq(c.log_dirs.n, 1);
    ck_assert_str_eq(c.log_dirs.v[0], "/data/one");
    ck_assert_int_eq(c.zookeeper_connection_timeout_ms, 6000);
    ck_assert_int_eq(c.log_flush_interval_ms, 1000);
    sk_conf_free(&c);

    load_ok(&c, MINIMAL "log.roll.hours=2\nlog.roll.ms=1234\n"
                        "log.retention.hours=5\nlog.retention.minutes=3\n"
                        "log.dir=/data/one\nlog.dirs=/d/a, /d/b\n"
                        "zookeeper.connection.timeout.ms=999\nlog.flush.interval.ms=77\n",
            NULL, 0);
    ck_assert_int_eq(c.log_roll_ms, 1234);
    ck_assert_int_eq(c.log_retention_ms, 3 * 60000LL);
    ck_assert_int_eq(c.log_dirs.n, 2);
    ck_assert_str_eq(c.log_dirs.v[1], "/d/b");
    ck_assert_int_eq(c.zookeeper_connection_timeout_ms, 999);
    ck_assert_int_eq(c.log_flush_interval_ms, 77);
    sk_conf_free(&c);

    load_ok(&c, MINIMAL "log.retention.minutes=3\nlog.retention.ms=42\n", NULL, 0);
    ck_assert_int_eq(c.log_retention_ms, 42);
    sk_conf_free(&c);
    load_ok(&c, MINIMAL "log.retention.hours=-1\n", NULL, 0);
    ck_assert_int_eq(c.log_retention_ms, -1);
    sk_conf_free(&c);
    load_ok(&c, MINIMAL "log.retention.ms=-100\n", NULL, 0);
    ck_assert_int_eq(c.log_retention_ms, -1);
    sk_conf_free(&c);
    load_fail(MINIMAL "log.retention.ms=0\n", NULL, 0, "log.retention.ms", ":3:", "unlimited");
    load_fail(MINIMAL "log.retention.hours=0\n", NULL, 0, "log.retention.hours", ":3:", NULL);
}
END_TEST

START_TEST(test_combinations)
{
    load_fail(MINIMAL "group.min.session.timeout.ms=7000\ngroup.max.session.timeout.ms=6000\n",
              NULL, 0, "group.min.session.timeout.ms", ":3:", "group.max.session.timeout.ms");
    load_fail(MINIMAL "replica.fetch.wait.max.ms=40000\n", NULL, 0, "replica.fetch.wait.max.ms",
              "replica.socket.timeout.ms", NULL);
    load_fail(MINIMAL "replica.fetch.wait.max.ms=600\nreplica.lag.time.max.ms=500\n", NULL, 0,
              "replica.fetch.wait.max.ms", NULL, NULL);
}
END_TEST

/* Every key's current (default) value must load back unchanged. */
START_TEST(test_defaults_round_trip)
{
    sk_conf_t d, c;
    sk_conf_init(&d);
    int n = sk_conf_key_count();
    ck_assert_int_ge(n, 60);
    ck_assert_int_le(n, SK_CONF_MAX_KEYS);
    char **ov = calloc((size_t)n + 2, sizeof(char *));
    int nov = 0;
    for (int i = 0; i < n; i++) {
        char v[512];
        ck_assert_int_eq(sk_conf_value_string(&d, i, v, sizeof(v)), SK_OK);
        if (v[0]) {
            ov[nov] = malloc(strlen(v) + strlen(sk_conf_key_name(i)) + 2);
            sprintf(ov[nov++], "%s=%s", sk_conf_key_name(i), v);
        }
    }
    ov[nov++] = strdup("broker.id=0");
    ov[nov++] = strdup("zookeeper.connect=h:1");
    char err[512];
    sk_conf_init(&c);
    ck_assert_msg(sk_conf_load(&c, NULL, ov, nov, err, sizeof(err)) == SK_OK, "%s", err);
    for (int i = 0; i < n; i++) {
        char a[512], b[512];
        const char *k = sk_conf_key_name(i);
        if (strcmp(k, "broker.id") == 0 || strcmp(k, "zookeeper.connect") == 0)
            continue;
        sk_conf_value_string(&d, i, a, sizeof(a));
        sk_conf_value_string(&c, i, b, sizeof(b));
        ck_assert_msg(strcmp(a, b) == 0, "%s: '%s' vs '%s'", k, a, b);
    }
    ck_assert_int_eq(c.log_roll_ms, d.log_roll_ms);
    ck_assert_int_eq(c.log_retention_ms, d.log_retention_ms);
    for (int i = 0; i < nov; i++)
        free(ov[i]);
    free(ov);
    sk_conf_free(&c);
    sk_conf_free(&d);
    /* key lookups */
    ck_assert_int_eq(sk_conf_key_index("no.such.key"), -1);
    ck_assert_int_eq(sk_conf_key_index(NULL), -1);
    ck_assert_ptr_null(sk_conf_key_name(n));
    ck_assert_ptr_null(sk_conf_key_name(-1));
    ck_assert_str_eq(sk_conf_key_name(sk_conf_key_index("log.dirs")), "log.dirs");
}
END_TEST

START_TEST(test_help_lists_every_key)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    sk_conf_print_help(f);
    fclose(f);
    for (int i = 0; i < sk_conf_key_count(); i++) {
        char needle[128];
        snprintf(needle, sizeof(needle), "\n  %s (", sk_conf_key_name(i));
        ck_assert_msg(strstr(text, needle), "help lacks %s", sk_conf_key_name(i));
    }
    ck_assert(strstr(text, "  log.segment.bytes (int, default 1073741824, >= 14, dynamic)"));
    ck_assert(strstr(text, "  log.roll.hours (int, default 168, >= 1)\n"));
    ck_assert(strstr(text, "  zookeeper.connect (string, required)"));
    ck_assert(strstr(text, "  log.level (enum, default info, one of: error, warn, info, debug)"));
    free(text);
}
END_TEST

/* Undo the roff escapes the generator writes ("\-" and "\e"). */
static void unroff(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] == '-') {
            *w++ = '-';
            r++;
        } else if (r[0] == '\\' && r[1] == 'e') {
            *w++ = '\\';
            r++;
        } else if (r[0] == '\\' && r[1] == '&') {
            r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* "default X" at the start of clause, X followed by ',' or '.' (the end). */
static int clause_has_default(const char *clause, const char *def)
{
    char want[512];
    if (!*def)
        return strncmp(clause, "default empty", 13) == 0;
    snprintf(want, sizeof(want), "default %s", def);
    size_t n = strlen(want);
    return strncmp(clause, want, n) == 0 &&
           (clause[n] == ',' || (clause[n] == '.' && clause[n + 1] == ')'));
}

/* The generated skein.properties(5) (build dir) documents exactly the
 * tables' keys, each once, as ".TP" / ".B key" / ".RI ( type ," followed by
 * its default clause ending in ".)", with the tables' types and defaults. */
START_TEST(test_man_page_matches_table)
{
    const char *path = SK_TOP_BUILDDIR "/man/skein.properties.5";
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s (built by make)", path);
    int n = sk_conf_key_count(), nt = sk_topic_conf_count();
    int *seen = calloc((size_t)(n + nt), sizeof(int));
    char line[1024], key[1024] = "", type[64] = "", clause[2048] = "";
    int state = 0, documented = 0, in_topics = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strcmp(line, ".SH TOPIC KEYS") == 0)
            in_topics = 1;
        else if (strncmp(line, ".SH ", 4) == 0)
            in_topics = 0;
        if (state == 0 && strcmp(line, ".TP") == 0) {
            state = 1;
        } else if (state == 1) {
            state = 0;
            if (strncmp(line, ".B ", 3) == 0 && !strchr(line + 3, ' ')) {
                snprintf(key, sizeof(key), "%s", line + 3);
                unroff(key);
                state = 2;
            }
        } else if (state == 2) {
            ck_assert_msg(sscanf(line, ".RI ( %63s ,", type) == 1, "%s: no type line", key);
            clause[0] = '\0';
            state = 3;
        } else if (state == 3) {
            size_t u = strlen(clause);
            snprintf(clause + u, sizeof(clause) - u, "%s%s", u ? " " : "", line);
            size_t cl = strlen(clause);
            if (cl < 2 || strcmp(clause + cl - 2, ".)") != 0)
                continue;
            unroff(clause);
            state = 0;
            documented++;
            if (!in_topics) {
                int i = sk_conf_key_index(key);
                ck_assert_msg(i >= 0, "man page documents unknown key '%s'", key);
                ck_assert_msg(!seen[i], "man page documents '%s' twice", key);
                seen[i] = 1;
                ck_assert_msg(strcmp(type, sk_conf_key_type(i)) == 0, "%s: type %s, table %s",
                              key, type, sk_conf_key_type(i));
                const char *def = sk_conf_key_default(i);
                if (def)
                    ck_assert_msg(clause_has_default(clause, def), "%s: '%s', table default %s",
                                  key, clause, def);
                else
                    ck_assert_msg(strncmp(clause, "required", 8) == 0 ||
                                      strncmp(clause, "default unset", 13) == 0 ||
                                      strncmp(clause, "default: from ", 14) == 0,
                                  "%s: '%s' but the table has no default", key, clause);
            } else {
                int i = sk_topic_conf_index(key);
                ck_assert_msg(i >= 0, "man page documents unknown topic key '%s'", key);
                ck_assert_msg(!seen[n + i], "man page documents topic key '%s' twice", key);
                seen[n + i] = 1;
                ck_assert_msg(strcmp(type, sk_topic_conf_type(i)) == 0, "%s: type %s, table %s",
                              key, type, sk_topic_conf_type(i));
                const char *bk = sk_topic_conf_broker_key(i);
                char want[256];
                snprintf(want, sizeof(want), "default: the broker's %s", bk ? bk : "");
                if (bk)
                    ck_assert_msg(strncmp(clause, want, strlen(want)) == 0, "%s: '%s'", key,
                                  clause);
                else
                    ck_assert_msg(clause_has_default(clause, sk_topic_conf_default(i)),
                                  "%s: '%s', table default %s", key, clause,
                                  sk_topic_conf_default(i));
            }
        }
    }
    fclose(f);
    for (int i = 0; i < n; i++)
        ck_assert_msg(seen[i], "man page lacks key %s", sk_conf_key_name(i));
    for (int i = 0; i < nt; i++)
        ck_assert_msg(seen[n + i], "man page lacks topic key %s", sk_topic_conf_name(i));
    ck_assert_int_eq(documented, n + nt);
    free(seen);

    /* Limits too, on a few keys. */
    const char *man = slurp(path);
    ck_assert(strstr(man, ".B log.segment.bytes\n.RI ( int ,\n"
                          "default 1073741824, at least 14, dynamic.)"));
    ck_assert(strstr(man, ".B log.cleaner.min.cleanable.ratio\n.RI ( double ,\n"
                          "default 0.5, 0 to 1, dynamic.)"));
    ck_assert(strstr(man, ".B segment.ms\n.RI ( long ,\n"
                          "default: the broker's log.roll.ms, at least 1.)"));
    ck_assert(strstr(man, ".B log.retention.ms\n.RI ( long ,\n"
                          "default: from log.retention.minutes or log.retention.hours, "
                          "dynamic.)"));
}
END_TEST

/* The built man page is what the template and the tables give now. */
START_TEST(test_man_page_up_to_date)
{
    char *text = NULL, err[256] = "";
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    FILE *in = fopen(SK_TOP_SRCDIR "/man/skein.properties.5.in", "r");
    ck_assert_ptr_nonnull(in);
    ck_assert_msg(sk_conf_print_man(in, out, err, sizeof(err)) == SK_OK, "%s", err);
    fclose(in);
    fclose(out);
    ck_assert_msg(strcmp(slurp(SK_TOP_BUILDDIR "/man/skein.properties.5"), text) == 0,
                  "the built skein.properties.5 is not what the template and tables give");
    free(text);
}
END_TEST

/* A template must name every key once, in table order. */
START_TEST(test_man_template_errors)
{
    const char *bad[] = {
        "@KEY broker.rack\n@TOPIC-KEYS\n",       /* out of order */
        "@KEY no.such.key\n",                    /* unknown */
        "@KEY broker.id\n@KEY broker.id\n",      /* repeated */
        "@KEY broker.id\n@TOPIC-KEYS\n",         /* keys missing */
    };
    const char *needle[] = {"out of table order", "unknown key", "out of table order",
                            "no @KEY line for broker.rack"};
    for (size_t t = 0; t < sizeof(bad) / sizeof(bad[0]); t++) {
        char *text = NULL, err[256] = "";
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        FILE *in = fmemopen((void *)bad[t], strlen(bad[t]), "r");
        ck_assert_int_eq(sk_conf_print_man(in, out, err, sizeof(err)), SK_EINVAL);
        ck_assert_msg(strstr(err, needle[t]), "template %zu: '%s'", t, err);
        fclose(in);
        fclose(out);
        free(text);
    }
}
END_TEST

/* The README's key table is the generated one (make update-readme-keys). */
START_TEST(test_readme_table_up_to_date)
{
    char *text = NULL, err[256] = "";
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    FILE *in = fopen(SK_TOP_SRCDIR "/README.md", "r");
    ck_assert_ptr_nonnull(in);
    ck_assert_msg(sk_conf_print_readme(in, out, err, sizeof(err)) == SK_OK, "%s", err);
    fclose(in);
    fclose(out);
    ck_assert_msg(strcmp(slurp(SK_TOP_SRCDIR "/README.md"), text) == 0,
                  "README.md's key table differs from the table: run make update-readme-keys");
    ck_assert(strstr(text, "| `log.segment.bytes` | `1073741824` | "));
    ck_assert(strstr(text, "| `broker.id` | (required) | "));
    free(text);
}
END_TEST

/* ---- topic keys ---- */

/* Kafka's TopicConfig names, as CreateTopics accepted them before the table. */
static const char *const kafka_topic_keys[] = {
    "cleanup.policy", "compression.type", "delete.retention.ms", "file.delete.delay.ms",
    "flush.messages", "flush.ms", "follower.replication.throttled.replicas",
    "index.interval.bytes", "leader.replication.throttled.replicas", "local.retention.bytes",
    "local.retention.ms", "max.compaction.lag.ms", "max.message.bytes",
    "message.downconversion.enable", "message.format.version",
    "message.timestamp.difference.max.ms", "message.timestamp.before.max.ms",
    "message.timestamp.after.max.ms", "message.timestamp.type", "min.cleanable.dirty.ratio",
    "min.compaction.lag.ms", "min.insync.replicas", "preallocate", "remote.storage.enable",
    "retention.bytes", "retention.ms", "segment.bytes", "segment.index.bytes",
    "segment.jitter.ms", "segment.ms", "unclean.leader.election.enable", NULL,
};

/* The keys DescribeConfigs lists for a topic, in order, with their fallbacks. */
static const char *const described[][2] = {
    {"cleanup.policy", "log.cleanup.policy"},
    {"compression.type", NULL},
    {"delete.retention.ms", "log.cleaner.delete.retention.ms"},
    {"file.delete.delay.ms", NULL},
    {"flush.messages", "log.flush.interval.messages"},
    {"flush.ms", "log.flush.interval.ms"},
    {"index.interval.bytes", "log.index.interval.bytes"},
    {"max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms"},
    {"max.message.bytes", "message.max.bytes"},
    {"message.timestamp.type", "log.message.timestamp.type"},
    {"min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio"},
    {"min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms"},
    {"min.insync.replicas", "min.insync.replicas"},
    {"retention.bytes", "log.retention.bytes"},
    {"retention.ms", "log.retention.ms"},
    {"segment.bytes", "log.segment.bytes"},
    {"segment.index.bytes", "log.index.size.max.bytes"},
    {"segment.ms", "log.roll.ms"},
    {"unclean.leader.election.enable", "unclean.leader.election.enable"},
};

START_TEST(test_topic_table_keys)
{
    int n = sk_topic_conf_count(), nk = 0;
    for (; kafka_topic_keys[nk]; nk++)
        ck_assert_msg(sk_topic_conf_index(kafka_topic_keys[nk]) >= 0, "%s not accepted",
                      kafka_topic_keys[nk]);
    ck_assert_int_eq(n, nk);
    ck_assert_int_eq(sk_topic_conf_index("no.such.key"), -1);
    ck_assert_int_eq(sk_topic_conf_index("log.segment.bytes"), -1);
    ck_assert_int_eq(sk_topic_conf_index(NULL), -1);
    ck_assert_ptr_null(sk_topic_conf_name(n));
    int d = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0)
            ck_assert_msg(strcmp(sk_topic_conf_name(i - 1), sk_topic_conf_name(i)) < 0,
                          "not sorted at %s", sk_topic_conf_name(i));
        const char *bk = sk_topic_conf_broker_key(i);
        if (bk) {
            ck_assert_msg(sk_conf_key_index(bk) >= 0, "%s falls back on unknown %s",
                          sk_topic_conf_name(i), bk);
            ck_assert_ptr_null(sk_topic_conf_default(i));
        } else {
            ck_assert_ptr_nonnull(sk_topic_conf_default(i));
        }
        ck_assert_ptr_nonnull(sk_topic_conf_type(i));
        ck_assert_ptr_nonnull(sk_topic_conf_doc(i));
        if (!sk_topic_conf_described(i))
            continue;
        ck_assert_int_lt(d, (int)(sizeof(described) / sizeof(described[0])));
        ck_assert_str_eq(sk_topic_conf_name(i), described[d][0]);
        if (described[d][1])
            ck_assert_str_eq(bk, described[d][1]);
        else
            ck_assert_ptr_null(bk);
        d++;
    }
    ck_assert_int_eq(d, (int)(sizeof(described) / sizeof(described[0])));
}
END_TEST

/* Fallback values: the broker key's effective value, set when it (or a key it
 * derives from) was configured; a fixed default otherwise. */
START_TEST(test_topic_fallback)
{
    sk_conf_t c;
    char buf[128];
    int set = -1;
    load_ok(&c, MINIMAL, NULL, 0);
    struct {
        const char *key, *value;
    } dflt[] = {
        {"cleanup.policy", "delete"},       {"compression.type", "producer"},
        {"delete.retention.ms", "86400000"}, {"file.delete.delay.ms", "60000"},
        {"flush.messages", "9223372036854775807"}, {"flush.ms", "9223372036854775807"},
        {"index.interval.bytes", "4096"},   {"max.compaction.lag.ms", "9223372036854775807"},
        {"max.message.bytes", "1048588"},   {"message.timestamp.type", "CreateTime"},
        {"min.cleanable.dirty.ratio", "0.5"}, {"min.compaction.lag.ms", "0"},
        {"min.insync.replicas", "1"},       {"retention.bytes", "-1"},
        {"retention.ms", "604800000"},      {"segment.bytes", "1073741824"},
        {"segment.index.bytes", "10485760"}, {"segment.ms", "604800000"},
        {"unclean.leader.election.enable", "false"},
    };
    for (size_t k = 0; k < sizeof(dflt) / sizeof(dflt[0]); k++) {
        int i = sk_topic_conf_index(dflt[k].key);
        ck_assert_int_eq(sk_topic_conf_fallback(&c, i, buf, sizeof(buf), &set), SK_OK);
        ck_assert_msg(strcmp(buf, dflt[k].value) == 0, "%s: %s", dflt[k].key, buf);
        ck_assert_int_eq(set, 0);
    }
    ck_assert_int_eq(sk_topic_conf_fallback(&c, -1, buf, sizeof(buf), &set), SK_EINVAL);
    sk_conf_free(&c);

    load_ok(&c, MINIMAL "log.roll.hours=1\nlog.retention.minutes=5\nlog.segment.bytes=1000\n"
                        "log.cleanup.policy=compact,delete\n", NULL, 0);
    struct {
        const char *key, *value;
    } given[] = {
        {"segment.ms", "3600000"}, {"retention.ms", "300000"}, {"segment.bytes", "1000"},
        {"cleanup.policy", "compact,delete"},
    };
    for (size_t k = 0; k < sizeof(given) / sizeof(given[0]); k++) {
        int i = sk_topic_conf_index(given[k].key);
        ck_assert_int_eq(sk_topic_conf_fallback(&c, i, buf, sizeof(buf), &set), SK_OK);
        ck_assert_msg(strcmp(buf, given[k].value) == 0, "%s: %s", given[k].key, buf);
        ck_assert_msg(set == 1, "%s not marked set", given[k].key);
    }
    sk_conf_free(&c);
}
END_TEST

/* The log settings a topic gets from the broker: Kafka's defaults, and each
 * field from its broker key. */
START_TEST(test_topic_log_defaults)
{
    sk_plog_config_t d;
    sk_topic_conf_kafka_defaults(&d);
    ck_assert_int_eq(d.segment_bytes, 1073741824LL);
    ck_assert_int_eq(d.roll_ms, 168LL * 3600 * 1000);
    ck_assert_int_eq(d.index_interval_bytes, 4096);
    ck_assert_int_eq(d.index_max_bytes, 10485760);
    ck_assert_int_eq(d.flush_interval_messages, INT64_MAX);
    ck_assert_int_eq(d.flush_interval_ms, INT64_MAX);
    ck_assert_int_eq(d.retention_ms, 168LL * 3600 * 1000);
    ck_assert_int_eq(d.retention_bytes, -1);
    ck_assert_int_eq(d.cleanup_delete, 1);
    ck_assert_int_eq(d.cleanup_compact, 0);
    ck_assert(d.min_cleanable_ratio == 0.5);
    ck_assert_int_eq(d.delete_retention_ms, 86400000);
    ck_assert_int_eq(d.min_compaction_lag_ms, 0);
    ck_assert_int_eq(d.max_compaction_lag_ms, INT64_MAX);

    sk_conf_t c;
    load_ok(&c, MINIMAL "log.segment.bytes=5000\nlog.roll.ms=7000\nlog.index.interval.bytes=10\n"
                        "log.index.size.max.bytes=4000\nlog.flush.interval.messages=3\n"
                        "log.flush.interval.ms=900\nlog.retention.hours=2\n"
                        "log.retention.bytes=123456\nlog.cleanup.policy=compact\n"
                        "log.cleaner.min.cleanable.ratio=0.25\n"
                        "log.cleaner.delete.retention.ms=11\n"
                        "log.cleaner.min.compaction.lag.ms=12\n"
                        "log.cleaner.max.compaction.lag.ms=13\n",
            NULL, 0);
    sk_topic_conf_log_defaults(&c, &d);
    ck_assert_int_eq(d.segment_bytes, 5000);
    ck_assert_int_eq(d.roll_ms, 7000);
    ck_assert_int_eq(d.index_interval_bytes, 10);
    ck_assert_int_eq(d.index_max_bytes, 4000);
    ck_assert_int_eq(d.flush_interval_messages, 3);
    ck_assert_int_eq(d.flush_interval_ms, 900);
    ck_assert_int_eq(d.retention_ms, 2 * 3600000LL);
    ck_assert_int_eq(d.retention_bytes, 123456);
    ck_assert_int_eq(d.cleanup_delete, 0);
    ck_assert_int_eq(d.cleanup_compact, 1);
    ck_assert(d.min_cleanable_ratio == 0.25);
    ck_assert_int_eq(d.delete_retention_ms, 11);
    ck_assert_int_eq(d.min_compaction_lag_ms, 12);
    ck_assert_int_eq(d.max_compaction_lag_ms, 13);
    sk_conf_free(&c);
}
END_TEST

/* Each key that sets a log field: a good value sets it, a bad one is refused
 * and leaves the settings alone. */
START_TEST(test_topic_overrides)
{
    static const struct {
        const char *key, *good, *bad;
        size_t off;
        int kind; /* 0 int64, 1 int32, 2 double */
        double want;
    } cases[] = {
#define PO(f) offsetof(sk_plog_config_t, f)
        {"segment.bytes", "2048", "13", PO(segment_bytes), 0, 2048},
        {"segment.ms", " 60000 ", "0", PO(roll_ms), 0, 60000},
        {"index.interval.bytes", "100", "-1", PO(index_interval_bytes), 1, 100},
        {"segment.index.bytes", "4096", "3", PO(index_max_bytes), 1, 4096},
        {"flush.messages", "10", "abc", PO(flush_interval_messages), 0, 10},
        {"flush.ms", "1000", "1.5", PO(flush_interval_ms), 0, 1000},
        {"retention.ms", "-1", "1e3", PO(retention_ms), 0, -1},
        {"retention.bytes", "1000000", "", PO(retention_bytes), 0, 1000000},
        {"delete.retention.ms", "5", "-5", PO(delete_retention_ms), 0, 5},
        {"min.compaction.lag.ms", "7", "x7", PO(min_compaction_lag_ms), 0, 7},
        {"max.compaction.lag.ms", "8", "0", PO(max_compaction_lag_ms), 0, 8},
        {"min.cleanable.dirty.ratio", "0.75", "1.5", PO(min_cleanable_ratio), 2, 0.75},
#undef PO
    };
    char why[256];
    for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
        sk_plog_config_t cfg, before;
        sk_topic_conf_kafka_defaults(&cfg);
        before = cfg;
        int i = sk_topic_conf_index(cases[t].key);
        ck_assert_int_ge(i, 0);
        ck_assert_msg(sk_topic_conf_apply(&cfg, cases[t].key, cases[t].bad, why, sizeof(why)) ==
                          SK_EINVAL, "%s=%s accepted", cases[t].key, cases[t].bad);
        ck_assert_msg(strstr(why, "expected"), "%s: %s", cases[t].key, why);
        ck_assert_int_eq(sk_topic_conf_check(i, cases[t].bad, why, sizeof(why)), SK_EINVAL);
        ck_assert_msg(memcmp(&cfg, &before, sizeof(cfg)) == 0, "%s changed", cases[t].key);
        ck_assert_int_eq(sk_topic_conf_check(i, cases[t].good, why, sizeof(why)), SK_OK);
        ck_assert_int_eq(sk_topic_conf_apply(&cfg, cases[t].key, cases[t].good, why, sizeof(why)),
                         SK_OK);
        const char *f = (const char *)&cfg + cases[t].off;
        double got = cases[t].kind == 0   ? (double)*(const int64_t *)(const void *)f
                     : cases[t].kind == 1 ? (double)*(const int32_t *)(const void *)f
                                          : *(const double *)(const void *)f;
        ck_assert_msg(got == cases[t].want, "%s=%s gave %g", cases[t].key, cases[t].good, got);
    }

    sk_plog_config_t cfg;
    sk_topic_conf_kafka_defaults(&cfg);
    ck_assert_int_eq(sk_topic_conf_apply(&cfg, "cleanup.policy", "compact", why, sizeof(why)),
                     SK_OK);
    ck_assert_int_eq(cfg.cleanup_delete, 0);
    ck_assert_int_eq(cfg.cleanup_compact, 1);
    ck_assert_int_eq(sk_topic_conf_apply(&cfg, "cleanup.policy", "compact, delete", why,
                                         sizeof(why)), SK_OK);
    ck_assert_int_eq(cfg.cleanup_delete, 1);
    ck_assert_int_eq(cfg.cleanup_compact, 1);
    ck_assert_int_eq(sk_topic_conf_apply(&cfg, "cleanup.policy", "delete", why, sizeof(why)),
                     SK_OK);
    ck_assert_int_eq(cfg.cleanup_delete, 1);
    ck_assert_int_eq(cfg.cleanup_compact, 0);
    const char *bad_policy[] = {"compacted", "", "delete,nope", "Compact"};
    for (size_t t = 0; t < sizeof(bad_policy) / sizeof(bad_policy[0]); t++)
        ck_assert_msg(sk_topic_conf_apply(&cfg, "cleanup.policy", bad_policy[t], why,
                                          sizeof(why)) == SK_EINVAL, "'%s'", bad_policy[t]);
    ck_assert_int_eq(cfg.cleanup_delete, 1);
    ck_assert_int_eq(cfg.cleanup_compact, 0);

    /* Keys that set no log field are checked by their parser only. */
    sk_plog_config_t before = cfg;
    ck_assert_int_eq(sk_topic_conf_apply(&cfg, "preallocate", "true", why, sizeof(why)), SK_OK);
    ck_assert_int_eq(sk_topic_conf_apply(&cfg, "max.message.bytes", "100", why, sizeof(why)),
                     SK_OK);
    ck_assert(memcmp(&cfg, &before, sizeof(cfg)) == 0);
    ck_assert_int_eq(sk_topic_conf_apply(&cfg, "log.segment.bytes", "100", why, sizeof(why)),
                     SK_ENOENT);
    struct {
        const char *key, *good, *bad;
    } other[] = {
        {"compression.type", "zstd", "brotli"},
        {"message.timestamp.type", "LogAppendTime", "NowTime"},
        {"unclean.leader.election.enable", "TRUE", "yes"},
        {"min.insync.replicas", "2", "0"},
        {"max.message.bytes", "1000", "-1"},
        {"file.delete.delay.ms", "0", "-1"},
        {"preallocate", "false", "1"},
        {"local.retention.ms", "-2", "-3"},
    };
    for (size_t t = 0; t < sizeof(other) / sizeof(other[0]); t++) {
        int i = sk_topic_conf_index(other[t].key);
        ck_assert_msg(sk_topic_conf_check(i, other[t].good, why, sizeof(why)) == SK_OK, "%s=%s",
                      other[t].key, other[t].good);
        ck_assert_msg(sk_topic_conf_check(i, other[t].bad, why, sizeof(why)) == SK_EINVAL,
                      "%s=%s", other[t].key, other[t].bad);
    }
    ck_assert_int_eq(sk_topic_conf_check(-1, "1", why, sizeof(why)), SK_EINVAL);
}
END_TEST

/* The integer overrides read where they act (produce, acks=all) go through
 * the table's parser and range. */
START_TEST(test_topic_int_overrides)
{
    char why[200];
    int64_t n = -7;
    ck_assert_int_eq(sk_topic_conf_int("max.message.bytes", "1000", &n, why, sizeof(why)), SK_OK);
    ck_assert_int_eq(n, 1000);
    ck_assert_int_eq(sk_topic_conf_int("max.message.bytes", " 0 ", &n, NULL, 0), SK_OK);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(sk_topic_conf_int("min.insync.replicas", "2", &n, why, sizeof(why)), SK_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(sk_topic_conf_int("segment.jitter.ms", "9000000000", &n, NULL, 0), SK_OK);
    ck_assert_int_eq(n, 9000000000LL);
    /* refused: *out untouched */
    n = -7;
    const char *bad_mib[] = {"-1", "12x", "", "2147483648", "1.5"};
    for (size_t t = 0; t < sizeof(bad_mib) / sizeof(bad_mib[0]); t++)
        ck_assert_msg(sk_topic_conf_int("max.message.bytes", bad_mib[t], &n, why, sizeof(why)) ==
                      SK_EINVAL, "max.message.bytes=%s", bad_mib[t]);
    ck_assert_int_eq(sk_topic_conf_int("min.insync.replicas", "0", &n, why, sizeof(why)),
                     SK_EINVAL);
    ck_assert_int_eq(sk_topic_conf_int("min.insync.replicas", NULL, &n, NULL, 0), SK_EINVAL);
    ck_assert_int_eq(n, -7);
    /* not an integer key; not a topic key */
    ck_assert_int_eq(sk_topic_conf_int("cleanup.policy", "compact", &n, why, sizeof(why)),
                     SK_EINVAL);
    ck_assert_int_eq(sk_topic_conf_int("unclean.leader.election.enable", "true", &n, NULL, 0),
                     SK_EINVAL);
    ck_assert_int_eq(sk_topic_conf_int("message.max.bytes", "100", &n, why, sizeof(why)),
                     SK_ENOENT);
    ck_assert_int_eq(n, -7);
}
END_TEST

/* --help lists the topic keys with their fallbacks. */
START_TEST(test_help_lists_topic_keys)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sk_conf_print_help(f);
    fclose(f);
    for (int i = 0; i < sk_topic_conf_count(); i++) {
        char needle[160];
        snprintf(needle, sizeof(needle), "\n  %s (%s, ", sk_topic_conf_name(i),
                 sk_topic_conf_type(i));
        ck_assert_msg(strstr(text, needle), "help lacks %s", sk_topic_conf_name(i));
    }
    ck_assert(strstr(text, "  segment.bytes (int, default: log.segment.bytes, >= 14)"));
    ck_assert(strstr(text, "  compression.type (string, default producer, one of: "));
    free(text);
}
END_TEST

/* The example configurations in deploy/ load without errors or warnings. */
START_TEST(test_deploy_examples)
{
    char logpath[] = "/tmp/check_conf_log_XXXXXX";
    int fd = mkstemp(logpath);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(sk_log_open(logpath), 0);
    sk_log_set_level(SK_LOG_WARN);
    for (int i = 0; i < 3; i++) {
        char path[512], err[1024], dir[64];
        snprintf(path, sizeof(path), SK_TOP_SRCDIR "/deploy/server-%d.properties", i);
        sk_conf_t c;
        sk_conf_init(&c);
        ck_assert_msg(sk_conf_load(&c, path, NULL, 0, err, sizeof(err)) == SK_OK, "%s", err);
        ck_assert_int_eq(c.broker_id, i);
        ck_assert_int_eq(c.n_listeners_parsed, 1);
        ck_assert_int_eq(c.listeners_parsed[0].port, 9092 + i);
        ck_assert_str_eq(c.advertised_listeners_parsed[0].host, "127.0.0.1");
        snprintf(dir, sizeof(dir), "/var/lib/skein/broker-%d", i);
        ck_assert_int_eq(c.log_dirs.n, 1);
        ck_assert_str_eq(c.log_dirs.v[0], dir);
        ck_assert_str_eq(c.zookeeper_hosts, "127.0.0.1:2181");
        ck_assert_str_eq(c.zookeeper_chroot, "/skein");
        ck_assert_int_eq(c.min_insync_replicas, 2);
        ck_assert_int_le(c.min_insync_replicas, c.default_replication_factor);
        sk_conf_free(&c);
    }
    sk_log_set_level(SK_LOG_ERROR);
    const char *log = slurp(logpath);
    ck_assert_msg(log[0] == '\0', "warnings: %s", log);
    unlink(logpath);
}
END_TEST

/* The ssl.* keys: Kafka's defaults, their parsers, per-listener values. */
START_TEST(test_ssl_keys)
{
    sk_conf_t c, v;
    char err[1024], name[160];
    load_ok(&c, MINIMAL, NULL, 0);
    ck_assert_str_eq(c.ssl_keystore_type, "JKS");
    ck_assert_str_eq(c.ssl_truststore_type, "JKS");
    ck_assert_ptr_null(c.ssl_keystore_location);
    ck_assert_ptr_null(c.ssl_keystore_password);
    ck_assert_int_eq(c.ssl_client_auth, SK_CONF_CLIENT_AUTH_NONE);
    ck_assert_int_eq(c.ssl_enabled_protocols.n, 2);
    ck_assert_str_eq(c.ssl_enabled_protocols.v[0], "TLSv1.2");
    ck_assert_str_eq(c.ssl_enabled_protocols.v[1], "TLSv1.3");
    ck_assert_str_eq(c.ssl_protocol, "TLSv1.3");
    ck_assert_int_eq(c.ssl_cipher_suites.n, 0);
    ck_assert_str_eq(c.ssl_endpoint_identification_algorithm, "https");
    ck_assert_int_eq(c.n_listener_ssl, 0);
    sk_conf_free(&c);

    /* values: names in any case become canonical; empty endpoint algorithm = off */
    load_ok(&c,
            MINIMAL "listeners=PLAINTEXT://:9092,SSL://:9093,INTERNAL://:9094\n"
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,INTERNAL:SSL\n"
                    "ssl.keystore.type=pkcs12\nssl.keystore.location=/k.p12\n"
                    "ssl.keystore.password=pw\nssl.client.auth=Required\n"
                    "ssl.enabled.protocols=TLSv1.3\nssl.protocol=tls\n"
                    "ssl.cipher.suites=TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
                    "ssl.endpoint.identification.algorithm=\n"
                    "listener.name.internal.ssl.keystore.location=/internal.pem\n"
                    "listener.name.internal.ssl.keystore.type=PEM\n"
                    "listener.name.internal.ssl.client.auth=none\n"
                    "listener.name.internal.ssl.keystore.location=/internal2.pem\n",
            NULL, 0);
    ck_assert_str_eq(c.ssl_keystore_type, "PKCS12");
    ck_assert_int_eq(c.ssl_client_auth, SK_CONF_CLIENT_AUTH_REQUIRED);
    ck_assert_str_eq(c.ssl_protocol, "TLS");
    ck_assert_int_eq(c.ssl_cipher_suites.n, 2);
    ck_assert_ptr_null(c.ssl_endpoint_identification_algorithm);
    ck_assert_int_eq(c.n_listener_ssl, 3); /* the repeated key replaced its value */
    ck_assert(sk_conf_key_sensitive(sk_conf_key_index("ssl.keystore.password")));
    ck_assert(sk_conf_key_sensitive(sk_conf_key_index("ssl.keystore.key")));
    ck_assert(!sk_conf_key_sensitive(sk_conf_key_index("ssl.keystore.location")));
    ck_assert(!sk_conf_key_sensitive(-1));

    sk_conf_listener_ssl(&c, "INTERNAL", &v);
    ck_assert_str_eq(v.ssl_keystore_location, "/internal2.pem");
    ck_assert_str_eq(v.ssl_keystore_type, "PEM");
    ck_assert_str_eq(v.ssl_keystore_password, "pw"); /* not overridden: the broker's */
    ck_assert_int_eq(v.ssl_client_auth, SK_CONF_CLIENT_AUTH_NONE);
    ck_assert_int_eq(v.ssl_cipher_suites.n, 2);
    ck_assert_ptr_null(v.log_file); /* only ssl.* keys */
    sk_conf_ssl_key_name(&v, "INTERNAL", "ssl.keystore.location", name, sizeof(name));
    ck_assert_str_eq(name, "listener.name.internal.ssl.keystore.location");
    sk_conf_ssl_key_name(&v, "INTERNAL", "ssl.keystore.password", name, sizeof(name));
    ck_assert_str_eq(name, "ssl.keystore.password");
    sk_conf_free(&v);
    sk_conf_listener_ssl(&c, "SSL", &v);
    ck_assert_str_eq(v.ssl_keystore_location, "/k.p12");
    ck_assert_int_eq(v.ssl_client_auth, SK_CONF_CLIENT_AUTH_REQUIRED);
    sk_conf_ssl_key_name(&v, "SSL", "ssl.keystore.location", name, sizeof(name));
    ck_assert_str_eq(name, "ssl.keystore.location");
    sk_conf_free(&v);
    sk_conf_free(&c);

    /* an override for a listener that does not exist is ignored (with a warning) */
    load_ok(&c, MINIMAL "listener.name.nosuch.ssl.keystore.location=/x\n", NULL, 0);
    ck_assert_int_eq(c.n_listener_ssl, 1);
    sk_conf_free(&c);
    /* a listener.name key that is neither an ssl nor a SASL key stays an unknown key */
    load_ok(&c, MINIMAL "listener.name.plaintext.sasl.kerberos.service.name=kafka\n", NULL, 0);
    ck_assert_int_eq(c.n_listener_ssl, 0);
    sk_conf_free(&c);

    /* invalid values name the key and where it came from */
    load_fail(MINIMAL "ssl.keystore.type=JCEKS\n", NULL, 0, "ssl.keystore.type", ":3:",
              "PKCS12");
    load_fail(MINIMAL "ssl.client.auth=sometimes\n", NULL, 0, "ssl.client.auth", "required",
              NULL);
    load_fail(MINIMAL "ssl.enabled.protocols=TLSv1.1,TLSv1.2\n", NULL, 0,
              "ssl.enabled.protocols", "TLSv1.1", NULL);
    load_fail(MINIMAL "ssl.enabled.protocols=\n", NULL, 0, "ssl.enabled.protocols", NULL, NULL);
    load_fail(MINIMAL "ssl.protocol=SSLv3\n", NULL, 0, "ssl.protocol", NULL, NULL);
    load_fail(MINIMAL "ssl.endpoint.identification.algorithm=http\n", NULL, 0,
              "ssl.endpoint.identification.algorithm", "https", NULL);
    load_fail(MINIMAL "listener.name.ssl.ssl.client.auth=maybe\n", NULL, 0,
              "listener.name.ssl.ssl.client.auth", ":3:", "required");
    load_fail(MINIMAL "listener.name.SSL.ssl.keystore.location=/x\n", NULL, 0,
              "listener.name.SSL.ssl.keystore.location", "lower case", NULL);
    char *ov[] = {"listener.name.ssl.ssl.truststore.type=DER"};
    load_fail(MINIMAL, ov, 1, "listener.name.ssl.ssl.truststore.type", "--override", NULL);
    /* the empty value is not the same as an invalid one */
    ck_assert_int_eq(load_text(&c, MINIMAL "ssl.keystore.location=\n", NULL, 0, err,
                               sizeof(err)), SK_OK);
    ck_assert_ptr_null(c.ssl_keystore_location);
    sk_conf_free(&c);
}
END_TEST

/* SASL keys: defaults (Kafka's), per-listener mechanisms and JAAS lines. */
START_TEST(test_sasl_keys)
{
    sk_conf_t c, v;
    char name[160];
    load_ok(&c, MINIMAL, NULL, 0);
    ck_assert_int_eq(c.sasl_enabled_mechanisms.n, 1);
    ck_assert_str_eq(c.sasl_enabled_mechanisms.v[0], "GSSAPI");
    ck_assert_str_eq(c.sasl_mechanism_inter_broker_protocol, "GSSAPI");
    ck_assert_ptr_null(c.sasl_jaas_config);
    ck_assert_int_eq(c.sasl_server_max_receive_size, 524288);
    ck_assert_int_eq(c.connection_failed_authentication_delay_ms, 100);
    ck_assert_int_eq(c.connections_max_reauth_ms, 0);
    ck_assert_ptr_null(sk_conf_listener_jaas(&c, "SASL_PLAINTEXT", "PLAIN", name, sizeof(name)));
    ck_assert_str_eq(name, "sasl.jaas.config");
    sk_conf_free(&c);

    load_ok(&c,
            MINIMAL "listeners=SASL_PLAINTEXT://:9092,SASL_SSL://:9093\n"
                    "security.inter.broker.protocol=SASL_SSL\n"
                    "sasl.enabled.mechanisms=PLAIN\n"
                    "listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512\n"
                    "sasl.jaas.config=M required user_a=\"b\";\n"
                    "listener.name.sasl_plaintext.plain.sasl.jaas.config=P required;\n"
                    "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=S required;\n"
                    "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=S2 required;\n"
                    "connection.failed.authentication.delay.ms=0\n",
            NULL, 0);
    ck_assert_int_eq(c.connection_failed_authentication_delay_ms, 0);
    ck_assert_str_eq(sk_conf_listener_jaas(&c, "SASL_PLAINTEXT", "PLAIN", name, sizeof(name)),
                     "P required;");
    ck_assert_str_eq(name, "listener.name.sasl_plaintext.plain.sasl.jaas.config");
    ck_assert_str_eq(sk_conf_listener_jaas(&c, "SASL_SSL", "SCRAM-SHA-512", name, sizeof(name)),
                     "S2 required;"); /* the later value wins */
    ck_assert_str_eq(name, "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config");
    ck_assert_str_eq(sk_conf_listener_jaas(&c, "SASL_SSL", "SCRAM-SHA-256", name, sizeof(name)),
                     "M required user_a=\"b\";");
    ck_assert_str_eq(name, "sasl.jaas.config");
    sk_conf_listener_ssl(&c, "SASL_SSL", &v);
    ck_assert_int_eq(v.sasl_enabled_mechanisms.n, 2);
    ck_assert_str_eq(v.sasl_enabled_mechanisms.v[1], "SCRAM-SHA-512");
    sk_conf_ssl_key_name(&v, "SASL_SSL", "sasl.enabled.mechanisms", name, sizeof(name));
    ck_assert_str_eq(name, "listener.name.sasl_ssl.sasl.enabled.mechanisms");
    sk_conf_free(&v);
    sk_conf_listener_ssl(&c, "SASL_PLAINTEXT", &v);
    ck_assert_int_eq(v.sasl_enabled_mechanisms.n, 1);
    ck_assert_str_eq(v.sasl_enabled_mechanisms.v[0], "PLAIN");
    sk_conf_free(&v);
    sk_conf_free(&c);

    load_fail(MINIMAL "listener.name.sasl_ssl.SCRAM-SHA-256.sasl.jaas.config=S required;\n", NULL,
              0, "lower case", NULL, NULL);
    load_fail(MINIMAL "sasl.enabled.mechanisms=\n", NULL, 0, "sasl.enabled.mechanisms", NULL, NULL);
    load_fail(MINIMAL "connection.failed.authentication.delay.ms=-1\n", NULL, 0,
              "connection.failed.authentication.delay.ms", NULL, NULL);
    load_fail(MINIMAL "connections.max.reauth.ms=-5\n", NULL, 0, "connections.max.reauth.ms",
              NULL, NULL);
}
END_TEST

/* authorizer.class.name: Kafka's names and Skein's alias turn the ACL
 * authorizer on, empty leaves it off, anything else is refused naming the
 * key; super.users and allow.everyone.if.no.acl.found are read as given. */
/* Issue 10 part 4: Kafka's defaults for the limit keys, the host:count
 * overrides (count after the last colon, bracketed IPv6, spaces around
 * entries), and bad forms refused naming the key. */
/* Dynamic keys: which keys, values checked by the file's parser, a dynamic
 * value set and taken back. */
START_TEST(test_dynamic_keys)
{
    const char *dyn[] = {"log.retention.ms", "log.cleanup.policy", "log.cleaner.threads",
                         "max.connections", "unclean.leader.election.enable",
                         "min.insync.replicas", "message.max.bytes"};
    const char *ro[] = {"broker.id", "log.dirs", "zookeeper.connect", "listeners",
                        "log.retention.hours", "log.cleaner.enable"};
    for (size_t i = 0; i < sizeof(dyn) / sizeof(dyn[0]); i++)
        ck_assert_msg(sk_conf_key_dynamic(sk_conf_key_index(dyn[i])), "%s", dyn[i]);
    for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
        ck_assert_msg(!sk_conf_key_dynamic(sk_conf_key_index(ro[i])), "%s", ro[i]);
    ck_assert(!sk_conf_key_dynamic(-1));

    char why[256];
    int thr = sk_conf_key_index("log.cleaner.threads");
    ck_assert_int_eq(sk_conf_check_value(thr, " 4 ", why, sizeof(why)), SK_OK);
    ck_assert_int_eq(sk_conf_check_value(thr, "17", why, sizeof(why)), SK_EINVAL);
    ck_assert_int_eq(sk_conf_check_value(thr, "x", why, sizeof(why)), SK_EINVAL);
    int pol = sk_conf_key_index("log.cleanup.policy");
    ck_assert_int_eq(sk_conf_check_value(pol, "compact,delete", why, sizeof(why)), SK_OK);
    ck_assert_int_eq(sk_conf_check_value(pol, "shred", why, sizeof(why)), SK_EINVAL);

    sk_conf_t c;
    char *ov[] = {"log.cleaner.threads=2"};
    load_ok(&c, MINIMAL, ov, 1);
    ck_assert_int_eq(sk_conf_set_dynamic(&c, thr, "5", SK_CONF_SRC_DYNAMIC_DEFAULT, why,
                                         sizeof(why)), SK_OK);
    ck_assert_int_eq(c.log_cleaner_threads, 5);
    ck_assert_int_eq(c.source[thr], SK_CONF_SRC_DYNAMIC_DEFAULT);
    ck_assert_str_eq(c.static_value[thr], "2");
    /* the same again: nothing changed */
    ck_assert_int_eq(sk_conf_set_dynamic(&c, thr, "5", SK_CONF_SRC_DYNAMIC_DEFAULT, why,
                                         sizeof(why)), 1);
    ck_assert_int_eq(sk_conf_set_dynamic(&c, thr, "99", SK_CONF_SRC_DYNAMIC_BROKER, why,
                                         sizeof(why)), SK_EINVAL);
    ck_assert_int_eq(c.log_cleaner_threads, 5);
    ck_assert_int_eq(sk_conf_set_dynamic(&c, thr, "7", SK_CONF_SRC_DYNAMIC_BROKER, why,
                                         sizeof(why)), SK_OK);
    ck_assert_str_eq(c.static_value[thr], "2"); /* the file's value is kept once */
    ck_assert_int_eq(sk_conf_set_dynamic(&c, thr, NULL, 0, why, sizeof(why)), SK_OK);
    ck_assert_int_eq(c.log_cleaner_threads, 2);
    ck_assert_int_eq(c.source[thr], SK_CONF_SRC_OVERRIDE);
    ck_assert_ptr_null(c.static_value[thr]);
    ck_assert_int_eq(sk_conf_set_dynamic(&c, thr, NULL, 0, why, sizeof(why)), 1);
    /* derived flags follow the list */
    ck_assert(c.log_cleanup_policy_delete && !c.log_cleanup_policy_compact);
    ck_assert_int_eq(sk_conf_set_dynamic(&c, pol, "compact", SK_CONF_SRC_DYNAMIC_BROKER, why,
                                         sizeof(why)), SK_OK);
    ck_assert(!c.log_cleanup_policy_delete && c.log_cleanup_policy_compact);
    /* a read-only key cannot be set */
    ck_assert_int_eq(sk_conf_set_dynamic(&c, sk_conf_key_index("broker.id"), "3",
                                         SK_CONF_SRC_DYNAMIC_BROKER, why, sizeof(why)),
                     SK_EINVAL);
    sk_conf_free(&c);
}
END_TEST

START_TEST(test_limit_keys)
{
    sk_conf_t c;
    load_ok(&c, MINIMAL, NULL, 0);
    ck_assert_int_eq(c.max_connections, INT32_MAX);
    ck_assert_int_eq(c.max_connections_per_ip, INT32_MAX);
    ck_assert_int_eq(c.connections_max_idle_ms, 600000);
    ck_assert_int_eq(c.queued_max_request_bytes, -1);
    ck_assert_int_eq(c.max_partitions_per_request, 10000);
    ck_assert_int_eq(c.max_broker_partitions, INT32_MAX);
    ck_assert_int_eq(c.max_partitions, INT32_MAX);
    sk_conf_free(&c);
    load_ok(&c, MINIMAL "max.broker.partitions=4000\nmax.partitions=200000\n", NULL, 0);
    ck_assert_int_eq(c.max_broker_partitions, 4000);
    ck_assert_int_eq(c.max_partitions, 200000);
    ck_assert(sk_conf_key_dynamic(sk_conf_key_index("max.broker.partitions")));
    ck_assert(sk_conf_key_dynamic(sk_conf_key_index("max.partitions")));
    sk_conf_free(&c);

    sk_ip_override_t *ov = NULL;
    int n = -1;
    char why[160];
    ck_assert_int_eq(sk_conf_ip_overrides("", &ov, &n, why, sizeof(why)), SK_OK);
    ck_assert_int_eq(n, 0);
    ck_assert_ptr_null(ov);
    ck_assert_int_eq(sk_conf_ip_overrides("10.0.0.1:5, host-a:0 ,[::1]:7,fe80::2:9", &ov, &n,
                                          why, sizeof(why)),
                     SK_OK);
    ck_assert_int_eq(n, 4);
    ck_assert_str_eq(ov[0].host, "10.0.0.1");
    ck_assert_int_eq(ov[0].count, 5);
    ck_assert_str_eq(ov[1].host, "host-a");
    ck_assert_int_eq(ov[1].count, 0);
    ck_assert_str_eq(ov[2].host, "::1");
    ck_assert_int_eq(ov[2].count, 7);
    ck_assert_str_eq(ov[3].host, "fe80::2");
    ck_assert_int_eq(ov[3].count, 9);
    free(ov);
    static const char *const bad[] = {"10.0.0.1", "10.0.0.1:", ":5", "a:-1", "a:1x",
                                      "a:2147483648", "a:1,,b:2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(sk_conf_ip_overrides(bad[i], &ov, &n, why, sizeof(why)), SK_EINVAL);
        ck_assert_ptr_null(ov);
    }
    load_fail(MINIMAL "max.connections.per.ip.overrides=127.0.0.1\n", NULL, 0,
              "max.connections.per.ip.overrides", "127.0.0.1", NULL);
    load_fail(MINIMAL "connections.max.idle.ms=0\n", NULL, 0, "connections.max.idle.ms", NULL,
              NULL);
    load_fail(MINIMAL "max.partitions.per.request=0\n", NULL, 0, "max.partitions.per.request",
              NULL, NULL);
    load_fail(MINIMAL "max.broker.partitions=0\n", NULL, 0, "max.broker.partitions", NULL, NULL);
    load_fail(MINIMAL "max.partitions=-1\n", NULL, 0, "max.partitions", NULL, NULL);
}
END_TEST

START_TEST(test_authorizer_keys)
{
    sk_conf_t c;
    load_ok(&c, MINIMAL, NULL, 0);
    ck_assert_int_eq(c.authorizer_enabled, 0);
    ck_assert_int_eq(c.allow_everyone_if_no_acl_found, 0);
    sk_conf_free(&c);
    static const char *const names[] = {"kafka.security.authorizer.AclAuthorizer",
                                        "kafka.security.auth.SimpleAclAuthorizer", "skein.acl"};
    for (int i = 0; i < 3; i++) {
        char text[512];
        snprintf(text, sizeof(text),
                 MINIMAL "authorizer.class.name=%s\nsuper.users=User:admin;User:CN=b\n"
                         "allow.everyone.if.no.acl.found=true\n",
                 names[i]);
        load_ok(&c, text, NULL, 0);
        ck_assert_int_eq(c.authorizer_enabled, 1);
        ck_assert_str_eq(c.super_users, "User:admin;User:CN=b");
        ck_assert_int_eq(c.allow_everyone_if_no_acl_found, 1);
        sk_conf_free(&c);
    }
    char *ov[] = {"authorizer.class.name="};
    load_ok(&c, MINIMAL "authorizer.class.name=skein.acl\n", ov, 1);
    ck_assert_int_eq(c.authorizer_enabled, 0);
    sk_conf_free(&c);
    load_fail(MINIMAL "authorizer.class.name=com.example.Custom\n", NULL, 0,
              "authorizer.class.name", "com.example.Custom", NULL);
    load_fail(MINIMAL "authorizer.class.name=kafka.security.authorizer.aclauthorizer\n", NULL, 0,
              "authorizer.class.name", NULL, NULL);
}
END_TEST

int main(void)
{
    sk_log_set_level(SK_LOG_ERROR);
    Suite *s = suite_create("conf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_minimal_load);
    tcase_add_test(tc, test_path_null_overrides_only);
    tcase_add_test(tc, test_exact_error_message);
    tcase_add_test(tc, test_invalid_values_each_type);
    tcase_add_test(tc, test_valid_value_forms);
    tcase_add_test(tc, test_overrides_win);
    tcase_add_test(tc, test_unknown_keys_warn);
    tcase_add_test(tc, test_missing_required);
    tcase_add_test(tc, test_zk_connect);
    tcase_add_test(tc, test_listeners_parse);
    tcase_add_test(tc, test_listeners_in_config);
    tcase_add_test(tc, test_derived_keys);
    tcase_add_test(tc, test_combinations);
    tcase_add_test(tc, test_ssl_keys);
    tcase_add_test(tc, test_sasl_keys);
    tcase_add_test(tc, test_defaults_round_trip);
    tcase_add_test(tc, test_help_lists_every_key);
    tcase_add_test(tc, test_man_page_matches_table);
    tcase_add_test(tc, test_man_page_up_to_date);
    tcase_add_test(tc, test_man_template_errors);
    tcase_add_test(tc, test_readme_table_up_to_date);
    tcase_add_test(tc, test_topic_table_keys);
    tcase_add_test(tc, test_topic_fallback);
    tcase_add_test(tc, test_topic_log_defaults);
    tcase_add_test(tc, test_topic_overrides);
    tcase_add_test(tc, test_topic_int_overrides);
    tcase_add_test(tc, test_help_lists_topic_keys);
    tcase_add_test(tc, test_deploy_examples);
    tcase_add_test(tc, test_authorizer_keys);
    tcase_add_test(tc, test_limit_keys);
    tcase_add_test(tc, test_dynamic_keys);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
