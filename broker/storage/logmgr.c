/* logmgr.c - all partition logs of all log dirs, plus checkpoints. */
#include "storage/logmgr.h"
#include "storage/logmgr_int.h"

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "storage/checkpoint.h"
#include "clock.h"
#include "storage/diskio.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "mem.h"

#define MOD SK_LOGMGR_MOD

static void space_sample(sk_plog_space_t *sp, int64_t need);
static void space_failed(sk_plog_space_t *sp, const char *log_dir, const char *what, int err);

/* ---- names ---- */

int sk_logmgr_topic_valid(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 249 || !strcmp(t, ".") || !strcmp(t, ".."))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int sk_logmgr_parse_dirname(const char *name, char **topic, int32_t *partition)
{
    const char *dash = strrchr(name, '-');
    if (!dash || dash == name || !dash[1] || strlen(dash + 1) > 10)
        return SK_EPARSE;
    int64_t v = 0;
    for (const char *p = dash + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return SK_EPARSE;
        v = v * 10 + (*p - '0');
    }
    if (v > INT32_MAX || (dash[1] == '0' && dash[2]))
        return SK_EPARSE;
    char *t = sk_strndup(name, (size_t)(dash - name));
    if (!sk_logmgr_topic_valid(t)) {
        free(t);
        return SK_EPARSE;
    }
    *topic = t;
    *partition = (int32_t)v;
    return SK_OK;
}

/* ---- partition table ---- */

static size_t tp_hash(const char *topic, int32_t partition)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = topic; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    h ^= (uint64_t)(uint32_t)partition * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29));
}

lm_part_t *sk_logmgr_part_find(const sk_logmgr_t *m, const char *topic, int32_t partition)
{
    for (lm_part_t *p = m->buckets[tp_hash(topic, partition) & (m->nbuckets - 1)]; p; p = p->next)
        if (p->partition == partition && !strcmp(p->topic, topic))
            return p;
    return NULL;
}

void sk_logmgr_part_insert(sk_logmgr_t *m, lm_part_t *p)
{
    if (m->count + 1 > m->nbuckets) {
        size_t nb = m->nbuckets * 2;
        lm_part_t **b = sk_calloc(nb, sizeof(*b));
        for (size_t i = 0; i < m->nbuckets; i++) {
            for (lm_part_t *q = m->buckets[i], *next; q; q = next) {
                next = q->next;
                size_t k = tp_hash(q->topic, q->partition) & (nb - 1);
                q->next = b[k];
                b[k] = q;
            }
        }
        free(m->buckets);
        m->buckets = b;
        m->nbuckets = nb;
    }
    size_t k = tp_hash(p->topic, p->partition) & (m->nbuckets - 1);
    p->next = m->buckets[k];
    m->buckets[k] = p;
    m->count++;
    m->dirs[p->dir].nparts++;
    sk_plog_set_space(p->log, &m->dirs[p->dir].space);
}

void sk_logmgr_part_unlink(sk_logmgr_t *m, lm_part_t *p)
{
    lm_part_t **pp = &m->buckets[tp_hash(p->topic, p->partition) & (m->nbuckets - 1)];
    while (*pp != p)
        pp = &(*pp)->next;
    *pp = p->next;
    m->count--;
    m->dirs[p->dir].nparts--;
}

void sk_logmgr_part_free(lm_part_t *p)
{
    free(p->topic);
    free(p);
}

/* ---- checkpoints ---- */

typedef struct ckpt_file {
    char *path;
    char *data;
    size_t len;
} ckpt_file_t;

typedef struct ckpt_job {
    sk_logmgr_t *m;
    ckpt_file_t *files;
    int nfiles;
    int failed;
} ckpt_job_t;

static const char *const ckpt_names[3] = {SK_CKPT_RECOVERY, SK_CKPT_LOG_START,
                                          SK_CKPT_REPLICATION};

/* Snapshot of all three checkpoints of every dir (taken on the loop). */
static ckpt_job_t *ckpt_build(sk_logmgr_t *m)
{
    ckpt_job_t *j = sk_calloc(1, sizeof(*j));
    j->m = m;
    j->files = sk_calloc((size_t)m->ndirs * 3, sizeof(*j->files));
    for (int d = 0; d < m->ndirs; d++) {
        if (m->dirs[d].space.state == SK_LOGDIR_OFFLINE)
            continue; /* nothing written to a dir after an I/O error there */
        sk_ckpt_t c[3];
        for (int k = 0; k < 3; k++)
            sk_ckpt_init(&c[k]);
        for (size_t b = 0; b < m->nbuckets; b++) {
            for (lm_part_t *p = m->buckets[b]; p; p = p->next) {
                if (p->dir != d)
                    continue;
                sk_ckpt_add(&c[0], p->topic, p->partition, sk_plog_recovery_point(p->log));
                sk_ckpt_add(&c[1], p->topic, p->partition, sk_plog_start_offset(p->log));
                if (p->hw >= 0)
                    sk_ckpt_add(&c[2], p->topic, p->partition, p->hw);
            }
        }
        for (int k = 0; k < 3; k++) {
            ckpt_file_t *f = &j->files[j->nfiles++];
            f->path = sk_asprintf("%s/%s", m->dirs[d].path, ckpt_names[k]);
            f->data = sk_ckpt_format(&c[k], &f->len);
            sk_ckpt_free(&c[k]);
        }
    }
    return j;
}

