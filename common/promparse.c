/* promparse.c - Prometheus text format reader (see promparse.h).
 *
 * Each line is copied into a scratch buffer with a NUL after it, then
 * taken apart in place: names are cut with NUL bytes and label values are
 * unescaped over themselves (an escape only ever shortens the text), so a
 * line costs one copy and no allocation.
 */
#include "promparse.h"

#include "kerr.h"
#include "mem.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct line_ctx {
    char *p;      /* the cursor in the line's copy */
    char *why;    /* what is wrong, set on failure */
} line_ctx_t;

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void skip_blanks(line_ctx_t *x)
{
    while (is_blank(*x->p))
        x->p++;
}

static int name_start(char c, int metric)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':');
}

static int name_char(char c, int metric)
{
    return name_start(c, metric) || (c >= '0' && c <= '9');
}

/* Advance over a name; its start, or NULL when there is none. The caller
 * cuts it with a NUL once it has looked at the byte after it. */
static char *take_name(line_ctx_t *x, int metric)
{
    char *start = x->p;
    if (!name_start(*x->p, metric))
        return NULL;
    while (name_char(*x->p, metric))
        x->p++;
    return start;
}

/* A double-quoted label value at the cursor, unescaped in place; its start,
 * or NULL with x->why set. */
static char *take_quoted(line_ctx_t *x)
{
    if (*x->p != '"') {
        x->why = "label value not in double quotes";
        return NULL;
    }
    char *out = ++x->p, *start = out;
    for (;;) {
        char c = *x->p;
        if (c == '\0') {
            x->why = "label value not closed";
            return NULL;
        }
        x->p++;
        if (c == '"')
            break;
        if (c == '\\') {
            char e = *x->p;
            if (e == '\\' || e == '"')
                c = e;
            else if (e == 'n')
                c = '\n';
            else {
                x->why = "bad escape in label value (only \\\\, \\\" and \\n)";
                return NULL;
            }
            x->p++;
        }
        *out++ = c;
    }
    *out = '\0'; /* out <= the closing quote's position: nothing unread is overwritten */
    return start;
}

/* The next blank-separated token, cut with a NUL; NULL at the line's end. */
static char *take_token(line_ctx_t *x)
{
    skip_blanks(x);
    if (!*x->p)
        return NULL;
    char *start = x->p;
    while (*x->p && !is_blank(*x->p))
        x->p++;
    if (*x->p)
        *x->p++ = '\0';
    return start;
}

static int parse_value(const char *t, double *out)
{
    if (!strcmp(t, "NaN")) {
        *out = NAN;
        return 0;
    }
    if (!strcmp(t, "+Inf") || !strcmp(t, "Inf")) {
        *out = INFINITY;
        return 0;
    }
    if (!strcmp(t, "-Inf")) {
        *out = -INFINITY;
        return 0;
    }
    /* decimal only: no hex floats, no "infinity" or "nan(...)" spellings */
    if (strspn(t, "0123456789+-.eE") != strlen(t) || strlen(t) > 64)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(t, &end);
    if (end == t || *end || (errno == ERANGE && isinf(v)))
        return -1;
    *out = v;
    return 0;
}

static int parse_timestamp(const char *t, int64_t *out)
{
    const char *digits = t + (*t == '-' || *t == '+');
    if (!*digits || strspn(digits, "0123456789") != strlen(digits))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (end == t || *end || errno == ERANGE)
        return -1;
    *out = (int64_t)v;
    return 0;
}

/* "# HELP name ..." or "# TYPE name type": the name checked, the type
 * known; any other comment is skipped. 0, or -1 with x->why. */
static int parse_comment(line_ctx_t *x)
{
    x->p++; /* '#' */
    skip_blanks(x);
    int help = !strncmp(x->p, "HELP", 4) && (is_blank(x->p[4]) || !x->p[4]);
    int type = !strncmp(x->p, "TYPE", 4) && (is_blank(x->p[4]) || !x->p[4]);
    if (!help && !type)
        return 0;
    x->p += 4;
    skip_blanks(x);
    char *name = take_name(x, 1);
    if (!name || (*x->p && !is_blank(*x->p))) {
        x->why = help ? "bad metric name in HELP" : "bad metric name in TYPE";
        return -1;
    }
    if (help)
        return 0; /* the text is free-form */
    char *t = take_token(x);
    static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
    int known = 0;
    for (size_t i = 0; t && i < sizeof(types) / sizeof(types[0]); i++)
        known |= !strcmp(t, types[i]);
    if (!known) {
        x->why = "unknown metric type in TYPE";
        return -1;
    }
    if (take_token(x)) {
        x->why = "text after the type in TYPE";
        return -1;
    }
    return 0;
}

