/* check_epoch.c - leader epoch cache: entries, OffsetForLeaderEpoch answers,
 * leader-epoch-checkpoint parsing, and the cache inside a partition log
 * (appends, truncation, persistence, recovery). */
#include "storage/epoch_cache.h"

#include <check.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/checkpoint.h"
#include "clock.h"
#include "storage/diskio.h"
#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "recbatch.h"

static char tmpdir[256];
static char logdir[300];
static char epath[400];

static void setup(void)
{
    sk_log_set_level(SK_LOG_ERROR);
    strcpy(tmpdir, "/tmp/sk-check-epoch-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(logdir, sizeof(logdir), "%s/t-0", tmpdir);
    snprintf(epath, sizeof(epath), "%s/leader-epoch-checkpoint", logdir);
}

static void teardown(void) { sk_plog_rmtree(tmpdir); }

/* ---- helpers ---- */

static sk_epoch_cache_t *cache_of(const char *text)
{
    sk_epoch_cache_t *c = sk_epoch_cache_new();
    char err[200];
    ck_assert_msg(sk_epoch_cache_parse(c, text, strlen(text), err, sizeof(err)) == 0, "%s", err);
    return c;
}

static char *fmt(const sk_epoch_cache_t *c) { return sk_epoch_cache_format(c, NULL); }

#define ck_assert_cache(c, text)                                                                  \
    do {                                                                                          \
        char *got_ = fmt(c);                                                                      \
        ck_assert_str_eq(got_, text);                                                             \
        free(got_);                                                                               \
    } while (0)

static char *file_text(const char *path)
{
    char *t = NULL;
    size_t n;
    if (sk_file_read_small(path, 1 << 20, &t, &n) != 0)
        return NULL;
    return t;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* One uncompressed batch of n records at base offset `base` with leader
 * epoch `epoch`, appended to w. */
static void add_batch(sk_wr_t *w, int64_t base, int n, int32_t epoch)
{
    sk_record_in_t r[16];
    ck_assert_int_le(n, 16);
    for (int i = 0; i < n; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        r[i].timestamp = 1000 + base + i;
        r[i].key = NULL;
        r[i].key_len = -1;
        r[i].value = "payload";
        r[i].value_len = 7;
    }
    sk_batch_opts_t o = {0, -1, -1, -1, epoch};
    sk_batch_build(w, base, &o, r, n);
}

static sk_plog_t *open_log_io(sk_diskio_t *io, int64_t rp)
{
    sk_plog_t *log = NULL;
    char err[256] = "";
    sk_plog_config_t cfg;
    sk_plog_config_defaults(&cfg);
    cfg.segment_bytes = 250; /* a few batches per segment */
    cfg.index_interval_bytes = 100;
    int rc = sk_plog_open(logdir, &cfg, io, rp, &log, err, sizeof(err));
    ck_assert_msg(rc == 0, "open failed: %s", err);
    return log;
}

static sk_plog_t *open_log(int64_t rp) { return open_log_io(NULL, rp); }

/* Leader append of one batch of n records with epoch; returns its first offset. */
static int64_t lappend(sk_plog_t *log, int n, int32_t epoch)
{
    sk_wr_t w;
    sk_wr_init(&w);
    add_batch(&w, 0, n, epoch < 0 ? 0 : epoch);
    int64_t first, last;
    ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, epoch, &first, &last), 0);
    sk_wr_free(&w);
    return first;
}

static int raw_append(sk_plog_t *log, int64_t base, int n, int32_t epoch)
{
    sk_wr_t w;
    sk_wr_init(&w);
    add_batch(&w, base, n, epoch);
    int rc = sk_plog_append_raw(log, w.buf, w.len, NULL, NULL);
    sk_wr_free(&w);
    return rc;
}

static void assert_eo(sk_plog_t *log, int32_t req, int32_t want_epoch, int64_t want_off)
{
    int32_t e = -7;
    int64_t o = -7;
    ck_assert_int_eq(sk_plog_end_offset_for_epoch(log, req, &e, &o), 0);
    ck_assert_msg(e == want_epoch && o == want_off,
                  "epoch %d: got (%d, %lld), want (%d, %lld)", req, e, (long long)o, want_epoch,
                  (long long)want_off);
}

/* A log with epochs 0 @0 (3 batches of 2), 2 @6 (2 batches of 3), 5 @12
 * (4 batches of 1) written as a leader; LEO 16; several segments. */
