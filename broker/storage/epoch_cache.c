/* epoch_cache.c - leader epoch cache: entries, lookups, checkpoint text. */
#include "storage/epoch_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/checkpoint.h"
#include "kerr.h"
#include "mem.h"

struct sk_epoch_cache_s {
    sk_epoch_entry_t *e;
    size_t n, cap;
};

sk_epoch_cache_t *sk_epoch_cache_new(void) { return sk_calloc(1, sizeof(sk_epoch_cache_t)); }

void sk_epoch_cache_free(sk_epoch_cache_t *c)
{
    if (!c)
        return;
    free(c->e);
    free(c);
}

size_t sk_epoch_cache_count(const sk_epoch_cache_t *c) { return c->n; }

sk_epoch_entry_t sk_epoch_cache_get(const sk_epoch_cache_t *c, size_t i) { return c->e[i]; }

int32_t sk_epoch_cache_latest_epoch(const sk_epoch_cache_t *c)
{
    return c->n ? c->e[c->n - 1].epoch : SK_EPOCH_UNDEFINED;
}

void sk_epoch_cache_clear(sk_epoch_cache_t *c) { c->n = 0; }

static void push(sk_epoch_cache_t *c, int32_t epoch, int64_t start)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->e = sk_realloc(c->e, c->cap * sizeof(*c->e));
    }
    c->e[c->n++] = (sk_epoch_entry_t){epoch, start};
}

/* Number of entries with start offset <= offset (entries are sorted). */
static size_t count_starting_at_or_before(const sk_epoch_cache_t *c, int64_t offset)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->e[mid].start_offset <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int32_t sk_epoch_cache_epoch_for_offset(const sk_epoch_cache_t *c, int64_t offset)
{
    size_t k = count_starting_at_or_before(c, offset);
    return k ? c->e[k - 1].epoch : SK_EPOCH_UNDEFINED;
}

int sk_epoch_cache_equal(const sk_epoch_cache_t *a, const sk_epoch_cache_t *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->e[i].epoch != b->e[i].epoch || a->e[i].start_offset != b->e[i].start_offset)
            return 0;
    return 1;
}

static int entries_valid(const sk_epoch_entry_t *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (e[i].epoch < 0 || e[i].start_offset < 0)
            return 0;
        if (i && (e[i].epoch <= e[i - 1].epoch || e[i].start_offset <= e[i - 1].start_offset))
            return 0;
    }
    return 1;
}

int sk_epoch_cache_load(sk_epoch_cache_t *c, const sk_epoch_entry_t *entries, size_t n)
{
    if (!entries_valid(entries, n))
        return SK_EINVAL;
    c->n = 0;
    for (size_t i = 0; i < n; i++)
        push(c, entries[i].epoch, entries[i].start_offset);
    return SK_OK;
}

int sk_epoch_cache_assign(sk_epoch_cache_t *c, int32_t epoch, int64_t start)
{
    if (epoch < 0 || start < 0)
        return SK_EINVAL;
    size_t n0 = c->n;
    while (c->n && (c->e[c->n - 1].start_offset >= start || c->e[c->n - 1].epoch > epoch))
        c->n--;
    if (c->n && c->e[c->n - 1].epoch == epoch)
        return c->n != n0; /* this epoch already started earlier */
    if (n0 == c->n + 1 && c->e[c->n].epoch == epoch && c->e[c->n].start_offset == start) {
        c->n++; /* removed exactly the entry we would add back */
        return 0;
    }
    push(c, epoch, start);
    return 1;
}

void sk_epoch_cache_end_offset_for(const sk_epoch_cache_t *c, int32_t requested,
                                   int64_t log_end_offset, int32_t *out_epoch,
                                   int64_t *out_end_offset)
{
    *out_epoch = SK_EPOCH_UNDEFINED;
    *out_end_offset = SK_EPOCH_OFFSET_UNDEFINED;
    if (requested < 0 || c->n == 0)
        return;
    if (c->e[c->n - 1].epoch == requested) {
        *out_epoch = requested;
        *out_end_offset = log_end_offset;
        return;
    }
    /* first entry with epoch > requested */
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->e[mid].epoch <= requested)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == c->n)
        return; /* newer than anything we know */
    *out_epoch = lo ? c->e[lo - 1].epoch : requested;
    *out_end_offset = c->e[lo].start_offset;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

int sk_epoch_truncation_point(const sk_epoch_cache_t *c, int64_t leo, int64_t hw,
                              int32_t leader_epoch, int64_t leader_end_offset, int64_t *offset)
{
    if (leader_end_offset < 0) {
        int64_t o = min64(hw, leo);
        *offset = o > 0 ? o : 0;
        return 1;
    }
    if (leader_epoch < 0) {
        *offset = min64(leader_end_offset, leo);
        return 1;
    }
    int32_t fe;
    int64_t fend;
    sk_epoch_cache_end_offset_for(c, leader_epoch, leo, &fe, &fend);
    if (fe < 0) {
        *offset = min64(leader_end_offset, leo);
        return 1;
    }
    if (fe == leader_epoch) {
        *offset = min64(min64(fend, leader_end_offset), leo);
        return 1;
    }
    *offset = min64(fend, leo);
    return 0;
}

