/* check_logmgr.c - checkpoint files, meta.properties and the log manager. */
#include "storage/logmgr.h"

#include <check.h>
#include <dirent.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/checkpoint.h"
#include "clock.h"
#include "storage/diskio.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "recbatch.h"

static char tmpdir[256];
static char dir1[300], dir2[300];

static void setup(void)
{
    sk_log_set_level(SK_LOG_ERROR);
    strcpy(tmpdir, "/tmp/sk-check-logmgr-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(dir1, sizeof(dir1), "%s/d1", tmpdir);
    snprintf(dir2, sizeof(dir2), "%s/d2", tmpdir);
}

static void teardown(void) { sk_plog_rmtree(tmpdir); }

static int exists(const char *a, const char *b)
{
    char p[700];
    snprintf(p, sizeof(p), "%s/%s", a, b);
    struct stat st;
    return stat(p, &st) == 0;
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char p[700];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *dir, const char *name)
{
    char p[700];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    char *t;
    size_t n;
    ck_assert_int_eq(sk_file_read_small(p, 1 << 20, &t, &n), 0);
    return t;
}

/* ---- checkpoint format ---- */

START_TEST(test_ckpt_roundtrip)
{
    sk_ckpt_t c;
    sk_ckpt_init(&c);
    sk_ckpt_add(&c, "a-b-c", 0, 42);
    sk_ckpt_add(&c, "__consumer_offsets", 49, 0);
    sk_ckpt_add(&c, "t", 2147483647, 9223372036854775807LL);
    size_t len;
    char *text = sk_ckpt_format(&c, &len);
    ck_assert_str_eq(text, "0\n3\na-b-c 0 42\n__consumer_offsets 49 0\n"
                           "t 2147483647 9223372036854775807\n");
    ck_assert_uint_eq(len, strlen(text));
    sk_ckpt_t d;
    char err[200];
    ck_assert_int_eq(sk_ckpt_parse(text, len, &d, err, sizeof(err)), 0);
    ck_assert_uint_eq(d.n, 3);
    ck_assert_str_eq(d.e[0].topic, "a-b-c");
    ck_assert_int_eq(d.e[1].partition, 49);
    ck_assert_int_eq(d.e[2].offset, INT64_MAX);
    sk_ckpt_free(&d);
    free(text);
    sk_ckpt_free(&c);
    /* empty, and without the final newline */
    ck_assert_int_eq(sk_ckpt_parse("0\n0\n", 4, &d, err, sizeof(err)), 0);
    ck_assert_uint_eq(d.n, 0);
    ck_assert_int_eq(sk_ckpt_parse("0\n1\nx 1 2", 9, &d, err, sizeof(err)), 0);
    ck_assert_int_eq(d.e[0].offset, 2);
    sk_ckpt_free(&d);
}
END_TEST

START_TEST(test_ckpt_malformed)
{
    static const char *bad[] = {
        "",
        "1\n0\n",               /* version */
        "0\n",                  /* no count */
        "0\n-1\n",              /* negative count */
        "0\nx\n",
        "0\n2\nt 0 1\n",        /* fewer entries than count */
        "0\n1\nt 0 1\nu 0 2\n", /* more */
        "0\n1\nt 0\n",          /* missing field */
        "0\n1\nt 0 1 2\n",      /* extra field */
        "0\n1\nt  0 1\n",       /* double space */
        "0\n1\n 0 1\n",         /* empty topic */
        "0\n1\nt -1 1\n",       /* negative partition */
        "0\n1\nt 2147483648 1\n",
        "0\n1\nt 0 99999999999999999999\n",
        "0\n1\nt 0 -2\n",
        "0\n1\nt 0 1x\n",
        "0\n1\nt 0 \n",
        " 0\n0\n",
        "0\n1\nt 0 1\r\n",
        "0\n100000001\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sk_ckpt_t c;
        char err[200] = "";
        int rc = sk_ckpt_parse(bad[i], strlen(bad[i]), &c, err, sizeof(err));
        ck_assert_msg(rc == SK_EPARSE, "case %zu accepted: '%s'", i, bad[i]);
        ck_assert(err[0] != '\0');
        ck_assert_uint_eq(c.n, 0);
    }
    /* embedded NUL */
    sk_ckpt_t c;
    char err[200];
    ck_assert_int_eq(sk_ckpt_parse("0\n1\nt\0 0 1\n", 11, &c, err, sizeof(err)), SK_EPARSE);
    /* a missing file is ENOENT and empty */
    ck_assert_int_eq(sk_ckpt_read_file("/nonexistent/x", &c, err, sizeof(err)), SK_ENOENT);
    ck_assert_uint_eq(c.n, 0);
}
END_TEST

START_TEST(test_meta_parse)
{
    sk_meta_props_t m;
    char err[200];
    const char *ok = "#\n#Tue Nov 22 2026\nbroker.id=3\nversion=0\ncluster.id=AbC-xyz_1\n";
    ck_assert_int_eq(sk_meta_parse(ok, strlen(ok), &m, err, sizeof(err)), 0);
    ck_assert_int_eq(m.broker_id, 3);
    ck_assert_str_eq(m.cluster_id, "AbC-xyz_1");
    char *t = sk_meta_format(&m);
    sk_meta_props_t m2;
    ck_assert_int_eq(sk_meta_parse(t, strlen(t), &m2, err, sizeof(err)), 0);
    ck_assert_int_eq(m2.broker_id, 3);
    ck_assert_str_eq(m2.cluster_id, "AbC-xyz_1");
    free(t);
    sk_meta_free(&m);
    sk_meta_free(&m2);
    const char *ok2 = "version = 0\r\n broker.id= 7 \nother.key=whatever\n";
    ck_assert_int_eq(sk_meta_parse(ok2, strlen(ok2), &m, err, sizeof(err)), 0);
    ck_assert_int_eq(m.broker_id, 7);
    ck_assert_ptr_null(m.cluster_id);
    static const char *bad[] = {
        "",
        "broker.id=1\n",                  /* no version */
        "version=1\nbroker.id=1\n",       /* KRaft format */
        "version=0\n",                    /* no broker.id */
        "version=0\nbroker.id=-1\n",
        "version=0\nbroker.id=abc\n",
        "version=0\nbroker.id=99999999999\n",
        "version=0\nbroker.id=1\ngarbage line\n",
        "version=x\nbroker.id=1\n",
        "version=0\nbroker.id=1\ncluster.id=\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(sk_meta_parse(bad[i], strlen(bad[i]), &m, err, sizeof(err)) == SK_EPARSE,
                      "case %zu accepted", i);
        ck_assert_ptr_null(m.cluster_id);
    }
}
END_TEST

