/* logmove.c - moving a partition's log to another log dir (AlterReplicaLogDirs;
 * see logmove.h for the lifecycle and logmgr.h for the API).
 *
 * A move copies the current log into "<topic>-<p>.<32 hex>-future" in the
 * target dir on the loop timer (a bounded chunk per partition per tick), and
 * swaps the two in the loop turn where the copy caught up, so that nothing
 * is appended in between: the current log is deleted first, then the future
 * dir renamed to its final name and reopened, and the partition learns its
 * new log through the moved callback. A restart resumes a copy, or completes
 * a swap a crash interrupted (sk_logmove_adopt).
 * @locality loop
 */
#include "storage/logmove.h"
#include "storage/logmgr_int.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"

#define MOD SK_LOGMGR_MOD

/* ---- the lifecycle ---- */

static const char *const state_names[SK_LOGMOVE_N_STATES] = {
    [SK_LOGMOVE_NONE] = "NONE",
    [SK_LOGMOVE_COPYING] = "COPYING",
    [SK_LOGMOVE_SWAPPING] = "SWAPPING",
};

/* allowed[from][to]: the transitions of logmove.h's table. */
static const unsigned char allowed[SK_LOGMOVE_N_STATES][SK_LOGMOVE_N_STATES] = {
    /*                        NONE COPYING SWAPPING */
    [SK_LOGMOVE_NONE] = {0, 1, 0},
    [SK_LOGMOVE_COPYING] = {1, 0, 1},
    [SK_LOGMOVE_SWAPPING] = {1, 0, 0},
};

const char *sk_logmove_state_name(sk_logmove_state_t s)
{
    return s >= 0 && s < SK_LOGMOVE_N_STATES ? state_names[s] : "?";
}

int sk_logmove_allowed(sk_logmove_state_t from, sk_logmove_state_t to)
{
    return from >= 0 && from < SK_LOGMOVE_N_STATES && to >= 0 && to < SK_LOGMOVE_N_STATES &&
           allowed[from][to];
}

/* The one place p's move state changes: one line (what happened, then
 * "(move FROM -> TO)", with the partition and its log's latest leader
 * epoch); a transition not in the table is logged as an error and refused. */
static int move_set(lm_part_t *p, sk_logmove_state_t to, sk_log_level_t level, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

static int move_set(lm_part_t *p, sk_logmove_state_t to, sk_log_level_t level, const char *fmt,
                    ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    sk_logmove_state_t from = p->move_state;
    int epoch = p->log ? sk_plog_latest_epoch(p->log) : -1;
    if (!sk_logmove_allowed(from, to)) {
        sk_logf_tp(SK_LOG_ERROR, MOD, p->topic, p->partition, epoch,
                   "%s-%" PRId32 ": %s: move %s -> %s refused", p->topic, p->partition, what,
                   sk_logmove_state_name(from), sk_logmove_state_name(to));
        return -1;
    }
    p->move_state = to;
    if (sk_log_enabled(level))
        sk_logf_tp(level, MOD, p->topic, p->partition, epoch, "%s-%" PRId32 ": %s (move %s -> %s)",
                   p->topic, p->partition, what, sk_logmove_state_name(from),
                   sk_logmove_state_name(to));
    return 0;
}

/* ---- moves ---- */

int sk_logmgr_moves(const sk_logmgr_t *m) { return m->nmoves; }

void sk_logmgr_set_moved_cb(sk_logmgr_t *m, sk_logmgr_moved_fn fn, void *arg)
{
    m->moved_fn = fn;
    m->moved_arg = arg;
}

/* "<topic>-<partition>.<32 hex>-future" (Kafka's future dir name). */
#define FUTURE_SUFFIX "-future"
int sk_logmove_is_future_name(const char *nm)
{
    size_t n = strlen(nm), k = strlen(FUTURE_SUFFIX);
    return n > k && !strcmp(nm + n - k, FUTURE_SUFFIX);
}

/* The partition a future dir's name stands for: 0 or SK_EPARSE. */
static int parse_future_name(const char *nm, char **topic, int32_t *partition)
{
    size_t n = strlen(nm) - strlen(FUTURE_SUFFIX);
    char *base = sk_strndup(nm, n);
    char *dot = strrchr(base, '.');
    int rc = SK_EPARSE;
    if (dot && strlen(dot + 1) == 32 && strspn(dot + 1, "0123456789abcdef") == 32) {
        *dot = '\0';
        rc = sk_logmgr_parse_dirname(base, topic, partition);
    }
    free(base);
    return rc;
}

static char *future_path(const sk_logmgr_t *m, int dir, const char *topic, int32_t partition)
{
    uint8_t id[16];
    char hex[33];
    if (getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id)) { /* not secret: unique */
        uint64_t a = (uint64_t)sk_wall_ms() * 2654435761u;
        uint64_t b = (uint64_t)sk_mono_ms() ^ (uint64_t)getpid();
        memcpy(id, &a, 8);
        memcpy(id + 8, &b, 8);
    }
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    return sk_asprintf("%s/%s-%" PRId32 ".%s" FUTURE_SUFFIX, m->dirs[dir].path, topic, partition,
                       hex);
}

