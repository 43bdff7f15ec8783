/* promparse.h - reader of Prometheus' text exposition format, version 0.0.4.
 *
 * The counterpart of prom.h's writer, for tools that scrape /metrics
 * (skein-top). The bytes come from the network, so nothing is trusted: the
 * input is a (pointer, length) pair that need not end in a NUL byte, and
 * every line is checked against the format before anything of it is handed
 * on:
 *
 *   # HELP name text            comments: HELP and TYPE are checked (a valid
 *   # TYPE name counter|gauge|histogram|summary|untyped), other comments skipped
 *   name{l="v",...} value [timestamp]
 *
 * Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
 * [a-zA-Z_][a-zA-Z0-9_]*; a label value is double-quoted with the escapes
 * \\ \" and \n only; a value is a float (NaN, +Inf, -Inf included), a
 * timestamp a 64-bit integer. Lines end in \n (a last line without one is
 * read too). A NUL byte, a line over SK_PROMPARSE_MAX_LINE bytes or a series
 * with more than SK_PROMPARSE_MAX_LABELS labels is refused.
 *
 * The first malformed line stops the parse: SK_EINVAL with "line N: reason"
 * in err. Samples before it have already been handed to the callback, so a
 * caller that must not act on a partial scrape collects them and drops them
 * on error (skein-top does).
 * @locality any (no state between calls)
 */
#ifndef SK_PROMPARSE_H
#define SK_PROMPARSE_H
#include <stddef.h>
#include <stdint.h>

#define SK_PROMPARSE_MAX_LINE 65536
#define SK_PROMPARSE_MAX_LABELS 32

typedef struct sk_promparse_label {
    const char *name;
    const char *value; /* unescaped */
} sk_promparse_label_t;

/* One sample line. The strings live until the callback returns. */
typedef struct sk_promparse_sample {
    const char *name;
    const sk_promparse_label_t *labels;
    int n_labels;
    double value;
    int has_timestamp;
    int64_t timestamp_ms;
} sk_promparse_sample_t;

/* Called for every sample, in order; a non-zero return stops the parse,
 * which then returns that value. */
typedef int (*sk_promparse_cb)(const sk_promparse_sample_t *s, void *arg);

/* Parse buf[0..len). 0 when every line was read; SK_EINVAL with err set on
 * the first malformed line; or what the callback returned. */
int sk_promparse(const char *buf, size_t len, sk_promparse_cb cb, void *arg, char *err,
                 size_t errlen);

/* The value of labels name in s, or NULL. */
const char *sk_promparse_label(const sk_promparse_sample_t *s, const char *name);

#endif
