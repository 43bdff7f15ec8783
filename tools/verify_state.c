/* verify_state.c - skein-verify's state file (see verify_state.h). */
#include "verify_state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "storage/checkpoint.h"
#include "kerr.h"
#include "mem.h"

#define MAGIC "skein-verify-state 1"
#define MAX_FIELDS 6
#define MAX_TOPIC 249

void sk_vstate_free(sk_vstate_t *st)
{
    if (!st)
        return;
    free(st->topic);
    free(st->start);
    memset(st, 0, sizeof(*st));
}

int sk_vstate_write_header(FILE *f, uint64_t run, const char *topic, int producers,
                           const int64_t *start, int n_partitions)
{
    fprintf(f, "%s\nrun %016" PRIx64 "\ntopic %s\nproducers %d\n", MAGIC, run, topic, producers);
    for (int p = 0; p < n_partitions; p++)
        if (start[p] >= 0)
            fprintf(f, "start %d %" PRId64 "\n", p, start[p]);
    return fflush(f) == 0 && !ferror(f) ? SK_OK : SK_EIO;
}

void sk_vstate_write_ack(FILE *f, int32_t producer, int64_t seq, int32_t partition,
                         int64_t offset, int64_t latency_us)
{
    fprintf(f, "a %d %" PRId64 " %d %" PRId64 " %" PRId64 "\n", producer, seq, partition, offset,
            latency_us < 0 ? -1 : latency_us);
}

void sk_vstate_write_failed(FILE *f, int32_t producer, int64_t seq)
{
    fprintf(f, "f %d %" PRId64 "\n", producer, seq);
}

void sk_vstate_write_sent(FILE *f, int32_t producer, int64_t count)
{
    fprintf(f, "sent %d %" PRId64 "\n", producer, count);
}

int sk_vstate_flush(FILE *f, char *err, size_t errlen)
{
    if (fflush(f) != 0 || ferror(f)) {
        snprintf(err, errlen, "cannot write the state file: %s", strerror(errno));
        return SK_EIO;
    }
    return SK_OK;
}

int sk_vstate_finish(FILE *f, char *err, size_t errlen)
{
    fputs("end\n", f);
    return sk_vstate_flush(f, err, errlen);
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct field {
    const char *p;
    size_t n;
} field_t;

/* Split a line at single spaces; -1 when there are more than MAX_FIELDS
 * fields or an empty one (double or edge spaces). */
static int split(const char *line, size_t len, field_t *f)
{
    int n = 0;
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && line[j] != ' ')
            j++;
        if (j == i || n == MAX_FIELDS)
            return -1;
        f[n].p = line + i;
        f[n].n = j - i;
        n++;
        i = j + 1;
    }
    return n;
}

static int field_is(const field_t *f, const char *s)
{
    return f->n == strlen(s) && memcmp(f->p, s, f->n) == 0;
}

