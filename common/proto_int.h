/* proto_int.h - private helpers shared by the proto_*.c codecs.
 * Not for use outside common/proto_*.c.
 * @locality any
 */
#ifndef SK_PROTO_INT_H
#define SK_PROTO_INT_H
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"
#include "kerr.h"

/* Hard cap on any array count in a request or response. */
#define SK_PROTO_MAX_ARRAY (1 << 20)

/* Read an array count and check that min_elem bytes per element fit in the
 * rest of the message, so the allocation that follows is bounded by a small
 * multiple of the message size. Returns the count (-1 = null, which the
 * caller must reject where the field is not nullable); fails r otherwise. */
static inline int32_t sk_proto_rd_count(sk_rd_t *r, int flex, size_t min_elem)
{
    int32_t n = sk_rd_arraylen(r, flex, SK_PROTO_MAX_ARRAY);
    if (n > 0 && (size_t)n > sk_rd_remaining(r) / (min_elem ? min_elem : 1)) {
        sk_rd_fail(r);
        return 0;
    }
    return n;
}

/* Same, rejecting null. */
static inline int32_t sk_proto_rd_count_nn(sk_rd_t *r, int flex, size_t min_elem)
{
    int32_t n = sk_proto_rd_count(r, flex, min_elem);
    if (n < 0) {
        sk_rd_fail(r);
        return 0;
    }
    return n;
}

/* Allocate n zeroed elements of size sz from a (NULL when n <= 0). */
static inline void *sk_proto_alloc(sk_arena_t *a, int32_t n, size_t sz)
{
    return n > 0 ? sk_arena_calloc(a, (size_t)n, sz) : NULL;
}

/* Non-nullable string: fails r on null. */
static inline sk_str_t sk_proto_rd_str_nn(sk_rd_t *r, int flex)
{
    sk_str_t s = sk_rd_str(r, flex);
    if (s.len < 0)
        sk_rd_fail(r);
    return s;
}

/* int32 array (e.g. broker ids); out/cnt filled; nullable if allow_null. */
static inline void sk_proto_rd_i32s(sk_rd_t *r, int flex, sk_arena_t *a, int allow_null,
                                    int32_t **out, int32_t *cnt)
{
    int32_t n = sk_proto_rd_count(r, flex, 4);
    if (n < 0 && !allow_null)
        sk_rd_fail(r);
    *cnt = sk_rd_ok(r) ? n : 0;
    *out = sk_proto_alloc(a, *cnt, sizeof(int32_t));
    for (int32_t i = 0; i < *cnt && sk_rd_ok(r); i++)
        (*out)[i] = sk_rd_i32(r);
}

static inline void sk_proto_wr_i32s(sk_wr_t *w, int flex, const int32_t *v, int32_t cnt)
{
    sk_wr_arraylen(w, flex, cnt);
    for (int32_t i = 0; i < cnt; i++)
        sk_wr_i32(w, v[i]);
}

/* Decoder epilogue: SK_OK if r is fine, SK_EPARSE otherwise. */
static inline int sk_proto_rd_result(const sk_rd_t *r)
{
    return sk_rd_ok(r) ? SK_OK : SK_EPARSE;
}

#endif
