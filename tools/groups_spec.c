/* groups_spec.c - reset scopes, timestamps and offset arithmetic for
 * skein-consumer-groups (see groups_spec.h). */
#include "groups_spec.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "mem.h"
#include "toolopt.h"

/* ---- topic scopes ------------------------------------------------------- */

void sk_gtopic_spec_clear(sk_gtopic_spec_t *s)
{
    free(s->topic);
    free(s->parts);
    memset(s, 0, sizeof(*s));
}

int sk_gtopic_spec_parse(const char *s, sk_gtopic_spec_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const char *colon = strchr(s, ':');
    size_t tlen = colon ? (size_t)(colon - s) : strlen(s);
    if (tlen == 0) {
        snprintf(err, errlen, "'%s': missing topic name", s);
        return SK_EINVAL;
    }
    out->topic = sk_calloc(tlen + 1, 1);
    memcpy(out->topic, s, tlen);
    if (!colon)
        return SK_OK;
    const char *p = colon + 1;
    int cap = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[32];
        long long v;
        char e[128];
        if (len == 0 || len >= sizeof(item)) {
            snprintf(err, errlen, "'%s': bad partition list (expected topic:0,1,...)", s);
            goto fail;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (sk_topt_int(item, 0, INT32_MAX, &v, e, sizeof(e)) != SK_OK) {
            snprintf(err, errlen, "'%s': bad partition '%s': %s", s, item, e);
            goto fail;
        }
        for (int i = 0; i < out->n_parts; i++)
            if (out->parts[i] == (int32_t)v) {
                snprintf(err, errlen, "'%s': partition %lld given twice", s, v);
                goto fail;
            }
        if (out->n_parts == cap) {
            cap = cap ? cap * 2 : 8;
            out->parts = sk_realloc(out->parts, (size_t)cap * sizeof(int32_t));
        }
        out->parts[out->n_parts++] = (int32_t)v;
        if (!comma)
            break;
        p = comma + 1;
    }
    return SK_OK;
fail:
    sk_gtopic_spec_clear(out);
    return SK_EINVAL;
}

int sk_gtopic_spec_match(const sk_gtopic_spec_t *s, const char *topic, int32_t p)
{
    if (strcmp(s->topic, topic) != 0)
        return 0;
    if (s->n_parts == 0)
        return 1;
    for (int i = 0; i < s->n_parts; i++)
        if (s->parts[i] == p)
            return 1;
    return 0;
}

/* ---- timestamps --------------------------------------------------------- */

static int is_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(long y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), by counting whole
 * years and months: the range the tool accepts (years 1970..9999) is small. */
static int64_t days_since_epoch(long y, int m, int d)
{
    int64_t days = 0;
    for (long yy = 1970; yy < y; yy++)
        days += is_leap(yy) ? 366 : 365;
    for (int mm = 1; mm < m; mm++)
        days += month_days(y, mm);
    return days + d - 1;
}

/* Read exactly n digits at *p into *v; advance. */
static int digits(const char **p, int n, long *v)
{
    long r = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return 0;
        r = r * 10 + (c - '0');
    }
    *p += n;
    *v = r;
    return 1;
}

static int lit(const char **p, char c)
{
    if (**p != c)
        return 0;
    (*p)++;
    return 1;
}

int sk_gdatetime_parse(const char *s, int64_t *ms_out, char *err, size_t errlen)
{
    const char *p = s;
    long y, mo, d, h, mi, sec, ms = 0;
    if (!(digits(&p, 4, &y) && lit(&p, '-') && digits(&p, 2, &mo) && lit(&p, '-') &&
          digits(&p, 2, &d) && lit(&p, 'T') && digits(&p, 2, &h) && lit(&p, ':') &&
          digits(&p, 2, &mi) && lit(&p, ':') && digits(&p, 2, &sec)))
        goto bad;
    if (*p == '.' && (p++, !digits(&p, 3, &ms)))
        goto bad;
    long tz_min = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        long th, tm;
        p++;
        if (!(digits(&p, 2, &th) && lit(&p, ':') && digits(&p, 2, &tm)) || th > 18 || tm > 59)
            goto bad;
        tz_min = sign * (th * 60 + tm);
    }
    if (*p != '\0')
        goto bad;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, (int)mo) || h > 23 ||
        mi > 59 || sec > 59) {
        snprintf(err, errlen, "'%s': date or time out of range", s);
        return SK_EINVAL;
    }
    int64_t t = days_since_epoch(y, (int)mo, (int)d) * 86400 + h * 3600 + mi * 60 + sec;
    t -= (int64_t)tz_min * 60;
    if (t < 0) {
        snprintf(err, errlen, "'%s': before 1970-01-01T00:00:00Z", s);
        return SK_EINVAL;
    }
    *ms_out = t * 1000 + ms;
    return SK_OK;
bad:
    snprintf(err, errlen, "'%s' is not a date-time of the form YYYY-MM-DDTHH:mm:SS.sss "
                          "(optionally followed by Z or +HH:MM / -HH:MM)", s);
    return SK_EINVAL;
}

void sk_gdatetime_format(int64_t ms, char *buf, size_t len)
{
    if (ms < 0)
        ms = 0;
    int64_t secs = ms / 1000;
    int64_t days = secs / 86400;
    int64_t rem = secs % 86400;
    long y = 1970;
    while (days >= (is_leap(y) ? 366 : 365)) {
        days -= is_leap(y) ? 366 : 365;
        y++;
    }
    int m = 1;
    while (days >= month_days(y, m)) {
        days -= month_days(y, m);
        m++;
    }
    snprintf(buf, len, "%04ld-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, (int)days + 1,
             (int)(rem / 3600), (int)(rem % 3600 / 60), (int)(rem % 60), (int)(ms % 1000));
}

/* ---- reset arithmetic --------------------------------------------------- */

int sk_greset_target(sk_greset_mode_t mode, int64_t value, const sk_greset_in_t *in,
                     const char *topic, int32_t partition, int64_t *out, char *err,
                     size_t errlen)
{
    int64_t v;
    switch (mode) {
    case SK_GRESET_EARLIEST: v = in->low; break;
    case SK_GRESET_LATEST: v = in->high; break;
    case SK_GRESET_OFFSET: v = value; break;
    case SK_GRESET_DATETIME: v = in->by_time >= 0 ? in->by_time : in->high; break;
    case SK_GRESET_SHIFT:
    case SK_GRESET_CURRENT:
        if (in->committed < 0) {
            snprintf(err, errlen, "Cannot %s offset for partition %s-%" PRId32
                                  " since there is no current committed offset",
                     mode == SK_GRESET_SHIFT ? "shift" : "keep the current", topic, partition);
            return SK_ENOENT;
        }
        v = in->committed;
        if (mode == SK_GRESET_SHIFT) {
            /* saturate instead of overflowing; the clamp below does the rest */
            if (value > 0 && v > INT64_MAX - value)
                v = INT64_MAX;
            else if (value < 0 && v < INT64_MIN - value)
                v = INT64_MIN;
            else
                v += value;
        }
        break;
    default:
        snprintf(err, errlen, "no reset mode");
        return SK_EINVAL;
    }
    if (v < in->low)
        v = in->low;
    if (v > in->high)
        v = in->high;
    *out = v;
    return SK_OK;
}