typedef struct lm_found_future {
    struct lm_found_future *next;
    int dir;
    char *path;
    char *topic;
    int32_t partition;
} lm_found_future_t;

void sk_logmove_note_future(sk_logmgr_t *m, int di, const char *nm, const char *full)
{
    char *topic;
    int32_t part;
    if (parse_future_name(nm, &topic, &part) != SK_OK) {
        sk_warn(MOD, "ignoring directory %s: not <topic>-<partition>.<id>-future", full);
        return;
    }
    lm_found_future_t *f = sk_calloc(1, sizeof(*f));
    f->dir = di;
    f->path = sk_strdup(full);
    f->topic = topic;
    f->partition = part;
    f->next = m->found;
    m->found = f;
}

void sk_logmove_free_found(sk_logmgr_t *m)
{
    for (lm_found_future_t *f = m->found, *next; f; f = next) {
        next = f->next;
        free(f->path);
        free(f->topic);
        free(f);
    }
    m->found = NULL;
}

/* The future dirs found at open. With a current log elsewhere: the move
 * goes on (Kafka resumes it too). Alone: a crash came during the swap,
 * after the current log was renamed for deletion and before the future
 * one got its final name; the future log was complete and flushed then,
 * so it becomes the partition's log. Anything else is removed. */
int sk_logmove_adopt(sk_logmgr_t *m, char *err, size_t errlen)
{
    int rc = SK_OK;
    for (lm_found_future_t *f = m->found; f && rc == SK_OK; f = f->next) {
        lm_part_t *p = sk_logmgr_part_find(m, f->topic, f->partition);
        sk_plog_t *log = NULL;
        if (p && (p->future || p->dir == f->dir)) {
            sk_warn(MOD, "removing %s: %s-%" PRId32 " already has a log in that dir or a move",
                    f->path, f->topic, f->partition);
            sk_plog_rmtree(f->path);
            continue;
        }
        if (p) {
            rc = sk_plog_open(f->path, sk_plog_config(p->log), m->io, 0, &log, err, errlen);
            if (rc != SK_OK)
                break;
            p->future = log;
            p->future_dir = f->dir;
            sk_plog_set_space(log, &m->dirs[f->dir].space);
            m->nmoves++;
            move_set(p, SK_LOGMOVE_COPYING, SK_LOG_INFO, "resuming the move from %s to %s (%s)",
                     m->dirs[p->dir].path, m->dirs[f->dir].path, f->path);
            continue;
        }
        char *final = sk_asprintf("%s/%s-%" PRId32, m->dirs[f->dir].path, f->topic, f->partition);
        if (rename(f->path, final) < 0) {
            snprintf(err, errlen, "cannot rename %s to %s: %s", f->path, final, strerror(errno));
            free(final);
            rc = SK_EIO;
            break;
        }
        sk_warn(MOD, "%s-%" PRId32 ": completing a move interrupted during its swap: %s is now "
                "%s", f->topic, f->partition, f->path, final);
        rc = sk_plog_open(final, &m->defaults, m->io, 0, &log, err, errlen);
        free(final);
        if (rc != SK_OK)
            break;
        p = sk_calloc(1, sizeof(*p));
        p->topic = sk_strdup(f->topic);
        p->partition = f->partition;
        p->dir = f->dir;
        p->log = log;
        p->hw = -1;
        sk_logmgr_part_insert(m, p);
    }
    sk_logmove_free_found(m);
    return rc;
}