static void ckpt_work(void *arg)
{
    ckpt_job_t *j = arg;
    for (int i = 0; i < j->nfiles; i++) {
        char err[512];
        if (sk_file_write_atomic(j->files[i].path, j->files[i].data, j->files[i].len, err,
                                 sizeof(err)) != SK_OK) {
            sk_error(MOD, "checkpoint write failed: %s", err);
            j->failed = 1;
        }
    }
}


static void ckpt_done(void *arg)
{
    ckpt_job_t *j = arg;
    sk_logmgr_t *m = j->m;
    m->ckpt_inflight = 0;
    for (int i = 0; i < j->nfiles; i++) {
        free(j->files[i].path);
        free(j->files[i].data);
    }
    free(j->files);
    free(j);
    if (m->ckpt_again) {
        m->ckpt_again = 0;
        sk_logmgr_ckpt_async(m);
    }
}

int sk_logmgr_checkpoint_sync(sk_logmgr_t *m)
{
    if (m->io)
        sk_diskio_barrier(m->io); /* no older checkpoint job may rename over ours */
    ckpt_job_t *j = ckpt_build(m);
    ckpt_work(j);
    int rc = j->failed ? SK_EIO : SK_OK;
    ckpt_done(j);
    return rc;
}

/* Write all checkpoints on the diskio pool (coalesced with one in flight). */
void sk_logmgr_ckpt_async(sk_logmgr_t *m)
{
    if (m->ckpt_inflight) {
        m->ckpt_again = 1;
        return;
    }
    ckpt_job_t *j = ckpt_build(m);
    m->ckpt_inflight = 1;
    if (m->io) {
        sk_diskio_submit(m->io, ckpt_work, ckpt_done, j);
    } else {
        ckpt_work(j);
        ckpt_done(j);
    }
}

static void on_ckpt_timer(evutil_socket_t fd, short what, void *arg)
{
    sk_logmgr_t *m = arg;
    if (!m->ckpt_inflight)
        sk_logmgr_ckpt_async(m);
}

static void on_flush_timer(evutil_socket_t fd, short what, void *arg)
{
    sk_logmgr_t *m = arg;
    int64_t now = sk_wall_ms();
    for (size_t b = 0; b < m->nbuckets; b++)
        for (lm_part_t *p = m->buckets[b]; p; p = p->next)
            sk_plog_maybe_flush(p->log, now);
}

static struct event *start_timer(struct event_base *base, int64_t ms,
                                 void (*cb)(evutil_socket_t, short, void *), void *arg)
{
    if (!base || ms <= 0 || ms >= INT64_MAX / 2)
        return NULL;
    struct event *ev = event_new(base, -1, EV_PERSIST, cb, arg);
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    event_add(ev, &tv);
    return ev;
}

/* ---- retention ---- */

int sk_logmgr_run_retention(sk_logmgr_t *m, int64_t now_ms)
{
    int total = 0;
    for (size_t b = 0; b < m->nbuckets; b++)
        for (lm_part_t *p = m->buckets[b]; p; p = p->next)
            total += sk_plog_apply_retention(p->log, now_ms, p->hw);
    if (total > 0)
        sk_logmgr_ckpt_async(m); /* log-start-offset-checkpoint moved */
    return total;
}

/* ---- DeleteRecords ---- */

int64_t sk_logmgr_advance_log_start(sk_logmgr_t *m, const char *topic, int32_t partition,
                                    int64_t offset)
{
    lm_part_t *p = sk_logmgr_part_find(m, topic, partition);
    if (!p)
        return -1;
    int64_t before = sk_plog_start_offset(p->log);
    sk_plog_set_start_offset(p->log, offset);
    int64_t after = sk_plog_start_offset(p->log);
    if (after <= before)
        return after;
    /* Bounded by the new log start, retention takes exactly the segments
     * wholly below it. */
    int gone = sk_plog_apply_retention(p->log, sk_wall_ms(), after);
    /* the caller logs the event; the deletion logs its own line */
    sk_debug(MOD, "%s-%" PRId32 ": log start offset %" PRId64 " -> %" PRId64
             " (%d segment(s) below it deleted)", topic, partition, before, after, gone);
    sk_logmgr_ckpt_async(m); /* log-start-offset-checkpoint */
    return after;
}

static void on_retention_timer(evutil_socket_t fd, short what, void *arg)
{
    sk_logmgr_run_retention(arg, sk_wall_ms());
}

void sk_logmgr_set_retention_check_ms(sk_logmgr_t *m, int64_t ms)
{
    if (m->retention_ev) {
        event_free(m->retention_ev);
        m->retention_ev = NULL;
    }
    m->retention_ev = start_timer(m->base, ms, on_retention_timer, m);
}