static sk_plog_t *three_epoch_log(void)
{
    sk_plog_t *log = open_log(0);
    for (int i = 0; i < 3; i++)
        lappend(log, 2, 0);
    for (int i = 0; i < 2; i++)
        lappend(log, 3, 2);
    for (int i = 0; i < 4; i++)
        lappend(log, 1, 5);
    ck_assert_int_eq(sk_plog_end_offset(log), 16);
    ck_assert_int_gt(sk_plog_segment_count(log), 2);
    ck_assert_cache(sk_plog_epochs(log), "0\n3\n0 0\n2 6\n5 12\n");
    return log;
}

/* ---- the cache itself ---- */

START_TEST(test_cache_assign)
{
    sk_epoch_cache_t *c = sk_epoch_cache_new();
    ck_assert_int_eq(sk_epoch_cache_latest_epoch(c), -1);
    ck_assert_int_eq(sk_epoch_cache_assign(c, 1, 0), 1);
    ck_assert_int_eq(sk_epoch_cache_assign(c, 1, 5), 0); /* same epoch continues */
    ck_assert_int_eq(sk_epoch_cache_assign(c, 3, 10), 1);
    ck_assert_int_eq(sk_epoch_cache_assign(c, 4, 20), 1);
    ck_assert_cache(c, "0\n3\n1 0\n3 10\n4 20\n");
    ck_assert_int_eq(sk_epoch_cache_latest_epoch(c), 4);
    /* the same entry again: no change */
    ck_assert_int_eq(sk_epoch_cache_assign(c, 4, 20), 0);
    ck_assert_cache(c, "0\n3\n1 0\n3 10\n4 20\n");
    /* epoch 4 really starts earlier: replaced */
    ck_assert_int_eq(sk_epoch_cache_assign(c, 4, 15), 1);
    ck_assert_cache(c, "0\n3\n1 0\n3 10\n4 15\n");
    /* data with epoch 3 at 30: epoch 4 is contradicted, 3 continues */
    ck_assert_int_eq(sk_epoch_cache_assign(c, 3, 30), 1);
    ck_assert_cache(c, "0\n2\n1 0\n3 10\n");
    /* a new epoch at an offset below existing entries replaces them */
    ck_assert_int_eq(sk_epoch_cache_assign(c, 7, 5), 1);
    ck_assert_cache(c, "0\n2\n1 0\n7 5\n");
    ck_assert_int_eq(sk_epoch_cache_assign(c, -1, 50), SK_EINVAL);
    ck_assert_int_eq(sk_epoch_cache_assign(c, 9, -1), SK_EINVAL);
    ck_assert_cache(c, "0\n2\n1 0\n7 5\n");
    ck_assert_int_eq(sk_epoch_cache_epoch_for_offset(c, 0), 1);
    ck_assert_int_eq(sk_epoch_cache_epoch_for_offset(c, 4), 1);
    ck_assert_int_eq(sk_epoch_cache_epoch_for_offset(c, 5), 7);
    ck_assert_int_eq(sk_epoch_cache_epoch_for_offset(c, 1000), 7);
    sk_epoch_cache_clear(c);
    ck_assert_int_eq(sk_epoch_cache_count(c), 0);
    ck_assert_int_eq(sk_epoch_cache_epoch_for_offset(c, 3), -1);
    sk_epoch_cache_free(c);
    sk_epoch_cache_free(NULL);
}
END_TEST

