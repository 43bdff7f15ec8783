/* prom.c - Prometheus text format writer (see prom.h). */
#include "prom.h"

#include "mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sk_prom_init(sk_prom_t *p)
{
    memset(p, 0, sizeof(*p));
}

void sk_prom_free(sk_prom_t *p)
{
    free(p->buf);
    sk_prom_init(p);
}

char *sk_prom_take(sk_prom_t *p, size_t *len)
{
    char *b = p->buf;
    *len = p->len;
    sk_prom_init(p);
    return b;
}

static void reserve(sk_prom_t *p, size_t n)
{
    if (p->len + n <= p->cap)
        return;
    size_t cap = p->cap ? p->cap : 4096;
    while (cap < p->len + n)
        cap *= 2;
    p->buf = sk_realloc(p->buf, cap);
    p->cap = cap;
}

void sk_prom_raw(sk_prom_t *p, const char *s, size_t n)
{
    if (!n)
        return; /* also before the first byte: buf may still be NULL */
    reserve(p, n);
    memcpy(p->buf + p->len, s, n);
    p->len += n;
}

static void put(sk_prom_t *p, const char *s)
{
    sk_prom_raw(p, s, strlen(s));
}

static void putc_(sk_prom_t *p, char c)
{
    reserve(p, 1);
    p->buf[p->len++] = c;
}

/* Escapes backslash and newline, and the double quote when quoted. */
static void put_escaped(sk_prom_t *p, const char *s, int quoted)
{
    const char *special = quoted ? "\\\n\"" : "\\\n";
    for (;;) {
        size_t run = strcspn(s, special);
        sk_prom_raw(p, s, run);
        s += run;
        if (!*s)
            return;
        put(p, *s == '\\' ? "\\\\" : *s == '\n' ? "\\n" : "\\\"");
        s++;
    }
}

static void put_u64(sk_prom_t *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    reserve(p, (size_t)n);
    while (n)
        p->buf[p->len++] = tmp[--n];
}

static void put_i64(sk_prom_t *p, int64_t v)
{
    if (v < 0) {
        putc_(p, '-');
        put_u64(p, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(p, (uint64_t)v);
    }
}

static void put_f64(sk_prom_t *p, double v)
{
    if (isnan(v)) {
        put(p, "NaN");
    } else if (isinf(v)) {
        put(p, v > 0 ? "+Inf" : "-Inf");
    } else if (v == floor(v) && fabs(v) < 9e15) {
        put_i64(p, (int64_t)v);
    } else {
        /* the shortest of 15 or 17 digits that reads back as v */
        char tmp[40];
        int n = snprintf(tmp, sizeof(tmp), "%.15g", v);
        if (strtod(tmp, NULL) != v)
            n = snprintf(tmp, sizeof(tmp), "%.17g", v);
        sk_prom_raw(p, tmp, (size_t)n);
    }
}

void sk_prom_family(sk_prom_t *p, const char *name, const char *type, const char *help)
{
    put(p, "# HELP ");
    put(p, name);
    putc_(p, ' ');
    put_escaped(p, help, 0);
    put(p, "\n# TYPE ");
    put(p, name);
    putc_(p, ' ');
    put(p, type);
    putc_(p, '\n');
}

/* name{l1="v1",...,extra="ev"} with a space after */
static void series(sk_prom_t *p, const char *name, const char *suffix, const sk_prom_label_t *l,
                   int nl, const char *extra, const char *extra_value)
{
    put(p, name);
    if (suffix)
        put(p, suffix);
    if (nl > 0 || extra) {
        putc_(p, '{');
        for (int i = 0; i < nl; i++) {
            if (i)
                putc_(p, ',');
            put(p, l[i].name);
            put(p, "=\"");
            put_escaped(p, l[i].value ? l[i].value : "", 1);
            putc_(p, '"');
        }
        if (extra) {
            if (nl)
                putc_(p, ',');
            put(p, extra);
            put(p, "=\"");
            put(p, extra_value);
            putc_(p, '"');
        }
        putc_(p, '}');
    }
    putc_(p, ' ');
}

void sk_prom_u64(sk_prom_t *p, const char *name, const sk_prom_label_t *l, int nl, uint64_t v)
{
    series(p, name, NULL, l, nl, NULL, NULL);
    put_u64(p, v);
    putc_(p, '\n');
}

void sk_prom_i64(sk_prom_t *p, const char *name, const sk_prom_label_t *l, int nl, int64_t v)
{
    series(p, name, NULL, l, nl, NULL, NULL);
    put_i64(p, v);
    putc_(p, '\n');
}

void sk_prom_f64(sk_prom_t *p, const char *name, const sk_prom_label_t *l, int nl, double v)
{
    series(p, name, NULL, l, nl, NULL, NULL);
    put_f64(p, v);
    putc_(p, '\n');
}

void sk_prom_hist(sk_prom_t *p, const char *name, const sk_prom_label_t *l, int nl,
                  const sk_met_hist_t *h)
{
    /* sk_met_bounds_ms as text (check_prom compares them) */
    static const char *const le[SK_MET_NBOUNDS + 1] = {
        "0.5", "1", "2.5", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000",
        "10000", "30000", "+Inf",
    };
    uint64_t cum = 0;
    for (int i = 0; i <= SK_MET_NBOUNDS; i++) {
        cum += h->bucket[i];
        series(p, name, "_bucket", l, nl, "le", le[i]);
        put_u64(p, cum);
        putc_(p, '\n');
    }
    series(p, name, "_sum", l, nl, NULL, NULL);
    put_f64(p, h->sum_ms);
    putc_(p, '\n');
    series(p, name, "_count", l, nl, NULL, NULL);
    put_u64(p, h->count);
    putc_(p, '\n');
}