/* ---- the log cleaner ---- */

typedef struct lm_clean {
    struct lm_clean *next;
    sk_logmgr_t *m;
    sk_plog_clean_t *job;
    char *topic;
    int32_t partition;
} lm_clean_t;

static int cleaner_running(const sk_logmgr_t *m)
{
    int n = 0;
    for (const lm_clean_t *c = m->cleaning; c; c = c->next)
        n++;
    return n;
}

static void clean_work(void *arg)
{
    sk_plog_clean_run(((lm_clean_t *)arg)->job);
}

static void clean_done(void *arg)
{
    lm_clean_t *c = arg;
    sk_logmgr_t *m = c->m;
    for (lm_clean_t **pp = &m->cleaning; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    sk_plog_clean_stats_t st;
    int rc = sk_plog_clean_finish(c->job, &st);
    sk_debug(MOD, "cleaner pass on %s-%d ended (%d)", c->topic, c->partition, rc);
    free(c->topic);
    free(c);
    /* look for the next log at once rather than after the backoff */
    if (m->cleaner_now_ev)
        event_active(m->cleaner_now_ev, EV_TIMEOUT, 0);
}

int sk_logmgr_run_cleaner(sk_logmgr_t *m, int64_t now_ms)
{
    int started = 0;
    while (m->cleaner_io && cleaner_running(m) < m->cleaner_threads) {
        lm_part_t *best = NULL;
        double best_prio = -1;
        for (size_t b = 0; b < m->nbuckets; b++)
            for (lm_part_t *p = m->buckets[b]; p; p = p->next) {
                /* a pass writes at most a copy of the log: not into a dir short of it */
                if (!sk_plog_space_ok(p->log, sk_plog_size_bytes(p->log)))
                    continue;
                double prio = sk_plog_clean_priority(p->log, now_ms, p->hw);
                if (prio >= 0 && prio > best_prio) {
                    best_prio = prio;
                    best = p;
                }
            }
        if (!best)
            break;
        sk_plog_clean_t *job = sk_plog_clean_plan(best->log, now_ms, best->hw,
                                                  m->cleaner_map_bytes, 0);
        if (!job)
            break;
        lm_clean_t *c = sk_calloc(1, sizeof(*c));
        c->m = m;
        c->job = job;
        c->topic = sk_strdup(best->topic);
        c->partition = best->partition;
        c->next = m->cleaning;
        m->cleaning = c;
        sk_debug(MOD, "cleaning %s-%d (dirty ratio %.2f)", best->topic, best->partition,
                 best_prio >= 1 ? best_prio - 1 : best_prio);
        sk_diskio_submit(m->cleaner_io, clean_work, clean_done, c);
        started++;
    }
    return started;
}

static void on_cleaner_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_logmgr_run_cleaner(arg, sk_wall_ms());
}

void sk_logmgr_start_cleaner(sk_logmgr_t *m, int threads, int64_t backoff_ms,
                             int64_t dedupe_bytes)
{
    if (!m->base || threads <= 0 || m->cleaner_io)
        return;
    m->cleaner_threads = threads;
    m->cleaner_map_bytes = dedupe_bytes / threads;
    m->cleaner_backoff_ms = backoff_ms;
    m->cleaner_io = sk_diskio_new(m->base, threads);
    m->cleaner_ev = start_timer(m->base, backoff_ms < 10 ? 10 : backoff_ms, on_cleaner_timer, m);
    m->cleaner_now_ev = event_new(m->base, -1, 0, on_cleaner_timer, m);
    sk_info(MOD, "log cleaner started: %d thread(s), backoff %" PRId64 " ms, %" PRId64
            " bytes of key map per pass", threads, backoff_ms, m->cleaner_map_bytes);
}

static void stop_cleaner(sk_logmgr_t *m)
{
    if (!m->cleaner_io)
        return;
    if (m->cleaner_ev)
        event_free(m->cleaner_ev);
    if (m->cleaner_now_ev)
        event_free(m->cleaner_now_ev);
    m->cleaner_ev = m->cleaner_now_ev = NULL;
    for (lm_clean_t *c = m->cleaning; c; c = c->next)
        sk_plog_clean_cancel(c->job);
    sk_diskio_t *io = m->cleaner_io;
    m->cleaner_io = NULL;
    sk_diskio_free(io); /* waits for the workers; runs clean_done for each pass */
}

void sk_logmgr_restart_cleaner(sk_logmgr_t *m, int threads, int64_t backoff_ms,
                               int64_t dedupe_bytes)
{
    if (!m->cleaner_io || threads <= 0)
        return;
    if (threads == m->cleaner_threads && dedupe_bytes / threads == m->cleaner_map_bytes &&
        backoff_ms == m->cleaner_backoff_ms)
        return;
    sk_info(MOD, "log cleaner restarting with new settings");
    stop_cleaner(m);
    sk_logmgr_start_cleaner(m, threads, backoff_ms, dedupe_bytes);
}