START_TEST(test_cache_end_offset_for)
{
    sk_epoch_cache_t *c = cache_of("0\n3\n1 0\n3 10\n5 20\n");
    static const struct { int32_t req, epoch; int64_t off; } cases[] = {
        {-1, -1, -1}, /* undefined epoch */
        {-5, -1, -1},
        {0, 0, 0},    /* below the first epoch: the first epoch's start */
        {1, 1, 10},   /* epoch 1 ends where 3 starts */
        {2, 1, 10},   /* unknown epoch between: its floor, ending where 3 starts */
        {3, 3, 20},
        {4, 3, 20},
        {5, 5, 30},   /* latest: the LEO */
        {6, -1, -1},  /* newer than anything known */
        {2147483647, -1, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int32_t e;
        int64_t o;
        sk_epoch_cache_end_offset_for(c, cases[i].req, 30, &e, &o);
        ck_assert_msg(e == cases[i].epoch && o == cases[i].off, "req %d -> (%d, %lld)",
                      cases[i].req, e, (long long)o);
    }
    sk_epoch_cache_free(c);
    /* empty cache */
    c = sk_epoch_cache_new();
    int32_t e;
    int64_t o;
    sk_epoch_cache_end_offset_for(c, 0, 30, &e, &o);
    ck_assert_int_eq(e, -1);
    ck_assert_int_eq(o, -1);
    sk_epoch_cache_free(c);
}
END_TEST

START_TEST(test_cache_truncation)
{
    sk_epoch_cache_t *c = cache_of("0\n4\n1 0\n3 10\n5 20\n6 30\n");
    ck_assert_int_eq(sk_epoch_cache_truncate_from_end(c, 31), 0);
    ck_assert_int_eq(sk_epoch_cache_truncate_from_end(c, 20), 1);
    ck_assert_cache(c, "0\n2\n1 0\n3 10\n");
    ck_assert_int_eq(sk_epoch_cache_truncate_from_start(c, 0), 0);
    ck_assert_int_eq(sk_epoch_cache_truncate_from_start(c, 4), 1);
    ck_assert_cache(c, "0\n2\n1 4\n3 10\n");
    ck_assert_int_eq(sk_epoch_cache_truncate_from_start(c, 10), 1);
    ck_assert_cache(c, "0\n1\n3 10\n");
    ck_assert_int_eq(sk_epoch_cache_truncate_from_start(c, 10), 0);
    ck_assert_int_eq(sk_epoch_cache_truncate_from_start(c, 25), 1);
    ck_assert_cache(c, "0\n1\n3 25\n");
    ck_assert_int_eq(sk_epoch_cache_truncate_from_end(c, 0), 1);
    ck_assert_cache(c, "0\n0\n");
    ck_assert_int_eq(sk_epoch_cache_truncate_from_start(c, 5), 0);
    ck_assert_int_eq(sk_epoch_cache_truncate_from_end(c, 5), 0);
    sk_epoch_cache_free(c);
}
END_TEST

START_TEST(test_checkpoint_parse_format)
{
    sk_epoch_cache_t *c = cache_of("0\n2\n0 0\n3 150\n");
    ck_assert_int_eq(sk_epoch_cache_count(c), 2);
    ck_assert_int_eq(sk_epoch_cache_get(c, 1).epoch, 3);
    ck_assert_int_eq(sk_epoch_cache_get(c, 1).start_offset, 150);
    size_t len;
    char *t = sk_epoch_cache_format(c, &len);
    ck_assert_str_eq(t, "0\n2\n0 0\n3 150\n");
    ck_assert_uint_eq(len, strlen(t));
    free(t);
    sk_epoch_cache_free(c);
    /* no final newline, trailing empty lines, extremes */
    c = cache_of("0\n1\n2147483647 9223372036854775807");
    ck_assert_cache(c, "0\n1\n2147483647 9223372036854775807\n");
    sk_epoch_cache_free(c);
    c = cache_of("0\n0\n\n\n");
    ck_assert_int_eq(sk_epoch_cache_count(c), 0);
    sk_epoch_cache_free(c);

    static const char *const bad[] = {
        "",
        "\n",
        "1\n0\n",                  /* version */
        "0\n",                     /* no count */
        "0\n-1\n",
        "0\nx\n",
        "0\n2\n0 0\n",             /* fewer entries than counted */
        "0\n1\n0 0\n1 5\n",        /* more */
        "0\n1\n0 0\ngarbage\n",
        "0\n1\n00\n",              /* no separator */
        "0\n1\n0  0\n",            /* double space */
        "0\n1\n0\t0\n",
        "0\n1\n 0 0\n",
        "0\n1\n0 0 \n",
        "0\n1\n-1 0\n",            /* negative epoch */
        "0\n1\n0 -1\n",            /* negative offset */
        "0\n1\n2147483648 0\n",    /* epoch beyond int32 */
        "0\n1\n0 9223372036854775808\n",
        "0\n1\n0 1x\n",
        "0\n2\n3 0\n3 10\n",       /* epochs not increasing */
        "0\n2\n4 0\n3 10\n",
        "0\n2\n1 10\n3 10\n",      /* offsets not increasing */
        "0\n2\n1 10\n3 5\n",
        "0\n2147483647\n",         /* huge count, nothing behind it */
        "0\n1\n0 0\n\0",
    };
    sk_epoch_cache_t *keep = cache_of("0\n1\n9 99\n");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[200] = "";
        size_t blen = strlen(bad[i]) + (i == sizeof(bad) / sizeof(bad[0]) - 1 ? 1 : 0);
        ck_assert_msg(sk_epoch_cache_parse(keep, bad[i], blen, err, sizeof(err)) == SK_EPARSE,
                      "accepted case %zu", i);
        ck_assert_msg(err[0] != '\0', "no reason for case %zu", i);
        ck_assert_cache(keep, "0\n1\n9 99\n"); /* unchanged on failure */
    }
    sk_epoch_cache_free(keep);
}
END_TEST

