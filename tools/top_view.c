/* top_view.c - skein-top's figures and frame (see top_view.h). */
#include "top_view.h"

#include "mem.h"
#include "promparse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sk_top_snap_clear(sk_top_snap_t *s)
{
    for (int i = 0; i < s->n_lags; i++) {
        free(s->lags[i].group);
        free(s->lags[i].topic);
    }
    free(s->lags);
    memset(s, 0, sizeof(*s));
}

/* Counters summed over their labels, by sample name. */
static const struct {
    const char *name;
    size_t off;
} counters[] = {
    {"kafka_server_brokertopicmetrics_bytesin_total", offsetof(sk_top_snap_t, bytes_in)},
    {"kafka_server_brokertopicmetrics_bytesout_total", offsetof(sk_top_snap_t, bytes_out)},
    {"kafka_server_brokertopicmetrics_messagesin_total", offsetof(sk_top_snap_t, messages_in)},
    {"kafka_network_requestmetrics_requests_total", offsetof(sk_top_snap_t, requests)},
    {"kafka_server_brokertopicmetrics_replicationbytesin_total",
     offsetof(sk_top_snap_t, repl_bytes_in)},
    {"kafka_server_brokertopicmetrics_replicationbytesout_total",
     offsetof(sk_top_snap_t, repl_bytes_out)},
};

static const struct {
    const char *name;
    size_t off;
} gauges[] = {
    {"kafka_server_replicamanager_partitioncount", offsetof(sk_top_snap_t, partitions)},
    {"kafka_server_replicamanager_leadercount", offsetof(sk_top_snap_t, leaders)},
    {"kafka_server_replicamanager_underreplicatedpartitions",
     offsetof(sk_top_snap_t, under_replicated)},
    {"kafka_server_replicamanager_underminisrpartitioncount",
     offsetof(sk_top_snap_t, under_min_isr)},
    {"kafka_controller_kafkacontroller_offlinepartitionscount", offsetof(sk_top_snap_t, offline)},
    {"kafka_controller_kafkacontroller_activecontrollercount",
     offsetof(sk_top_snap_t, active_controller)},
};

static int64_t to_i64(double v)
{
    if (isnan(v))
        return 0;
    if (v >= 9.2e18)
        return INT64_MAX;
    if (v <= -9.2e18)
        return INT64_MIN;
    return (int64_t)v;
}

/* A copy safe to print on a terminal: control bytes (escape sequences in a
 * group or topic name) become '?'. */
static char *printable(const char *s)
{
    char *d = sk_strdup(s);
    for (char *c = d; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return d;
}

static int take_sample(const sk_promparse_sample_t *x, void *arg)
{
    sk_top_snap_t *s = arg;
    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
        if (!strcmp(x->name, counters[i].name)) {
            if (isfinite(x->value) && x->value >= 0)
                *(double *)((char *)s + counters[i].off) += x->value;
            return 0;
        }
    for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++)
        if (!strcmp(x->name, gauges[i].name)) {
            *(int64_t *)((char *)s + gauges[i].off) = to_i64(x->value);
            return 0;
        }
    if (strcmp(x->name, "kafka_consumergroup_lag"))
        return 0;
    const char *g = sk_promparse_label(x, "group"), *t = sk_promparse_label(x, "topic"),
               *p = sk_promparse_label(x, "partition");
    char *end;
    long part = p ? strtol(p, &end, 10) : -1;
    if (!g || !t || !p || !*p || *end || part < 0 || part > INT32_MAX)
        return 0; /* not a series skein-top knows how to show */
    if (s->n_lags == s->cap_lags) {
        s->cap_lags = s->cap_lags ? s->cap_lags * 2 : 16;
        s->lags = sk_realloc(s->lags, (size_t)s->cap_lags * sizeof(*s->lags));
    }
    sk_top_lag_t *l = &s->lags[s->n_lags++];
    l->group = printable(g);
    l->topic = printable(t);
    l->partition = (int32_t)part;
    l->lag = to_i64(x->value);
    return 0;
}

int sk_top_snap_parse(sk_top_snap_t *s, const char *body, size_t len, char *err, size_t errlen)
{
    double t = s->t;
    int up = s->up;
    sk_top_snap_clear(s);
    s->t = t;
    s->up = up;
    if (sk_promparse(body, len, take_sample, s, err, errlen) != 0) {
        sk_top_snap_clear(s);
        s->t = t;
        return -1;
    }
    return 0;
}

/* ---- the frame ---- */

/* A rate as shown: "-" when unknown, else with a k/M/G suffix. */
static void fmt_rate(char *out, size_t n, double v, int known)
{
    if (!known)
        snprintf(out, n, "-");
    else if (v < 1000)
        snprintf(out, n, "%.1f", v);
    else if (v < 1e6)
        snprintf(out, n, "%.1fk", v / 1e3);
    else if (v < 1e9)
        snprintf(out, n, "%.1fM", v / 1e6);
    else
        snprintf(out, n, "%.1fG", v / 1e9);
}

/* Per second between prev and cur; a counter that went down (a restart)
 * counts from zero, as Prometheus' rate() does. */
static double per_sec(const sk_top_broker_t *b, size_t off)
{
    double c = *(const double *)((const char *)&b->cur + off);
    double p = *(const double *)((const char *)&b->prev + off);
    double dt = b->cur.t - b->prev.t;
    if (dt <= 0)
        return 0;
    return (c >= p ? c - p : c) / dt;
}

typedef struct lag_row {
    const sk_top_lag_t *l;
    const char *broker;
} lag_row_t;