/* The dir AlterReplicaLogDirs named for a partition without a log here:
 * its log is created there (Kafka's preferred log dir), once. */
typedef struct lm_pref {
    struct lm_pref *next;
    char *topic;
    int32_t partition;
    int dir;
} lm_pref_t;

#define MAX_PREFS 100000

static lm_pref_t **find_pref(sk_logmgr_t *m, const char *topic, int32_t partition)
{
    lm_pref_t **pp = &m->prefs;
    while (*pp && ((*pp)->partition != partition || strcmp((*pp)->topic, topic)))
        pp = &(*pp)->next;
    return pp;
}

static void set_pref(sk_logmgr_t *m, const char *topic, int32_t partition, int dir)
{
    lm_pref_t **pp = find_pref(m, topic, partition);
    if (*pp) {
        (*pp)->dir = dir;
        return;
    }
    if (m->nprefs >= MAX_PREFS)
        return;
    lm_pref_t *f = sk_calloc(1, sizeof(*f));
    f->topic = sk_strdup(topic);
    f->partition = partition;
    f->dir = dir;
    f->next = m->prefs;
    m->prefs = f;
    m->nprefs++;
}

int sk_logmove_take_pref(sk_logmgr_t *m, const char *topic, int32_t partition)
{
    lm_pref_t **pp = find_pref(m, topic, partition), *f = *pp;
    if (!f)
        return -1;
    int dir = f->dir;
    *pp = f->next;
    m->nprefs--;
    free(f->topic);
    free(f);
    return dir;
}

void sk_logmove_free_prefs(sk_logmgr_t *m)
{
    while (m->prefs)
        sk_logmove_take_pref(m, m->prefs->topic, m->prefs->partition);
}

void sk_logmove_drop(sk_logmgr_t *m, lm_part_t *p, const char *why)
{
    move_set(p, SK_LOGMOVE_NONE, SK_LOG_INFO, "move to %s abandoned (%s)",
             m->dirs[p->future_dir].path, why);
    sk_plog_delete(p->future);
    p->future = NULL;
    m->nmoves--;
}