/* ---- idle idempotent producers ---- */

static void on_pid_expiry_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_logmgr_t *m = arg;
    int64_t now = sk_wall_ms();
    for (size_t b = 0; b < m->nbuckets; b++)
        for (lm_part_t *p = m->buckets[b]; p; p = p->next)
            sk_plog_expire_producers(p->log, now, m->pid_expiration_ms);
}

void sk_logmgr_set_producer_expiration(sk_logmgr_t *m, int64_t expiration_ms, int64_t check_ms)
{
    if (m->pid_expiry_ev) {
        event_free(m->pid_expiry_ev);
        m->pid_expiry_ev = NULL;
    }
    m->pid_expiration_ms = expiration_ms;
    m->pid_expiry_ev = start_timer(m->base, check_ms, on_pid_expiry_timer, m);
}

/* ---- open ---- */

static int64_t ckpt_lookup(const sk_ckpt_t *c, const char *topic, int32_t partition, int64_t dflt)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].partition == partition && !strcmp(c->e[i].topic, topic))
            return c->e[i].offset;
    return dflt;
}

/* Takes the directory's exclusive lock (Kafka's <log.dir>/.lock), so that a
 * second broker process started on the same dir fails instead of
 * corrupting it. flock locks belong to the open file description: the lock
 * goes away when the fd is closed or the process dies. */
static int lock_dir(lm_dir_t *d, char *err, size_t errlen)
{
    char *path = sk_asprintf("%s/%s", d->path, SK_LOGMGR_LOCK_FILE);
    int rc = SK_OK;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open lock file %s: %s", path, strerror(errno));
        rc = SK_EIO;
        goto out;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        if (e == EINTR)
            continue;
        if (e == EWOULDBLOCK)
            snprintf(err, errlen,
                     "log dir %s is in use: %s is locked by another process (another broker "
                     "running on this dir?) or the dir is listed twice in log.dirs",
                     d->path, path);
        else
            snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
        rc = e == EWOULDBLOCK ? SK_ESTATE : SK_EIO;
        close(fd);
        goto out;
    }
    d->lock_fd = fd;
out:
    free(path);
    return rc;
}

static int write_meta(const lm_dir_t *d, char *err, size_t errlen)
{
    char *path = sk_asprintf("%s/%s", d->path, SK_META_PROPERTIES);
    char *text = sk_meta_format(&d->meta);
    int rc = sk_file_write_atomic(path, text, strlen(text), err, errlen);
    free(text);
    free(path);
    return rc;
}

static int open_meta(sk_logmgr_t *m, lm_dir_t *d, char *err, size_t errlen)
{
    char *path = sk_asprintf("%s/%s", d->path, SK_META_PROPERTIES);
    int rc = sk_meta_read_file(path, &d->meta, err, errlen);
    if (rc == SK_ENOENT) {
        d->meta.version = 0;
        d->meta.broker_id = m->broker_id;
        d->meta.cluster_id = NULL;
        rc = write_meta(d, err, errlen);
    } else if (rc == SK_OK && d->meta.broker_id != m->broker_id) {
        snprintf(err, errlen,
                 "log dir %s belongs to broker.id=%" PRId32 " (per %s) but this broker is %" PRId32,
                 d->path, d->meta.broker_id, path, m->broker_id);
        rc = SK_EINVAL;
    }
    free(path);
    return rc;
}

