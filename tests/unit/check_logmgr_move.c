/* check_logmgr_move.c - moving a partition's log between log dirs
 * (AlterReplicaLogDirs): the future log, its copying rounds with appends and
 * truncations in between, the swap, and what a restart finds. */
#define _GNU_SOURCE /* memmem */
#include "storage/logmgr.h"
#include "storage/logmove.h"

#include <check.h>
#include <dirent.h>
#include <event2/thread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "recbatch.h"

static char tmpdir[256];
static char dir1[300], dir2[300];
static char *dirs[2] = {dir1, dir2};

static void setup(void)
{
    sk_log_set_level(SK_LOG_ERROR);
    strcpy(tmpdir, "/tmp/sk-check-move-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(dir1, sizeof(dir1), "%s/d1", tmpdir);
    snprintf(dir2, sizeof(dir2), "%s/d2", tmpdir);
}

static void teardown(void) { sk_plog_rmtree(tmpdir); }

static sk_logmgr_t *open_mgr(void)
{
    sk_logmgr_t *m;
    char err[512];
    ck_assert_int_eq(sk_logmgr_open(NULL, NULL, dirs, 2, 1, NULL, 0, 0, &m, err, sizeof(err)), 0);
    return m;
}

/* n one-record batches (value tag + index) in leader epoch `epoch`. */
static void append(sk_plog_t *log, int n, int32_t epoch, const char *tag)
{
    for (int i = 0; i < n; i++) {
        char v[64];
        snprintf(v, sizeof(v), "%s-%d", tag, i);
        sk_record_in_t r = {0};
        r.timestamp = 1000 + i;
        r.key_len = -1;
        r.value = v;
        r.value_len = (int32_t)strlen(v);
        sk_wr_t w;
        sk_wr_init(&w);
        sk_batch_build(&w, 0, NULL, &r, 1);
        ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, epoch, NULL, NULL), 0);
        sk_wr_free(&w);
    }
}

/* Every stored byte from the log start, batch after batch. */
static uint8_t *contents(sk_plog_t *log, size_t *len)
{
    uint8_t *out = NULL;
    *len = 0;
    int64_t off = sk_plog_start_offset(log);
    while (off < sk_plog_end_offset(log)) {
        sk_plog_slice_t sl;
        ck_assert_int_eq(sk_plog_read(log, off, sk_plog_end_offset(log), 1 << 20, &sl), 0);
        if (sl.len == 0)
            break;
        out = realloc(out, *len + (size_t)sl.len);
        ck_assert_int_eq(pread(sl.fd, out + *len, (size_t)sl.len, sl.file_pos), sl.len);
        close(sl.fd);
        /* next offset: after the last batch of the slice */
        size_t pos = *len;
        *len += (size_t)sl.len;
        while (pos + 27 <= *len) {
            const uint8_t *b = out + pos;
            int64_t base = 0;
            for (int i = 0; i < 8; i++)
                base = base << 8 | b[i];
            uint32_t blen = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 |
                            b[11];
            int32_t delta = (int32_t)((uint32_t)b[23] << 24 | (uint32_t)b[24] << 16 |
                                      (uint32_t)b[25] << 8 | b[26]);
            off = base + delta + 1;
            pos += 12 + blen;
        }
    }
    return out;
}

static int has_entry(const char *dir, const char *prefix, const char *suffix)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    int found = 0;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name), k = strlen(suffix);
        if (!strncmp(de->d_name, prefix, strlen(prefix)) && n >= k &&
            !strcmp(de->d_name + n - k, suffix))
            found = 1;
    }
    closedir(d);
    return found;
}

/* A producer that wrote before the last 4 MiB is known to the moved log
 * (a reopened log rebuilds its producer state from that tail only). */