int sk_logmgr_move(sk_logmgr_t *m, const char *topic, int32_t partition, int dir, char *err,
                   size_t errlen)
{
    if (dir < 0 || dir >= m->ndirs) {
        snprintf(err, errlen, "no such log dir");
        return SK_EINVAL;
    }
    lm_part_t *p = sk_logmgr_part_find(m, topic, partition);
    if (!p) { /* as Kafka: where the log goes when it is created, still refused now */
        set_pref(m, topic, partition, dir);
        snprintf(err, errlen, "no log of %s-%" PRId32 " on this broker (it will be created in %s)",
                 topic, partition, m->dirs[dir].path);
        return SK_ENOENT;
    }
    /* Kafka's limit on the future dir name: <topic>-<p>.<32 hex>-future */
    if (strlen(topic) + 12 + 1 + 32 + strlen(FUTURE_SUFFIX) > 255) {
        snprintf(err, errlen, "The topic name is too long.");
        return SK_ETOOBIG;
    }
    if (p->future && p->future_dir == dir)
        return SK_OK;
    if (p->future)
        sk_logmove_drop(m, p, "another log dir was asked for");
    if (p->dir == dir)
        return SK_OK;
    char *path = future_path(m, dir, topic, partition);
    sk_plog_t *f = NULL;
    int rc = sk_plog_open(path, sk_plog_config(p->log), m->io, 0, &f, err, errlen);
    if (rc == SK_OK)
        rc = sk_plog_truncate_fully(f, sk_plog_start_offset(p->log));
    if (rc == SK_OK && sk_plog_topic_id(p->log))
        rc = sk_plog_set_topic_id(f, sk_plog_topic_id(p->log), err, errlen);
    if (rc != SK_OK) {
        sk_error(MOD, "%s-%" PRId32 ": cannot create the future log %s: %s", topic, partition,
                 path, err);
        if (f)
            sk_plog_delete(f);
        else
            sk_plog_rmtree(path);
        free(path);
        return SK_EIO;
    }
    p->future = f;
    sk_plog_set_space(f, &m->dirs[dir].space);
    p->future_dir = dir;
    p->future_unflushed = 0;
    m->nmoves++;
    move_set(p, SK_LOGMOVE_COPYING, SK_LOG_INFO,
             "moving from %s to %s through %s (log %" PRId64 "..%" PRId64 ")",
             m->dirs[p->dir].path, m->dirs[dir].path, path, sk_plog_start_offset(p->log),
             sk_plog_end_offset(p->log));
    free(path);
    sk_logmove_arm(m);
    return SK_OK;
}

static int64_t be64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return (int64_t)v;
}

static int32_t be32(const uint8_t *b)
{
    return (int32_t)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]);
}

/* The future log may hold only what the current one holds: after a
 * truncation of the current log (a follower) the future one is cut where
 * their leader epochs part (as a follower does against its leader), and it
 * restarts when retention or DeleteRecords moved the current start past it. */
static int future_align(lm_part_t *p)
{
    sk_plog_t *cur = p->log, *fut = p->future;
    int64_t fleo = sk_plog_end_offset(fut), to = fleo;
    int32_t fe = sk_plog_latest_epoch(fut);
    if (fe >= 0) {
        int32_t ce;
        int64_t cend;
        sk_plog_end_offset_for_epoch(cur, fe, &ce, &cend);
        if (ce < 0 || cend < 0) {
            to = sk_plog_start_offset(cur);
        } else if (ce == fe) {
            if (cend < to)
                to = cend;
        } else { /* the current log knows up to epoch ce < fe: cut where ours ends */
            int32_t e2;
            int64_t fend;
            sk_plog_end_offset_for_epoch(fut, ce, &e2, &fend);
            to = fend >= 0 && fend < cend ? fend : cend;
        }
    }
    if (to > sk_plog_end_offset(cur))
        to = sk_plog_end_offset(cur);
    int rc = SK_OK;
    if (to < fleo) {
        sk_info(MOD, "%s-%" PRId32 ": future log truncated to %" PRId64 " (was %" PRId64
                ") after the current log changed", p->topic, p->partition, to, fleo);
        rc = sk_plog_truncate_to(fut, to);
    }
    if (rc == SK_OK && sk_plog_end_offset(fut) < sk_plog_start_offset(cur))
        rc = sk_plog_truncate_fully(fut, sk_plog_start_offset(cur));
    return rc;
}

#define MOVE_FLUSH_BYTES (16 << 20)

/* Copy up to budget bytes of batches from the current log into the future
 * one. 0 or an SK_E* code. */