static int open_dir(sk_logmgr_t *m, int di, char *err, size_t errlen)
{
    lm_dir_t *d = &m->dirs[di];
    sk_ckpt_t ck[3];
    int rc = SK_OK;
    DIR *dh = NULL;
    for (int k = 0; k < 3; k++)
        sk_ckpt_init(&ck[k]);
    for (int k = 0; k < 3; k++) {
        char *path = sk_asprintf("%s/%s", d->path, ckpt_names[k]);
        rc = sk_ckpt_read_file(path, &ck[k], err, errlen);
        free(path);
        if (rc == SK_ENOENT)
            rc = SK_OK;
        if (rc != SK_OK)
            goto out;
    }
    dh = opendir(d->path);
    if (!dh) {
        snprintf(err, errlen, "cannot list log dir %s: %s", d->path, strerror(errno));
        rc = SK_EIO;
        goto out;
    }
    struct dirent *de;
    while ((de = readdir(dh))) {
        const char *nm = de->d_name;
        if (nm[0] == '.')
            continue;
        char *full = sk_asprintf("%s/%s", d->path, nm);
        struct stat st;
        if (lstat(full, &st) < 0 || !S_ISDIR(st.st_mode)) {
            free(full);
            continue;
        }
        size_t nl = strlen(nm);
        if (nl > 7 && !strcmp(nm + nl - 7, "-delete")) {
            sk_info(MOD, "removing %s left by an interrupted topic deletion", full);
            sk_plog_rmtree(full);
            free(full);
            continue;
        }
        if (sk_logmove_is_future_name(nm)) { /* after every dir: see adopt_futures */
            sk_logmove_note_future(m, di, nm, full);
            free(full);
            continue;
        }
        char *topic;
        int32_t part;
        if (sk_logmgr_parse_dirname(nm, &topic, &part) != SK_OK) {
            sk_warn(MOD, "ignoring directory %s: not <topic>-<partition>", full);
            free(full);
            continue;
        }
        lm_part_t *dup = sk_logmgr_part_find(m, topic, part);
        if (dup) {
            snprintf(err, errlen, "partition %s-%" PRId32 " exists in both %s and %s", topic, part,
                     m->dirs[dup->dir].path, d->path);
            free(topic);
            free(full);
            rc = SK_EEXIST;
            goto out;
        }
        sk_plog_t *log;
        int64_t rp = ckpt_lookup(&ck[0], topic, part, 0);
        rc = sk_plog_open(full, &m->defaults, m->io, rp, &log, err, errlen);
        free(full);
        if (rc != SK_OK) {
            free(topic);
            goto out;
        }
        int64_t start = ckpt_lookup(&ck[1], topic, part, -1);
        if (start >= 0)
            sk_plog_set_start_offset(log, start);
        lm_part_t *p = sk_calloc(1, sizeof(*p));
        p->topic = topic;
        p->partition = part;
        p->dir = di;
        p->log = log;
        p->hw = ckpt_lookup(&ck[2], topic, part, -1);
        sk_logmgr_part_insert(m, p);
    }
out:
    if (dh)
        closedir(dh);
    for (int k = 0; k < 3; k++)
        sk_ckpt_free(&ck[k]);
    return rc;
}

static void free_all(sk_logmgr_t *m, int close_logs)
{
    for (size_t b = 0; b < m->nbuckets; b++) {
        for (lm_part_t *p = m->buckets[b], *next; p; p = next) {
            next = p->next;
            if (close_logs) {
                sk_plog_close(p->log);
                sk_plog_close(p->future);
            }
            sk_logmgr_part_free(p);
        }
    }
    for (int i = 0; i < m->ndirs; i++) {
        free(m->dirs[i].path);
        sk_meta_free(&m->dirs[i].meta);
        if (m->dirs[i].lock_fd >= 0)
            close(m->dirs[i].lock_fd);
    }
    sk_logmove_free_found(m);
    sk_logmove_free_prefs(m);
    free(m->dirs);
    free(m->buckets);
    free(m);
}

int sk_logmgr_open(struct event_base *base, sk_diskio_t *io, char **log_dirs, int n_dirs,
                   int32_t broker_id, const sk_plog_config_t *defaults, int64_t flush_scheduler_ms,
                   int64_t checkpoint_ms, sk_logmgr_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (n_dirs < 1) {
        snprintf(err, errlen, "no log dirs configured");
        return SK_EINVAL;
    }
    sk_logmgr_t *m = sk_calloc(1, sizeof(*m));
    m->base = base;
    m->io = io;
    m->broker_id = broker_id;
    if (defaults)
        m->defaults = *defaults;
    else
        sk_plog_config_defaults(&m->defaults);
    m->nbuckets = 64;
    m->buckets = sk_calloc(m->nbuckets, sizeof(*m->buckets));
    m->dirs = sk_calloc((size_t)n_dirs, sizeof(*m->dirs));
    int rc = SK_OK;
    for (int i = 0; i < n_dirs; i++) {
        lm_dir_t *d = &m->dirs[m->ndirs++];
        d->path = sk_strdup(log_dirs[i]);
        d->lock_fd = -1;
        d->m = m;
        d->idx = i;
        d->total = -1;
        d->space.sample = space_sample; /* no guard (min_free 0) until set_min_free_bytes */
        d->space.failed = space_failed;
        if (sk_plog_mkdirs(d->path) != SK_OK) {
            snprintf(err, errlen, "cannot create log dir %s: %s", d->path, strerror(errno));
            rc = SK_EIO;
            goto fail;
        }
        if ((rc = lock_dir(d, err, errlen)) != SK_OK)
            goto fail;
        if ((rc = open_meta(m, d, err, errlen)) != SK_OK)
            goto fail;
        for (int k = 0; k < i; k++) {
            const char *a = m->dirs[k].meta.cluster_id, *b = d->meta.cluster_id;
            if (a && b && strcmp(a, b)) {
                snprintf(err, errlen, "log dirs %s and %s belong to different clusters (%s, %s)",
                         m->dirs[k].path, d->path, a, b);
                rc = SK_EINVAL;
                goto fail;
            }
        }
    }
    for (int i = 0; i < m->ndirs; i++)
        if ((rc = open_dir(m, i, err, errlen)) != SK_OK)
            goto fail;
    if ((rc = sk_logmove_adopt(m, err, errlen)) != SK_OK)
        goto fail;
    m->flush_ev = start_timer(base, flush_scheduler_ms, on_flush_timer, m);
    m->ckpt_ev = start_timer(base, checkpoint_ms, on_ckpt_timer, m);
    m->retention_ev = start_timer(base, SK_LOGMGR_RETENTION_CHECK_MS, on_retention_timer, m);
    sk_info(MOD, "loaded %zu partition log(s) from %d log dir(s)", m->count, m->ndirs);
    sk_logmove_arm(m);
    *out = m;
    return SK_OK;
fail:
    if (io)
        sk_diskio_barrier(io);
    free_all(m, 1);
    return rc;
}