START_TEST(test_move_keeps_old_producers)
{
    sk_logmgr_t *m = open_mgr();
    sk_plog_t *log;
    char err[512];
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "t", 0, NULL, &log), 0);
    int to = 1 - sk_logmgr_log_dir(m, "t", 0);
    sk_record_in_t r = {0};
    r.timestamp = 1000;
    r.key_len = -1;
    r.value = "idem";
    r.value_len = 4;
    sk_batch_opts_t o = {0, 77, 3, 0, 0};
    sk_wr_t w;
    sk_wr_init(&w);
    sk_batch_build(&w, 0, &o, &r, 1);
    ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, 1, NULL, NULL), 0);
    sk_wr_free(&w);
    static char big[100000];
    memset(big, 'z', sizeof(big));
    r.value = big;
    r.value_len = sizeof(big);
    for (int i = 0; i < 60; i++) { /* 6 MB after it */
        sk_wr_init(&w);
        sk_batch_build(&w, 0, NULL, &r, 1);
        ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, 1, NULL, NULL), 0);
        sk_wr_free(&w);
    }
    int16_t epoch;
    int32_t seq;
    int64_t off;
    ck_assert_int_eq(sk_pstate_get(sk_plog_producers(log), 77, &epoch, &seq, &off), 1);
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, to, err, sizeof(err)), 0);
    for (int i = 0; i < 10 && sk_logmgr_moves(m); i++)
        sk_logmgr_run_moves(m, 8 << 20);
    ck_assert_int_eq(sk_logmgr_moves(m), 0);
    log = sk_logmgr_get(m, "t", 0);
    ck_assert_int_eq(sk_logmgr_log_dir(m, "t", 0), to);
    ck_assert_int_eq(sk_pstate_get(sk_plog_producers(log), 77, &epoch, &seq, &off), 1);
    ck_assert_int_eq(epoch, 3);
    ck_assert_int_eq(seq, 0);
    ck_assert_int_eq(off, 0);
    sk_logmgr_close(m);
}
END_TEST

struct listing {
    int current, future;
    int64_t future_lag;
};

static void on_dirlog(const sk_logmgr_dirlog_t *l, void *arg)
{
    struct listing *x = arg;
    if (l->is_future) {
        x->future++;
        x->future_lag = l->offset_lag;
    } else {
        x->current++;
    }
}

struct moved {
    int calls;
    sk_plog_t *log;
};

static void on_moved(const char *topic, int32_t partition, sk_plog_t *log, void *arg)
{
    struct moved *mv = arg;
    ck_assert_str_eq(topic, "t");
    ck_assert_int_eq(partition, 0);
    mv->calls++;
    mv->log = log;
}

START_TEST(test_move_copies_in_rounds_then_swaps)
{
    sk_logmgr_t *m = open_mgr();
    sk_plog_t *log;
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "t", 0, NULL, &log), 0);
    int from = sk_logmgr_log_dir(m, "t", 0), to = 1 - from;
    append(log, 200, 3, "a");
    struct moved mv = {0};
    sk_logmgr_set_moved_cb(m, on_moved, &mv);
    char err[512];
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, to, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_logmgr_moves(m), 1);
    ck_assert(has_entry(dirs[to], "t-0.", "-future"));
    /* small rounds, with appends in between: never caught up until the end */
    int rounds = 0;
    while (sk_logmgr_moves(m) > 0) {
        ck_assert_int_eq(sk_logmgr_run_moves(m, 2000), mv.calls);
        if (mv.calls == 0 && rounds < 5)
            append(sk_logmgr_get(m, "t", 0), 3, rounds < 2 ? 3 : 4, "b");
        ck_assert_int_lt(++rounds, 1000);
    }
    ck_assert_int_gt(rounds, 3);
    ck_assert_int_eq(mv.calls, 1);
    ck_assert_ptr_eq(mv.log, sk_logmgr_get(m, "t", 0));
    ck_assert_int_eq(sk_logmgr_log_dir(m, "t", 0), to);
    ck_assert_int_eq(sk_plog_end_offset(mv.log), 215);
    ck_assert_int_eq(sk_plog_latest_epoch(mv.log), 4);
    ck_assert(!has_entry(dirs[to], "t-0.", "-future"));
    ck_assert(!has_entry(dirs[from], "t-0", ""));
    ck_assert(has_entry(dirs[to], "t-0", ""));
    size_t n1;
    uint8_t *before = contents(mv.log, &n1);
    sk_logmgr_close(m);
    /* a restart finds it in the new dir, byte for byte */
    m = open_mgr();
    ck_assert_int_eq(sk_logmgr_log_dir(m, "t", 0), to);
    size_t n2;
    uint8_t *after = contents(sk_logmgr_get(m, "t", 0), &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert_int_eq(memcmp(before, after, n1), 0);
    free(before);
    free(after);
    sk_logmgr_close(m);
}
END_TEST

/* The current log of a follower is truncated mid-move and written again
 * in a newer epoch: the future log follows it, and ends identical. */