START_TEST(test_cache_load_and_read_file)
{
    sk_epoch_cache_t *c = sk_epoch_cache_new();
    sk_epoch_entry_t ok[2] = {{1, 0}, {2, 5}}, bad1[2] = {{2, 0}, {1, 5}},
                     bad2[2] = {{1, 5}, {2, 5}}, bad3[1] = {{-1, 0}};
    ck_assert_int_eq(sk_epoch_cache_load(c, ok, 2), 0);
    ck_assert_int_eq(sk_epoch_cache_load(c, bad1, 2), SK_EINVAL);
    ck_assert_int_eq(sk_epoch_cache_load(c, bad2, 2), SK_EINVAL);
    ck_assert_int_eq(sk_epoch_cache_load(c, bad3, 1), SK_EINVAL);
    ck_assert_cache(c, "0\n2\n1 0\n2 5\n");
    sk_epoch_cache_t *d = cache_of("0\n2\n1 0\n2 5\n");
    ck_assert(sk_epoch_cache_equal(c, d));
    sk_epoch_cache_assign(d, 3, 9);
    ck_assert(!sk_epoch_cache_equal(c, d));
    sk_epoch_cache_free(d);

    char err[600];
    char path[400];
    snprintf(path, sizeof(path), "%s/lec", tmpdir);
    ck_assert_int_eq(sk_epoch_cache_read_file(c, path, err, sizeof(err)), SK_ENOENT);
    write_file(path, "0\n1\n4 40\n");
    ck_assert_int_eq(sk_epoch_cache_read_file(c, path, err, sizeof(err)), 0);
    ck_assert_cache(c, "0\n1\n4 40\n");
    write_file(path, "0\n1\n4 40\n5\n");
    ck_assert_int_eq(sk_epoch_cache_read_file(c, path, err, sizeof(err)), SK_EPARSE);
    ck_assert_ptr_nonnull(strstr(err, path));
    sk_epoch_cache_free(c);
}
END_TEST

/* ---- inside a partition log ---- */