int sk_epoch_cache_truncate_from_end(sk_epoch_cache_t *c, int64_t end_offset)
{
    size_t n0 = c->n;
    while (c->n && c->e[c->n - 1].start_offset >= end_offset)
        c->n--;
    return c->n != n0;
}

int sk_epoch_cache_truncate_from_start(sk_epoch_cache_t *c, int64_t start_offset)
{
    size_t k = count_starting_at_or_before(c, start_offset);
    if (k == 0 || (k == 1 && c->e[0].start_offset == start_offset))
        return 0;
    sk_epoch_entry_t keep = {c->e[k - 1].epoch, start_offset};
    memmove(c->e + 1, c->e + k, (c->n - k) * sizeof(*c->e));
    c->e[0] = keep;
    c->n -= k - 1;
    return 1;
}

/* ---- leader-epoch-checkpoint ---- */

int sk_epoch_cache_parse(sk_epoch_cache_t *c, const char *text, size_t len, char *err,
                         size_t errlen)
{
    const char *p = text, *end = text + len, *ls;
    size_t ll;
    int64_t v, count;
    sk_epoch_cache_t tmp = {NULL, 0, 0};
    if (memchr(text, '\0', len)) {
        snprintf(err, errlen, "NUL byte in leader epoch checkpoint");
        goto bad;
    }
    if (!sk_ckpt_next_line(&p, end, &ls, &ll) || sk_ckpt_parse_i64(ls, ll, 0, 0, &v) != 0) {
        snprintf(err, errlen, "line 1: expected version 0");
        goto bad;
    }
    if (!sk_ckpt_next_line(&p, end, &ls, &ll) ||
        sk_ckpt_parse_i64(ls, ll, 0, INT32_MAX, &count) != 0) {
        snprintf(err, errlen, "line 2: expected an entry count");
        goto bad;
    }
    for (int64_t i = 0; i < count; i++) {
        if (!sk_ckpt_next_line(&p, end, &ls, &ll)) {
            snprintf(err, errlen, "expected %" PRId64 " entries, found %" PRId64, count, i);
            goto bad;
        }
        const char *sp = memchr(ls, ' ', ll);
        int64_t epoch, start;
        if (!sp || sk_ckpt_parse_i64(ls, (size_t)(sp - ls), 0, INT32_MAX, &epoch) != 0 ||
            sk_ckpt_parse_i64(sp + 1, (size_t)(ls + ll - sp - 1), 0, INT64_MAX, &start) != 0) {
            snprintf(err, errlen, "line %" PRId64 ": expected '<epoch> <start offset>'", i + 3);
            goto bad;
        }
        if (tmp.n && (epoch <= tmp.e[tmp.n - 1].epoch || start <= tmp.e[tmp.n - 1].start_offset)) {
            snprintf(err, errlen,
                     "line %" PRId64 ": epoch %" PRId64 " at offset %" PRId64
                     " does not follow epoch %" PRId32 " at offset %" PRId64,
                     i + 3, epoch, start, tmp.e[tmp.n - 1].epoch, tmp.e[tmp.n - 1].start_offset);
            goto bad;
        }
        push(&tmp, (int32_t)epoch, start);
    }
    while (sk_ckpt_next_line(&p, end, &ls, &ll)) {
        if (ll != 0) {
            snprintf(err, errlen, "unexpected data after %" PRId64 " entries", count);
            goto bad;
        }
    }
    free(c->e);
    *c = tmp;
    return SK_OK;
bad:
    free(tmp.e);
    return SK_EPARSE;
}

char *sk_epoch_cache_format(const sk_epoch_cache_t *c, size_t *len)
{
    size_t cap = 32 + c->n * 33, n = 0;
    char *buf = sk_malloc(cap);
    n += (size_t)snprintf(buf + n, cap - n, "0\n%zu\n", c->n);
    for (size_t i = 0; i < c->n; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%" PRId32 " %" PRId64 "\n", c->e[i].epoch,
                              c->e[i].start_offset);
    if (len)
        *len = n;
    return buf;
}

static int epoch_parse_cb(const char *text, size_t len, void *ctx, char *why, size_t whylen)
{
    return sk_epoch_cache_parse(ctx, text, len, why, whylen);
}

int sk_epoch_cache_read_file(sk_epoch_cache_t *c, const char *path, char *err, size_t errlen)
{
    return sk_file_parse(path, 64u << 20, "", epoch_parse_cb, c, err, errlen);
}