int sk_logmgr_set_cluster_id(sk_logmgr_t *m, const char *cluster_id, char *err, size_t errlen)
{
    for (int i = 0; i < m->ndirs; i++) {
        const char *have = m->dirs[i].meta.cluster_id;
        if (have && strcmp(have, cluster_id)) {
            snprintf(err, errlen,
                     "log dir %s belongs to cluster.id %s but ZooKeeper says %s (meta.properties)",
                     m->dirs[i].path, have, cluster_id);
            return SK_EINVAL;
        }
    }
    for (int i = 0; i < m->ndirs; i++) {
        lm_dir_t *d = &m->dirs[i];
        if (d->meta.cluster_id)
            continue;
        d->meta.cluster_id = sk_strdup(cluster_id);
        int rc = write_meta(d, err, errlen);
        if (rc != SK_OK)
            return rc;
    }
    return SK_OK;
}

sk_plog_t *sk_logmgr_get(sk_logmgr_t *m, const char *topic, int32_t partition)
{
    lm_part_t *p = sk_logmgr_part_find(m, topic, partition);
    return p ? p->log : NULL;
}

int sk_logmgr_get_or_create(sk_logmgr_t *m, const char *topic, int32_t partition,
                            const sk_plog_config_t *cfg, sk_plog_t **out)
{
    *out = NULL;
    lm_part_t *p = sk_logmgr_part_find(m, topic, partition);
    if (p) {
        *out = p->log;
        return SK_OK;
    }
    if (!topic || !sk_logmgr_topic_valid(topic) || partition < 0)
        return SK_EINVAL;
    int best = sk_logmove_take_pref(m, topic, partition); /* AlterReplicaLogDirs asked before */
    if (best < 0) {
        best = -1; /* the online dir with the fewest partitions */
        for (int i = 0; i < m->ndirs; i++)
            if (m->dirs[i].space.state != SK_LOGDIR_OFFLINE &&
                (best < 0 || m->dirs[i].nparts < m->dirs[best].nparts))
                best = i;
        if (best < 0) {
            sk_error(MOD, "cannot create log for %s-%" PRId32 ": every log dir is offline", topic,
                     partition);
            return SK_EIO;
        }
    }
    char *path = sk_asprintf("%s/%s-%" PRId32, m->dirs[best].path, topic, partition);
    char err[512];
    sk_plog_t *log;
    int rc = sk_plog_open(path, cfg ? cfg : &m->defaults, m->io, 0, &log, err, sizeof(err));
    if (rc != SK_OK) {
        sk_error(MOD, "cannot create log for %s-%" PRId32 ": %s", topic, partition, err);
        free(path);
        return rc;
    }
    sk_info(MOD, "created log for %s-%" PRId32 " in %s", topic, partition, path);
    free(path);
    p = sk_calloc(1, sizeof(*p));
    p->topic = sk_strdup(topic);
    p->partition = partition;
    p->dir = best;
    p->log = log;
    p->hw = -1;
    sk_logmgr_part_insert(m, p);
    *out = log;
    return SK_OK;
}

int sk_logmgr_delete(sk_logmgr_t *m, const char *topic, int32_t partition)
{
    lm_part_t *p = sk_logmgr_part_find(m, topic, partition);
    if (!p)
        return SK_ENOENT;
    sk_logmgr_part_unlink(m, p);
    if (p->future)
        sk_logmove_drop(m, p, "the partition's log is deleted");
    sk_plog_delete(p->log);
    sk_logmgr_part_free(p);
    return SK_OK;
}

void sk_logmgr_foreach(sk_logmgr_t *m,
                       void (*fn)(const char *topic, int32_t partition, sk_plog_t *log, void *arg),
                       void *arg)
{
    for (size_t b = 0; b < m->nbuckets; b++)
        for (lm_part_t *p = m->buckets[b], *next; p; p = next) {
            next = p->next; /* fn may not delete others, but may look */
            fn(p->topic, p->partition, p->log, arg);
        }
}

int sk_logmgr_count(const sk_logmgr_t *m) { return (int)m->count; }

void sk_logmgr_set_high_watermark(sk_logmgr_t *m, const char *topic, int32_t partition, int64_t hw)
{
    lm_part_t *p = sk_logmgr_part_find(m, topic, partition);
    if (p)
        p->hw = hw;
}

int64_t sk_logmgr_get_checkpointed_high_watermark(sk_logmgr_t *m, const char *topic,
                                                  int32_t partition)
{
    lm_part_t *p = sk_logmgr_part_find(m, topic, partition);
    return p ? p->hw : -1;
}

