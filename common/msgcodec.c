/* msgcodec.c - the table-driven message codec (see msgcodec.h). */
#include "msgcodec.h"

#include "kerr.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

/* Hard cap on any array count, as in the hand-written codecs. */
#define MAX_ARRAY (1 << 20)
/* Most fields a struct may have (tag ordering uses a stack array). */
#define MAX_FIELDS 64
/* Deepest struct nesting accepted (the schemas nest four levels). */
#define MAX_DEPTH 16

#define FIELD_PTR(m, f) ((char *)(m) + (f)->off)
#define FIELD_CPTR(m, f) ((const char *)(m) + (f)->off)
#define CNT_PTR(m, f) ((int32_t *)((char *)(m) + (f)->cnt_off))
#define CNT_CPTR(m, f) ((const int32_t *)((const char *)(m) + (f)->cnt_off))

static int in_range(int16_t v, int16_t lo, int16_t hi)
{
    return lo >= 0 && v >= lo && v <= hi;
}

static int is_tagged(const sk_msgfield_t *f, int16_t v, int flex)
{
    return flex && in_range(v, f->tag_lo, f->tag_hi);
}

static int is_nullable(const sk_msgfield_t *f, int16_t v)
{
    return in_range(v, f->null_lo, f->null_hi);
}

static size_t elem_size(const sk_msgfield_t *f)
{
    switch (f->type) {
    case SK_FT_BOOL: return sizeof(int);
    case SK_FT_INT8: return 1;
    case SK_FT_INT16: case SK_FT_UINT16: return 2;
    case SK_FT_INT32: case SK_FT_UINT32: return 4;
    case SK_FT_INT64: return 8;
    case SK_FT_FLOAT64: return sizeof(double);
    case SK_FT_UUID: return 16;
    case SK_FT_STRING: case SK_FT_BYTES: case SK_FT_RECORDS: return sizeof(sk_str_t);
    case SK_FT_STRUCT: return f->sub->size;
    }
    return 1;
}

/* ---- defaults ---- */

static void init_value(const sk_msgfield_t *f, void *p)
{
    switch (f->type) {
    case SK_FT_BOOL: *(int *)p = f->def_int != 0; break;
    case SK_FT_INT8: *(int8_t *)p = (int8_t)f->def_int; break;
    case SK_FT_INT16: *(int16_t *)p = (int16_t)f->def_int; break;
    case SK_FT_UINT16: *(uint16_t *)p = (uint16_t)f->def_int; break;
    case SK_FT_INT32: *(int32_t *)p = (int32_t)f->def_int; break;
    case SK_FT_UINT32: *(uint32_t *)p = (uint32_t)f->def_int; break;
    case SK_FT_INT64: *(int64_t *)p = f->def_int; break;
    case SK_FT_FLOAT64: *(double *)p = f->def_f64; break;
    case SK_FT_UUID: memset(p, 0, 16); break;
    case SK_FT_STRING: case SK_FT_BYTES: case SK_FT_RECORDS:
        *(sk_str_t *)p = f->def_null ? SK_STR_NULL : (sk_str_t){"", 0};
        break;
    case SK_FT_STRUCT: sk_msg_init(f->sub, p); break;
    }
}

void sk_msg_init(const sk_msgdesc_t *d, void *m)
{
    memset(m, 0, d->size);
    for (int i = 0; i < d->nfields; i++) {
        const sk_msgfield_t *f = &d->fields[i];
        if (f->array) {
            *(void **)FIELD_PTR(m, f) = NULL;
            *CNT_PTR(m, f) = f->def_null ? -1 : 0;
        } else {
            init_value(f, FIELD_PTR(m, f));
        }
    }
}

/* ---- decoding ---- */

typedef struct dec {
    sk_arena_t *a;  /* NULL: heap */
    int depth;
} dec_t;

static int decode_struct(const sk_msgdesc_t *d, int16_t v, int flex, sk_rd_t *r, dec_t *c,
                         void *m);