/* A decimal in [lo, hi]; "-1" style negatives only when lo < 0. */
static int field_int(const field_t *f, int64_t lo, int64_t hi, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (f->n > 0 && f->p[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == f->n || f->n - i > 18)
        return -1;
    int64_t v = 0;
    for (; i < f->n; i++) {
        if (f->p[i] < '0' || f->p[i] > '9')
            return -1;
        v = v * 10 + (f->p[i] - '0');
    }
    if (neg)
        v = -v;
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int field_hex64(const field_t *f, uint64_t *out)
{
    if (f->n != 16)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < 16; i++) {
        char c = f->p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        v = (v << 4) | (uint64_t)d;
    }
    *out = v;
    return 0;
}

static int topic_name_ok(const field_t *f)
{
    if (f->n == 0 || f->n > MAX_TOPIC)
        return 0;
    for (size_t i = 0; i < f->n; i++) {
        char c = f->p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

typedef struct parser {
    sk_vstate_t *st;
    sk_vledger_t *l;
    int header; /* header lines seen so far (0..4) */
    int ended;
} parser_t;

static const char *header_line(parser_t *ps, const field_t *f, int n)
{
    sk_vstate_t *st = ps->st;
    int64_t v;
    switch (ps->header) {
    case 0:
        if (n != 2 || !field_is(&f[0], "skein-verify-state") || !field_is(&f[1], "1"))
            return "not a skein-verify state file (version 1)";
        break;
    case 1:
        if (n != 2 || !field_is(&f[0], "run") || field_hex64(&f[1], &st->run) != 0)
            return "expected 'run <16 hex digits>'";
        ps->l = sk_vledger_new(st->run);
        break;
    case 2:
        if (n != 2 || !field_is(&f[0], "topic") || !topic_name_ok(&f[1]))
            return "expected 'topic <name>'";
        st->topic = sk_strndup(f[1].p, f[1].n);
        break;
    case 3:
        if (n != 2 || !field_is(&f[0], "producers") ||
            field_int(&f[1], 1, SK_VLEDGER_MAX_PRODUCERS, &v) != 0)
            return "expected 'producers <1..1000>'";
        st->producers = (int)v;
        break;
    }
    ps->header++;
    return NULL;
}

static const char *start_line(parser_t *ps, const field_t *f, int n)
{
    sk_vstate_t *st = ps->st;
    int64_t p, off;
    if (n != 3 || field_int(&f[1], 0, SK_VSTATE_MAX_PARTITIONS - 1, &p) != 0 ||
        field_int(&f[2], 0, INT64_MAX / 2, &off) != 0)
        return "expected 'start <partition> <offset>'";
    if (p >= st->n_start) {
        st->start = sk_realloc(st->start, (size_t)(p + 1) * sizeof(int64_t));
        for (int64_t i = st->n_start; i <= p; i++)
            st->start[i] = -1;
        st->n_start = (int)p + 1;
    }
    st->start[p] = off;
    return NULL;
}

static const char *body_line(parser_t *ps, const field_t *f, int n)
{
    int64_t prod, seq, part, off, lat, cnt;
    int64_t maxp = ps->st->producers - 1;
    if (field_is(&f[0], "start"))
        return start_line(ps, f, n);
    if (field_is(&f[0], "a")) {
        if (n != 6 || field_int(&f[1], 0, maxp, &prod) != 0 ||
            field_int(&f[2], 0, INT64_MAX / 2, &seq) != 0 ||
            field_int(&f[3], 0, SK_VLEDGER_MAX_PARTITIONS - 1, &part) != 0 ||
            field_int(&f[4], 0, INT64_MAX / 2, &off) != 0 ||
            field_int(&f[5], -1, INT64_MAX / 2, &lat) != 0)
            return "expected 'a <producer> <seq> <partition> <offset> <latency_us>'";
        int rc = sk_vledger_acked(ps->l, (int32_t)prod, seq, (int32_t)part, off, lat);
        if (rc == SK_EEXIST)
            return "record acknowledged twice or after failing";
        return rc == SK_OK ? NULL : "sequence number out of range";
    }
    if (field_is(&f[0], "f")) {
        if (n != 3 || field_int(&f[1], 0, maxp, &prod) != 0 ||
            field_int(&f[2], 0, INT64_MAX / 2, &seq) != 0)
            return "expected 'f <producer> <seq>'";
        int rc = sk_vledger_failed(ps->l, (int32_t)prod, seq);
        if (rc == SK_EEXIST)
            return "record failed after being acknowledged";
        return rc == SK_OK ? NULL : "sequence number out of range";
    }
    if (field_is(&f[0], "sent")) {
        if (n != 3 || field_int(&f[1], 0, maxp, &prod) != 0 ||
            field_int(&f[2], 0, INT64_MAX / 2, &cnt) != 0)
            return "expected 'sent <producer> <count>'";
        return sk_vledger_sent_upto(ps->l, (int32_t)prod, cnt) == SK_OK
                   ? NULL
                   : "sent count out of range";
    }
    if (field_is(&f[0], "end")) {
        if (n != 1)
            return "expected 'end'";
        ps->ended = 1;
        return NULL;
    }
    return "unknown line";
}

int sk_vstate_parse(const char *buf, size_t len, sk_vstate_t *st, sk_vledger_t **out,
                    char *err, size_t errlen)
{
    parser_t ps;
    memset(&ps, 0, sizeof(ps));
    memset(st, 0, sizeof(*st));
    ps.st = st;
    *out = NULL;
    size_t pos = 0;
    int lineno = 0;
    const char *why = NULL;
    while (pos < len && !why) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        if (!nl) {
            /* an unfinished last line: the writer died in the middle of it */
            st->truncated = 1;
            break;
        }
        size_t ll = (size_t)(nl - (buf + pos));
        const char *line = buf + pos;
        pos += ll + 1;
        lineno++;
        field_t f[MAX_FIELDS];
        int n = memchr(line, '\0', ll) ? -1 : split(line, ll, f);
        if (n < 1)
            why = "malformed line";
        else if (ps.ended)
            why = "text after 'end'";
        else if (ps.header < 4)
            why = header_line(&ps, f, n);
        else
            why = body_line(&ps, f, n);
    }
    if (!why && ps.header < 4) {
        lineno++;
        why = "the header is incomplete";
    }
    if (why) {
        snprintf(err, errlen, "line %d: %s", lineno, why);
        sk_vledger_free(ps.l);
        sk_vstate_free(st);
        return SK_EPARSE;
    }
    st->complete = ps.ended;
    *out = ps.l;
    return SK_OK;
}

int sk_vstate_load(const char *path, sk_vstate_t *st, sk_vledger_t **out, char *err,
                   size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    memset(st, 0, sizeof(*st));
    *out = NULL;
    int rc = sk_file_read_small(path, (size_t)4 << 30, &text, &len);
    if (rc != SK_OK) {
        snprintf(err, errlen, "cannot read %s: %s", path,
                 rc == SK_ETOOBIG ? "file too large"
                 : rc == SK_ENOENT ? "no such file" : strerror(errno));
        return SK_EIO;
    }
    char why[256];
    rc = sk_vstate_parse(text, len, st, out, why, sizeof(why));
    if (rc != SK_OK)
        snprintf(err, errlen, "%s: %s", path, why);
    free(text);
    return rc;
}