START_TEST(test_move_follows_truncation)
{
    sk_logmgr_t *m = open_mgr();
    sk_plog_t *log;
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "t", 0, NULL, &log), 0);
    int to = 1 - sk_logmgr_log_dir(m, "t", 0);
    append(log, 50, 1, "a");
    append(log, 50, 2, "old");
    char err[512];
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, to, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_logmgr_run_moves(m, 1 << 20), 1); /* everything: swapped at once */
    ck_assert_int_eq(sk_logmgr_moves(m), 0);
    log = sk_logmgr_get(m, "t", 0);
    /* and back, now with a truncation in the middle */
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, 1 - to, err, sizeof(err)), 0);
    struct listing x;
    do { /* copy until the future log holds more than 60 offsets */
        ck_assert_int_eq(sk_logmgr_run_moves(m, 300), 0);
        memset(&x, 0, sizeof(x));
        sk_logmgr_foreach_in_dir(m, 1 - to, on_dirlog, &x);
        ck_assert_int_eq(x.future, 1);
    } while (x.future_lag > 30);
    ck_assert_int_eq(sk_plog_truncate_to(log, 60), 0); /* a follower's truncation */
    append(log, 5, 3, "new");
    /* current: 60 offsets, then 5 of epoch 3; the future held 100 */
    int swaps = 0;
    for (int i = 0; i < 100 && !swaps; i++)
        swaps = sk_logmgr_run_moves(m, 1 << 20);
    ck_assert_int_eq(swaps, 1);
    log = sk_logmgr_get(m, "t", 0);
    ck_assert_int_eq(sk_logmgr_log_dir(m, "t", 0), 1 - to);
    ck_assert_int_eq(sk_plog_end_offset(log), 65);
    size_t n;
    uint8_t *data = contents(log, &n);
    ck_assert_ptr_null(memmem(data, n, "old-10", 6)); /* offset 60: cut away */
    ck_assert_ptr_nonnull(memmem(data, n, "old-9", 5));
    ck_assert_ptr_nonnull(memmem(data, n, "new-4", 5));
    int32_t e;
    int64_t end;
    sk_plog_end_offset_for_epoch(log, 2, &e, &end);
    ck_assert_int_eq(e, 2);
    ck_assert_int_eq(end, 60);
    free(data);
    sk_logmgr_close(m);
}
END_TEST

START_TEST(test_move_refusals_and_abandons)
{
    sk_logmgr_t *m = open_mgr();
    sk_plog_t *log;
    char err[512];
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "t", 0, NULL, &log), 0);
    int here = sk_logmgr_log_dir(m, "t", 0);
    append(log, 10, 1, "a");
    /* refused, but remembered: the log is created there, not in the emptier dir */
    ck_assert_int_eq(sk_logmgr_move(m, "nope", 0, here, err, sizeof(err)), SK_ENOENT);
    sk_plog_t *later;
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "nope", 0, NULL, &later), 0);
    ck_assert_int_eq(sk_logmgr_log_dir(m, "nope", 0), here);
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "nope", 1, NULL, &later), 0);
    ck_assert_int_eq(sk_logmgr_log_dir(m, "nope", 1), 1 - here); /* the emptier one */
    ck_assert_int_eq(sk_logmgr_delete(m, "nope", 0), 0);
    ck_assert_int_eq(sk_logmgr_delete(m, "nope", 1), 0);
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, 2, err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, -1, err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, here, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_logmgr_moves(m), 0);
    ck_assert_int_eq(sk_logmgr_dir_find(m, dirs[1]), 1);
    ck_assert_int_eq(sk_logmgr_dir_find(m, "/no/such/dir"), -1);
    char alias[400];
    snprintf(alias, sizeof(alias), "%s/../d1", dir1);
    ck_assert_int_eq(sk_logmgr_dir_find(m, alias), 0); /* the same directory */
    /* asking for the current dir again abandons a move in progress */
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, 1 - here, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_logmgr_moves(m), 1);
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, here, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_logmgr_moves(m), 0);
    ck_assert(!has_entry(dirs[1 - here], "t-0.", "-future"));
    /* deleting the partition deletes its future log too */
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, 1 - here, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_logmgr_delete(m, "t", 0), 0);
    ck_assert_int_eq(sk_logmgr_moves(m), 0);
    ck_assert(!has_entry(dirs[1 - here], "t-0.", "-future"));
    ck_assert(!has_entry(dirs[here], "t-0", ""));
    sk_logmgr_close(m);
}
END_TEST

/* The log starts inside a batch (DeleteRecords): the copy starts with that
 * batch and the moved log keeps the start offset. */
