/* check_conf.c - unit tests for the broker configuration table. */
#include "conf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kerr.h"
#include "log.h"

#ifndef SK_TOP_SRCDIR
#define SK_TOP_SRCDIR "."
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
    ck_assert(strstr(text, "  log.segment.bytes (int, default 1073741824, 14..2147483647)") ||
              strstr(text, "  log.segment.bytes (int, default 1073741824, >= 14)"));
    ck_assert(strstr(text, "  zookeeper.connect (string, required)"));
    ck_assert(strstr(text, "  log.level (enum, default info, one of: error, warn, info, debug)"));
    free(text);
}
END_TEST

/* man/skein.properties.5 documents exactly the table's keys: each key is a
 * ".TP" paragraph whose tag line is ".B key". */
START_TEST(test_man_page_matches_table)
{
    const char *path = SK_TOP_SRCDIR "/man/skein.properties.5";
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    int n = sk_conf_key_count();
    int *seen = calloc((size_t)n, sizeof(int));
    char line[1024];
    int after_tp = 0, documented = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strcmp(line, ".TP") == 0) {
            after_tp = 1;
            continue;
        }
        if (after_tp && strncmp(line, ".B ", 3) == 0) {
            char key[sizeof(line)];
            memcpy(key, line + 3, strlen(line + 3) + 1);
            /* roff escapes: "\-" is a plain hyphen here */
            char *w = key;
            for (char *r = key; *r; r++) {
                if (r[0] == '\\' && r[1] == '-')
                    continue;
                *w++ = *r;
            }
            *w = '\0';
            if (key[0] && !strchr(key, ' ')) {
                int i = sk_conf_key_index(key);
                ck_assert_msg(i >= 0, "man page documents unknown key '%s'", key);
                ck_assert_msg(!seen[i], "man page documents '%s' twice", key);
                seen[i] = 1;
                documented++;
            }
        }
        after_tp = 0;
    }
    fclose(f);
    for (int i = 0; i < n; i++)
        ck_assert_msg(seen[i], "man page lacks key %s", sk_conf_key_name(i));
    ck_assert_int_eq(documented, n);
    free(seen);
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
    tcase_add_test(tc, test_defaults_round_trip);
    tcase_add_test(tc, test_help_lists_every_key);
    tcase_add_test(tc, test_man_page_matches_table);
    tcase_add_test(tc, test_deploy_examples);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