void sk_logmgr_close(sk_logmgr_t *m)
{
    if (!m)
        return;
    if (m->flush_ev)
        event_free(m->flush_ev);
    if (m->ckpt_ev)
        event_free(m->ckpt_ev);
    if (m->retention_ev)
        event_free(m->retention_ev);
    stop_cleaner(m);
    if (m->pid_expiry_ev)
        event_free(m->pid_expiry_ev);
    if (m->moves_ev)
        event_free(m->moves_ev);
    if (m->space_ev)
        event_free(m->space_ev);
    if (m->io)
        sk_diskio_barrier(m->io);
    for (size_t b = 0; b < m->nbuckets; b++)
        for (lm_part_t *p = m->buckets[b]; p; p = p->next)
            if (!sk_plog_offline(p->log))
                sk_plog_flush_sync(p->log);
    sk_logmgr_checkpoint_sync(m);
    free_all(m, 1);
}

/* ---- the space guard: each dir's state ----
 * ONLINE <-> LOW_SPACE by the free space (statvfs) against min_free, with 5 %
 * of min_free as hysteresis on the way back; OFFLINE is final until a
 * restart. dir_set_state is the one place a dir's state changes. */

static const char *const dir_state_names[] = {"ONLINE", "LOW_SPACE", "OFFLINE"};

const char *sk_logdir_state_name(sk_logdir_state_t s)
{
    return (unsigned)s < 3 ? dir_state_names[s] : "?";
}

static void dir_set_state(lm_dir_t *d, sk_logdir_state_t to, const char *why)
{
    sk_logdir_state_t from = d->space.state;
    if (from == to)
        return;
    if (from == SK_LOGDIR_OFFLINE) {
        sk_error(MOD, "log dir %s: refused state change %s -> %s (%s): an offline dir stays "
                 "offline until restart", d->path, sk_logdir_state_name(from),
                 sk_logdir_state_name(to), why);
        return;
    }
    d->space.state = to;
    sk_log_level_t lvl = to == SK_LOGDIR_ONLINE ? SK_LOG_INFO
                         : to == SK_LOGDIR_LOW_SPACE ? SK_LOG_WARN : SK_LOG_ERROR;
    SK_LOG_AT(lvl, MOD, "log dir %s: %s: %s -> %s", d->path, why, sk_logdir_state_name(from),
              sk_logdir_state_name(to));
}

/* log.dir.min.free.bytes for a filesystem of total bytes: as configured, or
 * (-1) 1 %, at least 4 MiB (a 1 MiB batch, index entries and checkpoint
 * rewrites with room to spare), at most 1 GiB and a quarter of the
 * filesystem. */
int64_t sk_logmgr_min_free_for(int64_t conf, int64_t total)
{
    if (conf >= 0)
        return conf;
    if (total <= 0)
        return 0;
    int64_t v = total / 100;
    if (v < ((int64_t)4 << 20))
        v = (int64_t)4 << 20;
    if (v > ((int64_t)1 << 30))
        v = (int64_t)1 << 30;
    if (v > total / 4)
        v = total / 4;
    return v;
}

static void space_sample(sk_plog_space_t *sp, int64_t need)
{
    lm_dir_t *d = (lm_dir_t *)sp; /* space is lm_dir_t's first member */
    sk_logmgr_t *m = d->m;
    if (sp->state == SK_LOGDIR_OFFLINE)
        return;
    struct statvfs vs;
    if (statvfs(d->path, &vs) < 0) {
        sk_warn(MOD, "log dir %s: statvfs failed: %s", d->path, strerror(errno));
        return;
    }
    d->total = (int64_t)vs.f_blocks * (int64_t)vs.f_frsize;
    int64_t usable = (int64_t)vs.f_bavail * (int64_t)vs.f_frsize;
    sp->free_est = usable;
    sp->min_free = sk_logmgr_min_free_for(m->min_free_conf, d->total);
    char why[256];
    if (sp->state == SK_LOGDIR_ONLINE && sp->min_free > 0 && usable - need < sp->min_free) {
        snprintf(why, sizeof(why), "%" PRId64 " bytes free, below log.dir.min.free.bytes %" PRId64
                 "; produce to its partitions refused (NOT_ENOUGH_REPLICAS), followers stop "
                 "fetching into it", usable, sp->min_free);
        d->low_need = need;
        dir_set_state(d, SK_LOGDIR_LOW_SPACE, why);
    } else if (sp->state == SK_LOGDIR_LOW_SPACE &&
               (sp->min_free <= 0 ||
                usable - need - d->low_need >= sp->min_free + sp->min_free / 20)) {
        /* back once the append that was refused would fit, with 5 % to spare
         * (a follower's next fetch brings the same batch again) */
        snprintf(why, sizeof(why), "%" PRId64 " bytes free again (log.dir.min.free.bytes %" PRId64
                 "); writes resume", usable, sp->min_free);
        dir_set_state(d, SK_LOGDIR_ONLINE, why);
    }
}

