/* proto_group_int.h - private helpers for the consumer-group codecs
 * (common/proto_{findcoordinator,joingroup,...}.c). Not for use elsewhere.
 *
 * Decoding builds on proto_int.h. Encoding uses a "mark and roll back"
 * style: the encoder remembers w->len at entry, the writers below note an
 * unencodable value (null where the field is not nullable, a negative
 * count) in *bad and write something harmless instead, and sk_pg_wr_end()
 * truncates w back to the mark and returns SK_EINVAL when *bad is set. So
 * an encoder that fails leaves w as it was, without a separate validation
 * pass that could drift from the writing code.
 * @locality any
 */
#ifndef SK_PROTO_GROUP_INT_H
#define SK_PROTO_GROUP_INT_H
#include <stddef.h>
#include <stdint.h>

#include "proto_int.h"

/* Non-nullable bytes: fails r on null. */
static inline sk_str_t sk_pg_rd_bytes_nn(sk_rd_t *r, int flex)
{
    sk_str_t b = sk_rd_bytes(r, flex);
    if (b.len < 0)
        sk_rd_fail(r);
    return b;
}

/* A count for an array of non-null strings (each at least 1 byte flexible,
 * 2 classic), allocated from a; nullable if allow_null (-1 = null). */
static inline void sk_pg_rd_strs(sk_rd_t *r, int flex, sk_arena_t *a, int allow_null,
                                 sk_str_t **out, int32_t *cnt)
{
    int32_t n = sk_proto_rd_count(r, flex, flex ? 1 : 2);
    if (n < 0 && !allow_null)
        sk_rd_fail(r);
    *cnt = sk_rd_ok(r) ? n : 0;
    *out = sk_proto_alloc(a, *cnt, sizeof(sk_str_t));
    for (int32_t i = 0; i < *cnt && sk_rd_ok(r); i++)
        (*out)[i] = sk_proto_rd_str_nn(r, flex);
}

/* Non-nullable string. */
static inline void sk_pg_wr_str_nn(sk_wr_t *w, int flex, sk_str_t s, int *bad)
{
    if (s.len < 0)
        *bad = 1;
    sk_wr_sstr(w, flex, s);
}

/* Nullable / non-nullable bytes (len -1 = null). */
static inline void sk_pg_wr_bytes(sk_wr_t *w, int flex, sk_str_t b)
{
    sk_wr_bytes(w, flex, b.len < 0 ? NULL : (b.p ? b.p : ""), b.len);
}

static inline void sk_pg_wr_bytes_nn(sk_wr_t *w, int flex, sk_str_t b, int *bad)
{
    if (b.len < 0)
        *bad = 1;
    sk_pg_wr_bytes(w, flex, b);
}

/* Array count n (-1 = null, allowed only if nullable). Returns how many
 * elements the caller should write next: n, or 0 for null or a bad n. */
static inline int32_t sk_pg_wr_count(sk_wr_t *w, int flex, int32_t n, int nullable, int *bad)
{
    if (n < -1 || (n == -1 && !nullable)) {
        *bad = 1;
        n = 0;
    }
    sk_wr_arraylen(w, flex, n);
    return n < 0 ? 0 : n;
}

/* Array of non-null strings. */
static inline void sk_pg_wr_strs(sk_wr_t *w, int flex, const sk_str_t *v, int32_t cnt,
                                 int nullable, int *bad)
{
    int32_t n = sk_pg_wr_count(w, flex, cnt, nullable, bad);
    for (int32_t i = 0; i < n; i++)
        sk_pg_wr_str_nn(w, flex, v[i], bad);
}

/* Encoder epilogue: roll w back to mark and return SK_EINVAL if bad. */
static inline int sk_pg_wr_end(sk_wr_t *w, size_t mark, int bad)
{
    if (bad) {
        w->len = mark;
        return SK_EINVAL;
    }
    return SK_OK;
}

#endif
