/* diskio.h - a small worker pool for blocking disk work (fsync, unlink,
 * index rebuild, checkpoint files) that reports completions back to the loop.
 *
 * work(arg) runs on a worker thread and must not touch loop-owned state;
 * done(arg) runs afterwards on the loop thread (via event_active on an
 * internal event). Jobs may run concurrently (nthreads > 1) and complete out
 * of order. event_active from another thread needs evthread_use_pthreads()
 * before the base was created.
 * With base == NULL (tools, tests) done callbacks are only run by
 * sk_diskio_barrier() and sk_diskio_free().
 */
#ifndef SK_DISKIO_H
#define SK_DISKIO_H

struct event_base;

typedef struct sk_diskio_s sk_diskio_t;
typedef void (*sk_diskio_fn)(void *arg);      /* runs on a worker */
typedef void (*sk_diskio_done_fn)(void *arg); /* runs on the loop afterwards */

/* nthreads is clamped to 1..16. @locality loop */
sk_diskio_t *sk_diskio_new(struct event_base *base, int nthreads);
/* Finishes queued jobs, joins the workers, runs the remaining done
 * callbacks on the calling thread, frees. NULL is a no-op. @locality loop */
void sk_diskio_free(sk_diskio_t *io);
/* Queue a job. work or done may be NULL. @locality loop */
void sk_diskio_submit(sk_diskio_t *io, sk_diskio_fn work, sk_diskio_done_fn done, void *arg);
/* Block until every job submitted so far has finished on the workers, then
 * run all pending done callbacks on the calling thread. Used on shutdown
 * paths that must not race with queued jobs. @locality loop */
void sk_diskio_barrier(sk_diskio_t *io);
/* Jobs queued or running (for tests and metrics). @locality any */
int sk_diskio_pending(sk_diskio_t *io);

#endif