/* Smallest number of bytes one element of f takes on the wire at v. */
static size_t min_wire(const sk_msgfield_t *f, int16_t v, int flex, int depth);

static size_t min_struct(const sk_msgdesc_t *d, int16_t v, int flex, int depth)
{
    size_t n = flex ? 1 : 0; /* tag section */
    if (depth > MAX_DEPTH)
        return n;
    for (int i = 0; i < d->nfields; i++) {
        const sk_msgfield_t *f = &d->fields[i];
        if (!sk_msgfield_in(f, v) || is_tagged(f, v, flex))
            continue;
        n += f->array ? (flex ? 1 : 4) : min_wire(f, v, flex, depth + 1);
    }
    return n;
}

static size_t min_wire(const sk_msgfield_t *f, int16_t v, int flex, int depth)
{
    switch (f->type) {
    case SK_FT_BOOL: case SK_FT_INT8: return 1;
    case SK_FT_INT16: case SK_FT_UINT16: return 2;
    case SK_FT_INT32: case SK_FT_UINT32: return 4;
    case SK_FT_INT64: case SK_FT_FLOAT64: return 8;
    case SK_FT_UUID: return 16;
    case SK_FT_STRING: return flex ? 1 : 2;
    case SK_FT_BYTES: case SK_FT_RECORDS: return flex ? 1 : 4;
    case SK_FT_STRUCT: return min_struct(f->sub, v, flex, depth);
    }
    return 1;
}

static void decode_value(const sk_msgfield_t *f, int16_t v, int flex, sk_rd_t *r, dec_t *c,
                         void *p)
{
    switch (f->type) {
    case SK_FT_BOOL: *(int *)p = sk_rd_i8(r) != 0; break;
    case SK_FT_INT8: *(int8_t *)p = sk_rd_i8(r); break;
    case SK_FT_INT16: *(int16_t *)p = sk_rd_i16(r); break;
    case SK_FT_UINT16: *(uint16_t *)p = (uint16_t)sk_rd_i16(r); break;
    case SK_FT_INT32: *(int32_t *)p = sk_rd_i32(r); break;
    case SK_FT_UINT32: *(uint32_t *)p = sk_rd_u32(r); break;
    case SK_FT_INT64: *(int64_t *)p = sk_rd_i64(r); break;
    case SK_FT_FLOAT64: *(double *)p = sk_rd_f64(r); break;
    case SK_FT_UUID: sk_rd_uuid(r, p); break;
    case SK_FT_STRING:
    case SK_FT_BYTES:
    case SK_FT_RECORDS: {
        sk_str_t s = f->type == SK_FT_STRING ? sk_rd_str(r, flex) : sk_rd_bytes(r, flex);
        /* an array's null= is the array's: its elements never are (Kafka) */
        if (s.len < 0 && sk_rd_ok(r) && (f->array || !is_nullable(f, v)))
            sk_rd_fail(r);
        *(sk_str_t *)p = sk_rd_ok(r) ? s : SK_STR_NULL;
        break;
    }
    case SK_FT_STRUCT:
        if (decode_struct(f->sub, v, flex, r, c, p) != SK_OK)
            sk_rd_fail(r);
        break;
    }
}

static void decode_array(const sk_msgfield_t *f, int16_t v, int flex, sk_rd_t *r, dec_t *c,
                         void *m)
{
    int32_t n = sk_rd_arraylen(r, flex, MAX_ARRAY);
    if (!sk_rd_ok(r))
        return;
    if (n < 0) {
        if (!is_nullable(f, v))
            sk_rd_fail(r);
        *CNT_PTR(m, f) = -1;
        return;
    }
    size_t mw = min_wire(f, v, flex, c->depth);
    if (n > 0 && (size_t)n > sk_rd_remaining(r) / (mw ? mw : 1)) {
        sk_rd_fail(r);
        return;
    }
    size_t es = elem_size(f);
    char *arr = NULL;
    if (n > 0)
        arr = c->a ? sk_arena_calloc(c->a, (size_t)n, es) : sk_calloc((size_t)n, es);
    *(void **)FIELD_PTR(m, f) = arr;
    *CNT_PTR(m, f) = n;
    for (int32_t i = 0; i < n && sk_rd_ok(r); i++) {
        void *e = arr + (size_t)i * es;
        if (f->type == SK_FT_STRUCT)
            sk_msg_init(f->sub, e);
        decode_value(f, v, flex, r, c, e);
    }
}