START_TEST(test_dirname_parse)
{
    char *t;
    int32_t p;
    ck_assert_int_eq(sk_logmgr_parse_dirname("my-topic-12", &t, &p), 0);
    ck_assert_str_eq(t, "my-topic");
    ck_assert_int_eq(p, 12);
    free(t);
    ck_assert_int_eq(sk_logmgr_parse_dirname("a--0", &t, &p), 0);
    ck_assert_str_eq(t, "a-");
    free(t);
    ck_assert_int_eq(sk_logmgr_parse_dirname("__consumer_offsets-49", &t, &p), 0);
    ck_assert_int_eq(p, 49);
    free(t);
    static const char *bad[] = {"topic", "-1", "t-", "t-x", "t-01", "t-2147483648",
                                "t-99999999999", "t p-1", "t/x-1", "..-1", "lost+found"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(sk_logmgr_parse_dirname(bad[i], &t, &p) == SK_EPARSE, "accepted %s",
                      bad[i]);
    ck_assert(sk_logmgr_topic_valid("a.b_c-D9"));
    ck_assert(!sk_logmgr_topic_valid(""));
    ck_assert(!sk_logmgr_topic_valid("."));
    char longname[260];
    memset(longname, 'x', 250);
    longname[250] = 0;
    ck_assert(!sk_logmgr_topic_valid(longname));
}
END_TEST

/* ---- log manager ---- */

static int64_t append_n(sk_plog_t *log, int n)
{
    sk_wr_t w;
    sk_wr_init(&w);
    sk_record_in_t *r = calloc((size_t)n, sizeof(*r));
    for (int i = 0; i < n; i++) {
        r[i].timestamp = 1000 + i;
        r[i].key_len = -1;
        r[i].value = "v";
        r[i].value_len = 1;
    }
    sk_batch_build(&w, 0, NULL, r, n);
    int64_t first, last;
    ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, 1, &first, &last), 0);
    free(r);
    sk_wr_free(&w);
    return last;
}

struct collect {
    int n;
    int64_t leo_sum;
};

static void on_each(const char *topic, int32_t partition, sk_plog_t *log, void *arg)
{
    struct collect *c = arg;
    c->n++;
    c->leo_sum += sk_plog_end_offset(log);
}

