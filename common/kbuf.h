/* kbuf.h - bounds-checked read cursor and growable write buffer for Kafka's
 * wire encodings (classic and flexible/compact, KIP-482).
 *
 * Reader: a cursor with a sticky error flag. Once any read runs past the end
 * or meets an invalid length, r->err is set, every later read returns zero /
 * null without advancing, and the caller checks sk_rd_ok() once at the end.
 * Strings and bytes are returned as views into the input (no copy).
 *
 * Writer: a growable buffer. Length/count fields that are known only later
 * are reserved with sk_wr_reserve_i32() and filled with sk_wr_patch_i32().
 *
 * "flex" arguments select the flexible encoding: compact (uvarint length + 1)
 * strings/bytes/arrays, and tag sections where sk_*_tags() are called.
 * @locality any (values are owned by the caller)
 */
#ifndef SK_KBUF_H
#define SK_KBUF_H
#include <stddef.h>
#include <stdint.h>

/* A view of a (nullable) string or byte range inside some buffer. len -1 = null. */
typedef struct sk_str {
    const char *p;
    int32_t len;
} sk_str_t;

#define SK_STR_NULL ((sk_str_t){NULL, -1})
/* Is s equal to the NUL-terminated c? (null equals nothing) */
int sk_str_eq(sk_str_t s, const char *c);
/* Copy into a new NUL-terminated string (null -> NULL). */
char *sk_str_dup(sk_str_t s);
static inline sk_str_t sk_str_c(const char *c);

typedef struct sk_rd {
    const uint8_t *p;
    const uint8_t *end;
    int err;
} sk_rd_t;

void sk_rd_init(sk_rd_t *r, const void *buf, size_t len);
static inline int sk_rd_ok(const sk_rd_t *r) { return !r->err; }
static inline size_t sk_rd_remaining(const sk_rd_t *r) { return (size_t)(r->end - r->p); }
/* Mark the cursor failed (e.g. a semantic check in a decoder). */
static inline void sk_rd_fail(sk_rd_t *r) { r->err = 1; }

int8_t sk_rd_i8(sk_rd_t *r);
int16_t sk_rd_i16(sk_rd_t *r);
int32_t sk_rd_i32(sk_rd_t *r);
int64_t sk_rd_i64(sk_rd_t *r);
uint32_t sk_rd_u32(sk_rd_t *r);
int sk_rd_bool(sk_rd_t *r);
double sk_rd_f64(sk_rd_t *r);
void sk_rd_uuid(sk_rd_t *r, uint8_t out[16]);
/* Unsigned LEB128 varint, at most 5 bytes (protocol lengths and tags). */
uint32_t sk_rd_uvarint(sk_rd_t *r);
/* Zig-zag signed varint (<= 5 bytes) and varlong (<= 10 bytes): record fields. */
int32_t sk_rd_varint(sk_rd_t *r);
int64_t sk_rd_varlong(sk_rd_t *r);
/* Nullable string: classic int16 length, or compact when flex. */
sk_str_t sk_rd_str(sk_rd_t *r, int flex);
/* Nullable bytes: classic int32 length, or compact when flex. */
sk_str_t sk_rd_bytes(sk_rd_t *r, int flex);
/* Array element count: classic int32, or compact when flex. -1 = null.
 * Fails if the count is below -1, above max, or above the bytes remaining
 * (every element takes at least one byte), so callers may allocate count
 * elements safely after this check. */
int32_t sk_rd_arraylen(sk_rd_t *r, int flex, int32_t max);
/* Skip a tag section (when flex; no-op otherwise). */
void sk_rd_tags(sk_rd_t *r, int flex);
/* n raw bytes (pointer into the input), NULL on underflow. */
const uint8_t *sk_rd_raw(sk_rd_t *r, size_t n);

typedef struct sk_wr {
    uint8_t *buf;
    size_t len;
    size_t cap;
} sk_wr_t;

void sk_wr_init(sk_wr_t *w);
void sk_wr_free(sk_wr_t *w);
void sk_wr_reset(sk_wr_t *w);
/* Hand the buffer to the caller (who frees it) and reset w. */
uint8_t *sk_wr_steal(sk_wr_t *w, size_t *len);

void sk_wr_raw(sk_wr_t *w, const void *p, size_t n);
/* Room for n more bytes after w->len, for a producer that writes in place
 * (a decompressor): returns where they start; w->len is unchanged, the
 * caller adds what it really wrote. Never NULL. */
uint8_t *sk_wr_reserve(sk_wr_t *w, size_t n);
void sk_wr_i8(sk_wr_t *w, int8_t v);
void sk_wr_i16(sk_wr_t *w, int16_t v);
void sk_wr_i32(sk_wr_t *w, int32_t v);
void sk_wr_i64(sk_wr_t *w, int64_t v);
void sk_wr_u32(sk_wr_t *w, uint32_t v);
void sk_wr_bool(sk_wr_t *w, int v);
void sk_wr_f64(sk_wr_t *w, double v);
void sk_wr_uuid(sk_wr_t *w, const uint8_t v[16]);
void sk_wr_uvarint(sk_wr_t *w, uint32_t v);
void sk_wr_varint(sk_wr_t *w, int32_t v);
void sk_wr_varlong(sk_wr_t *w, int64_t v);
/* Nullable string / bytes; len -1 writes null. */
void sk_wr_str(sk_wr_t *w, int flex, const char *s, int32_t len);
void sk_wr_cstr(sk_wr_t *w, int flex, const char *s); /* NULL -> null */
void sk_wr_sstr(sk_wr_t *w, int flex, sk_str_t s);
void sk_wr_bytes(sk_wr_t *w, int flex, const void *p, int32_t len);
/* Array count; -1 writes null. */
void sk_wr_arraylen(sk_wr_t *w, int flex, int32_t n);
/* Empty tag section (when flex; no-op otherwise). */
void sk_wr_tags(sk_wr_t *w, int flex);
/* Reserve an int32 to patch later; returns its position. */
size_t sk_wr_reserve_i32(sk_wr_t *w);
void sk_wr_patch_i32(sk_wr_t *w, size_t pos, int32_t v);

/* Big-endian helpers for fixed-position fields. */
static inline uint16_t sk_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t sk_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t sk_be64(const uint8_t *p)
{
    return (uint64_t)sk_be32(p) << 32 | sk_be32(p + 4);
}
static inline void sk_put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void sk_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void sk_put_be64(uint8_t *p, uint64_t v)
{
    sk_put_be32(p, (uint32_t)(v >> 32));
    sk_put_be32(p + 4, (uint32_t)v);
}

#include <string.h>
static inline sk_str_t sk_str_c(const char *c)
{
    return c ? (sk_str_t){c, (int32_t)strlen(c)} : SK_STR_NULL;
}

#endif