START_TEST(test_log_leader_appends)
{
    sk_plog_t *log = three_epoch_log();
    ck_assert_int_eq(sk_plog_latest_epoch(log), 5);
    /* written synchronously (no diskio pool) */
    char *t = file_text(epath);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "0\n3\n0 0\n2 6\n5 12\n");
    free(t);

    assert_eo(log, -1, -1, -1);
    assert_eo(log, 0, 0, 6);
    assert_eo(log, 1, 0, 6);
    assert_eo(log, 2, 2, 12);
    assert_eo(log, 4, 2, 12);
    assert_eo(log, 5, 5, 16);
    assert_eo(log, 6, -1, -1);

    /* a stale leader epoch is refused and nothing is written */
    sk_wr_t w;
    sk_wr_init(&w);
    add_batch(&w, 0, 1, 0);
    int64_t first = -9;
    ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, 4, &first, NULL), SK_ESTATE);
    ck_assert_int_eq(first, -9);
    ck_assert_int_eq(sk_plog_end_offset(log), 16);
    /* no epoch (-1) is stamped as is and leaves the cache alone */
    ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, -1, &first, NULL), 0);
    ck_assert_int_eq(first, 16);
    sk_wr_free(&w);
    ck_assert_cache(sk_plog_epochs(log), "0\n3\n0 0\n2 6\n5 12\n");
    assert_eo(log, 5, 5, 17);
    /* a newer epoch */
    ck_assert_int_eq(lappend(log, 2, 7), 17);
    ck_assert_cache(sk_plog_epochs(log), "0\n4\n0 0\n2 6\n5 12\n7 17\n");
    assert_eo(log, 5, 5, 17);
    assert_eo(log, 6, 5, 17);
    assert_eo(log, 7, 7, 19);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_log_assign_epoch)
{
    sk_plog_t *log = three_epoch_log();
    ck_assert_int_eq(sk_plog_assign_epoch(log, -1, 16), SK_EINVAL);
    ck_assert_int_eq(sk_plog_assign_epoch(log, 9, 17), SK_EINVAL); /* beyond LEO */
    ck_assert_int_eq(sk_plog_assign_epoch(log, 4, 16), SK_ESTATE);
    ck_assert_int_eq(sk_plog_assign_epoch(log, 5, 16), 0);         /* already current */
    ck_assert_cache(sk_plog_epochs(log), "0\n3\n0 0\n2 6\n5 12\n");
    /* elected leader for epoch 8 at the LEO, nothing appended yet */
    ck_assert_int_eq(sk_plog_assign_epoch(log, 8, 16), 0);
    ck_assert_int_eq(sk_plog_latest_epoch(log), 8);
    assert_eo(log, 5, 5, 16);
    assert_eo(log, 8, 8, 16);
    /* re-elected at epoch 9 before any append: epoch 8 held no data */
    ck_assert_int_eq(sk_plog_assign_epoch(log, 9, 16), 0);
    ck_assert_cache(sk_plog_epochs(log), "0\n4\n0 0\n2 6\n5 12\n9 16\n");
    /* appending in epoch 9 keeps the entry */
    ck_assert_int_eq(lappend(log, 1, 9), 16);
    ck_assert_cache(sk_plog_epochs(log), "0\n4\n0 0\n2 6\n5 12\n9 16\n");
    char *t = file_text(epath);
    ck_assert_str_eq(t, "0\n4\n0 0\n2 6\n5 12\n9 16\n");
    free(t);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_log_follower_appends)
{
    sk_plog_t *log = open_log(0);
    ck_assert_int_eq(raw_append(log, 0, 3, 1), 0);
    ck_assert_int_eq(raw_append(log, 3, 2, 1), 0);
    /* a gap in offsets (compacted leader) and a new epoch */
    ck_assert_int_eq(raw_append(log, 10, 2, 4), 0);
    /* several epochs in one fetch response */
    sk_wr_t w;
    sk_wr_init(&w);
    add_batch(&w, 12, 1, 4);
    add_batch(&w, 13, 2, 6);
    add_batch(&w, 15, 1, 7);
    add_batch(&w, 16, 1, -1); /* no epoch: ignored */
    ck_assert_int_eq(sk_plog_append_raw(log, w.buf, w.len, NULL, NULL), 0);
    sk_wr_free(&w);
    ck_assert_int_eq(sk_plog_end_offset(log), 17);
    ck_assert_cache(sk_plog_epochs(log), "0\n4\n1 0\n4 10\n6 13\n7 15\n");
    /* the epoch of the leader data wins over an epoch assigned locally at the LEO */
    ck_assert_int_eq(sk_plog_assign_epoch(log, 9, 17), 0);
    ck_assert_int_eq(raw_append(log, 17, 1, 7), 0);
    ck_assert_cache(sk_plog_epochs(log), "0\n4\n1 0\n4 10\n6 13\n7 15\n");
    char *t = file_text(epath);
    ck_assert_str_eq(t, "0\n4\n1 0\n4 10\n6 13\n7 15\n");
    free(t);
    assert_eo(log, 5, 4, 13);
    assert_eo(log, 7, 7, 18);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_log_truncation_trims)
{
    sk_plog_t *log = three_epoch_log();
    /* in the middle of epoch 2's second batch (offsets 9..11): LEO becomes 9 */
    ck_assert_int_eq(sk_plog_truncate_to(log, 10), 0);
    ck_assert_int_eq(sk_plog_end_offset(log), 9);
    ck_assert_cache(sk_plog_epochs(log), "0\n2\n0 0\n2 6\n");
    assert_eo(log, 2, 2, 9);
    assert_eo(log, 5, -1, -1);
    /* exactly at an epoch start */
    ck_assert_int_eq(sk_plog_truncate_to(log, 6), 0);
    ck_assert_cache(sk_plog_epochs(log), "0\n1\n0 0\n");
    char *t = file_text(epath);
    ck_assert_str_eq(t, "0\n1\n0 0\n");
    free(t);
    /* an epoch assigned at the LEO goes when truncating to the LEO */
    ck_assert_int_eq(sk_plog_assign_epoch(log, 3, 6), 0);
    ck_assert_int_eq(sk_plog_truncate_to(log, 7), 0);
    ck_assert_cache(sk_plog_epochs(log), "0\n2\n0 0\n3 6\n");
    ck_assert_int_eq(sk_plog_truncate_to(log, 6), 0);
    ck_assert_cache(sk_plog_epochs(log), "0\n1\n0 0\n");
    /* truncate fully */
    ck_assert_int_eq(sk_plog_truncate_fully(log, 40), 0);
    ck_assert_int_eq(sk_plog_latest_epoch(log), -1);
    t = file_text(epath);
    ck_assert_str_eq(t, "0\n0\n");
    free(t);
    ck_assert_int_eq(raw_append(log, 40, 2, 6), 0);
    ck_assert_cache(sk_plog_epochs(log), "0\n1\n6 40\n");
    sk_plog_close(log);
}
END_TEST

