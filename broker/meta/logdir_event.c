/* logdir_event.c - the LogDirFailure notification for the controller. */
#include "meta/logdir_event.h"

#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "zk.h"

#define MOD "logdir"
#define RETRY_MS 1000

typedef struct ev_write {
    sk_broker_t *b;
    struct event *retry;
    char json[64];
} ev_write_t;

int sk_logdir_event_json(int32_t broker_id, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "{\"version\":1,\"broker\":%" PRId32 ",\"event\":%d}", broker_id,
                     SK_LOGDIR_EVENT_FAILURE);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

static void ev_free(ev_write_t *w)
{
    if (w->retry)
        event_free(w->retry);
    free(w);
}

static void ev_send(ev_write_t *w);

static void ev_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ev_send(arg);
}

static void ev_created(int rc, const char *path, void *arg)
{
    ev_write_t *w = arg;
    if (rc == ZOK) {
        sk_info(MOD, "log dir failure notified to the controller: %s %s", path, w->json);
        ev_free(w);
        return;
    }
    if (w->b->stopping || !w->b->base) {
        sk_error(MOD, "could not write the log dir failure notification: %s (stopping)",
                 zerror(rc));
        ev_free(w);
        return;
    }
    sk_warn(MOD, "could not write the log dir failure notification: %s; again in %d ms",
            zerror(rc), RETRY_MS);
    if (!w->retry)
        w->retry = evtimer_new(w->b->base, ev_retry, w);
    struct timeval tv = {RETRY_MS / 1000, (RETRY_MS % 1000) * 1000};
    evtimer_add(w->retry, &tv);
}

static void ev_send(ev_write_t *w)
{
    if (!w->b->zk) {
        ev_created(ZCLOSING, NULL, w);
        return;
    }
    sk_zk_create(w->b->zk, SK_LOGDIR_EVENT_PREFIX, w->json, (int)strlen(w->json), ZOO_SEQUENCE,
                 ev_created, w);
}

void sk_logdir_event_notify(sk_broker_t *b)
{
    ev_write_t *w = sk_calloc(1, sizeof(*w));
    w->b = b;
    sk_logdir_event_json(b->id, w->json, sizeof(w->json));
    ev_send(w);
}
