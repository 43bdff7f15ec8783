/* ctlshutdown.c - controlled shutdown, broker side (see ctlshutdown.h). */
#include "replica/ctlshutdown.h"

#include "meta/broker_ctx.h"

#include "apis.h"
#include "arena.h"
#include "net/channel.h"
#include "clock.h"
#include "kbuf.h"
#include "kerr.h"
#include "proto_controlledshutdown.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSD_VERSION 3
#define IDLE_WAIT_MS 5000  /* own controller: wait this long for its requests */
/* The whole controlled shutdown ends by max.retries x retry.backoff.ms plus
 * this, whatever the controller or ZooKeeper do; the rest of the shutdown
 * then needs a few seconds more (deregistration is bounded separately). */
#define PHASE_EXTRA_MS 3000
#define WATCH_MS 100       /* how often an attempt checks its deadline and the controller */

struct sk_ctlsd_s {
    sk_broker_t *b;
    sk_ctlsd_stop_fn stop;  /* stops the broker once this is over */
    sk_ctlsd_state_t state; /* changed only by set_state() */
    int attempt;            /* 1-based number of the current (or last) attempt */
    int max_attempts;
    sk_chan_t *chan;        /* connection of the current attempt */
    struct event *timeout;  /* per-attempt watch: deadline, controller moved */
    int64_t deadline;       /* mono ms: the current attempt gives up */
    int32_t asked;          /* controller id the current attempt asked */
    struct event *next;     /* next step: retry, idle wait or finish */
    int64_t idle_deadline;  /* mono ms, while waiting for our own controller */
    int64_t phase_deadline; /* mono ms: the controlled shutdown gives up */
};

typedef struct csd_ctx {
    struct sk_ctlsd_s *st;
    int attempt;
} csd_ctx_t;

/* allowed[from][to]: the table of ctlshutdown.h. */
static const unsigned char csd_allowed[SK_CTLSD_N_STATES][SK_CTLSD_N_STATES] = {
    /*                       NOT_ST ASKING BACKOFF SUCC GAVE_UP DONE CANCELLED */
    [SK_CTLSD_NOT_STARTED] = {0,    1,     0,      0,   0,      0,   1},
    [SK_CTLSD_ASKING]      = {0,    0,     1,      1,   1,      0,   1},
    [SK_CTLSD_BACKOFF]     = {0,    1,     0,      0,   0,      0,   1},
    [SK_CTLSD_SUCCEEDED]   = {0,    0,     0,      0,   0,      1,   1},
    [SK_CTLSD_GAVE_UP]     = {0,    0,     0,      0,   0,      1,   1},
    [SK_CTLSD_DONE]        = {0,    0,     0,      0,   0,      0,   0},
    [SK_CTLSD_CANCELLED]   = {0,    0,     0,      0,   0,      0,   0},
};

static const char *const csd_names[SK_CTLSD_N_STATES] = {
    [SK_CTLSD_NOT_STARTED] = "NOT_STARTED",
    [SK_CTLSD_ASKING] = "ASKING",
    [SK_CTLSD_BACKOFF] = "BACKOFF",
    [SK_CTLSD_SUCCEEDED] = "SUCCEEDED",
    [SK_CTLSD_GAVE_UP] = "GAVE_UP",
    [SK_CTLSD_DONE] = "DONE",
    [SK_CTLSD_CANCELLED] = "CANCELLED",
};

int sk_ctlsd_state_allowed(sk_ctlsd_state_t from, sk_ctlsd_state_t to)
{
    if ((unsigned)from >= SK_CTLSD_N_STATES || (unsigned)to >= SK_CTLSD_N_STATES)
        return 0;
    return csd_allowed[from][to];
}

const char *sk_ctlsd_state_name(sk_ctlsd_state_t s)
{
    return (unsigned)s < SK_CTLSD_N_STATES ? csd_names[s] : "?";
}

/* The one place st->state changes: checked against the table and logged as
 * one line, the message (what happened) followed by the transition.
 * SK_OK, or SK_ESTATE (logged as an error, nothing changed). */