START_TEST(test_log_start_offset_trims)
{
    sk_plog_t *log = three_epoch_log();
    sk_plog_set_start_offset(log, 4);
    ck_assert_cache(sk_plog_epochs(log), "0\n3\n0 4\n2 6\n5 12\n");
    sk_plog_set_start_offset(log, 13);
    ck_assert_cache(sk_plog_epochs(log), "0\n1\n5 13\n");
    assert_eo(log, 2, 2, 13); /* below the first epoch: its start */
    char *t = file_text(epath);
    ck_assert_str_eq(t, "0\n1\n5 13\n");
    free(t);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_log_reopen_and_rebuild)
{
    sk_plog_t *log = three_epoch_log();
    sk_plog_close(log);
    /* clean reopen: same cache */
    log = open_log(16);
    ck_assert_cache(sk_plog_epochs(log), "0\n3\n0 0\n2 6\n5 12\n");
    sk_plog_close(log);
    /* file missing: rebuilt from the batch headers and written back */
    ck_assert_int_eq(unlink(epath), 0);
    log = open_log(16);
    ck_assert_cache(sk_plog_epochs(log), "0\n3\n0 0\n2 6\n5 12\n");
    char *t = file_text(epath);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "0\n3\n0 0\n2 6\n5 12\n");
    free(t);
    sk_plog_close(log);
    /* malformed file */
    static const char *const bad[] = {"garbage", "0\n3\n0 0\n", "0\n2\n2 6\n0 0\n", "1\n0\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_file(epath, bad[i]);
        log = open_log(16);
        ck_assert_cache(sk_plog_epochs(log), "0\n3\n0 0\n2 6\n5 12\n");
        sk_plog_close(log);
        t = file_text(epath);
        ck_assert_str_eq(t, "0\n3\n0 0\n2 6\n5 12\n");
        free(t);
    }
}
END_TEST

START_TEST(test_log_stale_checkpoint)
{
    sk_plog_t *log = three_epoch_log();
    sk_plog_close(log);
    /* Well-formed files that contradict the batches; with the recovery point
     * at the LEO nothing is rescanned, so only the consistency check can
     * catch them. */
    static const char *const stale[] = {
        "0\n2\n0 0\n5 12\n",         /* middle epoch missing */
        "0\n2\n0 0\n2 6\n",          /* last epoch missing */
        "0\n2\n2 6\n5 12\n",         /* first epoch missing */
        "0\n3\n0 0\n2 7\n5 12\n",    /* wrong start (inside a batch) */
        "0\n3\n0 0\n2 9\n5 12\n",    /* wrong start (another batch) */
        "0\n3\n0 0\n3 6\n5 12\n",    /* wrong epoch */
        "0\n4\n0 0\n1 3\n2 6\n5 12\n", /* epoch that never existed */
        "0\n0\n",
    };
    for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
        write_file(epath, stale[i]);
        log = open_log(16);
        char *got = fmt(sk_plog_epochs(log));
        ck_assert_msg(!strcmp(got, "0\n3\n0 0\n2 6\n5 12\n"), "case %zu: got %s", i, got);
        free(got);
        sk_plog_close(log);
    }
    /* entries past the end are just trimmed */
    write_file(epath, "0\n4\n0 0\n2 6\n5 12\n8 16\n");
    log = open_log(16);
    ck_assert_cache(sk_plog_epochs(log), "0\n3\n0 0\n2 6\n5 12\n");
    sk_plog_close(log);
}
END_TEST