/* A sample line into s (labels into l[]). 0, or -1 with x->why. */
static int parse_sample(line_ctx_t *x, sk_promparse_sample_t *s, sk_promparse_label_t *l)
{
    memset(s, 0, sizeof(*s));
    s->labels = l;
    char *name = take_name(x, 1);
    if (!name) {
        x->why = "bad metric name";
        return -1;
    }
    char *cut = x->p; /* the name's end: cut once the byte there has been looked at */
    skip_blanks(x);
    if (*x->p == '{') {
        *cut = '\0';
        x->p++;
        for (;;) {
            skip_blanks(x);
            if (*x->p == '}')
                break;
            if (s->n_labels == SK_PROMPARSE_MAX_LABELS) {
                x->why = "too many labels";
                return -1;
            }
            char *ln = take_name(x, 0);
            if (!ln) {
                x->why = "bad label name";
                return -1;
            }
            char *lcut = x->p;
            skip_blanks(x);
            if (*x->p != '=') {
                x->why = "'=' missing after label name";
                return -1;
            }
            *lcut = '\0';
            x->p++;
            skip_blanks(x);
            char *lv = take_quoted(x);
            if (!lv)
                return -1;
            for (int i = 0; i < s->n_labels; i++)
                if (!strcmp(l[i].name, ln)) {
                    x->why = "label named twice";
                    return -1;
                }
            l[s->n_labels].name = ln;
            l[s->n_labels].value = lv;
            s->n_labels++;
            skip_blanks(x);
            if (*x->p == ',') {
                x->p++;
                continue;
            }
            if (*x->p != '}') {
                x->why = "',' or '}' expected after a label";
                return -1;
            }
        }
        x->p++; /* '}' */
        if (*x->p && !is_blank(*x->p)) {
            x->why = "no blank after '}'";
            return -1;
        }
    } else {
        if (cut == x->p && *x->p) {
            x->why = "bad metric name";
            return -1;
        }
        *cut = '\0';
    }
    s->name = name;
    char *v = take_token(x);
    if (!v || parse_value(v, &s->value)) {
        x->why = v ? "bad sample value" : "sample value missing";
        return -1;
    }
    char *ts = take_token(x);
    if (ts) {
        if (parse_timestamp(ts, &s->timestamp_ms)) {
            x->why = "bad timestamp";
            return -1;
        }
        s->has_timestamp = 1;
        if (take_token(x)) {
            x->why = "text after the timestamp";
            return -1;
        }
    }
    return 0;
}

static int fail(char *err, size_t errlen, size_t line, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "line %zu: %s", line, why);
    return SK_EINVAL;
}

int sk_promparse(const char *buf, size_t len, sk_promparse_cb cb, void *arg, char *err,
                 size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (len && memchr(buf, '\0', len)) {
        size_t line = 1;
        const char *z = memchr(buf, '\0', len);
        for (const char *q = buf; q < z; q++)
            line += *q == '\n';
        return fail(err, errlen, line, "NUL byte");
    }
    char *copy = NULL;
    int rc = 0;
    size_t lineno = 0, pos = 0;
    sk_promparse_label_t labels[SK_PROMPARSE_MAX_LABELS];
    while (pos < len && rc == 0) {
        lineno++;
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        if (n > SK_PROMPARSE_MAX_LINE) {
            rc = fail(err, errlen, lineno, "line too long");
            break;
        }
        if (!copy)
            copy = sk_malloc(SK_PROMPARSE_MAX_LINE + 1);
        memcpy(copy, buf + pos, n);
        copy[n] = '\0';
        pos += n + (nl != NULL);
        line_ctx_t x = {copy, NULL};
        skip_blanks(&x);
        if (!*x.p)
            continue;
        if (*x.p == '#') {
            if (parse_comment(&x))
                rc = fail(err, errlen, lineno, x.why);
            continue;
        }
        sk_promparse_sample_t s;
        if (parse_sample(&x, &s, labels)) {
            rc = fail(err, errlen, lineno, x.why);
            break;
        }
        rc = cb ? cb(&s, arg) : 0;
    }
    free(copy);
    return rc;
}

const char *sk_promparse_label(const sk_promparse_sample_t *s, const char *name)
{
    for (int i = 0; i < s->n_labels; i++)
        if (!strcmp(s->labels[i].name, name))
            return s->labels[i].value;
    return NULL;
}
