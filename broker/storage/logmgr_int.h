/* logmgr_int.h - private to storage/logmgr.c and storage/logmove.c: the log
 * manager's tables, and what each of the two files offers the other.
 * Nothing outside broker/storage/logmgr*.c and logmove.c includes it.
 * @locality loop
 */
#ifndef SK_LOGMGR_INT_H
#define SK_LOGMGR_INT_H
#include <event2/event.h>
#include <stdint.h>

#include "storage/checkpoint.h"
#include "storage/diskio.h"
#include "storage/logmgr.h"
#include "storage/logmove.h"
#include "storage/plog.h"

#define SK_LOGMGR_MOD "logmgr"

typedef struct lm_part {
    struct lm_part *next; /* hash chain */
    char *topic;
    int32_t partition;
    int dir;
    sk_plog_t *log;
    int64_t hw; /* -1 if unknown */
    sk_plog_t *future; /* AlterReplicaLogDirs: the copy in dirs[future_dir], or NULL */
    int future_dir;
    int64_t future_unflushed; /* bytes copied since its last flush was asked for */
    sk_logmove_state_t move_state; /* changed only by logmove.c's move_set */
} lm_part_t;

typedef struct lm_dir {
    sk_plog_space_t space; /* first: the logs' guard pointer is the dir's */
    struct sk_logmgr_s *m;
    int idx;
    char *path;
    sk_meta_props_t meta;
    int nparts;
    int lock_fd; /* holds flock(LOCK_EX) on <path>/.lock while open; -1 if none */
    int64_t total;          /* filesystem size at the last sample, -1 unknown */
    int64_t low_need;       /* LOW_SPACE: the append that found the dir short */
    uint64_t refused;       /* appends refused by the guard in this dir */
} lm_dir_t;

struct sk_logmgr_s {
    struct event_base *base;
    sk_diskio_t *io;
    lm_dir_t *dirs;
    int ndirs;
    int32_t broker_id;
    sk_plog_config_t defaults;
    lm_part_t **buckets;
    size_t nbuckets, count;
    struct event *flush_ev, *ckpt_ev, *retention_ev;
    /* the log cleaner */
    sk_diskio_t *cleaner_io;
    struct event *cleaner_ev, *cleaner_now_ev;
    int cleaner_threads;
    int64_t cleaner_backoff_ms;
    int64_t cleaner_map_bytes; /* per pass */
    struct lm_clean *cleaning; /* passes in flight */
    struct event *pid_expiry_ev;
    int64_t pid_expiration_ms;
    int ckpt_inflight;
    int ckpt_again; /* checkpoint wanted while one was in flight */
    /* moves between log dirs */
    struct event *moves_ev;
    int nmoves;
    sk_logmgr_moved_fn moved_fn;
    void *moved_arg;
    struct lm_found_future *found; /* -future dirs seen at open */
    struct lm_pref *prefs;         /* dirs asked for partitions without a log yet */
    int nprefs;
    /* the space guard (log.dir.min.free.bytes) */
    int64_t min_free_conf; /* as configured; -1 = auto per filesystem */
    sk_logmgr_offline_fn offline_fn;
    void *offline_arg;
    struct event *space_ev;
};

/* ---- logmgr.c: the partition table and the checkpoints ---- */
lm_part_t *sk_logmgr_part_find(const sk_logmgr_t *m, const char *topic, int32_t partition);
void sk_logmgr_part_insert(sk_logmgr_t *m, lm_part_t *p);
void sk_logmgr_part_unlink(sk_logmgr_t *m, lm_part_t *p);
void sk_logmgr_part_free(lm_part_t *p);
/* Write the checkpoints soon (log-start-offset and the like). */
void sk_logmgr_ckpt_async(sk_logmgr_t *m);

/* ---- logmove.c: moves between log dirs (AlterReplicaLogDirs) ---- */
/* Whether a dir entry is a future log ("<topic>-<p>.<32 hex>-future"). */
int sk_logmove_is_future_name(const char *nm);
/* At open: remember a future dir found in dir di ... */
void sk_logmove_note_future(sk_logmgr_t *m, int di, const char *nm, const char *full);
/* ... and, once every dir is read, resume those moves or complete a swap
 * a crash interrupted. 0 or an SK_E* code with err. */
int sk_logmove_adopt(sk_logmgr_t *m, char *err, size_t errlen);
/* Run the copy timer while moves are under way. */
void sk_logmove_arm(sk_logmgr_t *m);
/* Abandon p's move (its future log deleted). */
void sk_logmove_drop(sk_logmgr_t *m, lm_part_t *p, const char *why);
/* The dir AlterReplicaLogDirs asked for a partition without a log here,
 * taken once (-1 if none). */
int sk_logmove_take_pref(sk_logmgr_t *m, const char *topic, int32_t partition);
/* Free what the open and the requests left (at close). */
void sk_logmove_free_found(sk_logmgr_t *m);
void sk_logmove_free_prefs(sk_logmgr_t *m);

#endif