static void decode_field(const sk_msgfield_t *f, int16_t v, int flex, sk_rd_t *r, dec_t *c,
                         void *m)
{
    if (f->array)
        decode_array(f, v, flex, r, c, m);
    else
        decode_value(f, v, flex, r, c, FIELD_PTR(m, f));
}

/* Reads a tag section: known tags of this version into their fields, the
 * rest skipped by size. */
static void decode_tags(const sk_msgdesc_t *d, int16_t v, sk_rd_t *r, dec_t *c, void *m)
{
    uint32_t n = sk_rd_uvarint(r);
    int32_t last = -1;
    for (uint32_t i = 0; i < n && sk_rd_ok(r); i++) {
        uint32_t tag = sk_rd_uvarint(r);
        uint32_t size = sk_rd_uvarint(r);
        const uint8_t *body = sk_rd_raw(r, size);
        if (!body || tag > INT32_MAX || (int32_t)tag <= last) {
            sk_rd_fail(r); /* truncated, or tags not strictly ascending */
            return;
        }
        last = (int32_t)tag;
        for (int k = 0; k < d->nfields; k++) {
            const sk_msgfield_t *f = &d->fields[k];
            if (f->tag != (int32_t)tag || !sk_msgfield_in(f, v) || !is_tagged(f, v, 1))
                continue;
            sk_rd_t sub;
            sk_rd_init(&sub, body, size);
            decode_field(f, v, 1, &sub, c, m);
            if (!sk_rd_ok(&sub))
                sk_rd_fail(r);
            break;
        }
    }
}

static int decode_struct(const sk_msgdesc_t *d, int16_t v, int flex, sk_rd_t *r, dec_t *c,
                         void *m)
{
    if (++c->depth > MAX_DEPTH) {
        sk_rd_fail(r);
        c->depth--;
        return SK_EPARSE;
    }
    for (int i = 0; i < d->nfields && sk_rd_ok(r); i++) {
        const sk_msgfield_t *f = &d->fields[i];
        if (sk_msgfield_in(f, v) && !is_tagged(f, v, flex))
            decode_field(f, v, flex, r, c, m);
    }
    if (flex && sk_rd_ok(r))
        decode_tags(d, v, r, c, m);
    c->depth--;
    return sk_rd_ok(r) ? SK_OK : SK_EPARSE;
}

static int top_flex(const sk_msgdesc_t *d, int16_t v)
{
    return d->flex_lo >= 0 && v >= d->flex_lo;
}

int sk_msg_decode(const sk_msgdesc_t *d, int16_t version, sk_rd_t *r, sk_arena_t *a, void *out)
{
    sk_msg_init(d, out);
    if (version < d->valid_lo || version > d->valid_hi)
        return SK_EINVAL;
    dec_t c = {a, 0};
    int rc = decode_struct(d, version, top_flex(d, version), r, &c, out);
    if (rc != SK_OK && !a) {
        sk_msg_free(d, out);
        sk_msg_init(d, out);
    }
    return rc;
}

/* ---- encoding (and sizing: w == NULL counts bytes only) ---- */

typedef struct enc {
    sk_wr_t *w;
    size_t n;
    int err;
    const sk_msg_rechook_t *hook; /* records fields' bytes (NULL: copied) */
} enc_t;

