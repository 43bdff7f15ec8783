/* kbuf.c - wire read cursor and write buffer (see kbuf.h). */
#include "kbuf.h"

#include "mem.h"

#include <stdlib.h>
#include <string.h>

int sk_str_eq(sk_str_t s, const char *c)
{
    if (s.len < 0 || !c)
        return 0;
    size_t n = strlen(c);
    return (size_t)s.len == n && memcmp(s.p, c, n) == 0;
}

char *sk_str_dup(sk_str_t s)
{
    if (s.len < 0)
        return NULL;
    return sk_strndup(s.p ? s.p : "", (size_t)s.len);
}

void sk_rd_init(sk_rd_t *r, const void *buf, size_t len)
{
    /* An empty sk_wr_t has no buffer, and arithmetic on a null pointer,
     * even + 0, is undefined (UBSan stops on it): an empty reader without a
     * buffer points at a byte of its own instead. */
    static const uint8_t no_bytes[1];
    r->p = buf ? (const uint8_t *)buf : no_bytes;
    r->end = r->p + (buf ? len : 0);
    r->err = 0;
}

/* Returns a pointer to n bytes and advances, or NULL (and fails) on underflow. */
static const uint8_t *take(sk_rd_t *r, size_t n)
{
    if (r->err || (size_t)(r->end - r->p) < n) {
        r->err = 1;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

const uint8_t *sk_rd_raw(sk_rd_t *r, size_t n)
{
    return take(r, n);
}

int8_t sk_rd_i8(sk_rd_t *r)
{
    const uint8_t *p = take(r, 1);
    return p ? (int8_t)p[0] : 0;
}

int16_t sk_rd_i16(sk_rd_t *r)
{
    const uint8_t *p = take(r, 2);
    return p ? (int16_t)sk_be16(p) : 0;
}

int32_t sk_rd_i32(sk_rd_t *r)
{
    const uint8_t *p = take(r, 4);
    return p ? (int32_t)sk_be32(p) : 0;
}

uint32_t sk_rd_u32(sk_rd_t *r)
{
    const uint8_t *p = take(r, 4);
    return p ? sk_be32(p) : 0;
}

int64_t sk_rd_i64(sk_rd_t *r)
{
    const uint8_t *p = take(r, 8);
    return p ? (int64_t)sk_be64(p) : 0;
}

int sk_rd_bool(sk_rd_t *r)
{
    return sk_rd_i8(r) != 0;
}

double sk_rd_f64(sk_rd_t *r)
{
    const uint8_t *p = take(r, 8);
    if (!p)
        return 0;
    uint64_t u = sk_be64(p);
    double d;
    memcpy(&d, &u, sizeof(d));
    return d;
}

void sk_rd_uuid(sk_rd_t *r, uint8_t out[16])
{
    const uint8_t *p = take(r, 16);
    if (p)
        memcpy(out, p, 16);
    else
        memset(out, 0, 16);
}

static uint64_t rd_uvar(sk_rd_t *r, int maxbytes)
{
    uint64_t v = 0;
    for (int i = 0; i < maxbytes; i++) {
        const uint8_t *p = take(r, 1);
        if (!p)
            return 0;
        v |= (uint64_t)(p[0] & 0x7f) << (7 * i);
        if (!(p[0] & 0x80))
            return v;
    }
    r->err = 1; /* too many continuation bytes */
    return 0;
}

uint32_t sk_rd_uvarint(sk_rd_t *r)
{
    uint64_t v = rd_uvar(r, 5);
    if (v > UINT32_MAX) {
        r->err = 1;
        return 0;
    }
    return (uint32_t)v;
}

int32_t sk_rd_varint(sk_rd_t *r)
{
    uint64_t v = rd_uvar(r, 5);
    if (v > UINT32_MAX) {
        r->err = 1;
        return 0;
    }
    uint32_t u = (uint32_t)v;
    return (int32_t)((u >> 1) ^ (~(u & 1) + 1));
}

int64_t sk_rd_varlong(sk_rd_t *r)
{
    uint64_t u = rd_uvar(r, 10);
    return (int64_t)((u >> 1) ^ (~(u & 1) + 1));
}

/* Reads a length: classic (int16 or int32) or compact (uvarint - 1). */
static int64_t rd_len(sk_rd_t *r, int flex, int wide)
{
    if (flex)
        return (int64_t)sk_rd_uvarint(r) - 1;
    return wide ? sk_rd_i32(r) : sk_rd_i16(r);
}

static sk_str_t rd_blob(sk_rd_t *r, int flex, int wide)
{
    int64_t n = rd_len(r, flex, wide);
    if (r->err || n < -1) {
        r->err = 1;
        return SK_STR_NULL;
    }
    if (n == -1)
        return SK_STR_NULL;
    const uint8_t *p = take(r, (size_t)n);
    if (!p)
        return SK_STR_NULL;
    return (sk_str_t){(const char *)p, (int32_t)n};
}

sk_str_t sk_rd_str(sk_rd_t *r, int flex)
{
    return rd_blob(r, flex, 0);
}

sk_str_t sk_rd_bytes(sk_rd_t *r, int flex)
{
    return rd_blob(r, flex, 1);
}

int32_t sk_rd_arraylen(sk_rd_t *r, int flex, int32_t max)
{
    int64_t n = rd_len(r, flex, 1);
    if (r->err || n < -1 || n > max || (n > 0 && (uint64_t)n > sk_rd_remaining(r))) {
        r->err = 1;
        return 0;
    }
    return (int32_t)n;
}

void sk_rd_tags(sk_rd_t *r, int flex)
{
    if (!flex)
        return;
    uint32_t count = sk_rd_uvarint(r);
    for (uint32_t i = 0; i < count && !r->err; i++) {
        (void)sk_rd_uvarint(r); /* tag */
        uint32_t size = sk_rd_uvarint(r);
        take(r, size);
    }
}

void sk_wr_init(sk_wr_t *w)
{
    w->buf = NULL;
    w->len = 0;
    w->cap = 0;
}

void sk_wr_free(sk_wr_t *w)
{
    free(w->buf);
    sk_wr_init(w);
}

void sk_wr_reset(sk_wr_t *w)
{
    w->len = 0;
}

uint8_t *sk_wr_steal(sk_wr_t *w, size_t *len)
{
    uint8_t *b = w->buf;
    if (len)
        *len = w->len;
    sk_wr_init(w);
    return b;
}

static uint8_t *grow(sk_wr_t *w, size_t n)
{
    if (w->cap - w->len < n) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap - w->len < n)
            cap *= 2;
        w->buf = sk_realloc(w->buf, cap);
        w->cap = cap;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

uint8_t *sk_wr_reserve(sk_wr_t *w, size_t n)
{
    uint8_t *p = grow(w, n ? n : 1);
    w->len = (size_t)(p - w->buf);
    return p;
}

void sk_wr_raw(sk_wr_t *w, const void *p, size_t n)
{
    if (n)
        memcpy(grow(w, n), p, n);
}

void sk_wr_i8(sk_wr_t *w, int8_t v) { *grow(w, 1) = (uint8_t)v; }
void sk_wr_i16(sk_wr_t *w, int16_t v) { sk_put_be16(grow(w, 2), (uint16_t)v); }
void sk_wr_i32(sk_wr_t *w, int32_t v) { sk_put_be32(grow(w, 4), (uint32_t)v); }
void sk_wr_u32(sk_wr_t *w, uint32_t v) { sk_put_be32(grow(w, 4), v); }
void sk_wr_i64(sk_wr_t *w, int64_t v) { sk_put_be64(grow(w, 8), (uint64_t)v); }
void sk_wr_bool(sk_wr_t *w, int v) { *grow(w, 1) = v ? 1 : 0; }

void sk_wr_f64(sk_wr_t *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof(u));
    sk_put_be64(grow(w, 8), u);
}

void sk_wr_uuid(sk_wr_t *w, const uint8_t v[16])
{
    memcpy(grow(w, 16), v, 16);
}

static void wr_uvar(sk_wr_t *w, uint64_t v)
{
    uint8_t tmp[10];
    int n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    sk_wr_raw(w, tmp, (size_t)n);
}

void sk_wr_uvarint(sk_wr_t *w, uint32_t v) { wr_uvar(w, v); }

void sk_wr_varint(sk_wr_t *w, int32_t v)
{
    wr_uvar(w, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

void sk_wr_varlong(sk_wr_t *w, int64_t v)
{
    wr_uvar(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void wr_len(sk_wr_t *w, int flex, int wide, int32_t n)
{
    if (flex)
        sk_wr_uvarint(w, (uint32_t)(n + 1));
    else if (wide)
        sk_wr_i32(w, n);
    else
        sk_wr_i16(w, (int16_t)n);
}

void sk_wr_str(sk_wr_t *w, int flex, const char *s, int32_t len)
{
    if (len < 0 || !s) {
        wr_len(w, flex, 0, -1);
        return;
    }
    wr_len(w, flex, 0, len);
    sk_wr_raw(w, s, (size_t)len);
}

void sk_wr_cstr(sk_wr_t *w, int flex, const char *s)
{
    sk_wr_str(w, flex, s, s ? (int32_t)strlen(s) : -1);
}

void sk_wr_sstr(sk_wr_t *w, int flex, sk_str_t s)
{
    sk_wr_str(w, flex, s.len < 0 ? NULL : (s.p ? s.p : ""), s.len);
}

void sk_wr_bytes(sk_wr_t *w, int flex, const void *p, int32_t len)
{
    if (len < 0) {
        wr_len(w, flex, 1, -1);
        return;
    }
    wr_len(w, flex, 1, len);
    sk_wr_raw(w, p, (size_t)len);
}

void sk_wr_arraylen(sk_wr_t *w, int flex, int32_t n)
{
    wr_len(w, flex, 1, n);
}

void sk_wr_tags(sk_wr_t *w, int flex)
{
    if (flex)
        sk_wr_uvarint(w, 0);
}

size_t sk_wr_reserve_i32(sk_wr_t *w)
{
    size_t pos = w->len;
    sk_wr_i32(w, 0);
    return pos;
}

void sk_wr_patch_i32(sk_wr_t *w, size_t pos, int32_t v)
{
    sk_put_be32(w->buf + pos, (uint32_t)v);
}