static int lag_cmp(const void *a, const void *b)
{
    const lag_row_t *x = a, *y = b;
    if (x->l->lag != y->l->lag)
        return x->l->lag > y->l->lag ? -1 : 1;
    int c = strcmp(x->l->group, y->l->group);
    if (c)
        return c;
    c = strcmp(x->l->topic, y->l->topic);
    if (c)
        return c;
    return (x->l->partition > y->l->partition) - (x->l->partition < y->l->partition);
}

static int width(const char *head, const sk_top_broker_t *b, int n)
{
    int w = (int)strlen(head);
    for (int i = 0; i < n; i++)
        if ((int)strlen(b[i].label) > w)
            w = (int)strlen(b[i].label);
    return w;
}

void sk_top_frame(FILE *f, const sk_top_broker_t *b, int n, int top_lags, int tty)
{
    int up = 0, controllers = 0;
    int64_t leaders = 0, partitions = 0, urp = 0, under_min = 0, offline = 0;
    const char *ctrl = NULL;
    for (int i = 0; i < n; i++) {
        if (!b[i].cur.up)
            continue;
        up++;
        leaders += b[i].cur.leaders;
        partitions += b[i].cur.partitions;
        urp += b[i].cur.under_replicated;
        under_min += b[i].cur.under_min_isr;
        if (b[i].cur.active_controller > 0) {
            controllers++;
            ctrl = b[i].label;
            offline += b[i].cur.offline;
        }
    }
    char when[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
    if (tty)
        fputs("\033[H\033[2J\033[1m", f);
    fprintf(f, "skein-top  %s  brokers: %d up, %d down  controller: %s\n", when, up, n - up,
            controllers == 1 ? ctrl : controllers == 0 ? "none" : "several");
    if (tty)
        fputs("\033[0m", f);
    fprintf(f,
            "partitions: %lld leaders, %lld replicas  under-replicated: %lld  under-min-isr: "
            "%lld  offline: %lld\n\n",
            (long long)leaders, (long long)partitions, (long long)urp, (long long)under_min,
            (long long)offline);

    int bw = width("BROKER", b, n);
    if (tty)
        fputs("\033[7m", f);
    fprintf(f, "%-*s  %-6s %11s %11s %11s %11s %8s %10s %16s %13s %10s", bw, "BROKER", "STATUS",
            "BYTES-IN/S", "BYTES-OUT/S", "MSGS-IN/S", "REQUESTS/S", "LEADERS", "PARTITIONS",
            "UNDER-REPLICATED", "UNDER-MIN-ISR", "CONTROLLER");
    if (tty)
        fputs("\033[0m", f);
    fputc('\n', f);
    for (int i = 0; i < n; i++) {
        const sk_top_snap_t *c = &b[i].cur;
        if (!c->up) {
            fprintf(f, "%-*s  %-6s %s\n", bw, b[i].label, "down", c->error);
            continue;
        }
        int known = b[i].prev.up && b[i].cur.t > b[i].prev.t;
        char in[24], out[24], msgs[24], reqs[24];
        fmt_rate(in, sizeof(in), per_sec(&b[i], offsetof(sk_top_snap_t, bytes_in)), known);
        fmt_rate(out, sizeof(out), per_sec(&b[i], offsetof(sk_top_snap_t, bytes_out)), known);
        fmt_rate(msgs, sizeof(msgs), per_sec(&b[i], offsetof(sk_top_snap_t, messages_in)), known);
        fmt_rate(reqs, sizeof(reqs), per_sec(&b[i], offsetof(sk_top_snap_t, requests)), known);
        fprintf(f, "%-*s  %-6s %11s %11s %11s %11s %8lld %10lld %16lld %13lld %10s\n", bw,
                b[i].label, "up", in, out, msgs, reqs, (long long)c->leaders,
                (long long)c->partitions, (long long)c->under_replicated,
                (long long)c->under_min_isr, c->active_controller > 0 ? "yes" : "no");
    }

    size_t nrows = 0;
    for (int i = 0; i < n; i++)
        if (b[i].cur.up)
            nrows += (size_t)b[i].cur.n_lags;
    fprintf(f, "\nconsumer-group lag: %zu partitions with a committed offset, the %d largest\n",
            nrows, top_lags);
    if (nrows && top_lags > 0) {
        lag_row_t *rows = sk_malloc(nrows * sizeof(*rows));
        size_t k = 0;
        int gw = (int)strlen("GROUP"), tw = (int)strlen("TOPIC");
        for (int i = 0; i < n; i++)
            for (int j = 0; b[i].cur.up && j < b[i].cur.n_lags; j++)
                rows[k++] = (lag_row_t){&b[i].cur.lags[j], b[i].label};
        qsort(rows, nrows, sizeof(*rows), lag_cmp);
        size_t shown = nrows < (size_t)top_lags ? nrows : (size_t)top_lags;
        for (size_t r = 0; r < shown; r++) {
            if ((int)strlen(rows[r].l->group) > gw)
                gw = (int)strlen(rows[r].l->group);
            if ((int)strlen(rows[r].l->topic) > tw)
                tw = (int)strlen(rows[r].l->topic);
        }
        fprintf(f, "%-*s  %-*s  %9s  %12s  %s\n", gw, "GROUP", tw, "TOPIC", "PARTITION", "LAG",
                "COORDINATOR");
        for (size_t r = 0; r < shown; r++)
            fprintf(f, "%-*s  %-*s  %9d  %12lld  %s\n", gw, rows[r].l->group, tw,
                    rows[r].l->topic, (int)rows[r].l->partition, (long long)rows[r].l->lag,
                    rows[r].broker);
        free(rows);
    }
    if (!tty)
        fputc('\n', f);
    fflush(f);
}