/* An I/O error in a log of dir d (a write's EIO, a failed fsync): the dir
 * goes OFFLINE for good (Kafka's JBOD handling) and the broker is told. */
static void space_failed(sk_plog_space_t *sp, const char *log_dir, const char *what, int err)
{
    lm_dir_t *d = (lm_dir_t *)sp;
    sk_logmgr_t *m = d->m;
    if (sp->state == SK_LOGDIR_OFFLINE)
        return;
    char why[512];
    snprintf(why, sizeof(why), "%s failed in %s: %s; its partitions answer KAFKA_STORAGE_ERROR",
             what, log_dir, strerror(err));
    dir_set_state(d, SK_LOGDIR_OFFLINE, why);
    int online = 0;
    for (int i = 0; i < m->ndirs; i++)
        online += m->dirs[i].space.state != SK_LOGDIR_OFFLINE;
    if (m->offline_fn)
        m->offline_fn(d->idx, d->path, online, m->offline_arg);
}

void sk_logmgr_set_offline_cb(sk_logmgr_t *m, sk_logmgr_offline_fn fn, void *arg)
{
    m->offline_fn = fn;
    m->offline_arg = arg;
}

static void on_space_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_logmgr_sample_space((sk_logmgr_t *)arg);
}

void sk_logmgr_sample_space(sk_logmgr_t *m)
{
    for (int i = 0; i < m->ndirs; i++)
        space_sample(&m->dirs[i].space, 0);
}

void sk_logmgr_set_min_free_bytes(sk_logmgr_t *m, int64_t bytes, int64_t check_ms)
{
    m->min_free_conf = bytes;
    sk_logmgr_sample_space(m);
    if (m->base && !m->space_ev && check_ms > 0)
        m->space_ev = start_timer(m->base, check_ms, on_space_timer, m);
}

sk_logdir_state_t sk_logmgr_dir_state(const sk_logmgr_t *m, int i)
{
    return i >= 0 && i < m->ndirs ? m->dirs[i].space.state : SK_LOGDIR_OFFLINE;
}

void sk_logmgr_dir_guard(const sk_logmgr_t *m, int i, int64_t *free_est, int64_t *min_free,
                         uint64_t *refused)
{
    const sk_plog_space_t *sp = &m->dirs[i].space;
    *free_est = sp->free_est;
    *min_free = sp->min_free;
    *refused = sp->refused;
}

/* ---- log directories: DescribeLogDirs, AlterReplicaLogDirs ---- */

int sk_logmgr_dir_count(const sk_logmgr_t *m) { return m->ndirs; }

const char *sk_logmgr_dir_path(const sk_logmgr_t *m, int i)
{
    return i >= 0 && i < m->ndirs ? m->dirs[i].path : NULL;
}

int sk_logmgr_dir_find(const sk_logmgr_t *m, const char *path)
{
    for (int i = 0; i < m->ndirs; i++)
        if (!strcmp(m->dirs[i].path, path))
            return i;
    struct stat want;
    if (path[0] != '/' || stat(path, &want) < 0)
        return -1;
    for (int i = 0; i < m->ndirs; i++) {
        struct stat st;
        if (stat(m->dirs[i].path, &st) == 0 && st.st_dev == want.st_dev &&
            st.st_ino == want.st_ino)
            return i;
    }
    return -1;
}

void sk_logmgr_dir_space(const sk_logmgr_t *m, int i, int64_t *total, int64_t *usable)
{
    struct statvfs vs;
    *total = *usable = -1;
    if (i < 0 || i >= m->ndirs || statvfs(m->dirs[i].path, &vs) < 0)
        return;
    *total = (int64_t)vs.f_blocks * (int64_t)vs.f_frsize;
    *usable = (int64_t)vs.f_bavail * (int64_t)vs.f_frsize;
}

int sk_logmgr_log_dir(sk_logmgr_t *m, const char *topic, int32_t partition)
{
    lm_part_t *p = sk_logmgr_part_find(m, topic, partition);
    return p ? p->dir : -1;
}

void sk_logmgr_foreach_in_dir(sk_logmgr_t *m, int dir,
                              void (*fn)(const sk_logmgr_dirlog_t *l, void *arg), void *arg)
{
    for (size_t b = 0; b < m->nbuckets; b++)
        for (lm_part_t *p = m->buckets[b]; p; p = p->next) {
            int64_t leo = sk_plog_end_offset(p->log);
            if (p->dir == dir) {
                int64_t lag = p->hw >= 0 && p->hw > leo ? p->hw - leo : 0;
                sk_logmgr_dirlog_t l = {p->topic, p->partition, sk_plog_size_bytes(p->log), lag,
                                        0};
                fn(&l, arg);
            }
            if (p->future && p->future_dir == dir) {
                sk_logmgr_dirlog_t l = {p->topic, p->partition, sk_plog_size_bytes(p->future),
                                        leo - sk_plog_end_offset(p->future), 1};
                fn(&l, arg);
            }
        }
}