static int future_copy(lm_part_t *p, int64_t budget)
{
    sk_plog_t *cur = p->log, *fut = p->future;
    int rc = SK_OK;
    while (rc == SK_OK && budget > 0) {
        int64_t fleo = sk_plog_end_offset(fut), cleo = sk_plog_end_offset(cur);
        if (fleo >= cleo)
            break;
        sk_plog_slice_t sl;
        int32_t chunk = budget > (1 << 20) ? (1 << 20) : (int32_t)budget;
        rc = sk_plog_read(cur, fleo, cleo, chunk, &sl);
        if (rc != SK_OK)
            break;
        if (sl.len <= 0) { /* nothing stored in [fleo, cleo): an emptied log restarted */
            if (sl.fd >= 0)
                close(sl.fd);
            if (sk_plog_size_bytes(fut) == 0 || sk_plog_start_offset(cur) >= cleo)
                rc = sk_plog_truncate_fully(fut, cleo);
            break;
        }
        uint8_t *buf = sk_malloc((size_t)sl.len);
        if (sk_plog_slice_load(cur, &sl, buf) != SK_OK) {
            free(buf);
            rc = SK_EIO;
            break;
        }
        /* batches the future log has already; one straddling its end means
         * it starts inside a batch (a log start moved mid-batch): cut there */
        int64_t off = 0;
        while (off + 27 <= sl.len) {
            int64_t base = be64(buf + off), last = base + be32(buf + off + 23);
            int64_t blen = 12 + (int64_t)be32(buf + off + 8);
            if (last >= fleo) {
                if (base < fleo)
                    rc = sk_plog_truncate_to(fut, base);
                break;
            }
            off += blen;
        }
        if (rc == SK_OK && off < sl.len)
            rc = sk_plog_append_raw(fut, buf + off, (size_t)(sl.len - off), NULL, NULL);
        free(buf);
        budget -= sl.len;
        p->future_unflushed += sl.len;
    }
    /* flushed as it goes, so that the swap's own flush is short */
    if (rc == SK_OK && p->future_unflushed >= MOVE_FLUSH_BYTES) {
        sk_plog_flush_async(fut);
        p->future_unflushed = 0;
    }
    return rc;
}

/* The future log has everything: it becomes the partition's log. */
static int future_swap(sk_logmgr_t *m, lm_part_t *p)
{
    sk_plog_t *cur = p->log, *fut = p->future;
    char err[512] = "";
    /* epochs the current log recorded with no batch yet (a leader's new epoch) */
    const sk_epoch_cache_t *ec = sk_plog_epochs(cur);
    for (size_t i = 0; i < sk_epoch_cache_count(ec); i++) {
        sk_epoch_entry_t e = sk_epoch_cache_get(ec, i);
        if (e.epoch > sk_plog_latest_epoch(fut) && e.start_offset >= sk_plog_start_offset(fut))
            sk_plog_assign_epoch(fut, e.epoch, e.start_offset);
    }
    sk_plog_set_start_offset(fut, sk_plog_start_offset(cur));
    int64_t start = sk_plog_start_offset(cur), leo = sk_plog_end_offset(fut);
    sk_plog_config_t cfg = *sk_plog_config(cur);
    if (m->io)
        sk_diskio_barrier(m->io); /* the future log's side files are written */
    if (sk_plog_flush_sync(fut) != SK_OK) {
        sk_logmove_drop(m, p, "cannot flush it");
        return SK_EIO;
    }
    char *from = sk_strdup(sk_plog_dir(fut));
    char *final = sk_asprintf("%s/%s-%" PRId32, m->dirs[p->future_dir].path, p->topic,
                              p->partition);
    char *old = sk_strdup(sk_plog_dir(cur));
    sk_plog_close(fut);
    p->future = NULL;
    m->nmoves--;
    if (m->io)
        sk_diskio_barrier(m->io);
    /* its producer state covers the whole log, the reopened one's its tail */
    sk_pstate_t *producers = sk_plog_take_producers(cur);
    /* The current log goes first: from here a crash leaves the complete,
     * flushed future log alone, which the next open makes current. */
    sk_plog_delete(cur);
    p->log = NULL;
    const char *at = final;
    if (rename(from, final) < 0) {
        sk_error(MOD, "%s-%" PRId32 ": cannot rename %s to %s: %s; the log stays there until "
                 "the next start", p->topic, p->partition, from, final, strerror(errno));
        at = from;
    }
    sk_plog_t *nl = NULL;
    int rc = sk_plog_open(at, &cfg, m->io, leo, &nl, err, sizeof(err));
    if (rc == SK_OK) {
        sk_plog_adopt_producers(nl, producers);
        producers = NULL;
        sk_plog_set_start_offset(nl, start);
        m->dirs[p->dir].nparts--;
        p->dir = p->future_dir;
        m->dirs[p->dir].nparts++;
        p->log = nl;
        sk_plog_set_space(nl, &m->dirs[p->dir].space);
        move_set(p, SK_LOGMOVE_NONE, SK_LOG_INFO, "moved from %s to %s (log %" PRId64
                 "..%" PRId64 ")", old, final, start, leo);
    } else {
        move_set(p, SK_LOGMOVE_NONE, SK_LOG_ERROR, "cannot open the moved log %s: %s; the "
                 "partition has no log here until the next start", at, err);
    }
    sk_pstate_free(producers);
    free(from);
    free(final);
    free(old);
    if (rc == SK_OK && m->moved_fn)
        m->moved_fn(p->topic, p->partition, nl, m->moved_arg);
    if (rc != SK_OK) {
        if (m->moved_fn)
            m->moved_fn(p->topic, p->partition, NULL, m->moved_arg);
        sk_logmgr_part_unlink(m, p);
        sk_logmgr_part_free(p);
    }
    sk_logmgr_ckpt_async(m);
    return rc;
}

