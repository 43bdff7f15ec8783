/* logmove.h - the lifecycle of a move of a partition's log to another log
 * dir (AlterReplicaLogDirs, storage/logmove.c; the API is logmgr.h's
 * sk_logmgr_move / sk_logmgr_run_moves).
 *
 * One state per partition, changed in one function that logs one line per
 * transition ("<t>-<p>: what happened (move FROM -> TO)") and refuses, as an
 * error, a transition not in the table:
 *
 *   NONE     -> COPYING   a move asked for (a -future log created in the
 *                         target dir), or one found at start resumed
 *   COPYING  -> NONE      abandoned: another dir asked for, the copy failed,
 *                         the partition's log deleted
 *   COPYING  -> SWAPPING  the future log caught up with the current one
 *                         (checked and swapped in the same loop turn)
 *   SWAPPING -> NONE      swapped in (the partition has its new log), or
 *                         failed (the flush: abandoned; the reopen: no log
 *                         until the next start)
 *
 * tests/unit/check_logmgr_move.c compares the table with this one.
 * @locality loop
 */
#ifndef SK_LOGMOVE_H
#define SK_LOGMOVE_H

typedef enum {
    SK_LOGMOVE_NONE = 0,
    SK_LOGMOVE_COPYING,
    SK_LOGMOVE_SWAPPING,
    SK_LOGMOVE_N_STATES
} sk_logmove_state_t;

const char *sk_logmove_state_name(sk_logmove_state_t s);
/* Whether from -> to is in the table above. */
int sk_logmove_allowed(sk_logmove_state_t from, sk_logmove_state_t to);

#endif