static sk_logmgr_t *open_mgr(struct event_base *base, sk_diskio_t *io, int32_t id, int ndirs)
{
    char *dirs[2] = {dir1, dir2};
    sk_logmgr_t *m = NULL;
    char err[512] = "";
    int rc = sk_logmgr_open(base, io, dirs, ndirs, id, NULL, 0, 0, &m, err, sizeof(err));
    ck_assert_msg(rc == 0, "logmgr open: %s", err);
    return m;
}

START_TEST(test_logmgr_reopen)
{
    sk_logmgr_t *m = open_mgr(NULL, NULL, 1, 2);
    ck_assert(exists(dir1, "meta.properties"));
    ck_assert(exists(dir2, "meta.properties"));
    const char *topics[] = {"plain", "with-dash", "a-b-c-d", "x-1"};
    for (int t = 0; t < 4; t++) {
        for (int p = 0; p < 3; p++) {
            sk_plog_t *log;
            ck_assert_int_eq(sk_logmgr_get_or_create(m, topics[t], p, NULL, &log), 0);
            append_n(log, 1 + t + p);
            sk_plog_t *again;
            ck_assert_int_eq(sk_logmgr_get_or_create(m, topics[t], p, NULL, &again), 0);
            ck_assert_ptr_eq(again, log);
            sk_logmgr_set_high_watermark(m, topics[t], p, t + p);
        }
    }
    sk_plog_t *bad;
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "bad/name", 0, NULL, &bad), SK_EINVAL);
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "ok", -1, NULL, &bad), SK_EINVAL);
    ck_assert_ptr_null(sk_logmgr_get(m, "nope", 0));
    ck_assert_int_eq(sk_logmgr_count(m), 12);
    /* spread over both dirs */
    ck_assert(exists(dir1, "plain-0") != exists(dir2, "plain-0"));
    int in1 = 0;
    for (int t = 0; t < 4; t++)
        for (int p = 0; p < 3; p++) {
            char nm[64];
            snprintf(nm, sizeof(nm), "%s-%d", topics[t], p);
            in1 += exists(dir1, nm);
        }
    ck_assert_int_eq(in1, 6);
    sk_logmgr_close(m);

    /* checkpoints hold the LEO (flushed on close) and the HW */
    char *rp1 = read_text(dir1, SK_CKPT_RECOVERY);
    char *hw1 = read_text(dir1, SK_CKPT_REPLICATION);
    sk_ckpt_t c;
    char err[200];
    ck_assert_int_eq(sk_ckpt_parse(rp1, strlen(rp1), &c, err, sizeof(err)), 0);
    ck_assert_uint_eq(c.n, 6);
    for (size_t i = 0; i < c.n; i++) {
        int t = 0;
        while (strcmp(topics[t], c.e[i].topic))
            t++;
        ck_assert_int_eq(c.e[i].offset, 1 + t + c.e[i].partition);
    }
    sk_ckpt_free(&c);
    ck_assert_int_eq(sk_ckpt_parse(hw1, strlen(hw1), &c, err, sizeof(err)), 0);
    ck_assert_uint_eq(c.n, 6);
    sk_ckpt_free(&c);
    free(rp1);
    free(hw1);

    /* a stray dir, a half-deleted topic and a file are handled on open */
    char p[700];
    snprintf(p, sizeof(p), "%s/not_a_partition", dir1);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/gone-0.0123abcd-delete", dir1);
    mkdir(p, 0755);
    write_text(p, "00000000000000000000.log", "junk");
    write_text(dir1, "somefile-3", "x");

    m = open_mgr(NULL, NULL, 1, 2);
    ck_assert_int_eq(sk_logmgr_count(m), 12);
    ck_assert(!exists(dir1, "gone-0.0123abcd-delete"));
    struct collect col = {0};
    sk_logmgr_foreach(m, on_each, &col);
    ck_assert_int_eq(col.n, 12);
    int64_t want = 0;
    for (int t = 0; t < 4; t++)
        for (int q = 0; q < 3; q++)
            want += 1 + t + q;
    ck_assert_int_eq(col.leo_sum, want);
    sk_plog_t *log = sk_logmgr_get(m, "a-b-c-d", 2);
    ck_assert_ptr_nonnull(log);
    ck_assert_int_eq(sk_plog_end_offset(log), 5);
    ck_assert_int_eq(sk_plog_recovery_point(log), 5);
    ck_assert_int_eq(sk_logmgr_get_checkpointed_high_watermark(m, "a-b-c-d", 2), 4);
    ck_assert_int_eq(sk_logmgr_get_checkpointed_high_watermark(m, "a-b-c-d", 7), -1);
    /* delete a partition */
    ck_assert_int_eq(sk_logmgr_delete(m, "with-dash", 1), 0);
    ck_assert_int_eq(sk_logmgr_delete(m, "with-dash", 1), SK_ENOENT);
    ck_assert_ptr_null(sk_logmgr_get(m, "with-dash", 1));
    ck_assert(!exists(dir1, "with-dash-1"));
    ck_assert(!exists(dir2, "with-dash-1"));
    sk_logmgr_close(m);
    m = open_mgr(NULL, NULL, 1, 2);
    ck_assert_int_eq(sk_logmgr_count(m), 11);
    sk_logmgr_close(m);
}
END_TEST