START_TEST(test_log_tail_scan_after_crash)
{
    /* The file is older than the batches after the recovery point (a crash
     * before the async write): the tail scan brings it up to date. */
    sk_plog_t *log = three_epoch_log();
    sk_plog_close(log);
    write_file(epath, "0\n2\n0 0\n2 6\n");
    log = open_log(9); /* data below 9 was flushed */
    ck_assert_cache(sk_plog_epochs(log), "0\n3\n0 0\n2 6\n5 12\n");
    sk_plog_close(log);
    /* A follower truncated to 6, then got epoch 7 from 6 on; the file
     * still has the old epochs 2 and 5 and the recovery point was 4. */
    log = open_log(16);
    ck_assert_int_eq(sk_plog_truncate_to(log, 6), 0);
    ck_assert_int_eq(raw_append(log, 6, 3, 7), 0);
    sk_plog_close(log);
    write_file(epath, "0\n3\n0 0\n2 6\n5 12\n");
    log = open_log(4);
    ck_assert_cache(sk_plog_epochs(log), "0\n2\n0 0\n7 6\n");
    assert_eo(log, 5, 0, 6);
    sk_plog_close(log);
}
END_TEST

START_TEST(test_log_torn_tail_recovery)
{
    /* A torn last batch is cut by recovery; its epoch goes with it. */
    sk_plog_t *log = three_epoch_log();
    ck_assert_int_eq(lappend(log, 2, 6), 16);
    ck_assert_cache(sk_plog_epochs(log), "0\n4\n0 0\n2 6\n5 12\n6 16\n");
    sk_plog_close(log);
    /* chop the last 5 bytes of the last segment */
    char segpath[512] = "";
    int64_t best = -1;
    for (int64_t b = 0; b <= 16; b++) {
        char p[512];
        snprintf(p, sizeof(p), "%s/%020lld.log", logdir, (long long)b);
        struct stat st;
        if (stat(p, &st) == 0 && b > best) {
            best = b;
            strcpy(segpath, p);
        }
    }
    struct stat st;
    ck_assert_int_eq(stat(segpath, &st), 0);
    ck_assert_int_eq(truncate(segpath, st.st_size - 5), 0);
    log = open_log(0);
    ck_assert_int_eq(sk_plog_end_offset(log), 16);
    ck_assert_cache(sk_plog_epochs(log), "0\n3\n0 0\n2 6\n5 12\n");
    sk_plog_close(log);
}
END_TEST

/* ---- persistence through the diskio pool ---- */

static int file_is(void *arg)
{
    char *t = file_text(epath);
    int ok = t && !strcmp(t, (const char *)arg);
    free(t);
    return ok;
}

static void run_until(struct event_base *base, int (*cond)(void *), void *arg)
{
    int64_t deadline = sk_mono_ms() + 10000;
    while (!cond(arg) && sk_mono_ms() < deadline)
        event_base_loop(base, EVLOOP_NONBLOCK);
    ck_assert_msg(cond(arg), "condition not reached within 10 s");
}

START_TEST(test_log_async_persistence)
{
    struct event_base *base = event_base_new();
    sk_diskio_t *io = sk_diskio_new(base, 3);
    sk_plog_t *log = open_log_io(io, 0);
    run_until(base, file_is, "0\n0\n"); /* created with the log */
    for (int e = 0; e < 30; e++)
        lappend(log, 1, e);
    /* the last version lands, whatever order the workers ran in */
    char want[1024];
    size_t n = (size_t)snprintf(want, sizeof(want), "0\n30\n");
    for (int e = 0; e < 30; e++)
        n += (size_t)snprintf(want + n, sizeof(want) - n, "%d %d\n", e, e);
    run_until(base, file_is, want);
    sk_diskio_barrier(io);
    ck_assert(file_is(want));

    /* a flush waits for the epochs: once the recovery point moves, the file
     * has the epoch of every flushed batch */
    ck_assert_int_eq(sk_plog_truncate_to(log, 10), 0);
    lappend(log, 1, 40);
    sk_plog_flush_async(log);
    int64_t deadline = sk_mono_ms() + 10000;
    while (sk_plog_recovery_point(log) < 11 && sk_mono_ms() < deadline)
        event_base_loop(base, EVLOOP_NONBLOCK);
    ck_assert_int_eq(sk_plog_recovery_point(log), 11);
    n = (size_t)snprintf(want, sizeof(want), "0\n11\n");
    for (int e = 0; e < 10; e++)
        n += (size_t)snprintf(want + n, sizeof(want) - n, "%d %d\n", e, e);
    snprintf(want + n, sizeof(want) - n, "40 10\n");
    ck_assert(file_is(want));

    /* close writes synchronously whatever is pending */
    lappend(log, 1, 41);
    sk_plog_close(log);
    n = (size_t)snprintf(want, sizeof(want), "0\n12\n");
    for (int e = 0; e < 10; e++)
        n += (size_t)snprintf(want + n, sizeof(want) - n, "%d %d\n", e, e);
    snprintf(want + n, sizeof(want) - n, "40 10\n41 11\n");
    ck_assert(file_is(want));
    sk_diskio_free(io);
    event_base_free(base);
}
END_TEST