static size_t uvarint_len(uint32_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static void put_uvarint(enc_t *e, uint32_t v)
{
    e->n += uvarint_len(v);
    if (e->w)
        sk_wr_uvarint(e->w, v);
}

static void put_fixed(enc_t *e, int type, const void *p)
{
    switch (type) {
    case SK_FT_BOOL: e->n += 1; if (e->w) sk_wr_bool(e->w, *(const int *)p); break;
    case SK_FT_INT8: e->n += 1; if (e->w) sk_wr_i8(e->w, *(const int8_t *)p); break;
    case SK_FT_INT16: e->n += 2; if (e->w) sk_wr_i16(e->w, *(const int16_t *)p); break;
    case SK_FT_UINT16:
        e->n += 2;
        if (e->w)
            sk_wr_i16(e->w, (int16_t) * (const uint16_t *)p);
        break;
    case SK_FT_INT32: e->n += 4; if (e->w) sk_wr_i32(e->w, *(const int32_t *)p); break;
    case SK_FT_UINT32: e->n += 4; if (e->w) sk_wr_u32(e->w, *(const uint32_t *)p); break;
    case SK_FT_INT64: e->n += 8; if (e->w) sk_wr_i64(e->w, *(const int64_t *)p); break;
    case SK_FT_FLOAT64: e->n += 8; if (e->w) sk_wr_f64(e->w, *(const double *)p); break;
    case SK_FT_UUID: e->n += 16; if (e->w) sk_wr_uuid(e->w, p); break;
    }
}

/* Count or length prefix: classic int16 (strings) / int32, or compact. */
static void put_len(enc_t *e, int flex, int classic_bytes, int32_t len)
{
    if (flex) {
        put_uvarint(e, (uint32_t)(len + 1));
    } else if (classic_bytes == 2) {
        e->n += 2;
        if (e->w)
            sk_wr_i16(e->w, (int16_t)len);
    } else {
        e->n += 4;
        if (e->w)
            sk_wr_i32(e->w, len);
    }
}

static void encode_struct(const sk_msgdesc_t *d, int16_t v, int flex, enc_t *e, const void *m,
                          int depth);

static void encode_value(const sk_msgfield_t *f, int16_t v, int flex, enc_t *e, const void *p,
                         int depth)
{
    switch (f->type) {
    case SK_FT_STRING:
    case SK_FT_BYTES:
    case SK_FT_RECORDS: {
        const sk_str_t *s = p;
        int hooked = f->type == SK_FT_RECORDS && e->hook;
        if (s->len < -1 || (s->len < 0 && (f->array || !is_nullable(f, v))) ||
            (s->len > 0 && !s->p && !hooked) ||
            (f->type == SK_FT_STRING && s->len > INT16_MAX && !flex)) {
            e->err = 1;
            return;
        }
        put_len(e, flex, f->type == SK_FT_STRING ? 2 : 4, s->len);
        if (hooked) {
            /* the hook places the bytes (or notes where they go) */
            if (s->len > 0)
                e->n += (size_t)s->len;
            if (e->w && e->hook->put(e->hook->ctx, e->w, s) != SK_OK)
                e->err = 1;
        } else if (s->len > 0) {
            e->n += (size_t)s->len;
            if (e->w)
                sk_wr_raw(e->w, s->p, (size_t)s->len);
        }
        break;
    }
    case SK_FT_STRUCT:
        encode_struct(f->sub, v, flex, e, p, depth + 1);
        break;
    default:
        put_fixed(e, f->type, p);
        break;
    }
}

static void encode_field(const sk_msgfield_t *f, int16_t v, int flex, enc_t *e, const void *m,
                         int depth)
{
    if (!f->array) {
        encode_value(f, v, flex, e, FIELD_CPTR(m, f), depth);
        return;
    }
    int32_t n = *CNT_CPTR(m, f);
    const char *arr = *(char *const *)FIELD_CPTR(m, f);
    if (n < -1 || (n < 0 && !is_nullable(f, v)) || (n > 0 && !arr) || n > MAX_ARRAY) {
        e->err = 1;
        return;
    }
    put_len(e, flex, 4, n);
    size_t es = elem_size(f);
    for (int32_t i = 0; i < n && !e->err; i++)
        encode_value(f, v, flex, e, arr + (size_t)i * es, depth);
}

/* Is the value of f in m its default? (Tagged fields are written only when
 * not: Kafka's rule.) */
static int value_is_default(const sk_msgfield_t *f, const void *p)
{
    switch (f->type) {
    case SK_FT_BOOL: return (*(const int *)p != 0) == (f->def_int != 0);
    case SK_FT_INT8: return *(const int8_t *)p == (int8_t)f->def_int;
    case SK_FT_INT16: return *(const int16_t *)p == (int16_t)f->def_int;
    case SK_FT_UINT16: return *(const uint16_t *)p == (uint16_t)f->def_int;
    case SK_FT_INT32: return *(const int32_t *)p == (int32_t)f->def_int;
    case SK_FT_UINT32: return *(const uint32_t *)p == (uint32_t)f->def_int;
    case SK_FT_INT64: return *(const int64_t *)p == f->def_int;
    case SK_FT_FLOAT64: return *(const double *)p == f->def_f64;
    case SK_FT_UUID: {
        static const uint8_t zero[16];
        return memcmp(p, zero, 16) == 0;
    }
    case SK_FT_STRING: case SK_FT_BYTES: case SK_FT_RECORDS: {
        /* a zeroed sk_str_t ({NULL, 0}) counts as unset: the default */
        const sk_str_t *s = p;
        return f->def_null ? s->len < 0 || (s->len == 0 && !s->p) : s->len == 0;
    }
    case SK_FT_STRUCT: {
        const sk_msgdesc_t *d = f->sub;
        for (int i = 0; i < d->nfields; i++) {
            const sk_msgfield_t *g = &d->fields[i];
            if (g->array) {
                if (*CNT_CPTR(p, g) != (g->def_null ? -1 : 0))
                    return 0;
            } else if (!value_is_default(g, FIELD_CPTR(p, g))) {
                return 0;
            }
        }
        return 1;
    }
    }
    return 1;
}

static int field_is_default(const sk_msgfield_t *f, const void *m)
{
    if (f->array)
        return *CNT_CPTR(m, f) == (f->def_null ? -1 : 0);
    return value_is_default(f, FIELD_CPTR(m, f));
}

static void encode_tags(const sk_msgdesc_t *d, int16_t v, enc_t *e, const void *m, int depth)
{
    const sk_msgfield_t *tagged[MAX_FIELDS];
    int nt = 0;
    for (int i = 0; i < d->nfields && nt < MAX_FIELDS; i++) {
        const sk_msgfield_t *f = &d->fields[i];
        if (sk_msgfield_in(f, v) && is_tagged(f, v, 1) && !field_is_default(f, m))
            tagged[nt++] = f;
    }
    /* ascending tags (insertion sort: a handful of fields) */
    for (int i = 1; i < nt; i++)
        for (int j = i; j > 0 && tagged[j - 1]->tag > tagged[j]->tag; j--) {
            const sk_msgfield_t *t = tagged[j];
            tagged[j] = tagged[j - 1];
            tagged[j - 1] = t;
        }
    put_uvarint(e, (uint32_t)nt);
    for (int i = 0; i < nt && !e->err; i++) {
        enc_t sz = {NULL, 0, 0, e->hook};
        encode_field(tagged[i], v, 1, &sz, m, depth);
        if (sz.err || sz.n > UINT32_MAX) {
            e->err = 1;
            return;
        }
        put_uvarint(e, (uint32_t)tagged[i]->tag);
        put_uvarint(e, (uint32_t)sz.n);
        encode_field(tagged[i], v, 1, e, m, depth);
    }
}

static void encode_struct(const sk_msgdesc_t *d, int16_t v, int flex, enc_t *e, const void *m,
                          int depth)
{
    if (depth > MAX_DEPTH || d->nfields > MAX_FIELDS) {
        e->err = 1;
        return;
    }
    for (int i = 0; i < d->nfields && !e->err; i++) {
        const sk_msgfield_t *f = &d->fields[i];
        if (sk_msgfield_in(f, v)) {
            if (!is_tagged(f, v, flex))
                encode_field(f, v, flex, e, m, depth);
        } else if (!f->ignorable && !field_is_default(f, m)) {
            /* Kafka's rule: a value the version cannot carry is an error
             * unless the schema marks the field ignorable */
            e->err = 1;
        }
    }
    if (flex && !e->err)
        encode_tags(d, v, e, m, depth);
}

int sk_msg_encode(const sk_msgdesc_t *d, int16_t version, sk_wr_t *w, const void *in)
{
    return sk_msg_encode_hooked(d, version, w, in, NULL);
}

int sk_msg_encode_hooked(const sk_msgdesc_t *d, int16_t version, sk_wr_t *w, const void *in,
                         const sk_msg_rechook_t *hook)
{
    if (version < d->valid_lo || version > d->valid_hi)
        return SK_EINVAL;
    size_t start = w->len;
    enc_t e = {w, 0, 0, hook};
    encode_struct(d, version, top_flex(d, version), &e, in, 0);
    if (e.err) {
        w->len = start; /* nothing of a failed message stays in w */
        return SK_EINVAL;
    }
    return SK_OK;
}

int sk_msg_size(const sk_msgdesc_t *d, int16_t version, const void *in, size_t *size)
{
    *size = 0;
    if (version < d->valid_lo || version > d->valid_hi)
        return SK_EINVAL;
    enc_t e = {NULL, 0, 0, NULL};
    encode_struct(d, version, top_flex(d, version), &e, in, 0);
    if (e.err)
        return SK_EINVAL;
    *size = e.n;
    return SK_OK;
}

/* ---- release, compare ---- */

static void free_struct(const sk_msgdesc_t *d, void *m, int depth)
{
    if (depth > MAX_DEPTH)
        return;
    for (int i = 0; i < d->nfields; i++) {
        const sk_msgfield_t *f = &d->fields[i];
        if (f->type == SK_FT_STRUCT && !f->array) {
            free_struct(f->sub, FIELD_PTR(m, f), depth + 1);
            continue;
        }
        if (!f->array)
            continue;
        char *arr = *(char **)FIELD_PTR(m, f);
        int32_t n = *CNT_PTR(m, f);
        if (arr && f->type == SK_FT_STRUCT)
            for (int32_t k = 0; k < n; k++)
                free_struct(f->sub, arr + (size_t)k * f->sub->size, depth + 1);
        free(arr);
        *(void **)FIELD_PTR(m, f) = NULL;
        *CNT_PTR(m, f) = 0;
    }
}

void sk_msg_free(const sk_msgdesc_t *d, void *m)
{
    if (m)
        free_struct(d, m, 0);
}

static int value_equal(const sk_msgfield_t *f, const void *a, const void *b)
{
    switch (f->type) {
    case SK_FT_BOOL: return (*(const int *)a != 0) == (*(const int *)b != 0);
    case SK_FT_STRING: case SK_FT_BYTES: case SK_FT_RECORDS: {
        const sk_str_t *x = a, *y = b;
        if (x->len != y->len)
            return 0;
        return x->len <= 0 || memcmp(x->p, y->p, (size_t)x->len) == 0;
    }
    case SK_FT_STRUCT: return sk_msg_equal(f->sub, a, b);
    default: return memcmp(a, b, elem_size(f)) == 0;
    }
}

int sk_msg_equal(const sk_msgdesc_t *d, const void *a, const void *b)
{
    for (int i = 0; i < d->nfields; i++) {
        const sk_msgfield_t *f = &d->fields[i];
        if (!f->array) {
            if (!value_equal(f, FIELD_CPTR(a, f), FIELD_CPTR(b, f)))
                return 0;
            continue;
        }
        int32_t n = *CNT_CPTR(a, f);
        if (n != *CNT_CPTR(b, f))
            return 0;
        const char *x = *(char *const *)FIELD_CPTR(a, f), *y = *(char *const *)FIELD_CPTR(b, f);
        size_t es = elem_size(f);
        for (int32_t k = 0; k < n; k++)
            if (!value_equal(f, x + (size_t)k * es, y + (size_t)k * es))
                return 0;
    }
    return 1;
}