START_TEST(test_logmgr_meta_mismatch)
{
    sk_logmgr_t *m = open_mgr(NULL, NULL, 1, 2);
    sk_logmgr_close(m);
    char *dirs[2] = {dir1, dir2};
    char err[512] = "";
    ck_assert_int_eq(sk_logmgr_open(NULL, NULL, dirs, 2, 2, NULL, 0, 0, &m, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_ptr_null(m);
    ck_assert_ptr_nonnull(strstr(err, dir1));
    ck_assert_ptr_nonnull(strstr(err, "broker.id"));
    /* malformed meta.properties is an error too */
    write_text(dir2, "meta.properties", "version=0\nbroker.id=oops\n");
    ck_assert_int_eq(sk_logmgr_open(NULL, NULL, dirs + 1, 1, 1, NULL, 0, 0, &m, err, sizeof(err)),
                     SK_EPARSE);
    ck_assert_ptr_nonnull(strstr(err, dir2));
}
END_TEST

START_TEST(test_logmgr_cluster_id)
{
    sk_logmgr_t *m = open_mgr(NULL, NULL, 1, 2);
    char err[512];
    ck_assert_int_eq(sk_logmgr_set_cluster_id(m, "clusterA", err, sizeof(err)), 0);
    ck_assert_int_eq(sk_logmgr_set_cluster_id(m, "clusterA", err, sizeof(err)), 0);
    ck_assert_int_eq(sk_logmgr_set_cluster_id(m, "clusterB", err, sizeof(err)), SK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "clusterA"));
    sk_logmgr_close(m);
    char *t = read_text(dir2, "meta.properties");
    ck_assert_ptr_nonnull(strstr(t, "cluster.id=clusterA\n"));
    ck_assert_ptr_nonnull(strstr(t, "broker.id=1\n"));
    ck_assert_ptr_nonnull(strstr(t, "version=0\n"));
    free(t);
    m = open_mgr(NULL, NULL, 1, 2);
    ck_assert_int_eq(sk_logmgr_set_cluster_id(m, "clusterB", err, sizeof(err)), SK_EINVAL);
    sk_logmgr_close(m);
}
END_TEST

START_TEST(test_logmgr_malformed_checkpoint)
{
    sk_logmgr_t *m = open_mgr(NULL, NULL, 1, 1);
    sk_plog_t *log;
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "t", 0, NULL, &log), 0);
    append_n(log, 3);
    sk_logmgr_close(m);
    const char *files[3] = {SK_CKPT_RECOVERY, SK_CKPT_LOG_START, SK_CKPT_REPLICATION};
    for (int k = 0; k < 3; k++) {
        char *saved = read_text(dir1, files[k]);
        write_text(dir1, files[k], "0\n2\nt 0 3\n");
        char *dirs[1] = {dir1};
        char err[512] = "";
        ck_assert_int_eq(sk_logmgr_open(NULL, NULL, dirs, 1, 1, NULL, 0, 0, &m, err, sizeof(err)),
                         SK_EPARSE);
        ck_assert_ptr_nonnull(strstr(err, files[k]));
        write_text(dir1, files[k], saved);
        free(saved);
    }
    /* a log-start-offset checkpoint raises the start offset */
    write_text(dir1, SK_CKPT_LOG_START, "0\n1\nt 0 2\n");
    m = open_mgr(NULL, NULL, 1, 1);
    log = sk_logmgr_get(m, "t", 0);
    ck_assert_int_eq(sk_plog_start_offset(log), 2);
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(log, 1, 3, 100, &s), SK_EINVAL);
    sk_logmgr_close(m);
}
END_TEST

static int file_has(void *arg)
{
    char *t;
    size_t n;
    char p[700];
    snprintf(p, sizeof(p), "%s/%s", dir1, SK_CKPT_REPLICATION);
    if (sk_file_read_small(p, 1 << 20, &t, &n) != 0)
        return 0;
    int ok = strstr(t, (const char *)arg) != NULL;
    free(t);
    return ok;
}