int sk_logmgr_run_moves(sk_logmgr_t *m, int64_t max_bytes)
{
    int swaps = 0;
    if (m->nmoves == 0)
        return 0;
    /* collect first: a failed swap removes its entry from the table */
    size_t n = 0, cap = (size_t)m->nmoves;
    lm_part_t **todo = sk_calloc(cap, sizeof(*todo));
    for (size_t b = 0; b < m->nbuckets; b++)
        for (lm_part_t *p = m->buckets[b]; p; p = p->next)
            if (p->future && n < cap)
                todo[n++] = p;
    for (size_t i = 0; i < n; i++) {
        lm_part_t *p = todo[i];
        int rc = future_align(p);
        if (rc == SK_OK)
            rc = future_copy(p, max_bytes);
        if (rc != SK_OK) {
            sk_error(MOD, "%s-%" PRId32 ": copying into the future log failed: %s", p->topic,
                     p->partition, sk_strerror(rc));
            sk_logmove_drop(m, p, "copy failed");
            continue;
        }
        /* caught up: swap now, before any other event can append */
        if (sk_plog_end_offset(p->future) != sk_plog_end_offset(p->log))
            continue;
        move_set(p, SK_LOGMOVE_SWAPPING, SK_LOG_INFO, "the future log caught up at offset %"
                 PRId64 ": swapping it in", sk_plog_end_offset(p->log));
        if (future_swap(m, p) == SK_OK)
            swaps++;
    }
    free(todo);
    return swaps;
}

#define MOVE_CHUNK_BYTES (4 << 20) /* per partition per tick */

static void on_moves_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_logmgr_t *m = arg;
    sk_logmgr_run_moves(m, MOVE_CHUNK_BYTES);
    if (m->nmoves == 0)
        event_del(m->moves_ev); /* moves_arm adds it again */
}

void sk_logmove_arm(sk_logmgr_t *m)
{
    if (m->nmoves == 0 || !m->base)
        return;
    if (!m->moves_ev)
        m->moves_ev = event_new(m->base, -1, EV_PERSIST, on_moves_timer, m);
    if (!event_pending(m->moves_ev, EV_TIMEOUT, NULL)) {
        struct timeval tv = {0, 1000};
        event_add(m->moves_ev, &tv);
    }
}