static int set_state(struct sk_ctlsd_s *st, sk_ctlsd_state_t to, sk_log_level_t level,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int set_state(struct sk_ctlsd_s *st, sk_ctlsd_state_t to, sk_log_level_t level,
                     const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sk_ctlsd_state_t from = st->state;
    if (!sk_ctlsd_state_allowed(from, to)) {
        sk_error("broker", "%s: controlled shutdown state %s -> %s refused", msg,
                 sk_ctlsd_state_name(from), sk_ctlsd_state_name(to));
        return SK_ESTATE;
    }
    st->state = to;
    SK_LOG_AT(level, "broker", "%s (controlled shutdown %s -> %s)", msg,
              sk_ctlsd_state_name(from), sk_ctlsd_state_name(to));
    return SK_OK;
}

static void step_after(struct sk_ctlsd_s *st, int64_t ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    evtimer_add(st->next, &tv);
}

static void release(struct sk_ctlsd_s *st)
{
    if (st->timeout)
        event_free(st->timeout);
    if (st->next)
        event_free(st->next);
    st->timeout = st->next = NULL;
    if (st->chan) {
        sk_chan_t *ch = st->chan;
        st->chan = NULL;
        sk_chan_free(ch); /* the pending request fails; its callback sees it stale */
    }
    free(st);
}

void sk_ctlsd_free(sk_broker_t *b)
{
    struct sk_ctlsd_s *st = b->ctlsd;
    if (!st)
        return;
    if (st->state != SK_CTLSD_DONE && st->state != SK_CTLSD_CANCELLED)
        set_state(st, SK_CTLSD_CANCELLED, SK_LOG_INFO, "controlled shutdown cancelled: the "
                  "broker stops");
    b->ctlsd = NULL;
    release(st);
}

/* An attempt ended (any outcome): next step from the timer, never from the
 * channel's own callback. */
static void attempt_over(struct sk_ctlsd_s *st, int success, const char *why)
{
    sk_broker_t *b = st->b;
    if (st->state != SK_CTLSD_ASKING)
        return;
    evtimer_del(st->timeout);
    if (success) {
        set_state(st, SK_CTLSD_SUCCEEDED, SK_LOG_INFO, "controlled shutdown attempt %d of %d "
                  "succeeded: no partition left to move", st->attempt, st->max_attempts);
        st->idle_deadline = sk_mono_ms() + IDLE_WAIT_MS;
        if (st->idle_deadline > st->phase_deadline)
            st->idle_deadline = st->phase_deadline;
        step_after(st, 0);
        return;
    }
    if (st->attempt < st->max_attempts &&
        sk_mono_ms() + b->conf->controlled_shutdown_retry_backoff_ms >= st->phase_deadline) {
        set_state(st, SK_CTLSD_GAVE_UP, SK_LOG_WARN, "controlled shutdown attempt %d of %d "
                  "failed: %s; no time left for another (controlled.shutdown.max.retries x "
                  "controlled.shutdown.retry.backoff.ms + %d ms)", st->attempt, st->max_attempts,
                  why, PHASE_EXTRA_MS);
        step_after(st, 0);
        return;
    }
    if (st->attempt < st->max_attempts) {
        set_state(st, SK_CTLSD_BACKOFF, SK_LOG_WARN, "controlled shutdown attempt %d of %d "
                  "failed: %s; retrying in %lld ms", st->attempt, st->max_attempts, why,
                  (long long)b->conf->controlled_shutdown_retry_backoff_ms);
        step_after(st, b->conf->controlled_shutdown_retry_backoff_ms);
    } else {
        set_state(st, SK_CTLSD_GAVE_UP, SK_LOG_WARN, "controlled shutdown attempt %d of %d "
                  "failed: %s", st->attempt, st->max_attempts, why);
        step_after(st, 0);
    }
}

static void resp_cb(int rc, const uint8_t *body, size_t len, void *arg)
{
    csd_ctx_t *ctx = arg;
    struct sk_ctlsd_s *st = ctx->st;
    int attempt = ctx->attempt;
    free(ctx);
    if (!st || st->b->ctlsd != st || attempt != st->attempt || st->state != SK_CTLSD_ASKING)
        return;
    if (rc != SK_OK) {
        attempt_over(st, 0, "connection to the controller lost");
        return;
    }
    sk_arena_t *a = sk_arena_new(0);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_controlledshutdown_resp_t resp;
    char why[300];
    if (sk_controlledshutdown_resp_decode(&r, CSD_VERSION, a, &resp) != SK_OK) {
        attempt_over(st, 0, "malformed response from the controller");
    } else if (resp.ErrorCode != SK_KERR_NONE) {
        snprintf(why, sizeof(why), "controller answered %s", sk_kerr_name(resp.ErrorCode));
        attempt_over(st, 0, why);
    } else if (resp.RemainingPartitionsCnt > 0) {
        const sk_controlledshutdown_resp_remaining_partition_t *p = &resp.RemainingPartitions[0];
        snprintf(why, sizeof(why), "%d partition(s) still led by this broker (first %.*s-%d)",
                 resp.RemainingPartitionsCnt, p->TopicName.len > 0 ? (int)p->TopicName.len : 0,
                 p->TopicName.p ? p->TopicName.p : "", p->PartitionIndex);
        attempt_over(st, 0, why);
    } else {
        attempt_over(st, 1, NULL);
    }
    sk_arena_free(a);
}

static void attempt(struct sk_ctlsd_s *st)
{
    sk_broker_t *b = st->b;
    st->attempt++;
    const sk_live_broker_t *ctl = NULL;
    sk_live_broker_t self = {0};
    for (int i = 0; b->controller_id >= 0 && i < b->n_live; i++)
        if (b->live[i].id == b->controller_id)
            ctl = &b->live[i];
    if (!ctl && b->controller_id == b->id && b->n_endpoints > 0) {
        /* We are the controller and have no UpdateMetadata yet: our own endpoint. */
        const sk_zkb_endpoint_t *ep = &b->endpoints[0];
        for (int i = 0; i < b->n_endpoints; i++)
            if (b->conf->inter_broker_listener_name &&
                strcmp(b->endpoints[i].listener, b->conf->inter_broker_listener_name) == 0)
                ep = &b->endpoints[i];
        self.id = b->id;
        self.host = (char *)(ep->host && ep->host[0] ? ep->host : "localhost");
        self.port = ep->port;
        ctl = &self;
    }
    if (!ctl) {
        set_state(st, SK_CTLSD_ASKING, SK_LOG_INFO, "controlled shutdown attempt %d of %d: no "
                  "reachable controller", st->attempt, st->max_attempts);
        attempt_over(st, 0, "no active controller known");
        return;
    }
    char cid[48];
    snprintf(cid, sizeof(cid), "skein-shutdown-%d", b->id);
    st->chan = sk_chan_new(b->base, cid);
    sk_chan_set_broker(st->chan, ctl->id, ctl->host, ctl->port);
    sk_controlledshutdown_req_t req;
    sk_controlledshutdown_req_init(&req);
    req.BrokerId = b->id;
    req.BrokerEpoch = b->broker_epoch;
    sk_wr_t w;
    sk_wr_init(&w);
    if (sk_controlledshutdown_req_encode(&w, CSD_VERSION, &req) != SK_OK) {
        sk_wr_free(&w);
        set_state(st, SK_CTLSD_ASKING, SK_LOG_WARN, "controlled shutdown attempt %d of %d: "
                  "the request to controller %d cannot be encoded", st->attempt,
                  st->max_attempts, ctl->id);
        attempt_over(st, 0, "encoding the request failed");
        return;
    }
    set_state(st, SK_CTLSD_ASKING, SK_LOG_INFO, "controlled shutdown attempt %d of %d: asking "
              "controller %d (broker epoch %lld)", st->attempt, st->max_attempts, ctl->id,
              (long long)b->broker_epoch);
    csd_ctx_t *ctx = sk_calloc(1, sizeof(*ctx));
    ctx->st = st;
    ctx->attempt = st->attempt;
    int64_t ms = b->conf->controller_socket_timeout_ms > 0 ? b->conf->controller_socket_timeout_ms
                                                          : 30000;
    st->deadline = sk_mono_ms() + ms;
    if (st->deadline > st->phase_deadline)
        st->deadline = st->phase_deadline;
    st->asked = ctl->id;
    struct timeval tv = {0, WATCH_MS * 1000};
    evtimer_add(st->timeout, &tv);
    sk_chan_send(st->chan, ctl->id, SK_API_CONTROLLED_SHUTDOWN, CSD_VERSION, &w, resp_cb, ctx);
}

static void finish(struct sk_ctlsd_s *st)
{
    sk_broker_t *b = st->b;
    sk_ctlsd_stop_fn stop = st->stop;
    if (st->state == SK_CTLSD_SUCCEEDED)
        set_state(st, SK_CTLSD_DONE, SK_LOG_INFO, "controlled shutdown succeeded; shutting down");
    else
        set_state(st, SK_CTLSD_DONE, SK_LOG_WARN, "controlled shutdown failed after %d "
                  "attempt(s); shutting down anyway", st->attempt);
    sk_ctlsd_free(b);
    stop(b, 0);
}

static void next_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct sk_ctlsd_s *st = arg;
    sk_broker_t *b = st->b;
    if (st->chan) {
        sk_chan_t *ch = st->chan;
        st->chan = NULL;
        sk_chan_free(ch);
    }
    switch (st->state) {
    case SK_CTLSD_SUCCEEDED:
        /* This broker is the controller: let its LeaderAndIsr and
         * UpdateMetadata requests reach the brokers before it stops. */
        if (b->ctrl && !sk_ctrl_idle(b->ctrl) && sk_mono_ms() < st->idle_deadline) {
            step_after(st, 50);
            return;
        }
        finish(st);
        return;
    case SK_CTLSD_BACKOFF:
        attempt(st);
        return;
    case SK_CTLSD_GAVE_UP:
        finish(st);
        return;
    default:
        /* not armed in any other state; stop rather than hang */
        sk_error("broker", "controlled shutdown: next step in state %s",
                 sk_ctlsd_state_name(st->state));
        finish(st);
        return;
    }
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct sk_ctlsd_s *st = arg;
    char why[96];
    if (st->state != SK_CTLSD_ASKING)
        return;
    if (st->b->controller_id != st->asked) {
        /* The controller we asked is gone or deposed: do not wait for it. */
        snprintf(why, sizeof(why), "controller %d is no longer the controller (now %d)",
                 st->asked, st->b->controller_id);
        attempt_over(st, 0, why);
        return;
    }
    if (sk_mono_ms() >= st->deadline) {
        if (st->deadline >= st->phase_deadline)
            snprintf(why, sizeof(why), "no answer before the controlled shutdown's time ran out");
        else
            snprintf(why, sizeof(why), "no answer within controller.socket.timeout.ms (%d ms)",
                     st->b->conf->controller_socket_timeout_ms);
        attempt_over(st, 0, why);
        return;
    }
    struct timeval tv = {0, WATCH_MS * 1000};
    evtimer_add(st->timeout, &tv);
}

