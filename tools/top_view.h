/* top_view.h - what skein-top shows: a broker's scrape boiled down to the
 * figures of the view (counters, gauges, consumer-group lags), and a frame
 * drawn from two scrapes of every broker (rates are the counters' deltas
 * over the time between the scrapes).
 * @locality any
 */
#ifndef SK_TOP_VIEW_H
#define SK_TOP_VIEW_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sk_top_lag {
    char *group, *topic;
    int32_t partition;
    int64_t lag;
} sk_top_lag_t;

/* One scrape of one broker. */
typedef struct sk_top_snap {
    int up;            /* 0: not answered (error says why) */
    char error[256];
    double t;          /* monotonic seconds when it was taken */
    /* counters, summed over their labels */
    double bytes_in, bytes_out, messages_in, requests, repl_bytes_in, repl_bytes_out;
    /* gauges */
    int64_t partitions, leaders, under_replicated, under_min_isr, offline, active_controller;
    sk_top_lag_t *lags;
    int n_lags, cap_lags;
} sk_top_snap_t;

/* Fill s from a /metrics body (s->t and s->up are the caller's). 0, or -1
 * with err set and nothing kept (a malformed scrape is not half-used). */
int sk_top_snap_parse(sk_top_snap_t *s, const char *body, size_t len, char *err, size_t errlen);
/* Release s's lags and zero it. */
void sk_top_snap_clear(sk_top_snap_t *s);

typedef struct sk_top_broker {
    const char *label;       /* shown in the BROKER column */
    sk_top_snap_t prev, cur; /* the previous and the latest scrape */
} sk_top_broker_t;

/* Draw one frame to f: a header (time, brokers up/down, the active
 * controller, cluster totals), one row per broker, and the top_lags largest
 * consumer-group lags. tty: clear the screen first and highlight. */
void sk_top_frame(FILE *f, const sk_top_broker_t *b, int n, int top_lags, int tty);

#endif