START_TEST(test_logmgr_timers)
{
    struct event_base *base = event_base_new();
    sk_diskio_t *io = sk_diskio_new(base, 2);
    char *dirs[1] = {dir1};
    sk_plog_config_t cfg;
    sk_plog_config_defaults(&cfg);
    cfg.flush_interval_ms = 1;
    sk_logmgr_t *m = NULL;
    char err[512];
    ck_assert_int_eq(sk_logmgr_open(base, io, dirs, 1, 1, &cfg, 10, 20, &m, err, sizeof(err)), 0);
    sk_plog_t *log;
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "timed", 0, NULL, &log), 0);
    append_n(log, 4);
    sk_logmgr_set_high_watermark(m, "timed", 0, 4);
    int64_t deadline = sk_mono_ms() + 10000;
    while ((!file_has("timed 0 4\n") || sk_plog_recovery_point(log) != 4) &&
           sk_mono_ms() < deadline)
        event_base_loop(base, EVLOOP_ONCE);
    ck_assert(file_has("timed 0 4\n"));
    ck_assert_int_eq(sk_plog_recovery_point(log), 4); /* flushed by the scheduler */
    sk_logmgr_close(m);
    sk_diskio_free(io);
    event_base_free(base);
}
END_TEST

static int start_ckpt_has(void *arg)
{
    char p[700];
    snprintf(p, sizeof(p), "%s/%s", dir1, SK_CKPT_LOG_START);
    char *t;
    size_t n;
    if (sk_file_read_small(p, 1 << 20, &t, &n) != 0)
        return 0;
    int ok = strstr(t, (const char *)arg) != NULL;
    free(t);
    return ok;
}

START_TEST(test_logmgr_retention)
{
    struct event_base *base = event_base_new();
    sk_diskio_t *io = sk_diskio_new(base, 2);
    char *dirs[1] = {dir1};
    sk_plog_config_t cfg;
    sk_plog_config_defaults(&cfg);
    cfg.segment_bytes = 1; /* one batch per segment */
    cfg.retention_bytes = 0;
    sk_logmgr_t *m = NULL;
    char err[512];
    ck_assert_int_eq(sk_logmgr_open(base, io, dirs, 1, 1, &cfg, 0, 0, &m, err, sizeof(err)), 0);
    sk_plog_t *a, *b;
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "ret", 0, NULL, &a), 0);
    /* a topic override: unlimited */
    sk_plog_config_t keep = cfg;
    keep.retention_bytes = -1;
    keep.retention_ms = -1; /* append_n writes 1970 timestamps */
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "keep", 0, &keep, &b), 0);
    for (int i = 0; i < 4; i++) {
        append_n(a, 2);
        append_n(b, 2);
    }
    ck_assert_int_eq(sk_plog_segment_count(a), 4);
    /* no HW yet: nothing goes */
    ck_assert_int_eq(sk_logmgr_run_retention(m, sk_wall_ms()), 0);
    sk_logmgr_set_high_watermark(m, "ret", 0, 4);
    sk_logmgr_set_high_watermark(m, "keep", 0, 8);
    ck_assert_int_eq(sk_logmgr_run_retention(m, sk_wall_ms()), 2); /* segments 0, 2 */
    ck_assert_int_eq(sk_plog_start_offset(a), 4);
    ck_assert_int_eq(sk_plog_segment_count(b), 4);
    /* the timer does the rest and the checkpoint follows */
    sk_logmgr_set_high_watermark(m, "ret", 0, 8);
    sk_logmgr_set_retention_check_ms(m, 10);
    int64_t deadline = sk_mono_ms() + 10000;
    while (!(sk_plog_start_offset(a) == 6 && start_ckpt_has("ret 0 6\n")) &&
           sk_mono_ms() < deadline)
        event_base_loop(base, EVLOOP_ONCE);
    ck_assert_int_eq(sk_plog_start_offset(a), 6);
    ck_assert(start_ckpt_has("ret 0 6\n"));
    ck_assert(start_ckpt_has("keep 0 0\n"));
    ck_assert_int_eq(sk_plog_segment_count(a), 1);
    sk_logmgr_set_retention_check_ms(m, 0); /* off */
    sk_logmgr_close(m);
    /* the start offset survives a restart */
    m = NULL;
    ck_assert_int_eq(sk_logmgr_open(NULL, NULL, dirs, 1, 1, &cfg, 0, 0, &m, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_plog_start_offset(sk_logmgr_get(m, "ret", 0)), 6);
    ck_assert_int_eq(sk_plog_end_offset(sk_logmgr_get(m, "ret", 0)), 8);
    sk_logmgr_close(m);
    sk_diskio_free(io);
    event_base_free(base);
}
END_TEST