int sk_ctlsd_signal(sk_broker_t *b, int sig, sk_ctlsd_stop_fn stop)
{
    if (b->ctlsd) {
        set_state(b->ctlsd, SK_CTLSD_CANCELLED, SK_LOG_INFO, "second signal %d during "
                  "controlled shutdown: shutting down now", sig);
        sk_ctlsd_free(b);
        stop(b, 0);
        return 1;
    }
    if (!b->conf->controlled_shutdown_enable) {
        sk_info("broker", "controlled.shutdown.enable=false: no ControlledShutdown sent");
        return 0;
    }
    if (!b->registered || !b->zk || !b->serving ||
        b->conf->controlled_shutdown_max_retries <= 0) {
        sk_info("broker", "no ControlledShutdown sent: %s",
                !b->registered ? "not registered"
                : !b->serving  ? "not serving yet"
                               : "controlled.shutdown.max.retries is 0");
        return 0;
    }
    sk_info("broker", "received signal %d: controlled shutdown first (leaderships move to "
            "other replicas)", sig);
    struct sk_ctlsd_s *st = sk_calloc(1, sizeof(*st));
    st->b = b;
    st->stop = stop;
    st->state = SK_CTLSD_NOT_STARTED;
    st->max_attempts = b->conf->controlled_shutdown_max_retries;
    int64_t backoff = b->conf->controlled_shutdown_retry_backoff_ms;
    int64_t budget = backoff > (INT64_MAX / 4) / st->max_attempts
                         ? INT64_MAX / 4
                         : (int64_t)st->max_attempts * backoff + PHASE_EXTRA_MS;
    st->phase_deadline = sk_mono_ms() + budget;
    st->timeout = evtimer_new(b->base, timeout_cb, st);
    st->next = evtimer_new(b->base, next_cb, st);
    b->ctlsd = st;
    attempt(st);
    return 1;
}