START_TEST(test_move_keeps_log_start_inside_a_batch)
{
    sk_logmgr_t *m = open_mgr();
    sk_plog_t *log;
    char err[512];
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "t", 0, NULL, &log), 0);
    int to = 1 - sk_logmgr_log_dir(m, "t", 0);
    sk_record_in_t r[10] = {{0}};
    for (int i = 0; i < 10; i++) {
        r[i].timestamp = 1000;
        r[i].key_len = -1;
        r[i].value = "v";
        r[i].value_len = 1;
    }
    sk_wr_t w;
    sk_wr_init(&w);
    sk_batch_build(&w, 0, NULL, r, 10); /* offsets 0..9 in one batch */
    ck_assert_int_eq(sk_plog_append(log, w.buf, w.len, 1, NULL, NULL), 0);
    sk_wr_free(&w);
    append(log, 5, 1, "x");
    sk_plog_set_start_offset(log, 4);
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, to, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_logmgr_run_moves(m, 1 << 20), 1);
    log = sk_logmgr_get(m, "t", 0);
    ck_assert_int_eq(sk_plog_start_offset(log), 4);
    ck_assert_int_eq(sk_plog_end_offset(log), 15);
    sk_logmgr_close(m);
    m = open_mgr();
    ck_assert_int_eq(sk_logmgr_log_dir(m, "t", 0), to);
    ck_assert_int_eq(sk_plog_start_offset(sk_logmgr_get(m, "t", 0)), 4);
    sk_logmgr_close(m);
}
END_TEST

/* What a restart finds: a future dir with its current log resumes; one
 * alone (the swap had renamed the current for deletion) becomes the log;
 * a malformed name is ignored. */
START_TEST(test_open_resumes_or_completes)
{
    sk_logmgr_t *m = open_mgr();
    sk_plog_t *log;
    char err[512];
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "t", 0, NULL, &log), 0);
    int to = 1 - sk_logmgr_log_dir(m, "t", 0);
    append(log, 30, 1, "a");
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, to, err, sizeof(err)), 0);
    ck_assert_int_eq(sk_logmgr_run_moves(m, 200), 0); /* partly copied */
    sk_logmgr_close(m);
    char junk[500];
    snprintf(junk, sizeof(junk), "%s/t-0.nothex-future", dirs[to]);
    ck_assert_int_eq(mkdir(junk, 0755), 0);
    m = open_mgr();
    ck_assert_int_eq(sk_logmgr_moves(m), 1);
    struct moved mv = {0};
    sk_logmgr_set_moved_cb(m, on_moved, &mv);
    for (int i = 0; i < 100 && sk_logmgr_moves(m); i++)
        sk_logmgr_run_moves(m, 1 << 20);
    ck_assert_int_eq(mv.calls, 1);
    ck_assert_int_eq(sk_logmgr_log_dir(m, "t", 0), to);
    ck_assert_int_eq(sk_plog_end_offset(sk_logmgr_get(m, "t", 0)), 30);
    sk_logmgr_close(m);

    /* crashed in the swap: only the future copy and a -delete of the current */
    char cur[500], fut[600], del[600];
    snprintf(cur, sizeof(cur), "%s/t-0", dirs[to]);
    snprintf(fut, sizeof(fut), "%s/t-0.0123456789abcdef0123456789abcdef-future", dirs[1 - to]);
    snprintf(del, sizeof(del), "%s/t-0.0123456789abcdef0123456789abcdef-delete", dirs[to]);
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s' && mv '%s' '%s'", cur, fut, cur, del);
    ck_assert_int_eq(system(cmd), 0);
    m = open_mgr();
    ck_assert_int_eq(sk_logmgr_moves(m), 0);
    ck_assert_int_eq(sk_logmgr_log_dir(m, "t", 0), 1 - to);
    ck_assert_int_eq(sk_plog_end_offset(sk_logmgr_get(m, "t", 0)), 30);
    struct stat st;
    ck_assert_int_ne(stat(cur, &st), 0);
    ck_assert_int_ne(stat(del, &st), 0);
    ck_assert_int_eq(stat(junk, &st), 0); /* not a future dir's name: left alone */
    ck_assert(!has_entry(dirs[1 - to], "t-0.", "-future"));
    sk_logmgr_close(m);
}
END_TEST