static int offline_calls, offline_online = -1;

static void on_offline(int dir, const char *path, int online, void *arg)
{
    (void)dir;
    (void)path;
    (void)arg;
    offline_calls++;
    offline_online = online;
}

/* A read error takes the dir offline through the same callback as a write
 * error; a range that reads back (sendfile's EIO was the socket's) does not. */
START_TEST(test_logmgr_read_error_takes_dir_offline)
{
    char *dirs[2] = {dir1, dir2};
    sk_plog_config_t cfg;
    sk_plog_config_defaults(&cfg);
    sk_logmgr_t *m = NULL;
    char err[512];
    ck_assert_int_eq(sk_logmgr_open(NULL, NULL, dirs, 2, 1, &cfg, 0, 0, &m, err, sizeof(err)), 0);
    sk_logmgr_set_offline_cb(m, on_offline, NULL);
    sk_plog_t *a;
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "rd", 0, NULL, &a), 0);
    append_n(a, 3);
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(a, 0, 3, 1 << 20, &s), SK_OK);
    ck_assert_int_gt(s.len, 0);
    uint8_t *buf = malloc((size_t)s.len);
    ck_assert_int_eq(sk_plog_check_range(a, 0, s.file_pos, s.len, "sendfile"), SK_OK);
    ck_assert_int_eq(sk_plog_check_range(a, 99, 0, 10, "sendfile"), SK_OK); /* no such range */
    ck_assert_int_eq(sk_plog_slice_load(a, &s, buf), SK_OK);
    ck_assert_int_eq(offline_calls, 0);
    ck_assert(!sk_plog_offline(a));

    ck_assert_int_eq(sk_plog_read(a, 0, 3, 1 << 20, &s), SK_OK);
    close(s.fd); /* its read now fails (EBADF), as on a dying disk */
    ck_assert_int_eq(sk_plog_slice_load(a, &s, buf), SK_EIO);
    ck_assert_int_eq(offline_calls, 1);
    ck_assert_int_eq(offline_online, 1); /* the other dir is left */
    ck_assert(sk_plog_offline(a));
    ck_assert_int_eq(sk_plog_read(a, 0, 3, 1 << 20, &s), SK_OK);
    close(s.fd);
    ck_assert_int_eq(sk_plog_slice_load(a, &s, buf), SK_EIO);
    ck_assert_int_eq(offline_calls, 1); /* once */
    free(buf);
    sk_logmgr_close(m);
}
END_TEST