START_TEST(test_log_flush_requires_epochs)
{
    /* While the epoch file cannot be written, the recovery point must not
     * pass batches of a new epoch (recovery trusts the file below it). */
    sk_plog_t *log = open_log(0);
    lappend(log, 2, 1);
    ck_assert_int_eq(sk_plog_flush_sync(log), 0);
    ck_assert_int_eq(sk_plog_recovery_point(log), 2);
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s.tmp", epath);
    ck_assert_int_eq(mkdir(tmp, 0755), 0); /* the atomic write's tmp file cannot be created */
    lappend(log, 2, 3);
    sk_plog_flush_async(log);
    ck_assert_int_eq(sk_plog_recovery_point(log), 2);
    ck_assert_int_eq(sk_plog_flush_sync(log), SK_EIO);
    ck_assert_int_eq(sk_plog_recovery_point(log), 2);
    ck_assert(file_is("0\n1\n1 0\n"));
    ck_assert_int_eq(rmdir(tmp), 0);
    sk_plog_flush_async(log);
    ck_assert_int_eq(sk_plog_recovery_point(log), 4);
    ck_assert(file_is("0\n2\n1 0\n3 2\n"));
    sk_plog_close(log);
}
END_TEST

/* A diskio job that holds its worker until released. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open;

static void gate_work(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&gate_mu);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
}

START_TEST(test_log_delete_cancels_writes)
{
    /* A write queued for a deleted log must not land in a new log created
     * at the same path (topic deleted and created again). */
    struct event_base *base = event_base_new();
    sk_diskio_t *io = sk_diskio_new(base, 1);
    sk_plog_t *log = open_log_io(io, 0);
    sk_diskio_barrier(io);
    gate_open = 0;
    sk_diskio_submit(io, gate_work, NULL, NULL); /* the worker is now busy */
    for (int e = 0; e < 5; e++)
        lappend(log, 1, e); /* its epoch write waits behind the gate */
    ck_assert_int_ge(sk_diskio_pending(io), 2);
    sk_plog_delete(log);
    sk_plog_t *fresh = open_log(0); /* synchronous: writes "0\n0\n" now */
    ck_assert(file_is("0\n0\n"));
    pthread_mutex_lock(&gate_mu);
    gate_open = 1;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
    sk_diskio_barrier(io);
    ck_assert(file_is("0\n0\n"));
    sk_plog_close(fresh);
    sk_diskio_free(io);
    event_base_free(base);
}
END_TEST

int main(void)
{
    evthread_use_pthreads();
    Suite *s = suite_create("epoch");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cache_assign);
    tcase_add_test(tc, test_cache_end_offset_for);
    tcase_add_test(tc, test_cache_truncation);
    tcase_add_test(tc, test_checkpoint_parse_format);
    tcase_add_test(tc, test_cache_load_and_read_file);
    tcase_add_test(tc, test_log_leader_appends);
    tcase_add_test(tc, test_log_assign_epoch);
    tcase_add_test(tc, test_log_follower_appends);
    tcase_add_test(tc, test_log_truncation_trims);
    tcase_add_test(tc, test_log_start_offset_trims);
    tcase_add_test(tc, test_log_reopen_and_rebuild);
    tcase_add_test(tc, test_log_stale_checkpoint);
    tcase_add_test(tc, test_log_tail_scan_after_crash);
    tcase_add_test(tc, test_log_torn_tail_recovery);
    tcase_add_test(tc, test_log_async_persistence);
    tcase_add_test(tc, test_log_flush_requires_epochs);
    tcase_add_test(tc, test_log_delete_cancels_writes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