START_TEST(test_dir_listing)
{
    sk_logmgr_t *m = open_mgr();
    sk_plog_t *log;
    char err[512];
    ck_assert_int_eq(sk_logmgr_dir_count(m), 2);
    ck_assert_str_eq(sk_logmgr_dir_path(m, 1), dir2);
    ck_assert_ptr_null(sk_logmgr_dir_path(m, 2));
    int64_t total, usable;
    sk_logmgr_dir_space(m, 0, &total, &usable);
    ck_assert_int_gt(total, 0);
    ck_assert_int_le(usable, total);
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "t", 0, NULL, &log), 0);
    int here = sk_logmgr_log_dir(m, "t", 0);
    append(log, 40, 1, "a");
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, 1 - here, err, sizeof(err)), 0);
    struct listing a = {0}, b = {0};
    sk_logmgr_foreach_in_dir(m, here, on_dirlog, &a);
    sk_logmgr_foreach_in_dir(m, 1 - here, on_dirlog, &b);
    ck_assert_int_eq(a.current, 1);
    ck_assert_int_eq(a.future, 0);
    ck_assert_int_eq(b.current, 0);
    ck_assert_int_eq(b.future, 1);
    ck_assert_int_eq(b.future_lag, 40);
    sk_logmgr_close(m);
}
END_TEST

/* The lifecycle table is the one logmove.h documents. */
START_TEST(test_lifecycle_table)
{
    static const char *const doc[][2] = {
        {"NONE", "COPYING"}, {"COPYING", "NONE"}, {"COPYING", "SWAPPING"}, {"SWAPPING", "NONE"},
    };
    int n = 0;
    for (int f = 0; f < SK_LOGMOVE_N_STATES; f++)
        for (int t = 0; t < SK_LOGMOVE_N_STATES; t++) {
            int listed = 0;
            for (size_t i = 0; i < sizeof(doc) / sizeof(doc[0]); i++)
                listed |= !strcmp(doc[i][0], sk_logmove_state_name(f)) &&
                          !strcmp(doc[i][1], sk_logmove_state_name(t));
            ck_assert_int_eq(sk_logmove_allowed(f, t), listed);
            n += listed;
        }
    ck_assert_int_eq(n, 4);
    ck_assert_str_eq(sk_logmove_state_name(SK_LOGMOVE_N_STATES), "?");
    ck_assert_int_eq(sk_logmove_allowed(SK_LOGMOVE_N_STATES, SK_LOGMOVE_NONE), 0);
}
END_TEST

/* Every transition of a move, then of an abandoned one, is one log line, in order. */
START_TEST(test_lifecycle_logged)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/log.txt", tmpdir);
    ck_assert_int_eq(sk_log_open(path), 0);
    sk_log_set_level(SK_LOG_INFO);
    sk_logmgr_t *m = open_mgr();
    sk_plog_t *log;
    char err[512];
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "t", 0, NULL, &log), 0);
    ck_assert_int_eq(sk_logmgr_get_or_create(m, "u", 0, NULL, &log), 0);
    append(log, 3, 1, "u");
    int to = 1 - sk_logmgr_log_dir(m, "t", 0);
    ck_assert_int_eq(sk_logmgr_move(m, "t", 0, to, err, sizeof(err)), 0);
    while (sk_logmgr_moves(m) > 0)
        sk_logmgr_run_moves(m, 1 << 20);
    ck_assert_int_eq(sk_logmgr_move(m, "u", 0, 1 - sk_logmgr_log_dir(m, "u", 0), err,
                                    sizeof(err)), 0);
    ck_assert_int_eq(sk_logmgr_delete(m, "u", 0), 0);
    sk_logmgr_close(m);
    sk_log_set_level(SK_LOG_ERROR);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    const char *want[] = {"t-0: moving from", "(move NONE -> COPYING)",
                          "t-0: the future log caught up", "(move COPYING -> SWAPPING)",
                          "t-0: moved from", "(move SWAPPING -> NONE)",
                          "u-0: moving from", "(move NONE -> COPYING)",
                          "u-0: move to", "abandoned (the partition's log is deleted)",
                          "(move COPYING -> NONE)"};
    const char *at = text;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const char *hit = strstr(at, want[i]);
        ck_assert_msg(hit != NULL, "'%s' missing after: %s", want[i], at);
        at = hit + strlen(want[i]);
    }
    ck_assert_ptr_null(strstr(text, "refused"));
}
END_TEST

int main(void)
{
    evthread_use_pthreads();
    Suite *s = suite_create("logmgr_move");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_move_copies_in_rounds_then_swaps);
    tcase_add_test(tc, test_move_follows_truncation);
    tcase_add_test(tc, test_move_refusals_and_abandons);
    tcase_add_test(tc, test_move_keeps_log_start_inside_a_batch);
    tcase_add_test(tc, test_open_resumes_or_completes);
    tcase_add_test(tc, test_dir_listing);
    tcase_add_test(tc, test_move_keeps_old_producers);
    tcase_add_test(tc, test_lifecycle_table);
    tcase_add_test(tc, test_lifecycle_logged);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