START_TEST(test_logmgr_advance_log_start)
{
    struct event_base *base = event_base_new();
    sk_diskio_t *io = sk_diskio_new(base, 2);
    char *dirs[1] = {dir1};
    sk_plog_config_t cfg;
    sk_plog_config_defaults(&cfg);
    cfg.segment_bytes = 1; /* one batch per segment */
    cfg.retention_ms = -1; /* append_n writes 1970 timestamps */
    sk_logmgr_t *m = NULL;
    char err[512];
    ck_assert_int_eq(sk_logmgr_open(base, io, dirs, 1, 1, &cfg, 0, 0, &m, err, sizeof(err)), 0);
    sk_plog_t *a;
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "dr", 0, NULL, &a), 0);
    for (int i = 0; i < 4; i++)
        append_n(a, 2); /* segments at 0, 2, 4, 6 */
    ck_assert_int_eq(sk_logmgr_advance_log_start(m, "nope", 0, 3), -1);
    /* 5 is inside the segment at 4: the two below it go */
    ck_assert_int_eq(sk_logmgr_advance_log_start(m, "dr", 0, 5), 5);
    ck_assert_int_eq(sk_plog_start_offset(a), 5);
    ck_assert_int_eq(sk_plog_segment_count(a), 2);
    ck_assert(!exists(sk_plog_dir(a), "00000000000000000000.log"));
    ck_assert(!exists(sk_plog_dir(a), "00000000000000000002.log"));
    ck_assert(exists(sk_plog_dir(a), "00000000000000000004.log"));
    sk_plog_slice_t s;
    ck_assert_int_eq(sk_plog_read(a, 4, 8, 100, &s), SK_EINVAL);
    /* never backwards, never past the log end */
    ck_assert_int_eq(sk_logmgr_advance_log_start(m, "dr", 0, 1), 5);
    ck_assert_int_eq(sk_logmgr_advance_log_start(m, "dr", 0, 100), 8);
    ck_assert_int_eq(sk_plog_segment_count(a), 1); /* the active one stays */
    int64_t deadline = sk_mono_ms() + 10000;
    while (!start_ckpt_has("dr 0 8\n") && sk_mono_ms() < deadline)
        event_base_loop(base, EVLOOP_ONCE);
    ck_assert(start_ckpt_has("dr 0 8\n"));
    sk_logmgr_close(m);
    /* the checkpoint brings it back; one past the log end is clamped to it */
    m = NULL;
    ck_assert_int_eq(sk_logmgr_open(NULL, NULL, dirs, 1, 1, &cfg, 0, 0, &m, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_plog_start_offset(sk_logmgr_get(m, "dr", 0)), 8);
    sk_logmgr_close(m);
    write_text(dir1, SK_CKPT_LOG_START, "0\n1\ndr 0 99\n");
    m = NULL;
    ck_assert_int_eq(sk_logmgr_open(NULL, NULL, dirs, 1, 1, &cfg, 0, 0, &m, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_plog_start_offset(sk_logmgr_get(m, "dr", 0)), 8);
    sk_logmgr_close(m);
    /* a malformed log-start-offset-checkpoint: refused, naming the file */
    static const char *bad[] = {"0\n1\ndr 0 -5\n", "0\n1\ndr 0\n", "0\n1\ndr x 3\n",
                                "0\n2\ndr 0 3\n", "1\n1\ndr 0 3\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_text(dir1, SK_CKPT_LOG_START, bad[i]);
        m = NULL;
        ck_assert_msg(sk_logmgr_open(NULL, NULL, dirs, 1, 1, &cfg, 0, 0, &m, err, sizeof(err)) ==
                          SK_EPARSE, "accepted: %s", bad[i]);
        ck_assert_ptr_nonnull(strstr(err, SK_CKPT_LOG_START));
    }
    sk_diskio_free(io);
    event_base_free(base);
}
END_TEST

START_TEST(test_partmeta_parse)
{
    ck_assert(sk_topic_id_valid("7pZ_ZNFvRrOXmLcbFnMXqw", 22));
    ck_assert(sk_topic_id_valid("AAAAAAAAAAAAAAAAAAAAAQ", 22));
    ck_assert(sk_topic_id_valid("-AAAAAAAAAAAAAAAAAAAAA", 22));
    ck_assert(!sk_topic_id_valid("AAAAAAAAAAAAAAAAAAAAAA", 22)); /* Kafka's zero Uuid */
    ck_assert(!sk_topic_id_valid("7pZ_ZNFvRrOXmLcbFnMXqx", 22)); /* non-zero padding bits */
    ck_assert(!sk_topic_id_valid("7pZ_ZNFvRrOXmLcbFnMXq", 21));
    ck_assert(!sk_topic_id_valid("7pZ_ZNFvRrOXmLcbFnMXqwA", 23));
    ck_assert(!sk_topic_id_valid("7pZ+ZNFvRrOXmLcbFnMXqw", 22)); /* base64, not base64url */
    ck_assert(!sk_topic_id_valid("7pZ_ZNFvRrOXmLcbFnMX=w", 22));

    char id[SK_TOPIC_ID_LEN + 1], err[200];
    char *t = sk_partmeta_format("7pZ_ZNFvRrOXmLcbFnMXqw");
    ck_assert_str_eq(t, "version: 0\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXqw\n");
    ck_assert_int_eq(sk_partmeta_parse(t, strlen(t), id, err, sizeof(err)), 0);
    ck_assert_str_eq(id, "7pZ_ZNFvRrOXmLcbFnMXqw");
    free(t);
    static const char *const good[] = {
        "version: 0\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXqw",
        "version:  0\ntopic_id:\t7pZ_ZNFvRrOXmLcbFnMXqw\n\n",
        "version: 0\r\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXqw\r\n",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        memset(id, 0, sizeof(id));
        ck_assert_msg(sk_partmeta_parse(good[i], strlen(good[i]), id, err, sizeof(err)) == 0,
                      "good case %zu: %s", i, err);
        ck_assert_str_eq(id, "7pZ_ZNFvRrOXmLcbFnMXqw");
    }
    static const char *const bad[] = {
        "",
        "version: 0\n",
        "version: 1\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXqw\n",
        "version:0\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXqw\n",
        "version: 0\ntopic_id:7pZ_ZNFvRrOXmLcbFnMXqw\n",
        "version: x\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXqw\n",
        "topic_id: 7pZ_ZNFvRrOXmLcbFnMXqw\nversion: 0\n",
        "version: 0\ntopic_id: \n",
        "version: 0\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXq\n",
        "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n",
        "version: 0\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXqw extra\n",
        "version: 0\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXqw\nmore\n",
        "Version: 0\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXqw\n",
        "version: 0\ntopicid: 7pZ_ZNFvRrOXmLcbFnMXqw\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        ck_assert_msg(sk_partmeta_parse(bad[i], strlen(bad[i]), id, err, sizeof(err)) == SK_EPARSE,
                      "bad case %zu accepted", i);
        ck_assert(err[0] != '\0');
    }
    static const char nul[] = "version: 0\ntopic_id: 7pZ_ZNFvRrOXmLcbFnMXqw\n\0";
    ck_assert_int_eq(sk_partmeta_parse(nul, sizeof(nul) - 1, id, err, sizeof(err)), SK_EPARSE);
    char path[400];
    snprintf(path, sizeof(path), "%s/pm", tmpdir);
    ck_assert_int_eq(sk_partmeta_read_file(path, id, err, sizeof(err)), SK_ENOENT);
}
END_TEST

