/* prom.h - writer of Prometheus' text exposition format, version 0.0.4.
 *
 * Appends to a growing buffer: a family's HELP and TYPE lines, then its
 * samples. Label values are escaped as the format wants (backslash,
 * double quote and newline), HELP text too (backslash and newline).
 * Histograms (metrics.h) are written as cumulative _bucket lines with
 * le="...", then _sum and _count. Numbers are formatted without printf on
 * the hot path: a scrape of ten thousand partitions stays well under the
 * loop's budget.
 * @locality any (one writer per thread)
 */
#ifndef SK_PROM_H
#define SK_PROM_H
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

typedef struct sk_prom {
    char *buf;
    size_t len, cap;
} sk_prom_t;

/* A label: name (a valid label name, not escaped) and value (escaped). */
typedef struct sk_prom_label {
    const char *name;
    const char *value;
} sk_prom_label_t;

void sk_prom_init(sk_prom_t *p);
void sk_prom_free(sk_prom_t *p);
/* Hands the buffer over (caller frees it); p is empty again. */
char *sk_prom_take(sk_prom_t *p, size_t *len);

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram). */
void sk_prom_family(sk_prom_t *p, const char *name, const char *type, const char *help);
/* name{labels} value */
void sk_prom_u64(sk_prom_t *p, const char *name, const sk_prom_label_t *l, int nl, uint64_t v);
void sk_prom_i64(sk_prom_t *p, const char *name, const sk_prom_label_t *l, int nl, int64_t v);
void sk_prom_f64(sk_prom_t *p, const char *name, const sk_prom_label_t *l, int nl, double v);
/* name_bucket{labels,le="b"} (cumulative, +Inf last), name_sum, name_count. */
void sk_prom_hist(sk_prom_t *p, const char *name, const sk_prom_label_t *l, int nl,
                  const sk_met_hist_t *h);

/* Append raw bytes (tests, or text already in the format). */
void sk_prom_raw(sk_prom_t *p, const char *s, size_t n);

#endif
