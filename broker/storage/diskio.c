/* diskio.c - blocking-job worker pool with completions posted to the loop. */
#include "storage/diskio.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>

#include "mem.h"

typedef struct job {
    struct job *next;
    sk_diskio_fn work;
    sk_diskio_done_fn done;
    void *arg;
} job_t;

typedef struct jobq {
    job_t *head, *tail;
} jobq_t;

struct sk_diskio_s {
    pthread_mutex_t mu;
    pthread_cond_t cv_work; /* workers wait for jobs */
    pthread_cond_t cv_idle; /* barrier waits for queue empty and nothing running */
    jobq_t todo, done;
    int running;
    int stopping;
    int nthreads;
    pthread_t *threads;
    struct event *ev;
};

static void q_push(jobq_t *q, job_t *j)
{
    j->next = NULL;
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
}

static job_t *q_pop(jobq_t *q)
{
    job_t *j = q->head;
    if (j) {
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
    }
    return j;
}

/* Runs (on the calling thread) every completed job's done callback. */
static void run_done(sk_diskio_t *io)
{
    pthread_mutex_lock(&io->mu);
    job_t *list = io->done.head;
    io->done.head = io->done.tail = NULL;
    pthread_mutex_unlock(&io->mu);
    while (list) {
        job_t *next = list->next;
        if (list->done)
            list->done(list->arg);
        free(list);
        list = next;
    }
}

static void on_done_event(evutil_socket_t fd, short what, void *arg)
{
    run_done(arg);
}

static void *worker_main(void *arg)
{
    sk_diskio_t *io = arg;
    pthread_mutex_lock(&io->mu);
    for (;;) {
        while (!io->todo.head && !io->stopping)
            pthread_cond_wait(&io->cv_work, &io->mu);
        job_t *j = q_pop(&io->todo);
        if (!j)
            break; /* stopping and queue drained */
        io->running++;
        pthread_mutex_unlock(&io->mu);
        if (j->work)
            j->work(j->arg);
        pthread_mutex_lock(&io->mu);
        io->running--;
        q_push(&io->done, j);
        if (!io->todo.head && io->running == 0)
            pthread_cond_broadcast(&io->cv_idle);
        if (io->ev) {
            /* outside our mutex: event_active takes the base lock */
            pthread_mutex_unlock(&io->mu);
            event_active(io->ev, EV_TIMEOUT, 0);
            pthread_mutex_lock(&io->mu);
        }
    }
    pthread_mutex_unlock(&io->mu);
    return NULL;
}

sk_diskio_t *sk_diskio_new(struct event_base *base, int nthreads)
{
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > 16)
        nthreads = 16;
    sk_diskio_t *io = sk_calloc(1, sizeof(*io));
    pthread_mutex_init(&io->mu, NULL);
    pthread_cond_init(&io->cv_work, NULL);
    pthread_cond_init(&io->cv_idle, NULL);
    if (base)
        io->ev = event_new(base, -1, 0, on_done_event, io);
    io->threads = sk_calloc((size_t)nthreads, sizeof(pthread_t));
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&io->threads[i], NULL, worker_main, io) != 0)
            break;
        io->nthreads++;
    }
    return io;
}

void sk_diskio_submit(sk_diskio_t *io, sk_diskio_fn work, sk_diskio_done_fn done, void *arg)
{
    job_t *j = sk_calloc(1, sizeof(*j));
    j->work = work;
    j->done = done;
    j->arg = arg;
    if (io->nthreads == 0 || io->stopping) {
        /* No worker (none could start, or we are shutting down and a done
         * callback queued more work): run inline rather than lose the job. */
        if (work)
            work(arg);
        pthread_mutex_lock(&io->mu);
        q_push(&io->done, j);
        pthread_mutex_unlock(&io->mu);
        if (io->ev && !io->stopping)
            event_active(io->ev, EV_TIMEOUT, 0);
        return;
    }
    pthread_mutex_lock(&io->mu);
    q_push(&io->todo, j);
    pthread_cond_signal(&io->cv_work);
    pthread_mutex_unlock(&io->mu);
}

void sk_diskio_barrier(sk_diskio_t *io)
{
    pthread_mutex_lock(&io->mu);
    while (io->todo.head || io->running > 0)
        pthread_cond_wait(&io->cv_idle, &io->mu);
    pthread_mutex_unlock(&io->mu);
    run_done(io);
}

int sk_diskio_pending(sk_diskio_t *io)
{
    int n = 0;
    pthread_mutex_lock(&io->mu);
    for (job_t *j = io->todo.head; j; j = j->next)
        n++;
    n += io->running;
    pthread_mutex_unlock(&io->mu);
    return n;
}

void sk_diskio_free(sk_diskio_t *io)
{
    if (!io)
        return;
    pthread_mutex_lock(&io->mu);
    io->stopping = 1;
    pthread_cond_broadcast(&io->cv_work);
    pthread_mutex_unlock(&io->mu);
    for (int i = 0; i < io->nthreads; i++)
        pthread_join(io->threads[i], NULL);
    /* Done callbacks may submit more work; with stopping set it runs inline
     * and its completion lands in the done queue, so loop until empty. */
    for (;;) {
        pthread_mutex_lock(&io->mu);
        int empty = !io->done.head;
        pthread_mutex_unlock(&io->mu);
        if (empty)
            break;
        run_done(io);
    }
    if (io->ev)
        event_free(io->ev);
    free(io->threads);
    pthread_cond_destroy(&io->cv_idle);
    pthread_cond_destroy(&io->cv_work);
    pthread_mutex_destroy(&io->mu);
    free(io);
}