START_TEST(test_logmgr_lock)
{
    char *dirs[2] = {dir1, dir2};
    sk_logmgr_t *m = NULL, *m2 = NULL;
    char err[512] = "";
    ck_assert_int_eq(sk_logmgr_open(NULL, NULL, dirs, 2, 1, NULL, 0, 0, &m, err, sizeof(err)), 0);
    ck_assert(exists(dir1, ".lock"));
    ck_assert(exists(dir2, ".lock"));
    /* a second broker process on dir2 fails, naming it */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char e2[512] = "";
        char *d2[1] = {dir2};
        sk_logmgr_t *x = NULL;
        int rc = sk_logmgr_open(NULL, NULL, d2, 1, 1, NULL, 0, 0, &x, e2, sizeof(e2));
        _exit(rc == SK_ESTATE && strstr(e2, dir2) && strstr(e2, "locked") ? 0 : 1);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* and so does a second manager in this process */
    ck_assert_int_eq(sk_logmgr_open(NULL, NULL, dirs, 2, 1, NULL, 0, 0, &m2, err, sizeof(err)),
                     SK_ESTATE);
    ck_assert_ptr_null(m2);
    ck_assert_ptr_nonnull(strstr(err, dir1));
    /* nothing was touched: the first manager still works */
    sk_plog_t *log;
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "locked", 0, NULL, &log), 0);
    sk_logmgr_close(m);
    /* released on close */
    ck_assert_int_eq(sk_logmgr_open(NULL, NULL, dirs, 2, 1, NULL, 0, 0, &m2, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_logmgr_count(m2), 1);
    sk_logmgr_close(m2);
    /* the same dir twice in log.dirs */
    char *twice[2] = {dir1, dir1};
    ck_assert_int_eq(sk_logmgr_open(NULL, NULL, twice, 2, 1, NULL, 0, 0, &m2, err, sizeof(err)),
                     SK_ESTATE);
    ck_assert_ptr_nonnull(strstr(err, dir1));
    /* an unusable lock file path is an error too */
    char sub[400];
    snprintf(sub, sizeof(sub), "%s/d3", tmpdir);
    char *d3[1] = {sub};
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    char lockp[500];
    snprintf(lockp, sizeof(lockp), "%s/.lock", sub);
    ck_assert_int_eq(mkdir(lockp, 0755), 0); /* a directory where the lock file goes */
    ck_assert_int_eq(sk_logmgr_open(NULL, NULL, d3, 1, 1, NULL, 0, 0, &m2, err, sizeof(err)),
                     SK_EIO);
    ck_assert_ptr_nonnull(strstr(err, lockp));
}
END_TEST

int main(void)
{
    evthread_use_pthreads();
    Suite *s = suite_create("logmgr");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_ckpt_roundtrip);
    tcase_add_test(tc, test_ckpt_malformed);
    tcase_add_test(tc, test_meta_parse);
    tcase_add_test(tc, test_dirname_parse);
    tcase_add_test(tc, test_logmgr_reopen);
    tcase_add_test(tc, test_logmgr_meta_mismatch);
    tcase_add_test(tc, test_logmgr_cluster_id);
    tcase_add_test(tc, test_logmgr_malformed_checkpoint);
    tcase_add_test(tc, test_logmgr_timers);
    tcase_add_test(tc, test_partmeta_parse);
    tcase_add_test(tc, test_logmgr_lock);
    tcase_add_test(tc, test_logmgr_retention);
    tcase_add_test(tc, test_logmgr_advance_log_start);
    tcase_add_test(tc, test_logmgr_read_error_takes_dir_offline);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
